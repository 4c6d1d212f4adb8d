//! Shared by the origin-cache suites (`tests/cache*.rs`): fixture instances
//! on loopback ports that keep their `Server` (for stats and `purge_user`),
//! and requests that report `X-Mizan-Cache`.

// Every test binary includes this module and uses only part of it.
#![allow(dead_code)]

use afi_fixture::{DEFAULT_MWT_SECRET, Settings, Store};
use mizan::Server;
use mizan::axum::Router;
use mizan::cache::CacheStats;
use mizan::mwt::{MwtConfig, MwtKey, MwtSubject};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) const MOUNT: &str = "/api/mizan";

/// One fixture instance serving on `127.0.0.1:<ephemeral>`.
pub(crate) struct Instance {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    pub(crate) server: Server,
}

/// Who sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Who {
    Anonymous,
    /// A fixture user, by MWT.
    User(i64),
}

/// A context fetch as the client saw it.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    pub(crate) status: StatusCode,
    /// `X-Mizan-Cache`, when present.
    pub(crate) cache: Option<String>,
    pub(crate) body: Value,
}

impl Fetched {
    /// The `X-Mizan-Cache` value, asserting a `200`.
    pub(crate) fn cache(&self) -> &str {
        assert_eq!(self.status, StatusCode::OK, "{:?}", self.body);
        self.cache.as_deref().unwrap_or("<none>")
    }
}

/// The fixture with the in-memory cache and fresh data.
pub(crate) async fn start() -> Instance {
    start_with(&Settings::default(), Store::default()).await
}

/// The fixture with these settings over `store`.
pub(crate) async fn start_with(settings: &Settings, store: Store) -> Instance {
    let server =
        afi_fixture::server_with_store(settings, store).expect("the fixture server builds");
    serve(server).await
}

/// Serves `server` (through the axum adapter) on a loopback port.
pub(crate) async fn serve(server: Server) -> Instance {
    let app: Router = mizan::axum::routes(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    tokio::spawn(async move { mizan::axum::serve(listener, app).await });
    Instance {
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        server,
    }
}

/// Fixture settings with the origin cache in this Redis.
pub(crate) fn redis_settings(url: &str) -> Settings {
    Settings {
        redis_url: Some(url.to_owned()),
        ..Settings::default()
    }
}

fn token(user_id: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    MwtConfig::new(MwtKey::new("k1", DEFAULT_MWT_SECRET))
        .mint(&MwtSubject::new(user_id.to_string()), now)
}

impl Instance {
    fn with(&self, who: Who, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match who {
            Who::Anonymous => req,
            Who::User(id) => req.header("X-Mizan-Token", token(id)),
        }
    }

    /// `GET /ctx/<name>/?<query>`.
    pub(crate) async fn ctx(&self, who: Who, name: &str, query: &str) -> Fetched {
        let url = format!("{}{MOUNT}/ctx/{name}/?{query}", self.base);
        let resp = self
            .with(who, self.http.get(url))
            .send()
            .await
            .expect("the fixture answers");
        let status = resp.status();
        let cache = resp
            .headers()
            .get("x-mizan-cache")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.json().await.expect("a JSON body");
        Fetched {
            status,
            cache,
            body,
        }
    }

    /// `POST /call/`, asserting success; returns the body.
    pub(crate) async fn call(&self, who: Who, name: &str, args: Value) -> Value {
        let url = format!("{}{MOUNT}/call/", self.base);
        let resp = self
            .with(
                who,
                self.http.post(url).json(&json!({"fn": name, "args": args})),
            )
            .send()
            .await
            .expect("the fixture answers");
        let status = resp.status();
        let body: Value = resp.json().await.expect("a JSON body");
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        body
    }

    /// The stored name of a user, read through the uncached view path
    /// (`/profile/{id}/` renders it straight from the store).
    pub(crate) async fn stored_name(&self, user_id: i64) -> String {
        let url = format!("{}/profile/{user_id}/", self.base);
        let html = self
            .http
            .get(url)
            .send()
            .await
            .expect("the fixture answers")
            .text()
            .await
            .expect("a body");
        html.split("<h1>")
            .nth(1)
            .and_then(|rest| rest.split("</h1>").next())
            .unwrap_or_else(|| panic!("no <h1> in {html}"))
            .to_owned()
    }

    /// The origin cache's counters.
    pub(crate) fn stats(&self) -> CacheStats {
        self.server
            .cache()
            .expect("the fixture has a cache")
            .stats()
    }
}

/// `user_profile.name` of a `user` bundle.
pub(crate) fn profile_name(fetched: &Fetched) -> &str {
    fetched.body["user_profile"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("no profile name in {}", fetched.body))
}

/// Many tasks interleave reads of `user;user_id=<1..3>` (as three callers)
/// with renames and broad touches, on every instance; afterwards a read of
/// every instance, as every caller, returns the stored name.
pub(crate) async fn race(instances: &[Arc<Instance>]) {
    let mut tasks = Vec::new();
    for t in 0..12usize {
        let fx = instances[t % instances.len()].clone();
        tasks.push(tokio::spawn(async move {
            let who = [Who::Anonymous, Who::User(1), Who::User(2)][t % 3];
            for i in 0..25usize {
                let id = 1 + (t + i) % 3;
                match (t + i) % 6 {
                    0 => {
                        let name = format!("t{t}-{i}");
                        fx.call(who, "rename_user", json!({"user_id": id, "name": name}))
                            .await;
                    }
                    1 if i % 4 == 0 => {
                        fx.call(who, "touch_users", json!({})).await;
                    }
                    _ => {
                        let r = fx.ctx(who, "user", &format!("user_id={id}")).await;
                        assert_eq!(r.status, StatusCode::OK);
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("no panic");
    }
    for fx in instances {
        for id in 1..=3 {
            let stored = fx.stored_name(id).await;
            for who in [Who::Anonymous, Who::User(1), Who::User(2), Who::User(3)] {
                let r = fx.ctx(who, "user", &format!("user_id={id}")).await;
                assert_eq!(profile_name(&r), stored, "user_id={id} as {who:?}");
            }
        }
    }
}
