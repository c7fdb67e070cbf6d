//! Layout rules for Backstop: the code-compliance checks a fire marshal or
//! electrical inspector would apply to a battery room (IFC 2018 §1206 /
//! NFPA 855 array limits and spacing, aggregate energy per fire area, NEC
//! 110.26 working space, floor loading, overlaps, egress, outdoor
//! separations), the layout held against the project's sizing results
//! ([`consistency`]: installed battery units, energy, strings and UPS/PCS
//! power against the case a room or item serves), auto-placement of
//! cabinets, the bill of materials, the plan as SVG, and the pure geometry
//! helpers the plan editor uses.
//!
//! Key design choices:
//! - **Pure and total.** No I/O, and no input makes it panic: invalid
//!   numbers, zero sizes, degenerate outlines and dangling references become
//!   [`Diagnostic`](backstop_model::layout::Diagnostic)s that name the field,
//!   and the part concerned is left out of the checks that need it.
//! - **Every threshold is data.** Rules read their figures, titles and code
//!   references from a [`RuleSet`](backstop_model::layout::RuleSet)
//!   ([`default_rule_set`] holds the IFC 2018 / NFPA 855-2023 / NEC 2017
//!   figures) that engineers copy and edit per jurisdiction.
//! - **Decoupled from the catalog.** Checks take per-catalog-key
//!   [`EquipmentSpec`](backstop_model::layout::EquipmentSpec)s beside the
//!   layout; the app maps catalog entries to specs.
//! - **A spatial index** (uniform grid, [`index`]) answers every "what is
//!   near this" question, so a full check of 1,000 objects stays far below
//!   a frame; the naive all-pairs scan is kept behind the same interface
//!   for the benchmark and for equivalence tests.
//!
//! Plan coordinates follow `backstop_model::layout`: integer millimetres,
//! x east, y north; at rotation 0 an item's front faces south.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod autoplace;
pub mod bom;
pub mod catalog;
pub mod check;
pub mod consistency;
pub mod editor;
pub mod electrical;
pub mod geom;
pub mod index;
pub mod loaded;
pub mod resolve;
pub mod rooms;
pub mod rules;
pub mod sample;
pub mod svg;

pub use autoplace::auto_place;
pub use bom::{bom, bom_csv};
pub use check::{CheckInput, CheckOptions, check, check_with, fmt_num};
pub use consistency::{SizedCase, check_consistency, check_design, sized_cases};
pub use index::IndexKind;
pub use loaded::LoadedDesign;
pub use rules::{DEFAULT_RULE_SET_ID, builtin_rule_sets, default_rule_set, validate_rule_set};
pub use svg::{SvgOptions, plan_svg};
