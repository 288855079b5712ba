//! [`RequestBuilder`]: turns an operation name and [`RequestParams`] into an
//! [`HttpRequest`].
//!
//! Rules, in the order they are checked:
//! 1. The operation resolves in the [`catalog`] (`service.operationId`, or a bare id
//!    that only one service has).
//! 2. **Scopes**: when the operation lists scopes, the configuration's granted scopes
//!    must hold at least one of them (they are alternatives); otherwise
//!    `MISSING_SCOPE`. Scopes compare exactly (after trimming); no scope implies
//!    another (`contacts.write` does not grant `contacts.readonly`).
//! 3. The token is not blank and has no white space or control characters.
//! 4. Path parameters: every name must be one of the template's; every template
//!    parameter must have a value (a string or a number), which must not be empty, `.`
//!    or `..` and must not contain `/`; values are percent-encoded (RFC 3986
//!    unreserved characters kept).
//! 5. Query parameters: every name must be one the operation declares
//!    (`UNKNOWN_PARAMETER`, with the closest declared name as a suggestion); required
//!    ones must be present (not `null`); values are strings, numbers, booleans or
//!    arrays of those (`null` omits it). An array repeats the key (`a=1&a=2`), or is
//!    sent comma-joined (`a=1,2`) where the spec says `explode: false`. Keys come out
//!    sorted, array items in the given order.
//! 6. **`locationId`**, filled from the configuration's `location_id` (never over a
//!    value the params give) in the three places the spec asks for it: a `locationId`
//!    path parameter, a required `locationId` query parameter, and a JSON object body
//!    whose schema requires `locationId` (filled when the key is absent or `null`).
//!    With no configured location, a missing one is `MISSING_PARAMETER`.
//! 7. Body: a required body must be given (`MISSING_BODY`); an operation without a
//!    body in the spec refuses one (`UNEXPECTED_BODY`); a `null` body counts as none.
//!    The body is encoded as the spec's content type says: JSON, or
//!    `application/x-www-form-urlencoded` (the OAuth token operations: a flat object
//!    of strings, numbers and booleans, keys sorted). `multipart/form-data` uploads are
//!    refused with `UNSUPPORTED_CONTENT_TYPE` before anything is sent.
//! 8. Headers: `Authorization: Bearer <token>`, `Version` (the operation's accepted
//!    value; [`catalog::DEFAULT_VERSION`] when the spec declares none), `Accept:
//!    application/json`, and `Content-Type` (the body's media type) only with a body.
//!
//! Nothing here does I/O; the same inputs always give the same request.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::base_url::{validate_base_url, DEFAULT_BASE_URL};
use super::encode::percent_encode;
use super::error::{ParamPlace, RequestError};
use crate::catalog::{self, BodyRule, ContentType, Operation};
use crate::codec::{self, DecodeError, FromJson};
use crate::http::{Headers, HttpRequest, RequestParams, Token};

/// What the builder needs to know about the account it builds requests for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ClientConfig {
    /// The GHL location (sub-account) id; fills `locationId` parameters left out.
    pub location_id: String,
    /// The scopes the token was granted (e.g. `contacts.write`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// API base URL; `https://services.leadconnectorhq.com` when absent. Must be
    /// https, or http on a loopback address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

impl FromJson for ClientConfig {
    fn from_json(v: Value) -> Result<Self, DecodeError> {
        let (mut location_id, mut scopes, mut base_url) = (None, None, None);
        for (k, x) in codec::object(v)? {
            match k.as_str() {
                "locationId" => codec::field(&mut location_id, &k, x)?,
                "scopes" => codec::field(&mut scopes, &k, x)?,
                "baseUrl" => codec::field(&mut base_url, &k, x)?,
                _ => {}
            }
        }
        Ok(ClientConfig {
            location_id: codec::required(location_id, "locationId")?,
            scopes: scopes.unwrap_or_default(),
            base_url: base_url.flatten(),
        })
    }
}

/// Builds GHL requests for one configuration (see the module docs for the rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestBuilder {
    location_id: String,
    scopes: Vec<String>,
    base_url: String,
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl RequestBuilder {
    /// Checks the configuration (the base URL) and makes a builder.
    pub fn new(config: ClientConfig) -> Result<Self, RequestError> {
        let base_url = match config.base_url.as_deref() {
            None => DEFAULT_BASE_URL.to_string(),
            Some(u) => validate_base_url(u)?,
        };
        Ok(RequestBuilder {
            location_id: config.location_id.trim().to_string(),
            scopes: config
                .scopes
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            base_url,
        })
    }

    /// The normalised base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The configured location id.
    pub fn location_id(&self) -> &str {
        &self.location_id
    }

    /// The granted scopes (trimmed, blanks dropped).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// `Ok` when the granted scopes allow the operation (see rule 2).
    pub fn check_scopes(&self, op: Operation) -> Result<(), RequestError> {
        let needed = op.scopes();
        if needed.is_empty() || needed.iter().any(|n| self.scopes.iter().any(|g| g == n)) {
            return Ok(());
        }
        Err(RequestError::MissingScope {
            operation: op.name(),
            missing: needed.iter().map(|s| s.to_string()).collect(),
            granted: self.scopes.clone(),
        })
    }

    /// Builds the request for `operation` (`service.operationId` or a unique bare id).
    pub fn build(
        &self,
        operation: &str,
        params: &RequestParams,
        token: &Token,
    ) -> Result<HttpRequest, RequestError> {
        let op = catalog::find(operation)?;
        self.build_op(op, params, token)
    }

    /// Builds the request for an operation already looked up.
    pub fn build_op(
        &self,
        op: Operation,
        params: &RequestParams,
        token: &Token,
    ) -> Result<HttpRequest, RequestError> {
        self.check_scopes(op)?;
        if op.content_type() == ContentType::Multipart {
            return Err(RequestError::UnsupportedContentType {
                operation: op.name(),
                content_type: op.content_type().as_str().to_string(),
            });
        }
        let auth = auth_header(token)?;
        let mut url = self.base_url.clone();
        url.push_str(&self.path(op, params)?);
        let query = self.query(op, params)?;
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let body = match (&params.body, op.body()) {
            (None | Some(Value::Null), BodyRule::Required) => {
                return Err(RequestError::MissingBody {
                    operation: op.name(),
                })
            }
            (None | Some(Value::Null), _) => None,
            (Some(_), BodyRule::Absent) => {
                return Err(RequestError::UnexpectedBody {
                    operation: op.name(),
                })
            }
            (Some(b), _) => Some(self.body(op, b)?),
        };
        let mut headers = Headers::new();
        headers.insert("Authorization".to_string(), auth);
        headers.insert("Version".to_string(), op.version().to_string());
        headers.insert("Accept".to_string(), "application/json".to_string());
        if body.is_some() {
            headers.insert(
                "Content-Type".to_string(),
                op.content_type().as_str().to_string(),
            );
        }
        Ok(HttpRequest {
            method: op.method(),
            url,
            headers,
            body,
        })
    }

    fn path(&self, op: Operation, params: &RequestParams) -> Result<String, RequestError> {
        let names = op.path_params();
        if let Some(unknown) = params.path.keys().find(|k| !names.contains(&k.as_str())) {
            return Err(unknown_parameter(op, unknown, ParamPlace::Path, &names));
        }
        let template = op.path();
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template.as_str();
        while let Some(start) = rest.find('{') {
            out.push_str(rest.get(..start).unwrap_or_default());
            let after = rest.get(start + 1..).unwrap_or_default();
            let end = after.find('}').unwrap_or(after.len());
            let name = after.get(..end).unwrap_or_default();
            let value = self.path_value(op, name, params.path.get(name))?;
            out.push_str(&percent_encode(&value));
            rest = after.get(end + 1..).unwrap_or("");
        }
        out.push_str(rest);
        Ok(out)
    }

    fn path_value(
        &self,
        op: Operation,
        name: &str,
        value: Option<&Value>,
    ) -> Result<String, RequestError> {
        let invalid = |reason: &str| RequestError::InvalidPathParameter {
            operation: op.name(),
            name: name.to_string(),
            reason: reason.to_string(),
        };
        let text = match value {
            None | Some(Value::Null) => {
                if name == "locationId" && !self.location_id.is_empty() {
                    self.location_id.clone()
                } else {
                    return Err(RequestError::MissingParameter {
                        operation: op.name(),
                        name: name.to_string(),
                        place: ParamPlace::Path,
                    });
                }
            }
            Some(v @ (Value::String(_) | Value::Number(_))) => value_text(v).unwrap_or_default(),
            Some(_) => return Err(invalid("must be a string or a number")),
        };
        if text.trim().is_empty() {
            return Err(invalid("is empty"));
        }
        if text.as_bytes().contains(&b'/') {
            return Err(invalid("contains '/'"));
        }
        if text == "." || text == ".." {
            return Err(invalid("is '.' or '..'"));
        }
        Ok(text)
    }

    fn query(&self, op: Operation, params: &RequestParams) -> Result<String, RequestError> {
        let declared: Vec<catalog::QueryParam> = op.query_params().collect();
        if let Some(unknown) = params
            .query
            .keys()
            .find(|k| !declared.iter().any(|p| p.name == k.as_str()))
        {
            let names: Vec<&str> = declared.iter().map(|p| p.name).collect();
            return Err(unknown_parameter(op, unknown, ParamPlace::Query, &names));
        }
        // `params.query` is sorted by name; a filled-in `locationId` goes to its place.
        let mut q: Vec<(&str, &Value)> = Vec::with_capacity(params.query.len() + 1);
        for (k, v) in &params.query {
            if !v.is_null() {
                q.push((k.as_str(), v));
            }
        }
        let loc = Value::String(self.location_id.clone());
        for p in declared.iter().filter(|p| p.required) {
            let Err(at) = q.binary_search_by(|(k, _)| (*k).cmp(p.name)) else {
                continue;
            };
            if p.name == "locationId" && !self.location_id.is_empty() {
                q.insert(at, (p.name, &loc));
            } else {
                return Err(RequestError::MissingParameter {
                    operation: op.name(),
                    name: p.name.to_string(),
                    place: ParamPlace::Query,
                });
            }
        }
        let mut out = String::new();
        let invalid = |name: &str| RequestError::InvalidQueryParameter {
            operation: op.name(),
            name: name.to_string(),
            reason: "must be a string, number, boolean or an array of those".to_string(),
        };
        for (k, v) in q {
            let items: Vec<&Value> = match v {
                Value::Array(a) => a.iter().filter(|x| !x.is_null()).collect(),
                other => vec![other],
            };
            let explode = declared
                .iter()
                .find(|p| p.name == k)
                .is_none_or(|p| p.explode);
            let mut encoded = Vec::with_capacity(items.len());
            for item in items {
                encoded.push(percent_encode(&value_text(item).ok_or_else(|| invalid(k))?));
            }
            // `explode: false`: one `k=a,b` (the items encoded, the commas not).
            if !explode && !encoded.is_empty() {
                encoded = vec![codec::join(&encoded, ",")];
            }
            for value in encoded {
                if !out.is_empty() {
                    out.push('&');
                }
                out.push_str(&percent_encode(k));
                out.push('=');
                out.push_str(&value);
            }
        }
        Ok(out)
    }

    /// The body text: `locationId` filled in where the schema requires it (rule 6),
    /// then encoded as the operation's content type says (rule 7).
    fn body(&self, op: Operation, body: &Value) -> Result<String, RequestError> {
        let filled;
        let body = match body {
            Value::Object(map)
                if op.body_requires_location_id()
                    && map.get("locationId").is_none_or(Value::is_null) =>
            {
                if self.location_id.is_empty() {
                    return Err(RequestError::MissingParameter {
                        operation: op.name(),
                        name: "locationId".to_string(),
                        place: ParamPlace::Body,
                    });
                }
                let mut map = map.clone();
                map.insert(
                    "locationId".to_string(),
                    Value::String(self.location_id.clone()),
                );
                filled = Value::Object(map);
                &filled
            }
            other => other,
        };
        match op.content_type() {
            ContentType::FormUrlEncoded => form_encode(op, body),
            _ => Ok(crate::codec::to_json(body)),
        }
    }
}

/// `UNKNOWN_PARAMETER` for `name`, with the closest of `declared` as a suggestion.
fn unknown_parameter(
    op: Operation,
    name: &str,
    place: ParamPlace,
    declared: &[&str],
) -> RequestError {
    let lower = name.to_ascii_lowercase();
    let suggestion = declared
        .iter()
        .map(|d| (catalog::edit_distance(&lower, &d.to_ascii_lowercase()), *d))
        .filter(|(dist, d)| *dist <= (d.len() / 3).max(2))
        .min_by_key(|(dist, _)| *dist)
        .map(|(_, d)| d.to_string());
    RequestError::UnknownParameter {
        operation: op.name(),
        name: name.to_string(),
        place,
        expected: declared.iter().map(|d| d.to_string()).collect(),
        suggestion,
    }
}

/// `application/x-www-form-urlencoded` text of a flat JSON object (keys sorted, as
/// `serde_json` keeps them; `null` fields left out).
fn form_encode(op: Operation, body: &Value) -> Result<String, RequestError> {
    let invalid = |reason: String| RequestError::InvalidParameter {
        operation: op.name(),
        name: "body".to_string(),
        reason,
    };
    let Value::Object(map) = body else {
        return Err(invalid(format!(
            "the {} body must be an object",
            op.content_type().as_str()
        )));
    };
    let mut out = String::new();
    for (k, v) in map {
        if v.is_null() {
            continue;
        }
        let text = value_text(v).ok_or_else(|| {
            invalid(format!(
                "body field '{k}' must be a string, number or boolean ({} bodies are flat)",
                op.content_type().as_str()
            ))
        })?;
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&percent_encode(k));
        out.push('=');
        out.push_str(&percent_encode(&text));
    }
    Ok(out)
}

/// `Bearer <token>`, after checking the token can be sent in a header.
fn auth_header(token: &Token) -> Result<String, RequestError> {
    if token.is_blank() {
        return Err(RequestError::InvalidToken {
            reason: "the token is empty".to_string(),
        });
    }
    let t = token.expose().trim();
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(RequestError::InvalidToken {
            reason: "the token contains white space or control characters".to_string(),
        });
    }
    if !t.is_ascii() {
        return Err(RequestError::InvalidToken {
            reason: "the token contains non-ASCII characters".to_string(),
        });
    }
    Ok(format!("Bearer {t}"))
}
