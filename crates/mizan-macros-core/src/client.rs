//! `#[mizan::client(...)]`: keeps the function as written and adds a
//! companion type (same name, type namespace) implementing `ServerFn`, plus
//! its auto-registration.
//!
//! The expansion is two steps: [`ClientFn::parse`] reads the attribute and
//! the signature into a description of the function (checking every rule
//! that has a span to point at), then [`ClientFn::emit`] writes the
//! companion from that description in small named pieces.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, GenericArgument, Ident, ItemFn, Pat, PathArguments, ReturnType, Type};

use crate::options::{AuthOption, CacheOption, ClientOptions, Reference};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    Ok(ClientFn::parse(attr, item)?.emit())
}

/// A server function, understood.
struct ClientFn {
    /// The function as written (argument attributes removed).
    item: ItemFn,
    /// Its wire name (`name = ...`, else the function's name).
    wire_name: String,
    /// Its first parameter is the request handle.
    takes_request: bool,
    /// Its arguments, in declaration order.
    params: Vec<Param>,
    /// What it returns.
    output: Output,
    /// The attribute's options.
    options: ClientOptions,
}

/// One input argument.
struct Param {
    ident: Ident,
    wire: String,
    ty: Type,
    kind: ParamKind,
}

enum ParamKind {
    Required,
    Optional,
    /// Boxed: `syn::Expr` is large once another crate of the build turns on
    /// syn's `full` feature (Tauri's macros do).
    Default(Box<Expr>),
    Upload,
    OptionalUpload,
}

enum Output {
    /// JSON data of this type; `fallible` for `Result<T, E>`.
    Data { ty: Box<Type>, fallible: bool },
    /// A raw response (`route = ...`).
    View,
}

impl ClientFn {
    fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<Self> {
        let options: ClientOptions = syn::parse2(attr)?;
        let mut item: ItemFn = syn::parse2(item)?;
        check_combinations(&options)?;
        check_signature(&item.sig)?;
        let wire_name = options
            .name
            .as_ref()
            .map_or_else(|| unraw(&item.sig.ident), syn::LitStr::value);
        let (takes_request, params) = parse_inputs(&mut item.sig.inputs)?;
        let output = if options.route.is_some() {
            Output::View
        } else {
            parse_output(&item.sig.output)?
        };
        Ok(Self {
            item,
            wire_name,
            takes_request,
            params,
            output,
            options,
        })
    }

    fn emit(&self) -> TokenStream {
        let item = &self.item;
        let ident = &self.item.sig.ident;
        let vis = &self.item.vis;
        let wire_name = &self.wire_name;
        let doc = format!(
            "Mizan companion of the server function [`{ident}`] (wire name `{wire_name}`)."
        );
        let signature = self.signature();
        let handler = self.handler();
        let options = self.options();
        quote! {
            #item

            #[doc = #doc]
            #[allow(non_camel_case_types)]
            #vis struct #ident {}

            impl ::mizan::ServerFn for #ident {
                const NAME: &'static str = #wire_name;
                fn definition() -> ::mizan::FunctionDef {
                    #signature
                    let mut __def = ::mizan::FunctionDef::new(#wire_name, __signature, #handler);
                    __def.rust_path = ::std::format!("{}::{}", ::core::module_path!(), #wire_name);
                    #options
                    __def
                }
            }

            impl ::mizan::AffectsTarget for #ident {
                fn target() -> ::mizan::TargetRef {
                    ::mizan::TargetRef::Function(::std::string::String::from(#wire_name))
                }
            }

            ::mizan::__private::inventory::submit! {
                ::mizan::__private::Registration {
                    definition: <#ident as ::mizan::ServerFn>::definition,
                }
            }
        }
    }

    /// `fn __signature(types) -> Signature`: parameters and output shape.
    fn signature(&self) -> TokenStream {
        let params = self.params.iter().map(Param::definition);
        let output = match &self.output {
            Output::Data { ty, .. } => quote_spanned! {ty.span()=>
                ::core::option::Option::Some(<#ty as ::mizan::Describe>::describe(__types))
            },
            Output::View => quote!(::core::option::Option::None),
        };
        quote! {
            fn __signature(__types: &mut ::mizan::TypeSet) -> ::mizan::__private::Signature {
                ::mizan::__private::Signature {
                    params: ::std::vec![#(#params),*],
                    output: #output,
                }
            }
        }
    }

    /// The `Handler`: a data handler, or a view with its route and methods.
    fn handler(&self) -> TokenStream {
        let run = self.run();
        let closure = quote! {
            ::std::sync::Arc::new(|__req: ::mizan::Request, __args: ::mizan::Args| {
                ::std::boxed::Box::pin(async move { #run }) as ::mizan::__private::BoxFuture<_>
            })
        };
        match &self.options.route {
            None => quote!(::mizan::__private::Handler::Data(#closure)),
            Some(route) => {
                let methods: Vec<String> = match &self.options.methods {
                    Some((_, list)) => list.iter().map(syn::LitStr::value).collect(),
                    None => vec!["GET".to_owned()],
                };
                quote! {
                    ::mizan::__private::Handler::View {
                        route: ::std::string::String::from(#route),
                        methods: ::std::vec![#(::std::string::String::from(#methods)),*],
                        handler: #closure,
                    }
                }
            }
        }
    }

    /// The handler's body: extract every argument, then call the function
    /// and convert what it returns.
    fn run(&self) -> TokenStream {
        let extract = self.params.iter().map(Param::extraction);
        let idents: Vec<_> = self.params.iter().map(|p| &p.ident).collect();
        let wire_name = &self.wire_name;
        let ident = &self.item.sig.ident;
        let request = self.takes_request.then(|| quote!(&__req,));
        let await_call = self.item.sig.asyncness.map(|_| quote!(.await));
        let convert = self.conversion();
        quote! {
            let mut __args = __args;
            #(#extract)*
            __args.finish()?;
            let (#(::core::option::Option::Some(#idents),)*) = (#(#idents,)*) else {
                return ::core::result::Result::Err(::mizan::__private::extraction_bug(#wire_name));
            };
            let __out = #ident(#request #(#idents),*) #await_call;
            #convert
        }
    }

    /// `__out` into `Result<JsonText | ViewResponse, MizanError>`.
    fn conversion(&self) -> TokenStream {
        match &self.output {
            Output::View => quote!(::mizan::IntoViewResult::into_view_result(__out)),
            Output::Data { fallible: true, .. } => quote! {
                let __out = __out.map_err(::core::convert::Into::<::mizan::MizanError>::into)?;
                ::mizan::__private::to_json(&__out)
            },
            Output::Data {
                fallible: false, ..
            } => quote!(::mizan::__private::to_json(&__out)),
        }
    }

    /// The option fields set on `__def`.
    fn options(&self) -> TokenStream {
        let opts = &self.options;
        let context = opts.context.as_ref().map(|c| {
            let name = context_name(c);
            quote!(__def.context = ::core::option::Option::Some(::std::string::String::from(#name));)
        });
        let affects = opts.affects.iter().map(|r| {
            let target = match r {
                Reference::Name(s) => {
                    quote!(::mizan::TargetRef::Context(::std::string::String::from(#s)))
                }
                Reference::Path(p) => {
                    quote_spanned!(p.span()=> <#p as ::mizan::AffectsTarget>::target())
                }
            };
            quote!(__def.affects.push(#target);)
        });
        let merge = opts.merge.as_ref().map(|m| {
            let name = context_name(m);
            let key = match &opts.merge_key {
                Some(k) => quote!(::core::option::Option::Some(::std::string::String::from(#k))),
                None => quote!(::core::option::Option::None),
            };
            quote!(__def.merge = ::core::option::Option::Some(::mizan::__private::MergeDecl {
                context: ::std::string::String::from(#name), key: #key,
            });)
        });
        let auth = opts.auth.as_ref().map(|(_, a)| {
            let value = match a {
                AuthOption::Required => quote!(::mizan::Auth::Required),
                AuthOption::Staff => quote!(::mizan::Auth::Staff),
                AuthOption::Superuser => quote!(::mizan::Auth::Superuser),
                AuthOption::Predicate(p) => quote_spanned!(p.span()=> ::mizan::Auth::custom(#p)),
            };
            quote!(__def.auth = #value;)
        });
        let private = opts.private.then(|| quote!(__def.private = true;));
        let rev = opts.rev.as_ref().map(|n| quote!(__def.rev = #n;));
        let cache = opts.cache.as_ref().map(|(_, c)| match c {
            CacheOption::Ttl(n) => quote!(__def.cache = ::mizan::CachePolicy::Ttl(#n);),
            CacheOption::Never => quote!(__def.cache = ::mizan::CachePolicy::Never;),
        });
        let socket_only = opts.websocket.map(|_| quote!(__def.socket_only = true;));
        quote! {
            #context
            #(#affects)*
            #merge
            #auth
            #private
            #rev
            #cache
            #socket_only
        }
    }
}

impl Param {
    /// `let <ident> = __args.<how>::<T>("<wire>");`
    fn extraction(&self) -> TokenStream {
        let (ident, wire, ty) = (&self.ident, &self.wire, &self.ty);
        let call = match &self.kind {
            ParamKind::Required => quote_spanned!(ty.span()=> __args.required::<#ty>(#wire)),
            ParamKind::Optional => quote_spanned!(ty.span()=> __args.optional::<#ty>(#wire)),
            ParamKind::Default(d) => {
                quote_spanned!(d.span()=> __args.with_default::<#ty>(#wire, || #d))
            }
            ParamKind::Upload => quote!(__args.upload(#wire)),
            ParamKind::OptionalUpload => quote!(__args.optional_upload(#wire)),
        };
        quote!(let #ident = #call;)
    }

    /// Its `ParamDef` for the signature.
    fn definition(&self) -> TokenStream {
        let (wire, ty) = (&self.wire, &self.ty);
        let (required, default) = match &self.kind {
            ParamKind::Required | ParamKind::Upload => (true, quote!(::core::option::Option::None)),
            ParamKind::Optional | ParamKind::OptionalUpload => {
                (false, quote!(::core::option::Option::None))
            }
            ParamKind::Default(d) => (false, quote!(::mizan::__private::default_json::<#ty>(#d))),
        };
        quote_spanned! {ty.span()=>
            ::mizan::__private::ParamDef {
                name: ::std::string::String::from(#wire),
                shape: <#ty as ::mizan::Describe>::describe(__types),
                required: #required,
                default: #default,
            }
        }
    }
}

fn check_signature(sig: &syn::Signature) -> syn::Result<()> {
    if let Some(p) = sig.generics.params.first() {
        return Err(syn::Error::new_spanned(
            p,
            "server functions cannot be generic",
        ));
    }
    if let Some(c) = &sig.constness {
        return Err(syn::Error::new_spanned(
            c,
            "server functions cannot be `const`",
        ));
    }
    Ok(())
}

/// An optional leading `&Request`, then the arguments. `#[mizan(default =
/// ...)]` attributes are taken off the function as they are read.
fn parse_inputs(
    inputs: &mut syn::punctuated::Punctuated<FnArg, syn::token::Comma>,
) -> syn::Result<(bool, Vec<Param>)> {
    let mut takes_request = false;
    let mut params = Vec::new();
    for (index, input) in inputs.iter_mut().enumerate() {
        let FnArg::Typed(pat_ty) = input else {
            return Err(syn::Error::new_spanned(
                input,
                "server functions are free functions: remove `self`",
            ));
        };
        let default = take_default(&mut pat_ty.attrs)?;
        if index == 0 && is_request(&pat_ty.ty) {
            if let Some(d) = default {
                return Err(syn::Error::new_spanned(
                    d,
                    "the request handle takes no default",
                ));
            }
            takes_request = true;
            continue;
        }
        params.push(parse_param(&pat_ty.pat, &pat_ty.ty, default)?);
    }
    Ok((takes_request, params))
}

fn parse_param(pat: &Pat, ty: &Type, default: Option<Expr>) -> syn::Result<Param> {
    let Pat::Ident(pat) = pat else {
        return Err(syn::Error::new_spanned(
            pat,
            "arguments need a plain name: the name is the wire name",
        ));
    };
    if let Type::Reference(r) = ty {
        let hint = if is_request(ty) {
            "; the request handle must be the first parameter"
        } else {
            ""
        };
        return Err(syn::Error::new_spanned(
            r,
            format!("arguments are owned values decoded from JSON: use an owned type{hint}"),
        ));
    }
    if let Type::ImplTrait(t) = ty {
        return Err(syn::Error::new_spanned(
            t,
            "`impl Trait` arguments cannot be described: use a concrete type",
        ));
    }
    let kind = match (last_segment(ty).as_deref(), default) {
        (Some("Upload"), None) => ParamKind::Upload,
        (Some("Option"), None) if option_inner(ty).as_deref() == Some("Upload") => {
            ParamKind::OptionalUpload
        }
        (Some("Option"), None) => ParamKind::Optional,
        (Some("Option" | "Upload"), Some(d)) => {
            return Err(syn::Error::new_spanned(
                d,
                "optional and file arguments take no default",
            ));
        }
        (_, Some(d)) => ParamKind::Default(Box::new(d)),
        (_, None) => ParamKind::Required,
    };
    Ok(Param {
        ident: pat.ident.clone(),
        wire: unraw(&pat.ident),
        ty: ty.clone(),
        kind,
    })
}

/// `T` or `Result<T, E>`; `()` when nothing is written.
fn parse_output(ret: &ReturnType) -> syn::Result<Output> {
    let ty: Type = match ret {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    if let Type::ImplTrait(t) = &ty {
        return Err(syn::Error::new_spanned(
            t,
            "the output must be a concrete type that derives `Mizan`, not `impl Trait`",
        ));
    }
    if last_segment(&ty).as_deref() == Some("Result") {
        let inner = generic_arg(&ty, 0).ok_or_else(|| {
            syn::Error::new_spanned(&ty, "write the output as `Result<T, MizanError>`")
        })?;
        return Ok(Output::Data {
            ty: Box::new(inner),
            fallible: true,
        });
    }
    Ok(Output::Data {
        ty: Box::new(ty),
        fallible: false,
    })
}

fn check_combinations(opts: &ClientOptions) -> syn::Result<()> {
    let err = |span, msg: &str| Err(syn::Error::new(span, msg));
    if let (Some(_), Some(first)) = (&opts.context, opts.affects.first()) {
        return err(
            reference_span(first),
            "a function either reads a context (`context`) or mutates (`affects`), not both",
        );
    }
    if let (Some(_), Some(m)) = (&opts.context, &opts.merge) {
        return err(
            reference_span(m),
            "a context member cannot `merge`: merge is for mutations",
        );
    }
    if let (Some(k), None) = (&opts.merge_key, &opts.merge) {
        return err(k.span(), "`merge_key` needs `merge = <context>`");
    }
    if let (Some((span, _)), None) = (&opts.methods, &opts.route) {
        return err(*span, "`methods` needs `route = \"/path/\"`");
    }
    if let (Some(span), Some(_)) = (opts.websocket, &opts.route) {
        return err(span, "a view-path function (`route`) cannot be socket-only");
    }
    if opts.context.is_none() {
        if let Some(rev) = &opts.rev {
            return err(
                rev.span(),
                "`rev` is part of a context's cache key: it needs `context = ...`",
            );
        }
        if let Some((span, _)) = &opts.cache {
            return err(
                *span,
                "`cache` is a context's origin-cache policy: it needs `context = ...`",
            );
        }
    }
    if let (Some(_), Some(m)) = (&opts.route, &opts.merge) {
        return err(
            reference_span(m),
            "a view-path function returns a raw response and cannot `merge`",
        );
    }
    Ok(())
}

fn reference_span(r: &Reference) -> proc_macro2::Span {
    match r {
        Reference::Name(s) => s.span(),
        Reference::Path(p) => p.span(),
    }
}

fn context_name(r: &Reference) -> TokenStream {
    match r {
        Reference::Name(s) => quote!(#s),
        Reference::Path(p) => quote_spanned!(p.span()=> <#p as ::mizan::ContextMarker>::NAME),
    }
}

fn take_default(attrs: &mut Vec<syn::Attribute>) -> syn::Result<Option<Expr>> {
    let mut default = None;
    let mut result = Ok(());
    attrs.retain(|attr| {
        if !attr.path().is_ident("mizan") {
            return true;
        }
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                default = Some(meta.value()?.parse::<Expr>()?);
                Ok(())
            } else {
                Err(meta.error("unknown argument option; expected `#[mizan(default = <value>)]`"))
            }
        });
        if let Err(e) = parsed {
            result = Err(e);
        }
        false
    });
    result.map(|()| default)
}

fn is_request(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => last_segment(&r.elem).as_deref() == Some("Request"),
        _ => false,
    }
}

fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn generic_arg(ty: &Type, index: usize) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
        return None;
    };
    args.args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
        .nth(index)
}

fn option_inner(ty: &Type) -> Option<String> {
    generic_arg(ty, 0).as_ref().and_then(last_segment)
}

fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#")
        .map_or_else(|| s.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(attr: TokenStream, item: TokenStream) -> ClientFn {
        ClientFn::parse(attr, item).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_function_is_described_before_anything_is_emitted() {
        let func = parse(
            quote!(affects = UserCtx, name = "rename"),
            quote! {
                async fn rename_user(req: &Request, user_id: i64, #[mizan(default = 3)] n: u8, note: Option<String>) -> Result<Profile, MizanError> { todo!() }
            },
        );
        assert_eq!(func.wire_name, "rename");
        assert!(func.takes_request);
        let kinds: Vec<_> = func
            .params
            .iter()
            .map(|p| match p.kind {
                ParamKind::Required => "required",
                ParamKind::Optional => "optional",
                ParamKind::Default(_) => "default",
                ParamKind::Upload | ParamKind::OptionalUpload => "upload",
            })
            .collect();
        assert_eq!(kinds, ["required", "default", "optional"]);
        assert!(matches!(func.output, Output::Data { fallible: true, .. }));
        // The default attribute is consumed: the function compiles as written.
        assert!(!quote!(#(func.item)).to_string().contains("mizan"));
    }

    #[test]
    fn a_view_has_no_data_output() {
        let func = parse(
            quote!(route = "/p/{id}/", methods = ["POST"]),
            quote!(
                fn page(id: i64) -> ViewResponse {
                    todo!()
                }
            ),
        );
        assert!(matches!(func.output, Output::View));
        let handler = func.handler().to_string();
        assert!(handler.contains("Handler :: View"), "{handler}");
        assert!(handler.contains("\"POST\""), "{handler}");
    }
}
