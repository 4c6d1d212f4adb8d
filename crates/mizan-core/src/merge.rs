//! Merge (../shared/spec/PROTOCOL.md §4): a mutation's result spliced into a cached context
//! bundle, resolved once at registration from the types.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::function::MergeDecl;
pub use crate::graph::{MergeMode, MergeSpec};

use crate::graph::{Context, Function};
use crate::shape::{Shape, TypeDef, TypeSet};

impl MergeSpec {
    /// The wire entry for one successful call.
    pub fn entry(&self, params: BTreeMap<String, Value>, value: Value) -> Value {
        let mut obj = Map::new();
        obj.insert("context".into(), Value::from(self.context.clone()));
        if let Some(key) = &self.key {
            obj.insert("key".into(), Value::from(key.clone()));
        }
        obj.insert("mode".into(), Value::from(self.mode.as_str()));
        obj.insert("params".into(), Value::Object(params.into_iter().collect()));
        obj.insert("slot".into(), Value::from(self.slot.clone()));
        obj.insert("value".into(), value);
        Value::Object(obj)
    }
}

/// Resolves `merge = <context>` of `func` to exactly one slot of `ctx`.
pub(crate) fn resolve_merge(
    func: &Function,
    decl: &MergeDecl,
    ctx: &Context,
    functions: &BTreeMap<String, Function>,
    types: &TypeSet,
) -> Result<MergeSpec, String> {
    let name = func.name();
    let Some(out) = &func.output else {
        return Err(format!("`{name}` is a view-path function and cannot merge"));
    };
    let out_resolved = types.resolve_alias(out);
    let mut candidates = Vec::new();
    for member in &ctx.bundle {
        let Some(slot_out) = functions.get(member).and_then(|f| f.output.as_ref()) else {
            continue;
        };
        if types.resolve_alias(slot_out) == out_resolved {
            candidates.push((member.clone(), MergeMode::Replace));
        } else if types.is_list_of(slot_out, out) {
            candidates.push((member.clone(), MergeMode::Upsert));
        }
    }
    match candidates.as_slice() {
        [] => Err(format!(
            "`{name}` merges into context `{}`, but no member returns its output type ({out:?}) or a list of it",
            ctx.name
        )),
        [(slot, mode)] => {
            let key = match mode {
                MergeMode::Replace => None,
                MergeMode::Upsert => {
                    let key = decl.key.clone().unwrap_or_else(|| "id".to_owned());
                    check_key_field(types, out, &key).map_err(|why| {
                        format!(
                            "`{name}` upserts into `{}.{slot}` by key `{key}`, but {why}",
                            ctx.name
                        )
                    })?;
                    Some(key)
                }
            };
            Ok(MergeSpec {
                context: ctx.name.clone(),
                slot: slot.clone(),
                mode: *mode,
                key,
            })
        }
        many => Err(format!(
            "`{name}` merges into context `{}` ambiguously: members {} all fit its output; split the context or change a type",
            ctx.name,
            many.iter()
                .map(|(s, _)| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn check_key_field(types: &TypeSet, item: &Shape, key: &str) -> Result<(), String> {
    match types.resolve_alias(item) {
        Shape::Ref(type_name) => match types.get(type_name) {
            Some(TypeDef::Struct(fields)) if fields.iter().any(|f| f.name == key) => Ok(()),
            Some(TypeDef::Struct(_)) => Err(format!("`{type_name}` has no field `{key}`")),
            _ => Err(format!("`{type_name}` is not a struct")),
        },
        other => Err(format!("the element type {other:?} is not a struct")),
    }
}
