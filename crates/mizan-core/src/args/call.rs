//! A call's arguments: the JSON `args` object (plus multipart files) turned
//! into typed values, every bad field collected into one `VALIDATION_ERROR`.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::message::{decode_error, field_path};
use super::shaped::ShapeSeed;
use crate::error::{FieldErrors, MizanError};
use crate::request::Upload;
use crate::shape::{Shape, TypeSet};

/// One argument as it arrived: a parsed value, or the raw JSON text of it
/// (HTTP bodies are not parsed into a tree before each argument is decoded
/// into its declared type).
#[derive(Debug, Clone)]
pub enum ArgValue {
    /// A parsed JSON value (query strings, WebSocket, IPC).
    Value(Value),
    /// The argument's JSON text, already validated by the parser.
    Raw(Box<RawValue>),
}

impl ArgValue {
    /// The value as a JSON tree.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Value(v) => v.clone(),
            Self::Raw(raw) => serde_json::from_str(raw.get()).unwrap_or(Value::Null),
        }
    }

    fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        match self {
            Self::Value(v) => T::deserialize(v),
            Self::Raw(raw) => serde_json::from_str(raw.get()),
        }
    }

    /// Decodes again, tracking where in the value decoding failed: only
    /// called after a failure, so the happy path pays nothing for paths.
    fn locate_error<T: DeserializeOwned>(
        &self,
    ) -> Option<serde_path_to_error::Error<serde_json::Error>> {
        match self {
            Self::Value(v) => serde_path_to_error::deserialize::<_, T>(v).err(),
            Self::Raw(raw) => {
                let mut de = serde_json::Deserializer::from_str(raw.get());
                serde_path_to_error::deserialize::<_, T>(&mut de).err()
            }
        }
    }
}

/// The arguments of a call as sent: name → value.
#[derive(Debug, Clone, Default)]
pub struct CallArgs {
    entries: BTreeMap<String, ArgValue>,
}

impl CallArgs {
    /// The arguments whose names `keep` accepts, as parsed JSON values (for
    /// auto-scoping: only context parameters are parsed a second time).
    pub fn values_where(&self, keep: impl Fn(&str) -> bool) -> Map<String, Value> {
        self.entries
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, v)| (k.clone(), v.to_value()))
            .collect()
    }

    /// Number of arguments.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no arguments.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// `args` as found in a call envelope, read in the same pass as the rest of
/// the body: each argument keeps its raw text.
#[derive(Debug)]
pub enum RawArgs {
    /// An object: the arguments.
    Object(CallArgs),
    /// Any other JSON value (the caller answers `BAD_REQUEST`).
    NotAnObject,
}

impl<'de> serde::Deserialize<'de> for RawArgs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawArgsVisitor)
    }
}

struct RawArgsVisitor;

impl<'de> serde::de::Visitor<'de> for RawArgsVisitor {
    type Value = RawArgs;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object of arguments")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawArgs, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let value: Box<RawValue> = map.next_value()?;
            entries.insert(key, ArgValue::Raw(value));
        }
        Ok(RawArgs::Object(CallArgs { entries }))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawArgs, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(RawArgs::NotAnObject)
    }

    fn visit_bool<E>(self, _: bool) -> Result<RawArgs, E> {
        Ok(RawArgs::NotAnObject)
    }
    fn visit_i64<E>(self, _: i64) -> Result<RawArgs, E> {
        Ok(RawArgs::NotAnObject)
    }
    fn visit_u64<E>(self, _: u64) -> Result<RawArgs, E> {
        Ok(RawArgs::NotAnObject)
    }
    fn visit_f64<E>(self, _: f64) -> Result<RawArgs, E> {
        Ok(RawArgs::NotAnObject)
    }
    fn visit_str<E>(self, _: &str) -> Result<RawArgs, E> {
        Ok(RawArgs::NotAnObject)
    }
    fn visit_unit<E>(self) -> Result<RawArgs, E> {
        Ok(RawArgs::Object(CallArgs::default()))
    }
}

impl From<Map<String, Value>> for CallArgs {
    fn from(map: Map<String, Value>) -> Self {
        Self {
            entries: map
                .into_iter()
                .map(|(k, v)| (k, ArgValue::Value(v)))
                .collect(),
        }
    }
}

/// The arguments of one call, consumed parameter by parameter (the code
/// `#[mizan::client]` generates does this): every bad argument is collected,
/// and [`finish`](Self::finish) reports them all at once.
///
/// ```
/// use mizan_core::Args;
/// use serde_json::json;
///
/// let sent = json!({"board_id": 3, "items": [{"id": 1}, {"id": "two"}], "extra": true});
/// let mut args = Args::new(sent.as_object().cloned().unwrap_or_default());
/// let board: Option<i64> = args.required("board_id");
/// let items: Option<Vec<std::collections::BTreeMap<String, i64>>> = args.required("items");
/// let limit: Option<i64> = args.with_default("limit", || 10);
/// assert_eq!((board, limit), (Some(3), Some(10)));
/// assert!(items.is_none());
///
/// let err = args.finish().expect_err("two bad fields");
/// assert_eq!(
///     err.details(),
///     Some(&json!({"fields": {
///         "extra": ["Unknown argument."],
///         "items[1].id": ["invalid type: string \"two\", expected an integer"],
///     }}))
/// );
/// ```
#[derive(Debug, Default)]
pub struct Args {
    values: BTreeMap<String, ArgValue>,
    uploads: BTreeMap<String, Upload>,
    errors: FieldErrors,
}

impl Args {
    /// Arguments from a JSON object or [`CallArgs`].
    pub fn new(values: impl Into<CallArgs>) -> Self {
        Self {
            values: values.into().entries,
            uploads: BTreeMap::new(),
            errors: FieldErrors::new(),
        }
    }

    /// Adds uploaded files, keyed by argument name.
    #[must_use]
    pub fn with_uploads(mut self, uploads: BTreeMap<String, Upload>) -> Self {
        self.uploads = uploads;
        self
    }

    fn fail(&mut self, name: &str, message: String) {
        self.errors
            .entry(name.to_owned())
            .or_default()
            .push(message);
    }

    /// Decodes one argument; a failure is reported under the path of the bad
    /// value inside it (`items[2].id`), or the argument's name.
    fn decode<T: DeserializeOwned>(&mut self, name: &str, value: ArgValue) -> Option<T> {
        match value.decode() {
            Ok(v) => Some(v),
            Err(err) => {
                let (field, message) = match value.locate_error::<T>() {
                    Some(located) => (
                        field_path(name, located.path()),
                        decode_error(located.inner()),
                    ),
                    None => (name.to_owned(), decode_error(&err)),
                };
                self.fail(&field, message);
                None
            }
        }
    }

    /// Decodes one argument against a described shape, tracking the path
    /// as it goes (hosts that describe types at run time have no second,
    /// faster pass to fall back on).
    fn decode_shaped(&mut self, name: &str, value: ArgValue, seed: ShapeSeed<'_>) -> Option<Value> {
        use serde::de::DeserializeSeed as _;
        let mut track = serde_path_to_error::Track::new();
        let decoded = match &value {
            ArgValue::Value(v) => {
                seed.deserialize(serde_path_to_error::Deserializer::new(v, &mut track))
            }
            ArgValue::Raw(raw) => {
                let mut de = serde_json::Deserializer::from_str(raw.get());
                seed.deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
            }
        };
        match decoded {
            Ok(v) => Some(v),
            Err(err) => {
                self.fail(&field_path(name, &track.path()), decode_error(&err));
                None
            }
        }
    }

    /// An argument decoded against a described `shape` rather than a Rust
    /// type (the Python bindings describe their types at run time), with
    /// the checks and wording of the Rust type that shape describes:
    /// `Some(Some(value))` when sent and valid, `Some(None)` when omitted
    /// and not `required` (the host applies its own default), `None` when
    /// reported.
    ///
    /// ```
    /// use mizan_core::{Args, Shape, TypeSet};
    /// use serde_json::json;
    ///
    /// let types = TypeSet::new();
    /// let mut args = Args::new(json!({"a": 1, "b": "x"}).as_object().cloned().unwrap_or_default());
    /// assert_eq!(args.shaped("a", &Shape::Int, true, &types), Some(Some(json!(1))));
    /// assert_eq!(args.shaped("b", &Shape::Int, true, &types), None);
    /// assert_eq!(args.shaped("limit", &Shape::Int, false, &types), Some(None));
    /// let err = args.finish().expect_err("b is not an integer");
    /// assert_eq!(
    ///     err.details(),
    ///     Some(&json!({"fields": {"b": ["invalid type: string \"x\", expected an integer"]}}))
    /// );
    /// ```
    pub fn shaped(
        &mut self,
        name: &str,
        shape: &Shape,
        required: bool,
        types: &TypeSet,
    ) -> Option<Option<Value>> {
        match self.values.remove(name) {
            Some(value) => self
                .decode_shaped(name, value, ShapeSeed::new(shape, types))
                .map(Some),
            None if required => {
                self.fail(name, "This field is required.".into());
                None
            }
            None => Some(None),
        }
    }

    /// A required argument.
    pub fn required<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        match self.values.remove(name) {
            Some(value) => self.decode(name, value),
            None => {
                self.fail(name, "This field is required.".into());
                None
            }
        }
    }

    /// An argument that may be omitted (an `Option<T>`): omitted or `null` → `None`.
    pub fn optional<T: DeserializeOwned + Default>(&mut self, name: &str) -> Option<T> {
        match self.values.remove(name) {
            Some(value) => self.decode(name, value),
            None => Some(T::default()),
        }
    }

    /// An argument with a default used when it is omitted.
    pub fn with_default<T: DeserializeOwned>(
        &mut self,
        name: &str,
        default: impl FnOnce() -> T,
    ) -> Option<T> {
        match self.values.remove(name) {
            Some(value) => self.decode(name, value),
            None => Some(default()),
        }
    }

    /// A required file argument.
    pub fn upload(&mut self, name: &str) -> Option<Upload> {
        self.values.remove(name);
        let found = self.uploads.remove(name);
        if found.is_none() {
            self.fail(
                name,
                "This field is required: send it as a multipart file part.".into(),
            );
        }
        found
    }

    /// An optional file argument.
    pub fn optional_upload(&mut self, name: &str) -> Option<Option<Upload>> {
        self.values.remove(name);
        Some(self.uploads.remove(name))
    }

    /// Finishes extraction: unknown arguments are errors too. Returns
    /// `VALIDATION_ERROR` with every bad field, or `Ok` when all were good.
    pub fn finish(&mut self) -> Result<(), MizanError> {
        let unknown: Vec<String> = self.values.keys().cloned().collect();
        for name in unknown {
            self.fail(&name, "Unknown argument.".into());
        }
        let unknown_files: Vec<String> = self.uploads.keys().cloned().collect();
        for name in unknown_files {
            self.fail(&name, "Unknown file argument.".into());
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(MizanError::validation(std::mem::take(&mut self.errors)))
        }
    }
}

/// Extraction failed after `finish()` succeeded: impossible unless the
/// generated code is out of step with this module.
pub fn extraction_bug(function: &str) -> MizanError {
    MizanError::internal(format!(
        "argument extraction for `{function}` was inconsistent"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Args {
        match v {
            Value::Object(map) => Args::new(map),
            _ => Args::default(),
        }
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut a = args(json!({"a": "x", "c": 1}));
        assert_eq!(a.required::<i64>("a"), None);
        assert_eq!(a.required::<i64>("b"), None);
        let err = a.finish().err().map(|e| e.to_envelope());
        assert_eq!(
            err,
            Some(
                json!({"error": {"code": "VALIDATION_ERROR", "message": "Input validation failed",
                "details": {"fields": {
                    "a": ["invalid type: string \"x\", expected an integer"],
                    "b": ["This field is required."],
                    "c": ["Unknown argument."]}}}})
            )
        );
    }

    #[test]
    fn a_nested_mistake_is_reported_at_its_path() {
        #[derive(serde::Deserialize)]
        struct Item {
            #[allow(dead_code)]
            id: i64,
        }
        let raw = |text: &str| {
            let RawArgs::Object(args) = serde_json::from_str::<RawArgs>(text).expect("json") else {
                panic!("an object");
            };
            Args::new(args)
        };
        for mut a in [
            raw(r#"{"items": [{"id": 1}, {"id": 2}, {"id": "x"}]}"#),
            args(json!({"items": [{"id": 1}, {"id": 2}, {"id": "x"}]})),
        ] {
            assert!(a.required::<Vec<Item>>("items").is_none());
            let err = a.finish().err().map(|e| e.to_envelope());
            assert_eq!(
                err,
                Some(
                    json!({"error": {"code": "VALIDATION_ERROR", "message": "Input validation failed",
                    "details": {"fields": {
                        "items[2].id": ["invalid type: string \"x\", expected an integer"]}}}})
                )
            );
        }
    }

    #[test]
    fn optional_and_default_arguments_fill_in() {
        let mut a = args(json!({"n": null}));
        assert_eq!(a.optional::<Option<i64>>("n"), Some(None));
        assert_eq!(a.optional::<Option<i64>>("m"), Some(None));
        assert_eq!(a.with_default::<i64>("limit", || 10), Some(10));
        assert!(a.finish().is_ok());
    }
}
