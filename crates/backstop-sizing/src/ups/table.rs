//! Discharge-table look-ups: log-log in time, linear in end voltage, never
//! extrapolated; and the inverse (runtime for a demand) by bisection.

use backstop_model::catalog::{DischargeTable, TableQuantity};

use crate::num::{fmt, interp_loglog_within};

/// A value read from a table, with what was read.
#[derive(Debug, Clone, PartialEq)]
pub struct TableHit {
    /// The value (in the table's quantity).
    pub value: f64,
    /// Quantity of the table.
    pub quantity: TableQuantity,
    /// Table temperature, °C.
    pub temperature_c: f64,
    /// Source of the table.
    pub source: String,
}

fn lookup_one(t: &DischargeTable, minutes: f64, end_v: f64) -> Result<f64, String> {
    let rows = &t.rows;
    if rows.is_empty() {
        return Err("table has no rows".into());
    }
    let tol = 1e-6;
    let at_row = |r: usize| -> Result<f64, String> {
        interp_loglog_within(&t.minutes, &rows[r].values, minutes).ok_or_else(|| {
            format!(
                "no data for {} min (table covers {}–{} min)",
                fmt(minutes),
                fmt(*t.minutes.first().unwrap_or(&0.0)),
                fmt(*t.minutes.last().unwrap_or(&0.0))
            )
        })
    };
    if let Some(r) = rows.iter().position(|r| (r.end_v - end_v).abs() <= tol) {
        return at_row(r);
    }
    let hi = rows.partition_point(|r| r.end_v < end_v);
    if hi == 0 || hi >= rows.len() {
        return Err(format!(
            "no data at end voltage {} V/cell (table covers {}–{} V/cell)",
            fmt(end_v),
            fmt(rows[0].end_v),
            fmt(rows[rows.len() - 1].end_v)
        ));
    }
    let (a, b) = (at_row(hi - 1)?, at_row(hi)?);
    let (va, vb) = (rows[hi - 1].end_v, rows[hi].end_v);
    Ok(a + (b - a) * (end_v - va) / (vb - va))
}

/// The value at (`minutes`, `end_v`) from the first table of one of the
/// `quantities` that covers the point.
pub fn lookup(tables: &[&DischargeTable], quantities: &[TableQuantity], minutes: f64, end_v: f64) -> Result<TableHit, String> {
    let mut reasons = Vec::new();
    for t in tables {
        let Some(q) = t.quantity else { continue };
        if !quantities.contains(&q) {
            continue;
        }
        match lookup_one(t, minutes, end_v) {
            Ok(v) if v.is_finite() && v > 0.0 => {
                return Ok(TableHit { value: v, quantity: q, temperature_c: t.temperature_c, source: t.source.clone() });
            }
            Ok(v) => reasons.push(format!("table value {v} is not positive")),
            Err(e) => reasons.push(e),
        }
    }
    if reasons.is_empty() {
        Err("the entry has no discharge table of a usable kind".into())
    } else {
        reasons.dedup();
        Err(reasons.join("; "))
    }
}

/// The duration (minutes) at which the table's capability equals
/// `demand` — i.e. the runtime for that demand. `Err` names which side of
/// the covered range the answer lies on.
pub fn runtime_for(tables: &[&DischargeTable], quantity: TableQuantity, end_v: f64, demand: f64) -> Result<f64, String> {
    let cover: Vec<(f64, f64)> = tables
        .iter()
        .filter(|t| t.quantity == Some(quantity))
        .filter_map(|t| Some((*t.minutes.first()?, *t.minutes.last()?)))
        .collect();
    let (Some(lo), Some(hi)) = (
        cover.iter().map(|c| c.0).reduce(f64::min),
        cover.iter().map(|c| c.1).reduce(f64::max),
    ) else {
        return Err("no table".into());
    };
    if !(demand > 0.0) || !demand.is_finite() {
        return Err("demand must be positive".into());
    }
    let f = |m: f64| lookup(tables, &[quantity], m, end_v).map(|h| h.value);
    let v_lo = f(lo)?;
    let v_hi = f(hi)?;
    if demand > v_lo {
        return Err(format!("shorter than the table's {} min", fmt(lo)));
    }
    if demand < v_hi {
        return Err(format!("longer than the table's {} min", fmt(hi)));
    }
    if lo == hi {
        return Ok(lo);
    }
    // Bisection on ln t; capability falls with time. Gaps between split
    // tables are bridged by the nearest covered value.
    let (mut a, mut b) = (lo.ln(), hi.ln());
    for _ in 0..80 {
        let mid = 0.5 * (a + b);
        match f(mid.exp()) {
            Ok(v) if v >= demand => a = mid,
            Ok(_) => b = mid,
            Err(_) => {
                // Not covered here: shrink toward the side that is.
                if f(a.exp()).is_ok() { b = mid } else { a = mid }
            }
        }
    }
    Ok((0.5 * (a + b)).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop_model::catalog::DischargeRow;

    fn table() -> DischargeTable {
        DischargeTable {
            quantity: Some(TableQuantity::WattsPerCell),
            temperature_c: 25.0,
            minutes: vec![5.0, 15.0, 60.0],
            rows: vec![
                DischargeRow { end_v: 1.67, values: vec![300.0, 150.0, 50.0] },
                DischargeRow { end_v: 1.75, values: vec![260.0, 130.0, 45.0] },
            ],
            source: "test".into(),
        }
    }

    #[test]
    fn lookup_exact_between_and_outside() {
        let t = table();
        let ts = [&t];
        let q = [TableQuantity::WattsPerCell];
        assert_eq!(lookup(&ts, &q, 15.0, 1.75).unwrap().value, 130.0);
        let mid = lookup(&ts, &q, 15.0, 1.71).unwrap().value;
        assert!((mid - 140.0).abs() < 1e-9);
        assert!(lookup(&ts, &q, 90.0, 1.75).unwrap_err().contains("5–60 min"));
        assert!(lookup(&ts, &q, 15.0, 1.80).unwrap_err().contains("end voltage"));
        assert!(lookup(&ts, &[TableQuantity::AmpsPerCell], 15.0, 1.75).is_err());
    }

    #[test]
    fn runtime_inverts_lookup() {
        let t = table();
        let ts = [&t];
        let r = runtime_for(&ts, TableQuantity::WattsPerCell, 1.75, 130.0).unwrap();
        assert!((r - 15.0).abs() < 1e-6, "{r}");
        assert!(runtime_for(&ts, TableQuantity::WattsPerCell, 1.75, 400.0).unwrap_err().contains("shorter"));
    }
}
