//! The error-code scan behind the generated `ErrorCode` union and `ERROR_CODES`
//! (`scripts/error_codes.rs`): it finds every `Coded` implementation, each one's codes,
//! and every code the native errors really report.

#[path = "../scripts/error_codes.rs"]
mod error_codes;

use std::path::Path;

use ghl_bridge::error::Coded;
use ghl_bridge::http::{RequestParams, Token};
use ghl_bridge::request::{ClientConfig, RequestBuilder};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_coded_impl_yields_its_codes() {
    let impls = error_codes::coded_impls(root());
    // Every `impl Coded for` line of the sources is one the scan read.
    let mut lines = 0;
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                lines += text
                    .lines()
                    .filter(|l| l.trim_start().starts_with("impl") && l.contains("Coded for "))
                    .count();
            }
        }
    }
    assert_eq!(impls.len(), lines, "{impls:#?}");
    assert!(impls.len() >= 10, "{impls:#?}");
    for i in &impls {
        assert!(
            !i.codes.is_empty(),
            "{} in {}: no code literal found in `fn code` (return string literals there, or teach scripts/error_codes.rs the new form)",
            i.name,
            i.file
        );
    }
    let names: Vec<&str> = impls.iter().map(|i| i.name.as_str()).collect();
    for n in [
        "RequestError",
        "CatalogError",
        "TransportError",
        "BindingError",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
}

#[test]
fn the_list_holds_the_codes_errors_really_have() {
    let codes = error_codes::all_codes(root());
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted);
    let b = RequestBuilder::new(ClientConfig {
        location_id: "l".into(),
        scopes: vec!["contacts.write".into()],
        base_url: None,
    })
    .unwrap();
    let t = Token::new("pit-x");
    let mut seen = Vec::new();
    for (op, params) in [
        ("contacts.nope", RequestParams::default()),
        ("create-custom-field", RequestParams::default()),
        ("contacts.get-contact", RequestParams::default()),
        ("contacts.upsert-contact", RequestParams::default()),
        ("medias.upload-media-content", RequestParams::default()),
    ] {
        seen.push(b.build(op, &params, &t).unwrap_err().code());
    }
    seen.push(
        RequestBuilder::new(ClientConfig {
            base_url: Some("ftp://x".into()),
            ..Default::default()
        })
        .unwrap_err()
        .code(),
    );
    for code in seen {
        assert!(codes.iter().any(|c| c == code), "{code} not in {codes:?}");
    }
    // Codes the shim throws itself, and the binding's own.
    for code in [
        "TOKEN_UNAVAILABLE",
        "INTERNAL_PANIC",
        "UNEXPECTED",
        "INVALID_ARGUMENT",
        "SERIALIZE_FAILED",
        "RECORD_NOT_JSON",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code} not in {codes:?}");
    }
    // Nothing that is not a code (e.g. the HTTP method names in other match arms).
    assert!(!codes.iter().any(|c| c == "GET"), "{codes:?}");
}
