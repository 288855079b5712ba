//! The engine: the compiled plan ([`plan`]), reading records (the selective JSON
//! [`scan`]ner, the pre-extracted [`slots`] form), and applying rules to them
//! (conditions, transforms, tags, scoring, results, the per-record cost budget).

pub(crate) mod apply;
pub(crate) mod budget;
pub(crate) mod conditions;
pub(crate) mod path;
pub(crate) mod plan;
pub(crate) mod result;
pub mod scan;
pub(crate) mod slots;
pub(crate) mod tags;
pub(crate) mod textops;
pub(crate) mod transforms;
pub(crate) mod value;
