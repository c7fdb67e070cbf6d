//! Method (a): the constant-power table method.
//!
//! P_cell = P_batt / N; the cell (or unit) must deliver
//! P_cell × TC × DM × AF for the runtime to the end voltage. With a W/cell/Ah
//! table that gives the rated Ah (and the family member); with W/cell or
//! kW/unit tables it gives the strings directly. Without a table the
//! ampere-hour estimate Ah = P_batt / (V_end × N) × t × TC × AF × DM is used
//! (no rate effect: flagged for lead-acid).

use backstop_model::catalog::TableQuantity;
use backstop_model::sizing::{Series, UpsMethod, UpsMethodResult};

use super::table::{lookup, runtime_for};
use super::{Ctx, apply_limits, configuration, outputs, series, sheet_outputs};
use crate::catalog::{BatteryView, validate_entry};
use crate::diag;
use crate::num::{ceil_u32, fmt};
use crate::sheet::SheetBuilder;

/// Picks the family member and string count for `ah_required` rated Ah per
/// string position: fewest strings first, then the smallest cell (IEEE 485:
/// "the next larger standard cell").
pub fn choose_member<'a>(ctx: &Ctx<'a>, ah_required: f64) -> (BatteryView<'a>, u32) {
    let own = ctx.view.clone();
    let mut members: Vec<BatteryView<'a>> = vec![own.clone()];
    if !own.entry.family.is_empty() {
        for e in ctx.catalog.iter().filter(|e| e.family == own.entry.family && e.key != own.entry.key && e.kind == own.entry.kind) {
            if let Some(v) = BatteryView::of(e) {
                if v.chemistry == own.chemistry && v.cells_per_unit() == own.cells_per_unit() && validate_entry(e).is_empty() {
                    members.push(v);
                }
            }
        }
    }
    let strings_for = |m: &BatteryView<'_>| ceil_u32(ah_required / (m.ah() * m.b.strings.max(1) as f64), 1);
    members.sort_by(|a, b| {
        (strings_for(a), a.ah()).partial_cmp(&(strings_for(b), b.ah())).unwrap_or(std::cmp::Ordering::Equal)
    });
    let best = members.into_iter().next().unwrap_or(own);
    let s = strings_for(&best);
    (best, s)
}

/// Runs method (a).
pub fn run(ctx: &Ctx<'_>) -> UpsMethodResult {
    let mut sb = SheetBuilder::new("Method (a): constant-power table");
    sb.section("Method (a): constant-power table");
    let mut diags = Vec::new();
    let n = ctx.series.cells as f64;
    let v_end = ctx.series.v_end;
    let t = ctx.runtime_min();
    let p_w = ctx.p_batt_kw * 1000.0;
    let (tc, dm, af) = (ctx.tc, ctx.case.design_margin, ctx.case.aging_factor);
    let w_cell = p_w / n;
    sb.step("P_cell", "Power per cell", "P_batt / N", format!("{} / {}", fmt(p_w), fmt(n)), w_cell, "W/cell");
    let w_req = w_cell * tc * dm * af;
    sb.step("P_cell,req", "Required power per cell position", "P_cell × TC × DM × AF", format!("{} × {} × {} × {}", fmt(w_cell), fmt(tc), fmt(dm), fmt(af)), w_req, "W/cell");
    let ah_est = p_w / (v_end * n) * (t / 60.0) * tc * af * dm;
    sb.step(
        "Ah_est",
        "Ampere-hour estimate (no rate effect)",
        "P_batt / (V_end × N) × t × TC × AF × DM",
        format!("{} / ({} × {}) × {} h × {} × {} × {}", fmt(p_w), fmt(v_end), fmt(n), fmt(t / 60.0), fmt(tc), fmt(af), fmt(dm)),
        ah_est,
        "Ah",
    );
    let tables = ctx.view.tables(ctx.catalog);
    let wanted = [TableQuantity::WattsPerCellPerAh, TableQuantity::WattsPerCell, TableQuantity::KwPerUnit, TableQuantity::AmpsPerCell];
    let hit = lookup(&tables, &wanted, t, v_end);
    let (member, strings_cap, required, required_unit, basis, quantity) = match hit {
        Ok(h) => {
            sb.data("k_t", &format!("Table value for {} min to {} V/cell", fmt(t), fmt(v_end)), h.value, unit_of(h.quantity), &h.source);
            if (h.temperature_c - 25.0).abs() > 0.5 {
                sb.note(format!("table measured at {} °C; the temperature factor TC is applied relative to 25 °C", fmt(h.temperature_c)));
            }
            match h.quantity {
                TableQuantity::WattsPerCellPerAh => {
                    let ah = w_req / h.value;
                    sb.step("Ah_req", "Required rated capacity per string position", "P_cell,req / k_t", format!("{} / {}", fmt(w_req), fmt(h.value)), ah, "Ah");
                    let (m, s) = choose_member(ctx, ah);
                    sb.text_result("Cell chosen", format!("{} ({} Ah) × {} string(s): smallest family member with the fewest strings", m.entry.key, fmt(m.ah()), s));
                    (m, s, ah, "Ah", "capacity (W/cell/Ah table)", Some(h.quantity))
                }
                TableQuantity::WattsPerCell => {
                    let s = w_req / h.value;
                    sb.step("s_P", "Strings for the power", "P_cell,req / k_t", format!("{} / {}", fmt(w_req), fmt(h.value)), s, "strings");
                    (ctx.view.clone(), ceil_u32(s, 1), w_req, "W/cell", "capacity (W/cell table)", Some(h.quantity))
                }
                TableQuantity::KwPerUnit => {
                    let p_req = ctx.p_batt_kw * tc * dm * af;
                    sb.step("P_req", "Required battery power", "P_batt × TC × DM × AF", format!("{} × {} × {} × {}", fmt(ctx.p_batt_kw), fmt(tc), fmt(dm), fmt(af)), p_req, "kW");
                    let s = p_req / h.value;
                    sb.step("s_P", "Units for the power", "P_req / k_t", format!("{} / {}", fmt(p_req), fmt(h.value)), s, "units");
                    (ctx.view.clone(), ceil_u32(s, 1), p_req, "kW", "capacity (kW/unit table)", Some(h.quantity))
                }
                TableQuantity::AmpsPerCell => {
                    let i_req = w_req / v_end;
                    sb.step("I_req", "Required current (at the end voltage, conservative)", "P_cell,req / V_end", format!("{} / {}", fmt(w_req), fmt(v_end)), i_req, "A");
                    let s = i_req / h.value;
                    sb.step("s_I", "Strings for the current", "I_req / k_t", format!("{} / {}", fmt(i_req), fmt(h.value)), s, "strings");
                    (ctx.view.clone(), ceil_u32(s, 1), i_req, "A", "capacity (A/cell table)", Some(h.quantity))
                }
            }
        }
        Err(why) => {
            let d = if ctx.view.chemistry.is_lead_acid() {
                diag::warning(
                    "no-table",
                    "battery",
                    format!("no constant-power data for {} min to {} V/cell ({why}); used the ampere-hour estimate, which ignores the rate effect and undersizes lead-acid at short runtimes — add the manufacturer's table", fmt(t), fmt(v_end)),
                )
            } else {
                diag::info(
                    "no-table",
                    "battery",
                    format!("no constant-power data for {} min to {} V/cell ({why}); used the ampere-hour estimate (Li-ion delivers close to rated Ah within its C-rate limit) — add the vendor's kW/unit table to confirm", fmt(t), fmt(v_end)),
                )
            };
            sb.note(d.message.clone());
            diags.push(d);
            let (m, s) = choose_member(ctx, ah_est);
            sb.text_result("Cell chosen", format!("{} ({} Ah) × {} string(s)", m.entry.key, fmt(m.ah()), s));
            (m, s, ah_est, "Ah", "capacity (ampere-hour estimate)", None)
        }
    };
    let (strings, governed) = apply_limits(ctx, &member, strings_cap, basis, &mut sb);
    let cfg = configuration(ctx, &member, strings, governed);
    let out = outputs(ctx, &member, &cfg);
    sheet_outputs(&mut sb, ctx, &cfg, &out);
    // Runtime predicted by the table for the strings needed.
    let (bol, eol) = match quantity {
        Some(q) => {
            let demand = demand_per_unit(ctx, &member, q, cfg.strings_needed, 1.0);
            let bol = runtime_for(&tables, q, v_end, demand * tc).ok();
            let eol = runtime_for(&tables, q, v_end, demand * tc * af).ok();
            (bol, eol)
        }
        None => {
            let ah_inst = member.ah() * member.b.strings.max(1) as f64 * cfg.strings_needed as f64;
            let i = p_w / (v_end * n);
            (Some(ah_inst / (i * tc) * 60.0), Some(ah_inst / (i * tc * af) * 60.0))
        }
    };
    if let Some(b) = bol {
        sb.result("t_BOL", "Runtime at design load, beginning of life (table)", "t where table(t) = demand × TC", String::new(), b, "min");
    }
    if let Some(e) = eol {
        sb.result("t_EOL", "Runtime at design load, end of life (table)", "t where table(t) = demand × TC × AF", String::new(), e, "min");
    }
    UpsMethodResult {
        method: UpsMethod::ConstantPower,
        feasible: true,
        configuration: Some(cfg),
        outputs: Some(out),
        required: Some(required),
        required_unit: required_unit.into(),
        runtime_bol_min: bol,
        runtime_eol_min: eol,
        voltage_margin_v: None,
        diagnostics: diags,
        sheet: sb.finish(),
    }
}

fn unit_of(q: TableQuantity) -> &'static str {
    match q {
        TableQuantity::WattsPerCellPerAh => "W/cell/Ah",
        TableQuantity::WattsPerCell => "W/cell",
        TableQuantity::AmpsPerCell => "A/cell",
        TableQuantity::KwPerUnit => "kW/unit",
    }
}

/// What one cell/unit must deliver with `strings` strings at `load_frac` of design load, in the table's quantity.
fn demand_per_unit(ctx: &Ctx<'_>, member: &BatteryView<'_>, q: TableQuantity, strings: u32, load_frac: f64) -> f64 {
    let s = strings.max(1) as f64 * member.b.strings.max(1) as f64;
    let w_cell = ctx.p_batt_kw * 1000.0 * load_frac / ctx.series.cells as f64 / s;
    match q {
        TableQuantity::WattsPerCellPerAh => w_cell / member.ah(),
        TableQuantity::WattsPerCell => w_cell,
        TableQuantity::AmpsPerCell => w_cell / ctx.series.v_end,
        TableQuantity::KwPerUnit => ctx.p_batt_kw * load_frac / strings.max(1) as f64,
    }
}

/// Runtime-vs-load from the discharge table (for entries without
/// equivalent-circuit data), at BOL and EOL.
pub fn runtime_curves(ctx: &Ctx<'_>, member: &BatteryView<'_>, cfg: &backstop_model::sizing::Configuration, loads_pct: &[f64]) -> Vec<Series> {
    let tables = member.tables(ctx.catalog);
    let Some(q) = tables.iter().filter_map(|t| t.quantity).next() else { return Vec::new() };
    let mut bol = Vec::new();
    let mut eol = Vec::new();
    for &pct in loads_pct {
        let d = demand_per_unit(ctx, member, q, cfg.strings_needed, pct / 100.0);
        if let Ok(t) = runtime_for(&tables, q, ctx.series.v_end, d * ctx.tc) {
            bol.push([pct, t]);
        }
        if let Ok(t) = runtime_for(&tables, q, ctx.series.v_end, d * ctx.tc * ctx.case.aging_factor) {
            eol.push([pct, t]);
        }
    }
    vec![
        series("Runtime, beginning of life (table)", "load, % of design", "runtime, min", bol),
        series("Runtime, end of life (table)", "load, % of design", "runtime, min", eol),
    ]
}
