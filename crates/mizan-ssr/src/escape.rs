//! Writing values into HTML so that none of them can close the element it
//! is in, open a comment, or end a JavaScript string.

/// JSON text made safe to sit inside `<script>…</script>`: `<`, `>` and `&`
/// become `\u003c`, `\u003e` and `\u0026` (so no value can write
/// `</script>` or `<!--`), and U+2028 and U+2029 become `\u2028` and
/// `\u2029` (line terminators in older JavaScript). Outside strings JSON
/// has none of these characters, so the result is the same JSON value, and
/// the same JavaScript value.
///
/// ```
/// assert_eq!(
///     mizan_ssr::escape::script_json("{\"t\":\"</script><!--\u{2028}&\"}"),
///     r#"{"t":"\u003c/script\u003e\u003c!--\u2028\u0026"}"#
/// );
/// ```
pub fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text for an element's content or an attribute value in double quotes.
///
/// ```
/// assert_eq!(mizan_ssr::escape::html(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
/// ```
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_json_is_the_same_value() {
        let hostile =
            "</script><script>alert(1)</script><!-- \u{2028}\u{2029} & \"quoted\" </SCRIPT >";
        let json = serde_json::to_string(&serde_json::json!({ hostile: [hostile] })).expect("json");
        let escaped = script_json(&json);
        for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!escaped.contains(bad), "{bad:?} left in {escaped}");
        }
        let back: serde_json::Value = serde_json::from_str(&escaped).expect("still JSON");
        assert_eq!(back, serde_json::json!({ hostile: [hostile] }));
    }
}
