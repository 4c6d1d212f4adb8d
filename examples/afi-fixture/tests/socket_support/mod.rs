//! A WebSocket client for the socket suites: frames as JSON, replies matched
//! by id, pushes kept aside in arrival order.

// Each suite uses part of it.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Long enough for anything that is coming to come; a test that waits this
/// long has failed.
const PATIENCE: Duration = Duration::from_secs(10);

pub(crate) struct Socket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Pushes that arrived while a reply was awaited, oldest first.
    pub(crate) pushes: VecDeque<Value>,
}

/// `ws://<addr>/api/mizan/ws/<query>` from an `http://<addr>` base.
pub(crate) fn ws_url(base: &str, query: &str) -> String {
    format!("{}/api/mizan/ws/{query}", base.replacen("http", "ws", 1))
}

/// Opens a socket with these upgrade headers, or the HTTP status of the
/// refusal.
pub(crate) async fn connect(url: &str, headers: &[(&str, &str)]) -> Result<Socket, u16> {
    let mut request = url.into_client_request().expect("a WebSocket URL");
    for (name, value) in headers {
        request.headers_mut().insert(
            tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                .expect("a header name"),
            HeaderValue::from_str(value).expect("a header value"),
        );
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((ws, _)) => Ok(Socket {
            ws,
            next_id: 1,
            pushes: VecDeque::new(),
        }),
        Err(WsError::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("the upgrade failed: {other}"),
    }
}

impl Socket {
    pub(crate) async fn send_text(&mut self, text: impl Into<String>) {
        self.ws
            .send(Message::Text(text.into().into()))
            .await
            .expect("the frame is sent");
    }

    pub(crate) async fn send_message(&mut self, message: Message) {
        self.ws.send(message).await.expect("the frame is sent");
    }

    /// The next text frame, as JSON (pings and pongs skipped).
    pub(crate) async fn next_json(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("a frame in time")
                .expect("the socket is open")
                .expect("a frame");
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(&text).expect("frames are JSON");
                }
                Message::Ping(_) | Message::Pong(_) => {}
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// Sends `frame` with a fresh id and returns the reply to it; pushes
    /// that arrive first are kept in [`Socket::pushes`].
    pub(crate) async fn ask(&mut self, mut frame: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        frame["id"] = json!(id);
        self.send_text(frame.to_string()).await;
        loop {
            let got = self.next_json().await;
            if got.get("id") == Some(&json!(id)) {
                return got;
            }
            assert!(
                got.get("action").is_some(),
                "a reply to another frame: {got}"
            );
            self.pushes.push_back(got);
        }
    }

    /// The next push, from those kept aside or from the socket.
    pub(crate) async fn push(&mut self) -> Value {
        if let Some(push) = self.pushes.pop_front() {
            return push;
        }
        let got = self.next_json().await;
        assert!(got.get("action").is_some(), "expected a push: {got}");
        got
    }

    /// Proves nothing was pushed so far: a round trip on this socket comes
    /// back with no push before it (pushes already queued are written first).
    pub(crate) async fn assert_no_push(&mut self) {
        let reply = self
            .ask(json!({"action": "call", "fn": "echo", "args": {"text": "fence"}}))
            .await;
        assert_eq!(reply["result"]["message"], "echo: fence", "{reply}");
        assert!(
            self.pushes.is_empty(),
            "unexpected pushes: {:?}",
            self.pushes
        );
    }

    /// Reads until the server closes; its close frame, if it sent one.
    pub(crate) async fn closed(&mut self) -> Option<CloseFrame> {
        self.drained().await.1
    }

    /// Reads until the connection ends: the text frames read on the way,
    /// and the server's close frame if one arrived (a client that stopped
    /// reading may get its connection cut instead).
    pub(crate) async fn drained(&mut self) -> (usize, Option<CloseFrame>) {
        let mut texts = 0;
        loop {
            match tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("the end in time")
            {
                Some(Ok(Message::Close(frame))) => return (texts, frame),
                Some(Ok(Message::Text(_))) => texts += 1,
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return (texts, None),
            }
        }
    }
}
