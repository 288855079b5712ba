//! The codec's case conversion (`ghl_bridge::codec::case`) against the standard
//! library, the referee: on random text `lower_str` is `str::to_lowercase` and
//! `upper_str` is `str::to_uppercase`, final sigma included (every `char` on its own
//! is checked by the unit test `tables_match_std`).

use ghl_bridge::codec::case;
use proptest::prelude::*;

/// Text around the final-sigma rule: the three sigmas, cased and uncased letters,
/// case-ignorable characters (apostrophes, the period, combining marks, a modifier
/// letter), spaces and punctuation, the expanding characters, and any character.
fn text() -> impl Strategy<Value = String> {
    let picked = prop::sample::select(vec![
        'Σ',
        'σ',
        'ς',
        'A',
        'a',
        'Ω',
        'ω',
        'ß',
        'İ',
        'ŉ',
        'ﬁ',
        'ᾳ',
        'ΐ',
        'ǅ',
        '1',
        ' ',
        '.',
        ',',
        '\'',
        ':',
        '\u{2019}',
        '\u{301}',
        '\u{345}',
        '\u{2b0}',
        '\u{200d}',
        '中',
        '-',
        '\u{e0100}',
    ]);
    let one = prop_oneof![4 => picked, 1 => any::<char>()];
    prop::collection::vec(one, 0..24).prop_map(|c| c.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn lower_and_upper_as_std(s in text()) {
        prop_assert_eq!(case::lower_str(&s), s.to_lowercase());
        prop_assert_eq!(case::upper_str(&s), s.to_uppercase());
    }

    #[test]
    fn any_text_as_std(s in any::<String>()) {
        prop_assert_eq!(case::lower_str(&s), s.to_lowercase());
        prop_assert_eq!(case::upper_str(&s), s.to_uppercase());
    }

    #[test]
    fn after_long_ascii_as_std(n in 0usize..40, s in text()) {
        // std converts an ASCII start in chunks: the rule still sees it.
        let s = format!("{}{s}", "Ab".repeat(n));
        prop_assert_eq!(case::lower_str(&s), s.to_lowercase());
    }
}
