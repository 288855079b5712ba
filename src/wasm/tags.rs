//! The social-planner tag catalog (`TagCatalog`) and the contact tag diff, for JS.
//! The shim drives the catalog's load (single flight) and sends the requests.

use wasm_bindgen::prelude::*;

use super::convert::{decode, encode, encode_object, throw};
use crate::tags::{self, CatalogConfig, EnrichOptions, LoadId, ReportOptions, Tag, TagReference};

/// One location's tag catalog (see [`crate::tags::catalog`]).
#[wasm_bindgen(js_name = TagCatalog)]
pub struct WasmTagCatalog {
    inner: tags::TagCatalog,
}

#[wasm_bindgen(js_class = TagCatalog)]
impl WasmTagCatalog {
    /// An empty (stale) catalog.
    #[wasm_bindgen(constructor)]
    pub fn new(
        location_id: &str,
        #[wasm_bindgen(unchecked_param_type = "Partial<CatalogConfig> | undefined")]
        config: JsValue,
    ) -> Result<WasmTagCatalog, JsValue> {
        let config: CatalogConfig = if config.is_undefined() || config.is_null() {
            CatalogConfig::default()
        } else {
            decode(config, "config")?
        };
        let inner = tags::TagCatalog::new(location_id, config).map_err(|e| throw(&e))?;
        Ok(WasmTagCatalog { inner })
    }

    /// What to do before lookups are reliable: nothing, wait, or fetch a page.
    #[wasm_bindgen(js_name = ensureFresh, unchecked_return_type = "Need")]
    pub fn ensure_fresh(&mut self, now_ms: f64) -> Result<JsValue, JsValue> {
        encode(&self.inner.ensure_fresh(now_ms as u64))
    }

    /// Feeds a list page body; returns the next need.
    #[wasm_bindgen(js_name = handlePage, unchecked_return_type = "Need")]
    pub fn handle_page(
        &mut self,
        load: f64,
        #[wasm_bindgen(unchecked_param_type = "unknown")] body: JsValue,
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let body: serde_json::Value = decode(body, "body")?;
        let need = self
            .inner
            .handle_page(LoadId(load as u64), &body, now_ms as u64)
            .map_err(|e| throw(&e))?;
        encode(&need)
    }

    /// A page could not be fetched: ends the load.
    #[wasm_bindgen(js_name = pageFailed)]
    pub fn page_failed(&mut self, load: f64) -> Result<(), JsValue> {
        self.inner
            .page_failed(LoadId(load as u64))
            .map_err(|e| throw(&e))
    }

    /// Makes the catalog stale.
    pub fn invalidate(&mut self) {
        self.inner.invalidate();
    }

    /// True when loaded, not invalidated and within the TTL.
    #[wasm_bindgen(js_name = isFresh)]
    pub fn is_fresh(&self, now_ms: f64) -> bool {
        self.inner.is_fresh(now_ms as u64)
    }

    /// An id if cached, otherwise a name (trimmed, case-insensitive).
    #[wasm_bindgen(unchecked_return_type = "Resolution")]
    pub fn lookup(&self, id_or_name: &str) -> Result<JsValue, JsValue> {
        encode(&self.inner.lookup(id_or_name))
    }

    /// Details requests for the ids the cache lacks (batched, de-duplicated).
    #[wasm_bindgen(js_name = detailsRequests, unchecked_return_type = "RequestParams[]")]
    pub fn details_requests(&self, ids: Vec<String>) -> Result<JsValue, JsValue> {
        encode(&self.inner.details_requests(&ids))
    }

    /// Details requests for the values records reference that resolve to nothing.
    #[wasm_bindgen(js_name = enrichmentRequests, unchecked_return_type = "RequestParams[]")]
    pub fn enrichment_requests(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown[]")] records: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Partial<EnrichOptions> | undefined")]
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let records: Vec<serde_json::Value> = decode(records, "records")?;
        let options = enrich_options(options)?;
        let r = self
            .inner
            .enrichment_requests(&records, &options)
            .map_err(|e| throw(&e))?;
        encode(&r)
    }

    /// Merges a details body for the ids requested.
    #[wasm_bindgen(js_name = handleDetails, unchecked_return_type = "DetailsOutcome")]
    pub fn handle_details(
        &mut self,
        requested: Vec<String>,
        #[wasm_bindgen(unchecked_param_type = "unknown")] body: JsValue,
    ) -> Result<JsValue, JsValue> {
        let body: serde_json::Value = decode(body, "body")?;
        let out = self
            .inner
            .handle_details(&requested, &body)
            .map_err(|e| throw(&e))?;
        encode(&out)
    }

    /// Attaches tag details to copies of the records.
    #[wasm_bindgen(unchecked_return_type = "{ records: unknown[]; report: EnrichReport }")]
    pub fn enrich(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown[]")] records: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Partial<EnrichOptions> | undefined")]
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let mut records: Vec<serde_json::Value> = decode(records, "records")?;
        let options = enrich_options(options)?;
        let report = self
            .inner
            .enrich(&mut records, &options)
            .map_err(|e| throw(&e))?;
        encode_object(|o| {
            o.field("records", &records).field("report", &report);
        })
    }

    /// The tag validation report, with its Markdown.
    #[wasm_bindgen(unchecked_return_type = "{ report: TagReport; markdown: string }")]
    pub fn report(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TagReference[]")] references: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Partial<ReportOptions> | undefined")]
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let references: Vec<TagReference> = decode(references, "references")?;
        let options: ReportOptions = if options.is_undefined() || options.is_null() {
            ReportOptions::default()
        } else {
            decode(options, "options")?
        };
        let report = tags::validate_tags(&self.inner, &references, &options);
        let markdown = report.to_markdown();
        encode_object(|o| {
            o.field("markdown", &markdown).field("report", &report);
        })
    }

    /// Every cached tag (live and deleted).
    #[wasm_bindgen(unchecked_return_type = "Tag[]")]
    pub fn tags(&self) -> Result<JsValue, JsValue> {
        encode(&self.inner.tags().collect::<Vec<_>>())
    }

    /// Replaces the cache with stored tags loaded at `loadedAtMs`.
    pub fn restore(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Tag[]")] tags: JsValue,
        loaded_at_ms: f64,
    ) -> Result<(), JsValue> {
        let tags: Vec<Tag> = decode(tags, "tags")?;
        self.inner.restore(tags, loaded_at_ms as u64);
        Ok(())
    }
}

fn enrich_options(v: JsValue) -> Result<EnrichOptions, JsValue> {
    if v.is_undefined() || v.is_null() {
        Ok(EnrichOptions::default())
    } else {
        decode(v, "options")
    }
}

/// The add/remove diff that brings a contact's tags to the desired state.
#[wasm_bindgen(js_name = tagDiff, unchecked_return_type = "TagDiff")]
pub fn tag_diff(
    add: Vec<String>,
    remove: Vec<String>,
    current: Vec<String>,
) -> Result<JsValue, JsValue> {
    encode(&tags::diff(&add, &remove, &current))
}
