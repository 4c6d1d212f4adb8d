//! The origin cache (../shared/spec/CACHE.md): context bundles cached at the origin under
//! HMAC keys, purged by the mutations that invalidate them, for every user.
//!
//! ```
//! use std::time::Duration;
//! use mizan_core::cache::OriginCache;
//!
//! // In-process memory; a shared Redis is `mizan_redis::RedisBackend`.
//! let cache = OriginCache::memory()
//!     .timeout(Duration::from_millis(100))
//!     .safety_net_ttl(Duration::from_secs(3600));
//! let server = mizan_core::Server::builder()
//!     .registry(mizan_core::Registry::builder().build().expect("a registry"))
//!     .cache_secret("a-cache-secret-of-32-bytes-or-more")
//!     .cache(cache.clone())
//!     .build()
//!     .expect("a server");
//! # drop(server);
//! assert_eq!(cache.stats().hits, 0);
//! ```
//!
//! - [`key`]: the pinned key of a fetch (cross-language vectors);
//! - [`generation`]: the counters that make purges reach every user's copy;
//! - [`backend`]: the storage trait; [`memory`]: the in-process backend;
//! - single-flight (one execution per cold key per instance) is internal.
//!
//! The design and its failure behaviour are described in `docs/cache.md`.

pub mod backend;
mod flight;
pub mod generation;
pub mod key;
pub mod memory;

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Map, Value};

pub use backend::{BackendError, CacheBackend};
pub use memory::MemoryBackend;

use crate::breaker::Breaker;
use crate::error::MizanError;
use crate::function::{BoxFuture, CachePolicy};
use crate::graph::Context;
use crate::invalidation::Target;
use crate::json::JsonText;
use flight::Flights;
use generation::{MAX_KEYED_PARAMS, entry_key, lookup_keys, scope_key, user_key};
use key::{canonical_params, derive_cache_key};

/// The response header reporting the cache's part in a context fetch.
pub const CACHE_HEADER: &str = "x-mizan-cache";
/// Default time limit of one backend operation: 250 ms.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);
/// Default safety-net TTL: 24 hours.
pub const DEFAULT_SAFETY_NET_TTL: Duration = Duration::from_secs(24 * 3600);
/// Default prefix of every key the cache writes.
pub const DEFAULT_NAMESPACE: &str = "mizan:";

/// What the cache did for one context fetch (`X-Mizan-Cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheStatus {
    /// Served from the cache.
    Hit,
    /// Computed now (and stored when the backend allowed it). Also reported
    /// when the backend failed and the bundle was served uncached.
    Miss,
    /// Never cached: the context's policy is `cache = false`.
    Bypass,
}

impl CacheStatus {
    /// `HIT`, `MISS` or `BYPASS`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "HIT",
            Self::Miss => "MISS",
            Self::Bypass => "BYPASS",
        }
    }
}

impl fmt::Display for CacheStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A snapshot of the cache's counters (monotonic since start), for an app to
/// export to its metrics system.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Fetches served from the cache.
    pub hits: u64,
    /// Fetches computed (cold, stale, or with the backend failing).
    pub misses: u64,
    /// Fetches of contexts that are never cached.
    pub bypasses: u64,
    /// Targets purged (each scoped or broad target, each `purge_user`).
    pub purges: u64,
    /// Backend operations that failed or timed out.
    pub errors: u64,
    /// Backend operations skipped because the backend had just failed
    /// (served uncached at once, see [`crate::breaker`]).
    pub skipped: u64,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    bypasses: AtomicU64,
    purges: AtomicU64,
    errors: AtomicU64,
    skipped: AtomicU64,
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

type Shared = Result<JsonText, MizanError>;

struct State {
    counters: Counters,
    flights: Flights<Shared>,
    breaker: Breaker,
    /// Counters a purge could not bump (the backend was failing): bumped
    /// before this instance reads the backend again, so that it never
    /// serves what a purge it made should have hidden. A set: an outage of
    /// many mutations of a few instances leaves a few keys.
    pending: Mutex<BTreeSet<String>>,
}

/// The origin cache: a backend plus its settings, counters and in-flight
/// fetches. Clones share all of them, so an app can keep one to read
/// [`stats`](Self::stats) after handing another to
/// [`ServerBuilder::cache`](crate::ServerBuilder::cache).
///
/// Keys are HMACs under the server's cache secret, which the server passes
/// to [`fetch`](Self::fetch), [`purge`](Self::purge) and
/// [`purge_user`](Self::purge_user) (apps call them through
/// [`Server`](crate::Server)).
#[derive(Clone)]
pub struct OriginCache {
    backend: Arc<dyn CacheBackend>,
    timeout: Duration,
    safety_net_ttl: Duration,
    namespace: Arc<str>,
    state: Arc<State>,
}

impl fmt::Debug for OriginCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginCache")
            .field("timeout", &self.timeout)
            .field("safety_net_ttl", &self.safety_net_ttl)
            .field("namespace", &self.namespace)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl OriginCache {
    /// A cache in this process's memory ([`MemoryBackend`] with its default
    /// bounds).
    pub fn memory() -> Self {
        Self::new(MemoryBackend::new())
    }

    /// A cache over `backend`.
    pub fn new(backend: impl CacheBackend) -> Self {
        Self::with_backend(Arc::new(backend))
    }

    /// A cache over a shared backend handle.
    pub fn with_backend(backend: Arc<dyn CacheBackend>) -> Self {
        Self {
            backend,
            timeout: DEFAULT_TIMEOUT,
            safety_net_ttl: DEFAULT_SAFETY_NET_TTL,
            namespace: Arc::from(DEFAULT_NAMESPACE),
            state: Arc::new(State {
                counters: Counters::default(),
                flights: Flights::default(),
                breaker: Breaker::default(),
                pending: Mutex::default(),
            }),
        }
    }

    /// Time limit of each backend operation (default 250 ms). Past it the
    /// operation counts as failed and the request is served uncached.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long the backend is skipped after it failed, before one request
    /// tries it again (default 1 s; see [`crate::breaker`]).
    #[must_use]
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        // Only before the cache is shared: a clone keeps the state it had.
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.breaker = Breaker::new(cooldown);
        }
        self
    }

    /// TTL of bundles of contexts without a `cache = <seconds>` policy, and
    /// the upper bound of every TTL (default 24 h).
    #[must_use]
    pub fn safety_net_ttl(mut self, ttl: Duration) -> Self {
        self.safety_net_ttl = ttl;
        self
    }

    /// Prefix of every key written (default `mizan:`), so that several apps
    /// can share one Redis.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Arc::from(namespace.into());
        self
    }

    /// The counters so far.
    pub fn stats(&self) -> CacheStats {
        let c = &self.state.counters;
        let read = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CacheStats {
            hits: read(&c.hits),
            misses: read(&c.misses),
            bypasses: read(&c.bypasses),
            purges: read(&c.purges),
            errors: read(&c.errors),
            skipped: read(&c.skipped),
        }
    }

    /// How long a bundle of a context with this policy is kept; `None` when
    /// it is never cached.
    pub fn ttl_for(&self, policy: CachePolicy) -> Option<Duration> {
        match policy {
            CachePolicy::Never | CachePolicy::Ttl(0) => None,
            CachePolicy::Ttl(seconds) => {
                Some(Duration::from_secs(seconds).min(self.safety_net_ttl))
            }
            CachePolicy::Default => Some(self.safety_net_ttl),
        }
    }

    /// How long generation counters must outlive their last bump: longer
    /// than any entry stored under an older value can live (TTL plus the
    /// time to compute it).
    fn keep_generations_for(&self) -> Duration {
        self.safety_net_ttl.saturating_mul(2) + Duration::from_secs(3600)
    }

    /// One backend operation under the time limit; a failure is counted,
    /// opens the breaker (logged once per outage), and is handed back for
    /// the caller to carry on uncached. While the breaker is open the
    /// operation is skipped at once.
    async fn attempt<T>(
        &self,
        operation: &'static str,
        context: &str,
        fut: BoxFuture<Result<T, BackendError>>,
    ) -> Result<T, BackendError> {
        let breaker = &self.state.breaker;
        if !breaker.allows() {
            add(&self.state.counters.skipped, 1);
            return Err(BackendError::new("skipped: the backend failed moments ago"));
        }
        let result = match tokio::time::timeout(self.timeout, fut).await {
            Ok(result) => result,
            Err(_) => Err(BackendError::new(format!(
                "timed out after {} ms",
                self.timeout.as_millis()
            ))),
        };
        match &result {
            Err(err) => {
                add(&self.state.counters.errors, 1);
                if breaker.failed() {
                    tracing::warn!(
                        operation,
                        context,
                        error = %err,
                        "origin cache backend failed; serving uncached, and retrying once a second"
                    );
                }
            }
            Ok(_) => {
                if breaker.succeeded() {
                    tracing::info!(operation, "origin cache backend answers again");
                }
            }
        }
        result
    }

    /// Bumps the counters of purges that could not be made; `false` while
    /// the backend still fails (the caller must not read it then).
    async fn settle_pending_purges(&self) -> bool {
        let keys: Vec<String> = std::mem::take(&mut *self.pending()).into_iter().collect();
        if keys.is_empty() {
            return true;
        }
        let done = self
            .attempt(
                "purge (retried)",
                "*",
                self.backend.bump(keys.clone(), self.keep_generations_for()),
            )
            .await;
        if done.is_err() {
            self.pending().extend(keys);
            return false;
        }
        true
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.state
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Serves a fetch of `ctx` with these (declared, typed) param values for
    /// `user`: from the cache when a current entry exists, else by awaiting
    /// `run` — once per key across concurrent callers — and storing its
    /// result when it succeeded. `run` is dropped unpolled on a hit.
    ///
    /// Backend failures never fail the fetch: it is served uncached.
    pub async fn fetch<F>(
        &self,
        secret: &[u8],
        ctx: &Context,
        values: &Map<String, Value>,
        user: Option<&str>,
        run: F,
    ) -> Result<(JsonText, CacheStatus), MizanError>
    where
        F: Future<Output = Result<JsonText, MizanError>> + Send + 'static,
    {
        let counters = &self.state.counters;
        let ttl = match self.ttl_for(ctx.cache) {
            Some(ttl) if values.len() <= MAX_KEYED_PARAMS => ttl,
            _ => {
                add(&counters.bypasses, 1);
                return Ok((run.await?, CacheStatus::Bypass));
            }
        };
        let params = canonical_params(values);
        let pinned = derive_cache_key(secret, &ctx.name, &params, ctx.rev, user);
        let generation_keys = lookup_keys(&self.namespace, secret, &ctx.name, &params, user);
        let generations = if self.settle_pending_purges().await {
            self.attempt(
                "read generations",
                &ctx.name,
                self.backend
                    .generations(generation_keys, self.keep_generations_for()),
            )
            .await
        } else {
            Err(BackendError::new(
                "purges made while the backend failed are not in yet",
            ))
        };
        let Ok(generations) = generations else {
            // Without generations no key is safe to read or write; still
            // run concurrent identical fetches once.
            add(&counters.misses, 1);
            let flight_key = format!("{pinned}:uncached");
            let bundle = self.state.flights.run(flight_key, shared(run)).await?;
            return Ok((bundle, CacheStatus::Miss));
        };
        let key = entry_key(&self.namespace, &pinned, &generations);
        let store = match self
            .attempt("get", &ctx.name, self.backend.get(key.clone()))
            .await
        {
            // Entries are this server's own canonical text under an HMAC key:
            // served as they are, with no parse.
            Ok(Some(bytes)) => match std::str::from_utf8(&bytes) {
                Ok(text) if text.starts_with('{') => {
                    add(&counters.hits, 1);
                    return Ok((JsonText::from_canonical(text), CacheStatus::Hit));
                }
                _ => {
                    add(&counters.errors, 1);
                    tracing::warn!(context = %ctx.name, "origin cache entry is not a JSON object; recomputing");
                    true
                }
            },
            Ok(None) => true,
            Err(_) => false,
        };
        add(&counters.misses, 1);
        let work = {
            let cache = self.clone();
            let context = ctx.name.clone();
            let key = key.clone();
            async move {
                let bundle = run.await?;
                if store {
                    let bytes = Bytes::copy_from_slice(bundle.as_str().as_bytes());
                    // Failure is counted and logged inside; the bundle is
                    // served either way.
                    let _ = cache
                        .attempt("set", &context, cache.backend.set(key, bytes, ttl))
                        .await;
                }
                Ok(bundle)
            }
        };
        let bundle = self.state.flights.run(key, work).await?;
        Ok((bundle, CacheStatus::Miss))
    }

    /// Makes every cached bundle matched by these targets unreachable, for
    /// every user and every instance sharing the backend: one round trip
    /// that bumps one counter per distinct target (§3.2 scoping: a scoped
    /// target's params as canonical strings; a broad target the context's
    /// own counter).
    pub async fn purge(&self, secret: &[u8], targets: &[Target]) -> Result<(), BackendError> {
        if targets.is_empty() {
            return Ok(());
        }
        let mut keys: Vec<String> = targets
            .iter()
            .map(|t| scope_key(&self.namespace, secret, &t.context, &t.canonical_params()))
            .collect();
        keys.sort();
        keys.dedup();
        let contexts: Vec<&str> = targets.iter().map(|t| t.context.as_str()).collect();
        let result = self
            .attempt(
                "purge",
                &contexts.join(","),
                self.backend.bump(keys.clone(), self.keep_generations_for()),
            )
            .await;
        match &result {
            Ok(()) => add(&self.state.counters.purges, targets.len() as u64),
            Err(_) => self.pending().extend(keys),
        }
        result
    }

    /// Makes everything cached for `user_id` (under its identity, in every
    /// context) unreachable — for erasure requests. One round trip.
    pub async fn purge_user(&self, secret: &[u8], user_id: &str) -> Result<(), BackendError> {
        let key = user_key(&self.namespace, secret, user_id);
        let result = self
            .attempt(
                "purge user",
                "*",
                self.backend
                    .bump(vec![key.clone()], self.keep_generations_for()),
            )
            .await;
        match &result {
            Ok(()) => add(&self.state.counters.purges, 1),
            Err(_) => {
                self.pending().insert(key);
            }
        }
        result
    }
}

async fn shared<F>(run: F) -> Shared
where
    F: Future<Output = Result<JsonText, MizanError>> + Send + 'static,
{
    run.await
}

#[cfg(test)]
mod tests;
