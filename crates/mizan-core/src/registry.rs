//! The registry: every declared function, validated once as a graph
//! (../shared/spec/DECLARATION.md "Registration"), with contexts derived and merges resolved.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::channel::{Channel, ChannelDef, channel_definition, registered_channels};
use crate::function::{
    CachePolicy, FunctionDef, Handler, ServerFn, TargetRef, registered_functions,
};
use crate::graph::{Context, ContextParam, Function, RegisteredChannel, ResolvedTarget};
use crate::merge::resolve_merge;
use crate::shape::{Shape, TypeSet};

/// Registration failed: every problem found, each naming its culprit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    /// One line per problem.
    pub problems: Vec<String>,
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid Mizan registry ({} problem", self.problems.len())?;
        if self.problems.len() != 1 {
            f.write_str("s")?;
        }
        f.write_str("):")?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RegistryError {}

/// Collects functions, then validates and builds a [`Registry`].
///
/// ```
/// # use mizan_core::Registry;
/// let registry = Registry::builder().build().expect("an empty registry is valid");
/// assert_eq!(registry.functions().count(), 0);
/// ```
#[derive(Debug, Default)]
pub struct RegistryBuilder {
    defs: Vec<FunctionDef>,
    channels: Vec<ChannelDef>,
    page_routes: BTreeMap<String, BTreeSet<String>>,
}

impl RegistryBuilder {
    /// Adds one function by its `#[mizan::client]` companion type.
    #[must_use]
    pub fn function<F: ServerFn>(mut self) -> Self {
        self.defs.push(F::definition());
        self
    }

    /// Adds a definition.
    #[must_use]
    pub fn definition(mut self, def: FunctionDef) -> Self {
        self.defs.push(def);
        self
    }

    /// Adds one channel by its `#[mizan::channel]` marker.
    #[must_use]
    pub fn channel<C: Channel>(mut self) -> Self {
        self.channels.push(channel_definition::<C>());
        self
    }

    /// Adds a channel definition.
    #[must_use]
    pub fn channel_definition(mut self, def: ChannelDef) -> Self {
        self.channels.push(def);
        self
    }

    /// Adds every function declared with `#[mizan::client]` and every channel
    /// declared with `#[mizan::channel]` in the program.
    #[must_use]
    pub fn auto_registered(mut self) -> Self {
        self.defs.extend(registered_functions());
        self.channels.extend(registered_channels());
        self
    }

    /// Adds the built-in `mwt_obtain` (needs MWT configured on the server).
    #[must_use]
    pub fn mwt_obtain(mut self) -> Self {
        self.defs.push(crate::builtin::mwt_obtain());
        self
    }

    /// Maps an extra URL pattern to a context for the edge manifest's
    /// `page_routes` (pages the app renders from that context).
    #[must_use]
    pub fn page_route(mut self, context: &str, pattern: &str) -> Self {
        self.page_routes
            .entry(context.to_owned())
            .or_default()
            .insert(pattern.to_owned());
        self
    }

    /// Validates the whole graph.
    pub fn build(self) -> Result<Registry, RegistryError> {
        build(self)
    }
}

/// Every function of an app, validated, with contexts and types.
#[derive(Debug, Clone)]
pub struct Registry {
    functions: BTreeMap<String, Function>,
    contexts: BTreeMap<String, Context>,
    channels: BTreeMap<String, RegisteredChannel>,
    types: TypeSet,
    page_routes: BTreeMap<String, BTreeSet<String>>,
}

impl Registry {
    /// A builder.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// The registry of every function declared with `#[mizan::client]`.
    pub fn from_declarations() -> Result<Self, RegistryError> {
        Self::builder().auto_registered().build()
    }

    /// Looks up a function by wire name.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.get(name)
    }
    /// All functions, sorted by name.
    pub fn functions(&self) -> impl Iterator<Item = &Function> {
        self.functions.values()
    }
    /// Looks up a context.
    pub fn context(&self, name: &str) -> Option<&Context> {
        self.contexts.get(name)
    }
    /// All contexts, sorted by name.
    pub fn contexts(&self) -> impl Iterator<Item = &Context> {
        self.contexts.values()
    }
    /// Looks up a channel.
    pub fn channel(&self, name: &str) -> Option<&RegisteredChannel> {
        self.channels.get(name)
    }
    /// All channels, sorted by name.
    pub fn channels(&self) -> impl Iterator<Item = &RegisteredChannel> {
        self.channels.values()
    }
    /// Named types.
    pub fn types(&self) -> &TypeSet {
        &self.types
    }
    /// The view-path functions at `route`, sorted by name.
    pub fn views_at<'a>(&'a self, route: &'a str) -> impl Iterator<Item = &'a Function> {
        self.functions
            .values()
            .filter(move |f| match &f.def.handler {
                Handler::View { route: r, .. } => r == route,
                Handler::Data(_) => false,
            })
    }
    /// Every route of a view-path function, sorted, each once.
    pub fn view_routes(&self) -> BTreeSet<&str> {
        self.functions
            .values()
            .filter_map(|f| match &f.def.handler {
                Handler::View { route, .. } => Some(route.as_str()),
                Handler::Data(_) => None,
            })
            .collect()
    }
    /// Extra page routes of a context (manifest).
    pub fn extra_page_routes(&self, context: &str) -> impl Iterator<Item = &str> {
        self.page_routes
            .get(context)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }
}

fn strip_optional(shape: &Shape) -> &Shape {
    match shape {
        Shape::Optional(inner) => inner,
        other => other,
    }
}

fn build(builder: RegistryBuilder) -> Result<Registry, RegistryError> {
    let mut problems = Vec::new();
    let mut types = TypeSet::new();
    let mut functions: BTreeMap<String, Function> = BTreeMap::new();

    // Sorting first makes the type set (and every message) independent of
    // registration order.
    let mut defs = builder.defs;
    defs.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.rust_path.cmp(&b.rust_path))
    });

    for def in defs {
        if def.name.is_empty() {
            problems.push(format!("`{}` has an empty wire name", def.rust_path));
            continue;
        }
        if let Some(existing) = functions.get(&def.name) {
            problems.push(format!(
                "function name `{}` is registered twice: by `{}` and by `{}`",
                def.name, existing.def.rust_path, def.rust_path
            ));
            continue;
        }
        let sig = (def.signature)(&mut types);
        if let Handler::View { route, .. } = &def.handler {
            for segment in route_params(route) {
                if !sig.params.iter().any(|p| p.name == segment) {
                    problems.push(format!(
                        "view `{}`: route `{route}` has `{{{segment}}}` but the function has no parameter `{segment}`",
                        def.name
                    ));
                }
            }
        }
        functions.insert(
            def.name.clone(),
            Function {
                params: sig.params,
                output: sig.output,
                affects: Vec::new(),
                merge: None,
                def,
            },
        );
    }
    let channels = register_channels(builder.channels, &mut types, &mut problems);
    problems.extend(types.conflicts().iter().cloned());
    check_view_routes(&functions, &mut problems);

    let contexts = derive_contexts(&functions, &mut problems);

    // Resolve affects and merges now that contexts are known.
    let names: Vec<String> = functions.keys().cloned().collect();
    for name in &names {
        let Some(func) = functions.get(name) else {
            continue;
        };
        let mut affects: Vec<ResolvedTarget> = Vec::new();
        for target in &func.def.affects {
            let resolved = match target {
                TargetRef::Context(ctx) if contexts.contains_key(ctx) => Some(ResolvedTarget {
                    context: ctx.clone(),
                    function: None,
                }),
                TargetRef::Context(ctx) => {
                    problems.push(format!(
                        "`{name}` affects context `{ctx}`, which has no members"
                    ));
                    None
                }
                TargetRef::Function(f) => match functions.get(f).map(|t| &t.def.context) {
                    Some(Some(ctx)) => Some(ResolvedTarget {
                        context: ctx.clone(),
                        function: Some(f.clone()),
                    }),
                    Some(None) => {
                        problems.push(format!(
                            "`{name}` affects function `{f}`, which belongs to no context"
                        ));
                        None
                    }
                    None => {
                        problems.push(format!(
                            "`{name}` affects function `{f}`, which is not registered"
                        ));
                        None
                    }
                },
            };
            if let Some(r) = resolved {
                if !affects.contains(&r) {
                    affects.push(r);
                }
            }
        }
        let merge = match &func.def.merge {
            None => None,
            Some(decl) => match contexts.get(&decl.context) {
                None => {
                    problems.push(format!(
                        "`{name}` merges into context `{}`, which has no members",
                        decl.context
                    ));
                    None
                }
                Some(ctx) => match resolve_merge(func, decl, ctx, &functions, &types) {
                    Ok(spec) => Some(spec),
                    Err(problem) => {
                        problems.push(problem);
                        None
                    }
                },
            },
        };
        if let Some(func) = functions.get_mut(name) {
            func.affects = affects;
            func.merge = merge;
        }
    }

    if problems.is_empty() {
        Ok(Registry {
            functions,
            contexts,
            channels,
            types,
            page_routes: builder.page_routes,
        })
    } else {
        Err(RegistryError { problems })
    }
}

fn derive_contexts(
    functions: &BTreeMap<String, Function>,
    problems: &mut Vec<String>,
) -> BTreeMap<String, Context> {
    let mut members: BTreeMap<&str, Vec<&Function>> = BTreeMap::new();
    for func in functions.values() {
        if let Some(ctx) = &func.def.context {
            members.entry(ctx.as_str()).or_default().push(func);
        }
    }
    let mut contexts = BTreeMap::new();
    for (name, funcs) in members {
        let socket_only = funcs.iter().filter(|f| f.def.socket_only).count();
        if socket_only != 0 && socket_only != funcs.len() {
            let list = |ws: bool| {
                funcs
                    .iter()
                    .filter(|f| f.def.socket_only == ws)
                    .map(|f| format!("`{}`", f.name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            problems.push(format!(
                "context `{name}` mixes socket-only members ({}) with HTTP members ({})",
                list(true),
                list(false)
            ));
        }
        let bundle: Vec<&Function> = funcs.iter().copied().filter(|f| !f.is_view()).collect();
        let mut params: BTreeMap<&str, (Shape, &str)> = BTreeMap::new();
        let mut conflicting: BTreeSet<&str> = BTreeSet::new();
        for func in &funcs {
            for p in &func.params {
                let shape = strip_optional(&p.shape).clone();
                match params.get(p.name.as_str()) {
                    Some((existing, owner)) if *existing != shape => {
                        if conflicting.insert(&p.name) {
                            problems.push(format!(
                                "context `{name}`: parameter `{}` is `{}` in `{owner}` but `{}` in `{}`",
                                p.name,
                                existing,
                                shape,
                                func.name()
                            ));
                        }
                    }
                    Some(_) => {}
                    None => {
                        params.insert(&p.name, (shape, func.name()));
                    }
                }
            }
        }
        let params: Vec<ContextParam> = params
            .into_iter()
            .map(|(pname, (shape, _))| ContextParam {
                name: pname.to_owned(),
                shape,
                required: !bundle.is_empty()
                    && bundle
                        .iter()
                        .all(|f| f.params.iter().any(|p| p.name == pname && p.required)),
            })
            .collect();
        if name == "global" {
            for p in params.iter().filter(|p| p.required) {
                problems.push(format!(
                    "context `global` is fetched once at the app root with no parameters, but its members require `{}`",
                    p.name
                ));
            }
        }
        let cache = funcs
            .iter()
            .fold(CachePolicy::Default, |acc, f| match (acc, f.def.cache) {
                (CachePolicy::Never, _) | (_, CachePolicy::Never) => CachePolicy::Never,
                (CachePolicy::Ttl(a), CachePolicy::Ttl(b)) => CachePolicy::Ttl(a.min(b)),
                (CachePolicy::Ttl(a), CachePolicy::Default)
                | (CachePolicy::Default, CachePolicy::Ttl(a)) => CachePolicy::Ttl(a),
                (CachePolicy::Default, CachePolicy::Default) => CachePolicy::Default,
            });
        contexts.insert(
            name.to_owned(),
            Context {
                name: name.to_owned(),
                params,
                members: funcs.iter().map(|f| f.name().to_owned()).collect(),
                bundle: bundle.iter().map(|f| f.name().to_owned()).collect(),
                rev: funcs.iter().map(|f| f.def.rev).max().unwrap_or(0),
                cache,
                socket_only: socket_only == funcs.len(),
            },
        );
    }
    contexts
}

/// Describes every channel into the type set; a name registered twice, or
/// params that are not a struct, are problems.
fn register_channels(
    mut defs: Vec<ChannelDef>,
    types: &mut TypeSet,
    problems: &mut Vec<String>,
) -> BTreeMap<String, RegisteredChannel> {
    defs.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.rust_path.cmp(&b.rust_path))
    });
    let mut channels: BTreeMap<String, RegisteredChannel> = BTreeMap::new();
    for def in defs {
        if def.name.is_empty() {
            problems.push(format!("channel `{}` has an empty name", def.rust_path));
            continue;
        }
        if let Some(existing) = channels.get(&def.name) {
            problems.push(format!(
                "channel name `{}` is registered twice: by `{}` and by `{}`",
                def.name, existing.def.rust_path, def.rust_path
            ));
            continue;
        }
        let sig = (def.signature)(types);
        let Some(params) = sig.params else {
            problems.push(format!(
                "channel `{}`: its `Params` type must be a struct with named fields (they are the channel's params)",
                def.name
            ));
            continue;
        };
        channels.insert(
            def.name.clone(),
            RegisteredChannel {
                params,
                send: sig.send,
                message: sig.message,
                def,
            },
        );
    }
    channels
}

/// Two view-path functions may share a route only with different methods
/// (a form's GET and its POST): a request must name one function.
fn check_view_routes(functions: &BTreeMap<String, Function>, problems: &mut Vec<String>) {
    let mut served: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for func in functions.values() {
        let Handler::View { route, methods, .. } = &func.def.handler else {
            continue;
        };
        for method in methods {
            if let Some(first) = served.insert((route.as_str(), method.as_str()), func.name()) {
                problems.push(format!(
                    "view route `{method} {route}` is declared by both `{first}` and `{}`",
                    func.name()
                ));
            }
        }
    }
}

/// The `{name}` segments of a route pattern.
pub fn route_params(route: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = route;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(after[..end].trim_start_matches('*').to_owned());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}
