//! Glue between the Layout area and the layout crate: builds the
//! [`LayoutView`] (footprints, rule set in force, full check — the layout
//! rules and the layout held against the project's sizing results — bill of
//! materials, placeable catalog entries) from an open project, turns each
//! [`LayoutEdit`] into one labelled store edit (one undo step), runs
//! auto-placement, manages the project's rule sets and renders exports
//! (BOM CSV, plan SVG, plan PNG with an embedded font).
//!
//! All geometry and rule logic lives in `backstop-layout`; this module only
//! reads the project, calls it and writes the result back.

use std::collections::BTreeSet;

use backstop_layout::editor::{self, EditError, Move, NewItem};
use backstop_layout::electrical;
use backstop_layout::{CheckInput, LoadedDesign, SvgOptions};
use backstop_model::AppError;
use backstop_model::catalog::{CatalogEntry, EntryKind};
use backstop_model::error::capitalise;
use backstop_model::layout::{
    Clearances, Diagnostic, EquipmentSpec, ItRack, Layout, ObjectKind, ObjectRef, PlacedEquipment, Placement, Point, PowerUnit, RackSpec,
    Room, Rotation, RuleSet, Severity,
};
use backstop_model::layout_view::{
    AutoPlaceCall, AutoPlaceOutcome, CatalogChoice, EditOutcome, Footprint, ItemClass, LayoutEdit, LayoutView, RuleSetChoice,
    RuleSetOrigin, RuleSetSaveOutcome,
};
use backstop_model::project::Design;
use backstop_model::record::{Body, RecordKind};
use backstop_store::Project;

use crate::session::store_error;

/// The project's design read for the layout crate, with the rule set in
/// force (or why it cannot be used).
struct Loaded {
    loaded: LoadedDesign,
    rules: Result<RuleSet, String>,
}

impl std::ops::Deref for Loaded {
    type Target = LoadedDesign;
    fn deref(&self) -> &LoadedDesign {
        &self.loaded
    }
}

fn load(project: &Project) -> Result<Loaded, AppError> {
    let design = project.design().map_err(store_error)?;
    let rules = backstop_layout::rules::project_rule_set(&design.settings);
    Ok(Loaded { loaded: LoadedDesign::new(design), rules })
}

fn invalid(e: EditError) -> AppError {
    AppError::invalid(capitalise(&format!("{e}.")))
}

/// Everything the Layout area shows.
pub fn view(project: &Project) -> Result<LayoutView, AppError> {
    let l = load(project)?;
    Ok(view_of(&l, project.access() == backstop_store::Access::View))
}

fn view_of(l: &Loaded, read_only: bool) -> LayoutView {
    let layout = &l.design.layout;
    let (rule_set, rule_set_problem, report) = match &l.rules {
        Ok(rs) => (Some(rs.clone()), None, l.check(rs)),
        Err(msg) => {
            let report = backstop_model::layout::CheckReport {
                diagnostics: vec![Diagnostic {
                    severity: Severity::Error,
                    field: "settings.rule_set".into(),
                    message: format!("{}. Choose another rule set or fix this one.", capitalise(msg)),
                    objects: Vec::new(),
                }],
                ..Default::default()
            };
            (None, Some(capitalise(msg)), l.with_notes(report))
        }
    };
    let bom = backstop_layout::bom(layout, &l.specs, l.rack_spec.as_ref());
    LayoutView {
        layout: layout.clone(),
        footprints: footprints(layout, &l.specs, l.rack_spec.as_ref()),
        specs: l.specs.clone(),
        rule_set,
        rule_set_problem,
        rule_sets: rule_set_choices(&l.design),
        report,
        bom,
        catalog: catalog_choices(&l.design),
        read_only,
    }
}

/// Footprints of every placed item (items without a known size get a
/// 500 mm marker so they can still be selected and fixed).
fn footprints(layout: &Layout, specs: &[EquipmentSpec], rack: Option<&RackSpec>) -> Vec<Footprint> {
    let scene = backstop_layout::resolve::resolve(layout, specs, rack);
    let mut out = Vec::with_capacity(scene.items);
    let mut seen = BTreeSet::new();
    // Placed items only: columns are drawn with their room.
    for o in &scene.objs[..scene.items] {
        let (min, max) = o.rect.to_points();
        let class = match o.kind {
            ObjectKind::Rack => ItemClass::Rack,
            ObjectKind::PowerUnit => ItemClass::PowerUnit,
            _ if o.is_battery() => ItemClass::Battery,
            _ => ItemClass::Other,
        };
        seen.insert((o.kind, o.key));
        let room_id = o.room.and_then(|r| scene.rooms.get(r)).map(|r| r.id.clone()).unwrap_or_default();
        out.push(Footprint {
            object: o.object_ref(),
            room_id,
            center: o.center.to_point(),
            min,
            max,
            rotation_deg: o.rot.degrees(),
            class,
            known: true,
        });
    }
    let marker = |kind: ObjectKind, key: &str, p: &Placement, class: ItemClass| Footprint {
        object: ObjectRef { kind, key: key.to_owned() },
        room_id: p.room_id.clone(),
        center: p.position,
        min: Point::new(p.position.x_mm.saturating_sub(250), p.position.y_mm.saturating_sub(250)),
        max: Point::new(p.position.x_mm.saturating_add(250), p.position.y_mm.saturating_add(250)),
        rotation_deg: p.rotation.degrees(),
        class,
        known: false,
    };
    for e in &layout.equipment {
        if !seen.contains(&(ObjectKind::Equipment, e.tag.as_str())) {
            out.push(marker(ObjectKind::Equipment, &e.tag, &e.placement, ItemClass::Other));
        }
    }
    for r in &layout.racks {
        if !seen.contains(&(ObjectKind::Rack, r.tag.as_str())) {
            out.push(marker(ObjectKind::Rack, &r.tag, &r.placement, ItemClass::Rack));
        }
    }
    for u in &layout.power_units {
        if !seen.contains(&(ObjectKind::PowerUnit, u.tag.as_str())) {
            out.push(marker(ObjectKind::PowerUnit, &u.tag, &u.placement, ItemClass::PowerUnit));
        }
    }
    out
}

fn rule_set_choices(design: &Design) -> Vec<RuleSetChoice> {
    let current = design.settings.rule_set.clone().unwrap_or_else(|| backstop_layout::DEFAULT_RULE_SET_ID.to_owned());
    let mut out: Vec<RuleSetChoice> = design
        .settings
        .rule_sets
        .iter()
        .map(|r| RuleSetChoice { id: r.id.clone(), name: r.name.clone(), origin: RuleSetOrigin::Project, in_force: r.id == current })
        .collect();
    for r in backstop_layout::builtin_rule_sets() {
        if !out.iter().any(|c| c.id == r.id) {
            out.push(RuleSetChoice { in_force: r.id == current, id: r.id, name: r.name, origin: RuleSetOrigin::Builtin });
        }
    }
    out
}

fn choice_of(entry: &CatalogEntry, in_project: bool) -> CatalogChoice {
    let (w, d, _) = entry.dimensions_mm();
    let mm = |v: f64| if v.is_finite() && v > 0.0 { v.round().min(f64::from(u32::MAX)) as u32 } else { 0 };
    CatalogChoice {
        key: entry.key.clone(),
        name: entry.display_name(),
        kind: entry.kind.as_str().to_owned(),
        in_project,
        width_mm: mm(w),
        depth_mm: mm(d),
        energy_kwh: entry.energy_kwh(),
    }
}

fn catalog_choices(design: &Design) -> Vec<CatalogChoice> {
    let mut out = Vec::new();
    for rec in &design.catalog {
        if rec.record_kind() == RecordKind::ItRack {
            continue;
        }
        match rec.read() {
            Body::Entry(e) if e.kind.stands_on_floor() => out.push(choice_of(&e, true)),
            Body::Entry(_) => {}
            other => {
                let spec = match other {
                    Body::Spec(s) => Some(s),
                    _ => None,
                };
                out.push(CatalogChoice {
                    key: rec.key.clone(),
                    name: rec.name.clone(),
                    kind: rec.kind.clone(),
                    in_project: true,
                    width_mm: spec.as_ref().map_or(0, |s| s.width_mm),
                    depth_mm: spec.as_ref().map_or(0, |s| s.depth_mm),
                    energy_kwh: spec.as_ref().map_or(0.0, |s| s.energy_kwh),
                });
            }
        }
    }
    for e in backstop_sizing::default_catalog() {
        if e.kind.stands_on_floor() && !out.iter().any(|c| c.key == e.key) {
            out.push(choice_of(e, false));
        }
    }
    out.sort_by(|a, b| (!a.in_project, &a.kind, &a.key).cmp(&(!b.in_project, &b.kind, &b.key)));
    out
}

// ---------------------------------------------------------------------------
// Edits.
// ---------------------------------------------------------------------------

/// "BC-02" for one item, "3 items" for more.
fn what(objects: &[ObjectRef]) -> String {
    match objects {
        [one] => one.key.clone(),
        many => format!("{} items", many.len()),
    }
}

fn need_selection(objects: &[ObjectRef], verb: &str) -> Result<(), AppError> {
    if objects.is_empty() {
        return Err(AppError::invalid(format!(
            "Select the items to {verb} first (click one, shift-click more, or drag a box around them)."
        )));
    }
    Ok(())
}

/// The room whose outline contains `p`, preferring `current`.
fn room_at(layout: &Layout, p: Point, current: &str) -> String {
    let q = backstop_layout::geom::P::from_point(p);
    let inside = |r: &Room| backstop_layout::resolve::room_outline(&r.shape).is_some_and(|poly| poly.contains_point(q));
    if layout.rooms.iter().any(|r| r.id == current && inside(r)) {
        return current.to_owned();
    }
    layout.rooms.iter().find(|r| inside(r)).map_or_else(|| current.to_owned(), |r| r.id.clone())
}

/// Writes moved placements as one edit.
fn save_moves(project: &mut Project, layout: &Layout, moves: &[Move], label: &str) -> Result<(), AppError> {
    let mut changed = layout.clone();
    editor::apply_moves(&mut changed, moves);
    project
        .edit(label, |e| {
            for m in moves {
                match m.object.kind {
                    ObjectKind::Equipment => {
                        if let Some(x) = changed.equipment.iter().find(|x| x.tag == m.object.key) {
                            e.put_equipment(x)?;
                        }
                    }
                    ObjectKind::Rack => {
                        if let Some(x) = changed.racks.iter().find(|x| x.tag == m.object.key) {
                            e.put_rack(x)?;
                        }
                    }
                    ObjectKind::PowerUnit => {
                        if let Some(x) = changed.power_units.iter().find(|x| x.tag == m.object.key) {
                            e.put_power_unit(x)?;
                        }
                    }
                    _ => {}
                }
            }
            Ok(())
        })
        .map_err(store_error)
}

fn placement_of<'a>(layout: &'a Layout, o: &ObjectRef) -> Option<&'a Placement> {
    match o.kind {
        ObjectKind::Equipment => layout.equipment.iter().find(|e| e.tag == o.key).map(|e| &e.placement),
        ObjectKind::Rack => layout.racks.iter().find(|e| e.tag == o.key).map(|e| &e.placement),
        ObjectKind::PowerUnit => layout.power_units.iter().find(|e| e.tag == o.key).map(|e| &e.placement),
        _ => None,
    }
}

/// Applies one editor operation as one undoable edit.
pub fn apply(project: &mut Project, edit: &LayoutEdit) -> Result<EditOutcome, AppError> {
    let l = load(project)?;
    let layout = &l.design.layout;
    let specs = &l.specs;
    let (label, select): (String, Vec<ObjectRef>) = match edit {
        LayoutEdit::MoveTo { moves } => {
            let objects: Vec<ObjectRef> = moves.iter().map(|m| m.object.clone()).collect();
            need_selection(&objects, "move")?;
            let mut out = Vec::new();
            for m in moves {
                let p = placement_of(layout, &m.object)
                    .ok_or_else(|| AppError::invalid(format!("{} is not a placed item of this layout; reload the plan.", m.object.key)))?;
                if !backstop_layout::resolve::point_ok(m.position) {
                    return Err(invalid(EditError::OutOfRange));
                }
                let room_id = room_at(layout, m.position, &p.room_id);
                out.push(Move { object: m.object.clone(), placement: Placement { room_id, position: m.position, rotation: p.rotation } });
            }
            let label = format!("Move {}", what(&objects));
            save_moves(project, layout, &out, &label)?;
            (label, objects)
        }
        LayoutEdit::Nudge { objects, dx_mm, dy_mm } => {
            need_selection(objects, "nudge")?;
            let moves = editor::nudge(layout, objects, *dx_mm, *dy_mm).map_err(invalid)?;
            let label = format!("Nudge {}", what(objects));
            save_moves(project, layout, &moves, &label)?;
            (label, objects.clone())
        }
        LayoutEdit::Rotate { objects, turn } => {
            need_selection(objects, "rotate")?;
            let moves = editor::rotate_selection(layout, specs, objects, *turn).map_err(invalid)?;
            let label = format!("Rotate {}", what(objects));
            save_moves(project, layout, &moves, &label)?;
            (label, objects.clone())
        }
        LayoutEdit::Align { objects, how } => {
            if objects.len() < 2 {
                return Err(AppError::invalid("Select at least two items to align."));
            }
            let moves = editor::align(layout, specs, objects, *how).map_err(invalid)?;
            let label = format!("Align {}", what(objects));
            save_moves(project, layout, &moves, &label)?;
            (label, objects.clone())
        }
        LayoutEdit::Distribute { objects, axis } => {
            if objects.len() < 3 {
                return Err(AppError::invalid("Select at least three items to distribute (the outer two stay where they are)."));
            }
            let moves = editor::distribute(layout, specs, objects, *axis).map_err(invalid)?;
            let label = format!("Distribute {}", what(objects));
            save_moves(project, layout, &moves, &label)?;
            (label, objects.clone())
        }
        LayoutEdit::Delete { objects } => {
            need_selection(objects, "delete")?;
            let label = format!("Delete {}", what(objects));
            // Doors and columns live in their rooms: those rooms are saved without them.
            let reshaped = backstop_layout::rooms::remove_features(layout, objects).map_err(invalid)?;
            project
                .edit(&label, |e| {
                    for r in &reshaped {
                        e.put_room(r)?;
                    }
                    for o in objects {
                        match o.kind {
                            ObjectKind::Equipment => e.delete_equipment(&o.key)?,
                            ObjectKind::Rack => e.delete_rack(&o.key)?,
                            ObjectKind::PowerUnit => e.delete_power_unit(&o.key)?,
                            ObjectKind::EgressPath => e.delete_egress_path(&o.key)?,
                            ObjectKind::Room => e.delete_room(&o.key)?,
                            ObjectKind::FireArea | ObjectKind::Spec | ObjectKind::Door | ObjectKind::Column => {}
                        }
                    }
                    Ok(())
                })
                .map_err(store_error)?;
            (label, Vec::new())
        }
        LayoutEdit::DuplicateRow { template, count, pitch_mm, direction } => {
            if *count == 0 {
                return Err(AppError::invalid("Enter how many copies to make (1 or more)."));
            }
            let items = editor::duplicate_row(layout, template, *count, *pitch_mm, *direction).map_err(invalid)?;
            let label = format!("Duplicate row of {count}");
            let mut select = Vec::new();
            project
                .edit(&label, |e| {
                    for it in &items {
                        match it {
                            NewItem::Equipment(x) => {
                                select.push(ObjectRef { kind: ObjectKind::Equipment, key: x.tag.clone() });
                                e.put_equipment(x)?
                            }
                            NewItem::Rack(x) => {
                                select.push(ObjectRef { kind: ObjectKind::Rack, key: x.tag.clone() });
                                e.put_rack(x)?
                            }
                            NewItem::PowerUnit(x) => {
                                select.push(ObjectRef { kind: ObjectKind::PowerUnit, key: x.tag.clone() });
                                e.put_power_unit(x)?
                            }
                        }
                    }
                    Ok(())
                })
                .map_err(store_error)?;
            (label, select)
        }
        LayoutEdit::PutRoom { room, previous_id } => {
            let id = room.id.trim();
            if id.is_empty() {
                return Err(AppError::invalid("Give the room an id (e.g. ESS-1); items refer to rooms by id."));
            }
            let exists = layout.rooms.iter().any(|r| r.id == id);
            let renamed = previous_id.as_deref().filter(|p| *p != id);
            if exists && (previous_id.is_none() || renamed.is_some()) {
                return Err(AppError::invalid(format!("A room with id {id} already exists; choose another id.")));
            }
            let label = match (previous_id, renamed) {
                (None, _) => format!("Add room {id}"),
                (Some(p), Some(_)) => format!("Rename room {p} to {id}"),
                (Some(_), None) => format!("Edit room {id}"),
            };
            let mut room = backstop_layout::rooms::reshape(room).map_err(invalid)?;
            room.id = id.to_owned();
            project
                .edit(&label, |e| {
                    e.put_room(&room)?;
                    if let Some(old) = renamed {
                        // Items follow the room to its new id.
                        for x in layout.equipment.iter().filter(|x| x.placement.room_id == old) {
                            e.put_equipment(&PlacedEquipment {
                                placement: Placement { room_id: room.id.clone(), ..x.placement.clone() },
                                ..x.clone()
                            })?;
                        }
                        for x in layout.racks.iter().filter(|x| x.placement.room_id == old) {
                            e.put_rack(&ItRack { placement: Placement { room_id: room.id.clone(), ..x.placement.clone() }, ..x.clone() })?;
                        }
                        for x in layout.power_units.iter().filter(|x| x.placement.room_id == old) {
                            e.put_power_unit(&PowerUnit {
                                placement: Placement { room_id: room.id.clone(), ..x.placement.clone() },
                                ..x.clone()
                            })?;
                        }
                        e.delete_room(old)?;
                    }
                    Ok(())
                })
                .map_err(store_error)?;
            (label, vec![ObjectRef { kind: ObjectKind::Room, key: room.id.clone() }])
        }
        LayoutEdit::PutEquipment { item, previous_tag } => {
            let (label, key) = put_tagged(project, layout, &item.tag, previous_tag.as_deref(), |e, old| {
                if let Some(old) = old {
                    e.delete_equipment(old)?;
                }
                e.put_equipment(item)
            })?;
            (label, vec![ObjectRef { kind: ObjectKind::Equipment, key }])
        }
        LayoutEdit::PutRack { rack, previous_tag } => {
            let (label, key) = put_tagged(project, layout, &rack.tag, previous_tag.as_deref(), |e, old| {
                if let Some(old) = old {
                    e.delete_rack(old)?;
                }
                e.put_rack(rack)
            })?;
            (label, vec![ObjectRef { kind: ObjectKind::Rack, key }])
        }
        LayoutEdit::PutPowerUnit { unit, previous_tag } => {
            let (label, key) = put_tagged(project, layout, &unit.tag, previous_tag.as_deref(), |e, old| {
                if let Some(old) = old {
                    e.delete_power_unit(old)?;
                }
                e.put_power_unit(unit)
            })?;
            (label, vec![ObjectRef { kind: ObjectKind::PowerUnit, key }])
        }
        LayoutEdit::PutEgressPath { path, previous_id } => {
            let path = backstop_layout::rooms::check_egress_path(layout, path, previous_id.as_deref()).map_err(invalid)?;
            let id = path.id.clone();
            let renamed = previous_id.as_deref().filter(|p| *p != id);
            let label = if previous_id.is_some() { format!("Edit egress path {id}") } else { format!("Add egress path {id}") };
            project
                .edit(&label, |e| {
                    if let Some(old) = renamed {
                        e.delete_egress_path(old)?;
                    }
                    e.put_egress_path(&path)
                })
                .map_err(store_error)?;
            (label, vec![ObjectRef { kind: ObjectKind::EgressPath, key: id }])
        }
        LayoutEdit::AddRoom { origin, width_mm, depth_mm } => {
            let shape = backstop_layout::rooms::rectangle(*origin, *width_mm, *depth_mm).map_err(invalid)?;
            add_room(project, backstop_layout::rooms::new_room(layout, shape))?
        }
        LayoutEdit::DrawRoom { corners } => {
            let shape = backstop_layout::rooms::outline_from_corners(corners).map_err(invalid)?;
            add_room(project, backstop_layout::rooms::new_room(layout, shape))?
        }
        LayoutEdit::AddDoor { at, width_mm } => {
            let (room_id, door) = backstop_layout::rooms::place_door(layout, *at, *width_mm).map_err(invalid)?;
            let label = format!("Add door {} to room {room_id}", door.id);
            let key = door.id.clone();
            put_room_with(project, layout, &room_id, &label, |r| r.doors.push(door))?;
            (label, vec![ObjectRef { kind: ObjectKind::Door, key }])
        }
        LayoutEdit::AddColumn { at, width_mm, depth_mm } => {
            let (room_id, column) = backstop_layout::rooms::place_column(layout, *at, *width_mm, *depth_mm).map_err(invalid)?;
            let label = format!("Add column {} to room {room_id}", column.id);
            let key = column.id.clone();
            put_room_with(project, layout, &room_id, &label, |r| r.columns.push(column))?;
            (label, vec![ObjectRef { kind: ObjectKind::Column, key }])
        }
        LayoutEdit::PutDoor { room_id, door, previous_key } => {
            let at = feature_in(layout, ObjectKind::Door, previous_key, room_id)?;
            let room = &layout.rooms[at.0];
            let mut door = door.clone();
            door.id = door.id.trim().to_owned();
            if door.id.is_empty() {
                door.id = backstop_layout::rooms::next_feature_id(layout, "D-");
            }
            if !backstop_layout::rooms::feature_id_free(layout, &door.id, Some(previous_key)) {
                return Err(AppError::invalid(format!("A door or column with id {} already exists; choose another id.", door.id)));
            }
            let door = backstop_layout::rooms::fit_door(room, &door).map_err(invalid)?;
            let label = format!("Edit door {}", door.id);
            let key = door.id.clone();
            put_room_with(project, layout, room_id, &label, |r| r.doors[at.1] = door)?;
            (label, vec![ObjectRef { kind: ObjectKind::Door, key }])
        }
        LayoutEdit::PutColumn { room_id, column, previous_id } => {
            let at = feature_in(layout, ObjectKind::Column, previous_id, room_id)?;
            let mut column = column.clone();
            column.id = column.id.trim().to_owned();
            if column.id.is_empty() {
                return Err(AppError::invalid("Give the column an id (e.g. C-1); violations name it."));
            }
            if !backstop_layout::rooms::feature_id_free(layout, &column.id, Some(previous_id)) {
                return Err(AppError::invalid(format!("A door or column with id {} already exists; choose another id.", column.id)));
            }
            backstop_layout::rooms::check_column(&layout.rooms[at.0], &column).map_err(invalid)?;
            let label = format!("Edit column {}", column.id);
            let key = column.id.clone();
            put_room_with(project, layout, room_id, &label, |r| r.columns[at.1] = column)?;
            (label, vec![ObjectRef { kind: ObjectKind::Column, key }])
        }
        LayoutEdit::AddFromCatalog { catalog_key, room_id, position, tag_prefix } => {
            add_from_catalog(project, &l.design, catalog_key, room_id, *position, tag_prefix)?
        }
        LayoutEdit::AddRack { room_id, position, load_kw } => {
            let rack = backstop_layout::rooms::new_rack(layout, room_id, *position, *load_kw).map_err(invalid)?;
            let tag = rack.tag.clone();
            let label = format!("Add rack {tag}");
            project.edit(&label, |e| e.put_rack(&rack)).map_err(store_error)?;
            (label, vec![ObjectRef { kind: ObjectKind::Rack, key: tag }])
        }
        LayoutEdit::AddEgressPath { room_id } => {
            let path = backstop_layout::rooms::new_egress_path(layout, room_id).map_err(invalid)?;
            let id = path.id.clone();
            let label = format!("Add egress path {id}");
            project.edit(&label, |e| e.put_egress_path(&path)).map_err(store_error)?;
            (label, vec![ObjectRef { kind: ObjectKind::EgressPath, key: id }])
        }
    };
    Ok(EditOutcome { label, view: view(project)?, select })
}

/// Saves a new room as one edit.
fn add_room(project: &mut Project, room: Room) -> Result<(String, Vec<ObjectRef>), AppError> {
    let label = format!("Add room {}", room.id);
    project.edit(&label, |e| e.put_room(&room)).map_err(store_error)?;
    Ok((label, vec![ObjectRef { kind: ObjectKind::Room, key: room.id }]))
}

/// Where the door or column `key` is (room index, index), checked to be in `room_id`.
fn feature_in(layout: &Layout, kind: ObjectKind, key: &str, room_id: &str) -> Result<(usize, usize), AppError> {
    let o = ObjectRef { kind, key: key.to_owned() };
    match backstop_layout::rooms::find_feature(layout, &o) {
        Some(at) if layout.rooms[at.0].id == room_id => Ok(at),
        _ => Err(AppError::invalid(format!("{key} is not in room {room_id} of this layout; reload the plan."))),
    }
}

/// Saves room `room_id` changed by `f` as one edit.
fn put_room_with(project: &mut Project, layout: &Layout, room_id: &str, label: &str, f: impl FnOnce(&mut Room)) -> Result<(), AppError> {
    let mut room = layout
        .rooms
        .iter()
        .find(|r| r.id == room_id)
        .cloned()
        .ok_or_else(|| AppError::invalid(format!("Room {room_id} does not exist; reload the plan.")))?;
    f(&mut room);
    project.edit(label, |e| e.put_room(&room)).map_err(store_error)
}

/// Saves an item that may have been renamed; returns the label and new tag.
fn put_tagged(
    project: &mut Project,
    layout: &Layout,
    tag: &str,
    previous: Option<&str>,
    f: impl FnOnce(&mut backstop_store::Edit<'_>, Option<&str>) -> backstop_store::Result<()>,
) -> Result<(String, String), AppError> {
    if tag.trim().is_empty() || tag != tag.trim() {
        return Err(AppError::invalid("Give the item a tag without leading or trailing spaces (e.g. BC-01)."));
    }
    let renamed = previous.filter(|p| *p != tag);
    if (previous.is_none() || renamed.is_some()) && editor::all_tags(layout).contains(&tag) {
        return Err(AppError::invalid(format!("Tag {tag} is already used; tags must be unique on the plan.")));
    }
    let label = match (previous, renamed) {
        (None, _) => format!("Add {tag}"),
        (Some(p), Some(_)) => format!("Rename {p} to {tag}"),
        (Some(_), None) => format!("Edit {tag}"),
    };
    project.edit(&label, |e| f(e, renamed)).map_err(store_error)?;
    Ok((label, tag.to_owned()))
}

fn add_from_catalog(
    project: &mut Project,
    design: &Design,
    key: &str,
    room_id: &str,
    position: Point,
    tag_prefix: &str,
) -> Result<(String, Vec<ObjectRef>), AppError> {
    let layout = &design.layout;
    if !layout.rooms.iter().any(|r| r.id == room_id) {
        return Err(AppError::invalid(format!("Room {room_id} does not exist; pick a room of the layout.")));
    }
    if !backstop_layout::resolve::point_ok(position) {
        return Err(invalid(EditError::OutOfRange));
    }
    let in_project = design.catalog.iter().find(|r| r.key == key);
    let entry: Option<CatalogEntry> = match in_project {
        Some(rec) => match rec.read() {
            Body::Entry(e) => Some(*e),
            _ => None,
        },
        None => backstop_sizing::find(backstop_sizing::default_catalog(), key).cloned(),
    };
    if in_project.is_none() && entry.is_none() {
        return Err(AppError::invalid(format!("Catalog entry {key} is neither in the project nor built in; pick an entry from the list.")));
    }
    let kind = entry.as_ref().map(|e| e.kind);
    let prefix = match tag_prefix.trim() {
        "" => backstop_model::catalog::tag_prefix_of(kind),
        p => p,
    }
    .to_owned();
    let tag = editor::next_tags(editor::all_tags(layout), &prefix, 1).pop().unwrap_or_else(|| format!("{prefix}NEW"));
    let placement = Placement { room_id: room_id.to_owned(), position, rotation: Rotation::R0 };
    // Starting ratings for the working-space rules.
    let power_kw = entry.as_ref().map_or(0.0, CatalogEntry::power_kw);
    let ratings = electrical::placed_ratings(entry.as_ref());
    let label = format!("Add {tag}");
    let unit_kind = kind.and_then(EntryKind::power_unit_kind);
    let obj = match unit_kind {
        Some(_) => ObjectRef { kind: ObjectKind::PowerUnit, key: tag.clone() },
        None => ObjectRef { kind: ObjectKind::Equipment, key: tag.clone() },
    };
    project
        .edit(&label, |e| {
            if in_project.is_none()
                && let Some(entry) = &entry
            {
                e.use_catalog_entry(entry)?;
            }
            match unit_kind {
                Some(unit_kind) => e.put_power_unit(&PowerUnit {
                    tag: tag.clone(),
                    kind: unit_kind,
                    catalog_key: Some(key.to_owned()),
                    placement: placement.clone(),
                    clearances: Clearances::default(),
                    rated_kw: power_kw,
                    voltage_to_ground_v: ratings.voltage_to_ground_v,
                    ampacity_a: ratings.ampacity_a,
                    serves: Vec::new(),
                    serves_case: None,
                }),
                None => e.put_equipment(&PlacedEquipment {
                    tag: tag.clone(),
                    catalog_key: key.to_owned(),
                    placement: placement.clone(),
                    clearances: Clearances::default(),
                    voltage_to_ground_v: ratings.voltage_to_ground_v,
                    ampacity_a: ratings.ampacity_a,
                    serves_case: None,
                }),
            }
        })
        .map_err(store_error)?;
    Ok((label, vec![obj]))
}

// ---------------------------------------------------------------------------
// Auto-placement.
// ---------------------------------------------------------------------------

/// Auto-places cabinets; saves them as one edit when `call.apply`.
pub fn auto_place(project: &mut Project, call: &AutoPlaceCall) -> Result<AutoPlaceOutcome, AppError> {
    let mut design = project.design().map_err(store_error)?;
    let key = &call.request.catalog_key;
    // A built-in entry is considered as if copied into the project.
    let builtin = if design.catalog.iter().any(|r| &r.key == key) {
        None
    } else {
        let e = backstop_sizing::find(backstop_sizing::default_catalog(), key).ok_or_else(|| {
            AppError::invalid(format!("Catalog entry {key} is neither in the project nor built in; pick an entry from the list."))
        })?;
        Some(e.clone())
    };
    if let Some(e) = &builtin {
        design.catalog.push(backstop_model::project::Record {
            key: e.key.clone(),
            kind: e.kind.as_str().to_owned(),
            name: e.display_name(),
            body: serde_json::to_string(e).map_err(|err| AppError::internal(format!("catalog entry {key}: {err}")))?,
        });
    }
    // Specs of every catalog entry the layout uses plus the requested one.
    let mut probe = design.clone();
    probe.layout.equipment.push(PlacedEquipment {
        tag: "\u{0}probe".into(),
        catalog_key: key.clone(),
        placement: Placement { room_id: call.request.room_id.clone(), position: Point::default(), rotation: Rotation::R0 },
        clearances: Clearances::default(),
        voltage_to_ground_v: 0.0,
        ampacity_a: 0.0,
        serves_case: None,
    });
    let (specs, rack_spec, _) = backstop_layout::catalog::catalog_specs(&probe);
    let rules =
        backstop_layout::rules::project_rule_set(&design.settings).map_err(|m| AppError::invalid(format!("{}.", capitalise(&m))))?;
    let input = CheckInput { layout: &design.layout, specs: &specs, rack_spec: rack_spec.as_ref(), rules: &rules };
    let result = backstop_layout::auto_place(&input, &call.request);
    if !call.apply || result.placed.is_empty() {
        return Ok(AutoPlaceOutcome { result, view: None });
    }
    let label = format!("Auto-place {} × {key} in {}", result.placed.len(), call.request.room_id);
    project
        .edit(&label, |e| {
            if let Some(entry) = &builtin {
                e.use_catalog_entry(entry)?;
            }
            for item in &result.placed {
                e.put_equipment(item)?;
            }
            Ok(())
        })
        .map_err(store_error)?;
    Ok(AutoPlaceOutcome { result, view: Some(view(project)?) })
}

// ---------------------------------------------------------------------------
// Rule sets.
// ---------------------------------------------------------------------------

fn find_rule_set(design: &Design, id: &str) -> Option<RuleSet> {
    design
        .settings
        .rule_sets
        .iter()
        .find(|r| r.id == id)
        .cloned()
        .or_else(|| backstop_layout::builtin_rule_sets().into_iter().find(|r| r.id == id))
}

/// Checks the project against rule set `id`.
pub fn use_rule_set(project: &mut Project, id: &str) -> Result<LayoutView, AppError> {
    let design = project.design().map_err(store_error)?;
    let rs = find_rule_set(&design, id)
        .ok_or_else(|| AppError::invalid(format!("Rule set {id} is neither in the project nor built in; pick one from the list.")))?;
    let mut settings = design.settings;
    settings.rule_set = Some(rs.id.clone());
    project.edit(&format!("Check against {}", rs.name), |e| e.set_settings(&settings)).map_err(store_error)?;
    view(project)
}

/// Copies rule set `id` into the project (editable) and puts the copy in force.
pub fn copy_rule_set(project: &mut Project, id: &str) -> Result<LayoutView, AppError> {
    let design = project.design().map_err(store_error)?;
    let mut rs = find_rule_set(&design, id)
        .ok_or_else(|| AppError::invalid(format!("Rule set {id} is neither in the project nor built in; pick one from the list.")))?;
    backstop_layout::rules::upgrade_rule_set(&mut rs);
    let taken: Vec<String> = design
        .settings
        .rule_sets
        .iter()
        .map(|r| r.id.clone())
        .chain(backstop_layout::builtin_rule_sets().into_iter().map(|r| r.id))
        .collect();
    let base = format!("{}-project", rs.id.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-').trim_end_matches("-project"));
    let new_id = std::iter::once(base.clone()).chain((2u32..).map(|n| format!("{base}-{n}"))).find(|c| !taken.contains(c)).unwrap_or(base);
    let from = rs.name.clone();
    rs.id = new_id;
    rs.name = format!("{from} (project copy)");
    rs.description = format!("Copied from {from} for this project's jurisdiction; record each change here. {}", rs.description);
    let mut settings = design.settings;
    settings.rule_set = Some(rs.id.clone());
    settings.rule_sets.push(rs);
    project.edit(&format!("Copy rule set {from}"), |e| e.set_settings(&settings)).map_err(store_error)?;
    view(project)
}

/// Saves an edited project rule set, or returns its field errors.
pub fn save_rule_set(project: &mut Project, rs: &RuleSet) -> Result<RuleSetSaveOutcome, AppError> {
    let design = project.design().map_err(store_error)?;
    let Some(at) = design.settings.rule_sets.iter().position(|r| r.id == rs.id) else {
        return Err(AppError::invalid(format!(
            "Rule set {} is not a project copy; built-in rule sets cannot be changed. Copy it into the project first.",
            rs.id
        )));
    };
    let mut errors = backstop_layout::validate_rule_set(rs);
    if rs.name.trim().is_empty() {
        errors.push(backstop_model::layout::FieldError {
            field: "name".into(),
            message: "Give the rule set a name (it is printed on reports).".into(),
        });
    }
    if !errors.is_empty() {
        return Ok(RuleSetSaveOutcome { errors, view: None });
    }
    let mut settings = design.settings;
    settings.rule_sets[at] = rs.clone();
    project.edit(&format!("Edit rule set {}", rs.name), |e| e.set_settings(&settings)).map_err(store_error)?;
    Ok(RuleSetSaveOutcome { errors: Vec::new(), view: Some(view(project)?) })
}

/// Removes a project rule set (the default applies again if it was in force).
pub fn delete_rule_set(project: &mut Project, id: &str) -> Result<LayoutView, AppError> {
    let design = project.design().map_err(store_error)?;
    let mut settings = design.settings;
    let Some(at) = settings.rule_sets.iter().position(|r| r.id == id) else {
        return Err(AppError::invalid(format!("Rule set {id} is not a project copy; only project copies can be deleted.")));
    };
    let removed = settings.rule_sets.remove(at);
    if settings.rule_set.as_deref() == Some(id) {
        settings.rule_set = None;
    }
    project.edit(&format!("Delete rule set {}", removed.name), |e| e.set_settings(&settings)).map_err(store_error)?;
    view(project)
}

// ---------------------------------------------------------------------------
// Exports.
// ---------------------------------------------------------------------------

/// The bill of materials as CSV text.
pub fn bom_csv(project: &Project) -> Result<String, AppError> {
    Ok(load(project)?.bom_csv())
}

/// The plan as an SVG document, violations in red.
pub fn plan_svg(project: &Project) -> Result<String, AppError> {
    Ok(plan_svg_with(project, true, SvgOptions::default().width_px)?.0)
}

/// The plan as an SVG document `width_px` wide, checked against the
/// project's rule set with its violations in red when `checked` (refused
/// when that rule set cannot be used), else drawn without a check; and the
/// number of violations shown. The app's plan export and `backstop plan`.
pub fn plan_svg_with(project: &Project, checked: bool, width_px: u32) -> Result<(String, usize), AppError> {
    let l = load(project)?;
    let rules = if checked {
        l.rules
            .clone()
            .map_err(|m| AppError::invalid(format!("{}. Choose a usable rule set before exporting the plan.", capitalise(&m))))?
    } else {
        backstop_layout::default_rule_set()
    };
    Ok(l.plan_svg(&rules, checked, width_px))
}

/// DejaVu Sans (the report crate's font), so PNG text renders identically
/// on every machine.
const FONTS: [&[u8]; 2] =
    [include_bytes!("../../backstop-report/fonts/DejaVuSans.ttf"), include_bytes!("../../backstop-report/fonts/DejaVuSans-Bold.ttf")];

/// Rasterises an SVG document to PNG bytes with the embedded font.
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, AppError> {
    use resvg::{tiny_skia, usvg};
    let mut options = usvg::Options { font_family: "DejaVu Sans".into(), ..usvg::Options::default() };
    {
        let db = options.fontdb_mut();
        for f in FONTS {
            db.load_font_data(f.to_vec());
        }
        db.set_sans_serif_family("DejaVu Sans");
    }
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| AppError::internal(format!("the plan could not be drawn as PNG ({e})")))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| AppError::internal("the plan has no area to draw; add a room first"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| AppError::internal(format!("the PNG could not be encoded ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop_model::layout::RuleId;
    use backstop_model::layout_view::ItemPosition;
    use backstop_model::layout_view::{AlignHow, Direction, Turn};
    use backstop_model::project::ProjectInfo;
    use backstop_store::CreateOptions;

    /// A battery room with two 51.2 kWh listed cabinets (built-in entry)
    /// 1,200 mm apart, made through the same edits the UI sends.
    fn project(dir: &std::path::Path) -> Project {
        let mut p =
            Project::create(&dir.join("t.backstop"), &ProjectInfo { name: "T".into(), ..Default::default() }, &CreateOptions::default())
                .unwrap();
        apply(&mut p, &LayoutEdit::AddRoom { origin: Point::new(0, 0), width_mm: 9_000, depth_mm: 7_000 }).unwrap();
        for x in [2_000, 3_800] {
            apply(
                &mut p,
                &LayoutEdit::AddFromCatalog {
                    catalog_key: "lfp-ups-cabinet-512v100".into(),
                    room_id: "ROOM-1".into(),
                    position: Point::new(x, 5_000),
                    tag_prefix: String::new(),
                },
            )
            .unwrap();
        }
        p
    }

    fn eq(tag: &str) -> ObjectRef {
        ObjectRef { kind: ObjectKind::Equipment, key: tag.into() }
    }

    #[test]
    fn adding_from_the_builtin_catalog_copies_the_entry_and_tags_in_sequence() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let v = view(&p).unwrap();
        let tags: Vec<&str> = v.layout.equipment.iter().map(|e| e.tag.as_str()).collect();
        assert_eq!(tags, ["BC-01", "BC-02"]);
        assert_eq!(v.footprints.len(), 2);
        assert!(v.footprints.iter().all(|f| f.known && f.class == ItemClass::Battery));
        assert!(v.catalog.iter().any(|c| c.key == "lfp-ups-cabinet-512v100" && c.in_project));
        assert_eq!(p.undo_state().unwrap().undo.unwrap().label, "Add BC-02");
        assert_eq!(v.bom.lines.iter().map(|l| l.quantity).sum::<f64>(), 2.0);
    }

    /// The Layout area's building edits as the UI sends them: an L-shaped
    /// room drawn corner by corner, a door clicked near its wall, a column,
    /// both edited and deleted, each one undoable step.
    #[test]
    fn rooms_drawn_by_corners_get_doors_and_columns_as_single_steps() {
        use backstop_model::layout::{DoorSwing, RoomShape};
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(dir.path());
        let l = [(20_000, 0), (30_000, 0), (30_000, 4_000), (24_000, 4_000), (24_000, 8_000), (20_000, 8_000)];
        let corners: Vec<Point> = l.iter().map(|&(x, y)| Point::new(x, y)).collect();
        let out = apply(&mut p, &LayoutEdit::DrawRoom { corners: corners.clone() }).unwrap();
        assert_eq!(out.label, "Add room ROOM-2");
        let room = out.view.layout.rooms.iter().find(|r| r.id == "ROOM-2").unwrap();
        assert_eq!(room.shape, RoomShape::Polygon { vertices: corners });
        assert!(!out.view.report.diagnostics.iter().any(|d| d.field.starts_with("rooms[ROOM-2]")), "{:?}", out.view.report.diagnostics);

        // A click 200 mm inside the east wall below the notch puts the door on it.
        let out = apply(&mut p, &LayoutEdit::AddDoor { at: Point::new(29_800, 2_000), width_mm: 915 }).unwrap();
        assert_eq!((out.label.as_str(), out.select[0].key.as_str()), ("Add door D-1 to room ROOM-2", "D-1"));
        let door = out.view.layout.rooms[1].doors[0].clone();
        assert_eq!((door.position, door.swing), (Point::new(30_000, 2_000), DoorSwing::Outward));
        let out = apply(&mut p, &LayoutEdit::AddColumn { at: Point::new(22_000, 6_000), width_mm: 600, depth_mm: 600 }).unwrap();
        assert_eq!(out.label, "Add column C-1 to room ROOM-2");
        let e = apply(&mut p, &LayoutEdit::AddColumn { at: Point::new(28_000, 6_000), width_mm: 600, depth_mm: 600 }).unwrap_err();
        assert!(e.message.contains("not inside a room"), "{}", e.message);

        // Edit the door: panic hardware, a 90 min rating, moved off the wall (it goes back onto it).
        let mut edited = door.clone();
        edited.panic_hardware = true;
        edited.fire_rating_min = 90;
        edited.position = Point::new(29_500, 1_000);
        let out = apply(&mut p, &LayoutEdit::PutDoor { room_id: "ROOM-2".into(), door: edited, previous_key: "D-1".into() }).unwrap();
        let d = &out.view.layout.rooms[1].doors[0];
        assert_eq!((d.position, d.panic_hardware, d.fire_rating_min), (Point::new(30_000, 1_000), true, 90));
        let mut clash = d.clone();
        clash.id = "C-1".into();
        let e = apply(&mut p, &LayoutEdit::PutDoor { room_id: "ROOM-2".into(), door: clash, previous_key: "D-1".into() }).unwrap_err();
        assert!(e.message.contains("id C-1 already exists"), "{}", e.message);

        // Moving a corner so the column is left outside is refused; nothing changes.
        let mut room = out.view.layout.rooms[1].clone();
        room.shape = RoomShape::Polygon {
            vertices: [(20_000, 0), (30_000, 0), (30_000, 4_000), (24_000, 4_000), (24_000, 5_000), (20_000, 5_000)]
                .iter()
                .map(|&(x, y)| Point::new(x, y))
                .collect(),
        };
        let e = apply(&mut p, &LayoutEdit::PutRoom { room, previous_id: Some("ROOM-2".into()) }).unwrap_err();
        assert!(e.message.contains("Column C-1 at (22000, 6000) mm is not inside room ROOM-2"), "{}", e.message);

        // Delete both in one step; one undo brings both back.
        let both = vec![ObjectRef { kind: ObjectKind::Door, key: "D-1".into() }, ObjectRef { kind: ObjectKind::Column, key: "C-1".into() }];
        let out = apply(&mut p, &LayoutEdit::Delete { objects: both }).unwrap();
        assert_eq!(out.label, "Delete 2 items");
        assert!(out.view.layout.rooms[1].doors.is_empty() && out.view.layout.rooms[1].columns.is_empty());
        p.undo().unwrap();
        let v = view(&p).unwrap();
        assert_eq!((v.layout.rooms[1].doors.len(), v.layout.rooms[1].columns.len()), (1, 1));
        assert!(v.layout.rooms[1].doors[0].panic_hardware);
    }

    #[test]
    fn items_without_a_prefix_get_their_kinds_default_tag() {
        // The rule lives in backstop_model (the UI suggests from the same
        // function): a container is BESS-, a UPS UPS-, a cabinet BC-.
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(dir.path());
        apply(&mut p, &LayoutEdit::AddRoom { origin: Point::new(20_000, 0), width_mm: 20_000, depth_mm: 10_000 }).unwrap();
        for key in ["lfp-container-20ft-3727", "ups-500kva-dc"] {
            apply(
                &mut p,
                &LayoutEdit::AddFromCatalog {
                    catalog_key: key.into(),
                    room_id: "ROOM-2".into(),
                    position: Point::new(30_000, 5_000),
                    tag_prefix: String::new(),
                },
            )
            .unwrap();
        }
        let v = view(&p).unwrap();
        let mut tags: Vec<&str> =
            v.layout.equipment.iter().map(|e| e.tag.as_str()).chain(v.layout.power_units.iter().map(|u| u.tag.as_str())).collect();
        tags.sort_unstable();
        assert_eq!(tags, ["BC-01", "BC-02", "BESS-01", "UPS-01"]);
        // Their starting ratings come from the layout crate's rule (125 % of
        // rated current, DC at the string voltage, AC on 480Y/277 V).
        let entry = |key: &str| backstop_sizing::find(backstop_sizing::default_catalog(), key).unwrap().clone();
        let container = entry("lfp-container-20ft-3727");
        let b = container.battery.as_ref().unwrap();
        let dc = electrical::battery_equipment(container.power_kw(), Some(b.nominal_v_cell.value * f64::from(b.cells_series)));
        assert!(dc.ampacity_a > 0.0);
        let placed = v.layout.equipment.iter().find(|e| e.tag == "BESS-01").unwrap();
        assert_eq!((placed.voltage_to_ground_v, placed.ampacity_a), (dc.voltage_to_ground_v, dc.ampacity_a));
        let ac = electrical::ac_power_unit(entry("ups-500kva-dc").power_kw());
        assert!(ac.ampacity_a > 0.0);
        let ups = &v.layout.power_units[0];
        assert_eq!((ups.voltage_to_ground_v, ups.ampacity_a), (277.0, ac.ampacity_a));
    }

    #[test]
    fn a_drag_closer_than_the_array_spacing_is_flagged_and_undo_restores() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(dir.path());
        // The listed-system limit (250 kWh) lets two 51.2 kWh cabinets stand
        // together; a project copy at 100 kWh makes them one array too many.
        let mut v = copy_rule_set(&mut p, backstop_layout::DEFAULT_RULE_SET_ID).unwrap();
        let mut rs = v.rule_set.clone().unwrap();
        assert!(v.rule_sets.iter().any(|c| c.in_force && c.origin == RuleSetOrigin::Project));
        rs.arrays.listed_system_max_kwh = -5.0;
        let bad = save_rule_set(&mut p, &rs).unwrap();
        assert_eq!(bad.errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["arrays.listed_system_max_kwh"]);
        rs.arrays.listed_system_max_kwh = 100.0;
        v = save_rule_set(&mut p, &rs).unwrap().view.unwrap();
        assert!(v.report.violations.is_empty(), "{:?}", v.report.violations);

        let width = v.footprints[0].max.x_mm - v.footprints[0].min.x_mm;
        let start = v.layout.equipment[1].placement.position;
        // 900 mm gap: one 102.4 kWh array.
        let moved = Point::new(2_000 + width + 900, 5_000);
        let out = apply(&mut p, &LayoutEdit::MoveTo { moves: vec![ItemPosition { object: eq("BC-02"), position: moved }] }).unwrap();
        assert_eq!(out.label, "Move BC-02");
        let v1 = &out.view.report.violations;
        assert_eq!(v1.len(), 1, "{v1:?}");
        assert_eq!(v1[0].rule, RuleId::ArrayEnergy);
        assert_eq!(v1[0].objects, [eq("BC-01"), eq("BC-02")]);
        assert!(v1[0].measure.measured > 100.0);
        // Back to 914 mm: two arrays again.
        let back = Point::new(2_000 + width + 914, 5_000);
        let out = apply(&mut p, &LayoutEdit::MoveTo { moves: vec![ItemPosition { object: eq("BC-02"), position: back }] }).unwrap();
        assert!(out.view.report.violations.is_empty(), "{:?}", out.view.report.violations);
        p.undo().unwrap();
        let v = view(&p).unwrap();
        assert_eq!(v.layout.equipment[1].placement.position, moved);
        p.undo().unwrap();
        assert_eq!(view(&p).unwrap().layout.equipment[1].placement.position, start);
    }

    #[test]
    fn rotate_duplicate_align_delete_are_single_labelled_steps() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(dir.path());
        let both = vec![eq("BC-01"), eq("BC-02")];
        let out = apply(&mut p, &LayoutEdit::Rotate { objects: both.clone(), turn: Turn::Cw }).unwrap();
        assert_eq!(out.label, "Rotate 2 items");
        for _ in 0..3 {
            apply(&mut p, &LayoutEdit::Rotate { objects: both.clone(), turn: Turn::Cw }).unwrap();
        }
        let v = view(&p).unwrap();
        assert_eq!(v.layout.equipment[1].placement.position, Point::new(3_800, 5_000), "four turns restore");
        let out =
            apply(&mut p, &LayoutEdit::DuplicateRow { template: eq("BC-02"), count: 3, pitch_mm: 1_000, direction: Direction::South })
                .unwrap();
        assert_eq!(out.label, "Duplicate row of 3");
        assert_eq!(out.select.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(), ["BC-03", "BC-04", "BC-05"]);
        let before = p.undo_state().unwrap().undo_depth;
        let out = apply(&mut p, &LayoutEdit::Align { objects: vec![eq("BC-01"), eq("BC-03")], how: AlignHow::North }).unwrap();
        assert_eq!(out.label, "Align 2 items");
        assert_eq!(p.undo_state().unwrap().undo_depth, before + 1);
        let out = apply(&mut p, &LayoutEdit::Delete { objects: vec![eq("BC-05")] }).unwrap();
        assert_eq!(out.label, "Delete BC-05");
        assert_eq!(out.view.layout.equipment.len(), 4);
        // Bad input: a clear error and nothing changed.
        let err = apply(&mut p, &LayoutEdit::Nudge { objects: vec![eq("NOPE")], dx_mm: 10, dy_mm: 0 }).unwrap_err();
        assert!(err.message.contains("NOPE"), "{}", err.message);
        let err = apply(&mut p, &LayoutEdit::Align { objects: vec![eq("BC-01")], how: AlignHow::West }).unwrap_err();
        assert!(err.message.contains("at least two"), "{}", err.message);
    }

    #[test]
    fn auto_place_says_why_not_everything_fits_and_applies_as_one_step() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = project(dir.path());
        let req = backstop_model::layout::AutoPlaceRequest {
            room_id: "ROOM-1".into(),
            catalog_key: "lfp-ups-cabinet-512v100".into(),
            count: 200,
            tag_prefix: "BC-".into(),
            rotation: Rotation::R0,
            clearances: Clearances::default(),
            voltage_to_ground_v: 480.0,
            ampacity_a: 100.0,
            search_step_mm: 0,
        };
        let preview = auto_place(&mut p, &AutoPlaceCall { request: req.clone(), apply: false }).unwrap();
        assert!(preview.view.is_none());
        assert!(preview.result.placed.len() < 200);
        assert!(preview.result.limit.is_some(), "{}", preview.result.summary);
        let depth = p.undo_state().unwrap().undo_depth;
        let applied = auto_place(&mut p, &AutoPlaceCall { request: req, apply: true }).unwrap();
        let v = applied.view.unwrap();
        assert_eq!(v.layout.equipment.len(), 2 + applied.result.placed.len());
        assert_eq!(p.undo_state().unwrap().undo_depth, depth + 1);
    }

    #[test]
    fn exports_bom_svg_and_png_with_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = project(dir.path());
        let csv = bom_csv(&p).unwrap();
        assert!(csv.contains("lfp-ups-cabinet-512v100"), "{csv}");
        let svg = plan_svg(&p).unwrap();
        assert!(svg.contains("BC-02"));
        // The bytes `backstop plan` and `backstop bom --csv` write (the CLI's
        // tests check its side against the same call).
        let loaded = LoadedDesign::new(p.design().unwrap());
        let rules = backstop_layout::rules::project_rule_set(&loaded.design.settings).unwrap();
        assert!(svg == loaded.plan_svg(&rules, true, 1600).0, "the app's plan export is the shared drawing");
        assert_eq!(csv, loaded.bom_csv());
        let png = svg_to_png(&svg).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        // Text is drawn: the same plan without its text has fewer dark pixels.
        let dark = |bytes: &[u8]| {
            let pm = resvg::tiny_skia::Pixmap::decode_png(bytes).unwrap();
            pm.pixels().iter().filter(|c| c.red() < 100 && c.green() < 100 && c.blue() < 100).count()
        };
        // Without fonts, usvg leaves text out.
        let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).unwrap();
        let size = tree.size().to_int_size();
        let mut pm = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
        pm.fill(resvg::tiny_skia::Color::WHITE);
        resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pm.as_mut());
        let no_text = pm.encode_png().unwrap();
        assert!(dark(&png) > dark(&no_text), "text is rendered with the embedded font");
    }
}
