//! Live updates (../shared/spec/PROTOCOL.md §6): connections that are told
//! when what they show goes stale, channel messages, and the bus that
//! carries both across server instances.
//!
//! - [`event`]: what travels on the bus;
//! - [`bus`]: the bus (in process by default; Redis in `mizan-redis`);
//! - [`hub`]: this instance's connections, what each watches, delivery;
//! - [`push`]: the frames pushed to a connection.
//!
//! Every operation a connection makes — call, fetch, subscribe, join,
//! send — enters the core through [`Server::exchange`](crate::Server::exchange)
//! like any other request; the socket itself is served by
//! [`Server::serve_socket`](crate::Server::serve_socket).

pub mod bus;
pub mod event;
pub mod hub;
pub mod push;

use std::sync::{Arc, Once};

use bytes::Bytes;
use futures_util::StreamExt as _;
use tokio::sync::{mpsc, watch};

pub use bus::{Bus, BusError, BusNotice, LocalBus};
pub use event::{LiveEvent, Origin};
pub use hub::{Hub, HubError, Limits};

/// The live side of a server: its hub, its bus, and the signal that closes
/// every connection.
pub(crate) struct Live {
    pub(crate) hub: Arc<Hub>,
    bus: Arc<dyn Bus>,
    listening: Once,
    closing: watch::Sender<bool>,
}

impl Live {
    pub(crate) fn new(bus: Arc<dyn Bus>, limits: Limits) -> Self {
        Self {
            hub: Arc::new(Hub::new(limits)),
            bus,
            listening: Once::new(),
            closing: watch::channel(false).0,
        }
    }

    /// Starts delivering bus events to this instance's connections (once,
    /// from within the runtime, before the first connection can watch
    /// anything).
    fn listen(&self) {
        self.listening.call_once(|| {
            let hub = self.hub.clone();
            let mut notices = self.bus.subscribe();
            tokio::spawn(async move {
                while let Some(notice) = notices.next().await {
                    match notice {
                        BusNotice::Event(event) => hub.deliver(&event),
                        BusNotice::Lost => {
                            tracing::warn!(
                                "live bus: events may have been lost; every socket refetches what it shows"
                            );
                            hub.resync();
                        }
                    }
                }
            });
        });
    }

    /// A new connection on this instance.
    pub(crate) fn connect(&self) -> Connection {
        self.listen();
        let (id, pushes, dropped) = self.hub.connect();
        Connection {
            id,
            pushes,
            dropped,
            hub: self.hub.clone(),
            closing: self.closing.subscribe(),
        }
    }

    /// Publishes an event to every instance. A bus bounds its own time (the
    /// Redis bus by its response timeout), so a runtime without timers can
    /// serve mutations too.
    pub(crate) async fn publish(&self, event: LiveEvent) -> Result<(), BusError> {
        self.bus.publish(event).await
    }

    /// Tells every connection to close (server shutdown).
    pub(crate) fn close_all(&self) {
        let _ = self.closing.send(true);
    }
}

/// One live connection on this instance: the pushes for it, and the
/// signals that end it. Dropping it forgets everything it watched.
pub struct Connection {
    id: u64,
    pub(crate) pushes: mpsc::Receiver<Bytes>,
    pub(crate) dropped: Arc<hub::Dropped>,
    hub: Arc<Hub>,
    pub(crate) closing: watch::Receiver<bool>,
}

impl Connection {
    /// Its id on this instance.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The next push for it, or `None` once the hub gave up on it (it fell
    /// behind its pushes): a host that forwards pushes (IPC) ends it then,
    /// and its page starts again with a new connection.
    pub async fn next_push(&mut self) -> Option<Bytes> {
        tokio::select! {
            biased;
            () = self.dropped.wait() => None,
            push = self.pushes.recv() => push,
        }
    }

    /// Resolves when the hub gave up on it: it could not keep up with its
    /// pushes.
    pub async fn dropped(&self) {
        self.dropped.wait().await;
    }

    /// Resolves when the server is shutting down.
    pub async fn closing(&mut self) {
        // An error means the server is gone: that is closing too.
        let _ = self.closing.wait_for(|closing| *closing).await;
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.hub.disconnect(self.id);
    }
}
