//! Request builder and transport exports (filled in when the builder lands).
