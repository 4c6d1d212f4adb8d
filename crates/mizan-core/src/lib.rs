//! Mizan protocol core: everything a backend needs that is not tied to a web
//! framework. Applications depend on the `mizan` facade crate, not on this
//! one; transport adapters (`mizan-axum`, the socket, IPC, the Python
//! bindings) hand every request to [`Server::exchange`] and write out what it
//! answers.
//!
//! The modules, grouped by role, each group using only the groups above it:
//!
//! | role | modules |
//! |---|---|
//! | foundations | [`error`], [`identity`], [`clock`], [`csrf`], [`kdl`], [`canonical`], [`shape`], [`json`], [`mwt`] |
//! | declaring | [`request`] (the handle, `Upload`, view responses), [`args`] (decoding arguments), [`function`] (a server function), [`channel`] (a channel) |
//! | the graph | [`graph`] (resolved functions and contexts), [`builtin`], [`merge`] (resolution), [`registry`] (validation) |
//! | what the graph yields | [`ir`], [`manifest`], [`invalidation`] (targets, header, auto-scoping) |
//! | state across requests | [`cache`] (the origin cache) |
//! | serving | [`server`]: the one entry ([`Server::exchange`]) and its HTTP binding ([`Server::serve_http`]); [`live`]: sockets, pushes, the bus |
//!
//! The wire protocol is `../shared/spec/PROTOCOL.md`; where it is silent,
//! this implementation's decisions are in `docs/protocol.md`.

pub mod args;
pub mod builtin;
pub mod cache;
pub mod canonical;
pub mod channel;
pub mod clock;
pub mod csrf;
pub mod error;
pub mod function;
pub mod graph;
pub mod identity;
pub mod invalidation;
pub mod ir;
pub mod json;
pub mod kdl;
pub mod live;
pub mod manifest;
pub mod merge;
pub mod mwt;
pub mod registry;
pub mod request;
pub mod server;
pub mod shape;

pub use args::Args;
pub use cache::{CacheStats, CacheStatus, OriginCache};
pub use channel::{Channel, ChannelMarker};
pub use error::{ErrorCode, FieldErrors, MizanError};
pub use function::{
    AffectsTarget, Auth, CachePolicy, ContextMarker, FunctionDef, Handler, ServerFn, TargetRef,
};
pub use identity::{Identity, IdentitySource};
pub use invalidation::Target;
pub use json::JsonText;
pub use registry::{Registry, RegistryBuilder, RegistryError};
pub use request::{AppState, IntoViewResult, Request, Transport, Upload, ViewResponse};
pub use server::{
    CallOutcome, ConfigError, ContextFetch, ContextParams, CsrfConfig, Exchange, Operation,
    Outcome, Server, ServerBuilder,
};
pub use shape::{Describe, Field, Shape, TypeDef, TypeSet};

/// Used by the code `#[mizan::client]` and `#[derive(Mizan)]` generate. Not a
/// public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::args::extraction_bug;
    pub use crate::channel::{ChannelRegistration, channel_definition};
    pub use crate::function::{BoxFuture, Handler, MergeDecl, ParamDef, Registration, Signature};
    pub use http::{HeaderMap, StatusCode};
    pub use inventory;
    pub use serde_json;

    use serde::Serialize;

    use crate::error::MizanError;

    /// Serializes a function's output as canonical JSON.
    pub fn to_json<T: Serialize>(value: &T) -> Result<crate::JsonText, MizanError> {
        crate::JsonText::from_serialize(value)
    }

    /// A JSON literal for a parameter default, from its Rust value.
    pub fn default_json<T: Serialize>(value: T) -> Option<serde_json::Value> {
        serde_json::to_value(value).ok()
    }
}
