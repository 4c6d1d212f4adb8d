//! Python bindings of the Mizan core, the native module `mizan._mizan`
//! that the Python package `mizan` (python/mizan) is written on. Python
//! reads type hints, calls functions and moves bytes for its web
//! framework; every protocol rule is the core's, reached from here.
//!
//! | role | modules |
//! |---|---|
//! | crossing the boundary | `values` (JSON ⇄ Python objects), `identity` (callers, the host's session) |
//! | what Python declares | `spec` (the JSON declaration → the core's `FunctionDef`s), `channel` (channels) |
//! | serving | `server` (registry, server, one exchange per request), `driver` (Python polls the core's future and runs the calls it files), `socket` (`/ws/`) |
//! | protocol functions | `tools` (canonical JSON, the invalidation header, cache keys, MWT) |

use pyo3::prelude::*;

mod channel;
mod driver;
mod identity;
mod server;
mod socket;
mod spec;
mod tools;
mod values;

/// The native half of the `mizan` package.
#[pymodule]
#[pyo3(name = "_mizan")]
fn mizan_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<server::PyRegistry>()?;
    m.add_class::<server::PyServer>()?;
    m.add_class::<driver::PyExchange>()?;
    m.add_class::<socket::PySocket>()?;
    m.add_class::<driver::PyCall>()?;
    m.add_class::<driver::PyResponse>()?;
    m.add_class::<driver::PyRequest>()?;
    m.add_class::<driver::PyUpload>()?;
    m.add_class::<identity::PyIdentity>()?;
    m.add_class::<identity::PyHostSession>()?;
    m.add_class::<tools::PyMwtConfig>()?;
    m.add("RegistryError", py.get_type::<server::RegistryError>())?;
    m.add("ConfigError", py.get_type::<server::ConfigError>())?;
    m.add_function(wrap_pyfunction!(tools::canonical_json, m)?)?;
    m.add_function(wrap_pyfunction!(tools::canonical_string, m)?)?;
    m.add_function(wrap_pyfunction!(tools::js_number, m)?)?;
    m.add_function(wrap_pyfunction!(tools::invalidate_header, m)?)?;
    m.add_function(wrap_pyfunction!(tools::parse_invalidate_header, m)?)?;
    m.add_function(wrap_pyfunction!(tools::cache_key_params, m)?)?;
    m.add_function(wrap_pyfunction!(tools::cache_key, m)?)?;
    m.add_function(wrap_pyfunction!(tools::permission_key, m)?)?;
    m.add("DEFAULT_BODY_LIMIT", mizan_core::server::DEFAULT_BODY_LIMIT)?;
    Ok(())
}
