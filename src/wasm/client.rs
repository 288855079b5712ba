//! `Client`: the request builder and the transport, for JavaScript.
//!
//! Every method takes the token as an argument (the shim owns `getToken()` and the
//! refresh on 401); the Wasm side keeps no token. Sending methods build synchronously
//! (so bad input throws before anything is sent) and return a promise of the typed
//! result. The last rate-limit report is kept for `rateLimit()`.
//!
//! Typed helpers take their object arguments as JSON values and hand them to the
//! builder's `*_value` methods (which check the fields): one JSON decoder serves every
//! argument type instead of a decoder per type in the module.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{from_js, throw, throw_scrubbed, to_js};
use super::transport;

use crate::api;
use crate::catalog;
use crate::http::{HttpRequest, RequestParams, Scrubber, Token};
use crate::request::{settle, ClientConfig, RateLimit, RequestBuilder, RequestError};

const DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// A GHL client for one location and token scope set.
#[wasm_bindgen]
pub struct Client {
    builder: RequestBuilder,
    timeout_ms: u32,
    last_rate_limit: Rc<Cell<Option<RateLimit>>>,
}

impl Client {
    /// The request builder (for the plan previews in [`super::plans`]).
    #[cfg(feature = "full")]
    pub(crate) fn builder(&self) -> &RequestBuilder {
        &self.builder
    }

    /// Sends a built request and decodes the answer into `T` (then back to JS).
    fn exchange<T, F>(
        &self,
        operation: String,
        built: Result<HttpRequest, RequestError>,
        read: F,
    ) -> Result<Promise, JsValue>
    where
        T: Serialize,
        F: FnOnce(&str, &crate::http::HttpResponse) -> Result<T, RequestError> + 'static,
    {
        let req = built.map_err(|e| throw(&e))?;
        let timeout = self.timeout_ms;
        let last = Rc::clone(&self.last_rate_limit);
        // A server may echo the token back: scrubbed from the answer before anything
        // reads it (the shim scrubs earlier tokens as well).
        let scrubber = Scrubber::for_request(&req);
        Ok(future_to_promise(async move {
            let mut resp = transport::fetch(&operation, &req, timeout)
                .await
                .map_err(|e| throw_scrubbed(&e, &scrubber))?;
            drop(req);
            scrubber.scrub_response(&mut resp);
            last.set(Some(RateLimit::from_response(&resp)));
            let value = read(&operation, &resp).map_err(|e| throw(&e))?;
            to_js(&value)
        }))
    }

    /// Sends a typed helper's request; resolves to the response body. The body is
    /// not re-decoded into the Rust result type here: that would add a decoder and
    /// an encoder per type to the bundle for no gain, since the TypeScript result
    /// types are generated from the same Rust types.
    fn body_of(
        &self,
        operation: &'static str,
        built: Result<HttpRequest, RequestError>,
    ) -> Result<Promise, JsValue> {
        self.exchange(operation.to_string(), built, |op, resp| {
            settle(op, resp).map(|r| r.data)
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
        // `timeoutMs` is read on its own rather than through a struct that flattens
        // `ClientConfig` in: serde's flatten buffers every field and costs kilobytes.
        let timeout = js_sys::Reflect::get(&options, &JsValue::from_str("timeoutMs"))
            .unwrap_or(JsValue::UNDEFINED);
        let timeout_ms: Option<u32> = from_js(timeout, "client options.timeoutMs")?;
        let config: ClientConfig = from_js(options, "client options")?;
        let builder = RequestBuilder::new(config).map_err(|e| throw(&e))?;
        Ok(Client {
            builder,
            timeout_ms: timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS),
            last_rate_limit: Rc::default(),
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
        let params: RequestParams = from_js(params, "params")?;
        let req = self
            .builder
            .build(operation, &params, &Token::new(token))
            .map_err(|e| throw(&e))?;
        to_js(&req)
    }

    /// Builds, sends and settles any operation: resolves to a `SendResult`, rejects
    /// with `GHL_HTTP_ERROR`, `NETWORK_ERROR`, `TIMEOUT`, ...
    #[wasm_bindgen(unchecked_return_type = "Promise<SendResult>")]
    pub fn send(
        &self,
        operation: &str,
        #[wasm_bindgen(unchecked_param_type = "RequestParams")] params: JsValue,
        token: String,
    ) -> Result<Promise, JsValue> {
        let params: RequestParams = from_js(params, "params")?;
        let op = catalog::find(operation).map_err(|e| throw(&RequestError::from(e)))?;
        let built = self.builder.build_op(op, &params, &Token::new(token));
        self.exchange(op.name(), built, settle)
    }

    /// The rate-limit headers of the last answer, if any.
    #[wasm_bindgen(js_name = rateLimit, unchecked_return_type = "RateLimit | null")]
    pub fn rate_limit(&self) -> Result<JsValue, JsValue> {
        to_js(&self.last_rate_limit.get())
    }
}

/// The typed helpers, each described by one line: its JS name, its Rust name, its
/// arguments (before the token, which every helper takes last), its result type, the
/// operation it calls, and how the builder makes its request. Every helper builds
/// synchronously (bad input throws before anything is sent) and resolves to the
/// response body (see [`Client::body_of`]).
macro_rules! typed_helpers {
    ($(
        $(#[doc = $doc:literal])*
        $js:ident $rust:ident ($($(#[$attr:meta])* $arg:ident: $ty:ty),*) -> $ret:literal
            = $op:ident: |$b:ident, $t:ident| $build:expr;
    )*) => {
        #[wasm_bindgen]
        impl Client {
            $(
                $(#[doc = $doc])*
                #[wasm_bindgen(js_name = $js, unchecked_return_type = $ret)]
                pub fn $rust(&self, $($(#[$attr])* $arg: $ty,)* token: String) -> Result<Promise, JsValue> {
                    let ($b, $t) = (&self.builder, Token::new(token));
                    let built = $build;
                    self.body_of(api::ops::$op, built)
                }
            )*
        }
    };
}

typed_helpers! {
    /// `POST /contacts/upsert` (`locationId` added).
    upsertContact upsert_contact(#[wasm_bindgen(unchecked_param_type = "UpsertContact")] contact: JsValue)
        -> "Promise<UpsertContactResult>"
        = UPSERT_CONTACT: |b, t| b.upsert_contact_value(&t, from_js(contact, "contact")?);
    /// `GET /contacts/{contactId}`.
    getContact get_contact(contact_id: &str) -> "Promise<ContactResult>"
        = GET_CONTACT: |b, t| b.get_contact(&t, contact_id);
    /// `POST /contacts/{contactId}/tags`.
    addContactTags add_contact_tags(contact_id: &str, tags: Vec<String>) -> "Promise<ContactTagsResult>"
        = ADD_CONTACT_TAGS: |b, t| b.add_contact_tags(&t, contact_id, &tags);
    /// `DELETE /contacts/{contactId}/tags`.
    removeContactTags remove_contact_tags(contact_id: &str, tags: Vec<String>) -> "Promise<ContactTagsResult>"
        = REMOVE_CONTACT_TAGS: |b, t| b.remove_contact_tags(&t, contact_id, &tags);
    /// `GET /locations/{locationId}/tags`.
    locationTags location_tags() -> "Promise<LocationTagsResult>"
        = LOCATION_TAGS: |b, t| b.location_tags(&t);
    /// `POST /locations/{locationId}/tags`.
    createLocationTag create_location_tag(name: &str) -> "Promise<LocationTagResult>"
        = CREATE_LOCATION_TAG: |b, t| b.create_location_tag(&t, name);
    /// `GET /locations/{locationId}/customFields?model=contact`.
    customFields custom_fields() -> "Promise<CustomFieldsResult>"
        = LOCATION_CUSTOM_FIELDS: |b, t| b.location_custom_fields(&t);
    /// `GET /users/search?companyId=&locationId=` (the users of the location).
    users users(#[wasm_bindgen(unchecked_param_type = "UsersQuery")] query: JsValue) -> "Promise<UsersResult>"
        = USERS: |b, t| b.users_value(&t, &from_js(query, "query")?);
    /// `GET /social-media-posting/{locationId}/tags` (searchText, limit, skip); the
    /// query may be left out.
    socialTags social_tags(#[wasm_bindgen(unchecked_param_type = "SocialTagsQuery | void")] query: JsValue)
        -> "Promise<TagsResponse>"
        = SOCIAL_TAGS: |b, t| b.social_tags_value(&t, &from_js(query, "query")?);
    /// `POST /social-media-posting/{locationId}/tags/details` `{tagIds}`.
    socialTagsByIds social_tags_by_ids(tag_ids: Vec<String>) -> "Promise<TagsResponse>"
        = SOCIAL_TAGS_BY_IDS: |b, t| b.social_tags_by_ids(&t, &tag_ids);
    /// `GET /social-media-posting/{locationId}/accounts`.
    socialAccounts social_accounts() -> "Promise<AccountsResponse>"
        = SOCIAL_ACCOUNTS: |b, t| b.social_accounts(&t);
    /// `POST /social-media-posting/statistics?locationId=` `{profileIds, platforms?}`.
    socialStatistics social_statistics(#[wasm_bindgen(unchecked_param_type = "StatisticsRequest")] request: JsValue)
        -> "Promise<StatisticsResponse>"
        = SOCIAL_STATISTICS: |b, t| b.social_statistics_value(&t, &from_js(request, "request")?);
}

/// The catalog entry of an operation (`service.operationId` or a unique bare id).
#[wasm_bindgen(js_name = operationInfo, unchecked_return_type = "OperationInfo")]
pub fn operation_info(name: &str) -> Result<JsValue, JsValue> {
    let op = catalog::find(name).map_err(|e| throw(&RequestError::from(e)))?;
    to_js(&op.info())
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
    to_js(&infos)
}
