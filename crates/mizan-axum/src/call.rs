//! `POST /call/` (PROTOCOL.md §1.2): JSON or multipart with `Upload`s.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use mizan_core::args::{CallArgs, RawArgs};
use mizan_core::invalidation::INVALIDATE_HEADER;
use mizan_core::{MizanError, Server, Transport, Upload};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::error::Category;
use serde_json::value::RawValue;

use crate::body;
use crate::response::{error_response, json_text};

pub(crate) async fn call(State(server): State<Server>, request: Request) -> Response {
    // Taking the request whole moves its headers; the `HeaderMap` extractor
    // would clone them.
    let (parts, body) = request.into_parts();
    match run(&server, parts.headers, body).await {
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
    let mut resp = json_text(StatusCode::OK, outcome.to_text());
    if let Some(value) = outcome
        .invalidate_header()
        .and_then(|h| HeaderValue::from_str(&h).ok())
    {
        resp.headers_mut().insert(INVALIDATE_HEADER, value);
    }
    Ok(resp)
}

/// The call envelope, borrowed from the body: `args` stays raw text so that
/// each argument is decoded straight into its declared type.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "fn", borrow, default)]
    name: Option<&'a RawValue>,
    #[serde(default)]
    args: Option<RawArgs>,
}

/// Parses `{"fn": "...", "args": {...}}`.
pub(crate) fn parse_envelope(bytes: &[u8]) -> Result<(String, CallArgs), MizanError> {
    // serde would also accept a positional array for a struct; the protocol
    // wants an object.
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(match serde_json::from_slice::<IgnoredAny>(bytes) {
            Ok(_) => not_an_object(),
            Err(e) => MizanError::bad_request(format!("Request body is not valid JSON: {e}")),
        });
    }
    let envelope: Envelope<'_> = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        Category::Data => not_an_object(),
        _ => MizanError::bad_request(format!("Request body is not valid JSON: {e}")),
    })?;
    let name = match envelope
        .name
        .map(|raw| serde_json::from_str::<Option<String>>(raw.get()))
    {
        Some(Ok(Some(name))) if !name.is_empty() => name,
        None | Some(Ok(_)) => {
            return Err(MizanError::bad_request(
                "`fn` is missing: name the function to call",
            ));
        }
        Some(Err(_)) => return Err(MizanError::bad_request("`fn` must be a string")),
    };
    let args = match envelope.args {
        Some(RawArgs::Object(args)) => args,
        None => CallArgs::default(),
        Some(RawArgs::NotAnObject) => {
            return Err(MizanError::bad_request("`args` must be a JSON object"));
        }
    };
    Ok((name, args))
}

fn not_an_object() -> MizanError {
    MizanError::bad_request(
        "Request body must be a JSON object: {\"fn\": \"<name>\", \"args\": {...}}",
    )
}

fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    const MULTIPART: &str = "multipart/form-data";
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if !ct.get(..MULTIPART.len())?.eq_ignore_ascii_case(MULTIPART) {
        return None;
    }
    // A multipart body without a boundary is answered by multer's error below.
    Some(multer::parse_boundary(ct).unwrap_or_default())
}

type Parsed = (String, CallArgs, BTreeMap<String, Upload>);

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
