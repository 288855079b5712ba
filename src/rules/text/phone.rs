//! Phone numbers to E.164 (`+14155550123`) with a compact table of calling codes,
//! national trunk prefixes and national number lengths for common countries.
//!
//! Invariant: the output is `+` followed by 8 to 15 digits, or there is no output.
//! Numbers with an explicit international prefix (`+`, `00`, `011`) are kept as given
//! (digits only); others are read as national numbers of the default country.

/// `(ISO-2, calling code, trunk prefix, shortest and longest national number)`.
const PLAN: &[(&str, &str, &str, u8, u8)] = &[
    ("AE", "971", "0", 8, 9),
    ("AR", "54", "0", 10, 11),
    ("AT", "43", "0", 4, 13),
    ("AU", "61", "0", 9, 9),
    ("BE", "32", "0", 8, 9),
    ("BR", "55", "0", 10, 11),
    ("CA", "1", "1", 10, 10),
    ("CH", "41", "0", 9, 9),
    ("CL", "56", "", 9, 9),
    ("CN", "86", "0", 10, 11),
    ("CO", "57", "", 10, 10),
    ("CZ", "420", "", 9, 9),
    ("DE", "49", "0", 6, 13),
    ("DK", "45", "", 8, 8),
    ("ES", "34", "", 9, 9),
    ("FI", "358", "0", 5, 12),
    ("FR", "33", "0", 9, 9),
    ("GB", "44", "0", 9, 10),
    ("GR", "30", "", 10, 10),
    ("HK", "852", "", 8, 8),
    ("IE", "353", "0", 7, 9),
    ("IL", "972", "0", 8, 9),
    ("IN", "91", "0", 10, 10),
    ("IT", "39", "", 6, 11),
    ("JP", "81", "0", 9, 10),
    ("MX", "52", "", 10, 10),
    ("MY", "60", "0", 9, 10),
    ("NG", "234", "0", 8, 10),
    ("NL", "31", "0", 9, 9),
    ("NO", "47", "", 8, 8),
    ("NZ", "64", "0", 8, 10),
    ("PH", "63", "0", 10, 10),
    ("PL", "48", "", 9, 9),
    ("PT", "351", "", 9, 9),
    ("SE", "46", "0", 7, 13),
    ("SG", "65", "", 8, 8),
    ("US", "1", "1", 10, 10),
    ("ZA", "27", "0", 9, 9),
];

fn plan(country: &str) -> Option<&'static (&'static str, &'static str, &'static str, u8, u8)> {
    // PLAN is sorted by code (a test checks it).
    let [a, b] = country.as_bytes() else {
        return None;
    };
    let code = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
    let i = PLAN
        .binary_search_by(|p| p.0.as_bytes().cmp(&code[..]))
        .ok()?;
    PLAN.get(i)
}

/// Can numbers of this country be read without a country code?
pub fn supports_country(country: &str) -> bool {
    plan(country).is_some()
}

/// A phone number in E.164, or `None` when it cannot be one. `default_country` (ISO-2)
/// is used for numbers without an international prefix.
pub fn to_e164(input: &str, default_country: Option<&str>) -> Option<String> {
    e164(input, default_country).map(|p| p.as_str().to_string())
}

/// A number in E.164 (`+` and 8 to 15 digits), on the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct E164 {
    buf: [u8; 16],
    len: usize,
}

impl E164 {
    /// The number as text.
    pub(crate) fn as_str(&self) -> &str {
        self.buf
            .get(..self.len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

/// [`to_e164`] on the stack.
pub(crate) fn e164(input: &str, default_country: Option<&str>) -> Option<E164> {
    let t = super::trim(input);
    // Digits go to a buffer on the stack: no valid number has more than 15 digits
    // after an international prefix of at most 3, so longer runs are not numbers.
    // An extension ends the number: "x123", "ext. 12", "#12".
    let mut buf = [0u8; 24];
    let mut len = 0usize;
    let mut plus = false;
    let tb = t.as_bytes();
    let mut i = 0;
    while let Some(&c) = tb.get(i) {
        match c {
            b'0'..=b'9' => {
                *buf.get_mut(len)? = c;
                len += 1;
            }
            b'+' if len == 0 && !plus && i == 0 => plus = true,
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' => {}
            b'#' => break,
            b'x' | b'X' if i > 0 => break,
            b'e' | b'E'
                if tb
                    .get(i..i + 3)
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"ext")) =>
            {
                break
            }
            // U+00A0 (no-break space) in UTF-8.
            0xC2 if tb.get(i + 1) == Some(&0xA0) => i += 1,
            _ => return None,
        }
        i += 1;
    }
    let digits = std::str::from_utf8(buf.get(..len)?).ok()?;
    let nanp = default_country
        .is_some_and(|c| c.eq_ignore_ascii_case("US") || c.eq_ignore_ascii_case("CA"));
    let intl = if plus {
        Some(digits)
    } else {
        digits
            .strip_prefix("00")
            .or_else(|| digits.strip_prefix("011").filter(|_| nanp))
    };
    if let Some(d) = intl {
        return valid(d);
    }
    let p = plan(default_country?)?;
    let (_, cc, trunk, min, max) = *p;
    let len_ok = |n: &str| (min as usize..=max as usize).contains(&n.len());
    if !trunk.is_empty() {
        if let Some(nat) = digits.strip_prefix(trunk) {
            if len_ok(nat) {
                return join(cc, nat);
            }
        }
    }
    if len_ok(digits) && !(cc == "1" && digits.starts_with(['0', '1'])) {
        return join(cc, digits);
    }
    // Country code written without '+'.
    if let Some(nat) = digits.strip_prefix(cc) {
        if len_ok(nat) {
            return valid(digits);
        }
    }
    None
}

fn valid(d: &str) -> Option<E164> {
    if (8..=15).contains(&d.len()) && d.bytes().all(|c| c.is_ascii_digit()) && !d.starts_with('0') {
        let mut p = E164 {
            buf: [b'+'; 16],
            len: d.len() + 1,
        };
        p.buf.get_mut(1..=d.len())?.copy_from_slice(d.as_bytes());
        Some(p)
    } else {
        None
    }
}

fn join(cc: &str, nat: &str) -> Option<E164> {
    let mut b = [0u8; 32];
    let n = cc.len() + nat.len();
    b.get_mut(..cc.len())?.copy_from_slice(cc.as_bytes());
    b.get_mut(cc.len()..n)?.copy_from_slice(nat.as_bytes());
    valid(std::str::from_utf8(b.get(..n)?).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_is_sorted_for_binary_search() {
        assert!(PLAN.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(plan("us").map(|p| p.1), Some("1"));
        assert_eq!(plan("Gb").map(|p| p.1), Some("44"));
        assert!(plan("USA").is_none() && plan("").is_none() && plan("ZZ").is_none());
    }

    #[test]
    fn extensions_end_the_number() {
        let us = Some("US");
        for s in [
            "415 555 0123 ext. 12",
            "415-555-0123#9",
            "(415) 555-0123 EXT 5",
            "4155550123X7",
        ] {
            assert_eq!(to_e164(s, us).as_deref(), Some("+14155550123"), "{s}");
        }
        // A letter before the extension is still not a number; 'x' first is not one.
        assert_eq!(to_e164("415 555 0123a x1", us), None);
        assert_eq!(to_e164("x4155550123", us), None);
    }

    #[test]
    fn national_and_international() {
        let us = Some("US");
        assert_eq!(
            to_e164("(415) 555-0123", us).as_deref(),
            Some("+14155550123")
        );
        assert_eq!(
            to_e164("1-415-555-0123", us).as_deref(),
            Some("+14155550123")
        );
        assert_eq!(
            to_e164("415.555.0123 x12", us).as_deref(),
            Some("+14155550123")
        );
        assert_eq!(
            to_e164("+44 20 7946 0958", us).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            to_e164("0044 20 7946 0958", us).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            to_e164("011 44 20 7946 0958", us).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            to_e164("020 7946 0958", Some("GB")).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            to_e164("07911 123456", Some("gb")).as_deref(),
            Some("+447911123456")
        );
        assert_eq!(
            to_e164("0412 345 678", Some("AU")).as_deref(),
            Some("+61412345678")
        );
        assert_eq!(
            to_e164("06 12 34 56 78", Some("FR")).as_deref(),
            Some("+33612345678")
        );
        assert_eq!(
            to_e164("030 1234567", Some("DE")).as_deref(),
            Some("+49301234567")
        );
        assert_eq!(
            to_e164("06 1234 5678", Some("IT")).as_deref(),
            Some("+390612345678")
        );
        assert_eq!(
            to_e164("447911123456", Some("GB")).as_deref(),
            Some("+447911123456")
        );
        assert_eq!(to_e164("555-0123", us), None);
        assert_eq!(to_e164("call me", us), None);
        assert_eq!(to_e164("4155550123", None), None);
        assert_eq!(to_e164("", us), None);
        assert_eq!(
            to_e164("415\u{a0}555\u{a0}0123", us).as_deref(),
            Some("+14155550123")
        );
        assert_eq!(to_e164("415\u{a1}555", us), None);
        assert_eq!(to_e164(&"1".repeat(40), us), None);
    }
}
