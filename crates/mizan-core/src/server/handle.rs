//! [`Server`]: the configured server, one cheap-to-clone handle shared by
//! every transport.

use std::fmt;
use std::sync::{Arc, Weak};

use http::HeaderMap;

use super::config::SocketConfig;
use super::config::{BearerVerifier, CsrfConfig, InvalidationListener, SessionResolver};
use crate::cache::{BackendError, OriginCache};
use crate::identity::Identity;
use crate::invalidation::Target;
use crate::live::Live;
use crate::mwt::MwtConfig;
use crate::registry::Registry;
use crate::request::{AppState, Request, Transport};

/// A configured Mizan server, cheap to clone and shared by every transport.
/// Requests enter it through [`Server::exchange`] (any transport) or
/// [`Server::serve_http`] (HTTP); build one with [`Server::builder`].
#[derive(Clone)]
pub struct Server {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) live: Live,
    pub(super) socket: SocketConfig,
    pub(super) registry: Registry,
    pub(super) state: Arc<AppState>,
    pub(super) services: Arc<AppState>,
    pub(super) mwt: Option<MwtConfig>,
    pub(super) bearer: Option<BearerVerifier>,
    pub(super) resolver: Option<SessionResolver>,
    pub(super) csrf: Option<CsrfConfig>,
    pub(super) listeners: Vec<Arc<dyn InvalidationListener>>,
    pub(super) cache: Option<CacheSetup>,
    pub(super) debug: bool,
    pub(super) body_limit: usize,
    pub(super) mount: String,
}

/// The server a request was made by, kept in the request's services so that
/// functions can publish; weak, so that a server does not keep itself alive.
pub(super) struct ServerRef(pub(super) Weak<Inner>);

impl ServerRef {
    pub(super) fn upgrade(&self) -> Option<Server> {
        self.0.upgrade().map(|inner| Server { inner })
    }
}

/// The origin cache with the secret its keys are derived from.
pub(super) struct CacheSetup {
    pub(super) cache: OriginCache,
    pub(super) secret: Vec<u8>,
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

impl Server {
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

    /// The handle a function receives for one request.
    pub(super) fn request_handle(
        &self,
        identity: Option<Identity>,
        headers: HeaderMap,
        transport: Transport,
    ) -> Request {
        Request::for_transport(
            identity,
            headers,
            transport,
            self.inner.state.clone(),
            self.inner.services.clone(),
        )
    }
}
