//! The mapping-rules engine's hot path (`ghl-bridge-rules-engine`): the compiled
//! program ([`Program`], what `compile` builds), reading records (the selective JSON
//! [`scan`]ner, the pre-extracted [`slots`] form), and applying rules to them
//! (conditions, transforms, tags, scoring, results, the per-record cost budget).
//!
//! A crate of its own so that the full Wasm module can be size-optimised while what
//! runs per record keeps opt-level 3; compiling, the grammar and the presets are in
//! `ghl-bridge-rules`, which depends on this crate and re-exports its public items
//! (`ghl_bridge::rules` is the one public path). Its files: this folder, and from
//! `src/rules/`: `text/` (the text operations and tables the transforms call),
//! `limits.rs`, `contact.rs`, `error.rs` ([`RulesError`], which applying gives too) and
//! `grammar/problem.rs` (the [`Problem`] that [`RulesError::Invalid`] lists); plus the
//! error convention `src/error.rs` ([`convention`]), which every domain shares.
//!
//! The modules marked hidden are public only for the compiler in `ghl-bridge-rules`,
//! which builds the program's parts; they are no API.
#![forbid(unsafe_code)]

pub(crate) mod apply;
pub(crate) mod budget;
#[doc(hidden)]
pub mod conditions;
#[doc(hidden)]
pub mod path;
#[doc(hidden)]
pub mod plan;
pub(crate) mod result;
pub mod scan;
pub(crate) mod slots;
#[doc(hidden)]
pub mod tags;
pub(crate) mod textops;
#[doc(hidden)]
pub mod transforms;
#[doc(hidden)]
pub mod value;

pub(crate) use ghl_bridge_codec as codec;

#[path = "../contact.rs"]
pub mod contact;
#[path = "../../error.rs"]
pub mod convention;
#[path = "../error.rs"]
mod error;
#[path = "../limits.rs"]
#[doc(hidden)]
pub mod limits;
#[path = "../grammar/problem.rs"]
mod problem;
#[path = "../text/mod.rs"]
#[doc(hidden)]
pub mod text;

pub use error::RulesError;
pub use limits::Limits;
pub use plan::Program;
pub use problem::Problem;
pub use result::{
    ApplyOptions, CustomFieldValue, MappingResult, TraceEntry, TraceKind, UpsertBody, Warning,
};
pub use slots::{SlotNode, SlotPlan};
pub use text::{country, date, phone};
