//! Hand-written JSON codecs for the values that cross the client's Wasm boundary.
//!
//! Why: serde's derive code is monomorphised per type and per (de)serializer, and it
//! drags in the formatting of every "invalid type" message (floats included); that was
//! most of the lean `ghl-bridge/client` module. Here every type has one small decoder
//! over an already parsed [`serde_json::Value`] (the module holds that parser anyway:
//! request and response bodies are arbitrary JSON) and one encoder into JSON text
//! through one small writer ([`Obj`], [`ToJson`]). The serde derives stay on the types:
//! the native side, the full module's other domains and the schemas use them, and the
//! property tests (`tests/codec.rs`) hold the two to the same results.
//!
//! Invariants:
//! - A decoder accepts what the serde derive accepts (absent and `null` optional
//!   fields are `None`, a `#[serde(default)]` field may be absent but not `null`,
//!   unknown fields are ignored) and gives back the same value; the one difference:
//!   serde also reads a struct from a list of its fields in order, a decoder takes
//!   the documented shape, an object, only.
//! - An encoder writes byte for byte what `serde_json::to_string` writes for the type
//!   (fields in declaration order, the same string escapes).
//! - Nothing here panics on any input; a value of the wrong shape is a [`DecodeError`]
//!   saying what was expected, what was found and where (`steps[2].params.path`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

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

impl FromJson for u16 {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        let n = v
            .as_u64()
            .ok_or_else(|| DecodeError::invalid_type(&v, "a whole number"))?;
        u16::try_from(n).map_err(|_| {
            DecodeError::new(
                [
                    "invalid value: ",
                    &n.to_string(),
                    ", expected a number up to 65535",
                ]
                .concat(),
            )
        })
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        match v {
            Value::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
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
    slot.ok_or_else(|| DecodeError::new(["missing field '", name, "'"].concat()))
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

impl ToJson for u16 {
    fn write_json(&self, out: &mut String) {
        u64::from(*self).write_json(out);
    }
}

impl ToJson for usize {
    fn write_json(&self, out: &mut String) {
        (*self as u64).write_json(out);
    }
}

impl ToJson for Value {
    fn write_json(&self, out: &mut String) {
        out.push_str(&self.to_string());
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
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.write_json(out);
        }
        out.push(']');
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
        for (k, v) in self {
            o.field(k, v);
        }
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

/// An object's JSON text made by `f`, parsed back into a [`Value`] (error details:
/// what [`crate::error::Coded::details`] gives).
pub fn details(f: impl FnOnce(&mut Obj<'_>)) -> Value {
    let mut text = String::new();
    let mut o = Obj::begin(&mut text);
    f(&mut o);
    o.end();
    serde_json::from_str(&text).unwrap_or_else(|_| Value::Object(Map::new()))
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
