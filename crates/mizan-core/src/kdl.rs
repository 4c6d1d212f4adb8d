//! KDL text shared by the IR writer and shape descriptions (`docs/ir.md`).

use std::fmt::Write as _;

/// A KDL v2 string literal: quoted, with the escapes the IR needs.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}') =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_quotes_controls_and_bidi_but_keep_unicode() {
        assert_eq!(
            string_literal("a\"b\\c\nd\u{1}é\u{202E}"),
            "\"a\\\"b\\\\c\\nd\\u{1}é\\u{202e}\""
        );
    }
}
