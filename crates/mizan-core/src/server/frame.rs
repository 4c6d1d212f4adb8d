//! The socket's frames (../shared/spec/PROTOCOL.md §6): one JSON object per
//! text frame. What a client sends is read here into a [`ClientFrame`];
//! replies are written here, canonical like every body (pushes are written
//! by [`crate::live::push`]).

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::dispatch::ContextParams;
use super::envelope::{CallEnvelope, refresh_keys};
use super::exchange::{CallInput, Operation};
use super::outcome::CallOutcome;
use crate::args::{CallArgs, RawArgs};
use crate::canonical::write_canonical_json;
use crate::error::MizanError;
use crate::json::JsonText;

/// A request id as the client sent it: a number or a string, echoed back.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameId(Value);

impl FrameId {
    fn write(&self, out: &mut String) {
        write_canonical_json(&self.0, out);
    }
}

/// One frame a client sent.
#[derive(Debug)]
pub struct ClientFrame {
    /// Its id, echoed in the reply.
    pub id: FrameId,
    /// What it asks.
    pub action: Action,
}

/// What a frame asks for.
#[derive(Debug)]
pub enum Action {
    /// Call a function (the `/call/` envelope).
    Call(CallEnvelope),
    /// Fetch a context instance.
    Fetch {
        /// The context.
        context: String,
        /// Its parameters, typed JSON.
        params: Map<String, Value>,
    },
    /// Be told when an instance goes stale.
    Subscribe {
        /// The context.
        context: String,
        /// The instance's parameters.
        params: Map<String, Value>,
    },
    /// Stop being told.
    Unsubscribe {
        /// The context.
        context: String,
        /// The instance's parameters.
        params: Map<String, Value>,
    },
    /// Join a channel instance.
    Join {
        /// The channel.
        channel: String,
        /// The instance's parameters.
        params: Map<String, Value>,
    },
    /// Send a message to a joined channel instance.
    Send {
        /// The channel.
        channel: String,
        /// The instance's parameters.
        params: Map<String, Value>,
        /// The message, as sent.
        message: Value,
    },
    /// Leave a channel instance.
    Leave {
        /// The channel.
        channel: String,
        /// The instance's parameters.
        params: Map<String, Value>,
    },
}

/// A frame (or an IPC message) as it is on the wire; every field optional
/// so that each mistake gets its own message.
#[derive(Deserialize)]
pub(super) struct Wire {
    #[serde(default)]
    action: Option<Value>,
    #[serde(default)]
    op: Option<Value>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(rename = "fn", default)]
    function: Option<Value>,
    #[serde(default)]
    args: Option<RawArgs>,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default)]
    channel: Option<Value>,
    #[serde(default)]
    params: Option<Value>,
    #[serde(default)]
    message: Option<Box<RawValue>>,
    #[serde(default)]
    refresh: Option<Value>,
    #[serde(default)]
    pub(super) uploads: Option<Value>,
}

/// A frame that could not be read: the error to answer, with the id when
/// one could be read (else the reply's `id` is `null`).
#[derive(Debug)]
pub struct FrameError {
    /// The frame's id, when it had a readable one.
    pub id: Option<FrameId>,
    /// What was wrong.
    pub error: MizanError,
}

impl ClientFrame {
    /// Reads one text frame.
    ///
    /// ```
    /// use mizan_core::server::frame::{Action, ClientFrame};
    /// let frame = ClientFrame::parse(r#"{"action": "fetch", "id": 8, "context": "user", "params": {"user_id": 5}}"#)
    ///     .expect("a fetch");
    /// assert!(matches!(frame.action, Action::Fetch { ref context, .. } if context == "user"));
    ///
    /// let bad = ClientFrame::parse(r#"{"action": "dance", "id": 9}"#).expect_err("unknown action");
    /// assert_eq!(bad.error.status(), 400);
    /// ```
    pub fn parse(text: &str) -> Result<Self, FrameError> {
        let mut wire = Wire::read(text, "frame").map_err(|error| FrameError { id: None, error })?;
        let id = match wire.id.take() {
            Some(v @ (Value::Number(_) | Value::String(_))) => FrameId(v),
            Some(Value::Null) | None => {
                return Err(FrameError {
                    id: None,
                    error: MizanError::bad_request(
                        "A frame needs an `id` (a number or a string) to answer it by",
                    ),
                });
            }
            Some(_) => {
                return Err(FrameError {
                    id: None,
                    error: MizanError::bad_request("`id` must be a number or a string"),
                });
            }
        };
        let tag = wire.action.take();
        let action = wire
            .into_action("action", tag)
            .map_err(|error| FrameError {
                id: Some(id.clone()),
                error,
            })?;
        Ok(Self { id, action })
    }
}

impl Wire {
    /// Reads one JSON object (`what` names it in messages: a frame, a
    /// message).
    pub(super) fn read(text: &str, what: &str) -> Result<Self, MizanError> {
        // serde would read an array into the struct positionally.
        if !text.trim_start().starts_with('{') {
            let message = match serde_json::from_str::<IgnoredAny>(text) {
                Ok(_) => format!("A {what} must be a JSON object: {}", shape_of(what)),
                Err(err) => format!("A {what} must be JSON: {err}"),
            };
            return Err(MizanError::bad_request(message));
        }
        serde_json::from_str(text).map_err(|err| {
            MizanError::bad_request(if serde_json::from_str::<IgnoredAny>(text).is_ok() {
                format!("Malformed {what}: {err}")
            } else {
                format!("A {what} must be JSON: {err}")
            })
        })
    }

    /// The IPC message's tag (`op`, ../shared/spec/PROTOCOL.md §7).
    pub(super) fn take_op(&mut self) -> Option<Value> {
        self.op.take()
    }

    /// What the object asks, named by its tag field `key` (`action` on the
    /// socket, `op` over IPC) whose value is `tag`.
    pub(super) fn into_action(self, key: &str, tag: Option<Value>) -> Result<Action, MizanError> {
        const OPS: &str = "call, fetch, subscribe, unsubscribe, join, send, leave";
        let tag = match tag {
            Some(Value::String(tag)) => tag,
            _ => {
                return Err(MizanError::bad_request(format!(
                    "`{key}` is missing: one of {OPS}"
                )));
            }
        };
        let name = |field: &str, value: Option<Value>| match value {
            Some(Value::String(s)) if !s.is_empty() => Ok(s),
            Some(Value::String(_)) | None | Some(Value::Null) => Err(MizanError::bad_request(
                format!("`{field}` is missing: name the {field}"),
            )),
            Some(_) => Err(MizanError::bad_request(format!(
                "`{field}` must be a string"
            ))),
        };
        let params = |value: Option<Value>| match value {
            Some(Value::Object(map)) => Ok(map),
            None | Some(Value::Null) => Ok(Map::new()),
            Some(_) => Err(MizanError::bad_request("`params` must be a JSON object")),
        };
        Ok(match tag.as_str() {
            "call" => {
                let function = name("fn", self.function)?;
                let args = match self.args {
                    Some(RawArgs::Object(args)) => args,
                    None => CallArgs::default(),
                    Some(RawArgs::NotAnObject) => {
                        return Err(MizanError::bad_request("`args` must be a JSON object"));
                    }
                };
                let mut call = CallEnvelope::new(function, args);
                call.refresh = refresh_keys(self.refresh)?;
                Action::Call(call)
            }
            "fetch" | "subscribe" | "unsubscribe" => {
                let context = name("context", self.context)?;
                let params = params(self.params)?;
                match tag.as_str() {
                    "fetch" => Action::Fetch { context, params },
                    "subscribe" => Action::Subscribe { context, params },
                    _ => Action::Unsubscribe { context, params },
                }
            }
            "join" | "send" | "leave" => {
                let channel = name("channel", self.channel)?;
                let params = params(self.params)?;
                match tag.as_str() {
                    "join" => Action::Join { channel, params },
                    "leave" => Action::Leave { channel, params },
                    _ => {
                        let message = self
                            .message
                            .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
                            .ok_or_else(|| MizanError::bad_request("`message` is missing"))?;
                        Action::Send {
                            channel,
                            params,
                            message,
                        }
                    }
                }
            }
            other => {
                return Err(MizanError::bad_request(format!(
                    "Unknown {key} `{other}`: one of {OPS}"
                )));
            }
        })
    }
}

/// What a `what` looks like, for the message saying it is not an object.
fn shape_of(what: &str) -> &'static str {
    if what == "frame" {
        r#"{"action": ..., "id": ...}"#
    } else {
        r#"{"op": ...}"#
    }
}

impl From<Action> for Operation {
    fn from(action: Action) -> Self {
        match action {
            Action::Call(call) => Operation::Call(CallInput::Envelope(call)),
            Action::Fetch { context, params } => Operation::Fetch {
                context,
                params: ContextParams::Json(params),
            },
            Action::Subscribe { context, params } => Operation::Subscribe { context, params },
            Action::Unsubscribe { context, params } => Operation::Unsubscribe { context, params },
            Action::Join { channel, params } => Operation::Join { channel, params },
            Action::Send {
                channel,
                params,
                message,
            } => Operation::Send {
                channel,
                params,
                message,
            },
            Action::Leave { channel, params } => Operation::Leave { channel, params },
        }
    }
}

/// `{"id": ..., <rest of the call payload>}`: the `/call/` body with the id.
pub fn call_reply(id: &FrameId, outcome: &CallOutcome) -> String {
    let body = outcome.to_text();
    let mut out = String::with_capacity(body.len() + 16);
    out.push_str("{\"id\":");
    id.write(&mut out);
    out.push(',');
    // `id` sorts before every key of the call payload (`invalidate`,
    // `merge`, `refreshed`, `result`).
    out.push_str(&body[1..]);
    out
}

/// `{"data": <bundle>, "id": ...}`.
pub fn fetch_reply(id: &FrameId, bundle: &JsonText) -> String {
    let mut out = String::with_capacity(bundle.as_str().len() + 24);
    out.push_str("{\"data\":");
    out.push_str(bundle.as_str());
    out.push_str(",\"id\":");
    id.write(&mut out);
    out.push('}');
    out
}

/// `{"id": ..., "ok": true}`.
pub fn ok_reply(id: &FrameId) -> String {
    let mut out = String::from("{\"id\":");
    id.write(&mut out);
    out.push_str(",\"ok\":true}");
    out
}

/// `{"error": {...}, "id": ... | null}` (internal errors logged, then
/// redacted unless `debug`).
pub fn error_reply(id: Option<&FrameId>, error: MizanError, debug: bool) -> String {
    let error = error.redacted(debug);
    let mut out = String::from("{\"error\":");
    write_canonical_json(&error.to_inner_json(), &mut out);
    out.push_str(",\"id\":");
    match id {
        Some(id) => id.write(&mut out),
        None => out.push_str("null"),
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invalidation::Target;
    use serde_json::json;

    fn reject(text: &str) -> (Option<FrameId>, String) {
        let err = ClientFrame::parse(text).expect_err("a bad frame");
        assert_eq!(err.error.status(), 400, "{text}");
        (err.id, err.error.message().to_owned())
    }

    #[test]
    fn every_action_reads() {
        for (text, expect) in [
            (
                r#"{"action":"call","id":7,"fn":"add","args":{"a":1}}"#,
                "call",
            ),
            (
                r#"{"action":"fetch","id":8,"context":"user","params":{"user_id":5}}"#,
                "fetch",
            ),
            (
                r#"{"action":"subscribe","id":"s","context":"user"}"#,
                "subscribe",
            ),
            (
                r#"{"action":"unsubscribe","id":10,"context":"user","params":{}}"#,
                "unsubscribe",
            ),
            (
                r#"{"action":"join","id":11,"channel":"chat","params":{"room":"g"}}"#,
                "join",
            ),
            (
                r#"{"action":"send","id":12,"channel":"chat","params":{"room":"g"},"message":{"text":"hi"}}"#,
                "send",
            ),
            (
                r#"{"action":"leave","id":13,"channel":"chat","params":{"room":"g"}}"#,
                "leave",
            ),
        ] {
            let frame = ClientFrame::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            let got = match frame.action {
                Action::Call(_) => "call",
                Action::Fetch { .. } => "fetch",
                Action::Subscribe { .. } => "subscribe",
                Action::Unsubscribe { .. } => "unsubscribe",
                Action::Join { .. } => "join",
                Action::Send { .. } => "send",
                Action::Leave { .. } => "leave",
            };
            assert_eq!(got, expect);
        }
    }

    #[test]
    fn a_bad_frame_is_answered_with_its_id_when_it_has_one() {
        assert_eq!(reject("not json").0, None);
        assert_eq!(reject("[1, 2]").0, None);
        assert_eq!(reject(r#"{"action":"call"}"#).0, None);
        assert_eq!(reject(r#"{"action":"call","id":{"a":1}}"#).0, None);
        let (id, message) = reject(r#"{"action":"dance","id":3}"#);
        assert_eq!(id, Some(FrameId(json!(3))));
        assert!(message.contains("`dance`"), "{message}");
        let (id, message) = reject(r#"{"action":"call","id":"x","fn":5}"#);
        assert_eq!(id, Some(FrameId(json!("x"))));
        assert_eq!(message, "`fn` must be a string");
        assert!(
            reject(r#"{"action":"send","id":1,"channel":"chat"}"#)
                .1
                .contains("`message`")
        );
        assert!(
            reject(r#"{"action":"fetch","id":1,"context":"u","params":[1]}"#)
                .1
                .contains("`params`")
        );
    }

    #[test]
    fn replies_are_canonical_and_carry_the_id() {
        let id = FrameId(json!(7));
        let outcome = CallOutcome {
            result: JsonText::from_value(&json!({"total": 3})),
            invalidate: vec![Target::broad("user")],
            merge: Vec::new(),
            refreshed: Vec::new(),
        };
        assert_eq!(
            call_reply(&id, &outcome),
            r#"{"id":7,"invalidate":["user"],"result":{"total":3}}"#
        );
        assert_eq!(
            fetch_reply(
                &FrameId(json!("a")),
                &JsonText::from_value(&json!({"x": 1}))
            ),
            r#"{"data":{"x":1},"id":"a"}"#
        );
        assert_eq!(ok_reply(&id), r#"{"id":7,"ok":true}"#);
        assert_eq!(
            error_reply(None, MizanError::bad_request("no"), false),
            r#"{"error":{"code":"BAD_REQUEST","message":"no"},"id":null}"#
        );
        assert_eq!(
            error_reply(Some(&id), MizanError::internal("secret"), false),
            r#"{"error":{"code":"INTERNAL_ERROR","message":"Internal server error"},"id":7}"#
        );
    }
}
