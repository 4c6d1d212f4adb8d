//! The call envelope (../shared/spec/PROTOCOL.md §1.2): `{"fn": "<name>",
//! "args": {...}}` as JSON, or as the `__mizan` part of a multipart body
//! whose other parts are the `Upload` arguments.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::HeaderMap;
use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::error::Category;

use serde_json::Value;

use crate::args::{CallArgs, RawArgs};
use crate::error::MizanError;
use crate::invalidation::{HeaderTarget, parse_entry};
use crate::request::Upload;

/// The name of the multipart part that carries `{"fn", "args"}`.
pub const ENVELOPE_PART: &str = "__mizan";

/// One call, decoded: which function, with which arguments and files, and
/// which instances to send back refreshed with the result.
#[derive(Debug, Clone, Default)]
pub struct CallEnvelope {
    /// The function's wire name.
    pub function: String,
    /// The arguments as sent (each decoded later into its declared type).
    pub args: CallArgs,
    /// Files, by argument name.
    pub uploads: BTreeMap<String, Upload>,
    /// Single-flight refresh (../shared/spec/PROTOCOL.md §3.5): the
    /// instances the caller shows, as instance keys, read and checked.
    pub refresh: Vec<RefreshKey>,
}

/// One entry of a call's `refresh` list: an instance key as sent and what it
/// names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshKey {
    /// The key as sent (the `refreshed` object is keyed by it).
    pub key: String,
    /// The instance it names: context and canonical params.
    pub instance: HeaderTarget,
}

/// Instance keys read from a `refresh` list; the rest are ignored
/// (../shared/spec/PROTOCOL.md §3.5).
pub const REFRESH_LIMIT: usize = 16;

/// Reads a call's `refresh` list: up to [`REFRESH_LIMIT`] instance keys in
/// the header's entry form. Anything else is a `BAD_REQUEST`.
pub(crate) fn refresh_keys(value: Option<Value>) -> Result<Vec<RefreshKey>, MizanError> {
    let list = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(MizanError::bad_request(
                "`refresh` must be a list of instance keys such as \"board;board_id=1\"",
            ));
        }
    };
    list.into_iter()
        .take(REFRESH_LIMIT)
        .map(|item| {
            let Value::String(key) = item else {
                return Err(MizanError::bad_request(
                    "`refresh` must be a list of instance keys (strings)",
                ));
            };
            let instance = parse_entry(&key).map_err(|err| {
                MizanError::bad_request(format!(
                    "`refresh` has a malformed instance key `{key}`: {err}"
                ))
                .with_source(err)
            })?;
            Ok(RefreshKey { key, instance })
        })
        .collect()
}

impl CallEnvelope {
    /// A call of `function` with these arguments and no files.
    pub fn new(function: impl Into<String>, args: impl Into<CallArgs>) -> Self {
        Self {
            function: function.into(),
            args: args.into(),
            uploads: BTreeMap::new(),
            refresh: Vec::new(),
        }
    }

    /// Decodes a call body: multipart when `headers` say
    /// `multipart/form-data`, JSON otherwise.
    pub(crate) async fn from_body(
        headers: &HeaderMap,
        body: Bytes,
        limit: usize,
    ) -> Result<Self, MizanError> {
        match multipart_boundary(headers) {
            // Boxed: multer's future is large, and every call's future
            // would otherwise carry its size.
            Some(boundary) => Box::pin(parse_multipart(body, boundary, limit)).await,
            None => Self::from_json(&body),
        }
    }

    /// Decodes `{"fn": "...", "args": {...}}`. `args` stays raw text, so
    /// that each argument is decoded straight into its declared type.
    ///
    /// ```
    /// use mizan_core::server::CallEnvelope;
    /// let call = CallEnvelope::from_json(br#"{"fn": "add", "args": {"a": 1, "b": 2}}"#)?;
    /// assert_eq!((call.function.as_str(), call.args.len()), ("add", 2));
    ///
    /// let err = CallEnvelope::from_json(br#"{"args": {}}"#).expect_err("no fn");
    /// assert_eq!(err.status(), 400);
    /// # Ok::<(), mizan_core::MizanError>(())
    /// ```
    pub fn from_json(bytes: &[u8]) -> Result<Self, MizanError> {
        // serde would also accept a positional array for a struct; the
        // protocol wants an object.
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return Err(match serde_json::from_slice::<IgnoredAny>(bytes) {
                Ok(_) => not_an_object(),
                Err(e) => not_json(e),
            });
        }
        let envelope: Wire = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
            Category::Data => not_an_object(),
            _ => not_json(e),
        })?;
        let function = match envelope.name {
            FnField::Name(name) if !name.is_empty() => name,
            FnField::Name(_) | FnField::Missing => {
                return Err(MizanError::bad_request(
                    "`fn` is missing: name the function to call",
                ));
            }
            FnField::NotAString => return Err(MizanError::bad_request("`fn` must be a string")),
        };
        let args = match envelope.args {
            Some(RawArgs::Object(args)) => args,
            None => CallArgs::default(),
            Some(RawArgs::NotAnObject) => {
                return Err(MizanError::bad_request("`args` must be a JSON object"));
            }
        };
        Ok(Self {
            function,
            args,
            uploads: BTreeMap::new(),
            refresh: refresh_keys(envelope.refresh)?,
        })
    }
}

/// The envelope as it is on the wire, read in one pass.
#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "fn", default)]
    name: FnField,
    #[serde(default)]
    args: Option<RawArgs>,
    #[serde(default)]
    refresh: Option<Value>,
}

/// `fn` as sent: a name, absent (or `null`), or some other JSON value.
#[derive(Default)]
enum FnField {
    Name(String),
    #[default]
    Missing,
    NotAString,
}

impl<'de> Deserialize<'de> for FnField {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FnFieldVisitor)
    }
}

struct FnFieldVisitor;

impl<'de> Visitor<'de> for FnFieldVisitor {
    type Value = FnField;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a function name")
    }
    fn visit_str<E>(self, name: &str) -> Result<FnField, E> {
        Ok(FnField::Name(name.to_owned()))
    }
    fn visit_string<E>(self, name: String) -> Result<FnField, E> {
        Ok(FnField::Name(name))
    }
    fn visit_unit<E>(self) -> Result<FnField, E> {
        Ok(FnField::Missing)
    }
    fn visit_none<E>(self) -> Result<FnField, E> {
        Ok(FnField::Missing)
    }
    fn visit_bool<E>(self, _: bool) -> Result<FnField, E> {
        Ok(FnField::NotAString)
    }
    fn visit_i64<E>(self, _: i64) -> Result<FnField, E> {
        Ok(FnField::NotAString)
    }
    fn visit_u64<E>(self, _: u64) -> Result<FnField, E> {
        Ok(FnField::NotAString)
    }
    fn visit_f64<E>(self, _: f64) -> Result<FnField, E> {
        Ok(FnField::NotAString)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FnField, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(FnField::NotAString)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FnField, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(FnField::NotAString)
    }
}

fn not_an_object() -> MizanError {
    MizanError::bad_request(
        "Request body must be a JSON object: {\"fn\": \"<name>\", \"args\": {...}}",
    )
}

fn not_json(err: serde_json::Error) -> MizanError {
    MizanError::bad_request(format!("Request body is not valid JSON: {err}"))
}

fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    const MULTIPART: &str = "multipart/form-data";
    let ct = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    if !ct.get(..MULTIPART.len())?.eq_ignore_ascii_case(MULTIPART) {
        return None;
    }
    // A multipart body without a boundary is answered below.
    Some(multer::parse_boundary(ct).unwrap_or_default())
}

async fn parse_multipart(
    bytes: Bytes,
    boundary: String,
    limit: usize,
) -> Result<CallEnvelope, MizanError> {
    let bad = |e: multer::Error| {
        MizanError::bad_request(format!("Malformed multipart body: {e}")).with_source(e)
    };
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
        if name == ENVELOPE_PART {
            let data = field.bytes().await.map_err(bad)?;
            envelope = Some(CallEnvelope::from_json(&data)?);
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let content_type = field.content_type().map(ToString::to_string);
        let data = field.bytes().await.map_err(bad)?;
        let upload = Upload {
            file_name,
            content_type,
            bytes: data,
        };
        if uploads.insert(name.clone(), upload).is_some() {
            return Err(MizanError::bad_request(format!(
                "File part `{name}` is sent twice"
            )));
        }
    }
    let mut envelope = envelope.ok_or_else(|| {
        MizanError::bad_request("Multipart body has no `__mizan` part with {\"fn\", \"args\"}")
    })?;
    envelope.uploads = uploads;
    Ok(envelope)
}
