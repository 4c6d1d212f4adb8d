//! Channels declared in Python (PROTOCOL.md §6.1): the core's
//! [`ChannelDef`], whose `join` and `send` file calls with the Python
//! driver like any function's.

use std::collections::BTreeMap;
use std::sync::Arc;

use mizan_core::channel::{ChannelDef, ChannelSignature};
use mizan_core::function::ParamDef;
use mizan_core::{FieldErrors, MizanError, Shape, TypeDef, TypeSet};
use serde::de::DeserializeSeed as _;
use serde_json::{Map, Value};

use crate::driver::{CallKind, Reply, call_python};
use crate::spec::{ChannelSpec, Types};

/// The core's definition of channel `spec`, its handlers numbered `index`.
pub(crate) fn channel_definition(index: usize, spec: &ChannelSpec) -> ChannelDef {
    let types = Arc::new(Types::new(&spec.types));
    let params = spec.params.to_shape();
    let send = spec.send.to_shape();
    let message = spec.message.to_shape();
    let signature = {
        let (types, params, send, message) = (
            Arc::clone(&types),
            params.clone(),
            send.clone(),
            message.clone(),
        );
        Arc::new(move |set: &mut TypeSet| {
            Types::define_all(&types.specs, set);
            ChannelSignature {
                params: struct_params(&params, set),
                send: send.clone(),
                message: message.clone(),
            }
        })
    };
    let name = spec.name.clone();
    let join = {
        let (types, params, name) = (Arc::clone(&types), params.clone(), name.clone());
        Arc::new(move |req, sent: Map<String, Value>| {
            let checked = check(&params, Value::Object(sent), None, types.set());
            let name = name.clone();
            let reply = checked.map(|sent| {
                let args = Map::from_iter([("params".to_owned(), sent)]);
                call_python(
                    CallKind::Join,
                    index,
                    &name,
                    args,
                    BTreeMap::new(),
                    Some(req),
                    None,
                )
            });
            Box::pin(async move { reply?.await.map(|_| ()) })
                as mizan_core::function::BoxFuture<Result<(), MizanError>>
        })
    };
    let send_handler = {
        let (types, name) = (Arc::clone(&types), name.clone());
        Arc::new(move |req, sent: Map<String, Value>, body: Value| {
            let checked = check(&params, Value::Object(sent), None, types.set())
                .and_then(|p| check(&send, body, Some("message"), types.set()).map(|m| (p, m)));
            let name = name.clone();
            let reply = checked.map(|(p, m)| {
                let args = Map::from_iter([("params".to_owned(), p), ("message".to_owned(), m)]);
                call_python(
                    CallKind::Send,
                    index,
                    &name,
                    args,
                    BTreeMap::new(),
                    Some(req),
                    None,
                )
            });
            Box::pin(async move {
                match reply?.await? {
                    Reply::Json(json) if json.as_str() == "null" => Ok(None),
                    Reply::Json(json) => Ok(Some(json)),
                    _ => Err(MizanError::internal(format!(
                        "channel `{name}` answered with the wrong kind of reply"
                    ))),
                }
            })
                as mizan_core::function::BoxFuture<Result<Option<mizan_core::JsonText>, MizanError>>
        })
    };
    ChannelDef {
        name: spec.name.clone(),
        rust_path: spec.origin.clone(),
        signature,
        join,
        send: send_handler,
    }
}

/// A channel's params are the fields of its params model.
fn struct_params(shape: &Shape, types: &TypeSet) -> Option<Vec<ParamDef>> {
    let Shape::Ref(name) = shape else { return None };
    let Some(TypeDef::Struct(fields)) = types.get(name) else {
        return None;
    };
    Some(
        fields
            .iter()
            .map(|f| ParamDef {
                name: f.name.clone(),
                shape: f.shape.clone(),
                required: !f.optional,
                default: None,
            })
            .collect(),
    )
}

/// Checks `value` against `shape`, as the core checks a Rust channel's
/// params (`field` prefixes the path of a message's mistakes).
fn check(
    shape: &Shape,
    value: Value,
    field: Option<&str>,
    types: &TypeSet,
) -> Result<Value, MizanError> {
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(&value, &mut track);
    mizan_core::args::ShapeSeed::new(shape, types)
        .deserialize(de)
        .map_err(|err| {
            let path = track.path().to_string();
            let key = match (field, path.as_str()) {
                (Some(field), ".") => field.to_owned(),
                (Some(field), path) => format!("{field}.{path}"),
                (None, path) => path.to_owned(),
            };
            let mut fields = FieldErrors::new();
            fields.insert(key, vec![err.to_string()]);
            MizanError::validation(fields)
        })
}
