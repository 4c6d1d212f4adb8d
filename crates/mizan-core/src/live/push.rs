//! The frames the server pushes unasked (../shared/spec/PROTOCOL.md §6): the
//! same objects on every live transport (socket frames, IPC events).

use serde_json::{Map, Value};

use crate::canonical::{write_canonical_json, write_json_string};
use crate::invalidation::Target;
use crate::json::JsonText;

/// `{"action": "invalidate", "invalidate": [...]}`.
pub fn invalidate_push(targets: &[&Target]) -> String {
    let mut out = String::from("{\"action\":\"invalidate\",\"invalidate\":[");
    for (i, target) in targets.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_canonical_json(&target.to_json(), &mut out);
    }
    out.push_str("]}");
    out
}

/// `{"action": "merge", "merge": [...]}`.
pub fn merge_push(entries: &[&Value]) -> String {
    let mut out = String::from("{\"action\":\"merge\",\"merge\":[");
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_canonical_json(entry, &mut out);
    }
    out.push_str("]}");
    out
}

/// `{"action": "message", "channel": ..., "message": ..., "params": ...}`.
pub fn message_push(channel: &str, params: &Map<String, Value>, message: &JsonText) -> String {
    let mut out = String::from("{\"action\":\"message\",\"channel\":");
    write_json_string(channel, &mut out);
    out.push_str(",\"message\":");
    out.push_str(message.as_str());
    out.push_str(",\"params\":");
    write_canonical_json(&Value::Object(params.clone()), &mut out);
    out.push('}');
    out
}
