//! Plain-data HTTP: what the core asks the host to send, and what the host hands back.
//!
//! Invariants:
//! - Header names in an [`HttpRequest`] are as GHL documents them (`Authorization`,
//!   `Version`, `Accept`, `Content-Type`); header names in an [`HttpResponse`] are looked
//!   up case-insensitively.
//! - `Debug` of a request never shows the bearer token, and [`Token`] has no way to be
//!   printed: the only way to read it is [`Token::expose`], used when building the
//!   `Authorization` header.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// HTTP method of a GHL operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// A request for the host to send, exactly as built by the core.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HttpRequest {
    /// HTTP method.
    pub method: Method,
    /// Absolute URL, path parameters percent-encoded, query string included.
    pub url: String,
    /// Headers to send (sorted by name).
    pub headers: BTreeMap<String, String>,
    /// JSON body text, when the operation has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: BTreeMap<&str, &str> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("authorization") {
                    "Bearer <redacted>"
                } else {
                    v
                };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers (names in any case).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let t = Token::new("pit-secret-123");
        let mut headers = BTreeMap::new();
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
    fn response_headers_match_case_insensitively() {
        let mut headers = BTreeMap::new();
        headers.insert("x-ratelimit-max".to_string(), "100".to_string());
        let r = HttpResponse {
            status: 200,
            headers,
            body: String::new(),
        };
        assert_eq!(r.header("X-RateLimit-Max"), Some("100"));
    }
}
