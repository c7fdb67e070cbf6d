//! A design with what the checks need from it, read once. The app's Layout
//! area and the command line (`backstop check`, `bom`, `plan`) both start
//! from this, so they check, count and draw the same thing.

use backstop_model::layout::{CheckReport, Diagnostic, EquipmentSpec, RackSpec, RuleSet};
use backstop_model::project::Design;

use crate::{CheckInput, SizedCase, SvgOptions};

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

    /// The floor plan as an SVG document `width_px` wide, checked against
    /// `rules` (violations in red) when `checked`, with the number of
    /// violations drawn. The title names the project and the rule set, so a
    /// printed plan says what it was checked against. The app's export and
    /// `backstop plan` both draw through this: the same file gives the same
    /// bytes.
    pub fn plan_svg(&self, rules: &RuleSet, checked: bool, width_px: u32) -> (String, usize) {
        let input = self.input(rules);
        let report = checked.then(|| crate::check_design(&input, &self.cases));
        let name = &self.design.project.name;
        let title = if checked { format!("{name} — plan, checked against {}", rules.name) } else { format!("{name} — plan") };
        let svg = crate::plan_svg(&input, report.as_ref(), &SvgOptions { width_px, title, ..SvgOptions::default() });
        (svg, report.map_or(0, |r| r.violations.len()))
    }

    /// The bill of materials as CSV.
    pub fn bom_csv(&self) -> String {
        crate::bom_csv(&crate::bom(&self.design.layout, &self.specs, self.rack_spec.as_ref()))
    }

    /// `report` with the catalog's problems put before its own diagnostics.
    pub fn with_notes(&self, mut report: CheckReport) -> CheckReport {
        let mut diagnostics = self.notes.clone();
        diagnostics.append(&mut report.diagnostics);
        report.diagnostics = diagnostics;
        report
    }
}
