//! Serve Mizan over HTTP with [axum](https://docs.rs/axum): `/session/`,
//! `/call/` (JSON and multipart), `/ctx/<name>/` and every view-path route,
//! exactly as the wire protocol says.
//!
//! ```no_run
//! # async fn run(server: mizan_core::Server) -> std::io::Result<()> {
//! let app = mizan_axum::routes(server); // API under the server's mount (default /api/mizan) + view routes
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```
//!
//! The routers are ordinary `axum::Router`s: merge them into your app, nest
//! [`api_router`] under any prefix, add layers and state as usual.

mod body;
mod call;
mod context;
mod response;
mod session;
mod view;

use axum::Router;
use axum::routing::{any, get, post};
use mizan_core::Server;
use mizan_core::function::Body;

pub use response::error_response;

/// The API endpoints mounted at the server's mount point (default
/// `/api/mizan`), plus every view-path route at its own path.
pub fn routes<S: Clone + Send + Sync + 'static>(server: Server) -> Router<S> {
    let mount = server.mount().trim_end_matches('/').to_owned();
    let mut api = api_routes(&mount);
    if !mount.is_empty() {
        // The catch-all is scoped to the mount, so it never shadows app routes.
        api = api.route(
            &format!("{mount}/{{*rest}}"),
            any(response::unknown_endpoint),
        );
    }
    // Registered at their full paths rather than nested: one routing pass
    // per request instead of a prefix strip and a second lookup.
    api.with_state(server.clone()).merge(view_router(server))
}

/// The API endpoints alone, relative to where you nest them:
/// `/session/`, `/call/`, `/ctx/{name}/`.
pub fn api_router<S: Clone + Send + Sync + 'static>(server: Server) -> Router<S> {
    api_routes("").with_state(server)
}

fn api_routes(prefix: &str) -> Router<Server> {
    Router::new()
        .route(
            &format!("{prefix}/session/"),
            get(session::session).fallback(response::method_not_allowed),
        )
        .route(
            &format!("{prefix}/call/"),
            post(call::call).fallback(response::method_not_allowed),
        )
        .route(
            &format!("{prefix}/ctx/{{name}}/"),
            get(context::context).fallback(response::method_not_allowed),
        )
}

/// Every view-path function at its route (PROTOCOL.md §3.4).
pub fn view_router<S: Clone + Send + Sync + 'static>(server: Server) -> Router<S> {
    let mut router: Router<Server> = Router::new();
    for func in server.registry().functions() {
        if let Body::View { route, methods, .. } = &func.def.body {
            router = router.route(route, view::method_router(func.name(), methods));
        }
    }
    router.with_state(server)
}

pub use axum;

/// Serves [`routes`] on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, server: Server) -> std::io::Result<()> {
    axum::serve(listener, routes::<()>(server)).await
}
