//! Optimizer over catalog entries × configurations (units in series,
//! strings in parallel, and so cabinets) for a UPS case.
//!
//! For each battery entry and each series count that fits the DC window,
//! the fewest strings every applicable method accepts are found with the
//! same code as [`crate::ups::size_ups`] (so the optimizer can never
//! disagree with a single sizing); then every string count from 1 to the
//! site's limit is checked against all constraints (runtime, string
//! current, C-rate, vendor parallel limit, footprint) and priced. Per
//! (entry, series) only the cheapest feasible count can be among the best
//! (more strings cost more and take more floor), but all are evaluated and
//! counted. Entries with no feasible configuration are returned with the
//! constraint that failed for their closest configuration.

use backstop_model::catalog::CatalogEntry;
use backstop_model::sizing::{Candidate, DiagSeverity, Objective, OptimizeOptions, OptimizeResult, Rejection, UpsCase, UpsMethod};

use crate::battery::Unit;
use crate::catalog::validate_entry;
use crate::diag;
use crate::ups::{Series, build_config, series_for, size_ups};

/// Most series counts tried per entry (the highest that fit).
pub const MAX_SERIES_PER_ENTRY: usize = 64;

/// Runs the optimizer.
pub fn optimize_ups(case: &UpsCase, catalog: &[CatalogEntry], opts: &OptimizeOptions) -> OptimizeResult {
    let mut out = OptimizeResult { objective: opts.objective, ..OptimizeResult::default() };
    let base = crate::ups::validate_case(case);
    if diag::has_error(&base) {
        out.diagnostics = base;
        return out;
    }
    if opts.keep == 0 || opts.max_strings == 0 {
        out.diagnostics.push(diag::error("options", diag::INPUT, "keep and max_strings must be at least 1"));
        return out;
    }
    let mut pool: Vec<Candidate> = Vec::new();
    for e in catalog.iter().filter(|e| e.battery.is_some()) {
        if !opts.battery_keys.is_empty() && !opts.battery_keys.iter().any(|k| k == &e.key) {
            continue;
        }
        let reject = |constraint: &str, reason: String| Rejection { battery_key: e.key.clone(), constraint: constraint.into(), reason };
        if opts.require_ul9540 && !e.listing.ul9540 {
            out.rejected.push(reject("listing", "not listed to UL 9540 (the search requires it)".into()));
            continue;
        }
        if let Some(f) = validate_entry(e).into_iter().find(|f| !f.warning) {
            out.rejected.push(reject("catalog", format!("invalid entry: {}: {}", f.field, f.message)));
            continue;
        }
        let Some(unit) = Unit::of(e) else { continue };
        let (feasible, closest) = search_entry(case, catalog, unit, opts, &mut out.candidates_evaluated);
        if feasible.is_empty() {
            let (c, r) = closest.unwrap_or(("dc-window".into(), "no series count fits the DC window".into()));
            out.rejected.push(reject(&c, r));
        }
        pool.extend(feasible);
    }
    pool.sort_by(|a, b| {
        a.objective_value
            .total_cmp(&b.objective_value)
            .then(a.config.cost.total_cmp(&b.config.cost))
            .then(a.config.footprint_m2.total_cmp(&b.config.footprint_m2))
            .then(a.config.battery_key.cmp(&b.config.battery_key))
    });
    pool.truncate(opts.keep);
    out.best = pool;
    if out.best.is_empty() {
        out.diagnostics.push(diag::error(
            "",
            "infeasible",
            format!("no catalog entry meets the case; {} entries were rejected (see the reasons)", out.rejected.len()),
        ));
    }
    out
}

/// Series counts (units in series) to try for `unit`.
fn series_counts(case: &UpsCase, unit: Unit<'_>) -> Vec<u32> {
    let cs = unit.cells_series();
    let float = case.dc_bus.float_v_cell.unwrap_or_else(|| unit.float_v());
    if let Some(n) = case.dc_bus.cells_in_series {
        return if n % cs == 0 { vec![n / cs] } else { Vec::new() };
    }
    let u_max = ((case.dc_bus.v_max / float + 1e-9).floor() / f64::from(cs)).floor();
    let u_lo = (case.dc_bus.v_min / unit.b.nominal_v_cell.value / f64::from(cs)).floor() + 1.0;
    if !(u_max.is_finite() && u_lo.is_finite()) || u_max < 1.0 {
        return Vec::new();
    }
    let (lo, hi) = (u_lo.max(1.0) as u32, u_max.min(1e6) as u32);
    let mut v: Vec<u32> = if unit.b.series_options.is_empty() {
        (lo..=hi).rev().take(MAX_SERIES_PER_ENTRY).collect()
    } else {
        unit.b.series_options.iter().copied().filter(|&o| o >= lo && o <= hi).collect()
    };
    v.sort_unstable();
    v
}

fn search_entry(
    case: &UpsCase,
    catalog: &[CatalogEntry],
    unit: Unit<'_>,
    opts: &OptimizeOptions,
    evaluated: &mut u64,
) -> (Vec<Candidate>, Option<(String, String)>) {
    let e = unit.entry;
    let mut found = Vec::new();
    let mut closest: Option<(u32, String, String)> = None; // (shortfall rank, constraint, reason)
    let counts = series_counts(case, unit);
    if counts.is_empty() {
        let float = case.dc_bus.float_v_cell.unwrap_or_else(|| unit.float_v());
        let smallest = unit.b.series_options.iter().copied().min().unwrap_or(1) * unit.cells_series();
        return (
            found,
            Some((
                "dc-window".into(),
                format!(
                    "no string fits the DC window {}–{} V: the smallest string ({smallest} cells) floats at {:.1} V",
                    case.dc_bus.v_min,
                    case.dc_bus.v_max,
                    f64::from(smallest) * float
                ),
            )),
        );
    }
    let vendor_max = unit.b.max_parallel_strings.unwrap_or(u32::MAX);
    for u in counts {
        let mut c = case.clone();
        c.battery_key = e.key.clone();
        c.dc_bus.cells_in_series = Some(u * unit.cells_series());
        c.methods = Vec::new();
        c.curve_load_fractions = vec![1.0];
        let series = match series_for(&c, unit) {
            Ok((s, notes)) if !notes.iter().any(|d| d.severity == DiagSeverity::Error) => s,
            Ok(_) | Err(_) => continue,
        };
        let r = size_ups(&c, catalog);
        // The fewest strings every method accepts.
        let mut s_min = 0u32;
        let mut runtime_eol = f64::INFINITY;
        let mut failed: Option<(String, String)> = None;
        for m in &r.methods {
            match &m.config {
                Some(cfg) if !diag::has_error(&m.diagnostics) || cfg.strings_needed > 0 => {
                    s_min = s_min.max(cfg.strings_needed);
                    if let Some(t) = m.runtime_eol_min {
                        runtime_eol = runtime_eol.min(t);
                    }
                    if m.method == UpsMethod::Ecm && m.voltage_margin_v.is_some_and(|v| v < 0.0) {
                        failed = Some(("voltage".into(), format!("{u} units in series: terminal voltage falls below cut-off")));
                    }
                }
                _ => {
                    let d = m.diagnostics.iter().find(|d| d.severity == DiagSeverity::Error);
                    failed = Some((
                        d.map_or("method".into(), |d| d.constraint.clone()),
                        format!(
                            "{u} units in series, {}: {}",
                            m.method.label(),
                            d.map_or("no configuration".into(), |d| d.message.clone())
                        ),
                    ));
                }
            }
        }
        if r.methods.is_empty() {
            failed = Some(("method".into(), "no sizing method applies (no tables, no ECM data)".into()));
        }
        if let Some((con, why)) = failed {
            if closest.is_none() {
                closest = Some((u32::MAX, con, why));
            }
            continue;
        }
        let max_s = opts.max_strings;
        let mut best_here: Option<Candidate> = None;
        let mut why_here: Option<(u32, String, String)> = None;
        for s in 1..=max_s {
            *evaluated += 1;
            if s < s_min {
                if s == max_s {
                    why_here =
                        Some((s_min - s, "runtime".into(), format!("{u} units in series need {s_min} strings; the site allows {max_s}")));
                }
                continue;
            }
            let installed = case.redundancy.apply(s);
            if installed > vendor_max {
                why_here.get_or_insert((
                    installed - vendor_max,
                    "parallel-strings".into(),
                    format!(
                        "{u} units in series need {installed} strings ({}) but the vendor allows {vendor_max} in parallel",
                        case.redundancy.label()
                    ),
                ));
                break;
            }
            if installed > max_s {
                why_here.get_or_insert((installed - max_s, "strings".into(), format!("{installed} strings exceed the site's {max_s}")));
                break;
            }
            let (cfg, _) = build_config(unit, Series { ..series }, s, installed, r.load.battery_kw);
            if opts.max_footprint_m2 > 0.0 && cfg.footprint_m2 > opts.max_footprint_m2 {
                why_here.get_or_insert((
                    1,
                    "footprint".into(),
                    format!(
                        "{u} units × {installed} strings take {:.1} m², more than the {:.1} m² available (by {:.1} m²)",
                        cfg.footprint_m2,
                        opts.max_footprint_m2,
                        cfg.footprint_m2 - opts.max_footprint_m2
                    ),
                ));
                continue;
            }
            let objective_value = match opts.objective {
                Objective::Cost => cfg.cost,
                Objective::Footprint => cfg.footprint_m2,
            };
            let cand = Candidate { config: cfg, runtime_eol_min: if runtime_eol.is_finite() { runtime_eol } else { 0.0 }, objective_value };
            if best_here.as_ref().is_none_or(|b| cand.objective_value < b.objective_value) {
                best_here = Some(cand);
            }
        }
        match best_here {
            Some(c) => found.push(c),
            None => {
                if let Some(w) = why_here
                    && closest.as_ref().is_none_or(|c| w.0 < c.0)
                {
                    closest = Some(w);
                }
            }
        }
    }
    (found, closest.map(|c| (c.1, c.2)))
}

/// Optimizer for a peak-shaving case: battery entries × PCS entries ×
/// battery unit counts, for the case's threshold. Each candidate must hold
/// the threshold (usable energy within the SOC window at end-of-life SOH),
/// respect the battery's continuous C-rate for the discharge and charge
/// power, and fit the PCS's DC window; PCS units cover the shaving power.
/// The objective includes the PCS units' cost and footprint.
pub fn optimize_peak(
    case: &backstop_model::sizing::PeakCase,
    profile: &crate::profile::LoadProfile,
    catalog: &[CatalogEntry],
    opts: &OptimizeOptions,
) -> OptimizeResult {
    use crate::peak::{WalkParams, walk};
    let mut out = OptimizeResult { objective: opts.objective, ..OptimizeResult::default() };
    let mut d = crate::peak::validate_case(case);
    let Some(t) = case.threshold_kw else {
        d.push(diag::error("threshold_kw", diag::INPUT, "the optimizer needs threshold_kw"));
        out.diagnostics = d;
        return out;
    };
    // The loads size_peak refuses are refused here too: the walk is not
    // defined on them (a NaN would read as "no peak to shave").
    if let Some(&i) = crate::peak::implausible_loads(&profile.kw).first() {
        d.push(diag::error(
            "profile",
            "profile",
            format!(
                "the load of interval {} ({}) is {} kW, not a number within the plausible bound for one site (±{} kW); check the values and the unit of the load column",
                i + 1,
                profile.timestamp(i),
                profile.kw[i],
                crate::profile::MAX_SITE_KW
            ),
        ));
    }
    if diag::has_error(&d) || profile.kw.is_empty() || opts.keep == 0 || opts.max_strings == 0 {
        if profile.kw.is_empty() {
            d.push(diag::error("profile", "profile", "the load profile is empty"));
        }
        if opts.keep == 0 || opts.max_strings == 0 {
            d.push(diag::error("options", diag::INPUT, "keep and max_strings must be at least 1"));
        }
        out.diagnostics = d;
        return out;
    }
    let eta_dis = case.pcs_efficiency * case.discharge_efficiency;
    let eta_chg = case.pcs_efficiency * case.charge_efficiency;
    let w = walk(&profile.kw, profile.dt_h(), &WalkParams { threshold_kw: t, eta_dis, eta_chg, max_charge_kw: case.max_charge_kw });
    if w.deficit_growth_kwh > 0.0 {
        let days = profile.kw.len() as f64 * profile.dt_h() / 24.0;
        out.diagnostics.push(diag::unmet(
            "threshold_kw",
            "recharge",
            format!(
                "the threshold {} kW cannot be held: the deficit grows by {:.0} kWh each time the {}-day profile repeats",
                crate::num::show(t),
                w.deficit_growth_kwh,
                if days >= 1.0 { format!("{days:.0}") } else { crate::sheet::fmt_num(days) }
            ),
            0.0,
            w.deficit_growth_kwh,
            "kWh per repeat",
        ));
        return out;
    }
    if w.power_kw <= 0.0 {
        out.diagnostics.push(diag::info("threshold_kw", "threshold", "the threshold is at or above the peak: no battery is needed"));
        return out;
    }
    let window = case.soc_max - case.soc_min;
    let need_kwh = w.usable_kwh / (window * case.eol_soh);
    let p_dc = w.power_kw / case.pcs_efficiency;
    let p_chg_dc = case.max_charge_kw.unwrap_or(w.power_kw) * case.pcs_efficiency;
    let pcs_list: Vec<&CatalogEntry> = catalog
        .iter()
        .filter(|e| e.converter.is_some() && e.kind == backstop_model::catalog::EntryKind::Pcs)
        .filter(|e| case.pcs_key.as_ref().is_none_or(|k| k == &e.key))
        .collect();
    let mut pool = Vec::new();
    for e in catalog.iter().filter(|e| e.battery.is_some()) {
        if !opts.battery_keys.is_empty() && !opts.battery_keys.iter().any(|k| k == &e.key) {
            continue;
        }
        let reject = |c: &str, r: String| Rejection { battery_key: e.key.clone(), constraint: c.into(), reason: r };
        if opts.require_ul9540 && !e.listing.ul9540 {
            out.rejected.push(reject("listing", "not listed to UL 9540 (the search requires it)".into()));
            continue;
        }
        if let Some(f) = validate_entry(e).into_iter().find(|f| !f.warning) {
            out.rejected.push(reject("catalog", format!("invalid entry: {}: {}", f.field, f.message)));
            continue;
        }
        let Some(unit) = Unit::of(e) else { continue };
        let kwh = unit.kwh();
        let c = unit.b.continuous_c.value;
        let need = need_kwh.max(p_dc.max(p_chg_dc) / c);
        let cs = f64::from(unit.cells_series());
        let (v_lo, v_hi) = (cs * unit.b.min_v_cell.value, cs * unit.b.max_v_cell.value);
        // Floor-standing units connect to the PCS one by one; cells, blocks and
        // modules are strung in series up to the PCS's DC window.
        let strung = matches!(
            e.kind,
            backstop_model::catalog::EntryKind::Cell
                | backstop_model::catalog::EntryKind::Block
                | backstop_model::catalog::EntryKind::Module
        );
        let targets: Vec<Option<&CatalogEntry>> =
            if pcs_list.is_empty() { vec![None] } else { pcs_list.iter().map(|p| Some(*p)).collect() };
        let mut last_reason: Option<(String, String)> = None;
        let mut any = false;
        for p in targets {
            let window_v = p.and_then(|p| p.converter.as_ref()).map(|c| (c.dc_v_min.value, c.dc_v_max.value));
            let series = match (strung, window_v) {
                (true, Some((lo, hi))) => {
                    let s_max = (hi / v_hi + 1e-9).floor();
                    let ok: Vec<u32> = if unit.b.series_options.is_empty() {
                        (s_max >= 1.0).then_some(s_max as u32).into_iter().collect()
                    } else {
                        let mut o: Vec<u32> = unit.b.series_options.iter().copied().filter(|&o| f64::from(o) <= s_max).collect();
                        o.sort_unstable();
                        o.into_iter().last().into_iter().collect()
                    };
                    match ok.first() {
                        Some(&s) if f64::from(s) * v_lo >= lo - 1e-9 => s,
                        _ => {
                            last_reason = Some((
                                "dc-window".into(),
                                format!(
                                    "no series count of {} keeps the string within {}'s DC window {lo}–{hi} V",
                                    e.key,
                                    p.map_or("", |p| p.key.as_str())
                                ),
                            ));
                            continue;
                        }
                    }
                }
                (false, Some((lo, hi))) => {
                    if v_lo < lo - 1e-9 || v_hi > hi + 1e-9 {
                        last_reason = Some((
                            "dc-window".into(),
                            format!(
                                "the unit's DC range {v_lo:.0}–{v_hi:.0} V is outside {}'s window {lo}–{hi} V",
                                p.map_or("", |p| p.key.as_str())
                            ),
                        ));
                        continue;
                    }
                    1
                }
                (_, None) => 1,
            };
            let string_kwh = f64::from(series) * kwh;
            let Some(n_min) = crate::num::ceil_u32(need / string_kwh) else { continue };
            let n_min = n_min.max(1);
            if n_min > opts.max_strings {
                last_reason = Some((
                    "strings".into(),
                    format!(
                        "needs {n_min} strings of {series} unit(s) ({need:.0} kWh at {string_kwh:.1} kWh per string), more than the {} allowed",
                        opts.max_strings
                    ),
                ));
                continue;
            }
            let (pcs_cost, pcs_area) = match p {
                Some(p) => {
                    let rated = p.converter.as_ref().map_or(0.0, |c| c.rated_kw.value);
                    // The PCS carries the discharge and the charging power.
                    let n = crate::num::ceil_u32(w.power_kw.max(case.max_charge_kw.unwrap_or(w.power_kw)) / rated).unwrap_or(0).max(1);
                    let (pw, pd, _) = p.dimensions_mm();
                    (f64::from(n) * p.cost.value, f64::from(n) * pw * pd / 1e6)
                }
                None => (0.0, 0.0),
            };
            let mut best: Option<Candidate> = None;
            for n in n_min..=opts.max_strings {
                out.candidates_evaluated += 1;
                let ser = Series {
                    units: series,
                    cells: series * unit.cells_series(),
                    end_v_cell: unit.b.min_v_cell.value,
                    float_v_cell: unit.float_v(),
                };
                let (mut cfg, _) = build_config(unit, ser, n_min, n, p_dc);
                cfg.footprint_m2 += pcs_area;
                cfg.cost += pcs_cost;
                cfg.power_kw = w.power_kw;
                cfg.c_rate = p_dc / cfg.energy_kwh.max(1e-9);
                if opts.max_footprint_m2 > 0.0 && cfg.footprint_m2 > opts.max_footprint_m2 {
                    last_reason = Some((
                        "footprint".into(),
                        format!("{n} strings take {:.1} m², more than the {:.1} m² available", cfg.footprint_m2, opts.max_footprint_m2),
                    ));
                    continue;
                }
                let objective_value = match opts.objective {
                    Objective::Cost => cfg.cost,
                    Objective::Footprint => cfg.footprint_m2,
                };
                let hours = cfg.energy_kwh * window * case.eol_soh / p_dc;
                let cand = Candidate { config: cfg, runtime_eol_min: hours * 60.0, objective_value };
                if best.as_ref().is_none_or(|b| cand.objective_value < b.objective_value) {
                    best = Some(cand);
                }
            }
            if let Some(b) = best {
                pool.push(b);
                any = true;
            }
        }
        if !any {
            let (c, r) = last_reason.unwrap_or(("infeasible".into(), "no configuration found".into()));
            out.rejected.push(reject(&c, r));
        }
    }
    pool.sort_by(|a, b| a.objective_value.total_cmp(&b.objective_value).then(a.config.battery_key.cmp(&b.config.battery_key)));
    pool.truncate(opts.keep);
    out.best = pool;
    if out.best.is_empty() {
        out.diagnostics.push(diag::error(
            "",
            "infeasible",
            format!("no catalog entry meets the case; {} rejected (see the reasons)", out.rejected.len()),
        ));
    }
    out
}
