//! Site layout: the geometry of a client site as the engineer draws it.
//!
//! This module is the *foundation* of the layout model: rooms, placed
//! equipment, IT racks, UPS/PCS units and egress paths. Rule sets and rule
//! violations are added by the layout-rules work beside these types.
//!
//! Conventions (all types below follow them):
//! - **Coordinates** are integer millimetres on one site plan ("plan
//!   coordinates"): `x` grows to the east (right), `y` grows to the north
//!   (up). Integers keep the geometry exact through JSON and SQLite.
//! - **Rotation** turns an item counter-clockwise about its centre. At
//!   [`Rotation::R0`] an item's *front* faces south (−y, toward the bottom of
//!   the plan), its width runs along x and its depth along y.
//! - **Keys**: every item has a stable, human-meaningful key (`id` for rooms
//!   and egress paths, `tag` such as `"BC-01"` for equipment) that is unique
//!   within its list. References between items use these keys.
//! - Physical quantities carry their unit in the field name (`_mm`, `_kw`,
//!   `_kg_m2`, `_v`, `_a`).

use serde::{Deserialize, Serialize};

/// A point on the site plan, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Point {
    /// East coordinate, mm.
    pub x_mm: i64,
    /// North coordinate, mm.
    pub y_mm: i64,
}

impl Point {
    /// A point at (`x_mm`, `y_mm`).
    pub const fn new(x_mm: i64, y_mm: i64) -> Self {
        Point { x_mm, y_mm }
    }
}

/// Quarter-turn orientation of a placed item (counter-clockwise). Written
/// as its number of degrees (`0`, `90`, `180`, `270`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Rotation {
    /// Front faces south (−y).
    #[default]
    R0,
    /// Front faces east (+x).
    R90,
    /// Front faces north (+y).
    R180,
    /// Front faces west (−x).
    R270,
}

impl Serialize for Rotation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.degrees())
    }
}

impl<'de> Deserialize<'de> for Rotation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let degrees = u16::deserialize(deserializer)?;
        Rotation::from_degrees(degrees)
            .ok_or_else(|| serde::de::Error::custom(format!("rotation must be 0, 90, 180 or 270 degrees, not {degrees}")))
    }
}

impl Rotation {
    /// The rotation in degrees: 0, 90, 180 or 270.
    pub const fn degrees(self) -> u16 {
        match self {
            Rotation::R0 => 0,
            Rotation::R90 => 90,
            Rotation::R180 => 180,
            Rotation::R270 => 270,
        }
    }

    /// The rotation for `degrees` if it is one of 0, 90, 180, 270.
    pub const fn from_degrees(degrees: u16) -> Option<Self> {
        match degrees {
            0 => Some(Rotation::R0),
            90 => Some(Rotation::R90),
            180 => Some(Rotation::R180),
            270 => Some(Rotation::R270),
            _ => None,
        }
    }
}

/// Outline of a room on the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RoomShape {
    /// An axis-aligned rectangle: `origin` is its south-west corner.
    Rectangle {
        /// South-west corner.
        origin: Point,
        /// Extent along x, mm.
        width_mm: u32,
        /// Extent along y, mm.
        depth_mm: u32,
    },
    /// A simple polygon given by its vertices in order (either winding); the
    /// last vertex connects back to the first. Needs at least three vertices
    /// to enclose an area (checked by the layout rules, not here).
    Polygon {
        /// Vertices in order around the outline.
        vertices: Vec<Point>,
    },
}

impl RoomShape {
    /// The outline's vertices in order (a rectangle's corners
    /// counter-clockwise from its south-west corner). Saturates at the
    /// integer range.
    pub fn vertices(&self) -> Vec<Point> {
        match self {
            RoomShape::Rectangle { origin, width_mm, depth_mm } => {
                let (x1, y1) = (origin.x_mm.saturating_add(i64::from(*width_mm)), origin.y_mm.saturating_add(i64::from(*depth_mm)));
                vec![*origin, Point::new(x1, origin.y_mm), Point::new(x1, y1), Point::new(origin.x_mm, y1)]
            }
            RoomShape::Polygon { vertices } => vertices.clone(),
        }
    }
}

/// Which way a door leaf swings, seen from inside the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DoorSwing {
    /// Swings into the room.
    Inward,
    /// Swings out of the room (the usual requirement for exit doors of
    /// battery rooms).
    Outward,
    /// Slides along the wall; no swing arc.
    Sliding,
}

impl DoorSwing {
    /// Stable lowercase name (`inward`/`outward`/`sliding`), as stored in files.
    pub const fn as_str(self) -> &'static str {
        match self {
            DoorSwing::Inward => "inward",
            DoorSwing::Outward => "outward",
            DoorSwing::Sliding => "sliding",
        }
    }

    /// Parses the stable name written by [`DoorSwing::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [DoorSwing::Inward, DoorSwing::Outward, DoorSwing::Sliding].into_iter().find(|d| d.as_str() == s)
    }
}

/// Where a door leads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", content = "room_id", rename_all = "kebab-case")]
pub enum DoorLeadsTo {
    /// Directly outdoors (an exit discharge).
    Outside,
    /// Into a corridor or space that is not modelled as a room.
    Corridor,
    /// Into another room of this layout, by room id.
    Room(String),
}

/// The side a door leaf is hinged on, seen from inside the room facing the
/// door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DoorHinge {
    /// Hinged on the left.
    Left,
    /// Hinged on the right (how doors without a hinge side were drawn).
    #[default]
    Right,
}

impl DoorHinge {
    /// `left` or `right`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DoorHinge::Left => "left",
            DoorHinge::Right => "right",
        }
    }
}

/// A door in one wall of a room's outline: a first-class item with its own
/// id, so rules, the plan and the bill of materials can name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Door {
    /// Stable key, unique among the doors and columns of the layout (e.g.
    /// `"D-1"`). Doors saved before doors had ids have none; they are named
    /// by their room and number ([`Door::key`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Centre of the door opening, on the room's outline (the wall it sits
    /// in is the outline edge nearest to it).
    pub position: Point,
    /// Clear opening width, mm.
    pub width_mm: u32,
    /// Swing direction.
    pub swing: DoorSwing,
    /// Hinge side (ignored for sliding doors).
    #[serde(default, skip_serializing_if = "is_default")]
    pub hinge: DoorHinge,
    /// Where the door leads.
    pub leads_to: DoorLeadsTo,
    /// Fire-protection rating of the door assembly, minutes (0: not rated).
    #[serde(default, skip_serializing_if = "is_default")]
    pub fire_rating_min: u32,
    /// Fitted with listed panic (or fire exit) hardware.
    #[serde(default, skip_serializing_if = "is_default")]
    pub panic_hardware: bool,
}

impl Door {
    /// A door without id, hinged on the right, not fire-rated, without
    /// panic hardware.
    pub fn new(position: Point, width_mm: u32, swing: DoorSwing, leads_to: DoorLeadsTo) -> Self {
        Door { id: String::new(), position, width_mm, swing, hinge: DoorHinge::Right, leads_to, fire_rating_min: 0, panic_hardware: false }
    }

    /// The key naming door `index` (0-based) of room `room_id`: its id, or
    /// `"<room>/door-<n>"` (1-based) when it has none.
    pub fn key(&self, room_id: &str, index: usize) -> String {
        if self.id.is_empty() { format!("{room_id}/door-{}", index + 1) } else { self.id.clone() }
    }
}

/// A building column standing in a room: an obstacle to equipment, working
/// space, door swings and egress, and a wall for the array spacing.
/// Axis-aligned rectangle (a round column is entered as its enclosing
/// square).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Stable key, unique among the doors and columns of the layout (e.g.
    /// `"C-1"`).
    pub id: String,
    /// Centre on the plan.
    pub position: Point,
    /// Extent along x, mm.
    pub width_mm: u32,
    /// Extent along y, mm.
    pub depth_mm: u32,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Whether a space is inside a building or outdoors (yard, roof, pad).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Environment {
    /// Inside a building.
    #[default]
    Indoor,
    /// Outdoors.
    Outdoor,
}

impl Environment {
    /// Stable lowercase name (`indoor`/`outdoor`), as stored in files.
    pub const fn as_str(self) -> &'static str {
        match self {
            Environment::Indoor => "indoor",
            Environment::Outdoor => "outdoor",
        }
    }

    /// Parses the stable name written by [`Environment::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "indoor" => Some(Environment::Indoor),
            "outdoor" => Some(Environment::Outdoor),
            _ => None,
        }
    }
}

/// A room or outdoor area that holds equipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Room {
    /// Stable key, unique among rooms (e.g. `"B1-ESS"`).
    pub id: String,
    /// Display name (e.g. `"Battery room 1"`).
    pub name: String,
    /// Outline on the plan.
    pub shape: RoomShape,
    /// Clear height, mm.
    pub height_mm: u32,
    /// Allowable uniformly distributed floor load, kg/m².
    pub floor_load_kg_m2: f64,
    /// Fire area (fire compartment) the room belongs to, if assigned. Rooms
    /// sharing an id form one fire area for the energy-per-area limits.
    pub fire_area: Option<String>,
    /// Indoor or outdoor.
    pub environment: Environment,
    /// Doors in the outline.
    pub doors: Vec<Door>,
    /// Building columns standing in the room.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Column>,
    /// Key of the sizing case (`Design::sizing_cases`) whose battery the
    /// room holds: its battery equipment and UPS/PCS units are checked
    /// against that case's governing result (installed units, energy,
    /// strings, converter power), unless an item names a case of its own.
    /// `None`: the room serves no case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serves_case: Option<String>,
}

/// Required working clearances around a placed item, mm. "Front" is the
/// side the item faces (see [`Rotation`]); "left"/"right" are seen when
/// standing in front of it and facing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Clearances {
    /// In front of the item (working space), mm.
    pub front_mm: u32,
    /// Behind the item, mm.
    pub rear_mm: u32,
    /// To the item's left, mm.
    pub left_mm: u32,
    /// To the item's right, mm.
    pub right_mm: u32,
}

/// Where an item sits: its room, the plan position of its footprint's
/// centre, and its orientation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Placement {
    /// Room the item stands in, by [`Room::id`].
    pub room_id: String,
    /// Centre of the item's footprint on the plan.
    pub position: Point,
    /// Orientation.
    pub rotation: Rotation,
}

/// A piece of equipment placed on the plan, built from a catalog entry
/// (battery cabinet, rack, switchgear, …). Its footprint, mass and energy
/// come from the catalog entry; the placement-specific values live here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacedEquipment {
    /// Stable tag, unique among placed equipment (e.g. `"BC-01"`).
    pub tag: String,
    /// Key of the catalog entry this item is an instance of. The entry is
    /// copied into the project so the layout reopens identically after the
    /// built-in catalog changes.
    pub catalog_key: String,
    /// Where it stands.
    pub placement: Placement,
    /// Required working clearances.
    pub clearances: Clearances,
    /// Maximum voltage to ground of exposed live parts, V (sets the working
    /// space class).
    pub voltage_to_ground_v: f64,
    /// Ampacity of the item's supply or output conductors, A.
    pub ampacity_a: f64,
    /// Key of the sizing case this item's battery belongs to, if it is not
    /// the one its room serves ([`Room::serves_case`]); `Some("")` says it
    /// serves no case even though its room does. `None`: as the room says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serves_case: Option<String>,
}

/// An IT rack: a load source for sizing (kW it draws), with a footprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItRack {
    /// Stable tag, unique among racks (e.g. `"R-A01"`).
    pub tag: String,
    /// Where it stands.
    pub placement: Placement,
    /// Footprint width, mm (along x at rotation 0).
    pub width_mm: u32,
    /// Footprint depth, mm (along y at rotation 0).
    pub depth_mm: u32,
    /// Electrical load the rack draws, kW.
    pub load_kw: f64,
}

/// Kind of power-conversion unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PowerUnitKind {
    /// Uninterruptible power supply backing IT load.
    Ups,
    /// Power conversion system between battery and grid/bus.
    Pcs,
}

impl PowerUnitKind {
    /// Stable lowercase name (`ups`/`pcs`), as stored in files.
    pub const fn as_str(self) -> &'static str {
        match self {
            PowerUnitKind::Ups => "ups",
            PowerUnitKind::Pcs => "pcs",
        }
    }

    /// Parses the stable name written by [`PowerUnitKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ups" => Some(PowerUnitKind::Ups),
            "pcs" => Some(PowerUnitKind::Pcs),
            _ => None,
        }
    }
}

/// A UPS or PCS unit placed on the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerUnit {
    /// Stable tag, unique among power units (e.g. `"UPS-1"`).
    pub tag: String,
    /// UPS or PCS.
    pub kind: PowerUnitKind,
    /// Catalog entry it is an instance of, if one was chosen.
    pub catalog_key: Option<String>,
    /// Where it stands.
    pub placement: Placement,
    /// Required working clearances.
    pub clearances: Clearances,
    /// Rated output power, kW.
    pub rated_kw: f64,
    /// Maximum voltage to ground of exposed live parts, V.
    pub voltage_to_ground_v: f64,
    /// Ampacity of the output conductors, A.
    pub ampacity_a: f64,
    /// Tags of the IT racks this unit supplies (UPS) or the battery
    /// equipment it converts for (PCS).
    pub serves: Vec<String>,
    /// Key of the sizing case this unit is counted in (a UPS in a UPS
    /// ride-through case, a PCS in a peak-shaving case), if not the one its
    /// room serves ([`Room::serves_case`]); `Some("")`: none. `None`: as
    /// the room says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serves_case: Option<String>,
}

/// An egress path: the route people take from the equipment to an exit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EgressPath {
    /// Stable key, unique among egress paths.
    pub id: String,
    /// Display name (e.g. `"Main aisle to door D1"`).
    pub name: String,
    /// Centre line of the path as a polyline on the plan, from the most
    /// remote point to the exit.
    pub route: Vec<Point>,
    /// Clear width along the whole route, mm.
    pub width_mm: u32,
}

/// The whole site layout.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Layout {
    /// Rooms and outdoor areas.
    pub rooms: Vec<Room>,
    /// Placed catalog equipment (battery cabinets, racks, switchgear, …).
    pub equipment: Vec<PlacedEquipment>,
    /// IT racks (load sources).
    pub racks: Vec<ItRack>,
    /// UPS and PCS units.
    pub power_units: Vec<PowerUnit>,
    /// Egress paths.
    pub egress_paths: Vec<EgressPath>,
}

impl Layout {
    /// Sorts every list by its key, the canonical order in which a project
    /// file returns them (and in which JSON exports list them).
    pub fn sort_canonical(&mut self) {
        self.rooms.sort_by(|a, b| a.id.cmp(&b.id));
        self.equipment.sort_by(|a, b| a.tag.cmp(&b.tag));
        self.racks.sort_by(|a, b| a.tag.cmp(&b.tag));
        self.power_units.sort_by(|a, b| a.tag.cmp(&b.tag));
        self.egress_paths.sort_by(|a, b| a.id.cmp(&b.id));
    }

    /// Total IT load of all racks, kW.
    pub fn it_load_kw(&self) -> f64 {
        self.racks.iter().map(|r| r.load_kw).sum()
    }
}

/// One line of a bill of materials, as computed by the layout work and
/// written to CSV by the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BomLine {
    /// Catalog entry key (or a free item code for items not in the catalog).
    pub item: String,
    /// Human-readable description (manufacturer, model, rating).
    pub description: String,
    /// Quantity in `unit`s.
    pub quantity: f64,
    /// Unit of the quantity (`"ea"`, `"m"`, …).
    pub unit: String,
    /// Tags of the placed items this line counts, if any.
    pub tags: Vec<String>,
    /// Free remarks.
    pub notes: String,
}

// ---------------------------------------------------------------------------
// Equipment data the layout rules need (resolved from catalog entries).
// ---------------------------------------------------------------------------

/// Battery chemistry families, as the fire codes group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Chemistry {
    /// Lithium-ion (LFP, NMC, NCA, LTO, …).
    LithiumIon,
    /// Lead-acid (flooded or VRLA).
    LeadAcid,
    /// Nickel-cadmium.
    NickelCadmium,
    /// Flow batteries.
    Flow,
    /// Sodium batteries (sodium-ion, sodium-sulfur, sodium nickel chloride).
    Sodium,
    /// Any other technology.
    Other,
}

impl Chemistry {
    /// Every chemistry, in display order.
    pub const ALL: [Chemistry; 6] =
        [Chemistry::LithiumIon, Chemistry::LeadAcid, Chemistry::NickelCadmium, Chemistry::Flow, Chemistry::Sodium, Chemistry::Other];

    /// Stable kebab-case name (`lithium-ion`, …), as serialized.
    pub const fn as_str(self) -> &'static str {
        match self {
            Chemistry::LithiumIon => "lithium-ion",
            Chemistry::LeadAcid => "lead-acid",
            Chemistry::NickelCadmium => "nickel-cadmium",
            Chemistry::Flow => "flow",
            Chemistry::Sodium => "sodium",
            Chemistry::Other => "other",
        }
    }

    /// Human-readable name (`Li-ion`, `lead-acid`, …).
    pub const fn label(self) -> &'static str {
        match self {
            Chemistry::LithiumIon => "Li-ion",
            Chemistry::LeadAcid => "lead-acid",
            Chemistry::NickelCadmium => "Ni-Cd",
            Chemistry::Flow => "flow",
            Chemistry::Sodium => "sodium",
            Chemistry::Other => "other",
        }
    }

    /// Parses [`Chemistry::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Chemistry::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What the results of a large-scale fire test (UL 9540A) of an item allow,
/// as declared by the engineer from the test report and the AHJ's approval.
/// A limit applies only when *every* item of an array declares it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FireTestData {
    /// Test report reference (lab, report number, date).
    pub report: String,
    /// Largest array energy the test supports, kWh (replaces the rule set's
    /// array limit), if the test supports a larger array.
    pub max_array_kwh: Option<f64>,
    /// Smallest spacing between arrays the test supports, mm (replaces the
    /// rule set's spacing between arrays).
    pub min_spacing_mm: Option<u32>,
    /// Smallest spacing to walls the test supports, mm.
    pub min_wall_spacing_mm: Option<u32>,
}

/// Per-item data the layout rules and the bill of materials need, resolved
/// from one catalog entry (the app maps catalog entries to specs, so the
/// rules do not depend on the catalog's shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EquipmentSpec {
    /// Catalog key this spec describes ([`PlacedEquipment::catalog_key`],
    /// [`PowerUnit::catalog_key`]).
    pub key: String,
    /// Human-readable description (manufacturer, model, rating).
    pub description: String,
    /// Footprint width, mm (along x at rotation 0; the front face).
    pub width_mm: u32,
    /// Footprint depth, mm (along y at rotation 0).
    pub depth_mm: u32,
    /// Height, mm.
    pub height_mm: u32,
    /// Installed mass, kg.
    pub mass_kg: f64,
    /// Stored energy (nameplate), kWh; 0 for items that store none.
    pub energy_kwh: f64,
    /// Battery chemistry; `None` for items that store no energy.
    pub chemistry: Option<Chemistry>,
    /// Rated power, kW (discharge power for batteries, output for UPS/PCS).
    pub power_kw: f64,
    /// Heat rejected to the room at rated operation, kW.
    pub heat_kw: f64,
    /// Unit cost in the project's currency.
    pub unit_cost: f64,
    /// Listed pre-engineered or prepackaged battery system (IFC/NFPA 855).
    pub listed_pre_engineered: bool,
    /// Large-scale fire-test (UL 9540A) data and what it allows.
    pub fire_test: Option<FireTestData>,
    /// The item has parts likely to be examined, adjusted, serviced or
    /// maintained while energized, so it needs NEC 110.26 working space in
    /// front of it (with a voltage to ground above 0 V).
    pub needs_working_space: bool,
    /// Widest hinged door or panel on the front, mm; the working space must
    /// let it open 90° (0 when it has none).
    pub front_door_leaf_mm: u32,
}

/// Data for IT racks, which carry their footprint and load but not their
/// mass: one spec applies to every rack of the layout.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RackSpec {
    /// Loaded mass of one rack, kg.
    pub mass_kg: f64,
    /// Height, mm.
    pub height_mm: u32,
    /// Unit cost in the project's currency (0 when racks are not priced).
    pub unit_cost: f64,
}

// ---------------------------------------------------------------------------
// Rule sets.
// ---------------------------------------------------------------------------

/// Identifier of one layout rule. The spelling is stable (the UI, saved rule
/// sets and scripts rely on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleId {
    /// Energy of one battery array.
    ArrayEnergy,
    /// Spacing from a battery array to the walls.
    ArrayWallSpacing,
    /// Energy of one listed pre-engineered / prepackaged system.
    ListedSystemEnergy,
    /// Aggregate energy per fire area, per chemistry.
    FireAreaEnergy,
    /// Mixed chemistries in one fire area: sum of ratios to their limits.
    FireAreaMixed,
    /// NEC 110.26 working-space depth.
    WorkingSpaceDepth,
    /// NEC 110.26 working-space width.
    WorkingSpaceWidth,
    /// Equipment doors and hinged panels open at least 90°.
    WorkingSpaceDoorOpening,
    /// Headroom of the working space.
    WorkingSpaceHeadroom,
    /// Large equipment: an entrance to the working space at each end.
    WorkingSpaceEntrance,
    /// Personnel doors near large equipment open outward.
    PersonnelDoor,
    /// Manufacturer-required clearances around an item.
    Clearance,
    /// Floor load under one item's footprint.
    FloorLoadFootprint,
    /// Floor load of all items distributed over the room.
    FloorLoadRoom,
    /// Two items occupy the same floor.
    Overlap,
    /// An item is not inside its room (or is taller than it).
    OutsideRoom,
    /// Egress path narrower than the minimum.
    EgressWidth,
    /// Egress path obstructed by an item, a column or a wall without a door.
    EgressObstructed,
    /// A door an egress path passes through is narrower than the minimum.
    EgressDoorWidth,
    /// A door's swing obstructed by an item.
    DoorSwing,
    /// Outdoor battery equipment too close to a building.
    OutdoorBuildingSeparation,
    /// Outdoor battery equipment too close to a means of egress.
    OutdoorEgressSeparation,
    /// Battery units (cabinets, enclosures, containers) installed for a
    /// sizing case against its governing result.
    DesignBatteryUnits,
    /// Battery energy (nameplate) installed for a sizing case against its
    /// governing result.
    DesignBatteryEnergy,
    /// Battery strings installed for a UPS case against its governing
    /// result, where items and strings are not one to one.
    DesignStrings,
    /// UPS/PCS power installed for a sizing case against its result.
    DesignConverterPower,
}

impl RuleId {
    /// Every rule, in the order checks report them.
    pub const ALL: [RuleId; 26] = [
        RuleId::ArrayEnergy,
        RuleId::ArrayWallSpacing,
        RuleId::ListedSystemEnergy,
        RuleId::FireAreaEnergy,
        RuleId::FireAreaMixed,
        RuleId::WorkingSpaceDepth,
        RuleId::WorkingSpaceWidth,
        RuleId::WorkingSpaceDoorOpening,
        RuleId::WorkingSpaceHeadroom,
        RuleId::WorkingSpaceEntrance,
        RuleId::PersonnelDoor,
        RuleId::Clearance,
        RuleId::FloorLoadFootprint,
        RuleId::FloorLoadRoom,
        RuleId::Overlap,
        RuleId::OutsideRoom,
        RuleId::EgressWidth,
        RuleId::EgressObstructed,
        RuleId::EgressDoorWidth,
        RuleId::DoorSwing,
        RuleId::OutdoorBuildingSeparation,
        RuleId::OutdoorEgressSeparation,
        RuleId::DesignBatteryUnits,
        RuleId::DesignBatteryEnergy,
        RuleId::DesignStrings,
        RuleId::DesignConverterPower,
    ];

    /// Stable kebab-case id, as serialized.
    pub const fn as_str(self) -> &'static str {
        match self {
            RuleId::ArrayEnergy => "array-energy",
            RuleId::ArrayWallSpacing => "array-wall-spacing",
            RuleId::ListedSystemEnergy => "listed-system-energy",
            RuleId::FireAreaEnergy => "fire-area-energy",
            RuleId::FireAreaMixed => "fire-area-mixed",
            RuleId::WorkingSpaceDepth => "working-space-depth",
            RuleId::WorkingSpaceWidth => "working-space-width",
            RuleId::WorkingSpaceDoorOpening => "working-space-door-opening",
            RuleId::WorkingSpaceHeadroom => "working-space-headroom",
            RuleId::WorkingSpaceEntrance => "working-space-entrance",
            RuleId::PersonnelDoor => "personnel-door",
            RuleId::Clearance => "clearance",
            RuleId::FloorLoadFootprint => "floor-load-footprint",
            RuleId::FloorLoadRoom => "floor-load-room",
            RuleId::Overlap => "overlap",
            RuleId::OutsideRoom => "outside-room",
            RuleId::EgressWidth => "egress-width",
            RuleId::EgressObstructed => "egress-obstructed",
            RuleId::EgressDoorWidth => "egress-door-width",
            RuleId::DoorSwing => "door-swing",
            RuleId::OutdoorBuildingSeparation => "outdoor-building-separation",
            RuleId::OutdoorEgressSeparation => "outdoor-egress-separation",
            RuleId::DesignBatteryUnits => "design-battery-units",
            RuleId::DesignBatteryEnergy => "design-battery-energy",
            RuleId::DesignStrings => "design-strings",
            RuleId::DesignConverterPower => "design-converter-power",
        }
    }

    /// Parses [`RuleId::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        RuleId::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// How one rule appears in a rule set: whether it is checked, its title and
/// the code reference shown with its violations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleEntry {
    /// The rule.
    pub rule: RuleId,
    /// Checked or not (an AHJ may not enforce it).
    pub enabled: bool,
    /// Short title (e.g. `"Battery array energy"`).
    pub title: String,
    /// Code reference (e.g. `"IFC 2018 §1206.2.8.3 / NFPA 855-2023 §9.4.1.1"`).
    pub reference: String,
}

/// Per-chemistry fire-code figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChemistryLimits {
    /// The chemistry.
    pub chemistry: Chemistry,
    /// Threshold quantity, kWh: the array and aggregate rules apply to a fire
    /// area (or outdoor area) only above this much energy of the chemistry.
    pub threshold_kwh: f64,
    /// Whether the array energy and spacing rules apply (lead-acid and Ni-Cd
    /// are exempt in IFC 2018).
    pub array_rules_apply: bool,
    /// Maximum aggregate energy per fire area, kWh (`None` = unlimited).
    pub max_per_fire_area_kwh: Option<f64>,
}

/// Array energy and spacing figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrayRules {
    /// Largest energy of one array, kWh.
    pub max_array_kwh: f64,
    /// Largest energy of one listed pre-engineered/prepackaged system (and of
    /// an array made only of such systems), kWh.
    pub listed_system_max_kwh: f64,
    /// Smallest spacing between arrays, mm: battery items closer than this
    /// form one array.
    pub min_spacing_mm: u32,
    /// Smallest spacing from an array to walls, mm.
    pub min_wall_spacing_mm: u32,
    /// Whether the array rules also apply to outdoor areas.
    pub apply_outdoors: bool,
    /// Whether declared large-scale fire-test data may replace the limits.
    pub allow_fire_test_data: bool,
}

/// One voltage-to-ground band of the working-space depth table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoltageBand {
    /// Upper end of the band, V (inclusive); bands are listed in increasing
    /// order and the first band starts at 0 V.
    pub max_v: f64,
    /// Working-space depth for conditions 1, 2 and 3, mm.
    pub depth_mm: [u32; 3],
}

/// NEC 110.26 working-space figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkingSpaceRules {
    /// Depth by voltage to ground and condition.
    pub bands: Vec<VoltageBand>,
    /// Smallest working-space width, mm (the width is the larger of this and
    /// the equipment's width).
    pub min_width_mm: u32,
    /// Smallest working-space height (headroom), mm (or the equipment's
    /// height, whichever is greater).
    pub headroom_mm: u32,
    /// Condition (1, 2 or 3) assumed where a wall faces the equipment
    /// (concrete, brick and tile walls count as grounded: condition 2).
    pub wall_condition: u8,
    /// Large equipment: rated at least this many amperes …
    pub large_equipment_min_a: f64,
    /// … and wider than this, mm, needs an entrance at each end.
    pub large_equipment_min_width_mm: u32,
    /// Smallest entrance width to the working space, mm.
    pub entrance_width_mm: u32,
    /// Equipment rated at least this many amperes …
    pub personnel_door_min_a: f64,
    /// … makes doors closer than this to its working space, mm, open in the
    /// direction of egress.
    pub personnel_door_distance_mm: u32,
}

/// Floor-loading options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FloorRules {
    /// Factor on the room's allowable uniform load that one item's footprint
    /// may reach (1.0 compares the footprint pressure with the allowable
    /// directly; a structural engineer may allow more for spread loads).
    pub footprint_factor: f64,
}

/// Egress figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EgressRules {
    /// Smallest clear width of an egress path, mm.
    pub min_width_mm: u32,
    /// Smallest clear width of a door an egress path passes through, mm
    /// (813 mm in IFC 2018 §1010.1.1; rule sets saved before doors were
    /// checked get that figure).
    #[serde(default = "default_door_width_mm")]
    pub min_door_width_mm: u32,
}

fn default_door_width_mm() -> u32 {
    813
}

/// Separations of outdoor battery equipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutdoorRules {
    /// From buildings (indoor rooms), mm.
    pub building_separation_mm: u32,
    /// From means of egress (egress paths), mm.
    pub egress_separation_mm: u32,
}

/// A named set of layout rules with every threshold as data, so engineers
/// copy and edit it per jurisdiction. Stored in the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// Stable identifier (e.g. `"ifc2018-nfpa855-2023-nec2017"`), referenced
    /// by [`crate::project::Settings::rule_set`].
    pub id: String,
    /// Display name.
    pub name: String,
    /// Where the figures come from and what was changed.
    pub description: String,
    /// Which rules are checked, with titles and code references.
    pub rules: Vec<RuleEntry>,
    /// Per-chemistry thresholds and aggregate limits.
    pub chemistries: Vec<ChemistryLimits>,
    /// Array energy and spacing.
    pub arrays: ArrayRules,
    /// NEC 110.26 working space.
    pub working_space: WorkingSpaceRules,
    /// Floor loading.
    pub floor: FloorRules,
    /// Egress.
    pub egress: EgressRules,
    /// Outdoor separations.
    pub outdoor: OutdoorRules,
}

/// One problem with an edited rule set, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Path of the field (e.g. `"working_space.bands[1].max_v"`).
    pub field: String,
    /// What is wrong and what to enter instead.
    pub message: String,
}

// ---------------------------------------------------------------------------
// Check results.
// ---------------------------------------------------------------------------

/// Kind of object a violation or diagnostic refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    /// A room or outdoor area ([`Room::id`]).
    Room,
    /// Placed catalog equipment ([`PlacedEquipment::tag`]).
    Equipment,
    /// An IT rack ([`ItRack::tag`]).
    Rack,
    /// A UPS/PCS unit ([`PowerUnit::tag`]).
    PowerUnit,
    /// An egress path ([`EgressPath::id`]).
    EgressPath,
    /// A fire area (its id, or `room:<id>` for a room without one).
    FireArea,
    /// A catalog entry / equipment spec (its key).
    Spec,
    /// A door of a room ([`Door::key`]).
    Door,
    /// A building column of a room ([`Column::id`]).
    Column,
}

/// A reference to one object of the layout, by kind and key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectRef {
    /// Which list the key belongs to.
    pub kind: ObjectKind,
    /// The key (tag or id).
    pub key: String,
}

/// Unit of a measured or required value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Millimetres.
    Mm,
    /// Kilowatt-hours.
    Kwh,
    /// Kilograms per square metre.
    KgPerM2,
    /// Percent.
    Percent,
    /// A count of items (cabinets, strings, units).
    Each,
    /// Kilowatts.
    Kw,
}

impl Unit {
    /// Symbol for display (`mm`, `kWh`, `kg/m²`, `%`, `ea`, `kW`).
    pub const fn symbol(self) -> &'static str {
        match self {
            Unit::Mm => "mm",
            Unit::Kwh => "kWh",
            Unit::KgPerM2 => "kg/m²",
            Unit::Percent => "%",
            Unit::Each => "ea",
            Unit::Kw => "kW",
        }
    }
}

/// Direction of a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    /// The measured value must be at least the required value.
    AtLeast,
    /// The measured value must be at most the required value.
    AtMost,
}

impl Bound {
    /// `≥` or `≤`.
    pub const fn symbol(self) -> &'static str {
        match self {
            Bound::AtLeast => "≥",
            Bound::AtMost => "≤",
        }
    }
}

/// A measured value and the requirement it fails.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    /// What was measured on the plan.
    pub measured: f64,
    /// The required limit.
    pub required: f64,
    /// Whether the measured value must be at least or at most `required`.
    pub bound: Bound,
    /// Unit of both values.
    pub unit: Unit,
}

/// Geometry to highlight on the plan for a violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Highlight {
    /// An axis-aligned area (working space, clearance zone, door swing).
    Rect {
        /// South-west corner.
        min: Point,
        /// North-east corner.
        max: Point,
    },
    /// A gap or distance, drawn as a dimension line.
    Segment {
        /// One end.
        a: Point,
        /// The other end.
        b: Point,
    },
}

/// One rule violation: what a fire marshal or electrical inspector would
/// flag, with the numbers and the objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// Stable key within one check result (rule plus objects), so a UI can
    /// follow a violation across re-checks.
    pub key: String,
    /// The rule.
    pub rule: RuleId,
    /// The rule's title (from the rule set).
    pub title: String,
    /// Code reference (from the rule set).
    pub reference: String,
    /// Complete sentence: what is wrong, with measured and required values.
    pub message: String,
    /// Measured versus required.
    pub measure: Measure,
    /// Objects to highlight (the first is the main one).
    pub objects: Vec<ObjectRef>,
    /// Geometry to highlight.
    pub highlights: Vec<Highlight>,
}

/// Severity of an input diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Part of the layout could not be checked (invalid or missing data).
    Error,
    /// Checked, but an assumption was made or a rule was not applicable.
    Warning,
}

/// A problem with the input itself (not a code violation): invalid numbers,
/// degenerate shapes, unknown references, missing equipment data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error (something was left out of the checks) or warning.
    pub severity: Severity,
    /// Field or object path (e.g. `"rooms[B1].floor_load_kg_m2"`).
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
    /// Objects concerned.
    pub objects: Vec<ObjectRef>,
}

/// One battery array found on the plan (battery items closer than the
/// spacing form one array).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrayInfo {
    /// Room of the array.
    pub room_id: String,
    /// Tags of its members.
    pub members: Vec<String>,
    /// Sum of the members' energy, kWh.
    pub energy_kwh: f64,
    /// Its energy limit, kWh.
    pub limit_kwh: f64,
    /// Where the limit comes from (rule set, listed systems, fire-test data).
    pub limit_basis: String,
}

/// Stored energy of one fire area, per chemistry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FireAreaTotal {
    /// Fire area id (`room:<id>` for a room without one).
    pub fire_area: String,
    /// Rooms in it.
    pub rooms: Vec<String>,
    /// Outdoor area (no fire-area aggregate limits apply).
    pub outdoor: bool,
    /// Energy by chemistry, kWh (chemistries with energy only).
    pub energy_kwh: Vec<(Chemistry, f64)>,
}

/// The result of a full layout check.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CheckReport {
    /// Rule set the layout was checked against.
    pub rule_set_id: String,
    /// Violations, ordered by rule then key.
    pub violations: Vec<Violation>,
    /// Problems with the input; errors mean something was not checked.
    pub diagnostics: Vec<Diagnostic>,
    /// Battery arrays found.
    pub arrays: Vec<ArrayInfo>,
    /// Energy per fire area.
    pub fire_areas: Vec<FireAreaTotal>,
    /// How many objects (equipment, racks, power units) were checked.
    pub objects_checked: usize,
    /// The layout against each sizing case (empty when the check was run
    /// without the project's sizing results).
    #[serde(default)]
    pub consistency: Vec<CaseConsistency>,
}

/// Outcome of holding the layout against one sizing case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsistencyStatus {
    /// The layout installs at least what the case's governing result needs.
    Consistent,
    /// The layout installs less than the result needs (violations say what).
    Short,
    /// Not compared: no layout item or room names the case, or the case has
    /// no usable result (the summary says which).
    NotChecked,
}

impl ConsistencyStatus {
    /// `consistent`, `short`, `not checked`.
    pub const fn label(self) -> &'static str {
        match self {
            ConsistencyStatus::Consistent => "consistent",
            ConsistencyStatus::Short => "short",
            ConsistencyStatus::NotChecked => "not checked",
        }
    }
}

/// One quantity compared between the layout and a sizing result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsistencyLine {
    /// What is compared (`"Battery units (lfp-ups-cabinet-512v100)"`).
    pub quantity: String,
    /// Installed in the layout.
    pub installed: f64,
    /// Needed by the sizing result.
    pub required: f64,
    /// Unit of both.
    pub unit: Unit,
    /// Whether the layout installs at least what is needed.
    pub ok: bool,
}

/// The layout held against one sizing case (what `backstop check`, the
/// Layout area and the design report show beside the violations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseConsistency {
    /// Key of the sizing case.
    pub case_key: String,
    /// Its name.
    pub case_name: String,
    /// Consistent, short or not checked.
    pub status: ConsistencyStatus,
    /// One complete sentence for the engineer.
    pub summary: String,
    /// The quantities compared (empty when not checked).
    pub lines: Vec<ConsistencyLine>,
    /// Rooms, equipment and UPS/PCS units counted for the case.
    pub objects: Vec<ObjectRef>,
}

// ---------------------------------------------------------------------------
// Auto-placement.
// ---------------------------------------------------------------------------

/// A request to place cabinets of one catalog entry into a room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoPlaceRequest {
    /// Room to fill.
    pub room_id: String,
    /// Catalog key of the cabinet.
    pub catalog_key: String,
    /// How many cabinets.
    pub count: u32,
    /// Tag prefix; tags are numbered after the highest existing one
    /// (`"BC-"` gives `BC-01`, `BC-02`, …).
    pub tag_prefix: String,
    /// Which way the cabinets face (rows run across the facing direction).
    pub rotation: Rotation,
    /// Required clearances of each cabinet.
    pub clearances: Clearances,
    /// Voltage to ground of each cabinet, V.
    pub voltage_to_ground_v: f64,
    /// Ampacity of each cabinet, A.
    pub ampacity_a: f64,
    /// Position step when searching free places, mm (0 = automatic).
    pub search_step_mm: u32,
}

/// What stopped auto-placement from placing every cabinet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PlaceLimit {
    /// One more cabinet would exceed the fire area's aggregate energy.
    FireAreaEnergy {
        /// Fire area.
        fire_area: String,
        /// Energy already there with the placed cabinets, kWh.
        energy_kwh: f64,
        /// The limit, kWh.
        limit_kwh: f64,
    },
    /// One more cabinet would overload the room's floor.
    FloorLoad {
        /// Distributed load with the placed cabinets, kg/m².
        load_kg_m2: f64,
        /// Allowable, kg/m².
        allowable_kg_m2: f64,
    },
    /// A single cabinet breaks a limit by itself (e.g. more energy than an
    /// array may hold).
    Cabinet {
        /// The rule it breaks.
        rule: RuleId,
        /// Explanation.
        message: String,
    },
    /// No free position is left that satisfies every rule.
    NoSpace {
        /// Rules that rejected candidate positions, with how many positions
        /// each rejected, most frequent first.
        rejected_by: Vec<(RuleId, u32)>,
    },
    /// The request itself is invalid (unknown room or spec, bad numbers).
    InvalidRequest {
        /// What is wrong.
        message: String,
    },
}

/// The outcome of auto-placement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoPlaceResult {
    /// New items to add to the layout (possibly fewer than requested).
    pub placed: Vec<PlacedEquipment>,
    /// How many were requested.
    pub requested: u32,
    /// Why not all were placed (`None` when all were).
    pub limit: Option<PlaceLimit>,
    /// One-paragraph summary for the engineer.
    pub summary: String,
}

// ---------------------------------------------------------------------------
// Bill of materials totals.
// ---------------------------------------------------------------------------

/// Totals of one bill-of-materials line (quantity × unit values).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct BomAmounts {
    /// Stored energy, kWh.
    pub energy_kwh: f64,
    /// Rated power, kW.
    pub power_kw: f64,
    /// Mass, kg.
    pub mass_kg: f64,
    /// Heat rejected, kW.
    pub heat_kw: f64,
    /// Cost in the project's currency.
    pub cost: f64,
}

/// A bill of materials: one line per catalog item (and rack type), with
/// amounts per line and in total.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Bom {
    /// Lines, ordered by item.
    pub lines: Vec<BomLine>,
    /// Amounts of each line, same order as `lines`.
    pub amounts: Vec<BomAmounts>,
    /// Sum over all lines. `power_kw` adds the rated power of battery,
    /// UPS/PCS and other equipment lines (IT racks carry none; their load is
    /// in `it_load_kw` and counts as heat).
    pub totals: BomAmounts,
    /// IT load of all racks, kW.
    pub it_load_kw: f64,
    /// Items that could not be priced or weighed (missing specs).
    pub diagnostics: Vec<Diagnostic>,
}

#[cfg(test)]
mod tests {
    use super::DoorSwing;

    /// The names forms and reports use are the names files store.
    #[test]
    fn door_swing_names_are_the_stored_names() {
        for d in [DoorSwing::Inward, DoorSwing::Outward, DoorSwing::Sliding] {
            assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{}\"", d.as_str()));
            assert_eq!(DoorSwing::parse(d.as_str()), Some(d));
        }
        assert_eq!(DoorSwing::parse("outwards"), None);
    }
}
