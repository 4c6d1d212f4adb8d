//! The request handle a server function may take as its first parameter, the
//! [`Upload`] argument type and the [`ViewResponse`] of view-path functions.

use std::any::{Any, TypeId, type_name};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};

use crate::error::MizanError;
use crate::identity::Identity;
use crate::shape::{Describe, Shape, TypeSet};

/// The transport a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// HTTP (`/call/`, `/ctx/`, view routes).
    Http,
    /// The WebSocket endpoint.
    WebSocket,
    /// A desktop IPC host.
    Ipc,
}

/// Typed application state shared by every request (database pools, clients…).
#[derive(Clone, Default)]
pub struct AppState {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl AppState {
    /// Empty state.
    pub fn new() -> Self {
        Self::default()
    }
    /// Stores `value`, replacing an earlier value of the same type.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values.insert(TypeId::of::<T>(), Arc::new(value));
    }
    /// The stored value of type `T`.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref())
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("entries", &self.values.len())
            .finish()
    }
}

/// What a server function sees of the request: identity, headers, app state.
#[derive(Debug, Clone)]
pub struct Request {
    identity: Option<Identity>,
    headers: HeaderMap,
    state: Arc<AppState>,
    transport: Transport,
    path_params: BTreeMap<String, String>,
    body: Bytes,
    services: Arc<AppState>,
}

impl Request {
    /// A request with these parts (adapters build these; tests may too).
    pub fn new(identity: Option<Identity>, headers: HeaderMap, state: Arc<AppState>) -> Self {
        Self {
            identity,
            headers,
            state,
            transport: Transport::Http,
            path_params: BTreeMap::new(),
            body: Bytes::new(),
            services: Arc::default(),
        }
    }
    /// A request with every part at once (what the server builds for each
    /// request; one move instead of a builder's several).
    pub(crate) fn for_transport(
        identity: Option<Identity>,
        headers: HeaderMap,
        transport: Transport,
        state: Arc<AppState>,
        services: Arc<AppState>,
    ) -> Self {
        Self {
            identity,
            headers,
            state,
            transport,
            path_params: BTreeMap::new(),
            body: Bytes::new(),
            services,
        }
    }
    /// Sets the transport.
    #[must_use]
    pub fn with_transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }
    /// Sets the raw body (view-path functions read it).
    #[must_use]
    pub fn with_body(mut self, body: Bytes) -> Self {
        self.body = body;
        self
    }
    /// Sets the route's path parameters (view-path functions).
    #[must_use]
    pub fn with_path_params(mut self, params: BTreeMap<String, String>) -> Self {
        self.path_params = params;
        self
    }
    /// Framework services (the MWT issuer, …) that built-in functions use.
    #[must_use]
    pub fn with_services(mut self, services: Arc<AppState>) -> Self {
        self.services = services;
        self
    }

    /// The caller, or `None` when anonymous.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }
    /// The caller, or `401 UNAUTHORIZED`.
    pub fn require_identity(&self) -> Result<&Identity, MizanError> {
        self.identity
            .as_ref()
            .ok_or_else(|| MizanError::unauthorized("Authentication required"))
    }
    /// The caller's user id.
    pub fn user_id(&self) -> Option<&str> {
        self.identity.as_ref().map(Identity::id)
    }
    /// Request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The transport the request came in on.
    pub fn transport(&self) -> Transport {
        self.transport
    }
    /// The raw body (view-path functions only; empty otherwise).
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// A path parameter of a view route.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params.get(name).map(String::as_str)
    }
    /// App state of type `T`, registered when the server was built.
    ///
    /// A missing state is a programming error of the app, reported as
    /// `500 INTERNAL_ERROR` naming the type.
    pub fn state<T: Send + Sync + 'static>(&self) -> Result<&T, MizanError> {
        self.state.get::<T>().ok_or_else(|| {
            MizanError::internal(format!(
                "no app state of type `{}` was registered with the server",
                type_name::<T>()
            ))
        })
    }
    /// A framework service (internal; built-in functions use it).
    pub fn service<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.services.get::<T>()
    }
}

/// A file sent as a multipart part; the one binary argument type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The client's file name (may be empty).
    pub file_name: String,
    /// The declared content type, if any.
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: Bytes,
}

impl Upload {
    /// Size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }
    /// True when the file is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl Describe for Upload {
    fn describe(_: &mut TypeSet) -> Shape {
        Shape::Upload
    }
}

/// A raw HTTP response returned by a view-path function (../shared/spec/PROTOCOL.md §3.4).
#[derive(Debug, Clone)]
pub struct ViewResponse {
    /// Status code.
    pub status: StatusCode,
    /// Headers (the adapter adds `Cache-Control: no-store` and `X-Mizan-Invalidate`).
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl ViewResponse {
    /// An empty response with this status.
    pub fn status(status: StatusCode) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }
    /// `200` with an HTML body.
    pub fn html(body: impl Into<String>) -> Self {
        let mut resp = Self::status(StatusCode::OK);
        resp.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        resp.body = Bytes::from(body.into());
        resp
    }
    /// `303 See Other` to `location` (a value that is not a valid header is
    /// replaced by `/`).
    pub fn redirect(location: &str) -> Self {
        let mut resp = Self::status(StatusCode::SEE_OTHER);
        let value = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/"));
        resp.headers.insert(header::LOCATION, value);
        resp
    }
}

/// What a view-path function may return.
pub trait IntoViewResult {
    /// Converts into the response or an error envelope.
    fn into_view_result(self) -> Result<ViewResponse, MizanError>;
}

impl IntoViewResult for ViewResponse {
    fn into_view_result(self) -> Result<ViewResponse, MizanError> {
        Ok(self)
    }
}

impl IntoViewResult for Result<ViewResponse, MizanError> {
    fn into_view_result(self) -> Result<ViewResponse, MizanError> {
        self
    }
}
