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
        Rotation::from_degrees(degrees).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "rotation must be 0, 90, 180 or 270 degrees, not {degrees}"
            ))
        })
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

/// A door in a room's outline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Door {
    /// Centre of the door opening, on the room's outline.
    pub position: Point,
    /// Clear opening width, mm.
    pub width_mm: u32,
    /// Swing direction.
    pub swing: DoorSwing,
    /// Where the door leads.
    pub leads_to: DoorLeadsTo,
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
