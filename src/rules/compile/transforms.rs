//! The transform registry: every transform named once, with its parameters, how it may
//! be written (a bare name, an object with `op`, or both) and how its parameters are
//! read into the typed [`Transform`] and the compiled [`CTransform`]. Adding a
//! transform is one entry here (plus its variant in the document's [`Transform`] for
//! the schema, and its behaviour in the engine).
//!
//! Invariant: the names and parameters here are those of the document's types (a
//! schema test compares them).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::checks::kind;
use super::Compiler;
use crate::engine::transforms::CTransform;
use crate::engine::value::Val;
use crate::grammar::did_you_mean;
use crate::grammar::document::{NamePart, Transform, TransformDef};

/// How a transform may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    /// A bare name (`"trim"`) or an object (`{"op": "trim"}`).
    Both,
    /// Only a bare name (a shorthand).
    Bare,
    /// Only an object with `op` (it has a required parameter).
    Op,
}

/// The reader of a transform's parameters: the compiler, the parameters (empty for a
/// bare name), where they are and the rule they belong to.
pub(super) struct Args<'a, 'c> {
    c: &'a mut Compiler<'c>,
    m: &'a Map<String, Value>,
    ptr: &'a str,
    rule: Option<&'a str>,
}

type Built = Option<(Transform, CTransform)>;

/// One transform of the registry.
pub(super) struct Spec {
    /// Its name (the `op`, or the bare name).
    pub(super) name: &'static str,
    /// Its parameters besides `op`.
    pub(super) params: &'static [&'static str],
    /// How it may be written.
    pub(super) form: Form,
    /// Reads the parameters (`None` after a problem).
    build: fn(&mut Args<'_, '_>) -> Built,
}

/// A transform without parameters: its name, typed variant and compiled variant.
macro_rules! simple {
    ($name:literal, $typed:ident, $compiled:ident) => {
        Spec {
            name: $name,
            params: &[],
            form: Form::Both,
            build: |_| Some((Transform::$typed, CTransform::$compiled)),
        }
    };
}

/// Every transform.
pub(super) const REGISTRY: &[Spec] = &[
    simple!("trim", Trim, Trim),
    simple!("lowercase", Lowercase, Lower),
    simple!("uppercase", Uppercase, Upper),
    simple!("titleCase", TitleCase, Title),
    Spec {
        name: "firstName",
        params: &[],
        form: Form::Bare,
        build: |_| name_part(NamePart::First),
    },
    Spec {
        name: "lastName",
        params: &[],
        form: Form::Bare,
        build: |_| name_part(NamePart::Last),
    },
    Spec {
        name: "splitName",
        params: &["part"],
        form: Form::Op,
        build: |a| match a.c.req_string(a.m, "part", a.ptr, a.rule)? {
            "first" => name_part(NamePart::First),
            "last" => name_part(NamePart::Last),
            p => {
                a.c.add(
                    &format!("{}/part", a.ptr),
                    a.rule,
                    "BAD_VALUE",
                    format!("'part' must be \"first\" or \"last\", not '{p}'."),
                );
                None
            }
        },
    },
    Spec {
        name: "join",
        params: &["separator"],
        form: Form::Both,
        build: |a| {
            let sep = a.c.opt_string(a.m, "separator", a.ptr, a.rule)?;
            Some((
                Transform::Join {
                    separator: sep.map(str::to_string),
                },
                CTransform::Join(sep.unwrap_or(", ").to_string()),
            ))
        },
    },
    Spec {
        name: "default",
        params: &["value"],
        form: Form::Op,
        build: |a| {
            let Some(value) = a.m.get("value") else {
                a.c.add(
                    a.ptr,
                    a.rule,
                    "MISSING_FIELD",
                    "'value' is required: the value to use when there is none.".into(),
                );
                return None;
            };
            Some((
                Transform::Default {
                    value: value.clone(),
                },
                CTransform::Default(Val::from_json(value)),
            ))
        },
    },
    Spec {
        name: "lookup",
        params: &["table", "default", "caseSensitive"],
        form: Form::Op,
        build: lookup,
    },
    simple!("number", Number, Number),
    simple!("boolean", Boolean, Boolean),
    Spec {
        name: "date",
        params: &["dayFirst"],
        form: Form::Both,
        build: |a| {
            let day_first = a.c.opt_bool(a.m, "dayFirst", a.ptr, a.rule)?;
            Some((
                Transform::Date { day_first },
                CTransform::Date {
                    day_first: day_first.unwrap_or(false),
                },
            ))
        },
    },
    simple!("email", Email, Email),
    Spec {
        name: "phone",
        params: &["country"],
        form: Form::Both,
        build: |a| {
            let country = match a.c.opt_string(a.m, "country", a.ptr, a.rule)? {
                Some(c) => {
                    let ptr = format!("{}/country", a.ptr);
                    Some(a.c.phone_country(c, &ptr, a.rule)?)
                }
                None => None,
            };
            Some((
                Transform::Phone {
                    country: country.map(str::to_string),
                },
                CTransform::Phone {
                    country: country.map(|c| c.to_ascii_uppercase()),
                },
            ))
        },
    },
    simple!("country", Country, Country),
    Spec {
        name: "regexExtract",
        params: &["pattern", "group"],
        form: Form::Op,
        build: |a| {
            let (pattern, re) = pattern(a);
            let group = a.c.integer(a.m, "group", a.ptr, a.rule, false, 0).ok()?;
            let re = re?;
            if let Some(g) = group.filter(|g| *g as usize >= re.captures_len()) {
                a.c.add(
                    &format!("{}/group", a.ptr),
                    a.rule,
                    "BAD_VALUE",
                    format!(
                        "the pattern has {} group(s), so 'group' {g} does not exist.",
                        re.captures_len() - 1
                    ),
                );
                return None;
            }
            let group = group.map(|g| g as usize);
            Some((
                Transform::RegexExtract {
                    pattern: pattern?.to_string(),
                    group,
                },
                CTransform::Extract {
                    re,
                    group: group.unwrap_or(0),
                },
            ))
        },
    },
    Spec {
        name: "regexReplace",
        params: &["pattern", "replacement"],
        form: Form::Op,
        build: |a| {
            let (pattern, re) = pattern(a);
            let replacement = a.c.req_string(a.m, "replacement", a.ptr, a.rule)?;
            Some((
                Transform::RegexReplace {
                    pattern: pattern?.to_string(),
                    replacement: replacement.to_string(),
                },
                CTransform::Replace {
                    re: re?,
                    replacement: replacement.to_string(),
                },
            ))
        },
    },
    Spec {
        name: "truncate",
        params: &["length"],
        form: Form::Op,
        build: |a| {
            let length = a.c.integer(a.m, "length", a.ptr, a.rule, true, 1).ok()?? as usize;
            Some((Transform::Truncate { length }, CTransform::Truncate(length)))
        },
    },
];

/// The required `pattern` and its regular expression.
fn pattern<'m>(a: &mut Args<'m, '_>) -> (Option<&'m str>, Option<regex_lite::Regex>) {
    let pattern = a.c.req_string(a.m, "pattern", a.ptr, a.rule);
    let re = pattern.and_then(|p| a.c.regex(p, false, &format!("{}/pattern", a.ptr), a.rule));
    (pattern, re)
}

fn name_part(part: NamePart) -> Built {
    let first = part == NamePart::First;
    Some((Transform::SplitName { part }, CTransform::Name { first }))
}

fn lookup(a: &mut Args<'_, '_>) -> Built {
    let table = match a.m.get("table") {
        None => {
            a.c.add(
                a.ptr,
                a.rule,
                "MISSING_FIELD",
                "'table' is required: pairs of \"value in the record\": \"value to write\".".into(),
            );
            None
        }
        Some(Value::Object(t)) => Some(t),
        Some(v) => {
            a.c.add(
                &format!("{}/table", a.ptr),
                a.rule,
                "WRONG_TYPE",
                format!("'table' should be an object, not {}.", kind(v)),
            );
            None
        }
    };
    let case_sensitive = a.c.opt_bool(a.m, "caseSensitive", a.ptr, a.rule);
    let (table, case_sensitive) = (table?, case_sensitive?);
    let cs = case_sensitive.unwrap_or(false);
    let default = a.m.get("default");
    let compiled: HashMap<String, Val<'static>> = table
        .iter()
        .map(|(k, v)| {
            let k = if cs {
                k.clone()
            } else {
                crate::codec::case::lower_str(k.trim())
            };
            (k, Val::from_json(v))
        })
        .collect();
    // Inserted one by one: `collect()` into a `BTreeMap` sorts through a sort instance
    // of its own.
    let mut typed = BTreeMap::new();
    for (k, v) in table {
        typed.insert(k.clone(), v.clone());
    }
    Some((
        Transform::Lookup {
            table: typed,
            default: default.cloned(),
            case_sensitive,
        },
        CTransform::Lookup {
            table: compiled,
            default: default.map(Val::from_json),
            case_sensitive: cs,
        },
    ))
}

fn find(name: &str) -> Option<&'static Spec> {
    REGISTRY.iter().find(|s| s.name == name)
}

/// Reads one transform (a bare name or an object with `op`).
pub(super) fn transform(
    c: &mut Compiler<'_>,
    t: &Value,
    ptr: &str,
    rule: Option<&str>,
) -> Option<(TransformDef, CTransform)> {
    match t {
        Value::String(s) => match find(s) {
            Some(spec) if spec.form != Form::Op => {
                let empty = Map::new();
                let mut a = Args {
                    c,
                    m: &empty,
                    ptr,
                    rule,
                };
                let (_, compiled) = (spec.build)(&mut a)?;
                Some((TransformDef::Name(s.clone()), compiled))
            }
            Some(_) => {
                c.add(
                    ptr,
                    rule,
                    "MISSING_FIELD",
                    format!("'{s}' needs settings: write it as {{\"op\": \"{s}\", ...}}."),
                );
                None
            }
            None => {
                let hint = did_you_mean(s, REGISTRY.iter().map(|s| s.name));
                c.add(
                    ptr,
                    rule,
                    "UNKNOWN_TRANSFORM",
                    format!("'{s}' is not a transform.{hint}"),
                );
                None
            }
        },
        Value::Object(m) => {
            let op = match m.get("op") {
                Some(Value::String(op)) => op,
                Some(v) => {
                    c.add(
                        &format!("{ptr}/op"),
                        rule,
                        "WRONG_TYPE",
                        format!("'op' should be the transform's name, not {}.", kind(v)),
                    );
                    return None;
                }
                None => {
                    c.add(
                        ptr,
                        rule,
                        "MISSING_FIELD",
                        "a transform needs 'op', its name (e.g. \"trim\").".into(),
                    );
                    return None;
                }
            };
            if find(op).is_some_and(|s| s.form == Form::Bare) {
                c.add(
                    &format!("{ptr}/op"),
                    rule,
                    "UNKNOWN_TRANSFORM",
                    format!("'{op}' is a shorthand written alone, as \"{op}\", not as an 'op'."),
                );
                return None;
            }
            let Some(spec) = find(op).filter(|s| s.form != Form::Bare) else {
                let ops = REGISTRY.iter().filter(|s| s.form != Form::Bare);
                let hint = did_you_mean(op, ops.map(|s| s.name));
                c.add(
                    &format!("{ptr}/op"),
                    rule,
                    "UNKNOWN_TRANSFORM",
                    format!("'{op}' is not a transform.{hint}"),
                );
                return None;
            };
            let mut allowed = vec!["op"];
            allowed.extend_from_slice(spec.params);
            let m = c.obj(t, ptr, rule, &format!("the '{op}' transform"), &allowed)?;
            let mut a = Args { c, m, ptr, rule };
            let (typed, compiled) = (spec.build)(&mut a)?;
            Some((TransformDef::Op(typed), compiled))
        }
        other => {
            c.add(
                ptr,
                rule,
                "WRONG_TYPE",
                format!(
                    "a transform should be a name like \"trim\" or an object with 'op', not {}.",
                    kind(other)
                ),
            );
            None
        }
    }
}
