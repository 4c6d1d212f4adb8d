//! `GET /ctx/<name>/` (PROTOCOL.md §1.3), with `X-Mizan-Cache` when the
//! origin cache is on.

use std::collections::BTreeMap;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use mizan_core::cache::CACHE_HEADER;
use mizan_core::{ContextParams, MizanError, Server, Transport};

use crate::response::{error_response, json_text};

pub(crate) async fn context(
    State(server): State<Server>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    // Moved, not cloned as the `Uri` and `HeaderMap` extractors would.
    let (parts, _) = request.into_parts();
    match run(&server, &name, &parts.uri, parts.headers).await {
        Ok(resp) => resp,
        Err(err) => error_response(err, server.debug()),
    }
}

async fn run(
    server: &Server,
    name: &str,
    uri: &Uri,
    headers: HeaderMap,
) -> Result<Response, MizanError> {
    let identity = server.authenticate(&headers).await?;
    let query = query_pairs(uri);
    let req = server.request(identity, headers, Transport::Http);
    let fetched = server
        .fetch_context_cached(req, name, ContextParams::Query(query))
        .await?;
    let mut resp = json_text(StatusCode::OK, fetched.bundle.into_string());
    if let Some(status) = fetched.cache {
        resp.headers_mut()
            .insert(CACHE_HEADER, HeaderValue::from_static(status.as_str()));
    }
    Ok(resp)
}

/// The query string as a map (the last value of a repeated key wins).
pub(crate) fn query_pairs(uri: &Uri) -> BTreeMap<String, String> {
    uri.query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}
