//! Errors about a source text, rendered like a compiler's: the position, the
//! offending line and a caret under the culprit.

use std::fmt;
use std::io::IsTerminal;

/// A position in a source text. Lines and columns are 1-based; columns count
/// Unicode scalar values, as an editor does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Length in bytes (0 for a point, e.g. the end of the input).
    pub len: usize,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// One error about one place in a source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, in one sentence without a trailing period.
    pub message: String,
    /// Where it is.
    pub span: Span,
    /// The KDL node it is about (`function`, `param`, ...), or `document`
    /// when the error lies between nodes.
    pub node: String,
    /// An optional hint on how to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`, about the node named `node`.
    pub fn new(span: Span, node: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            span,
            node: node.into(),
            help: None,
        }
    }

    /// Adds a hint on how to fix the error.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the error with the source line it points at and a caret under
    /// the culprit; `origin` names the source (usually a path).
    pub fn render(&self, source: &str, origin: &str, style: Style) -> String {
        let s = self.span;
        let (bold, red, blue, reset) = if style.color {
            ("\x1b[1m", "\x1b[1;31m", "\x1b[1;34m", "\x1b[0m")
        } else {
            ("", "", "", "")
        };
        let mut out = format!(
            "{red}error{reset}{bold}: {} (in `{}`){reset}\n",
            self.message, self.node
        );
        let gutter = s.line.to_string().len();
        let pad = " ".repeat(gutter);
        out.push_str(&format!(
            "{pad}{blue}-->{reset} {origin}:{}:{}\n",
            s.line, s.column
        ));
        if let Some(text) = source_line(source, s.line) {
            // Tabs would put the caret in the wrong place; show them as one space.
            let shown: String = text
                .chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .collect();
            let before = (s.column as usize).saturating_sub(1);
            let remaining = shown.chars().count().saturating_sub(before);
            let caret_len = source
                .get(s.offset..s.offset.saturating_add(s.len).min(source.len()))
                .map_or(1, |t| t.lines().next().unwrap_or("").chars().count())
                .clamp(1, remaining.max(1));
            out.push_str(&format!("{pad} {blue}|{reset}\n"));
            out.push_str(&format!("{blue}{}{reset} {blue}|{reset} {shown}\n", s.line));
            out.push_str(&format!(
                "{pad} {blue}|{reset} {}{red}{}{reset}\n",
                " ".repeat(before),
                "^".repeat(caret_len)
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{pad} {blue}={reset} {bold}help{reset}: {help}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} (in `{}`)",
            self.span.line, self.span.column, self.message, self.node
        )
    }
}

impl std::error::Error for Diagnostic {}

/// Every error found in one source text, in source order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Renders every error, separated by blank lines, then a summary line.
    pub fn render(&self, source: &str, origin: &str, style: Style) -> String {
        let mut out = String::new();
        for d in &self.0 {
            out.push_str(&d.render(source, origin, style));
            out.push('\n');
        }
        let n = self.0.len();
        out.push_str(&format!(
            "{} error{} in {origin}\n",
            n,
            if n == 1 { "" } else { "s" }
        ));
        out
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Self(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// How to render diagnostics for a terminal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
}

impl Style {
    /// No colours: for files, pipes and snapshots.
    pub const PLAIN: Style = Style { color: false };

    /// Colours when stderr is a terminal and `NO_COLOR` is unset or empty
    /// (<https://no-color.org>).
    pub fn for_stderr() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color && std::io::stderr().is_terminal(),
        }
    }
}

/// The text of 1-based line `line`, without its line break.
fn source_line(source: &str, line: u32) -> Option<&str> {
    let mut rest = source;
    for _ in 1..line {
        let i = rest.find(['\n', '\r'])?;
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + skip..];
    }
    let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_line_and_a_caret() {
        let src = "a\nfunction \"x\" contxt=1\n";
        let d = Diagnostic::new(
            Span {
                offset: 15,
                len: 6,
                line: 2,
                column: 14,
            },
            "function",
            "unknown property `contxt`",
        );
        let out = d.render(src, "ir.kdl", Style::PLAIN);
        assert_eq!(
            out,
            "error: unknown property `contxt` (in `function`)\n \
             --> ir.kdl:2:14\n  \
             |\n\
             2 | function \"x\" contxt=1\n  \
             |              ^^^^^^\n"
        );
    }

    #[test]
    fn finds_lines_after_crlf() {
        assert_eq!(source_line("a\r\nb\rc\n", 2), Some("b"));
        assert_eq!(source_line("a\r\nb\rc\n", 3), Some("c"));
        assert_eq!(source_line("a", 3), None);
    }
}
