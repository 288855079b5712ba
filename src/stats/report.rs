//! Weekly reports built from a [`Series`]: Markdown, CSV and a Slack Block Kit message.
//! Building only; sending is the host's job.
//!
//! Invariants:
//! - Output is deterministic: groups are ordered `all` first, then platforms and host
//!   sources by name; metrics by name.
//! - Numbers: whole numbers with thousands separators (`12,345`), others with at most
//!   two decimals; changes as `▲ +12.5%` / `▼ -3.0%` / `= 0.0%`, or `new` when the
//!   previous value was 0, or `–` when unknown.
//! - Markdown: every text that came from data (the title, platform, metric and host
//!   source names, notes) goes through [`crate::escape::markdown`]: no raw HTML, no
//!   link, no table cell broken out of.
//! - CSV follows RFC 4180 with CRLF line ends; every text cell goes through
//!   [`crate::escape::csv`] (quoted when needed, guarded against spreadsheet formulas;
//!   numbers are never guarded).
//! - Slack: at most 50 blocks (extra sections are replaced by one context line saying
//!   how many were left out), header text at most 150 characters, section and field
//!   texts at most 3000 and 2000 characters (longer ones are cut with `…`), at most 10
//!   fields per section; `&`, `<`, `>` are escaped in mrkdwn.

use crate::sorted::SortedMap;

use serde_json::{json, Value};

use super::model::Platform;
use super::series::{Change, Series, WeeklyTotal, ALL_PLATFORMS};
use crate::escape::{csv, markdown};

/// Slack's limit on blocks per message.
pub const SLACK_MAX_BLOCKS: usize = 50;
/// Slack's limit on a section's text.
pub const SLACK_MAX_TEXT: usize = 3000;
const SLACK_MAX_FIELD: usize = 2000;
const SLACK_MAX_HEADER: usize = 150;
const SLACK_MAX_FIELDS: usize = 10;

/// A number for people: `12,345`, `-7`, `12.5`, `0.33`.
pub fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    // Counts of 100 and more read best as whole numbers (a previous week's value derived
    // from GHL's percent change is an estimate anyway); smaller values keep 2 decimals.
    let decimals = if x.abs() >= 100.0 { 0 } else { 2 };
    match fixed_digits(x, decimals) {
        Some((negative, whole, fraction)) => {
            let mut out = String::new();
            if negative {
                out.push('-');
            }
            for (i, c) in whole.char_indices() {
                if i > 0 && (whole.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            let fraction = fraction.trim_end_matches('0');
            if !fraction.is_empty() {
                out.push('.');
                out.push_str(fraction);
            }
            out
        }
        // Beyond what a u64 holds: the shortest form that reads back (`1e+20`).
        None => crate::codec::to_json(&x),
    }
}

/// `x` rounded to `decimals` places (half away from zero) as its sign (only when the
/// rounded value is not zero), whole digits and exactly `decimals` fraction digits;
/// `None` when not finite or too large for a `u64`. Integer arithmetic instead of
/// `format!("{x:.2}")`, whose exact float formatting is about 10 KB gzip of the module
/// (`core::fmt`'s float code and tables) for two call sites.
fn fixed_digits(x: f64, decimals: u32) -> Option<(bool, String, String)> {
    let scale = 10u64.pow(decimals);
    let scaled = (x.abs() * scale as f64).round();
    // Exact as an integer below 2^53, and a u64 holds the rest up to 1.8e19.
    if !scaled.is_finite() || scaled >= 18_446_744_073_709_549_568.0 {
        return None;
    }
    let n = scaled as u64;
    let fraction = (n % scale).to_string();
    let padded = "0".repeat(decimals as usize - fraction.len().min(decimals as usize));
    let fraction = if decimals == 0 {
        String::new()
    } else {
        padded + &fraction
    };
    Some((x < 0.0 && n != 0, (n / scale).to_string(), fraction))
}

/// `x` with exactly one decimal (`12.5`, `-3.0`, `0.0`), as `format!("{x:.1}")` but
/// rounding half away from zero and never `-0.0`.
fn one_decimal(x: f64) -> String {
    match fixed_digits(x, 1) {
        Some((negative, whole, fraction)) => {
            [if negative { "-" } else { "" }, &whole, ".", &fraction].concat()
        }
        None => crate::codec::to_json(&x),
    }
}

/// A change for people: `▲ +12.5%`, `▼ -3.0%`, `= 0.0%`, `new`, `–`.
pub fn format_change(t: &WeeklyTotal) -> String {
    match t.change {
        Some(Change {
            percent: Some(p), ..
        }) if p.is_finite() => {
            let arrow = if p > 0.0 {
                "▲"
            } else if p < 0.0 {
                "▼"
            } else {
                "="
            };
            let sign = if p > 0.0 { "+" } else { "" };
            [arrow, " ", sign, &one_decimal(p), "%"].concat()
        }
        Some(Change {
            absolute: Some(a), ..
        }) if t.previous == Some(0.0) && a != 0.0 => "new".into(),
        Some(Change {
            absolute: Some(_), ..
        }) if t.previous == Some(0.0) => "= 0.0%".into(),
        _ => "–".into(),
    }
}

fn group_label(platform: &str) -> String {
    if platform == ALL_PLATFORMS {
        return "All platforms".into();
    }
    if let Some(p) = Platform::parse(platform) {
        return p.label().into();
    }
    let mut c = platform.chars();
    let mut out = String::with_capacity(platform.len());
    if let Some(f) = c.next() {
        crate::codec::case::push_upper(f, &mut out);
    }
    out.push_str(c.as_str());
    out
}

fn group_order(platform: &str) -> (u8, String) {
    (u8::from(platform != ALL_PLATFORMS), platform.to_string())
}

/// Totals grouped by platform, in report order.
fn grouped(series: &Series) -> Vec<(String, Vec<&WeeklyTotal>)> {
    let mut groups: SortedMap<(u8, String), Vec<&WeeklyTotal>> = SortedMap::new();
    for t in &series.totals {
        groups.entry(group_order(&t.platform)).or_default().push(t);
    }
    for p in &series.points {
        groups.entry(group_order(&p.platform)).or_default();
    }
    groups
        .into_iter()
        .map(|((_, p), mut ts)| {
            crate::order::sort_by(&mut ts, |a, b| {
                a.metric.cmp(&b.metric).then(a.source.cmp(&b.source))
            });
            (p, ts)
        })
        .collect()
}

fn period(series: &Series) -> String {
    match (series.days.first(), series.days.last()) {
        (Some(a), Some(b)) => format!("{} – {}", a.date, b.date),
        _ => "no days".into(),
    }
}

/// The Markdown report: a totals table, then one daily table per platform.
pub fn to_markdown(series: &Series, title: &str) -> String {
    let mut out = format!("# {} ({})\n", markdown::text(title), period(series));
    out.push_str("\n## Totals\n\n| Platform | Metric | This week | Previous | Change |\n|---|---|---:|---:|---|\n");
    let groups = grouped(series);
    for (platform, totals) in &groups {
        for t in totals {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                markdown::text(&group_label(platform)),
                markdown::text(&t.metric),
                format_number(t.value),
                t.previous.map_or("–".into(), format_number),
                format_change(t)
            ));
        }
    }
    // Indexes built once, so the report is linear in the series (up to the sorting).
    type Daily<'a> = SortedMap<(&'a str, &'a str), SortedMap<&'a str, f64>>;
    let mut daily_by_platform: SortedMap<&str, Daily<'_>> = SortedMap::new();
    for p in &series.points {
        daily_by_platform
            .entry(p.platform.as_str())
            .or_default()
            .entry((p.metric.as_str(), p.source.as_str()))
            .or_default()
            .entry(p.date.as_str())
            .or_insert(p.value);
    }
    let mut totals: SortedMap<(&str, &str, &str), f64> = SortedMap::new();
    for t in &series.totals {
        totals
            .entry((t.metric.as_str(), t.platform.as_str(), t.source.as_str()))
            .or_insert(t.value);
    }
    for (platform, _) in &groups {
        let Some(metrics) = daily_by_platform.get(platform.as_str()) else {
            continue;
        };
        out.push_str(&format!(
            "\n## {}\n\n| Metric |",
            markdown::text(&group_label(platform))
        ));
        for d in &series.days {
            out.push_str(&format!(
                " {} {} |",
                d.weekday,
                d.date.get(5..).unwrap_or(&d.date)
            ));
        }
        out.push_str(" Total |\n|---|");
        for _ in &series.days {
            out.push_str("---:|");
        }
        out.push_str("---:|\n");
        for ((metric, source), by_date) in metrics {
            out.push_str(&format!("| {} |", markdown::text(metric)));
            let daily: Vec<Option<f64>> = series
                .days
                .iter()
                .map(|d| by_date.get(d.date.as_str()).copied())
                .collect();
            for v in &daily {
                out.push_str(&format!(" {} |", v.map_or("–".into(), format_number)));
            }
            let total = totals
                .get(&(*metric, platform.as_str(), *source))
                .copied()
                .unwrap_or_else(|| daily.iter().flatten().sum());
            out.push_str(&format!(" {} |\n", format_number(total)));
        }
    }
    if !series.warnings.is_empty() {
        out.push_str("\n## Notes\n\n");
        for w in &series.warnings {
            out.push_str(&format!("- {}\n", markdown::text(w)));
        }
    }
    out
}

/// The CSV report: one row per daily point (`kind` = `day`), then one per total
/// (`kind` = `total`, `date` = first/last day).
pub fn to_csv(series: &Series) -> String {
    let mut out = String::from(
        "kind,source,platform,metric,date,timestamp_ms,value,previous,change_abs,change_pct\r\n",
    );
    for p in &series.points {
        out.push_str(&format!(
            "day,{},{},{},{},{},{},,,\r\n",
            csv::text(&p.source),
            csv::text(&p.platform),
            csv::text(&p.metric),
            csv::text(&p.date),
            p.timestamp_ms,
            csv::number(Some(p.value))
        ));
    }
    let range = match (series.days.first(), series.days.last()) {
        (Some(a), Some(b)) => format!("{}/{}", a.date, b.date),
        _ => String::new(),
    };
    let start = series
        .days
        .first()
        .map_or(String::new(), |d| d.timestamp_ms.to_string());
    for t in &series.totals {
        out.push_str(&format!(
            "total,{},{},{},{},{},{},{},{},{}\r\n",
            csv::text(&t.source),
            csv::text(&t.platform),
            csv::text(&t.metric),
            csv::text(&range),
            start,
            csv::number(Some(t.value)),
            csv::number(t.previous),
            csv::number(t.change.and_then(|c| c.absolute)),
            csv::number(t.change.and_then(|c| c.percent)),
        ));
    }
    out
}

fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The Slack Block Kit message `{text, blocks}`: a header, one section per platform
/// (fields: metric, value and change), and a context line with the period.
pub fn to_slack(series: &Series, title: &str) -> Value {
    let heading = cut(&format!("{title} ({})", period(series)), SLACK_MAX_HEADER);
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": heading, "emoji": true}
    })];
    let mut sections = Vec::new();
    for (platform, totals) in grouped(series) {
        if totals.is_empty() {
            continue;
        }
        let fields: Vec<Value> = totals
            .iter()
            .map(|t| {
                let text = format!(
                    "*{}*\n{} {}",
                    slack_escape(&t.metric),
                    format_number(t.value),
                    format_change(t)
                );
                json!({"type": "mrkdwn", "text": cut(&text, SLACK_MAX_FIELD)})
            })
            .collect();
        for (i, chunk) in fields.chunks(SLACK_MAX_FIELDS).enumerate() {
            let label = slack_escape(&group_label(&platform));
            let text = if i == 0 {
                format!("*{label}*")
            } else {
                format!("*{label}* (continued)")
            };
            sections.push(json!({
                "type": "section",
                "text": {"type": "mrkdwn", "text": cut(&text, SLACK_MAX_TEXT)},
                "fields": chunk
            }));
        }
    }
    // header + sections + (omitted note) + context must fit.
    let room = SLACK_MAX_BLOCKS - 2;
    let total_sections = sections.len();
    if total_sections > room {
        sections.truncate(room - 1);
        blocks.extend(sections);
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("{} more section(s) left out", total_sections - (room - 1))}]
        }));
    } else {
        blocks.extend(sections);
    }
    let mut context = format!("Period {}", period(series));
    if !series.warnings.is_empty() {
        context.push_str(&format!(
            " · {} note(s) in the full report",
            series.warnings.len()
        ));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": cut(&slack_escape(&context), SLACK_MAX_TEXT)}]
    }));
    json!({ "text": cut(&slack_escape(&heading), SLACK_MAX_TEXT), "blocks": blocks })
}
