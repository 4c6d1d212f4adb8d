//! A declared server function: its metadata (what the IR and the manifest
//! describe) and its type-erased handler (what dispatch runs).
//!
//! `#[mizan::client]` builds a [`FunctionDef`]; you rarely write one by hand.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

use crate::args::Args;
use crate::error::MizanError;
use crate::identity::Identity;
use crate::json::JsonText;
use crate::request::{Request, ViewResponse};
use crate::shape::{Shape, TypeSet};

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Runs a data function: request + arguments → JSON result.
pub type DataHandler =
    Arc<dyn Fn(Request, Args) -> BoxFuture<Result<JsonText, MizanError>> + Send + Sync>;

/// Runs a view-path function: request + arguments → raw response.
pub type ViewHandler =
    Arc<dyn Fn(Request, Args) -> BoxFuture<Result<ViewResponse, MizanError>> + Send + Sync>;

/// A predicate for `auth = path::to::predicate`.
pub type AuthPredicate = fn(&Identity) -> bool;

/// Who may call a function (enforced at dispatch on every transport).
#[derive(Clone, Copy, Default)]
pub enum Auth {
    /// Anyone, anonymous included.
    #[default]
    Public,
    /// Any identity; anonymous → 401.
    Required,
    /// Staff; anonymous → 401, others → 403.
    Staff,
    /// Superuser; anonymous → 401, others → 403.
    Superuser,
    /// An app predicate; anonymous → 401, `false` → 403.
    Custom(AuthPredicate),
}

impl Auth {
    /// The IR spelling (`None` for public).
    pub fn ir_name(&self) -> Option<&'static str> {
        match self {
            Self::Public => None,
            Self::Required => Some("required"),
            Self::Staff => Some("staff"),
            Self::Superuser => Some("superuser"),
            Self::Custom(_) => Some("custom"),
        }
    }

    /// Checks `identity` against this requirement.
    pub fn check(&self, identity: Option<&Identity>, function: &str) -> Result<(), MizanError> {
        let needs =
            |role: &str| MizanError::forbidden(format!("`{function}` requires the {role} role"));
        match (self, identity) {
            (Self::Public, _) => Ok(()),
            (_, None) => Err(MizanError::unauthorized(format!(
                "`{function}` requires authentication"
            ))),
            (Self::Required, Some(_)) => Ok(()),
            (Self::Staff, Some(id)) if id.is_staff() || id.is_superuser() => Ok(()),
            (Self::Staff, Some(_)) => Err(needs("staff")),
            (Self::Superuser, Some(id)) if id.is_superuser() => Ok(()),
            (Self::Superuser, Some(_)) => Err(needs("superuser")),
            (Self::Custom(pred), Some(id)) if pred(id) => Ok(()),
            (Self::Custom(_), Some(_)) => Err(MizanError::forbidden(format!(
                "`{function}` is not permitted for this identity"
            ))),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ir_name().unwrap_or("public"))
    }
}

/// Origin-cache policy declared on a context member.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CachePolicy {
    /// Cached until invalidated (a safety-net TTL still applies).
    #[default]
    Default,
    /// Cached for at most this many seconds.
    Ttl(u64),
    /// Never cached.
    Never,
}

/// A declared `affects` item before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetRef {
    /// A context by name.
    Context(String),
    /// A function by wire name; resolves to its parent context.
    Function(String),
}

/// One input argument.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDef {
    /// Wire name.
    pub name: String,
    /// Shape.
    pub shape: Shape,
    /// Must be sent.
    pub required: bool,
    /// The value used when omitted (scalars only).
    pub default: Option<Value>,
}

/// Parameters and output shape, computed at registration into the shared [`TypeSet`].
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// Input arguments in declaration order.
    pub params: Vec<ParamDef>,
    /// Output shape (`None` for view-path functions).
    pub output: Option<Shape>,
}

/// What runs when the function is called, and how it answers.
#[derive(Clone)]
pub enum Handler {
    /// Answers with JSON data (RPC, mutation, context member).
    Data(DataHandler),
    /// Answers with a raw HTTP response at its own route (../shared/spec/PROTOCOL.md §3.4).
    View {
        /// Route pattern, e.g. `/profile/{user_id}/`.
        route: String,
        /// Allowed HTTP methods, upper case.
        methods: Vec<String>,
        /// The handler.
        handler: ViewHandler,
    },
}

impl Handler {
    /// A data handler from an async closure.
    pub fn data<F, Fut>(run: F) -> Self
    where
        F: Fn(Request, Args) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<JsonText, MizanError>> + Send + 'static,
    {
        Self::Data(Arc::new(move |req, args| Box::pin(run(req, args))))
    }
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Data(_) => f.write_str("Data"),
            Self::View { route, methods, .. } => f
                .debug_struct("View")
                .field("route", route)
                .field("methods", methods)
                .finish(),
        }
    }
}

/// Everything known about a server function at declaration.
#[derive(Clone)]
pub struct FunctionDef {
    /// Wire name.
    pub name: String,
    /// Where it is declared (for messages), e.g. `my_app::users::rename`.
    pub rust_path: String,
    /// Computes parameters and output shape into the registry's type set.
    pub signature: fn(&mut TypeSet) -> Signature,
    /// Member of this context.
    pub context: Option<String>,
    /// Invalidation targets.
    pub affects: Vec<TargetRef>,
    /// `merge = <context>` and an optional explicit key field.
    pub merge: Option<MergeDecl>,
    /// Access rule.
    pub auth: Auth,
    /// Not client-callable.
    pub private: bool,
    /// Cache revision.
    pub rev: u32,
    /// Cache policy.
    pub cache: CachePolicy,
    /// Callable only over the WebSocket (`websocket` option).
    pub socket_only: bool,
    /// What runs.
    pub handler: Handler,
}

/// A declared merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeDecl {
    /// The context to splice into.
    pub context: String,
    /// Key field for upserts (default `id`).
    pub key: Option<String>,
}

impl FunctionDef {
    /// A plain function with no options (set them on the fields).
    pub fn new(
        name: impl Into<String>,
        signature: fn(&mut TypeSet) -> Signature,
        handler: Handler,
    ) -> Self {
        let name = name.into();
        Self {
            rust_path: name.clone(),
            name,
            signature,
            context: None,
            affects: Vec::new(),
            merge: None,
            auth: Auth::Public,
            private: false,
            rev: 0,
            cache: CachePolicy::Default,
            socket_only: false,
            handler,
        }
    }

    /// True for view-path functions.
    pub fn is_view(&self) -> bool {
        matches!(self.handler, Handler::View { .. })
    }
}

impl fmt::Debug for FunctionDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionDef")
            .field("name", &self.name)
            .field("rust_path", &self.rust_path)
            .field("context", &self.context)
            .field("affects", &self.affects)
            .field("merge", &self.merge)
            .field("auth", &self.auth)
            .field("private", &self.private)
            .field("socket_only", &self.socket_only)
            .field("handler", &self.handler)
            .finish_non_exhaustive()
    }
}

/// Implemented by `#[mizan::client]` for the companion type of each function,
/// so that the function can be registered and named by path.
pub trait ServerFn {
    /// Wire name.
    const NAME: &'static str;
    /// The definition.
    fn definition() -> FunctionDef;
}

/// Implemented by `#[mizan::context("name")]` markers.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Mizan context marker",
    label = "expected a type declared with `#[mizan::context(\"name\")]`",
    note = "declare it as `#[mizan::context(\"name\")] pub struct {Self};`, or name the context with a string"
)]
pub trait ContextMarker {
    /// Context name.
    const NAME: &'static str;
}

/// Anything that can be named in `affects = ...`: a context marker, a function,
/// or a string.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither a Mizan context marker nor a server function",
    label = "`affects` names a `#[mizan::context]` marker or a `#[mizan::client]` function"
)]
pub trait AffectsTarget {
    /// The unresolved target.
    fn target() -> TargetRef;
}

/// Auto-registration: `#[mizan::client]` submits one of these per function.
#[derive(Debug)]
pub struct Registration {
    /// Builds the definition.
    pub definition: fn() -> FunctionDef,
}

inventory::collect!(Registration);

/// Every function declared with `#[mizan::client]` in the linked program.
pub fn registered_functions() -> impl Iterator<Item = FunctionDef> {
    inventory::iter::<Registration>
        .into_iter()
        .map(|r| (r.definition)())
}
