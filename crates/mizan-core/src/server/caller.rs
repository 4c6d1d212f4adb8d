//! Who is calling (../shared/spec/PROTOCOL.md §2): identity from request
//! headers, and the double-submit CSRF check for cookie sessions.

use http::HeaderMap;

use super::exchange::HostSession;
use super::handle::Server;
use crate::clock::unix_now;
use crate::csrf::{constant_time_eq, cookie_value};
use crate::error::{ErrorCode, MizanError};
use crate::identity::{Identity, IdentitySource};

impl Server {
    /// Resolves the caller from request headers (../shared/spec/PROTOCOL.md
    /// §2): MWT, then Bearer, then the host's session (or else the app's
    /// resolver), else anonymous. An invalid token is `401` with no fallback.
    pub(super) async fn identify(
        &self,
        headers: &HeaderMap,
        host: Option<&HostSession>,
    ) -> Result<Option<Identity>, MizanError> {
        if let Some(token) = headers.get("x-mizan-token") {
            let Some(mwt) = &self.inner.mwt else {
                return Err(MizanError::unauthorized(
                    "X-Mizan-Token was sent but this server does not accept MWTs",
                ));
            };
            let token = token
                .to_str()
                .map_err(|_| MizanError::unauthorized("Invalid token"))?;
            let claims = mwt.verify(token, unix_now()).map_err(|e| {
                MizanError::unauthorized(format!("Invalid token: {e}")).with_source(e)
            })?;
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
                    Err(err) if err.code() == ErrorCode::Unauthorized => Err(err),
                    Err(err) => {
                        Err(MizanError::unauthorized("Invalid bearer token").with_source(err))
                    }
                };
            }
        }
        if let Some(host) = host {
            return Ok(host
                .identity
                .clone()
                .map(|identity| identity.with_source(IdentitySource::Session)));
        }
        if let Some(resolve) = &self.inner.resolver {
            if let Some(identity) = resolve(headers).await {
                return Ok(Some(identity.with_source(IdentitySource::Session)));
            }
        }
        Ok(None)
    }

    /// The CSRF check for unsafe requests of cookie-session identities: the
    /// host's own verdict when it gave one, else the double-submit check
    /// (the header must equal the cookie).
    pub(super) fn check_csrf(
        &self,
        identity: Option<&Identity>,
        headers: &HeaderMap,
        host: Option<&HostSession>,
    ) -> Result<(), MizanError> {
        if identity.is_none_or(|id| id.source() != IdentitySource::Session) {
            return Ok(());
        }
        if let Some(verdict) = host.and_then(|h| h.csrf.as_ref()) {
            return verdict
                .clone()
                .map_err(|reason| MizanError::forbidden(format!("CSRF check failed: {reason}")));
        }
        let Some(csrf) = &self.inner.csrf else {
            return Ok(());
        };
        let cookie = cookie_value(headers, &csrf.cookie);
        let header = headers
            .get(csrf.header.as_str())
            .and_then(|v| v.to_str().ok());
        match (cookie, header) {
            (Some(c), Some(h)) if !c.is_empty() && constant_time_eq(c.as_bytes(), h.as_bytes()) => {
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
}
