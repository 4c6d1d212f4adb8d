//! How the pool starts its workers and how long it waits for them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the `@mizan/ssr` package keeps its worker script, below `node_modules`.
const WORKER_SCRIPT: &str = "node_modules/@mizan/ssr/dist/worker.js";

/// The pool's configuration: the command that starts a worker, how many
/// run, and every limit. Built from [`PoolConfig::node`] (or
/// [`PoolConfig::command`]) and adjusted with the methods below.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub(crate) program: OsString,
    pub(crate) args: Vec<OsString>,
    pub(crate) envs: Vec<(OsString, OsString)>,
    pub(crate) current_dir: Option<PathBuf>,
    pub(crate) size: usize,
    pub(crate) max_in_flight: usize,
    pub(crate) render_timeout: Duration,
    pub(crate) start_timeout: Duration,
    pub(crate) ping_timeout: Duration,
    pub(crate) shutdown_grace: Duration,
    pub(crate) max_message_bytes: usize,
}

impl PoolConfig {
    /// Workers run by `node` (Debian's `nodejs`, found on `PATH`) with the
    /// `@mizan/ssr` worker script at `worker` (see [`find_worker`]).
    pub fn node(worker: impl Into<PathBuf>) -> Self {
        Self::command("node", [worker.into().into_os_string()])
    }

    /// Workers run by any program that speaks the worker protocol
    /// (../shared/spec/SSR.md) on its stdin and stdout.
    pub fn command(
        program: impl Into<OsString>,
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> Self {
        Self {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            envs: Vec::new(),
            current_dir: None,
            size: std::thread::available_parallelism().map_or(2, |n| n.get().min(8)),
            max_in_flight: 16,
            render_timeout: Duration::from_secs(5),
            start_timeout: Duration::from_secs(15),
            ping_timeout: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(3),
            max_message_bytes: 32 << 20,
        }
    }

    /// How many workers run (at least one). Default: the machine's cores, at most 8.
    #[must_use]
    pub fn size(mut self, workers: usize) -> Self {
        self.size = workers.max(1);
        self
    }

    /// How many renders one worker holds at once (at least one); more wait
    /// in the pool's queue. Default 16: a render that awaits (a Suspense
    /// boundary, a dynamic import) leaves its worker free for the next.
    #[must_use]
    pub fn max_in_flight(mut self, renders: usize) -> Self {
        self.max_in_flight = renders.max(1);
        self
    }

    /// How long a render may take, queueing included, before it fails.
    /// The worker is told too, and aborts the render (React then streams
    /// the fallbacks of the boundaries still pending). Default 5 s.
    #[must_use]
    pub fn render_timeout(mut self, timeout: Duration) -> Self {
        self.render_timeout = timeout;
        self
    }

    /// How long a worker may take to say it is ready. Default 15 s.
    #[must_use]
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// After a render timed out, how long its worker may take to answer a
    /// ping before it is taken for wedged (a loop that never yields) and
    /// restarted. Default 1 s.
    #[must_use]
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.ping_timeout = timeout;
        self
    }

    /// On shutdown, how long a worker may take to exit once its stdin is
    /// closed before it is killed. Default 3 s.
    #[must_use]
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// The longest line a worker may write (a render's HTML travels in
    /// one); a worker that writes more is restarted. Default 32 MiB.
    #[must_use]
    pub fn max_message_bytes(mut self, bytes: usize) -> Self {
        self.max_message_bytes = bytes;
        self
    }

    /// An environment variable for the workers (e.g. `NODE_ENV=production`).
    #[must_use]
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// The workers' working directory. Default: the server's.
    #[must_use]
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.current_dir = Some(dir.into());
        self
    }

    /// The configured render timeout.
    pub fn timeout(&self) -> Duration {
        self.render_timeout
    }
}

/// The worker script of the `@mizan/ssr` package as npm installed it:
/// `node_modules/@mizan/ssr/dist/worker.js` in `dir` or the nearest of its
/// ancestors that has it (as Node resolves packages).
pub fn find_worker(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(WORKER_SCRIPT))
        .find(|p| p.is_file())
}
