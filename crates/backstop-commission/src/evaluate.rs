//! Evaluation of one step against an observation.

use std::collections::BTreeMap;

use backstop_model::commissioning::{
    Check, CommLossPhases, Evidence, Observation, Outcome, PointRef, StepDef, StepResult, Tolerance, UnitObservation,
};
use backstop_model::link::{DecodedModel, PointValue, TelemetrySample};
use backstop_model::project::Tolerances;

use crate::read;

/// Evaluates `step` against `obs`. The communication-loss step needs three
/// observations: use [`evaluate_comm_loss`]; given one, it reports what the
/// operator must do.
pub fn evaluate(step: &StepDef, obs: &Observation) -> StepResult {
    let mut r = Eval::new(step, obs);
    match &step.check {
        Check::Communications => communications(&mut r, obs),
        Check::FirmwareInventory { expected } => firmware(&mut r, obs, expected),
        Check::CellVoltageSpread { tolerance_mv } => cell_spread(&mut r, obs, tolerance_mv),
        Check::Temperature { min_c, max_c, spread_k } => temperature(&mut r, obs, *min_c, *max_c, spread_k),
        Check::StringAlignment { max_voltage_diff_v, soc_points } => alignment(&mut r, obs, max_voltage_diff_v, soc_points),
        Check::InsulationResistance { point, warning_kohm, alarm_kohm } => insulation(&mut r, obs, point, *warning_kohm, *alarm_kohm),
        Check::AlarmsClear { points } => alarms(&mut r, obs, points),
        Check::CommunicationLoss { .. } => {
            r.criterion = "Data marked stale while the link is pulled; safe state reported after reconnection".into();
            r.incomplete(format!(
                "This step needs the operator: {}",
                step.operator_action.as_deref().unwrap_or("pull the link, then reconnect it")
            ));
        }
        Check::SetpointBaseline => setpoints(&mut r, obs),
        Check::PointRange { point, min, max } => point_range(&mut r, obs, point, *min, *max),
    }
    r.finish()
}

/// Evaluates the communication-loss test over its three moments.
pub fn evaluate_comm_loss(step: &StepDef, phases: &CommLossPhases) -> StepResult {
    let mut r = Eval::new(step, &phases.after);
    let Check::CommunicationLoss { state_point, safe_states } = &step.check else {
        r.incomplete(format!("step \"{}\" is not a communication-loss test", step.id));
        return r.finish();
    };
    r.criterion = format!(
        "While the link is pulled every unit's data is marked stale; after reconnection fresh data arrives and {} {} is one of {}",
        state_point.model,
        state_point.path,
        safe_states.join(", ")
    );
    for planned in &phases.before.planned {
        let u = planned.unit;
        let label = format!("Unit {u}");
        let fresh = |o: &Observation| unit(o, u).and_then(|x| x.sample.as_ref()).is_some_and(|s| !s.stale);
        if !fresh(&phases.before) {
            r.incomplete_item(&label, "had no fresh data before the link was pulled".into());
            continue;
        }
        match unit(&phases.during, u).and_then(|x| x.sample.as_ref()) {
            Some(s) if s.stale => r.item(&label, "marked stale while the link was pulled".into(), false),
            Some(_) => r.item(&label, "was NOT marked stale while the link was pulled".into(), true),
            None => r.item(&label, "showed no data at all while pulled (expected: last values marked stale)".into(), true),
        }
        match unit(&phases.after, u).and_then(|x| x.sample.as_ref()) {
            Some(s) if !s.stale => {
                let state = find_value(s, state_point);
                match state {
                    Some(v) => {
                        let shown = v.display();
                        let safe = safe_states.iter().any(|x| x.eq_ignore_ascii_case(&shown));
                        r.item(
                            &format!("{label}, {} after reconnection", state_point.path),
                            if safe { format!("{shown} (safe)") } else { format!("{shown} — not a safe state") },
                            !safe,
                        );
                    }
                    None => r.incomplete_item(&label, format!("reported no {} after reconnection", state_point.path)),
                }
            }
            _ => r.incomplete_item(&label, "had no fresh data after reconnection".into()),
        }
    }
    r.finish()
}

/// Collects evidence and decides the outcome: any bad item → fail; else any
/// missing item → incomplete; else pass (or not applicable when nothing
/// applied).
struct Eval<'a> {
    step: &'a StepDef,
    obs: &'a Observation,
    criterion: String,
    evidence: Vec<Evidence>,
    failed: usize,
    missing: usize,
    checked: usize,
    not_applicable: Option<String>,
    summary: Option<String>,
}

impl<'a> Eval<'a> {
    fn new(step: &'a StepDef, obs: &'a Observation) -> Self {
        Eval {
            step,
            obs,
            criterion: String::new(),
            evidence: Vec::new(),
            failed: 0,
            missing: 0,
            checked: 0,
            not_applicable: None,
            summary: None,
        }
    }

    fn item(&mut self, label: &str, value: String, bad: bool) {
        self.checked += 1;
        if bad {
            self.failed += 1;
        }
        self.evidence.push(Evidence { label: label.into(), value, bad, compare: None });
    }

    /// An item compared with a design value.
    fn compared(&mut self, label: &str, value: String, bad: bool, measured: String, design: String) {
        self.item(label, value, bad);
        if let Some(last) = self.evidence.last_mut() {
            last.compare = Some((measured, design));
        }
    }

    fn note(&mut self, label: &str, value: String) {
        self.evidence.push(Evidence { label: label.into(), value, bad: false, compare: None });
    }

    fn incomplete_item(&mut self, label: &str, why: String) {
        self.missing += 1;
        self.evidence.push(Evidence { label: label.into(), value: why, bad: false, compare: None });
    }

    fn incomplete(&mut self, why: String) {
        self.missing += 1;
        self.summary = Some(why);
    }

    fn finish(self) -> StepResult {
        let (outcome, default_summary) = if self.failed > 0 {
            (Outcome::Fail, format!("{} of {} checked items break the criterion.", self.failed, self.checked))
        } else if self.missing > 0 {
            (
                Outcome::Incomplete,
                format!("{} items could not be checked (missing, stale or not implemented data); no verdict.", self.missing),
            )
        } else if let Some(why) = &self.not_applicable {
            (Outcome::NotApplicable, why.clone())
        } else if self.checked == 0 {
            (Outcome::Incomplete, "Nothing could be checked: no unit provided the data this step needs.".into())
        } else {
            (Outcome::Pass, format!("All {} checked items meet the criterion.", self.checked))
        };
        let summary = match (outcome, self.summary) {
            (Outcome::Fail, _) | (Outcome::Pass, _) => default_summary,
            (_, Some(s)) => s,
            (_, None) => default_summary,
        };
        StepResult {
            step_id: self.step.id.clone(),
            title: self.step.title.clone(),
            outcome,
            summary,
            criterion: self.criterion,
            evidence: self.evidence,
            at_ms: self.obs.at_ms,
            who: self.obs.engineer.clone(),
            notes: String::new(),
        }
    }
}

fn unit(obs: &Observation, id: u8) -> Option<&UnitObservation> {
    obs.units.iter().find(|u| u.unit == id)
}

/// The units the step looks at: planned ones (or every observed one when
/// nothing is planned), each with fresh telemetry or a reason why not.
fn fresh_samples<'o>(r: &mut Eval<'_>, obs: &'o Observation) -> Vec<(u8, &'o TelemetrySample)> {
    let ids: Vec<u8> =
        if obs.planned.is_empty() { obs.units.iter().map(|u| u.unit).collect() } else { obs.planned.iter().map(|p| p.unit).collect() };
    let mut out = Vec::new();
    for id in ids {
        match unit(obs, id).and_then(|u| u.sample.as_ref()) {
            None => r.incomplete_item(&format!("Unit {id}"), "no data: the unit did not answer".into()),
            Some(s) if s.stale => r.incomplete_item(&format!("Unit {id}"), "data is stale (the unit stopped answering)".into()),
            Some(s) => out.push((id, s)),
        }
    }
    out
}

fn tolerance(t: &Tolerance, project: &Tolerances) -> (f64, String) {
    match t {
        Tolerance::Value { value } => (*value, "template value".into()),
        Tolerance::Vendor { value, source } => (*value, format!("vendor: {source}")),
        Tolerance::Project { name } => {
            let v = match name.as_str() {
                "voltage_pct" => project.voltage_pct,
                "current_pct" => project.current_pct,
                "temperature_k" => project.temperature_k,
                "soc_points" => project.soc_points,
                "cell_spread_mv" => project.cell_spread_mv,
                _ => f64::NAN,
            };
            (v, format!("project setting {name}"))
        }
    }
}

fn communications(r: &mut Eval<'_>, obs: &Observation) {
    r.criterion =
        "Every planned unit id answers with its SunSpec common model; serial numbers are unique; no unplanned unit answers".into();
    r.note("Link", obs.link.clone());
    let mut serials: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for p in &obs.planned {
        let label = format!("Unit {} ({})", p.unit, p.cabinet);
        match unit(obs, p.unit).and_then(|u| u.info.as_ref()) {
            None => r.item(&label, "did not answer".into(), true),
            Some(info) => match &info.common {
                None => r.item(&label, "answered but has no SunSpec common model".into(), true),
                Some(c) => {
                    serials.entry(c.serial_number.clone()).or_default().push(p.unit);
                    r.item(&label, format!("answered: {} {} serial {}", c.manufacturer, c.model, c.serial_number), false);
                }
            },
        }
    }
    for u in &obs.units {
        if u.info.is_some() && !obs.planned.iter().any(|p| p.unit == u.unit) {
            r.item(&format!("Unit {}", u.unit), "answered but is not in the address plan".into(), true);
            if let Some(c) = u.info.as_ref().and_then(|i| i.common.as_ref()) {
                serials.entry(c.serial_number.clone()).or_default().push(u.unit);
            }
        }
    }
    for (serial, units) in serials {
        if units.len() > 1 {
            let list: Vec<String> = units.iter().map(u8::to_string).collect();
            r.item(&format!("Serial {serial}"), format!("reported by units {} (ids or serials not unique)", list.join(", ")), true);
        }
    }
}

fn firmware(r: &mut Eval<'_>, obs: &Observation, expected: &str) {
    r.criterion = if expected.is_empty() {
        "Every pack controller runs the version the address plan specifies (or, where none is specified, the same version as the others)"
            .into()
    } else {
        format!("Every pack controller runs firmware {expected}")
    };
    let mut versions: Vec<(u8, String)> = Vec::new();
    let planned: Vec<u8> =
        if obs.planned.is_empty() { obs.units.iter().map(|u| u.unit).collect() } else { obs.planned.iter().map(|p| p.unit).collect() };
    for id in planned {
        match unit(obs, id).and_then(|u| u.info.as_ref()).and_then(|i| i.common.as_ref()) {
            None => r.incomplete_item(&format!("Unit {id}"), "no common model read (unit did not answer)".into()),
            Some(c) => versions.push((id, c.version.trim().to_string())),
        }
    }
    let majority = {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, v) in &versions {
            *counts.entry(v.as_str()).or_default() += 1;
        }
        counts.into_iter().max_by_key(|(_, n)| *n).map(|(v, _)| v.to_string()).unwrap_or_default()
    };
    for (id, v) in &versions {
        let want = if !expected.is_empty() {
            expected.to_string()
        } else {
            obs.planned.iter().find(|p| p.unit == *id).and_then(|p| p.firmware.clone()).unwrap_or_else(|| majority.clone())
        };
        let ok = *v == want;
        r.item(&format!("Unit {id}"), if ok { format!("firmware {v}") } else { format!("firmware {v}, expected {want}") }, !ok);
    }
}

/// One string's cell extremes: (label, max V, min V, where max, where min).
type StringCells = (String, Option<f64>, Option<f64>, String, String);

/// Per string, from 804 (per string), else 803 string groups, else 802
/// (whole pack).
fn string_cells(sample: &TelemetrySample) -> Vec<StringCells> {
    let strings: Vec<&DecodedModel> = read::models(sample, 804).collect();
    if !strings.is_empty() {
        return strings
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let idx = read::index(m, "Idx").unwrap_or(i as u32 + 1);
                (
                    format!("string {idx}"),
                    read::number(m, "CellVMax"),
                    read::number(m, "CellVMin"),
                    read::index(m, "CellVMaxMod").map(|x| format!("module {x}")).unwrap_or_default(),
                    read::index(m, "CellVMinMod").map(|x| format!("module {x}")).unwrap_or_default(),
                )
            })
            .collect();
    }
    if let Some(bank) = read::models(sample, 803).next() {
        let mut out = Vec::new();
        for g in &bank.groups {
            let num = |n: &str| g.points.iter().find(|p| p.name == n).and_then(|p| p.value.as_f64());
            let at = |n: &str| num(n).map(|x| format!("module {x}")).unwrap_or_default();
            out.push((format!("string {}", g.index), num("StrCellVMax"), num("StrCellVMin"), at("StrCellVMaxMod"), at("StrCellVMinMod")));
        }
        if !out.is_empty() {
            return out;
        }
    }
    if let Some(b) = read::models(sample, 802).next() {
        let at = |s: &str, m: &str| match (read::index(b, s), read::index(b, m)) {
            (Some(s), Some(m)) => format!("string {s} module {m}"),
            _ => String::new(),
        };
        return vec![(
            "pack".into(),
            read::number(b, "CellVMax"),
            read::number(b, "CellVMin"),
            at("CellVMaxStr", "CellVMaxMod"),
            at("CellVMinStr", "CellVMinMod"),
        )];
    }
    Vec::new()
}

fn cell_spread(r: &mut Eval<'_>, obs: &Observation, tol: &Tolerance) {
    let (limit_mv, source) = tolerance(tol, &obs.tolerances);
    r.criterion = format!("Cell-voltage spread (max − min) of every string ≤ {limit_mv} mV ({source})");
    for (id, sample) in fresh_samples(r, obs) {
        let strings = string_cells(sample);
        if strings.is_empty() {
            r.incomplete_item(&format!("Unit {id}"), "reports no cell voltages (no model 802/803/804)".into());
        }
        for (label, max, min, at_max, at_min) in strings {
            let label = format!("Unit {id}, {label}");
            match (max, min) {
                (Some(max), Some(min)) => {
                    let spread = (max - min) * 1000.0;
                    let where_ = |at: &str| if at.is_empty() { String::new() } else { format!(" at {at}") };
                    r.item(
                        &label,
                        format!("{spread:.0} mV (max {max:.3} V{}, min {min:.3} V{})", where_(&at_max), where_(&at_min)),
                        // A spread that is not a number fails too.
                        spread.is_nan() || spread > limit_mv + 1e-9,
                    );
                }
                _ => r.incomplete_item(&label, "cell maximum/minimum not reported".into()),
            }
        }
    }
}

fn temperature(r: &mut Eval<'_>, obs: &Observation, min_c: f64, max_c: f64, spread: &Tolerance) {
    let (spread_k, source) = tolerance(spread, &obs.tolerances);
    r.criterion = format!("Module temperatures within {min_c}…{max_c} °C and spread per string ≤ {spread_k} K ({source})");
    for (id, sample) in fresh_samples(r, obs) {
        let mut any = false;
        for (i, m) in read::models(sample, 804).enumerate() {
            any = true;
            let idx = read::index(m, "Idx").unwrap_or(i as u32 + 1);
            let label = format!("Unit {id}, string {idx}");
            match (read::number(m, "ModTmpMax"), read::number(m, "ModTmpMin")) {
                (Some(hi), Some(lo)) => {
                    let out_of_range = hi > max_c || lo < min_c;
                    let too_wide = hi - lo > spread_k + 1e-9;
                    let mut value = format!("{lo:.1}…{hi:.1} °C, spread {:.1} K", hi - lo);
                    if out_of_range {
                        value.push_str(&format!(" — outside {min_c}…{max_c} °C"));
                    }
                    if too_wide {
                        value.push_str(&format!(" — spread above {spread_k} K"));
                    }
                    r.item(&label, value, out_of_range || too_wide);
                }
                _ => r.incomplete_item(&label, "module temperatures not reported".into()),
            }
        }
        if !any {
            r.incomplete_item(&format!("Unit {id}"), "reports no per-string temperatures (model 804)".into());
        }
    }
}

fn alignment(r: &mut Eval<'_>, obs: &Observation, dv: &Tolerance, dsoc: &Tolerance) {
    let (max_dv, dv_src) = tolerance(dv, &obs.tolerances);
    let (max_dsoc, soc_src) = tolerance(dsoc, &obs.tolerances);
    r.criterion = format!(
        "Between the strings of a pack: voltage difference ≤ {max_dv} V ({dv_src}) and SOC difference ≤ {max_dsoc} points ({soc_src})"
    );
    let mut single = 0;
    let samples = fresh_samples(r, obs);
    let total = samples.len();
    for (id, sample) in samples {
        let strings: Vec<(u32, Option<f64>, Option<f64>)> = read::models(sample, 804)
            .enumerate()
            .map(|(i, m)| (read::index(m, "Idx").unwrap_or(i as u32 + 1), read::number(m, "V"), read::number(m, "SoC")))
            .collect();
        if strings.len() < 2 {
            single += 1;
            r.note(&format!("Unit {id}"), format!("{} string(s): nothing to parallel", strings.len()));
            continue;
        }
        if strings.iter().any(|s| s.1.is_none() || s.2.is_none()) {
            r.incomplete_item(&format!("Unit {id}"), "string voltage or SOC not reported".into());
            continue;
        }
        let vs: Vec<f64> = strings.iter().filter_map(|s| s.1).collect();
        let socs: Vec<f64> = strings.iter().filter_map(|s| s.2).collect();
        let spread = |xs: &[f64]| xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - xs.iter().cloned().fold(f64::INFINITY, f64::min);
        let (d_v, d_soc) = (spread(&vs), spread(&socs));
        let detail: Vec<String> =
            strings.iter().map(|(i, v, s)| format!("S{i} {:.1} V / {:.1} %", v.unwrap_or(f64::NAN), s.unwrap_or(f64::NAN))).collect();
        r.item(
            &format!("Unit {id}"),
            format!("ΔV {d_v:.2} V, ΔSOC {d_soc:.1} points ({})", detail.join(", ")),
            d_v > max_dv + 1e-9 || d_soc > max_dsoc + 1e-9,
        );
    }
    if total > 0 && single == total {
        r.not_applicable = Some("Every pack has a single string; there is nothing to parallel.".into());
    }
}

/// Finds a point value in a sample: SunSpec model and path, or (model 0) a
/// register-map point by name in any model.
fn find_value<'s>(sample: &'s TelemetrySample, p: &PointRef) -> Option<&'s PointValue> {
    if p.model == 0 {
        return sample.models.iter().flat_map(|m| m.all_points()).find(|x| x.name == p.path || x.path == p.path).map(|x| &x.value);
    }
    read::find(sample, p.model, &p.path).into_iter().next().map(|(_, x)| &x.value)
}

fn insulation(r: &mut Eval<'_>, obs: &Observation, p: &PointRef, warn: f64, alarm: f64) {
    r.criterion = format!("Insulation resistance ≥ {warn} kΩ (warning) and ≥ {alarm} kΩ (alarm), where the device reports it");
    let mut reported = 0;
    let samples = fresh_samples(r, obs);
    let total = samples.len();
    for (id, sample) in samples {
        match find_value(sample, p) {
            None => r.note(&format!("Unit {id}"), format!("no insulation point \"{}\"", p.path)),
            Some(PointValue::NotImplemented) => r.note(&format!("Unit {id}"), "insulation point not implemented".into()),
            Some(PointValue::Number { value }) => {
                reported += 1;
                let v = *value;
                let level = if v < alarm {
                    "below the ALARM threshold"
                } else if v < warn {
                    "below the warning threshold"
                } else {
                    "ok"
                };
                r.item(&format!("Unit {id}"), format!("{v:.0} kΩ ({level})"), v < warn);
            }
            Some(other) => r.incomplete_item(&format!("Unit {id}"), format!("unreadable: {}", other.display())),
        }
    }
    if total > 0 && reported == 0 && r.missing == 0 {
        r.not_applicable =
            Some("No pack controller reports insulation resistance; check it with the site's insulation monitor instead.".into());
    }
}

fn alarms(r: &mut Eval<'_>, obs: &Observation, points: &[PointRef]) {
    let names: Vec<String> = points.iter().map(|p| format!("{} {}", p.model, p.path)).collect();
    r.criterion = format!("No bit set in {}", names.join(", "));
    for (id, sample) in fresh_samples(r, obs) {
        let mut implemented = 0;
        for p in points {
            for (m, point) in read::find(sample, p.model, &p.path) {
                let where_ = match read::index(m, "Idx") {
                    Some(i) if m.id == 804 => format!("Unit {id}, string {i}, {}", p.path),
                    _ => format!("Unit {id}, {} {}", m.id, p.path),
                };
                match &point.value {
                    PointValue::NotImplemented => {}
                    PointValue::Bits { names, .. } => {
                        implemented += 1;
                        if !names.is_empty() {
                            r.item(&where_, names.join(", "), true);
                        } else {
                            r.checked += 1;
                        }
                    }
                    other => r.incomplete_item(&where_, format!("not a bitfield: {}", other.display())),
                }
            }
        }
        if implemented == 0 {
            r.incomplete_item(&format!("Unit {id}"), "implements none of the alarm points".into());
        } else {
            r.note(&format!("Unit {id}"), format!("{implemented} alarm registers read"));
        }
    }
}

fn setpoints(r: &mut Eval<'_>, obs: &Observation) {
    r.criterion = "Every as-left setpoint equals its design value within its tolerance".into();
    if obs.design_setpoints.is_empty() {
        r.incomplete("The project defines no design setpoints to compare with; add them to the commissioning plan.".into());
        return;
    }
    for (id, sample) in fresh_samples(r, obs) {
        for d in obs.design_setpoints.iter().filter(|d| d.unit.is_none_or(|u| u == id)) {
            let label = format!("Unit {id}, {} {}", d.point.model, d.point.path);
            match find_value(sample, &d.point) {
                Some(PointValue::Number { value }) => {
                    let ok = (value - d.value).abs() <= d.tolerance + 1e-9;
                    r.compared(
                        &label,
                        format!("as left {value} {u}, design {} {u}{}", d.value, if ok { "" } else { " — DIFFERS" }, u = d.unit_label),
                        !ok,
                        format!("{value} {}", d.unit_label).trim().to_string(),
                        format!("{} {}", d.value, d.unit_label).trim().to_string(),
                    );
                }
                Some(PointValue::NotImplemented) => r.incomplete_item(&label, "not implemented by the device".into()),
                Some(other) => r.incomplete_item(&label, format!("not a number: {}", other.display())),
                None => r.incomplete_item(&label, "not reported".into()),
            }
        }
    }
}

fn point_range(r: &mut Eval<'_>, obs: &Observation, p: &PointRef, min: f64, max: f64) {
    r.criterion = format!("{} {} within {min}…{max}", p.model, p.path);
    for (id, sample) in fresh_samples(r, obs) {
        let found = if p.model == 0 { Vec::new() } else { read::find(sample, p.model, &p.path) };
        if found.is_empty() {
            match find_value(sample, p) {
                Some(PointValue::Number { value }) => {
                    r.item(&format!("Unit {id}, {}", p.path), format!("{value}"), !(min..=max).contains(value))
                }
                _ => r.incomplete_item(&format!("Unit {id}"), format!("{} not reported", p.path)),
            }
            continue;
        }
        for (_, point) in found {
            let label = format!("Unit {id}, {}", point.path);
            match point.value.as_f64() {
                Some(v) => {
                    let unit = point.unit.clone().unwrap_or_default();
                    r.item(&label, format!("{v} {unit}"), !(min..=max).contains(&v));
                }
                None => r.incomplete_item(&label, read::why_no_number(Some(point))),
            }
        }
    }
}
