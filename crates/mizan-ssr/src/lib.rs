//! Server-side rendering for Mizan (../shared/spec/SSR.md): pages declared
//! in Rust, their contexts fetched through the core exactly as `/ctx/`
//! fetches them, rendered to HTML by a pool of Node workers, and sent with
//! the data the client hydrates from, so that it makes no request for it.
//!
//! | role | modules |
//! |---|---|
//! | rendering | [`pool`]: the workers, the protocol, counters |

pub mod pool;

pub use pool::{
    Component, Pool, PoolConfig, PoolStats, RenderError, RenderRequest, Renderer, Rendering,
    find_worker,
};
