//! Checks every committed catalog entry against HighLevel's OpenAPI files and
//! Scopes.md, when they are present (`../shared/ghl-api` next to the crate, or
//! `GHL_API_DIR`); prints that it skipped otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use ghl_bridge::catalog::{self, BodyRule, ContentType};
use serde_json::Value;

fn api_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("GHL_API_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ghl-api"),
    };
    dir.join("openapi").is_dir().then_some(dir)
}

/// `METHOD /path` with parameter names, trailing slashes and case ignored.
fn norm(method: &str, path: &str) -> String {
    let p = format!("/{}", path.trim().trim_start_matches('/'));
    let mut out = String::new();
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                }
                out.push(':');
            }
            ':' => {
                while chars
                    .peek()
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_')
                {
                    chars.next();
                }
                out.push(':');
            }
            c => out.push(c),
        }
    }
    let out = out.trim_end_matches('/').to_lowercase();
    format!("{} {}", method.to_uppercase(), out)
}

fn markdown_scopes(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut cur: Option<String> = None;
    for line in text.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || cells[1] == "Scope" || cells[1].starts_with("---") {
            continue;
        }
        if !cells[1].is_empty() && cells[1] != "&nbsp;" {
            cur = Some(cells[1].to_string());
        }
        let mut parts = cells[2].split_whitespace();
        let (Some(m), Some(p), None) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m) {
            continue;
        }
        if let Some(s) = &cur {
            let e = map.entry(norm(m, p)).or_default();
            if !e.contains(s) {
                e.push(s.clone());
            }
        }
    }
    map
}

/// FACTS.md's operations table: `| operation-id | METHOD /path | ... | scope |`.
fn facts_scopes(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 {
            continue;
        }
        let (id, scope) = (cells[1], cells[cells.len() - 2]);
        let is_id = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let is_scope = scope.ends_with(".readonly") || scope.ends_with(".write");
        if is_id && is_scope && !scope.contains(' ') {
            map.insert(id.to_string(), vec![scope.to_string()]);
        }
    }
    map
}

/// A schema with local `#/components/schemas/...` references followed.
fn resolve(spec: &Value, schema: &Value) -> Value {
    let mut s = schema.clone();
    for _ in 0..8 {
        let Some(name) = s["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        else {
            break;
        };
        s = spec["components"]["schemas"][name].clone();
    }
    s
}

#[test]
fn every_entry_matches_the_spec() {
    let Some(dir) = api_dir() else {
        println!("skipped: no ghl-api folder (set GHL_API_DIR)");
        return;
    };
    let md = markdown_scopes(&std::fs::read_to_string(dir.join("Scopes.md")).unwrap());
    let facts = facts_scopes(&std::fs::read_to_string(dir.join("FACTS.md")).unwrap());
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("openapi"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    // serde_json (without `preserve_order`) sorts object keys, so entries are matched
    // by (service, method, path), which is unique, rather than by position.
    let mut by_route: BTreeMap<(String, String, String), catalog::Operation> = BTreeMap::new();
    for op in catalog::all() {
        let key = (
            op.service().to_string(),
            op.method().as_str().to_string(),
            op.path(),
        );
        assert!(by_route.insert(key, op).is_none(), "duplicate route {op:?}");
    }
    let mut count = 0;
    let mut joined = 0;
    let mut body_location = 0;
    let mut deprecated = 0;
    let mut media_counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    let mut services = Vec::new();
    for file in &files {
        let stem = file.file_stem().unwrap().to_str().unwrap().to_string();
        services.push(stem.clone());
        let spec: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                    continue;
                }
                count += 1;
                let id = op["operationId"].as_str().unwrap();
                ids.insert(id.to_string());
                let entry = by_route
                    .remove(&(stem.clone(), method.to_uppercase(), path.clone()))
                    .unwrap_or_else(|| panic!("{stem}: {method} {path} is not in the catalog"));
                let at = format!("{stem}.{id}");
                assert_eq!(entry.service(), stem, "{at}");
                assert_eq!(entry.id(), id, "{at}");
                assert_eq!(entry.name(), at);
                assert_eq!(entry.method().as_str(), method.to_uppercase(), "{at}");
                assert_eq!(entry.path(), *path, "{at}");
                let params = op["parameters"].as_array().cloned().unwrap_or_default();
                // Path params: the template's placeholders, which include every declared one.
                let declared: BTreeSet<&str> = params
                    .iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect();
                let got: BTreeSet<&str> = entry.path_params().into_iter().collect();
                assert!(declared.is_subset(&got), "{at}: {declared:?} vs {got:?}");
                let placeholders = path.matches('{').count();
                assert_eq!(entry.path_params().len(), placeholders, "{at}");
                // (name, required, explode): `explode` defaults to true for the
                // query's `form` style.
                let query: Vec<(String, bool, bool)> = params
                    .iter()
                    .filter(|p| p["in"] == "query")
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap().to_string(),
                            p["required"].as_bool().unwrap_or(false),
                            p["explode"].as_bool().unwrap_or(true),
                        )
                    })
                    .collect();
                let got: Vec<(String, bool, bool)> = entry
                    .query_params()
                    .map(|q| (q.name.to_string(), q.required, q.explode))
                    .collect();
                assert_eq!(got, query, "{at}");
                joined += query.iter().filter(|q| !q.2).count();
                let versions: Vec<&str> = params
                    .iter()
                    .find(|p| p["in"] == "header" && p["name"] == "Version")
                    .and_then(|p| p["schema"]["enum"].as_array())
                    .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
                    .unwrap_or_default();
                assert_eq!(entry.versions(), versions.as_slice(), "{at}");
                let body = match op.get("requestBody") {
                    None => BodyRule::Absent,
                    Some(b) if b["required"] == true => BodyRule::Required,
                    Some(_) => BodyRule::Optional,
                };
                assert_eq!(entry.body(), body, "{at}");
                // The body's media type, and whether its schema requires locationId.
                let content = op["requestBody"]["content"].as_object();
                let media: Vec<&String> = content.map(|c| c.keys().collect()).unwrap_or_default();
                assert!(media.len() <= 1, "{at}: {media:?}");
                let expected = match media.first().map(|m| m.as_str()) {
                    None | Some("application/json") => ContentType::Json,
                    Some("application/x-www-form-urlencoded") => ContentType::FormUrlEncoded,
                    Some("multipart/form-data") => ContentType::Multipart,
                    Some(other) => panic!("{at}: unexpected media type {other}"),
                };
                assert_eq!(entry.content_type(), expected, "{at}");
                if let Some(m) = media.first() {
                    assert_eq!(entry.content_type().as_str(), m.as_str(), "{at}");
                }
                *media_counts
                    .entry(entry.content_type().as_str())
                    .or_default() += 1;
                let schema = media
                    .first()
                    .map(|m| resolve(&spec, &op["requestBody"]["content"][m.as_str()]["schema"]))
                    .unwrap_or(Value::Null);
                let requires_location = schema["required"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|n| n == "locationId"));
                assert_eq!(entry.body_requires_location_id(), requires_location, "{at}");
                body_location += usize::from(requires_location);
                assert_eq!(entry.deprecated(), op["deprecated"] == true, "{at}");
                deprecated += usize::from(entry.deprecated());
                let mut schemes = BTreeSet::new();
                let mut scopes: Vec<String> = Vec::new();
                for req in op["security"].as_array().cloned().unwrap_or_default() {
                    for (scheme, list) in req.as_object().unwrap() {
                        schemes.insert(scheme.clone());
                        for s in list.as_array().unwrap() {
                            let s = s.as_str().unwrap().to_string();
                            if !scopes.contains(&s) {
                                scopes.push(s);
                            }
                        }
                    }
                }
                if scopes.is_empty() {
                    scopes = md.get(&norm(method, path)).cloned().unwrap_or_default();
                }
                if scopes.is_empty() {
                    scopes = facts
                        .get(op["operationId"].as_str().unwrap())
                        .cloned()
                        .unwrap_or_default();
                }
                let got: BTreeSet<String> = entry
                    .security_schemes()
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                assert_eq!(got, schemes, "{at}");
                assert_eq!(entry.scopes(), scopes, "{at}");
            }
        }
    }
    assert!(by_route.is_empty(), "not in the spec: {by_route:?}");
    assert_eq!(catalog::all().len(), 576);
    assert_eq!(count, 576);
    assert_eq!(ids.len(), 565);
    assert_eq!(services.len(), 41);
    // The spec gaps: 2 comma-joined query arrays, 2 form-encoded OAuth
    // operations, 5 uploads; 99 bodies require locationId.
    assert_eq!(joined, 2);
    assert_eq!(media_counts["application/x-www-form-urlencoded"], 2);
    assert_eq!(media_counts["multipart/form-data"], 5);
    assert_eq!(body_location, 99);
    assert_eq!(deprecated, 19);
    assert_eq!(catalog::services().collect::<Vec<_>>(), services);
}

#[test]
fn every_entry_resolves_by_its_qualified_name() {
    let mut bare: BTreeMap<&str, usize> = BTreeMap::new();
    for op in catalog::all() {
        assert_eq!(catalog::find(&op.name()).unwrap(), op);
        *bare.entry(op.id()).or_default() += 1;
    }
    let ambiguous: Vec<&str> = bare
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, _)| *k)
        .collect();
    assert_eq!(ambiguous.len(), 11);
    for id in ambiguous {
        let e = catalog::find(id).unwrap_err();
        assert!(
            matches!(e, catalog::CatalogError::Ambiguous { ref candidates, .. } if candidates.len() == 2)
        );
    }
}
