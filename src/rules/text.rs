//! Text helpers for the hot paths: `str::trim` and friends with an ASCII fast path.
//!
//! Invariant: every function returns exactly what its `str` namesake returns, on any
//! input (non-ASCII ends fall back to the standard library).

#[inline]
fn ascii_space(c: u8) -> bool {
    c == b' ' || (b'\t'..=b'\r').contains(&c)
}

/// Same as `str::trim_start`.
#[inline]
pub(crate) fn trim_start(s: &str) -> &str {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if ascii_space(c) {
            i += 1;
        } else if c < 0x80 {
            return s.get(i..).unwrap_or("");
        } else {
            return s.get(i..).map(str::trim_start).unwrap_or("");
        }
    }
    ""
}

/// Same as `str::trim_end`.
#[inline]
pub(crate) fn trim_end(s: &str) -> &str {
    let b = s.as_bytes();
    let mut n = b.len();
    while let Some(&c) = n.checked_sub(1).and_then(|i| b.get(i)) {
        if ascii_space(c) {
            n -= 1;
        } else if c < 0x80 {
            return s.get(..n).unwrap_or("");
        } else {
            return s.get(..n).map(str::trim_end).unwrap_or("");
        }
    }
    ""
}

/// Same as `str::trim`.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    trim_end(trim_start(s))
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_as_std() {
        for s in [
            "",
            " ",
            "a",
            " a ",
            "\t\n a b \r\x0b\x0c",
            "\u{a0}x\u{a0}",
            " \u{2003}é ",
            "é",
            "x\u{85}",
            "\u{1c}a\u{1f}",
            "  \u{3000}",
        ] {
            assert_eq!(super::trim(s), s.trim(), "{s:?}");
            assert_eq!(super::trim_start(s), s.trim_start(), "{s:?}");
            assert_eq!(super::trim_end(s), s.trim_end(), "{s:?}");
        }
    }
}
