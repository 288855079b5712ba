//! Validation of the API base URL.
//!
//! Invariant: an accepted base is `https://host[:port][/path]`, or `http://` on a
//! loopback host (`localhost`, `127.0.0.0/8`, `[::1]`) for local emulators; it has no
//! user info, query, fragment, `.`/`..` segments or trailing slash, and its scheme and
//! host are lower-case.

use super::RequestError;
use crate::codec::find_str;

/// GHL's API base URL.
pub const DEFAULT_BASE_URL: &str = "https://services.leadconnectorhq.com";

fn bad(url: &str, reason: &str) -> RequestError {
    RequestError::InvalidBaseUrl {
        url: quotable(url),
        reason: reason.to_string(),
    }
}

/// The URL as an error may quote it: user info, query and fragment (where a token may
/// have been put) are replaced by `<redacted>`, and at most 200 characters are kept.
fn quotable(url: &str) -> String {
    let (head, tail) = match url.find(['?', '#']) {
        Some(i) => (url.get(..i).unwrap_or(url), "<redacted>"),
        None => (url, ""),
    };
    let head = match head.rfind('@') {
        Some(at) => {
            let start = find_str(head, "//").map_or(0, |i| i + 2);
            if at >= start {
                let (scheme, _) = head.split_at_checked(start).unwrap_or((head, ""));
                let (_, host) = head.split_at_checked(at).unwrap_or((head, ""));
                format!("{scheme}<redacted>{host}")
            } else {
                head.to_string()
            }
        }
        None => head.to_string(),
    };
    format!("{head}{tail}").chars().take(200).collect()
}

/// True for `localhost`, `127.x.y.z` and `[::1]`.
fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "[::1]" || ipv4_first_octet(host) == Some(127)
}

/// The first octet of a dotted-quad IPv4 address (four decimal octets up to 255, no
/// leading zeros: what `std::net::Ipv4Addr` accepts); `None` for anything else.
/// Written out because the standard parser adds kilobytes to the Wasm module.
fn ipv4_first_octet(host: &str) -> Option<u8> {
    let mut first = None;
    let mut parts = 0;
    for part in host.split('.') {
        parts += 1;
        let b = part.as_bytes();
        if b.is_empty() || b.len() > 3 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        if b.len() > 1 && b[0] == b'0' {
            return None;
        }
        let n = b.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        let n = u8::try_from(n).ok()?;
        first.get_or_insert(n);
    }
    (parts == 4).then_some(first).flatten()
}

/// Checks a base URL and returns it normalised (see the module invariant).
pub fn validate_base_url(raw: &str) -> Result<String, RequestError> {
    let url = raw.trim();
    let Some((scheme, rest)) = url
        .split_once(':')
        .and_then(|(scheme, rest)| Some((scheme, rest.strip_prefix("//")?)))
    else {
        return Err(bad(raw, "expected https://host"));
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(bad(
            raw,
            "only https (or http on a loopback address) is allowed",
        ));
    }
    if rest
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '@' | '\\'))
    {
        return Err(bad(
            raw,
            "must not contain spaces, user info, a query or a fragment",
        ));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at_checked(i).unwrap_or((rest, "")),
        None => (rest, ""),
    };
    let authority = authority.to_ascii_lowercase();
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => {
                let (h, p) = authority
                    .split_at_checked(end + 1)
                    .unwrap_or((&authority, ""));
                (h.to_string(), p.strip_prefix(':'))
            }
            None => return Err(bad(raw, "unterminated IPv6 address")),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.clone(), None),
        }
    };
    let host_ok = if host.starts_with('[') {
        host.len() > 2
            && host.get(1..host.len() - 1).is_some_and(|h| {
                h.chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            })
    } else {
        !host.is_empty()
            && !host.starts_with('.')
            && !host.ends_with('.')
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    };
    if !host_ok {
        return Err(bad(raw, "missing or malformed host"));
    }
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || p.parse::<u16>().map_or(true, |n| n == 0) {
            return Err(bad(raw, "malformed port"));
        }
    }
    if authority.len() > host.len() && port.is_none() {
        return Err(bad(raw, "malformed host"));
    }
    if scheme == "http" && !is_loopback(&host) {
        return Err(bad(
            raw,
            "plain http is only allowed on a loopback address (localhost, 127.0.0.0/8, [::1]); use https",
        ));
    }
    let path = path.trim_end_matches('/');
    for seg in path.split('/').skip(1) {
        if seg.is_empty() || seg == "." || seg == ".." {
            return Err(bad(raw, "the path has an empty, '.' or '..' segment"));
        }
        if !seg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
        {
            return Err(bad(raw, "the path may only use letters, digits and -._~"));
        }
    }
    Ok(format!("{scheme}://{authority}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_url_is_quoted_without_user_info_query_or_fragment() {
        for (raw, want) in [
            (
                "https://pit-secret@host.example",
                "https://<redacted>@host.example",
            ),
            (
                "https://host.example/?token=pit-secret",
                "https://host.example/<redacted>",
            ),
            (
                "http://api.example/x#pit-secret",
                "http://api.example/x<redacted>",
            ),
        ] {
            match validate_base_url(raw) {
                Err(RequestError::InvalidBaseUrl { url, .. }) => assert_eq!(url, want),
                other => panic!("{raw}: {other:?}"),
            }
        }
    }

    #[test]
    fn ipv4_octet_matches_the_standard_parser() {
        for h in [
            "127.0.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "256.1.1.1",
            "1..2.3",
            "a.b.c.d",
            "1.2.3.4 ",
            "+1.2.3.4",
            "",
            "127.0.0.1.",
            "1.2.3.0",
            "00.1.2.3",
            "9.99.199.249",
        ] {
            let std = h
                .parse::<std::net::Ipv4Addr>()
                .ok()
                .map(|ip| ip.octets()[0]);
            assert_eq!(ipv4_first_octet(h), std, "{h}");
        }
    }

    #[test]
    fn accepts_https_and_loopback_http() {
        for (i, o) in [
            ("https://services.leadconnectorhq.com/", DEFAULT_BASE_URL),
            (
                "HTTPS://Example.COM:8443/ghl/",
                "https://example.com:8443/ghl",
            ),
            ("http://localhost:8080", "http://localhost:8080"),
            ("http://127.0.0.1:9", "http://127.0.0.1:9"),
            ("http://127.200.3.4", "http://127.200.3.4"),
            ("http://127.0.0.0", "http://127.0.0.0"),
            ("http://127.255.255.255", "http://127.255.255.255"),
            ("http://[::1]:3000/", "http://[::1]:3000"),
        ] {
            assert_eq!(validate_base_url(i).unwrap(), o, "{i}");
        }
    }

    #[test]
    fn rejects_the_rest() {
        for i in [
            "http://example.com",
            "http://localhost.evil.com",
            "http://128.0.0.1",
            "http://[::2]",
            "http://127.0.0.01",
            "http://127.0.0",
            "http://127.0.0.1.1",
            "http://127.0.0.256",
            "http://127..0.1",
            "ftp://localhost",
            "services.leadconnectorhq.com",
            "https://",
            "https://user:pw@example.com",
            "https://example.com/?x=1",
            "https://example.com/#f",
            "https://exa mple.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://example.com:",
            "https://example.com/a/../b",
            "https://example.com//b",
            "https://[::1",
        ] {
            let e = validate_base_url(i).unwrap_err();
            assert!(
                matches!(e, RequestError::InvalidBaseUrl { .. }),
                "{i}: {e:?}"
            );
        }
    }
}
