//! `/ws/`: accepts the upgrade and converts frames between axum's
//! WebSocket messages and the core's; the core serves the connection.

use std::future::ready;

use axum::body::Body;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts as _, Request, State};
use axum::response::Response;
use futures_util::{SinkExt as _, StreamExt as _};
use mizan_core::Server;
use mizan_core::server::{HttpEndpoint, WsClose, WsFrame};

/// `GET /ws/`.
pub(crate) async fn socket(State(server): State<Server>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(upgrade) = WebSocketUpgrade::from_request_parts(&mut parts, &()).await else {
        // Not an upgrade: the core answers it (a plain request to /ws/).
        let request = Request::from_parts(parts, body);
        return server
            .serve_http(HttpEndpoint::Socket, request)
            .await
            .map(Body::from);
    };
    let mut handshake = parts.headers;
    if let Err(err) = server
        .accept_socket(&mut handshake, parts.uri.query())
        .await
    {
        return server.http_error(err).map(Body::from);
    }
    let config = server.socket_config();
    upgrade
        .max_message_size(config.read_limit())
        .max_frame_size(config.read_limit())
        .read_buffer_size(config.buffer_bytes)
        .write_buffer_size(config.buffer_bytes)
        .on_upgrade(
            move |socket| async move { server.serve_socket(handshake, frames(socket)).await },
        )
}

/// The socket as a stream and sink of the core's frames.
fn frames(
    socket: WebSocket,
) -> impl futures_util::Stream<Item = Result<WsFrame, axum::Error>>
+ futures_util::Sink<WsFrame, Error = axum::Error>
+ Unpin {
    socket
        .map(|message| message.map(from_axum))
        .with(|frame| ready(Ok::<_, axum::Error>(to_axum(frame))))
}

fn from_axum(message: Message) -> WsFrame {
    match message {
        Message::Text(text) => WsFrame::Text(text.into()),
        Message::Binary(bytes) => WsFrame::Binary(bytes),
        Message::Ping(bytes) => WsFrame::Ping(bytes),
        Message::Pong(bytes) => WsFrame::Pong(bytes),
        Message::Close(close) => WsFrame::Close(close.map(|c| WsClose {
            code: c.code,
            reason: c.reason.to_string(),
        })),
    }
}

fn to_axum(frame: WsFrame) -> Message {
    match frame {
        // The core writes UTF-8 JSON only; the check cannot fail.
        WsFrame::Text(bytes) => Message::Text(Utf8Bytes::try_from(bytes).unwrap_or_default()),
        WsFrame::Binary(bytes) => Message::Binary(bytes),
        WsFrame::Ping(bytes) => Message::Ping(bytes),
        WsFrame::Pong(bytes) => Message::Pong(bytes),
        WsFrame::Close(close) => Message::Close(close.map(|c| CloseFrame {
            code: c.code,
            reason: Utf8Bytes::from(c.reason),
        })),
    }
}
