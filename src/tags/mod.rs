//! Social-planner tags: the per-location catalog, tag enrichment, contact tag diffs and
//! the tag validation report.
//!
//! Everything here is sans-IO. The catalog ([`TagCatalog`]) tells the host which
//! request to send next ([`Need`]) and is fed the JSON bodies that come back; time is
//! always an argument (`now_ms`).
//!
//! Invariants shared by the whole module:
//! - Tag **names** are compared after [`normalize_tag_name`]: trimmed, runs of white
//!   space collapsed to one space, lower-cased (Unicode: std's `str::to_lowercase`
//!   mapping, by the codec's table [`crate::codec::case::lower_str`]). So
//!   `" VIP  Client "` and `"vip client"` are the same name. Tag **ids** are opaque and
//!   compared exactly (only surrounding white space is trimmed).
//! - A deleted tag is never reported as found: it resolves to
//!   [`Resolution::Deleted`], so callers can tell "gone" from "never existed".
//! - Every failure is a [`TagError`] with a stable code ([`crate::error::Coded`]).

pub mod catalog;
pub mod diff;
pub mod enrich;
pub mod model;
pub mod report;

mod error;

pub use catalog::{
    CatalogConfig, DetailsOutcome, LoadId, Need, PageRequest, Resolution, TagCatalog,
};
pub use diff::{diff, missing_location_tags, LocationTagPlan, LocationTagSkip, TagDiff};
pub use enrich::{EnrichOptions, EnrichReport, TagDetail, UnresolvedTag};
pub use error::TagError;
pub use model::{Tag, TagsResponse, TagsResults};
pub use report::{
    validate_tags, Finding, FindingKind, FindingTag, Proposal, ReportOptions, TagReference,
    TagReport,
};

/// Operation id of the paged tag list (`GET /social-media-posting/{locationId}/tags`).
pub const OP_LIST_TAGS: &str = "social-media-posting.get-tags-location-id";
/// Operation id of the tag details by ids (`POST /social-media-posting/{locationId}/tags/details`).
pub const OP_TAGS_BY_IDS: &str = "social-media-posting.get-tags-by-ids";
/// The scope a token needs to create location (contact) tags.
pub const SCOPE_LOCATION_TAGS_WRITE: &str = "locations/tags.write";

/// The comparison key of a tag name: trimmed, inner white space collapsed to one
/// space, lower-cased. `" VIP "` and `"vip"` give the same key.
pub fn normalize_tag_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&crate::codec::case::lower_str(word));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize_tag_name;

    #[test]
    fn normalisation_trims_collapses_and_lowercases() {
        assert_eq!(normalize_tag_name("  VIP \t Client "), "vip client");
        assert_eq!(normalize_tag_name("ÉTÉ"), "été");
        assert_eq!(normalize_tag_name("   "), "");
    }
}
