//! The rules grammar: the typed document ([`document`]) is the grammar, the JSON
//! Schema and the TypeScript types are generated from it, and the transform registry
//! names every transform once.

pub(crate) mod document;
mod problem;

pub(crate) use problem::did_you_mean;
pub use problem::Problem;
