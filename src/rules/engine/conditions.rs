//! Compiled conditions and their evaluation against the values read from a record.
//!
//! Semantics: text is compared without surrounding white space and ignoring case unless
//! case-sensitive; a number equals a
//! text when the text reads as that number; on a list a test holds when it holds for
//! any item (`exists`, `blank` look at the list itself). A missing value fails every
//! test except `exists: false` and `blank: true`.

use std::borrow::Cow;

use regex_lite::Regex;

use super::budget::Budget;
use super::value::Val;

/// A comparison.
#[derive(Debug, Clone, Copy)]
pub enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// The test of a leaf condition.
#[derive(Debug, Clone)]
pub enum Op {
    Equals(Val<'static>),
    In(Vec<Val<'static>>),
    Contains(String),
    StartsWith(String),
    EndsWith(String),
    Matches(Regex),
    Exists(bool),
    Blank(bool),
    Cmp(CmpOp, f64),
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum Cond {
    Test {
        slot: u32,
        op: Op,
        case_sensitive: bool,
        text: String,
    },
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
}

pub(crate) fn is_blank(v: Option<&Val<'_>>) -> bool {
    match v {
        None | Some(Val::Null) => true,
        Some(Val::Str(s)) => crate::text::trim(s).is_empty(),
        Some(Val::List(l)) => l.iter().all(|x| is_blank(Some(x))),
        _ => false,
    }
}

pub(crate) fn as_number(v: &Val<'_>) -> Option<f64> {
    match v {
        Val::Num(n) => Some(*n),
        Val::Str(s) => parse_number(s),
        Val::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// Text form of a scalar (None for null, lists, objects).
pub(crate) fn as_text<'b>(v: &'b Val<'_>) -> Option<Cow<'b, str>> {
    match v {
        Val::Str(s) => Some(Cow::Borrowed(s.as_ref())),
        Val::Num(n) => {
            let mut out = String::new();
            crate::text::json::num(&mut out, *n);
            Some(Cow::Owned(out))
        }
        Val::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

fn fold<'b>(s: &'b str, cs: bool) -> Cow<'b, str> {
    let s = crate::text::trim(s);
    if cs || !s.bytes().any(|c| c.is_ascii_uppercase() || c >= 0x80) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(crate::codec::case::lower_str(s))
    }
}

fn scalar_eq(a: &Val<'_>, b: &Val<'_>, cs: bool) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(x), y) | (y, Val::Num(x)) => as_number(y) == Some(*x),
        (Val::Str(x), Val::Str(y)) => {
            let (x, y) = (crate::text::trim(x), crate::text::trim(y));
            if cs {
                x == y
            } else if x.is_ascii() && y.is_ascii() {
                // ASCII text folds to ASCII of the same length: no copies needed.
                x.len() == y.len() && x.eq_ignore_ascii_case(y)
            } else {
                fold(x, false) == fold(y, false)
            }
        }
        (Val::Bool(x), Val::Str(s)) | (Val::Str(s), Val::Bool(x)) => {
            crate::text::trim(s).eq_ignore_ascii_case(if *x { "true" } else { "false" })
        }
        _ => false,
    }
}

fn any_item(v: &Val<'_>, f: &mut dyn FnMut(&Val<'_>) -> bool) -> bool {
    match v {
        Val::List(l) => l.iter().any(|x| any_item(x, f)),
        other => f(other),
    }
}

impl Cond {
    /// Evaluates the condition; `matches` tests charge `budget` (a spent budget makes
    /// them fail, and the record fails with the budget's error).
    pub(crate) fn eval(&self, slots: &[Option<Val<'_>>], budget: &Budget) -> bool {
        match self {
            Cond::All(cs) => cs.iter().all(|c| c.eval(slots, budget)),
            Cond::Any(cs) => cs.iter().any(|c| c.eval(slots, budget)),
            Cond::Not(c) => !c.eval(slots, budget),
            Cond::Test {
                slot,
                op,
                case_sensitive,
                ..
            } => {
                let v = slots.get(*slot as usize).and_then(|v| v.as_ref());
                test(v, op, *case_sensitive, budget)
            }
        }
    }

    /// A plain-language description.
    pub(crate) fn describe(&self) -> String {
        match self {
            Cond::Test { text, .. } => text.clone(),
            Cond::All(cs) => join(cs, " and "),
            Cond::Any(cs) => join(cs, " or "),
            Cond::Not(c) => format!("not ({})", c.describe()),
        }
    }
}

fn join(cs: &[Cond], sep: &str) -> String {
    let parts: Vec<String> = cs.iter().map(|c| format!("({})", c.describe())).collect();
    parts.join(sep)
}

fn test(v: Option<&Val<'_>>, op: &Op, cs: bool, budget: &Budget) -> bool {
    match op {
        Op::Exists(want) => matches!(v, Some(x) if !matches!(x, Val::Null)) == *want,
        Op::Blank(want) => is_blank(v) == *want,
        _ => {
            let Some(v) = v else { return false };
            let mut f = |x: &Val<'_>| -> bool {
                match op {
                    Op::Equals(w) => scalar_eq(x, w, cs),
                    Op::In(ws) => ws.iter().any(|w| scalar_eq(x, w, cs)),
                    Op::Contains(n) => {
                        as_text(x).is_some_and(|t| fold(&t, cs).contains(n.as_str()))
                    }
                    Op::StartsWith(n) => {
                        as_text(x).is_some_and(|t| fold(&t, cs).starts_with(n.as_str()))
                    }
                    Op::EndsWith(n) => {
                        as_text(x).is_some_and(|t| fold(&t, cs).ends_with(n.as_str()))
                    }
                    Op::Matches(re) => {
                        as_text(x).is_some_and(|t| budget.regex(t.len()) && re.is_match(&t))
                    }
                    Op::Cmp(c, n) => as_number(x).is_some_and(|x| match c {
                        CmpOp::Gt => x > *n,
                        CmpOp::Gte => x >= *n,
                        CmpOp::Lt => x < *n,
                        CmpOp::Lte => x <= *n,
                    }),
                    Op::Exists(_) | Op::Blank(_) => false,
                }
            };
            if let (Op::Contains(n), Val::List(l)) = (op, v) {
                // On a list, `contains` means "has an item equal to".
                let needle = Val::Str(Cow::Borrowed(n.as_str()));
                return l
                    .iter()
                    .any(|x| any_item(x, &mut |y| scalar_eq(y, &needle, cs)));
            }
            any_item(v, &mut f)
        }
    }
}

/// Reads a number from text: spaces, thousands separators, currency signs and a
/// trailing `%` are ignored (`$1,200.50`).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '$' | '€' | '£' | '\u{a0}' | '_'))
        .collect();
    let t = t.strip_suffix('%').unwrap_or(&t);
    crate::codec::parse_f64(t).filter(|n| n.is_finite())
}
