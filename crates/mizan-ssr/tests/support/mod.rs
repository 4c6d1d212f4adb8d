//! What the SSR tests share: the worker script, the test components, and
//! ways to watch processes come and go.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::time::Duration;

use mizan_ssr::{Component, PoolConfig};

/// The repository's root.
pub fn repo() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.join("../..").canonicalize().unwrap_or(here)
}

/// The `@mizan/ssr` worker script, built.
pub fn worker() -> PathBuf {
    let worker = repo().join("packages/ssr/dist/worker.js");
    assert!(
        worker.is_file(),
        "{} is not built: run `npm ci && npm run build` first (scripts/test does)",
        worker.display()
    );
    worker
}

/// A component of `tests/components/pages.mjs`.
pub fn component(export: &str) -> Component {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/components/pages.mjs");
    Component::react(file, export)
}

/// Node running the worker, with timeouts that only catch a hang.
pub fn config() -> PoolConfig {
    PoolConfig::node(worker()).render_timeout(Duration::from_secs(10))
}

/// Whether `pid` is a process that has not exited (a zombie has).
pub fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // `pid (comm) S ...`: the state follows the last parenthesis.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next())
        .is_some_and(|state| state != 'Z' && state != 'X')
}

/// Sends `signal` (`-KILL`, `-INT`…) to `pid`.
pub fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal} {pid}");
}

/// SIGKILL.
pub fn kill(pid: u32) {
    signal(pid, "-KILL");
}

/// Waits (at most 10 s: only a hang takes that long) until `ok()`.
pub async fn until(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what}: still not the case after 10 s");
}

/// Waits until none of `pids` is alive.
pub async fn gone(pids: &[u32]) {
    until(&format!("the processes {pids:?} exit"), || {
        pids.iter().all(|&pid| !alive(pid))
    })
    .await;
}
