//! The adapter's routers are ordinary axum routers: nest the API anywhere,
//! next to other routes, under the app's own layers.

mod common;

use afi_fixture::Settings;
use common::{Caller, serve};
use mizan::axum::Router;
use mizan::axum::axum::extract::Request;
use mizan::axum::axum::http::HeaderValue;
use mizan::axum::axum::middleware::{Next, from_fn};
use mizan::axum::axum::response::Response;
use mizan::axum::axum::routing::get;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// The app's own middleware: stamps every response.
async fn stamp(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    resp.headers_mut()
        .insert("x-app", HeaderValue::from_static("composed"));
    resp
}

async fn composed() -> common::Fixture {
    let server = afi_fixture::server(&Settings::default()).expect("the fixture server builds");
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .nest("/v2/rpc", mizan::axum::api_router::<()>(server.clone()))
        .merge(mizan::axum::view_router::<()>(server))
        .layer(from_fn(stamp));
    serve(app).await
}

#[tokio::test]
async fn api_router_nests_under_any_prefix_next_to_other_routes() {
    let fx = composed().await;
    let call = fx
        .send(
            fx.request(Method::POST, "/v2/rpc/call/")
                .json(&json!({"fn": "echo", "args": {"text": "nested"}})),
        )
        .await;
    assert_eq!(
        call.body,
        r#"{"invalidate":[],"result":{"message":"echo: nested"}}"#
    );
    let ctx = fx.get("/v2/rpc/ctx/user/?user_id=2&limit=1").await;
    assert_eq!(
        ctx.json(),
        json!({"user_orders": [{"id": 201, "total": 1.5}], "user_profile": {"name": "bob", "user_id": 2}})
    );
    let session = fx.get("/v2/rpc/session/").await;
    assert_eq!(session.status, StatusCode::OK, "{session:?}");
    // View-path routes keep their own paths and still invalidate.
    let page = fx.get("/profile/2/").await;
    assert!(page.body.contains("<h1>bob</h1>"), "{page:?}");
    let hook = fx.send(fx.request(Method::POST, "/webhooks/stripe/")).await;
    assert_eq!(hook.status, StatusCode::NO_CONTENT, "{hook:?}");
    assert_eq!(hook.header("x-mizan-invalidate"), Some("items"));
    let health = fx.get("/health").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
    // Only what was nested is served.
    let unmounted = fx.get("/api/mizan/session/").await;
    assert_eq!(unmounted.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn app_layers_wrap_mizan_responses_and_errors_alike() {
    let fx = composed().await;
    let replies = [
        fx.get("/health").await,
        fx.send(
            fx.request(Method::POST, "/v2/rpc/call/")
                .json(&json!({"fn": "add", "args": {"a": 1, "b": 2}})),
        )
        .await,
        fx.send(
            Caller::Token("forged".into()).apply(
                fx.request(Method::POST, "/v2/rpc/call/")
                    .json(&json!({"fn": "whoami"})),
            ),
        )
        .await,
        fx.get("/v2/rpc/ctx/nope/").await,
        fx.get("/profile/1/").await,
    ];
    for reply in &replies {
        assert_eq!(reply.header("x-app"), Some("composed"), "{reply:?}");
    }
    replies[2].expect_error(401, "UNAUTHORIZED");
    replies[3].expect_error(404, "NOT_FOUND");
}
