//! Builds report data from the project's model types. Pure: the caller
//! (app or CLI) reads the project file and passes what it found.

use backstop_model::commissioning::{AsBuiltRow, AsBuiltStatus, CommissioningSession, Outcome};
use backstop_model::project::{ProjectInfo, Revision};

use crate::ReportMeta;
use crate::charts::{LineChart, Series};
use crate::commissioning::{CommissioningReport, DeviceRow, SessionSection, SetpointRow, SignoffSection, StepRow};
use crate::design::{
    BomRow, BomSection, CalcStep, ConsistencyLineRow, ConsistencyRow, DesignReport, KeyValue, LayoutSection, RevisionRow, RuleSection,
    SizingSection, ViolationRow,
};

/// Head facts of a report from the project metadata.
pub fn meta(title: &str, info: &ProjectInfo, revisions: &[Revision], date: &str, source_file: &str) -> ReportMeta {
    ReportMeta {
        title: title.into(),
        project: info.name.clone(),
        client: info.client.clone(),
        site: info.site.clone(),
        address: info.address.replace('\n', ", "),
        engineer: info.engineer.clone(),
        revision: revisions.iter().max_by(|a, b| (&a.date, &a.rev).cmp(&(&b.date, &b.rev))).map(|r| r.rev.clone()).unwrap_or_default(),
        date: date.into(),
        source_file: source_file.into(),
        generator: env!("CARGO_PKG_VERSION").into(),
    }
}

pub fn revision_rows(revisions: &[Revision]) -> Vec<RevisionRow> {
    revisions
        .iter()
        .map(|r| RevisionRow { rev: r.rev.clone(), date: r.date.clone(), author: r.author.clone(), description: r.description.clone() })
        .collect()
}

/// One logged telemetry series for the trends section.
#[derive(Debug, Clone)]
pub struct Trend {
    pub title: String,
    pub unit: String,
    /// (Unix ms, value)
    pub samples: Vec<(i64, f64)>,
}

/// Everything the commissioning report is made of.
pub struct CommissioningInput<'a> {
    pub info: &'a ProjectInfo,
    pub revisions: &'a [Revision],
    pub source_file: &'a str,
    /// Report date `YYYY-MM-DD`.
    pub date: &'a str,
    pub session: Option<&'a CommissioningSession>,
    /// The link the session used (port and settings).
    pub link: &'a str,
    pub as_built: &'a [AsBuiltRow],
    pub trends: Vec<Trend>,
}

fn when(ms: i64) -> String {
    backstop_model::time::format_utc(ms)
}

fn status_text(s: &AsBuiltStatus) -> String {
    match s {
        AsBuiltStatus::AsDesigned => "as designed".into(),
        AsBuiltStatus::Missing => "missing".into(),
        AsBuiltStatus::Extra => "extra".into(),
        AsBuiltStatus::WrongModel { expected, found } => format!("wrong model ({found}, expected {expected})"),
        AsBuiltStatus::WrongCapacity { expected_wh, found_wh } => {
            format!("wrong capacity ({:.1} kWh, expected {:.1} kWh)", found_wh / 1000.0, expected_wh / 1000.0)
        }
        AsBuiltStatus::WrongFirmware { expected, found } => format!("wrong firmware ({found}, expected {expected})"),
        AsBuiltStatus::DuplicateSerial { units } => {
            format!("duplicate serial (units {})", units.iter().map(u8::to_string).collect::<Vec<_>>().join(", "))
        }
    }
}

/// The commissioning report of the latest session.
pub fn commissioning(input: CommissioningInput<'_>) -> CommissioningReport {
    let meta = meta("Commissioning report", input.info, input.revisions, input.date, input.source_file);
    let devices = input
        .as_built
        .iter()
        .map(|r| DeviceRow {
            unit: r.unit.unwrap_or(0),
            serial: r.serial.clone().unwrap_or_else(|| "—".into()),
            model: r.model.clone().unwrap_or_else(|| "—".into()),
            firmware: r.firmware.clone().unwrap_or_else(|| "—".into()),
            cabinet: if r.cabinet.is_empty() { "—".into() } else { r.cabinet.clone() },
            status: r.status.iter().map(status_text).collect::<Vec<_>>().join("; "),
            ok: r.ok(),
        })
        .collect();
    let mut report = CommissioningReport { meta, devices, ..CommissioningReport::default() };
    for t in input.trends {
        if t.samples.len() < 2 {
            continue;
        }
        let t0 = t.samples[0].0;
        report.trends.push(LineChart {
            title: t.title.clone(),
            x_label: format!("Minutes from {}", when(t0)),
            y_label: t.unit.clone(),
            series: vec![Series {
                name: t.title,
                points: t.samples.iter().map(|(ms, v)| ((ms - t0) as f64 / 60_000.0, *v)).collect(),
                reference: false,
            }],
            size: (720, 300),
        });
    }
    let Some(session) = input.session else { return report };
    report.session = Some(SessionSection {
        facts: vec![
            KeyValue::new(
                "Checklist",
                format!("{} (template {} v{})", session.template.name, session.template.id, session.template.version),
            ),
            KeyValue::new("Session revision", session.revision.to_string()),
            KeyValue::new("Engineer", session.engineer.clone()),
            KeyValue::new("Started", when(session.started_at_ms)),
            KeyValue::new("Link", if input.link.is_empty() { "not recorded".into() } else { input.link.to_string() }),
        ],
    });
    for step in &session.template.steps {
        let latest = session.history.iter().rev().find(|r| r.step_id == step.id);
        let runs = session.history.iter().filter(|r| r.step_id == step.id).count();
        report.steps.push(match latest {
            None => StepRow {
                title: step.title.clone(),
                criterion: step.reference.clone(),
                outcome: "not run".into(),
                evidence: vec![],
                notes: String::new(),
                who: "—".into(),
                at: "—".into(),
            },
            Some(r) => {
                if r.outcome == Outcome::Fail {
                    report.deviations.push(format!("{}: {}", r.title, r.summary));
                    for e in r.evidence.iter().filter(|e| e.bad) {
                        report.deviations.push(format!("  {} — {}", e.label, e.value));
                    }
                }
                let mut evidence: Vec<KeyValue> = r
                    .evidence
                    .iter()
                    .map(|e| KeyValue::new(&e.label, if e.bad { format!("✗ {}", e.value) } else { e.value.clone() }))
                    .collect();
                evidence.insert(0, KeyValue::new("Result", r.summary.clone()));
                if runs > 1 {
                    evidence.push(KeyValue::new("Runs", format!("{runs} (the latest is shown; all are kept in the project file)")));
                }
                StepRow {
                    title: r.title.clone(),
                    criterion: r.criterion.clone(),
                    outcome: match r.outcome {
                        Outcome::Pass => "pass",
                        Outcome::Fail => "fail",
                        Outcome::NotApplicable => "not applicable",
                        Outcome::Incomplete => "incomplete",
                    }
                    .into(),
                    evidence,
                    notes: r.notes.clone(),
                    who: r.who.clone(),
                    at: when(r.at_ms),
                }
            }
        });
        // The as-left table comes from the setpoint baseline step.
        if matches!(step.check, backstop_model::commissioning::Check::SetpointBaseline)
            && let Some(r) = latest
        {
            for e in &r.evidence {
                let Some((left, design)) = &e.compare else { continue };
                let (device, point) = e.label.split_once(", ").unwrap_or((&e.label, ""));
                report.as_left.push(SetpointRow {
                    device: device.to_string(),
                    point: point.to_string(),
                    design: design.clone(),
                    as_left: left.clone(),
                    matches: !e.bad,
                });
            }
        }
    }
    for r in input.as_built.iter().filter(|r| !r.ok()) {
        report.deviations.push(format!(
            "Cabinet {}: {}",
            if r.cabinet.is_empty() { "(none)" } else { &r.cabinet },
            r.status.iter().map(status_text).collect::<Vec<_>>().join("; ")
        ));
    }
    report.signoff = session.signoff.as_ref().map(|s| SignoffSection {
        name: s.name.clone(),
        role: s.role.clone(),
        date: s.date.clone(),
        statement: format!(
            "The commissioning results above were recorded on site with Backstop during session revision {} and are accepted as listed, including the deviations noted.",
            session.revision
        ),
    });
    report
}

/// Everything the design report is made of.
pub struct DesignInput<'a> {
    pub design: &'a backstop_model::project::Design,
    pub source_file: &'a str,
    /// Report date `YYYY-MM-DD`.
    pub date: &'a str,
}

fn num(v: f64) -> String {
    backstop_layout::fmt_num(v)
}

/// The design report: project data, plan, bill of materials, sizing
/// calculation sheets and the rule check, each from the project as it is.
pub fn design(input: DesignInput<'_>) -> DesignReport {
    let d = input.design;
    let l = &d.layout;
    let mut report = DesignReport {
        meta: meta("Design report", &d.project, &d.revisions, input.date, input.source_file),
        revisions: revision_rows(&d.revisions),
        ..DesignReport::default()
    };
    if !l.racks.is_empty() {
        report.project_facts.push(KeyValue::new("IT load", format!("{} kW in {} racks", num(l.it_load_kw()), l.racks.len())));
    }
    let has_layout = !l.rooms.is_empty() || !l.equipment.is_empty() || !l.racks.is_empty();
    if has_layout {
        let (specs, rack_spec, mut notes) = backstop_layout::catalog::catalog_specs(d);
        match backstop_layout::rules::project_rule_set(&d.settings) {
            Err(msg) => {
                report.rules =
                    Some(RuleSection { rule_set: format!("not checked: {msg}"), checked: 0, violations: vec![], consistency: vec![] });
            }
            Ok(rules) => {
                let input = backstop_layout::CheckInput { layout: l, specs: &specs, rack_spec: rack_spec.as_ref(), rules: &rules };
                // The layout rules and the layout held against the sizing cases.
                let check = backstop_layout::check_design(&input, &backstop_layout::sized_cases(d));
                notes.extend(check.diagnostics.iter().cloned());
                let svg = backstop_layout::plan_svg(
                    &input,
                    Some(&check),
                    &backstop_layout::SvgOptions { width_px: 1400, title: String::new(), ..backstop_layout::SvgOptions::default() },
                );
                let mut layout_notes: Vec<String> = l
                    .rooms
                    .iter()
                    .map(|r| {
                        format!(
                            "{} ({}): allowable floor load {} kg/m², fire area {}{}",
                            r.name,
                            r.id,
                            num(r.floor_load_kg_m2),
                            r.fire_area.clone().unwrap_or_else(|| "not assigned".into()),
                            doors_and_columns(r)
                        )
                    })
                    .collect();
                layout_notes.extend(notes.iter().map(|n| format!("{:?}: {} ({})", n.severity, n.message, n.field)));
                report.layout = Some(LayoutSection { plan_svg: svg, notes: layout_notes });
                report.rules = Some(RuleSection {
                    rule_set: format!("{} ({})", rules.name, rules.id),
                    checked: check.objects_checked,
                    violations: check
                        .violations
                        .iter()
                        .map(|v| ViolationRow {
                            rule: v.title.clone(),
                            reference: v.reference.clone(),
                            measured: format!("{} {}", num(v.measure.measured), v.measure.unit.symbol()),
                            required: format!("{} {} {}", v.measure.bound.symbol(), num(v.measure.required), v.measure.unit.symbol()),
                            objects: object_list(v.objects.iter().map(|o| o.key.as_str())),
                        })
                        .collect(),
                    consistency: check.consistency.iter().map(consistency_row).collect(),
                });
                let bom = backstop_layout::bom(l, &specs, rack_spec.as_ref());
                if !bom.lines.is_empty() {
                    report.bom = Some(BomSection {
                        rows: bom
                            .lines
                            .iter()
                            .map(|line| BomRow {
                                item: line.item.clone(),
                                description: line.description.clone(),
                                quantity: num(line.quantity),
                                unit: line.unit.clone(),
                                tags: compact_tags(&line.tags),
                            })
                            .collect(),
                        totals: vec![
                            KeyValue::new("Stored energy", format!("{} kWh", num(bom.totals.energy_kwh))),
                            KeyValue::new("Rated power (battery, UPS/PCS)", format!("{} kW", num(bom.totals.power_kw))),
                            KeyValue::new("IT load", format!("{} kW", num(bom.it_load_kw))),
                            KeyValue::new("Mass", format!("{} kg", num(bom.totals.mass_kg))),
                            KeyValue::new("Heat rejected", format!("{} kW", num(bom.totals.heat_kw))),
                            KeyValue::new("Cost", num(bom.totals.cost)),
                        ],
                    });
                }
            }
        }
    }
    for rec in &d.sizing_results {
        report.sizing.push(sizing_section(&rec.record));
    }
    report
}

/// The objects of a violation, all of them up to a dozen, then the first
/// ten and how many more (an array rule over thousands of cabinets would
/// otherwise print one line of thousands of tags).
fn object_list<'a>(keys: impl ExactSizeIterator<Item = &'a str>) -> String {
    let n = keys.len();
    if n <= 12 {
        return keys.collect::<Vec<_>>().join(", ");
    }
    format!("{} … and {} more", keys.take(10).collect::<Vec<_>>().join(", "), n - 10)
}

/// One case of the layout held against the sizing, as a report row.
fn consistency_row(c: &backstop_model::layout::CaseConsistency) -> ConsistencyRow {
    use backstop_model::layout::ConsistencyStatus;
    let value = |v: f64, unit: backstop_model::layout::Unit| match unit {
        backstop_model::layout::Unit::Kwh => format!("{} kWh", backstop_layout::consistency::fmt_kwh(v)),
        u => format!("{} {}", num(v), u.symbol()),
    };
    ConsistencyRow {
        case: format!("{} — {}", c.case_key, c.case_name),
        status: c.status.label().to_uppercase(),
        ok: c.status == ConsistencyStatus::Consistent,
        summary: c.summary.clone(),
        lines: c
            .lines
            .iter()
            .map(|l| ConsistencyLineRow {
                quantity: l.quantity.clone(),
                installed: value(l.installed, l.unit),
                required: value(l.required, l.unit),
                ok: l.ok,
            })
            .collect(),
    }
}

/// "BC-01, BC-02, BC-03, BC-04" → "BC-01 … BC-04 (4)" when there are many.
fn compact_tags(tags: &[String]) -> String {
    match tags {
        [] => String::new(),
        [a] => a.clone(),
        _ if tags.len() <= 4 => tags.join(", "),
        _ => format!("{} … {} ({})", tags[0], tags[tags.len() - 1], tags.len()),
    }
}

fn sheet_steps(sheet: &backstop_model::sizing::CalcSheet) -> Vec<CalcStep> {
    let mut out = Vec::new();
    for sec in &sheet.sections {
        out.push(CalcStep {
            quantity: sec.title.to_uppercase(),
            formula: sec.note.clone(),
            values: String::new(),
            result: String::new(),
            source: String::new(),
        });
        for line in &sec.lines {
            let result = match line.value {
                Some(v) => format!("{} {}", num(v), line.unit).trim().to_string(),
                None => line.text.clone(),
            };
            out.push(CalcStep {
                quantity: if line.symbol.is_empty() { line.label.clone() } else { format!("{} ({})", line.label, line.symbol) },
                formula: line.formula.clone(),
                values: if line.value.is_some() { line.text.clone() } else { String::new() },
                result,
                source: line.source.clone(),
            });
        }
    }
    out
}

/// `Load (kW)`; a quantity without a unit (a year, a count) is just its name.
fn axis_label(label: &str, unit: &str) -> String {
    if unit.trim().is_empty() { label.to_string() } else { format!("{label} ({unit})") }
}

/// Line charts of sizing chart series, as printed in the design report
/// and shown in the app's Sizing area: series sharing both axes (label and
/// unit) are drawn together, in the order they first appear.
pub fn charts(series: &[backstop_model::sizing::ChartSeries]) -> Vec<LineChart> {
    let mut charts: Vec<LineChart> = Vec::new();
    for s in series {
        let x = axis_label(&s.x_label, &s.x_unit);
        let y = axis_label(&s.y_label, &s.y_unit);
        let series = Series { name: s.label.clone(), points: s.points.iter().map(|p| (p[0], p[1])).collect(), reference: false };
        match charts.iter_mut().find(|c| c.x_label == x && c.y_label == y) {
            Some(c) => c.series.push(series),
            None => charts.push(LineChart {
                title: format!("{} versus {}", s.y_label, s.x_label),
                x_label: x,
                y_label: y,
                series: vec![series],
                size: (720, 360),
            }),
        }
    }
    charts
}

fn diag_text(d: &backstop_model::sizing::SizingDiagnostic) -> String {
    format!("{:?} [{}]: {}", d.severity, d.constraint, d.message)
}

/// A sizing result record as a report section (UPS or peak shaving).
fn sizing_section(rec: &backstop_model::project::Record) -> SizingSection {
    use backstop_model::record::Body;
    let mut sec = SizingSection {
        title: rec.name.clone(),
        method: String::new(),
        summary: vec![],
        inputs: vec![],
        steps: vec![],
        diagnostics: vec![],
        charts: vec![],
    };
    let body = rec.read();
    if let Body::UpsResult(r) = &body {
        sec.method = "UPS ride-through sizing; methods compared side by side".into();
        sec.summary
            .push(KeyValue::new("Design load", format!("{} kW IT, {} kW at the battery", num(r.load.design_kw), num(r.load.battery_kw))));
        for m in &r.methods {
            let verdict = match (&m.config, m.feasible) {
                (Some(c), true) => format!(
                    "{} × {} in series ({} cells), {} strings ({} needed), {} enclosures; {} kWh, {} C; {} m², {} kg, {} kW heat; cost {}",
                    c.units,
                    c.battery_key,
                    c.cells_in_series,
                    c.strings,
                    c.strings_needed,
                    c.enclosures,
                    num(c.energy_kwh),
                    num(c.c_rate),
                    num(c.footprint_m2),
                    num(c.mass_kg),
                    num(c.heat_kw),
                    num(c.cost)
                ),
                _ => "no feasible configuration (see the diagnostics)".into(),
            };
            let governs = if r.governing == Some(m.method) { " (governs)" } else { "" };
            sec.summary.push(KeyValue::new(format!("{:?}{governs}", m.method), verdict));
            sec.charts.extend(charts(&m.charts));
            sec.diagnostics
                .extend(m.diagnostics.iter().filter(|d| d.severity != backstop_model::sizing::DiagSeverity::Info).map(diag_text));
        }
        sec.diagnostics.extend(r.diagnostics.iter().filter(|d| d.severity != backstop_model::sizing::DiagSeverity::Info).map(diag_text));
        sec.steps = sheet_steps(&r.sheet);
    } else if let Body::PeakResult(r) = &body {
        sec.method = "Peak shaving over the load profile, with degradation over the project life".into();
        let p = &r.profile;
        sec.summary.push(KeyValue::new(
            "Load profile",
            format!(
                "{} rows at {} min, {} to {}; peak {} kW, mean {} kW, {} kWh",
                p.rows,
                num(p.interval_min),
                p.start,
                p.end,
                num(p.peak_kw),
                num(p.mean_kw),
                num(p.energy_kwh)
            ),
        ));
        if let Some(s) = &r.sizing {
            sec.summary.push(KeyValue::new(
                "Sizing",
                format!(
                    "threshold {} kW: {} kW, {} kWh usable, {} kWh nameplate, {} kWh installed at {} C; {} events",
                    num(s.point.threshold_kw),
                    num(s.point.power_kw),
                    num(s.point.usable_kwh),
                    num(s.point.nameplate_kwh),
                    num(s.installed_kwh),
                    num(s.c_rate),
                    s.point.events
                ),
            ));
            if let Some(last) = s.years.last() {
                sec.summary
                    .push(KeyValue::new("Capacity at end of life", format!("{} % after {} years", num(last.soh_end * 100.0), last.year)));
            }
        }
        sec.charts = charts(&r.charts);
        sec.diagnostics =
            r.diagnostics.iter().filter(|d| d.severity != backstop_model::sizing::DiagSeverity::Info).map(diag_text).collect();
        sec.steps = sheet_steps(&r.sheet);
    } else if let Body::SmoothResult(r) = &body {
        smooth_section(&mut sec, r);
    } else if let Body::Unreadable { reason, .. } = &body {
        sec.method = format!("A {} result this version cannot read ({reason}); recompute the case to include it.", rec.kind);
    } else {
        sec.method = format!("A {} record is not a sizing result; recompute the case to include it.", rec.kind);
    }
    sec
}

/// The design report's section of a power-smoothing result: the load, each
/// requirement with its margin, the storage sized, life from both views,
/// losses, the charts and the calculation sheet.
fn smooth_section(sec: &mut SizingSection, r: &backstop_model::sizing_smooth::SmoothResult) {
    use backstop_model::sizing_smooth::LifeBasis;
    sec.method = "Power smoothing of the AI training load against the grid's ramp and oscillation limits".into();
    let t = &r.trace;
    sec.summary.push(KeyValue::new(
        "Load",
        format!(
            "{}: {} samples at {} s ({} s); peak {} MW, mean {} MW, {} MWh",
            t.source,
            t.samples,
            num(t.dt_s),
            num(t.duration_s),
            num(t.peak_mw),
            num(t.mean_mw),
            num(t.energy_mwh)
        ),
    ));
    if let Some(ramp) = r.ramp_mw_per_min {
        sec.summary.push(KeyValue::new("Grid ramp limit used", format!("{} MW/min", num(ramp))));
    }
    for c in &r.checks {
        sec.summary.push(KeyValue::new(
            c.label.clone(),
            format!(
                "{}: grid {} {u} against a limit of {} {u} (margin {} {u}; the load alone {} {u}). Source: {}",
                c.status.label(),
                num(c.grid_value),
                num(c.limit),
                num(c.margin),
                num(c.load_value),
                c.source,
                u = c.unit
            ),
        ));
    }
    if let Some(b) = &r.battery {
        sec.summary.push(KeyValue::new(
            "Battery",
            format!(
                "{} MW discharge, {} MW charge, {} MWh usable, {} MWh nameplate; installed {} MWh, {} MW{}",
                num(b.discharge_mw),
                num(b.charge_mw),
                num(b.usable_mwh),
                num(b.nameplate_mwh),
                num(b.installed_mwh),
                num(b.installed_mw),
                b.units.map_or(String::new(), |n| format!(" ({n} units)"))
            ),
        ));
    }
    if let Some(s) = &r.supercap {
        let limit = s.limit.label();
        sec.summary.push(KeyValue::new(
            "Supercapacitor bank",
            format!(
                "{} cells ({limit}), {} kWh usable, {} MW; {} cycles per day",
                s.cells,
                num(s.usable_kwh),
                num(s.discharge_mw.max(s.charge_mw)),
                num(s.cycles_per_day)
            ),
        ));
    }
    if let Some(l) = &r.life {
        let governs = match l.governing {
            LifeBasis::Throughput => "throughput governs",
            LifeBasis::DodWeighted => "DoD-weighted cycles govern",
            LifeBasis::Shorter => "the shorter governs",
        };
        sec.summary.push(KeyValue::new(
            "Battery life",
            format!(
                "{} years by throughput ({} full cycles a year), {} years by DoD-weighted cycles ({} cycles a day); {governs}",
                num(l.life_throughput_years),
                num(l.efc_per_year),
                num(l.life_dod_years),
                num(l.cycles_per_day)
            ),
        ));
    }
    sec.summary.push(KeyValue::new(
        "Losses",
        format!(
            "{} MWh a day ({} % of the load)",
            num(r.losses.battery_mwh_per_day + r.losses.supercap_mwh_per_day + r.losses.floor_mwh_per_day),
            num(r.losses.percent_of_load)
        ),
    ));
    sec.charts = charts(&r.charts);
    sec.diagnostics = r.diagnostics.iter().filter(|d| d.severity != backstop_model::sizing::DiagSeverity::Info).map(diag_text).collect();
    sec.steps = sheet_steps(&r.sheet);
}

/// "; doors: D-1 915 mm outward, 90 min, panic hardware, to outside;
/// columns: C-1 600 × 600 mm" (empty when the room has neither).
fn doors_and_columns(r: &backstop_model::layout::Room) -> String {
    use backstop_model::layout::DoorLeadsTo;
    let mut out = String::new();
    if !r.doors.is_empty() {
        let doors: Vec<String> = r
            .doors
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let swing = d.swing.as_str();
                let rating = if d.fire_rating_min > 0 { format!(", {} min", d.fire_rating_min) } else { String::new() };
                let panic = if d.panic_hardware { ", panic hardware" } else { "" };
                let to = match &d.leads_to {
                    DoorLeadsTo::Outside => "outside".to_string(),
                    DoorLeadsTo::Corridor => "a corridor".to_string(),
                    DoorLeadsTo::Room(id) => format!("room {id}"),
                };
                format!("{} {} mm {swing}{rating}{panic}, to {to}", d.key(&r.id, i), d.width_mm)
            })
            .collect();
        out.push_str(&format!("; doors: {}", doors.join("; ")));
    }
    if !r.columns.is_empty() {
        let cols: Vec<String> = r.columns.iter().map(|c| format!("{} {} × {} mm", c.id, c.width_mm, c.depth_mm)).collect();
        out.push_str(&format!("; columns: {}", cols.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use backstop_model::sizing::ChartSeries;

    fn series(id: &str, x_unit: &str) -> ChartSeries {
        ChartSeries {
            id: id.into(),
            label: id.into(),
            x_label: "Year".into(),
            x_unit: x_unit.into(),
            y_label: "SOH".into(),
            y_unit: "%".into(),
            points: vec![[0.0, 100.0], [1.0, 97.0]],
        }
    }

    /// The report's layout notes and bill of materials list each room's
    /// doors (with rating, panic hardware and where they lead) and columns.
    #[test]
    fn rooms_list_their_doors_and_columns() {
        let mut design = backstop_model::project::Design::new(backstop_model::project::ProjectInfo::default());
        design.layout = backstop_layout::sample::sample_site_polygons(1);
        let room = design.layout.rooms.iter().find(|r| !r.doors.is_empty() && !r.columns.is_empty()).expect("a room with both").clone();
        let report = design_report(&design);
        let notes = report.layout.expect("a layout section").notes.join("\n");
        let line = notes.lines().find(|l| l.contains(&format!("({})", room.id))).expect("the room's note");
        for (i, d) in room.doors.iter().enumerate() {
            assert!(line.contains(&format!("{} {} mm", d.key(&room.id, i), d.width_mm)), "{line}");
        }
        for c in &room.columns {
            assert!(line.contains(&format!("{} {} × {} mm", c.id, c.width_mm, c.depth_mm)), "{line}");
        }
        let bom = report.bom.expect("a BOM");
        assert!(bom.rows.iter().any(|r| r.item.starts_with("door-") && r.description.starts_with("Door ")), "{:?}", bom.rows);
    }

    /// A saved power-smoothing result gets its own section: the
    /// requirements with their margins and sources, the storage, both life
    /// views, the charts and the calculation sheet.
    #[test]
    fn a_smoothing_result_has_its_section_with_margins_and_sheet() {
        use backstop_model::sizing_smooth::SmoothCase;
        let mut case = SmoothCase { name: "Hall B training".into(), presets: vec!["ieso".into()], ..SmoothCase::default() };
        if let Some(p) = case.synthetic.as_mut() {
            p.duration_s = 600.0;
        }
        let r = backstop_sizing::size_smooth(&case, None, &[]);
        assert!(!r.checks.is_empty() && !r.sheet.sections.is_empty());
        let rec = backstop_model::project::Record {
            key: "smooth-1-result".into(),
            kind: backstop_model::sizing_view::SMOOTH_RESULT_KIND.into(),
            name: "Hall B training".into(),
            body: serde_json::to_string(&r).unwrap(),
        };
        let sec = super::sizing_section(&rec);
        assert!(sec.method.starts_with("Power smoothing"), "{}", sec.method);
        for c in &r.checks {
            let line = sec.summary.iter().find(|kv| kv.key == c.label).unwrap_or_else(|| panic!("{} in {:?}", c.label, sec.summary));
            assert!(line.value.starts_with(c.status.label()) && line.value.contains(&c.source), "{}", line.value);
        }
        assert!(sec.summary.iter().any(|kv| kv.key == "Battery" && kv.value.contains("MWh usable")), "{:?}", sec.summary);
        assert!(sec.summary.iter().any(|kv| kv.key == "Battery life" && kv.value.contains("DoD-weighted")), "{:?}", sec.summary);
        assert_eq!(sec.charts.len(), super::charts(&r.charts).len());
        assert_eq!(sec.steps.len(), super::sheet_steps(&r.sheet).len());
        assert!(!sec.steps.is_empty());
    }

    fn design_report(design: &backstop_model::project::Design) -> crate::design::DesignReport {
        super::design(super::DesignInput { design, source_file: "t.backstop", date: "2026-12-03" })
    }

    #[test]
    fn axes_without_a_unit_show_no_empty_brackets() {
        let charts = super::charts(&[series("soh", ""), series("soh-2", "a")]);
        assert_eq!(charts.len(), 2, "different x units are different charts");
        assert_eq!(charts[0].x_label, "Year");
        assert_eq!(charts[0].y_label, "SOH (%)");
        assert_eq!(charts[1].x_label, "Year (a)");
    }
}
