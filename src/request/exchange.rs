//! The result of one request/response exchange, as the JS API reports it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{decode_value, RateLimit, RequestError};
use crate::codec::{Obj, ToJson};
use crate::http::HttpResponse;

/// A successful exchange: the status, GHL's rate-limit report and the JSON body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendResult {
    /// `service.operationId`.
    pub operation: String,
    /// HTTP status (2xx).
    pub status: u16,
    /// The `X-RateLimit-*` headers of the response.
    pub rate_limit: RateLimit,
    /// The JSON body (`null` when empty).
    pub data: Value,
}

impl ToJson for SendResult {
    fn write_json(&self, out: &mut String) {
        Obj::begin(out)
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("rateLimit", &self.rate_limit)
            .field("data", &self.data)
            .end();
    }
}

/// Reads a response into a [`SendResult`], or the typed error of a non-2xx answer
/// (`GHL_HTTP_ERROR`) or of a 2xx body that is not JSON (`INVALID_RESPONSE`).
pub fn settle(operation: &str, resp: &HttpResponse) -> Result<SendResult, RequestError> {
    let data = decode_value(operation, resp)?;
    Ok(SendResult {
        operation: operation.to_string(),
        status: resp.status,
        rate_limit: RateLimit::from_response(resp),
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Coded;

    fn resp(status: u16, body: &str) -> HttpResponse {
        let headers = [("X-RateLimit-Remaining".to_string(), "7".to_string())]
            .into_iter()
            .collect();
        HttpResponse {
            status,
            headers,
            body: body.to_string(),
        }
    }

    #[test]
    fn success_carries_status_rate_limit_and_json() {
        let r = settle(
            "contacts.get-contact",
            &resp(200, r#"{"contact":{"id":"c1"}}"#),
        )
        .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.rate_limit.remaining, Some(7));
        assert_eq!(r.data["contact"]["id"], "c1");
    }

    #[test]
    fn errors_carry_the_ghl_message_and_operation() {
        let e = settle(
            "contacts.get-contact",
            &resp(
                422,
                r#"{"statusCode":422,"message":["email must be an email"],"traceId":"t-1"}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(e.code(), "GHL_HTTP_ERROR");
        let d = e.details();
        assert_eq!(d["status"], 422);
        assert_eq!(d["traceId"], "t-1");
        assert!(e.to_string().contains("email must be an email"), "{e}");
        assert!(e.to_string().contains("contacts.get-contact"), "{e}");
    }
}
