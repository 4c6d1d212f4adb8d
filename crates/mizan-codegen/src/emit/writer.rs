//! A small writer for generated source: lines, indentation, blocks and doc
//! comments, so that emitters describe structure and never count spaces.

/// Builds one generated file.
#[derive(Debug)]
pub struct CodeWriter {
    buf: String,
    depth: usize,
    unit: &'static str,
}

/// Lines longer than this are wrapped where the emitters know how
/// (import lists); everything else is short by construction.
pub(super) const MAX_WIDTH: usize = 80;

impl CodeWriter {
    /// A writer that indents each level with `unit`.
    pub fn new(unit: &'static str) -> Self {
        Self {
            buf: String::new(),
            depth: 0,
            unit,
        }
    }

    /// Writes one line at the current indentation.
    pub fn line(&mut self, text: impl AsRef<str>) {
        let text = text.as_ref();
        if !text.is_empty() {
            for _ in 0..self.depth {
                self.buf.push_str(self.unit);
            }
            self.buf.push_str(text);
        }
        self.buf.push('\n');
    }

    /// Writes an empty line, unless the output is empty or already ends with one.
    pub fn blank(&mut self) {
        if !self.buf.is_empty() && !self.buf.ends_with("\n\n") && !self.buf.ends_with("{\n") {
            self.buf.push('\n');
        }
    }

    /// Writes `open`, the body one level deeper, then `close`.
    pub fn block(&mut self, open: impl AsRef<str>, close: &str, body: impl FnOnce(&mut Self)) {
        self.block_lines(&[open.as_ref()], close, body);
    }

    /// Like [`block`](Self::block) with an opening that spans several lines
    /// (a wrapped signature).
    pub fn block_lines<S: AsRef<str>>(
        &mut self,
        open: &[S],
        close: &str,
        body: impl FnOnce(&mut Self),
    ) {
        for line in open {
            self.line(line);
        }
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self.line(close);
    }

    /// The current indentation width in characters.
    pub fn indent_width(&self) -> usize {
        self.depth * self.unit.len()
    }

    /// Writes a JSDoc comment from paragraphs (an empty string separates
    /// them): on one line when it fits, else wrapped to 80 columns.
    /// Writes nothing for no paragraphs.
    pub fn doc(&mut self, paragraphs: &[String]) {
        match paragraphs {
            [] => {}
            [one] if self.indent_width() + one.len() + 7 <= MAX_WIDTH => {
                self.line(format!("/** {one} */"));
            }
            _ => {
                let width = MAX_WIDTH.saturating_sub(self.indent_width() + 3).max(20);
                self.line("/**");
                for p in paragraphs {
                    if p.is_empty() {
                        self.line(" *");
                    }
                    for l in wrap(p, width) {
                        self.line(format!(" * {l}"));
                    }
                }
                self.line(" */");
            }
        }
    }

    /// Writes `head(args)tail`: on one line when it fits, else with one
    /// argument per line.
    pub fn call(&mut self, head: &str, args: &[String], tail: &str) {
        let one_line = format!("{head}({}){tail}", args.join(", "));
        if self.indent_width() + one_line.len() <= MAX_WIDTH || args.is_empty() {
            self.line(one_line);
        } else {
            self.block(format!("{head}("), &format!("){tail}"), |w| {
                for a in args {
                    w.line(format!("{a},"));
                }
            });
        }
    }

    /// The finished text: exactly one trailing newline.
    pub fn finish(mut self) -> String {
        while self.buf.ends_with("\n\n") {
            self.buf.pop();
        }
        if !self.buf.ends_with('\n') {
            self.buf.push('\n');
        }
        self.buf
    }
}

/// Splits `text` into lines of at most `width` characters at spaces (a
/// longer word gets a line of its own).
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_blocks_and_collapses_blank_lines() {
        let mut w = CodeWriter::new("  ");
        w.blank();
        w.line("a");
        w.blank();
        w.blank();
        w.block("b {", "}", |w| {
            w.blank();
            w.doc(&["short".into()]);
            w.line("c;");
        });
        w.blank();
        assert_eq!(w.finish(), "a\n\nb {\n  /** short */\n  c;\n}\n");
    }

    #[test]
    fn long_docs_take_several_lines() {
        let mut w = CodeWriter::new("  ");
        w.doc(&["one".into(), String::new(), "two".into()]);
        assert_eq!(w.finish(), "/**\n * one\n *\n * two\n */\n");
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("aaaaaaa b", 5), ["aaaaaaa", "b"]);
    }

    #[test]
    fn calls_wrap_one_argument_per_line() {
        let mut w = CodeWriter::new("  ");
        w.call("f", &["'a'".into()], ";");
        w.call(&"g".repeat(78), &["'a'".into(), "'b'".into()], ";");
        let long = "g".repeat(78);
        assert_eq!(
            w.finish(),
            format!("f('a');\n{long}(\n  'a',\n  'b',\n);\n")
        );
    }
}
