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
pub fn normalise(t: Cow<'_, str>, lowercase: bool, max_len: usize) -> Option<Cow<'_, str>> {
    normalise_with(t, lowercase, max_len, &mut Scratch::default())
}

/// [`normalise`], taking the buffer of a changed tag from `scratch` (and giving an
/// owned input's buffer back when it is not kept).
pub(crate) fn normalise_with<'t>(
    t: Cow<'t, str>,
    lowercase: bool,
    max_len: usize,
    scratch: &mut Scratch,
) -> Option<Cow<'t, str>> {
    // Surrounding white space goes first, without copying a borrowed tag.
    let t = match t {
        Cow::Borrowed(b) => Cow::Borrowed(crate::text::trim(b)),
        Cow::Owned(o) if crate::text::trim(&o).len() == o.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(crate::text::trim(&o).to_string()),
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
        // Only the case is wrong: lower-case in place (a borrowed tag in a copy).
        let mut o = match t {
            Cow::Owned(o) => o,
            Cow::Borrowed(b) => {
                let mut o = scratch.take();
                o.push_str(b);
                o
            }
        };
        o.make_ascii_lowercase();
        return Some(Cow::Owned(o));
    }
    let mut out = scratch.take();
    for w in t.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if lowercase && w.is_ascii() {
            out.extend(w.bytes().map(|c| char::from(c.to_ascii_lowercase())));
        } else if lowercase {
            out.push_str(&crate::codec::case::lower_str(w));
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
    if let Cow::Owned(o) = t {
        scratch.give(o);
    }
    if out.is_empty() {
        scratch.give(out);
        return None;
    }
    Some(Cow::Owned(out))
}

/// An ordered tag diff.
#[derive(Debug, Default)]
pub(crate) struct TagDiff<'a> {
    /// `(tag, add?, ascii?)`, one entry per tag (case-insensitively).
    ops: Vec<(Cow<'a, str>, bool, bool)>,
}

impl<'a> TagDiff<'a> {
    /// Empties the diff, keeping the buffers of owned tags in `scratch`.
    pub(crate) fn clear(&mut self, scratch: &mut Scratch) {
        for (t, _, _) in self.ops.drain(..) {
            if let Cow::Owned(o) = t {
                scratch.give(o);
            }
        }
    }

    /// Records an add (`add`) or a remove of a normalised tag (the buffer of an owned
    /// tag that is already listed goes back to `scratch`).
    pub(crate) fn push(&mut self, tag: Cow<'a, str>, add: bool, scratch: &mut Scratch) {
        let ascii = tag.is_ascii();
        let mut lower: Option<String> = None;
        let found = self.ops.iter_mut().find(|(t, _, a)| {
            if ascii && *a {
                t.len() == tag.len() && t.eq_ignore_ascii_case(&tag)
            } else {
                // Non-ASCII text can fold to ASCII (the Kelvin sign to 'k').
                let l = lower.get_or_insert_with(|| crate::codec::case::lower_str(&tag));
                crate::codec::case::lower_str(t) == *l
            }
        });
        match found {
            Some(e) => {
                e.1 = add;
                if let Cow::Owned(o) = tag {
                    scratch.give(o);
                }
            }
            None => self.ops.push((tag, add, ascii)),
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
        let sc = &mut Scratch::default();
        d.push("VIP".into(), true, sc);
        d.push("cold".into(), false, sc);
        d.push("vip".into(), true, sc);
        d.push("Cold".into(), true, sc);
        assert_eq!(d.iter(true).collect::<Vec<_>>(), vec!["VIP", "cold"]);
        assert_eq!(d.iter(false).count(), 0);
        // Non-ASCII text that folds to ASCII is the same tag.
        let mut d = TagDiff::default();
        d.push("\u{212A}elvin".into(), true, sc);
        d.push("KELVIN".into(), false, sc);
        d.push("Ünter".into(), true, sc);
        d.push("ünter".into(), false, sc);
        assert_eq!(d.iter(true).count(), 0);
        assert_eq!(
            d.iter(false).collect::<Vec<_>>(),
            vec!["\u{212A}elvin", "Ünter"]
        );
    }
}
