//! What the core answers: one [`Outcome`] per request, which a transport
//! writes out as it is (HTTP: [`Server::serve_http`](super::Server::serve_http);
//! the socket and IPC carry the same payloads).

use bytes::Bytes;
use serde_json::Value;

use crate::cache::CacheStatus;
use crate::canonical::{write_canonical_json, write_json_string};
use crate::error::MizanError;
use crate::invalidation::{Target, format_header};
use crate::json::JsonText;
use crate::request::ViewResponse;

/// The answer to one request that entered the core.
#[derive(Debug)]
pub enum Outcome {
    /// `/session/`: the CSRF token (and the cookie to set).
    Session(SessionGrant),
    /// A successful call.
    Called(CallOutcome),
    /// A fetched context bundle.
    Fetched(ContextFetch),
    /// A view-path function's raw response (boxed: views are rare, and every
    /// outcome would otherwise be as large).
    Viewed(Box<ViewOutcome>),
    /// A subscribe, unsubscribe, join, send or leave was done.
    Acknowledged,
    /// Any failure, rendered through the error envelope.
    Failed(MizanError),
}

impl From<Result<Outcome, MizanError>> for Outcome {
    fn from(result: Result<Outcome, MizanError>) -> Self {
        result.unwrap_or_else(Outcome::Failed)
    }
}

/// The result of a successful call (`POST /call/`, a socket or IPC `call`).
#[derive(Debug, Clone, PartialEq)]
pub struct CallOutcome {
    /// The function's output, as canonical JSON.
    pub result: JsonText,
    /// Invalidation targets, in declaration order.
    pub invalidate: Vec<Target>,
    /// Merge entries.
    pub merge: Vec<Value>,
    /// Single-flight refresh: each listed instance a target hit, by its key
    /// as sent, with its bundle or the error fetching it failed with
    /// (already as a client may see it: internal errors redacted).
    pub refreshed: Vec<(String, Result<JsonText, MizanError>)>,
}

impl CallOutcome {
    /// The payload `{"invalidate": [...], "merge"?: [...], "refreshed"?:
    /// {...}, "result": ...}`
    /// as canonical JSON text, written without building a tree around the
    /// result.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.result.as_str().len() + 64);
        out.push_str("{\"invalidate\":[");
        for (i, target) in self.invalidate.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_canonical_json(&target.to_json(), &mut out);
        }
        out.push(']');
        if !self.merge.is_empty() {
            out.push_str(",\"merge\":");
            write_canonical_json(&Value::Array(self.merge.clone()), &mut out);
        }
        if !self.refreshed.is_empty() {
            out.push_str(",\"refreshed\":{");
            let mut entries: Vec<_> = self.refreshed.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (i, (key, bundle)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, &mut out);
                out.push(':');
                match bundle {
                    Ok(bundle) => out.push_str(bundle.as_str()),
                    Err(error) => {
                        out.push_str("{\"error\":");
                        write_canonical_json(&error.to_inner_json(), &mut out);
                        out.push('}');
                    }
                }
            }
            out.push('}');
        }
        out.push_str(",\"result\":");
        out.push_str(self.result.as_str());
        out.push('}');
        out
    }

    /// The `X-Mizan-Invalidate` value, when there is anything to invalidate.
    pub fn invalidate_header(&self) -> Option<String> {
        (!self.invalidate.is_empty()).then(|| format_header(&self.invalidate))
    }
}

/// A fetched context bundle and what the origin cache did for it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextFetch {
    /// The bundle object, one key per member function
    /// (../shared/spec/PROTOCOL.md §1.3), as canonical JSON.
    pub bundle: JsonText,
    /// `HIT`, `MISS` or `BYPASS`; `None` when the server has no origin cache.
    pub cache: Option<CacheStatus>,
}

/// A view-path function's response and what it invalidated.
#[derive(Debug, Clone)]
pub struct ViewOutcome {
    /// The response the function returned.
    pub response: ViewResponse,
    /// Its invalidation targets (the response carries them as a header).
    pub invalidate: Vec<Target>,
}

/// The answer of `/session/` (../shared/spec/PROTOCOL.md §1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionGrant {
    /// The CSRF token, or `None` when the app uses token auth only.
    pub csrf_token: Option<String>,
    /// A `Set-Cookie` value, when the client has no valid CSRF cookie yet.
    pub set_cookie: Option<String>,
}

impl SessionGrant {
    /// `{"csrfToken": "<token>"}` or `{"csrfToken": null}`.
    pub fn to_text(&self) -> String {
        let mut out = String::from("{\"csrfToken\":");
        match &self.csrf_token {
            Some(token) => write_json_string(token, &mut out),
            None => out.push_str("null"),
        }
        out.push('}');
        out
    }
}

/// The error envelope's text for a client: internal errors are logged with
/// their cause, then redacted unless `debug`.
pub(crate) fn error_body(err: MizanError, debug: bool) -> (u16, Bytes) {
    let err = err.redacted(debug);
    let text = JsonText::from_value(&err.to_envelope()).into_string();
    (err.status(), Bytes::from(text))
}
