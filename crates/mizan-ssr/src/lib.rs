//! Server-side rendering for Mizan (../shared/spec/SSR.md): pages declared
//! in Rust with the contexts they read, those contexts fetched through the
//! core exactly as `/ctx/` fetches them, the page rendered to HTML by a pool
//! of Node workers, and sent with the data the client hydrates from, so
//! that it makes no request for it.
//!
//! ```no_run
//! use mizan_ssr::{Component, Document, Page, Pages, Pool, PoolConfig};
//!
//! # async fn run(server: mizan_core::Server) -> Result<(), Box<dyn std::error::Error>> {
//! let web = std::path::Path::new("/srv/app/web");
//! let pool = Pool::start(PoolConfig::node(web.join("node_modules/@mizan/ssr/dist/worker.js"))).await?;
//! let app = Component::react(web.join("dist-server/entry-server.js"), "App");
//! let pages = Pages::builder(server, pool, Document::vite(web.join("dist/.vite/manifest.json"), "index.html")?)
//!     .page(Page::new("/board/{board_id}", app).reads("global").reads("board"))
//!     .build()?;
//! let router = mizan_ssr::axum::routes::<()>(pages); // with the `axum` feature
//! # let _ = router; Ok(()) }
//! ```
//!
//! | role | modules |
//! |---|---|
//! | rendering | [`pool`]: the workers, their protocol, counters |
//! | pages | [`page`] (a page's declaration), [`document`] (the HTML around it, from the Vite manifest), [`escape`] (values in HTML and scripts) |
//! | serving | [`pages`] (fetch, render, respond); [`axum`](crate::axum) (the router, with the `axum` feature) |

pub mod document;
pub mod escape;
pub mod page;
pub mod pages;
pub mod pool;

#[cfg(feature = "axum")]
pub mod axum;

pub use document::{Document, DocumentError, ROOT_ID};
pub use page::{Page, PageError};
pub use pages::{PageResponse, Pages, PagesBuilder, RENDER_HEADER};
pub use pool::{
    Component, Pool, PoolConfig, PoolStats, RenderError, RenderRequest, Renderer, Rendering,
    find_worker,
};
