//! ../shared/spec/PROTOCOL.md §5: canonical values on the wire and in the invalidation
//! header.

mod common;

use mizan::Target;
use mizan::invalidation::{format_header, parse_header};
use serde_json::{Map, Value, json};

use common::start;

fn args(value: Value) -> Map<String, Value> {
    value.as_object().cloned().expect("an object of arguments")
}

#[tokio::test]
async fn floats_in_results_are_shortest_round_trip_decimals() {
    let fx = start().await;
    let reply = fx.ctx("user", "user_id=1&limit=3").await;
    assert!(
        reply
            .body
            .contains(r#"[{"id":101,"total":1.5},{"id":102,"total":2.5},{"id":103,"total":3.5}]"#),
        "{reply:?}"
    );
}

#[tokio::test]
async fn json_bodies_write_non_ascii_as_is_without_whitespace() {
    let fx = start().await;
    let reply = fx
        .call("rename_user", json!({"user_id": 4, "name": "Zoë 日本"}))
        .await;
    assert_eq!(
        reply.body,
        r#"{"invalidate":[{"context":"user","params":{"user_id":4}}],"result":{"name":"Zoë 日本","user_id":4}}"#
    );
}

// No fixture mutation takes a bool or a float argument, so the header's
// canonical strings for them are checked on `Target` directly.
#[test]
fn header_writes_bool_float_and_null_args_as_canonical_strings() {
    let target = Target::scoped(
        "report",
        None,
        ["flag", "ratio", "whole", "big", "tiny", "none", "n"],
        &args(json!({
            "flag": true,
            "ratio": 0.1 + 0.2,
            "whole": 5.0,
            "big": 1e21,
            "tiny": 1.5e-7,
            "none": null,
            "n": -3,
            "ignored": false,
        })),
    );
    assert_eq!(
        target.header_entry(),
        "report;big=1e%2B21;flag=true;n=-3;none=null;ratio=0.30000000000000004;tiny=1.5e-7;whole=5"
    );
    let parsed =
        parse_header(&format_header(std::slice::from_ref(&target))).expect("the header parses");
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].params, target.canonical_params());
    assert_eq!(parsed[0].params["flag"], "true");
    assert_eq!(parsed[0].params["whole"], "5");
}

#[test]
fn header_entries_keep_the_list_order_and_sort_keys() {
    let header = format_header(&[
        Target::broad("notifications"),
        Target::scoped(
            "user",
            Some("user_profile"),
            ["user_id", "b"],
            &args(json!({"user_id": 5, "b": false})),
        ),
        Target::broad("alpha"),
    ]);
    assert_eq!(header, "notifications, user;b=false;user_id=5, alpha");
}
