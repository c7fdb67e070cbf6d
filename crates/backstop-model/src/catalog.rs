//! Equipment catalog types: cells, blocks, modules, battery cabinets/racks,
//! containers, UPS and PCS units — each value with the note saying where it
//! comes from.
//!
//! Conventions:
//! - Every number an engineer may have to defend is a [`Sourced`] value: the
//!   number and its source ("EVE LF280K datasheet, p.1", "derived: 3.2 V ×
//!   280 Ah", or "typical value, verify against vendor datasheet").
//!   Tables and grouped figures (dimensions, OCV curves, discharge tables)
//!   carry one `source` for the group.
//! - Voltages are per cell unless the field says otherwise (`_v` per cell,
//!   `unit_…` per catalog unit). Currents are per string of the unit.
//! - Catalog entries are validated by the sizing engine
//!   (`backstop_sizing::catalog::validate_entry`), not here.
//! - Fields added after the first release carry `#[serde(default)]` so older
//!   project files keep loading.

use serde::{Deserialize, Serialize};

/// A number and where it comes from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Sourced {
    /// The value, in the unit the field name gives.
    pub value: f64,
    /// Datasheet name and page, standard clause, "derived: formula", or
    /// "typical value, verify against vendor datasheet".
    #[serde(default)]
    pub source: String,
}

impl Sourced {
    /// A value with its source.
    pub fn new(value: f64, source: impl Into<String>) -> Self {
        Sourced { value, source: source.into() }
    }
}

/// What kind of equipment an entry describes. Cells, blocks and modules are
/// connected in series by the sizing engine; cabinets and containers are
/// complete strings (their series count is fixed) and are paralleled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EquipmentKind {
    /// A single cell.
    Cell,
    /// A monobloc of a few cells in series (e.g. a 12 V VRLA block).
    Block,
    /// A battery module (cells in series/parallel in one enclosure).
    Module,
    /// A battery cabinet or rack holding one or more complete strings.
    Cabinet,
    /// A grid-scale battery container (complete DC block, usually with its own BMS).
    Container,
    /// An uninterruptible power supply (module or frame).
    Ups,
    /// A power conversion system (bidirectional inverter) for grid storage.
    Pcs,
}

impl EquipmentKind {
    /// True for kinds whose units the engine connects in series to build a string.
    pub fn is_series_building_block(self) -> bool {
        matches!(self, EquipmentKind::Cell | EquipmentKind::Block | EquipmentKind::Module)
    }

    /// True for kinds that store energy.
    pub fn is_battery(self) -> bool {
        !matches!(self, EquipmentKind::Ups | EquipmentKind::Pcs)
    }
}

/// Cell chemistry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Chemistry {
    /// Lithium iron phosphate.
    Lfp,
    /// Lithium nickel manganese cobalt oxide.
    Nmc,
    /// Lithium nickel cobalt aluminium oxide.
    Nca,
    /// Lithium titanate.
    Lto,
    /// Sodium-ion.
    SodiumIon,
    /// Valve-regulated lead-acid.
    Vrla,
    /// Vented (flooded) lead-acid.
    VentedLeadAcid,
    /// Nickel-cadmium.
    NiCd,
}

impl Chemistry {
    /// True for lead-acid chemistries (IEEE 485 applies).
    pub fn is_lead_acid(self) -> bool {
        matches!(self, Chemistry::Vrla | Chemistry::VentedLeadAcid)
    }

    /// True for lithium-based chemistries.
    pub fn is_lithium(self) -> bool {
        matches!(self, Chemistry::Lfp | Chemistry::Nmc | Chemistry::Nca | Chemistry::Lto)
    }
}

/// What the numbers of a discharge table mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TableQuantity {
    /// Constant power per cell per rated ampere-hour (W/cell/Ah); applies
    /// to every size of a product family.
    WattsPerCellPerAh,
    /// Constant power per cell of this entry (W/cell).
    WattsPerCell,
    /// Constant current per cell of this entry (A) — the IEEE 485 rating data.
    AmpsPerCell,
    /// Constant power per catalog unit, e.g. kW per cabinet at its fixed series count.
    KwPerUnit,
}

/// A manufacturer's constant-power or constant-current discharge table:
/// what one cell (or unit) delivers for `minutes` to each end voltage.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DischargeTable {
    /// Meaning of the values.
    pub quantity: Option<TableQuantity>,
    /// Temperature the table was measured at, °C.
    #[serde(default = "default_25")]
    pub temperature_c: f64,
    /// Discharge durations, minutes, ascending.
    pub minutes: Vec<f64>,
    /// One row per end-of-discharge voltage.
    pub rows: Vec<DischargeRow>,
    /// Where the table comes from.
    #[serde(default)]
    pub source: String,
}

/// One end voltage of a [`DischargeTable`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DischargeRow {
    /// End-of-discharge voltage, V per cell.
    pub end_v: f64,
    /// One value per entry of `minutes`.
    pub values: Vec<f64>,
}

/// Open-circuit voltage against state of charge at the reference temperature.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OcvCurve {
    /// State of charge, fraction 0–1, ascending.
    pub soc: Vec<f64>,
    /// Open-circuit voltage per cell at each SOC, V.
    pub ocv_v: Vec<f64>,
    /// Temperature coefficient of the OCV, mV per kelvin (entropic term);
    /// OCV(SOC, T) = OCV(SOC) + dOCV/dT · (T − 25 °C).
    #[serde(default)]
    pub docv_dt_mv_per_k: f64,
    /// Where the curve comes from.
    #[serde(default)]
    pub source: String,
}

/// DC resistance of a cell and its one RC pair, with temperature dependence.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CellResistance {
    /// Ohmic (DC) resistance at 25 °C, mΩ per cell.
    pub r0_mohm: f64,
    /// Arrhenius activation temperature Ea/R, K: R0(T) = R0 · exp(θ · (1/T − 1/298.15)).
    #[serde(default)]
    pub activation_k: f64,
    /// Polarisation resistance of the RC pair, mΩ per cell (0 = no RC pair).
    #[serde(default)]
    pub r1_mohm: f64,
    /// Time constant R1·C1 of the RC pair, s.
    #[serde(default)]
    pub tau_s: f64,
    /// Where the figures come from.
    #[serde(default)]
    pub source: String,
}

/// Available capacity against temperature (percent of rated).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TempCapacity {
    /// Temperatures, °C, ascending.
    pub temperature_c: Vec<f64>,
    /// Capacity at each temperature, % of rated.
    pub capacity_pct: Vec<f64>,
    /// Where the table comes from.
    #[serde(default)]
    pub source: String,
}

/// Cycle life against depth of discharge (Wöhler curve), used with rainflow
/// counting and Miner's rule.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CycleLife {
    /// Depth of discharge, %, ascending.
    pub dod_pct: Vec<f64>,
    /// Full cycles at each depth until capacity reaches `end_soh`.
    pub cycles: Vec<f64>,
    /// State of health that ends the rated life (fraction, e.g. 0.8).
    pub end_soh: f64,
    /// Where the figures come from.
    #[serde(default)]
    pub source: String,
}

/// Calendar fade q(t) = q0 − k(T, SOC)·√t with
/// k = a·exp(b·(1/T − 1/296))·exp(c·(SOC/T − 1/296)), t in days, T in K
/// (the form of the calendar model in NREL's System Advisor Model).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CalendarFade {
    /// Initial relative capacity coefficient.
    pub q0: f64,
    /// Coefficient a, 1/√day.
    pub a: f64,
    /// Coefficient b, K.
    pub b: f64,
    /// Coefficient c, K.
    pub c: f64,
    /// Where the coefficients come from.
    #[serde(default)]
    pub source: String,
}

/// The battery side of a catalog entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BatterySpec {
    /// Cell chemistry.
    pub chemistry: Option<Chemistry>,
    /// Cell nominal voltage, V.
    pub nominal_v: Sourced,
    /// Lowest permissible end-of-discharge voltage, V per cell.
    pub min_v: Sourced,
    /// Highest charge voltage, V per cell.
    pub max_v: Sourced,
    /// Float (standby) voltage, V per cell; the max voltage when absent.
    #[serde(default)]
    pub float_v: Option<Sourced>,
    /// Rated capacity of one cell, Ah.
    pub capacity_ah: Sourced,
    /// Hour rate of the rated capacity (20 for a C20 rating), h.
    #[serde(default)]
    pub capacity_rate_h: Option<Sourced>,
    /// Cells in series in one unit (1 for a cell, 6 for a 12 V block).
    pub cells_series: u32,
    /// Parallel strings inside one unit (usually 1).
    #[serde(default = "default_one")]
    pub strings: u32,
    /// Nameplate energy of one unit, kWh (derived from V × Ah when absent).
    #[serde(default)]
    pub energy_kwh: Option<Sourced>,
    /// Continuous discharge C-rate limit.
    #[serde(default)]
    pub max_continuous_c: Option<Sourced>,
    /// Peak discharge C-rate limit.
    #[serde(default)]
    pub max_peak_c: Option<Sourced>,
    /// Continuous current limit of one string of the unit (BMS, contactor, fuse), A.
    #[serde(default)]
    pub max_current_a: Option<Sourced>,
    /// Rated power of one unit, kW (containers, cabinets).
    #[serde(default)]
    pub max_power_kw: Option<Sourced>,
    /// Constant-power / constant-current discharge tables.
    #[serde(default)]
    pub discharge_tables: Vec<DischargeTable>,
    /// Open-circuit voltage curve (needed by the equivalent-circuit method).
    #[serde(default)]
    pub ocv: Option<OcvCurve>,
    /// Cell resistance (needed by the equivalent-circuit method).
    #[serde(default)]
    pub resistance: Option<CellResistance>,
    /// Capacity against temperature.
    #[serde(default)]
    pub capacity_vs_temp: Option<TempCapacity>,
    /// Cycle life against depth of discharge.
    #[serde(default)]
    pub cycle_life: Option<CycleLife>,
    /// Calendar fade model.
    #[serde(default)]
    pub calendar: Option<CalendarFade>,
    /// DC round-trip efficiency of the battery, fraction.
    #[serde(default)]
    pub round_trip_efficiency: Option<Sourced>,
}

/// The power-conversion side of a catalog entry (UPS or PCS).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConverterSpec {
    /// Rated apparent power, kVA.
    pub rated_kva: Sourced,
    /// Rated active power, kW.
    pub rated_kw: Sourced,
    /// Efficiency at rated load (double conversion for a UPS, one way for a PCS), fraction.
    pub efficiency: Sourced,
    /// Lowest DC (battery) voltage the unit operates at, V.
    pub dc_min_v: Sourced,
    /// Highest DC voltage the unit accepts (float/charge), V.
    pub dc_max_v: Sourced,
    /// Maximum DC current, A.
    #[serde(default)]
    pub max_dc_current_a: Option<Sourced>,
}

/// Outline dimensions of one unit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Dimensions {
    /// Width, mm.
    pub width_mm: f64,
    /// Depth, mm.
    pub depth_mm: f64,
    /// Height, mm.
    pub height_mm: f64,
    /// Where the dimensions come from.
    #[serde(default)]
    pub source: String,
}

/// Listing and test-data flags (`None` = not known).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Listings {
    /// Listed to UL 9540 (energy storage system).
    #[serde(default)]
    pub ul9540: Option<bool>,
    /// UL 9540A large-scale fire test data available.
    #[serde(default)]
    pub ul9540a_data: Option<bool>,
    /// Listed to UL 1973 (stationary batteries).
    #[serde(default)]
    pub ul1973: Option<bool>,
    /// Where the flags come from.
    #[serde(default)]
    pub source: String,
}

/// Where an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryOrigin {
    /// Shipped with Backstop.
    #[default]
    BuiltIn,
    /// Added or edited by the user (kept in the project file).
    User,
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// Stable key, unique in a catalog (e.g. `"eve-lf280k"`).
    pub key: String,
    /// Display name.
    pub name: String,
    /// Manufacturer.
    #[serde(default)]
    pub manufacturer: String,
    /// Model designation.
    #[serde(default)]
    pub model: String,
    /// Product family; members share discharge tables given per Ah.
    #[serde(default)]
    pub family: String,
    /// Kind of equipment.
    pub kind: EquipmentKind,
    /// Battery data (cells, blocks, modules, cabinets, containers).
    #[serde(default)]
    pub battery: Option<BatterySpec>,
    /// Converter data (UPS, PCS).
    #[serde(default)]
    pub converter: Option<ConverterSpec>,
    /// Outline of one unit.
    #[serde(default)]
    pub dimensions: Option<Dimensions>,
    /// Weight of one unit, kg.
    #[serde(default)]
    pub weight_kg: Option<Sourced>,
    /// Heat released by one unit in standby/float, W.
    #[serde(default)]
    pub standby_heat_w: Option<Sourced>,
    /// Budget price of one unit, USD.
    #[serde(default)]
    pub cost_usd: Option<Sourced>,
    /// Listing flags.
    #[serde(default)]
    pub listings: Listings,
    /// Free notes (what to verify, options included).
    #[serde(default)]
    pub notes: String,
    /// Built-in or user entry.
    #[serde(default)]
    pub origin: EntryOrigin,
}

/// A catalog: the built-in entries plus the user's.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Catalog {
    /// Entries, keys unique.
    #[serde(default)]
    pub entries: Vec<CatalogEntry>,
}

impl Catalog {
    /// The entry with `key`, if any.
    pub fn get(&self, key: &str) -> Option<&CatalogEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Adds `entry`, replacing an entry with the same key.
    pub fn upsert(&mut self, entry: CatalogEntry) {
        match self.entries.iter_mut().find(|e| e.key == entry.key) {
            Some(slot) => *slot = entry,
            None => self.entries.push(entry),
        }
    }
}

fn default_25() -> f64 {
    25.0
}

fn default_one() -> u32 {
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_entry_round_trips_and_old_files_load() {
        let json = r#"{"key":"x","name":"X","kind":"cell"}"#;
        let e: CatalogEntry = serde_json::from_str(json).unwrap();
        assert_eq!(e.origin, EntryOrigin::BuiltIn);
        assert!(e.battery.is_none());
        let back: CatalogEntry = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn upsert_replaces_by_key() {
        let mut c = Catalog::default();
        let e = CatalogEntry {
            key: "a".into(),
            name: "A".into(),
            manufacturer: String::new(),
            model: String::new(),
            family: String::new(),
            kind: EquipmentKind::Cell,
            battery: None,
            converter: None,
            dimensions: None,
            weight_kg: None,
            standby_heat_w: None,
            cost_usd: None,
            listings: Listings::default(),
            notes: String::new(),
            origin: EntryOrigin::User,
        };
        c.upsert(e.clone());
        c.upsert(CatalogEntry { name: "A2".into(), ..e });
        assert_eq!(c.entries.len(), 1);
        assert_eq!(c.get("a").unwrap().name, "A2");
    }
}
