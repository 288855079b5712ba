//! [`RequestError`]: everything that can go wrong building a request or reading its
//! response. Messages say which operation and which parameter; none ever contains the
//! bearer token (the token is never passed into an error).

use serde::Serialize;

use super::response::Disposition;
use crate::catalog::CatalogError;
use crate::codec::{self, join, Obj, ToJson};
use crate::error::Coded;

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamPlace {
    /// In the URL path.
    Path,
    /// In the query string.
    Query,
    /// In the JSON body.
    Body,
}

impl ParamPlace {
    fn as_str(self) -> &'static str {
        match self {
            ParamPlace::Path => "path",
            ParamPlace::Query => "query",
            ParamPlace::Body => "body",
        }
    }
}

impl std::fmt::Display for ParamPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure to build a GHL request or to read a GHL response. Its details are its
/// serialisation (see [`crate::error`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, ToJson)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum RequestError {
    /// The operation name did not resolve (`UNKNOWN_OPERATION`, `AMBIGUOUS_OPERATION`).
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A required path or query parameter is missing.
    #[error("{operation}: missing required {place} parameter '{name}'")]
    MissingParameter {
        /// Qualified operation name.
        operation: String,
        /// Parameter name.
        #[serde(rename = "parameter")]
        name: String,
        /// Path or query.
        #[serde(rename = "in")]
        place: ParamPlace,
    },
    /// A path or query parameter that the operation does not declare.
    #[error("{operation}: unknown {place} parameter '{name}'{} (the {place} takes: {})", did_you_mean(.suggestion), names_or_none(.expected))]
    UnknownParameter {
        /// Qualified operation name.
        operation: String,
        /// Parameter name.
        #[serde(rename = "parameter")]
        name: String,
        /// Path or query.
        #[serde(rename = "in")]
        place: ParamPlace,
        /// The parameters the operation takes there.
        expected: Vec<String>,
        /// The closest declared name, if one is close.
        suggestion: Option<String>,
    },
    /// A path parameter value that cannot be a path segment.
    #[error("{operation}: path parameter '{name}' {reason}")]
    InvalidPathParameter {
        /// Qualified operation name.
        operation: String,
        /// Parameter name.
        #[serde(rename = "parameter")]
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A query value that is not a string, number, boolean or array of those.
    #[error("{operation}: query parameter '{name}' {reason}")]
    InvalidQueryParameter {
        /// Qualified operation name.
        operation: String,
        /// Parameter name.
        #[serde(rename = "parameter")]
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A typed helper's argument broke a rule of the operation (e.g. an empty id list).
    #[error("{operation}: {reason}")]
    InvalidParameter {
        /// Qualified operation name.
        operation: String,
        /// The argument's name.
        #[serde(rename = "parameter")]
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The base URL is not https (or http on a loopback address) or is malformed.
    #[error("invalid GHL base URL '{url}': {reason}")]
    InvalidBaseUrl {
        /// The URL given (truncated to 200 characters).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The granted scopes hold none of the operation's acceptable scopes.
    #[error("{operation} needs scope {} but the token was granted {}", join(.missing, " or "), granted_list(.granted))]
    MissingScope {
        /// Qualified operation name.
        operation: String,
        /// The acceptable scopes (any one would do).
        #[serde(rename = "missingScopes")]
        missing: Vec<String>,
        /// The scopes the configuration lists.
        #[serde(rename = "grantedScopes")]
        granted: Vec<String>,
    },
    /// The token is blank or has characters a header cannot carry.
    #[error("invalid GHL token: {reason}")]
    InvalidToken {
        /// What is wrong with it (never the token itself).
        reason: String,
    },
    /// The operation requires a body and none was given.
    #[error("{operation}: a JSON body is required")]
    MissingBody {
        /// Qualified operation name.
        operation: String,
    },
    /// A body was given to an operation that takes none.
    #[error("{operation}: this operation takes no body")]
    UnexpectedBody {
        /// Qualified operation name.
        operation: String,
    },
    /// The operation's body has a media type the builder cannot produce.
    #[error("{operation}: {content_type} bodies (file uploads) are not supported; send this operation yourself")]
    UnsupportedContentType {
        /// Qualified operation name.
        operation: String,
        /// The spec's media type, e.g. `multipart/form-data`.
        content_type: String,
    },
    /// GHL answered with a non-success status.
    #[error("{operation}: GHL answered HTTP {status}{}{}", msg_part(.message), trace_part(.trace_id))]
    GhlHttp {
        /// Qualified operation name (as given to `decode`).
        operation: String,
        /// HTTP status.
        status: u16,
        /// GHL's message(s), normalised to a list.
        messages: Vec<String>,
        /// The messages joined with `; `.
        message: String,
        /// GHL's `error` field (e.g. `Unauthorized`), when present.
        error: Option<String>,
        /// GHL's `traceId`, when present.
        trace_id: Option<String>,
        /// Whether sending the same request later may succeed.
        retryable: bool,
        /// What the response policy says to do ([`crate::request::classify`]); the
        /// JS client refreshes the token only on `refreshAuth`.
        disposition: Disposition,
    },
    /// A success response whose body is not the expected JSON.
    #[error(
        "{operation}: GHL answered HTTP {status} with a body that could not be read: {reason}"
    )]
    InvalidResponse {
        /// Qualified operation name.
        operation: String,
        /// HTTP status.
        status: u16,
        /// The JSON error.
        reason: String,
    },
}

fn granted_list(g: &[String]) -> String {
    if g.is_empty() {
        "no scopes".to_string()
    } else {
        join(g, ", ")
    }
}

fn did_you_mean(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

fn names_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        join(names, ", ")
    }
}

fn msg_part(m: &str) -> String {
    if m.is_empty() {
        String::new()
    } else {
        format!(": {m}")
    }
}

fn trace_part(t: &Option<String>) -> String {
    t.as_ref()
        .map(|t| format!(" (traceId {t})"))
        .unwrap_or_default()
}

impl Coded for RequestError {
    fn code(&self) -> &'static str {
        match self {
            RequestError::Catalog(e) => e.code(),
            RequestError::MissingParameter { .. } => "MISSING_PARAMETER",
            RequestError::UnknownParameter { .. } => "UNKNOWN_PARAMETER",
            RequestError::InvalidPathParameter { .. } => "INVALID_PATH_PARAMETER",
            RequestError::InvalidQueryParameter { .. } => "INVALID_QUERY_PARAMETER",
            RequestError::InvalidParameter { .. } => "INVALID_PARAMETER",
            RequestError::InvalidBaseUrl { .. } => "INVALID_BASE_URL",
            RequestError::MissingScope { .. } => "MISSING_SCOPE",
            RequestError::InvalidToken { .. } => "INVALID_TOKEN",
            RequestError::MissingBody { .. } => "MISSING_BODY",
            RequestError::UnexpectedBody { .. } => "UNEXPECTED_BODY",
            RequestError::UnsupportedContentType { .. } => "UNSUPPORTED_CONTENT_TYPE",
            RequestError::GhlHttp { .. } => "GHL_HTTP_ERROR",
            RequestError::InvalidResponse { .. } => "INVALID_RESPONSE",
        }
    }

    /// The serialisation, written by hand (no serializer in the lean module; the
    /// tests hold it to [`crate::error::details_of`]).
    fn details(&self) -> serde_json::Value {
        codec::details(|o| self.write_details(o))
    }
}

impl ToJson for ParamPlace {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
    }
}

impl RequestError {
    fn write_details(&self, o: &mut Obj<'_>) {
        use RequestError as E;
        match self {
            E::Catalog(e) => e.write_details(o),
            E::MissingParameter {
                operation,
                name,
                place,
            } => {
                o.field("operation", operation)
                    .field("parameter", name)
                    .field("in", place);
            }
            E::UnknownParameter {
                operation,
                name,
                place,
                expected,
                suggestion,
            } => {
                o.field("operation", operation)
                    .field("parameter", name)
                    .field("in", place)
                    .field("expected", expected)
                    .field("suggestion", suggestion);
            }
            E::InvalidPathParameter {
                operation,
                name,
                reason,
            }
            | E::InvalidQueryParameter {
                operation,
                name,
                reason,
            }
            | E::InvalidParameter {
                operation,
                name,
                reason,
            } => {
                o.field("operation", operation)
                    .field("parameter", name)
                    .field("reason", reason);
            }
            E::InvalidBaseUrl { url, reason } => {
                o.field("url", url).field("reason", reason);
            }
            E::MissingScope {
                operation,
                missing,
                granted,
            } => {
                o.field("operation", operation)
                    .field("missingScopes", missing)
                    .field("grantedScopes", granted);
            }
            E::InvalidToken { reason } => {
                o.field("reason", reason);
            }
            E::MissingBody { operation } | E::UnexpectedBody { operation } => {
                o.field("operation", operation);
            }
            E::UnsupportedContentType {
                operation,
                content_type,
            } => {
                o.field("operation", operation)
                    .field("contentType", content_type);
            }
            E::GhlHttp {
                operation,
                status,
                messages,
                message,
                error,
                trace_id,
                retryable,
                disposition,
            } => {
                o.field("operation", operation)
                    .field("status", status)
                    .field("messages", messages)
                    .field("message", message)
                    .field("error", error)
                    .field("traceId", trace_id)
                    .field("retryable", retryable)
                    .field("disposition", disposition);
            }
            E::InvalidResponse {
                operation,
                status,
                reason,
            } => {
                o.field("operation", operation)
                    .field("status", status)
                    .field("reason", reason);
            }
        }
    }
}
