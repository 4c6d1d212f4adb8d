//! Arguments: how the values a caller sent become the typed parameters of a
//! function, and how every bad one is reported.
//!
//! - [`call`]: a call's JSON arguments (and uploads), decoded parameter by
//!   parameter into the declared types;
//! - [`query`]: query-string values coerced to declared shapes (context
//!   fetches over HTTP);
//! - [`shaped`]: arguments checked against a described shape instead of a
//!   Rust type (hosts that describe types at run time: the Python bindings);
//! - `message`: the wording all of them share, so one mistake reads the
//!   same on every path.

pub mod call;
mod message;
pub mod query;
pub mod shaped;

pub use call::{ArgValue, Args, CallArgs, RawArgs, extraction_bug};
pub use query::coerce_query;
pub use shaped::ShapeSeed;
