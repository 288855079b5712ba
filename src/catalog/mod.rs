//! The catalog of every GHL API operation, generated from HighLevel's OpenAPI files.
//!
//! The table (`table.rs`) is written by `scripts/gen-catalog.mjs` from `../shared/ghl-api`
//! (41 services, 576 operations, 565 distinct operation ids) and committed;
//! `tests/catalog_spec.rs` re-reads the spec and checks every entry when the spec is
//! present. Each [`Operation`] knows its service (the spec's file stem), id, method,
//! path template, path and query parameters (required or not, arrays repeated or
//! comma-joined), accepted `Version` values, whether a body is required, the body's
//! content type, whether the body's schema requires `locationId`, its security schemes
//! and its scopes.
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
//! Finding operations: [`search`] lists them by service and by words of their name or
//! path; an unknown name's error carries the closest names ([`suggestions`]: edit
//! distance plus prefix and substring matches on the service and the id).
//!
//! Invariants: the table is static and immutable; lookups never allocate on success
//! and never panic on any input.

use serde::{Deserialize, Serialize};

use crate::codec::{self, find_str, join, Obj, ToJson};
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

/// The media type of an operation's request body, as the spec declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ContentType {
    /// `application/json` (also what operations without a body say).
    #[serde(rename = "application/json")]
    Json,
    /// `application/x-www-form-urlencoded` (the OAuth token operations).
    #[serde(rename = "application/x-www-form-urlencoded")]
    FormUrlEncoded,
    /// `multipart/form-data` (file uploads).
    #[serde(rename = "multipart/form-data")]
    Multipart,
}

impl ContentType {
    /// The media type as written in a `Content-Type` header.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Json => table::CONTENT_TYPES[0],
            ContentType::FormUrlEncoded => table::CONTENT_TYPES[1],
            ContentType::Multipart => table::CONTENT_TYPES[2],
        }
    }
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
    /// How an array value is sent: `true` (the default) repeats `name=item` per item,
    /// `false` (`explode: false` in the spec) sends one `name=a,b`.
    pub explode: bool,
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
                let after = s.get(start + 1..).unwrap_or_default();
                match after.find('}') {
                    Some(end) => {
                        out.push(after.get(..end).unwrap_or_default());
                        s = after.get(end + 1..).unwrap_or_default();
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
            .map(|q| {
                let (q, joined) = q.strip_suffix('*').map_or((q, false), |n| (n, true));
                let (name, required) = q.strip_suffix('!').map_or((q, false), |n| (n, true));
                QueryParam {
                    name,
                    required,
                    explode: !joined,
                }
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

    /// The body's media type ([`ContentType::Json`] for operations without a body).
    pub fn content_type(&self) -> ContentType {
        match self.raw().flag(4) {
            1 => ContentType::FormUrlEncoded,
            2 => ContentType::Multipart,
            _ => ContentType::Json,
        }
    }

    /// Whether the body's schema lists `locationId` as required (the builder fills it
    /// from the configuration when the caller leaves it out).
    pub fn body_requires_location_id(&self) -> bool {
        self.raw().flag(5) == 1
    }

    /// Whether the spec marks the operation deprecated.
    pub fn deprecated(&self) -> bool {
        self.raw().flag(6) == 1
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
                    explode: q.explode,
                })
                .collect(),
            versions: self.versions().iter().map(|s| s.to_string()).collect(),
            body: self.body(),
            content_type: self.content_type(),
            body_requires_location_id: self.body_requires_location_id(),
            deprecated: self.deprecated(),
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
    /// `false` when an array is sent comma-joined (see [`QueryParam::explode`]).
    pub explode: bool,
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
    /// The body's media type.
    pub content_type: ContentType,
    /// Whether the body's schema requires `locationId` (filled in when left out).
    pub body_requires_location_id: bool,
    /// Whether the spec marks the operation deprecated.
    pub deprecated: bool,
    /// Security scheme names.
    pub security: Vec<String>,
    /// Acceptable scopes (any one suffices; empty: no scope check).
    pub scopes: Vec<String>,
}

/// What to list of the catalog (see [`search`]); both fields may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OperationQuery {
    /// Only this service's operations (its exact name, e.g. `contacts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Words that the qualified name or the path must all contain (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
}

/// Why an operation name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, ToJson)]
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
    #[error("operation id '{name}' is ambiguous: use one of {}", join(.candidates, ", "))]
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
        format!(" (did you mean {}?)", join(s, ", "))
    }
}

impl Coded for CatalogError {
    fn code(&self) -> &'static str {
        match self {
            CatalogError::Unknown { .. } => "UNKNOWN_OPERATION",
            CatalogError::Ambiguous { .. } => "AMBIGUOUS_OPERATION",
        }
    }

    /// The serialisation, written by hand (no serializer in the lean module; the
    /// tests hold it to [`crate::error::details_of`]).
    fn details(&self) -> serde_json::Value {
        codec::details(|o| self.write_details(o))
    }
}

impl CatalogError {
    /// Writes the details' fields (also those of `RequestError::Catalog`).
    pub(crate) fn write_details(&self, o: &mut Obj<'_>) {
        match self {
            CatalogError::Unknown { name, suggestions } => {
                o.field("operation", name).field("suggestions", suggestions)
            }
            CatalogError::Ambiguous { name, candidates } => {
                o.field("operation", name).field("candidates", candidates)
            }
        };
    }
}

impl ToJson for BodyRule {
    fn write_json(&self, out: &mut String) {
        match self {
            BodyRule::Absent => "absent",
            BodyRule::Optional => "optional",
            BodyRule::Required => "required",
        }
        .write_json(out);
    }
}

impl ToJson for QueryParamInfo {
    fn write_json(&self, out: &mut String) {
        Obj::begin(out)
            .field("name", &self.name)
            .field("required", &self.required)
            .field("explode", &self.explode)
            .end();
    }
}

impl ToJson for OperationInfo {
    fn write_json(&self, out: &mut String) {
        Obj::begin(out)
            .field("name", &self.name)
            .field("service", &self.service)
            .field("id", &self.id)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("pathParams", &self.path_params)
            .field("queryParams", &self.query_params)
            .field("versions", &self.versions)
            .field("body", &self.body)
            .field("contentType", self.content_type.as_str())
            .field("bodyRequiresLocationId", &self.body_requires_location_id)
            .field("deprecated", &self.deprecated)
            .field("security", &self.security)
            .field("scopes", &self.scopes)
            .end();
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

/// How many names [`suggestions`] returns at most.
const MAX_SUGGESTIONS: usize = 5;

/// How far `got` is from `want` (lower is closer; `None`: not close at all): 0 when
/// equal, 1 when one starts with the other, 2 when one contains the other (3 or more
/// characters), else `3 + edit distance` when that distance is at most a third of the
/// longer name (at least 2).
fn closeness(got: &str, want: &str) -> Option<usize> {
    if got == want {
        return Some(0);
    }
    if got.is_empty() || want.is_empty() {
        return None;
    }
    let short = got.len().min(want.len());
    if want.starts_with(got) || got.starts_with(want) {
        return (short >= 2).then_some(1);
    }
    if short >= 3 && (find_str(want, got).is_some() || find_str(got, want).is_some()) {
        return Some(2);
    }
    let d = edit_distance(got, want);
    let limit = (got.chars().count().max(want.chars().count()) / 3).max(2);
    (d <= limit).then_some(3 + d)
}

/// Up to five qualified names close to `name`, best first: the id part is compared with
/// each operation's id and the service part (when given) with its service, both by
/// [`closeness`] (an exact id in another service still counts, behind the rest).
pub fn suggestions(name: &str) -> Vec<String> {
    let name: String = name
        .trim()
        .chars()
        .take(120)
        .collect::<String>()
        .to_ascii_lowercase();
    let (service, id) = match name.split_once('.') {
        Some((s, i)) => (Some(s), i),
        None => (None, name.as_str()),
    };
    // The best few by (score, position), kept in order without a sort (a sort would
    // add its code to the Wasm module): operations come in position order, so an
    // equal score goes after the ones already kept.
    let mut best: Vec<(usize, Operation)> = Vec::with_capacity(MAX_SUGGESTIONS + 1);
    for op in all() {
        let op_id = op.id().to_ascii_lowercase();
        let id_score = if id.is_empty() {
            Some(1)
        } else {
            closeness(id, &op_id)
        };
        let Some(id_score) = id_score else { continue };
        let service_score = match service {
            None => 0,
            Some(s) => match closeness(s, op.service()) {
                Some(c) => c,
                None if id_score == 0 => 8,
                None => continue,
            },
        };
        let score = id_score * 2 + service_score;
        let at = best
            .iter()
            .position(|(b, _)| score < *b)
            .unwrap_or(best.len());
        if at < MAX_SUGGESTIONS {
            best.insert(at, (score, op));
            best.truncate(MAX_SUGGESTIONS);
        }
    }
    best.into_iter().map(|(_, op)| op.name()).collect()
}

/// The operations of `service` (exact service name; every service when `None`) whose
/// qualified name or path template contains every white-space-separated word of
/// `search` (case-insensitive; every operation when `None` or blank), in catalog order.
pub fn search(service: Option<&str>, search: Option<&str>) -> Vec<Operation> {
    let words: Vec<String> = search
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let service = service.map(str::trim).filter(|s| !s.is_empty());
    all()
        .filter(|op| service.is_none_or(|s| op.service() == s))
        .filter(|op| {
            if words.is_empty() {
                return true;
            }
            let hay = format!("{} {}", op.name(), op.path()).to_ascii_lowercase();
            words.iter().all(|w| find_str(&hay, w).is_some())
        })
        .collect()
}

/// Levenshtein distance between two strings, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
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
    fn a_prefix_of_an_id_suggests_the_operation() {
        // The case: `contacts.upsert` used to get no suggestion at all.
        assert_eq!(suggestions("contacts.upsert")[0], "contacts.upsert-contact");
        assert_eq!(suggestions("upsert-contac")[0], "contacts.upsert-contact");
        // A misspelt service with an exact id.
        assert_eq!(
            suggestions("contact.upsert-contact")[0],
            "contacts.upsert-contact"
        );
        // An id from the wrong service still points at the right one.
        assert!(
            suggestions("users.upsert-contact").contains(&"contacts.upsert-contact".to_string())
        );
        // A part of the id in the middle.
        assert!(suggestions("social-media-posting.tags-by-ids")
            .contains(&"social-media-posting.get-tags-by-ids".to_string()));
        assert!(suggestions("contacts.upsert").len() <= MAX_SUGGESTIONS);
    }

    #[test]
    fn search_filters_by_service_and_words() {
        let ops = search(Some("users"), None);
        assert_eq!(ops.len(), 7);
        assert!(ops.iter().all(|op| op.service() == "users"));
        let found: Vec<String> = search(None, Some("Upsert CONTACT"))
            .iter()
            .map(|o| o.name())
            .collect();
        assert_eq!(found, vec!["contacts.upsert-contact"]);
        // Words also match the path template.
        assert!(search(Some("contacts"), Some("{contactId} tags"))
            .iter()
            .any(|o| o.id() == "add-tags"));
        assert_eq!(search(None, None).len(), table::OP_COUNT);
        assert!(search(Some("no-such-service"), None).is_empty());
    }

    #[test]
    fn new_fields_decode() {
        let op = find("ad-manager.fb-get-reporting").unwrap();
        let fields = op.query_params().find(|q| q.name == "fields").unwrap();
        assert!(fields.required && !fields.explode);
        assert!(
            op.query_params()
                .find(|q| q.name == "locationId")
                .unwrap()
                .explode
        );
        assert_eq!(
            find("oauth.get-access-token").unwrap().content_type(),
            ContentType::FormUrlEncoded
        );
        assert_eq!(
            find("medias.upload-media-content").unwrap().content_type(),
            ContentType::Multipart
        );
        assert_eq!(
            find("contacts.upsert-contact").unwrap().content_type(),
            ContentType::Json
        );
        assert!(find("contacts.upsert-contact")
            .unwrap()
            .body_requires_location_id());
        assert!(!find("contacts.add-tags")
            .unwrap()
            .body_requires_location_id());
        assert!(find("users.get-user-by-location").unwrap().deprecated());
        assert!(!find("users.search-users").unwrap().deprecated());
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
