//! [`JsonText`]: a value already written as canonical JSON, embedded as is
//! into responses and cache entries (no `serde_json::Value` tree on the hot
//! path).

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::canonical::{canonical_json, to_canonical_string, write_json_string};
use crate::error::MizanError;

/// Canonical JSON text (../shared/spec/PROTOCOL.md §5).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct JsonText(String);

impl JsonText {
    /// Serializes `value` as canonical JSON.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, MizanError> {
        Ok(Self(to_canonical_string(value)?))
    }

    /// Writes a parsed value as canonical JSON.
    pub fn from_value(value: &Value) -> Self {
        Self(canonical_json(value))
    }

    /// Wraps text that is canonical JSON already (the caller guarantees it,
    /// e.g. an entry this server stored in its cache).
    pub fn from_canonical(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The object `{"k": v, ...}`; `entries` must be sorted by key (byte order).
    pub fn object<'a>(entries: impl IntoIterator<Item = (&'a str, &'a JsonText)>) -> Self {
        let mut out = String::from("{");
        for (i, (key, value)) in entries.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_json_string(key, &mut out);
            out.push(':');
            out.push_str(value.as_str());
        }
        out.push('}');
        Self(out)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Parses the text back into a value.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }

    /// Parses an object's text into a map (empty when it is not an object).
    pub fn to_map(&self) -> Map<String, Value> {
        match self.to_value() {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

impl fmt::Debug for JsonText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonText({})", &*self.0)
    }
}

impl fmt::Display for JsonText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_canonical_and_round_trips() {
        let text = JsonText::from_value(&json!({"b": 1, "a": [0.5, "é"]}));
        assert_eq!(text.as_str(), r#"{"a":[0.5,"é"],"b":1}"#);
        assert_eq!(text.to_value(), json!({"a": [0.5, "é"], "b": 1}));
    }

    #[test]
    fn objects_embed_their_members_verbatim() {
        let one = JsonText::from_value(&json!({"id": 1}));
        let two = JsonText::from_value(&json!([1, 2]));
        let obj = JsonText::object([("a\"b", &one), ("c", &two)]);
        assert_eq!(obj.as_str(), r#"{"a\"b":{"id":1},"c":[1,2]}"#);
    }
}
