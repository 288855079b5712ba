//! Contact tag diffs and the location tags a sync would have to create.
//!
//! GHL replaces all of a contact's tags when `tags` is sent on create/update/upsert, so
//! tags are changed with the add-tags / remove-tags endpoints and a diff.
//!
//! Invariants of [`diff`] (names compared with [`normalize_tag_name`]):
//! - `add` holds no tag the contact already has, `remove` only tags it has (in the
//!   contact's spelling), `unchanged` the contact's tags that stay; no list has two
//!   equal names, and none shares a name with another list.
//! - A tag both desired and to be removed is never removed (adding wins).
//! - Adds keep the caller's spelling (trimmed); blank names are ignored.
//! - The contact's tags afterwards are exactly `unchanged ∪ add`.

use crate::codec::{FromJson, ToJson};
use crate::sorted::SortedSet;

use serde::{Deserialize, Serialize};

use super::{normalize_tag_name, SCOPE_LOCATION_TAGS_WRITE};

/// The changes that bring a contact's tags to the desired state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TagDiff {
    /// Tags to add (caller's spelling, in desired order).
    pub add: Vec<String>,
    /// Tags to remove (contact's spelling, in the contact's order).
    pub remove: Vec<String>,
    /// The contact's tags that stay (contact's spelling, in the contact's order).
    pub unchanged: Vec<String>,
}

impl TagDiff {
    /// True when nothing is to be added or removed.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

/// The diff between the desired additions/removals and a contact's current tags.
pub fn diff(desired_add: &[String], desired_remove: &[String], current: &[String]) -> TagDiff {
    let mut current_keys = SortedSet::new();
    let mut current_list = Vec::new();
    for c in current {
        let key = normalize_tag_name(c);
        if !key.is_empty() && current_keys.insert(key.clone()) {
            current_list.push((key, c.trim().to_string()));
        }
    }
    let wanted: SortedSet<String> = desired_add
        .iter()
        .map(|s| normalize_tag_name(s))
        .filter(|k| !k.is_empty())
        .collect();
    let unwanted: SortedSet<String> = desired_remove
        .iter()
        .map(|s| normalize_tag_name(s))
        .filter(|k| !k.is_empty() && !wanted.contains(k))
        .collect();

    let mut out = TagDiff::default();
    let mut added = SortedSet::new();
    for a in desired_add {
        let key = normalize_tag_name(a);
        if !key.is_empty() && !current_keys.contains(&key) && added.insert(key) {
            out.add.push(a.trim().to_string());
        }
    }
    for (key, spelling) in current_list {
        if unwanted.contains(&key) {
            out.remove.push(spelling);
        } else {
            out.unchanged.push(spelling);
        }
    }
    out
}

/// Why no location tags are created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "reason", rename_all = "camelCase")]
pub enum LocationTagSkip {
    /// The configuration does not allow creating location tags.
    CreationDisabled,
    /// The token lacks the scope to create them.
    MissingScope {
        /// The scope needed (`locations/tags.write`).
        scope: String,
    },
}

/// Location tags to create before contacts can carry the desired tags.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LocationTagPlan {
    /// Names to create (caller's spelling, trimmed, de-duplicated).
    pub create: Vec<String>,
    /// Desired names the location lacks (same as `create` when creation is allowed).
    pub missing: Vec<String>,
    /// Why `create` is empty although `missing` is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_reason: Option<LocationTagSkip>,
}

/// The desired tags the location lacks, to create only when the configuration allows
/// it (`allow_create`) **and** the token has `locations/tags.write` (`has_scope`).
/// When both are missing, the configuration is named as the reason.
pub fn missing_location_tags(
    desired: &[String],
    location_tags: &[String],
    allow_create: bool,
    has_scope: bool,
) -> LocationTagPlan {
    let known: SortedSet<String> = location_tags
        .iter()
        .map(|s| normalize_tag_name(s))
        .collect();
    let mut seen = SortedSet::new();
    let missing: Vec<String> = desired
        .iter()
        .filter(|d| {
            let key = normalize_tag_name(d);
            !key.is_empty() && !known.contains(&key) && seen.insert(key)
        })
        .map(|d| d.trim().to_string())
        .collect();
    let skipped_reason = if missing.is_empty() {
        None
    } else if !allow_create {
        Some(LocationTagSkip::CreationDisabled)
    } else if !has_scope {
        Some(LocationTagSkip::MissingScope {
            scope: SCOPE_LOCATION_TAGS_WRITE.to_string(),
        })
    } else {
        None
    };
    let create = if skipped_reason.is_none() {
        missing.clone()
    } else {
        Vec::new()
    };
    LocationTagPlan {
        create,
        missing,
        skipped_reason,
    }
}
