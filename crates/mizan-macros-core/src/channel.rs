//! `#[mizan::channel("name")]`: a channel marker, registered. What the
//! channel is (params, messages, join and send) is the `Channel` impl the
//! app writes for the marker; the registration is a generic library
//! function of the core.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{ItemStruct, LitStr};

use crate::options::check_wire_name;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let name: LitStr = syn::parse2(attr).map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected the channel name as a string: #[mizan::channel(\"chat\")]",
        )
    })?;
    check_wire_name(&name.value(), name.span(), "channel")?;
    let item: ItemStruct = syn::parse2(item)?;
    if !matches!(item.fields, syn::Fields::Unit) || !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.ident,
            "a channel marker is a unit struct without generics: `pub struct Chat;`",
        ));
    }
    let ident = &item.ident;
    Ok(quote! {
        #item
        impl ::mizan::ChannelMarker for #ident {
            const NAME: &'static str = #name;
        }
        ::mizan::__private::inventory::submit! {
            ::mizan::__private::ChannelRegistration {
                definition: ::mizan::__private::channel_definition::<#ident>,
            }
        }
    })
}
