//! Reports: charts drawn with plotters (SVG, shown in the UI and embedded in
//! PDFs) and the PDF design and commissioning reports.
//!
//! Key design choices:
//! - **Typst as a library** ([`typeset`]): each report is a Typst template
//!   compiled into this crate plus the report's data as JSON, read by the
//!   template with `json(...)`. Data never becomes markup, so a client name
//!   such as `#import "x"` or `*bold*` prints literally.
//! - **Fonts are embedded** (typst-assets) and the PDF's timestamp and
//!   identifier are fixed by the caller, so the same data gives the same bytes
//!   on every machine.
//! - **Reports are plain data** ([`design::DesignReport`],
//!   [`commissioning::CommissioningReport`]) built from the model types
//!   ([`build`]); [`project`] reads them from an open project through the
//!   store's API, so the app and the CLI produce identical reports. The crate
//!   knows nothing about Tauri and never touches files itself. Every section
//!   that has no data yet renders as "not yet designed/recorded" instead of
//!   failing.

pub mod build;
pub mod charts;
pub mod commissioning;
pub mod design;
pub mod project;
pub mod typeset;

pub use typeset::{BUDGET, Budget, Rendered, ReportError};

/// Backstop's logo, printed in every title block.
pub(crate) const LOGO: &[u8] = include_bytes!("../../../icons/backstop.svg");

/// Facts that head every report.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReportMeta {
    /// "Design report", "Commissioning report".
    pub title: String,
    pub project: String,
    pub client: String,
    pub site: String,
    pub address: String,
    pub engineer: String,
    /// Document revision shown in the title block ("A", "B", …; empty if none issued).
    pub revision: String,
    /// Report date, `YYYY-MM-DD` (the caller's clock; fixed in tests).
    pub date: String,
    /// Project file the report was made from.
    pub source_file: String,
    /// Backstop version that made the report.
    pub generator: String,
}
