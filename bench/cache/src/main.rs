//! Measures `GET /ctx/work/` through axum on loopback: cache off, then for
//! the memory and Redis backends a HIT (one hot key) and a MISS (a new key
//! each request), with a member that spends ~200 µs computing. Bounded: a
//! fixed number of requests per scenario. Writes `bench/RESULTS-cache.md`.
//!
//! `cargo run --release -p mizan-bench-cache [-- --requests N --concurrency C --rounds R --out PATH]`

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mizan::cache::OriginCache;
use mizan::prelude::*;
use mizan::{Registry, Server};
use mizan_redis::testing::RedisServer;

/// The bundle's one member output.
#[derive(Debug, Serialize, Mizan)]
pub struct Work {
    /// The request's `n`.
    pub n: i64,
    /// Something computed from it.
    pub digest: u64,
}

/// Spends about 200 µs of CPU, like a small database read plus rendering.
#[mizan::client(context = "work")]
pub async fn work(n: i64) -> Work {
    let started = Instant::now();
    let mut digest = n as u64 ^ 0x9e37_79b9_7f4a_7c15;
    while started.elapsed() < Duration::from_micros(200) {
        for _ in 0..64 {
            digest = digest.rotate_left(5).wrapping_mul(0x0100_0000_01b3) ^ 0xff;
        }
    }
    Work {
        n,
        digest: std::hint::black_box(digest),
    }
}

const SECRET: &str = "bench-cache-secret-0123456789abcdef";

struct Options {
    requests: usize,
    concurrency: usize,
    rounds: usize,
    out: String,
}

fn options() -> Result<Options, String> {
    let mut opts = Options {
        requests: 2000,
        concurrency: 8,
        rounds: 3,
        out: concat!(env!("CARGO_MANIFEST_DIR"), "/../RESULTS-cache.md").to_owned(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--requests" => opts.requests = value()?.parse().map_err(|e| format!("{e}"))?,
            "--concurrency" => {
                opts.concurrency = value()?.parse().map_err(|e| format!("{e}"))?;
            }
            "--rounds" => opts.rounds = value()?.parse().map_err(|e| format!("{e}"))?,
            "--out" => opts.out = value()?,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    opts.concurrency = opts.concurrency.max(1);
    opts.rounds = opts.rounds.max(1);
    Ok(opts)
}

async fn serve(cache: Option<OriginCache>) -> Result<String, Box<dyn std::error::Error>> {
    let registry = Registry::builder().function::<work>().build()?;
    let mut builder = Server::builder().registry(registry).cache_secret(SECRET);
    if let Some(cache) = cache {
        builder = builder.cache(cache);
    }
    let server = builder.build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(mizan::axum::serve(listener, server));
    Ok(format!("http://{addr}/api/mizan/ctx/work/"))
}

/// Which keys a scenario requests.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keys {
    /// `n=0` every time (after one warm-up request).
    Hot,
    /// A new `n` every request (each one a cold miss).
    Fresh,
}

struct Measured {
    label: String,
    expected: &'static str,
    /// Requests per second of each round.
    rounds: Vec<f64>,
    latencies: Vec<Duration>,
    statuses: Vec<String>,
}

impl Measured {
    /// The median round's throughput.
    fn throughput(&self) -> f64 {
        let mut sorted = self.rounds.clone();
        sorted.sort_by(f64::total_cmp);
        sorted.get(sorted.len() / 2).copied().unwrap_or_default()
    }
    /// Adds another round of the same scenario.
    fn absorb(&mut self, other: Measured) {
        self.rounds.extend(other.rounds);
        self.latencies.extend(other.latencies);
        for status in other.statuses {
            if !self.statuses.contains(&status) {
                self.statuses.push(status);
            }
        }
    }
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(index).copied().unwrap_or_default()
    }
    fn mean(&self) -> Duration {
        let total: Duration = self.latencies.iter().sum();
        total / u32::try_from(self.latencies.len().max(1)).unwrap_or(u32::MAX)
    }
}

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

async fn measure(
    label: &str,
    url: &str,
    keys: Keys,
    expected: &'static str,
    opts: &Options,
) -> Result<Measured, Box<dyn std::error::Error>> {
    let http = reqwest::Client::new();
    // Warm up the connection pool and, for HIT, the entry.
    for _ in 0..opts.concurrency * 4 {
        http.get(format!("{url}?n=0")).send().await?.bytes().await?;
    }
    let per_worker = opts.requests / opts.concurrency;
    let started = Instant::now();
    let workers: Vec<_> = (0..opts.concurrency)
        .map(|_| {
            let http = http.clone();
            let url = url.to_owned();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_worker);
                let mut statuses = Vec::new();
                for _ in 0..per_worker {
                    let n = match keys {
                        Keys::Hot => 0,
                        Keys::Fresh => NEXT_KEY.fetch_add(1, Ordering::Relaxed),
                    };
                    let t = Instant::now();
                    let resp = http.get(format!("{url}?n={n}")).send().await?;
                    let status = resp
                        .headers()
                        .get("x-mizan-cache")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("none")
                        .to_owned();
                    let ok = resp.status().is_success();
                    resp.bytes().await?;
                    latencies.push(t.elapsed());
                    if !ok {
                        statuses.push("error".to_owned());
                    } else if !statuses.contains(&status) {
                        statuses.push(status);
                    }
                }
                Ok::<_, reqwest::Error>((latencies, statuses))
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut statuses: Vec<String> = Vec::new();
    for worker in workers {
        let (l, s) = worker.await??;
        latencies.extend(l);
        for status in s {
            if !statuses.contains(&status) {
                statuses.push(status);
            }
        }
    }
    let elapsed = started.elapsed();
    Ok(Measured {
        label: label.to_owned(),
        expected,
        rounds: vec![latencies.len() as f64 / elapsed.as_secs_f64()],
        latencies,
        statuses,
    })
}

fn micros(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1e6)
}

fn report(results: &[Measured], opts: &Options, redis_version: &str, load: &str) -> String {
    let baseline = results.first().map(Measured::throughput).unwrap_or(1.0);
    let baseline_p50 = results
        .first()
        .map(|m| m.percentile(0.5))
        .unwrap_or_default();
    let mut out = String::new();
    out.push_str("# Origin cache benchmark\n\n");
    out.push_str(
        "`GET /api/mizan/ctx/work/?n=…` through the axum adapter on loopback; the \
         context's one member spends ~200 µs of CPU. Generated by \
         `cargo run --release -p mizan-bench-cache` (bench/cache); numbers are \
         from one run on the project's 2-core machine, client and server (and \
         Redis) sharing the cores, so compare rows, not absolute values.\n\n",
    );
    out.push_str(&format!(
        "{} rounds of {} requests per scenario, scenarios interleaved round by round \
         so that background load hits them alike; {} concurrent clients (keep-alive). \
         req/s is the median round; latencies pool every round. HIT: one hot key; \
         MISS: a new key per request (each a cold miss that is then stored); off: \
         no origin cache. Redis: {redis_version}, started by the bench on a loopback \
         port without persistence. Load average at the start: {load}.\n\n",
        opts.rounds, opts.requests, opts.concurrency
    ));
    out.push_str(
        "| scenario | X-Mizan-Cache | req/s | × off | mean µs | p50 µs | p99 µs | p50 vs off |\n",
    );
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for m in results {
        let p50 = m.percentile(0.5);
        out.push_str(&format!(
            "| {} | {} | {:.0} | {:.2} | {} | {} | {} | {:.2} |\n",
            m.label,
            m.statuses.join(", "),
            m.throughput(),
            m.throughput() / baseline,
            micros(m.mean()),
            micros(p50),
            micros(m.percentile(0.99)),
            p50.as_secs_f64() / baseline_p50.as_secs_f64().max(1e-9),
        ));
    }
    out.push_str(
        "\nReading it: a HIT skips the member's work but pays for reading the \
         generation counters and the entry (one `MGET` + one `GET` on Redis) and \
         for parsing the stored JSON; a MISS pays the same reads plus the work \
         plus the store (`SET … EX`).\n",
    );
    out
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let opts = options()?;
    let redis = RedisServer::start();
    let redis_version = redis
        .command("INFO server")
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .map_or_else(
            || "redis-server".to_owned(),
            |v| format!("redis-server {}", v.trim()),
        );
    let redis_backend = mizan_redis::RedisBackend::new(&redis.url())?;
    redis_backend.ping().await?;

    let off = serve(None).await?;
    let memory = serve(Some(OriginCache::memory())).await?;
    let shared = serve(Some(OriginCache::new(redis_backend))).await?;

    let scenarios: [(&str, &String, Keys, &'static str); 5] = [
        ("cache off", &off, Keys::Hot, "none"),
        ("memory HIT", &memory, Keys::Hot, "HIT"),
        ("memory MISS", &memory, Keys::Fresh, "MISS"),
        ("Redis HIT", &shared, Keys::Hot, "HIT"),
        ("Redis MISS", &shared, Keys::Fresh, "MISS"),
    ];
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into());
    let mut results: Vec<Measured> = Vec::new();
    for round in 0..opts.rounds {
        for (i, (label, url, keys, expected)) in scenarios.iter().enumerate() {
            let m = measure(label, url, *keys, expected, &opts).await?;
            eprintln!(
                "round {round}: {label:12} {:>8.0} req/s  p50 {:>6} µs  p99 {:>6} µs  [{}]",
                m.throughput(),
                micros(m.percentile(0.5)),
                micros(m.percentile(0.99)),
                m.statuses.join(", ")
            );
            if m.statuses.iter().any(|s| s != m.expected) {
                return Err(format!(
                    "{label}: expected only {}, saw {:?}",
                    m.expected, m.statuses
                )
                .into());
            }
            match results.get_mut(i) {
                Some(total) => total.absorb(m),
                None => results.push(m),
            }
        }
    }
    let text = report(&results, &opts, &redis_version, &load);
    std::fs::write(&opts.out, &text)?;
    eprintln!("wrote {}", opts.out);
    Ok(())
}
