//! Canonical JSON straight from [`Serialize`], without a [`Value`] tree.
//!
//! [`to_canonical_string`] gives exactly the bytes of
//! `canonical_json(&serde_json::to_value(x)?)`: it accepts what `to_value`
//! accepts, rejects what it rejects, and follows its choices (map keys from
//! integers, bools and chars become strings; NaN and infinities become `null`;
//! of two equal keys in one object the last wins).
//!
//! Everything is written into one output buffer. An object's entries are
//! written in the order they arrive, each as `"key":value`, and remembered as
//! (key, byte range). At the object's end nothing more happens if the keys
//! already ascend (a struct whose fields are declared in order, a `BTreeMap`);
//! otherwise the entries' text is moved aside once and written back sorted.
//! The entry list, the map-key text and that scratch space are stacks shared
//! by all objects of one call, so a whole value costs a handful of
//! allocations however many objects it holds.
//!
//! serde_json's `arbitrary_precision` feature (numbers as strings) is not
//! supported: with it, `serde_json::Number` would come out as an object.

use std::fmt;
use std::sync::OnceLock;

use serde::ser::{self, Impossible, Serialize};
use serde_json::Value;

use super::{write_canonical_json, write_js_number, write_json_string, write_json_string_contents};
use crate::error::MizanError;

/// The struct name (and field name) under which `serde_json`'s `RawValue`
/// serializes itself; `to_value` parses the field's string as JSON.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// The canonical JSON text (../shared/spec/PROTOCOL.md §5) of any serializable value.
///
/// Equal, byte for byte, to
/// [`canonical_json`](super::canonical_json)`(&serde_json::to_value(value)?)`,
/// and fails exactly where `serde_json::to_value` fails, but writes the text
/// directly instead of building a [`Value`] first.
///
/// ```
/// use mizan_core::canonical::to_canonical_string;
/// use std::collections::HashMap;
///
/// let map = HashMap::from([(10, "ten"), (2, "two"), (-1, "é\n")]);
/// // Integer keys become strings, sorted by their bytes: "-1" < "10" < "2".
/// assert_eq!(
///     to_canonical_string(&map).unwrap(),
///     r#"{"-1":"é\n","10":"ten","2":"two"}"#
/// );
/// assert_eq!(to_canonical_string(&(f64::NAN, -0.0, 1e21)).unwrap(), "[null,0,1e+21]");
/// ```
///
/// # Errors
///
/// What `serde_json::to_value` rejects: a map key that is not a string, an
/// integer, a bool, a char, a finite float or a unit variant (or a newtype
/// around one of those); an `i128`/`u128` outside the `i64`/`u64` range; a
/// `RawValue` that is not JSON; and any error the value's own `Serialize`
/// implementation raises.
pub fn to_canonical_string<T: Serialize + ?Sized>(value: &T) -> Result<String, CanonicalError> {
    let mut out = String::with_capacity(128);
    write_canonical(value, &mut out)?;
    Ok(out)
}

/// Appends [`to_canonical_string`]`(value)` to `out`.
///
/// On error `out` is left as it was.
///
/// ```
/// use mizan_core::canonical::write_canonical;
///
/// let mut out = String::from("data=");
/// write_canonical(&Some([1u8, 2]), &mut out).unwrap();
/// assert_eq!(out, "data=[1,2]");
/// ```
///
/// # Errors
///
/// As [`to_canonical_string`].
pub fn write_canonical<T: Serialize + ?Sized>(
    value: &T,
    out: &mut String,
) -> Result<(), CanonicalError> {
    let len = out.len();
    let mut writer = Writer {
        out,
        entries: Vec::new(),
        keys: String::new(),
        scratch: String::new(),
    };
    let result = value.serialize(&mut writer);
    if result.is_err() {
        writer.out.truncate(len);
    }
    result
}

/// Why a value has no canonical JSON: the cases in which
/// `serde_json::to_value` fails too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalError {
    kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ErrorKind {
    KeyMustBeAString,
    FloatKeyMustBeFinite,
    NumberOutOfRange,
    ValueBeforeKey,
    InvalidRawValue(String),
    Custom(String),
}

impl CanonicalError {
    const fn new(kind: ErrorKind) -> Self {
        Self { kind }
    }
}

impl fmt::Display for CanonicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::KeyMustBeAString => f.write_str("key must be a string"),
            ErrorKind::FloatKeyMustBeFinite => {
                f.write_str("float key must be finite (got NaN or +/-inf)")
            }
            ErrorKind::NumberOutOfRange => f.write_str("number out of range"),
            ErrorKind::ValueBeforeKey => f.write_str("map value serialized before its key"),
            ErrorKind::InvalidRawValue(reason) => write!(f, "invalid raw JSON value: {reason}"),
            ErrorKind::Custom(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for CanonicalError {}

impl ser::Error for CanonicalError {
    fn custom<M: fmt::Display>(message: M) -> Self {
        Self::new(ErrorKind::Custom(message.to_string()))
    }
}

impl From<CanonicalError> for MizanError {
    fn from(err: CanonicalError) -> Self {
        MizanError::internal(format!("cannot serialize as canonical JSON: {err}"))
    }
}

/// An object entry's key, for sorting: a struct field's name, or a map key's
/// unescaped text in [`Writer::keys`].
#[derive(Clone, Copy)]
enum Key {
    Static(&'static str),
    Arena { start: usize, end: usize },
}

impl Key {
    fn bytes<'k>(&self, keys: &'k str) -> &'k [u8] {
        match *self {
            Key::Static(name) => name.as_bytes(),
            Key::Arena { start, end } => &keys.as_bytes()[start..end],
        }
    }

    fn text<'k>(&self, keys: &'k str) -> &'k str {
        match *self {
            Key::Static(name) => name,
            Key::Arena { start, end } => &keys[start..end],
        }
    }
}

/// One written `"key":value`: its key and its bytes in the output.
#[derive(Clone, Copy)]
struct Entry {
    key: Key,
    start: usize,
    end: usize,
}

/// The serializer's state; `&mut Writer` is the [`ser::Serializer`].
struct Writer<'o> {
    out: &'o mut String,
    /// Entries of the objects being written, innermost last.
    entries: Vec<Entry>,
    /// Unescaped map keys of the objects being written, innermost last.
    keys: String,
    /// Where an unsorted object's entries are moved while being reordered.
    scratch: String,
}

impl<'a, 'o> ser::Serializer for &'a mut Writer<'o> {
    type Ok = ();
    type Error = CanonicalError;

    type SerializeSeq = Seq<'a, 'o>;
    type SerializeTuple = Seq<'a, 'o>;
    type SerializeTupleStruct = Seq<'a, 'o>;
    type SerializeTupleVariant = Seq<'a, 'o>;
    type SerializeMap = Object<'a, 'o>;
    type SerializeStruct = Struct<'a, 'o>;
    type SerializeStructVariant = Object<'a, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), CanonicalError> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), CanonicalError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<(), CanonicalError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<(), CanonicalError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<(), CanonicalError> {
        push_i64(v, self.out);
        Ok(())
    }

    fn serialize_i128(self, v: i128) -> Result<(), CanonicalError> {
        if let Ok(v) = u64::try_from(v) {
            push_u64(v, self.out);
        } else if let Ok(v) = i64::try_from(v) {
            push_i64(v, self.out);
        } else {
            return Err(CanonicalError::new(ErrorKind::NumberOutOfRange));
        }
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), CanonicalError> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<(), CanonicalError> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<(), CanonicalError> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<(), CanonicalError> {
        push_u64(v, self.out);
        Ok(())
    }

    fn serialize_u128(self, v: u128) -> Result<(), CanonicalError> {
        let v = u64::try_from(v).map_err(|_| CanonicalError::new(ErrorKind::NumberOutOfRange))?;
        push_u64(v, self.out);
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<(), CanonicalError> {
        // `to_value` widens an f32 to the f64 of the same value.
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), CanonicalError> {
        if v.is_finite() {
            write_js_number(v, self.out);
        } else {
            // `to_value` has no number for NaN and the infinities.
            self.out.push_str("null");
        }
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), CanonicalError> {
        let mut buffer = [0; 4];
        write_json_string(v.encode_utf8(&mut buffer), self.out);
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), CanonicalError> {
        write_json_string(v, self.out);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), CanonicalError> {
        self.out.push('[');
        for (i, &byte) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_u64(u64::from(byte), self.out);
        }
        self.out.push(']');
        Ok(())
    }

    fn serialize_none(self) -> Result<(), CanonicalError> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), CanonicalError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), CanonicalError> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), CanonicalError> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), CanonicalError> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push('}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a, 'o>, CanonicalError> {
        self.out.push('[');
        Ok(Seq {
            writer: self,
            first: true,
            close: "]",
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Seq<'a, 'o>, CanonicalError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Seq<'a, 'o>, CanonicalError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Seq<'a, 'o>, CanonicalError> {
        self.open_variant(variant);
        self.out.push('[');
        Ok(Seq {
            writer: self,
            first: true,
            close: "]}",
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a, 'o>, CanonicalError> {
        Ok(Object::open(self, "}"))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Struct<'a, 'o>, CanonicalError> {
        if name == RAW_VALUE_TOKEN && raw_value_is_parsed() {
            let start = self.out.len();
            return Ok(Struct::Raw {
                writer: self,
                start,
                written: false,
            });
        }
        Ok(Struct::Object(Object::open(self, "}")))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Object<'a, 'o>, CanonicalError> {
        self.open_variant(variant);
        Ok(Object::open(self, "}}"))
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), CanonicalError> {
        use fmt::Write as _;
        self.out.push('"');
        // `Escaped` cannot fail; an error could only come from `value`'s
        // `Display`, which `to_string` (and so `to_value`) would panic on.
        write!(Escaped(self.out), "{value}").map_err(|_| display_failed())?;
        self.out.push('"');
        Ok(())
    }
}

impl Writer<'_> {
    /// Writes `{"variant":`, the start of an externally tagged variant.
    fn open_variant(&mut self, variant: &str) {
        self.out.push('{');
        write_json_string(variant, self.out);
        self.out.push(':');
    }
}

/// A `fmt::Write` that appends JSON-escaped text (without quotes).
struct Escaped<'s>(&'s mut String);

impl fmt::Write for Escaped<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_json_string_contents(s, self.0);
        Ok(())
    }
}

/// Arrays: sequences, tuples, tuple structs and tuple variants.
struct Seq<'a, 'o> {
    writer: &'a mut Writer<'o>,
    first: bool,
    /// `]`, or `]}` for a tuple variant.
    close: &'static str,
}

impl Seq<'_, '_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        if !self.first {
            self.writer.out.push(',');
        }
        self.first = false;
        value.serialize(&mut *self.writer)
    }

    fn close(self) {
        self.writer.out.push_str(self.close);
    }
}

impl ser::SerializeSeq for Seq<'_, '_> {
    type Ok = ();
    type Error = CanonicalError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.element(value)
    }

    fn end(self) -> Result<(), CanonicalError> {
        self.close();
        Ok(())
    }
}

impl ser::SerializeTuple for Seq<'_, '_> {
    type Ok = ();
    type Error = CanonicalError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.element(value)
    }

    fn end(self) -> Result<(), CanonicalError> {
        self.close();
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Seq<'_, '_> {
    type Ok = ();
    type Error = CanonicalError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.element(value)
    }

    fn end(self) -> Result<(), CanonicalError> {
        self.close();
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Seq<'_, '_> {
    type Ok = ();
    type Error = CanonicalError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        self.element(value)
    }

    fn end(self) -> Result<(), CanonicalError> {
        self.close();
        Ok(())
    }
}

/// Objects: maps, structs and struct variants.
struct Object<'a, 'o> {
    writer: &'a mut Writer<'o>,
    /// Where this object's entries begin in `writer.entries`.
    entries_base: usize,
    /// Where this object's map keys begin in `writer.keys`.
    keys_base: usize,
    /// Where the first entry begins in the output (just after `{`).
    start: usize,
    /// A map key waiting for its value.
    pending: Option<Key>,
    /// `}`, or `}}` for a struct variant.
    close: &'static str,
}

impl<'a, 'o> Object<'a, 'o> {
    fn open(writer: &'a mut Writer<'o>, close: &'static str) -> Self {
        writer.out.push('{');
        Object {
            entries_base: writer.entries.len(),
            keys_base: writer.keys.len(),
            start: writer.out.len(),
            writer,
            pending: None,
            close,
        }
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: Key, value: &T) -> Result<(), CanonicalError> {
        let writer = &mut *self.writer;
        if writer.entries.len() > self.entries_base {
            writer.out.push(',');
        }
        let start = writer.out.len();
        write_json_string(key.text(&writer.keys), writer.out);
        writer.out.push(':');
        value.serialize(&mut *writer)?;
        let end = writer.out.len();
        writer.entries.push(Entry { key, start, end });
        Ok(())
    }

    /// Sorts the entries if they are not in order yet, and closes the object.
    fn close(self) {
        let Writer {
            out,
            entries,
            keys: keys_text,
            scratch,
        } = &mut *self.writer;
        let keys: &str = keys_text;
        let list = &mut entries[self.entries_base..];
        let ascending = list
            .windows(2)
            .all(|pair| pair[0].key.bytes(keys) < pair[1].key.bytes(keys));
        if !ascending {
            // Equal keys keep their order of arrival (ties broken by offset),
            // so the last of each run is the one `to_value` keeps.
            list.sort_unstable_by(|a, b| {
                a.key
                    .bytes(keys)
                    .cmp(b.key.bytes(keys))
                    .then(a.start.cmp(&b.start))
            });
            scratch.clear();
            scratch.push_str(&out[self.start..]);
            out.truncate(self.start);
            let mut first = true;
            for (i, entry) in list.iter().enumerate() {
                let superseded = list
                    .get(i + 1)
                    .is_some_and(|next| next.key.bytes(keys) == entry.key.bytes(keys));
                if superseded {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&scratch[entry.start - self.start..entry.end - self.start]);
            }
        }
        out.push_str(self.close);
        entries.truncate(self.entries_base);
        keys_text.truncate(self.keys_base);
    }
}

impl ser::SerializeMap for Object<'_, '_> {
    type Ok = ();
    type Error = CanonicalError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Self::Error> {
        let keys = &mut self.writer.keys;
        let start = keys.len();
        key.serialize(KeyWriter(keys))?;
        self.pending = Some(Key::Arena {
            start,
            end: keys.len(),
        });
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        let key = self
            .pending
            .take()
            .ok_or(CanonicalError::new(ErrorKind::ValueBeforeKey))?;
        self.entry(key, value)
    }

    fn end(self) -> Result<(), CanonicalError> {
        // Like `to_value`, a key that never got its value is dropped.
        self.close();
        Ok(())
    }
}

impl ser::SerializeStructVariant for Object<'_, '_> {
    type Ok = ();
    type Error = CanonicalError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        self.entry(Key::Static(key), value)
    }

    fn end(self) -> Result<(), CanonicalError> {
        self.close();
        Ok(())
    }
}

/// Structs: an object, or `serde_json`'s `RawValue`.
enum Struct<'a, 'o> {
    /// Any other struct.
    Object(Object<'a, 'o>),
    /// A `RawValue`: its one field is JSON text, written canonically.
    Raw {
        /// The serializer.
        writer: &'a mut Writer<'o>,
        /// Where the value begins in the output.
        start: usize,
        /// Whether the field came.
        written: bool,
    },
}

impl ser::SerializeStruct for Struct<'_, '_> {
    type Ok = ();
    type Error = CanonicalError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        match self {
            Struct::Object(object) => object.entry(Key::Static(key), value),
            Struct::Raw {
                writer,
                start,
                written,
            } => {
                if key != RAW_VALUE_TOKEN {
                    return Err(invalid_raw_value("unexpected field"));
                }
                writer.out.truncate(*start);
                value.serialize(RawWriter(writer.out))?;
                *written = true;
                Ok(())
            }
        }
    }

    fn end(self) -> Result<(), CanonicalError> {
        match self {
            Struct::Object(object) => {
                object.close();
                Ok(())
            }
            Struct::Raw { written: true, .. } => Ok(()),
            Struct::Raw { written: false, .. } => Err(invalid_raw_value("no JSON text")),
        }
    }
}

/// Whether this build's `serde_json::to_value` parses `RawValue`s (its
/// `raw_value` feature is on); without it they are plain structs.
fn raw_value_is_parsed() -> bool {
    struct Probe;
    impl Serialize for Probe {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeStruct as _;
            let mut raw = serializer.serialize_struct(RAW_VALUE_TOKEN, 1)?;
            raw.serialize_field(RAW_VALUE_TOKEN, "true")?;
            raw.end()
        }
    }
    static PARSED: OnceLock<bool> = OnceLock::new();
    *PARSED.get_or_init(|| matches!(serde_json::to_value(Probe), Ok(Value::Bool(true))))
}

fn display_failed() -> CanonicalError {
    CanonicalError::new(ErrorKind::Custom(
        "a Display implementation returned an error".to_owned(),
    ))
}

fn invalid_raw_value(reason: &str) -> CanonicalError {
    CanonicalError::new(ErrorKind::InvalidRawValue(reason.to_owned()))
}

/// Appends the decimal digits of `v`.
fn push_u64(mut v: u64, out: &mut String) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        // `v % 10` is a single digit.
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&digit| char::from(digit)));
}

fn push_i64(v: i64, out: &mut String) {
    if v < 0 {
        out.push('-');
    }
    push_u64(v.unsigned_abs(), out);
}

/// Generates the methods of a serializer that rejects the listed kinds.
macro_rules! reject {
    ($error:expr; $($method:ident($($arg:ident: $ty:ty),*) -> $ok:ty;)*) => {
        $(
            fn $method(self, $($arg: $ty),*) -> Result<$ok, CanonicalError> {
                $(let _ = $arg;)*
                Err($error)
            }
        )*
    };
}

/// Writes a map key's unescaped text, as `to_value` turns keys into strings.
struct KeyWriter<'k>(&'k mut String);

fn key_must_be_a_string() -> CanonicalError {
    CanonicalError::new(ErrorKind::KeyMustBeAString)
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = CanonicalError;

    type SerializeSeq = Impossible<(), CanonicalError>;
    type SerializeTuple = Impossible<(), CanonicalError>;
    type SerializeTupleStruct = Impossible<(), CanonicalError>;
    type SerializeTupleVariant = Impossible<(), CanonicalError>;
    type SerializeMap = Impossible<(), CanonicalError>;
    type SerializeStruct = Impossible<(), CanonicalError>;
    type SerializeStructVariant = Impossible<(), CanonicalError>;

    fn serialize_bool(self, v: bool) -> Result<(), CanonicalError> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), CanonicalError> {
        push_i64(i64::from(v), self.0);
        Ok(())
    }

    fn serialize_i16(self, v: i16) -> Result<(), CanonicalError> {
        push_i64(i64::from(v), self.0);
        Ok(())
    }

    fn serialize_i32(self, v: i32) -> Result<(), CanonicalError> {
        push_i64(i64::from(v), self.0);
        Ok(())
    }

    fn serialize_i64(self, v: i64) -> Result<(), CanonicalError> {
        push_i64(v, self.0);
        Ok(())
    }

    fn serialize_i128(self, v: i128) -> Result<(), CanonicalError> {
        // As keys, 128-bit integers are text and have no range limit.
        use fmt::Write as _;
        let _ = write!(self.0, "{v}");
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), CanonicalError> {
        push_u64(u64::from(v), self.0);
        Ok(())
    }

    fn serialize_u16(self, v: u16) -> Result<(), CanonicalError> {
        push_u64(u64::from(v), self.0);
        Ok(())
    }

    fn serialize_u32(self, v: u32) -> Result<(), CanonicalError> {
        push_u64(u64::from(v), self.0);
        Ok(())
    }

    fn serialize_u64(self, v: u64) -> Result<(), CanonicalError> {
        push_u64(v, self.0);
        Ok(())
    }

    fn serialize_u128(self, v: u128) -> Result<(), CanonicalError> {
        use fmt::Write as _;
        let _ = write!(self.0, "{v}");
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<(), CanonicalError> {
        float_key(v, v.is_finite(), self.0)
    }

    fn serialize_f64(self, v: f64) -> Result<(), CanonicalError> {
        float_key(v, v.is_finite(), self.0)
    }

    fn serialize_char(self, v: char) -> Result<(), CanonicalError> {
        self.0.push(v);
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), CanonicalError> {
        self.0.push_str(v);
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), CanonicalError> {
        self.0.push_str(variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        value.serialize(self)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), CanonicalError> {
        Err(key_must_be_a_string())
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), CanonicalError> {
        Err(key_must_be_a_string())
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), CanonicalError> {
        use fmt::Write as _;
        write!(self.0, "{value}").map_err(|_| display_failed())
    }

    reject! { key_must_be_a_string();
        serialize_bytes(v: &[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(name: &'static str) -> ();
        serialize_seq(len: Option<usize>) -> Impossible<(), CanonicalError>;
        serialize_tuple(len: usize) -> Impossible<(), CanonicalError>;
        serialize_tuple_struct(name: &'static str, len: usize) -> Impossible<(), CanonicalError>;
        serialize_tuple_variant(name: &'static str, index: u32, variant: &'static str, len: usize)
            -> Impossible<(), CanonicalError>;
        serialize_map(len: Option<usize>) -> Impossible<(), CanonicalError>;
        serialize_struct(name: &'static str, len: usize) -> Impossible<(), CanonicalError>;
        serialize_struct_variant(name: &'static str, index: u32, variant: &'static str, len: usize)
            -> Impossible<(), CanonicalError>;
    }
}

/// A finite float map key, spelled exactly as `to_value` spells it (its
/// shortest-representation formatter, which is not JavaScript's layout).
/// Rare enough to ask `to_value` itself.
fn float_key<F: Serialize>(v: F, finite: bool, keys: &mut String) -> Result<(), CanonicalError> {
    struct OneKey<F>(F);
    impl<F: Serialize> Serialize for OneKey<F> {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeMap as _;
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry(&self.0, &())?;
            map.end()
        }
    }
    if !finite {
        return Err(CanonicalError::new(ErrorKind::FloatKeyMustBeFinite));
    }
    match serde_json::to_value(OneKey(v)) {
        Ok(Value::Object(map)) => match map.into_iter().next() {
            Some((key, _)) => {
                keys.push_str(&key);
                Ok(())
            }
            None => Err(ser::Error::custom("float key vanished")),
        },
        Ok(_) => Err(ser::Error::custom("float key did not make an object")),
        Err(err) => Err(ser::Error::custom(err)),
    }
}

/// Writes a `RawValue`'s JSON text canonically, as `to_value` parses it.
struct RawWriter<'w>(&'w mut String);

impl ser::Serializer for RawWriter<'_> {
    type Ok = ();
    type Error = CanonicalError;

    type SerializeSeq = Impossible<(), CanonicalError>;
    type SerializeTuple = Impossible<(), CanonicalError>;
    type SerializeTupleStruct = Impossible<(), CanonicalError>;
    type SerializeTupleVariant = Impossible<(), CanonicalError>;
    type SerializeMap = Impossible<(), CanonicalError>;
    type SerializeStruct = Impossible<(), CanonicalError>;
    type SerializeStructVariant = Impossible<(), CanonicalError>;

    fn serialize_str(self, v: &str) -> Result<(), CanonicalError> {
        let value: Value =
            serde_json::from_str(v).map_err(|err| invalid_raw_value(&err.to_string()))?;
        write_canonical_json(&value, self.0);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), CanonicalError> {
        Err(invalid_raw_value("not a string"))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _value: &T,
    ) -> Result<(), CanonicalError> {
        Err(invalid_raw_value("not a string"))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), CanonicalError> {
        Err(invalid_raw_value("not a string"))
    }

    reject! { invalid_raw_value("not a string");
        serialize_bool(v: bool) -> ();
        serialize_i8(v: i8) -> ();
        serialize_i16(v: i16) -> ();
        serialize_i32(v: i32) -> ();
        serialize_i64(v: i64) -> ();
        serialize_u8(v: u8) -> ();
        serialize_u16(v: u16) -> ();
        serialize_u32(v: u32) -> ();
        serialize_u64(v: u64) -> ();
        serialize_f32(v: f32) -> ();
        serialize_f64(v: f64) -> ();
        serialize_char(v: char) -> ();
        serialize_bytes(v: &[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(name: &'static str) -> ();
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str) -> ();
        serialize_seq(len: Option<usize>) -> Impossible<(), CanonicalError>;
        serialize_tuple(len: usize) -> Impossible<(), CanonicalError>;
        serialize_tuple_struct(name: &'static str, len: usize) -> Impossible<(), CanonicalError>;
        serialize_tuple_variant(name: &'static str, index: u32, variant: &'static str, len: usize)
            -> Impossible<(), CanonicalError>;
        serialize_map(len: Option<usize>) -> Impossible<(), CanonicalError>;
        serialize_struct(name: &'static str, len: usize) -> Impossible<(), CanonicalError>;
        serialize_struct_variant(name: &'static str, index: u32, variant: &'static str, len: usize)
            -> Impossible<(), CanonicalError>;
    }
}

#[cfg(test)]
mod tests;
