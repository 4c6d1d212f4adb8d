//! Generation counters: how a purge reaches every cached copy of an
//! instance, for every user, in O(1) backend round trips.
//!
//! Each context has counters
//! - one per **param subset** `S` that a purge ever named: `(context, S)`,
//!   where `S` is a set of `name = canonical value` pairs; the empty subset
//!   is the context's own counter (broad purges);
//! - one per **user** (for [`purge_user`](super::OriginCache::purge_user)),
//!   read only by requests that have an identity.
//!
//! A fetch of instance `P` (its declared params with their canonical values)
//! reads the counters of every subset of `P` (2^|P| of them, the empty one
//! included) plus its user's, in one round trip, and stores its bundle under
//! the pinned HMAC key (`cache/key.rs`) wrapped with those values. A scoped
//! purge `S` bumps the counter of `S`; a broad purge bumps the empty subset.
//! Every instance `P ⊇ S` (§3.2's AND rule) reads that counter, so its key
//! changes, whoever cached it: the stale entries become unreachable and
//! expire by their TTL.
//!
//! Counter keys are HMACs too (with the cache secret), so neither they nor
//! the entry keys reveal param values or user ids.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canonical::{canonical_json, lower_hex};

/// Above this many params present, the subsets of one instance would be too
/// many counters to read on every fetch (2^8 = 256 at this limit); such a
/// fetch bypasses the cache.
pub const MAX_KEYED_PARAMS: usize = 8;

fn hmac_hex(secret: &[u8], message: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret).expect("HMAC-SHA256 accepts keys of any length");
    mac.update(message.as_bytes());
    lower_hex(&mac.finalize().into_bytes())
}

/// The counter key of `(context, subset)`; the empty subset is the
/// context's counter.
///
/// `gen:<context>:` + hex(HMAC(secret, canonical_json({"c": context, "g": "scope", "s": subset}))).
pub fn scope_key(
    namespace: &str,
    secret: &[u8],
    context: &str,
    subset: &BTreeMap<String, String>,
) -> String {
    let subset: Map<String, Value> = subset
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    let mut message = Map::new();
    message.insert("c".into(), Value::from(context));
    message.insert("g".into(), Value::from("scope"));
    message.insert("s".into(), Value::Object(subset));
    let digest = hmac_hex(secret, &canonical_json(&Value::Object(message)));
    format!("{namespace}gen:{context}:{digest}")
}

/// The counter key of one user (for `purge_user`).
///
/// `gen:~user:` + hex(HMAC(secret, canonical_json({"g": "user", "u": user}))).
pub fn user_key(namespace: &str, secret: &[u8], user: &str) -> String {
    let mut message = Map::new();
    message.insert("g".into(), Value::from("user"));
    message.insert("u".into(), Value::from(user));
    let digest = hmac_hex(secret, &canonical_json(&Value::Object(message)));
    format!("{namespace}gen:~user:{digest}")
}

/// Every subset of `params` (2^n of them, the empty one first), each as a
/// map of `name → canonical value`.
pub fn subsets(params: &BTreeMap<String, String>) -> Vec<BTreeMap<String, String>> {
    let pairs: Vec<(&String, &String)> = params.iter().collect();
    let count = 1usize << pairs.len().min(usize::BITS as usize - 1);
    (0..count)
        .map(|mask| {
            pairs
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, (k, v))| ((*k).clone(), (*v).clone()))
                .collect()
        })
        .collect()
}

/// The counters a fetch reads, in a fixed order: every subset of the
/// instance's params, then the user's counter when there is a user.
pub fn lookup_keys(
    namespace: &str,
    secret: &[u8],
    context: &str,
    params: &BTreeMap<String, String>,
    user: Option<&str>,
) -> Vec<String> {
    let mut keys: Vec<String> = subsets(params)
        .iter()
        .map(|subset| scope_key(namespace, secret, context, subset))
        .collect();
    if let Some(user) = user {
        keys.push(user_key(namespace, secret, user));
    }
    keys
}

/// The stored key: the pinned key (`cache/key.rs`) wrapped with the
/// generations read for it, `<namespace><pinned>:g<hash of generations>`.
/// A bump of any of them gives another key.
pub fn entry_key(namespace: &str, pinned: &str, generations: &[u64]) -> String {
    let mut hasher = Sha256::new();
    for g in generations {
        hasher.update(g.to_be_bytes());
    }
    let digest = hasher.finalize();
    let short = digest.get(..16).unwrap_or(&digest);
    format!("{namespace}{pinned}:g{}", lower_hex(short))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-pin-secret-that-is-32bytes!";

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn subsets_are_all_2_pow_n_and_start_with_the_empty_one() {
        let all = subsets(&params(&[("a", "1"), ("b", "2"), ("c", "3")]));
        assert_eq!(all.len(), 8);
        assert!(all[0].is_empty());
        let mut seen: Vec<Vec<&str>> = all
            .iter()
            .map(|s| s.keys().map(String::as_str).collect())
            .collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 8);
        assert_eq!(subsets(&BTreeMap::new()), vec![BTreeMap::new()]);
    }

    #[test]
    fn a_scoped_purge_key_is_read_by_exactly_the_instances_it_matches() {
        let target = scope_key("", SECRET, "user", &params(&[("user_id", "1")]));
        let reads = |p: &[(&str, &str)], user: Option<&str>| {
            lookup_keys("", SECRET, "user", &params(p), user).contains(&target)
        };
        assert!(reads(&[("user_id", "1")], None));
        assert!(reads(&[("user_id", "1")], Some("2")));
        assert!(reads(&[("limit", "2"), ("user_id", "1")], Some("7")));
        assert!(!reads(&[("user_id", "2")], None));
        assert!(!reads(&[("limit", "1")], None));
        assert!(!reads(&[], None));
    }

    #[test]
    fn the_broad_key_is_read_by_every_instance() {
        let broad = scope_key("", SECRET, "user", &BTreeMap::new());
        for p in [vec![], vec![("user_id", "1")], vec![("a", "x"), ("b", "y")]] {
            assert!(lookup_keys("", SECRET, "user", &params(&p), Some("1")).contains(&broad));
        }
        assert!(!lookup_keys("", SECRET, "users", &BTreeMap::new(), None).contains(&broad));
    }

    #[test]
    fn keys_reveal_neither_values_nor_users() {
        let key = scope_key("mizan:", SECRET, "user", &params(&[("email", "a@b.c")]));
        assert!(key.starts_with("mizan:gen:user:"));
        assert!(!key.contains("a@b.c") && !key.contains("email"));
        let user = user_key("", SECRET, "alice");
        assert!(user.starts_with("gen:~user:") && !user.contains("alice"));
        assert_ne!(user_key("", SECRET, "1"), user_key("", b"other", "1"));
    }

    #[test]
    fn entry_keys_change_with_every_generation() {
        let pinned = "ctx:user:abc";
        let base = entry_key("", pinned, &[0, 0, 0]);
        assert!(base.starts_with("ctx:user:abc:g"));
        for other in [[1, 0, 0], [0, 1, 0], [0, 0, 1]] {
            assert_ne!(entry_key("", pinned, &other), base);
        }
        assert_ne!(entry_key("", pinned, &[0, 0]), entry_key("", pinned, &[0]));
        assert_eq!(entry_key("", pinned, &[0, 0, 0]), base);
    }
}
