//! Compiling a rules document: one walk over the JSON that checks each part against
//! the grammar (the typed document, [`crate::RulesDocument`]), reads it into its
//! typed form and compiles it into the plan the engine runs, accumulating every problem
//! on the way with its JSON Pointer and a plain-language message.
//!
//! Invariant, by construction: [`validate_with`] is [`compile`] keeping only the
//! problems, so a document compiles exactly when it has no problem (with the same
//! context and limits). A part with a problem is never compiled (its parent is not
//! either), and a failed part always leaves a problem.

mod checks;
mod transforms;

use crate::codec::{FromJson, ToJson};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::engine::conditions::{CmpOp, Cond, Op};
use crate::engine::limits::{Limits, HARD_MAX_DEPTH};
use crate::engine::path::{parse_path, parse_template, Piece, Trie};
use crate::engine::plan::{
    CMapping, CRoute, CScoreRule, CScoring, CTag, CTagRule, CTarget, CustomOut, Part, Program,
    RuleSet, Source,
};
use crate::engine::tags::normalise;
use crate::engine::text::{country, phone};
use crate::engine::transforms::CTransform;
use crate::engine::value::Val;
use crate::grammar::did_you_mean;
use crate::grammar::document::*;
use crate::{CompiledRules, Problem, RulesError};

use checks::kind;

/// A custom field of the location (from `GET /locations/{id}/customFields`).
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldDef {
    /// Field id.
    pub id: String,
    /// Field key, e.g. `contact.utm_source`.
    #[serde(alias = "fieldKey")]
    pub key: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// GHL data type (`TEXT`, `NUMERICAL`, ...).
    #[serde(default)]
    pub data_type: String,
}

/// What compiling needs besides the document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct CompileContext {
    /// The location's custom fields. With them, keys resolve to ids and unknown keys are
    /// problems; without (`None`), keys are written unresolved as `key`.
    pub custom_fields: Option<Vec<CustomFieldDef>>,
    /// Limits.
    pub limits: Limits,
}

/// Validates and compiles a document. Fails with [`RulesError::Invalid`] listing every
/// problem.
pub fn compile(doc: &Value, ctx: &CompileContext) -> Result<CompiledRules, RulesError> {
    run(doc, ctx.custom_fields.as_deref(), &ctx.limits)
        .map_err(|problems| RulesError::Invalid { problems })
}

/// Every problem of a document, without custom-field context and with default limits.
pub fn validate(doc: &Value) -> Vec<Problem> {
    validate_with(doc, None, &Limits::default())
}

/// Every problem of a document: [`compile`] keeping only the problems. With
/// `custom_fields`, custom field keys and ids must exist.
pub fn validate_with(
    doc: &Value,
    custom_fields: Option<&[CustomFieldDef]>,
    limits: &Limits,
) -> Vec<Problem> {
    run(doc, custom_fields, limits).err().unwrap_or_default()
}

fn run(
    doc: &Value,
    fields: Option<&[CustomFieldDef]>,
    limits: &Limits,
) -> Result<CompiledRules, Vec<Problem>> {
    let mut c = Compiler {
        problems: Vec::new(),
        fields,
        limits,
        ids: HashMap::new(),
        rules: 0,
        trie: Trie::default(),
        customs: Vec::new(),
        tag_shape: (true, 64),
    };
    let compiled = c.document(doc);
    if c.rules > limits.max_rules {
        c.problems.push(Problem {
            pointer: String::new(),
            code: "TOO_MANY_RULES".into(),
            message: format!(
                "The document has {} rules; the limit 'maxRules' allows {}.",
                c.rules, limits.max_rules
            ),
        });
    }
    match compiled {
        Some(plan) if c.problems.is_empty() => Ok(plan),
        // A part that failed always says why; this keeps "no problem, compiled" exact.
        _ if c.problems.is_empty() => Err(vec![Problem {
            pointer: String::new(),
            code: "INVALID_DOCUMENT".into(),
            message: "The document could not be compiled.".into(),
        }]),
        _ => Err(c.problems),
    }
}

/// The compiler: the problems found so far and the plan being built.
pub(super) struct Compiler<'c> {
    problems: Vec<Problem>,
    fields: Option<&'c [CustomFieldDef]>,
    limits: &'c Limits,
    /// Rule ids seen, with the pointer of their first use.
    ids: HashMap<String, String>,
    rules: usize,
    trie: Trie,
    customs: Vec<CustomOut>,
    /// `(lowercase, max length)` of tags, from the settings.
    tag_shape: (bool, usize),
}

/// Keys of each part of the document (the fields of its type, as written in JSON).
const DOCUMENT_KEYS: &[&str] = &[
    "version", "name", "settings", "mappings", "tagRules", "scoring", "routes",
];
const SETTINGS_KEYS: &[&str] = &["defaultCountry", "lowercaseTags", "maxTagLength"];
const MAPPING_KEYS: &[&str] = &["id", "from", "template", "to", "transforms", "when"];
const CUSTOM_TARGET_KEYS: &[&str] = &["customField", "customFieldId"];
const TAG_RULE_KEYS: &[&str] = &["id", "when", "add", "remove"];
const SCORING_KEYS: &[&str] = &["base", "rules", "min", "max", "thresholds", "writeTo"];
const SCORE_RULE_KEYS: &[&str] = &["id", "when", "points", "per", "cap"];
const THRESHOLD_KEYS: &[&str] = &["at", "tags"];
const ROUTE_KEYS: &[&str] = &["id", "when", "mappings", "tagRules", "scoring"];
/// The tests of a leaf condition, in the order they are looked for.
const CONDITION_TESTS: [&str; 12] = [
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
/// Every key of a condition: its path, the tests, the case rule and the combinations.
const CONDITION_KEYS: &[&str] = &{
    let mut k = [""; 17];
    k[0] = "path";
    let mut i = 0;
    while i < CONDITION_TESTS.len() {
        k[i + 1] = CONDITION_TESTS[i];
        i += 1;
    }
    k[13] = "caseSensitive";
    k[14] = "all";
    k[15] = "any";
    k[16] = "not";
    k
};

/// A rule set: typed and compiled.
type Set = (Vec<Mapping>, Vec<TagRule>, Option<Scoring>, RuleSet);

impl Compiler<'_> {
    fn document(&mut self, doc: &Value) -> Option<CompiledRules> {
        let m = self.obj(doc, "", None, "the rules document", DOCUMENT_KEYS)?;
        let version = match m.get("version") {
            None => {
                self.add(
                    "",
                    None,
                    "MISSING_FIELD",
                    "The document needs \"version\": 1.".into(),
                );
                None
            }
            Some(v) if v.as_u64() == Some(1) => Some(1),
            Some(v) => {
                self.add(
                    "/version",
                    None,
                    "UNSUPPORTED_VERSION",
                    format!("Version {v} is not supported; this engine reads version 1."),
                );
                None
            }
        };
        let name = self.opt_string(m, "name", "", None);
        let settings = match m.get("settings") {
            Some(s) => self.settings(s).map(Some),
            None => Some(None),
        };
        let base = self.rule_set(m, "");
        let mut routes = Some((Vec::new(), Vec::new()));
        for (i, r) in self.array(m, "routes", "", None).iter().enumerate() {
            let route = self.route(r, &format!("/routes/{i}"));
            routes = routes.zip(route).map(|((mut t, mut c), (rt, rc))| {
                t.push(rt);
                c.push(rc);
                (t, c)
            });
        }
        let (version, name, settings) = (version?, name?, settings?);
        let (mappings, tag_rules, scoring, base) = base?;
        let (typed_routes, routes) = routes?;
        let s = settings.clone().unwrap_or_default();
        let document = RulesDocument {
            version,
            name: name.map(str::to_string),
            settings,
            mappings,
            tag_rules,
            scoring,
            routes: typed_routes,
        };
        let program = Program {
            trie: std::mem::take(&mut self.trie),
            base,
            routes,
            customs: std::mem::take(&mut self.customs),
            default_country: s.default_country.map(|c| c.to_ascii_uppercase()),
            lowercase_tags: self.tag_shape.0,
            max_tag_length: self.tag_shape.1,
            limits: *self.limits,
        };
        Some(CompiledRules::new(program, document))
    }

    fn settings(&mut self, s: &Value) -> Option<Settings> {
        let ptr = "/settings";
        let m = self.obj(s, ptr, None, "the settings", SETTINGS_KEYS)?;
        let default_country = match self.opt_string(m, "defaultCountry", ptr, None) {
            Some(Some(c)) => self
                .phone_country(c, "/settings/defaultCountry", None)
                .map(Some),
            other => other,
        };
        let lowercase_tags = self.opt_bool(m, "lowercaseTags", ptr, None);
        let max_tag_length = match self.integer(m, "maxTagLength", ptr, None, false, 1) {
            Err(()) => None,
            Ok(Some(n)) if n > 1000 => {
                self.add(
                    "/settings/maxTagLength",
                    None,
                    "BAD_VALUE",
                    format!("'maxTagLength' can be at most 1000, not {n}."),
                );
                None
            }
            Ok(n) => Some(n.map(|n| n as usize)),
        };
        let (default_country, lowercase_tags, max_tag_length) =
            (default_country?, lowercase_tags?, max_tag_length?);
        self.tag_shape = (lowercase_tags.unwrap_or(true), max_tag_length.unwrap_or(64));
        Some(Settings {
            default_country: default_country.map(str::to_string),
            lowercase_tags,
            max_tag_length,
        })
    }

    /// A country for phone numbers: an ISO-2 code whose numbers can be read.
    fn phone_country<'s>(&mut self, c: &'s str, ptr: &str, rule: Option<&str>) -> Option<&'s str> {
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
            None
        } else if !phone::supports_country(c) {
            self.add(ptr, rule, "UNSUPPORTED_COUNTRY", format!("Phone numbers of '{c}' cannot be read without their country code yet; choose another default country."));
            None
        } else {
            Some(c)
        }
    }

    fn route(&mut self, r: &Value, ptr: &str) -> Option<(Route, CRoute)> {
        self.rules += 1;
        let rm = self.obj(r, ptr, None, "a route", ROUTE_KEYS)?;
        if !rm.contains_key("id") {
            self.add(
                ptr,
                None,
                "MISSING_FIELD",
                "A route needs an 'id' (its name, reported as the rule set used).".into(),
            );
        }
        let (id, name) = self.rule_id(rm, ptr);
        let when = match rm.get("when") {
            Some(w) => self.condition(w, &format!("{ptr}/when"), Some(&name), 0),
            None => {
                self.add(
                    ptr,
                    Some(&name),
                    "MISSING_FIELD",
                    "a route needs a 'when' condition saying which records it is for.".into(),
                );
                None
            }
        };
        let set = self.rule_set(rm, ptr);
        let (id, (when, cwhen), (mappings, tag_rules, scoring, set)) = (id??, when?, set?);
        Some((
            Route {
                id: id.clone(),
                when,
                mappings,
                tag_rules,
                scoring,
            },
            CRoute {
                id,
                when: cwhen,
                set,
            },
        ))
    }

    fn rule_set(&mut self, m: &Map<String, Value>, base: &str) -> Option<Set> {
        let mut ok = true;
        let (mut mappings, mut cmappings) = (Vec::new(), Vec::new());
        for (i, v) in self.array(m, "mappings", base, None).iter().enumerate() {
            match self.mapping(v, &format!("{base}/mappings/{i}")) {
                Some((t, c)) => {
                    mappings.push(t);
                    cmappings.push(c);
                }
                None => ok = false,
            }
        }
        let (mut tag_rules, mut ctag_rules) = (Vec::new(), Vec::new());
        for (i, v) in self.array(m, "tagRules", base, None).iter().enumerate() {
            match self.tag_rule(v, &format!("{base}/tagRules/{i}")) {
                Some((t, c)) => {
                    tag_rules.push(t);
                    ctag_rules.push(c);
                }
                None => ok = false,
            }
        }
        let scoring = match m.get("scoring") {
            Some(s) => self.scoring(s, &format!("{base}/scoring")).map(Some),
            None => Some(None),
        };
        let scoring = scoring?;
        if !ok
            || m.get("mappings").is_some_and(|v| !v.is_array())
            || m.get("tagRules").is_some_and(|v| !v.is_array())
        {
            return None;
        }
        let (scoring, cscoring) = match scoring {
            Some((t, c)) => (Some(t), Some(c)),
            None => (None, None),
        };
        Some((
            mappings,
            tag_rules,
            scoring,
            RuleSet {
                mappings: cmappings,
                tag_rules: ctag_rules,
                scoring: cscoring,
            },
        ))
    }

    fn mapping(&mut self, v: &Value, ptr: &str) -> Option<(Mapping, CMapping)> {
        self.rules += 1;
        let m = self.obj(v, ptr, None, "a mapping", MAPPING_KEYS)?;
        let (id, name) = self.rule_id(m, ptr);
        let rule = Some(name.as_str());
        let from = self.opt_string(m, "from", ptr, rule);
        let template = self.opt_string(m, "template", ptr, rule);
        let from_slot = match from.flatten() {
            Some(f) => self.slot(f, &format!("{ptr}/from"), rule).map(Source::Slot),
            None => None,
        };
        let template_parts = match template.flatten() {
            Some(t) => self
                .template(t, &format!("{ptr}/template"), rule)
                .map(Source::Template),
            None => None,
        };
        let source = match (m.contains_key("from"), m.contains_key("template")) {
            (false, false) => {
                self.add(ptr, rule, "MISSING_FIELD", "say where the value comes from with 'from' (a path such as 'lead.email') or 'template'.".into());
                None
            }
            (true, true) => {
                self.add(
                    ptr,
                    rule,
                    "CONFLICT",
                    "use either 'from' or 'template', not both.".into(),
                );
                None
            }
            _ => from_slot.or(template_parts),
        };
        self.mapping_rest(m, ptr, id, name, from, template, source)
    }

    #[allow(clippy::too_many_arguments)]
    fn mapping_rest(
        &mut self,
        m: &Map<String, Value>,
        ptr: &str,
        id: Option<Option<String>>,
        name: String,
        from: Option<Option<&str>>,
        template: Option<Option<&str>>,
        source: Option<Source>,
    ) -> Option<(Mapping, CMapping)> {
        let rule = Some(name.as_str());
        let to = match m.get("to") {
            None => {
                self.add(
                    ptr,
                    rule,
                    "MISSING_FIELD",
                    "say which GHL field to fill with 'to' (e.g. \"email\").".into(),
                );
                None
            }
            Some(t) => self.target(t, &format!("{ptr}/to"), rule, true),
        };
        let mut transforms = Some((Vec::new(), Vec::new()));
        for (i, t) in self.array(m, "transforms", ptr, rule).iter().enumerate() {
            let t = self.transform(t, &format!("{ptr}/transforms/{i}"), rule);
            transforms = transforms.zip(t).map(|((mut ts, mut cs), (t, c))| {
                ts.push(t);
                cs.push(c);
                (ts, cs)
            });
        }
        if m.get("transforms").is_some_and(|v| !v.is_array()) {
            transforms = None;
        }
        let when = self.when(m, ptr, rule);
        let (id, from, template, source) = (id?, from?, template?, source?);
        let ((to, target), (transforms, ctransforms), (when, cwhen)) = (to?, transforms?, when?);
        Some((
            Mapping {
                id,
                from: from.map(str::to_string),
                template: template.map(str::to_string),
                to,
                transforms,
                when,
            },
            CMapping {
                id: name,
                source,
                text: ctransforms.iter().all(CTransform::is_text),
                transforms: ctransforms,
                target,
                when: cwhen,
            },
        ))
    }

    /// The optional `when` of a rule: `Some(None)` without one, `None` when it is bad.
    #[allow(clippy::type_complexity)]
    fn when(
        &mut self,
        m: &Map<String, Value>,
        ptr: &str,
        rule: Option<&str>,
    ) -> Option<(Option<Condition>, Option<Cond>)> {
        match m.get("when") {
            None => Some((None, None)),
            Some(w) => self
                .condition(w, &format!("{ptr}/when"), rule, 0)
                .map(|(t, c)| (Some(t), Some(c))),
        }
    }

    fn target(
        &mut self,
        t: &Value,
        ptr: &str,
        rule: Option<&str>,
        allow_tags: bool,
    ) -> Option<(Target, CTarget)> {
        match t {
            Value::String(s) => {
                if allow_tags && s == "tags" {
                    return Some((Target::Field(s.clone()), CTarget::Tags));
                }
                if let Some(i) = STANDARD_FIELDS.iter().position(|f| f == s) {
                    return Some((Target::Field(s.clone()), CTarget::Std(i)));
                }
                let opts = STANDARD_FIELDS
                    .iter()
                    .copied()
                    .chain(allow_tags.then_some("tags"));
                let hint = did_you_mean(s, opts);
                self.add(ptr, rule, "UNKNOWN_TARGET", format!(
                    "'{s}' is not a GHL contact field.{hint} For a custom field write {{\"customField\": \"contact.your_key\"}}."
                ));
                None
            }
            Value::Object(_) => self.custom_target(t, ptr, rule),
            other => {
                self.add(ptr, rule, "WRONG_TYPE", format!(
                    "the target should be a field name like \"email\" or {{\"customField\": \"contact.key\"}}, not {}.", kind(other)
                ));
                None
            }
        }
    }

    fn custom_target(
        &mut self,
        t: &Value,
        ptr: &str,
        rule: Option<&str>,
    ) -> Option<(Target, CTarget)> {
        let m = self.obj(t, ptr, rule, "a custom field target", CUSTOM_TARGET_KEYS)?;
        let key = self.opt_string(m, "customField", ptr, rule);
        let id = self.opt_string(m, "customFieldId", ptr, rule);
        let mut ok = true;
        match (
            m.contains_key("customField"),
            m.contains_key("customFieldId"),
        ) {
            (false, false) => {
                self.add(
                    ptr,
                    rule,
                    "MISSING_FIELD",
                    "name the custom field with 'customField' (its key) or 'customFieldId'.".into(),
                );
                ok = false;
            }
            (true, true) => {
                self.add(
                    ptr,
                    rule,
                    "CONFLICT",
                    "use either 'customField' or 'customFieldId', not both.".into(),
                );
                ok = false;
            }
            _ => {}
        }
        let (key, id) = (key?, id?);
        let mut out = None;
        if let Some(k) = key {
            match self.fields {
                Some(fields) => match resolve_key(fields, k) {
                    Some(f) => out = Some(CustomOut::new(Some(f.id.clone()), Some(f.key.clone()))),
                    None => {
                        let hint = did_you_mean(k, fields.iter().map(|f| f.key.as_str()));
                        self.add(
                            &format!("{ptr}/customField"),
                            rule,
                            "UNKNOWN_CUSTOM_FIELD",
                            format!("this location has no custom field with the key '{k}'.{hint}"),
                        );
                        ok = false;
                    }
                },
                None => out = Some(CustomOut::new(None, Some(k.to_string()))),
            }
        }
        if let Some(i) = id {
            match self.fields {
                Some(fields) if !fields.iter().any(|f| f.id == i) => {
                    self.add(
                        &format!("{ptr}/customFieldId"),
                        rule,
                        "UNKNOWN_CUSTOM_FIELD",
                        format!("this location has no custom field with the id '{i}'."),
                    );
                    ok = false;
                }
                fields => {
                    let key = fields
                        .and_then(|fs| fs.iter().find(|f| f.id == i))
                        .map(|f| f.key.clone());
                    out = Some(CustomOut::new(Some(i.to_string()), key));
                }
            }
        }
        for (k, v) in [("customField", key), ("customFieldId", id)] {
            if v.is_some_and(|s| s.trim().is_empty()) {
                self.add(
                    &format!("{ptr}/{k}"),
                    rule,
                    "BAD_VALUE",
                    format!("'{k}' must not be empty."),
                );
                ok = false;
            }
        }
        let out = out.filter(|_| ok)?;
        let idx = match self.customs.iter().position(|x| *x == out) {
            Some(i) => i,
            None => {
                self.customs.push(out);
                self.customs.len() - 1
            }
        };
        Some((
            Target::Custom(CustomTarget {
                custom_field: key.map(str::to_string),
                custom_field_id: id.map(str::to_string),
            }),
            CTarget::Custom(idx),
        ))
    }

    fn condition(
        &mut self,
        c: &Value,
        ptr: &str,
        rule: Option<&str>,
        depth: usize,
    ) -> Option<(Condition, Cond)> {
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
            return None;
        }
        let m = self.obj(c, ptr, rule, "a condition", CONDITION_KEYS)?;
        let ops: Vec<&str> = CONDITION_KEYS
            .iter()
            .copied()
            .filter(|k| {
                m.contains_key(*k)
                    && (CONDITION_TESTS.contains(k) || ["all", "any", "not"].contains(k))
            })
            .collect();
        if ops.is_empty() {
            self.add(ptr, rule, "BAD_CONDITION", "the condition has no test: use one of equals, in, contains, startsWith, endsWith, matches, exists, blank, gt, gte, lt, lte, or combine conditions with all, any, not.".into());
            return None;
        }
        if ops.len() > 1 {
            self.add(ptr, rule, "BAD_CONDITION", format!(
                "a condition makes one test, but this one has {}; combine several with 'all' or 'any'.", ops.join(", ")
            ));
            return None;
        }
        let op = ops[0];
        let case_sensitive = self.opt_bool(m, "caseSensitive", ptr, rule);
        if ["all", "any", "not"].contains(&op) {
            return self.combination(m, op, ptr, rule, depth, case_sensitive);
        }
        let path = match m.get("path") {
            None => {
                self.add(
                    ptr,
                    rule,
                    "MISSING_FIELD",
                    format!("'{op}' needs 'path': which value of the record to test."),
                );
                None
            }
            Some(_) => self
                .opt_string(m, "path", ptr, rule)
                .flatten()
                .and_then(|p| self.slot(p, &format!("{ptr}/path"), rule).map(|s| (p, s))),
        };
        let vptr = format!("{ptr}/{op}");
        let v = m.get(op)?;
        let cs = case_sensitive.flatten().unwrap_or(false);
        let test = self.test(op, v, &vptr, rule, cs);
        let (case_sensitive, (path, slot), (typed, op, text)) = (case_sensitive?, path?, test?);
        let mut t = typed;
        t.path = Some(path.to_string());
        t.case_sensitive = case_sensitive;
        Some((
            t,
            Cond::Test {
                slot,
                op,
                case_sensitive: cs,
                text: format!("{path} {text}"),
            },
        ))
    }

    /// `all`, `any` or `not`.
    fn combination(
        &mut self,
        m: &Map<String, Value>,
        op: &str,
        ptr: &str,
        rule: Option<&str>,
        depth: usize,
        case_sensitive: Option<Option<bool>>,
    ) -> Option<(Condition, Cond)> {
        let mut ok = case_sensitive.is_some();
        if m.contains_key("path") {
            self.add(
                &format!("{ptr}/path"),
                rule,
                "BAD_CONDITION",
                format!("'{op}' combines conditions; put 'path' inside each of them."),
            );
            ok = false;
        }
        let mut t = Condition {
            case_sensitive: case_sensitive.flatten(),
            ..Condition::default()
        };
        if op == "not" {
            let inner = self.condition(m.get("not")?, &format!("{ptr}/not"), rule, depth + 1);
            let (ti, ci) = inner.filter(|_| ok)?;
            t.not = Some(Box::new(ti));
            return Some((t, Cond::Not(Box::new(ci))));
        }
        if m.get(op).is_some_and(|v| !v.is_array()) {
            ok = false;
        }
        let list = self.array(m, op, ptr, rule);
        if list.is_empty() && m.get(op).is_some_and(|v| v.is_array()) {
            self.add(
                &format!("{ptr}/{op}"),
                rule,
                "BAD_CONDITION",
                format!("'{op}' needs at least one condition."),
            );
            ok = false;
        }
        let (mut ts, mut cs) = (Vec::new(), Vec::new());
        for (i, c) in list.iter().enumerate() {
            match self.condition(c, &format!("{ptr}/{op}/{i}"), rule, depth + 1) {
                Some((tc, cc)) => {
                    ts.push(tc);
                    cs.push(cc);
                }
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        if op == "all" {
            t.all = Some(ts);
            Some((t, Cond::All(cs)))
        } else {
            t.any = Some(ts);
            Some((t, Cond::Any(cs)))
        }
    }

    /// The test of a leaf condition: the typed condition with only that test set, the
    /// compiled test, and its description after the path.
    fn test(
        &mut self,
        op: &str,
        v: &Value,
        vptr: &str,
        rule: Option<&str>,
        cs: bool,
    ) -> Option<(Condition, Op, String)> {
        let mut t = Condition::default();
        let fold = |s: &str| {
            if cs {
                s.to_string()
            } else {
                crate::codec::case::lower_str(s)
            }
        };
        match op {
            "equals" => {
                if v.is_object() || v.is_array() {
                    self.add(vptr, rule, "WRONG_TYPE", format!("'equals' compares with a text, number or true/false, not {}; use 'in' for several values.", kind(v)));
                    return None;
                }
                t.equals = Some(v.clone());
                Some((t, Op::Equals(Val::from_json(v)), format!("equals {v}")))
            }
            "in" => {
                let Some(a) = v.as_array() else {
                    self.add(
                        vptr,
                        rule,
                        "WRONG_TYPE",
                        format!("'in' should be a list of values, not {}.", kind(v)),
                    );
                    return None;
                };
                let mut ok = true;
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
                        ok = false;
                    }
                }
                if !ok {
                    return None;
                }
                t.in_ = Some(a.clone());
                Some((
                    t,
                    Op::In(a.iter().map(Val::from_json).collect()),
                    format!("is one of {v}"),
                ))
            }
            "contains" | "startsWith" | "endsWith" | "matches" => {
                let Some(s) = v.as_str() else {
                    self.add(
                        vptr,
                        rule,
                        "WRONG_TYPE",
                        format!("'{op}' should be a text, not {}.", kind(v)),
                    );
                    return None;
                };
                let (cop, text) = match op {
                    "contains" => {
                        t.contains = Some(s.to_string());
                        (Op::Contains(fold(s)), format!("contains \"{s}\""))
                    }
                    "startsWith" => {
                        t.starts_with = Some(s.to_string());
                        (Op::StartsWith(fold(s)), format!("starts with \"{s}\""))
                    }
                    "endsWith" => {
                        t.ends_with = Some(s.to_string());
                        (Op::EndsWith(fold(s)), format!("ends with \"{s}\""))
                    }
                    _ => {
                        let re = self.regex(s, !cs, vptr, rule)?;
                        t.matches = Some(s.to_string());
                        (Op::Matches(re), format!("matches /{s}/"))
                    }
                };
                Some((t, cop, text))
            }
            "exists" | "blank" => {
                let Some(b) = v.as_bool() else {
                    self.add(
                        vptr,
                        rule,
                        "WRONG_TYPE",
                        format!("'{op}' should be true or false, not {}.", kind(v)),
                    );
                    return None;
                };
                if op == "exists" {
                    t.exists = Some(b);
                    Some((
                        t,
                        Op::Exists(b),
                        (if b { "exists" } else { "is missing" }).into(),
                    ))
                } else {
                    t.blank = Some(b);
                    Some((
                        t,
                        Op::Blank(b),
                        (if b { "is blank" } else { "is not blank" }).into(),
                    ))
                }
            }
            _ => {
                let Some(n) = v.as_f64().filter(|_| v.is_number()) else {
                    self.add(
                        vptr,
                        rule,
                        "WRONG_TYPE",
                        format!("'{op}' should be a number, not {}.", kind(v)),
                    );
                    return None;
                };
                let (c, sym, field) = match op {
                    "gt" => (CmpOp::Gt, ">", &mut t.gt),
                    "gte" => (CmpOp::Gte, ">=", &mut t.gte),
                    "lt" => (CmpOp::Lt, "<", &mut t.lt),
                    _ => (CmpOp::Lte, "<=", &mut t.lte),
                };
                *field = Some(n);
                Some((
                    t,
                    Op::Cmp(c, n),
                    [sym, " ", &crate::codec::plain_f64(n)].concat(),
                ))
            }
        }
    }

    /// A list of tags (templates), each checked; `None` when one is bad.
    fn tag_list(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        ptr: &str,
        rule: Option<&str>,
    ) -> Option<(Vec<String>, Vec<CTag>)> {
        let list = self.array(m, key, ptr, rule);
        let mut out = m
            .get(key)
            .is_none_or(|v| v.is_array())
            .then(|| (Vec::new(), Vec::new()));
        for (i, t) in list.iter().enumerate() {
            let tptr = format!("{ptr}/{key}/{i}");
            let tag = match t.as_str() {
                Some(s) if s.trim().is_empty() => {
                    self.add(&tptr, rule, "BAD_VALUE", "a tag must not be empty.".into());
                    None
                }
                Some(s) => self.tag(s, &tptr, rule).map(|c| (s.to_string(), c)),
                None => {
                    self.add(
                        &tptr,
                        rule,
                        "WRONG_TYPE",
                        format!("a tag should be a text, not {}.", kind(t)),
                    );
                    None
                }
            };
            out = out.zip(tag).map(|((mut ts, mut cs), (t, c))| {
                ts.push(t);
                cs.extend(c);
                (ts, cs)
            });
        }
        out
    }

    /// A tag of a tag rule: fixed text is normalised now (`None` inside when blank).
    fn tag(&mut self, t: &str, ptr: &str, rule: Option<&str>) -> Option<Option<CTag>> {
        let parts = self.template(t, ptr, rule)?;
        Some(match parts.as_slice() {
            [] => None,
            [Part::Lit(l)] => normalise(l.as_str().into(), self.tag_shape.0, self.tag_shape.1)
                .map(|n| CTag::Fixed(n.into_owned())),
            _ => Some(CTag::Template(parts)),
        })
    }

    fn tag_rule(&mut self, v: &Value, ptr: &str) -> Option<(TagRule, CTagRule)> {
        self.rules += 1;
        let m = self.obj(v, ptr, None, "a tag rule", TAG_RULE_KEYS)?;
        let (id, name) = self.rule_id(m, ptr);
        let rule = Some(name.as_str());
        let add = self.tag_list(m, "add", ptr, rule);
        let remove = self.tag_list(m, "remove", ptr, rule);
        let n = m.get("add").and_then(Value::as_array).map_or(0, Vec::len)
            + m.get("remove")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
        let mut ok = true;
        if n == 0
            && m.get("add").is_none_or(|v| v.is_array())
            && m.get("remove").is_none_or(|v| v.is_array())
        {
            self.add(
                ptr,
                rule,
                "MISSING_FIELD",
                "a tag rule needs tags to 'add' or 'remove'.".into(),
            );
            ok = false;
        }
        let when = self.when(m, ptr, rule);
        let (id, (add, cadd), (remove, cremove), (when, cwhen)) = (id?, add?, remove?, when?);
        ok.then_some((
            TagRule {
                id,
                when,
                add,
                remove,
            },
            CTagRule {
                id: name,
                when: cwhen,
                add: cadd,
                remove: cremove,
            },
        ))
    }

    fn score_rule(&mut self, r: &Value, rptr: &str) -> Option<(ScoreRule, CScoreRule)> {
        self.rules += 1;
        let rm = self.obj(r, rptr, None, "a score rule", SCORE_RULE_KEYS)?;
        let (id, name) = self.rule_id(rm, rptr);
        let rule = Some(name.as_str());
        let points = self.integer(rm, "points", rptr, rule, true, -1_000_000_000);
        let per = match self.opt_string(rm, "per", rptr, rule) {
            Some(Some(p)) => self
                .slot(p, &format!("{rptr}/per"), rule)
                .map(|s| Some((p, s))),
            Some(None) => Some(None),
            None => None,
        };
        let cap = self.integer(rm, "cap", rptr, rule, false, 0);
        let when = self.when(rm, rptr, rule);
        let (id, Ok(Some(points)), per, Ok(cap), (when, cwhen)) = (id?, points, per?, cap, when?)
        else {
            return None;
        };
        Some((
            ScoreRule {
                id,
                when,
                points,
                per: per.map(|(p, _)| p.to_string()),
                cap,
            },
            CScoreRule {
                id: name,
                when: cwhen,
                points,
                per: per.map(|(_, s)| s),
                cap,
            },
        ))
    }

    fn scoring(&mut self, v: &Value, ptr: &str) -> Option<(Scoring, CScoring)> {
        let m = self.obj(v, ptr, None, "the scoring", SCORING_KEYS)?;
        let mut ok = true;
        let base = match self.opt_string(m, "base", ptr, None) {
            Some(Some(b)) => self
                .slot(b, &format!("{ptr}/base"), None)
                .map(|s| Some((b, s))),
            Some(None) => Some(None),
            None => None,
        };
        let (mut rules, mut crules) = (Vec::new(), Vec::new());
        for (i, r) in self.array(m, "rules", ptr, None).iter().enumerate() {
            match self.score_rule(r, &format!("{ptr}/rules/{i}")) {
                Some((t, c)) => {
                    rules.push(t);
                    crules.push(c);
                }
                None => ok = false,
            }
        }
        let min = self.integer(m, "min", ptr, None, false, i64::MIN);
        let max = self.integer(m, "max", ptr, None, false, i64::MIN);
        if let (Ok(Some(a)), Ok(Some(b))) = (min, max) {
            if a > b {
                self.add(
                    &format!("{ptr}/max"),
                    None,
                    "BAD_VALUE",
                    format!("the highest score ({b}) is below the lowest ({a})."),
                );
                ok = false;
            }
        }
        let mut last: Option<i64> = None;
        let (mut thresholds, mut cthresholds) = (Vec::new(), Vec::new());
        for (i, t) in self.array(m, "thresholds", ptr, None).iter().enumerate() {
            let tptr = format!("{ptr}/thresholds/{i}");
            let Some(tm) = self.obj(t, &tptr, None, "a threshold", THRESHOLD_KEYS) else {
                ok = false;
                continue;
            };
            let at = self.integer(tm, "at", &tptr, None, true, i64::MIN);
            if let Ok(Some(at)) = at {
                if let Some(prev) = last {
                    if at <= prev {
                        self.add(&format!("{tptr}/at"), None, "THRESHOLDS_OUT_OF_ORDER", format!(
                            "thresholds must go up: {at} comes after {prev}. Sort them from the lowest score to the highest."
                        ));
                        ok = false;
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
                ok = false;
            }
            match (at, self.tag_list(tm, "tags", &tptr, None)) {
                (Ok(Some(at)), Some((tags, _))) => {
                    cthresholds.push((at, tags.clone()));
                    thresholds.push(Threshold { at, tags });
                }
                _ => ok = false,
            }
        }
        let write_to = match m.get("writeTo") {
            Some(t) => self
                .target(t, &format!("{ptr}/writeTo"), None, false)
                .map(Some),
            None => Some(None),
        };
        for key in ["rules", "thresholds"] {
            if m.get(key).is_some_and(|v| !v.is_array()) {
                ok = false;
            }
        }
        let (base, Ok(min), Ok(max), write_to) = (base?, min, max, write_to?) else {
            return None;
        };
        ok.then_some((
            Scoring {
                base: base.map(|(b, _)| b.to_string()),
                rules,
                min,
                max,
                thresholds,
                write_to: write_to.as_ref().map(|(t, _)| t.clone()),
            },
            CScoring {
                base: base.map(|(_, s)| s),
                rules: crules,
                min,
                max,
                thresholds: cthresholds,
                write_to: write_to.map(|(_, c)| c),
            },
        ))
    }

    /// A source path, added to the trie: its slot.
    fn slot(&mut self, p: &str, ptr: &str, rule: Option<&str>) -> Option<u32> {
        match parse_path(p) {
            Ok(segs) => Some(self.trie.add(p, &segs)),
            Err(e) => {
                self.add(
                    ptr,
                    rule,
                    "BAD_PATH",
                    format!("the path '{p}' is not valid: {e}."),
                );
                None
            }
        }
    }

    /// A template, its paths added to the trie.
    fn template(&mut self, t: &str, ptr: &str, rule: Option<&str>) -> Option<Vec<Part>> {
        match parse_template(t) {
            Ok(pieces) => Some(
                pieces
                    .into_iter()
                    .map(|p| match p {
                        Piece::Lit(s) => Part::Lit(s),
                        Piece::Path(text, segs) => Part::Slot(self.trie.add(&text, &segs)),
                    })
                    .collect(),
            ),
            Err(e) => {
                self.add(
                    ptr,
                    rule,
                    "BAD_TEMPLATE",
                    format!("the template '{t}' is not valid: {e}."),
                );
                None
            }
        }
    }

    /// A regular expression (size-capped, linear time).
    fn regex(
        &mut self,
        pattern: &str,
        case_insensitive: bool,
        ptr: &str,
        rule: Option<&str>,
    ) -> Option<regex_lite::Regex> {
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
        let built = regex_lite::RegexBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .size_limit(1 << 20)
            .nest_limit(64)
            .build();
        match built {
            Ok(r) => Some(r),
            Err(e) => {
                let e = e.to_string();
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

    /// Registers a rule id: the typed id (`None` when it is bad) and the rule's name in
    /// traces and problems (its id, or where it is).
    fn rule_id(&mut self, m: &Map<String, Value>, ptr: &str) -> (Option<Option<String>>, String) {
        match m.get("id") {
            Some(Value::String(id)) if !id.trim().is_empty() => {
                if let Some(first) = self.ids.get(id) {
                    let first = first.clone();
                    self.add(&format!("{ptr}/id"), None, "DUPLICATE_ID", format!(
                        "The rule id '{id}' is used twice (first at {first}); give each rule its own id."
                    ));
                    return (None, id.clone());
                }
                self.ids.insert(id.clone(), ptr.to_string());
                (Some(Some(id.clone())), id.clone())
            }
            Some(v) => {
                self.add(
                    &format!("{ptr}/id"),
                    None,
                    "WRONG_TYPE",
                    format!("The rule id should be a non-empty text, not {}.", kind(v)),
                );
                (None, ptr.trim_start_matches('/').to_string())
            }
            None => (Some(None), ptr.trim_start_matches('/').to_string()),
        }
    }

    fn transform(
        &mut self,
        t: &Value,
        ptr: &str,
        rule: Option<&str>,
    ) -> Option<(TransformDef, CTransform)> {
        transforms::transform(self, t, ptr, rule)
    }
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

#[cfg(all(test, feature = "schema"))]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::transforms::{Form, REGISTRY};
    use super::*;

    fn keys(v: &Value) -> BTreeSet<String> {
        v["properties"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn set(k: &[&str]) -> BTreeSet<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    /// The compiler reads exactly the keys of the document's types, and the registry
    /// names exactly the transforms (and parameters) of [`Transform`].
    #[test]
    fn the_compiler_reads_the_types_keys_and_the_registry_their_transforms() {
        let schema = serde_json::to_value(schemars::schema_for!(RulesDocument)).unwrap();
        let defs = schema
            .get("$defs")
            .or_else(|| schema.get("definitions"))
            .unwrap();
        assert_eq!(keys(&schema), set(DOCUMENT_KEYS));
        for (name, want) in [
            ("Settings", SETTINGS_KEYS),
            ("Mapping", MAPPING_KEYS),
            ("CustomTarget", CUSTOM_TARGET_KEYS),
            ("TagRule", TAG_RULE_KEYS),
            ("Scoring", SCORING_KEYS),
            ("ScoreRule", SCORE_RULE_KEYS),
            ("Threshold", THRESHOLD_KEYS),
            ("Route", ROUTE_KEYS),
            ("Condition", CONDITION_KEYS),
        ] {
            assert_eq!(keys(&defs[name]), set(want), "{name}");
        }
        let mut typed: Vec<(String, BTreeSet<String>)> = defs["Transform"]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let op = &v["properties"]["op"];
                let name = op["const"]
                    .as_str()
                    .or_else(|| op["enum"][0].as_str())
                    .unwrap()
                    .to_string();
                let mut k = keys(v);
                k.remove("op");
                (name, k)
            })
            .collect();
        typed.sort();
        let mut ops: Vec<(String, BTreeSet<String>)> = REGISTRY
            .iter()
            .filter(|s| s.form != Form::Bare)
            .map(|s| (s.name.to_string(), set(s.params)))
            .collect();
        ops.sort();
        assert_eq!(ops, typed);
    }
}
