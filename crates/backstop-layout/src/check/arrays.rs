//! Battery arrays (IFC 2018 §1206.2.8.3 / NFPA 855): array energy, spacing
//! from walls, listed-system energy, and the aggregate energy per fire area
//! (IFC 2018 §1206.2.9).
//!
//! An *array* is a connected group of battery items: two items belong to
//! the same array when the gap between their footprints is less than the
//! spacing between arrays (914 mm by default, or the spacing both items'
//! declared UL 9540A data allow). So the rule "arrays ≤ 50 kWh, ≥ 914 mm
//! apart" is exactly "every connected group holds ≤ 50 kWh"; the gaps that
//! join a too-large array are highlighted, since opening them splits it.

use std::collections::BTreeMap;

use backstop_model::layout::{ArrayInfo, Chemistry, FireAreaTotal, ObjectKind, ObjectRef, RuleId, Unit};

use super::{Ctx, Found, at_least, at_most, exceeds, fmt_num, hl_seg, list_tags};
use crate::geom::P;
use crate::rules::chemistry_limits;

/// What an engineer can do about too much energy in one fire area.
const WAYS_OUT: &str = "Ways out: split it into more fire areas with fire barriers, move energy to another fire area, \
    or use listed systems whose large-scale fire testing (UL 9540A) the fire code official accepts for more energy.";

struct Dsu {
    parent: Vec<usize>,
}

impl Dsu {
    fn new(n: usize) -> Dsu {
        Dsu { parent: (0..n).collect() }
    }
    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// `"the marked gap of 400 mm between BC-01 and BC-02 is"` or `"the marked
/// gaps of 400 mm (BC-01–BC-02) and 500 mm (BC-03–BC-04) are"`, smallest
/// first, at most six named.
fn gaps_text(objs: &[crate::resolve::Obj<'_>], joins: &[&(usize, usize, f64, P, P)]) -> String {
    const SHOWN: usize = 6;
    let mut gaps: Vec<(f64, &str, &str)> = joins
        .iter()
        .map(|&&(i, j, g, _, _)| {
            let (a, b) = (objs[i].key, objs[j].key);
            if a <= b { (g, a, b) } else { (g, b, a) }
        })
        .collect();
    gaps.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(y.1)).then(x.2.cmp(y.2)));
    if let [(g, a, b)] = gaps[..] {
        return format!("the marked gap of {} mm between {a} and {b} is", fmt_num(g));
    }
    let mut parts: Vec<String> = gaps.iter().take(SHOWN).map(|(g, a, b)| format!("{} mm ({a}–{b})", fmt_num(*g))).collect();
    if gaps.len() > SHOWN {
        parts.push(format!("{} more", gaps.len() - SHOWN));
    }
    let last = parts.pop().unwrap_or_default();
    let list = if parts.is_empty() { last } else { format!("{} and {last}", parts.join(", ")) };
    format!("the marked gaps of {list} are")
}

/// Energy per fire area and chemistry (all battery items in a room).
fn fire_area_energy(ctx: &Ctx<'_>) -> BTreeMap<String, BTreeMap<Chemistry, f64>> {
    let mut m: BTreeMap<String, BTreeMap<Chemistry, f64>> = BTreeMap::new();
    for o in &ctx.scene.objs {
        if let (Some(r), Some(c)) = (o.room, o.chemistry)
            && o.energy_kwh > 0.0
        {
            *m.entry(ctx.scene.rooms[r].fire_area.clone()).or_default().entry(c).or_insert(0.0) += o.energy_kwh;
        }
    }
    m
}

/// Runs the array and fire-area rules; returns the arrays and fire-area
/// totals for the report.
pub(super) fn run(ctx: &mut Ctx<'_>) -> (Vec<ArrayInfo>, Vec<FireAreaTotal>) {
    let rs = ctx.rules;
    let ar = &rs.arrays;
    let energy = fire_area_energy(ctx);

    // Which items the array rules apply to.
    let participating: Vec<bool> = ctx
        .scene
        .objs
        .iter()
        .map(|o| {
            let (Some(r), Some(c)) = (o.room, o.chemistry) else { return false };
            if o.energy_kwh <= 0.0 {
                return false;
            }
            let room = &ctx.scene.rooms[r];
            if room.outdoor && !ar.apply_outdoors {
                return false;
            }
            let Some(lim) = chemistry_limits(rs, c) else { return false };
            let total = energy.get(&room.fire_area).and_then(|m| m.get(&c)).copied().unwrap_or(0.0);
            lim.array_rules_apply && exceeds(total, lim.threshold_kwh)
        })
        .collect();

    let ft_spacing = |i: usize| -> Option<f64> {
        let o = &ctx.scene.objs[i];
        if !ar.allow_fire_test_data {
            return None;
        }
        o.fire_test.and_then(|f| f.min_spacing_mm).map(f64::from)
    };
    let rule_spacing = f64::from(ar.min_spacing_mm);
    let max_spacing = (0..ctx.scene.objs.len()).filter(|&i| participating[i]).filter_map(ft_spacing).fold(rule_spacing, f64::max);

    let n = ctx.scene.objs.len();
    let mut dsu = Dsu::new(n);
    // Gaps joining items, for highlights: (i, j, gap, a, b).
    let mut joins: Vec<(usize, usize, f64, P, P)> = Vec::new();
    for i in 0..n {
        if !participating[i] {
            continue;
        }
        let grown = ctx.scene.objs[i].rect.grow(max_spacing);
        for j in ctx.near(&grown) {
            if j <= i || !participating[j] || ctx.scene.objs[j].room != ctx.scene.objs[i].room {
                continue;
            }
            let spacing = match (ft_spacing(i), ft_spacing(j)) {
                (Some(a), Some(b)) => a.max(b),
                _ => rule_spacing,
            };
            let (gap, a, b) = ctx.scene.objs[i].rect.gap(&ctx.scene.objs[j].rect);
            if gap < spacing {
                dsu.union(i, j);
                if gap > 0.0 {
                    joins.push((i, j, gap, a, b));
                }
            }
        }
    }

    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, _) in participating.iter().enumerate().filter(|(_, p)| **p) {
        groups.entry(dsu.find(i)).or_default().push(i);
    }
    let mut arrays = Vec::new();
    for (root, members) in &groups {
        let objs = &ctx.scene.objs;
        let total: f64 = members.iter().map(|&i| objs[i].energy_kwh).sum();
        let all_ft = ar.allow_fire_test_data && members.iter().all(|&i| objs[i].fire_test.and_then(|f| f.max_array_kwh).is_some());
        let (limit, basis) = if all_ft {
            let lim = members.iter().filter_map(|&i| objs[i].fire_test.and_then(|f| f.max_array_kwh)).fold(f64::INFINITY, f64::min);
            let mut reports: Vec<&str> = members.iter().filter_map(|&i| objs[i].fire_test.map(|f| f.report.as_str())).collect();
            reports.sort_unstable();
            reports.dedup();
            (lim, format!("UL 9540A large-scale fire-test data ({})", reports.join("; ")))
        } else if members.iter().all(|&i| objs[i].listed) {
            (ar.listed_system_max_kwh, "listed pre-engineered/prepackaged systems (rule set)".to_owned())
        } else {
            (ar.max_array_kwh, "rule set".to_owned())
        };
        let mut tags: Vec<&str> = members.iter().map(|&i| objs[i].key).collect();
        tags.sort_unstable();
        let room_idx = objs[*root].room.unwrap_or(0);
        let room_id = ctx.scene.rooms.get(room_idx).map(|r| r.id.clone()).unwrap_or_default();
        arrays.push(ArrayInfo {
            room_id: room_id.clone(),
            members: tags.iter().map(|t| (*t).to_owned()).collect(),
            energy_kwh: total,
            limit_kwh: limit,
            limit_basis: basis.clone(),
        });
        if exceeds(total, limit) && ctx.enabled(RuleId::ArrayEnergy) {
            let inside: Vec<&(usize, usize, f64, P, P)> = joins.iter().filter(|(i, _, _, _, _)| members.binary_search(i).is_ok()).collect();
            let highlights: Vec<_> = inside.iter().map(|&&(_, _, _, a, b)| hl_seg(a, b)).collect();
            let mut refs: Vec<(&str, ObjectRef)> = members.iter().map(|&i| (objs[i].key, objs[i].object_ref())).collect();
            refs.sort_by(|a, b| a.0.cmp(b.0));
            let advice = if inside.is_empty() {
                format!("Split it into arrays of at most {} kWh at least {} mm apart.", fmt_num(limit), fmt_num(rule_spacing))
            } else {
                format!(
                    "Split it into arrays of at most {} kWh at least {} mm apart: {} closer than that, so {} one array.",
                    fmt_num(limit),
                    fmt_num(rule_spacing),
                    gaps_text(objs, &inside),
                    if inside.len() == 1 { "it joins them into" } else { "they join them into" }
                )
            };
            ctx.emit(
                RuleId::ArrayEnergy,
                Found {
                    key: tags[0].to_owned(),
                    message: format!(
                        "Battery array {} in room {room_id} holds {} kWh; an array may hold at most {} kWh ({basis}). {advice}",
                        list_tags(&tags),
                        fmt_num(total),
                        fmt_num(limit)
                    ),
                    measure: at_most(total, limit, Unit::Kwh),
                    objects: refs.into_iter().map(|(_, r)| r).collect(),
                    highlights,
                },
            );
        }
    }

    // Spacing from walls and listed-system energy, per item.
    for (i, _) in participating.iter().enumerate().filter(|(_, p)| **p) {
        let o = &ctx.scene.objs[i];
        let Some(r) = o.room else { continue };
        let room = &ctx.scene.rooms[r];
        let ft = if ar.allow_fire_test_data { o.fire_test } else { None };
        if !room.outdoor
            && let Some(poly) = &room.poly
            && poly.rect_excursion(&o.rect).0 == 0.0
            && ctx.enabled(RuleId::ArrayWallSpacing)
        {
            let required = ft.and_then(|f| f.min_wall_spacing_mm).map_or(f64::from(ar.min_wall_spacing_mm), f64::from);
            let (mut d, mut on_wall, mut on_item, edge) = poly.nearest_wall(&o.rect);
            let mut wall = poly.wall_name(edge);
            let mut column = None;
            // The room's columns count as walls.
            for j in ctx.near(&o.rect.grow(required)) {
                let c = &ctx.scene.objs[j];
                if c.is_column() && c.room == Some(r) {
                    let (g, a, b) = o.rect.gap(&c.rect);
                    if g < d {
                        (d, on_item, on_wall) = (g, a, b);
                        wall = format!("column {}", c.key);
                        column = Some(c.object_ref());
                    }
                }
            }
            let o = &ctx.scene.objs[i];
            if d < required {
                let mut objects = vec![o.object_ref(), ObjectRef { kind: ObjectKind::Room, key: room.id.clone() }];
                objects.extend(column);
                let f = Found {
                    key: o.key.to_owned(),
                    message: format!(
                        "Battery item {} is {} mm from {wall} of room {}; battery arrays must be at least {} mm from walls (and columns).",
                        o.key,
                        fmt_num(d),
                        room.id,
                        fmt_num(required)
                    ),
                    measure: at_least(d, required, Unit::Mm),
                    objects,
                    highlights: vec![hl_seg(on_item, on_wall)],
                };
                ctx.emit(RuleId::ArrayWallSpacing, f);
            }
        }
        let o = &ctx.scene.objs[i];
        if o.listed && ctx.enabled(RuleId::ListedSystemEnergy) {
            let (limit, basis) = match ft.and_then(|f| f.max_array_kwh) {
                Some(l) => (l, "UL 9540A large-scale fire-test data"),
                None => (ar.listed_system_max_kwh, "rule set"),
            };
            if exceeds(o.energy_kwh, limit) {
                let f = Found {
                    key: o.key.to_owned(),
                    message: format!(
                        "Listed pre-engineered system {} stores {} kWh; such a system may store at most {} kWh ({basis}).",
                        o.key,
                        fmt_num(o.energy_kwh),
                        fmt_num(limit)
                    ),
                    measure: at_most(o.energy_kwh, limit, Unit::Kwh),
                    objects: vec![o.object_ref()],
                    highlights: Vec::new(),
                };
                ctx.emit(RuleId::ListedSystemEnergy, f);
            }
        }
    }

    // Aggregate per fire area.
    let mut totals = Vec::new();
    for (fa, by_chem) in &energy {
        let rooms: Vec<usize> = (0..ctx.scene.rooms.len()).filter(|&r| &ctx.scene.rooms[r].fire_area == fa).collect();
        let outdoor = rooms.iter().all(|&r| ctx.scene.rooms[r].outdoor);
        let room_ids: Vec<String> = rooms.iter().map(|&r| ctx.scene.rooms[r].id.clone()).collect();
        totals.push(FireAreaTotal {
            fire_area: fa.clone(),
            rooms: room_ids.clone(),
            outdoor,
            energy_kwh: by_chem.iter().map(|(c, e)| (*c, *e)).collect(),
        });
        if outdoor {
            continue;
        }
        let items_of = |ctx: &Ctx<'_>, chem: Option<Chemistry>| -> Vec<ObjectRef> {
            let mut v: Vec<ObjectRef> = vec![ObjectRef { kind: ObjectKind::FireArea, key: fa.clone() }];
            v.extend(room_ids.iter().map(|r| ObjectRef { kind: ObjectKind::Room, key: r.clone() }));
            let mut items: Vec<ObjectRef> = ctx
                .scene
                .objs
                .iter()
                .filter(|o| {
                    o.energy_kwh > 0.0
                        && o.room.is_some_and(|r| &ctx.scene.rooms[r].fire_area == fa)
                        && (chem.is_none() || o.chemistry == chem)
                })
                .map(|o| o.object_ref())
                .collect();
            items.sort();
            v.extend(items);
            v
        };
        let mut ratio_sum = 0.0;
        let mut limited = Vec::new();
        for (&chem, &e) in by_chem {
            let Some(max) = chemistry_limits(rs, chem).and_then(|l| l.max_per_fire_area_kwh) else { continue };
            ratio_sum += e / max;
            limited.push(format!("{} {} of {} kWh", chem.label(), fmt_num(e), fmt_num(max)));
            if exceeds(e, max) && ctx.enabled(RuleId::FireAreaEnergy) {
                let f = Found {
                    key: format!("{fa}:{}", chem.as_str()),
                    message: format!(
                        "Fire area {fa} holds {} kWh of {} batteries; at most {} kWh is allowed per fire area (above it the area becomes a Group H-2 occupancy). {WAYS_OUT}",
                        fmt_num(e),
                        chem.label(),
                        fmt_num(max)
                    ),
                    measure: at_most(e, max, Unit::Kwh),
                    objects: items_of(ctx, Some(chem)),
                    highlights: Vec::new(),
                };
                ctx.emit(RuleId::FireAreaEnergy, f);
            }
        }
        let pct = ratio_sum * 100.0;
        if limited.len() >= 2 && exceeds(pct, 100.0) && ctx.enabled(RuleId::FireAreaMixed) {
            let f = Found {
                key: fa.clone(),
                message: format!(
                    "Fire area {fa} mixes battery technologies ({}); the sum of each quantity over its maximum is {} %, at most 100 % is allowed. {WAYS_OUT}",
                    limited.join(", "),
                    fmt_num(pct)
                ),
                measure: at_most(pct, 100.0, Unit::Percent),
                objects: items_of(ctx, None),
                highlights: Vec::new(),
            };
            ctx.emit(RuleId::FireAreaMixed, f);
        }
    }
    (arrays, totals)
}
