//! A design with what the checks need from it, read once. The app's Layout
//! area and the command line (`backstop check`, `bom`, `plan`) both start
//! from this, so they check, count and draw the same thing.

use backstop_model::layout::{CheckReport, Diagnostic, EquipmentSpec, RackSpec, RuleSet};
use backstop_model::project::Design;

use crate::{CheckInput, SizedCase};

/// A project's design with its equipment specs (from the project's catalog
/// and the built-in one), the problems found reading those, the rack spec
/// and the sizing cases the layout is held against.
#[derive(Debug, Clone)]
pub struct LoadedDesign {
    /// The design as stored.
    pub design: Design,
    /// Equipment specs of the catalog entries the layout uses.
    pub specs: Vec<EquipmentSpec>,
    /// The rack spec, when the layout has racks and the catalog one.
    pub rack_spec: Option<RackSpec>,
    /// Problems with catalog entries found while reading them.
    pub notes: Vec<Diagnostic>,
    /// The sizing cases with what their stored results need.
    pub cases: Vec<SizedCase>,
}

impl LoadedDesign {
    /// Reads what the checks need from `design`.
    pub fn new(design: Design) -> Self {
        let (specs, rack_spec, notes) = crate::catalog::catalog_specs(&design);
        let cases = crate::sized_cases(&design);
        LoadedDesign { design, specs, rack_spec, notes, cases }
    }

    /// What the layout rules look at, under `rules`.
    pub fn input<'a>(&'a self, rules: &'a RuleSet) -> CheckInput<'a> {
        CheckInput { layout: &self.design.layout, specs: &self.specs, rack_spec: self.rack_spec.as_ref(), rules }
    }

    /// The full check ([`crate::check_design`]) with the catalog's problems
    /// listed first.
    pub fn check(&self, rules: &RuleSet) -> CheckReport {
        let report = crate::check_design(&self.input(rules), &self.cases);
        self.with_notes(report)
    }

    /// `report` with the catalog's problems put before its own diagnostics.
    pub fn with_notes(&self, mut report: CheckReport) -> CheckReport {
        let mut diagnostics = self.notes.clone();
        diagnostics.append(&mut report.diagnostics);
        report.diagnostics = diagnostics;
        report
    }
}
