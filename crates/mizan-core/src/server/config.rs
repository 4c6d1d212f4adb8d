//! What a server is configured with: identity hooks, CSRF names, listeners,
//! limits, and the errors a configuration can have.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;

use crate::error::MizanError;
use crate::function::BoxFuture;
use crate::identity::Identity;
use crate::invalidation::Target;
use crate::mwt::SecretReuse;
use crate::registry::RegistryError;

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

/// The default request body limit: 2 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The default mount point of the API.
pub const DEFAULT_MOUNT: &str = "/api/mizan";

/// Names of the CSRF cookie and header (double-submit,
/// ../shared/spec/PROTOCOL.md §2).
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

/// Why a [`Server`](super::Server) could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The declared functions do not form a valid graph.
    Registry(RegistryError),
    /// An origin cache was configured without the secret its keys need.
    CacheWithoutSecret,
    /// An MWT key's secret equals the cache secret.
    SecretReuse(SecretReuse),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Registry(err) => err.fmt(f),
            Self::CacheWithoutSecret => f.write_str(
                "the origin cache needs a secret to key its entries: call `cache_secret(...)` with at least 32 random bytes, distinct from the MWT secrets",
            ),
            Self::SecretReuse(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Registry(err) => Some(err),
            Self::SecretReuse(err) => Some(err),
            Self::CacheWithoutSecret => None,
        }
    }
}

impl From<RegistryError> for ConfigError {
    fn from(err: RegistryError) -> Self {
        Self::Registry(err)
    }
}

/// How sockets are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketConfig {
    /// Text frames longer than this are answered `PAYLOAD_TOO_LARGE` (the
    /// socket stays open). Adapters should let their library read frames up
    /// to [`SocketConfig::read_limit`].
    pub max_frame_bytes: usize,
    /// Frames of one connection handled at once; more wait (the socket is
    /// not read meanwhile).
    pub max_in_flight: usize,
    /// How often an idle socket is pinged.
    pub ping_interval: Duration,
    /// A socket that sent nothing (not even a pong) for this long is closed.
    pub idle_timeout: Duration,
    /// A frame the client does not take within this long closes the socket.
    pub write_timeout: Duration,
    /// The size of each socket's read and write buffers in the adapter's
    /// WebSocket library: what an idle socket costs (libraries default to
    /// 128 KiB each; larger frames still pass, in more reads).
    pub buffer_bytes: usize,
}

impl Default for SocketConfig {
    fn default() -> Self {
        Self {
            max_frame_bytes: 1024 * 1024,
            max_in_flight: 16,
            ping_interval: Duration::from_secs(25),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
            buffer_bytes: 8 * 1024,
        }
    }
}

impl SocketConfig {
    /// The largest frame an adapter's library should read at all: frames
    /// between [`max_frame_bytes`](Self::max_frame_bytes) and this are
    /// answered with an error; larger ones end the connection (they cannot
    /// be skipped without reading them).
    pub fn read_limit(&self) -> usize {
        self.max_frame_bytes.saturating_mul(4)
    }
}
