//! The text path for mappings: a chain of transforms that only ever sees one text
//! value (or nothing) runs on `Cow<str>` directly, without wrapping it in [`Val`] at
//! every step, and takes the buffers for changed text from a [`Scratch`] pool that is
//! refilled from the previous record's results (a batch allocates almost nothing
//! after its first records).
//!
//! Invariant: for every chain [`CTransform::is_text`] accepts, the text path gives
//! exactly what the general path ([`CTransform::apply`]) gives on a missing value or a
//! `Val::Str`, warnings included (tests below compare the two).

use std::borrow::Cow;

use super::transforms::{
    convert_drop, is_title, lookup_key, title, title_ascii_string, trim, CTransform, Drop,
};
use super::value::Val;
use crate::text::{date, phone};

/// Most spare buffers kept between records.
const POOL_MAX: usize = 64;

/// Spare `String` buffers reused across the records of a batch.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pool: Vec<String>,
}

impl Scratch {
    /// An empty buffer (a reused one when there is one).
    pub(crate) fn take(&mut self) -> String {
        let mut s = self.pool.pop().unwrap_or_default();
        s.clear();
        s
    }

    /// Keeps an owned string's buffer for later.
    pub(crate) fn give(&mut self, s: String) {
        if self.pool.len() < POOL_MAX && s.capacity() > 0 {
            self.pool.push(s);
        }
    }

    /// Keeps the buffer of an owned text value.
    pub(crate) fn recycle(&mut self, v: Option<Val<'_>>) {
        if let Some(Val::Str(Cow::Owned(s))) = v {
            self.give(s);
        }
    }

    /// `new` in a reused buffer; the buffer of `old` (when owned) is kept.
    fn swap(&mut self, old: Cow<'_, str>, new: &str) -> String {
        let b = self.copy(new);
        if let Cow::Owned(o) = old {
            self.give(o);
        }
        b
    }

    /// A copy of `s` in a reused buffer.
    fn copy(&mut self, s: &str) -> String {
        let mut b = self.take();
        b.push_str(s);
        b
    }
}

/// Text changed by `f` (ASCII bytes, same length), in place when owned.
fn ascii_map<'a>(s: Cow<'a, str>, scratch: &mut Scratch, f: fn(&mut str)) -> Cow<'a, str> {
    match s {
        Cow::Owned(mut o) => {
            f(&mut o);
            Cow::Owned(o)
        }
        Cow::Borrowed(b) => {
            let mut o = scratch.copy(b);
            f(&mut o);
            Cow::Owned(o)
        }
    }
}

fn lower<'a>(s: Cow<'a, str>, scratch: &mut Scratch) -> Cow<'a, str> {
    if !s.is_ascii() {
        return Cow::Owned(crate::codec::case::lower_str(&s));
    }
    if !s.bytes().any(|c| c.is_ascii_uppercase()) {
        return s;
    }
    ascii_map(s, scratch, str::make_ascii_lowercase)
}

fn upper<'a>(s: Cow<'a, str>, scratch: &mut Scratch) -> Cow<'a, str> {
    if !s.is_ascii() {
        return Cow::Owned(crate::codec::case::upper_str(&s));
    }
    if !s.bytes().any(|c| c.is_ascii_lowercase()) {
        return s;
    }
    ascii_map(s, scratch, str::make_ascii_uppercase)
}

fn title_case<'a>(s: Cow<'a, str>, scratch: &mut Scratch) -> Cow<'a, str> {
    if !s.is_ascii() {
        return Cow::Owned(title(&s));
    }
    let mut o = match s {
        Cow::Borrowed(t) if is_title(t) => return Cow::Borrowed(t),
        Cow::Borrowed(t) => scratch.copy(t),
        Cow::Owned(o) => o,
    };
    title_ascii_string(&mut o);
    Cow::Owned(o)
}

impl CTransform {
    /// Whether the transform maps one text to one text (or to nothing), so a chain of
    /// such transforms can take the text path.
    pub fn is_text(&self) -> bool {
        match self {
            CTransform::Trim
            | CTransform::Lower
            | CTransform::Upper
            | CTransform::Title
            | CTransform::Phone { .. }
            | CTransform::Date { .. } => true,
            CTransform::Default(d) => matches!(d, Val::Str(_)),
            CTransform::Lookup { table, default, .. } => {
                table.values().all(|v| matches!(v, Val::Str(_)))
                    && default.as_ref().is_none_or(|d| matches!(d, Val::Str(_)))
            }
            _ => false,
        }
    }

    /// Applies a text transform ([`CTransform::is_text`]) to a text or nothing; the
    /// same result as [`CTransform::apply`] on a missing value or a `Val::Str`.
    pub(crate) fn apply_text<'a>(
        &'a self,
        v: Option<Cow<'a, str>>,
        default_country: Option<&str>,
        drop: &mut Option<Drop>,
        scratch: &mut Scratch,
    ) -> Option<Cow<'a, str>> {
        if let CTransform::Default(d) = self {
            let blank = v.as_deref().is_none_or(|s| crate::text::trim(s).is_empty());
            return match (blank, d) {
                (true, Val::Str(d)) => Some(Cow::Borrowed(d.as_ref())),
                _ => v,
            };
        }
        let s = v?;
        match self {
            CTransform::Trim => Some(trim(s)),
            CTransform::Lower => Some(lower(s, scratch)),
            CTransform::Upper => Some(upper(s, scratch)),
            CTransform::Title => Some(title_case(s, scratch)),
            CTransform::Lookup {
                table,
                default,
                case_sensitive,
            } => {
                let mut buf = [0u8; 64];
                let hit = table.get(lookup_key(&s, *case_sensitive, &mut buf).as_ref());
                match hit.or(default.as_ref()) {
                    Some(Val::Str(h)) => Some(Cow::Borrowed(h.as_ref())),
                    _ => Some(s),
                }
            }
            CTransform::Phone { country } => {
                let c = country.as_deref().or(default_country);
                match phone::e164(&s, c) {
                    Some(p) => Some(Cow::Owned(scratch.swap(s, p.as_str()))),
                    None => {
                        convert_drop(
                            &Val::Str(s),
                            "INVALID_PHONE",
                            "a phone number we can read",
                            drop,
                        );
                        None
                    }
                }
            }
            CTransform::Date { day_first } => match date::parse_ymd(&s, *day_first) {
                Some(d) => Some(Cow::Owned(scratch.swap(s, d.as_str()))),
                None => {
                    convert_drop(&Val::Str(s), "INVALID_DATE", "a date we can read", drop);
                    None
                }
            },
            // Not text transforms: the general path handles them.
            _ => Some(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn chains() -> Vec<CTransform> {
        let table: HashMap<String, Val<'static>> = [("usa", "US"), ("united kingdom", "GB")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), Val::Str(Cow::Borrowed(v))))
            .collect();
        vec![
            CTransform::Trim,
            CTransform::Lower,
            CTransform::Upper,
            CTransform::Title,
            CTransform::Default(Val::Str(Cow::Borrowed("fallback"))),
            CTransform::Lookup {
                table: table.clone(),
                default: None,
                case_sensitive: false,
            },
            CTransform::Lookup {
                table,
                default: Some(Val::Str(Cow::Borrowed("??"))),
                case_sensitive: true,
            },
            CTransform::Phone { country: None },
            CTransform::Date { day_first: false },
        ]
    }

    #[test]
    fn text_path_agrees_with_general_path() {
        let inputs = [
            None,
            Some(""),
            Some("   "),
            Some(" USA "),
            Some("United Kingdom"),
            Some("mary-jane o'NEIL"),
            Some("Already Title"),
            Some("  Zoë müller "),
            Some("(415) 555-0123"),
            Some("555-0100"),
            Some("03/05/1971"),
            Some("31/02/2020"),
            Some("ΣΑΣ"),
        ];
        let all = chains();
        let mut scratch = Scratch::default();
        let budget = crate::budget::Budget::new(&crate::Limits::default());
        // Every chain of one or two transforms, owned and borrowed inputs.
        for a in 0..all.len() {
            for b in 0..=all.len() {
                let chain: Vec<&CTransform> = std::iter::once(&all[a]).chain(all.get(b)).collect();
                for input in inputs {
                    for owned in [false, true] {
                        let start = input.map(|s| match owned {
                            true => Cow::Owned(s.to_string()),
                            false => Cow::Borrowed(s),
                        });
                        let (mut gv, mut gd) = (start.clone().map(Val::Str), None);
                        let (mut tv, mut td) = (start, None);
                        for t in &chain {
                            assert!(t.is_text());
                            gv = t.apply(gv, Some("US"), &mut gd, &budget);
                            tv = t.apply_text(tv, Some("US"), &mut td, &mut scratch);
                        }
                        assert_eq!(tv.map(Val::Str), gv, "{chain:?} on {input:?}");
                        assert_eq!(td, gd, "{chain:?} on {input:?}");
                    }
                }
            }
        }
        assert!(!CTransform::Number.is_text());
        assert!(!CTransform::Default(Val::Num(1.0)).is_text());
    }

    #[test]
    fn scratch_reuses_buffers() {
        let mut s = Scratch::default();
        let mut b = s.take();
        b.push_str("some text");
        let cap = b.capacity();
        s.recycle(Some(Val::Str(Cow::Owned(b))));
        let again = s.take();
        assert!(again.is_empty());
        assert_eq!(again.capacity(), cap);
    }
}
