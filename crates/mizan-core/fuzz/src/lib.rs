//! The fuzz targets of the core: every parser that input reaches, driven
//! through the same entry a transport uses where there is one. Each target
//! must return — never panic, never hang — and checks what must hold for
//! every input (the envelope's shape, round trips). The libFuzzer harnesses
//! in `fuzz_targets/` call these; `tests/fuzz_corpus.rs` replays the
//! corpora through them in ordinary `cargo test`.

// Included as a module by the corpus replay test, where these are not
// reachable from outside.
#![allow(unreachable_pub)]

use std::sync::OnceLock;

use bytes::Bytes;
use http_body_util::Full;
use mizan_core::canonical::{canonical_json, to_canonical_string};
use mizan_core::function::{ParamDef, Signature};
use mizan_core::invalidation::{Target, format_header, parse_entry, parse_header};
use mizan_core::mwt::{MwtConfig, MwtKey, MwtSubject};
use mizan_core::server::frame::{ClientFrame, call_reply, error_reply, fetch_reply};
use mizan_core::server::{Exchange, HttpEndpoint, Operation, Outcome};
use mizan_core::{Handler, JsonText, Registry, Server, Shape, TargetRef, Upload};
use serde_json::{Value, json};

fn param(name: &str, shape: Shape, required: bool) -> ParamDef {
    ParamDef {
        name: name.into(),
        shape,
        required,
        default: None,
    }
}

/// A list element with a nested field, so that validation paths are deep.
#[derive(serde::Deserialize, serde::Serialize)]
struct Item {
    id: i64,
    name: String,
}

fn def(
    name: &str,
    signature: fn(&mut mizan_core::TypeSet) -> Signature,
    handler: Handler,
) -> mizan_core::FunctionDef {
    mizan_core::FunctionDef::new(name, signature, handler)
}

/// A small app with every kind of parameter: scalars, optional, a list of
/// structs, an upload, a context with typed params, a mutation that scopes
/// its targets (so `refresh` keys get matched and fetched).
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let echo = def(
            "echo",
            |_| Signature {
                params: vec![param("text", Shape::String, true)],
                output: Some(Shape::Any),
            },
            Handler::data(|_req, mut args| async move {
                let text = args.required::<String>("text");
                args.finish()?;
                JsonText::from_serialize(&json!({ "message": text }))
            }),
        );
        let items = def(
            "items",
            |_| Signature {
                params: vec![
                    param("list", Shape::list(Shape::Any), true),
                    param("limit", Shape::optional(Shape::Int), false),
                    param("ratio", Shape::optional(Shape::Float), false),
                ],
                output: Some(Shape::Any),
            },
            Handler::data(|_req, mut args| async move {
                let list = args.required::<Vec<Item>>("list");
                let limit = args.optional::<Option<i64>>("limit");
                let ratio = args.optional::<Option<f64>>("ratio");
                args.finish()?;
                JsonText::from_serialize(&json!({ "list": list, "limit": limit, "ratio": ratio }))
            }),
        );
        let upload = def(
            "upload",
            |_| Signature {
                params: vec![
                    param("file", Shape::Upload, true),
                    param("label", Shape::String, true),
                ],
                output: Some(Shape::Any),
            },
            Handler::data(|_req, mut args| async move {
                let file: Option<Upload> = args.upload("file");
                let label = args.required::<String>("label");
                args.finish()?;
                JsonText::from_serialize(&json!({ "size": file.map(|f| f.len()), "label": label }))
            }),
        );
        let mut profile = def(
            "profile",
            |_| Signature {
                params: vec![
                    param("user_id", Shape::Int, true),
                    param("active", Shape::optional(Shape::Bool), false),
                    param(
                        "kind",
                        Shape::optional(Shape::Enum(vec!["a".into(), "b".into()])),
                        false,
                    ),
                    param("tags", Shape::optional(Shape::list(Shape::String)), false),
                ],
                output: Some(Shape::Any),
            },
            Handler::data(|_req, mut args| async move {
                let id = args.required::<i64>("user_id");
                let active = args.optional::<Option<bool>>("active");
                let kind = args.optional::<Option<String>>("kind");
                let tags = args.optional::<Option<Vec<String>>>("tags");
                args.finish()?;
                JsonText::from_serialize(
                    &json!({ "id": id, "active": active, "kind": kind, "tags": tags }),
                )
            }),
        );
        profile.context = Some("user".into());
        let mut rename = def(
            "rename",
            |_| Signature {
                params: vec![
                    param("user_id", Shape::Int, true),
                    param("name", Shape::String, true),
                ],
                output: Some(Shape::Any),
            },
            Handler::data(|_req, mut args| async move {
                let id = args.required::<i64>("user_id");
                let name = args.required::<String>("name");
                args.finish()?;
                JsonText::from_serialize(&json!({ "id": id, "name": name }))
            }),
        );
        rename.affects.push(TargetRef::Context("user".into()));
        let registry = Registry::builder()
            .definition(echo)
            .definition(items)
            .definition(upload)
            .definition(profile)
            .definition(rename)
            .build()
            .unwrap_or_else(|e| panic!("the fuzz app's registry: {e}"));
        Server::builder()
            .registry(registry)
            .mwt(mwt_config())
            .body_limit(64 * 1024)
            .build()
            .unwrap_or_else(|e| panic!("the fuzz app's server: {e}"))
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("a runtime: {e}"))
    })
}

fn mwt_config() -> MwtConfig {
    MwtConfig::new(MwtKey::new(
        "k1",
        b"fuzz-mwt-secret-0123456789abcdef".to_vec(),
    ))
}

/// Every answer is the protocol's: a JSON object, keys sorted, and on
/// failure the envelope with a code that matches the status. A 500 means a
/// bug (nothing here panics or fails on purpose).
fn check_answer(status: u16, body: &[u8]) {
    let value: Value = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "the answer is not JSON ({e}): {:?}",
            String::from_utf8_lossy(body)
        )
    });
    assert!(value.is_object(), "the answer is an object: {value}");
    assert_eq!(
        canonical_json(&value).as_bytes(),
        body,
        "the answer is canonical JSON"
    );
    assert_ne!(status, 500, "an internal error: {value}");
    if status != 200 {
        let code = value["error"]["code"].as_str().unwrap_or_default();
        let known = mizan_core::ErrorCode::parse(code)
            .unwrap_or_else(|| panic!("an unknown error code: {value}"));
        assert_eq!(known.status(), status, "{value}");
    }
}

/// `POST /call/`: the first byte picks the content type (JSON, multipart
/// with a fixed boundary, or something else), the rest is the body.
pub fn call(data: &[u8]) {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let content_type = match kind % 4 {
        0 | 1 => "application/json",
        2 => "multipart/form-data; boundary=XyZ",
        _ => "text/plain",
    };
    let request = http::Request::post("/api/mizan/call/")
        .header("content-type", content_type)
        .body(Full::new(Bytes::copy_from_slice(body)))
        .unwrap_or_else(|e| panic!("a request: {e}"));
    let response = runtime().block_on(server().serve_http(HttpEndpoint::Call, request));
    check_answer(response.status().as_u16(), response.body());
}

/// `GET /ctx/user/?<query>` (or an unknown context when the first byte
/// says so): query coercion and context fetches.
pub fn query(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(query) = std::str::from_utf8(rest) else {
        return;
    };
    let context = if kind % 8 == 0 { "nope" } else { "user" };
    let Ok(uri) = format!("/api/mizan/ctx/{context}/?{query}").parse::<http::Uri>() else {
        return;
    };
    let request = http::Request::get(uri)
        .body(Full::new(Bytes::new()))
        .unwrap_or_else(|e| panic!("a request: {e}"));
    let endpoint = HttpEndpoint::Context(context.into());
    let response = runtime().block_on(server().serve_http(endpoint, request));
    check_answer(response.status().as_u16(), response.body());
}

/// `X-Mizan-Invalidate` and instance keys: what parses formats back to
/// something that parses to the same.
pub fn header(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(targets) = parse_header(text) {
        let rebuilt: Vec<Target> = targets
            .iter()
            .map(|t| {
                t.params
                    .iter()
                    .fold(Target::broad(t.context.clone()), |target, (k, v)| {
                        target.with_param(k.clone(), v.clone())
                    })
            })
            .collect();
        assert_eq!(
            parse_header(&format_header(&rebuilt)).as_ref(),
            Ok(&targets)
        );
    }
    let _ = parse_entry(text);
}

/// MWT: any token verifies or fails cleanly; a token minted for any
/// subject verifies back to it.
pub fn mwt(data: &[u8]) {
    let config = mwt_config();
    if let Ok(token) = std::str::from_utf8(data) {
        let _ = config.verify(token, 1_700_000_000);
    }
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.split('\n');
    let id = parts.next().unwrap_or_default().to_owned();
    let perms: Vec<String> = parts.map(str::to_owned).collect();
    let subject = MwtSubject::new(id.clone())
        .with_staff(flags & 1 == 1)
        .with_superuser(flags & 2 == 2)
        .with_perms(perms.clone());
    let now = 1_700_000_000;
    let claims = config
        .verify(&config.mint(&subject, now), now)
        .unwrap_or_else(|e| panic!("a minted token verifies: {e}"));
    assert_eq!(claims.sub, id);
    assert_eq!(
        (claims.staff, claims.superuser),
        (flags & 1 == 1, flags & 2 == 2)
    );
    let mut expected = perms;
    expected.sort();
    expected.dedup();
    assert_eq!(claims.perms, expected);
}

/// Canonical JSON: writing is idempotent, and the serializer path agrees
/// with the `Value` path.
pub fn canonical(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let once = canonical_json(&value);
    let back: Value = serde_json::from_str(&once)
        .unwrap_or_else(|e| panic!("canonical JSON parses ({e}): {once}"));
    assert_eq!(
        canonical_json(&back),
        once,
        "canonical JSON is a fixed point"
    );
    let serialized = to_canonical_string(&value).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(serialized, once, "both writers agree");
}

/// Socket frames: read, answered through the one entry (calls and fetches;
/// the rest need a live connection), replies well formed.
pub fn frame(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let reply = match ClientFrame::parse(text) {
        Err(bad) => error_reply(bad.id.as_ref(), bad.error, false),
        Ok(frame) => {
            let operation = Operation::from(frame.action);
            let exchange = Exchange::socket(http::HeaderMap::new(), operation);
            match runtime().block_on(server().exchange(exchange)) {
                Outcome::Called(call) => call_reply(&frame.id, &call),
                Outcome::Fetched(fetched) => fetch_reply(&frame.id, &fetched.bundle),
                Outcome::Failed(error) => {
                    assert_ne!(error.status(), 500, "an internal error: {error}");
                    error_reply(Some(&frame.id), error, false)
                }
                other => panic!("an outcome a socket frame cannot have: {other:?}"),
            }
        }
    };
    let value: Value =
        serde_json::from_str(&reply).unwrap_or_else(|e| panic!("a reply is JSON ({e}): {reply}"));
    assert_eq!(canonical_json(&value), reply, "replies are canonical");
}

/// A fuzz target: any bytes in.
pub type FuzzTarget = fn(&[u8]);

/// Every target by name, for the corpus replay.
pub const TARGETS: [(&str, FuzzTarget); 6] = [
    ("call", call),
    ("query", query),
    ("header", header),
    ("mwt", mwt),
    ("canonical", canonical),
    ("frame", frame),
];
