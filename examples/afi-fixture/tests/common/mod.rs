//! Shared by the conformance suites: the fixture on a loopback port, request
//! helpers, MWT minting and checks on raw response bytes.

// Every test binary includes this module and uses only part of it.
#![allow(dead_code)]

use std::fmt;

use afi_fixture::{DEFAULT_MWT_SECRET, SESSION_COOKIE, Settings, USERS};
use mizan::axum::Router;
use mizan::mwt::{MwtConfig, MwtKey, MwtSubject};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Value, json};

/// The mount point of the API in the fixture.
pub(crate) const MOUNT: &str = "/api/mizan";
/// The CSRF cookie and header of ../shared/spec/PROTOCOL.md §2 (the fixture keeps the defaults).
pub(crate) const CSRF_COOKIE: &str = "mizan_csrftoken";
pub(crate) const CSRF_HEADER: &str = "X-CSRFToken";

/// A fixture serving on `127.0.0.1:<ephemeral>`, with fresh seed state.
pub(crate) struct Fixture {
    /// `http://127.0.0.1:<port>`.
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
}

/// One response, read whole: status, headers, raw body.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {:?}", self.body))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| {
            v.to_str()
                .unwrap_or_else(|_| panic!("header `{name}` is not visible ASCII"))
        })
    }

    /// The `result` of a successful `/call/`.
    pub(crate) fn result(&self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "expected a success: {self:?}");
        self.json()["result"].clone()
    }

    /// Asserts the error envelope of ../shared/spec/PROTOCOL.md §1.4 with this status and
    /// code, and returns the inner error object.
    pub(crate) fn expect_error(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "{self:?}");
        let body = self.json();
        let obj = body.as_object().expect("the envelope is an object");
        assert_eq!(
            obj.keys().collect::<Vec<_>>(),
            ["error"],
            "only `error` at the top: {self:?}"
        );
        let inner = obj["error"].as_object().expect("`error` is an object");
        assert_eq!(inner["code"], json!(code), "{self:?}");
        assert!(
            inner["message"].as_str().is_some_and(|m| !m.is_empty()),
            "a non-empty message: {self:?}"
        );
        for key in inner.keys() {
            assert!(
                ["code", "message", "details"].contains(&key.as_str()),
                "unexpected member `{key}` in the envelope: {self:?}"
            );
        }
        assert!(
            self.header("content-type")
                .is_some_and(|ct| ct.starts_with("application/json")),
            "a JSON content type: {:?}",
            self.headers
        );
        assert_no_store(self);
        assert_keys_sorted(&self.body);
        Value::Object(inner.clone())
    }
}

/// Starts the fixture with its default settings.
pub(crate) async fn start() -> Fixture {
    let server = afi_fixture::server(&Settings::default()).expect("the fixture server builds");
    serve(mizan::axum::routes::<()>(server)).await
}

/// Serves `app` on a loopback port. The listener is bound before this
/// returns, so requests made afterwards queue until the task accepts them.
pub(crate) async fn serve(app: Router) -> Fixture {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    tokio::spawn(async move { mizan::axum::serve(listener, app).await });
    Fixture {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
    }
}

impl Fixture {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to `path` (absolute, e.g. `/api/mizan/call/`).
    pub(crate) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// Sends and reads the whole reply.
    pub(crate) async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.expect("the fixture answers");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.text().await.expect("a UTF-8 body");
        Reply {
            status,
            headers,
            body,
        }
    }

    /// `POST /call/` with a raw body.
    pub(crate) async fn post_raw(&self, body: impl Into<reqwest::Body>) -> Reply {
        self.send(
            self.request(Method::POST, &format!("{MOUNT}/call/"))
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    /// `POST /call/` of `{"fn": name, "args": args}`, anonymous.
    pub(crate) async fn call(&self, name: &str, args: Value) -> Reply {
        self.call_as(Caller::Anonymous, name, args).await
    }

    /// `POST /call/` as `caller`.
    pub(crate) async fn call_as(&self, caller: Caller, name: &str, args: Value) -> Reply {
        let req = self
            .request(Method::POST, &format!("{MOUNT}/call/"))
            .json(&json!({ "fn": name, "args": args }));
        self.send(caller.apply(req)).await
    }

    /// `GET /ctx/<name>/?<query>` (the query as written, already encoded).
    pub(crate) async fn ctx(&self, name: &str, query: &str) -> Reply {
        self.get(&format!("{MOUNT}/ctx/{name}/?{query}")).await
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path)).await
    }

    /// `GET /session/`: the CSRF token of the body, after checking that the
    /// `Set-Cookie` carries the same one.
    pub(crate) async fn csrf_token(&self) -> String {
        let reply = self.get(&format!("{MOUNT}/session/")).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        let token = reply.json()["csrfToken"]
            .as_str()
            .expect("cookie sessions are on, so csrfToken is a string")
            .to_owned();
        let cookie = reply
            .header("set-cookie")
            .expect("/session/ sets the CSRF cookie");
        assert!(
            cookie.starts_with(&format!("{CSRF_COOKIE}={token};")),
            "the cookie carries the body's token: {cookie}"
        );
        token
    }
}

/// Who sends a request.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    Anonymous,
    /// `X-Mizan-Token: <token>`.
    Token(String),
    /// The fixture's session cookie for a user id, with the CSRF cookie and
    /// header as given (`None` leaves it out).
    Session {
        user_id: i64,
        csrf_cookie: Option<String>,
        csrf_header: Option<String>,
    },
    /// A token and a valid cookie session of alice (id 1) together.
    TokenAndSession {
        token: String,
        csrf: String,
    },
}

impl Caller {
    /// The MWT of a fixture user, with that user's roles.
    pub(crate) fn user(user_id: i64) -> Self {
        Self::Token(token_for(user_id))
    }

    /// A cookie session that passes CSRF with `csrf` (from `/session/`).
    pub(crate) fn session(user_id: i64, csrf: &str) -> Self {
        Self::Session {
            user_id,
            csrf_cookie: Some(csrf.to_owned()),
            csrf_header: Some(csrf.to_owned()),
        }
    }

    pub(crate) fn apply(self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Self::Anonymous => req,
            Self::Token(token) => req.header("X-Mizan-Token", token),
            Self::Session {
                user_id,
                csrf_cookie,
                csrf_header,
            } => {
                let mut cookie = format!("{SESSION_COOKIE}={user_id}");
                if let Some(c) = csrf_cookie {
                    cookie.push_str(&format!("; {CSRF_COOKIE}={c}"));
                }
                let req = req.header("cookie", cookie);
                match csrf_header {
                    Some(h) => req.header(CSRF_HEADER, h),
                    None => req,
                }
            }
            Self::TokenAndSession { token, csrf } => {
                Self::session(1, &csrf).apply(req.header("X-Mizan-Token", token))
            }
        }
    }
}

// ---- MWT ----------------------------------------------------------------

/// The fixture's MWT settings as a peer would configure them: key `k1`,
/// the fixture secret, audience `mizan`.
pub(crate) fn mwt_config() -> MwtConfig {
    MwtConfig::new(MwtKey::new("k1", DEFAULT_MWT_SECRET))
}

/// A fixture user with the roles of the table in ../shared/spec/FIXTURE.md.
pub(crate) fn subject(user_id: i64) -> MwtSubject {
    let (id, _, staff, superuser, perms) = USERS
        .iter()
        .find(|u| u.0 == user_id)
        .expect("a fixture user id");
    MwtSubject::new(id.to_string())
        .with_staff(*staff)
        .with_superuser(*superuser)
        .with_perms(perms.iter().copied())
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// A valid token for a fixture user, issued now.
pub(crate) fn token_for(user_id: i64) -> String {
    mwt_config().mint(&subject(user_id), unix_now())
}

/// Unpadded base64url, for hand-made token segments.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// The three segments of a compact JWS.
pub(crate) fn segments(token: &str) -> [&str; 3] {
    let parts: Vec<&str> = token.split('.').collect();
    parts.try_into().expect("a token has three segments")
}

// ---- raw bytes ---------------------------------------------------------

/// Every JSON body `Cache-Control: no-store`.
pub(crate) fn assert_no_store(reply: &Reply) {
    assert_eq!(
        reply.header("cache-control"),
        Some("no-store"),
        "Cache-Control: no-store on {reply:?}"
    );
}

/// Fails unless every object in `raw` writes its keys in byte order
/// (../shared/spec/PROTOCOL.md: "Object keys of every JSON body a server writes are sorted").
/// `serde_json::Value` would sort them itself, so this reads the text.
pub(crate) fn assert_keys_sorted(raw: &str) {
    struct Checked;

    impl<'de> Deserialize<'de> for Checked {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Walk)
        }
    }

    struct Walk;

    impl<'de> Visitor<'de> for Walk {
        type Value = Checked;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_unit<E>(self) -> Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
            while seq.next_element::<Checked>()?.is_some() {}
            Ok(Checked)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
            let mut previous: Option<String> = None;
            while let Some(key) = map.next_key::<String>()? {
                if let Some(prev) = &previous {
                    if prev.as_bytes() >= key.as_bytes() {
                        return Err(de::Error::custom(format!(
                            "key {key:?} comes after {prev:?}"
                        )));
                    }
                }
                map.next_value::<Checked>()?;
                previous = Some(key);
            }
            Ok(Checked)
        }
    }

    if let Err(err) = serde_json::from_str::<Checked>(raw) {
        panic!("keys are not in byte order ({err}): {raw}");
    }
}
