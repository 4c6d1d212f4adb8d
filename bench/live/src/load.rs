//! The load client: N idle sockets on one server, the server's memory per
//! socket, and R rounds of one change fanned out to all of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::SinkExt as _;
use futures_util::stream::{self, StreamExt as _};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;

/// Sockets opened at once while connecting.
const OPENING: usize = 128;
/// A round that has not reached every socket after this long has failed.
const ROUND_LIMIT: Duration = Duration::from_secs(60);

/// What every socket's reader writes into.
struct Rounds {
    start: Instant,
    /// When each socket received the current round's push (ns since `start`).
    received_at: Vec<AtomicU64>,
    received: AtomicUsize,
    all_received: Notify,
}

pub(crate) async fn run(kind: &str, addr: &str, rest: &[&str]) -> crate::Result<()> {
    let mut sockets = 1000;
    let mut rounds = 10;
    let mut pid = 0;
    let mut flags = rest.iter();
    while let Some(flag) = flags.next() {
        let value = flags.next().ok_or("a flag needs a value")?;
        match *flag {
            "--sockets" => sockets = value.parse()?,
            "--rounds" => rounds = value.parse()?,
            "--pid" => pid = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let url = match kind {
        "mizan" => format!("ws://{addr}/api/mizan/ws/"),
        _ => format!("ws://{addr}/ws/"),
    };
    let state = Arc::new(Rounds {
        start: Instant::now(),
        received_at: (0..sockets).map(|_| AtomicU64::new(0)).collect(),
        received: AtomicUsize::new(0),
        all_received: Notify::new(),
    });
    // One change first, so that both servers have their code paths warm.
    trigger(kind, addr).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = rss_kib(pid)?;
    let opened = Instant::now();
    let results: Vec<crate::Result<()>> = stream::iter(0..sockets)
        .map(|index| open(url.clone(), index, state.clone()))
        .buffer_unordered(OPENING)
        .collect()
        .await;
    for result in results {
        result?;
    }
    let open_seconds = opened.elapsed().as_secs_f64();
    // Let the server settle (allocator, task queues) before measuring.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = rss_kib(pid)?;

    let mut measured = Vec::new();
    for _ in 0..rounds {
        state.received.store(0, Ordering::SeqCst);
        let waiting = state.all_received.notified();
        tokio::pin!(waiting);
        waiting.as_mut().enable();
        let t0 = state.start.elapsed().as_nanos() as u64;
        trigger(kind, addr).await?;
        tokio::time::timeout(ROUND_LIMIT, waiting)
            .await
            .map_err(|_| {
                format!(
                    "only {} of {sockets} sockets received the push",
                    state.received.load(Ordering::SeqCst)
                )
            })?;
        let mut latencies: Vec<u64> = state
            .received_at
            .iter()
            .map(|t| t.load(Ordering::SeqCst).saturating_sub(t0) / 1000)
            .collect();
        latencies.sort_unstable();
        let at =
            |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        measured.push(json!({
            "p50_us": at(0.50),
            "p99_us": at(0.99),
            "last_us": latencies[latencies.len() - 1],
        }));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "{}",
        json!({
            "sockets": sockets,
            "open_seconds": open_seconds,
            "rss_before_kib": rss_before,
            "rss_after_kib": rss_after,
            "rounds": measured,
        })
    );
    Ok(())
}

/// Opens socket `index`, subscribes it to board 1, and leaves a reader that
/// notes when each push arrives.
async fn open(url: String, index: usize, state: Arc<Rounds>) -> crate::Result<()> {
    let (ws, _) = tokio_tungstenite::connect_async(&url).await?;
    let (mut sink, mut stream) = ws.split();
    let subscribe =
        json!({"action": "subscribe", "id": 1, "context": "board", "params": {"board_id": 1}});
    sink.send(Message::Text(subscribe.to_string().into()))
        .await?;
    match stream.next().await {
        Some(Ok(Message::Text(text))) if text.contains("\"ok\":true") => {}
        other => return Err(format!("socket {index}: subscribe answered {other:?}").into()),
    }
    let total = state.received_at.len();
    tokio::spawn(async move {
        // The sink stays alive (and answers pings through the reader).
        let _sink = sink;
        while let Some(Ok(message)) = stream.next().await {
            if let Message::Text(text) = message {
                if text.as_str() == crate::PUSH {
                    let now = state.start.elapsed().as_nanos() as u64;
                    state.received_at[index].store(now, Ordering::SeqCst);
                    if state.received.fetch_add(1, Ordering::SeqCst) + 1 == total {
                        state.all_received.notify_one();
                    }
                }
            }
        }
    });
    Ok(())
}

/// One change: `move_card` on board 1 (Mizan) or `POST /publish` (floor),
/// over a fresh HTTP/1.1 connection.
async fn trigger(kind: &str, addr: &str) -> crate::Result<()> {
    let (path, body) = match kind {
        "mizan" => (
            "/api/mizan/call/",
            r#"{"fn":"move_card","args":{"board_id":1,"card":7}}"#,
        ),
        _ => ("/publish", ""),
    };
    let mut conn = tokio::net::TcpStream::connect(addr).await?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    conn.read_to_end(&mut response).await?;
    if !response.starts_with(b"HTTP/1.1 200") {
        return Err(format!(
            "the trigger answered {}",
            String::from_utf8_lossy(&response[..response.len().min(200)])
        )
        .into());
    }
    Ok(())
}

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> crate::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS".into())
}
