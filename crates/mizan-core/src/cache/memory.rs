//! The in-process backend: a size-bounded LRU of entries with per-entry
//! expiry, and a bounded table of generation counters.
//!
//! ```
//! use mizan_core::cache::memory::MemoryBackend;
//!
//! // At most 16 MiB of keys and values; least recently used entries go first.
//! let backend = MemoryBackend::new().max_bytes(16 * 1024 * 1024);
//! assert_eq!(backend.used_bytes(), 0);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::backend::{BackendError, CacheBackend};
use crate::function::BoxFuture;

/// Default bound on the bytes of keys and values held: 64 MiB.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;
/// Default bound on the number of generation counters held.
pub const DEFAULT_MAX_GENERATIONS: usize = 100_000;

/// Bookkeeping cost charged per entry on top of its key and value, so that
/// many tiny entries are bounded too.
const ENTRY_OVERHEAD: usize = 64;

/// Bounded in-process storage for the origin cache (one server instance).
///
/// - entries: least-recently-used eviction once their keys and values pass
///   [`max_bytes`](Self::max_bytes); an expired entry is never returned;
/// - generations: at most [`max_generations`](Self::max_generations)
///   counters. When the table is full it is emptied and every counter
///   restarts *above* every value it held, so no key derived from an old
///   value can be reached again (a rare, full flush — never a stale read).
///
/// Clones share the same storage.
#[derive(Clone)]
pub struct MemoryBackend {
    inner: Arc<Mutex<State>>,
}

impl std::fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryBackend")
            .field("entries", &state.entries.len())
            .field("used_bytes", &state.used)
            .field("max_bytes", &state.max_bytes)
            .field("generations", &state.generations.len())
            .finish()
    }
}

struct Entry {
    value: Bytes,
    expires: Instant,
    /// Position in `State::recency` (higher = used more recently).
    tick: u64,
}

struct State {
    entries: HashMap<String, Entry>,
    /// tick → key, oldest first.
    recency: BTreeMap<u64, String>,
    next_tick: u64,
    used: usize,
    max_bytes: usize,
    generations: HashMap<String, u64>,
    /// What a counter absent from `generations` reads as.
    floor: u64,
    max_generations: usize,
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new()
    }
}

fn cost(key: &str, value: &Bytes) -> usize {
    key.len() + value.len() + ENTRY_OVERHEAD
}

impl MemoryBackend {
    /// An empty backend with the default bounds.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Mutex::new(State {
                entries: HashMap::new(),
                recency: BTreeMap::new(),
                next_tick: 0,
                used: 0,
                max_bytes: DEFAULT_MAX_BYTES,
                generations: HashMap::new(),
                floor: 0,
                max_generations: DEFAULT_MAX_GENERATIONS,
            })),
        }
    }

    /// Bounds the bytes of keys and values held (plus a small per-entry
    /// overhead). An entry larger than the bound is not stored.
    #[must_use]
    pub fn max_bytes(self, bytes: usize) -> Self {
        {
            let mut state = self.lock();
            state.max_bytes = bytes;
            state.evict_to_fit(0);
        }
        self
    }

    /// Bounds the number of generation counters held (at least 1).
    #[must_use]
    pub fn max_generations(self, count: usize) -> Self {
        self.lock().max_generations = count.max(1);
        self
    }

    /// Bytes currently charged against [`max_bytes`](Self::max_bytes).
    pub fn used_bytes(&self) -> usize {
        self.lock().used
    }

    /// Number of entries held (expired ones included until touched or evicted).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves `State` consistent before anything
        // that could panic, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn read_generations(&self, keys: &[String]) -> Vec<u64> {
        let state = self.lock();
        keys.iter()
            .map(|k| state.generations.get(k).copied().unwrap_or(state.floor))
            .collect()
    }

    fn bump_generations(&self, keys: &[String]) {
        let mut state = self.lock();
        for key in keys {
            let floor = state.floor;
            *state.generations.entry(key.clone()).or_insert(floor) += 1;
        }
        if state.generations.len() > state.max_generations {
            let top = state
                .generations
                .values()
                .copied()
                .max()
                .unwrap_or(state.floor);
            state.floor = top.saturating_add(1);
            state.generations.clear();
            // Entries were all stored under values below the new floor: they
            // are unreachable now, so free their memory at once.
            state.entries.clear();
            state.recency.clear();
            state.used = 0;
        }
    }

    fn get_entry(&self, key: &str) -> Option<Bytes> {
        let mut state = self.lock();
        let now = Instant::now();
        let (expired, old_tick) = match state.entries.get(key) {
            None => return None,
            Some(entry) => (entry.expires <= now, entry.tick),
        };
        if expired {
            state.remove(key);
            return None;
        }
        let tick = state.tick();
        state.recency.remove(&old_tick);
        state.recency.insert(tick, key.to_owned());
        let entry = state.entries.get_mut(key)?;
        entry.tick = tick;
        Some(entry.value.clone())
    }

    fn set_entry(&self, key: String, value: Bytes, ttl: Duration) {
        let mut state = self.lock();
        state.remove(&key);
        let size = cost(&key, &value);
        if size > state.max_bytes {
            return;
        }
        state.evict_to_fit(size);
        let tick = state.tick();
        state.recency.insert(tick, key.clone());
        state.used += size;
        let expires = Instant::now()
            .checked_add(ttl)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(365 * 24 * 3600));
        state.entries.insert(
            key,
            Entry {
                value,
                expires,
                tick,
            },
        );
    }
}

impl State {
    fn tick(&mut self) -> u64 {
        self.next_tick += 1;
        self.next_tick
    }

    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.entries.remove(key) {
            self.recency.remove(&entry.tick);
            self.used -= cost(key, &entry.value);
        }
    }

    /// Evicts expired entries first, then the least recently used, until
    /// `incoming` more bytes fit.
    fn evict_to_fit(&mut self, incoming: usize) {
        if self.used + incoming <= self.max_bytes {
            return;
        }
        let now = Instant::now();
        let expired: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, e)| e.expires <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in expired {
            self.remove(&key);
        }
        while self.used + incoming > self.max_bytes {
            let Some((_, key)) = self.recency.pop_first() else {
                break;
            };
            if let Some(entry) = self.entries.remove(&key) {
                self.used -= cost(&key, &entry.value);
            }
        }
    }
}

impl CacheBackend for MemoryBackend {
    fn generations(
        &self,
        keys: Vec<String>,
        _keep_for: Duration,
    ) -> BoxFuture<Result<Vec<u64>, BackendError>> {
        // Counters live in this process and are only dropped all at once,
        // restarting above every old value: `0` for a missing one is safe.
        let values = self.read_generations(&keys);
        Box::pin(async move { Ok(values) })
    }

    fn bump(&self, keys: Vec<String>, _keep_for: Duration) -> BoxFuture<Result<(), BackendError>> {
        // Counters are kept until the table overflows, which restarts them
        // above every old value: at least as strong as `keep_for`.
        self.bump_generations(&keys);
        Box::pin(async { Ok(()) })
    }

    fn get(&self, key: String) -> BoxFuture<Result<Option<Bytes>, BackendError>> {
        let value = self.get_entry(&key);
        Box::pin(async move { Ok(value) })
    }

    fn set(&self, key: String, value: Bytes, ttl: Duration) -> BoxFuture<Result<(), BackendError>> {
        self.set_entry(key, value, ttl);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<T>(fut: BoxFuture<T>) -> T {
        futures_util::FutureExt::now_or_never(fut).expect("the memory backend never waits")
    }

    fn value(n: usize) -> Bytes {
        Bytes::from(vec![b'x'; n])
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn stores_and_reads_back() {
        let b = MemoryBackend::new();
        assert_eq!(block(b.get("k".into())), Ok(None));
        block(b.set("k".into(), Bytes::from_static(b"v"), HOUR)).expect("set");
        assert_eq!(block(b.get("k".into())), Ok(Some(Bytes::from_static(b"v"))));
    }

    #[test]
    fn expired_entries_are_never_returned() {
        let b = MemoryBackend::new();
        block(b.set("k".into(), value(1), Duration::ZERO)).expect("set");
        assert_eq!(block(b.get("k".into())), Ok(None));
        assert_eq!(b.len(), 0);
        assert_eq!(b.used_bytes(), 0);
    }

    #[test]
    fn eviction_keeps_within_the_byte_bound_and_drops_least_recently_used() {
        let per = cost("k00", &value(100));
        let b = MemoryBackend::new().max_bytes(per * 10);
        for i in 0..10 {
            block(b.set(format!("k{i:02}"), value(100), HOUR)).expect("set");
        }
        assert_eq!(b.len(), 10);
        // Touch k00 so that k01 is now the least recently used.
        assert!(block(b.get("k00".into())).expect("get").is_some());
        for i in 10..15 {
            block(b.set(format!("k{i:02}"), value(100), HOUR)).expect("set");
            assert!(b.used_bytes() <= per * 10);
        }
        assert_eq!(b.len(), 10);
        assert!(block(b.get("k00".into())).expect("get").is_some());
        for evicted in ["k01", "k02", "k03", "k04", "k05"] {
            assert_eq!(block(b.get(evicted.into())), Ok(None), "{evicted}");
        }
        for kept in ["k06", "k09", "k14"] {
            assert!(block(b.get(kept.into())).expect("get").is_some(), "{kept}");
        }
    }

    #[test]
    fn bound_holds_under_many_random_sizes() {
        let b = MemoryBackend::new().max_bytes(10_000);
        for i in 0..2_000usize {
            let size = (i * 7919) % 900;
            block(b.set(format!("key-{}", i % 300), value(size), HOUR)).expect("set");
            assert!(b.used_bytes() <= 10_000, "{} bytes", b.used_bytes());
        }
        let state = b.lock();
        let counted: usize = state.entries.iter().map(|(k, e)| cost(k, &e.value)).sum();
        assert_eq!(counted, state.used);
        assert_eq!(state.entries.len(), state.recency.len());
    }

    #[test]
    fn an_entry_larger_than_the_bound_is_not_stored() {
        let b = MemoryBackend::new().max_bytes(100);
        block(b.set("k".into(), value(1000), HOUR)).expect("set");
        assert_eq!(b.len(), 0);
    }

    #[test]
    fn generations_start_at_zero_and_count_bumps() {
        let b = MemoryBackend::new();
        let keys = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(block(b.generations(keys.clone(), HOUR)), Ok(vec![0, 0]));
        block(b.bump(vec!["a".into()], HOUR)).expect("bump");
        block(b.bump(vec!["a".into(), "b".into()], HOUR)).expect("bump");
        assert_eq!(block(b.generations(keys, HOUR)), Ok(vec![2, 1]));
    }

    #[test]
    fn a_full_generation_table_restarts_above_every_old_value() {
        let b = MemoryBackend::new().max_generations(2);
        let seen_before = |b: &MemoryBackend| {
            block(b.generations(vec!["a".into(), "b".into(), "never".into()], HOUR)).expect("read")
        };
        block(b.bump(vec!["a".into(), "a".into(), "a".into()], HOUR)).expect("bump");
        block(b.bump(vec!["b".into()], HOUR)).expect("bump");
        let before = seen_before(&b);
        assert_eq!(before, vec![3, 1, 0]);
        block(b.set("entry".into(), value(1), HOUR)).expect("set");
        block(b.bump(vec!["c".into()], HOUR)).expect("bump overflows");
        let after = seen_before(&b);
        for (old, new) in before.iter().zip(&after) {
            assert!(new > old, "{before:?} → {after:?}");
        }
        assert!(after.iter().all(|g| *g > 3));
        assert_eq!(b.len(), 0, "entries under old generations are dropped");
    }
}
