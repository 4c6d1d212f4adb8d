//! Cross-origin protection (../shared/spec/PROTOCOL.md §2): an unsafe
//! request that a browser marks as coming from another site is refused
//! unless its identity is a token — so a plain cross-site form post never
//! reaches a function, whatever ambient credential (a cookie, a local
//! network, a desktop host) the app relies on. In the spirit of Go 1.25's
//! `http.CrossOriginProtection`; the decisions are in `docs/protocol.md`.

use http::HeaderMap;
use http::header::{CONTENT_TYPE, HOST, ORIGIN};

use super::handle::Server;
use crate::error::{ErrorCode, MizanError};
use crate::identity::{Identity, IdentitySource};

/// How cross-origin requests are treated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossOrigin {
    /// Refuse unsafe cross-site requests without a token identity (default
    /// on).
    pub enabled: bool,
    /// Origins whose requests are treated as the server's own, e.g.
    /// `https://app.example.com` (scheme, host and port, as browsers send
    /// `Origin`).
    pub trusted: Vec<String>,
}

impl Default for CrossOrigin {
    fn default() -> Self {
        Self {
            enabled: true,
            trusted: Vec::new(),
        }
    }
}

impl Server {
    /// Refuses an unsafe request from another site (`Sec-Fetch-Site:
    /// cross-site`, or an `Origin` that is neither this server's nor
    /// trusted) unless the caller proved a token (MWT or Bearer): `403`.
    pub(super) fn check_cross_origin(
        &self,
        headers: &HeaderMap,
        identity: Option<&Identity>,
    ) -> Result<(), MizanError> {
        let policy = &self.inner.cross_origin;
        if !policy.enabled {
            return Ok(());
        }
        if identity
            .is_some_and(|id| matches!(id.source(), IdentitySource::Mwt | IdentitySource::Bearer))
        {
            return Ok(());
        }
        let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
        if let Some(origin) = origin {
            if policy
                .trusted
                .iter()
                .any(|t| t.eq_ignore_ascii_case(origin))
            {
                return Ok(());
            }
        }
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if fetch_site.is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
            return Err(refused("the browser marked it cross-site (Sec-Fetch-Site)"));
        }
        match origin {
            // Not a browser, or a same-origin GET-like request: nothing to
            // protect against (no ambient credential is being ridden).
            None => Ok(()),
            Some(origin) if is_own(origin, headers) => Ok(()),
            Some(origin) => Err(refused(&format!(
                "its Origin `{origin}` is not this server's"
            ))),
        }
    }
}

/// Whether `origin` (`scheme://host[:port]`) names the host the request was
/// sent to: its `Host`, or the `X-Forwarded-Host` a proxy in front set (a
/// page cannot set either on a request it makes cross-site without a CORS
/// preflight, which this server does not grant).
fn is_own(origin: &str, headers: &HeaderMap) -> bool {
    let Some((_, host)) = origin.split_once("://") else {
        return false; // `null`, or garbage
    };
    let host = host.trim_end_matches('/');
    [HOST.as_str(), "x-forwarded-host"].iter().any(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|sent| sent.split(',').any(|h| h.trim().eq_ignore_ascii_case(host)))
    })
}

fn refused(why: &str) -> MizanError {
    MizanError::forbidden(format!(
        "Cross-origin request refused: {why}. Send it from this server's own pages, add its origin to the trusted origins, or authenticate with a token (X-Mizan-Token or Authorization: Bearer)"
    ))
}

/// `POST /call/` takes `application/json` or `multipart/form-data` only:
/// any other body (a form's `text/plain` or urlencoded post, which needs no
/// CORS preflight) is `415`.
pub(super) fn check_call_media_type(headers: &HeaderMap) -> Result<(), MizanError> {
    let sent = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let essence = sent
        .map(|ct| ct.split(';').next().unwrap_or_default().trim())
        .unwrap_or_default();
    if essence.eq_ignore_ascii_case("application/json")
        || essence.eq_ignore_ascii_case("multipart/form-data")
    {
        return Ok(());
    }
    let what = match sent {
        Some(ct) => format!("`{ct}`"),
        None => "no Content-Type".to_owned(),
    };
    Err(MizanError::new(
        ErrorCode::UnsupportedMediaType,
        format!("POST /call/ takes application/json or multipart/form-data, not {what}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_static(k),
                    http::HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn the_own_origin_is_the_host_or_the_forwarded_host() {
        let h = headers(&[("host", "app.test:8080")]);
        assert!(is_own("http://app.test:8080", &h));
        assert!(is_own("https://APP.test:8080", &h));
        assert!(!is_own("http://app.test", &h));
        assert!(!is_own("http://evil.test:8080", &h));
        assert!(!is_own("null", &h));
        let proxied = headers(&[("host", "127.0.0.1:9000"), ("x-forwarded-host", "app.test")]);
        assert!(is_own("https://app.test", &proxied));
    }

    #[test]
    fn only_json_and_multipart_bodies_are_calls() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "Multipart/Form-Data; boundary=x",
        ] {
            let h: HeaderMap = [(CONTENT_TYPE, http::HeaderValue::from_static(ok))]
                .into_iter()
                .collect();
            assert!(check_call_media_type(&h).is_ok(), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/jsonx",
        ] {
            let h: HeaderMap = [(CONTENT_TYPE, http::HeaderValue::from_static(bad))]
                .into_iter()
                .collect();
            let err = check_call_media_type(&h).expect_err(bad);
            assert_eq!(
                (err.status(), err.code().as_str()),
                (415, "UNSUPPORTED_MEDIA_TYPE")
            );
        }
        assert!(check_call_media_type(&HeaderMap::new()).is_err());
    }
}
