//! UPS / ride-through sizing: three methods side by side.
//!
//! [`size_ups`] validates the case, resolves the battery entry, works out
//! the battery power and the cells in series the DC window allows, then runs
//! the constant-power table method ([`cp`]), the IEEE 485/1115 duty-cycle
//! method ([`duty`]) and the equivalent-circuit simulation ([`ecm_method`]).
//! Each returns its configuration, outputs, diagnostics and calculation
//! sheet; the case sheet puts them together and the most conservative
//! feasible method is recommended.

pub mod cp;
pub mod duty;
pub mod ecm;
pub mod ecm_method;
pub mod table;

use backstop_model::catalog::{CatalogEntry, EquipmentKind};
use backstop_model::sizing::{
    Configuration, Diagnostic, Outputs, Redundancy, Series, UpsCase, UpsLoad, UpsMethod, UpsMethodResult, UpsResult,
};

use crate::catalog::{BatteryView, ieee485_temperature_factor, merged, validate_entry};
use crate::diag::{self, check_positive, check_range, has_error};
use crate::num::{ceil_u32, finite_or, fmt};
use crate::sheet::{SheetBuilder, render_text};

/// Cells in series and the end voltage the DC window gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesChoice {
    /// Catalog units in series per string (1 for cabinets/containers).
    pub units: u32,
    /// Cells in series per string.
    pub cells: u32,
    /// End-of-discharge voltage per cell, V.
    pub v_end: f64,
}

/// Everything the methods share.
pub struct Ctx<'a> {
    /// The case.
    pub case: &'a UpsCase,
    /// The merged catalog (built-ins + case entries).
    pub catalog: &'a [CatalogEntry],
    /// The battery entry.
    pub view: BatteryView<'a>,
    /// Load at the UPS output incl. growth, kW.
    pub p_out_kw: f64,
    /// Power drawn from the battery, kW.
    pub p_batt_kw: f64,
    /// Series choice.
    pub series: SeriesChoice,
    /// Temperature correction factor (≥ 1).
    pub tc: f64,
    /// Where the temperature factor comes from.
    pub tc_source: String,
}

impl Ctx<'_> {
    /// Required runtime, minutes.
    pub fn runtime_min(&self) -> f64 {
        self.case.runtime_min
    }
}

/// Sizes a UPS case against `catalog` (usually [`crate::catalog::default_catalog`]);
/// the case's own `catalog` entries are added to it and override by key.
pub fn size_ups(case: &UpsCase, catalog: &[CatalogEntry]) -> UpsResult {
    let mut all = catalog.to_vec();
    for u in merged(&case.catalog).into_iter().filter(|e| case.catalog.iter().any(|c| c.key == e.key)) {
        match all.iter_mut().find(|e| e.key == u.key) {
            Some(slot) => *slot = u,
            None => all.push(u),
        }
    }
    size_ups_in(case, &all)
}

fn empty_result(case: &UpsCase, diagnostics: Vec<Diagnostic>, sb: SheetBuilder) -> UpsResult {
    let mut sb = sb;
    sb.findings(&diagnostics);
    UpsResult {
        case_name: case.name.clone(),
        load_kw: 0.0,
        battery_kw: 0.0,
        methods: Vec::new(),
        recommended: None,
        runtime_curves: Vec::new(),
        discharge_traces: Vec::new(),
        diagnostics,
        sheet: sb.finish(),
    }
}

/// Validates the case fields (not the catalog entry).
pub fn validate_case(case: &UpsCase) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    match &case.load {
        UpsLoad::PerRack { kw_per_rack, racks } => {
            check_range(&mut d, "load.kw_per_rack", *kw_per_rack, 0.001, 2000.0, "kW");
            if *racks == 0 || *racks > 100_000 {
                d.push(diag::invalid("load.racks", format!("racks must be 1…100,000 (got {racks})")));
            }
        }
        UpsLoad::Total { kw } | UpsLoad::BatteryKw { kw } => {
            check_range(&mut d, "load.kw", *kw, 0.001, 1e6, "kW");
        }
        UpsLoad::Kva { kva, power_factor } => {
            check_range(&mut d, "load.kva", *kva, 0.001, 1e6, "kVA");
            check_range(&mut d, "load.power_factor", *power_factor, 0.1, 1.0, "");
        }
    }
    check_range(&mut d, "growth_margin", case.growth_margin, 0.0, 5.0, "");
    check_range(&mut d, "ups_efficiency", case.ups_efficiency, 0.5, 1.0, "");
    check_range(&mut d, "runtime_min", case.runtime_min, 0.05, 24.0 * 60.0, "min");
    if check_positive(&mut d, "dc_bus.max_v", case.dc_bus.max_v, "V") && check_positive(&mut d, "dc_bus.min_v", case.dc_bus.min_v, "V") && case.dc_bus.min_v >= case.dc_bus.max_v {
        d.push(diag::invalid("dc_bus.min_v", format!("dc_bus.min_v {} V must be below dc_bus.max_v {} V", case.dc_bus.min_v, case.dc_bus.max_v)));
    }
    check_range(&mut d, "dc_bus.max_v", case.dc_bus.max_v, 1.0, 5000.0, "V");
    check_range(&mut d, "ambient_c", case.ambient_c, -40.0, 60.0, "°C");
    check_range(&mut d, "design_margin", case.design_margin, 1.0, 3.0, "");
    check_range(&mut d, "aging_factor", case.aging_factor, 1.0, 3.0, "");
    check_range(&mut d, "eol_resistance_factor", case.eol_resistance_factor, 1.0, 5.0, "");
    if let Some(tf) = case.temperature_factor {
        check_range(&mut d, "temperature_factor", tf, 1.0, 3.0, "");
    }
    check_range(&mut d, "ecm_step_s", case.ecm_step_s, 0.01, 60.0, "s");
    for (i, p) in case.curve_loads_pct.iter().enumerate() {
        check_range(&mut d, &format!("curve_loads_pct[{i}]"), *p, 1.0, 1000.0, "%");
    }
    if case.curve_loads_pct.len() > 100 {
        d.push(diag::invalid("curve_loads_pct", "at most 100 curve points"));
    }
    if let Some(s) = case.series_override {
        if s == 0 || s > 2000 {
            d.push(diag::invalid("series_override", format!("series_override must be 1…2000 (got {s})")));
        }
    }
    if case.battery.trim().is_empty() {
        d.push(diag::invalid("battery", "battery must name a catalog entry (e.g. \"eve-lf280k\")"));
    }
    d.extend(duty::validate(&case.duty_cycle));
    d
}

/// Chooses the cells in series for the DC window, or explains why none fits.
pub fn choose_series(view: &BatteryView<'_>, case: &UpsCase, sb: &mut SheetBuilder) -> Result<SeriesChoice, Diagnostic> {
    let (vmax, vmin) = (case.dc_bus.max_v, case.dc_bus.min_v);
    let b = view.b;
    let c = view.cells_per_unit();
    let vf = view.float_v();
    let vcell_min = b.min_v.value;
    sb.section("Cells in series (DC window)");
    sb.input("V_max", "DC bus maximum", vmax, "V").input("V_min", "DC bus minimum (UPS cut-off)", vmin, "V");
    sb.data("V_f", "Float/charge voltage per cell", vf, "V/cell", b.float_v.as_ref().map(|f| f.source.as_str()).unwrap_or(&b.max_v.source));
    sb.data("V_cell,min", "Lowest permissible end voltage per cell", vcell_min, "V/cell", &b.min_v.source);
    if view.series_building() {
        sb.data("c", "Cells per catalog unit", c as f64, "cells", "catalog");
        let by_float = (vmax / (c as f64 * vf)).floor();
        let by_end = (vmin / (c as f64 * vcell_min)).floor();
        sb.step("n_float", "Most units the float voltage allows", "floor(V_max / (c × V_f))", format!("floor({} / ({} × {}))", fmt(vmax), c, fmt(vf)), by_float, "units");
        sb.step("n_end", "Most units keeping the end voltage ≥ V_cell,min", "floor(V_min / (c × V_cell,min))", format!("floor({} / ({} × {}))", fmt(vmin), c, fmt(vcell_min)), by_end, "units");
        let units = match case.series_override {
            Some(s) => {
                sb.note(format!("series count fixed by the case: {s} units"));
                if s as f64 > by_float {
                    return Err(diag::constraint(
                        "dc-window",
                        format!("{s} units × {c} cells float at {} V, above the DC maximum {} V; at most {} units fit", fmt(s as f64 * c as f64 * vf), fmt(vmax), by_float),
                        vmax,
                        s as f64 * c as f64 * vf,
                        "V",
                    ));
                }
                if (s as f64) > by_end {
                    return Err(diag::constraint(
                        "dc-window",
                        format!("with {s} units the UPS discharges cells to {} V/cell, below their minimum {} V/cell", fmt(vmin / (s as f64 * c as f64)), fmt(vcell_min)),
                        vcell_min,
                        vmin / (s as f64 * c as f64),
                        "V/cell",
                    ));
                }
                s
            }
            None => by_float.min(by_end).max(0.0) as u32,
        };
        if units == 0 {
            return Err(diag::constraint(
                "dc-window",
                format!("the DC window {}–{} V cannot hold even one {} ({} cells): its float voltage is {} V", fmt(vmin), fmt(vmax), view.entry.name, c, fmt(c as f64 * vf)),
                vmax,
                c as f64 * vf,
                "V",
            ));
        }
        let cells = units * c;
        let v_end = vmin / cells as f64;
        sb.result("N", "Cells in series", "n × c, n = min(n_float, n_end)", format!("{units} × {c}"), cells as f64, "cells");
        sb.result("V_end", "End voltage per cell", "V_min / N", format!("{} / {}", fmt(vmin), cells), v_end, "V/cell");
        if v_end >= b.nominal_v.value {
            return Err(diag::constraint(
                "dc-window",
                format!(
                    "with {cells} cells the UPS cut-off {} V is {} V/cell, at or above the cell nominal {} V: most of the capacity would be unusable. Widen the DC window (lower dc_bus.min_v or raise dc_bus.max_v)",
                    fmt(vmin), fmt(v_end), fmt(b.nominal_v.value)
                ),
                b.nominal_v.value,
                v_end,
                "V/cell",
            ));
        }
        sb.check("Float voltage within DC maximum", true, format!("{} V ≤ {} V", fmt(cells as f64 * vf), fmt(vmax)));
        Ok(SeriesChoice { units, cells, v_end })
    } else {
        let n = c;
        sb.data("N", "Cells in series (fixed by the unit)", n as f64, "cells", "catalog");
        let v_float = n as f64 * vf;
        let ok = v_float <= vmax + 1e-9;
        sb.check("String float voltage within DC maximum", ok, format!("{} × {} = {} V vs {} V", n, fmt(vf), fmt(v_float), fmt(vmax)));
        if !ok {
            return Err(diag::constraint(
                "dc-window",
                format!("{} floats at {} V, above the DC maximum {} V: choose a unit with fewer cells in series or a UPS with a higher DC window", view.entry.name, fmt(v_float), fmt(vmax)),
                vmax,
                v_float,
                "V",
            ));
        }
        let by_ups = vmin / n as f64;
        let v_end = by_ups.max(vcell_min);
        sb.step("V_end", "End voltage per cell", "max(V_min / N, V_cell,min)", format!("max({} / {}, {})", fmt(vmin), n, fmt(vcell_min)), v_end, "V/cell");
        if by_ups < vcell_min {
            sb.note("the battery's own cut-off (BMS) ends the discharge before the UPS low-voltage cut-off");
        }
        if v_end >= b.nominal_v.value {
            return Err(diag::constraint(
                "dc-window",
                format!("the UPS cut-off {} V is {} V/cell for this {n}-cell unit, at or above the cell nominal {} V: most of the capacity would be unusable", fmt(vmin), fmt(by_ups), fmt(b.nominal_v.value)),
                b.nominal_v.value,
                v_end,
                "V/cell",
            ));
        }
        Ok(SeriesChoice { units: 1, cells: n, v_end })
    }
}

/// Strings installed for the needed count under the redundancy rule.
pub fn with_redundancy(needed: u32, r: Redundancy) -> u32 {
    match r {
        Redundancy::N => needed,
        Redundancy::NPlus1 => needed.saturating_add(1),
        Redundancy::TwoN => needed.saturating_mul(2),
    }
}

/// Applies the current, C-rate and unit power limits to a string count
/// found from capacity; writes the checks to the sheet; returns the string
/// count and the governing constraint.
pub fn apply_limits(ctx: &Ctx<'_>, member: &BatteryView<'_>, strings_cap: u32, basis: &str, sb: &mut SheetBuilder) -> (u32, String) {
    let n = ctx.series.cells as f64;
    let p_w = ctx.p_batt_kw * 1000.0;
    let i_total = p_w / (n * ctx.series.v_end);
    let par = member.b.strings.max(1) as f64;
    let mut strings = strings_cap.max(1);
    let mut governed = basis.to_string();
    sb.step("I_end", "Battery current at end of discharge", "P_batt / (N × V_end)", format!("{} / ({} × {})", fmt(p_w), fmt(n), fmt(ctx.series.v_end)), i_total, "A");
    if let Some(imax) = &member.b.max_current_a {
        let need = ceil_u32(i_total / (imax.value * par), 1);
        sb.data("I_max", "Continuous current limit per string", imax.value, "A", &imax.source);
        sb.step("s_I", "Strings the current limit needs", "ceil(I_end / (I_max × p))", format!("ceil({} / ({} × {}))", fmt(i_total), fmt(imax.value), par), need as f64, "strings");
        if need > strings {
            strings = need;
            governed = "string current limit (BMS/contactor/fuse)".into();
        }
    }
    if let Some(c) = &member.b.max_continuous_c {
        let need = ceil_u32(i_total / (c.value * member.ah() * par), 1);
        sb.data("C_max", "Continuous C-rate limit", c.value, "C", &c.source);
        sb.step("s_C", "Strings the C-rate limit needs", "ceil(I_end / (C_max × Ah × p))", format!("ceil({} / ({} × {} × {}))", fmt(i_total), fmt(c.value), fmt(member.ah()), par), need as f64, "strings");
        if need > strings {
            strings = need;
            governed = "C-rate limit".into();
        }
    }
    if !member.series_building() {
        if let Some(pm) = &member.b.max_power_kw {
            let need = ceil_u32(ctx.p_batt_kw / pm.value, 1);
            sb.data("P_unit,max", "Rated power per unit", pm.value, "kW", &pm.source);
            if need > strings {
                strings = need;
                governed = "unit power rating".into();
            }
        }
    }
    (strings, governed)
}

/// Headline outputs of a configuration.
pub fn outputs(ctx: &Ctx<'_>, member: &BatteryView<'_>, cfg: &Configuration) -> Outputs {
    let units = cfg.units as f64;
    let e = &member.entry;
    let energy = units * member.unit_kwh();
    let p = ctx.p_batt_kw;
    let n = ctx.series.cells as f64;
    let strings_needed = cfg.strings_needed.max(1) as f64;
    let i_string = p * 1000.0 / (strings_needed * n * ctx.series.v_end);
    let footprint = e.dimensions.as_ref().map(|d| d.width_mm * d.depth_mm / 1e6 * units).unwrap_or(0.0);
    let weight = e.weight_kg.as_ref().map(|w| w.value * units).unwrap_or(0.0);
    let cost = e.cost_usd.as_ref().map(|c| c.value * units);
    let standby = e.standby_heat_w.as_ref().map(|h| h.value * units).unwrap_or(0.0);
    let heat = if let Some(r) = &member.b.resistance {
        let i_cell = i_string / member.b.strings.max(1) as f64;
        let cells = n * strings_needed * member.b.strings.max(1) as f64;
        i_cell * i_cell * (ecm::r0_at(r, ctx.case.ambient_c) + r.r1_mohm / 1000.0) * cells / 1000.0
    } else if let Some(rte) = &member.b.round_trip_efficiency {
        p * (1.0 / rte.value.sqrt() - 1.0)
    } else {
        p * (1.0 - ctx.series.v_end / member.b.nominal_v.value).max(0.0) / 2.0
    };
    Outputs {
        energy_kwh: finite_or(energy, 0.0),
        power_kw: p,
        c_rate: if energy > 0.0 { p / energy } else { 0.0 },
        string_current_a: finite_or(i_string, 0.0),
        footprint_m2: finite_or(footprint, 0.0),
        weight_kg: finite_or(weight, 0.0),
        discharge_heat_kw: finite_or(heat, 0.0),
        standby_heat_w: finite_or(standby, 0.0),
        cost_usd: cost.filter(|c| c.is_finite()),
    }
}

/// Builds the configuration for `strings_needed` strings of `member`.
pub fn configuration(ctx: &Ctx<'_>, member: &BatteryView<'_>, strings_needed: u32, governed_by: String) -> Configuration {
    let strings = with_redundancy(strings_needed, ctx.case.redundancy);
    let units_series = if member.series_building() { ctx.series.units } else { 1 };
    Configuration {
        battery: member.entry.key.clone(),
        cells_series: ctx.series.cells,
        units_series,
        strings_needed,
        strings,
        units: units_series.saturating_mul(strings),
        governed_by,
    }
}

/// Writes the configuration and outputs to the sheet.
pub fn sheet_outputs(sb: &mut SheetBuilder, ctx: &Ctx<'_>, cfg: &Configuration, o: &Outputs) {
    sb.section("Configuration and outputs");
    sb.text_result("Battery unit", cfg.battery.clone());
    sb.text_result(
        "Configuration",
        format!(
            "{} strings needed ({}), {} installed with {:?} redundancy; {} units of {} in series per string ({} cells)",
            cfg.strings_needed, cfg.governed_by, cfg.strings, ctx.case.redundancy, cfg.units_series, cfg.battery, cfg.cells_series
        ),
    );
    sb.result("n_units", "Catalog units installed", "units in series × strings installed", format!("{} × {}", cfg.units_series, cfg.strings), cfg.units as f64, "units");
    sb.result("E", "Nameplate energy", "units × E_unit", String::new(), o.energy_kwh, "kWh");
    sb.result("C", "Discharge rate at design load", "P_batt / E", format!("{} / {}", fmt(o.power_kw), fmt(o.energy_kwh)), o.c_rate, "1/h");
    sb.result("I_s", "String current at end of discharge (strings needed)", "P_batt / (s × N × V_end)", String::new(), o.string_current_a, "A");
    sb.result("A", "Footprint of the units", "units × width × depth", String::new(), o.footprint_m2, "m²");
    sb.result("m", "Weight of the units", "units × weight", String::new(), o.weight_kg, "kg");
    sb.result("Q_d", "Heat during discharge at design load", "I²·(R0+R1) × cells, or P·(1/√η_rt − 1)", String::new(), o.discharge_heat_kw, "kW");
    sb.result("Q_s", "Standby heat", "units × standby heat", String::new(), o.standby_heat_w, "W");
    match o.cost_usd {
        Some(c) => {
            sb.result("$", "Budget cost of the units", "units × price", String::new(), c, "USD");
        }
        None => {
            sb.note("no price in the catalog entry: cost not estimated");
        }
    }
}

fn size_ups_in(case: &UpsCase, all: &[CatalogEntry]) -> UpsResult {
    let mut sb = SheetBuilder::new(if case.name.is_empty() { "UPS ride-through sizing".to_string() } else { format!("UPS ride-through sizing — {}", case.name) });
    let mut diags = validate_case(case);
    if has_error(&diags) {
        return empty_result(case, diags, sb);
    }
    let Some(entry) = all.iter().find(|e| e.key == case.battery) else {
        let mut keys: Vec<&str> = all.iter().filter(|e| e.kind.is_battery()).map(|e| e.key.as_str()).collect();
        keys.sort_unstable();
        diags.push(diag::error("unknown-entry", "battery", format!("no battery \"{}\" in the catalog; known batteries: {}", case.battery, keys.join(", "))));
        return empty_result(case, diags, sb);
    };
    let entry_diags = validate_entry(entry);
    if !entry_diags.is_empty() {
        for mut d in entry_diags {
            d.field = format!("catalog[{}].{}", entry.key, d.field);
            diags.push(d);
        }
        return empty_result(case, diags, sb);
    }
    let Some(view) = BatteryView::of(entry) else {
        diags.push(diag::error("not-a-battery", "battery", format!("\"{}\" is a {:?} entry, not a battery", entry.key, entry.kind)));
        return empty_result(case, diags, sb);
    };

    // Load.
    sb.section("Load");
    let p_out = match &case.load {
        UpsLoad::PerRack { kw_per_rack, racks } => {
            sb.input("P_rack", "IT load per rack", *kw_per_rack, "kW").input("n_racks", "Racks", *racks as f64, "racks");
            let p = kw_per_rack * *racks as f64;
            sb.step("P_IT", "IT load", "P_rack × n_racks", format!("{} × {}", fmt(*kw_per_rack), racks), p, "kW");
            p
        }
        UpsLoad::Total { kw } => {
            sb.input("P_IT", "Load at UPS output", *kw, "kW");
            *kw
        }
        UpsLoad::Kva { kva, power_factor } => {
            sb.input("S", "Load apparent power", *kva, "kVA").input("PF", "Power factor", *power_factor, "");
            let p = kva * power_factor;
            sb.step("P_IT", "Load active power", "S × PF", format!("{} × {}", fmt(*kva), fmt(*power_factor)), p, "kW");
            p
        }
        UpsLoad::BatteryKw { kw } => {
            sb.input("P_batt,0", "Load at the battery terminals", *kw, "kW");
            *kw
        }
    };
    sb.input("g", "Growth margin", case.growth_margin, "");
    let p_out_g = p_out * (1.0 + case.growth_margin);
    sb.step("P_load", "Design load incl. growth", "P × (1 + g)", format!("{} × (1 + {})", fmt(p_out), fmt(case.growth_margin)), p_out_g, "kW");
    let p_batt = if matches!(case.load, UpsLoad::BatteryKw { .. }) {
        sb.note("load given at the battery terminals: inverter efficiency not applied");
        p_out_g
    } else {
        sb.input("η_UPS", "UPS inverter efficiency", case.ups_efficiency, "");
        let p = p_out_g / case.ups_efficiency;
        sb.result("P_batt", "Power drawn from the battery", "P_load / η_UPS", format!("{} / {}", fmt(p_out_g), fmt(case.ups_efficiency)), p, "kW");
        p
    };
    sb.input("t", "Required runtime", case.runtime_min, "min");

    // UPS entry checks.
    if let Some(ups_key) = &case.ups {
        match all.iter().find(|e| &e.key == ups_key) {
            Some(u) if u.kind == EquipmentKind::Ups => {
                if let Some(cv) = &u.converter {
                    sb.section("UPS");
                    sb.data("P_UPS", "UPS rated power", cv.rated_kw.value, "kW", &cv.rated_kw.source);
                    let modules = ceil_u32(p_out_g / cv.rated_kw.value, 1);
                    sb.step("n_UPS", "UPS units for the load (before redundancy)", "ceil(P_load / P_UPS)", format!("ceil({} / {})", fmt(p_out_g), fmt(cv.rated_kw.value)), modules as f64, "units");
                    if case.dc_bus.min_v < cv.dc_min_v.value - 1e-9 || case.dc_bus.max_v > cv.dc_max_v.value + 1e-9 {
                        diags.push(diag::warning(
                            "ups-dc-window",
                            "dc_bus",
                            format!("the case's DC window {}–{} V is outside the UPS's {}–{} V ({})", fmt(case.dc_bus.min_v), fmt(case.dc_bus.max_v), fmt(cv.dc_min_v.value), fmt(cv.dc_max_v.value), cv.dc_min_v.source),
                        ));
                    }
                    if (cv.efficiency.value - case.ups_efficiency).abs() > 0.005 && !matches!(case.load, UpsLoad::BatteryKw { .. }) {
                        diags.push(diag::info("ups-efficiency", "ups_efficiency", format!("the case uses η = {} but the UPS entry gives {} ({})", fmt(case.ups_efficiency), fmt(cv.efficiency.value), cv.efficiency.source)));
                    }
                }
            }
            Some(u) => diags.push(diag::warning("not-a-ups", "ups", format!("\"{}\" is a {:?} entry, not a UPS", u.key, u.kind))),
            None => diags.push(diag::warning("unknown-entry", "ups", format!("no UPS \"{ups_key}\" in the catalog; UPS checks skipped"))),
        }
    }

    // Battery, series, temperature.
    sb.section("Battery");
    sb.text_result("Battery", format!("{} ({}, {:?})", entry.name, entry.key, view.chemistry));
    sb.data("C_cell", "Rated capacity per cell", view.ah(), "Ah", &view.b.capacity_ah.source);
    sb.data("V_nom", "Nominal voltage per cell", view.b.nominal_v.value, "V", &view.b.nominal_v.source);
    let series = match choose_series(&view, case, &mut sb) {
        Ok(s) => s,
        Err(d) => {
            diags.push(d);
            return empty_result(case, diags, sb);
        }
    };
    sb.section("Factors");
    let (tc, tc_source) = match case.temperature_factor {
        Some(t) => (t, "input (overrides the engine's table)".to_string()),
        None if view.chemistry.is_lead_acid() => {
            let (f, s) = ieee485_temperature_factor(case.ambient_c);
            (f, s.to_string())
        }
        None => {
            let (frac, s) = view.capacity_fraction(case.ambient_c);
            (if frac > 0.0 { 1.0 / frac } else { 1.0 }, format!("1 / capacity fraction at {} °C ({s})", fmt(case.ambient_c)))
        }
    };
    sb.input("T", "Lowest battery temperature", case.ambient_c, "°C");
    sb.factor("TC", "Temperature correction", tc, &tc_source);
    sb.factor("DM", "Design margin", case.design_margin, "input");
    sb.factor("AF", "Aging factor", case.aging_factor, "input (1.25 = replace at 80 % capacity, IEEE 485)");
    let ctx = Ctx { case, catalog: all, view: view.clone(), p_out_kw: p_out_g, p_batt_kw: p_batt, series, tc, tc_source };

    let methods: Vec<UpsMethod> = if case.methods.is_empty() { vec![UpsMethod::ConstantPower, UpsMethod::DutyCycle, UpsMethod::Ecm] } else { case.methods.clone() };
    let mut results: Vec<UpsMethodResult> = Vec::new();
    for m in methods {
        let r = match m {
            UpsMethod::ConstantPower => cp::run(&ctx),
            UpsMethod::DutyCycle => duty::run(&ctx),
            UpsMethod::Ecm => ecm_method::run(&ctx),
        };
        results.push(r);
    }
    let recommended = results
        .iter()
        .filter(|r| r.feasible)
        .max_by(|a, b| {
            let sa = a.configuration.as_ref().map(|c| (c.strings, a.outputs.as_ref().map(|o| o.energy_kwh).unwrap_or(0.0)));
            let sb_ = b.configuration.as_ref().map(|c| (c.strings, b.outputs.as_ref().map(|o| o.energy_kwh).unwrap_or(0.0)));
            sa.partial_cmp(&sb_).unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|r| r.method);
    if recommended.is_none() {
        diags.push(diag::error("no-feasible-method", "", "no method found a configuration meeting every constraint; see each method's findings"));
    }

    // Comparison table.
    sb.section("Methods compared");
    for r in &results {
        let line = match (&r.configuration, &r.outputs) {
            (Some(c), Some(o)) => format!(
                "{}: {} strings installed ({} needed), {} units, {} kWh, C {} /h, runtime EOL {} min{}",
                method_name(r.method),
                c.strings,
                c.strings_needed,
                c.units,
                fmt(o.energy_kwh),
                fmt(o.c_rate),
                r.runtime_eol_min.map(fmt).unwrap_or_else(|| "—".into()),
                if r.feasible { "" } else { " (infeasible)" }
            ),
            _ => format!("{}: not sized ({})", method_name(r.method), r.diagnostics.first().map(|d| d.message.as_str()).unwrap_or("no result")),
        };
        sb.note(line);
    }
    if let Some(m) = recommended {
        sb.text_result("Recommended", format!("{} (the most conservative feasible method)", method_name(m)));
    }

    // Curves from the recommended configuration.
    let mut runtime_curves = Vec::new();
    let mut discharge_traces = Vec::new();
    if let Some(rec) = recommended.and_then(|m| results.iter().find(|r| r.method == m)) {
        if let Some(cfg) = &rec.configuration {
            let member = all.iter().find(|e| e.key == cfg.battery).and_then(BatteryView::of);
            if let Some(member) = member {
                let loads: Vec<f64> = if case.curve_loads_pct.is_empty() { vec![25.0, 50.0, 75.0, 100.0, 125.0, 150.0] } else { case.curve_loads_pct.clone() };
                runtime_curves = ecm_method::runtime_curves(&ctx, &member, cfg, &loads);
                if runtime_curves.is_empty() {
                    runtime_curves = cp::runtime_curves(&ctx, &member, cfg, &loads);
                }
                discharge_traces = ecm_method::traces(&ctx, &member, cfg);
            }
        }
    }
    let mut sheet = sb;
    for r in &results {
        sheet.append(&r.sheet);
    }
    sheet.findings(&diags);
    UpsResult {
        case_name: case.name.clone(),
        load_kw: p_out_g,
        battery_kw: p_batt,
        methods: results,
        recommended,
        runtime_curves,
        discharge_traces,
        diagnostics: diags,
        sheet: sheet.finish(),
    }
}

/// Human name of a method.
pub fn method_name(m: UpsMethod) -> &'static str {
    match m {
        UpsMethod::ConstantPower => "constant-power table",
        UpsMethod::DutyCycle => "IEEE 485/1115 duty cycle",
        UpsMethod::Ecm => "equivalent-circuit simulation",
    }
}

/// Renders a UPS result as text: summary, methods compared, then the full sheet.
pub fn render_ups_text(r: &UpsResult) -> String {
    let mut s = String::new();
    s.push_str(&render_text(&r.sheet));
    for m in &r.methods {
        s.push_str(&format!("\n{}\n", method_name(m.method)));
        for d in &m.diagnostics {
            s.push_str(&format!("  [{:?} {}] {}\n", d.severity, d.code, d.message));
        }
    }
    for c in &r.runtime_curves {
        s.push_str(&format!("\n{} ({} vs {})\n", c.name, c.y_label, c.x_label));
        for p in &c.points {
            s.push_str(&format!("  {:>8} {:>10}\n", fmt(p[0]), fmt(p[1])));
        }
    }
    s
}

/// An empty series helper.
pub fn series(name: &str, x: &str, y: &str, points: Vec<[f64; 2]>) -> Series {
    Series { name: name.into(), x_label: x.into(), y_label: y.into(), points: points.into_iter().filter(|p| p[0].is_finite() && p[1].is_finite()).collect() }
}

/// A method result for a method that did not run or found nothing.
pub fn not_sized(method: UpsMethod, diagnostics: Vec<Diagnostic>, sb: SheetBuilder) -> UpsMethodResult {
    let mut sb = sb;
    sb.findings(&diagnostics);
    UpsMethodResult {
        method,
        feasible: false,
        configuration: None,
        outputs: None,
        required: None,
        required_unit: String::new(),
        runtime_bol_min: None,
        runtime_eol_min: None,
        voltage_margin_v: None,
        diagnostics,
        sheet: sb.finish(),
    }
}
