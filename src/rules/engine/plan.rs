//! The compiled form of a rules document (what [`crate::compile`] builds and
//! the engine runs): the trie of source paths, and rule sets whose conditions,
//! transforms, templates and targets refer to trie slots.
//!
//! Invariant: every slot number in a rule set is a slot of the plan's trie, and every
//! custom target index is an index of `customs`.

use super::conditions::Cond;
use super::path::Trie;
use super::transforms::CTransform;
use crate::grammar::document::RulesDocument;
use crate::limits::Limits;

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
    pub(crate) fn new(id: Option<String>, key: Option<String>) -> Self {
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
