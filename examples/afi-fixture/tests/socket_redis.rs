//! Pushes and channel messages across server instances through a real
//! `redis-server` (../shared/spec/PROTOCOL.md §6: "never only the local
//! one"), and what happens when that Redis dies and comes back.

mod common;
mod socket_support;

use std::time::Duration;

use afi_fixture::{Settings, Store};
use common::Fixture;
use mizan::Server;
use mizan_redis::testing::RedisServer;
use serde_json::json;
use socket_support::{Socket, connect, ws_url};

/// Two fixture instances over one store and one Redis (cache and bus).
async fn pair(redis: &RedisServer) -> ((Server, Fixture), (Server, Fixture)) {
    let settings = Settings {
        redis_url: Some(redis.url()),
        ..Settings::default()
    };
    let store = Store::default();
    let mut instances = Vec::new();
    for store in [store.clone(), store] {
        let server = afi_fixture::server_with_store(&settings, store).expect("the server builds");
        let fx = common::serve(mizan::axum::routes(server.clone())).await;
        instances.push((server, fx));
    }
    let second = instances.pop().expect("two");
    let first = instances.pop().expect("two");
    (first, second)
}

async fn open(fx: &Fixture) -> Socket {
    connect(&ws_url(&fx.base, ""), &[])
        .await
        .unwrap_or_else(|status| panic!("the upgrade was refused with {status}"))
}

#[tokio::test]
async fn a_mutation_on_one_instance_reaches_sockets_on_the_other() {
    let redis = RedisServer::start();
    let ((_, one), (_, two)) = pair(&redis).await;
    let mut here = open(&one).await;
    let mut there = open(&two).await;
    for ws in [&mut here, &mut there] {
        let reply = ws
            .ask(json!({"action": "subscribe", "context": "user", "params": {"user_id": 1}}))
            .await;
        assert_eq!(reply["ok"], true, "{reply}");
    }
    one.call("rename_user", json!({"user_id": 1, "name": "ally"}))
        .await;
    let expected = json!({"action": "invalidate", "invalidate": [{"context": "user", "params": {"user_id": 1}}]});
    assert_eq!(there.push().await, expected);
    assert_eq!(here.push().await, expected);

    // Chat across instances: a message sent on one reaches the room on both.
    let room = json!({"room": "general"});
    for ws in [&mut here, &mut there] {
        ws.ask(json!({"action": "join", "channel": "chat", "params": room}))
            .await;
    }
    let reply = there
        .ask(json!({"action": "send", "channel": "chat", "params": room, "message": {"text": "hello"}}))
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(here.push().await["message"]["text"], "hello");
    assert_eq!(there.push().await["message"]["text"], "hello");
}

#[tokio::test]
async fn when_redis_restarts_the_bus_resubscribes_and_pages_refetch() {
    let mut redis = RedisServer::start();
    let ((_, one), (_, two)) = pair(&redis).await;
    let mut there = open(&two).await;
    there
        .ask(json!({"action": "subscribe", "context": "user", "params": {"user_id": 2}}))
        .await;
    there
        .ask(json!({"action": "subscribe", "context": "items"}))
        .await;
    // The bus works before the outage.
    one.call("touch_users", json!({})).await;
    assert_eq!(
        there.push().await,
        json!({"action": "invalidate", "invalidate": ["user"]})
    );

    redis.stop();
    // A mutation while Redis is down still succeeds (the push is lost).
    one.call("rename_user", json!({"user_id": 2, "name": "robert"}))
        .await
        .result();
    redis.restart();

    // Back: every socket refetches everything it shows, once per context.
    assert_eq!(
        there.push().await,
        json!({"action": "invalidate", "invalidate": ["items", "user"]})
    );
    // And pushes flow again (the publisher reconnects on its own schedule:
    // mutate until one arrives).
    let mut pushed = None;
    for _ in 0..50 {
        one.call("touch_users", json!({})).await;
        let fence = there
            .ask(json!({"action": "call", "fn": "echo", "args": {"text": "fence"}}))
            .await;
        assert_eq!(fence["result"]["message"], "echo: fence");
        if let Some(push) = there.pushes.pop_front() {
            pushed = Some(push);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        pushed,
        Some(json!({"action": "invalidate", "invalidate": ["user"]}))
    );
}
