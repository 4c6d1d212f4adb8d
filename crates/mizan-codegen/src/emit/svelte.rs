//! The `svelte` target: a directory, because a Svelte component is a file.
//! `index.ts` holds the hooks over `@mizan/svelte` (runes inside: tracked
//! reads, `$derived` members) and re-exports the components;
//! `MizanProvider.svelte` is the root and `<Pascal>Context.svelte` the
//! provider of each context, its params as props. The names are the React
//! target's, in Svelte 5's idiom.

use std::collections::BTreeSet;

use super::frontend::{
    ContextPlan, Plan, RUNTIME_PROVIDER, channel_hook, define_context, hooks, mutation, plan,
    root_doc, sort_imports,
};
use super::naming::string_literal;
use super::writer::{CodeWriter, MAX_WIDTH, wrap};
use super::{HEADER, header, import};
use crate::diagnostic::Diagnostics;
use crate::ir::Ir;

/// The names `index.ts` imports, besides the generated ones.
const RESERVED: &[(&str, &str)] = &[
    ("useContextState", "the import of `useContextState`"),
    ("useMember", "the import of `useMember`"),
    ("useMutation", "the import of `useMutation`"),
    ("useChannel", "the import of `useChannel`"),
];

/// The module of hooks, and what `import './svelte'` finds.
pub(super) const INDEX: &str = "index.ts";

pub(super) fn emit(ir: &Ir, client: &str) -> Result<Vec<(String, String)>, Diagnostics> {
    let plan = plan(ir, RESERVED)?;
    let mut files = vec![
        (INDEX.to_string(), index(&plan, client)),
        ("MizanProvider.svelte".to_string(), root(plan.global)),
    ];
    for c in &plan.contexts {
        files.push((format!("{}.svelte", c.component()), provider(c, client)));
    }
    files.sort();
    Ok(files)
}

fn index(plan: &Plan<'_>, client: &str) -> String {
    let mut runtime = BTreeSet::new();
    if !plan.contexts.is_empty() {
        runtime.insert("useContextState");
    }
    if plan.contexts.iter().any(|c| !c.members.is_empty()) {
        runtime.insert("useMember");
    }
    if !plan.mutations.is_empty() {
        runtime.insert("useMutation");
    }
    if !plan.channels.is_empty() {
        runtime.insert("useChannel");
    }
    if plan.mutation_options() {
        runtime.insert("type MutationOptions");
    }
    let mut w = CodeWriter::new("  ");
    header(&mut w);
    w.blank();
    if !runtime.is_empty() {
        let mut runtime: Vec<_> = runtime.into_iter().map(str::to_string).collect();
        sort_imports(&mut runtime);
        import(&mut w, "import", &runtime, "@mizan/svelte");
    }
    let client_types: Vec<_> = plan.hook_types().into_iter().collect();
    if !client_types.is_empty() {
        import(&mut w, "import type", &client_types, client);
    }
    // Components and their definitions, in file-name order like the files.
    let mut components: Vec<(String, Option<String>)> = plan
        .contexts
        .iter()
        .map(|c| (c.component(), Some(c.def())))
        .collect();
    components.push(("MizanProvider".to_string(), None));
    components.sort();
    for (component, def) in &components {
        let from = string_literal(&format!("./{component}.svelte"), '\'');
        match def {
            None => w.line(format!("import {component} from {from};")),
            Some(def) => {
                let one_line = format!("import {component}, {{ {def} }} from {from};");
                if one_line.len() <= MAX_WIDTH {
                    w.line(one_line);
                } else {
                    w.block(
                        format!("import {component}, {{"),
                        &format!("}} from {from};"),
                        |w| {
                            w.line(format!("{def},"));
                        },
                    );
                }
            }
        }
    }
    w.blank();
    w.line("export { useMizan } from '@mizan/svelte';");
    let names: Vec<_> = components.iter().map(|(c, _)| c.as_str()).collect();
    let one_line = format!("export {{ {} }};", names.join(", "));
    if one_line.len() <= MAX_WIDTH {
        w.line(one_line);
    } else {
        w.block("export {", "};", |w| {
            for n in &names {
                w.line(format!("{n},"));
            }
        });
    }
    for c in &plan.contexts {
        hooks(&mut w, c, None);
    }
    for m in &plan.mutations {
        w.blank();
        mutation(&mut w, m);
    }
    for c in &plan.channels {
        w.blank();
        channel_hook(&mut w, c, |params| format!("{params} | (() => {params})"));
    }
    w.finish()
}

/// The do-not-edit header as an HTML comment, then the component's doc
/// (`@component`, which editors show on hover).
fn svelte_header(w: &mut CodeWriter, doc: &str) {
    w.line("<!--");
    for line in HEADER {
        w.line(format!("  {}", line.trim_start_matches("// ")));
    }
    w.line("-->");
    w.line("<!--");
    w.line("  @component");
    for line in wrap(doc, MAX_WIDTH - 2) {
        w.line(format!("  {line}"));
    }
    w.line("-->");
}

fn root(global: bool) -> String {
    let mut w = CodeWriter::new("  ");
    svelte_header(&mut w, &root_doc(global));
    w.block("<script lang=\"ts\">", "</script>", |w| {
        w.line(format!(
            "import {{ MizanProvider as {RUNTIME_PROVIDER} }} from '@mizan/svelte';"
        ));
        w.line("import type { ComponentProps } from 'svelte';");
        if global {
            w.line("import GlobalContext from './GlobalContext.svelte';");
        }
        w.blank();
        w.line(format!(
            "type Props = ComponentProps<typeof {RUNTIME_PROVIDER}>;"
        ));
        w.blank();
        if global {
            w.line("let { children, ...config }: Props = $props();");
        } else {
            w.line("let props: Props = $props();");
        }
    });
    w.blank();
    if global {
        w.block(
            format!("<{RUNTIME_PROVIDER} {{...config}}>"),
            &format!("</{RUNTIME_PROVIDER}>"),
            |w| w.line("<GlobalContext>{@render children?.()}</GlobalContext>"),
        );
    } else {
        w.line(format!("<{RUNTIME_PROVIDER} {{...props}} />"));
    }
    w.finish()
}

fn provider(c: &ContextPlan<'_>, client: &str) -> String {
    let def = c.def();
    let [params, data] = c.types();
    let mut w = CodeWriter::new("  ");
    svelte_header(&mut w, &c.provider_doc());
    w.block("<script lang=\"ts\" module>", "</script>", |w| {
        w.line("import { defineContext } from '@mizan/svelte';");
        let mut types = vec![data.clone(), params.clone()];
        types.sort_by_key(|t| t.to_lowercase());
        import(w, "import type", &types, client);
        w.blank();
        define_context(w, c, "export const");
    });
    w.blank();
    w.block("<script lang=\"ts\">", "</script>", |w| {
        w.line("import { ContextProvider } from '@mizan/svelte';");
        w.line("import type { Snippet } from 'svelte';");
        w.blank();
        if c.context.params.is_empty() {
            w.line("let { children }: { children?: Snippet } = $props();");
        } else {
            w.line(format!("type Props = {params} & {{ children?: Snippet }};"));
            w.blank();
            w.line("let { children, ...params }: Props = $props();");
        }
    });
    w.blank();
    let params = if c.context.params.is_empty() {
        "params={{}}"
    } else {
        "{params}"
    };
    let one_line = format!(
        "<ContextProvider def={{{def}}} {params}>{{@render children?.()}}</ContextProvider>"
    );
    if one_line.len() <= MAX_WIDTH {
        w.line(one_line);
    } else {
        w.block(
            format!("<ContextProvider def={{{def}}} {params}>"),
            "</ContextProvider>",
            |w| w.line("{@render children?.()}"),
        );
    }
    w.finish()
}
