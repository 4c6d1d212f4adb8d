//! The code generation behind Mizan's macros, as an ordinary library so that
//! it can be unit-tested and reused; `mizan-macros` only forwards to it.
//!
//! Generated code refers to the facade crate as `::mizan`.

use proc_macro2::TokenStream;

mod channel;
mod client;
mod context;
mod derive;
mod options;

/// `#[mizan::client(...)]` on an async (or sync) function.
pub fn client(attr: TokenStream, item: TokenStream) -> TokenStream {
    client::expand(attr, item).unwrap_or_else(syn::Error::into_compile_error)
}

/// `#[mizan::context("name")]` on a unit struct.
pub fn context(attr: TokenStream, item: TokenStream) -> TokenStream {
    context::expand(attr, item).unwrap_or_else(syn::Error::into_compile_error)
}

/// `#[mizan::channel("name")]` on a unit struct that implements `Channel`.
pub fn channel(attr: TokenStream, item: TokenStream) -> TokenStream {
    channel::expand(attr, item).unwrap_or_else(syn::Error::into_compile_error)
}

/// `#[derive(Mizan)]` on a struct or fieldless enum.
pub fn derive_mizan(input: TokenStream) -> TokenStream {
    derive::expand(input).unwrap_or_else(syn::Error::into_compile_error)
}
