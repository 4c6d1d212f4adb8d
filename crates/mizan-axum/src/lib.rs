//! Serve Mizan over HTTP with [axum](https://docs.rs/axum): `/session/`,
//! `/call/` (JSON and multipart), `/ctx/<name>/` and every view-path route.
//!
//! ```no_run
//! # async fn run(server: mizan_core::Server) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! mizan_axum::serve(listener, server).await // API under /api/mizan + view routes
//! # }
//! ```
//!
//! The routers are ordinary `axum::Router`s: merge them into your app, nest
//! [`api_router`] under any prefix, add layers and state as usual, then
//! `mizan_axum::serve(listener, app)`.
//!
//! This crate holds no protocol rule. Its router only maps paths to the
//! protocol's endpoints; each request is handed whole to
//! [`Server::serve_http`], which answers with the response to send.

mod endpoint;
mod socket;

use axum::routing::{any, get, post};
use mizan_core::Server;

pub use axum;
/// The router type every function here returns, re-exported for apps that compose it.
pub use axum::Router;

/// The API endpoints mounted at the server's mount point (default
/// `/api/mizan`), plus every view-path route at its own path.
pub fn routes<S: Clone + Send + Sync + 'static>(server: Server) -> Router<S> {
    let mount = server.mount().trim_end_matches('/').to_owned();
    let mut api = api_routes(&mount);
    if !mount.is_empty() {
        // The catch-all is scoped to the mount, so it never shadows app routes.
        api = api.route(&format!("{mount}/{{*rest}}"), any(endpoint::unknown));
    }
    // Registered at their full paths rather than nested: one routing pass
    // per request instead of a prefix strip and a second lookup.
    api.with_state(server.clone()).merge(view_router(server))
}

/// The API endpoints alone, relative to where you nest them:
/// `/session/`, `/call/`, `/ctx/{name}/`, `/ws/`.
pub fn api_router<S: Clone + Send + Sync + 'static>(server: Server) -> Router<S> {
    api_routes("").with_state(server)
}

fn api_routes(prefix: &str) -> Router<Server> {
    Router::new()
        // The method each endpoint serves is routed straight to it; any
        // other method reaches the core through the fallback, and the core
        // answers it (`405` with `Allow`).
        .route(
            &format!("{prefix}/session/"),
            get(endpoint::session).fallback(endpoint::session_other),
        )
        .route(
            &format!("{prefix}/call/"),
            post(endpoint::call).fallback(endpoint::call_other),
        )
        .route(
            &format!("{prefix}/ctx/{{name}}/"),
            get(endpoint::context).fallback(endpoint::context_other),
        )
        .route(
            &format!("{prefix}/ws/"),
            get(socket::socket).fallback(endpoint::socket_other),
        )
}

/// Every view-path route (../shared/spec/PROTOCOL.md §3.4), each at its own
/// path; the core picks the function by method.
pub fn view_router<S: Clone + Send + Sync + 'static>(server: Server) -> Router<S> {
    let mut router: Router<Server> = Router::new();
    for route in server.registry().view_routes() {
        router = router.route(route, any(endpoint::view(route)));
    }
    router.with_state(server)
}

/// What [`serve`] can serve: a [`Server`] (its [`routes`]) or your own
/// router.
pub trait IntoApp {
    /// The router to serve.
    fn into_app(self) -> Router;
}

impl IntoApp for Server {
    fn into_app(self) -> Router {
        routes(self)
    }
}

impl IntoApp for Router {
    fn into_app(self) -> Router {
        self
    }
}

/// Serves `app` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, app: impl IntoApp) -> std::io::Result<()> {
    axum::serve(listener, app.into_app()).await
}

/// Serves `app` on `listener` until `signal` resolves, then stops accepting,
/// closes `server`'s open sockets cleanly (`1001`, going away) and waits for
/// the requests in flight.
///
/// ```no_run
/// # async fn run(server: mizan_core::Server, stop: tokio::sync::oneshot::Receiver<()>) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
/// let app = mizan_axum::routes(server.clone());
/// // `stop` fires on Ctrl-C, for example (`tokio::signal::ctrl_c`).
/// mizan_axum::serve_with_shutdown(listener, app, &server, async {
///     let _ = stop.await;
/// })
/// .await
/// # }
/// ```
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    app: impl IntoApp,
    server: &Server,
    signal: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let closing = server.clone();
    axum::serve(listener, app.into_app())
        .with_graceful_shutdown(async move {
            signal.await;
            // Upgraded sockets are not the HTTP server's to wait for: close
            // them, or the shutdown would wait on them forever.
            closing.close_sockets();
        })
        .await
}
