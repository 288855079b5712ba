//! catalog: see the crate documentation.
