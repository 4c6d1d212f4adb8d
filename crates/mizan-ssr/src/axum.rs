//! The pages as an `axum::Router`: each page's route serves `GET` (and
//! `HEAD`) by [`Pages::render`]. Merge it with `mizan_axum::routes(server)`.
//!
//! ```no_run
//! # async fn run(server: mizan::Server, pages: mizan::ssr::Pages) -> std::io::Result<()> {
//! let app = mizan::axum::routes(server.clone()).merge(mizan::ssr::axum::routes(pages.clone()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! mizan::axum::serve_with_shutdown(listener, app, &server, async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await?;
//! pages.shutdown().await; // every request is answered: stop the workers
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::get;
use futures_util::StreamExt as _;

use crate::pages::{PageResponse, Pages};

/// Every page at its route.
pub fn routes<S: Clone + Send + Sync + 'static>(pages: Pages) -> Router<S> {
    let mut router: Router<Pages> = Router::new();
    for (index, route) in pages.routes() {
        router = router.route(
            route,
            get(
                move |State(pages): State<Pages>,
                      params: Option<Path<BTreeMap<String, String>>>,
                      request: Request| async move {
                    let route = params.map(|Path(p)| p).unwrap_or_default();
                    let page = pages
                        .render(index, request.headers(), request.uri(), route)
                        .await;
                    response(page)
                },
            ),
        );
    }
    router.with_state(pages)
}

fn response(page: PageResponse) -> Response {
    let mut response = Response::new(Body::from_stream(page.body.map(Ok::<_, Infallible>)));
    *response.status_mut() = page.status;
    *response.headers_mut() = page.headers;
    response
}
