//! The data of flows: configuration, the planning context, planned flows with their
//! typed [`Finish`] work, and outcomes.
//!
//! Invariant: everything here is plain serialisable data (a [`FlowPlan`] survives a
//! page reload; [`Finish`] says what to do with the responses without holding any
//! state of its own).

use crate::codec::{FromJson, ToJson};
use crate::sorted::SortedMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::plan::Plan;
use crate::rules::CompiledRules;
use crate::stats::{HostPoint, Platform, Series};
use crate::tags::{
    CatalogConfig, EnrichOptions, EnrichReport, LoadId, ReportOptions, Resolution, TagCatalog,
    TagDetail, TagReference, TagReport,
};

/// Settings of the flows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct FlowConfig {
    /// May contacts be given tags the location does not have yet (GHL creates the
    /// location tag when a contact is tagged)? Also needs the `locations/tags.write`
    /// scope. Default false: such tags are dropped with a warning.
    pub allow_create_location_tags: bool,
    /// The tag catalog's page size, TTL and batching.
    pub catalog: CatalogConfig,
    /// Where records carry their tags and where the details go.
    pub enrich: EnrichOptions,
    /// Tag validation report options.
    pub report: ReportOptions,
    /// Statistics defaults.
    pub statistics: StatisticsConfig,
    /// The replay guard: how many event ids are remembered, and for how long.
    pub replay: ReplayConfig,
    /// Where a contact remembers which events already added to its score.
    pub score_ledger: ScoreLedgerConfig,
}

/// Scores accumulate across sources (rules whose `scoring.base` is `current.score`):
/// the contact's current score is read first, and the keys of the events that added to
/// it are kept on the contact itself, in a text custom field, written in the same
/// request as the score. So a replayed event (same id) adds nothing, whichever host
/// runs it and after any restart: the ledger lives with the value it protects.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ScoreLedgerConfig {
    /// The custom field (a key such as `contact.score_ledger`, or an id) of the ledger.
    /// Default `contact.score_ledger`.
    pub field: String,
    /// Most event keys kept (the oldest are dropped first). Default 50.
    pub size: usize,
}

impl Default for ScoreLedgerConfig {
    fn default() -> Self {
        Self {
            field: "contact.score_ledger".into(),
            size: 50,
        }
    }
}

/// How the flows remember the events they ran (an event is run once per id).
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ReplayConfig {
    /// Most event ids remembered (the oldest are forgotten first). Default 10,000.
    pub capacity: usize,
    /// How long an id is remembered, in ms. Default 7 days (as the outbox's tombstones).
    pub ttl_ms: u64,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        Self {
            capacity: 10_000,
            ttl_ms: 7 * 24 * 60 * 60 * 1000,
        }
    }
}

/// Statistics defaults (an event's payload may override each).
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct StatisticsConfig {
    /// Platforms to ask for (empty: every platform that has statistics).
    pub platforms: Vec<Platform>,
    /// Report title. Default "Weekly social report".
    pub title: Option<String>,
    /// Local time minus UTC, in minutes, for dating the days.
    pub utc_offset_minutes: i32,
}

/// What planning reads: rules, location, configuration, scopes and cached state.
#[derive(Debug, Clone, Copy)]
pub struct FlowContext<'a> {
    /// The location the event is planned for, as decided by
    /// [`super::event::event_location`] (the planner never reads the event's own).
    pub location_id: &'a str,
    /// Now, in UTC ms (freshness of cached data).
    pub now_ms: u64,
    /// Configuration.
    pub config: &'a FlowConfig,
    /// Scopes granted to the token.
    pub scopes: &'a [String],
    /// Compiled rules by source (`wishpond`, `qwilr`).
    pub rules: &'a SortedMap<String, CompiledRules>,
    /// The social-planner tag catalog of the event's location, if one is kept.
    pub catalog: Option<&'a TagCatalog>,
    /// Names of the location's (contact) tags, when known and fresh.
    pub location_tags: Option<&'a [String]>,
    /// Statistics profile ids of the location, when known.
    pub profile_ids: Option<&'a [String]>,
    /// The score ledger's custom field id in this location, when it has one.
    pub ledger_field: Option<&'a str>,
}

/// A planned flow: the GHL requests to make and what to do with their responses.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FlowPlan {
    /// The event id (the plan id of stage 1; later stages are `<id>#<stage>`).
    pub event_id: String,
    /// The requests (may be empty: everything needed is cached).
    pub plan: Plan,
    /// The event type.
    pub event_type: String,
    /// 1 for the first plan of an event; continuations count up.
    pub stage: u32,
    /// The local work after the requests.
    pub finish: Finish,
    /// What may follow once the responses are in (for people reading a dry run).
    pub then: Vec<String>,
    /// Things dropped or doubtful while planning.
    pub warnings: Vec<String>,
}

/// One details request of a plan and the ids it asks for.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DetailsStep {
    /// Step id.
    pub step: String,
    /// The `tagIds` sent.
    pub ids: Vec<String>,
}

/// Catalog work of a plan: a list page to feed in, details to merge.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CatalogWork {
    /// The location of the catalog.
    pub location_id: String,
    /// Step id of the list page, when the plan loads one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_step: Option<String>,
    /// The load a later page belongs to (`None` for the first page: it starts a load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_load: Option<LoadId>,
    /// Details requests of the plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<DetailsStep>,
    /// True once details were asked for (they are asked at most once per event).
    #[serde(default)]
    pub details_done: bool,
}

/// Statistics work.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatsWork {
    /// Location.
    pub location_id: String,
    /// `dashboard` or `schedule`.
    pub trigger: String,
    /// Platforms asked for.
    pub platforms: Vec<Platform>,
    /// Report title.
    pub title: String,
    /// Local time minus UTC, in minutes.
    pub utc_offset_minutes: i32,
    /// Host metrics merged into the series.
    pub host_metrics: Vec<HostPoint>,
    /// Step id of the accounts request, when the plan has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts_step: Option<String>,
    /// Step id of the statistics request, when the plan has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics_step: Option<String>,
}

crate::tagged::tagged_enum! {
    tag = "kind", name = "Finish", rename_all = "camelCase", rename_all_fields = "camelCase";
    /// The local work a flow does with its responses (see [`super::engine::FlowEngine::finish`]).
    #[derive(Debug, Clone, PartialEq, Serialize, ToJson)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum Finish {
        /// Contact flows: report the upsert and the tag changes.
        Contact {
            /// Rules source.
            source: String,
            /// The rule set that applied.
            rule_set: String,
            /// The lead score (also written in the upsert body by the rules).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            score: Option<i64>,
            /// Tags the rules want added.
            tags_to_add: Vec<String>,
            /// Tags the rules want removed.
            tags_to_remove: Vec<String>,
            /// Tags dropped because the location lacks them and may not get them.
            dropped_tags: Vec<String>,
        },
        /// The first stage of a contact whose score accumulates: the upsert answers the
        /// contact (its id, tags, current score and ledger); then the event is planned again
        /// with that contact (see [`super::planner`]).
        ReadContact {
            /// The event.
            event: super::Event,
            /// The score's custom field id.
            score_field: String,
            /// The ledger's custom field id, when the location has one.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            ledger_field: Option<String>,
        },
        /// The result was computed when planning (the second stage of an accumulating
        /// contact, a GHL tag change, an install): reported once the requests are done.
        Planned {
            /// The result.
            result: Box<FlowResult>,
        },
        /// The location's tag names are being read; then the event is planned again.
        Replan {
            /// The event.
            event: super::Event,
        },
        /// Flows 2 and 3: attach tag details to records.
        Enrich {
            /// The records (as received).
            records: Vec<Value>,
            /// Where the tags are and where details go.
            options: EnrichOptions,
            /// A tag to resolve by name or id (the Wishpond tag of a tag event).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            subject: Option<String>,
            /// Catalog work.
            catalog: CatalogWork,
        },
        /// Flow 4: the catalog was invalidated; reload it and report the changed tags.
        RefreshTags {
            /// The changed tag ids.
            tag_ids: Vec<String>,
            /// Catalog work.
            catalog: CatalogWork,
        },
        /// Flow 5: metric series and the weekly report.
        Statistics {
            /// Statistics work.
            work: StatsWork,
        },
        /// Flow 6: the tag validation report.
        TagReport {
            /// The references to check.
            references: Vec<TagReference>,
            /// Report options.
            options: ReportOptions,
            /// Catalog work.
            catalog: CatalogWork,
        },
    }
}

impl Finish {
    /// True when finishing this stage may give a next stage (false for the last stage
    /// of a contact flow and for results computed when planning). The outbox keeps a
    /// stage that may continue until its continuation ran.
    pub fn may_continue(&self) -> bool {
        !matches!(self, Finish::Contact { .. } | Finish::Planned { .. })
    }
}

/// What a finished flow (or stage) gives.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FlowOutcome {
    /// The event id.
    pub event_id: String,
    /// The flow name.
    pub flow: String,
    /// The result (`pending` when `next` is set).
    pub result: FlowResult,
    /// The next stage, when the responses call for more requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Box<FlowPlan>>,
    /// Things dropped or doubtful.
    pub warnings: Vec<String>,
}

/// How a delivery of an event starts: a plan to run, or nothing because the event
/// was run already.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Begin {
    /// The first stage to run (the event id is now claimed).
    Run {
        /// The plan.
        flow_plan: FlowPlan,
    },
    /// The event id was run (or is running) already: skipped.
    Duplicate {
        /// The outcome saying so (`result.kind` is `duplicate`).
        outcome: FlowOutcome,
    },
}

crate::tagged::tagged_enum! {
    tag = "kind", name = "FlowResult", rename_all = "camelCase", rename_all_fields = "camelCase";
    /// The result of a flow.
    #[derive(Debug, Clone, PartialEq, Serialize, ToJson)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum FlowResult {
        /// More requests follow (see `next`).
        Pending,
        /// The event was delivered again and skipped: an event runs once per id.
        Duplicate,
        /// A contact was upserted and its tags brought to the desired state.
        Contact {
            /// GHL contact id.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            contact_id: Option<String>,
            /// True when GHL created the contact.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            created: Option<bool>,
            /// Rule set that applied.
            rule_set: String,
            /// Lead score.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            score: Option<i64>,
            /// Tags sent with add-tags.
            tags_added: Vec<String>,
            /// Tags sent with remove-tags.
            tags_removed: Vec<String>,
            /// The contact's tags afterwards, as GHL last reported them.
            tags: Vec<String>,
            /// Tags dropped because the location lacks them.
            dropped_tags: Vec<String>,
            /// The score the contact had before this event (accumulating scores).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            previous_score: Option<i64>,
            /// True when the contact's ledger shows this event already added its points:
            /// nothing was added again (accumulating scores).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            score_already_applied: Option<bool>,
        },
        /// A GHL `ContactTagUpdate`: what changed, and what the `ghl` rules did about it.
        ContactTags {
            /// GHL contact id.
            contact_id: String,
            /// Tags the contact gained (against the last known list).
            added: Vec<String>,
            /// Tags the contact lost.
            removed: Vec<String>,
            /// Tags the rules added in response.
            tags_added: Vec<String>,
            /// Tags the rules removed in response.
            tags_removed: Vec<String>,
        },
        /// The app was installed or uninstalled (the host stores or drops the connection).
        App {
            /// True for an install.
            installed: bool,
            /// `companyId`, if sent.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            company_id: Option<String>,
            /// `locationId`, if sent.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            location_id: Option<String>,
        },
        /// Records got their tag details.
        Enriched {
            /// The records with details attached.
            records: Vec<Value>,
            /// What the enrichment did.
            report: EnrichReport,
            /// The subject tag, resolved.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            subject: Option<Resolution>,
        },
        /// The catalog was refreshed; the changed tags as now known.
        TagsRefreshed {
            /// Details of the changed tags found.
            tags: Vec<TagDetail>,
            /// Changed ids GHL does not know.
            not_found: Vec<String>,
            /// Tags in the catalog after the refresh.
            catalog_size: usize,
        },
        /// Statistics series and the weekly report.
        Statistics {
            /// The series (GHL and host metrics).
            series: Series,
            /// The report as Markdown.
            markdown: String,
            /// The series as CSV.
            csv: String,
            /// A Slack Block Kit message.
            slack: Value,
            /// The profiles the statistics were asked for.
            profile_ids: Vec<String>,
        },
        /// The tag validation report.
        TagReport {
            /// The report.
            report: TagReport,
            /// The report as Markdown.
            markdown: String,
        },
    }
}

/// What a `Flows` object (the binding) is built from: the connection's location and
/// scopes, the engine's configuration, the rules documents by source and what compiling
/// them needs, and the other locations the host has a connection for.
#[derive(Debug, Clone, Default, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FlowsInit {
    /// The connection's location.
    pub location_id: String,
    /// The scopes the token was granted.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The engine's configuration.
    #[serde(default)]
    pub config: FlowConfig,
    /// Rules documents by source (`wishpond`, `qwilr`).
    #[serde(default)]
    pub rules: std::collections::BTreeMap<String, serde_json::Value>,
    /// What compiling the rules needs (custom fields, limits).
    #[serde(default)]
    pub compile: crate::rules::CompileContext,
    /// Other locations the host has a connection (its own token) for.
    #[serde(default)]
    pub connections: Vec<String>,
}
