//! Invalidation (../shared/spec/PROTOCOL.md §3): which context instances a
//! successful mutation made stale.
//!
//! - [`target`]: one target, its JSON form and the matching rule;
//! - [`header`]: the `X-Mizan-Invalidate` header, formatted and parsed;
//! - [`scope`]: auto-scoping, the targets of one call.

pub mod header;
pub mod scope;
pub mod target;

pub use header::{
    HeaderError, HeaderTarget, INVALIDATE_HEADER, encode, format_header, parse_entry, parse_header,
};
pub use target::{Target, scope_matches};

#[cfg(test)]
mod tests;
