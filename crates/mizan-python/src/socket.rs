//! `/ws/` for Python adapters: the core serves the connection
//! ([`Server::serve_socket_as`]); Python moves its framework's WebSocket
//! messages in (`feed_*`) and the core's frames out (`take_frames`), and
//! drives the connection's future like an exchange's.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use futures_util::{Sink, Stream};
use http::HeaderMap;
use mizan_core::Server;
use mizan_core::server::{HostSession, WsClose, WsFrame};
use pyo3::prelude::*;
use tokio::sync::mpsc;

use crate::driver::{Driven, PyResponse, lock};

/// Frames the core wrote that Python has not sent yet, at most this many
/// (the core then waits: its slow-consumer rules apply as on axum).
const OUTBOX: usize = 64;

enum Phase {
    Pending,
    Accepted,
    Denied(http::Response<Bytes>),
}

#[derive(Default)]
struct Outbox {
    frames: VecDeque<WsFrame>,
    waker: Option<Waker>,
}

struct Pipe {
    phase: Mutex<Phase>,
    outbox: Mutex<Outbox>,
}

/// The socket as the core sees it: Python's messages in, frames out.
struct Frames {
    incoming: mpsc::UnboundedReceiver<WsFrame>,
    pipe: Arc<Pipe>,
}

impl Stream for Frames {
    type Item = Result<WsFrame, std::convert::Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.incoming.poll_recv(cx).map(|frame| frame.map(Ok))
    }
}

impl Sink<WsFrame> for Frames {
    type Error = std::convert::Infallible;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let mut outbox = lock(&self.pipe.outbox);
        if outbox.frames.len() < OUTBOX {
            Poll::Ready(Ok(()))
        } else {
            outbox.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    fn start_send(self: Pin<&mut Self>, frame: WsFrame) -> Result<(), Self::Error> {
        lock(&self.pipe.outbox).frames.push_back(frame);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }
}

/// One WebSocket connection in the core, driven by Python.
#[pyclass(frozen, name = "Socket", module = "mizan._mizan")]
pub(crate) struct PySocket {
    driven: Driven<()>,
    pipe: Arc<Pipe>,
    incoming: Mutex<Option<mpsc::UnboundedSender<WsFrame>>>,
}

impl PySocket {
    pub(crate) fn new(
        server: Server,
        handshake: HeaderMap,
        query: Option<String>,
        session: Option<HostSession>,
    ) -> Self {
        let pipe = Arc::new(Pipe {
            phase: Mutex::new(Phase::Pending),
            outbox: Mutex::default(),
        });
        let (sender, incoming) = mpsc::unbounded_channel();
        let frames = Frames {
            incoming,
            pipe: Arc::clone(&pipe),
        };
        let shared = Arc::clone(&pipe);
        let future = async move {
            let mut headers = handshake;
            let accepted = server
                .accept_socket_as(&mut headers, query.as_deref(), session.as_ref())
                .await;
            if let Err(err) = accepted {
                *lock(&shared.phase) = Phase::Denied(server.http_error(err));
                return;
            }
            *lock(&shared.phase) = Phase::Accepted;
            server.serve_socket_as(headers, session, frames).await;
        };
        Self {
            driven: Driven::new(future),
            pipe,
            incoming: Mutex::new(Some(sender)),
        }
    }

    fn feed(&self, frame: WsFrame) {
        if let Some(sender) = lock(&self.incoming).as_ref() {
            // The core stopped reading when the connection ended: nothing to do.
            let _ = sender.send(frame);
        }
    }
}

#[pymethods]
impl PySocket {
    /// Lets the core go as far as it can; the Python calls it now waits for.
    /// Returns `None` once the connection is over.
    fn poll(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        if self.driven.poll(py, "this socket is closed")?.is_some() {
            return Ok(None);
        }
        Ok(Some(self.driven.calls(py)?.into_any().unbind()))
    }

    /// `"pending"` until the upgrade is checked, then `"accepted"` or
    /// `"denied"` (see `denial`).
    #[getter]
    fn state(&self) -> &'static str {
        match &*lock(&self.pipe.phase) {
            Phase::Pending => "pending",
            Phase::Accepted => "accepted",
            Phase::Denied(_) => "denied",
        }
    }

    /// The HTTP response refusing the upgrade (`401` for a bad token).
    fn denial(&self) -> Option<PyResponse> {
        match &*lock(&self.pipe.phase) {
            Phase::Denied(response) => Some(PyResponse::from_http(response.clone())),
            _ => None,
        }
    }

    /// The frames to send, in order: `("text", str)`, `("ping", "")` or
    /// `("close", "<code> <reason>")`.
    fn take_frames(&self) -> Vec<(&'static str, String)> {
        let (frames, waker) = {
            let mut outbox = lock(&self.pipe.outbox);
            (std::mem::take(&mut outbox.frames), outbox.waker.take())
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        frames
            .into_iter()
            .filter_map(|frame| match frame {
                WsFrame::Text(text) => Some(("text", String::from_utf8_lossy(&text).into_owned())),
                WsFrame::Ping(_) => Some(("ping", String::new())),
                WsFrame::Close(close) => Some((
                    "close",
                    close.map_or_else(
                        || "1000 ".to_owned(),
                        |c| format!("{} {}", c.code, c.reason),
                    ),
                )),
                WsFrame::Binary(_) | WsFrame::Pong(_) => None,
            })
            .collect()
    }

    /// A text message arrived.
    fn feed_text(&self, text: String) {
        self.feed(WsFrame::Text(Bytes::from(text)));
    }

    /// A binary message arrived.
    fn feed_binary(&self, data: Vec<u8>) {
        self.feed(WsFrame::Binary(Bytes::from(data)));
    }

    /// A sign of life that the framework does not surface as a frame (an
    /// ASGI server answers pings itself).
    fn feed_pong(&self) {
        self.feed(WsFrame::Pong(Bytes::new()));
    }

    /// The client closed (or went away).
    #[pyo3(signature = (code = 1000, reason = String::new()))]
    fn feed_close(&self, code: u16, reason: String) {
        self.feed(WsFrame::Close(Some(WsClose { code, reason })));
        lock(&self.incoming).take();
    }

    /// Blocks until woken or `timeout` seconds pass.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> bool {
        self.driven.wait(py, timeout)
    }

    /// Arms a one-shot wake callback; `True` instead when already woken.
    fn on_wake(&self, callback: Py<PyAny>) -> bool {
        self.driven.on_wake(callback)
    }
}
