//! Markdown (CommonMark with GitHub's tables) from data.
//!
//! - [`text`]: data as inline text. `&`, `<` and `>` become entities (so no raw HTML
//!   and no `<scheme:...>` autolink, in every renderer); every other ASCII punctuation
//!   character that Markdown gives a meaning (emphasis, links and images, code spans,
//!   headings, lists, tables, escapes) is backslash-escaped; line breaks and other
//!   control characters become spaces, so the text stays on its line and in its table
//!   cell.
//! - [`code`]: data as a code span, delimited by one backtick more than the longest
//!   run of backticks inside (a backtick in a tag name cannot end the span), `|`
//!   escaped for table cells, line breaks as spaces.
//! - [`link`]: a link only when the URL is `http:` or `https:`; any other URL
//!   (`javascript:`, `data:`, relative) gives the text alone.
//!
//! Invariant: the output of each function is one line.

/// Characters that are not text to Markdown or HTML.
fn is_break(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `s` as inline Markdown text that renders as exactly `s` (breaks as spaces).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.'
            | '!' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if is_break(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `s` as a code span (safe in a table cell).
pub fn code(s: &str) -> String {
    let content: String = s
        .chars()
        .map(|c| if is_break(c) { ' ' } else { c })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let content = content.replace('|', "\\|");
    // CommonMark strips one space on each side when both are there, and a backtick next
    // to the fence would lengthen it: pad in both cases (an empty span is one space).
    if content.is_empty() {
        return "` `".to_string();
    }
    let pad = content.starts_with('`')
        || content.ends_with('`')
        || (content.starts_with(' ') && content.ends_with(' ') && content.trim() != "");
    if pad {
        format!("{fence} {content} {fence}")
    } else {
        format!("{fence}{content}{fence}")
    }
}

/// True for an absolute `http:` or `https:` URL with a host.
pub fn is_http_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    matches!(rest, Some(r) if !r.is_empty() && !r.starts_with('/'))
}

/// A link to `url` when it is http(s) ([`is_http_url`]), else [`text`] of `label`.
pub fn link(label: &str, url: &str) -> String {
    if !is_http_url(url) {
        return text(label);
    }
    let mut target = String::with_capacity(url.len());
    for c in url.trim().chars() {
        match c {
            '<' | '>' | '(' | ')' | ' ' | '|' | '\\' | '`' => {
                target.push_str(&format!("%{:02X}", u32::from(c)))
            }
            c if is_break(c) || c.is_whitespace() => {}
            c => target.push(c),
        }
    }
    format!("[{}]({target})", text(label))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_leaves_no_html_no_link_and_one_line() {
        let t = text("<img src=x onerror=alert(1)> [a](javascript:alert(1)) *b*\n# h | c");
        assert!(
            !t.contains('<') && !t.contains('>') && !t.contains('\n'),
            "{t}"
        );
        assert!(t.contains("\\[a\\]\\(javascript:alert\\(1\\)\\)"), "{t}");
        assert!(t.contains("\\|"), "{t}");
        assert_eq!(text("plain words 123"), "plain words 123");
    }

    #[test]
    fn code_spans_cannot_be_broken_out_of() {
        assert_eq!(code("vip"), "`vip`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code(""), "` `");
        assert_eq!(code("x\ny"), "`x y`");
    }

    #[test]
    fn only_http_links_are_links() {
        assert_eq!(
            link("site", "https://example.com/a b"),
            "[site](https://example.com/a%20b)"
        );
        assert_eq!(link("x", "javascript:alert(1)"), "x");
        assert_eq!(link("x", " JaVaScRiPt:alert(1)"), "x");
        assert_eq!(link("x", "data:text/html,<b>"), "x");
        assert_eq!(link("x", "//evil.example"), "x");
        assert!(is_http_url("HTTP://example.com"));
    }
}
