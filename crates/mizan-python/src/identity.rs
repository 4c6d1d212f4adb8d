//! Identities as Python sees them: the caller of a request, and the
//! session a host framework resolved itself (Django's `request.user`, a
//! FastAPI dependency), handed to the core with the request.

use mizan_core::Identity;
use mizan_core::server::HostSession;
use pyo3::prelude::*;

/// An authenticated caller: user id, roles and permissions.
#[pyclass(frozen, name = "Identity", module = "mizan._mizan", from_py_object)]
#[derive(Clone)]
pub(crate) struct PyIdentity(pub(crate) Identity);

#[pymethods]
impl PyIdentity {
    #[new]
    #[pyo3(signature = (id, *, staff = false, superuser = false, perms = Vec::new()))]
    fn new(id: String, staff: bool, superuser: bool, perms: Vec<String>) -> Self {
        Self(
            Identity::new(id)
                .staff(staff)
                .superuser(superuser)
                .perms(perms),
        )
    }

    /// The user id (the MWT `sub`, the cache key's `u`).
    #[getter]
    fn id(&self) -> &str {
        self.0.id()
    }

    /// Staff role.
    #[getter]
    fn staff(&self) -> bool {
        self.0.is_staff()
    }

    /// Superuser role.
    #[getter]
    fn superuser(&self) -> bool {
        self.0.is_superuser()
    }

    /// Permissions, sorted.
    #[getter]
    fn perms(&self) -> Vec<String> {
        self.0.permissions().map(str::to_owned).collect()
    }

    /// Whether the identity holds `perm` (superusers hold every permission).
    fn has_perm(&self, perm: &str) -> bool {
        self.0.has_perm(perm)
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0.id() == other.0.id()
            && self.0.is_staff() == other.0.is_staff()
            && self.0.is_superuser() == other.0.is_superuser()
            && self.0.permissions().eq(other.0.permissions())
    }

    fn __repr__(&self) -> String {
        format!(
            "Identity({:?}, staff={}, superuser={}, perms={:?})",
            self.0.id(),
            py_bool(self.0.is_staff()),
            py_bool(self.0.is_superuser()),
            self.0.permissions().collect::<Vec<_>>()
        )
    }
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// The caller as the host framework resolved it from its own session, and
/// the host's CSRF verdict when it checks CSRF itself.
#[pyclass(frozen, name = "HostSession", module = "mizan._mizan", from_py_object)]
#[derive(Clone)]
pub(crate) struct PyHostSession(pub(crate) HostSession);

#[pymethods]
impl PyHostSession {
    /// `csrf`: `None` lets the core check its double-submit cookie; `True`
    /// means the host checked and accepted; a string is the host's reason
    /// for refusing. `csrf_token`: the token `/session/` answers with when
    /// the host issues its own.
    #[new]
    #[pyo3(signature = (identity = None, *, csrf = None, csrf_token = None))]
    fn new(
        identity: Option<PyIdentity>,
        csrf: Option<&Bound<'_, PyAny>>,
        csrf_token: Option<String>,
    ) -> PyResult<Self> {
        let csrf = match csrf {
            None => None,
            Some(v) if v.is_none() => None,
            Some(v) => match v.extract::<bool>() {
                Ok(true) => Some(Ok(())),
                Ok(false) => Some(Err("refused by the host".to_owned())),
                Err(_) => Some(Err(v.extract::<String>()?)),
            },
        };
        Ok(Self(HostSession {
            identity: identity.map(|i| i.0),
            csrf,
            csrf_token,
        }))
    }

    /// The signed-in user, or `None`.
    #[getter]
    fn identity(&self) -> Option<PyIdentity> {
        self.0.identity.clone().map(PyIdentity)
    }
}
