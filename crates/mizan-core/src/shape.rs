//! Type descriptions: the shapes and named types that the IR carries
//! (../shared/spec/IR.md, `docs/ir.md`), and the [`Describe`] trait that produces them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use crate::kdl::string_literal;

/// The shape of a value on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    /// UTF-8 text (date-times included).
    String,
    /// 64-bit signed integer.
    Int,
    /// IEEE double.
    Float,
    /// Boolean.
    Bool,
    /// Any JSON value.
    Any,
    /// A file argument (multipart).
    Upload,
    /// A named type.
    Ref(String),
    /// A JSON array.
    List(Box<Shape>),
    /// The value or `null`.
    Optional(Box<Shape>),
    /// A JSON object with string keys.
    Map(Box<Shape>),
    /// One of these string literals.
    Enum(Vec<String>),
    /// Any one of these shapes.
    Union(Vec<Shape>),
}

impl Shape {
    /// `list { inner }`.
    pub fn list(inner: Shape) -> Self {
        Self::List(Box::new(inner))
    }
    /// `optional { inner }` (never doubly optional: `Option<Option<T>>` is one level on the wire).
    pub fn optional(inner: Shape) -> Self {
        match inner {
            Self::Optional(_) => inner,
            other => Self::Optional(Box::new(other)),
        }
    }
    /// `map { inner }`.
    pub fn map(inner: Shape) -> Self {
        Self::Map(Box::new(inner))
    }
    /// The named types this shape refers to, directly or nested.
    pub fn refs<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Self::Ref(name) => out.push(name),
            Self::List(inner) | Self::Optional(inner) | Self::Map(inner) => inner.refs(out),
            Self::Union(items) => items.iter().for_each(|s| s.refs(out)),
            _ => {}
        }
    }
    /// True for `string`, `int`, `float` and `bool`: the shapes a query string can carry.
    pub fn is_scalar(&self) -> bool {
        matches!(self, Self::String | Self::Int | Self::Float | Self::Bool)
    }
}

/// The IR's one-line form of a shape, e.g. `list { ref "Order" }`.
impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String => f.write_str("string"),
            Self::Int => f.write_str("int"),
            Self::Float => f.write_str("float"),
            Self::Bool => f.write_str("bool"),
            Self::Any => f.write_str("any"),
            Self::Upload => f.write_str("upload"),
            Self::Ref(name) => write!(f, "ref {}", string_literal(name)),
            Self::List(inner) => write!(f, "list {{ {inner} }}"),
            Self::Optional(inner) => write!(f, "optional {{ {inner} }}"),
            Self::Map(inner) => write!(f, "map {{ {inner} }}"),
            Self::Enum(items) => {
                f.write_str("enum")?;
                items
                    .iter()
                    .try_for_each(|item| write!(f, " {}", string_literal(item)))
            }
            Self::Union(items) => {
                f.write_str("union { ")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(" }")
            }
        }
    }
}

/// A named type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeDef {
    /// Named fields in declaration order.
    Struct(Vec<Field>),
    /// String literals in declaration order.
    Enum(Vec<String>),
    /// A name for a non-primitive shape.
    Alias(Shape),
}

/// A struct field as it appears on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Wire name (serde renames applied).
    pub name: String,
    /// Shape of the value.
    pub shape: Shape,
    /// The key may be absent from the object.
    pub optional: bool,
}

/// Every named type that some description reached, plus the conflicts found
/// on the way (two different definitions under one name).
#[derive(Debug, Default, Clone)]
pub struct TypeSet {
    defs: BTreeMap<String, (TypeDef, String)>,
    in_progress: BTreeSet<String>,
    conflicts: Vec<String>,
}

impl TypeSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Describes `T` into this set and returns its shape.
    pub fn shape_of<T: Describe + ?Sized>(&mut self) -> Shape {
        T::describe(self)
    }

    /// Defines (or re-uses) the named type `name` whose origin is `origin`
    /// (its Rust `type_name`, or a Python class's qualified name), building
    /// the definition with `build`.
    /// Returns `ref "name"`. A second, different definition under the same
    /// name is recorded as a conflict and reported at registration.
    pub fn define(
        &mut self,
        name: &str,
        origin: &str,
        build: impl FnOnce(&mut TypeSet) -> TypeDef,
    ) -> Shape {
        let shape = Shape::Ref(name.to_owned());
        if self.in_progress.contains(name) {
            return shape;
        }
        if let Some((_, existing_origin)) = self.defs.get(name) {
            if existing_origin == origin {
                return shape;
            }
        }
        self.in_progress.insert(name.to_owned());
        let def = build(self);
        self.in_progress.remove(name);
        match self.defs.get(name) {
            Some((existing, existing_origin)) if *existing != def => {
                self.conflicts.push(format!(
                    "type name `{name}` maps to two different shapes: `{existing_origin}` and `{origin}`"
                ));
            }
            Some(_) => {}
            None => {
                self.defs.insert(name.to_owned(), (def, origin.to_owned()));
            }
        }
        shape
    }

    /// Describes a newtype (`struct UserId(i64)`): a primitive inside is
    /// substituted at the use site; anything else becomes the alias `name`.
    /// A newtype reached again through its own inner type is recursive, hence
    /// not primitive, and is referred to by name.
    pub fn define_newtype(
        &mut self,
        name: &str,
        origin: &str,
        inner: impl FnOnce(&mut TypeSet) -> Shape,
    ) -> Shape {
        if self.in_progress.contains(name) {
            return Shape::Ref(name.to_owned());
        }
        self.in_progress.insert(name.to_owned());
        let inner = inner(self);
        self.in_progress.remove(name);
        if inner.is_scalar() || inner == Shape::Any {
            inner
        } else {
            self.define(name, origin, |_| TypeDef::Alias(inner))
        }
    }

    /// The definition of a named type.
    pub fn get(&self, name: &str) -> Option<&TypeDef> {
        self.defs.get(name).map(|(def, _)| def)
    }

    /// All definitions, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &TypeDef)> {
        self.defs
            .iter()
            .map(|(name, (def, _))| (name.as_str(), def))
    }

    /// Conflicts recorded so far.
    pub fn conflicts(&self) -> &[String] {
        &self.conflicts
    }

    /// True when `shape` is, or resolves through aliases to, a list of `item`.
    pub fn is_list_of(&self, shape: &Shape, item: &Shape) -> bool {
        match self.resolve_alias(shape) {
            Shape::List(inner) => self.resolve_alias(inner) == self.resolve_alias(item),
            _ => false,
        }
    }

    /// Follows `ref`s to aliases until a non-alias shape.
    pub fn resolve_alias<'a>(&'a self, mut shape: &'a Shape) -> &'a Shape {
        for _ in 0..64 {
            match shape {
                Shape::Ref(name) => match self.get(name) {
                    Some(TypeDef::Alias(inner)) => shape = inner,
                    _ => return shape,
                },
                _ => return shape,
            }
        }
        shape
    }
}

/// Describes a Rust type as a [`Shape`], registering the named types it uses.
///
/// Implemented for the primitives, the standard containers, `serde_json::Value`
/// and [`crate::Upload`]; `#[derive(Mizan)]` implements it for your structs
/// and enums.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be described for the Mizan IR",
    label = "this type must implement `Describe`",
    note = "add `#[derive(Mizan)]` (with serde's `Serialize`/`Deserialize`) to the type"
)]
pub trait Describe {
    /// The shape of `Self`, registering named types into `types`.
    fn describe(types: &mut TypeSet) -> Shape;
}

macro_rules! describe_as {
    ($shape:expr => $($ty:ty),*) => {
        $(impl Describe for $ty {
            fn describe(_: &mut TypeSet) -> Shape { $shape }
        })*
    };
}

describe_as!(Shape::Int => i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
describe_as!(Shape::Float => f32, f64);
describe_as!(Shape::Bool => bool);
describe_as!(Shape::String => String, str, char);
describe_as!(Shape::Any => serde_json::Value, serde_json::Map<String, serde_json::Value>, ());

impl<T: Describe + ?Sized> Describe for &T {
    fn describe(types: &mut TypeSet) -> Shape {
        T::describe(types)
    }
}
impl<T: Describe + ?Sized> Describe for Box<T> {
    fn describe(types: &mut TypeSet) -> Shape {
        T::describe(types)
    }
}
impl<T: Describe + ?Sized> Describe for Arc<T> {
    fn describe(types: &mut TypeSet) -> Shape {
        T::describe(types)
    }
}
impl<T: Describe> Describe for Option<T> {
    fn describe(types: &mut TypeSet) -> Shape {
        Shape::optional(T::describe(types))
    }
}
impl<T: Describe> Describe for [T] {
    fn describe(types: &mut TypeSet) -> Shape {
        Shape::list(T::describe(types))
    }
}
impl<T: Describe, const N: usize> Describe for [T; N] {
    fn describe(types: &mut TypeSet) -> Shape {
        Shape::list(T::describe(types))
    }
}
macro_rules! describe_list {
    ($($ty:ident),*) => {
        $(impl<T: Describe> Describe for $ty<T> {
            fn describe(types: &mut TypeSet) -> Shape { Shape::list(T::describe(types)) }
        })*
    };
}
describe_list!(Vec, VecDeque, BTreeSet);
impl<T: Describe, S> Describe for HashSet<T, S> {
    fn describe(types: &mut TypeSet) -> Shape {
        Shape::list(T::describe(types))
    }
}
impl<T: Describe> Describe for BTreeMap<String, T> {
    fn describe(types: &mut TypeSet) -> Shape {
        Shape::map(T::describe(types))
    }
}
impl<T: Describe, S> Describe for HashMap<String, T, S> {
    fn describe(types: &mut TypeSet) -> Shape {
        Shape::map(T::describe(types))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_render_on_one_line() {
        let shape = Shape::Union(vec![
            Shape::Int,
            Shape::list(Shape::optional(Shape::Ref("A".into()))),
        ]);
        assert_eq!(
            shape.to_string(),
            "union { int; list { optional { ref \"A\" } } }"
        );
    }

    struct Node;
    impl Describe for Node {
        fn describe(types: &mut TypeSet) -> Shape {
            types.define("Node", "tests::Node", |types| {
                TypeDef::Struct(vec![Field {
                    name: "children".into(),
                    shape: Vec::<Node>::describe(types),
                    optional: false,
                }])
            })
        }
    }

    struct OtherNode;
    impl Describe for OtherNode {
        fn describe(types: &mut TypeSet) -> Shape {
            types.define("Node", "other::Node", |_| TypeDef::Enum(vec!["a".into()]))
        }
    }

    #[test]
    fn containers_describe_their_wire_shapes() {
        let mut types = TypeSet::new();
        assert_eq!(
            types.shape_of::<Vec<Option<i32>>>(),
            Shape::list(Shape::optional(Shape::Int))
        );
        assert_eq!(
            types.shape_of::<Option<Option<bool>>>(),
            Shape::optional(Shape::Bool)
        );
        assert_eq!(
            types.shape_of::<HashMap<String, f64>>(),
            Shape::map(Shape::Float)
        );
        assert_eq!(types.shape_of::<[String; 3]>(), Shape::list(Shape::String));
    }

    #[test]
    fn recursive_types_terminate() {
        let mut types = TypeSet::new();
        assert_eq!(types.shape_of::<Node>(), Shape::Ref("Node".into()));
        assert!(types.get("Node").is_some());
        assert!(types.conflicts().is_empty());
    }

    struct Forest;
    impl Describe for Forest {
        fn describe(types: &mut TypeSet) -> Shape {
            types.define_newtype("Forest", "tests::Forest", Vec::<Forest>::describe)
        }
    }

    struct UserId;
    impl Describe for UserId {
        fn describe(types: &mut TypeSet) -> Shape {
            types.define_newtype("UserId", "tests::UserId", i64::describe)
        }
    }

    #[test]
    fn newtypes_of_primitives_are_substituted_and_recursive_newtypes_are_aliases() {
        let mut types = TypeSet::new();
        assert_eq!(types.shape_of::<UserId>(), Shape::Int);
        assert!(types.get("UserId").is_none());
        assert_eq!(types.shape_of::<Forest>(), Shape::Ref("Forest".into()));
        assert_eq!(
            types.get("Forest"),
            Some(&TypeDef::Alias(Shape::list(Shape::Ref("Forest".into()))))
        );
    }

    #[test]
    fn two_shapes_under_one_name_are_a_conflict() {
        let mut types = TypeSet::new();
        types.shape_of::<Node>();
        types.shape_of::<OtherNode>();
        assert_eq!(types.conflicts().len(), 1);
        assert!(types.conflicts()[0].contains("other::Node"));
    }
}
