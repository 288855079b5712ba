//! Plain-data HTTP: what the core asks the host to send, and what the host hands back.
//!
//! Invariants:
//! - Header names in an [`HttpRequest`] are as GHL documents them (`Authorization`,
//!   `Version`, `Accept`, `Content-Type`); header names in an [`HttpResponse`] are looked
//!   up case-insensitively.
//! - `Debug` of a request never shows the bearer token, and [`Token`] has no way to be
//!   printed: the only way to read it is [`Token::expose`], used when building the
//!   `Authorization` header.
//! - [`Scrubber`] is the one place that removes tokens from text the package keeps or
//!   shows (a server may echo the token back: a 401 `Invalid token: Bearer <token>`, an
//!   HTML 500 quoting the header). The binding runs every response it hands to the
//!   core, and every error it throws, through it; the JS shim calls the same code
//!   (`scrubSecrets`) with every token it has seen.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::codec::{self, DecodeError, FromJson, Obj, ToJson};

/// HTTP method of a GHL operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A bearer token. It cannot be printed, serialised or compared by accident.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> Self {
        Token(token.into())
    }
    /// The raw token, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// True when the token is empty or only white space.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// What a token is replaced with wherever it is scrubbed.
pub const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not scrubbed (a one-letter "token" would garble every
/// message; no GHL token is that short).
pub const MIN_SECRET_CHARS: usize = 6;

/// How many tokens a [`Scrubber`] remembers (the current one and earlier ones).
pub const SCRUBBER_TOKENS: usize = 4;

/// Removes every token it knows from text, and anything written as a bearer
/// credential (`Bearer <value>`) whatever the value. Like [`Token`], it has no way to
/// print what it holds.
#[derive(Clone, Default)]
pub struct Scrubber {
    secrets: Vec<String>,
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scrubber({} secrets)", self.secrets.len())
    }
}

impl Scrubber {
    /// A scrubber that knows these secrets (at most [`SCRUBBER_TOKENS`] are kept).
    pub fn with<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Scrubber {
        let mut s = Scrubber::default();
        for t in secrets {
            s.remember_str(t);
        }
        s
    }

    /// A scrubber for the token a built request carries in `Authorization`.
    pub fn for_request(req: &HttpRequest) -> Scrubber {
        let token = req
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.strip_prefix("Bearer ").unwrap_or(v));
        Scrubber::with(token)
    }

    /// Remembers a token (the newest first; the oldest beyond [`SCRUBBER_TOKENS`] is
    /// forgotten).
    pub fn remember(&mut self, token: &Token) {
        self.remember_str(token.expose());
    }

    fn remember_str(&mut self, t: &str) {
        let t = t.trim();
        if t.chars().count() < MIN_SECRET_CHARS {
            return;
        }
        self.secrets.retain(|s| s != t);
        self.secrets.insert(0, t.to_string());
        self.secrets.truncate(SCRUBBER_TOKENS);
    }

    /// `text` with every known token and every bearer credential replaced by
    /// [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        // Longest first, so a token that contains another is replaced whole (a plain
        // selection over at most four: no sort, no substring searcher in the module).
        let mut done = [false; SCRUBBER_TOKENS];
        for _ in 0..self.secrets.len() {
            let mut pick: Option<usize> = None;
            for (i, s) in self.secrets.iter().enumerate() {
                let longer =
                    pick.is_none_or(|p| self.secrets.get(p).is_some_and(|q| s.len() > q.len()));
                if !done.get(i).copied().unwrap_or(true) && longer {
                    pick = Some(i);
                }
            }
            let Some(i) = pick else { break };
            if let Some(d) = done.get_mut(i) {
                *d = true;
            }
            if let Some(secret) = self.secrets.get(i) {
                out = replace_all(&out, secret);
            }
        }
        scrub_bearer(&out)
    }

    /// Scrubs a response's body and header values in place.
    pub fn scrub_response(&self, resp: &mut HttpResponse) {
        resp.body = self.scrub(&resp.body);
        for v in resp.headers.values_mut() {
            *v = self.scrub(v);
        }
    }

    /// Scrubs every string (keys included) of a JSON value in place.
    pub fn scrub_value(&self, v: &mut serde_json::Value) {
        use serde_json::Value;
        match v {
            Value::String(s) => *s = self.scrub(s),
            Value::Array(items) => items.iter_mut().for_each(|x| self.scrub_value(x)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut x) in old {
                    self.scrub_value(&mut x);
                    map.insert(self.scrub(&k), x);
                }
            }
            _ => {}
        }
    }
}

/// `text` with every occurrence of `secret` replaced by [`REDACTED`], left to right.
/// `secret` is valid UTF-8, so a match starts and ends on character boundaries (and the
/// result is built from slices of `text`, never re-validated).
fn replace_all(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = codec::find_str(rest, secret) {
        let (before, from) = rest.split_at_checked(i).unwrap_or((rest, ""));
        out.push_str(before);
        out.push_str(REDACTED);
        rest = from.get(secret.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Replaces the value after every `Bearer ` (any case, one or more spaces) up to the
/// next white space, quote, `<` or `,`.
fn scrub_bearer(text: &str) -> String {
    const WORD: &[u8] = b"bearer";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i + WORD.len() < bytes.len() {
        let is_word = bytes[i..i + WORD.len()].eq_ignore_ascii_case(WORD)
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !is_word {
            i += 1;
            continue;
        }
        let mut j = i + WORD.len();
        let spaces = j;
        while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') {
            j += 1;
        }
        let start = j;
        while j < bytes.len()
            && !bytes[j].is_ascii_whitespace()
            && !matches!(bytes[j], b'"' | b'\'' | b'<' | b',' | b'\\')
        {
            j += 1;
        }
        if j > spaces && start > spaces && j > start {
            // `start` and `j` sit on ASCII bytes or the ends, so they are char bounds.
            out.push_str(text.get(copied..start).unwrap_or_default());
            out.push_str(REDACTED);
            copied = j;
        }
        i = j.max(i + 1);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// HTTP header names and values: one value per name, sorted by name (as a
/// `BTreeMap<String, String>` holds them, and crossing to JavaScript as the same
/// object), kept as a list of pairs so the lean module holds no second map type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "BTreeMap<String, String>")]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// No headers.
    pub fn new() -> Headers {
        Headers(Vec::new())
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }

    /// Sets the value of `name` (exact name), returning the value it replaced.
    pub fn insert(&mut self, name: String, value: String) -> Option<String> {
        match self.find(&name) {
            Ok(i) => self.0.get_mut(i).map(|(_, v)| std::mem::replace(v, value)),
            Err(i) => {
                self.0.insert(i, (name, value));
                None
            }
        }
    }

    /// The value of `name` (exact name; [`HttpResponse::header`] ignores case).
    pub fn get(&self, name: &str) -> Option<&String> {
        let i = self.find(name).ok()?;
        self.0.get(i).map(|(_, v)| v)
    }

    /// The value of `name` (exact name), to change.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut String> {
        let i = self.find(name).ok()?;
        self.0.get_mut(i).map(|(_, v)| v)
    }

    /// Removes `name` (exact name), returning its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        let i = self.find(name).ok()?;
        Some(self.0.remove(i).1)
    }

    /// The names, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// Whether `name` (exact name) has a value.
    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Names and values, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The values, to change in place.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut String> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, String)> for Headers {
    /// The pairs in any order; of a name given twice the last value is kept.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Headers {
        let mut h = Headers::new();
        for (k, v) in pairs {
            h.insert(k, v);
        }
        h
    }
}

impl<const N: usize> From<[(String, String); N]> for Headers {
    fn from(pairs: [(String, String); N]) -> Headers {
        pairs.into_iter().collect()
    }
}

impl From<BTreeMap<String, String>> for Headers {
    fn from(map: BTreeMap<String, String>) -> Headers {
        // Already sorted and unique.
        Headers(map.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl std::ops::Index<&str> for Headers {
    type Output = String;

    /// The value of `name`; panics when there is none (as a map's index does).
    fn index(&self, name: &str) -> &String {
        match self.get(name) {
            Some(v) => v,
            None => panic!("no header {name:?}"),
        }
    }
}

impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl FromJson for Headers {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        let mut h = Headers::new();
        for (k, x) in codec::object(v)? {
            let x = String::from_json(x).map_err(|e| e.in_field(&k))?;
            h.insert(k, x);
        }
        Ok(h)
    }
}

impl ToJson for Headers {
    fn write_json(&self, out: &mut String) {
        let mut o = Obj::begin(out);
        for (k, v) in self {
            o.field(k, v);
        }
        o.end();
    }
}

/// A request for the host to send, exactly as built by the core.
#[derive(Clone, PartialEq, Serialize, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HttpRequest {
    /// HTTP method.
    pub method: Method,
    /// Absolute URL, path parameters percent-encoded, query string included.
    pub url: String,
    /// Headers to send (sorted by name).
    #[cfg_attr(feature = "schema", schemars(with = "BTreeMap<String, String>"))]
    pub headers: Headers,
    /// JSON body text, when the operation has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &self.body)
            .finish()
    }
}

/// `Debug` of headers with the `Authorization` value replaced.
struct RedactedHeaders<'a>(&'a Headers);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pairs = self.0.iter().map(|(k, v)| {
            let v = if k.eq_ignore_ascii_case("authorization") {
                "Bearer <redacted>"
            } else {
                v
            };
            (k, v)
        });
        f.debug_map().entries(pairs).finish()
    }
}

impl HttpRequest {
    /// A copy safe to log or show: the `Authorization` header's token is replaced.
    pub fn redacted(&self) -> HttpRequest {
        let mut r = self.clone();
        if let Some(v) = r.headers.get_mut("Authorization") {
            *v = "Bearer <redacted>".to_string();
        }
        r
    }
}

/// The inputs of one operation: path parameters, query parameters and JSON body.
///
/// Query names must be ones the operation declares. Values may be strings, numbers,
/// booleans or arrays of those (arrays repeat the parameter, or are comma-joined where
/// the spec says `explode: false`). A JSON body whose schema requires `locationId` gets
/// the configured one when it has none. In a [`crate::plan::Plan`] any value may be an
/// expression that is resolved from earlier steps' responses before the request is built.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RequestParams {
    /// Path parameters by name (e.g. `locationId`).
    #[serde(default)]
    pub path: BTreeMap<String, serde_json::Value>,
    /// Query parameters by name.
    #[serde(default)]
    pub query: BTreeMap<String, serde_json::Value>,
    /// JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// A response as the host received it.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers (names in any case).
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(with = "BTreeMap<String, String>"))]
    pub headers: Headers,
    /// Body text (may be empty).
    #[serde(default)]
    pub body: String,
}

impl HttpResponse {
    /// A header's value, with the name matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl ToJson for Method {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
    }
}

impl ToJson for HttpRequest {
    fn write_json(&self, out: &mut String) {
        Obj::begin(out)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .some("body", &self.body)
            .end();
    }
}

impl FromJson for RequestParams {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        let (mut path, mut query, mut body) = (None, None, None);
        for (k, x) in codec::object(v)? {
            match k.as_str() {
                "path" => codec::field(&mut path, &k, x)?,
                "query" => codec::field(&mut query, &k, x)?,
                "body" => codec::field(&mut body, &k, x)?,
                _ => {}
            }
        }
        Ok(RequestParams {
            path: path.unwrap_or_default(),
            query: query.unwrap_or_default(),
            body: body.flatten(),
        })
    }
}

impl ToJson for RequestParams {
    fn write_json(&self, out: &mut String) {
        Obj::begin(out)
            .field("path", &self.path)
            .field("query", &self.query)
            .some("body", &self.body)
            .end();
    }
}

impl FromJson for HttpResponse {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        let (mut status, mut headers, mut body) = (None, None, None);
        for (k, x) in codec::object(v)? {
            match k.as_str() {
                "status" => codec::field(&mut status, &k, x)?,
                "headers" => codec::field(&mut headers, &k, x)?,
                "body" => codec::field(&mut body, &k, x)?,
                _ => {}
            }
        }
        Ok(HttpResponse {
            status: codec::required(status, "status")?,
            headers: headers.unwrap_or_default(),
            body: body.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let t = Token::new("pit-secret-123");
        let mut headers = Headers::new();
        headers.insert(
            "Authorization".to_string(),
            format!("Bearer {}", t.expose()),
        );
        let r = HttpRequest {
            method: Method::Get,
            url: "https://x/".into(),
            headers,
            body: None,
        };
        assert!(!format!("{t:?}").contains("pit-secret-123"));
        assert!(!format!("{r:?}").contains("pit-secret-123"));
        assert!(!serde_json::to_string(&r.redacted())
            .unwrap()
            .contains("pit-secret-123"));
    }

    #[test]
    fn the_scrubber_removes_known_tokens_and_bearer_values() {
        let mut s = Scrubber::default();
        s.remember(&Token::new("pit-old-token-1"));
        s.remember(&Token::new("pit-new-token-2"));
        let text = "Invalid token: Bearer pit-new-token-2; earlier pit-old-token-1, \
                    <p>authorization: bearer eyJhbGciOi.x.y</p> BEARER\tabc\"";
        let out = s.scrub(text);
        assert!(!out.contains("pit-new-token-2") && !out.contains("pit-old-token-1"));
        assert!(!out.contains("eyJhbGciOi") && !out.contains("abc"), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 4, "{out}");
        assert!(out.starts_with("Invalid token: Bearer <redacted>; earlier <redacted>,"));
        // Already scrubbed text, ordinary words and non-ASCII text stay as they are.
        assert_eq!(s.scrub(&out), out);
        assert_eq!(
            s.scrub("a bearer of news: ünï"),
            "a bearer <redacted> news: ünï"
        );
        assert_eq!(s.scrub("Bearer"), "Bearer");
        // At most SCRUBBER_TOKENS tokens, newest kept; short ones are not secrets.
        for i in 0..10 {
            s.remember(&Token::new(format!("token-number-{i}")));
        }
        assert_eq!(
            s.scrub("token-number-9 token-number-6"),
            "<redacted> <redacted>"
        );
        assert_eq!(s.scrub("token-number-5"), "token-number-5");
        let mut v = serde_json::json!({"pit-x-token-7": ["token-number-9", 1], "k": "Bearer zz"});
        s.remember(&Token::new("pit-x-token-7"));
        s.scrub_value(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"<redacted>": ["<redacted>", 1], "k": "Bearer <redacted>"})
        );
        assert_eq!(Scrubber::with(["abc"]).scrub("abc"), "abc");
    }

    proptest::proptest! {
        #[test]
        fn replace_all_replaces_as_str_replace_does(
            text in "[ab😀é]{0,12}",
            secret in "[ab😀é]{1,4}",
        ) {
            proptest::prop_assert_eq!(replace_all(&text, &secret), text.replace(&secret, REDACTED));
        }
    }

    #[test]
    fn headers_are_a_sorted_map_of_pairs() {
        let pairs = [("b", "1"), ("a", "2"), ("c", "3"), ("b", "4")];
        let h: Headers = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        // Sorted by name, the last value of a name kept, as the map does.
        let listed: Vec<_> = h.iter().collect();
        assert_eq!(listed, map.iter().collect::<Vec<_>>());
        assert_eq!(Headers::from(map.clone()), h);
        assert_eq!((h.len(), h.get("b").map(String::as_str)), (3, Some("4")));
        assert!(h.contains_key("a") && !h.contains_key("A") && h.get("d").is_none());
        let mut h2 = h.clone();
        assert_eq!(h2.insert("a".into(), "5".into()).as_deref(), Some("2"));
        assert_eq!(h2.insert("0".into(), "6".into()), None);
        assert_eq!(h2.iter().next(), Some((&"0".to_string(), &"6".to_string())));
        // The same JSON both ways as the map: an object, duplicate names last-wins.
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        let text = r#"{"z":"1","y":"2","z":"3"}"#;
        let read: Headers = serde_json::from_str(text).unwrap();
        let want: BTreeMap<String, String> = serde_json::from_str(text).unwrap();
        assert_eq!(read, Headers::from(want));
        assert!(serde_json::from_str::<Headers>(r#"{"a":1}"#).is_err());
        assert_eq!(codec::to_json(&h), serde_json::to_string(&map).unwrap());
    }

    #[test]
    fn response_headers_match_case_insensitively() {
        let mut headers = Headers::new();
        headers.insert("x-ratelimit-max".to_string(), "100".to_string());
        let r = HttpResponse {
            status: 200,
            headers,
            body: String::new(),
        };
        assert_eq!(r.header("X-RateLimit-Max"), Some("100"));
    }
}
