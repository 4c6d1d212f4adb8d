//! The one entry into the core, driven in process for each transport kind —
//! HTTP, the socket and IPC — with no web framework: identity, `auth`,
//! CSRF only where it applies, socket-only functions, errors, and the same
//! payloads everywhere (../shared/spec/PROTOCOL.md §1–§4, §6, §7).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use mizan_core::clock::unix_now;
use mizan_core::function::{ParamDef, Signature};
use mizan_core::mwt::{MwtConfig, MwtKey, MwtSubject};
use mizan_core::server::{
    CallEnvelope, CallInput, ContextParams, Exchange, HostSession, HttpEndpoint, Operation,
    Outcome, ViewInput,
};
use mizan_core::{
    Auth, FunctionDef, Handler, Identity, JsonText, MizanError, Registry, Server, Shape,
    ViewResponse,
};
use serde_json::{Value, json};

const MWT_SECRET: &[u8] = b"transport-test-mwt-secret-0123456789";
const SESSION: &str = "app_session";

fn string_param(name: &str) -> ParamDef {
    ParamDef {
        name: name.into(),
        shape: Shape::String,
        required: true,
        default: None,
    }
}

fn int_param(name: &str) -> ParamDef {
    ParamDef {
        name: name.into(),
        shape: Shape::Int,
        required: true,
        default: None,
    }
}

/// `echo(text) -> {"message": "echo: <text>"}`, with options set by `tune`.
fn echo(name: &str, tune: impl FnOnce(&mut FunctionDef)) -> FunctionDef {
    let mut def = FunctionDef::new(
        name,
        |_| Signature {
            params: vec![string_param("text")],
            output: Some(Shape::Any),
        },
        Handler::data(|_req, mut args| async move {
            let text = args.required::<String>("text");
            args.finish()?;
            JsonText::from_serialize(
                &json!({ "message": format!("echo: {}", text.unwrap_or_default()) }),
            )
        }),
    );
    tune(&mut def);
    def
}

/// `whoami() -> {"id": <caller>}`, public unless `tune` says otherwise.
fn whoami(name: &str, tune: impl FnOnce(&mut FunctionDef)) -> FunctionDef {
    let mut def = FunctionDef::new(
        name,
        |_| Signature {
            params: Vec::new(),
            output: Some(Shape::Any),
        },
        Handler::data(|req, mut args| async move {
            args.finish()?;
            JsonText::from_serialize(&json!({ "id": req.user_id() }))
        }),
    );
    tune(&mut def);
    def
}

fn registry() -> Registry {
    let profile = FunctionDef::new(
        "user_profile",
        |_| Signature {
            params: vec![int_param("user_id")],
            output: Some(Shape::Any),
        },
        Handler::data(|_req, mut args| async move {
            let id = args.required::<i64>("user_id");
            args.finish()?;
            JsonText::from_serialize(&json!({ "user_id": id }))
        }),
    );
    let mut profile = profile;
    profile.context = Some("user".into());
    let rename = FunctionDef::new(
        "rename",
        |_| Signature {
            params: vec![int_param("user_id"), string_param("name")],
            output: Some(Shape::Any),
        },
        Handler::data(|_req, mut args| async move {
            let (id, name) = (
                args.required::<i64>("user_id"),
                args.required::<String>("name"),
            );
            args.finish()?;
            JsonText::from_serialize(&json!({ "name": name, "user_id": id }))
        }),
    );
    let mut rename = rename;
    rename
        .affects
        .push(mizan_core::TargetRef::Context("user".into()));
    let buggy = FunctionDef::new(
        "buggy",
        |_| Signature {
            params: Vec::new(),
            output: Some(Shape::Any),
        },
        Handler::data(|_req, _args| async move {
            if unix_now() > 0 {
                panic!("the secret sauce is {}", "hunter2");
            }
            Ok(JsonText::from_value(&Value::Null))
        }),
    );
    let failing = FunctionDef::new(
        "failing",
        |_| Signature {
            params: Vec::new(),
            output: Some(Shape::Any),
        },
        Handler::data(|_req, _args| async move {
            Err(MizanError::internal("orders service failed")
                .with_source(std::io::Error::other("connection reset by 10.0.0.7")))
        }),
    );
    let mut page = FunctionDef::new(
        "submit_page",
        |_| Signature {
            params: Vec::new(),
            output: None,
        },
        Handler::data(|_req, _args| async { Ok(JsonText::from_value(&Value::Null)) }),
    );
    page.handler = Handler::View {
        route: "/submit/".into(),
        methods: vec!["GET".into(), "POST".into()],
        handler: Arc::new(|_req, _args| Box::pin(async { Ok(ViewResponse::html("<p>ok</p>")) })),
    };
    Registry::builder()
        .definition(echo("echo", |_| {}))
        .definition(echo("ws_echo", |d| d.socket_only = true))
        .definition(whoami("whoami", |d| d.auth = Auth::Required))
        .definition(whoami("staff_only", |d| d.auth = Auth::Staff))
        .definition(whoami("hidden", |d| d.private = true))
        .definition(profile)
        .definition(rename)
        .definition(buggy)
        .definition(failing)
        .definition(page)
        .build()
        .expect("a valid registry")
}

fn mwt() -> MwtConfig {
    MwtConfig::new(MwtKey::new("k1", MWT_SECRET))
}

/// MWT, no Bearer, and a cookie session resolver (`app_session=<user id>`),
/// which turns on the double-submit CSRF check.
fn server() -> Server {
    Server::builder()
        .registry(registry())
        .mwt(mwt())
        .session_resolver(|headers: &HeaderMap| {
            let id = mizan_core::csrf::cookie_value(headers, SESSION).map(str::to_owned);
            async move { id.map(Identity::new) }
        })
        .build()
        .expect("a valid server")
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.append(
            http::HeaderName::from_bytes(k.as_bytes()).expect("a header name"),
            HeaderValue::from_str(v).expect("a header value"),
        );
    }
    map
}

fn token(subject: MwtSubject, issued: u64) -> String {
    mwt().mint(&subject, issued)
}

fn call(function: &str, args: Value) -> Operation {
    let Value::Object(args) = args else {
        panic!("arguments are an object")
    };
    Operation::Call(CallInput::Envelope(CallEnvelope::new(function, args)))
}

fn http_call(function: &str, args: Value) -> Operation {
    let body = json!({ "fn": function, "args": args }).to_string();
    Operation::Call(CallInput::Body(Bytes::from(body)))
}

fn fetch_user(user_id: i64) -> Operation {
    let Value::Object(params) = json!({ "user_id": user_id }) else {
        unreachable!()
    };
    Operation::Fetch {
        context: "user".into(),
        params: ContextParams::Json(params),
    }
}

/// The payload a client would read: the call's, the bundle's, or the
/// error's inner object with its status.
#[derive(Debug, PartialEq)]
enum Seen {
    Called(Value),
    Fetched(Value),
    Failed(u16, &'static str),
}

async fn run(server: &Server, exchange: Exchange) -> Seen {
    match server.exchange(exchange).await {
        Outcome::Called(c) => Seen::Called(serde_json::from_str(&c.to_text()).expect("json")),
        Outcome::Fetched(f) => {
            Seen::Fetched(serde_json::from_str(f.bundle.as_str()).expect("json"))
        }
        Outcome::Failed(e) => Seen::Failed(e.status(), e.code().as_str()),
        other => panic!("unexpected outcome {other:?}"),
    }
}

fn result(message: &str) -> Seen {
    Seen::Called(json!({ "invalidate": [], "result": { "message": message } }))
}

#[tokio::test]
async fn every_transport_answers_a_call_with_the_same_payload() {
    let server = server();
    for exchange in [
        Exchange::http(HeaderMap::new(), http_call("echo", json!({ "text": "hi" }))),
        Exchange::socket(HeaderMap::new(), call("echo", json!({ "text": "hi" }))),
        Exchange::ipc(None, call("echo", json!({ "text": "hi" }))),
    ] {
        let transport = exchange.transport();
        assert_eq!(
            run(&server, exchange).await,
            result("echo: hi"),
            "{transport:?}"
        );
    }
}

#[tokio::test]
async fn a_mutation_is_scoped_by_its_arguments_on_every_transport() {
    let server = server();
    let expected = Seen::Called(json!({
        "invalidate": [{ "context": "user", "params": { "user_id": 5 } }],
        "result": { "name": "Ada", "user_id": 5 },
    }));
    for exchange in [
        Exchange::http(
            HeaderMap::new(),
            http_call("rename", json!({ "user_id": 5, "name": "Ada" })),
        ),
        Exchange::socket(
            HeaderMap::new(),
            call("rename", json!({ "user_id": 5, "name": "Ada" })),
        ),
        Exchange::ipc(None, call("rename", json!({ "user_id": 5, "name": "Ada" }))),
    ] {
        assert_eq!(run(&server, exchange).await, expected);
    }
}

#[tokio::test]
async fn auth_is_enforced_before_the_body_runs_on_every_transport() {
    let server = server();
    let alice = token(MwtSubject::new("1"), unix_now());
    let bob_staff = token(MwtSubject::new("2").with_staff(true), unix_now());
    // HTTP and the socket read the token from headers.
    for exchange in [
        Exchange::http(HeaderMap::new(), http_call("whoami", json!({}))),
        Exchange::socket(HeaderMap::new(), call("whoami", json!({}))),
        Exchange::ipc(None, call("whoami", json!({}))),
    ] {
        assert_eq!(
            run(&server, exchange).await,
            Seen::Failed(401, "UNAUTHORIZED")
        );
    }
    let with_alice = headers(&[("x-mizan-token", &alice)]);
    for exchange in [
        Exchange::http(with_alice.clone(), http_call("whoami", json!({}))),
        Exchange::socket(with_alice.clone(), call("whoami", json!({}))),
        Exchange::ipc(Some(Identity::new("1")), call("whoami", json!({}))),
    ] {
        assert_eq!(
            run(&server, exchange).await,
            Seen::Called(json!({ "invalidate": [], "result": { "id": "1" } }))
        );
    }
    for exchange in [
        Exchange::http(with_alice.clone(), http_call("staff_only", json!({}))),
        Exchange::socket(with_alice.clone(), call("staff_only", json!({}))),
        Exchange::ipc(Some(Identity::new("1")), call("staff_only", json!({}))),
    ] {
        assert_eq!(run(&server, exchange).await, Seen::Failed(403, "FORBIDDEN"));
    }
    let with_bob = headers(&[("x-mizan-token", &bob_staff)]);
    for exchange in [
        Exchange::http(with_bob.clone(), http_call("staff_only", json!({}))),
        Exchange::socket(with_bob, call("staff_only", json!({}))),
        Exchange::ipc(
            Some(Identity::new("2").staff(true)),
            call("staff_only", json!({})),
        ),
    ] {
        assert_eq!(
            run(&server, exchange).await,
            Seen::Called(json!({ "invalidate": [], "result": { "id": "2" } }))
        );
    }
}

#[tokio::test]
async fn an_invalid_token_is_401_with_no_fallback_to_the_session_cookie() {
    let server = server();
    let forged = headers(&[
        ("x-mizan-token", "not.a.token"),
        ("cookie", &format!("{SESSION}=1")),
    ]);
    for exchange in [
        Exchange::http(
            forged.clone(),
            Operation::Fetch {
                context: "user".into(),
                params: ContextParams::Query(BTreeMap::from([("user_id".into(), "1".into())])),
            },
        ),
        Exchange::socket(forged, call("echo", json!({ "text": "x" }))),
    ] {
        assert_eq!(
            run(&server, exchange).await,
            Seen::Failed(401, "UNAUTHORIZED")
        );
    }
}

#[tokio::test]
async fn a_token_that_expired_while_the_socket_was_open_stops_authorizing() {
    let server = server();
    let ttl = mwt().ttl().as_secs();
    let leeway = mwt().leeway().as_secs();
    // Issued long enough ago that it expired, as if minted when the socket
    // connected and checked again for a later message.
    let stale = token(MwtSubject::new("1"), unix_now() - ttl - leeway - 5);
    let handshake = headers(&[("x-mizan-token", &stale)]);
    assert_eq!(
        run(
            &server,
            Exchange::socket(handshake, call("whoami", json!({})))
        )
        .await,
        Seen::Failed(401, "UNAUTHORIZED")
    );
}

#[tokio::test]
async fn csrf_applies_to_unsafe_http_requests_of_cookie_sessions_only() {
    let server = server();
    let cookie_only = headers(&[("cookie", &format!("{SESSION}=1; mizan_csrftoken=abc"))]);
    let with_header = headers(&[
        ("cookie", &format!("{SESSION}=1; mizan_csrftoken=abc")),
        ("x-csrftoken", "abc"),
    ]);
    let signed_in = Seen::Called(json!({ "invalidate": [], "result": { "id": "1" } }));
    // A cookie-session call over HTTP without the echoed token is refused…
    assert_eq!(
        run(
            &server,
            Exchange::http(cookie_only.clone(), http_call("whoami", json!({})))
        )
        .await,
        Seen::Failed(403, "FORBIDDEN")
    );
    // …and passes with it.
    assert_eq!(
        run(
            &server,
            Exchange::http(with_header, http_call("whoami", json!({})))
        )
        .await,
        signed_in
    );
    // A safe request (a fetch) is not checked.
    assert_eq!(
        run(&server, Exchange::http(cookie_only.clone(), fetch_user(1))).await,
        Seen::Fetched(json!({ "user_profile": { "user_id": 1 } }))
    );
    // The socket's upgrade is checked by origin instead, and IPC has no
    // ambient credential a foreign page could use: no CSRF there.
    assert_eq!(
        run(
            &server,
            Exchange::socket(cookie_only, call("whoami", json!({})))
        )
        .await,
        signed_in
    );
    assert_eq!(
        run(
            &server,
            Exchange::ipc(Some(Identity::new("1")), call("whoami", json!({})))
        )
        .await,
        signed_in
    );
}

/// A host framework that resolved its own session (Django's `request.user`)
/// hands it over instead of the server's resolver; tokens still win, and
/// its CSRF verdict is consulted exactly where a double-submit check would be.
#[tokio::test]
async fn a_host_session_stands_in_for_the_resolver_and_its_csrf_verdict_is_used() {
    let server = server();
    let host = |id: Option<&str>, csrf: Option<Result<(), String>>| HostSession {
        identity: id.map(Identity::new),
        csrf,
        csrf_token: None,
    };
    let whoami_as = |session: HostSession, extra: &[(&str, &str)]| {
        Exchange::http(headers(extra), http_call("whoami", json!({}))).with_host_session(session)
    };
    let caller = |id: &str| Seen::Called(json!({ "invalidate": [], "result": { "id": id } }));
    // The host's user, not the resolver's cookie, is the caller…
    let cookie = format!("{SESSION}=1");
    assert_eq!(
        run(
            &server,
            whoami_as(host(Some("7"), Some(Ok(()))), &[("cookie", &cookie)])
        )
        .await,
        caller("7")
    );
    // …its refusal is a 403 naming its reason…
    let refused = whoami_as(host(Some("7"), Some(Err("token missing".into()))), &[]);
    match server.exchange(refused).await {
        Outcome::Failed(err) => {
            assert_eq!(err.status(), 403);
            assert!(err.message().contains("token missing"), "{err:?}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // …without a verdict the double-submit check applies…
    assert_eq!(
        run(&server, whoami_as(host(Some("7"), None), &[])).await,
        Seen::Failed(403, "FORBIDDEN")
    );
    // …an anonymous host session is anonymous, and no CSRF is asked of it…
    let anonymous = Exchange::http(
        headers(&[("cookie", &cookie)]),
        http_call("echo", json!({ "text": "hi" })),
    )
    .with_host_session(host(None, Some(Err("no".into()))));
    assert_eq!(run(&server, anonymous).await, result("echo: hi"));
    // …and a token decides alone: valid, it is the caller with no CSRF…
    let valid = token(MwtSubject::new("3"), unix_now());
    assert_eq!(
        run(
            &server,
            whoami_as(
                host(Some("7"), Some(Err("no".into()))),
                &[("x-mizan-token", &valid)]
            )
        )
        .await,
        caller("3")
    );
    // …invalid, it is a 401 with no fallback to the host's session.
    assert_eq!(
        run(
            &server,
            whoami_as(
                host(Some("7"), Some(Ok(()))),
                &[("x-mizan-token", "forged")]
            )
        )
        .await,
        Seen::Failed(401, "UNAUTHORIZED")
    );
}

#[tokio::test]
async fn a_host_session_reaches_the_core_through_serve_http_and_issues_its_own_csrf_token() {
    let server = server();
    let mut request = http::Request::get("/api/mizan/session/")
        .body(http_body_util::Full::new(Bytes::new()))
        .expect("a request");
    request.extensions_mut().insert(HostSession {
        identity: None,
        csrf: None,
        csrf_token: Some("host-token".into()),
    });
    let response = server.serve_http(HttpEndpoint::Session, request).await;
    assert_eq!(response.body(), r#"{"csrfToken":"host-token"}"#);
    assert_eq!(
        response.headers().get("set-cookie"),
        None,
        "the host sets its own cookie"
    );
    let mut request = http::Request::post("/api/mizan/call/")
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(Bytes::from(
            r#"{"fn": "whoami"}"#,
        )))
        .expect("a request");
    request.extensions_mut().insert(HostSession {
        identity: Some(Identity::new("9")),
        csrf: Some(Ok(())),
        csrf_token: None,
    });
    let response = server.serve_http(HttpEndpoint::Call, request).await;
    assert_eq!(response.body(), r#"{"invalidate":[],"result":{"id":"9"}}"#);
}

#[tokio::test]
async fn csrf_applies_to_unsafe_view_methods_only() {
    let server = server();
    let cookie_only = headers(&[("cookie", &format!("{SESSION}=1; mizan_csrftoken=abc"))]);
    let view = |method: Method| {
        Operation::View(Box::new(ViewInput {
            function: "submit_page".into(),
            method,
            path_params: BTreeMap::new(),
            query: BTreeMap::new(),
            body: Bytes::new(),
        }))
    };
    let get = server
        .exchange(Exchange::http(cookie_only.clone(), view(Method::GET)))
        .await;
    assert!(matches!(get, Outcome::Viewed(_)), "{get:?}");
    let post = server
        .exchange(Exchange::http(cookie_only, view(Method::POST)))
        .await;
    assert!(
        matches!(&post, Outcome::Failed(e) if e.status() == 403),
        "{post:?}"
    );
}

#[tokio::test]
async fn socket_only_functions_answer_only_over_the_socket() {
    let server = server();
    assert_eq!(
        run(
            &server,
            Exchange::socket(HeaderMap::new(), call("ws_echo", json!({ "text": "x" })))
        )
        .await,
        result("echo: x")
    );
    for exchange in [
        Exchange::http(
            HeaderMap::new(),
            http_call("ws_echo", json!({ "text": "x" })),
        ),
        Exchange::ipc(None, call("ws_echo", json!({ "text": "x" }))),
    ] {
        assert_eq!(
            run(&server, exchange).await,
            Seen::Failed(400, "BAD_REQUEST")
        );
    }
}

#[tokio::test]
async fn errors_are_the_same_on_every_transport() {
    let server = server();
    let cases: [(&str, Value, Seen); 4] = [
        ("nope", json!({}), Seen::Failed(404, "NOT_FOUND")),
        ("hidden", json!({}), Seen::Failed(403, "FORBIDDEN")),
        (
            "echo",
            json!({ "text": 5 }),
            Seen::Failed(422, "VALIDATION_ERROR"),
        ),
        ("buggy", json!({}), Seen::Failed(500, "INTERNAL_ERROR")),
    ];
    for (function, args, expected) in cases {
        for exchange in [
            Exchange::http(HeaderMap::new(), http_call(function, args.clone())),
            Exchange::socket(HeaderMap::new(), call(function, args.clone())),
            Exchange::ipc(None, call(function, args.clone())),
        ] {
            assert_eq!(run(&server, exchange).await, expected, "{function}");
        }
    }
}

#[tokio::test]
async fn a_context_fetch_reads_typed_params_and_query_strings_alike() {
    let server = server();
    let bundle = Seen::Fetched(json!({ "user_profile": { "user_id": 7 } }));
    let query = Operation::Fetch {
        context: "user".into(),
        params: ContextParams::Query(BTreeMap::from([("user_id".into(), "7".into())])),
    };
    assert_eq!(
        run(&server, Exchange::http(HeaderMap::new(), query)).await,
        bundle
    );
    assert_eq!(
        run(&server, Exchange::socket(HeaderMap::new(), fetch_user(7))).await,
        bundle
    );
    assert_eq!(
        run(&server, Exchange::ipc(None, fetch_user(7))).await,
        bundle
    );
}

#[tokio::test]
async fn the_same_wrong_value_reads_the_same_in_a_call_and_a_query() {
    let server = server();
    let message = |outcome: Outcome| match outcome {
        Outcome::Failed(e) => e.details().map(|d| d["fields"]["user_id"].clone()),
        other => panic!("expected a validation error, got {other:?}"),
    };
    let from_call = message(
        server
            .exchange(Exchange::ipc(
                None,
                call("rename", json!({ "user_id": "x", "name": "a" })),
            ))
            .await,
    );
    let from_query = message(
        server
            .exchange(Exchange::http(
                HeaderMap::new(),
                Operation::Fetch {
                    context: "user".into(),
                    params: ContextParams::Query(BTreeMap::from([("user_id".into(), "x".into())])),
                },
            ))
            .await,
    );
    assert_eq!(
        from_call,
        Some(json!(["invalid type: string \"x\", expected an integer"]))
    );
    assert_eq!(from_call, from_query);
}

/// Captures what the core logs through `tracing`.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn an_internal_error_is_logged_with_its_cause_then_redacted() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = server();
    let response = server
        .serve_http(
            HttpEndpoint::Call,
            http::Request::post("/api/mizan/call/")
                .header("content-type", "application/json")
                .body(http_body_util::Full::new(Bytes::from(
                    r#"{"fn": "failing"}"#,
                )))
                .expect("a request"),
        )
        .await;
    assert_eq!(response.status(), 500);
    assert_eq!(
        response.body(),
        r#"{"error":{"code":"INTERNAL_ERROR","message":"Internal server error"}}"#
    );
    let logged = String::from_utf8(log.0.lock().expect("the log").clone()).expect("utf-8");
    assert!(logged.contains("orders service failed"), "{logged}");
    assert!(logged.contains("connection reset by 10.0.0.7"), "{logged}");
}

#[tokio::test]
async fn a_panic_becomes_a_500_that_leaks_nothing_outside_debug_mode() {
    let server = server();
    let exchange = Exchange::ipc(None, call("buggy", json!({})));
    let Outcome::Failed(err) = server.exchange(exchange).await else {
        panic!("a panic is an error")
    };
    assert!(
        err.message().contains("hunter2"),
        "the server keeps the panic message"
    );
    let shown = err.redacted(false);
    assert_eq!(shown.message(), "Internal server error");
}

#[tokio::test]
async fn a_live_connection_that_falls_behind_ends_its_pushes() {
    let server = Server::builder()
        .registry(registry())
        .live_limits(mizan_core::live::Limits {
            queued_frames: 2,
            ..Default::default()
        })
        .build()
        .expect("a valid server");
    let mut slow = server.connect();
    let Value::Object(params) = json!({ "user_id": 5 }) else {
        unreachable!()
    };
    let subscribe = Operation::Subscribe {
        context: "user".into(),
        params,
    };
    assert!(matches!(
        server
            .exchange(Exchange::ipc(None, subscribe).on_connection(slow.id()))
            .await,
        Outcome::Acknowledged
    ));
    // Three changes, none read: the third does not fit in its queue.
    for name in ["a", "b", "c"] {
        let rename = call("rename", json!({ "user_id": 5, "name": name }));
        assert!(matches!(
            server.exchange(Exchange::ipc(None, rename)).await,
            Outcome::Called(_)
        ));
    }
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), slow.next_push()).await;
    assert_eq!(
        ended.ok(),
        Some(None),
        "the hub gave up on it: no more pushes"
    );
}
