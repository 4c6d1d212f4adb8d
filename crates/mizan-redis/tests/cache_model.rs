//! The origin cache's model test over a real `redis-server`: two cache
//! instances, each with its own connection, sharing one Redis (see
//! `mizan-core/tests/cache_model/mod.rs`).

#[path = "../../mizan-core/tests/cache_model/mod.rs"]
mod cache_model;

use mizan_core::cache::OriginCache;
use mizan_redis::RedisBackend;
use mizan_redis::testing::RedisServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_stale_read_after_a_purge_and_no_cross_user_leak_in_redis() {
    let redis = RedisServer::start();
    for seed in [7, 0xbeef] {
        let caches = (0..2)
            .map(|_| {
                OriginCache::new(RedisBackend::new(&redis.url()).expect("a backend"))
                    .namespace(format!("model{seed}:"))
            })
            .collect();
        let figures = cache_model::run(caches, seed, 2_000).await;
        assert_eq!(
            (figures.stale, figures.leaks),
            (0, 0),
            "seed {seed}: {figures:?}"
        );
        assert!(
            figures.hits > 0 && figures.mutations > 0,
            "seed {seed}: {figures:?}"
        );
    }
}
