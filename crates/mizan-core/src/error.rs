//! The error envelope of ../shared/spec/PROTOCOL.md §1.4: every failure, from any endpoint and
//! any transport, is a [`MizanError`] with a code, a message and optional details.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value, json};

/// The protocol's error codes, each with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: the body is not JSON, not an object, `fn` is missing, `args` is not an object.
    BadRequest,
    /// 401: identity required and absent, or an invalid or expired token.
    Unauthorized,
    /// 403: the identity lacks the role, CSRF failed, or the function is private.
    Forbidden,
    /// 404: unknown function or context.
    NotFound,
    /// 405: the endpoint exists but not for this HTTP method (a project extension,
    /// see `docs/protocol.md`).
    MethodNotAllowed,
    /// 413: the body is over the configured limit.
    PayloadTooLarge,
    /// 415: a `POST /call/` body that is neither JSON nor multipart.
    UnsupportedMediaType,
    /// 422: the arguments do not match the declared input.
    ValidationError,
    /// 500: the function failed unexpectedly (panics included).
    InternalError,
    /// 501: the function declared itself unimplemented.
    NotImplemented,
}

impl ErrorCode {
    /// The wire spelling, e.g. `"VALIDATION_ERROR"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BAD_REQUEST",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::ValidationError => "VALIDATION_ERROR",
            Self::InternalError => "INTERNAL_ERROR",
            Self::NotImplemented => "NOT_IMPLEMENTED",
        }
    }

    /// The HTTP status that carries this code.
    pub const fn status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::ValidationError => 422,
            Self::InternalError => 500,
            Self::NotImplemented => 501,
        }
    }

    /// Parses the wire spelling back into a code.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "BAD_REQUEST" => Self::BadRequest,
            "UNAUTHORIZED" => Self::Unauthorized,
            "FORBIDDEN" => Self::Forbidden,
            "NOT_FOUND" => Self::NotFound,
            "METHOD_NOT_ALLOWED" => Self::MethodNotAllowed,
            "PAYLOAD_TOO_LARGE" => Self::PayloadTooLarge,
            "UNSUPPORTED_MEDIA_TYPE" => Self::UnsupportedMediaType,
            "VALIDATION_ERROR" => Self::ValidationError,
            "INTERNAL_ERROR" => Self::InternalError,
            "NOT_IMPLEMENTED" => Self::NotImplemented,
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error a server function returns, or the protocol produces, rendered
/// through the envelope `{"error": {"code", "message", "details"?}}`.
///
/// It may keep the error that caused it ([`with_source`](Self::with_source)):
/// the cause is logged when the error is rendered for a client, never sent.
/// The whole error is one pointer wide, so `Result<T, MizanError>` stays as
/// small as `T` allows on the happy path.
///
/// ```
/// use mizan_core::{ErrorCode, MizanError};
/// let io = std::io::Error::other("connection reset");
/// let err = MizanError::internal("the orders service failed").with_source(io);
/// assert_eq!(err.code(), ErrorCode::InternalError);
/// assert_eq!(err.status(), 500);
/// assert_eq!(std::error::Error::source(&err).map(ToString::to_string).as_deref(), Some("connection reset"));
/// ```
#[derive(Clone)]
pub struct MizanError(Box<Inner>);

#[derive(Clone)]
struct Inner {
    code: ErrorCode,
    message: String,
    details: Option<Value>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// Field name → messages, as carried by `details.fields` of a `VALIDATION_ERROR`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

impl MizanError {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            code,
            message: message.into(),
            details: None,
            source: None,
        }))
    }

    /// Attaches `details` (any JSON value; an object by convention).
    #[must_use]
    pub fn with_details(mut self, details: Value) -> Self {
        self.0.details = Some(details);
        self
    }

    /// Keeps the error that caused this one. It is logged (with its own
    /// causes) when this error is rendered for a client, and never sent.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.source = Some(Arc::new(source));
        self
    }

    /// `400 BAD_REQUEST`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }
    /// `401 UNAUTHORIZED`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }
    /// `403 FORBIDDEN`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }
    /// `404 NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }
    /// `405 METHOD_NOT_ALLOWED` (a project extension, see `docs/protocol.md`).
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(
            ErrorCode::MethodNotAllowed,
            format!("{method} is not allowed on {path}"),
        )
    }
    /// `413 PAYLOAD_TOO_LARGE`.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            ErrorCode::PayloadTooLarge,
            format!("Request body is larger than the limit of {limit} bytes"),
        )
        .with_details(json!({ "limit": limit }))
    }
    /// `500 INTERNAL_ERROR`. The message is shown to clients only in debug mode.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InternalError, message)
    }
    /// `501 NOT_IMPLEMENTED`.
    pub fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotImplemented, message)
    }

    /// `422 VALIDATION_ERROR` with `details.fields`.
    pub fn validation(fields: FieldErrors) -> Self {
        Self::new(ErrorCode::ValidationError, "Input validation failed")
            .with_details(json!({ "fields": fields }))
    }

    /// `422 VALIDATION_ERROR` for a single field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(field.to_owned(), vec![message.into()]);
        Self::validation(fields)
    }

    /// The code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }
    /// The HTTP status of the code.
    pub fn status(&self) -> u16 {
        self.0.code.status()
    }
    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// The details, if any.
    pub fn details(&self) -> Option<&Value> {
        self.0.details.as_ref()
    }

    /// The inner object `{code, message, details?}` (IPC transports carry this bare).
    pub fn to_inner_json(&self) -> Value {
        let mut inner = Map::new();
        inner.insert("code".into(), Value::from(self.0.code.as_str()));
        inner.insert("message".into(), Value::from(self.0.message.clone()));
        if let Some(details) = &self.0.details {
            inner.insert("details".into(), details.clone());
        }
        Value::Object(inner)
    }

    /// The envelope `{"error": {...}}`.
    pub fn to_envelope(&self) -> Value {
        json!({ "error": self.to_inner_json() })
    }

    /// What a client may see of this error: internal errors are first logged
    /// through `tracing` with their whole cause chain, then (outside debug
    /// mode) their message is replaced by a generic one, so nothing about the
    /// server's internals reaches a client. Every transport renders errors
    /// through here.
    #[must_use]
    pub fn redacted(self, debug: bool) -> Self {
        if self.0.code != ErrorCode::InternalError {
            return self;
        }
        tracing::error!(
            message = %self.0.message,
            cause = %CauseChain(std::error::Error::source(&self)),
            "internal error"
        );
        if debug {
            self
        } else {
            Self::internal("Internal server error")
        }
    }
}

/// `a: b: c`, the causes of an error, outermost first (empty when none).
struct CauseChain<'a>(Option<&'a (dyn std::error::Error + 'static)>);

impl fmt::Display for CauseChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut next = self.0;
        let mut first = true;
        while let Some(err) = next {
            if !first {
                f.write_str(": ")?;
            }
            write!(f, "{err}")?;
            first = false;
            next = err.source();
        }
        Ok(())
    }
}

impl fmt::Debug for MizanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("MizanError");
        s.field("code", &self.0.code)
            .field("message", &self.0.message);
        if let Some(details) = &self.0.details {
            s.field("details", details);
        }
        if let Some(source) = &self.0.source {
            s.field("source", source);
        }
        s.finish()
    }
}

/// Errors are equal when the client would see the same envelope; the cause
/// is not compared.
impl PartialEq for MizanError {
    fn eq(&self, other: &Self) -> bool {
        self.0.code == other.0.code
            && self.0.message == other.0.message
            && self.0.details == other.0.details
    }
}

impl fmt::Display for MizanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.code, self.0.message)
    }
}

impl std::error::Error for MizanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<serde_json::Error> for MizanError {
    fn from(err: serde_json::Error) -> Self {
        Self::internal(format!("serialization failed: {err}")).with_source(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_wire_spelling() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::ValidationError,
            ErrorCode::InternalError,
            ErrorCode::NotImplemented,
        ] {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
    }

    #[test]
    fn envelope_has_code_message_and_details() {
        let err = MizanError::invalid_field("a", "expected an integer");
        assert_eq!(
            err.to_envelope(),
            json!({"error": {"code": "VALIDATION_ERROR", "message": "Input validation failed",
                "details": {"fields": {"a": ["expected an integer"]}}}})
        );
    }

    #[test]
    fn internal_errors_are_redacted_outside_debug() {
        let err = MizanError::internal("db password is hunter2");
        assert_eq!(
            err.clone().redacted(false).message(),
            "Internal server error"
        );
        assert_eq!(err.redacted(true).message(), "db password is hunter2");
        let other = MizanError::not_found("no such thing");
        assert_eq!(other.clone().redacted(false), other);
    }

    #[test]
    fn the_error_stays_one_pointer_wide() {
        assert_eq!(
            std::mem::size_of::<MizanError>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn the_cause_chain_is_kept_and_not_sent() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("query failed")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let err = MizanError::internal("loading orders failed")
            .with_source(Outer(std::io::Error::other("connection reset")));
        let source = std::error::Error::source(&err);
        assert_eq!(
            CauseChain(source).to_string(),
            "query failed: connection reset"
        );
        assert!(!err.to_envelope().to_string().contains("connection reset"));
    }
}
