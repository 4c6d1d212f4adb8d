//! The invalidation rules, end to end: scoping, JSON, header, matching.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::*;

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
