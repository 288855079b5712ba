//! A problem in a rules document (JSON Pointer, stable code, plain message) and the
//! list that compiling accumulates them in.

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};

/// One problem in a rules document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Problem {
    /// JSON Pointer of the offending part (`""` for the whole document).
    pub pointer: String,
    /// Stable code, e.g. `UNKNOWN_TRANSFORM`.
    pub code: String,
    /// What is wrong and how to fix it, in plain words.
    pub message: String,
}

/// Edit distance (for "did you mean").
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(!ca.eq_ignore_ascii_case(cb));
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(crate) fn did_you_mean<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> String {
    let n = word.chars().count();
    let best = options
        .into_iter()
        .map(|o| (distance(word, o), o))
        .min_by_key(|x| x.0);
    match best {
        // Up to a third of the word's letters (at least 2), but never all of them: a
        // one-letter word suggests nothing.
        Some((d, o)) if d <= (n / 3).max(2).min(n.saturating_sub(1)) => {
            format!(" Did you mean '{o}'?")
        }
        _ => String::new(),
    }
}
