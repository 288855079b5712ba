//! The selective JSON scanner: walks a record's JSON text once, descends only into the
//! keys and indexes a compiled document needs, and skips everything else without
//! allocating.
//!
//! Invariants:
//! - The whole text is checked against the JSON grammar (skipped parts too), so invalid
//!   JSON is an error wherever it is; nothing here panics on any input.
//! - Strings without escapes are borrowed from the input; only strings with escapes
//!   are unescaped (into an owned string).
//! - Nesting deeper than the limit is an error (the scanner recurses per level).
//! - With duplicate keys in an object the last one wins (as with `serde_json`).
//! - Extracted objects are kept as their raw JSON text.

use std::borrow::Cow;

use serde_json::Value;

use super::path::{parse_path, Trie};
use super::value::Val;
use crate::error::RulesError;
use crate::limits::{Limits, HARD_MAX_DEPTH};
use crate::text::{plain_run, short_eq};

/// What went wrong while scanning.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ScanError {
    Syntax {
        offset: usize,
        message: &'static str,
    },
    TooDeep {
        depth: usize,
        max: usize,
    },
    StringTooLong {
        len: usize,
        max: usize,
    },
}

impl From<ScanError> for RulesError {
    fn from(e: ScanError) -> Self {
        match e {
            ScanError::Syntax { offset, message } => RulesError::BadRecord {
                offset,
                message: message.to_string(),
            },
            ScanError::TooDeep { depth, max } => RulesError::LimitExceeded {
                limit: "maxDepth",
                what: "the nesting depth of the record",
                value: depth,
                max,
            },
            ScanError::StringTooLong { len, max } => RulesError::LimitExceeded {
                limit: "maxStringLen",
                what: "the length of a text value in the record",
                value: len,
                max,
            },
        }
    }
}

type R<T> = Result<T, ScanError>;

/// One scan over one JSON text.
pub(crate) struct Scanner<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    max_depth: usize,
    max_str: usize,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(s: &'a str, limits: &Limits) -> Self {
        Self {
            s,
            b: s.as_bytes(),
            pos: 0,
            max_depth: limits.max_depth.min(HARD_MAX_DEPTH),
            max_str: limits.max_string_len,
        }
    }

    fn err<T>(&self, message: &'static str) -> R<T> {
        Err(ScanError::Syntax {
            offset: self.pos,
            message,
        })
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.pos) {
            if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// Position after the value; error when text follows.
    pub(crate) fn finish(&mut self) -> R<()> {
        self.ws();
        if self.pos != self.b.len() {
            return self.err("unexpected text after the end of the value");
        }
        Ok(())
    }

    /// Kind of the next value (after white space).
    pub(crate) fn peek_kind(&mut self) -> Option<u8> {
        self.ws();
        self.peek()
    }

    /// Scans a string (positioned at its opening quote). Returns the raw content span
    /// and whether it holds escapes.
    #[inline(always)]
    fn string_span(&mut self) -> R<(usize, usize, bool)> {
        self.pos += 1; // opening quote
        let start = self.pos;
        let mut escaped = false;
        loop {
            // Jump over plain bytes, eight at a time.
            self.pos += plain_run(self.b.get(self.pos..).unwrap_or(&[]));
            let Some(&c) = self.b.get(self.pos) else {
                return self.err("a text value is not closed with '\"'");
            };
            match c {
                b'"' => {
                    let end = self.pos;
                    self.pos += 1;
                    return Ok((start, end, escaped));
                }
                b'\\' => {
                    escaped = true;
                    match self.b.get(self.pos + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 2
                        }
                        Some(b'u') => {
                            let hex = self.b.get(self.pos + 2..self.pos + 6);
                            match hex {
                                Some(h) if h.iter().all(|c| c.is_ascii_hexdigit()) => self.pos += 6,
                                _ => return self.err("invalid \\u escape in a text value"),
                            }
                        }
                        _ => return self.err("invalid escape in a text value"),
                    }
                }
                0..=0x1f => return self.err("control character inside a text value"),
                _ => self.pos += 1,
            }
        }
    }

    /// Reads a text (positioned at its opening quote) into `dst`: written in place,
    /// not returned, which keeps the hot path free of moves of a result.
    #[inline]
    fn string_into(&mut self, dst: &mut Option<Val<'a>>) -> R<()> {
        let at = self.pos;
        let (start, end, escaped) = self.string_span()?;
        if end - start > self.max_str {
            return Err(ScanError::StringTooLong {
                len: end - start,
                max: self.max_str,
            });
        }
        let raw = self.s.get(start..end).unwrap_or("");
        *dst = Some(Val::Str(if escaped {
            Cow::Owned(unescape(raw).ok_or(ScanError::Syntax {
                offset: at,
                message: "invalid \\u escape (a lone surrogate) in a text value",
            })?)
        } else {
            Cow::Borrowed(raw)
        }));
        Ok(())
    }

    fn number(&mut self) -> R<(usize, usize)> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return self.err("invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.err("invalid number: a digit must follow '.'");
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return self.err("invalid number: a digit must follow the exponent");
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        Ok((start, self.pos))
    }

    fn literal(&mut self, word: &'static [u8]) -> R<()> {
        if self.b.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.err("unexpected character")
        }
    }

    fn check_depth(&self, depth: usize) -> R<()> {
        if depth > self.max_depth {
            return Err(ScanError::TooDeep {
                depth,
                max: self.max_depth,
            });
        }
        Ok(())
    }

    /// Skips one value (after white space), checking its grammar.
    pub(crate) fn skip(&mut self, depth: usize) -> R<()> {
        self.ws();
        match self.peek() {
            Some(b'"') => self.string_span().map(|_| ()),
            Some(b'{') => {
                self.check_depth(depth + 1)?;
                self.object(|sc, _| sc.skip(depth + 1))
            }
            Some(b'[') => {
                self.check_depth(depth + 1)?;
                self.array(|sc, _| sc.skip(depth + 1))
            }
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| ()),
            Some(_) => self.err("unexpected character"),
            None => self.err("the text ends where a value should be"),
        }
    }

    /// Walks an object (positioned at `{`), calling `f` positioned at each member's value.
    #[inline]
    fn object(&mut self, f: impl FnMut(&mut Self, Cow<'a, str>) -> R<()>) -> R<()> {
        self.object_with(Self::key, f)
    }

    /// A key (positioned at its opening quote), unescaped when it has escapes.
    #[inline]
    fn key(&mut self) -> R<Cow<'a, str>> {
        let at = self.pos;
        let (start, end, escaped) = self.string_span()?;
        let raw = self.s.get(start..end).unwrap_or("");
        if !escaped {
            return Ok(Cow::Borrowed(raw));
        }
        unescape(raw).map(Cow::Owned).ok_or(ScanError::Syntax {
            offset: at,
            message: "invalid \\u escape in a key",
        })
    }

    /// Walks an object (positioned at `{`): `key` reads each key (positioned at its
    /// opening quote) and `f` is called positioned at the member's value.
    #[inline]
    fn object_with<K>(
        &mut self,
        mut key: impl FnMut(&mut Self) -> R<K>,
        mut f: impl FnMut(&mut Self, K) -> R<()>,
    ) -> R<()> {
        self.pos += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.err("expected a quoted key");
            }
            let k = key(self)?;
            self.ws();
            if self.peek() != Some(b':') {
                return self.err("expected ':' after a key");
            }
            self.pos += 1;
            f(self, k)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.err("expected ',' or '}' in an object"),
            }
        }
    }

    /// Walks an array (positioned at `[`), calling `f` positioned at each item.
    #[inline]
    fn array(&mut self, mut f: impl FnMut(&mut Self, usize) -> R<()>) -> R<()> {
        self.pos += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut i = 0;
        loop {
            f(self, i)?;
            i += 1;
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.err("expected ',' or ']' in a list"),
            }
        }
    }

    /// [`Self::value`] written into `dst`.
    #[inline]
    fn value_into(&mut self, depth: usize, dst: &mut Option<Val<'a>>) -> R<()> {
        if self.peek() == Some(b'"') {
            return self.string_into(dst);
        }
        *dst = Some(self.value(depth)?);
        Ok(())
    }

    /// Reads one whole value.
    pub(crate) fn value(&mut self, depth: usize) -> R<Val<'a>> {
        self.ws();
        match self.peek() {
            Some(b'"') => {
                let mut v = None;
                self.string_into(&mut v)?;
                Ok(v.unwrap_or(Val::Null))
            }
            Some(b'{') => {
                self.check_depth(depth + 1)?;
                let start = self.pos;
                self.object(|sc, _| sc.skip(depth + 1))?;
                Ok(Val::Obj(Cow::Borrowed(
                    self.s.get(start..self.pos).unwrap_or("{}"),
                )))
            }
            Some(b'[') => {
                self.check_depth(depth + 1)?;
                let mut items = Vec::new();
                self.array(|sc, _| {
                    items.push(sc.value(depth + 1)?);
                    Ok(())
                })?;
                Ok(Val::List(items))
            }
            Some(b't') => self.literal(b"true").map(|_| Val::Bool(true)),
            Some(b'f') => self.literal(b"false").map(|_| Val::Bool(false)),
            Some(b'n') => self.literal(b"null").map(|_| Val::Null),
            Some(b'-' | b'0'..=b'9') => {
                let (a, b) = self.number()?;
                let n = crate::codec::parse_f64(self.s.get(a..b).unwrap_or("0")).unwrap_or(0.0);
                Ok(Val::Num(n))
            }
            Some(_) => self.err("unexpected character"),
            None => self.err("the text ends where a value should be"),
        }
    }

    /// Walks the value at the current position with trie node `node`, filling slots.
    pub(crate) fn walk(
        &mut self,
        trie: &Trie,
        node: u32,
        depth: usize,
        slots: &mut [Option<Val<'a>>],
    ) -> R<()> {
        let Some(n) = trie.nodes.get(node as usize) else {
            return self.skip(depth);
        };
        self.ws();
        if let Some(slot) = n.slot {
            let start = self.pos;
            let multi = trie.multi.get(slot as usize).copied().unwrap_or(false);
            match slots.get_mut(slot as usize) {
                // A single value goes straight into its slot (no moves of a result).
                Some(dst) if !multi => self.value_into(depth, dst)?,
                _ => {
                    let v = self.value(depth)?;
                    store(trie, slots, slot, v);
                }
            }
            if !n.has_children() {
                return Ok(());
            }
            let end = self.pos;
            self.pos = start;
            self.walk_children(trie, node, depth, slots)?;
            self.pos = end;
            return Ok(());
        }
        self.walk_children(trie, node, depth, slots)
    }

    fn walk_children(
        &mut self,
        trie: &Trie,
        node: u32,
        depth: usize,
        slots: &mut [Option<Val<'a>>],
    ) -> R<()> {
        let Some(n) = trie.nodes.get(node as usize) else {
            return self.skip(depth);
        };
        self.ws();
        match self.peek() {
            Some(b'{') if !n.keys.is_empty() => {
                self.check_depth(depth + 1)?;
                self.walk_object(trie, n, depth, slots)
            }
            Some(b'[') if !n.indexes.is_empty() || n.wild.is_some() => {
                self.check_depth(depth + 1)?;
                self.array(|sc, i| {
                    let idx = n.indexes.iter().find(|(x, _)| *x == i).map(|(_, c)| *c);
                    match (idx, n.wild) {
                        (None, None) => sc.skip(depth + 1),
                        (Some(c), None) | (None, Some(c)) => sc.walk(trie, c, depth + 1, slots),
                        (Some(a), Some(b)) => {
                            let start = sc.pos;
                            sc.walk(trie, a, depth + 1, slots)?;
                            sc.pos = start;
                            sc.walk(trie, b, depth + 1, slots)
                        }
                    }
                })
            }
            _ => self.skip(depth),
        }
    }
}

impl<'a> Scanner<'a> {
    /// Walks an object (positioned at `{`) whose keys the trie node `n` names.
    ///
    /// Records of one source list their keys in the same order, so the key after the
    /// previous hit is tried first, straight against the raw bytes (`"name"` followed
    /// by the closing quote); only other keys are scanned and looked up.
    fn walk_object(
        &mut self,
        trie: &Trie,
        n: &super::path::Node,
        depth: usize,
        slots: &mut [Option<Val<'a>>],
    ) -> R<()> {
        let mut next = 0;
        self.object_with(
            |sc| match sc.raw_key_here(n, next) {
                Some(c) => {
                    next += 1;
                    Ok(Some(c))
                }
                None => sc.key().map(|k| n.key_child_from(&k, &mut next)),
            },
            |sc, child| match child {
                Some(c) => sc.walk(trie, c, depth + 1, slots),
                None => sc.skip(depth + 1),
            },
        )
    }

    /// At a key's opening quote: when the text is exactly `"<key i of n>"`, steps over
    /// it and gives the child.
    #[inline]
    fn raw_key_here(&mut self, n: &super::path::Node, i: usize) -> Option<u32> {
        let (name, child) = n.raw_key(i)?;
        let start = self.pos + 1;
        let end = start + name.len();
        let text = self.b.get(start..end)?;
        if self.b.get(end) == Some(&b'"') && short_eq(text, name) {
            self.pos = end + 1;
            Some(child)
        } else {
            None
        }
    }
}

fn store<'a>(trie: &Trie, slots: &mut [Option<Val<'a>>], slot: u32, v: Val<'a>) {
    let multi = trie.multi.get(slot as usize).copied().unwrap_or(false);
    let Some(s) = slots.get_mut(slot as usize) else {
        return;
    };
    if multi {
        match s {
            Some(Val::List(l)) => l.push(v),
            _ => *s = Some(Val::List(vec![v])),
        }
    } else {
        *s = Some(v);
    }
}

/// Unescapes the raw content of a JSON string; `None` on a lone surrogate.
fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    let b = raw.as_bytes();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let (_, e) = chars.next()?;
        match e {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let hi = hex4(b.get(i + 2..i + 6)?)?;
                for _ in 0..4 {
                    chars.next();
                }
                if (0xD800..0xDC00).contains(&hi) {
                    // must be followed by \uDC00..\uDFFF
                    if b.get(i + 6) != Some(&b'\\') || b.get(i + 7) != Some(&b'u') {
                        return None;
                    }
                    let lo = hex4(b.get(i + 8..i + 12)?)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return None;
                    }
                    for _ in 0..6 {
                        chars.next();
                    }
                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    out.push(char::from_u32(cp)?);
                } else if (0xDC00..0xE000).contains(&hi) {
                    return None;
                } else {
                    out.push(char::from_u32(hi)?);
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

fn hex4(h: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in h {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

/// Scans `json` for the trie's paths. The top-level value must be an object.
pub(crate) fn scan_record<'a>(
    json: &'a str,
    trie: &Trie,
    limits: &Limits,
) -> Result<Vec<Option<Val<'a>>>, RulesError> {
    if json.len() > limits.max_record_bytes {
        return Err(RulesError::LimitExceeded {
            limit: "maxRecordBytes",
            what: "the size of the record in bytes",
            value: json.len(),
            max: limits.max_record_bytes,
        });
    }
    let mut slots = vec![None; trie.slots()];
    let mut sc = Scanner::new(json, limits);
    match sc.peek_kind() {
        Some(b'{') => {}
        Some(c) => {
            sc.skip(0)?;
            sc.finish()?;
            return Err(RulesError::RecordNotObject {
                found: kind_name(c),
            });
        }
        None => {
            return Err(RulesError::BadRecord {
                offset: json.len(),
                message: "the record is empty".into(),
            })
        }
    }
    sc.walk(trie, 0, 0, &mut slots)?;
    sc.finish()?;
    Ok(slots)
}

pub(crate) fn kind_name(c: u8) -> &'static str {
    match c {
        b'[' => "a list",
        b'"' => "a text",
        b't' | b'f' => "true/false",
        b'n' => "null",
        _ => "a number",
    }
}

/// Reads the values at `paths` from `json` with the selective scanner (a diagnostic and
/// testing aid; rules use the same scanner). `None` where a path is missing; a path under
/// a wildcard gives a list. Objects come back parsed.
pub fn extract(
    json: &str,
    paths: &[&str],
    limits: &Limits,
) -> Result<Vec<Option<Value>>, RulesError> {
    let mut trie = Trie::default();
    let mut ids = Vec::new();
    for p in paths {
        let segs = parse_path(p).map_err(|message| RulesError::Invalid {
            problems: vec![crate::Problem {
                pointer: String::new(),
                code: "BAD_PATH".into(),
                message: format!("The path '{p}' is not valid: {message}."),
            }],
        })?;
        ids.push(trie.add(p, &segs));
    }
    let mut sc = Scanner::new(json, limits);
    let mut slots = vec![None; trie.slots()];
    if json.len() > limits.max_record_bytes {
        return Err(RulesError::LimitExceeded {
            limit: "maxRecordBytes",
            what: "the size of the record in bytes",
            value: json.len(),
            max: limits.max_record_bytes,
        });
    }
    sc.walk(&trie, 0, 0, &mut slots)?;
    sc.finish()?;
    Ok(ids
        .iter()
        .map(|&i| {
            slots
                .get(i as usize)
                .and_then(|v| v.as_ref())
                .map(|v| v.to_json())
        })
        .collect())
}

impl<'a> Scanner<'a> {
    /// Walks a list (after white space), calling `f` positioned at each item.
    pub(crate) fn list(&mut self, mut f: impl FnMut(&mut Self) -> R<()>) -> R<()> {
        self.ws();
        if self.peek() != Some(b'[') {
            return self.err("expected a list");
        }
        self.array(|sc, _| f(sc))
    }

    /// A syntax error at the current position.
    pub(crate) fn fail<T>(&self, message: &'static str) -> R<T> {
        self.err(message)
    }

    /// Ends a walk early (the caller keeps the real reason).
    pub(crate) fn stop<T>(&self) -> R<T> {
        self.err("stopped")
    }

    /// Byte offset of the scanner.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Moves back to an earlier position.
    pub(crate) fn rewind(&mut self, pos: usize) {
        self.pos = pos.min(self.b.len());
    }

    /// Skips one value, checking its grammar but no configured limit (to step over a
    /// record that broke one). Iterative, not recursive: any nesting depth is skipped
    /// with a bounded stack, so the next record can still be read.
    pub(crate) fn lax_skip(&mut self) -> R<()> {
        // The closing byte of every open list or object.
        let mut open: Vec<u8> = Vec::new();
        loop {
            // A value is expected here.
            self.ws();
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        open.push(b'}');
                        self.member_key()?;
                        continue;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        open.push(b']');
                        continue;
                    }
                }
                Some(b'"') => {
                    self.string_span()?;
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                }
                Some(_) => return self.err("unexpected character"),
                None => return self.err("the text ends where a value should be"),
            }
            // After a value: close what ends here, or go on after a comma.
            loop {
                let Some(&close) = open.last() else {
                    return Ok(());
                };
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if close == b'}' {
                            self.member_key()?;
                        }
                        break;
                    }
                    Some(c) if c == close => {
                        self.pos += 1;
                        open.pop();
                    }
                    _ if close == b'}' => return self.err("expected ',' or '}' in an object"),
                    _ => return self.err("expected ',' or ']' in a list"),
                }
            }
        }
    }

    /// A member's key and its colon (after white space).
    fn member_key(&mut self) -> R<()> {
        self.ws();
        if self.peek() != Some(b'"') {
            return self.err("expected a quoted key");
        }
        self.string_span()?;
        self.ws();
        if self.peek() != Some(b':') {
            return self.err("expected ':' after a key");
        }
        self.pos += 1;
        Ok(())
    }

    /// Walks a top-level array of records (positioned at `[`), reading each object's
    /// trie paths and calling `f` with the slots, or with the record's own error (not an
    /// object, over a limit). Syntax errors, and errors `f` returns, end the walk.
    pub(crate) fn each_record(
        &mut self,
        trie: &Trie,
        max_record_bytes: usize,
        mut f: impl FnMut(Result<&[Option<Val<'a>>], RulesError>) -> Result<(), RulesError>,
    ) -> Result<(), RulesError> {
        let mut slots: Vec<Option<Val<'a>>> = Vec::with_capacity(trie.slots());
        let mut outer: Result<(), RulesError> = Ok(());
        let r = self.array(|sc, _| {
            sc.ws();
            let start = sc.pos;
            let res = match sc.peek() {
                Some(b'{') => {
                    slots.clear();
                    slots.resize(trie.slots(), None);
                    match sc.walk(trie, 0, 0, &mut slots) {
                        Ok(()) if sc.pos - start > max_record_bytes => {
                            f(Err(RulesError::LimitExceeded {
                                limit: "maxRecordBytes",
                                what: "the size of the record in bytes",
                                value: sc.pos - start,
                                max: max_record_bytes,
                            }))
                        }
                        Ok(()) => f(Ok(&slots)),
                        Err(e @ ScanError::Syntax { .. }) => return Err(e),
                        Err(e) => {
                            sc.pos = start;
                            sc.lax_skip()?;
                            f(Err(e.into()))
                        }
                    }
                }
                Some(c) => {
                    sc.lax_skip()?;
                    f(Err(RulesError::RecordNotObject {
                        found: kind_name(c),
                    }))
                }
                None => return sc.err("the text ends where a record should be"),
            };
            if let Err(e) = res {
                outer = Err(e);
                return Err(ScanError::Syntax {
                    offset: sc.pos,
                    message: "stopped",
                });
            }
            Ok(())
        });
        outer?;
        r?;
        self.finish()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ex(json: &str, paths: &[&str]) -> Vec<Option<Value>> {
        extract(json, paths, &Limits::default()).unwrap()
    }

    #[test]
    fn extracts_selected_paths() {
        let doc = r#"{"a":{"b":[1,{"c":"x\"y"},3],"skip":{"deep":[[[]]]}},"s":"caf\u00e9 \ud83d\ude00","n":-1.5e2,"t":true}"#;
        let got = ex(
            doc,
            &["a.b[1].c", "s", "n", "t", "a.b[*]", "a.missing", "a.b[9]"],
        );
        assert_eq!(
            got,
            vec![
                Some(json!("x\"y")),
                Some(json!("café 😀")),
                Some(json!(-150)),
                Some(json!(true)),
                Some(json!([1, {"c": "x\"y"}, 3])),
                None,
                None
            ]
        );
    }

    #[test]
    fn keys_match_however_they_are_written() {
        // Escaped spellings of a key, a key holding a backslash (never compared raw),
        // duplicates (the last wins), keys in an unexpected order, prefixes of a key.
        let doc = r#"{"em\u0061il":"a@b.co","a\\b":1,"x":{"k":1,"kk":2,"k":3},"emai":"no","name":"n","emailx":"no"}"#;
        let got = ex(doc, &["email", "a\\b", "x.k", "x.kk", "name"]);
        assert_eq!(
            got,
            vec![
                Some(json!("a@b.co")),
                Some(json!(1)),
                Some(json!(3)),
                Some(json!(2)),
                Some(json!("n"))
            ]
        );
        // The JSON text `"a\b"` is the key a + backspace, not the name `a\b`
        // (backslash, b), whose text is `"a\\b"`.
        let doc = r#"{"a\b":1,"z":2}"#;
        assert_eq!(ex(doc, &["[\"a\\b\"]", "z"]), vec![None, Some(json!(2))]);
        assert_eq!(ex(doc, &["[\"a\u{8}\"]"]), vec![Some(json!(1))]);
        // A raw key that runs into the end of the text is an error, not a match.
        assert!(extract(r#"{"email"#, &["email"], &Limits::default()).is_err());
        assert!(extract(r#"{"email":"#, &["email"], &Limits::default()).is_err());
    }

    #[test]
    fn rejects_bad_json_anywhere() {
        for bad in [
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"skip":[1,2,,3],"a":1}"#,
            r#"{"skip":"\x"}"#,
            r#"{"a":1} x"#,
            r#"{"a":"\ud800"}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":tru}"#,
            r#"{"a""#,
        ] {
            assert!(extract(bad, &["a"], &Limits::default()).is_err(), "{bad}");
        }
    }

    #[test]
    fn depth_limit_is_an_error() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100));
        let e = extract(&deep, &["b"], &Limits::default()).unwrap_err();
        assert!(matches!(
            e,
            RulesError::LimitExceeded {
                limit: "maxDepth",
                ..
            }
        ));
    }
}
