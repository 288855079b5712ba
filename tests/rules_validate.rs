//! Validation: all problems at once, with pointers and plain-language messages.

use ghl_bridge::rules::{compile, validate, validate_with, CompileContext, Limits, RulesError};
use serde_json::json;

fn codes(doc: serde_json::Value) -> Vec<(String, String)> {
    validate(&doc)
        .into_iter()
        .map(|p| (p.pointer, p.code))
        .collect()
}

#[test]
fn reports_every_problem_with_pointer_and_suggestion() {
    let doc = json!({
        "version": 1,
        "mappigns": [],
        "mappings": [
            {"id": "email", "from": "lead.email", "to": "email", "transforms": ["trim", "lowercas"]},
            {"id": "email", "from": "lead..x", "to": "emial"},
            {"from": "a", "to": {"customField": "contact.x", "customFieldId": "y"}, "transforms": [{"op": "regexReplace", "pattern": "(", "replacement": ""}]},
            {"to": "city", "transforms": [{"op": "truncate", "length": 0}, {"op": "splitName", "part": "middle"}, 5]}
        ],
        "tagRules": [{"when": {"path": "x", "equals": 1, "contains": "a"}, "add": ["ok", ""]}],
        "scoring": {"rules": [{"points": 1.5}], "thresholds": [{"at": 50, "tags": ["hot"]}, {"at": 20, "tags": ["warm"]}], "min": 10, "max": 5}
    });
    let problems = validate(&doc);
    let got: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p.pointer.as_str(), p.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/mappigns", "UNKNOWN_FIELD"),
            ("/mappings/0/transforms/1", "UNKNOWN_TRANSFORM"),
            ("/mappings/1/id", "DUPLICATE_ID"),
            ("/mappings/1/from", "BAD_PATH"),
            ("/mappings/1/to", "UNKNOWN_TARGET"),
            ("/mappings/2/to", "CONFLICT"),
            ("/mappings/2/transforms/0/pattern", "BAD_REGEX"),
            ("/mappings/3", "MISSING_FIELD"),
            ("/mappings/3/transforms/0/length", "BAD_VALUE"),
            ("/mappings/3/transforms/1/part", "BAD_VALUE"),
            ("/mappings/3/transforms/2", "WRONG_TYPE"),
            ("/tagRules/0/add/1", "BAD_VALUE"),
            ("/tagRules/0/when", "BAD_CONDITION"),
            ("/scoring/rules/0/points", "WRONG_TYPE"),
            ("/scoring/max", "BAD_VALUE"),
            ("/scoring/thresholds/1/at", "THRESHOLDS_OUT_OF_ORDER"),
        ]
    );
    assert_eq!(
        problems[1].message,
        "Rule 'email' (at /mappings/0/transforms/1): 'lowercas' is not a transform. Did you mean 'lowercase'?"
    );
    assert!(
        problems[0].message.contains("Did you mean 'mappings'?"),
        "{}",
        problems[0].message
    );
    assert!(problems[4].message.contains("Did you mean 'email'?"));
    // compile refuses with the same list.
    match compile(&doc, &CompileContext::default()) {
        Err(RulesError::Invalid { problems: p }) => assert_eq!(p, problems),
        other => panic!("{other:?}"),
    }
}

#[test]
fn version_and_shape() {
    assert_eq!(
        codes(json!({"version": 2})),
        vec![("/version".into(), "UNSUPPORTED_VERSION".into())]
    );
    assert_eq!(codes(json!({})), vec![("".into(), "MISSING_FIELD".into())]);
    assert_eq!(codes(json!([])), vec![("".into(), "WRONG_TYPE".into())]);
    assert_eq!(
        codes(json!({"version": 1, "settings": {"defaultCountry": "Germany"}})),
        vec![("/settings/defaultCountry".into(), "UNKNOWN_COUNTRY".into())]
    );
    assert_eq!(
        codes(json!({"version": 1, "routes": [{"id": "r"}]})),
        vec![("/routes/0".into(), "MISSING_FIELD".into())]
    );
}

#[test]
fn limits_are_problems() {
    let many: Vec<_> = (0..20)
        .map(|i| json!({"from": format!("f{i}"), "to": "city"}))
        .collect();
    let doc = json!({"version": 1, "mappings": many});
    let limits = Limits {
        max_rules: 10,
        ..Limits::default()
    };
    let p = validate_with(&doc, None, &limits);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].code, "TOO_MANY_RULES");
    let mut cond = json!({"path": "a", "exists": true});
    for _ in 0..100 {
        cond = json!({"not": cond});
    }
    let p = validate(&json!({"version": 1, "tagRules": [{"when": cond, "add": ["x"]}]}));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].code, "TOO_DEEP");
    let long = "a".repeat(2000);
    let p = validate(
        &json!({"version": 1, "mappings": [{"from": "x", "to": "city", "transforms": [{"op": "regexExtract", "pattern": long}]}]}),
    );
    assert_eq!(p[0].code, "REGEX_TOO_LONG");
}

#[test]
fn regex_group_must_exist() {
    let p = validate(
        &json!({"version": 1, "mappings": [{"from": "x", "to": "city", "transforms": [{"op": "regexExtract", "pattern": "(a)(b)", "group": 3}]}]}),
    );
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].pointer, "/mappings/0/transforms/0/group");
    assert!(p[0].message.contains("2 group(s)"));
}

#[test]
fn transform_problems_name_the_transform_and_the_fix() {
    let p = validate(
        &json!({"version": 1, "routes": [{"id": "r", "when": {"path": "a", "exists": true}, "mappings": [
        {"id": "m", "from": "a", "to": "city", "transforms": [
            "splitName", {"op": "firstName"}, {"op": "trim", "x": 1}, {"op": "lookup"}, {"op": 3}, {"op": "phone", "country": "XX"}
        ]}]}]}),
    );
    let got: Vec<(&str, &str, &str)> = p
        .iter()
        .map(|p| (p.pointer.as_str(), p.code.as_str(), p.message.as_str()))
        .collect();
    let at = "/routes/0/mappings/0/transforms";
    assert_eq!(
        got,
        vec![
            (&*format!("{at}/0"), "MISSING_FIELD", &*format!("Rule 'm' (at {at}/0): 'splitName' needs settings: write it as {{\"op\": \"splitName\", ...}}.")),
            (&*format!("{at}/1/op"), "UNKNOWN_TRANSFORM", &*format!("Rule 'm' (at {at}/1/op): 'firstName' is a shorthand written alone, as \"firstName\", not as an 'op'.")),
            (&*format!("{at}/2/x"), "UNKNOWN_FIELD", &*format!("Rule 'm' (at {at}/2/x): 'x' is not a setting of the 'trim' transform.")),
            (&*format!("{at}/3"), "MISSING_FIELD", &*format!("Rule 'm' (at {at}/3): 'table' is required: pairs of \"value in the record\": \"value to write\".")),
            (&*format!("{at}/4/op"), "WRONG_TYPE", &*format!("Rule 'm' (at {at}/4/op): 'op' should be the transform's name, not a number.")),
            (&*format!("{at}/5/country"), "UNKNOWN_COUNTRY", &*format!("Rule 'm' (at {at}/5/country): 'XX' is not a two-letter country code like 'US' or 'GB'.")),
        ]
    );
}
