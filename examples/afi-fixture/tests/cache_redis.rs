//! ../shared/spec/CACHE.md over HTTP with the origin cache in Redis: a real `redis-server`
//! started by each test on a free loopback port (never a system service),
//! shared by two fixture instances over one database.

mod cache_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use afi_fixture::Store;
use cache_support::{Instance, Who, profile_name, race, redis_settings, start_with};
use mizan_redis::testing::RedisServer;
use serde_json::json;

/// Two fixture instances over one store and one Redis.
async fn pair(redis: &RedisServer) -> (Instance, Instance) {
    let store = Store::default();
    let settings = redis_settings(&redis.url());
    (
        start_with(&settings, store.clone()).await,
        start_with(&settings, store).await,
    )
}

#[tokio::test]
async fn hit_miss_and_bypass_with_redis() {
    let redis = RedisServer::start();
    let fx = start_with(&redis_settings(&redis.url()), Store::default()).await;
    assert_eq!(fx.ctx(Who::Anonymous, "trending", "").await.cache(), "MISS");
    assert_eq!(fx.ctx(Who::Anonymous, "trending", "").await.cache(), "HIT");
    let a = fx.ctx(Who::Anonymous, "random", "").await;
    let b = fx.ctx(Who::Anonymous, "random", "").await;
    assert_eq!((a.cache(), b.cache()), ("BYPASS", "BYPASS"));
    assert_ne!(a.body, b.body);
    assert_eq!(fx.stats().errors, 0);
}

#[tokio::test]
async fn a_purge_on_one_instance_is_seen_by_the_other_on_its_next_read() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    for fx in [&a, &b] {
        for who in [Who::Anonymous, Who::User(2)] {
            fx.ctx(who, "user", "user_id=1").await;
            fx.ctx(who, "user", "user_id=2").await;
        }
    }
    // B hits what A cached: one shared cache.
    assert_eq!(
        b.ctx(Who::User(2), "user", "user_id=1").await.cache(),
        "HIT"
    );
    a.call(
        Who::User(1),
        "rename_user",
        json!({"user_id": 1, "name": "ally"}),
    )
    .await;
    for fx in [&b, &a] {
        for who in [Who::Anonymous, Who::User(2)] {
            let r = fx.ctx(who, "user", "user_id=1").await;
            assert_eq!(profile_name(&r), "ally", "{who:?}");
            assert_eq!(fx.ctx(who, "user", "user_id=2").await.cache(), "HIT");
        }
    }
    b.call(Who::Anonymous, "touch_users", json!({})).await;
    assert_eq!(
        a.ctx(Who::User(2), "user", "user_id=2").await.cache(),
        "MISS"
    );
}

#[tokio::test]
async fn purge_user_with_redis() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    a.ctx(Who::User(1), "global", "").await;
    a.ctx(Who::User(2), "global", "").await;
    b.server.purge_user("1").await.expect("purge_user");
    assert_eq!(a.ctx(Who::User(1), "global", "").await.cache(), "MISS");
    assert_eq!(a.ctx(Who::User(2), "global", "").await.cache(), "HIT");
}

/// Decision (docs/cache.md): while the backend is down, fetches are served
/// uncached and report `MISS` (`BYPASS` is kept for `cache = false`).
#[tokio::test]
async fn redis_stopped_mid_test_serves_200_uncached_then_caching_resumes() {
    let mut redis = RedisServer::start();
    let fx = start_with(&redis_settings(&redis.url()), Store::default()).await;
    assert_eq!(
        fx.ctx(Who::Anonymous, "user", "user_id=1").await.cache(),
        "MISS"
    );
    assert_eq!(
        fx.ctx(Who::Anonymous, "user", "user_id=1").await.cache(),
        "HIT"
    );

    redis.stop();
    let failed = |s: mizan::CacheStats| s.errors + s.skipped;
    let errors_before = failed(fx.stats());
    for round in 0..3 {
        let started = Instant::now();
        let r = fx.ctx(Who::Anonymous, "user", "user_id=1").await;
        assert_eq!(r.cache(), "MISS", "round {round}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "bounded by the timeout"
        );
    }
    // A mutation still succeeds (its purge fails and is counted), and the
    // next read is fresh because nothing is served from the cache.
    fx.call(
        Who::User(1),
        "rename_user",
        json!({"user_id": 1, "name": "ally"}),
    )
    .await;
    let r = fx.ctx(Who::User(2), "user", "user_id=1").await;
    assert_eq!((r.cache(), profile_name(&r)), ("MISS", "ally"));
    // Each failed operation is counted: the first as an error, the ones the
    // breaker then skips as skipped.
    assert!(failed(fx.stats()) >= errors_before + 5, "{:?}", fx.stats());

    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        fx.ctx(Who::Anonymous, "user", "user_id=1").await;
        let r = fx.ctx(Who::Anonymous, "user", "user_id=1").await;
        if r.cache() == "HIT" {
            assert_eq!(profile_name(&r), "ally");
            break;
        }
        assert!(Instant::now() < deadline, "caching did not resume");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_reads_and_mutations_on_two_instances_leave_no_stale_entry() {
    let redis = RedisServer::start();
    let (a, b) = pair(&redis).await;
    race(&[Arc::new(a), Arc::new(b)]).await;
}
