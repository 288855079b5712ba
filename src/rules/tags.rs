//! Tag normalisation and the add/remove diff the rules produce.
//!
//! Invariants: tags come out trimmed, inner white space collapsed, lower-cased when the
//! settings say so, cut to the maximum length, never empty, and each tag appears at
//! most once across both lists (compared ignoring case); a later rule wins over an
//! earlier one for the same tag.

/// Normalises one tag; `None` when nothing is left.
pub(crate) fn normalise(t: &str, lowercase: bool, max_len: usize) -> Option<String> {
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
    if let Some((i, _)) = out.char_indices().nth(max_len) {
        out.truncate(i);
        out.truncate(out.trim_end().len());
    }
    (!out.is_empty()).then_some(out)
}

/// An ordered tag diff.
#[derive(Debug, Default)]
pub(crate) struct TagDiff {
    /// `(tag, add?)`, one entry per tag (case-insensitively).
    ops: Vec<(String, bool)>,
}

impl TagDiff {
    /// Records an add (`add`) or a remove of a normalised tag.
    pub(crate) fn push(&mut self, tag: String, add: bool) {
        if let Some(e) = self.ops.iter_mut().find(|(t, _)| {
            t.eq_ignore_ascii_case(&tag)
                || (t.len() == tag.len() && t.to_lowercase() == tag.to_lowercase())
        }) {
            e.1 = add;
        } else {
            self.ops.push((tag, add));
        }
    }

    pub(crate) fn iter(&self, add: bool) -> impl Iterator<Item = &str> {
        self.ops
            .iter()
            .filter(move |o| o.1 == add)
            .map(|o| o.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_dedupes() {
        assert_eq!(
            normalise("  Hot   Lead ", true, 64).as_deref(),
            Some("hot lead")
        );
        assert_eq!(normalise("   ", true, 64), None);
        assert_eq!(normalise("abcdef", false, 3).as_deref(), Some("abc"));
        let mut d = TagDiff::default();
        d.push("VIP".into(), true);
        d.push("cold".into(), false);
        d.push("vip".into(), true);
        d.push("Cold".into(), true);
        assert_eq!(d.iter(true).collect::<Vec<_>>(), vec!["VIP", "cold"]);
        assert_eq!(d.iter(false).count(), 0);
    }
}
