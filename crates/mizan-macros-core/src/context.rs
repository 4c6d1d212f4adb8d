//! `#[mizan::context("name")]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{ItemStruct, LitStr};

use crate::options::check_wire_name;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let name: LitStr = syn::parse2(attr).map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected the context name as a string: #[mizan::context(\"user\")]",
        )
    })?;
    check_wire_name(&name.value(), name.span(), "context")?;
    let item: ItemStruct = syn::parse2(item)?;
    if !matches!(item.fields, syn::Fields::Unit) || !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.ident,
            "a context marker is a unit struct without generics: `pub struct UserCtx;`",
        ));
    }
    let ident = &item.ident;
    Ok(quote! {
        #item
        impl ::mizan::ContextMarker for #ident {
            const NAME: &'static str = #name;
        }
        impl ::mizan::AffectsTarget for #ident {
            fn target() -> ::mizan::TargetRef {
                ::mizan::TargetRef::Context(::std::string::String::from(#name))
            }
        }
    })
}
