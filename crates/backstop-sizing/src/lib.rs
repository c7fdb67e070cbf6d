//! The sizing engine: UPS ride-through sizing (constant-power tables, IEEE
//! 485/1115 duty cycle, Li-ion equivalent-circuit simulation), grid/peak-shaving
//! sizing over a year of load data with degradation, an optimizer over the
//! catalog, and the calculation sheet that makes each number defensible.
//!
//! **Invariant:** pure computation. No I/O, no Tauri, no SQLite; never panics
//! and never returns NaN — bad or infeasible input yields diagnostics.
//!
//! Public entry points (what the app and the CLI call):
//! - [`size_ups`] / [`optimize_ups`] with a [`model::UpsCase`];
//! - [`parse_profile`] then [`size_peak`] with a [`model::PeakCase`];
//! - [`parse_trace`] / [`parse_trace_reader`] (or the case's synthetic
//!   profile) then [`size_smooth`] with a [`backstop_model::sizing_smooth::SmoothCase`];
//! - [`parse_ups_case`] / [`parse_peak_case`] / [`parse_smooth_case`] for TOML/JSON case text;
//! - [`default_catalog`], [`merged`], [`parse_catalog`], [`validate_entry`];
//! - [`render_text`] for a calculation sheet as plain text.
#![forbid(unsafe_code)]
// `!(x > 0.0)` is used on purpose: it rejects NaN together with x ≤ 0.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod aging;
pub mod case;
pub mod catalog;
pub mod defaults;
pub mod diag;
pub mod num;
pub mod peak;
pub mod profile;
pub mod rainflow;
pub mod sheet;
pub mod smooth;

pub use backstop_model::catalog as model_catalog;
pub use backstop_model::sizing as model;

pub mod battery;
pub mod duty;
pub mod ecm;
pub mod optimize;
pub mod ups;

pub use case::{CaseFile, parse_peak_case, parse_smooth_case, parse_ups_case};
pub use catalog::{default_catalog, find, merged, parse_catalog, validate_entry};
pub use optimize::{optimize_peak, optimize_ups};
pub use peak::size_peak;
pub use profile::{LoadProfile, parse_profile, parse_profile_reader};
pub use sheet::render_text;
pub use smooth::{PowerTrace, parse_trace, parse_trace_reader, size_smooth};
pub use ups::size_ups;
