//! `#[mizan::client(...)]`: keeps the function as written and adds a
//! companion type (same name, type namespace) implementing `ServerFn`, plus
//! its auto-registration.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, GenericArgument, ItemFn, Pat, PathArguments, ReturnType, Type};

use crate::options::{AuthOption, CacheOption, ClientOptions, Reference};

/// One input argument of the function.
struct Param {
    ident: syn::Ident,
    wire: String,
    ty: Type,
    kind: ParamKind,
}

enum ParamKind {
    Required,
    Optional,
    Default(Expr),
    Upload,
    OptionalUpload,
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let opts: ClientOptions = syn::parse2(attr)?;
    let mut func: ItemFn = syn::parse2(item)?;
    check_combinations(&opts)?;

    let sig = &func.sig;
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
    let is_async = sig.asyncness.is_some();
    let fn_ident = sig.ident.clone();
    let wire_name = opts
        .name
        .as_ref()
        .map_or_else(|| unraw(&fn_ident), syn::LitStr::value);

    // Inputs: an optional leading `&Request`, then arguments.
    let mut takes_request = false;
    let mut params = Vec::new();
    for (index, input) in func.sig.inputs.iter_mut().enumerate() {
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
        let Pat::Ident(pat) = &*pat_ty.pat else {
            return Err(syn::Error::new_spanned(
                &pat_ty.pat,
                "arguments need a plain name: the name is the wire name",
            ));
        };
        if let Type::Reference(r) = &*pat_ty.ty {
            let hint = if is_request(&pat_ty.ty) {
                "; the request handle must be the first parameter"
            } else {
                ""
            };
            return Err(syn::Error::new_spanned(
                r,
                format!("arguments are owned values decoded from JSON: use an owned type{hint}"),
            ));
        }
        if let Type::ImplTrait(t) = &*pat_ty.ty {
            return Err(syn::Error::new_spanned(
                t,
                "`impl Trait` arguments cannot be described: use a concrete type",
            ));
        }
        let kind = match (last_segment(&pat_ty.ty).as_deref(), default) {
            (Some("Upload"), None) => ParamKind::Upload,
            (Some("Option"), None) if option_inner(&pat_ty.ty).as_deref() == Some("Upload") => {
                ParamKind::OptionalUpload
            }
            (Some("Option"), None) => ParamKind::Optional,
            (Some("Option" | "Upload"), Some(d)) => {
                return Err(syn::Error::new_spanned(
                    d,
                    "optional and file arguments take no default",
                ));
            }
            (_, Some(d)) => ParamKind::Default(d),
            (_, None) => ParamKind::Required,
        };
        params.push(Param {
            ident: pat.ident.clone(),
            wire: unraw(&pat.ident),
            ty: (*pat_ty.ty).clone(),
            kind,
        });
    }

    let is_view = opts.route.is_some();
    let (output_shape, output_conv) = output(&func.sig.output, is_view)?;

    // Argument extraction.
    let extract = params.iter().map(|p| {
        let (ident, wire, ty) = (&p.ident, &p.wire, &p.ty);
        let call = match &p.kind {
            ParamKind::Required => quote_spanned!(ty.span()=> __args.required::<#ty>(#wire)),
            ParamKind::Optional => quote_spanned!(ty.span()=> __args.optional::<#ty>(#wire)),
            ParamKind::Default(d) => {
                quote_spanned!(d.span()=> __args.with_default::<#ty>(#wire, || #d))
            }
            ParamKind::Upload => quote!(__args.upload(#wire)),
            ParamKind::OptionalUpload => quote!(__args.optional_upload(#wire)),
        };
        quote!(let #ident = #call;)
    });
    let idents: Vec<_> = params.iter().map(|p| &p.ident).collect();
    let request_arg = takes_request.then(|| quote!(&__req,));
    let await_call = is_async.then(|| quote!(.await));
    let call_fn = quote! {
        let mut __args = __args;
        #(#extract)*
        __args.finish()?;
        let (#(::core::option::Option::Some(#idents),)*) = (#(#idents,)*) else {
            return ::core::result::Result::Err(::mizan::__private::extraction_bug(#wire_name));
        };
        let __out = #fn_ident(#request_arg #(#idents),*) #await_call;
        #output_conv
    };
    let handler_body = quote! {
        ::std::sync::Arc::new(|__req: ::mizan::Request, __args: ::mizan::Args| {
            ::std::boxed::Box::pin(async move { #call_fn }) as ::mizan::__private::BoxFuture<_>
        })
    };
    let body = match (&opts.route, &opts.methods) {
        (Some(route), methods) => {
            let methods: Vec<String> = match methods {
                Some((_, list)) => list.iter().map(syn::LitStr::value).collect(),
                None => vec!["GET".to_owned()],
            };
            quote! {
                ::mizan::__private::Body::View {
                    route: ::std::string::String::from(#route),
                    methods: ::std::vec![#(::std::string::String::from(#methods)),*],
                    handler: #handler_body,
                }
            }
        }
        (None, _) => quote!(::mizan::__private::Body::Data(#handler_body)),
    };

    let param_defs = params.iter().map(|p| {
        let (wire, ty) = (&p.wire, &p.ty);
        let (shape_ty, required, default) = match &p.kind {
            ParamKind::Required => (quote!(#ty), true, quote!(::core::option::Option::None)),
            ParamKind::Optional | ParamKind::OptionalUpload => {
                (quote!(#ty), false, quote!(::core::option::Option::None))
            }
            ParamKind::Upload => (quote!(#ty), true, quote!(::core::option::Option::None)),
            ParamKind::Default(d) => (
                quote!(#ty),
                false,
                quote!(::mizan::__private::default_json::<#ty>(#d)),
            ),
        };
        quote_spanned! {ty.span()=>
            ::mizan::__private::ParamDef {
                name: ::std::string::String::from(#wire),
                shape: <#shape_ty as ::mizan::Describe>::describe(__types),
                required: #required,
                default: #default,
            }
        }
    });

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
            AuthOption::Predicate(p) => quote_spanned!(p.span()=> ::mizan::Auth::Custom(#p)),
        };
        quote!(__def.auth = #value;)
    });
    let private = opts.private.then(|| quote!(__def.private = true;));
    let rev = opts.rev.as_ref().map(|n| quote!(__def.rev = #n;));
    let cache = opts.cache.as_ref().map(|(_, c)| match c {
        CacheOption::Ttl(n) => quote!(__def.cache = ::mizan::CachePolicy::Ttl(#n);),
        CacheOption::Never => quote!(__def.cache = ::mizan::CachePolicy::Never;),
    });
    let websocket = opts
        .websocket
        .map(|_| quote!(__def.transport = ::mizan::FnTransport::WebSocket;));

    let vis = &func.vis;
    let doc =
        format!("Mizan companion of the server function [`{fn_ident}`] (wire name `{wire_name}`).");
    let output_shape = match output_shape {
        Some(ty) => {
            quote_spanned!(ty.span()=> ::core::option::Option::Some(<#ty as ::mizan::Describe>::describe(__types)))
        }
        None => quote!(::core::option::Option::None),
    };

    Ok(quote! {
        #func

        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #vis struct #fn_ident {}

        impl ::mizan::ServerFn for #fn_ident {
            const NAME: &'static str = #wire_name;
            fn definition() -> ::mizan::FunctionDef {
                fn __signature(__types: &mut ::mizan::TypeSet) -> ::mizan::__private::Signature {
                    ::mizan::__private::Signature {
                        params: ::std::vec![#(#param_defs),*],
                        output: #output_shape,
                    }
                }
                let mut __def = ::mizan::FunctionDef::new(
                    #wire_name,
                    __signature,
                    ::std::sync::Arc::new(|_, _| ::std::boxed::Box::pin(async {
                        ::core::result::Result::Err(::mizan::MizanError::internal("placeholder handler"))
                    })),
                );
                __def.rust_path = ::std::format!("{}::{}", ::core::module_path!(), #wire_name);
                __def.body = #body;
                #context
                #(#affects)*
                #merge
                #auth
                #private
                #rev
                #cache
                #websocket
                __def
            }
        }

        impl ::mizan::AffectsTarget for #fn_ident {
            fn target() -> ::mizan::TargetRef {
                ::mizan::TargetRef::Function(::std::string::String::from(#wire_name))
            }
        }

        ::mizan::__private::inventory::submit! {
            ::mizan::__private::Registration {
                definition: <#fn_ident as ::mizan::ServerFn>::definition,
            }
        }
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

/// `(shape type, conversion of __out into Result<Value | ViewResponse>)`.
fn output(ret: &ReturnType, is_view: bool) -> syn::Result<(Option<Type>, TokenStream)> {
    if is_view {
        let conv = quote!(::mizan::IntoViewResult::into_view_result(__out));
        return Ok((None, conv));
    }
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
        let conv = quote! {
            let __out = __out.map_err(::core::convert::Into::<::mizan::MizanError>::into)?;
            ::mizan::__private::to_json(&__out)
        };
        return Ok((Some(inner), conv));
    }
    Ok((Some(ty), quote!(::mizan::__private::to_json(&__out))))
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

fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#")
        .map_or_else(|| s.clone(), str::to_owned)
}
