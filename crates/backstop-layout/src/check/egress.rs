//! Egress paths (width, kept clear) and the separations of outdoor battery
//! equipment from buildings and means of egress.
//!
//! An egress path is its centre line swept by a disc of half its width: an
//! item intrudes when its footprint is closer to the centre line than half
//! the width. The clear width left is then half the width plus the item's
//! distance from the centre line (0 when it stands on the centre line).

use std::collections::BTreeMap;

use backstop_model::layout::{ObjectKind, ObjectRef, RuleId, Unit};

use super::{Ctx, Found, at_least, fmt_num, hl_rect, hl_seg};
use crate::geom::{self, P, Rect};
use crate::resolve::{DoorG, RoomG, egress_routes};

pub(super) fn run(ctx: &mut Ctx<'_>) {
    let routes = egress_routes(ctx.layout);
    let min_w = f64::from(ctx.rules.egress.min_width_mm);
    for (pi, route, width) in &routes {
        let path = &ctx.layout.egress_paths[*pi];
        let path_ref = ObjectRef { kind: ObjectKind::EgressPath, key: path.id.clone() };
        if *width < min_w && ctx.enabled(RuleId::EgressWidth) {
            let f = Found {
                key: path.id.clone(),
                message: format!("Egress path {} is {} mm wide; at least {} mm is required.", path.id, fmt_num(*width), fmt_num(min_w)),
                measure: at_least(*width, min_w, Unit::Mm),
                objects: vec![path_ref.clone()],
                highlights: route.windows(2).map(|s| hl_seg(s[0], s[1])).collect(),
            };
            ctx.emit(RuleId::EgressWidth, f);
        }
        if !ctx.enabled(RuleId::EgressObstructed) {
            continue;
        }
        let half = width / 2.0;
        // Worst intrusion per object: (clear width, point on centre line, point on item).
        let mut worst: BTreeMap<usize, (f64, P, P)> = BTreeMap::new();
        for s in route.windows(2) {
            let (a, b) = (s[0], s[1]);
            let search = Rect::from_corners(a, b).grow(half);
            for j in ctx.near(&search) {
                let (d, on_line, on_item) = geom::dist_segment_rect(a, b, &ctx.scene.objs[j].rect);
                if d < half {
                    let clear = if d > 0.0 { half + d } else { 0.0 };
                    let e = worst.entry(j).or_insert((f64::INFINITY, on_line, on_item));
                    if clear < e.0 {
                        *e = (clear, on_line, on_item);
                    }
                }
            }
        }
        for (j, (clear, on_line, on_item)) in worst {
            let o = &ctx.scene.objs[j];
            let f = Found {
                key: format!("{}:{}", path.id, o.key),
                message: format!(
                    "{} intrudes into egress path {}: {} mm of its {} mm width is left clear. Keep the whole width free.",
                    super::working_space::capitalised(&o.name()),
                    path.id,
                    fmt_num(clear),
                    fmt_num(*width)
                ),
                measure: at_least(clear, *width, Unit::Mm),
                objects: vec![path_ref.clone(), o.object_ref()],
                highlights: vec![hl_seg(on_line, on_item), hl_rect(&o.rect)],
            };
            ctx.emit(RuleId::EgressObstructed, f);
        }
    }

    walls_and_doors(ctx, &routes);

    // Outdoor battery equipment: separations.
    let building_sep = f64::from(ctx.rules.outdoor.building_separation_mm);
    let egress_sep = f64::from(ctx.rules.outdoor.egress_separation_mm);
    let mut found = Vec::new();
    for o in &ctx.scene.objs {
        let Some(r) = o.room else { continue };
        if !ctx.scene.rooms[r].outdoor || !o.is_battery() {
            continue;
        }
        if ctx.enabled(RuleId::OutdoorBuildingSeparation) {
            for b in ctx.scene.rooms.iter().filter(|b| !b.outdoor) {
                let Some(poly) = &b.poly else { continue };
                let (d, on_b, on_o) = poly.dist_area_rect(&o.rect);
                if d < building_sep {
                    found.push((
                        RuleId::OutdoorBuildingSeparation,
                        Found {
                            key: format!("{}:{}", o.key, b.id),
                            message: format!(
                                "Outdoor battery equipment {} is {} mm from building {} ({}); at least {} mm is required.",
                                o.key,
                                fmt_num(d),
                                b.id,
                                "an indoor room",
                                fmt_num(building_sep)
                            ),
                            measure: at_least(d, building_sep, Unit::Mm),
                            objects: vec![o.object_ref(), ObjectRef { kind: ObjectKind::Room, key: b.id.clone() }],
                            highlights: vec![hl_seg(on_o, on_b)],
                        },
                    ));
                }
            }
        }
        if ctx.enabled(RuleId::OutdoorEgressSeparation) {
            for (pi, route, width) in &routes {
                let mut best = (f64::INFINITY, P::default(), P::default());
                for s in route.windows(2) {
                    let (d, on_line, on_item) = geom::dist_segment_rect(s[0], s[1], &o.rect);
                    let edge = (d - width / 2.0).max(0.0);
                    if edge < best.0 {
                        best = (edge, on_line, on_item);
                    }
                }
                if best.0 < egress_sep {
                    let id = &ctx.layout.egress_paths[*pi].id;
                    found.push((
                        RuleId::OutdoorEgressSeparation,
                        Found {
                            key: format!("{}:{id}", o.key),
                            message: format!(
                                "Outdoor battery equipment {} is {} mm from the edge of egress path {id}; at least {} mm is required.",
                                o.key,
                                fmt_num(best.0),
                                fmt_num(egress_sep)
                            ),
                            measure: at_least(best.0, egress_sep, Unit::Mm),
                            objects: vec![o.object_ref(), ObjectRef { kind: ObjectKind::EgressPath, key: id.clone() }],
                            highlights: vec![hl_seg(best.2, best.1)],
                        },
                    ));
                }
            }
        }
    }
    for (rule, f) in found {
        ctx.emit(rule, f);
    }
}

/// Where a route crosses a room's wall it must pass through a door: a
/// crossing away from every door is an obstruction (nothing is left clear).
/// A door the route passes (crosses, or starts or ends on) narrower than
/// the rule set's door width is too narrow for a means of egress.
fn walls_and_doors(ctx: &mut Ctx<'_>, routes: &[(usize, Vec<P>, f64)]) {
    let obstructed = ctx.enabled(RuleId::EgressObstructed);
    let narrow = ctx.enabled(RuleId::EgressDoorWidth);
    if !obstructed && !narrow {
        return;
    }
    let min_door = f64::from(ctx.rules.egress.min_door_width_mm);
    // A door is where a route meets the wall within this distance of its
    // opening.
    const ON_DOOR_MM: f64 = 50.0;
    let doors: Vec<(&RoomG, &DoorG)> = ctx.scene.rooms.iter().flat_map(|r| r.doors.iter().map(move |d| (r, d))).collect();
    let door_at = |x: P| {
        doors.iter().copied().find(|(_, d)| {
            let (p, q) = d.opening();
            geom::dist_point_segment(x, p, q).0 <= ON_DOOR_MM
        })
    };
    let mut found = Vec::new();
    for (pi, route, width) in routes {
        let id = &ctx.layout.egress_paths[*pi].id;
        let path_ref = ObjectRef { kind: ObjectKind::EgressPath, key: id.clone() };
        let mut passed: Vec<(&RoomG, &DoorG)> = Vec::new();
        let mut walls_seen: Vec<(usize, usize)> = Vec::new();
        for end in [route.first(), route.last()].into_iter().flatten() {
            passed.extend(door_at(*end));
        }
        for s in route.windows(2) {
            let (a, b) = (s[0], s[1]);
            let seg_box = Rect::from_corners(a, b);
            for (ri, room) in ctx.scene.rooms.iter().enumerate() {
                let Some(poly) = &room.poly else { continue };
                if !poly.bbox.touches(&seg_box) {
                    continue;
                }
                for (ei, (c, d)) in poly.edges().enumerate() {
                    if !geom::segments_cross(a, b, c, d) {
                        continue;
                    }
                    let x = crossing(a, b, c, d);
                    // Any room's door there (a door in a shared wall may be
                    // drawn on the other room).
                    match door_at(x) {
                        Some(rd) => passed.push(rd),
                        None if obstructed && !walls_seen.contains(&(ri, ei)) => {
                            walls_seen.push((ri, ei));
                            found.push((
                                RuleId::EgressObstructed,
                                Found {
                                    key: format!("{id}:{}@{},{}", room.id, fmt_num(x.x.round()), fmt_num(x.y.round())),
                                    message: format!(
                                        "Egress path {id} crosses {} of room {} at ({}, {}) where there is no door; route it through a door or add one there.",
                                        poly.wall_name(ei),
                                        room.id,
                                        fmt_num(x.x.round()),
                                        fmt_num(x.y.round())
                                    ),
                                    measure: at_least(0.0, *width, Unit::Mm),
                                    objects: vec![path_ref.clone(), ObjectRef { kind: ObjectKind::Room, key: room.id.clone() }],
                                    highlights: vec![hl_seg(c, d), hl_rect(&Rect::centered(x, *width, *width))],
                                },
                            ));
                        }
                        None => {}
                    }
                }
            }
        }
        if !narrow {
            continue;
        }
        let mut seen: Vec<&str> = Vec::new();
        for (r, d) in passed {
            if d.width >= min_door || seen.contains(&d.key.as_str()) {
                continue;
            }
            seen.push(&d.key);
            let (p, q) = d.opening();
            found.push((
                RuleId::EgressDoorWidth,
                Found {
                    key: format!("{id}:{}", d.key),
                    message: format!(
                        "Egress path {id} passes {} of room {}, whose clear opening is {} mm; a door on a means of egress needs at least {} mm.",
                        d.label,
                        r.id,
                        fmt_num(d.width),
                        fmt_num(min_door)
                    ),
                    measure: at_least(d.width, min_door, Unit::Mm),
                    objects: vec![path_ref.clone(), d.object_ref(), ObjectRef { kind: ObjectKind::Room, key: r.id.clone() }],
                    highlights: vec![hl_seg(p, q)],
                },
            ));
        }
    }
    for (rule, f) in found {
        ctx.emit(rule, f);
    }
}

/// Where segment `a–b` crosses segment `c–d` (they are known to cross).
fn crossing(a: P, b: P, c: P, d: P) -> P {
    let r = b.minus(a);
    let q = d.minus(c);
    let den = r.x * q.y - r.y * q.x;
    if den == 0.0 {
        return a;
    }
    let w = c.minus(a);
    let t = (w.x * q.y - w.y * q.x) / den;
    a.plus(r.scale(t))
}
