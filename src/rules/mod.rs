//! The mapping-rules engine: a versioned JSON document of field mappings, transforms,
//! conditions, tag rules, routes and lead scoring, turned into GHL contact data.
//!
//! Life cycle: [`compile`] a document once into [`CompiledRules`] (or get every
//! problem at once, each with a JSON Pointer and a plain-language message; [`validate`]
//! is compiling and keeping only the problems), then apply it to many records with
//! [`Program::apply_json`], [`Program::apply_value`], [`Program::apply_json_text`] or the
//! batch form [`Program::apply_batch_json`] (a [`CompiledRules`] is its [`Program`], to
//! which it derefs, and the typed document).
//!
//! Speed: compiling collects every source path the rules read into a trie; applying
//! walks the record's JSON text once with a selective scanner ([`scan`]) that descends
//! only into keys and indexes the trie needs and skips everything else without
//! allocating. Extracted strings are borrowed from the input unless they hold escapes.
//! The batch form writes its results straight to JSON text. Hosts that hold records
//! as objects (JavaScript) read only the values the rules need themselves, following
//! [`Program::slot_plan`], and apply them with [`Program::apply_slots_batch_json`] (the
//! format is documented there).
//!
//! Layout, by role (each layer uses only those before it): `text` (text operations and
//! data tables), `engine` (the compiled program, reading records, applying rules, the
//! errors and problems), `grammar` (the typed document, reading it from text), `compile`
//! (document to program, the transform registry).
//!
//! Invariants:
//! - Applying never panics, whatever the document and record: every failure is a
//!   [`RulesError`] (per record inside a batch), and every limit in [`Limits`] is
//!   checked and reported with its name and the value that exceeded it.
//! - Regular expressions run on a linear-time engine (`regex-lite`) with a size cap,
//!   and the work of one record is bounded (`maxRegexBytes`), as is the size of every
//!   value it produces (`maxFieldBytes`) and of all of them (`maxOutputBytes`).
//! - Applying is deterministic: same document, same record, same result (no clock,
//!   no randomness, no I/O).
//! - Tags never go into the upsert body (GHL replaces all tags when it sees them);
//!   they come out as a diff: `tagsToAdd` and `tagsToRemove`.
//!
//! Two crates, by how they are built: what runs per record (the compiled program
//! [`Program`], reading records, applying, the text normalisers, [`RulesError`], the
//! limits; sources in `engine/`, which lists its files) is `ghl-bridge-rules-engine`,
//! kept at opt-level 3 in the full Wasm module; this crate (`ghl-bridge-rules`: the
//! grammar, compiling and its problems, the presets, [`CompiledRules`]) is built for
//! size like the rest, depends on the engine and re-exports it, so `ghl_bridge::rules`
//! stays the one public path. The engine also holds the two things it shares with the
//! other domains: the error convention ([`convention`], `ghl_bridge::error`) and the
//! contact fields it writes ([`contact`], `ghl_bridge::api::ContactFields`).
#![forbid(unsafe_code)]

pub(crate) use ghl_bridge_codec as codec;

mod compile;
mod compiled;
mod grammar;
pub mod presets;

use ghl_bridge_rules_engine as engine;

pub use compile::{compile, validate, validate_with, CompileContext, CustomFieldDef};
pub use compiled::CompiledRules;
pub use engine::{
    contact, convention, country, date, phone, scan, ApplyOptions, CustomFieldValue, Limits,
    MappingResult, Problem, Program, RulesError, SlotNode, SlotPlan, TraceEntry, TraceKind,
    UpsertBody, Warning,
};
pub use grammar::document::*;
pub use grammar::parse_document;
