//! Channels (../shared/spec/PROTOCOL.md §6.1): declared streams of typed
//! messages with params — a chat room, a progress feed. A client joins a
//! channel instance (the channel's own check decides), may send to it (the
//! channel's handler decides what, if anything, is published), and receives
//! every message published to it by any server instance.
//!
//! ```
//! use mizan_core::channel::{Channel, ChannelMarker};
//! use mizan_core::{Describe, MizanError, Request, Shape, TypeSet};
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Serialize, Deserialize)] pub struct Room { pub room: String }
//! # impl Describe for Room { fn describe(t: &mut TypeSet) -> Shape {
//! #     t.define("Room", "doc::Room", |t| mizan_core::TypeDef::Struct(vec![
//! #         mizan_core::Field { name: "room".into(), shape: t.shape_of::<String>(), optional: false }])) } }
//! # #[derive(Serialize, Deserialize)] pub struct Text { pub text: String }
//! # impl Describe for Text { fn describe(t: &mut TypeSet) -> Shape {
//! #     t.define("Text", "doc::Text", |t| mizan_core::TypeDef::Struct(vec![
//! #         mizan_core::Field { name: "text".into(), shape: t.shape_of::<String>(), optional: false }])) } }
//!
//! // `#[mizan::channel("chat")]` writes this marker (and registers the channel).
//! pub struct Chat;
//! impl ChannelMarker for Chat { const NAME: &'static str = "chat"; }
//!
//! impl Channel for Chat {
//!     type Params = Room;
//!     type Send = Text;
//!     type Message = Text;
//!     async fn join(req: &Request, room: &Room) -> Result<(), MizanError> {
//!         if room.room == "staff" && !req.identity().is_some_and(|id| id.is_staff()) {
//!             return Err(MizanError::forbidden("the staff room is for staff"));
//!         }
//!         Ok(())
//!     }
//!     async fn send(_: &Request, _: &Room, message: Text) -> Result<Option<Text>, MizanError> {
//!         Ok(Some(message)) // published to everyone in the room, the sender included
//!     }
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{FieldErrors, MizanError};
use crate::function::{BoxFuture, ParamDef};
use crate::json::JsonText;
use crate::request::Request;
use crate::shape::{Describe, Shape, TypeDef, TypeSet};

/// Implemented by `#[mizan::channel("name")]` markers.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Mizan channel marker",
    label = "expected a type declared with `#[mizan::channel(\"name\")]`"
)]
pub trait ChannelMarker {
    /// The channel's name.
    const NAME: &'static str;
}

/// A channel: its params, what a client may send, what the server pushes,
/// who may join, and what a client's `send` does.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared `#[mizan::channel]` but does not implement `Channel`",
    label = "implement `mizan::Channel` for it: its `Params`, `Send` and `Message` types"
)]
pub trait Channel: ChannelMarker + Send + Sync + 'static {
    /// The params naming one instance (a struct; its fields are the params).
    type Params: Serialize + DeserializeOwned + Describe + Send + Sync + 'static;
    /// What a client may send.
    type Send: DeserializeOwned + Describe + Send + 'static;
    /// What the server pushes.
    type Message: Serialize + Describe + Send + 'static;

    /// Whether `req`'s caller may join this instance. Default: anyone.
    fn join(
        req: &Request,
        params: &Self::Params,
    ) -> impl Future<Output = Result<(), MizanError>> + Send {
        let _ = (req, params);
        async { Ok(()) }
    }

    /// A client sent `message` to this instance (it joined it): what to
    /// publish to everyone in it, if anything. Default: clients may not send.
    fn send(
        req: &Request,
        params: &Self::Params,
        message: Self::Send,
    ) -> impl Future<Output = Result<Option<Self::Message>, MizanError>> + Send {
        let _ = (req, params, message);
        async {
            Err(MizanError::forbidden(format!(
                "clients may not send to channel `{}`",
                Self::NAME
            )))
        }
    }
}

/// Runs a channel's `join` for a caller: params as sent.
pub type JoinHandler =
    Arc<dyn Fn(Request, Map<String, Value>) -> BoxFuture<Result<(), MizanError>> + Send + Sync>;

/// Runs a channel's `send`: params and message as sent; what to publish.
pub type SendHandler = Arc<
    dyn Fn(Request, Map<String, Value>, Value) -> BoxFuture<Result<Option<JsonText>, MizanError>>
        + Send
        + Sync,
>;

/// The shapes a channel is described by, computed into the registry's types.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelSignature {
    /// The params, in declaration order (the fields of `Params`), or `None`
    /// when `Params` is not a struct (a registration error).
    pub params: Option<Vec<ParamDef>>,
    /// What a client may send.
    pub send: Shape,
    /// What the server pushes.
    pub message: Shape,
}

/// A declared channel, type-erased for the registry.
#[derive(Clone)]
pub struct ChannelDef {
    /// Its name.
    pub name: String,
    /// Where it is declared (for messages).
    pub rust_path: String,
    /// Describes its shapes.
    pub signature: Arc<dyn Fn(&mut TypeSet) -> ChannelSignature + Send + Sync>,
    /// Its `join`.
    pub join: JoinHandler,
    /// Its `send`.
    pub send: SendHandler,
}

impl fmt::Debug for ChannelDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelDef")
            .field("name", &self.name)
            .field("rust_path", &self.rust_path)
            .finish_non_exhaustive()
    }
}

/// Decodes params or a message, every bad field reported at once.
fn decode<T: DeserializeOwned>(value: Value, field: Option<&str>) -> Result<T, MizanError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|err| {
        let path = err.path().to_string();
        let key = match (field, path.as_str()) {
            (Some(field), ".") => field.to_owned(),
            (Some(field), path) => format!("{field}.{path}"),
            (None, path) => path.to_owned(),
        };
        let mut fields = FieldErrors::new();
        fields.insert(key, vec![err.inner().to_string()]);
        MizanError::validation(fields)
    })
}

/// The registry entry of channel `C`.
pub fn channel_definition<C: Channel>() -> ChannelDef {
    ChannelDef {
        name: C::NAME.to_owned(),
        rust_path: std::any::type_name::<C>().to_owned(),
        signature: Arc::new(|types| {
            let params = match types.shape_of::<C::Params>() {
                Shape::Ref(name) => match types.get(&name) {
                    Some(TypeDef::Struct(fields)) => Some(
                        fields
                            .iter()
                            .map(|f| ParamDef {
                                name: f.name.clone(),
                                shape: f.shape.clone(),
                                required: !f.optional,
                                default: None,
                            })
                            .collect(),
                    ),
                    _ => None,
                },
                _ => None,
            };
            ChannelSignature {
                params,
                send: types.shape_of::<C::Send>(),
                message: types.shape_of::<C::Message>(),
            }
        }),
        join: Arc::new(|req, params| {
            Box::pin(async move {
                let params: C::Params = decode(Value::Object(params), None)?;
                C::join(&req, &params).await
            })
        }),
        send: Arc::new(|req, params, message| {
            Box::pin(async move {
                let params: C::Params = decode(Value::Object(params), None)?;
                let message: C::Send = decode(message, Some("message"))?;
                match C::send(&req, &params, message).await? {
                    Some(out) => Ok(Some(JsonText::from_serialize(&out)?)),
                    None => Ok(None),
                }
            })
        }),
    }
}

/// Auto-registration: `#[mizan::channel]` submits one per channel.
#[derive(Debug)]
pub struct ChannelRegistration {
    /// Builds the definition.
    pub definition: fn() -> ChannelDef,
}

inventory::collect!(ChannelRegistration);

/// Every channel declared with `#[mizan::channel]` in the linked program.
pub fn registered_channels() -> impl Iterator<Item = ChannelDef> {
    inventory::iter::<ChannelRegistration>
        .into_iter()
        .map(|r| (r.definition)())
}
