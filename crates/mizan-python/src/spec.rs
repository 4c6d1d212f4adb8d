//! What the Python package declares, as it crosses into Rust: functions,
//! their parameters and output, and the named types they use, all
//! described in Python from type hints and handed over as JSON. Here they
//! become the core's [`FunctionDef`]s, so the core's registry validates
//! them and writes their IR exactly as it does for Rust functions.

use std::collections::BTreeMap;
use std::sync::Arc;

use mizan_core::function::{MergeDecl, ParamDef, Signature};
use mizan_core::{CachePolicy, Field, Shape, TargetRef, TypeDef, TypeSet};
use serde::Deserialize;
use serde_json::Value;

/// The whole declaration of an app.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AppSpec {
    pub(crate) functions: Vec<FunctionSpec>,
    #[serde(default)]
    pub(crate) channels: Vec<ChannelSpec>,
    #[serde(default)]
    pub(crate) page_routes: Vec<(String, String)>,
    #[serde(default)]
    pub(crate) mwt_obtain: bool,
}

/// One function.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FunctionSpec {
    pub(crate) name: String,
    /// Where it is declared, for messages (`module.qualname`).
    pub(crate) origin: String,
    pub(crate) params: Vec<ParamSpec>,
    pub(crate) output: Option<ShapeSpec>,
    /// The named types its parameters and output reach, by name (each
    /// function brings its own, so that two classes under one name reach
    /// the registry as the conflict they are).
    #[serde(default)]
    pub(crate) types: BTreeMap<String, TypeSpec>,
    #[serde(default)]
    pub(crate) context: Option<String>,
    #[serde(default)]
    pub(crate) affects: Vec<TargetSpec>,
    #[serde(default)]
    pub(crate) merge: Option<MergeSpec>,
    #[serde(default)]
    pub(crate) auth: Option<AuthSpec>,
    #[serde(default)]
    pub(crate) private: bool,
    #[serde(default)]
    pub(crate) route: Option<String>,
    #[serde(default)]
    pub(crate) methods: Vec<String>,
    #[serde(default)]
    pub(crate) rev: u32,
    #[serde(default)]
    pub(crate) cache: Option<CacheSpec>,
    #[serde(default)]
    pub(crate) websocket: bool,
}

/// One channel (PROTOCOL.md §6.1): its params (a model), what a client
/// sends and what the server pushes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChannelSpec {
    pub(crate) name: String,
    pub(crate) origin: String,
    pub(crate) params: ShapeSpec,
    pub(crate) send: ShapeSpec,
    pub(crate) message: ShapeSpec,
    #[serde(default)]
    pub(crate) types: BTreeMap<String, TypeSpec>,
}

/// One parameter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ParamSpec {
    pub(crate) name: String,
    pub(crate) shape: ShapeSpec,
    pub(crate) required: bool,
    #[serde(default)]
    pub(crate) default: Option<Value>,
}

/// An `affects` item.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub(crate) enum TargetSpec {
    Context(String),
    Function(String),
}

/// `merge = <context>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MergeSpec {
    pub(crate) context: String,
    #[serde(default)]
    pub(crate) key: Option<String>,
}

/// `auth`: a level, or `custom` (the predicate is handed over beside the JSON).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AuthSpec {
    Required,
    Staff,
    Superuser,
    Custom,
}

/// `cache = 60` or `cache = false`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub(crate) enum CacheSpec {
    Ttl(u64),
    Flag(bool),
}

/// A shape: `"int"`, `{"list": …}`, `{"ref": "Name"}`…
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ShapeSpec {
    String,
    Int,
    Float,
    Bool,
    Any,
    Upload,
    Ref(String),
    List(Box<ShapeSpec>),
    Optional(Box<ShapeSpec>),
    Map(Box<ShapeSpec>),
    Enum(Vec<String>),
    Union(Vec<ShapeSpec>),
}

/// A named type and the Python class it describes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TypeSpec {
    pub(crate) origin: String,
    #[serde(rename = "def")]
    pub(crate) definition: TypeDefSpec,
}

/// A struct, an enum of strings, or an alias.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TypeDefSpec {
    Struct(Vec<FieldSpec>),
    Enum(Vec<String>),
    Alias(ShapeSpec),
}

/// A struct field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldSpec {
    pub(crate) name: String,
    pub(crate) shape: ShapeSpec,
    #[serde(default)]
    pub(crate) optional: bool,
}

impl ShapeSpec {
    pub(crate) fn to_shape(&self) -> Shape {
        match self {
            Self::String => Shape::String,
            Self::Int => Shape::Int,
            Self::Float => Shape::Float,
            Self::Bool => Shape::Bool,
            Self::Any => Shape::Any,
            Self::Upload => Shape::Upload,
            Self::Ref(name) => Shape::Ref(name.clone()),
            Self::List(inner) => Shape::list(inner.to_shape()),
            Self::Optional(inner) => Shape::optional(inner.to_shape()),
            Self::Map(inner) => Shape::map(inner.to_shape()),
            Self::Enum(items) => Shape::Enum(items.clone()),
            Self::Union(items) => Shape::Union(items.iter().map(Self::to_shape).collect()),
        }
    }
}

impl TypeDefSpec {
    fn to_def(&self) -> TypeDef {
        match self {
            Self::Struct(fields) => TypeDef::Struct(
                fields
                    .iter()
                    .map(|f| Field {
                        name: f.name.clone(),
                        shape: f.shape.to_shape(),
                        optional: f.optional,
                    })
                    .collect(),
            ),
            Self::Enum(items) => TypeDef::Enum(items.clone()),
            Self::Alias(shape) => TypeDef::Alias(shape.to_shape()),
        }
    }
}

/// A function's named types: the table its signature defines them from
/// into the registry, and a [`TypeSet`] its arguments are checked against.
#[derive(Debug)]
pub(crate) struct Types {
    pub(crate) specs: Vec<(String, String, TypeDef)>,
    set: TypeSet,
}

impl Types {
    pub(crate) fn new(specs: &BTreeMap<String, TypeSpec>) -> Self {
        let specs: Vec<(String, String, TypeDef)> = specs
            .iter()
            .map(|(name, spec)| (name.clone(), spec.origin.clone(), spec.definition.to_def()))
            .collect();
        let mut set = TypeSet::new();
        Self::define_all(&specs, &mut set);
        Self { specs, set }
    }

    pub(crate) fn set(&self) -> &TypeSet {
        &self.set
    }

    pub(crate) fn define_all(specs: &[(String, String, TypeDef)], into: &mut TypeSet) {
        for (name, origin, def) in specs {
            into.define(name, origin, |_| def.clone());
        }
    }
}

impl FunctionSpec {
    /// The parameters as the core describes them.
    pub(crate) fn param_defs(&self) -> Vec<ParamDef> {
        self.params
            .iter()
            .map(|p| ParamDef {
                name: p.name.clone(),
                shape: p.shape.to_shape(),
                required: p.required,
                default: p.default.clone(),
            })
            .collect()
    }

    /// The signature closure of the core's `FunctionDef`.
    pub(crate) fn signature(
        &self,
        types: &Arc<Types>,
    ) -> impl Fn(&mut TypeSet) -> Signature + Send + Sync + 'static {
        let params = self.param_defs();
        let output = self.output.as_ref().map(ShapeSpec::to_shape);
        let types = Arc::clone(types);
        move |set: &mut TypeSet| {
            Types::define_all(&types.specs, set);
            Signature {
                params: params.clone(),
                output: output.clone(),
            }
        }
    }

    pub(crate) fn targets(&self) -> Vec<TargetRef> {
        self.affects
            .iter()
            .map(|t| match t {
                TargetSpec::Context(c) => TargetRef::Context(c.clone()),
                TargetSpec::Function(f) => TargetRef::Function(f.clone()),
            })
            .collect()
    }

    pub(crate) fn merge_decl(&self) -> Option<MergeDecl> {
        self.merge.as_ref().map(|m| MergeDecl {
            context: m.context.clone(),
            key: m.key.clone(),
        })
    }

    pub(crate) fn cache_policy(&self) -> CachePolicy {
        match self.cache {
            None | Some(CacheSpec::Flag(true)) => CachePolicy::Default,
            Some(CacheSpec::Flag(false)) => CachePolicy::Never,
            Some(CacheSpec::Ttl(n)) => CachePolicy::Ttl(n),
        }
    }
}
