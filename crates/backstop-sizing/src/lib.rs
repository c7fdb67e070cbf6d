//! The sizing engine: UPS ride-through sizing (constant-power tables, IEEE
//! 485/1115 duty cycle, Li-ion equivalent-circuit simulation), grid/peak-shaving
//! sizing over a year of load data with degradation, an optimizer over the
//! catalog, and the calculation sheet that makes each number defensible.
//!
//! **Invariant:** pure computation. No I/O, no Tauri, no SQLite; never panics
//! and never returns NaN — bad or infeasible input yields diagnostics.

pub mod case;
pub mod catalog;
pub mod diag;
pub mod num;
pub mod peak;
pub mod profile;
pub mod rainflow;
pub mod sheet;

pub use backstop_model::catalog as model_catalog;
pub use backstop_model::sizing as model;

pub mod battery;
pub mod duty;
pub mod ecm;
pub mod optimize;
pub mod ups;

pub use case::{CaseFile, parse_peak_case, parse_ups_case};
pub use catalog::{default_catalog, find, merged, parse_catalog, validate_entry};
pub use sheet::render_text;
pub use optimize::optimize_ups;
pub use peak::size_peak;
pub use profile::{LoadProfile, parse_profile};
pub use ups::size_ups;
