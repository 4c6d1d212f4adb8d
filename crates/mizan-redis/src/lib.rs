//! Redis for Mizan apps that run on several server instances: a backend for
//! the origin cache (one cache, and one set of generation counters, shared by
//! every instance, so that a purge made on one instance is seen by all of
//! them on their next read), and [`RedisBus`], the live bus that carries
//! pushes and channel messages between instances.
//!
//! ```no_run
//! use mizan_core::cache::OriginCache;
//! use mizan_redis::RedisBackend;
//!
//! # fn build(registry: mizan_core::Registry) -> Result<(), Box<dyn std::error::Error>> {
//! let backend = RedisBackend::new("redis://127.0.0.1:6379/")?; // connects lazily
//! let server = mizan_core::Server::builder()
//!     .registry(registry)
//!     .cache_secret(std::env::var("MIZAN_CACHE_SECRET")?)
//!     .cache(OriginCache::new(backend))
//!     .build()?;
//! # drop(server); Ok(()) }
//! ```
//!
//! Commands: `MGET` reads every generation counter of a fetch in one round
//! trip, `GET` reads the entry, `SET … EX` stores it, and a purge is `INCR` +
//! `EXPIRE` of its counters in one `MULTI`. Nothing on a request path scans
//! the keyspace.
//!
//! # Operating Redis for the cache
//! - Generation counters carry a long TTL (twice the cache's safety net) and
//!   may be evicted under any `maxmemory-policy`: a missing counter is created
//!   at a random 48-bit value (on read and on purge), never back at a value a
//!   live entry was stored under.
//! - If Redis loses its data (a restart without persistence, `FLUSHALL`), the
//!   entries go with the counters, so nothing stale survives it.
//!
//! # Failures
//! The connection is a multiplexed one behind `redis`'s `ConnectionManager`:
//! when Redis goes away the manager reconnects in the background (exponential
//! backoff, capped by [`RedisOptions::max_reconnect_delay`]) and requests
//! made meanwhile fail fast; the origin cache serves them uncached and counts
//! the errors. Once Redis answers again, caching resumes by itself.
//!
//! # Why the `redis` crate (not `fred`)
//! Both are mature async clients with automatic reconnection. We chose
//! [`redis`](https://docs.rs/redis) (redis-rs) because:
//! - **maintenance**: it is released steadily by a team under the Redis
//!   organisation (1.2.2 → 1.8.1 between May and October 2026), while `fred`
//!   is mostly one maintainer's and its latest release, 10.1.0, dates from
//!   February 2025;
//! - **reconnects**: `ConnectionManager` gives exactly what the cache needs —
//!   one multiplexed connection, lazily connected (a server starts even when
//!   Redis is down), reconnecting with backoff after an I/O error, with
//!   connection and response timeouts — without a pool to size;
//! - **weight**: with `default-features = false` and `tokio-comp` +
//!   `connection-manager` it resolves to 80 crates, against 102 for `fred`
//!   with only its key commands enabled, and much of it (tokio, bytes,
//!   futures) is already in a Mizan server's tree.

mod bus;
#[cfg(feature = "testing")]
pub mod testing;

pub use bus::{DEFAULT_CHANNEL, RedisBus};

use std::time::Duration;

use bytes::Bytes;
use mizan_core::cache::{BackendError, CacheBackend};
use mizan_core::function::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Connection settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// Limit on each connection attempt (default 250 ms).
    pub connect_timeout: Duration,
    /// Limit on each command's reply (default 250 ms). The origin cache has
    /// its own limit per operation; this one frees the connection's slot.
    pub response_timeout: Duration,
    /// Upper bound of the backoff between reconnection attempts (default
    /// 1 s): how long after Redis is back caching may take to resume.
    pub max_reconnect_delay: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_millis(250),
            response_timeout: Duration::from_millis(250),
            max_reconnect_delay: Duration::from_secs(1),
        }
    }
}

/// The origin cache's storage in Redis. Cheap to clone (one shared
/// multiplexed connection).
#[derive(Clone)]
pub struct RedisBackend {
    connection: ConnectionManager,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend").finish_non_exhaustive()
    }
}

fn backend_error(err: redis::RedisError) -> BackendError {
    BackendError::new(format!("redis: {err}"))
}

/// A fresh random start for a counter: 48 random bits, so that increments
/// never overflow Redis' signed 64-bit integers.
fn birth_value() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes[..6]).is_err() {
        // No OS randomness: the clock still makes a restart at an old value
        // unlikely.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
            .unwrap_or(0);
        bytes[..4].copy_from_slice(&nanos.to_le_bytes());
    }
    u64::from_le_bytes(bytes) | 1 << 47
}

/// `EX` takes whole seconds, at least one.
fn whole_seconds(ttl: Duration) -> u64 {
    ttl.as_secs().max(1)
}

impl RedisBackend {
    /// A backend for `url` (`redis://host:port/db`, `rediss://` needs TLS
    /// features not enabled here) with default options. Connects lazily:
    /// only a malformed URL fails here.
    pub fn new(url: &str) -> Result<Self, BackendError> {
        Self::with_options(url, RedisOptions::default())
    }

    /// A backend with these connection settings.
    pub fn with_options(url: &str, options: RedisOptions) -> Result<Self, BackendError> {
        let client = redis::Client::open(url).map_err(backend_error)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.connect_timeout))
            .set_response_timeout(Some(options.response_timeout))
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(options.max_reconnect_delay)
            .set_number_of_retries(6);
        let connection =
            ConnectionManager::new_lazy_with_config(client, config).map_err(backend_error)?;
        Ok(Self { connection })
    }

    /// `PING`: whether Redis answers now.
    pub async fn ping(&self) -> Result<(), BackendError> {
        let mut conn = self.connection.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(drop)
            .map_err(backend_error)
    }
}

impl CacheBackend for RedisBackend {
    fn generations(
        &self,
        keys: Vec<String>,
        keep_for: Duration,
    ) -> BoxFuture<Result<Vec<u64>, BackendError>> {
        let mut conn = self.connection.clone();
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let mut values: Vec<Option<u64>> = redis::cmd("MGET")
                .arg(&keys)
                .query_async(&mut conn)
                .await
                .map_err(backend_error)?;
            if values.len() != keys.len() {
                return Err(BackendError::new(format!(
                    "redis: MGET of {} keys answered {} values",
                    keys.len(),
                    values.len()
                )));
            }
            let missing: Vec<usize> = (0..keys.len()).filter(|&i| values[i].is_none()).collect();
            if !missing.is_empty() {
                // A counter Redis lost (evicted, expired) must not restart at
                // a value an entry still alive was stored under: it is born
                // at a random value (SET NX keeps a concurrent birth).
                let mut pipe = redis::pipe();
                pipe.atomic();
                for &i in &missing {
                    pipe.cmd("SET")
                        .arg(&keys[i])
                        .arg(birth_value())
                        .arg("NX")
                        .arg("EX")
                        .arg(whole_seconds(keep_for))
                        .ignore();
                    pipe.cmd("GET").arg(&keys[i]);
                }
                let born: Vec<Option<u64>> =
                    pipe.query_async(&mut conn).await.map_err(backend_error)?;
                for (&i, value) in missing.iter().zip(born) {
                    values[i] = value;
                }
            }
            values
                .into_iter()
                .map(|v| {
                    v.ok_or_else(|| {
                        BackendError::new("redis: a counter vanished while it was created")
                    })
                })
                .collect()
        })
    }

    fn bump(&self, keys: Vec<String>, keep_for: Duration) -> BoxFuture<Result<(), BackendError>> {
        let mut conn = self.connection.clone();
        Box::pin(async move {
            let mut pipe = redis::pipe();
            pipe.atomic();
            for key in &keys {
                // A purge of a counter Redis lost starts it at a random value
                // too, never back at 1.
                pipe.cmd("SET")
                    .arg(key)
                    .arg(birth_value())
                    .arg("NX")
                    .ignore();
                pipe.cmd("INCR").arg(key).ignore();
                pipe.cmd("EXPIRE")
                    .arg(key)
                    .arg(whole_seconds(keep_for))
                    .ignore();
            }
            pipe.query_async::<()>(&mut conn)
                .await
                .map_err(backend_error)
        })
    }

    fn get(&self, key: String) -> BoxFuture<Result<Option<Bytes>, BackendError>> {
        let mut conn = self.connection.clone();
        Box::pin(async move {
            let value: Option<Vec<u8>> = redis::cmd("GET")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .map_err(backend_error)?;
            Ok(value.map(Bytes::from))
        })
    }

    fn set(&self, key: String, value: Bytes, ttl: Duration) -> BoxFuture<Result<(), BackendError>> {
        let mut conn = self.connection.clone();
        Box::pin(async move {
            redis::cmd("SET")
                .arg(&key)
                .arg(value.as_ref())
                .arg("EX")
                .arg(whole_seconds(ttl))
                .query_async::<()>(&mut conn)
                .await
                .map_err(backend_error)
        })
    }
}
