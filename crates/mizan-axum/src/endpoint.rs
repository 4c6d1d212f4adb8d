//! The one handler shape: take the request whole (moving its headers rather
//! than cloning them), restore the URI the client sent, and hand it to the
//! core with the endpoint the router matched.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use axum::body::Body;
use axum::extract::{OriginalUri, Path, Request, State};
use axum::response::Response;
use mizan_core::Server;
use mizan_core::server::HttpEndpoint;

type Answer = Pin<Box<dyn Future<Output = Response> + Send>>;

async fn serve(server: Server, endpoint: HttpEndpoint, mut request: Request) -> Response {
    // Under `nest`, axum strips the prefix from the URI; the core words its
    // messages with the path the client sent.
    if let Some(OriginalUri(original)) = request.extensions_mut().remove::<OriginalUri>() {
        *request.uri_mut() = original;
    }
    server.serve_http(endpoint, request).await.map(Body::from)
}

/// A handler for an endpoint known when routing (`/session/`, `/call/`,
/// the catch-all).
pub(crate) fn fixed(
    endpoint: HttpEndpoint,
) -> impl Fn(State<Server>, Request) -> Answer + Clone + Send + Sync + 'static {
    move |State(server), request| Box::pin(serve(server, endpoint.clone(), request))
}

/// `/ctx/{name}/`.
pub(crate) async fn context(
    State(server): State<Server>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    serve(server, HttpEndpoint::Context(name), request).await
}

/// A view-path route.
pub(crate) fn view(
    route: &str,
) -> impl Fn(State<Server>, Path<BTreeMap<String, String>>, Request) -> Answer
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
        Box::pin(serve(server, endpoint, request))
    }
}
