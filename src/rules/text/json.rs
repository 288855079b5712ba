//! A small JSON text writer for the batch path (no intermediate values).
//!
//! Invariant: output is valid JSON; non-finite numbers are written as `null`.

use std::fmt::Write;

/// Writes `s` as a JSON string.
pub(crate) fn str(out: &mut String, s: &str) {
    out.push('"');
    let b = s.as_bytes();
    if super::plain_run(b) == b.len() {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: Option<&str> = match c {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{:04x}", c);
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
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
        ] {
            let mut out = String::new();
            super::str(&mut out, s);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s);
        }
        let mut out = String::new();
        super::num(&mut out, 3.0);
        super::num(&mut out, -0.5);
        assert_eq!(out, "3-0.5");
    }
}
