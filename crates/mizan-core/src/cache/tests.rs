//! The origin cache against ../shared/spec/CACHE.md, over the memory backend and failing
//! or slow backends.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;

const SECRET: &[u8] = b"test-pin-secret-that-is-32bytes!";

fn context(name: &str, cache: CachePolicy) -> Context {
    Context {
        name: name.into(),
        params: Vec::new(),
        members: Vec::new(),
        bundle: Vec::new(),
        rev: 0,
        cache,
        socket_only: false,
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A "database" of one number per test, and a run that reads it.
struct Source {
    value: Arc<AtomicUsize>,
    runs: Arc<AtomicUsize>,
}

impl Source {
    fn new() -> Self {
        Self {
            value: Arc::new(AtomicUsize::new(0)),
            runs: Arc::new(AtomicUsize::new(0)),
        }
    }
    fn set(&self, v: usize) {
        self.value.store(v, Ordering::SeqCst);
    }
    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
    fn run(&self) -> impl Future<Output = Result<JsonText, MizanError>> + Send + 'static {
        let value = self.value.clone();
        let runs = self.runs.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(JsonText::from_value(
                &json!({"v": value.load(Ordering::SeqCst)}),
            ))
        }
    }
}

async fn fetch(
    cache: &OriginCache,
    ctx: &Context,
    params: Value,
    user: Option<&str>,
    source: &Source,
) -> (Value, CacheStatus) {
    let (bundle, status) = cache
        .fetch(SECRET, ctx, &object(params), user, source.run())
        .await
        .expect("the fetch succeeds");
    (bundle.to_value()["v"].clone(), status)
}

fn scoped(context: &str, params: Value) -> Target {
    Target {
        context: context.into(),
        function: None,
        params: object(params).into_iter().collect(),
    }
}

#[tokio::test]
async fn a_second_fetch_is_a_hit_with_the_same_bundle() {
    let cache = OriginCache::memory();
    let ctx = context("user", CachePolicy::Default);
    let src = Source::new();
    assert_eq!(
        fetch(&cache, &ctx, json!({"user_id": 1}), None, &src).await,
        (json!(0), CacheStatus::Miss)
    );
    src.set(1);
    assert_eq!(
        fetch(&cache, &ctx, json!({"user_id": 1}), None, &src).await,
        (json!(0), CacheStatus::Hit)
    );
    assert_eq!(src.runs(), 1);
    assert_eq!(
        cache.stats(),
        CacheStats {
            hits: 1,
            misses: 1,
            ..CacheStats::default()
        }
    );
}

#[tokio::test]
async fn params_user_and_rev_each_get_their_own_entry() {
    let cache = OriginCache::memory();
    let ctx = context("user", CachePolicy::Default);
    let src = Source::new();
    fetch(&cache, &ctx, json!({"user_id": 1}), None, &src).await;
    for (params, user) in [
        (json!({"user_id": 2}), None),
        (json!({"user_id": 1}), Some("1")),
        (json!({"user_id": 1, "limit": 2}), None),
    ] {
        assert_eq!(
            fetch(&cache, &ctx, params, user, &src).await.1,
            CacheStatus::Miss
        );
    }
    let bumped = Context {
        rev: 1,
        ..ctx.clone()
    };
    assert_eq!(
        fetch(&cache, &bumped, json!({"user_id": 1}), None, &src)
            .await
            .1,
        CacheStatus::Miss
    );
    // `5` and `"5"` have one canonical string, so one entry.
    assert_eq!(
        fetch(&cache, &ctx, json!({"user_id": "1"}), None, &src)
            .await
            .1,
        CacheStatus::Hit
    );
}

#[tokio::test]
async fn cache_false_bypasses_and_stores_nothing() {
    let backend = MemoryBackend::new();
    let cache = OriginCache::new(backend.clone());
    let src = Source::new();
    for policy in [CachePolicy::Never, CachePolicy::Ttl(0)] {
        let ctx = context("random", policy);
        for _ in 0..3 {
            assert_eq!(
                fetch(&cache, &ctx, json!({}), None, &src).await.1,
                CacheStatus::Bypass
            );
        }
    }
    assert_eq!(src.runs(), 6);
    assert!(backend.is_empty());
    assert_eq!(cache.stats().bypasses, 6);
}

#[test]
fn ttl_is_the_context_ttl_capped_by_the_safety_net() {
    let cache = OriginCache::memory().safety_net_ttl(Duration::from_secs(100));
    assert_eq!(
        cache.ttl_for(CachePolicy::Ttl(60)),
        Some(Duration::from_secs(60))
    );
    assert_eq!(
        cache.ttl_for(CachePolicy::Ttl(6000)),
        Some(Duration::from_secs(100))
    );
    assert_eq!(
        cache.ttl_for(CachePolicy::Default),
        Some(Duration::from_secs(100))
    );
    assert_eq!(cache.ttl_for(CachePolicy::Never), None);
    assert_eq!(
        OriginCache::memory().ttl_for(CachePolicy::Default),
        Some(DEFAULT_SAFETY_NET_TTL)
    );
}

#[tokio::test]
async fn errors_are_never_stored() {
    let cache = OriginCache::memory();
    let ctx = context("user", CachePolicy::Default);
    let runs = Arc::new(AtomicUsize::new(0));
    for _ in 0..2 {
        let runs = runs.clone();
        let result = cache
            .fetch(SECRET, &ctx, &Map::new(), None, async move {
                runs.fetch_add(1, Ordering::SeqCst);
                Err(MizanError::not_found("no such user"))
            })
            .await;
        assert!(result.is_err());
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_scoped_purge_reaches_every_user_and_only_matching_instances() {
    let cache = OriginCache::memory();
    let ctx = context("user", CachePolicy::Default);
    let src = Source::new();
    let instances = [
        (json!({"user_id": 1}), None),
        (json!({"user_id": 1}), Some("1")),
        (json!({"user_id": 1}), Some("2")),
        (json!({"user_id": 1, "limit": 2}), Some("3")),
        (json!({"user_id": 2}), None),
        (json!({"user_id": 2}), Some("1")),
    ];
    for (params, user) in &instances {
        fetch(&cache, &ctx, params.clone(), *user, &src).await;
    }
    src.set(7);
    cache
        .purge(SECRET, &[scoped("user", json!({"user_id": 1}))])
        .await
        .expect("purge");
    for (params, user) in &instances {
        let stale = params["user_id"] == json!(2);
        let expected = if stale {
            (json!(0), CacheStatus::Hit)
        } else {
            (json!(7), CacheStatus::Miss)
        };
        assert_eq!(
            fetch(&cache, &ctx, params.clone(), *user, &src).await,
            expected,
            "{params} as {user:?}"
        );
    }
    assert_eq!(cache.stats().purges, 1);
}

#[tokio::test]
async fn a_broad_purge_reaches_every_instance_of_the_context_only() {
    let cache = OriginCache::memory();
    let user = context("user", CachePolicy::Default);
    let items = context("items", CachePolicy::Default);
    let src = Source::new();
    for id in 1..=3 {
        fetch(&cache, &user, json!({"user_id": id}), Some("9"), &src).await;
    }
    fetch(&cache, &items, json!({}), None, &src).await;
    cache
        .purge(SECRET, &[Target::broad("user")])
        .await
        .expect("purge");
    for id in 1..=3 {
        assert_eq!(
            fetch(&cache, &user, json!({"user_id": id}), Some("9"), &src)
                .await
                .1,
            CacheStatus::Miss
        );
    }
    assert_eq!(
        fetch(&cache, &items, json!({}), None, &src).await.1,
        CacheStatus::Hit
    );
}

#[tokio::test]
async fn purge_user_drops_that_users_entries_in_every_context_only() {
    let cache = OriginCache::memory();
    let src = Source::new();
    let contexts = [
        context("user", CachePolicy::Default),
        context("items", CachePolicy::Ttl(60)),
    ];
    for ctx in &contexts {
        for user in [None, Some("1"), Some("2")] {
            fetch(&cache, ctx, json!({"user_id": 1}), user, &src).await;
        }
    }
    cache.purge_user(SECRET, "1").await.expect("purge user");
    for ctx in &contexts {
        for (user, status) in [
            (None, CacheStatus::Hit),
            (Some("1"), CacheStatus::Miss),
            (Some("2"), CacheStatus::Hit),
        ] {
            assert_eq!(
                fetch(&cache, ctx, json!({"user_id": 1}), user, &src)
                    .await
                    .1,
                status,
                "{} as {user:?}",
                ctx.name
            );
        }
    }
}

#[tokio::test]
async fn a_put_computed_before_a_purge_is_never_found_after_it() {
    let cache = OriginCache::memory();
    let ctx = context("user", CachePolicy::Default);
    let (release, wait) = tokio::sync::oneshot::channel::<()>();
    // A slow fetch reads the old data, then a mutation commits and purges,
    // then the slow fetch stores what it read.
    let slow = {
        let cache = cache.clone();
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let run = async move {
                let stale = JsonText::from_value(&json!({"v": "old"}));
                let _ = wait.await;
                Ok(stale)
            };
            cache
                .fetch(SECRET, &ctx, &object(json!({"user_id": 1})), None, run)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    cache
        .purge(SECRET, &[scoped("user", json!({"user_id": 1}))])
        .await
        .expect("purge");
    let _ = release.send(());
    let (stale, _) = slow.await.expect("no panic").expect("fetch");
    assert_eq!(stale.to_value()["v"], json!("old"));
    let (fresh, status) = cache
        .fetch(SECRET, &ctx, &object(json!({"user_id": 1})), None, async {
            Ok(JsonText::from_value(&json!({"v": "new"})))
        })
        .await
        .expect("fetch");
    assert_eq!(
        (fresh.to_value()["v"].clone(), status),
        (json!("new"), CacheStatus::Miss)
    );
}

#[tokio::test]
async fn concurrent_cold_fetches_run_the_context_once() {
    let cache = OriginCache::memory();
    let ctx = context("user", CachePolicy::Default);
    let runs = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let cache = cache.clone();
            let ctx = ctx.clone();
            let runs = runs.clone();
            tokio::spawn(async move {
                let run = async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok(JsonText::from_value(&json!({"v": 1})))
                };
                cache.fetch(SECRET, &ctx, &Map::new(), None, run).await
            })
        })
        .collect();
    for task in tasks {
        let (bundle, status) = task.await.expect("no panic").expect("fetch");
        assert_eq!(
            (bundle.to_value()["v"].clone(), status),
            (json!(1), CacheStatus::Miss)
        );
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

/// A backend whose every operation fails, or hangs.
struct Broken {
    hang: bool,
}

impl Broken {
    fn fail<T: Send + 'static>(&self) -> BoxFuture<Result<T, BackendError>> {
        let hang = self.hang;
        Box::pin(async move {
            if hang {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            Err(BackendError::new("connection refused"))
        })
    }
}

impl CacheBackend for Broken {
    fn generations(
        &self,
        _: Vec<String>,
        _: Duration,
    ) -> BoxFuture<Result<Vec<u64>, BackendError>> {
        self.fail()
    }
    fn bump(&self, _: Vec<String>, _: Duration) -> BoxFuture<Result<(), BackendError>> {
        self.fail()
    }
    fn get(&self, _: String) -> BoxFuture<Result<Option<Bytes>, BackendError>> {
        self.fail()
    }
    fn set(&self, _: String, _: Bytes, _: Duration) -> BoxFuture<Result<(), BackendError>> {
        self.fail()
    }
}

#[tokio::test]
async fn a_failing_backend_serves_uncached_and_counts_errors() {
    for hang in [false, true] {
        let cache = OriginCache::new(Broken { hang }).timeout(Duration::from_millis(50));
        let ctx = context("user", CachePolicy::Default);
        let src = Source::new();
        let started = Instant::now();
        for v in 0..3 {
            src.set(v);
            assert_eq!(
                fetch(&cache, &ctx, json!({"user_id": 1}), Some("1"), &src).await,
                (json!(v), CacheStatus::Miss)
            );
        }
        assert!(cache.purge(SECRET, &[Target::broad("user")]).await.is_err());
        assert!(cache.purge_user(SECRET, "1").await.is_err());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "bounded by the timeout"
        );
        // The first failure opens the breaker: the other four operations
        // skip the backend instead of each waiting for the timeout.
        let stats = cache.stats();
        assert_eq!(
            (stats.misses, stats.errors, stats.skipped, stats.purges),
            (3, 1, 4, 0),
            "hang={hang}"
        );
    }
}

#[tokio::test]
async fn an_instance_with_too_many_params_bypasses() {
    let cache = OriginCache::memory();
    let ctx = context("wide", CachePolicy::Default);
    let src = Source::new();
    let mut params = Map::new();
    for i in 0..=generation::MAX_KEYED_PARAMS {
        params.insert(format!("p{i}"), json!(i));
    }
    for _ in 0..2 {
        assert_eq!(
            fetch(&cache, &ctx, Value::Object(params.clone()), None, &src)
                .await
                .1,
            CacheStatus::Bypass
        );
    }
    params.remove("p0");
    fetch(&cache, &ctx, Value::Object(params.clone()), None, &src).await;
    assert_eq!(
        fetch(&cache, &ctx, Value::Object(params), None, &src)
            .await
            .1,
        CacheStatus::Hit
    );
}

#[test]
fn a_server_with_a_cache_needs_a_cache_secret() {
    let registry = || {
        crate::Registry::builder()
            .build()
            .expect("an empty registry")
    };
    let without = crate::Server::builder()
        .registry(registry())
        .cache(OriginCache::memory())
        .build();
    assert!(
        without.is_err_and(|e| e == crate::ConfigError::CacheWithoutSecret
            && e.to_string().contains("cache_secret"))
    );
    let with = crate::Server::builder()
        .registry(registry())
        .cache_secret(SECRET)
        .cache(OriginCache::memory())
        .build()
        .expect("a server");
    assert!(with.cache().is_some());
}

/// A memory backend that fails while `down` is set.
struct Flaky {
    inner: MemoryBackend,
    down: Arc<std::sync::atomic::AtomicBool>,
}

impl Flaky {
    fn check(&self) -> Result<(), BackendError> {
        if self.down.load(Ordering::SeqCst) {
            Err(BackendError::new("down"))
        } else {
            Ok(())
        }
    }
}

impl CacheBackend for Flaky {
    fn generations(
        &self,
        keys: Vec<String>,
        keep: Duration,
    ) -> BoxFuture<Result<Vec<u64>, BackendError>> {
        match self.check() {
            Ok(()) => self.inner.generations(keys, keep),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
    fn bump(&self, keys: Vec<String>, keep: Duration) -> BoxFuture<Result<(), BackendError>> {
        match self.check() {
            Ok(()) => self.inner.bump(keys, keep),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
    fn get(&self, key: String) -> BoxFuture<Result<Option<Bytes>, BackendError>> {
        match self.check() {
            Ok(()) => self.inner.get(key),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
    fn set(&self, key: String, value: Bytes, ttl: Duration) -> BoxFuture<Result<(), BackendError>> {
        match self.check() {
            Ok(()) => self.inner.set(key, value, ttl),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
}

#[tokio::test]
async fn a_purge_made_while_the_backend_failed_lands_before_this_instance_reads_it_again() {
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let cache = OriginCache::new(Flaky {
        inner: MemoryBackend::new(),
        down: down.clone(),
    })
    .cooldown(Duration::from_millis(20));
    let ctx = context("user", CachePolicy::Default);
    let src = Source::new();
    fetch(&cache, &ctx, json!({"user_id": 1}), None, &src).await;
    assert_eq!(
        fetch(&cache, &ctx, json!({"user_id": 1}), None, &src).await,
        (json!(0), CacheStatus::Hit)
    );
    // The data changes while the backend is down: the purge fails.
    down.store(true, Ordering::SeqCst);
    src.set(1);
    assert!(cache.purge(SECRET, &[Target::broad("user")]).await.is_err());
    down.store(false, Ordering::SeqCst);
    // Back: the old entry is still in the backend, but this instance bumps
    // the missed counters before it reads anything.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(30)).await;
        let (value, _) = fetch(&cache, &ctx, json!({"user_id": 1}), None, &src).await;
        assert_eq!(value, json!(1), "never the purged bundle");
    }
    assert_eq!(
        fetch(&cache, &ctx, json!({"user_id": 1}), None, &src).await,
        (json!(1), CacheStatus::Hit),
        "and caching resumed"
    );
}
