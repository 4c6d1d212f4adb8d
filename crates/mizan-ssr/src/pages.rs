//! Serving pages: the contexts a page reads are fetched through the core
//! ([`Server::exchange`], exactly as `GET /ctx/` fetches them: identity,
//! `auth`, origin cache, errors), the component is rendered by the pool with
//! that data, and the document carries both the HTML and the data.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt as _};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, StatusCode, Uri};
use mizan_core::server::{ContextParams, Exchange, Operation, Outcome};
use mizan_core::{MizanError, Server, Target};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::document::Document;
use crate::escape;
use crate::page::{Checked, Page, PageError};
use crate::pool::{Component, Pool, RenderRequest, Rendering};

/// Says how a page was rendered: `server`, `client` (the render failed and
/// the page went out with its data and an empty root, for the client to
/// render), or `error` (the app's error page).
pub const RENDER_HEADER: &str = "x-mizan-render";

/// The pages of an app, served with server-side rendering. Cheap to clone.
#[derive(Clone)]
pub struct Pages {
    inner: Arc<Inner>,
}

struct Inner {
    server: Server,
    pool: Pool,
    document: Document,
    pages: Vec<Checked>,
    error_page: Option<Component>,
}

impl fmt::Debug for Pages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("routes", &self.routes().collect::<Vec<_>>())
            .field("pool", &self.inner.pool)
            .finish_non_exhaustive()
    }
}

/// Builds [`Pages`]: see [`Pages::builder`].
#[derive(Debug)]
#[must_use]
pub struct PagesBuilder {
    server: Server,
    pool: Pool,
    document: Document,
    pages: Vec<Page>,
    error_page: Option<Component>,
}

impl PagesBuilder {
    /// Adds a page.
    pub fn page(mut self, page: Page) -> Self {
        self.pages.push(page);
        self
    }

    /// The component rendered when a page's context cannot be fetched,
    /// with the props `{"error": {"status", "code", "message", "details"?}}`
    /// and no client script. Without one (or when it fails too), a plain
    /// page says the status and the message.
    pub fn error_page(mut self, component: Component) -> Self {
        self.error_page = Some(component);
        self
    }

    /// Checks every page against the server's registry.
    ///
    /// # Errors
    /// A page that reads an unknown context, leaves a required parameter
    /// unbound, or repeats another page's route.
    pub fn build(self) -> Result<Pages, PageError> {
        let registry = self.server.registry();
        let mut pages: Vec<Checked> = Vec::with_capacity(self.pages.len());
        for page in self.pages {
            let checked = page.check(registry)?;
            if pages.iter().any(|p| p.page.route() == checked.page.route()) {
                return Err(PageError::duplicate(checked.page.route()));
            }
            pages.push(checked);
        }
        Ok(Pages {
            inner: Arc::new(Inner {
                server: self.server,
                pool: self.pool,
                document: self.document,
                pages,
                error_page: self.error_page,
            }),
        })
    }
}

/// A page's response: status, headers, and the HTML as it is rendered.
pub struct PageResponse {
    /// `200`, or the status of the error that stopped the page.
    pub status: StatusCode,
    /// `Content-Type`, `Cache-Control: no-store` (the page shows what this
    /// caller may read), and [`RENDER_HEADER`].
    pub headers: HeaderMap,
    /// The document, piece by piece.
    pub body: BoxStream<'static, Bytes>,
}

impl fmt::Debug for PageResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl PageResponse {
    /// The whole body as text.
    pub async fn text(self) -> String {
        let parts: Vec<Bytes> = self.body.collect().await;
        String::from_utf8_lossy(&parts.concat()).into_owned()
    }

    fn new(status: StatusCode, render: &'static str, body: BoxStream<'static, Bytes>) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(RENDER_HEADER, HeaderValue::from_static(render));
        Self {
            status,
            headers,
            body,
        }
    }
}

/// `window.__MIZAN_SSR_DATA__`.
#[derive(Serialize)]
struct HydrationData<'a> {
    contexts: &'a BTreeMap<String, Box<RawValue>>,
    props: &'a Value,
}

impl Pages {
    /// Pages of `server`, rendered by `pool`, written in `document`.
    pub fn builder(server: Server, pool: Pool, document: Document) -> PagesBuilder {
        PagesBuilder {
            server,
            pool,
            document,
            pages: Vec::new(),
            error_page: None,
        }
    }

    /// Each page's route, with the index [`Pages::render`] takes.
    pub fn routes(&self) -> impl Iterator<Item = (usize, &str)> {
        self.inner
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.page.route()))
    }

    /// The pool rendering the pages.
    pub fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    /// Stops the pool's workers (see [`Pool::shutdown`]).
    pub async fn shutdown(&self) {
        self.inner.pool.shutdown().await;
    }

    /// Serves page `index` for a request with `headers` to `uri`, whose
    /// route matched `route` (its parameters, percent-decoded).
    ///
    /// Its contexts are fetched first, for this caller: the first that
    /// fails (by the page's order) decides the response, the error page
    /// with that error's status (`401`, `403`, `404`…). Then the component
    /// is rendered and streamed; if the render fails, the page goes out
    /// with its data and an empty root, and the client renders it.
    pub async fn render(
        &self,
        index: usize,
        headers: &HeaderMap,
        uri: &Uri,
        route: BTreeMap<String, String>,
    ) -> PageResponse {
        let inner = &self.inner;
        let Some(checked) = inner.pages.get(index) else {
            return self
                .error(MizanError::not_found(format!("No page at {}", uri.path())))
                .await;
        };
        let contexts = match self.fetch(checked, headers, &route).await {
            Ok(contexts) => contexts,
            Err(err) => return self.error(err).await,
        };
        let url = uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
        let props = json!({ "params": route, "url": url });
        let data = serde_json::to_string(&HydrationData {
            contexts: &contexts,
            props: &props,
        })
        .unwrap_or_default();
        let title = checked.page.title_text();
        let request = RenderRequest {
            component: checked.page.component().clone(),
            props,
            contexts,
            timeout: None,
        };
        let mut rendering = match inner.pool.render(&request).await {
            Ok(rendering) => rendering,
            Err(err) => return self.client_rendered(checked, &err, title, &data),
        };
        let first = match rendering.next().await {
            None => String::new(),
            Some(Ok(html)) => html,
            Some(Err(err)) => return self.client_rendered(checked, &err, title, &data),
        };
        let head = inner.document.open(title, true) + &first;
        let route = checked.page.route().to_owned();
        let rest = stream::unfold(Some(rendering), move |rendering| {
            let route = route.clone();
            async move {
                let mut rendering: Rendering = rendering?;
                match rendering.next().await? {
                    Ok(html) => Some((Bytes::from(html), Some(rendering))),
                    Err(err) => {
                        // Too late for a status: the client hydrates what came and renders the rest.
                        tracing::error!(route, "the SSR render failed after its first part: {err}");
                        None
                    }
                }
            }
        });
        let body = stream::once(async move { Bytes::from(head) })
            .chain(rest)
            .chain(stream::once(async move {
                Bytes::from(Document::close(Some(&data)))
            }));
        PageResponse::new(StatusCode::OK, "server", body.boxed())
    }

    /// Every instance the page reads, by instance key, fetched for the
    /// caller through the core; the first error by the page's order.
    async fn fetch(
        &self,
        checked: &Checked,
        headers: &HeaderMap,
        route: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, Box<RawValue>>, MizanError> {
        let server = &self.inner.server;
        let fetches = checked.instances.iter().map(|instance| {
            let params = instance.values(route);
            let key = params
                .iter()
                .fold(Target::broad(instance.context.clone()), |t, (k, v)| {
                    t.with_param(k.clone(), v.clone())
                })
                .header_entry();
            let exchange = Exchange::http(
                headers.clone(),
                Operation::Fetch {
                    context: instance.context.clone(),
                    params: ContextParams::Query(params),
                },
            );
            async move { (key, server.exchange(exchange).await) }
        });
        let mut contexts = BTreeMap::new();
        for (key, outcome) in futures_util::future::join_all(fetches).await {
            let bundle = match outcome {
                Outcome::Fetched(fetch) => RawValue::from_string(fetch.bundle.into_string())
                    .map_err(|e| MizanError::internal(format!("a bundle that is not JSON: {e}")))?,
                Outcome::Failed(err) => return Err(err),
                _ => return Err(MizanError::internal("a fetch answered with something else")),
            };
            contexts.insert(key, bundle);
        }
        Ok(contexts)
    }

    /// The render failed: the page goes out with its data and an empty
    /// root, and the client renders it (without a request for the data).
    fn client_rendered(
        &self,
        checked: &Checked,
        err: &crate::pool::RenderError,
        title: Option<&str>,
        data: &str,
    ) -> PageResponse {
        tracing::error!(
            route = checked.page.route(),
            "SSR failed, the client renders the page: {err}"
        );
        let html = self.inner.document.open(title, true) + &Document::close(Some(data));
        PageResponse::new(
            StatusCode::OK,
            "client",
            stream::once(async move { Bytes::from(html) }).boxed(),
        )
    }

    /// The app's error page for `err`, with its status.
    async fn error(&self, err: MizanError) -> PageResponse {
        let inner = &self.inner;
        let err = err.redacted(inner.server.debug());
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut error = err.to_inner_json();
        if let Value::Object(fields) = &mut error {
            fields.insert("status".into(), Value::from(err.status()));
        }
        let title = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error")
        );
        let mut content = None;
        if let Some(component) = &inner.error_page {
            let request = RenderRequest::new(component.clone(), json!({ "error": error }));
            let rendered = match inner.pool.render(&request).await {
                Ok(rendering) => rendering.into_string().await,
                Err(e) => Err(e),
            };
            match rendered {
                Ok(html) => content = Some(html),
                Err(e) => tracing::error!("the error page failed to render: {e}"),
            }
        }
        let content = content.unwrap_or_else(|| plain_error(&title, &err));
        let html = inner.document.open(Some(&title), false) + &content + &Document::close(None);
        PageResponse::new(
            status,
            "error",
            stream::once(async move { Bytes::from(html) }).boxed(),
        )
    }
}

/// The error page when the app has none: the status, the message, and what
/// each field was told (a route parameter of the wrong type).
fn plain_error(title: &str, err: &MizanError) -> String {
    let mut html = format!(
        "<main class=\"mizan-error\"><h1>{}</h1><p>{}</p>",
        escape::html(title),
        escape::html(err.message())
    );
    if let Some(Value::Object(fields)) = err.details().and_then(|d| d.get("fields")) {
        html.push_str("<ul>");
        for (field, messages) in fields {
            for message in messages.as_array().into_iter().flatten() {
                let message = message.as_str().unwrap_or_default();
                html.push_str(&format!(
                    "<li>{}: {}</li>",
                    escape::html(field),
                    escape::html(message)
                ));
            }
        }
        html.push_str("</ul>");
    }
    html.push_str("</main>");
    html
}
