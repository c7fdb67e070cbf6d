//! Equipment catalog types: cells, monoblocs, modules, battery cabinets and
//! containers, UPS and PCS units — every figure with its source.
//!
//! Design choices:
//! - **Every value carries its source.** Scalars are [`Sourced`] (`value` +
//!   `source`); tables and curves carry one source each. A bare number is
//!   accepted when reading (`capacity_ah = 24`) and gets an empty source,
//!   which validation in `backstop-sizing` reports as a warning.
//! - **A battery entry describes one orderable unit** (a cell, a 12 V block,
//!   a module, a cabinet, a container): `cells_series` × `cells_parallel`
//!   cells. A string is some number of units in series; a system is strings
//!   in parallel. Units that are mounted into racks or cabinets name that
//!   [`Enclosure`], so footprint and cabinet counts follow.
//! - **Stable keys** (`"vrla-yuasa-np24-12"`) identify entries in layouts,
//!   sizing cases and project files; the built-in catalog never reuses a key
//!   for different equipment.
//! - The layout rules read entries through [`CatalogEntry::equipment_spec`]
//!   (footprint, mass, energy, chemistry, listing, heat, cost).

use serde::{Deserialize, Serialize};

use crate::layout::{Chemistry, EquipmentSpec, FireTestData};

/// A value and where it comes from (datasheet, page, standard, or "typical
/// value, verify against vendor datasheet").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it comes from; empty when unknown (validation warns).
    #[serde(default)]
    pub source: String,
}

/// Reads `3.2` or `{ value = 3.2, source = "…" }`, with an error that says
/// which two shapes are accepted.
impl<'de> Deserialize<'de> for Sourced<f64> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Sourced<f64>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number, or { value = <number>, source = \"<where it comes from>\" }")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Sourced { value: v, source: String::new() })
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Sourced { value: v as f64, source: String::new() })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Sourced { value: v as f64, source: String::new() })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut value: Option<f64> = None;
                let mut source = String::new();
                while let Some(k) = map.next_key::<String>()? {
                    match k.as_str() {
                        "value" => value = Some(map.next_value()?),
                        "source" => source = map.next_value()?,
                        other => {
                            return Err(serde::de::Error::unknown_field(other, &["value", "source"]));
                        }
                    }
                }
                let value = value.ok_or_else(|| serde::de::Error::missing_field("value"))?;
                Ok(Sourced { value, source })
            }
        }
        d.deserialize_any(V)
    }
}

impl<T> Sourced<T> {
    /// A value with its source.
    pub fn new(value: T, source: impl Into<String>) -> Self {
        Sourced { value, source: source.into() }
    }
}

/// What kind of equipment an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// A single cell.
    Cell,
    /// A lead-acid or Ni-Cd monobloc (several cells in one case).
    Block,
    /// A battery module (mounted in a rack or cabinet).
    Module,
    /// A floor-standing battery cabinet or rack (one string or part of one).
    Cabinet,
    /// A containerised battery (grid scale).
    Container,
    /// A UPS (rectifier + inverter, battery on its DC bus).
    Ups,
    /// A power conversion system (bidirectional inverter for grid BESS).
    Pcs,
}

impl EntryKind {
    /// Stable kebab-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EntryKind::Cell => "cell",
            EntryKind::Block => "block",
            EntryKind::Module => "module",
            EntryKind::Cabinet => "cabinet",
            EntryKind::Container => "container",
            EntryKind::Ups => "ups",
            EntryKind::Pcs => "pcs",
        }
    }

    /// Whether entries of this kind stand on the floor (placed on the plan,
    /// with working space in front): cabinets, containers, UPS and PCS;
    /// cells, blocks and modules go inside them.
    pub const fn stands_on_floor(self) -> bool {
        matches!(self, EntryKind::Cabinet | EntryKind::Container | EntryKind::Ups | EntryKind::Pcs)
    }

    /// Whether entries of this kind store energy.
    pub const fn is_battery(self) -> bool {
        !matches!(self, EntryKind::Ups | EntryKind::Pcs)
    }

    /// The kind of a kebab-case name ([`EntryKind::as_str`]).
    pub fn from_name(name: &str) -> Option<EntryKind> {
        [EntryKind::Cell, EntryKind::Block, EntryKind::Module, EntryKind::Cabinet, EntryKind::Container, EntryKind::Ups, EntryKind::Pcs]
            .into_iter()
            .find(|k| k.as_str() == name)
    }

    /// The tag prefix a placed item of this kind gets when the engineer
    /// gives none: `UPS-`, `PCS-`, `BESS-` for a containerised battery and
    /// `BC-` for every other battery. The one rule the app, the CLI and the
    /// UI's suggestions share ([`tag_prefix_of`] gives `EQ-` for an entry
    /// of no known kind).
    pub const fn default_tag_prefix(self) -> &'static str {
        match self {
            EntryKind::Ups => "UPS-",
            EntryKind::Pcs => "PCS-",
            EntryKind::Container => "BESS-",
            EntryKind::Cell | EntryKind::Block | EntryKind::Module | EntryKind::Cabinet => "BC-",
        }
    }

    /// The power-unit kind an item of this kind is placed as on the plan
    /// (a UPS or a PCS); `None`: it is placed as equipment.
    pub const fn power_unit_kind(self) -> Option<crate::layout::PowerUnitKind> {
        match self {
            EntryKind::Ups => Some(crate::layout::PowerUnitKind::Ups),
            EntryKind::Pcs => Some(crate::layout::PowerUnitKind::Pcs),
            EntryKind::Cell | EntryKind::Block | EntryKind::Module | EntryKind::Cabinet | EntryKind::Container => None,
        }
    }
}

/// The tag prefix of an item placed from an entry of `kind`
/// ([`EntryKind::default_tag_prefix`]), `EQ-` when its kind is not known
/// (a datasheet's own record).
pub const fn tag_prefix_of(kind: Option<EntryKind>) -> &'static str {
    match kind {
        Some(k) => k.default_tag_prefix(),
        None => "EQ-",
    }
}

/// Cell chemistry (finer than the fire-code [`Chemistry`] families).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CellChemistry {
    /// Lithium iron phosphate.
    Lfp,
    /// Lithium nickel manganese cobalt oxide.
    Nmc,
    /// Lithium nickel cobalt aluminium oxide.
    Nca,
    /// Lithium titanate.
    Lto,
    /// Valve-regulated lead-acid (AGM or gel).
    Vrla,
    /// Vented (flooded) lead-acid.
    FloodedLeadAcid,
    /// Nickel-cadmium.
    NiCd,
    /// Sodium-ion.
    SodiumIon,
}

impl CellChemistry {
    /// The fire-code family the chemistry belongs to.
    pub const fn family(self) -> Chemistry {
        match self {
            CellChemistry::Lfp | CellChemistry::Nmc | CellChemistry::Nca | CellChemistry::Lto => Chemistry::LithiumIon,
            CellChemistry::Vrla | CellChemistry::FloodedLeadAcid => Chemistry::LeadAcid,
            CellChemistry::NiCd => Chemistry::NickelCadmium,
            CellChemistry::SodiumIon => Chemistry::Sodium,
        }
    }

    /// Short label (`LFP`, `VRLA`, …).
    pub const fn label(self) -> &'static str {
        match self {
            CellChemistry::Lfp => "LFP",
            CellChemistry::Nmc => "NMC",
            CellChemistry::Nca => "NCA",
            CellChemistry::Lto => "LTO",
            CellChemistry::Vrla => "VRLA",
            CellChemistry::FloodedLeadAcid => "flooded lead-acid",
            CellChemistry::NiCd => "Ni-Cd",
            CellChemistry::SodiumIon => "Na-ion",
        }
    }

    /// Lead-acid or Ni-Cd (the IEEE 485/1115 families).
    pub const fn is_aqueous(self) -> bool {
        matches!(self, CellChemistry::Vrla | CellChemistry::FloodedLeadAcid | CellChemistry::NiCd)
    }
}

/// What the values of a discharge table mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TableBasis {
    /// Constant power, W per cell.
    WattsPerCell,
    /// Constant power, W per cell per rated Ah (a family table, e.g. Yuasa NP).
    WattsPerCellPerAh,
    /// Constant current, A per cell (per cell string of the unit).
    AmpsPerCell,
    /// Constant power, kW per unit (cabinet or module datasheets).
    KwPerUnit,
}

impl TableBasis {
    /// Unit text of the table values.
    pub const fn unit(self) -> &'static str {
        match self {
            TableBasis::WattsPerCell => "W/cell",
            TableBasis::WattsPerCellPerAh => "W/cell/Ah",
            TableBasis::AmpsPerCell => "A/cell",
            TableBasis::KwPerUnit => "kW/unit",
        }
    }
}

/// A discharge table to one end voltage: what the unit delivers for each
/// duration (typically 5, 10, 15, 30 and 60 minutes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DischargeTable {
    /// End-of-discharge voltage, V per cell.
    pub end_v_cell: f64,
    /// What the values mean.
    pub basis: TableBasis,
    /// Cell temperature of the table, °C (25 unless the datasheet says otherwise).
    #[serde(default = "default_25")]
    pub temperature_c: f64,
    /// `[minutes, value]` pairs, sorted by duration.
    pub points: Vec<[f64; 2]>,
    /// Datasheet and page, or "typical value, verify against vendor datasheet".
    #[serde(default)]
    pub source: String,
}

fn default_25() -> f64 {
    25.0
}

fn default_one() -> u32 {
    1
}

/// Open-circuit voltage versus state of charge at one temperature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OcvCurve {
    /// Cell temperature, °C.
    #[serde(default = "default_25")]
    pub temperature_c: f64,
    /// `[SOC fraction 0..1, V per cell]` pairs, sorted by SOC.
    pub points: Vec<[f64; 2]>,
    /// Source of the curve.
    #[serde(default)]
    pub source: String,
}

/// A curve of a dimensionless factor versus temperature (e.g. available
/// capacity relative to the 25 °C rating).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemperatureCurve {
    /// `[°C, factor]` pairs, sorted by temperature.
    pub points: Vec<[f64; 2]>,
    /// Source of the curve.
    #[serde(default)]
    pub source: String,
}

/// The RC pair of a first-order equivalent circuit (per cell).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RcPair {
    /// Polarisation resistance R1, mΩ per cell.
    pub r1_mohm: f64,
    /// Time constant R1·C1, s.
    pub tau_s: f64,
    /// Source of the values.
    #[serde(default)]
    pub source: String,
}

/// Cycle life as the datasheet states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleLife {
    /// Full cycles to the end-of-life state of health.
    pub cycles: f64,
    /// Depth of discharge of those cycles (fraction).
    pub dod: f64,
    /// State of health at end of life (fraction, e.g. 0.8).
    pub eol_soh: f64,
    /// Source.
    #[serde(default)]
    pub source: String,
}

/// Electrical data of a battery unit (cell, block, module, cabinet, container).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatteryData {
    /// Cell chemistry.
    pub chemistry: CellChemistry,
    /// Cells in series inside one unit (1 for a cell, 6 for a 12 V lead-acid block).
    #[serde(default = "default_one")]
    pub cells_series: u32,
    /// Cells (or cell strings) in parallel inside one unit.
    #[serde(default = "default_one")]
    pub cells_parallel: u32,
    /// Nominal voltage, V per cell.
    pub nominal_v_cell: Sourced<f64>,
    /// Lowest permitted discharge voltage, V per cell.
    pub min_v_cell: Sourced<f64>,
    /// Highest permitted (charge) voltage, V per cell.
    pub max_v_cell: Sourced<f64>,
    /// Float / standby voltage, V per cell (lead-acid; for Li-ion the
    /// standby charge voltage). Defaults to `max_v_cell` when absent.
    #[serde(default)]
    pub float_v_cell: Option<Sourced<f64>>,
    /// Rated capacity of the unit, Ah.
    pub capacity_ah: Sourced<f64>,
    /// Discharge time of the rating, h (20 for VRLA C20, 1 for Li-ion at 1C).
    #[serde(default = "default_rate_h")]
    pub capacity_rate_h: f64,
    /// Nominal energy of the unit, Wh.
    pub energy_wh: Sourced<f64>,
    /// Highest continuous discharge rate, C (1/h).
    pub continuous_c: Sourced<f64>,
    /// Highest short-time discharge rate, C, if stated.
    #[serde(default)]
    pub peak_c: Option<Sourced<f64>>,
    /// Highest current of one string of units (BMS, contactor, fuse), A, if limited.
    #[serde(default)]
    pub max_string_current_a: Option<Sourced<f64>>,
    /// Units in series the vendor allows per string (empty: any count that
    /// fits the DC window).
    #[serde(default)]
    pub series_options: Vec<u32>,
    /// Most strings the vendor allows in parallel, if limited.
    #[serde(default)]
    pub max_parallel_strings: Option<u32>,
    /// Constant-power / constant-current discharge tables.
    #[serde(default)]
    pub discharge_tables: Vec<DischargeTable>,
    /// OCV–SOC curves (one or more temperatures).
    #[serde(default)]
    pub ocv: Vec<OcvCurve>,
    /// DC internal resistance R0 at 25 °C, mΩ per cell.
    #[serde(default)]
    pub r0_mohm: Option<Sourced<f64>>,
    /// Temperature dependence of R0: Arrhenius Ea/R, K
    /// (R0(T) = R0(25 °C)·exp(k·(1/T − 1/298.15))).
    #[serde(default)]
    pub r0_activation_k: Option<Sourced<f64>>,
    /// The RC pair of the equivalent circuit.
    #[serde(default)]
    pub rc: Option<RcPair>,
    /// Available capacity versus temperature, relative to the rating.
    #[serde(default)]
    pub capacity_vs_temperature: Option<TemperatureCurve>,
    /// Heat released by one unit at its rated continuous discharge, W.
    #[serde(default)]
    pub heat_loss_w: Option<Sourced<f64>>,
    /// Cycle life.
    #[serde(default)]
    pub cycle_life: Option<CycleLife>,
}

fn default_rate_h() -> f64 {
    1.0
}

/// Data of a UPS or PCS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConverterData {
    /// Rated apparent power, kVA.
    pub rated_kva: Sourced<f64>,
    /// Rated active power, kW.
    pub rated_kw: Sourced<f64>,
    /// Efficiency at the battery-to-AC conversion (double conversion for UPS), fraction.
    pub efficiency: Sourced<f64>,
    /// Lowest DC bus voltage (battery end of discharge), V.
    pub dc_v_min: Sourced<f64>,
    /// Highest DC bus voltage (float / charge), V.
    pub dc_v_max: Sourced<f64>,
    /// AC voltage (line to line), V.
    #[serde(default)]
    pub ac_v: Option<Sourced<f64>>,
}

/// Outside dimensions and mass of a unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Physical {
    /// Width (front face), mm.
    pub width_mm: Sourced<f64>,
    /// Depth, mm.
    pub depth_mm: Sourced<f64>,
    /// Height, mm.
    pub height_mm: Sourced<f64>,
    /// Mass, kg.
    pub mass_kg: Sourced<f64>,
    /// Widest hinged door or panel on the front, mm (0 when none).
    #[serde(default)]
    pub front_door_leaf_mm: u32,
}

/// The rack or cabinet that units (cells, blocks, modules) are mounted in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enclosure {
    /// What it is ("battery cabinet, 40 blocks").
    pub name: String,
    /// Most units one enclosure holds.
    pub units_max: u32,
    /// Width, mm.
    pub width_mm: f64,
    /// Depth, mm.
    pub depth_mm: f64,
    /// Height, mm.
    pub height_mm: f64,
    /// Empty mass, kg.
    pub empty_mass_kg: f64,
    /// Cost of the empty enclosure (with its busbars, breaker and BMS).
    pub cost: f64,
    /// How strings map to enclosures. Absent: units are packed `units_max`
    /// to an enclosure whatever string they belong to (open racks of blocks
    /// or modules; a string may span racks). `1`: every string has
    /// enclosures of its own (a cabinet with its own BMS and DC breaker); a
    /// string longer than `units_max` takes ⌈units in series ÷ units_max⌉
    /// of them. `n > 1`: up to `n` whole strings share one enclosure (as
    /// many as fit in `units_max`).
    #[serde(default)]
    pub strings_per_enclosure: Option<u32>,
    /// Source of these figures.
    #[serde(default)]
    pub source: String,
}

/// Listing and fire-test data.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Listing {
    /// Listed to UL 9540 (energy storage system).
    #[serde(default)]
    pub ul9540: bool,
    /// UL 9540A (large-scale fire test) data is available.
    #[serde(default)]
    pub ul9540a_data: bool,
    /// Listed pre-engineered / prepackaged system (IFC 1206 / NFPA 855).
    #[serde(default)]
    pub pre_engineered: bool,
    /// What the fire test allows (array energy, spacing), if declared.
    #[serde(default)]
    pub fire_test: Option<FireTestData>,
    /// Source of the listing claims.
    #[serde(default)]
    pub source: String,
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// Stable key (lowercase, digits and `-`), e.g. `"vrla-yuasa-np24-12"`.
    pub key: String,
    /// Kind of equipment.
    pub kind: EntryKind,
    /// Manufacturer.
    pub manufacturer: String,
    /// Model designation.
    pub model: String,
    /// One-line description.
    #[serde(default)]
    pub description: String,
    /// Part of the built-in catalog (false for user entries).
    #[serde(default)]
    pub builtin: bool,
    /// Battery data (battery kinds only).
    #[serde(default)]
    pub battery: Option<BatteryData>,
    /// Converter data (UPS and PCS only).
    #[serde(default)]
    pub converter: Option<ConverterData>,
    /// Dimensions and mass of one unit.
    pub physical: Physical,
    /// The enclosure units are mounted in, for cells, blocks and modules.
    #[serde(default)]
    pub enclosure: Option<Enclosure>,
    /// Cost of one unit, in the project's currency.
    pub cost: Sourced<f64>,
    /// Listing and fire-test data.
    #[serde(default)]
    pub listing: Listing,
    /// Free remarks (what was not verified, ordering notes).
    #[serde(default)]
    pub notes: String,
}

impl CatalogEntry {
    /// Nominal energy of one unit, kWh (0 for UPS/PCS).
    pub fn energy_kwh(&self) -> f64 {
        self.battery.as_ref().map_or(0.0, |b| b.energy_wh.value / 1000.0)
    }

    /// Fire-code chemistry family, `None` for UPS/PCS.
    pub fn chemistry(&self) -> Option<Chemistry> {
        self.battery.as_ref().map(|b| b.chemistry.family())
    }

    /// Footprint `(width, depth, height)` of one unit, mm.
    pub fn dimensions_mm(&self) -> (f64, f64, f64) {
        (self.physical.width_mm.value, self.physical.depth_mm.value, self.physical.height_mm.value)
    }

    /// Mass of one unit, kg.
    pub fn mass_kg(&self) -> f64 {
        self.physical.mass_kg.value
    }

    /// Heat of one unit at rated operation, kW: the battery's stated heat
    /// loss, or for UPS/PCS the conversion loss at rated power.
    pub fn heat_kw(&self) -> f64 {
        if let Some(b) = &self.battery {
            return b.heat_loss_w.as_ref().map_or(0.0, |h| h.value / 1000.0);
        }
        if let Some(c) = &self.converter {
            let eff = c.efficiency.value;
            if eff > 0.0 && eff <= 1.0 {
                return c.rated_kw.value * (1.0 / eff - 1.0);
            }
        }
        0.0
    }

    /// Rated power of one unit, kW: continuous discharge for batteries
    /// (nominal energy × continuous C-rate), rated output for UPS/PCS.
    pub fn power_kw(&self) -> f64 {
        if let Some(b) = &self.battery {
            return b.energy_wh.value / 1000.0 * b.continuous_c.value;
        }
        self.converter.as_ref().map_or(0.0, |c| c.rated_kw.value)
    }

    /// Display name: manufacturer and model.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.manufacturer, self.model)
    }

    /// The data the layout rules and the bill of materials need, for the
    /// item that stands on the floor: the entry itself for cabinets,
    /// containers, UPS and PCS; for cells, blocks and modules with an
    /// [`Enclosure`], a full enclosure (its footprint, `units_max` units of
    /// energy, empty mass plus units, enclosure plus unit cost).
    pub fn equipment_spec(&self) -> EquipmentSpec {
        let (w, d, h) = self.dimensions_mm();
        let mm = |v: f64| if v.is_finite() && v > 0.0 { v.round().min(u32::MAX as f64) as u32 } else { 0 };
        let mut spec = EquipmentSpec {
            key: self.key.clone(),
            description: format!("{} ({})", self.display_name(), self.kind.as_str()),
            width_mm: mm(w),
            depth_mm: mm(d),
            height_mm: mm(h),
            mass_kg: self.mass_kg(),
            energy_kwh: self.energy_kwh(),
            chemistry: self.chemistry(),
            power_kw: self.power_kw(),
            heat_kw: self.heat_kw(),
            unit_cost: self.cost.value,
            listed_pre_engineered: self.listing.pre_engineered,
            fire_test: self.listing.fire_test.clone(),
            needs_working_space: self.kind.stands_on_floor(),
            front_door_leaf_mm: self.physical.front_door_leaf_mm,
        };
        if let Some(enc) = &self.enclosure {
            let n = f64::from(enc.units_max);
            spec.description = format!("{} with {} × {}", enc.name, enc.units_max, self.display_name());
            spec.width_mm = mm(enc.width_mm);
            spec.depth_mm = mm(enc.depth_mm);
            spec.height_mm = mm(enc.height_mm);
            spec.mass_kg = enc.empty_mass_kg + n * self.mass_kg();
            spec.energy_kwh = n * self.energy_kwh();
            spec.power_kw = n * self.power_kw();
            spec.heat_kw = n * self.heat_kw();
            spec.unit_cost = enc.cost + n * self.cost.value;
            spec.needs_working_space = true;
        }
        spec
    }
}

/// A field-level problem with a catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Field path within the entry (e.g. `"battery.capacity_ah"`).
    pub field: String,
    /// What is wrong and what to enter instead.
    pub message: String,
    /// A warning (missing source, unverified value) rather than an error.
    #[serde(default)]
    pub warning: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tag_prefixes_follow_the_kind() {
        let prefix = |name: &str| EntryKind::from_name(name).map(EntryKind::default_tag_prefix);
        assert_eq!(prefix("container"), Some("BESS-"));
        assert_eq!(prefix("cabinet"), Some("BC-"));
        assert_eq!(prefix("ups"), Some("UPS-"));
        assert_eq!(prefix("pcs"), Some("PCS-"));
        assert_eq!(prefix("fork-lift"), None);
        for k in ["cell", "block", "module", "cabinet", "container", "ups", "pcs"] {
            assert_eq!(EntryKind::from_name(k).map(EntryKind::as_str), Some(k));
        }
    }

    #[test]
    fn an_entry_of_no_known_kind_is_tagged_eq_and_only_ups_and_pcs_are_power_units() {
        assert_eq!(tag_prefix_of(EntryKind::from_name("fork-lift")), "EQ-");
        assert_eq!(tag_prefix_of(Some(EntryKind::Container)), "BESS-");
        use crate::layout::PowerUnitKind;
        let all = [
            EntryKind::Cell,
            EntryKind::Block,
            EntryKind::Module,
            EntryKind::Cabinet,
            EntryKind::Container,
            EntryKind::Ups,
            EntryKind::Pcs,
        ];
        let units: Vec<(EntryKind, PowerUnitKind)> = all.iter().filter_map(|k| k.power_unit_kind().map(|u| (*k, u))).collect();
        assert_eq!(units, vec![(EntryKind::Ups, PowerUnitKind::Ups), (EntryKind::Pcs, PowerUnitKind::Pcs)]);
        // What stands on the floor: the power units and the battery enclosures.
        let floor: Vec<EntryKind> = all.into_iter().filter(|k| k.stands_on_floor()).collect();
        assert_eq!(floor, vec![EntryKind::Cabinet, EntryKind::Container, EntryKind::Ups, EntryKind::Pcs]);
    }

    #[test]
    fn sourced_errors_say_what_is_accepted() {
        let e = serde_json::from_str::<Sourced<f64>>("\"24\"").unwrap_err().to_string();
        assert!(e.contains("a number, or { value"), "{e}");
        let e = serde_json::from_str::<Sourced<f64>>(r#"{"valu": 3}"#).unwrap_err().to_string();
        assert!(e.contains("valu"), "{e}");
    }

    #[test]
    fn sourced_reads_bare_and_full() {
        let a: Sourced<f64> = serde_json::from_str("3.2").unwrap();
        assert_eq!(a, Sourced { value: 3.2, source: String::new() });
        let b: Sourced<f64> = serde_json::from_str(r#"{"value":3.2,"source":"ds p.2"}"#).unwrap();
        assert_eq!(b.source, "ds p.2");
        let back: Sourced<f64> = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(back, b);
    }
}
