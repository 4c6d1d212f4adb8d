//! The pool with real Node workers (the `@mizan/ssr` worker, built by
//! `npm run build`) rendering real React components
//! (`tests/components/pages.mjs`). No test asserts a duration: each waits
//! for the event it expects, within a bound that only catches a hang.

mod support;

use std::time::Duration;

use mizan_ssr::{Pool, RenderError, RenderRequest};
use serde_json::json;
use support::{alive, component, config, gone, kill, until};

async fn start(size: usize) -> Pool {
    start_with(config().size(size)).await
}

async fn start_with(config: mizan_ssr::PoolConfig) -> Pool {
    Pool::start(config).await.expect("the pool starts")
}

/// Renders `request` to the end.
async fn render_all(pool: &Pool, request: &RenderRequest) -> Result<String, RenderError> {
    pool.render(request).await?.into_string().await
}

/// A component with no props.
fn bare(export: &str) -> RenderRequest {
    RenderRequest::new(component(export), json!({}))
}

fn echo(text: &str) -> RenderRequest {
    RenderRequest::new(component("Echo"), json!({ "text": text }))
}

#[tokio::test]
async fn a_render_carries_its_props_and_contexts() {
    let pool = start(1).await;
    let request = RenderRequest::new(
        component("Board"),
        json!({"params": {"board_id": "1"}, "url": "/board/1"}),
    )
    .context("global", r#"{"whoami":"Ada"}"#)
    .and_then(|r| {
        r.context(
            "board;board_id=1",
            r#"{"board_tasks":[{"id":1,"title":"Ship it"}]}"#,
        )
    })
    .expect("json");
    let html = render_all(&pool, &request).await;
    assert_eq!(
        html.as_deref(),
        Ok(concat!(
            "<header>Signed in as Ada</header>",
            r#"<ul data-status="success"><li>Ship it</li></ul><footer>/board/1</footer>"#
        ))
    );
    assert_eq!(pool.stats().renders, 1);
    pool.shutdown().await;
}

#[tokio::test]
async fn a_component_that_throws_fails_its_render_and_the_worker_renders_the_next() {
    let pool = start(1).await;
    let pid = pool.stats().pids;
    let failed = render_all(&pool, &bare("Throws")).await;
    assert_eq!(
        failed,
        Err(RenderError::Render("the component broke".into()))
    );
    let html = render_all(&pool, &echo("next")).await;
    assert_eq!(html.as_deref(), Ok("<p>next</p>"));
    let stats = pool.stats();
    assert_eq!((stats.failures, stats.renders, stats.restarts), (1, 1, 0));
    assert_eq!(stats.pids, pid, "the same worker");
    pool.shutdown().await;
}

#[tokio::test]
async fn concurrent_renders_on_one_worker_are_answered_by_id() {
    // Each render completes only once all eight are in flight on the one
    // worker at the same time: they are multiplexed, not taken in turn.
    let pool = start(1).await;
    let renders = (0..8).map(|id| {
        let pool = pool.clone();
        async move {
            let request = RenderRequest::new(
                component("Barrier"),
                json!({"group": "eight", "id": id, "n": 8}),
            );
            pool.render(&request).await?.into_string().await
        }
    });
    let results = futures_util::future::join_all(renders).await;
    for (id, html) in results.into_iter().enumerate() {
        assert_eq!(html, Ok(format!("<p>render {id} of 8</p>")));
    }
    assert_eq!(pool.stats().renders, 8);
    pool.shutdown().await;
}

#[tokio::test]
async fn a_worker_killed_mid_render_fails_that_render_and_the_next_render_succeeds() {
    let pool = start_with(config().size(1).render_timeout(Duration::from_secs(60))).await;
    let before = pool.stats().pids;
    let mut waiting = pool.render(&bare("Never")).await.expect("sent");
    kill(waiting.worker_pid());
    match waiting.next().await {
        Some(Err(RenderError::WorkerDied(why))) => {
            assert!(why.contains("signal: 9"), "{why}");
        }
        other => panic!("expected the render to fail with its worker, got {other:?}"),
    }
    let html = render_all(&pool, &echo("after")).await;
    assert_eq!(html.as_deref(), Ok("<p>after</p>"));
    let stats = pool.stats();
    assert_eq!((stats.restarts, stats.failures, stats.renders), (1, 1, 1));
    assert_ne!(stats.pids, before, "another process");
    gone(&before).await;
    pool.shutdown().await;
}

#[tokio::test]
async fn a_render_that_waits_past_its_timeout_fails_and_its_worker_goes_on() {
    let pool = start(1).await;
    let before = pool.stats().pids;
    let never = bare("Never").timeout(Duration::from_millis(300));
    let timed_out = render_all(&pool, &never).await;
    assert_eq!(
        timed_out,
        Err(RenderError::Timeout(Duration::from_millis(300)))
    );
    let html = render_all(&pool, &echo("still here")).await;
    assert_eq!(html.as_deref(), Ok("<p>still here</p>"));
    let stats = pool.stats();
    assert_eq!((stats.timeouts, stats.restarts), (1, 0));
    assert_eq!(stats.pids, before, "the worker aborted the render itself");
    pool.shutdown().await;
}

#[tokio::test]
async fn a_render_that_wedges_its_worker_times_out_and_the_worker_is_restarted() {
    let pool = start_with(config().size(1).ping_timeout(Duration::from_millis(300))).await;
    let before = pool.stats().pids;
    let spin = bare("Spin").timeout(Duration::from_millis(300));
    let timed_out = render_all(&pool, &spin).await;
    assert_eq!(
        timed_out,
        Err(RenderError::Timeout(Duration::from_millis(300)))
    );
    // It answers no ping: it is killed, and a new worker takes this render.
    until("the wedged worker is replaced", || {
        let stats = pool.stats();
        stats.restarts == 1 && stats.workers == 1
    })
    .await;
    let html = render_all(&pool, &echo("fresh")).await;
    assert_eq!(html.as_deref(), Ok("<p>fresh</p>"));
    gone(&before).await;
    pool.shutdown().await;
}

#[tokio::test]
async fn renders_wait_in_the_queue_while_every_worker_is_full() {
    let pool = start_with(
        config()
            .size(1)
            .max_in_flight(1)
            .render_timeout(Duration::from_secs(60)),
    )
    .await;
    let first = pool
        .render(&RenderRequest::new(
            component("Barrier"),
            json!({"group": "queue", "id": 1, "n": 2}),
        ))
        .await
        .expect("sent");
    let queued = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let request = RenderRequest::new(
                component("Barrier"),
                json!({"group": "queue", "id": 2, "n": 2}),
            );
            pool.render(&request).await?.into_string().await
        })
    };
    until("the second render queues", || pool.stats().queued == 1).await;
    assert_eq!(pool.stats().in_flight, 1);
    // The first waits for the second, which waits for the first's slot:
    // dropping the first frees it, and the second completes.
    drop(first);
    let second = queued.await.expect("joined");
    assert_eq!(second.as_deref(), Ok("<p>render 2 of 2</p>"));
    assert_eq!(pool.stats().queued, 0);
    pool.shutdown().await;
}

#[tokio::test]
async fn shutdown_leaves_no_worker_behind_and_refuses_renders() {
    let pool = start(2).await;
    let pids = pool.stats().pids;
    assert_eq!(pids.len(), 2);
    assert!(pids.iter().all(|&pid| alive(pid)));
    pool.shutdown().await;
    // Waited for and reaped by the time shutdown returns.
    assert!(pids.iter().all(|&pid| !alive(pid)), "{pids:?}");
    assert_eq!(
        pool.render(&echo("late")).await.err(),
        Some(RenderError::Closed)
    );
}

#[tokio::test]
async fn dropping_the_last_handle_stops_the_workers() {
    let pool = start(2).await;
    let pids = pool.stats().pids;
    drop(pool);
    gone(&pids).await;
}

#[tokio::test]
async fn a_worker_that_cannot_start_fails_the_pool_with_the_reason() {
    let missing =
        Pool::start(mizan_ssr::PoolConfig::command("/nonexistent/node", ["worker.js"]).size(1))
            .await;
    match missing {
        Err(RenderError::Unavailable(why)) => {
            assert!(
                why.contains("could not start the SSR worker `/nonexistent/node`"),
                "{why}"
            );
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    let no_script =
        Pool::start(mizan_ssr::PoolConfig::node("/nonexistent/worker.js").size(1)).await;
    match no_script {
        Err(RenderError::Unavailable(why)) => {
            assert!(why.contains("exited before it was ready"), "{why}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}
