//! Layout area: rooms, IT racks and battery cabinets on a floor plan, with
//! the rule check's violations, auto-placement, rule sets and the bill of
//! materials.
//!
//! The backend computes everything (footprints, checks, BOM, placements);
//! this area draws the [`LayoutView`] it returns and sends one
//! [`LayoutEdit`] per engineer action. A drag moves only the SVG transform of
//! the dragged items while the pointer moves (so it stays fluid with a
//! thousand objects) and becomes one `MoveTo` edit on pointer-up.

mod panels;
mod plan;
mod props;

use backstop_model::layout::{ObjectKind, ObjectRef, Point};
use backstop_model::layout_view::{LayoutEdit, LayoutView, Turn};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ipc;
use crate::ipc::layout as lipc;
use crate::state::{ProjectCtx, use_project};

/// What a press on the plan does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Tool {
    /// Select (click, Shift+click, drag a box), move, edit corners.
    Select,
    /// Draw a room by clicking its corners.
    DrawRoom,
    /// Put a door on the wall clicked.
    Door,
    /// Put a column where clicked.
    Column,
}

/// The area's shared state, passed to its parts by value.
#[derive(Clone, Copy)]
pub(crate) struct Lx {
    /// The backend's latest view (None before it loads or with no project).
    pub view: RwSignal<Option<LayoutView>>,
    /// Why the view could not be loaded.
    pub load_error: RwSignal<Option<String>>,
    /// Selected objects, the first one is the pivot for rotations.
    pub sel: RwSignal<Vec<ObjectRef>>,
    /// Snap grid, mm (0: no snapping).
    pub grid: RwSignal<u32>,
    /// Last edit's label or the live drag dimensions.
    pub status: RwSignal<String>,
    /// Bumped to redraw the plan from the view (after a failed move).
    pub epoch: RwSignal<u64>,
    /// Auto-place preview drawn on the plan (dashed).
    pub preview: RwSignal<Option<plan::Preview>>,
    /// Drag timing of the last drag, JSON, for the benchmark.
    pub drag_stats: RwSignal<String>,
    /// The plan tool in use.
    pub tool: RwSignal<Tool>,
    /// Corners clicked so far of the room being drawn.
    pub draft: RwSignal<Vec<Point>>,
    /// Clear width of the next door, mm (as typed).
    pub door_width: RwSignal<String>,
    /// Width and depth of the next column, mm (as typed).
    pub column_size: RwSignal<(String, String)>,
    pub project: ProjectCtx,
}

impl Lx {
    /// Fetches the view again (after undo/redo or any project change).
    pub fn reload(self) {
        if self.project.state.with_untracked(|s| s.as_ref().is_none_or(|s| s.project.is_none())) {
            self.view.set(None);
            return;
        }
        spawn_local(async move {
            match lipc::layout_view().await {
                Ok(v) => {
                    // Only on a change: the area is rebuilt when this flips.
                    if self.load_error.with_untracked(Option::is_some) {
                        self.load_error.set(None);
                    }
                    self.set_view(v);
                }
                Err(e) => {
                    self.load_error.set(Some(e.message.clone()));
                    self.view.set(None);
                }
            }
        });
    }

    /// Replaces the view (skipped when nothing changed, so the plan is not
    /// redrawn twice after an edit and the refresh it triggers).
    pub fn set_view(self, v: LayoutView) {
        if self.view.with_untracked(|cur| cur.as_ref() != Some(&v)) {
            // Keep only selected objects that still exist.
            let keep: Vec<ObjectRef> = self.sel.get_untracked().into_iter().filter(|o| exists(&v, o)).collect();
            if keep.len() != self.sel.with_untracked(Vec::len) {
                self.sel.set(keep);
            }
            self.view.set(Some(v));
        }
    }

    /// Sends one editor operation (one undoable edit) and shows the result.
    pub fn edit(self, edit: LayoutEdit) {
        self.edit_then(edit, || {});
    }

    /// Like [`Lx::edit`], and runs `then` once the edit is saved.
    pub fn edit_then(self, edit: LayoutEdit, then: impl FnOnce() + 'static) {
        spawn_local(async move {
            match lipc::layout_edit(&edit).await {
                Ok(out) => {
                    self.status.set(format!("{} — saved; Ctrl+Z undoes it.", out.label));
                    self.set_view(out.view);
                    self.sel.set(out.select);
                    self.project.refresh();
                    then();
                }
                Err(e) => {
                    self.project.report(e);
                    // Put dragged items back where the backend has them.
                    self.epoch.update(|n| *n += 1);
                }
            }
        });
    }

    /// The selection's placed items (what moves, rotates and aligns).
    pub fn selected_items(self) -> Vec<ObjectRef> {
        self.sel.with(|s| s.iter().filter(|o| movable(o.kind)).cloned().collect())
    }

    /// Quarter turn of the selection.
    pub fn rotate(self, turn: Turn) {
        let objects = self.selected_items();
        if objects.is_empty() {
            self.project.notify("Select equipment, racks or UPS/PCS units to rotate.".into());
            return;
        }
        self.edit(LayoutEdit::Rotate { objects, turn });
    }

    /// Moves the selection by a distance.
    pub fn nudge(self, dx_mm: i64, dy_mm: i64) {
        let objects = self.selected_items();
        if !objects.is_empty() {
            self.edit(LayoutEdit::Nudge { objects, dx_mm, dy_mm });
        }
    }

    /// Deletes the selection.
    pub fn delete(self) {
        let objects = self.sel.get_untracked();
        if objects.is_empty() {
            return;
        }
        self.edit(LayoutEdit::Delete { objects });
    }

    /// Switches tool; leaving the room tool drops its unfinished outline.
    pub fn use_tool(self, tool: Tool) {
        if tool != Tool::DrawRoom && self.draft.with_untracked(|d| !d.is_empty()) {
            self.draft.set(Vec::new());
        }
        self.tool.set(tool);
    }

    /// Sends the room drawn so far (the backend checks the outline and says
    /// what is wrong with it; the corners stay so the engineer can go on).
    pub fn close_room(self) {
        let corners = self.draft.get_untracked();
        spawn_local(async move {
            match lipc::layout_edit(&LayoutEdit::DrawRoom { corners }).await {
                Ok(out) => {
                    self.draft.set(Vec::new());
                    self.tool.set(Tool::Select);
                    self.status.set(format!("{} — saved; Ctrl+Z undoes it.", out.label));
                    self.set_view(out.view);
                    self.sel.set(out.select);
                    self.project.refresh();
                }
                Err(e) => self.project.report(e),
            }
        });
    }

    /// Grid step for keyboard nudges, mm.
    pub fn step(self) -> i64 {
        i64::from(self.grid.get_untracked().max(10))
    }
}

/// Items that have a placement (equipment, racks, UPS/PCS).
pub(crate) fn movable(kind: ObjectKind) -> bool {
    matches!(kind, ObjectKind::Equipment | ObjectKind::Rack | ObjectKind::PowerUnit)
}

fn exists(v: &LayoutView, o: &ObjectRef) -> bool {
    match o.kind {
        ObjectKind::Room => v.layout.rooms.iter().any(|r| r.id == o.key),
        ObjectKind::Door => v.layout.rooms.iter().any(|r| r.doors.iter().enumerate().any(|(i, d)| d.key(&r.id, i) == o.key)),
        ObjectKind::Column => v.layout.rooms.iter().any(|r| r.columns.iter().any(|c| c.id == o.key)),
        ObjectKind::EgressPath => v.layout.egress_paths.iter().any(|p| p.id == o.key),
        _ => v.footprints.iter().any(|f| &f.object == o),
    }
}

/// Kebab-case name of an object kind (as in data attributes).
pub(crate) fn kind_str(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Room => "room",
        ObjectKind::Equipment => "equipment",
        ObjectKind::Rack => "rack",
        ObjectKind::PowerUnit => "power-unit",
        ObjectKind::EgressPath => "egress-path",
        ObjectKind::FireArea => "fire-area",
        ObjectKind::Spec => "spec",
        ObjectKind::Door => "door",
        ObjectKind::Column => "column",
    }
}

pub(crate) fn parse_kind(s: &str) -> Option<ObjectKind> {
    [
        ObjectKind::Room,
        ObjectKind::Equipment,
        ObjectKind::Rack,
        ObjectKind::PowerUnit,
        ObjectKind::EgressPath,
        ObjectKind::FireArea,
        ObjectKind::Spec,
        ObjectKind::Door,
        ObjectKind::Column,
    ]
    .into_iter()
    .find(|k| kind_str(*k) == s)
}

pub(crate) fn in_text_field() -> bool {
    document().active_element().map(|e| matches!(e.tag_name().to_lowercase().as_str(), "input" | "textarea" | "select")).unwrap_or(false)
}

#[component]
pub fn LayoutArea() -> impl IntoView {
    let project = use_project();
    let lx = Lx {
        view: RwSignal::new(None),
        load_error: RwSignal::new(None),
        sel: RwSignal::new(Vec::new()),
        grid: RwSignal::new(100),
        status: RwSignal::new(String::new()),
        epoch: RwSignal::new(0),
        preview: RwSignal::new(None),
        drag_stats: RwSignal::new(String::new()),
        tool: RwSignal::new(Tool::Select),
        draft: RwSignal::new(Vec::new()),
        door_width: RwSignal::new("915".into()),
        column_size: RwSignal::new(("600".into(), "600".into())),
        project,
    };
    // Reload after every project change (edits, undo/redo, open/close).
    Effect::new(move |_| {
        project.generation.get();
        lx.reload();
    });

    // Plan shortcuts: Escape, R / Shift+R, arrows (Shift: 10×), Delete.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.alt_key() || ev.meta_key() || in_text_field() {
            return;
        }
        let big = if ev.shift_key() { 10 } else { 1 };
        // Drawing a room: Enter closes it, Backspace takes back the last
        // corner, Escape gives up.
        if lx.tool.get_untracked() != Tool::Select {
            let handled = match ev.key().as_str() {
                "Escape" => {
                    lx.use_tool(Tool::Select);
                    true
                }
                "Enter" if lx.tool.get_untracked() == Tool::DrawRoom => {
                    lx.close_room();
                    true
                }
                "Backspace" | "Delete" if lx.tool.get_untracked() == Tool::DrawRoom => {
                    lx.draft.update(|d| {
                        d.pop();
                    });
                    true
                }
                _ => false,
            };
            if handled {
                ev.prevent_default();
            }
            return;
        }
        // With nothing selected, the keys keep their usual meaning (arrows scroll).
        if lx.sel.with_untracked(Vec::is_empty) && ev.key() != "Escape" {
            return;
        }
        let handled = match ev.key().as_str() {
            "Escape" => {
                lx.sel.set(Vec::new());
                lx.preview.set(None);
                true
            }
            "r" | "R" => {
                lx.rotate(if ev.shift_key() { Turn::Ccw } else { Turn::Cw });
                true
            }
            "ArrowLeft" => {
                lx.nudge(-lx.step() * big, 0);
                true
            }
            "ArrowRight" => {
                lx.nudge(lx.step() * big, 0);
                true
            }
            "ArrowUp" => {
                lx.nudge(0, lx.step() * big);
                true
            }
            "ArrowDown" => {
                lx.nudge(0, -lx.step() * big);
                true
            }
            "Delete" | "Backspace" => {
                lx.delete();
                true
            }
            _ => false,
        };
        if handled && lx.view.with_untracked(Option::is_some) {
            ev.prevent_default();
        }
    });
    on_cleanup(move || keys.remove());

    // Memos, so the area is rebuilt only when these flip (not on every edit,
    // which would reset the zoom and the forms).
    let has_project = Memo::new(move |_| project.state.with(|s| s.as_ref().is_some_and(|s| s.project.is_some())));
    let has_view = Memo::new(move |_| lx.view.with(Option::is_some));
    view! {
        <section data-testid="area-layout" class="layout-area">
            <h1>"Layout"</h1>
            <p class="lede">"Rooms, IT racks and battery cabinets on the floor plan, with code-compliance checks and the bill of materials."</p>
            {move || {
                if !has_project.get() {
                    return view! { <div class="card" data-testid="layout-no-project"><p class="muted">"Open or create a project (Project area) to lay out its site."</p></div> }.into_any();
                }
                if let Some(err) = lx.load_error.get() {
                    return view! { <div class="card"><p class="pill bad">"The plan could not be loaded"</p><p>{err}</p></div> }.into_any();
                }
                if !has_view.get() {
                    return view! { <p class="muted">"Loading the plan…"</p> }.into_any();
                }
                view! {
                    <Toolbar lx=lx/>
                    <div class="layout-main">
                        <plan::Plan lx=lx/>
                        <panels::Violations lx=lx/>
                    </div>
                    <panels::Tools lx=lx/>
                }.into_any()
            }}
        </section>
    }
}

fn set_grid(lx: Lx, text: &str) {
    match crate::number::whole::<u32>(text, "The grid size", 0, 10_000) {
        Ok(g) => lx.grid.set(g),
        Err(_) => {
            lx.project.report(backstop_model::AppError::invalid(format!(
                "The grid size must be whole millimetres between 0 (no snapping) and 10000; “{}” is not.",
                text.trim()
            )));
            // Show the grid in use again.
            lx.grid.update(|_| {});
        }
    }
}

#[component]
fn Toolbar(lx: Lx) -> impl IntoView {
    use backstop_model::layout_view::{AlignHow, Axis};
    let n_items = move || lx.sel.with(|s| s.iter().filter(|o| movable(o.kind)).count());
    let read_only = move || lx.view.with(|v| v.as_ref().is_some_and(|v| v.read_only));
    let align = move |how: AlignHow| move |_| lx.edit(LayoutEdit::Align { objects: lx.selected_items(), how });
    let distribute = move |axis: Axis| move |_| lx.edit(LayoutEdit::Distribute { objects: lx.selected_items(), axis });
    let project = lx.project;
    view! {
        <div class="toolbar layout-toolbar">
            <span class="tool-group" role="group" aria-label="Plan tool">
                {[(Tool::Select, "Select", "tool-select", "Select, move, drag a box around items, drag a room's corners"),
                  (Tool::DrawRoom, "Draw room", "tool-room", "Click the room's corners"),
                  (Tool::Door, "Door", "tool-door", "Click a wall to put a door in it"),
                  (Tool::Column, "Column", "tool-column", "Click where a column stands")]
                    .into_iter()
                    .map(|(t, label, id, title)| view! {
                        <button class="btn" class:active=move || lx.tool.get() == t data-testid=id title=title
                            disabled=move || t != Tool::Select && read_only() on:click=move |_| lx.use_tool(t)>{label}</button>
                    })
                    .collect_view()}
            </span>
            <span class="sep"></span>
            <label class="field inline">"Grid (mm) "
                <input class="short" type="number" min="0" step="10" data-testid="grid-size"
                    prop:value=move || lx.grid.get().to_string()
                    on:change=move |ev| set_grid(lx, &event_target_value(&ev))/>
            </label>
            <button class="btn" data-testid="rotate-cw" title="Rotate 90° clockwise (R)" disabled=move || n_items() == 0 || read_only() on:click=move |_| lx.rotate(Turn::Cw)>"⟳ Rotate"</button>
            <button class="btn" data-testid="rotate-ccw" title="Rotate 90° counter-clockwise (Shift+R)" disabled=move || n_items() == 0 || read_only() on:click=move |_| lx.rotate(Turn::Ccw)>"⟲"</button>
            <button class="btn" data-testid="delete-selection" title="Delete (Del)" disabled=move || lx.sel.with(Vec::is_empty) || read_only() on:click=move |_| lx.delete()>"Delete"</button>
            <span class="sep"></span>
            <span class="muted">"Align"</span>
            <button class="btn" data-testid="align-west" title="Align west edges" disabled=move || n_items() < 2 on:click=align(AlignHow::West)>"⇤"</button>
            <button class="btn" data-testid="align-center-x" title="Centres on one vertical line" disabled=move || n_items() < 2 on:click=align(AlignHow::CenterX)>"↔·"</button>
            <button class="btn" data-testid="align-east" title="Align east edges" disabled=move || n_items() < 2 on:click=align(AlignHow::East)>"⇥"</button>
            <button class="btn" data-testid="align-north" title="Align north edges" disabled=move || n_items() < 2 on:click=align(AlignHow::North)>"⤒"</button>
            <button class="btn" data-testid="align-center-y" title="Centres on one horizontal line" disabled=move || n_items() < 2 on:click=align(AlignHow::CenterY)>"↕·"</button>
            <button class="btn" data-testid="align-south" title="Align south edges" disabled=move || n_items() < 2 on:click=align(AlignHow::South)>"⤓"</button>
            <span class="muted">"Distribute"</span>
            <button class="btn" data-testid="distribute-x" title="Equal gaps east–west (3 or more)" disabled=move || n_items() < 3 on:click=distribute(Axis::X)>"⇹ x"</button>
            <button class="btn" data-testid="distribute-y" title="Equal gaps north–south (3 or more)" disabled=move || n_items() < 3 on:click=distribute(Axis::Y)>"⇳ y"</button>
            <span class="sep"></span>
            <button class="btn" data-testid="layout-undo" title="Undo (Ctrl+Z)" on:click=move |_| project.run(ipc::project_undo())>"Undo"</button>
            <button class="btn" data-testid="layout-redo" title="Redo (Ctrl+Y)" on:click=move |_| project.run(ipc::project_redo())>"Redo"</button>
            <span class="muted selection-count" data-testid="selection-count">{move || {
                let n = lx.sel.with(Vec::len);
                if n == 0 { "Nothing selected".to_string() } else { format!("{n} selected") }
            }}</span>
        </div>
        <ToolHint lx=lx/>
        <div class="layout-status mono" data-testid="layout-status">{move || lx.status.get()}</div>
    }
}

/// What the active tool does, and its settings.
#[component]
fn ToolHint(lx: Lx) -> impl IntoView {
    let (cw, cd) = (RwSignal::new(lx.column_size.get_untracked().0), RwSignal::new(lx.column_size.get_untracked().1));
    Effect::new(move |_| lx.column_size.set((cw.get(), cd.get())));
    move || {
        match lx.tool.get() {
        Tool::Select => ().into_any(),
        Tool::DrawRoom => view! {
            <div class="tool-hint" data-testid="tool-hint">
                <span>{move || {
                    let n = lx.draft.with(Vec::len);
                    format!("Drawing a room: {n} corner{} so far. ", if n == 1 { "" } else { "s" })
                }}</span>
                <span class="muted">"Click each corner (walls stay square; hold Shift for any angle). Click the first corner again, double-click or press Enter to close; Backspace takes back a corner; Esc stops."</span>
                <button class="btn primary" data-testid="room-close" disabled=move || lx.draft.with(Vec::len) < 3 on:click=move |_| lx.close_room()>"Close room"</button>
                <button class="btn" data-testid="room-cancel" on:click=move |_| lx.use_tool(Tool::Select)>"Cancel"</button>
            </div>
        }
        .into_any(),
        Tool::Door => view! {
            <div class="tool-hint" data-testid="tool-hint">
                <span class="muted">"Click on a wall: the door goes on the nearest wall, swinging outward; set its rating, hardware and swing under Selected item. "</span>
                <label class="field inline">"Clear width (mm) "
                    <input class="short" data-testid="door-width" prop:value=move || lx.door_width.get() on:input=move |ev| lx.door_width.set(event_target_value(&ev))/>
                </label>
            </div>
        }
        .into_any(),
        Tool::Column => view! {
            <div class="tool-hint" data-testid="tool-hint">
                <span class="muted">"Click where the column stands (snapped to the grid). "</span>
                <label class="field inline">"Width (mm) "
                    <input class="short" data-testid="column-width" prop:value=move || cw.get() on:input=move |ev| cw.set(event_target_value(&ev))/>
                </label>
                <label class="field inline">"Depth (mm) "
                    <input class="short" data-testid="column-depth" prop:value=move || cd.get() on:input=move |ev| cd.set(event_target_value(&ev))/>
                </label>
            </div>
        }
        .into_any(),
    }
    }
}
