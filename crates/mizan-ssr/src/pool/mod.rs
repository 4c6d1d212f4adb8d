//! The worker pool: N Node processes speaking the worker protocol, each
//! kept running by a supervisor task, renders multiplexed over them by id.
//!
//! - A render goes to the running worker with the fewest renders in
//!   flight; when every worker holds `max_in_flight`, it waits in the queue.
//! - A worker that exits (or is killed) fails the renders it held with
//!   [`RenderError::WorkerDied`] and is started again.
//! - A render past its timeout fails with [`RenderError::Timeout`]; the
//!   worker then has to answer a ping, or it is taken for wedged (a loop
//!   that never yields) and restarted. The worker aborts the render itself
//!   too, so a render that merely waits forever costs it nothing.
//! - [`Pool::shutdown`] closes every worker's stdin and waits for them to
//!   exit (killing those that do not within the grace period). Dropping
//!   the last handle does the same in the background, and a worker whose
//!   server died exits on its own when its stdin ends.

mod config;
mod protocol;
mod stats;
mod worker;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub use config::{PoolConfig, find_worker};
pub use protocol::{Component, RenderRequest, Renderer};
pub use stats::PoolStats;

use stats::{Counters, Gauge};
use worker::{Event, Process, Worker, describe};

/// Why a render failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenderError {
    /// The component (or its module) threw: the worker's message.
    Render(String),
    /// The render did not complete within its timeout.
    Timeout(Duration),
    /// The worker exited while it held the render.
    WorkerDied(String),
    /// No worker could be started: why the last start failed.
    Unavailable(String),
    /// The pool is shut down.
    Closed,
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Render(message) => write!(f, "the SSR render failed: {message}"),
            Self::Timeout(after) => write!(f, "the SSR render timed out after {after:?}"),
            Self::WorkerDied(why) => {
                write!(f, "the SSR worker exited during the render ({why})")
            }
            Self::Unavailable(why) => write!(f, "no SSR worker is running: {why}"),
            Self::Closed => f.write_str("the SSR pool is shut down"),
        }
    }
}

impl std::error::Error for RenderError {}

/// A pool of render workers. Cheap to clone (one pool behind every clone);
/// the workers stop when [`Pool::shutdown`] is called or the last clone is
/// dropped.
#[derive(Clone)]
pub struct Pool {
    shared: Arc<Shared>,
    _close_on_drop: Arc<Closer>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("stats", &self.stats())
            .finish()
    }
}

struct Shared {
    config: PoolConfig,
    slots: Mutex<Vec<Option<Arc<Worker>>>>,
    /// A worker became ready (or failed to start): waiting renders look again.
    changed: Notify,
    /// Why the latest start failed, until a worker starts.
    start_error: Mutex<Option<String>>,
    permits: Arc<Semaphore>,
    counters: Counters,
    next_id: AtomicU64,
    closing: watch::Receiver<bool>,
    supervisors: Mutex<Vec<JoinHandle<()>>>,
}

/// Closes the pool when the last handle goes.
struct Closer(watch::Sender<bool>);

impl Drop for Closer {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}

impl Pool {
    /// Starts `config.size` workers and waits until each said it is ready.
    ///
    /// # Errors
    /// When a worker cannot start (no `node`, a missing worker script, no
    /// `ready` within the start timeout): the pool is shut down again.
    pub async fn start(config: PoolConfig) -> Result<Pool, RenderError> {
        let (close, closing) = watch::channel(false);
        let size = config.size;
        let shared = Arc::new(Shared {
            permits: Arc::new(Semaphore::new(size * config.max_in_flight)),
            slots: Mutex::new(vec![None; size]),
            changed: Notify::new(),
            start_error: Mutex::new(None),
            counters: Counters::default(),
            next_id: AtomicU64::new(1),
            closing,
            supervisors: Mutex::new(Vec::new()),
            config,
        });
        let pool = Pool {
            shared: Arc::clone(&shared),
            _close_on_drop: Arc::new(Closer(close)),
        };
        let started =
            futures_util::future::join_all((0..size).map(|_| Worker::start(&shared.config))).await;
        let mut first_error = None;
        let mut supervisors = Vec::with_capacity(size);
        for (slot, start) in started.into_iter().enumerate() {
            let process = match start {
                Ok(process) => {
                    // In its slot before `start` returns: the pool is ready.
                    lock(&shared.slots)[slot] = Some(Arc::clone(&process.worker));
                    Some(process)
                }
                Err(err) => {
                    first_error.get_or_insert(err);
                    None
                }
            };
            supervisors.push(tokio::spawn(supervise(Arc::clone(&shared), slot, process)));
        }
        *lock(&shared.supervisors) = supervisors;
        if let Some(err) = first_error {
            pool.shutdown().await;
            return Err(RenderError::Unavailable(err));
        }
        Ok(pool)
    }

    /// Renders `request` on the least busy worker. Resolves once the render
    /// is sent (after queueing, if every worker is full); its HTML is read
    /// from the returned [`Rendering`]. The pool's render timeout counts
    /// from this call.
    ///
    /// # Errors
    /// [`RenderError::Timeout`] when no worker was free in time,
    /// [`RenderError::Unavailable`] when none can start,
    /// [`RenderError::Closed`] after [`Pool::shutdown`].
    pub async fn render(&self, request: &RenderRequest) -> Result<Rendering, RenderError> {
        let shared = &self.shared;
        let timeout = request.timeout.unwrap_or(shared.config.render_timeout);
        let deadline = Instant::now() + timeout;
        let queued = Gauge::hold(&shared.counters.queued);
        let dispatched = self.dispatch(request, timeout, deadline).await;
        drop(queued);
        dispatched.inspect_err(|err| {
            Counters::bump(&shared.counters.failures);
            if matches!(err, RenderError::Timeout(_)) {
                Counters::bump(&shared.counters.timeouts);
            }
        })
    }

    async fn dispatch(
        &self,
        request: &RenderRequest,
        timeout: Duration,
        deadline: Instant,
    ) -> Result<Rendering, RenderError> {
        let shared = &self.shared;
        let permit =
            match tokio::time::timeout_at(deadline, Arc::clone(&shared.permits).acquire_owned())
                .await
            {
                Ok(Ok(permit)) => permit,
                Ok(Err(_)) => return Err(RenderError::Closed),
                Err(_) => return Err(RenderError::Timeout(timeout)),
            };
        loop {
            let worker = self.worker(timeout, deadline).await?;
            let id = shared.next_id.fetch_add(1, Relaxed);
            // The worker ends the render itself when the time left is up; the
            // server waits a ping's grace longer before it suspects the worker.
            let left = deadline.saturating_duration_since(Instant::now());
            let timeout_ms = u64::try_from(left.as_millis()).unwrap_or(u64::MAX).max(1);
            if let Ok(events) = worker.send(id, protocol::render_line(id, request, timeout_ms)) {
                worker.hold();
                return Ok(Rendering {
                    shared: Arc::clone(shared),
                    worker,
                    id,
                    events,
                    timeout,
                    deadline: deadline + shared.config.ping_timeout,
                    done: false,
                    _permit: permit,
                    _in_flight: InFlight::hold(shared),
                });
            }
            // It died since it was picked, and its supervisor is about to
            // clear its slot: pick again in a moment.
            if Instant::now() >= deadline {
                return Err(RenderError::Timeout(timeout));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// The running worker with the fewest renders in flight, waiting for one
    /// to start when none is running.
    async fn worker(
        &self,
        timeout: Duration,
        deadline: Instant,
    ) -> Result<Arc<Worker>, RenderError> {
        let shared = &self.shared;
        loop {
            let changed = shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if *shared.closing.borrow() {
                return Err(RenderError::Closed);
            }
            let least_busy = lock(&shared.slots)
                .iter()
                .flatten()
                .min_by_key(|w| w.load())
                .cloned();
            if let Some(worker) = least_busy {
                return Ok(worker);
            }
            if let Some(err) = lock(&shared.start_error).clone() {
                return Err(RenderError::Unavailable(err));
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return Err(RenderError::Timeout(timeout));
            }
        }
    }

    /// Counters and gauges, now.
    pub fn stats(&self) -> PoolStats {
        let pids = lock(&self.shared.slots)
            .iter()
            .map(|w| w.as_ref().map_or(0, |w| w.pid))
            .collect();
        self.shared.counters.snapshot(pids)
    }

    /// The pool's configuration.
    pub fn config(&self) -> &PoolConfig {
        &self.shared.config
    }

    /// Stops the pool: queued renders fail with [`RenderError::Closed`],
    /// every worker's stdin is closed, and this resolves once every worker
    /// process has exited (killed after the grace period if need be).
    /// Renders in flight fail as their worker exits.
    pub async fn shutdown(&self) {
        self._close_on_drop.0.send_replace(true);
        self.shared.permits.close();
        self.shared.changed.notify_waiters();
        let supervisors = std::mem::take(&mut *lock(&self.shared.supervisors));
        for supervisor in supervisors {
            let _ = supervisor.await;
        }
    }
}

/// A render in progress: its HTML, chunk by chunk.
pub struct Rendering {
    shared: Arc<Shared>,
    worker: Arc<Worker>,
    id: u64,
    events: mpsc::UnboundedReceiver<Event>,
    timeout: Duration,
    deadline: Instant,
    done: bool,
    _permit: OwnedSemaphorePermit,
    _in_flight: InFlight,
}

impl fmt::Debug for Rendering {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rendering")
            .field("id", &self.id)
            .field("worker", &self.worker.pid)
            .field("done", &self.done)
            .finish()
    }
}

impl Rendering {
    /// The next piece of HTML; `None` once the render completed. An error
    /// ends the render (nothing follows it).
    pub async fn next(&mut self) -> Option<Result<String, RenderError>> {
        loop {
            if self.done {
                return None;
            }
            let event = tokio::time::timeout_at(self.deadline, self.events.recv()).await;
            let shared = Arc::clone(&self.shared);
            let counters = &shared.counters;
            let result = match event {
                Ok(Some(Event::Chunk(html))) => return Some(Ok(html)),
                Ok(Some(Event::Done(html))) => {
                    self.end();
                    Counters::bump(&counters.renders);
                    if html.is_empty() {
                        return None;
                    }
                    Ok(html)
                }
                Ok(Some(Event::Pong)) => continue,
                Ok(Some(Event::Failed(message))) => Err(RenderError::Render(message)),
                Ok(Some(Event::TimedOut)) => {
                    Counters::bump(&counters.timeouts);
                    Err(RenderError::Timeout(self.timeout))
                }
                Ok(Some(Event::Died(why))) => Err(RenderError::WorkerDied(why)),
                Ok(None) => Err(RenderError::WorkerDied(
                    "it stopped answering this render".into(),
                )),
                Err(_) => {
                    Counters::bump(&counters.timeouts);
                    check_alive(&shared, Arc::clone(&self.worker));
                    Err(RenderError::Timeout(self.timeout))
                }
            };
            if result.is_err() {
                self.end();
                Counters::bump(&counters.failures);
            }
            return Some(result);
        }
    }

    /// The whole HTML.
    ///
    /// # Errors
    /// The first error of the render.
    pub async fn into_string(mut self) -> Result<String, RenderError> {
        let mut html = String::new();
        while let Some(chunk) = self.next().await {
            html.push_str(&chunk?);
        }
        Ok(html)
    }

    /// The process id of the worker rendering it.
    pub fn worker_pid(&self) -> u32 {
        self.worker.pid
    }

    fn end(&mut self) {
        if !self.done {
            self.done = true;
            self.worker.forget(self.id);
        }
    }
}

impl Drop for Rendering {
    fn drop(&mut self) {
        // Answered, failed, or its caller left: either way the worker's
        // reply (if any) now has no one to go to.
        self.worker.forget(self.id);
        self.worker.release();
    }
}

/// One render in flight, counted while it lives.
struct InFlight(Arc<Shared>);

impl InFlight {
    fn hold(shared: &Arc<Shared>) -> Self {
        shared.counters.in_flight.fetch_add(1, Relaxed);
        Self(Arc::clone(shared))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.counters.in_flight.fetch_sub(1, Relaxed);
    }
}

/// After a timeout: a worker that cannot answer a ping is wedged and is
/// restarted (the renders it held fail with it).
fn check_alive(shared: &Arc<Shared>, worker: Arc<Worker>) {
    if worker.is_wedged() {
        return;
    }
    let id = shared.next_id.fetch_add(1, Relaxed);
    let wait = shared.config.ping_timeout;
    let Ok(mut events) = worker.send(id, protocol::ping_line(id)) else {
        return;
    };
    tokio::spawn(async move {
        let answered = tokio::time::timeout(wait, events.recv()).await;
        worker.forget(id);
        // A worker that died meanwhile is being restarted already.
        if !matches!(answered, Ok(Some(Event::Pong | Event::Died(_)))) {
            tracing::warn!(
                pid = worker.pid,
                "an SSR worker did not answer a ping within {wait:?} after a render timed out: restarting it"
            );
            worker.wedge();
        }
    });
}

/// Keeps slot `slot` running a worker until the pool closes.
async fn supervise(shared: Arc<Shared>, slot: usize, mut process: Option<Process>) {
    let mut closing = shared.closing.clone();
    let mut backoff = Duration::from_millis(100);
    loop {
        if *closing.borrow() {
            if let Some(process) = process.take() {
                stop(&shared, slot, process).await;
            }
            return;
        }
        let Some(mut running) = process.take() else {
            // Start (again), unless the pool closes meanwhile.
            let started = tokio::select! {
                started = Worker::start(&shared.config) => started,
                () = closed(&mut closing) => continue,
            };
            match started {
                Ok(started) => process = Some(started),
                Err(err) => {
                    tracing::error!(slot, "{err}");
                    *lock(&shared.start_error) = Some(err);
                    shared.changed.notify_waiters();
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        () = closed(&mut closing) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
            continue;
        };
        let up = Instant::now();
        let worker = Arc::clone(&running.worker);
        lock(&shared.slots)[slot] = Some(Arc::clone(&worker));
        *lock(&shared.start_error) = None;
        shared.changed.notify_waiters();
        let why = tokio::select! {
            status = running.child.wait() => describe(status),
            () = worker.kill.notified() => {
                let _ = running.child.start_kill();
                let _ = running.child.wait().await;
                "killed: it stopped answering".to_owned()
            }
            () = closed(&mut closing) => {
                process = Some(running);
                continue;
            }
        };
        lock(&shared.slots)[slot] = None;
        tracing::warn!(
            pid = worker.pid,
            slot,
            "an SSR worker exited ({why}); starting another"
        );
        running.finish(&format!("pid {}: {why}", worker.pid)).await;
        Counters::bump(&shared.counters.restarts);
        // A worker that dies as it starts would otherwise be restarted in a busy loop.
        if up.elapsed() < Duration::from_secs(1) {
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = closed(&mut closing) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        } else {
            backoff = Duration::from_millis(100);
        }
    }
}

/// Closes a worker's stdin, waits for it to exit, kills it after the grace.
async fn stop(shared: &Shared, slot: usize, mut process: Process) {
    lock(&shared.slots)[slot] = None;
    process.worker.close();
    let grace = shared.config.shutdown_grace;
    let why = match tokio::time::timeout(grace, process.child.wait()).await {
        Ok(status) => format!("the pool shut down; it exited ({})", describe(status)),
        Err(_) => {
            tracing::warn!(
                pid = process.worker.pid,
                "an SSR worker did not exit within {grace:?} of its stdin closing: killing it"
            );
            let _ = process.child.start_kill();
            let _ = process.child.wait().await;
            "the pool shut down; it was killed".to_owned()
        }
    };
    process.finish(&why).await;
}

/// Resolves once the pool is closing.
async fn closed(closing: &mut watch::Receiver<bool>) {
    while !*closing.borrow_and_update() {
        if closing.changed().await.is_err() {
            return;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
