//! The Layout area's envelopes: what the plan editor shows (the layout with
//! resolved footprints, the rule set in force, the full check report, the
//! bill of materials) and the edits it asks for. The backend computes
//! everything here; the UI draws it and sends [`LayoutEdit`]s back.

use serde::{Deserialize, Serialize};

use crate::layout::{AutoPlaceResult, Bom, CheckReport, EquipmentSpec, FieldError, Layout, ObjectRef, Point, RuleSet};

/// What a placed item is, for drawing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemClass {
    /// Stores energy (battery cabinet, rack, container).
    Battery,
    /// An IT rack.
    Rack,
    /// A UPS or PCS unit.
    PowerUnit,
    /// Other catalog equipment (switchboards, panels, …).
    Other,
}

/// The plan footprint of one placed item, resolved by the backend from the
/// item and its catalog entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Footprint {
    /// The item.
    pub object: ObjectRef,
    /// Room it stands in.
    pub room_id: String,
    /// Centre (the item's position).
    pub center: Point,
    /// South-west corner of the footprint (rotation applied).
    pub min: Point,
    /// North-east corner.
    pub max: Point,
    /// Rotation in degrees (0, 90, 180, 270); the front faces south at 0.
    pub rotation_deg: u16,
    /// What it is.
    pub class: ItemClass,
    /// False when the size is unknown (no catalog dimensions): `min`/`max`
    /// then mark a 500 mm square around the centre.
    pub known: bool,
}

/// Where a rule set comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleSetOrigin {
    /// Built into Backstop (read-only; copy it to edit).
    Builtin,
    /// Copied into this project (editable).
    Project,
}

/// A rule set the engineer can choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSetChoice {
    /// Its id.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Built in or kept in the project.
    pub origin: RuleSetOrigin,
    /// Whether the project is checked against it.
    pub in_force: bool,
}

/// A catalog entry the engineer can place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogChoice {
    /// Catalog key.
    pub key: String,
    /// Display name (manufacturer and model).
    pub name: String,
    /// Kind (`cabinet`, `ups`, `pcs`, …, or the record kind of a project
    /// entry that is not a typed catalog entry).
    pub kind: String,
    /// Already copied into the project (otherwise it is copied when used).
    pub in_project: bool,
    /// Footprint width × depth, mm (0 when unknown).
    pub width_mm: u32,
    /// Footprint depth, mm.
    pub depth_mm: u32,
    /// Stored energy, kWh (0 for non-battery items).
    pub energy_kwh: f64,
}

/// Everything the Layout area shows, computed afresh after every edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayoutView {
    /// The layout as stored.
    pub layout: Layout,
    /// Footprints of the placed items (equipment, racks, power units).
    pub footprints: Vec<Footprint>,
    /// Equipment data of the catalog entries the layout uses.
    pub specs: Vec<EquipmentSpec>,
    /// The rule set in force (`None` when the project names one that cannot
    /// be used; `rule_set_problem` says why).
    pub rule_set: Option<RuleSet>,
    /// Why the project's rule set cannot be used, if it cannot.
    pub rule_set_problem: Option<String>,
    /// Rule sets to choose from.
    pub rule_sets: Vec<RuleSetChoice>,
    /// The full rule check (violations, diagnostics, arrays, fire areas).
    pub report: CheckReport,
    /// Bill of materials.
    pub bom: Bom,
    /// Catalog entries that can be placed (project and built-in).
    pub catalog: Vec<CatalogChoice>,
    /// The project is open read-only.
    pub read_only: bool,
}

/// Which way to turn a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Turn {
    /// 90° counter-clockwise.
    Ccw,
    /// 90° clockwise.
    Cw,
}

/// How to align a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlignHow {
    /// West edges together.
    West,
    /// East edges together.
    East,
    /// South edges together.
    South,
    /// North edges together.
    North,
    /// Centres on one vertical line.
    CenterX,
    /// Centres on one horizontal line.
    CenterY,
}

/// A plan axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Axis {
    /// East–west.
    X,
    /// North–south.
    Y,
}

/// A compass direction on the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// +y.
    North,
    /// +x.
    East,
    /// −y.
    South,
    /// −x.
    West,
}

/// The new position of one item after a drag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPosition {
    /// The item.
    pub object: ObjectRef,
    /// New centre.
    pub position: Point,
}

/// One editor operation; each is saved as one undoable edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum LayoutEdit {
    /// Items dragged to new centres (an item whose centre lands in another
    /// room moves to that room).
    MoveTo {
        /// New positions.
        moves: Vec<ItemPosition>,
    },
    /// Moves items by a distance (keyboard nudges).
    Nudge {
        /// Items.
        objects: Vec<ObjectRef>,
        /// East, mm.
        dx_mm: i64,
        /// North, mm.
        dy_mm: i64,
    },
    /// Quarter turn about the first item.
    Rotate {
        /// Items (the first is the pivot).
        objects: Vec<ObjectRef>,
        /// Direction.
        turn: Turn,
    },
    /// Deletes items (equipment, racks, power units, egress paths, doors,
    /// columns, rooms with nothing left in them).
    Delete {
        /// Items.
        objects: Vec<ObjectRef>,
    },
    /// `count` copies of `template` in a row at `pitch_mm`.
    DuplicateRow {
        /// Item to copy.
        template: ObjectRef,
        /// Number of copies.
        count: u32,
        /// Centre-to-centre distance, mm.
        pitch_mm: u32,
        /// Direction of the row.
        direction: Direction,
    },
    /// Lines the items up.
    Align {
        /// Items.
        objects: Vec<ObjectRef>,
        /// Which edges or centres.
        how: AlignHow,
    },
    /// Equal gaps between the items.
    Distribute {
        /// Items (at least three).
        objects: Vec<ObjectRef>,
        /// Along which axis.
        axis: Axis,
    },
    /// Adds or replaces a room (`previous_id` when its id changes).
    PutRoom {
        /// The room as edited.
        room: crate::layout::Room,
        /// Its id before the edit, if it existed.
        previous_id: Option<String>,
    },
    /// Replaces placed equipment (`previous_tag` when its tag changes).
    PutEquipment {
        /// The item as edited.
        item: crate::layout::PlacedEquipment,
        /// Its tag before the edit.
        previous_tag: Option<String>,
    },
    /// Adds or replaces an IT rack.
    PutRack {
        /// The rack as edited.
        rack: crate::layout::ItRack,
        /// Its tag before the edit.
        previous_tag: Option<String>,
    },
    /// Adds or replaces a UPS/PCS unit.
    PutPowerUnit {
        /// The unit as edited.
        unit: crate::layout::PowerUnit,
        /// Its tag before the edit.
        previous_tag: Option<String>,
    },
    /// Adds or replaces an egress path.
    PutEgressPath {
        /// The path as edited.
        path: crate::layout::EgressPath,
        /// Its id before the edit.
        previous_id: Option<String>,
    },
    /// Adds a new room of the given size with its south-west corner at
    /// `origin` (id and name are generated).
    AddRoom {
        /// South-west corner.
        origin: Point,
        /// Width, mm.
        width_mm: u32,
        /// Depth, mm.
        depth_mm: u32,
    },
    /// Places one item of a catalog entry (a built-in entry is copied into
    /// the project first) at `position` in `room_id`.
    AddFromCatalog {
        /// Catalog key.
        catalog_key: String,
        /// Room.
        room_id: String,
        /// Centre.
        position: Point,
        /// Tag prefix (`BC-`, `UPS-`, …).
        tag_prefix: String,
    },
    /// Adds an IT rack.
    AddRack {
        /// Room.
        room_id: String,
        /// Centre.
        position: Point,
        /// Load, kW.
        load_kw: f64,
    },
    /// Adds an egress path across a room (west to east through its middle).
    AddEgressPath {
        /// Room.
        room_id: String,
    },
    /// Adds a room drawn by clicking its corners in order (id and name are
    /// generated; four corners of an axis-aligned rectangle make a
    /// rectangle room).
    DrawRoom {
        /// Corners in order around the outline.
        corners: Vec<Point>,
    },
    /// Puts a new door on the wall nearest to `at` (id generated; it swings
    /// outward and leads where the wall does).
    AddDoor {
        /// Where the engineer clicked.
        at: Point,
        /// Clear width, mm.
        width_mm: u32,
    },
    /// Adds a column centred at `at` in the room that contains it.
    AddColumn {
        /// Centre.
        at: Point,
        /// Extent along x, mm.
        width_mm: u32,
        /// Extent along y, mm.
        depth_mm: u32,
    },
    /// Replaces a door of a room (`previous_key` is its key before the
    /// edit); its position is moved onto the nearest wall.
    PutDoor {
        /// The room it is in.
        room_id: String,
        /// The door as edited.
        door: crate::layout::Door,
        /// Its key before the edit.
        previous_key: String,
    },
    /// Replaces a column of a room (`previous_id` is its id before the edit).
    PutColumn {
        /// The room it stands in.
        room_id: String,
        /// The column as edited.
        column: crate::layout::Column,
        /// Its id before the edit.
        previous_id: String,
    },
}

/// The result of an edit: its undo label, the new view and what to select.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditOutcome {
    /// The undo label ("Move BC-02", "Duplicate row of 4").
    pub label: String,
    /// The layout after the edit.
    pub view: LayoutView,
    /// Items to select after the edit (new or moved items).
    pub select: Vec<ObjectRef>,
}

/// An auto-placement request and whether to apply its result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoPlaceCall {
    /// What to place.
    pub request: crate::layout::AutoPlaceRequest,
    /// Save the placed cabinets (one undoable edit) or only preview.
    pub apply: bool,
}

/// What auto-placement did (or would do).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoPlaceOutcome {
    /// The placement result, with the reason when not all fit.
    pub result: AutoPlaceResult,
    /// The view after applying (only when applied).
    pub view: Option<LayoutView>,
}

/// The outcome of saving an edited rule set: field errors (nothing saved)
/// or the new view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSetSaveOutcome {
    /// Problems, each naming its field; empty when saved.
    pub errors: Vec<FieldError>,
    /// The view after saving (when saved).
    pub view: Option<LayoutView>,
}

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayoutExport {
    /// Bill of materials as CSV.
    BomCsv,
    /// Plan as SVG.
    PlanSvg,
    /// Plan as PNG.
    PlanPng,
}
