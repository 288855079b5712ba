//! The per-location catalog of social-planner tags: a TTL cache loaded page by page,
//! driven by the host as a state machine.
//!
//! The host loop is:
//! ```text
//! loop {
//!     match catalog.ensure_fresh(now) {
//!         Need::Nothing => break,                  // cache is fresh: resolve away
//!         Need::Wait => await the load in flight,  // single flight: someone else loads
//!         Need::Page(p) => loop {                  // this caller drives the load
//!             body = send(p.operation, p.params)
//!             match catalog.handle_page(p.load, &body, now)? {
//!                 Need::Page(next) => p = next,
//!                 _ => break,
//!             }
//!         }
//!     }
//! }
//! ```
//!
//! Invariants:
//! - **Single flight**: while a load is in progress, [`TagCatalog::ensure_fresh`]
//!   answers [`Need::Wait`]; only the load's own pages are accepted
//!   ([`TagCatalog::handle_page`] rejects pages of other loads with
//!   [`TagError::StaleLoad`] and changes nothing).
//! - A load that sees no page for `loadTimeoutMs` is abandoned by the next
//!   `ensure_fresh`, which starts a new one (a host that lost its promise cannot wedge
//!   the catalog). A failed page (bad body, `success: false`, page cap, or
//!   [`TagCatalog::page_failed`]) ends the load; the previous catalog stays usable and
//!   the next `ensure_fresh` retries.
//! - **Freshness**: a catalog loaded at `t` is fresh for `now` in `[t, t + ttlMs)`; at
//!   exactly `t + ttlMs` it is stale. [`TagCatalog::invalidate`] makes it stale at once;
//!   an invalidation during a load marks the result of that load stale too (it may
//!   have read pages from before the change).
//! - **Paging**: pages are requested with `limit = pageSize` and `skip` = the number of
//!   tags received so far. The load ends when a page is empty, when `skip` reaches the
//!   most recent `count` (so a `count` that grows or shrinks between pages is
//!   followed), or, when GHL sends no `count`, when a page is shorter than `limit`.
//!   Tags are keyed by id, so a tag seen twice (the list shifted) is kept once.
//!   After `maxPages` pages without an end the load fails with [`TagError::PageLimit`].
//! - A completed load **replaces** the live tags (the list is authoritative); tags
//!   known to be deleted (learned from details) are kept when the list omits them.
//! - Details by ids are requested only for ids the cache lacks; ids GHL did not return
//!   are remembered as not found until the next completed load or invalidation.

use crate::codec::{FromJson, ToJson};
use crate::sorted::{SortedMap, SortedSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::model::{Tag, TagsResponse};
use super::{normalize_tag_name, TagError, OP_LIST_TAGS, OP_TAGS_BY_IDS};
use crate::http::RequestParams;
use crate::request::BodyError;

/// Tunables of a [`TagCatalog`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct CatalogConfig {
    /// Tags per page (`limit`), at least 1. Default 100.
    pub page_size: u32,
    /// How long a loaded catalog is fresh, in ms. Default 300,000 (5 minutes).
    pub ttl_ms: u64,
    /// Safety cap on pages per load. Default 200.
    pub max_pages: u32,
    /// Most ids per details request, at least 1. Default 50.
    pub details_batch: usize,
    /// A load with no page for this long is abandoned, in ms. Default 60,000.
    pub load_timeout_ms: u64,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        Self {
            page_size: 100,
            ttl_ms: 300_000,
            max_pages: 200,
            details_batch: 50,
            load_timeout_ms: 60_000,
        }
    }
}

/// Identifies one load of the catalog (increasing from 1).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    ToJson,
    Deserialize,
    FromJson,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct LoadId(pub u64);

/// One page of the tag list to fetch.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PageRequest {
    /// The load this page belongs to; hand it back to [`TagCatalog::handle_page`].
    pub load: LoadId,
    /// Offset of the page (also in `params.query.skip`).
    pub skip: u64,
    /// Operation id: always [`OP_LIST_TAGS`].
    pub operation: String,
    /// Path (`locationId`) and query (`limit`, `skip`, as strings per the spec).
    pub params: RequestParams,
}

/// What the catalog needs from the host before lookups are reliable.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "need", rename_all = "camelCase")]
pub enum Need {
    /// The catalog is fresh.
    Nothing,
    /// A load is in progress, driven by another caller: await it.
    Wait,
    /// Fetch this page and pass the body to [`TagCatalog::handle_page`].
    Page(PageRequest),
}

crate::tagged::tagged_enum! {
    tag = "status", name = "Resolution", rename_all = "camelCase";
    /// What a tag name or id resolves to.
    #[derive(Debug, Clone, PartialEq, Serialize, ToJson)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum Resolution {
        /// Exactly one live tag.
        Found {
            /// The tag.
            tag: Tag,
        },
        /// No live tag, but a deleted one (the most recently updated if several).
        Deleted {
            /// The deleted tag.
            tag: Tag,
        },
        /// Several live tags share the normalised name (sorted by id).
        Ambiguous {
            /// All of them.
            tags: Vec<Tag>,
        },
        /// Not in the catalog.
        Unknown,
    }
}

/// What [`TagCatalog::handle_details`] did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DetailsOutcome {
    /// Ids merged into the cache.
    pub merged: Vec<String>,
    /// Requested ids GHL did not return (remembered as not found).
    pub not_found: Vec<String>,
    /// Returned tags of another location (ignored).
    pub foreign: Vec<String>,
}

#[derive(Debug, Clone)]
struct Loading {
    id: u64,
    skip: u64,
    pages: u32,
    count: Option<u64>,
    staged: SortedMap<String, Tag>,
    last_activity_ms: u64,
    invalidated: bool,
}

/// The social-planner tags of one location. See the module doc for the invariants.
#[derive(Debug, Clone)]
pub struct TagCatalog {
    location_id: String,
    config: CatalogConfig,
    tags: SortedMap<String, Tag>,
    by_name: SortedMap<String, SortedSet<String>>,
    not_found: SortedSet<String>,
    loaded_at: Option<u64>,
    stale: bool,
    last_load: u64,
    loading: Option<Loading>,
}

impl TagCatalog {
    /// An empty (stale) catalog for a location.
    pub fn new(location_id: &str, config: CatalogConfig) -> Result<Self, TagError> {
        let location_id = location_id.trim();
        if location_id.is_empty() {
            return Err(TagError::BlankLocation);
        }
        Ok(Self {
            location_id: location_id.to_string(),
            config,
            tags: SortedMap::new(),
            by_name: SortedMap::new(),
            not_found: SortedSet::new(),
            loaded_at: None,
            stale: true,
            last_load: 0,
            loading: None,
        })
    }

    /// The location id.
    pub fn location_id(&self) -> &str {
        &self.location_id
    }

    /// The configuration.
    pub fn config(&self) -> &CatalogConfig {
        &self.config
    }

    /// When the last load completed (`None` before the first).
    pub fn loaded_at(&self) -> Option<u64> {
        self.loaded_at
    }

    /// True while a load is in progress.
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// True when the catalog is loaded, not invalidated and within its TTL at `now_ms`.
    pub fn is_fresh(&self, now_ms: u64) -> bool {
        match self.loaded_at {
            Some(t) => !self.stale && now_ms < t.saturating_add(self.config.ttl_ms),
            None => false,
        }
    }

    /// All cached tags (live and deleted), by id.
    pub fn tags(&self) -> impl Iterator<Item = &Tag> {
        self.tags.values()
    }

    /// Number of cached tags (live and deleted).
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// What the host must do before lookups are reliable; may start a load.
    pub fn ensure_fresh(&mut self, now_ms: u64) -> Need {
        if let Some(l) = &self.loading {
            if now_ms.saturating_sub(l.last_activity_ms) < self.config.load_timeout_ms {
                return Need::Wait;
            }
            self.loading = None;
        }
        if self.is_fresh(now_ms) {
            return Need::Nothing;
        }
        self.last_load += 1;
        self.loading = Some(Loading {
            id: self.last_load,
            skip: 0,
            pages: 0,
            count: None,
            staged: SortedMap::new(),
            last_activity_ms: now_ms,
            invalidated: false,
        });
        Need::Page(self.page_request(self.last_load, 0))
    }

    fn page_request(&self, load: u64, skip: u64) -> PageRequest {
        let mut params = RequestParams::default();
        params
            .path
            .insert("locationId".into(), json!(self.location_id));
        params.query.insert(
            "limit".into(),
            json!(self.config.page_size.max(1).to_string()),
        );
        params.query.insert("skip".into(), json!(skip.to_string()));
        PageRequest {
            load: LoadId(load),
            skip,
            operation: OP_LIST_TAGS.to_string(),
            params,
        }
    }

    fn check_load(&self, load: LoadId) -> Result<(), TagError> {
        let current = self.loading.as_ref().map_or(0, |l| l.id);
        if current == 0 || current != load.0 {
            return Err(TagError::StaleLoad {
                location_id: self.location_id.clone(),
                got: load.0,
                current,
            });
        }
        Ok(())
    }

    /// Feeds the JSON body of a list page. Returns the next need: another
    /// [`Need::Page`] of the same load, or [`Need::Nothing`] when the load completed.
    pub fn handle_page(
        &mut self,
        load: LoadId,
        body: &Value,
        now_ms: u64,
    ) -> Result<Need, TagError> {
        self.check_load(load)?;
        let response = match decode(OP_LIST_TAGS, body) {
            Ok(r) => r,
            Err(e) => {
                self.loading = None;
                return Err(e);
            }
        };
        self.handle_typed_page(load, response, now_ms)
    }

    /// [`Self::handle_page`] with an already decoded body.
    pub fn handle_typed_page(
        &mut self,
        load: LoadId,
        response: TagsResponse,
        now_ms: u64,
    ) -> Result<Need, TagError> {
        self.check_load(load)?;
        if !response.success {
            self.loading = None;
            return Err(failure(OP_LIST_TAGS, &response));
        }
        let Some(l) = self.loading.as_mut() else {
            // check_load guarantees a load; treat the impossible as stale.
            return Err(TagError::StaleLoad {
                location_id: self.location_id.clone(),
                got: load.0,
                current: 0,
            });
        };
        let received = response.results.tags.len() as u64;
        let location_id = &self.location_id;
        l.staged.extend(
            (response.results.tags.into_iter())
                .filter(|tag| !is_foreign(tag, location_id))
                .map(|tag| (tag.id.clone(), tag)),
        );
        l.pages = l.pages.saturating_add(1);
        l.skip = l.skip.saturating_add(received);
        if response.results.count.is_some() {
            l.count = response.results.count;
        }
        l.last_activity_ms = now_ms;
        let done = received == 0
            || match l.count {
                Some(c) => l.skip >= c,
                None => received < u64::from(self.config.page_size.max(1)),
            };
        if done {
            self.commit(now_ms);
            return Ok(Need::Nothing);
        }
        if l.pages >= self.config.max_pages {
            let err = TagError::PageLimit {
                location_id: self.location_id.clone(),
                pages: l.pages,
                loaded: l.staged.len(),
                count: l.count.unwrap_or(0),
            };
            self.loading = None;
            return Err(err);
        }
        let (id, skip) = (l.id, l.skip);
        Ok(Need::Page(self.page_request(id, skip)))
    }

    /// The host could not fetch a page (network error, HTTP error): ends the load so
    /// the next [`Self::ensure_fresh`] retries. Pages of other loads are ignored.
    pub fn page_failed(&mut self, load: LoadId) -> Result<(), TagError> {
        self.check_load(load)?;
        self.loading = None;
        Ok(())
    }

    fn commit(&mut self, now_ms: u64) {
        let Some(l) = self.loading.take() else { return };
        let mut tags = l.staged;
        for (id, old) in std::mem::take(&mut self.tags) {
            if old.deleted && !tags.contains_key(&id) {
                tags.insert(id, old);
            }
        }
        self.tags = tags;
        self.rebuild_index();
        self.not_found.clear();
        self.loaded_at = Some(now_ms);
        self.stale = l.invalidated;
    }

    fn rebuild_index(&mut self) {
        // In name order, so that each insertion appends.
        let mut pairs: Vec<(String, &String)> = (self.tags.values())
            .map(|tag| (normalize_tag_name(&tag.tag), &tag.id))
            .collect();
        crate::order::sort(&mut pairs);
        self.by_name.clear();
        for (name, id) in pairs {
            self.by_name.entry(name).or_default().insert(id.clone());
        }
    }

    fn insert_tag(&mut self, tag: Tag) {
        if let Some(old) = self.tags.get(&tag.id) {
            let key = normalize_tag_name(&old.tag);
            if let Some(ids) = self.by_name.get_mut(&key) {
                ids.remove(&tag.id);
                if ids.is_empty() {
                    self.by_name.remove(&key);
                }
            }
        }
        self.by_name
            .entry(normalize_tag_name(&tag.tag))
            .or_default()
            .insert(tag.id.clone());
        self.not_found.remove(&tag.id);
        self.tags.insert(tag.id.clone(), tag);
    }

    /// Makes the catalog stale (e.g. on a tag created/updated event). A load in
    /// progress completes, but its result is stale too.
    pub fn invalidate(&mut self) {
        self.stale = true;
        self.not_found.clear();
        if let Some(l) = self.loading.as_mut() {
            l.invalidated = true;
        }
    }

    /// Patches one tag in place (e.g. from a tag event) without reloading. Tags of
    /// another location are ignored (returns false).
    pub fn upsert_tag(&mut self, tag: Tag) -> bool {
        if is_foreign(&tag, &self.location_id) || tag.id.trim().is_empty() {
            return false;
        }
        if let Some(l) = self.loading.as_mut() {
            l.staged.insert(tag.id.clone(), tag.clone());
        }
        self.insert_tag(tag);
        true
    }

    /// Replaces the cache with stored tags loaded at `loaded_at_ms` (e.g. restored
    /// from IndexedDB). Any load in progress is abandoned.
    pub fn restore(&mut self, tags: Vec<Tag>, loaded_at_ms: u64) {
        self.loading = None;
        self.tags = tags
            .into_iter()
            .filter(|t| !is_foreign(t, &self.location_id))
            .map(|t| (t.id.clone(), t))
            .collect();
        self.rebuild_index();
        self.not_found.clear();
        self.loaded_at = Some(loaded_at_ms);
        self.stale = false;
    }

    /// The tag with this id: found, deleted or unknown.
    pub fn resolve_id(&self, id: &str) -> Resolution {
        match self.tags.get(id.trim()) {
            Some(t) if t.deleted => Resolution::Deleted { tag: t.clone() },
            Some(t) => Resolution::Found { tag: t.clone() },
            None => Resolution::Unknown,
        }
    }

    /// The tag with this name (trimmed, case-insensitive; see the module doc).
    pub fn resolve(&self, name: &str) -> Resolution {
        let key = normalize_tag_name(name);
        if key.is_empty() {
            return Resolution::Unknown;
        }
        let Some(ids) = self.by_name.get(&key) else {
            return Resolution::Unknown;
        };
        let all: Vec<&Tag> = ids.iter().filter_map(|id| self.tags.get(id)).collect();
        let live: Vec<Tag> = all
            .iter()
            .filter(|t| !t.deleted)
            .map(|t| (*t).clone())
            .collect();
        let mut live = live;
        match live.len() {
            1 => Resolution::Found {
                tag: live.swap_remove(0),
            },
            0 => all
                .into_iter()
                .max_by(|a, b| a.updated_at.cmp(&b.updated_at).then(b.id.cmp(&a.id)))
                .map_or(Resolution::Unknown, |t| Resolution::Deleted {
                    tag: t.clone(),
                }),
            _ => Resolution::Ambiguous { tags: live },
        }
    }

    /// An id if it is a cached id, otherwise a name.
    pub fn lookup(&self, id_or_name: &str) -> Resolution {
        match self.resolve_id(id_or_name) {
            Resolution::Unknown => self.resolve(id_or_name),
            r => r,
        }
    }

    /// Ids the cache lacks: trimmed, blanks dropped, de-duplicated (first occurrence
    /// order), without ids already known as not found.
    pub fn missing_details(&self, ids: &[String]) -> Vec<String> {
        let mut seen = SortedSet::new();
        ids.iter()
            .map(|id| id.trim())
            .filter(|id| !id.is_empty())
            .filter(|id| !self.tags.contains_key(*id) && !self.not_found.contains(*id))
            .filter(|id| seen.insert(id.to_string()))
            .map(str::to_string)
            .collect()
    }

    /// Requests (operation [`OP_TAGS_BY_IDS`]) for the missing ids, at most
    /// `detailsBatch` ids each. Empty when nothing is missing.
    pub fn details_requests(&self, ids: &[String]) -> Vec<RequestParams> {
        let missing = self.missing_details(ids);
        missing
            .chunks(self.config.details_batch.max(1))
            .map(|batch| {
                let mut p = RequestParams::default();
                p.path.insert("locationId".into(), json!(self.location_id));
                p.body = Some(json!({ "tagIds": batch }));
                p
            })
            .collect()
    }

    /// Merges a details response for the ids `requested` (the `tagIds` sent).
    pub fn handle_details(
        &mut self,
        requested: &[String],
        body: &Value,
    ) -> Result<DetailsOutcome, TagError> {
        let response = decode(OP_TAGS_BY_IDS, body)?;
        if !response.success {
            return Err(failure(OP_TAGS_BY_IDS, &response));
        }
        let mut out = DetailsOutcome::default();
        let mut returned = SortedSet::new();
        for tag in response.results.tags {
            returned.insert(tag.id.clone());
            if is_foreign(&tag, &self.location_id) {
                out.foreign.push(tag.id);
                continue;
            }
            out.merged.push(tag.id.clone());
            self.insert_tag(tag);
        }
        let mut seen = SortedSet::new();
        for id in requested.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !returned.contains(id) && seen.insert(id) && !self.tags.contains_key(id) {
                self.not_found.insert(id.to_string());
                out.not_found.push(id.to_string());
            }
        }
        Ok(out)
    }
}

fn is_foreign(tag: &Tag, location_id: &str) -> bool {
    !tag.location_id.is_empty() && tag.location_id != location_id
}

fn decode(operation: &str, body: &Value) -> Result<TagsResponse, TagError> {
    if !body.is_object() {
        return Err(BodyError::not_object(operation).into());
    }
    TagsResponse::from_json(body.clone())
        .map_err(|e| BodyError::shape(operation, e.message()).into())
}

fn failure(operation: &str, r: &TagsResponse) -> TagError {
    BodyError::failure(operation, r.status_code, r.message.clone()).into()
}
