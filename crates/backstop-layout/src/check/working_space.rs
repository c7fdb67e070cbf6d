//! NEC 110.26 working space in front of electrical equipment.
//!
//! Each item that needs working space is checked in its own frame (`u`
//! along its front, `v` out from its front face). The condition is read off
//! the plan for each obstacle facing the front: a wall is the rule set's
//! wall condition (grounded: 2), another item whose own front with live
//! parts faces back is condition 3, any other item is a grounded enclosure
//! (condition 2). An obstacle closer than the depth its condition requires
//! is a depth violation. The width (the larger of the equipment width and
//! 762 mm) may sit anywhere that covers the equipment's front, so the width
//! check looks for any clear window of that width.

use backstop_model::layout::{ObjectKind, ObjectRef, RuleId, Unit};

use super::{Ctx, Found, at_least, fmt_num, hl_rect, hl_seg};
use crate::geom::{self, Frame, P, Rect};

const EPS: f64 = 1e-6;

/// An obstacle in an item's frame.
enum Shape {
    Rect(Rect),
    Seg(P, P),
}

struct Obstacle {
    shape: Shape,
    /// NEC condition (1–3) this obstacle makes.
    condition: u8,
    /// Index of the object, or `None` for a wall.
    obj: Option<usize>,
}

impl Obstacle {
    /// Smallest `v` of the part inside `u ∈ (u0, u1)`, `v ∈ [0, vmax]`.
    fn front_hit(&self, u0: f64, u1: f64, vmax: f64) -> Option<f64> {
        match &self.shape {
            Shape::Rect(r) => (r.x0 < u1 && r.x1 > u0 && r.y1 > 0.0 && r.y0 <= vmax).then(|| r.y0.max(0.0)),
            Shape::Seg(a, b) => {
                let clip = Rect { x0: u0 + EPS, y0: 0.0, x1: u1 - EPS, y1: vmax };
                if clip.x0 > clip.x1 {
                    return None;
                }
                geom::clip_segment(*a, *b, &clip).map(|(p, q)| p.y.min(q.y))
            }
        }
    }

    /// Lateral extent `[u_min, u_max]` of the part inside `u ∈ [u0, u1]`,
    /// `v ∈ (0, depth)`.
    fn lateral(&self, u0: f64, u1: f64, depth: f64) -> Option<(f64, f64)> {
        match &self.shape {
            Shape::Rect(r) => (r.y0 < depth && r.y1 > 0.0 && r.x1 > u0 && r.x0 < u1).then(|| (r.x0.max(u0), r.x1.min(u1))),
            Shape::Seg(a, b) => {
                let clip = Rect { x0: u0, y0: EPS, x1: u1, y1: depth - EPS };
                if clip.y0 > clip.y1 {
                    return None;
                }
                geom::clip_segment(*a, *b, &clip).map(|(p, q)| (p.x.min(q.x), p.x.max(q.x)))
            }
        }
    }
}

/// The widest clear passage out of one end of a working space, capped at
/// `e` (the entrance width the rule asks for), in the end's frame: `t` runs
/// away from the end, `v ∈ [0, depth]` along it. The passage is the largest
/// `s` such that an `s × s` square against the end is clear of `shapes`
/// (items, walls) and of space outside the room (`outside` says whether a
/// point `(t, v)` is outside). A wall 100 mm beyond the end leaves a 100 mm
/// passage; a rack leaving 609 mm of the end open leaves 609 mm; an end on
/// the wall itself, 0 mm. Also returns whether space outside the room was
/// what limited it.
fn entrance_clear(shapes: &[Shape], e: f64, depth: f64, outside: &dyn Fn(P) -> bool) -> (f64, bool) {
    // Longest free run along the end within a strip `s` deep.
    let run = |s: f64| -> (f64, bool) {
        if s <= 0.0 {
            return (depth, false);
        }
        let strip = Rect { x0: 0.0, y0: 0.0, x1: s, y1: depth };
        let mut blocked = Vec::new();
        for sh in shapes {
            match sh {
                Shape::Rect(r) => {
                    if r.x0 < s && r.x1 > 0.0 && r.y0 < depth && r.y1 > 0.0 {
                        blocked.push((r.y0.max(0.0), r.y1.min(depth)));
                    }
                }
                Shape::Seg(a, b) => {
                    // Only a wall reaching into the open strip 0 < t < s
                    // blocks it (one on its edge bounds it).
                    if let Some((p, q)) = geom::clip_segment(*a, *b, &strip)
                        && p.x.max(q.x) > 0.0
                        && p.x.min(q.x) < s
                    {
                        blocked.push((p.y.min(q.y), p.y.max(q.y)));
                    }
                }
            }
        }
        // Bands between blockers are wholly inside or wholly outside the
        // room (no wall crosses them): test each band's middle.
        let mut outside_hit = false;
        for (a, b) in free_runs(depth, &blocked) {
            if outside(P::new(s / 2.0, (a + b) / 2.0)) {
                blocked.push((a, b));
                outside_hit = true;
            }
        }
        (longest_free(depth, blocked), outside_hit)
    };
    // max over s of min(s, run(s)) is the answer; run only changes where a
    // shape starts, so those places (and `e`) are the candidates. Slanted
    // walls make it change in between: a bisection for `run(s) = s` covers
    // them.
    let mut candidates = vec![e];
    for sh in shapes {
        let start = match sh {
            Shape::Rect(r) => Some(r.x0),
            Shape::Seg(a, b) => geom::clip_segment(*a, *b, &Rect { x0: 0.0, y0: 0.0, x1: e, y1: depth }).map(|(p, q)| p.x.min(q.x)),
        };
        if let Some(t) = start
            && t > 0.0
            && t < e
        {
            candidates.push(t);
        }
    }
    let mut best = 0.0f64;
    for c in candidates {
        best = best.max(c.min(run(c).0));
    }
    if best < e {
        let (mut lo, mut hi) = (0.0f64, e);
        for _ in 0..60 {
            let mid = (lo + hi) / 2.0;
            if run(mid).0 >= mid { lo = mid } else { hi = mid }
        }
        // Below a micrometre it is rounding, not a passage.
        if lo > best + 1e-3 {
            best = lo;
        }
    }
    // Whether space outside the room is among what stops a wider passage.
    let outside_hit = best < e && run((best + 1.0).min(e)).1;
    (best, outside_hit)
}

/// Free runs `(start, end)` of `[0, len]` not covered by `blocked`.
fn free_runs(len: f64, blocked: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut b = blocked.to_vec();
    b.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut out = Vec::new();
    let mut at = 0.0f64;
    for (s, e) in b {
        if s > at {
            out.push((at, s));
        }
        at = at.max(e);
    }
    if len > at {
        out.push((at, len));
    }
    out
}

pub(crate) use backstop_model::error::capitalise as capitalised;

/// Longest free run of `[0, len]` not covered by `blocked` intervals.
fn longest_free(len: f64, mut blocked: Vec<(f64, f64)>) -> f64 {
    blocked.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut best = 0.0f64;
    let mut at = 0.0f64;
    for (s, e) in blocked {
        if s > at {
            best = best.max(s - at);
        }
        at = at.max(e);
    }
    best.max(len - at)
}

pub(super) fn run(ctx: &mut Ctx<'_>) {
    let ws = &ctx.rules.working_space;
    let any = [
        RuleId::WorkingSpaceDepth,
        RuleId::WorkingSpaceWidth,
        RuleId::WorkingSpaceDoorOpening,
        RuleId::WorkingSpaceHeadroom,
        RuleId::WorkingSpaceEntrance,
        RuleId::PersonnelDoor,
    ]
    .iter()
    .any(|r| ctx.enabled(*r));
    if !any {
        return;
    }
    for i in 0..ctx.scene.objs.len() {
        let o = &ctx.scene.objs[i];
        if !o.needs_ws {
            continue;
        }
        let Some(band) = ws.bands.iter().find(|b| o.voltage <= b.max_v) else {
            let d = backstop_model::layout::Diagnostic {
                severity: backstop_model::layout::Severity::Warning,
                field: format!("{}[{}].voltage_to_ground_v", crate::resolve::list_name(o.kind), o.key),
                message: format!(
                    "{} is at {} V to ground, above the working-space table of the rule set (up to {} V); its working space was not checked (NEC 110.34 covers over 1000 V)",
                    o.key,
                    fmt_num(o.voltage),
                    fmt_num(ws.bands.last().map_or(0.0, |b| b.max_v))
                ),
                objects: vec![o.object_ref()],
            };
            ctx.scene.diagnostics.push(d);
            continue;
        };
        let req = band.depth_mm.map(f64::from);
        let w = o.width;
        let big_w = w.max(f64::from(ws.min_width_mm));
        let extra = big_w - w;
        let (u_lo, u_hi) = (-w / 2.0 - extra, w / 2.0 + extra);
        let d_max = req.iter().copied().fold(o.door_leaf, f64::max);
        let frame = Frame::of_item(o.center, o.depth, o.rot);
        let region = Rect { x0: u_lo, y0: 0.0, x1: u_hi, y1: d_max };
        let plan_region = frame.rect_to_plan(&region);
        let my_front = geom::front_dir(o.rot);

        // What is reported elsewhere is not reported again here: an item
        // overlapping this one (overlap), the walls of a room this item
        // reaches out of (outside-room).
        let my_rect = o.rect;
        let skip_overlapping = ctx.enabled(RuleId::Overlap);
        let straddles = ctx.enabled(RuleId::OutsideRoom)
            && o.room.and_then(|r| ctx.scene.rooms[r].poly.as_ref()).is_some_and(|p| p.rect_excursion(&my_rect).0 > 0.0);
        let inner = my_rect.grow(-EPS);
        let straddled = |a: P, b: P| straddles && geom::clip_segment(a, b, &inner).is_some();

        // Obstacles in the region.
        let mut obstacles = Vec::new();
        for j in ctx.near(&plan_region) {
            if j == i {
                continue;
            }
            let other = &ctx.scene.objs[j];
            if skip_overlapping && other.rect.overlaps(&my_rect) {
                continue;
            }
            let lr = frame.rect_to_local(&other.rect);
            if lr.y1 <= 0.0 || lr.y0 > d_max || lr.x1 <= u_lo || lr.x0 >= u_hi {
                continue;
            }
            let facing = other.needs_ws && geom::front_dir(other.rot) == my_front.scale(-1.0);
            // A column is building structure, like a wall.
            let condition = if other.is_column() {
                ws.wall_condition
            } else if facing {
                3
            } else {
                2
            };
            obstacles.push(Obstacle { shape: Shape::Rect(lr), condition, obj: Some(j) });
        }
        let room = o.room.map(|r| &ctx.scene.rooms[r]);
        if let Some(poly) = room.and_then(|r| r.poly.as_ref()) {
            for (a, b) in poly.edges() {
                if straddled(a, b) {
                    continue;
                }
                let (la, lb) = (frame.to_local(a), frame.to_local(b));
                if geom::clip_segment(la, lb, &region).is_some() {
                    obstacles.push(Obstacle { shape: Shape::Seg(la, lb), condition: ws.wall_condition, obj: None });
                }
            }
        }
        let req_for = |c: u8| req[usize::from(c.clamp(1, 3)) - 1];
        let describe = |ob: &Obstacle, ctx: &Ctx<'_>| -> String {
            match ob.obj {
                Some(j) if ctx.scene.objs[j].is_column() => {
                    format!("column {} is opposite (condition {})", ctx.scene.objs[j].key, ob.condition)
                }
                Some(j) if ob.condition == 3 => {
                    format!("{} faces it with exposed live parts (condition 3)", ctx.scene.objs[j].key)
                }
                Some(j) => format!("{} is opposite (grounded, condition 2)", ctx.scene.objs[j].key),
                None => format!("a wall is opposite (condition {})", ob.condition),
            }
        };

        // Depth: worst shortfall over obstacles in front of the face.
        let mut worst: Option<(f64, f64, usize)> = None; // (hit, required, obstacle)
        let mut clear_depth = f64::INFINITY;
        let mut nearest: Option<(f64, usize)> = None;
        for (k, ob) in obstacles.iter().enumerate() {
            let Some(h) = ob.front_hit(-w / 2.0, w / 2.0, d_max) else { continue };
            clear_depth = clear_depth.min(h);
            if nearest.is_none_or(|(nh, _)| h < nh) {
                nearest = Some((h, k));
            }
            let r = req_for(ob.condition);
            if h < r && worst.is_none_or(|(wh, wr, _)| r - h > wr - wh) {
                worst = Some((h, r, k));
            }
        }
        let ws_depth = nearest.map_or(req[0], |(_, k)| req_for(obstacles[k].condition));
        let ws_rect_plan = |depth: f64| frame.rect_to_plan(&Rect { x0: -big_w / 2.0, y0: 0.0, x1: big_w / 2.0, y1: depth });
        let o = &ctx.scene.objs[i];
        let me = o.object_ref();
        let (key, voltage) = (o.key.to_owned(), o.voltage);
        let hit_point = |v: f64| frame.to_plan(P::new(0.0, v));
        let mut found = Vec::new();
        if let Some((h, r, k)) = worst {
            let ob = &obstacles[k];
            let mut objects = vec![me.clone()];
            if let Some(j) = ob.obj {
                objects.push(ctx.scene.objs[j].object_ref());
            } else if let Some(room) = room {
                objects.push(ObjectRef { kind: ObjectKind::Room, key: room.id.clone() });
            }
            found.push((
                RuleId::WorkingSpaceDepth,
                Found {
                    key: key.clone(),
                    message: format!(
                        "The working space in front of {key} ({} V to ground) is {} mm deep where {}; NEC requires at least {} mm.",
                        fmt_num(voltage),
                        fmt_num(h),
                        describe(ob, ctx),
                        fmt_num(r)
                    ),
                    measure: at_least(h, r, Unit::Mm),
                    objects,
                    highlights: vec![hl_rect(&ws_rect_plan(r)), hl_seg(hit_point(0.0), hit_point(h))],
                },
            ));
        }
        let o = &ctx.scene.objs[i];
        if o.door_leaf > 0.0 && clear_depth < o.door_leaf {
            let mut objects = vec![me.clone()];
            if let Some(j) = nearest.and_then(|(_, k)| obstacles[k].obj) {
                objects.push(ctx.scene.objs[j].object_ref());
            }
            found.push((
                RuleId::WorkingSpaceDoorOpening,
                Found {
                    key: key.clone(),
                    message: format!(
                        "The front door of {key} ({} mm leaf) cannot open 90°: only {} mm is clear in front of it.",
                        fmt_num(o.door_leaf),
                        fmt_num(clear_depth)
                    ),
                    measure: at_least(clear_depth, o.door_leaf, Unit::Mm),
                    objects,
                    highlights: vec![
                        hl_rect(&frame.rect_to_plan(&Rect { x0: -w / 2.0, y0: 0.0, x1: w / 2.0, y1: o.door_leaf })),
                        hl_seg(hit_point(0.0), hit_point(clear_depth)),
                    ],
                },
            ));
        }

        // Width: a clear window of `big_w` covering the front.
        if worst.is_none() && extra > 0.0 {
            let mut left = u_lo;
            let mut right = u_hi;
            let mut blockers = Vec::new();
            let mut front_blocked = false;
            for ob in &obstacles {
                let Some((a, b)) = ob.lateral(u_lo, u_hi, req_for(ob.condition)) else { continue };
                if b <= -w / 2.0 {
                    if b > left {
                        left = b;
                    }
                    blockers.push(ob.obj);
                } else if a >= w / 2.0 {
                    if a < right {
                        right = a;
                    }
                    blockers.push(ob.obj);
                } else {
                    front_blocked = true;
                    blockers.push(ob.obj);
                }
            }
            let free = if front_blocked { 0.0 } else { right - left };
            if free < big_w {
                let mut objects = vec![me.clone()];
                let mut extra_refs: Vec<ObjectRef> = blockers.iter().flatten().map(|&j| ctx.scene.objs[j].object_ref()).collect();
                extra_refs.sort();
                extra_refs.dedup();
                objects.extend(extra_refs);
                found.push((
                    RuleId::WorkingSpaceWidth,
                    Found {
                        key: key.clone(),
                        message: format!(
                            "The working space in front of {key} is {} mm wide; NEC requires at least {} mm (the larger of the equipment width and {} mm).",
                            fmt_num(free.max(0.0)),
                            fmt_num(big_w),
                            fmt_num(f64::from(ws.min_width_mm))
                        ),
                        measure: at_least(free.max(0.0), big_w, Unit::Mm),
                        objects,
                        highlights: vec![
                            hl_rect(&ws_rect_plan(ws_depth)),
                            hl_seg(frame.to_plan(P::new(left, ws_depth / 2.0)), frame.to_plan(P::new(right, ws_depth / 2.0))),
                        ],
                    },
                ));
            }
        }

        // Headroom.
        let o = &ctx.scene.objs[i];
        if let Some(h) = room.and_then(|r| r.height_mm) {
            let required = o.height.max(f64::from(ws.headroom_mm));
            if h < required {
                found.push((
                    RuleId::WorkingSpaceHeadroom,
                    Found {
                        key: key.clone(),
                        message: format!(
                            "Room {} is {} mm high; the working space of {key} needs at least {} mm of headroom (the larger of {} mm and the equipment height).",
                            room.map_or("", |r| r.id.as_str()),
                            fmt_num(h),
                            fmt_num(required),
                            fmt_num(f64::from(ws.headroom_mm))
                        ),
                        measure: at_least(h, required, Unit::Mm),
                        objects: vec![
                            me.clone(),
                            ObjectRef { kind: ObjectKind::Room, key: room.map_or(String::new(), |r| r.id.clone()) },
                        ],
                        highlights: vec![hl_rect(&ws_rect_plan(ws_depth))],
                    },
                ));
            }
        }

        // Large equipment: an entrance at each end of the working space.
        if o.ampacity >= ws.large_equipment_min_a && o.width > f64::from(ws.large_equipment_min_width_mm) {
            let e = f64::from(ws.entrance_width_mm);
            for (side, sign) in [("left", -1.0), ("right", 1.0)] {
                // The end's own frame: `t` beyond the end of the working
                // space, `v` out from the equipment's front.
                let end_local = |p: P| {
                    let l = frame.to_local(p);
                    P::new(sign * l.x - big_w / 2.0, l.y)
                };
                let (u0, u1) = if sign < 0.0 { (-big_w / 2.0 - e, -big_w / 2.0) } else { (big_w / 2.0, big_w / 2.0 + e) };
                let probe_plan = frame.rect_to_plan(&Rect { x0: u0, y0: 0.0, x1: u1, y1: ws_depth });
                let mut blockers = Vec::new();
                let mut shapes = Vec::new();
                for j in ctx.near(&probe_plan) {
                    let other = &ctx.scene.objs[j];
                    if j == i || (skip_overlapping && other.rect.overlaps(&my_rect)) {
                        continue;
                    }
                    let r = geom::bbox(&other.rect.corners().map(end_local));
                    if r.x1 > 0.0 && r.x0 < e && r.y1 > 0.0 && r.y0 < ws_depth {
                        shapes.push(Shape::Rect(r));
                        blockers.push(other.object_ref());
                    }
                }
                let poly = room.and_then(|r| r.poly.as_ref());
                let mut walls_in_way = false;
                if let Some(poly) = poly {
                    for (a, b) in poly.edges() {
                        if straddled(a, b) {
                            continue;
                        }
                        let (la, lb) = (end_local(a), end_local(b));
                        if geom::clip_segment(la, lb, &Rect { x0: EPS, y0: 0.0, x1: e - EPS, y1: ws_depth }).is_some() {
                            shapes.push(Shape::Seg(la, lb));
                            walls_in_way = true;
                        }
                    }
                }
                let outside = |p: P| {
                    poly.is_some_and(|poly| {
                        let l = P::new(sign * (p.x + big_w / 2.0), p.y);
                        !poly.contains_point(frame.to_plan(l))
                    })
                };
                let (free, outside_hit) = entrance_clear(&shapes, e, ws_depth, &outside);
                if free < e {
                    let mut objects = vec![me.clone()];
                    blockers.sort();
                    blockers.dedup();
                    let mut what: Vec<String> = blockers.iter().map(|b| b.key.clone()).collect();
                    objects.extend(blockers);
                    if let Some(room) = room {
                        if walls_in_way || outside_hit {
                            objects.push(ObjectRef { kind: ObjectKind::Room, key: room.id.clone() });
                        }
                        if walls_in_way {
                            what.push(format!("the walls of room {}", room.id));
                        }
                        if outside_hit {
                            what.push(format!("space outside room {}", room.id));
                        }
                    }
                    let what = if what.is_empty() { String::new() } else { format!(" ({} in the way)", what.join(", ")) };
                    found.push((
                        RuleId::WorkingSpaceEntrance,
                        Found {
                            key: format!("{key}:{side}"),
                            message: format!(
                                "{key} is rated {} A and {} mm wide, so its working space needs an entrance at least {} mm wide at each end; the widest clear passage out of the {side} end is {} mm{what}. NEC exceptions for a doubled depth or an unobstructed exit are not assessed.",
                                fmt_num(o.ampacity),
                                fmt_num(o.width),
                                fmt_num(e),
                                fmt_num(free)
                            ),
                            measure: at_least(free, e, Unit::Mm),
                            objects,
                            highlights: vec![hl_rect(&probe_plan)],
                        },
                    ));
                }
            }
        }

        // Personnel doors near large equipment open outward, with panic
        // hardware.
        if o.ampacity >= ws.personnel_door_min_a
            && let Some(room) = room
        {
            let area = ws_rect_plan(ws_depth);
            let limit = f64::from(ws.personnel_door_distance_mm);
            for d in &room.doors {
                let outward = d.swing == backstop_model::layout::DoorSwing::Outward;
                if outward && d.panic_hardware {
                    continue;
                }
                let (a, b) = d.opening();
                let (dist, on_door, on_area) = geom::dist_segment_rect(a, b, &area);
                if dist < limit {
                    let how = match d.swing {
                        _ if outward => "opens outward but has no listed panic hardware (mark the door if it has)",
                        backstop_model::layout::DoorSwing::Sliding => "slides",
                        _ => "swings into the room",
                    };
                    found.push((
                        RuleId::PersonnelDoor,
                        Found {
                            key: format!("{key}:{}", d.key),
                            message: format!(
                                "{} of room {} is {} mm from the working space of {key} ({} A) and {how}; doors within {} mm must open in the direction of egress and have listed panic hardware.",
                                capitalised(&d.label),
                                room.id,
                                fmt_num(dist),
                                fmt_num(o.ampacity),
                                fmt_num(limit)
                            ),
                            measure: at_least(dist, limit, Unit::Mm),
                            objects: vec![me.clone(), d.object_ref(), ObjectRef { kind: ObjectKind::Room, key: room.id.clone() }],
                            highlights: vec![hl_rect(&area), hl_seg(on_area, on_door)],
                        },
                    ));
                }
            }
        }

        for (rule, f) in found {
            if ctx.enabled(rule) {
                ctx.emit(rule, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::longest_free;

    #[test]
    fn free_runs() {
        assert_eq!(longest_free(1000.0, vec![]), 1000.0);
        assert_eq!(longest_free(1000.0, vec![(200.0, 300.0), (100.0, 250.0)]), 700.0);
        assert_eq!(longest_free(1000.0, vec![(0.0, 1000.0)]), 0.0);
        assert_eq!(longest_free(1000.0, vec![(300.0, 300.0)]), 700.0);
    }
}
