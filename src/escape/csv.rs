//! CSV (RFC 4180) from data.
//!
//! - [`field`]: quoted when it holds `,`, `"`, CR or LF; quotes doubled.
//! - [`text`]: a text cell from data: [`field`] after the formula guard. A cell that a
//!   spreadsheet would read as a formula gets a leading `'`: one whose first character
//!   is a formula trigger (`=`, `+`, `-`, `@`, their full-width forms `＝ ＋ － ＠`,
//!   their small forms `﹦ ﹢ ﹣ ﹫`, the minus sign `−`), or a tab, CR or LF, or
//!   that starts with white space or control characters followed by a trigger
//!   (spreadsheets trim those before looking).
//! - [`number`]: a finite number as Rust prints it, empty otherwise. Numbers are never
//!   guarded (a negative number stays a number).

/// The characters that start a formula.
fn is_trigger(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠' | '﹦' | '﹢' | '﹣' | '﹫' | '−'
    )
}

/// True when a spreadsheet would read `s` as a formula (see the module doc).
pub fn is_formula(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if matches!(first, '\t' | '\r' | '\n') || is_trigger(first) {
        return true;
    }
    s.chars()
        .find(|c| !(c.is_whitespace() || c.is_control() || *c == '\u{feff}'))
        .is_some_and(is_trigger)
}

/// A field, quoted when needed.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A text cell from data: guarded, then quoted when needed.
pub fn text(s: &str) -> String {
    if is_formula(s) {
        field(&format!("'{s}"))
    } else {
        field(s)
    }
}

/// A number cell (empty when unknown or not finite).
pub fn number(x: Option<f64>) -> String {
    let mut out = String::new();
    if let Some(v) = x.filter(|v| v.is_finite()) {
        crate::codec::write_plain_f64(&mut out, v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_formula_start_is_guarded() {
        for s in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "\n=1",
            " =1",
            "\u{a0}=1",
            "\u{3000}+1",
            "＝1+1",
            "＋1",
            "－1",
            "＠A1",
            "﹦1",
            "−1",
            "\u{feff}=1",
            "\t",
        ] {
            assert!(is_formula(s), "{s:?}");
            assert!(
                text(s).trim_start_matches('"').starts_with('\''),
                "{s:?} -> {}",
                text(s)
            );
        }
        for s in ["", "hello", " hello", "a=b", "1-2", "x@y"] {
            assert!(!is_formula(s), "{s:?}");
        }
    }

    #[test]
    fn fields_are_quoted_when_needed() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(text("=a,b"), "\"'=a,b\"");
        assert_eq!(number(Some(-3.5)), "-3.5");
        assert_eq!(number(Some(f64::NAN)), "");
    }
}
