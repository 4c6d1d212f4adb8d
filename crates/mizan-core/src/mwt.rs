//! Mizan Web Token (../shared/spec/MWT.md): an HS256 JWT carried in `X-Mizan-Token`.
//!
//! ```
//! use mizan_core::mwt::{MwtConfig, MwtKey, MwtSubject};
//!
//! let config = MwtConfig::new(MwtKey::new("k1", "an-mwt-secret-of-32-bytes-or-more"));
//! let subject = MwtSubject::new("42").with_perms(["shop.view_order"]);
//! let token = config.mint(&subject, 1_700_000_000);
//! let claims = config.verify(&token, 1_700_000_100)?;
//! assert_eq!(claims.sub, "42");
//! assert_eq!(claims.perms, ["shop.view_order"]);
//! # Ok::<(), mizan_core::mwt::MwtError>(())
//! ```
//!
//! Tokens are byte-for-byte deterministic: header and payload are canonical
//! JSON (../shared/spec/PROTOCOL.md §5), so every implementation mints the same token for the
//! same inputs, which the shared vectors in `tests/vectors/mwt.json` pin.
//!
//! Verification runs these checks in this order and stops at the first
//! failure, so that every implementation reports the same error:
//!
//! 1. three segments; the header decodes to a JSON object without `crit`
//!    whose `alg` and `kid` are strings or absent (`null` counts as absent);
//!    the signature decodes → [`MwtError::Malformed`];
//! 2. `alg` is `HS256` → [`MwtError::UnsupportedAlgorithm`];
//! 3. `kid` is present and configured → [`MwtError::UnknownKey`];
//! 4. the signature matches → [`MwtError::BadSignature`];
//! 5. the payload decodes to the claims (`sub`, `pkey`, `aud`, `iat`, `nbf`,
//!    `exp` required) → [`MwtError::Malformed`];
//! 6. `exp + leeway > now` → [`MwtError::Expired`];
//! 7. `nbf <= now + leeway` → [`MwtError::NotYetValid`];
//! 8. `aud` (a string or an array) names the audience →
//!    [`MwtError::WrongAudience`];
//! 9. `pkey` matches `perms`, `staff` and `superuser` →
//!    [`MwtError::InconsistentClaims`].

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canonical::{canonical_json, lower_hex};

/// The audience a [`MwtConfig`] mints for and accepts unless told otherwise.
pub const DEFAULT_AUDIENCE: &str = "mizan";
/// How long a minted token stays valid unless told otherwise.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);
/// The clock skew tolerated on `exp` and `nbf` unless told otherwise.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

/// The only signing algorithm MWT uses.
const ALGORITHM: &str = "HS256";

type HmacSha256 = Hmac<Sha256>;

/// A named HMAC secret. The `kid` travels in every token's header so that the
/// verifier can pick the right secret while keys rotate.
#[derive(Clone)]
pub struct MwtKey {
    /// The key id written to the JOSE header (`kid`).
    pub kid: String,
    secret: Vec<u8>,
}

impl MwtKey {
    /// A key named `kid` with the HMAC secret `secret`.
    pub fn new(kid: impl Into<String>, secret: impl Into<Vec<u8>>) -> Self {
        Self {
            kid: kid.into(),
            secret: secret.into(),
        }
    }

    fn mac(&self, signing_input: &[u8]) -> HmacSha256 {
        // HMAC accepts keys of any length; `new_from_slice` cannot fail here.
        let mut mac = HmacSha256::new_from_slice(&self.secret)
            .expect("HMAC-SHA256 accepts keys of any length");
        mac.update(signing_input);
        mac
    }
}

impl fmt::Debug for MwtKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MwtKey")
            .field("kid", &self.kid)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// How tokens are minted and verified: the keys, the audience, the lifetime
/// and the tolerated clock skew.
///
/// The first key is the primary: it signs. Every key verifies, so a secret can
/// be rotated with an overlap window by making the new key primary and keeping
/// the old one for as long as its tokens live:
///
/// ```
/// use std::time::Duration;
/// use mizan_core::mwt::{MwtConfig, MwtKey};
///
/// let config = MwtConfig::new(MwtKey::new("2025-06", "new-secret-new-secret-new-secret"))
///     .with_key(MwtKey::new("2025-01", "old-secret-old-secret-old-secret"))
///     .with_ttl(Duration::from_secs(600))
///     .with_leeway(Duration::from_secs(10));
/// assert_eq!(config.primary_kid(), "2025-06");
/// assert_eq!(config.audience(), "mizan");
/// ```
///
/// Its `Debug` output names the keys but never shows a secret.
#[derive(Clone, Debug)]
pub struct MwtConfig {
    primary: MwtKey,
    /// Verification-only keys, in the order they were added.
    others: Vec<MwtKey>,
    audience: String,
    ttl: Duration,
    leeway: Duration,
}

impl MwtConfig {
    /// A configuration that signs with `primary`, for [`DEFAULT_AUDIENCE`],
    /// with [`DEFAULT_TTL`] and [`DEFAULT_LEEWAY`].
    pub fn new(primary: MwtKey) -> Self {
        Self {
            primary,
            others: Vec::new(),
            audience: DEFAULT_AUDIENCE.to_owned(),
            ttl: DEFAULT_TTL,
            leeway: DEFAULT_LEEWAY,
        }
    }

    /// Also accepts tokens signed with `key` (for example the previous key
    /// during a rotation). It never signs.
    ///
    /// Key ids should be unique; if two keys share one, a token naming it is
    /// accepted when either secret verifies it.
    #[must_use]
    pub fn with_key(mut self, key: MwtKey) -> Self {
        self.others.push(key);
        self
    }

    /// Mints for and accepts only `audience` (the `aud` claim).
    #[must_use]
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// Minted tokens expire `ttl` after they are issued (whole seconds; any
    /// fraction is dropped).
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Tolerates clocks that disagree by up to `leeway` (whole seconds) when
    /// checking `exp` and `nbf`.
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The id of the key that signs.
    pub fn primary_kid(&self) -> &str {
        &self.primary.kid
    }

    /// The ids of every key that verifies, primary first.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys().map(|key| key.kid.as_str())
    }

    fn keys(&self) -> impl Iterator<Item = &MwtKey> {
        std::iter::once(&self.primary).chain(&self.others)
    }

    /// The audience tokens are minted for and checked against.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The lifetime of a minted token (what `mwt_obtain` reports as
    /// `expires_in`).
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The clock skew tolerated on `exp` and `nbf`.
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    /// The claims a token minted for `subject` at `now_unix` carries:
    /// `iat = nbf = now`, `exp = now + ttl`, permissions sorted and
    /// de-duplicated, `pkey` computed from them.
    pub fn claims_for(&self, subject: &MwtSubject, now_unix: u64) -> MwtClaims {
        let perms = sorted_unique(&subject.perms);
        MwtClaims {
            sub: subject.id.clone(),
            pkey: permission_key(&perms, subject.staff, subject.superuser),
            aud: vec![self.audience.clone()],
            iat: now_unix,
            nbf: now_unix,
            exp: now_unix.saturating_add(self.ttl.as_secs()),
            staff: subject.staff,
            superuser: subject.superuser,
            perms,
        }
    }

    /// Mints a token for `subject`, issued at `now_unix` (seconds since the
    /// Unix epoch) and signed with the primary key.
    ///
    /// The same inputs always give the same token.
    pub fn mint(&self, subject: &MwtSubject, now_unix: u64) -> String {
        let claims = self.claims_for(subject, now_unix);
        let key = &self.primary;
        let header = Value::Object(Map::from_iter([
            ("alg".to_owned(), Value::from(ALGORITHM)),
            ("kid".to_owned(), Value::from(key.kid.as_str())),
            ("typ".to_owned(), Value::from("JWT")),
        ]));
        let mut token = URL_SAFE_NO_PAD.encode(canonical_json(&header));
        token.push('.');
        // Serializing strings, integers and booleans cannot fail.
        let payload = serde_json::to_value(&claims).expect("claims serialize to JSON");
        token.push_str(&URL_SAFE_NO_PAD.encode(canonical_json(&payload)));
        let signature = key.mac(token.as_bytes()).finalize().into_bytes();
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        token
    }

    /// Verifies `token` at `now_unix` (seconds since the Unix epoch) and
    /// returns its claims, with `perms` sorted and de-duplicated.
    ///
    /// Every failure maps to `401 UNAUTHORIZED` at the protocol level; the
    /// error says which check failed, in the order listed in the module
    /// documentation. Base64url segments must be unpadded and canonical
    /// (unused trailing bits zero), so that a token has one spelling only.
    pub fn verify(&self, token: &str, now_unix: u64) -> Result<MwtClaims, MwtError> {
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(MwtError::Malformed);
        };

        // Decode everything the signature check needs before judging any of it.
        let header = decode_object(header_b64)?;
        if header.contains_key("crit") {
            // RFC 7515 §4.1.11: extensions we do not understand must be refused.
            return Err(MwtError::Malformed);
        }
        let alg = optional_str(&header, "alg")?;
        let kid = optional_str(&header, "kid")?;
        let signature = decode_b64(signature_b64)?;

        if alg != Some(ALGORITHM) {
            return Err(MwtError::UnsupportedAlgorithm);
        }
        let Some(kid) = kid else {
            return Err(MwtError::UnknownKey);
        };
        let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
        let mut known_kid = false;
        let mut signed = false;
        for key in self.keys().filter(|key| key.kid == kid) {
            known_kid = true;
            // `verify_slice` compares in constant time.
            if key.mac(signing_input).verify_slice(&signature).is_ok() {
                signed = true;
                break;
            }
        }
        if !known_kid {
            return Err(MwtError::UnknownKey);
        }
        if !signed {
            return Err(MwtError::BadSignature);
        }

        let payload = decode_object(payload_b64)?;
        let mut claims =
            MwtClaims::deserialize(Value::Object(payload)).map_err(|_| MwtError::Malformed)?;

        let leeway = self.leeway.as_secs();
        if claims.exp.saturating_add(leeway) <= now_unix {
            return Err(MwtError::Expired);
        }
        if claims.nbf > now_unix.saturating_add(leeway) {
            return Err(MwtError::NotYetValid);
        }
        if !claims.aud.contains(&self.audience) {
            return Err(MwtError::WrongAudience);
        }
        claims.perms = sorted_unique(&claims.perms);
        if claims.pkey != permission_key(&claims.perms, claims.staff, claims.superuser) {
            return Err(MwtError::InconsistentClaims);
        }
        Ok(claims)
    }
}

/// A header member that must be a string when present (`null` counts as
/// absent).
fn optional_str<'a>(
    header: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, MwtError> {
    match header.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(MwtError::Malformed),
    }
}

fn decode_b64(segment: &str) -> Result<Vec<u8>, MwtError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| MwtError::Malformed)
}

/// A base64url segment holding a JSON object. Parsing into a map first keeps
/// arrays from passing as structs and lets a repeated member win last, as
/// `JSON.parse` and Python's `json` do.
fn decode_object(segment: &str) -> Result<Map<String, Value>, MwtError> {
    serde_json::from_slice(&decode_b64(segment)?).map_err(|_| MwtError::Malformed)
}

fn sorted_unique(perms: &[String]) -> Vec<String> {
    let mut perms = perms.to_vec();
    perms.sort_unstable();
    perms.dedup();
    perms
}

/// Who a token is minted for: the user id and the roles that `auth=` checks
/// read without a database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MwtSubject {
    /// The user id, as a string (`sub`).
    pub id: String,
    /// Whether the user is staff.
    pub staff: bool,
    /// Whether the user is a superuser.
    pub superuser: bool,
    /// The user's permission strings, in any order (duplicates are dropped).
    pub perms: Vec<String>,
}

impl MwtSubject {
    /// A plain user with no roles and no permissions.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// Sets whether the user is staff.
    #[must_use]
    pub fn with_staff(mut self, staff: bool) -> Self {
        self.staff = staff;
        self
    }

    /// Sets whether the user is a superuser.
    #[must_use]
    pub fn with_superuser(mut self, superuser: bool) -> Self {
        self.superuser = superuser;
        self
    }

    /// Sets the user's permissions.
    #[must_use]
    pub fn with_perms<I, S>(mut self, perms: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.perms = perms.into_iter().map(Into::into).collect();
        self
    }
}

/// The payload of an MWT.
///
/// `staff` and `superuser` are written only when true and `perms` only when
/// not empty; absent, they read as false and empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MwtClaims {
    /// The user id.
    pub sub: String,
    /// [`permission_key`] of `perms`, `staff` and `superuser`: keys the cache.
    pub pkey: String,
    /// The audiences. Minted tokens carry one, written as a plain string; a
    /// token may also carry a JSON array of them.
    #[serde(serialize_with = "serialize_audience")]
    #[serde(deserialize_with = "deserialize_audience")]
    pub aud: Vec<String>,
    /// Issued at (seconds since the Unix epoch).
    pub iat: u64,
    /// Not before (seconds since the Unix epoch); equals `iat` when minted.
    pub nbf: u64,
    /// Expires at (seconds since the Unix epoch).
    pub exp: u64,
    /// Whether the user is staff.
    #[serde(default, skip_serializing_if = "is_false")]
    pub staff: bool,
    /// Whether the user is a superuser.
    #[serde(default, skip_serializing_if = "is_false")]
    pub superuser: bool,
    /// The user's permissions, sorted by byte order and de-duplicated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub perms: Vec<String>,
}

impl MwtClaims {
    /// The subject these claims describe.
    pub fn subject(&self) -> MwtSubject {
        MwtSubject {
            id: self.sub.clone(),
            staff: self.staff,
            superuser: self.superuser,
            perms: self.perms.clone(),
        }
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn serialize_audience<S: Serializer>(aud: &[String], serializer: S) -> Result<S::Ok, S::Error> {
    match aud {
        [one] => serializer.serialize_str(one),
        many => many.serialize(serializer),
    }
}

fn deserialize_audience<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    match OneOrMany::deserialize(deserializer) {
        Ok(OneOrMany::One(one)) => Ok(vec![one]),
        Ok(OneOrMany::Many(many)) => Ok(many),
        Err(_) => Err(de::Error::custom(
            "`aud` must be a string or an array of strings",
        )),
    }
}

/// The permission key (`pkey`): lowercase hex SHA-256 of the canonical JSON
/// `{"perms":[…],"staff":…,"superuser":…}`, with `perms` sorted by byte order
/// and de-duplicated, so that equal permission states give equal keys.
///
/// ```
/// use mizan_core::mwt::permission_key;
///
/// let a = permission_key(&["b".into(), "a".into()], false, false);
/// let b = permission_key(&["a".into(), "b".into(), "a".into()], false, false);
/// assert_eq!(a, b);
/// assert_eq!(a.len(), 64);
/// ```
pub fn permission_key(perms: &[String], staff: bool, superuser: bool) -> String {
    let state = Value::Object(Map::from_iter([
        ("perms".to_owned(), Value::from(sorted_unique(perms))),
        ("staff".to_owned(), Value::Bool(staff)),
        ("superuser".to_owned(), Value::Bool(superuser)),
    ]));
    lower_hex(&Sha256::digest(canonical_json(&state).as_bytes()))
}

/// The startup check of ../shared/spec/MWT.md: the MWT secrets must differ from the cache
/// secret, or whoever learns one learns both.
///
/// The error names the offending key id, never a secret.
///
/// ```
/// use mizan_core::mwt::{ensure_distinct_secrets, MwtConfig, MwtKey};
///
/// let config = MwtConfig::new(MwtKey::new("k1", "same-secret"));
/// assert!(ensure_distinct_secrets(&config, b"same-secret").is_err());
/// assert!(ensure_distinct_secrets(&config, b"other-secret").is_ok());
/// ```
pub fn ensure_distinct_secrets(mwt: &MwtConfig, cache_secret: &[u8]) -> Result<(), SecretReuse> {
    match mwt.keys().find(|key| key.secret == cache_secret) {
        Some(key) => Err(SecretReuse {
            kid: key.kid.clone(),
        }),
        None => Ok(()),
    }
}

/// An MWT key whose secret equals the cache secret (a startup error: a
/// leaked cache key must never forge identities, nor the reverse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretReuse {
    /// The key id of the MWT key that reuses the secret.
    pub kid: String,
}

impl fmt::Display for SecretReuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the MWT secret of key `{}` equals the cache secret; configure different secrets",
            self.kid
        )
    }
}

impl std::error::Error for SecretReuse {}

/// Why a token was refused. Every variant means `401 UNAUTHORIZED`; the
/// messages are short, safe to show, and never echo the token or a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MwtError {
    /// Not three base64url segments, or a header or payload that is not the
    /// expected JSON object.
    Malformed,
    /// The header names an algorithm other than HS256 (`none` included).
    UnsupportedAlgorithm,
    /// The header has no `kid`, or names a key that is not configured.
    UnknownKey,
    /// The signature does not match the named key.
    BadSignature,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nbf` is still ahead (beyond the leeway).
    NotYetValid,
    /// `aud` does not name the configured audience.
    WrongAudience,
    /// The signature is valid but `pkey` does not match the token's own
    /// `perms`, `staff` and `superuser`: the issuer is broken, so the roles
    /// cannot be trusted to key the cache.
    InconsistentClaims,
}

impl MwtError {
    /// A stable machine name for the failure, as used by the shared test
    /// vectors (`"malformed"`, `"expired"`, …).
    pub fn kind(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::WrongAudience => "wrong_audience",
            Self::InconsistentClaims => "inconsistent_claims",
        }
    }
}

impl fmt::Display for MwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "malformed token",
            Self::UnsupportedAlgorithm => "unsupported token algorithm",
            Self::UnknownKey => "token signed with an unknown key",
            Self::BadSignature => "invalid token signature",
            Self::Expired => "token has expired",
            Self::NotYetValid => "token is not valid yet",
            Self::WrongAudience => "token is for another audience",
            Self::InconsistentClaims => "token permission key does not match its claims",
        })
    }
}

impl std::error::Error for MwtError {}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    fn config() -> MwtConfig {
        MwtConfig::new(MwtKey::new("k1", "mwt-secret-one-mwt-secret-one-32"))
    }

    fn subject() -> MwtSubject {
        MwtSubject::new("42")
            .with_staff(true)
            .with_perms(["shop.view", "shop.edit", "shop.view"])
    }

    fn segment_json(token: &str, index: usize) -> Value {
        let segment = token.split('.').nth(index).unwrap_or_default();
        let bytes = URL_SAFE_NO_PAD.decode(segment).unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    }

    /// Signs `header` and `payload` (raw JSON text) with `secret`.
    fn forge(header: &str, payload: &str, secret: &[u8]) -> String {
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(payload));
        let signature = MwtKey::new("x", secret).mac(token.as_bytes()).finalize();
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature.into_bytes()));
        token
    }

    fn valid_payload(extra: &str) -> String {
        let pkey = permission_key(&[], false, false);
        format!(
            r#"{{"aud":"mizan","exp":{},"iat":{NOW},"nbf":{NOW},"pkey":"{pkey}","sub":"7"{extra}}}"#,
            NOW + 300
        )
    }

    const HEADER: &str = r#"{"alg":"HS256","kid":"k1","typ":"JWT"}"#;
    const SECRET: &[u8] = b"mwt-secret-one-mwt-secret-one-32";

    #[test]
    fn mint_writes_the_pinned_header_and_canonical_claims() {
        let token = config().mint(&subject(), NOW);
        let header = token.split('.').next().unwrap_or_default();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(header).unwrap_or_default(),
            HEADER.as_bytes()
        );
        let payload = token.split('.').nth(1).unwrap_or_default();
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap_or_default())
            .unwrap_or_default();
        let pkey = permission_key(&["shop.edit".into(), "shop.view".into()], true, false);
        assert_eq!(
            payload,
            format!(
                r#"{{"aud":"mizan","exp":{},"iat":{NOW},"nbf":{NOW},"perms":["shop.edit","shop.view"],"pkey":"{pkey}","staff":true,"sub":"42"}}"#,
                NOW + 300
            )
        );
        assert!(!token.contains('='));
    }

    #[test]
    fn mint_is_deterministic() {
        assert_eq!(
            config().mint(&subject(), NOW),
            config().mint(&subject(), NOW)
        );
        assert_ne!(
            config().mint(&subject(), NOW),
            config().mint(&subject(), NOW + 1)
        );
    }

    #[test]
    fn mint_omits_false_roles_and_empty_perms() {
        let token = config().mint(&MwtSubject::new("1"), NOW);
        let payload = segment_json(&token, 1);
        let keys: Vec<&String> = payload
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["aud", "exp", "iat", "nbf", "pkey", "sub"]);
    }

    #[test]
    fn audience_serializes_as_a_string_when_single() {
        let claims = config().claims_for(&subject(), NOW);
        let json = serde_json::to_value(&claims).unwrap_or(Value::Null);
        assert_eq!(json["aud"], "mizan");
        let many = MwtClaims {
            aud: vec!["a".into(), "b".into()],
            ..claims
        };
        let json = serde_json::to_value(&many).unwrap_or(Value::Null);
        assert_eq!(json["aud"], serde_json::json!(["a", "b"]));
    }

    #[test]
    fn verify_round_trips() -> Result<(), MwtError> {
        let config = config();
        let claims = config.verify(&config.mint(&subject(), NOW), NOW + 10)?;
        assert_eq!(claims, config.claims_for(&subject(), NOW));
        assert_eq!(claims.perms, ["shop.edit", "shop.view"]);
        assert_eq!(claims.subject().perms, claims.perms);
        assert!(claims.staff && !claims.superuser);
        assert_eq!(claims.exp, NOW + 300);
        Ok(())
    }

    #[test]
    fn verify_honours_exp_and_nbf_with_leeway() {
        let config = config().with_leeway(Duration::from_secs(30));
        let token = config.mint(&subject(), NOW);
        let exp = NOW + 300;
        assert!(config.verify(&token, exp + 29).is_ok());
        assert_eq!(config.verify(&token, exp + 30), Err(MwtError::Expired));
        assert!(config.verify(&token, NOW - 30).is_ok());
        assert_eq!(config.verify(&token, NOW - 31), Err(MwtError::NotYetValid));

        let strict = config.with_leeway(Duration::ZERO);
        assert!(strict.verify(&token, exp - 1).is_ok());
        assert_eq!(strict.verify(&token, exp), Err(MwtError::Expired));
        assert_eq!(strict.verify(&token, NOW - 1), Err(MwtError::NotYetValid));
        // Early clocks near zero must not underflow.
        assert_eq!(
            strict.verify(&strict.mint(&subject(), 0), 0).map(|c| c.iat),
            Ok(0)
        );
    }

    #[test]
    fn ttl_is_configurable_and_saturates() -> Result<(), MwtError> {
        let config = config().with_ttl(Duration::from_millis(60_900));
        assert_eq!(config.claims_for(&subject(), NOW).exp, NOW + 60);
        let config = config.with_ttl(Duration::from_secs(u64::MAX));
        let claims = config.verify(&config.mint(&subject(), NOW), NOW)?;
        assert_eq!(claims.exp, u64::MAX);
        Ok(())
    }

    #[test]
    fn verify_supports_rotation() -> Result<(), MwtError> {
        let old = config();
        let new = MwtConfig::new(MwtKey::new("k2", "mwt-secret-two-mwt-secret-two-32"))
            .with_key(MwtKey::new("k1", SECRET));
        assert_eq!(new.primary_kid(), "k2");
        assert_eq!(new.kids().collect::<Vec<_>>(), ["k2", "k1"]);
        new.verify(&old.mint(&subject(), NOW), NOW)?;
        new.verify(&new.mint(&subject(), NOW), NOW)?;
        assert_eq!(
            old.verify(&new.mint(&subject(), NOW), NOW),
            Err(MwtError::UnknownKey)
        );
        Ok(())
    }

    #[test]
    fn verify_rejects_wrong_audience() -> Result<(), MwtError> {
        let token = config().mint(&subject(), NOW);
        let other = config().with_audience("other");
        assert_eq!(other.audience(), "other");
        assert_eq!(other.verify(&token, NOW), Err(MwtError::WrongAudience));
        other.verify(&other.mint(&subject(), NOW), NOW)?;
        Ok(())
    }

    #[test]
    fn verify_accepts_audience_arrays_containing_ours() -> Result<(), MwtError> {
        let pkey = permission_key(&[], false, false);
        let payload = |aud: &str| {
            format!(
                r#"{{"aud":{aud},"exp":{},"iat":{NOW},"nbf":{NOW},"pkey":"{pkey}","sub":"7"}}"#,
                NOW + 300
            )
        };
        let claims = config().verify(&forge(HEADER, &payload(r#"["x","mizan"]"#), SECRET), NOW)?;
        assert_eq!(claims.aud, ["x", "mizan"]);
        for aud in [r#"["x"]"#, "[]", r#""Mizan""#] {
            let token = forge(HEADER, &payload(aud), SECRET);
            assert_eq!(
                config().verify(&token, NOW),
                Err(MwtError::WrongAudience),
                "{aud}"
            );
        }
        for aud in ["1", "null", r#"[1]"#, r#"{"a":1}"#] {
            let token = forge(HEADER, &payload(aud), SECRET);
            assert_eq!(
                config().verify(&token, NOW),
                Err(MwtError::Malformed),
                "{aud}"
            );
        }
        Ok(())
    }

    #[test]
    fn verify_rejects_other_algorithms() {
        let payload = valid_payload("");
        for header in [
            r#"{"alg":"none","kid":"k1","typ":"JWT"}"#,
            r#"{"alg":"HS512","kid":"k1"}"#,
            r#"{"alg":"hs256","kid":"k1"}"#,
            r#"{"alg":"RS256","kid":"k1"}"#,
            r#"{"kid":"k1","typ":"JWT"}"#,
        ] {
            let token = forge(header, &payload, SECRET);
            assert_eq!(
                config().verify(&token, NOW),
                Err(MwtError::UnsupportedAlgorithm),
                "{header}"
            );
        }
        // The classic unsigned token, with an empty signature segment.
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(&payload)
        );
        assert_eq!(
            config().verify(&unsigned, NOW),
            Err(MwtError::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn verify_rejects_missing_or_unknown_kid() {
        let payload = valid_payload("");
        for header in [
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"alg":"HS256","kid":null}"#,
            r#"{"alg":"HS256","kid":"k9"}"#,
            r#"{"alg":"HS256","kid":""}"#,
        ] {
            let token = forge(header, &payload, SECRET);
            assert_eq!(
                config().verify(&token, NOW),
                Err(MwtError::UnknownKey),
                "{header}"
            );
        }
    }

    #[test]
    fn verify_checks_the_signature() {
        let payload = valid_payload("");
        assert!(
            config()
                .verify(&forge(HEADER, &payload, SECRET), NOW)
                .is_ok()
        );
        let wrong = forge(HEADER, &payload, b"another-secret");
        assert_eq!(config().verify(&wrong, NOW), Err(MwtError::BadSignature));

        // Re-signed payload with the original signature: a privilege escalation attempt.
        let good = forge(HEADER, &payload, SECRET);
        let escalated = forge(HEADER, &valid_payload(r#","superuser":true"#), b"guess");
        let parts: Vec<&str> = good.split('.').collect();
        let other: Vec<&str> = escalated.split('.').collect();
        let spliced = format!("{}.{}.{}", parts[0], other[1], parts[2]);
        assert_eq!(config().verify(&spliced, NOW), Err(MwtError::BadSignature));
        // A truncated signature is not a prefix match.
        let truncated = format!("{}.{}.{}", parts[0], parts[1], &parts[2][..20]);
        assert_eq!(
            config().verify(&truncated, NOW),
            Err(MwtError::BadSignature)
        );
        let empty = format!("{}.{}.", parts[0], parts[1]);
        assert_eq!(config().verify(&empty, NOW), Err(MwtError::BadSignature));
    }

    #[test]
    fn verify_rejects_inconsistent_pkey() {
        let forged = valid_payload(r#","superuser":true"#);
        let token = forge(HEADER, &forged, SECRET);
        assert_eq!(
            config().verify(&token, NOW),
            Err(MwtError::InconsistentClaims)
        );
    }

    #[test]
    fn verify_normalises_perm_order() -> Result<(), MwtError> {
        let pkey = permission_key(&["a".into(), "b".into()], false, false);
        let payload = format!(
            r#"{{"aud":"mizan","exp":{},"iat":{NOW},"nbf":{NOW},"perms":["b","a","b"],"pkey":"{pkey}","sub":"7"}}"#,
            NOW + 300
        );
        let claims = config().verify(&forge(HEADER, &payload, SECRET), NOW)?;
        assert_eq!(claims.perms, ["a", "b"]);
        Ok(())
    }

    #[test]
    fn verify_rejects_malformed_tokens() {
        let good = config().mint(&subject(), NOW);
        let (head, _) = good.split_once('.').unwrap_or_default();
        let malformed = [
            String::new(),
            ".".into(),
            "..".into(),
            "...".into(),
            "a.b".into(),
            format!("{good}."),
            format!("{good}.x"),
            format!(".{good}"),
            good.replacen('.', "..", 1),
            format!("{head}=.x.y"),
            format!("{}.e30.", URL_SAFE_NO_PAD.encode("[]")),
            format!("{}.e30.", URL_SAFE_NO_PAD.encode("not json")),
            format!("{}.e30.", URL_SAFE_NO_PAD.encode(r#"{"alg":1}"#)),
            format!(
                "{}.e30.",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":7}"#)
            ),
            format!(
                "{}.e30.",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":"k1","crit":["exp"]}"#)
            ),
            format!("{head}.e30.!!!"),
            good.replace('-', "+").replace('_', "/") + "+/",
        ];
        for token in &malformed {
            assert_eq!(
                config().verify(token, NOW),
                Err(MwtError::Malformed),
                "{token:?}"
            );
        }
    }

    #[test]
    fn verify_rejects_signed_but_malformed_payloads() {
        for payload in [
            "[]".to_owned(),
            "not json".to_owned(),
            "{}".to_owned(),
            valid_payload(r#","exp":1.5"#),
            valid_payload(r#","iat":-1"#),
            valid_payload(r#","staff":"yes""#),
            valid_payload(r#","perms":"a""#),
            r#"{"aud":"mizan","exp":1,"iat":1,"nbf":1,"sub":"7"}"#.to_owned(),
        ] {
            let token = forge(HEADER, &payload, SECRET);
            assert_eq!(
                config().verify(&token, NOW),
                Err(MwtError::Malformed),
                "{payload}"
            );
        }
    }

    #[test]
    fn verify_requires_canonical_base64() {
        let token = config().mint(&subject(), NOW);
        // A 32-byte signature is 43 characters; the last one carries 2 unused
        // bits. Setting them gives a second spelling of the same bytes.
        let (rest, signature) = token.rsplit_once('.').unwrap_or_default();
        let last = signature.chars().last().unwrap_or('A');
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let index = alphabet.find(last).unwrap_or(0);
        let twin = alphabet.chars().nth(index | 1).unwrap_or('B');
        assert_ne!(twin, last);
        let malleable = format!("{rest}.{}{twin}", &signature[..signature.len() - 1]);
        assert_eq!(config().verify(&malleable, NOW), Err(MwtError::Malformed));
    }

    #[test]
    fn verify_never_panics_on_mangled_tokens() {
        let config = config();
        let good = config.mint(&subject(), NOW);
        let bytes = good.as_bytes();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let charset = b"ABCxyz019-_.=+/ \x00\xc3\xa9{}\"";
        for cut in 0..=bytes.len() {
            // Every prefix, including the empty one.
            let prefix = String::from_utf8_lossy(&bytes[..cut]);
            assert!(config.verify(&prefix, NOW).is_err() || cut == bytes.len());
        }
        for _ in 0..5_000 {
            let mut mangled = bytes.to_vec();
            for _ in 0..1 + next() % 4 {
                let at = (next() % mangled.len() as u64) as usize;
                match next() % 3 {
                    0 => mangled[at] = charset[(next() % charset.len() as u64) as usize],
                    1 => {
                        mangled.remove(at);
                    }
                    _ => mangled.insert(at, charset[(next() % charset.len() as u64) as usize]),
                }
                if mangled.is_empty() {
                    mangled.push(b'.');
                }
            }
            let text = String::from_utf8_lossy(&mangled);
            if text != good {
                assert!(config.verify(&text, NOW).is_err(), "{text}");
            }
        }
        for _ in 0..2_000 {
            let len = (next() % 200) as usize;
            let random: String = (0..len)
                .map(|_| char::from(charset[(next() % charset.len() as u64) as usize]))
                .collect();
            assert!(config.verify(&random, NOW).is_err());
        }
    }

    #[test]
    fn permission_key_is_order_and_duplicate_insensitive() {
        let a = permission_key(&["x".into(), "y".into()], true, false);
        assert_eq!(
            a,
            permission_key(&["y".into(), "x".into(), "y".into()], true, false)
        );
        assert_ne!(a, permission_key(&["x".into(), "y".into()], false, false));
        assert_ne!(a, permission_key(&["x".into(), "y".into()], true, true));
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }

    #[test]
    fn permission_key_hashes_the_canonical_state() {
        let expected = lower_hex(&Sha256::digest(
            br#"{"perms":["a.b","z"],"staff":false,"superuser":true}"#,
        ));
        assert_eq!(
            permission_key(&["z".into(), "a.b".into()], false, true),
            expected
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let config = config().with_key(MwtKey::new("k2", "second-secret-value"));
        let text = format!("{config:?} {:?}", MwtKey::new("k3", "third-secret-value"));
        assert!(text.contains("k1") && text.contains("k2") && text.contains("k3"));
        assert!(!text.contains("mwt-secret-one"));
        assert!(!text.contains("second-secret"));
        assert!(!text.contains("third-secret"));
    }

    #[test]
    fn distinct_secrets_are_enforced_for_every_key() {
        let config = config().with_key(MwtKey::new("old", "cache-secret"));
        let err = ensure_distinct_secrets(&config, b"cache-secret")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("`old`"), "{err}");
        assert!(!err.contains("cache-secret"), "{err}");
        assert!(ensure_distinct_secrets(&config, SECRET).is_err());
        assert!(ensure_distinct_secrets(&config, b"unrelated").is_ok());
    }

    #[test]
    fn errors_have_short_messages_and_stable_kinds() {
        let all = [
            MwtError::Malformed,
            MwtError::UnsupportedAlgorithm,
            MwtError::UnknownKey,
            MwtError::BadSignature,
            MwtError::Expired,
            MwtError::NotYetValid,
            MwtError::WrongAudience,
            MwtError::InconsistentClaims,
        ];
        let mut kinds: Vec<&str> = all.iter().map(|e| e.kind()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), all.len());
        for error in all {
            let message = error.to_string();
            assert!(!message.is_empty() && message.len() < 60, "{message}");
            let _: &dyn std::error::Error = &error;
        }
    }

    #[test]
    fn defaults_follow_the_spec() {
        let config = config();
        assert_eq!(config.audience(), "mizan");
        assert_eq!(config.ttl(), Duration::from_secs(300));
        assert_eq!(config.leeway(), Duration::from_secs(30));
        assert_eq!(
            segment_json(&config.mint(&subject(), NOW), 1)["aud"],
            "mizan"
        );
    }
}
