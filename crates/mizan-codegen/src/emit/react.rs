//! The `react` target: a root provider, one provider and a set of hooks per
//! context, and one mutation hook per callable non-context function, over the
//! runtime of `@mizan/react` and the types of the `ts` target.

use std::collections::BTreeSet;

use super::naming::{Names, camel, pascal, string_literal};
use super::ts::{signature, stem};
use super::writer::CodeWriter;
use super::{code, function_notes, header, import, join_words, refs, ts_type};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ir::{Context, Function, Ir};

/// The context the root provider mounts around the whole app.
const GLOBAL: &str = "global";

/// The local name of the runtime's provider, which the generated root
/// provider wraps under the same public name.
const RUNTIME_PROVIDER: &str = "MizanRuntimeProvider";

struct Plan<'i> {
    /// Contexts with their PascalCase stem and non-view members.
    contexts: Vec<(&'i Context, String, Vec<&'i Function>)>,
    /// Callable functions outside any context, with their stem.
    mutations: Vec<(&'i Function, String)>,
    global: bool,
}

pub(super) fn emit(ir: &Ir, client: &str) -> Result<String, Diagnostics> {
    let plan = plan(ir)?;

    let mut runtime = BTreeSet::new();
    let mut client_types = BTreeSet::new();
    let mut react_types = BTreeSet::from(["ComponentProps".to_string()]);
    if !plan.contexts.is_empty() {
        runtime.extend(["ContextProvider", "defineContext", "useContextState"]);
        react_types.insert("ReactNode".to_string());
    }
    for (_, p, members) in &plan.contexts {
        client_types.insert(format!("{p}ContextParams"));
        client_types.insert(format!("{p}ContextData"));
        if !members.is_empty() {
            runtime.insert("useMember");
        }
    }
    for (f, p) in &plan.mutations {
        runtime.insert("useMutation");
        if !f.params.is_empty() {
            client_types.insert(format!("{p}Args"));
        }
        if let Some(o) = &f.output {
            let mut named = BTreeSet::new();
            refs(o, &mut named);
            client_types.extend(named.into_iter().map(str::to_string));
        }
    }
    let mut runtime: Vec<String> = runtime.into_iter().map(str::to_string).collect();
    runtime.push(format!("MizanProvider as {RUNTIME_PROVIDER}"));
    runtime.sort_by_key(|n| n.to_lowercase());

    let mut w = CodeWriter::new("  ");
    header(&mut w);
    w.blank();
    let react_types: Vec<_> = react_types.into_iter().collect();
    import(&mut w, "import type", &react_types, "react");
    import(&mut w, "import", &runtime, "@mizan/react");
    if !client_types.is_empty() {
        let client_types: Vec<_> = client_types.into_iter().collect();
        import(&mut w, "import type", &client_types, client);
    }
    w.blank();
    w.line("export { useMizan } from '@mizan/react';");

    w.blank();
    root_provider(&mut w, plan.global);
    for (c, p, members) in &plan.contexts {
        w.blank();
        context(&mut w, c, p, members);
    }
    for (f, p) in &plan.mutations {
        w.blank();
        mutation(&mut w, f, p);
    }
    Ok(w.finish())
}

/// Works out every generated identifier, reporting clashes and contexts the
/// generated components cannot serve.
fn plan(ir: &Ir) -> Result<Plan<'_>, Diagnostics> {
    let mut names = Names::default();
    for (ident, what) in [
        ("MizanProvider", "the root provider"),
        ("useMizan", "the re-export of `useMizan`"),
        (RUNTIME_PROVIDER, "the runtime's provider"),
        ("ContextProvider", "the import of `ContextProvider`"),
        ("defineContext", "the import of `defineContext`"),
        ("useContextState", "the import of `useContextState`"),
        ("useMember", "the import of `useMember`"),
        ("useMutation", "the import of `useMutation`"),
        ("ComponentProps", "the import of `ComponentProps`"),
        ("ReactNode", "the import of `ReactNode`"),
    ] {
        names.reserve(ident, what);
    }
    let mut errors = Vec::new();
    let mut plan = Plan {
        contexts: Vec::new(),
        mutations: Vec::new(),
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
        let members: Vec<&Function> = c
            .members
            .iter()
            .filter_map(|m| ir.function(m))
            .filter(|f| !f.view)
            .collect();
        for m in &members {
            let member_origin = format!("function \"{}\"", m.name);
            match stem(&m.name, &member_origin, "function", m.span) {
                Ok(mp) => names.declare(&format!("use{mp}"), &member_origin, "function", m.span),
                Err(e) => errors.push(e),
            }
        }
        plan.contexts.push((c, p, members));
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
        plan.mutations.push((f, p));
    }
    errors.extend(names.into_errors());
    if errors.is_empty() {
        Ok(plan)
    } else {
        errors.sort_by_key(|d| d.span.offset);
        Err(Diagnostics(errors))
    }
}

fn root_provider(w: &mut CodeWriter, global: bool) {
    let props = format!("props: ComponentProps<typeof {RUNTIME_PROVIDER}>");
    let head = signature(
        "export function MizanProvider",
        &[props],
        "",
        w.indent_width(),
    );
    if global {
        w.doc(&[format!(
            "The root of a Mizan app: configures the client and fetches the {} context once for the whole tree.",
            code(GLOBAL)
        )]);
        w.block_lines(&head, "}", |w| {
            w.line("const { children, ...config } = props;");
            w.block("return (", ");", |w| {
                w.block(
                    format!("<{RUNTIME_PROVIDER} {{...config}}>"),
                    &format!("</{RUNTIME_PROVIDER}>"),
                    |w| {
                        w.line("<GlobalContext>{children}</GlobalContext>");
                    },
                );
            });
        });
    } else {
        w.doc(&["The root of a Mizan app: configures the client for the whole tree.".to_string()]);
        w.block_lines(&head, "}", |w| {
            w.line(format!("return <{RUNTIME_PROVIDER} {{...props}} />;"));
        });
    }
}

fn context(w: &mut CodeWriter, c: &Context, p: &str, members: &[&Function]) {
    let def = format!("{}Context", camel(&c.name));
    w.call(
        &format!("const {def} = defineContext<{p}ContextParams, {p}ContextData>"),
        &[
            string_literal(&c.name, '\''),
            string_literal(&format!("{p}Context"), '\''),
        ],
        ";",
    );

    w.blank();
    let fetched: Vec<_> = members.iter().map(|m| code(&m.name)).collect();
    let mut doc = vec![format!(
        "Provides the {} context to its children.",
        code(&c.name)
    )];
    if !fetched.is_empty() {
        doc.push(format!("Fetches {} in one request.", join_words(&fetched)));
    }
    w.doc(&[doc.join(" ")]);
    let (props, children) = if c.params.is_empty() {
        (
            "props: { children?: ReactNode }".to_string(),
            "props.children",
        )
    } else {
        (
            format!("props: {p}ContextParams & {{ children?: ReactNode }}"),
            "children",
        )
    };
    let head = signature(
        &format!("export function {p}Context"),
        &[props],
        "",
        w.indent_width(),
    );
    w.block_lines(&head, "}", |w| {
        let params = if c.params.is_empty() {
            "{}"
        } else {
            w.line("const { children, ...params } = props;");
            "params"
        };
        w.block("return (", ");", |w| {
            w.block(
                format!("<ContextProvider def={{{def}}} params={{{params}}}>"),
                "</ContextProvider>",
                |w| w.line(format!("{{{children}}}")),
            );
        });
    });

    w.blank();
    w.doc(&[format!(
        "The state of the nearest {}: data, status, error.",
        code(&format!("<{p}Context>"))
    )]);
    w.block(format!("export function use{p}Context() {{"), "}", |w| {
        w.line(format!("return useContextState({def});"));
    });

    for m in members {
        w.blank();
        w.doc(&[format!(
            "The {} data of the nearest {}.",
            code(&m.name),
            code(&format!("<{p}Context>"))
        )]);
        w.block(
            format!("export function use{}() {{", pascal(&m.name)),
            "}",
            |w| {
                w.line(format!(
                    "return useMember({def}, {});",
                    string_literal(&m.name, '\'')
                ));
            },
        );
    }
}

fn mutation(w: &mut CodeWriter, f: &Function, p: &str) {
    let args = if f.params.is_empty() {
        "Record<string, never>".to_string()
    } else {
        format!("{p}Args")
    };
    let output = f
        .output
        .as_ref()
        .map_or_else(|| "unknown".to_string(), ts_type);
    let mut doc = vec![format!(
        "Calls {} with `mutate(args)`; tracks `isPending`, `error` and `data`.",
        code(&f.name)
    )];
    let notes = function_notes(f);
    if !notes.is_empty() {
        doc.push(String::new());
        doc.extend(notes);
    }
    w.doc(&doc);
    w.block(format!("export function use{p}() {{"), "}", |w| {
        w.call(
            &format!("return useMutation<{args}, {output}>"),
            &[string_literal(&f.name, '\'')],
            ";",
        );
    });
}
