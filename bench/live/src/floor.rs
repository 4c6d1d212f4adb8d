//! The floor: a bare tokio-tungstenite broadcast (through axum's WebSocket,
//! which is tokio-tungstenite). Every socket gets every frame published to
//! one `tokio::sync::broadcast` channel: no protocol, no identity, no
//! per-socket matching — only the fan-out any live server has to do.

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::{get, post};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::broadcast;

pub(crate) async fn serve(addr: &str) -> crate::Result<()> {
    let (sender, _) = broadcast::channel::<axum::extract::ws::Utf8Bytes>(64);
    let app = Router::new()
        .route("/ws/", get(socket))
        .route("/publish", post(publish))
        .with_state(sender);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn socket(
    State(sender): State<broadcast::Sender<axum::extract::ws::Utf8Bytes>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    // The same library buffers as Mizan's sockets (`SocketConfig`), so that
    // memory per socket compares what each server adds to them.
    let buffers = mizan::server::SocketConfig::default().buffer_bytes;
    upgrade
        .read_buffer_size(buffers)
        .write_buffer_size(buffers)
        .on_upgrade(move |socket| relay(socket, sender.subscribe()))
}

async fn relay(socket: WebSocket, mut frames: broadcast::Receiver<axum::extract::ws::Utf8Bytes>) {
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            frame = frames.recv() => match frame {
                Ok(text) => {
                    if sink.send(Message::Text(text)).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = stream.next() => match incoming {
                // The client's "subscribe" frame is acknowledged, as Mizan does.
                Some(Ok(Message::Text(_))) => {
                    if sink.send(Message::Text(r#"{"id":1,"ok":true}"#.into())).await.is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
}

async fn publish(
    State(sender): State<broadcast::Sender<axum::extract::ws::Utf8Bytes>>,
) -> &'static str {
    let _ = sender.send(crate::PUSH.into());
    "{}"
}
