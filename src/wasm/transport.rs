//! Sends an [`HttpRequest`] with gloo-net (the global `fetch`, present in pages,
//! extension service workers and Node 18+) and hands back an [`HttpResponse`].
//!
//! The only network code of the crate. It never logs, and its errors carry the
//! operation and the URL, never the headers (the token lives there).

use gloo_net::http::{Method as GlooMethod, RequestBuilder};

use crate::error::Coded;
use crate::http::{HttpRequest, HttpResponse, Method};

/// A request that got no HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The connection failed, was dropped, or the request was refused by the runtime
    /// (CORS, offline...).
    #[error("{operation}: no answer from {url}: {reason}")]
    Network {
        /// Operation name.
        operation: String,
        /// Request URL.
        url: String,
        /// What the runtime reported.
        reason: String,
    },
    /// No answer within the timeout.
    #[error("{operation}: no answer from {url} within {timeout_ms} ms")]
    Timeout {
        /// Operation name.
        operation: String,
        /// Request URL.
        url: String,
        /// The timeout.
        timeout_ms: u32,
    },
}

impl Coded for TransportError {
    fn code(&self) -> &'static str {
        match self {
            TransportError::Network { .. } => "NETWORK_ERROR",
            TransportError::Timeout { .. } => "TIMEOUT",
        }
    }
    fn details(&self) -> serde_json::Value {
        match self {
            TransportError::Network {
                operation,
                url,
                reason,
            } => {
                serde_json::json!({"operation": operation, "url": url, "reason": reason})
            }
            TransportError::Timeout {
                operation,
                url,
                timeout_ms,
            } => {
                serde_json::json!({"operation": operation, "url": url, "timeoutMs": timeout_ms})
            }
        }
    }
}

/// Sends the request and reads the whole answer (status, headers, body text).
pub(crate) async fn fetch(
    operation: &str,
    req: &HttpRequest,
    timeout_ms: u32,
) -> Result<HttpResponse, TransportError> {
    let method = match req.method {
        Method::Get => GlooMethod::GET,
        Method::Post => GlooMethod::POST,
        Method::Put => GlooMethod::PUT,
        Method::Patch => GlooMethod::PATCH,
        Method::Delete => GlooMethod::DELETE,
    };
    let network = |reason: String| TransportError::Network {
        operation: operation.to_string(),
        url: req.url.clone(),
        reason,
    };
    let signal = web_sys::AbortSignal::timeout_with_u32(timeout_ms);
    let mut builder = RequestBuilder::new(&req.url)
        .method(method)
        .abort_signal(Some(&signal));
    for (name, value) in &req.headers {
        builder = builder.header(name, value);
    }
    let request = match &req.body {
        Some(body) => builder.body(body.clone()),
        None => builder.build(),
    }
    .map_err(|e| network(e.to_string()))?;
    let response = request.send().await.map_err(|e| {
        if signal.aborted() {
            TransportError::Timeout {
                operation: operation.to_string(),
                url: req.url.clone(),
                timeout_ms,
            }
        } else {
            network(e.to_string())
        }
    })?;
    let status = response.status();
    // Inserted one by one: `collect` into a map would add a sort to the module.
    let mut headers = std::collections::BTreeMap::new();
    for (name, value) in response.headers().entries() {
        headers.insert(name, value);
    }
    let body = response.text().await.map_err(|e| network(e.to_string()))?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}
