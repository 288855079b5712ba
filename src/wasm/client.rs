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
use serde_json::Value;

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

    /// `POST /contacts/upsert`.
    #[wasm_bindgen(js_name = upsertContact, unchecked_return_type = "Promise<UpsertContactResult>")]
    pub fn upsert_contact(
        &self,
        #[wasm_bindgen(unchecked_param_type = "UpsertContact")] contact: JsValue,
        token: String,
    ) -> Result<Promise, JsValue> {
        let contact: Value = from_js(contact, "contact")?;
        self.body_of(
            api::ops::UPSERT_CONTACT,
            self.builder
                .upsert_contact_value(&Token::new(token), contact),
        )
    }

    /// `GET /contacts/{contactId}`.
    #[wasm_bindgen(js_name = getContact, unchecked_return_type = "Promise<ContactResult>")]
    pub fn get_contact(&self, contact_id: &str, token: String) -> Result<Promise, JsValue> {
        self.body_of(
            api::ops::GET_CONTACT,
            self.builder.get_contact(&Token::new(token), contact_id),
        )
    }

    /// `POST /contacts/{contactId}/tags`.
    #[wasm_bindgen(js_name = addContactTags, unchecked_return_type = "Promise<ContactTagsResult>")]
    pub fn add_contact_tags(
        &self,
        contact_id: &str,
        tags: Vec<String>,
        token: String,
    ) -> Result<Promise, JsValue> {
        self.body_of(
            api::ops::ADD_CONTACT_TAGS,
            self.builder
                .add_contact_tags(&Token::new(token), contact_id, &tags),
        )
    }

    /// `DELETE /contacts/{contactId}/tags`.
    #[wasm_bindgen(js_name = removeContactTags, unchecked_return_type = "Promise<ContactTagsResult>")]
    pub fn remove_contact_tags(
        &self,
        contact_id: &str,
        tags: Vec<String>,
        token: String,
    ) -> Result<Promise, JsValue> {
        self.body_of(
            api::ops::REMOVE_CONTACT_TAGS,
            self.builder
                .remove_contact_tags(&Token::new(token), contact_id, &tags),
        )
    }

    /// `GET /locations/{locationId}/tags`.
    #[wasm_bindgen(js_name = locationTags, unchecked_return_type = "Promise<LocationTagsResult>")]
    pub fn location_tags(&self, token: String) -> Result<Promise, JsValue> {
        self.body_of(
            api::ops::LOCATION_TAGS,
            self.builder.location_tags(&Token::new(token)),
        )
    }

    /// `POST /locations/{locationId}/tags`.
    #[wasm_bindgen(js_name = createLocationTag, unchecked_return_type = "Promise<LocationTagResult>")]
    pub fn create_location_tag(&self, name: &str, token: String) -> Result<Promise, JsValue> {
        self.body_of(
            api::ops::CREATE_LOCATION_TAG,
            self.builder.create_location_tag(&Token::new(token), name),
        )
    }

    /// `GET /locations/{locationId}/customFields?model=contact`.
    #[wasm_bindgen(js_name = customFields, unchecked_return_type = "Promise<CustomFieldsResult>")]
    pub fn custom_fields(&self, token: String) -> Result<Promise, JsValue> {
        self.body_of(
            api::ops::LOCATION_CUSTOM_FIELDS,
            self.builder.location_custom_fields(&Token::new(token)),
        )
    }

    /// `GET /social-media-posting/{locationId}/tags` (searchText, limit, skip).
    #[wasm_bindgen(js_name = socialTags, unchecked_return_type = "Promise<TagsResponse>")]
    pub fn social_tags(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SocialTagsQuery")] query: JsValue,
        token: String,
    ) -> Result<Promise, JsValue> {
        let query: Value = from_js(query, "query")?;
        self.body_of(
            api::ops::SOCIAL_TAGS,
            self.builder.social_tags_value(&Token::new(token), &query),
        )
    }

    /// `POST /social-media-posting/{locationId}/tags/details` `{tagIds}`.
    #[wasm_bindgen(js_name = socialTagsByIds, unchecked_return_type = "Promise<TagsResponse>")]
    pub fn social_tags_by_ids(
        &self,
        tag_ids: Vec<String>,
        token: String,
    ) -> Result<Promise, JsValue> {
        self.body_of(
            api::ops::SOCIAL_TAGS_BY_IDS,
            self.builder
                .social_tags_by_ids(&Token::new(token), &tag_ids),
        )
    }

    /// `GET /social-media-posting/{locationId}/accounts`.
    #[wasm_bindgen(js_name = socialAccounts, unchecked_return_type = "Promise<AccountsResponse>")]
    pub fn social_accounts(&self, token: String) -> Result<Promise, JsValue> {
        self.body_of(
            api::ops::SOCIAL_ACCOUNTS,
            self.builder.social_accounts(&Token::new(token)),
        )
    }

    /// `POST /social-media-posting/statistics?locationId=` `{profileIds, platforms?}`.
    #[wasm_bindgen(js_name = socialStatistics, unchecked_return_type = "Promise<StatisticsResponse>")]
    pub fn social_statistics(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StatisticsRequest")] request: JsValue,
        token: String,
    ) -> Result<Promise, JsValue> {
        let request: Value = from_js(request, "request")?;
        self.body_of(
            api::ops::SOCIAL_STATISTICS,
            self.builder
                .social_statistics_value(&Token::new(token), &request),
        )
    }

    /// `GET /users/?locationId=`.
    #[wasm_bindgen(unchecked_return_type = "Promise<UsersResult>")]
    pub fn users(&self, token: String) -> Result<Promise, JsValue> {
        self.body_of(api::ops::USERS, self.builder.users(&Token::new(token)))
    }
}

/// The catalog entry of an operation (`service.operationId` or a unique bare id).
#[wasm_bindgen(js_name = operationInfo, unchecked_return_type = "OperationInfo")]
pub fn operation_info(name: &str) -> Result<JsValue, JsValue> {
    let op = catalog::find(name).map_err(|e| throw(&RequestError::from(e)))?;
    to_js(&op.info())
}
