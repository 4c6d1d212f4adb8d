//! Auto-scoping (../shared/spec/PROTOCOL.md §3.2): what a successful
//! mutation invalidates, and where it merges, derived from the arguments it
//! was called with — no developer annotation.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::target::Target;
use crate::graph::Function;
use crate::registry::Registry;

/// Whether an argument named `name` can scope one of `func`'s targets: it is
/// a parameter of a context the function affects or merges into. Only these
/// arguments are read a second time after the call.
pub fn is_scoping_argument(registry: &Registry, func: &Function, name: &str) -> bool {
    func.affects
        .iter()
        .map(|t| t.context.as_str())
        .chain(func.merge.as_ref().map(|m| m.context.as_str()))
        .filter_map(|c| registry.context(c))
        .any(|ctx| ctx.param(name).is_some())
}

/// The targets of `func`'s `affects`, in declaration order, each scoped by
/// the arguments `sent` that are parameters of its context.
pub fn targets_of(registry: &Registry, func: &Function, sent: &Map<String, Value>) -> Vec<Target> {
    func.affects
        .iter()
        .filter_map(|t| {
            let ctx = registry.context(&t.context)?;
            Some(Target::scoped(
                &t.context,
                t.function.as_deref(),
                ctx.param_names(),
                sent,
            ))
        })
        .collect()
}

/// The parameters of a merge into `context`: the arguments `sent` that are
/// parameters of that context (possibly none).
pub fn merge_params(
    registry: &Registry,
    context: &str,
    sent: &Map<String, Value>,
) -> BTreeMap<String, Value> {
    match registry.context(context) {
        Some(ctx) => Target::scoped(context, None, ctx.param_names(), sent).params,
        None => BTreeMap::new(),
    }
}
