//! The Backstop application core: everything the app does with an open
//! project that is not window, dialog or channel work, in one crate the
//! desktop app (`src-tauri`) and the command line share.
//!
//! - [`session`]: the open project, recent files, store errors as
//!   [`backstop_model::AppError`]s.
//! - [`layout_edit`]: the Layout area's view of a project and each plan edit
//!   as one labelled store edit; exports (BOM, plan SVG and PNG).
//! - [`sizing_cases`]: sizing cases and results as project records, the
//!   catalog a project sizes with, held load profiles and traces, charts.
//! - [`commissioning`]: the checklist session, recorded as it happens.
//! - [`reports`]: report data from the open project for the report crate.
//! - [`live`]: the live link's last state as a value.
//!
//! **Architecture invariant:** no Tauri, no windows, no dialogs. Engineering
//! rules stay in the domain crates (`backstop-layout`, `backstop-sizing`,
//! `backstop-commission`); this crate reads the project, calls them and
//! writes the result back.

pub mod commissioning;
pub mod layout_edit;
pub mod live;
pub mod reports;
pub mod session;
pub mod sizing_cases;
