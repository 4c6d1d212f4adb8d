//! The worker protocol (../shared/spec/SSR.md): newline-delimited JSON on
//! the worker's stdin and stdout.
//!
//! - worker → server on start: `{"id": 0, "ready": true}`
//! - server → worker: `{"id": 17, "method": "render", "params": {"file", "export",
//!   "renderer", "props", "contexts", "timeoutMs"}}`
//! - worker → server: `{"id": 17, "html": "..."}` or `{"id": 17, "error": "..."}`;
//!   a streamed render first sends `{"id": 17, "chunk": "..."}` as the
//!   renderer flushes, and its `html` is the rest; an error the worker's own
//!   timer caused (`timeoutMs`, the time left when the server sent it)
//!   carries `"timedOut": true
//! - `{"id": n, "method": "ping"}` → `{"id": n, "pong": true}`
//!
//! `file` is a module the worker imports once and caches (the app's server
//! bundle, or any component file Node can import) and `export` the name of
//! the component in it: no registry of components to keep by hand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// The framework a component is rendered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Renderer {
    /// `react-dom/server`, streamed.
    React,
    /// `vue/server-renderer`.
    Vue,
    /// `svelte/server`.
    Svelte,
}

/// A component a worker can render: an export of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    file: PathBuf,
    export: String,
    renderer: Renderer,
}

impl Component {
    /// The React component exported as `export` by the module at `file`
    /// (`"default"` for a default export). `file` should be absolute: the
    /// worker imports it as it is.
    pub fn react(file: impl Into<PathBuf>, export: impl Into<String>) -> Self {
        Self::new(Renderer::React, file, export)
    }

    /// A Vue component (rendered with `@mizan/vue`'s provider around it).
    pub fn vue(file: impl Into<PathBuf>, export: impl Into<String>) -> Self {
        Self::new(Renderer::Vue, file, export)
    }

    /// A Svelte 5 component (its client in the context `@mizan/svelte` reads).
    pub fn svelte(file: impl Into<PathBuf>, export: impl Into<String>) -> Self {
        Self::new(Renderer::Svelte, file, export)
    }

    /// A component of any renderer.
    pub fn new(renderer: Renderer, file: impl Into<PathBuf>, export: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            export: export.into(),
            renderer,
        }
    }

    /// The module it is exported by.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Its export's name.
    pub fn export(&self) -> &str {
        &self.export
    }

    /// Its framework.
    pub fn renderer(&self) -> Renderer {
        self.renderer
    }
}

/// One render: a component, its props, and the context instances it reads,
/// already fetched (the worker seeds a client of the render's own with them).
#[derive(Debug, Clone)]
pub struct RenderRequest {
    /// What to render.
    pub component: Component,
    /// Its props (an object).
    pub props: Value,
    /// Bundles by instance key (`board;board_id=1`), as JSON text.
    pub contexts: BTreeMap<String, Box<RawValue>>,
    /// Its own timeout, in place of the pool's.
    pub timeout: Option<std::time::Duration>,
}

impl RenderRequest {
    /// A render of `component` with `props` and no contexts.
    pub fn new(component: Component, props: Value) -> Self {
        Self {
            component,
            props,
            contexts: BTreeMap::new(),
            timeout: None,
        }
    }

    /// Gives this render its own timeout, in place of the pool's.
    #[must_use]
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Adds a context instance's bundle (JSON text) under its instance key.
    ///
    /// # Errors
    /// When `bundle` is not JSON.
    pub fn context(
        mut self,
        key: impl Into<String>,
        bundle: impl Into<String>,
    ) -> Result<Self, serde_json::Error> {
        self.contexts
            .insert(key.into(), RawValue::from_string(bundle.into())?);
        Ok(self)
    }
}

#[derive(Serialize)]
struct Line<P> {
    id: u64,
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<P>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RenderParams<'a> {
    file: std::borrow::Cow<'a, str>,
    export: &'a str,
    renderer: Renderer,
    props: &'a Value,
    contexts: &'a BTreeMap<String, Box<RawValue>>,
    timeout_ms: u64,
}

/// The `render` line for `request`, newline included.
pub(crate) fn render_line(id: u64, request: &RenderRequest, timeout_ms: u64) -> String {
    let c = &request.component;
    line(
        id,
        "render",
        Some(RenderParams {
            file: c.file.to_string_lossy(),
            export: &c.export,
            renderer: c.renderer,
            props: &request.props,
            contexts: &request.contexts,
            timeout_ms,
        }),
    )
}

/// The `ping` line, newline included.
pub(crate) fn ping_line(id: u64) -> String {
    line::<()>(id, "ping", None)
}

fn line<P: Serialize>(id: u64, method: &'static str, params: Option<P>) -> String {
    // Cannot fail: strings, numbers, JSON values and raw JSON only (the
    // path is written lossily). An empty object would be answered by no one.
    let mut text =
        serde_json::to_string(&Line { id, method, params }).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// One line a worker wrote.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Message {
    pub id: Option<u64>,
    #[serde(default)]
    pub ready: bool,
    #[serde(default)]
    pub pong: bool,
    pub html: Option<String>,
    pub chunk: Option<String>,
    pub error: Option<String>,
    #[serde(default, rename = "timedOut")]
    pub timed_out: bool,
}

impl Message {
    pub(crate) fn parse(line: &[u8]) -> Option<Self> {
        serde_json::from_slice(line).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_render_line_carries_the_contexts_as_they_were_fetched() {
        let request = RenderRequest::new(
            Component::react("/app/server.js", "App"),
            serde_json::json!({"url": "/board/1"}),
        )
        .context("board;board_id=1", r#"{"board_tasks":[]}"#)
        .expect("json");
        assert_eq!(
            render_line(17, &request, 5000),
            concat!(
                r#"{"id":17,"method":"render","params":{"file":"/app/server.js","export":"App","#,
                r#""renderer":"react","props":{"url":"/board/1"},"#,
                r#""contexts":{"board;board_id=1":{"board_tasks":[]}},"timeoutMs":5000}}"#,
                "\n"
            )
        );
        assert_eq!(ping_line(3), "{\"id\":3,\"method\":\"ping\"}\n");
    }

    #[test]
    fn messages_are_read_leniently_and_unknown_fields_ignored() {
        let m = Message::parse(br#"{"id":0,"ready":true,"pid":12}"#).expect("ready");
        assert_eq!((m.id, m.ready), (Some(0), true));
        let m = Message::parse(br#"{"html":"<p>x</p>","id":4}"#).expect("html");
        assert_eq!(m.html.as_deref(), Some("<p>x</p>"));
        assert!(Message::parse(b"hello from console.log").is_none());
    }
}
