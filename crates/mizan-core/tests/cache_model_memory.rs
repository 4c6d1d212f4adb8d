//! The origin cache's model test over the memory backend: two cache
//! instances sharing one store (see `cache_model/mod.rs`).

mod cache_model;

use std::sync::Arc;

use mizan_core::cache::{MemoryBackend, OriginCache};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_stale_read_after_a_purge_and_no_cross_user_leak_in_memory() {
    for seed in [1, 2, 3, 0xfeed] {
        let backend: Arc<dyn mizan_core::cache::CacheBackend> = Arc::new(MemoryBackend::default());
        let caches = vec![
            OriginCache::with_backend(backend.clone()),
            OriginCache::with_backend(backend),
        ];
        let figures = cache_model::run(caches, seed, 4_000).await;
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
