//! The core's protocol functions that a Python app (or its tests) may call
//! directly: canonical values, the invalidation header, cache keys and
//! MWTs. Each is the core's own, so Python and Rust cannot disagree.

use std::collections::BTreeMap;
use std::time::Duration;

use mizan_core::Target;
use mizan_core::canonical::{
    canonical_json as core_canonical_json, canonical_string as core_canonical_string,
    js_number_to_string,
};
use mizan_core::mwt::{MwtConfig, MwtKey, MwtSubject, permission_key as core_permission_key};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Map, Value};

use crate::driver::json_to_python;
use crate::values::from_python;

/// Canonical JSON of plain data (PROTOCOL.md §5).
#[pyfunction]
pub(crate) fn canonical_json(value: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(core_canonical_json(&from_python(value)?))
}

/// The canonical string of a value (scoped matching, the header, cache keys).
#[pyfunction]
pub(crate) fn canonical_string(value: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(core_canonical_string(&from_python(value)?))
}

/// JavaScript's `String(x)` of a float.
#[pyfunction]
pub(crate) fn js_number(x: f64) -> String {
    js_number_to_string(x)
}

/// The `X-Mizan-Invalidate` value of targets given as the JSON list of a
/// call's `invalidate` (strings for broad targets, objects for scoped ones).
#[pyfunction]
pub(crate) fn invalidate_header(targets: &Bound<'_, PyAny>) -> PyResult<String> {
    let Value::Array(items) = from_python(targets)? else {
        return Err(PyValueError::new_err("targets are a list"));
    };
    let mut parsed = Vec::with_capacity(items.len());
    for item in items {
        parsed.push(match item {
            Value::String(context) => Target::broad(context),
            Value::Object(obj) => {
                let context = obj
                    .get("context")
                    .and_then(Value::as_str)
                    .ok_or_else(|| PyValueError::new_err("a scoped target names its `context`"))?;
                let params = obj
                    .get("params")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let function = obj.get("function").and_then(Value::as_str);
                Target::scoped(
                    context,
                    function,
                    params.keys().map(String::as_str),
                    &params,
                )
            }
            _ => return Err(PyValueError::new_err("a target is a string or an object")),
        });
    }
    Ok(mizan_core::invalidation::format_header(&parsed))
}

/// Reads an `X-Mizan-Invalidate` value back: `(context, {key: canonical string})` pairs.
#[pyfunction]
pub(crate) fn parse_invalidate_header(
    value: &str,
) -> PyResult<Vec<(String, BTreeMap<String, String>)>> {
    mizan_core::invalidation::parse_header(value)
        .map(|targets| targets.into_iter().map(|t| (t.context, t.params)).collect())
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The canonical strings of a context's params, as the cache key hashes them.
#[pyfunction]
pub(crate) fn cache_key_params(params: &Bound<'_, PyDict>) -> PyResult<BTreeMap<String, String>> {
    Ok(mizan_core::cache::key::canonical_params(&object(params)?))
}

/// The origin-cache key of a context instance (CACHE.md).
#[pyfunction]
#[pyo3(signature = (secret, context, params, rev, user = None))]
pub(crate) fn cache_key(
    secret: &str,
    context: &str,
    params: &Bound<'_, PyDict>,
    rev: u32,
    user: Option<&str>,
) -> PyResult<String> {
    Ok(mizan_core::cache::key::derive_cache_key_from_json(
        secret.as_bytes(),
        context,
        &object(params)?,
        rev,
        user,
    ))
}

/// The permission key (`pkey`) of a role set (MWT.md).
#[pyfunction]
pub(crate) fn permission_key(perms: Vec<String>, staff: bool, superuser: bool) -> String {
    core_permission_key(&perms, staff, superuser)
}

fn object(params: &Bound<'_, PyDict>) -> PyResult<Map<String, Value>> {
    match from_python(params.as_any())? {
        Value::Object(map) => Ok(map),
        _ => Err(PyValueError::new_err("params are a dict")),
    }
}

/// MWT settings from `(kid, secret)` keys (the first signs); `None`
/// without a key.
pub(crate) fn mwt_config(
    keys: Vec<(String, String)>,
    audience: Option<String>,
    ttl: Option<u64>,
    leeway: Option<u64>,
) -> Option<MwtConfig> {
    let mut keys = keys.into_iter();
    let (kid, secret) = keys.next()?;
    let mut config = MwtConfig::new(MwtKey::new(kid, secret.into_bytes()));
    for (kid, secret) in keys {
        config = config.with_key(MwtKey::new(kid, secret.into_bytes()));
    }
    if let Some(audience) = audience {
        config = config.with_audience(audience);
    }
    if let Some(ttl) = ttl {
        config = config.with_ttl(Duration::from_secs(ttl));
    }
    if let Some(leeway) = leeway {
        config = config.with_leeway(Duration::from_secs(leeway));
    }
    Some(config)
}

/// MWT settings: `(kid, secret)` keys, the first signing.
#[pyclass(frozen, name = "MwtConfig", module = "mizan._mizan")]
pub(crate) struct PyMwtConfig(MwtConfig);

#[pymethods]
impl PyMwtConfig {
    #[new]
    #[pyo3(signature = (keys, *, audience = None, ttl = None, leeway = None))]
    fn new(
        keys: Vec<(String, String)>,
        audience: Option<String>,
        ttl: Option<u64>,
        leeway: Option<u64>,
    ) -> PyResult<Self> {
        mwt_config(keys, audience, ttl, leeway)
            .map(Self)
            .ok_or_else(|| PyValueError::new_err("an MWT configuration needs a key"))
    }

    /// A token for this subject, issued at `now` (Unix seconds).
    #[pyo3(signature = (id, now, *, staff = false, superuser = false, perms = Vec::new()))]
    fn mint(
        &self,
        id: String,
        now: u64,
        staff: bool,
        superuser: bool,
        perms: Vec<String>,
    ) -> String {
        let subject = MwtSubject::new(id)
            .with_staff(staff)
            .with_superuser(superuser)
            .with_perms(perms);
        self.0.mint(&subject, now)
    }

    /// The verified claims (as a dict), or `ValueError` whose `kind` names the failure.
    fn verify(&self, py: Python<'_>, token: &str, now: u64) -> PyResult<Py<PyAny>> {
        match self.0.verify(token, now) {
            Ok(claims) => {
                let value = serde_json::to_value(&claims)
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                json_to_python(py, &value)
            }
            Err(err) => {
                let exc = PyValueError::new_err(err.to_string());
                exc.value(py).setattr("kind", err.kind())?;
                Err(exc)
            }
        }
    }
}
