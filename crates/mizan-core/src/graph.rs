//! The resolved graph: functions after registration, the contexts derived
//! from them and the merges resolved against them. [`crate::registry`]
//! builds it; dispatch, the IR, the manifest and the cache read it.

use crate::channel::ChannelDef;
use crate::function::{CachePolicy, FunctionDef, ParamDef};
use crate::shape::Shape;

/// A function after registration: its declaration plus everything resolved.
#[derive(Debug, Clone)]
pub struct Function {
    /// The declaration.
    pub def: FunctionDef,
    /// Input arguments in declaration order.
    pub params: Vec<ParamDef>,
    /// Output shape (`None` for view-path functions).
    pub output: Option<Shape>,
    /// `affects`, resolved to contexts, duplicates removed, declaration order kept.
    pub affects: Vec<ResolvedTarget>,
    /// The resolved merge, if declared.
    pub merge: Option<MergeSpec>,
}

impl Function {
    /// Wire name.
    pub fn name(&self) -> &str {
        &self.def.name
    }
    /// True for view-path functions.
    pub fn is_view(&self) -> bool {
        self.def.is_view()
    }
    /// True for mutations (`affects` or `merge`).
    pub fn is_mutation(&self) -> bool {
        !self.affects.is_empty() || self.merge.is_some()
    }
}

/// An `affects` item resolved against the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedTarget {
    /// The context.
    pub context: String,
    /// The function the mutation named, if it named one.
    pub function: Option<String>,
}

/// A context parameter (elevation rule of ../shared/spec/DECLARATION.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextParam {
    /// Name.
    pub name: String,
    /// Shape (never `optional`: optionality is `required`).
    pub shape: Shape,
    /// Declared as required by every member the bundle runs.
    pub required: bool,
}

/// A named context: its members and derived parameters and policy.
#[derive(Debug, Clone)]
pub struct Context {
    /// Name.
    pub name: String,
    /// Union of member parameters, sorted by name.
    pub params: Vec<ContextParam>,
    /// All members, sorted.
    pub members: Vec<String>,
    /// Members the `/ctx/` bundle runs (not view-path), sorted.
    pub bundle: Vec<String>,
    /// Effective rev: the maximum of the members'.
    pub rev: u32,
    /// Effective cache policy: `Never` wins, else the smallest TTL.
    pub cache: CachePolicy,
    /// All members are socket-only.
    pub socket_only: bool,
}

impl Context {
    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&ContextParam> {
        self.params.iter().find(|p| p.name == name)
    }
    /// Parameter names.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.params.iter().map(|p| p.name.as_str())
    }
}

/// How the value is spliced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeMode {
    /// The value replaces the slot.
    Replace,
    /// The slot is a list; the value replaces the element with the same key, else is appended.
    Upsert,
}

impl MergeMode {
    /// Wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Replace => "replace",
            Self::Upsert => "upsert",
        }
    }
}

/// A merge resolved at registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeSpec {
    /// Target context.
    pub context: String,
    /// Member whose output the value replaces.
    pub slot: String,
    /// Replace or upsert.
    pub mode: MergeMode,
    /// Key field (upsert only).
    pub key: Option<String>,
}

/// A channel after registration: its declaration and its shapes.
#[derive(Debug, Clone)]
pub struct RegisteredChannel {
    /// The declaration.
    pub def: ChannelDef,
    /// Its params (the fields of its `Params` type), in declaration order.
    pub params: Vec<ParamDef>,
    /// What a client may send.
    pub send: Shape,
    /// What the server pushes.
    pub message: Shape,
}
