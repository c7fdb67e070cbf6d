//! The panels beside and below the plan: violations (and input
//! diagnostics), the add/duplicate forms, auto-place, rule sets and the bill
//! of materials with its exports.

use backstop_model::AppError;
use backstop_model::catalog::EntryKind;
use backstop_model::layout::{
    AutoPlaceRequest, Clearances, ConsistencyStatus, FieldError, ObjectRef, PlaceLimit, Point, Rotation, RuleSet, Severity,
};
use backstop_model::layout_view::{AutoPlaceCall, Direction, LayoutEdit, LayoutExport, RuleSetOrigin};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::plan::Preview;
use super::{Lx, kind_str, movable};
use crate::ipc::layout as lipc;

fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.1}") }
}

#[component]
pub fn Violations(lx: Lx) -> impl IntoView {
    let select = move |objs: Vec<ObjectRef>| lx.sel.set(objs);
    view! {
        <aside class="card violations" data-testid="violations-panel">
            {move || lx.view.with(|v| v.as_ref().map(|v| {
                let r = &v.report;
                let head = if r.violations.is_empty() {
                    view! { <p><span class="pill ok" data-testid="violations-count">"No violations"</span>
                        <span class="muted">{format!(" · {} objects checked against {}", r.objects_checked, v.rule_set.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| "no usable rule set".into()))}</span></p> }.into_any()
                } else {
                    view! { <p><span class="pill bad" data-testid="violations-count">{format!("{} violation{}", r.violations.len(), if r.violations.len() == 1 { "" } else { "s" })}</span>
                        <span class="muted">{format!(" · {} objects checked against {}", r.objects_checked, v.rule_set.as_ref().map(|s| s.name.clone()).unwrap_or_default())}</span></p> }.into_any()
                };
                let list = r.violations.iter().map(|x| {
                    let objs = x.objects.clone();
                    let objs2 = objs.clone();
                    let m = x.measure;
                    let names = x.objects.iter().map(|o| o.key.clone()).collect::<Vec<_>>().join(", ");
                    let names2 = names.clone();
                    let selected = move || lx.sel.with(|s| !objs2.is_empty() && objs2.iter().all(|o| s.contains(o)));
                    view! {
                        <li class="violation" class:selected=selected data-testid="violation" data-rule=x.rule.as_str()
                            data-objects=names2 on:click=move |_| select(objs.clone())>
                            <div class="v-title"><strong>{x.title.clone()}</strong> <span class="muted v-ref">{x.reference.clone()}</span></div>
                            <div class="v-measure mono">{format!("measured {} {} · required {} {} {}", fmt_num(m.measured), m.unit.symbol(), m.bound.symbol(), fmt_num(m.required), m.unit.symbol())}</div>
                            <div class="v-msg">{x.message.clone()}</div>
                            <div class="v-objects muted">{names}</div>
                        </li>
                    }
                }).collect_view();
                let diags = r.diagnostics.iter().map(|d| {
                    let objs = d.objects.clone();
                    let cls = if d.severity == Severity::Error { "pill bad" } else { "pill warn" };
                    view! {
                        <li class="diagnostic" data-testid="layout-diagnostic" on:click=move |_| if !objs.is_empty() { select(objs.clone()) }>
                            <span class=cls>{if d.severity == Severity::Error { "input error" } else { "warning" }}</span>" "
                            <span class="mono muted">{d.field.clone()}</span>" "{d.message.clone()}
                        </li>
                    }
                }).collect_view();
                // The layout held against each sizing case (computed by the backend).
                let sizing = r.consistency.iter().map(|c| {
                    let objs = c.objects.clone();
                    let cls = match c.status {
                        ConsistencyStatus::Consistent => "pill ok",
                        ConsistencyStatus::Short => "pill bad",
                        ConsistencyStatus::NotChecked => "pill warn",
                    };
                    view! {
                        <li class="diagnostic" data-testid="consistency-case" data-case=c.case_key.clone() on:click=move |_| if !objs.is_empty() { select(objs.clone()) }>
                            <span class=cls>{c.status.label()}</span>" "{c.summary.clone()}
                        </li>
                    }
                }).collect_view();
                let fire = r.fire_areas.iter().map(|f| {
                    let e = f.energy_kwh.iter().map(|(c, k)| format!("{} {} kWh", c.label(), fmt_num(*k))).collect::<Vec<_>>().join(", ");
                    view! { <li>{format!("{}{}: {}", f.fire_area, if f.outdoor { " (outdoor)" } else { "" }, if e.is_empty() { "no batteries".into() } else { e })}</li> }
                }).collect_view();
                view! {
                    <h2>"Rule check"</h2>
                    {head}
                    <ul class="violation-list">{list}</ul>
                    {(!r.diagnostics.is_empty()).then(|| view! { <h3>"Input problems"</h3><ul class="diag-list">{diags}</ul> })}
                    {(!r.consistency.is_empty()).then(|| view! { <h3>"Layout against the sizing"</h3><ul class="diag-list" data-testid="consistency-list">{sizing}</ul> })}
                    <h3>"Energy per fire area"</h3>
                    <ul class="plain">{fire}</ul>
                }
            }))}
        </aside>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Add,
    Props,
    AutoPlace,
    Rules,
    Bom,
}

#[component]
pub fn Tools(lx: Lx) -> impl IntoView {
    let tab = RwSignal::new(Tab::Add);
    let tabs = [
        (Tab::Add, "Add & duplicate", "tab-layout-add"),
        (Tab::Props, "Selected item", "tab-props"),
        (Tab::AutoPlace, "Auto-place", "tab-autoplace"),
        (Tab::Rules, "Rule sets", "tab-rules"),
        (Tab::Bom, "Bill of materials", "tab-bom"),
    ];
    view! {
        <div class="tabs">
            {tabs.into_iter().map(|(t, label, id)| view! {
                <button class="tab" class:active=move || tab.get() == t data-testid=id on:click=move |_| tab.set(t)>{label}</button>
            }).collect_view()}
        </div>
        {move || match tab.get() {
            Tab::Add => view! { <AddForms lx=lx/> }.into_any(),
            Tab::Props => view! { <super::props::Properties lx=lx/> }.into_any(),
            Tab::AutoPlace => view! { <AutoPlace lx=lx/> }.into_any(),
            Tab::Rules => view! { <RuleSets lx=lx/> }.into_any(),
            Tab::Bom => view! { <BomPanel lx=lx/> }.into_any(),
        }}
    }
}

fn int(s: &str, what: &str) -> Result<i64, AppError> {
    crate::number::mm(s, what)
}

fn pos_u32(s: &str, what: &str) -> Result<u32, AppError> {
    crate::number::whole(s, what, 1, i64::from(u32::MAX))
}

fn real(s: &str, what: &str) -> Result<f64, AppError> {
    crate::number::non_negative(s, what)
}

/// A labelled text input bound to a string signal.
fn input(label: &'static str, testid: &'static str, sig: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field">{label}
            <input data-testid=testid prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev))/>
        </label>
    }
}

fn room_select(lx: Lx, testid: &'static str, sig: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field">"Room"
            <select data-testid=testid on:change=move |ev| sig.set(event_target_value(&ev))>
                {move || lx.view.with(|v| v.as_ref().map(|v| v.layout.rooms.iter().map(|r| {
                    let id = r.id.clone();
                    let is = sig.get() == id;
                    view! { <option value=id.clone() selected=is>{format!("{} · {}", r.id, r.name)}</option> }
                }).collect_view()))}
            </select>
        </label>
    }
}

/// Centre of a room (for default positions).
fn room_center(lx: Lx, id: &str) -> Option<Point> {
    lx.view.with_untracked(|v| {
        let r = v.as_ref()?.layout.rooms.iter().find(|r| r.id == id)?;
        let vs = r.shape.vertices();
        let n = vs.len().max(1) as i64;
        Some(Point::new(vs.iter().map(|p| p.x_mm).sum::<i64>() / n, vs.iter().map(|p| p.y_mm).sum::<i64>() / n))
    })
}

fn first_room(lx: Lx) -> String {
    lx.view.with_untracked(|v| v.as_ref().and_then(|v| v.layout.rooms.first().map(|r| r.id.clone())).unwrap_or_default())
}

#[component]
fn AddForms(lx: Lx) -> impl IntoView {
    let report = move |e: AppError| lx.project.report(e);
    // Room.
    let east = lx.view.with_untracked(|v| {
        v.as_ref()
            .map(|v| v.layout.rooms.iter().flat_map(|r| r.shape.vertices()).map(|p| p.x_mm).max().map(|x| x + 1000).unwrap_or(0))
            .unwrap_or(0)
    });
    let rx = RwSignal::new(east.to_string());
    let ry = RwSignal::new("0".to_string());
    let rw = RwSignal::new("6000".to_string());
    let rd = RwSignal::new("5000".to_string());
    let add_room = move |_| {
        let r = (|| {
            Ok::<_, AppError>(LayoutEdit::AddRoom {
                origin: Point::new(int(&rx.get(), "The room's west edge x")?, int(&ry.get(), "The room's south edge y")?),
                width_mm: pos_u32(&rw.get(), "The room width")?,
                depth_mm: pos_u32(&rd.get(), "The room depth")?,
            })
        })();
        match r {
            Ok(e) => lx.edit(e),
            Err(e) => report(e),
        }
    };
    // Equipment.
    let cat =
        RwSignal::new(lx.view.with_untracked(|v| v.as_ref().and_then(|v| v.catalog.first().map(|c| c.key.clone())).unwrap_or_default()));
    let eroom = RwSignal::new(first_room(lx));
    let ex = RwSignal::new(String::new());
    let ey = RwSignal::new(String::new());
    let eprefix = RwSignal::new(String::new());
    let position = move |room: &str, x: &str, y: &str| -> Result<Point, AppError> {
        if x.trim().is_empty() && y.trim().is_empty() {
            return room_center(lx, room).ok_or_else(|| AppError::invalid("Choose a room (add one first if the plan has none)."));
        }
        Ok(Point::new(int(x, "x")?, int(y, "y")?))
    };
    let add_eq = move |_| {
        let key = cat.get();
        // Empty: the backend gives the entry kind's default prefix.
        let prefix = eprefix.get().trim().to_string();
        match position(&eroom.get(), &ex.get(), &ey.get()) {
            Ok(p) => lx.edit(LayoutEdit::AddFromCatalog { catalog_key: key, room_id: eroom.get(), position: p, tag_prefix: prefix }),
            Err(e) => report(e),
        }
    };
    // Rack.
    let rroom = RwSignal::new(first_room(lx));
    let kx = RwSignal::new(String::new());
    let ky = RwSignal::new(String::new());
    let kkw = RwSignal::new("60".to_string());
    let add_rack = move |_| {
        let r = (|| Ok::<_, AppError>((position(&rroom.get(), &kx.get(), &ky.get())?, real(&kkw.get(), "The rack load (kW)")?)))();
        match r {
            Ok((p, kw)) => lx.edit(LayoutEdit::AddRack { room_id: rroom.get(), position: p, load_kw: kw }),
            Err(e) => report(e),
        }
    };
    let groom = RwSignal::new(first_room(lx));
    // Duplicate row.
    let count = RwSignal::new("4".to_string());
    let pitch = RwSignal::new("1800".to_string());
    let dir = RwSignal::new("east".to_string());
    let dup = move |_| {
        let Some(template) = lx.sel.with_untracked(|s| s.iter().find(|o| movable(o.kind)).cloned()) else {
            report(AppError::invalid("Select the cabinet (or rack, or unit) to copy first."));
            return;
        };
        let direction = match dir.get().as_str() {
            "north" => Direction::North,
            "south" => Direction::South,
            "west" => Direction::West,
            _ => Direction::East,
        };
        match (pos_u32(&count.get(), "The number of copies"), pos_u32(&pitch.get(), "The pitch (mm)")) {
            (Ok(count), Ok(pitch_mm)) => lx.edit(LayoutEdit::DuplicateRow { template, count, pitch_mm, direction }),
            (Err(e), _) | (_, Err(e)) => report(e),
        }
    };
    view! {
        <div class="grid2 layout-forms">
            <div class="card">
                <h2>"Add equipment"</h2>
                <label class="field">"Catalog entry"
                    <select data-testid="add-eq-catalog" on:change=move |ev| cat.set(event_target_value(&ev))>
                        {move || lx.view.with(|v| v.as_ref().map(|v| v.catalog.iter().map(|c| {
                            let size = if c.width_mm > 0 { format!(" · {}×{} mm", c.width_mm, c.depth_mm) } else { String::new() };
                            let energy = if c.energy_kwh > 0.0 { format!(" · {} kWh", fmt_num(c.energy_kwh)) } else { String::new() };
                            let src = if c.in_project { "project" } else { "built-in" };
                            let is = cat.get() == c.key;
                            view! { <option value=c.key.clone() selected=is>{format!("{} ({}, {src}){size}{energy}", c.name, c.kind)}</option> }
                        }).collect_view()))}
                    </select>
                </label>
                {room_select(lx, "add-eq-room", eroom)}
                <div class="inline-form">
                    {input("x (mm)", "add-eq-x", ex)}
                    {input("y (mm)", "add-eq-y", ey)}
                    {input("Tag prefix", "add-eq-prefix", eprefix)}
                </div>
                <p class="muted">"Leave x and y empty to place it in the middle of the room; a built-in entry is copied into the project."</p>
                <button class="btn primary" data-testid="add-eq" on:click=add_eq>"Add equipment"</button>
            </div>
            <div class="card">
                <h2>"Duplicate a row"</h2>
                <p class="muted">{move || lx.sel.with(|s| match s.iter().find(|o| movable(o.kind)) {
                    Some(o) => format!("Copies of {} ({}) in a row.", o.key, kind_str(o.kind)),
                    None => "Select the item to copy on the plan.".to_string(),
                })}</p>
                <div class="inline-form">
                    {input("Copies", "dup-count", count)}
                    {input("Pitch (mm, centre to centre)", "dup-pitch", pitch)}
                    <label class="field">"Direction"
                        <select data-testid="dup-dir" on:change=move |ev| dir.set(event_target_value(&ev))>
                            <option value="east" selected=true>"east"</option>
                            <option value="west">"west"</option>
                            <option value="north">"north"</option>
                            <option value="south">"south"</option>
                        </select>
                    </label>
                </div>
                <button class="btn primary" data-testid="dup-row" on:click=dup>"Duplicate"</button>
            </div>
            <div class="card">
                <h2>"Add a room"</h2>
                <div class="inline-form">
                    {input("West edge x (mm)", "room-x", rx)}
                    {input("South edge y (mm)", "room-y", ry)}
                    {input("Width (mm)", "room-w", rw)}
                    {input("Depth (mm)", "room-d", rd)}
                </div>
                <button class="btn primary" data-testid="add-room" on:click=add_room>"Add room"</button>
            </div>
            <div class="card">
                <h2>"Add an IT rack"</h2>
                {room_select(lx, "add-rack-room", rroom)}
                <div class="inline-form">
                    {input("x (mm)", "add-rack-x", kx)}
                    {input("y (mm)", "add-rack-y", ky)}
                    {input("Load (kW)", "add-rack-kw", kkw)}
                </div>
                <button class="btn primary" data-testid="add-rack" on:click=add_rack>"Add rack"</button>
                <h2 class="spaced">"Add an egress path"</h2>
                {room_select(lx, "add-egress-room", groom)}
                <button class="btn" data-testid="add-egress" on:click=move |_| lx.edit(LayoutEdit::AddEgressPath { room_id: groom.get() })>"Add egress path across the room"</button>
            </div>
        </div>
    }
}

#[component]
fn AutoPlace(lx: Lx) -> impl IntoView {
    let battery_keys = move || {
        lx.view.with(|v| {
            v.as_ref()
                .map(|v| {
                    v.catalog
                        .iter()
                        .filter(|c| c.energy_kwh > 0.0)
                        .map(|c| (c.key.clone(), c.name.clone(), c.width_mm, c.depth_mm, c.energy_kwh))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let room = RwSignal::new(first_room(lx));
    let key = RwSignal::new(battery_keys().first().map(|c| c.0.clone()).unwrap_or_default());
    let count = RwSignal::new("4".to_string());
    // The prefix the backend would give (the model's one rule: BESS- for a
    // container, EQ- for an entry of no known kind). The engineer may type another.
    let suggested = move |k: &str| {
        lx.view.with_untracked(|v| {
            backstop_model::catalog::tag_prefix_of(
                v.as_ref().and_then(|v| v.catalog.iter().find(|c| c.key == k)).and_then(|c| EntryKind::from_name(&c.kind)),
            )
        })
    };
    let prefix = RwSignal::new(suggested(&key.get_untracked()).to_string());
    // A new entry brings its kind's prefix unless the engineer typed one.
    let set_key = move |k: String| {
        let was = suggested(&key.get_untracked());
        if prefix.get_untracked().trim() == was || prefix.get_untracked().trim().is_empty() {
            prefix.set(suggested(&k).to_string());
        }
        key.set(k);
    };
    let front = RwSignal::new("1000".to_string());
    let rear = RwSignal::new("100".to_string());
    let volts = RwSignal::new("480".to_string());
    let amps = RwSignal::new("400".to_string());
    let step = RwSignal::new("100".to_string());
    let result: RwSignal<Option<(String, bool)>> = RwSignal::new(None);
    // UPS sizing cases with a stored result, to take the cabinets from.
    let cases: RwSignal<Vec<(String, String)>> = RwSignal::new(Vec::new());
    let case_key = RwSignal::new(String::new());
    let from_case: RwSignal<Option<String>> = RwSignal::new(None);
    spawn_local(async move {
        if let Ok(o) = crate::ipc::sizing_overview().await {
            let list: Vec<(String, String)> = o
                .cases
                .into_iter()
                .filter(|c| c.kind == Some(backstop_model::sizing_view::CaseKind::Ups) && c.has_result)
                .map(|c| (c.key, format!("{} — {}", c.name, c.summary)))
                .collect();
            if let Some(first) = list.first() {
                case_key.set(first.0.clone());
            }
            cases.set(list);
        }
    });
    // Recomputes the chosen case in the backend and takes the governing
    // method's battery (catalog key and number of enclosures).
    let take_case = move |_| {
        let k = case_key.get_untracked();
        spawn_local(async move {
            let r = async {
                let stored = crate::ipc::sizing_case_get(&k).await?;
                let backstop_model::sizing_view::SizingCase::Ups(case) = stored.case else {
                    return Err(AppError::invalid("Only UPS ride-through cases call for a number of cabinets; choose a UPS case."));
                };
                let computed = crate::ipc::sizing_ups_compute(&case).await?;
                let res = computed.result;
                let governing = res.governing.ok_or_else(|| {
                    AppError::invalid(format!(
                        "Sizing case “{}” has no feasible method, so it calls for no cabinets; fix it in the Sizing area.",
                        stored.name
                    ))
                })?;
                let config = res.methods.iter().find(|m| m.method == governing).and_then(|m| m.config.clone()).ok_or_else(|| {
                    AppError::invalid(format!(
                        "Sizing case “{}” has no battery configuration; recompute it in the Sizing area.",
                        stored.name
                    ))
                })?;
                Ok::<_, AppError>((stored.name, governing.label(), config))
            }
            .await;
            match r {
                Ok((name, method, config)) => {
                    set_key(config.battery_key.clone());
                    count.set(config.enclosures.to_string());
                    from_case.set(Some(format!(
                        "From “{name}” ({method} governs): {} × {} ({} kWh installed).",
                        config.enclosures,
                        config.battery_key,
                        fmt_num(config.energy_kwh)
                    )));
                }
                Err(e) => lx.project.report(e),
            }
        });
    };
    let request = move || -> Result<AutoPlaceRequest, AppError> {
        Ok(AutoPlaceRequest {
            room_id: room.get(),
            catalog_key: key.get(),
            count: pos_u32(&count.get(), "The number of cabinets")?,
            tag_prefix: prefix.get().trim().to_string(),
            rotation: Rotation::R0,
            clearances: Clearances {
                front_mm: u32::try_from(int(&front.get(), "The front clearance")?)
                    .map_err(|_| AppError::invalid("The front clearance must be ≥ 0 mm."))?,
                rear_mm: u32::try_from(int(&rear.get(), "The rear clearance")?)
                    .map_err(|_| AppError::invalid("The rear clearance must be ≥ 0 mm."))?,
                left_mm: 0,
                right_mm: 0,
            },
            voltage_to_ground_v: real(&volts.get(), "The voltage to ground (V)")?,
            ampacity_a: real(&amps.get(), "The ampacity (A)")?,
            search_step_mm: pos_u32(&step.get(), "The search step (mm)")?,
        })
    };
    let run = move |apply: bool| {
        let req = match request() {
            Ok(r) => r,
            Err(e) => {
                lx.project.report(e);
                return;
            }
        };
        let size = lx.view.with_untracked(|v| {
            v.as_ref()
                .and_then(|v| v.catalog.iter().find(|c| c.key == req.catalog_key).map(|c| (c.width_mm.max(1), c.depth_mm.max(1))))
                .unwrap_or((500, 500))
        });
        spawn_local(async move {
            match lipc::layout_auto_place(&AutoPlaceCall { request: req, apply }).await {
                Ok(out) => {
                    let r = out.result;
                    let why = match &r.limit {
                        None => String::new(),
                        Some(PlaceLimit::FireAreaEnergy { fire_area, energy_kwh, limit_kwh }) => format!(
                            " Limit: fire area {fire_area} would hold {} kWh of {} kWh allowed.",
                            fmt_num(*energy_kwh),
                            fmt_num(*limit_kwh)
                        ),
                        Some(PlaceLimit::FloorLoad { load_kg_m2, allowable_kg_m2 }) => format!(
                            " Limit: floor load {} kg/m² over the allowable {} kg/m².",
                            fmt_num(*load_kg_m2),
                            fmt_num(*allowable_kg_m2)
                        ),
                        Some(PlaceLimit::Cabinet { rule, message }) => format!(" Limit ({}): {message}", rule.as_str()),
                        Some(PlaceLimit::NoSpace { rejected_by }) => format!(
                            " No more room; positions rejected by: {}.",
                            rejected_by.iter().map(|(r, n)| format!("{} ×{n}", r.as_str())).collect::<Vec<_>>().join(", ")
                        ),
                        Some(PlaceLimit::InvalidRequest { message }) => format!(" {message}"),
                    };
                    let all = r.limit.is_none() && r.placed.len() as u32 == r.requested;
                    result.set(Some((format!("{}{why}", r.summary), all)));
                    if let Some(v) = out.view {
                        lx.preview.set(None);
                        lx.set_view(v);
                        lx.project.refresh();
                        lx.status.set(format!("Auto-placed {} cabinet(s) — saved; Ctrl+Z undoes it.", r.placed.len()));
                    } else {
                        lx.preview.set(Some(Preview { placed: r.placed, size }));
                    }
                }
                Err(e) => lx.project.report(e),
            }
        });
    };
    view! {
        <div class="card" data-testid="autoplace">
            <h2>"Auto-place cabinets"</h2>
            <p class="muted">"Places the cabinets a sizing result calls for into a room, keeping every rule of the rule set in force; preview first (dashed on the plan), then apply as one undoable edit."</p>
            {move || (!cases.with(Vec::is_empty)).then(|| view! {
                <div class="inline-form">
                    <label class="field">"Sizing case"
                        <select data-testid="ap-case" on:change=move |ev| case_key.set(event_target_value(&ev))>
                            {cases.get().into_iter().map(|(k, label)| { let is = case_key.get_untracked() == k; view! { <option value=k selected=is>{label}</option> } }).collect_view()}
                        </select>
                    </label>
                    <button class="btn" data-testid="ap-from-case" on:click=take_case>"Take its cabinets"</button>
                </div>
            })}
            {move || from_case.get().map(|t| view! { <p class="muted" data-testid="ap-from-case-text">{t}</p> })}
            <div class="inline-form">
                {room_select(lx, "ap-room", room)}
                <label class="field">"Cabinet"
                    <select data-testid="ap-catalog" on:change=move |ev| set_key(event_target_value(&ev))>
                        {move || battery_keys().into_iter().map(|(k, name, w, d, e)| {
                            let is = key.get() == k;
                            view! { <option value=k.clone() selected=is>{format!("{name} · {w}×{d} mm · {} kWh", fmt_num(e))}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {input("Count", "ap-count", count)}
                {input("Tag prefix", "ap-prefix", prefix)}
            </div>
            <div class="inline-form">
                {input("Front clearance (mm)", "ap-front", front)}
                {input("Rear clearance (mm)", "ap-rear", rear)}
                {input("Voltage to ground (V)", "ap-volts", volts)}
                {input("Ampacity (A)", "ap-amps", amps)}
                {input("Search step (mm)", "ap-step", step)}
            </div>
            <div class="toolbar">
                <button class="btn" data-testid="ap-preview" on:click=move |_| run(false)>"Preview"</button>
                <button class="btn primary" data-testid="ap-apply" on:click=move |_| run(true)>"Apply"</button>
                <button class="btn" on:click=move |_| { lx.preview.set(None); result.set(None); }>"Clear preview"</button>
            </div>
            {move || result.get().map(|(text, ok)| view! {
                <p data-testid="ap-result"><span class=if ok { "pill ok" } else { "pill warn" }>{if ok { "all fit" } else { "not all fit" }}</span>" "{text}</p>
            })}
        </div>
    }
}

/// An editable number of a rule set: field path, label, getter, setter.
type NumField = (&'static str, &'static str, fn(&RuleSet) -> f64, fn(&mut RuleSet, f64), bool);

const NUM_FIELDS: &[NumField] = &[
    ("arrays.max_array_kwh", "Max energy per array (kWh)", |r| r.arrays.max_array_kwh, |r, v| r.arrays.max_array_kwh = v, false),
    (
        "arrays.listed_system_max_kwh",
        "Max listed pre-engineered system (kWh)",
        |r| r.arrays.listed_system_max_kwh,
        |r, v| r.arrays.listed_system_max_kwh = v,
        false,
    ),
    (
        "arrays.min_spacing_mm",
        "Min spacing between arrays (mm)",
        |r| f64::from(r.arrays.min_spacing_mm),
        |r, v| r.arrays.min_spacing_mm = v as u32,
        true,
    ),
    (
        "arrays.min_wall_spacing_mm",
        "Min spacing from walls (mm)",
        |r| f64::from(r.arrays.min_wall_spacing_mm),
        |r, v| r.arrays.min_wall_spacing_mm = v as u32,
        true,
    ),
    (
        "working_space.min_width_mm",
        "Working space min width (mm)",
        |r| f64::from(r.working_space.min_width_mm),
        |r, v| r.working_space.min_width_mm = v as u32,
        true,
    ),
    (
        "working_space.headroom_mm",
        "Working space headroom (mm)",
        |r| f64::from(r.working_space.headroom_mm),
        |r, v| r.working_space.headroom_mm = v as u32,
        true,
    ),
    ("floor.footprint_factor", "Floor footprint factor", |r| r.floor.footprint_factor, |r, v| r.floor.footprint_factor = v, false),
    ("egress.min_width_mm", "Egress min width (mm)", |r| f64::from(r.egress.min_width_mm), |r, v| r.egress.min_width_mm = v as u32, true),
    (
        "outdoor.building_separation_mm",
        "Outdoor: from buildings (mm)",
        |r| f64::from(r.outdoor.building_separation_mm),
        |r, v| r.outdoor.building_separation_mm = v as u32,
        true,
    ),
    (
        "outdoor.egress_separation_mm",
        "Outdoor: from egress (mm)",
        |r| f64::from(r.outdoor.egress_separation_mm),
        |r, v| r.outdoor.egress_separation_mm = v as u32,
        true,
    ),
];

fn errors_for(errs: &[FieldError], field: &str) -> String {
    errs.iter()
        .filter(|e| e.field == field || e.field.starts_with(&format!("{field}.")) || e.field.starts_with(&format!("{field}[")))
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

#[component]
fn RuleSets(lx: Lx) -> impl IntoView {
    let draft: RwSignal<Option<RuleSet>> = RwSignal::new(None);
    let errors: RwSignal<Vec<FieldError>> = RwSignal::new(Vec::new());
    // Bumped when the editor opens or closes (not on every field change, so
    // the inputs keep focus while the engineer types).
    let opened = RwSignal::new(0u64);
    let in_force = move || lx.view.with(|v| v.as_ref().and_then(|v| v.rule_sets.iter().find(|c| c.in_force).cloned()));
    let after = move |r: Result<backstop_model::layout_view::LayoutView, AppError>, what: String| match r {
        Ok(v) => {
            lx.set_view(v);
            lx.project.refresh();
            lx.status.set(what);
        }
        Err(e) => lx.project.report(e),
    };
    let use_set =
        move |id: String| spawn_local(async move { after(lipc::layout_rule_set_use(&id).await, format!("Checking against {id}.")) });
    let copy = move |_| {
        if let Some(c) = in_force() {
            spawn_local(async move {
                after(lipc::layout_rule_set_copy(&c.id).await, format!("Copied {} into the project; edit it below.", c.name))
            });
        }
    };
    let delete = move |_| {
        if let Some(c) = in_force() {
            draft.set(None);
            opened.update(|n| *n += 1);
            spawn_local(async move { after(lipc::layout_rule_set_delete(&c.id).await, format!("Deleted rule set {}.", c.name)) });
        }
    };
    let edit = move |_| {
        draft.set(lx.view.with_untracked(|v| v.as_ref().and_then(|v| v.rule_set.clone())));
        errors.set(Vec::new());
        opened.update(|n| *n += 1);
    };
    let save = move |_| {
        let Some(rs) = draft.get_untracked() else { return };
        if !errors.with_untracked(|e| e.iter().all(|e| !e.field.starts_with("local:"))) {
            return;
        }
        spawn_local(async move {
            match lipc::layout_rule_set_save(&rs).await {
                Ok(out) if out.errors.is_empty() => {
                    errors.set(Vec::new());
                    draft.set(None);
                    opened.update(|n| *n += 1);
                    if let Some(v) = out.view {
                        lx.set_view(v);
                    }
                    lx.project.refresh();
                    lx.status.set(format!("Saved rule set {}.", rs.name));
                }
                Ok(out) => errors.set(out.errors),
                Err(e) => lx.project.report(e),
            }
        });
    };
    view! {
        <div class="card" data-testid="rule-sets">
            <h2>"Rule set"</h2>
            <div class="toolbar">
                <select data-testid="rule-set-select" on:change=move |ev| use_set(event_target_value(&ev))>
                    {move || lx.view.with(|v| v.as_ref().map(|v| v.rule_sets.iter().map(|c| view! {
                        <option value=c.id.clone() selected=c.in_force>{format!("{} ({})", c.name, if c.origin == RuleSetOrigin::Builtin { "built in" } else { "project" })}</option>
                    }).collect_view()))}
                </select>
                <button class="btn" data-testid="rule-set-copy" on:click=copy>"Copy to edit"</button>
                <button class="btn" data-testid="rule-set-edit" disabled=move || in_force().is_none_or(|c| c.origin == RuleSetOrigin::Builtin) on:click=edit>"Edit"</button>
                <button class="btn danger" data-testid="rule-set-delete" disabled=move || in_force().is_none_or(|c| c.origin == RuleSetOrigin::Builtin) on:click=delete>"Delete"</button>
            </div>
            {move || lx.view.with(|v| v.as_ref().and_then(|v| v.rule_set_problem.clone())).map(|p| view! { <p class="pill bad">{p}</p> })}
            {move || lx.view.with(|v| v.as_ref().and_then(|v| v.rule_set.clone())).map(|rs| view! {
                <p class="muted">{rs.description.clone()}</p>
                <table class="data compact">
                    <thead><tr><th>"Rule"</th><th>"Reference"</th><th>"On"</th></tr></thead>
                    <tbody>{rs.rules.iter().map(|r| view! { <tr><td>{r.title.clone()}</td><td class="muted">{r.reference.clone()}</td><td>{if r.enabled { "yes" } else { "off" }}</td></tr> }).collect_view()}</tbody>
                </table>
            })}
            {move || { opened.get(); draft.get_untracked() }.map(|rs| {
                let text = |field: &'static str, label: &'static str, get: fn(&RuleSet) -> String, set: fn(&mut RuleSet, String)| view! {
                    <label class="field">{label}
                        <input data-testid=format!("rs-{field}") prop:value=get(&rs) on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| if let Some(d) = d { set(d, v) }) }/>
                        <span class="field-error" data-testid=format!("rs-err-{field}")>{move || errors.with(|e| errors_for(e, field))}</span>
                    </label>
                };
                view! {
                    <div class="rule-editor" data-testid="rule-set-editor">
                        <h3>"Edit " {rs.name.clone()}</h3>
                        <div class="inline-form">
                            {text("name", "Name", |r| r.name.clone(), |r, v| r.name = v)}
                            {text("description", "Description", |r| r.description.clone(), |r, v| r.description = v)}
                        </div>
                        <div class="inline-form wrap">
                            {NUM_FIELDS.iter().map(|&(field, label, get, set, whole)| view! {
                                <label class="field">{label}
                                    <input class="short" data-testid=format!("rs-{field}") prop:value=fmt_num(get(&rs)) on:change=move |ev| {
                                        let s = event_target_value(&ev);
                                        let local = format!("local:{field}");
                                        errors.update(|e| e.retain(|x| x.field != local && x.field != field));
                                        let read = if whole { crate::number::whole::<u32>(&s, label, 0, i64::from(u32::MAX)).map(f64::from) } else { crate::number::number(&s, label) };
                                        match read {
                                            Ok(v) => draft.update(|d| if let Some(d) = d { set(d, v) }),
                                            Err(e) => errors.update(|x| x.push(FieldError { field: local, message: format!("{} Nothing was changed.", e.message) })),
                                        }
                                    }/>
                                    <span class="field-error" data-testid=format!("rs-err-{field}")>{move || errors.with(|e| [errors_for(e, field), errors_for(e, &format!("local:{field}"))].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; "))}</span>
                                </label>
                            }).collect_view()}
                        </div>
                        <table class="data compact">
                            <thead><tr><th>"On"</th><th>"Rule"</th><th>"Code reference"</th></tr></thead>
                            <tbody>{rs.rules.iter().enumerate().map(|(i, r)| view! {
                                <tr>
                                    <td><input type="checkbox" prop:checked=r.enabled on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| if let Some(e) = d.as_mut().and_then(|d| d.rules.get_mut(i)) { e.enabled = on }) }/></td>
                                    <td>{r.title.clone()}</td>
                                    <td><input prop:value=r.reference.clone() on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| if let Some(e) = d.as_mut().and_then(|d| d.rules.get_mut(i)) { e.reference = v }) }/>
                                        <span class="field-error">{move || errors.with(|e| errors_for(e, &format!("rules[{i}]")))}</span></td>
                                </tr>
                            }).collect_view()}</tbody>
                        </table>
                        {move || errors.with(|e| (!e.is_empty()).then(|| view! {
                            <ul class="field-errors" data-testid="rule-set-errors">{e.iter().map(|x| view! { <li><span class="mono">{x.field.trim_start_matches("local:").to_string()}</span>": "{x.message.clone()}</li> }).collect_view()}</ul>
                        }))}
                        <div class="toolbar">
                            <button class="btn primary" data-testid="rule-set-save" on:click=save>"Save rule set"</button>
                            <button class="btn" on:click=move |_| { draft.set(None); errors.set(Vec::new()); opened.update(|n| *n += 1); }>"Cancel"</button>
                        </div>
                    </div>
                }
            })}
        </div>
    }
}

#[component]
fn BomPanel(lx: Lx) -> impl IntoView {
    let export = move |kind: LayoutExport| {
        move |_| {
            spawn_local(async move {
                match lipc::layout_export(kind).await {
                    Ok(path) => lx.project.notify(format!("Wrote {path}")),
                    Err(e) => lx.project.report(e),
                }
            })
        }
    };
    view! {
        <div class="card" data-testid="bom">
            <h2>"Bill of materials"</h2>
            <div class="toolbar">
                <button class="btn" data-testid="export-bom-csv" on:click=export(LayoutExport::BomCsv)>"Export CSV…"</button>
                <button class="btn" data-testid="export-plan-svg" on:click=export(LayoutExport::PlanSvg)>"Export plan SVG…"</button>
                <button class="btn" data-testid="export-plan-png" on:click=export(LayoutExport::PlanPng)>"Export plan PNG…"</button>
            </div>
            {move || lx.view.with(|v| v.as_ref().map(|v| {
                let b = &v.bom;
                let rows = b.lines.iter().enumerate().map(|(i, l)| {
                    let a = b.amounts.get(i).copied().unwrap_or_default();
                    view! {
                        <tr data-testid="bom-line">
                            <td class="mono">{l.item.clone()}</td>
                            <td>{l.description.clone()}</td>
                            <td class="num">{fmt_num(l.quantity)}" "{l.unit.clone()}</td>
                            <td class="num">{fmt_num(a.energy_kwh)}</td>
                            <td class="num">{fmt_num(a.power_kw)}</td>
                            <td class="num">{fmt_num(a.mass_kg)}</td>
                            <td class="num">{fmt_num(a.heat_kw)}</td>
                            <td class="num">{fmt_num(a.cost)}</td>
                            <td class="muted">{l.tags.join(", ")}</td>
                            <td class="muted">{l.notes.clone()}</td>
                        </tr>
                    }
                }).collect_view();
                let t = b.totals;
                view! {
                    <table class="data bom-table">
                        <thead><tr><th>"Item"</th><th>"Description"</th><th>"Qty"</th><th>"Energy kWh"</th><th>"Power kW"</th><th>"Mass kg"</th><th>"Heat kW"</th><th>"Cost"</th><th>"Tags"</th><th>"Notes"</th></tr></thead>
                        <tbody>{rows}</tbody>
                        <tfoot><tr data-testid="bom-totals">
                            <th colspan="3">"Totals"</th>
                            <th class="num">{fmt_num(t.energy_kwh)}</th>
                            <th class="num">{fmt_num(t.power_kw)}</th>
                            <th class="num">{fmt_num(t.mass_kg)}</th>
                            <th class="num">{fmt_num(t.heat_kw)}</th>
                            <th class="num">{fmt_num(t.cost)}</th>
                            <th colspan="2">{format!("IT load {} kW", fmt_num(b.it_load_kw))}</th>
                        </tr></tfoot>
                    </table>
                    {b.diagnostics.iter().map(|d| view! { <p class="muted">"⚠ "{d.message.clone()}</p> }).collect_view()}
                }
            }))}
        </div>
    }
}
