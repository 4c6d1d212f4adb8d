//! One WebSocket connection, driven end to end (../shared/spec/PROTOCOL.md
//! §6): frames read and answered, pushes written, heartbeats, limits and
//! shutdown. A transport adapter accepts the upgrade, converts its library's
//! frames to and from [`WsFrame`], and hands the connection to
//! [`Server::serve_socket`].

use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::FuturesUnordered;
use futures_util::{Sink, SinkExt as _, Stream, StreamExt as _};
use http::{HeaderMap, HeaderValue};
use tokio::time::Instant;

use super::exchange::{Exchange, HostSession, Operation};
use super::frame::{ClientFrame, call_reply, error_reply, fetch_reply, ok_reply};
use super::handle::Server;
use super::outcome::Outcome;
use crate::error::MizanError;

/// A WebSocket frame, as the core reads and writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsFrame {
    /// A text frame (always valid UTF-8: the core writes only text it
    /// produced, and adapters pass on what their library validated).
    Text(Bytes),
    /// A binary frame (not part of the protocol: answered with an error).
    Binary(Bytes),
    /// A ping (libraries answer it themselves; it counts as a sign of life).
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// A close frame.
    Close(Option<WsClose>),
}

/// A close frame's code and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsClose {
    /// The close code (RFC 6455 §7.4).
    pub code: u16,
    /// A short reason for people.
    pub reason: String,
}

impl WsClose {
    fn new(code: u16, reason: &str) -> Self {
        Self {
            code,
            reason: reason.to_owned(),
        }
    }
}

/// Close codes the server sends.
mod close {
    /// The server is shutting down (going away).
    pub(super) const GOING_AWAY: u16 = 1001;
    /// The client broke the protocol badly enough to end the connection.
    pub(super) const POLICY: u16 = 1008;
    /// The client could not keep up with its frames.
    pub(super) const TRY_AGAIN_LATER: u16 = 1013;
}

impl Server {
    /// Checks a socket's upgrade request before it is accepted: the caller
    /// is resolved exactly as for HTTP (an invalid or expired token is a
    /// `401`, with no fallback), and an upgrade from another site's page is
    /// refused (`403`) unless it carries a token. A browser cannot set headers on a
    /// WebSocket, so an MWT may come as the query parameter `token`
    /// instead of `X-Mizan-Token` (`docs/protocol.md`); it is moved into the
    /// headers every later message is resolved from.
    pub async fn accept_socket(
        &self,
        headers: &mut HeaderMap,
        query: Option<&str>,
    ) -> Result<(), MizanError> {
        self.accept_socket_as(headers, query, None).await
    }

    /// [`Server::accept_socket`] for a host framework that resolved the
    /// caller's session itself (see [`HostSession`]): tokens still come
    /// first, and the session stands in for the server's resolver.
    pub async fn accept_socket_as(
        &self,
        headers: &mut HeaderMap,
        query: Option<&str>,
        session: Option<&HostSession>,
    ) -> Result<(), MizanError> {
        if !headers.contains_key("x-mizan-token") {
            let token = query.and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "token")
                    .map(|(_, v)| v.into_owned())
            });
            if let Some(token) = token {
                let value = HeaderValue::from_str(&token)
                    .map_err(|_| MizanError::unauthorized("Invalid token"))?;
                headers.insert("x-mizan-token", value);
            }
        }
        let identity = self.identify(headers, session).await?;
        // The upgrade is checked by origin like any unsafe request: a page
        // on another site must not ride this user's cookie into a socket.
        self.check_cross_origin(headers, identity.as_ref())
    }

    /// Serves one WebSocket connection until it closes: every frame is read
    /// and answered through [`Server::exchange`], pushes for the
    /// connection are written as they come, idle sockets are pinged and
    /// dropped when they stop answering, a client that cannot keep up is
    /// disconnected, and a server shutdown ([`Server::close_sockets`])
    /// closes it with `1001`.
    pub async fn serve_socket<S, E>(&self, handshake: HeaderMap, socket: S)
    where
        S: Stream<Item = Result<WsFrame, E>> + Sink<WsFrame> + Unpin,
    {
        self.serve_socket_as(handshake, None, socket).await;
    }

    /// [`Server::serve_socket`] for a host framework that resolved the
    /// caller's session at the upgrade (see [`HostSession`]): every message
    /// is that caller's, unless it carries a token.
    pub async fn serve_socket_as<S, E>(
        &self,
        handshake: HeaderMap,
        session: Option<HostSession>,
        socket: S,
    ) where
        S: Stream<Item = Result<WsFrame, E>> + Sink<WsFrame> + Unpin,
    {
        let config = self.inner.socket;
        let mut connection = self.inner.live.connect();
        let (mut sink, mut stream) = socket.split();
        let mut in_flight = FuturesUnordered::new();
        let mut ping = tokio::time::interval(config.ping_interval);
        ping.reset();
        let mut last_heard = Instant::now();
        let id = connection.id();
        let handshake = &handshake;
        let session = session.as_ref();
        let ended = loop {
            let reading = in_flight.len() < config.max_in_flight;
            let out = tokio::select! {
                biased;
                () = connection.dropped.wait() => break Some(too_slow()),
                () = closing(&mut connection.closing) => {
                    break Some(WsClose::new(close::GOING_AWAY, "the server is shutting down"));
                }
                Some(reply) = in_flight.next(), if !in_flight.is_empty() => WsFrame::Text(reply),
                Some(push) = connection.pushes.recv() => WsFrame::Text(push),
                frame = stream.next(), if reading => {
                    last_heard = Instant::now();
                    match frame {
                        None | Some(Err(_)) | Some(Ok(WsFrame::Close(_))) => break None,
                        Some(Ok(WsFrame::Ping(_) | WsFrame::Pong(_))) => continue,
                        Some(Ok(WsFrame::Binary(_))) => error_frame(MizanError::bad_request(
                            "Binary frames are not part of the protocol: send JSON text",
                        )),
                        Some(Ok(WsFrame::Text(text))) if text.len() > config.max_frame_bytes => {
                            error_frame(MizanError::payload_too_large(config.max_frame_bytes))
                        }
                        Some(Ok(WsFrame::Text(text))) => {
                            in_flight.push(self.answer(handshake, session, id, text));
                            continue;
                        }
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() >= config.idle_timeout {
                        break Some(WsClose::new(close::POLICY, "idle: no frame and no pong in time"));
                    }
                    WsFrame::Ping(Bytes::new())
                }
            };
            // A client that does not read blocks this write; the hub may give
            // up on it meanwhile (its pushes piled up), which ends it at once.
            let written = tokio::select! {
                biased;
                () = connection.dropped.wait() => false,
                written = write(&mut sink, out, config.write_timeout) => written,
            };
            if !written {
                break connection.dropped.is_set().then(too_slow);
            }
        };
        if let Some(reason) = ended {
            // The client may not be reading: do not wait long to say why,
            // nor for its answering close (RFC 6455 §5.5.1), which lets it
            // read every frame sent before ours.
            if write(&mut sink, WsFrame::Close(Some(reason)), CLOSE_TIMEOUT).await {
                let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
                    while let Some(Ok(frame)) = stream.next().await {
                        if matches!(frame, WsFrame::Close(_)) {
                            break;
                        }
                    }
                })
                .await;
            }
        }
        drop(in_flight);
        drop(connection);
    }

    /// Tells every open socket of this instance to close (`1001`): call it
    /// when the server shuts down.
    pub fn close_sockets(&self) {
        self.inner.live.close_all();
    }

    /// One frame's reply.
    async fn answer(
        &self,
        handshake: &HeaderMap,
        session: Option<&HostSession>,
        connection: u64,
        text: Bytes,
    ) -> Bytes {
        let debug = self.inner.debug;
        let text = match std::str::from_utf8(&text) {
            Ok(text) => text,
            Err(_) => {
                let error = MizanError::bad_request("A text frame must be UTF-8");
                return Bytes::from(error_reply(None, error, debug));
            }
        };
        let frame = match ClientFrame::parse(text) {
            Ok(frame) => frame,
            Err(bad) => return Bytes::from(error_reply(bad.id.as_ref(), bad.error, debug)),
        };
        let operation = Operation::from(frame.action);
        let mut exchange = Exchange::socket(handshake.clone(), operation).on_connection(connection);
        if let Some(session) = session {
            exchange = exchange.with_host_session(session.clone());
        }
        let reply = match self.exchange(exchange).await {
            Outcome::Called(call) => call_reply(&frame.id, &call),
            Outcome::Fetched(fetch) => fetch_reply(&frame.id, &fetch.bundle),
            Outcome::Acknowledged => ok_reply(&frame.id),
            Outcome::Failed(error) => error_reply(Some(&frame.id), error, debug),
            Outcome::Session(_) | Outcome::Viewed(_) => error_reply(
                Some(&frame.id),
                MizanError::internal("an HTTP-only outcome on the socket"),
                debug,
            ),
        };
        Bytes::from(reply)
    }
}

/// How long the close frame of a connection that is being dropped may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

fn too_slow() -> WsClose {
    WsClose::new(
        close::TRY_AGAIN_LATER,
        "too slow: pushes were not read in time",
    )
}

/// An error reply to a frame that has no id (`id: null`).
fn error_frame(error: MizanError) -> WsFrame {
    WsFrame::Text(Bytes::from(error_reply(None, error, false)))
}

/// Resolves once the server is closing its sockets (or is gone).
async fn closing(signal: &mut tokio::sync::watch::Receiver<bool>) {
    loop {
        if *signal.borrow_and_update() {
            return;
        }
        if signal.changed().await.is_err() {
            return;
        }
    }
}

/// Writes one frame within `timeout`; `false` when the connection is over.
async fn write<S: Sink<WsFrame> + Unpin>(sink: &mut S, frame: WsFrame, timeout: Duration) -> bool {
    matches!(
        tokio::time::timeout(timeout, sink.send(frame)).await,
        Ok(Ok(()))
    )
}
