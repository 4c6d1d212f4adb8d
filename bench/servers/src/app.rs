//! The Mizan side: `echo` (dispatch overhead) and the `page` context of ten
//! members (bundling), declared the way an app declares them.

use mizan::prelude::*;
use mizan::{Registry, Server};

/// `{message}`: the same bytes the baseline writes.
#[derive(Debug, Serialize, Deserialize, Mizan)]
pub(crate) struct EchoOutput {
    /// `"echo: <text>"`.
    pub(crate) message: String,
}

/// `"echo: <text>"`.
#[mizan::client]
pub(crate) async fn echo(text: String) -> EchoOutput {
    EchoOutput {
        message: format!("echo: {text}"),
    }
}

/// A page whose data comes from ten functions.
#[mizan::context("page")]
pub(crate) struct PageCtx;

/// One tenth of a page.
#[derive(Debug, Serialize, Deserialize, Mizan)]
pub(crate) struct Part {
    /// The page id.
    pub(crate) id: i64,
    /// Which member produced it.
    pub(crate) part: i64,
}

/// Declares the ten members `part_0` … `part_9` of `page`.
macro_rules! parts {
    ($($name:ident = $n:literal),* $(,)?) => {$(
        #[doc = concat!("Member ", $n, " of `page`.")]
        #[mizan::client(context = PageCtx)]
        pub(crate) async fn $name(id: i64) -> Part {
            Part { id, part: $n }
        }
    )*};
}

parts!(
    part_0 = 0,
    part_1 = 1,
    part_2 = 2,
    part_3 = 3,
    part_4 = 4,
    part_5 = 5,
    part_6 = 6,
    part_7 = 7,
    part_8 = 8,
    part_9 = 9,
);

/// Every function above, validated once; served under `/api/mizan`.
pub(crate) fn server() -> Result<Server, Box<dyn std::error::Error>> {
    Ok(Server::builder()
        .registry(Registry::from_declarations()?)
        .build()?)
}
