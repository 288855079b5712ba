//! The derived codecs (`#[derive(FromJson, ToJson)]`, crates/codec-derive) against
//! serde's derives, the referee, for the types that cross the full module's Wasm
//! boundary: a decoder accepts what serde accepts and reads the same value, an encoder
//! writes byte for byte what `serde_json::to_string` writes.
//!
//! The values are realistic: a pool of every JSON value in the repository's fixtures,
//! the benchmark's rules, the fuzz corpus and documents, and what the core makes of
//! them (plans and outcomes of every flow event, an outbox's records, transmits and
//! events, slot plans, mapping results), each nested part a value of its own. Every
//! type is read from every pool value (most are refused by both), the values serde
//! reads as a type are that type's seeds, and the property tests mutate the seeds
//! (a field removed, set to `null`, given another JSON type, an unknown field added,
//! a tag or key renamed, a value nested, a part swapped for another of the pool).
//! Error messages differ on purpose (`missing field 'x'` with a path), so acceptance
//! and values are compared, never messages. Beside them, local types hold each serde
//! attribute the derives implement to serde's own reading of it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use ghl_bridge::codec::{self, FromJson, ToJson};
use ghl_bridge::{api, flows, http, outbox, plan, rules, sources, stats, tags};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------------------
// The referee

thread_local! {
    /// Checks run on this thread (decodes compared), for the figures the tests print.
    static CHECKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// serde also reads a struct (and a tagged enum) from a list of its fields in order;
/// the decoders take the documented shape, an object, only (the codec's one
/// deliberate difference).
fn list_for_object(hand: &codec::DecodeError) -> bool {
    hand.message().starts_with("invalid type: a list, expected")
}

/// The same difference inside an untagged enum: no variant matched for the decoder,
/// where serde read a struct variant from a list in `v`.
fn untagged_from_list(hand: &codec::DecodeError, v: &Value) -> bool {
    fn has_list(v: &Value) -> bool {
        match v {
            Value::Array(_) => true,
            Value::Object(m) => m.values().any(has_list),
            _ => false,
        }
    }
    hand.message()
        .starts_with("data did not match any variant of untagged enum")
        && has_list(v)
}

/// Inside an untagged enum serde reads a tagged variant through its buffer, which also
/// takes a variant's index for its name (`{"op": 0}` is the first variant); the
/// decoders take names only, as serde does everywhere else.
fn untagged_variant_index(hand: &codec::DecodeError, v: &Value) -> bool {
    fn index_tag(v: &Value) -> bool {
        match v {
            Value::Object(m) => {
                ["op", "kind", "step"]
                    .iter()
                    .any(|t| m.get(*t).is_some_and(Value::is_u64))
                    || m.values().any(index_tag)
            }
            Value::Array(a) => a.iter().any(index_tag),
            _ => false,
        }
    }
    hand.message()
        .starts_with("data did not match any variant of untagged enum")
        && index_tag(v)
}

/// The derived decoder and serde on `v`: both refuse it, or both read the same value
/// (compared by `same`); a value both read is also written by the encoder as serde
/// writes it (`encode`). `Err` says how they disagree.
fn judge<T: FromJson + DeserializeOwned>(
    v: &Value,
    same: impl Fn(&T, &T) -> Result<(), String>,
    encode: impl Fn(&T) -> Result<(), String>,
) -> Result<Option<T>, String> {
    CHECKS.with(|c| c.set(c.get() + 1));
    match (
        T::from_json(v.clone()),
        serde_json::from_value::<T>(v.clone()),
    ) {
        (Ok(a), Ok(b)) => {
            same(&a, &b)?;
            encode(&a)?;
            Ok(Some(b))
        }
        (Err(_), Err(_)) => Ok(None),
        (Err(e), Ok(_)) if list_for_object(&e) => Ok(None),
        // An untagged enum whose struct variant serde read from a list.
        (Err(e), Ok(_)) if untagged_from_list(&e, v) || untagged_variant_index(&e, v) => Ok(None),
        (Err(e), Ok(_)) => Err(format!(
            "the decoder refused what serde reads: {}",
            e.message()
        )),
        (Ok(_), Err(e)) => Err(format!("the decoder read what serde refuses: {e}")),
    }
}

/// The encoder writes what serde writes.
fn writes_as_serde<T: ToJson + Serialize>(t: &T) -> Result<(), String> {
    let ours = codec::to_json(t);
    let theirs = serde_json::to_string(t).map_err(|e| format!("serde cannot write it: {e}"))?;
    if ours == theirs {
        Ok(())
    } else {
        Err(format!("encoder wrote {ours}\n      serde wrote {theirs}"))
    }
}

fn equal<T: PartialEq + std::fmt::Debug>(a: &T, b: &T) -> Result<(), String> {
    if a == b {
        Ok(())
    } else {
        Err(format!("decoder read {a:?}\n      serde read {b:?}"))
    }
}

/// A type the referee checks: decode (and, for types written to JavaScript, encode).
trait Checked: Sized {
    /// Compares the two backends on `v`; the value serde read, when it read one.
    fn check(v: &Value) -> Result<Option<Self>, String>;
}

/// Implements [`Checked`] for types read and written (`both`), read only and compared
/// with `PartialEq` (`read`), or read only and compared by their `Debug` form (`debug`,
/// types without `PartialEq`).
macro_rules! checked {
    (both: $($t:ty),* $(,)?) => {$(
        impl Checked for $t {
            fn check(v: &Value) -> Result<Option<Self>, String> {
                judge::<$t>(v, equal, writes_as_serde)
            }
        }
    )*};
    (read: $($t:ty),* $(,)?) => {$(
        impl Checked for $t {
            fn check(v: &Value) -> Result<Option<Self>, String> {
                judge::<$t>(v, equal, |_| Ok(()))
            }
        }
    )*};
    (debug: $($t:ty),* $(,)?) => {$(
        impl Checked for $t {
            fn check(v: &Value) -> Result<Option<Self>, String> {
                judge::<$t>(v, |a, b| equal(&format!("{a:?}"), &format!("{b:?}")), |_| Ok(()))
            }
        }
    )*};
}

/// Runs `check` of each type on `v`, the first disagreement named by its type.
macro_rules! each_type {
    ($v:expr; $($t:ty),* $(,)?) => {{
        let v: &Value = $v;
        let mut accepted: Vec<&'static str> = Vec::new();
        $(
            match <$t as Checked>::check(v) {
                Ok(Some(_)) => accepted.push(stringify!($t)),
                Ok(None) => {}
                Err(e) => return Err(format!("{}: {e}\n    for {v}", stringify!($t))),
            }
        )*
        Ok::<Vec<&'static str>, String>(accepted)
    }};
}

/// The types of one domain, each listed once: their [`Checked`] (read and written,
/// `both`; read only, `read` and `debug`, see [`checked!`]), one function checking
/// them all on a value, and their names.
macro_rules! domain {
    (
        $name:ident, $names:ident;
        both: [$($b:ty),* $(,)?]
        $(; read: [$($r:ty),* $(,)?])?
        $(; debug: [$($d:ty),* $(,)?])?
    ) => {
        checked!(both: $($b),*);
        $(checked!(read: $($r),*);)?
        $(checked!(debug: $($d),*);)?
        fn $name(v: &Value) -> Result<Vec<&'static str>, String> {
            each_type!(v; $($b,)* $($($r,)*)? $($($d,)*)?)
        }
        /// The names of the types the function checks.
        #[allow(dead_code)]
        const $names: &[&str] = &[
            $(stringify!($b),)* $($(stringify!($r),)*)? $($(stringify!($d),)*)?
        ];
    };
}

// The types crossing the full module's boundary, by domain.
domain! {
    flows_types, FLOWS_TYPES;
    both: [
        flows::Event, flows::FlowConfig, flows::model::ScoreLedgerConfig,
        flows::model::ReplayConfig, flows::model::StatisticsConfig, flows::FlowPlan,
        flows::model::DetailsStep, flows::model::CatalogWork, flows::model::StatsWork,
        flows::Finish, flows::FlowOutcome, flows::FlowResult, flows::model::Begin
    ];
    debug: [
        flows::FlowsInit
    ]
}
domain! {
    outbox_types, OUTBOX_TYPES;
    both: [
        outbox::Config, outbox::Retained, outbox::Transmit, outbox::Failure,
        outbox::Disposition, outbox::Accepted, outbox::Counts, outbox::ProgressKind,
        outbox::Event, outbox::Stats, outbox::StoreOp, outbox::Record, outbox::RecordState,
        outbox::StepRecord, outbox::StepOutcome, outbox::DeadReason, outbox::DeadInfo,
        outbox::DeadLetter, outbox::BudgetRecord, outbox::BudgetPut, outbox::BudgetState,
        outbox::Drained, outbox::LogEntry, outbox::LogOutcome
    ];
    debug: [
        outbox::OutboxInit, outbox::Stored
    ]
}
domain! {
    tags_types, TAGS_TYPES;
    both: [
        tags::Tag, tags::TagsResponse, tags::TagsResults, tags::report::TagReference,
        tags::report::ReportOptions, tags::report::FindingKind, tags::report::FindingTag,
        tags::report::Proposal, tags::report::Finding, tags::report::TagReport,
        tags::catalog::CatalogConfig, tags::catalog::LoadId, tags::catalog::PageRequest,
        tags::catalog::Need, tags::catalog::Resolution, tags::catalog::DetailsOutcome,
        tags::TagDiff, tags::LocationTagSkip, tags::LocationTagPlan, tags::EnrichOptions,
        tags::TagDetail, tags::UnresolvedTag, tags::EnrichReport
    ]
}
domain! {
    stats_types, STATS_TYPES;
    both: [
        stats::Series, stats::SeriesOptions, stats::series::Day, stats::series::MetricPoint,
        stats::series::Change, stats::series::WeeklyTotal, stats::HostPoint, stats::Platform,
        stats::Schedule, stats::Weekday, stats::model::Account, stats::model::AccountGroup,
        stats::model::AccountsResults, stats::model::AccountsResponse,
        stats::StatisticsRequest, stats::model::StatisticsResponse,
        stats::model::StatisticsResults, stats::model::PostPerformance,
        stats::model::Breakdowns, stats::model::Breakdown, stats::model::ValueChange,
        stats::model::Engagement, stats::model::PlatformTotal, stats::StatsRequest,
        stats::ProfileSelection, stats::SkippedAccount
    ]
}
domain! {
    sources_types, SOURCES_TYPES;
    both: [
        sources::ghl_webhook::GhlWebhookConfig, sources::ghl_webhook::SignatureAlgorithm,
        sources::ghl_webhook::SignatureCheck, sources::ghl_webhook::SignatureVerdict,
        sources::ghl_webhook::GhlEventKind, sources::ghl_webhook::GhlContact,
        sources::ghl_webhook::TagChange, sources::ghl_webhook::GhlWebhookEvent,
        sources::ghl_webhook::GhlWebhookOutcome, sources::ghl_webhook::KnownTags,
        sources::ghl_webhook::KnownTagsOp, sources::ghl_webhook::GhlWebhookStep,
        sources::qwilr::QwilrConfig, sources::qwilr::QwilrWebhook, sources::qwilr::Acceptance,
        sources::qwilr::QwilrPage, sources::qwilr::Correlation, sources::qwilr::QwilrEvent,
        sources::qwilr::QwilrNeed, sources::qwilr::QwilrDelivery, sources::qwilr::QwilrOutcome,
        sources::qwilr::QwilrSubscription, sources::qwilr::SubscriptionOp,
        sources::wishpond::WishpondPollerConfig, sources::wishpond::WishpondLead,
        sources::wishpond::WishpondLeadEvent, sources::wishpond::SkippedLead,
        sources::wishpond::WishpondCursor, sources::wishpond::PollStep, sources::CaptureSite,
        sources::CaptureConfig, sources::CaptureOutcome, sources::SeenKey,
        sources::IntakeLogEntry
    ]
}
domain! {
    rules_types, RULES_TYPES;
    both: [
        rules::RulesDocument, rules::Settings, rules::Mapping, rules::Target,
        rules::CustomTarget, rules::TransformDef, rules::Transform, rules::NamePart,
        rules::Condition, rules::TagRule, rules::Scoring, rules::ScoreRule, rules::Threshold,
        rules::Route, rules::Problem, rules::Limits, rules::CompileContext,
        rules::CustomFieldDef, rules::ApplyOptions, rules::MappingResult, rules::UpsertBody,
        rules::Warning, rules::TraceKind, rules::TraceEntry, rules::contact::ContactFields
    ]
}
domain! {
    plan_http_types, PLAN_HTTP_TYPES;
    both: [
        plan::Plan, plan::Step, http::HttpResponse, api::contacts::UpsertContact,
        api::contacts::CustomFieldValue, api::contacts::ContactCustomField,
        api::contacts::Contact, api::contacts::UpsertContactResult,
        api::contacts::ContactResult, api::contacts::ContactTagsResult,
        api::locations::LocationTag, api::locations::LocationTagsResult,
        api::locations::LocationTagResult, api::locations::CustomField,
        api::locations::CustomFieldsResult, api::SocialTagsQuery, api::UserRoles, api::User,
        api::UsersQuery, api::UsersResult, ghl_bridge::error::ErrorReport,
        ghl_bridge::error::BatchError
    ];
    read: [
        http::HttpRequest, http::Method
    ]
}

type Domain = fn(&Value) -> Result<Vec<&'static str>, String>;

/// Each domain: its name, its types' check, and the names of its types. Every type
/// must have seeds (pool values serde reads as it), so the mutations always reach it.
type DomainEntry = (&'static str, Domain, &'static [&'static str]);

const DOMAINS: &[DomainEntry] = &[
    ("flows", flows_types, FLOWS_TYPES),
    ("outbox", outbox_types, OUTBOX_TYPES),
    ("tags", tags_types, TAGS_TYPES),
    ("stats", stats_types, STATS_TYPES),
    ("sources", sources_types, SOURCES_TYPES),
    ("rules", rules_types, RULES_TYPES),
    ("plan+http", plan_http_types, PLAN_HTTP_TYPES),
];

// ---------------------------------------------------------------------------------------
// The pool of realistic values

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// A file's JSON: the whole text, or (fuzz inputs start with a selector byte) the text
/// after its first byte.
fn json_of(bytes: &[u8]) -> Vec<Value> {
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        out.push(v);
    } else if let Some(v) = bytes
        .get(1..)
        .and_then(|rest| serde_json::from_slice::<Value>(rest).ok())
    {
        out.push(v);
    }
    out
}

/// Flow events the core plans, with the answers of their requests.
fn flow_responses() -> BTreeMap<String, Value> {
    let tag = |id: &str, name: &str| {
        json!({"_id": id, "tag": name, "locationId": "L", "deleted": false,
               "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-02T00:00:00.000Z"})
    };
    serde_json::from_value(json!({
        "upsert": {"new": true, "contact": {"id": "c1", "tags": ["newsletter"]}},
        "read-contact": {"contact": {"id": "c1", "tags": ["newsletter"], "customFields": []}},
        "list-tags": {"success": true, "results": {"tags": [tag("t1", "newsletter"), tag("t2", "vip")], "count": 2}},
        "tags-page-1": {"success": true, "results": {"tags": [tag("t1", "newsletter")], "count": 1}},
        "location-tags": {"tags": [{"id": "lt1", "name": "vip"}]},
        "accounts": {"success": true, "results": {"accounts": [{"id": "a1", "profileId": "p1", "platform": "facebook", "name": "Page"}]}}
    }))
    .unwrap()
}

fn every_scope() -> Vec<String> {
    let mut scopes: Vec<String> = ghl_bridge::catalog::all()
        .flat_map(|op| op.scopes().into_iter().map(str::to_string))
        .collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

/// What the core makes of the documents: flow plans and outcomes of every event in
/// them, an outbox fed the plans (accepted, drained, transmits, stores, events), slot
/// plans and mapping results of the presets over every record.
fn core_outputs(docs: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    let push = |out: &mut Vec<Value>, v: &dyn erased::Ser| out.push(v.value());
    let compiled: Vec<(String, rules::CompiledRules)> = rules::presets::all()
        .into_iter()
        .map(|(name, doc)| {
            let c = rules::compile(&doc, &rules::CompileContext::default()).unwrap();
            (name.split('-').next().unwrap_or(name).to_string(), c)
        })
        .collect();
    let now = 1_773_000_000_000u64;
    let mut engine = flows::FlowEngine::new("L", flows::FlowConfig::default(), every_scope());
    for (source, c) in &compiled {
        engine.set_rules(source, c.clone());
    }
    let mut ob = outbox::Outbox::new(outbox::Config::default());
    let responses = flow_responses();
    let mut events: Vec<flows::Event> = Vec::new();
    let mut nodes = Vec::new();
    for d in docs {
        subvalues(d, &mut nodes);
    }
    for v in &nodes {
        if let Ok(e) = serde_json::from_value::<flows::Event>(v.clone()) {
            events.push(e);
        }
        // Records of the sources as the contact events the flows receive.
        if let Some(kind) = v.get("type").and_then(Value::as_str) {
            if let Ok(e) = serde_json::from_value::<flows::Event>(
                json!({"type": kind, "id": format!("evt-{}", events.len()), "payload": v}),
            ) {
                events.push(e);
            }
        }
        if v.is_object() {
            let text = v.to_string();
            if let Ok(w) = sources::qwilr::parse_webhook(text.as_bytes(), 1 << 20) {
                push(&mut out, &w);
            }
            if let Ok(p) = sources::qwilr::parse_page(text.as_bytes(), 1 << 20) {
                push(&mut out, &p);
            }
            match sources::wishpond::read_api_lead(v) {
                Ok(lead) => push(&mut out, &lead),
                Err(skipped) => push(&mut out, &skipped),
            }
        }
        for (_, c) in &compiled {
            if v.is_object() {
                let opts = rules::ApplyOptions { trace: true };
                if let Ok(r) = c.apply_value(v, &opts) {
                    push(&mut out, &r);
                }
            }
        }
    }
    for (_, c) in &compiled {
        push(&mut out, &c.slot_plan());
    }
    for (i, event) in events.iter().enumerate() {
        let Ok(mut fp) = engine.plan(event, now + i as u64) else {
            continue;
        };
        out.push(json!({"kind": "run", "flowPlan": serde_json::to_value(&fp).unwrap()}));
        for _ in 0..6 {
            push(&mut out, &fp);
            if let Ok(a) = ob.accept(fp.plan.clone(), now) {
                push(&mut out, &a);
            }
            match engine.finish(&fp, &responses, now) {
                Ok(outcome) => {
                    push(&mut out, &outcome);
                    match outcome.next {
                        Some(next) => fp = *next,
                        None => break,
                    }
                }
                Err(_) => break,
            }
        }
    }
    push(&mut out, &ob.drain(now));
    let mut t = now;
    for _ in 0..64 {
        t += 1_000;
        if let Some(x) = ob.poll_transmit(t) {
            push(&mut out, &x);
        }
        while let Some(s) = ob.poll_store() {
            push(&mut out, &s);
        }
        while let Some(e) = ob.poll_event() {
            push(&mut out, &e);
        }
    }
    push(&mut out, &ob.drain(t));
    out
}

/// Values the host passes or stores that the fixtures do not hold: the objects'
/// options, verdicts, subscription ops, seen keys, stored lists, and shapes of the
/// outcomes the core hands back (as JavaScript passes them back in).
fn boundary_values() -> Vec<Value> {
    let request = json!({"method": "GET", "url": "https://example.test/v1/leads?page=1",
                         "headers": {"Accept": "application/json", "Authorization": "Bearer t"}, "body": null});
    let tag = json!({"_id": "t1", "tag": "vip", "locationId": "L", "deleted": false});
    vec![
        json!({"locationId": "L", "scopes": ["contacts.write"], "config": {"replay": {"capacity": 10}},
               "rules": {"wishpond": {"version": 1}}, "compile": {"customFields": [{"id": "f1", "fieldKey": "contact.utm", "name": "UTM", "dataType": "TEXT"}]},
               "connections": ["L2"]}),
        json!({"client": {"locationId": "L", "scopes": ["contacts.write"], "baseUrl": null},
               "config": {"dailyMax": 3}, "timeoutMs": 5000, "seed": 0.25}),
        json!([{"kind": "timeout"}, {"kind": "dropped"}, {"kind": "network", "message": "reset"}]),
        json!({"records": 1, "tombstones": 2, "logEntries": 3, "locations": 1, "contactQueues": 1, "timers": 0}),
        json!({"requestsSent": 1, "responsesOk": 1, "http429": 0, "http401": 0, "http5xx": 0, "failures": 0,
               "retries": 0, "duplicatesDropped": 0, "coalesced": 0, "skippedSteps": 0, "deadLettered": 0, "tokenRefreshes": 0}),
        json!({"at": 5, "flow": "f", "planId": "p", "step": "s", "operation": "contacts.upsert-contact", "status": 429,
               "attempt": 2, "outcome": "retry"}),
        json!([{"key": "k1", "expiresAtMs": 1_773_000_000_000u64}, {"key": "k2", "expiresAtMs": 0}]),
        json!({"op": "create", "event": "pageAccepted", "targetUrl": "https://hooks.example.test/q"}),
        json!({"op": "list"}),
        json!({"op": "delete", "id": "sub-1"}),
        json!({"id": "sub-1", "event": "pageAccepted", "targetUrl": "https://hooks.example.test/q"}),
        json!({"algorithm": "ed25519", "valid": true}),
        json!({"algorithm": "rsaSha256", "header": "x-wh-signature", "signature": "c2ln", "spki": "MCow"}),
        json!({"contactId": "c1", "tags": ["vip"], "atMs": 1_773_000_000_000i64}),
        json!({"op": "put", "list": {"contactId": "c1", "tags": [], "atMs": 0}}),
        json!({"op": "delete", "contactId": "c1"}),
        json!({"step": "needKnownTags", "ticket": 1, "contactId": "c1"}),
        json!({"step": "done", "outcome": {"outcome": "duplicate", "webhookId": "wh-1"}}),
        json!({"outcome": "ignored", "typeName": "OpportunityCreate", "reason": "not a contact event"}),
        json!({"need": "readPage", "idempotencyKey": "k", "event": "pageAccepted", "request": request}),
        json!({"need": "duplicate", "idempotencyKey": "k"}),
        json!({"outcome": "store", "idempotencyKey": "k", "event": "pageAccepted", "pageId": "p1"}),
        json!({"outcome": "skipped", "idempotencyKey": "k", "reason": "no contact"}),
        json!({"step": "send", "page": 2, "request": request}),
        json!({"step": "wait", "untilMs": 5, "reason": "rate limited"}),
        json!({"outcome": "duplicate", "id": "lead-1"}),
        json!({"outcome": "skipped", "id": "lead-1", "reason": "no email"}),
        json!({"atMs": 1, "outcome": "refused", "status": 401, "id": "wh-1",
               "error": {"code": "SIGNATURE_INVALID", "message": "m", "details": {}}}),
        json!({"error": {"code": "RULES_INVALID", "message": "m", "details": {"problems": []}}}),
        json!({"pointer": "/mappings/0/to", "code": "unknown-field", "message": "m"}),
        json!({"operation": "social-media-posting.get-statistics", "params": {"path": {}, "query": {}, "body": {"profileIds": ["p1"]}}, "warnings": []}),
        json!({"profileIds": ["p1"], "platforms": ["facebook"], "skipped": [{"accountId": "a2", "name": "n", "platform": "tiktok", "reason": "expired"}], "warnings": []}),
        json!({"profileIds": ["p1"], "platforms": ["facebook", "instagram"]}),
        json!({"need": "page", "load": 1, "skip": 0, "operation": "social-media-posting.get-tags", "params": {"path": {}, "query": {}}}),
        json!({"need": "nothing"}),
        json!({"need": "wait"}),
        json!({"status": "found", "tag": tag}),
        json!({"add": ["a"], "remove": [], "unchanged": ["b"]}),
        json!({"id": "t1", "name": "vip", "createdAt": null, "updatedAt": "2026-01-01", "deleted": false}),
        json!({"record": 0, "value": "vp", "candidates": ["vip"]}),
        json!({"planId": "p", "flow": "f", "locationId": "L", "events": 1, "stepId": "s", "reason": "RETRIES_EXHAUSTED",
               "status": 503, "traceId": "t", "attempts": 5, "at": 5}),
        json!({"id": "f1", "key": "contact.utm", "field_value": ["a", 1]}),
        json!({"tag": {"id": "lt1", "name": "vip", "locationId": "L"}}),
        json!({"accountId": "a2", "name": "n", "platform": "tiktok", "reason": "expired"}),
        json!({"merged": ["t1"], "notFound": [], "foreign": ["t9"]}),
        json!({"create": ["vip"], "missing": [], "skippedReason": {"reason": "missingScope", "scope": "locations/tags.write"}}),
        json!({"create": [], "missing": ["vip"], "skippedReason": {"reason": "creationDisabled"}}),
        json!({"kind": "run", "flowPlan": {}}),
        json!({"kind": "duplicate", "outcome": {}}),
        json!({"method": "POST", "url": "https://services.example.test/contacts/upsert",
               "headers": {"Version": "2021-07-28"}, "body": "{\"email\":\"a@b.co\"}"}),
        json!(["GET", "POST", "PUT", "PATCH", "DELETE", "get"]),
    ]
}

/// `serde_json::to_value` of any `Serialize`, behind one object-safe trait.
mod erased {
    pub(crate) trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

/// `v` and every value nested in it, and the JSON in its strings (bodies as text).
fn subvalues(v: &Value, out: &mut Vec<Value>) {
    out.push(v.clone());
    match v {
        Value::Array(items) => items.iter().for_each(|x| subvalues(x, out)),
        Value::Object(map) => map.values().for_each(|x| subvalues(x, out)),
        Value::String(s) if s.starts_with(['{', '[']) => {
            if let Ok(inner) = serde_json::from_str::<Value>(s) {
                subvalues(&inner, out);
            }
        }
        _ => {}
    }
}

struct Pool {
    /// Every distinct value.
    values: Vec<Value>,
    /// Object keys and strings seen in the pool (names for renames and tags).
    words: Vec<String>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut paths = Vec::new();
        for dir in [
            "tests/fixtures",
            "benches/data",
            "fuzz/docs",
            "fuzz/corpus",
            "fuzz/crashes",
        ] {
            files(&root().join(dir), &mut paths);
        }
        paths.sort();
        let mut docs: Vec<Value> = Vec::new();
        for p in &paths {
            if let Ok(bytes) = std::fs::read(p) {
                docs.extend(json_of(&bytes));
            }
        }
        docs.extend(rules::presets::all().into_iter().map(|(_, d)| d));
        docs.extend(boundary_values());
        let made = core_outputs(&docs);
        docs.extend(made);
        let mut seen = BTreeSet::new();
        let mut values = Vec::new();
        let mut words = BTreeSet::new();
        let mut nodes = Vec::new();
        for d in &docs {
            subvalues(d, &mut nodes);
        }
        for v in nodes {
            match &v {
                Value::String(s) if s.len() <= 40 => {
                    words.insert(s.clone());
                }
                Value::Object(m) => words.extend(m.keys().cloned()),
                _ => {}
            }
            if seen.insert(v.to_string()) {
                values.push(v);
            }
        }
        Pool {
            values,
            words: words.into_iter().collect(),
        }
    })
}

/// Pool values by the type serde reads them as.
type SeedsByType = BTreeMap<&'static str, Vec<Value>>;

/// The pool values each type of `DOMAINS[domain]` reads (its seeds).
fn seeds(domain: usize) -> &'static SeedsByType {
    static SEEDS: OnceLock<Vec<SeedsByType>> = OnceLock::new();
    let all = SEEDS.get_or_init(|| {
        DOMAINS
            .iter()
            .map(|(_, check, _)| {
                let mut by_type = SeedsByType::new();
                for v in &pool().values {
                    // A disagreement is reported by `every_pool_value_*`; here it only
                    // leaves the value out.
                    for t in check(v).unwrap_or_default() {
                        by_type.entry(t).or_default().push(v.clone());
                    }
                }
                by_type
            })
            .collect()
    });
    &all[domain]
}

// ---------------------------------------------------------------------------------------
// Mutations

/// One change to a value: where (an index over its nodes), what, and with which word
/// or pool value (indices).
#[derive(Debug, Clone)]
struct Mutation {
    at: prop::sample::Index,
    kind: u8,
    pick: prop::sample::Index,
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0..10u8,
            any::<prop::sample::Index>(),
        )
            .prop_map(|(at, kind, pick)| Mutation { at, kind, pick }),
        1..4,
    )
}

/// Values of every JSON type, the floats the writer must spell as serde does among them.
fn other_value(i: usize, here: &Value) -> Value {
    let pick = [
        Value::Null,
        json!(true),
        json!(false),
        json!(0),
        json!(7),
        json!(-1),
        json!(1.0),
        json!(1.5),
        json!(0.1),
        json!(-0.0),
        json!(1e21),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!("x"),
        json!([]),
        json!({}),
        json!([here]),
        json!({"x": here}),
    ];
    pick[i % pick.len()].clone()
}

fn node_count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(node_count).sum(),
        Value::Object(m) => m.values().map(node_count).sum(),
        _ => 0,
    }
}

/// The `n`th node of `v` (pre-order).
fn node_mut(v: &mut Value, n: usize) -> Option<&mut Value> {
    if n == 0 {
        return Some(v);
    }
    let mut left = n - 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(a) => a.iter_mut().collect(),
        Value::Object(m) => m.values_mut().collect(),
        _ => return None,
    };
    for c in children {
        let size = node_count(c);
        if left < size {
            return node_mut(c, left);
        }
        left -= size;
    }
    None
}

fn mutate(v: &mut Value, m: &Mutation) {
    let pool = pool();
    let n = m.at.index(node_count(v));
    let Some(node) = node_mut(v, n) else {
        return;
    };
    let word = || pool.words[m.pick.index(pool.words.len())].clone();
    match (m.kind, &mut *node) {
        // A field removed.
        (0, Value::Object(map)) if !map.is_empty() => {
            let k = map.keys().nth(m.pick.index(map.len())).cloned().unwrap();
            map.remove(&k);
        }
        // A field renamed (another name of the pool: a variant, an alias, a tag).
        (1, Value::Object(map)) if !map.is_empty() => {
            let k = map.keys().nth(m.pick.index(map.len())).cloned().unwrap();
            let x = map.remove(&k).unwrap();
            map.insert(word(), x);
        }
        // An unknown field, or a known name added where it was not.
        (2, Value::Object(map)) => {
            let k = if m.pick.index(2) == 0 {
                "zzUnknown".to_string()
            } else {
                word()
            };
            map.insert(k, json!(1));
        }
        // A text (a tag, a variant name) replaced by another of the pool.
        (3, Value::String(s)) => *s = word(),
        (4, _) => *node = Value::Null,
        // A part swapped for another value of the pool.
        (5, _) => *node = pool.values[m.pick.index(pool.values.len())].clone(),
        // Nested one level deeper.
        (6, _) => {
            let inner = node.take();
            *node = if m.pick.index(2) == 0 {
                json!([inner])
            } else {
                json!({ word(): inner })
            };
        }
        // Any other JSON type.
        _ => {
            let here = node.clone();
            *node = other_value(m.pick.index(1 << 16), &here);
        }
    }
}

/// Each type of `DOMAINS[domain]` on one of its seeds (chosen by `pick`), mutated.
fn mutated_agree(
    domain: usize,
    pick: &prop::sample::Index,
    muts: &[Mutation],
) -> Result<(), TestCaseError> {
    let check = DOMAINS[domain].1;
    for seeds in seeds(domain).values() {
        let mut v = seeds[pick.index(seeds.len())].clone();
        for m in muts {
            mutate(&mut v, m);
        }
        check(&v).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The domain tests

/// Every pool value read by every type of `DOMAINS[domain]`, both backends agreeing;
/// the types the boundary reads have seeds.
fn every_pool_value_agrees(domain: usize) {
    let (name, check, types) = DOMAINS[domain];
    let seeds = seeds(domain);
    let before = CHECKS.with(|c| c.get());
    for v in &pool().values {
        if let Err(e) = check(v) {
            panic!("{e}");
        }
    }
    let checks = CHECKS.with(|c| c.get()) - before;
    let without: Vec<_> = types.iter().filter(|t| !seeds.contains_key(*t)).collect();
    assert!(
        without.is_empty(),
        "{name}: no realistic seed reads as {without:?}"
    );
    println!(
        "{name}: {} types, {} pool values, {checks} checks, {} seeds",
        types.len(),
        pool().values.len(),
        seeds.values().map(Vec::len).sum::<usize>()
    );
}

macro_rules! domain_tests {
    ($($pool_test:ident, $mut_test:ident: $domain:literal),* $(,)?) => {
        $(
            #[test]
            fn $pool_test() {
                every_pool_value_agrees($domain);
            }
        )*
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]
            $(
                #[test]
                fn $mut_test(pick in any::<prop::sample::Index>(), muts in mutations()) {
                    mutated_agree($domain, &pick, &muts)?;
                }
            )*
        }
    };
}

// By index into `DOMAINS`.
domain_tests!(
    every_pool_value_agrees_flows, mutated_seeds_agree_flows: 0,
    every_pool_value_agrees_outbox, mutated_seeds_agree_outbox: 1,
    every_pool_value_agrees_tags, mutated_seeds_agree_tags: 2,
    every_pool_value_agrees_stats, mutated_seeds_agree_stats: 3,
    every_pool_value_agrees_sources, mutated_seeds_agree_sources: 4,
    every_pool_value_agrees_rules, mutated_seeds_agree_rules: 5,
    every_pool_value_agrees_plan_http, mutated_seeds_agree_plan_http: 6,
);

/// Types the core only writes (errors, previews, slot plans): the encoder against serde.
#[test]
fn written_only_types_are_written_as_serde_writes_them() {
    let compiled = rules::compile(
        &rules::presets::all()[0].1,
        &rules::CompileContext::default(),
    )
    .unwrap();
    writes_as_serde(&compiled.slot_plan()).unwrap();
    let bad = json!({"version": 1, "mappings": [{"from": "a[", "to": "nope", "transforms": ["x", {"op": "truncate"}]}]});
    let err = rules::compile(&bad, &rules::CompileContext::default()).unwrap_err();
    writes_as_serde(&err).unwrap();
}

// ---------------------------------------------------------------------------------------
// Each serde attribute the derives implement, on local types

fn seven() -> u8 {
    7
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// An inner struct (flattened, newtype variants).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToJson, FromJson)]
#[serde(rename_all = "camelCase")]
struct Inner {
    first_name: Option<String>,
    #[serde(default)]
    count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
enum Internal {
    Unit,
    Struct {
        at_ms: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Wrapped(Inner),
    #[serde(rename = "other", alias = "legacy")]
    Renamed {
        #[serde(rename = "v")]
        value: Value,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
enum InternalDeny {
    Trim,
    Join {
        #[serde(default)]
        separator: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
#[serde(tag = "kind", content = "message", rename_all = "camelCase")]
enum Adjacent {
    Timeout,
    Network(String),
    Detail { code: u16 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
#[serde(untagged)]
enum Untagged {
    Nothing,
    Number(u64),
    Text(String),
    Object {
        a: u8,
        #[serde(default)]
        b: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
#[serde(rename_all = "snake_case")]
enum External {
    UnitVariant,
    #[serde(alias = "short")]
    NewType(u8),
    StructVariant {
        a: u8,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE", deny_unknown_fields)]
enum ExternalDeny {
    OneThing { some_field: u8 },
}

/// Two flattened fields: the struct takes its own fields, the map the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
#[serde(rename_all = "camelCase")]
struct Flattened {
    id: String,
    #[serde(flatten)]
    inner: Inner,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
#[serde(transparent)]
struct Transparent {
    items: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
struct Newtype(String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Strict {
    max_tag_length: Option<usize>,
    #[serde(alias = "old_name")]
    new_name: Option<u8>,
}

/// Container `default` with a `Default` that is not every field's: a missing field
/// and a skipped one take the container's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
#[serde(rename_all = "camelCase", default)]
struct ContainerDefault {
    retries: u8,
    name: String,
    #[serde(skip)]
    cache: u32,
    #[serde(default = "seven")]
    level: u8,
}

impl Default for ContainerDefault {
    fn default() -> Self {
        ContainerDefault {
            retries: 3,
            name: "n".into(),
            cache: 9,
            level: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
#[serde(rename_all = "camelCase")]
struct Fields {
    #[serde(default = "seven")]
    level: u8,
    #[serde(skip)]
    cache: u32,
    #[serde(skip, default = "seven")]
    skipped_seven: u8,
    #[serde(default, skip_serializing_if = "is_zero")]
    zero_skipped: u32,
    #[serde(rename = "type")]
    r#type: Option<String>,
    // serde's camelCase of a leading underscore drops it.
    _private_note: Option<String>,
    #[serde(default, deserialize_with = "lenient_deserialize")]
    #[json(decode_with = "lenient_decode")]
    lenient: String,
    floats: Vec<f64>,
    pair: Option<(String, i64)>,
    set: BTreeSet<String>,
    boxed: Option<Box<Inner>>,
}

fn lenient_decode(v: Value) -> Result<String, codec::DecodeError> {
    match v {
        Value::Null => Ok(String::new()),
        v => String::from_json(v),
    }
}

fn lenient_deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToJson, FromJson)]
struct Unit;

domain! {
    attribute_types, ATTRIBUTE_TYPES;
    both: [
        Inner, Internal, InternalDeny, Adjacent, Untagged, External, ExternalDeny, Flattened,
        Transparent, Newtype, Strict, ContainerDefault, Fields, Unit
    ]
}

/// Values at each edge of the attributes (and the shapes around them).
fn attribute_seeds() -> Vec<Value> {
    vec![
        // internally tagged: unit (other fields ignored), struct, newtype, renamed and
        // aliased variants, missing and unknown tags, a tag of another type
        json!({"kind": "unit"}),
        json!({"kind": "unit", "extra": [1]}),
        json!({"kind": "struct", "atMs": 5}),
        json!({"kind": "struct", "atMs": 5, "note": null, "x": 1}),
        json!({"kind": "struct"}),
        json!({"kind": "wrapped", "firstName": "Ann", "count": 2}),
        json!({"kind": "wrapped"}),
        json!({"kind": "other", "v": {"deep": [1, 2]}}),
        json!({"kind": "legacy", "v": null}),
        json!({"kind": "renamed", "v": 1}),
        json!({"kind": "nope"}),
        json!({"kind": 1}),
        json!({"atMs": 5}),
        json!(["unit"]),
        // internally tagged with deny_unknown_fields
        json!({"op": "trim"}),
        json!({"op": "trim", "extra": 1}),
        json!({"op": "join", "separator": ", "}),
        json!({"op": "join", "separator": ", ", "extra": 1}),
        // adjacently tagged: content absent, null, of the wrong type, extra fields
        json!({"kind": "timeout"}),
        json!({"kind": "timeout", "message": null}),
        json!({"kind": "timeout", "message": 5}),
        json!({"kind": "network", "message": "reset"}),
        json!({"kind": "network"}),
        json!({"kind": "network", "message": "reset", "x": 1}),
        json!({"kind": "detail", "message": {"code": 404}}),
        json!({"kind": "detail", "message": {"code": 404, "x": 1}}),
        json!({"message": "m"}),
        // untagged: each variant, and none
        Value::Null,
        json!(5),
        json!(-5),
        json!(2.5),
        json!("text"),
        json!({"a": 1}),
        json!({"a": 1, "b": ["x"]}),
        json!({"a": 300}),
        json!([1]),
        // externally tagged
        json!("unit_variant"),
        json!({"unit_variant": null}),
        json!({"unit_variant": 1}),
        json!({"new_type": 4}),
        json!({"short": 4}),
        json!({"new_type": 4, "struct_variant": {"a": 1}}),
        json!({"struct_variant": {"a": 1}}),
        json!({"struct_variant": {"a": 1, "b": 2}}),
        json!("new_type"),
        json!({"ONE-THING": {"some_field": 1}}),
        json!({"ONE-THING": {"some_field": 1, "other": 2}}),
        // flatten
        json!({"id": "i", "firstName": "Ann", "count": 3, "tags": ["t"], "dnd": true}),
        json!({"id": "i", "firstName": null, "extra": {"x": 1}}),
        json!({"id": "i", "count": "three"}),
        // transparent, newtype
        json!([1, 2, 65535]),
        json!([65536]),
        json!("newtype"),
        // deny_unknown_fields, alias (given under both names), unknown fields
        json!({"maxTagLength": 64}),
        json!({"maxTagLength": 64, "x": 1}),
        json!({"old_name": 1}),
        json!({"newName": 1}),
        json!({"newName": 1, "old_name": 2}),
        json!({}),
        // container default, default = "path", skip
        json!({"retries": 5}),
        json!({"name": "x", "cache": 1}),
        json!({"level": null}),
        json!({"type": "t", "floats": [1.0, 1e21, -0.0, 0.1, 1e300, 5e-324, 3], "set": ["b", "a", "a"], "lenient": null}),
        json!({"floats": [], "set": [], "lenient": "x", "level": 2, "zeroSkipped": 3, "privateNote": "p", "pair": ["a", -3], "boxed": {"count": 1}}),
        json!({"floats": [1], "set": [], "cache": 5, "skippedSeven": 1, "pair": ["a"]}),
        json!({"floats": [1.5], "set": [], "lenient": 5}),
        json!({"floats": null, "set": []}),
    ]
}

#[test]
fn each_attribute_reads_and_writes_as_serde() {
    let mut read = BTreeMap::<&str, usize>::new();
    for v in attribute_seeds() {
        for t in attribute_types(&v).unwrap_or_else(|e| panic!("{e}")) {
            *read.entry(t).or_default() += 1;
        }
    }
    // Each type read from at least one seed, so the mutations below start from it.
    for t in [
        "Inner",
        "Internal",
        "InternalDeny",
        "Adjacent",
        "Untagged",
        "External",
        "ExternalDeny",
        "Flattened",
        "Transparent",
        "Newtype",
        "Strict",
        "ContainerDefault",
        "Fields",
        "Unit",
    ] {
        assert!(read.contains_key(t), "no seed reads as {t}: {read:?}");
    }
}

/// The disagreements these tests found, each fixed in the derive: the values and what
/// both backends now give.
#[test]
fn the_fixed_disagreements_stay_fixed() {
    // An enum's deny_unknown_fields refuses unknown fields of its struct variants.
    assert!(InternalDeny::from_json(json!({"op": "join", "extra": 1})).is_err());
    assert!(
        rules::Transform::from_json(json!({"op": "join", "separator": "x", "extra": 1})).is_err()
    );
    assert!(ExternalDeny::from_json(json!({"ONE-THING": {"some_field": 1, "x": 2}})).is_err());
    // An adjacently tagged unit variant's content, when present, is `null`.
    assert!(Adjacent::from_json(json!({"kind": "timeout", "message": 5})).is_err());
    assert!(outbox::Failure::from_json(json!({"kind": "timeout", "message": "m"})).is_err());
    // A flattened struct takes its fields; a later flattened map does not see them
    // again (and the encoder does not write them twice).
    let body = json!({"firstName": "Ann", "email": "a@b.co", "dnd": true});
    let hand = api::contacts::UpsertContact::from_json(body.clone()).unwrap();
    assert_eq!(hand.extra.keys().collect::<Vec<_>>(), ["dnd"]);
    assert_eq!(
        codec::to_json(&hand),
        serde_json::to_string(
            &serde_json::from_value::<api::contacts::UpsertContact>(body).unwrap()
        )
        .unwrap()
    );
    // A skipped field of a container-default struct takes the container's value; a
    // skipped field with `default = "path"` the path's.
    assert_eq!(ContainerDefault::from_json(json!({})).unwrap().cache, 9);
    let f = Fields::from_json(json!({"floats": [], "set": []})).unwrap();
    assert_eq!((f.skipped_seven, f.level), (7, 7));
    // A field given under its name and its alias is refused (serde: duplicate field).
    assert!(Strict::from_json(json!({"newName": 1, "old_name": 2})).is_err());
    // camelCase drops a leading underscore as serde does.
    assert!(codec::to_json(&f).contains("\"privateNote\":null"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn mutated_attribute_seeds_agree(pick in any::<prop::sample::Index>(), muts in mutations()) {
        let seeds = attribute_seeds();
        let mut v = seeds[pick.index(seeds.len())].clone();
        for m in &muts {
            mutate(&mut v, m);
        }
        attribute_types(&v).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn floats_are_written_as_serde_writes_them(x in any::<f64>(), n in any::<i64>(), u in any::<u64>()) {
        let f = Fields::from_json(json!({"floats": [x, n, u], "set": [], "pair": ["p", n]})).unwrap();
        writes_as_serde(&f).map_err(TestCaseError::fail)?;
        let s = stats::HostPoint::from_json(json!({"metric": "leads", "source": "wishpond", "date": "2026-03-05", "value": x}));
        if let Ok(s) = s {
            writes_as_serde(&s).map_err(TestCaseError::fail)?;
        }
    }
}
