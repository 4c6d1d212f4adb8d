//! The Mizan conformance fixture (`../shared/spec/FIXTURE.md`): the same app every
//! backend adapter ships, so that one black-box suite can probe any adapter
//! over the wire.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use mizan::cache::OriginCache;
use mizan::prelude::*;
use mizan::{Identity, Registry, Server};

/// Default MWT secret (test-only value).
pub const DEFAULT_MWT_SECRET: &str = "fixture-mwt-secret-0123456789abcdef";
/// Default cache secret (test-only value).
pub const DEFAULT_CACHE_SECRET: &str = "fixture-cache-secret-0123456789abc";
/// The cookie of the fixture's stand-in session store.
pub const SESSION_COOKIE: &str = "mizan_fixture_session";

/// The fixture's users: id, name, staff, superuser, perms.
pub const USERS: [(i64, &str, bool, bool, &[&str]); 4] = [
    (1, "alice", false, false, &[]),
    (2, "bob", true, false, &[]),
    (3, "root", true, true, &[]),
    (4, "carol", false, false, &["items.edit"]),
];

// ---- types -------------------------------------------------------------

/// `{message}`.
#[derive(Debug, Serialize, Deserialize, Mizan)]
pub struct EchoOutput {
    /// The message.
    pub message: String,
}

/// `{total}`.
#[derive(Debug, Serialize, Deserialize, Mizan)]
pub struct SumOutput {
    /// The total.
    pub total: i64,
}

/// `{email, authenticated}`.
#[derive(Debug, Serialize, Deserialize, Mizan)]
pub struct UserOutput {
    /// `<name>@example.com`.
    pub email: String,
    /// Whether the caller has an identity.
    pub authenticated: bool,
}

/// A user's profile.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct Profile {
    /// User id.
    pub user_id: i64,
    /// Display name.
    pub name: String,
}

/// An order.
#[derive(Debug, Serialize, Deserialize, Mizan)]
pub struct Order {
    /// Order id.
    pub id: i64,
    /// Total.
    pub total: f64,
}

/// An item.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct Item {
    /// Item id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// What `upload_file` saw.
#[derive(Debug, Serialize, Deserialize, Mizan)]
pub struct UploadOutput {
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// The label argument.
    pub label: String,
}

/// A chat room: the `chat` channel's params.
#[derive(Debug, Clone, Serialize, Deserialize, Mizan)]
pub struct Room {
    /// The room's name.
    pub room: String,
}

/// What a client sends to the chat.
#[derive(Debug, Serialize, Deserialize, Mizan)]
pub struct ChatSend {
    /// The text.
    pub text: String,
}

/// What the chat pushes.
#[derive(Debug, Serialize, Deserialize, Mizan)]
pub struct ChatMessage {
    /// The room.
    pub room: String,
    /// The text.
    pub text: String,
    /// The sender's name, or `anon`.
    pub author: String,
}

// ---- state -------------------------------------------------------------

/// In-memory state, seeded identically on every start. Clones share the
/// same data, like several server instances over one database.
#[derive(Debug, Clone)]
pub struct Store {
    profiles: Arc<Mutex<BTreeMap<i64, String>>>,
    items: Arc<Mutex<BTreeMap<i64, String>>>,
    random: Arc<AtomicI64>,
}

impl Default for Store {
    fn default() -> Self {
        Self {
            profiles: Arc::new(Mutex::new(
                USERS.iter().map(|u| (u.0, u.1.to_owned())).collect(),
            )),
            items: Arc::new(Mutex::new(
                [(1, "one".to_owned()), (2, "two".to_owned())].into(),
            )),
            random: Arc::new(AtomicI64::new(0)),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn user_name(id: &str) -> String {
    id.parse::<i64>()
        .ok()
        .and_then(|id| USERS.iter().find(|u| u.0 == id))
        .map_or_else(|| format!("user{id}"), |u| u.1.to_owned())
}

// ---- contexts ----------------------------------------------------------

/// The `user` context.
#[mizan::context("user")]
pub struct UserCtx;

/// The `items` context.
#[mizan::context("items")]
pub struct ItemsCtx;

/// The `search` context.
#[mizan::context("search")]
pub struct SearchCtx;

// ---- plain RPC ---------------------------------------------------------

/// `"echo: <text>"`.
#[mizan::client]
pub async fn echo(text: String) -> EchoOutput {
    EchoOutput {
        message: format!("echo: {text}"),
    }
}

/// `a + b`.
#[mizan::client]
pub async fn add(a: i64, b: i64) -> Result<SumOutput, MizanError> {
    a.checked_add(b)
        .map(|total| SumOutput { total })
        .ok_or_else(|| MizanError::invalid_field("b", "a + b overflows a 64-bit integer"))
}

/// `a * b`.
#[mizan::client]
pub async fn multiply(a: i64, b: i64) -> Result<SumOutput, MizanError> {
    a.checked_mul(b)
        .map(|total| SumOutput { total })
        .ok_or_else(|| MizanError::invalid_field("b", "a * b overflows a 64-bit integer"))
}

/// The caller's address.
#[mizan::client(auth)]
pub async fn whoami(req: &Request) -> Result<UserOutput, MizanError> {
    let id = req.require_identity()?;
    Ok(UserOutput {
        email: format!("{}@example.com", user_name(id.id())),
        authenticated: true,
    })
}

/// Staff only.
#[mizan::client(auth = "staff")]
pub async fn staff_only() -> EchoOutput {
    EchoOutput {
        message: "staff".into(),
    }
}

/// Superusers only.
#[mizan::client(auth = "superuser")]
pub async fn superuser_only() -> EchoOutput {
    EchoOutput {
        message: "superuser".into(),
    }
}

/// The `items.edit` permission predicate.
pub fn can_edit(identity: &Identity) -> bool {
    identity.has_perm("items.edit")
}

/// Only identities with `items.edit`.
#[mizan::client(auth = can_edit)]
pub async fn can_edit_items() -> EchoOutput {
    EchoOutput {
        message: "ok".into(),
    }
}

/// Always `NOT_IMPLEMENTED`.
#[mizan::client]
pub async fn not_implemented_fn() -> Result<EchoOutput, MizanError> {
    Err(MizanError::not_implemented(
        "not_implemented_fn is not implemented",
    ))
}

/// Always panics; must come back as a 500 envelope.
#[mizan::client]
#[allow(clippy::panic)]
pub async fn buggy_fn() -> EchoOutput {
    panic!("buggy_fn exploded with secret internals")
}

/// All items, as a bare array.
#[mizan::client]
pub async fn list_items(req: &Request) -> Result<Vec<Item>, MizanError> {
    let store = req.state::<Store>()?;
    Ok(lock(&store.items)
        .iter()
        .map(|(&id, name)| Item {
            id,
            name: name.clone(),
        })
        .collect())
}

/// One item, or `null`.
#[mizan::client]
pub async fn find_item(req: &Request, item_id: i64) -> Result<Option<Item>, MizanError> {
    let store = req.state::<Store>()?;
    Ok(lock(&store.items).get(&item_id).map(|name| Item {
        id: item_id,
        name: name.clone(),
    }))
}

/// Reports what was uploaded.
#[mizan::client]
pub async fn upload_file(file: Upload, label: String) -> UploadOutput {
    UploadOutput {
        name: file.file_name.clone(),
        size: file.len() as i64,
        label,
    }
}

/// Socket-only echo.
#[mizan::client(websocket)]
pub async fn ws_echo(text: String) -> EchoOutput {
    EchoOutput {
        message: format!("echo: {text}"),
    }
}

// ---- channels ----------------------------------------------------------

/// The `chat` channel: rooms anyone may join, but `staff`.
#[mizan::channel("chat")]
pub struct Chat;

impl Channel for Chat {
    type Params = Room;
    type Send = ChatSend;
    type Message = ChatMessage;

    async fn join(req: &Request, params: &Room) -> Result<(), MizanError> {
        if params.room == "staff" && !req.require_identity()?.is_staff() {
            return Err(MizanError::forbidden("the staff room is for staff"));
        }
        Ok(())
    }

    /// Everyone in the room gets the message, the sender included.
    async fn send(
        req: &Request,
        params: &Room,
        message: ChatSend,
    ) -> Result<Option<ChatMessage>, MizanError> {
        Ok(Some(ChatMessage {
            room: params.room.clone(),
            text: message.text,
            author: req
                .identity()
                .map_or_else(|| "anon".to_owned(), |id| user_name(id.id())),
        }))
    }
}

// ---- contexts: global, user, items, … ----------------------------------

/// The caller, or anonymous.
#[mizan::client(context = "global")]
pub async fn current_user(req: &Request) -> UserOutput {
    match req.identity() {
        Some(id) => UserOutput {
            email: format!("{}@example.com", user_name(id.id())),
            authenticated: true,
        },
        None => UserOutput {
            email: "anon@example.com".into(),
            authenticated: false,
        },
    }
}

/// A stored profile.
#[mizan::client(context = UserCtx)]
pub async fn user_profile(req: &Request, user_id: i64) -> Result<Profile, MizanError> {
    let store = req.state::<Store>()?;
    let name = lock(&store.profiles).get(&user_id).cloned();
    name.map(|name| Profile { user_id, name })
        .ok_or_else(|| MizanError::not_found(format!("No user with id {user_id}")))
}

/// Orders `user_id*100+i`, total `i + 0.5`, i = 1..3, the first `limit`.
#[mizan::client(context = UserCtx)]
pub async fn user_orders(user_id: i64, #[mizan(default = 10)] limit: i64) -> Vec<Order> {
    (1..=3)
        .take(usize::try_from(limit.max(0)).unwrap_or(0))
        .map(|i| Order {
            id: user_id.saturating_mul(100).saturating_add(i),
            total: i as f64 + 0.5,
        })
        .collect()
}

/// The profile page (a view-path member of `user`).
#[mizan::client(context = UserCtx, route = "/profile/{user_id}/")]
pub async fn profile_page(req: &Request, user_id: i64) -> Result<ViewResponse, MizanError> {
    let store = req.state::<Store>()?;
    let name = lock(&store.profiles).get(&user_id).cloned();
    let name = name.ok_or_else(|| MizanError::not_found(format!("No user with id {user_id}")))?;
    Ok(ViewResponse::html(format!(
        "<!doctype html><html><body><h1>{}</h1></body></html>",
        escape_html(&name)
    )))
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Renames a user; invalidates `user` scoped by `user_id`.
#[mizan::client(affects = UserCtx)]
pub async fn rename_user(req: &Request, user_id: i64, name: String) -> Result<Profile, MizanError> {
    let store = req.state::<Store>()?;
    lock(&store.profiles).insert(user_id, name.clone());
    Ok(Profile { user_id, name })
}

/// Broad invalidation of `user`.
#[mizan::client(affects = UserCtx)]
pub async fn touch_users() -> EchoOutput {
    EchoOutput {
        message: "touched".into(),
    }
}

/// Renames; the client splices the result into `user_profile`.
#[mizan::client(merge = UserCtx)]
pub async fn rename_profile(
    req: &Request,
    user_id: i64,
    name: String,
) -> Result<Profile, MizanError> {
    let store = req.state::<Store>()?;
    lock(&store.profiles).insert(user_id, name.clone());
    Ok(Profile { user_id, name })
}

/// Items sorted by id.
#[mizan::client(context = ItemsCtx)]
pub async fn items_list(req: &Request) -> Result<Vec<Item>, MizanError> {
    list_items(req).await
}

/// Upserts an item; the client splices it into `items_list` by `id`.
#[mizan::client(merge = ItemsCtx)]
pub async fn set_item_name(req: &Request, id: i64, name: String) -> Result<Item, MizanError> {
    let store = req.state::<Store>()?;
    lock(&store.items).insert(id, name.clone());
    Ok(Item { id, name })
}

/// A webhook: private, view path, invalidates `items`.
#[mizan::client(private, affects = ItemsCtx, route = "/webhooks/stripe/", methods = ["POST"])]
pub async fn stripe_webhook() -> ViewResponse {
    ViewResponse::status(mizan::__private::StatusCode::NO_CONTENT)
}

/// Cached for 60 s.
#[mizan::client(context = "trending", cache = 60)]
pub async fn trending() -> EchoOutput {
    EchoOutput {
        message: "trending".into(),
    }
}

/// Never cached: a fresh number each call.
#[mizan::client(context = "random", cache = false)]
pub async fn random_value(req: &Request) -> Result<SumOutput, MizanError> {
    let store = req.state::<Store>()?;
    Ok(SumOutput {
        total: store.random.fetch_add(1, Ordering::Relaxed) + 1,
    })
}

/// `item_id`.
#[mizan::client(context = "versioned", rev = 0)]
pub async fn versioned_a(item_id: i64) -> SumOutput {
    SumOutput { total: item_id }
}

/// `item_id * 2`.
#[mizan::client(context = "versioned", rev = 2)]
pub async fn versioned_b(item_id: i64) -> SumOutput {
    SumOutput {
        total: item_id.saturating_mul(2),
    }
}

/// Items whose name contains `q`.
#[mizan::client(context = SearchCtx)]
pub async fn search_results(req: &Request, q: String) -> Result<Vec<Item>, MizanError> {
    let store = req.state::<Store>()?;
    Ok(lock(&store.items)
        .iter()
        .filter(|(_, name)| name.contains(&q))
        .map(|(&id, name)| Item {
            id,
            name: name.clone(),
        })
        .collect())
}

/// Invalidates `search` scoped by `q` (its header percent-encodes `q`).
#[mizan::client(affects = SearchCtx)]
pub async fn bump_search(q: String) -> EchoOutput {
    EchoOutput { message: q }
}

// ---- wiring ------------------------------------------------------------

/// The fixture's registry: every function above plus `mwt_obtain`.
pub fn registry() -> Result<Registry, mizan::RegistryError> {
    Registry::builder().auto_registered().mwt_obtain().build()
}

/// Fixture settings (secrets from the environment in `main`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// MWT secret (key id `k1`, audience `mizan`).
    pub mwt_secret: String,
    /// Cache secret.
    pub cache_secret: String,
    /// Redis for the origin cache (`MIZAN_REDIS_URL`); in memory when `None`.
    pub redis_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mwt_secret: DEFAULT_MWT_SECRET.into(),
            cache_secret: DEFAULT_CACHE_SECRET.into(),
            redis_url: None,
        }
    }
}

impl Settings {
    /// Secrets from `MIZAN_MWT_SECRET` / `MIZAN_CACHE_SECRET`, else the
    /// defaults; the origin cache and the live bus in Redis when
    /// `MIZAN_REDIS_URL` is set.
    pub fn from_env() -> Self {
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        Self {
            mwt_secret: var("MIZAN_MWT_SECRET", DEFAULT_MWT_SECRET),
            cache_secret: var("MIZAN_CACHE_SECRET", DEFAULT_CACHE_SECRET),
            redis_url: std::env::var("MIZAN_REDIS_URL")
                .ok()
                .filter(|url| !url.is_empty()),
        }
    }

    /// The origin cache: Redis at [`redis_url`](Self::redis_url), else in
    /// memory. Redis is connected lazily: the fixture starts while it is down.
    pub fn origin_cache(&self) -> Result<OriginCache, mizan::cache::BackendError> {
        Ok(match &self.redis_url {
            Some(url) => OriginCache::new(mizan::redis::RedisBackend::new(url)?),
            None => OriginCache::memory(),
        })
    }

    /// The MWT settings: key `k1`, audience `mizan`.
    pub fn mwt(&self) -> mizan::mwt::MwtConfig {
        mizan::mwt::MwtConfig::new(mizan::mwt::MwtKey::new(
            "k1",
            self.mwt_secret.as_bytes().to_vec(),
        ))
    }
}

/// Identity of a `mizan_fixture_session=<user id>` cookie.
pub fn session_identity(headers: &mizan::__private::HeaderMap) -> Option<Identity> {
    let id: i64 = mizan::csrf::cookie_value(headers, SESSION_COOKIE)?
        .parse()
        .ok()?;
    let (id, _, staff, superuser, perms) = USERS.iter().find(|u| u.0 == id)?;
    Some(
        Identity::new(id.to_string())
            .staff(*staff)
            .superuser(*superuser)
            .perms(perms.iter().copied()),
    )
}

/// The fixture server, with fresh seed data.
pub fn server(settings: &Settings) -> Result<Server, Box<dyn std::error::Error>> {
    server_with_store(settings, Store::default())
}

/// The fixture server over `store` (clones of one store share data: several
/// instances behind one Redis, as in production).
pub fn server_with_store(
    settings: &Settings,
    store: Store,
) -> Result<Server, Box<dyn std::error::Error>> {
    let mut builder = Server::builder()
        .registry(registry()?)
        .state(store)
        .mwt(settings.mwt())
        .cache_secret(settings.cache_secret.as_bytes().to_vec())
        .cache(settings.origin_cache()?)
        .session_resolver(|headers| std::future::ready(session_identity(headers)));
    if let Some(url) = &settings.redis_url {
        // Pushes and chat messages cross instances through the same Redis.
        builder = builder.bus(mizan::redis::RedisBus::new(url)?);
    }
    Ok(builder.build()?)
}
