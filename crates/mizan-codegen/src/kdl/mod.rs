//! A reader for the KDL v2 subset that the Mizan IR is written in
//! (`docs/ir.md`): plain quoted strings, bare identifiers as node names and
//! property keys, `#true` / `#false` / `#null`, decimal numbers, `{ ... }`
//! children, `;` terminators and comments. Everything else KDL allows (raw and
//! multi-line strings, type annotations, slashdash, line continuations,
//! non-decimal numbers) is rejected with its position.
//!
//! The document borrows from the source: names and strings without escapes
//! are slices of it, so parsing a large IR allocates little more than the
//! node vectors.

mod lexer;
mod parser;

use std::borrow::Cow;

use crate::diagnostic::{Diagnostic, Span};

pub use parser::parse;

/// How deep `{ ... }` blocks may nest before the reader gives up. The IR
/// needs about eight levels; the limit keeps hostile input from exhausting
/// the stack.
pub const MAX_DEPTH: usize = 64;

/// A parsed KDL document: its top-level nodes in source order.
#[derive(Clone, Debug, PartialEq)]
pub struct Document<'a> {
    /// The top-level nodes.
    pub nodes: Vec<Node<'a>>,
}

/// One KDL node: `name arg key=value { children }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Node<'a> {
    /// The node name (a bare identifier).
    pub name: &'a str,
    /// Where the name is.
    pub span: Span,
    /// Arguments and properties, in source order.
    pub entries: Vec<Entry<'a>>,
    /// The children block, if the node has braces (possibly empty).
    pub children: Option<Vec<Node<'a>>>,
}

/// An argument or a property of a node.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry<'a> {
    /// `Some(key)` for a property, `None` for an argument.
    pub key: Option<&'a str>,
    /// The value.
    pub value: Value<'a>,
    /// The source text of the value, as written (`10`, `1e+21`, `"a\n"`).
    pub raw: &'a str,
    /// Where the entry is: the key for a property, the value for an argument.
    pub span: Span,
}

/// A KDL value of the subset.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// A quoted string, escapes resolved.
    String(Cow<'a, str>),
    /// A decimal number without fraction or exponent.
    Integer(i64),
    /// A decimal number with a fraction or an exponent.
    Float(f64),
    /// `#true` or `#false`.
    Bool(bool),
    /// `#null`.
    Null,
}

impl Value<'_> {
    /// A short description for error messages: `a string`, `an integer`...
    pub fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Bool(_) => "a boolean",
            Value::Null => "#null",
        }
    }
}

impl<'a> Node<'a> {
    /// The node's arguments, in order.
    pub fn args(&self) -> impl Iterator<Item = &Entry<'a>> {
        self.entries.iter().filter(|e| e.key.is_none())
    }

    /// The node's properties, in order.
    pub fn props(&self) -> impl Iterator<Item = &Entry<'a>> {
        self.entries.iter().filter(|e| e.key.is_some())
    }

    /// An error about this node, pointing at its name.
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.span, self.name, message)
    }
}
