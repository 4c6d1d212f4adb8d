//! ../shared/spec/PROTOCOL.md §3: invalidation targets in the body and in
//! `X-Mizan-Invalidate`, auto-scoping, view-path functions.

mod common;

use std::collections::BTreeMap;

use common::{Caller, assert_no_store, start};
use mizan::invalidation::{HeaderTarget, parse_header};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn mutation_is_scoped_by_the_arguments_that_are_context_params() {
    let fx = start().await;
    let reply = fx
        .call("rename_user", json!({"user_id": 5, "name": "eve"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    // `name` is not a parameter of `user`; `user_id` is.
    assert_eq!(
        reply.json(),
        json!({
            "invalidate": [{"context": "user", "params": {"user_id": 5}}],
            "result": {"name": "eve", "user_id": 5},
        })
    );
    assert_eq!(reply.header("x-mizan-invalidate"), Some("user;user_id=5"));
}

#[tokio::test]
async fn scoped_params_keep_the_values_as_sent() {
    let fx = start().await;
    let reply = fx
        .call("rename_user", json!({"user_id": 1, "name": "Al"}))
        .await;
    let targets = reply.json()["invalidate"].clone();
    assert_eq!(
        targets,
        json!([{"context": "user", "params": {"user_id": 1}}])
    );
    assert!(targets[0]["params"]["user_id"].is_i64(), "{reply:?}");
}

#[tokio::test]
async fn mutation_without_context_params_is_broad() {
    let fx = start().await;
    let reply = fx.call("touch_users", json!({})).await;
    assert_eq!(
        reply.body,
        r#"{"invalidate":["user"],"result":{"message":"touched"}}"#
    );
    assert_eq!(reply.header("x-mizan-invalidate"), Some("user"));
}

#[tokio::test]
async fn header_percent_encodes_values_like_encode_uri_component() {
    let fx = start().await;
    let q = "a b;c,d=é";
    let reply = fx.call("bump_search", json!({ "q": q })).await;
    assert_eq!(
        reply.json()["invalidate"],
        json!([{"context": "search", "params": {"q": q}}])
    );
    let header = reply
        .header("x-mizan-invalidate")
        .expect("the header is set");
    assert_eq!(header, "search;q=a%20b%3Bc%2Cd%3D%C3%A9");
    assert_eq!(
        parse_header(header),
        Ok(vec![HeaderTarget {
            context: "search".into(),
            params: BTreeMap::from([("q".to_owned(), q.to_owned())]),
        }])
    );
}

#[tokio::test]
async fn header_round_trips_every_value_including_the_empty_string() {
    let fx = start().await;
    for q in [
        "", " ", ",", ";", "=", "%", "%20", "\"'", "日本", "a, b;c=d", "~!*()'",
    ] {
        let reply = fx.call("bump_search", json!({ "q": q })).await;
        let header = reply
            .header("x-mizan-invalidate")
            .expect("the header is set");
        let parsed = parse_header(header).expect("the header parses");
        assert_eq!(
            parsed,
            [HeaderTarget {
                context: "search".into(),
                params: BTreeMap::from([("q".to_owned(), q.to_owned())]),
            }],
            "value {q:?} in {header:?}"
        );
    }
}

#[tokio::test]
async fn failed_mutation_invalidates_nothing() {
    let fx = start().await;
    let reply = fx
        .call("rename_user", json!({"user_id": "five", "name": "x"}))
        .await;
    reply.expect_error(422, "VALIDATION_ERROR");
    assert_eq!(reply.header("x-mizan-invalidate"), None);
    assert!(!reply.body.contains("invalidate"), "{reply:?}");
    let refused = fx
        .call_as(Caller::Token("forged".into()), "touch_users", json!({}))
        .await;
    refused.expect_error(401, "UNAUTHORIZED");
    assert_eq!(refused.header("x-mizan-invalidate"), None);
}

#[tokio::test]
async fn query_without_affects_has_no_invalidate_header() {
    let fx = start().await;
    let reply = fx.call("find_item", json!({"item_id": 1})).await;
    assert_eq!(reply.json()["invalidate"], json!([]));
    assert_eq!(reply.header("x-mizan-invalidate"), None);
}

#[tokio::test]
async fn view_path_mutation_carries_the_header_and_no_store() {
    let fx = start().await;
    let reply = fx
        .send(fx.request(Method::POST, "/webhooks/stripe/").body("{}"))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
    assert_eq!(reply.header("x-mizan-invalidate"), Some("items"));
    assert_no_store(&reply);
    assert_eq!(reply.body, "");
}

#[tokio::test]
async fn mutation_is_visible_in_the_next_context_fetch() {
    let fx = start().await;
    let before = fx.ctx("user", "user_id=1").await;
    assert_eq!(before.json()["user_profile"]["name"], json!("alice"));
    fx.call("rename_user", json!({"user_id": 1, "name": "Alicia"}))
        .await
        .result();
    let after = fx.ctx("user", "user_id=1").await;
    assert_eq!(
        after.json()["user_profile"],
        json!({"name": "Alicia", "user_id": 1})
    );
    // Another instance of the context is untouched.
    let other = fx.ctx("user", "user_id=2").await;
    assert_eq!(other.json()["user_profile"]["name"], json!("bob"));
}

#[tokio::test]
async fn view_path_page_renders_the_current_name() {
    let fx = start().await;
    let page = fx.get("/profile/1/").await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(
        page.header("content-type")
            .is_some_and(|ct| ct.starts_with("text/html")),
        "{page:?}"
    );
    assert_no_store(&page);
    assert!(page.body.contains("alice"), "{page:?}");
    fx.call("rename_user", json!({"user_id": 1, "name": "Alicia"}))
        .await
        .result();
    let page = fx.get("/profile/1/").await;
    assert!(page.body.contains("<h1>Alicia</h1>"), "{page:?}");
    // A GET view is not a mutation of anything.
    assert_eq!(page.header("x-mizan-invalidate"), None);
}

#[tokio::test]
async fn view_path_page_escapes_the_name_as_html() {
    let fx = start().await;
    let name = "<script>alert('x')</script> & co";
    fx.call("rename_user", json!({"user_id": 3, "name": name}))
        .await
        .result();
    let page = fx.get("/profile/3/").await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(!page.body.contains("<script>"), "{page:?}");
    assert!(
        page.body
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"),
        "{page:?}"
    );
}

#[tokio::test]
async fn view_path_errors_are_envelopes() {
    let fx = start().await;
    fx.get("/profile/999/").await.expect_error(404, "NOT_FOUND");
    let reply = fx.get("/profile/abc/").await;
    let err = reply.expect_error(422, "VALIDATION_ERROR");
    assert!(err["details"]["fields"]["user_id"].is_array(), "{reply:?}");
}
