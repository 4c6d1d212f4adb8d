//! The bus: how a mutation or a channel message on one server instance
//! reaches the sockets of every instance. In process by default; Redis
//! pub/sub (`mizan-redis`) when the app runs on several instances.

use std::fmt;
use std::sync::Arc;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt as _, stream};
use tokio::sync::broadcast;

use super::event::LiveEvent;
use crate::function::BoxFuture;

/// What a bus subscriber receives.
#[derive(Debug, Clone, PartialEq)]
pub enum BusNotice {
    /// An event, published by any instance (this one included).
    Event(LiveEvent),
    /// Events may have been lost (a lagging receiver, a reconnected
    /// broker): every socket must refetch what it shows.
    Lost,
}

/// A bus failure (publishing to a broker that is down).
#[derive(Debug, Clone)]
pub struct BusError(pub String);

impl fmt::Display for BusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "live bus: {}", self.0)
    }
}

impl std::error::Error for BusError {}

/// Carries live events between server instances.
pub trait Bus: Send + Sync + 'static {
    /// Publishes `event` to every instance, this one included.
    fn publish(&self, event: LiveEvent) -> BoxFuture<Result<(), BusError>>;
    /// Every event any instance publishes from now on, and [`BusNotice::Lost`]
    /// whenever some may have been missed. The stream lasts as long as the bus.
    fn subscribe(&self) -> BoxStream<'static, BusNotice>;
}

/// The default bus: this process only.
#[derive(Clone)]
pub struct LocalBus {
    sender: broadcast::Sender<LiveEvent>,
}

/// Events a slow local subscriber may fall behind by before it is told it
/// lost some.
const LOCAL_CAPACITY: usize = 4096;

impl LocalBus {
    /// A bus for this process.
    pub fn new() -> Self {
        Self {
            sender: broadcast::channel(LOCAL_CAPACITY).0,
        }
    }
}

impl Default for LocalBus {
    fn default() -> Self {
        Self::new()
    }
}

impl Bus for LocalBus {
    fn publish(&self, event: LiveEvent) -> BoxFuture<Result<(), BusError>> {
        // No subscriber yet (no socket ever connected) is not an error.
        let _ = self.sender.send(event);
        Box::pin(async { Ok(()) })
    }

    fn subscribe(&self) -> BoxStream<'static, BusNotice> {
        let receiver = self.sender.subscribe();
        stream::unfold(receiver, |mut receiver| async move {
            match receiver.recv().await {
                Ok(event) => Some((BusNotice::Event(event), receiver)),
                Err(broadcast::error::RecvError::Lagged(_)) => Some((BusNotice::Lost, receiver)),
                Err(broadcast::error::RecvError::Closed) => None,
            }
        })
        .boxed()
    }
}

/// A shared bus, as the server holds it.
pub type SharedBus = Arc<dyn Bus>;
