//! Mizan protocol core.
pub mod cache;
pub mod canonical;
pub mod mwt;
