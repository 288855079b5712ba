//! The JSON codecs of every value that crosses the Wasm boundary (crate
//! `ghl-bridge-codec`, re-exported as `ghl_bridge::codec`).
//!
//! Why: serde's derive code is monomorphised per type and per (de)serializer, and it
//! drags in the formatting of every "invalid type" message (floats included); that was
//! most of the lean `ghl-bridge/client` module and the largest single part of the full
//! one. Here every type has one small decoder over an already parsed
//! [`serde_json::Value`] ([`FromJson`]) and one encoder into JSON text through one small
//! writer ([`Obj`], [`ToJson`]). Most types derive both (`#[derive(FromJson, ToJson)]`,
//! crate `ghl-bridge-codec-derive`): the derives read the same `#[serde(...)]`
//! attributes as serde's, so a type states its JSON shape once; the client's few types
//! keep the hand-written impls they had. The text itself is read by [`parse`], a small
//! reader that gives what `serde_json::from_str::<Value>` gives (serde_json's own reader
//! is a deserializer with visitors, positions and messages the module does not need; its
//! number reader still reads the numbers), and a [`Value`] is written by its [`ToJson`]
//! (what `serde_json::to_string` writes). The serde derives stay on the types: the native
//! side and the schemas use them, and the property tests (`tests/codec.rs`,
//! `tests/codec_derive.rs`) and the fuzz targets hold the two to the same results.
//! Beside them sit the few text helpers the client's code uses instead of core's and
//! alloc's ([`find_str`], [`join`], [`pointer`]), so the lean module holds no substring
//! searcher, no string-slicing panics and no second `join`; and the Unicode case
//! conversion every crate uses instead of std's tables ([`case`]).
//!
//! Invariants:
//! - A decoder accepts what the serde derive accepts (absent and `null` optional
//!   fields are `None`, a `#[serde(default)]` field may be absent but not `null`,
//!   unknown fields are ignored) and gives back the same value; the one difference:
//!   serde also reads a struct from a list of its fields in order, a decoder takes
//!   the documented shape, an object, only. The messages are the codec's own
//!   (`missing field 'id' at steps[0]`), not serde's wording.
//! - An encoder writes byte for byte what `serde_json::to_string` writes for the type
//!   (fields in declaration order, the same string escapes).
//! - Nothing here panics on any input; a value of the wrong shape is a [`DecodeError`]
//!   saying what was expected, what was found and where (`steps[2].params.path`).

use std::collections::{BTreeMap, BTreeSet};

pub use ghl_bridge_codec_derive::{FromJson, ToJson};
use serde_json::{Map, Value};

pub mod case;

/// A JSON value that does not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    reason: String,
    /// Where, outermost first (`.steps[2].id`); empty at the top.
    path: String,
}

impl DecodeError {
    /// `invalid type: <what v is>, expected <expected>`.
    pub fn invalid_type(v: &Value, expected: &str) -> Self {
        let got = match v {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        };
        DecodeError::new(["invalid type: ", got, ", expected ", expected].concat())
    }

    /// An error with this reason, at the top.
    pub fn new(reason: String) -> Self {
        DecodeError {
            reason,
            path: String::new(),
        }
    }

    /// `missing field '<name>'`.
    pub fn missing(name: &str) -> Self {
        DecodeError::new(["missing field '", name, "'"].concat())
    }

    /// `unknown field 'x', expected one of 'a', 'b'` (a type that refuses other fields).
    pub fn unknown_field(name: &str, expected: &[&str]) -> Self {
        DecodeError::new(["unknown field '", name, "', expected ", &one_of(expected)].concat())
    }

    /// `unknown variant 'x', expected one of 'a', 'b'`.
    pub fn unknown_variant(name: &str, expected: &[&str]) -> Self {
        DecodeError::new(["unknown variant '", name, "', expected ", &one_of(expected)].concat())
    }

    /// The same error one field further out.
    pub fn in_field(mut self, name: &str) -> Self {
        self.path.insert_str(0, name);
        self.path.insert(0, '.');
        self
    }

    fn in_item(mut self, index: usize) -> Self {
        self.path
            .insert_str(0, &["[", &index.to_string(), "]"].concat());
        self
    }

    /// What is wrong and where: `missing field 'id' at steps[0]`.
    pub fn message(&self) -> String {
        match self.path.strip_prefix('.').unwrap_or(&self.path) {
            "" => self.reason.clone(),
            at => [self.reason.as_str(), " at ", at].concat(),
        }
    }
}

/// A value read from parsed JSON (see the module doc for the rules).
pub trait FromJson: Sized {
    /// Reads `v`.
    fn from_json(v: Value) -> Result<Self, DecodeError>;

    /// The value of an absent field named `name` without a default: `missing field`,
    /// except for an `Option` (`None`), as serde reads it.
    fn missing(name: &str) -> Result<Self, DecodeError> {
        Err(DecodeError::missing(name))
    }
}

impl FromJson for Value {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        Ok(v)
    }
}

impl FromJson for String {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        match v {
            Value::String(s) => Ok(s),
            other => Err(DecodeError::invalid_type(&other, "a string")),
        }
    }
}

/// Whole numbers: a JSON number without a fraction (what `as_u64` / `as_i64` read),
/// within the type's range (its bounds given as text: no integer formatting for them).
macro_rules! whole_from_json {
    ($read:ident: $($t:ty => $range:expr),*) => {$(
        impl FromJson for $t {
            fn from_json(v: Value) -> Result<Self, DecodeError> {
                let n = v
                    .$read()
                    .ok_or_else(|| DecodeError::invalid_type(&v, "a whole number"))?;
                <$t>::try_from(n).map_err(|_| out_of_range(&n.to_string(), $range))
            }
        }
    )*};
}
whole_from_json!(as_u64: u8 => "up to 255", u16 => "up to 65535", u32 => "up to 4294967295",
    u64 => "up to 18446744073709551615", usize => USIZE_RANGE);
whole_from_json!(as_i64: i32 => "from -2147483648 to 2147483647",
    i64 => "from -9223372036854775808 to 9223372036854775807");

#[cfg(target_pointer_width = "32")]
const USIZE_RANGE: &str = "up to 4294967295";
#[cfg(not(target_pointer_width = "32"))]
const USIZE_RANGE: &str = "up to 18446744073709551615";

fn out_of_range(n: &str, range: &str) -> DecodeError {
    DecodeError::new(["invalid value: ", n, ", expected a number ", range].concat())
}

impl FromJson for f64 {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        v.as_f64()
            .ok_or_else(|| DecodeError::invalid_type(&v, "a number"))
    }
}

impl FromJson for bool {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        v.as_bool()
            .ok_or_else(|| DecodeError::invalid_type(&v, "a boolean"))
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        T::from_json(v).map(Box::new)
    }
}

impl<T: FromJson + Ord> FromJson for BTreeSet<T> {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        Vec::<T>::from_json(v).map(|items| items.into_iter().collect())
    }
}

impl<A: FromJson, B: FromJson> FromJson for (A, B) {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        match v {
            Value::Array(items) if items.len() == 2 => {
                let mut items = items.into_iter();
                match (items.next(), items.next()) {
                    (Some(a), Some(b)) => Ok((
                        A::from_json(a).map_err(|e| e.in_item(0))?,
                        B::from_json(b).map_err(|e| e.in_item(1))?,
                    )),
                    _ => Err(DecodeError::new("expected a list of two".to_string())),
                }
            }
            other => Err(DecodeError::invalid_type(&other, "a list of two")),
        }
    }
}

impl FromJson for Map<String, Value> {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        object(v)
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        match v {
            Value::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }

    fn missing(_: &str) -> Result<Self, DecodeError> {
        Ok(None)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        let Value::Array(items) = v else {
            return Err(DecodeError::invalid_type(&v, "a list"));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            out.push(T::from_json(item).map_err(|e| e.in_item(i))?);
        }
        Ok(out)
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        let mut out = BTreeMap::new();
        for (k, x) in object(v)? {
            let x = T::from_json(x).map_err(|e| e.in_field(&k))?;
            out.insert(k, x);
        }
        Ok(out)
    }
}

/// The fields of an object, or `invalid type ... expected an object`.
pub fn object(v: Value) -> Result<Map<String, Value>, DecodeError> {
    match v {
        Value::Object(map) => Ok(map),
        other => Err(DecodeError::invalid_type(&other, "an object")),
    }
}

/// Reads one field's value into `slot` (a field seen twice cannot happen: the parser
/// keeps the last).
pub fn field<T: FromJson>(slot: &mut Option<T>, name: &str, v: Value) -> Result<(), DecodeError> {
    *slot = Some(T::from_json(v).map_err(|e| e.in_field(name))?);
    Ok(())
}

/// A required field's value, or `missing field '<name>'`.
pub fn required<T>(slot: Option<T>, name: &str) -> Result<T, DecodeError> {
    slot.ok_or_else(|| DecodeError::missing(name))
}

/// `one of 'a', 'b'` (or `'a'` alone, or `nothing` when there is none).
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| ["'", n, "'"].concat()).collect();
    match quoted.len() {
        0 => "nothing".to_string(),
        1 => quoted.concat(),
        _ => ["one of ", &join(&quoted, ", ")].concat(),
    }
}

/// A value read from the fields of an enclosing object (what a `#[serde(flatten)]`
/// field reads, from the fields its struct's named fields left): a struct with named
/// fields (derived with [`FromJson`]) takes its own fields out, as serde takes a
/// flattened struct's fields, so a later flattened map does not see them again; a map
/// reads every field left and takes none.
pub trait FromJsonFields: Sized {
    /// Reads `Self` from `map`, taking out the fields it consumes.
    fn from_json_fields(map: &mut Map<String, Value>) -> Result<Self, DecodeError>;
}

impl FromJsonFields for Map<String, Value> {
    fn from_json_fields(map: &mut Map<String, Value>) -> Result<Self, DecodeError> {
        Ok(map.clone())
    }
}

impl FromJsonFields for Value {
    fn from_json_fields(map: &mut Map<String, Value>) -> Result<Self, DecodeError> {
        Ok(Value::Object(map.clone()))
    }
}

impl<T: FromJson> FromJsonFields for BTreeMap<String, T> {
    fn from_json_fields(map: &mut Map<String, Value>) -> Result<Self, DecodeError> {
        BTreeMap::from_json(Value::Object(map.clone()))
    }
}

/// What the derived decoders call (`#[derive(FromJson)]`); not for hand use.
#[doc(hidden)]
pub mod derive {
    use super::{DecodeError, FromJson};
    pub use serde_json::{Map, Value};

    /// The object's fields, or `invalid type: <found>, expected <expected>`.
    pub fn object(v: Value, expected: &str) -> Result<Map<String, Value>, DecodeError> {
        match v {
            Value::Object(map) => Ok(map),
            other => Err(DecodeError::invalid_type(&other, expected)),
        }
    }

    /// A field's value read as `T`, errors placed at the field.
    pub fn field<T: FromJson>(v: Value, name: &str) -> Result<T, DecodeError> {
        T::from_json(v).map_err(|e| e.in_field(name))
    }

    /// The field `name` taken out of the object (one call, not the map's search
    /// inlined at every field).
    pub fn take(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
        map.remove(name)
    }

    /// A field's value read as `T`; on an error, `None` and the error kept in `err`
    /// unless one is there already (one instance per field type, shared by every
    /// type with such a field).
    pub fn slot<T: FromJson>(v: Value, name: &str, err: &mut Option<DecodeError>) -> Option<T> {
        record(T::from_json(v), name, err)
    }

    /// An absent field without a default ([`FromJson::missing`]), as [`slot`].
    pub fn missing<T: FromJson>(name: &str, err: &mut Option<DecodeError>) -> Option<T> {
        match T::missing(name) {
            Ok(v) => Some(v),
            Err(e) => fail(err, e),
        }
    }

    /// A result as a slot: the error placed at `name` (unless empty) and kept.
    pub fn record<T>(
        r: Result<T, DecodeError>,
        name: &str,
        err: &mut Option<DecodeError>,
    ) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) if name.is_empty() => fail(err, e),
            Err(e) => fail(err, e.in_field(name)),
        }
    }

    /// Keeps `e` unless an earlier error is kept already; `None`.
    pub fn fail<T>(err: &mut Option<DecodeError>, e: DecodeError) -> Option<T> {
        if err.is_none() {
            *err = Some(e);
        }
        None
    }

    /// The kept error (there is one whenever a slot is empty).
    pub fn first(err: Option<DecodeError>) -> DecodeError {
        err.unwrap_or_else(|| DecodeError::new("invalid value".to_string()))
    }

    /// A field read by its own function (`#[json(decode_with)]`), errors placed at it.
    pub fn at<T>(r: Result<T, DecodeError>, name: &str) -> Result<T, DecodeError> {
        r.map_err(|e| e.in_field(name))
    }

    /// A field's value under its name or one alias: refused when given under both
    /// (serde's `duplicate field`).
    pub fn one_of_names(
        first: Option<Value>,
        other: Option<Value>,
        name: &str,
    ) -> Result<Option<Value>, DecodeError> {
        match (first, other) {
            (Some(_), Some(_)) => Err(DecodeError::new(["duplicate field '", name, "'"].concat())),
            (a, b) => Ok(a.or(b)),
        }
    }

    /// The variant name of an internally tagged object, taken out of it.
    pub fn tag(map: &mut Map<String, Value>, tag: &str) -> Result<String, DecodeError> {
        match map.remove(tag) {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(DecodeError::invalid_type(&other, "a variant name").in_field(tag)),
            None => Err(DecodeError::missing(tag)),
        }
    }
}

/// A value written as JSON text (see the module doc for the rules).
pub trait ToJson {
    /// Appends the JSON text of `self` to `out`.
    fn write_json(&self, out: &mut String);
}

/// The JSON text of a value.
pub fn to_json<T: ToJson + ?Sized>(v: &T) -> String {
    let mut out = String::new();
    v.write_json(&mut out);
    out
}

/// A value as a [`Value`] (what `serde_json::to_value` gives): its text read back, so
/// there is one writer per type. Text the writer wrote always parses; nesting deeper
/// than the reader allows (more than [`STORED_NESTING`] levels, which nothing the core
/// builds reaches) gives `null`.
pub fn to_value<T: ToJson + ?Sized>(v: &T) -> Value {
    parse(&to_json(v), STORED_NESTING).unwrap_or(Value::Null)
}

/// The nesting [`to_value`] reads back.
pub const STORED_NESTING: usize = 4096;

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl ToJson for u64 {
    fn write_json(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
}

/// Every unsigned integer written by `u64`'s one formatter, every signed one by `i64`'s.
macro_rules! int_to_json {
    ($wide:ty: $($t:ty),*) => {$(
        impl ToJson for $t {
            fn write_json(&self, out: &mut String) {
                out.push_str(&(*self as $wide).to_string());
            }
        }
    )*};
}
int_to_json!(u64: u8, u16, u32, usize);
int_to_json!(i64: i32, i64);

impl ToJson for f64 {
    /// The shortest form that reads back (what serde_json writes), `null` when not finite.
    fn write_json(&self, out: &mut String) {
        match serde_json::Number::from_f64(*self) {
            Some(n) => out.push_str(&n.to_string()),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl<T: ToJson + ?Sized> ToJson for Box<T> {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl<T: ToJson> ToJson for BTreeSet<T> {
    fn write_json(&self, out: &mut String) {
        write_items(self.iter(), out);
    }
}

/// `[a,b,...]`: the items written one after another.
fn write_items<'a, T: ToJson + 'a>(items: impl Iterator<Item = &'a T>, out: &mut String) {
    out.push('[');
    for (i, v) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        v.write_json(out);
    }
    out.push(']');
}

impl<A: ToJson, B: ToJson> ToJson for (A, B) {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        self.0.write_json(out);
        out.push(',');
        self.1.write_json(out);
        out.push(']');
    }
}

impl ToJson for Map<String, Value> {
    fn write_json(&self, out: &mut String) {
        let mut o = Obj::begin(out);
        self.write_fields(&mut o);
        o.end();
    }
}

impl ToJson for Value {
    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => b.write_json(out),
            // Integers as digits, floats in the shortest form that reads back (what
            // serde_json's writer writes; a `Number` is never NaN nor infinite).
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::String(s) => write_str(out, s),
            Value::Array(items) => items.write_json(out),
            Value::Object(map) => map.write_json(out),
        }
    }
}

/// A value whose fields can be written into an enclosing object: a struct with named
/// fields (derived with [`ToJson`]) or a map; what `#[serde(flatten)]` fields and the
/// newtype variants of internally tagged enums write.
pub trait ToJsonFields {
    /// Writes each field into `o`.
    fn write_fields(&self, o: &mut Obj<'_>);
}

impl ToJsonFields for Map<String, Value> {
    fn write_fields(&self, o: &mut Obj<'_>) {
        for (k, v) in self {
            o.field(k, v);
        }
    }
}

impl<T: ToJson> ToJsonFields for BTreeMap<String, T> {
    fn write_fields(&self, o: &mut Obj<'_>) {
        for (k, v) in self {
            o.field(k, v);
        }
    }
}

/// An object's fields; anything else writes none (serde refuses to flatten it).
impl ToJsonFields for Value {
    fn write_fields(&self, o: &mut Obj<'_>) {
        if let Value::Object(map) = self {
            map.write_fields(o);
        }
    }
}

impl<T: ToJsonFields + ?Sized> ToJsonFields for &T {
    fn write_fields(&self, o: &mut Obj<'_>) {
        (**self).write_fields(o);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        write_items(self.iter(), out);
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl<T: ToJson> ToJson for BTreeMap<String, T> {
    fn write_json(&self, out: &mut String) {
        let mut o = Obj::begin(out);
        self.write_fields(&mut o);
        o.end();
    }
}

/// Writes one JSON object, field by field.
pub struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Starts an object.
    pub fn begin(out: &'a mut String) -> Self {
        out.push('{');
        Obj { out, first: true }
    }

    /// Writes `"name": value`.
    pub fn field<T: ToJson + ?Sized>(&mut self, name: &str, value: &T) -> &mut Self {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(self.out, name);
        self.out.push(':');
        value.write_json(self.out);
        self
    }

    /// Writes `"name":` and then what `write` appends (a value written in place).
    pub fn raw_field(&mut self, name: &str, write: impl FnOnce(&mut String)) -> &mut Self {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(self.out, name);
        self.out.push(':');
        write(self.out);
        self
    }

    /// Writes the field unless it is `None` (`skip_serializing_if = "Option::is_none"`).
    pub fn some<T: ToJson>(&mut self, name: &str, value: &Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.field(name, v);
        }
        self
    }

    /// Ends the object.
    pub fn end(&mut self) {
        self.out.push('}');
    }
}

// Text helpers of the lean module: what core and alloc would otherwise bring in once
// more (the substring searcher with the slicing panics it can raise; a second
// instance of `join` for lists of `String`).

/// A decimal number read from text as `text.parse::<f64>()` reads it (an optional sign,
/// digits with an optional point, an optional exponent: `-12.5`, `+3`, `.5`, `5.`,
/// `1e-7`; nothing else, no spaces), except that `inf` and `NaN` are not numbers here.
/// Too large gives an infinity, as core's parse does.
///
/// Why not core's parse: its correctly rounded algorithm carries a 10 KB table of powers
/// of five and its code (about 14 KB gzip of the module). Here a number of at most 19
/// significant digits whose value is exact as a double times or over an exact power of
/// ten (at most 15 digits and an exponent within 22 of them: every price, score, count
/// and date a record holds) is one IEEE operation on exact operands, so correctly
/// rounded: the same `f64` as core's. Anything longer is read by serde_json's number
/// reader, already in the module, which may differ from core's in the last bit.
pub fn parse_f64(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let mut mantissa: u64 = 0;
    let mut kept = 0u32;
    let mut exp: i64 = 0;
    let mut digits = false;
    let mut exact = true;
    let mut fraction = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                digits = true;
                let d = u64::from(c - b'0');
                if mantissa == 0 && d == 0 {
                    // A leading zero: no significant digit yet.
                    if fraction {
                        exp -= 1;
                    }
                } else if kept < 19 {
                    mantissa = mantissa * 10 + d;
                    kept += 1;
                    if fraction {
                        exp -= 1;
                    }
                } else {
                    // Beyond 19 significant digits: dropped (the value is then read
                    // by the fallback, within 1e-19 of the text's).
                    exact &= d == 0;
                    if !fraction {
                        exp += 1;
                    }
                }
            }
            b'.' if !fraction => fraction = true,
            _ => break,
        }
        i += 1;
    }
    if !digits {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let exp_negative = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut e: i64 = 0;
        let from = i;
        while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            e = (e * 10 + i64::from(c - b'0')).min(1_000_000);
            i += 1;
        }
        if i == from {
            return None;
        }
        exp += if exp_negative { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    let magnitude = if mantissa == 0 {
        0.0
    } else if exact && mantissa < 1 << 53 && (-22..=22).contains(&exp) {
        // Both operands exact: one correctly rounded operation.
        let m = mantissa as f64;
        let p = POW10[exp.unsigned_abs() as usize];
        if exp < 0 {
            m / p
        } else {
            m * p
        }
    } else {
        let text = [mantissa.to_string(), "e".into(), exp.to_string()].concat();
        match text.parse::<serde_json::Number>() {
            Ok(n) => n.as_f64().unwrap_or(f64::INFINITY),
            // serde_json refuses what overflows a double.
            Err(_) => f64::INFINITY,
        }
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// The powers of ten a double holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Appends a finite `n` as `format!("{n}")` writes it (the shortest digits that read
/// back, never an exponent: `0.0000001`, `100000000000000000000`), built from the
/// digits serde_json's float writer gives (`1e-7`): core's float formatting (Grisu and
/// Dragon with their tables, about 10 KB gzip) stays out of the module. Where two
/// shortest texts read back as `n` (about one double in 100,000) the last digit may be
/// the other one than `Display`'s. Not finite: `NaN`, `inf`, `-inf`, as `Display`.
pub fn write_plain_f64(out: &mut String, n: f64) {
    let Some(num) = serde_json::Number::from_f64(n) else {
        out.push_str(if n.is_nan() {
            "NaN"
        } else if n > 0.0 {
            "inf"
        } else {
            "-inf"
        });
        return;
    };
    let text = num.to_string();
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => {
            // Already plain: `1.5`, `-0.0`; `Display` writes integral values without
            // the `.0` serde_json adds.
            out.push_str(text.strip_suffix(".0").unwrap_or(&text));
            return;
        }
    };
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    // The digits without the point; the point sits after `point` of them.
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = [whole, fraction].concat();
    let point = whole.len() as i32 + exponent;
    out.push_str(sign);
    if point <= 0 {
        out.push_str("0.");
        out.extend(core::iter::repeat_n('0', (-point) as usize));
        out.push_str(&digits);
    } else if point as usize >= digits.len() {
        out.push_str(&digits);
        out.extend(core::iter::repeat_n('0', point as usize - digits.len()));
    } else {
        let (a, b) = digits.split_at(point as usize);
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    }
}

/// [`write_plain_f64`] as a new `String`.
pub fn plain_f64(n: f64) -> String {
    let mut out = String::new();
    write_plain_f64(&mut out, n);
    out
}

/// The byte offset of the first `needle` in `hay`, by a plain scan: the lean module
/// holds neither core's substring searcher nor the slicing panics it can raise (with
/// their Unicode tables), so the client's code searches text with this.
pub fn find_str(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    h.windows(n.len()).position(|w| w == n)
}

/// The items joined by `sep` (`items.join(sep)`, without a second `join` instance).
pub fn join(items: &[String], sep: &str) -> String {
    let mut out = String::new();
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(s);
    }
    out
}

/// The value at a JSON Pointer (RFC 6901) in `v`, as `Value::pointer` finds it: `""` is
/// `v` itself, any other pointer starts with `/`; in a token `~1` is `/` and `~0` is
/// `~`; a list is indexed by a decimal index without sign or leading zeros.
/// Written out so the lean module holds no `str::replace` (and no substring searcher).
pub fn pointer<'v>(v: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(v);
    }
    let mut tokens = pointer.split('/');
    if tokens.next() != Some("") {
        return None;
    }
    tokens.try_fold(v, |target, raw| {
        let mut token = String::with_capacity(raw.len());
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('~', Some('1')) => {
                    chars.next();
                    token.push('/');
                }
                ('~', Some('0')) => {
                    chars.next();
                    token.push('~');
                }
                _ => token.push(c),
            }
        }
        match target {
            Value::Object(map) => map.get(&token),
            Value::Array(items) => list_index(&token).and_then(|i| items.get(i)),
            _ => None,
        }
    })
}

/// A pointer token as a list index: decimal digits, no sign, no leading zero.
fn list_index(token: &str) -> Option<usize> {
    let b = token.as_bytes();
    if b.is_empty() || (b.len() > 1 && b[0] == b'0') || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0usize, |n, d| {
        n.checked_mul(10)?.checked_add(usize::from(d - b'0'))
    })
}

/// An object's JSON text made by `f`, parsed back into a [`Value`] (error details:
/// what [`crate::error::Coded::details`] gives).
pub fn details(f: impl FnOnce(&mut Obj<'_>)) -> Value {
    let mut text = String::new();
    let mut o = Obj::begin(&mut text);
    f(&mut o);
    o.end();
    parse(&text, DEFAULT_DEPTH).unwrap_or_else(|_| Value::Object(Map::new()))
}

/// The nesting `serde_json::from_str` allows by default (its limit of 128 refuses the
/// 128th level): what the readers of response bodies keep, so no body reads
/// differently than it did through serde_json.
pub const DEFAULT_DEPTH: usize = 127;

/// JSON text that does not parse: what was expected, and where (a byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    what: &'static str,
    at: usize,
}

impl ParseError {
    /// `expected a value at byte 0`.
    pub fn message(&self) -> String {
        [self.what, " at byte ", &self.at.to_string()].concat()
    }

    /// What was expected or wrong, without the position.
    pub fn reason(&self) -> &'static str {
        self.what
    }

    /// Whether the text nests deeper than the reader was allowed to go.
    pub fn is_too_deep(&self) -> bool {
        self.what == TOO_DEEP
    }

    /// The 1-based line and column (in characters) of the error in `text`.
    pub fn line_column(&self, text: &str) -> (usize, usize) {
        let before = text.get(..self.at).unwrap_or(text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let column = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }
}

/// Reads JSON text (RFC 8259) into a [`Value`]: the same texts accepted and refused as
/// `serde_json::from_str::<Value>` (with its recursion limit disabled), the same values
/// (numbers read by serde_json's number reader, the last of repeated keys kept),
/// nesting at most `max_depth` lists and objects. Never panics; recursion is bounded
/// by `max_depth`.
pub fn parse(text: &str, max_depth: usize) -> Result<Value, ParseError> {
    let mut p = Reader {
        text,
        at: 0,
        depth_left: max_depth,
    };
    let v = p.value()?;
    p.skip_space();
    if p.at < text.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(v)
}

/// [`parse`] of bytes: text that is not UTF-8 is refused at the first bad byte (what
/// `serde_json::from_slice` refuses, inside strings or out).
pub fn parse_bytes(bytes: &[u8], max_depth: usize) -> Result<Value, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text, max_depth),
        Err(e) => Err(ParseError {
            what: "invalid UTF-8",
            at: e.valid_up_to(),
        }),
    }
}

const TOO_DEEP: &str = "nested too deep";

/// The state of [`parse`]: the text and the byte it is at.
struct Reader<'a> {
    text: &'a str,
    at: usize,
    depth_left: usize,
}

impl Reader<'_> {
    fn error(&self, what: &'static str) -> ParseError {
        ParseError { what, at: self.at }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        self.at += usize::from(found);
        found
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    /// The text from `from` to here (both on ASCII bytes, so on char boundaries).
    fn since(&self, from: usize) -> &str {
        self.text.get(from..self.at).unwrap_or_default()
    }

    /// The text from here on.
    fn since_here(&self) -> &str {
        self.text.get(self.at..).unwrap_or_default()
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        self.skip_space();
        match self.peek() {
            Some(b'n') => self.word("null", Value::Null),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.enter()?;
                let mut items = Vec::new();
                self.skip_space();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value()?);
                        self.skip_space();
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("expected ',' or ']'"));
                        }
                    }
                }
                self.depth_left += 1;
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                self.enter()?;
                let mut map = Map::new();
                self.skip_space();
                if !self.eat(b'}') {
                    loop {
                        self.skip_space();
                        if self.peek() != Some(b'"') {
                            return Err(self.error("expected a key"));
                        }
                        let key = self.string()?;
                        self.skip_space();
                        if !self.eat(b':') {
                            return Err(self.error("expected ':'"));
                        }
                        let v = self.value()?;
                        map.insert(key, v);
                        self.skip_space();
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("expected ',' or '}'"));
                        }
                    }
                }
                self.depth_left += 1;
                Ok(Value::Object(map))
            }
            _ => Err(self.error("expected a value")),
        }
    }

    /// Steps into a list or an object (past its bracket), or refuses one level too many.
    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth_left = self
            .depth_left
            .checked_sub(1)
            .ok_or_else(|| self.error(TOO_DEEP))?;
        self.at += 1;
        Ok(())
    }

    fn word(&mut self, word: &'static str, v: Value) -> Result<Value, ParseError> {
        if !self.since_here().starts_with(word) {
            return Err(self.error("expected a value"));
        }
        self.at += word.len();
        Ok(v)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, read by serde_json's
    /// number reader (integers as integers, the rest as the nearest `f64`).
    fn number(&mut self) -> Result<Value, ParseError> {
        let from = self.at;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(self.error("invalid number")),
        }
        if self.eat(b'.') {
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number"));
            }
            self.skip_digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number"));
            }
            self.skip_digits();
        }
        self.since(from)
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .map_err(|_| ParseError {
                what: "number out of range",
                at: from,
            })
    }

    /// A string literal (at its opening quote).
    fn string(&mut self) -> Result<String, ParseError> {
        self.at += 1;
        let mut out = String::new();
        let mut from = self.at;
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    out.push_str(self.since(from));
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(self.since(from));
                    self.at += 1;
                    let escape = self.peek();
                    self.at += 1;
                    let c = match escape {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => {
                            self.at -= 1;
                            return Err(self.error("invalid escape"));
                        }
                    };
                    out.push(c);
                    from = self.at;
                }
                Some(0..=0x1f) => return Err(self.error("control character in a string")),
                Some(_) => self.at += 1,
            }
        }
    }

    /// The character of a `\uXXXX` escape (after the `u`), a surrogate pair taken whole.
    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !(self.eat(b'\\') && self.eat(b'u')) {
                    return Err(self.error("lone surrogate in a \\u escape"));
                }
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("lone surrogate in a \\u escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone surrogate in a \\u escape")),
            n => n,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.error("invalid \\u escape")),
            };
            n = n * 16 + u32::from(d);
            self.at += 1;
        }
        Ok(n)
    }
}

/// A JSON string literal, escaped as `serde_json` escapes it (`"`, `\`, and control
/// characters: the short forms `\b \f \n \r \t`, else `\u00XX`).
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'\n' => 'n',
            b'\r' => 'r',
            b'\t' => 't',
            0x08 => 'b',
            0x0c => 'f',
            0..=0x1f => 'u',
            _ => continue,
        };
        // `i` sits on an ASCII byte, so both slices are on char boundaries.
        out.push_str(s.get(from..i).unwrap_or_default());
        out.push('\\');
        out.push(short);
        if short == 'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        from = i + 1;
    }
    out.push_str(s.get(from..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for s in [
            "",
            "plain",
            "q\"b\\s/",
            "\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}",
            "ünï 😀 \u{2028}",
        ] {
            assert_eq!(to_json(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = Vec::<String>::from_json(serde_json::json!(["a", 5]))
            .map_err(|e| e.in_field("steps"))
            .unwrap_err();
        assert_eq!(
            e.message(),
            "invalid type: a number, expected a string at steps[1]"
        );
        assert_eq!(
            u16::from_json(serde_json::json!(70000))
                .unwrap_err()
                .message(),
            "invalid value: 70000, expected a number up to 65535"
        );
        assert_eq!(
            required::<String>(None, "id").unwrap_err().message(),
            "missing field 'id'"
        );
    }
}
