//! The registry and the server, built by the core from what Python
//! declared, and the one entry a Python adapter calls per request:
//! [`PyServer::exchange`] hands (endpoint, method, URI, headers, body and
//! the host's session) to [`Server::serve_http`] and returns the
//! [`PyExchange`] that Python drives to its response.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method};
use mizan_core::cache::OriginCache;
use mizan_core::function::{BoxFuture, FunctionDef, Handler};
use mizan_core::server::HttpEndpoint;
use mizan_core::{
    Args, Auth, CsrfConfig, Identity, MizanError, Registry, Request, Server, Shape, Upload,
};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use serde_json::{Map, Value};

use crate::driver::{CallKind, PyExchange, Reply, call_python, runtime};
use crate::identity::{PyHostSession, PyIdentity};
use crate::spec::{AppSpec, AuthSpec, FunctionSpec, Types};

pyo3::create_exception!(
    _mizan,
    RegistryError,
    pyo3::exceptions::PyValueError,
    "The declared functions do not form a valid graph; `problems` lists each, naming its culprit."
);

pyo3::create_exception!(
    _mizan,
    ConfigError,
    pyo3::exceptions::PyValueError,
    "The server's configuration is invalid."
);

/// Every function of an app, validated as a graph by the core.
#[pyclass(frozen, name = "Registry", module = "mizan._mizan")]
pub(crate) struct PyRegistry(Registry);

#[pymethods]
impl PyRegistry {
    /// Builds and validates the registry from the package's JSON
    /// declaration; `predicates` maps a function name to its `auth`
    /// callable.
    #[new]
    fn new(spec: &str, predicates: &Bound<'_, PyDict>) -> PyResult<Self> {
        let spec: AppSpec = serde_json::from_str(spec)
            .map_err(|e| PyValueError::new_err(format!("malformed declaration: {e}")))?;
        let mut builder = Registry::builder();
        for (index, function) in spec.functions.iter().enumerate() {
            let predicate = predicates.get_item(&function.name)?.map(Bound::unbind);
            builder = builder.definition(definition(index, function, predicate)?);
        }
        for (index, channel) in spec.channels.iter().enumerate() {
            builder =
                builder.channel_definition(crate::channel::channel_definition(index, channel));
        }
        for (context, pattern) in &spec.page_routes {
            builder = builder.page_route(context, pattern);
        }
        if spec.mwt_obtain {
            builder = builder.mwt_obtain();
        }
        builder.build().map(Self).map_err(|err| {
            Python::attach(|py| {
                let exc = RegistryError::new_err(err.to_string());
                let _ = exc.value(py).setattr("problems", err.problems.clone());
                exc
            })
        })
    }

    /// The canonical KDL IR.
    fn ir(&self) -> String {
        self.0.build_ir()
    }

    /// The edge manifest for an API mounted at `mount`.
    #[pyo3(signature = (mount = "/api/mizan"))]
    fn manifest(&self, mount: &str) -> String {
        self.0.manifest_text(mount)
    }

    /// Every view route with the methods it serves, sorted.
    fn view_routes(&self) -> Vec<(String, Vec<String>)> {
        self.0
            .view_routes()
            .into_iter()
            .map(|route| {
                let mut methods: Vec<String> = self
                    .0
                    .views_at(route)
                    .filter_map(|f| match &f.def.handler {
                        Handler::View { methods, .. } => Some(methods.clone()),
                        Handler::Data(_) => None,
                    })
                    .flatten()
                    .collect();
                methods.sort();
                (route.to_owned(), methods)
            })
            .collect()
    }

    /// Every function's wire name, sorted.
    fn function_names(&self) -> Vec<String> {
        self.0.functions().map(|f| f.name().to_owned()).collect()
    }
}

/// A call's checked JSON arguments and its files.
type Decoded = (Map<String, Value>, BTreeMap<String, Upload>);

/// The core's definition of one Python function: its metadata, and a
/// handler that checks the arguments against their described shapes and
/// files the call with the Python driver.
fn definition(
    index: usize,
    spec: &FunctionSpec,
    predicate: Option<Py<PyAny>>,
) -> PyResult<FunctionDef> {
    let types = Arc::new(Types::new(&spec.types));
    let params = Arc::new(spec.param_defs());
    let name = spec.name.clone();
    let decode = {
        let (types, params) = (Arc::clone(&types), Arc::clone(&params));
        move |mut args: Args| -> Result<Decoded, MizanError> {
            let mut values = Map::new();
            let mut uploads = BTreeMap::new();
            for p in params.iter() {
                match &p.shape {
                    Shape::Upload => {
                        if let Some(file) = args.upload(&p.name) {
                            uploads.insert(p.name.clone(), file);
                        }
                    }
                    Shape::Optional(inner) if **inner == Shape::Upload => {
                        if let Some(Some(file)) = args.optional_upload(&p.name) {
                            uploads.insert(p.name.clone(), file);
                        }
                    }
                    shape => {
                        if let Some(Some(v)) = args.shaped(&p.name, shape, p.required, types.set())
                        {
                            values.insert(p.name.clone(), v);
                        }
                    }
                }
            }
            args.finish()?;
            Ok((values, uploads))
        }
    };
    let decode: Decode = Arc::new(decode);
    let handler = match &spec.route {
        None => Handler::Data(python_handler(
            CallKind::Data,
            index,
            &name,
            Arc::clone(&decode),
            |reply| match reply {
                Reply::Json(json) => Some(json),
                _ => None,
            },
        )),
        Some(route) => Handler::View {
            route: route.clone(),
            methods: if spec.methods.is_empty() {
                vec!["GET".into()]
            } else {
                spec.methods
                    .iter()
                    .map(|m| m.to_ascii_uppercase())
                    .collect()
            },
            handler: python_handler(CallKind::View, index, &name, decode, |reply| match reply {
                Reply::View(view) => Some(view),
                _ => None,
            }),
        },
    };
    let mut def = FunctionDef::new(spec.name.clone(), spec.signature(&types), handler);
    def.rust_path = spec.origin.clone();
    def.context = spec.context.clone();
    def.affects = spec.targets();
    def.merge = spec.merge_decl();
    def.private = spec.private;
    def.rev = spec.rev;
    def.cache = spec.cache_policy();
    def.socket_only = spec.websocket;
    def.auth = match spec.auth {
        None => Auth::Public,
        Some(AuthSpec::Required) => Auth::Required,
        Some(AuthSpec::Staff) => Auth::Staff,
        Some(AuthSpec::Superuser) => Auth::Superuser,
        Some(AuthSpec::Custom) => {
            let predicate = predicate.ok_or_else(|| {
                PyValueError::new_err(format!(
                    "`{}` declares a custom auth without its predicate",
                    spec.name
                ))
            })?;
            let name = spec.name.clone();
            Auth::custom(move |identity: &Identity| ask_predicate(&predicate, &name, identity))
        }
    };
    Ok(def)
}

type Decode = Arc<dyn Fn(Args) -> Result<Decoded, MizanError> + Send + Sync>;

/// A data or view handler of the core, for any reply type.
type PythonHandler<T> =
    Arc<dyn Fn(Request, Args) -> BoxFuture<Result<T, MizanError>> + Send + Sync>;

/// A handler that checks a call's arguments, files the call with the
/// Python driver and unwraps the reply it expects.
fn python_handler<T: Send + 'static>(
    kind: CallKind,
    index: usize,
    name: &str,
    decode: Decode,
    unwrap: fn(Reply) -> Option<T>,
) -> PythonHandler<T> {
    let name = name.to_owned();
    Arc::new(
        move |req: Request, args: Args| -> BoxFuture<Result<T, MizanError>> {
            let (values, uploads) = match decode(args) {
                Ok(decoded) => decoded,
                Err(err) => return Box::pin(std::future::ready(Err(err))),
            };
            let reply = call_python(kind, index, &name, values, uploads, Some(req), None);
            let name = name.clone();
            Box::pin(async move {
                unwrap(reply.await?).ok_or_else(|| {
                    MizanError::internal(format!("`{name}` answered with the wrong kind of reply"))
                })
            })
        },
    )
}

/// Runs an `auth` predicate on the polling thread. An exception denies,
/// and is reported like any exception Python could not raise to a caller.
fn ask_predicate(predicate: &Py<PyAny>, function: &str, identity: &Identity) -> bool {
    Python::attach(|py| {
        let answer = predicate
            .call1(py, (PyIdentity(identity.clone()),))
            .and_then(|r| r.is_truthy(py));
        answer.unwrap_or_else(|err| {
            tracing::error!(function, error = %err, "the auth predicate raised; the call is refused");
            err.write_unraisable(py, None);
            false
        })
    })
}

/// A configured server: the core's, shared by every request of an app.
#[pyclass(frozen, name = "Server", module = "mizan._mizan")]
pub(crate) struct PyServer(Server);

#[pymethods]
impl PyServer {
    /// Builds the server. `mwt_keys` are `(kid, secret)` pairs, the first
    /// one signing; `cache` is `"memory"` or a `redis://` URL (needs
    /// `cache_secret`); `csrf_cookie` turns the core's double-submit CSRF
    /// check on for session identities, under these names; `bearer` is a
    /// callable verifying `Authorization: Bearer` tokens (run like any
    /// function: it may be async).
    #[new]
    #[pyo3(signature = (
        registry, *, mwt_keys = None, mwt_audience = None, mwt_ttl = None, mwt_leeway = None,
        cache = None, cache_secret = None, csrf_cookie = None, csrf_header = None,
        csrf_secure = false, bearer = false, debug = false, body_limit = None, mount = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        registry: &PyRegistry,
        mwt_keys: Option<Vec<(String, String)>>,
        mwt_audience: Option<String>,
        mwt_ttl: Option<u64>,
        mwt_leeway: Option<u64>,
        cache: Option<String>,
        cache_secret: Option<String>,
        csrf_cookie: Option<String>,
        csrf_header: Option<String>,
        csrf_secure: bool,
        bearer: bool,
        debug: bool,
        body_limit: Option<usize>,
        mount: Option<String>,
    ) -> PyResult<Self> {
        let mut builder = Server::builder().registry(registry.0.clone()).debug(debug);
        if let Some(keys) = mwt_keys {
            let config = crate::tools::mwt_config(keys, mwt_audience, mwt_ttl, mwt_leeway)
                .ok_or_else(|| ConfigError::new_err("mwt_keys needs at least one (kid, secret)"))?;
            builder = builder.mwt(config);
        }
        if let Some(secret) = cache_secret {
            builder = builder.cache_secret(secret.into_bytes());
        }
        if let Some(cache) = cache {
            let origin = if cache == "memory" {
                OriginCache::memory()
            } else {
                let backend = {
                    let _runtime = runtime().enter();
                    mizan_redis::RedisBackend::new(&cache)
                };
                OriginCache::new(backend.map_err(|e| ConfigError::new_err(e.to_string()))?)
            };
            builder = builder.cache(origin);
        }
        if csrf_cookie.is_some() || csrf_header.is_some() {
            let defaults = CsrfConfig::default();
            builder = builder.csrf(CsrfConfig {
                cookie: csrf_cookie.unwrap_or(defaults.cookie),
                header: csrf_header.unwrap_or(defaults.header),
                secure: csrf_secure,
            });
        }
        if bearer {
            builder = builder.bearer(|token: String| {
                let reply = call_python(
                    CallKind::Bearer,
                    usize::MAX,
                    "bearer verifier",
                    Map::new(),
                    BTreeMap::new(),
                    None,
                    Some(token),
                );
                async move {
                    match reply.await? {
                        Reply::Identity(identity) => Ok(identity),
                        _ => Err(MizanError::internal(
                            "the bearer verifier answered with the wrong kind of reply",
                        )),
                    }
                }
            });
        }
        if let Some(limit) = body_limit {
            builder = builder.body_limit(limit);
        }
        if let Some(mount) = mount {
            builder = builder.mount(mount);
        }
        builder
            .build()
            .map(Self)
            .map_err(|e| ConfigError::new_err(e.to_string()))
    }

    /// The mount point of the API.
    #[getter]
    fn mount(&self) -> &str {
        self.0.mount()
    }

    /// Debug mode.
    #[getter]
    fn debug(&self) -> bool {
        self.0.debug()
    }

    /// Starts serving one HTTP request routed to `endpoint` (`"session"`,
    /// `"call"`, `"context"` with `context`, `"view"` with `route` and
    /// `path_params`, or `"unknown"`). `uri` is the path and query the
    /// client sent; `headers` are `(name, value)` pairs of `str` or
    /// `bytes`. Drive the returned exchange to its response.
    #[pyo3(signature = (endpoint, method, uri, headers, body, *, context = None, route = None, path_params = None, session = None))]
    #[allow(clippy::too_many_arguments)]
    fn exchange(
        &self,
        endpoint: &str,
        method: &str,
        uri: &str,
        headers: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)>,
        body: &Bound<'_, PyBytes>,
        context: Option<String>,
        route: Option<String>,
        path_params: Option<BTreeMap<String, String>>,
        session: Option<PyHostSession>,
    ) -> PyResult<PyExchange> {
        let endpoint = match endpoint {
            "session" => HttpEndpoint::Session,
            "call" => HttpEndpoint::Call,
            "context" => HttpEndpoint::Context(
                context
                    .ok_or_else(|| PyValueError::new_err("the context endpoint needs `context`"))?,
            ),
            "view" => HttpEndpoint::View {
                route: route
                    .ok_or_else(|| PyValueError::new_err("the view endpoint needs `route`"))?,
                path_params: path_params.unwrap_or_default(),
            },
            "socket" => HttpEndpoint::Socket,
            "unknown" => HttpEndpoint::Unknown,
            other => return Err(PyValueError::new_err(format!("unknown endpoint {other:?}"))),
        };
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| PyValueError::new_err(format!("bad method {method:?}")))?;
        let mut request = http::Request::builder()
            .method(method)
            .uri(uri)
            .body(http_body_util::Full::new(Bytes::copy_from_slice(
                body.as_bytes(),
            )))
            .map_err(|e| PyValueError::new_err(format!("bad request line: {e}")))?;
        *request.headers_mut() = header_map(&headers)?;
        if let Some(session) = session {
            request.extensions_mut().insert(session.0);
        }
        let server = self.0.clone();
        Ok(PyExchange::new(async move {
            server.serve_http(endpoint, request).await
        }))
    }

    /// Starts one WebSocket connection (`/ws/`): the upgrade's headers and
    /// query string (a browser's MWT may come as `?token=`), and the host's
    /// session. Drive the returned socket until it is over.
    #[pyo3(signature = (headers, query = None, *, session = None))]
    fn socket(
        &self,
        headers: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)>,
        query: Option<String>,
        session: Option<PyHostSession>,
    ) -> PyResult<crate::socket::PySocket> {
        let map = header_map(&headers)?;
        Ok(crate::socket::PySocket::new(
            self.0.clone(),
            map,
            query.filter(|q| !q.is_empty()),
            session.map(|s| s.0),
        ))
    }

    /// Purges everything the origin cache holds for one user (an erasure
    /// request). Blocks until the backend answered.
    fn purge_user(&self, py: Python<'_>, user_id: &str) -> PyResult<()> {
        let server = self.0.clone();
        py.detach(|| runtime().block_on(server.purge_user(user_id)))
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The origin cache's counters, or `None` without a cache.
    fn cache_stats(&self) -> Option<BTreeMap<&'static str, u64>> {
        self.0.cache().map(|c| {
            let s = c.stats();
            BTreeMap::from([
                ("bypasses", s.bypasses),
                ("errors", s.errors),
                ("hits", s.hits),
                ("misses", s.misses),
                ("purges", s.purges),
                ("skipped", s.skipped),
            ])
        })
    }
}

/// Header pairs as a `HeaderMap`.
fn header_map(headers: &[(Bound<'_, PyAny>, Bound<'_, PyAny>)]) -> PyResult<http::HeaderMap> {
    let mut map = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let name = HeaderName::from_bytes(&header_bytes(name)?)
            .map_err(|_| PyValueError::new_err(format!("bad header name {name}")))?;
        let value = HeaderValue::from_bytes(&header_bytes(value)?)
            .map_err(|_| PyValueError::new_err(format!("bad header value for {name}")))?;
        map.append(name, value);
    }
    Ok(map)
}

/// A header name or value as bytes, from `bytes` (ASGI) or `str` (WSGI).
fn header_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        // WSGI reads header bytes as latin-1: write them back the same way.
        let text = s.to_str()?;
        return Ok(
            match text.chars().map(|c| u8::try_from(u32::from(c))).collect() {
                Ok(latin1) => latin1,
                Err(_) => text.as_bytes().to_vec(),
            },
        );
    }
    Err(PyValueError::new_err(
        "headers are (name, value) pairs of str or bytes",
    ))
}
