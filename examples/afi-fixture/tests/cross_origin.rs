//! Cross-origin protection over HTTP and the socket's upgrade
//! (../shared/spec/PROTOCOL.md §2, §1.4 `UNSUPPORTED_MEDIA_TYPE`): a plain
//! cross-site form post never reaches a function, whatever ambient
//! credential the app relies on.

mod common;
mod socket_support;

use afi_fixture::{SESSION_COOKIE, Settings, Store};
use common::{CSRF_COOKIE, CSRF_HEADER, Fixture, MOUNT, start, token_for};
use mizan::Server;
use reqwest::Method;
use serde_json::json;
use socket_support::{connect, ws_url};

/// An `echo` call with these headers and this body.
async fn call(
    fx: &Fixture,
    headers: &[(&str, &str)],
    content_type: Option<&str>,
    body: &str,
) -> common::Reply {
    let mut req = fx.request(Method::POST, &format!("{MOUNT}/call/"));
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    fx.send(req.body(body.to_owned())).await
}

const ECHO: &str = r#"{"fn": "echo", "args": {"text": "hi"}}"#;

fn own_origin(fx: &Fixture) -> String {
    fx.base.clone()
}

#[tokio::test]
async fn a_call_body_must_be_json_or_multipart() {
    let fx = start().await;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let reply = call(&fx, &[], content_type, ECHO).await;
        let error = reply.expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
        assert!(
            error["message"]
                .as_str()
                .unwrap_or_default()
                .contains("application/json"),
            "{error}"
        );
    }
    let reply = call(&fx, &[], Some("application/json; charset=utf-8"), ECHO).await;
    assert_eq!(reply.result()["message"], "echo: hi");
}

#[tokio::test]
async fn a_same_origin_cookie_session_call_passes() {
    let fx = start().await;
    let csrf = fx.csrf_token().await;
    let cookie = format!("{SESSION_COOKIE}=1; {CSRF_COOKIE}={csrf}");
    let origin = own_origin(&fx);
    let reply = fx
        .send(
            fx.request(Method::POST, &format!("{MOUNT}/call/"))
                .header("content-type", "application/json")
                .header("cookie", cookie)
                .header(CSRF_HEADER, csrf)
                .header("origin", origin)
                .header("sec-fetch-site", "same-origin")
                .body(r#"{"fn": "whoami"}"#),
        )
        .await;
    assert_eq!(reply.result()["email"], "alice@example.com");
}

#[tokio::test]
async fn a_cross_site_call_is_refused_even_anonymous() {
    let fx = start().await;
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "same-site"),
        ],
    ] {
        let reply = call(&fx, &headers, Some("application/json"), ECHO).await;
        let error = reply.expect_error(403, "FORBIDDEN");
        assert!(
            error["message"]
                .as_str()
                .unwrap_or_default()
                .contains("Cross-origin"),
            "{headers:?}: {error}"
        );
    }
    // Reads are not protected this way (CORS keeps their answers from
    // foreign pages): a fetch with a foreign Origin is served.
    let read = fx
        .send(
            fx.request(Method::GET, &format!("{MOUNT}/ctx/user/?user_id=1"))
                .header("origin", "https://evil.example"),
        )
        .await;
    assert_eq!(read.status.as_u16(), 200);
}

#[tokio::test]
async fn a_token_identity_may_call_from_anywhere() {
    let fx = start().await;
    let token = token_for(1);
    let reply = call(
        &fx,
        &[
            ("origin", "https://other-app.example"),
            ("sec-fetch-site", "cross-site"),
            ("x-mizan-token", &token),
        ],
        Some("application/json"),
        r#"{"fn": "whoami"}"#,
    )
    .await;
    assert_eq!(reply.result()["email"], "alice@example.com");
}

#[tokio::test]
async fn a_trusted_origin_and_a_proxy_s_forwarded_host_count_as_the_server_s_own() {
    let server = Server::builder()
        .registry(afi_fixture::registry().expect("the registry"))
        .state(Store::default())
        .mwt(Settings::default().mwt())
        .trusted_origin("https://app.example")
        .build()
        .expect("the server builds");
    let fx = common::serve(mizan::axum::routes(server)).await;
    let reply = call(
        &fx,
        &[("origin", "https://app.example")],
        Some("application/json"),
        ECHO,
    )
    .await;
    assert_eq!(reply.result()["message"], "echo: hi");
    let reply = call(
        &fx,
        &[
            ("origin", "https://shop.example"),
            ("x-forwarded-host", "shop.example"),
        ],
        Some("application/json"),
        ECHO,
    )
    .await;
    assert_eq!(reply.result()["message"], "echo: hi");
    call(
        &fx,
        &[("origin", "https://evil.example")],
        Some("application/json"),
        ECHO,
    )
    .await
    .expect_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn the_protection_can_be_turned_off_for_a_gateway_that_does_it() {
    let server = Server::builder()
        .registry(afi_fixture::registry().expect("the registry"))
        .state(Store::default())
        .cross_origin_protection(false)
        .build()
        .expect("the server builds");
    let fx = common::serve(mizan::axum::routes(server)).await;
    let reply = call(
        &fx,
        &[("origin", "https://evil.example")],
        Some("application/json"),
        ECHO,
    )
    .await;
    assert_eq!(reply.result()["message"], "echo: hi");
}

#[tokio::test]
async fn a_view_post_from_another_site_is_refused_but_a_server_to_server_post_passes() {
    let fx = start().await;
    // A webhook: servers send no Origin.
    let reply = fx
        .send(fx.request(Method::POST, "/webhooks/stripe/").body("{}"))
        .await;
    assert_eq!(reply.status.as_u16(), 204);
    let reply = fx
        .send(
            fx.request(Method::POST, "/webhooks/stripe/")
                .header("origin", "https://evil.example")
                .body("{}"),
        )
        .await;
    reply.expect_error(403, "FORBIDDEN");
}

#[tokio::test]
async fn a_socket_upgrade_from_a_foreign_origin_is_refused() {
    let fx = start().await;
    let url = ws_url(&fx.base, "");
    let host = fx.base.trim_start_matches("http://").to_owned();
    assert_eq!(
        connect(&url, &[("origin", "https://evil.example")])
            .await
            .err(),
        Some(403)
    );
    let cookie = format!("{SESSION_COOKIE}=1");
    assert_eq!(
        connect(
            &url,
            &[("origin", "https://evil.example"), ("cookie", &cookie)]
        )
        .await
        .err(),
        Some(403)
    );
    // The server's own page, and a token from anywhere, connect.
    let own = format!("http://{host}");
    assert!(
        connect(&url, &[("origin", &own), ("cookie", &cookie)])
            .await
            .is_ok()
    );
    let token = token_for(1);
    let with_token = ws_url(&fx.base, &format!("?token={token}"));
    let mut ws = connect(&with_token, &[("origin", "https://evil.example")])
        .await
        .expect("a token connects from anywhere");
    let reply = ws.ask(json!({"action": "call", "fn": "whoami"})).await;
    assert_eq!(reply["result"]["email"], "alice@example.com");
}
