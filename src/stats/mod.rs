//! stats: placeholder during the move.
