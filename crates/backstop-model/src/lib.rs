//! Shared types of Backstop: the vocabulary the UI (wasm32) and the backend
//! (native) speak to each other.
//!
//! Everything here is plain data with serde derives. The crate depends on
//! serde, serde_json (record bodies are JSON text, read as their types by
//! [`record`]) and smallvec only, does no I/O and holds no logic beyond
//! constructors and small invariants-preserving helpers, so it compiles for
//! `wasm32-unknown-unknown` and for the host alike.
//!
//! Module map:
//! - [`error`]: the one error type that crosses the IPC boundary, `{code, message}`.
//! - [`about`]: the about/status panel.
//! - [`project`]: project metadata and revision history.
//! - [`record`]: design records (catalog entries, cases, results) read by their kind, and kept as they are when they cannot be.
//! - [`catalog`]: equipment catalog entries (cells, cabinets, UPS, PCS).
//! - [`sizing`]: sizing cases, results and calculation sheets.
//! - [`sizing_smooth`]: power smoothing of AI training loads (case, requirements, result).
//! - [`sizing_view`]: the Sizing area's envelopes (case list, charts as SVG, catalog edits).
//! - [`layout`]: rooms, placed equipment, rule sets and violations.
//! - [`layout_view`]: the Layout area's envelopes (plan with footprints, check report, BOM, edits).
//! - [`link`]: serial/Modbus settings, devices, points and telemetry.
//! - [`commissioning`]: checklist templates, step results and sign-off.
//! - [`workspace`]: the open project as the UI sees it, recent files, open/new requests.
#![forbid(unsafe_code)]

pub mod about;
pub mod catalog;
pub mod commissioning;
pub mod error;
pub mod layout;
pub mod layout_view;
pub mod link;
pub mod number;
pub mod project;
pub mod record;
pub mod sizing;
pub mod sizing_smooth;
pub mod sizing_view;
pub mod time;
pub mod workspace;

pub use error::{AppError, ErrorCode};
