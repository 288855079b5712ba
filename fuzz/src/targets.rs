//! One function per fuzz target. Each reads the fuzzer's bytes in the format its doc
//! gives, calls one public entry point of the core, and asserts what that entry point
//! promises. Rules targets apply one of the [`documents`], chosen by the first byte
//! (`'0'` is the first document), to the rest of the input.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use ghl_bridge::catalog;
use ghl_bridge::codec::{self, FromJson};
use ghl_bridge::error::Coded;
use ghl_bridge::flows::{Event, FlowConfig, FlowEngine};
use ghl_bridge::http::{HttpResponse, RequestParams, Token};
use ghl_bridge::outbox::{self, Failure, Outbox, Record};
use ghl_bridge::request::{self, ClientConfig, RequestBuilder};
use ghl_bridge::rules::{self, ApplyOptions, CompileContext, CompiledRules, SlotPlan};
use ghl_bridge::sources::capture::{
    self, CaptureConfig, CaptureIntake, CaptureOutcome, CaptureSite,
};
use ghl_bridge::sources::ghl_webhook::{
    self, select_signature, GhlWebhookConfig, GhlWebhookOutcome, GhlWebhookReceiver, Headers,
    KnownTagsMemory, SignatureAlgorithm, SignatureVerdict,
};
use ghl_bridge::sources::qwilr::{
    self, QwilrConfig, QwilrIntake, QwilrNeed, QwilrOutcome, QWILR_EVENTS,
};
use ghl_bridge::sources::wishpond::{
    self, PollStep, WishpondCursor, WishpondPoller, WishpondPollerConfig,
};
use ghl_bridge::sources::SourceError;
use ghl_bridge::stats::{self, HostPoint, Schedule, Series, SeriesOptions};
use serde::Deserialize;
use serde_json::Value;

/// The token every built request carries; no error or report may repeat it.
pub const TOKEN: &str = "pit-fuzz-0c1d2e3f";

/// The rules documents the apply targets use: the presets, the benchmark's 20 rules,
/// and `docs/every-feature.json` (every transform, condition and section).
pub fn documents() -> &'static [(String, CompiledRules)] {
    static DOCS: OnceLock<Vec<(String, CompiledRules)>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut docs: Vec<(String, Value)> = rules::presets::all()
            .into_iter()
            .map(|(n, d)| (n.to_string(), d))
            .collect();
        for (name, text) in [
            ("rules-20", include_str!("../../benches/data/rules-20.json")),
            ("every-feature", include_str!("../docs/every-feature.json")),
        ] {
            let doc = serde_json::from_str(text).expect("a fuzzing document is JSON");
            docs.push((name.to_string(), doc));
        }
        docs.into_iter()
            .map(|(name, doc)| {
                let c = rules::compile(&doc, &CompileContext::default())
                    .unwrap_or_else(|e| panic!("the fuzzing document {name} compiles: {e}"));
                (name, c)
            })
            .collect()
    })
}

/// The document chosen by the input's first byte, and the rest of the input as text.
fn doc_and_text(data: &[u8]) -> Option<(&'static CompiledRules, &str)> {
    let (&first, rest) = data.split_first()?;
    let docs = documents();
    let (_, doc) = &docs[first.wrapping_sub(b'0') as usize % docs.len()];
    Some((doc, std::str::from_utf8(rest).ok()?))
}

/// Parses `out` as exactly one JSON value (what every `*_json_text` entry promises).
/// A failure panics at the caller's line, so each promise is told apart.
#[track_caller]
fn one_json_value(what: &str, input: &str, out: &str) -> Value {
    match serde_json::from_str(out) {
        Ok(v) => v,
        Err(e) => panic!(
            "{what} must answer one JSON value or an error; for {input:?} it answered {out:?} ({e})"
        ),
    }
}

/// Equal JSON values, numbers within a relative 1e-12 (the text writer prints `2e16`
/// as an integer where serde prints a float, and serde_json reads floats to within a
/// unit in the last place), as the property tests compare them.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

const TRACE: ApplyOptions = ApplyOptions { trace: true };

/// Rules compile. Input: a rules document as JSON text. A document compiles exactly
/// when validation finds no problem; a compiled document applies to a sample record.
pub fn rules_compile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(doc) = rules::parse_document(text) else {
        return;
    };
    let compiled = rules::compile(&doc, &CompileContext::default());
    let problems = rules::validate(&doc);
    assert_eq!(
        compiled.is_ok(),
        problems.is_empty(),
        "compiles exactly when valid: {problems:?} / {:?}",
        compiled.as_ref().err()
    );
    if let Ok(c) = compiled {
        let out = c.apply_json_text(SAMPLE_RECORD, &TRACE);
        one_json_value("apply_json_text", SAMPLE_RECORD, &out);
    }
}

/// A record reaching the short paths the fuzzer writes and the presets' paths.
const SAMPLE_RECORD: &str = r#"{"a":"x","b":{"c":"y"},"l":[1,"z",null],"e":"A@b.co","lead":{"email":"j@x.io","first_name":"jo","tags":["t"]},"score":3}"#;

/// Rules applied through the object (`apply_value`). Input: document byte, then a
/// record as JSON. The result equals the slots path's result for the same record
/// (the values extracted from the object as the JavaScript host does).
pub fn rules_apply_value(data: &[u8]) {
    let Some((c, text)) = doc_and_text(data) else {
        return;
    };
    let Ok(record) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let typed = c.apply_value(&record, &TRACE);
    if record.is_object() {
        let slots = slot_values(&c.slot_plan(), &record);
        let via_slots = c.apply_slots_json_text(&slots, &TRACE);
        let via_slots = one_json_value("apply_slots_json_text", &slots, &via_slots);
        let typed = typed.map(|r| serde_json::to_value(r).expect("a result serialises"));
        if let Ok(typed) = typed {
            assert!(
                same(&typed, &via_slots),
                "object and slots paths differ for {record}: {typed} / {via_slots}"
            );
        }
    }
}

/// Rules applied to JSON text (`apply_json_text`). Input: document byte, then the
/// record text. Answers one JSON object: the result, or `{"error": ...}` exactly when
/// the typed path (`apply_json`) fails, with the same result otherwise.
pub fn rules_apply_json_text(data: &[u8]) {
    let Some((c, text)) = doc_and_text(data) else {
        return;
    };
    let out = c.apply_json_text(text, &TRACE);
    let out = one_json_value("apply_json_text", text, &out);
    match c.apply_json(text, &TRACE) {
        Ok(r) => {
            let typed = serde_json::to_value(r).expect("a result serialises");
            assert!(
                same(&typed, &out),
                "text and typed results differ for {text:?}: {typed} / {out}"
            );
        }
        Err(_) => assert!(out.get("error").is_some(), "an error for {text:?}: {out}"),
    }
}

/// Rules applied to extracted values (`apply_slots_json_text`). Input: document byte,
/// then one record in the slots form (a JSON list). Answers one JSON value.
pub fn rules_apply_slots(data: &[u8]) {
    let Some((c, text)) = doc_and_text(data) else {
        return;
    };
    let out = c.apply_slots_json_text(text, &TRACE);
    one_json_value("apply_slots_json_text", text, &out);
}

/// The slots form of `record` for `plan`, read as the JavaScript host reads objects:
/// each slot's value (for a wildcard path, the list of every value found), then the
/// list of missing slots.
pub fn slot_values(plan: &SlotPlan, record: &Value) -> String {
    fn walk(plan: &SlotPlan, node: usize, v: &Value, found: &mut [Vec<Value>]) {
        let Some(n) = plan.nodes.get(node) else {
            return;
        };
        if let Some(f) = n.slot.and_then(|s| found.get_mut(s as usize)) {
            f.push(v.clone());
        }
        match v {
            Value::Object(m) => {
                for (k, c) in &n.keys {
                    if let Some(x) = m.get(k) {
                        walk(plan, *c as usize, x, found);
                    }
                }
            }
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    for (_, c) in n.indexes.iter().filter(|(j, _)| *j == i) {
                        walk(plan, *c as usize, x, found);
                    }
                    if let Some(w) = n.wild {
                        walk(plan, w as usize, x, found);
                    }
                }
            }
            _ => {}
        }
    }
    let mut found = vec![Vec::new(); plan.slots];
    walk(plan, 0, record, &mut found);
    let mut missing = Vec::new();
    let mut list = Vec::with_capacity(plan.slots + 1);
    for (slot, values) in found.into_iter().enumerate() {
        if values.is_empty() {
            missing.push(Value::from(slot));
            list.push(Value::Null);
        } else if plan.multi.get(slot) == Some(&true) {
            list.push(Value::Array(values));
        } else {
            list.push(values.into_iter().next().unwrap_or(Value::Null));
        }
    }
    list.push(Value::Array(missing));
    Value::Array(list).to_string()
}

/// The hand-written codecs of the client's boundary ([`ghl_bridge::codec`]). Input: a
/// type digit (`0` plan, `1` client config, `2` response, `3` request params, `4`
/// responses by step id), then JSON text. The decoder never panics, accepts what the
/// serde derive accepts (but a struct given as a list) with the same value, and says
/// what is wrong where; what it read is written back as serde writes it. Type digit
/// `5`: any text, read by `codec::parse` and by serde_json (the same refusals and
/// values; the value written back as serde_json writes it).
pub fn client_decode(data: &[u8]) {
    let Some((&kind, text)) = data.split_first() else {
        return;
    };
    if kind == b'5' {
        // The JSON reader against serde_json's on any text: the same refusals, the
        // same values, and what it read written back as serde_json writes it.
        let Ok(text) = std::str::from_utf8(text) else {
            return;
        };
        match (
            codec::parse(text, codec::DEFAULT_DEPTH),
            serde_json::from_str::<Value>(text),
        ) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b);
                assert_eq!(codec::to_json(&a), serde_json::to_string(&b).unwrap());
            }
            (Err(e), Err(_)) => assert!(!e.message().is_empty()),
            (a, b) => panic!("reader and serde_json disagree: {a:?} / {b:?}"),
        }
        return;
    }
    if kind == b'6' {
        // JSON Pointers (`codec::pointer`, the plans' `$from`) against serde_json's:
        // a pointer line, then a document.
        let Ok(text) = std::str::from_utf8(text) else {
            return;
        };
        let (ptr, doc) = text.split_once('\n').unwrap_or((text, "null"));
        if let Ok(v) = serde_json::from_str::<Value>(doc) {
            assert_eq!(codec::pointer(&v, ptr), v.pointer(ptr), "{ptr:?}");
        }
        return;
    }
    let Ok(value) = serde_json::from_slice::<Value>(text) else {
        return;
    };
    match kind {
        b'0' => {
            decode_agrees::<ghl_bridge::plan::Plan>(value);
        }
        b'1' => {
            decode_agrees::<ClientConfig>(value);
        }
        b'2' => {
            if let Some(r) = decode_agrees::<HttpResponse>(value) {
                assert_eq!(
                    codec::to_json(&r.headers),
                    serde_json::to_string(&r.headers).unwrap()
                );
            }
        }
        b'3' => {
            if let Some(p) = decode_agrees::<RequestParams>(value) {
                assert_eq!(codec::to_json(&p), serde_json::to_string(&p).unwrap());
            }
        }
        b'4' => {
            if let Some(m) = decode_agrees::<BTreeMap<String, Value>>(value) {
                assert_eq!(codec::to_json(&m), serde_json::to_string(&m).unwrap());
            }
        }
        _ => {}
    };
}

fn decode_agrees<T>(value: Value) -> Option<T>
where
    T: codec::FromJson + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let hand = T::from_json(value.clone());
    let serde = serde_json::from_value::<T>(value);
    match (hand, serde) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b);
            Some(a)
        }
        (Err(e), Err(_)) => {
            assert!(!e.message().is_empty());
            None
        }
        (Err(e), Ok(_)) => {
            // serde also reads a struct from a list of its fields; the decoders do not.
            assert!(
                e.message()
                    .starts_with("invalid type: a list, expected an object"),
                "the decoder refused what serde reads: {}",
                e.message()
            );
            None
        }
        (Ok(a), Err(e)) => panic!("the decoder read {a:?} where serde refused: {e}"),
    }
}

/// The derived codecs (`#[derive(FromJson)]`, the full module's boundary) against the
/// serde derives on untrusted input. Input: a type digit, then any text: read by
/// `codec::parse` (held to `serde_json::from_str`), then decoded as `0` a GHL webhook
/// event, `1` a Qwilr webhook and page, `2` a Wishpond lead, `3` a GHL response body
/// (tags, statistics, accounts, contact), `4` stored outbox records. Both backends
/// accept the same values and read the same thing (the one difference: serde also
/// reads a struct from a list of its fields); what both read, the encoder writes as
/// serde writes it.
pub fn codec_derive(data: &[u8]) {
    use ghl_bridge::api::contacts::{ContactResult, UpsertContactResult};
    use ghl_bridge::sources::ghl_webhook::GhlWebhookEvent;
    use ghl_bridge::sources::qwilr::{QwilrPage, QwilrWebhook};
    use ghl_bridge::sources::wishpond::WishpondLead;
    use ghl_bridge::stats::model::{AccountsResponse, StatisticsResponse};
    use ghl_bridge::tags::TagsResponse;

    let Some((&kind, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let value = match (
        codec::parse(text, codec::DEFAULT_DEPTH),
        serde_json::from_str::<Value>(text),
    ) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "the reader and serde_json read different values");
            a
        }
        (Err(_), Err(_)) => return,
        (a, b) => panic!("reader and serde_json disagree: {a:?} / {b:?}"),
    };
    match kind {
        b'0' => derived_agrees::<GhlWebhookEvent>(&value),
        b'1' => {
            derived_agrees::<QwilrWebhook>(&value);
            derived_agrees::<QwilrPage>(&value);
        }
        b'2' => derived_agrees::<WishpondLead>(&value),
        b'3' => {
            derived_agrees::<TagsResponse>(&value);
            derived_agrees::<StatisticsResponse>(&value);
            derived_agrees::<AccountsResponse>(&value);
            derived_agrees::<UpsertContactResult>(&value);
            derived_agrees::<ContactResult>(&value);
        }
        b'4' => {
            // `Stored` has no `PartialEq`: compared by what it holds, written out.
            let hand = Vec::<outbox::Stored>::from_json(value.clone());
            let serde = serde_json::from_value::<Vec<outbox::Stored>>(value.clone());
            match (&hand, &serde) {
                (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}")),
                (Err(_), Err(_)) => {}
                (Err(e), Ok(_)) if list_for_object(&e.message()) => {}
                _ => panic!("stored records: decoder {hand:?}, serde {serde:?}"),
            }
            if let Value::Array(items) = value {
                for v in items {
                    derived_agrees::<Record>(&v);
                }
            }
        }
        _ => {}
    }
}

/// The derived decoders' one deliberate difference from serde: a struct (or tagged
/// enum) is read from an object only, where serde also reads a list of its fields.
fn list_for_object(message: &str) -> bool {
    message.starts_with("invalid type: a list, expected")
}

/// `T` read by its derived decoder and by serde agree on `value` (see
/// [`codec_derive`]); a value both read is written by the encoder as serde writes it.
fn derived_agrees<T>(value: &Value)
where
    T: codec::FromJson
        + codec::ToJson
        + serde::de::DeserializeOwned
        + serde::Serialize
        + PartialEq
        + std::fmt::Debug,
{
    let hand = T::from_json(value.clone());
    let serde = serde_json::from_value::<T>(value.clone());
    match (hand, serde) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b);
            assert_eq!(codec::to_json(&a), serde_json::to_string(&b).unwrap());
        }
        (Err(e), Err(_)) => assert!(!e.message().is_empty()),
        (Err(e), Ok(_)) => assert!(
            list_for_object(&e.message()),
            "the decoder refused what serde reads: {}",
            e.message()
        ),
        (Ok(a), Err(e)) => panic!("the decoder read {a:?} where serde refused: {e}"),
    }
}

/// Input of [`request_build`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BuildInput {
    /// `service.operationId` (or a bare id), or an index into the catalog.
    operation: Value,
    #[serde(default)]
    params: RequestParams,
    #[serde(default)]
    config: Option<ClientConfig>,
}

/// Request building. Input: JSON `{operation, params?, config?}` (the operation as a
/// name or a catalog index; the config defaults to location `L` with every scope). A
/// built request goes to the base URL with the token; an error never shows the token.
pub fn request_build(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<BuildInput>(data) else {
        return;
    };
    static DEFAULT: OnceLock<RequestBuilder> = OnceLock::new();
    let custom;
    let builder = match input.config {
        Some(config) => match RequestBuilder::new(config) {
            Ok(b) => {
                custom = b;
                &custom
            }
            Err(_) => return,
        },
        None => DEFAULT.get_or_init(|| {
            RequestBuilder::new(ClientConfig {
                location_id: "L".into(),
                scopes: every_scope(),
                base_url: None,
            })
            .expect("the default configuration is valid")
        }),
    };
    let name = match &input.operation {
        Value::Number(n) => {
            let i = n.as_u64().unwrap_or(0) as usize % catalog::all().len();
            catalog::all()
                .nth(i)
                .map(|op| op.name())
                .unwrap_or_default()
        }
        Value::String(s) => s.clone(),
        _ => return,
    };
    match builder.build(&name, &input.params, &Token::new(TOKEN)) {
        Ok(req) => {
            assert!(req.url.starts_with(builder.base_url()), "{}", req.url);
            if let Some(body) = &req.body {
                let json = req.headers.get("Content-Type").map(String::as_str);
                if json == Some("application/json") {
                    one_json_value("a JSON body", &name, body);
                }
            }
        }
        Err(e) => assert!(!format!("{e} {e:?}").contains(TOKEN), "the token in {e}"),
    }
}

/// Every scope the catalog names (so that scope checks pass and building goes on).
pub fn every_scope() -> Vec<String> {
    static SCOPES: OnceLock<Vec<String>> = OnceLock::new();
    SCOPES
        .get_or_init(|| {
            let mut scopes: Vec<String> = catalog::all()
                .flat_map(|op| op.scopes().into_iter().map(str::to_string))
                .collect();
            scopes.sort();
            scopes.dedup();
            scopes
        })
        .clone()
}

/// Response classification. Input: an HTTP-like text: the status on the first line,
/// `name: value` header lines, an empty line, then the body. Classifying, settling and
/// decoding answer a value or a typed error.
pub fn response_classify(data: &[u8]) {
    let Some(resp) = http_response(data) else {
        return;
    };
    let c = request::classify(&resp);
    serde_json::to_string(&c).expect("a classification serialises");
    let _ = request::settle("contacts.get-contact", &resp);
    let _ = request::decode::<Value>("contacts.get-contact", &resp);
}

/// Reads the format of [`response_classify`].
pub fn http_response(data: &[u8]) -> Option<HttpResponse> {
    let text = std::str::from_utf8(data).ok()?;
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let status = lines.next()?.trim().parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(HttpResponse {
        status,
        headers,
        body: body.to_string(),
    })
}

/// Input of [`outbox_restore`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutboxInput {
    #[serde(default)]
    config: outbox::Config,
    records: Vec<Record>,
    now: u64,
    /// Answers to the transmits in turn (a status, or 0 for a timeout); 200 after them.
    #[serde(default)]
    answers: Vec<u16>,
    /// Milliseconds the clock moves per round (default: to the next timeout).
    #[serde(default)]
    step_ms: Option<u64>,
}

/// Outbox restore. Input: JSON `{config?, records, now, answers?, stepMs?}`. The
/// outbox is restored from the stored records and driven for a few rounds: every
/// transmit is answered, stores, events and the log are drained.
pub fn outbox_restore(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<OutboxInput>(data) else {
        return;
    };
    let mut ob = Outbox::restore(input.config, input.records, input.now);
    let mut now = input.now;
    let mut answers = input.answers.into_iter();
    for round in 0..16u64 {
        while let Some(t) = ob.poll_transmit(now) {
            let _ = match answers.next().unwrap_or(200) {
                0 => ob.handle_failure(t.id, Failure::Timeout, now, round),
                status => {
                    let body = r#"{"contact":{"id":"c1","tags":["a"]},"message":"m"}"#;
                    let resp = HttpResponse {
                        status,
                        headers: Default::default(),
                        body: body.into(),
                    };
                    ob.handle_response(t.id, &resp, now, round)
                }
            };
        }
        while ob.poll_store().is_some() {}
        while let Some(e) = ob.poll_event() {
            serde_json::to_string(&e).expect("an event serialises");
        }
        now = match (input.step_ms, ob.poll_timeout()) {
            (Some(step), _) => now.saturating_add(step),
            (None, Some(t)) => t.max(now),
            (None, None) => break,
        };
    }
    let _ = (
        ob.export_log_json(),
        ob.dead_letters(),
        ob.counts(),
        ob.sweep(now),
    );
}

/// Input of [`stats_report`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatsInput {
    /// A statistics response body.
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    options: Option<SeriesOptions>,
    #[serde(default)]
    host: Vec<HostPoint>,
    /// A series as the host hands it back for a report.
    #[serde(default)]
    series: Option<Series>,
    #[serde(default)]
    title: String,
}

/// Statistics reports. Input: JSON `{body?, options?, host?, series?, title?}`: a
/// statistics body is decoded into series (host metrics merged), and each series
/// (decoded or given) is written as Markdown, CSV and a Slack message.
pub fn stats_report(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<StatsInput>(data) else {
        return;
    };
    let mut all = Vec::new();
    if let Some(body) = &input.body {
        if let Ok(decoded) = stats::decode_statistics(body) {
            let opts = input.options.unwrap_or(SeriesOptions {
                now_ms: 1_773_000_000_000,
                utc_offset_minutes: 0,
            });
            let series = stats::from_statistics(&decoded.results, &opts);
            if let Ok(merged) = stats::merge(&series, &input.host) {
                all.push(merged);
            }
            all.push(series);
        }
    }
    all.extend(input.series);
    for s in &all {
        let _ = stats::report::to_markdown(s, &input.title);
        let _ = stats::report::to_csv(s);
        let _ = stats::report::to_slack(s, &input.title);
    }
}

/// Input of [`stats_schedule`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleInput {
    now_ms: u64,
    schedule: Schedule,
}

/// Report schedules. Input: JSON `{nowMs, schedule}`. The next run is strictly after
/// `nowMs`, or a typed error.
pub fn stats_schedule(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<ScheduleInput>(data) else {
        return;
    };
    if let Ok(t) = stats::next_run(input.now_ms, &input.schedule) {
        assert!(
            t > input.now_ms,
            "next run {t} is not after {}",
            input.now_ms
        );
    }
}

/// Input of [`flow_events`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FlowInput {
    event: Event,
    #[serde(default = "default_now")]
    now_ms: u64,
    #[serde(default)]
    config: FlowConfig,
    /// Response bodies by step id, for every stage.
    #[serde(default)]
    responses: BTreeMap<String, Value>,
}

fn default_now() -> u64 {
    1_773_000_000_000
}

/// Flow events. Input: JSON `{event, nowMs?, config?, responses?}`. The event is
/// planned by an engine with the preset rules and every scope, and each stage is
/// finished with the given responses (at most 8 stages).
pub fn flow_events(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<FlowInput>(data) else {
        return;
    };
    let mut engine = FlowEngine::new("L", input.config, every_scope());
    for (name, c) in documents().iter().take(2) {
        let source = name.split('-').next().unwrap_or(name);
        engine.set_rules(source, c.clone());
    }
    let Ok(mut plan) = engine.plan(&input.event, input.now_ms) else {
        return;
    };
    for _ in 0..8 {
        match engine.finish(&plan, &input.responses, input.now_ms) {
            Ok(outcome) => match outcome.next {
                Some(next) => plan = *next,
                None => return,
            },
            Err(_) => return engine.abandon(&plan),
        }
    }
}

/// The bytes of a body given in a JSON input: a string is the raw body, any other
/// value is sent as its JSON text (so the driver mutates the body's structure).
fn body_bytes(body: &Value) -> Vec<u8> {
    match body {
        Value::String(s) => s.clone().into_bytes(),
        v => v.to_string().into_bytes(),
    }
}

/// A refusal is a typed error: a stable code, an HTTP status to answer with, and
/// details that serialise.
#[track_caller]
fn typed_refusal(e: &SourceError) {
    assert!(!e.code().is_empty(), "a refusal has a code: {e:?}");
    assert!(
        (400..600).contains(&e.status()),
        "a refusal answers 4xx/5xx, not {} ({e:?})",
        e.status()
    );
    assert!(e.details().is_object(), "details of {e:?}");
}

/// Input of [`intake_ghl_webhook`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GhlWebhookInput {
    #[serde(default)]
    headers: Headers,
    body: Value,
    now_ms: u64,
    /// The receiver accepts unsigned deliveries (`allowUnsigned`, tests only).
    #[serde(default)]
    allow_unsigned: bool,
}

/// HighLevel webhooks. Input: JSON `{headers, body, nowMs, allowUnsigned?}` (a string
/// body is the raw bytes). `select_signature` and `parse_webhook` answer a value or an
/// error; a fresh receiver is given each verdict the host could give (the signature
/// valid, invalid, or verified with the other algorithm): a refusal is a typed error,
/// an invalid or mismatched verdict on a signed delivery is refused, and a delivery
/// accepted (or ignored) once is a duplicate the second time.
pub fn intake_ghl_webhook(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<GhlWebhookInput>(data) else {
        return;
    };
    let body = body_bytes(&input.body);
    static TEMPLATES: OnceLock<[GhlWebhookReceiver; 2]> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| {
        [false, true].map(|allow_unsigned| {
            GhlWebhookReceiver::new(GhlWebhookConfig {
                allow_unsigned,
                replay_capacity: 64,
                max_waiting: 8,
                log_capacity: 8,
                ..GhlWebhookConfig::default()
            })
            .expect("the default keys are SPKI PEMs")
        })
    });
    let template = &templates[usize::from(input.allow_unsigned)];
    for allow in [false, true] {
        match select_signature(&input.headers, ("ED", "RSA"), allow) {
            Ok(c) => assert_eq!(
                c.header.is_some(),
                c.algorithm != SignatureAlgorithm::None,
                "a signature is named exactly when one is required: {c:?}"
            ),
            Err(e) => typed_refusal(&e),
        }
    }
    let parsed = ghl_webhook::parse_webhook(&body, template.config().max_body_bytes);
    if let Err(e) = &parsed {
        typed_refusal(e);
    }
    let required = template
        .clone()
        .signature_check(&input.headers, body.len(), input.now_ms);
    let algorithm = match &required {
        Ok(c) => c.algorithm,
        Err(e) => {
            typed_refusal(e);
            SignatureAlgorithm::None
        }
    };
    let other = match algorithm {
        SignatureAlgorithm::Ed25519 => SignatureAlgorithm::RsaSha256,
        _ => SignatureAlgorithm::Ed25519,
    };
    for (alg, valid) in [(algorithm, true), (algorithm, false), (other, true)] {
        let mut rx = template.clone();
        let verdict = SignatureVerdict {
            algorithm: alg,
            valid,
        };
        let mut lists = KnownTagsMemory::new(8);
        let first = rx.receive_in_memory(&input.headers, &body, verdict, input.now_ms, &mut lists);
        let signed = algorithm != SignatureAlgorithm::None;
        if required.is_err() || parsed.is_err() || (signed && (!valid || alg != algorithm)) {
            assert!(
                first.is_err(),
                "refused: {required:?} / {:?} / {verdict:?}, yet {first:?}",
                parsed.as_ref().err()
            );
        }
        match &first {
            Err(e) => typed_refusal(e),
            Ok(o) => {
                serde_json::to_string(o).expect("an outcome serialises");
                if let GhlWebhookOutcome::Accepted { event, .. } = o {
                    flows_take(event);
                }
                let again =
                    rx.receive_in_memory(&input.headers, &body, verdict, input.now_ms, &mut lists);
                match again {
                    Ok(GhlWebhookOutcome::Duplicate { .. }) => {}
                    other => panic!("accepted once ({o:?}), then {other:?}"),
                }
            }
        }
        assert!(rx.log().count() >= 1, "every delivery is logged");
    }
}

/// An accepted intake event is a flow event the flows parse (`None` only for GHL
/// events the flows do not act on): the intakes and the flows agree on every shape.
fn flows_take<T: serde::Serialize>(intake_event: &T) {
    let v = serde_json::to_value(intake_event).expect("an intake event serialises");
    match ghl_bridge::sources::flow_event_of(&v) {
        Ok(Some(ev)) => {
            if let Err(e) = ghl_bridge::flows::parse_event(&ev) {
                panic!("the intake event {v} is not a flow event: {e}");
            }
        }
        Ok(None) => {}
        Err(e) => panic!("an accepted intake event does not convert: {e}"),
    }
}

/// The secret the Qwilr intake is built with (the host compares it; the target gives
/// the verdict).
const QWILR_SECRET: &str = "0123456789abcdef0123456789abcdef";

/// Input of [`intake_qwilr`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QwilrInput {
    body: Value,
    #[serde(default)]
    now_ms: u64,
    /// The page read's answer (status, default 200, and body).
    #[serde(default)]
    page: Option<Value>,
    #[serde(default = "ok_status")]
    page_status: u16,
}

fn ok_status() -> u16 {
    200
}

/// Qwilr webhooks. Input: JSON `{body, nowMs?, page?, pageStatus?}` (a string body is
/// the raw bytes; `page` the page read's body, 200 unless `pageStatus`). A wrong secret
/// or an unknown event processes nothing (the same delivery is then new); a delivery
/// is a duplicate while its page read is in flight; the read's answer is an outcome or
/// a typed error, and an accepted delivery is a duplicate afterwards.
pub fn intake_qwilr(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<QwilrInput>(data) else {
        return;
    };
    let body = body_bytes(&input.body);
    let page = input.page.as_ref().map(body_bytes).unwrap_or_default();
    static TEMPLATE: OnceLock<QwilrIntake> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        QwilrIntake::new(
            QwilrConfig {
                replay_capacity: 64,
                log_capacity: 8,
                ..QwilrConfig::default()
            },
            QWILR_SECRET,
        )
        .expect("the fuzzing secret is strong")
    });
    let parsed = qwilr::parse_webhook(&body, QwilrConfig::default().max_body_bytes);
    match &parsed {
        Ok(h) => assert!(
            QWILR_EVENTS.contains(&h.event.as_str()),
            "an unknown event parsed: {h:?}"
        ),
        Err(e) => typed_refusal(e),
    }
    if let Err(e) = qwilr::parse_page(&page, QwilrConfig::default().max_page_bytes) {
        typed_refusal(&e);
    }
    let mut q = template.clone();
    match q.receive(false, &body, input.now_ms) {
        Err(SourceError::SecretMismatch) => {}
        other => panic!("a wrong secret is refused, not {other:?}"),
    }
    let need = q.receive(true, &body, input.now_ms);
    let (key, event) = match (&parsed, need) {
        (Err(_), Err(e)) => return typed_refusal(&e),
        (
            Ok(h),
            Ok(QwilrNeed::ReadPage {
                idempotency_key,
                event,
                request,
            }),
        ) => {
            assert_eq!(idempotency_key, h.idempotency_key);
            assert!(
                request.url.starts_with("https://api.qwilr.com/v1/pages/"),
                "{}",
                request.url
            );
            (idempotency_key, event)
        }
        (p, n) => panic!("parsed {p:?}, yet after a refused delivery {n:?}"),
    };
    match q.receive(true, &body, input.now_ms) {
        Ok(QwilrNeed::Duplicate { .. }) => {}
        other => panic!("in flight, then {other:?}"),
    }
    let resp = HttpResponse {
        status: input.page_status,
        headers: Default::default(),
        body: String::from_utf8_lossy(&page).into_owned(),
    };
    let mut released = q.clone();
    released.page_failed(&key);
    match released.receive(true, &body, input.now_ms) {
        Ok(QwilrNeed::ReadPage { .. }) => {}
        other => panic!("released after a failed read, then {other:?}"),
    }
    match q.handle_page(&key, &resp, input.now_ms) {
        Ok(o) => {
            serde_json::to_string(&o).expect("an outcome serialises");
            if let QwilrOutcome::Accepted { event: e } = &o {
                assert_eq!(e.kind, format!("qwilr.{event}"));
                flows_take(e);
            }
            match q.receive(true, &body, input.now_ms) {
                Ok(QwilrNeed::Duplicate { .. }) => {}
                other => panic!("processed ({o:?}), then {other:?}"),
            }
        }
        Err(e) => typed_refusal(&e),
    }
}

/// Input of [`intake_wishpond_capture`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WishpondCaptureInput {
    #[serde(default)]
    now_ms: u64,
    /// The poller's cursor to start from.
    #[serde(default)]
    cursor: WishpondCursor,
    /// Leads per page the poller asks for (default 100).
    #[serde(default)]
    per_page: Option<u32>,
    /// The answers to the poller's requests in turn: `{status, body, headers?}`.
    #[serde(default)]
    responses: Vec<PollAnswer>,
    /// A capture body (a string is the raw bytes).
    #[serde(default)]
    capture: Option<Value>,
    /// The request's `Origin`.
    #[serde(default)]
    origin: Option<String>,
    /// The capture sites (default: `site-1` on `https://example.com`).
    #[serde(default)]
    sites: Option<Vec<CaptureSite>>,
}

#[derive(Deserialize)]
struct PollAnswer {
    status: u16,
    #[serde(default)]
    body: Value,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

/// Wishpond leads, polled and captured. Input: JSON `{nowMs?, cursor?, perPage?,
/// responses?, capture?, origin?, sites?}`. Every lead of every answer is read
/// (`read_api_lead`); the poller is driven through the answers: the cursor moves only
/// when a poll completes, so a failed poll (or a wait) leaves it where it was. The
/// capture is parsed and received twice: a refusal is a typed error, a capture taken
/// (accepted or skipped) is a duplicate the second time.
pub fn intake_wishpond_capture(data: &[u8]) {
    let Ok(input) = serde_json::from_slice::<WishpondCaptureInput>(data) else {
        return;
    };
    for a in &input.responses {
        for lead in a
            .body
            .get("leads")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match wishpond::read_api_lead(lead) {
                Ok(l) => assert!(l.id.is_some(), "a lead read has an id: {l:?}"),
                Err(s) => assert!(!s.reason.is_empty(), "a skip says why"),
            }
        }
    }
    let config = WishpondPollerConfig {
        per_page: input.per_page.unwrap_or(100).clamp(1, 1000),
        max_pages: 8,
        ..WishpondPollerConfig::default()
    };
    if let Ok(mut poller) = WishpondPoller::new(config, input.cursor) {
        let mut now = input.now_ms;
        let mut in_flight = matches!(poller.poll(now), PollStep::Send { .. });
        for a in input.responses.iter().take(32) {
            if !in_flight {
                match poller.poll(now) {
                    PollStep::Send { .. } => in_flight = true,
                    PollStep::Wait { until_ms, .. } => {
                        assert!(until_ms >= now, "waits ahead");
                        now = until_ms;
                        continue;
                    }
                    PollStep::Done { .. } => panic!("poll answers Done without a response"),
                }
            }
            let before = poller.cursor().clone();
            let resp = HttpResponse {
                status: a.status,
                headers: a.headers.clone().into(),
                body: String::from_utf8_lossy(&body_bytes(&a.body)).into_owned(),
            };
            match poller.handle_response(&resp, now) {
                Err(e) => {
                    typed_refusal(&e);
                    assert_eq!(poller.cursor(), &before, "a failed poll moved the cursor");
                    assert!(!poller.polling(), "a failed poll is over");
                    in_flight = false;
                }
                Ok(PollStep::Wait { until_ms, .. }) => {
                    assert_eq!(poller.cursor(), &before, "a wait moved the cursor");
                    now = until_ms.max(now);
                    in_flight = false;
                }
                Ok(PollStep::Send { .. }) => {
                    assert_eq!(poller.cursor(), &before, "a page moved the cursor");
                }
                Ok(PollStep::Done { events, cursor, .. }) => {
                    assert_eq!(poller.cursor(), &cursor, "Done answers the cursor kept");
                    for e in &events {
                        flows_take(e);
                        let id = e.lead.id.as_deref().unwrap_or_default();
                        assert!(cursor.known.contains_key(id), "{id} not in the cursor");
                    }
                    in_flight = false;
                }
            }
            now = now.saturating_add(1_000);
        }
    }

    let Some(capture) = &input.capture else {
        return;
    };
    let body = body_bytes(capture);
    let sites = input.sites.clone().unwrap_or_else(|| {
        vec![CaptureSite {
            site_key: "site-1".into(),
            allowed_origins: vec!["https://example.com".into()],
        }]
    });
    let config = CaptureConfig {
        sites,
        max_per_minute: 4,
        ..CaptureConfig::default()
    };
    let parsed = capture::parse_capture(&body, &config);
    if let Err(e) = &parsed {
        typed_refusal(e);
    }
    let Ok(mut intake) = CaptureIntake::new(config) else {
        return;
    };
    let origin = input.origin.as_deref();
    let first = intake.receive(origin, &body, input.now_ms);
    match (&parsed, &first) {
        (Err(_), Ok(o)) => panic!("parse refused, yet received: {o:?}"),
        (_, Err(e)) => typed_refusal(e),
        (Ok(_), Ok(o)) => {
            serde_json::to_string(o).expect("an outcome serialises");
            if let CaptureOutcome::Accepted { event } = o {
                flows_take(event);
            }
            match intake.receive(origin, &body, input.now_ms) {
                Ok(CaptureOutcome::Duplicate { .. }) => {}
                other => panic!("taken once ({o:?}), then {other:?}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The seeds reach the entry points (an input the target ignores tests nothing).

    use super::*;

    fn seeds(target: &str) -> Vec<Vec<u8>> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let all: Vec<_> = crate::seeds::all(&root)
            .into_iter()
            .filter(|(t, _, _)| *t == target)
            .map(|(_, _, b)| b)
            .collect();
        assert!(!all.is_empty(), "no seeds for {target}");
        all
    }

    #[test]
    fn every_document_compiles_and_every_target_runs_its_seeds() {
        assert_eq!(documents().len(), 4);
        for t in crate::TARGETS {
            for s in seeds(t.name) {
                (t.run)(&s);
            }
        }
    }

    #[test]
    fn codec_derive_seeds_are_read_as_their_types() {
        use ghl_bridge::sources::ghl_webhook::GhlWebhookEvent;
        use ghl_bridge::sources::qwilr::{QwilrPage, QwilrWebhook};
        use ghl_bridge::sources::wishpond::WishpondLead;
        use ghl_bridge::tags::TagsResponse;
        // Each seed is read (not refused) by the decoder of its kind, so fuzzing starts
        // from accepted values.
        let mut read = [0; 5];
        for s in seeds("codec_derive") {
            let v: Value = serde_json::from_slice(&s[1..]).unwrap();
            let ok = match s[0] {
                b'0' => GhlWebhookEvent::from_json(v).is_ok(),
                b'1' => {
                    QwilrWebhook::from_json(v.clone()).is_ok() || QwilrPage::from_json(v).is_ok()
                }
                b'2' => WishpondLead::from_json(v).is_ok(),
                b'3' => TagsResponse::from_json(v).is_ok(),
                b'4' => Vec::<outbox::Stored>::from_json(v).is_ok_and(|r| !r.is_empty()),
                _ => false,
            };
            assert!(ok, "seed {:?} is not read", String::from_utf8_lossy(&s));
            read[usize::from(s[0] - b'0')] += 1;
        }
        assert!(
            read.iter().all(|n| *n > 0),
            "every kind has a seed: {read:?}"
        );
    }

    #[test]
    fn request_seeds_build() {
        let mut built = 0;
        for s in seeds("request_build") {
            let input: BuildInput = serde_json::from_slice(&s).unwrap();
            let b = RequestBuilder::new(input.config.unwrap_or(ClientConfig {
                location_id: "L".into(),
                scopes: every_scope(),
                base_url: None,
            }))
            .unwrap();
            if let Value::String(name) = &input.operation {
                match b.build(name, &input.params, &Token::new(TOKEN)) {
                    Ok(_) => built += 1,
                    Err(e) => eprintln!("{name}: {e}"),
                }
            }
        }
        assert!(built >= 30, "only {built} request seeds build");
    }

    #[test]
    fn flow_and_outbox_seeds_are_read() {
        let mut planned = 0;
        for s in seeds("flow_events") {
            let input: FlowInput = serde_json::from_slice(&s).unwrap();
            let mut engine = FlowEngine::new("L", input.config, every_scope());
            for (name, c) in documents().iter().take(2) {
                engine.set_rules(name.split('-').next().unwrap(), c.clone());
            }
            match engine.plan(&input.event, input.now_ms) {
                Ok(_) => planned += 1,
                Err(e) => eprintln!("{}: {e}", input.event.id),
            }
        }
        assert!(planned >= 8, "only {planned} flow seeds plan");
        for s in seeds("outbox_restore") {
            let input: OutboxInput = serde_json::from_slice(&s).unwrap();
            assert!(!input.records.is_empty());
        }
        for s in seeds("stats_report") {
            let input: StatsInput = serde_json::from_slice(&s).unwrap();
            assert!(input.body.is_some() || input.series.is_some());
        }
        for s in seeds("stats_schedule") {
            serde_json::from_slice::<ScheduleInput>(&s).unwrap();
        }
        for s in seeds("response_classify") {
            http_response(&s).unwrap();
        }
    }

    #[test]
    fn intake_seeds_reach_acceptance() {
        let mut accepted = 0;
        for s in seeds("intake_ghl_webhook") {
            let input: GhlWebhookInput = serde_json::from_slice(&s).unwrap();
            let mut rx = GhlWebhookReceiver::new(GhlWebhookConfig {
                allow_unsigned: input.allow_unsigned,
                ..GhlWebhookConfig::default()
            })
            .unwrap();
            let algorithm = rx
                .signature_check(&input.headers, 0, input.now_ms)
                .map_or(SignatureAlgorithm::None, |c| c.algorithm);
            let verdict = SignatureVerdict {
                algorithm,
                valid: true,
            };
            let body = body_bytes(&input.body);
            if let Ok(GhlWebhookOutcome::Accepted { .. }) = rx.receive_in_memory(
                &input.headers,
                &body,
                verdict,
                input.now_ms,
                &mut KnownTagsMemory::new(8),
            ) {
                accepted += 1;
            }
        }
        assert!(accepted >= 4, "only {accepted} webhook seeds are accepted");

        let mut accepted = 0;
        for s in seeds("intake_qwilr") {
            let input: QwilrInput = serde_json::from_slice(&s).unwrap();
            let mut q = QwilrIntake::new(QwilrConfig::default(), QWILR_SECRET).unwrap();
            if let Ok(QwilrNeed::ReadPage {
                idempotency_key, ..
            }) = q.receive(true, &body_bytes(&input.body), 0)
            {
                let resp = HttpResponse {
                    status: input.page_status,
                    headers: Default::default(),
                    body: String::from_utf8(
                        input.page.as_ref().map(body_bytes).unwrap_or_default(),
                    )
                    .unwrap(),
                };
                if let Ok(QwilrOutcome::Accepted { .. }) = q.handle_page(&idempotency_key, &resp, 0)
                {
                    accepted += 1;
                }
            }
        }
        assert!(accepted >= 1, "no Qwilr seed is accepted");

        let (mut events, mut captured) = (0, 0);
        for s in seeds("intake_wishpond_capture") {
            let input: WishpondCaptureInput = serde_json::from_slice(&s).unwrap();
            let mut p = WishpondPoller::new(
                WishpondPollerConfig {
                    per_page: input.per_page.unwrap_or(100),
                    ..WishpondPollerConfig::default()
                },
                input.cursor.clone(),
            )
            .unwrap();
            p.poll(input.now_ms);
            for a in &input.responses {
                let resp = HttpResponse {
                    status: a.status,
                    headers: a.headers.clone().into(),
                    body: String::from_utf8(body_bytes(&a.body)).unwrap(),
                };
                match p.handle_response(&resp, input.now_ms) {
                    Ok(PollStep::Done { events: e, .. }) => {
                        events += e.len();
                        p.poll(input.now_ms);
                    }
                    Ok(PollStep::Send { .. }) => {}
                    _ => {
                        p.poll(input.now_ms + 3_600_000);
                    }
                }
            }
            if let Some(c) = &input.capture {
                let sites = input.sites.clone().unwrap_or_else(|| {
                    vec![CaptureSite {
                        site_key: "site-1".into(),
                        allowed_origins: vec!["https://example.com".into()],
                    }]
                });
                let mut intake = CaptureIntake::new(CaptureConfig {
                    sites,
                    ..CaptureConfig::default()
                })
                .unwrap();
                if let Ok(CaptureOutcome::Accepted { .. }) =
                    intake.receive(input.origin.as_deref(), &body_bytes(c), input.now_ms)
                {
                    captured += 1;
                }
            }
        }
        assert!(
            events >= 3,
            "only {events} lead events from the Wishpond seeds"
        );
        assert!(captured >= 2, "only {captured} captures accepted");
    }
}
