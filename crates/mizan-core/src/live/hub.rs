//! The hub: the live connections of this server instance, what each one
//! watches, and the delivery of every bus event to the connections it
//! concerns — and only to those (../shared/spec/PROTOCOL.md §3.2 matching).
//!
//! A connection's state is bounded (subscriptions, joined channels, queued
//! frames); a connection that cannot keep up with its pushes is dropped,
//! never buffered without bound.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use serde_json::{Map, Value};
use tokio::sync::{Notify, mpsc};

use super::event::{LiveEvent, Origin};
use super::push::{invalidate_push, merge_push, message_push};
use crate::canonical::canonical_string;
use crate::invalidation::{Target, scope_matches};

/// Limits on what one connection may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Instances one connection may subscribe to.
    pub subscriptions: usize,
    /// Channel instances one connection may join.
    pub channels: usize,
    /// Pushes queued for one connection; one more drops it.
    pub queued_frames: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            subscriptions: 256,
            channels: 64,
            queued_frames: 256,
        }
    }
}

/// Canonical parameters: what instance matching compares.
type Params = BTreeMap<String, String>;

fn canonical(params: &Map<String, Value>) -> Params {
    params
        .iter()
        .map(|(k, v)| (k.clone(), canonical_string(v)))
        .collect()
}

/// A channel instance, named by its channel and canonical params.
type ChannelKey = (String, Params);

/// The indices of a change's targets and merge entries that hit one
/// connection.
type Subset = (Vec<usize>, Vec<usize>);

/// The invalidate frame and the merge frame of one subset, when non-empty.
type Frames = (Option<Bytes>, Option<Bytes>);

struct Connection {
    outbox: mpsc::Sender<Bytes>,
    dropped: Arc<Dropped>,
    subscriptions: HashMap<String, Vec<Params>>,
    channels: HashSet<ChannelKey>,
}

/// Set when the hub gave up on a connection (it could not keep up).
#[derive(Default)]
pub(crate) struct Dropped {
    flag: AtomicBool,
    notify: Notify,
}

impl Dropped {
    fn drop_now(&self) {
        self.flag.store(true, Ordering::Release);
        self.notify.notify_one();
    }
    /// Whether the connection was dropped.
    pub(crate) fn is_set(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }
    /// Resolves once the connection was dropped.
    pub(crate) async fn wait(&self) {
        while !self.flag.load(Ordering::Acquire) {
            self.notify.notified().await;
        }
    }
}

#[derive(Default)]
struct State {
    connections: HashMap<u64, Connection>,
    /// context → connections subscribed to some instance of it.
    watchers: HashMap<String, HashSet<u64>>,
    /// channel instance → connections that joined it.
    members: HashMap<ChannelKey, HashSet<u64>>,
}

/// The live connections of one server instance.
pub struct Hub {
    instance: u64,
    limits: Limits,
    next: AtomicU64,
    state: Mutex<State>,
}

/// Why a subscription or a join was refused by the hub itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubError {
    /// The connection holds its limit already.
    Full {
        /// What is full: `subscriptions` or `channels`.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The connection is gone.
    Closed,
}

impl Hub {
    /// A hub for one server instance.
    pub(crate) fn new(limits: Limits) -> Self {
        let mut bytes = [0u8; 8];
        let instance = match getrandom::fill(&mut bytes) {
            Ok(()) => u64::from_le_bytes(bytes),
            Err(_) => std::process::id().into(),
        };
        Self {
            instance,
            limits,
            next: AtomicU64::new(1),
            state: Mutex::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves consistent maps
        // (every update is one statement); keep serving.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The limits connections are held to.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Registers a connection: its id, the pushes for it, and the signal
    /// that it was dropped.
    pub(crate) fn connect(&self) -> (u64, mpsc::Receiver<Bytes>, Arc<Dropped>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (outbox, inbox) = mpsc::channel(self.limits.queued_frames.max(1));
        let dropped = Arc::new(Dropped::default());
        self.state().connections.insert(
            id,
            Connection {
                outbox,
                dropped: dropped.clone(),
                subscriptions: HashMap::new(),
                channels: HashSet::new(),
            },
        );
        (id, inbox, dropped)
    }

    /// Forgets a connection and everything it watched.
    pub(crate) fn disconnect(&self, id: u64) {
        let mut state = self.state();
        let Some(conn) = state.connections.remove(&id) else {
            return;
        };
        for context in conn.subscriptions.keys() {
            if let Some(set) = state.watchers.get_mut(context) {
                set.remove(&id);
                if set.is_empty() {
                    state.watchers.remove(context);
                }
            }
        }
        for key in &conn.channels {
            if let Some(set) = state.members.get_mut(key) {
                set.remove(&id);
                if set.is_empty() {
                    state.members.remove(key);
                }
            }
        }
    }

    /// This connection as other instances name it.
    pub(crate) fn origin(&self, connection: u64) -> Origin {
        Origin {
            instance: self.instance,
            connection,
        }
    }

    /// Connections held now.
    pub fn connections(&self) -> usize {
        self.state().connections.len()
    }

    /// Subscribes `connection` to the instance `context` + `params`.
    pub(crate) fn subscribe(
        &self,
        connection: u64,
        context: &str,
        params: &Map<String, Value>,
    ) -> Result<(), HubError> {
        let params = canonical(params);
        let limit = self.limits.subscriptions;
        let mut state = self.state();
        let conn = state
            .connections
            .get_mut(&connection)
            .ok_or(HubError::Closed)?;
        let held: usize = conn.subscriptions.values().map(Vec::len).sum();
        let list = conn.subscriptions.entry(context.to_owned()).or_default();
        if list.contains(&params) {
            return Ok(());
        }
        if held >= limit {
            return Err(HubError::Full {
                what: "subscriptions",
                limit,
            });
        }
        list.push(params);
        state
            .watchers
            .entry(context.to_owned())
            .or_default()
            .insert(connection);
        Ok(())
    }

    /// Unsubscribes `connection` from one instance (a no-op when it was not
    /// subscribed).
    pub(crate) fn unsubscribe(&self, connection: u64, context: &str, params: &Map<String, Value>) {
        let params = canonical(params);
        let mut state = self.state();
        let Some(conn) = state.connections.get_mut(&connection) else {
            return;
        };
        let Some(list) = conn.subscriptions.get_mut(context) else {
            return;
        };
        list.retain(|p| *p != params);
        if list.is_empty() {
            conn.subscriptions.remove(context);
            if let Some(set) = state.watchers.get_mut(context) {
                set.remove(&connection);
                if set.is_empty() {
                    state.watchers.remove(context);
                }
            }
        }
    }

    /// Joins `connection` to a channel instance.
    pub(crate) fn join(
        &self,
        connection: u64,
        channel: &str,
        params: &Map<String, Value>,
    ) -> Result<(), HubError> {
        let key = (channel.to_owned(), canonical(params));
        let limit = self.limits.channels;
        let mut state = self.state();
        let conn = state
            .connections
            .get_mut(&connection)
            .ok_or(HubError::Closed)?;
        if !conn.channels.contains(&key) {
            if conn.channels.len() >= limit {
                return Err(HubError::Full {
                    what: "channels",
                    limit,
                });
            }
            conn.channels.insert(key.clone());
        }
        state.members.entry(key).or_default().insert(connection);
        Ok(())
    }

    /// Whether `connection` joined the channel instance.
    pub(crate) fn has_joined(
        &self,
        connection: u64,
        channel: &str,
        params: &Map<String, Value>,
    ) -> bool {
        let key = (channel.to_owned(), canonical(params));
        self.state()
            .connections
            .get(&connection)
            .is_some_and(|c| c.channels.contains(&key))
    }

    /// Leaves a channel instance (a no-op when not joined).
    pub(crate) fn leave(&self, connection: u64, channel: &str, params: &Map<String, Value>) {
        let key = (channel.to_owned(), canonical(params));
        let mut state = self.state();
        if let Some(conn) = state.connections.get_mut(&connection) {
            conn.channels.remove(&key);
        }
        if let Some(set) = state.members.get_mut(&key) {
            set.remove(&connection);
            if set.is_empty() {
                state.members.remove(&key);
            }
        }
    }

    /// Delivers one bus event to the connections it concerns.
    pub(crate) fn deliver(&self, event: &LiveEvent) {
        match event {
            LiveEvent::Changed {
                origin,
                invalidate,
                merge,
            } => self.deliver_change(*origin, invalidate, merge),
            LiveEvent::Message {
                channel,
                params,
                message,
            } => {
                let key = (channel.clone(), canonical(params));
                let state = self.state();
                let Some(members) = state.members.get(&key) else {
                    return;
                };
                let frame = Bytes::from(message_push(channel, params, message));
                for id in members {
                    if let Some(conn) = state.connections.get(id) {
                        send(conn, frame.clone());
                    }
                }
            }
        }
    }

    /// Each connection hit by the change gets the targets and merge
    /// entries that hit its own subscriptions — and nothing about
    /// instances it does not watch. Connections hit by the same subset share
    /// one serialized frame.
    fn deliver_change(&self, origin: Option<Origin>, invalidate: &[Target], merge: &[Value]) {
        let skip = origin
            .filter(|o| o.instance == self.instance)
            .map(|o| o.connection);
        let targets: Vec<(&str, Params)> = invalidate
            .iter()
            .map(|t| (t.context.as_str(), t.canonical_params()))
            .collect();
        let entries: Vec<(&str, Params)> = merge
            .iter()
            .filter_map(|m| {
                let context = m.get("context")?.as_str()?;
                let params = m.get("params").and_then(Value::as_object).map(canonical);
                Some((context, params.unwrap_or_default()))
            })
            .collect();
        let state = self.state();
        // connection → the targets and entries that hit it
        let mut hits: HashMap<u64, Subset> = HashMap::new();
        let mut collect = |list: &[(&str, Params)], merge: bool| {
            for (index, (context, scope)) in list.iter().enumerate() {
                let Some(watchers) = state.watchers.get(*context) else {
                    continue;
                };
                for id in watchers {
                    if Some(*id) == skip {
                        continue;
                    }
                    let Some(conn) = state.connections.get(id) else {
                        continue;
                    };
                    let watched = conn.subscriptions.get(*context).into_iter().flatten();
                    if watched
                        .into_iter()
                        .any(|params| scope_matches(scope, params))
                    {
                        let entry = hits.entry(*id).or_default();
                        if merge { &mut entry.1 } else { &mut entry.0 }.push(index);
                    }
                }
            }
        };
        collect(&targets, false);
        collect(&entries, true);
        let mut frames: HashMap<Subset, Frames> = HashMap::new();
        for (id, subset) in hits {
            let Some(conn) = state.connections.get(&id) else {
                continue;
            };
            let (invalidate_frame, merge_frame) = frames
                .entry(subset)
                .or_insert_with_key(|(t, m)| {
                    let inv = (!t.is_empty()).then(|| {
                        let picked: Vec<&Target> = t.iter().map(|&i| &invalidate[i]).collect();
                        Bytes::from(invalidate_push(&picked))
                    });
                    let mer = (!m.is_empty()).then(|| {
                        let picked: Vec<&Value> = m.iter().map(|&i| &merge[i]).collect();
                        Bytes::from(merge_push(&picked))
                    });
                    (inv, mer)
                })
                .clone();
            // Merge first, as in a call's response: the splice, then the
            // refetch of what went stale.
            if let Some(frame) = merge_frame {
                send(conn, frame);
            }
            if let Some(frame) = invalidate_frame {
                send(conn, frame);
            }
        }
    }

    /// Events may have been lost: every connection refetches every context
    /// it watches (one broad target per context).
    pub(crate) fn resync(&self) {
        let state = self.state();
        for conn in state.connections.values() {
            if conn.subscriptions.is_empty() {
                continue;
            }
            let mut contexts: Vec<&String> = conn.subscriptions.keys().collect();
            contexts.sort();
            let targets: Vec<Target> = contexts
                .into_iter()
                .map(|c| Target::broad(c.clone()))
                .collect();
            let refs: Vec<&Target> = targets.iter().collect();
            send(conn, Bytes::from(invalidate_push(&refs)));
        }
    }
}

/// Queues a push, or drops a connection whose queue is full: a client that
/// cannot keep up is disconnected, never buffered without bound.
fn send(conn: &Connection, frame: Bytes) {
    if conn.dropped.flag.load(Ordering::Acquire) {
        return;
    }
    if conn.outbox.try_send(frame).is_err() {
        conn.dropped.drop_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::JsonText;
    use serde_json::json;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn drain(inbox: &mut mpsc::Receiver<Bytes>) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(frame) = inbox.try_recv() {
            out.push(String::from_utf8_lossy(&frame).into_owned());
        }
        out
    }

    #[test]
    fn a_change_reaches_exactly_the_matching_subscriptions() {
        let hub = Hub::new(Limits::default());
        let (a, mut a_in, _) = hub.connect();
        let (b, mut b_in, _) = hub.connect();
        let (c, mut c_in, _) = hub.connect();
        hub.subscribe(a, "board", &params(json!({"board_id": 1})))
            .expect("sub");
        hub.subscribe(b, "board", &params(json!({"board_id": "2"})))
            .expect("sub");
        hub.subscribe(c, "user", &params(json!({"user_id": 1})))
            .expect("sub");
        hub.deliver(&LiveEvent::Changed {
            origin: None,
            invalidate: vec![
                Target::broad("board").with_param("board_id", 2),
                Target::broad("team"),
            ],
            merge: Vec::new(),
        });
        assert_eq!(drain(&mut a_in), Vec::<String>::new());
        assert_eq!(
            drain(&mut b_in),
            [
                r#"{"action":"invalidate","invalidate":[{"context":"board","params":{"board_id":2}}]}"#
            ]
        );
        assert_eq!(drain(&mut c_in), Vec::<String>::new());
        // A broad target hits every instance of its context.
        hub.deliver(&LiveEvent::Changed {
            origin: None,
            invalidate: vec![Target::broad("board")],
            merge: Vec::new(),
        });
        assert_eq!(drain(&mut a_in).len(), 1);
        assert_eq!(drain(&mut b_in).len(), 1);
        assert!(drain(&mut c_in).is_empty());
    }

    #[test]
    fn the_socket_that_caused_a_change_is_not_told_again() {
        let hub = Hub::new(Limits::default());
        let (a, mut a_in, _) = hub.connect();
        let (b, mut b_in, _) = hub.connect();
        for id in [a, b] {
            hub.subscribe(id, "board", &params(json!({"board_id": 1})))
                .expect("sub");
        }
        hub.deliver(&LiveEvent::Changed {
            origin: Some(hub.origin(a)),
            invalidate: vec![Target::broad("board")],
            merge: Vec::new(),
        });
        assert!(drain(&mut a_in).is_empty());
        assert_eq!(drain(&mut b_in).len(), 1);
    }

    #[test]
    fn merges_go_to_the_merged_instance_before_invalidations() {
        let hub = Hub::new(Limits::default());
        let (a, mut a_in, _) = hub.connect();
        let (b, mut b_in, _) = hub.connect();
        hub.subscribe(a, "items", &Map::new()).expect("sub");
        hub.subscribe(b, "user", &params(json!({"user_id": 9})))
            .expect("sub");
        let entry = json!({"context": "items", "mode": "upsert", "key": "id", "params": {}, "slot": "items_list", "value": {"id": 1}});
        hub.deliver(&LiveEvent::Changed {
            origin: None,
            invalidate: vec![Target::broad("items")],
            merge: vec![entry],
        });
        let frames = drain(&mut a_in);
        assert_eq!(frames.len(), 2);
        assert!(frames[0].starts_with(r#"{"action":"merge""#), "{frames:?}");
        assert!(
            frames[1].starts_with(r#"{"action":"invalidate""#),
            "{frames:?}"
        );
        assert!(drain(&mut b_in).is_empty());
    }

    #[test]
    fn channel_messages_reach_members_of_that_instance_only() {
        let hub = Hub::new(Limits::default());
        let (a, mut a_in, _) = hub.connect();
        let (b, mut b_in, _) = hub.connect();
        hub.join(a, "chat", &params(json!({"room": "general"})))
            .expect("join");
        hub.join(b, "chat", &params(json!({"room": "staff"})))
            .expect("join");
        hub.deliver(&LiveEvent::Message {
            channel: "chat".into(),
            params: params(json!({"room": "general"})),
            message: JsonText::from_value(&json!({"text": "hi"})),
        });
        assert_eq!(
            drain(&mut a_in),
            [
                r#"{"action":"message","channel":"chat","message":{"text":"hi"},"params":{"room":"general"}}"#
            ]
        );
        assert!(drain(&mut b_in).is_empty());
        hub.leave(a, "chat", &params(json!({"room": "general"})));
        hub.deliver(&LiveEvent::Message {
            channel: "chat".into(),
            params: params(json!({"room": "general"})),
            message: JsonText::from_value(&json!({"text": "again"})),
        });
        assert!(drain(&mut a_in).is_empty());
    }

    #[test]
    fn a_connection_holds_a_bounded_state_and_a_slow_one_is_dropped() {
        let hub = Hub::new(Limits {
            subscriptions: 2,
            channels: 1,
            queued_frames: 2,
        });
        let (a, _a_in, dropped) = hub.connect();
        hub.subscribe(a, "board", &params(json!({"board_id": 1})))
            .expect("one");
        hub.subscribe(a, "board", &params(json!({"board_id": 1})))
            .expect("the same again");
        hub.subscribe(a, "board", &params(json!({"board_id": 2})))
            .expect("two");
        assert_eq!(
            hub.subscribe(a, "board", &params(json!({"board_id": 3}))),
            Err(HubError::Full {
                what: "subscriptions",
                limit: 2
            })
        );
        hub.join(a, "chat", &Map::new()).expect("one channel");
        assert!(hub.join(a, "chat", &params(json!({"room": "x"}))).is_err());
        // Nobody reads `_a_in`: the third push finds the queue full.
        for _ in 0..3 {
            hub.deliver(&LiveEvent::Changed {
                origin: None,
                invalidate: vec![Target::broad("board")],
                merge: Vec::new(),
            });
        }
        assert!(dropped.flag.load(Ordering::Acquire));
    }

    #[test]
    fn a_resync_refetches_every_watched_context_once() {
        let hub = Hub::new(Limits::default());
        let (a, mut a_in, _) = hub.connect();
        hub.subscribe(a, "user", &params(json!({"user_id": 1})))
            .expect("sub");
        hub.subscribe(a, "board", &params(json!({"board_id": 1})))
            .expect("sub");
        hub.subscribe(a, "board", &params(json!({"board_id": 2})))
            .expect("sub");
        hub.resync();
        assert_eq!(
            drain(&mut a_in),
            [r#"{"action":"invalidate","invalidate":["board","user"]}"#]
        );
        hub.disconnect(a);
        assert_eq!(hub.connections(), 0);
    }
}
