//! `to_canonical_string(x)` against `canonical_json(&to_value(x))`, case by
//! case through serde's data model and then on thousands of random values.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Serialize;
use serde::ser::{SerializeMap as _, SerializeStruct as _, Serializer};
use serde_json::{Value, json};

use super::{CanonicalError, RAW_VALUE_TOKEN, to_canonical_string, write_canonical};
use crate::canonical::canonical_json;
use crate::error::MizanError;

/// What the tree route gives: `canonical_json(&to_value(x))`.
fn via_value<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_value(value).map(|tree| canonical_json(&tree))
}

/// Asserts both routes agree, and returns the text.
#[track_caller]
fn same<T: Serialize + ?Sized>(value: &T) -> String {
    match (to_canonical_string(value), via_value(value)) {
        (Ok(direct), Ok(tree)) => {
            assert_eq!(direct, tree);
            direct
        }
        (direct, tree) => panic!("direct {direct:?} but via Value {tree:?}"),
    }
}

/// Asserts both routes fail, and returns the direct route's error.
#[track_caller]
fn both_fail<T: Serialize + ?Sized>(value: &T) -> CanonicalError {
    match (to_canonical_string(value), via_value(value)) {
        (Err(direct), Err(_)) => direct,
        (direct, tree) => panic!("direct {direct:?} but via Value {tree:?}"),
    }
}

#[derive(Serialize)]
struct Renamed {
    zeta: u8,
    #[serde(rename = "Alpha")]
    alpha: &'static str,
    #[serde(rename = "é")]
    accent: bool,
    middle: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<i32>,
    #[serde(rename = "a\nb")]
    escaped: (),
}

#[test]
fn struct_fields_sort_by_wire_name() {
    let value = Renamed {
        zeta: 1,
        alpha: "x",
        accent: true,
        middle: None,
        skipped: None,
        escaped: (),
    };
    // "A" < "a\nb" < "middle" < "zeta" < "é" (0xc3).
    assert_eq!(
        same(&value),
        r#"{"Alpha":"x","a\nb":null,"middle":null,"zeta":1,"é":true}"#
    );
}

#[derive(Serialize)]
struct InOrder {
    a: u8,
    b: Vec<u8>,
    c: InOrderInner,
}

#[derive(Serialize)]
struct InOrderInner {
    x: &'static str,
    y: f64,
}

#[test]
fn already_sorted_structs_pass_straight_through() {
    let value = InOrder {
        a: 1,
        b: vec![2, 3],
        c: InOrderInner { x: "q", y: 0.5 },
    };
    assert_eq!(same(&value), r#"{"a":1,"b":[2,3],"c":{"x":"q","y":0.5}}"#);
}

#[test]
fn maps_with_string_keys_sort_by_bytes() {
    let map: HashMap<String, u32> = ["b", "B", "", "é", "\u{ff61}", "\u{1f600}", "a", "ab"]
        .iter()
        .enumerate()
        .map(|(i, k)| ((*k).to_owned(), u32::try_from(i).unwrap_or(0)))
        .collect();
    assert_eq!(
        same(&map),
        "{\"\":2,\"B\":1,\"a\":6,\"ab\":7,\"b\":0,\"é\":3,\"\u{ff61}\":4,\"\u{1f600}\":5}"
    );
    let empty: BTreeMap<String, u8> = BTreeMap::new();
    assert_eq!(same(&empty), "{}");
    // Keys that need escaping sort by their unescaped bytes: "\t" (0x09) < "!" < "\"".
    let map = BTreeMap::from([("\"", 1), ("!", 2), ("\t", 3), ("\\", 4)]);
    assert_eq!(same(&map), r#"{"\t":3,"!":2,"\"":1,"\\":4}"#);
}

#[derive(Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyVariant {
    Low,
    #[serde(rename = "HIGH")]
    High,
}

#[derive(Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct KeyNewtype(i16);

#[test]
fn maps_with_integer_bool_char_keys_become_strings() {
    assert_eq!(
        same(&HashMap::from([(10, 'a'), (2, 'b'), (-1, 'c')])),
        r#"{"-1":"c","10":"a","2":"b"}"#
    );
    assert_eq!(
        same(&BTreeMap::from([(true, 1), (false, 0)])),
        r#"{"false":0,"true":1}"#
    );
    assert_eq!(
        same(&BTreeMap::from([('z', 1), ('"', 2), ('\u{1}', 3)])),
        r#"{"\u0001":3,"\"":2,"z":1}"#
    );
    same(&BTreeMap::from([(i8::MIN, 0), (i8::MAX, 1)]));
    same(&BTreeMap::from([(i16::MIN, 0), (u16::MAX as i16, 1)]));
    same(&BTreeMap::from([(i32::MIN, 0)]));
    same(&BTreeMap::from([(i64::MIN, 0), (i64::MAX, 1)]));
    same(&BTreeMap::from([(u8::MAX, 0)]));
    same(&BTreeMap::from([(u16::MAX, 0)]));
    same(&BTreeMap::from([(u32::MAX, 0)]));
    same(&BTreeMap::from([(u64::MAX, 0)]));
    // As keys, 128-bit integers have no range limit.
    assert_eq!(
        same(&BTreeMap::from([(i128::MIN, 0)])),
        r#"{"-170141183460469231731687303715884105728":0}"#
    );
    same(&BTreeMap::from([(u128::MAX, 0)]));
    assert_eq!(
        same(&BTreeMap::from([
            (KeyVariant::Low, 1),
            (KeyVariant::High, 2)
        ])),
        r#"{"HIGH":2,"Low":1}"#
    );
    assert_eq!(same(&BTreeMap::from([(KeyNewtype(7), 1)])), r#"{"7":1}"#);
}

/// Serializes as a one-entry map with the given key.
struct KeyOf<K>(K);

impl<K: Serialize> Serialize for KeyOf<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(&self.0, "v")?;
        map.end()
    }
}

#[test]
fn float_keys_are_spelled_as_to_value_spells_them() {
    for x in [
        1.0,
        0.1,
        -0.0,
        1e21,
        1e-7,
        5e-324,
        123.456,
        f64::MAX,
        0.1 + 0.2,
    ] {
        same(&KeyOf(x));
    }
    for x in [1.0f32, 0.1, 16_777_216.0, f32::MIN_POSITIVE] {
        same(&KeyOf(x));
    }
    for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let err = both_fail(&KeyOf(x));
        assert_eq!(
            err.to_string(),
            "float key must be finite (got NaN or +/-inf)"
        );
    }
    both_fail(&KeyOf(f32::NAN));
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct StructKey {
    a: u8,
}

#[derive(Serialize)]
enum Shape {
    Dot,
    Circle(f64),
    Rect(u8, u8),
    Named { z: i8, a: Option<&'static str> },
}

#[test]
fn non_string_keys_fail_like_to_value() {
    let err = both_fail(&BTreeMap::from([(StructKey { a: 1 }, 2)]));
    assert_eq!(err.to_string(), "key must be a string");
    both_fail(&KeyOf(Some("a")));
    both_fail(&KeyOf(None::<&str>));
    both_fail(&KeyOf(()));
    both_fail(&KeyOf(KeyUnit));
    both_fail(&KeyOf(vec![1]));
    both_fail(&KeyOf((1, 2)));
    both_fail(&KeyOf(Shape::Circle(1.0)));
    both_fail(&KeyOf(Shape::Rect(1, 2)));
    both_fail(&KeyOf(Shape::Named { z: 1, a: None }));
    both_fail(&KeyOf(BTreeMap::from([("a", 1)])));
    both_fail(&KeyOf(Bytes(b"ab")));
    // A unit variant is a fine key.
    assert_eq!(same(&KeyOf(Shape::Dot)), r#"{"Dot":"v"}"#);
}

#[derive(Serialize)]
struct KeyUnit;

#[derive(Serialize)]
struct Unit;

#[derive(Serialize)]
struct Newtype(Vec<u8>);

#[derive(Serialize)]
struct Pair(i32, &'static str);

#[test]
fn options_units_and_newtypes() {
    assert_eq!(same(&None::<u8>), "null");
    assert_eq!(same(&Some(3)), "3");
    assert_eq!(same(&Some(Some("x"))), r#""x""#);
    assert_eq!(same(&()), "null");
    assert_eq!(same(&Unit), "null");
    assert_eq!(same(&Newtype(vec![1, 2])), "[1,2]");
    assert_eq!(same(&Pair(-4, "b")), r#"[-4,"b"]"#);
    assert_eq!(same(&(1, "two", 3.5, ())), r#"[1,"two",3.5,null]"#);
    assert_eq!(same(&Vec::<u8>::new()), "[]");
    assert_eq!(same(&[[1, 2], [3, 4]]), "[[1,2],[3,4]]");
}

#[test]
fn enum_variants_are_externally_tagged() {
    assert_eq!(same(&Shape::Dot), r#""Dot""#);
    assert_eq!(same(&Shape::Circle(2.5)), r#"{"Circle":2.5}"#);
    assert_eq!(same(&Shape::Rect(1, 2)), r#"{"Rect":[1,2]}"#);
    assert_eq!(
        same(&Shape::Named {
            z: -1,
            a: Some("q")
        }),
        r#"{"Named":{"a":"q","z":-1}}"#
    );
    assert_eq!(
        same(&vec![Shape::Named { z: 0, a: None }, Shape::Dot]),
        r#"[{"Named":{"a":null,"z":0}},"Dot"]"#
    );
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Internally {
    First { zz: u8, aa: u8 },
    Second(BTreeMap<String, u8>),
    Third,
}

#[derive(Serialize)]
#[serde(tag = "t", content = "c")]
enum Adjacently {
    Value(Vec<u8>),
    Fields { y: bool, x: bool },
}

#[derive(Serialize)]
#[serde(untagged)]
enum Untagged {
    Number(f64),
    Struct { b: u8, a: u8 },
}

#[test]
fn other_enum_representations() {
    assert_eq!(
        same(&Internally::First { zz: 1, aa: 2 }),
        r#"{"aa":2,"type":"first","zz":1}"#
    );
    assert_eq!(
        same(&Internally::Second(BTreeMap::from([("u".to_owned(), 1)]))),
        r#"{"type":"second","u":1}"#
    );
    assert_eq!(same(&Internally::Third), r#"{"type":"third"}"#);
    assert_eq!(
        same(&Adjacently::Value(vec![1])),
        r#"{"c":[1],"t":"Value"}"#
    );
    assert_eq!(
        same(&Adjacently::Fields { y: true, x: false }),
        r#"{"c":{"x":false,"y":true},"t":"Fields"}"#
    );
    assert_eq!(same(&Untagged::Number(1e21)), "1e+21");
    assert_eq!(same(&Untagged::Struct { b: 1, a: 2 }), r#"{"a":2,"b":1}"#);
}

/// Serializes through `serialize_bytes`.
struct Bytes(&'static [u8]);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

#[test]
fn bytes_and_chars() {
    assert_eq!(same(&Bytes(&[0, 1, 255])), "[0,1,255]");
    assert_eq!(same(&Bytes(&[])), "[]");
    assert_eq!(same(&'x'), r#""x""#);
    assert_eq!(same(&'"'), r#""\"""#);
    assert_eq!(same(&'\u{1f}'), r#""\u001f""#);
    assert_eq!(same(&'😀'), "\"😀\"");
}

#[test]
fn integers_at_their_limits() {
    assert_eq!(same(&i8::MIN), "-128");
    assert_eq!(same(&i16::MIN), "-32768");
    assert_eq!(same(&i32::MIN), "-2147483648");
    assert_eq!(same(&i64::MIN), "-9223372036854775808");
    assert_eq!(same(&i64::MAX), "9223372036854775807");
    assert_eq!(same(&u8::MAX), "255");
    assert_eq!(same(&u16::MAX), "65535");
    assert_eq!(same(&u32::MAX), "4294967295");
    assert_eq!(same(&u64::MAX), "18446744073709551615");
    assert_eq!(same(&0u64), "0");
    assert_eq!(same(&0i64), "0");
    assert_eq!(same(&-1i64), "-1");
    assert_eq!(same(&i128::from(i64::MIN)), "-9223372036854775808");
    assert_eq!(same(&i128::from(u64::MAX)), "18446744073709551615");
    assert_eq!(same(&u128::from(u64::MAX)), "18446744073709551615");
    assert_eq!(same(&-5i128), "-5");
    let err = both_fail(&(i128::from(i64::MIN) - 1));
    assert_eq!(err.to_string(), "number out of range");
    both_fail(&(i128::from(u64::MAX) + 1));
    both_fail(&(u128::from(u64::MAX) + 1));
    both_fail(&vec![Some(i128::MAX)]);
}

#[test]
fn floats_follow_javascript_and_to_value() {
    assert_eq!(same(&(0.1 + 0.2)), "0.30000000000000004");
    assert_eq!(same(&1e21), "1e+21");
    assert_eq!(same(&1e20), "100000000000000000000");
    assert_eq!(same(&5e-324), "5e-324");
    assert_eq!(same(&-0.0), "0");
    assert_eq!(same(&5.0), "5");
    assert_eq!(same(&-1.5e-7), "-1.5e-7");
    assert_eq!(same(&f64::MAX), "1.7976931348623157e+308");
    // NaN and the infinities have no JSON number: `to_value` makes them null.
    assert_eq!(same(&f64::NAN), "null");
    assert_eq!(same(&f64::INFINITY), "null");
    assert_eq!(same(&f64::NEG_INFINITY), "null");
    // f32 widens to the f64 of the same value, as in `to_value`.
    assert_eq!(same(&0.1f32), "0.10000000149011612");
    assert_eq!(same(&-0.0f32), "0");
    assert_eq!(same(&f32::NAN), "null");
    assert_eq!(same(&f32::MAX), "3.4028234663852886e+38");
}

#[test]
fn strings_escape_like_json_stringify() {
    let all_controls: String = (0u8..0x20).map(char::from).collect();
    same(&all_controls);
    assert_eq!(same(&"a\"b\\c/d"), r#""a\"b\\c/d""#);
    assert_eq!(
        same(&"\u{7f}\u{2028}\u{2029}😀ü"),
        "\"\u{7f}\u{2028}\u{2029}😀ü\""
    );
    assert_eq!(same(&""), r#""""#);
}

#[test]
fn json_values_round_trip_sorted() {
    let value = json!({
        "b": {"z": 1, "y": [{"d": 1, "c": 2}]},
        "B": 0,
        "a": [],
        "é": 1.5,
        "\u{ff61}": null,
        "\u{1f600}": "x",
        "n": [u64::MAX, i64::MIN, 0.1, -0.0, 1e21],
    });
    let text = same(&value);
    assert_eq!(text, canonical_json(&value));
    assert!(text.starts_with(r#"{"B":0,"a":[],"b":{"y":[{"c":2,"d":1}],"z":1}"#));
    assert_eq!(same(&json!({})), "{}");
    assert_eq!(same(&json!(null)), "null");
    // Values nested in typed data too.
    same(&BTreeMap::from([(
        "k",
        json!({"y": 1, "x": [json!({"q": 1, "p": 2})]}),
    )]));
}

#[derive(Serialize)]
struct Flat {
    zeta: u8,
    #[serde(flatten)]
    inner: FlatInner,
    #[serde(flatten)]
    extra: BTreeMap<String, Value>,
    alpha: u8,
}

#[derive(Serialize)]
struct FlatInner {
    mid: &'static str,
    #[serde(rename = "Upper")]
    upper: Option<u8>,
    #[serde(flatten)]
    deeper: Option<Shape>,
}

#[test]
fn flattened_structs_sort_too() {
    let value = Flat {
        zeta: 1,
        inner: FlatInner {
            mid: "m",
            upper: None,
            deeper: Some(Shape::Named { z: 3, a: None }),
        },
        extra: BTreeMap::from([("beta".to_owned(), json!({"y": 1, "x": 2}))]),
        alpha: 2,
    };
    assert_eq!(
        same(&value),
        r#"{"Named":{"a":null,"z":3},"Upper":null,"alpha":2,"beta":{"x":2,"y":1},"mid":"m","zeta":1}"#
    );
}

#[test]
fn flattened_collisions_keep_the_last() {
    // `alpha` comes from the flattened map first, then from the field.
    let value = Flat {
        zeta: 1,
        inner: FlatInner {
            mid: "m",
            upper: Some(1),
            deeper: None,
        },
        extra: BTreeMap::from([
            ("alpha".to_owned(), json!("from map")),
            ("zeta".to_owned(), json!("from map")),
        ]),
        alpha: 2,
    };
    // serde writes zeta, then the flattened entries, then alpha.
    assert_eq!(
        same(&value),
        r#"{"Upper":1,"alpha":2,"mid":"m","zeta":"from map"}"#
    );
}

/// A map with the given entries, duplicates and all, in this order.
struct Entries(Vec<(&'static str, Value)>);

impl Serialize for Entries {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[test]
fn duplicate_keys_keep_the_last() {
    let value = Entries(vec![
        ("b", json!(1)),
        ("a", json!({"y": 1, "x": 2})),
        ("b", json!(2)),
        ("a", json!([3])),
        ("c", json!(null)),
        ("b", json!(3)),
    ]);
    assert_eq!(same(&value), r#"{"a":[3],"b":3,"c":null}"#);
    // Duplicates that are already in order are found too.
    let value = Entries(vec![("a", json!(1)), ("a", json!(2)), ("b", json!(3))]);
    assert_eq!(same(&value), r#"{"a":2,"b":3}"#);
}

/// Calls `serialize_key` for a key that never gets its value.
struct DanglingKey;

impl Serialize for DanglingKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("b", &1)?;
        map.serialize_key("lost")?;
        map.serialize_key("a")?;
        map.serialize_value(&2)?;
        map.serialize_key("z")?;
        map.end()
    }
}

#[test]
fn keys_without_values_are_dropped_like_to_value() {
    assert_eq!(same(&DanglingKey), r#"{"a":2,"b":1}"#);
}

/// A `Display` type serialized through `collect_str`.
struct Shown(&'static str);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.0)
    }
}

impl Serialize for Shown {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[test]
fn collect_str_escapes_its_output() {
    assert_eq!(same(&Shown("a\"\n😀")), r#""<a\"\n😀>""#);
    assert_eq!(same(&KeyOf(Shown("k\t"))), r#"{"<k\t>":"v"}"#);
    let ip: std::net::IpAddr = [127, 0, 0, 1].into();
    assert_eq!(same(&ip), r#""127.0.0.1""#);
    same(&std::time::Duration::from_millis(1500));
}

/// Serializes the way `serde_json::value::RawValue` does.
struct FakeRaw(&'static str);

impl Serialize for FakeRaw {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut raw = serializer.serialize_struct(RAW_VALUE_TOKEN, 1)?;
        raw.serialize_field(RAW_VALUE_TOKEN, self.0)?;
        raw.end()
    }
}

#[test]
fn raw_values_are_parsed_like_to_value() {
    same(&FakeRaw(r#" {"b": [1.50, 2e3], "a": "\u00e9\n"} "#));
    same(&BTreeMap::from([
        ("z", FakeRaw("1")),
        ("y", FakeRaw("[true]")),
    ]));
    if super::raw_value_is_parsed() {
        assert_eq!(same(&FakeRaw(r#"{"b":1,"a":2.50}"#)), r#"{"a":2.5,"b":1}"#);
        both_fail(&FakeRaw("{not json"));
    }
}

/// Fails in its own `Serialize`.
struct Refuses;

impl Serialize for Refuses {
    fn serialize<S: Serializer>(&self, _serializer: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("refused"))
    }
}

/// Written up to `z`, which fails.
#[derive(Serialize)]
struct FailsHalfway {
    b: Value,
    a: Vec<u8>,
    z: Refuses,
}

#[test]
fn errors_leave_the_output_untouched() {
    let value = FailsHalfway {
        b: json!({"y": [1, {"q": 2}], "x": "s"}),
        a: vec![1],
        z: Refuses,
    };
    let mut out = String::from("keep");
    let err = write_canonical(&value, &mut out).err();
    assert_eq!(err.map(|e| e.to_string()).as_deref(), Some("refused"));
    assert_eq!(out, "keep");
    both_fail(&value);
}

#[test]
fn write_canonical_appends() {
    let mut out = String::from("x=");
    assert!(write_canonical(&json!({"b": 1, "a": 2}), &mut out).is_ok());
    assert_eq!(out, r#"x={"a":2,"b":1}"#);
}

#[test]
fn errors_convert_to_internal_mizan_errors() {
    let err = both_fail(&BTreeMap::from([(vec![1u8], 1)]));
    let mizan: MizanError = err.clone().into();
    assert_eq!(
        mizan,
        MizanError::internal("cannot serialize as canonical JSON: key must be a string")
    );
    let source: &dyn std::error::Error = &err;
    assert_eq!(source.to_string(), "key must be a string");
}

// ---------------------------------------------------------------------------
// Random values: both routes agree on thousands of them.

/// xorshift64*: small, deterministic, good enough to pick shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn float(&mut self) -> f64 {
        match self.below(4) {
            0 => self.pick(SPECIAL_FLOATS),
            1 => f64::from_bits(self.next()),
            2 => (self.next() % 20_000) as f64 / 100.0 - 100.0,
            _ => (self.next() % 1000) as f64 * 10f64.powi(self.below(60) as i32 - 30),
        }
    }

    fn finite_float(&mut self) -> f64 {
        let x = self.float();
        if x.is_finite() { x } else { 0.5 }
    }

    fn string(&mut self) -> String {
        (0..self.below(6))
            .map(|_| self.pick(STRING_PIECES))
            .collect()
    }

    fn key(&mut self) -> String {
        if self.chance(60) {
            self.pick(KEY_POOL).to_owned()
        } else {
            self.string()
        }
    }

    fn integer(&mut self) -> i64 {
        match self.below(3) {
            0 => self.next() as i64,
            1 => (self.next() % 2001) as i64 - 1000,
            _ => self.pick(&[0, -1, 1, i64::MIN, i64::MAX, 9_007_199_254_740_993]),
        }
    }
}

const SPECIAL_FLOATS: &[f64] = &[
    0.1 + 0.2,
    0.1,
    1e21,
    1e20,
    1.5e21,
    5e-324,
    -5e-324,
    -0.0,
    0.0,
    1e-7,
    1.5e-7,
    0.000001,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    123_456_789_012_345_680_000.0,
    9_007_199_254_740_993.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
];

const STRING_PIECES: &[&str] = &[
    "a",
    "b",
    "z",
    "A",
    "Z",
    "0",
    "9",
    " ",
    "\"",
    "\\",
    "/",
    "\n",
    "\t",
    "\r",
    "\u{0}",
    "\u{8}",
    "\u{c}",
    "\u{1f}",
    "\u{7f}",
    "é",
    "ü",
    "\u{2028}",
    "\u{ff61}",
    "😀",
    "\u{10ffff}",
    "key",
];

const KEY_POOL: &[&str] = &[
    "",
    "a",
    "b",
    "B",
    "aa",
    "ID",
    "userName",
    "score",
    "tags",
    "é",
    "\u{1f600}",
    "\u{ff61}",
    "a\n",
    "zeta",
];

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let kinds = if depth == 0 { 6 } else { 9 };
    match rng.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => json!(rng.integer()),
        3 => json!(rng.next() | (1 << 63)),
        4 => json!(rng.finite_float()),
        5 => Value::String(rng.string()),
        6 => Value::Array(
            (0..rng.below(5))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(7))
                .map(|_| (rng.key(), random_value(rng, depth - 1)))
                .collect(),
        ),
    }
}

/// Iteration order fixed from run to run, but not sorted.
type FixedHashMap<K, V> =
    HashMap<K, V, std::hash::BuildHasherDefault<std::collections::hash_map::DefaultHasher>>;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    user_name: String,
    #[serde(rename = "ID")]
    id: i64,
    score: f64,
    ratio: f32,
    maybe: Option<Box<Record>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    tags: Vec<String>,
    by_id: FixedHashMap<u32, Kind>,
    by_name: BTreeMap<String, Option<f64>>,
    by_char: FixedHashMap<char, bool>,
    by_bool: BTreeMap<bool, i8>,
    by_big: BTreeMap<i128, ()>,
    kinds: Vec<Kind>,
    tagged: Tagged,
    tuple: (u8, String, f64),
    big: i128,
    unsigned_big: u128,
    payload: Value,
    #[serde(flatten)]
    extra: FixedHashMap<String, Value>,
}

#[derive(Serialize)]
enum Kind {
    Plain,
    #[serde(rename = "w")]
    Wrapped(f64),
    Pair(i16, String),
    Full {
        zed: Option<u64>,
        #[serde(rename = "Ä")]
        nested: Vec<Kind>,
        by_key: FixedHashMap<String, f32>,
    },
}

#[derive(Serialize)]
#[serde(tag = "kind")]
enum Tagged {
    Circle { r: f64 },
    Square { side: u16, label: String },
    Other(BTreeMap<String, Value>),
}

fn random_kind(rng: &mut Rng, depth: usize) -> Kind {
    match rng.below(if depth == 0 { 3 } else { 4 }) {
        0 => Kind::Plain,
        1 => Kind::Wrapped(rng.float()),
        2 => Kind::Pair(rng.integer() as i16, rng.string()),
        _ => Kind::Full {
            zed: rng.chance(50).then(|| rng.next()),
            nested: (0..rng.below(3))
                .map(|_| random_kind(rng, depth - 1))
                .collect(),
            by_key: (0..rng.below(4))
                .map(|_| (rng.key(), f32::from_bits(rng.next() as u32)))
                .collect(),
        },
    }
}

fn random_record(rng: &mut Rng, depth: usize) -> Record {
    Record {
        user_name: rng.string(),
        id: rng.integer(),
        score: rng.float(),
        ratio: rng.float() as f32,
        maybe: (depth > 0 && rng.chance(40)).then(|| Box::new(random_record(rng, depth - 1))),
        note: rng.chance(50).then(|| rng.string()),
        tags: (0..rng.below(4)).map(|_| rng.string()).collect(),
        by_id: (0..rng.below(5))
            .map(|_| (rng.next() as u32 % 1000, random_kind(rng, 2)))
            .collect(),
        by_name: (0..rng.below(5))
            .map(|_| (rng.key(), rng.chance(70).then(|| rng.float())))
            .collect(),
        by_char: (0..rng.below(5))
            .map(|_| {
                (
                    rng.pick(&['a', 'Z', '"', '\n', 'é', '😀', '\u{0}']),
                    rng.chance(50),
                )
            })
            .collect(),
        by_bool: (0..rng.below(3))
            .map(|_| (rng.chance(50), rng.integer() as i8))
            .collect(),
        by_big: (0..rng.below(3))
            .map(|_| {
                (
                    (i128::from(rng.integer()) << 70) | i128::from(rng.next()),
                    (),
                )
            })
            .collect(),
        kinds: (0..rng.below(4)).map(|_| random_kind(rng, 2)).collect(),
        tagged: match rng.below(3) {
            0 => Tagged::Circle { r: rng.float() },
            1 => Tagged::Square {
                side: rng.next() as u16,
                label: rng.string(),
            },
            _ => Tagged::Other(
                (0..rng.below(4))
                    .map(|_| (rng.key(), random_value(rng, 1)))
                    .collect(),
            ),
        },
        tuple: (rng.next() as u8, rng.string(), rng.float()),
        // Now and then outside the i64/u64 range, where both routes fail.
        big: if rng.chance(3) {
            i128::MIN / 2 + i128::from(rng.integer())
        } else {
            i128::from(rng.integer())
        },
        unsigned_big: if rng.chance(3) {
            u128::MAX - u128::from(rng.next())
        } else {
            u128::from(rng.next())
        },
        payload: random_value(rng, 3),
        // Keys from the pool collide with the fields ("ID", "score", ...).
        extra: (0..rng.below(4))
            .map(|_| (rng.key(), random_value(rng, 2)))
            .collect(),
    }
}

/// Both routes give the same text, or both fail; true if they succeeded.
#[track_caller]
fn agree<T: Serialize + ?Sized>(value: &T) -> bool {
    match (to_canonical_string(value), via_value(value)) {
        (Result::Ok(direct), Result::Ok(tree)) => {
            assert_eq!(direct, tree);
            true
        }
        (Result::Err(_), Result::Err(_)) => false,
        (direct, tree) => panic!("direct {direct:?} but via Value {tree:?}"),
    }
}

#[test]
fn random_json_values_agree() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..5_000 {
        let value = random_value(&mut rng, 4);
        assert!(agree(&value));
        // Through a typed wrapper as well, so objects nest inside structs.
        assert!(agree(&(Some(&value), [&value])));
    }
}

#[test]
fn random_records_agree() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut succeeded = 0;
    let cases = 3_000;
    for _ in 0..cases {
        let record = random_record(&mut rng, 2);
        if agree(&record) {
            succeeded += 1;
        }
    }
    // Most succeed; the out-of-range integers make a few fail on both routes.
    assert!(
        succeeded > cases * 8 / 10,
        "only {succeeded} of {cases} serialized"
    );
    assert!(succeeded < cases, "no case exercised the error path");
}
