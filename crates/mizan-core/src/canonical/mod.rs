//! Canonical strings and canonical JSON (../shared/spec/PROTOCOL.md §5).
//!
//! Wherever a value is compared or hashed as text (scoped matching, the
//! `X-Mizan-Invalidate` header, cache keys, the manifest), every
//! implementation of Mizan must produce the same bytes. The rules follow what
//! a TypeScript implementation gets from `String(x)` and `JSON.stringify`, so
//! that both sides agree without a shared library:
//!
//! ```
//! use mizan_core::canonical::{canonical_json, canonical_string, js_number_to_string};
//! use serde_json::json;
//!
//! assert_eq!(js_number_to_string(0.1 + 0.2), "0.30000000000000004");
//! assert_eq!(canonical_string(&json!(5.0)), "5");
//! assert_eq!(canonical_json(&json!({"b": [1, true], "a": "Zoë"})), r#"{"a":"Zoë","b":[1,true]}"#);
//! ```
//!
//! Integers beyond ±2^53 are written exactly; a JavaScript peer holds them as
//! doubles and so cannot agree on them. Keep identifiers that large in strings.
//!
//! A value that is not yet a [`Value`] goes straight to canonical JSON with
//! [`to_canonical_string`] / [`write_canonical`], which give the same bytes as
//! `canonical_json(&serde_json::to_value(x)?)` without building the tree:
//!
//! ```
//! use mizan_core::canonical::to_canonical_string;
//!
//! #[derive(serde::Serialize)]
//! struct Reply { text: &'static str, count: u32 }
//!
//! let json = to_canonical_string(&Reply { text: "hi", count: 2 }).unwrap();
//! assert_eq!(json, r#"{"count":2,"text":"hi"}"#);
//! ```

mod ser;

use std::fmt::Write as _;

use serde_json::{Number, Value};

pub use ser::{CanonicalError, to_canonical_string, write_canonical};

/// Formats `x` exactly as ECMAScript's `Number.prototype.toString()` (and so
/// `String(x)`) does.
///
/// The digits are the shortest that round-trip to `x` (closest to `x` when
/// several are equally short); the layout follows ECMA-262 `Number::toString`:
/// plain decimal for exponents in `[-7, 21)`, otherwise `d.ddde±n`. `-0`
/// formats as `"0"`, NaN as `"NaN"`, infinities as `"Infinity"` and
/// `"-Infinity"`.
///
/// ```
/// use mizan_core::canonical::js_number_to_string;
///
/// assert_eq!(js_number_to_string(100.0), "100");
/// assert_eq!(js_number_to_string(1e21), "1e+21");
/// assert_eq!(js_number_to_string(1.5e-7), "1.5e-7");
/// assert_eq!(js_number_to_string(0.000001), "0.000001");
/// ```
pub fn js_number_to_string(x: f64) -> String {
    let mut out = String::new();
    write_js_number(x, &mut out);
    out
}

/// Appends [`js_number_to_string`]`(x)` to `out`.
fn write_js_number(x: f64, out: &mut String) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x == 0.0 {
        // Both +0 and -0: ECMAScript prints neither sign.
        out.push('0');
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    // ryu finds the same digits ECMAScript asks for (shortest round-trip,
    // nearest on ties); only its layout differs, so take the digits and the
    // exponent from it and lay them out again.
    let mut buffer = ryu::Buffer::new();
    let (digits, point) = shortest_digits(buffer.format_finite(x.abs()));
    write_ecmascript_layout(&digits, point, out);
}

/// Splits a finite, non-zero decimal such as `"1.5e-7"` or `"100.0"` into its
/// significant digits (no leading or trailing zeros) and the position `n` of
/// the decimal point, so that the value is `0.d1d2d3… × 10^n`.
fn shortest_digits(repr: &str) -> (String, i32) {
    let (mantissa, exponent) = match repr.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i32>().unwrap_or(0)),
        None => (repr, 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = integer.chars().chain(fraction.chars()).collect();
    let trimmed_start = all.trim_start_matches('0');
    let leading_zeros = all.len() - trimmed_start.len();
    let digits = trimmed_start.trim_end_matches('0').to_owned();
    // Digit counts of an f64 are tiny (< 800), so these casts cannot truncate.
    let point = integer.len() as i32 - leading_zeros as i32 + exponent;
    (digits, point)
}

/// ECMA-262 `Number::toString(x)` steps 6–12 for `x = 0.digits × 10^point`.
fn write_ecmascript_layout(digits: &str, point: i32, out: &mut String) {
    let k = digits.len() as i32;
    let n = point;
    if k <= n && n <= 21 {
        out.push_str(digits);
        push_zeros(out, n - k);
    } else if 0 < n && n <= 21 {
        let (head, tail) = digits.split_at(n as usize);
        out.push_str(head);
        out.push('.');
        out.push_str(tail);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        push_zeros(out, -n);
        out.push_str(digits);
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = n - 1;
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        // Writing to a String cannot fail.
        let _ = write!(out, "{}", e.unsigned_abs());
    }
}

fn push_zeros(out: &mut String, count: i32) {
    for _ in 0..count {
        out.push('0');
    }
}

/// The canonical string of a value (../shared/spec/PROTOCOL.md §5): a string as itself, an
/// integer in decimal, a float as [`js_number_to_string`] (so `5.0` is `"5"`),
/// `true` / `false`, `null`; arrays and objects as their [`canonical_json`].
///
/// ```
/// use mizan_core::canonical::canonical_string;
/// use serde_json::json;
///
/// assert_eq!(canonical_string(&json!("a b")), "a b");
/// assert_eq!(canonical_string(&json!(-7)), "-7");
/// assert_eq!(canonical_string(&json!(1e21)), "1e+21");
/// assert_eq!(canonical_string(&json!(null)), "null");
/// ```
pub fn canonical_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => canonical_json(other),
    }
}

/// The canonical JSON text of a value (../shared/spec/PROTOCOL.md §5): UTF-8, object keys
/// sorted by byte order, no whitespace, non-ASCII characters unescaped.
///
/// Strings are escaped exactly as JavaScript's `JSON.stringify` escapes them,
/// and numbers are written as in [`canonical_string`], so the output equals
/// `JSON.stringify` of the same value with its keys sorted.
///
/// ```
/// use mizan_core::canonical::canonical_json;
/// use serde_json::json;
///
/// let value = json!({"z": 0.5, "a": {"y": null, "x": "tab\there"}});
/// assert_eq!(canonical_json(&value), r#"{"a":{"x":"tab\there","y":null},"z":0.5}"#);
/// ```
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical_json(value, &mut out);
    out
}

/// Appends [`canonical_json`]`(value)` to `out`.
pub fn write_canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => write_number(number, out),
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // `str` orders by bytes, which is the order the spec pins; sort
            // here rather than trusting the map, whose order depends on
            // serde_json's `preserve_order` feature.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_canonical_json(item, out);
            }
            out.push('}');
        }
    }
}

fn write_number(number: &Number, out: &mut String) {
    // Writing to a String cannot fail.
    if let Some(i) = number.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = number.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(x) = number.as_f64() {
        write_js_number(x, out);
    } else {
        // Unreachable with serde_json's standard features; keep the text.
        let _ = write!(out, "{number}");
    }
}

/// Appends `s` as a JSON string literal, escaped exactly as JavaScript's
/// `JSON.stringify` escapes it: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`,
/// other control characters below U+0020 as lowercase `\u00xx`, and
/// everything else (non-ASCII included) as itself.
///
/// ```
/// use mizan_core::canonical::write_json_string;
///
/// let mut out = String::new();
/// write_json_string("é\"\u{1}", &mut out);
/// assert_eq!(out, r#""é\"\u0001""#);
/// ```
pub fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    write_json_string_contents(s, out);
    out.push('"');
}

/// [`write_json_string`] without the quotes: appends `s` escaped.
fn write_json_string_contents(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, byte) in s.bytes().enumerate() {
        let short = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, hence on a char boundary.
        out.push_str(&s[start..i]);
        if short.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// Lowercase hexadecimal, the spelling every digest in the protocol uses
/// (cache keys, `pkey`).
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Outputs of `String(x)` in Node.js v20, typed in from a REPL.
    #[test]
    fn js_number_to_string_matches_known_javascript_outputs() {
        let cases: &[(f64, &str)] = &[
            (0.1 + 0.2, "0.30000000000000004"),
            (0.1, "0.1"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123e-20, "1.23e-18"),
            (5e-324, "5e-324"),
            (-5e-324, "-5e-324"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-1.7976931348623157e308, "-1.7976931348623157e+308"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (0.0000015, "0.0000015"),
            (123456789012345680000.0, "123456789012345680000"),
            (100.0, "100"),
            (5.0, "5"),
            (-5.0, "-5"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.5, "0.5"),
            (123.456, "123.456"),
            (1e100, "1e+100"),
            (1.2e-100, "1.2e-100"),
            (9007199254740992.0, "9007199254740992"),
            (9007199254740993.0, "9007199254740992"),
            (2f64.powi(70), "1.1805916207174113e+21"),
            (999999999999999900000.0, "999999999999999900000"),
            (4.35, "4.35"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0 / 3.0, "0.6666666666666666"),
            (std::f64::consts::PI, "3.141592653589793"),
            (-0.0000001, "-1e-7"),
            (1234.5678e10, "12345678000000"),
        ];
        for &(x, expected) in cases {
            assert_eq!(js_number_to_string(x), expected, "String({x:e})");
        }
    }

    #[test]
    fn js_number_to_string_special_values() {
        assert_eq!(js_number_to_string(0.0), "0");
        assert_eq!(js_number_to_string(-0.0), "0");
        assert_eq!(js_number_to_string(f64::NAN), "NaN");
        assert_eq!(js_number_to_string(-f64::NAN), "NaN");
        assert_eq!(js_number_to_string(f64::INFINITY), "Infinity");
        assert_eq!(js_number_to_string(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn js_number_to_string_layout_boundaries() {
        // Exponent 20 is the last plain one, 21 switches to e-notation.
        assert_eq!(js_number_to_string(1.5e20), "150000000000000000000");
        assert_eq!(js_number_to_string(1.5e21), "1.5e+21");
        // 1e-6 is the last plain one below 1, 1e-7 switches.
        assert_eq!(js_number_to_string(1.25e-6), "0.00000125");
        assert_eq!(js_number_to_string(9.5e-7), "9.5e-7");
    }

    #[test]
    fn js_number_to_string_round_trips() {
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = f64::from_bits(state);
            if !x.is_finite() {
                continue;
            }
            let text = js_number_to_string(x);
            let back: f64 = text.parse().unwrap_or(f64::NAN);
            // -0 prints as "0", everything else comes back bit for bit.
            assert!(back == x, "{text} did not round-trip");
        }
    }

    #[test]
    fn canonical_string_per_kind() {
        assert_eq!(canonical_string(&json!("héllo \"x\"")), "héllo \"x\"");
        assert_eq!(canonical_string(&json!(42)), "42");
        assert_eq!(canonical_string(&json!(-42)), "-42");
        assert_eq!(canonical_string(&json!(u64::MAX)), "18446744073709551615");
        assert_eq!(canonical_string(&json!(i64::MIN)), "-9223372036854775808");
        assert_eq!(canonical_string(&json!(5.0)), "5");
        assert_eq!(canonical_string(&json!(-0.0)), "0");
        assert_eq!(canonical_string(&json!(0.1)), "0.1");
        assert_eq!(canonical_string(&json!(true)), "true");
        assert_eq!(canonical_string(&json!(false)), "false");
        assert_eq!(canonical_string(&json!(null)), "null");
        assert_eq!(canonical_string(&json!([1, "a", 2.5])), r#"[1,"a",2.5]"#);
        assert_eq!(
            canonical_string(&json!({"b": 1, "a": 2})),
            r#"{"a":2,"b":1}"#
        );
    }

    #[test]
    fn canonical_json_sorts_keys_by_bytes_at_every_depth() {
        let value = json!({
            "b": {"z": 1, "y": [{"d": 1, "c": 2}]},
            "B": 0,
            "a": [],
            "é": 1,
            "\u{ff61}": 2,
            "\u{1f600}": 3,
        });
        // UTF-8 byte order: "B" < "a" < "b" < "é" (c3) < U+FF61 (ef) < U+1F600 (f0).
        // (JavaScript's default sort would put U+1F600 before U+FF61.)
        assert_eq!(
            canonical_json(&value),
            "{\"B\":0,\"a\":[],\"b\":{\"y\":[{\"c\":2,\"d\":1}],\"z\":1},\"é\":1,\"\u{ff61}\":2,\"\u{1f600}\":3}"
        );
    }

    #[test]
    fn canonical_json_escapes_like_json_stringify() {
        let all_controls: String = (0u8..0x20).map(char::from).collect();
        assert_eq!(
            canonical_json(&json!(all_controls)),
            concat!(
                "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007",
                "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f",
                "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017",
                "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"",
            )
        );
        assert_eq!(canonical_json(&json!("a\"b\\c/d")), r#""a\"b\\c/d""#);
        // DEL, U+2028/2029 and astral characters are not escaped by JSON.stringify.
        assert_eq!(
            canonical_json(&json!("\u{7f}\u{2028}\u{2029}😀ü")),
            "\"\u{7f}\u{2028}\u{2029}😀ü\""
        );
        assert_eq!(canonical_json(&json!({"k\n": "v"})), r#"{"k\n":"v"}"#);
    }

    #[test]
    fn canonical_json_numbers_and_scalars() {
        let value = json!([
            0,
            -1,
            5.0,
            0.5,
            1e21,
            1e-7,
            -0.0,
            true,
            false,
            null,
            u64::MAX
        ]);
        assert_eq!(
            canonical_json(&value),
            "[0,-1,5,0.5,1e+21,1e-7,0,true,false,null,18446744073709551615]"
        );
        assert_eq!(canonical_json(&json!({})), "{}");
        assert_eq!(canonical_json(&json!([])), "[]");
        assert_eq!(canonical_json(&json!("")), "\"\"");
    }

    #[test]
    fn write_canonical_json_appends() {
        let mut out = String::from("x=");
        write_canonical_json(&json!({"a": 1}), &mut out);
        assert_eq!(out, r#"x={"a":1}"#);
    }

    #[test]
    fn lower_hex_spells_bytes() {
        assert_eq!(lower_hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(lower_hex(&[]), "");
    }
}
