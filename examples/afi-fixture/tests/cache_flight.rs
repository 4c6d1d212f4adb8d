//! Single-flight over HTTP (../shared/spec/CACHE.md: "a concurrent cold miss on the same
//! key executes the context once"), on an app whose member counts its runs.
//! (Its own binary: the member must not join the fixture's registry.)

mod cache_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use afi_fixture::{EchoOutput, Settings};
use cache_support::{Instance, MOUNT, serve};
use mizan::{Registry, Server};
use reqwest::StatusCode;

static EXECUTIONS: AtomicUsize = AtomicUsize::new(0);

/// A slow member that counts its executions.
#[mizan::client(context = "counted")]
pub async fn counted_member() -> EchoOutput {
    EXECUTIONS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    EchoOutput {
        message: "counted".into(),
    }
}

#[tokio::test]
async fn concurrent_cold_fetches_run_the_context_once() {
    let registry = Registry::builder()
        .function::<counted_member>()
        .build()
        .expect("a registry");
    let server = Server::builder()
        .registry(registry)
        .cache_secret(Settings::default().cache_secret)
        .cache(mizan::cache::OriginCache::memory())
        .build()
        .expect("a server");
    let fx: Instance = serve(server).await;
    let url = format!("{}{MOUNT}/ctx/counted/", fx.base);
    let requests = (0..16).map(|_| {
        let http = fx.http.clone();
        let url = url.clone();
        tokio::spawn(async move {
            let resp = http.get(url).send().await.expect("the server answers");
            let cache = resp.headers().get("x-mizan-cache").cloned();
            (resp.status(), cache)
        })
    });
    let replies: Vec<_> = futures_join(requests).await;
    for (status, cache) in &replies {
        assert_eq!(*status, StatusCode::OK);
        assert_eq!(cache.as_ref().and_then(|v| v.to_str().ok()), Some("MISS"));
    }
    assert_eq!(EXECUTIONS.load(Ordering::SeqCst), 1);
    let again = fx.http.get(&url).send().await.expect("the server answers");
    assert_eq!(again.headers()["x-mizan-cache"], "HIT");
    assert_eq!(EXECUTIONS.load(Ordering::SeqCst), 1);
}

async fn futures_join<T: Send + 'static>(
    tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        out.push(task.await.expect("no panic"));
    }
    out
}
