//! ../shared/spec/PROTOCOL.md §1.4: every error is the envelope
//! `{"error": {"code", "message", "details"?}}` with its code's status.

mod common;

use common::{MOUNT, start};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn body_that_is_not_json_is_bad_request() {
    let fx = start().await;
    fx.post_raw("fn=echo&text=hi")
        .await
        .expect_error(400, "BAD_REQUEST");
    fx.post_raw("").await.expect_error(400, "BAD_REQUEST");
    fx.post_raw(r#"{"fn": "echo", "args": {"text": "hi"}"#)
        .await
        .expect_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn json_body_that_is_not_an_object_is_bad_request() {
    let fx = start().await;
    for body in [r#"[{"fn": "echo"}]"#, "42", r#""echo""#, "null", "true"] {
        fx.post_raw(body).await.expect_error(400, "BAD_REQUEST");
    }
}

#[tokio::test]
async fn missing_fn_is_bad_request() {
    let fx = start().await;
    fx.post_raw(r#"{"args": {"text": "hi"}}"#)
        .await
        .expect_error(400, "BAD_REQUEST");
    fx.post_raw("{}").await.expect_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn empty_fn_is_bad_request() {
    let fx = start().await;
    fx.post_raw(r#"{"fn": "", "args": {}}"#)
        .await
        .expect_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn fn_that_is_not_a_string_is_bad_request() {
    let fx = start().await;
    fx.post_raw(r#"{"fn": 7, "args": {}}"#)
        .await
        .expect_error(400, "BAD_REQUEST");
    fx.post_raw(r#"{"fn": ["echo"], "args": {}}"#)
        .await
        .expect_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn args_that_are_not_an_object_are_bad_request() {
    let fx = start().await;
    fx.post_raw(r#"{"fn": "echo", "args": ["hi"]}"#)
        .await
        .expect_error(400, "BAD_REQUEST");
    fx.post_raw(r#"{"fn": "echo", "args": "hi"}"#)
        .await
        .expect_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn unknown_function_is_not_found() {
    let fx = start().await;
    fx.call("no_such_function", json!({}))
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn private_function_through_call_is_forbidden() {
    let fx = start().await;
    fx.call("stripe_webhook", json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn wrong_argument_type_is_a_validation_error_naming_the_field() {
    let fx = start().await;
    let reply = fx.call("add", json!({"a": "one", "b": 2})).await;
    let err = reply.expect_error(422, "VALIDATION_ERROR");
    let fields = err["details"]["fields"]
        .as_object()
        .expect("details.fields is an object");
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["a"], "{reply:?}");
    assert!(
        fields["a"]
            .as_array()
            .is_some_and(|m| !m.is_empty() && m.iter().all(|s| s.is_string())),
        "a list of messages: {reply:?}"
    );
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once() {
    let fx = start().await;
    let reply = fx.call("add", json!({"a": "one", "b": 1.5})).await;
    let err = reply.expect_error(422, "VALIDATION_ERROR");
    let fields = err["details"]["fields"]
        .as_object()
        .expect("details.fields is an object");
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["a", "b"], "{reply:?}");
}

#[tokio::test]
async fn missing_argument_is_a_validation_error() {
    let fx = start().await;
    let reply = fx.call("add", json!({"a": 1})).await;
    let err = reply.expect_error(422, "VALIDATION_ERROR");
    assert!(err["details"]["fields"]["b"].is_array(), "{reply:?}");
}

#[tokio::test]
async fn unknown_argument_is_a_validation_error() {
    let fx = start().await;
    let reply = fx.call("echo", json!({"text": "hi", "shout": true})).await;
    let err = reply.expect_error(422, "VALIDATION_ERROR");
    assert!(err["details"]["fields"]["shout"].is_array(), "{reply:?}");
}

#[tokio::test]
async fn function_declared_unimplemented_is_not_implemented() {
    let fx = start().await;
    fx.call("not_implemented_fn", json!({}))
        .await
        .expect_error(501, "NOT_IMPLEMENTED");
}

#[tokio::test]
async fn panicking_function_is_a_500_that_leaks_nothing_and_the_server_keeps_serving() {
    let fx = start().await;
    for _ in 0..3 {
        let reply = fx.call("buggy_fn", json!({})).await;
        let err = reply.expect_error(500, "INTERNAL_ERROR");
        let message = err["message"].as_str().expect("a message");
        for leak in ["secret", "exploded", "panicked", "buggy_fn"] {
            assert!(!reply.body.contains(leak), "`{leak}` leaked: {message}");
        }
        assert!(err.get("details").is_none(), "{reply:?}");
    }
    let after = fx.call("echo", json!({"text": "still here"})).await;
    assert_eq!(after.result(), json!({"message": "echo: still here"}));
}

#[tokio::test]
async fn body_over_the_limit_is_a_413_envelope_not_a_dropped_connection() {
    let fx = start().await;
    // 16 MiB of an otherwise valid call.
    let mut body = br#"{"fn": "echo", "args": {"text": ""#.to_vec();
    body.resize(16 * 1024 * 1024, b'x');
    body.extend_from_slice(br#""}}"#);
    let reply = fx.post_raw(body).await;
    let err = reply.expect_error(413, "PAYLOAD_TOO_LARGE");
    assert!(err["message"].is_string(), "{reply:?}");
    let after = fx.call("echo", json!({"text": "ok"})).await;
    assert_eq!(after.status, StatusCode::OK, "{after:?}");
}

#[tokio::test]
async fn body_just_under_the_limit_is_served() {
    let fx = start().await;
    // The fixture keeps the default limit of 2 MiB.
    let text = "x".repeat(2 * 1024 * 1024 - 64);
    let reply = fx.call("echo", json!({ "text": text })).await;
    assert_eq!(reply.status, StatusCode::OK, "status {}", reply.status);
    assert_eq!(
        reply.result()["message"].as_str().map(str::len),
        Some(text.len() + 6)
    );
}

#[tokio::test]
async fn view_path_body_over_the_limit_is_a_413_envelope() {
    let fx = start().await;
    let reply = fx
        .send(
            fx.request(Method::POST, "/webhooks/stripe/")
                .body(vec![b'x'; 16 * 1024 * 1024]),
        )
        .await;
    reply.expect_error(413, "PAYLOAD_TOO_LARGE");
    assert_eq!(reply.header("x-mizan-invalidate"), None);
}

#[tokio::test]
async fn chunked_body_over_the_limit_is_a_413_envelope() {
    // No Content-Length: the limit must hold while the body streams in.
    // Plain blocking sockets, so that the writer and the reader run apart.
    let fx = start().await;
    let addr = fx.base.trim_start_matches("http://").to_owned();
    let text = tokio::task::spawn_blocking(move || {
        use std::io::{Read as _, Write as _};

        let mut read = std::net::TcpStream::connect(&addr).expect("connect to the fixture");
        let mut write = read.try_clone().expect("a second handle on the socket");
        let writer = std::thread::spawn(move || -> std::io::Result<()> {
            write!(
                write,
                "POST {MOUNT}/call/ HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
                 Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            )?;
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..(16 * 1024 * 1024 / chunk.len()) {
                write!(write, "{:x}\r\n", chunk.len())?;
                write.write_all(&chunk)?;
                write.write_all(b"\r\n")?;
            }
            write.write_all(b"0\r\n\r\n")
        });
        let mut response = Vec::new();
        let mut buf = [0u8; 8192];
        // Read until the server closes; a reset after the response is fine.
        while let Ok(n) = read.read(&mut buf) {
            if n == 0 {
                break;
            }
            response.extend_from_slice(&buf[..n]);
        }
        // The server may stop reading before the whole body is written, so
        // the writer's own result does not matter.
        let _ = writer.join().expect("the writer thread does not panic");
        String::from_utf8(response).expect("a UTF-8 response")
    })
    .await
    .expect("the client thread does not panic");
    assert!(text.starts_with("HTTP/1.1 413 "), "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("cache-control: no-store"),
        "{text}"
    );
    assert!(
        text.contains(r#"{"error":{"code":"PAYLOAD_TOO_LARGE","#),
        "{text}"
    );
}

#[tokio::test]
async fn multipart_body_over_the_limit_is_a_413_envelope() {
    let fx = start().await;
    let form = reqwest::multipart::Form::new()
        .text(
            "__mizan",
            json!({"fn": "upload_file", "args": {"label": "big"}}).to_string(),
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(vec![0u8; 16 * 1024 * 1024]).file_name("big.bin"),
        );
    let reply = fx
        .send(
            fx.request(Method::POST, &format!("{MOUNT}/call/"))
                .multipart(form),
        )
        .await;
    reply.expect_error(413, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn wrong_method_is_a_405_envelope() {
    let fx = start().await;
    let reply = fx.get(&format!("{MOUNT}/call/")).await;
    reply.expect_error(405, "METHOD_NOT_ALLOWED");
    assert_eq!(reply.header("allow"), Some("POST"), "{reply:?}");
    fx.send(fx.request(Method::POST, &format!("{MOUNT}/session/")))
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED");
    fx.send(fx.request(Method::DELETE, &format!("{MOUNT}/ctx/user/")))
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED");
    fx.get("/webhooks/stripe/")
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn unknown_path_under_the_mount_is_a_404_envelope_naming_the_endpoints() {
    let fx = start().await;
    let reply = fx.get(&format!("{MOUNT}/ctx/user")).await;
    reply.expect_error(404, "NOT_FOUND");
    assert!(reply.body.contains("trailing slash"), "{reply:?}");
    fx.get(&format!("{MOUNT}/nope/"))
        .await
        .expect_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn wrong_method_message_names_the_full_path() {
    let fx = start().await;
    let reply = fx.get(&format!("{MOUNT}/call/")).await;
    assert!(reply.body.contains(&format!("{MOUNT}/call/")), "{reply:?}");
}

#[tokio::test]
async fn deeply_nested_json_is_an_envelope_not_a_crash() {
    let fx = start().await;
    let deep = "[".repeat(100_000);
    fx.post_raw(deep).await.expect_error(400, "BAD_REQUEST");
    let nested_args = format!(
        r#"{{"fn": "echo", "args": {{"text": {}1{}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    // Valid JSON whose argument is not the declared string: the argument is
    // decoded straight into its type, so this is the argument's error.
    let reply = fx.post_raw(nested_args).await;
    reply.expect_error(422, "VALIDATION_ERROR");
    assert!(reply.body.contains("\"text\""), "{reply:?}");
    let deep_unknown = format!(
        r#"{{"fn": "echo", "args": {{"text": "x", "deep": {}1{}}}}}"#,
        "{\"a\":".repeat(100_000),
        "}".repeat(100_000)
    );
    fx.post_raw(deep_unknown)
        .await
        .expect_error(422, "VALIDATION_ERROR");
    let positional = r#"["echo", {"text": "x"}]"#;
    fx.post_raw(positional)
        .await
        .expect_error(400, "BAD_REQUEST");
    let after = fx.call("echo", json!({"text": "alive"})).await;
    assert_eq!(after.status, StatusCode::OK, "{after:?}");
}

#[tokio::test]
async fn websocket_only_function_over_http_is_refused_with_an_envelope() {
    let fx = start().await;
    fx.call("ws_echo", json!({"text": "hi"}))
        .await
        .expect_error(400, "BAD_REQUEST");
}
