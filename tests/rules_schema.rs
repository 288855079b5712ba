//! The JSON Schema of the rules document (feature `schema`): it generates, names the
//! document's parts, and the presets round-trip through the types.
#![cfg(feature = "schema")]

use ghl_bridge::rules::{presets, validate, MappingResult, RulesDocument};

#[test]
fn schema_generates_and_presets_round_trip() {
    let schema = serde_json::to_value(schemars::schema_for!(RulesDocument)).unwrap();
    let text = schema.to_string();
    for part in [
        "mappings",
        "tagRules",
        "scoring",
        "routes",
        "customField",
        "regexReplace",
        "startsWith",
    ] {
        assert!(text.contains(part), "schema lacks {part}");
    }
    assert_eq!(schema["properties"]["version"]["type"], "integer");
    let result = serde_json::to_value(schemars::schema_for!(MappingResult)).unwrap();
    assert!(result.to_string().contains("tagsToAdd"));
    for (name, doc) in presets::all() {
        assert!(validate(&doc).is_empty(), "{name}");
        let typed: RulesDocument = serde_json::from_value(doc.clone()).unwrap();
        let back = serde_json::to_value(&typed).unwrap();
        // Equal up to number spelling (`5000` reads back as `5000.0` in f64 fields).
        assert_eq!(
            back.to_string().replace(".0,", ",").replace(".0}", "}"),
            doc.to_string(),
            "{name}"
        );
        assert!(validate(&back).is_empty());
        let again: RulesDocument = serde_json::from_value(back).unwrap();
        assert_eq!(again, typed, "{name} does not round-trip");
    }
}
