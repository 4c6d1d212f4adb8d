//! Origin cache.
pub mod key;
