//! The `react` target: a root provider, one provider and a set of hooks per
//! context, and one mutation hook per callable non-context function, over the
//! runtime of `@mizan/react` and the types of the `ts` target.

use std::collections::BTreeSet;

use super::frontend::{
    ContextPlan, RUNTIME_PROVIDER, channel_hook, define_context, hooks, mutation, plan, root_doc,
    sort_imports,
};
use super::ts::signature;
use super::writer::CodeWriter;
use super::{header, import};
use crate::diagnostic::Diagnostics;
use crate::ir::Ir;

/// The names the file imports, besides the generated ones.
const RESERVED: &[(&str, &str)] = &[
    ("ContextProvider", "the import of `ContextProvider`"),
    ("defineContext", "the import of `defineContext`"),
    ("useContextState", "the import of `useContextState`"),
    ("useMember", "the import of `useMember`"),
    ("useMutation", "the import of `useMutation`"),
    ("useChannel", "the import of `useChannel`"),
    ("ComponentProps", "the import of `ComponentProps`"),
    ("ReactNode", "the import of `ReactNode`"),
];

pub(super) fn emit(ir: &Ir, client: &str) -> Result<String, Diagnostics> {
    let plan = plan(ir, RESERVED)?;

    let mut runtime = BTreeSet::new();
    let mut client_types = plan.hook_types();
    let mut react_types = BTreeSet::from(["ComponentProps".to_string()]);
    if !plan.contexts.is_empty() {
        runtime.extend([
            "ContextProvider",
            "defineContext",
            "useContextState",
            "useSuspenseContext",
        ]);
        react_types.insert("ReactNode".to_string());
    }
    if plan.mutation_options() {
        runtime.insert("type MutationOptions");
    }
    for c in &plan.contexts {
        client_types.extend(c.types());
        if !c.members.is_empty() {
            runtime.insert("useMember");
        }
    }
    if !plan.mutations.is_empty() {
        runtime.insert("useMutation");
    }
    if !plan.channels.is_empty() {
        runtime.insert("useChannel");
    }
    let mut runtime: Vec<String> = runtime.into_iter().map(str::to_string).collect();
    runtime.push(format!("MizanProvider as {RUNTIME_PROVIDER}"));
    sort_imports(&mut runtime);

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
    for c in &plan.contexts {
        w.blank();
        context(&mut w, c);
    }
    for m in &plan.mutations {
        w.blank();
        mutation(&mut w, m);
    }
    for c in &plan.channels {
        w.blank();
        channel_hook(&mut w, c, str::to_string);
    }
    Ok(w.finish())
}

fn root_provider(w: &mut CodeWriter, global: bool) {
    let props = format!("props: ComponentProps<typeof {RUNTIME_PROVIDER}>");
    let head = signature(
        "export function MizanProvider",
        &[props],
        "",
        w.indent_width(),
    );
    w.doc(&[root_doc(global)]);
    if global {
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
        w.block_lines(&head, "}", |w| {
            w.line(format!("return <{RUNTIME_PROVIDER} {{...props}} />;"));
        });
    }
}

fn context(w: &mut CodeWriter, c: &ContextPlan<'_>) {
    let def = c.def();
    let [params, _] = c.types();
    let component = c.component();
    define_context(w, c, "const");

    w.blank();
    w.doc(&[c.provider_doc()]);
    let no_params = c.context.params.is_empty();
    let (props, children) = if no_params {
        (
            "props: { children?: ReactNode }".to_string(),
            "props.children",
        )
    } else {
        (
            format!("props: {params} & {{ children?: ReactNode }}"),
            "children",
        )
    };
    let head = signature(
        &format!("export function {component}"),
        &[props],
        "",
        w.indent_width(),
    );
    w.block_lines(&head, "}", |w| {
        let params = if no_params {
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
    hooks(
        w,
        c,
        Some(
            "suspends (`<Suspense>`) until there is some; a first fetch that fails throws to the nearest error boundary.",
        ),
    );
}
