//! Shared test support.
pub mod fixtures;
