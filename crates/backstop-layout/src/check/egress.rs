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
use crate::resolve::egress_routes;

pub(super) fn run(ctx: &mut Ctx<'_>) {
    let routes = egress_routes(ctx.layout);
    let min_w = f64::from(ctx.rules.egress.min_width_mm);
    for (pi, route, width) in &routes {
        let path = &ctx.layout.egress_paths[*pi];
        let path_ref = ObjectRef { kind: ObjectKind::EgressPath, key: path.id.clone() };
        if *width < min_w && ctx.enabled(RuleId::EgressWidth) {
            let f = Found {
                key: path.id.clone(),
                message: format!(
                    "Egress path {} is {} mm wide; at least {} mm is required.",
                    path.id,
                    fmt_num(*width),
                    fmt_num(min_w)
                ),
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
                    o.key,
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
                            objects: vec![
                                o.object_ref(),
                                ObjectRef { kind: ObjectKind::EgressPath, key: id.clone() },
                            ],
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
