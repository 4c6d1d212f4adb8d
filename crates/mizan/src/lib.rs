#![doc = include_str!("../README.md")]

pub use mizan_core::*;
pub use mizan_macros::{Mizan, channel, client, context};

#[cfg(feature = "axum")]
pub use mizan_axum as axum;

#[cfg(feature = "redis")]
pub use mizan_redis as redis;

#[cfg(feature = "ssr")]
pub use mizan_ssr as ssr;

/// Everything a module of server functions usually needs.
pub mod prelude {
    pub use mizan_core::{Channel, Identity, MizanError, Request, Upload, ViewResponse};
    pub use mizan_macros::Mizan;
    pub use serde::{Deserialize, Serialize};
}
