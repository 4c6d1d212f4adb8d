//! The wording of argument errors. Arguments arrive as JSON (a call) or as
//! query-string text (a context fetch); both are worded here, in serde's
//! words with the protocol's type names, so that the same mistake reads the
//! same on every path: `invalid type: string "x", expected an integer`.

use std::fmt::Write as _;

use serde::de::{Error as _, Unexpected};
use serde_json::Value;
use serde_path_to_error::{Path, Segment};

/// serde's message for a value that did not decode, without the position
/// suffix (meaningless for one argument) and with the protocol's names for
/// Rust's types (`i64` → `an integer`).
pub(crate) fn decode_error(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let text = match text.find(" at line ") {
        Some(idx) => &text[..idx],
        None => &text,
    };
    protocol_names(text)
}

/// `invalid type: <what was sent>, expected <expected>`.
pub(crate) fn invalid_type(sent: &Value, expected: &str) -> String {
    serde_json::Error::invalid_type(unexpected(sent), &expected).to_string()
}

/// `invalid value: <what was sent>, expected <expected>`: the right kind of
/// value, out of range.
pub(crate) fn invalid_value(sent: &Value, expected: &str) -> String {
    serde_json::Error::invalid_value(unexpected(sent), &expected).to_string()
}

/// `unknown variant `x`, expected `a` or `b`` (serde's wording for enums).
pub(crate) fn unknown_variant(sent: &str, variants: &[String]) -> String {
    let mut out = format!("unknown variant `{sent}`, ");
    match variants {
        [] => out.push_str("there are no variants"),
        [one] => {
            let _ = write!(out, "expected `{one}`");
        }
        [a, b] => {
            let _ = write!(out, "expected `{a}` or `{b}`");
        }
        many => {
            out.push_str("expected one of ");
            for (i, v) in many.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "`{v}`");
            }
        }
    }
    out
}

/// The field key of an error inside argument `name`: `items[2].id`.
pub(crate) fn field_path(name: &str, path: &Path) -> String {
    let mut out = name.to_owned();
    for segment in path {
        match segment {
            Segment::Seq { index } => {
                let _ = write!(out, "[{index}]");
            }
            Segment::Map { key } => {
                let _ = write!(out, ".{key}");
            }
            Segment::Enum { variant } => {
                let _ = write!(out, ".{variant}");
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (None, Some(i), _) => Unexpected::Signed(i),
            (None, None, Some(f)) => Unexpected::Float(f),
            (None, None, None) => Unexpected::Other("number"),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Replaces the Rust type a serde visitor expected by the protocol's word
/// for it, wherever serde wrote `expected <type>`.
fn protocol_names(text: &str) -> String {
    const NAMES: [(&str, &str); 16] = [
        ("i8", "an integer"),
        ("i16", "an integer"),
        ("i32", "an integer"),
        ("i64", "an integer"),
        ("i128", "an integer"),
        ("isize", "an integer"),
        ("u8", "a non-negative integer"),
        ("u16", "a non-negative integer"),
        ("u32", "a non-negative integer"),
        ("u64", "a non-negative integer"),
        ("u128", "a non-negative integer"),
        ("usize", "a non-negative integer"),
        ("f32", "a number"),
        ("f64", "a number"),
        ("a sequence", "a list"),
        ("a map", "an object"),
    ];
    let Some(at) = text.rfind("expected ") else {
        return text.to_owned();
    };
    let (head, rest) = text.split_at(at + "expected ".len());
    let word_end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == ' '))
        .unwrap_or(rest.len());
    let expected = &rest[..word_end];
    match NAMES.iter().find(|(rust, _)| *rust == expected) {
        Some((_, word)) => format!("{head}{word}{}", &rest[word_end..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rust_type_names_become_protocol_words() {
        let err = serde_json::from_str::<i64>("\"x\"")
            .err()
            .map(|e| decode_error(&e));
        assert_eq!(
            err.as_deref(),
            Some("invalid type: string \"x\", expected an integer")
        );
        let err = serde_json::from_str::<Vec<u8>>("{}")
            .err()
            .map(|e| decode_error(&e));
        assert_eq!(err.as_deref(), Some("invalid type: map, expected a list"));
        let err = serde_json::from_str::<u32>("-1")
            .err()
            .map(|e| decode_error(&e));
        assert_eq!(
            err.as_deref(),
            Some("invalid value: integer `-1`, expected a non-negative integer")
        );
    }

    #[test]
    fn a_sent_value_is_described_as_serde_would() {
        assert_eq!(
            invalid_type(&json!("abc"), "an integer"),
            "invalid type: string \"abc\", expected an integer"
        );
        assert_eq!(
            invalid_type(&json!(1.5), "an integer"),
            "invalid type: floating point `1.5`, expected an integer"
        );
        assert_eq!(
            invalid_type(&Value::Null, "a boolean"),
            "invalid type: null, expected a boolean"
        );
    }

    #[test]
    fn variants_are_listed_like_serde_lists_them() {
        let v = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            unknown_variant("x", &v(&["a"])),
            "unknown variant `x`, expected `a`"
        );
        assert_eq!(
            unknown_variant("x", &v(&["a", "b"])),
            "unknown variant `x`, expected `a` or `b`"
        );
        assert_eq!(
            unknown_variant("x", &v(&["a", "b", "c"])),
            "unknown variant `x`, expected one of `a`, `b`, `c`"
        );
    }
}
