//! [`CompiledRules`]: what [`crate::compile`] gives, the engine's [`Program`] (what runs
//! per record, in the opt-level 3 crate) with the typed document it was compiled from.

use std::ops::Deref;

use crate::{Program, RulesDocument};

/// A compiled rules document, ready to apply to many records: its [`Program`] (every
/// apply method, through `Deref`) and the typed document. Immutable and cheap to share;
/// applying never mutates it.
#[derive(Debug, Clone)]
pub struct CompiledRules {
    program: Program,
    document: RulesDocument,
}

impl CompiledRules {
    pub(crate) fn new(program: Program, document: RulesDocument) -> Self {
        Self { program, document }
    }

    /// The document this was compiled from (typed).
    pub fn document(&self) -> &RulesDocument {
        &self.document
    }
}

impl Deref for CompiledRules {
    type Target = Program;

    fn deref(&self) -> &Program {
        &self.program
    }
}
