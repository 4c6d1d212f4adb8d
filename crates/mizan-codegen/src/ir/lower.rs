//! From a KDL document to the typed [`Ir`], checking the grammar of
//! `docs/ir.md` node by node, then the references between nodes.

use std::collections::{HashMap, HashSet};

use super::{
    Affects, Auth, CachePolicy, Channel, Context, ContextParam, Field, Function, Ir, Merge,
    MergeMode, Param, Route, Scalar, Shape, Transport, TypeDef, TypeKind, VERSION,
};
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::kdl::{Document, Entry, Node, Value};

/// Past this many errors the rest are likely consequences of the first.
const MAX_ERRORS: usize = 50;

pub(super) fn lower(doc: &Document<'_>) -> Result<Ir, Diagnostics> {
    let mut l = Lowerer::default();
    let mut ir = Ir {
        types: Vec::new(),
        functions: Vec::new(),
        contexts: Vec::new(),
        channels: Vec::new(),
    };
    match doc.nodes.first() {
        None => l.diags.push(
            Diagnostic::new(
                Span {
                    line: 1,
                    column: 1,
                    ..Span::default()
                },
                "document",
                "the IR is empty",
            )
            .with_help("the first node must be `mizan-ir version=1`"),
        ),
        Some(first) => l.header(first),
    }
    for node in doc.nodes.iter().skip(1) {
        match node.name {
            "type" => ir.types.extend(l.type_def(node)),
            "function" => ir.functions.extend(l.function(node)),
            "context" => ir.contexts.extend(l.context(node)),
            "channel" => ir.channels.extend(l.channel(node)),
            "mizan-ir" => l.error(node.error("`mizan-ir` must appear once, as the first node")),
            other => l.error(
                node.error(format!("unknown node `{other}`"))
                    .with_help("top-level nodes are `type`, `function`, `context` and `channel`"),
            ),
        }
    }
    l.check_unique("type", ir.types.iter().map(|t| (t.name.as_str(), t.span)));
    l.check_unique(
        "function",
        ir.functions.iter().map(|f| (f.name.as_str(), f.span)),
    );
    l.check_unique(
        "context",
        ir.contexts.iter().map(|c| (c.name.as_str(), c.span)),
    );
    l.check_unique(
        "channel",
        ir.channels.iter().map(|c| (c.name.as_str(), c.span)),
    );
    l.check_references(&ir);

    if !l.diags.is_empty() {
        l.diags.sort_by_key(|d| d.span.offset);
        l.diags.truncate(MAX_ERRORS);
        return Err(Diagnostics(l.diags));
    }
    ir.types.sort_by(|a, b| a.name.cmp(&b.name));
    ir.functions.sort_by(|a, b| a.name.cmp(&b.name));
    ir.contexts.sort_by(|a, b| a.name.cmp(&b.name));
    ir.channels.sort_by(|a, b| a.name.cmp(&b.name));
    for c in &mut ir.contexts {
        c.members.sort();
    }
    Ok(ir)
}

/// A cross-reference seen while lowering, checked once every name is known.
enum Reference {
    Type {
        name: String,
        span: Span,
    },
    FunctionContext {
        function: String,
        context: String,
        span: Span,
    },
    Member {
        context: String,
        function: String,
        span: Span,
    },
    AffectsContext {
        context: String,
        span: Span,
    },
    AffectsFunction {
        context: String,
        function: String,
        span: Span,
    },
    MergeSlot {
        context: String,
        slot: String,
        span: Span,
    },
}

#[derive(Default)]
struct Lowerer {
    diags: Vec<Diagnostic>,
    refs: Vec<Reference>,
}

/// Where a shape stands, for the rule that `upload` is a parameter only.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    Parameter,
    Elsewhere,
}

const SHAPES: &str =
    "shapes are string, int, float, bool, any, upload, ref, list, optional, map, enum and union";

impl Lowerer {
    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    // --- entries -----------------------------------------------------------

    /// The node's properties, checked against `allowed`; the result has one
    /// slot per allowed key. Reports unknown and repeated properties.
    fn props<'n, 'a>(
        &mut self,
        node: &'n Node<'a>,
        allowed: &[&str],
    ) -> Vec<Option<&'n Entry<'a>>> {
        let mut found = vec![None; allowed.len()];
        for entry in node.props() {
            let key = entry.key.unwrap_or_default();
            match allowed.iter().position(|k| *k == key) {
                Some(i) if found[i].is_some() => {
                    self.error(Diagnostic::new(
                        entry.span,
                        node.name,
                        format!("property `{key}` is given twice"),
                    ));
                }
                Some(i) => found[i] = Some(entry),
                None => {
                    let help = if allowed.is_empty() {
                        format!("`{}` takes no properties", node.name)
                    } else {
                        format!(
                            "`{}` takes {}",
                            node.name,
                            allowed
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    self.error(
                        Diagnostic::new(entry.span, node.name, format!("unknown property `{key}`"))
                            .with_help(help),
                    );
                }
            }
        }
        found
    }

    /// Exactly one string argument: the node's name (`type "Profile"`).
    fn name_arg(&mut self, node: &Node<'_>, what: &str) -> Option<String> {
        let args: Vec<_> = node.args().collect();
        match args.as_slice() {
            [e] => self.string(node, e, what),
            [] => {
                self.error(node.error(format!("`{}` needs {what} as its argument", node.name)));
                None
            }
            [_, extra, ..] => {
                self.error(Diagnostic::new(
                    extra.span,
                    node.name,
                    format!("`{}` takes one argument, {what}", node.name),
                ));
                None
            }
        }
    }

    fn no_args(&mut self, node: &Node<'_>) {
        if let Some(e) = node.args().next() {
            self.error(Diagnostic::new(
                e.span,
                node.name,
                format!("`{}` takes no arguments", node.name),
            ));
        }
    }

    fn no_entries(&mut self, node: &Node<'_>) {
        self.no_args(node);
        self.props(node, &[]);
    }

    fn no_children(&mut self, node: &Node<'_>) {
        if node.children.as_ref().is_some_and(|c| !c.is_empty()) {
            self.error(node.error(format!("`{}` takes no children", node.name)));
        }
    }

    fn string(&mut self, node: &Node<'_>, e: &Entry<'_>, what: &str) -> Option<String> {
        match &e.value {
            Value::String(s) => Some(s.to_string()),
            other => {
                self.error(Diagnostic::new(
                    e.span,
                    node.name,
                    format!("{what} must be a string, found {}", other.kind()),
                ));
                None
            }
        }
    }

    fn string_prop(&mut self, node: &Node<'_>, e: Option<&Entry<'_>>) -> Option<String> {
        let e = e?;
        self.string(
            node,
            e,
            &format!("property `{}`", e.key.unwrap_or_default()),
        )
    }

    fn bool_prop(&mut self, node: &Node<'_>, e: Option<&Entry<'_>>, default: bool) -> bool {
        let Some(e) = e else { return default };
        match e.value {
            Value::Bool(b) => b,
            ref other => {
                self.error(Diagnostic::new(
                    e.span,
                    node.name,
                    format!(
                        "property `{}` must be `#true` or `#false`, found {}",
                        e.key.unwrap_or_default(),
                        other.kind()
                    ),
                ));
                default
            }
        }
    }

    /// A string property whose value is one of `choices`.
    fn choice_prop<T: Copy>(
        &mut self,
        node: &Node<'_>,
        e: Option<&Entry<'_>>,
        choices: &[(&str, T)],
    ) -> Option<T> {
        let e = e?;
        let s = self.string_prop(node, Some(e))?;
        match choices.iter().find(|(k, _)| *k == s) {
            Some((_, v)) => Some(*v),
            None => {
                let expected: Vec<_> = choices.iter().map(|(k, _)| format!("\"{k}\"")).collect();
                self.error(Diagnostic::new(
                    e.span,
                    node.name,
                    format!(
                        "property `{}` must be one of {}, found \"{s}\"",
                        e.key.unwrap_or_default(),
                        expected.join(", ")
                    ),
                ));
                None
            }
        }
    }

    fn non_negative_int(&mut self, node: &Node<'_>, e: &Entry<'_>) -> Option<i64> {
        match e.value {
            Value::Integer(i) if i >= 0 => Some(i),
            ref other => {
                self.error(Diagnostic::new(
                    e.span,
                    node.name,
                    format!(
                        "property `{}` must be a non-negative integer, found {}",
                        e.key.unwrap_or_default(),
                        match other {
                            Value::Integer(i) => i.to_string(),
                            other => other.kind().to_string(),
                        }
                    ),
                ));
                None
            }
        }
    }

    /// The children of `node`, each of which must be named one of `allowed`.
    fn children<'n, 'a>(&mut self, node: &'n Node<'a>, allowed: &[&str]) -> &'n [Node<'a>] {
        let children = node.children.as_deref().unwrap_or_default();
        for c in children {
            if !allowed.contains(&c.name) {
                self.error(
                    c.error(format!("unknown node `{}` in `{}`", c.name, node.name))
                        .with_help(format!(
                            "`{}` contains {}",
                            node.name,
                            allowed
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                );
            }
        }
        children
    }

    /// At most one child named `name`.
    fn single<'n, 'a>(&mut self, children: &'n [Node<'a>], name: &str) -> Option<&'n Node<'a>> {
        let mut found = children.iter().filter(|c| c.name == name);
        let first = found.next();
        for extra in found {
            self.error(extra.error(format!("`{name}` is given twice")));
        }
        first
    }

    // --- nodes -------------------------------------------------------------

    fn header(&mut self, node: &Node<'_>) {
        if node.name != "mizan-ir" {
            self.error(
                node.error(format!(
                    "the first node must be `mizan-ir`, found `{}`",
                    node.name
                ))
                .with_help("start the file with `mizan-ir version=1`"),
            );
            return;
        }
        self.no_args(node);
        self.no_children(node);
        let [version] = self.props(node, &["version"])[..] else {
            return;
        };
        match version.map(|e| (e, &e.value)) {
            None => self.error(node.error("`mizan-ir` needs `version=1`")),
            Some((_, Value::Integer(VERSION))) => {}
            Some((e, Value::Integer(v))) => self.error(Diagnostic::new(
                e.span,
                node.name,
                format!("unsupported IR version {v}; this generator reads version {VERSION}"),
            )),
            Some((e, other)) => self.error(Diagnostic::new(
                e.span,
                node.name,
                format!("`version` must be an integer, found {}", other.kind()),
            )),
        }
    }

    fn type_def(&mut self, node: &Node<'_>) -> Option<TypeDef> {
        let name = self.name_arg(node, "the type's name");
        self.props(node, &[]);
        let children = self.children(node, &["struct", "enum", "alias"]);
        let kind = match children {
            [body] => self.type_body(body),
            [] => {
                self.error(node.error("`type` needs a body: `struct`, `enum` or `alias`"));
                None
            }
            [_, extra, ..] => {
                self.error(extra.error("`type` has exactly one body: `struct`, `enum` or `alias`"));
                None
            }
        };
        Some(TypeDef {
            name: name?,
            kind: kind?,
            span: node.span,
        })
    }

    fn type_body(&mut self, node: &Node<'_>) -> Option<TypeKind> {
        match node.name {
            "struct" => {
                self.no_entries(node);
                let mut fields = Vec::new();
                let mut seen = HashMap::new();
                for f in self.children(node, &["field"]) {
                    if f.name != "field" {
                        continue;
                    }
                    let Some(field) = self.field(f) else { continue };
                    if let Some(first) = seen.insert(field.name.clone(), f.span.line) {
                        self.error(
                            f.error(format!("field `{}` is declared twice", field.name))
                                .with_help(format!("first declared on line {first}")),
                        );
                    }
                    fields.push(field);
                }
                Some(TypeKind::Struct(fields))
            }
            "enum" => match self.shape(node, Position::Elsewhere)? {
                Shape::Enum(variants) => Some(TypeKind::Enum(variants)),
                _ => None,
            },
            "alias" => {
                self.no_entries(node);
                Some(TypeKind::Alias(
                    self.single_shape(node, Position::Elsewhere)?,
                ))
            }
            _ => None,
        }
    }

    fn field(&mut self, node: &Node<'_>) -> Option<Field> {
        let name = self.name_arg(node, "the field's wire name");
        let [optional] = self.props(node, &["optional"])[..] else {
            return None;
        };
        let optional = self.bool_prop(node, optional, false);
        let shape = self.single_shape(node, Position::Elsewhere);
        Some(Field {
            name: name?,
            optional,
            shape: shape?,
        })
    }

    /// The one shape in `node`'s children block (`output { int }`).
    fn single_shape(&mut self, node: &Node<'_>, pos: Position) -> Option<Shape> {
        match node.children.as_deref().unwrap_or_default() {
            [shape] => self.shape(shape, pos),
            [] => {
                self.error(
                    node.error(format!(
                        "`{}` needs a shape: `{} {{ int }}`",
                        node.name, node.name
                    ))
                    .with_help(SHAPES),
                );
                None
            }
            [_, extra, ..] => {
                self.error(extra.error(format!("`{}` takes exactly one shape", node.name)));
                None
            }
        }
    }

    fn shape(&mut self, node: &Node<'_>, pos: Position) -> Option<Shape> {
        let leaf = |this: &mut Self, shape: Shape| {
            this.no_entries(node);
            this.no_children(node);
            Some(shape)
        };
        match node.name {
            "string" => leaf(self, Shape::String),
            "int" => leaf(self, Shape::Int),
            "float" => leaf(self, Shape::Float),
            "bool" => leaf(self, Shape::Bool),
            "any" => leaf(self, Shape::Any),
            "upload" => {
                if pos != Position::Parameter {
                    self.error(node.error("`upload` is only allowed as a function parameter").with_help(
                        "write it as `param \"file\" { upload }` or `param \"file\" required=#false { optional { upload } }`",
                    ));
                }
                leaf(self, Shape::Upload)
            }
            "ref" => {
                self.props(node, &[]);
                self.no_children(node);
                let name = self.name_arg(node, "the referenced type's name")?;
                self.refs.push(Reference::Type {
                    name: name.clone(),
                    span: node.span,
                });
                Some(Shape::Ref(name))
            }
            "list" | "map" => {
                self.no_entries(node);
                let inner = Box::new(self.single_shape(node, Position::Elsewhere)?);
                Some(if node.name == "list" {
                    Shape::List(inner)
                } else {
                    Shape::Map(inner)
                })
            }
            "optional" => {
                self.no_entries(node);
                // `Option<Upload>` is an optional upload parameter.
                Some(Shape::Optional(Box::new(self.single_shape(node, pos)?)))
            }
            "enum" => {
                self.props(node, &[]);
                self.no_children(node);
                let mut variants = Vec::new();
                for e in node.args() {
                    let Some(v) = self.string(node, e, "an enum variant") else {
                        continue;
                    };
                    if variants.contains(&v) {
                        self.error(Diagnostic::new(
                            e.span,
                            node.name,
                            format!("enum variant \"{v}\" is listed twice"),
                        ));
                    }
                    variants.push(v);
                }
                if node.args().next().is_none() {
                    self.error(node.error("`enum` needs at least one variant: `enum \"a\" \"b\"`"));
                    return None;
                }
                Some(Shape::Enum(variants))
            }
            "union" => {
                self.no_entries(node);
                let members = node.children.as_deref().unwrap_or_default();
                if members.len() < 2 {
                    self.error(
                        node.error("`union` needs at least two shapes: `union { int; string }`"),
                    );
                    return None;
                }
                let shapes: Vec<_> = members
                    .iter()
                    .map(|m| self.shape(m, Position::Elsewhere))
                    .collect();
                shapes
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(Shape::Union)
            }
            other => {
                self.error(
                    node.error(format!("unknown shape `{other}`"))
                        .with_help(SHAPES),
                );
                None
            }
        }
    }

    fn function(&mut self, node: &Node<'_>) -> Option<Function> {
        let name = self.name_arg(node, "the function's name");
        let [context, auth, private, view, transport, rev, cache] = self.props(
            node,
            &[
                "context",
                "auth",
                "private",
                "view",
                "transport",
                "rev",
                "cache",
            ],
        )[..] else {
            return None;
        };
        let context_span = context.map(|e| e.span);
        let context = self.string_prop(node, context);
        let auth = self.choice_prop(
            node,
            auth,
            &[
                ("required", Auth::Required),
                ("staff", Auth::Staff),
                ("superuser", Auth::Superuser),
                ("custom", Auth::Custom),
            ],
        );
        let private = self.bool_prop(node, private, false);
        let view = self.bool_prop(node, view, false);
        let transport = self
            .choice_prop(
                node,
                transport,
                &[
                    ("http", Transport::Http),
                    ("websocket", Transport::Websocket),
                ],
            )
            .unwrap_or_default();
        let rev = rev
            .and_then(|e| self.non_negative_int(node, e))
            .unwrap_or(0);
        let cache = match cache {
            None => CachePolicy::UntilInvalidated,
            Some(Entry {
                value: Value::Bool(false),
                ..
            }) => CachePolicy::Never,
            Some(
                e @ Entry {
                    value: Value::Integer(_),
                    ..
                },
            ) => self
                .non_negative_int(node, e)
                .map_or(CachePolicy::UntilInvalidated, CachePolicy::Ttl),
            Some(e) => {
                self.error(Diagnostic::new(
                    e.span,
                    node.name,
                    format!(
                        "property `cache` must be a TTL in seconds or `#false`, found {}",
                        e.value.kind()
                    ),
                ));
                CachePolicy::UntilInvalidated
            }
        };

        let children = self.children(node, &["input", "output", "affects", "merge", "route"]);
        let params = match self.single(children, "input") {
            Some(input) => self.input(input),
            None => Vec::new(),
        };
        let output_node = self.single(children, "output");
        let output = output_node.and_then(|o| {
            self.no_entries(o);
            self.single_shape(o, Position::Elsewhere)
        });
        let mut affects: Vec<Affects> = Vec::new();
        for a in children.iter().filter(|c| c.name == "affects") {
            if let Some(target) = self.affects(a) {
                if affects.contains(&target) {
                    self.error(a.error("this `affects` target is listed twice"));
                }
                affects.push(target);
            }
        }
        let merges = children
            .iter()
            .filter(|c| c.name == "merge")
            .filter_map(|m| self.merge(m))
            .collect();
        let route_node = self.single(children, "route");
        let route = route_node.and_then(|r| self.route(r));

        if view {
            if let Some(o) = output_node {
                self.error(o.error("a view function (`view=#true`) has no `output`: it returns a raw HTTP response"));
            }
        } else {
            if output_node.is_none() {
                self.error(node.error("`function` needs an `output` (only view functions have none)")
                    .with_help("add `output { ... }`, or `view=#true` for a function returning a raw response"));
            }
            if let Some(r) = route_node {
                self.error(r.error("only view functions (`view=#true`) have a `route`"));
            }
        }

        let name = name?;
        if let (Some(context), Some(span)) = (&context, context_span) {
            self.refs.push(Reference::FunctionContext {
                function: name.clone(),
                context: context.clone(),
                span,
            });
        }
        Some(Function {
            name,
            context,
            auth,
            private,
            view,
            transport,
            rev,
            cache,
            params,
            output: if view { None } else { output },
            affects,
            merges,
            route,
            span: node.span,
        })
    }

    fn input(&mut self, node: &Node<'_>) -> Vec<Param> {
        self.no_entries(node);
        let mut params: Vec<Param> = Vec::new();
        for p in self.children(node, &["param"]) {
            if p.name != "param" {
                continue;
            }
            let name = self.name_arg(p, "the parameter's name");
            let [required, default] = self.props(p, &["required", "default"])[..] else {
                continue;
            };
            let required = self.bool_prop(p, required, true);
            let default = default.map(|e| match &e.value {
                Value::String(s) => Scalar::String(s.to_string()),
                Value::Integer(_) | Value::Float(_) => Scalar::Number(e.raw.to_string()),
                Value::Bool(b) => Scalar::Bool(*b),
                Value::Null => Scalar::Null,
            });
            let shape = self.single_shape(p, Position::Parameter);
            let (Some(name), Some(shape)) = (name, shape) else {
                continue;
            };
            if params.iter().any(|q| q.name == name) {
                self.error(p.error(format!("parameter `{name}` is declared twice")));
            }
            params.push(Param {
                name,
                required,
                default,
                shape,
            });
        }
        params
    }

    fn affects(&mut self, node: &Node<'_>) -> Option<Affects> {
        self.no_args(node);
        self.no_children(node);
        let [context, function] = self.props(node, &["context", "function"])[..] else {
            return None;
        };
        let context_span = context.map(|e| e.span);
        let Some(context) = self.string_prop(node, context) else {
            if context_span.is_none() {
                self.error(node.error("`affects` needs `context=\"...\"`"));
            }
            return None;
        };
        let function_span = function.map(|e| e.span);
        let function = self.string_prop(node, function);
        match (&function, function_span) {
            (Some(f), Some(span)) => self.refs.push(Reference::AffectsFunction {
                context: context.clone(),
                function: f.clone(),
                span,
            }),
            _ => self.refs.push(Reference::AffectsContext {
                context: context.clone(),
                span: context_span.unwrap_or(node.span),
            }),
        }
        Some(Affects { context, function })
    }

    fn merge(&mut self, node: &Node<'_>) -> Option<Merge> {
        self.no_args(node);
        self.no_children(node);
        let [context, slot, mode, key] = self.props(node, &["context", "slot", "mode", "key"])[..]
        else {
            return None;
        };
        for (entry, what) in [(context, "context"), (slot, "slot"), (mode, "mode")] {
            if entry.is_none() {
                self.error(node.error(format!("`merge` needs `{what}=\"...\"`")));
            }
        }
        let slot_span = slot.map_or(node.span, |e| e.span);
        let context = self.string_prop(node, context);
        let slot = self.string_prop(node, slot);
        #[derive(Clone, Copy)]
        enum M {
            Replace,
            Upsert,
        }
        let mode = self.choice_prop(
            node,
            mode,
            &[("replace", M::Replace), ("upsert", M::Upsert)],
        );
        let key_span = key.map(|e| e.span);
        let key = self.string_prop(node, key);
        let mode = match (mode?, key) {
            (M::Replace, None) => MergeMode::Replace,
            (M::Upsert, Some(key)) => MergeMode::Upsert { key },
            (M::Replace, Some(_)) => {
                self.error(Diagnostic::new(
                    key_span.unwrap_or(node.span),
                    node.name,
                    "`key` is only for `mode=\"upsert\"`",
                ));
                return None;
            }
            (M::Upsert, None) => {
                if key_span.is_none() {
                    self.error(node.error("`mode=\"upsert\"` needs `key=\"...\"`: the field that identifies an element"));
                }
                return None;
            }
        };
        let (context, slot) = (context?, slot?);
        self.refs.push(Reference::MergeSlot {
            context: context.clone(),
            slot: slot.clone(),
            span: slot_span,
        });
        Some(Merge {
            context,
            slot,
            mode,
        })
    }

    fn route(&mut self, node: &Node<'_>) -> Option<Route> {
        let path = self.name_arg(node, "the path pattern");
        self.props(node, &[]);
        let mut methods = Vec::new();
        for m in self.children(node, &["method"]) {
            if m.name != "method" {
                continue;
            }
            self.props(m, &[]);
            self.no_children(m);
            if let Some(method) = self.name_arg(m, "an HTTP method") {
                methods.push(method);
            }
        }
        methods.sort();
        methods.dedup();
        Some(Route {
            path: path?,
            methods,
        })
    }

    fn context(&mut self, node: &Node<'_>) -> Option<Context> {
        let name = self.name_arg(node, "the context's name");
        let [transport] = self.props(node, &["transport"])[..] else {
            return None;
        };
        let transport = self
            .choice_prop(
                node,
                transport,
                &[
                    ("http", Transport::Http),
                    ("websocket", Transport::Websocket),
                ],
            )
            .unwrap_or_default();
        let children = self.children(node, &["param", "member"]);
        let params = self.params(children);
        let mut members: Vec<String> = Vec::new();
        let mut member_nodes = Vec::new();
        for m in children.iter().filter(|c| c.name == "member") {
            self.props(m, &[]);
            self.no_children(m);
            let Some(member) = self.name_arg(m, "a function's name") else {
                continue;
            };
            if members.contains(&member) {
                self.error(m.error(format!("member `{member}` is listed twice")));
                continue;
            }
            member_nodes.push((member.clone(), m.span));
            members.push(member);
        }
        let name = name?;
        for (function, span) in member_nodes {
            self.refs.push(Reference::Member {
                context: name.clone(),
                function,
                span,
            });
        }
        Some(Context {
            name,
            params,
            members,
            transport,
            span: node.span,
        })
    }

    /// The `param` children of a context or a channel.
    fn params(&mut self, children: &[Node<'_>]) -> Vec<ContextParam> {
        let mut params: Vec<ContextParam> = Vec::new();
        for p in children.iter().filter(|c| c.name == "param") {
            let name = self.name_arg(p, "the parameter's name");
            let [required] = self.props(p, &["required"])[..] else {
                continue;
            };
            let required = self.bool_prop(p, required, true);
            let shape = self.single_shape(p, Position::Elsewhere);
            let (Some(name), Some(shape)) = (name, shape) else {
                continue;
            };
            if params.iter().any(|q| q.name == name) {
                self.error(p.error(format!("parameter `{name}` is declared twice")));
                continue;
            }
            params.push(ContextParam {
                name,
                required,
                shape,
            });
        }
        params
    }

    fn channel(&mut self, node: &Node<'_>) -> Option<Channel> {
        let name = self.name_arg(node, "the channel's name");
        self.props(node, &[]);
        let children = self.children(node, &["param", "send", "message"]);
        let params = self.params(children);
        let mut shape_of =
            |what: &str| {
                let found: Vec<&Node<'_>> = children.iter().filter(|c| c.name == what).collect();
                match found.as_slice() {
                    [one] => {
                        self.no_entries(one);
                        self.single_shape(one, Position::Elsewhere)
                    }
                    [] => {
                        self.error(node.error(format!("channel has no `{what}` shape")).with_help(
                        "a channel declares `send { <shape> }` and `message { <shape> }`",
                    ));
                        None
                    }
                    [_, second, ..] => {
                        self.error(second.error(format!("`{what}` appears twice")));
                        None
                    }
                }
            };
        let send = shape_of("send");
        let message = shape_of("message");
        Some(Channel {
            name: name?,
            params,
            send: send?,
            message: message?,
            span: node.span,
        })
    }

    // --- across nodes ------------------------------------------------------

    fn check_unique<'i>(&mut self, kind: &str, names: impl Iterator<Item = (&'i str, Span)>) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for (name, span) in names {
            if let Some(first) = seen.get(name) {
                self.error(
                    Diagnostic::new(span, kind, format!("{kind} \"{name}\" is declared twice"))
                        .with_help(format!("first declared on line {}", first.line)),
                );
            } else {
                seen.insert(name, span);
            }
        }
    }

    fn check_references(&mut self, ir: &Ir) {
        let types: HashSet<&str> = ir.types.iter().map(|t| t.name.as_str()).collect();
        let functions: HashMap<&str, &Function> =
            ir.functions.iter().map(|f| (f.name.as_str(), f)).collect();
        let contexts: HashMap<&str, &Context> =
            ir.contexts.iter().map(|c| (c.name.as_str(), c)).collect();
        let unknown_context = |node: &str, span: Span, context: &str| {
            Diagnostic::new(span, node, format!("unknown context \"{context}\""))
                .with_help("every context a function names needs a `context` node")
        };
        for r in std::mem::take(&mut self.refs) {
            let d = match r {
                Reference::Type { name, span } if !types.contains(name.as_str()) => Some(
                    Diagnostic::new(span, "ref", format!("reference to undeclared type \"{name}\""))
                        .with_help(format!("declare it with `type \"{name}\" {{ ... }}`")),
                ),
                Reference::FunctionContext { function, context, span } => {
                    match contexts.get(context.as_str()) {
                        None => Some(unknown_context("function", span, &context)),
                        Some(c) if !c.members.contains(&function) => Some(
                            Diagnostic::new(
                                span,
                                "function",
                                format!("function \"{function}\" names context \"{context}\", which does not list it as a member"),
                            )
                            .with_help(format!("add `member \"{function}\"` to `context \"{context}\"`")),
                        ),
                        Some(_) => None,
                    }
                }
                Reference::Member { context, function, span } => match functions.get(function.as_str()) {
                    None => Some(Diagnostic::new(
                        span,
                        "member",
                        format!("member \"{function}\" names no declared function"),
                    )),
                    Some(f) if f.context.as_deref() != Some(context.as_str()) => Some(Diagnostic::new(
                        span,
                        "member",
                        format!(
                            "function \"{function}\" is listed as a member of \"{context}\" but declares {}",
                            match &f.context {
                                Some(c) => format!("context=\"{c}\""),
                                None => "no context".to_string(),
                            }
                        ),
                    )),
                    Some(_) => None,
                },
                Reference::AffectsContext { context, span } if !contexts.contains_key(context.as_str()) => {
                    Some(unknown_context("affects", span, &context))
                }
                Reference::AffectsFunction { context, function, span } => {
                    self.member_of("affects", span, &functions, &contexts, &context, &function)
                }
                Reference::MergeSlot { context, slot, span } => {
                    self.member_of("merge", span, &functions, &contexts, &context, &slot)
                }
                _ => None,
            };
            if let Some(d) = d {
                self.error(d);
            }
        }
    }

    /// Checks that `function` exists and is a member of `context`.
    fn member_of(
        &self,
        node: &str,
        span: Span,
        functions: &HashMap<&str, &Function>,
        contexts: &HashMap<&str, &Context>,
        context: &str,
        function: &str,
    ) -> Option<Diagnostic> {
        if !contexts.contains_key(context) {
            return Some(Diagnostic::new(
                span,
                node,
                format!("unknown context \"{context}\""),
            ));
        }
        match functions.get(function) {
            None => Some(Diagnostic::new(
                span,
                node,
                format!("unknown function \"{function}\""),
            )),
            Some(f) if f.context.as_deref() != Some(context) => Some(Diagnostic::new(
                span,
                node,
                format!("function \"{function}\" is not a member of context \"{context}\""),
            )),
            Some(_) => None,
        }
    }
}
