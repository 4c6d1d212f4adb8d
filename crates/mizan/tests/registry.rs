//! Registration validates the whole graph once (../shared/spec/DECLARATION.md
//! "Registration"): each rule has a test that names its culprit.
#![allow(missing_docs, unreachable_pub)]

use mizan::prelude::*;
use mizan::{Registry, RegistryBuilder, ServerFn};

#[derive(Serialize, Deserialize, Mizan)]
pub struct Item {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, Deserialize, Mizan)]
pub struct Tag {
    pub label: String,
}

#[mizan::context("items")]
pub struct ItemsCtx;

#[mizan::client(context = ItemsCtx)]
pub async fn items_list(owner_id: i64) -> Vec<Item> {
    vec![Item {
        id: owner_id,
        name: "x".into(),
    }]
}

#[mizan::client(context = ItemsCtx)]
pub async fn item_count(owner_id: i64, #[mizan(default = false)] archived: bool) -> i64 {
    owner_id + i64::from(archived)
}

#[mizan::client(merge = ItemsCtx)]
pub async fn upsert_item(owner_id: i64, id: i64, name: String) -> Item {
    let _ = owner_id;
    Item { id, name }
}

#[mizan::client(affects = [ItemsCtx, items_list])]
pub async fn touch(owner_id: i64) -> bool {
    owner_id > 0
}

mod other {
    use super::*;
    /// Same wire name as the outer `items_list`.
    #[mizan::client(name = "items_list")]
    pub async fn items_list_again() -> i64 {
        1
    }
    /// Same parameter name as `items_list`, different type.
    #[mizan::client(context = "items")]
    pub async fn item_by_owner_name(owner_id: String) -> i64 {
        owner_id.len() as i64
    }
    #[mizan::client(affects = "nowhere")]
    pub async fn affects_nothing() -> i64 {
        0
    }
    #[mizan::client(merge = "items")]
    pub async fn merge_tag() -> Tag {
        Tag { label: "t".into() }
    }
    #[mizan::client(context = "items", websocket)]
    pub async fn items_live(owner_id: i64) -> i64 {
        owner_id
    }
    #[mizan::client(context = "global")]
    pub async fn global_needs_param(user_id: i64) -> i64 {
        user_id
    }
    /// Another `Item` type with a different shape.
    pub mod shadow {
        use super::super::*;
        #[derive(Serialize, Deserialize, Mizan)]
        pub struct Item {
            pub sku: String,
        }
        #[mizan::client]
        pub async fn shadow_item() -> Item {
            Item { sku: "s".into() }
        }
    }
    #[mizan::client(context = "lists")]
    pub async fn first_list() -> Vec<Item> {
        Vec::new()
    }
    #[mizan::client(context = "lists")]
    pub async fn second_list() -> Vec<Item> {
        Vec::new()
    }
    #[mizan::client(merge = "lists")]
    pub async fn ambiguous_merge() -> Item {
        Item {
            id: 1,
            name: "a".into(),
        }
    }
}

fn base() -> RegistryBuilder {
    Registry::builder()
        .function::<items_list>()
        .function::<item_count>()
        .function::<upsert_item>()
        .function::<touch>()
}

fn problems(builder: RegistryBuilder) -> Vec<String> {
    match builder.build() {
        Ok(_) => Vec::new(),
        Err(err) => err.problems,
    }
}

fn assert_problem(builder: RegistryBuilder, needle: &str) {
    let problems = problems(builder);
    assert!(
        problems.iter().any(|p| p.contains(needle)),
        "expected a problem containing {needle:?}, got {problems:#?}"
    );
}

#[test]
fn a_valid_graph_registers() {
    let registry = base().build().expect("valid registry");
    let ctx = registry.context("items").expect("items context");
    assert_eq!(ctx.members, ["item_count", "items_list"]);
    let owner = ctx.param("owner_id").expect("owner_id");
    assert!(owner.required, "declared by every member: required");
    let archived = ctx.param("archived").expect("archived");
    assert!(!archived.required, "declared by some members: optional");
}

#[test]
fn function_targets_resolve_to_their_parent_context() {
    let registry = base().build().expect("valid registry");
    let touch = registry.function("touch").expect("touch");
    let targets: Vec<_> = touch
        .affects
        .iter()
        .map(|t| (t.context.as_str(), t.function.as_deref()))
        .collect();
    assert_eq!(targets, [("items", None), ("items", Some("items_list"))]);
}

#[test]
fn upsert_merge_resolves_slot_and_key_at_registration() {
    let registry = base().build().expect("valid registry");
    let merge = registry
        .function("upsert_item")
        .and_then(|f| f.merge.clone())
        .expect("merge");
    assert_eq!(merge.slot, "items_list");
    assert_eq!(merge.mode, mizan::merge::MergeMode::Upsert);
    assert_eq!(merge.key.as_deref(), Some("id"));
}

#[test]
fn a_name_registered_twice_is_an_error() {
    assert_problem(
        base().function::<other::items_list_again>(),
        "function name `items_list` is registered twice",
    );
}

#[test]
fn an_affects_target_naming_no_context_is_an_error() {
    assert_problem(
        base().function::<other::affects_nothing>(),
        "`affects_nothing` affects context `nowhere`",
    );
}

#[test]
fn an_impossible_merge_is_an_error_naming_the_function() {
    assert_problem(
        base().function::<other::merge_tag>(),
        "`merge_tag` merges into context `items`",
    );
}

#[test]
fn an_ambiguous_merge_is_an_error_naming_the_candidates() {
    let builder = Registry::builder()
        .function::<other::first_list>()
        .function::<other::second_list>()
        .function::<other::ambiguous_merge>();
    assert_problem(builder, "ambiguously: members `first_list`, `second_list`");
}

#[test]
fn mixing_socket_only_and_http_members_is_an_error() {
    assert_problem(
        base().function::<other::items_live>(),
        "context `items` mixes socket-only members (`items_live`)",
    );
}

#[test]
fn a_shared_param_with_two_types_is_an_error() {
    assert_problem(
        base().function::<other::item_by_owner_name>(),
        "parameter `owner_id` is `string` in `item_by_owner_name` but `int` in `item_count`",
    );
}

#[test]
fn a_type_name_with_two_shapes_is_an_error() {
    assert_problem(
        base().function::<other::shadow::shadow_item>(),
        "type name `Item` maps to two different shapes",
    );
}

#[test]
fn global_context_cannot_require_params() {
    assert_problem(
        Registry::builder().function::<other::global_needs_param>(),
        "context `global`",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let builder = base()
        .function::<other::affects_nothing>()
        .function::<other::merge_tag>();
    assert_eq!(problems(builder).len(), 2);
}

#[test]
fn companion_types_carry_the_wire_name() {
    assert_eq!(<other::items_list_again as ServerFn>::NAME, "items_list");
    assert_eq!(<items_list as ServerFn>::NAME, "items_list");
}

#[test]
fn the_declared_function_stays_callable_from_rust() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    assert_eq!(rt.block_on(item_count(2, true)), 3);
}

#[test]
fn auto_registration_sees_every_declared_function() {
    let names: Vec<String> = mizan::function::registered_functions()
        .map(|f| f.name)
        .collect();
    for expected in [
        "items_list",
        "item_count",
        "upsert_item",
        "touch",
        "merge_tag",
        "shadow_item",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
}
