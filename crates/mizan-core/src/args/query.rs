//! Query-string values coerced to declared shapes (../shared/spec/PROTOCOL.md
//! §1.3): a context fetch over HTTP sends `?board_id=1` as text.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::message::{invalid_type, invalid_value, unknown_variant};
use crate::error::{FieldErrors, MizanError};
use crate::shape::Shape;

/// Coerces query-string values to the declared shapes: `int`, `float`,
/// `bool` (`true`/`false`), `string`, inline enums; named types and
/// containers are read as JSON text. Unknown keys are dropped; every value
/// that does not coerce is reported at once, as a `VALIDATION_ERROR` worded
/// like the same mistake in a call's JSON arguments.
///
/// ```
/// use std::collections::BTreeMap;
/// use mizan_core::args::coerce_query;
/// use mizan_core::Shape;
///
/// let query = BTreeMap::from([
///     ("board_id".to_owned(), "7".to_owned()),
///     ("utm_source".to_owned(), "mail".to_owned()),
/// ]);
/// let values = coerce_query(&query, [("board_id", &Shape::Int)].into_iter()).expect("an integer");
/// assert_eq!(values["board_id"], 7);
/// assert!(!values.contains_key("utm_source"));
///
/// let query = BTreeMap::from([("board_id".to_owned(), "abc".to_owned())]);
/// let err = coerce_query(&query, [("board_id", &Shape::Int)].into_iter()).expect_err("not an integer");
/// assert_eq!(
///     err.details().map(|d| d["fields"]["board_id"][0].clone()),
///     Some("invalid type: string \"abc\", expected an integer".into())
/// );
/// ```
pub fn coerce_query<'a>(
    raw: &BTreeMap<String, String>,
    declared: impl Iterator<Item = (&'a str, &'a Shape)>,
) -> Result<Map<String, Value>, MizanError> {
    let mut out = Map::new();
    let mut errors = FieldErrors::new();
    for (name, shape) in declared {
        let Some(text) = raw.get(name) else { continue };
        match coerce(text, shape) {
            Ok(v) => {
                out.insert(name.to_owned(), v);
            }
            Err(msg) => {
                errors.insert(name.to_owned(), vec![msg]);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(MizanError::validation(errors))
    }
}

fn coerce(text: &str, shape: &Shape) -> Result<Value, String> {
    match shape {
        Shape::Optional(inner) => coerce(text, inner),
        Shape::String => Ok(Value::from(text)),
        Shape::Int => match scalar(text) {
            Value::Number(n) if n.is_i64() => Ok(Value::Number(n)),
            v @ Value::Number(_) if v.is_u64() => Err(invalid_value(&v, "an integer")),
            other => Err(invalid_type(&other, "an integer")),
        },
        Shape::Float => match scalar(text) {
            Value::Number(n) => Ok(Value::from(n.as_f64().unwrap_or_default())),
            other => Err(invalid_type(&other, "a number")),
        },
        Shape::Bool => match scalar(text) {
            Value::Bool(b) => Ok(Value::Bool(b)),
            other => Err(invalid_type(&other, "a boolean")),
        },
        Shape::Enum(items) if items.iter().any(|i| i == text) => Ok(Value::from(text)),
        Shape::Enum(items) => Err(unknown_variant(text, items)),
        // Named types and containers arrive as JSON text.
        _ => serde_json::from_str(text)
            .map_err(|_| format!("`{text}` is not valid JSON for this parameter")),
    }
}

/// The JSON scalar a query value spells (`7`, `1.5`, `true`, `null`), or the
/// text itself as a string: what the same value would have been in a call's
/// JSON arguments.
fn scalar(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => v,
        _ => Value::from(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coerced(text: &str, shape: &Shape) -> Result<Value, String> {
        coerce(text, shape)
    }

    #[test]
    fn scalars_coerce_to_their_declared_shape() {
        assert_eq!(coerced("7", &Shape::Int), Ok(Value::from(7)));
        assert_eq!(
            coerced("-7", &Shape::optional(Shape::Int)),
            Ok(Value::from(-7))
        );
        assert_eq!(coerced("2", &Shape::Float), Ok(Value::from(2.0)));
        assert_eq!(coerced("0.5", &Shape::Float), Ok(Value::from(0.5)));
        assert_eq!(coerced("false", &Shape::Bool), Ok(Value::Bool(false)));
        assert_eq!(coerced("7", &Shape::String), Ok(Value::from("7")));
    }

    #[test]
    fn a_bad_value_is_worded_like_the_same_value_in_json() {
        let json_wording = |json: &str| {
            serde_json::from_str::<i64>(json)
                .err()
                .map(|e| super::super::message::decode_error(&e))
        };
        for (query, json) in [
            ("abc", "\"abc\""),
            ("1.5", "1.5"),
            ("true", "true"),
            ("null", "null"),
        ] {
            assert_eq!(
                coerced(query, &Shape::Int).err(),
                json_wording(json),
                "{query}"
            );
        }
        assert_eq!(
            coerced("99999999999999999999", &Shape::Int).err(),
            json_wording("99999999999999999999")
        );
        assert_eq!(
            coerced("yes", &Shape::Bool).err().as_deref(),
            Some("invalid type: string \"yes\", expected a boolean")
        );
        assert_eq!(
            coerced("NaN", &Shape::Float).err().as_deref(),
            Some("invalid type: string \"NaN\", expected a number")
        );
    }
}
