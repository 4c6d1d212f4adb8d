//! What a live connection does besides calls and fetches: subscriptions to
//! context instances and channel membership (../shared/spec/PROTOCOL.md §6,
//! §6.1), and the events the server publishes for it — a mutation's
//! targets and merges, channel messages.

use serde_json::{Map, Value};

use super::dispatch::ContextParams;
use super::exchange::Operation;
use super::handle::{Server, ServerRef};
use crate::channel::{Channel, ChannelMarker};
use crate::error::MizanError;
use crate::invalidation::Target;
use crate::json::JsonText;
use crate::live::{BusError, Connection, HubError, LiveEvent};
use crate::request::Request;

impl Server {
    /// A new live connection on this instance: what a socket or an IPC host
    /// holds while a page is open. Pass its [`id`](Connection::id) to
    /// [`Exchange::on_connection`](super::Exchange::on_connection); write
    /// out its pushes as they come.
    pub fn connect(&self) -> Connection {
        self.inner.live.connect()
    }

    /// The live connections open on this instance now (sockets, IPC pages).
    pub fn live_connections(&self) -> usize {
        self.inner.live.hub.connections()
    }

    /// Publishes `message` to every client that joined the channel instance
    /// `params` of `C`, on every server instance. Usable from any function
    /// or background task.
    pub async fn publish<C: Channel>(
        &self,
        params: &C::Params,
        message: &C::Message,
    ) -> Result<(), MizanError> {
        let params = channel_params::<C>(params)?;
        let message = JsonText::from_serialize(message)?;
        self.publish_message(C::NAME, params, message).await
    }

    pub(super) async fn publish_message(
        &self,
        channel: &str,
        params: Map<String, Value>,
        message: JsonText,
    ) -> Result<(), MizanError> {
        let event = LiveEvent::Message {
            channel: channel.to_owned(),
            params,
            message,
        };
        self.inner
            .live
            .publish(event)
            .await
            .map_err(|e| MizanError::internal("publishing a channel message failed").with_source(e))
    }

    /// Tells every live connection watching an instance hit by a successful
    /// mutation (except the one that made it). A bus failure is logged: the
    /// mutation itself succeeded.
    pub(super) async fn publish_change(
        &self,
        function: &str,
        origin: Option<u64>,
        invalidate: &[Target],
        merge: &[Value],
    ) {
        if invalidate.is_empty() && merge.is_empty() {
            return;
        }
        let event = LiveEvent::Changed {
            origin: origin.map(|c| self.inner.live.hub.origin(c)),
            invalidate: invalidate.to_vec(),
            merge: merge.to_vec(),
        };
        if let Err(err) = self.inner.live.publish(event).await {
            log_bus_error(function, &err);
        }
    }

    /// Subscribe, unsubscribe, join, send or leave, for `connection`.
    pub(super) async fn live_operation(
        &self,
        req: Request,
        connection: u64,
        operation: Operation,
    ) -> Result<(), MizanError> {
        let hub = &self.inner.live.hub;
        match operation {
            Operation::Subscribe { context, params } => {
                let values = self.authorize_watch(&req, &context, params)?;
                hub.subscribe(connection, &context, &values)
                    .map_err(hub_error)
            }
            Operation::Unsubscribe { context, params } => {
                hub.unsubscribe(connection, &context, &params);
                Ok(())
            }
            Operation::Join { channel, params } => {
                let def = self.channel(&channel)?;
                (def.join)(req, params.clone()).await?;
                hub.join(connection, &channel, &params).map_err(hub_error)
            }
            Operation::Send {
                channel,
                params,
                message,
            } => {
                let def = self.channel(&channel)?;
                if !hub.has_joined(connection, &channel, &params) {
                    return Err(MizanError::forbidden(format!(
                        "join channel `{channel}` with these params before sending to it"
                    )));
                }
                match (def.send)(req, params.clone(), message).await? {
                    Some(out) => self.publish_message(&channel, params, out).await,
                    None => Ok(()),
                }
            }
            Operation::Leave { channel, params } => {
                hub.leave(connection, &channel, &params);
                Ok(())
            }
            Operation::Session
            | Operation::Call(_)
            | Operation::Fetch { .. }
            | Operation::View(_) => Err(MizanError::internal("not a live operation")),
        }
    }

    fn channel(&self, name: &str) -> Result<&crate::channel::ChannelDef, MizanError> {
        self.inner
            .registry
            .channel(name)
            .map(|c| &c.def)
            .ok_or_else(|| MizanError::not_found(format!("Unknown channel `{name}`")))
    }

    /// A subscription is authorized like a fetch of that instance: the
    /// context exists, its required params are there, and the caller may
    /// call every member (`auth`), so a socket is never told about instances
    /// it could not read. Returns the params the context declares.
    fn authorize_watch(
        &self,
        req: &Request,
        context: &str,
        params: Map<String, Value>,
    ) -> Result<Map<String, Value>, MizanError> {
        let registry = &self.inner.registry;
        let ctx = registry
            .context(context)
            .ok_or_else(|| MizanError::not_found(format!("Unknown context `{context}`")))?;
        let values = super::dispatch::context_values(ctx, ContextParams::Json(params))?;
        for member in ctx.bundle.iter().filter_map(|m| registry.function(m)) {
            member.def.auth.check(req.identity(), member.name())?;
        }
        Ok(values)
    }
}

fn hub_error(err: HubError) -> MizanError {
    match err {
        HubError::Full { what, limit } => MizanError::bad_request(format!(
            "this connection holds {limit} {what} already (the limit): leave or unsubscribe first"
        )),
        HubError::Closed => MizanError::bad_request("the connection is closed"),
    }
}

fn log_bus_error(function: &str, err: &BusError) {
    tracing::error!(
        function,
        error = %err,
        "live bus: a change was not published; open pages may show stale data until they refetch"
    );
}

/// A channel's params as the JSON object its instance is named by.
fn channel_params<C: ChannelMarker + Channel>(
    params: &C::Params,
) -> Result<Map<String, Value>, MizanError> {
    match serde_json::to_value(params)? {
        Value::Object(map) => Ok(map),
        _ => Err(MizanError::internal(format!(
            "the params of channel `{}` must serialize to an object",
            C::NAME
        ))),
    }
}

impl Request {
    /// Publishes `message` to the channel instance `params` of `C` (see
    /// [`Server::publish`]), from inside a server function.
    pub async fn publish<C: Channel>(
        &self,
        params: &C::Params,
        message: &C::Message,
    ) -> Result<(), MizanError> {
        let server = self
            .service::<ServerRef>()
            .and_then(ServerRef::upgrade)
            .ok_or_else(|| {
                MizanError::internal("this request was not made by a server: nothing to publish to")
            })?;
        server.publish::<C>(params, message).await
    }
}
