//! Case folding for the `$missing` / `$present` comparisons, by the codec's lowercase
//! table ([`crate::codec::case`]), not the standard library's.
//!
//! Invariant: [`push_lower`] pushes exactly what `char::to_lowercase` yields for every
//! `char` (U+0130 `İ` becomes `i` + U+0307, as there), except that `Σ`, `σ` and `ς`
//! all fold to `σ` (a comparison key, not text for display: `str::to_lowercase` would
//! pick `ς` at the end of a word). The mapping itself is checked against std for every
//! `char` by the codec's `tables_match_std`.

use crate::codec::case;

/// Pushes the case-folded form of `c` (see the module invariant).
pub(super) fn push_lower(c: char, out: &mut String) {
    match c {
        'Σ' | 'ς' => out.push('σ'),
        c => case::push_lower(c, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_like_char_to_lowercase_but_sigma() {
        for c in (0u32..=0x10FFFF).filter_map(char::from_u32) {
            let mut ours = String::new();
            push_lower(c, &mut ours);
            let std: String = c.to_lowercase().collect();
            if matches!(c, 'Σ' | 'ς') {
                assert_eq!(ours, "σ");
            } else {
                assert_eq!(ours, std, "U+{:04X}", u32::from(c));
            }
        }
    }

    #[test]
    fn every_sigma_folds_to_one_key() {
        let fold = |s: &str| {
            let mut out = String::new();
            s.chars().for_each(|c| push_lower(c, &mut out));
            out
        };
        // `str::to_lowercase` gives `οδος` (a final sigma); as a key, every form is `σ`.
        assert_eq!(fold("ΟΔΟΣ"), "οδοσ");
        assert_eq!(fold("οδος"), "οδοσ");
        assert_eq!(fold("Straße İ"), "straße i\u{307}");
    }
}
