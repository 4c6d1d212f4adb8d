//! `mizan-bench-soak --fixture BIN --seconds N --out FILE`: the conformance
//! fixture (its release binary, a process of its own, origin cache and live
//! bus in a Redis this run starts) under a mixed load of reads and
//! mutations for N seconds, through phases of faults:
//!
//! 1. steady load;
//! 2. Redis killed, then restarted (the cache and the bus fail open: no
//!    request may fail because of it);
//! 3. slow clients — connections that trickle their headers byte by byte
//!    (slowloris) and calls that trickle their bodies — beside the load,
//!    which must not starve;
//! 4. functions that panic, among the load (each must be its own 500
//!    envelope and nothing else's problem);
//! 5. steady load again.
//!
//! Every 5 s it samples the server's resident memory and open descriptors.
//! Nothing here asserts a time; the report counts what happened.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mizan::mwt::MwtSubject;
use mizan_redis::testing::RedisServer;
use serde_json::json;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Concurrent clients of the normal load.
const CLIENTS: usize = 32;
/// Connections that trickle their headers, and calls that trickle bodies.
const SLOW_HEADERS: usize = 200;
const SLOW_BODIES: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Steady,
    RedisDown,
    RedisBack,
    SlowClients,
    Panics,
    SteadyAgain,
}

impl Phase {
    fn label(self) -> &'static str {
        match self {
            Phase::Steady => "steady",
            Phase::RedisDown => "Redis killed",
            Phase::RedisBack => "Redis restarted",
            Phase::SlowClients => "slow clients (slowloris headers, trickled bodies)",
            Phase::Panics => "panicking functions among the load",
            Phase::SteadyAgain => "steady again",
        }
    }
}

/// What one phase saw.
#[derive(Default)]
struct Tally {
    ok: u64,
    /// Panics answered as the 500 envelope they must be.
    expected_500: u64,
    /// Anything else that is not 2xx, by status (0: no answer at all).
    unexpected: BTreeMap<u16, u64>,
    latencies_us: Vec<u64>,
}

struct Sample {
    at_s: u64,
    phase: Phase,
    rss_kib: u64,
    fds: usize,
    requests: u64,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mizan-bench-soak: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let mut fixture = None;
    let mut seconds = 600u64;
    let mut out = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or("a flag needs a value")?;
        match flag.as_str() {
            "--fixture" => fixture = Some(value.clone()),
            "--seconds" => seconds = value.parse()?,
            "--out" => out = Some(value.clone()),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let fixture = fixture.ok_or("--fixture BIN is required")?;
    let out = out.ok_or("--out FILE is required")?;

    let mut redis = RedisServer::start();
    let mut server = tokio::process::Command::new(&fixture)
        .env("MIZAN_FIXTURE_ADDR", "127.0.0.1:0")
        .env("MIZAN_REDIS_URL", redis.url())
        .env("RUST_LOG", "off")
        // As in production: with RUST_BACKTRACE=1 every panic would print a
        // symbolized backtrace (the binary's debug info loaded, ~80 MiB,
        // and each panic ~17x slower).
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let pid = server.id().ok_or("the fixture has no pid")?;
    let stdout = server.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next_line().await?.ok_or("the fixture exited")?;
        if let Some(addr) = line.strip_prefix("listening on ") {
            break addr.to_owned();
        }
    };
    let base = format!("http://{addr}");

    let phase = Arc::new(Mutex::new(Phase::Steady));
    let tallies: Arc<Mutex<BTreeMap<Phase, Tally>>> = Arc::default();
    let requests = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    // The token callers' MWT, re-minted every minute as a client refreshes
    // its token before it expires (a run outlives the token's lifetime).
    let mwt = afi_fixture::Settings::default().mwt();
    let subject = MwtSubject::new("2").with_staff(true);
    let token = Arc::new(Mutex::new(mwt.mint(&subject, mizan::clock::unix_now())));
    let mut token_minted = Instant::now();

    let mut workers = Vec::new();
    for worker in 0..CLIENTS {
        let (base, phase, tallies, requests, stop, token) = (
            base.clone(),
            phase.clone(),
            tallies.clone(),
            requests.clone(),
            stop.clone(),
            token.clone(),
        );
        workers.push(tokio::spawn(async move {
            load(worker, &base, &phase, &tallies, &requests, &stop, &token).await;
        }));
    }

    let started = Instant::now();
    let at = |fraction: f64| Duration::from_secs_f64(seconds as f64 * fraction);
    let schedule = [
        (at(0.20), Phase::RedisDown),
        (at(0.30), Phase::RedisBack),
        (at(0.40), Phase::SlowClients),
        (at(0.55), Phase::Panics),
        (at(0.70), Phase::SteadyAgain),
    ];
    let mut samples = Vec::new();
    let mut slow: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    let slow_stop = Arc::new(AtomicBool::new(false));
    let mut next = 0;
    let mut faults = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        let now = started.elapsed();
        while next < schedule.len() && now >= schedule[next].0 {
            let (_, entering) = schedule[next];
            let leaving = std::mem::replace(
                &mut *phase.lock().unwrap_or_else(|e| e.into_inner()),
                entering,
            );
            match entering {
                Phase::RedisDown => {
                    redis.stop();
                    faults.push(format!("{:>4} s: Redis killed", now.as_secs()));
                }
                Phase::RedisBack => {
                    redis.restart();
                    faults.push(format!("{:>4} s: Redis restarted (empty)", now.as_secs()));
                }
                Phase::SlowClients => {
                    slow_stop.store(false, Ordering::SeqCst);
                    for i in 0..SLOW_HEADERS + SLOW_BODIES {
                        let (addr, stop) = (addr.clone(), slow_stop.clone());
                        slow.push(tokio::spawn(async move {
                            let _ = trickle(&addr, i >= SLOW_HEADERS, &stop).await;
                        }));
                    }
                    faults.push(format!(
                        "{:>4} s: {SLOW_HEADERS} connections trickling headers, {SLOW_BODIES} trickling bodies",
                        now.as_secs()
                    ));
                }
                Phase::Panics => {
                    slow_stop.store(true, Ordering::SeqCst);
                    for task in slow.drain(..) {
                        task.abort();
                    }
                    faults.push(format!(
                        "{:>4} s: slow clients gone; 1 in 20 requests now calls `buggy_fn`, which panics",
                        now.as_secs()
                    ));
                }
                _ => {}
            }
            let _ = leaving;
            next += 1;
        }
        if token_minted.elapsed() >= Duration::from_secs(60) {
            *token.lock().unwrap_or_else(|e| e.into_inner()) =
                mwt.mint(&subject, mizan::clock::unix_now());
            token_minted = Instant::now();
        }
        samples.push(Sample {
            at_s: now.as_secs(),
            phase: *phase.lock().unwrap_or_else(|e| e.into_inner()),
            rss_kib: rss_kib(pid).unwrap_or(0),
            fds: fds(pid),
            requests: requests.load(Ordering::Relaxed),
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    stop.store(true, Ordering::SeqCst);
    slow_stop.store(true, Ordering::SeqCst);
    for task in slow {
        task.abort();
    }
    for worker in workers {
        let _ = worker.await;
    }
    samples.push(Sample {
        at_s: started.elapsed().as_secs(),
        phase: Phase::SteadyAgain,
        rss_kib: rss_kib(pid).unwrap_or(0),
        fds: fds(pid),
        requests: requests.load(Ordering::Relaxed),
    });
    let _ = server.kill().await;
    drop(redis);

    let tallies = std::mem::take(&mut *tallies.lock().unwrap_or_else(|e| e.into_inner()));
    std::fs::write(&out, report(seconds, &tallies, &samples, &faults))?;
    eprintln!("wrote {out}");
    Ok(())
}

/// One client of the normal load: reads (most of it) and mutations, as
/// several users, on keep-alive connections.
async fn load(
    worker: usize,
    base: &str,
    phase: &Mutex<Phase>,
    tallies: &Mutex<BTreeMap<Phase, Tally>>,
    requests: &AtomicU64,
    stop: &AtomicBool,
    token: &Mutex<String>,
) {
    let http = reqwest::Client::new();
    let mut n: u64 = worker as u64 * 7919;
    while !stop.load(Ordering::Relaxed) {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let current = *phase.lock().unwrap_or_else(|e| e.into_inner());
        let pick = (n >> 33) % 100;
        let user = (n >> 20) % 4 + 1;
        let panics = current == Phase::Panics && pick < 5;
        let token = token.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let request = if panics {
            http.post(format!("{base}/api/mizan/call/"))
                .header("content-type", "application/json")
                .body(r#"{"fn": "buggy_fn"}"#)
        } else if pick < 45 {
            http.get(format!("{base}/api/mizan/ctx/user/?user_id={user}"))
        } else if pick < 60 {
            http.get(format!("{base}/api/mizan/ctx/user/?user_id={user}"))
                .header("x-mizan-token", &token)
        } else if pick < 75 {
            http.get(format!("{base}/api/mizan/ctx/items/"))
        } else if pick < 85 {
            http.get(format!("{base}/api/mizan/ctx/trending/"))
        } else if pick < 95 {
            let body =
                json!({"fn": "rename_user", "args": {"user_id": user, "name": format!("user{n}")}});
            http.post(format!("{base}/api/mizan/call/"))
                .header("content-type", "application/json")
                .body(body.to_string())
        } else {
            let body = json!({"fn": "set_item_name", "args": {"id": user % 2 + 1, "name": format!("item{n}")}});
            http.post(format!("{base}/api/mizan/call/"))
                .header("content-type", "application/json")
                .header("x-mizan-token", &token)
                .body(body.to_string())
        };
        let t0 = Instant::now();
        let status = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                status
            }
            Err(_) => 0,
        };
        let took = t0.elapsed().as_micros() as u64;
        requests.fetch_add(1, Ordering::Relaxed);
        let mut tallies = tallies.lock().unwrap_or_else(|e| e.into_inner());
        let tally = tallies.entry(current).or_default();
        match status {
            200..=299 => tally.ok += 1,
            500 if panics => tally.expected_500 += 1,
            other => *tally.unexpected.entry(other).or_default() += 1,
        }
        if !panics {
            tally.latencies_us.push(took);
        }
    }
}

/// A slow client: a request whose headers (or body) arrive one byte a
/// second, for as long as the server keeps the connection.
async fn trickle(addr: &str, body: bool, stop: &AtomicBool) -> Result<()> {
    let mut conn = tokio::net::TcpStream::connect(addr).await?;
    let request = if body {
        format!(
            "POST /api/mizan/call/ HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{}",
            " ".repeat(100_000)
        )
    } else {
        format!(
            "GET /api/mizan/ctx/items/ HTTP/1.1\r\nHost: {addr}\r\nX-Slow: {}\r\n\r\n",
            "x".repeat(10_000)
        )
    };
    let head = request.find("\r\n\r\n").map_or(0, |i| i + 4);
    let (fast, slow) = request.as_bytes().split_at(if body { head } else { 16 });
    conn.write_all(fast).await?;
    for byte in slow {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        conn.write_all(std::slice::from_ref(byte)).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

fn rss_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

fn ms(us: u64) -> String {
    format!("{:.1} ms", us as f64 / 1000.0)
}

fn report(
    seconds: u64,
    tallies: &BTreeMap<Phase, Tally>,
    samples: &[Sample],
    faults: &[String],
) -> String {
    let mut md = String::new();
    let first = samples.first();
    let last = samples.last();
    let total: u64 = tallies
        .values()
        .map(|t| t.ok + t.expected_500 + t.unexpected.values().sum::<u64>())
        .sum();
    let unexpected: u64 = tallies
        .values()
        .map(|t| t.unexpected.values().sum::<u64>())
        .sum();
    let _ = writeln!(md, "# Soak and faults\n");
    let _ = writeln!(
        md,
        "Written by `bench/run --soak` on this machine: the conformance fixture (release build, its own process, origin cache and live bus in a Redis this run started) under {CLIENTS} concurrent clients for {} min — reads of the `user`, `items` and `trending` contexts as anonymous and token callers (75 %), `rename_user` and `set_item_name` mutations (25 %) — through the faults below. Load over loopback; nothing here is a test.\n",
        seconds / 60
    );
    let _ = writeln!(md, "## Summary\n");
    let _ = writeln!(
        md,
        "- requests answered: {total} ({:.0} req/s on average)",
        total as f64 / seconds.max(1) as f64
    );
    let _ = writeln!(
        md,
        "- **non-2xx answers that were not a panicking function's 500: {unexpected}**"
    );
    if let (Some(a), Some(b)) = (first, last) {
        let _ = writeln!(
            md,
            "- resident memory: {:.1} MiB at the start, {:.1} MiB at the end; peak {:.1} MiB",
            a.rss_kib as f64 / 1024.0,
            b.rss_kib as f64 / 1024.0,
            samples.iter().map(|s| s.rss_kib).max().unwrap_or(0) as f64 / 1024.0
        );
        let _ = writeln!(
            md,
            "- open descriptors: {} at the start, {} at the end; peak {}",
            a.fds,
            b.fds,
            samples.iter().map(|s| s.fds).max().unwrap_or(0)
        );
    }
    let _ = writeln!(md, "\n## Faults injected\n");
    for fault in faults {
        let _ = writeln!(md, "- {fault}");
    }
    let _ = writeln!(md, "\n## By phase\n");
    let _ = writeln!(
        md,
        "| phase | requests | 2xx | panics answered 500 | other non-2xx | p50 | p99 | resident memory at its end | open descriptors at its end |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---|---:|---:|---:|---:|");
    for (phase, tally) in tallies {
        let mut lat = tally.latencies_us.clone();
        lat.sort_unstable();
        let others = if tally.unexpected.is_empty() {
            "0".to_owned()
        } else {
            tally
                .unexpected
                .iter()
                .map(|(status, n)| {
                    format!(
                        "{n} × {}",
                        if *status == 0 {
                            "no answer".to_owned()
                        } else {
                            status.to_string()
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let end = samples.iter().rev().find(|s| s.phase == *phase);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            phase.label(),
            tally.ok + tally.expected_500 + tally.unexpected.values().sum::<u64>(),
            tally.ok,
            tally.expected_500,
            others,
            ms(percentile(&lat, 0.5)),
            ms(percentile(&lat, 0.99)),
            end.map_or_else(String::new, |s| format!(
                "{:.1} MiB",
                s.rss_kib as f64 / 1024.0
            )),
            end.map_or_else(String::new, |s| s.fds.to_string()),
        );
    }
    let _ = writeln!(md, "\n## Samples (every 30 s)\n");
    let _ = writeln!(
        md,
        "| time | phase | req/s since the last sample | resident memory | open descriptors |"
    );
    let _ = writeln!(md, "|---:|---|---:|---:|---:|");
    let mut previous: Option<&Sample> = None;
    for sample in samples.iter().filter(|s| s.at_s % 30 < 5) {
        let rate = previous.map_or(0.0, |p| {
            (sample.requests - p.requests) as f64
                / (sample.at_s.saturating_sub(p.at_s)).max(1) as f64
        });
        let _ = writeln!(
            md,
            "| {} s | {} | {:.0} | {:.1} MiB | {} |",
            sample.at_s,
            sample.phase.label(),
            rate,
            sample.rss_kib as f64 / 1024.0,
            sample.fds
        );
        previous = Some(sample);
    }
    md
}
