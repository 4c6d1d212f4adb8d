//! One handler per endpoint: each hands the request whole (its headers
//! moved, not cloned) to the core with the endpoint the router matched.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{OriginalUri, Path, Request, State};
use axum::response::Response;
use mizan_core::Server;
use mizan_core::server::HttpEndpoint;

async fn serve(server: &Server, endpoint: HttpEndpoint, request: Request) -> Response {
    server.serve_http(endpoint, request).await.map(Body::from)
}

/// Under `nest`, axum strips the prefix from the URI; the query string is
/// kept. Only the core's messages (an unknown path, a method it does not
/// allow) need the path the client sent, so only those handlers restore it.
fn as_sent(mut request: Request) -> Request {
    if let Some(OriginalUri(original)) = request.extensions_mut().remove::<OriginalUri>() {
        *request.uri_mut() = original;
    }
    request
}

/// `/session/`.
pub(crate) async fn session(State(server): State<Server>, request: Request) -> Response {
    serve(&server, HttpEndpoint::Session, request).await
}

/// `/call/`.
pub(crate) async fn call(State(server): State<Server>, request: Request) -> Response {
    serve(&server, HttpEndpoint::Call, request).await
}

/// `/ctx/{name}/`.
pub(crate) async fn context(
    State(server): State<Server>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    serve(&server, HttpEndpoint::Context(name), request).await
}

/// `/session/` with a method other than the one routed to [`session`].
pub(crate) async fn session_other(State(server): State<Server>, request: Request) -> Response {
    serve(&server, HttpEndpoint::Session, as_sent(request)).await
}

/// `/call/` with a method other than the one routed to [`call`].
pub(crate) async fn call_other(State(server): State<Server>, request: Request) -> Response {
    serve(&server, HttpEndpoint::Call, as_sent(request)).await
}

/// `/ctx/{name}/` with a method other than the one routed to [`context`].
pub(crate) async fn context_other(
    State(server): State<Server>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    serve(&server, HttpEndpoint::Context(name), as_sent(request)).await
}

/// `/ws/` with a method other than `GET`.
pub(crate) async fn socket_other(State(server): State<Server>, request: Request) -> Response {
    serve(&server, HttpEndpoint::Socket, as_sent(request)).await
}

/// Any other path under the mount point.
pub(crate) async fn unknown(State(server): State<Server>, request: Request) -> Response {
    serve(&server, HttpEndpoint::Unknown, as_sent(request)).await
}

/// A view-path route: the handler knows its route pattern.
pub(crate) fn view(
    route: &str,
) -> impl Fn(State<Server>, Path<BTreeMap<String, String>>, Request) -> ViewFuture
+ Clone
+ Send
+ Sync
+ 'static {
    let route = route.to_owned();
    move |State(server), Path(path_params), request| {
        let endpoint = HttpEndpoint::View {
            route: route.clone(),
            path_params,
        };
        Box::pin(async move { serve(&server, endpoint, as_sent(request)).await })
    }
}

type ViewFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>;
