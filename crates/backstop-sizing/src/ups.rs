//! UPS / ride-through sizing: three methods side by side.
//!
//! - Constant-power table: W/cell needed = P_batt ÷ N × TC × DM × AF,
//!   compared with the W/cell (or W/cell/Ah) the unit delivers for the
//!   runtime to the end voltage.
//! - IEEE 485/1115 duty cycle ([`crate::duty`]).
//! - Equivalent-circuit simulation ([`crate::ecm`]) at the lowest
//!   temperature, new and at end of life.
//!
//! Shared steps: load → battery power, cells in series from the DC window,
//! temperature factor, string-current and C-rate limits, redundancy, and the
//! bill of quantities (units, enclosures, footprint, mass, heat, cost).

use backstop_model::catalog::{CatalogEntry, TableBasis};
use backstop_model::sizing::{
    BatteryConfig, ChartSeries, DiagSeverity, LineKind, LoadSpec, LoadSummary, SizingDiagnostic, UpsCase, UpsMethod, UpsMethodResult,
    UpsResult, UpsUnits,
};

use crate::battery::{Condition, Quantity, Unit};
use crate::catalog::{find, validate_entry};
use crate::diag::{self, check_range, has_error};
use crate::duty::{self, Period};
use crate::ecm::{self, RunOptions, Stop};
use crate::num::{ceil_u32, or_zero, show};
use crate::sheet::{SheetBuilder, fmt_num};

/// Strings are never searched beyond this many (a guard, not a vendor limit).
pub const STRING_SEARCH_CAP: u32 = 1000;

/// Cells in series chosen for a case.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Series {
    /// Units in series per string.
    pub units: u32,
    /// Cells in series per string.
    pub cells: u32,
    /// End-of-discharge voltage, V/cell.
    pub end_v_cell: f64,
    /// Float voltage, V/cell.
    pub float_v_cell: f64,
}

/// Everything the methods share.
struct Ctx<'a> {
    case: &'a UpsCase,
    unit: Unit<'a>,
    series: Series,
    batt_kw: f64,
    design_kw: f64,
    tc: f64,
}

/// Sizes a UPS case against `catalog` (the built-in catalog merged with the
/// project's entries). Never panics; problems are diagnostics.
pub fn size_ups(case: &UpsCase, catalog: &[CatalogEntry]) -> UpsResult {
    let name = if case.name.is_empty() { "UPS case".to_owned() } else { case.name.clone() };
    let mut sb = SheetBuilder::new(format!("UPS battery sizing — {name}"));
    let mut diags = validate_case(case);
    let mut out = UpsResult { case_name: name, ..UpsResult::default() };

    // Load.
    let (it_kw, load_formula) = match &case.load {
        LoadSpec::Total { kw } => (*kw, format!("{} kW", show(*kw))),
        LoadSpec::PerRack { kw_per_rack, racks } => (kw_per_rack * f64::from(*racks), format!("{} kW × {racks} racks", show(*kw_per_rack))),
        LoadSpec::Apparent { kva, power_factor } => (kva * power_factor, format!("{} kVA × PF {}", show(*kva), show(*power_factor))),
    };
    let design_kw = it_kw * (1.0 + case.growth_margin);
    let batt_kw = design_kw / case.ups_efficiency;
    sb.section("Inputs", "Values entered for the case (defaults where not entered).");
    sb.calc("Critical (IT) load", "P_IT", &load_formula, it_kw, "kW");
    sb.input("Growth margin", "g", case.growth_margin, "", "case input");
    sb.input("UPS inverter efficiency", "η", case.ups_efficiency, "", "case input");
    sb.input("Required runtime", "t", case.runtime_min, "min", "case input");
    sb.input("DC bus maximum", "V_max", case.dc_bus.v_max, "V", "case input");
    sb.input("DC bus minimum (end of discharge)", "V_min", case.dc_bus.v_min, "V", "case input");
    sb.input("Lowest battery temperature", "T", case.ambient_c, "°C", "case input");
    sb.factor("Design margin", "DM", "", case.design_margin, "case input (1.10–1.15 typical)");
    sb.factor("Aging factor", "AF", "", case.aging_factor, "case input (1.25 = replace at 80 % capacity, IEEE 485)");
    sb.text(LineKind::Input, "Redundancy", case.redundancy.label(), "case input");
    sb.text(LineKind::Input, "Battery", &case.battery_key, "catalog key");
    sb.section("Load", "");
    sb.calc("Design load", "P_d", &format!("P_IT × (1 + g) = {} × {}", fmt_num(it_kw), fmt_num(1.0 + case.growth_margin)), design_kw, "kW");
    sb.result("Battery power", "P_batt", &format!("P_d ÷ η = {} ÷ {}", fmt_num(design_kw), fmt_num(case.ups_efficiency)), batt_kw, "kW");
    out.load = LoadSummary { it_kw: or_zero(it_kw), design_kw: or_zero(design_kw), battery_kw: or_zero(batt_kw) };

    if has_error(&diags) {
        return finish(out, sb, diags);
    }

    // UPS units.
    if let Some(k) = &case.ups_key {
        ups_units(case, catalog, k, design_kw, &mut out, &mut sb, &mut diags);
    }

    // Battery entry.
    let Some(entry) = find(catalog, &case.battery_key) else {
        diags.push(diag::error(
            "battery_key",
            "catalog",
            format!("no catalog entry \"{}\"; pick one of: {}", case.battery_key, battery_keys(catalog)),
        ));
        return finish(out, sb, diags);
    };
    let entry_errs: Vec<_> = validate_entry(entry).into_iter().filter(|f| !f.warning).collect();
    if !entry_errs.is_empty() {
        for f in entry_errs {
            diags.push(diag::error(&format!("catalog[{}].{}", entry.key, f.field), "catalog", f.message));
        }
        return finish(out, sb, diags);
    }
    let Some(unit) = Unit::of(entry) else {
        diags.push(diag::error("battery_key", "catalog", format!("\"{}\" is a {}, not a battery", entry.key, entry.kind.as_str())));
        return finish(out, sb, diags);
    };
    sb.section("Battery data", format!("{} — {}", entry.display_name(), entry.description));
    sb.data("Cells in series per unit", "n_u", f64::from(unit.cells_series()), "", "catalog");
    sb.data("Rated capacity per unit", "C", unit.ah(), "Ah", &unit.b.capacity_ah.source);
    sb.data("Energy per unit", "E_u", unit.kwh(), "kWh", &unit.b.energy_wh.source);
    sb.data("Cell minimum voltage", "V_cell,min", unit.b.min_v_cell.value, "V/cell", &unit.b.min_v_cell.source);

    let Some(series) = choose_series(case, unit, &mut sb, &mut diags) else {
        return finish(out, sb, diags);
    };

    let (tc, tc_formula, tc_src) = match case.temperature_factor {
        Some(t) => (t, format!("at {} °C", fmt_num(case.ambient_c)), "case input (override)".to_owned()),
        None => unit.temperature_correction(case.ambient_c, series.end_v_cell),
    };
    sb.section("Temperature", "");
    sb.factor("Temperature correction", "TC", &tc_formula, tc, &tc_src);

    let ctx = Ctx { case, unit, series, batt_kw, design_kw, tc };
    let methods: Vec<UpsMethod> = if case.methods.is_empty() {
        let mut m = Vec::new();
        if !unit.b.discharge_tables.is_empty() {
            m.push(UpsMethod::ConstantPower);
            m.push(UpsMethod::DutyCycle);
        }
        if unit.has_ecm_data() {
            m.push(UpsMethod::Ecm);
        }
        if m.is_empty() {
            diags.push(diag::error(
                "battery_key",
                "method",
                format!("\"{}\" has neither discharge tables nor OCV/R0 data, so no method can size it; add a discharge table or ECM data to the entry", entry.key),
            ));
        }
        m
    } else {
        let mut m = case.methods.clone();
        m.sort();
        m.dedup();
        m
    };
    for m in methods {
        let r = match m {
            UpsMethod::ConstantPower => method_table(&ctx, &mut sb),
            UpsMethod::DutyCycle => method_duty(&ctx, &mut sb),
            UpsMethod::Ecm => method_ecm(&ctx, &mut sb),
        };
        out.methods.push(r);
    }

    // Side by side.
    if !out.methods.is_empty() {
        sb.section(
            "Comparison",
            "Strings needed (before redundancy) and installed, per method. The governing method is the feasible one needing most strings.",
        );
        for r in &out.methods {
            match &r.config {
                Some(c) => {
                    sb.text(
                        LineKind::Result,
                        r.method.label(),
                        &format!(
                            "{} strings needed, {} installed, {} × {}, {:.1} kWh, {}{}",
                            c.strings_needed,
                            c.strings,
                            c.units,
                            entry.key,
                            c.energy_kwh,
                            r.runtime_eol_min.map_or(String::new(), |t| format!("EOL runtime {t:.1} min, ")),
                            if r.feasible { "feasible" } else { "NOT feasible" }
                        ),
                        "",
                    );
                }
                None => {
                    sb.text(LineKind::Result, r.method.label(), "no configuration", "");
                }
            }
        }
        out.governing = out
            .methods
            .iter()
            .filter(|r| r.feasible)
            .filter_map(|r| r.config.as_ref().map(|c| (r.method, c.strings)))
            .max_by_key(|x| x.1)
            .map(|x| x.0);
        if let Some(g) = out.governing {
            sb.text(LineKind::Result, "Governing method", g.label(), "");
        }
    }
    finish(out, sb, diags)
}

fn finish(mut out: UpsResult, mut sb: SheetBuilder, mut diags: Vec<SizingDiagnostic>) -> UpsResult {
    let all_infeasible = !out.methods.is_empty() && out.methods.iter().all(|m| !m.feasible);
    if all_infeasible && !has_error(&diags) && !out.methods.iter().any(|m| has_error(&m.diagnostics)) {
        diags.push(diag::error("", "infeasible", "no method found a feasible configuration; see the method diagnostics"));
    }
    let mut all = diags.clone();
    for m in &out.methods {
        all.extend(m.diagnostics.iter().cloned());
    }
    sb.diagnostics(&all);
    out.diagnostics = diags;
    out.sheet = sb.finish();
    out
}

fn battery_keys(catalog: &[CatalogEntry]) -> String {
    catalog.iter().filter(|e| e.battery.is_some()).map(|e| e.key.as_str()).collect::<Vec<_>>().join(", ")
}

/// Checks the case's numbers; every problem names its field and the accepted range.
pub fn validate_case(case: &UpsCase) -> Vec<SizingDiagnostic> {
    let mut d = Vec::new();
    match &case.load {
        LoadSpec::Total { kw } => {
            check_range(&mut d, "load.kw", *kw, 1e-6, 1e7, "kW");
        }
        LoadSpec::PerRack { kw_per_rack, racks } => {
            check_range(&mut d, "load.kw_per_rack", *kw_per_rack, 1e-6, 1e5, "kW");
            if *racks == 0 {
                d.push(diag::error("load.racks", diag::INPUT, "load.racks must be at least 1"));
            }
        }
        LoadSpec::Apparent { kva, power_factor } => {
            check_range(&mut d, "load.kva", *kva, 1e-6, 1e7, "kVA");
            check_range(&mut d, "load.power_factor", *power_factor, 0.1, 1.0, "");
        }
    }
    check_range(&mut d, "growth_margin", case.growth_margin, 0.0, 10.0, "");
    check_range(&mut d, "ups_efficiency", case.ups_efficiency, 0.5, 1.0, "");
    check_range(&mut d, "runtime_min", case.runtime_min, 0.1, 10000.0, "min");
    let a = check_range(&mut d, "dc_bus.v_max", case.dc_bus.v_max, 1.0, 2000.0, "V");
    let b = check_range(&mut d, "dc_bus.v_min", case.dc_bus.v_min, 1.0, 2000.0, "V");
    if a && b && case.dc_bus.v_min >= case.dc_bus.v_max {
        d.push(diag::unmet(
            "dc_bus.v_min",
            "dc-window",
            format!("the DC window is empty: V_min {} V is not below V_max {} V", case.dc_bus.v_min, case.dc_bus.v_max),
            case.dc_bus.v_max,
            case.dc_bus.v_min,
            "V",
        ));
    }
    if let Some(f) = case.dc_bus.float_v_cell {
        check_range(&mut d, "dc_bus.float_v_cell", f, 0.5, 5.0, "V/cell");
    }
    if case.dc_bus.cells_in_series == Some(0) {
        d.push(diag::error("dc_bus.cells_in_series", diag::INPUT, "dc_bus.cells_in_series must be at least 1"));
    }
    check_range(&mut d, "ambient_c", case.ambient_c, -40.0, 60.0, "°C");
    check_range(&mut d, "design_margin", case.design_margin, 1.0, 3.0, "");
    check_range(&mut d, "aging_factor", case.aging_factor, 1.0, 3.0, "");
    if let Some(t) = case.temperature_factor {
        check_range(&mut d, "temperature_factor", t, 0.5, 3.0, "");
    }
    check_range(&mut d, "ecm.step_s", case.ecm.step_s, 0.01, 60.0, "s");
    check_range(&mut d, "ecm.eol_resistance_factor", case.ecm.eol_resistance_factor, 1.0, 5.0, "");
    check_range(&mut d, "ecm.initial_soc", case.ecm.initial_soc, 0.05, 1.0, "");
    for (i, f) in case.curve_load_fractions.iter().enumerate() {
        check_range(&mut d, &format!("curve_load_fractions[{i}]"), *f, 0.01, 10.0, "");
    }
    if let Some(dc) = &case.duty_cycle {
        if dc.periods.is_empty() {
            d.push(diag::error("duty_cycle.periods", diag::INPUT, "the duty cycle has no periods; add at least one"));
        }
        for (i, p) in dc.periods.iter().chain(dc.random.iter()).enumerate() {
            let f = if i < dc.periods.len() { format!("duty_cycle.periods[{i}]") } else { "duty_cycle.random".into() };
            check_range(&mut d, &format!("{f}.minutes"), p.minutes, 0.0, 100000.0, "min");
            match (p.amps, p.kw) {
                (Some(a), None) => {
                    check_range(&mut d, &format!("{f}.amps"), a, 0.0, 1e6, "A");
                }
                (None, Some(k)) => {
                    check_range(&mut d, &format!("{f}.kw"), k, 0.0, 1e6, "kW");
                }
                _ => d.push(diag::error(&f, diag::INPUT, format!("{f}: give exactly one of amps or kw"))),
            }
        }
        for (i, r) in dc.temperature_factors.iter().enumerate() {
            check_range(&mut d, &format!("duty_cycle.temperature_factors[{i}]"), r[1], 0.5, 3.0, "");
        }
    }
    d
}

fn ups_units(
    case: &UpsCase,
    catalog: &[CatalogEntry],
    key: &str,
    design_kw: f64,
    out: &mut UpsResult,
    sb: &mut SheetBuilder,
    diags: &mut Vec<SizingDiagnostic>,
) {
    let Some(conv) = find(catalog, key).and_then(|e| e.converter.as_ref().map(|c| (e, c))) else {
        diags.push(diag::error("ups_key", "catalog", format!("no UPS entry \"{key}\" in the catalog")));
        return;
    };
    let (e, c) = conv;
    let rated = c.rated_kw.value;
    if !(rated > 0.0) {
        diags.push(diag::error("ups_key", "catalog", format!("UPS \"{key}\" has no positive kW rating")));
        return;
    }
    let needed = ceil_u32(design_kw / rated).unwrap_or(0).max(1);
    let installed = case.redundancy.apply(needed);
    let heat = design_kw * (1.0 / case.ups_efficiency - 1.0);
    sb.section("UPS units", e.display_name());
    sb.data("Rated power per unit", "P_UPS", rated, "kW", &c.rated_kw.source);
    sb.calc("Units needed", "n_UPS", &format!("⌈{} ÷ {}⌉", fmt_num(design_kw), fmt_num(rated)), f64::from(needed), "");
    sb.result("Units installed", "", case.redundancy.label(), f64::from(installed), "");
    sb.calc(
        "UPS losses at design load",
        "Q_UPS",
        &format!("P_d × (1 ÷ η − 1) = {} × (1 ÷ {} − 1)", fmt_num(design_kw), fmt_num(case.ups_efficiency)),
        heat,
        "kW",
    );
    if case.dc_bus.v_max > c.dc_v_max.value + 1e-9 || case.dc_bus.v_min < c.dc_v_min.value - 1e-9 {
        diags.push(diag::warning(
            "dc_bus",
            "dc-window",
            format!(
                "the case's DC window {}–{} V is wider than the UPS's {}–{} V; use the UPS's window",
                case.dc_bus.v_min, case.dc_bus.v_max, c.dc_v_min.value, c.dc_v_max.value
            ),
        ));
    }
    out.ups_units = Some(UpsUnits { ups_key: key.to_owned(), needed, installed, heat_kw: or_zero(heat) });
}

/// Chooses the cells in series: the most units whose float voltage fits
/// under V_max (among the vendor's series options, if any), or the forced
/// count; the end voltage per cell is V_min ÷ N, not below the cell minimum.
#[allow(clippy::result_large_err)] // the error is the diagnostic the caller reports
pub fn series_for(case: &UpsCase, unit: Unit<'_>) -> Result<(Series, Vec<SizingDiagnostic>), SizingDiagnostic> {
    let cs = unit.cells_series();
    let float = case.dc_bus.float_v_cell.unwrap_or_else(|| unit.float_v());
    let mut notes = Vec::new();
    let units = if let Some(n) = case.dc_bus.cells_in_series {
        if n % cs != 0 {
            return Err(diag::unmet(
                "dc_bus.cells_in_series",
                "series",
                format!("{n} cells in series is not a whole number of units of {cs} cells; use a multiple of {cs}"),
                f64::from(n.div_ceil(cs) * cs),
                f64::from(n),
                "cells",
            ));
        }
        let u = n / cs;
        if !unit.b.series_options.is_empty() && !unit.b.series_options.contains(&u) {
            return Err(diag::error(
                "dc_bus.cells_in_series",
                "series",
                format!("{u} units in series is not one of the vendor's options {:?}", unit.b.series_options),
            ));
        }
        let v_float = f64::from(n) * float;
        if v_float > case.dc_bus.v_max + 1e-9 {
            notes.push(diag::unmet(
                "dc_bus.cells_in_series",
                "dc-window",
                format!(
                    "{n} cells × {float} V float = {v_float:.1} V exceeds V_max {} V by {:.1} V",
                    case.dc_bus.v_max,
                    v_float - case.dc_bus.v_max
                ),
                case.dc_bus.v_max,
                v_float,
                "V",
            ));
        }
        u
    } else {
        let max_cells = (case.dc_bus.v_max / float + 1e-9).floor();
        let max_units =
            if max_cells.is_finite() && max_cells >= 0.0 { (max_cells as u64 / u64::from(cs)).min(u64::from(u32::MAX)) as u32 } else { 0 };
        let pick = if unit.b.series_options.is_empty() {
            (max_units > 0).then_some(max_units)
        } else {
            unit.b.series_options.iter().copied().filter(|&o| o <= max_units).max()
        };
        match pick {
            Some(u) => u,
            None => {
                let smallest = unit.b.series_options.iter().copied().min().unwrap_or(1);
                let v = f64::from(smallest * cs) * float;
                return Err(diag::unmet(
                    "dc_bus.v_max",
                    "dc-window",
                    format!(
                        "the smallest string ({smallest} unit(s), {} cells × {float} V float = {v:.1} V) exceeds V_max {} V by {:.1} V; this battery does not fit the UPS's DC window",
                        smallest * cs,
                        case.dc_bus.v_max,
                        v - case.dc_bus.v_max
                    ),
                    case.dc_bus.v_max,
                    v,
                    "V",
                ));
            }
        }
    };
    let cells = units * cs;
    let n = f64::from(cells);
    let mut end_v = case.dc_bus.v_min / n;
    let min_v = unit.b.min_v_cell.value;
    if end_v < min_v {
        notes.push(diag::warning(
            "dc_bus.v_min",
            "end-voltage",
            format!(
                "V_min {} V ÷ {cells} cells = {end_v:.3} V/cell is below the cell minimum {min_v} V/cell: the battery's own cut-off at {:.1} V governs (the UPS must not discharge lower)",
                case.dc_bus.v_min,
                n * min_v
            ),
        ));
        end_v = min_v;
    }
    let nominal = unit.b.nominal_v_cell.value;
    if end_v >= nominal {
        return Err(diag::unmet(
            "dc_bus.v_min",
            "end-voltage",
            format!(
                "the end voltage {end_v:.3} V/cell ({} V ÷ {cells} cells) is not below the nominal {nominal} V/cell: the battery could deliver almost nothing before the UPS shuts down; lower V_min or allow more cells (V_max)",
                case.dc_bus.v_min
            ),
            nominal,
            end_v,
            "V/cell",
        ));
    }
    Ok((Series { units, cells, end_v_cell: end_v, float_v_cell: float }, notes))
}

fn choose_series(case: &UpsCase, unit: Unit<'_>, sb: &mut SheetBuilder, diags: &mut Vec<SizingDiagnostic>) -> Option<Series> {
    sb.section(
        "Cells in series",
        "N ≤ V_max ÷ V_float (the string must float under the UPS's maximum); the most units that fit is chosen (ETAP battery sizing). End voltage = V_min ÷ N, not below the cell minimum.",
    );
    match series_for(case, unit) {
        Ok((s, notes)) => {
            let float_src = if case.dc_bus.float_v_cell.is_some() {
                "case input (charger setting)".to_owned()
            } else {
                unit.b.float_v_cell.as_ref().map_or("max voltage (no float voltage given)".into(), |f| f.source.clone())
            };
            sb.data("Float voltage", "V_float", s.float_v_cell, "V/cell", &float_src);
            if case.dc_bus.cells_in_series.is_some() {
                sb.text(LineKind::Input, "Cells in series", "forced by the case", "case input");
            } else {
                sb.calc(
                    "Most cells under V_max",
                    "N_max",
                    &format!("⌊{} ÷ {}⌋", case.dc_bus.v_max, s.float_v_cell),
                    (case.dc_bus.v_max / s.float_v_cell + 1e-9).floor(),
                    "cells",
                );
            }
            sb.result("Units in series", "n_s", "", f64::from(s.units), "");
            sb.result("Cells in series", "N", &format!("{} × {}", s.units, unit.cells_series()), f64::from(s.cells), "");
            sb.result(
                "End voltage",
                "V_end",
                &format!("max(V_min ÷ N, V_cell,min) = max({} ÷ {}, {})", case.dc_bus.v_min, s.cells, unit.b.min_v_cell.value),
                s.end_v_cell,
                "V/cell",
            );
            let over = notes.iter().any(|d| d.severity == DiagSeverity::Error);
            diags.extend(notes);
            (!over).then_some(s)
        }
        Err(d) => {
            sb.check("DC window", &d.message, false);
            diags.push(d);
            None
        }
    }
}

/// What the string-current and C-rate limits are held against.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Draw {
    /// The battery power at the design load (table and ECM methods).
    Power,
    /// The highest current of the duty cycle, A at the battery (all strings).
    Current(f64),
}

/// Strings needed for the string-current and C-rate limits, with notes.
fn limit_strings(ctx: &Ctx<'_>, s_runtime: u32, draw: Draw, sb: &mut SheetBuilder) -> (u32, Vec<SizingDiagnostic>) {
    let n = f64::from(ctx.series.cells);
    let p_w = ctx.batt_kw * 1000.0;
    let mut s = s_runtime;
    let mut notes = Vec::new();
    let (field, what) = match draw {
        Draw::Power => ("battery", "the design load"),
        Draw::Current(_) => ("duty_cycle", "the duty cycle's highest current"),
    };
    if let Some(imax) = &ctx.unit.b.max_string_current_a {
        let (ratio, formula) = match draw {
            Draw::Power => (
                p_w / (n * ctx.series.end_v_cell * imax.value),
                format!(
                    "⌈P_batt ÷ (N × V_end × I_max)⌉ = ⌈{} ÷ ({} × {} × {})⌉",
                    fmt_num(p_w),
                    n,
                    fmt_num(ctx.series.end_v_cell),
                    fmt_num(imax.value)
                ),
            ),
            Draw::Current(a) => (a / imax.value, format!("⌈A_max ÷ I_max⌉ = ⌈{} ÷ {}⌉", fmt_num(a), fmt_num(imax.value))),
        };
        let s_i = ceil_u32(ratio).unwrap_or(u32::MAX);
        sb.calc("Strings for the string-current limit", "s_I", &formula, f64::from(s_i), "");
        if s_i > s {
            notes.push(diag::info(
                field,
                "string-current",
                format!("the string current limit ({} A) at {what} needs {s_i} strings, more than the runtime's {s}", imax.value),
            ));
            s = s_i;
        }
    }
    let string_kwh = f64::from(ctx.series.units) * ctx.unit.kwh();
    let allowed_c = ctx.unit.b.peak_c.as_ref().map_or(ctx.unit.b.continuous_c.value, |p| p.value.max(ctx.unit.b.continuous_c.value));
    let ah = ctx.unit.ah();
    if string_kwh > 0.0 && allowed_c > 0.0 && ah > 0.0 {
        let (ratio, formula) = match draw {
            Draw::Power => (
                ctx.batt_kw / (string_kwh * allowed_c),
                format!("⌈P_batt ÷ (E_string × C_max)⌉ = ⌈{} ÷ ({} × {})⌉", fmt_num(ctx.batt_kw), fmt_num(string_kwh), fmt_num(allowed_c)),
            ),
            Draw::Current(a) => {
                (a / (allowed_c * ah), format!("⌈A_max ÷ (C_max × C)⌉ = ⌈{} ÷ ({} × {})⌉", fmt_num(a), fmt_num(allowed_c), fmt_num(ah)))
            }
        };
        let s_c = ceil_u32(ratio).unwrap_or(u32::MAX);
        sb.calc("Strings for the C-rate limit", "s_C", &formula, f64::from(s_c), "");
        if s_c > s {
            notes.push(diag::info(
                field,
                "c-rate",
                format!("the C-rate limit ({allowed_c} C) at {what} needs {s_c} strings, more than the runtime's {s}"),
            ));
            s = s_c;
        }
    }
    (s, notes)
}

/// How many enclosures `strings` strings of `units_in_series` units take,
/// as the catalog maps strings to enclosures. The count and the sheet's
/// formula come from the same numbers; the text is built only when a sheet
/// line needs it (the optimizer counts enclosures for every candidate).
#[derive(Debug, Clone, Copy)]
enum EnclosureCount {
    /// Units packed `m` to an enclosure.
    Packed { units: u32, m: u32 },
    /// One string per enclosure (or per ⌈n_s ÷ m⌉ enclosures).
    PerString { strings: u32, units_in_series: u32, m: u32 },
    /// Up to `k` whole strings per enclosure, `fit` of which fit.
    Several { k: u32, fit: u32, strings: u32 },
    /// Cells, blocks or modules without an enclosure in the catalog.
    Bare,
    /// Floor-standing units: one enclosure each.
    PerUnit { units: u32 },
}

impl EnclosureCount {
    fn new(e: &CatalogEntry, units_in_series: u32, strings: u32) -> EnclosureCount {
        use backstop_model::catalog::EntryKind;
        let units = units_in_series.saturating_mul(strings);
        match &e.enclosure {
            Some(enc) if enc.units_max > 0 => {
                let m = enc.units_max;
                match enc.strings_per_enclosure {
                    None => EnclosureCount::Packed { units, m },
                    Some(k) if k <= 1 || units_in_series > m || units_in_series == 0 => {
                        EnclosureCount::PerString { strings, units_in_series, m }
                    }
                    Some(k) => EnclosureCount::Several { k, fit: k.min(m / units_in_series).max(1), strings },
                }
            }
            _ if matches!(e.kind, EntryKind::Cell | EntryKind::Block | EntryKind::Module) => EnclosureCount::Bare,
            _ => EnclosureCount::PerUnit { units },
        }
    }

    fn count(self) -> u32 {
        match self {
            EnclosureCount::Packed { units, m } => units.div_ceil(m),
            EnclosureCount::PerString { strings, units_in_series, m } => strings.saturating_mul(units_in_series.div_ceil(m)),
            EnclosureCount::Several { fit, strings, .. } => strings.div_ceil(fit),
            EnclosureCount::Bare => 0,
            EnclosureCount::PerUnit { units } => units,
        }
    }

    fn formula(self) -> String {
        match self {
            EnclosureCount::Packed { units, m } => format!("units packed {m} to an enclosure: ⌈units ÷ units_max⌉ = ⌈{units} ÷ {m}⌉"),
            EnclosureCount::PerString { strings, units_in_series, m } => {
                format!("one string per enclosure: s × ⌈n_s ÷ units_max⌉ = {strings} × ⌈{units_in_series} ÷ {m}⌉")
            }
            EnclosureCount::Several { k, fit, strings } => {
                format!("up to {k} whole strings per enclosure, {fit} fit: ⌈s ÷ {fit}⌉ = ⌈{strings} ÷ {fit}⌉")
            }
            EnclosureCount::Bare => "no enclosure in the catalog entry (bare units)".to_owned(),
            EnclosureCount::PerUnit { .. } => "one per unit (floor-standing)".to_owned(),
        }
    }
}

/// Battery heat at the design load shared by the installed strings: the
/// value and the sheet's formula from the same numbers (the text is built
/// only when a sheet line needs it).
#[derive(Debug, Clone, Copy)]
enum HeatEstimate {
    NoStrings,
    /// I²R0 on all installed strings at the nominal voltage.
    I2R {
        strings: u32,
        p_w: f64,
        cells: u32,
        v_nom: f64,
        r_string: f64,
        heat_kw: f64,
    },
    /// The rated heat scaled by the load squared.
    Rated {
        units: f64,
        q_kw: f64,
        batt_kw: f64,
        rated_kw: f64,
        heat_kw: f64,
    },
}

impl HeatEstimate {
    /// `None` without resistance or heat data.
    fn new(unit: Unit<'_>, series: Series, strings: u32, batt_kw: f64) -> Option<HeatEstimate> {
        let e = unit.entry;
        if strings == 0 {
            return Some(HeatEstimate::NoStrings);
        }
        let s = f64::from(strings);
        let cells = f64::from(series.cells);
        if let Some(r0) = &unit.b.r0_mohm {
            let v_nom = unit.b.nominal_v_cell.value;
            let p_w = batt_kw * 1000.0;
            let r_string = r0.value / 1000.0 / f64::from(unit.b.cells_parallel.max(1)) * cells;
            let i = p_w / (s * cells * v_nom);
            let heat_kw = s * i * i * r_string / 1000.0;
            return Some(HeatEstimate::I2R { strings, p_w, cells: series.cells, v_nom, r_string, heat_kw });
        }
        let h = unit.b.heat_loss_w.as_ref()?;
        let units = f64::from(series.units) * s;
        let rated_kw = units * e.power_kw();
        if !(rated_kw > 0.0) {
            return None;
        }
        let q_kw = h.value / 1000.0;
        let heat_kw = units * q_kw * (batt_kw / rated_kw).powi(2);
        Some(HeatEstimate::Rated { units, q_kw, batt_kw, rated_kw, heat_kw })
    }

    fn kw(self) -> f64 {
        match self {
            HeatEstimate::NoStrings => 0.0,
            HeatEstimate::I2R { heat_kw, .. } | HeatEstimate::Rated { heat_kw, .. } => heat_kw,
        }
    }

    fn formula(self) -> String {
        match self {
            HeatEstimate::NoStrings => "no strings".into(),
            HeatEstimate::I2R { strings, p_w, cells, v_nom, r_string, .. } => format!(
                "I²R0, all installed strings at V_nom: s × (P_batt ÷ (s × N × V_nom))² × R_string ÷ 1000 = {strings} × ({} ÷ ({strings} × {cells} × {}))² × {} ÷ 1000",
                fmt_num(p_w),
                fmt_num(v_nom),
                fmt_num(r_string)
            ),
            HeatEstimate::Rated { units, q_kw, batt_kw, rated_kw, .. } => format!(
                "rated heat scaled by load², all installed units: units × Q_rated × (P_batt ÷ P_rated)² = {} × {} × ({} ÷ {})²",
                fmt_num(units),
                fmt_num(q_kw),
                fmt_num(batt_kw),
                fmt_num(rated_kw)
            ),
        }
    }
}

/// Builds the configuration for `strings_needed` strings.
pub fn build_config(
    unit: Unit<'_>,
    series: Series,
    strings_needed: u32,
    strings: u32,
    batt_kw: f64,
) -> (BatteryConfig, Vec<SizingDiagnostic>) {
    let e = unit.entry;
    let mut notes = Vec::new();
    let units = series.units.saturating_mul(strings);
    let enclosures = EnclosureCount::new(e, series.units, strings).count();
    let (footprint_m2, enc_mass, enc_cost) = match &e.enclosure {
        Some(enc) if enc.units_max > 0 => {
            let nf = f64::from(enclosures);
            (nf * enc.width_mm * enc.depth_mm / 1e6, nf * enc.empty_mass_kg, nf * enc.cost)
        }
        _ => {
            let (w, d, _) = e.dimensions_mm();
            if enclosures == 0 {
                notes.push(diag::warning(
                    "battery",
                    "footprint",
                    format!(
                        "\"{}\" has no enclosure: footprint, mass and cost count the bare units only (no racks, spacing or access)",
                        e.key
                    ),
                ));
            }
            (f64::from(units) * w * d / 1e6, 0.0, 0.0)
        }
    };
    let uf = f64::from(units);
    let energy = uf * unit.kwh();
    let string_kwh = f64::from(series.units) * unit.kwh();
    let c_rate = if strings_needed > 0 && string_kwh > 0.0 { batt_kw / (f64::from(strings_needed) * string_kwh) } else { 0.0 };
    // Heat at the design load shared by all installed strings (0 without
    // resistance or heat data; the sheet then says "not computed").
    let heat_kw = HeatEstimate::new(unit, series, strings, batt_kw).map_or(0.0, HeatEstimate::kw);
    let cfg = BatteryConfig {
        battery_key: e.key.clone(),
        units_in_series: series.units,
        cells_in_series: series.cells,
        strings_needed,
        strings,
        units,
        enclosures,
        end_v_cell: or_zero(series.end_v_cell),
        energy_kwh: or_zero(energy),
        power_kw: or_zero(batt_kw),
        c_rate: or_zero(c_rate),
        footprint_m2: or_zero(footprint_m2),
        mass_kg: or_zero(uf * e.mass_kg() + enc_mass),
        heat_kw: or_zero(heat_kw),
        cost: or_zero(uf * e.cost.value + enc_cost),
    };
    (cfg, notes)
}

/// How a method states the C-rate and heat of its configuration.
struct ConfigText {
    /// Label of the C-rate line.
    c_rate_label: String,
    /// Formula of the C-rate line, with its numbers.
    c_rate_formula: String,
    /// Formula of the heat line; `None`: not computed.
    heat_formula: Option<String>,
}

impl ConfigText {
    /// C-rate at the battery power on the strings needed; heat by I²R0 (or
    /// the rated heat) on all installed strings.
    fn at_design_load(ctx: &Ctx<'_>, c: &BatteryConfig) -> Self {
        let string_kwh = f64::from(c.units_in_series) * ctx.unit.kwh();
        ConfigText {
            c_rate_label: "C-rate at design load (strings needed)".into(),
            c_rate_formula: format!(
                "P_batt ÷ (s_needed × E_string) = {} ÷ ({} × {})",
                fmt_num(ctx.batt_kw),
                c.strings_needed,
                fmt_num(string_kwh)
            ),
            heat_formula: HeatEstimate::new(ctx.unit, ctx.series, c.strings, ctx.batt_kw).map(HeatEstimate::formula),
        }
    }
}

fn config_lines(sb: &mut SheetBuilder, ctx: &Ctx<'_>, c: &BatteryConfig, text: &ConfigText) {
    let redundancy = ctx.case.redundancy.label();
    let enc_formula = EnclosureCount::new(ctx.unit.entry, c.units_in_series, c.strings).formula();
    let enc_src = ctx.unit.entry.enclosure.as_ref().map_or(String::new(), |e| e.source.clone());
    sb.result("Strings installed", "s", &format!("{} applied to {}", redundancy, c.strings_needed), f64::from(c.strings), "");
    sb.result("Units installed", "", &format!("n_s × s = {} × {}", c.units_in_series, c.strings), f64::from(c.units), "");
    sb.num(LineKind::Result, "Enclosures / cabinets", "", &enc_formula, f64::from(c.enclosures), "", &enc_src);
    sb.result("Installed energy", "E", &format!("units × E_u = {} × {}", c.units, fmt_num(ctx.unit.kwh())), c.energy_kwh, "kWh");
    sb.result(&text.c_rate_label, "", &text.c_rate_formula, c.c_rate, "1/h");
    sb.result("Footprint", "", "", c.footprint_m2, "m²");
    sb.result("Mass", "", "", c.mass_kg, "kg");
    match &text.heat_formula {
        Some(f) => {
            sb.result("Battery heat at design load", "", f, c.heat_kw, "kW");
        }
        None => {
            sb.text(LineKind::Result, "Battery heat at design load", "not computed — entry has no resistance data", "");
        }
    }
    sb.result("Cost", "", "units + enclosures", c.cost, "");
}

fn max_strings_check(ctx: &Ctx<'_>, strings: u32, field_method: &str) -> Option<SizingDiagnostic> {
    let max = ctx.unit.b.max_parallel_strings?;
    (strings > max).then(|| {
        diag::unmet(
            &format!("{field_method}.strings"),
            "parallel-strings",
            format!(
                "{strings} strings in parallel exceed the {max} the vendor allows for \"{}\" (by {}); pick a larger unit or split the load over more UPS systems",
                ctx.unit.entry.key,
                strings - max
            ),
            f64::from(max),
            f64::from(strings),
            "strings",
        )
    })
}

fn load_fractions(case: &UpsCase) -> Vec<f64> {
    if case.curve_load_fractions.is_empty() {
        (1..=16).map(|i| f64::from(i) * 0.1).collect()
    } else {
        let mut v = case.curve_load_fractions.clone();
        v.sort_by(f64::total_cmp);
        v
    }
}

fn series_out(id: &str, label: &str, pts: Vec<[f64; 2]>) -> ChartSeries {
    ChartSeries {
        id: id.into(),
        label: label.into(),
        x_label: "Load".into(),
        x_unit: "kW".into(),
        y_label: "Runtime".into(),
        y_unit: "min".into(),
        points: pts.into_iter().filter(|p| p[0].is_finite() && p[1].is_finite()).collect(),
    }
}

// ---------------------------------------------------------------------------
// a. Constant-power table
// ---------------------------------------------------------------------------

fn method_table(ctx: &Ctx<'_>, sb: &mut SheetBuilder) -> UpsMethodResult {
    let case = ctx.case;
    let mut r = empty(UpsMethod::ConstantPower);
    sb.section(
        "Method a — constant-power table",
        "W/cell needed = P_batt ÷ N × TC × DM × AF; strings = ⌈W/cell needed ÷ W/cell the unit delivers for t to V_end⌉.",
    );
    let n = f64::from(ctx.series.cells);
    let w_cell = ctx.batt_kw * 1000.0 / n;
    let w_req = w_cell * ctx.tc * case.design_margin * case.aging_factor;
    sb.calc("Power per cell (one string)", "W_cell", &format!("P_batt ÷ N = {} ÷ {}", fmt_num(ctx.batt_kw * 1000.0), n), w_cell, "W/cell");
    sb.calc(
        "Power per cell with factors",
        "W_req",
        &format!("W_cell × TC × DM × AF = {} × {} × {} × {}", fmt_num(w_cell), fmt_num(ctx.tc), case.design_margin, case.aging_factor),
        w_req,
        "W/cell",
    );
    let hours = case.runtime_min / 60.0;
    let ah_form = ctx.batt_kw * 1000.0 / (ctx.series.end_v_cell * n) * hours * ctx.tc * case.aging_factor * case.design_margin;
    let rate_h = fmt_num(ctx.unit.b.capacity_rate_h);
    sb.calc(
        &format!("Ah form: constant current at V_end for t (Ah at the t-min rate, not comparable with the {rate_h}-h rated Ah)"),
        "Ah",
        &format!(
            "P_batt ÷ (V_end × N) × h × TC × AF × DF = {} ÷ ({} × {}) × {} × {} × {} × {}",
            fmt_num(ctx.batt_kw * 1000.0),
            fmt_num(ctx.series.end_v_cell),
            n,
            fmt_num(hours),
            fmt_num(ctx.tc),
            fmt_num(case.aging_factor),
            fmt_num(case.design_margin)
        ),
        ah_form,
        "Ah",
    );
    r.ah_form = ah_form.is_finite().then_some(ah_form);
    // What the unit delivers at the runtime's rate, so the Ah form can be set
    // against the rated Ah (the table method's basis).
    if let Ok(i) = ctx.unit.per_cell(Quantity::Current, case.runtime_min, ctx.series.end_v_cell) {
        let ah_t = i.value * hours;
        let ah = ctx.unit.ah();
        if ah_t > 0.0 && ah > 0.0 {
            sb.calc(
                &format!("Ah one unit delivers in {} min to V_end (table, A/cell × h)", fmt_num(case.runtime_min)),
                "C_t",
                &format!("{} × {}", fmt_num(i.value), fmt_num(hours)),
                ah_t,
                "Ah",
            );
            sb.calc(
                &format!("Ah form at the {rate_h}-h rating (compare with the table method)"),
                "Ah_rated",
                &format!("Ah × C ÷ C_t = {} × {} ÷ {}", fmt_num(ah_form), fmt_num(ah), fmt_num(ah_t)),
                ah_form * ah / ah_t,
                "Ah",
            );
        }
    }
    let look = match ctx.unit.per_cell(Quantity::Power, case.runtime_min, ctx.series.end_v_cell) {
        Ok(l) => l,
        Err(e) => {
            r.diagnostics.push(diag::error("battery.discharge_tables", "table", format!("constant-power method: {e}")));
            return r;
        }
    };
    for note in &look.notes {
        r.diagnostics.push(diag::info("battery.discharge_tables", "table", note.clone()));
    }
    let per_ah_basis = ctx.unit.b.discharge_tables.iter().all(|t| t.basis == TableBasis::WattsPerCellPerAh);
    let src = look.sources.join("; ");
    if per_ah_basis {
        let wah = look.value / ctx.unit.ah();
        sb.data(
            &format!("Table: W/cell/Ah for {} min to {:.3} V/cell", case.runtime_min, ctx.series.end_v_cell),
            "k",
            wah,
            "W/cell/Ah",
            &src,
        );
        let req_ah = w_req / wah;
        sb.result("Capacity needed", "C_req", &format!("W_req ÷ k = {} ÷ {}", fmt_num(w_req), fmt_num(wah)), req_ah, "Ah");
        r.required_ah = req_ah.is_finite().then_some(req_ah);
    }
    sb.data(
        &format!("Unit delivers for {} min to {:.3} V/cell", case.runtime_min, ctx.series.end_v_cell),
        "W_avail",
        look.value,
        "W/cell",
        &src,
    );
    let Some(s_rt) = ceil_u32(w_req / look.value) else {
        r.diagnostics.push(diag::error("battery.discharge_tables", "table", "the table gives no usable power"));
        return r;
    };
    let s_rt = s_rt.max(1);
    sb.calc(
        "Strings for the runtime",
        "s_t",
        &format!("⌈W_req ÷ W_avail⌉ = ⌈{} ÷ {}⌉", fmt_num(w_req), fmt_num(look.value)),
        f64::from(s_rt),
        "",
    );
    let (s_need, notes) = limit_strings(ctx, s_rt, Draw::Power, sb);
    r.diagnostics.extend(notes);
    let strings = case.redundancy.apply(s_need);
    let (cfg, notes) = build_config(ctx.unit, ctx.series, s_need, strings, ctx.batt_kw);
    r.diagnostics.extend(notes);
    config_lines(sb, ctx, &cfg, &ConfigText::at_design_load(ctx, &cfg));

    // Runtime at BOL / EOL with the strings needed.
    let rt = |frac: f64, aged: bool| -> Option<f64> {
        let w = w_cell * frac / f64::from(s_need) * ctx.tc * if aged { case.aging_factor } else { 1.0 };
        ctx.unit.minutes_for(Quantity::Power, w, ctx.series.end_v_cell).map(|x| x.0)
    };
    r.runtime_bol_min = rt(1.0, false);
    r.runtime_eol_min = rt(1.0, true);
    if let Some(t) = r.runtime_bol_min {
        sb.result("Runtime at design load, new (strings needed)", "t_BOL", "table inverted at W_cell × TC ÷ s", t, "min");
    }
    if let Some(t) = r.runtime_eol_min {
        sb.result("Runtime at design load, end of life", "t_EOL", "table inverted at W_cell × TC × AF ÷ s", t, "min");
    }
    let fr = load_fractions(case);
    let bol: Vec<[f64; 2]> = fr.iter().filter_map(|&f| rt(f, false).map(|t| [f * ctx.design_kw, t])).collect();
    let eol: Vec<[f64; 2]> = fr.iter().filter_map(|&f| rt(f, true).map(|t| [f * ctx.design_kw, t])).collect();
    r.charts.push(series_out("table-runtime-vs-load-bol", "Runtime vs load, new (table)", bol));
    r.charts.push(series_out("table-runtime-vs-load-eol", "Runtime vs load, end of life (table)", eol));
    r.feasible = true;
    if let Some(d) = max_strings_check(ctx, strings, "constant_power") {
        r.feasible = false;
        r.diagnostics.push(d);
    }
    sb.check(
        "Strings within the vendor's parallel limit",
        &format!("{strings} ≤ {}", ctx.unit.b.max_parallel_strings.map_or("no limit".into(), |m| m.to_string())),
        r.feasible,
    );
    r.config = Some(cfg);
    r
}

fn empty(method: UpsMethod) -> UpsMethodResult {
    UpsMethodResult {
        method,
        feasible: false,
        config: None,
        required_ah: None,
        ah_form: None,
        runtime_bol_min: None,
        runtime_eol_min: None,
        voltage_margin_v: None,
        max_current_a: None,
        charts: Vec::new(),
        diagnostics: Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// b. IEEE 485 / 1115 duty cycle
// ---------------------------------------------------------------------------

fn method_duty(ctx: &Ctx<'_>, sb: &mut SheetBuilder) -> UpsMethodResult {
    let case = ctx.case;
    let mut r = empty(UpsMethod::DutyCycle);
    let std = if ctx.unit.chemistry() == backstop_model::catalog::CellChemistry::NiCd { "IEEE 1115" } else { "IEEE 485" };
    sb.section(
        format!("Method b — {std} duty cycle"),
        "F_S = Σ_{P=1..S} (A_P − A_{P−1}) · K_t · T_t; K_t = rated Ah ÷ amps for t minutes to V_end; size = max_S F_S + random section, × DM × AF; strings = ⌈size ÷ rated Ah⌉.",
    );
    let n = f64::from(ctx.series.cells);
    let end_v = ctx.series.end_v_cell;
    let to_amps = |kw: f64| kw * 1000.0 / (n * end_v);
    let conv = |p: &backstop_model::sizing::DutyPeriod| Period {
        label: p.label.clone(),
        amps: p.amps.unwrap_or_else(|| to_amps(p.kw.unwrap_or(0.0))),
        minutes: p.minutes,
    };
    let (periods, random, default_cycle) = match &case.duty_cycle {
        Some(dc) => (dc.periods.iter().map(conv).collect::<Vec<_>>(), dc.random.as_ref().map(conv), false),
        None => (
            vec![Period { label: "battery power for the runtime".into(), amps: to_amps(ctx.batt_kw), minutes: case.runtime_min }],
            None,
            true,
        ),
    };
    if case.duty_cycle.as_ref().is_some_and(|d| d.periods.iter().chain(d.random.iter()).any(|p| p.kw.is_some())) || default_cycle {
        sb.text(
            LineKind::Intermediate,
            "kW → A",
            &format!("A = P ÷ (N × V_end) = P ÷ ({n} × {end_v:.3} V): constant power drawn at the end voltage (conservative)"),
            "",
        );
    }
    let tables = ctx.unit.cell_tables(Quantity::Current);
    if tables.iter().any(|t| t.converted) {
        r.diagnostics.push(diag::warning(
            "battery.discharge_tables",
            "table",
            format!(
                "{std}: the entry has no A/cell table; currents derived from its power table with the average voltage (nominal + end) ÷ 2 — add the vendor's constant-current table"
            ),
        ));
    }
    let ah = ctx.unit.ah();
    let kt = |t: f64| -> Result<f64, String> {
        let l = ctx.unit.per_cell(Quantity::Current, t, end_v)?;
        if l.value > 0.0 { Ok(ah / l.value) } else { Err("the table gives no current".into()) }
    };
    let tt_rows = case.duty_cycle.as_ref().map(|d| d.temperature_factors.clone()).unwrap_or_default();
    let tc = ctx.tc;
    let tt = |t: f64| -> f64 {
        if tt_rows.is_empty() {
            return tc;
        }
        tt_rows.iter().find(|row| t <= row[0] + 1e-9).or(tt_rows.last()).map_or(tc, |row| row[1])
    };
    let res = match duty::size(&periods, random.as_ref(), &kt, &tt, case.design_margin, case.aging_factor) {
        Ok(x) => x,
        Err(e) => {
            r.diagnostics.push(diag::error("duty_cycle", "table", format!("{std} duty cycle: {e}")));
            return r;
        }
    };
    for (i, p) in periods.iter().enumerate() {
        sb.input(
            &format!("Period {} {}", i + 1, p.label),
            &format!("A{}", i + 1),
            p.amps,
            &format!("A for {} min", p.minutes),
            "duty cycle",
        );
    }
    for s in &res.sections {
        for t in &s.terms {
            sb.calc(
                &format!("Section {} period {}", s.index, t.period),
                "",
                &format!("ΔA {} × K_t({:.1} min) {:.4} × T_t {:.3}", fmt_num(t.delta_a), t.t_min, t.kt, t.tt),
                t.ah,
                "Ah",
            );
        }
        sb.calc(&format!("Section {} total", s.index), &format!("F{}", s.index), "Σ", s.total_ah, "Ah");
    }
    sb.calc("Largest section", "F_max", &format!("section {}", res.max_section), res.max_section_ah, "Ah");
    sb.calc("Random section", "R", "", res.random_ah, "Ah");
    sb.calc("Uncorrected size", "US", "F_max + R", res.uncorrected_ah, "Ah");
    sb.result(
        "Cell size",
        "C_req",
        &format!("US × DM × AF = {} × {} × {}", fmt_num(res.uncorrected_ah), case.design_margin, case.aging_factor),
        res.corrected_ah,
        "Ah",
    );
    r.required_ah = Some(res.corrected_ah);
    let Some(s_cap) = ceil_u32(res.corrected_ah / ah) else {
        r.diagnostics.push(diag::error("duty_cycle", "table", "the cell size is not computable"));
        return r;
    };
    let s_cap = s_cap.max(1);
    sb.calc(
        "Strings for the capacity",
        "s_t",
        &format!("⌈C_req ÷ C⌉ = ⌈{} ÷ {}⌉", fmt_num(res.corrected_ah), fmt_num(ah)),
        f64::from(s_cap),
        "",
    );
    // The limits hold the duty cycle's own highest current (the random load
    // on top of the largest period, as IEEE 485 places it), not the load kW.
    let a_peak = periods.iter().map(|p| p.amps).fold(0.0, f64::max);
    let a_rand = random.as_ref().map_or(0.0, |p| p.amps.max(0.0));
    let a_max = a_peak + a_rand;
    sb.calc(
        "Highest duty-cycle current",
        "A_max",
        &if random.is_some() {
            format!("max A_P + A_R = {} + {}", fmt_num(a_peak), fmt_num(a_rand))
        } else {
            format!("max A_P = {}", fmt_num(a_peak))
        },
        a_max,
        "A",
    );
    let (s_need, notes) = limit_strings(ctx, s_cap, Draw::Current(a_max), sb);
    r.diagnostics.extend(notes);
    let strings = case.redundancy.apply(s_need);
    let (mut cfg, notes) = build_config(ctx.unit, ctx.series, s_need, strings, ctx.batt_kw);
    r.diagnostics.extend(notes);
    let i_string = a_max / f64::from(s_need);
    cfg.c_rate = or_zero(i_string / ah);
    r.max_current_a = Some(or_zero(i_string));
    let text = ConfigText {
        c_rate_label: "C-rate at the highest duty-cycle current (strings needed)".into(),
        c_rate_formula: format!("A_max ÷ (s_needed × C) = {} ÷ ({} × {})", fmt_num(a_max), s_need, fmt_num(ah)),
        heat_formula: HeatEstimate::new(ctx.unit, ctx.series, strings, ctx.batt_kw).map(HeatEstimate::formula),
    };
    sb.result(
        "Highest current per string (strings needed)",
        "I_s",
        &format!("A_max ÷ s_needed = {} ÷ {}", fmt_num(a_max), s_need),
        i_string,
        "A",
    );
    if let Some(imax) = &ctx.unit.b.max_string_current_a {
        sb.check(
            "String current within the limit",
            &format!("{} ≤ {} A", fmt_num(i_string), fmt_num(imax.value)),
            i_string <= imax.value * (1.0 + 1e-9),
        );
    }
    let allowed_c = ctx.unit.b.peak_c.as_ref().map_or(ctx.unit.b.continuous_c.value, |p| p.value.max(ctx.unit.b.continuous_c.value));
    sb.check(
        "C-rate within the rating",
        &format!("{} ≤ {} C", fmt_num(cfg.c_rate), fmt_num(allowed_c)),
        cfg.c_rate <= allowed_c * (1.0 + 1e-9),
    );
    config_lines(sb, ctx, &cfg, &text);
    if periods.len() == 1 && random.is_none() {
        let a = periods[0].amps / f64::from(s_need);
        r.runtime_bol_min = ctx.unit.minutes_for(Quantity::Current, a * tc, end_v).map(|x| x.0);
        r.runtime_eol_min = ctx.unit.minutes_for(Quantity::Current, a * tc * case.aging_factor, end_v).map(|x| x.0);
        if let Some(t) = r.runtime_eol_min {
            sb.result("Runtime at end of life (single period)", "t_EOL", "current table inverted at A × TC × AF ÷ s", t, "min");
        }
    }
    r.feasible = true;
    if let Some(d) = max_strings_check(ctx, strings, "duty_cycle") {
        r.feasible = false;
        r.diagnostics.push(d);
    }
    r.config = Some(cfg);
    r
}

// ---------------------------------------------------------------------------
// c. Equivalent-circuit simulation
// ---------------------------------------------------------------------------

fn method_ecm(ctx: &Ctx<'_>, sb: &mut SheetBuilder) -> UpsMethodResult {
    let case = ctx.case;
    let mut r = empty(UpsMethod::Ecm);
    sb.section(
        "Method c — equivalent-circuit simulation",
        "V = OCV(SOC, T) − I·R0(T) − V_RC; dV_RC/dt = −V_RC/(R1·C1) + I/C1; constant power per cell P: I = (V′ − √(V′² − 4·R0·P)) ÷ (2·R0), V′ = OCV − V_RC. R0(T) = R0(25 °C)·exp(k·(1/T − 1/298.15)). End of life: capacity × 1/AF, resistance × EOL factor. Strings = fewest whose EOL runtime at P_batt × DM reaches t.",
    );
    if !ctx.unit.has_ecm_data() {
        r.diagnostics.push(diag::error(
            "battery.ocv",
            "ecm-data",
            format!("\"{}\" has no OCV curve or R0: the equivalent-circuit method cannot run; add them to the entry", ctx.unit.entry.key),
        ));
        return r;
    }
    if ctx.unit.chemistry().is_aqueous() {
        r.diagnostics.push(diag::warning(
            "battery.chemistry",
            "ecm-data",
            "the equivalent-circuit model is meant for Li-ion; lead-acid rate effects (Peukert) are not captured — rely on the table and duty-cycle methods",
        ));
    }
    let b = ctx.unit.b;
    let n = f64::from(ctx.series.cells);
    let end_v = ctx.series.end_v_cell;
    let bol = Condition { temp_c: case.ambient_c, soh: 1.0, r_factor: 1.0 };
    let eol = Condition { temp_c: case.ambient_c, soh: 1.0 / case.aging_factor, r_factor: case.ecm.eol_resistance_factor };
    let (Some(cell_bol), Some(cell_eol)) = (ctx.unit.ecm_cell(bol, end_v), ctx.unit.ecm_cell(eol, end_v)) else {
        r.diagnostics.push(diag::error(
            "battery",
            "ecm-data",
            "the equivalent-circuit parameters are not usable (zero capacity or resistance)",
        ));
        return r;
    };
    sb.data(
        "R0 at 25 °C",
        "R0",
        b.r0_mohm.as_ref().map_or(0.0, |x| x.value),
        "mΩ/cell",
        &b.r0_mohm.as_ref().map_or(String::new(), |x| x.source.clone()),
    );
    sb.calc(
        &format!("R0 per cell position at {} °C, new", case.ambient_c),
        "R0(T)",
        "Arrhenius, ÷ cells in parallel",
        cell_bol.r0 * 1000.0,
        "mΩ",
    );
    sb.calc("R0 at end of life", "", &format!("× {}", case.ecm.eol_resistance_factor), cell_eol.r0 * 1000.0, "mΩ");
    sb.calc(&format!("Capacity at {} °C, new", case.ambient_c), "Q", "C × capacity factor(T)", cell_bol.q_ah, "Ah");
    sb.calc("Capacity at end of life", "Q_EOL", &format!("Q ÷ AF = Q ÷ {}", case.aging_factor), cell_eol.q_ah, "Ah");
    sb.input("Time step", "Δt", case.ecm.step_s, "s", "case input");
    let t_req = case.runtime_min * 60.0;
    let p_total = ctx.batt_kw * 1000.0;
    let dt = case.ecm.step_s;
    let opts = |t_max: f64, window: f64, trace: usize| RunOptions {
        dt_s: dt,
        t_max_s: t_max,
        soc0: case.ecm.initial_soc,
        window_s: window,
        trace_every: trace,
    };
    let meets = |s: u32| -> (bool, ecm::Run) {
        let p = p_total * case.design_margin / (f64::from(s) * n);
        let run = ecm::discharge(&cell_eol, p, opts(t_req, t_req, 0));
        (run.stop == Stop::TimeLimit && run.runtime_s >= t_req, run)
    };
    let cap = b.max_parallel_strings.map_or(STRING_SEARCH_CAP, |m| m.max(1).saturating_mul(4)).min(STRING_SEARCH_CAP);
    let (ok_cap, run_cap) = meets(cap);
    if !ok_cap {
        let why = match run_cap.stop {
            Stop::PowerLimit => "the cells cannot deliver the power (V′² < 4·R0·P)".to_owned(),
            _ => format!("runtime {:.1} min", run_cap.runtime_s / 60.0),
        };
        r.diagnostics.push(diag::unmet(
            "runtime_min",
            "runtime",
            format!(
                "even {cap} strings fall short of {} min at end of life at {} °C: {why}; use a larger unit or a warmer battery room",
                case.runtime_min, case.ambient_c
            ),
            case.runtime_min,
            run_cap.runtime_s / 60.0,
            "min",
        ));
        return r;
    }
    let (mut lo, mut hi) = (0u32, cap); // lo fails (or 0), hi meets
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if meets(mid).0 { hi = mid } else { lo = mid }
    }
    let s_rt = hi.max(1);
    sb.calc("Strings for the runtime (EOL, P × DM)", "s_t", "smallest s with t_EOL(P_batt × DM ÷ s) ≥ t", f64::from(s_rt), "");
    let (mut s_need, notes) = limit_strings(ctx, s_rt, Draw::Power, sb);
    r.diagnostics.extend(notes);

    // Reporting runs at the design load (no design margin) and the sizing run.
    let long = (t_req * 20.0).max(4.0 * 3600.0);
    let p_cell = |frac: f64, s: u32| p_total * frac / (f64::from(s) * n);
    let trace_every = ((t_req / dt) / 400.0).ceil().max(1.0) as usize;
    let mut sizing_run = ecm::discharge(&cell_eol, p_cell(case.design_margin, s_need), opts(long, t_req, trace_every));
    // The simulated current (it rises as the voltage sags) is held against
    // the string-current and C-rate limits too, not only the power's.
    let ah = ctx.unit.ah();
    let allowed_c = b.peak_c.as_ref().map_or(b.continuous_c.value, |p| p.value.max(b.continuous_c.value));
    let i_lim = b.max_string_current_a.as_ref().map_or(allowed_c * ah, |i| i.value.min(allowed_c * ah));
    let s_limits = s_need;
    for _ in 0..16 {
        if !(sizing_run.i_max_window > i_lim * (1.0 + 1e-9)) || s_need >= cap {
            break;
        }
        s_need = ceil_u32(f64::from(s_need) * sizing_run.i_max_window / i_lim).unwrap_or(cap).max(s_need + 1).min(cap);
        sizing_run = ecm::discharge(&cell_eol, p_cell(case.design_margin, s_need), opts(long, t_req, trace_every));
    }
    // The proportional step above can overshoot (each added string also
    // lowers the sag, so the current falls faster than 1/s): step back
    // while one string fewer still stays within the limit, so the count is
    // the smallest that does, as the sheet line says.
    while s_need > s_limits && !(sizing_run.i_max_window > i_lim * (1.0 + 1e-9)) {
        let fewer = ecm::discharge(&cell_eol, p_cell(case.design_margin, s_need - 1), opts(long, t_req, trace_every));
        if fewer.i_max_window > i_lim * (1.0 + 1e-9) {
            break;
        }
        s_need -= 1;
        sizing_run = fewer;
    }
    if s_need > s_limits {
        sb.calc(
            "Strings for the simulated current (EOL, P × DM)",
            "s_Isim",
            &format!("smallest s found with I_max,sim ≤ min(I_max, C_max × C), limit {} A", fmt_num(i_lim)),
            f64::from(s_need),
            "",
        );
        r.diagnostics.push(diag::info(
            "battery",
            "c-rate",
            format!("the simulated current at end of life needs {s_need} strings to stay within {} A per string, more than the {s_limits} the runtime and the power limits need", fmt_num(i_lim)),
        ));
    }
    let strings = case.redundancy.apply(s_need);
    let (mut cfg, notes) = build_config(ctx.unit, ctx.series, s_need, strings, ctx.batt_kw);
    r.diagnostics.extend(notes);
    let run_bol = ecm::discharge(&cell_bol, p_cell(1.0, s_need), opts(long, t_req, 0));
    let run_eol = ecm::discharge(&cell_eol, p_cell(1.0, s_need), opts(long, t_req, 0));
    let fmt_rt = |run: &ecm::Run| if run.stop == Stop::TimeLimit { None } else { Some(run.runtime_s / 60.0) };
    r.runtime_bol_min = fmt_rt(&run_bol).or(Some(long / 60.0));
    r.runtime_eol_min = fmt_rt(&run_eol).or(Some(long / 60.0));
    let margin = (sizing_run.v_min_window - end_v) * n;
    r.voltage_margin_v = Some(or_zero(margin));
    let i_string = sizing_run.i_max_window;
    r.max_current_a = Some(or_zero(i_string));
    // Heat at the design load with new cells (the other methods' basis),
    // the load shared by all installed strings: I²R0 plus the RC branch.
    let heat_run = ecm::discharge(&cell_bol, p_cell(1.0, strings), opts(t_req, t_req, 0));
    let heat_w = if t_req > 0.0 { heat_run.heat_j_window / t_req * n * f64::from(strings) } else { 0.0 };
    cfg.heat_kw = or_zero(heat_w / 1000.0);
    let c_max_run = i_string / ah;
    sb.result("Runtime at design load, new", "t_BOL", "simulated to V_end", r.runtime_bol_min.unwrap_or(0.0), "min");
    sb.result("Runtime at design load, end of life", "t_EOL", "simulated to V_end", r.runtime_eol_min.unwrap_or(0.0), "min");
    sb.result("Lowest terminal voltage in t (EOL, P × DM)", "V_min,sim", "simulated", sizing_run.v_min_window * n, "V");
    sb.result(
        "Margin to cut-off",
        "ΔV",
        &format!("V_min,sim − N × V_end = {} − {} × {}", fmt_num(sizing_run.v_min_window * n), n, fmt_num(end_v)),
        margin,
        "V",
    );
    sb.result("Highest string current in t", "I_max", "simulated (EOL, P × DM)", i_string, "A");
    sb.result("Highest C-rate in t", "", &format!("I_max ÷ C = {} ÷ {}", fmt_num(i_string), fmt_num(ah)), c_max_run, "1/h");
    let within = i_string <= i_lim * (1.0 + 1e-9);
    sb.check("Highest string current within the limits", &format!("{} ≤ {} A", fmt_num(i_string), fmt_num(i_lim)), within);
    if !within {
        r.diagnostics.push(diag::unmet(
            "battery",
            "string-current",
            format!(
                "even {s_need} strings carry {} A at end of life, above the {} A the entry allows per string (BMS/breaker or C-rate); use a larger unit",
                fmt_num(i_string),
                fmt_num(i_lim)
            ),
            i_lim,
            i_string,
            "A",
        ));
    }
    let mut text = ConfigText::at_design_load(ctx, &cfg);
    text.heat_formula = Some("I²R0 + V_RC²÷R1 simulated over t with new cells, all installed strings, mean".into());
    config_lines(sb, ctx, &cfg, &text);
    if r.runtime_bol_min.is_some_and(|t| t >= long / 60.0) {
        r.diagnostics.push(diag::info("ecm", "runtime", format!("new-battery runtime exceeds the simulated {:.0} min", long / 60.0)));
    }

    // Charts: discharge voltage and SOC (EOL, P × DM), runtime vs load.
    let v_pts: Vec<[f64; 2]> = sizing_run.trace.iter().map(|s| [s.t_s / 60.0, s.v * n]).collect();
    let soc_pts: Vec<[f64; 2]> = sizing_run.trace.iter().map(|s| [s.t_s / 60.0, s.soc * 100.0]).collect();
    r.charts.push(ChartSeries {
        id: "ecm-voltage".into(),
        label: "String voltage, end of life, P_batt × DM".into(),
        x_label: "Time".into(),
        x_unit: "min".into(),
        y_label: "Voltage".into(),
        y_unit: "V".into(),
        points: v_pts,
    });
    r.charts.push(ChartSeries {
        id: "ecm-soc".into(),
        label: "State of charge, end of life, P_batt × DM".into(),
        x_label: "Time".into(),
        x_unit: "min".into(),
        y_label: "SOC".into(),
        y_unit: "%".into(),
        points: soc_pts,
    });
    let fr = load_fractions(case);
    let curve = |cell: &crate::battery::EcmCell| -> Vec<[f64; 2]> {
        fr.iter()
            .filter_map(|&f| {
                let run = ecm::discharge(cell, p_cell(f, s_need), opts(long, 0.0, 0));
                (run.stop != Stop::TimeLimit).then_some([f * ctx.design_kw, run.runtime_s / 60.0])
            })
            .collect()
    };
    r.charts.push(series_out("ecm-runtime-vs-load-bol", "Runtime vs load, new (ECM)", curve(&cell_bol)));
    r.charts.push(series_out("ecm-runtime-vs-load-eol", "Runtime vs load, end of life (ECM)", curve(&cell_eol)));

    r.feasible = true;
    if margin < 0.0 || !within {
        r.feasible = false;
    }
    if let Some(d) = max_strings_check(ctx, strings, "ecm") {
        r.feasible = false;
        r.diagnostics.push(d);
    }
    r.config = Some(cfg);
    r
}
