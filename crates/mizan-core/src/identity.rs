//! Who is calling: the identity resolved before dispatch (../shared/spec/PROTOCOL.md §2).

use std::collections::BTreeSet;

/// How the identity of a request was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentitySource {
    /// A valid MWT in `X-Mizan-Token`.
    Mwt,
    /// An `Authorization: Bearer` token accepted by the app's verifier.
    Bearer,
    /// The app's own resolver (a session cookie, typically): unsafe
    /// requests must pass the CSRF check.
    Session,
    /// A desktop host that supplied the identity itself (IPC).
    Host,
}

/// An authenticated caller.
///
/// ```
/// use mizan_core::Identity;
/// let bob = Identity::new("2").staff(true).perm("items.edit");
/// assert!(bob.is_staff() && bob.has_perm("items.edit"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    id: String,
    staff: bool,
    superuser: bool,
    perms: BTreeSet<String>,
    source: IdentitySource,
}

impl Identity {
    /// An identity with this user id and no roles, established by the app's resolver.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            staff: false,
            superuser: false,
            perms: BTreeSet::new(),
            source: IdentitySource::Session,
        }
    }
    /// Sets the staff role.
    #[must_use]
    pub fn staff(mut self, staff: bool) -> Self {
        self.staff = staff;
        self
    }
    /// Sets the superuser role.
    #[must_use]
    pub fn superuser(mut self, superuser: bool) -> Self {
        self.superuser = superuser;
        self
    }
    /// Adds a permission.
    #[must_use]
    pub fn perm(mut self, perm: impl Into<String>) -> Self {
        self.perms.insert(perm.into());
        self
    }
    /// Adds several permissions.
    #[must_use]
    pub fn perms<I: IntoIterator<Item = S>, S: Into<String>>(mut self, perms: I) -> Self {
        self.perms.extend(perms.into_iter().map(Into::into));
        self
    }
    /// Records how the identity was established (set by the server).
    #[must_use]
    pub fn with_source(mut self, source: IdentitySource) -> Self {
        self.source = source;
        self
    }

    /// The user id (the MWT `sub`, the cache key's `u`).
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Staff role.
    pub fn is_staff(&self) -> bool {
        self.staff
    }
    /// Superuser role.
    pub fn is_superuser(&self) -> bool {
        self.superuser
    }
    /// Whether the identity holds `perm` (superusers hold every permission).
    pub fn has_perm(&self, perm: &str) -> bool {
        self.superuser || self.perms.contains(perm)
    }
    /// The permissions, sorted.
    pub fn permissions(&self) -> impl Iterator<Item = &str> {
        self.perms.iter().map(String::as_str)
    }
    /// How the identity was established.
    pub fn source(&self) -> IdentitySource {
        self.source
    }
}
