//! The `vue` target: one `.ts` module over `@mizan/vue` and the types of the
//! `ts` target, with the React target's names in Vue's idiom: components made
//! with `defineComponent` and render functions (`<UserContext :user_id="5">`),
//! composables (`useUserProfile()` → a computed ref), and mutation composables
//! returning `{ mutate, isPending, error, data }`.

use std::collections::BTreeSet;

use super::frontend::{
    ContextPlan, RUNTIME_PROVIDER, channel_hook, define_context, hooks, mutation, plan, root_doc,
    sort_imports,
};
use super::naming::string_literal;
use super::writer::{CodeWriter, MAX_WIDTH};
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
    ("mizanProviderProps", "the import of `mizanProviderProps`"),
    ("defineComponent", "the import of `defineComponent`"),
    ("h", "the import of `h`"),
    ("MaybeRefOrGetter", "the import of `MaybeRefOrGetter`"),
];

pub(super) fn emit(ir: &Ir, client: &str) -> Result<String, Diagnostics> {
    let plan = plan(ir, RESERVED)?;

    let mut runtime = BTreeSet::from(["mizanProviderProps"]);
    let mut client_types = plan.hook_types();
    if !plan.contexts.is_empty() {
        runtime.extend([
            "ContextProvider",
            "defineContext",
            "useContextState",
            "useSuspenseContext",
        ]);
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
    import(&mut w, "import", &runtime, "@mizan/vue");
    let mut vue = vec!["defineComponent".to_string(), "h".to_string()];
    if !plan.channels.is_empty() {
        vue.push("type MaybeRefOrGetter".to_string());
    }
    import(&mut w, "import", &vue, "vue");
    if !client_types.is_empty() {
        let client_types: Vec<_> = client_types.into_iter().collect();
        import(&mut w, "import type", &client_types, client);
    }
    w.blank();
    w.line("export { useMizan } from '@mizan/vue';");

    w.blank();
    w.doc(&[root_doc(plan.global)]);
    let children = if plan.global {
        "() => h(GlobalContext, null, slots)"
    } else {
        "slots"
    };
    component(&mut w, "MizanProvider", |w| {
        w.line("props: mizanProviderProps,");
        w.block("setup(props, { slots }) {", "},", |w| {
            render(w, &format!("h({RUNTIME_PROVIDER}, props, {children})"));
        });
    });
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
        channel_hook(&mut w, c, |params| format!("MaybeRefOrGetter<{params}>"));
    }
    Ok(w.finish())
}

/// `export const <name> = defineComponent({ name, ...body })`.
fn component(w: &mut CodeWriter, name: &str, body: impl FnOnce(&mut CodeWriter)) {
    w.block(
        format!("export const {name} = defineComponent({{"),
        "});",
        |w| {
            w.line(format!("name: {},", string_literal(name, '\'')));
            body(w);
        },
    );
}

/// `return () => <vnode>;`, on two lines when it does not fit on one.
fn render(w: &mut CodeWriter, vnode: &str) {
    let one_line = format!("return () => {vnode};");
    if w.indent_width() + one_line.len() <= MAX_WIDTH {
        w.line(one_line);
    } else {
        w.line("return () =>");
        w.line(format!("  {vnode};"));
    }
}

fn context(w: &mut CodeWriter, c: &ContextPlan<'_>) {
    let def = c.def();
    let [params, _] = c.types();
    let name = c.component();
    define_context(w, c, "const");

    w.blank();
    w.doc(&[c.provider_doc()]);
    if c.context.params.is_empty() {
        component(w, &name, |w| {
            w.block("setup(_props, { slots }) {", "},", |w| {
                render(
                    w,
                    &format!("h(ContextProvider, {{ def: {def}, params: {{}} }}, slots)"),
                );
            });
        });
    } else {
        // The function form: the props are typed by the context's params, and
        // declared by name so that Vue passes them as props, not attributes.
        let names: Vec<_> = c
            .context
            .params
            .iter()
            .map(|p| string_literal(&p.name, '\''))
            .collect();
        w.block(
            format!("export const {name} = defineComponent("),
            ");",
            |w| {
                w.block(
                    format!("(params: {params}, {{ slots }}) => {{"),
                    "},",
                    |w| {
                        render(
                            w,
                            &format!("h(ContextProvider, {{ def: {def}, params }}, slots)"),
                        );
                    },
                );
                let options = format!(
                    "{{ name: {}, props: [{}] }},",
                    string_literal(&name, '\''),
                    names.join(", ")
                );
                if w.indent_width() + options.len() <= MAX_WIDTH {
                    w.line(options);
                } else {
                    w.block("{", "},", |w| {
                        w.line(format!("name: {},", string_literal(&name, '\'')));
                        w.block("props: [", "],", |w| {
                            for n in &names {
                                w.line(format!("{n},"));
                            }
                        });
                    });
                }
            },
        );
    }
    hooks(
        w,
        c,
        Some(
            "in an async `setup` under `<Suspense>`, `await` it: a computed ref that waits for the first fetch (on the server too), which rejects if it fails.",
        ),
    );
}
