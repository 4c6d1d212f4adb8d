//! Parsing of `#[mizan::client(...)]` options (../shared/spec/DECLARATION.md's table).

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprArray, ExprLit, ExprPath, Ident, Lit, LitInt, LitStr, Path, Token};

/// A context, function or string reference.
pub(crate) enum Reference {
    /// A string: a context name.
    Name(LitStr),
    /// A path to a context marker or a function.
    Path(Path),
}

/// `auth` variants.
pub(crate) enum AuthOption {
    Required,
    Staff,
    Superuser,
    Predicate(Path),
}

/// `cache` variants.
pub(crate) enum CacheOption {
    Ttl(LitInt),
    Never,
}

/// Everything `#[mizan::client(...)]` accepts.
#[derive(Default)]
pub(crate) struct ClientOptions {
    pub(crate) context: Option<Reference>,
    pub(crate) affects: Vec<Reference>,
    pub(crate) merge: Option<Reference>,
    pub(crate) merge_key: Option<LitStr>,
    pub(crate) auth: Option<(Span, AuthOption)>,
    pub(crate) private: bool,
    pub(crate) route: Option<LitStr>,
    pub(crate) methods: Option<(Span, Vec<LitStr>)>,
    pub(crate) rev: Option<LitInt>,
    pub(crate) cache: Option<(Span, CacheOption)>,
    pub(crate) websocket: Option<Span>,
    pub(crate) name: Option<LitStr>,
}

const KNOWN: &str = "context, affects, merge, merge_key, auth, private, route, methods, rev, cache, websocket, name";

struct Item {
    key: Ident,
    value: Option<Expr>,
}

impl Parse for Item {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = input.call(Ident::parse_any_ident)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Self { key, value })
    }
}

trait ParseAny {
    fn parse_any_ident(input: ParseStream<'_>) -> syn::Result<Ident>;
}
impl ParseAny for Ident {
    fn parse_any_ident(input: ParseStream<'_>) -> syn::Result<Ident> {
        use syn::ext::IdentExt as _;
        Ident::parse_any(input)
    }
}

impl Parse for ClientOptions {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let items = Punctuated::<Item, Token![,]>::parse_terminated(input)?;
        let mut opts = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for item in items {
            let key = item.key.to_string();
            if seen.contains(&key) {
                return Err(syn::Error::new(
                    item.key.span(),
                    format!("`{key}` is given twice"),
                ));
            }
            seen.push(key.clone());
            let span = item.key.span();
            match key.as_str() {
                "context" => opts.context = Some(reference(&item.key, item.value)?),
                "affects" => match item.value {
                    Some(Expr::Array(ExprArray { elems, .. })) => {
                        if elems.is_empty() {
                            return Err(syn::Error::new(
                                span,
                                "`affects = []` affects nothing: remove it",
                            ));
                        }
                        for e in elems {
                            opts.affects.push(reference(&item.key, Some(e))?);
                        }
                    }
                    other => opts.affects.push(reference(&item.key, other)?),
                },
                "merge" => opts.merge = Some(reference(&item.key, item.value)?),
                "merge_key" => opts.merge_key = Some(string(&item.key, item.value)?),
                "auth" => {
                    let auth = match item.value {
                        None => AuthOption::Required,
                        Some(Expr::Lit(ExprLit {
                            lit: Lit::Str(s), ..
                        })) => match s.value().as_str() {
                            "required" => AuthOption::Required,
                            "staff" => AuthOption::Staff,
                            "superuser" => AuthOption::Superuser,
                            _ => {
                                return Err(syn::Error::new(
                                    s.span(),
                                    "unknown auth level: use `auth`, `auth = \"staff\"`, `auth = \"superuser\"` or `auth = path::to::predicate`",
                                ));
                            }
                        },
                        Some(Expr::Path(ExprPath { path, .. })) => AuthOption::Predicate(path),
                        Some(other) => {
                            return Err(syn::Error::new_spanned(
                                other,
                                "expected \"staff\", \"superuser\" or a path to `fn(&Identity) -> bool`",
                            ));
                        }
                    };
                    opts.auth = Some((span, auth));
                }
                "private" => {
                    flag(&item.key, item.value)?;
                    opts.private = true;
                }
                "websocket" => {
                    flag(&item.key, item.value)?;
                    opts.websocket = Some(span);
                }
                "route" => {
                    let route = string(&item.key, item.value)?;
                    if !route.value().starts_with('/') {
                        return Err(syn::Error::new(
                            route.span(),
                            "a route starts with `/`, e.g. \"/profile/{user_id}/\"",
                        ));
                    }
                    opts.route = Some(route);
                }
                "methods" => {
                    let Some(Expr::Array(ExprArray { elems, .. })) = item.value else {
                        return Err(syn::Error::new(
                            span,
                            "expected a list: methods = [\"GET\", \"POST\"]",
                        ));
                    };
                    let mut methods = Vec::new();
                    for e in elems {
                        let m = string(&item.key, Some(e))?;
                        let v = m.value();
                        if !matches!(
                            v.as_str(),
                            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"
                        ) {
                            return Err(syn::Error::new(
                                m.span(),
                                "expected an upper-case HTTP method such as \"GET\" or \"POST\"",
                            ));
                        }
                        methods.push(m);
                    }
                    if methods.is_empty() {
                        return Err(syn::Error::new(span, "`methods` needs at least one method"));
                    }
                    opts.methods = Some((span, methods));
                }
                "rev" => match item.value {
                    Some(Expr::Lit(ExprLit {
                        lit: Lit::Int(n), ..
                    })) => {
                        n.base10_parse::<u32>()?;
                        opts.rev = Some(n);
                    }
                    _ => {
                        return Err(syn::Error::new(
                            span,
                            "expected a non-negative integer: rev = 2",
                        ));
                    }
                },
                "cache" => {
                    let cache = match item.value {
                        Some(Expr::Lit(ExprLit {
                            lit: Lit::Int(n), ..
                        })) => {
                            n.base10_parse::<u64>()?;
                            CacheOption::Ttl(n)
                        }
                        Some(Expr::Lit(ExprLit {
                            lit: Lit::Bool(b), ..
                        })) if !b.value => CacheOption::Never,
                        _ => {
                            return Err(syn::Error::new(
                                span,
                                "expected a TTL in seconds or `false`: cache = 60",
                            ));
                        }
                    };
                    opts.cache = Some((span, cache));
                }
                "name" => {
                    let name = string(&item.key, item.value)?;
                    check_wire_name(&name.value(), name.span(), "function")?;
                    opts.name = Some(name);
                }
                other => {
                    return Err(syn::Error::new(
                        span,
                        format!("unknown option `{other}`; expected one of: {KNOWN}"),
                    ));
                }
            }
        }
        Ok(opts)
    }
}

fn reference(key: &Ident, value: Option<Expr>) -> syn::Result<Reference> {
    match value {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        })) => {
            check_wire_name(&s.value(), s.span(), "context")?;
            Ok(Reference::Name(s))
        }
        Some(Expr::Path(ExprPath { path, .. })) => Ok(Reference::Path(path)),
        Some(other) => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` expects a context marker, a function path or a context name string"),
        )),
        None => Err(syn::Error::new(
            key.span(),
            format!("`{key}` needs a value: {key} = UserCtx"),
        )),
    }
}

fn string(key: &Ident, value: Option<Expr>) -> syn::Result<LitStr> {
    match value {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        })) => Ok(s),
        Some(other) => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` expects a string"),
        )),
        None => Err(syn::Error::new(
            key.span(),
            format!("`{key}` needs a string value"),
        )),
    }
}

fn flag(key: &Ident, value: Option<Expr>) -> syn::Result<()> {
    match value {
        None => Ok(()),
        Some(other) => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` is a flag and takes no value"),
        )),
    }
}

/// Wire names become identifiers in generated clients: letters, digits and
/// `_`, not starting with a digit.
pub(crate) fn check_wire_name(name: &str, span: Span, what: &str) -> syn::Result<()> {
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(syn::Error::new(
            span,
            format!(
                "invalid {what} name `{name}`: use ASCII letters, digits and `_`, not starting with a digit"
            ),
        ))
    }
}
