//! Compiling a validated document into a plan: the trie of source paths, and rule sets
//! whose conditions, transforms, templates and targets refer to trie slots.
//!
//! Invariant: compiling succeeds exactly when [`super::validate_with`] finds no
//! problem with the same context and limits.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::conditions::{CmpOp, Cond, Op};
use super::document::*;
use super::path::{parse_path, parse_template, Piece, Trie};
use super::scan::Val;
use super::transforms::CTransform;
use super::validate::{build_regex, resolve_key, validate_with, Problem};
use super::{Limits, RulesError};

/// A custom field of the location (from `GET /locations/{id}/customFields`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct CompileContext {
    /// The location's custom fields. With them, keys resolve to ids and unknown keys are
    /// problems; without (`None`), keys are written unresolved as `key`.
    pub custom_fields: Option<Vec<CustomFieldDef>>,
    /// Limits.
    pub limits: Limits,
}

/// A compiled template.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    Lit(String),
    Slot(u32),
}

/// Where a mapped value goes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CTarget {
    Std(usize),
    Tags,
    Custom(usize),
}

#[derive(Debug, Clone)]
pub(crate) enum Source {
    Slot(u32),
    Template(Vec<Part>),
}

#[derive(Debug, Clone)]
pub(crate) struct CMapping {
    pub(crate) id: String,
    pub(crate) source: Source,
    pub(crate) transforms: Vec<CTransform>,
    /// Every transform is a text transform ([`CTransform::is_text`]): a text value
    /// can take the text path.
    pub(crate) text: bool,
    pub(crate) target: CTarget,
    pub(crate) when: Option<Cond>,
}

/// A tag a tag rule adds or removes.
#[derive(Debug, Clone)]
pub(crate) enum CTag {
    /// Fixed text, normalised when compiled (a blank one is dropped then).
    Fixed(String),
    /// A template, normalised for each record.
    Template(Vec<Part>),
}

#[derive(Debug, Clone)]
pub(crate) struct CTagRule {
    pub(crate) id: String,
    pub(crate) when: Option<Cond>,
    pub(crate) add: Vec<CTag>,
    pub(crate) remove: Vec<CTag>,
}

#[derive(Debug, Clone)]
pub(crate) struct CScoreRule {
    pub(crate) id: String,
    pub(crate) when: Option<Cond>,
    pub(crate) points: i64,
    pub(crate) per: Option<u32>,
    pub(crate) cap: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct CScoring {
    pub(crate) base: Option<u32>,
    pub(crate) rules: Vec<CScoreRule>,
    pub(crate) min: Option<i64>,
    pub(crate) max: Option<i64>,
    pub(crate) thresholds: Vec<(i64, Vec<String>)>,
    pub(crate) write_to: Option<CTarget>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct RuleSet {
    pub(crate) mappings: Vec<CMapping>,
    pub(crate) tag_rules: Vec<CTagRule>,
    pub(crate) scoring: Option<CScoring>,
}

#[derive(Debug, Clone)]
pub(crate) struct CRoute {
    pub(crate) id: String,
    pub(crate) when: Cond,
    pub(crate) set: RuleSet,
}

/// A custom field written by the rules.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CustomOut {
    pub(crate) id: Option<String>,
    pub(crate) key: Option<String>,
    /// The JSON text before its value: `{"id":..,"key":..,"field_value":`.
    pub(crate) prefix: String,
}

impl CustomOut {
    fn new(id: Option<String>, key: Option<String>) -> Self {
        let mut prefix = String::from("{");
        if let Some(id) = &id {
            prefix.push_str("\"id\":");
            super::write::str(&mut prefix, id);
            prefix.push(',');
        }
        if let Some(k) = &key {
            prefix.push_str("\"key\":");
            super::write::str(&mut prefix, k);
            prefix.push(',');
        }
        prefix.push_str("\"field_value\":");
        Self { id, key, prefix }
    }
}

/// A compiled rules document, ready to apply to many records. Immutable and cheap to
/// share; applying never mutates it.
#[derive(Debug, Clone)]
pub struct CompiledRules {
    pub(crate) trie: Trie,
    pub(crate) base: RuleSet,
    pub(crate) routes: Vec<CRoute>,
    pub(crate) customs: Vec<CustomOut>,
    pub(crate) default_country: Option<String>,
    pub(crate) lowercase_tags: bool,
    pub(crate) max_tag_length: usize,
    pub(crate) limits: Limits,
    pub(crate) document: RulesDocument,
}

/// Validates and compiles a document. Fails with [`RulesError::Invalid`] listing every
/// problem.
pub fn compile(doc: &Value, ctx: &CompileContext) -> Result<CompiledRules, RulesError> {
    let problems = validate_with(doc, ctx.custom_fields.as_deref(), &ctx.limits);
    if !problems.is_empty() {
        return Err(RulesError::Invalid { problems });
    }
    let typed: RulesDocument = serde_json::from_value(doc.clone())
        .map_err(|e| invalid(format!("The document could not be read: {e}.")))?;
    let settings = typed.settings.clone().unwrap_or_default();
    let lowercase_tags = settings.lowercase_tags.unwrap_or(true);
    let max_tag_length = settings.max_tag_length.unwrap_or(64);
    let mut c = Compiler {
        trie: Trie::default(),
        customs: Vec::new(),
        fields: ctx.custom_fields.as_deref(),
        tag_shape: (lowercase_tags, max_tag_length),
    };
    let base = c.rule_set(
        &typed.mappings,
        &typed.tag_rules,
        typed.scoring.as_ref(),
        "",
    )?;
    let mut routes = Vec::new();
    for (i, r) in typed.routes.iter().enumerate() {
        let when = c.cond(&r.when)?;
        let set = c.rule_set(
            &r.mappings,
            &r.tag_rules,
            r.scoring.as_ref(),
            &format!("routes/{i}/"),
        )?;
        routes.push(CRoute {
            id: r.id.clone(),
            when,
            set,
        });
    }
    Ok(CompiledRules {
        trie: c.trie,
        base,
        routes,
        customs: c.customs,
        default_country: settings.default_country.map(|c| c.to_ascii_uppercase()),
        lowercase_tags,
        max_tag_length,
        limits: ctx.limits,
        document: typed,
    })
}

fn invalid(message: String) -> RulesError {
    RulesError::Invalid {
        problems: vec![Problem {
            pointer: String::new(),
            code: "INVALID_DOCUMENT".into(),
            message,
        }],
    }
}

struct Compiler<'c> {
    trie: Trie,
    customs: Vec<CustomOut>,
    fields: Option<&'c [CustomFieldDef]>,
    /// `(lowercase, max length)` of tags, from the settings.
    tag_shape: (bool, usize),
}

impl Compiler<'_> {
    fn slot(&mut self, p: &str) -> Result<u32, RulesError> {
        let segs =
            parse_path(p).map_err(|e| invalid(format!("The path '{p}' is not valid: {e}.")))?;
        Ok(self.trie.add(p, &segs))
    }

    fn template(&mut self, t: &str) -> Result<Vec<Part>, RulesError> {
        let pieces = parse_template(t)
            .map_err(|e| invalid(format!("The template '{t}' is not valid: {e}.")))?;
        Ok(pieces
            .into_iter()
            .map(|p| match p {
                Piece::Lit(s) => Part::Lit(s),
                Piece::Path(text, segs) => Part::Slot(self.trie.add(&text, &segs)),
            })
            .collect())
    }

    /// A tag of a tag rule: fixed text is normalised now (`None` when blank).
    fn tag(&mut self, t: &str) -> Result<Option<CTag>, RulesError> {
        let parts = self.template(t)?;
        Ok(match parts.as_slice() {
            [] => None,
            [Part::Lit(l)] => {
                super::tags::normalise(l.as_str().into(), self.tag_shape.0, self.tag_shape.1)
                    .map(|n| CTag::Fixed(n.into_owned()))
            }
            _ => Some(CTag::Template(parts)),
        })
    }

    fn tags(&mut self, ts: &[String]) -> Result<Vec<CTag>, RulesError> {
        let mut out = Vec::with_capacity(ts.len());
        for t in ts {
            out.extend(self.tag(t)?);
        }
        Ok(out)
    }

    fn target(&mut self, t: &Target) -> Result<CTarget, RulesError> {
        match t {
            Target::Field(f) if f == "tags" => Ok(CTarget::Tags),
            Target::Field(f) => STANDARD_FIELDS
                .iter()
                .position(|x| x == f)
                .map(CTarget::Std)
                .ok_or_else(|| invalid(format!("'{f}' is not a GHL contact field."))),
            Target::Custom(c) => {
                let out = match (&c.custom_field, &c.custom_field_id) {
                    (Some(key), None) => match self.fields {
                        Some(fields) => {
                            let f = resolve_key(fields, key)
                                .ok_or_else(|| invalid(format!("No custom field has the key '{key}'.")))?;
                            CustomOut::new(Some(f.id.clone()), Some(f.key.clone()))
                        }
                        None => CustomOut::new(None, Some(key.clone())),
                    },
                    (None, Some(id)) => CustomOut::new(
                        Some(id.clone()),
                        self.fields
                            .and_then(|fs| fs.iter().find(|f| &f.id == id))
                            .map(|f| f.key.clone()),
                    ),
                    _ => return Err(invalid("A custom field target needs exactly one of 'customField' and 'customFieldId'.".into())),
                };
                let idx = match self.customs.iter().position(|x| *x == out) {
                    Some(i) => i,
                    None => {
                        self.customs.push(out);
                        self.customs.len() - 1
                    }
                };
                Ok(CTarget::Custom(idx))
            }
        }
    }

    fn cond(&mut self, c: &Condition) -> Result<Cond, RulesError> {
        if let Some(all) = &c.all {
            return Ok(Cond::All(
                all.iter().map(|x| self.cond(x)).collect::<Result<_, _>>()?,
            ));
        }
        if let Some(any) = &c.any {
            return Ok(Cond::Any(
                any.iter().map(|x| self.cond(x)).collect::<Result<_, _>>()?,
            ));
        }
        if let Some(not) = &c.not {
            return Ok(Cond::Not(Box::new(self.cond(not)?)));
        }
        let path = c
            .path
            .as_deref()
            .ok_or_else(|| invalid("A condition needs a 'path'.".into()))?;
        let slot = self.slot(path)?;
        let cs = c.case_sensitive.unwrap_or(false);
        let fold = |s: &str| if cs { s.to_string() } else { s.to_lowercase() };
        let show = |v: &Value| v.to_string();
        let (op, text) = if let Some(v) = &c.equals {
            (
                Op::Equals(Val::from_json(v)),
                format!("{path} equals {}", show(v)),
            )
        } else if let Some(vs) = &c.in_ {
            (
                Op::In(vs.iter().map(Val::from_json).collect()),
                format!("{path} is one of {}", show(&Value::Array(vs.clone()))),
            )
        } else if let Some(s) = &c.contains {
            (Op::Contains(fold(s)), format!("{path} contains \"{s}\""))
        } else if let Some(s) = &c.starts_with {
            (
                Op::StartsWith(fold(s)),
                format!("{path} starts with \"{s}\""),
            )
        } else if let Some(s) = &c.ends_with {
            (Op::EndsWith(fold(s)), format!("{path} ends with \"{s}\""))
        } else if let Some(s) = &c.matches {
            let re = build_regex(s, !cs)
                .map_err(|e| invalid(format!("The pattern '{s}' is not valid: {e}")))?;
            (Op::Matches(re), format!("{path} matches /{s}/"))
        } else if let Some(b) = c.exists {
            (
                Op::Exists(b),
                format!("{path} {}", if b { "exists" } else { "is missing" }),
            )
        } else if let Some(b) = c.blank {
            (
                Op::Blank(b),
                format!("{path} {}", if b { "is blank" } else { "is not blank" }),
            )
        } else if let Some(n) = c.gt {
            (Op::Cmp(CmpOp::Gt, n), format!("{path} > {n}"))
        } else if let Some(n) = c.gte {
            (Op::Cmp(CmpOp::Gte, n), format!("{path} >= {n}"))
        } else if let Some(n) = c.lt {
            (Op::Cmp(CmpOp::Lt, n), format!("{path} < {n}"))
        } else if let Some(n) = c.lte {
            (Op::Cmp(CmpOp::Lte, n), format!("{path} <= {n}"))
        } else {
            return Err(invalid("A condition has no test.".into()));
        };
        Ok(Cond::Test {
            slot,
            op,
            case_sensitive: cs,
            text,
        })
    }

    fn when(&mut self, c: &Option<Condition>) -> Result<Option<Cond>, RulesError> {
        c.as_ref().map(|c| self.cond(c)).transpose()
    }

    fn transform(&mut self, t: &TransformDef) -> Result<CTransform, RulesError> {
        Ok(match t {
            TransformDef::Name(n) => match n.as_str() {
                "trim" => CTransform::Trim,
                "lowercase" => CTransform::Lower,
                "uppercase" => CTransform::Upper,
                "titleCase" => CTransform::Title,
                "firstName" => CTransform::Name(NamePart::First),
                "lastName" => CTransform::Name(NamePart::Last),
                "join" => CTransform::Join(", ".into()),
                "number" => CTransform::Number,
                "boolean" => CTransform::Boolean,
                "date" => CTransform::Date { day_first: false },
                "email" => CTransform::Email,
                "phone" => CTransform::Phone { country: None },
                "country" => CTransform::Country,
                other => return Err(invalid(format!("'{other}' is not a transform."))),
            },
            TransformDef::Op(op) => match op {
                Transform::Trim => CTransform::Trim,
                Transform::Lowercase => CTransform::Lower,
                Transform::Uppercase => CTransform::Upper,
                Transform::TitleCase => CTransform::Title,
                Transform::SplitName { part } => CTransform::Name(*part),
                Transform::Join { separator } => {
                    CTransform::Join(separator.clone().unwrap_or_else(|| ", ".into()))
                }
                Transform::Default { value } => CTransform::Default(Val::from_json(value)),
                Transform::Lookup {
                    table,
                    default,
                    case_sensitive,
                } => {
                    let cs = case_sensitive.unwrap_or(false);
                    let table: HashMap<String, Val<'static>> = table
                        .iter()
                        .map(|(k, v)| {
                            (
                                if cs {
                                    k.clone()
                                } else {
                                    k.trim().to_lowercase()
                                },
                                Val::from_json(v),
                            )
                        })
                        .collect();
                    CTransform::Lookup {
                        table,
                        default: default.as_ref().map(Val::from_json),
                        case_sensitive: cs,
                    }
                }
                Transform::Number => CTransform::Number,
                Transform::Boolean => CTransform::Boolean,
                Transform::Date { day_first } => CTransform::Date {
                    day_first: day_first.unwrap_or(false),
                },
                Transform::Email => CTransform::Email,
                Transform::Phone { country } => CTransform::Phone {
                    country: country.as_ref().map(|c| c.to_ascii_uppercase()),
                },
                Transform::Country => CTransform::Country,
                Transform::RegexExtract { pattern, group } => CTransform::Extract {
                    re: build_regex(pattern, false)
                        .map_err(|e| invalid(format!("Bad pattern '{pattern}': {e}")))?,
                    group: group.unwrap_or(0),
                },
                Transform::RegexReplace {
                    pattern,
                    replacement,
                } => CTransform::Replace {
                    re: build_regex(pattern, false)
                        .map_err(|e| invalid(format!("Bad pattern '{pattern}': {e}")))?,
                    replacement: replacement.clone(),
                },
                Transform::Truncate { length } => CTransform::Truncate(*length),
            },
        })
    }

    fn rule_set(
        &mut self,
        mappings: &[Mapping],
        tag_rules: &[TagRule],
        scoring: Option<&Scoring>,
        prefix: &str,
    ) -> Result<RuleSet, RulesError> {
        let mut set = RuleSet::default();
        for (i, m) in mappings.iter().enumerate() {
            let source = match (&m.from, &m.template) {
                (Some(p), _) => Source::Slot(self.slot(p)?),
                (None, Some(t)) => Source::Template(self.template(t)?),
                _ => return Err(invalid("A mapping needs 'from' or 'template'.".into())),
            };
            let transforms: Vec<CTransform> = m
                .transforms
                .iter()
                .map(|t| self.transform(t))
                .collect::<Result<_, _>>()?;
            set.mappings.push(CMapping {
                id: m
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("{prefix}mappings/{i}")),
                source,
                text: transforms.iter().all(CTransform::is_text),
                transforms,
                target: self.target(&m.to)?,
                when: self.when(&m.when)?,
            });
        }
        for (i, r) in tag_rules.iter().enumerate() {
            set.tag_rules.push(CTagRule {
                id: r
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("{prefix}tagRules/{i}")),
                when: self.when(&r.when)?,
                add: self.tags(&r.add)?,
                remove: self.tags(&r.remove)?,
            });
        }
        if let Some(s) = scoring {
            let mut rules = Vec::new();
            for (i, r) in s.rules.iter().enumerate() {
                rules.push(CScoreRule {
                    id: r
                        .id
                        .clone()
                        .unwrap_or_else(|| format!("{prefix}scoring/rules/{i}")),
                    when: self.when(&r.when)?,
                    points: r.points,
                    per: r.per.as_deref().map(|p| self.slot(p)).transpose()?,
                    cap: r.cap,
                });
            }
            set.scoring = Some(CScoring {
                base: s.base.as_deref().map(|p| self.slot(p)).transpose()?,
                rules,
                min: s.min,
                max: s.max,
                thresholds: s
                    .thresholds
                    .iter()
                    .map(|t| (t.at, t.tags.clone()))
                    .collect(),
                write_to: s.write_to.as_ref().map(|t| self.target(t)).transpose()?,
            });
        }
        Ok(set)
    }
}

impl CompiledRules {
    /// The document this was compiled from (typed).
    pub fn document(&self) -> &RulesDocument {
        &self.document
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Every source path the rules read, in slot order.
    pub fn source_paths(&self) -> Vec<String> {
        (0..self.trie.slots() as u32)
            .map(|s| self.trie.path(s).to_string())
            .collect()
    }
}
