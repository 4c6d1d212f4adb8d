//! The `ts` target: types, and `createApi(client)`: one `call*` method per
//! callable RPC, one `fetch*Context` per context and one `open*Channel` per
//! channel, bound to the client it is given (never a module-wide one).

use std::collections::{BTreeMap, BTreeSet};

use super::naming::{Names, pascal, property_key, string_literal};
use super::writer::{CodeWriter, MAX_WIDTH};
use super::{all_optional, code, function_notes, header, join_words, refs, ts_type};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{Auth, Channel, Context, ContextParam, Function, Ir, Scalar, TypeDef, TypeKind};

pub(super) fn emit(ir: &Ir) -> Result<String, Diagnostics> {
    check_names(ir)?;
    let mut w = CodeWriter::new("  ");
    header(&mut w);
    let callable: Vec<&Function> = ir.functions.iter().filter(|f| f.is_callable()).collect();
    let api = !callable.is_empty() || !ir.contexts.is_empty() || !ir.channels.is_empty();
    if !ir.channels.is_empty() {
        w.blank();
        w.line(
            "import { type ChannelInstance, type MizanClient, openChannel } from '@mizan/base';",
        );
    } else if api {
        w.blank();
        w.line("import type { MizanClient } from '@mizan/base';");
    }
    let uses = TypeUses::of(&ir.types, &callable, &ir.channels);
    for t in &ir.types {
        w.blank();
        type_def(&mut w, t, &uses);
    }
    for f in callable.iter().filter(|f| !f.params.is_empty()) {
        w.blank();
        args_interface(&mut w, f);
    }
    for c in &ir.contexts {
        w.blank();
        context_types(&mut w, ir, c);
    }
    for c in &ir.channels {
        w.blank();
        params_interface(
            &mut w,
            &format!("{}ChannelParams", pascal(&c.name)),
            format!("Parameters of the {} channel.", code(&c.name)),
            &c.params,
        );
    }
    if api {
        w.blank();
        w.doc(&[
            "The server's functions, contexts and channels, bound to `client`: make one per client (per server request when rendering), never a module-wide one.".to_string(),
            String::new(),
            "```ts".to_string(),
            "const api = createApi(new MizanClient({ baseUrl: '/api/mizan' }));".to_string(),
            "```".to_string(),
        ]);
        w.block(
            "export function createApi(client: MizanClient) {",
            "}",
            |w| {
                w.block("return {", "};", |w| {
                    for f in &callable {
                        w.blank();
                        call_method(w, f);
                    }
                    for c in &ir.contexts {
                        w.blank();
                        fetch_method(w, ir, c);
                    }
                    for c in &ir.channels {
                        w.blank();
                        open_method(w, c);
                    }
                });
            },
        );
        w.blank();
        w.doc(&["What `createApi` returns.".to_string()]);
        w.line("export type MizanApi = ReturnType<typeof createApi>;");
    }
    Ok(w.finish())
}

/// Declares every exported identifier, so that clashes are reported before
/// anything is written, naming both IR items.
fn check_names(ir: &Ir) -> Result<(), Diagnostics> {
    let mut names = Names::default();
    names.reserve("MizanClient", "the import of `MizanClient`");
    names.reserve("ChannelInstance", "the import of `ChannelInstance`");
    names.reserve("openChannel", "the import of `openChannel`");
    names.reserve("createApi", "the function that binds the API to a client");
    names.reserve("MizanApi", "the type of `createApi`'s API");
    let mut errors = Vec::new();
    for t in &ir.types {
        names.declare(&t.name, &format!("type \"{}\"", t.name), "type", t.span);
    }
    for f in ir.functions.iter().filter(|f| f.is_callable()) {
        let origin = format!("function \"{}\"", f.name);
        match stem(&f.name, &origin, "function", f.span) {
            Ok(p) => {
                if !f.params.is_empty() {
                    names.declare(&format!("{p}Args"), &origin, "function", f.span);
                }
                names.declare(&format!("call{p}"), &origin, "function", f.span);
            }
            Err(e) => errors.push(e),
        }
    }
    for c in &ir.contexts {
        let origin = format!("context \"{}\"", c.name);
        match stem(&c.name, &origin, "context", c.span) {
            Ok(p) => {
                names.declare(&format!("{p}ContextParams"), &origin, "context", c.span);
                names.declare(&format!("{p}ContextData"), &origin, "context", c.span);
                names.declare(&format!("fetch{p}Context"), &origin, "context", c.span);
            }
            Err(e) => errors.push(e),
        }
    }
    for c in &ir.channels {
        let origin = format!("channel \"{}\"", c.name);
        match stem(&c.name, &origin, "channel", c.span) {
            Ok(p) => {
                names.declare(&format!("{p}ChannelParams"), &origin, "channel", c.span);
                names.declare(&format!("open{p}Channel"), &origin, "channel", c.span);
            }
            Err(e) => errors.push(e),
        }
    }
    errors.extend(names.into_errors());
    if errors.is_empty() {
        Ok(())
    } else {
        errors.sort_by_key(|d| d.span.offset);
        Err(Diagnostics(errors))
    }
}

/// The PascalCase stem of a function's or a context's identifiers.
pub(super) fn stem(
    name: &str,
    origin: &str,
    node: &str,
    span: crate::diagnostic::Span,
) -> Result<String, Diagnostic> {
    let p = pascal(name);
    if p.is_empty() {
        Err(Diagnostic::new(
            span,
            node,
            format!("{origin} has no ASCII letters or digits to build identifiers from"),
        ))
    } else {
        Ok(p)
    }
}

/// Which callable functions, channels and types mention each named type,
/// for its doc.
#[derive(Default)]
struct TypeUses<'i> {
    returned_by: BTreeMap<&'i str, BTreeSet<&'i str>>,
    taken_by: BTreeMap<&'i str, BTreeSet<&'i str>>,
    sent_to: BTreeMap<&'i str, BTreeSet<&'i str>>,
    pushed_by: BTreeMap<&'i str, BTreeSet<&'i str>>,
    part_of: BTreeMap<&'i str, BTreeSet<&'i str>>,
}

impl<'i> TypeUses<'i> {
    fn of(types: &'i [TypeDef], callable: &[&'i Function], channels: &'i [Channel]) -> Self {
        let mut uses = TypeUses::default();
        for t in types {
            let mut inner = BTreeSet::new();
            match &t.kind {
                TypeKind::Struct(fields) => fields.iter().for_each(|f| refs(&f.shape, &mut inner)),
                TypeKind::Alias(shape) => refs(shape, &mut inner),
                TypeKind::Enum(_) => {}
            }
            for used in inner.into_iter().filter(|u| *u != t.name) {
                uses.part_of.entry(used).or_default().insert(&t.name);
            }
        }
        for f in callable {
            let mut out = BTreeSet::new();
            if let Some(o) = &f.output {
                refs(o, &mut out);
            }
            for t in out {
                uses.returned_by.entry(t).or_default().insert(&f.name);
            }
            let mut input = BTreeSet::new();
            for p in &f.params {
                refs(&p.shape, &mut input);
            }
            for t in input {
                uses.taken_by.entry(t).or_default().insert(&f.name);
            }
        }
        for c in channels {
            let (mut send, mut message) = (BTreeSet::new(), BTreeSet::new());
            refs(&c.send, &mut send);
            refs(&c.message, &mut message);
            for t in send {
                uses.sent_to.entry(t).or_default().insert(&c.name);
            }
            for t in message {
                uses.pushed_by.entry(t).or_default().insert(&c.name);
            }
        }
        uses
    }

    fn doc(&self, name: &str) -> Vec<String> {
        let list = |set: Option<&BTreeSet<&str>>| {
            let set = set?;
            const SHOWN: usize = 4;
            let mut items: Vec<String> = set.iter().take(SHOWN).map(|f| code(f)).collect();
            if set.len() > SHOWN {
                items.push(format!("{} more", set.len() - SHOWN));
            }
            Some(join_words(&items))
        };
        let mut doc = Vec::new();
        if let Some(fns) = list(self.returned_by.get(name)) {
            doc.push(format!("Returned by {fns}."));
        }
        if let Some(fns) = list(self.taken_by.get(name)) {
            doc.push(format!("Taken by {fns}."));
        }
        if let Some(channels) = list(self.sent_to.get(name)) {
            doc.push(format!("Sent to the {channels} channel."));
        }
        if let Some(channels) = list(self.pushed_by.get(name)) {
            doc.push(format!("Pushed by the {channels} channel."));
        }
        if let Some(types) = list(self.part_of.get(name)) {
            doc.push(format!("Part of {types}."));
        }
        if doc.is_empty() {
            doc.push(format!("The server's {} type.", code(name)));
        }
        vec![doc.join(" ")]
    }
}

fn type_def(w: &mut CodeWriter, t: &TypeDef, uses: &TypeUses<'_>) {
    w.doc(&uses.doc(&t.name));
    match &t.kind {
        TypeKind::Struct(fields) if fields.is_empty() => {
            w.line(format!("export type {} = Record<string, never>;", t.name));
        }
        TypeKind::Struct(fields) => {
            w.block(format!("export interface {} {{", t.name), "}", |w| {
                for f in fields {
                    let q = if f.optional { "?" } else { "" };
                    w.line(format!(
                        "{}{q}: {};",
                        property_key(&f.name),
                        ts_type(&f.shape)
                    ));
                }
            });
        }
        TypeKind::Enum(variants) => {
            let literals: Vec<_> = variants.iter().map(|v| string_literal(v, '"')).collect();
            let one_line = format!("export type {} = {};", t.name, literals.join(" | "));
            if one_line.len() <= MAX_WIDTH {
                w.line(one_line);
            } else {
                w.line(format!("export type {} =", t.name));
                let last = literals.len() - 1;
                for (i, l) in literals.iter().enumerate() {
                    w.line(format!("  | {l}{}", if i == last { ";" } else { "" }));
                }
            }
        }
        TypeKind::Alias(shape) => {
            w.line(format!("export type {} = {};", t.name, ts_type(shape)));
        }
    }
}

/// `export interface <Fn>Args { ... }`.
fn args_interface(w: &mut CodeWriter, f: &Function) {
    w.doc(&[format!("Arguments of {}.", code(&f.name))]);
    w.block(
        format!("export interface {}Args {{", pascal(&f.name)),
        "}",
        |w| {
            for param in &f.params {
                if let Some(default) = &param.default {
                    w.doc(&[format!(
                        "The server uses {} when it is omitted.",
                        scalar(default)
                    )]);
                }
                let q = if param.required { "" } else { "?" };
                w.line(format!(
                    "{}{q}: {};",
                    property_key(&param.name),
                    ts_type(&param.shape)
                ));
            }
        },
    );
}

/// `call<Fn>(args)`, a method of the API.
fn call_method(w: &mut CodeWriter, f: &Function) {
    let p = pascal(&f.name);
    let output = f
        .output
        .as_ref()
        .map_or_else(|| "unknown".to_string(), ts_type);
    let mut call_args = vec![string_literal(&f.name, '\'')];
    let affects = affected_contexts(f);
    if !f.params.is_empty() {
        call_args.push("args".to_string());
    } else if !affects.is_empty() {
        call_args.push("{}".to_string());
    }
    if !affects.is_empty() {
        call_args.push(call_options(&affects));
    }
    let mut doc = vec![match &f.context {
        Some(c) => format!(
            "Calls {}, a member of the {} context.",
            code(&f.name),
            code(c)
        ),
        None => format!("Calls {}.", code(&f.name)),
    }];
    doc.extend(function_notes(f));
    w.doc(&paragraph(doc));
    let params = if f.params.is_empty() {
        Vec::new()
    } else if all_optional(f.params.iter().map(|p| &p.required)) {
        vec![format!("args: {p}Args = {{}}")]
    } else {
        vec![format!("args: {p}Args")]
    };
    let head = signature(
        &format!("call{p}"),
        &params,
        &format!("Promise<{output}>"),
        w.indent_width(),
    );
    w.block_lines(&head, "},", |w| {
        w.call(&format!("return client.call<{output}>"), &call_args, ";");
    });
}

/// The contexts a function's invalidation targets name, each once, in
/// declaration order: the client refreshes their shown instances with the
/// call (single-flight).
pub(super) fn affected_contexts(f: &Function) -> Vec<&str> {
    let mut seen = Vec::new();
    for a in &f.affects {
        if !seen.contains(&a.context.as_str()) {
            seen.push(a.context.as_str());
        }
    }
    seen
}

/// `{ affects: ['board', 'task'] }`.
pub(super) fn call_options(affects: &[&str]) -> String {
    let names: Vec<_> = affects.iter().map(|c| string_literal(c, '\'')).collect();
    format!("{{ affects: [{}] }}", names.join(", "))
}

/// `export interface <name> { ... }` of a context's or a channel's params
/// (`Record<string, never>` without any).
fn params_interface(w: &mut CodeWriter, name: &str, doc: String, params: &[ContextParam]) {
    w.doc(&[doc]);
    if params.is_empty() {
        w.line(format!("export type {name} = Record<string, never>;"));
    } else {
        w.block(format!("export interface {name} {{"), "}", |w| {
            for param in params {
                let q = if param.required { "" } else { "?" };
                w.line(format!(
                    "{}{q}: {};",
                    property_key(&param.name),
                    ts_type(&param.shape)
                ));
            }
        });
    }
}

/// The params and data types of a context.
fn context_types(w: &mut CodeWriter, ir: &Ir, c: &Context) {
    let p = pascal(&c.name);
    params_interface(
        w,
        &format!("{p}ContextParams"),
        format!("Parameters of the {} context.", code(&c.name)),
        &c.params,
    );

    let members = data_members(ir, c);
    w.blank();
    w.doc(&[format!(
        "Data of the {} context: one key per member.",
        code(&c.name)
    )]);
    if members.is_empty() {
        w.line(format!(
            "export type {p}ContextData = Record<string, never>;"
        ));
    } else {
        w.block(format!("export interface {p}ContextData {{"), "}", |w| {
            for m in &members {
                let t = m
                    .output
                    .as_ref()
                    .map_or_else(|| "unknown".to_string(), ts_type);
                w.line(format!("{}: {t};", property_key(&m.name)));
            }
        });
    }
}

/// The members of a context that are part of its data (not views).
pub(super) fn data_members<'i>(ir: &'i Ir, c: &Context) -> Vec<&'i Function> {
    c.members
        .iter()
        .filter_map(|m| ir.function(m))
        .filter(|f| !f.view)
        .collect()
}

/// `fetch<Context>Context(params)`, a method of the API.
fn fetch_method(w: &mut CodeWriter, ir: &Ir, c: &Context) {
    let p = pascal(&c.name);
    let members = data_members(ir, c);
    let names: Vec<_> = members.iter().map(|m| code(&m.name)).collect();
    let mut doc = vec![if names.is_empty() {
        format!("Fetches the {} context.", code(&c.name))
    } else {
        format!(
            "Fetches the {} context: {} in one request.",
            code(&c.name),
            join_words(&names)
        )
    }];
    let views: Vec<_> = c
        .members
        .iter()
        .filter_map(|m| ir.function(m))
        .filter(|f| f.view)
        .map(|f| code(&f.name))
        .collect();
    if !views.is_empty() {
        doc.push(format!(
            "Its view {} {} not part of the data.",
            if views.len() == 1 {
                "member"
            } else {
                "members"
            },
            if views.len() == 1 {
                format!("{} is", views[0])
            } else {
                format!("{} are", join_words(&views))
            }
        ));
    }
    for m in &members {
        if let Some(auth) = m.auth {
            doc.push(format!("{} requires {}.", code(&m.name), who(auth)));
        }
    }
    if c.transport == crate::ir::Transport::Websocket {
        doc.push("Socket-only: needs the WebSocket transport.".to_string());
    }
    w.doc(&paragraph(doc));
    let params = if all_optional(c.params.iter().map(|p| &p.required)) {
        format!("params: {p}ContextParams = {{}}")
    } else {
        format!("params: {p}ContextParams")
    };
    let head = signature(
        &format!("fetch{p}Context"),
        &[params],
        &format!("Promise<{p}ContextData>"),
        w.indent_width(),
    );
    w.block_lines(&head, "},", |w| {
        w.call(
            &format!("return client.fetchContext<{p}ContextData>"),
            &[string_literal(&c.name, '\''), "params".to_string()],
            ";",
        );
    });
}

/// `open<Channel>Channel(params)`, a method of the API.
fn open_method(w: &mut CodeWriter, c: &Channel) {
    let p = pascal(&c.name);
    let (send, message) = (ts_type(&c.send), ts_type(&c.message));
    w.doc(&paragraph(vec![
        format!(
            "The {} channel with `params`: `join()` joins it until the returned `leave()`, `subscribe(listener)` while subscribed; `getState()` holds its status and messages.",
            code(&c.name)
        ),
        format!(
            "Sends {} and receives {}. Needs a client configured with `live`.",
            code(&send),
            code(&message)
        ),
    ]));
    let params = if all_optional(c.params.iter().map(|p| &p.required)) {
        format!("params: {p}ChannelParams = {{}}")
    } else {
        format!("params: {p}ChannelParams")
    };
    let instance = format!("ChannelInstance<{send}, {message}>");
    let head = signature(
        &format!("open{p}Channel"),
        &[params],
        &instance,
        w.indent_width(),
    );
    w.block_lines(&head, "},", |w| {
        w.call(
            &format!("return openChannel<{send}, {message}>"),
            &[
                "client".to_string(),
                string_literal(&c.name, '\''),
                "params".to_string(),
            ],
            ";",
        );
    });
}

fn who(auth: Auth) -> &'static str {
    match auth {
        Auth::Required => "a signed-in caller",
        Auth::Staff => "a staff caller",
        Auth::Superuser => "a superuser",
        Auth::Custom => "a caller the server's own check accepts",
    }
}

/// The first sentence, then the notes as a second paragraph.
fn paragraph(mut lines: Vec<String>) -> Vec<String> {
    if lines.len() > 1 {
        lines.insert(1, String::new());
    }
    lines
}

fn scalar(s: &Scalar) -> String {
    match s {
        Scalar::String(s) => format!("`{}`", string_literal(s, '"')),
        Scalar::Number(n) => code(n),
        Scalar::Bool(b) => code(&b.to_string()),
        Scalar::Null => code("null"),
    }
}

/// The lines of `head(params): ret {` (`ret` empty: no return type): one
/// when it fits at `indent`, else one parameter per line.
pub(super) fn signature(head: &str, params: &[String], ret: &str, indent: usize) -> Vec<String> {
    let ret = if ret.is_empty() {
        String::new()
    } else {
        format!(": {ret}")
    };
    let one_line = format!("{head}({}){ret} {{", params.join(", "));
    if indent + one_line.len() <= MAX_WIDTH || params.is_empty() {
        return vec![one_line];
    }
    let mut lines = vec![format!("{head}(")];
    lines.extend(params.iter().map(|p| format!("  {p},")));
    lines.push(format!("){ret} {{"));
    lines
}
