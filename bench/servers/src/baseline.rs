//! The practical floor: an idiomatic axum handler doing the JSON work of
//! `POST /api/mizan/call/` for `echo` — parse `{"fn","args"}`, answer the same
//! bytes and headers as Mizan — with nothing else (no registry, no identity,
//! no invalidation).

use axum::Json;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Call {
    #[serde(rename = "fn")]
    function: String,
    args: EchoArgs,
}

#[derive(Deserialize)]
struct EchoArgs {
    text: String,
}

/// Field order is the byte order Mizan's canonical JSON writes.
#[derive(Serialize)]
struct Reply {
    invalidate: [(); 0],
    result: EchoOutput,
}

#[derive(Serialize)]
struct EchoOutput {
    message: String,
}

pub(crate) fn router() -> Router {
    Router::new().route("/api/mizan/call/", post(call))
}

async fn call(Json(call): Json<Call>) -> Response {
    if call.function != "echo" {
        return StatusCode::NOT_FOUND.into_response();
    }
    let reply = Reply {
        invalidate: [],
        result: EchoOutput {
            message: format!("echo: {}", call.args.text),
        },
    };
    ([(header::CACHE_CONTROL, "no-store")], Json(reply)).into_response()
}
