//! The commissioning checklist engine: steps defined as data, evaluated
//! against live readings into results with evidence, and the as-built vs
//! design comparison.
//!
//! **Invariant:** pure; readings come in as values, results go out as values.
