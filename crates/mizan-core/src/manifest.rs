//! The edge manifest (../shared/spec/MANIFEST.md): which URLs an edge must purge for each
//! context, compiled from the registry.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::function::{Auth, CachePolicy, Handler};
use crate::registry::Registry;

/// Parameter names that make a context user-scoped.
const USER_PARAMS: [&str; 4] = ["user_id", "user", "owner_id", "account_id"];

impl Registry {
    /// The edge manifest as a JSON value; `mount` is where the API is served
    /// (e.g. `/api/mizan`).
    pub fn manifest(&self, mount: &str) -> Value {
        let mount = mount.trim_end_matches('/');
        let mut contexts = Map::new();
        for ctx in self.contexts() {
            let mut functions = Vec::new();
            let mut page_routes: BTreeSet<&str> = self.extra_page_routes(&ctx.name).collect();
            let mut any_auth = false;
            for name in &ctx.members {
                let Some(func) = self.function(name) else {
                    continue;
                };
                let def = &func.def;
                any_auth |= !matches!(def.auth, Auth::Public);
                let mut entry = Map::new();
                entry.insert("name".into(), json!(name));
                match &def.handler {
                    Handler::Data(_) => {
                        entry.insert("path".into(), json!("rpc"));
                    }
                    Handler::View { route, methods, .. } => {
                        entry.insert("path".into(), json!("view"));
                        entry.insert("route".into(), json!(route));
                        entry.insert("methods".into(), json!(sorted(methods)));
                        page_routes.insert(route);
                    }
                }
                if def.rev > 0 {
                    entry.insert("rev".into(), json!(def.rev));
                }
                match def.cache {
                    CachePolicy::Default => {}
                    CachePolicy::Ttl(ttl) => {
                        entry.insert("cache".into(), json!(ttl));
                    }
                    CachePolicy::Never => {
                        entry.insert("cache".into(), json!(false));
                    }
                }
                functions.push(Value::Object(entry));
            }
            let params: Vec<&str> = ctx.param_names().collect();
            let user_scoped = any_auth || params.iter().any(|p| USER_PARAMS.contains(p));
            contexts.insert(
                ctx.name.clone(),
                json!({
                    "endpoints": [format!("{mount}/ctx/{}/", ctx.name)],
                    "functions": functions,
                    "page_routes": page_routes,
                    "params": params,
                    "render_strategy": if user_scoped { "dynamic_cached" } else { "psr" },
                    "user_scoped": user_scoped,
                }),
            );
        }
        let mut mutations = Map::new();
        for func in self.functions().filter(|f| !f.affects.is_empty()) {
            let affects: BTreeSet<&str> = func.affects.iter().map(|t| t.context.as_str()).collect();
            let auto_scoped: BTreeSet<&str> = func
                .params
                .iter()
                .map(|p| p.name.as_str())
                .filter(|p| {
                    affects
                        .iter()
                        .any(|c| self.context(c).is_some_and(|ctx| ctx.param(p).is_some()))
                })
                .collect();
            let mut entry = Map::new();
            entry.insert("affects".into(), json!(affects));
            entry.insert("auto_scoped_params".into(), json!(auto_scoped));
            if func.def.private {
                entry.insert("private".into(), json!(true));
            }
            if let Handler::View { route, methods, .. } = &func.def.handler {
                entry.insert("route".into(), json!(route));
                entry.insert("methods".into(), json!(sorted(methods)));
            }
            mutations.insert(func.name().to_owned(), Value::Object(entry));
        }
        json!({ "contexts": contexts, "mutations": mutations, "version": 1 })
    }

    /// The manifest as canonical pretty JSON (two-space indent, sorted keys,
    /// one trailing newline): the golden-file form.
    pub fn manifest_text(&self, mount: &str) -> String {
        let mut text = serde_json::to_string_pretty(&self.manifest(mount)).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn sorted(items: &[String]) -> Vec<&str> {
    let set: BTreeSet<&str> = items.iter().map(String::as_str).collect();
    set.into_iter().collect()
}
