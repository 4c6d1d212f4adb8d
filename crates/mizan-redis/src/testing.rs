//! A throwaway `redis-server` for tests: its own process on a free loopback
//! port, no persistence (`--save '' --appendonly no`), its files in a fresh
//! temporary directory, killed when dropped. Never a system Redis service.
//!
//! ```no_run
//! # async fn demo() {
//! use mizan_redis::testing::RedisServer;
//!
//! let mut redis = RedisServer::start();
//! let backend = mizan_redis::RedisBackend::new(&redis.url()).expect("a valid URL");
//! redis.stop(); // the backend now fails (and the origin cache serves uncached)
//! redis.restart(); // same port: the backend reconnects by itself
//! # drop(backend);
//! # }
//! ```
//!
//! Needs the `redis-server` binary on `PATH` (`scripts/setup --for-tests`
//! installs it) and the crate feature `testing`.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A `redis-server` child process on `127.0.0.1:<port>`.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

static STARTED: AtomicU32 = AtomicU32::new(0);

impl RedisServer {
    /// Starts a server on a free loopback port and waits until it answers
    /// `PING`. Panics with a hint when `redis-server` cannot be run.
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "mizan-redis-test-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        if let Err(err) = std::fs::create_dir_all(&dir) {
            panic!("cannot create {}: {err}", dir.display());
        }
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut server = Self {
                port,
                dir: dir.clone(),
                child: None,
            };
            match server.spawn() {
                Ok(()) => return server,
                Err(err) => last_error = err,
            }
        }
        panic!("could not start redis-server: {last_error}");
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The loopback port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (its data is gone: no persistence).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.spawn() {
                Ok(()) => return,
                Err(err) if Instant::now() > deadline => {
                    panic!("could not restart redis-server on {}: {err}", self.port)
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Sends one inline command and returns the raw reply (for checks that
    /// bypass the client under test, e.g. `DBSIZE`).
    pub fn command(&self, line: &str) -> String {
        let mut stream = match TcpStream::connect(("127.0.0.1", self.port)) {
            Ok(s) => s,
            Err(err) => panic!("redis-server on {} is not reachable: {err}", self.port),
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = stream.write_all(format!("{line}\r\n").as_bytes());
        let mut reply = Vec::new();
        let mut buf = [0u8; 4096];
        // Replies to the inline commands used here fit in one read.
        if let Ok(n) = stream.read(&mut buf) {
            reply.extend_from_slice(buf.get(..n).unwrap_or_default());
        }
        String::from_utf8_lossy(&reply).trim_end().to_owned()
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new("redis-server")
            .arg("--port")
            .arg(self.port.to_string())
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .arg("--dir")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| {
                format!(
                    "cannot run `redis-server` ({err}); install it with `scripts/setup --for-tests`"
                )
            })?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                self.child = None;
                return Err(format!("redis-server exited at start ({status})"));
            }
            if ping(self.port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        Err("redis-server did not answer PING within 10 s".into())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|err| panic!("no free loopback port: {err}"))
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    matches!(stream.read(&mut buf), Ok(n) if buf.get(..n).is_some_and(|b| b.starts_with(b"+PONG")))
}
