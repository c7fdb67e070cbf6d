//! Turns a [`Layout`] plus equipment specs into checked geometry (a
//! [`Scene`]) and input diagnostics. Everything invalid — NaN or infinite
//! numbers, zero sizes, degenerate or self-crossing outlines, coordinates
//! beyond ±1,000 km, unknown references, missing specs — becomes a
//! [`Diagnostic`] naming the field and what to do, and the offending part is
//! left out of the checks that need it. Nothing here can panic.

use std::collections::{BTreeMap, HashMap};

use backstop_model::layout::{
    Chemistry, Clearances, Diagnostic, DoorHinge, DoorSwing, EquipmentSpec, FireTestData, Layout, ObjectKind, ObjectRef, RackSpec,
    RoomShape, Rotation, Severity,
};

use crate::geom::{self, P, Polygon, Rect};

/// Largest accepted absolute plan coordinate, mm (1,000 km): far beyond any
/// site, small enough that every derived value stays exact in `f64`.
pub const COORD_LIMIT_MM: i64 = 1_000_000_000;

/// Largest accepted number of vertices of one room outline.
pub const MAX_POLYGON_VERTICES: usize = 2_000;

/// A door of a room, with the outline edge it sits on.
#[derive(Debug, Clone)]
pub struct DoorG {
    /// Index in the room's door list.
    pub index: usize,
    /// Its key ([`backstop_model::layout::Door::key`]).
    pub key: String,
    /// Whether it has an id of its own (else `key` names it by room and number).
    pub named: bool,
    /// How messages name it: `"door D-1"`, or `"door 2"` without an id.
    pub label: String,
    /// Centre of the opening.
    pub pos: P,
    /// Clear width, mm.
    pub width: f64,
    /// Swing.
    pub swing: DoorSwing,
    /// Hinge side, seen from inside facing the door.
    pub hinge: DoorHinge,
    /// Listed panic hardware fitted.
    pub panic_hardware: bool,
    /// Fire-protection rating, minutes.
    pub fire_rating_min: u32,
    /// Index of the outline edge (wall) it sits in.
    pub edge: usize,
    /// Unit vector along the wall (counter-clockwise).
    pub along: P,
    /// Unit normal into the room.
    pub inward: P,
}

impl DoorG {
    /// Ends of the opening on the wall.
    pub fn opening(&self) -> (P, P) {
        let h = self.along.scale(self.width / 2.0);
        (self.pos.minus(h), self.pos.plus(h))
    }

    /// The hinge end of the opening: seen from inside facing the wall,
    /// `along` points left.
    pub fn hinge_point(&self) -> P {
        let (a, b) = self.opening();
        match self.hinge {
            DoorHinge::Left => b,
            DoorHinge::Right => a,
        }
    }

    /// Reference for violations.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef { kind: ObjectKind::Door, key: self.key.clone() }
    }

    /// The square the leaf sweeps (its width on each side, on the side it
    /// swings to), with the direction it swings; `None` for sliding doors
    /// and doors without width.
    pub fn swing_zone(&self) -> Option<(Rect, P)> {
        let dir = match self.swing {
            DoorSwing::Inward => self.inward,
            DoorSwing::Outward => self.inward.scale(-1.0),
            DoorSwing::Sliding => return None,
        };
        if self.width <= 0.0 {
            return None;
        }
        let frame = geom::Frame::new(self.pos, dir);
        let zone = Rect { x0: -self.width / 2.0, y0: 0.0, x1: self.width / 2.0, y1: self.width };
        Some((frame.rect_to_plan(&zone), dir))
    }
}

/// A room with its validated outline.
#[derive(Debug, Clone)]
pub struct RoomG {
    /// Room id.
    pub id: String,
    /// Outline, when valid.
    pub poly: Option<Polygon>,
    /// Clear height, mm (`None` when not given).
    pub height_mm: Option<f64>,
    /// Allowable floor load, kg/m² (`None` when not given or invalid).
    pub floor_load: Option<f64>,
    /// Fire-area key (`room:<id>` when the room has none).
    pub fire_area: String,
    /// Outdoor area.
    pub outdoor: bool,
    /// Doors placed on the outline.
    pub doors: Vec<DoorG>,
}

/// One placed object (equipment, rack or power unit) with resolved data.
#[derive(Debug, Clone)]
pub struct Obj<'a> {
    /// Which list it comes from.
    pub kind: ObjectKind,
    /// Its tag.
    pub key: &'a str,
    /// Its room (index into [`Scene::rooms`]), when the room exists.
    pub room: Option<usize>,
    /// Footprint on the plan.
    pub rect: Rect,
    /// Centre.
    pub center: P,
    /// Orientation.
    pub rot: Rotation,
    /// Front-face width, mm.
    pub width: f64,
    /// Depth, mm.
    pub depth: f64,
    /// Height, mm (0 when unknown).
    pub height: f64,
    /// Mass, kg (0 when unknown).
    pub mass_kg: f64,
    /// Stored energy, kWh.
    pub energy_kwh: f64,
    /// Chemistry of the stored energy.
    pub chemistry: Option<Chemistry>,
    /// Listed pre-engineered / prepackaged system.
    pub listed: bool,
    /// Declared fire-test data.
    pub fire_test: Option<&'a FireTestData>,
    /// Needs NEC 110.26 working space (and has valid electrical data).
    pub needs_ws: bool,
    /// Widest front door leaf, mm.
    pub door_leaf: f64,
    /// Voltage to ground, V.
    pub voltage: f64,
    /// Ampacity, A.
    pub ampacity: f64,
    /// Manufacturer clearances.
    pub clearances: Clearances,
    /// Catalog key (equipment and power units).
    pub spec_key: Option<&'a str>,
}

impl Obj<'_> {
    /// Reference for violations.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef { kind: self.kind, key: self.key.to_owned() }
    }

    /// True for a building column (part of its room, not placed equipment).
    pub fn is_column(&self) -> bool {
        self.kind == ObjectKind::Column
    }

    /// How messages name it: the tag, or `"column C-1"`.
    pub fn name(&self) -> String {
        if self.is_column() { format!("column {}", self.key) } else { self.key.to_owned() }
    }

    /// True for items that store battery energy.
    pub fn is_battery(&self) -> bool {
        self.energy_kwh > 0.0 && self.chemistry.is_some()
    }
}

/// The layout as checked geometry.
#[derive(Debug)]
pub struct Scene<'a> {
    /// Rooms, in layout order.
    pub rooms: Vec<RoomG>,
    /// Placed objects with a valid footprint: equipment, racks and power
    /// units, then the rooms' columns (obstacles to everything else).
    pub objs: Vec<Obj<'a>>,
    /// How many of `objs` are placed items (the rest are columns).
    pub items: usize,
    /// Input problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// Room index by id (first of duplicates).
    pub room_by_id: HashMap<&'a str, usize>,
}

fn obj_ref(kind: ObjectKind, key: &str) -> ObjectRef {
    ObjectRef { kind, key: key.to_owned() }
}

fn err(field: String, message: String, objects: Vec<ObjectRef>) -> Diagnostic {
    Diagnostic { severity: Severity::Error, field, message, objects }
}

fn warn(field: String, message: String, objects: Vec<ObjectRef>) -> Diagnostic {
    Diagnostic { severity: Severity::Warning, field, message, objects }
}

/// True when both coordinates are within ±[`COORD_LIMIT_MM`].
pub fn point_ok(p: backstop_model::layout::Point) -> bool {
    let r = -COORD_LIMIT_MM..=COORD_LIMIT_MM;
    r.contains(&p.x_mm) && r.contains(&p.y_mm)
}

fn finite_nonneg(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

/// Checks an equipment spec; returns the problems (field, message).
pub fn spec_problems(s: &EquipmentSpec) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |field: &str, msg: String| out.push((format!("specs[{}].{field}", s.key), msg));
    if s.key.trim().is_empty() {
        bad("key", "the spec has an empty catalog key; give it the key of its catalog entry".into());
    }
    if s.width_mm == 0 || s.depth_mm == 0 {
        bad(
            "width_mm",
            format!("{} has a zero footprint ({} × {} mm); enter the width and depth from the datasheet", s.key, s.width_mm, s.depth_mm),
        );
    }
    if i64::from(s.width_mm.max(s.depth_mm)) > COORD_LIMIT_MM {
        bad("width_mm", format!("{} is larger than 1,000 km; check the units (mm)", s.key));
    }
    for (field, v) in
        [("mass_kg", s.mass_kg), ("energy_kwh", s.energy_kwh), ("power_kw", s.power_kw), ("heat_kw", s.heat_kw), ("unit_cost", s.unit_cost)]
    {
        if !finite_nonneg(v) {
            bad(field, format!("{field} of {} is {v}; enter a finite number ≥ 0", s.key));
        }
    }
    if s.energy_kwh > 0.0 && s.chemistry.is_none() {
        bad("chemistry", format!("{} stores {} kWh but has no chemistry; pick its battery chemistry", s.key, s.energy_kwh));
    }
    if let Some(ft) = &s.fire_test {
        if let Some(v) = ft.max_array_kwh
            && !(v.is_finite() && v > 0.0)
        {
            bad("fire_test.max_array_kwh", format!("the fire-test array limit of {} is {v}; enter a number > 0", s.key));
        }
        if ft.report.trim().is_empty() {
            bad("fire_test.report", format!("the fire-test data of {} names no test report; cite it", s.key));
        }
    }
    out
}

/// Checks a rack spec; returns the problems.
pub fn rack_spec_problems(r: &RackSpec) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (field, v) in [("mass_kg", r.mass_kg), ("unit_cost", r.unit_cost)] {
        if !finite_nonneg(v) {
            out.push((format!("rack_spec.{field}"), format!("rack {field} is {v}; enter a finite number ≥ 0")));
        }
    }
    out
}

/// Validates a room outline; returns the polygon or the problem.
pub fn room_polygon(shape: &RoomShape) -> Result<Polygon, String> {
    match shape {
        RoomShape::Rectangle { origin, width_mm, depth_mm } => {
            if !point_ok(*origin) || i64::from(*width_mm) > COORD_LIMIT_MM || i64::from(*depth_mm) > COORD_LIMIT_MM {
                return Err("the outline lies beyond ±1,000 km; check the units (mm)".into());
            }
            if *width_mm == 0 || *depth_mm == 0 {
                return Err(format!("the rectangle is {width_mm} × {depth_mm} mm and encloses no floor; give it a width and depth"));
            }
            let o = P::from_point(*origin);
            Ok(Polygon::from_rect(Rect { x0: o.x, y0: o.y, x1: o.x + f64::from(*width_mm), y1: o.y + f64::from(*depth_mm) }))
        }
        RoomShape::Polygon { vertices } => {
            if vertices.iter().any(|p| !point_ok(*p)) {
                return Err("a vertex lies beyond ±1,000 km; check the units (mm)".into());
            }
            if vertices.len() > MAX_POLYGON_VERTICES {
                return Err(format!(
                    "the outline has {} vertices; at most {MAX_POLYGON_VERTICES} are supported — simplify it",
                    vertices.len()
                ));
            }
            let pts: Vec<P> = vertices.iter().map(|p| P::from_point(*p)).collect();
            let poly = Polygon::new(pts);
            if poly.pts.len() < 3 {
                return Err(format!("the outline has {} distinct vertices; a room needs at least 3", poly.pts.len()));
            }
            if poly.area <= 0.0 {
                return Err("the outline encloses no area (its vertices are in a line); redraw it".into());
            }
            if geom::self_intersects(&poly.pts) {
                return Err("the outline crosses itself; redraw it as a simple polygon".into());
            }
            Ok(poly)
        }
    }
}

/// The outline of a room shape as a polygon, or `None` when it is invalid
/// (degenerate, self-crossing, out of range).
pub fn room_outline(shape: &RoomShape) -> Option<Polygon> {
    room_polygon(shape).ok()
}

/// Resolves `layout` with `specs` (by catalog key) and the rack spec.
pub fn resolve<'a>(layout: &'a Layout, specs: &'a [EquipmentSpec], rack: Option<&'a RackSpec>) -> Scene<'a> {
    let mut diags = Vec::new();

    // Specs by key; invalid ones are reported once and unusable.
    let mut spec_by_key: BTreeMap<&str, Option<&EquipmentSpec>> = BTreeMap::new();
    for s in specs {
        if spec_by_key.contains_key(s.key.as_str()) {
            diags.push(warn(
                format!("specs[{}]", s.key),
                format!("two equipment specs have the key {}; the first is used", s.key),
                vec![obj_ref(ObjectKind::Spec, &s.key)],
            ));
            continue;
        }
        let problems = spec_problems(s);
        let ok = problems.is_empty();
        for (field, msg) in problems {
            diags.push(err(field, msg, vec![obj_ref(ObjectKind::Spec, &s.key)]));
        }
        spec_by_key.insert(s.key.as_str(), ok.then_some(s));
    }
    let rack_ok = match rack {
        Some(r) => {
            let problems = rack_spec_problems(r);
            let ok = problems.is_empty();
            for (field, msg) in problems {
                diags.push(err(field, msg, Vec::new()));
            }
            ok.then_some(r)
        }
        None => None,
    };

    // Rooms.
    let mut rooms = Vec::with_capacity(layout.rooms.len());
    let mut room_by_id: HashMap<&str, usize> = HashMap::new();
    for (i, r) in layout.rooms.iter().enumerate() {
        let rref = || vec![obj_ref(ObjectKind::Room, &r.id)];
        if room_by_id.contains_key(r.id.as_str()) {
            diags.push(err(
                format!("rooms[{}].id", r.id),
                format!("two rooms have the id {}; give each room its own id (the second is not checked)", r.id),
                rref(),
            ));
        } else {
            room_by_id.insert(r.id.as_str(), i);
        }
        let poly = match room_polygon(&r.shape) {
            Ok(p) => Some(p),
            Err(msg) => {
                diags.push(err(
                    format!("rooms[{}].shape", r.id),
                    format!("room {}: {msg}. Its contents are not checked against it.", r.id),
                    rref(),
                ));
                None
            }
        };
        let height_mm = if r.height_mm == 0 {
            diags.push(warn(
                format!("rooms[{}].height_mm", r.id),
                format!("room {} has no clear height; enter it to check headroom", r.id),
                rref(),
            ));
            None
        } else {
            Some(f64::from(r.height_mm))
        };
        let floor_load = if !r.floor_load_kg_m2.is_finite() || r.floor_load_kg_m2 < 0.0 {
            diags.push(err(
                format!("rooms[{}].floor_load_kg_m2", r.id),
                format!(
                    "room {} has an allowable floor load of {}; enter the building engineer's figure in kg/m²",
                    r.id, r.floor_load_kg_m2
                ),
                rref(),
            ));
            None
        } else if r.floor_load_kg_m2 == 0.0 {
            diags.push(warn(
                format!("rooms[{}].floor_load_kg_m2", r.id),
                format!("room {} has no allowable floor load; ask the building engineer and enter it (kg/m²) to check floor loading", r.id),
                rref(),
            ));
            None
        } else {
            Some(r.floor_load_kg_m2)
        };
        let fire_area = match &r.fire_area {
            Some(f) if !f.trim().is_empty() => f.clone(),
            _ => format!("room:{}", r.id),
        };
        let mut doors = Vec::new();
        if let Some(poly) = &poly {
            for (di, d) in r.doors.iter().enumerate() {
                if !point_ok(d.position) || i64::from(d.width_mm) > COORD_LIMIT_MM {
                    diags.push(err(
                        format!("rooms[{}].doors[{di}]", r.id),
                        format!("door {} of room {} lies beyond ±1,000 km; check the units (mm)", di + 1, r.id),
                        rref(),
                    ));
                    continue;
                }
                let pos = P::from_point(d.position);
                let Some((dist, edge, pos_on)) = poly.nearest_edge(pos) else { continue };
                let (a, b) = poly.edge(edge);
                let len = b.dist(a);
                if len <= 0.0 {
                    continue;
                }
                let along = b.minus(a).scale(1.0 / len);
                // Counter-clockwise outline: the interior is on the left.
                let inward = P::new(-along.y, along.x);
                if dist > 50.0 {
                    diags.push(warn(
                        format!("rooms[{}].doors[{di}].position", r.id),
                        format!(
                            "door {} of room {} is {:.0} mm off the room outline; its swing is drawn from the nearest wall",
                            di + 1,
                            r.id,
                            dist
                        ),
                        rref(),
                    ));
                }
                if d.width_mm == 0 {
                    diags.push(warn(
                        format!("rooms[{}].doors[{di}].width_mm", r.id),
                        format!("door {} of room {} has zero width; enter its clear opening", di + 1, r.id),
                        rref(),
                    ));
                }
                let half = f64::from(d.width_mm) / 2.0;
                if pos_on.dist(a) < half - 1e-9 || pos_on.dist(b) < half - 1e-9 {
                    diags.push(warn(
                        format!("rooms[{}].doors[{di}].width_mm", r.id),
                        format!(
                            "{} of room {} ({} mm) reaches past the end of {}; move it along the wall or narrow it",
                            door_label(d, di),
                            r.id,
                            d.width_mm,
                            poly.wall_name(edge)
                        ),
                        rref(),
                    ));
                }
                doors.push(DoorG {
                    index: di,
                    key: d.key(&r.id, di),
                    named: !d.id.is_empty(),
                    label: door_label(d, di),
                    pos: pos_on,
                    width: f64::from(d.width_mm),
                    swing: d.swing,
                    hinge: d.hinge,
                    panic_hardware: d.panic_hardware,
                    fire_rating_min: d.fire_rating_min,
                    edge,
                    along,
                    inward,
                });
            }
        }
        rooms.push(RoomG {
            id: r.id.clone(),
            poly,
            height_mm,
            floor_load,
            fire_area,
            outdoor: r.environment == backstop_model::layout::Environment::Outdoor,
            doors,
        });
    }

    let mut objs = Vec::with_capacity(layout.equipment.len() + layout.racks.len() + layout.power_units.len());
    let mut seen: HashMap<(ObjectKind, &str), ()> = HashMap::new();
    let room_of = |kind: ObjectKind, tag: &str, room_id: &str, diags: &mut Vec<Diagnostic>| -> Option<usize> {
        match room_by_id.get(room_id) {
            Some(&i) => Some(i),
            None => {
                diags.push(err(
                    format!("{}[{tag}].placement.room_id", list_name(kind)),
                    format!(
                        "{tag} stands in room \"{room_id}\", which does not exist; move it into a room (room rules were not checked for it)"
                    ),
                    vec![obj_ref(kind, tag)],
                ));
                None
            }
        }
    };
    let mut dup = |kind: ObjectKind, tag: &'a str, diags: &mut Vec<Diagnostic>| {
        if tag.trim().is_empty() {
            diags.push(warn(
                format!("{}[]", list_name(kind)),
                format!("an item of {} has an empty tag; give it one (e.g. \"BC-01\")", list_name(kind)),
                Vec::new(),
            ));
        }
        if seen.insert((kind, tag), ()).is_some() {
            diags.push(warn(
                format!("{}[{tag}].tag", list_name(kind)),
                format!("two items are tagged {tag}; give each its own tag so violations name the right one"),
                vec![obj_ref(kind, tag)],
            ));
        }
    };

    for e in &layout.equipment {
        let kind = ObjectKind::Equipment;
        dup(kind, &e.tag, &mut diags);
        if !point_ok(e.placement.position) {
            diags.push(err(
                format!("equipment[{}].placement.position", e.tag),
                format!("{} lies beyond ±1,000 km; check the units (mm). It was not checked.", e.tag),
                vec![obj_ref(kind, &e.tag)],
            ));
            continue;
        }
        let spec = match spec_by_key.get(e.catalog_key.as_str()) {
            Some(Some(s)) => *s,
            Some(None) => {
                diags.push(err(
                    format!("equipment[{}].catalog_key", e.tag),
                    format!("{}: the data of catalog entry {} is invalid (see above); it was not checked", e.tag, e.catalog_key),
                    vec![obj_ref(kind, &e.tag)],
                ));
                continue;
            }
            None => {
                diags.push(err(
                    format!("equipment[{}].catalog_key", e.tag),
                    format!(
                        "{} refers to catalog entry \"{}\", which the project does not hold; add the entry or pick another. It was not checked.",
                        e.tag, e.catalog_key
                    ),
                    vec![obj_ref(kind, &e.tag)],
                ));
                continue;
            }
        };
        let room = room_of(kind, &e.tag, &e.placement.room_id, &mut diags);
        let elec_ok = electrical_ok(kind, &e.tag, e.voltage_to_ground_v, e.ampacity_a, &mut diags);
        let center = P::from_point(e.placement.position);
        let (w, d) = (f64::from(spec.width_mm), f64::from(spec.depth_mm));
        objs.push(Obj {
            kind,
            key: &e.tag,
            room,
            rect: geom::footprint(center, w, d, e.placement.rotation),
            center,
            rot: e.placement.rotation,
            width: w,
            depth: d,
            height: f64::from(spec.height_mm),
            mass_kg: spec.mass_kg,
            energy_kwh: spec.energy_kwh,
            chemistry: spec.chemistry,
            listed: spec.listed_pre_engineered,
            fire_test: spec.fire_test.as_ref(),
            needs_ws: spec.needs_working_space && elec_ok && e.voltage_to_ground_v > 0.0,
            door_leaf: f64::from(spec.front_door_leaf_mm),
            voltage: if elec_ok { e.voltage_to_ground_v } else { 0.0 },
            ampacity: if elec_ok { e.ampacity_a } else { 0.0 },
            clearances: e.clearances,
            spec_key: Some(&e.catalog_key),
        });
    }

    for r in &layout.racks {
        let kind = ObjectKind::Rack;
        dup(kind, &r.tag, &mut diags);
        if !point_ok(r.placement.position) || i64::from(r.width_mm.max(r.depth_mm)) > COORD_LIMIT_MM {
            diags.push(err(
                format!("racks[{}].placement.position", r.tag),
                format!("{} lies beyond ±1,000 km; check the units (mm). It was not checked.", r.tag),
                vec![obj_ref(kind, &r.tag)],
            ));
            continue;
        }
        if r.width_mm == 0 || r.depth_mm == 0 {
            diags.push(err(
                format!("racks[{}].width_mm", r.tag),
                format!(
                    "rack {} has a zero footprint ({} × {} mm); enter its width and depth. It was not checked.",
                    r.tag, r.width_mm, r.depth_mm
                ),
                vec![obj_ref(kind, &r.tag)],
            ));
            continue;
        }
        let room = room_of(kind, &r.tag, &r.placement.room_id, &mut diags);
        let center = P::from_point(r.placement.position);
        let (w, d) = (f64::from(r.width_mm), f64::from(r.depth_mm));
        objs.push(Obj {
            kind,
            key: &r.tag,
            room,
            rect: geom::footprint(center, w, d, r.placement.rotation),
            center,
            rot: r.placement.rotation,
            width: w,
            depth: d,
            height: rack_ok.map_or(0.0, |s| f64::from(s.height_mm)),
            mass_kg: rack_ok.map_or(0.0, |s| s.mass_kg),
            energy_kwh: 0.0,
            chemistry: None,
            listed: false,
            fire_test: None,
            needs_ws: false,
            door_leaf: 0.0,
            voltage: 0.0,
            ampacity: 0.0,
            clearances: Clearances::default(),
            spec_key: None,
        });
    }
    if !layout.racks.is_empty() && rack_ok.is_none() && rack.is_none() {
        diags.push(warn(
            "rack_spec".into(),
            format!("no IT rack mass is given; floor loading leaves out the {} rack(s). Enter the loaded rack mass.", layout.racks.len()),
            Vec::new(),
        ));
    }

    for u in &layout.power_units {
        let kind = ObjectKind::PowerUnit;
        dup(kind, &u.tag, &mut diags);
        let Some(key) = u.catalog_key.as_deref() else {
            diags.push(err(
                format!("power_units[{}].catalog_key", u.tag),
                format!("{} has no catalog entry, so its footprint is unknown; pick its catalog entry. It was not checked.", u.tag),
                vec![obj_ref(kind, &u.tag)],
            ));
            continue;
        };
        if !point_ok(u.placement.position) {
            diags.push(err(
                format!("power_units[{}].placement.position", u.tag),
                format!("{} lies beyond ±1,000 km; check the units (mm). It was not checked.", u.tag),
                vec![obj_ref(kind, &u.tag)],
            ));
            continue;
        }
        let spec = match spec_by_key.get(key) {
            Some(Some(s)) => *s,
            _ => {
                diags.push(err(
                    format!("power_units[{}].catalog_key", u.tag),
                    format!(
                        "{} refers to catalog entry \"{key}\", which the project does not hold (or whose data is invalid); it was not checked",
                        u.tag
                    ),
                    vec![obj_ref(kind, &u.tag)],
                ));
                continue;
            }
        };
        let room = room_of(kind, &u.tag, &u.placement.room_id, &mut diags);
        let elec_ok = electrical_ok(kind, &u.tag, u.voltage_to_ground_v, u.ampacity_a, &mut diags);
        let center = P::from_point(u.placement.position);
        let (w, d) = (f64::from(spec.width_mm), f64::from(spec.depth_mm));
        objs.push(Obj {
            kind,
            key: &u.tag,
            room,
            rect: geom::footprint(center, w, d, u.placement.rotation),
            center,
            rot: u.placement.rotation,
            width: w,
            depth: d,
            height: f64::from(spec.height_mm),
            mass_kg: spec.mass_kg,
            energy_kwh: spec.energy_kwh,
            chemistry: spec.chemistry,
            listed: spec.listed_pre_engineered,
            fire_test: spec.fire_test.as_ref(),
            needs_ws: spec.needs_working_space && elec_ok && u.voltage_to_ground_v > 0.0,
            door_leaf: f64::from(spec.front_door_leaf_mm),
            voltage: if elec_ok { u.voltage_to_ground_v } else { 0.0 },
            ampacity: if elec_ok { u.ampacity_a } else { 0.0 },
            clearances: u.clearances,
            spec_key: Some(key),
        });
    }

    let items = objs.len();
    // Columns, after every item so item indices do not depend on them.
    let mut named: HashMap<&str, ()> = HashMap::new();
    for (ri, r) in layout.rooms.iter().enumerate() {
        for (di, d) in r.doors.iter().enumerate() {
            if !d.id.is_empty() && named.insert(d.id.as_str(), ()).is_some() {
                diags.push(warn(
                    format!("rooms[{}].doors[{di}].id", r.id),
                    format!("two doors or columns have the id {}; give each its own so violations name the right one", d.id),
                    vec![obj_ref(ObjectKind::Door, &d.id)],
                ));
            }
        }
        for c in &r.columns {
            let kind = ObjectKind::Column;
            let field = format!("rooms[{}].columns[{}]", r.id, c.id);
            if c.id.trim().is_empty() {
                diags.push(warn(field.clone(), format!("a column of room {} has no id; give it one (e.g. \"C-1\")", r.id), Vec::new()));
            } else if named.insert(c.id.as_str(), ()).is_some() {
                diags.push(warn(
                    format!("{field}.id"),
                    format!("two doors or columns have the id {}; give each its own so violations name the right one", c.id),
                    vec![obj_ref(kind, &c.id)],
                ));
            }
            if !point_ok(c.position) || i64::from(c.width_mm.max(c.depth_mm)) > COORD_LIMIT_MM {
                diags.push(err(
                    format!("{field}.position"),
                    format!("column {} of room {} lies beyond ±1,000 km; check the units (mm). It was not checked.", c.id, r.id),
                    vec![obj_ref(kind, &c.id)],
                ));
                continue;
            }
            if c.width_mm == 0 || c.depth_mm == 0 {
                diags.push(err(
                    format!("{field}.width_mm"),
                    format!(
                        "column {} of room {} is {} × {} mm; enter its size (a round column as its enclosing square). It was not checked.",
                        c.id, r.id, c.width_mm, c.depth_mm
                    ),
                    vec![obj_ref(kind, &c.id)],
                ));
                continue;
            }
            let center = P::from_point(c.position);
            let (w, d) = (f64::from(c.width_mm), f64::from(c.depth_mm));
            let rect = geom::footprint(center, w, d, Rotation::R0);
            if let Some(poly) = &rooms[ri].poly
                && poly.dist_area_rect(&rect).0 > 0.0
            {
                diags.push(warn(
                    format!("{field}.position"),
                    format!("column {} stands outside room {}; move it into the room or delete it", c.id, r.id),
                    vec![obj_ref(kind, &c.id)],
                ));
            }
            objs.push(Obj {
                kind,
                key: &c.id,
                room: Some(ri),
                rect,
                center,
                rot: Rotation::R0,
                width: w,
                depth: d,
                height: 0.0,
                mass_kg: 0.0,
                energy_kwh: 0.0,
                chemistry: None,
                listed: false,
                fire_test: None,
                needs_ws: false,
                door_leaf: 0.0,
                voltage: 0.0,
                ampacity: 0.0,
                clearances: Clearances::default(),
                spec_key: None,
            });
        }
    }

    for p in &layout.egress_paths {
        if p.route.len() < 2 {
            diags.push(err(
                format!("egress_paths[{}].route", p.id),
                format!("egress path {} has {} point(s); draw at least two so it can be checked", p.id, p.route.len()),
                vec![obj_ref(ObjectKind::EgressPath, &p.id)],
            ));
        } else if p.route.iter().any(|q| !point_ok(*q)) || i64::from(p.width_mm) > COORD_LIMIT_MM {
            diags.push(err(
                format!("egress_paths[{}].route", p.id),
                format!("egress path {} lies beyond ±1,000 km; check the units (mm). It was not checked.", p.id),
                vec![obj_ref(ObjectKind::EgressPath, &p.id)],
            ));
        }
    }

    Scene { rooms, objs, items, diagnostics: diags, room_by_id }
}

fn electrical_ok(kind: ObjectKind, tag: &str, v: f64, a: f64, diags: &mut Vec<Diagnostic>) -> bool {
    let mut ok = true;
    for (field, x, unit) in [("voltage_to_ground_v", v, "V"), ("ampacity_a", a, "A")] {
        if !finite_nonneg(x) {
            diags.push(err(
                format!("{}[{tag}].{field}", list_name(kind)),
                format!("{tag} has {field} = {x}; enter a finite value ≥ 0 {unit}. Its working space was not checked."),
                vec![obj_ref(kind, tag)],
            ));
            ok = false;
        }
    }
    ok
}

/// Name of the layout list holding `kind`.
pub fn list_name(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Equipment => "equipment",
        ObjectKind::Rack => "racks",
        ObjectKind::PowerUnit => "power_units",
        ObjectKind::Room => "rooms",
        ObjectKind::EgressPath => "egress_paths",
        ObjectKind::FireArea => "fire_areas",
        ObjectKind::Spec => "specs",
        ObjectKind::Door => "doors",
        ObjectKind::Column => "columns",
    }
}

/// `"door D-1"`, or `"door 2"` (1-based) for a door without an id.
pub fn door_label(d: &backstop_model::layout::Door, index: usize) -> String {
    if d.id.is_empty() { format!("door {}", index + 1) } else { format!("door {}", d.id) }
}

/// Valid egress routes as plan points (routes the resolver reported are
/// skipped), with their widths.
pub fn egress_routes(layout: &Layout) -> Vec<(usize, Vec<P>, f64)> {
    layout
        .egress_paths
        .iter()
        .enumerate()
        .filter(|(_, p)| p.route.len() >= 2 && p.route.iter().all(|q| point_ok(*q)) && i64::from(p.width_mm) <= COORD_LIMIT_MM)
        .map(|(i, p)| (i, p.route.iter().map(|q| P::from_point(*q)).collect(), f64::from(p.width_mm)))
        .collect()
}
