//! Electrical ratings a newly placed item starts with. The working-space
//! rules (NEC 110.26, `check::working_space`) read an item's voltage to
//! ground and its ampacity: large equipment (≥ 1,200 A and over 1.8 m wide)
//! needs an exit at each end, and ≥ 800 A equipment needs personnel doors
//! that open outward with panic hardware. These are the starting values the
//! Layout area writes when an item is placed from the catalog; the engineer
//! confirms or corrects them in the properties panel.

use backstop_model::catalog::CatalogEntry;

/// Continuous-load factor: conductors and overcurrent protection of a
/// continuous load are sized at 125 % of its current (NEC 210.19(A)(1),
/// 215.2(A)(1)); battery and UPS/PCS equipment runs continuously at rated
/// power.
pub const CONTINUOUS_LOAD_FACTOR: f64 = 1.25;

/// Line-to-line voltage assumed for AC equipment and for battery equipment
/// whose string voltage the catalog does not give (480 V, the common
/// North-American data-center distribution voltage).
pub const DEFAULT_LINE_V: f64 = 480.0;

/// Voltage to ground of AC equipment on a 480Y/277 V system.
pub const AC_TO_GROUND_V: f64 = 277.0;

/// What [`battery_equipment`] and [`ac_power_unit`] give.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratings {
    /// Voltage to ground, V.
    pub voltage_to_ground_v: f64,
    /// Ampacity, A (a whole number, rounded up).
    pub ampacity_a: f64,
}

fn amps(power_kw: f64, volts: f64) -> f64 {
    if power_kw.is_finite() && power_kw > 0.0 && volts.is_finite() && volts > 0.0 {
        (power_kw * 1000.0 / volts * CONTINUOUS_LOAD_FACTOR).ceil()
    } else {
        0.0
    }
}

/// Battery (DC) equipment of `power_kw` with a nominal string voltage of
/// `string_v` (when the catalog gives one that is a positive number, else
/// [`DEFAULT_LINE_V`]): voltage to ground = the string voltage, ampacity =
/// P / V × 125 %, rounded up. No power, no current.
pub fn battery_equipment(power_kw: f64, string_v: Option<f64>) -> Ratings {
    let volts = string_v.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(DEFAULT_LINE_V);
    Ratings { voltage_to_ground_v: volts, ampacity_a: amps(power_kw, volts) }
}

/// A three-phase UPS or PCS of `power_kw` on 480Y/277 V: voltage to ground
/// 277 V, ampacity = P / (√3 × 480 V) × 125 %, rounded up.
pub fn ac_power_unit(power_kw: f64) -> Ratings {
    Ratings { voltage_to_ground_v: AC_TO_GROUND_V, ampacity_a: amps(power_kw, DEFAULT_LINE_V * 3f64.sqrt()) }
}

/// Nominal string voltage of a battery entry: nominal cell voltage × cells
/// in series (`None` for an entry without battery data).
pub fn string_voltage(entry: &CatalogEntry) -> Option<f64> {
    entry.battery.as_ref().map(|b| b.nominal_v_cell.value * f64::from(b.cells_series))
}

/// The starting ratings of an item placed from `entry` (the engineer
/// confirms them in the properties panel): a UPS or PCS on 480Y/277 V
/// ([`ac_power_unit`]), anything else as battery equipment at its string
/// voltage ([`battery_equipment`]); no entry, no power, no current.
pub fn placed_ratings(entry: Option<&CatalogEntry>) -> Ratings {
    let power_kw = entry.map_or(0.0, CatalogEntry::power_kw);
    match entry {
        Some(e) if e.kind.power_unit_kind().is_some() => ac_power_unit(power_kw),
        _ => battery_equipment(power_kw, entry.and_then(string_voltage)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn battery_current_is_125_percent_of_rated_at_the_string_voltage() {
        // 250 kW at 512 V: 488.28 A × 1.25 = 610.35 A → 611 A.
        assert_eq!(battery_equipment(250.0, Some(512.0)), Ratings { voltage_to_ground_v: 512.0, ampacity_a: 611.0 });
        // No string voltage (or a meaningless one): 480 V. 100 kW: 208.33 × 1.25 = 260.4 → 261 A.
        for v in [None, Some(0.0), Some(-48.0), Some(f64::NAN)] {
            assert_eq!(battery_equipment(100.0, v), Ratings { voltage_to_ground_v: 480.0, ampacity_a: 261.0 }, "{v:?}");
        }
        // An exact figure is not rounded up further: 48 kW at 480 V = 100 A → 125 A.
        assert_eq!(battery_equipment(48.0, Some(480.0)).ampacity_a, 125.0);
    }

    #[test]
    fn a_placed_item_starts_at_its_entrys_string_voltage_or_on_480y_277() {
        let cabinet: CatalogEntry = serde_json::from_value(serde_json::json!({
            "key": "cab", "kind": "cabinet", "manufacturer": "Test", "model": "cab",
            "physical": { "width_mm": 600, "depth_mm": 900, "height_mm": 2000, "mass_kg": 620 },
            "cost": 26000,
            "battery": { "chemistry": "lfp", "cells_series": 160, "nominal_v_cell": 3.2, "min_v_cell": 2.5, "max_v_cell": 3.65,
                         "capacity_ah": 200, "energy_wh": 102400, "continuous_c": 1 }
        }))
        .expect("a catalog entry");
        let ups: CatalogEntry = serde_json::from_value(serde_json::json!({
            "key": "ups", "kind": "ups", "manufacturer": "Test", "model": "ups",
            "physical": { "width_mm": 1400, "depth_mm": 950, "height_mm": 2000, "mass_kg": 1400 },
            "cost": 150000,
            "converter": { "rated_kva": 500, "rated_kw": 500, "efficiency": 0.96, "dc_v_min": 396, "dc_v_max": 1500 }
        }))
        .expect("a catalog entry");
        // 160 cells × 3.2 V = 512 V.
        assert_eq!(string_voltage(&cabinet), Some(512.0));
        assert_eq!(string_voltage(&ups), None);
        assert!(cabinet.power_kw() > 0.0);
        assert_eq!(placed_ratings(Some(&cabinet)), battery_equipment(cabinet.power_kw(), Some(512.0)));
        assert_eq!(placed_ratings(Some(&ups)), ac_power_unit(500.0));
        assert_eq!(placed_ratings(None), Ratings { voltage_to_ground_v: DEFAULT_LINE_V, ampacity_a: 0.0 });
    }

    #[test]
    fn ac_unit_current_is_125_percent_of_the_three_phase_line_current() {
        // 500 kW / (√3 × 480 V) = 601.41 A × 1.25 = 751.76 A → 752 A.
        assert_eq!(ac_power_unit(500.0), Ratings { voltage_to_ground_v: 277.0, ampacity_a: 752.0 });
        // 1,250 kVA class at 1,000 kW: 1,202.8 A × 1.25 = 1,503.5 → 1,504 A (large equipment for NEC 110.26).
        assert_eq!(ac_power_unit(1000.0).ampacity_a, 1504.0);
    }

    #[test]
    fn no_power_means_no_current_never_nan() {
        for p in [0.0, -5.0, f64::NAN, f64::INFINITY] {
            assert_eq!(battery_equipment(p, Some(512.0)).ampacity_a, 0.0, "{p}");
            assert_eq!(ac_power_unit(p).ampacity_a, 0.0, "{p}");
        }
    }
}
