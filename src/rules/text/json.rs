//! A small JSON text writer for the batch path (no intermediate values).
//!
//! Invariant: output is valid JSON; non-finite numbers are written as `null`.

use std::fmt::Write;

/// Writes `s` as a JSON string, in ASCII: non-ASCII characters as `\u` escapes (UTF-16
/// units, a surrogate pair above U+FFFF). The results cross to JavaScript as this text,
/// and the glue's `TextDecoder` turns ASCII into a string faster than UTF-8 with a few
/// non-ASCII characters in it (the mapping bench's 20-rule results, 1,000 per batch:
/// decode and `JSON.parse` 3.4 -> 2.9 us per record).
pub(crate) fn str(out: &mut String, s: &str) {
    out.push('"');
    let b = s.as_bytes();
    let mut start = 0;
    let mut i = super::plain_ascii_run(b);
    while let Some(&c) = b.get(i) {
        out.push_str(s.get(start..i).unwrap_or_default());
        let width = match c {
            b'"' => push(out, "\\\""),
            b'\\' => push(out, "\\\\"),
            b'\n' => push(out, "\\n"),
            b'\r' => push(out, "\\r"),
            b'\t' => push(out, "\\t"),
            0..=0x7f => {
                unit(out, u16::from(c));
                1
            }
            _ => match s.get(i..).and_then(|rest| rest.chars().next()) {
                Some(ch) => {
                    let mut units = [0u16; 2];
                    for u in ch.encode_utf16(&mut units) {
                        unit(out, *u);
                    }
                    ch.len_utf8()
                }
                None => 1, // not reached: `i` is always on a char boundary
            },
        };
        i += width;
        start = i;
        i += super::plain_ascii_run(b.get(i..).unwrap_or_default());
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

fn push(out: &mut String, escape: &str) -> usize {
    out.push_str(escape);
    1
}

/// `\u` and four lower-case hex digits.
fn unit(out: &mut String, u: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(char::from(HEX[usize::from((u >> shift) & 0xf)]));
    }
}

/// Writes a number (integral values without a fraction).
pub(crate) fn num(out: &mut String, n: f64) {
    if !n.is_finite() {
        out.push_str("null");
    } else if n.fract() == 0.0 && n.abs() < 9.0e15 {
        let _ = write!(out, "{}", n as i64);
    } else {
        crate::codec::write_plain_f64(out, n);
    }
}

/// Writes any JSON value (the codec's writer: what `serde_json` writes).
pub(crate) fn value(out: &mut String, v: &serde_json::Value) {
    crate::codec::ToJson::write_json(v, out);
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_like_serde() {
        for s in [
            "plain",
            "q\"b\\s",
            "line\nbreak\ttab\u{1}\u{1f}",
            "café 😀",
            "",
            "é",
            "\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}",
            "long ASCII run before a quote \" and ünïcödé after it, then more ASCII",
        ] {
            let mut out = String::new();
            super::str(&mut out, s);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s);
            assert!(out.is_ascii(), "{out}");
        }
        let mut out = String::new();
        super::str(&mut out, "é😀\u{1}");
        assert_eq!(out, "\"\\u00e9\\ud83d\\ude00\\u0001\"");
        let mut out = String::new();
        super::num(&mut out, 3.0);
        super::num(&mut out, -0.5);
        assert_eq!(out, "3-0.5");
    }
}
