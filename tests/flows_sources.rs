//! The real sources through the flows: Wishpond lead events, Qwilr page events and GHL
//! webhook events as flow events, run against a small in-memory GHL (upsert, tags,
//! custom fields by id) stage by stage. Scores accumulate across sources (read from
//! the contact), a replay adds nothing (the contact's score ledger), also after a
//! restart (a fresh engine: nothing kept in memory).

use std::collections::BTreeMap;

use ghl_bridge::error::Coded;
use ghl_bridge::flows::*;
use ghl_bridge::plan::Resolved;
use ghl_bridge::rules::{compile, presets, CompileContext, CustomFieldDef};
use ghl_bridge::sources::{
    flow_event_of, GhlWebhookConfig, GhlWebhookReceiver, KnownTags, KnownTagsMemory, KnownTagsOp,
    SignatureVerdict,
};
use serde_json::{json, Value};

const LOC: &str = "loc1";
const NOW: u64 = 1_773_000_000_000;

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

const FIELDS: [&str; 12] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "wishpond_campaign",
    "lead_score",
    "qwilr_last_page",
    "qwilr_page_link",
    "proposal_value",
    "proposal_accepted_on",
    "score_ledger",
];

fn fields(with_ledger: bool) -> Vec<CustomFieldDef> {
    FIELDS
        .iter()
        .filter(|k| with_ledger || **k != "score_ledger")
        .map(|k| CustomFieldDef {
            id: format!("cf_{k}"),
            key: format!("contact.{k}"),
            name: k.to_string(),
            data_type: "TEXT".into(),
        })
        .collect()
}

/// An engine as a host builds it after a (re)start: presets compiled with the
/// location's custom fields, nothing remembered.
fn engine_with(with_ledger: bool, ghl_rules: Option<Value>) -> FlowEngine {
    let config = FlowConfig {
        allow_create_location_tags: true,
        ..FlowConfig::default()
    };
    let scopes = vec!["contacts.write".into(), "locations/tags.write".into()];
    let mut e = FlowEngine::new(LOC, config, scopes);
    let ctx = CompileContext {
        custom_fields: Some(fields(with_ledger)),
        ..Default::default()
    };
    e.set_custom_fields(&fields(with_ledger));
    e.set_rules(
        "wishpond",
        compile(&presets::wishpond_lead(), &ctx).unwrap(),
    );
    e.set_rules("qwilr", compile(&presets::qwilr_events(), &ctx).unwrap());
    if let Some(doc) = ghl_rules {
        e.set_rules("ghl", compile(&doc, &ctx).unwrap());
    }
    e
}

fn engine() -> FlowEngine {
    engine_with(true, None)
}

/// A few contacts and the operations the contact flows use, as GHL answers them
/// (an unknown contact id answers HTTP 404, as GHL does).
#[derive(Default)]
struct Ghl {
    contacts: Vec<Value>,
    requests: Vec<String>,
}

/// Writes a body's fields onto a contact (custom fields by id; never tags).
fn write_fields(c: &mut Value, body: &Value) {
    for (k, v) in body.as_object().unwrap() {
        if k == "customFields" {
            for f in v.as_array().unwrap() {
                let list = c["customFields"].as_array_mut().unwrap();
                list.retain(|x| x["id"] != f["id"]);
                list.push(json!({"id": f["id"], "value": f["field_value"]}));
            }
        } else {
            assert_ne!(k, "tags", "tags never ride on a contact write");
            assert_ne!(k, "locationId", "an update by id takes no locationId");
            c[k] = v.clone();
        }
    }
}

impl Ghl {
    fn send(&mut self, operation: &str, p: &ghl_bridge::http::RequestParams) -> Value {
        self.try_send(operation, p).expect("a known contact")
    }

    /// The answer, or the HTTP status of a refusal.
    fn try_send(
        &mut self,
        operation: &str,
        p: &ghl_bridge::http::RequestParams,
    ) -> Result<Value, u16> {
        self.requests.push(operation.to_string());
        let body = p.body.clone().unwrap_or(json!({}));
        let by_id = |cs: &mut Vec<Value>, id: &Value| cs.iter().position(|c| &c["id"] == id);
        Ok(match operation {
            "contacts.get-contact" => {
                let at = by_id(&mut self.contacts, &p.path["contactId"]).ok_or(404u16)?;
                json!({"contact": self.contacts[at].clone()})
            }
            "contacts.update-contact" => {
                let at = by_id(&mut self.contacts, &p.path["contactId"]).ok_or(404u16)?;
                write_fields(&mut self.contacts[at], &body);
                json!({"succeded": true, "contact": self.contacts[at].clone()})
            }
            "contacts.upsert-contact" => {
                let email = body["email"].as_str().unwrap().to_string();
                let at = self
                    .contacts
                    .iter()
                    .position(|c| c["email"] == json!(email));
                let created = at.is_none();
                let at = at.unwrap_or_else(|| {
                    let id = format!("c{}", self.contacts.len() + 1);
                    self.contacts
                        .push(json!({"id": id, "email": email, "tags": [], "customFields": []}));
                    self.contacts.len() - 1
                });
                let mut b = body.clone();
                b.as_object_mut().unwrap().remove("locationId");
                write_fields(&mut self.contacts[at], &b);
                json!({"new": created, "contact": self.contacts[at].clone()})
            }
            "contacts.add-tags" | "contacts.remove-tags" => {
                let at = by_id(&mut self.contacts, &p.path["contactId"]).ok_or(404u16)?;
                let tags = self.contacts[at]["tags"].as_array_mut().unwrap();
                for t in body["tags"].as_array().unwrap() {
                    tags.retain(|x| x != t);
                    if operation == "contacts.add-tags" {
                        tags.push(t.clone());
                    }
                }
                json!({"tags": tags.clone()})
            }
            other => panic!("unexpected operation {other}"),
        })
    }

    fn contact(&self, email: &str) -> &Value {
        self.contacts
            .iter()
            .find(|c| c["email"] == json!(email))
            .expect("the contact exists")
    }

    fn field(&self, email: &str, key: &str) -> Value {
        self.contact(email)["customFields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == json!(format!("cf_{key}")))
            .map(|f| f["value"].clone())
            .unwrap_or(Value::Null)
    }

    fn has_tag(&self, email: &str, tag: &str) -> bool {
        self.contact(email)["tags"]
            .as_array()
            .unwrap()
            .contains(&json!(tag))
    }
}

/// Runs an event through every stage, as the shim does.
fn run(e: &mut FlowEngine, ghl: &mut Ghl, event: &Event) -> Option<FlowOutcome> {
    Some(try_run(e, ghl, event).unwrap_or_else(|err| panic!("the run failed: {err:?}")))
}

/// Runs an event through every stage; a refused request ends the run as the shim
/// ends it: the stage is abandoned and the engine names the failure.
fn try_run(
    e: &mut FlowEngine,
    ghl: &mut Ghl,
    event: &Event,
) -> Result<FlowOutcome, Option<FlowError>> {
    let mut fp = match e.begin(event, NOW).unwrap() {
        Begin::Run { flow_plan } => flow_plan,
        Begin::Duplicate { outcome } => return Ok(outcome),
    };
    loop {
        fp.plan.validate().unwrap();
        let mut responses = BTreeMap::new();
        for step in &fp.plan.steps {
            match step.resolve(&responses).unwrap() {
                Resolved::Skip => {}
                Resolved::Send(p) => match ghl.try_send(&step.operation, &p) {
                    Ok(answer) => {
                        responses.insert(step.id.clone(), answer);
                    }
                    Err(status) => return Err(e.step_failed(&fp, &step.id, status)),
                },
            }
        }
        let out = e.finish(&fp, &responses, NOW).map_err(Some)?;
        match out.next {
            Some(next) => fp = *next,
            None => return Ok(out),
        }
    }
}

fn wishpond_lead() -> Event {
    flow_event_of(&fixture("wishpond/lead-created.json"))
        .unwrap()
        .unwrap()
}

/// The id the in-memory GHL gives the first contact (Jane, from the Wishpond lead).
const JANE_ID: &str = "c1";

/// The accepted page, its metadata naming Jane's GHL contact id (as a page's creator
/// stores it) and her email: the id wins, so the contact is read and written by id.
fn qwilr_accepted() -> Event {
    qwilr_with(|p| p["contact"]["contactId"] = json!(JANE_ID))
}

/// The accepted-page fixture, changed by `edit` first.
fn qwilr_with(edit: impl FnOnce(&mut Value)) -> Event {
    let mut payload = fixture("qwilr/page-accepted.json");
    edit(&mut payload);
    flow_event_of(&payload).unwrap().unwrap()
}

fn score_of(out: &FlowOutcome) -> (Option<i64>, Option<i64>, Option<bool>) {
    let FlowResult::Contact {
        score,
        previous_score,
        score_already_applied,
        ..
    } = &out.result
    else {
        panic!("a contact result: {:?}", out.result)
    };
    (*score, *previous_score, *score_already_applied)
}

const JANE: &str = "jane.doe@example.com";

// ---- the normalised events are flow events --------------------------------------------

#[test]
fn intake_events_become_flow_events_of_their_own_type() {
    let w = wishpond_lead();
    assert_eq!(w.kind, "wishpond.lead.created");
    assert_eq!(w.id, "wishpond:48211907:9f3c2a1b0d4e5f60");
    assert_eq!(w.payload["arrived"], "api");
    assert_eq!(
        w.payload["lead"]["dynamic_attributes"]["first_name"],
        "jane"
    );
    let q = qwilr_accepted();
    assert_eq!(q.kind, "qwilr.pageAccepted");
    assert_eq!(q.payload["contact"]["by"], "contactId");
    let fp = engine().plan(&q, NOW).unwrap();
    assert_eq!(fp.plan.flow, "qwilr.page");
    let captured = flow_event_of(&fixture("wishpond/lead-captured.json"))
        .unwrap()
        .unwrap();
    assert_eq!(captured.payload["page"]["title"], "Spring webinar");
    // Not an intake event: a typed refusal.
    let err = flow_event_of(&json!({"type": "stripe.charge"})).unwrap_err();
    assert_eq!(err.code(), "WEBHOOK_MALFORMED");
    let err = flow_event_of(&json!({"type": "qwilr.pageAccepted", "page": 3})).unwrap_err();
    assert!(err.to_string().contains("not a Qwilr event"), "{err}");
}

// ---- scores accumulate across sources ----------------------------------------------

#[test]
fn a_qwilr_acceptance_adds_to_the_score_a_wishpond_lead_earned() {
    let mut e = engine();
    let mut ghl = Ghl::default();
    let first = e.plan(&wishpond_lead(), NOW).unwrap();
    // Stage 1 reads the contact (the upsert answers it) and writes no score yet.
    assert_eq!(
        first
            .plan
            .steps
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        ["upsert"]
    );
    let body = first.plan.steps[0].params.body.as_ref().unwrap();
    assert!(body["customFields"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["id"] != json!("cf_lead_score")));
    assert!(matches!(first.finish, Finish::ReadContact { .. }));

    let out = run(&mut e, &mut ghl, &wishpond_lead()).unwrap();
    assert_eq!(score_of(&out), (Some(35), Some(0), Some(false)));
    assert_eq!(ghl.field(JANE, "lead_score"), json!(35));
    assert!(ghl.has_tag(JANE, "warm-lead"));
    assert!(ghl.has_tag(JANE, "wishpond"));

    let out = run(&mut e, &mut ghl, &qwilr_accepted()).unwrap();
    // 35 from Wishpond + 50 accepted + 20 for a deal of at least 10,000.
    assert_eq!(score_of(&out), (Some(105), Some(35), Some(false)));
    assert_eq!(ghl.field(JANE, "lead_score"), json!(105));
    assert!(ghl.has_tag(JANE, "hot-lead"));
    assert!(
        !ghl.has_tag(JANE, "warm-lead"),
        "the lower threshold's tag goes"
    );
    assert!(ghl.has_tag(JANE, "proposal-accepted"));
    let ledger = ghl.field(JANE, "score_ledger");
    assert_eq!(
        parse_ledger(ledger.as_str().unwrap()),
        vec![
            ledger_entry(&wishpond_lead().id),
            ledger_entry(&qwilr_accepted().id)
        ]
    );
}

#[test]
fn a_replayed_event_adds_nothing_even_after_a_restart() {
    let mut ghl = Ghl::default();
    let mut e = engine();
    run(&mut e, &mut ghl, &wishpond_lead()).unwrap();
    run(&mut e, &mut ghl, &qwilr_accepted()).unwrap();
    // The same engine: the replay guard answers duplicate, nothing is sent.
    let before = ghl.requests.len();
    let out = run(&mut e, &mut ghl, &qwilr_accepted()).unwrap();
    assert_eq!(out.result, FlowResult::Duplicate);
    assert_eq!(ghl.requests.len(), before);
    // A restart (a fresh engine remembers nothing): the contact's ledger holds the key.
    let mut restarted = engine();
    let out = run(&mut restarted, &mut ghl, &qwilr_accepted()).unwrap();
    assert_eq!(score_of(&out), (Some(105), Some(105), Some(true)));
    assert_eq!(ghl.field(JANE, "lead_score"), json!(105));
    // Only the contact read (by the page's contact id) was sent: no tag or score request.
    assert_eq!(
        &ghl.requests[before..],
        ["contacts.get-contact".to_string()]
    );
    assert!(out
        .warnings
        .iter()
        .any(|w| w.contains("ledger already holds")));
}

#[test]
fn a_restart_between_the_sources_still_adds_up() {
    let mut ghl = Ghl::default();
    run(&mut engine(), &mut ghl, &wishpond_lead()).unwrap();
    // The current score comes from the contact, not from anything kept in memory.
    let out = run(&mut engine(), &mut ghl, &qwilr_accepted()).unwrap();
    assert_eq!(score_of(&out), (Some(105), Some(35), Some(false)));
}

#[test]
fn a_run_cut_short_before_the_score_is_written_adds_once_when_redelivered() {
    let mut ghl = Ghl::default();
    let mut e = engine();
    run(&mut e, &mut ghl, &wishpond_lead()).unwrap();
    // Stage 1 runs; stage 2 (tags, then the score and ledger in one request) is cut
    // before it sends anything, as a crash would.
    let mut cut = engine();
    let q = qwilr_accepted();
    let Begin::Run { flow_plan } = cut.begin(&q, NOW).unwrap() else {
        panic!()
    };
    let mut r = BTreeMap::new();
    let Resolved::Send(p) = flow_plan.plan.steps[0].resolve(&r).unwrap() else {
        panic!()
    };
    let read = &flow_plan.plan.steps[0];
    assert_eq!(
        read.id, "read",
        "the contact is read by the page's contact id"
    );
    r.insert(read.id.clone(), ghl.send(&read.operation, &p));
    let stage2 = *cut.finish(&flow_plan, &r, NOW).unwrap().next.unwrap();
    let ids: Vec<&str> = stage2.plan.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.last(), Some(&"update"), "the score is written last");
    cut.abandon(&stage2);
    assert_eq!(ghl.field(JANE, "lead_score"), json!(35));
    // Redelivered (the id was released): the points are added exactly once.
    let out = run(&mut cut, &mut ghl, &q).unwrap();
    assert_eq!(score_of(&out), (Some(105), Some(35), Some(false)));
    let out = run(&mut engine(), &mut ghl, &q).unwrap();
    assert_eq!(score_of(&out).0, Some(105));
}

#[test]
fn without_a_ledger_field_the_score_accumulates_with_a_warning() {
    let mut ghl = Ghl::default();
    let mut e = engine_with(false, None);
    let fp = e.plan(&wishpond_lead(), NOW).unwrap();
    assert!(fp
        .warnings
        .iter()
        .any(|w| w.contains("no score ledger field (contact.score_ledger)")));
    run(&mut e, &mut ghl, &wishpond_lead()).unwrap();
    run(&mut e, &mut ghl, &qwilr_accepted()).unwrap();
    assert_eq!(ghl.field(JANE, "lead_score"), json!(105));
}

#[test]
fn rules_compiled_without_custom_fields_write_this_events_points_in_one_stage() {
    let mut e = FlowEngine::new(LOC, FlowConfig::default(), vec![]);
    e.set_rules(
        "wishpond",
        compile(&presets::wishpond_lead(), &CompileContext::default()).unwrap(),
    );
    e.set_location_tags(LOC, vec![], NOW);
    let fp = e.plan(&wishpond_lead(), NOW).unwrap();
    assert_eq!(fp.plan.steps[0].id, "upsert");
    assert!(matches!(fp.finish, Finish::Contact { .. }));
    assert!(fp
        .warnings
        .iter()
        .any(|w| w.contains("the score does not accumulate")));
}

// ---- bad input -----------------------------------------------------------------------

#[test]
fn a_lead_without_email_or_phone_is_refused_with_the_reason() {
    let mut payload = fixture("wishpond/lead-created.json");
    payload["lead"] = json!({"id": "9", "dynamic_attributes": {"first_name": "Anon"}});
    let ev = flow_event_of(&payload).unwrap().unwrap();
    let err = engine().plan(&ev, NOW).unwrap_err();
    assert_eq!(err.code(), "FLOW_MAPPING_FAILED");
    assert_eq!(err.details()["cause"], "NO_MATCH_KEY");
    assert!(err.to_string().contains("neither an email nor a phone"));
}

#[test]
fn an_unknown_qwilr_event_plans_nothing() {
    let mut payload = fixture("qwilr/page-accepted.json");
    payload["type"] = json!("qwilr.pageDeclined");
    let ev = flow_event_of(&payload).unwrap().unwrap();
    let err = engine().begin(&ev, NOW).unwrap_err();
    assert_eq!(err.code(), "FLOW_UNKNOWN_EVENT");
}

// ---- GHL events ----------------------------------------------------------------------

fn tag_update(rx: &mut Rx, id: &str, tags: &[&str], ts: u64) -> Event {
    let body = json!({
        "type": "ContactTagUpdate", "locationId": LOC, "id": "c9", "email": "x@example.com",
        "tags": tags, "webhookId": id, "timestamp": ts,
    })
    .to_string();
    let out =
        rx.0.receive_in_memory(
            &BTreeMap::new(),
            body.as_bytes(),
            SignatureVerdict {
                algorithm: ghl_bridge::sources::SignatureAlgorithm::None,
                valid: false,
            },
            ts,
            &mut rx.1,
        )
        .unwrap();
    let v = serde_json::to_value(&out).unwrap();
    flow_event_of(&v["event"]).unwrap().expect("a flow event")
}

/// A receiver and its known lists (in memory).
struct Rx(GhlWebhookReceiver, KnownTagsMemory);

impl Rx {
    fn remember_tags(&mut self, contact: &str, tags: Vec<String>, at_ms: i64) {
        self.1.apply(KnownTagsOp::Put {
            list: KnownTags {
                contact_id: contact.into(),
                tags,
                at_ms,
            },
        });
    }
}

fn unsigned_receiver() -> Rx {
    let r = GhlWebhookReceiver::new(GhlWebhookConfig {
        allow_unsigned: true,
        ..GhlWebhookConfig::default()
    })
    .unwrap();
    Rx(r, KnownTagsMemory::new(10))
}

#[test]
fn a_contact_tag_update_is_diffed_and_reported_without_ghl_rules() {
    let mut rx = unsigned_receiver();
    rx.remember_tags("c9", vec!["lead".into()], (NOW - 10) as i64);
    let ev = tag_update(&mut rx, "w1", &["lead", "vip"], NOW);
    assert_eq!(ev.kind, "ghl.contact.tags.updated");
    assert_eq!(ev.id, "ghl:w1");
    assert_eq!(ev.location_id.as_deref(), Some(LOC));
    let mut e = engine();
    let fp = e.plan(&ev, NOW).unwrap();
    assert!(
        fp.plan.steps.is_empty(),
        "nothing to send without `ghl` rules"
    );
    let out = e.finish(&fp, &BTreeMap::new(), NOW).unwrap();
    assert_eq!(
        out.result,
        FlowResult::ContactTags {
            contact_id: "c9".into(),
            added: vec!["vip".into()],
            removed: vec![],
            tags_added: vec![],
            tags_removed: vec![],
        }
    );
}

#[test]
fn ghl_rules_answer_a_tag_change_with_tag_requests_by_contact_id() {
    let rules = json!({"version": 1, "tagRules": [
        {"id": "vip-synced", "when": {"path": "added", "contains": "vip"}, "add": ["vip-synced"], "remove": ["lead"]}
    ]});
    let mut rx = unsigned_receiver();
    rx.remember_tags("c9", vec!["lead".into()], (NOW - 10) as i64);
    let ev = tag_update(&mut rx, "w2", &["lead", "vip"], NOW);
    let mut e = engine_with(true, Some(rules));
    let fp = e.plan(&ev, NOW).unwrap();
    let ids: Vec<&str> = fp.plan.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["add-tags", "remove-tags"]);
    assert_eq!(fp.plan.steps[0].params.path["contactId"], json!("c9"));
    assert_eq!(
        fp.plan.steps[0].params.body.as_ref().unwrap()["tags"],
        json!(["vip-synced"])
    );
    assert_eq!(
        fp.plan.steps[1].params.body.as_ref().unwrap()["tags"],
        json!(["lead"])
    );
}

#[test]
fn an_older_tag_list_than_the_known_one_gives_no_flow_event() {
    let mut rx = unsigned_receiver();
    rx.remember_tags("c9", vec!["a".into()], NOW as i64);
    let body = json!({"type": "ContactTagUpdate", "locationId": LOC, "id": "c9",
                      "tags": ["old"], "webhookId": "w3", "timestamp": NOW - 1000})
    .to_string();
    let out =
        rx.0.receive_in_memory(
            &BTreeMap::new(),
            body.as_bytes(),
            SignatureVerdict {
                algorithm: ghl_bridge::sources::SignatureAlgorithm::None,
                valid: false,
            },
            NOW,
            &mut rx.1,
        )
        .unwrap();
    let v = serde_json::to_value(&out).unwrap();
    assert_eq!(v["event"]["tagChange"]["outOfOrder"], json!(true));
    assert_eq!(flow_event_of(&v["event"]).unwrap(), None);
}

#[test]
fn install_and_uninstall_plan_nothing_and_report_the_location() {
    let mut e = engine();
    for (kind, installed) in [("INSTALL", true), ("UNINSTALL", false)] {
        let hook = json!({"kind": kind, "webhookId": format!("i-{kind}"), "timestampMs": NOW,
                          "companyId": "co1", "locationId": "newLoc", "fields": {}});
        let ev = flow_event_of(&hook).unwrap().unwrap();
        // The new location rides in the payload: no foreign-location refusal.
        assert_eq!(ev.location_id, None);
        let fp = e.plan(&ev, NOW).unwrap();
        assert!(fp.plan.steps.is_empty());
        let out = e.finish(&fp, &BTreeMap::new(), NOW).unwrap();
        assert_eq!(
            out.result,
            FlowResult::App {
                installed,
                company_id: Some("co1".into()),
                location_id: Some("newLoc".into()),
            }
        );
    }
    let hook = json!({"kind": "ContactCreate", "webhookId": "x", "timestampMs": NOW, "fields": {}});
    assert_eq!(flow_event_of(&hook).unwrap(), None);
}

// ---- a Qwilr page correlated by GHL contact id ------------------------------------------

/// A page whose metadata holds only a GHL contact id: no email or phone anywhere (not
/// in the metadata, not in the acceptance).
fn qwilr_by_id_only(contact_id: &str) -> Event {
    qwilr_with(|p| {
        p["page"]["metadata"] = json!({"ghlContactId": contact_id});
        let a = p["acceptance"].as_object_mut().unwrap();
        a.remove("email");
        a["raw"]["acceptedBy"]
            .as_object_mut()
            .unwrap()
            .remove("email");
        p["contact"] = json!({"by": "contactId", "contactId": contact_id, "key": "ghlContactId"});
    })
}

/// An engine whose rules were compiled without the location's custom fields (the score
/// does not accumulate: one stage) and with the location's tags known.
fn one_stage_engine() -> FlowEngine {
    let mut e = FlowEngine::new(LOC, FlowConfig::default(), vec!["contacts.write".into()]);
    e.set_rules(
        "qwilr",
        compile(&presets::qwilr_events(), &CompileContext::default()).unwrap(),
    );
    e.set_location_tags(LOC, vec!["qwilr".into(), "proposal-accepted".into()], NOW);
    e
}

fn ghl_with(id: &str) -> Ghl {
    Ghl {
        contacts: vec![json!({"id": id, "tags": ["proposal-sent"], "customFields": []})],
        requests: vec![],
    }
}

#[test]
fn a_page_correlated_only_by_contact_id_updates_that_contact_by_id() {
    // Was FLOW_MAPPING_FAILED / NO_MATCH_KEY: the planner only knew the upsert.
    let ev = qwilr_by_id_only("gh1");
    let fp = one_stage_engine().plan(&ev, NOW).unwrap();
    let ids: Vec<&str> = fp.plan.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["update", "add-tags", "remove-tags"]);
    let update = &fp.plan.steps[0];
    assert_eq!(update.operation, "contacts.update-contact");
    assert_eq!(update.params.path["contactId"], json!("gh1"));
    // The mapped body, as the upsert would carry it, minus locationId and any email.
    let body = update.params.body.as_ref().unwrap();
    assert_eq!(body["firstName"], "Jane");
    assert_eq!(body["lastName"], "Doe");
    assert_eq!(body["source"], "Qwilr: Website redesign proposal");
    assert!(body.get("email").is_none() && body.get("locationId").is_none());
    let fields = body["customFields"].as_array().unwrap();
    assert!(fields
        .iter()
        .any(|f| f["key"] == "contact.proposal_value" && f["field_value"] == json!(12500)));
    // Tags by that id, diffed against the tags the update answers.
    assert_eq!(fp.plan.steps[1].params.path["contactId"], json!("gh1"));
    assert_eq!(
        fp.plan.steps[1].params.body.as_ref().unwrap()["tags"]["in"],
        json!({"$from": "update", "pointer": "/contact/tags"})
    );

    let mut ghl = ghl_with("gh1");
    let out = run(&mut one_stage_engine(), &mut ghl, &ev).unwrap();
    let FlowResult::Contact {
        contact_id,
        created,
        tags,
        ..
    } = &out.result
    else {
        panic!("{:?}", out.result)
    };
    assert_eq!(
        (contact_id.as_deref(), *created),
        (Some("gh1"), Some(false))
    );
    assert!(tags.contains(&"proposal-accepted".to_string()));
    assert!(!tags.contains(&"proposal-sent".to_string()));
    assert_eq!(
        ghl.requests,
        [
            "contacts.update-contact",
            "contacts.add-tags",
            "contacts.remove-tags"
        ]
    );
    assert_eq!(ghl.contacts.len(), 1, "nothing created");
    assert_eq!(ghl.contacts[0]["firstName"], "Jane");
}

#[test]
fn an_accumulating_score_is_read_and_written_by_the_contact_id() {
    let mut ghl = ghl_with("gh1");
    ghl.contacts[0]["customFields"] = json!([{"id": "cf_lead_score", "value": "35"}]);
    let ev = qwilr_by_id_only("gh1");
    let mut e = engine();
    let fp = e.plan(&ev, NOW).unwrap();
    assert_eq!(fp.plan.steps.len(), 1);
    assert_eq!(fp.plan.steps[0].operation, "contacts.get-contact");
    assert_eq!(fp.plan.steps[0].params.path["contactId"], json!("gh1"));
    let out = run(&mut e, &mut ghl, &ev).unwrap();
    assert_eq!(score_of(&out), (Some(105), Some(35), Some(false)));
    assert!(!ghl.requests.iter().any(|r| r == "contacts.upsert-contact"));
    let c = &ghl.contacts[0];
    let field = |k: &str| {
        c["customFields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == json!(format!("cf_{k}")))
            .map(|f| f["value"].clone())
    };
    assert_eq!(field("lead_score"), Some(json!(105)));
    assert_eq!(
        field("qwilr_last_page"),
        Some(json!("Website redesign proposal"))
    );
    assert_eq!(
        field("score_ledger").map(|v| parse_ledger(v.as_str().unwrap())),
        Some(vec![ledger_entry(&ev.id)])
    );
    assert_eq!(c["firstName"], "Jane");
    // A replay after a restart: the ledger (read by id) holds the event, nothing written.
    let before = ghl.requests.len();
    let out = run(&mut engine(), &mut ghl, &ev).unwrap();
    assert_eq!(score_of(&out), (Some(105), Some(105), Some(true)));
    assert_eq!(
        &ghl.requests[before..],
        ["contacts.get-contact".to_string()]
    );
}

#[test]
fn an_id_and_an_email_write_by_the_id() {
    // The fixture's metadata holds both; Jane's email belongs to another contact.
    let mut ghl = ghl_with("gh1");
    ghl.contacts
        .push(json!({"id": "other", "email": JANE, "tags": [], "customFields": []}));
    let ev = qwilr_with(|p| p["contact"]["contactId"] = json!("gh1"));
    let out = run(&mut one_stage_engine(), &mut ghl, &ev).unwrap();
    let FlowResult::Contact { contact_id, .. } = &out.result else {
        panic!()
    };
    assert_eq!(contact_id.as_deref(), Some("gh1"));
    assert_eq!(ghl.requests[0], "contacts.update-contact");
    assert!(!ghl.requests.iter().any(|r| r == "contacts.upsert-contact"));
    // The contact named by id got the event's fields; the one matching the email did
    // not, and the email (the upsert's match key) was not written over gh1's.
    assert_eq!(
        ghl.contacts[0]["source"],
        "Qwilr: Website redesign proposal"
    );
    assert!(ghl.contacts[0].get("email").is_none());
    assert!(ghl.contacts[1].get("source").is_none());
    // Correlated by email (no id): the upsert, matched by the email.
    let by_email = qwilr_with(|p| {
        p["contact"] = json!({"by": "email", "email": JANE, "from": "metadata.email"});
    });
    let fp = one_stage_engine().plan(&by_email, NOW).unwrap();
    assert_eq!(fp.plan.steps[0].operation, "contacts.upsert-contact");
    assert_eq!(fp.plan.contact_key.as_deref(), Some(JANE));
}

#[test]
fn a_page_naming_no_contact_is_skipped_with_the_reason() {
    use ghl_bridge::http::HttpResponse;
    use ghl_bridge::sources::{QwilrConfig, QwilrIntake, QwilrNeed, QwilrOutcome};
    let mut q =
        QwilrIntake::new(QwilrConfig::default(), "3f9a1c7e5b2d4f608a1b3c5d7e9f0a2b").unwrap();
    let hook = json!({"event": "pageAccepted", "idempotencyKey": "a".repeat(64),
                      "page": {"id": "65f1c0ffee0123456789abcd", "metadata": {}}});
    let QwilrNeed::ReadPage {
        idempotency_key, ..
    } = q.receive(true, hook.to_string().as_bytes(), NOW).unwrap()
    else {
        panic!()
    };
    let page = json!({"id": "65f1c0ffee0123456789abcd", "name": "P", "metadata": {"note": "x"},
                      "acceptance": {"name": "Anon"}});
    let response = HttpResponse {
        status: 200,
        headers: Default::default(),
        body: page.to_string(),
    };
    let QwilrOutcome::Skipped { reason, .. } =
        q.handle_page(&idempotency_key, &response, NOW).unwrap()
    else {
        panic!("skipped")
    };
    assert!(reason.contains("names no GHL contact"), "{reason}");
    assert!(reason.contains("ghlContactId"), "{reason}");
}

#[test]
fn a_wrong_contact_id_is_a_typed_failure_naming_it_never_a_create() {
    let mut ghl = ghl_with("gh1");
    let mut e = one_stage_engine();
    let ev = qwilr_by_id_only("nope123");
    let err = try_run(&mut e, &mut ghl, &ev)
        .unwrap_err()
        .expect("a typed failure");
    assert_eq!(err.code(), "FLOW_CONTACT_NOT_FOUND");
    assert_eq!(err.details()["contactId"], "nope123");
    assert_eq!(err.details()["step"], "update");
    assert_eq!(err.details()["status"], 404);
    assert!(err.to_string().contains("'nope123'"), "{err}");
    assert_eq!(ghl.requests, ["contacts.update-contact"]);
    assert_eq!(ghl.contacts.len(), 1, "nothing created");
    // The id was released: a redelivery (after the metadata is fixed) runs again.
    assert!(matches!(e.begin(&ev, NOW).unwrap(), Begin::Run { .. }));
    // Accumulating: the read by id fails the same way.
    let err = try_run(&mut engine(), &mut ghl, &ev).unwrap_err().unwrap();
    assert_eq!(
        (err.code(), err.details()["step"].clone()),
        ("FLOW_CONTACT_NOT_FOUND", json!("read"))
    );
    // Other refusals keep the request's own error.
    let fp = one_stage_engine().plan(&ev, NOW).unwrap();
    assert_eq!(one_stage_engine().step_failed(&fp, "update", 500), None);
}

// ---- a dry run's later stages ---------------------------------------------------------

/// The answer's values for a dry run's placeholder texts: the score text
/// (`{step.contact.score} + N...`) becomes the contact's score plus N, the ledger text
/// (`{step.contact.scoreLedger} E`) the contact's ledger with E after it.
fn fill(v: &Value, score: i64, ledger: &str) -> Value {
    match v {
        Value::String(t) if t.contains(".contact.score} ") => {
            let n: i64 = t
                .split(' ')
                .nth(2)
                .unwrap()
                .trim_end_matches(',')
                .parse()
                .unwrap();
            let sign = if t.split(' ').nth(1) == Some("-") {
                -1
            } else {
                1
            };
            json!(score + sign * n)
        }
        Value::String(t) if t.contains(".contact.scoreLedger} ") => {
            let entry = t.rsplit(' ').next().unwrap();
            json!(format!("{ledger} {entry}").trim())
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), fill(x, score, ledger)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| fill(x, score, ledger)).collect()),
        other => other.clone(),
    }
}

/// What a stage sends, given the answers of the stage before (steps skipped at run
/// time left out), with the placeholder texts filled from the contact read.
fn sends(
    fp: &FlowPlan,
    earlier: &BTreeMap<String, Value>,
    (score, ledger): (i64, &str),
) -> Vec<(String, String, Value)> {
    fp.plan
        .steps
        .iter()
        .filter_map(|s| match s.resolve(earlier).unwrap() {
            Resolved::Skip => None,
            Resolved::Send(p) => Some((
                s.id.clone(),
                s.operation.clone(),
                fill(&serde_json::to_value(&p).unwrap(), score, ledger),
            )),
        })
        .collect()
}

/// Sends a stage to the in-memory GHL: its answers by step id.
fn answer(ghl: &mut Ghl, fp: &FlowPlan) -> BTreeMap<String, Value> {
    let mut r = BTreeMap::new();
    for s in &fp.plan.steps {
        if let Resolved::Send(p) = s.resolve(&r).unwrap() {
            let a = ghl.send(&s.operation, &p);
            r.insert(s.id.clone(), a);
        }
    }
    r
}

/// Jane in GHL before the event: tags (one the rules remove, one they add), score 0,
/// an older ledger entry.
fn jane_in_ghl() -> Ghl {
    Ghl {
        contacts: vec![json!({
            "id": JANE_ID, "email": JANE, "tags": ["hot-lead", "wishpond"],
            "customFields": [{"id": "cf_lead_score", "value": 0},
                             {"id": "cf_score_ledger", "value": "00000000000000aa"}]
        })],
        requests: vec![],
    }
}

#[test]
fn a_dry_runs_later_stage_is_the_stage_the_answer_gives_with_its_placeholders_filled() {
    for event in [wishpond_lead(), qwilr_accepted()] {
        let mut e = engine();
        let first = e.plan(&event, NOW).unwrap();
        let later = e.later_stages(&first, NOW).unwrap();
        assert_eq!(later.len(), 1, "{}", event.kind);
        let dry = &later[0];
        dry.plan.validate().unwrap_err(); // it names stage 1's step: not a plan to run alone
        assert_eq!(dry.stage, 2);
        assert_eq!(dry.plan.id, format!("{}#2", first.event_id));
        let step = &first.plan.steps[0].id; // "upsert" by email, "read" by the page's id
                                            // The contact id and tags are the answer's, named after the step that gives them.
        let add = dry.plan.step("add-tags").unwrap();
        assert_eq!(
            add.params.path["contactId"],
            json!({"$from": step, "pointer": "/contact/id"})
        );
        assert_eq!(
            add.params.body.as_ref().unwrap()["tags"]["in"],
            json!({"$from": step, "pointer": "/contact/tags"})
        );
        let fields = dry.plan.steps.last().unwrap().params.body.as_ref().unwrap()["customFields"]
            .as_array()
            .unwrap()
            .clone();
        let score = fields.iter().find(|f| f["id"] == "cf_lead_score").unwrap();
        let text = score["field_value"].as_str().unwrap();
        assert!(
            text.starts_with(&format!("{{{step}.contact.score}} + "))
                && text.ends_with(", kept between 0 and 200"),
            "{text}"
        );
        assert!(dry
            .warnings
            .iter()
            .any(|w| w.contains("stage 2: shown for a contact with no tags and no score yet")));

        // The run: stage 1 sent, the real stage 2 planned from its answer.
        let mut ghl = jane_in_ghl();
        let responses = answer(&mut ghl, &first);
        let real = *e.finish(&first, &responses, NOW).unwrap().next.unwrap();
        let real_sends = sends(&real, &BTreeMap::new(), (0, ""));
        assert_eq!(
            sends(dry, &responses, (0, "00000000000000aa")),
            real_sends,
            "{}",
            event.kind
        );
        // Not a trivial equality: tags are added (and, for the lead, one removed) and
        // the score written last.
        let ids: Vec<&str> = real_sends.iter().map(|(id, _, _)| id.as_str()).collect();
        let want: &[&str] = if step == "upsert" {
            &["add-tags", "remove-tags", "score"]
        } else {
            &["add-tags", "update"]
        };
        assert_eq!(ids, want, "{}", event.kind);
    }
}

#[test]
fn a_dry_run_shows_the_stages_after_the_location_tags_are_read() {
    // No tag creation here: the location's tags are read first.
    let fields = fields(true);
    let with = CompileContext {
        custom_fields: Some(fields.clone()),
        ..Default::default()
    };
    let without = CompileContext::default();
    for ctx in [&without, &with] {
        let mut e = FlowEngine::new(LOC, FlowConfig::default(), vec!["contacts.write".into()]);
        e.set_custom_fields(&fields);
        e.set_rules("wishpond", compile(&presets::wishpond_lead(), ctx).unwrap());
        let first = e.plan(&wishpond_lead(), NOW).unwrap();
        assert!(first.plan.step("location-tags").is_some());
        let later = e.later_stages(&first, NOW).unwrap();
        // Without the custom fields the score does not accumulate: stage 1 reads the
        // tags, stage 2 writes the contact; with them stage 1 also writes the contact
        // (its answer is the contact read) and stage 2 the tags and score from it.
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].stage, 2);
        // The location has every tag the rules add (what the dry run assumes).
        let tags: Vec<Value> = [
            "wishpond",
            "wishpond-api",
            "paid-traffic",
            "warm-lead",
            "hot-lead",
        ]
        .iter()
        .map(|t| json!({"id": t, "name": t}))
        .collect();
        let mut ghl = jane_in_ghl();
        let mut real = first.clone();
        let mut earlier = BTreeMap::new();
        for dry in &later {
            let mut responses = BTreeMap::new();
            for s in &real.plan.steps {
                if let Resolved::Send(p) = s.resolve(&responses).unwrap() {
                    let a = if s.id == "location-tags" {
                        json!({"tags": tags})
                    } else {
                        ghl.send(&s.operation, &p)
                    };
                    responses.insert(s.id.clone(), a);
                }
            }
            let next = *e.finish(&real, &responses, NOW).unwrap().next.unwrap();
            // Within one stage its own `$from`s stay: compare the plans for stage 2 of
            // the one-stage contact, the sends where the stage names the earlier answer.
            if dry.plan.validate().is_ok() {
                assert_eq!(dry.plan, next.plan);
            } else {
                assert_eq!(
                    sends(dry, &responses, (0, "00000000000000aa")),
                    sends(&next, &BTreeMap::new(), (0, ""))
                );
            }
            assert!(dry
                .warnings
                .iter()
                .any(|w| w.contains("as if the location had every tag")
                    || w.contains("no tags and no score yet")));
            earlier = responses;
            real = next;
        }
        let _ = earlier;
    }
}
