//! Dates from common formats to ISO `YYYY-MM-DD`.
//!
//! Accepted: `YYYY-MM-DD` (optionally followed by a time), `YYYY/MM/DD`, `MM/DD/YYYY`
//! (or `DD/MM/YYYY` when day-first), `DD.MM.YYYY`, `Month D, YYYY`, `D Mon YYYY`, and
//! unix time in seconds or milliseconds (numbers above 10^11 are milliseconds).
//! Invariant: only real calendar dates come out (leap years checked), years 1000–9999.

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A date as `YYYY-MM-DD`, on the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ymd([u8; 10]);

impl Ymd {
    /// The date as text.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

fn ymd(y: i64, m: u32, d: u32) -> Option<Ymd> {
    if !(1000..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > days_in(y, m) {
        return None;
    }
    let y = y as u32;
    let digit = |x: u32| b'0' + (x % 10) as u8;
    Some(Ymd([
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ]))
}

/// Fast path: `D/M/YYYY`-like numeric dates and ISO dates, without allocating.
fn numeric(t: &str, day_first: bool) -> Option<Option<Ymd>> {
    let b = t.as_bytes();
    let mut nums = [0i64; 3];
    let mut lens = [0usize; 3];
    let mut sep = 0u8;
    let mut k = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            if lens[k] >= 4 {
                return None;
            }
            nums[k] = nums[k] * 10 + i64::from(c - b'0');
            lens[k] += 1;
        } else if matches!(c, b'-' | b'/' | b'.') && k < 2 && lens[k] > 0 && (sep == 0 || sep == c)
        {
            sep = c;
            k += 1;
        } else if (c == b'T' || c == b' ') && k == 2 && lens[0] == 4 {
            break; // ISO date followed by a time
        } else {
            return None;
        }
        i += 1;
    }
    if k != 2 || lens[2] == 0 {
        return None;
    }
    if i < b.len() && lens[2] != 2 {
        return None;
    }
    let [a, bb, c] = nums;
    if lens[0] == 4 {
        return Some(ymd(a, bb as u32, c as u32));
    }
    if lens[2] == 4 && i == b.len() {
        let (d, m) = if sep == b'.' || day_first {
            (a, bb)
        } else {
            (bb, a)
        };
        return Some(ymd(c, m as u32, d as u32));
    }
    Some(None)
}

/// Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A unix timestamp (seconds, or milliseconds above 10^11) as a date (UTC).
pub fn from_unix(t: f64) -> Option<String> {
    from_unix_ymd(t).map(|d| d.as_str().to_string())
}

/// [`from_unix`] on the stack.
pub(crate) fn from_unix_ymd(t: f64) -> Option<Ymd> {
    if !t.is_finite() || !(0.0..=1.0e15).contains(&t) {
        return None;
    }
    let secs = if t > 1.0e11 { t / 1000.0 } else { t };
    let (y, m, d) = civil((secs / 86_400.0).floor() as i64);
    ymd(y, m, d)
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn month(s: &str) -> Option<u32> {
    let l = s.trim_end_matches('.').to_ascii_lowercase();
    if l.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| l.starts_with(m) && (l.len() == 3 || full_month(m).starts_with(&l)))
        .map(|i| i as u32 + 1)
}

fn full_month(m: &str) -> &'static str {
    match m {
        "jan" => "january",
        "feb" => "february",
        "mar" => "march",
        "apr" => "april",
        "may" => "may",
        "jun" => "june",
        "jul" => "july",
        "aug" => "august",
        "sep" => "september",
        "oct" => "october",
        "nov" => "november",
        _ => "december",
    }
}

/// Parses a date text into `YYYY-MM-DD`.
pub fn parse(input: &str, day_first: bool) -> Option<String> {
    parse_ymd(input, day_first).map(|d| d.as_str().to_string())
}

/// [`parse`] on the stack.
pub(crate) fn parse_ymd(input: &str, day_first: bool) -> Option<Ymd> {
    let t = super::trim(input);
    if t.is_empty() || t.len() > 64 {
        return None;
    }
    if t.bytes().all(|c| c.is_ascii_digit()) && t.len() >= 9 {
        return from_unix_ymd(crate::codec::parse_f64(t)?);
    }
    if let Some(r) = numeric(t, day_first) {
        return r;
    }
    // ISO, possibly with a time.
    let head = t.split(['T', ' ']).next().unwrap_or(t);
    let parts: Vec<&str> = head.split(['-', '/', '.']).collect();
    if parts.len() == 3 && (head == t || parts[0].len() == 4) {
        let sep_ok = {
            let seps: Vec<char> = head
                .chars()
                .filter(|c| matches!(c, '-' | '/' | '.'))
                .collect();
            seps.len() == 2 && seps[0] == seps[1]
        };
        if sep_ok {
            let (a, b, c) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
            if parts[0].len() == 4 {
                return ymd(a, b as u32, c as u32);
            }
            if parts[2].len() == 4 {
                let dot = head.contains('.');
                let (d, m) = if dot || day_first { (a, b) } else { (b, a) };
                return ymd(c, m as u32, d as u32);
            }
            return None;
        }
    }
    // Month names: "March 5, 2024", "5 Mar 2024", "5 March, 2024".
    let words: Vec<&str> = t.split([' ', ',', '-']).filter(|w| !w.is_empty()).collect();
    if words.len() == 3 {
        let strip = |w: &str| {
            w.trim_end_matches("st")
                .trim_end_matches("nd")
                .trim_end_matches("rd")
                .trim_end_matches("th")
                .to_string()
        };
        if let Some(m) = month(words[0]) {
            let d = num(&strip(words[1]))?;
            return ymd(num(words[2])?, m, d as u32);
        }
        if let Some(m) = month(words[1]) {
            let d = num(&strip(words[0]))?;
            return ymd(num(words[2])?, m, d as u32);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        for (i, want) in [
            ("2024-03-05", "2024-03-05"),
            ("2024-03-05T10:00:00Z", "2024-03-05"),
            ("2024/03/05", "2024-03-05"),
            ("03/05/2024", "2024-03-05"),
            ("05.03.2024", "2024-03-05"),
            ("March 5, 2024", "2024-03-05"),
            ("5 Mar 2024", "2024-03-05"),
            ("5th March 2024", "2024-03-05"),
            ("1709596800", "2024-03-05"),
            ("1709596800000", "2024-03-05"),
            ("2024-02-29", "2024-02-29"),
        ] {
            assert_eq!(parse(i, false).as_deref(), Some(want), "{i}");
        }
        assert_eq!(parse("03/05/2024", true).as_deref(), Some("2024-05-03"));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "31/31/2024",
            "yesterday",
            "2024-03",
            "Marchy 5, 2024",
            "1900-02-29",
        ] {
            assert_eq!(parse(bad, false), None, "{bad}");
        }
        assert_eq!(from_unix(0.0).as_deref(), Some("1970-01-01"));
    }
}
