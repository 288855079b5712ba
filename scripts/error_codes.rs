//! Collects every error code the package can throw, from the sources: the codes each
//! Rust error enum's `Coded::code` returns (every `impl Coded for` of `src/`), and the
//! codes the TypeScript shim throws itself (`new GhlBridgeError("CODE", ...)` in
//! `js/src/`). `scripts/gen_schema.rs` turns the list into the `ErrorCode` union and
//! the `ERROR_CODES` value; `tests/error_codes.rs` checks that the scan finds every
//! implementation and every code the native errors report.
//!
//! Shared by both through `#[path]`, so it has no dependencies; each includer uses
//! a part of it.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

/// One `impl Coded for NAME` and the codes its `code` function returns.
#[derive(Debug)]
pub(crate) struct CodedImpl {
    /// The file, relative to the crate root.
    pub(crate) file: String,
    /// The type the implementation is for.
    pub(crate) name: String,
    /// The SCREAMING_SNAKE string literals in its `fn code` body.
    pub(crate) codes: Vec<String>,
}

/// Every file under `dir` whose name ends with `ext`, sorted.
fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.to_string_lossy().ends_with(ext) {
            out.push(p);
        }
    }
}

/// The SCREAMING_SNAKE literal (`"ABC_D"`) starting at `text[at..]`, if one does.
fn code_literal(text: &str, at: usize) -> Option<&str> {
    let rest = text.get(at..)?.strip_prefix('"')?;
    let end = rest.find('"')?;
    let lit = &rest[..end];
    let ok = lit.len() > 1
        && lit.starts_with(|c: char| c.is_ascii_uppercase())
        && lit
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    ok.then_some(lit)
}

/// The text of the brace block that starts at the first `{` at or after `from`.
fn block(text: &str, from: usize) -> &str {
    let Some(open) = text[from..].find('{').map(|i| from + i) else {
        return "";
    };
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open..open + i + 1];
                }
            }
            _ => {}
        }
    }
    &text[open..]
}

/// Every `impl ... Coded for NAME` of the Rust sources under `root/src`.
pub(crate) fn coded_impls(root: &Path) -> Vec<CodedImpl> {
    let mut paths = Vec::new();
    files(&root.join("src"), ".rs", &mut paths);
    let mut out = Vec::new();
    for path in paths {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let mut from = 0;
        while let Some(i) = text[from..].find("Coded for ") {
            let at = from + i + "Coded for ".len();
            from = at;
            let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
            if !text[line_start..at].trim_start().starts_with("impl") {
                continue;
            }
            let name: String = text[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let body = block(&text, at);
            let code_fn = body.find("fn code(").map(|f| block(body, f)).unwrap_or("");
            let mut codes = Vec::new();
            for (q, _) in code_fn.match_indices('"') {
                if let Some(lit) = code_literal(code_fn, q) {
                    if !codes.iter().any(|c| c == lit) {
                        codes.push(lit.to_string());
                    }
                }
            }
            let file = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push(CodedImpl { file, name, codes });
        }
    }
    out
}

/// The codes the shim throws or reports itself: `GhlBridgeError("CODE"` and
/// `code: "CODE"` in `root/js/src` (the generated `js/src/wasm` left out).
pub(crate) fn shim_codes(root: &Path) -> Vec<String> {
    let mut paths = Vec::new();
    files(&root.join("js").join("src"), ".ts", &mut paths);
    let mut out: Vec<String> = Vec::new();
    for path in paths
        .iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "wasm"))
    {
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        let starts = text
            .match_indices("GhlBridgeError(")
            .chain(text.match_indices("code: "));
        for (i, m) in starts {
            let rest = &text[i + m.len()..];
            let skip = rest.len() - rest.trim_start().len();
            if let Some(lit) = code_literal(&text, i + m.len() + skip) {
                if !out.iter().any(|c| c == lit) {
                    out.push(lit.to_string());
                }
            }
        }
    }
    out
}

/// Every code, sorted and without duplicates.
pub(crate) fn all_codes(root: &Path) -> Vec<String> {
    let mut codes: Vec<String> = coded_impls(root)
        .into_iter()
        .flat_map(|i| i.codes)
        .chain(shim_codes(root))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}
