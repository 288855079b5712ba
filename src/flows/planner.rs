//! [`plan_event`]: an event and the cached state in, the fewest GHL requests out.
//!
//! Invariants:
//! - Planning is pure: same context and event, same plan; nothing is sent or changed.
//! - Every returned plan passes [`crate::plan::Plan::validate`].
//! - A request is planned only when its answer is not already known from the context
//!   (a fresh catalog, cached location tags, known profile ids).

use serde_json::{json, Map, Value};

use super::event::{EventBody, EventKind, FlowError, ParsedEvent, StatisticsPayload};
use super::model::{
    CatalogWork, DetailsStep, Finish, FlowContext, FlowPlan, FlowResult, StatsWork,
};
use crate::api::ops;
use crate::error::Coded;
use crate::http::RequestParams;
use crate::plan::preview::placeholder;
use crate::plan::{Plan, Step};
use crate::rules::ApplyOptions;
use crate::stats;
use crate::tags::{self, TagCatalog, TagReference, SCOPE_LOCATION_TAGS_WRITE};

/// Plans the first stage of an event's flow (see the module doc of [`super`]), from
/// the event as [`super::event::parse_event`] parsed it.
pub fn plan_event(ctx: &FlowContext<'_>, event: &ParsedEvent) -> Result<FlowPlan, FlowError> {
    plan_event_with(ctx, event, None, 1)
}

/// Plans an event at `stage`; `current` is the contact a first stage read (contact
/// events whose score accumulates), or for a dry run the contact not read yet.
pub fn plan_event_with(
    ctx: &FlowContext<'_>,
    event: &ParsedEvent,
    current: Option<StageContact<'_>>,
    stage: u32,
) -> Result<FlowPlan, FlowError> {
    // The location was decided (and checked) by `event_location`; never re-read here.
    let location = ctx.location_id.trim().to_string();
    if location.is_empty() {
        return Err(event.malformed("no locationId in the event and no default location"));
    }
    let b = Builder::new(event, &location, stage);
    match &event.body {
        EventBody::Contact {
            payload,
            contact_id,
        } => plan_contact(ctx, event, (payload, contact_id.as_deref()), current, b),
        EventBody::ContactTags {
            contact_id,
            tags,
            added,
            removed,
            payload,
        } => plan_contact_tags(ctx, event, (contact_id, tags, added, removed, payload), b),
        EventBody::App {
            installed,
            company_id,
            location_id,
        } => Ok(b.build(Finish::Planned {
            result: Box::new(FlowResult::App {
                installed: *installed,
                company_id: company_id.clone(),
                location_id: location_id.clone(),
            }),
        })),
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

/// The record path where the flows put the contact's current score (rules whose
/// `scoring.base` is this path accumulate: see [`ScoreLedgerConfig`]).
///
/// [`ScoreLedgerConfig`]: super::model::ScoreLedgerConfig
pub const CURRENT_SCORE_PATH: &str = "current.score";

/// The contact as the first stage of an accumulating contact flow read it.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentContact {
    /// GHL contact id.
    pub id: String,
    /// True when the first stage's upsert created it.
    pub created: Option<bool>,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its current score (0 when the field is empty).
    pub score: i64,
    /// The ledger entries (events that already added to the score).
    pub ledger: Vec<String>,
    /// The score's custom field id.
    pub score_field: String,
    /// The ledger's custom field id, if any.
    pub ledger_field: Option<String>,
}

/// The contact a later stage of an accumulating contact flow is planned from.
#[derive(Debug, Clone, Copy)]
pub enum StageContact<'a> {
    /// As the earlier stage's answer gave it.
    Read(&'a CurrentContact),
    /// Not read yet (a dry run: nothing was sent). The stage is planned by the same
    /// code for `assumed` (a contact with no tags, score 0 and an empty ledger), and
    /// what only the answer of the earlier step `step` can say is a placeholder naming
    /// that step: the contact id and its tags as `$from` expressions (the tag lists as
    /// `$missing` / `$present`: the most that could be sent), the score and ledger as
    /// texts (`{upsert.contact.score} + 35, kept between 0 and 200`).
    Unread {
        /// The earlier step that writes or reads the contact (`upsert`, `read`).
        step: &'a str,
        /// The contact the stage is planned for.
        assumed: &'a CurrentContact,
    },
}

impl StageContact<'_> {
    fn contact(&self) -> &CurrentContact {
        match self {
            StageContact::Read(c) | StageContact::Unread { assumed: c, .. } => c,
        }
    }
}

/// The ledger entry of an event: 16 hex digits of its dedupe key (FNV-1a 64; a
/// change detector over ids we issue, not a security measure).
pub fn ledger_entry(event_id: &str) -> String {
    let key = crate::plan::dedupe_key(event_id).unwrap_or(event_id);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The entries of a ledger field's text (space- or comma-separated 16-hex entries).
pub fn parse_ledger(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| t.len() == 16 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
        .collect()
}

fn rules_of<'a>(
    ctx: &FlowContext<'a>,
    event: &ParsedEvent,
) -> Result<&'a crate::rules::CompiledRules, FlowError> {
    let source = event.kind.rules_source().unwrap_or("wishpond");
    ctx.rules.get(source).ok_or_else(|| FlowError::NoRules {
        event_id: event.id.clone(),
        event_type: event.event_type.clone(),
        source_name: source.to_string(),
    })
}

fn map(
    rules: &crate::rules::CompiledRules,
    event: &ParsedEvent,
    payload: &Value,
) -> Result<crate::rules::MappingResult, FlowError> {
    rules
        .apply_value(payload, &ApplyOptions::default())
        .map_err(|e| FlowError::Mapping {
            event_id: event.id.clone(),
            event_type: event.event_type.clone(),
            cause: e.code().to_string(),
            problem: e.to_string(),
        })
}

/// The custom field the score is written to, when the rules accumulate (their
/// scoring, or a route's, reads its base from [`CURRENT_SCORE_PATH`]).
fn accumulating_target(rules: &crate::rules::CompiledRules) -> Option<&crate::rules::CustomTarget> {
    accumulating_scoring(rules).and_then(|s| match &s.write_to {
        Some(crate::rules::Target::Custom(c)) => Some(c),
        _ => None,
    })
}

/// The scoring that accumulates (its `base` is [`CURRENT_SCORE_PATH`]), if any.
fn accumulating_scoring(rules: &crate::rules::CompiledRules) -> Option<&crate::rules::Scoring> {
    let doc = rules.document();
    doc.scoring
        .iter()
        .chain(doc.routes.iter().filter_map(|r| r.scoring.as_ref()))
        .find(|s| s.base.as_deref() == Some(CURRENT_SCORE_PATH))
}

/// A dry run's text for a score not read yet: the contact's score (named after the
/// step that reads it) plus this event's points, within the scoring's bounds, e.g.
/// `{upsert.contact.score} + 35, kept between 0 and 200`.
fn score_placeholder(rules: &crate::rules::CompiledRules, step: &str, points: i64) -> String {
    let sign = if points < 0 { '-' } else { '+' };
    let mut text = format!(
        "{} {sign} {}",
        placeholder(step, "contact.score"),
        points.unsigned_abs()
    );
    let bounds = accumulating_scoring(rules).map(|s| (s.min, s.max));
    match bounds {
        Some((Some(lo), Some(hi))) => text.push_str(&format!(", kept between {lo} and {hi}")),
        Some((Some(lo), None)) => text.push_str(&format!(", at least {lo}")),
        Some((None, Some(hi))) => text.push_str(&format!(", at most {hi}")),
        _ => {}
    }
    text
}

/// Which GHL contact a contact event writes to (decided by [`contact_target`] only).
#[derive(Debug, Clone, PartialEq, Eq)]
enum ContactTarget {
    /// A contact id the event carries: `PUT /contacts/{contactId}` (read with `GET
    /// /contacts/{contactId}`), tags by that id. Never a create.
    ById(String),
    /// `POST /contacts/upsert`, matched by this key (the lower-cased email or phone).
    ByMatch(String),
}

impl ContactTarget {
    /// The plan's contact key (plans with the same key may coalesce): an id and an
    /// email never share one.
    fn contact_key(&self) -> String {
        match self {
            ContactTarget::ById(id) => format!("contact:{id}"),
            ContactTarget::ByMatch(key) => key.clone(),
        }
    }
}

/// The one rule for which contact an event writes to.
///
/// A GHL contact id the event carries (a Qwilr page's metadata, correlated by the
/// intake) wins over an email or phone the rules mapped: the id names exactly one
/// contact the page's creator chose, while an email or phone goes through the
/// location's duplicate rules (which may match another contact, or create a new one,
/// e.g. when a colleague accepts the page with their own email). So with an id the
/// contact is written by id (a wrong id fails, it never creates); without one it is
/// upserted, matched by email, then phone; with neither, `NO_MATCH_KEY`.
fn contact_target(
    event: &ParsedEvent,
    contact_id: Option<&str>,
    body: &Map<String, Value>,
) -> Result<ContactTarget, FlowError> {
    if let Some(id) = contact_id.map(str::trim).filter(|s| !s.is_empty()) {
        return Ok(ContactTarget::ById(id.to_string()));
    }
    ["email", "phone"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_str))
        .map(|s| crate::codec::case::lower_str(s.trim()))
        .filter(|s| !s.is_empty())
        .map(ContactTarget::ByMatch)
        .ok_or_else(|| FlowError::Mapping {
            event_id: event.id.clone(),
            event_type: event.event_type.clone(),
            cause: "NO_MATCH_KEY".into(),
            problem: "the rules produced neither an email nor a phone, and the event carries no GHL contact id, so GHL cannot match or create the contact".into(),
        })
}

/// The contact body and its target ([`contact_target`]): an upsert's body carries
/// `locationId`; an update's does not (GHL's update takes none), nor the email or
/// phone the rules mapped: those are the upsert's match keys, and by id they would
/// overwrite the contact's own (a colleague's acceptance email) or be refused as a
/// duplicate of another contact's.
fn contact_body(
    event: &ParsedEvent,
    mapped: &crate::rules::MappingResult,
    location: &str,
    contact_id: Option<&str>,
) -> Result<(Map<String, Value>, ContactTarget), FlowError> {
    let mut body = match crate::codec::to_value(&mapped.upsert) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let target = contact_target(event, contact_id, &body)?;
    match target {
        ContactTarget::ByMatch(_) => {
            body.insert("locationId".into(), json!(location));
        }
        ContactTarget::ById(_) => {
            for k in ["locationId", "email", "phone"] {
                body.remove(k);
            }
        }
    }
    Ok((body, target))
}

/// Params with the `contactId` path parameter (a literal, or a `$from` reference).
fn by_contact_id(contact_id: Value, body: Option<Value>) -> RequestParams {
    let mut p = RequestParams::default();
    p.path.insert("contactId".into(), contact_id);
    p.body = body;
    p
}

/// The tags that may be added, or the location-tags read that must come first
/// (`Err(())`: the caller plans that read).
fn addable_tags(
    ctx: &FlowContext<'_>,
    b: &mut Builder,
    desired: &[String],
) -> Result<(Vec<String>, Vec<String>), ()> {
    let mut add = desired.to_vec();
    let mut dropped = Vec::new();
    let has_scope = ctx.scopes.iter().any(|s| s == SCOPE_LOCATION_TAGS_WRITE);
    let may_create = ctx.config.allow_create_location_tags && has_scope;
    if !may_create && !add.is_empty() {
        let Some(known) = ctx.location_tags else {
            return Err(());
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
    Ok((add, dropped))
}

fn location_tags_step(b: &mut Builder) {
    b.step(
        "location-tags",
        ops::LOCATION_TAGS,
        path_location(&b.location),
        "tags the location lacks may not be created here (configuration or scope), so read the location's tags to know which of the desired tags exist",
    );
}

fn plan_contact(
    ctx: &FlowContext<'_>,
    event: &ParsedEvent,
    (payload, contact_id): (&Value, Option<&str>),
    current: Option<StageContact<'_>>,
    mut b: Builder,
) -> Result<FlowPlan, FlowError> {
    let rules = rules_of(ctx, event)?;
    if let Some(current) = current {
        return plan_scored_contact(ctx, event, (payload, contact_id), rules, current, b);
    }
    let mapped = map(rules, event, payload)?;
    let (mut body, to) = contact_body(event, &mapped, &b.location, contact_id)?;
    b.warnings.extend(
        mapped
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.rule, w.message)),
    );
    if let Some(target) = accumulating_target(rules) {
        match score_field_id(target, &body) {
            Some(field) => {
                return Ok(plan_contact_read(ctx, event, field, &mut body, &to, b))
            }
            None => b.warnings.push(format!(
                "the score does not accumulate (scoring.base is {CURRENT_SCORE_PATH}) because its custom field {} has no id: compile the rules with the location's custom fields; the score written is this event's points alone",
                target.custom_field.as_deref().unwrap_or("?")
            )),
        }
    }

    let (add, dropped) = match addable_tags(ctx, &mut b, &mapped.tags_to_add) {
        Ok(t) => t,
        Err(()) => {
            // Which tags the location has decides what may be added: read them first.
            location_tags_step(&mut b);
            b.then
                .push("then the contact is planned: upsert, add-tags, remove-tags".into());
            return Ok(b.build(Finish::Replan {
                event: event.to_event(),
            }));
        }
    };

    b.contact_key = Some(to.contact_key());
    let (write, contact_id) = match &to {
        ContactTarget::ByMatch(_) => {
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
            (
                "upsert",
                json!({"$from": "upsert", "pointer": "/contact/id"}),
            )
        }
        ContactTarget::ById(id) => {
            b.step(
                "update",
                ops::UPDATE_CONTACT,
                by_contact_id(json!(id), Some(Value::Object(body))),
                "update the contact the event names by its GHL id (the id wins over an email or phone; a wrong id fails, it never creates one); no `tags` in the body because GHL would replace all of them; the score is a custom field in this body",
            );
            ("update", json!(id))
        }
    };
    let current = json!({"$from": write, "pointer": "/contact/tags"});
    answered_tag_steps(&mut b, &contact_id, &current, &add, &mapped.tags_to_remove);
    let finish = Finish::Contact {
        source: rules_source(event),
        rule_set: mapped.rule_set,
        score: mapped.score,
        tags_to_add: add,
        tags_to_remove: mapped.tags_to_remove,
        dropped_tags: dropped,
    };
    Ok(b.build(finish))
}

/// Add-tags and remove-tags against the tags an answer holds (`tags_of`, a `$from`):
/// only the desired tags the contact lacks, only the unwanted ones it has, each step
/// skipped at run time when its list comes out empty.
fn answered_tag_steps(
    b: &mut Builder,
    contact_id: &Value,
    tags_of: &Value,
    add: &[String],
    remove: &[String],
) {
    if !add.is_empty() {
        let mut p = by_contact_id(contact_id.clone(), None);
        p.body = Some(json!({"tags": {"$missing": add, "in": tags_of}}));
        b.step(
            "add-tags",
            ops::ADD_CONTACT_TAGS,
            p,
            "add only the desired tags the contact does not have yet (skipped when none)",
        )
        .skip_when_empty = Some("/tags".into());
    }
    if !remove.is_empty() {
        let mut p = by_contact_id(contact_id.clone(), None);
        p.body = Some(json!({"tags": {"$present": remove, "in": tags_of}}));
        b.step(
            "remove-tags",
            ops::REMOVE_CONTACT_TAGS,
            p,
            "remove only the unwanted tags the contact has (skipped when none)",
        )
        .skip_when_empty = Some("/tags".into());
    }
}

fn rules_source(event: &ParsedEvent) -> String {
    event.kind.rules_source().unwrap_or("wishpond").to_string()
}

/// Stage 1 of a contact whose score accumulates: the upsert without the score (it
/// answers the contact: id, tags, current score and ledger); tags and the score follow
/// in stage 2, planned from that contact.
/// Is this upsert custom field the score's?
fn is_score_field(target: &crate::rules::CustomTarget, v: &Value) -> bool {
    let key_is = |k: &str, want: &Option<String>| {
        want.as_deref()
            .is_some_and(|w| v.get(k).and_then(Value::as_str) == Some(w))
    };
    key_is("key", &target.custom_field) || key_is("id", &target.custom_field_id)
}

/// The score field's id (resolved when compiling with the location's custom fields).
fn score_field_id(
    target: &crate::rules::CustomTarget,
    body: &Map<String, Value>,
) -> Option<String> {
    body.get("customFields")
        .and_then(Value::as_array)
        .and_then(|f| f.iter().find(|v| is_score_field(target, v)))
        .and_then(|v| v.get("id").and_then(Value::as_str))
        .map(str::to_string)
        .or_else(|| target.custom_field_id.clone())
}

fn plan_contact_read(
    ctx: &FlowContext<'_>,
    event: &ParsedEvent,
    score_field: String,
    body: &mut Map<String, Value>,
    target: &ContactTarget,
    mut b: Builder,
) -> FlowPlan {
    let fields = body.get_mut("customFields").and_then(Value::as_array_mut);
    if let Some(f) = fields {
        f.retain(|v| v.get("id").and_then(Value::as_str) != Some(score_field.as_str()));
        if f.is_empty() {
            body.remove("customFields");
        }
    }
    if ctx.ledger_field.is_none() {
        b.warnings.push(format!(
            "no score ledger field ({}) in this location: a replayed event would add its points again; create a text custom field with that key",
            ctx.config.score_ledger.field
        ));
    }
    b.contact_key = Some(target.contact_key());
    match target {
        ContactTarget::ByMatch(_) => {
            b.step(
                "upsert",
                ops::UPSERT_CONTACT,
                RequestParams {
                    body: Some(Value::Object(std::mem::take(body))),
                    ..RequestParams::default()
                },
                "create or update the contact (matched by email/phone) without the score: its answer is the contact as it is now (id, tags, current score and score ledger), which the score adds to",
            );
        }
        ContactTarget::ById(id) => {
            b.step(
                "read",
                ops::GET_CONTACT,
                by_contact_id(json!(id), None),
                "read the contact the event names by its GHL id (the id wins over an email or phone): its current score and score ledger, which the score adds to; the mapped fields are written with the score, by id",
            );
        }
    }
    let has_scope = ctx.scopes.iter().any(|s| s == SCOPE_LOCATION_TAGS_WRITE);
    if !(ctx.config.allow_create_location_tags && has_scope) && ctx.location_tags.is_none() {
        location_tags_step(&mut b);
    }
    b.then.push(
        "then, from the contact read: add-tags, remove-tags and the score (current + this event's points) with this event's key in the contact's score ledger, unless the ledger holds it already".into(),
    );
    b.build(Finish::ReadContact {
        event: event.to_event(),
        score_field,
        ledger_field: ctx.ledger_field.map(str::to_string),
    })
}

/// Stage 2 of a contact whose score accumulates, from the contact stage 1 read: the
/// tag diff against its tags, then the new score and ledger in one request (last, so a
/// failure before it leaves the ledger without this event and a redelivery redoes it).
/// For a contact not read yet (a dry run) the same stage with placeholders for what
/// the read answers ([`StageContact::Unread`]).
fn plan_scored_contact(
    ctx: &FlowContext<'_>,
    event: &ParsedEvent,
    (payload, contact_id): (&Value, Option<&str>),
    rules: &crate::rules::CompiledRules,
    answer: StageContact<'_>,
    mut b: Builder,
) -> Result<FlowPlan, FlowError> {
    let current = answer.contact();
    let unread = match answer {
        StageContact::Unread { step, .. } => Some(step),
        StageContact::Read(_) => None,
    };
    let entry = ledger_entry(&event.id);
    let already = current.ledger.contains(&entry);
    let mut result = FlowResult::Contact {
        contact_id: Some(current.id.clone()),
        created: current.created,
        rule_set: String::new(),
        score: Some(current.score),
        tags_added: vec![],
        tags_removed: vec![],
        tags: current.tags.clone(),
        dropped_tags: vec![],
        previous_score: Some(current.score),
        score_already_applied: Some(already),
    };
    if already {
        b.warnings.push(format!(
            "the contact's score ledger already holds this event ({entry}): its points and tags were applied, nothing is sent again"
        ));
        return Ok(b.build(Finish::Planned {
            result: Box::new(result),
        }));
    }
    let mut record = payload.clone();
    if let Value::Object(m) = &mut record {
        m.insert(
            "current".into(),
            json!({"score": current.score, "tags": current.tags, "contactId": current.id}),
        );
    }
    let mapped = map(rules, event, &record)?;
    let (body, target) = contact_body(event, &mapped, &b.location, contact_id)?;
    let (add, dropped) = addable_tags(ctx, &mut b, &mapped.tags_to_add)
        .map_err(|()| event.malformed("the location's tags are unknown after the contact read"))?;
    let d = tags::diff(&add, &mapped.tags_to_remove, &current.tags);
    b.contact_key = Some(target.contact_key());
    match unread {
        None => tag_steps(
            &mut b,
            &current.id,
            &d,
            "the tags of the contact read, diffed with the rules' tags",
        ),
        Some(step) => {
            // The most each list could send: the contact read decides what is left.
            let remove = tags::diff(&add, &mapped.tags_to_remove, &mapped.tags_to_remove).remove;
            let tags_of = json!({"$from": step, "pointer": "/contact/tags"});
            let id = json!({"$from": step, "pointer": "/contact/id"});
            answered_tag_steps(&mut b, &id, &tags_of, &d.add, &remove);
        }
    }
    let score = mapped.score.unwrap_or(current.score);
    let mut fields = Vec::new();
    if score != current.score {
        let (score_value, ledger_value) = match unread {
            None => (json!(score), None),
            Some(step) => (
                json!(score_placeholder(rules, step, score - current.score)),
                Some(format!(
                    "{} {entry}",
                    placeholder(step, "contact.scoreLedger")
                )),
            ),
        };
        fields.push(json!({"id": current.score_field, "field_value": score_value}));
        if let Some(ledger) = &current.ledger_field {
            let mut entries = current.ledger.clone();
            entries.push(entry);
            let keep = ctx.config.score_ledger.size.max(1);
            let from = entries.len().saturating_sub(keep);
            let text = ledger_value.unwrap_or_else(|| entries[from..].join(" "));
            fields.push(json!({"id": ledger, "field_value": text}));
        }
    }
    if let ContactTarget::ById(id) = &target {
        // Stage 1 only read the contact: the mapped fields go with the score, in one
        // request by id, last (so a failure before it leaves the ledger as it was).
        let mut update = body;
        let mut all: Vec<Value> = update
            .remove("customFields")
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default();
        all.retain(|f| {
            let fid = f.get("id").and_then(Value::as_str);
            fid != Some(current.score_field.as_str())
                && (fid.is_none() || fid != current.ledger_field.as_deref())
        });
        all.extend(fields);
        if !all.is_empty() {
            update.insert("customFields".into(), Value::Array(all));
        }
        if !update.is_empty() {
            b.step(
                "update",
                ops::UPDATE_CONTACT,
                by_contact_id(json!(id), Some(Value::Object(update))),
                "write the mapped fields, the score (the contact's current score plus this event's points) and this event's key in the score ledger in one request by the contact's id, so a replay adds nothing",
            );
        }
    } else if !fields.is_empty() {
        let mut upsert = Map::new();
        for k in ["locationId", "email", "phone"] {
            if let Some(v) = body.get(k) {
                upsert.insert(k.into(), v.clone());
            }
        }
        upsert.insert("customFields".into(), Value::Array(fields));
        b.step(
            "score",
            ops::UPSERT_CONTACT,
            RequestParams {
                body: Some(Value::Object(upsert)),
                ..RequestParams::default()
            },
            "write the score (the contact's current score plus this event's points) and this event's key in the score ledger in one request, so a replay adds nothing",
        );
    }
    let mut after: Vec<String> = d.unchanged.clone();
    after.extend(d.add.iter().cloned());
    if let FlowResult::Contact {
        rule_set,
        score: s,
        tags_added,
        tags_removed,
        tags,
        dropped_tags,
        ..
    } = &mut result
    {
        *rule_set = mapped.rule_set;
        *s = Some(score);
        *tags_added = d.add;
        *tags_removed = d.remove;
        *tags = after;
        *dropped_tags = dropped;
    }
    Ok(b.build(Finish::Planned {
        result: Box::new(result),
    }))
}

/// Add-tags and remove-tags for a known contact id and an already computed diff (each
/// omitted when its list is empty).
fn tag_steps(b: &mut Builder, contact_id: &str, d: &tags::TagDiff, why: &str) {
    for (id, op, list) in [
        ("add-tags", ops::ADD_CONTACT_TAGS, &d.add),
        ("remove-tags", ops::REMOVE_CONTACT_TAGS, &d.remove),
    ] {
        if list.is_empty() {
            continue;
        }
        let mut p = RequestParams::default();
        p.path.insert("contactId".into(), json!(contact_id));
        p.body = Some(json!({ "tags": list }));
        b.step(id, op, p, why);
    }
}

// ---- GHL events ----------------------------------------------------------------------

fn plan_contact_tags(
    ctx: &FlowContext<'_>,
    event: &ParsedEvent,
    body: (&str, &[String], &[String], &[String], &Value),
    mut b: Builder,
) -> Result<FlowPlan, FlowError> {
    let (contact_id, tags_now, added, removed, payload) = body;
    let (mut to_add, mut to_remove) = (Vec::new(), Vec::new());
    if let Some(rules) = ctx.rules.get("ghl") {
        let mapped = map(rules, event, payload)?;
        let (add, dropped) = match addable_tags(ctx, &mut b, &mapped.tags_to_add) {
            Ok(t) => t,
            Err(()) => {
                location_tags_step(&mut b);
                b.then.push("then the tag change is planned again".into());
                return Ok(b.build(Finish::Replan {
                    event: event.to_event(),
                }));
            }
        };
        if !dropped.is_empty() {
            b.warnings.push(format!(
                "not added (location lacks them): {}",
                dropped.join(", ")
            ));
        }
        let d = tags::diff(&add, &mapped.tags_to_remove, tags_now);
        tag_steps(
            &mut b,
            contact_id,
            &d,
            "the `ghl` rules answer this tag change (diffed against the tags the event carries)",
        );
        (to_add, to_remove) = (d.add, d.remove);
    }
    Ok(b.build(Finish::Planned {
        result: Box::new(FlowResult::ContactTags {
            contact_id: contact_id.to_string(),
            added: added.to_vec(),
            removed: removed.to_vec(),
            tags_added: to_add,
            tags_removed: to_remove,
        }),
    }))
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
