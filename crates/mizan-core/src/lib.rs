//! Mizan protocol core: everything a backend needs that is not tied to a web
//! framework — type descriptions, the registry and its validation, dispatch,
//! identity, invalidation, merge, the IR and the edge manifest, MWT and cache
//! keys.
//!
//! Applications depend on the `mizan` facade crate, not on this one.

pub mod args;
pub mod builtin;
pub mod cache;
pub mod canonical;
pub mod csrf;
pub mod error;
pub mod function;
pub mod identity;
pub mod invalidation;
pub mod ir;
pub mod json;
pub mod manifest;
pub mod merge;
pub mod mwt;
pub mod registry;
pub mod request;
pub mod server;
pub mod shape;

pub use args::Args;
pub use cache::{CacheStats, CacheStatus, OriginCache};
pub use error::{ErrorCode, FieldErrors, MizanError};
pub use function::{
    AffectsTarget, Auth, CachePolicy, ContextMarker, FnTransport, FunctionDef, ServerFn, TargetRef,
};
pub use identity::{Identity, IdentitySource};
pub use invalidation::Target;
pub use json::JsonText;
pub use registry::{Registry, RegistryBuilder, RegistryError};
pub use request::{AppState, IntoViewResult, Request, Transport, Upload, ViewResponse};
pub use server::{CallOutcome, ContextFetch, ContextParams, CsrfConfig, Server, ServerBuilder};
pub use shape::{Describe, Field, Shape, TypeDef, TypeSet};

/// Used by the code `#[mizan::client]` and `#[derive(Mizan)]` generate. Not a
/// public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::args::extraction_bug;
    pub use crate::function::{Body, BoxFuture, MergeDecl, ParamDef, Registration, Signature};
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
