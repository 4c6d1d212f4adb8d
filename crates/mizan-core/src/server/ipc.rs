//! IPC (../shared/spec/PROTOCOL.md §7): the messages a desktop host — a
//! Tauri window, a webview's host — carries between a page and the core.
//! They are read and answered here, so a host only moves bytes: it supplies
//! the caller's identity and, for live operations, its page's connection.
//!
//! A message is the socket's frame with `op` for `action` and no `id` (the
//! host pairs replies itself):
//! `{"op": "call", "fn", "args", "refresh"?, "uploads"?}`,
//! `{"op": "fetch", "context", "params"}`, `subscribe`/`unsubscribe`,
//! `join`/`send`/`leave`. The reply is the HTTP payload (`/call/`'s, the
//! bundle, `{"ok": true}`), or the error envelope's inner object.
//!
//! Files travel in the message, since IPC carries no multipart body:
//! `"uploads": {"<argument>": {"name": "a.txt", "type": "text/plain",
//! "data": "<base64>"}}` (`type` optional).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde_json::{Map, Value};

use super::exchange::{Exchange, Operation};
use super::frame::{Action, Wire};
use super::handle::Server;
use super::outcome::Outcome;
use crate::canonical::write_canonical_json;
use crate::error::MizanError;
use crate::identity::Identity;
use crate::request::Upload;

/// The reply to an IPC message: the payload as canonical JSON text, or the
/// error envelope's inner object `{code, message, details?}` as text.
pub type IpcReply = Result<String, String>;

/// Reads one IPC message into the operation it asks for.
///
/// ```
/// use mizan_core::server::{Operation, ipc::read_message};
/// let op = read_message(br#"{"op": "fetch", "context": "user", "params": {"user_id": 5}}"#, 1024)?;
/// assert!(matches!(op, Operation::Fetch { ref context, .. } if context == "user"));
///
/// let err = read_message(br#"{"action": "fetch"}"#, 1024).expect_err("no op");
/// assert_eq!(err.status(), 400);
/// # Ok::<(), mizan_core::MizanError>(())
/// ```
pub fn read_message(message: &[u8], limit: usize) -> Result<Operation, MizanError> {
    if message.len() > limit {
        return Err(MizanError::payload_too_large(limit));
    }
    let text = std::str::from_utf8(message)
        .map_err(|_| MizanError::bad_request("An IPC message must be UTF-8 JSON"))?;
    let mut wire = Wire::read(text, "message")?;
    let op = wire.take_op();
    let uploads = wire.uploads.take();
    let mut action = wire.into_action("op", op)?;
    match (&mut action, uploads) {
        (_, None | Some(Value::Null)) => {}
        (Action::Call(call), Some(Value::Object(files))) => call.uploads = read_uploads(files)?,
        (Action::Call(_), Some(_)) => {
            return Err(MizanError::bad_request(
                "`uploads` must be an object: {\"<argument>\": {\"name\", \"type\"?, \"data\": \"<base64>\"}}",
            ));
        }
        (_, Some(_)) => {
            return Err(MizanError::bad_request("only a `call` carries `uploads`"));
        }
    }
    Ok(action.into())
}

fn read_uploads(
    files: Map<String, Value>,
) -> Result<std::collections::BTreeMap<String, Upload>, MizanError> {
    files
        .into_iter()
        .map(|(argument, file)| {
            let bad = |what: &str| MizanError::bad_request(format!("upload `{argument}`: {what}"));
            let Value::Object(mut file) = file else {
                return Err(bad("must be an object {\"name\", \"type\"?, \"data\"}"));
            };
            let text = |file: &mut Map<String, Value>, key: &str| match file.remove(key) {
                Some(Value::String(s)) => Ok(Some(s)),
                None | Some(Value::Null) => Ok(None),
                Some(_) => Err(bad(&format!("`{key}` must be a string"))),
            };
            let file_name = text(&mut file, "name")?.unwrap_or_default();
            let content_type = text(&mut file, "type")?.filter(|t| !t.is_empty());
            let data = text(&mut file, "data")?.ok_or_else(|| bad("`data` is missing"))?;
            let bytes = STANDARD
                .decode(data.as_bytes())
                .map_err(|e| bad(&format!("`data` is not base64: {e}")))?;
            let upload = Upload {
                file_name,
                content_type,
                bytes: Bytes::from(bytes),
            };
            Ok((argument, upload))
        })
        .collect()
}

impl Server {
    /// Answers one IPC message from a desktop host
    /// (../shared/spec/PROTOCOL.md §7). The host supplies the caller
    /// (`identity`; no header is read and no CSRF applies) and, for
    /// `subscribe`, `join` and the rest, the page's live `connection` (of
    /// [`Server::connect`]), whose pushes it forwards to the page. `auth`
    /// is enforced in here as on every transport.
    ///
    /// ```
    /// # use mizan_core::{Identity, Registry, Server};
    /// # let server = Server::builder().registry(Registry::builder().build()?).build()?;
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let reply = server.serve_ipc(None, None, br#"{"op": "call", "fn": "nope"}"#).await;
    /// assert_eq!(reply, Err(r#"{"code":"NOT_FOUND","message":"Unknown function `nope`"}"#.to_owned()));
    /// # });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn serve_ipc(
        &self,
        identity: Option<Identity>,
        connection: Option<u64>,
        message: &[u8],
    ) -> IpcReply {
        let outcome = match read_message(message, self.inner.body_limit) {
            Ok(operation) => {
                let mut exchange = Exchange::ipc(identity, operation);
                if let Some(connection) = connection {
                    exchange = exchange.on_connection(connection);
                }
                self.exchange(exchange).await
            }
            Err(error) => Outcome::Failed(error),
        };
        match outcome {
            Outcome::Called(call) => Ok(call.to_text()),
            Outcome::Fetched(fetch) => Ok(fetch.bundle.into_string()),
            Outcome::Acknowledged => Ok(r#"{"ok":true}"#.to_owned()),
            Outcome::Failed(error) => Err(self.error_text(error)),
            Outcome::Session(_) | Outcome::Viewed(_) => {
                Err(self.error_text(MizanError::internal("an HTTP-only outcome over IPC")))
            }
        }
    }

    /// `{code, message, details?}` as text: internal errors logged, then
    /// redacted unless debug.
    fn error_text(&self, error: MizanError) -> String {
        let mut out = String::new();
        write_canonical_json(&error.redacted(self.inner.debug).to_inner_json(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(message: &str) -> String {
        let err = read_message(message.as_bytes(), 1 << 20).expect_err("a bad message");
        assert_eq!(err.status(), 400, "{message}");
        err.message().to_owned()
    }

    #[test]
    fn every_op_reads_as_its_operation() {
        for (message, expect) in [
            (r#"{"op":"call","fn":"add","args":{"a":1}}"#, "call"),
            (
                r#"{"op":"fetch","context":"user","params":{"user_id":5}}"#,
                "fetch",
            ),
            (r#"{"op":"subscribe","context":"user"}"#, "subscribe"),
            (
                r#"{"op":"unsubscribe","context":"user","params":{}}"#,
                "unsubscribe",
            ),
            (
                r#"{"op":"join","channel":"chat","params":{"room":"g"}}"#,
                "join",
            ),
            (
                r#"{"op":"send","channel":"chat","params":{"room":"g"},"message":{"text":"hi"}}"#,
                "send",
            ),
            (
                r#"{"op":"leave","channel":"chat","params":{"room":"g"}}"#,
                "leave",
            ),
        ] {
            let op = read_message(message.as_bytes(), 1024).unwrap_or_else(|e| panic!("{e:?}"));
            let got = match op {
                Operation::Call(_) => "call",
                Operation::Fetch { .. } => "fetch",
                Operation::Subscribe { .. } => "subscribe",
                Operation::Unsubscribe { .. } => "unsubscribe",
                Operation::Join { .. } => "join",
                Operation::Send { .. } => "send",
                Operation::Leave { .. } => "leave",
                Operation::Session | Operation::View(_) => "http",
            };
            assert_eq!(got, expect);
        }
    }

    #[test]
    fn a_bad_message_says_what_is_wrong() {
        assert!(reject("[1]").contains("JSON object"));
        assert!(reject("nope").contains("must be JSON"));
        assert!(reject(r#"{"action":"call","fn":"add"}"#).contains("`op` is missing"));
        assert!(reject(r#"{"op":"dance"}"#).contains("Unknown op `dance`"));
        assert_eq!(reject(r#"{"op":"call","fn":5}"#), "`fn` must be a string");
        assert!(reject(r#"{"op":"call","fn":"f","uploads":[1]}"#).contains("`uploads`"));
        assert!(reject(r#"{"op":"fetch","context":"c","uploads":{}}"#).contains("only a `call`"));
        assert!(
            reject(r#"{"op":"call","fn":"f","uploads":{"file":{"data":"@@"}}}"#)
                .contains("upload `file`: `data` is not base64")
        );
        assert!(
            reject(r#"{"op":"call","fn":"f","uploads":{"file":{"name":"a"}}}"#)
                .contains("`data` is missing")
        );
        let err = read_message(&[0xff, b'{'], 1024).expect_err("not UTF-8");
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn a_message_over_the_limit_is_payload_too_large() {
        let err = read_message(br#"{"op":"call","fn":"add"}"#, 8).expect_err("too large");
        assert_eq!(err.status(), 413);
    }

    #[test]
    fn uploads_travel_in_the_message() {
        let op = read_message(
            br#"{"op":"call","fn":"upload_file","args":{"label":"x"},"uploads":{"file":{"name":"a.txt","type":"text/plain","data":"aGVsbG8="}}}"#,
            1024,
        )
        .expect("a call with a file");
        let Operation::Call(super::super::exchange::CallInput::Envelope(call)) = op else {
            panic!("a decoded call")
        };
        let file = &call.uploads["file"];
        assert_eq!(file.file_name, "a.txt");
        assert_eq!(file.content_type.as_deref(), Some("text/plain"));
        assert_eq!(file.bytes.as_ref(), b"hello");
    }
}
