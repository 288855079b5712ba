//! [`plan_event`]: an event and the cached state in, the fewest GHL requests out.
//!
//! Invariants:
//! - Planning is pure: same context and event, same plan; nothing is sent or changed.
//! - Every returned plan passes [`crate::plan::Plan::validate`].
//! - A request is planned only when its answer is not already known from the context
//!   (a fresh catalog, cached location tags, known profile ids).

use serde_json::{json, Map, Value};

use super::event::{EventBody, EventKind, FlowError, ParsedEvent, StatisticsPayload};
use super::model::{CatalogWork, DetailsStep, Finish, FlowContext, FlowPlan, StatsWork};
use crate::api::ops;
use crate::error::Coded;
use crate::http::RequestParams;
use crate::plan::{Plan, Step};
use crate::rules::ApplyOptions;
use crate::stats;
use crate::tags::{self, TagCatalog, TagReference, SCOPE_LOCATION_TAGS_WRITE};

/// Plans the first stage of an event's flow (see the module doc of [`super`]), from
/// the event as [`super::event::parse_event`] parsed it.
pub fn plan_event(ctx: &FlowContext<'_>, event: &ParsedEvent) -> Result<FlowPlan, FlowError> {
    // The location was decided (and checked) by `event_location`; never re-read here.
    let location = ctx.location_id.trim().to_string();
    if location.is_empty() {
        return Err(event.malformed("no locationId in the event and no default location"));
    }
    let b = Builder::new(event, &location, 1);
    match &event.body {
        EventBody::Contact { payload } => plan_contact(ctx, event, payload, b),
        EventBody::Tag { subject, records } => {
            plan_enrich(ctx, b, records.clone(), Some(subject.clone()))
        }
        EventBody::SocialPosts { records } => plan_enrich(ctx, b, records.clone(), None),
        EventBody::TagDetails { tag_ids } => plan_refresh(ctx, tag_ids, b),
        EventBody::Statistics(p) => plan_statistics(ctx, event, p, b),
        EventBody::TagValidation {
            references,
            max_len,
        } => plan_report(ctx, references, *max_len, b),
    }
}

/// Accumulates the steps of one stage.
pub(super) struct Builder {
    event_id: String,
    event_type: String,
    flow: &'static str,
    pub(super) location: String,
    stage: u32,
    steps: Vec<Step>,
    pub(super) warnings: Vec<String>,
    pub(super) then: Vec<String>,
    contact_key: Option<String>,
}

impl Builder {
    pub(super) fn new(event: &ParsedEvent, location: &str, stage: u32) -> Self {
        Self {
            event_id: crate::plan::dedupe_key(&event.id)
                .unwrap_or_default()
                .to_string(),
            event_type: event.event_type.trim().to_string(),
            flow: event.kind.flow(),
            location: location.to_string(),
            stage,
            steps: Vec::new(),
            warnings: Vec::new(),
            then: Vec::new(),
            contact_key: None,
        }
    }

    /// A builder for a later stage of the same event.
    pub(super) fn continuation(fp: &FlowPlan, location: &str) -> Self {
        Self {
            event_id: fp.event_id.clone(),
            event_type: fp.event_type.clone(),
            flow: "",
            location: location.to_string(),
            stage: fp.stage + 1,
            steps: Vec::new(),
            warnings: Vec::new(),
            then: Vec::new(),
            contact_key: fp.plan.contact_key.clone(),
        }
        .with_flow(&fp.plan.flow)
    }

    fn with_flow(mut self, flow: &str) -> Self {
        self.flow = EventKind::ALL
            .iter()
            .map(|(_, k)| k.flow())
            .find(|f| *f == flow)
            .unwrap_or("unknown");
        self
    }

    pub(super) fn step(
        &mut self,
        id: &str,
        operation: &str,
        params: RequestParams,
        why: &str,
    ) -> &mut Step {
        self.steps.push(Step {
            id: id.to_string(),
            operation: operation.to_string(),
            params,
            after: Vec::new(),
            skip_when_empty: None,
            why: why.to_string(),
        });
        let n = self.steps.len() - 1;
        &mut self.steps[n]
    }

    pub(super) fn build(self, finish: Finish) -> FlowPlan {
        let id = if self.stage <= 1 {
            self.event_id.clone()
        } else {
            format!("{}#{}", self.event_id, self.stage)
        };
        FlowPlan {
            event_id: self.event_id,
            plan: Plan {
                id,
                flow: self.flow.to_string(),
                location_id: self.location,
                contact_key: self.contact_key,
                steps: self.steps,
            },
            event_type: self.event_type,
            stage: self.stage,
            finish,
            then: self.then,
            warnings: self.warnings,
        }
    }
}

fn path_location(location: &str) -> RequestParams {
    let mut p = RequestParams::default();
    p.path.insert("locationId".into(), json!(location));
    p
}

/// The first list page of the catalog (same parameters the catalog asks for).
pub(super) fn first_page(b: &mut Builder, ctx: &FlowContext<'_>) -> CatalogWork {
    let mut p = path_location(&b.location);
    p.query.insert(
        "limit".into(),
        json!(ctx.config.catalog.page_size.max(1).to_string()),
    );
    p.query.insert("skip".into(), json!("0"));
    b.step(
        "tags-page-1",
        tags::OP_LIST_TAGS,
        p,
        "the tag catalog of this location is not cached or is stale: read the tag list (one page holds up to `limit` tags)",
    );
    CatalogWork {
        location_id: b.location.clone(),
        page_step: Some("tags-page-1".into()),
        ..CatalogWork::default()
    }
}

/// Details steps for these requests; returns the step list for [`CatalogWork`].
pub(super) fn details_steps(
    b: &mut Builder,
    requests: Vec<RequestParams>,
    why: &str,
) -> Vec<DetailsStep> {
    let mut out = Vec::new();
    for (i, p) in requests.into_iter().enumerate() {
        let ids = p
            .body
            .as_ref()
            .and_then(|b| b.get("tagIds"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let id = format!("tag-details-{}", i + 1);
        b.step(&id, tags::OP_TAGS_BY_IDS, p, why);
        out.push(DetailsStep { step: id, ids });
    }
    out
}

/// The fresh catalog of the builder's location, if the context has one.
pub(super) fn fresh_catalog<'a>(ctx: &FlowContext<'a>, location: &str) -> Option<&'a TagCatalog> {
    ctx.catalog
        .filter(|c| c.location_id() == location && c.is_fresh(ctx.now_ms))
}

// ---- flow 1 (and the Qwilr contact events) -------------------------------------------

fn plan_contact(
    ctx: &FlowContext<'_>,
    event: &ParsedEvent,
    payload: &Value,
    mut b: Builder,
) -> Result<FlowPlan, FlowError> {
    let source = event.kind.rules_source().unwrap_or("wishpond");
    let rules = ctx.rules.get(source).ok_or_else(|| FlowError::NoRules {
        event_id: event.id.clone(),
        event_type: event.event_type.clone(),
        source_name: source.to_string(),
    })?;
    let mapped = rules
        .apply_value(payload, &ApplyOptions::default())
        .map_err(|e| FlowError::Mapping {
            event_id: event.id.clone(),
            event_type: event.event_type.clone(),
            cause: e.code().to_string(),
            problem: e.to_string(),
        })?;
    let mut body = match serde_json::to_value(&mapped.upsert) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let key = ["email", "phone"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_str))
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    let Some(key) = key else {
        return Err(FlowError::Mapping {
            event_id: event.id.clone(),
            event_type: event.event_type.clone(),
            cause: "NO_MATCH_KEY".into(),
            problem: "the rules produced neither an email nor a phone, so GHL cannot match or create the contact".into(),
        });
    };
    body.insert("locationId".into(), json!(b.location));
    b.warnings.extend(
        mapped
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.rule, w.message)),
    );

    let mut add = mapped.tags_to_add.clone();
    let mut dropped = Vec::new();
    let has_scope = ctx.scopes.iter().any(|s| s == SCOPE_LOCATION_TAGS_WRITE);
    let may_create = ctx.config.allow_create_location_tags && has_scope;
    if !may_create && !add.is_empty() {
        let Some(known) = ctx.location_tags else {
            // Which tags the location has decides what may be added: read them first.
            b.step(
                "location-tags",
                ops::LOCATION_TAGS,
                path_location(&b.location),
                "tags the location lacks may not be created here (configuration or scope), so read the location's tags to know which of the desired tags exist",
            );
            b.then
                .push("then the contact is planned: upsert, add-tags, remove-tags".into());
            return Ok(b.build(Finish::Replan {
                event: event.to_event(),
            }));
        };
        let lp = tags::missing_location_tags(
            &add,
            known,
            ctx.config.allow_create_location_tags,
            has_scope,
        );
        if !lp.missing.is_empty() {
            let reason = if ctx.config.allow_create_location_tags {
                format!("the token lacks the scope {SCOPE_LOCATION_TAGS_WRITE}")
            } else {
                "allowCreateLocationTags is off".to_string()
            };
            b.warnings.push(format!(
                "tags not added because the location lacks them and {reason}: {}",
                lp.missing.join(", ")
            ));
            let missing: Vec<String> = lp
                .missing
                .iter()
                .map(|t| tags::normalize_tag_name(t))
                .collect();
            add.retain(|t| !missing.contains(&tags::normalize_tag_name(t)));
            dropped = lp.missing;
        }
    }

    b.contact_key = Some(key);
    let p = RequestParams {
        body: Some(Value::Object(body)),
        ..RequestParams::default()
    };
    b.step(
        "upsert",
        ops::UPSERT_CONTACT,
        p,
        "create or update the contact (matched by email/phone); no `tags` in the body because GHL would replace all of them; the score is a custom field in this body",
    );
    let contact_id = json!({"$from": "upsert", "pointer": "/contact/id"});
    let current = json!({"$from": "upsert", "pointer": "/contact/tags"});
    if !add.is_empty() {
        let mut p = RequestParams::default();
        p.path.insert("contactId".into(), contact_id.clone());
        p.body = Some(json!({"tags": {"$missing": add, "in": current}}));
        b.step(
            "add-tags",
            ops::ADD_CONTACT_TAGS,
            p,
            "add only the desired tags the contact does not have yet (skipped when none)",
        )
        .skip_when_empty = Some("/tags".into());
    }
    if !mapped.tags_to_remove.is_empty() {
        let mut p = RequestParams::default();
        p.path.insert("contactId".into(), contact_id);
        p.body = Some(json!({"tags": {"$present": mapped.tags_to_remove, "in": current}}));
        b.step(
            "remove-tags",
            ops::REMOVE_CONTACT_TAGS,
            p,
            "remove only the unwanted tags the contact has (skipped when none)",
        )
        .skip_when_empty = Some("/tags".into());
    }
    let finish = Finish::Contact {
        source: source.to_string(),
        rule_set: mapped.rule_set,
        score: mapped.score,
        tags_to_add: add,
        tags_to_remove: mapped.tags_to_remove,
        dropped_tags: dropped,
    };
    Ok(b.build(finish))
}

// ---- flows 2 and 3 -------------------------------------------------------------------

fn plan_enrich(
    ctx: &FlowContext<'_>,
    mut b: Builder,
    records: Vec<Value>,
    subject: Option<String>,
) -> Result<FlowPlan, FlowError> {
    let options = ctx.config.enrich.clone();
    let catalog = match fresh_catalog(ctx, &b.location) {
        Some(cat) => {
            let requests = cat
                .enrichment_requests(&records, &options)
                .map_err(|e| tag_error(&b, &e))?;
            let details = details_steps(
                &mut b,
                requests,
                "the records reference tag ids the cached catalog lacks: read their details",
            );
            CatalogWork {
                location_id: b.location.clone(),
                details,
                details_done: true,
                ..CatalogWork::default()
            }
        }
        None => {
            b.then.push(
                "details of referenced tag ids the list lacks (usually none), then the records are enriched locally".into(),
            );
            first_page(&mut b, ctx)
        }
    };
    Ok(b.build(Finish::Enrich {
        records,
        options,
        subject,
        catalog,
    }))
}

// ---- flow 4 --------------------------------------------------------------------------

fn plan_refresh(
    ctx: &FlowContext<'_>,
    ids: &[String],
    mut b: Builder,
) -> Result<FlowPlan, FlowError> {
    // The event says the cached details are out of date: the list is read again
    // whatever the cache's age (the engine invalidates the catalog too).
    let catalog = first_page(&mut b, ctx);
    b.then
        .push("details of changed ids the refreshed list lacks (usually none)".into());
    Ok(b.build(Finish::RefreshTags {
        tag_ids: ids.to_vec(),
        catalog,
    }))
}

// ---- flow 5 --------------------------------------------------------------------------

fn plan_statistics(
    ctx: &FlowContext<'_>,
    event: &ParsedEvent,
    p: &StatisticsPayload,
    mut b: Builder,
) -> Result<FlowPlan, FlowError> {
    let defaults = &ctx.config.statistics;
    let platforms = p
        .platforms
        .clone()
        .unwrap_or_else(|| defaults.platforms.clone());
    let trigger = p.trigger.clone().unwrap_or_else(|| "dashboard".to_string());
    let title = p.title.clone().unwrap_or_else(|| {
        defaults
            .title
            .clone()
            .unwrap_or_else(|| "Weekly social report".to_string())
    });
    let utc_offset_minutes = p.utc_offset_minutes.unwrap_or(defaults.utc_offset_minutes);
    let host_metrics = p.host_metrics.clone();
    let mut work = StatsWork {
        location_id: b.location.clone(),
        trigger,
        platforms,
        title,
        utc_offset_minutes,
        host_metrics,
        accounts_step: None,
        statistics_step: None,
    };
    let known = p
        .profile_ids
        .clone()
        .or_else(|| ctx.profile_ids.map(<[String]>::to_vec))
        .filter(|ids| !ids.is_empty());
    match known {
        Some(ids) => {
            statistics_step(&mut b, &mut work, &ids).map_err(|e| stats_error(event, &e))?
        }
        None => {
            let r = stats::accounts_request(&b.location).map_err(|e| stats_error(event, &e))?;
            b.step(
                "accounts",
                &r.operation,
                r.params,
                "no profile ids are known for this location: read the connected accounts to pick the LinkedIn page and TikTok business profiles",
            );
            work.accounts_step = Some("accounts".into());
            b.then.push(
                "statistics for the chosen profiles, then series and the report locally".into(),
            );
        }
    }
    Ok(b.build(Finish::Statistics { work }))
}

/// Adds the statistics step for these profiles.
pub(super) fn statistics_step(
    b: &mut Builder,
    work: &mut StatsWork,
    profile_ids: &[String],
) -> Result<(), stats::StatsError> {
    let r = stats::statistics_request(&b.location, profile_ids, &work.platforms)?;
    b.warnings.extend(r.warnings);
    b.step(
        "statistics",
        &r.operation,
        r.params,
        "the last 7 days against the 7 before, for the chosen profiles (one request for all of them)",
    );
    work.statistics_step = Some("statistics".into());
    Ok(())
}

// ---- flow 6 --------------------------------------------------------------------------

fn plan_report(
    ctx: &FlowContext<'_>,
    references: &[TagReference],
    max_len: Option<usize>,
    mut b: Builder,
) -> Result<FlowPlan, FlowError> {
    let mut options = ctx.config.report.clone();
    if let Some(m) = max_len {
        options.max_len = m;
    }
    let catalog = match fresh_catalog(ctx, &b.location) {
        Some(_) => CatalogWork {
            location_id: b.location.clone(),
            details_done: true,
            ..CatalogWork::default()
        },
        None => {
            b.then
                .push("the report is built locally from the loaded catalog".into());
            first_page(&mut b, ctx)
        }
    };
    Ok(b.build(Finish::TagReport {
        references: references.to_vec(),
        options,
        catalog,
    }))
}

fn tag_error(b: &Builder, e: &tags::TagError) -> FlowError {
    FlowError::MalformedEvent {
        event_id: b.event_id.clone(),
        event_type: b.event_type.clone(),
        problem: format!("{} ({})", e, e.code()),
    }
}

fn stats_error(event: &ParsedEvent, e: &stats::StatsError) -> FlowError {
    event.malformed(format!("{} ({})", e, e.code()))
}
