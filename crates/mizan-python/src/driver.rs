//! How Python drives the core. The core's answer to one request is a Rust
//! future; Python polls it on its own thread (the event loop's, or a WSGI
//! worker's), so no second event loop and no thread hop stand between a
//! request and the core. When the core needs a Python function, the
//! function's handler files a [`PendingCall`] with the exchange being
//! polled and waits: `poll` hands the calls to Python, which runs them its
//! own way (awaits a coroutine, sends a sync function to a thread pool, or
//! calls it inline under WSGI) and resolves each. Polling again lets the
//! core go on. Anything else the core waits for (Redis, a single-flight
//! shared with another request) wakes the exchange through its waker.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use mizan_core::function::BoxFuture;
use mizan_core::{Identity, MizanError, Request, Upload, ViewResponse};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use crate::identity::PyIdentity;
use crate::values::{from_python, to_dict, to_python};

/// The runtime whose reactor serves the core's own I/O (Redis) and timers.
/// Futures are polled by Python's threads, inside this runtime's context.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("mizan-io")
            .enable_all()
            .build()
            .unwrap_or_else(|err| panic!("mizan: cannot start its I/O runtime: {err}"))
    })
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a Python call answers with, by kind.
pub(crate) enum Reply {
    Json(mizan_core::JsonText),
    View(ViewResponse),
    Identity(Identity),
}

type ReplySender = oneshot::Sender<Result<Reply, MizanError>>;

/// The kinds of Python call the core makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// A data function: the result is JSON data.
    Data,
    /// A view-path function: the result is a response.
    View,
    /// The app's Bearer verifier: the result is an identity.
    Bearer,
    /// A channel's `join`: the result is nothing (or an error).
    Join,
    /// A channel's `send`: the result is the message to publish, or `null`.
    Send,
}

impl CallKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Data => "data",
            Self::View => "view",
            Self::Bearer => "bearer",
            Self::Join => "join",
            Self::Send => "send",
        }
    }
}

/// A Python call the core is waiting for.
pub(crate) struct PendingCall {
    pub(crate) kind: CallKind,
    pub(crate) function: usize,
    pub(crate) name: String,
    pub(crate) args: Map<String, Value>,
    pub(crate) uploads: BTreeMap<String, Upload>,
    pub(crate) request: Option<Request>,
    pub(crate) token: Option<String>,
    pub(crate) reply: ReplySender,
}

type Queue = Arc<Mutex<Vec<PendingCall>>>;

thread_local! {
    /// The calls of the exchange this thread is polling.
    static CURRENT: RefCell<Option<Queue>> = const { RefCell::new(None) };
}

/// Files a call with the exchange being polled and returns the future of
/// its reply. Outside a poll there is no Python to run it.
pub(crate) fn call_python(
    kind: CallKind,
    function: usize,
    name: &str,
    args: Map<String, Value>,
    uploads: BTreeMap<String, Upload>,
    request: Option<Request>,
    token: Option<String>,
) -> BoxFuture<Result<Reply, MizanError>> {
    let (reply, answer) = oneshot::channel();
    let call = PendingCall {
        kind,
        function,
        name: name.to_owned(),
        args,
        uploads,
        request,
        token,
        reply,
    };
    let filed = CURRENT.with(|current| match current.borrow().as_ref() {
        Some(queue) => {
            lock(queue).push(call);
            true
        }
        None => false,
    });
    let name = name.to_owned();
    Box::pin(async move {
        if !filed {
            return Err(MizanError::internal(format!(
                "`{name}` is a Python function: it runs only in a request a Python adapter drives"
            )));
        }
        answer.await.unwrap_or_else(|_| {
            Err(MizanError::internal(format!(
                "the Python side dropped the call of `{name}` without answering"
            )))
        })
    })
}

/// Sets the current queue for the duration of one poll.
struct Polling;

impl Polling {
    fn enter(queue: Queue) -> Self {
        CURRENT.with(|current| *current.borrow_mut() = Some(queue));
        Self
    }
}

impl Drop for Polling {
    fn drop(&mut self) {
        CURRENT.with(|current| *current.borrow_mut() = None);
    }
}

/// Wakes a Python driver: a flag and a condition variable for a blocking
/// driver, and a one-shot callback (the event loop's
/// `call_soon_threadsafe`) that an async driver arms only when it has
/// nothing else to do, so that calls resolved on the loop itself cost no
/// round through it.
#[derive(Default)]
struct Signal {
    state: Mutex<Woken>,
    ready: Condvar,
}

#[derive(Default)]
struct Woken {
    woken: bool,
    callback: Option<Arc<Py<PyAny>>>,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let callback = {
            let mut state = lock(&self.state);
            state.woken = true;
            state.callback.take()
        };
        self.ready.notify_all();
        if let Some(callback) = callback {
            Python::attach(|py| {
                if let Err(err) = callback.call0(py) {
                    err.write_unraisable(py, None);
                }
            });
        }
    }
}

/// The HTTP response the core answered with.
#[pyclass(frozen, name = "Response", module = "mizan._mizan")]
pub(crate) struct PyResponse {
    #[pyo3(get)]
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

#[pymethods]
impl PyResponse {
    /// Header lines, in order.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    /// The body.
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.body)
    }

    fn __repr__(&self) -> String {
        format!("<Response {} ({} bytes)>", self.status, self.body.len())
    }
}

impl PyResponse {
    pub(crate) fn from_http(response: http::Response<Bytes>) -> Self {
        let (parts, body) = response.into_parts();
        Self {
            status: parts.status.as_u16(),
            headers: header_lines(&parts.headers),
            body,
        }
    }
}

fn header_lines(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A core future that a Python thread polls, with the calls it files and
/// the signal that wakes its driver.
pub(crate) struct Driven<T> {
    future: Mutex<Option<BoxFuture<T>>>,
    queue: Queue,
    signal: Arc<Signal>,
}

impl<T: Send + 'static> Driven<T> {
    pub(crate) fn new(future: impl Future<Output = T> + Send + 'static) -> Self {
        Self {
            future: Mutex::new(Some(Box::pin(future))),
            queue: Arc::default(),
            signal: Arc::default(),
        }
    }

    /// Polls once (the interpreter free meanwhile): `Some` when done.
    pub(crate) fn poll(&self, py: Python<'_>, done: &'static str) -> PyResult<Option<T>> {
        let outcome = py.detach(|| {
            let mut slot = lock(&self.future);
            let Some(future) = slot.as_mut() else {
                return Err(done);
            };
            lock(&self.signal.state).woken = false;
            let waker = Waker::from(Arc::clone(&self.signal));
            let _runtime = runtime().enter();
            let _polling = Polling::enter(Arc::clone(&self.queue));
            match future.as_mut().poll(&mut Context::from_waker(&waker)) {
                Poll::Ready(out) => {
                    *slot = None;
                    Ok(Some(out))
                }
                Poll::Pending => Ok(None),
            }
        });
        outcome.map_err(pyo3::exceptions::PyRuntimeError::new_err)
    }

    /// The calls filed since the last poll, as Python objects.
    pub(crate) fn calls<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let calls: Vec<PendingCall> = std::mem::take(&mut *lock(&self.queue));
        let list = PyList::empty(py);
        for call in calls {
            list.append(PyCall::new(py, call)?)?;
        }
        Ok(list)
    }

    /// Blocks until woken or `timeout` seconds pass; whether it was woken.
    pub(crate) fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> bool {
        py.detach(|| {
            let guard = lock(&self.signal.state);
            let check = |state: &mut Woken| !state.woken;
            let guard = match timeout {
                Some(t) => {
                    self.signal
                        .ready
                        .wait_timeout_while(guard, Duration::from_secs_f64(t.max(0.0)), check)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .signal
                    .ready
                    .wait_while(guard, check)
                    .unwrap_or_else(PoisonError::into_inner),
            };
            guard.woken
        })
    }

    /// Arms a one-shot wake callback, or answers `true` when already woken.
    pub(crate) fn on_wake(&self, callback: Py<PyAny>) -> bool {
        let mut state = lock(&self.signal.state);
        if state.woken {
            return true;
        }
        state.callback = Some(Arc::new(callback));
        false
    }
}

/// One request in the core, polled by its Python driver.
#[pyclass(frozen, name = "Exchange", module = "mizan._mizan")]
pub(crate) struct PyExchange {
    driven: Driven<http::Response<Bytes>>,
}

impl PyExchange {
    pub(crate) fn new(
        future: impl Future<Output = http::Response<Bytes>> + Send + 'static,
    ) -> Self {
        Self {
            driven: Driven::new(future),
        }
    }
}

#[pymethods]
impl PyExchange {
    /// Lets the core go as far as it can: the response when it is done,
    /// else the Python calls it now waits for (possibly none: then wait to
    /// be woken).
    fn poll(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.driven.poll(py, "this exchange already answered")? {
            Some(response) => Ok(Py::new(py, PyResponse::from_http(response))?.into_any()),
            None => Ok(self.driven.calls(py)?.into_any().unbind()),
        }
    }

    /// Blocks (the interpreter free for other threads) until the core
    /// wakes this exchange or `timeout` seconds pass; a blocking driver's
    /// wait. Returns whether it was woken.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> bool {
        self.driven.wait(py, timeout)
    }

    /// Arms `callback()`, called once (from any thread) when the core next
    /// wakes this exchange; an async driver passes something that wakes its
    /// loop. Returns `True` instead, without arming, when the exchange was
    /// already woken since the last poll (poll again at once).
    fn on_wake(&self, callback: Py<PyAny>) -> bool {
        self.driven.on_wake(callback)
    }
}

/// A Python function call the core waits for.
#[pyclass(frozen, name = "Call", module = "mizan._mizan")]
pub(crate) struct PyCall {
    kind: CallKind,
    #[pyo3(get)]
    function: usize,
    #[pyo3(get)]
    name: String,
    #[pyo3(get)]
    args: Py<PyDict>,
    #[pyo3(get)]
    request: Option<Py<PyRequest>>,
    #[pyo3(get)]
    token: Option<String>,
    reply: Mutex<Option<ReplySender>>,
}

impl PyCall {
    fn new(py: Python<'_>, call: PendingCall) -> PyResult<Py<Self>> {
        let args = to_dict(py, &call.args)?;
        for (name, upload) in call.uploads {
            args.set_item(name, Py::new(py, PyUpload(upload))?)?;
        }
        let request = call
            .request
            .map(|request| Py::new(py, PyRequest(request)))
            .transpose()?;
        Py::new(
            py,
            Self {
                kind: call.kind,
                function: call.function,
                name: call.name,
                args: args.unbind(),
                request,
                token: call.token,
                reply: Mutex::new(Some(call.reply)),
            },
        )
    }

    fn answer(&self, reply: Result<Reply, MizanError>) -> PyResult<()> {
        match lock(&self.reply).take() {
            // The core stopped waiting (the request went away): nothing to do.
            Some(sender) => {
                let _ = sender.send(reply);
                Ok(())
            }
            None => Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                "the call of `{}` was already answered",
                self.name
            ))),
        }
    }
}

#[pymethods]
impl PyCall {
    /// `"data"`, `"view"`, `"bearer"`, `"join"` or `"send"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind.as_str()
    }

    /// Answers a data call with its result as plain JSON data.
    fn resolve(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        match from_python(value) {
            Ok(json) => self.answer(Ok(Reply::Json(mizan_core::JsonText::from_value(&json)))),
            Err(err) => {
                let message = format!("`{}` returned what cannot be sent: {err}", self.name);
                self.answer(Err(MizanError::internal(message)))
            }
        }
    }

    /// Answers a view call with the response it returned.
    fn resolve_view(
        &self,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> PyResult<()> {
        let status = StatusCode::from_u16(status)
            .map_err(|_| pyo3::exceptions::PyValueError::new_err(format!("bad status {status}")))?;
        let mut response = ViewResponse::status(status);
        for (name, value) in headers {
            let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                pyo3::exceptions::PyValueError::new_err(format!("bad header name {name:?}"))
            })?;
            let value = http::HeaderValue::from_str(&value).map_err(|_| {
                pyo3::exceptions::PyValueError::new_err(format!("bad header value {value:?}"))
            })?;
            response.headers.append(name, value);
        }
        response.body = Bytes::from(body);
        self.answer(Ok(Reply::View(response)))
    }

    /// Answers a Bearer verification with the identity it established.
    fn resolve_identity(&self, identity: &PyIdentity) -> PyResult<()> {
        self.answer(Ok(Reply::Identity(identity.0.clone())))
    }

    /// Answers with an error envelope: a protocol code (`NOT_FOUND`, …),
    /// its message and optional JSON details.
    #[pyo3(signature = (code, message, details = None))]
    fn fail(
        &self,
        code: &str,
        message: String,
        details: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let code = mizan_core::ErrorCode::parse(code).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!("unknown error code {code:?}"))
        })?;
        let mut err = MizanError::new(code, message);
        if let Some(details) = details.filter(|d| !d.is_none()) {
            err = err.with_details(from_python(details)?);
        }
        self.answer(Err(err))
    }
}

/// What a function sees of its request.
#[pyclass(frozen, name = "RequestInfo", module = "mizan._mizan")]
pub(crate) struct PyRequest(pub(crate) Request);

#[pymethods]
impl PyRequest {
    /// The caller, or `None` when anonymous.
    #[getter]
    fn identity(&self) -> Option<PyIdentity> {
        self.0.identity().cloned().map(PyIdentity)
    }

    /// The caller's user id.
    #[getter]
    fn user_id(&self) -> Option<String> {
        self.0.user_id().map(str::to_owned)
    }

    /// Request headers as `(name, value)` pairs, names lower case.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        header_lines(self.0.headers())
    }

    /// One header's value (the first), or `None`.
    fn header(&self, name: &str) -> Option<String> {
        self.0
            .headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }

    /// `"http"`, `"websocket"` or `"ipc"`.
    #[getter]
    fn transport(&self) -> &'static str {
        match self.0.transport() {
            mizan_core::Transport::Http => "http",
            mizan_core::Transport::WebSocket => "websocket",
            mizan_core::Transport::Ipc => "ipc",
        }
    }

    /// The raw body (view-path functions; empty otherwise).
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.0.body())
    }

    /// A path parameter of a view route.
    fn path_param(&self, name: &str) -> Option<String> {
        self.0.path_param(name).map(str::to_owned)
    }
}

/// A file sent as a multipart part.
#[pyclass(frozen, name = "Upload", module = "mizan._mizan")]
pub(crate) struct PyUpload(pub(crate) Upload);

#[pymethods]
impl PyUpload {
    #[new]
    #[pyo3(signature = (filename, data, content_type = None))]
    fn new(filename: String, data: Vec<u8>, content_type: Option<String>) -> Self {
        Self(Upload {
            file_name: filename,
            content_type,
            bytes: Bytes::from(data),
        })
    }

    /// The client's file name (may be empty).
    #[getter]
    fn filename(&self) -> &str {
        &self.0.file_name
    }

    /// The declared content type, if any.
    #[getter]
    fn content_type(&self) -> Option<&str> {
        self.0.content_type.as_deref()
    }

    /// The bytes.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.bytes)
    }

    /// Size in bytes.
    #[getter]
    fn size(&self) -> usize {
        self.0.len()
    }

    fn __repr__(&self) -> String {
        format!("<Upload {:?} ({} bytes)>", self.0.file_name, self.0.len())
    }
}

/// A decoded JSON value for Python (used by tools that answer data).
pub(crate) fn json_to_python(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(to_python(py, value)?.unbind())
}
