//! Editing the building: rooms drawn corner by corner, doors placed on a
//! wall, columns placed in a room, and the defaults a new one gets. Pure
//! functions that return the new or changed [`Room`] (the app records it as
//! one undoable edit); every refusal says what to do instead.
//!
//! A door is always stored on its wall: wherever the engineer clicks or
//! types, [`fit_door`] moves its centre onto the nearest wall of its room
//! and along that wall until the whole opening fits, or refuses when the
//! wall is shorter than the door.

use backstop_model::layout::{
    Column, Door, DoorHinge, DoorLeadsTo, DoorSwing, EgressPath, Environment, ItRack, Layout, ObjectKind, ObjectRef, Placement, Point,
    Room, RoomShape, Rotation,
};

use crate::check::fmt_num;
use crate::editor::EditError;
use crate::geom::{self, P};
use crate::resolve::{COORD_LIMIT_MM, point_ok, room_polygon};

/// Smallest room side drawn or added, mm.
pub const MIN_ROOM_SIDE_MM: u32 = 500;
/// Default clear height of a new room, mm.
pub const DEFAULT_ROOM_HEIGHT_MM: u32 = 3_500;
/// Default allowable floor load of a new room, kg/m² (a typical raised or
/// slab floor of an equipment room; the engineer enters the structural
/// engineer's figure).
pub const DEFAULT_FLOOR_LOAD_KG_M2: f64 = 1_200.0;
/// Default clear width of a new door, mm (a 36 in single leaf, the common
/// minimum for an equipment-room exit).
pub const DEFAULT_DOOR_WIDTH_MM: u32 = 915;
/// How far from a wall a click may land and still place a door on it, mm.
pub const DOOR_PICK_MM: f64 = 1_000.0;
/// Largest column side accepted, mm.
pub const MAX_COLUMN_SIDE_MM: u32 = 5_000;
/// Footprint of a new IT rack, mm: the common 600 mm × 1,200 mm cabinet
/// (the engineer enters the site's own in the properties panel).
pub const DEFAULT_RACK_MM: (u32, u32) = (600, 1_200);
/// Clear width of a new egress path, mm: 44 in, the corridor width the
/// building codes ask for an occupied floor (IBC 1020.2, NFPA 101
/// 7.3.4.1); the rule set checks the path against its own minimum.
pub const DEFAULT_EGRESS_WIDTH_MM: u32 = 1_120;
/// How far from the room's walls a new egress path starts and ends, mm.
pub const EGRESS_WALL_OFFSET_MM: f64 = 500.0;
/// A door centre this close to another room's outline opens into that room, mm.
const SHARED_WALL_MM: f64 = 50.0;

fn invalid(msg: impl Into<String>) -> EditError {
    EditError::Invalid(msg.into())
}

fn mm(v: f64) -> String {
    fmt_num(v)
}

/// The first id `<prefix><n>` not taken by a door or column of the layout.
pub fn next_feature_id(layout: &Layout, prefix: &str) -> String {
    let taken = |id: &str| layout.rooms.iter().any(|r| r.doors.iter().any(|d| d.id == id) || r.columns.iter().any(|c| c.id == id));
    (1u64..).map(|n| format!("{prefix}{n}")).find(|id| !taken(id)).unwrap_or_else(|| prefix.to_owned())
}

/// A new IT rack in room `room_id` at `position`, drawing `load_kw`, with
/// the next free `R-` tag and [`DEFAULT_RACK_MM`]; refused for a room not
/// in the layout or a load that is not a number ≥ 0.
pub fn new_rack(layout: &Layout, room_id: &str, position: Point, load_kw: f64) -> Result<ItRack, EditError> {
    if !layout.rooms.iter().any(|r| r.id == room_id) {
        return Err(invalid(format!("room {room_id} does not exist; pick a room of the layout")));
    }
    if !(load_kw.is_finite() && load_kw >= 0.0) {
        return Err(invalid("enter the rack's load in kW (0 or more)"));
    }
    if !point_ok(position) {
        return Err(EditError::OutOfRange);
    }
    let tag = crate::editor::next_tags(crate::editor::all_tags(layout), "R-", 1).pop().unwrap_or_else(|| "R-NEW".into());
    Ok(ItRack {
        tag,
        placement: Placement { room_id: room_id.to_owned(), position, rotation: Rotation::R0 },
        width_mm: DEFAULT_RACK_MM.0,
        depth_mm: DEFAULT_RACK_MM.1,
        load_kw,
    })
}

/// A new egress path across room `room_id`: the next free `E-` id, a
/// straight route through the middle of the room's bounding box from
/// [`EGRESS_WALL_OFFSET_MM`] inside one wall to as far inside the other,
/// [`DEFAULT_EGRESS_WIDTH_MM`] wide (the engineer then draws it to the exit).
pub fn new_egress_path(layout: &Layout, room_id: &str) -> Result<EgressPath, EditError> {
    let room = layout
        .rooms
        .iter()
        .find(|r| r.id == room_id)
        .ok_or_else(|| invalid(format!("room {room_id} does not exist; pick a room of the layout")))?;
    let b = room_polygon(&room.shape).map_err(|why| invalid(format!("room {room_id} has an invalid outline ({why}); fix it first")))?.bbox;
    let y = geom::round_i64((b.y0 + b.y1) / 2.0);
    let id =
        (1u64..).map(|n| format!("E-{n}")).find(|id| !layout.egress_paths.iter().any(|p| &p.id == id)).unwrap_or_else(|| "E-NEW".into());
    Ok(EgressPath {
        id,
        name: format!("{} aisle to exit", room.name),
        route: vec![
            Point::new(geom::round_i64(b.x0 + EGRESS_WALL_OFFSET_MM), y),
            Point::new(geom::round_i64(b.x1 - EGRESS_WALL_OFFSET_MM), y),
        ],
        width_mm: DEFAULT_EGRESS_WIDTH_MM,
    })
}

/// An egress path as edited, ready to save: its id trimmed and given, at
/// least two points (from the most remote point to the exit), and an id no
/// other path has (`previous_id`: the id the path had before this edit).
pub fn check_egress_path(layout: &Layout, path: &EgressPath, previous_id: Option<&str>) -> Result<EgressPath, EditError> {
    let id = path.id.trim();
    if id.is_empty() {
        return Err(invalid("give the egress path an id (e.g. E-1)"));
    }
    if path.route.len() < 2 {
        return Err(invalid("an egress path needs at least two points (from the most remote point to the exit)"));
    }
    if previous_id != Some(id) && layout.egress_paths.iter().any(|p| p.id == id) {
        return Err(invalid(format!("an egress path with id {id} already exists; choose another id")));
    }
    Ok(EgressPath { id: id.to_owned(), ..path.clone() })
}

/// The first room id `ROOM-<n>` not taken.
pub fn next_room_id(layout: &Layout) -> String {
    (1u64..).map(|n| format!("ROOM-{n}")).find(|id| !layout.rooms.iter().any(|r| &r.id == id)).unwrap_or_else(|| "ROOM-NEW".into())
}

/// A new indoor room with the given outline, a fresh id and the defaults
/// ([`DEFAULT_ROOM_HEIGHT_MM`], [`DEFAULT_FLOOR_LOAD_KG_M2`]); no fire area,
/// doors or columns yet.
pub fn new_room(layout: &Layout, shape: RoomShape) -> Room {
    let id = next_room_id(layout);
    Room {
        name: format!("Room {}", id.trim_start_matches("ROOM-")),
        id,
        shape,
        height_mm: DEFAULT_ROOM_HEIGHT_MM,
        floor_load_kg_m2: DEFAULT_FLOOR_LOAD_KG_M2,
        fire_area: None,
        environment: Environment::Indoor,
        doors: Vec::new(),
        columns: Vec::new(),
        serves_case: None,
    }
}

/// A rectangle room's outline, checked: at least [`MIN_ROOM_SIDE_MM`] each
/// way and within the plan's range.
pub fn rectangle(origin: Point, width_mm: u32, depth_mm: u32) -> Result<RoomShape, EditError> {
    if width_mm < MIN_ROOM_SIDE_MM || depth_mm < MIN_ROOM_SIDE_MM {
        return Err(invalid(format!("a room must be at least {MIN_ROOM_SIDE_MM} mm × {MIN_ROOM_SIDE_MM} mm; enter its inside dimensions")));
    }
    let shape = RoomShape::Rectangle { origin, width_mm, depth_mm };
    room_polygon(&shape).map_err(|_| EditError::OutOfRange)?;
    Ok(shape)
}

/// The outline of a room drawn by clicking its corners: repeated clicks and
/// corners on a straight wall are dropped, the outline must be simple
/// (not cross itself) and enclose at least [`MIN_ROOM_SIDE_MM`]² of floor
/// with every side of its bounding box at least that long. Four corners
/// that make an axis-aligned rectangle are stored as that rectangle (its
/// width and depth can then be typed); anything else as a polygon.
pub fn outline_from_corners(corners: &[Point]) -> Result<RoomShape, EditError> {
    if corners.iter().any(|p| !point_ok(*p)) {
        return Err(EditError::OutOfRange);
    }
    let mut pts: Vec<Point> = Vec::with_capacity(corners.len());
    for p in corners {
        if pts.last() != Some(p) {
            pts.push(*p);
        }
    }
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    // Drop corners in the middle of a straight wall (exact in integers).
    let collinear = |a: Point, b: Point, c: Point| {
        i128::from(b.x_mm - a.x_mm) * i128::from(c.y_mm - a.y_mm) == i128::from(b.y_mm - a.y_mm) * i128::from(c.x_mm - a.x_mm)
    };
    loop {
        let n = pts.len();
        if n < 3 {
            break;
        }
        let Some(i) = (0..n).find(|&i| collinear(pts[(i + n - 1) % n], pts[i], pts[(i + 1) % n])) else { break };
        pts.remove(i);
    }
    if pts.len() < 3 {
        return Err(invalid(format!(
            "a room needs at least three corners that are not in one line; {} {} given — click each corner, then close the outline",
            pts.len(),
            if pts.len() == 1 { "was" } else { "were" }
        )));
    }
    let shape = RoomShape::Polygon { vertices: pts };
    let poly = room_polygon(&shape).map_err(|why| invalid(format!("this outline cannot be a room: {why}")))?;
    let side = f64::from(MIN_ROOM_SIDE_MM);
    if poly.bbox.width() < side || poly.bbox.height() < side || poly.area < side * side {
        return Err(invalid(format!(
            "the outline is {} × {} mm ({} m²); a room must be at least {MIN_ROOM_SIDE_MM} mm each way",
            mm(poly.bbox.width()),
            mm(poly.bbox.height()),
            mm(poly.area / 1e6)
        )));
    }
    if poly.is_rect {
        let (o, w, d) = (poly.bbox.to_points().0, poly.bbox.width(), poly.bbox.height());
        return Ok(RoomShape::Rectangle { origin: o, width_mm: w as u32, depth_mm: d as u32 });
    }
    Ok(shape)
}

/// `room` with its outline checked (the same rules as a drawn one, so a
/// typed or dragged outline cannot be one the checks would refuse) and its
/// doors moved onto the nearest wall of the new outline; a door that no
/// longer fits on its wall, or a column left outside the room, is named so
/// the engineer can move it first.
pub fn reshape(room: &Room) -> Result<Room, EditError> {
    let shape = match &room.shape {
        RoomShape::Rectangle { origin, width_mm, depth_mm } => rectangle(*origin, *width_mm, *depth_mm)?,
        RoomShape::Polygon { vertices } => outline_from_corners(vertices)?,
    };
    let mut out = Room { shape, ..room.clone() };
    for (i, d) in room.doors.iter().enumerate() {
        out.doors[i] = fit_door(&out, d).map_err(|e| invalid(format!("door {}: {e}", d.key(&room.id, i))))?;
    }
    for c in &room.columns {
        check_column(&out, c)?;
    }
    Ok(out)
}

/// `door` moved onto the nearest wall of `room` and along it until the
/// whole opening fits, with its position in whole millimetres; refused when
/// the width is 0, over 10 m, or longer than the wall.
pub fn fit_door(room: &Room, door: &Door) -> Result<Door, EditError> {
    if !point_ok(door.position) {
        return Err(EditError::OutOfRange);
    }
    if door.width_mm == 0 || door.width_mm > 10_000 {
        return Err(invalid(format!(
            "a door's clear width must be 1 to 10,000 mm; {} mm is not (a single leaf is about 915 mm)",
            door.width_mm
        )));
    }
    let poly =
        room_polygon(&room.shape).map_err(|why| invalid(format!("room {} has an invalid outline ({why}); fix it first", room.id)))?;
    let at = P::from_point(door.position);
    let Some((_, edge, on)) = poly.nearest_edge(at) else { return Err(invalid(format!("room {} has no walls", room.id))) };
    let (a, b) = poly.edge(edge);
    let len = b.dist(a);
    let w = f64::from(door.width_mm);
    if len < w {
        return Err(invalid(format!(
            "{} of room {} is {} mm long; a {} mm door does not fit — pick a longer wall or a narrower door",
            poly.wall_name(edge),
            room.id,
            mm(len),
            door.width_mm
        )));
    }
    let t = on.dist(a).clamp(w / 2.0, len - w / 2.0);
    let along = b.minus(a).scale(1.0 / len);
    let centre = a.plus(along.scale(t));
    let mut out = door.clone();
    out.position = Point::new(geom::round_i64(centre.x), geom::round_i64(centre.y));
    Ok(out)
}

/// A new door of `width_mm` on the wall nearest to `at` (within
/// [`DOOR_PICK_MM`]), with a fresh id `D-<n>`: it swings outward (the usual
/// requirement for a battery-room exit), is hinged on the right, has no
/// fire rating or panic hardware until the engineer enters them, and leads
/// into the room on the other side of the wall when there is one (else
/// outdoors from an outdoor space, else to a corridor). Returns the room's
/// id and the door.
pub fn place_door(layout: &Layout, at: Point, width_mm: u32) -> Result<(String, Door), EditError> {
    if !point_ok(at) {
        return Err(EditError::OutOfRange);
    }
    let q = P::from_point(at);
    let mut best: Option<(f64, &Room)> = None;
    for r in &layout.rooms {
        let Ok(poly) = room_polygon(&r.shape) else { continue };
        if let Some((d, _, _)) = poly.nearest_edge(q)
            && best.is_none_or(|(bd, _)| d < bd)
        {
            best = Some((d, r));
        }
    }
    let Some((dist, room)) = best else { return Err(invalid("there is no room to put a door in; draw or add a room first")) };
    if dist > DOOR_PICK_MM {
        return Err(invalid(format!(
            "the nearest wall (of room {}) is {} mm from where you clicked; click on a wall to place a door",
            room.id,
            mm(dist.round())
        )));
    }
    let mut door = Door::new(at, width_mm, DoorSwing::Outward, DoorLeadsTo::Corridor);
    door.hinge = DoorHinge::Right;
    door = fit_door(room, &door)?;
    let centre = P::from_point(door.position);
    door.leads_to = layout
        .rooms
        .iter()
        .filter(|r| r.id != room.id)
        .find(|r| room_polygon(&r.shape).ok().and_then(|p| p.nearest_edge(centre)).is_some_and(|(d, _, _)| d <= SHARED_WALL_MM))
        .map(|r| DoorLeadsTo::Room(r.id.clone()))
        .unwrap_or(if room.environment == Environment::Outdoor { DoorLeadsTo::Outside } else { DoorLeadsTo::Corridor });
    door.id = next_feature_id(layout, "D-");
    Ok((room.id.clone(), door))
}

/// Checks a column: a size of 1 to [`MAX_COLUMN_SIDE_MM`] each way and its
/// centre inside `room`.
pub fn check_column(room: &Room, column: &Column) -> Result<(), EditError> {
    if !point_ok(column.position) || i64::from(column.width_mm.max(column.depth_mm)) > COORD_LIMIT_MM {
        return Err(EditError::OutOfRange);
    }
    if column.width_mm == 0 || column.depth_mm == 0 || column.width_mm > MAX_COLUMN_SIDE_MM || column.depth_mm > MAX_COLUMN_SIDE_MM {
        return Err(invalid(format!(
            "a column must be 1 to {MAX_COLUMN_SIDE_MM} mm each way; {} × {} mm is not (a round column is entered as its enclosing square)",
            column.width_mm, column.depth_mm
        )));
    }
    let poly =
        room_polygon(&room.shape).map_err(|why| invalid(format!("room {} has an invalid outline ({why}); fix it first", room.id)))?;
    if !poly.contains_point(P::from_point(column.position)) {
        return Err(invalid(format!(
            "column {} at ({}, {}) mm is not inside room {}; a column belongs to the room it stands in",
            column.id, column.position.x_mm, column.position.y_mm, room.id
        )));
    }
    Ok(())
}

/// A new `width_mm` × `depth_mm` column centred at `at` in the room that
/// contains it, with a fresh id `C-<n>`. Returns the room's id and the
/// column.
pub fn place_column(layout: &Layout, at: Point, width_mm: u32, depth_mm: u32) -> Result<(String, Column), EditError> {
    if !point_ok(at) {
        return Err(EditError::OutOfRange);
    }
    let q = P::from_point(at);
    let room = layout.rooms.iter().rev().find(|r| room_polygon(&r.shape).is_ok_and(|p| p.contains_point(q))).ok_or_else(|| {
        invalid(format!("({}, {}) mm is not inside a room; place a column inside the room it stands in", at.x_mm, at.y_mm))
    })?;
    let column = Column { id: next_feature_id(layout, "C-"), position: at, width_mm, depth_mm };
    check_column(room, &column)?;
    Ok((room.id.clone(), column))
}

/// Where a door or column is: (room index, index in its list).
pub fn find_feature(layout: &Layout, o: &ObjectRef) -> Option<(usize, usize)> {
    layout.rooms.iter().enumerate().find_map(|(ri, r)| match o.kind {
        ObjectKind::Door => r.doors.iter().enumerate().find(|(di, d)| d.key(&r.id, *di) == o.key).map(|(di, _)| (ri, di)),
        ObjectKind::Column => r.columns.iter().position(|c| c.id == o.key).map(|ci| (ri, ci)),
        _ => None,
    })
}

/// Whether `id` is free for a door or column, ignoring `own` (its key
/// before the edit).
pub fn feature_id_free(layout: &Layout, id: &str, own: Option<&str>) -> bool {
    own == Some(id)
        || !layout.rooms.iter().any(|r| {
            r.doors.iter().enumerate().any(|(i, d)| d.key(&r.id, i) == id && own != Some(&d.key(&r.id, i)))
                || r.columns.iter().any(|c| c.id == id && own != Some(c.id.as_str()))
        })
}

/// The rooms changed by removing the doors and columns in `objects` (other
/// kinds are ignored); unknown keys are refused.
pub fn remove_features(layout: &Layout, objects: &[ObjectRef]) -> Result<Vec<Room>, EditError> {
    let mut rooms = layout.rooms.clone();
    let mut changed = std::collections::BTreeSet::new();
    // Find every index first: removing shifts the keys of unnamed doors.
    let mut doomed: Vec<(usize, ObjectKind, usize)> = Vec::new();
    for o in objects.iter().filter(|o| matches!(o.kind, ObjectKind::Door | ObjectKind::Column)) {
        let (ri, i) = find_feature(layout, o).ok_or_else(|| EditError::NotFound(o.key.clone()))?;
        doomed.push((ri, o.kind, i));
    }
    // Highest index first within each list, duplicates next to each other.
    doomed.sort_by_key(|&(ri, kind, i)| (std::cmp::Reverse(i), ri, kind == ObjectKind::Door));
    doomed.dedup();
    for (ri, kind, i) in doomed {
        match kind {
            ObjectKind::Door => drop(rooms[ri].doors.remove(i)),
            _ => drop(rooms[ri].columns.remove(i)),
        }
        changed.insert(ri);
    }
    Ok(changed.into_iter().map(|ri| rooms[ri].clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: i64, y: i64) -> Point {
        Point::new(x, y)
    }

    fn layout_with(rooms: Vec<Room>) -> Layout {
        Layout { rooms, ..Layout::default() }
    }

    #[test]
    fn a_new_rack_and_egress_path_take_the_next_ids_and_the_defaults() {
        let room = new_room(&Layout::default(), rectangle(p(0, 0), 10_000, 4_000).unwrap());
        let mut layout = layout_with(vec![room.clone()]);
        let rack = new_rack(&layout, &room.id, p(2_000, 2_000), 60.0).unwrap();
        assert_eq!((rack.tag.as_str(), rack.width_mm, rack.depth_mm, rack.load_kw), ("R-01", 600, 1_200, 60.0));
        layout.racks.push(rack);
        assert_eq!(new_rack(&layout, &room.id, p(3_000, 2_000), 0.0).unwrap().tag, "R-02");
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(new_rack(&layout, &room.id, p(0, 0), bad), Err(EditError::Invalid(m)) if m.contains("load in kW")));
        }
        assert!(matches!(new_rack(&layout, "NOPE", p(0, 0), 1.0), Err(EditError::Invalid(m)) if m.contains("NOPE does not exist")));

        let path = new_egress_path(&layout, &room.id).unwrap();
        // Through the middle, 500 mm inside each wall, 44 in wide.
        assert_eq!(path.route, vec![p(500, 2_000), p(9_500, 2_000)]);
        assert_eq!((path.id.as_str(), path.width_mm), ("E-1", 1_120));
        layout.egress_paths.push(path);
        assert_eq!(new_egress_path(&layout, &room.id).unwrap().id, "E-2");
        assert!(new_egress_path(&layout, "NOPE").is_err());

        // Edited paths: an id, two points, no other path's id.
        let e1 = layout.egress_paths[0].clone();
        let refused = |path: &EgressPath, previous: Option<&str>| match check_egress_path(&layout, path, previous) {
            Err(EditError::Invalid(m)) => m,
            other => panic!("accepted: {other:?}"),
        };
        assert!(refused(&EgressPath { id: " ".into(), ..e1.clone() }, None).contains("give the egress path an id"));
        assert!(refused(&EgressPath { route: vec![p(0, 0)], ..e1.clone() }, Some("E-1")).contains("at least two points"));
        assert!(refused(&e1, None).contains("E-1 already exists"));
        assert_eq!(check_egress_path(&layout, &EgressPath { id: " E-1 ".into(), ..e1.clone() }, Some("E-1")).unwrap(), e1);
        assert_eq!(check_egress_path(&layout, &EgressPath { id: "E-9".into(), ..e1.clone() }, Some("E-1")).unwrap().id, "E-9");
    }

    /// An L: 10 m × 4 m along the south, plus 4 m × 4 m on the west end.
    fn l_corners() -> Vec<Point> {
        vec![p(0, 0), p(10_000, 0), p(10_000, 4_000), p(4_000, 4_000), p(4_000, 8_000), p(0, 8_000)]
    }

    #[test]
    fn corners_clicked_make_a_polygon_room_and_a_rectangle_stays_a_rectangle() {
        // Repeated clicks, a corner on a straight wall and the closing click are dropped.
        let mut clicks = l_corners();
        clicks.insert(1, p(5_000, 0));
        clicks.insert(1, p(0, 0));
        clicks.push(p(0, 0));
        assert_eq!(outline_from_corners(&clicks).unwrap(), RoomShape::Polygon { vertices: l_corners() });
        // Four corners of an axis-aligned rectangle, clockwise, are the rectangle.
        let rect = outline_from_corners(&[p(1_000, 2_000), p(1_000, 5_000), p(7_000, 5_000), p(7_000, 2_000)]).unwrap();
        assert_eq!(rect, RoomShape::Rectangle { origin: p(1_000, 2_000), width_mm: 6_000, depth_mm: 3_000 });
    }

    #[test]
    fn outlines_that_cannot_be_rooms_are_refused_with_the_reason() {
        let e = outline_from_corners(&[p(0, 0), p(5_000, 0)]).unwrap_err().to_string();
        assert!(e.contains("at least three corners") && e.contains("2 were given"), "{e}");
        let e = outline_from_corners(&[p(0, 0), p(5_000, 0), p(10_000, 0)]).unwrap_err().to_string();
        assert!(e.contains("at least three corners"), "{e}");
        // A bow tie crosses itself.
        let e = outline_from_corners(&[p(0, 0), p(8_000, 4_000), p(8_000, 0), p(0, 6_000)]).unwrap_err().to_string();
        assert!(e.contains("crosses itself"), "{e}");
        // A sliver 300 mm deep.
        let e = outline_from_corners(&[p(0, 0), p(6_000, 0), p(6_000, 300), p(0, 300)]).unwrap_err().to_string();
        assert!(e.contains("6,000 × 300 mm") && e.contains("at least 500 mm"), "{e}");
        assert_eq!(outline_from_corners(&[p(0, 0), p(COORD_LIMIT_MM + 1, 0), p(0, 5)]), Err(EditError::OutOfRange));
    }

    #[test]
    fn a_door_clicked_near_a_wall_lands_on_it_and_fits_between_its_corners() {
        let room = new_room(&Layout::default(), RoomShape::Polygon { vertices: l_corners() });
        let layout = layout_with(vec![room.clone()]);
        // 100 mm inside the south wall, 200 mm from the south-west corner
        // (nearer the south wall than the west): onto the wall (y = 0),
        // then along it until the 915 mm opening fits (centre 457.5 → 458
        // mm from the corner).
        let (rid, d) = place_door(&layout, p(200, 100), 915).unwrap();
        assert_eq!(rid, room.id);
        assert_eq!(d.position, p(458, 0));
        assert_eq!((d.id.as_str(), d.swing, d.leads_to.clone()), ("D-1", DoorSwing::Outward, DoorLeadsTo::Corridor));
        // On the inner wall of the L (x = 4,000 from y = 4,000 to 8,000).
        let (_, d) = place_door(&layout, p(4_100, 6_000), 1_200).unwrap();
        assert_eq!(d.position, p(4_000, 6_000));
        // Too far from any wall, and wider than the wall.
        let e = place_door(&layout, p(2_000, 2_000), 915).unwrap_err().to_string();
        assert!(e.contains("2,000 mm from where you clicked"), "{e}");
        let e = place_door(&layout, p(4_000, 6_000), 4_500).unwrap_err().to_string();
        assert!(e.contains("4,000 mm long") && e.contains("4500 mm door does not fit"), "{e}");
        let e = place_door(&layout_with(vec![]), p(0, 0), 915).unwrap_err().to_string();
        assert!(e.contains("no room"), "{e}");
    }

    #[test]
    fn a_door_in_a_shared_wall_leads_into_the_next_room_and_ids_do_not_repeat() {
        let mut a = new_room(&Layout::default(), rectangle(p(0, 0), 6_000, 4_000).unwrap());
        a.columns.push(Column { id: "D-1".into(), position: p(3_000, 2_000), width_mm: 400, depth_mm: 400 });
        let mut b = new_room(&layout_with(vec![a.clone()]), rectangle(p(6_000, 0), 5_000, 4_000).unwrap());
        b.environment = Environment::Outdoor;
        let layout = layout_with(vec![a, b]);
        let (rid, d) = place_door(&layout, p(6_000, 2_000), 915).unwrap();
        assert_eq!(d.leads_to, DoorLeadsTo::Room(if rid == "ROOM-1" { "ROOM-2".into() } else { "ROOM-1".into() }));
        assert_eq!(d.id, "D-2", "D-1 is taken by a column");
        let (rid, d) = place_door(&layout, p(11_000, 2_000), 915).unwrap();
        assert_eq!((rid.as_str(), d.leads_to), ("ROOM-2", DoorLeadsTo::Outside));
    }

    #[test]
    fn columns_stand_inside_a_room_and_are_removed_with_doors_by_key() {
        let mut room = new_room(&Layout::default(), RoomShape::Polygon { vertices: l_corners() });
        room.doors.push(Door::new(p(5_000, 0), 915, DoorSwing::Outward, DoorLeadsTo::Outside));
        let layout = layout_with(vec![room]);
        let (rid, c) = place_column(&layout, p(2_000, 6_000), 600, 600).unwrap();
        assert_eq!((rid.as_str(), c.id.as_str()), ("ROOM-1", "C-1"));
        // The notch of the L is outside the room.
        let e = place_column(&layout, p(7_000, 6_000), 600, 600).unwrap_err().to_string();
        assert!(e.contains("not inside a room"), "{e}");
        let e = place_column(&layout, p(2_000, 2_000), 0, 600).unwrap_err().to_string();
        assert!(e.contains("1 to 5000 mm"), "{e}");
        let mut l2 = layout.clone();
        l2.rooms[0].columns.push(c);
        let door = ObjectRef { kind: ObjectKind::Door, key: "ROOM-1/door-1".into() };
        let col = ObjectRef { kind: ObjectKind::Column, key: "C-1".into() };
        assert_eq!(find_feature(&l2, &col), Some((0, 0)));
        let rooms = remove_features(&l2, &[door, col]).unwrap();
        assert_eq!((rooms.len(), rooms[0].doors.len(), rooms[0].columns.len()), (1, 0, 0));
        let e = remove_features(&l2, &[ObjectRef { kind: ObjectKind::Column, key: "C-9".into() }]).unwrap_err();
        assert_eq!(e, EditError::NotFound("C-9".into()));
        assert!(feature_id_free(&l2, "C-1", Some("C-1")) && !feature_id_free(&l2, "C-1", None) && feature_id_free(&l2, "C-2", None));
    }

    #[test]
    fn a_reshaped_room_takes_its_doors_along_and_refuses_to_leave_a_column_outside() {
        let mut room = new_room(&Layout::default(), rectangle(p(0, 0), 10_000, 8_000).unwrap());
        room.doors.push(Door::new(p(10_000, 6_000), 915, DoorSwing::Outward, DoorLeadsTo::Outside));
        room.columns.push(Column { id: "C-1".into(), position: p(2_000, 6_000), width_mm: 600, depth_mm: 600 });
        // Into the L: the east wall's door follows onto the new east wall
        // below the notch (x = 10,000 from y = 0 to 4,000), moved down
        // until its opening fits (4,000 − 457.5 = 3,542.5 → 3,543).
        room.shape = RoomShape::Polygon { vertices: l_corners() };
        let out = reshape(&room).unwrap();
        assert_eq!(out.doors[0].position, p(10_000, 3_543));
        // Pull the L's west part in so the column is left outside.
        let mut cut = l_corners();
        cut[4] = p(4_000, 5_000);
        cut[5] = p(0, 5_000);
        room.shape = RoomShape::Polygon { vertices: cut };
        let e = reshape(&room).unwrap_err().to_string();
        assert!(e.contains("column C-1") && e.contains("not inside room ROOM-1"), "{e}");
    }
}
