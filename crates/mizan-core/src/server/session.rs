//! `/session/` (../shared/spec/PROTOCOL.md §1.1): the CSRF token a
//! cookie-session client echoes on unsafe requests, and its cookie.

use http::HeaderMap;

use super::exchange::HostSession;
use super::handle::Server;
use super::outcome::SessionGrant;
use crate::csrf::{cookie_value, new_token};

impl Server {
    /// The CSRF token for this client: the one its cookie holds when that is
    /// well formed (so that several tabs agree), else a fresh one with the
    /// cookie that sets it; the host's token when it issues its own. `None`
    /// when the app has no cookie sessions.
    pub(super) fn grant_session(
        &self,
        headers: &HeaderMap,
        host: Option<&HostSession>,
    ) -> SessionGrant {
        if let Some(token) = host.and_then(|h| h.csrf_token.clone()) {
            return SessionGrant {
                csrf_token: Some(token),
                set_cookie: None,
            };
        }
        let Some(csrf) = &self.inner.csrf else {
            return SessionGrant {
                csrf_token: None,
                set_cookie: None,
            };
        };
        let existing = cookie_value(headers, &csrf.cookie)
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_owned);
        if let Some(token) = existing {
            return SessionGrant {
                csrf_token: Some(token),
                set_cookie: None,
            };
        }
        let token = new_token();
        let secure = if csrf.secure { "; Secure" } else { "" };
        let cookie = format!(
            "{}={token}; Path=/; SameSite=Lax; HttpOnly{secure}",
            csrf.cookie
        );
        SessionGrant {
            csrf_token: Some(token),
            set_cookie: Some(cookie),
        }
    }
}
