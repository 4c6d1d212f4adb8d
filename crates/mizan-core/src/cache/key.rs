//! Cache key derivation (../shared/spec/CACHE.md, pinned across implementations).
//!
//! ```text
//! message = canonical_json({"c": context, "p": {k: canonical_string(v), ...}, "r": rev, "u": user_id})
//! key     = "ctx:" + context + ":" + hex(HMAC-SHA256(secret, message))
//! ```
//!
//! ```
//! use std::collections::BTreeMap;
//! use mizan_core::cache::key::derive_cache_key;
//!
//! let params = BTreeMap::from([("user_id".to_owned(), "5".to_owned())]);
//! let key = derive_cache_key(b"test-pin-secret-that-is-32bytes!", "user", &params, 0, None);
//! assert_eq!(key, "ctx:user:605a1ca5ad5994e9b765c8d1b330474c2a0d51a7b8fbbdc402f992da7ba902f6");
//! ```
//!
//! Callers pass only the params the context declares; dropping undeclared
//! query keys is theirs to do, before keying.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::canonical::{canonical_json, canonical_string, lower_hex};

/// The cache key of a context fetch.
///
/// - `context`: the context's name;
/// - `params`: its declared params, each already a canonical string
///   (../shared/spec/PROTOCOL.md §5; see [`derive_cache_key_from_json`] for raw values);
/// - `rev`: the context's effective rev (the maximum `rev` of its members);
/// - `user`: the caller's id when the request has an identity.
pub fn derive_cache_key(
    secret: &[u8],
    context: &str,
    params: &BTreeMap<String, String>,
    rev: u32,
    user: Option<&str>,
) -> String {
    let message = cache_key_message(context, params, rev, user);
    // HMAC accepts keys of any length; `new_from_slice` cannot fail here.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret).expect("HMAC-SHA256 accepts keys of any length");
    mac.update(message.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut key = String::with_capacity(4 + context.len() + 1 + 64);
    key.push_str("ctx:");
    key.push_str(context);
    key.push(':');
    key.push_str(&lower_hex(&digest));
    key
}

/// [`derive_cache_key`] for params given as JSON values: each is turned into
/// its canonical string first (`5` and `"5"` give the same key, `5.0` too).
///
/// ```
/// use mizan_core::cache::key::derive_cache_key_from_json;
/// use serde_json::json;
///
/// let params = json!({"user_id": 5});
/// let params = params.as_object().expect("an object");
/// let key = derive_cache_key_from_json(b"test-pin-secret-that-is-32bytes!", "user", params, 0, None);
/// assert_eq!(key, "ctx:user:605a1ca5ad5994e9b765c8d1b330474c2a0d51a7b8fbbdc402f992da7ba902f6");
/// ```
pub fn derive_cache_key_from_json(
    secret: &[u8],
    context: &str,
    params: &Map<String, Value>,
    rev: u32,
    user: Option<&str>,
) -> String {
    derive_cache_key(secret, context, &canonical_params(params), rev, user)
}

/// Each param's canonical string (../shared/spec/PROTOCOL.md §5), keyed by name.
pub fn canonical_params(params: &Map<String, Value>) -> BTreeMap<String, String> {
    params
        .iter()
        .map(|(name, value)| (name.clone(), canonical_string(value)))
        .collect()
}

/// The message [`derive_cache_key`] signs: the canonical JSON of
/// `{"c":context,"p":{…},"r":rev,"u":user}`, with `u` only when there is a
/// user. Exposed for debugging keys across implementations.
///
/// ```
/// use std::collections::BTreeMap;
/// use mizan_core::cache::key::cache_key_message;
///
/// let params = BTreeMap::from([("id".to_owned(), "5".to_owned())]);
/// assert_eq!(
///     cache_key_message("user", &params, 2, Some("7")),
///     r#"{"c":"user","p":{"id":"5"},"r":2,"u":"7"}"#
/// );
/// ```
pub fn cache_key_message(
    context: &str,
    params: &BTreeMap<String, String>,
    rev: u32,
    user: Option<&str>,
) -> String {
    let params: Map<String, Value> = params
        .iter()
        .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
        .collect();
    let mut message = Map::new();
    message.insert("c".to_owned(), Value::from(context));
    message.insert("p".to_owned(), Value::Object(params));
    message.insert("r".to_owned(), Value::from(rev));
    if let Some(user) = user {
        message.insert("u".to_owned(), Value::from(user));
    }
    canonical_json(&Value::Object(message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PIN_SECRET: &[u8] = b"test-pin-secret-that-is-32bytes!";

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn pinned_vector_anonymous() {
        assert_eq!(
            derive_cache_key(PIN_SECRET, "user", &params(&[("user_id", "5")]), 0, None),
            "ctx:user:605a1ca5ad5994e9b765c8d1b330474c2a0d51a7b8fbbdc402f992da7ba902f6"
        );
    }

    #[test]
    fn pinned_vector_with_user() {
        assert_eq!(
            derive_cache_key(
                PIN_SECRET,
                "user",
                &params(&[("user_id", "5")]),
                0,
                Some("5")
            ),
            "ctx:user:30fc08eb46ee4ff2cf7d317e97dca90fd616511e0587304416f71dc863338dc2"
        );
    }

    #[test]
    fn message_is_canonical_json() {
        let p = params(&[("z", "1"), ("a", "é\n"), ("B", "")]);
        let expected = canonical_json(
            &json!({"c": "ctx", "p": {"z": "1", "a": "é\n", "B": ""}, "r": 3, "u": "ü"}),
        );
        assert_eq!(cache_key_message("ctx", &p, 3, Some("ü")), expected);
        assert_eq!(
            expected,
            "{\"c\":\"ctx\",\"p\":{\"B\":\"\",\"a\":\"é\\n\",\"z\":\"1\"},\"r\":3,\"u\":\"ü\"}"
        );
        assert_eq!(
            cache_key_message("ctx", &BTreeMap::new(), 0, None),
            r#"{"c":"ctx","p":{},"r":0}"#
        );
    }

    #[test]
    fn every_input_changes_the_key() {
        let base = derive_cache_key(PIN_SECRET, "user", &params(&[("id", "5")]), 0, None);
        let variants = [
            derive_cache_key(b"another-secret", "user", &params(&[("id", "5")]), 0, None),
            derive_cache_key(PIN_SECRET, "users", &params(&[("id", "5")]), 0, None),
            derive_cache_key(PIN_SECRET, "user", &params(&[("id", "6")]), 0, None),
            derive_cache_key(PIN_SECRET, "user", &params(&[("ID", "5")]), 0, None),
            derive_cache_key(PIN_SECRET, "user", &params(&[]), 0, None),
            derive_cache_key(PIN_SECRET, "user", &params(&[("id", "5")]), 1, None),
            derive_cache_key(PIN_SECRET, "user", &params(&[("id", "5")]), 0, Some("")),
            derive_cache_key(PIN_SECRET, "user", &params(&[("id", "5")]), 0, Some("5")),
        ];
        for variant in &variants {
            assert_ne!(&base, variant);
        }
    }

    #[test]
    fn key_has_the_pinned_shape() {
        let key = derive_cache_key(PIN_SECRET, "a:b", &params(&[]), u32::MAX, None);
        let hex = key.strip_prefix("ctx:a:b:").unwrap_or_default();
        assert_eq!(hex.len(), 64);
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }

    #[test]
    fn json_params_use_canonical_strings() {
        let as_strings = derive_cache_key(
            PIN_SECRET,
            "p",
            &params(&[
                ("n", "5"),
                ("f", "0.1"),
                ("b", "true"),
                ("z", "null"),
                ("s", "x"),
            ]),
            0,
            None,
        );
        for raw in [
            json!({"n": 5, "f": 0.1, "b": true, "z": null, "s": "x"}),
            json!({"n": 5.0, "f": 0.1, "b": "true", "z": "null", "s": "x"}),
            json!({"n": "5", "f": "0.1", "b": true, "z": null, "s": "x"}),
        ] {
            assert_eq!(
                derive_cache_key_from_json(PIN_SECRET, "p", &object(raw), 0, None),
                as_strings
            );
        }
        assert_eq!(
            canonical_params(&object(json!({"a": [1, {"y": 2, "x": 1e21}]}))),
            params(&[("a", r#"[1,{"x":1e+21,"y":2}]"#)])
        );
    }

    #[test]
    fn pinned_vectors_through_json_params() {
        assert_eq!(
            derive_cache_key_from_json(
                PIN_SECRET,
                "user",
                &object(json!({"user_id": 5})),
                0,
                Some("5")
            ),
            "ctx:user:30fc08eb46ee4ff2cf7d317e97dca90fd616511e0587304416f71dc863338dc2"
        );
    }
}
