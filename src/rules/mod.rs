//! The mapping-rules engine: a versioned JSON document of field mappings, transforms,
//! conditions, tag rules, routes and lead scoring, turned into GHL contact data.
//!
//! Life cycle: [`compile`] a document once into [`CompiledRules`] (or get every
//! problem at once, each with a JSON Pointer and a plain-language message; [`validate`]
//! is compiling and keeping only the problems), then apply it to many records with [`CompiledRules::apply_json`],
//! [`CompiledRules::apply_value`], [`CompiledRules::apply_json_text`] or the batch form
//! [`CompiledRules::apply_batch_json`].
//!
//! Speed: compiling collects every source path the rules read into a trie; applying
//! walks the record's JSON text once with a selective scanner ([`scan`]) that descends
//! only into keys and indexes the trie needs and skips everything else without
//! allocating. Extracted strings are borrowed from the input unless they hold escapes.
//! The batch form writes its results straight to JSON text. Hosts that hold records
//! as objects (JavaScript) read only the values the rules need themselves, following
//! [`CompiledRules::slot_plan`], and apply them with
//! [`CompiledRules::apply_slots_batch_json`] (the format is documented there).
//!
//! Layout, by role (each layer uses only those before it): `text` (text operations and
//! data tables), `grammar` (the typed document and problems), `engine` (the compiled
//! plan, reading records, applying rules), `compile` (document to plan, the transform
//! registry).
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
//! A crate of its own (`ghl-bridge-rules`, re-exported as `ghl_bridge::rules`) so the
//! full Wasm module can be size-optimised while this crate, which holds the mapping
//! hot path, keeps opt-level 3. It also holds the two things it shares with the other
//! domains: the error convention ([`convention`], `ghl_bridge::error`) and the contact
//! fields it writes ([`contact`], `ghl_bridge::api::ContactFields`).
#![forbid(unsafe_code)]

pub(crate) use ghl_bridge_codec as codec;

mod compile;
pub mod contact;
#[path = "../error.rs"]
pub mod convention;
mod engine;
mod error;
mod grammar;
mod limits;
pub mod presets;
mod text;

pub use compile::{compile, validate, validate_with, CompileContext, CustomFieldDef};
pub use engine::plan::CompiledRules;
pub use engine::result::{
    ApplyOptions, CustomFieldValue, MappingResult, TraceEntry, TraceKind, UpsertBody, Warning,
};
pub use engine::scan;
pub use engine::slots::{SlotNode, SlotPlan};
pub use error::{parse_document, RulesError};
pub use grammar::document::*;
pub use grammar::Problem;
pub use limits::Limits;
pub use text::{country, date, phone};
