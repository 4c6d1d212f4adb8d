//! `GET /session/`: the CSRF token for cookie-session clients (PROTOCOL.md §1.1).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use mizan_core::Server;
use mizan_core::csrf::{cookie_value, new_token};
use serde_json::json;

use crate::response::json;

pub(crate) async fn session(State(server): State<Server>, headers: HeaderMap) -> Response {
    let Some(csrf) = server.csrf() else {
        return json(StatusCode::OK, &json!({ "csrfToken": null }));
    };
    // Keep a well-formed existing token so that several tabs agree.
    let existing = cookie_value(&headers, &csrf.cookie)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned);
    let token = existing.clone().unwrap_or_else(new_token);
    let mut resp = json(StatusCode::OK, &json!({ "csrfToken": token }));
    if existing.is_none() {
        let secure = if csrf.secure { "; Secure" } else { "" };
        let cookie = format!(
            "{}={token}; Path=/; SameSite=Lax; HttpOnly{secure}",
            csrf.cookie
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    resp
}
