//! `#[derive(Mizan)]`: implements `::mizan::Describe` for a struct or a
//! fieldless enum, reading the `#[serde(...)]` attributes that change names on
//! the wire so that the IR names are the wire names.
//!
//! What serde can express but the IR cannot (data-carrying enums, internally or
//! adjacently tagged and untagged representations, flattening, `into`/`from`
//! conversions) is a compile error rather than a description that lies.

mod casing;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::spanned::Spanned as _;
use syn::{
    Attribute, Data, DataEnum, DataStruct, DeriveInput, Field, Fields, GenericParam, Ident, LitStr,
    Token, Type,
};

use self::casing::RenameRule;

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(input)?;
    let container = SerdeAttrs::parse(&input.attrs)?;
    if let Some(param) = input
        .generics
        .params
        .iter()
        .find(|p| !matches!(p, GenericParam::Lifetime(_)))
    {
        return Err(syn::Error::new_spanned(
            param,
            "generic types cannot be described yet: wrap a concrete instantiation in a newtype",
        ));
    }
    let name = container
        .rename
        .clone()
        .unwrap_or_else(|| unraw(&input.ident));
    let body = match &input.data {
        Data::Struct(data) => describe_struct(&input.ident, data, &container, &name)?,
        Data::Enum(data) => describe_enum(&input.ident, data, &container, &name)?,
        Data::Union(data) => {
            return Err(syn::Error::new_spanned(
                data.union_token,
                "unions cannot be described (serde does not serialize them): use a struct or an enum",
            ));
        }
    };
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::mizan::Describe for #ident #ty_generics #where_clause {
            fn describe(types: &mut ::mizan::TypeSet) -> ::mizan::Shape {
                #body
            }
        }
    })
}

fn describe_struct(
    ident: &Ident,
    data: &DataStruct,
    container: &SerdeAttrs,
    name: &str,
) -> syn::Result<TokenStream> {
    let fields = match &data.fields {
        Fields::Named(named) => &named.named,
        Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
            let field = &unnamed.unnamed[0];
            SerdeAttrs::parse(&field.attrs)?;
            return Ok(describe_newtype(&field.ty, name));
        }
        Fields::Unnamed(unnamed) => {
            return Err(syn::Error::new_spanned(
                unnamed,
                format!(
                    "a tuple struct with {} fields is a JSON array and cannot be described: \
                     use named fields, or a newtype with exactly one field",
                    unnamed.unnamed.len()
                ),
            ));
        }
        Fields::Unit => {
            return Err(syn::Error::new_spanned(
                ident,
                "a unit struct has no fields to describe: add named fields, or use `()` for a value without content",
            ));
        }
    };
    let mut kept: Vec<(&Field, SerdeAttrs)> = Vec::with_capacity(fields.len());
    for field in fields {
        let attrs = SerdeAttrs::parse(&field.attrs)?;
        if !attrs.skip {
            kept.push((field, attrs));
        }
    }
    if container.transparent {
        return match kept.as_slice() {
            [(field, _)] => Ok(describe_newtype(&field.ty, name)),
            _ => Err(syn::Error::new_spanned(
                ident,
                "`#[serde(transparent)]` needs exactly one field that is not skipped",
            )),
        };
    }
    let fields = kept.iter().map(|(field, attrs)| {
        let wire = attrs.rename.clone().unwrap_or_else(|| {
            let rust_name = field.ident.as_ref().map(unraw).unwrap_or_default();
            container.rename_all.apply_to_field(&rust_name)
        });
        let optional =
            is_option(&field.ty) || attrs.default || attrs.skip_serializing_if || container.default;
        let shape = describe_call(&field.ty);
        quote! {
            ::mizan::Field {
                name: ::std::string::String::from(#wire),
                shape: #shape,
                optional: #optional,
            }
        }
    });
    Ok(quote! {
        types.define(#name, ::core::any::type_name::<Self>(), |types| {
            ::mizan::TypeDef::Struct(::std::vec![#(#fields),*])
        })
    })
}

/// A newtype is its inner shape on the wire. A primitive inner shape is
/// substituted at the use site (docs/ir.md); anything else gets a name.
fn describe_newtype(inner: &Type, name: &str) -> TokenStream {
    let shape = describe_call(inner);
    quote! {
        types.define_newtype(#name, ::core::any::type_name::<Self>(), |types| #shape)
    }
}

fn describe_enum(
    ident: &Ident,
    data: &DataEnum,
    container: &SerdeAttrs,
    name: &str,
) -> syn::Result<TokenStream> {
    let mut variants = Vec::with_capacity(data.variants.len());
    for variant in &data.variants {
        let attrs = SerdeAttrs::parse(&variant.attrs)?;
        if attrs.skip {
            continue;
        }
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(
                variant,
                "enum variants with data cannot be described yet, only fieldless enums \
                 (strings on the wire) can: use a struct with a fieldless `kind` enum \
                 and optional fields for the data",
            ));
        }
        variants.push(attrs.rename.unwrap_or_else(|| {
            container
                .rename_all
                .apply_to_variant(&unraw(&variant.ident))
        }));
    }
    if variants.is_empty() {
        return Err(syn::Error::new_spanned(
            ident,
            "an enum without (serialized) variants has no value to describe: add a variant",
        ));
    }
    Ok(quote! {
        types.define(#name, ::core::any::type_name::<Self>(), |_| {
            ::mizan::TypeDef::Enum(::std::vec![#(::std::string::String::from(#variants)),*])
        })
    })
}

/// `<T as Describe>::describe(types)`, spanned so that a type without
/// `Describe` is reported at the type.
fn describe_call(ty: &Type) -> TokenStream {
    let describe = quote_spanned!(ty.span()=> <#ty as ::mizan::Describe>::describe);
    quote!(#describe(types))
}

/// serde's test for "missing means `None`": the type is spelled `Option<...>`.
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Option"),
        Type::Group(group) => is_option(&group.elem),
        Type::Paren(paren) => is_option(&paren.elem),
        _ => false,
    }
}

/// serde writes `r#type` as `type`.
fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    match name.strip_prefix("r#") {
        Some(raw) => raw.to_owned(),
        None => name,
    }
}

/// The `#[serde(...)]` settings of a container, field or variant that change
/// what is on the wire. serde itself validates placement; anything it accepts
/// that does not change names or shapes (`with`, `alias`, `bound`,
/// `deny_unknown_fields`, ...) is skipped.
#[derive(Default)]
struct SerdeAttrs {
    /// `rename`, its serialize name.
    rename: Option<String>,
    /// `rename_all`, its serialize rule.
    rename_all: RenameRule,
    /// `default` (or `default = "path"`).
    default: bool,
    /// `skip` or `skip_serializing`: never written, so not described.
    skip: bool,
    skip_serializing_if: bool,
    transparent: bool,
}

impl SerdeAttrs {
    fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut out = Self::default();
        for attr in attrs {
            if attr.path().is_ident("mizan") {
                return Err(syn::Error::new_spanned(
                    attr,
                    "`#[mizan(...)]` is reserved and accepts nothing yet: \
                     names come from `#[serde(rename = ...)]` and `#[serde(rename_all = ...)]`",
                ));
            }
            if attr.path().is_ident("serde") {
                attr.parse_nested_meta(|meta| out.apply(meta))?;
            }
        }
        Ok(out)
    }

    fn apply(&mut self, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        let Some(key) = meta.path.get_ident().map(Ident::to_string) else {
            return skip_value(meta.input);
        };
        let unsupported = |what: &str| Err(syn::Error::new_spanned(&meta.path, what));
        match key.as_str() {
            "rename" => {
                if let (Some(name), _) = ser_and_de(&meta)? {
                    self.rename = Some(name.value());
                }
            }
            "rename_all" => {
                let (ser, de) = ser_and_de(&meta)?;
                if let Some(de) = de {
                    RenameRule::parse(&de.value()).map_err(|e| syn::Error::new(de.span(), e))?;
                }
                if let Some(ser) = ser {
                    self.rename_all = RenameRule::parse(&ser.value())
                        .map_err(|e| syn::Error::new(ser.span(), e))?;
                }
            }
            "default" => {
                self.default = true;
                skip_value(meta.input)?;
            }
            "skip" | "skip_serializing" => self.skip = true,
            "skip_serializing_if" => {
                self.skip_serializing_if = true;
                skip_value(meta.input)?;
            }
            "transparent" => self.transparent = true,
            "flatten" => {
                return unsupported(
                    "`#[serde(flatten)]` cannot be described yet: \
                     write the flattened fields out in this struct",
                );
            }
            "tag" | "content" => {
                return unsupported(
                    "internally and adjacently tagged enums (`#[serde(tag = ...)]`, \
                     `#[serde(content = ...)]`) cannot be described yet: \
                     use the default representation of a fieldless enum, or a struct with a kind field",
                );
            }
            "untagged" => {
                return unsupported(
                    "untagged enums cannot be described yet: \
                     use a fieldless enum, or a struct with optional fields",
                );
            }
            "into" | "from" | "try_from" => {
                return unsupported(
                    "`#[serde(into/from/try_from = ...)]` puts another type on the wire: \
                     derive `Mizan` on that type and implement `mizan::Describe` for this one \
                     by calling it",
                );
            }
            _ => skip_value(meta.input)?,
        }
        Ok(())
    }
}

/// `key = "x"` (both names `x`) or `key(serialize = "x", deserialize = "y")`.
fn ser_and_de(meta: &ParseNestedMeta<'_>) -> syn::Result<(Option<LitStr>, Option<LitStr>)> {
    if meta.input.peek(Token![=]) {
        let both: LitStr = meta.value()?.parse()?;
        return Ok((Some(both.clone()), Some(both)));
    }
    let (mut ser, mut de) = (None, None);
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("serialize") {
            ser = Some(inner.value()?.parse()?);
        } else if inner.path.is_ident("deserialize") {
            de = Some(inner.value()?.parse()?);
        } else {
            skip_value(inner.input)?;
        }
        Ok(())
    })?;
    Ok((ser, de))
}

/// Skips `= value` or `(...)` after a key we do not read.
fn skip_value(input: ParseStream<'_>) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::expand;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn error(input: TokenStream) -> String {
        match expand(input) {
            Ok(tokens) => panic!("expected an error, got {tokens}"),
            Err(err) => err.to_string(),
        }
    }

    fn expanded(input: TokenStream) -> String {
        match expand(input) {
            Ok(tokens) => tokens.to_string(),
            Err(err) => panic!("unexpected error: {err}"),
        }
    }

    #[test]
    fn names_follow_serde() {
        let out = expanded(quote! {
            #[serde(rename(serialize = "Account", deserialize = "AccountIn"), rename_all = "camelCase")]
            struct User {
                user_id: i64,
                #[serde(rename = "Email")]
                email_address: String,
                r#type: String,
                #[serde(skip_serializing, default)]
                secret: String,
            }
        });
        assert!(out.contains("types . define (\"Account\""), "{out}");
        for name in ["\"userId\"", "\"Email\"", "\"type\""] {
            assert!(out.contains(name), "{name} in {out}");
        }
        assert!(!out.contains("secret"), "{out}");
    }

    #[test]
    fn serde_settings_that_keep_names_are_ignored() {
        let out = expanded(quote! {
            #[serde(deny_unknown_fields, bound(serialize = "", deserialize = ""), crate = "serde")]
            #[derive(Debug)]
            enum Level {
                #[serde(alias = "lo", rename(deserialize = "LOW"))]
                Low,
                #[serde(other)]
                High,
                #[serde(skip)]
                Secret(String),
            }
        });
        assert!(
            out.contains(
                "String :: from (\"Low\") , :: std :: string :: String :: from (\"High\")"
            ),
            "{out}"
        );
        assert!(!out.contains("Secret"), "{out}");
    }

    #[test]
    fn lifetimes_are_kept_on_the_impl() {
        let out = expanded(quote! { struct View<'a> { name: &'a str } });
        assert!(
            out.contains("impl < 'a > :: mizan :: Describe for View < 'a >"),
            "{out}"
        );
    }

    #[test]
    fn errors_say_what_to_do() {
        let cases = [
            (
                quote! { struct W<T> { t: T } },
                "wrap a concrete instantiation in a newtype",
            ),
            (
                quote! { struct W<const N: usize> { t: [u8; N] } },
                "generic types cannot be described",
            ),
            (quote! { union U { a: u32 } }, "unions cannot be described"),
            (quote! { struct U; }, "a unit struct has no fields"),
            (
                quote! { struct P(i64, i64); },
                "a tuple struct with 2 fields",
            ),
            (quote! { struct P(); }, "a tuple struct with 0 fields"),
            (quote! { enum E { A, B(i64) } }, "enum variants with data"),
            (
                quote! { enum E {} },
                "an enum without (serialized) variants",
            ),
            (
                quote! { enum E { #[serde(skip)] A } },
                "an enum without (serialized) variants",
            ),
            (quote! { #[serde(tag = "t")] enum E { A } }, "tagged enums"),
            (
                quote! { #[serde(content = "c", tag = "t")] enum E { A } },
                "tagged enums",
            ),
            (quote! { #[serde(untagged)] enum E { A } }, "untagged enums"),
            (quote! { enum E { #[serde(untagged)] A } }, "untagged enums"),
            (
                quote! { struct S { #[serde(flatten)] a: Other } },
                "`#[serde(flatten)]`",
            ),
            (
                quote! { #[serde(into = "String")] struct S { a: i64 } },
                "puts another type on the wire",
            ),
            (
                quote! { #[serde(try_from = "String")] struct S { a: i64 } },
                "puts another type on the wire",
            ),
            (
                quote! { #[serde(rename_all = "camelcase")] struct S { a: i64 } },
                "unknown rename rule \"camelcase\"",
            ),
            (
                quote! { #[serde(rename_all(serialize = "camelCase", deserialize = "snake"))] struct S { a: i64 } },
                "unknown rename rule \"snake\"",
            ),
            (
                quote! { #[serde(transparent)] struct S { a: i64, b: i64 } },
                "exactly one field",
            ),
            (
                quote! { #[mizan(name = "X")] struct S { a: i64 } },
                "`#[mizan(...)]` is reserved",
            ),
            (
                quote! { struct S { #[mizan] a: i64 } },
                "`#[mizan(...)]` is reserved",
            ),
            (
                quote! { enum E { #[mizan(rename = "a")] A } },
                "`#[mizan(...)]` is reserved",
            ),
        ];
        for (input, expected) in cases {
            let message = error(input.clone());
            assert!(message.contains(expected), "`{input}`: {message}");
        }
    }
}
