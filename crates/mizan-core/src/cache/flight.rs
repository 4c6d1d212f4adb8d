//! Single-flight: concurrent cold misses on one key, within one server
//! instance, run the context once and share its result.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use futures_util::FutureExt as _;
use futures_util::future::Shared;

use crate::function::BoxFuture;

type Flight<T> = Shared<BoxFuture<T>>;

/// Flights in progress, by key. The first caller of a key leads: its work
/// runs, and every caller that arrives before it ends awaits the same result.
pub(crate) struct Flights<T: Clone + Send + Sync + 'static> {
    next_id: AtomicU64,
    running: Mutex<HashMap<String, (u64, Flight<T>)>>,
}

impl<T: Clone + Send + Sync + 'static> Default for Flights<T> {
    fn default() -> Self {
        Self {
            next_id: AtomicU64::new(0),
            running: Mutex::new(HashMap::new()),
        }
    }
}

/// Removes the leader's flight when the leader finishes or is dropped, so a
/// flight never outlives its leader's interest in the map (followers that
/// already joined keep polling their own clone).
struct Landing<'a, T: Clone + Send + Sync + 'static> {
    flights: &'a Flights<T>,
    key: String,
    id: u64,
}

impl<T: Clone + Send + Sync + 'static> Drop for Landing<'_, T> {
    fn drop(&mut self) {
        let mut running = self.flights.lock();
        if running.get(&self.key).is_some_and(|(id, _)| *id == self.id) {
            running.remove(&self.key);
        }
    }
}

impl<T: Clone + Send + Sync + 'static> Flights<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Flight<T>)>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `work` unless a flight for `key` is already in the air, in which
    /// case it awaits that one instead (and `work` is dropped unrun).
    pub(crate) async fn run<F>(&self, key: String, work: F) -> T
    where
        F: Future<Output = T> + Send + 'static,
    {
        let (flight, landing) = {
            let mut running = self.lock();
            match running.get(&key) {
                Some((_, flight)) => (flight.clone(), None),
                None => {
                    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                    let boxed: BoxFuture<T> = Box::pin(work);
                    let flight = boxed.shared();
                    running.insert(key.clone(), (id, flight.clone()));
                    let landing = Landing {
                        flights: self,
                        key,
                        id,
                    };
                    (flight, Some(landing))
                }
            }
        };
        let result = flight.await;
        drop(landing);
        result
    }

    /// Number of flights in the air.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_callers_of_one_key_share_one_run() {
        let flights = Arc::new(Flights::<usize>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let flights = flights.clone();
                let runs = runs.clone();
                tokio::spawn(async move {
                    flights
                        .run("k".into(), async move {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            runs.fetch_add(1, Ordering::SeqCst) + 100
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.expect("no panic"), 100);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(flights.in_flight(), 0);
    }

    #[tokio::test]
    async fn different_keys_and_later_calls_run_again() {
        let flights = Flights::<u32>::default();
        assert_eq!(flights.run("a".into(), async { 1 }).await, 1);
        assert_eq!(flights.run("a".into(), async { 2 }).await, 2);
        assert_eq!(flights.run("b".into(), async { 3 }).await, 3);
        assert_eq!(flights.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_dropped_leader_leaves_no_flight_behind() {
        let flights = Arc::new(Flights::<u32>::default());
        let leader = {
            let flights = flights.clone();
            tokio::spawn(async move {
                flights
                    .run("k".into(), async {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        1
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(flights.in_flight(), 1);
        leader.abort();
        let _ = leader.await;
        assert_eq!(flights.in_flight(), 0);
        assert_eq!(flights.run("k".into(), async { 2 }).await, 2);
    }
}
