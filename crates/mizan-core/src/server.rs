//! The transport-agnostic server: identity resolution (PROTOCOL.md §2) and
//! dispatch of calls, context fetches and views. Every adapter (HTTP,
//! WebSocket, IPC) goes through here, so the rules are identical everywhere.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt as _;
use futures_util::future::join_all;
use http::HeaderMap;
use serde_json::{Map, Value};

use crate::args::{Args, CallArgs};
use crate::cache::{BackendError, CacheStatus, OriginCache};
use crate::canonical::write_canonical_json;
use crate::error::{FieldErrors, MizanError};
use crate::function::{Body, BoxFuture, FnTransport};
use crate::identity::{Identity, IdentitySource};
use crate::invalidation::{Target, format_header};
use crate::json::JsonText;
use crate::mwt::MwtConfig;
use crate::registry::{Context, Function, Registry};
use crate::request::{AppState, Request, Transport, Upload, ViewResponse};
use crate::shape::Shape;

/// Verifies an `Authorization: Bearer` token into an identity.
pub type BearerVerifier =
    Arc<dyn Fn(String) -> BoxFuture<Result<Identity, MizanError>> + Send + Sync>;

/// The app's own identity resolver (a session cookie, typically).
pub type SessionResolver = Arc<dyn Fn(&HeaderMap) -> BoxFuture<Option<Identity>> + Send + Sync>;

/// Told about every invalidation a successful mutation produced (the origin
/// cache purges, the WebSocket hub pushes).
pub trait InvalidationListener: Send + Sync {
    /// `targets` were invalidated by `function`.
    fn invalidated(&self, function: &str, targets: &[Target]);
}

/// Names of the CSRF cookie and header (double-submit, PROTOCOL.md §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfConfig {
    /// Cookie set by `/session/` (default `mizan_csrftoken`).
    pub cookie: String,
    /// Header the client echoes it in (default `X-CSRFToken`).
    pub header: String,
    /// Mark the cookie `Secure` (serve over HTTPS).
    pub secure: bool,
}

impl Default for CsrfConfig {
    fn default() -> Self {
        Self {
            cookie: "mizan_csrftoken".into(),
            header: "X-CSRFToken".into(),
            secure: false,
        }
    }
}

/// The result of a successful `/call/`.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOutcome {
    /// The function's output, as canonical JSON.
    pub result: JsonText,
    /// Invalidation targets, in declaration order.
    pub invalidate: Vec<Target>,
    /// Merge entries.
    pub merge: Vec<Value>,
}

impl CallOutcome {
    /// `{"invalidate": [...], "merge"?: [...], "result": ...}`.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert(
            "invalidate".into(),
            Value::Array(self.invalidate.iter().map(Target::to_json).collect()),
        );
        if !self.merge.is_empty() {
            obj.insert("merge".into(), Value::Array(self.merge.clone()));
        }
        obj.insert("result".into(), self.result.to_value());
        Value::Object(obj)
    }

    /// The response body as canonical JSON text, written without building a
    /// tree around the result.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.result.as_str().len() + 64);
        out.push_str("{\"invalidate\":[");
        for (i, target) in self.invalidate.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_canonical_json(&target.to_json(), &mut out);
        }
        out.push(']');
        if !self.merge.is_empty() {
            out.push_str(",\"merge\":");
            write_canonical_json(&Value::Array(self.merge.clone()), &mut out);
        }
        out.push_str(",\"result\":");
        out.push_str(self.result.as_str());
        out.push('}');
        out
    }
    /// The `X-Mizan-Invalidate` value, when there is anything to invalidate.
    pub fn invalidate_header(&self) -> Option<String> {
        (!self.invalidate.is_empty()).then(|| format_header(&self.invalidate))
    }
}

/// A fetched context bundle and what the origin cache did for it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextFetch {
    /// The bundle object, one key per member function (PROTOCOL.md §1.3),
    /// as canonical JSON.
    pub bundle: JsonText,
    /// `HIT`, `MISS` or `BYPASS`; `None` when the server has no origin cache.
    pub cache: Option<CacheStatus>,
}

/// Context parameters as a transport delivers them.
#[derive(Debug, Clone)]
pub enum ContextParams {
    /// Query-string values, coerced to the declared types.
    Query(BTreeMap<String, String>),
    /// Typed JSON (WebSocket, IPC).
    Json(Map<String, Value>),
}

/// Configuration problems found when building a [`Server`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ConfigError {}

/// Builds a [`Server`].
#[derive(Default)]
pub struct ServerBuilder {
    registry: Option<Registry>,
    state: AppState,
    mwt: Option<MwtConfig>,
    cache_secret: Option<Vec<u8>>,
    bearer: Option<BearerVerifier>,
    resolver: Option<SessionResolver>,
    csrf: Option<CsrfConfig>,
    listeners: Vec<Arc<dyn InvalidationListener>>,
    cache: Option<OriginCache>,
    debug: bool,
    body_limit: Option<usize>,
    mount: Option<String>,
}

/// The default request body limit: 2 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

impl ServerBuilder {
    /// Serves this registry.
    #[must_use]
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }
    /// Adds app state, available as `req.state::<T>()`.
    #[must_use]
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }
    /// Enables MWT identity (`X-Mizan-Token`) and the `mwt_obtain` built-in.
    #[must_use]
    pub fn mwt(mut self, config: MwtConfig) -> Self {
        self.mwt = Some(config);
        self
    }
    /// The origin-cache secret (checked to differ from every MWT secret).
    #[must_use]
    pub fn cache_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.cache_secret = Some(secret.into());
        self
    }
    /// Verifies `Authorization: Bearer` tokens.
    #[must_use]
    pub fn bearer<F, Fut>(mut self, verify: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Identity, MizanError>> + Send + 'static,
    {
        self.bearer = Some(Arc::new(move |token| Box::pin(verify(token))));
        self
    }
    /// Resolves the app's own sessions (e.g. a cookie). Enables the CSRF
    /// check for such identities, with default names unless [`Self::csrf`]
    /// sets others.
    #[must_use]
    pub fn session_resolver<F, Fut>(mut self, resolve: F) -> Self
    where
        F: Fn(&HeaderMap) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Identity>> + Send + 'static,
    {
        self.resolver = Some(Arc::new(move |headers| Box::pin(resolve(headers))));
        self.csrf.get_or_insert_with(CsrfConfig::default);
        self
    }
    /// CSRF cookie/header names.
    #[must_use]
    pub fn csrf(mut self, config: CsrfConfig) -> Self {
        self.csrf = Some(config);
        self
    }
    /// Caches context bundles at the origin (CACHE.md), keyed with the
    /// [`cache_secret`](Self::cache_secret), which is then required. Every
    /// successful mutation purges its targets before it responds.
    #[must_use]
    pub fn cache(mut self, cache: OriginCache) -> Self {
        self.cache = Some(cache);
        self
    }
    /// Subscribes to invalidations.
    #[must_use]
    pub fn on_invalidate(mut self, listener: Arc<dyn InvalidationListener>) -> Self {
        self.listeners.push(listener);
        self
    }
    /// Debug mode: internal error messages reach clients. Never in production.
    #[must_use]
    pub fn debug(mut self, debug: bool) -> Self {
        self.debug = debug;
        self
    }
    /// Maximum request body size in bytes (default 2 MiB).
    #[must_use]
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = Some(limit);
        self
    }
    /// Where the API is mounted (default `/api/mizan`), for the manifest.
    #[must_use]
    pub fn mount(mut self, mount: impl Into<String>) -> Self {
        self.mount = Some(mount.into());
        self
    }

    /// Checks the configuration and builds the server.
    pub fn build(self) -> Result<Server, ConfigError> {
        let registry = match self.registry {
            Some(r) => r,
            None => Registry::from_declarations().map_err(|e| ConfigError(e.to_string()))?,
        };
        if let (Some(mwt), Some(secret)) = (&self.mwt, &self.cache_secret) {
            crate::mwt::ensure_distinct_secrets(mwt, secret).map_err(ConfigError)?;
        }
        let cache = match (self.cache, self.cache_secret) {
            (Some(cache), Some(secret)) => Some(CacheSetup { cache, secret }),
            (Some(_), None) => {
                return Err(ConfigError(
                    "the origin cache needs a secret to key its entries: call `cache_secret(...)` with at least 32 random bytes, distinct from the MWT secrets".into(),
                ));
            }
            (None, _) => None,
        };
        let mut services = AppState::new();
        if let Some(mwt) = &self.mwt {
            services.insert(mwt.clone());
        }
        Ok(Server {
            inner: Arc::new(Inner {
                registry,
                state: Arc::new(self.state),
                services: Arc::new(services),
                mwt: self.mwt,
                bearer: self.bearer,
                resolver: self.resolver,
                csrf: self.csrf,
                listeners: self.listeners,
                cache,
                debug: self.debug,
                body_limit: self.body_limit.unwrap_or(DEFAULT_BODY_LIMIT),
                mount: self.mount.unwrap_or_else(|| "/api/mizan".into()),
            }),
        })
    }
}

struct Inner {
    registry: Registry,
    state: Arc<AppState>,
    services: Arc<AppState>,
    mwt: Option<MwtConfig>,
    bearer: Option<BearerVerifier>,
    resolver: Option<SessionResolver>,
    csrf: Option<CsrfConfig>,
    listeners: Vec<Arc<dyn InvalidationListener>>,
    cache: Option<CacheSetup>,
    debug: bool,
    body_limit: usize,
    mount: String,
}

/// The origin cache with the secret its keys are derived from.
struct CacheSetup {
    cache: OriginCache,
    secret: Vec<u8>,
}

/// A configured Mizan server, cheap to clone and shared by every transport.
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("functions", &self.inner.registry.functions().count())
            .field("mount", &self.inner.mount)
            .field("debug", &self.inner.debug)
            .finish_non_exhaustive()
    }
}

/// Current Unix time in seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Server {
    /// A builder.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }
    /// Debug mode.
    pub fn debug(&self) -> bool {
        self.inner.debug
    }
    /// Request body limit in bytes.
    pub fn body_limit(&self) -> usize {
        self.inner.body_limit
    }
    /// Mount point.
    pub fn mount(&self) -> &str {
        &self.inner.mount
    }
    /// CSRF settings, when cookie sessions are enabled.
    pub fn csrf(&self) -> Option<&CsrfConfig> {
        self.inner.csrf.as_ref()
    }
    /// The MWT settings, when enabled.
    pub fn mwt(&self) -> Option<&MwtConfig> {
        self.inner.mwt.as_ref()
    }
    /// The origin cache, when enabled (e.g. for its `stats()`).
    pub fn cache(&self) -> Option<&OriginCache> {
        self.inner.cache.as_ref().map(|c| &c.cache)
    }

    /// Purges these targets from the origin cache (what a mutation does
    /// before responding), e.g. after a change made outside Mizan.
    pub async fn purge(&self, targets: &[Target]) -> Result<(), BackendError> {
        match &self.inner.cache {
            Some(c) => c.cache.purge(&c.secret, targets).await,
            None => Ok(()),
        }
    }

    /// Makes everything the origin cache holds for this user (bundles
    /// fetched under that identity) unreachable, e.g. for an erasure request.
    pub async fn purge_user(&self, user_id: &str) -> Result<(), BackendError> {
        match &self.inner.cache {
            Some(c) => c.cache.purge_user(&c.secret, user_id).await,
            None => Ok(()),
        }
    }

    /// Resolves the caller (PROTOCOL.md §2): MWT, then Bearer, then the app's
    /// resolver, else anonymous. An invalid token is `401` with no fallback.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Identity>, MizanError> {
        if let Some(token) = headers.get("x-mizan-token") {
            let Some(mwt) = &self.inner.mwt else {
                return Err(MizanError::unauthorized(
                    "X-Mizan-Token was sent but this server does not accept MWTs",
                ));
            };
            let token = token
                .to_str()
                .map_err(|_| MizanError::unauthorized("Invalid token"))?;
            let claims = mwt
                .verify(token, unix_now())
                .map_err(|e| MizanError::unauthorized(format!("Invalid token: {e}")))?;
            let identity = Identity::new(claims.sub)
                .staff(claims.staff)
                .superuser(claims.superuser)
                .perms(claims.perms)
                .with_source(IdentitySource::Mwt);
            return Ok(Some(identity));
        }
        if let (Some(verify), Some(value)) =
            (&self.inner.bearer, headers.get(http::header::AUTHORIZATION))
        {
            let value = value.to_str().unwrap_or_default();
            if let Some(token) = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
            {
                return match verify(token.trim().to_owned()).await {
                    Ok(identity) => Ok(Some(identity.with_source(IdentitySource::Bearer))),
                    Err(err) if err.code() == crate::ErrorCode::Unauthorized => Err(err),
                    Err(_) => Err(MizanError::unauthorized("Invalid bearer token")),
                };
            }
        }
        if let Some(resolve) = &self.inner.resolver {
            if let Some(identity) = resolve(headers).await {
                return Ok(Some(identity.with_source(IdentitySource::Session)));
            }
        }
        Ok(None)
    }

    /// The double-submit CSRF check for unsafe requests of cookie-session
    /// identities: the header must equal the cookie.
    pub fn check_csrf(
        &self,
        identity: Option<&Identity>,
        headers: &HeaderMap,
    ) -> Result<(), MizanError> {
        let (Some(csrf), Some(identity)) = (&self.inner.csrf, identity) else {
            return Ok(());
        };
        if identity.source() != IdentitySource::Session {
            return Ok(());
        }
        let cookie = crate::csrf::cookie_value(headers, &csrf.cookie);
        let header = headers
            .get(csrf.header.as_str())
            .and_then(|v| v.to_str().ok());
        match (cookie, header) {
            (Some(c), Some(h))
                if !c.is_empty() && crate::csrf::constant_time_eq(c.as_bytes(), h.as_bytes()) =>
            {
                Ok(())
            }
            (None, _) => Err(MizanError::forbidden(format!(
                "CSRF check failed: no `{}` cookie; call /session/ first",
                csrf.cookie
            ))),
            _ => Err(MizanError::forbidden(format!(
                "CSRF check failed: the `{}` header does not match the `{}` cookie",
                csrf.header, csrf.cookie
            ))),
        }
    }

    /// A request handle for a resolved caller.
    pub fn request(
        &self,
        identity: Option<Identity>,
        headers: HeaderMap,
        transport: Transport,
    ) -> Request {
        Request::new(identity, headers, self.inner.state.clone())
            .with_transport(transport)
            .with_services(self.inner.services.clone())
    }

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
        if let Body::View { route, .. } = &func.def.body {
            return Err(MizanError::not_found(format!(
                "`{name}` is a view-path function; request its route `{route}` instead"
            )));
        }
        if func.def.transport == FnTransport::WebSocket && transport != Transport::WebSocket {
            return Err(MizanError::bad_request(format!(
                "`{name}` is callable only over the WebSocket endpoint (/ws/)"
            )));
        }
        Ok(func)
    }

    /// Calls one function (`POST /call/`, a socket `call`, an IPC `call`).
    pub async fn call(
        &self,
        req: Request,
        name: &str,
        args: impl Into<CallArgs>,
        uploads: BTreeMap<String, Upload>,
    ) -> Result<CallOutcome, MizanError> {
        let args = args.into();
        let func = self.callable(name, req.transport())?;
        func.def.auth.check(req.identity(), name)?;
        let Body::Data(handler) = &func.def.body else {
            return Err(MizanError::not_found(format!(
                "`{name}` has no data handler"
            )));
        };
        let sent = func
            .is_mutation()
            .then(|| args.values_where(|name| self.scopes_by(func, name)));
        let result = guard(name, handler(req, Args::new(args).with_uploads(uploads))).await?;
        let sent = sent.unwrap_or_default();
        let invalidate = self.targets(func, &sent);
        let merge_scope = func
            .merge
            .as_ref()
            .map(|spec| (spec, self.scope(&spec.context, &sent)));
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
        Ok(CallOutcome {
            result,
            invalidate,
            merge,
        })
    }

    /// Runs a view-path function (its own route).
    pub async fn view(
        &self,
        req: Request,
        name: &str,
        params: BTreeMap<String, String>,
    ) -> Result<(ViewResponse, Vec<Target>), MizanError> {
        let func = self
            .inner
            .registry
            .function(name)
            .ok_or_else(|| MizanError::not_found(format!("Unknown view `{name}`")))?;
        let Body::View { handler, .. } = &func.def.body else {
            return Err(MizanError::not_found(format!(
                "`{name}` is not a view-path function"
            )));
        };
        func.def.auth.check(req.identity(), name)?;
        let args = coerce_params(
            &params,
            func.params.iter().map(|p| (p.name.as_str(), &p.shape)),
        )?;
        let sent = args.clone();
        let response = guard(name, handler(req, Args::new(args))).await?;
        let targets = self.targets(func, &sent);
        self.purge_after_mutation(name, &targets).await;
        self.notify(name, &targets);
        Ok((response, targets))
    }

    /// Fetches one context bundle (`GET /ctx/<name>/`, a socket `fetch`, IPC).
    pub async fn fetch_context(
        &self,
        req: Request,
        name: &str,
        params: ContextParams,
    ) -> Result<Map<String, Value>, MizanError> {
        Ok(self
            .fetch_context_cached(req, name, params)
            .await?
            .bundle
            .to_map())
    }

    /// [`fetch_context`](Self::fetch_context) through the origin cache, when
    /// there is one, reporting what it did (`X-Mizan-Cache`).
    pub async fn fetch_context_cached(
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
        if ctx.websocket && req.transport() != Transport::WebSocket {
            return Err(MizanError::bad_request(format!(
                "context `{name}` is served only over the WebSocket endpoint (/ws/)"
            )));
        }
        let values = self.context_values(ctx, params)?;
        let Some(setup) = &self.inner.cache else {
            let bundle = self.run_bundle(req, name, values).await?;
            return Ok(ContextFetch {
                bundle,
                cache: None,
            });
        };
        let user = req.identity().map(|id| id.id().to_owned());
        let run = self.run_bundle(req, name, values.clone());
        let (bundle, status) = setup
            .cache
            .fetch(&setup.secret, ctx, &values, user.as_deref(), run)
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
            let ctx = server
                .inner
                .registry
                .context(&name)
                .ok_or_else(|| MizanError::not_found(format!("Unknown context `{name}`")))?;
            let runs = ctx
                .bundle
                .iter()
                .filter_map(|member| server.inner.registry.function(member))
                .map(|func| {
                    let req = req.clone();
                    let values = &values;
                    async move {
                        func.def.auth.check(req.identity(), func.name())?;
                        let Body::Data(handler) = &func.def.body else {
                            return Err(MizanError::internal(
                                "context member without data handler",
                            ));
                        };
                        let args: Map<String, Value> = func
                            .params
                            .iter()
                            .filter_map(|p| {
                                values.get(&p.name).map(|v| (p.name.clone(), v.clone()))
                            })
                            .collect();
                        guard(func.name(), handler(req, Args::new(args))).await
                    }
                });
            let results = join_all(runs).await;
            // `bundle` is sorted by name, so the first error is the first by
            // name, and the members are written in canonical key order.
            let members = results.into_iter().collect::<Result<Vec<_>, _>>()?;
            Ok(JsonText::object(
                ctx.bundle.iter().map(String::as_str).zip(members.iter()),
            ))
        })
    }

    /// Typed parameter values of a context request, restricted to the
    /// context's parameters; missing required ones are a `VALIDATION_ERROR`.
    pub fn context_values(
        &self,
        ctx: &Context,
        params: ContextParams,
    ) -> Result<Map<String, Value>, MizanError> {
        let values = match params {
            ContextParams::Query(query) => coerce_params(
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

    /// Whether argument `name` is a parameter of a context `func` invalidates
    /// or merges into, i.e. whether it can scope a target.
    fn scopes_by(&self, func: &Function, name: &str) -> bool {
        func.affects
            .iter()
            .map(|t| t.context.as_str())
            .chain(func.merge.as_ref().map(|m| m.context.as_str()))
            .filter_map(|c| self.inner.registry.context(c))
            .any(|ctx| ctx.param(name).is_some())
    }

    fn scope(&self, context: &str, sent: &Map<String, Value>) -> BTreeMap<String, Value> {
        let Some(ctx) = self.inner.registry.context(context) else {
            return BTreeMap::new();
        };
        Target::scoped(context, None, ctx.param_names(), sent).params
    }

    fn targets(&self, func: &Function, sent: &Map<String, Value>) -> Vec<Target> {
        func.affects
            .iter()
            .filter_map(|t| {
                let ctx = self.inner.registry.context(&t.context)?;
                Some(Target::scoped(
                    &t.context,
                    t.function.as_deref(),
                    ctx.param_names(),
                    sent,
                ))
            })
            .collect()
    }

    /// Purges a successful mutation's targets from the origin cache before
    /// it responds, so the next read anywhere sees fresh data. A backend
    /// failure is logged and counted, never the caller's error: the
    /// mutation itself succeeded.
    async fn purge_after_mutation(&self, function: &str, targets: &[Target]) {
        if let Err(err) = self.purge(targets).await {
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

/// Runs a function future, turning a panic into a `500` that leaks nothing.
async fn guard<T>(name: &str, fut: BoxFuture<Result<T, MizanError>>) -> Result<T, MizanError> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".into());
            tracing::error!(function = name, panic = %what, "server function panicked");
            Err(MizanError::internal(format!("`{name}` panicked: {what}")))
        }
    }
}

/// Coerces query-string values to the declared shapes (PROTOCOL.md §1.3).
/// Unknown keys are dropped; a value that does not coerce is a
/// `VALIDATION_ERROR` naming the field.
pub fn coerce_params<'a>(
    raw: &BTreeMap<String, String>,
    declared: impl Iterator<Item = (&'a str, &'a Shape)>,
) -> Result<Map<String, Value>, MizanError> {
    let mut out = Map::new();
    let mut errors = FieldErrors::new();
    for (name, shape) in declared {
        let Some(text) = raw.get(name) else { continue };
        match coerce(text, shape) {
            Ok(v) => {
                out.insert(name.to_owned(), v);
            }
            Err(msg) => {
                errors.insert(name.to_owned(), vec![msg]);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(MizanError::validation(errors))
    }
}

fn coerce(text: &str, shape: &Shape) -> Result<Value, String> {
    match shape {
        Shape::Optional(inner) => coerce(text, inner),
        Shape::String => Ok(Value::from(text)),
        Shape::Int => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{text}` is not an integer")),
        Shape::Float => match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Value::from(x)),
            _ => Err(format!("`{text}` is not a finite number")),
        },
        Shape::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not a boolean: use `true` or `false`")),
        },
        Shape::Enum(items) if items.iter().any(|i| i == text) => Ok(Value::from(text)),
        Shape::Enum(items) => Err(format!("`{text}` is not one of {}", items.join(", "))),
        // Named types and containers arrive as JSON text.
        _ => serde_json::from_str(text)
            .map_err(|_| format!("`{text}` is not valid JSON for this parameter")),
    }
}
