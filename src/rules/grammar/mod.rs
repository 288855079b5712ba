//! The rules grammar: the typed document ([`document`]) is the grammar, the JSON
//! Schema and the TypeScript types are generated from it, and the transform registry
//! names every transform once. Also reading a document from text ([`parse_document`])
//! and the "did you mean" of problems ([`crate::Problem`] itself is the engine's, since
//! [`RulesError::Invalid`] lists them).

pub(crate) mod document;

use crate::{Problem, RulesError};

/// Reads a rules document from JSON text. A document nested too deeply to read is
/// [`RulesError::Invalid`] with one `TOO_DEEP` problem (so validation can report it);
/// text that is not JSON is [`RulesError::NotJson`].
pub fn parse_document(text: &str) -> Result<serde_json::Value, RulesError> {
    crate::codec::parse(text, crate::codec::DEFAULT_DEPTH).map_err(|e| {
        if e.is_too_deep() {
            return RulesError::Invalid {
                problems: vec![Problem {
                    pointer: String::new(),
                    code: "TOO_DEEP".into(),
                    message: "The document is nested too deeply to read (more than 127 levels of lists and objects).".into(),
                }],
            };
        }
        let (line, column) = e.line_column(text);
        RulesError::NotJson {
            line,
            column,
            message: e.reason().to_string(),
        }
    })
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
