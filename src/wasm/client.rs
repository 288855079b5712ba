//! `Client`: the request builder and the response reader, for JavaScript.
//!
//! Every method takes the token as an argument (the shim owns `getToken()` and the
//! refresh on 401); the Wasm side keeps no token. Sending is split at the network:
//! `prepare` and the typed helpers build a request synchronously (so bad input throws
//! before anything is sent) and hand back a [`Prepared`] `{ operation, request }`; the
//! shim sends it with the platform's `fetch` (`js/src/transport.ts`: redirects never
//! followed, the timeout) and gives the answer to `settle`, which scrubs the token from
//! it, keeps the rate-limit report for `rateLimit()` and reads it by the one response
//! policy. The module thus holds no network code nor async machinery for the client
//! (the lean `ghl-bridge/client` module has none at all; the full one keeps
//! `super::transport` for the outbox).
//!
//! Typed helpers take their object arguments as JSON values and hand them to the
//! builder's `*_value` methods (which check the fields): one JSON decoder serves every
//! argument type instead of a decoder per type in the module.

use std::cell::Cell;

use wasm_bindgen::prelude::*;

use super::convert::{decode, encode, invalid_argument, throw};

use crate::api;
use crate::catalog;
use crate::codec::{Obj, ToJson};
use crate::http::{HttpRequest, HttpResponse, RequestParams, Scrubber, Token};
use crate::request::{settle, ClientConfig, RateLimit, RequestBuilder, RequestError};

/// The TypeScript shape of [`Prepared`]: `T` is the result type `settle` reads the
/// answer into (a phantom field, so the shim's helper types follow the Rust ones).
#[wasm_bindgen(typescript_custom_section)]
const PREPARED_TYPE: &str = r#"/** A built request and its operation, for the shim to send. */
export interface Prepared<T = unknown> { operation: string; request: HttpRequest; readonly __result?: T }"#;

/// A built request and the `service.operationId` it belongs to (the name the shim's
/// transport errors and `settle` use).
struct Prepared<'a> {
    operation: &'a str,
    request: &'a HttpRequest,
}

impl ToJson for Prepared<'_> {
    fn write_json(&self, out: &mut String) {
        Obj::begin(out)
            .field("operation", self.operation)
            .field("request", self.request)
            .end();
    }
}

/// A GHL client for one location and token scope set.
#[wasm_bindgen]
pub struct Client {
    builder: RequestBuilder,
    last_rate_limit: Cell<Option<RateLimit>>,
}

impl Client {
    /// The request builder (for the plan previews in [`super::plans`]).
    #[cfg(feature = "full")]
    pub(crate) fn builder(&self) -> &RequestBuilder {
        &self.builder
    }

    /// A built request as [`Prepared`] for the shim, or the error that stopped it.
    fn prepared(
        operation: &str,
        built: Result<HttpRequest, RequestError>,
    ) -> Result<JsValue, JsValue> {
        let request = built.map_err(|e| throw(&e))?;
        encode(&Prepared {
            operation,
            request: &request,
        })
    }
}

#[wasm_bindgen]
impl Client {
    /// Checks the configuration (base URL) and makes a client.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ClientConfig & { timeoutMs?: number }")]
        options: JsValue,
    ) -> Result<Client, JsValue> {
        // `timeoutMs` (also in the options) is the shim's: it sends the requests.
        let config: ClientConfig = decode(options, "client options")?;
        let builder = RequestBuilder::new(config).map_err(|e| throw(&e))?;
        Ok(Client {
            builder,
            last_rate_limit: Cell::default(),
        })
    }

    /// Builds any operation's request as plain data; sends nothing.
    #[wasm_bindgen(js_name = buildRequest, unchecked_return_type = "HttpRequest")]
    pub fn build_request(
        &self,
        operation: &str,
        #[wasm_bindgen(unchecked_param_type = "RequestParams")] params: JsValue,
        token: String,
    ) -> Result<JsValue, JsValue> {
        let params: RequestParams = decode(params, "params")?;
        let req = self
            .builder
            .build(operation, &params, &Token::new(token))
            .map_err(|e| throw(&e))?;
        encode(&req)
    }

    /// Builds any operation's request for sending: a `Prepared` (nothing is sent).
    #[wasm_bindgen(unchecked_return_type = "Prepared<SendResult>")]
    pub fn prepare(
        &self,
        operation: &str,
        #[wasm_bindgen(unchecked_param_type = "RequestParams")] params: JsValue,
        token: String,
    ) -> Result<JsValue, JsValue> {
        let params: RequestParams = decode(params, "params")?;
        let op = catalog::find(operation).map_err(|e| throw(&RequestError::from(e)))?;
        let built = self.builder.build_op(op, &params, &Token::new(token));
        Self::prepared(&op.name(), built)
    }

    /// Reads the answer to a prepared request: scrubs `token` from it, keeps its
    /// rate-limit headers, and settles it by the one response policy. Resolves the
    /// typed helpers' result (the body) when `bodyOnly`, else a `SendResult`; throws
    /// `GHL_HTTP_ERROR`, `INVALID_RESPONSE`...
    #[wasm_bindgen(unchecked_return_type = "unknown")]
    pub fn settle(
        &self,
        operation: &str,
        #[wasm_bindgen(unchecked_param_type = "HttpResponse")] response: JsValue,
        token: String,
        #[wasm_bindgen(js_name = bodyOnly)] body_only: bool,
    ) -> Result<JsValue, JsValue> {
        let mut resp: HttpResponse = decode(response, "response")?;
        // A server may echo the token back: scrubbed before anything reads it (the
        // shim scrubs earlier tokens as well).
        Scrubber::with([token.as_str()]).scrub_response(&mut resp);
        drop(token);
        self.last_rate_limit
            .set(Some(RateLimit::from_response(&resp)));
        let result = settle(operation, &resp).map_err(|e| throw(&e))?;
        // The body is not re-decoded into the helper's Rust result type: that would
        // add a decoder and an encoder per type for no gain, since the TypeScript
        // result types are generated from the same Rust types.
        if body_only {
            encode(&result.data)
        } else {
            encode(&result)
        }
    }

    /// The rate-limit headers of the last answer, if any.
    #[wasm_bindgen(js_name = rateLimit, unchecked_return_type = "RateLimit | null")]
    pub fn rate_limit(&self) -> Result<JsValue, JsValue> {
        encode(&self.last_rate_limit.get())
    }
}

/// The typed helpers, each described by one line: its JS name, its arguments (before
/// the token, which every helper takes last: JS name, Rust type, TypeScript type), its
/// result type, the operation it calls, and how the builder makes its request. Every
/// helper builds synchronously (bad input throws before anything is sent) a `Prepared`
/// whose answer `settle(.., bodyOnly = true)` reads into the response body.
///
/// They cross the boundary as one export, `Client.helper(name, args, token)`, rather
/// than one export each (an export's glue and its inlined body weigh more than a
/// `match` arm); the glue's `.d.ts` gets their signatures as `TypedHelperSignatures`
/// (generated here), which the shim's `TypedHelpers` is checked against.
macro_rules! typed_helpers {
    ($(
        $(#[doc = $doc:literal])*
        $js:ident ($($arg:ident $name:literal: $ty:ty = $ts:literal),*) -> $ret:literal
            = $op:ident: |$b:ident, $t:ident| $build:expr;
    )*) => {
        #[wasm_bindgen(typescript_custom_section)]
        const HELPER_SIGNATURES: &str = concat!(
            "/** The typed helpers `Client.helper` dispatches to: name, arguments (the token follows), prepared result. */\n",
            "export interface TypedHelperSignatures {",
            $("\n  /**", $($doc,)* " */\n  ", stringify!($js), "(", $($name, ": ", $ts, ", ",)* "token: string): ", $ret, ";",)*
            "\n}"
        );

        #[wasm_bindgen]
        impl Client {
            /// Builds the request of the typed helper `name` (see `TypedHelperSignatures`)
            /// from its arguments, as a `Prepared` (nothing is sent).
            #[wasm_bindgen(unchecked_return_type = "Prepared")]
            pub fn helper(
                &self,
                name: &str,
                #[wasm_bindgen(unchecked_param_type = "unknown[]")] args: js_sys::Array,
                token: String,
            ) -> Result<JsValue, JsValue> {
                // Each argument is read alone (its own name and nesting limit in errors).
                let mut _at = 0;
                let mut _next = || {
                    _at += 1;
                    args.get(_at - 1)
                };
                match name {
                    $(stringify!($js) => {
                        $(let $arg: $ty = decode(_next(), $name)?;)*
                        let ($b, $t) = (&self.builder, Token::new(token));
                        Self::prepared(api::ops::$op, $build)
                    })*
                    _ => Err(invalid_argument("name", &["no typed helper named '", name, "'"].concat())),
                }
            }
        }
    };
}

typed_helpers! {
    /// `POST /contacts/upsert` (`locationId` added).
    upsertContact(contact "contact": serde_json::Value = "UpsertContact") -> "Prepared<UpsertContactResult>"
        = UPSERT_CONTACT: |b, t| b.upsert_contact_value(&t, contact);
    /// `GET /contacts/{contactId}`.
    getContact(contact_id "contactId": String = "string") -> "Prepared<ContactResult>"
        = GET_CONTACT: |b, t| b.get_contact(&t, &contact_id);
    /// `POST /contacts/{contactId}/tags`.
    addContactTags(contact_id "contactId": String = "string", tags "tags": Vec<String> = "string[]")
        -> "Prepared<ContactTagsResult>"
        = ADD_CONTACT_TAGS: |b, t| b.add_contact_tags(&t, &contact_id, &tags);
    /// `DELETE /contacts/{contactId}/tags`.
    removeContactTags(contact_id "contactId": String = "string", tags "tags": Vec<String> = "string[]")
        -> "Prepared<ContactTagsResult>"
        = REMOVE_CONTACT_TAGS: |b, t| b.remove_contact_tags(&t, &contact_id, &tags);
    /// `GET /locations/{locationId}/tags`.
    locationTags() -> "Prepared<LocationTagsResult>"
        = LOCATION_TAGS: |b, t| b.location_tags(&t);
    /// `POST /locations/{locationId}/tags`.
    createLocationTag(name "name": String = "string") -> "Prepared<LocationTagResult>"
        = CREATE_LOCATION_TAG: |b, t| b.create_location_tag(&t, &name);
    /// `GET /locations/{locationId}/customFields?model=contact`.
    customFields() -> "Prepared<CustomFieldsResult>"
        = LOCATION_CUSTOM_FIELDS: |b, t| b.location_custom_fields(&t);
    /// `GET /users/search?companyId=&locationId=` (the users of the location).
    users(query "query": serde_json::Value = "UsersQuery") -> "Prepared<UsersResult>"
        = USERS: |b, t| b.users_value(&t, &query);
    /// `GET /social-media-posting/{locationId}/tags` (searchText, limit, skip); the
    /// query may be left out.
    socialTags(query "query": serde_json::Value = "SocialTagsQuery | void") -> "Prepared<TagsResponse>"
        = SOCIAL_TAGS: |b, t| b.social_tags_value(&t, &query);
    /// `POST /social-media-posting/{locationId}/tags/details` `{tagIds}`.
    socialTagsByIds(tag_ids "tagIds": Vec<String> = "string[]") -> "Prepared<TagsResponse>"
        = SOCIAL_TAGS_BY_IDS: |b, t| b.social_tags_by_ids(&t, &tag_ids);
    /// `GET /social-media-posting/{locationId}/accounts`.
    socialAccounts() -> "Prepared<AccountsResponse>"
        = SOCIAL_ACCOUNTS: |b, t| b.social_accounts(&t);
    /// `POST /social-media-posting/statistics?locationId=` `{profileIds, platforms?}`.
    socialStatistics(request "request": serde_json::Value = "StatisticsRequest") -> "Prepared<StatisticsResponse>"
        = SOCIAL_STATISTICS: |b, t| b.social_statistics_value(&t, &request);
}

/// `text` without the given tokens nor any `Bearer <value>`: the core's one scrubber
/// ([`Scrubber`]), for text the JS shim keeps or shows.
#[wasm_bindgen(js_name = scrubSecrets)]
pub fn scrub_secrets(text: &str, secrets: Vec<String>) -> String {
    Scrubber::with(secrets.iter().map(String::as_str)).scrub(text)
}

/// The catalog entry of an operation (`service.operationId` or a unique bare id).
#[wasm_bindgen(js_name = operationInfo, unchecked_return_type = "OperationInfo")]
pub fn operation_info(name: &str) -> Result<JsValue, JsValue> {
    let op = catalog::find(name).map_err(|e| throw(&RequestError::from(e)))?;
    encode(&op.info())
}

/// The catalog entries of a service and/or matching words (see [`catalog::search`]).
/// Two plain arguments rather than one object: no decoder for it in the module.
#[wasm_bindgen(js_name = listOperations, unchecked_return_type = "OperationInfo[]")]
pub fn list_operations(
    service: Option<String>,
    search: Option<String>,
) -> Result<JsValue, JsValue> {
    let infos: Vec<catalog::OperationInfo> = catalog::search(service.as_deref(), search.as_deref())
        .iter()
        .map(|op| op.info())
        .collect();
    encode(&infos)
}
