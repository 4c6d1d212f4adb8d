//! Argument extraction: turns the JSON `args` object (plus multipart files)
//! into typed values, collecting every bad field into one `VALIDATION_ERROR`.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{FieldErrors, MizanError};
use crate::request::Upload;

/// The arguments of one call, consumed parameter by parameter.
#[derive(Debug, Default)]
pub struct Args {
    values: Map<String, Value>,
    uploads: BTreeMap<String, Upload>,
    errors: FieldErrors,
}

impl Args {
    /// Arguments from a JSON object.
    pub fn new(values: Map<String, Value>) -> Self {
        Self {
            values,
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

    /// The raw JSON values (as sent).
    pub fn values(&self) -> &Map<String, Value> {
        &self.values
    }

    fn fail(&mut self, name: &str, message: String) {
        self.errors
            .entry(name.to_owned())
            .or_default()
            .push(message);
    }

    fn decode<T: DeserializeOwned>(&mut self, name: &str, value: Value) -> Option<T> {
        match serde_json::from_value(value) {
            Ok(v) => Some(v),
            Err(err) => {
                self.fail(name, describe_serde_error(&err));
                None
            }
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

/// serde's message without the "at line 1 column 10" suffix (meaningless for
/// a value that was already parsed).
fn describe_serde_error(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.find(" at line ") {
        Some(idx) => text[..idx].to_owned(),
        None => text,
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
                    "a": ["invalid type: string \"x\", expected i64"],
                    "b": ["This field is required."],
                    "c": ["Unknown argument."]}}}})
            )
        );
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
