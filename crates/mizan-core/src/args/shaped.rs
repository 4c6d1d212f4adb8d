//! Arguments decoded against a described [`Shape`] instead of a Rust type,
//! for hosts that describe their types at run time (the Python bindings).
//! The checks and their wording are those of the Rust types the shapes
//! describe (serde's derive), so a mistake reads the same whichever
//! language declared the function.

use std::fmt;

use serde::Deserialize as _;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde_json::{Map, Value};

use super::message::unknown_variant;
use crate::shape::{Field, Shape, TypeDef, TypeSet};

/// Decodes one JSON value into the [`Value`] it is, checked against `shape`
/// (named types looked up in `types`) exactly as serde checks the Rust type
/// with that shape: missing fields, wrong types, unknown variants. Unknown
/// struct fields are dropped, as serde drops them.
#[derive(Debug, Clone, Copy)]
pub struct ShapeSeed<'a> {
    shape: &'a Shape,
    types: &'a TypeSet,
}

impl<'a> ShapeSeed<'a> {
    /// A seed for `shape`.
    pub fn new(shape: &'a Shape, types: &'a TypeSet) -> Self {
        Self { shape, types }
    }

    fn with(self, shape: &'a Shape) -> Self {
        Self {
            shape,
            types: self.types,
        }
    }
}

impl<'de> DeserializeSeed<'de> for ShapeSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        match self.shape {
            Shape::String => de.deserialize_string(Scalar::String),
            Shape::Int => de.deserialize_i64(Scalar::Int),
            Shape::Float => de.deserialize_f64(Scalar::Float),
            Shape::Bool => de.deserialize_bool(Scalar::Bool),
            Shape::Any => Value::deserialize(de),
            Shape::Upload => Err(de::Error::custom(
                "a file is sent as a multipart part, not inside JSON",
            )),
            Shape::List(inner) => de.deserialize_seq(ListVisitor(self.with(inner))),
            Shape::Optional(inner) => de.deserialize_option(OptionVisitor(self.with(inner))),
            Shape::Map(inner) => de.deserialize_map(MapVisitor(self.with(inner))),
            Shape::Enum(variants) => de.deserialize_string(LiteralVisitor(variants)),
            Shape::Union(shapes) => {
                let value = Value::deserialize(de)?;
                shapes
                    .iter()
                    .find_map(|shape| self.with(shape).deserialize(&value).ok())
                    .ok_or_else(|| de::Error::custom("data did not match any variant of the union"))
            }
            Shape::Ref(name) => match self.types.get(name) {
                Some(TypeDef::Struct(fields)) => {
                    let visitor = StructVisitor {
                        name,
                        fields,
                        seed: self,
                    };
                    // serde wants `'static` field names only for messages
                    // of its own, and this visitor writes them itself.
                    de.deserialize_struct("", &[], visitor)
                }
                Some(TypeDef::Enum(variants)) => {
                    de.deserialize_enum("", &[], EnumVisitor { name, variants })
                }
                Some(TypeDef::Alias(inner)) => self.with(inner).deserialize(de),
                None => Err(de::Error::custom(format!("unknown type `{name}`"))),
            },
        }
    }
}

/// The primitives, each expecting what serde's own visitor for the Rust
/// type expects (`i64`, `f64`, …; the protocol's words replace them later).
#[derive(Clone, Copy)]
enum Scalar {
    String,
    Int,
    Float,
    Bool,
}

impl<'de> Visitor<'de> for Scalar {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::String => "a string",
            Self::Int => "i64",
            Self::Float => "f64",
            Self::Bool => "a boolean",
        })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        match self {
            Self::String => Ok(Value::from(v)),
            _ => Err(E::invalid_type(de::Unexpected::Str(v), &self)),
        }
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        match self {
            Self::String => Ok(Value::String(v)),
            _ => Err(E::invalid_type(de::Unexpected::Str(&v), &self)),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        match self {
            Self::Int => Ok(Value::from(v)),
            Self::Float => Ok(Value::from(v as f64)),
            _ => Err(E::invalid_type(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        match self {
            Self::Int => i64::try_from(v)
                .map(Value::from)
                .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self)),
            Self::Float => Ok(Value::from(v as f64)),
            _ => Err(E::invalid_type(de::Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        match self {
            Self::Float => Ok(Value::from(v)),
            _ => Err(E::invalid_type(de::Unexpected::Float(v), &self)),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        match self {
            Self::Bool => Ok(Value::Bool(v)),
            _ => Err(E::invalid_type(de::Unexpected::Bool(v), &self)),
        }
    }
}

struct ListVisitor<'a>(ShapeSeed<'a>);

impl<'de> Visitor<'de> for ListVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(self.0)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
}

struct OptionVisitor<'a>(ShapeSeed<'a>);

impl<'de> Visitor<'de> for OptionVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("option")
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        self.0.deserialize(de)
    }
}

struct MapVisitor<'a>(ShapeSeed<'a>);

impl<'de> Visitor<'de> for MapVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self.0)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// A struct as serde's derive reads it: an object by field name (unknown
/// fields ignored, a repeated one refused) or an array by position.
struct StructVisitor<'a> {
    name: &'a str,
    fields: &'a [Field],
    seed: ShapeSeed<'a>,
}

impl<'de> Visitor<'de> for StructVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match self.fields.iter().find(|f| f.name == key) {
                Some(field) => {
                    if out.contains_key(&key) {
                        return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                    let value = map.next_value_seed(self.seed.with(&field.shape))?;
                    out.insert(key, value);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(missing) = self
            .fields
            .iter()
            .find(|f| !f.optional && !is_option(&f.shape) && !out.contains_key(&f.name))
        {
            return Err(de::Error::custom(format_args!(
                "missing field `{}`",
                missing.name
            )));
        }
        // serde reads an absent `Option` field as `None`; the host gets the
        // `null` it stands for.
        for field in self.fields.iter().filter(|f| is_option(&f.shape)) {
            out.entry(field.name.clone()).or_insert(Value::Null);
        }
        Ok(Value::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        for (index, field) in self.fields.iter().enumerate() {
            match seq.next_element_seed(self.seed.with(&field.shape))? {
                Some(value) => {
                    out.insert(field.name.clone(), value);
                }
                None => {
                    return Err(de::Error::invalid_length(
                        index,
                        &format!(
                            "struct {} with {} element{}",
                            self.name,
                            self.fields.len(),
                            if self.fields.len() == 1 { "" } else { "s" }
                        )
                        .as_str(),
                    ));
                }
            }
        }
        Ok(Value::Object(out))
    }
}

fn is_option(shape: &Shape) -> bool {
    matches!(shape, Shape::Optional(_))
}

/// A fieldless enum: its variant names as strings.
struct EnumVisitor<'a> {
    name: &'a str,
    variants: &'a [String],
}

impl<'de> Visitor<'de> for EnumVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "enum {}", self.name)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (variant, access) = data.variant_seed(VariantSeed(self.variants))?;
        access.unit_variant()?;
        Ok(Value::String(variant))
    }
}

struct VariantSeed<'a>(&'a [String]);

impl<'de> DeserializeSeed<'de> for VariantSeed<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<String, D::Error> {
        de.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for VariantSeed<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        match self.0.iter().find(|variant| *variant == v) {
            Some(variant) => Ok(variant.clone()),
            None => Err(E::custom(unknown_variant(v, self.0))),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        usize::try_from(v)
            .ok()
            .and_then(|i| self.0.get(i))
            .cloned()
            .ok_or_else(|| {
                E::invalid_value(
                    de::Unexpected::Unsigned(v),
                    &format!("variant index 0 <= i < {}", self.0.len()).as_str(),
                )
            })
    }
}

/// An inline set of string literals (`enum "a" "b"`).
struct LiteralVisitor<'a>(&'a [String]);

impl<'de> Visitor<'de> for LiteralVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        if self.0.iter().any(|literal| literal == v) {
            Ok(Value::from(v))
        } else {
            Err(E::custom(unknown_variant(v, self.0)))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde::de::DeserializeOwned;

    use super::*;
    use crate::args::message::decode_error;

    /// What serde's derive says about `json` for `T`, and what the seed
    /// says for `shape`: the same words, at the same path.
    fn same_verdict<T: DeserializeOwned>(shape: &Shape, types: &TypeSet, json: &str) {
        let derived = {
            let mut de = serde_json::Deserializer::from_str(json);
            serde_path_to_error::deserialize::<_, T>(&mut de)
                .map(|_| ())
                .map_err(|e| (e.path().to_string(), decode_error(e.inner())))
        };
        let seeded = {
            let mut de = serde_json::Deserializer::from_str(json);
            let mut track = serde_path_to_error::Track::new();
            let wrapped = serde_path_to_error::Deserializer::new(&mut de, &mut track);
            ShapeSeed::new(shape, types)
                .deserialize(wrapped)
                .map(|_| ())
                .map_err(|e| (track.path().to_string(), decode_error(&e)))
        };
        assert_eq!(seeded, derived, "{json}");
    }

    #[allow(dead_code)]
    #[derive(Deserialize)]
    struct Item {
        id: i64,
        name: String,
        note: Option<String>,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[allow(dead_code)]
    #[derive(Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Color {
        Red,
        Green,
    }

    fn types() -> TypeSet {
        let mut types = TypeSet::new();
        types.define("Item", "tests::Item", |_| {
            TypeDef::Struct(vec![
                Field {
                    name: "id".into(),
                    shape: Shape::Int,
                    optional: false,
                },
                Field {
                    name: "name".into(),
                    shape: Shape::String,
                    optional: false,
                },
                Field {
                    name: "note".into(),
                    shape: Shape::optional(Shape::String),
                    optional: false,
                },
                Field {
                    name: "tags".into(),
                    shape: Shape::list(Shape::String),
                    optional: true,
                },
            ])
        });
        types.define("Color", "tests::Color", |_| {
            TypeDef::Enum(vec!["red".into(), "green".into()])
        });
        types
    }

    #[test]
    fn scalars_are_checked_like_rust_primitives() {
        let types = TypeSet::new();
        for json in [
            "1",
            "-1",
            "\"x\"",
            "1.5",
            "true",
            "null",
            "18446744073709551615",
            "[]",
        ] {
            same_verdict::<i64>(&Shape::Int, &types, json);
            same_verdict::<f64>(&Shape::Float, &types, json);
            same_verdict::<bool>(&Shape::Bool, &types, json);
            same_verdict::<String>(&Shape::String, &types, json);
            same_verdict::<Option<i64>>(&Shape::optional(Shape::Int), &types, json);
            same_verdict::<Vec<i64>>(&Shape::list(Shape::Int), &types, json);
        }
    }

    #[test]
    fn named_types_are_checked_like_their_derives() {
        let types = types();
        let item = Shape::Ref("Item".into());
        for json in [
            r#"{"id": 1, "name": "a"}"#,
            r#"{"id": 1, "name": "a", "note": null, "tags": ["x"], "extra": 1}"#,
            r#"{"id": "1", "name": "a"}"#,
            r#"{"name": "a"}"#,
            r#"{"id": 1, "name": "a", "tags": [1]}"#,
            r#"{"id": 1, "id": 2, "name": "a"}"#,
            r#"[1, "a", null, []]"#,
            r#"[1]"#,
            r#""x""#,
            "7",
        ] {
            same_verdict::<Item>(&item, &types, json);
        }
        let items = Shape::list(Shape::Ref("Item".into()));
        same_verdict::<Vec<Item>>(&items, &types, r#"[{"id": 1, "name": "a"}, {"id": "x"}]"#);
        let color = Shape::Ref("Color".into());
        for json in [r#""red""#, r#""blue""#, r#""Red""#] {
            same_verdict::<Color>(&color, &types, json);
        }
        let map = Shape::map(Shape::Int);
        for json in [r#"{"a": 1}"#, r#"{"a": "x"}"#, "[]"] {
            same_verdict::<BTreeMap<String, i64>>(&map, &types, json);
        }
    }

    #[test]
    fn absent_option_fields_are_null_and_unknown_fields_are_dropped() {
        let types = types();
        let item = Shape::Ref("Item".into());
        let value = ShapeSeed::new(&item, &types)
            .deserialize(&serde_json::json!({"id": 1, "name": "a", "extra": true}))
            .expect("a valid item");
        assert_eq!(
            value,
            serde_json::json!({"id": 1, "name": "a", "note": null})
        );
    }

    #[test]
    fn literals_and_unions_take_what_they_list() {
        let types = TypeSet::new();
        let literal = Shape::Enum(vec!["a".into(), "b".into()]);
        let seed = ShapeSeed::new(&literal, &types);
        assert!(seed.deserialize(&serde_json::json!("a")).is_ok());
        let err = seed
            .deserialize(&serde_json::json!("c"))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("unknown variant `c`, expected `a` or `b`")
        );
        let union = Shape::Union(vec![Shape::Int, Shape::String]);
        let seed = ShapeSeed::new(&union, &types);
        assert_eq!(seed.deserialize(&serde_json::json!(1)).ok(), Some(1.into()));
        assert!(seed.deserialize(&serde_json::json!(true)).is_err());
    }
}
