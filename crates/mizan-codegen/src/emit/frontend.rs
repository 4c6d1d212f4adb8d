//! What the framework targets (`react`, `vue`, `svelte`) have in common: the
//! same identifiers for the same IR (`<UserContext>`, `useUserProfile`,
//! `useRenameUser`, `useChatChannel`), checked for clashes once, and the same
//! doc comments.

use std::collections::BTreeSet;

use super::naming::{Names, camel, pascal, string_literal};
use super::ts::{affected_contexts, call_options, data_members, signature, stem};
use super::writer::CodeWriter;
use super::{all_optional, code, function_notes, join_words, refs, ts_type};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{Channel, Context, Function, Ir};

/// The context the root provider mounts around the whole app.
pub(super) const GLOBAL: &str = "global";

/// The local name of the runtime's provider, which the generated root
/// provider wraps under the same public name.
pub(super) const RUNTIME_PROVIDER: &str = "MizanRuntimeProvider";

/// One context and the identifiers generated for it.
pub(super) struct ContextPlan<'i> {
    pub(super) context: &'i Context,
    /// `User` for `user`: `UserContext`, `useUserContext`, `UserContextParams`.
    pub(super) stem: String,
    /// Its members that are not views, each with a `use<Member>` hook.
    pub(super) members: Vec<&'i Function>,
}

impl ContextPlan<'_> {
    /// The module-level definition: `userContext`.
    pub(super) fn def(&self) -> String {
        format!("{}Context", camel(&self.context.name))
    }

    /// The provider component: `UserContext`.
    pub(super) fn component(&self) -> String {
        format!("{}Context", self.stem)
    }

    /// The types the definition takes from the `ts` target.
    pub(super) fn types(&self) -> [String; 2] {
        [
            format!("{}ContextParams", self.stem),
            format!("{}ContextData", self.stem),
        ]
    }

    /// The provider's doc: what it provides and what one request fetches.
    pub(super) fn provider_doc(&self) -> String {
        let fetched: Vec<_> = self.members.iter().map(|m| code(&m.name)).collect();
        let mut doc = vec![format!(
            "Provides the {} context to its children.",
            code(&self.context.name)
        )];
        if !fetched.is_empty() {
            doc.push(format!("Fetches {} in one request.", join_words(&fetched)));
        }
        doc.join(" ")
    }

    /// `use<Pascal>Context()` and its doc.
    pub(super) fn state_hook(&self) -> (String, String) {
        (
            format!("use{}Context", self.stem),
            format!(
                "The state of the nearest {}: data, status, error.",
                code(&format!("<{}>", self.component()))
            ),
        )
    }

    /// `use<Member>()` and its doc, per member.
    pub(super) fn member_hooks(&self) -> Vec<(String, &str, String)> {
        self.members
            .iter()
            .map(|m| {
                (
                    format!("use{}", pascal(&m.name)),
                    m.name.as_str(),
                    format!(
                        "The {} data of the nearest {}.",
                        code(&m.name),
                        code(&format!("<{}>", self.component()))
                    ),
                )
            })
            .collect()
    }
}

/// One callable function outside any context, with a mutation hook.
pub(super) struct MutationPlan<'i> {
    pub(super) function: &'i Function,
    pub(super) stem: String,
    /// The data types of the contexts it affects or merges into, whose slots
    /// its `optimistic` option may change (`BoardContextData`).
    pub(super) slots: Vec<String>,
}

impl MutationPlan<'_> {
    /// `useRenameUser`.
    pub(super) fn hook(&self) -> String {
        format!("use{}", self.stem)
    }

    /// The hook's type arguments: arguments and result.
    pub(super) fn type_args(&self) -> (String, String) {
        let args = if self.function.params.is_empty() {
            "Record<string, never>".to_string()
        } else {
            format!("{}Args", self.stem)
        };
        let output = self
            .function
            .output
            .as_ref()
            .map_or_else(|| "unknown".to_string(), ts_type);
        (args, output)
    }

    /// The type of the slots its `optimistic` option may change:
    /// `BoardContextData & TaskContextData`; `None` when it changes no context.
    pub(super) fn slot_type(&self) -> Option<String> {
        (!self.slots.is_empty()).then(|| self.slots.join(" & "))
    }

    /// The types the hook takes from the `ts` target.
    pub(super) fn types(&self) -> BTreeSet<String> {
        let mut types: BTreeSet<String> = self.slots.iter().cloned().collect();
        if !self.function.params.is_empty() {
            types.insert(format!("{}Args", self.stem));
        }
        if let Some(o) = &self.function.output {
            let mut named = BTreeSet::new();
            refs(o, &mut named);
            types.extend(named.into_iter().map(str::to_string));
        }
        types
    }

    /// The hook's doc: how to call it, then what the function does.
    pub(super) fn doc(&self) -> Vec<String> {
        let mut doc = vec![format!(
            "Calls {} with `mutate(args)` (a call made while one is pending waits for it); tracks `isPending`, `error`, `data` and `variables`.",
            code(&self.function.name)
        )];
        if self.slot_type().is_some() {
            doc.push(String::new());
            doc.push(
                "`optimistic` changes the slots of the shown instances it may change at once, until the server answers."
                    .to_string(),
            );
        }
        let notes = function_notes(self.function);
        if !notes.is_empty() {
            doc.push(String::new());
            doc.extend(notes);
        }
        doc
    }
}

/// One channel, with a hook that joins it.
pub(super) struct ChannelPlan<'i> {
    pub(super) channel: &'i Channel,
    /// `Chat` for `chat`: `useChatChannel`, `ChatChannelParams`.
    pub(super) stem: String,
}

impl ChannelPlan<'_> {
    /// `useChatChannel`.
    pub(super) fn hook(&self) -> String {
        format!("use{}Channel", self.stem)
    }

    /// The hook's type arguments: params, what is sent, what is pushed.
    pub(super) fn type_args(&self) -> [String; 3] {
        [
            format!("{}ChannelParams", self.stem),
            ts_type(&self.channel.send),
            ts_type(&self.channel.message),
        ]
    }

    /// The types the hook takes from the `ts` target.
    pub(super) fn types(&self) -> BTreeSet<String> {
        let mut named = BTreeSet::new();
        refs(&self.channel.send, &mut named);
        refs(&self.channel.message, &mut named);
        let mut types: BTreeSet<String> = named.into_iter().map(str::to_string).collect();
        types.insert(format!("{}ChannelParams", self.stem));
        types
    }

    /// Whether every param may be omitted, so the hook's argument can default to `{}`.
    pub(super) fn params_optional(&self) -> bool {
        all_optional(self.channel.params.iter().map(|p| &p.required))
    }

    /// The hook's doc.
    pub(super) fn doc(&self) -> Vec<String> {
        let [_, send, message] = self.type_args();
        vec![
            format!(
                "Joins the {} channel while the component is mounted; returns its `status`, `messages`, `error` and `send`.",
                code(&self.channel.name)
            ),
            String::new(),
            format!(
                "Sends {} and receives {}. Needs a live client: `live` in the provider's `config`.",
                code(&send),
                code(&message)
            ),
        ]
    }
}

/// Every generated identifier of a framework target.
pub(super) struct Plan<'i> {
    pub(super) contexts: Vec<ContextPlan<'i>>,
    pub(super) mutations: Vec<MutationPlan<'i>>,
    pub(super) channels: Vec<ChannelPlan<'i>>,
    /// Whether the IR has a `global` context, which the root provider mounts.
    pub(super) global: bool,
}

impl Plan<'_> {
    /// Whether a mutation hook takes `MutationOptions` (it changes a context).
    pub(super) fn mutation_options(&self) -> bool {
        self.mutations.iter().any(|m| !m.slots.is_empty())
    }

    /// The types every mutation hook and channel hook takes from the `ts` target.
    pub(super) fn hook_types(&self) -> BTreeSet<String> {
        let mutations = self.mutations.iter().flat_map(|m| m.types());
        mutations
            .chain(self.channels.iter().flat_map(|c| c.types()))
            .collect()
    }
}

/// Works out every generated identifier, reporting clashes (with each
/// other, and with `reserved`: the names the target's file uses for itself,
/// each with what it is) and contexts the generated components cannot serve.
pub(super) fn plan<'i>(ir: &'i Ir, reserved: &[(&str, &str)]) -> Result<Plan<'i>, Diagnostics> {
    let mut names = Names::default();
    names.reserve("MizanProvider", "the root provider");
    names.reserve("useMizan", "the re-export of `useMizan`");
    names.reserve(RUNTIME_PROVIDER, "the runtime's provider");
    names.reserve("MutationOptions", "the import of `MutationOptions`");
    names.reserve("useSuspenseContext", "the import of `useSuspenseContext`");
    for (ident, what) in reserved {
        names.reserve(ident, what);
    }
    let mut errors = Vec::new();
    let mut plan = Plan {
        contexts: Vec::new(),
        mutations: Vec::new(),
        channels: Vec::new(),
        global: false,
    };
    for c in &ir.contexts {
        let origin = format!("context \"{}\"", c.name);
        let p = match stem(&c.name, &origin, "context", c.span) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if c.name == GLOBAL {
            plan.global = true;
            if let Some(param) = c.params.iter().find(|p| p.required) {
                errors.push(Diagnostic::new(
                    c.span,
                    "context",
                    format!(
                        "context \"{GLOBAL}\" has the required parameter `{}`, but the root provider mounts it without parameters",
                        param.name
                    ),
                ));
            }
        }
        if let Some(param) = c.params.iter().find(|p| p.name == "children") {
            errors.push(Diagnostic::new(
                c.span,
                "context",
                format!(
                    "{origin} has a parameter named `{}`, which its provider component needs for its children",
                    param.name
                ),
            ));
        }
        names.declare(&format!("{p}ContextParams"), &origin, "context", c.span);
        names.declare(&format!("{p}ContextData"), &origin, "context", c.span);
        names.declare(
            &format!("{}Context", camel(&c.name)),
            &origin,
            "context",
            c.span,
        );
        names.declare(&format!("{p}Context"), &origin, "context", c.span);
        names.declare(&format!("use{p}Context"), &origin, "context", c.span);
        names.declare(
            &format!("useSuspense{p}Context"),
            &origin,
            "context",
            c.span,
        );
        let members = data_members(ir, c);
        for m in &members {
            let member_origin = format!("function \"{}\"", m.name);
            match stem(&m.name, &member_origin, "function", m.span) {
                Ok(mp) => names.declare(&format!("use{mp}"), &member_origin, "function", m.span),
                Err(e) => errors.push(e),
            }
        }
        plan.contexts.push(ContextPlan {
            context: c,
            stem: p,
            members,
        });
    }
    for f in &ir.functions {
        if !f.is_callable() || f.context.is_some() {
            continue;
        }
        let origin = format!("function \"{}\"", f.name);
        let p = match stem(&f.name, &origin, "function", f.span) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if !f.params.is_empty() {
            names.declare(&format!("{p}Args"), &origin, "function", f.span);
        }
        names.declare(&format!("use{p}"), &origin, "function", f.span);
        if let Some(o) = &f.output {
            let mut named = BTreeSet::new();
            refs(o, &mut named);
            for t in named {
                if let Some(def) = ir.types.iter().find(|d| d.name == t) {
                    names.declare(t, &format!("type \"{t}\""), "type", def.span);
                }
            }
        }
        let merged = f.merges.iter().map(|m| m.context.as_str());
        let mut slots = Vec::new();
        for name in affected_contexts(f).into_iter().chain(merged) {
            let data = format!("{}ContextData", pascal(name));
            if ir.contexts.iter().any(|c| c.name == name) && !slots.contains(&data) {
                slots.push(data);
            }
        }
        plan.mutations.push(MutationPlan {
            function: f,
            stem: p,
            slots,
        });
    }
    for c in &ir.channels {
        let origin = format!("channel \"{}\"", c.name);
        let p = match stem(&c.name, &origin, "channel", c.span) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        names.declare(&format!("{p}ChannelParams"), &origin, "channel", c.span);
        names.declare(&format!("use{p}Channel"), &origin, "channel", c.span);
        plan.channels.push(ChannelPlan {
            channel: c,
            stem: p,
        });
    }
    errors.extend(names.into_errors());
    if errors.is_empty() {
        Ok(plan)
    } else {
        errors.sort_by_key(|d| d.span.offset);
        Err(Diagnostics(errors))
    }
}

/// The root provider's doc, the same in every framework target.
pub(super) fn root_doc(global: bool) -> String {
    if global {
        format!(
            "The root of a Mizan app: configures the client and fetches the {} context once for the whole tree.",
            code(GLOBAL)
        )
    } else {
        "The root of a Mizan app: configures the client for the whole tree.".to_string()
    }
}

/// `<keyword> <camel>Context = defineContext<P, D>('<name>', '<Pascal>Context');`,
/// the context's definition that its provider and hooks share.
pub(super) fn define_context(w: &mut CodeWriter, c: &ContextPlan<'_>, keyword: &str) {
    let [params, data] = c.types();
    w.call(
        &format!("{keyword} {} = defineContext<{params}, {data}>", c.def()),
        &[
            string_literal(&c.context.name, '\''),
            string_literal(&c.component(), '\''),
        ],
        ";",
    );
}

/// The state hook and the member hooks of a context, the same code in every
/// framework target, and the suspending read where the framework has one
/// (`suspense`: its doc).
pub(super) fn hooks(w: &mut CodeWriter, c: &ContextPlan<'_>, suspense: Option<&str>) {
    let def = c.def();
    let (state_hook, doc) = c.state_hook();
    w.blank();
    w.doc(&[doc]);
    w.block(format!("export function {state_hook}() {{"), "}", |w| {
        w.line(format!("return useContextState({def});"));
    });
    if let Some(doc) = suspense {
        w.blank();
        w.doc(&[format!(
            "The data of the nearest {}: {doc}",
            code(&format!("<{}>", c.component()))
        )]);
        w.block(
            format!("export function useSuspense{}Context() {{", c.stem),
            "}",
            |w| w.line(format!("return useSuspenseContext({def});")),
        );
    }
    for (hook, member, doc) in c.member_hooks() {
        w.blank();
        w.doc(&[doc]);
        w.block(format!("export function {hook}() {{"), "}", |w| {
            w.line(format!(
                "return useMember({def}, {});",
                string_literal(member, '\'')
            ));
        });
    }
}

/// A mutation hook, the same code in every framework target: what the IR
/// says of the function (`affects`, for single-flight refresh), and the
/// component's `optimistic` changes of the contexts it changes.
pub(super) fn mutation(w: &mut CodeWriter, m: &MutationPlan<'_>) {
    let (args, output) = m.type_args();
    w.doc(&m.doc());
    let name = string_literal(&m.function.name, '\'');
    let affects = affected_contexts(m.function);
    let Some(slots) = m.slot_type() else {
        w.block(format!("export function {}() {{", m.hook()), "}", |w| {
            w.call(
                &format!("return useMutation<{args}, {output}>"),
                &[name],
                ";",
            );
        });
        return;
    };
    let head = signature(
        &format!("export function {}", m.hook()),
        &[format!("options?: MutationOptions<{args}, {slots}>")],
        "",
        w.indent_width(),
    );
    let call = if affects.is_empty() {
        "{}".to_string()
    } else {
        call_options(&affects)
    };
    w.block_lines(&head, "}", |w| {
        w.call(
            &format!("return useMutation<{args}, {output}, {slots}>"),
            &[name, call, "options".to_string()],
            ";",
        );
    });
}

/// The runtime's imports in one order: by name, ignoring case and `type `.
pub(super) fn sort_imports(names: &mut [String]) {
    names.sort_by_key(|n| n.trim_start_matches("type ").to_lowercase());
}

/// A channel hook, the same code in every framework target but for how the
/// params are passed: `param` wraps the params type (`MaybeRefOrGetter<P>`).
pub(super) fn channel_hook(
    w: &mut CodeWriter,
    c: &ChannelPlan<'_>,
    param: impl Fn(&str) -> String,
) {
    let [params, send, message] = c.type_args();
    let default = if c.params_optional() { " = {}" } else { "" };
    w.doc(&c.doc());
    let head = signature(
        &format!("export function {}", c.hook()),
        &[format!("params: {}{default}", param(&params))],
        "",
        w.indent_width(),
    );
    w.block_lines(&head, "}", |w| {
        w.call(
            &format!("return useChannel<{params}, {send}, {message}>"),
            &[string_literal(&c.channel.name, '\''), "params".to_string()],
            ";",
        );
    });
}
