//! Mizan's procedural macros. Thin: parsing and code generation live in
//! `mizan-macros-core`. Use them through the `mizan` crate.

use proc_macro::TokenStream;

/// Declares a server function. See the `mizan` crate documentation.
#[proc_macro_attribute]
pub fn client(attr: TokenStream, item: TokenStream) -> TokenStream {
    mizan_macros_core::client(attr.into(), item.into()).into()
}

/// Declares a typed context marker: `#[mizan::context("user")] pub struct UserCtx;`.
#[proc_macro_attribute]
pub fn context(attr: TokenStream, item: TokenStream) -> TokenStream {
    mizan_macros_core::context(attr.into(), item.into()).into()
}

/// Declares a channel marker: `#[mizan::channel("chat")] pub struct Chat;`,
/// then `impl mizan::Channel for Chat { ... }`.
#[proc_macro_attribute]
pub fn channel(attr: TokenStream, item: TokenStream) -> TokenStream {
    mizan_macros_core::channel(attr.into(), item.into()).into()
}

/// Describes a struct or fieldless enum for the IR, honouring serde renames.
#[proc_macro_derive(Mizan, attributes(mizan))]
pub fn derive_mizan(input: TokenStream) -> TokenStream {
    mizan_macros_core::derive_mizan(input.into()).into()
}
