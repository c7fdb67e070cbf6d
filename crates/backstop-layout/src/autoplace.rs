//! Auto-placement: put N cabinets of one catalog entry into a room in rows,
//! respecting what is already there, or say why they do not fit.
//!
//! Rows run across the facing direction; the first row stands with its back
//! to the far wall, each further row one *pitch* in front (cabinet depth plus
//! the larger of the working space, front + rear clearances and the array
//! spacing). Along a row, cabinets stand side by side in groups no larger
//! than the array limit, groups one array spacing apart. Every candidate
//! position is then verified by the full rule check: a position is taken
//! only if it adds no violation and worsens none, so the result always
//! passes the same rules the engineer sees. When cabinets remain, the
//! result says what stopped it: the fire area's aggregate energy, the floor
//! load, a single cabinet breaking a limit by itself, or lack of space (with
//! the rules that rejected positions, most frequent first).

use std::collections::{BTreeMap, HashMap};

use backstop_model::layout::{
    AutoPlaceRequest, AutoPlaceResult, Bound, CheckReport, Layout, PlaceLimit, PlacedEquipment, Placement, RuleId,
};

use crate::check::{CheckInput, check, fmt_num};
use crate::editor::next_tags;
use crate::geom::{self, Frame, P, Rect};
use crate::resolve::{resolve, room_outline, spec_problems};
use crate::rules::chemistry_limits;

/// Most full rule checks one request may run.
const MAX_CHECKS: usize = 20_000;
/// Most candidate positions one request may look at.
const MAX_CANDIDATES: usize = 2_000_000;

fn invalid(req: &AutoPlaceRequest, message: String) -> AutoPlaceResult {
    AutoPlaceResult {
        placed: Vec::new(),
        requested: req.count,
        summary: format!("Nothing was placed: {message}"),
        limit: Some(PlaceLimit::InvalidRequest { message }),
    }
}

/// Violations of a report by key, with the measured value.
fn by_key(r: &CheckReport) -> HashMap<&str, (f64, Bound)> {
    r.violations.iter().map(|v| (v.key.as_str(), (v.measure.measured, v.measure.bound))).collect()
}

/// Places the cabinets of `req` into `input.layout` (which is not changed);
/// the returned items are to be added to it.
pub fn auto_place(input: &CheckInput<'_>, req: &AutoPlaceRequest) -> AutoPlaceResult {
    let rules = input.rules;
    let errors = crate::rules::validate_rule_set(rules);
    if let Some(e) = errors.first() {
        return invalid(req, format!("the rule set is invalid ({}: {})", e.field, e.message));
    }
    let Some(room) = input.layout.rooms.iter().find(|r| r.id == req.room_id) else {
        return invalid(req, format!("room \"{}\" does not exist; pick a room of the layout", req.room_id));
    };
    let Some(poly) = room_outline(&room.shape) else {
        return invalid(req, format!("room {} has an invalid outline; fix it first", room.id));
    };
    let Some(spec) = input.specs.iter().find(|s| s.key == req.catalog_key) else {
        return invalid(req, format!("catalog entry \"{}\" is not in the project", req.catalog_key));
    };
    if let Some((field, msg)) = spec_problems(spec).into_iter().next() {
        return invalid(req, format!("{field}: {msg}"));
    }
    if req.count > 10_000 {
        return invalid(req, format!("{} cabinets is more than one room can take; ask for at most 10,000", req.count));
    }
    for (what, v) in [("voltage to ground", req.voltage_to_ground_v), ("ampacity", req.ampacity_a)] {
        if !(v.is_finite() && v >= 0.0) {
            return invalid(req, format!("the {what} is {v}; enter a finite value ≥ 0"));
        }
    }
    if req.tag_prefix.trim().is_empty() {
        return invalid(req, "the tag prefix is empty; enter one such as \"BC-\"".into());
    }
    if req.count == 0 {
        return AutoPlaceResult { placed: Vec::new(), requested: 0, limit: None, summary: "Nothing was requested.".into() };
    }

    // What limits apply to this cabinet.
    let ar = &rules.arrays;
    let ft = if ar.allow_fire_test_data { spec.fire_test.as_ref() } else { None };
    let outdoor = room.environment == backstop_model::layout::Environment::Outdoor;
    let chem = spec.chemistry.and_then(|c| chemistry_limits(rules, c));
    let array_rules = spec.energy_kwh > 0.0 && chem.is_some_and(|c| c.array_rules_apply) && (!outdoor || ar.apply_outdoors);
    let array_limit = match ft.and_then(|f| f.max_array_kwh) {
        Some(l) => l,
        None if spec.listed_pre_engineered => ar.listed_system_max_kwh,
        None => ar.max_array_kwh,
    };
    let above_threshold = chem.is_some_and(|c| spec.energy_kwh > c.threshold_kwh);
    if array_rules && above_threshold && spec.energy_kwh > array_limit {
        let message = format!(
            "one {} cabinet stores {} kWh, more than an array may hold ({} kWh); it needs large-scale fire-test data allowing a larger array",
            spec.key,
            fmt_num(spec.energy_kwh),
            fmt_num(array_limit)
        );
        return AutoPlaceResult {
            placed: Vec::new(),
            requested: req.count,
            summary: format!("Nothing was placed: {message}."),
            limit: Some(PlaceLimit::Cabinet { rule: RuleId::ArrayEnergy, message }),
        };
    }
    let listed_limit = ft.and_then(|f| f.max_array_kwh).unwrap_or(ar.listed_system_max_kwh);
    if array_rules && spec.listed_pre_engineered && spec.energy_kwh > listed_limit {
        let message = format!(
            "one {} system stores {} kWh, more than a listed pre-engineered system may ({} kWh)",
            spec.key,
            fmt_num(spec.energy_kwh),
            fmt_num(listed_limit)
        );
        return AutoPlaceResult {
            placed: Vec::new(),
            requested: req.count,
            summary: format!("Nothing was placed: {message}."),
            limit: Some(PlaceLimit::Cabinet { rule: RuleId::ListedSystemEnergy, message }),
        };
    }

    // Row geometry in the frame of the facing direction: u along the row,
    // v towards the fronts (rows advance in +v).
    let (w, d) = (f64::from(spec.width_mm), f64::from(spec.depth_mm));
    let c = req.clearances;
    let wall_gap = if array_rules { ft.and_then(|f| f.min_wall_spacing_mm).unwrap_or(ar.min_wall_spacing_mm) } else { 0 };
    let array_gap = if array_rules { ft.and_then(|f| f.min_spacing_mm).unwrap_or(ar.min_spacing_mm) } else { 0 };
    let side_gap = f64::from(c.left_mm.max(c.right_mm));
    let ws = &rules.working_space;
    let ws_depth = if spec.needs_working_space && req.voltage_to_ground_v > 0.0 {
        ws.bands
            .iter()
            .find(|b| req.voltage_to_ground_v <= b.max_v)
            .map_or(0.0, |b| f64::from(b.depth_mm[1]))
            .max(f64::from(spec.front_door_leaf_mm))
    } else {
        0.0
    };
    let front_gap = ws_depth.max(f64::from(c.front_mm) + f64::from(c.rear_mm)).max(f64::from(array_gap));
    let pitch_v = d + front_gap;
    let per_array = if array_rules && spec.energy_kwh > 0.0 {
        ((array_limit / spec.energy_kwh) * (1.0 + 1e-12)).floor().max(1.0) as usize
    } else {
        usize::MAX
    };
    let frame = Frame::new(P::new(0.0, 0.0), geom::front_dir(req.rotation));
    let local_room = frame.rect_to_local(&poly.bbox);
    let step = if req.search_step_mm > 0 {
        f64::from(req.search_step_mm)
    } else {
        let area = local_room.area().max(1.0);
        (w.min(d) / 4.0).clamp(50.0, 250.0).max((area / MAX_CANDIDATES as f64).sqrt()).round()
    };

    // Existing footprints (for a quick pre-filter before the full check).
    let scene = resolve(input.layout, input.specs, input.rack_spec);
    // Door swings are kept clear whether or not the rule set checks them.
    let mut taken: Vec<Rect> = scene.objs.iter().map(|o| o.rect).collect();
    taken.extend(scene.rooms.iter().flat_map(|r| r.doors.iter().filter_map(|d| d.swing_zone().map(|z| z.0))));
    drop(scene);

    let baseline = check(input);
    let base = by_key(&baseline);
    let mut work: Layout = input.layout.clone();
    let tags = next_tags(
        work.equipment
            .iter()
            .map(|e| e.tag.as_str())
            .chain(work.racks.iter().map(|r| r.tag.as_str()))
            .chain(work.power_units.iter().map(|u| u.tag.as_str())),
        &req.tag_prefix,
        req.count as usize,
    );
    let mut placed: Vec<PlacedEquipment> = Vec::new();
    let mut rejected: BTreeMap<RuleId, u32> = BTreeMap::new();
    let mut limit: Option<PlaceLimit> = None;
    let (mut checks, mut candidates) = (0usize, 0usize);
    let mut budget_hit = false;

    let v_start = local_room.y0 + f64::from(c.rear_mm.max(wall_gap)) + d / 2.0;
    let u_start = local_room.x0 + f64::from(wall_gap).max(side_gap) + w / 2.0;
    let mut v = v_start;
    'rows: while v + d / 2.0 <= local_room.y1 && placed.len() < tags.len() {
        let mut u = u_start;
        let mut in_row = 0usize;
        let mut run = 0usize; // cabinets in the current array
        let mut last_end: Option<f64> = None;
        while u + w / 2.0 <= local_room.x1 && placed.len() < tags.len() {
            candidates += 1;
            if candidates > MAX_CANDIDATES || checks > MAX_CHECKS {
                budget_hit = true;
                break 'rows;
            }
            let center = frame.to_plan(P::new(u, v));
            let pos = center.to_point();
            let rect = geom::footprint(P::from_point(pos), w, d, req.rotation);
            if poly.rect_excursion(&rect).0 > 0.0 || taken.iter().any(|t| t.overlaps(&rect)) {
                u += step;
                continue;
            }
            // A cabinet starting further than the array spacing from the
            // previous one starts a new array.
            if last_end.is_some_and(|e| u - w / 2.0 - e >= f64::from(array_gap)) {
                run = 0;
            }
            let tag = tags[placed.len()].clone();
            let item = PlacedEquipment {
                tag,
                catalog_key: req.catalog_key.clone(),
                placement: Placement { room_id: req.room_id.clone(), position: pos, rotation: req.rotation },
                clearances: c,
                voltage_to_ground_v: req.voltage_to_ground_v,
                ampacity_a: req.ampacity_a,
                serves_case: None,
            };
            work.equipment.push(item);
            checks += 1;
            let report = check(&CheckInput { layout: &work, ..*input });
            let worse: Vec<_> = report
                .violations
                .iter()
                .filter(|x| match base.get(x.key.as_str()) {
                    None => true,
                    Some(&(m, Bound::AtLeast)) => x.measure.measured < m,
                    Some(&(m, Bound::AtMost)) => x.measure.measured > m,
                })
                .collect();
            if worse.is_empty() {
                if let Some(item) = work.equipment.last() {
                    placed.push(item.clone());
                }
                taken.push(rect);
                in_row += 1;
                run += 1;
                last_end = Some(u + w / 2.0);
                u += w + if run >= per_array {
                    run = 0;
                    f64::from(array_gap).max(side_gap)
                } else {
                    side_gap
                };
                continue;
            }
            work.equipment.pop();
            if let Some(fa) = worse.iter().find(|x| matches!(x.rule, RuleId::FireAreaEnergy | RuleId::FireAreaMixed)) {
                let fire_area = fa.objects.first().map(|o| o.key.clone()).unwrap_or_default();
                let (energy_kwh, limit_kwh) = if fa.rule == RuleId::FireAreaEnergy {
                    (fa.measure.measured - spec.energy_kwh, fa.measure.required)
                } else {
                    let now = report
                        .fire_areas
                        .iter()
                        .find(|f| f.fire_area == fire_area)
                        .map_or(0.0, |f| f.energy_kwh.iter().filter(|(c, _)| Some(*c) == spec.chemistry).map(|(_, e)| e).sum::<f64>());
                    (now - spec.energy_kwh, chem.and_then(|c| c.max_per_fire_area_kwh).unwrap_or(0.0))
                };
                limit = Some(PlaceLimit::FireAreaEnergy { fire_area, energy_kwh, limit_kwh });
                break 'rows;
            }
            if let Some(fl) = worse.iter().find(|x| x.rule == RuleId::FloorLoadRoom) {
                let area_m2 = poly.area / 1e6;
                let load_now = fl.measure.measured - spec.mass_kg / area_m2;
                limit = Some(PlaceLimit::FloorLoad { load_kg_m2: load_now, allowable_kg_m2: fl.measure.required });
                break 'rows;
            }
            for x in &worse {
                *rejected.entry(x.rule).or_insert(0) += 1;
            }
            u += step;
        }
        v += if in_row > 0 { pitch_v } else { step };
    }

    let n = placed.len() as u32;
    if n < req.count && limit.is_none() {
        let mut by: Vec<(RuleId, u32)> = rejected.into_iter().collect();
        by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        limit = Some(PlaceLimit::NoSpace { rejected_by: by });
    }
    let summary = summarize(req, n, &limit, budget_hit, step);
    AutoPlaceResult { placed, requested: req.count, limit, summary }
}

fn summarize(req: &AutoPlaceRequest, n: u32, limit: &Option<PlaceLimit>, budget_hit: bool, step: f64) -> String {
    let head = format!("Placed {n} of {} {} cabinet(s) in room {}.", req.count, req.catalog_key, req.room_id);
    let why = match limit {
        None => return head,
        Some(PlaceLimit::FireAreaEnergy { fire_area, energy_kwh, limit_kwh }) => format!(
            "Fire area {fire_area} would exceed its aggregate limit of {} kWh with one more ({} kWh there now).",
            fmt_num(*limit_kwh),
            fmt_num(*energy_kwh)
        ),
        Some(PlaceLimit::FloorLoad { load_kg_m2, allowable_kg_m2 }) => {
            format!("One more would overload the floor: {} kg/m² now, {} kg/m² allowed.", fmt_num(*load_kg_m2), fmt_num(*allowable_kg_m2))
        }
        Some(PlaceLimit::Cabinet { message, .. }) | Some(PlaceLimit::InvalidRequest { message }) => message.clone(),
        Some(PlaceLimit::NoSpace { rejected_by }) => {
            let top: Vec<String> = rejected_by.iter().take(3).map(|(r, k)| format!("{} ({k} positions)", r.as_str())).collect();
            if top.is_empty() {
                "No free position is left in the room.".to_owned()
            } else {
                format!("No free position is left that satisfies every rule; rejected most often by {}.", top.join(", "))
            }
        }
    };
    let budget = if budget_hit {
        format!(" The search stopped at its budget; try a larger search step than {} mm.", fmt_num(step))
    } else {
        String::new()
    };
    format!("{head} {why}{budget}")
}
