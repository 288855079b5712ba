//! Validation of a rules document: every problem at once, each with the JSON Pointer of
//! the offending part, a stable code and a message a non-programmer understands.
//!
//! Invariant: a document without problems deserializes into
//! [`super::RulesDocument`] and compiles (with the same context).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::compile::CustomFieldDef;
use super::document::{ALL_TRANSFORMS, SIMPLE_TRANSFORMS, STANDARD_FIELDS};
use super::path::{parse_path, parse_template};
use super::{country, phone, Limits, HARD_MAX_DEPTH};

/// One problem in a rules document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Problem {
    /// JSON Pointer of the offending part (`""` for the whole document).
    pub pointer: String,
    /// Stable code, e.g. `UNKNOWN_TRANSFORM`.
    pub code: String,
    /// What is wrong and how to fix it, in plain words.
    pub message: String,
}

/// Validates a document without custom-field context and with default limits.
pub fn validate(doc: &Value) -> Vec<Problem> {
    validate_with(doc, None, &Limits::default())
}

/// Validates a document. With `custom_fields`, custom field keys and ids must exist.
pub fn validate_with(
    doc: &Value,
    custom_fields: Option<&[CustomFieldDef]>,
    limits: &Limits,
) -> Vec<Problem> {
    let mut ck = Ck {
        problems: Vec::new(),
        fields: custom_fields,
        limits,
        ids: HashMap::new(),
        rules: 0,
    };
    ck.document(doc);
    if ck.rules > limits.max_rules {
        ck.problems.push(Problem {
            pointer: String::new(),
            code: "TOO_MANY_RULES".into(),
            message: format!(
                "The document has {} rules; the limit 'maxRules' allows {}.",
                ck.rules, limits.max_rules
            ),
        });
    }
    ck.problems
}

struct Ck<'c> {
    problems: Vec<Problem>,
    fields: Option<&'c [CustomFieldDef]>,
    limits: &'c Limits,
    ids: HashMap<String, String>,
    rules: usize,
}

/// Edit distance (for "did you mean").
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(!ca.eq_ignore_ascii_case(cb));
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(crate) fn did_you_mean<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> String {
    let best = options
        .into_iter()
        .map(|o| (distance(word, o), o))
        .min_by_key(|x| x.0);
    match best {
        Some((d, o)) if d <= (word.chars().count() / 3).max(2) => format!(" Did you mean '{o}'?"),
        _ => String::new(),
    }
}

fn esc(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty (null)",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl<'c> Ck<'c> {
    fn add(&mut self, ptr: &str, rule: Option<&str>, code: &str, msg: String) {
        let message = match rule {
            Some(r) => format!("Rule '{r}' (at {ptr}): {msg}"),
            None if ptr.is_empty() => msg,
            None => format!("At {ptr}: {msg}"),
        };
        self.problems.push(Problem {
            pointer: ptr.to_string(),
            code: code.to_string(),
            message,
        });
    }

    /// Checks that `v` is an object with only `allowed` keys.
    fn obj<'v>(
        &mut self,
        v: &'v Value,
        ptr: &str,
        rule: Option<&str>,
        what: &str,
        allowed: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(m) = v.as_object() else {
            self.add(
                ptr,
                rule,
                "WRONG_TYPE",
                format!("{what} should be an object ({{...}}), not {}.", kind(v)),
            );
            return None;
        };
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) {
                let hint = did_you_mean(k, allowed.iter().copied());
                self.add(
                    &format!("{ptr}/{}", esc(k)),
                    rule,
                    "UNKNOWN_FIELD",
                    format!("'{k}' is not a setting of {what}.{hint}"),
                );
            }
        }
        Some(m)
    }

    fn string<'v>(
        &mut self,
        m: &'v Map<String, Value>,
        key: &str,
        ptr: &str,
        rule: Option<&str>,
        required: bool,
    ) -> Option<&'v str> {
        match m.get(key) {
            None if required => {
                self.add(ptr, rule, "MISSING_FIELD", format!("'{key}' is required."));
                None
            }
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(v) => {
                self.add(
                    &format!("{ptr}/{key}"),
                    rule,
                    "WRONG_TYPE",
                    format!("'{key}' should be a text, not {}.", kind(v)),
                );
                None
            }
        }
    }

    fn boolean(&mut self, m: &Map<String, Value>, key: &str, ptr: &str, rule: Option<&str>) {
        if let Some(v) = m.get(key) {
            if !v.is_boolean() {
                self.add(
                    &format!("{ptr}/{key}"),
                    rule,
                    "WRONG_TYPE",
                    format!("'{key}' should be true or false, not {}.", kind(v)),
                );
            }
        }
    }

    fn integer(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        ptr: &str,
        rule: Option<&str>,
        required: bool,
        min: i64,
    ) -> Option<i64> {
        match m.get(key) {
            None if required => {
                self.add(ptr, rule, "MISSING_FIELD", format!("'{key}' is required."));
                None
            }
            None => None,
            Some(v) => match v.as_i64() {
                Some(n) if n >= min => Some(n),
                Some(n) => {
                    self.add(
                        &format!("{ptr}/{key}"),
                        rule,
                        "BAD_VALUE",
                        format!("'{key}' must be at least {min}, not {n}."),
                    );
                    None
                }
                None => {
                    self.add(
                        &format!("{ptr}/{key}"),
                        rule,
                        "WRONG_TYPE",
                        format!("'{key}' should be a whole number, not {}.", kind(v)),
                    );
                    None
                }
            },
        }
    }

    fn array<'v>(
        &mut self,
        m: &'v Map<String, Value>,
        key: &str,
        ptr: &str,
        rule: Option<&str>,
    ) -> &'v [Value] {
        match m.get(key) {
            None => &[],
            Some(Value::Array(a)) => a,
            Some(v) => {
                self.add(
                    &format!("{ptr}/{key}"),
                    rule,
                    "WRONG_TYPE",
                    format!("'{key}' should be a list ([...]), not {}.", kind(v)),
                );
                &[]
            }
        }
    }

    fn path(&mut self, p: &str, ptr: &str, rule: Option<&str>) {
        if let Err(e) = parse_path(p) {
            self.add(
                ptr,
                rule,
                "BAD_PATH",
                format!("the path '{p}' is not valid: {e}."),
            );
        }
    }

    fn template(&mut self, t: &str, ptr: &str, rule: Option<&str>) {
        if let Err(e) = parse_template(t) {
            self.add(
                ptr,
                rule,
                "BAD_TEMPLATE",
                format!("the template '{t}' is not valid: {e}."),
            );
        }
    }

    fn regex(&mut self, pattern: &str, ptr: &str, rule: Option<&str>) -> Option<regex_lite::Regex> {
        if pattern.len() > self.limits.max_regex_len {
            self.add(
                ptr,
                rule,
                "REGEX_TOO_LONG",
                format!(
                    "the pattern is {} characters long; the limit 'maxRegexLen' allows {}.",
                    pattern.len(),
                    self.limits.max_regex_len
                ),
            );
            return None;
        }
        match build_regex(pattern, false) {
            Ok(r) => Some(r),
            Err(e) => {
                let first = e.lines().last().unwrap_or("").trim().to_string();
                self.add(
                    ptr,
                    rule,
                    "BAD_REGEX",
                    format!("the pattern '{pattern}' is not a valid regular expression ({first})."),
                );
                None
            }
        }
    }

    /// Registers a rule id; returns the display name.
    fn rule_id(&mut self, m: &Map<String, Value>, ptr: &str) -> String {
        match m.get("id") {
            Some(Value::String(id)) if !id.trim().is_empty() => {
                if let Some(first) = self.ids.get(id) {
                    let first = first.clone();
                    self.add(&format!("{ptr}/id"), None, "DUPLICATE_ID", format!(
                        "The rule id '{id}' is used twice (first at {first}); give each rule its own id."
                    ));
                } else {
                    self.ids.insert(id.clone(), ptr.to_string());
                }
                id.clone()
            }
            Some(v) => {
                self.add(
                    &format!("{ptr}/id"),
                    None,
                    "WRONG_TYPE",
                    format!("The rule id should be a non-empty text, not {}.", kind(v)),
                );
                ptr.trim_start_matches('/').to_string()
            }
            None => ptr.trim_start_matches('/').to_string(),
        }
    }

    fn document(&mut self, doc: &Value) {
        let Some(m) = self.obj(
            doc,
            "",
            None,
            "the rules document",
            &[
                "version", "name", "settings", "mappings", "tagRules", "scoring", "routes",
            ],
        ) else {
            return;
        };
        match m.get("version") {
            None => self.add(
                "",
                None,
                "MISSING_FIELD",
                "The document needs \"version\": 1.".into(),
            ),
            Some(v) if v.as_u64() == Some(1) => {}
            Some(v) => self.add(
                "/version",
                None,
                "UNSUPPORTED_VERSION",
                format!("Version {v} is not supported; this engine reads version 1."),
            ),
        }
        self.string(m, "name", "", None, false);
        if let Some(s) = m.get("settings") {
            self.settings(s);
        }
        self.rule_set(m, "");
        for (i, r) in self.array(m, "routes", "", None).iter().enumerate() {
            let ptr = format!("/routes/{i}");
            self.rules += 1;
            let Some(rm) = self.obj(
                r,
                &ptr,
                None,
                "a route",
                &["id", "when", "mappings", "tagRules", "scoring"],
            ) else {
                continue;
            };
            if !rm.contains_key("id") {
                self.add(
                    &ptr,
                    None,
                    "MISSING_FIELD",
                    "A route needs an 'id' (its name, reported as the rule set used).".into(),
                );
            }
            let id = self.rule_id(rm, &ptr);
            match rm.get("when") {
                Some(w) => self.condition(w, &format!("{ptr}/when"), Some(&id), 0),
                None => self.add(
                    &ptr,
                    Some(&id),
                    "MISSING_FIELD",
                    "a route needs a 'when' condition saying which records it is for.".into(),
                ),
            }
            self.rule_set(rm, &ptr);
        }
    }

    fn settings(&mut self, s: &Value) {
        let Some(m) = self.obj(
            s,
            "/settings",
            None,
            "the settings",
            &["defaultCountry", "lowercaseTags", "maxTagLength"],
        ) else {
            return;
        };
        if let Some(c) = self.string(m, "defaultCountry", "/settings", None, false) {
            self.phone_country(c, "/settings/defaultCountry", None);
        }
        self.boolean(m, "lowercaseTags", "/settings", None);
        if let Some(n) = self.integer(m, "maxTagLength", "/settings", None, false, 1) {
            if n > 1000 {
                self.add(
                    "/settings/maxTagLength",
                    None,
                    "BAD_VALUE",
                    format!("'maxTagLength' can be at most 1000, not {n}."),
                );
            }
        }
    }

    fn phone_country(&mut self, c: &str, ptr: &str, rule: Option<&str>) {
        if !country::is_iso2(c) {
            let hint = country::to_iso2(c)
                .map(|x| format!(" Did you mean '{x}'?"))
                .unwrap_or_default();
            self.add(
                ptr,
                rule,
                "UNKNOWN_COUNTRY",
                format!("'{c}' is not a two-letter country code like 'US' or 'GB'.{hint}"),
            );
        } else if !phone::supports_country(c) {
            self.add(ptr, rule, "UNSUPPORTED_COUNTRY", format!("Phone numbers of '{c}' cannot be read without their country code yet; choose another default country."));
        }
    }

    fn rule_set(&mut self, m: &Map<String, Value>, base: &str) {
        for (i, v) in self.array(m, "mappings", base, None).iter().enumerate() {
            self.mapping(v, &format!("{base}/mappings/{i}"));
        }
        for (i, v) in self.array(m, "tagRules", base, None).iter().enumerate() {
            self.tag_rule(v, &format!("{base}/tagRules/{i}"));
        }
        if let Some(s) = m.get("scoring") {
            self.scoring(s, &format!("{base}/scoring"));
        }
    }

    fn mapping(&mut self, v: &Value, ptr: &str) {
        self.rules += 1;
        let Some(m) = self.obj(
            v,
            ptr,
            None,
            "a mapping",
            &["id", "from", "template", "to", "transforms", "when"],
        ) else {
            return;
        };
        let id = self.rule_id(m, ptr);
        let rule = Some(id.as_str());
        let from = self.string(m, "from", ptr, rule, false);
        let tpl = self.string(m, "template", ptr, rule, false);
        match (m.contains_key("from"), m.contains_key("template")) {
            (false, false) => self.add(ptr, rule, "MISSING_FIELD", "say where the value comes from with 'from' (a path such as 'lead.email') or 'template'.".into()),
            (true, true) => self.add(ptr, rule, "CONFLICT", "use either 'from' or 'template', not both.".into()),
            _ => {}
        }
        if let Some(f) = from {
            self.path(f, &format!("{ptr}/from"), rule);
        }
        if let Some(t) = tpl {
            self.template(t, &format!("{ptr}/template"), rule);
        }
        match m.get("to") {
            None => self.add(
                ptr,
                rule,
                "MISSING_FIELD",
                "say which GHL field to fill with 'to' (e.g. \"email\").".into(),
            ),
            Some(t) => self.target(t, &format!("{ptr}/to"), rule, true),
        }
        for (i, t) in self.array(m, "transforms", ptr, rule).iter().enumerate() {
            self.transform(t, &format!("{ptr}/transforms/{i}"), rule);
        }
        if let Some(w) = m.get("when") {
            self.condition(w, &format!("{ptr}/when"), rule, 0);
        }
    }

    fn target(&mut self, t: &Value, ptr: &str, rule: Option<&str>, allow_tags: bool) {
        match t {
            Value::String(s) => {
                if !(STANDARD_FIELDS.contains(&s.as_str()) || (allow_tags && s == "tags")) {
                    let opts = STANDARD_FIELDS.iter().copied().chain(allow_tags.then_some("tags"));
                    let hint = did_you_mean(s, opts);
                    self.add(ptr, rule, "UNKNOWN_TARGET", format!(
                        "'{s}' is not a GHL contact field.{hint} For a custom field write {{\"customField\": \"contact.your_key\"}}."
                    ));
                }
            }
            Value::Object(_) => {
                let Some(m) = self.obj(t, ptr, rule, "a custom field target", &["customField", "customFieldId"]) else { return };
                let key = self.string(m, "customField", ptr, rule, false);
                let id = self.string(m, "customFieldId", ptr, rule, false);
                match (m.contains_key("customField"), m.contains_key("customFieldId")) {
                    (false, false) => self.add(ptr, rule, "MISSING_FIELD", "name the custom field with 'customField' (its key) or 'customFieldId'.".into()),
                    (true, true) => self.add(ptr, rule, "CONFLICT", "use either 'customField' or 'customFieldId', not both.".into()),
                    _ => {}
                }
                if let Some(fields) = self.fields {
                    if let Some(k) = key {
                        if resolve_key(fields, k).is_none() {
                            let hint = did_you_mean(k, fields.iter().map(|f| f.key.as_str()));
                            self.add(&format!("{ptr}/customField"), rule, "UNKNOWN_CUSTOM_FIELD", format!(
                                "this location has no custom field with the key '{k}'.{hint}"
                            ));
                        }
                    }
                    if let Some(i) = id {
                        if !fields.iter().any(|f| f.id == i) {
                            self.add(&format!("{ptr}/customFieldId"), rule, "UNKNOWN_CUSTOM_FIELD", format!("this location has no custom field with the id '{i}'."));
                        }
                    }
                }
                for (k, v) in [("customField", key), ("customFieldId", id)] {
                    if v.is_some_and(|s| s.trim().is_empty()) {
                        self.add(&format!("{ptr}/{k}"), rule, "BAD_VALUE", format!("'{k}' must not be empty."));
                    }
                }
            }
            other => self.add(ptr, rule, "WRONG_TYPE", format!(
                "the target should be a field name like \"email\" or {{\"customField\": \"contact.key\"}}, not {}.", kind(other)
            )),
        }
    }

    fn transform(&mut self, t: &Value, ptr: &str, rule: Option<&str>) {
        let op = match t {
            Value::String(s) => {
                if !SIMPLE_TRANSFORMS.contains(&s.as_str()) {
                    if ALL_TRANSFORMS.contains(&s.as_str()) {
                        self.add(
                            ptr,
                            rule,
                            "MISSING_FIELD",
                            format!("'{s}' needs settings: write it as {{\"op\": \"{s}\", ...}}."),
                        );
                    } else {
                        let hint = did_you_mean(
                            s,
                            SIMPLE_TRANSFORMS
                                .iter()
                                .chain(ALL_TRANSFORMS.iter())
                                .copied(),
                        );
                        self.add(
                            ptr,
                            rule,
                            "UNKNOWN_TRANSFORM",
                            format!("'{s}' is not a transform.{hint}"),
                        );
                    }
                }
                return;
            }
            Value::Object(m) => match m.get("op") {
                Some(Value::String(op)) => op.clone(),
                Some(v) => {
                    self.add(
                        &format!("{ptr}/op"),
                        rule,
                        "WRONG_TYPE",
                        format!("'op' should be the transform's name, not {}.", kind(v)),
                    );
                    return;
                }
                None => {
                    self.add(
                        ptr,
                        rule,
                        "MISSING_FIELD",
                        "a transform needs 'op', its name (e.g. \"trim\").".into(),
                    );
                    return;
                }
            },
            other => {
                self.add(ptr, rule, "WRONG_TYPE", format!("a transform should be a name like \"trim\" or an object with 'op', not {}.", kind(other)));
                return;
            }
        };
        let params: &[&str] = match op.as_str() {
            "trim" | "lowercase" | "uppercase" | "titleCase" | "number" | "boolean" | "email"
            | "country" => &[],
            "splitName" => &["part"],
            "join" => &["separator"],
            "default" => &["value"],
            "lookup" => &["table", "default", "caseSensitive"],
            "date" => &["dayFirst"],
            "phone" => &["country"],
            "regexExtract" => &["pattern", "group"],
            "regexReplace" => &["pattern", "replacement"],
            "truncate" => &["length"],
            _ => {
                let hint = did_you_mean(&op, ALL_TRANSFORMS.iter().copied());
                self.add(
                    &format!("{ptr}/op"),
                    rule,
                    "UNKNOWN_TRANSFORM",
                    format!("'{op}' is not a transform.{hint}"),
                );
                return;
            }
        };
        let mut allowed = vec!["op"];
        allowed.extend_from_slice(params);
        let what = format!("the '{op}' transform");
        let Some(m) = self.obj(t, ptr, rule, &what, &allowed) else {
            return;
        };
        match op.as_str() {
            "splitName" => match self.string(m, "part", ptr, rule, true) {
                Some("first" | "last") | None => {}
                Some(p) => self.add(
                    &format!("{ptr}/part"),
                    rule,
                    "BAD_VALUE",
                    format!("'part' must be \"first\" or \"last\", not '{p}'."),
                ),
            },
            "join" => {
                self.string(m, "separator", ptr, rule, false);
            }
            "default" => {
                if !m.contains_key("value") {
                    self.add(
                        ptr,
                        rule,
                        "MISSING_FIELD",
                        "'value' is required: the value to use when there is none.".into(),
                    );
                }
            }
            "lookup" => {
                match m.get("table") {
                    None => self.add(ptr, rule, "MISSING_FIELD", "'table' is required: pairs of \"value in the record\": \"value to write\".".into()),
                    Some(Value::Object(_)) => {}
                    Some(v) => self.add(&format!("{ptr}/table"), rule, "WRONG_TYPE", format!("'table' should be an object, not {}.", kind(v))),
                }
                self.boolean(m, "caseSensitive", ptr, rule);
            }
            "date" => self.boolean(m, "dayFirst", ptr, rule),
            "phone" => {
                if let Some(c) = self.string(m, "country", ptr, rule, false) {
                    self.phone_country(c, &format!("{ptr}/country"), rule);
                }
            }
            "regexExtract" => {
                let re = self
                    .string(m, "pattern", ptr, rule, true)
                    .and_then(|p| self.regex(p, &format!("{ptr}/pattern"), rule));
                if let (Some(g), Some(re)) = (self.integer(m, "group", ptr, rule, false, 0), re) {
                    if g as usize >= re.captures_len() {
                        self.add(
                            &format!("{ptr}/group"),
                            rule,
                            "BAD_VALUE",
                            format!(
                                "the pattern has {} group(s), so 'group' {g} does not exist.",
                                re.captures_len() - 1
                            ),
                        );
                    }
                }
            }
            "regexReplace" => {
                if let Some(p) = self.string(m, "pattern", ptr, rule, true) {
                    self.regex(p, &format!("{ptr}/pattern"), rule);
                }
                self.string(m, "replacement", ptr, rule, true);
            }
            "truncate" => {
                self.integer(m, "length", ptr, rule, true, 1);
            }
            _ => {}
        }
    }

    fn condition(&mut self, c: &Value, ptr: &str, rule: Option<&str>, depth: usize) {
        const LEAF: [&str; 12] = [
            "equals",
            "in",
            "contains",
            "startsWith",
            "endsWith",
            "matches",
            "exists",
            "blank",
            "gt",
            "gte",
            "lt",
            "lte",
        ];
        const ALL: [&str; 17] = [
            "path",
            "equals",
            "in",
            "contains",
            "startsWith",
            "endsWith",
            "matches",
            "exists",
            "blank",
            "gt",
            "gte",
            "lt",
            "lte",
            "caseSensitive",
            "all",
            "any",
            "not",
        ];
        if depth >= self.limits.max_depth.min(HARD_MAX_DEPTH) {
            self.add(
                ptr,
                rule,
                "TOO_DEEP",
                format!(
                    "conditions are nested more than {} levels deep (the limit 'maxDepth').",
                    self.limits.max_depth
                ),
            );
            return;
        }
        let Some(m) = self.obj(c, ptr, rule, "a condition", &ALL) else {
            return;
        };
        let ops: Vec<&str> = ALL
            .iter()
            .copied()
            .filter(|k| {
                m.contains_key(*k) && (LEAF.contains(k) || ["all", "any", "not"].contains(k))
            })
            .collect();
        if ops.is_empty() {
            self.add(ptr, rule, "BAD_CONDITION", "the condition has no test: use one of equals, in, contains, startsWith, endsWith, matches, exists, blank, gt, gte, lt, lte, or combine conditions with all, any, not.".into());
            return;
        }
        if ops.len() > 1 {
            self.add(ptr, rule, "BAD_CONDITION", format!(
                "a condition makes one test, but this one has {}; combine several with 'all' or 'any'.", ops.join(", ")
            ));
            return;
        }
        let op = ops[0];
        self.boolean(m, "caseSensitive", ptr, rule);
        if ["all", "any", "not"].contains(&op) {
            if m.contains_key("path") {
                self.add(
                    &format!("{ptr}/path"),
                    rule,
                    "BAD_CONDITION",
                    format!("'{op}' combines conditions; put 'path' inside each of them."),
                );
            }
            if op == "not" {
                if let Some(inner) = m.get("not") {
                    self.condition(inner, &format!("{ptr}/not"), rule, depth + 1);
                }
            } else {
                let list = self.array(m, op, ptr, rule);
                if list.is_empty() && m.get(op).is_some_and(|v| v.is_array()) {
                    self.add(
                        &format!("{ptr}/{op}"),
                        rule,
                        "BAD_CONDITION",
                        format!("'{op}' needs at least one condition."),
                    );
                }
                for (i, c) in list.iter().enumerate() {
                    self.condition(c, &format!("{ptr}/{op}/{i}"), rule, depth + 1);
                }
            }
            return;
        }
        match self.string(m, "path", ptr, rule, false) {
            Some(p) => self.path(p, &format!("{ptr}/path"), rule),
            None if !m.contains_key("path") => self.add(
                ptr,
                rule,
                "MISSING_FIELD",
                format!("'{op}' needs 'path': which value of the record to test."),
            ),
            None => {}
        }
        let vptr = format!("{ptr}/{op}");
        let Some(v) = m.get(op) else { return };
        match op {
            "equals" => {
                if v.is_object() || v.is_array() {
                    self.add(&vptr, rule, "WRONG_TYPE", format!("'equals' compares with a text, number or true/false, not {}; use 'in' for several values.", kind(v)));
                }
            }
            "in" => match v.as_array() {
                Some(a) => {
                    for (i, x) in a.iter().enumerate() {
                        if x.is_object() || x.is_array() {
                            self.add(
                                &format!("{vptr}/{i}"),
                                rule,
                                "WRONG_TYPE",
                                format!(
                                    "values of 'in' are texts, numbers or true/false, not {}.",
                                    kind(x)
                                ),
                            );
                        }
                    }
                }
                None => self.add(
                    &vptr,
                    rule,
                    "WRONG_TYPE",
                    format!("'in' should be a list of values, not {}.", kind(v)),
                ),
            },
            "contains" | "startsWith" | "endsWith" | "matches" => match v.as_str() {
                Some(s) if op == "matches" => {
                    self.regex(s, &vptr, rule);
                }
                Some(_) => {}
                None => self.add(
                    &vptr,
                    rule,
                    "WRONG_TYPE",
                    format!("'{op}' should be a text, not {}.", kind(v)),
                ),
            },
            "exists" | "blank" => {
                if !v.is_boolean() {
                    self.add(
                        &vptr,
                        rule,
                        "WRONG_TYPE",
                        format!("'{op}' should be true or false, not {}.", kind(v)),
                    );
                }
            }
            _ => {
                if !v.is_number() {
                    self.add(
                        &vptr,
                        rule,
                        "WRONG_TYPE",
                        format!("'{op}' should be a number, not {}.", kind(v)),
                    );
                }
            }
        }
    }

    fn tag_list(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        ptr: &str,
        rule: Option<&str>,
    ) -> usize {
        let list = self.array(m, key, ptr, rule);
        for (i, t) in list.iter().enumerate() {
            let tptr = format!("{ptr}/{key}/{i}");
            match t.as_str() {
                Some(s) if s.trim().is_empty() => {
                    self.add(&tptr, rule, "BAD_VALUE", "a tag must not be empty.".into())
                }
                Some(s) => self.template(s, &tptr, rule),
                None => self.add(
                    &tptr,
                    rule,
                    "WRONG_TYPE",
                    format!("a tag should be a text, not {}.", kind(t)),
                ),
            }
        }
        list.len()
    }

    fn tag_rule(&mut self, v: &Value, ptr: &str) {
        self.rules += 1;
        let Some(m) = self.obj(v, ptr, None, "a tag rule", &["id", "when", "add", "remove"]) else {
            return;
        };
        let id = self.rule_id(m, ptr);
        let rule = Some(id.as_str());
        let n = self.tag_list(m, "add", ptr, rule) + self.tag_list(m, "remove", ptr, rule);
        if n == 0
            && !m.get("add").is_some_and(|v| !v.is_array())
            && !m.get("remove").is_some_and(|v| !v.is_array())
        {
            self.add(
                ptr,
                rule,
                "MISSING_FIELD",
                "a tag rule needs tags to 'add' or 'remove'.".into(),
            );
        }
        if let Some(w) = m.get("when") {
            self.condition(w, &format!("{ptr}/when"), rule, 0);
        }
    }

    fn scoring(&mut self, v: &Value, ptr: &str) {
        let Some(m) = self.obj(
            v,
            ptr,
            None,
            "the scoring",
            &["base", "rules", "min", "max", "thresholds", "writeTo"],
        ) else {
            return;
        };
        if let Some(b) = self.string(m, "base", ptr, None, false) {
            self.path(b, &format!("{ptr}/base"), None);
        }
        for (i, r) in self.array(m, "rules", ptr, None).iter().enumerate() {
            let rptr = format!("{ptr}/rules/{i}");
            self.rules += 1;
            let Some(rm) = self.obj(
                r,
                &rptr,
                None,
                "a score rule",
                &["id", "when", "points", "per", "cap"],
            ) else {
                continue;
            };
            let id = self.rule_id(rm, &rptr);
            let rule = Some(id.as_str());
            self.integer(rm, "points", &rptr, rule, true, -1_000_000_000);
            if let Some(p) = self.string(rm, "per", &rptr, rule, false) {
                self.path(p, &format!("{rptr}/per"), rule);
            }
            self.integer(rm, "cap", &rptr, rule, false, 0);
            if let Some(w) = rm.get("when") {
                self.condition(w, &format!("{rptr}/when"), rule, 0);
            }
        }
        let min = self.integer(m, "min", ptr, None, false, i64::MIN);
        let max = self.integer(m, "max", ptr, None, false, i64::MIN);
        if let (Some(a), Some(b)) = (min, max) {
            if a > b {
                self.add(
                    &format!("{ptr}/max"),
                    None,
                    "BAD_VALUE",
                    format!("the highest score ({b}) is below the lowest ({a})."),
                );
            }
        }
        let mut last: Option<i64> = None;
        for (i, t) in self.array(m, "thresholds", ptr, None).iter().enumerate() {
            let tptr = format!("{ptr}/thresholds/{i}");
            let Some(tm) = self.obj(t, &tptr, None, "a threshold", &["at", "tags"]) else {
                continue;
            };
            if let Some(at) = self.integer(tm, "at", &tptr, None, true, i64::MIN) {
                if let Some(prev) = last {
                    if at <= prev {
                        self.add(&format!("{tptr}/at"), None, "THRESHOLDS_OUT_OF_ORDER", format!(
                            "thresholds must go up: {at} comes after {prev}. Sort them from the lowest score to the highest."
                        ));
                    }
                }
                last = Some(at);
            }
            if !tm.contains_key("tags") {
                self.add(
                    &tptr,
                    None,
                    "MISSING_FIELD",
                    "a threshold needs 'tags' (the tags it adds).".into(),
                );
            }
            self.tag_list(tm, "tags", &tptr, None);
        }
        if let Some(t) = m.get("writeTo") {
            self.target(t, &format!("{ptr}/writeTo"), None, false);
        }
    }
}

/// Builds a regex (size-capped, linear time).
pub(crate) fn build_regex(
    pattern: &str,
    case_insensitive: bool,
) -> Result<regex_lite::Regex, String> {
    regex_lite::RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .size_limit(1 << 20)
        .nest_limit(64)
        .build()
        .map_err(|e| e.to_string())
}

/// Finds a custom field by key (`contact.` prefix optional).
pub(crate) fn resolve_key<'f>(
    fields: &'f [CustomFieldDef],
    key: &str,
) -> Option<&'f CustomFieldDef> {
    let bare = key.strip_prefix("contact.").unwrap_or(key);
    fields
        .iter()
        .find(|f| f.key == key || f.key.strip_prefix("contact.").unwrap_or(&f.key) == bare)
}
