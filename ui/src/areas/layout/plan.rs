//! The SVG floor plan: rooms with doors and columns, footprints with tags,
//! egress paths, violation highlights; zoom (wheel, buttons), pan (middle
//! button, or Space held while dragging), selection (click, Shift+click, a
//! box dragged on the background), drag-to-move with grid snapping and
//! live dimensions, a selected room's corners dragged to reshape it, and the
//! drawing tools (a room corner by corner, a door on a wall, a column).
//!
//! Plan coordinates are millimetres with y to the north; the SVG draws
//! `(x, −y)` so north is up. During a drag only the dragged groups'
//! `transform` attributes change (set directly on their elements); the
//! backend hears of the move once, on pointer-up.

use std::collections::HashSet;

use backstop_model::layout::{DoorSwing, Highlight, ObjectKind, ObjectRef, PlacedEquipment, Point, Room, RoomShape};
use backstop_model::layout_view::{Footprint, ItemClass, ItemPosition, LayoutEdit, LayoutView};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{Lx, Tool, kind_str, movable, parse_kind};
use crate::bench::{DragMeter, now_ms};

/// An auto-placement preview: the cabinets that would be placed and their
/// plan size (width × depth at rotation 0).
#[derive(Clone, PartialEq)]
pub struct Preview {
    pub placed: Vec<PlacedEquipment>,
    pub size: (u32, u32),
}

/// The visible part of the plan in SVG units (x, y, width, height).
type ViewBox = (f64, f64, f64, f64);

struct DragItem {
    el: web_sys::Element,
    object: ObjectRef,
    center: Point,
}

/// The drag ghost: a transparent SVG laid exactly over the plan holding
/// copies of the dragged items and the live dimensions. While the pointer
/// moves only this small layer changes, so the plan with its thousand
/// objects is not repainted on every move (measured in the e2e benchmark:
/// moving an item inside the plan cost 67 ms a frame with 1,015 objects,
/// moving the ghost 23 ms, the same as with 15).
struct Ghost {
    root: web_sys::Element,
    group: web_sys::Element,
    label: web_sys::Element,
    /// Label size, mm (13 px at the current zoom).
    font: f64,
}

impl Ghost {
    fn new(svg: &web_sys::Element, vb: ViewBox, items: &[DragItem]) -> Option<Ghost> {
        let doc = document();
        let ns = Some("http://www.w3.org/2000/svg");
        let r = svg.get_bounding_client_rect();
        let root = doc.create_element_ns(ns, "svg").ok()?;
        root.set_attribute("class", "plan plan-ghost").ok()?;
        root.set_attribute("viewBox", &format!("{} {} {} {}", vb.0, vb.1, vb.2, vb.3)).ok()?;
        root.set_attribute(
            "style",
            &format!(
                "position: fixed; left: {}px; top: {}px; width: {}px; height: {}px; min-height: 0; margin: 0; \
                 box-sizing: border-box; border: 1px solid transparent; background: transparent; \
                 pointer-events: none; z-index: 50; will-change: transform; overflow: visible;",
                r.left(),
                r.top(),
                r.width(),
                r.height()
            ),
        )
        .ok()?;
        let group = doc.create_element_ns(ns, "g").ok()?;
        for it in items {
            let copy = it.el.clone_node_with_deep(true).ok()?.dyn_into::<web_sys::Element>().ok()?;
            copy.remove_attribute("data-testid").ok()?;
            group.append_child(&copy).ok()?;
        }
        root.append_child(&group).ok()?;
        let font = 13.0 * (vb.2 / r.width().max(1.0)).max(vb.3 / r.height().max(1.0));
        let label = doc.create_element_ns(ns, "text").ok()?;
        label.set_attribute("class", "drag-dims").ok()?;
        label.set_attribute("font-size", &format!("{font:.0}")).ok()?;
        label.set_attribute("stroke-width", &format!("{:.0}", font * 0.2)).ok()?;
        label.set_attribute("data-testid", "drag-dims").ok()?;
        root.append_child(&label).ok()?;
        doc.body()?.append_child(&root).ok()?;
        for it in items {
            let _ = it.el.set_attribute("visibility", "hidden");
        }
        // No hit-testing of the plan's objects while dragging (the pointer
        // is captured by the plan anyway).
        let _ = svg.class_list().add_1("dragging");
        Some(Ghost { root, group, label, font })
    }
}

struct Drag {
    svg: web_sys::Element,
    vb: ViewBox,
    ghost: Option<Ghost>,
    /// The live dimensions text.
    dims: String,
    start: (f64, f64),
    scale: f64,
    items: Vec<DragItem>,
    primary_min: Point,
    primary_max: Point,
    /// Footprints of everything not dragged: (min, max, tag).
    others: Vec<(Point, Point, String)>,
    /// Walls of the primary item's room when it is a rectangle.
    walls: Option<(Point, Point)>,
    delta: (i64, i64),
    moved: bool,
    /// The drag's timings (`bench` feature).
    meter: DragMeter,
    /// Whether the pointer-up was a plain click on an already selected item
    /// of a multi-selection (then it selects that item alone).
    click_select: Option<ObjectRef>,
}

enum Gesture {
    None,
    Drag(Box<Drag>),
    Pan {
        start: (f64, f64),
        vb0: ViewBox,
        scale: f64,
    },
    /// A selection box from `start` (SVG units); Shift adds to the selection.
    Select {
        start: (f64, f64),
        client: (f64, f64),
        add: bool,
    },
    /// A room corner being dragged.
    Corner {
        room: Box<Room>,
        index: usize,
        corners: Vec<Point>,
        start: (f64, f64),
        moved: Option<Vec<Point>>,
    },
}

/// The corners after moving corner `i` to `to`. Unless `free`, walls stay
/// square: a neighbour on a vertical wall through the corner takes its new
/// x, one on a horizontal wall its new y (so a rectangle stays one).
pub(crate) fn move_corner(corners: &[Point], i: usize, to: Point, free: bool) -> Vec<Point> {
    let mut v = corners.to_vec();
    let n = v.len();
    if i >= n {
        return v;
    }
    let old = corners[i];
    v[i] = to;
    if !free && n >= 3 {
        for j in [(i + n - 1) % n, (i + 1) % n] {
            let q = corners[j];
            if q.x_mm == old.x_mm && q.y_mm != old.y_mm {
                v[j].x_mm = to.x_mm;
            } else if q.y_mm == old.y_mm && q.x_mm != old.x_mm {
                v[j].y_mm = to.y_mm;
            }
        }
    }
    v
}

/// The next corner of a room being drawn: on the grid and, unless `free`,
/// square to the previous corner.
pub(crate) fn next_corner(draft: &[Point], raw: Point, grid: i64, free: bool) -> Point {
    let mut p = Point::new(snap(raw.x_mm, grid), snap(raw.y_mm, grid));
    if !free && let Some(l) = draft.last() {
        if (p.x_mm - l.x_mm).abs() >= (p.y_mm - l.y_mm).abs() {
            p.y_mm = l.y_mm;
        } else {
            p.x_mm = l.x_mm;
        }
    }
    p
}

/// Everything wholly inside the box `a`–`b` (plan mm): placed items,
/// columns, doors (their centre), egress paths and rooms (all their points).
pub(crate) fn inside_box(v: &LayoutView, a: Point, b: Point) -> Vec<ObjectRef> {
    let (x0, x1) = (a.x_mm.min(b.x_mm), a.x_mm.max(b.x_mm));
    let (y0, y1) = (a.y_mm.min(b.y_mm), a.y_mm.max(b.y_mm));
    let inside = |p: &Point| (x0..=x1).contains(&p.x_mm) && (y0..=y1).contains(&p.y_mm);
    let mut out: Vec<ObjectRef> = v.footprints.iter().filter(|f| inside(&f.min) && inside(&f.max)).map(|f| f.object.clone()).collect();
    for r in &v.layout.rooms {
        for (i, d) in r.doors.iter().enumerate() {
            if inside(&d.position) {
                out.push(ObjectRef { kind: ObjectKind::Door, key: d.key(&r.id, i) });
            }
        }
        for c in &r.columns {
            let (hw, hd) = (i64::from(c.width_mm) / 2, i64::from(c.depth_mm) / 2);
            let (lo, hi) = (Point::new(c.position.x_mm - hw, c.position.y_mm - hd), Point::new(c.position.x_mm + hw, c.position.y_mm + hd));
            if inside(&lo) && inside(&hi) {
                out.push(ObjectRef { kind: ObjectKind::Column, key: c.id.clone() });
            }
        }
    }
    for p in &v.layout.egress_paths {
        if !p.route.is_empty() && p.route.iter().all(inside) {
            out.push(ObjectRef { kind: ObjectKind::EgressPath, key: p.id.clone() });
        }
    }
    for r in &v.layout.rooms {
        if r.shape.vertices().iter().all(inside) {
            out.push(ObjectRef { kind: ObjectKind::Room, key: r.id.clone() });
        }
    }
    out
}

/// A plan point (mm, y north) from SVG units.
fn plan_point(svg: (f64, f64)) -> Point {
    Point::new(svg.0.round() as i64, (-svg.1).round() as i64)
}

fn fit(v: &LayoutView) -> ViewBox {
    let mut lo = (f64::MAX, f64::MAX);
    let mut hi = (f64::MIN, f64::MIN);
    let mut add = |p: &Point| {
        lo.0 = lo.0.min(p.x_mm as f64);
        lo.1 = lo.1.min(p.y_mm as f64);
        hi.0 = hi.0.max(p.x_mm as f64);
        hi.1 = hi.1.max(p.y_mm as f64);
    };
    for r in &v.layout.rooms {
        for p in r.shape.vertices() {
            add(&p);
        }
    }
    for f in &v.footprints {
        add(&f.min);
        add(&f.max);
    }
    if lo.0 > hi.0 {
        return (-1000.0, -11_000.0, 20_000.0, 12_000.0);
    }
    let m = ((hi.0 - lo.0).max(hi.1 - lo.1) * 0.05).max(500.0);
    (lo.0 - m, -hi.1 - m, hi.0 - lo.0 + 2.0 * m, hi.1 - lo.1 + 2.0 * m)
}

fn points_attr(ps: &[Point]) -> String {
    ps.iter().map(|p| format!("{},{}", p.x_mm, -p.y_mm)).collect::<Vec<_>>().join(" ")
}

fn snap(v: i64, grid: i64) -> i64 {
    if grid <= 1 {
        return v;
    }
    let r = v.rem_euclid(grid);
    if r * 2 >= grid { v - r + grid } else { v - r }
}

/// Gap between two rectangles (0 when they touch or overlap), mm.
fn rect_gap(a: (Point, Point), b: (Point, Point)) -> f64 {
    let gx = (b.0.x_mm - a.1.x_mm).max(a.0.x_mm - b.1.x_mm).max(0) as f64;
    let gy = (b.0.y_mm - a.1.y_mm).max(a.0.y_mm - b.1.y_mm).max(0) as f64;
    (gx * gx + gy * gy).sqrt()
}

/// Millimetres per CSS pixel and the SVG point under a client position.
fn mapping(svg: &web_sys::Element, vb: ViewBox, client: (f64, f64)) -> (f64, (f64, f64)) {
    let r = svg.get_bounding_client_rect();
    let (w, h) = (r.width().max(1.0), r.height().max(1.0));
    let scale = (vb.2 / w).max(vb.3 / h);
    let ox = (w * scale - vb.2) / 2.0;
    let oy = (h * scale - vb.3) / 2.0;
    let x = vb.0 - ox + (client.0 - r.left()) * scale;
    let y = vb.1 - oy + (client.1 - r.top()) * scale;
    (scale, (x, y))
}

/// Counts the animation frames while a drag lasts (`bench` feature).
fn frame_loop(gesture: StoredValue<Gesture, LocalStorage>) {
    if !DragMeter::COUNTS_FRAMES {
        return;
    }
    request_animation_frame(move || {
        let t = now_ms();
        let again = gesture
            .try_update_value(|g| match g {
                Gesture::Drag(d) => {
                    d.meter.frame(t);
                    true
                }
                _ => false,
            })
            .unwrap_or(false);
        if again {
            frame_loop(gesture);
        }
    });
}

#[component]
pub fn Plan(lx: Lx) -> impl IntoView {
    let vb: RwSignal<ViewBox> = RwSignal::new(lx.view.with_untracked(|v| v.as_ref().map(fit)).unwrap_or((0.0, 0.0, 1.0, 1.0)));
    let gesture: StoredValue<Gesture, LocalStorage> = StoredValue::new_local(Gesture::None);
    // The selection box (SVG units), a reshaped room's outline while its
    // corner is dragged, and where the next corner of a drawn room would go.
    let marquee: RwSignal<Option<ViewBox>> = RwSignal::new(None);
    let reshaped: RwSignal<Option<Vec<Point>>> = RwSignal::new(None);
    let hover: RwSignal<Option<Point>> = RwSignal::new(None);
    // Space held: a drag on the plan pans.
    let space = StoredValue::new(false);
    let space_down = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == " " && !super::in_text_field() {
            space.set_value(true);
            // Keep the page from scrolling, but let a focused button take its Space.
            let on_page = document().active_element().is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body"));
            if on_page {
                ev.prevent_default();
            }
        }
    });
    let space_up = window_event_listener(leptos::ev::keyup, move |ev| {
        if ev.key() == " " {
            space.set_value(false);
        }
    });
    on_cleanup(move || {
        space_down.remove();
        space_up.remove();
    });

    let zoom = move |factor: f64, at: Option<(f64, f64)>| {
        vb.update(|b| {
            let c = at.unwrap_or((b.0 + b.2 / 2.0, b.1 + b.3 / 2.0));
            let w = (b.2 * factor).clamp(500.0, 2_000_000.0);
            let k = w / b.2;
            *b = (c.0 - (c.0 - b.0) * k, c.1 - (c.1 - b.1) * k, b.2 * k, b.3 * k);
        });
    };

    let on_wheel = move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        let Some(svg) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let (_, at) = mapping(&svg, vb.get_untracked(), (f64::from(ev.client_x()), f64::from(ev.client_y())));
        zoom(if ev.delta_y() > 0.0 { 1.15 } else { 1.0 / 1.15 }, Some(at));
    };

    let on_down = move |ev: web_sys::PointerEvent| {
        let Some(svg) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let client = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        let (scale, at) = mapping(&svg, vb.get_untracked(), client);
        // Middle button, or Space held: pan.
        if ev.button() == 1 || (ev.button() == 0 && space.get_value()) {
            ev.prevent_default();
            let _ = svg.set_pointer_capture(ev.pointer_id());
            gesture.set_value(Gesture::Pan { start: client, vb0: vb.get_untracked(), scale });
            return;
        }
        if ev.button() != 0 {
            return;
        }
        let grid = i64::from(lx.grid.get_untracked());
        match lx.tool.get_untracked() {
            Tool::Select => {}
            Tool::DrawRoom => {
                ev.prevent_default();
                let draft = lx.draft.get_untracked();
                let p = next_corner(&draft, plan_point(at), grid, ev.shift_key());
                // The first corner again (within 10 px), or the last one
                // again (a double-click), closes the outline.
                let near_first = draft.first().is_some_and(|f| {
                    let (dx, dy) = ((f.x_mm as f64 - at.0) / scale, (f.y_mm as f64 + at.1) / scale);
                    dx.hypot(dy) <= 10.0 || *f == p
                });
                if draft.len() >= 3 && (near_first || draft.last() == Some(&p)) {
                    lx.close_room();
                } else if draft.last() != Some(&p) {
                    lx.draft.update(|d| d.push(p));
                }
                return;
            }
            Tool::Door => {
                ev.prevent_default();
                match crate::number::whole::<u32>(&lx.door_width.get_untracked(), "The door's clear width", 1, 10_000) {
                    Ok(width_mm) => lx.edit_then(LayoutEdit::AddDoor { at: plan_point(at), width_mm }, move || lx.use_tool(Tool::Select)),
                    Err(e) => lx.project.report(e),
                }
                return;
            }
            Tool::Column => {
                ev.prevent_default();
                let (w, d) = lx.column_size.get_untracked();
                let size = crate::number::whole::<u32>(&w, "The column width", 1, 5_000)
                    .and_then(|w| Ok((w, crate::number::whole::<u32>(&d, "The column depth", 1, 5_000)?)));
                match size {
                    Ok((width_mm, depth_mm)) => {
                        let p = plan_point(at);
                        let at = Point::new(snap(p.x_mm, grid), snap(p.y_mm, grid));
                        lx.edit_then(LayoutEdit::AddColumn { at, width_mm, depth_mm }, move || lx.use_tool(Tool::Select))
                    }
                    Err(e) => lx.project.report(e),
                }
                return;
            }
        }
        // A corner handle of the selected room.
        let corner = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|t| t.closest("[data-corner]").ok().flatten())
            .and_then(|el| Some((el.get_attribute("data-room")?, el.get_attribute("data-corner")?.parse::<usize>().ok()?)));
        if let Some((room_id, index)) = corner {
            let room = lx.view.with_untracked(|v| v.as_ref().and_then(|v| v.layout.rooms.iter().find(|r| r.id == room_id).cloned()));
            if let Some(room) = room {
                ev.prevent_default();
                let _ = svg.set_pointer_capture(ev.pointer_id());
                let corners = room.shape.vertices();
                gesture.set_value(Gesture::Corner { room: Box::new(room), index, corners, start: at, moved: None });
                return;
            }
        }
        let hit =
            ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|t| t.closest("[data-key]").ok().flatten()).and_then(
                |el| {
                    let kind = parse_kind(&el.get_attribute("data-kind")?)?;
                    Some(ObjectRef { kind, key: el.get_attribute("data-key")? })
                },
            );
        ev.prevent_default();
        let _ = svg.set_pointer_capture(ev.pointer_id());
        let shift = ev.shift_key();
        let Some(obj) = hit else {
            // The background: a click clears the selection, a drag selects
            // what it boxes (Shift adds to the selection).
            gesture.set_value(Gesture::Select { start: at, client, add: shift });
            return;
        };
        let mut click_select = None;
        if shift {
            let was = lx.sel.with_untracked(|s| s.contains(&obj));
            lx.sel.update(|s| {
                if was {
                    s.retain(|o| o != &obj);
                } else {
                    s.push(obj.clone());
                }
            });
            if was {
                return;
            }
        } else if !lx.sel.with_untracked(|s| s.contains(&obj)) {
            lx.sel.set(vec![obj.clone()]);
        } else if lx.sel.with_untracked(Vec::len) > 1 {
            click_select = Some(obj.clone());
        }
        if !movable(obj.kind) || lx.view.with_untracked(|v| v.as_ref().is_none_or(|v| v.read_only)) {
            return;
        }
        let selected = lx.sel.get_untracked();
        let drag = lx.view.with_untracked(|v| {
            let v = v.as_ref()?;
            let primary = v.footprints.iter().find(|f| f.object == obj)?;
            let mut items = Vec::new();
            for f in v.footprints.iter().filter(|f| movable(f.object.kind) && selected.contains(&f.object)) {
                let sel = format!(
                    "[data-kind=\"{}\"][data-key=\"{}\"]",
                    kind_str(f.object.kind),
                    f.object.key.replace('\\', "\\\\").replace('"', "\\\"")
                );
                if let Ok(Some(el)) = svg.query_selector(&sel) {
                    items.push(DragItem { el, object: f.object.clone(), center: f.center });
                }
            }
            let others =
                v.footprints.iter().filter(|f| !selected.contains(&f.object)).map(|f| (f.min, f.max, f.object.key.clone())).collect();
            let walls = v.layout.rooms.iter().find(|r| r.id == primary.room_id).and_then(|r| match &r.shape {
                RoomShape::Rectangle { origin, width_mm, depth_mm } => {
                    Some((*origin, Point::new(origin.x_mm + i64::from(*width_mm), origin.y_mm + i64::from(*depth_mm))))
                }
                RoomShape::Polygon { .. } => None,
            });
            Some(Drag {
                svg: svg.clone(),
                vb: vb.get_untracked(),
                ghost: None,
                dims: String::new(),
                start: client,
                scale,
                items,
                primary_min: primary.min,
                primary_max: primary.max,
                others,
                walls,
                delta: (0, 0),
                moved: false,
                meter: DragMeter::default(),
                click_select,
            })
        });
        if let Some(d) = drag {
            gesture.set_value(Gesture::Drag(Box::new(d)));
            frame_loop(gesture);
        }
    };

    let on_move = move |ev: web_sys::PointerEvent| {
        let t0 = now_ms();
        let client = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        let grid = i64::from(lx.grid.get_untracked());
        let mut pan_to = None;
        if lx.tool.get_untracked() == Tool::DrawRoom {
            if let Some(svg) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                let (_, at) = mapping(&svg, vb.get_untracked(), client);
                let p = lx.draft.with_untracked(|d| next_corner(d, plan_point(at), grid, ev.shift_key()));
                if hover.get_untracked() != Some(p) {
                    hover.set(Some(p));
                }
            }
            return;
        }
        gesture.update_value(|g| match g {
            Gesture::None => {}
            Gesture::Select { start, client: c0, .. } => {
                if (client.0 - c0.0).abs() + (client.1 - c0.1).abs() < 3.0 {
                    return;
                }
                if let Some(svg) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                    let (_, at) = mapping(&svg, vb.get_untracked(), client);
                    marquee.set(Some((start.0.min(at.0), start.1.min(at.1), (at.0 - start.0).abs(), (at.1 - start.1).abs())));
                }
            }
            Gesture::Corner { index, corners, start, moved, .. } => {
                let i = *index;
                let base = corners[i];
                if let Some(svg) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                    let (_, at) = mapping(&svg, vb.get_untracked(), client);
                    let d = plan_point(at);
                    let s0 = plan_point(*start);
                    let to = Point::new(snap(base.x_mm + d.x_mm - s0.x_mm, grid), snap(base.y_mm + d.y_mm - s0.y_mm, grid));
                    let next = move_corner(corners, i, to, ev.shift_key());
                    if moved.as_ref() != Some(&next) {
                        reshaped.set(Some(next.clone()));
                        *moved = Some(next);
                    }
                }
            }
            Gesture::Pan { start, vb0, scale } => {
                let dx = (client.0 - start.0) * *scale;
                let dy = (client.1 - start.1) * *scale;
                pan_to = Some((vb0.0 - dx, vb0.1 - dy, vb0.2, vb0.3));
            }
            Gesture::Drag(d) => {
                let raw_x = ((client.0 - d.start.0) * d.scale).round() as i64;
                let raw_y = (-(client.1 - d.start.1) * d.scale).round() as i64;
                if !d.moved && (client.0 - d.start.0).abs() + (client.1 - d.start.1).abs() < 3.0 {
                    return;
                }
                if !d.moved {
                    d.ghost = Ghost::new(&d.svg, d.vb, &d.items);
                }
                d.moved = true;
                let dx = snap(d.primary_min.x_mm + raw_x, grid) - d.primary_min.x_mm;
                let dy = snap(d.primary_min.y_mm + raw_y, grid) - d.primary_min.y_mm;
                d.meter.moved(t0, ev.time_stamp());
                if (dx, dy) != d.delta {
                    d.delta = (dx, dy);
                    let tr = format!("translate({dx} {})", -dy);
                    match &d.ghost {
                        Some(g) => {
                            let _ = g.group.set_attribute("transform", &tr);
                        }
                        None => {
                            for it in &d.items {
                                let _ = it.el.set_attribute("transform", &tr);
                            }
                        }
                    }
                    let a = (
                        Point::new(d.primary_min.x_mm + dx, d.primary_min.y_mm + dy),
                        Point::new(d.primary_max.x_mm + dx, d.primary_max.y_mm + dy),
                    );
                    let mut best: Option<(f64, String)> = None;
                    for (mn, mx, tag) in &d.others {
                        let g = rect_gap(a, (*mn, *mx));
                        if best.as_ref().is_none_or(|b| g < b.0) {
                            best = Some((g, tag.clone()));
                        }
                    }
                    if let Some((lo, hi)) = d.walls {
                        for g in [a.0.x_mm - lo.x_mm, hi.x_mm - a.1.x_mm, a.0.y_mm - lo.y_mm, hi.y_mm - a.1.y_mm] {
                            let g = g as f64;
                            if best.as_ref().is_none_or(|b| g < b.0) {
                                best = Some((g, "wall".into()));
                            }
                        }
                    }
                    let near = best.map(|(g, t)| format!(" · gap {g:.0} mm to {t}")).unwrap_or_default();
                    d.dims = format!("Δx {dx:+} mm, Δy {dy:+} mm{near}");
                    if let Some(g) = &d.ghost {
                        let _ = g.label.set_attribute("x", &a.0.x_mm.to_string());
                        let _ = g.label.set_attribute("y", &format!("{:.0}", -(a.1.y_mm as f64) - g.font * 0.6));
                        g.label.set_text_content(Some(&d.dims));
                    }
                }
                d.meter.handled(t0);
            }
        });
        if let Some(b) = pan_to {
            vb.set(b);
        }
    };

    let finish = move |ev: web_sys::PointerEvent, cancelled: bool| {
        if let Some(svg) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            let _ = svg.release_pointer_capture(ev.pointer_id());
        }
        let g = gesture.try_update_value(|g| std::mem::replace(g, Gesture::None));
        let d = match g {
            Some(Gesture::Drag(d)) => d,
            Some(Gesture::Select { add, .. }) => {
                let boxed = marquee.get_untracked();
                marquee.set(None);
                if cancelled {
                    return;
                }
                let Some(b) = boxed else {
                    // A click on the background.
                    if !add {
                        lx.sel.set(Vec::new());
                    }
                    return;
                };
                let inside = lx.view.with_untracked(|v| {
                    v.as_ref().map(|v| inside_box(v, plan_point((b.0, b.1 + b.3)), plan_point((b.0 + b.2, b.1)))).unwrap_or_default()
                });
                lx.sel.update(|s| {
                    if !add {
                        s.clear();
                    }
                    for o in inside {
                        if !s.contains(&o) {
                            s.push(o);
                        }
                    }
                });
                return;
            }
            Some(Gesture::Corner { room, moved, .. }) => {
                reshaped.set(None);
                if let (Some(vertices), false) = (moved, cancelled) {
                    let previous_id = Some(room.id.clone());
                    let room = Room { shape: RoomShape::Polygon { vertices }, ..*room };
                    lx.edit(LayoutEdit::PutRoom { room, previous_id });
                }
                return;
            }
            _ => return,
        };
        if let Some(g) = &d.ghost {
            g.root.remove();
            let _ = d.svg.class_list().remove_1("dragging");
        }
        for it in &d.items {
            let _ = it.el.remove_attribute("visibility");
        }
        if !d.moved {
            if let Some(o) = d.click_select {
                lx.sel.set(vec![o]);
            }
            return;
        }
        lx.drag_stats.set(d.meter.summary(lx.view.with_untracked(|v| v.as_ref().map_or(0, |v| v.footprints.len())), d.items.len()));
        if cancelled || d.delta == (0, 0) {
            for it in &d.items {
                let _ = it.el.remove_attribute("transform");
            }
            return;
        }
        // Show the items where they were dropped until the saved view
        // arrives (a refused move redraws the plan from the backend's view).
        let tr = format!("translate({} {})", d.delta.0, -d.delta.1);
        for it in &d.items {
            let _ = it.el.set_attribute("transform", &tr);
        }
        lx.status.set(format!("Moving {} item(s): {}", d.items.len(), d.dims));
        let moves = d
            .items
            .iter()
            .map(|it| ItemPosition {
                object: it.object.clone(),
                position: Point::new(it.center.x_mm + d.delta.0, it.center.y_mm + d.delta.1),
            })
            .collect();
        lx.edit(LayoutEdit::MoveTo { moves });
    };

    let view_box = move || {
        let b = vb.get();
        format!("{} {} {} {}", b.0, b.1, b.2, b.3)
    };

    view! {
        <div class="plan-wrap card">
            <div class="toolbar plan-zoom">
                <button class="btn" data-testid="zoom-in" title="Zoom in (wheel)" on:click=move |_| zoom(1.0 / 1.25, None)>"+"</button>
                <button class="btn" data-testid="zoom-out" title="Zoom out (wheel)" on:click=move |_| zoom(1.25, None)>"−"</button>
                <button class="btn" data-testid="zoom-fit" on:click=move |_| { if let Some(b) = lx.view.with_untracked(|v| v.as_ref().map(fit)) { vb.set(b) } }>"Fit"</button>
                <span class="muted">"Click to select, Shift+click to add, drag a box on the background to select what it holds · drag to move · drag a selected room's corners to reshape it · middle button or Space+drag pans · R rotates · arrows nudge (Shift ×10) · Del deletes · Esc clears"</span>
            </div>
            <svg class="plan" data-testid="plan" viewBox=view_box
                class:drawing=move || lx.tool.get() != Tool::Select
                data-drag-stats=move || lx.drag_stats.get()
                on:wheel=on_wheel
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=move |ev| finish(ev, false)
                on:pointercancel=move |ev| finish(ev, true)>
                {move || {
                    lx.epoch.get();
                    lx.view.with(|v| v.as_ref().map(|v| draw(lx, v)))
                }}
                {move || lx.preview.with(|p| p.as_ref().map(draw_preview))}
                {move || corner_handles(lx, vb.get())}
                {move || reshaped.get().map(|pts| view! { <polygon class="reshaped" data-testid="reshaped" points=points_attr(&pts)/> })}
                {move || draft_view(lx, hover.get(), vb.get())}
                {move || marquee.get().map(|b| view! { <rect class="marquee" data-testid="marquee" x=b.0 y=b.1 width=b.2 height=b.3/> })}
            </svg>
        </div>
    }
}

/// Handle radius, SVG units: about 6 px at the current zoom.
fn handle_r(vb: ViewBox) -> f64 {
    (vb.2.max(vb.3) / 160.0).max(40.0)
}

/// Corner handles of the one selected room (Select tool, editable project).
fn corner_handles(lx: Lx, vb: ViewBox) -> Option<impl IntoView + use<>> {
    if lx.tool.get() != Tool::Select {
        return None;
    }
    let room = lx.sel.with(|s| match s.as_slice() {
        [o] if o.kind == ObjectKind::Room => Some(o.key.clone()),
        _ => None,
    })?;
    let (id, verts) = lx.view.with(|v| {
        let v = v.as_ref().filter(|v| !v.read_only)?;
        v.layout.rooms.iter().find(|r| r.id == room).map(|r| (r.id.clone(), r.shape.vertices()))
    })?;
    let r = handle_r(vb);
    Some(
        verts
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                view! {
                    <circle class="corner-handle" data-testid=format!("corner-{i}") data-room=id.clone() data-corner=i
                        cx=p.x_mm cy=-p.y_mm r=r/>
                }
            })
            .collect_view(),
    )
}

/// The room being drawn: its corners, the walls so far and the next one.
fn draft_view(lx: Lx, hover: Option<Point>, vb: ViewBox) -> Option<impl IntoView + use<>> {
    if lx.tool.get() != Tool::DrawRoom {
        return None;
    }
    let mut pts = lx.draft.get();
    let corners = pts.len();
    if let Some(h) = hover {
        pts.push(h);
    }
    let r = handle_r(vb);
    let dots = pts
        .iter()
        .take(corners)
        .enumerate()
        .map(|(i, p)| view! { <circle class="draft-corner" class:first=i == 0 data-testid="draft-corner" cx=p.x_mm cy=-p.y_mm r=r/> })
        .collect_view();
    Some(view! {
        <g class="draft" data-testid="draft">
            <polyline class="draft-walls" points=points_attr(&pts)/>
            {dots}
        </g>
    })
}

fn draw_preview(p: &Preview) -> impl IntoView + use<> {
    p.placed
        .iter()
        .map(|e| {
            let (w, d) = match e.placement.rotation.degrees() {
                90 | 270 => (p.size.1, p.size.0),
                _ => (p.size.0, p.size.1),
            };
            let (w, d) = (i64::from(w), i64::from(d));
            let x = e.placement.position.x_mm - w / 2;
            let y = -(e.placement.position.y_mm + d / 2);
            view! {
                <g class="preview" data-testid="preview-item">
                    <rect x=x y=y width=w height=d/>
                    <text x=e.placement.position.x_mm y=-e.placement.position.y_mm class="tag">{e.tag.clone()}</text>
                </g>
            }
        })
        .collect_view()
}

fn draw(lx: Lx, v: &LayoutView) -> impl IntoView + use<> {
    let violating: HashSet<(ObjectKind, String)> =
        v.report.violations.iter().flat_map(|x| x.objects.iter().map(|o| (o.kind, o.key.clone()))).collect();
    let rooms = v
        .layout
        .rooms
        .iter()
        .map(|r| {
            let verts = r.shape.vertices();
            let n = verts.len().max(1) as f64;
            let cx = verts.iter().map(|p| p.x_mm as f64).sum::<f64>() / n;
            let cy = verts.iter().map(|p| p.y_mm as f64).sum::<f64>() / n;
            let top = verts.iter().map(|p| p.y_mm).max().unwrap_or(0);
            let left = verts.iter().map(|p| p.x_mm).min().unwrap_or(0);
            let obj = ObjectRef { kind: ObjectKind::Room, key: r.id.clone() };
            let obj2 = obj.clone();
            let bad = violating.contains(&(ObjectKind::Room, r.id.clone()));
            let doors = r
                .doors
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let o = ObjectRef { kind: ObjectKind::Door, key: d.key(&r.id, i) };
                    let bad = violating.contains(&(ObjectKind::Door, o.key.clone()));
                    door(lx, o, bad, &verts, (cx, cy), d.position, d.width_mm, d.swing)
                })
                .collect_view();
            let columns = r
                .columns
                .iter()
                .map(|c| {
                    let o = ObjectRef { kind: ObjectKind::Column, key: c.id.clone() };
                    let bad = violating.contains(&(ObjectKind::Column, c.id.clone()));
                    let (w, d) = (i64::from(c.width_mm), i64::from(c.depth_mm));
                    let key = c.id.clone();
                    view! {
                        <rect class="column" class:violating=bad class:selected=move || lx.sel.with(|s| s.contains(&o))
                            data-kind="column" data-key=key.clone() data-testid=format!("column-{key}")
                            x=c.position.x_mm - w / 2 y=-(c.position.y_mm + d / 2) width=w height=d/>
                    }
                })
                .collect_view();
            view! {
                <g class="room" class:violating=bad class:outdoor=r.environment == backstop_model::layout::Environment::Outdoor data-testid=format!("room-{}", r.id)>
                    <polygon points=points_attr(&verts)/>
                    {doors}
                    {columns}
                    <text class="room-name" x=left + 150 y=-top + 450
                        class:selected=move || lx.sel.with(|s| s.contains(&obj2))
                        data-kind="room" data-key=obj.key.clone()>{format!("{} · {}", r.id, r.name)}</text>
                </g>
            }
        })
        .collect_view();
    let egress = v
        .layout
        .egress_paths
        .iter()
        .map(|p| {
            let obj = ObjectRef { kind: ObjectKind::EgressPath, key: p.id.clone() };
            let bad = violating.contains(&(ObjectKind::EgressPath, p.id.clone()));
            let pts = points_attr(&p.route);
            view! {
                <g class="egress" class:violating=bad class:selected=move || lx.sel.with(|s| s.contains(&obj))
                    data-kind="egress-path" data-key=p.id.clone() data-testid=format!("egress-{}", p.id)>
                    <polyline class="egress-band" points=pts.clone() stroke-width=p.width_mm/>
                    <polyline class="egress-line" points=pts/>
                </g>
            }
        })
        .collect_view();
    let items = v.footprints.iter().map(|f| item(lx, f, violating.contains(&(f.object.kind, f.object.key.clone())))).collect_view();
    let marks = v
        .report
        .violations
        .iter()
        .flat_map(|x| x.highlights.iter().map(move |h| (x.rule.as_str(), h.clone())))
        .map(|(rule, h)| match h {
            Highlight::Rect { min, max } => view! {
                <rect class="violation-mark" data-testid="violation-mark" data-rule=rule
                    x=min.x_mm y=-max.y_mm width=max.x_mm - min.x_mm height=max.y_mm - min.y_mm/>
            }
            .into_any(),
            Highlight::Segment { a, b } => view! {
                <line class="violation-mark" data-testid="violation-mark" data-rule=rule
                    x1=a.x_mm y1=-a.y_mm x2=b.x_mm y2=-b.y_mm/>
            }
            .into_any(),
        })
        .collect_view();
    view! {
        <g class="rooms">{rooms}</g>
        <g class="egress-paths">{egress}</g>
        <g class="items">{items}</g>
        <g class="violation-marks">{marks}</g>
    }
}

#[allow(clippy::too_many_arguments)]
fn door(
    lx: Lx,
    o: ObjectRef,
    violating: bool,
    verts: &[Point],
    centroid: (f64, f64),
    at: Point,
    width: u32,
    swing: DoorSwing,
) -> impl IntoView + use<> {
    // The wall the door sits on: the nearest edge.
    let p = (at.x_mm as f64, at.y_mm as f64);
    let mut best = (f64::MAX, (1.0, 0.0));
    for i in 0..verts.len() {
        let a = (verts[i].x_mm as f64, verts[i].y_mm as f64);
        let b = (verts[(i + 1) % verts.len()].x_mm as f64, verts[(i + 1) % verts.len()].y_mm as f64);
        let (ex, ey) = (b.0 - a.0, b.1 - a.1);
        let len2 = (ex * ex + ey * ey).max(1.0);
        let t = (((p.0 - a.0) * ex + (p.1 - a.1) * ey) / len2).clamp(0.0, 1.0);
        let q = (a.0 + t * ex, a.1 + t * ey);
        let dist = ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt();
        if dist < best.0 {
            let l = len2.sqrt();
            best = (dist, (ex / l, ey / l));
        }
    }
    let d = best.1;
    let w = f64::from(width);
    // Normal pointing into the room.
    let mut n = (-d.1, d.0);
    if (centroid.0 - p.0) * n.0 + (centroid.1 - p.1) * n.1 < 0.0 {
        n = (-n.0, -n.1);
    }
    if swing == DoorSwing::Outward {
        n = (-n.0, -n.1);
    }
    let hinge = (p.0 - d.0 * w / 2.0, p.1 - d.1 * w / 2.0);
    let jamb = (p.0 + d.0 * w / 2.0, p.1 + d.1 * w / 2.0);
    let tip = (hinge.0 + n.0 * w, hinge.1 + n.1 * w);
    // SVG coordinates (y flipped).
    let s = |q: (f64, f64)| (q.0, -q.1);
    let (h, j, t) = (s(hinge), s(jamb), s(tip));
    let a = (t.0 - h.0, t.1 - h.1);
    let b = (j.0 - h.0, j.1 - h.1);
    let sweep = if a.0 * b.1 - a.1 * b.0 > 0.0 { 1 } else { 0 };
    let path = if swing == DoorSwing::Sliding {
        format!("M {} {} L {} {}", h.0, h.1, j.0, j.1)
    } else {
        format!("M {} {} L {} {} A {w} {w} 0 0 {sweep} {} {}", h.0, h.1, t.0, t.1, j.0, j.1)
    };
    let key = o.key.clone();
    view! {
        <g class="door" class:violating=violating class:selected=move || lx.sel.with(|s| s.contains(&o))
            data-kind="door" data-key=key.clone() data-testid=format!("door-{key}")>
            <line class="door-gap" x1=h.0 y1=h.1 x2=j.0 y2=j.1/>
            <path class="door-swing" d=path/>
            <circle class="door-hit" cx=p.0 cy=-p.1 r=w / 2.0/>
        </g>
    }
}

fn item(lx: Lx, f: &Footprint, violating: bool) -> impl IntoView + use<> {
    let (x0, y0, x1, y1) = (f.min.x_mm, f.min.y_mm, f.max.x_mm, f.max.y_mm);
    let (w, h) = (x1 - x0, y1 - y0);
    let class = match f.class {
        ItemClass::Battery => "item battery",
        ItemClass::Rack => "item rack",
        ItemClass::PowerUnit => "item power-unit",
        ItemClass::Other => "item other",
    };
    // The front edge (front faces south at 0°, turning counter-clockwise).
    let (fx1, fy1, fx2, fy2) = match f.rotation_deg {
        90 => (x1, y0, x1, y1),
        180 => (x0, y1, x1, y1),
        270 => (x0, y0, x0, y1),
        _ => (x0, y0, x1, y0),
    };
    let font = ((w.min(h) as f64) * 0.3).clamp(60.0, 260.0);
    let obj = f.object.clone();
    let key = f.object.key.clone();
    view! {
        <g class=class class:violating=violating class:unknown=!f.known
            class:selected=move || lx.sel.with(|s| s.contains(&obj))
            data-testid=format!("item-{}", f.object.key) data-kind=kind_str(f.object.kind) data-key=f.object.key.clone()
            data-x-mm=f.center.x_mm data-y-mm=f.center.y_mm data-rotation=f.rotation_deg
            data-room=f.room_id.clone() data-violating=if violating { "true" } else { "false" }>
            <rect class="body" x=x0 y=-y1 width=w height=h/>
            <line class="front" x1=fx1 y1=-fy1 x2=fx2 y2=-fy2/>
            <text class="tag" x=f.center.x_mm y=-f.center.y_mm font-size=font>{key}</text>
        </g>
    }
}
