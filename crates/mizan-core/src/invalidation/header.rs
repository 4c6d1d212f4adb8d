//! The `X-Mizan-Invalidate` header (../shared/spec/PROTOCOL.md §3.3): its
//! entries, formatted and parsed back. The same entry form names the
//! instances of a single-flight `refresh` list (§3.5).

use std::collections::BTreeMap;
use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::target::Target;

/// The header carrying the targets.
pub const INVALIDATE_HEADER: &str = "x-mizan-invalidate";

impl Target {
    /// One header entry: `ctx;key=value;...` with keys in byte order.
    pub fn header_entry(&self) -> String {
        let mut entry = encode(&self.context);
        for (key, value) in self.canonical_params() {
            entry.push(';');
            entry.push_str(&encode(&key));
            entry.push('=');
            entry.push_str(&encode(&value));
        }
        entry
    }
}

/// `encodeURIComponent`'s unreserved set: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Percent-encodes exactly like JavaScript's `encodeURIComponent`.
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, URI_COMPONENT).to_string()
}

/// Formats the `X-Mizan-Invalidate` value for these targets, in order.
pub fn format_header(targets: &[Target]) -> String {
    targets
        .iter()
        .map(Target::header_entry)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A target as read back from the header: context and canonical-string params.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderTarget {
    /// Context name.
    pub context: String,
    /// Scope (canonical strings); empty = broad.
    pub params: BTreeMap<String, String>,
}

/// Why a header value (or an instance key) could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// An entry has no context name (e.g. `, ,` or `;k=v`).
    EmptyContext {
        /// The entry as it stood.
        entry: String,
    },
    /// A parameter has no `=` (e.g. `user;user_id`).
    MissingEquals {
        /// The parameter as it stood.
        param: String,
    },
    /// Text that is not valid percent-encoded UTF-8 (e.g. `%FF`).
    BadEncoding {
        /// The text as it stood.
        text: String,
    },
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyContext { entry } => write!(f, "empty context name in entry `{entry}`"),
            Self::MissingEquals { param } => write!(f, "parameter `{param}` has no `=`"),
            Self::BadEncoding { text } => {
                write!(f, "`{text}` is not valid percent-encoded UTF-8")
            }
        }
    }
}

impl std::error::Error for HeaderError {}

/// Parses an `X-Mizan-Invalidate` value: entries separated by `,`.
///
/// ```
/// use mizan_core::invalidation::{format_header, parse_header, Target};
/// let targets = [
///     Target::broad("notifications"),
///     Target::broad("search").with_param("q", "a, b;c"),
/// ];
/// let header = format_header(&targets);
/// assert_eq!(header, "notifications, search;q=a%2C%20b%3Bc");
/// let back = parse_header(&header).expect("a header this crate wrote");
/// assert_eq!(back[1].context, "search");
/// assert_eq!(back[1].params["q"], "a, b;c");
/// ```
pub fn parse_header(value: &str) -> Result<Vec<HeaderTarget>, HeaderError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(Vec::new());
    }
    value.split(',').map(parse_entry).collect()
}

/// Parses one entry, `context;key=value;...` (a header entry or a
/// single-flight instance key).
pub fn parse_entry(entry: &str) -> Result<HeaderTarget, HeaderError> {
    let entry = entry.trim();
    let mut parts = entry.split(';');
    let context = decode(parts.next().unwrap_or_default())?;
    if context.is_empty() {
        return Err(HeaderError::EmptyContext {
            entry: entry.to_owned(),
        });
    }
    let mut params = BTreeMap::new();
    for part in parts {
        let (key, val) = part
            .split_once('=')
            .ok_or_else(|| HeaderError::MissingEquals {
                param: part.to_owned(),
            })?;
        params.insert(decode(key)?, decode(val)?);
    }
    Ok(HeaderTarget { context, params })
}

fn decode(text: &str) -> Result<String, HeaderError> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| HeaderError::BadEncoding {
            text: text.to_owned(),
        })
}
