//! Text operations and data tables the engine reads (no rules logic here): `str::trim`
//! and friends with an ASCII fast path, byte scans for JSON strings, the JSON text
//! writer ([`json`]), and the country, date and phone tables and parsers.
//!
//! Invariant: every trim function returns exactly what its `str` namesake returns, on
//! any input (non-ASCII ends fall back to the standard library).

pub mod country;
pub mod date;
pub(crate) mod json;
pub mod phone;

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

/// Byte equality without a call to `memcmp` (for keys, which are short).
#[inline]
pub(crate) fn short_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Length of the leading run of bytes that need no attention inside a string (not
/// `"`, not `\\`, not a control character).
#[inline]
pub(crate) fn plain_run(b: &[u8]) -> usize {
    run::<false>(b)
}

/// [`plain_run`] that also stops at the first non-ASCII byte (the writer escapes those).
#[inline]
pub(crate) fn plain_ascii_run(b: &[u8]) -> usize {
    run::<true>(b)
}

#[inline]
fn run<const ASCII: bool>(b: &[u8]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let quote = has_zero(x ^ (LO * b'"' as u64));
        let slash = has_zero(x ^ (LO * b'\\' as u64));
        // Bytes below 0x20: (x - 0x20..) borrows into the high bit for small bytes that
        // did not have it set.
        let ctrl = x.wrapping_sub(LO * 0x20) & !x & HI;
        let high = if ASCII { x & HI } else { 0 };
        let m = quote | slash | ctrl | high;
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 || (ASCII && c >= 0x80) {
            break;
        }
        i += 1;
    }
    i
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
