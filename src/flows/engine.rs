//! [`FlowEngine`]: the state flows keep between events (rules, tag catalogs per
//! location, location tag names, statistics profiles) and [`FlowEngine::finish`], the
//! local work after a plan's requests.
//!
//! Invariants:
//! - The engine sends nothing and reads no clock: `now_ms` is an argument.
//! - `finish` is deterministic: same engine state, plan and responses, same outcome
//!   and same new state. It only learns from responses (catalog pages and details,
//!   location tags, profile ids); it never invents data.
//! - A stage whose requests failed is handed to [`FlowEngine::abandon`], which ends a
//!   catalog load it started so the next event can load again.
//! - Authority: an event is planned only for the engine's location or one of the
//!   locations the host configured a connection for ([`event_location`]).
//! - Replays: [`FlowEngine::begin`] runs an event id once ([`ReplayGuard`]); a
//!   second delivery gets a `duplicate` outcome and plans nothing. A failed run
//!   (`abandon`, or a `finish` error) releases the id.

use std::collections::BTreeMap;

use crate::sorted::{SortedMap, SortedSet};

use serde_json::Value;

use super::event::{event_location, parse_event, Event, FlowError, ParsedEvent};
use super::model::{
    Begin, CatalogWork, Finish, FlowConfig, FlowContext, FlowOutcome, FlowPlan, FlowResult,
    StatsWork,
};
use super::planner::{
    details_steps, parse_ledger, plan_event_with, statistics_step, Builder, CurrentContact,
    StageContact,
};
use super::replay::ReplayGuard;
use crate::error::Coded;
use crate::plan::Resolved;
use crate::rules::CompiledRules;
use crate::stats;
use crate::tags::{self, Need, TagCatalog, TagDetail};

/// Flow state for one token (one default location, its scopes and configuration).
#[derive(Debug, Clone)]
pub struct FlowEngine {
    location_id: String,
    config: FlowConfig,
    scopes: Vec<String>,
    rules: SortedMap<String, CompiledRules>,
    catalogs: SortedMap<String, TagCatalog>,
    location_tags: SortedMap<String, (Vec<String>, u64)>,
    profiles: SortedMap<String, Vec<String>>,
    connections: SortedSet<String>,
    replay: ReplayGuard,
    custom_fields: SortedMap<String, String>,
}

impl FlowEngine {
    /// An engine with no rules and nothing cached.
    pub fn new(location_id: &str, config: FlowConfig, scopes: Vec<String>) -> Self {
        let replay = ReplayGuard::new(config.replay.clone());
        Self {
            location_id: location_id.trim().to_string(),
            config,
            scopes,
            rules: SortedMap::new(),
            catalogs: SortedMap::new(),
            location_tags: SortedMap::new(),
            profiles: SortedMap::new(),
            connections: SortedSet::new(),
            replay,
            custom_fields: SortedMap::new(),
        }
    }

    /// Adds a location the host has its own connection (token) for: events naming it
    /// are planned for it (the host sends them with that connection).
    pub fn add_connection(&mut self, location_id: &str) {
        let l = location_id.trim();
        if !l.is_empty() {
            self.connections.insert(l.to_string());
        }
    }

    /// Sets the compiled rules of a source (`wishpond`, `qwilr`).
    pub fn set_rules(&mut self, source: &str, rules: CompiledRules) {
        self.rules.insert(source.to_string(), rules);
    }

    /// The location's contact custom fields (what the rules were compiled with): the
    /// score ledger's key (`config.scoreLedger.field`) is resolved to its id here.
    pub fn set_custom_fields(&mut self, fields: &[crate::rules::CustomFieldDef]) {
        self.custom_fields = fields
            .iter()
            .map(|f| (f.key.clone(), f.id.clone()))
            .collect();
    }

    /// The score ledger's field id: the configured key resolved, or the configured id.
    fn ledger_field(&self) -> Option<&str> {
        let f = self.config.score_ledger.field.trim();
        if f.is_empty() {
            return None;
        }
        match self.custom_fields.get(f) {
            Some(id) => Some(id),
            None if self.custom_fields.values().any(|id| id == f) => Some(f),
            None => None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FlowConfig {
        &self.config
    }

    /// The tag catalog of a location, if one was loaded.
    pub fn catalog(&self, location_id: &str) -> Option<&TagCatalog> {
        self.catalogs.get(location_id)
    }

    /// The tag catalog of a location, created empty (stale) when missing.
    pub fn catalog_mut(&mut self, location_id: &str) -> Result<&mut TagCatalog, tags::TagError> {
        if !self.catalogs.contains_key(location_id) {
            let c = TagCatalog::new(location_id, self.config.catalog.clone())?;
            self.catalogs.insert(location_id.to_string(), c);
        }
        self.catalogs
            .get_mut(location_id)
            .ok_or(tags::TagError::BlankLocation)
    }

    /// Remembers the location's tag names (e.g. restored by the host), read at `now_ms`.
    pub fn set_location_tags(&mut self, location_id: &str, names: Vec<String>, now_ms: u64) {
        self.location_tags
            .insert(location_id.to_string(), (names, now_ms));
    }

    /// Remembers the statistics profile ids of a location.
    pub fn set_profile_ids(&mut self, location_id: &str, ids: Vec<String>) {
        self.profiles.insert(location_id.to_string(), ids);
    }

    /// Plans an event's first stage from the cached state ([`super::plan_event`]). Planning
    /// changes nothing (a dry run leaves the engine as it was).
    pub fn plan(&mut self, event: &Event, now_ms: u64) -> Result<FlowPlan, FlowError> {
        let parsed = parse_event(event)?;
        self.plan_parsed(&parsed, now_ms)
    }

    fn plan_parsed(&self, parsed: &ParsedEvent, now_ms: u64) -> Result<FlowPlan, FlowError> {
        self.plan_parsed_with(parsed, now_ms, None, 1, false)
    }

    /// Plans `parsed` at `stage`. `assume_tags` (a dry run's later stage, whose
    /// location-tags read was not sent): when the location's tags are not known, plan
    /// as if it had every tag the rules add (what a read listing them all would give).
    fn plan_parsed_with(
        &self,
        parsed: &ParsedEvent,
        now_ms: u64,
        current: Option<StageContact<'_>>,
        stage: u32,
        assume_tags: bool,
    ) -> Result<FlowPlan, FlowError> {
        let location = event_location(parsed, &self.location_id, &self.connections)?;
        let ttl = self.config.catalog.ttl_ms;
        let location_tags = self
            .location_tags
            .get(&location)
            .filter(|(_, at)| now_ms < at.saturating_add(ttl))
            .map(|(names, _)| names.as_slice());
        let assumed;
        let (config, scopes) = if assume_tags && location_tags.is_none() {
            let mut config = self.config.clone();
            config.allow_create_location_tags = true;
            let mut scopes = self.scopes.clone();
            scopes.push(tags::SCOPE_LOCATION_TAGS_WRITE.to_string());
            assumed = (config, scopes);
            (&assumed.0, assumed.1.as_slice())
        } else {
            (&self.config, self.scopes.as_slice())
        };
        let ctx = FlowContext {
            location_id: &location,
            now_ms,
            config,
            scopes,
            rules: &self.rules,
            catalog: self.catalogs.get(&location),
            location_tags,
            profile_ids: self.profiles.get(&location).map(Vec::as_slice),
            ledger_field: self.ledger_field(),
        };
        plan_event_with(&ctx, parsed, current, stage)
    }

    /// Starts a delivery of an event: plans its first stage and claims its id, or,
    /// when the id was run already, plans nothing and gives a `duplicate` outcome.
    pub fn begin(&mut self, event: &Event, now_ms: u64) -> Result<Begin, FlowError> {
        let parsed = parse_event(event)?;
        let key = crate::plan::dedupe_key(&parsed.id).unwrap_or_default();
        if self.replay.contains(key, now_ms) {
            return Ok(Begin::Duplicate {
                outcome: duplicate(key, parsed.kind.flow()),
            });
        }
        let fp = self.plan_parsed(&parsed, now_ms)?;
        match self.claim(&fp, now_ms) {
            None => Ok(Begin::Run { flow_plan: fp }),
            Some(outcome) => Ok(Begin::Duplicate { outcome }),
        }
    }

    /// Claims the event id of a first-stage plan before it runs (later stages claim
    /// nothing): `None` to run it, or the `duplicate` outcome when the id was run.
    pub fn claim(&mut self, fp: &FlowPlan, now_ms: u64) -> Option<FlowOutcome> {
        if fp.stage > 1 {
            return None;
        }
        let key = crate::plan::dedupe_key(&fp.event_id)?;
        if self.replay.claim(key, now_ms) {
            None
        } else {
            Some(duplicate(key, &fp.plan.flow))
        }
    }

    /// Releases the event id of a stage that failed (a redelivery may run it again):
    /// the one release path of [`Self::abandon`] and a failed [`Self::finish`].
    fn release(&mut self, fp: &FlowPlan) {
        if let Some(key) = crate::plan::dedupe_key(&fp.event_id) {
            self.replay.release(key);
        }
    }

    /// A stage's requests failed: ends the catalog load it started (if any) and
    /// releases the event id (a redelivery may run it again).
    pub fn abandon(&mut self, fp: &FlowPlan) {
        self.release(fp);
        let work = match &fp.finish {
            Finish::Enrich { catalog, .. }
            | Finish::RefreshTags { catalog, .. }
            | Finish::TagReport { catalog, .. } => catalog,
            _ => return,
        };
        if let (Some(load), Some(c)) = (work.page_load, self.catalogs.get_mut(&work.location_id)) {
            let _ = c.page_failed(load);
        }
    }

    /// A stage's request `step` was refused with HTTP `status`: abandons the stage (see
    /// [`Self::abandon`]) and gives the typed failure when the core can say more than
    /// the request's own error: a 404 or 400 on a request by a literal contact id (the
    /// event named the contact by id) is `FLOW_CONTACT_NOT_FOUND`, naming the id.
    /// `None`: the request's error stands.
    pub fn step_failed(&mut self, fp: &FlowPlan, step: &str, status: u16) -> Option<FlowError> {
        self.abandon(fp);
        if status != 404 && status != 400 {
            return None;
        }
        let contact_id = fp
            .plan
            .step(step)?
            .params
            .path
            .get("contactId")?
            .as_str()?
            .to_string();
        Some(FlowError::ContactNotFound {
            event_id: fp.event_id.clone(),
            event_type: fp.event_type.clone(),
            step: step.to_string(),
            contact_id,
            status,
        })
    }

    /// An engine with only what finishing a catalog stage of `location_id` reads (the
    /// configuration and a copy of that location's catalog): a dry run feeds it the
    /// answers it assumes ([`Self::later_stages`]). Cheaper than a whole copy.
    fn catalog_copy(&self, location_id: &str) -> FlowEngine {
        let mut copy = FlowEngine::new(&self.location_id, self.config.clone(), Vec::new());
        if let Some(c) = self.catalogs.get(location_id) {
            copy.catalogs.insert(location_id.to_string(), c.clone());
        }
        copy
    }

    /// The stage after `fp` for its event, planned from the contact its answers gave
    /// (`contact`) or from what they taught the engine (the location's tags).
    fn next_stage(
        &self,
        fp: &FlowPlan,
        event: &Event,
        now_ms: u64,
        contact: Option<StageContact<'_>>,
        assume_tags: bool,
    ) -> Result<FlowPlan, FlowError> {
        let parsed = parse_event(event)?;
        let mut next =
            self.plan_parsed_with(&parsed, now_ms, contact, fp.stage + 1, assume_tags)?;
        next.plan.id = format!("{}#{}", fp.event_id, next.stage);
        Ok(next)
    }

    /// The later stages of a contact flow as a dry run shows them (nothing sent,
    /// nothing learned, the engine unchanged): each planned by the code that plans it
    /// from GHL's answers ([`Self::finish`]), for answers not known yet:
    /// - after a location-tags read, as if the location had every tag the rules add
    ///   (the add-tags list is the most that could be sent);
    /// - after a contact write or read, for a contact with no tags, score 0 and an
    ///   empty ledger, what only the answer says shown as placeholders naming the step
    ///   ([`StageContact::Unread`]): resolved against the real answers (and the score
    ///   texts read), they are the stage the run plans.
    ///
    /// - after the accounts read of a statistics flow, the statistics request with the
    ///   profile ids as one `$from` naming the answer (shown as
    ///   `{accounts.results.accounts.profileId}`): with the ids the answer selects in
    ///   its place, it is the stage the run plans.
    ///
    /// - after a catalog flow's first tag-list page, the next page as if that page
    ///   were full, then the details reads as if the list ended on the next page and
    ///   listed none of the tag ids the event references (the most that could be
    ///   read): planned by [`Self::finish`] on a copy of the catalog state fed those
    ///   answers ([`Self::catalog_copy`]).
    ///
    /// Each stage carries a warning naming its assumption.
    pub fn later_stages(&self, fp: &FlowPlan, now_ms: u64) -> Result<Vec<FlowPlan>, FlowError> {
        let mut out: Vec<FlowPlan> = Vec::new();
        let mut sim: Option<FlowEngine> = None;
        // A contact flow has at most three stages (tags read, contact read, writes), a
        // catalog flow three as shown (a page, the next, details).
        while out.len() < 3 {
            let at = out.last().unwrap_or(fp);
            let tags = "shown as if the location had every tag the rules add: those it lacks are left out once its tags are read";
            let (mut next, why) = match &at.finish {
                Finish::Replan { event } => (self.next_stage(at, event, now_ms, None, true)?, tags),
                Finish::ReadContact {
                    event,
                    score_field,
                    ledger_field,
                } => {
                    let step = contact_step(at);
                    let assumed = CurrentContact {
                        id: crate::plan::preview::placeholder(step, "contact.id"),
                        created: None,
                        tags: Vec::new(),
                        score: 0,
                        ledger: Vec::new(),
                        score_field: score_field.clone(),
                        ledger_field: ledger_field.clone(),
                    };
                    let contact = StageContact::Unread {
                        step,
                        assumed: &assumed,
                    };
                    (
                        self.next_stage(at, event, now_ms, Some(contact), true)?,
                        "shown for a contact with no tags and no score yet: the contact HighLevel answers decides its id, which tags change and the score",
                    )
                }
                Finish::Statistics { work } => {
                    let Some(step) = work.accounts_step.as_deref() else {
                        break;
                    };
                    let mut next = statistics_stage(at, work, &[STATS_PROFILE_POINTER.into()])
                        .map_err(|e| bad(at, step, e.code(), &e.to_string()))?;
                    // The ids as the answer's: a `$from` the preview shows as
                    // `{accounts.results.accounts.profileId}` (this stage is never sent).
                    if let Some(body) = next
                        .plan
                        .steps
                        .first_mut()
                        .and_then(|s| s.params.body.as_mut())
                    {
                        body["profileIds"] =
                            serde_json::json!([{"$from": step, "pointer": STATS_PROFILE_POINTER}]);
                    }
                    (
                        next,
                        "shown for one profile: the accounts HighLevel answers decide the profile ids (their connected LinkedIn pages and TikTok business accounts), all sent in this one request",
                    )
                }
                Finish::Enrich { catalog, .. }
                | Finish::RefreshTags { catalog, .. }
                | Finish::TagReport { catalog, .. } => {
                    let Some(page) = catalog.page_step.as_deref() else {
                        break;
                    };
                    // The answers a run could get, fed to a copy of the engine's
                    // catalog state: the stage is the one its finish plans (this engine
                    // learns nothing).
                    let (answer, why) = if out.is_empty() {
                        (
                            full_page(page, &catalog.location_id, self.config.catalog.page_size),
                            "shown for a first page that is full (`limit` tags): a shorter page ends the tag list and this read is not sent",
                        )
                    } else {
                        (
                            empty_page(),
                            "shown as if the tag list had none of the tag ids this event references: those it lists are not read",
                        )
                    };
                    let sim = sim.get_or_insert_with(|| self.catalog_copy(&catalog.location_id));
                    let responses = BTreeMap::from([(page.to_string(), answer)]);
                    match sim.finish(at, &responses, now_ms) {
                        Ok(FlowOutcome {
                            next: Some(next), ..
                        }) => (*next, why),
                        // The list ends there (or a full page would pass `maxPages`).
                        _ => break,
                    }
                }
                _ => break,
            };
            if at.plan.step("location-tags").is_some() && why != tags {
                next.warnings.push(format!("stage {}: {tags}", next.stage));
            }
            next.warnings.push(format!("stage {}: {why}", next.stage));
            out.push(next);
        }
        Ok(out)
    }

    /// The local work after a stage's requests: learns from the responses (step id ->
    /// JSON body; skipped steps have none) and gives the result, or the next stage
    /// when the responses call for more requests.
    pub fn finish(
        &mut self,
        fp: &FlowPlan,
        responses: &BTreeMap<String, Value>,
        now_ms: u64,
    ) -> Result<FlowOutcome, FlowError> {
        let out = self.finish_stage(fp, responses, now_ms);
        if out.is_err() {
            self.release(fp);
        }
        out
    }

    fn finish_stage(
        &mut self,
        fp: &FlowPlan,
        responses: &BTreeMap<String, Value>,
        now_ms: u64,
    ) -> Result<FlowOutcome, FlowError> {
        let mut warnings = fp.warnings.clone();
        let done = |result: FlowResult, warnings: Vec<String>| FlowOutcome {
            event_id: fp.event_id.clone(),
            flow: fp.plan.flow.clone(),
            result,
            next: None,
            warnings,
        };
        let pending = |next: FlowPlan, warnings: Vec<String>| FlowOutcome {
            event_id: fp.event_id.clone(),
            flow: fp.plan.flow.clone(),
            result: FlowResult::Pending,
            next: Some(Box::new(next)),
            warnings,
        };
        match &fp.finish {
            Finish::Contact {
                rule_set,
                score,
                dropped_tags,
                ..
            } => {
                let (step, upsert) = contact_response(fp, responses)?;
                let sent = |step: &str| -> Vec<String> {
                    match fp.plan.step(step).map(|s| s.resolve(responses)) {
                        Some(Ok(Resolved::Send(p))) => p
                            .body
                            .as_ref()
                            .and_then(|b| b.get("tags"))
                            .and_then(Value::as_array)
                            .map(|a| {
                                a.iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_string)
                                    .collect()
                            })
                            .unwrap_or_default(),
                        _ => Vec::new(),
                    }
                };
                let tags_after = ["remove-tags", "add-tags"]
                    .iter()
                    .find_map(|s| responses.get(*s).and_then(|r| r.get("tags")))
                    .or_else(|| upsert.pointer("/contact/tags"))
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(done(
                    FlowResult::Contact {
                        contact_id: upsert
                            .pointer("/contact/id")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        created: created(step, upsert),
                        rule_set: rule_set.clone(),
                        score: *score,
                        tags_added: sent("add-tags"),
                        tags_removed: sent("remove-tags"),
                        tags: tags_after,
                        dropped_tags: dropped_tags.clone(),
                        previous_score: None,
                        score_already_applied: None,
                    },
                    warnings,
                ))
            }
            Finish::Planned { result } => Ok(done((**result).clone(), warnings)),
            Finish::ReadContact {
                event,
                score_field,
                ledger_field,
            } => {
                let (step, upsert) = contact_response(fp, responses)?;
                let location = fp.plan.location_id.clone();
                if let Some(names) = location_tag_names(responses) {
                    self.set_location_tags(&location, names, now_ms);
                }
                let current = read_contact(step, upsert, score_field, ledger_field.as_deref())
                    .ok_or_else(|| {
                        bad(
                            fp,
                            step,
                            "FLOW_BAD_RESPONSE",
                            "the contact write or read answered no `contact.id`",
                        )
                    })?;
                let mut next =
                    self.next_stage(fp, event, now_ms, Some(StageContact::Read(&current)), false)?;
                warnings.append(&mut next.warnings);
                next.warnings = warnings.clone();
                Ok(pending(next, warnings))
            }
            Finish::Replan { event } => {
                let body = response(fp, responses, "location-tags")?;
                let names: Vec<String> = body
                    .get("tags")
                    .and_then(Value::as_array)
                    .ok_or_else(|| {
                        bad(
                            fp,
                            "location-tags",
                            "TAGS_BAD_RESPONSE",
                            "no `tags` array in the answer",
                        )
                    })?
                    .iter()
                    .filter_map(|t| t.get("name").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect();
                let location = fp.plan.location_id.clone();
                self.set_location_tags(&location, names, now_ms);
                let next = self.next_stage(fp, event, now_ms, None, false)?;
                Ok(pending(next, warnings))
            }
            Finish::Enrich {
                records,
                options,
                subject,
                catalog,
            } => {
                if let Some(next) =
                    self.catalog_stage(fp, catalog, responses, now_ms, &mut warnings)?
                {
                    return Ok(pending(next, warnings));
                }
                if !catalog.details_done {
                    let cat = self
                        .catalog_mut(&catalog.location_id)
                        .map_err(|e| tag_err(fp, "", &e))?;
                    let requests = cat
                        .enrichment_requests(records, options)
                        .map_err(|e| tag_err(fp, "", &e))?;
                    if !requests.is_empty() {
                        let mut b = Builder::continuation(fp, &catalog.location_id);
                        let details = details_steps(
                            &mut b,
                            requests,
                            "the records reference tag ids the tag list lacks: read their details",
                        );
                        let next_catalog = CatalogWork {
                            location_id: catalog.location_id.clone(),
                            details,
                            details_done: true,
                            ..CatalogWork::default()
                        };
                        let mut f = fp.finish.clone();
                        if let Finish::Enrich { catalog, .. } = &mut f {
                            *catalog = next_catalog;
                        }
                        return Ok(pending(b.build(f), warnings));
                    }
                }
                let cat = self
                    .catalog_mut(&catalog.location_id)
                    .map_err(|e| tag_err(fp, "", &e))?;
                let mut records = records.clone();
                let report = cat
                    .enrich(&mut records, options)
                    .map_err(|e| tag_err(fp, "", &e))?;
                let subject = subject.as_deref().map(|s| cat.lookup(s));
                Ok(done(
                    FlowResult::Enriched {
                        records,
                        report,
                        subject,
                    },
                    warnings,
                ))
            }
            Finish::RefreshTags { tag_ids, catalog } => {
                if catalog.page_step.is_some() && catalog.page_load.is_none() {
                    // The event says cached details are out of date: the page read
                    // for it replaces the cache even if the cache looked fresh.
                    self.catalog_mut(&catalog.location_id)
                        .map_err(|e| tag_err(fp, "", &e))?
                        .invalidate();
                }
                if let Some(next) =
                    self.catalog_stage(fp, catalog, responses, now_ms, &mut warnings)?
                {
                    return Ok(pending(next, warnings));
                }
                let cat = self
                    .catalog_mut(&catalog.location_id)
                    .map_err(|e| tag_err(fp, "", &e))?;
                if !catalog.details_done {
                    let requests = cat.details_requests(tag_ids);
                    if !requests.is_empty() {
                        let mut b = Builder::continuation(fp, &catalog.location_id);
                        let details = details_steps(
                            &mut b,
                            requests,
                            "changed tag ids the refreshed list lacks: read their details",
                        );
                        let f = Finish::RefreshTags {
                            tag_ids: tag_ids.clone(),
                            catalog: CatalogWork {
                                location_id: catalog.location_id.clone(),
                                details,
                                details_done: true,
                                ..CatalogWork::default()
                            },
                        };
                        return Ok(pending(b.build(f), warnings));
                    }
                }
                let mut found = Vec::new();
                let mut not_found = Vec::new();
                for id in tag_ids {
                    match cat.resolve_id(id) {
                        tags::Resolution::Found { tag } | tags::Resolution::Deleted { tag } => {
                            found.push(TagDetail::from(&tag))
                        }
                        _ => not_found.push(id.clone()),
                    }
                }
                Ok(done(
                    FlowResult::TagsRefreshed {
                        tags: found,
                        not_found,
                        catalog_size: cat.len(),
                    },
                    warnings,
                ))
            }
            Finish::TagReport {
                references,
                options,
                catalog,
            } => {
                if let Some(next) =
                    self.catalog_stage(fp, catalog, responses, now_ms, &mut warnings)?
                {
                    return Ok(pending(next, warnings));
                }
                let cat = self
                    .catalog_mut(&catalog.location_id)
                    .map_err(|e| tag_err(fp, "", &e))?;
                let report = tags::validate_tags(cat, references, options);
                let markdown = report.to_markdown();
                Ok(done(FlowResult::TagReport { report, markdown }, warnings))
            }
            Finish::Statistics { work } => {
                self.finish_statistics(fp, work, responses, now_ms, warnings)
            }
        }
    }

    fn finish_statistics(
        &mut self,
        fp: &FlowPlan,
        work: &StatsWork,
        responses: &BTreeMap<String, Value>,
        now_ms: u64,
        mut warnings: Vec<String>,
    ) -> Result<FlowOutcome, FlowError> {
        let stats_err = |step: &str, e: &stats::StatsError| bad(fp, step, e.code(), &e.to_string());
        if let Some(step) = &work.accounts_step {
            let body = response(fp, responses, step)?;
            let accounts = stats::decode_accounts(body).map_err(|e| stats_err(step, &e))?;
            let selection =
                stats::profiles_from_accounts(&accounts.results.accounts, &work.platforms);
            warnings.extend(selection.warnings.iter().cloned());
            if selection.profile_ids.is_empty() {
                return Err(bad(
                    fp,
                    step,
                    "STATS_NO_PROFILES",
                    "no connected account has statistics (LinkedIn pages and TikTok business accounts only)",
                ));
            }
            self.set_profile_ids(&work.location_id, selection.profile_ids.clone());
            let next = statistics_stage(fp, work, &selection.profile_ids)
                .map_err(|e| stats_err(step, &e))?;
            return Ok(FlowOutcome {
                event_id: fp.event_id.clone(),
                flow: fp.plan.flow.clone(),
                result: FlowResult::Pending,
                next: Some(Box::new(next)),
                warnings,
            });
        }
        let step = work.statistics_step.as_deref().unwrap_or("statistics");
        let body = response(fp, responses, step)?;
        let decoded = stats::decode_statistics(body).map_err(|e| stats_err(step, &e))?;
        let series = stats::from_statistics(
            &decoded.results,
            &stats::SeriesOptions {
                now_ms,
                utc_offset_minutes: work.utc_offset_minutes,
            },
        );
        let series = stats::merge(&series, &work.host_metrics).map_err(|e| stats_err(step, &e))?;
        let profile_ids = fp
            .plan
            .step(step)
            .and_then(|s| s.params.body.as_ref())
            .and_then(|b| b.get("profileIds"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Ok(FlowOutcome {
            event_id: fp.event_id.clone(),
            flow: fp.plan.flow.clone(),
            result: FlowResult::Statistics {
                markdown: stats::report::to_markdown(&series, &work.title),
                csv: stats::report::to_csv(&series),
                slack: stats::report::to_slack(&series, &work.title),
                series,
                profile_ids,
            },
            next: None,
            warnings,
        })
    }

    /// Feeds the stage's list page and details into the catalog. Returns the next
    /// stage when the list has more pages.
    fn catalog_stage(
        &mut self,
        fp: &FlowPlan,
        work: &CatalogWork,
        responses: &BTreeMap<String, Value>,
        now_ms: u64,
        warnings: &mut Vec<String>,
    ) -> Result<Option<FlowPlan>, FlowError> {
        let cat = self
            .catalog_mut(&work.location_id)
            .map_err(|e| tag_err(fp, "", &e))?;
        if let Some(step) = &work.page_step {
            let body = response(fp, responses, step)?;
            let load = match work.page_load {
                Some(l) => Some(l),
                None => match cat.ensure_fresh(now_ms) {
                    Need::Page(p) => Some(p.load),
                    Need::Nothing => None,
                    Need::Wait => {
                        warnings.push("another load of the tag catalog was in progress; this page was not used".into());
                        None
                    }
                },
            };
            if let Some(load) = load {
                match cat
                    .handle_page(load, body, now_ms)
                    .map_err(|e| tag_err(fp, step, &e))?
                {
                    Need::Page(next) => {
                        let mut b = Builder::continuation(fp, &work.location_id);
                        let id = format!("tags-page-{}", fp.stage + 1);
                        b.step(
                            &id,
                            &next.operation,
                            next.params,
                            "the tag list has more tags than one page: read the next page",
                        );
                        let next_work = CatalogWork {
                            location_id: work.location_id.clone(),
                            page_step: Some(id),
                            page_load: Some(next.load),
                            details: Vec::new(),
                            details_done: work.details_done,
                        };
                        let mut f = fp.finish.clone();
                        match &mut f {
                            Finish::Enrich { catalog, .. }
                            | Finish::RefreshTags { catalog, .. }
                            | Finish::TagReport { catalog, .. } => *catalog = next_work,
                            _ => {}
                        }
                        return Ok(Some(b.build(f)));
                    }
                    Need::Nothing | Need::Wait => {}
                }
            }
        }
        for d in &work.details {
            let body = response(fp, responses, &d.step)?;
            let outcome = cat
                .handle_details(&d.ids, body)
                .map_err(|e| tag_err(fp, &d.step, &e))?;
            if !outcome.foreign.is_empty() {
                warnings.push(format!(
                    "tags of another location ignored: {}",
                    outcome.foreign.join(", ")
                ));
            }
        }
        Ok(None)
    }
}

/// A tag-list page of `page_size` tags a dry run assumes (no `count`: the list goes
/// on), each tag named after the step that reads it (`{tags-page-1.results.tags.0}`).
fn full_page(step: &str, location_id: &str, page_size: u32) -> Value {
    let tags: Vec<Value> = (0..page_size.max(1))
        .map(|i| {
            let name = crate::plan::preview::placeholder(step, &format!("results.tags.{i}"));
            serde_json::json!({"_id": name, "tag": name, "locationId": location_id})
        })
        .collect();
    serde_json::json!({"success": true, "results": {"tags": tags}})
}

/// An empty tag-list page: the list ends.
fn empty_page() -> Value {
    serde_json::json!({"success": true, "results": {"tags": []}})
}

/// Where an accounts answer holds the profile ids a statistics request takes, one per
/// account (a dry run's placeholder names it: `{accounts.results.accounts.profileId}`).
const STATS_PROFILE_POINTER: &str = "/results/accounts/profileId";

/// The statistics stage after the accounts read of `fp`, for the profiles it chose
/// (the one planning path of a run and of a dry run's later stage).
fn statistics_stage(
    fp: &FlowPlan,
    work: &StatsWork,
    profile_ids: &[String],
) -> Result<FlowPlan, stats::StatsError> {
    let mut b = Builder::continuation(fp, &work.location_id);
    let mut next_work = work.clone();
    next_work.accounts_step = None;
    statistics_step(&mut b, &mut next_work, profile_ids)?;
    Ok(b.build(Finish::Statistics { work: next_work }))
}

fn duplicate(event_id: &str, flow: &str) -> FlowOutcome {
    FlowOutcome {
        event_id: event_id.to_string(),
        flow: flow.to_string(),
        result: FlowResult::Duplicate,
        next: None,
        warnings: vec![format!(
            "duplicate, skipped: event '{event_id}' was delivered again (an event runs once per id)"
        )],
    }
}

/// The location's tag names from a `location-tags` response, when the stage read them.
fn location_tag_names(responses: &BTreeMap<String, Value>) -> Option<Vec<String>> {
    let tags = responses.get("location-tags")?.get("tags")?.as_array()?;
    Some(
        tags.iter()
            .filter_map(|t| t.get("name").and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
    )
}

/// The contact an upsert answered: id, tags, the score and ledger custom fields (GHL
/// answers custom fields as `{id, value}`; `field_value` is accepted too).
fn read_contact(
    step: &str,
    upsert: &Value,
    score_field: &str,
    ledger_field: Option<&str>,
) -> Option<CurrentContact> {
    let c = upsert.get("contact")?;
    let id = c.get("id")?.as_str()?.to_string();
    let field = |fid: &str| -> Option<&Value> {
        c.get("customFields")?
            .as_array()?
            .iter()
            .find(|f| f.get("id").and_then(Value::as_str) == Some(fid))
            .and_then(|f| f.get("value").or_else(|| f.get("field_value")))
    };
    let score = match field(score_field) {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => crate::codec::parse_f64(s.trim()),
        _ => None,
    }
    .filter(|n| n.is_finite())
    .map_or(0, |n| n.clamp(-9.0e15, 9.0e15).floor() as i64);
    let ledger = ledger_field
        .and_then(field)
        .and_then(Value::as_str)
        .map(parse_ledger)
        .unwrap_or_default();
    Some(CurrentContact {
        id,
        created: created(step, upsert),
        tags: c
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        score,
        ledger,
        score_field: score_field.to_string(),
        ledger_field: ledger_field.map(str::to_string),
    })
}

/// The step that wrote or read the contact (`upsert`, by email/phone; `update` or
/// `read`, by id) and its answer (each answers `{contact: {...}}`).
fn contact_response<'a>(
    fp: &FlowPlan,
    responses: &'a BTreeMap<String, Value>,
) -> Result<(&'static str, &'a Value), FlowError> {
    let step = contact_step(fp);
    Ok((step, response(fp, responses, step)?))
}

/// The step of `fp` that writes or reads the contact.
fn contact_step(fp: &FlowPlan) -> &'static str {
    ["upsert", "update", "read"]
        .into_iter()
        .find(|s| fp.plan.step(s).is_some())
        .unwrap_or("upsert")
}

/// Whether the contact was created: an upsert says (`new`); a write or read by id
/// never creates.
fn created(step: &str, answer: &Value) -> Option<bool> {
    if step == "upsert" {
        answer.get("new").and_then(Value::as_bool)
    } else {
        Some(false)
    }
}

fn response<'a>(
    fp: &FlowPlan,
    responses: &'a BTreeMap<String, Value>,
    step: &str,
) -> Result<&'a Value, FlowError> {
    responses.get(step).ok_or_else(|| {
        bad(
            fp,
            step,
            "FLOW_MISSING_RESPONSE",
            "the step has no response",
        )
    })
}

fn bad(fp: &FlowPlan, step: &str, cause: &str, problem: &str) -> FlowError {
    FlowError::BadResponse {
        event_id: fp.event_id.clone(),
        event_type: fp.event_type.clone(),
        step: step.to_string(),
        cause: cause.to_string(),
        problem: problem.to_string(),
    }
}

fn tag_err(fp: &FlowPlan, step: &str, e: &tags::TagError) -> FlowError {
    bad(fp, step, e.code(), &e.to_string())
}
