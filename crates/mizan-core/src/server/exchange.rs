//! The one way into the core. A transport reads a request (method, headers
//! or the host's identity, the envelope bytes or a decoded envelope), hands
//! it over as an [`Exchange`] and writes out the [`Outcome`] it gets back.
//! Identity, CSRF, envelope parsing, `auth`, dispatch, invalidation and
//! merge all happen in here, identically for HTTP, the socket and IPC.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde_json::{Map, Value};

use super::dispatch::ContextParams;
use super::envelope::CallEnvelope;
use super::handle::Server;
use super::outcome::Outcome;
use crate::error::MizanError;
use crate::identity::{Identity, IdentitySource};
use crate::request::Transport;

/// One request, as a transport read it.
#[derive(Debug)]
pub struct Exchange {
    transport: Transport,
    credentials: Credentials,
    operation: Operation,
    /// The live connection it came on (socket, IPC), if any.
    connection: Option<u64>,
    host_session: Option<HostSession>,
}

/// The caller as a host framework resolved it from its own session
/// (Django's `request.user`, a FastAPI dependency): step 3 of
/// ../shared/spec/PROTOCOL.md §2, in place of the server's session resolver.
/// Tokens still come first: an `X-Mizan-Token` or a Bearer token decides
/// alone, and an invalid one is `401` with no fallback to this session.
///
/// Over HTTP, put it in the request's extensions before
/// [`Server::serve_http`](super::Server::serve_http); elsewhere, use
/// [`Exchange::with_host_session`].
#[derive(Debug, Clone, Default)]
pub struct HostSession {
    /// The signed-in user, or `None` (anonymous).
    pub identity: Option<Identity>,
    /// The host's own CSRF verdict on this request, when it checks CSRF
    /// itself (Django's `CsrfViewMiddleware`). It is consulted exactly where
    /// §2 demands a check (unsafe requests of a session identity). `None`:
    /// the core's double-submit check.
    pub csrf: Option<Result<(), String>>,
    /// The token `/session/` answers with when the host issues its own
    /// (Django's `get_token`; the host sets its cookie). `None`: the core's.
    pub csrf_token: Option<String>,
}

/// Who the caller is, as far as the transport can tell.
#[derive(Debug)]
pub enum Credentials {
    /// Headers to resolve (../shared/spec/PROTOCOL.md §2): `X-Mizan-Token`,
    /// `Authorization: Bearer`, then the app's session resolver. An HTTP
    /// request's headers, or a socket's upgrade request's.
    Headers(HeaderMap),
    /// The host vouches for the caller (a desktop app's signed-in user): no
    /// header is read.
    Host(Option<Identity>),
}

/// What the caller asks for.
#[derive(Debug)]
pub enum Operation {
    /// `GET /session/`: a CSRF token for cookie-session clients.
    Session,
    /// Call one function.
    Call(CallInput),
    /// Fetch one context instance.
    Fetch {
        /// The context's name.
        context: String,
        /// Its parameters.
        params: ContextParams,
    },
    /// Run a view-path function at its route (boxed: views are rare, and
    /// every request's value would otherwise be as large).
    View(Box<ViewInput>),
    /// Be told when an instance goes stale (a live connection only):
    /// authorized like a fetch of it.
    Subscribe {
        /// The context.
        context: String,
        /// The instance's parameters.
        params: Map<String, Value>,
    },
    /// Stop being told.
    Unsubscribe {
        /// The context.
        context: String,
        /// The instance's parameters.
        params: Map<String, Value>,
    },
    /// Join a channel instance (its own check decides).
    Join {
        /// The channel.
        channel: String,
        /// The instance's parameters.
        params: Map<String, Value>,
    },
    /// Send to a joined channel instance (its handler decides what is
    /// published).
    Send {
        /// The channel.
        channel: String,
        /// The instance's parameters.
        params: Map<String, Value>,
        /// The message.
        message: Value,
    },
    /// Leave a channel instance.
    Leave {
        /// The channel.
        channel: String,
        /// The instance's parameters.
        params: Map<String, Value>,
    },
}

/// A call as the transport received it.
#[derive(Debug)]
pub enum CallInput {
    /// An HTTP body: `{"fn", "args"}` as JSON, or multipart with a
    /// `__mizan` part (the `Content-Type` header decides).
    Body(Bytes),
    /// An envelope the transport decoded (a socket frame, an IPC message).
    Envelope(CallEnvelope),
}

/// A request to a view-path route.
#[derive(Debug)]
pub struct ViewInput {
    /// The function whose route matched.
    pub function: String,
    /// The request method (unsafe methods are CSRF-checked).
    pub method: Method,
    /// The route's path parameters.
    pub path_params: BTreeMap<String, String>,
    /// The query string's parameters.
    pub query: BTreeMap<String, String>,
    /// The raw body.
    pub body: Bytes,
}

impl Exchange {
    /// A request that arrived over HTTP with these headers.
    pub fn http(headers: HeaderMap, operation: Operation) -> Self {
        Self {
            transport: Transport::Http,
            credentials: Credentials::Headers(headers),
            operation,
            connection: None,
            host_session: None,
        }
    }

    /// A message on a WebSocket whose upgrade request carried `handshake`:
    /// the caller is resolved from those headers again for every message,
    /// so a token that expires while the socket is open stops authorizing.
    pub fn socket(handshake: HeaderMap, operation: Operation) -> Self {
        Self {
            transport: Transport::WebSocket,
            credentials: Credentials::Headers(handshake),
            operation,
            connection: None,
            host_session: None,
        }
    }

    /// A message from a desktop host, which supplies the caller's identity.
    pub fn ipc(identity: Option<Identity>, operation: Operation) -> Self {
        Self {
            transport: Transport::Ipc,
            credentials: Credentials::Host(identity),
            operation,
            connection: None,
            host_session: None,
        }
    }

    /// The session the host framework resolved (see [`HostSession`]): it
    /// replaces the server's session resolver for this request.
    #[must_use]
    pub fn with_host_session(mut self, session: HostSession) -> Self {
        self.host_session = Some(session);
        self
    }

    /// Sets the live connection (of [`Server::connect`]) it came on: its
    /// subscriptions and joins are that connection's, and a mutation it
    /// makes is not pushed back to it.
    #[must_use]
    pub fn on_connection(mut self, connection: u64) -> Self {
        self.connection = Some(connection);
        self
    }

    /// The transport it arrived on.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// Only HTTP carries ambient credentials (cookies) on requests a
    /// foreign page can make a browser send: the double-submit check applies
    /// there, to unsafe requests.
    fn needs_csrf_check(&self) -> bool {
        self.transport == Transport::Http
            && match &self.operation {
                Operation::Call(_) => true,
                Operation::View(view) => !view.method.is_safe(),
                _ => false,
            }
    }
}

impl Server {
    /// Serves one request from any transport: resolves the caller, checks
    /// CSRF where it applies, decodes the envelope, enforces `auth`, runs the
    /// function(s), derives invalidation and merge, and answers with one
    /// [`Outcome`] for the transport to write out.
    ///
    /// ```
    /// # use mizan_core::{FunctionDef, Handler, JsonText, Registry, Server, Shape};
    /// # use mizan_core::function::Signature;
    /// use mizan_core::server::{CallEnvelope, CallInput, Exchange, Operation, Outcome};
    /// # let add = FunctionDef::new(
    /// #     "add",
    /// #     |_| Signature { params: Vec::new(), output: Some(Shape::Int) },
    /// #     Handler::data(|_req, mut args| async move {
    /// #         let (a, b) = (args.required::<i64>("a"), args.required::<i64>("b"));
    /// #         args.finish()?;
    /// #         JsonText::from_serialize(&(a.unwrap_or(0) + b.unwrap_or(0)))
    /// #     }),
    /// # );
    /// let server = Server::builder()
    ///     .registry(Registry::builder().definition(add).build()?)
    ///     .build()?;
    ///
    /// // A desktop host calls `add` for its signed-in user: no HTTP involved.
    /// let call = CallEnvelope::from_json(br#"{"fn": "add", "args": {"a": 1, "b": 2}}"#)?;
    /// let exchange = Exchange::ipc(None, Operation::Call(CallInput::Envelope(call)));
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let Outcome::Called(outcome) = server.exchange(exchange).await else { panic!() };
    /// assert_eq!(outcome.to_text(), r#"{"invalidate":[],"result":3}"#);
    /// # });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn exchange(&self, exchange: Exchange) -> Outcome {
        self.serve(exchange).await.into()
    }

    async fn serve(&self, exchange: Exchange) -> Result<Outcome, MizanError> {
        let csrf = exchange.needs_csrf_check();
        let Exchange {
            transport,
            credentials,
            operation,
            connection,
            host_session,
        } = exchange;
        let host = host_session.as_ref();
        let (identity, headers) = match credentials {
            Credentials::Headers(headers) => {
                if matches!(operation, Operation::Session) {
                    return Ok(Outcome::Session(self.grant_session(&headers, host)));
                }
                (self.identify(&headers, host).await?, headers)
            }
            Credentials::Host(identity) => (
                identity.map(|id| id.with_source(IdentitySource::Host)),
                HeaderMap::new(),
            ),
        };
        if csrf {
            // The same requests are the unsafe ones a foreign page could
            // make a browser send.
            self.check_cross_origin(&headers, identity.as_ref())?;
            self.check_csrf(identity.as_ref(), &headers, host)?;
        }
        match operation {
            Operation::Session => Ok(Outcome::Session(self.grant_session(&headers, host))),
            Operation::Call(input) => {
                let call = match input {
                    CallInput::Envelope(call) => call,
                    CallInput::Body(body) => {
                        CallEnvelope::from_body(&headers, body, self.inner.body_limit).await?
                    }
                };
                let req = self.request_handle(identity, headers, transport);
                Ok(Outcome::Called(self.call(req, call, connection).await?))
            }
            Operation::Fetch { context, params } => {
                let req = self.request_handle(identity, headers, transport);
                // Boxed, so that every call's future does not carry the
                // fetch's size as well (the two are not laid over each other).
                Ok(Outcome::Fetched(
                    Box::pin(self.fetch_context(req, &context, params)).await?,
                ))
            }
            Operation::View(view) => {
                let mut params = view.query;
                params.extend(view.path_params.clone());
                let req = self
                    .request_handle(identity, headers, transport)
                    .with_body(view.body)
                    .with_path_params(view.path_params);
                // Boxed: views are rare, and their future is large.
                Ok(Outcome::Viewed(Box::new(
                    Box::pin(self.view(req, &view.function, params)).await?,
                )))
            }
            live => {
                let connection = connection.ok_or_else(|| {
                    MizanError::bad_request(
                        "subscribe, join, send and leave need a live connection: use the WebSocket endpoint (/ws/)",
                    )
                })?;
                let req = self.request_handle(identity, headers, transport);
                Box::pin(self.live_operation(req, connection, live)).await?;
                Ok(Outcome::Acknowledged)
            }
        }
    }
}
