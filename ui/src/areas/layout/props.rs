//! Properties of the one selected room, cabinet (or other equipment), IT
//! rack or UPS/PCS unit: the inputs the rule checks use (floor load, fire
//! area, clearances, voltage to ground, ampacity, rack load, the sizing case
//! served), each save one undoable `Put…` edit. The backend validates;
//! refusals show as notices.

use backstop_model::AppError;
use backstop_model::layout::{
    Clearances, DoorHinge, DoorLeadsTo, DoorSwing, Environment, ObjectKind, Placement, Point, RoomShape, Rotation,
};
use backstop_model::layout_view::LayoutEdit;
use leptos::prelude::*;

use super::Lx;

fn int(s: &str, what: &str) -> Result<i64, AppError> {
    crate::number::mm(s, what)
}

fn whole(s: &str, what: &str) -> Result<u32, AppError> {
    crate::number::whole(s, what, 0, i64::from(u32::MAX))
}

fn real(s: &str, what: &str) -> Result<f64, AppError> {
    crate::number::non_negative(s, what)
}

fn field(label: &'static str, testid: &'static str, sig: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field">{label}
            <input data-testid=testid prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))/>
        </label>
    }
}

fn s<T: ToString>(v: T) -> RwSignal<String> {
    RwSignal::new(v.to_string())
}

/// An item's `serves_case` as typed: empty follows its room, `-` serves no
/// case (stored as an empty key), anything else is a case key.
fn item_case_text(v: &Option<String>) -> String {
    match v.as_deref() {
        None => String::new(),
        Some("") => "-".to_string(),
        Some(k) => k.to_string(),
    }
}

fn item_case(text: &str) -> Option<String> {
    match text.trim() {
        "" => None,
        "-" => Some(String::new()),
        k => Some(k.to_string()),
    }
}

/// Tag, position and rotation: the fields every placed object has.
#[derive(Clone, Copy)]
struct PlaceFields {
    tag: RwSignal<String>,
    x: RwSignal<String>,
    y: RwSignal<String>,
    rot: RwSignal<String>,
}

impl PlaceFields {
    fn new(tag: &str, p: &Placement) -> Self {
        PlaceFields { tag: s(tag), x: s(p.position.x_mm), y: s(p.position.y_mm), rot: s(p.rotation.degrees()) }
    }

    /// The edited tag, and `p` moved and turned as the fields say.
    fn read(&self, p: &Placement) -> Result<(String, Placement), AppError> {
        let mut p = p.clone();
        p.position = Point::new(int(&self.x.get(), "x")?, int(&self.y.get(), "y")?);
        p.rotation = rotation(&self.rot.get())?;
        Ok((self.tag.get().trim().to_string(), p))
    }

    fn view(self) -> impl IntoView {
        view! {
            {field("Tag", "prop-tag", self.tag)}
            {field("x (mm)", "prop-x", self.x)}
            {field("y (mm)", "prop-y", self.y)}
            {field("Rotation (°)", "prop-rot", self.rot)}
        }
    }
}

/// Sends a checked edit, or shows why the fields could not make one.
fn submit(lx: Lx, edit: Result<LayoutEdit, AppError>) {
    match edit {
        Ok(edit) => lx.edit(edit),
        Err(err) => lx.project.report(err),
    }
}

#[component]
pub fn Properties(lx: Lx) -> impl IntoView {
    // Rebuilt when the selection or the view changes (after a save the
    // fields show what the backend stored).
    move || {
        let one = lx.sel.with(|s| if s.len() == 1 { s.first().cloned() } else { None });
        let Some(o) = one else {
            return view! { <div class="card"><p class="muted">"Select one room (click its name), door, column, cabinet, rack or UPS/PCS unit on the plan to edit its properties."</p></div> }.into_any();
        };
        lx.view
            .with(|v| {
                let v = v.as_ref()?;
                match o.kind {
                    ObjectKind::Room => v.layout.rooms.iter().find(|r| r.id == o.key).cloned().map(|r| room_form(lx, r).into_any()),
                    ObjectKind::Equipment => v.layout.equipment.iter().find(|e| e.tag == o.key).cloned().map(|e| {
                        let place = PlaceFields::new(&e.tag, &e.placement);
                        let c = e.clearances;
                        let (front, rear, left, right) = (s(c.front_mm), s(c.rear_mm), s(c.left_mm), s(c.right_mm));
                        let (volts, amps) = (s(e.voltage_to_ground_v), s(e.ampacity_a));
                        let case = s(item_case_text(&e.serves_case));
                        let title = format!("{} · {}", o.key, e.catalog_key);
                        let save = move |_| {
                            submit(
                                lx,
                                (|| {
                                    let mut item = e.clone();
                                    (item.tag, item.placement) = place.read(&e.placement)?;
                                    item.clearances = Clearances {
                                        front_mm: whole(&front.get(), "The front clearance")?,
                                        rear_mm: whole(&rear.get(), "The rear clearance")?,
                                        left_mm: whole(&left.get(), "The left clearance")?,
                                        right_mm: whole(&right.get(), "The right clearance")?,
                                    };
                                    item.voltage_to_ground_v = real(&volts.get(), "The voltage to ground (V)")?;
                                    item.ampacity_a = real(&amps.get(), "The ampacity (A)")?;
                                    item.serves_case = item_case(&case.get());
                                    Ok(LayoutEdit::PutEquipment { item, previous_tag: Some(e.tag.clone()) })
                                })(),
                            );
                        };
                        view! {
                            <div class="card" data-testid="props-equipment">
                                <h2>{title}</h2>
                                <div class="inline-form">
                                    {place.view()}
                                </div>
                                <div class="inline-form">
                                    {field("Front clearance (mm)", "prop-front", front)}
                                    {field("Rear (mm)", "prop-rear", rear)}
                                    {field("Left (mm)", "prop-left", left)}
                                    {field("Right (mm)", "prop-right", right)}
                                    {field("Voltage to ground (V)", "prop-volts", volts)}
                                    {field("Ampacity (A)", "prop-amps", amps)}
                                    {field("Serves sizing case (empty: as its room; -: none)", "prop-case", case)}
                                </div>
                                <button class="btn primary" data-testid="prop-save" on:click=save>"Save"</button>
                            </div>
                        }
                        .into_any()
                    }),
                    ObjectKind::Rack => v.layout.racks.iter().find(|r| r.tag == o.key).cloned().map(|k| {
                        let place = PlaceFields::new(&k.tag, &k.placement);
                        let (w, d, kw) = (s(k.width_mm), s(k.depth_mm), s(k.load_kw));
                        let save = move |_| {
                            submit(
                                lx,
                                (|| {
                                    let mut rack = k.clone();
                                    (rack.tag, rack.placement) = place.read(&k.placement)?;
                                    rack.width_mm = whole(&w.get(), "The rack width")?;
                                    rack.depth_mm = whole(&d.get(), "The rack depth")?;
                                    rack.load_kw = real(&kw.get(), "The rack load (kW)")?;
                                    Ok(LayoutEdit::PutRack { rack, previous_tag: Some(k.tag.clone()) })
                                })(),
                            );
                        };
                        view! {
                            <div class="card" data-testid="props-rack">
                                <h2>{format!("IT rack {}", o.key)}</h2>
                                <div class="inline-form">
                                    {place.view()}
                                    {field("Width (mm)", "prop-w", w)}
                                    {field("Depth (mm)", "prop-d", d)}
                                    {field("Load (kW)", "prop-kw", kw)}
                                </div>
                                <button class="btn primary" data-testid="prop-save" on:click=save>"Save"</button>
                            </div>
                        }
                        .into_any()
                    }),
                    ObjectKind::PowerUnit => v.layout.power_units.iter().find(|u| u.tag == o.key).cloned().map(|u| {
                        let place = PlaceFields::new(&u.tag, &u.placement);
                        let c = u.clearances;
                        let (front, rear) = (s(c.front_mm), s(c.rear_mm));
                        let (kw, volts, amps) = (s(u.rated_kw), s(u.voltage_to_ground_v), s(u.ampacity_a));
                        let case = s(item_case_text(&u.serves_case));
                        let title = format!("{} {}", u.kind.as_str().to_uppercase(), o.key);
                        let save = move |_| {
                            submit(
                                lx,
                                (|| {
                                    let mut unit = u.clone();
                                    (unit.tag, unit.placement) = place.read(&u.placement)?;
                                    unit.clearances.front_mm = whole(&front.get(), "The front clearance")?;
                                    unit.clearances.rear_mm = whole(&rear.get(), "The rear clearance")?;
                                    unit.rated_kw = real(&kw.get(), "The rated power (kW)")?;
                                    unit.voltage_to_ground_v = real(&volts.get(), "The voltage to ground (V)")?;
                                    unit.ampacity_a = real(&amps.get(), "The ampacity (A)")?;
                                    unit.serves_case = item_case(&case.get());
                                    Ok(LayoutEdit::PutPowerUnit { unit, previous_tag: Some(u.tag.clone()) })
                                })(),
                            );
                        };
                        view! {
                            <div class="card" data-testid="props-power-unit">
                                <h2>{title}</h2>
                                <div class="inline-form">
                                    {place.view()}
                                    {field("Front clearance (mm)", "prop-front", front)}
                                    {field("Rear (mm)", "prop-rear", rear)}
                                </div>
                                <div class="inline-form">
                                    {field("Rated (kW)", "prop-kw", kw)}
                                    {field("Voltage to ground (V)", "prop-volts", volts)}
                                    {field("Ampacity (A)", "prop-amps", amps)}
                                    {field("Serves sizing case (empty: as its room; -: none)", "prop-case", case)}
                                </div>
                                <button class="btn primary" data-testid="prop-save" on:click=save>"Save"</button>
                            </div>
                        }
                        .into_any()
                    }),
                    ObjectKind::Door => v.layout.rooms.iter().find_map(|r| {
                        let (i, d) = r.doors.iter().enumerate().find(|(i, d)| d.key(&r.id, *i) == o.key)?;
                        let others: Vec<String> = v.layout.rooms.iter().filter(|x| x.id != r.id).map(|x| x.id.clone()).collect();
                        Some(door_form(lx, r.id.clone(), d.key(&r.id, i), d.clone(), others).into_any())
                    }),
                    ObjectKind::Column => v.layout.rooms.iter().find_map(|r| {
                        let c = r.columns.iter().find(|c| c.id == o.key)?;
                        Some(column_form(lx, r.id.clone(), c.clone()).into_any())
                    }),
                    _ => None,
                }
            })
            .unwrap_or_else(|| {
                view! { <div class="card"><p class="muted">"This kind of object has no editable properties here."</p></div> }.into_any()
            })
    }
}

fn rotation(s: &str) -> Result<Rotation, AppError> {
    crate::number::whole::<u16>(s, "The rotation", 0, 359)
        .ok()
        .and_then(Rotation::from_degrees)
        .ok_or_else(|| AppError::invalid(format!("The rotation must be 0, 90, 180 or 270 degrees; “{}” is not.", s.trim())))
}

fn room_form(lx: Lx, r: backstop_model::layout::Room) -> impl IntoView {
    let (id, name, height, load) = (s(&r.id), s(&r.name), s(r.height_mm), s(r.floor_load_kg_m2));
    let fire = s(r.fire_area.clone().unwrap_or_default());
    let case = s(r.serves_case.clone().unwrap_or_default());
    let env = s(r.environment.as_str());
    let rect = match &r.shape {
        RoomShape::Rectangle { origin, width_mm, depth_mm } => Some((s(origin.x_mm), s(origin.y_mm), s(*width_mm), s(*depth_mm))),
        RoomShape::Polygon { .. } => None,
    };
    let corners = match &r.shape {
        RoomShape::Polygon { vertices } => {
            Some(s(vertices.iter().map(|p| format!("{}, {}", p.x_mm, p.y_mm)).collect::<Vec<_>>().join("\n")))
        }
        RoomShape::Rectangle { .. } => None,
    };
    let (doors, columns) = (r.doors.len(), r.columns.len());
    let title = format!("Room {}", r.id);
    let save = move |_| {
        submit(
            lx,
            (|| {
                let mut room = r.clone();
                room.id = id.get().trim().to_string();
                room.name = name.get().trim().to_string();
                room.height_mm = whole(&height.get(), "The room height")?;
                room.floor_load_kg_m2 = real(&load.get(), "The allowable floor load (kg/m²)")?;
                let f = fire.get().trim().to_string();
                room.fire_area = if f.is_empty() { None } else { Some(f) };
                let c = case.get().trim().to_string();
                room.serves_case = if c.is_empty() { None } else { Some(c) };
                room.environment = Environment::parse(&env.get()).unwrap_or_default();
                if let Some(text) = corners {
                    room.shape = RoomShape::Polygon { vertices: parse_corners(&text.get())? };
                }
                if let Some((x, y, w, d)) = rect {
                    room.shape = RoomShape::Rectangle {
                        origin: Point::new(int(&x.get(), "The west edge x")?, int(&y.get(), "The south edge y")?),
                        width_mm: whole(&w.get(), "The room width")?,
                        depth_mm: whole(&d.get(), "The room depth")?,
                    };
                }
                Ok(LayoutEdit::PutRoom { room, previous_id: Some(r.id.clone()) })
            })(),
        );
    };
    view! {
        <div class="card" data-testid="props-room">
            <h2>{title}</h2>
            <div class="inline-form">
                {field("Id", "prop-room-id", id)}
                {field("Name", "prop-room-name", name)}
                {field("Height (mm)", "prop-room-height", height)}
                {field("Allowable floor load (kg/m²)", "prop-room-load", load)}
                {field("Fire area", "prop-room-fire", fire)}
                {field("Serves sizing case", "prop-room-case", case)}
                <label class="field">"Environment"
                    <select data-testid="prop-room-env" on:change=move |ev| env.set(event_target_value(&ev))>
                        <option value="indoor" selected=env.get_untracked() == "indoor">"indoor"</option>
                        <option value="outdoor" selected=env.get_untracked() == "outdoor">"outdoor"</option>
                    </select>
                </label>
            </div>
            {rect.map(|(x, y, w, d)| view! {
                <div class="inline-form">
                    {field("West edge x (mm)", "prop-room-x", x)}
                    {field("South edge y (mm)", "prop-room-y", y)}
                    {field("Width (mm)", "prop-room-w", w)}
                    {field("Depth (mm)", "prop-room-d", d)}
                </div>
            })}
            {corners.map(|c| view! {
                <label class="field">"Corners (x, y in mm, one per line, in order around the room)"
                    <textarea rows="6" class="mono" data-testid="prop-room-corners" prop:value=move || c.get() on:input=move |ev| c.set(event_target_value(&ev))></textarea>
                </label>
            })}
            <p class="muted">{format!("{doors} door(s), {columns} column(s): click one on the plan to edit it. Drag the room's corner handles to reshape it (walls stay square; Shift for any angle).")}</p>
            <button class="btn primary" data-testid="prop-save" on:click=save>"Save room"</button>
        </div>
    }
}

/// Corners typed one per line as `x, y` (or `x y`), in mm.
fn parse_corners(text: &str) -> Result<Vec<Point>, AppError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let parts: Vec<&str> = if line.contains(',') { line.split(',').collect() } else { line.split_whitespace().collect() };
        let [x, y] = parts.as_slice() else {
            return Err(AppError::invalid(format!(
                "Corner line {}: “{}” is not two numbers; write each corner as x, y in mm.",
                n + 1,
                line.trim()
            )));
        };
        out.push(Point::new(int(x, &format!("Corner line {} x", n + 1))?, int(y, &format!("Corner line {} y", n + 1))?));
    }
    Ok(out)
}

fn door_form(lx: Lx, room_id: String, key: String, d: backstop_model::layout::Door, other_rooms: Vec<String>) -> impl IntoView {
    let (id, width, x, y, rating) = (s(&d.id), s(d.width_mm), s(d.position.x_mm), s(d.position.y_mm), s(d.fire_rating_min));
    let swing = s(d.swing.as_str());
    let hinge = s(d.hinge.as_str());
    let leads = s(match &d.leads_to {
        DoorLeadsTo::Outside => "outside".to_string(),
        DoorLeadsTo::Corridor => "corridor".to_string(),
        DoorLeadsTo::Room(r) => format!("room:{r}"),
    });
    let panic = RwSignal::new(d.panic_hardware);
    let title = format!("Door {key} · room {room_id}");
    let save = move |_| {
        submit(
            lx,
            (|| {
                let mut door = d.clone();
                door.id = id.get().trim().to_string();
                door.width_mm = whole(&width.get(), "The door's clear width")?;
                door.position = Point::new(int(&x.get(), "The door's x")?, int(&y.get(), "The door's y")?);
                door.fire_rating_min = whole(&rating.get(), "The fire rating (min)")?;
                door.panic_hardware = panic.get();
                door.swing = DoorSwing::parse(&swing.get()).unwrap_or(DoorSwing::Outward);
                door.hinge = if hinge.get() == "left" { DoorHinge::Left } else { DoorHinge::Right };
                door.leads_to = match leads.get().as_str() {
                    "outside" => DoorLeadsTo::Outside,
                    "corridor" => DoorLeadsTo::Corridor,
                    other => DoorLeadsTo::Room(other.trim_start_matches("room:").to_string()),
                };
                Ok(LayoutEdit::PutDoor { room_id: room_id.clone(), door, previous_key: key.clone() })
            })(),
        );
    };
    let select = |label: &'static str, testid: &'static str, sig: RwSignal<String>, options: Vec<(String, String)>| {
        let now = sig.get_untracked();
        view! {
            <label class="field">{label}
                <select data-testid=testid on:change=move |ev| sig.set(event_target_value(&ev))>
                    {options.into_iter().map(|(v, t)| view! { <option value=v.clone() selected=v == now>{t}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    let o = |v: &str, t: &str| (v.to_string(), t.to_string());
    let mut leads_options = vec![o("outside", "outside (exit discharge)"), o("corridor", "a corridor")];
    leads_options.extend(other_rooms.iter().map(|r| (format!("room:{r}"), format!("room {r}"))));
    view! {
        <div class="card" data-testid="props-door">
            <h2>{title}</h2>
            <div class="inline-form">
                {field("Id", "prop-door-id", id)}
                {field("Clear width (mm)", "prop-door-width", width)}
                {field("x (mm)", "prop-door-x", x)}
                {field("y (mm)", "prop-door-y", y)}
            </div>
            <div class="inline-form">
                {select("Swing", "prop-door-swing", swing, vec![o("outward", "outward"), o("inward", "inward"), o("sliding", "sliding")])}
                {select("Hinge (from inside)", "prop-door-hinge", hinge, vec![o("right", "right"), o("left", "left")])}
                {select("Leads to", "prop-door-leads", leads, leads_options)}
                {field("Fire rating (min, 0: none)", "prop-door-rating", rating)}
                <label class="field inline"><input type="checkbox" data-testid="prop-door-panic" prop:checked=move || panic.get()
                    on:change=move |ev| panic.set(event_target_checked(&ev))/>" Panic hardware"</label>
            </div>
            <p class="muted">"The door is kept on its wall: a position off the wall moves onto the nearest one."</p>
            <button class="btn primary" data-testid="prop-save" on:click=save>"Save door"</button>
        </div>
    }
}

fn column_form(lx: Lx, room_id: String, c: backstop_model::layout::Column) -> impl IntoView {
    let (id, x, y, w, d) = (s(&c.id), s(c.position.x_mm), s(c.position.y_mm), s(c.width_mm), s(c.depth_mm));
    let previous_id = c.id.clone();
    let title = format!("Column {} · room {room_id}", c.id);
    let save = move |_| {
        submit(
            lx,
            (|| {
                let column = backstop_model::layout::Column {
                    id: id.get().trim().to_string(),
                    position: Point::new(int(&x.get(), "The column's x")?, int(&y.get(), "The column's y")?),
                    width_mm: whole(&w.get(), "The column width")?,
                    depth_mm: whole(&d.get(), "The column depth")?,
                };
                Ok(LayoutEdit::PutColumn { room_id: room_id.clone(), column, previous_id: previous_id.clone() })
            })(),
        );
    };
    view! {
        <div class="card" data-testid="props-column">
            <h2>{title}</h2>
            <div class="inline-form">
                {field("Id", "prop-column-id", id)}
                {field("x (mm)", "prop-column-x", x)}
                {field("y (mm)", "prop-column-y", y)}
                {field("Width (mm)", "prop-column-w", w)}
                {field("Depth (mm)", "prop-column-d", d)}
            </div>
            <button class="btn primary" data-testid="prop-save" on:click=save>"Save column"</button>
        </div>
    }
}
