//! ../shared/spec/PROTOCOL.md §1: the endpoints `/session/`, `/call/` (JSON and multipart)
//! and `/ctx/<name>/`, probed over real HTTP.

mod common;

use common::{MOUNT, assert_keys_sorted, assert_no_store, start};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn session_returns_a_64_hex_csrf_token_and_sets_the_csrf_cookie() {
    let fx = start().await;
    let reply = fx.get(&format!("{MOUNT}/session/")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_no_store(&reply);
    let body = reply.json();
    assert_eq!(
        body.as_object()
            .map(|o| o.keys().map(String::as_str).collect::<Vec<_>>()),
        Some(vec!["csrfToken"])
    );
    let token = body["csrfToken"].as_str().expect("a string token");
    assert_eq!(token.len(), 64, "{token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    let cookie = reply.header("set-cookie").expect("a Set-Cookie header");
    assert!(
        cookie.starts_with(&format!("mizan_csrftoken={token};")),
        "{cookie}"
    );
}

#[tokio::test]
async fn every_endpoint_response_is_no_store_including_errors_and_views() {
    let fx = start().await;
    let replies = [
        fx.get(&format!("{MOUNT}/session/")).await,
        fx.call("echo", json!({"text": "hi"})).await,
        fx.call("add", json!({"a": "x", "b": 1})).await,
        fx.call("no_such_fn", json!({})).await,
        fx.call("whoami", json!({})).await,
        fx.call("buggy_fn", json!({})).await,
        fx.post_raw("not json").await,
        fx.get(&format!("{MOUNT}/call/")).await,
        fx.ctx("user", "user_id=1").await,
        fx.ctx("user", "user_id=abc").await,
        fx.ctx("nope", "").await,
        fx.get("/profile/1/").await,
        fx.get("/profile/999/").await,
        fx.send(fx.request(Method::POST, "/webhooks/stripe/")).await,
        fx.get("/webhooks/stripe/").await,
    ];
    for reply in &replies {
        assert_no_store(reply);
    }
}

#[tokio::test]
async fn call_success_is_invalidate_and_result_without_merge() {
    let fx = start().await;
    let reply = fx.call("echo", json!({"text": "hi"})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        r#"{"invalidate":[],"result":{"message":"echo: hi"}}"#
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/json"),
        "{reply:?}"
    );
    assert_eq!(reply.header("x-mizan-invalidate"), None);
}

#[tokio::test]
async fn call_result_is_not_wrapped_again() {
    let fx = start().await;
    let reply = fx.call("add", json!({"a": 2, "b": 3})).await;
    assert_eq!(
        reply.json(),
        json!({"invalidate": [], "result": {"total": 5}})
    );
    let reply = fx.call("multiply", json!({"a": 4, "b": 5})).await;
    assert_eq!(reply.result(), json!({"total": 20}));
}

#[tokio::test]
async fn list_result_is_a_bare_array() {
    let fx = start().await;
    let reply = fx.call("list_items", json!({})).await;
    assert_eq!(
        reply.body,
        r#"{"invalidate":[],"result":[{"id":1,"name":"one"},{"id":2,"name":"two"}]}"#
    );
}

#[tokio::test]
async fn absent_optional_result_is_null() {
    let fx = start().await;
    let reply = fx.call("find_item", json!({"item_id": 99})).await;
    assert_eq!(reply.body, r#"{"invalidate":[],"result":null}"#);
    let present = fx.call("find_item", json!({"item_id": 2})).await;
    assert_eq!(present.result(), json!({"id": 2, "name": "two"}));
}

#[tokio::test]
async fn omitted_args_mean_an_empty_object() {
    let fx = start().await;
    let reply = fx.post_raw(r#"{"fn": "list_items"}"#).await;
    assert_eq!(
        reply.result(),
        json!([{"id": 1, "name": "one"}, {"id": 2, "name": "two"}])
    );
    // An omitted `args` is `{}`, so a required parameter is missing, not a bad body.
    let reply = fx.post_raw(r#"{"fn": "echo"}"#).await;
    let err = reply.expect_error(422, "VALIDATION_ERROR");
    assert!(err["details"]["fields"]["text"].is_array(), "{reply:?}");
}

#[tokio::test]
async fn response_object_keys_are_sorted_in_byte_order() {
    let fx = start().await;
    // Profile declares `user_id` before `name`; the wire sorts them.
    let bundle = fx.ctx("user", "user_id=1").await;
    assert_eq!(
        bundle.body,
        concat!(
            r#"{"user_orders":[{"id":101,"total":1.5},{"id":102,"total":2.5},{"id":103,"total":3.5}],"#,
            r#""user_profile":{"name":"alice","user_id":1}}"#
        )
    );
    let renamed = fx
        .call("rename_user", json!({"user_id": 2, "name": "B"}))
        .await;
    assert_eq!(
        renamed.body,
        r#"{"invalidate":[{"context":"user","params":{"user_id":2}}],"result":{"name":"B","user_id":2}}"#
    );
    let error = fx.call("not_implemented_fn", json!({})).await;
    assert_eq!(
        error.body,
        r#"{"error":{"code":"NOT_IMPLEMENTED","message":"not_implemented_fn is not implemented"}}"#
    );
    for reply in [
        fx.call("rename_profile", json!({"user_id": 1, "name": "A"}))
            .await,
        fx.call("add", json!({"a": "x", "b": []})).await,
        fx.get(&format!("{MOUNT}/session/")).await,
    ] {
        assert_keys_sorted(&reply.body);
    }
}

#[tokio::test]
async fn multipart_upload_reports_name_size_and_label() {
    let fx = start().await;
    let bytes = b"hello, mizan\n".to_vec();
    let size = bytes.len();
    let form = Form::new()
        .text(
            "__mizan",
            json!({"fn": "upload_file", "args": {"label": "greeting"}}).to_string(),
        )
        .part(
            "file",
            Part::bytes(bytes)
                .file_name("hello.txt")
                .mime_str("text/plain")
                .expect("a valid mime type"),
        );
    let reply = fx
        .send(
            fx.request(Method::POST, &format!("{MOUNT}/call/"))
                .multipart(form),
        )
        .await;
    assert_no_store(&reply);
    assert_eq!(
        reply.json(),
        json!({"invalidate": [], "result": {"label": "greeting", "name": "hello.txt", "size": size}})
    );
}

#[tokio::test]
async fn multipart_parts_may_come_in_any_order() {
    let fx = start().await;
    let form = Form::new()
        .part("file", Part::bytes(vec![7u8; 1000]).file_name("data.bin"))
        .text(
            "__mizan",
            json!({"fn": "upload_file", "args": {"label": "first"}}).to_string(),
        );
    let reply = fx
        .send(
            fx.request(Method::POST, &format!("{MOUNT}/call/"))
                .multipart(form),
        )
        .await;
    assert_eq!(
        reply.result(),
        json!({"label": "first", "name": "data.bin", "size": 1000})
    );
}

#[tokio::test]
async fn multipart_upload_without_its_file_part_is_a_validation_error() {
    let fx = start().await;
    let form = Form::new().text(
        "__mizan",
        json!({"fn": "upload_file", "args": {"label": "x"}}).to_string(),
    );
    let reply = fx
        .send(
            fx.request(Method::POST, &format!("{MOUNT}/call/"))
                .multipart(form),
        )
        .await;
    let err = reply.expect_error(422, "VALIDATION_ERROR");
    assert!(err["details"]["fields"]["file"].is_array(), "{reply:?}");
}

#[tokio::test]
async fn ctx_members_run_concurrently_and_bundle_has_every_data_member() {
    let fx = start().await;
    let reply = fx.ctx("user", "user_id=1").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_no_store(&reply);
    // `profile_page` is a view-path member: never executed in the bundle (§3.4).
    assert_eq!(
        reply.json(),
        json!({
            "user_orders": [
                {"id": 101, "total": 1.5},
                {"id": 102, "total": 2.5},
                {"id": 103, "total": 3.5},
            ],
            "user_profile": {"name": "alice", "user_id": 1},
        })
    );
    let items = fx.ctx("items", "").await;
    assert_eq!(
        items.json(),
        json!({"items_list": [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]})
    );
}

#[tokio::test]
async fn ctx_query_values_are_coerced_to_declared_types() {
    let fx = start().await;
    let reply = fx.ctx("user", "user_id=2&limit=2").await;
    assert_eq!(
        reply.json()["user_orders"],
        json!([{"id": 201, "total": 1.5}, {"id": 202, "total": 2.5}])
    );
    let search = fx.ctx("search", "q=tw").await;
    assert_eq!(
        search.json(),
        json!({"search_results": [{"id": 2, "name": "two"}]})
    );
}

#[tokio::test]
async fn ctx_value_that_does_not_coerce_is_a_validation_error() {
    let fx = start().await;
    let reply = fx.ctx("user", "user_id=abc").await;
    let err = reply.expect_error(422, "VALIDATION_ERROR");
    let messages = &err["details"]["fields"]["user_id"];
    assert!(
        messages.as_array().is_some_and(|m| !m.is_empty()),
        "{reply:?}"
    );
    let reply = fx.ctx("user", "user_id=1&limit=2.5").await;
    let err = reply.expect_error(422, "VALIDATION_ERROR");
    assert!(err["details"]["fields"]["limit"].is_array(), "{reply:?}");
}

#[tokio::test]
async fn ctx_missing_required_parameter_is_a_validation_error() {
    let fx = start().await;
    let reply = fx.ctx("user", "").await;
    let err = reply.expect_error(422, "VALIDATION_ERROR");
    assert!(err["details"]["fields"]["user_id"].is_array(), "{reply:?}");
    let reply = fx.ctx("user", "limit=1").await;
    reply.expect_error(422, "VALIDATION_ERROR");
}

#[tokio::test]
async fn ctx_unknown_query_keys_are_ignored() {
    let fx = start().await;
    let plain = fx.ctx("user", "user_id=1").await;
    let extra = fx.ctx("user", "user_id=1&utm_source=mail&name=x").await;
    assert_eq!(extra.status, StatusCode::OK, "{extra:?}");
    assert_eq!(extra.body, plain.body);
}

#[tokio::test]
async fn ctx_unknown_context_is_not_found() {
    let fx = start().await;
    fx.ctx("nope", "").await.expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn ctx_member_failure_is_the_error_of_the_first_failing_member_by_name() {
    let fx = start().await;
    // `user_orders` succeeds for any id; `user_profile` fails: no partial bundle.
    let reply = fx.ctx("user", "user_id=999").await;
    let err = reply.expect_error(404, "NOT_FOUND");
    assert!(
        err["message"].as_str().is_some_and(|m| m.contains("999")),
        "the error is user_profile's: {reply:?}"
    );
    assert!(!reply.body.contains("user_orders"), "{reply:?}");
}
