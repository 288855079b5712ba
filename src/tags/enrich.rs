//! Tag enrichment: attach the details of the tags a record references.
//!
//! A record is any JSON object. Its tags sit at a configurable path (default `tags`):
//! a dotted field path (`data.tags`) or a JSON Pointer (`/data/tags`). The value there
//! may be a string, or an array of strings or of objects with `id`/`_id` or
//! `name`/`tag`. Each value is looked up as an id first, then as a name
//! ([`TagCatalog::lookup`]).
//!
//! Invariants:
//! - The details are written next to the tags value, in the same object, under the
//!   output field (default `tagDetails`), one entry per distinct tag id, in reference
//!   order. Existing output fields are replaced, so enriching twice gives the same
//!   result.
//! - Records whose path is absent get no output field and are listed in
//!   `withoutTags`; values that resolve to nothing or to several live tags are
//!   reported (`unknown`, `ambiguous`) and get no entry. Deleted tags do get an entry,
//!   with `deleted: true`.
//! - Nothing here fetches: call [`TagCatalog::enrichment_requests`] first to learn
//!   which detail requests would fill the gaps.

use crate::codec::{FromJson, ToJson};
use crate::sorted::SortedSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::catalog::{Resolution, TagCatalog};
use super::model::Tag;
use super::TagError;
use crate::http::RequestParams;

/// Where the tags are and where the details go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct EnrichOptions {
    /// Dotted path or JSON Pointer of the tags value. Default `tags`.
    pub path: String,
    /// Field written next to the tags value. Default `tagDetails`.
    pub output: String,
}

impl Default for EnrichOptions {
    fn default() -> Self {
        Self {
            path: "tags".into(),
            output: "tagDetails".into(),
        }
    }
}

/// The details attached for one tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TagDetail {
    /// Tag id.
    pub id: String,
    /// Tag name.
    pub name: String,
    /// Creation time, as GHL sent it.
    pub created_at: Option<String>,
    /// Update time, as GHL sent it.
    pub updated_at: Option<String>,
    /// True when the tag is deleted in GHL.
    pub deleted: bool,
}

impl From<&Tag> for TagDetail {
    fn from(t: &Tag) -> Self {
        Self {
            id: t.id.clone(),
            name: t.tag.clone(),
            created_at: t.created_at.clone(),
            updated_at: t.updated_at.clone(),
            deleted: t.deleted,
        }
    }
}

/// A referenced value that got no details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnresolvedTag {
    /// Index of the record.
    pub record: usize,
    /// The value as referenced (JSON text when it was not a string).
    pub value: String,
    /// Candidate ids (ambiguous names only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

/// What an enrichment did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnrichReport {
    /// Records seen.
    pub records: usize,
    /// Detail entries attached, over all records.
    pub attached: usize,
    /// Values found nowhere.
    pub unknown: Vec<UnresolvedTag>,
    /// Names shared by several live tags.
    pub ambiguous: Vec<UnresolvedTag>,
    /// Records without a tags value at the path (or not an object there).
    pub without_tags: Vec<usize>,
}

fn parse_path(path: &str) -> Result<Vec<String>, TagError> {
    let bad = |reason: &str| TagError::BadPath {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    let segments: Vec<String> = if let Some(rest) = path.strip_prefix('/') {
        rest.split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect()
    } else {
        path.split('.').map(str::to_string).collect()
    };
    if path.trim().is_empty() || segments.iter().any(|s| s.is_empty()) {
        return Err(bad("it is empty or has an empty segment"));
    }
    Ok(segments)
}

fn check_output(opts: &EnrichOptions) -> Result<(), TagError> {
    if opts.output.trim().is_empty() {
        return Err(TagError::BadPath {
            path: opts.output.clone(),
            reason: "the output field name is blank".into(),
        });
    }
    Ok(())
}

/// The object holding the last segment, when every step exists.
fn parent_mut<'a>(
    record: &'a mut Value,
    segments: &[String],
) -> Option<&'a mut Map<String, Value>> {
    let (_, init) = segments.split_last()?;
    let mut cur = record;
    for seg in init {
        cur = match cur {
            Value::Object(m) => m.get_mut(seg)?,
            Value::Array(a) => a.get_mut(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    cur.as_object_mut()
}

fn parent<'a>(record: &'a Value, segments: &[String]) -> Option<&'a Map<String, Value>> {
    let (_, init) = segments.split_last()?;
    let mut cur = record;
    for seg in init {
        cur = match cur {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    cur.as_object()
}

/// The referenced strings of one tags value (JSON text for unusable items).
fn values_of(v: &Value) -> Vec<String> {
    fn one(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(m) => ["id", "_id", "name", "tag"]
                .iter()
                .find_map(|k| m.get(*k).and_then(Value::as_str))
                .map(str::to_string)
                .or_else(|| Some(v.to_string())),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }
    match v {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

/// Every value referenced by the records at the path (trimmed, blanks dropped,
/// de-duplicated, first occurrence order).
pub fn referenced_values(records: &[Value], opts: &EnrichOptions) -> Result<Vec<String>, TagError> {
    let segments = parse_path(&opts.path)?;
    let last = segments.last().cloned().unwrap_or_default();
    let mut seen = SortedSet::new();
    let mut out = Vec::new();
    for r in records {
        if let Some(v) = parent(r, &segments).and_then(|p| p.get(&last)) {
            for s in values_of(v) {
                let s = s.trim().to_string();
                if !s.is_empty() && seen.insert(s.clone()) {
                    out.push(s);
                }
            }
        }
    }
    Ok(out)
}

impl TagCatalog {
    /// Detail requests for the referenced values the catalog cannot resolve at all
    /// (neither as id nor as name), batched like [`TagCatalog::details_requests`].
    pub fn enrichment_requests(
        &self,
        records: &[Value],
        opts: &EnrichOptions,
    ) -> Result<Vec<RequestParams>, TagError> {
        let unknown: Vec<String> = referenced_values(records, opts)?
            .into_iter()
            .filter(|v| self.lookup(v) == Resolution::Unknown)
            .collect();
        Ok(self.details_requests(&unknown))
    }

    /// Attaches tag details to every record (see the module doc).
    pub fn enrich(
        &self,
        records: &mut [Value],
        opts: &EnrichOptions,
    ) -> Result<EnrichReport, TagError> {
        let segments = parse_path(&opts.path)?;
        check_output(opts)?;
        let last = segments.last().cloned().unwrap_or_default();
        let mut report = EnrichReport {
            records: records.len(),
            ..EnrichReport::default()
        };
        for (index, record) in records.iter_mut().enumerate() {
            let Some(obj) = parent_mut(record, &segments) else {
                report.without_tags.push(index);
                continue;
            };
            let Some(value) = obj.get(&last) else {
                report.without_tags.push(index);
                continue;
            };
            let mut details: Vec<TagDetail> = Vec::new();
            for raw in values_of(value) {
                let v = raw.trim();
                if v.is_empty() {
                    continue;
                }
                let unresolved = |candidates| UnresolvedTag {
                    record: index,
                    value: v.to_string(),
                    candidates,
                };
                match self.lookup(v) {
                    Resolution::Found { tag } | Resolution::Deleted { tag } => {
                        if !details.iter().any(|d| d.id == tag.id) {
                            details.push(TagDetail::from(&tag));
                        }
                    }
                    Resolution::Ambiguous { tags } => report
                        .ambiguous
                        .push(unresolved(tags.into_iter().map(|t| t.id).collect())),
                    Resolution::Unknown => report.unknown.push(unresolved(Vec::new())),
                }
            }
            report.attached += details.len();
            let details = crate::codec::to_value(&details);
            obj.insert(opts.output.clone(), details);
        }
        Ok(report)
    }
}
