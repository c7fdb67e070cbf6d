//! Where items stand: overlaps, items outside their room, manufacturer
//! clearances, floor loading, and door swings kept clear.

use backstop_model::layout::{DoorSwing, ObjectKind, ObjectRef, RuleId, Unit};

use super::{Ctx, Found, at_least, at_most, exceeds, fmt_num, hl_rect, hl_seg};
use crate::geom::{self, Frame, P, Rect};

const EPS: f64 = 1e-6;

pub(super) fn run(ctx: &mut Ctx<'_>) {
    overlaps(ctx);
    outside_room(ctx);
    clearances(ctx);
    floor_load(ctx);
    door_swings(ctx);
}

fn overlaps(ctx: &mut Ctx<'_>) {
    if !ctx.enabled(RuleId::Overlap) {
        return;
    }
    for i in 0..ctx.scene.objs.len() {
        let r = ctx.scene.objs[i].rect;
        for j in ctx.near(&r) {
            if j <= i {
                continue;
            }
            let (a, b) = (&ctx.scene.objs[i], &ctx.scene.objs[j]);
            // Columns are the building's; two that overlap are drawn so.
            if !a.rect.overlaps(&b.rect) || (a.is_column() && b.is_column()) {
                continue;
            }
            let Some(x) = a.rect.intersection(&b.rect) else { continue };
            let depth = x.width().min(x.height());
            let message = match (a.is_column(), b.is_column()) {
                (false, true) | (true, false) => {
                    let (item, col) = if a.is_column() { (b, a) } else { (a, b) };
                    let room = col.room.map_or("", |r| ctx.scene.rooms[r].id.as_str());
                    format!(
                        "{} stands on column {} of room {} (overlap {} mm); move it clear of the column.",
                        item.key,
                        col.key,
                        room,
                        fmt_num(depth)
                    )
                }
                _ => {
                    let (ka, kb) = if a.key <= b.key { (a.key, b.key) } else { (b.key, a.key) };
                    format!("{ka} and {kb} overlap by {} mm; items cannot share floor space — move one of them.", fmt_num(depth))
                }
            };
            let (mut ra, mut rb) = (a.object_ref(), b.object_ref());
            if rb < ra {
                std::mem::swap(&mut ra, &mut rb);
            }
            let f = Found {
                key: format!("{}|{}", ra.key, rb.key),
                message,
                measure: at_most(depth, 0.0, Unit::Mm),
                objects: vec![ra, rb],
                highlights: vec![hl_rect(&x)],
            };
            ctx.emit(RuleId::Overlap, f);
        }
    }
}

fn outside_room(ctx: &mut Ctx<'_>) {
    if !ctx.enabled(RuleId::OutsideRoom) {
        return;
    }
    let mut found = Vec::new();
    for o in &ctx.scene.objs[..ctx.scene.items] {
        let Some(r) = o.room else { continue };
        let room = &ctx.scene.rooms[r];
        let room_ref = ObjectRef { kind: ObjectKind::Room, key: room.id.clone() };
        if let Some(poly) = &room.poly {
            let (e, seg) = poly.rect_excursion(&o.rect);
            if e > 0.0 {
                found.push(Found {
                    key: o.key.to_owned(),
                    message: format!("{} reaches {} mm outside room {}; move it inside the room outline.", o.key, fmt_num(e), room.id),
                    measure: at_most(e, 0.0, Unit::Mm),
                    objects: vec![o.object_ref(), room_ref.clone()],
                    highlights: seg.map(|(a, b)| vec![hl_seg(a, b)]).unwrap_or_default(),
                });
            }
        }
        if let Some(h) = room.height_mm
            && o.height > h
        {
            found.push(Found {
                key: format!("{}:height", o.key),
                message: format!("{} is {} mm tall but room {} is only {} mm high.", o.key, fmt_num(o.height), room.id, fmt_num(h)),
                measure: at_most(o.height, h, Unit::Mm),
                objects: vec![o.object_ref(), room_ref],
                highlights: Vec::new(),
            });
        }
    }
    for f in found {
        ctx.emit(RuleId::OutsideRoom, f);
    }
}

fn clearances(ctx: &mut Ctx<'_>) {
    if !ctx.enabled(RuleId::Clearance) {
        return;
    }
    for i in 0..ctx.scene.items {
        let o = &ctx.scene.objs[i];
        let c = o.clearances;
        let (w, d) = (o.width, o.depth);
        let frame = Frame::of_item(o.center, d, o.rot);
        // (side, required, zone in the item frame, distance from the face
        // to a local point/rect edge).
        let sides = [
            ("front", f64::from(c.front_mm), Rect { x0: -w / 2.0, y0: 0.0, x1: w / 2.0, y1: f64::from(c.front_mm) }),
            ("rear", f64::from(c.rear_mm), Rect { x0: -w / 2.0, y0: -d - f64::from(c.rear_mm), x1: w / 2.0, y1: -d }),
            ("left", f64::from(c.left_mm), Rect { x0: -w / 2.0 - f64::from(c.left_mm), y0: -d, x1: -w / 2.0, y1: 0.0 }),
            ("right", f64::from(c.right_mm), Rect { x0: w / 2.0, y0: -d, x1: w / 2.0 + f64::from(c.right_mm), y1: 0.0 }),
        ];
        // Distance from the item's face on `side` to local rect `r`.
        let dist_from_face = |side: &str, r: &Rect| -> f64 {
            match side {
                "front" => r.y0,
                "rear" => -d - r.y1,
                "left" => -w / 2.0 - r.x1,
                _ => r.x0 - w / 2.0,
            }
            .max(0.0)
        };
        let room = o.room.map(|r| &ctx.scene.rooms[r]);
        // An item overlapping this one, or a wall this item straddles, is
        // reported once (overlap, outside-room), not again as a clearance.
        let my_rect = o.rect;
        let skip_overlapping = ctx.enabled(RuleId::Overlap);
        let straddles =
            ctx.enabled(RuleId::OutsideRoom) && room.and_then(|r| r.poly.as_ref()).is_some_and(|p| p.rect_excursion(&my_rect).0 > 0.0);
        let mut found = Vec::new();
        for (side, required, zone) in sides {
            if required <= 0.0 {
                continue;
            }
            let plan_zone = frame.rect_to_plan(&zone);
            let mut avail = required;
            let mut culprit: Option<ObjectRef> = None;
            for j in ctx.near(&plan_zone) {
                if j == i {
                    continue;
                }
                let other = &ctx.scene.objs[j];
                if !other.rect.overlaps(&plan_zone) || (skip_overlapping && other.rect.overlaps(&my_rect)) {
                    continue;
                }
                let dist = dist_from_face(side, &frame.rect_to_local(&other.rect));
                if dist < avail {
                    avail = dist;
                    culprit = Some(other.object_ref());
                }
            }
            if let Some(poly) = room.and_then(|r| r.poly.as_ref()).filter(|_| !straddles) {
                let inner = zone.grow(-EPS);
                for (a, b) in poly.edges() {
                    if let Some((p, q)) = geom::clip_segment(frame.to_local(a), frame.to_local(b), &inner) {
                        let seg = Rect::from_corners(p, q);
                        let dist = dist_from_face(side, &seg);
                        if dist < avail {
                            avail = dist;
                            culprit = None;
                        }
                    }
                }
                let (e, _) = poly.rect_excursion(&plan_zone);
                if e > 0.0 && required - e < avail {
                    avail = (required - e).max(0.0);
                    culprit = None;
                }
            }
            if avail < required {
                let o = &ctx.scene.objs[i];
                let what = match &culprit {
                    Some(r) if r.kind == ObjectKind::Column => format!("column {} is in the way", r.key),
                    Some(r) => format!("{} is in the way", r.key),
                    None => format!("the wall of room {} is in the way", room.map_or("", |r| r.id.as_str())),
                };
                let mut objects = vec![o.object_ref()];
                objects.extend(culprit);
                let face_mid = match side {
                    "front" => P::new(0.0, 0.0),
                    "rear" => P::new(0.0, -d),
                    "left" => P::new(-w / 2.0, -d / 2.0),
                    _ => P::new(w / 2.0, -d / 2.0),
                };
                let out_dir = match side {
                    "front" => P::new(0.0, 1.0),
                    "rear" => P::new(0.0, -1.0),
                    "left" => P::new(-1.0, 0.0),
                    _ => P::new(1.0, 0.0),
                };
                found.push(Found {
                    key: format!("{}:{side}", o.key),
                    message: format!(
                        "{} needs {} mm of clear space at its {side} (manufacturer's instructions); only {} mm is clear — {what}.",
                        o.key,
                        fmt_num(required),
                        fmt_num(avail)
                    ),
                    measure: at_least(avail, required, Unit::Mm),
                    objects,
                    highlights: vec![
                        hl_rect(&plan_zone),
                        hl_seg(frame.to_plan(face_mid), frame.to_plan(face_mid.plus(out_dir.scale(avail)))),
                    ],
                });
            }
        }
        for f in found {
            ctx.emit(RuleId::Clearance, f);
        }
    }
}

fn floor_load(ctx: &mut Ctx<'_>) {
    let factor = ctx.rules.floor.footprint_factor;
    let mut found = Vec::new();
    if ctx.enabled(RuleId::FloorLoadFootprint) {
        for o in &ctx.scene.objs {
            let Some(room) = o.room.map(|r| &ctx.scene.rooms[r]) else { continue };
            let Some(allow) = room.floor_load else { continue };
            if o.mass_kg <= 0.0 {
                continue;
            }
            let area_m2 = o.width * o.depth / 1e6;
            let load = o.mass_kg / area_m2;
            let limit = allow * factor;
            if exceeds(load, limit) {
                found.push((
                    RuleId::FloorLoadFootprint,
                    Found {
                        key: o.key.to_owned(),
                        message: format!(
                            "{} puts {} kg on {} m² = {} kg/m² on the floor of room {}; the allowable is {} kg/m²{}. Spread the load (plinth or base frame) or ask the structural engineer.",
                            o.key,
                            fmt_num(o.mass_kg),
                            fmt_num(area_m2),
                            fmt_num(load),
                            room.id,
                            fmt_num(limit),
                            if factor == 1.0 { String::new() } else { format!(" ({} × {})", fmt_num(allow), fmt_num(factor)) }
                        ),
                        measure: at_most(load, limit, Unit::KgPerM2),
                        objects: vec![o.object_ref(), ObjectRef { kind: ObjectKind::Room, key: room.id.clone() }],
                        highlights: vec![hl_rect(&o.rect)],
                    },
                ));
            }
        }
    }
    if ctx.enabled(RuleId::FloorLoadRoom) {
        for (r, room) in ctx.scene.rooms.iter().enumerate() {
            let (Some(allow), Some(poly)) = (room.floor_load, &room.poly) else { continue };
            let mut mass = 0.0;
            let mut items = Vec::new();
            for o in ctx.scene.objs.iter().filter(|o| o.room == Some(r) && o.mass_kg > 0.0) {
                mass += o.mass_kg;
                items.push(o.object_ref());
            }
            // The floor the columns stand on carries no equipment.
            let columns: f64 =
                ctx.scene.objs[ctx.scene.items..].iter().filter(|c| c.room == Some(r)).map(|c| poly.area_in_rect(&c.rect)).sum();
            let area_m2 = (poly.area - columns).max(0.0) / 1e6;
            if area_m2 <= 0.0 {
                // No floor left to spread the load over: a load per m² would
                // be infinite, which says nothing. The input is what is wrong.
                if mass > 0.0 {
                    let d = backstop_model::layout::Diagnostic {
                        severity: backstop_model::layout::Severity::Error,
                        field: format!("rooms[{}].columns", room.id),
                        message: format!(
                            "the columns of room {} cover all of its {} m² of floor, yet {} kg of equipment stands in it; check the columns' sizes and positions (the room's distributed floor load was not checked)",
                            room.id,
                            fmt_num(poly.area / 1e6),
                            fmt_num(mass)
                        ),
                        objects: vec![ObjectRef { kind: ObjectKind::Room, key: room.id.clone() }],
                    };
                    ctx.scene.diagnostics.push(d);
                }
                continue;
            }
            let load = mass / area_m2;
            if exceeds(load, allow) {
                items.sort();
                let mut objects = vec![ObjectRef { kind: ObjectKind::Room, key: room.id.clone() }];
                objects.extend(items);
                found.push((
                    RuleId::FloorLoadRoom,
                    Found {
                        key: room.id.clone(),
                        message: format!(
                            "Room {} carries {} kg of equipment over {} m² = {} kg/m² distributed; the allowable is {} kg/m².",
                            room.id,
                            fmt_num(mass),
                            fmt_num(area_m2),
                            fmt_num(load),
                            fmt_num(allow)
                        ),
                        measure: at_most(load, allow, Unit::KgPerM2),
                        objects,
                        highlights: vec![hl_rect(&poly.bbox)],
                    },
                ));
            }
        }
    }
    for (rule, f) in found {
        ctx.emit(rule, f);
    }
}

fn door_swings(ctx: &mut Ctx<'_>) {
    if !ctx.enabled(RuleId::DoorSwing) {
        return;
    }
    for r in 0..ctx.scene.rooms.len() {
        for k in 0..ctx.scene.rooms[r].doors.len() {
            let d = ctx.scene.rooms[r].doors[k].clone();
            let dir = match d.swing {
                DoorSwing::Inward => d.inward,
                DoorSwing::Outward => d.inward.scale(-1.0),
                DoorSwing::Sliding => continue,
            };
            if d.width <= 0.0 {
                continue;
            }
            let frame = Frame::new(d.pos, dir);
            let zone = Rect { x0: -d.width / 2.0, y0: 0.0, x1: d.width / 2.0, y1: d.width };
            let plan_zone = frame.rect_to_plan(&zone);
            let mut clear = d.width;
            let mut culprits = Vec::new();
            for j in ctx.near(&plan_zone) {
                let lr = frame.rect_to_local(&ctx.scene.objs[j].rect);
                if lr.overlaps(&zone) {
                    clear = clear.min(lr.y0.max(0.0));
                    culprits.push((ctx.scene.objs[j].object_ref(), ctx.scene.objs[j].name()));
                }
            }
            // The room's own walls (a door near a corner swinging into the
            // wall beside it); the door's wall bounds the zone and is left out.
            let room = &ctx.scene.rooms[r];
            if let Some(poly) = &room.poly {
                let inner = zone.grow(-EPS);
                for (ei, (a, b)) in poly.edges().enumerate() {
                    if ei == d.edge {
                        continue;
                    }
                    let (la, lb) = (frame.to_local(a), frame.to_local(b));
                    if geom::clip_segment(la, lb, &inner).is_some()
                        && let Some((p, q)) = geom::clip_segment(la, lb, &zone)
                    {
                        clear = clear.min(p.y.min(q.y).max(0.0));
                        culprits.push((ObjectRef { kind: ObjectKind::Room, key: room.id.clone() }, poly.wall_name(ei)));
                    }
                }
            }
            if clear < d.width {
                culprits.sort();
                culprits.dedup();
                let names: Vec<&str> = culprits.iter().map(|c| c.1.as_str()).collect();
                let mut objects = vec![d.object_ref(), ObjectRef { kind: ObjectKind::Room, key: room.id.clone() }];
                for (c, _) in &culprits {
                    if !objects.contains(c) {
                        objects.push(c.clone());
                    }
                }
                let f = Found {
                    key: format!("{}:{}", room.id, d.index + 1),
                    message: format!(
                        "{} of room {} ({} mm, swings {}) cannot open fully: {} {} {} mm from the door line inside its swing.",
                        super::working_space::capitalised(&d.label),
                        room.id,
                        fmt_num(d.width),
                        if d.swing == DoorSwing::Inward { "in" } else { "out" },
                        names.join(", "),
                        if names.len() == 1 { "stands" } else { "stand" },
                        fmt_num(clear)
                    ),
                    measure: at_least(clear, d.width, Unit::Mm),
                    objects,
                    highlights: vec![hl_rect(&plan_zone)],
                };
                ctx.emit(RuleId::DoorSwing, f);
            }
        }
    }
}
