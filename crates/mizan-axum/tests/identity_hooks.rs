//! Identity over real HTTP with the hooks the fixture does not use
//! (../shared/spec/PROTOCOL.md §2, ../shared/spec/MWT.md): a Bearer verifier, MWT key rotation and leeway,
//! and app state reaching a function.
#![allow(missing_docs, unreachable_pub)]

use std::time::Duration;

use mizan::clock::unix_now;
use mizan::mwt::{MwtConfig, MwtKey, MwtSubject};
use mizan::prelude::*;
use mizan::{Identity, Registry, Server};
use serde_json::{Value, json};

/// The app's greeting, from its state.
pub struct Greeting(pub String);

#[derive(Serialize, Deserialize, Mizan)]
pub struct Whoami {
    pub id: String,
    pub greeting: String,
}

#[mizan::client(auth)]
pub async fn whoami(req: &Request) -> Result<Whoami, MizanError> {
    let id = req.require_identity()?.id().to_owned();
    let greeting = req.state::<Greeting>()?.0.clone();
    Ok(Whoami { id, greeting })
}

fn mwt() -> MwtConfig {
    // `new` is the primary (signs); `old` still verifies during rotation.
    MwtConfig::new(MwtKey::new(
        "new",
        b"new-secret-0123456789abcdef0123".to_vec(),
    ))
    .with_key(MwtKey::new(
        "old",
        b"old-secret-0123456789abcdef0123".to_vec(),
    ))
    .with_leeway(Duration::from_secs(30))
}

async fn start() -> String {
    let registry = Registry::builder()
        .function::<whoami>()
        .build()
        .expect("registry");
    let server = Server::builder()
        .registry(registry)
        .state(Greeting("hello".into()))
        .mwt(mwt())
        .bearer(|token: String| async move {
            if token == "good-token" {
                Ok(Identity::new("bearer-user"))
            } else {
                Err(MizanError::unauthorized("unknown bearer token"))
            }
        })
        .session_resolver(|_| std::future::ready(Some(Identity::new("session-user"))))
        .build()
        .expect("server");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(mizan::axum::serve(listener, server));
    format!("http://{addr}/api/mizan/call/")
}

async fn call(url: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(url)
        .json(&json!({"fn": "whoami"}));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json body"))
}

fn token_by(kid: &str, secret: &[u8], issued: u64) -> String {
    MwtConfig::new(MwtKey::new(kid, secret.to_vec())).mint(&MwtSubject::new("7"), issued)
}

#[tokio::test]
async fn a_valid_bearer_token_is_the_caller_and_reaches_app_state() {
    let url = start().await;
    let (status, body) = call(&url, &[("authorization", "Bearer good-token")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["result"],
        json!({"greeting": "hello", "id": "bearer-user"})
    );
}

#[tokio::test]
async fn an_invalid_bearer_token_is_401_without_falling_back_to_the_session() {
    let url = start().await;
    let (status, body) = call(&url, &[("authorization", "Bearer forged")]).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!("UNAUTHORIZED")),
        "{body}"
    );
}

#[tokio::test]
async fn a_token_signed_with_a_rotated_out_key_still_verifies() {
    let url = start().await;
    let old = token_by("old", b"old-secret-0123456789abcdef0123", unix_now());
    let (status, body) = call(&url, &[("x-mizan-token", &old)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["id"], json!("7"));
}

#[tokio::test]
async fn a_token_naming_an_unknown_key_is_401() {
    let url = start().await;
    let stray = token_by("other", b"old-secret-0123456789abcdef0123", unix_now());
    let (status, _) = call(&url, &[("x-mizan-token", &stray)]).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn expiry_is_checked_with_the_configured_leeway() {
    let url = start().await;
    let ttl = mwt().ttl().as_secs();
    // Expired 10 s ago: inside the 30 s leeway.
    let recent = mwt().mint(&MwtSubject::new("7"), unix_now() - ttl - 10);
    assert_eq!(call(&url, &[("x-mizan-token", &recent)]).await.0, 200);
    // Expired 60 s ago: outside it.
    let stale = mwt().mint(&MwtSubject::new("7"), unix_now() - ttl - 60);
    assert_eq!(call(&url, &[("x-mizan-token", &stale)]).await.0, 401);
}

#[tokio::test]
async fn mwt_wins_over_bearer_and_session() {
    let url = start().await;
    let token = mwt().mint(&MwtSubject::new("7"), unix_now());
    let (status, body) = call(
        &url,
        &[
            ("x-mizan-token", &token),
            ("authorization", "Bearer good-token"),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["result"]["id"]),
        (200, &json!("7")),
        "{body}"
    );
}
