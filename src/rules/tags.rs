//! Tag normalisation and the add/remove diff the rules produce.
//!
//! Invariants: tags come out trimmed, inner white space collapsed, lower-cased when the
//! settings say so, cut to the maximum length, never empty, and each tag appears at
//! most once across both lists (compared ignoring case); a later rule wins over an
//! earlier one for the same tag.

use std::borrow::Cow;

use super::textops::Scratch;

/// Normalises one tag; `None` when nothing is left. A tag that is already normal is
/// passed through without copying.
pub(crate) fn normalise(t: Cow<'_, str>, lowercase: bool, max_len: usize) -> Option<Cow<'_, str>> {
    // Surrounding white space goes first, without copying a borrowed tag.
    let t = match t {
        Cow::Borrowed(b) => Cow::Borrowed(super::text::trim(b)),
        Cow::Owned(o) if super::text::trim(&o).len() == o.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(super::text::trim(&o).to_string()),
    };
    // Already in shape: printable ASCII, single spaces between words, not too long.
    let b = t.as_bytes();
    let mut shaped = !b.is_empty() && b.len() <= max_len;
    let mut upper = false;
    let mut after_space = true; // a leading space is out of shape
    for &c in b {
        if c == b' ' {
            if after_space {
                shaped = false;
                break;
            }
            after_space = true;
        } else if c.is_ascii_graphic() {
            upper |= c.is_ascii_uppercase();
            after_space = false;
        } else {
            shaped = false;
            break;
        }
    }
    if shaped && !after_space {
        if !(lowercase && upper) {
            return Some(t);
        }
        // Only the case is wrong: lower-case an owned tag in place.
        if let Cow::Owned(mut o) = t {
            o.make_ascii_lowercase();
            return Some(Cow::Owned(o));
        }
    }
    let mut out = String::with_capacity(t.len());
    for w in t.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if lowercase && w.is_ascii() {
            out.extend(w.bytes().map(|c| char::from(c.to_ascii_lowercase())));
        } else if lowercase {
            out.push_str(&w.to_lowercase());
        } else {
            out.push_str(w);
        }
    }
    if out.len() <= max_len {
        // At most `max_len` bytes, so at most `max_len` characters: nothing to cut.
    } else if let Some((i, _)) = out.char_indices().nth(max_len) {
        out.truncate(i);
        out.truncate(out.trim_end().len());
    }
    (!out.is_empty()).then_some(Cow::Owned(out))
}

/// An ordered tag diff.
#[derive(Debug, Default)]
pub(crate) struct TagDiff<'a> {
    /// `(tag, add?)`, one entry per tag (case-insensitively).
    ops: Vec<(Cow<'a, str>, bool)>,
}

impl<'a> TagDiff<'a> {
    /// Empties the diff, keeping the buffers of owned tags in `scratch`.
    pub(crate) fn clear(&mut self, scratch: &mut Scratch) {
        for (t, _) in self.ops.drain(..) {
            if let Cow::Owned(o) = t {
                scratch.give(o);
            }
        }
    }

    /// Records an add (`add`) or a remove of a normalised tag.
    pub(crate) fn push(&mut self, tag: Cow<'a, str>, add: bool) {
        let ascii = tag.is_ascii();
        let same = |t: &str| {
            if ascii && t.is_ascii() {
                t.len() == tag.len() && t.eq_ignore_ascii_case(&tag)
            } else {
                t.to_lowercase() == tag.to_lowercase()
            }
        };
        if let Some(e) = self.ops.iter_mut().find(|(t, _)| same(t)) {
            e.1 = add;
        } else {
            self.ops.push((tag, add));
        }
    }

    pub(crate) fn iter(&self, add: bool) -> impl Iterator<Item = &str> {
        self.ops
            .iter()
            .filter(move |o| o.1 == add)
            .map(|o| o.0.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_dedupes() {
        let n = |t: &'static str, l, m| normalise(Cow::Borrowed(t), l, m);
        assert_eq!(n("  Hot   Lead ", true, 64).as_deref(), Some("hot lead"));
        assert_eq!(n("   ", true, 64), None);
        assert_eq!(n("abcdef", false, 3).as_deref(), Some("abc"));
        assert_eq!(n("Tab\there", false, 64).as_deref(), Some("Tab here"));
        assert!(matches!(n("ok tag", true, 64), Some(Cow::Borrowed(_))));
        assert!(matches!(
            n(" ok tag ", true, 64),
            Some(Cow::Borrowed("ok tag"))
        ));
        let owned = normalise(Cow::Owned("Hot  Lead".into()), true, 64);
        assert_eq!(owned.as_deref(), Some("hot lead"));
        let owned = normalise(Cow::Owned("Campaign: X".into()), true, 64);
        assert_eq!(owned.as_deref(), Some("campaign: x"));
        let mut d = TagDiff::default();
        d.push("VIP".into(), true);
        d.push("cold".into(), false);
        d.push("vip".into(), true);
        d.push("Cold".into(), true);
        assert_eq!(d.iter(true).collect::<Vec<_>>(), vec!["VIP", "cold"]);
        assert_eq!(d.iter(false).count(), 0);
    }
}
