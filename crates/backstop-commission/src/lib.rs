//! The commissioning checklist engine: steps defined as data
//! ([`ChecklistTemplate`]), evaluated against what was observed on site into
//! results with evidence, sessions that lock at sign-off, and the as-built
//! versus design comparison.
//!
//! **Invariant:** pure. Readings come in as values ([`Observation`]), results
//! go out as values; the app reads the devices and stores the results.
//!
//! **Invariant:** never a pass on missing data. A unit that did not answer,
//! data marked stale, or a point the device does not implement gives
//! `incomplete` (or `not applicable` where the check cannot apply), with the
//! reason in the evidence — never `pass`.
#![forbid(unsafe_code)]

pub mod asbuilt;
pub mod builtin;
pub mod evaluate;
pub mod limits;
pub mod plan;
pub mod read;
pub mod session;
pub mod validate;

pub use asbuilt::as_built;
pub use builtin::builtin_templates;
pub use evaluate::{evaluate, evaluate_comm_loss};
pub use plan::{plan_problems, planned_units};
pub use session::{SessionError, summary};
pub use validate::{TemplateError, validate};

pub use backstop_model::commissioning::*;
