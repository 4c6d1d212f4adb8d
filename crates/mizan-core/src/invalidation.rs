//! Invalidation targets (PROTOCOL.md §3): auto-scoping, the JSON form, the
//! `X-Mizan-Invalidate` header (format and parse) and the matching rule.

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::canonical::canonical_string;

/// The header carrying the targets.
pub const INVALIDATE_HEADER: &str = "x-mizan-invalidate";

/// One invalidation target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The affected context.
    pub context: String,
    /// Set when the mutation named a function of the context.
    pub function: Option<String>,
    /// Scope: the mutation's arguments that are parameters of the context
    /// (values as sent). Empty = broad.
    pub params: BTreeMap<String, Value>,
}

impl Target {
    /// A broad target.
    pub fn broad(context: impl Into<String>) -> Self {
        Self {
            context: context.into(),
            function: None,
            params: BTreeMap::new(),
        }
    }

    /// Auto-scoping (§3.2): keeps the arguments whose names are parameters of
    /// the context.
    pub fn scoped<'a>(
        context: &str,
        function: Option<&str>,
        context_params: impl IntoIterator<Item = &'a str>,
        args: &Map<String, Value>,
    ) -> Self {
        let params = context_params
            .into_iter()
            .filter_map(|name| args.get(name).map(|v| (name.to_owned(), v.clone())))
            .collect();
        Self {
            context: context.to_owned(),
            function: function.map(str::to_owned),
            params,
        }
    }

    /// The JSON form: `"ctx"` when broad, else
    /// `{"context", "function"?, "params"?}`.
    pub fn to_json(&self) -> Value {
        if self.function.is_none() && self.params.is_empty() {
            return Value::from(self.context.clone());
        }
        let mut obj = Map::new();
        obj.insert("context".into(), Value::from(self.context.clone()));
        if let Some(function) = &self.function {
            obj.insert("function".into(), Value::from(function.clone()));
        }
        if !self.params.is_empty() {
            let params = self
                .params
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            obj.insert("params".into(), Value::Object(params));
        }
        Value::Object(obj)
    }

    /// The params as canonical strings (for matching and the header).
    pub fn canonical_params(&self) -> BTreeMap<String, String> {
        self.params
            .iter()
            .map(|(k, v)| (k.clone(), canonical_string(v)))
            .collect()
    }

    /// One header entry: `ctx;key=value;...` with keys in byte order.
    pub fn header_entry(&self) -> String {
        let mut entry = encode(&self.context);
        for (key, value) in self.canonical_params() {
            entry.push(';');
            entry.push_str(&encode(&key));
            entry.push('=');
            entry.push_str(&encode(&value));
        }
        entry
    }
}

/// `encodeURIComponent`'s unreserved set: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Percent-encodes exactly like JavaScript's `encodeURIComponent`.
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, URI_COMPONENT).to_string()
}

/// Formats the `X-Mizan-Invalidate` value for these targets, in order.
pub fn format_header(targets: &[Target]) -> String {
    targets
        .iter()
        .map(Target::header_entry)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A target as read back from the header: context and canonical-string params.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderTarget {
    /// Context name.
    pub context: String,
    /// Scope (canonical strings); empty = broad.
    pub params: BTreeMap<String, String>,
}

/// Parses an `X-Mizan-Invalidate` value.
pub fn parse_header(value: &str) -> Result<Vec<HeaderTarget>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(Vec::new());
    }
    value
        .split(',')
        .map(|entry| {
            let mut parts = entry.trim().split(';');
            let context = decode(parts.next().unwrap_or_default())?;
            if context.is_empty() {
                return Err(format!("empty context name in entry `{}`", entry.trim()));
            }
            let mut params = BTreeMap::new();
            for part in parts {
                let (key, val) = part
                    .split_once('=')
                    .ok_or_else(|| format!("parameter `{part}` has no `=`"))?;
                params.insert(decode(key)?, decode(val)?);
            }
            Ok(HeaderTarget { context, params })
        })
        .collect()
}

fn decode(text: &str) -> Result<String, String> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| format!("`{text}` is not valid percent-encoded UTF-8"))
}

/// The matching rule of §3.2: an instance with params `instance` is hit by a
/// target scoped by `scope` when every scope key is in the instance with an
/// equal canonical string. An empty scope (broad) hits everything.
pub fn scope_matches(
    scope: &BTreeMap<String, String>,
    instance: &BTreeMap<String, String>,
) -> bool {
    scope.iter().all(|(k, v)| instance.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn auto_scoping_keeps_only_context_params() {
        let t = Target::scoped(
            "user",
            None,
            ["user_id", "limit"],
            &args(json!({"user_id": 5, "name": "x"})),
        );
        assert_eq!(
            t.to_json(),
            json!({"context": "user", "params": {"user_id": 5}})
        );
        let broad = Target::scoped("user", None, ["user_id"], &args(json!({"name": "x"})));
        assert_eq!(broad.to_json(), json!("user"));
    }

    #[test]
    fn function_targets_name_their_context() {
        let t = Target::scoped("user", Some("user_profile"), ["user_id"], &args(json!({})));
        assert_eq!(
            t.to_json(),
            json!({"context": "user", "function": "user_profile"})
        );
        assert_eq!(t.header_entry(), "user");
    }

    #[test]
    fn header_percent_encodes_like_encode_uri_component() {
        let t = Target::scoped(
            "search",
            None,
            ["q"],
            &args(json!({"q": "a b;c,d=e\"f'é!*()~"})),
        );
        assert_eq!(
            t.header_entry(),
            "search;q=a%20b%3Bc%2Cd%3De%22f'%C3%A9!*()~"
        );
        let many = [
            Target::broad("notifications"),
            Target::scoped(
                "user",
                None,
                ["user_id", "b"],
                &args(json!({"user_id": 5, "b": true})),
            ),
        ];
        assert_eq!(format_header(&many), "notifications, user;b=true;user_id=5");
    }

    #[test]
    fn header_parse_round_trips_every_value() {
        for value in [
            "", " ", ";", ",", "=", "a, b", "%", "日本", "\"'", "x;y=z", "1.5",
        ] {
            let t = Target::scoped("ctx", None, ["k"], &args(json!({"k": value})));
            let parsed = parse_header(&format_header(&[t.clone(), Target::broad("other")]));
            assert_eq!(
                parsed,
                Ok(vec![
                    HeaderTarget {
                        context: "ctx".into(),
                        params: t.canonical_params()
                    },
                    HeaderTarget {
                        context: "other".into(),
                        params: BTreeMap::new()
                    },
                ]),
                "value {value:?}"
            );
        }
    }

    #[test]
    fn header_parse_rejects_garbage_without_panicking() {
        assert!(parse_header("user;user_id").is_err());
        assert!(parse_header("user;k=%FF").is_err());
        assert!(parse_header(", ,").is_err());
        assert_eq!(parse_header(""), Ok(vec![]));
    }

    #[test]
    fn scoped_targets_use_and_semantics() {
        let inst: BTreeMap<_, _> =
            [("a".to_string(), "1".to_string()), ("b".into(), "2".into())].into();
        let scope = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(scope_matches(&scope(&[]), &inst));
        assert!(scope_matches(&scope(&[("a", "1")]), &inst));
        assert!(scope_matches(&scope(&[("a", "1"), ("b", "2")]), &inst));
        assert!(!scope_matches(&scope(&[("a", "1"), ("b", "3")]), &inst));
        assert!(!scope_matches(&scope(&[("c", "1")]), &inst));
    }
}
