//! Writes the JSON Schema of every type that crosses the Wasm boundary.
//!
//! Usage: `cargo run --features schema --bin gen-schema -- <out-dir>`. Writes
//! `<out-dir>/types.schema.json` (one schema whose `$defs` hold every exported type; the
//! build turns it into TypeScript) and `<out-dir>/rules.schema.json` (the mapping-rules
//! document, for editors and the widget), and `<out-dir>/names.ts`: the `ErrorCode`
//! union with its `ERROR_CODES` list (every code the package can throw, found by
//! `error_codes.rs`) and the `OperationName` union of the catalog's qualified names.
//! Adding a type to JavaScript means adding one line to `exported()` below.

#[path = "error_codes.rs"]
mod error_codes;

use std::{env, fs, path::PathBuf};

use schemars::{generate::SchemaSettings, JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value};

fn add<T: JsonSchema>(gen: &mut SchemaGenerator, roots: &mut Map<String, Value>) {
    let schema = gen.subschema_for::<T>();
    roots.insert(T::schema_name().into_owned(), schema.to_value());
}

fn exported(gen: &mut SchemaGenerator, roots: &mut Map<String, Value>) {
    use ghl_bridge::*;
    add::<error::ErrorReport>(gen, roots);
    add::<error::BatchError>(gen, roots);
    add::<http::HttpRequest>(gen, roots);
    add::<http::HttpResponse>(gen, roots);
    add::<http::RequestParams>(gen, roots);
    add::<plan::Plan>(gen, roots);
    add::<plan::PreviewStep>(gen, roots);
    add::<request::RateLimit>(gen, roots);
    add::<request::ClientConfig>(gen, roots);
    add::<request::SendResult>(gen, roots);
    add::<request::GhlErrorBody>(gen, roots);
    add::<request::Disposition>(gen, roots);
    add::<catalog::OperationInfo>(gen, roots);
    add::<catalog::OperationQuery>(gen, roots);
    add::<api::UpsertContact>(gen, roots);
    add::<api::UpsertContactResult>(gen, roots);
    add::<api::ContactResult>(gen, roots);
    add::<api::ContactTagsResult>(gen, roots);
    add::<api::LocationTagsResult>(gen, roots);
    add::<api::LocationTagResult>(gen, roots);
    add::<api::CustomFieldsResult>(gen, roots);
    add::<api::UsersQuery>(gen, roots);
    add::<api::UsersResult>(gen, roots);
    add::<api::SocialTagsQuery>(gen, roots);
    add::<api::StatisticsRequest>(gen, roots);
    add::<tags::TagsResponse>(gen, roots);
    add::<stats::AccountsResponse>(gen, roots);
    add::<stats::StatisticsResponse>(gen, roots);
    // flows, tags, statistics
    add::<flows::Event>(gen, roots);
    add::<flows::FlowConfig>(gen, roots);
    add::<flows::FlowsInit>(gen, roots);
    add::<flows::FlowPlan>(gen, roots);
    add::<flows::FlowOutcome>(gen, roots);
    add::<flows::Begin>(gen, roots);
    add::<rules::CompileContext>(gen, roots);
    add::<tags::Tag>(gen, roots);
    add::<tags::CatalogConfig>(gen, roots);
    add::<tags::Need>(gen, roots);
    add::<tags::Resolution>(gen, roots);
    add::<tags::DetailsOutcome>(gen, roots);
    add::<tags::EnrichOptions>(gen, roots);
    add::<tags::EnrichReport>(gen, roots);
    add::<tags::TagReference>(gen, roots);
    add::<tags::ReportOptions>(gen, roots);
    add::<tags::TagReport>(gen, roots);
    add::<tags::TagDiff>(gen, roots);
    add::<stats::StatsRequest>(gen, roots);
    add::<stats::ProfileSelection>(gen, roots);
    add::<stats::Series>(gen, roots);
    add::<stats::SeriesOptions>(gen, roots);
    add::<stats::HostPoint>(gen, roots);
    add::<stats::Schedule>(gen, roots);
    add::<outbox::Config>(gen, roots);
    add::<outbox::OutboxInit>(gen, roots);
    add::<outbox::Accepted>(gen, roots);
    add::<outbox::Drained>(gen, roots);
    add::<outbox::Record>(gen, roots);
    add::<outbox::BudgetRecord>(gen, roots);
    add::<outbox::StoreOp>(gen, roots);
    add::<outbox::DeadLetter>(gen, roots);
    add::<outbox::LogEntry>(gen, roots);
    add::<outbox::Counts>(gen, roots);
    add::<outbox::Stats>(gen, roots);
    add::<outbox::Retained>(gen, roots);
    add::<rules::RulesDocument>(gen, roots);
    add::<rules::Problem>(gen, roots);
    add::<rules::CompileContext>(gen, roots);
    add::<rules::ApplyOptions>(gen, roots);
    add::<rules::MappingResult>(gen, roots);
    add::<rules::SlotPlan>(gen, roots);
    // sources
    add::<sources::GhlWebhookConfig>(gen, roots);
    add::<sources::SignatureCheck>(gen, roots);
    add::<sources::SignatureVerdict>(gen, roots);
    add::<sources::GhlWebhookOutcome>(gen, roots);
    add::<sources::GhlWebhookEvent>(gen, roots);
    add::<sources::IntakeLogEntry>(gen, roots);
    add::<sources::SeenKey>(gen, roots);
    add::<sources::KnownTags>(gen, roots);
    add::<sources::KnownTagsOp>(gen, roots);
    add::<sources::GhlWebhookStep>(gen, roots);
    add::<sources::QwilrConfig>(gen, roots);
    add::<sources::QwilrNeed>(gen, roots);
    add::<sources::QwilrDelivery>(gen, roots);
    add::<sources::QwilrOutcome>(gen, roots);
    add::<sources::QwilrEvent>(gen, roots);
    add::<sources::QwilrSubscription>(gen, roots);
    add::<sources::SubscriptionOp>(gen, roots);
    add::<sources::WishpondPollerConfig>(gen, roots);
    add::<sources::WishpondCursor>(gen, roots);
    add::<sources::PollStep>(gen, roots);
    add::<sources::WishpondLeadEvent>(gen, roots);
    add::<sources::CaptureConfig>(gen, roots);
    add::<sources::CaptureOutcome>(gen, roots);
}

/// The rules document's own schema, for editors (`"$schema"` in a rules file) and the
/// widget's editor.
fn rules_schema() -> Value {
    let mut schema = schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<ghl_bridge::rules::RulesDocument>()
        .to_value();
    if let Some(o) = schema.as_object_mut() {
        o.insert(
            "title".into(),
            json!("ghl-bridge mapping rules (version 1)"),
        );
    }
    schema
}

/// The rules types whose "any JSON value" fields (`equals`, `in`, lookup values,
/// `field_value`, trace values) become `unknown` in TypeScript (json2ts would otherwise
/// read a schema without a type as an object).
const RULES_DEFS: &[&str] = &[
    "Condition",
    "Transform",
    "TransformDef",
    "Mapping",
    "MappingResult",
    "UpsertBody",
    "MappedCustomField",
    "TraceEntry",
];

/// Fields marked `x-always-sent` (`#[schemars(extend("x-always-sent" = true))]`): GHL
/// always sends them, so TypeScript gets them as required, while the Rust decoder stays
/// lenient (`#[serde(default)]`, which alone would make them optional).
fn always_sent_to_required(defs: &mut Map<String, Value>) {
    for def in defs.values_mut() {
        let Some(props) = def.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        let mut names = Vec::new();
        for (name, prop) in props.iter_mut() {
            if let Some(o) = prop.as_object_mut() {
                if o.remove("x-always-sent") == Some(Value::Bool(true)) {
                    names.push(name.clone());
                }
            }
        }
        if names.is_empty() {
            continue;
        }
        let required = def
            .as_object_mut()
            .expect("a schema with properties is an object")
            .entry("required")
            .or_insert_with(|| json!([]));
        if let Some(list) = required.as_array_mut() {
            for n in names {
                if !list.contains(&json!(n)) {
                    list.push(json!(n));
                }
            }
        }
    }
}

fn any_to_unknown(v: &mut Value) {
    match v {
        Value::Object(o) => {
            const TYPED: [&str; 10] = [
                "type",
                "$ref",
                "anyOf",
                "oneOf",
                "allOf",
                "enum",
                "const",
                "properties",
                "items",
                "not",
            ];
            let is_schema_any = !TYPED.iter().any(|k| o.contains_key(*k))
                && o.keys()
                    .all(|k| k == "description" || k == "default" || k == "title");
            if is_schema_any {
                o.insert("tsType".into(), json!("unknown"));
                return;
            }
            for (k, x) in o.iter_mut() {
                // Property maps hold schemas by name; recurse into each.
                if k == "properties" || k == "definitions" || k == "$defs" {
                    if let Value::Object(m) = x {
                        for p in m.values_mut() {
                            if *p == Value::Bool(true) {
                                *p = json!({ "tsType": "unknown" });
                            }
                            any_to_unknown(p);
                        }
                    }
                } else if k != "description" && k != "default" && k != "examples" {
                    any_to_unknown(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(any_to_unknown),
        _ => {}
    }
}

/// `names.ts`: the error codes (a value and its union type) and the operation names.
fn names_ts() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let codes = error_codes::all_codes(&root);
    let quoted = |items: &mut dyn Iterator<Item = String>, sep: &str| {
        items
            .map(|c| serde_json::to_string(&c).expect("a string is JSON"))
            .collect::<Vec<_>>()
            .join(sep)
    };
    let mut out = String::from(
        "// @generated by scripts/gen_schema.rs from the Rust error enums, the shim and the catalog.\n\n",
    );
    out.push_str(
        "/** Every `code` a `GhlBridgeError` can have: each Rust error enum's codes and the shim's own. */\n",
    );
    out.push_str(&format!(
        "export const ERROR_CODES = [\n  {},\n] as const;\n\n",
        quoted(&mut codes.into_iter(), ",\n  ")
    ));
    out.push_str("/** A `GhlBridgeError` code (see `ERROR_CODES`). */\n");
    out.push_str("export type ErrorCode = (typeof ERROR_CODES)[number];\n\n");
    out.push_str(&format!(
        "/** The qualified name (`service.operationId`) of each of the catalog's {} GHL operations. */\n",
        ghl_bridge::catalog::all().len()
    ));
    out.push_str(&format!(
        "export type OperationName =\n  | {};\n",
        quoted(
            &mut ghl_bridge::catalog::all().map(|op| op.name()),
            "\n  | "
        )
    ));
    out
}

fn main() {
    let out = PathBuf::from(env::args().nth(1).unwrap_or_else(|| "pkg".to_string()));
    let mut gen = SchemaGenerator::new(SchemaSettings::draft07());
    let mut roots = Map::new();
    exported(&mut gen, &mut roots);
    let mut defs: Map<String, Value> = gen.take_definitions(true).into_iter().collect();
    for name in RULES_DEFS {
        if let Some(d) = defs.get_mut(*name) {
            any_to_unknown(d);
        }
    }
    always_sent_to_required(&mut defs);
    let names: Vec<&String> = roots.keys().collect();
    let types = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "GhlBridgeTypes",
        "description": "Every data type that crosses between the ghl-bridge core and JavaScript.",
        "type": "object",
        "properties": roots,
        "required": names,
        "additionalProperties": false,
        "definitions": defs,
    });
    fs::create_dir_all(&out).expect("create the output folder");
    let text = serde_json::to_string_pretty(&types).expect("schema is JSON");
    fs::write(out.join("types.schema.json"), text).expect("write types.schema.json");
    let rules = serde_json::to_string_pretty(&rules_schema()).expect("schema is JSON");
    fs::write(out.join("rules.schema.json"), rules).expect("write rules.schema.json");
    fs::write(out.join("names.ts"), names_ts()).expect("write names.ts");
}
