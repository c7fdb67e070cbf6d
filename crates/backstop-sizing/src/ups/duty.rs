//! Method (b): the IEEE 485 (lead-acid) / IEEE 1115 (Ni-Cd) duty-cycle method.
//!
//! For each section S (periods 1..S):
//! F_S = Σ_{P=1..S} (A_P − A_{P−1}) · K_t · T_t, with t the time from the
//! start of period P to the end of section S and K_t = rated Ah ÷ the amps a
//! cell delivers for t minutes to the end voltage. Uncorrected size =
//! max_S F_S + F_R (random load); cell size = uncorrected × DM × AF.
//! With constant-power tables the same sum runs in W/cell and
//! K = 1 / (W/cell/Ah at t) (IEEE 485 constant-power sizing).

use backstop_model::catalog::TableQuantity;
use backstop_model::sizing::{Diagnostic, DutyCycleSpec, DutyPeriod, UpsMethod, UpsMethodResult};

use super::cp::choose_member;
use super::table::lookup;
use super::{Ctx, apply_limits, configuration, not_sized, outputs, sheet_outputs};
use crate::diag::{self, check_range};
use crate::num::{ceil_u32, fmt, interp_within};
use crate::sheet::SheetBuilder;

/// Validates the duty-cycle inputs.
pub fn validate(spec: &DutyCycleSpec) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    if spec.periods.len() > 1000 {
        d.push(diag::invalid("duty_cycle.periods", "at most 1000 periods"));
    }
    let mut check = |f: &str, p: &DutyPeriod| {
        check_range(&mut d, &format!("{f}.minutes"), p.minutes, 0.001, 10_000.0, "min");
        match (p.amps, p.kw) {
            (Some(a), None) => {
                check_range(&mut d, &format!("{f}.amps"), a, 0.0, 1e6, "A");
            }
            (None, Some(k)) => {
                check_range(&mut d, &format!("{f}.kw"), k, 0.0, 1e6, "kW");
            }
            _ => d.push(diag::invalid(f, format!("{f} needs exactly one of amps or kw"))),
        }
    };
    for (i, p) in spec.periods.iter().enumerate() {
        check(&format!("duty_cycle.periods[{i}]"), p);
    }
    if let Some(r) = &spec.random {
        check("duty_cycle.random", r);
    }
    for (i, k) in spec.kt_points.iter().enumerate() {
        check_range(&mut d, &format!("duty_cycle.kt_points[{i}].minutes"), k.minutes, 0.001, 100_000.0, "min");
        check_range(&mut d, &format!("duty_cycle.kt_points[{i}].kt"), k.kt, 1e-6, 10_000.0, "h");
        if let Some(t) = k.tt {
            check_range(&mut d, &format!("duty_cycle.kt_points[{i}].tt"), t, 0.5, 3.0, "");
        }
    }
    d
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Loads in A, K in Ah/A, result in rated Ah.
    Amps,
    /// Loads in W/cell, K = 1/(W/cell/Ah), result in rated Ah.
    WattsPerAh,
    /// Loads in W/cell, K = 1/(W/cell), result in strings.
    WattsPerCell,
    /// Loads in kW, K = 1/(kW/unit), result in units.
    KwPerUnit,
}

/// Runs method (b).
pub fn run(ctx: &Ctx<'_>) -> UpsMethodResult {
    let mut sb = SheetBuilder::new("Method (b): IEEE 485/1115 duty cycle");
    sb.section("Method (b): IEEE 485/1115 duty cycle");
    let mut diags: Vec<Diagnostic> = Vec::new();
    let spec = &ctx.case.duty_cycle;
    let n = ctx.series.cells as f64;
    let v_end = ctx.series.v_end;
    let v_nom = ctx.view.b.nominal_v.value;
    let periods: Vec<DutyPeriod> = if spec.periods.is_empty() {
        sb.note(format!("no duty cycle given: one period of {} kW for {} min", fmt(ctx.p_batt_kw), fmt(ctx.runtime_min())));
        vec![DutyPeriod { label: "UPS load".into(), minutes: ctx.runtime_min(), amps: None, kw: Some(ctx.p_batt_kw) }]
    } else {
        spec.periods.clone()
    };
    let tables = ctx.view.tables(ctx.catalog);
    let has = |q: TableQuantity| tables.iter().any(|t| t.quantity == Some(q));
    let mode = if !spec.kt_points.is_empty() || has(TableQuantity::AmpsPerCell) {
        Mode::Amps
    } else if has(TableQuantity::WattsPerCellPerAh) {
        Mode::WattsPerAh
    } else if has(TableQuantity::WattsPerCell) {
        Mode::WattsPerCell
    } else if has(TableQuantity::KwPerUnit) {
        Mode::KwPerUnit
    } else if ctx.view.chemistry.is_lead_acid() {
        diags.push(diag::error(
            "no-discharge-data",
            "battery",
            "the duty-cycle method needs the cell's discharge data (A/cell or W/cell/Ah to the end voltage) or K_t factors (duty_cycle.kt_points); none are in the catalog entry",
        ));
        return not_sized(UpsMethod::DutyCycle, diags, sb);
    } else {
        Mode::Amps
    };
    let fallback_kt = mode == Mode::Amps && spec.kt_points.is_empty() && !has(TableQuantity::AmpsPerCell);
    if fallback_kt {
        let d = diag::info(
            "kt-from-capacity",
            "battery",
            "no discharge table: K_t = t / 60 h (full rated Ah available at every rate within the C-rate limit; reasonable for Li-ion, checked by the C-rate limit)",
        );
        sb.note(d.message.clone());
        diags.push(d);
    }
    // Load of each period in the mode's unit.
    let to_load = |p: &DutyPeriod| -> f64 {
        match (mode, p.amps, p.kw) {
            (Mode::Amps, Some(a), _) => a,
            (Mode::Amps, None, Some(k)) => k * 1000.0 / (n * v_end),
            (Mode::WattsPerAh | Mode::WattsPerCell, Some(a), _) => a * v_nom,
            (Mode::WattsPerAh | Mode::WattsPerCell, None, Some(k)) => k * 1000.0 / n,
            (Mode::KwPerUnit, Some(a), _) => a * n * v_nom / 1000.0,
            (Mode::KwPerUnit, None, Some(k)) => k,
            _ => 0.0,
        }
    };
    let load_unit = match mode {
        Mode::Amps => "A",
        Mode::WattsPerAh | Mode::WattsPerCell => "W/cell",
        Mode::KwPerUnit => "kW",
    };
    if periods.iter().chain(spec.random.iter()).any(|p| p.kw.is_some()) && mode == Mode::Amps {
        sb.note(format!("power loads converted to current at the end voltage (conservative): I = P / (N × V_end) = P / ({} × {})", fmt(n), fmt(v_end)));
    }
    if periods.iter().chain(spec.random.iter()).any(|p| p.amps.is_some()) && mode != Mode::Amps {
        sb.note(format!("current loads converted to power at the nominal voltage: P = I × V_nom ({} V/cell)", fmt(v_nom)));
    }
    let loads: Vec<f64> = periods.iter().map(to_load).collect();
    for (i, (p, l)) in periods.iter().zip(&loads).enumerate() {
        sb.input(&format!("A{}", i + 1), &format!("Period {} load{}", i + 1, if p.label.is_empty() { String::new() } else { format!(" ({})", p.label) }), *l, load_unit);
        sb.input(&format!("M{}", i + 1), &format!("Period {} duration", i + 1), p.minutes, "min");
    }
    // K and T at time t.
    let tc = ctx.tc;
    let k_at = |t: f64| -> Result<(f64, f64, String), String> {
        if !spec.kt_points.is_empty() {
            let mut pts: Vec<_> = spec.kt_points.iter().collect();
            pts.sort_by(|a, b| a.minutes.partial_cmp(&b.minutes).unwrap_or(std::cmp::Ordering::Equal));
            if let Some(p) = pts.iter().find(|p| (p.minutes - t).abs() < 1e-6) {
                return Ok((p.kt, p.tt.unwrap_or(tc), "K_t given in the case".into()));
            }
            let xs: Vec<f64> = pts.iter().map(|p| p.minutes).collect();
            let ks: Vec<f64> = pts.iter().map(|p| p.kt).collect();
            let ts: Vec<f64> = pts.iter().map(|p| p.tt.unwrap_or(tc)).collect();
            let k = interp_within(&xs, &ks, t).ok_or_else(|| format!("no K_t for t = {} min (given {}–{} min)", fmt(t), fmt(xs[0]), fmt(xs[xs.len() - 1])))?;
            let tt = interp_within(&xs, &ts, t).unwrap_or(tc);
            return Ok((k, tt, "K_t interpolated between given points".into()));
        }
        match mode {
            Mode::Amps if fallback_kt => Ok((t / 60.0, tc, "K_t = t/60 h".into())),
            Mode::Amps => {
                let h = lookup(&tables, &[TableQuantity::AmpsPerCell], t, v_end)?;
                Ok((ctx.view.ah() / h.value, tc, h.source))
            }
            Mode::WattsPerAh => {
                let h = lookup(&tables, &[TableQuantity::WattsPerCellPerAh], t, v_end)?;
                Ok((1.0 / h.value, tc, h.source))
            }
            Mode::WattsPerCell => {
                let h = lookup(&tables, &[TableQuantity::WattsPerCell], t, v_end)?;
                Ok((1.0 / h.value, tc, h.source))
            }
            Mode::KwPerUnit => {
                let h = lookup(&tables, &[TableQuantity::KwPerUnit], t, v_end)?;
                Ok((1.0 / h.value, tc, h.source))
            }
        }
    };
    let mut max_f = f64::NEG_INFINITY;
    let mut max_s = 0usize;
    let mut section_sizes = Vec::new();
    for s in 0..periods.len() {
        sb.section(format!("Section {} (periods 1–{})", s + 1, s + 1));
        let mut f = 0.0;
        for p in 0..=s {
            let prev = if p == 0 { 0.0 } else { loads[p - 1] };
            let delta = loads[p] - prev;
            let t: f64 = periods[p..=s].iter().map(|x| x.minutes).sum();
            match k_at(t) {
                Ok((k, tt, src)) => {
                    let term = delta * k * tt;
                    f += term;
                    let mut line = format!("({} − {}) × {} × {}", fmt(loads[p]), fmt(prev), fmt(k), fmt(tt));
                    if !src.is_empty() && p == 0 {
                        line.push_str(&format!("  [K from: {src}]"));
                    }
                    sb.step(&format!("F{}.{}", s + 1, p + 1), &format!("Period {} to end of section, t = {} min", p + 1, fmt(t)), "(A_P − A_P−1) × K_t × T_t", line, term, "");
                }
                Err(why) => {
                    diags.push(diag::error("no-discharge-data", "duty_cycle", format!("section {}, period {}: {why}", s + 1, p + 1)));
                    return not_sized(UpsMethod::DutyCycle, diags, sb);
                }
            }
        }
        sb.result(&format!("F{}", s + 1), &format!("Section {} size", s + 1), "Σ terms", String::new(), f, "");
        section_sizes.push(f);
        if f > max_f {
            max_f = f;
            max_s = s + 1;
        }
    }
    sb.section("Duty-cycle result");
    sb.result("F_max", &format!("Maximum section size (section {max_s})"), "max_S F_S", String::new(), max_f, "");
    let mut f_r = 0.0;
    if let Some(r) = &spec.random {
        let l = to_load(r);
        match k_at(r.minutes) {
            Ok((k, tt, _)) => {
                f_r = l * k * tt;
                sb.step("F_R", "Random load section", "A_R × K_t × T_t", format!("{} × {} × {}", fmt(l), fmt(k), fmt(tt)), f_r, "");
            }
            Err(why) => {
                diags.push(diag::error("no-discharge-data", "duty_cycle.random", format!("random load: {why}")));
                return not_sized(UpsMethod::DutyCycle, diags, sb);
            }
        }
    }
    let us = max_f + f_r;
    sb.result("US", "Uncorrected size", "F_max + F_R", format!("{} + {}", fmt(max_f), fmt(f_r)), us, "");
    let (dm, af) = (ctx.case.design_margin, ctx.case.aging_factor);
    let size = us * dm * af;
    let unit = match mode {
        Mode::Amps | Mode::WattsPerAh => "Ah",
        Mode::WattsPerCell => "strings",
        Mode::KwPerUnit => "units",
    };
    sb.result("CS", "Corrected size", "US × DM × AF", format!("{} × {} × {}", fmt(us), fmt(dm), fmt(af)), size, unit);
    if !(size > 0.0) || !size.is_finite() {
        diags.push(diag::error("no-load", "duty_cycle", "the duty cycle draws no energy: check the period loads"));
        return not_sized(UpsMethod::DutyCycle, diags, sb);
    }
    let (member, strings_cap) = match mode {
        Mode::Amps | Mode::WattsPerAh => {
            let (m, s) = choose_member(ctx, size);
            sb.text_result("Cell chosen", format!("{} ({} Ah) × {} string(s): the next larger standard cell", m.entry.key, fmt(m.ah()), s));
            (m, s)
        }
        Mode::WattsPerCell | Mode::KwPerUnit => (ctx.view.clone(), ceil_u32(size, 1)),
    };
    let (strings, governed) = apply_limits(ctx, &member, strings_cap, "duty-cycle capacity", &mut sb);
    let cfg = configuration(ctx, &member, strings, governed);
    let out = outputs(ctx, &member, &cfg);
    sheet_outputs(&mut sb, ctx, &cfg, &out);
    UpsMethodResult {
        method: UpsMethod::DutyCycle,
        feasible: true,
        configuration: Some(cfg),
        outputs: Some(out),
        required: Some(size),
        required_unit: unit.into(),
        runtime_bol_min: None,
        runtime_eol_min: None,
        voltage_margin_v: None,
        diagnostics: diags,
        sheet: sb.finish(),
    }
}
