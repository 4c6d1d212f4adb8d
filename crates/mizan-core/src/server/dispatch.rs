//! Dispatch for a resolved caller: a call, a context fetch or a view, with
//! `auth` enforced before any body runs, invalidation and merge derived
//! after a mutation succeeded, and the origin cache in the loop.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt as _;
use futures_util::future::join_all;
use serde_json::{Map, Value};

use super::envelope::{CallEnvelope, RefreshKey};
use super::handle::Server;
use super::outcome::{CallOutcome, ContextFetch, ViewOutcome};
use crate::args::{Args, coerce_query};
use crate::error::{FieldErrors, MizanError};
use crate::function::{BoxFuture, Handler};
use crate::graph::{Context, Function};
use crate::invalidation::scope::{is_scoping_argument, merge_params, targets_of};
use crate::invalidation::{HeaderTarget, Target, scope_matches};
use crate::json::JsonText;
use crate::request::{Request, Transport};

/// Context parameters as a transport delivers them: query-string text over
/// HTTP, typed JSON over the socket and IPC. Either way, only the context's
/// declared parameters are kept and the required ones must be there.
///
/// ```
/// # use mizan_core::{FunctionDef, Handler, JsonText, Registry, Server, Shape};
/// # use mizan_core::function::{ParamDef, Signature};
/// use mizan_core::server::{ContextParams, Exchange, Operation, Outcome};
/// # let mut profile = FunctionDef::new(
/// #     "user_profile",
/// #     |_| Signature {
/// #         params: vec![ParamDef { name: "user_id".into(), shape: Shape::Int, required: true, default: None }],
/// #         output: Some(Shape::Any),
/// #     },
/// #     Handler::data(|_req, mut args| async move {
/// #         let id = args.required::<i64>("user_id");
/// #         args.finish()?;
/// #         JsonText::from_serialize(&serde_json::json!({ "user_id": id }))
/// #     }),
/// # );
/// # profile.context = Some("user".into());
/// # let server = Server::builder().registry(Registry::builder().definition(profile).build()?).build()?;
/// // `GET /ctx/user/?user_id=5&utm=x`, as the HTTP binding hands it over:
/// let query = [("user_id".to_owned(), "5".to_owned()), ("utm".to_owned(), "x".to_owned())];
/// let fetch = Operation::Fetch {
///     context: "user".into(),
///     params: ContextParams::Query(query.into_iter().collect()),
/// };
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let Outcome::Fetched(bundle) = server.exchange(Exchange::http(Default::default(), fetch)).await else {
///     panic!("a bundle")
/// };
/// assert_eq!(bundle.bundle.as_str(), r#"{"user_profile":{"user_id":5}}"#);
/// # });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub enum ContextParams {
    /// Query-string values, coerced to the declared types.
    Query(BTreeMap<String, String>),
    /// Typed JSON (WebSocket, IPC).
    Json(Map<String, Value>),
}

impl Server {
    /// The function `name`, if a client may call it over `transport`.
    fn callable(&self, name: &str, transport: Transport) -> Result<&Function, MizanError> {
        let func = self
            .inner
            .registry
            .function(name)
            .ok_or_else(|| MizanError::not_found(format!("Unknown function `{name}`")))?;
        if func.def.private {
            return Err(MizanError::forbidden(format!(
                "`{name}` is private and cannot be called by clients"
            )));
        }
        if let Handler::View { route, .. } = &func.def.handler {
            return Err(MizanError::not_found(format!(
                "`{name}` is a view-path function; request its route `{route}` instead"
            )));
        }
        if func.def.socket_only && transport != Transport::WebSocket {
            return Err(MizanError::bad_request(format!(
                "`{name}` is callable only over the WebSocket endpoint (/ws/)"
            )));
        }
        Ok(func)
    }

    /// Calls one function for `req`'s caller.
    /// `origin` is the live connection the call came on, if any: its own
    /// change is not pushed back to it.
    pub(super) async fn call(
        &self,
        req: Request,
        call: CallEnvelope,
        origin: Option<u64>,
    ) -> Result<CallOutcome, MizanError> {
        let name = call.function.as_str();
        let func = self.callable(name, req.transport())?;
        func.def.auth.check(req.identity(), name)?;
        let Handler::Data(handler) = &func.def.handler else {
            return Err(MizanError::not_found(format!(
                "`{name}` has no data handler"
            )));
        };
        let registry = &self.inner.registry;
        // Only the arguments that can scope a target are read twice.
        let sent = func.is_mutation().then(|| {
            call.args
                .values_where(|arg| is_scoping_argument(registry, func, arg))
        });
        // The caller, kept for the refreshed fetches (only when asked for).
        let refresh_as = (!call.refresh.is_empty()).then(|| req.clone());
        let args = Args::new(call.args).with_uploads(call.uploads);
        let result = run_catching_panics(name, handler(req, args)).await?;
        let sent = sent.unwrap_or_default();
        let invalidate = targets_of(registry, func, &sent);
        let merge_scope = func
            .merge
            .as_ref()
            .map(|spec| (spec, merge_params(registry, &spec.context, &sent)));
        // A merge-only mutation invalidates nothing on the client (it splices
        // the result in), but the origin cache holds the old bundle: purge
        // the merged instance too.
        let mut purged = invalidate.clone();
        if let Some((spec, params)) = &merge_scope {
            purged.push(Target {
                context: spec.context.clone(),
                function: None,
                params: params.clone(),
            });
        }
        self.purge_after_mutation(name, &purged).await;
        let merge = match merge_scope {
            Some((spec, params)) => vec![spec.entry(params, result.to_value())],
            None => Vec::new(),
        };
        self.notify(name, &invalidate);
        if !invalidate.is_empty() || !merge.is_empty() {
            Box::pin(self.publish_change(name, origin, &invalidate, &merge)).await;
        }
        let refreshed = match refresh_as {
            Some(req) => Box::pin(self.refresh(req, &call.refresh, &invalidate)).await,
            None => Vec::new(),
        };
        Ok(CallOutcome {
            result,
            invalidate,
            merge,
            refreshed,
        })
    }

    /// Single-flight refresh (../shared/spec/PROTOCOL.md §3.5): each listed
    /// instance that one of the call's targets hits, fetched exactly as
    /// `GET /ctx/` would for the same caller (after the purge), all at once.
    async fn refresh(
        &self,
        req: Request,
        listed: &[RefreshKey],
        targets: &[Target],
    ) -> Vec<(String, Result<JsonText, MizanError>)> {
        let scopes: Vec<(&str, BTreeMap<String, String>)> = targets
            .iter()
            .map(|t| (t.context.as_str(), t.canonical_params()))
            .collect();
        let hit = |instance: &HeaderTarget| {
            scopes.iter().any(|(context, scope)| {
                *context == instance.context && scope_matches(scope, &instance.params)
            })
        };
        let debug = self.inner.debug;
        let fetches = listed
            .iter()
            .filter(|entry| hit(&entry.instance))
            .map(|entry| {
                let req = req.clone();
                async move {
                    let params = ContextParams::Query(entry.instance.params.clone());
                    let bundle = self
                        .fetch_context(req, &entry.instance.context, params)
                        .await
                        .map(|fetched| fetched.bundle)
                        .map_err(|err| err.redacted(debug));
                    (entry.key.clone(), bundle)
                }
            });
        join_all(fetches).await
    }

    /// Runs the view-path function `name` (its own route) with the route's
    /// and the query's parameters.
    pub(super) async fn view(
        &self,
        req: Request,
        name: &str,
        params: BTreeMap<String, String>,
    ) -> Result<ViewOutcome, MizanError> {
        let func = self
            .inner
            .registry
            .function(name)
            .ok_or_else(|| MizanError::not_found(format!("Unknown view `{name}`")))?;
        let Handler::View { handler, .. } = &func.def.handler else {
            return Err(MizanError::not_found(format!(
                "`{name}` is not a view-path function"
            )));
        };
        func.def.auth.check(req.identity(), name)?;
        let args = coerce_query(
            &params,
            func.params.iter().map(|p| (p.name.as_str(), &p.shape)),
        )?;
        let sent = args.clone();
        let response = run_catching_panics(name, handler(req, Args::new(args))).await?;
        let invalidate = targets_of(&self.inner.registry, func, &sent);
        self.purge_after_mutation(name, &invalidate).await;
        self.notify(name, &invalidate);
        self.publish_change(name, None, &invalidate, &[]).await;
        Ok(ViewOutcome {
            response,
            invalidate,
        })
    }

    /// Fetches one context bundle for `req`'s caller, through the origin
    /// cache when there is one, reporting what it did (`X-Mizan-Cache`).
    pub(super) async fn fetch_context(
        &self,
        req: Request,
        name: &str,
        params: ContextParams,
    ) -> Result<ContextFetch, MizanError> {
        let ctx = self
            .inner
            .registry
            .context(name)
            .ok_or_else(|| MizanError::not_found(format!("Unknown context `{name}`")))?;
        if ctx.socket_only && req.transport() != Transport::WebSocket {
            return Err(MizanError::bad_request(format!(
                "context `{name}` is served only over the WebSocket endpoint (/ws/)"
            )));
        }
        let values = context_values(ctx, params)?;
        let Some(setup) = &self.inner.cache else {
            let bundle = self.run_bundle(req, name, values).await?;
            return Ok(ContextFetch {
                bundle,
                cache: None,
            });
        };
        let user = req.identity().map(|id| id.id().to_owned());
        let run = self.run_bundle(req, name, values.clone());
        // Boxed: the cache's future is large, and every request's future
        // would otherwise carry its size.
        let (bundle, status) =
            Box::pin(
                setup
                    .cache
                    .fetch(&setup.secret, ctx, &values, user.as_deref(), run),
            )
            .await?;
        Ok(ContextFetch {
            bundle,
            cache: Some(status),
        })
    }

    /// Runs every member of a context's bundle concurrently (an owned
    /// future, so that the origin cache can share one run between
    /// concurrent identical fetches).
    fn run_bundle(
        &self,
        req: Request,
        name: &str,
        values: Map<String, Value>,
    ) -> BoxFuture<Result<JsonText, MizanError>> {
        let server = self.clone();
        let name = name.to_owned();
        Box::pin(async move {
            let registry = &server.inner.registry;
            let ctx = registry
                .context(&name)
                .ok_or_else(|| MizanError::not_found(format!("Unknown context `{name}`")))?;
            let runs = ctx
                .bundle
                .iter()
                .filter_map(|member| registry.function(member))
                .map(|func| run_member(func, req.clone(), &values));
            let results = join_all(runs).await;
            // `bundle` is sorted by name, so the first error is the first by
            // name, and the members are written in canonical key order.
            let members = results.into_iter().collect::<Result<Vec<_>, _>>()?;
            Ok(JsonText::object(
                ctx.bundle.iter().map(String::as_str).zip(members.iter()),
            ))
        })
    }

    /// Purges a successful mutation's targets from the origin cache before
    /// it responds, so the next read anywhere sees fresh data. A backend
    /// failure is logged and counted, never the caller's error: the
    /// mutation itself succeeded.
    async fn purge_after_mutation(&self, function: &str, targets: &[Target]) {
        if targets.is_empty() || self.inner.cache.is_none() {
            return;
        }
        // Boxed for the same reason as the cache's fetch.
        if let Err(err) = Box::pin(self.purge(targets)).await {
            tracing::error!(
                function,
                error = %err,
                "origin cache purge failed; cached bundles of these targets may be stale until their TTL"
            );
        }
    }

    fn notify(&self, function: &str, targets: &[Target]) {
        if targets.is_empty() {
            return;
        }
        for listener in &self.inner.listeners {
            listener.invalidated(function, targets);
        }
    }
}

/// One member of a bundle, with only the parameters it declares.
async fn run_member(
    func: &Function,
    req: Request,
    values: &Map<String, Value>,
) -> Result<JsonText, MizanError> {
    func.def.auth.check(req.identity(), func.name())?;
    let Handler::Data(handler) = &func.def.handler else {
        return Err(MizanError::internal("context member without data handler"));
    };
    let args: Map<String, Value> = func
        .params
        .iter()
        .filter_map(|p| values.get(&p.name).map(|v| (p.name.clone(), v.clone())))
        .collect();
    run_catching_panics(func.name(), handler(req, Args::new(args))).await
}

/// Typed parameter values of a context request, restricted to the
/// context's parameters; missing required ones are a `VALIDATION_ERROR`.
pub(super) fn context_values(
    ctx: &Context,
    params: ContextParams,
) -> Result<Map<String, Value>, MizanError> {
    let values = match params {
        ContextParams::Query(query) => coerce_query(
            &query,
            ctx.params.iter().map(|p| (p.name.as_str(), &p.shape)),
        )?,
        ContextParams::Json(mut json) => {
            json.retain(|k, _| ctx.param(k).is_some());
            json
        }
    };
    let mut missing = FieldErrors::new();
    for p in ctx.params.iter().filter(|p| p.required) {
        if values.get(&p.name).is_none_or(Value::is_null) {
            missing.insert(p.name.clone(), vec!["This field is required.".into()]);
        }
    }
    if missing.is_empty() {
        Ok(values)
    } else {
        Err(MizanError::validation(missing))
    }
}

/// Runs a function's future, turning a panic into a `500` whose message
/// (the panic's) is logged when it is rendered and never sent outside debug
/// mode.
async fn run_catching_panics<T>(
    name: &str,
    fut: BoxFuture<Result<T, MizanError>>,
) -> Result<T, MizanError> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".into());
            Err(MizanError::internal(format!("`{name}` panicked: {what}")))
        }
    }
}
