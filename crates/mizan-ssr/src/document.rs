//! The HTML document around a rendered page: the client bundle's script and
//! stylesheets (from the Vite build's manifest), the root element, and the
//! hydration data.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::escape;

/// The id of the element the page is rendered into (and hydrated in).
pub const ROOT_ID: &str = "mizan-root";

/// The document every page is written in: language, default title, extra
/// `<head>` markup, and the client bundle.
///
/// ```no_run
/// # fn build() -> Result<(), mizan_ssr::DocumentError> {
/// // web/dist is the Vite build (`build.manifest: true`), `index.html` its entry.
/// let document = mizan_ssr::Document::vite("web/dist/.vite/manifest.json", "index.html")?
///     .title("Taskboard");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    lang: String,
    title: String,
    head: String,
    base: String,
    scripts: Vec<String>,
    stylesheets: Vec<String>,
    preloads: Vec<String>,
}

impl Default for Document {
    fn default() -> Self {
        Self {
            lang: "en".into(),
            title: String::new(),
            head: String::new(),
            base: "/".into(),
            scripts: Vec::new(),
            stylesheets: Vec::new(),
            preloads: Vec::new(),
        }
    }
}

/// Why the Vite manifest could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum DocumentError {
    /// The file could not be read.
    Read(PathBuf, std::io::Error),
    /// It is not a Vite manifest.
    Parse(PathBuf, serde_json::Error),
    /// It has no chunk for the entry.
    NoEntry {
        /// The manifest.
        manifest: PathBuf,
        /// The entry asked for.
        entry: String,
        /// The entries it has.
        entries: Vec<String>,
    },
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(path, err) => write!(
                f,
                "cannot read the Vite manifest {} ({err}); build the client with `build.manifest: true`",
                path.display()
            ),
            Self::Parse(path, err) => {
                write!(f, "{} is not a Vite manifest: {err}", path.display())
            }
            Self::NoEntry {
                manifest,
                entry,
                entries,
            } => write!(
                f,
                "the Vite manifest {} has no entry `{entry}`; its entries are: {}",
                manifest.display(),
                entries.join(", ")
            ),
        }
    }
}

impl std::error::Error for DocumentError {}

/// One chunk of a Vite manifest (`.vite/manifest.json`).
#[derive(Debug, Deserialize)]
struct Chunk {
    file: String,
    #[serde(default)]
    css: Vec<String>,
    #[serde(default)]
    imports: Vec<String>,
    #[serde(default, rename = "isEntry")]
    is_entry: bool,
}

impl Document {
    /// A document with no client bundle (a page that is only HTML).
    pub fn new() -> Self {
        Self::default()
    }

    /// A document that loads the client bundle Vite built for `entry` (the
    /// manifest's key: `index.html`, or `src/main.tsx` for a JS entry):
    /// its script, the stylesheets of it and of every chunk it imports, and
    /// a `modulepreload` for each of those chunks. URLs start at `/` unless
    /// [`Document::base`] says otherwise (Vite's `base`).
    ///
    /// # Errors
    /// When the manifest cannot be read or has no such entry.
    pub fn vite(manifest: impl AsRef<Path>, entry: &str) -> Result<Self, DocumentError> {
        let path = manifest.as_ref();
        let text =
            std::fs::read_to_string(path).map_err(|e| DocumentError::Read(path.into(), e))?;
        let chunks: BTreeMap<String, Chunk> =
            serde_json::from_str(&text).map_err(|e| DocumentError::Parse(path.into(), e))?;
        let Some(main) = chunks.get(entry) else {
            return Err(DocumentError::NoEntry {
                manifest: path.into(),
                entry: entry.into(),
                entries: chunks
                    .iter()
                    .filter(|(_, c)| c.is_entry)
                    .map(|(k, _)| k.clone())
                    .collect(),
            });
        };
        let mut document = Self {
            scripts: vec![main.file.clone()],
            ..Self::default()
        };
        let mut seen = HashSet::new();
        let mut todo: Vec<&str> = vec![entry];
        while let Some(key) = todo.pop() {
            let Some(chunk) = chunks.get(key).filter(|_| seen.insert(key)) else {
                continue;
            };
            if key != entry {
                document.preloads.push(chunk.file.clone());
            }
            for css in &chunk.css {
                if !document.stylesheets.contains(css) {
                    document.stylesheets.push(css.clone());
                }
            }
            todo.extend(chunk.imports.iter().rev().map(String::as_str));
        }
        Ok(document)
    }

    /// Where the built files are served from (Vite's `base`). Default `/`.
    #[must_use]
    pub fn base(mut self, base: impl Into<String>) -> Self {
        let mut base = base.into();
        if !base.ends_with('/') {
            base.push('/');
        }
        self.base = base;
        self
    }

    /// The `lang` of `<html>`. Default `en`.
    #[must_use]
    pub fn lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = lang.into();
        self
    }

    /// The title of pages that do not set theirs.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Markup added to every page's `<head>` as it is (icons, meta tags).
    #[must_use]
    pub fn head(mut self, html: impl Into<String>) -> Self {
        self.head = html.into();
        self
    }

    /// Everything up to the content of the root element. `client`: whether
    /// the page loads the client bundle (an error page does not).
    pub(crate) fn open(&self, title: Option<&str>, client: bool) -> String {
        let mut out = String::with_capacity(512);
        out.push_str("<!doctype html><html lang=\"");
        out.push_str(&escape::html(&self.lang));
        out.push_str(
            "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>",
        );
        out.push_str(&escape::html(title.unwrap_or(&self.title)));
        out.push_str("</title>");
        for css in &self.stylesheets {
            self.link(&mut out, "<link rel=\"stylesheet\" href=\"", css, "\">");
        }
        if client {
            // Module scripts run after the document is parsed, so after the
            // hydration data's inline script at the end of the body.
            for script in &self.scripts {
                self.link(
                    &mut out,
                    "<script type=\"module\" crossorigin src=\"",
                    script,
                    "\"></script>",
                );
            }
            for chunk in &self.preloads {
                self.link(
                    &mut out,
                    "<link rel=\"modulepreload\" crossorigin href=\"",
                    chunk,
                    "\">",
                );
            }
        }
        out.push_str(&self.head);
        out.push_str("</head><body><div id=\"");
        out.push_str(ROOT_ID);
        out.push_str("\">");
        out
    }

    /// The rest, after the root element's content: the hydration data
    /// (`window.__MIZAN_SSR_DATA__`, escaped) when there is any.
    pub(crate) fn close(data: Option<&str>) -> String {
        let mut out = String::with_capacity(64 + data.map_or(0, str::len));
        out.push_str("</div>");
        if let Some(data) = data {
            out.push_str("<script>window.__MIZAN_SSR_DATA__=");
            out.push_str(&escape::script_json(data));
            out.push_str("</script>");
        }
        out.push_str("</body></html>");
        out
    }

    fn link(&self, out: &mut String, open: &str, file: &str, close: &str) {
        out.push_str(open);
        out.push_str(&escape::html(&self.base));
        out.push_str(&escape::html(file));
        out.push_str(close);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"{
      "_shared-B1.js": {"file": "assets/shared-B1.js", "css": ["assets/shared-C2.css"]},
      "index.html": {"file": "assets/index-A1.js", "src": "index.html", "isEntry": true,
                     "imports": ["_shared-B1.js"], "css": ["assets/index-D3.css"]},
      "src/admin.tsx": {"file": "assets/admin-E4.js", "isEntry": true, "imports": ["_shared-B1.js"]}
    }"#;

    /// A manifest file of the test's own: tests run in parallel, and one
    /// writing the file while another reads it would read it half written.
    fn manifest(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mizan-ssr-doc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(format!("{test}.json"));
        std::fs::write(&path, MANIFEST).expect("written");
        path
    }

    #[test]
    fn the_page_links_the_entry_its_stylesheets_and_its_imports() {
        let document = Document::vite(manifest("links"), "index.html")
            .expect("read")
            .title("Board");
        assert_eq!(
            document.open(None, true),
            concat!(
                r#"<!doctype html><html lang="en"><head><meta charset="utf-8">"#,
                r#"<meta name="viewport" content="width=device-width, initial-scale=1"><title>Board</title>"#,
                r#"<link rel="stylesheet" href="/assets/index-D3.css">"#,
                r#"<link rel="stylesheet" href="/assets/shared-C2.css">"#,
                r#"<script type="module" crossorigin src="/assets/index-A1.js"></script>"#,
                r#"<link rel="modulepreload" crossorigin href="/assets/shared-B1.js">"#,
                r#"</head><body><div id="mizan-root">"#
            )
        );
        // An error page keeps the styles and loads no script.
        assert!(!document.open(Some("Not found"), false).contains("<script"));
    }

    #[test]
    fn an_unknown_entry_names_the_entries_there_are() {
        let err = Document::vite(manifest("unknown-entry"), "main.tsx").expect_err("no such entry");
        assert!(
            err.to_string()
                .ends_with("has no entry `main.tsx`; its entries are: index.html, src/admin.tsx"),
            "{err}"
        );
    }

    #[test]
    fn the_data_cannot_close_its_script() {
        let close = Document::close(Some(r#"{"t":"</script><!--"}"#));
        assert_eq!(
            close,
            r#"</div><script>window.__MIZAN_SSR_DATA__={"t":"\u003c/script\u003e\u003c!--"}</script></body></html>"#
        );
    }
}
