//! Internally tagged enums (`{"kind": "contact", ...fields}`) read without serde's
//! content buffering.
//!
//! serde's derived `Deserialize` of an internally tagged enum first buffers the whole
//! object into its private `Content` tree, then reads the variant from that tree: every
//! type inside such an enum gets a second deserializer instance (for `Content`, beside
//! the one for `serde_json::Value` the binding reads everything with), which roughly
//! doubles the decoding code of the types under flows' plans, outbox records, stored
//! schedules and tag reports. [`tagged_enum!`] declares the enum once and reads it from a
//! `Value` instead: the tag is taken out of the object, and the rest is read by an
//! externally tagged mirror (`{"contact": {...fields}}`, a `#[serde(remote)]` derive over
//! the same variants), so every field type is read by its one `Value` instance.
//!
//! Invariant (held by the tests below and by each enum's round-trip tests): what is
//! accepted and the messages of what is refused are serde's own: a missing tag is
//! "missing field `kind`", an unknown one "unknown variant `x`, expected one of ...",
//! a non-object "invalid type: ..., expected internally tagged enum Name"; fields other
//! than the variant's are ignored as before (for unit variants too). One deliberate
//! difference: serde also read a list positionally (`["done", 5]`: the tag, then the
//! fields in order), which nothing writes; a list is now refused like any non-object.
//!
//! Serialisation and the JSON Schema stay the derived ones: the macro gives the enum its
//! `#[serde(tag = ..., rename_all = ...)]` from the same header the mirror reads.

use serde::de::{Error, Unexpected};
use serde_json::{Map, Value};

/// The externally tagged form (`{tag: {...rest}}`) of an internally tagged object,
/// for the mirror to read; `name` is the enum's name for the error messages.
pub(crate) fn external<E: Error>(value: Value, tag: &'static str, name: &str) -> Result<Value, E> {
    let (variant, rest) = match value {
        Value::Object(mut map) => match map.remove(tag) {
            Some(variant) => (variant, Value::Object(map)),
            None => return Err(E::missing_field(tag)),
        },
        other => {
            let expected = format!("internally tagged enum {name}");
            return Err(E::invalid_type(unexpected(&other), &expected.as_str()));
        }
    };
    match variant {
        Value::String(variant) => {
            let mut outer = Map::new();
            outer.insert(variant, rest);
            Ok(Value::Object(outer))
        }
        other => Err(E::invalid_type(unexpected(&other), &"variant identifier")),
    }
}

/// serde's description of a JSON value in "invalid type" messages.
fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Declares an internally tagged enum whose `Deserialize` reads a `Value` without
/// content buffering (see the module doc). Give the enum as usual, without
/// `Deserialize` in its derives and without an enum-level `#[serde(...)]`, after a
/// header naming the tag, the enum's name as text and the enum's other serde options
/// (`rename_all`, `rename_all_fields`): the macro states them once for the enum's own
/// attribute (serialisation, the JSON Schema) and once for the mirror that reads it.
///
/// ```ignore
/// tagged_enum! {
///     tag = "kind", name = "Schedule", rename_all = "camelCase";
///     #[derive(Debug, Clone, Serialize, ToJson)]
///     pub enum Schedule { Every { interval_ms: u64 }, Never }
/// }
/// ```
///
/// Variants may be unit, struct or newtype variants.
macro_rules! tagged_enum {
    (
        tag = $tag:literal, name = $remote:literal $(, $opt:ident = $val:literal)*;
        $(#[$attr:meta])*
        $vis:vis enum $name:ident { $($body:tt)* }
    ) => {
        $(#[$attr])*
        #[derive($crate::codec::FromJson)]
        #[serde(tag = $tag $(, $opt = $val)*)]
        $vis enum $name { $($body)* }

        const _: () = {
            $crate::tagged::tagged_enum!(@mirror [$remote, [$($opt = $val),*], $name] [] $($body)*);

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
                    let value = $crate::tagged::external::<D::Error>(value, $tag, $remote)?;
                    Mirror::deserialize(value).map_err(<D::Error as serde::de::Error>::custom)
                }
            }
        };
    };
    // The mirror's variants, one at a time: a unit variant becomes a struct variant
    // without fields (it reads `{}` and ignores other fields, as serde's tagged unit
    // variant does); struct and newtype variants stay as they are.
    (@mirror $head:tt [$($out:tt)*] $(#[$vattr:meta])* $var:ident { $($fields:tt)* } $(, $($rest:tt)*)?) => {
        $crate::tagged::tagged_enum!(@mirror $head [$($out)* $(#[$vattr])* $var { $($fields)* },] $($($rest)*)?);
    };
    (@mirror $head:tt [$($out:tt)*] $(#[$vattr:meta])* $var:ident ( $($inner:tt)* ) $(, $($rest:tt)*)?) => {
        $crate::tagged::tagged_enum!(@mirror $head [$($out)* $(#[$vattr])* $var ( $($inner)* ),] $($($rest)*)?);
    };
    (@mirror $head:tt [$($out:tt)*] $(#[$vattr:meta])* $var:ident $(, $($rest:tt)*)?) => {
        $crate::tagged::tagged_enum!(@mirror $head [$($out)* $(#[$vattr])* $var {},] $($($rest)*)?);
    };
    (@mirror [$remote:literal, [$($opt:ident = $val:literal),*], $name:ident] [$($out:tt)*]) => {
        #[derive(serde::Deserialize)]
        #[serde(remote = $remote $(, $opt = $val)*)]
        #[allow(dead_code)]
        enum Mirror { $($out)* }
    };
}
pub(crate) use tagged_enum;

#[cfg(test)]
mod tests {
    use crate::codec::{FromJson, ToJson};
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};
    use serde_json::{json, Value};

    tagged_enum! {
        tag = "kind", name = "Sample", rename_all = "camelCase", rename_all_fields = "camelCase";
        #[derive(Debug, Clone, PartialEq, Serialize, ToJson)]
        enum Sample {
            /// A unit variant.
            Pending,
            /// A struct variant.
            Done {
                /// A renamed field.
                at_ms: u64,
                /// An optional field.
                #[serde(default, skip_serializing_if = "Option::is_none")]
                note: Option<String>,
            },
            /// A newtype variant.
            Wrapped(Inner),
        }
    }

    #[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        code: String,
    }

    /// The same enum with serde's own derive: the reference behaviour.
    mod reference {
        use serde::{Deserialize, Serialize};

        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(
            tag = "kind",
            rename_all = "camelCase",
            rename_all_fields = "camelCase"
        )]
        pub(super) enum Sample {
            Pending,
            Done {
                at_ms: u64,
                #[serde(default, skip_serializing_if = "Option::is_none")]
                note: Option<String>,
            },
            Wrapped(super::Inner),
        }
    }

    fn both(v: Value) -> (Result<Value, String>, Result<Value, String>) {
        let ours = Sample::deserialize(v.clone())
            .map(|s| serde_json::to_value(s).unwrap())
            .map_err(|e| e.to_string());
        let serde = reference::Sample::deserialize(v)
            .map(|s| serde_json::to_value(s).unwrap())
            .map_err(|e| e.to_string());
        (ours, serde)
    }

    #[test]
    fn reads_and_refuses_as_serde_does() {
        let cases = [
            json!({"kind": "pending"}),
            json!({"kind": "pending", "extra": [1, {"a": 2}]}),
            json!({"kind": "done", "atMs": 5}),
            json!({"kind": "done", "atMs": 5, "note": "n", "other": true}),
            json!({"atMs": 5, "kind": "done", "note": null}),
            json!({"kind": "done"}),
            json!({"kind": "done", "atMs": "5"}),
            json!({"kind": "done", "atMs": -1}),
            json!({"kind": "wrapped", "code": "X"}),
            json!({"kind": "wrapped"}),
            json!({"kind": "other"}),
            json!({"kind": null}),
            json!({"kind": true}),
            json!({"kind": "Done", "atMs": 1}),
            json!({}),
            json!({"atMs": 1}),
            json!("pending"),
            json!(null),
            json!({"kind": 1, "atMs": 2}),
            json!(3),
        ];
        for v in cases {
            let (ours, serde) = both(v.clone());
            assert_eq!(ours, serde, "{v}");
        }
    }

    #[test]
    fn a_list_is_refused() {
        // serde read a list positionally (the tag, then the fields in order); nothing
        // writes that form, and it is refused as any other non-object.
        for v in [json!(["pending"]), json!(["done", 5]), json!([])] {
            assert_eq!(
                both(v).0.unwrap_err(),
                "invalid type: sequence, expected internally tagged enum Sample"
            );
        }
    }

    proptest! {
        /// Any object with any of the tags (or none), any field values: the same
        /// result or the same message.
        #[test]
        fn agrees_with_serde(
            kind in proptest::option::of(proptest::sample::select(vec!["pending", "done", "wrapped", "x"])),
            at in proptest::option::of(prop_oneof![
                any::<u64>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                "[a-z]{0,3}".prop_map(Value::from),
                Just(Value::Null),
            ]),
            code in proptest::option::of("[A-Z]{0,2}"),
            note in proptest::option::of(proptest::option::of("[a-z]{0,2}")),
        ) {
            let mut m = serde_json::Map::new();
            if let Some(k) = kind { m.insert("kind".into(), k.into()); }
            if let Some(a) = at { m.insert("atMs".into(), a); }
            if let Some(c) = code { m.insert("code".into(), c.into()); }
            if let Some(n) = note { m.insert("note".into(), n.map_or(Value::Null, Value::from)); }
            let (ours, serde) = both(Value::Object(m));
            prop_assert_eq!(ours, serde);
        }
    }
}
