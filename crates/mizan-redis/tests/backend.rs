//! The Redis backend against a real `redis-server` started by the test (never
//! a system service): the backend contract, and the origin cache's
//! guarantees when several instances share one Redis.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use mizan_core::cache::{CacheBackend, CacheStatus, OriginCache};
use mizan_core::graph::Context;
use mizan_core::{CachePolicy, JsonText, MizanError, Target};
use mizan_redis::RedisBackend;
use mizan_redis::testing::RedisServer;
use serde_json::{Map, Value, json};

const SECRET: &[u8] = b"redis-test-cache-secret-32-bytes";
const HOUR: Duration = Duration::from_secs(3600);

fn backend(redis: &RedisServer) -> RedisBackend {
    RedisBackend::new(&redis.url()).expect("a valid URL")
}

fn context(name: &str) -> Context {
    Context {
        name: name.into(),
        params: Vec::new(),
        members: Vec::new(),
        bundle: Vec::new(),
        rev: 0,
        cache: CachePolicy::Default,
        socket_only: false,
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Fetches `user;user_id=<id>` as `user`, computing `{"v": <db>}` on a miss.
async fn fetch(
    cache: &OriginCache,
    id: u64,
    user: Option<&str>,
    db: &Arc<AtomicU64>,
) -> (Value, CacheStatus) {
    let db = db.clone();
    let (bundle, status) = cache
        .fetch(
            SECRET,
            &context("user"),
            &object(json!({"user_id": id})),
            user,
            async move {
                Ok::<_, MizanError>(JsonText::from_value(
                    &json!({"v": db.load(Ordering::SeqCst)}),
                ))
            },
        )
        .await
        .expect("a fetch never fails because of the cache");
    (bundle.to_value()["v"].clone(), status)
}

fn scoped(id: u64) -> Target {
    Target {
        context: "user".into(),
        function: None,
        params: [("user_id".to_owned(), json!(id))].into(),
    }
}

#[tokio::test]
async fn missing_counters_are_born_random_then_count_bumps() {
    let redis = RedisServer::start();
    let b = backend(&redis);
    let keys = vec!["g:a".to_owned(), "g:b".to_owned(), "g:c".to_owned()];
    let born = b.generations(keys.clone(), HOUR).await.expect("read");
    assert!(
        born.iter().all(|g| *g >= 1 << 47),
        "born at a random 48-bit value: {born:?}"
    );
    assert_eq!(
        b.generations(keys.clone(), HOUR).await,
        Ok(born.clone()),
        "stable once born"
    );
    b.bump(vec!["g:a".into(), "g:c".into()], HOUR)
        .await
        .expect("bump");
    b.bump(vec!["g:c".into()], HOUR).await.expect("bump");
    assert_eq!(
        b.generations(keys, HOUR).await,
        Ok(vec![born[0] + 1, born[1], born[2] + 2])
    );
    let ttl: i64 = redis
        .command("TTL g:c")
        .trim_start_matches(':')
        .parse()
        .expect("an integer reply");
    assert!(
        (3590..=3600).contains(&ttl),
        "counters expire after keep_for: {ttl}"
    );
    assert_eq!(b.generations(Vec::new(), HOUR).await, Ok(Vec::new()));
}

#[tokio::test]
async fn a_lost_counter_never_returns_to_a_value_it_held() {
    let redis = RedisServer::start();
    let b = backend(&redis);
    let key = vec!["g:lost".to_owned()];
    let first = b.generations(key.clone(), HOUR).await.expect("read")[0];
    b.bump(key.clone(), HOUR).await.expect("bump");
    // Evicted or expired under it: read back, it is a new random value.
    redis.command("DEL g:lost");
    let reborn = b.generations(key.clone(), HOUR).await.expect("read")[0];
    assert!(reborn != first && reborn != first + 1, "{first} → {reborn}");
    // Lost again, and a purge is the first to touch it: not back at 1.
    redis.command("DEL g:lost");
    b.bump(key.clone(), HOUR).await.expect("bump");
    let bumped = b.generations(key, HOUR).await.expect("read")[0];
    assert!(
        bumped > 1 << 47,
        "a purge of a lost counter starts it at random too: {bumped}"
    );
}

#[tokio::test]
async fn entries_round_trip_with_their_ttl() {
    let redis = RedisServer::start();
    let b = backend(&redis);
    assert_eq!(b.get("e:1".into()).await, Ok(None));
    let value = Bytes::from_static("{\"é\":[1,2.5]}".as_bytes());
    b.set("e:1".into(), value.clone(), Duration::from_secs(60))
        .await
        .expect("set");
    assert_eq!(b.get("e:1".into()).await, Ok(Some(value)));
    let ttl: i64 = redis
        .command("TTL e:1")
        .trim_start_matches(':')
        .parse()
        .expect("an integer reply");
    assert!((55..=60).contains(&ttl), "{ttl}");
    // Sub-second TTLs are rounded up to Redis' minimum of one second.
    b.set(
        "e:2".into(),
        Bytes::from_static(b"x"),
        Duration::from_millis(10),
    )
    .await
    .expect("set");
    assert_eq!(redis.command("TTL e:2"), ":1");
    b.ping().await.expect("PING");
}

#[tokio::test]
async fn hit_after_miss_and_scoped_purge_reaches_every_user() {
    let redis = RedisServer::start();
    let cache = OriginCache::new(backend(&redis));
    let db = Arc::new(AtomicU64::new(1));
    for user in [None, Some("1"), Some("2")] {
        assert_eq!(
            fetch(&cache, 1, user, &db).await,
            (json!(1), CacheStatus::Miss)
        );
        assert_eq!(
            fetch(&cache, 1, user, &db).await,
            (json!(1), CacheStatus::Hit)
        );
        assert_eq!(
            fetch(&cache, 2, user, &db).await,
            (json!(1), CacheStatus::Miss)
        );
    }
    db.store(2, Ordering::SeqCst);
    cache.purge(SECRET, &[scoped(1)]).await.expect("purge");
    for user in [None, Some("1"), Some("2")] {
        assert_eq!(
            fetch(&cache, 1, user, &db).await,
            (json!(2), CacheStatus::Miss)
        );
        assert_eq!(
            fetch(&cache, 2, user, &db).await,
            (json!(1), CacheStatus::Hit)
        );
    }
    cache
        .purge(SECRET, &[Target::broad("user")])
        .await
        .expect("purge");
    assert_eq!(
        fetch(&cache, 2, None, &db).await,
        (json!(2), CacheStatus::Miss)
    );
    let stats = cache.stats();
    assert_eq!((stats.purges, stats.errors), (2, 0));
}

#[tokio::test]
async fn a_purge_on_one_instance_is_seen_by_another_on_its_next_read() {
    let redis = RedisServer::start();
    let (a, b) = (
        OriginCache::new(backend(&redis)),
        OriginCache::new(backend(&redis)),
    );
    let db = Arc::new(AtomicU64::new(1));
    assert_eq!(fetch(&a, 1, Some("1"), &db).await.1, CacheStatus::Miss);
    assert_eq!(fetch(&b, 1, Some("2"), &db).await.1, CacheStatus::Miss);
    // One shared store: B hits what A cached.
    assert_eq!(
        fetch(&b, 1, Some("1"), &db).await,
        (json!(1), CacheStatus::Hit)
    );
    db.store(2, Ordering::SeqCst);
    a.purge(SECRET, &[scoped(1)]).await.expect("purge");
    assert_eq!(
        fetch(&b, 1, Some("2"), &db).await,
        (json!(2), CacheStatus::Miss)
    );
    assert_eq!(
        fetch(&b, 1, Some("1"), &db).await,
        (json!(2), CacheStatus::Miss)
    );
    assert_eq!(
        fetch(&a, 1, Some("2"), &db).await,
        (json!(2), CacheStatus::Hit)
    );
}

#[tokio::test]
async fn purge_user_reaches_that_user_only() {
    let redis = RedisServer::start();
    let cache = OriginCache::new(backend(&redis));
    let db = Arc::new(AtomicU64::new(1));
    for user in [None, Some("1"), Some("2")] {
        fetch(&cache, 1, user, &db).await;
    }
    cache.purge_user(SECRET, "1").await.expect("purge user");
    assert_eq!(fetch(&cache, 1, Some("1"), &db).await.1, CacheStatus::Miss);
    assert_eq!(fetch(&cache, 1, Some("2"), &db).await.1, CacheStatus::Hit);
    assert_eq!(fetch(&cache, 1, None, &db).await.1, CacheStatus::Hit);
}

#[tokio::test]
async fn redis_down_serves_uncached_and_caching_resumes_when_it_is_back() {
    let mut redis = RedisServer::start();
    let cache = OriginCache::new(backend(&redis)).timeout(Duration::from_millis(200));
    let db = Arc::new(AtomicU64::new(1));
    assert_eq!(fetch(&cache, 1, None, &db).await.1, CacheStatus::Miss);
    assert_eq!(fetch(&cache, 1, None, &db).await.1, CacheStatus::Hit);

    redis.stop();
    for v in 2..5 {
        db.store(v, Ordering::SeqCst);
        let started = Instant::now();
        assert_eq!(
            fetch(&cache, 1, None, &db).await,
            (json!(v), CacheStatus::Miss)
        );
        assert!(started.elapsed() < Duration::from_secs(2), "fails fast");
    }
    assert!(cache.purge(SECRET, &[scoped(1)]).await.is_err());
    let stats = cache.stats();
    let errors = stats.errors + stats.skipped;
    assert!(errors >= 4, "{errors} failed operations counted");

    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let first = fetch(&cache, 1, None, &db).await;
        let second = fetch(&cache, 1, None, &db).await;
        if second.1 == CacheStatus::Hit {
            assert_eq!(first.0, second.0);
            break;
        }
        assert!(Instant::now() < deadline, "caching did not resume");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_fetches_and_purges_leave_no_stale_entry() {
    let redis = RedisServer::start();
    let instances = [
        OriginCache::new(backend(&redis)),
        OriginCache::new(backend(&redis)),
    ];
    let db: Arc<[AtomicU64; 4]> = Arc::new(Default::default());
    let mut tasks = Vec::new();
    for t in 0..16u64 {
        let cache = instances[(t % 2) as usize].clone();
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..40u64 {
                let id = (t + i) % 4;
                if (t + i) % 5 == 0 {
                    // A mutation: write, then purge before "responding".
                    db[id as usize].fetch_add(1, Ordering::SeqCst);
                    let target = if i % 3 == 0 {
                        Target::broad("user")
                    } else {
                        scoped(id)
                    };
                    cache.purge(SECRET, &[target]).await.expect("purge");
                } else {
                    let db = db.clone();
                    let user = (t % 3 != 0).then(|| (t % 3).to_string());
                    cache
                        .fetch(
                            SECRET,
                            &context("user"),
                            &object(json!({"user_id": id})),
                            user.as_deref(),
                            async move {
                                let v = db[id as usize].load(Ordering::SeqCst);
                                // Widen the window between reading and storing.
                                tokio::time::sleep(Duration::from_millis(v % 3)).await;
                                Ok::<_, MizanError>(JsonText::from_value(&json!({"v": v})))
                            },
                        )
                        .await
                        .expect("fetch");
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("no panic");
    }
    for cache in &instances {
        for id in 0..4u64 {
            let latest = db[id as usize].load(Ordering::SeqCst);
            for user in [None, Some("1"), Some("2")] {
                let (bundle, _) =
                    cache
                        .fetch(
                            SECRET,
                            &context("user"),
                            &object(json!({"user_id": id})),
                            user,
                            async move {
                                Ok::<_, MizanError>(JsonText::from_value(&json!({"v": latest})))
                            },
                        )
                        .await
                        .expect("fetch");
                assert_eq!(
                    bundle.to_value()["v"],
                    json!(latest),
                    "user_id={id} as {user:?}"
                );
            }
        }
    }
    assert_eq!(instances[0].stats().errors + instances[1].stats().errors, 0);
}
