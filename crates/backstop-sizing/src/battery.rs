//! Per-entry battery views: discharge tables converted to per-cell values
//! and interpolated in duration and end voltage, temperature factors, and
//! the equivalent-circuit parameters at a temperature and state of health.

use backstop_model::catalog::{BatteryData, CatalogEntry, CellChemistry, TableBasis};

use crate::num::{Reach, interp_clamped, interp_loglog};

/// What a table lookup is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Constant power, W per cell.
    Power,
    /// Constant current, A per cell.
    Current,
}

/// A discharge table converted to per-cell values (W/cell or A/cell).
#[derive(Debug, Clone)]
pub struct CellTable {
    /// End voltage, V/cell.
    pub end_v_cell: f64,
    /// `[minutes, per-cell value]`.
    pub points: Vec<[f64; 2]>,
    /// Converted from the other quantity with an average voltage (approximate).
    pub converted: bool,
    /// Original basis.
    pub basis: TableBasis,
    /// Source of the table.
    pub source: String,
    /// Table temperature, °C.
    pub temperature_c: f64,
}

/// A battery entry with its data (only built for entries with battery data).
#[derive(Debug, Clone, Copy)]
pub struct Unit<'a> {
    /// The entry.
    pub entry: &'a CatalogEntry,
    /// Its battery data.
    pub b: &'a BatteryData,
}

/// A lookup result with notes on extrapolation.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    /// The per-cell value.
    pub value: f64,
    /// Notes (held below the table, extrapolated, converted, end voltage bracketing).
    pub notes: Vec<String>,
    /// Sources of the tables used.
    pub sources: Vec<String>,
}

impl<'a> Unit<'a> {
    /// The battery view of `entry`, if it has battery data.
    pub fn of(entry: &'a CatalogEntry) -> Option<Self> {
        entry.battery.as_ref().map(|b| Unit { entry, b })
    }

    /// Cells in series per unit.
    pub fn cells_series(&self) -> u32 {
        self.b.cells_series.max(1)
    }

    /// Rated Ah of one unit.
    pub fn ah(&self) -> f64 {
        self.b.capacity_ah.value
    }

    /// Nominal kWh of one unit.
    pub fn kwh(&self) -> f64 {
        self.b.energy_wh.value / 1000.0
    }

    /// Float voltage per cell (or max voltage).
    pub fn float_v(&self) -> f64 {
        self.b.float_v_cell.as_ref().map_or(self.b.max_v_cell.value, |f| f.value)
    }

    /// Average discharge voltage used to convert between power and current
    /// tables: mean of nominal and end voltage.
    pub fn avg_v(&self, end_v: f64) -> f64 {
        0.5 * (self.b.nominal_v_cell.value + end_v)
    }

    /// Tables converted to per-cell values of `q`; tables of the other
    /// quantity are converted with [`Unit::avg_v`] when none of `q` exist.
    pub fn cell_tables(&self, q: Quantity) -> Vec<CellTable> {
        let cs = f64::from(self.cells_series());
        let ah = self.ah();
        let conv = |basis: TableBasis, v: f64| -> (f64, Quantity) {
            match basis {
                TableBasis::WattsPerCell => (v, Quantity::Power),
                TableBasis::WattsPerCellPerAh => (v * ah, Quantity::Power),
                TableBasis::KwPerUnit => (v * 1000.0 / cs, Quantity::Power),
                TableBasis::AmpsPerCell => (v, Quantity::Current),
            }
        };
        let mut native = Vec::new();
        let mut other = Vec::new();
        for t in &self.b.discharge_tables {
            if t.points.is_empty() {
                continue;
            }
            let qt = conv(t.basis, 1.0).1;
            let pts: Vec<[f64; 2]> = t.points.iter().map(|p| [p[0], conv(t.basis, p[1]).0]).collect();
            let ct = CellTable {
                end_v_cell: t.end_v_cell,
                points: pts,
                converted: false,
                basis: t.basis,
                source: t.source.clone(),
                temperature_c: t.temperature_c,
            };
            if qt == q { native.push(ct) } else { other.push(ct) }
        }
        if native.is_empty() {
            for mut t in other {
                let v = self.avg_v(t.end_v_cell);
                for p in &mut t.points {
                    p[1] = match q {
                        Quantity::Current => p[1] / v,
                        Quantity::Power => p[1] * v,
                    };
                }
                t.converted = true;
                native.push(t);
            }
        }
        native.sort_by(|a, b| a.end_v_cell.total_cmp(&b.end_v_cell));
        native
    }

    /// The per-cell value of `q` the unit delivers for `minutes` to `end_v`
    /// V/cell. Between two tables' end voltages the values are interpolated
    /// linearly; below the lowest end voltage the lowest table is used
    /// (conservative). Above the highest end voltage there is no data: `Err`.
    pub fn per_cell(&self, q: Quantity, minutes: f64, end_v: f64) -> Result<Lookup, String> {
        let tables = self.cell_tables(q);
        per_cell_in(&tables, q, minutes, end_v, self.avg_v(end_v))
    }

    /// Minutes the unit sustains `value` per cell of `q` to `end_v`
    /// (bisection on [`Unit::per_cell`]); `None` when it cannot sustain it
    /// even for the shortest tabulated duration.
    pub fn minutes_for(&self, q: Quantity, value: f64, end_v: f64) -> Option<(f64, Vec<String>)> {
        let tables = self.cell_tables(q);
        minutes_in(&tables, q, value, end_v, self.avg_v(end_v))
    }

    /// Capacity available at `temp_c` relative to the rating (25 °C): from
    /// the entry's curve, normalised to its 25 °C value; 1 when the entry has
    /// none. Never above 1 (no credit for warm batteries).
    pub fn capacity_factor(&self, temp_c: f64) -> (f64, String) {
        match &self.b.capacity_vs_temperature {
            Some(c) if !c.points.is_empty() => {
                let at = interp_clamped(&c.points, temp_c).unwrap_or(1.0);
                let base = interp_clamped(&c.points, 25.0).unwrap_or(1.0);
                let f = if base > 0.0 { (at / base).min(1.0) } else { 1.0 };
                (f, c.source.clone())
            }
            _ => (1.0, "no capacity-vs-temperature data: factor 1".into()),
        }
    }

    /// Temperature correction factor (≥ 1) for sizing at `temp_c`: IEEE 485
    /// table for lead-acid and Ni-Cd without their own curve, else the
    /// inverse of [`Unit::capacity_factor`].
    pub fn temperature_factor(&self, temp_c: f64) -> (f64, String) {
        if self.b.chemistry.is_aqueous() && self.b.capacity_vs_temperature.is_none() {
            return ieee485_tc(temp_c);
        }
        let (f, src) = self.capacity_factor(temp_c);
        let tc = if f > 0.0 { (1.0 / f).max(1.0) } else { 1.0 };
        (tc, format!("1 ÷ capacity factor at {temp_c} °C ({src})"))
    }

    /// Cell temperature of the discharge tables a lookup to `end_v` V/cell
    /// reads (the table at that end voltage, the two bracketing it, or the
    /// lowest below the range); the warmest when they differ (the
    /// conservative choice). `None` without tables.
    pub fn table_temperature(&self, end_v: f64) -> Option<f64> {
        const EPS: f64 = 1e-6;
        let tables: Vec<&backstop_model::catalog::DischargeTable> =
            self.b.discharge_tables.iter().filter(|t| !t.points.is_empty() && t.end_v_cell.is_finite()).collect();
        let mut ends: Vec<f64> = tables.iter().map(|t| t.end_v_cell).collect();
        ends.sort_by(f64::total_cmp);
        ends.dedup_by(|a, b| (*a - *b).abs() <= EPS);
        let (first, last) = (*ends.first()?, *ends.last()?);
        let picked: Vec<f64> = if end_v <= first + EPS {
            vec![first]
        } else if end_v >= last - EPS {
            vec![last]
        } else if let Some(e) = ends.iter().find(|e| (**e - end_v).abs() <= EPS) {
            vec![*e]
        } else {
            let i = ends.partition_point(|e| *e < end_v);
            vec![ends[i - 1], ends[i]]
        };
        tables
            .iter()
            .filter(|t| picked.iter().any(|e| (t.end_v_cell - e).abs() <= EPS))
            .map(|t| t.temperature_c)
            .filter(|t| t.is_finite())
            .reduce(f64::max)
    }

    /// Temperature correction factor (≥ 1) for sizing at `temp_c` with the
    /// discharge tables read at `end_v` V/cell: the capacity at the tables'
    /// own temperature over the capacity at `temp_c` (IEEE 485 table for
    /// lead-acid and Ni-Cd without their own curve, else the entry's
    /// capacity-vs-temperature curve). No credit for a room warmer than the
    /// tables. Returns the factor, the formula with its numbers, and the source.
    pub fn temperature_correction(&self, temp_c: f64, end_v: f64) -> (f64, String, String) {
        use crate::sheet::fmt_num;
        let table_t = self.table_temperature(end_v);
        let t_ref = table_t.unwrap_or(25.0);
        let basis = match table_t {
            Some(t) => format!("at {} °C, tables at {} °C", fmt_num(temp_c), fmt_num(t)),
            None => format!("at {} °C, rating at 25 °C", fmt_num(temp_c)),
        };
        if self.b.chemistry.is_aqueous() && self.b.capacity_vs_temperature.is_none() {
            let (tc_t, src) = ieee485_tc(temp_c);
            let (tc_r, _) = ieee485_tc(t_ref);
            let tc = if tc_r > 0.0 { (tc_t / tc_r).max(1.0) } else { tc_t.max(1.0) };
            let f = format!("{basis}: max(1, TC(T) ÷ TC(T_table)) = max(1, {} ÷ {})", fmt_num(tc_t), fmt_num(tc_r));
            return (tc, f, format!("{src}; the discharge tables are at their own temperature, no credit above it"));
        }
        let (f_t, src) = self.capacity_factor(temp_c);
        let (f_r, _) = self.capacity_factor(t_ref);
        let tc = if f_t > 0.0 { (f_r / f_t).max(1.0) } else { 1.0 };
        let f = format!("{basis}: max(1, f(T_table) ÷ f(T)) = max(1, {} ÷ {})", fmt_num(f_r), fmt_num(f_t));
        (tc, f, format!("capacity factor f ({src}); no credit above the tables' temperature"))
    }

    /// Chemistry.
    pub fn chemistry(&self) -> CellChemistry {
        self.b.chemistry
    }
}

fn per_cell_in(tables: &[CellTable], q: Quantity, minutes: f64, end_v: f64, _avg_v: f64) -> Result<Lookup, String> {
    let (Some(lo), Some(hi)) = (tables.first(), tables.last()) else {
        return Err(match q {
            Quantity::Power => "the entry has no discharge table".into(),
            Quantity::Current => "the entry has no discharge table".into(),
        });
    };
    let mut notes = Vec::new();
    let eval = |t: &CellTable, notes: &mut Vec<String>| -> Option<f64> {
        let (v, reach) = interp_loglog(&t.points, minutes)?;
        match reach {
            Reach::Below => notes.push(format!(
                "{minutes:.1} min is shorter than the table's shortest duration ({} min); its value is used (conservative)",
                t.points[0][0]
            )),
            Reach::Beyond => notes.push(format!(
                "{minutes:.1} min is beyond the table's longest duration ({} min); extrapolated log-log from the last two points — verify with the vendor",
                t.points[t.points.len() - 1][0]
            )),
            Reach::Inside => {}
        }
        if t.converted {
            notes.push(format!(
                "table at {} V/cell converted between power and current with the average voltage (nominal + end) ÷ 2 — approximate; add a {} table",
                t.end_v_cell,
                match q {
                    Quantity::Power => "W/cell",
                    Quantity::Current => "A/cell",
                }
            ));
        }
        Some(v)
    };
    const EPS: f64 = 1e-6;
    if end_v > hi.end_v_cell + EPS {
        return Err(format!(
            "no discharge data to {end_v:.3} V/cell: the highest end voltage tabulated is {:.3} V/cell; add a table to that end voltage, or lower the end voltage (lower DC minimum or fewer cells)",
            hi.end_v_cell
        ));
    }
    if end_v < lo.end_v_cell - EPS {
        notes.push(format!(
            "end voltage {end_v:.3} V/cell is below the lowest tabulated ({:.3} V/cell); that table is used (conservative)",
            lo.end_v_cell
        ));
        let v = eval(lo, &mut notes).ok_or("table lookup failed")?;
        return Ok(Lookup { value: v, notes, sources: vec![lo.source.clone()] });
    }
    let i = tables.partition_point(|t| t.end_v_cell < end_v - EPS);
    let t1 = &tables[i.min(tables.len() - 1)];
    if (t1.end_v_cell - end_v).abs() <= EPS || i == 0 {
        let v = eval(t1, &mut notes).ok_or("table lookup failed")?;
        return Ok(Lookup { value: v, notes, sources: vec![t1.source.clone()] });
    }
    let t0 = &tables[i - 1];
    let v0 = eval(t0, &mut notes).ok_or("table lookup failed")?;
    let v1 = eval(t1, &mut notes).ok_or("table lookup failed")?;
    let w = (end_v - t0.end_v_cell) / (t1.end_v_cell - t0.end_v_cell);
    notes.push(format!("interpolated linearly between the {:.3} and {:.3} V/cell tables", t0.end_v_cell, t1.end_v_cell));
    Ok(Lookup { value: v0 + (v1 - v0) * w, notes, sources: vec![t0.source.clone(), t1.source.clone()] })
}

fn minutes_in(tables: &[CellTable], q: Quantity, value: f64, end_v: f64, avg_v: f64) -> Option<(f64, Vec<String>)> {
    if !(value > 0.0) || !value.is_finite() {
        return None;
    }
    let f = |m: f64| per_cell_in(tables, q, m, end_v, avg_v).ok().map(|l| l.value);
    let t_min = tables.iter().filter_map(|t| t.points.first().map(|p| p[0])).fold(f64::INFINITY, f64::min);
    if !t_min.is_finite() {
        return None;
    }
    let at_min = f(t_min)?;
    if value > at_min * (1.0 + 1e-12) {
        return None;
    }
    // Bisection in log time between t_min and a bound where the value falls below.
    let mut lo = t_min.ln();
    let mut hi = (t_min * 2.0).ln();
    let mut guard = 0;
    while f(hi.exp())? > value {
        hi += 1.0;
        guard += 1;
        if guard > 20 {
            return None; // > e^20 × t_min: treat as not computable
        }
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if f(mid.exp())? > value { lo = mid } else { hi = mid }
    }
    let m = 0.5 * (lo + hi);
    let mut notes = Vec::new();
    let t_max = tables.iter().filter_map(|t| t.points.last().map(|p| p[0])).fold(0.0, f64::max);
    if m.exp() > t_max * 1.0001 {
        notes.push(format!("runtime beyond the table's longest duration ({t_max} min) is extrapolated"));
    }
    Some((m.exp(), notes))
}

/// IEEE 485 temperature correction factor (25 °C base, no credit above):
/// table values −3.9 °C 1.52, 4.4 °C 1.30, 10 °C 1.19, 15.6 °C 1.11,
/// 21.1 °C 1.04, 25 °C 1.00, linear between; below −3.9 °C the first
/// segment's slope is extended.
pub fn ieee485_tc(temp_c: f64) -> (f64, String) {
    const T: [[f64; 2]; 6] = [[-3.9, 1.52], [4.4, 1.30], [10.0, 1.19], [15.6, 1.11], [21.1, 1.04], [25.0, 1.00]];
    let src = "IEEE 485 temperature correction table (25 °C base; no credit above 25 °C)".to_owned();
    if temp_c >= 25.0 {
        return (1.0, src);
    }
    if temp_c < T[0][0] {
        let slope = (T[0][1] - T[1][1]) / (T[1][0] - T[0][0]);
        return (T[0][1] + slope * (T[0][0] - temp_c), format!("{src}; extrapolated below −3.9 °C — verify with the vendor"));
    }
    (interp_clamped(&T, temp_c).unwrap_or(1.0), src)
}

/// The equivalent-circuit parameters of one series cell position (parallel
/// cells of the unit combined) at a temperature and state of health.
#[derive(Debug, Clone)]
pub struct EcmCell {
    /// Capacity, Ah.
    pub q_ah: f64,
    /// Series resistance, Ω.
    pub r0: f64,
    /// RC resistance, Ω.
    pub r1: f64,
    /// RC time constant, s.
    pub tau_s: f64,
    /// OCV curve at the temperature, `[SOC, V]`.
    pub ocv: Vec<[f64; 2]>,
    /// Cut-off voltage, V.
    pub v_cut: f64,
}

/// Aging state for the ECM.
#[derive(Debug, Clone, Copy)]
pub struct Condition {
    /// Cell temperature, °C.
    pub temp_c: f64,
    /// State of health (capacity fraction).
    pub soh: f64,
    /// Resistance multiplier.
    pub r_factor: f64,
}

impl Unit<'_> {
    /// Whether the entry has what the ECM needs (OCV and R0).
    pub fn has_ecm_data(&self) -> bool {
        !self.b.ocv.is_empty() && self.b.r0_mohm.is_some()
    }

    /// ECM cell at `cond`, cutting off at `v_cut` V/cell. `None` without data.
    pub fn ecm_cell(&self, cond: Condition, v_cut: f64) -> Option<EcmCell> {
        let r0_25 = self.b.r0_mohm.as_ref()?.value / 1000.0;
        let cp = f64::from(self.b.cells_parallel.max(1));
        let k = self.b.r0_activation_k.as_ref().map_or(0.0, |k| k.value);
        let tk = cond.temp_c + 273.15;
        let arr = if tk > 0.0 { (k * (1.0 / tk - 1.0 / 298.15)).exp() } else { 1.0 };
        let (r1, tau) = self.b.rc.as_ref().map_or((0.0, 1.0), |rc| (rc.r1_mohm / 1000.0, rc.tau_s));
        let (capf, _) = self.capacity_factor(cond.temp_c);
        let ocv = ocv_at(&self.b.ocv, cond.temp_c)?;
        let c = EcmCell {
            q_ah: self.ah() * capf * cond.soh,
            r0: r0_25 / cp * arr * cond.r_factor,
            r1: r1 / cp * arr * cond.r_factor,
            tau_s: tau,
            ocv,
            v_cut,
        };
        (c.q_ah.is_finite() && c.q_ah > 0.0 && c.r0.is_finite() && c.r1.is_finite() && c.tau_s > 0.0).then_some(c)
    }
}

/// The OCV curve at `temp_c`: interpolated between the two curves whose
/// temperatures bracket it (at the union of their SOC points), clamped outside.
pub fn ocv_at(curves: &[backstop_model::catalog::OcvCurve], temp_c: f64) -> Option<Vec<[f64; 2]>> {
    let mut cs: Vec<&backstop_model::catalog::OcvCurve> = curves.iter().filter(|c| c.points.len() >= 2).collect();
    cs.sort_by(|a, b| a.temperature_c.total_cmp(&b.temperature_c));
    let first = cs.first()?;
    let last = cs.last()?;
    if cs.len() == 1 || temp_c <= first.temperature_c {
        return Some(first.points.clone());
    }
    if temp_c >= last.temperature_c {
        return Some(last.points.clone());
    }
    let i = cs.partition_point(|c| c.temperature_c <= temp_c).clamp(1, cs.len() - 1);
    let (a, b) = (cs[i - 1], cs[i]);
    let w = (temp_c - a.temperature_c) / (b.temperature_c - a.temperature_c);
    let mut socs: Vec<f64> = a.points.iter().chain(b.points.iter()).map(|p| p[0]).collect();
    socs.sort_by(f64::total_cmp);
    socs.dedup_by(|x, y| (*x - *y).abs() < 1e-12);
    Some(
        socs.into_iter()
            .map(|s| {
                let va = interp_clamped(&a.points, s).unwrap_or(0.0);
                let vb = interp_clamped(&b.points, s).unwrap_or(0.0);
                [s, va + (vb - va) * w]
            })
            .collect(),
    )
}
