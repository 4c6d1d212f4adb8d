//! The pool's counters: cheap to bump on every render, read as one
//! [`PoolStats`] snapshot.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

/// What the pool has done since it started, and what it holds now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// Workers running and ready.
    pub workers: usize,
    /// Their process ids, by slot (a slot whose worker is restarting has none).
    pub pids: Vec<u32>,
    /// Renders that completed.
    pub renders: u64,
    /// Renders that failed, whatever the reason (timeouts and deaths included).
    pub failures: u64,
    /// Renders that failed because they passed their timeout.
    pub timeouts: u64,
    /// Workers started again after one exited or was killed.
    pub restarts: u64,
    /// Renders waiting for a worker (every worker at its `max_in_flight`,
    /// or none running).
    pub queued: usize,
    /// Renders sent to a worker and not yet answered.
    pub in_flight: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub renders: AtomicU64,
    pub failures: AtomicU64,
    pub timeouts: AtomicU64,
    pub restarts: AtomicU64,
    pub queued: AtomicUsize,
    pub in_flight: AtomicUsize,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    pub(crate) fn snapshot(&self, pids: Vec<u32>) -> PoolStats {
        PoolStats {
            workers: pids.iter().filter(|&&p| p != 0).count(),
            pids: pids.into_iter().filter(|&p| p != 0).collect(),
            renders: self.renders.load(Relaxed),
            failures: self.failures.load(Relaxed),
            timeouts: self.timeouts.load(Relaxed),
            restarts: self.restarts.load(Relaxed),
            queued: self.queued.load(Relaxed),
            in_flight: self.in_flight.load(Relaxed),
        }
    }
}

/// Holds one unit of a gauge while alive.
pub(crate) struct Gauge<'a>(&'a AtomicUsize);

impl<'a> Gauge<'a> {
    pub(crate) fn hold(gauge: &'a AtomicUsize) -> Self {
        gauge.fetch_add(1, Relaxed);
        Self(gauge)
    }
}

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}
