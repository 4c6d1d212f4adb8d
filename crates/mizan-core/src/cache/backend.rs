//! The storage behind the origin cache: an object-safe async trait, so that
//! the in-process [`MemoryBackend`](super::memory::MemoryBackend) and a shared
//! store (Redis, in `mizan-redis`) plug in the same way.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use crate::function::BoxFuture;

/// A failure of the cache's storage (connection refused, timeout, protocol
/// error). The origin cache never turns one into a failed request: it counts
/// it, logs it and serves uncached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendError(pub String);

impl BackendError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BackendError {}

/// Storage for cached bundles and generation counters.
///
/// Every method is one round trip to the store. Keys arrive already derived
/// (HMAC-based, see `cache/generation.rs`); a backend stores them as given.
/// Arguments are owned so that the returned futures are `'static` and the
/// trait stays object-safe (`Arc<dyn CacheBackend>`).
///
/// Contract:
/// - a counter never reads a value it held before it was lost: a store that
///   can lose counters (evicted, expired, flushed) creates a missing counter
///   at a fresh random value rather than `0`, on read and on bump; a store
///   that cannot lose them may start every counter at `0`;
/// - [`bump`](Self::bump) increments atomically (concurrent bumps are never
///   lost) and keeps each counter for at least `keep_for` after its last
///   bump or creation.
pub trait CacheBackend: Send + Sync + 'static {
    /// Reads these generation counters, in order, in one round trip in the
    /// steady state (Redis: `MGET`); missing counters are created as the
    /// contract says, kept for `keep_for`.
    fn generations(
        &self,
        keys: Vec<String>,
        keep_for: Duration,
    ) -> BoxFuture<Result<Vec<u64>, BackendError>>;

    /// Increments each counter by one, in one round trip (Redis: `INCR`s in
    /// a `MULTI`), keeping them for at least `keep_for`.
    fn bump(&self, keys: Vec<String>, keep_for: Duration) -> BoxFuture<Result<(), BackendError>>;

    /// The stored value, unless absent or expired (Redis: `GET`).
    fn get(&self, key: String) -> BoxFuture<Result<Option<Bytes>, BackendError>>;

    /// Stores `value` for `ttl` (Redis: `SET … EX`).
    fn set(&self, key: String, value: Bytes, ttl: Duration) -> BoxFuture<Result<(), BackendError>>;
}
