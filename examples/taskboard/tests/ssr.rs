//! The demo binary with its board page rendered on the server: the page
//! over real HTTP from real Node workers, and the workers gone when the
//! server stops, whether it is asked to (Ctrl-C, SIGTERM) or killed.
//! Needs the web app built (`npm run build -w examples/taskboard/web`,
//! which scripts/test runs before the Rust tests).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn web_dir() -> PathBuf {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web/dist");
    assert!(
        dist.join(taskboard::SERVER_BUNDLE).is_file(),
        "the taskboard's server bundle is not built: npm run build -w examples/taskboard/web"
    );
    dist
}

/// `target/debug/taskboard` on a free port: the child and its address.
fn spawn() -> (Child, String) {
    web_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_taskboard"))
        .env("MIZAN_DEMO_ADDR", "127.0.0.1:0")
        .env("MIZAN_DEMO_SSR_WORKERS", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the taskboard starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("not `listening on`: {line:?}"))
        .to_owned();
    (child, addr)
}

/// The pids of `pid`'s children.
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Whether `pid` is a process that has not exited (a zombie has).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let (_, rest) = stat.rsplit_once(')')?;
            rest.trim_start().chars().next()
        })
        .is_some_and(|state| state != 'Z' && state != 'X')
}

fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal} {pid}");
}

/// Waits (at most 10 s: only a hang takes that long) until `ok()`.
async fn until(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what}: still not the case after 10 s");
}

async fn page(addr: &str, path: &str) -> (u16, String, String) {
    let res = reqwest::get(format!("http://{addr}{path}"))
        .await
        .expect("response");
    let status = res.status().as_u16();
    let render = res
        .headers()
        .get("x-mizan-render")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, render, res.text().await.expect("body"))
}

/// Serves a page, then stops the server with `stop` and checks that its
/// render workers are gone with it.
async fn workers_end_with_the_server(stop: &str) {
    let (mut child, addr) = spawn();
    let (status, render, html) = page(&addr, "/board/1").await;
    assert_eq!((status, render.as_str()), (200, "server"));
    assert!(html.contains(">Write the launch announcement<"), "{html}");
    let workers = children(child.id());
    assert_eq!(workers.len(), 2, "two render workers: {workers:?}");
    signal(child.id(), stop);
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("joined")
        .expect("exit status");
    if stop != "-KILL" {
        assert!(exit.success(), "a clean exit on {stop}: {exit}");
    }
    until(
        &format!("the workers {workers:?} exit after {stop}"),
        || workers.iter().all(|&pid| !alive(pid)),
    )
    .await;
}

#[tokio::test]
async fn ctrl_c_stops_the_server_and_its_render_workers() {
    workers_end_with_the_server("-INT").await;
}

#[tokio::test]
async fn sigterm_stops_the_server_and_its_render_workers() {
    workers_end_with_the_server("-TERM").await;
}

#[tokio::test]
async fn a_killed_server_leaves_no_render_worker_behind() {
    workers_end_with_the_server("-KILL").await;
}

#[tokio::test]
async fn the_board_page_carries_the_board_and_its_data_and_a_missing_board_is_a_404() {
    let server = taskboard::server().expect("server");
    let pages = taskboard::pages(server.clone(), &web_dir(), Some(1))
        .await
        .expect("pages");
    let app = taskboard::app(server, &web_dir(), Some(pages.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(async move { mizan::axum::serve(listener, app).await });

    let (status, render, html) = page(&addr, "/board/2").await;
    assert_eq!((status, render.as_str()), (200, "server"));
    assert!(html.contains("<h1>Website</h1>"), "{html}");
    assert!(html.contains(">Fix the broken footer links<"), "{html}");
    assert!(
        html.contains(r#"<script>window.__MIZAN_SSR_DATA__={"contexts":{"board;board_id=2":{"#),
        "{html}"
    );
    // `/` is still the client's: the built index.html.
    let (status, _, index) = page(&addr, "/").await;
    assert_eq!(status, 200);
    assert!(index.contains(r#"<div id="mizan-root"></div>"#), "{index}");

    let (status, render, html) = page(&addr, "/board/9").await;
    assert_eq!((status, render.as_str()), (404, "error"));
    assert!(html.contains("There is no board 9."), "{html}");
    assert!(!html.contains("__MIZAN_SSR_DATA__"));
    pages.shutdown().await;
}
