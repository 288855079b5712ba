//! Applying compiled rules to one record, and writing results (as Rust values or
//! straight to JSON text for the batch form).
//!
//! Order within a record: route selection, mappings (default set, then the route's; a
//! later value for the same field wins), tag rules, scoring and thresholds, tag
//! normalisation. Invariant: no step can panic or fail on record content; only reading
//! the record (syntax, limits) fails, with a [`RulesError`].

use std::borrow::Cow;

use serde_json::Value;

use super::budget::Budget;
use super::conditions::{as_text, is_blank, Cond};
use super::plan::{CMapping, CTag, CTarget, Part, Program, RuleSet, Source};
use super::result::*;
use super::scan::{scan_record, Scanner};
use super::tags::{normalise_with, TagDiff};
use super::textops::Scratch;
use super::transforms::{number_of, number_text};
use super::value::Val;
use crate::contact::STRING_FIELDS;
use crate::convention::{Coded, ErrorReport};
use crate::error::RulesError;
use crate::text::json as write;

/// `"name":` of each standard field, in [`STRING_FIELDS`] order (written in one go).
const STD_KEYS: [&str; 15] = [
    "\"firstName\":",
    "\"lastName\":",
    "\"name\":",
    "\"email\":",
    "\"phone\":",
    "\"companyName\":",
    "\"address1\":",
    "\"city\":",
    "\"state\":",
    "\"postalCode\":",
    "\"country\":",
    "\"website\":",
    "\"timezone\":",
    "\"source\":",
    "\"dateOfBirth\":",
];

/// The result of one record before it is written out.
pub(super) struct Out<'a, 'r> {
    std: [Option<Val<'a>>; 15],
    custom: Vec<Option<Val<'a>>>,
    tags: TagDiff<'a>,
    score: Option<i64>,
    rule_set: &'r str,
    warnings: Vec<Warning>,
    trace: Option<Vec<TraceEntry>>,
    /// Buffers reused from record to record.
    scratch: Scratch,
    /// The record's cost budget.
    budget: Budget,
}

fn slot<'s, 'a>(slots: &'s [Option<Val<'a>>], s: u32) -> Option<&'s Val<'a>> {
    slots.get(s as usize).and_then(|v| v.as_ref())
}

fn push_text(out: &mut String, v: &Val<'_>) {
    match v {
        Val::List(l) => {
            let mut first = true;
            for x in l.iter().filter(|x| !is_blank(Some(x))) {
                if !first {
                    out.push_str(", ");
                }
                first = false;
                push_text(out, x);
            }
        }
        Val::Obj(raw) => out.push_str(raw),
        Val::Null => {}
        other => {
            if let Some(t) = as_text(other) {
                out.push_str(&t);
            }
        }
    }
}

fn render<'a>(
    parts: &'a [Part],
    slots: &[Option<Val<'_>>],
    scratch: &mut Scratch,
    budget: &Budget,
) -> Cow<'a, str> {
    if let [Part::Lit(l)] = parts {
        return Cow::Borrowed(l.as_str());
    }
    Cow::Owned(render_owned(parts, slots, scratch.take(), budget))
}

/// Size in bytes of a produced value (its text; lists count a separator per item).
fn size(v: &Val<'_>) -> usize {
    match v {
        Val::Str(s) => s.len(),
        Val::Obj(s) => s.len(),
        Val::List(l) => l.iter().map(|x| size(x) + 2).sum(),
        Val::Num(_) => 8,
        Val::Bool(_) => 5,
        Val::Null => 0,
    }
}

/// A template's text; stops growing (empty, the record fails) past `maxFieldBytes`.
fn render_owned(
    parts: &[Part],
    slots: &[Option<Val<'_>>],
    mut s: String,
    budget: &Budget,
) -> String {
    for p in parts {
        if !budget.growing(s.len()) {
            s.clear();
            return s;
        }
        match p {
            Part::Lit(l) => s.push_str(l),
            Part::Slot(i) => {
                if let Some(v) = slot(slots, *i) {
                    // Inserted values are trimmed: " ada " in "{first} {last}" reads "ada".
                    let at = s.len();
                    push_text(&mut s, v);
                    let inserted = &s[at..];
                    let (lead, kept) = (
                        inserted.len() - crate::text::trim_start(inserted).len(),
                        crate::text::trim(inserted).len(),
                    );
                    if lead > 0 || kept < inserted.len() {
                        s.truncate(at + lead + kept);
                        s.drain(at..at + lead);
                    }
                }
            }
        }
    }
    s
}

/// Text of a value for a standard field (a list gives its first non-blank item; use
/// the `join` transform to keep them all).
fn field_text<'b>(v: &'b Val<'_>) -> Cow<'b, str> {
    match v {
        Val::List(l) => l
            .iter()
            .find(|x| !is_blank(Some(x)))
            .map(field_text)
            .unwrap_or(Cow::Borrowed("")),
        Val::Str(s) => Cow::Borrowed(s.as_ref()),
        Val::Num(n) => Cow::Owned(number_text(*n)),
        Val::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        other => {
            let mut s = String::new();
            push_text(&mut s, other);
            Cow::Owned(s)
        }
    }
}

fn cond_holds(c: &Option<Cond>, slots: &[Option<Val<'_>>], budget: &Budget) -> bool {
    c.as_ref().is_none_or(|c| c.eval(slots, budget))
}

fn why_not(c: &Option<Cond>) -> String {
    match c {
        Some(c) => format!("condition not met: {}", c.describe()),
        None => String::new(),
    }
}

impl Program {
    fn tags_of<'a>(
        &'a self,
        v: &Val<'a>,
        add: bool,
        tags: &mut TagDiff<'a>,
        scratch: &mut Scratch,
    ) {
        match v {
            Val::List(l) => l.iter().for_each(|x| self.tags_of(x, add, tags, scratch)),
            Val::Str(Cow::Borrowed(s)) => {
                for t in s.split(',') {
                    self.push_tag(Cow::Borrowed(t), add, tags, scratch);
                }
            }
            Val::Str(Cow::Owned(s)) => {
                for t in s.split(',') {
                    let mut o = scratch.take();
                    o.push_str(t);
                    self.push_tag(Cow::Owned(o), add, tags, scratch);
                }
            }
            Val::Null | Val::Obj(_) => {}
            other => {
                if let Some(t) = as_text(other) {
                    self.push_tag(Cow::Owned(t.into_owned()), add, tags, scratch);
                }
            }
        }
    }

    fn push_tag<'a>(
        &self,
        t: Cow<'a, str>,
        add: bool,
        tags: &mut TagDiff<'a>,
        scratch: &mut Scratch,
    ) {
        if let Some(n) = normalise_with(t, self.lowercase_tags, self.max_tag_length, scratch) {
            tags.push(n, add, scratch);
        }
    }

    pub(super) fn fresh<'a>(&'a self, trace: bool) -> Out<'a, 'a> {
        Out {
            std: Default::default(),
            custom: vec![None; self.customs.len()],
            tags: TagDiff::default(),
            score: None,
            rule_set: "default",
            warnings: Vec::new(),
            trace: trace.then(Vec::new),
            scratch: Scratch::default(),
            budget: Budget::new(&self.limits),
        }
    }

    fn run<'a>(
        &'a self,
        slots: &[Option<Val<'a>>],
        trace: bool,
    ) -> Result<Out<'a, 'a>, RulesError> {
        let mut out = self.fresh(trace);
        self.run_into(slots, &mut out)?;
        Ok(out)
    }

    /// Runs the rules into `out`, which is reset first (its buffers are reused). Fails
    /// only when the record spends a cost budget ([`Budget`]).
    pub(super) fn run_into<'a>(
        &'a self,
        slots: &[Option<Val<'a>>],
        out: &mut Out<'a, 'a>,
    ) -> Result<(), RulesError> {
        out.budget.reset();
        for f in out.std.iter_mut().chain(out.custom.iter_mut()) {
            out.scratch.recycle(f.take());
        }
        out.tags.clear(&mut out.scratch);
        for w in out.warnings.drain(..) {
            out.scratch.give(w.rule);
            out.scratch.give(w.code);
            out.scratch.give(w.message);
        }
        out.score = None;
        out.rule_set = "default";
        if let Some(t) = out.trace.as_mut() {
            t.clear();
        }
        let mut route_set: Option<&RuleSet> = None;
        for r in &self.routes {
            let hit = r.when.eval(slots, &out.budget);
            if let Some(t) = out.trace.as_mut() {
                t.push(TraceEntry {
                    rule: r.id.clone(),
                    kind: TraceKind::Route,
                    fired: hit,
                    why: format!(
                        "{} {}",
                        r.when.describe(),
                        if hit { "holds" } else { "does not hold" }
                    ),
                    before: None,
                    after: None,
                });
            }
            if hit {
                out.rule_set = &r.id;
                route_set = Some(&r.set);
                break;
            }
        }
        let sets = [Some(&self.base), route_set];
        for set in sets.iter().flatten() {
            self.mappings(set, slots, out);
        }
        for set in sets.iter().flatten() {
            self.tag_rules(set, slots, out);
        }
        let scoring = route_set
            .and_then(|s| s.scoring.as_ref())
            .or(self.base.scoring.as_ref());
        if let Some(sc) = scoring {
            self.score(sc, slots, out);
        }
        match out.budget.take_error() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn mappings<'a>(&'a self, set: &'a RuleSet, slots: &[Option<Val<'a>>], out: &mut Out<'a, '_>) {
        for m in &set.mappings {
            if !cond_holds(&m.when, slots, &out.budget) {
                if let Some(t) = out.trace.as_mut() {
                    t.push(TraceEntry {
                        rule: m.id.clone(),
                        kind: TraceKind::Mapping,
                        fired: false,
                        why: why_not(&m.when),
                        before: None,
                        after: None,
                    });
                }
                continue;
            }
            if m.text && out.trace.is_none() && self.text_mapping(m, slots, out) {
                continue;
            }
            let (mut v, from) = match &m.source {
                Source::Slot(s) => (slot(slots, *s).cloned(), Cow::Borrowed(self.trie.path(*s))),
                Source::Template(parts) => (
                    Some(Val::Str(render(
                        parts,
                        slots,
                        &mut out.scratch,
                        &out.budget,
                    ))),
                    Cow::Owned("a template".to_string()),
                ),
            };
            let before = match out.trace {
                Some(_) => v.as_ref().map(|x| x.to_json()),
                None => None,
            };
            let mut dropped = None;
            for t in &m.transforms {
                v = t.apply(
                    v,
                    self.default_country.as_deref(),
                    &mut dropped,
                    &out.budget,
                );
            }
            if let Some((code, message)) = dropped.take() {
                self.warn(m, code, message, out);
            }
            let v = v.filter(|x| !is_blank(Some(x)));
            if let Some(t) = out.trace.as_mut() {
                t.push(TraceEntry {
                    rule: m.id.clone(),
                    kind: TraceKind::Mapping,
                    fired: v.is_some(),
                    why: match &v {
                        Some(_) => format!("mapped from {from}"),
                        None => format!("no value from {from}"),
                    },
                    before,
                    after: v.as_ref().map(|x| x.to_json()),
                });
            }
            let Some(v) = v else { continue };
            if !out.budget.field(size(&v)) {
                continue;
            }
            match m.target {
                CTarget::Std(i) => {
                    if let Some(f) = out.std.get_mut(i) {
                        *f = Some(v);
                    }
                }
                CTarget::Tags => self.tags_of(&v, true, &mut out.tags, &mut out.scratch),
                CTarget::Custom(i) => {
                    if let Some(f) = out.custom.get_mut(i) {
                        *f = Some(v);
                    }
                }
            }
        }
    }

    /// The text path of a mapping: taken (true) when the value is a text or missing.
    fn text_mapping<'a>(
        &'a self,
        m: &'a CMapping,
        slots: &[Option<Val<'a>>],
        out: &mut Out<'a, '_>,
    ) -> bool {
        let Source::Slot(s) = m.source else {
            return false;
        };
        let mut v = match slot(slots, s) {
            None => None,
            Some(Val::Str(t)) => Some(t.clone()),
            // A list straight into tags: read in place, without a copy.
            Some(l @ Val::List(_))
                if m.transforms.is_empty() && matches!(m.target, CTarget::Tags) =>
            {
                self.tags_of(l, true, &mut out.tags, &mut out.scratch);
                return true;
            }
            Some(_) => return false,
        };
        let mut dropped = None;
        for t in &m.transforms {
            v = t.apply_text(
                v,
                self.default_country.as_deref(),
                &mut dropped,
                &mut out.scratch,
            );
        }
        if let Some((code, message)) = dropped.take() {
            self.warn(m, code, message, out);
        }
        let t = match v {
            Some(t) if !crate::text::trim(&t).is_empty() && out.budget.field(t.len()) => t,
            other => {
                out.scratch.recycle(other.map(Val::Str));
                return true;
            }
        };
        let field = match m.target {
            CTarget::Std(i) => out.std.get_mut(i),
            CTarget::Custom(i) => out.custom.get_mut(i),
            CTarget::Tags => {
                self.tags_of(&Val::Str(t), true, &mut out.tags, &mut out.scratch);
                return true;
            }
        };
        if let Some(f) = field {
            match f {
                // The text replaces the text already there (its buffer is kept).
                Some(Val::Str(old)) => {
                    if let Cow::Owned(o) = std::mem::replace(old, t) {
                        out.scratch.give(o);
                    }
                }
                _ => *f = Some(Val::Str(t)),
            }
        }
        true
    }

    fn warn(&self, m: &CMapping, code: &str, message: String, out: &mut Out<'_, '_>) {
        let (mut rule, mut c, mut message) = (out.scratch.take(), out.scratch.take(), message);
        rule.push_str(&m.id);
        c.push_str(code);
        for part in [" (rule '", &m.id, "')."] {
            message.push_str(part);
        }
        out.warnings.push(Warning {
            rule,
            code: c,
            message,
        });
    }

    fn tag_rules<'a>(&'a self, set: &'a RuleSet, slots: &[Option<Val<'a>>], out: &mut Out<'a, '_>) {
        for r in &set.tag_rules {
            let hit = cond_holds(&r.when, slots, &out.budget);
            if hit {
                for (tags, add) in [(&r.add, true), (&r.remove, false)] {
                    for t in tags {
                        match t {
                            CTag::Fixed(f) => {
                                out.tags
                                    .push(Cow::Borrowed(f.as_str()), add, &mut out.scratch)
                            }
                            CTag::Template(parts) => {
                                let t = render(parts, slots, &mut out.scratch, &out.budget);
                                self.push_tag(t, add, &mut out.tags, &mut out.scratch);
                            }
                        }
                    }
                }
            }
            if let Some(tr) = out.trace.as_mut() {
                tr.push(TraceEntry {
                    rule: r.id.clone(),
                    kind: TraceKind::Tag,
                    fired: hit,
                    why: if hit {
                        match &r.when {
                            Some(c) => format!("{} holds", c.describe()),
                            None => "always applies".into(),
                        }
                    } else {
                        why_not(&r.when)
                    },
                    before: None,
                    after: None,
                });
            }
        }
    }

    fn score<'a>(
        &'a self,
        sc: &'a super::plan::CScoring,
        slots: &[Option<Val<'a>>],
        out: &mut Out<'a, '_>,
    ) {
        let mut score: i64 = sc
            .base
            .and_then(|b| slot(slots, b))
            .and_then(number_of)
            .map(|n| n.clamp(-9.0e15, 9.0e15).floor() as i64)
            .unwrap_or(0);
        for r in &sc.rules {
            let hit = cond_holds(&r.when, slots, &out.budget);
            let count: i64 = match r.per {
                None => 1,
                Some(p) => match slot(slots, p) {
                    None | Some(Val::Null) => 0,
                    Some(Val::List(l)) => l.len() as i64,
                    Some(_) => 1,
                },
            };
            let mut pts = if hit {
                r.points.saturating_mul(count)
            } else {
                0
            };
            if let Some(cap) = r.cap {
                pts = pts.clamp(-cap, cap);
            }
            score = score.saturating_add(pts);
            if let Some(t) = out.trace.as_mut() {
                t.push(TraceEntry {
                    rule: r.id.clone(),
                    kind: TraceKind::Score,
                    fired: hit && pts != 0,
                    why: if hit {
                        format!("{pts:+} points")
                    } else {
                        why_not(&r.when)
                    },
                    before: None,
                    after: Some(Value::from(score)),
                });
            }
        }
        if let Some(max) = sc.max {
            score = score.min(max);
        }
        if let Some(min) = sc.min {
            score = score.max(min);
        }
        let reached = sc.thresholds.iter().rposition(|(at, _)| score >= *at);
        if let Some(hi) = reached {
            for (i, (at, tags)) in sc.thresholds.iter().enumerate() {
                for t in tags {
                    self.push_tag(
                        Cow::Borrowed(t.as_str()),
                        i == hi,
                        &mut out.tags,
                        &mut out.scratch,
                    );
                }
                if let Some(tr) = out.trace.as_mut() {
                    tr.push(TraceEntry {
                        rule: format!("threshold {at}"),
                        kind: TraceKind::Threshold,
                        fired: i == hi,
                        why: if i == hi {
                            format!("score {score} reached {at}: adds {}", tags.join(", "))
                        } else {
                            format!(
                                "not the highest threshold reached: removes {}",
                                tags.join(", ")
                            )
                        },
                        before: None,
                        after: None,
                    });
                }
            }
        }
        out.score = Some(score);
        match sc.write_to {
            Some(CTarget::Std(i)) => {
                if let Some(f) = out.std.get_mut(i) {
                    *f = Some(Val::Num(score as f64));
                }
            }
            Some(CTarget::Custom(i)) => {
                if let Some(f) = out.custom.get_mut(i) {
                    *f = Some(Val::Num(score as f64));
                }
            }
            _ => {}
        }
    }

    fn custom_json(v: &Val<'_>) -> Value {
        match v {
            Val::Num(n) => super::value::num_json(*n),
            Val::List(l) => Value::Array(
                l.iter()
                    .filter(|x| !is_blank(Some(x)))
                    .map(|x| Value::String(field_text(x).into_owned()))
                    .collect(),
            ),
            other => Value::String(field_text(other).into_owned()),
        }
    }

    fn write_custom(out: &mut String, v: &Val<'_>) {
        match v {
            Val::Num(n) => write::num(out, *n),
            Val::List(l) => {
                out.push('[');
                let mut first = true;
                for x in l.iter().filter(|x| !is_blank(Some(x))) {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    write::str(out, &field_text(x));
                }
                out.push(']');
            }
            other => write::str(out, &field_text(other)),
        }
    }

    fn to_result(&self, o: Out<'_, '_>) -> MappingResult {
        let mut upsert = UpsertBody::default();
        for (i, v) in o.std.iter().enumerate() {
            if let Some(v) = v {
                upsert.fields.set(i, field_text(v).into_owned());
            }
        }
        for (i, v) in o.custom.iter().enumerate() {
            if let (Some(v), Some(c)) = (v, self.customs.get(i)) {
                upsert.custom_fields.push(CustomFieldValue {
                    id: c.id.clone(),
                    key: c.key.clone(),
                    field_value: Self::custom_json(v),
                });
            }
        }
        MappingResult {
            upsert,
            tags_to_add: o.tags.iter(true).map(String::from).collect(),
            tags_to_remove: o.tags.iter(false).map(String::from).collect(),
            score: o.score,
            rule_set: o.rule_set.to_string(),
            warnings: o.warnings,
            trace: o.trace.unwrap_or_default(),
        }
    }

    pub(super) fn write_result(&self, o: &Out<'_, '_>, out: &mut String) {
        out.push_str("{\"upsert\":{");
        let mut first = true;
        for (i, v) in o.std.iter().enumerate() {
            if let (Some(v), Some(name)) = (v, STRING_FIELDS.get(i)) {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(STD_KEYS.get(i).copied().unwrap_or(name));
                write::str(out, &field_text(v));
            }
        }
        if o.custom.iter().any(|c| c.is_some()) {
            if !first {
                out.push(',');
            }
            out.push_str("\"customFields\":[");
            let mut f = true;
            for (i, v) in o.custom.iter().enumerate() {
                if let (Some(v), Some(c)) = (v, self.customs.get(i)) {
                    if !f {
                        out.push(',');
                    }
                    f = false;
                    out.push_str(&c.prefix);
                    Self::write_custom(out, v);
                    out.push('}');
                }
            }
            out.push(']');
        }
        out.push_str("},\"tagsToAdd\":[");
        for (i, t) in o.tags.iter(true).enumerate() {
            if i > 0 {
                out.push(',');
            }
            write::str(out, t);
        }
        out.push_str("],\"tagsToRemove\":[");
        for (i, t) in o.tags.iter(false).enumerate() {
            if i > 0 {
                out.push(',');
            }
            write::str(out, t);
        }
        out.push(']');
        if let Some(s) = o.score {
            out.push_str(",\"score\":");
            out.push_str(&s.to_string());
        }
        out.push_str(",\"ruleSet\":");
        write::str(out, o.rule_set);
        out.push_str(",\"warnings\":");
        out.push('[');
        for (i, w) in o.warnings.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"rule\":");
            write::str(out, &w.rule);
            out.push_str(",\"code\":");
            write::str(out, &w.code);
            out.push_str(",\"message\":");
            write::str(out, &w.message);
            out.push('}');
        }
        out.push(']');
        if let Some(t) = o.trace.as_ref().filter(|t| !t.is_empty()) {
            out.push_str(",\"trace\":");
            crate::codec::ToJson::write_json(t, out);
        }
        out.push('}');
    }

    /// Applies the rules to one record given as JSON text (an object).
    pub fn apply_json(
        &self,
        record: &str,
        opts: &ApplyOptions,
    ) -> Result<MappingResult, RulesError> {
        let slots = scan_record(record, &self.trie, &self.limits)?;
        Ok(self.to_result(self.run(&slots, opts.trace)?))
    }

    /// Applies the rules to an already-parsed record.
    pub fn apply_value(
        &self,
        record: &Value,
        opts: &ApplyOptions,
    ) -> Result<MappingResult, RulesError> {
        self.apply_json(&record.to_string(), opts)
    }

    /// Applies the rules to one record and writes the result as JSON text; a failure is
    /// written as `{"error": {code, message, details}}`.
    pub fn apply_json_text(&self, record: &str, opts: &ApplyOptions) -> String {
        let mut out = String::with_capacity(512);
        self.apply_into(record, opts, &mut out);
        out
    }

    fn apply_into(&self, record: &str, opts: &ApplyOptions, out: &mut String) {
        match scan_record(record, &self.trie, &self.limits) {
            Ok(slots) => match self.run(&slots, opts.trace) {
                Ok(o) => self.write_result(&o, out),
                Err(e) => write_error(out, &e),
            },
            Err(e) => write_error(out, &e),
        }
    }

    /// Applies the rules to a JSON array of records and returns a JSON array of results,
    /// one per record in order. A record that fails (not an object, over a limit) gets
    /// `{"error": {code, message, details}}` in its slot; the batch fails only when the
    /// text is not a JSON array or holds more records than `maxBatchRecords`.
    pub fn apply_batch_json(
        &self,
        records: &str,
        opts: &ApplyOptions,
    ) -> Result<String, RulesError> {
        let mut out = String::new();
        self.apply_batch_json_into(records, opts, &mut out)?;
        Ok(out)
    }

    /// [`Self::apply_batch_json`] appending to `out`, so a host mapping batch after
    /// batch can reuse one buffer (clear it between batches) instead of allocating and
    /// freeing a fresh output each time. On an error `out` is left as it was.
    pub fn apply_batch_json_into(
        &self,
        records: &str,
        opts: &ApplyOptions,
        out: &mut String,
    ) -> Result<(), RulesError> {
        let at = out.len();
        let r = self.write_batch(records, opts, out);
        if r.is_err() {
            out.truncate(at);
        }
        r
    }

    fn write_batch(
        &self,
        records: &str,
        opts: &ApplyOptions,
        out: &mut String,
    ) -> Result<(), RulesError> {
        // Results are about as long as the records.
        out.reserve(records.len() + records.len() / 4 + 16);
        let mut sc = Scanner::new(records, &self.limits);
        match sc.peek_kind() {
            Some(b'[') => {}
            Some(c) => {
                return Err(RulesError::BadRecord {
                    offset: 0,
                    message: format!(
                        "a batch must be a JSON list of records, not {}",
                        super::scan::kind_name(c)
                    ),
                })
            }
            None => {
                return Err(RulesError::BadRecord {
                    offset: 0,
                    message: "the batch is empty".into(),
                })
            }
        }
        out.push('[');
        let mut n = 0usize;
        let mut o = self.fresh(opts.trace);
        sc.each_record(&self.trie, self.limits.max_record_bytes, |rec| {
            n += 1;
            if n > self.limits.max_batch_records {
                return Err(RulesError::LimitExceeded {
                    limit: "maxBatchRecords",
                    what: "the number of records in the batch",
                    value: n,
                    max: self.limits.max_batch_records,
                });
            }
            if n > 1 {
                out.push(',');
            }
            match rec {
                Ok(slots) => match self.run_into(slots, &mut o) {
                    Ok(()) => self.write_result(&o, out),
                    Err(e) => write_error(out, &e),
                },
                Err(e) => write_error(out, &e),
            }
            Ok(())
        })?;
        out.push(']');
        Ok(())
    }
}

pub(super) fn write_error(out: &mut String, e: &RulesError) {
    let r = ErrorReport::of(e);
    out.push_str("{\"error\":{\"code\":");
    write::str(out, e.code());
    out.push_str(",\"message\":");
    write::str(out, &r.message);
    out.push_str(",\"details\":");
    write::value(out, &r.details);
    out.push_str("}}");
}

#[cfg(test)]
mod tests {
    #[test]
    fn std_keys_follow_standard_fields() {
        for (i, f) in super::STRING_FIELDS.iter().enumerate() {
            assert_eq!(super::STD_KEYS[i], format!("\"{f}\":"));
        }
    }
}
