//! Instants as webhooks send them: RFC 3339 text (`2026-03-05T14:22:10.123Z`,
//! `+02:00` offsets) or numbers since the epoch (milliseconds; values below 10^11 are
//! read as seconds). One parser for every source.

use crate::stats::calendar::{days_from_civil, DAY_MS};

/// Milliseconds since the epoch of an RFC 3339 date-time; `None` when it is not one.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 20 || b.len() > 40 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac_ms = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let digits = &b[start..i.min(start + 3)];
        let mut v = 0i64;
        for (n, c) in digits.iter().enumerate() {
            v += i64::from(c - b'0') * [100, 10, 1][n];
        }
        frac_ms = v;
    }
    let offset_min = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if *sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    let day = days_from_civil(y, mo as u32, d as u32);
    let secs = h * 3600 + mi * 60 + sec - offset_min * 60;
    Some(day * DAY_MS + secs * 1000 + frac_ms)
}

/// A JSON timestamp (string or number) as milliseconds since the epoch.
pub fn json_instant_ms(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::String(s) => parse_rfc3339_ms(s).or_else(|| {
            let n = crate::codec::parse_f64(s.trim())?;
            number_ms(n)
        }),
        serde_json::Value::Number(n) => number_ms(n.as_f64()?),
        _ => None,
    }
}

fn number_ms(n: f64) -> Option<i64> {
    if !n.is_finite() || !(0.0..=1e15).contains(&n) {
        return None;
    }
    Some(if n < 1e11 { n * 1000.0 } else { n } as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc3339_forms() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2026-03-05T14:22:10.123Z"),
            Some(1_772_720_530_123)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-03-05T16:22:10.123456+02:00"),
            Some(1_772_720_530_123)
        );
        for bad in [
            "",
            "2026-03-05",
            "2026-13-05T00:00:00Z",
            "2026-03-05T00:00:00",
            "2026-03-05T00:00:00.Z",
            "２０２６-03-05T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers_are_ms_or_seconds() {
        assert_eq!(
            json_instant_ms(&json!(1_772_720_530_123u64)),
            Some(1_772_720_530_123)
        );
        assert_eq!(
            json_instant_ms(&json!(1_772_720_530)),
            Some(1_772_720_530_000)
        );
        assert_eq!(
            json_instant_ms(&json!("1772720530")),
            Some(1_772_720_530_000)
        );
        assert_eq!(json_instant_ms(&json!(-1)), None);
        assert_eq!(json_instant_ms(&json!(true)), None);
    }
}
