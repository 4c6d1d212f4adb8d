//! Tokens of the KDL subset, scanned on demand over the source bytes.

use std::borrow::Cow;

use crate::diagnostic::Span;

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok<'a> {
    Ident(&'a str),
    String(Cow<'a, str>),
    Integer(i64),
    Float(f64),
    Bool(bool),
    Null,
    Equals,
    Open,
    Close,
    Semicolon,
    Newline,
    Eof,
}

impl Tok<'_> {
    /// How the token reads in an error message.
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("identifier `{s}`"),
            Tok::String(_) => "a string".into(),
            Tok::Integer(_) | Tok::Float(_) => "a number".into(),
            Tok::Bool(b) => format!("`#{b}`"),
            Tok::Null => "`#null`".into(),
            Tok::Equals => "`=`".into(),
            Tok::Open => "`{`".into(),
            Tok::Close => "`}`".into(),
            Tok::Semicolon => "`;`".into(),
            Tok::Newline => "end of line".into(),
            Tok::Eof => "end of input".into(),
        }
    }
}

/// A token with its position.
#[derive(Clone, Debug)]
pub(super) struct Token<'a> {
    pub(super) tok: Tok<'a>,
    pub(super) span: Span,
    /// The source text of the token.
    pub(super) raw: &'a str,
    /// Whether whitespace or a block comment came before it on its line;
    /// KDL requires some between a node's name and each entry.
    pub(super) spaced: bool,
}

/// A syntax error found while scanning.
#[derive(Debug)]
pub(super) struct LexError {
    pub(super) span: Span,
    pub(super) message: String,
    pub(super) help: Option<&'static str>,
}

pub(super) struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    line_start: usize,
}

/// Characters that end a bare identifier (besides whitespace and controls).
fn ends_ident(c: char) -> bool {
    matches!(
        c,
        '\\' | '/' | '(' | ')' | '{' | '}' | ';' | '[' | ']' | '=' | '"' | '#'
    ) || c.is_whitespace()
        || c.is_control()
}

impl<'a> Lexer<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        let mut lexer = Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            line: 1,
            line_start: 0,
        };
        if src.starts_with('\u{feff}') {
            lexer.pos = 3;
            lexer.line_start = 3;
        }
        lexer
    }

    /// The span from byte `start` (on the current line) to the current position.
    fn span_from(&self, start: usize) -> Span {
        self.span_at(start, self.pos - start)
    }

    fn span_at(&self, start: usize, len: usize) -> Span {
        let prefix = &self.bytes[self.line_start.min(start)..start];
        let column = if prefix.is_ascii() {
            prefix.len()
        } else {
            self.src[self.line_start.min(start)..start].chars().count()
        };
        Span {
            offset: start,
            len,
            line: self.line,
            column: column as u32 + 1,
        }
    }

    fn error(&self, start: usize, len: usize, message: impl Into<String>) -> LexError {
        LexError {
            span: self.span_at(start, len),
            message: message.into(),
            help: None,
        }
    }

    fn peek_char(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn newline(&mut self) {
        self.line += 1;
        self.line_start = self.pos;
    }

    /// Skips spaces, tabs, block comments and line comments (not the line
    /// break that ends a line comment). Returns whether anything was skipped.
    fn skip_space(&mut self) -> Result<bool, LexError> {
        let begin = self.pos;
        loop {
            match self.bytes.get(self.pos) {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'/') => match self.bytes.get(self.pos + 1) {
                    Some(b'/') => {
                        while let Some(&b) = self.bytes.get(self.pos) {
                            if b == b'\n' || b == b'\r' {
                                break;
                            }
                            self.pos += 1;
                        }
                    }
                    Some(b'*') => self.block_comment()?,
                    Some(b'-') => {
                        return Err(self
                            .error(
                                self.pos,
                                2,
                                "slashdash (`/-`) is not part of the IR subset of KDL",
                            )
                            .with_help("delete the commented-out part"));
                    }
                    _ => return Err(self.error(self.pos, 1, "unexpected `/`")),
                },
                Some(b'\\') => {
                    return Err(self
                        .error(
                            self.pos,
                            1,
                            "line continuations (`\\`) are not part of the IR subset of KDL",
                        )
                        .with_help("write the node on one line"));
                }
                _ => break,
            }
        }
        Ok(self.pos != begin)
    }

    /// Skips a `/* ... */` comment; they nest, as in KDL.
    fn block_comment(&mut self) -> Result<(), LexError> {
        let start = self.pos;
        let (line, line_start) = (self.line, self.line_start);
        let mut depth = 0usize;
        while self.pos < self.bytes.len() {
            match (self.bytes[self.pos], self.bytes.get(self.pos + 1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    self.pos += 2;
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                (b'\r', Some(b'\n')) => {
                    self.pos += 2;
                    self.newline();
                }
                (b'\n' | b'\r', _) => {
                    self.pos += 1;
                    self.newline();
                }
                _ => self.pos += 1,
            }
        }
        self.line = line;
        self.line_start = line_start;
        Err(self.error(start, 2, "unterminated block comment"))
    }

    pub(super) fn next_token(&mut self) -> Result<Token<'a>, LexError> {
        let spaced = self.skip_space()?;
        let start = self.pos;
        let Some(c) = self.peek_char() else {
            return Ok(self.token(Tok::Eof, start, spaced));
        };
        let tok = match c {
            '\n' => {
                self.pos += 1;
                let t = self.token(Tok::Newline, start, spaced);
                self.newline();
                return Ok(t);
            }
            '\r' => {
                self.pos += if self.bytes.get(self.pos + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                let t = self.token(Tok::Newline, start, spaced);
                self.newline();
                return Ok(t);
            }
            '{' => {
                self.pos += 1;
                Tok::Open
            }
            '}' => {
                self.pos += 1;
                Tok::Close
            }
            ';' => {
                self.pos += 1;
                Tok::Semicolon
            }
            '=' => {
                self.pos += 1;
                Tok::Equals
            }
            '"' => self.string()?,
            '#' => self.keyword()?,
            '(' => {
                return Err(self.error(
                    start,
                    1,
                    "type annotations are not part of the IR subset of KDL",
                ));
            }
            '0'..='9' => self.number()?,
            '+' | '-' if matches!(self.bytes.get(self.pos + 1), Some(b'0'..=b'9')) => {
                self.number()?
            }
            '.' if matches!(self.bytes.get(self.pos + 1), Some(b'0'..=b'9')) => {
                return Err(self.error(
                    start,
                    1,
                    "a number must start with a digit (write `0.5`, not `.5`)",
                ));
            }
            c if ends_ident(c) => {
                return Err(self.error(
                    start,
                    c.len_utf8(),
                    format!("unexpected character {}", describe_char(c)),
                ));
            }
            _ => self.ident()?,
        };
        Ok(self.token(tok, start, spaced))
    }

    fn token(&self, tok: Tok<'a>, start: usize, spaced: bool) -> Token<'a> {
        Token {
            tok,
            span: self.span_from(start),
            raw: &self.src[start..self.pos],
            spaced,
        }
    }

    fn ident(&mut self) -> Result<Tok<'a>, LexError> {
        let start = self.pos;
        let rest = &self.src[start..];
        let len = rest.find(ends_ident).unwrap_or(rest.len());
        self.pos += len;
        let name = &rest[..len];
        if let Some(bad) = ["true", "false", "null", "inf", "-inf", "nan"]
            .into_iter()
            .find(|k| *k == name)
        {
            return Err(self
                .error(
                    start,
                    len,
                    format!("bare `{bad}` is not a valid identifier in KDL v2"),
                )
                .with_help(if bad == "true" || bad == "false" || bad == "null" {
                    "keywords are written with a `#`: `#true`, `#false`, `#null`"
                } else {
                    "quote it, or use a number"
                }));
        }
        if name.starts_with(['+', '-', '.'])
            && name[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.')
        {
            return Err(self.error(
                start,
                len,
                format!("`{name}` is neither a number nor an identifier"),
            ));
        }
        Ok(Tok::Ident(name))
    }

    fn keyword(&mut self) -> Result<Tok<'a>, LexError> {
        let start = self.pos;
        let rest = &self.src[start + 1..];
        let len = rest.find(ends_ident).unwrap_or(rest.len());
        let word = &rest[..len];
        self.pos += 1 + len;
        match word {
            "true" => Ok(Tok::Bool(true)),
            "false" => Ok(Tok::Bool(false)),
            "null" => Ok(Tok::Null),
            "inf" | "-inf" | "nan" => Err(self.error(
                start,
                1 + len,
                format!("`#{word}` is not part of the IR subset of KDL"),
            )),
            "" if rest.starts_with(['"', '#']) => Err(self
                .error(start, 2, "raw strings are not part of the IR subset of KDL")
                .with_help("use a plain quoted string with escapes")),
            _ => Err(self.error(
                start,
                (1 + len).max(1),
                format!("unknown keyword `#{word}`; expected `#true`, `#false` or `#null`"),
            )),
        }
    }

    fn number(&mut self) -> Result<Tok<'a>, LexError> {
        let start = self.pos;
        let rest = &self.src[start..];
        let len = rest.find(ends_ident).unwrap_or(rest.len());
        self.pos += len;
        let text = &rest[..len];
        let bad = |this: &Self, what: String| Err(this.error(start, len, what));
        let unsigned = text.trim_start_matches(['+', '-']);
        if unsigned.len() > 1
            && unsigned.starts_with('0')
            && matches!(unsigned.as_bytes()[1], b'x' | b'o' | b'b')
        {
            return bad(
                self,
                format!("`{text}`: only decimal numbers are part of the IR subset of KDL"),
            );
        }
        // sign? digit (digit|_)* ('.' digit (digit|_)*)? ([eE] sign? digit (digit|_)*)?
        let b = text.as_bytes();
        let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
        let digits = |i: &mut usize| -> bool {
            if !matches!(b.get(*i), Some(b'0'..=b'9')) {
                return false;
            }
            while matches!(b.get(*i), Some(b'0'..=b'9' | b'_')) {
                *i += 1;
            }
            true
        };
        let mut float = false;
        let mut ok = digits(&mut i);
        if ok && b.get(i) == Some(&b'.') {
            i += 1;
            float = true;
            ok = digits(&mut i);
        }
        if ok && matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            float = true;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            ok = digits(&mut i);
        }
        if !ok || i != b.len() {
            return bad(self, format!("`{text}` is not a valid decimal number"));
        }
        let clean: Cow<'_, str> = if text.contains('_') {
            Cow::Owned(text.replace('_', ""))
        } else {
            Cow::Borrowed(text)
        };
        if float {
            match clean.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Tok::Float(v)),
                _ => bad(
                    self,
                    format!("`{text}` is out of the range of a 64-bit float"),
                ),
            }
        } else {
            match clean.parse::<i64>() {
                Ok(v) => Ok(Tok::Integer(v)),
                Err(_) => bad(
                    self,
                    format!("`{text}` is out of the range of a 64-bit integer"),
                ),
            }
        }
    }

    fn string(&mut self) -> Result<Tok<'a>, LexError> {
        let start = self.pos;
        if self.src[start..].starts_with("\"\"\"") {
            return Err(self
                .error(
                    start,
                    3,
                    "multi-line strings are not part of the IR subset of KDL",
                )
                .with_help("use a plain quoted string with `\\n` escapes"));
        }
        self.pos += 1;
        let body_start = self.pos;
        let mut owned: Option<String> = None;
        let mut chunk_start = body_start;
        loop {
            let Some(c) = self.peek_char() else {
                return Err(self.error(start, 1, "unterminated string"));
            };
            match c {
                '"' => {
                    let tail = &self.src[chunk_start..self.pos];
                    self.pos += 1;
                    return Ok(Tok::String(match owned {
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                        None => Cow::Borrowed(tail),
                    }));
                }
                '\\' => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.src[chunk_start..self.pos]);
                    let esc_start = self.pos;
                    self.pos += 1;
                    let Some(e) = self.peek_char() else {
                        return Err(self.error(start, 1, "unterminated string"));
                    };
                    self.pos += e.len_utf8();
                    let resolved = match e {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        '\\' => '\\',
                        '"' => '"',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        's' => ' ',
                        'u' => self.unicode_escape(esc_start)?,
                        c if c.is_whitespace() => {
                            self.pos -= e.len_utf8();
                            return Err(self
                                .error(
                                    esc_start,
                                    1,
                                    "whitespace escapes are not part of the IR subset of KDL",
                                )
                                .with_help("keep the string on one line"));
                        }
                        other => {
                            return Err(self.error(
                                esc_start,
                                1 + other.len_utf8(),
                                format!("unknown escape `\\{}`", other.escape_debug()),
                            ));
                        }
                    };
                    s.push(resolved);
                    chunk_start = self.pos;
                }
                '\n' | '\r' => {
                    return Err(self
                        .error(self.pos, 1, "line break inside a string")
                        .with_help(
                            "close the string on the same line; write a line break as `\\n`",
                        ));
                }
                c if c.is_control() && c != '\t' => {
                    return Err(self.error(
                        self.pos,
                        c.len_utf8(),
                        format!(
                            "unescaped control character {} inside a string",
                            describe_char(c)
                        ),
                    ));
                }
                c => self.pos += c.len_utf8(),
            }
        }
    }

    /// `\u{XXXX}` after the `u`; `esc_start` is the backslash.
    fn unicode_escape(&mut self, esc_start: usize) -> Result<char, LexError> {
        let rest = &self.src[self.pos..];
        let bad = |this: &Self, len: usize| {
            Err(this.error(
                esc_start,
                len,
                "invalid unicode escape; expected `\\u{` then 1 to 6 hex digits and `}`",
            ))
        };
        let Some(body) = rest.strip_prefix('{') else {
            return bad(self, 2);
        };
        let Some(end) = body.find('}') else {
            return bad(self, 2);
        };
        let hex = &body[..end];
        if hex.is_empty() || hex.len() > 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return bad(self, 2);
        }
        let Some(c) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) else {
            return Err(self.error(
                esc_start,
                4 + hex.len(),
                format!("`\\u{{{hex}}}` is not a Unicode scalar value"),
            ));
        };
        self.pos += end + 2;
        Ok(c)
    }
}

impl LexError {
    fn with_help(mut self, help: &'static str) -> Self {
        self.help = Some(help);
        self
    }
}

fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("`{c}`")
    }
}
