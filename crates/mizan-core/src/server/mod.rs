//! The server: configuration, the one way into the core, and what it
//! answers. Every transport (HTTP, the WebSocket, desktop IPC, the Python
//! bindings) hands requests to [`Server::exchange`] — HTTP through
//! [`Server::serve_http`] — so the protocol's rules live here once.
//!
//! - [`config`], [`builder`]: what a server is configured with, checked once;
//! - `handle`: the [`Server`] handle and its accessors;
//! - [`exchange`]: the entry — an [`Exchange`] in, an [`Outcome`] out;
//! - `caller`: identity and CSRF (../shared/spec/PROTOCOL.md §2);
//! - [`origin`]: cross-origin protection and the call's media type (§2);
//! - [`envelope`]: the call envelope, JSON or multipart (§1.2);
//! - `dispatch`: calls, context fetches and views for a resolved caller;
//! - `session`: the `/session/` CSRF grant (§1.1);
//! - `live`: subscriptions, channels and publishing for live connections;
//! - [`frame`], [`socket`]: the WebSocket's frames, and one socket driven
//!   end to end (§6);
//! - [`ipc`]: a desktop host's messages, read and answered (§7);
//! - [`outcome`]: the answers and their payloads;
//! - [`http`]: the HTTP binding (methods, body limit, headers, statuses).

pub mod builder;
mod caller;
pub mod config;
mod dispatch;
pub mod envelope;
pub mod exchange;
pub mod frame;
mod handle;
pub mod http;
pub mod ipc;
mod live;
pub mod origin;
pub mod outcome;
mod session;
pub mod socket;

pub use builder::ServerBuilder;
pub use config::{
    BearerVerifier, ConfigError, CsrfConfig, DEFAULT_BODY_LIMIT, DEFAULT_MOUNT,
    InvalidationListener, SessionResolver, SocketConfig,
};
pub use dispatch::ContextParams;
pub use envelope::{CallEnvelope, REFRESH_LIMIT, RefreshKey};
pub use exchange::{CallInput, Credentials, Exchange, HostSession, Operation, ViewInput};
pub use handle::Server;
pub use http::HttpEndpoint;
pub use ipc::IpcReply;
pub use origin::CrossOrigin;
pub use outcome::{CallOutcome, ContextFetch, Outcome, SessionGrant, ViewOutcome};
pub use socket::{WsClose, WsFrame};
