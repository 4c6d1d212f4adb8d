//! `POST /call/` (PROTOCOL.md §1.2): JSON or multipart with `Upload`s.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use mizan_core::invalidation::INVALIDATE_HEADER;
use mizan_core::{MizanError, Server, Transport, Upload};
use serde_json::{Map, Value};

use crate::body;
use crate::response::{error_response, json};

pub(crate) async fn call(State(server): State<Server>, headers: HeaderMap, body: Body) -> Response {
    match run(&server, headers, body).await {
        Ok(resp) => resp,
        Err(err) => error_response(err, server.debug()),
    }
}

async fn run(server: &Server, headers: HeaderMap, body: Body) -> Result<Response, MizanError> {
    let bytes = body::read(&headers, body, server.body_limit()).await?;
    let identity = server.authenticate(&headers).await?;
    server.check_csrf(identity.as_ref(), &headers)?;
    let (name, args, uploads) = match multipart_boundary(&headers) {
        Some(boundary) => parse_multipart(bytes, boundary, server.body_limit()).await?,
        None => {
            let (name, args) = parse_envelope(&bytes)?;
            (name, args, BTreeMap::new())
        }
    };
    let req = server.request(identity, headers, Transport::Http);
    let outcome = server.call(req, &name, args, uploads).await?;
    let mut resp = json(StatusCode::OK, &outcome.to_json());
    if let Some(value) = outcome
        .invalidate_header()
        .and_then(|h| HeaderValue::from_str(&h).ok())
    {
        resp.headers_mut().insert(INVALIDATE_HEADER, value);
    }
    Ok(resp)
}

/// Parses `{"fn": "...", "args": {...}}`.
pub(crate) fn parse_envelope(bytes: &[u8]) -> Result<(String, Map<String, Value>), MizanError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| MizanError::bad_request(format!("Request body is not valid JSON: {e}")))?;
    envelope_fields(value)
}

/// Extracts `fn` and `args` from an already-parsed envelope.
pub(crate) fn envelope_fields(value: Value) -> Result<(String, Map<String, Value>), MizanError> {
    let Value::Object(mut obj) = value else {
        return Err(MizanError::bad_request(
            "Request body must be a JSON object: {\"fn\": \"<name>\", \"args\": {...}}",
        ));
    };
    let name = match obj.remove("fn") {
        Some(Value::String(s)) if !s.is_empty() => s,
        Some(Value::String(_)) | None => {
            return Err(MizanError::bad_request(
                "`fn` is missing: name the function to call",
            ));
        }
        Some(_) => return Err(MizanError::bad_request("`fn` must be a string")),
    };
    let args = match obj.remove("args") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(args)) => args,
        Some(_) => return Err(MizanError::bad_request("`args` must be a JSON object")),
    };
    Ok((name, args))
}

fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return None;
    }
    // A multipart body without a boundary is answered by multer's error below.
    Some(multer::parse_boundary(ct).unwrap_or_default())
}

type Parsed = (String, Map<String, Value>, BTreeMap<String, Upload>);

async fn parse_multipart(
    bytes: Bytes,
    boundary: String,
    limit: usize,
) -> Result<Parsed, MizanError> {
    let bad = |e: multer::Error| MizanError::bad_request(format!("Malformed multipart body: {e}"));
    if boundary.is_empty() {
        return Err(MizanError::bad_request(
            "multipart/form-data needs a boundary parameter",
        ));
    }
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(bytes) });
    let constraints =
        multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(limit as u64));
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut envelope = None;
    let mut uploads = BTreeMap::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let Some(name) = field.name().map(str::to_owned) else {
            return Err(MizanError::bad_request("Every multipart part needs a name"));
        };
        if name == "__mizan" {
            let data = field.bytes().await.map_err(bad)?;
            envelope = Some(parse_envelope(&data)?);
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let content_type = field.content_type().map(ToString::to_string);
        let data = field.bytes().await.map_err(bad)?;
        if uploads
            .insert(
                name.clone(),
                Upload {
                    file_name,
                    content_type,
                    bytes: data,
                },
            )
            .is_some()
        {
            return Err(MizanError::bad_request(format!(
                "File part `{name}` is sent twice"
            )));
        }
    }
    let (name, args) = envelope.ok_or_else(|| {
        MizanError::bad_request("Multipart body has no `__mizan` part with {\"fn\", \"args\"}")
    })?;
    Ok((name, args, uploads))
}
