//! Response building: canonical JSON bodies, `Cache-Control: no-store`, the
//! error envelope.

use axum::body::Body;
use axum::extract::OriginalUri;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mizan_core::MizanError;
use mizan_core::canonical::canonical_json;
use serde_json::Value;

pub(crate) const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// A JSON response with sorted keys and `Cache-Control: no-store`.
pub(crate) fn json(status: StatusCode, body: &Value) -> Response {
    json_text(status, canonical_json(body))
}

/// A response whose body is canonical JSON text already.
pub(crate) fn json_text(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut resp = Response::new(body.into());
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, NO_STORE);
    resp
}

/// The error envelope for `err` (internal messages redacted unless `debug`).
pub fn error_response(err: MizanError, debug: bool) -> Response {
    let err = err.redacted(debug);
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json(status, &err.to_envelope())
}

pub(crate) async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    let err = MizanError::new(
        mizan_core::ErrorCode::MethodNotAllowed,
        format!("{method} is not allowed on {}", uri.path()),
    );
    error_response(err, false).into_response()
}

/// Any other path under the mount point: a `404` envelope that names the
/// endpoints that exist (a missing trailing slash is the usual mistake).
pub(crate) async fn unknown_endpoint(OriginalUri(uri): OriginalUri) -> Response {
    let err = MizanError::not_found(format!(
        "No Mizan endpoint at {}; the endpoints are session/, call/ and ctx/<name>/ (with the trailing slash)",
        uri.path()
    ));
    error_response(err, false)
}
