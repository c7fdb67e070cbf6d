//! Pure helpers for the plan editor: snapping, quarter-turn rotation,
//! align/distribute, duplicating a row at a pitch, nudging, hit-testing,
//! rectangle selection, tag numbering and the dimensions shown while
//! dragging.
//!
//! Edits are returned as [`Move`]s (the new placement of each object) or
//! new items, never applied behind the caller's back, so the app records
//! them as undoable edits; [`apply_moves`] applies them to a layout.
//! Everything is integer millimetres; rotating about an integer pivot is
//! exact, so four quarter turns restore the original placement.

use std::collections::{BTreeSet, HashMap};

use backstop_model::layout::{
    EquipmentSpec, ItRack, Layout, ObjectKind, ObjectRef, PlacedEquipment, Placement, Point, PowerUnit, Rotation,
};
use serde::{Deserialize, Serialize};

use crate::geom::{self, P, Rect};
use crate::resolve::COORD_LIMIT_MM;

// The editor's vocabulary is the shared one (the UI sends it as is).
pub use backstop_model::layout_view::{AlignHow as Align, Axis, Direction, Turn};

/// The unit step of a compass direction on the plan.
fn unit(d: Direction) -> (i64, i64) {
    match d {
        Direction::North => (0, 1),
        Direction::East => (1, 0),
        Direction::South => (0, -1),
        Direction::West => (-1, 0),
    }
}

/// The new placement of one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    /// The object (equipment, rack or power unit).
    pub object: ObjectRef,
    /// Its new placement.
    pub placement: Placement,
}

/// A new item created by an editor operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NewItem {
    /// Placed catalog equipment.
    Equipment(PlacedEquipment),
    /// An IT rack.
    Rack(ItRack),
    /// A UPS/PCS unit.
    PowerUnit(PowerUnit),
}

/// Why an editor operation could not be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The object is not in the layout (or is not a placed item).
    #[error("{0} is not a placed item of this layout")]
    NotFound(String),
    /// The footprint of an object is unknown (no spec for its catalog entry).
    #[error("the footprint of {0} is unknown: its catalog entry has no dimensions")]
    NoFootprint(String),
    /// The result would lie beyond the plan's coordinate range.
    #[error("the result would lie beyond ±1,000 km; use smaller distances")]
    OutOfRange,
    /// Invalid argument (message says which and why).
    #[error("{0}")]
    Invalid(String),
}

/// Rounds `v` to the nearest multiple of `grid` (ties away from zero).
fn snap_value(v: i64, grid: i64) -> i64 {
    if grid <= 1 {
        return v;
    }
    let r = v.rem_euclid(grid);
    let base = v.saturating_sub(r);
    if r * 2 >= grid { base.saturating_add(grid) } else { base }
}

/// Snaps a point to a grid of `grid_mm` (0 or 1 leaves it unchanged).
pub fn snap(p: Point, grid_mm: u32) -> Point {
    let g = i64::from(grid_mm);
    Point::new(snap_value(p.x_mm, g), snap_value(p.y_mm, g))
}

/// Snaps an item of plan extent `size` (x, y) so its *edges* sit on the
/// grid (centres of odd-sized items then fall between grid lines), which is
/// how engineers line cabinets up against walls and each other.
pub fn snap_item(center: Point, size: (u32, u32), grid_mm: u32) -> Point {
    let g = i64::from(grid_mm);
    let (w, h) = (i64::from(size.0), i64::from(size.1));
    // Snap the south-west corner (center − size/2, rounded down).
    let x0 = center.x_mm.saturating_sub(w / 2);
    let y0 = center.y_mm.saturating_sub(h / 2);
    Point::new(snap_value(x0, g).saturating_add(w / 2), snap_value(y0, g).saturating_add(h / 2))
}

/// The rotation after a quarter turn.
pub fn turn(rot: Rotation, t: Turn) -> Rotation {
    let d = rot.degrees();
    let nd = match t {
        Turn::Ccw => (d + 90) % 360,
        Turn::Cw => (d + 270) % 360,
    };
    Rotation::from_degrees(nd).unwrap_or(rot)
}

/// `p` turned a quarter about `pivot` (exact in integers).
pub fn rotate_point(p: Point, pivot: Point, t: Turn) -> Point {
    let dx = p.x_mm.saturating_sub(pivot.x_mm);
    let dy = p.y_mm.saturating_sub(pivot.y_mm);
    let (nx, ny) = match t {
        Turn::Ccw => (dy.saturating_neg(), dx),
        Turn::Cw => (dy, dx.saturating_neg()),
    };
    Point::new(pivot.x_mm.saturating_add(nx), pivot.y_mm.saturating_add(ny))
}

/// Looks up footprints of placed items.
struct Items<'a> {
    layout: &'a Layout,
    specs: HashMap<&'a str, &'a EquipmentSpec>,
}

impl<'a> Items<'a> {
    fn new(layout: &'a Layout, specs: &'a [EquipmentSpec]) -> Self {
        let mut m = HashMap::new();
        for s in specs {
            m.entry(s.key.as_str()).or_insert(s);
        }
        Items { layout, specs: m }
    }

    fn placement(&self, o: &ObjectRef) -> Result<&'a Placement, EditError> {
        let found = match o.kind {
            ObjectKind::Equipment => self.layout.equipment.iter().find(|e| e.tag == o.key).map(|e| &e.placement),
            ObjectKind::Rack => self.layout.racks.iter().find(|e| e.tag == o.key).map(|e| &e.placement),
            ObjectKind::PowerUnit => self.layout.power_units.iter().find(|e| e.tag == o.key).map(|e| &e.placement),
            _ => None,
        };
        found.ok_or_else(|| EditError::NotFound(o.key.clone()))
    }

    /// Width × depth (front face, depth) of an item.
    fn size(&self, o: &ObjectRef) -> Result<(u32, u32), EditError> {
        let from_spec = |key: Option<&str>| -> Result<(u32, u32), EditError> {
            key.and_then(|k| self.specs.get(k))
                .filter(|s| s.width_mm > 0 && s.depth_mm > 0)
                .map(|s| (s.width_mm, s.depth_mm))
                .ok_or_else(|| EditError::NoFootprint(o.key.clone()))
        };
        match o.kind {
            ObjectKind::Equipment => {
                let e = self.layout.equipment.iter().find(|e| e.tag == o.key).ok_or_else(|| EditError::NotFound(o.key.clone()))?;
                from_spec(Some(&e.catalog_key))
            }
            ObjectKind::Rack => {
                let r = self.layout.racks.iter().find(|e| e.tag == o.key).ok_or_else(|| EditError::NotFound(o.key.clone()))?;
                if r.width_mm == 0 || r.depth_mm == 0 {
                    return Err(EditError::NoFootprint(o.key.clone()));
                }
                Ok((r.width_mm, r.depth_mm))
            }
            ObjectKind::PowerUnit => {
                let u = self.layout.power_units.iter().find(|e| e.tag == o.key).ok_or_else(|| EditError::NotFound(o.key.clone()))?;
                from_spec(u.catalog_key.as_deref())
            }
            _ => Err(EditError::NotFound(o.key.clone())),
        }
    }

    fn rect(&self, o: &ObjectRef) -> Result<Rect, EditError> {
        let p = self.placement(o)?;
        let (w, d) = self.size(o)?;
        check_point(p.position)?;
        Ok(geom::footprint(P::from_point(p.position), f64::from(w), f64::from(d), p.rotation))
    }

    /// Every placed item with a known footprint, topmost last (rooms are
    /// below racks, racks below equipment and power units).
    fn all(&self) -> Vec<(ObjectRef, Rect)> {
        let mut out = Vec::new();
        let refs = self
            .layout
            .racks
            .iter()
            .map(|r| ObjectRef { kind: ObjectKind::Rack, key: r.tag.clone() })
            .chain(self.layout.equipment.iter().map(|e| ObjectRef { kind: ObjectKind::Equipment, key: e.tag.clone() }))
            .chain(self.layout.power_units.iter().map(|u| ObjectRef { kind: ObjectKind::PowerUnit, key: u.tag.clone() }));
        for o in refs {
            if let Ok(r) = self.rect(&o) {
                out.push((o, r));
            }
        }
        out
    }
}

fn check_point(p: Point) -> Result<(), EditError> {
    if crate::resolve::point_ok(p) { Ok(()) } else { Err(EditError::OutOfRange) }
}

/// Footprint of a placed item as (south-west, north-east) corners, rounded
/// outward to whole millimetres.
pub fn footprint_of(layout: &Layout, specs: &[EquipmentSpec], o: &ObjectRef) -> Result<(Point, Point), EditError> {
    Items::new(layout, specs).rect(o).map(|r| r.to_points())
}

/// Rotates the selection a quarter turn about the centre of its first
/// item (the anchor, as CAD tools rotate about the key object): positions
/// turn about the anchor and each item turns about its own centre. The
/// anchor is an integer point that does not move, so the turn is exact and
/// four turns restore the selection.
pub fn rotate_selection(layout: &Layout, specs: &[EquipmentSpec], selection: &[ObjectRef], t: Turn) -> Result<Vec<Move>, EditError> {
    let items = Items::new(layout, specs);
    for o in selection {
        items.rect(o)?;
    }
    let Some(anchor) = selection.first() else { return Ok(Vec::new()) };
    let c = items.placement(anchor)?.position;
    let mut moves = Vec::new();
    for o in selection {
        let p = items.placement(o)?;
        let np = rotate_point(p.position, c, t);
        check_point(np)?;
        moves.push(Move {
            object: o.clone(),
            placement: Placement { room_id: p.room_id.clone(), position: np, rotation: turn(p.rotation, t) },
        });
    }
    Ok(moves)
}

/// Moves the selection by (`dx`, `dy`) mm (keyboard nudges, drags).
pub fn nudge(layout: &Layout, selection: &[ObjectRef], dx: i64, dy: i64) -> Result<Vec<Move>, EditError> {
    let items = Items::new(layout, &[]);
    selection
        .iter()
        .map(|o| {
            let p = items.placement(o)?;
            let np = Point::new(p.position.x_mm.saturating_add(dx), p.position.y_mm.saturating_add(dy));
            check_point(np)?;
            Ok(Move { object: o.clone(), placement: Placement { position: np, ..p.clone() } })
        })
        .collect()
}

/// Moves footprints so their chosen edges (or centres) line up.
pub fn align(layout: &Layout, specs: &[EquipmentSpec], selection: &[ObjectRef], how: Align) -> Result<Vec<Move>, EditError> {
    let items = Items::new(layout, specs);
    let rects: Vec<Rect> = selection.iter().map(|o| items.rect(o)).collect::<Result<_, _>>()?;
    let Some(first) = rects.first() else { return Ok(Vec::new()) };
    let bb = rects.iter().fold(*first, |a, r| a.union(r));
    let mut moves = Vec::new();
    for (o, r) in selection.iter().zip(&rects) {
        let (dx, dy) = match how {
            Align::West => (bb.x0 - r.x0, 0.0),
            Align::East => (bb.x1 - r.x1, 0.0),
            Align::South => (0.0, bb.y0 - r.y0),
            Align::North => (0.0, bb.y1 - r.y1),
            Align::CenterX => (bb.center().x - r.center().x, 0.0),
            Align::CenterY => (0.0, bb.center().y - r.center().y),
        };
        let p = items.placement(o)?;
        let np = Point::new(p.position.x_mm.saturating_add(geom::round_i64(dx)), p.position.y_mm.saturating_add(geom::round_i64(dy)));
        moves.push(Move { object: o.clone(), placement: Placement { position: np, ..p.clone() } });
    }
    Ok(moves)
}

/// Spreads the selection along `axis` with equal gaps between footprints;
/// the first and last (by position) stay where they are.
pub fn distribute(layout: &Layout, specs: &[EquipmentSpec], selection: &[ObjectRef], axis: Axis) -> Result<Vec<Move>, EditError> {
    let items = Items::new(layout, specs);
    let mut v: Vec<(ObjectRef, Rect)> = selection.iter().map(|o| items.rect(o).map(|r| (o.clone(), r))).collect::<Result<_, _>>()?;
    if v.len() < 3 {
        return Ok(Vec::new());
    }
    let lo = |r: &Rect| if axis == Axis::X { r.x0 } else { r.y0 };
    let len = |r: &Rect| if axis == Axis::X { r.width() } else { r.height() };
    v.sort_by(|a, b| lo(&a.1).total_cmp(&lo(&b.1)).then_with(|| a.0.cmp(&b.0)));
    let start = lo(&v[0].1);
    let end = v.last().map_or(start, |l| lo(&l.1) + len(&l.1));
    let total: f64 = v.iter().map(|(_, r)| len(r)).sum();
    let gap = (end - start - total) / (v.len() - 1) as f64;
    let mut at = start;
    let mut moves = Vec::new();
    for (o, r) in &v {
        let d = geom::round_i64(at - lo(r));
        let p = items.placement(o)?;
        let np = if axis == Axis::X {
            Point::new(p.position.x_mm.saturating_add(d), p.position.y_mm)
        } else {
            Point::new(p.position.x_mm, p.position.y_mm.saturating_add(d))
        };
        moves.push(Move { object: o.clone(), placement: Placement { position: np, ..p.clone() } });
        at += len(r) + gap;
    }
    Ok(moves)
}

/// Applies moves to a layout (objects not found are skipped).
pub fn apply_moves(layout: &mut Layout, moves: &[Move]) {
    for m in moves {
        let target = match m.object.kind {
            ObjectKind::Equipment => layout.equipment.iter_mut().find(|e| e.tag == m.object.key).map(|e| &mut e.placement),
            ObjectKind::Rack => layout.racks.iter_mut().find(|e| e.tag == m.object.key).map(|e| &mut e.placement),
            ObjectKind::PowerUnit => layout.power_units.iter_mut().find(|e| e.tag == m.object.key).map(|e| &mut e.placement),
            _ => None,
        };
        if let Some(p) = target {
            *p = m.placement.clone();
        }
    }
}

/// Splits a tag into prefix, number and digit count: `"BC-09"` →
/// `("BC-", 9, 2)`. Tags without a trailing number give `None`.
pub fn split_tag(tag: &str) -> Option<(&str, u64, usize)> {
    let digits = tag.chars().rev().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 18 {
        return None;
    }
    let (prefix, num) = tag.split_at(tag.len() - digits);
    num.parse().ok().map(|n| (prefix, n, digits))
}

/// `count` new tags `prefix` + number, numbered after the highest number
/// in use with that prefix, zero-padded to at least two digits (`BC-01`).
pub fn next_tags<'a>(existing: impl IntoIterator<Item = &'a str>, prefix: &str, count: usize) -> Vec<String> {
    let mut used = BTreeSet::new();
    let mut highest = 0u64;
    let mut width = 2usize;
    for t in existing {
        used.insert(t.to_owned());
        if let Some((p, n, w)) = split_tag(t)
            && p == prefix
        {
            highest = highest.max(n);
            width = width.max(w);
        }
    }
    let mut out = Vec::with_capacity(count);
    let mut n = highest;
    while out.len() < count {
        n = n.saturating_add(1);
        let t = format!("{prefix}{n:0width$}");
        if !used.contains(&t) {
            out.push(t);
        }
        if n == u64::MAX {
            break;
        }
    }
    out
}

/// Every tag in use: equipment, racks and UPS/PCS units share one space.
pub fn all_tags(layout: &Layout) -> Vec<&str> {
    layout
        .equipment
        .iter()
        .map(|e| e.tag.as_str())
        .chain(layout.racks.iter().map(|r| r.tag.as_str()))
        .chain(layout.power_units.iter().map(|u| u.tag.as_str()))
        .collect()
}

/// `n` copies of `template` in a row, each `pitch_mm` further in
/// `direction` (the first copy one pitch from the template), tagged after
/// the template's prefix (`BC-03` → `BC-04`, `BC-05`, …).
pub fn duplicate_row(
    layout: &Layout,
    template: &ObjectRef,
    n: u32,
    pitch_mm: u32,
    direction: Direction,
) -> Result<Vec<NewItem>, EditError> {
    if n > 10_000 {
        return Err(EditError::Invalid(format!("{n} copies is more than a plan can hold; duplicate at most 10,000")));
    }
    if pitch_mm == 0 {
        return Err(EditError::Invalid("the pitch is 0 mm; copies would stand on each other".into()));
    }
    let (ux, uy) = unit(direction);
    let tags_in_use = all_tags(layout);
    let prefix_of = |tag: &str| split_tag(tag).map_or_else(|| format!("{tag}-"), |(p, _, _)| p.to_owned());
    let shifted = |p: &Placement, k: i64| -> Result<Placement, EditError> {
        let d = i64::from(pitch_mm).saturating_mul(k);
        let np = Point::new(p.position.x_mm.saturating_add(ux * d), p.position.y_mm.saturating_add(uy * d));
        check_point(np)?;
        Ok(Placement { position: np, ..p.clone() })
    };
    let count = n as usize;
    let not_found = || EditError::NotFound(template.key.clone());
    let mut out = Vec::with_capacity(count);
    match template.kind {
        ObjectKind::Equipment => {
            let t = layout.equipment.iter().find(|e| e.tag == template.key).ok_or_else(not_found)?;
            for (k, tag) in next_tags(tags_in_use, &prefix_of(&t.tag), count).into_iter().enumerate() {
                out.push(NewItem::Equipment(PlacedEquipment { tag, placement: shifted(&t.placement, k as i64 + 1)?, ..t.clone() }));
            }
        }
        ObjectKind::Rack => {
            let t = layout.racks.iter().find(|e| e.tag == template.key).ok_or_else(not_found)?;
            for (k, tag) in next_tags(tags_in_use, &prefix_of(&t.tag), count).into_iter().enumerate() {
                out.push(NewItem::Rack(ItRack { tag, placement: shifted(&t.placement, k as i64 + 1)?, ..t.clone() }));
            }
        }
        ObjectKind::PowerUnit => {
            let t = layout.power_units.iter().find(|e| e.tag == template.key).ok_or_else(not_found)?;
            for (k, tag) in next_tags(tags_in_use, &prefix_of(&t.tag), count).into_iter().enumerate() {
                out.push(NewItem::PowerUnit(PowerUnit { tag, placement: shifted(&t.placement, k as i64 + 1)?, ..t.clone() }));
            }
        }
        _ => return Err(not_found()),
    }
    Ok(out)
}

/// Adds new items to a layout.
pub fn add_items(layout: &mut Layout, items: Vec<NewItem>) {
    for it in items {
        match it {
            NewItem::Equipment(e) => layout.equipment.push(e),
            NewItem::Rack(r) => layout.racks.push(r),
            NewItem::PowerUnit(u) => layout.power_units.push(u),
        }
    }
}

/// The topmost object under `p` (within `tolerance_mm` of a footprint):
/// equipment and power units above racks, racks above rooms.
pub fn hit_test(layout: &Layout, specs: &[EquipmentSpec], p: Point, tolerance_mm: u32) -> Option<ObjectRef> {
    if check_point(p).is_err() {
        return None;
    }
    let items = Items::new(layout, specs);
    let q = P::from_point(p);
    let tol = f64::from(tolerance_mm);
    let mut best: Option<(ObjectRef, f64)> = None;
    for (o, r) in items.all().into_iter().rev() {
        let d = r.dist_point(q).0;
        if d <= tol && best.as_ref().is_none_or(|(_, bd)| d < *bd) {
            best = Some((o, d));
            if d == 0.0 {
                break;
            }
        }
    }
    if let Some((o, _)) = best {
        return Some(o);
    }
    layout
        .rooms
        .iter()
        .rev()
        .find(|room| crate::resolve::room_outline(&room.shape).is_some_and(|poly| poly.contains_point(q)))
        .map(|room| ObjectRef { kind: ObjectKind::Room, key: room.id.clone() })
}

/// Items whose footprint lies entirely inside the rectangle `a`–`b`
/// (rubber-band selection).
pub fn select_in_rect(layout: &Layout, specs: &[EquipmentSpec], a: Point, b: Point) -> Vec<ObjectRef> {
    let sel = Rect::from_corners(P::from_point(a), P::from_point(b));
    Items::new(layout, specs).all().into_iter().filter(|(_, r)| sel.contains_rect(r)).map(|(o, _)| o).collect()
}

/// A dimension shown while dragging: the clear distance from the dragged
/// item to the nearest obstacle in one direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    /// Direction from the item.
    pub direction: Direction,
    /// Start (on the item's edge).
    pub from: Point,
    /// End (on the obstacle).
    pub to: Point,
    /// Clear distance, mm.
    pub mm: i64,
    /// The obstacle (`None` for a room wall).
    pub obstacle: Option<ObjectRef>,
}

/// Clear distances from `o` to the nearest item or wall of its room to the
/// north, east, south and west (within the item's width/depth band).
pub fn dimensions(layout: &Layout, specs: &[EquipmentSpec], o: &ObjectRef) -> Result<Vec<Dimension>, EditError> {
    let items = Items::new(layout, specs);
    let r = items.rect(o)?;
    let room = items.placement(o)?.room_id.clone();
    let poly = layout.rooms.iter().find(|x| x.id == room).and_then(|x| crate::resolve::room_outline(&x.shape));
    let others = items.all();
    let mut out = Vec::new();
    for dir in [Direction::North, Direction::East, Direction::South, Direction::West] {
        let (ux, uy) = unit(dir);
        // Distance along `dir` from the item's edge to a rectangle in its band.
        let dist_to = |x: &Rect| -> Option<f64> {
            let (band_ok, d) = if ux != 0 {
                (x.y0 < r.y1 && x.y1 > r.y0, if ux > 0 { x.x0 - r.x1 } else { r.x0 - x.x1 })
            } else {
                (x.x0 < r.x1 && x.x1 > r.x0, if uy > 0 { x.y0 - r.y1 } else { r.y0 - x.y1 })
            };
            (band_ok && d >= 0.0).then_some(d)
        };
        let mut best: Option<(f64, Option<ObjectRef>)> = None;
        for (oo, x) in &others {
            if oo == o {
                continue;
            }
            if let Some(d) = dist_to(x)
                && best.as_ref().is_none_or(|(bd, _)| d < *bd)
            {
                best = Some((d, Some(oo.clone())));
            }
        }
        if let Some(poly) = &poly {
            // Walls: cast from the middle of the edge.
            let c = r.center();
            let start = match dir {
                Direction::North => P::new(c.x, r.y1),
                Direction::East => P::new(r.x1, c.y),
                Direction::South => P::new(c.x, r.y0),
                Direction::West => P::new(r.x0, c.y),
            };
            let far = start.plus(P::new(ux as f64, uy as f64).scale(4.0 * COORD_LIMIT_MM as f64));
            for (a, b) in poly.edges() {
                if let Some(hit) = ray_hit(start, far, a, b)
                    && best.as_ref().is_none_or(|(bd, _)| hit < *bd)
                {
                    best = Some((hit, None));
                }
            }
        }
        if let Some((d, obstacle)) = best {
            let c = r.center();
            let from = match dir {
                Direction::North => P::new(c.x, r.y1),
                Direction::East => P::new(r.x1, c.y),
                Direction::South => P::new(c.x, r.y0),
                Direction::West => P::new(r.x0, c.y),
            };
            let to = from.plus(P::new(ux as f64, uy as f64).scale(d));
            out.push(Dimension { direction: dir, from: from.to_point(), to: to.to_point(), mm: geom::round_i64(d), obstacle });
        }
    }
    Ok(out)
}

/// Distance from `s` along segment `s`–`e` to where it crosses `a`–`b`.
fn ray_hit(s: P, e: P, a: P, b: P) -> Option<f64> {
    let r = e.minus(s);
    let q = b.minus(a);
    let den = r.x * q.y - r.y * q.x;
    if den == 0.0 {
        return None;
    }
    let w = a.minus(s);
    let t = (w.x * q.y - w.y * q.x) / den;
    let u = (w.x * r.y - w.y * r.x) / den;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u) && t > 0.0).then(|| t * r.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapping() {
        assert_eq!(snap(Point::new(149, -149), 100), Point::new(100, -100));
        assert_eq!(snap(Point::new(150, -150), 100), Point::new(200, -100));
        assert_eq!(snap(Point::new(7, 7), 0), Point::new(7, 7));
        // A 600 × 1000 item: its south-west corner snaps to the grid.
        assert_eq!(snap_item(Point::new(1333, 1480), (600, 1000), 50), Point::new(1350, 1500));
        // Extremes saturate instead of overflowing.
        let _ = snap(Point::new(i64::MAX, i64::MIN), 1000);
        let _ = snap_item(Point::new(i64::MIN, i64::MAX), (u32::MAX, u32::MAX), u32::MAX);
    }

    #[test]
    fn quarter_turns() {
        let p = Point::new(1300, 200);
        let c = Point::new(1000, 0);
        assert_eq!(rotate_point(p, c, Turn::Ccw), Point::new(800, 300));
        assert_eq!(rotate_point(rotate_point(p, c, Turn::Ccw), c, Turn::Cw), p);
        let mut r = Rotation::R0;
        for _ in 0..4 {
            r = turn(r, Turn::Ccw);
        }
        assert_eq!(r, Rotation::R0);
        assert_eq!(turn(Rotation::R0, Turn::Cw), Rotation::R270);
    }

    #[test]
    fn tags() {
        assert_eq!(split_tag("BC-09"), Some(("BC-", 9, 2)));
        assert_eq!(split_tag("UPS"), None);
        assert_eq!(next_tags(["BC-01", "BC-07", "R-3"], "BC-", 2), ["BC-08", "BC-09"]);
        assert_eq!(next_tags(["BC-099"], "BC-", 1), ["BC-100"]);
        assert_eq!(next_tags([], "ESS-", 1), ["ESS-01"]);
    }
}
