//! Single-flight refresh (../shared/spec/PROTOCOL.md §3.5): a call that
//! lists the instances its caller shows gets back, with its result, those
//! its targets hit, fetched as `GET /ctx/` would for the same caller — one
//! round trip instead of two.

mod common;
mod socket_support;

use common::start;
use serde_json::{Value, json};
use socket_support::{connect, ws_url};

async fn call_with_refresh(
    fx: &common::Fixture,
    function: &str,
    args: Value,
    refresh: Value,
) -> common::Reply {
    fx.post_raw(json!({"fn": function, "args": args, "refresh": refresh}).to_string())
        .await
}

#[tokio::test]
async fn the_instances_a_mutation_hits_come_back_with_its_result() {
    let fx = start().await;
    // Cached before the mutation: the refreshed bundle must not be the
    // cached one.
    fx.ctx("user", "user_id=1").await;
    assert_eq!(
        fx.ctx("user", "user_id=1").await.header("x-mizan-cache"),
        Some("HIT")
    );
    let reply = call_with_refresh(
        &fx,
        "rename_user",
        json!({"user_id": 1, "name": "ally"}),
        json!(["user;user_id=1", "user;user_id=2", "items"]),
    )
    .await;
    let body = reply.json();
    assert_eq!(
        body["invalidate"],
        json!([{"context": "user", "params": {"user_id": 1}}]),
        "invalidate is unchanged: other tabs and the edge need it"
    );
    assert_eq!(reply.header("x-mizan-invalidate"), Some("user;user_id=1"));
    assert_eq!(
        body["refreshed"],
        json!({"user;user_id=1": {
            "user_orders": [{"id": 101, "total": 1.5}, {"id": 102, "total": 2.5}, {"id": 103, "total": 3.5}],
            "user_profile": {"name": "ally", "user_id": 1}
        }})
    );
    assert_eq!(body["result"], json!({"name": "ally", "user_id": 1}));
    // The bundle the refresh computed is the one now cached.
    assert_eq!(
        fx.ctx("user", "user_id=1").await.header("x-mizan-cache"),
        Some("HIT")
    );
}

#[tokio::test]
async fn a_broad_target_refreshes_every_listed_instance_of_its_context() {
    let fx = start().await;
    let reply = call_with_refresh(
        &fx,
        "touch_users",
        json!({}),
        json!([
            "user;user_id=2",
            "items",
            "user;user_id=999",
            "user;limit=1;user_id=1"
        ]),
    )
    .await;
    let refreshed = reply.json()["refreshed"].clone();
    let keys: Vec<&str> = refreshed
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "user;limit=1;user_id=1",
            "user;user_id=2",
            "user;user_id=999"
        ]
    );
    // Params come back typed, as from a query string.
    assert_eq!(
        refreshed["user;limit=1;user_id=1"]["user_orders"],
        json!([{"id": 101, "total": 1.5}])
    );
    // A fetch that fails is that instance's error, not the call's.
    let missing = &refreshed["user;user_id=999"];
    assert_eq!(missing["error"]["code"], "NOT_FOUND", "{missing}");
    assert_eq!(reply.status.as_u16(), 200);
}

#[tokio::test]
async fn keys_are_read_like_the_invalidate_header() {
    let fx = start().await;
    let reply = call_with_refresh(
        &fx,
        "bump_search",
        json!({"q": "on e"}),
        json!(["search;q=on%20e", "search;q=one"]),
    )
    .await;
    let refreshed = reply.json()["refreshed"].clone();
    assert_eq!(
        refreshed,
        json!({"search;q=on%20e": {"search_results": []}}),
        "only the instance the target hits, its key percent-decoded"
    );
}

#[tokio::test]
async fn a_merge_only_mutation_refreshes_nothing() {
    let fx = start().await;
    let reply = call_with_refresh(
        &fx,
        "rename_profile",
        json!({"user_id": 1, "name": "al"}),
        json!(["user;user_id=1"]),
    )
    .await;
    let body = reply.json();
    assert!(body.get("refreshed").is_none(), "{body}");
    assert_eq!(body["merge"][0]["slot"], "user_profile");
}

#[tokio::test]
async fn a_malformed_refresh_list_is_a_bad_request_and_nothing_runs() {
    let fx = start().await;
    for refresh in [
        json!("user;user_id=1"),
        json!([1]),
        json!(["user;user_id"]),
        json!([";user_id=1"]),
        json!(["user;k=%FF"]),
    ] {
        let reply = call_with_refresh(
            &fx,
            "rename_user",
            json!({"user_id": 1, "name": "never"}),
            refresh.clone(),
        )
        .await;
        reply.expect_error(400, "BAD_REQUEST");
    }
    let profile = fx.ctx("user", "user_id=1").await.json();
    assert_eq!(profile["user_profile"]["name"], "alice");
}

#[tokio::test]
async fn only_the_first_sixteen_keys_are_read() {
    let fx = start().await;
    let keys: Vec<String> = (1..=20).map(|n| format!("user;user_id={n}")).collect();
    let reply = call_with_refresh(&fx, "touch_users", json!({}), json!(keys)).await;
    let refreshed = reply.json()["refreshed"].clone();
    let count = refreshed.as_object().map_or(0, serde_json::Map::len);
    assert_eq!(count, 16, "{refreshed}");
    assert!(refreshed.get("user;user_id=17").is_none());
}

#[tokio::test]
async fn the_socket_carries_refresh_on_call() {
    let fx = start().await;
    let mut ws = connect(&ws_url(&fx.base, ""), &[]).await.expect("a socket");
    let reply = ws
        .ask(json!({"action": "call", "fn": "rename_user",
            "args": {"user_id": 2, "name": "robert"}, "refresh": ["user;user_id=2"]}))
        .await;
    assert_eq!(
        reply["refreshed"]["user;user_id=2"]["user_profile"],
        json!({"name": "robert", "user_id": 2}),
        "{reply}"
    );
    let bad = ws
        .ask(json!({"action": "call", "fn": "rename_user",
            "args": {"user_id": 2, "name": "x"}, "refresh": ["user;user_id"]}))
        .await;
    assert_eq!(bad["error"]["code"], "BAD_REQUEST", "{bad}");
}
