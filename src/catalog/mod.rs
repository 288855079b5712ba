//! The catalog of every GHL API operation, generated from HighLevel's OpenAPI files.
//!
//! The table (`table.rs`) is written by `scripts/gen-catalog.mjs` from `../shared/ghl-api`
//! (41 services, 576 operations, 565 distinct operation ids) and committed;
//! `tests/catalog_spec.rs` re-reads the spec and checks every entry when the spec is
//! present. Each [`Operation`] knows its service (the spec's file stem), id, method,
//! path template, path and query parameters, accepted `Version` values, whether a body
//! is required, its security schemes and its scopes.
//!
//! Addressing: `service.operationId` (e.g. `contacts.upsert-contact`) always works; a
//! bare id (`upsert-contact`) works when only one service has it. The 11 ids that two
//! services share must be qualified ([`CatalogError::Ambiguous`] lists the candidates).
//!
//! Scopes: taken from the operation's `security` in the spec; where it lists none,
//! from `Scopes.md` matched by method and path (parameter names and trailing slashes
//! ignored, case-insensitive); where still none, the list is empty and means "no scope
//! check". The listed scopes are **alternatives**: a token holding any one of them may
//! call the operation (OpenAPI security requirements are alternatives, and HighLevel
//! lists one scope per requirement).
//!
//! Invariants: the table is static and immutable; lookups never allocate on success
//! and never panic on any input.

use serde::{Deserialize, Serialize};

use crate::error::Coded;
use crate::http::Method;

#[rustfmt::skip]
mod table;

/// The `Version` header sent to operations whose spec entry declares none (FACTS: GHL
/// requires the header on every call, and this is the value nearly every operation
/// accepts).
pub const DEFAULT_VERSION: &str = "2021-07-28";

/// One operation's line of the table, split into its fields (see
/// `scripts/gen-catalog.mjs` for the encoding).
struct Row {
    id: &'static str,
    /// Path template; a leading `~` stands for the service's path prefix.
    path: &'static str,
    /// Method, versions, body and security digits.
    flags: &'static [u8],
    /// Query parameter names, comma-separated; a trailing `!` marks required ones.
    query: &'static str,
    /// Scopes, comma-separated.
    scopes: &'static str,
}

impl Row {
    /// Splits the line starting at byte `at` of the table (an empty row past the end).
    fn at(at: u32) -> Row {
        let line = table::OPS.get(at as usize..).unwrap_or("");
        let line = line.split('\n').next().unwrap_or("");
        let mut f = line.split('\t');
        let mut next = || f.next().unwrap_or("");
        Row {
            id: next(),
            path: next(),
            flags: next().as_bytes(),
            query: next(),
            scopes: next(),
        }
    }

    /// The `i`-th flag digit (base 32), 0 when absent.
    fn flag(&self, i: usize) -> u8 {
        match self.flags.get(i) {
            Some(c @ b'0'..=b'9') => c - b'0',
            Some(c @ b'a'..=b'v') => c - b'a' + 10,
            _ => 0,
        }
    }
}

/// Comma-separated list items (none for an empty field).
fn items(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.split(',').filter(|s| !s.is_empty())
}

/// Whether an operation takes a JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum BodyRule {
    /// The spec declares no request body: sending one is an error.
    Absent,
    /// A body may be sent.
    Optional,
    /// A body must be sent.
    Required,
}

/// A query parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueryParam {
    /// Parameter name as the spec writes it.
    pub name: &'static str,
    /// Whether the spec marks it required.
    pub required: bool,
}

/// A handle to one operation of the catalog (cheap to copy).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    index: u16,
    /// Byte offset of the operation's line in the table.
    at: u32,
}

impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Operation({}.{})", self.service(), self.id())
    }
}

impl Operation {
    fn raw(&self) -> Row {
        // `at` is only ever created from line starts of the table.
        Row::at(self.at)
    }

    fn service_row(&self) -> &'static (&'static str, &'static str, u16) {
        let i = table::SERVICES.partition_point(|s| s.2 <= self.index);
        &table::SERVICES[i.saturating_sub(1)]
    }

    /// The service: the spec's file stem (e.g. `contacts`, `social-media-posting`).
    pub fn service(&self) -> &'static str {
        self.service_row().0
    }

    /// The spec's `operationId` (e.g. `upsert-contact`).
    pub fn id(&self) -> &'static str {
        self.raw().id
    }

    /// The qualified name `service.operationId`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.service(), self.id())
    }

    /// HTTP method.
    pub fn method(&self) -> Method {
        match self.raw().flag(0) {
            0 => Method::Get,
            1 => Method::Post,
            2 => Method::Put,
            3 => Method::Patch,
            _ => Method::Delete,
        }
    }

    /// The two parts of the path template: service prefix (possibly empty) and rest.
    fn path_parts(&self) -> (&'static str, &'static str) {
        let path = self.raw().path;
        match path.strip_prefix('~') {
            Some(rest) => (self.service_row().1, rest),
            None => ("", path),
        }
    }

    /// The path template as the spec writes it (e.g. `/contacts/{contactId}/tags`).
    pub fn path(&self) -> String {
        let (a, b) = self.path_parts();
        format!("{a}{b}")
    }

    /// The path parameters, in template order (taken from the template itself: a few
    /// spec entries forget to declare some of theirs).
    pub fn path_params(&self) -> Vec<&'static str> {
        let (a, b) = self.path_parts();
        let mut out = Vec::new();
        for part in [a, b] {
            let mut s = part;
            while let Some(start) = s.find('{') {
                let after = &s[start + 1..];
                match after.find('}') {
                    Some(end) => {
                        out.push(&after[..end]);
                        s = &after[end + 1..];
                    }
                    None => break,
                }
            }
        }
        out
    }

    /// The query parameters the spec declares, in spec order.
    pub fn query_params(&self) -> impl ExactSizeIterator<Item = QueryParam> + '_ {
        items(self.raw().query)
            .map(|q| match q.strip_suffix('!') {
                Some(name) => QueryParam {
                    name,
                    required: true,
                },
                None => QueryParam {
                    name: q,
                    required: false,
                },
            })
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// The `Version` values the spec accepts (empty when it declares no header).
    pub fn versions(&self) -> &'static [&'static str] {
        table::VERSIONS
            .get(usize::from(self.raw().flag(1)))
            .copied()
            .unwrap_or_default()
    }

    /// The `Version` header value to send: the first accepted value, or
    /// [`DEFAULT_VERSION`] when the spec declares none.
    pub fn version(&self) -> &'static str {
        self.versions().first().copied().unwrap_or(DEFAULT_VERSION)
    }

    /// Whether the operation takes a JSON body.
    pub fn body(&self) -> BodyRule {
        match self.raw().flag(2) {
            0 => BodyRule::Absent,
            1 => BodyRule::Optional,
            _ => BodyRule::Required,
        }
    }

    /// Security scheme names (`bearer`, `Location-Access`, `Agency-Access`,
    /// `Location-Access-Only`, `Agency-Access-Only`); empty when the spec lists none.
    pub fn security_schemes(&self) -> Vec<&'static str> {
        let bits = self.raw().flag(3);
        table::SCHEMES
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1u8 << i) != 0)
            .map(|(_, s)| *s)
            .collect()
    }

    /// Acceptable scopes (any one suffices); empty means "no scope check".
    pub fn scopes(&self) -> Vec<&'static str> {
        items(self.raw().scopes).collect()
    }

    /// A serialisable description (for dry runs, docs and the JS side).
    pub fn info(&self) -> OperationInfo {
        OperationInfo {
            name: self.name(),
            service: self.service().to_string(),
            id: self.id().to_string(),
            method: self.method(),
            path: self.path(),
            path_params: self.path_params().iter().map(|s| s.to_string()).collect(),
            query_params: self
                .query_params()
                .map(|q| QueryParamInfo {
                    name: q.name.to_string(),
                    required: q.required,
                })
                .collect(),
            versions: self.versions().iter().map(|s| s.to_string()).collect(),
            body: self.body(),
            security: self
                .security_schemes()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            scopes: self.scopes().iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// A query parameter in an [`OperationInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueryParamInfo {
    /// Parameter name.
    pub name: String,
    /// Whether it is required.
    pub required: bool,
}

/// Everything the catalog knows about one operation, as owned data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OperationInfo {
    /// `service.operationId`.
    pub name: String,
    /// Service (spec file stem).
    pub service: String,
    /// Operation id.
    pub id: String,
    /// HTTP method.
    pub method: Method,
    /// Path template.
    pub path: String,
    /// Path parameters in template order.
    pub path_params: Vec<String>,
    /// Query parameters in spec order.
    pub query_params: Vec<QueryParamInfo>,
    /// Accepted `Version` values (empty: none declared, [`DEFAULT_VERSION`] is sent).
    pub versions: Vec<String>,
    /// Body rule.
    pub body: BodyRule,
    /// Security scheme names.
    pub security: Vec<String>,
    /// Acceptable scopes (any one suffices; empty: no scope check).
    pub scopes: Vec<String>,
}

/// Why an operation name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum CatalogError {
    /// No operation has that name.
    #[error("unknown GHL operation '{name}'{}", suggest(.suggestions))]
    Unknown {
        /// The name asked for.
        #[serde(rename = "operation")]
        name: String,
        /// Close names (qualified), best first; may be empty.
        suggestions: Vec<String>,
    },
    /// A bare id that several services define.
    #[error("operation id '{name}' is ambiguous: use one of {}", .candidates.join(", "))]
    Ambiguous {
        /// The bare id asked for.
        #[serde(rename = "operation")]
        name: String,
        /// The qualified candidates.
        candidates: Vec<String>,
    },
}

fn suggest(s: &[String]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", s.join(", "))
    }
}

impl Coded for CatalogError {
    fn code(&self) -> &'static str {
        match self {
            CatalogError::Unknown { .. } => "UNKNOWN_OPERATION",
            CatalogError::Ambiguous { .. } => "AMBIGUOUS_OPERATION",
        }
    }
}

/// Every operation, grouped by service (services in file-name order).
pub fn all() -> impl ExactSizeIterator<Item = Operation> {
    All { index: 0, at: 0 }
}

/// Walks the table's lines.
struct All {
    index: u16,
    at: u32,
}

impl Iterator for All {
    type Item = Operation;
    fn next(&mut self) -> Option<Operation> {
        if usize::from(self.index) >= table::OP_COUNT {
            return None;
        }
        let op = Operation {
            index: self.index,
            at: self.at,
        };
        let rest = table::OPS.get(self.at as usize..).unwrap_or("");
        let len = rest.find('\n').map_or(rest.len(), |n| n + 1);
        self.index += 1;
        self.at += len as u32;
        Some(op)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = table::OP_COUNT.saturating_sub(usize::from(self.index));
        (n, Some(n))
    }
}

impl ExactSizeIterator for All {}

/// The service names (spec file stems), sorted.
pub fn services() -> impl ExactSizeIterator<Item = &'static str> {
    table::SERVICES.iter().map(|s| s.0)
}

/// Resolves `service.operationId`, or a bare operation id that only one service has.
pub fn find(name: &str) -> Result<Operation, CatalogError> {
    let name = name.trim();
    if let Some((service, id)) = name.split_once('.') {
        if let Some(op) = all().find(|op| op.service() == service && op.id() == id) {
            return Ok(op);
        }
    } else {
        let mut found = all().filter(|op| op.id() == name);
        if let Some(first) = found.next() {
            let rest: Vec<Operation> = found.collect();
            if rest.is_empty() {
                return Ok(first);
            }
            let mut candidates = vec![first.name()];
            candidates.extend(rest.iter().map(|op| op.name()));
            return Err(CatalogError::Ambiguous {
                name: name.to_string(),
                candidates,
            });
        }
    }
    Err(CatalogError::Unknown {
        name: name.to_string(),
        suggestions: suggestions(name),
    })
}

/// Up to three qualified names close to `name` (edit distance), best first.
fn suggestions(name: &str) -> Vec<String> {
    let name: String = name
        .chars()
        .take(120)
        .collect::<String>()
        .to_ascii_lowercase();
    let bare = name.split_once('.').map_or(name.as_str(), |(_, id)| id);
    let limit = (bare.chars().count() / 3).max(2);
    // The best three by (distance, position), kept in order without a sort.
    let mut best: Vec<(usize, Operation)> = Vec::with_capacity(4);
    for op in all() {
        let d = if name.as_bytes().contains(&b'.') {
            edit_distance(&name, &op.name().to_ascii_lowercase())
        } else {
            edit_distance(bare, &op.id().to_ascii_lowercase())
        };
        if d > limit {
            continue;
        }
        // Operations come in position order, so equal distances keep theirs.
        let at = best
            .iter()
            .position(|(bd, _)| d < *bd)
            .unwrap_or(best.len());
        if at < 3 {
            best.insert(at, (d, op));
            best.truncate(3);
        }
    }
    best.into_iter().map(|(_, op)| op.name()).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_and_bare_lookups_agree() {
        let q = find("contacts.upsert-contact").unwrap();
        let b = find("upsert-contact").unwrap();
        assert_eq!(q, b);
        assert_eq!(q.method(), Method::Post);
        assert_eq!(q.path(), "/contacts/upsert");
        assert_eq!(q.body(), BodyRule::Required);
        assert_eq!(q.scopes(), vec!["contacts.write"]);
        assert_eq!(q.version(), "2021-07-28");
    }

    #[test]
    fn ambiguous_bare_id_lists_candidates() {
        let e = find("create-custom-field").unwrap_err();
        assert_eq!(e.code(), "AMBIGUOUS_OPERATION");
        match e {
            CatalogError::Ambiguous { candidates, .. } => assert_eq!(
                candidates,
                vec![
                    "custom-fields.create-custom-field",
                    "locations.create-custom-field"
                ]
            ),
            other => panic!("{other:?}"),
        }
        assert!(find("locations.create-custom-field").is_ok());
    }

    #[test]
    fn unknown_names_suggest_close_ids() {
        let e = find("contacts.upsert-contacts").unwrap_err();
        assert_eq!(e.code(), "UNKNOWN_OPERATION");
        assert!(e.to_string().contains("contacts.upsert-contact"), "{e}");
        let e = find("nope.nothing-like-this-at-all").unwrap_err();
        assert!(
            matches!(e, CatalogError::Unknown { ref suggestions, .. } if suggestions.is_empty())
        );
    }

    #[test]
    fn path_params_come_from_the_template() {
        let op = find("calendars.update-appointment-note").unwrap();
        assert_eq!(op.path_params(), vec!["appointmentId", "noteId"]);
        let op = find("social-media-posting.get-tags-location-id").unwrap();
        assert_eq!(op.path(), "/social-media-posting/{locationId}/tags");
        assert_eq!(op.path_params(), vec!["locationId"]);
    }
}
