//! [`ServerBuilder`]: configures a [`Server`] and checks the configuration
//! once, at startup.

use std::future::Future;
use std::sync::Arc;

use http::HeaderMap;

use super::config::{
    BearerVerifier, ConfigError, CsrfConfig, DEFAULT_BODY_LIMIT, DEFAULT_MOUNT,
    InvalidationListener, SessionResolver, SocketConfig,
};
use super::handle::{CacheSetup, Inner, Server, ServerRef};
use crate::cache::OriginCache;
use crate::error::MizanError;
use crate::identity::Identity;
use crate::live::{Bus, Limits, Live, LocalBus};
use crate::mwt::{MwtConfig, ensure_distinct_secrets};
use crate::registry::Registry;
use crate::request::AppState;

impl Server {
    /// A builder.
    ///
    /// ```
    /// use mizan_core::{Registry, Server};
    /// let server = Server::builder()
    ///     .registry(Registry::builder().build()?)
    ///     .body_limit(64 * 1024)
    ///     .build()?;
    /// assert_eq!(server.mount(), "/api/mizan");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }
}

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
    bus: Option<Arc<dyn Bus>>,
    live_limits: Option<Limits>,
    socket: Option<SocketConfig>,
}

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
    /// Caches context bundles at the origin (../shared/spec/CACHE.md), keyed with the
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
    /// The bus that carries pushes and channel messages between server
    /// instances (default: this process only). With several instances, give
    /// each the same shared bus (`mizan_redis::RedisBus`).
    #[must_use]
    pub fn bus(mut self, bus: impl Bus) -> Self {
        self.bus = Some(Arc::new(bus));
        self
    }
    /// What one live connection may hold (subscriptions, channels, queued
    /// pushes).
    #[must_use]
    pub fn live_limits(mut self, limits: Limits) -> Self {
        self.live_limits = Some(limits);
        self
    }
    /// How sockets are served: frame size, heartbeats, timeouts.
    #[must_use]
    pub fn socket(mut self, config: SocketConfig) -> Self {
        self.socket = Some(config);
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
            None => Registry::from_declarations()?,
        };
        if let (Some(mwt), Some(secret)) = (&self.mwt, &self.cache_secret) {
            ensure_distinct_secrets(mwt, secret).map_err(ConfigError::SecretReuse)?;
        }
        let cache = match (self.cache, self.cache_secret) {
            (Some(cache), Some(secret)) => Some(CacheSetup { cache, secret }),
            (Some(_), None) => return Err(ConfigError::CacheWithoutSecret),
            (None, _) => None,
        };
        let mut services = AppState::new();
        if let Some(mwt) = &self.mwt {
            services.insert(mwt.clone());
        }
        let live = Live::new(
            self.bus.unwrap_or_else(|| Arc::new(LocalBus::new())),
            self.live_limits.unwrap_or_default(),
        );
        Ok(Server {
            inner: Arc::new_cyclic(|me| {
                services.insert(ServerRef(me.clone()));
                Inner {
                    live,
                    socket: self.socket.unwrap_or_default(),
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
                    mount: self.mount.unwrap_or_else(|| DEFAULT_MOUNT.into()),
                }
            }),
        })
    }
}
