//! ../shared/spec/PROTOCOL.md §6 over real sockets on loopback: every
//! message type, identity and `auth` at connect and per message, malformed
//! and oversized frames, pushes after HTTP mutations (to the sockets that
//! watch the instance, and only to them), channels, a slow consumer,
//! heartbeats and shutdown.

mod common;
mod socket_support;

use std::time::Duration;

use afi_fixture::{EchoOutput, Settings, Store};
use common::{Caller, Fixture, mwt_config, subject, token_for, unix_now};
use mizan::server::SocketConfig;
use mizan::{Registry, Server, ServerBuilder};
use serde_json::{Value, json};
use socket_support::{Socket, connect, ws_url};
use tokio_tungstenite::tungstenite::Message;

// A context only staff may read, for the rule that a socket is never told
// about instances it could not fetch (the fixture has none).

/// A staff-only note (test-only function).
#[mizan::client(context = "staff_notes", auth = "staff")]
async fn staff_note(note_id: i64) -> EchoOutput {
    EchoOutput {
        message: format!("note {note_id}"),
    }
}

/// Edits a staff note (test-only function).
#[mizan::client(affects = "staff_notes")]
async fn edit_staff_note(note_id: i64) -> EchoOutput {
    EchoOutput {
        message: format!("edited {note_id}"),
    }
}

/// The fixture's server, configured by `tune`.
fn fixture(tune: impl FnOnce(ServerBuilder) -> ServerBuilder) -> Server {
    let settings = Settings::default();
    let builder = Server::builder()
        .registry(afi_fixture::registry().expect("the fixture registry"))
        .state(Store::default())
        .mwt(settings.mwt())
        .session_resolver(|headers| std::future::ready(afi_fixture::session_identity(headers)));
    tune(builder).build().expect("the server builds")
}

async fn start(server: Server) -> Fixture {
    common::serve(mizan::axum::routes(server)).await
}

async fn open(fx: &Fixture, headers: &[(&str, &str)]) -> Socket {
    connect(&ws_url(&fx.base, ""), headers)
        .await
        .unwrap_or_else(|status| panic!("the upgrade was refused with {status}"))
}

fn as_user(user_id: i64) -> String {
    token_for(user_id)
}

#[tokio::test]
async fn every_action_is_answered_by_id() {
    let fx = start(fixture(|b| b)).await;
    let mut ws = open(&fx, &[]).await;
    assert_eq!(
        ws.ask(json!({"action": "call", "fn": "add", "args": {"a": 1, "b": 2}}))
            .await,
        json!({"id": 1, "invalidate": [], "result": {"total": 3}})
    );
    assert_eq!(
        ws.ask(json!({"action": "fetch", "context": "user", "params": {"user_id": 1}}))
            .await,
        json!({"data": {
            "user_orders": [{"id": 101, "total": 1.5}, {"id": 102, "total": 2.5}, {"id": 103, "total": 3.5}],
            "user_profile": {"name": "alice", "user_id": 1}
        }, "id": 2})
    );
    for (n, frame) in [
        json!({"action": "subscribe", "context": "user", "params": {"user_id": 1}}),
        json!({"action": "unsubscribe", "context": "user", "params": {"user_id": 1}}),
        json!({"action": "join", "channel": "chat", "params": {"room": "general"}}),
        json!({"action": "leave", "channel": "chat", "params": {"room": "general"}}),
    ]
    .into_iter()
    .enumerate()
    {
        let id = n as u64 + 3;
        assert_eq!(ws.ask(frame).await, json!({"id": id, "ok": true}));
    }
    // String ids are echoed as sent.
    ws.send_text(r#"{"action": "call", "id": "abc", "fn": "echo", "args": {"text": "x"}}"#)
        .await;
    assert_eq!(
        ws.next_json().await,
        json!({"id": "abc", "invalidate": [], "result": {"message": "echo: x"}})
    );
    assert!(ws.pushes.is_empty());
}

#[tokio::test]
async fn socket_only_functions_answer_over_the_socket_and_nowhere_else() {
    let fx = start(fixture(|b| b)).await;
    let mut ws = open(&fx, &[]).await;
    let reply = ws
        .ask(json!({"action": "call", "fn": "ws_echo", "args": {"text": "hi"}}))
        .await;
    assert_eq!(reply["result"], json!({"message": "echo: hi"}));
    fx.call("ws_echo", json!({"text": "hi"}))
        .await
        .expect_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn an_invalid_token_is_refused_at_connect_with_no_fallback() {
    let fx = start(fixture(|b| b)).await;
    let cookie = format!("{}=1", afi_fixture::SESSION_COOKIE);
    let header = connect(
        &ws_url(&fx.base, ""),
        &[("x-mizan-token", "not.a.token"), ("cookie", &cookie)],
    )
    .await;
    assert_eq!(header.err(), Some(401));
    let query = connect(&ws_url(&fx.base, "?token=not.a.token"), &[]).await;
    assert_eq!(query.err(), Some(401));
    // A plain GET (no upgrade) gets the envelope, not a socket.
    fx.get("/api/mizan/ws/")
        .await
        .expect_error(400, "BAD_REQUEST");
}

#[tokio::test]
async fn identity_and_auth_are_checked_for_every_message() {
    let fx = start(fixture(|b| b)).await;
    let mut anonymous = open(&fx, &[]).await;
    let reply = anonymous
        .ask(json!({"action": "call", "fn": "whoami"}))
        .await;
    assert_eq!(reply["error"]["code"], "UNAUTHORIZED", "{reply}");
    let reply = anonymous
        .ask(json!({"action": "join", "channel": "chat", "params": {"room": "staff"}}))
        .await;
    assert_eq!(reply["error"]["code"], "UNAUTHORIZED", "{reply}");

    // The header, or the query parameter a browser can set.
    let alice = as_user(1);
    let mut by_header = open(&fx, &[("x-mizan-token", &alice)]).await;
    let mut by_query = connect(&ws_url(&fx.base, &format!("?token={alice}")), &[])
        .await
        .expect("an MWT in the query is accepted");
    for ws in [&mut by_header, &mut by_query] {
        let reply = ws.ask(json!({"action": "call", "fn": "whoami"})).await;
        assert_eq!(reply["result"]["email"], "alice@example.com", "{reply}");
        let reply = ws.ask(json!({"action": "call", "fn": "staff_only"})).await;
        assert_eq!(reply["error"]["code"], "FORBIDDEN", "{reply}");
        let reply = ws
            .ask(json!({"action": "join", "channel": "chat", "params": {"room": "staff"}}))
            .await;
        assert_eq!(reply["error"]["code"], "FORBIDDEN", "{reply}");
    }

    // A cookie session works on the socket; the socket has no CSRF check
    // (its upgrade is checked by origin instead).
    let cookie = format!("{}=2", afi_fixture::SESSION_COOKIE);
    let mut bob = open(&fx, &[("cookie", &cookie)]).await;
    let reply = bob.ask(json!({"action": "call", "fn": "staff_only"})).await;
    assert_eq!(reply["result"]["message"], "staff", "{reply}");
    let reply = bob
        .ask(json!({"action": "join", "channel": "chat", "params": {"room": "staff"}}))
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
}

#[tokio::test]
async fn a_token_that_expires_while_the_socket_is_open_stops_authorizing() {
    let config = mwt_config()
        .with_ttl(Duration::from_secs(2))
        .with_leeway(Duration::ZERO);
    let fx = start(fixture(|b| b.mwt(config.clone()))).await;
    let token = config.mint(&subject(1), unix_now());
    let mut ws = open(&fx, &[("x-mizan-token", &token)]).await;
    let reply = ws.ask(json!({"action": "call", "fn": "whoami"})).await;
    assert_eq!(reply["result"]["authenticated"], true, "{reply}");
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let reply = ws.ask(json!({"action": "call", "fn": "whoami"})).await;
    assert_eq!(reply["error"]["code"], "UNAUTHORIZED", "{reply}");
    // Public functions still answer on the same socket? No: an invalid
    // token is 401 with no fallback, whatever the function.
    let reply = ws
        .ask(json!({"action": "call", "fn": "echo", "args": {"text": "x"}}))
        .await;
    assert_eq!(reply["error"]["code"], "UNAUTHORIZED", "{reply}");
}

#[tokio::test]
async fn malformed_frames_get_an_error_and_the_socket_stays_open() {
    let fx = start(fixture(|b| b)).await;
    let mut ws = open(&fx, &[]).await;
    for (frame, id, message) in [
        ("not json", Value::Null, "must be JSON"),
        ("[1, 2]", Value::Null, "JSON object"),
        (r#"{"action": "call", "fn": "echo"}"#, Value::Null, "`id`"),
        (
            r#"{"action": "dance", "id": 4}"#,
            json!(4),
            "Unknown action",
        ),
        (r#"{"action": "call", "id": 5}"#, json!(5), "`fn`"),
        (
            r#"{"action": "fetch", "id": 6, "context": "user", "params": [1]}"#,
            json!(6),
            "`params`",
        ),
        (
            r#"{"action": "call", "id": 7, "fn": "nope"}"#,
            json!(7),
            "Unknown function",
        ),
    ] {
        ws.send_text(frame).await;
        let reply = ws.next_json().await;
        assert_eq!(reply["id"], id, "{frame}: {reply}");
        let code = if message == "Unknown function" {
            "NOT_FOUND"
        } else {
            "BAD_REQUEST"
        };
        assert_eq!(reply["error"]["code"], code, "{frame}: {reply}");
        let text = reply["error"]["message"].as_str().unwrap_or_default();
        assert!(text.contains(message), "{frame}: {reply}");
    }
    ws.send_message(Message::Binary(vec![1, 2, 3].into())).await;
    let reply = ws.next_json().await;
    assert_eq!(reply["error"]["code"], "BAD_REQUEST", "{reply}");
    // A bad argument is the call's validation error, as over HTTP.
    let reply = ws
        .ask(json!({"action": "call", "fn": "add", "args": {"a": "x", "b": 1}}))
        .await;
    assert_eq!(
        reply["error"]["details"]["fields"]["a"],
        json!(["invalid type: string \"x\", expected an integer"])
    );
    ws.assert_no_push().await;
}

#[tokio::test]
async fn an_oversized_frame_is_payload_too_large_and_the_socket_stays_open() {
    let config = SocketConfig {
        max_frame_bytes: 4096,
        ..SocketConfig::default()
    };
    let fx = start(fixture(|b| b.socket(config))).await;
    let mut ws = open(&fx, &[]).await;
    let text = "x".repeat(8000);
    ws.send_text(
        json!({"action": "call", "id": 1, "fn": "echo", "args": {"text": text}}).to_string(),
    )
    .await;
    let reply = ws.next_json().await;
    assert_eq!(reply["id"], Value::Null, "{reply}");
    assert_eq!(reply["error"]["code"], "PAYLOAD_TOO_LARGE", "{reply}");
    assert_eq!(reply["error"]["details"]["limit"], 4096, "{reply}");
    ws.assert_no_push().await;
}

#[tokio::test]
async fn a_mutation_over_http_is_pushed_to_the_sockets_watching_the_instance() {
    let fx = start(fixture(|b| b)).await;
    let mut one = open(&fx, &[]).await;
    let mut two = open(&fx, &[]).await;
    let mut items = open(&fx, &[]).await;
    for (ws, frame) in [
        (
            &mut one,
            json!({"action": "subscribe", "context": "user", "params": {"user_id": 1}}),
        ),
        (
            &mut two,
            json!({"action": "subscribe", "context": "user", "params": {"user_id": 2}}),
        ),
        (
            &mut items,
            json!({"action": "subscribe", "context": "items"}),
        ),
    ] {
        assert_eq!(ws.ask(frame).await["ok"], true);
    }
    let reply = fx
        .call("rename_user", json!({"user_id": 1, "name": "ally"}))
        .await;
    assert_eq!(reply.header("x-mizan-invalidate"), Some("user;user_id=1"));
    assert_eq!(
        one.push().await,
        json!({"action": "invalidate", "invalidate": [{"context": "user", "params": {"user_id": 1}}]})
    );
    two.assert_no_push().await;
    items.assert_no_push().await;

    // A broad target reaches every instance of its context.
    fx.call("touch_users", json!({})).await;
    let broad = json!({"action": "invalidate", "invalidate": ["user"]});
    assert_eq!(one.push().await, broad);
    assert_eq!(two.push().await, broad);
    items.assert_no_push().await;

    // A merge is pushed as a merge, to the merged instance only.
    fx.call("set_item_name", json!({"id": 1, "name": "uno"}))
        .await;
    assert_eq!(
        items.push().await,
        json!({"action": "merge", "merge": [{
            "context": "items", "key": "id", "mode": "upsert", "params": {},
            "slot": "items_list", "value": {"id": 1, "name": "uno"}
        }]})
    );
    one.assert_no_push().await;

    // Unsubscribed: no more pushes.
    assert_eq!(
        one.ask(json!({"action": "unsubscribe", "context": "user", "params": {"user_id": 1}}))
            .await["ok"],
        true
    );
    fx.call("touch_users", json!({})).await;
    assert_eq!(two.push().await, broad);
    one.assert_no_push().await;
}

#[tokio::test]
async fn the_socket_that_made_a_change_reads_it_in_its_reply_not_in_a_push() {
    let fx = start(fixture(|b| b)).await;
    let mut mine = open(&fx, &[]).await;
    let mut other = open(&fx, &[]).await;
    for ws in [&mut mine, &mut other] {
        ws.ask(json!({"action": "subscribe", "context": "user", "params": {"user_id": 3}}))
            .await;
    }
    let reply = mine
        .ask(
            json!({"action": "call", "fn": "rename_user", "args": {"user_id": 3, "name": "rooty"}}),
        )
        .await;
    assert_eq!(
        reply["invalidate"],
        json!([{"context": "user", "params": {"user_id": 3}}])
    );
    assert_eq!(other.push().await["invalidate"], reply["invalidate"]);
    mine.assert_no_push().await;
}

#[tokio::test]
async fn a_socket_is_never_subscribed_to_an_instance_it_may_not_read() {
    let fx = start(fixture(|b| b)).await;
    let mut anonymous = open(&fx, &[]).await;
    let alice = as_user(1);
    let mut alice = open(&fx, &[("x-mizan-token", &alice)]).await;
    let bob = as_user(2);
    let mut bob = open(&fx, &[("x-mizan-token", &bob)]).await;
    let subscribe =
        json!({"action": "subscribe", "context": "staff_notes", "params": {"note_id": 1}});
    let reply = anonymous.ask(subscribe.clone()).await;
    assert_eq!(reply["error"]["code"], "UNAUTHORIZED", "{reply}");
    let reply = alice.ask(subscribe.clone()).await;
    assert_eq!(reply["error"]["code"], "FORBIDDEN", "{reply}");
    assert_eq!(bob.ask(subscribe).await["ok"], true);
    // Missing required params and unknown contexts are refused like a fetch.
    let reply = bob
        .ask(json!({"action": "subscribe", "context": "staff_notes"}))
        .await;
    assert_eq!(reply["error"]["code"], "VALIDATION_ERROR", "{reply}");
    let reply = bob
        .ask(json!({"action": "subscribe", "context": "nope"}))
        .await;
    assert_eq!(reply["error"]["code"], "NOT_FOUND", "{reply}");

    fx.call("edit_staff_note", json!({"note_id": 1})).await;
    assert_eq!(
        bob.push().await,
        json!({"action": "invalidate", "invalidate": [{"context": "staff_notes", "params": {"note_id": 1}}]})
    );
    alice.assert_no_push().await;
    anonymous.assert_no_push().await;
}

#[tokio::test]
async fn a_chat_message_reaches_everyone_in_the_room_the_sender_included() {
    let fx = start(fixture(|b| b)).await;
    let alice = as_user(1);
    let mut alice = open(&fx, &[("x-mizan-token", &alice)]).await;
    let mut anonymous = open(&fx, &[]).await;
    let mut elsewhere = open(&fx, &[]).await;
    let general = json!({"room": "general"});
    for ws in [&mut alice, &mut anonymous] {
        let reply = ws
            .ask(json!({"action": "join", "channel": "chat", "params": general}))
            .await;
        assert_eq!(reply["ok"], true, "{reply}");
    }
    elsewhere
        .ask(json!({"action": "join", "channel": "chat", "params": {"room": "random"}}))
        .await;
    let reply = alice
        .ask(json!({"action": "send", "channel": "chat", "params": general, "message": {"text": "hi"}}))
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
    let message = json!({"action": "message", "channel": "chat",
        "message": {"author": "alice", "room": "general", "text": "hi"}, "params": general});
    assert_eq!(alice.push().await, message);
    assert_eq!(anonymous.push().await, message);
    elsewhere.assert_no_push().await;

    let reply = anonymous
        .ask(json!({"action": "send", "channel": "chat", "params": general, "message": {"text": "yo"}}))
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(alice.push().await["message"]["author"], "anon");

    // Sending needs a join; a bad message is a validation error.
    let reply = elsewhere
        .ask(json!({"action": "send", "channel": "chat", "params": general, "message": {"text": "x"}}))
        .await;
    assert_eq!(reply["error"]["code"], "FORBIDDEN", "{reply}");
    let reply = alice
        .ask(json!({"action": "send", "channel": "chat", "params": general, "message": {"txt": 1}}))
        .await;
    assert_eq!(reply["error"]["code"], "VALIDATION_ERROR", "{reply}");
    let reply = alice
        .ask(json!({"action": "join", "channel": "nope", "params": {}}))
        .await;
    assert_eq!(reply["error"]["code"], "NOT_FOUND", "{reply}");
}

#[tokio::test]
async fn the_server_can_publish_to_a_channel_from_anywhere() {
    let server = fixture(|b| b);
    let fx = start(server.clone()).await;
    let mut ws = open(&fx, &[]).await;
    ws.ask(json!({"action": "join", "channel": "chat", "params": {"room": "news"}}))
        .await;
    server
        .publish::<afi_fixture::Chat>(
            &afi_fixture::Room {
                room: "news".into(),
            },
            &afi_fixture::ChatMessage {
                room: "news".into(),
                text: "deploy done".into(),
                author: "bot".into(),
            },
        )
        .await
        .expect("published");
    assert_eq!(ws.push().await["message"]["text"], "deploy done");
}

#[tokio::test]
async fn a_slow_consumer_is_dropped_while_the_others_keep_receiving() {
    let server = fixture(|b| {
        b.live_limits(mizan::live::Limits {
            queued_frames: 4,
            ..mizan::live::Limits::default()
        })
    });
    let fx = start(server.clone()).await;
    let mut slow = open(&fx, &[]).await;
    let mut reader = open(&fx, &[]).await;
    for ws in [&mut slow, &mut reader] {
        ws.ask(json!({"action": "subscribe", "context": "items"}))
            .await;
    }
    assert_eq!(server.live_connections(), 2);
    // Large merges, so that the slow socket's TCP buffers fill up and its
    // queue with them. `reader` reads every push as it comes.
    let name = "n".repeat(256 * 1024);
    let mutations = 60;
    for _ in 0..mutations {
        fx.call("set_item_name", json!({"id": 1, "name": name}))
            .await;
        assert_eq!(reader.push().await["action"], "merge");
    }
    // The server gave up on the slow one (its pushes were not buffered
    // without bound): what it can still read ends before the last pushes,
    // with a close saying why when one could be sent.
    let (read, close) = slow.drained().await;
    assert!(read < mutations, "the slow socket got all {read} pushes");
    if let Some(close) = close {
        assert_eq!(u16::from(close.code), 1013, "{close:?}");
    }
    // The server forgets it as soon as its task ends.
    let forgotten = async {
        while server.live_connections() != 1 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), forgotten)
        .await
        .expect("the slow connection is forgotten");
    reader.assert_no_push().await;
}

#[tokio::test]
async fn an_idle_socket_is_pinged_and_dropped_when_it_stops_answering() {
    let config = SocketConfig {
        ping_interval: Duration::from_millis(100),
        idle_timeout: Duration::from_millis(400),
        ..SocketConfig::default()
    };
    let fx = start(fixture(|b| b.socket(config))).await;
    // `lively` keeps reading, so its library answers the pings; `silent`
    // reads nothing (and so answers nothing) for a second.
    let mut lively = open(&fx, &[]).await;
    let mut silent = open(&fx, &[]).await;
    let until = tokio::time::Instant::now() + Duration::from_secs(1);
    while tokio::time::Instant::now() < until {
        let reply = lively
            .ask(json!({"action": "call", "fn": "echo", "args": {"text": "alive"}}))
            .await;
        assert_eq!(reply["result"]["message"], "echo: alive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let close = silent.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1008, "{close:?}");
    lively.assert_no_push().await;
}

#[tokio::test]
async fn shutting_down_closes_the_sockets_cleanly() {
    let server = fixture(|b| b);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("its address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = mizan::axum::routes(server.clone());
    let serving = tokio::spawn({
        let server = server.clone();
        async move {
            mizan::axum::serve_with_shutdown(listener, app, &server, async {
                let _ = stopped.await;
            })
            .await
        }
    });
    let mut ws = connect(&ws_url(&base, ""), &[]).await.expect("a socket");
    ws.ask(json!({"action": "subscribe", "context": "items"}))
        .await;
    let _ = stop.send(());
    let close = ws.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1001, "{close:?}");
    let result = tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .expect("the server stops once its sockets are closed");
    assert!(matches!(result, Ok(Ok(()))), "{result:?}");
}

#[tokio::test]
async fn a_session_caller_is_recognised_on_the_socket() {
    let fx = start(fixture(|b| b)).await;
    let cookie = format!("{}=4", afi_fixture::SESSION_COOKIE);
    let mut carol = open(&fx, &[("cookie", &cookie)]).await;
    let reply = carol
        .ask(json!({"action": "call", "fn": "can_edit_items"}))
        .await;
    assert_eq!(reply["result"]["message"], "ok", "{reply}");
    // The same caller over HTTP, for comparison.
    let http = fx
        .call_as(Caller::user(4), "can_edit_items", json!({}))
        .await;
    assert_eq!(http.result()["message"], "ok");
}

/// `Registry` import kept honest: the test-only functions above are in the
/// fixture's registry of this binary.
#[test]
fn the_test_only_context_is_registered() {
    let registry: Registry = afi_fixture::registry().expect("the registry");
    assert!(registry.context("staff_notes").is_some());
}
