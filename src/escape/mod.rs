//! Escaping of text that came from data (tag names, metric and platform names, titles,
//! ids, messages) into the formats the reports produce. One module per format, so each
//! rule is written once: [`markdown`] and [`csv`].
//!
//! Invariant: whatever the input, the output cannot change the structure of the
//! document it goes into (no raw HTML, no link other than http(s), no table cell or
//! code span broken out of, no spreadsheet formula).

pub mod csv;
pub mod markdown;
