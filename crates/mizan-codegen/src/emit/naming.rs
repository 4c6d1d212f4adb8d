//! Identifiers of the generated code: case conversion, quoting, and a
//! registry that catches two IR names turning into one identifier.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Span};

/// `user_profile` → `UserProfile`, `mwt_obtain` → `MwtObtain`,
/// `getUser` → `GetUser`. Every character that is not an ASCII letter or
/// digit separates words.
pub fn pascal(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// `user_profile` → `userProfile`.
pub fn camel(name: &str) -> String {
    let p = pascal(name);
    let mut chars = p.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => p,
    }
}

/// Words that cannot name a type or a binding in TypeScript, and the global
/// names the generated code relies on.
const RESERVED: &[&str] = &[
    "any",
    "as",
    "async",
    "await",
    "bigint",
    "boolean",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "declare",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "never",
    "new",
    "null",
    "number",
    "object",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "string",
    "super",
    "switch",
    "symbol",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "unknown",
    "var",
    "void",
    "while",
    "with",
    "yield", // globals the generated code uses
    "Blob",
    "File",
    "Promise",
    "Record",
];

/// Whether `s` is a plain ASCII JavaScript identifier (what the generator
/// writes unquoted).
pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Whether `s` may name a generated type or binding.
pub(super) fn is_declarable(s: &str) -> bool {
    is_identifier(s) && !RESERVED.contains(&s)
}

/// A property key: bare when it is an identifier, quoted otherwise.
pub(super) fn property_key(name: &str) -> String {
    if is_identifier(name) {
        name.to_string()
    } else {
        string_literal(name, '"')
    }
}

/// A JavaScript string literal of `s` in `quote`s.
pub(super) fn string_literal(s: &str, quote: char) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// The identifiers one generated file declares, each with the IR item it
/// came from, so that a clash names both culprits.
#[derive(Debug, Default)]
pub(super) struct Names {
    taken: HashMap<String, String>,
    errors: Vec<Diagnostic>,
}

impl Names {
    /// Declares `ident` for `origin` (`function "rename_user"`), located at
    /// `span` (`node` names the IR node). Records an error when `ident` is
    /// not a usable identifier or is already declared.
    pub(super) fn declare(&mut self, ident: &str, origin: &str, node: &str, span: Span) {
        if !is_declarable(ident) {
            self.errors.push(
                Diagnostic::new(
                    span,
                    node,
                    format!("{origin} would generate `{ident}`, which is not a usable TypeScript identifier"),
                )
                .with_help("rename it on the server (an ASCII name not starting with a digit, not a keyword)"),
            );
            return;
        }
        match self.taken.get(ident) {
            Some(first) if first == origin => {}
            Some(first) => self.errors.push(
                Diagnostic::new(
                    span,
                    node,
                    format!("{origin} and {first} both generate `{ident}`"),
                )
                .with_help("rename one of them on the server"),
            ),
            None => {
                self.taken.insert(ident.to_string(), origin.to_string());
            }
        }
    }

    /// Reserves a name the generated file uses for itself.
    pub(super) fn reserve(&mut self, ident: &str, origin: &str) {
        self.taken.insert(ident.to_string(), origin.to_string());
    }

    /// The errors recorded so far.
    pub(super) fn into_errors(self) -> Vec<Diagnostic> {
        self.errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(pascal("user_profile"), "UserProfile");
        assert_eq!(pascal("mwt_obtain"), "MwtObtain");
        assert_eq!(pascal("getUser"), "GetUser");
        assert_eq!(pascal("v2-items.list"), "V2ItemsList");
        assert_eq!(pascal("__"), "");
        assert_eq!(camel("user"), "user");
        assert_eq!(camel("user_profile"), "userProfile");
    }

    #[test]
    fn keys_are_quoted_when_needed() {
        assert_eq!(property_key("user_id"), "user_id");
        assert_eq!(property_key("first-name"), "\"first-name\"");
        assert_eq!(property_key("2fa"), "\"2fa\"");
        assert_eq!(property_key("default"), "default");
        assert_eq!(string_literal("a'\"\n\u{7}", '\''), "'a\\'\"\\n\\u{7}'");
    }

    #[test]
    fn clashes_name_both_origins() {
        let mut names = Names::default();
        names.declare(
            "callUserProfile",
            "function \"user_profile\"",
            "function",
            Span::default(),
        );
        names.declare(
            "callUserProfile",
            "function \"userProfile\"",
            "function",
            Span::default(),
        );
        names.declare("Record", "type \"Record\"", "type", Span::default());
        let errors = names.into_errors();
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[0].message,
            "function \"userProfile\" and function \"user_profile\" both generate `callUserProfile`"
        );
    }
}
