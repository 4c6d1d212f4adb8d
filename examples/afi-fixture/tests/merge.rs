//! ../shared/spec/PROTOCOL.md §4: merge entries, resolved from the types at registration.

mod common;

use common::start;
use serde_json::json;

#[tokio::test]
async fn merge_replace_when_the_output_is_the_slot_type() {
    let fx = start().await;
    let reply = fx
        .call("rename_profile", json!({"user_id": 1, "name": "Alicia"}))
        .await;
    assert_eq!(
        reply.body,
        concat!(
            r#"{"invalidate":[],"#,
            r#""merge":[{"context":"user","mode":"replace","params":{"user_id":1},"#,
            r#""slot":"user_profile","value":{"name":"Alicia","user_id":1}}],"#,
            r#""result":{"name":"Alicia","user_id":1}}"#
        )
    );
}

#[tokio::test]
async fn merge_only_mutation_emits_no_invalidation() {
    let fx = start().await;
    let reply = fx
        .call("rename_profile", json!({"user_id": 2, "name": "Robert"}))
        .await;
    assert_eq!(reply.json()["invalidate"], json!([]));
    assert_eq!(reply.header("x-mizan-invalidate"), None);
    // The mutation did happen.
    let bundle = fx.ctx("user", "user_id=2").await;
    assert_eq!(bundle.json()["user_profile"]["name"], json!("Robert"));
}

#[tokio::test]
async fn merge_upsert_when_the_slot_is_a_list_of_the_output_type() {
    let fx = start().await;
    let reply = fx
        .call("set_item_name", json!({"id": 3, "name": "three"}))
        .await;
    // `items` has no parameters, so the scope is empty.
    assert_eq!(
        reply.json(),
        json!({
            "invalidate": [],
            "merge": [{
                "context": "items",
                "key": "id",
                "mode": "upsert",
                "params": {},
                "slot": "items_list",
                "value": {"id": 3, "name": "three"},
            }],
            "result": {"id": 3, "name": "three"},
        })
    );
    // Splicing the value by `id` gives what a refetch gives.
    let bundle = fx.ctx("items", "").await;
    assert_eq!(
        bundle.json()["items_list"],
        json!([{"id": 1, "name": "one"}, {"id": 2, "name": "two"}, {"id": 3, "name": "three"}])
    );
}

#[tokio::test]
async fn failed_merge_mutation_emits_no_merge() {
    let fx = start().await;
    let reply = fx
        .call("set_item_name", json!({"id": "three", "name": "x"}))
        .await;
    reply.expect_error(422, "VALIDATION_ERROR");
    assert!(!reply.body.contains("merge"), "{reply:?}");
}
