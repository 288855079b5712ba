//! Flows: each incoming event turned into a [`crate::plan::Plan`] (plan-then-execute).
//!
//! An [`Event`] (envelope documented in [`event`]) is planned by [`plan_event`] from a
//! [`FlowContext`] (rules, location, configuration, scopes, cached tag catalog,
//! location tags, statistics profiles). The result, a [`FlowPlan`], is the ordered GHL
//! requests with their dependencies (shown as-is in a dry run) plus a typed [`Finish`]:
//! the local work done with the responses by [`FlowEngine::finish`] (attach tag
//! details, build series and reports...). When the responses call for more requests
//! (another list page, details of ids the list lacks, statistics for the profiles the
//! accounts gave), the outcome carries the **next stage** as another `FlowPlan`; the
//! executor runs stages until an outcome has none. [`FlowEngine`] keeps the state
//! between events (one tag catalog per location, location tag names, profile ids).
//! A dry run shows a flow's later stages too ([`FlowEngine::later_stages`]): a contact
//! flow's and a statistics flow's planned by the same code before the answers they
//! need, which stand as placeholders; a catalog flow's (the next tag-list page, the
//! details reads) by [`FlowEngine::finish`] on a copy of its catalog state fed the
//! answers they assume.
//!
//! Invariants:
//! - Sans-IO: planning and finishing send nothing and read no clock.
//! - Plans are minimal: a request is planned only when its answer is not known from
//!   cached, fresh state; requests that cannot change anything are skipped at run time
//!   (`skipWhenEmpty`).
//! - Tags never go in the upsert body (GHL would replace all of them); they are changed
//!   by diff with add-tags / remove-tags against the tags the upsert answered with.
//! - Unknown or malformed events are a typed [`FlowError`] naming the event id, its
//!   type and the problem.
//! - An event is planned only for the flows' location or a location the host gave its
//!   own connection; any other is `FLOW_FOREIGN_LOCATION` (never sent with this token).
//! - An event id runs once ([`FlowEngine::begin`], [`replay`]); a replay is skipped.
//!
//! # Requests per flow (typical event) and why that is the minimum
//!
//! | flow | typical | cold / worst |
//! |---|---|---|
//! | 1 contact (Wishpond lead, Qwilr page events) | 2 | +1 location-tags read once per TTL when tag creation is not allowed; 3 when tags are both added and removed; +1 when the score accumulates (see below) |
//! | 1b GHL tag change (`ghl.contact.tags.updated`) | 0 (no `ghl` rules) | 1 per list the `ghl` rules change (add-tags, remove-tags) |
//! | 1c GHL install / uninstall | 0 | 0 |
//! | 2 Wishpond tag created/updated | 0 (catalog fresh) | 1 list page (≤ `pageSize` tags), + 1 details batch per 50 ids the list lacks |
//! | 3 Qwilr social-post location new/updated | 0 (catalog fresh) | 1 list page, + details for ids the list lacks |
//! | 4 Qwilr tag details updated | 1 | 1 list page per `pageSize` tags, + 1 details batch for changed ids the list lacks |
//! | 5 statistics (dashboard or schedule) | 1 | 2 the first time (accounts, then statistics) |
//! | 6 tag validation | 0 (catalog fresh) | 1 list page per `pageSize` tags |
//!
//! Why these are minimal:
//! 1. The upsert is the only call that creates/updates a contact and it answers with
//!    the contact's id and current tags, so no `get-contact` is needed. Tags cannot
//!    ride on the upsert (it replaces them all), so adding needs add-tags and removing
//!    needs remove-tags: each is one request for any number of tags and is skipped at
//!    run time when the diff is empty (a contact already carrying the tags costs 1).
//!    The score is a custom field inside the upsert body (0 extra). The Wishpond
//!    sample adds tags and removes `unsubscribed` only if present: 2 requests.
//!    GHL creates a missing location tag when a contact is tagged, so creating costs
//!    nothing; when that is not allowed, the location's tag names must be known to drop
//!    the missing ones: 1 read, cached for the catalog TTL.
//!    A score that accumulates (rules whose `scoring.base` is `current.score`) needs
//!    the contact's current value: stage 1 is the upsert without the score (its answer
//!    is the contact, custom fields included: the read costs nothing extra), stage 2
//!    the tag diff against the tags read and, last, one upsert with the new score and
//!    the event's key in the contact's score ledger ([`ScoreLedgerConfig`]). A replay
//!    finds its key in the ledger: stage 2 is empty.
//! 2. and 3. A fresh catalog already holds each tag's id, name, dates and deleted
//!    flag, so enrichment is local. A cold catalog needs the list (paged; one page
//!    holds `pageSize`, default 100). Details are asked only for referenced ids still
//!    unknown after the list, batched and de-duplicated; names cannot be looked up by
//!    details, so unknown names cost nothing and are reported.
//! 4. The event says cached details are out of date, so the list is read again (it
//!    returns the changed tags with everything else, deleted ones included); the
//!    details endpoint is used only for changed ids the list does not return. Reading
//!    details first would be one request more for the same data.
//! 5. Statistics need profile ids; they come from the accounts list once and are then
//!    cached, so later runs cost the single statistics request (all profiles in one).
//!    Series, host metrics and the Markdown/CSV/Slack report are built locally.
//! 6. The report is computed from the catalog; only a stale catalog costs its pages.

pub mod engine;
pub mod event;
pub mod model;
pub mod planner;
pub mod replay;

pub use engine::FlowEngine;
pub use event::{
    event_location, parse_event, Event, EventBody, EventKind, FlowError, ParsedEvent,
    StatisticsPayload,
};
pub use model::{
    Begin, CatalogWork, DetailsStep, Finish, FlowConfig, FlowContext, FlowOutcome, FlowPlan,
    FlowResult, FlowsInit, ReplayConfig, ScoreLedgerConfig, StatisticsConfig, StatsWork,
};
pub use planner::{
    ledger_entry, parse_ledger, plan_event, plan_event_with, CurrentContact, CURRENT_SCORE_PATH,
};
