//! A circuit breaker for a shared backend (the origin cache's store, the
//! live bus's broker): after a failure, callers skip the backend for a short
//! cooldown instead of each waiting out its own timeout, so an outage costs
//! one timeout, not one per request. After the cooldown one call tries
//! again; a success closes the breaker.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The default cooldown after a failure: 1 s.
pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(1);

/// Open (skipping the backend) for a cooldown after each failure.
#[derive(Debug)]
pub struct Breaker {
    epoch: Instant,
    cooldown: Duration,
    /// Milliseconds since `epoch` until which calls are skipped (0: closed).
    open_until: AtomicU64,
}

impl Default for Breaker {
    fn default() -> Self {
        Self::new(DEFAULT_COOLDOWN)
    }
}

impl Breaker {
    /// A closed breaker that opens for `cooldown` after each failure.
    pub fn new(cooldown: Duration) -> Self {
        Self {
            epoch: Instant::now(),
            cooldown,
            open_until: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether a call may go to the backend now. Once a cooldown is over,
    /// one caller is let through to try (the others still skip until it
    /// reports).
    pub fn allows(&self) -> bool {
        let until = self.open_until.load(Ordering::Acquire);
        if until == 0 {
            return true;
        }
        let now = self.now_ms();
        if now < until {
            return false;
        }
        // The trial: this caller pushes the deadline on; whoever wins tries.
        let next = now + u64::try_from(self.cooldown.as_millis()).unwrap_or(u64::MAX);
        self.open_until
            .compare_exchange(until, next, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Reports a failure; `true` when the breaker was closed until now (the
    /// moment to log, once per outage).
    pub fn failed(&self) -> bool {
        let next = self.now_ms() + u64::try_from(self.cooldown.as_millis()).unwrap_or(u64::MAX);
        self.open_until.swap(next.max(1), Ordering::AcqRel) == 0
    }

    /// Reports a success; `true` when the breaker was open until now.
    pub fn succeeded(&self) -> bool {
        self.open_until.swap(0, Ordering::AcqRel) != 0
    }

    /// Whether the breaker is open now.
    pub fn is_open(&self) -> bool {
        let until = self.open_until.load(Ordering::Acquire);
        until != 0 && self.now_ms() < until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_skips_the_backend_until_the_cooldown_lets_one_trial_through() {
        let breaker = Breaker::new(Duration::from_millis(30));
        assert!(breaker.allows());
        assert!(breaker.failed(), "the first failure opens it");
        assert!(!breaker.failed(), "later failures do not open it again");
        assert!(!breaker.allows());
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.allows(), "one trial after the cooldown");
        assert!(!breaker.allows(), "only one");
        assert!(breaker.succeeded(), "the trial closes it");
        assert!(breaker.allows());
        assert!(!breaker.succeeded(), "already closed");
    }
}
