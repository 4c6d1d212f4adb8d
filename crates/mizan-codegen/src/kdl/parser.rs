//! Nodes, entries and children blocks over the token stream.

use super::lexer::{LexError, Lexer, Tok, Token};
use super::{Document, Entry, MAX_DEPTH, Node, Value};
use crate::diagnostic::{Diagnostic, Span};

/// Parses a document of the IR's KDL subset. Stops at the first syntax
/// error; never panics, whatever the input.
pub fn parse(src: &str) -> Result<Document<'_>, Diagnostic> {
    let mut p = Parser {
        lexer: Lexer::new(src),
        peeked: None,
    };
    let nodes = p.nodes(None, 0)?;
    Ok(Document { nodes })
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Token<'a>>,
}

const DOCUMENT: &str = "document";

impl<'a> Parser<'a> {
    fn next(&mut self, node: &str) -> Result<Token<'a>, Diagnostic> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lexer.next_token().map_err(|e| lex_error(e, node)),
        }
    }

    /// Whether the next token is `=`, without consuming it.
    fn next_is_equals(&mut self, node: &str) -> Result<bool, Diagnostic> {
        let t = self.next(node)?;
        let is = t.tok == Tok::Equals;
        self.peeked = Some(t);
        Ok(is)
    }

    /// The nodes of the document (`parent` is `None`) or of a children block
    /// opened by `parent`, up to the matching `}`.
    fn nodes(
        &mut self,
        parent: Option<(&'a str, Span)>,
        depth: usize,
    ) -> Result<Vec<Node<'a>>, Diagnostic> {
        let context = parent.map_or(DOCUMENT, |(name, _)| name);
        let mut nodes = Vec::new();
        loop {
            let t = self.next(context)?;
            match t.tok {
                Tok::Newline => {}
                Tok::Ident(name) => nodes.push(self.node(name, t.span, depth)?),
                Tok::Close if parent.is_some() => return Ok(nodes),
                Tok::Eof => {
                    return match parent {
                        None => Ok(nodes),
                        Some((name, span)) => Err(Diagnostic::new(
                            span,
                            name,
                            format!("the children block of `{name}` is never closed"),
                        )
                        .with_help("add the missing `}`")),
                    };
                }
                Tok::String(_) => {
                    return Err(Diagnostic::new(
                        t.span,
                        context,
                        "node names must be bare identifiers, not quoted strings",
                    ));
                }
                other => {
                    return Err(Diagnostic::new(
                        t.span,
                        context,
                        format!("expected a node name, found {}", other.describe()),
                    ));
                }
            }
        }
    }

    /// The rest of a node after its name, through its terminator.
    fn node(&mut self, name: &'a str, span: Span, depth: usize) -> Result<Node<'a>, Diagnostic> {
        let mut node = Node {
            name,
            span,
            entries: Vec::new(),
            children: None,
        };
        loop {
            let t = self.next(name)?;
            match t.tok {
                Tok::Newline | Tok::Semicolon | Tok::Eof => return Ok(node),
                Tok::Close => {
                    // `}` ends the last node of a block: leave it to the block.
                    self.peeked = Some(t);
                    return Ok(node);
                }
                Tok::Open => {
                    if depth + 1 >= MAX_DEPTH {
                        return Err(Diagnostic::new(
                            t.span,
                            name,
                            format!("children nested more than {MAX_DEPTH} levels deep"),
                        ));
                    }
                    node.children = Some(self.nodes(Some((name, span)), depth + 1)?);
                    let after = self.next(name)?;
                    return match after.tok {
                        Tok::Newline | Tok::Semicolon | Tok::Eof => Ok(node),
                        Tok::Close => {
                            self.peeked = Some(after);
                            Ok(node)
                        }
                        other => Err(Diagnostic::new(
                            after.span,
                            name,
                            format!(
                                "expected the end of `{name}` after its children block, found {}",
                                other.describe()
                            ),
                        )
                        .with_help("a node's arguments and properties come before its `{`")),
                    };
                }
                Tok::Ident(key) => {
                    require_space(t.spaced, t.span, name)?;
                    let eq = self.next(name)?;
                    if eq.tok != Tok::Equals {
                        return Err(Diagnostic::new(
                            t.span,
                            name,
                            format!("bare identifier `{key}` used as a value"),
                        )
                        .with_help(format!("quote it: \"{key}\"")));
                    }
                    let v = self.next(name)?;
                    if let Tok::Ident(bare) = v.tok {
                        return Err(Diagnostic::new(
                            v.span,
                            name,
                            format!("bare identifier `{bare}` used as the value of `{key}`"),
                        )
                        .with_help(format!(
                            "quote it (\"{bare}\"), or write a keyword: `#true`, `#false`, `#null`"
                        )));
                    }
                    let Some(value) = value_of(v.tok) else {
                        return Err(Diagnostic::new(
                            v.span,
                            name,
                            format!("expected a value for property `{key}`"),
                        ));
                    };
                    node.entries.push(Entry {
                        key: Some(key),
                        value,
                        raw: v.raw,
                        span: t.span,
                    });
                }
                Tok::Equals => {
                    return Err(Diagnostic::new(t.span, name, "unexpected `=`"));
                }
                tok => {
                    require_space(t.spaced, t.span, name)?;
                    if matches!(tok, Tok::String(_)) && self.next_is_equals(name)? {
                        return Err(Diagnostic::new(
                            t.span,
                            name,
                            "property keys must be bare identifiers, not quoted strings",
                        ));
                    }
                    let Some(value) = value_of(tok) else {
                        return Err(Diagnostic::new(t.span, name, "expected a value"));
                    };
                    node.entries.push(Entry {
                        key: None,
                        value,
                        raw: t.raw,
                        span: t.span,
                    });
                }
            }
        }
    }
}

/// KDL needs whitespace between a node's name and each entry.
fn require_space(spaced: bool, span: Span, node: &str) -> Result<(), Diagnostic> {
    if spaced {
        Ok(())
    } else {
        Err(Diagnostic::new(
            span,
            node,
            "missing space before this argument or property",
        ))
    }
}

fn value_of(tok: Tok<'_>) -> Option<Value<'_>> {
    Some(match tok {
        Tok::String(s) => Value::String(s),
        Tok::Integer(i) => Value::Integer(i),
        Tok::Float(f) => Value::Float(f),
        Tok::Bool(b) => Value::Bool(b),
        Tok::Null => Value::Null,
        _ => return None,
    })
}

fn lex_error(e: LexError, node: &str) -> Diagnostic {
    let d = Diagnostic::new(e.span, node, e.message);
    match e.help {
        Some(h) => d.with_help(h),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn err(src: &str) -> String {
        match parse(src) {
            Ok(doc) => panic!("expected an error, got {doc:?}"),
            Err(d) => d.to_string(),
        }
    }

    #[test]
    fn parses_the_subset() {
        let doc = parse(
            "mizan-ir version=1\n\
             // comment\n\
             type \"A\" /* inline */ {\n    union { int; string }\n}\n\
             f \"a\\n\\u{7f}\" 1.5 -3 #true #null x=1e+21\n",
        )
        .expect("valid");
        assert_eq!(doc.nodes.len(), 3);
        let union = &doc.nodes[1].children.as_ref().expect("children")[0];
        assert_eq!(union.name, "union");
        let members: Vec<_> = union
            .children
            .as_ref()
            .expect("children")
            .iter()
            .map(|n| n.name)
            .collect();
        assert_eq!(members, ["int", "string"]);
        let f = &doc.nodes[2];
        let values: Vec<_> = f.entries.iter().map(|e| e.value.clone()).collect();
        assert_eq!(
            values,
            [
                Value::String(Cow::Owned("a\n\u{7f}".into())),
                Value::Float(1.5),
                Value::Integer(-3),
                Value::Bool(true),
                Value::Null,
                Value::Float(1e21),
            ]
        );
        assert_eq!(f.entries[5].key, Some("x"));
        assert_eq!(f.entries[5].raw, "1e+21");
    }

    #[test]
    fn strings_without_escapes_borrow() {
        let doc = parse("a \"plain\"").expect("valid");
        assert!(matches!(
            doc.nodes[0].entries[0].value,
            Value::String(Cow::Borrowed("plain"))
        ));
    }

    #[test]
    fn rejects_what_the_subset_leaves_out() {
        assert!(err("a #\"raw\"#").contains("raw strings"));
        assert!(err("(t)a").contains("type annotations"));
        assert!(err("a /-b").contains("slashdash"));
        assert!(err("a 0x1f").contains("only decimal"));
        assert!(err("a b").contains("bare identifier `b`"));
        assert!(err("\"a\" 1").contains("bare identifiers"));
        assert!(err("a \"\"\"\nx\n\"\"\"").contains("multi-line"));
        assert!(err("a \\\n 1").contains("line continuations"));
        assert!(err("a true").contains("bare `true`"));
        assert!(err("a\"b\"").contains("missing space"));
        assert!(err("a { b").contains("never closed"));
        assert!(err("}").contains("expected a node name"));
        assert!(err("a {} 1").contains("after its children block"));
        assert!(err("a 99999999999999999999").contains("out of the range"));
        assert!(err("a \"x\\q\"").contains("unknown escape"));
        assert!(err("a \"x\ny\"").contains("line break inside a string"));
        assert!(err("a /* x").contains("unterminated block comment"));
    }

    #[test]
    fn positions_are_line_and_column() {
        let e = parse("a\n  b 1 c\n").expect_err("bare c");
        assert_eq!((e.span.line, e.span.column, e.node.as_str()), (2, 7, "b"));
        let e = parse("a /* é\n */ 1 x\n").expect_err("bare x");
        assert_eq!((e.span.line, e.span.column), (2, 7));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = "a {".repeat(10_000);
        assert!(err(&src).contains("nested more than"));
    }
}
