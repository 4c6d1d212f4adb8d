//! `#[derive(Mizan)]` (../shared/spec/DECLARATION.md, "Types"): the derive describes structs,
//! fieldless enums and newtypes with the names serde puts on the wire.
//! Every naming test serializes a value and compares its keys with the
//! description, so serde itself is the oracle.

use std::collections::BTreeMap;

use mizan::{Describe, Field, Mizan, Shape, TypeDef, TypeSet};
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn field(name: &str, shape: Shape, optional: bool) -> Field {
    Field {
        name: name.to_owned(),
        shape,
        optional,
    }
}

fn named(name: &str) -> Shape {
    Shape::Ref(name.to_owned())
}

/// Describes `T`, which must be a named struct, and returns its fields.
fn fields_of<T: Describe>() -> Vec<Field> {
    let mut types = TypeSet::new();
    let Shape::Ref(name) = types.shape_of::<T>() else {
        panic!("{} is not a named type", std::any::type_name::<T>());
    };
    match types.get(&name) {
        Some(TypeDef::Struct(fields)) => fields.clone(),
        other => panic!("{name} is not a struct: {other:?}"),
    }
}

fn described_names<T: Describe>() -> Vec<String> {
    let mut names: Vec<String> = fields_of::<T>().into_iter().map(|f| f.name).collect();
    names.sort();
    names
}

/// The keys serde writes for `value`.
fn wire_names<T: Serialize>(value: &T) -> Vec<String> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => {
            let mut keys: Vec<String> = map.keys().cloned().collect();
            keys.sort();
            keys
        }
        other => panic!("not an object: {other:?}"),
    }
}

/// The strings serde writes for each of `values`, and the described variants.
fn wire_and_described_variants<T: Serialize + Describe>(
    values: &[T],
) -> (Vec<String>, Vec<String>) {
    let wire = values
        .iter()
        .map(|v| match serde_json::to_value(v) {
            Ok(Value::String(s)) => s,
            other => panic!("not a string: {other:?}"),
        })
        .collect();
    let mut types = TypeSet::new();
    let Shape::Ref(name) = types.shape_of::<T>() else {
        panic!("not a named type");
    };
    match types.get(&name) {
        Some(TypeDef::Enum(variants)) => (wire, variants.clone()),
        other => panic!("{name} is not an enum: {other:?}"),
    }
}

#[derive(Serialize, Deserialize, Mizan)]
struct Profile {
    user_id: i64,
    name: String,
    bio: Option<String>,
    tags: Vec<String>,
    scores: BTreeMap<String, f64>,
    status: Status,
    extra: Value,
}

#[derive(Serialize, Deserialize, Mizan, Default)]
#[serde(rename_all = "snake_case")]
enum Status {
    #[default]
    Active,
    OnHold,
}

#[test]
fn a_struct_is_a_named_type_with_its_fields_in_declaration_order() {
    let mut types = TypeSet::new();
    assert_eq!(types.shape_of::<Profile>(), named("Profile"));
    assert_eq!(
        types.get("Profile"),
        Some(&TypeDef::Struct(vec![
            field("user_id", Shape::Int, false),
            field("name", Shape::String, false),
            field("bio", Shape::optional(Shape::String), true),
            field("tags", Shape::list(Shape::String), false),
            field("scores", Shape::map(Shape::Float), false),
            field("status", named("Status"), false),
            field("extra", Shape::Any, false),
        ]))
    );
    assert_eq!(
        types.get("Status"),
        Some(&TypeDef::Enum(vec!["active".into(), "on_hold".into()]))
    );
    assert!(types.conflicts().is_empty());
}

/// One struct and one enum per `rename_all` rule, each checked against serde.
macro_rules! rename_all_matches_serde {
    ($($test:ident: $rule:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            #[derive(Serialize, Deserialize, Mizan, Default)]
            #[serde(rename_all = $rule)]
            struct Fields {
                user_id: i64,
                display_name2: String,
                a: bool,
                r#type: String,
                http_status_code: Option<u16>,
            }

            #[derive(Serialize, Deserialize, Mizan)]
            #[serde(rename_all = $rule)]
            enum Variants {
                Active,
                OnHold,
                A,
                Z42,
                HttpError,
            }

            assert_eq!(described_names::<Fields>(), wire_names(&Fields::default()));
            let (wire, described) = wire_and_described_variants(&[
                Variants::Active,
                Variants::OnHold,
                Variants::A,
                Variants::Z42,
                Variants::HttpError,
            ]);
            assert_eq!(described, wire);
        }
    )*};
}

rename_all_matches_serde! {
    rename_all_lowercase: "lowercase",
    rename_all_uppercase: "UPPERCASE",
    rename_all_pascal_case: "PascalCase",
    rename_all_camel_case: "camelCase",
    rename_all_snake_case: "snake_case",
    rename_all_screaming_snake_case: "SCREAMING_SNAKE_CASE",
    rename_all_kebab_case: "kebab-case",
    rename_all_screaming_kebab_case: "SCREAMING-KEBAB-CASE",
}

#[derive(Serialize, Deserialize, Mizan, Default)]
#[serde(
    rename = "Account",
    rename_all(serialize = "camelCase", deserialize = "snake_case")
)]
struct User {
    user_id: i64,
    #[serde(rename = "EMAIL")]
    email_address: String,
    #[serde(rename(serialize = "fullName", deserialize = "name"))]
    name: String,
    #[serde(rename(deserialize = "nick"))]
    nick_name: String,
    r#type: String,
    #[serde(alias = "pw_hash", with = "as_is")]
    password_hash: String,
}

/// A `with` module: ignored by the derive, as it keeps the name.
mod as_is {
    pub(crate) fn serialize<S: serde::Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v)
    }
    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        serde::Deserialize::deserialize(d)
    }
}

#[test]
fn renames_and_raw_identifiers_give_the_wire_names() {
    let mut types = TypeSet::new();
    assert_eq!(types.shape_of::<User>(), named("Account"));
    assert_eq!(types.get("User"), None);
    assert_eq!(described_names::<User>(), wire_names(&User::default()));
    let names: Vec<String> = fields_of::<User>().into_iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "userId",
            "EMAIL",
            "fullName",
            "nickName",
            "type",
            "passwordHash"
        ]
    );
}

#[derive(Serialize, Deserialize, Mizan, Default, Debug)]
struct Settings {
    theme: String,
    locale: Option<String>,
    #[serde(default)]
    page_size: u32,
    #[serde(default = "default_zoom")]
    zoom: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pinned: Vec<String>,
    #[serde(skip)]
    #[allow(dead_code)]
    cache: Vec<u8>,
    #[serde(skip_serializing)]
    #[allow(dead_code)]
    password: String,
    #[serde(skip_deserializing)]
    computed: bool,
}

fn default_zoom() -> f64 {
    1.0
}

#[test]
fn option_and_default_fields_are_optional_and_skipped_fields_are_omitted() {
    assert_eq!(
        fields_of::<Settings>(),
        vec![
            field("theme", Shape::String, false),
            field("locale", Shape::optional(Shape::String), true),
            field("page_size", Shape::Int, true),
            field("zoom", Shape::Float, true),
            field("pinned", Shape::list(Shape::String), true),
            field("computed", Shape::Bool, false),
        ]
    );
    let with_pins = Settings {
        pinned: vec!["a".into()],
        ..Settings::default()
    };
    assert_eq!(described_names::<Settings>(), wire_names(&with_pins));
    // Optional keys may be absent: `pinned` on output...
    let written = wire_names(&Settings::default());
    for f in fields_of::<Settings>() {
        assert!(
            f.optional || written.contains(&f.name),
            "required `{}` not written",
            f.name
        );
    }
    assert!(!written.contains(&"pinned".to_owned()));
    // ... and the `Option`/`default` ones on input (`skip_serializing_if`
    // alone does not make serde accept a missing key).
    let read: Result<Settings, _> =
        serde_json::from_str(r#"{"theme": "dark", "pinned": [], "password": ""}"#);
    assert!(read.is_ok(), "{read:?}");
}

#[derive(Serialize, Deserialize, Mizan, Default)]
#[serde(default, deny_unknown_fields)]
struct Filters {
    query: String,
    limit: u32,
}

#[test]
fn a_container_default_makes_every_field_optional() {
    assert_eq!(
        fields_of::<Filters>(),
        vec![
            field("query", Shape::String, true),
            field("limit", Shape::Int, true)
        ]
    );
}

#[derive(Serialize, Deserialize, Mizan, Clone, Copy)]
#[serde(rename = "Level", rename_all = "kebab-case")]
enum Priority {
    Low,
    #[serde(rename = "MEDIUM")]
    Medium,
    VeryHigh,
    #[serde(skip)]
    #[allow(dead_code)]
    Internal,
    r#Fn,
}

#[test]
fn a_fieldless_enum_is_its_wire_strings_in_declaration_order() {
    let mut types = TypeSet::new();
    assert_eq!(types.shape_of::<Priority>(), named("Level"));
    let (wire, described) = wire_and_described_variants(&[
        Priority::Low,
        Priority::Medium,
        Priority::VeryHigh,
        Priority::Fn,
    ]);
    assert_eq!(described, ["low", "MEDIUM", "very-high", "fn"]);
    assert_eq!(described, wire);
}

#[derive(Serialize, Deserialize, Mizan)]
struct UserId(i64);

#[derive(Serialize, Deserialize, Mizan)]
struct Tags(Vec<String>);

#[derive(Serialize, Deserialize, Mizan)]
#[serde(transparent)]
struct Email {
    address: String,
}

#[derive(Serialize, Deserialize, Mizan)]
#[serde(transparent)]
struct Labels {
    names: Vec<String>,
    #[serde(skip)]
    #[allow(dead_code)]
    cached_len: usize,
}

#[derive(Serialize, Deserialize, Mizan)]
struct Payload(Value);

#[derive(Serialize, Deserialize, Mizan)]
#[serde(rename = "MaybeId")]
struct OptionalId(Option<UserId>);

#[derive(Serialize, Deserialize, Mizan)]
struct Post {
    author: UserId,
    email: Email,
    tags: Tags,
    labels: Labels,
    payload: Payload,
    editor: OptionalId,
}

#[test]
fn primitive_newtypes_are_substituted_and_others_are_aliases() {
    let mut types = TypeSet::new();
    assert_eq!(types.shape_of::<UserId>(), Shape::Int);
    assert_eq!(types.shape_of::<Email>(), Shape::String);
    assert_eq!(types.shape_of::<Payload>(), Shape::Any);
    assert_eq!(types.shape_of::<Tags>(), named("Tags"));
    assert_eq!(
        types.get("Tags"),
        Some(&TypeDef::Alias(Shape::list(Shape::String)))
    );
    assert_eq!(types.shape_of::<Labels>(), named("Labels"));
    assert_eq!(
        types.get("Labels"),
        Some(&TypeDef::Alias(Shape::list(Shape::String)))
    );
    assert_eq!(types.shape_of::<OptionalId>(), named("MaybeId"));
    assert_eq!(
        types.get("MaybeId"),
        Some(&TypeDef::Alias(Shape::optional(Shape::Int)))
    );
    for primitive in ["UserId", "Email", "Payload"] {
        assert_eq!(
            types.get(primitive),
            None,
            "{primitive} must not be a named type"
        );
    }

    assert_eq!(
        fields_of::<Post>(),
        vec![
            field("author", Shape::Int, false),
            field("email", Shape::String, false),
            field("tags", named("Tags"), false),
            field("labels", named("Labels"), false),
            field("payload", Shape::Any, false),
            field("editor", named("MaybeId"), false),
        ]
    );
}

#[derive(Serialize, Deserialize, Mizan)]
struct Node {
    label: String,
    children: Vec<Node>,
    parent: Option<Box<Node>>,
}

/// Recursive through newtypes only: no struct in the cycle to stop at.
#[derive(Serialize, Deserialize, Mizan)]
struct Forest(Vec<Forest>);

#[derive(Serialize, Deserialize, Mizan)]
struct Even(Option<Box<Odd>>);

#[derive(Serialize, Deserialize, Mizan)]
struct Odd(Vec<Even>);

#[test]
fn recursive_types_terminate() {
    let mut types = TypeSet::new();
    assert_eq!(types.shape_of::<Node>(), named("Node"));
    assert_eq!(
        types.get("Node"),
        Some(&TypeDef::Struct(vec![
            field("label", Shape::String, false),
            field("children", Shape::list(named("Node")), false),
            field("parent", Shape::optional(named("Node")), true),
        ]))
    );

    assert_eq!(types.shape_of::<Forest>(), named("Forest"));
    assert_eq!(
        types.get("Forest"),
        Some(&TypeDef::Alias(Shape::list(named("Forest"))))
    );
    assert_eq!(types.shape_of::<Even>(), named("Even"));
    assert_eq!(
        types.get("Even"),
        Some(&TypeDef::Alias(Shape::optional(named("Odd"))))
    );
    assert_eq!(
        types.get("Odd"),
        Some(&TypeDef::Alias(Shape::list(named("Even"))))
    );
    // Described again, from the other end of the cycle, in a fresh set.
    let mut fresh = TypeSet::new();
    assert_eq!(fresh.shape_of::<Odd>(), named("Odd"));
    assert_eq!(fresh.get("Even"), types.get("Even"));
    assert!(types.conflicts().is_empty() && fresh.conflicts().is_empty());
}

#[derive(Serialize, Mizan)]
struct View<'a> {
    title: &'a str,
    lines: Vec<&'a str>,
}

#[test]
fn borrowed_structs_are_described() {
    assert_eq!(
        fields_of::<View<'static>>(),
        vec![
            field("title", Shape::String, false),
            field("lines", Shape::list(Shape::String), false)
        ]
    );
}

mod elsewhere {
    /// Same IR name as the top-level `Status`, different definition.
    #[derive(serde::Serialize, mizan::Mizan)]
    #[allow(dead_code)]
    pub(crate) enum Status {
        Open,
    }
}

#[test]
fn two_types_under_one_wire_name_are_reported_as_a_conflict() {
    let mut types = TypeSet::new();
    types.shape_of::<Status>();
    types.shape_of::<elsewhere::Status>();
    assert_eq!(types.conflicts().len(), 1, "{:?}", types.conflicts());
    assert!(types.conflicts()[0].contains("elsewhere::Status"));
}

#[derive(Serialize, Deserialize, Mizan)]
struct Empty {}

#[test]
fn a_struct_without_fields_is_an_empty_object() {
    assert_eq!(fields_of::<Empty>(), vec![]);
    assert_eq!(wire_names(&Empty {}), Vec::<String>::new());
}
