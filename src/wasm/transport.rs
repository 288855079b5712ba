//! Sends an [`HttpRequest`] with gloo-net (the global `fetch`, present in pages,
//! extension service workers and Node 18+) and hands back an [`HttpResponse`]: the
//! outbox's transport (full module only). The client's requests are sent by the shim
//! (`js/src/transport.ts`, the same rules and errors), so the lean module holds no
//! network code.
//!
//! The only network code of the crate. It never logs, and its errors carry the
//! operation and the URL, never the headers (the token lives there).
//!
//! **Redirects are never followed** (`redirect: "manual"`): a 3xx would make the
//! runtime re-send the request, token and contact data included, to wherever the
//! `Location` points (another origin, plain http). A redirect answer is
//! [`TransportError::Redirect`] (`REDIRECT_REFUSED`); nothing is sent to its target.

use crate::codec::ToJson;
use crate::error::Coded;
use crate::http::{HttpRequest, HttpResponse, Method};
use gloo_net::http::{Method as GlooMethod, RequestBuilder};
use serde::Serialize;

/// A request that got no usable HTTP answer. Its details are its serialisation.
#[derive(Debug, thiserror::Error, Serialize, ToJson)]
#[serde(untagged, rename_all_fields = "camelCase")]
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
    /// The server answered with a redirect, which is never followed.
    #[error("{operation}: {url} answered with a redirect (HTTP {status}{}); redirects are never followed, so nothing was sent to its target: check the base URL", location_part(.location))]
    Redirect {
        /// Operation name.
        operation: String,
        /// Request URL.
        url: String,
        /// The redirect status (0 when the runtime hides it, as browsers do).
        status: u16,
        /// The `Location` header, when the runtime shows it.
        location: Option<String>,
    },
}

fn location_part(l: &Option<String>) -> String {
    l.as_ref().map(|l| format!(" to {l}")).unwrap_or_default()
}

impl Coded for TransportError {
    fn code(&self) -> &'static str {
        match self {
            TransportError::Network { .. } => "NETWORK_ERROR",
            TransportError::Timeout { .. } => "TIMEOUT",
            TransportError::Redirect { .. } => "REDIRECT_REFUSED",
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
    // Timers beyond 2^31-1 ms overflow (they fire at once): clamp.
    let timeout_ms = timeout_ms.clamp(1, i32::MAX as u32);
    let signal = web_sys::AbortSignal::timeout_with_u32(timeout_ms);
    let mut builder = RequestBuilder::new(&req.url)
        .method(method)
        .redirect(web_sys::RequestRedirect::Manual)
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
    if response.type_() == web_sys::ResponseType::Opaqueredirect || (300..400).contains(&status) {
        return Err(TransportError::Redirect {
            operation: operation.to_string(),
            url: req.url.clone(),
            status,
            location: response.headers().get("location"),
        });
    }
    let mut headers = crate::http::Headers::new();
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
