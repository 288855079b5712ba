//! The tag validation report: problems in the catalog and in the tags that rules and
//! contacts reference, each with a proposal.
//!
//! Findings, in this order:
//! - `caseOrSpaceVariants`: tags whose names differ only by case or white space (two
//!   or more live ones, or a live one and deleted ones spelled differently). The
//!   proposed canonical tag is ranked: live first, then most used (references that
//!   resolve to it), then oldest (`createdAt`; missing dates last), then lowest id.
//! - `deletedReferenced`: references that resolve to a deleted tag. Proposal: the live
//!   tag with the same normalised name (ranked as above) when there is one, otherwise
//!   "recreate or remove".
//! - `unknownReference`: references that are neither a cached id nor a tag name.
//! - `blankName`: live tags whose name is empty or white space (proposal: remove).
//! - `overlongName`: live tags longer than `maxLen` characters (proposal: rename to
//!   the first `maxLen` characters, trimmed).
//!
//! Invariants: the report is deterministic (same catalog and references, same report);
//! within a kind, findings are sorted by their first tag's normalised name, then id.
//! In the Markdown form every tag name is a code span and every other text from data
//! is escaped ([`crate::escape::markdown`]): a name cannot add HTML, links or cells.

use crate::codec::{FromJson, ToJson};
use crate::sorted::SortedMap;

use serde::{Deserialize, Serialize};

use super::catalog::{Resolution, TagCatalog};
use super::model::Tag;
use super::normalize_tag_name;
use crate::escape::markdown;

/// A tag referenced somewhere (by id or by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TagReference {
    /// Tag id or name, as referenced.
    pub value: String,
    /// Where, for people (e.g. `rule:wishpond-vip`, `contact:abc123`).
    pub source: String,
}

/// Tunables of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ReportOptions {
    /// Longest acceptable tag name, in characters. Default 100.
    pub max_len: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self { max_len: 100 }
    }
}

/// What a finding is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToJson, Deserialize, FromJson,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum FindingKind {
    /// Names that differ only by case or white space.
    CaseOrSpaceVariants,
    /// References to deleted tags.
    DeletedReferenced,
    /// References to nothing known.
    UnknownReference,
    /// Blank tag names.
    BlankName,
    /// Over-long tag names.
    OverlongName,
}

impl FindingKind {
    fn title(self) -> &'static str {
        match self {
            FindingKind::CaseOrSpaceVariants => "Names differing only by case or spaces",
            FindingKind::DeletedReferenced => "Deleted tags still referenced",
            FindingKind::UnknownReference => "Unknown references",
            FindingKind::BlankName => "Blank names",
            FindingKind::OverlongName => "Over-long names",
        }
    }
}

/// A tag (or an unknown reference) named by a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FindingTag {
    /// Tag id (`None` for an unknown reference).
    pub id: Option<String>,
    /// Tag name, or the referenced value.
    pub name: String,
    /// True when the tag is deleted.
    pub deleted: bool,
    /// References that resolve to it.
    pub uses: usize,
    /// Where those references are (distinct, sorted).
    pub sources: Vec<String>,
}

crate::tagged::tagged_enum! {
    tag = "action", name = "Proposal", rename_all = "camelCase";
    /// What to do about a finding.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    pub enum Proposal {
        /// Use this tag everywhere and retire the others.
        UseCanonical {
            /// Tag id.
            id: String,
            /// Tag name.
            name: String,
        },
        /// Point the references at this live tag.
        ReplaceWith {
            /// Tag id.
            id: String,
            /// Tag name.
            name: String,
        },
        /// No live tag has that name: recreate it or remove the references.
        RecreateOrRemove,
        /// Create the tag or fix the reference.
        CreateOrFix,
        /// Delete the tag.
        Remove,
        /// Rename the tag.
        Rename {
            /// A name within the limit.
            suggestion: String,
        },
    }
}

impl Proposal {
    /// The proposal as Markdown (names as code spans, ids escaped).
    fn markdown(&self) -> String {
        let (code, text) = (markdown::code, markdown::text);
        match self {
            Proposal::UseCanonical { id, name } => {
                format!("use {} ({}) everywhere", code(name), text(id))
            }
            Proposal::ReplaceWith { id, name } => {
                format!("replace with live tag {} ({})", code(name), text(id))
            }
            Proposal::Rename { suggestion } => format!("rename to {}", code(suggestion)),
            other => text(&other.text()),
        }
    }

    fn text(&self) -> String {
        match self {
            Proposal::UseCanonical { id, name } => format!("use `{name}` ({id}) everywhere"),
            Proposal::ReplaceWith { id, name } => format!("replace with live tag `{name}` ({id})"),
            Proposal::RecreateOrRemove => "recreate the tag or remove the references".into(),
            Proposal::CreateOrFix => "create the tag or fix the reference".into(),
            Proposal::Remove => "delete the tag".into(),
            Proposal::Rename { suggestion } => format!("rename to `{suggestion}`"),
        }
    }
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// What kind of problem.
    pub kind: FindingKind,
    /// The tags concerned (canonical/replacement first where there is one).
    pub tags: Vec<FindingTag>,
    /// What to do.
    pub proposal: Proposal,
    /// A sentence for people.
    pub message: String,
}

/// All findings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TagReport {
    /// Tags in the catalog.
    pub tags_checked: usize,
    /// References checked.
    pub references_checked: usize,
    /// Findings, ordered by kind, then name.
    pub findings: Vec<Finding>,
}

#[derive(Default)]
struct Uses {
    count: usize,
    sources: Vec<String>,
}

impl Uses {
    fn add(&mut self, source: &str) {
        self.count += 1;
        if !self.sources.iter().any(|s| s == source) {
            self.sources.push(source.to_string());
            crate::order::sort(&mut self.sources);
        }
    }
}

/// Builds the report (see the module doc).
pub fn validate_tags(
    catalog: &TagCatalog,
    references: &[TagReference],
    opts: &ReportOptions,
) -> TagReport {
    let tags: Vec<&Tag> = catalog.tags().collect();
    let mut uses: SortedMap<String, Uses> = SortedMap::new();
    let mut unknown: SortedMap<String, Uses> = SortedMap::new();
    for r in references {
        let value = r.value.trim();
        if value.is_empty() {
            continue;
        }
        match catalog.lookup(value) {
            Resolution::Found { tag } | Resolution::Deleted { tag } => {
                uses.entry(tag.id).or_default().add(&r.source)
            }
            Resolution::Ambiguous { tags } => {
                if let Some(t) = tags.iter().find(|t| t.tag.trim() == value) {
                    uses.entry(t.id.clone()).or_default().add(&r.source);
                }
            }
            Resolution::Unknown => unknown.entry(value.to_string()).or_default().add(&r.source),
        }
    }
    let finding_tag = |t: &Tag| {
        let u = uses.get(&t.id);
        FindingTag {
            id: Some(t.id.clone()),
            name: t.tag.clone(),
            deleted: t.deleted,
            uses: u.map_or(0, |u| u.count),
            sources: u.map(|u| u.sources.clone()).unwrap_or_default(),
        }
    };
    let rank = |a: &&Tag, b: &&Tag| {
        let ua = uses.get(&a.id).map_or(0, |u| u.count);
        let ub = uses.get(&b.id).map_or(0, |u| u.count);
        a.deleted
            .cmp(&b.deleted)
            .then(ub.cmp(&ua))
            .then(match (&a.created_at, &b.created_at) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then(a.id.cmp(&b.id))
    };

    let mut groups: SortedMap<String, Vec<&Tag>> = SortedMap::new();
    for t in &tags {
        let key = normalize_tag_name(&t.tag);
        if !key.is_empty() {
            groups.entry(key).or_default().push(t);
        }
    }
    let mut findings = Vec::new();

    for (key, mut group) in groups.clone() {
        let live = group.iter().filter(|t| !t.deleted).count();
        let mut spellings: Vec<&str> = group.iter().map(|t| t.tag.trim()).collect();
        crate::order::sort(&mut spellings);
        spellings.dedup();
        if !(live >= 2 || (live >= 1 && group.len() >= 2 && spellings.len() >= 2)) {
            continue;
        }
        crate::order::sort_by(&mut group, rank);
        let Some(canon) = group.first() else { continue };
        let names: Vec<String> = group.iter().map(|t| format!("`{}`", t.tag)).collect();
        findings.push(Finding {
            kind: FindingKind::CaseOrSpaceVariants,
            message: format!(
                "{} tags are the same name '{key}' up to case or spaces: {}",
                group.len(),
                names.join(", ")
            ),
            proposal: Proposal::UseCanonical {
                id: canon.id.clone(),
                name: canon.tag.clone(),
            },
            tags: group.iter().map(|t| finding_tag(t)).collect(),
        });
    }

    for t in tags
        .iter()
        .filter(|t| t.deleted && uses.contains_key(&t.id))
    {
        let key = normalize_tag_name(&t.tag);
        let mut live: Vec<&Tag> = groups
            .get(&key)
            .map(|g| g.iter().copied().filter(|x| !x.deleted).collect())
            .unwrap_or_default();
        crate::order::sort_by(&mut live, rank);
        let u = uses.get(&t.id).map_or(0, |u| u.count);
        let mut ftags = vec![finding_tag(t)];
        let proposal = match live.first() {
            Some(r) => {
                ftags.insert(0, finding_tag(r));
                Proposal::ReplaceWith {
                    id: r.id.clone(),
                    name: r.tag.clone(),
                }
            }
            None => Proposal::RecreateOrRemove,
        };
        findings.push(Finding {
            kind: FindingKind::DeletedReferenced,
            message: format!(
                "deleted tag `{}` ({}) is still referenced {u} time(s)",
                t.tag, t.id
            ),
            proposal,
            tags: ftags,
        });
    }

    for (value, u) in &unknown {
        findings.push(Finding {
            kind: FindingKind::UnknownReference,
            message: format!(
                "`{value}` is referenced {} time(s) but is neither a tag id nor a tag name of location {}",
                u.count,
                catalog.location_id()
            ),
            proposal: Proposal::CreateOrFix,
            tags: vec![FindingTag {
                id: None,
                name: value.clone(),
                deleted: false,
                uses: u.count,
                sources: u.sources.clone(),
            }],
        });
    }

    for t in tags.iter().filter(|t| !t.deleted) {
        if t.tag.trim().is_empty() {
            findings.push(Finding {
                kind: FindingKind::BlankName,
                message: format!("tag {} has a blank name", t.id),
                proposal: Proposal::Remove,
                tags: vec![finding_tag(t)],
            });
        }
        let len = t.tag.chars().count();
        if len > opts.max_len {
            let suggestion: String = t.tag.chars().take(opts.max_len).collect();
            findings.push(Finding {
                kind: FindingKind::OverlongName,
                message: format!(
                    "tag {} has a name of {len} characters (limit {})",
                    t.id, opts.max_len
                ),
                proposal: Proposal::Rename {
                    suggestion: suggestion.trim().to_string(),
                },
                tags: vec![finding_tag(t)],
            });
        }
    }

    crate::order::sort_by(&mut findings, |a, b| {
        let first = |f: &Finding| {
            f.tags
                .first()
                .map(|t| (normalize_tag_name(&t.name), t.id.clone()))
                .unwrap_or_default()
        };
        a.kind.cmp(&b.kind).then(first(a).cmp(&first(b)))
    });
    TagReport {
        tags_checked: tags.len(),
        references_checked: references.len(),
        findings,
    }
}

impl TagReport {
    /// True when nothing was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// The report as Markdown: a summary line, then one section per kind with one
    /// table row per finding.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Tag report\n\n");
        out.push_str(&format!(
            "Checked {} tags and {} references: {} finding(s).\n",
            self.tags_checked,
            self.references_checked,
            self.findings.len()
        ));
        let mut kinds: Vec<FindingKind> = self.findings.iter().map(|f| f.kind).collect();
        kinds.dedup();
        for kind in kinds {
            let of_kind: Vec<&Finding> = self.findings.iter().filter(|f| f.kind == kind).collect();
            out.push_str(&format!("\n## {} ({})\n\n", kind.title(), of_kind.len()));
            out.push_str("| Tags | Proposal | Details |\n|---|---|---|\n");
            for f in of_kind {
                let tags: Vec<String> = f
                    .tags
                    .iter()
                    .map(|t| {
                        let mut s = markdown::code(&t.name);
                        if let Some(id) = &t.id {
                            s.push_str(&format!(" ({})", markdown::text(id)));
                        }
                        if t.deleted {
                            s.push_str(" deleted");
                        }
                        if t.uses > 0 {
                            s.push_str(&format!(", {} use(s)", t.uses));
                        }
                        s
                    })
                    .collect();
                out.push_str(&format!(
                    "| {} | {} | {} |\n",
                    tags.join("; "),
                    f.proposal.markdown(),
                    markdown::text(&f.message)
                ));
            }
        }
        out
    }
}
