//! `GET /ctx/<name>/` (PROTOCOL.md §1.3).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use mizan_core::{ContextParams, MizanError, Server, Transport};
use serde_json::Value;

use crate::response::{error_response, json};

pub(crate) async fn context(
    State(server): State<Server>,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match run(&server, &name, &uri, headers).await {
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
    let bundle = server
        .fetch_context(req, name, ContextParams::Query(query))
        .await?;
    Ok(json(StatusCode::OK, &Value::Object(bundle)))
}

/// The query string as a map (the last value of a repeated key wins).
pub(crate) fn query_pairs(uri: &Uri) -> BTreeMap<String, String> {
    uri.query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}
