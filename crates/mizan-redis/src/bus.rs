//! The live bus over Redis pub/sub: a mutation or a channel message on one
//! server instance reaches the sockets of every instance.
//!
//! ```no_run
//! # fn build(registry: mizan_core::Registry) -> Result<(), Box<dyn std::error::Error>> {
//! let bus = mizan_redis::RedisBus::new("redis://127.0.0.1:6379/")?; // connects lazily
//! let server = mizan_core::Server::builder().registry(registry).bus(bus).build()?;
//! # drop(server); Ok(()) }
//! ```
//!
//! Every instance publishes its events to one Redis channel (default
//! `mizan:live`) and delivers what it receives — its own events included —
//! to its sockets. When the subscription is lost (Redis restarted, the
//! connection broke), the bus reconnects and resubscribes by itself with
//! backoff; what was published meanwhile is gone, so once it is back it tells
//! every socket to refetch what it shows ([`BusNotice::Lost`]).

use std::time::Duration;

use futures_util::StreamExt as _;
use futures_util::stream::{self, BoxStream};
use mizan_core::function::BoxFuture;
use mizan_core::live::{Bus, BusError, BusNotice, LiveEvent};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::mpsc;

use crate::RedisOptions;

/// The default Redis channel of the bus.
pub const DEFAULT_CHANNEL: &str = "mizan:live";

/// Notices a slow hub may fall behind by before the bus waits for it.
const QUEUE: usize = 1024;

/// The live bus over Redis pub/sub.
#[derive(Clone)]
pub struct RedisBus {
    client: redis::Client,
    publisher: ConnectionManager,
    channel: String,
    options: RedisOptions,
}

impl std::fmt::Debug for RedisBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBus")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

fn bus_error(err: redis::RedisError) -> BusError {
    BusError(err.to_string())
}

impl RedisBus {
    /// A bus on Redis at `url`, with default options. Connects lazily: only
    /// a malformed URL fails here.
    pub fn new(url: &str) -> Result<Self, BusError> {
        Self::with_options(url, RedisOptions::default())
    }

    /// A bus with these connection settings.
    pub fn with_options(url: &str, options: RedisOptions) -> Result<Self, BusError> {
        let client = redis::Client::open(url).map_err(bus_error)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.connect_timeout))
            .set_response_timeout(Some(options.response_timeout))
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(options.max_reconnect_delay)
            .set_number_of_retries(6);
        let publisher =
            ConnectionManager::new_lazy_with_config(client.clone(), config).map_err(bus_error)?;
        Ok(Self {
            client,
            publisher,
            channel: DEFAULT_CHANNEL.to_owned(),
            options,
        })
    }

    /// Publishes on another Redis channel (apps sharing one Redis).
    #[must_use]
    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = channel.into();
        self
    }
}

impl Bus for RedisBus {
    fn publish(&self, event: LiveEvent) -> BoxFuture<Result<(), BusError>> {
        let mut conn = self.publisher.clone();
        let channel = self.channel.clone();
        Box::pin(async move {
            redis::cmd("PUBLISH")
                .arg(&channel)
                .arg(event.to_text())
                .query_async::<i64>(&mut conn)
                .await
                .map(drop)
                .map_err(bus_error)
        })
    }

    fn subscribe(&self) -> BoxStream<'static, BusNotice> {
        let (notices, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(listen(
            self.client.clone(),
            self.channel.clone(),
            self.options.clone(),
            notices,
        ));
        stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|notice| (notice, receiver))
        })
        .boxed()
    }
}

/// Keeps one subscription alive for as long as someone listens: subscribes,
/// forwards what arrives, and after any loss resubscribes with backoff and
/// reports [`BusNotice::Lost`].
async fn listen(
    client: redis::Client,
    channel: String,
    options: RedisOptions,
    notices: mpsc::Sender<BusNotice>,
) {
    let mut delay = Duration::from_millis(50);
    let mut missed = false;
    while !notices.is_closed() {
        let subscribed = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        let pubsub = match tokio::time::timeout(options.connect_timeout * 4, subscribed).await {
            Ok(Ok(pubsub)) => pubsub,
            Ok(Err(_)) | Err(_) => {
                missed = true;
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(options.max_reconnect_delay);
                continue;
            }
        };
        delay = Duration::from_millis(50);
        if missed {
            tracing::info!(channel, "live bus: subscribed to Redis again");
            if notices.send(BusNotice::Lost).await.is_err() {
                return;
            }
        }
        let mut messages = pubsub.into_on_message();
        while let Some(message) = messages.next().await {
            let Ok(text) = message.get_payload::<String>() else {
                continue;
            };
            // Anything else on the channel is someone else's: ignored.
            let Some(event) = LiveEvent::from_text(&text) else {
                continue;
            };
            if notices.send(BusNotice::Event(event)).await.is_err() {
                return;
            }
        }
        tracing::warn!(
            channel,
            "live bus: the Redis subscription was lost; resubscribing"
        );
        missed = true;
    }
}
