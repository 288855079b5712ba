//! Source paths (`lead.email`, `answers[*].value`, `fields["First Name"]`, `items[0]`)
//! and the trie of every path a compiled document reads.
//!
//! Invariant: a path has at least one segment; equal paths share one slot; a slot is
//! `multi` (collects a list) exactly when its path contains a wildcard.

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// Object key.
    Key(String),
    /// Array index.
    Index(usize),
    /// Every item of an array.
    Wild,
}

/// Parses a path; the error is a plain-language explanation.
pub fn parse_path(p: &str) -> Result<Vec<Seg>, String> {
    let mut segs = Vec::new();
    let b = p.as_bytes();
    let mut i = 0;
    if p.trim().is_empty() {
        return Err("the path is empty".into());
    }
    if p.starts_with("$.") {
        i = 2;
    } else if p.starts_with("$[") {
        i = 1;
    }
    let mut expect_key = true;
    while i < b.len() {
        match b[i] {
            b'[' => {
                let close = p[i..]
                    .find(']')
                    .map(|x| x + i)
                    .ok_or_else(|| format!("'[' at position {} is never closed with ']'", i + 1))?;
                let inner = p[i + 1..close].trim();
                if inner == "*" {
                    segs.push(Seg::Wild);
                } else if (inner.starts_with('"') && inner.ends_with('"') && inner.len() >= 2)
                    || (inner.starts_with('\'') && inner.ends_with('\'') && inner.len() >= 2)
                {
                    let k = &inner[1..inner.len() - 1];
                    if k.contains(['"', '\'']) {
                        return Err(format!("the key {inner} contains a quote"));
                    }
                    segs.push(Seg::Key(k.to_string()));
                } else if !inner.is_empty() && inner.bytes().all(|c| c.is_ascii_digit()) {
                    let n: usize = inner
                        .parse()
                        .map_err(|_| format!("the index [{inner}] is too large"))?;
                    segs.push(Seg::Index(n));
                } else {
                    return Err(format!(
                        "[{inner}] is not an index: use a number like [0], [*] for every item, or a quoted key like [\"Full Name\"]"
                    ));
                }
                i = close + 1;
                expect_key = false;
            }
            b'.' => {
                if expect_key {
                    return Err(format!(
                        "there is an empty name before the '.' at position {}",
                        i + 1
                    ));
                }
                i += 1;
                expect_key = true;
                if i >= b.len() {
                    return Err("the path ends with '.'".into());
                }
            }
            b']' => return Err(format!("']' at position {} has no matching '['", i + 1)),
            _ => {
                if !expect_key {
                    return Err(format!("a '.' is missing before position {}", i + 1));
                }
                let end = p[i..]
                    .find(['.', '[', ']'])
                    .map(|x| x + i)
                    .unwrap_or(p.len());
                let k = &p[i..end];
                if k == "*" {
                    segs.push(Seg::Wild);
                } else {
                    segs.push(Seg::Key(k.to_string()));
                }
                i = end;
                expect_key = false;
            }
        }
    }
    if segs.is_empty() {
        return Err("the path names nothing".into());
    }
    Ok(segs)
}

/// Node of the path trie.
#[derive(Debug, Default, Clone)]
pub(crate) struct Node {
    pub(crate) keys: Vec<(Box<str>, u32)>,
    /// Per key: is its JSON text the name itself (no quote, backslash or control
    /// character), so the raw bytes of a record's key can be compared with it?
    pub(crate) raw: Vec<bool>,
    pub(crate) indexes: Vec<(usize, u32)>,
    pub(crate) wild: Option<u32>,
    pub(crate) slot: Option<u32>,
}

impl Node {
    pub(crate) fn has_children(&self) -> bool {
        !self.keys.is_empty() || !self.indexes.is_empty() || self.wild.is_some()
    }

    /// [`Self::key_child`], trying the key after the previous hit (`next`) first:
    /// records of one source usually list their keys in the same order.
    #[inline]
    pub(crate) fn key_child_from(&self, k: &str, next: &mut usize) -> Option<u32> {
        if let Some((name, n)) = self.keys.get(*next) {
            if crate::text::short_eq(name.as_bytes(), k.as_bytes()) {
                *next += 1;
                return Some(*n);
            }
        }
        let i = self.key_index(k)?;
        *next = i + 1;
        self.keys.get(i).map(|(_, n)| *n)
    }

    /// Key `i` when its raw JSON text is the name itself ([`Self::raw`]).
    #[inline]
    pub(crate) fn raw_key(&self, i: usize) -> Option<(&[u8], u32)> {
        match (self.keys.get(i), self.raw.get(i)) {
            (Some((name, n)), Some(true)) => Some((name.as_bytes(), *n)),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn key_child(&self, k: &str) -> Option<u32> {
        let i = self.key_index(k)?;
        self.keys.get(i).map(|(_, n)| *n)
    }

    /// Position of key `k` (names are unique within a node).
    #[inline]
    fn key_index(&self, k: &str) -> Option<usize> {
        let kb = k.as_bytes();
        let (Some(first), Some(last)) = (kb.first(), kb.last()) else {
            return self.keys.iter().position(|(name, _)| name.is_empty());
        };
        self.keys.iter().position(|(name, _)| {
            let nb = name.as_bytes();
            // Length, first and last byte rule out nearly every other key without a
            // call to memcmp.
            nb.len() == kb.len()
                && nb.first() == Some(first)
                && nb.last() == Some(last)
                && crate::text::short_eq(nb, kb)
        })
    }
}

/// Every path a document reads; node 0 is the record itself.
#[derive(Debug, Clone)]
pub struct Trie {
    pub(crate) nodes: Vec<Node>,
    /// Per slot: does it collect a list (path under a wildcard)?
    pub(crate) multi: Vec<bool>,
    paths: Vec<String>,
}

impl Default for Trie {
    fn default() -> Self {
        Self {
            nodes: vec![Node::default()],
            multi: Vec::new(),
            paths: Vec::new(),
        }
    }
}

impl Trie {
    /// Adds a parsed path and returns its slot.
    pub fn add(&mut self, text: &str, segs: &[Seg]) -> u32 {
        let mut cur = 0usize;
        let mut multi = false;
        for s in segs {
            let next = match s {
                Seg::Key(k) => self.nodes[cur].key_child(k),
                Seg::Index(i) => self.nodes[cur]
                    .indexes
                    .iter()
                    .find(|(x, _)| x == i)
                    .map(|(_, n)| *n),
                Seg::Wild => self.nodes[cur].wild,
            };
            let next = match next {
                Some(n) => n as usize,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(Node::default());
                    let node = &mut self.nodes[cur];
                    match s {
                        Seg::Key(k) => {
                            node.keys.push((k.clone().into_boxed_str(), n as u32));
                            node.raw
                                .push(crate::text::plain_run(k.as_bytes()) == k.len());
                        }
                        Seg::Index(i) => node.indexes.push((*i, n as u32)),
                        Seg::Wild => node.wild = Some(n as u32),
                    }
                    n
                }
            };
            if matches!(s, Seg::Wild) {
                multi = true;
            }
            cur = next;
        }
        if let Some(slot) = self.nodes[cur].slot {
            return slot;
        }
        let slot = self.multi.len() as u32;
        self.multi.push(multi);
        self.paths.push(text.to_string());
        self.nodes[cur].slot = Some(slot);
        slot
    }

    /// Number of slots.
    pub(crate) fn slots(&self) -> usize {
        self.multi.len()
    }

    /// The path text of a slot.
    pub(crate) fn path(&self, slot: u32) -> &str {
        self.paths
            .get(slot as usize)
            .map(|s| s.as_str())
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths() {
        assert_eq!(
            parse_path("a.b[0].c").unwrap(),
            vec![
                Seg::Key("a".into()),
                Seg::Key("b".into()),
                Seg::Index(0),
                Seg::Key("c".into())
            ]
        );
        assert_eq!(
            parse_path("answers[*].value").unwrap(),
            vec![
                Seg::Key("answers".into()),
                Seg::Wild,
                Seg::Key("value".into())
            ]
        );
        assert_eq!(
            parse_path("fields[\"First Name\"]").unwrap(),
            vec![Seg::Key("fields".into()), Seg::Key("First Name".into())]
        );
        assert_eq!(parse_path("$.x").unwrap(), vec![Seg::Key("x".into())]);
        for bad in ["", "a..b", "a.", "a[", "a[x]", "a]b", "a[0]b", ".a"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn trie_shares_slots() {
        let mut t = Trie::default();
        let a = t.add("a.b", &parse_path("a.b").unwrap());
        let b = t.add("a.c", &parse_path("a.c").unwrap());
        let c = t.add("a.b", &parse_path("a.b").unwrap());
        let d = t.add("x[*].y", &parse_path("x[*].y").unwrap());
        assert_eq!(a, c);
        assert_ne!(a, b);
        assert!(t.multi[d as usize] && !t.multi[a as usize]);
        assert_eq!(t.slots(), 3);
    }
}

/// A piece of a template (`"{lead.first_name} {lead.last_name}"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Lit(String),
    Path(String, Vec<Seg>),
}

/// Parses a template: `{path}` placeholders, `{{` and `}}` for literal braces.
pub fn parse_template(t: &str) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = t.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|x| x.1) == Some('{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek().map(|x| x.1) == Some('}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let rest = &t[i + 1..];
                let close = rest.find('}').ok_or_else(|| {
                    format!("the '{{' at position {} is never closed with '}}'", i + 1)
                })?;
                let p = rest[..close].trim();
                let segs = parse_path(p)
                    .map_err(|e| format!("the placeholder {{{p}}} is not a valid path: {e}"))?;
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                out.push(Piece::Path(p.to_string(), segs));
                for _ in 0..rest[..=close].chars().count() {
                    chars.next();
                }
            }
            '}' => {
                return Err(format!(
                    "the '}}' at position {} has no matching '{{' (write '}}}}' for a brace)",
                    i + 1
                ))
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    Ok(out)
}

#[cfg(test)]
mod template_tests {
    use super::*;

    #[test]
    fn templates() {
        let t = parse_template("{first} {a.b[0]}!{{x}}").unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(t[1], Piece::Lit(" ".into()));
        assert_eq!(t[3], Piece::Lit("!{x}".into()));
        assert!(parse_template("{a").is_err());
        assert!(parse_template("a}").is_err());
        assert!(parse_template("{a..b}").is_err());
    }
}
