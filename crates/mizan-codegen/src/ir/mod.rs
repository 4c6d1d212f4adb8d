//! The typed, validated model of an IR document (`docs/ir.md`).
//!
//! [`Ir::parse`] reads the text, checks every node against the grammar and
//! the cross-references between nodes, and returns every error it found, each
//! naming a line, a column and a node.

mod lower;

use crate::diagnostic::{Diagnostics, Span};

/// The IR version this generator reads.
pub const VERSION: i64 = 1;

/// A whole IR document. Every list is sorted by name (byte order), whatever
/// the order of the source, so that the generated code is deterministic.
#[derive(Clone, Debug, PartialEq)]
pub struct Ir {
    /// Named types.
    pub types: Vec<TypeDef>,
    /// Every function, private and view functions included.
    pub functions: Vec<Function>,
    /// Contexts: functions fetched together.
    pub contexts: Vec<Context>,
    /// Channels: typed message streams clients join.
    pub channels: Vec<Channel>,
}

impl Ir {
    /// Parses and validates an IR document.
    pub fn parse(src: &str) -> Result<Ir, Diagnostics> {
        let doc = crate::kdl::parse(src)?;
        lower::lower(&doc)
    }

    /// The function named `name`.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions
            .binary_search_by(|f| f.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.functions[i])
    }

    /// The channel named `name`.
    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.channels[i])
    }

    /// The context named `name`.
    pub fn context(&self, name: &str) -> Option<&Context> {
        self.contexts
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.contexts[i])
    }
}

/// A named type: `type "Name" { struct | enum | alias }`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDef {
    /// The type's name.
    pub name: String,
    /// What it is.
    pub kind: TypeKind,
    /// Where it is declared.
    pub span: Span,
}

/// The body of a named type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// An object with these fields, in declaration order.
    Struct(Vec<Field>),
    /// One of these strings, in declaration order.
    Enum(Vec<String>),
    /// Another name for a shape.
    Alias(Shape),
}

/// A field of a struct.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The wire name.
    pub name: String,
    /// Whether the key may be absent from the object.
    pub optional: bool,
    /// The value's shape.
    pub shape: Shape,
}

/// The shape of a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// UTF-8 text.
    String,
    /// A 64-bit signed integer.
    Int,
    /// An IEEE double.
    Float,
    /// A boolean.
    Bool,
    /// Any JSON value.
    Any,
    /// A file; only as a function parameter.
    Upload,
    /// A named type.
    Ref(String),
    /// A JSON array.
    List(Box<Shape>),
    /// The shape or `null`.
    Optional(Box<Shape>),
    /// A JSON object with string keys.
    Map(Box<Shape>),
    /// One of these string literals.
    Enum(Vec<String>),
    /// Any one of these shapes (at least two).
    Union(Vec<Shape>),
}

/// A function of the registry.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// The registered (wire) name.
    pub name: String,
    /// The context it is a member of.
    pub context: Option<String>,
    /// Who may call it; `None` for everyone.
    pub auth: Option<Auth>,
    /// Not client-callable.
    pub private: bool,
    /// Returns a raw HTTP response instead of data.
    pub view: bool,
    /// How it may be called.
    pub transport: Transport,
    /// Cache revision.
    pub rev: i64,
    /// Origin-cache policy of its context.
    pub cache: CachePolicy,
    /// Input arguments, in declaration order.
    pub params: Vec<Param>,
    /// The result's shape; `None` for view functions.
    pub output: Option<Shape>,
    /// Invalidation targets, in declaration order.
    pub affects: Vec<Affects>,
    /// Merge entries.
    pub merges: Vec<Merge>,
    /// The route of a view function.
    pub route: Option<Route>,
    /// Where it is declared.
    pub span: Span,
}

impl Function {
    /// Whether generated clients may call it through `/call/`.
    pub fn is_callable(&self) -> bool {
        !self.private && !self.view
    }
}

/// An authentication requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Any signed-in caller.
    Required,
    /// A staff member.
    Staff,
    /// A superuser.
    Superuser,
    /// An app-defined predicate.
    Custom,
}

impl Auth {
    /// The IR spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Auth::Required => "required",
            Auth::Staff => "staff",
            Auth::Superuser => "superuser",
            Auth::Custom => "custom",
        }
    }
}

/// How a function may be called.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Transport {
    /// Over HTTP (and the socket).
    #[default]
    Http,
    /// Over the WebSocket only.
    Websocket,
}

/// Origin-cache policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CachePolicy {
    /// Cached until invalidated.
    #[default]
    UntilInvalidated,
    /// Cached for this many seconds at most.
    Ttl(i64),
    /// Never cached.
    Never,
}

/// An input argument.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The argument's name.
    pub name: String,
    /// Whether the caller must pass it.
    pub required: bool,
    /// The value the server uses when it is omitted, as written in the IR.
    pub default: Option<Scalar>,
    /// The value's shape.
    pub shape: Shape,
}

/// A scalar value from the IR (a parameter default).
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// A string.
    String(String),
    /// A number, as its source text.
    Number(String),
    /// A boolean.
    Bool(bool),
    /// `#null`.
    Null,
}

/// An invalidation target of a mutation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Affects {
    /// The affected context.
    pub context: String,
    /// The affected member function, when the mutation named one.
    pub function: Option<String>,
}

/// A merge entry of a mutation (../shared/spec/PROTOCOL.md §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merge {
    /// The context whose bundle is updated.
    pub context: String,
    /// The member function whose output the result replaces.
    pub slot: String,
    /// How the result is spliced in.
    pub mode: MergeMode,
}

/// How a merge splices a result into a slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeMode {
    /// The result replaces the slot.
    Replace,
    /// The result replaces the element with the same `key` field, else is appended.
    Upsert {
        /// The field that identifies an element.
        key: String,
    },
}

/// The route of a view function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The path pattern.
    pub path: String,
    /// HTTP methods, sorted.
    pub methods: Vec<String>,
}

/// A context: member functions fetched in one request.
#[derive(Clone, Debug, PartialEq)]
pub struct Context {
    /// The context's name.
    pub name: String,
    /// Its parameters, sorted by name.
    pub params: Vec<ContextParam>,
    /// Its member functions' names, sorted; view functions included.
    pub members: Vec<String>,
    /// Whether every member is socket-only.
    pub transport: Transport,
    /// Where it is declared.
    pub span: Span,
}

/// A parameter of a context or a channel.
#[derive(Clone, Debug, PartialEq)]
pub struct ContextParam {
    /// The parameter's name.
    pub name: String,
    /// Whether the `/ctx/` fetch needs it.
    pub required: bool,
    /// The value's shape.
    pub shape: Shape,
}

/// A channel (../shared/spec/PROTOCOL.md §6.1): a typed message stream
/// with params, which clients join.
#[derive(Clone, Debug, PartialEq)]
pub struct Channel {
    /// The channel's name.
    pub name: String,
    /// Its parameters (naming one instance).
    pub params: Vec<ContextParam>,
    /// What a client may send.
    pub send: Shape,
    /// What the server pushes.
    pub message: Shape,
    /// Where it is declared.
    pub span: Span,
}
