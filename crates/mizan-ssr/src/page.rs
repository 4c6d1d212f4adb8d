//! A page: a route, the component rendered there, and the context
//! instances it reads, their parameters taken from the route.

use std::collections::BTreeMap;
use std::fmt;

use mizan_core::Registry;

use crate::pool::Component;

/// A page served with server-side rendering.
///
/// ```
/// use mizan_ssr::{Component, Page};
/// let board = Page::new("/board/{board_id}", Component::react("/srv/web/server.js", "App"))
///     .title("Board")
///     .reads("global")  // no parameters
///     .reads("board");  // `board_id` from the route
/// let home = Page::new("/", Component::react("/srv/web/server.js", "App"))
///     .reads("global")
///     .reads_with("board", [("board_id", 1)]); // a value of its own
/// # let _ = (board, home);
/// ```
#[derive(Debug, Clone)]
pub struct Page {
    route: String,
    component: Component,
    title: Option<String>,
    reads: Vec<Read>,
}

/// One context instance a page reads, as declared.
#[derive(Debug, Clone)]
struct Read {
    context: String,
    given: BTreeMap<String, String>,
}

/// Where a context parameter's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// The route's parameter of that name.
    Route(String),
    /// A value the page gives.
    Given(String),
}

/// A read, checked against the registry: each parameter the instance gets.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub context: String,
    pub params: Vec<(String, Source)>,
}

/// A page whose reads were checked against the registry.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub page: Page,
    pub instances: Vec<Instance>,
}

/// A page that cannot be served as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    route: String,
    message: String,
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "page `{}`: {}", self.route, self.message)
    }
}

impl std::error::Error for PageError {}

impl PageError {
    pub(crate) fn duplicate(route: &str) -> Self {
        Self {
            route: route.to_owned(),
            message: "another page has the same route".into(),
        }
    }
}

impl Page {
    /// The page at `route` (axum's syntax: `/board/{board_id}`), rendering
    /// `component`.
    pub fn new(route: impl Into<String>, component: Component) -> Self {
        Self {
            route: route.into(),
            component,
            title: None,
            reads: Vec::new(),
        }
    }

    /// The page reads the instance of `context` whose parameters are the
    /// route's parameters of the same names (as `affects` scopes a
    /// mutation by its arguments' names). It is fetched for the caller
    /// exactly as `GET /ctx/<context>/` would fetch it, before the render.
    #[must_use]
    pub fn reads(self, context: impl Into<String>) -> Self {
        self.reads_with(context, std::iter::empty::<(String, String)>())
    }

    /// Like [`Page::reads`], with values for some parameters (written as a
    /// query string would give them); the others come from the route.
    #[must_use]
    pub fn reads_with<K: Into<String>, V: ToString>(
        mut self,
        context: impl Into<String>,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.reads.push(Read {
            context: context.into(),
            given: params
                .into_iter()
                .map(|(k, v)| (k.into(), v.to_string()))
                .collect(),
        });
        self
    }

    /// The page's `<title>` (else the document's).
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Its route.
    pub fn route(&self) -> &str {
        &self.route
    }

    /// Its component.
    pub fn component(&self) -> &Component {
        &self.component
    }

    pub(crate) fn title_text(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The names of the route's parameters (`{name}` and `{*name}`).
    fn route_params(&self) -> Vec<&str> {
        self.route
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| name.trim_start_matches('*'))
            .collect()
    }

    /// Binds every read to the registry's contexts: each context exists,
    /// and each of its required parameters is given or comes from the route.
    pub(crate) fn check(self, registry: &Registry) -> Result<Checked, PageError> {
        let fail = |message: String| PageError {
            route: self.route.clone(),
            message,
        };
        let route = self.route_params();
        let mut instances = Vec::with_capacity(self.reads.len());
        for read in &self.reads {
            let Some(context) = registry.context(&read.context) else {
                let known: Vec<&str> = registry.contexts().map(|c| c.name.as_str()).collect();
                return Err(fail(format!(
                    "it reads `{}`, which is not a context; the contexts are: {}",
                    read.context,
                    known.join(", ")
                )));
            };
            if let Some(unknown) = read.given.keys().find(|k| context.param(k).is_none()) {
                return Err(fail(format!(
                    "it gives `{unknown}` to `{}`, which has no such parameter",
                    read.context
                )));
            }
            let mut params = Vec::new();
            for param in &context.params {
                let name = param.name.as_str();
                if let Some(value) = read.given.get(name) {
                    params.push((name.to_owned(), Source::Given(value.clone())));
                } else if route.contains(&name) {
                    params.push((name.to_owned(), Source::Route(name.to_owned())));
                } else if param.required {
                    return Err(fail(format!(
                        "it reads `{}`, whose parameter `{name}` is required, but the route has no `{{{name}}}` and the page gives no value (Page::reads_with)",
                        read.context
                    )));
                }
            }
            instances.push(Instance {
                context: read.context.clone(),
                params,
            });
        }
        Ok(Checked {
            page: self,
            instances,
        })
    }
}

impl Instance {
    /// The instance's parameters for a request whose route matched `route`.
    pub(crate) fn values(&self, route: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        self.params
            .iter()
            .filter_map(|(name, source)| {
                let value = match source {
                    Source::Given(value) => value.clone(),
                    Source::Route(param) => route.get(param)?.clone(),
                };
                Some((name.clone(), value))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_parameters_are_read_from_the_pattern() {
        let page = Page::new(
            "/b/{board_id}/t/{task_id}/{*rest}",
            Component::react("/x", "A"),
        );
        assert_eq!(page.route_params(), ["board_id", "task_id", "rest"]);
    }
}
