//! One invalidation target (../shared/spec/PROTOCOL.md §3.1), its JSON form
//! and the matching rule of §3.2.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::canonical::canonical_string;

/// One invalidation target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The affected context.
    pub context: String,
    /// Set when the mutation named a function of the context.
    pub function: Option<String>,
    /// Scope: the mutation's arguments that are parameters of the context
    /// (values as sent). Empty = broad.
    pub params: BTreeMap<String, Value>,
}

impl Target {
    /// A broad target.
    pub fn broad(context: impl Into<String>) -> Self {
        Self {
            context: context.into(),
            function: None,
            params: BTreeMap::new(),
        }
    }

    /// Adds a scope parameter (values as a caller would send them).
    #[must_use]
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }

    /// Auto-scoping (§3.2): keeps the arguments whose names are parameters of
    /// the context.
    pub fn scoped<'a>(
        context: &str,
        function: Option<&str>,
        context_params: impl IntoIterator<Item = &'a str>,
        args: &Map<String, Value>,
    ) -> Self {
        let params = context_params
            .into_iter()
            .filter_map(|name| args.get(name).map(|v| (name.to_owned(), v.clone())))
            .collect();
        Self {
            context: context.to_owned(),
            function: function.map(str::to_owned),
            params,
        }
    }

    /// The JSON form: `"ctx"` when broad, else
    /// `{"context", "function"?, "params"?}`.
    pub fn to_json(&self) -> Value {
        if self.function.is_none() && self.params.is_empty() {
            return Value::from(self.context.clone());
        }
        let mut obj = Map::new();
        obj.insert("context".into(), Value::from(self.context.clone()));
        if let Some(function) = &self.function {
            obj.insert("function".into(), Value::from(function.clone()));
        }
        if !self.params.is_empty() {
            let params = self
                .params
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            obj.insert("params".into(), Value::Object(params));
        }
        Value::Object(obj)
    }

    /// Reads the JSON form back (`None` when it is not a target).
    pub fn from_json(value: &Value) -> Option<Self> {
        match value {
            Value::String(context) => Some(Self::broad(context.clone())),
            Value::Object(obj) => Some(Self {
                context: obj.get("context")?.as_str()?.to_owned(),
                function: match obj.get("function") {
                    None => None,
                    Some(f) => Some(f.as_str()?.to_owned()),
                },
                params: match obj.get("params") {
                    None => BTreeMap::new(),
                    Some(Value::Object(p)) => {
                        p.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                    }
                    Some(_) => return None,
                },
            }),
            _ => None,
        }
    }

    /// The params as canonical strings (for matching and the header).
    pub fn canonical_params(&self) -> BTreeMap<String, String> {
        self.params
            .iter()
            .map(|(k, v)| (k.clone(), canonical_string(v)))
            .collect()
    }
}

/// The matching rule of §3.2: an instance with params `instance` is hit by a
/// target scoped by `scope` when every scope key is in the instance with an
/// equal canonical string. An empty scope (broad) hits everything.
pub fn scope_matches(
    scope: &BTreeMap<String, String>,
    instance: &BTreeMap<String, String>,
) -> bool {
    scope.iter().all(|(k, v)| instance.get(k) == Some(v))
}
