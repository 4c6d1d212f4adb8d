//! The HTTP binding of the core: an `http::Request` routed to one of the
//! protocol's endpoints goes in, the `http::Response` to send comes out.
//! Everything between — methods, the body limit, the query string, status
//! codes and protocol headers — is decided here, so an HTTP adapter only
//! routes paths and moves bytes (as a tonic transport around `Grpc::unary`).

use std::collections::BTreeMap;

use bytes::{Buf as _, Bytes, BytesMut};
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::BodyExt as _;

use super::config::SocketConfig;
use super::dispatch::ContextParams;
use super::exchange::{CallInput, Exchange, HostSession, Operation, ViewInput};
use super::handle::Server;
use super::origin::check_call_media_type;
use super::outcome::{Outcome, error_body};
use crate::cache::CACHE_HEADER;
use crate::error::MizanError;
use crate::function::Handler;
use crate::invalidation::{INVALIDATE_HEADER, format_header};

const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The endpoint an HTTP request was routed to (the adapter's router knows
/// which path it matched; the core does the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpEndpoint {
    /// `/session/`.
    Session,
    /// `/call/`.
    Call,
    /// `/ctx/<name>/`.
    Context(String),
    /// A view-path route (as registered, e.g. `/profile/{user_id}/`) with
    /// the path parameters the router matched.
    View {
        /// The route pattern.
        route: String,
        /// The matched parameters.
        path_params: BTreeMap<String, String>,
    },
    /// `/ws/` without a WebSocket upgrade (an upgrade is accepted by
    /// [`Server::accept_socket`] and served by [`Server::serve_socket`]).
    Socket,
    /// Any other path under the mount point.
    Unknown,
}

impl Server {
    /// Serves one HTTP request routed to `endpoint` and returns the response
    /// to send: the whole protocol of ../shared/spec/PROTOCOL.md §1–§4 over
    /// HTTP. The request's URI should be the one the client sent (before any
    /// prefix was stripped), for the query string and for messages.
    ///
    /// ```
    /// # use mizan_core::{Registry, Server};
    /// use mizan_core::server::HttpEndpoint;
    /// let server = Server::builder().registry(Registry::builder().build()?).build()?;
    /// let request = http::Request::post("/api/mizan/call/")
    ///     .header("content-type", "application/json")
    ///     .body(http_body_util::Full::new(bytes::Bytes::from(r#"{"fn": "nope"}"#)))?;
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let response = server.serve_http(HttpEndpoint::Call, request).await;
    /// assert_eq!(response.status(), 404);
    /// assert_eq!(response.headers()["cache-control"], "no-store");
    /// assert_eq!(
    ///     response.body(),
    ///     r#"{"error":{"code":"NOT_FOUND","message":"Unknown function `nope`"}}"#
    /// );
    /// # });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn serve_http<B>(
        &self,
        endpoint: HttpEndpoint,
        request: Request<B>,
    ) -> Response<Bytes>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        if !self.allows(&endpoint, request.method()) {
            let err =
                MizanError::method_not_allowed(request.method().as_str(), request.uri().path());
            let mut resp = self.http_response(Outcome::Failed(err));
            if let Ok(allow) = HeaderValue::from_str(&self.allowed_methods(&endpoint).join(",")) {
                resp.headers_mut().insert(ALLOW, allow);
            }
            return resp;
        }
        let outcome = match self.http_exchange(endpoint, request).await {
            Ok(exchange) => self.exchange(exchange).await,
            Err(err) => Outcome::Failed(err),
        };
        self.http_response(outcome)
    }

    /// Whether `endpoint` serves `method` (`HEAD` wherever `GET` is).
    fn allows(&self, endpoint: &HttpEndpoint, method: &Method) -> bool {
        match endpoint {
            HttpEndpoint::Call => method == Method::POST,
            HttpEndpoint::Session | HttpEndpoint::Context(_) | HttpEndpoint::Socket => {
                is_get(method)
            }
            HttpEndpoint::View { route, .. } => self.view_at(route, method).is_some(),
            HttpEndpoint::Unknown => true,
        }
    }

    /// The methods `endpoint` serves, for the `Allow` header of a `405`.
    fn allowed_methods(&self, endpoint: &HttpEndpoint) -> Vec<String> {
        let mut methods: Vec<String> = match endpoint {
            HttpEndpoint::Call => vec!["POST".into()],
            HttpEndpoint::Session | HttpEndpoint::Context(_) | HttpEndpoint::Socket => {
                vec!["GET".into()]
            }
            HttpEndpoint::View { route, .. } => self
                .inner
                .registry
                .views_at(route)
                .filter_map(|f| match &f.def.handler {
                    Handler::View { methods, .. } => Some(methods.clone()),
                    Handler::Data(_) => None,
                })
                .flatten()
                .collect(),
            HttpEndpoint::Unknown => Vec::new(),
        };
        if methods.iter().any(|m| m == "GET") {
            methods.push("HEAD".into());
        }
        methods
    }

    /// Checks the method, reads the body under the limit and turns the
    /// request into an [`Exchange`].
    async fn http_exchange<B>(
        &self,
        endpoint: HttpEndpoint,
        request: Request<B>,
    ) -> Result<Exchange, MizanError>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (mut parts, body) = request.into_parts();
        let not_allowed =
            || MizanError::method_not_allowed(parts.method.as_str(), parts.uri.path());
        let operation = match endpoint {
            HttpEndpoint::Session => Operation::Session,
            HttpEndpoint::Call => {
                check_call_media_type(&parts.headers)?;
                let body = read_body(&parts.headers, body, self.inner.body_limit).await?;
                Operation::Call(CallInput::Body(body))
            }
            HttpEndpoint::Context(context) => Operation::Fetch {
                context,
                params: ContextParams::Query(query_pairs(parts.uri.query())),
            },
            HttpEndpoint::View { route, path_params } => {
                let function = self
                    .view_at(&route, &parts.method)
                    .ok_or_else(not_allowed)?;
                let body = read_body(&parts.headers, body, self.inner.body_limit).await?;
                Operation::View(Box::new(ViewInput {
                    function,
                    method: parts.method.clone(),
                    path_params,
                    query: query_pairs(parts.uri.query()),
                    body,
                }))
            }
            HttpEndpoint::Socket => {
                return Err(MizanError::bad_request(
                    "This endpoint speaks WebSocket: send a GET with `Upgrade: websocket`",
                ));
            }
            HttpEndpoint::Unknown => {
                return Err(MizanError::not_found(format!(
                    "No Mizan endpoint at {}; the endpoints are session/, call/, ctx/<name>/ and ws/ (with the trailing slash)",
                    parts.uri.path()
                )));
            }
        };
        let exchange = Exchange::http(parts.headers, operation);
        Ok(match parts.extensions.remove::<HostSession>() {
            Some(session) => exchange.with_host_session(session),
            None => exchange,
        })
    }

    /// The error envelope as an HTTP response (what an adapter answers when
    /// a check of the core's, such as [`Server::accept_socket`], fails).
    pub fn http_error(&self, error: MizanError) -> Response<Bytes> {
        self.http_response(Outcome::Failed(error))
    }

    /// How sockets are served (frame limits, heartbeats).
    pub fn socket_config(&self) -> SocketConfig {
        self.inner.socket
    }

    /// The view-path function at `route` that serves `method`.
    fn view_at(&self, route: &str, method: &Method) -> Option<String> {
        let wanted = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.inner
            .registry
            .views_at(route)
            .find_map(|func| match &func.def.handler {
                Handler::View { methods, .. } if methods.iter().any(|m| m == wanted.as_str()) => {
                    Some(func.name().to_owned())
                }
                _ => None,
            })
    }

    /// Writes an outcome as an HTTP response: canonical JSON with
    /// `Cache-Control: no-store`, and the protocol's headers.
    fn http_response(&self, outcome: Outcome) -> Response<Bytes> {
        match outcome {
            Outcome::Called(call) => {
                let mut resp = json(StatusCode::OK, call.to_text().into());
                if let Some(value) = call
                    .invalidate_header()
                    .and_then(|h| HeaderValue::from_str(&h).ok())
                {
                    resp.headers_mut().insert(INVALIDATE_HEADER, value);
                }
                resp
            }
            Outcome::Fetched(fetch) => {
                let mut resp = json(StatusCode::OK, fetch.bundle.into_string().into());
                if let Some(status) = fetch.cache {
                    resp.headers_mut()
                        .insert(CACHE_HEADER, HeaderValue::from_static(status.as_str()));
                }
                resp
            }
            Outcome::Session(grant) => {
                let mut resp = json(StatusCode::OK, grant.to_text().into());
                if let Some(value) = grant
                    .set_cookie
                    .and_then(|c| HeaderValue::from_str(&c).ok())
                {
                    resp.headers_mut().insert(SET_COOKIE, value);
                }
                resp
            }
            Outcome::Viewed(view) => {
                let view = *view;
                let mut resp = Response::new(view.response.body);
                *resp.status_mut() = view.response.status;
                *resp.headers_mut() = view.response.headers;
                resp.headers_mut().insert(CACHE_CONTROL, NO_STORE);
                if !view.invalidate.is_empty() {
                    if let Ok(value) = HeaderValue::from_str(&format_header(&view.invalidate)) {
                        resp.headers_mut().insert(INVALIDATE_HEADER, value);
                    }
                }
                resp
            }
            Outcome::Acknowledged => json(StatusCode::OK, Bytes::from_static(b"{\"ok\":true}")),
            Outcome::Failed(err) => {
                let (status, body) = error_body(err, self.inner.debug);
                json(
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                    body,
                )
            }
        }
    }
}

fn is_get(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

fn json(status: StatusCode, body: Bytes) -> Response<Bytes> {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, JSON);
    headers.insert(CACHE_CONTROL, NO_STORE);
    resp
}

/// The query string as a map (the last value of a repeated key wins).
fn query_pairs(query: Option<&str>) -> BTreeMap<String, String> {
    query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// Reads the whole body, failing with `413` as soon as it exceeds `limit`
/// (before reading anything when `Content-Length` already says so). A body
/// that arrives in one frame (the usual case) is kept as it is, uncopied.
async fn read_body<B>(headers: &HeaderMap, body: B, limit: usize) -> Result<Bytes, MizanError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(MizanError::payload_too_large(limit));
    }
    let mut body = std::pin::pin!(body);
    let mut first: Option<Bytes> = None;
    let mut more = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| {
            MizanError::bad_request("The request body could not be read")
                .with_source(BoxedError(err.into()))
        })?;
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers
        };
        let chunk = data.copy_to_bytes(data.remaining());
        let read = first.as_ref().map_or(0, Bytes::len) + more.len();
        if read + chunk.len() > limit {
            return Err(MizanError::payload_too_large(limit));
        }
        match &first {
            None => first = Some(chunk),
            Some(_) => more.extend_from_slice(&chunk),
        }
    }
    Ok(match first {
        None => Bytes::new(),
        Some(first) if more.is_empty() => first,
        Some(first) => {
            let mut whole = BytesMut::with_capacity(first.len() + more.len());
            whole.extend_from_slice(&first);
            whole.extend_from_slice(&more);
            whole.freeze()
        }
    })
}

/// A boxed body error, as a sized error that can be kept as a cause.
#[derive(Debug)]
struct BoxedError(Box<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for BoxedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for BoxedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
