//! The compiled form of a rules document (what `ghl_bridge_rules::compile` builds and
//! the engine runs): the trie of source paths, and rule sets whose conditions,
//! transforms, templates and targets refer to trie slots.
//!
//! Invariant: every slot number in a rule set is a slot of the plan's trie, and every
//! custom target index is an index of `customs`.

use super::conditions::Cond;
use super::path::Trie;
use super::transforms::CTransform;
use crate::limits::Limits;

/// A compiled template.
#[derive(Debug, Clone)]
pub enum Part {
    Lit(String),
    Slot(u32),
}

/// Where a mapped value goes.
#[derive(Debug, Clone, Copy)]
pub enum CTarget {
    Std(usize),
    Tags,
    Custom(usize),
}

#[derive(Debug, Clone)]
pub enum Source {
    Slot(u32),
    Template(Vec<Part>),
}

#[derive(Debug, Clone)]
pub struct CMapping {
    pub id: String,
    pub source: Source,
    pub transforms: Vec<CTransform>,
    /// Every transform is a text transform ([`CTransform::is_text`]): a text value
    /// can take the text path.
    pub text: bool,
    pub target: CTarget,
    pub when: Option<Cond>,
}

/// A tag a tag rule adds or removes.
#[derive(Debug, Clone)]
pub enum CTag {
    /// Fixed text, normalised when compiled (a blank one is dropped then).
    Fixed(String),
    /// A template, normalised for each record.
    Template(Vec<Part>),
}

#[derive(Debug, Clone)]
pub struct CTagRule {
    pub id: String,
    pub when: Option<Cond>,
    pub add: Vec<CTag>,
    pub remove: Vec<CTag>,
}

#[derive(Debug, Clone)]
pub struct CScoreRule {
    pub id: String,
    pub when: Option<Cond>,
    pub points: i64,
    pub per: Option<u32>,
    pub cap: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct CScoring {
    pub base: Option<u32>,
    pub rules: Vec<CScoreRule>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub thresholds: Vec<(i64, Vec<String>)>,
    pub write_to: Option<CTarget>,
}

#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub mappings: Vec<CMapping>,
    pub tag_rules: Vec<CTagRule>,
    pub scoring: Option<CScoring>,
}

#[derive(Debug, Clone)]
pub struct CRoute {
    pub id: String,
    pub when: Cond,
    pub set: RuleSet,
}

/// A custom field written by the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomOut {
    pub id: Option<String>,
    pub key: Option<String>,
    /// The JSON text before its value: `{"id":..,"key":..,"field_value":`.
    pub prefix: String,
}

impl CustomOut {
    pub fn new(id: Option<String>, key: Option<String>) -> Self {
        let mut prefix = String::from("{");
        if let Some(id) = &id {
            prefix.push_str("\"id\":");
            crate::text::json::str(&mut prefix, id);
            prefix.push(',');
        }
        if let Some(k) = &key {
            prefix.push_str("\"key\":");
            crate::text::json::str(&mut prefix, k);
            prefix.push(',');
        }
        prefix.push_str("\"field_value\":");
        Self { id, key, prefix }
    }
}

/// A compiled rules document, ready to apply to many records (`CompiledRules` is this
/// and the typed document). Immutable and cheap to share; applying never mutates it.
#[derive(Debug, Clone)]
pub struct Program {
    pub trie: Trie,
    pub base: RuleSet,
    pub routes: Vec<CRoute>,
    pub customs: Vec<CustomOut>,
    pub default_country: Option<String>,
    pub lowercase_tags: bool,
    pub max_tag_length: usize,
    pub limits: Limits,
}

impl Program {
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
