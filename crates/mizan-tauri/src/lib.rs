//! Serve Mizan server functions to a [Tauri](https://tauri.app) v2 app's
//! windows, in process: no HTTP server, no port.
//!
//! ```ignore
//! // (Not compiled here: an app needs its `tauri.conf.json`. The taskboard
//! // desktop example, examples/taskboard-desktop, is this, compiled.)
//! # fn registry() -> mizan_core::Registry { unimplemented!() }
//! # #[derive(Default)] struct Store;
//! # struct SignedIn(Option<mizan_core::Identity>);
//! use mizan_core::Server;
//! use tauri::Manager as _;
//!
//! tauri::Builder::default()
//!     .manage(SignedIn(None))
//!     .plugin(
//!         mizan_tauri::Builder::new(Server::builder().registry(registry()).state(Store::default()))
//!             // The caller of every request: here, whoever signed in to the app.
//!             .identity(|webview| webview.state::<SignedIn>().0.clone())
//!             .build(),
//!     )
//!     .run(tauri::generate_context!())
//!     .expect("the app runs");
//! ```
//!
//! The page talks to it through `@mizan/tauri` (a transport of the kernel,
//! `configure({ transport: tauriTransport() })`), and the app's capability
//! allows `mizan:default`.
//!
//! How it works (../shared/spec/PROTOCOL.md §7):
//! - one command, `plugin:mizan|exchange`, takes one IPC message (`{"op":
//!   "call" | "fetch" | "subscribe" | …}`) as the request body and answers
//!   with the same payload as HTTP, or rejects with the error envelope's
//!   inner object `{code, message, details?}`;
//! - each page (a webview, from its load to its next navigation) is one live
//!   connection of the core: its subscriptions and channels are its own, a
//!   mutation it makes is not pushed back to it, and the pushes for it
//!   (`invalidate`, `merge`, channel `message`s — the socket's objects)
//!   reach that webview only, as the event [`PUSH_EVENT`]; when the core
//!   drops a connection that fell behind, the page gets [`RESET_EVENT`] and
//!   subscribes again;
//! - the caller is whoever the app's [`Builder::identity`] hook names,
//!   asked for every message; `auth` is enforced by the core before a
//!   function's body runs, exactly as over HTTP;
//! - functions reach Tauri's managed state through [`managed`] (the
//!   server's state holds the `AppHandle`).
//!
//! This crate holds no protocol rule: the message is read and answered by
//! [`Server::serve_ipc`]; the plugin only moves bytes between Tauri and the
//! core, and pushes from the core to the page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use mizan_core::server::ServerBuilder;
use mizan_core::{Identity, MizanError, Request, Server};
use serde_json::value::RawValue;
use tauri::ipc::{InvokeBody, InvokeError, Response};
use tauri::plugin::TauriPlugin;
use tauri::webview::PageLoadEvent;
use tauri::{
    AppHandle, Emitter as _, EventTarget, Manager as _, RunEvent, Runtime, State, Webview,
    WindowEvent,
};

/// The plugin's name: its command is `plugin:mizan|exchange`, its
/// permissions `mizan:default` / `mizan:allow-exchange`.
pub const PLUGIN: &str = "mizan";

/// The event each push reaches its page as: its payload is the socket's push
/// object (`{"action": "invalidate", "invalidate": [...]}`, `merge`,
/// `message`), emitted to that page's webview only.
pub const PUSH_EVENT: &str = "mizan://push";

/// The event a page gets when the core dropped its connection (it fell too
/// far behind its pushes): its subscriptions and channels are gone, and it
/// may have missed changes. The page subscribes and joins again and
/// refetches what it shows; `@mizan/tauri` does.
pub const RESET_EVENT: &str = "mizan://reset";

type Identify<R> = Box<dyn Fn(&Webview<R>) -> Option<Identity> + Send + Sync>;

/// Configures the plugin: the server it serves, and who the caller is.
pub struct Builder<R: Runtime> {
    server: ServerBuilder,
    identity: Identify<R>,
}

impl<R: Runtime> Builder<R> {
    /// A plugin serving the server `server` builds. It is built when the
    /// app starts, with the app's `AppHandle` added to its state (so that
    /// functions reach Tauri's managed state, see [`managed`]); a
    /// configuration error stops the app's start with that error.
    /// Every caller is anonymous until [`Builder::identity`] says otherwise.
    pub fn new(server: ServerBuilder) -> Self {
        Self {
            server,
            identity: Box::new(|_| None),
        }
    }

    /// Who is calling, asked for every message a page sends: the app
    /// supplies the identity (the signed-in user of a desktop app, say),
    /// since a page carries no credential of its own. `None` is anonymous.
    /// Functions declared `auth` are refused by the core before their body
    /// runs, exactly as over HTTP.
    #[must_use]
    pub fn identity(
        mut self,
        identity: impl Fn(&Webview<R>) -> Option<Identity> + Send + Sync + 'static,
    ) -> Self {
        self.identity = Box::new(identity);
        self
    }

    /// The plugin, for `tauri::Builder::plugin`.
    pub fn build(self) -> TauriPlugin<R> {
        let Self { server, identity } = self;
        tauri::plugin::Builder::new(PLUGIN)
            .invoke_handler(tauri::generate_handler![exchange])
            .setup(move |app, _api| {
                let server = server.state(app.clone()).build()?;
                app.manage(Mizan {
                    server,
                    identity,
                    pages: Arc::default(),
                });
                Ok(())
            })
            .on_page_load(|webview, payload| {
                // A new document: what the old one watched is not watched.
                if payload.event() == PageLoadEvent::Started {
                    if let Some(mizan) = webview.try_state::<Mizan<R>>() {
                        mizan.forget(webview.label());
                    }
                }
            })
            .on_event(|app, event| {
                if let RunEvent::WindowEvent {
                    label,
                    event: WindowEvent::Destroyed,
                    ..
                } = event
                {
                    if let Some(mizan) = app.try_state::<Mizan<R>>() {
                        mizan.forget(label);
                    }
                }
            })
            .build()
    }
}

/// Tauri's managed state of type `T` (`app.manage(value)`), from inside a
/// server function served by this plugin. `R` is the app's runtime
/// (`tauri::Wry`).
///
/// ```
/// # struct Prefs { theme: String }
/// # use mizan_core::{MizanError, Request};
/// // In an app, `R` is `tauri::Wry`.
/// async fn theme<R: tauri::Runtime>(req: &Request) -> Result<String, MizanError> {
///     Ok(mizan_tauri::managed::<Prefs, R>(req)?.theme.clone())
/// }
/// ```
pub fn managed<T: Send + Sync + 'static, R: Runtime>(
    req: &Request,
) -> Result<State<'_, T>, MizanError> {
    req.state::<AppHandle<R>>()?
        .try_state::<T>()
        .ok_or_else(|| {
            MizanError::internal(format!(
                "no Tauri state of type `{}` is managed by the app",
                std::any::type_name::<T>()
            ))
        })
}

/// The server the plugin serves, once the app has started: to publish to
/// a channel from a background task ([`Server::publish`]), say.
pub fn server<R: Runtime>(app: &AppHandle<R>) -> Option<Server> {
    app.try_state::<Mizan<R>>()
        .map(|mizan| mizan.server.clone())
}

/// The plugin's state: the server, the identity hook, and one live
/// connection per page.
struct Mizan<R: Runtime> {
    server: Server,
    identity: Identify<R>,
    pages: Arc<Mutex<HashMap<String, Page>>>,
}

/// A page's live connection, and the task forwarding its pushes.
struct Page {
    connection: u64,
    pump: tauri::async_runtime::JoinHandle<()>,
}

impl<R: Runtime> Mizan<R> {
    /// The live connection of `webview`'s page, opened on its first message.
    fn connection(&self, webview: &Webview<R>) -> u64 {
        let mut pages = lock(&self.pages);
        if let Some(page) = pages.get(webview.label()) {
            return page.connection;
        }
        let mut connection = self.server.connect();
        let id = connection.id();
        let webview = webview.clone();
        let label = webview.label().to_owned();
        let key = label.clone();
        let target = EventTarget::AnyLabel {
            label: label.clone(),
        };
        let pages_ref = self.pages.clone();
        let pump = tauri::async_runtime::spawn(async move {
            // `None`: the core gave up on the connection (the page fell
            // behind its pushes).
            while let Some(push) = connection.next_push().await {
                // The core's push is JSON text already: emitted as it is.
                let sent = std::str::from_utf8(&push)
                    .ok()
                    .and_then(|text| RawValue::from_string(text.to_owned()).ok())
                    .map(|raw| webview.emit_to(target.clone(), PUSH_EVENT, raw));
                if !matches!(sent, Some(Ok(()))) {
                    break;
                }
            }
            // Over (the page fell behind, or its webview is gone): the page,
            // if any, starts again on its next message.
            let mut pages = lock(&pages_ref);
            if pages.get(&label).is_some_and(|page| page.connection == id) {
                pages.remove(&label);
                drop(pages);
                let _ = webview.emit_to(target, RESET_EVENT, ());
            }
        });
        // Inserted under the lock taken above, so the task, should it end
        // at once, finds its page.
        pages.insert(
            key,
            Page {
                connection: id,
                pump,
            },
        );
        id
    }

    /// The page of `label` is gone (navigated away, closed): its connection
    /// ends, and the core forgets what it watched.
    fn forget(&self, label: &str) {
        if let Some(page) = lock(&self.pages).remove(label) {
            page.pump.abort();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `plugin:mizan|exchange`: one IPC message in (the request body: JSON, or
/// its UTF-8 bytes), the core's reply out.
#[tauri::command]
async fn exchange<R: Runtime>(
    webview: Webview<R>,
    request: tauri::ipc::Request<'_>,
    mizan: State<'_, Mizan<R>>,
) -> Result<Response, InvokeError> {
    let message = match request.body() {
        InvokeBody::Raw(bytes) => bytes.clone(),
        InvokeBody::Json(value) => serde_json::to_vec(value).unwrap_or_default(),
    };
    let identity = (mizan.identity)(&webview);
    let connection = mizan.connection(&webview);
    match mizan
        .server
        .serve_ipc(identity, Some(connection), &message)
        .await
    {
        Ok(payload) => Ok(Response::new(payload)),
        Err(error) => Err(InvokeError(
            serde_json::from_str(&error).unwrap_or(serde_json::Value::String(error)),
        )),
    }
}
