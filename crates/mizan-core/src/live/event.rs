//! What travels between server instances: a successful mutation's targets
//! and merge entries, and channel messages. Written as JSON for buses that
//! carry bytes (Redis pub/sub).

use serde_json::{Map, Value, json};

use crate::invalidation::Target;
use crate::json::JsonText;

/// One live event, published on the bus and delivered by every instance to
/// the sockets it holds.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// Something changed: these instances are stale, these merge entries
    /// splice in.
    Changed {
        /// The socket whose call caused it (not told again).
        origin: Option<Origin>,
        /// Invalidation targets.
        invalidate: Vec<Target>,
        /// Merge entries.
        merge: Vec<Value>,
    },
    /// A message published to a channel instance.
    Message {
        /// The channel.
        channel: String,
        /// The instance's parameters.
        params: Map<String, Value>,
        /// The message, canonical JSON.
        message: JsonText,
    },
}

/// A socket, named across instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The server instance holding it (random per process).
    pub instance: u64,
    /// The connection on that instance.
    pub connection: u64,
}

impl LiveEvent {
    /// The JSON text a byte bus carries.
    pub fn to_text(&self) -> String {
        let value = match self {
            Self::Changed {
                origin,
                invalidate,
                merge,
            } => json!({
                "kind": "changed",
                "origin": origin.map(|o| json!([o.instance.to_string(), o.connection])),
                "invalidate": invalidate.iter().map(Target::to_json).collect::<Vec<_>>(),
                "merge": merge,
            }),
            Self::Message {
                channel,
                params,
                message,
            } => json!({
                "kind": "message",
                "channel": channel,
                "params": params,
                "message": message.to_value(),
            }),
        };
        JsonText::from_value(&value).into_string()
    }

    /// Reads [`to_text`](Self::to_text)'s output (`None` for anything else:
    /// a foreign publisher on the same bus channel is ignored).
    pub fn from_text(text: &str) -> Option<Self> {
        let value: Value = serde_json::from_str(text).ok()?;
        let obj = value.as_object()?;
        match obj.get("kind")?.as_str()? {
            "changed" => {
                let origin = match obj.get("origin") {
                    Some(Value::Array(pair)) => Some(Origin {
                        instance: pair.first()?.as_str()?.parse().ok()?,
                        connection: pair.get(1)?.as_u64()?,
                    }),
                    _ => None,
                };
                let invalidate = obj
                    .get("invalidate")?
                    .as_array()?
                    .iter()
                    .map(Target::from_json)
                    .collect::<Option<Vec<_>>>()?;
                let merge = obj.get("merge")?.as_array()?.clone();
                Some(Self::Changed {
                    origin,
                    invalidate,
                    merge,
                })
            }
            "message" => Some(Self::Message {
                channel: obj.get("channel")?.as_str()?.to_owned(),
                params: obj.get("params")?.as_object()?.clone(),
                message: JsonText::from_value(obj.get("message")?),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_text() {
        let changed = LiveEvent::Changed {
            origin: Some(Origin {
                instance: u64::MAX,
                connection: 7,
            }),
            invalidate: vec![
                Target::broad("user"),
                Target::broad("board").with_param("board_id", 1),
            ],
            merge: vec![
                json!({"context": "items", "mode": "upsert", "params": {}, "slot": "items_list", "value": {"id": 1}}),
            ],
        };
        let message = LiveEvent::Message {
            channel: "chat".into(),
            params: json!({"room": "général"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            message: JsonText::from_value(&json!({"text": "</script>"})),
        };
        for event in [changed, message] {
            assert_eq!(LiveEvent::from_text(&event.to_text()), Some(event));
        }
        assert_eq!(LiveEvent::from_text("{\"kind\":\"other\"}"), None);
        assert_eq!(LiveEvent::from_text("garbage"), None);
    }
}
