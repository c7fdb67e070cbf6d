//! The catalog browser: every entry the project sizes with (built-in merged
//! with the project's own), every value shown with its source, and an
//! editor for project entries whose problems the backend reports by field.

use backstop_model::catalog::FieldError;
use backstop_model::sizing_view::{CatalogItem, EntryOrigin};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use super::SizingCtx;
use super::fields::{TypedNumber, fmt, parse_typed, show};
use crate::ipc;
use crate::state::use_project;

/// One row of the detail view: field path, value, source.
struct SourceRow {
    path: String,
    value: String,
    source: Option<String>,
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "–".into(),
        Value::Bool(b) => {
            if *b {
                "yes".into()
            } else {
                "no".into()
            }
        }
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), show),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(compact).collect::<Vec<_>>().join(" "),
        Value::Object(_) => compact(v),
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("[{}]", a.iter().map(compact).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => m.iter().map(|(k, v)| format!("{k} = {}", compact(v))).collect::<Vec<_>>().join("; "),
        other => scalar(other),
    }
}

/// Walks an entry: `{value, source}` pairs become one row each; objects
/// with their own `source` (tables, curves, the RC pair, the enclosure,
/// the listing) become one row with that source; plain values say that
/// they have none.
fn walk(v: &Value, path: &str, out: &mut Vec<SourceRow>) {
    match v {
        Value::Object(m) if m.contains_key("value") && m.keys().all(|k| k == "value" || k == "source") => out.push(SourceRow {
            path: path.into(),
            value: scalar(&m["value"]),
            source: m.get("source").and_then(Value::as_str).map(str::to_string),
        }),
        Value::Object(m) if m.contains_key("source") => {
            let rest: Vec<String> = m.iter().filter(|(k, _)| *k != "source").map(|(k, v)| format!("{k}: {}", scalar(v))).collect();
            out.push(SourceRow {
                path: path.into(),
                value: rest.join("; "),
                source: m.get("source").and_then(Value::as_str).map(str::to_string),
            });
        }
        Value::Object(m) => {
            for (k, v) in m {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                walk(v, &p, out);
            }
        }
        Value::Array(a) if a.iter().any(Value::is_object) => {
            for (i, e) in a.iter().enumerate() {
                walk(e, &format!("{path}[{i}]"), out);
            }
        }
        Value::Null => {}
        other => out.push(SourceRow { path: path.into(), value: scalar(other), source: None }),
    }
}

/// Identifiers and descriptions need no source.
fn needs_source(path: &str) -> bool {
    !matches!(path, "key" | "kind" | "manufacturer" | "model" | "description" | "builtin" | "notes")
        && !path.ends_with("chemistry")
        && !path.ends_with("front_door_leaf_mm")
}

#[component]
pub fn CatalogPanel() -> impl IntoView {
    let ctx = expect_context::<SizingCtx>();
    let project = use_project();
    let filter = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let selected = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<Value>);
    let items = move || {
        let f = filter.get().to_lowercase();
        let k = kind.get();
        ctx.catalog.get().map(|c| {
            c.entries
                .into_iter()
                .filter(|i| k.is_empty() || i.entry.kind.as_str() == k)
                .filter(|i| {
                    f.is_empty()
                        || i.entry.key.contains(&f)
                        || i.entry.display_name().to_lowercase().contains(&f)
                        || i.entry.description.to_lowercase().contains(&f)
                })
                .collect::<Vec<_>>()
        })
    };
    let current = move || {
        let key = selected.get()?;
        ctx.catalog.with(|c| c.as_ref().and_then(|c| c.entries.iter().find(|i| i.entry.key == key).cloned()))
    };
    let can_edit = move || project.project().is_some_and(|p| !p.read_only);
    view! {
        <div class="catalog" data-testid="catalog">
            <div class="card">
                <div class="toolbar">
                    <input type="text" placeholder="Filter: key, maker, model" data-testid="catalog-filter" prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev))/>
                    <select on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="">"every kind"</option>
                        {["cell", "block", "module", "cabinet", "container", "ups", "pcs"].into_iter().map(|k| view! { <option value=k>{k}</option> }).collect_view()}
                    </select>
                    <span class="muted small">"Built-in entries come from public datasheets; a project may add its own or override a built-in one (the project's version is the one sized with)."</span>
                </div>
                <table class="data catalog-table" data-testid="catalog-list">
                    <thead><tr><th>"Key"</th><th>"Kind"</th><th>"Manufacturer / model"</th><th>"Chemistry"</th><th class="num">"Energy"</th><th class="num">"Power"</th><th>"Where from"</th><th>"Checks"</th></tr></thead>
                    <tbody>
                        {move || items().unwrap_or_default().into_iter().map(|i| {
                            let key = i.entry.key.clone();
                            let key2 = key.clone();
                            let errors = i.problems.iter().filter(|p| !p.warning).count();
                            let warnings = i.problems.len() - errors;
                            view! {
                                <tr class="clickable" class:active=move || selected.get().as_deref() == Some(key2.as_str()) data-testid="catalog-item"
                                    on:click=move |_| { selected.set(Some(key.clone())); editing.set(None); }>
                                    <td class="mono">{i.entry.key.clone()}</td>
                                    <td>{i.entry.kind.as_str()}</td>
                                    <td>{i.entry.display_name()}</td>
                                    <td>{i.entry.battery.as_ref().map(|b| b.chemistry.label()).unwrap_or("–")}</td>
                                    <td class="num">{if i.entry.energy_kwh() > 0.0 { format!("{} kWh", fmt(i.entry.energy_kwh())) } else { "–".into() }}</td>
                                    <td class="num">{format!("{} kW", fmt(i.entry.power_kw()))}</td>
                                    <td><span class=match i.origin { EntryOrigin::Builtin => "pill", EntryOrigin::ProjectOverride => "pill warn", _ => "pill ok" }>{i.origin.label()}</span></td>
                                    <td>{if errors > 0 { format!("{errors} errors") } else if warnings > 0 { format!("{warnings} warnings") } else { "ok".into() }}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {move || ctx.catalog.get().filter(|c| !c.other_records.is_empty()).map(|c| view! {
                    <p class="muted small">{format!("Other catalog records in the project (not sizing entries): {}", c.other_records.join(", "))}</p>
                })}
            </div>
            {move || match editing.get() {
                Some(v) => view! { <EntryEditor initial=v on_close=Callback::new(move |saved: Option<String>| { editing.set(None); if let Some(k) = saved { selected.set(Some(k)); } })/> }.into_any(),
                None => current().map(|item| view! { <EntryDetail item=item can_edit=can_edit() editing=editing/> }).into_any(),
            }}
        </div>
    }
}

#[component]
fn EntryDetail(item: CatalogItem, can_edit: bool, editing: RwSignal<Option<Value>>) -> impl IntoView {
    let project = use_project();
    let value = serde_json::to_value(&item.entry).unwrap_or(Value::Null);
    let mut rows = Vec::new();
    walk(&value, "", &mut rows);
    let in_project = item.origin != EntryOrigin::Builtin;
    let key = item.entry.key.clone();
    let edit_value = value.clone();
    let copy_value = value.clone();
    let remove = move |_| {
        let key = key.clone();
        spawn_local(async move {
            match ipc::sizing_catalog_delete(&key).await {
                Ok(()) => project.notify(format!("{key} removed from the project (Undo brings it back).")),
                Err(e) => project.report(e),
            }
            project.refresh();
        });
    };
    view! {
        <div class="card" data-testid="catalog-detail">
            <h2>{item.entry.display_name()}</h2>
            <p class="muted">{item.entry.description.clone()}</p>
            {(!item.entry.notes.is_empty()).then(|| view! { <p class="small">{item.entry.notes.clone()}</p> })}
            <div class="toolbar">
                <button class="btn primary" data-testid="catalog-edit" disabled=!can_edit on:click=move |_| {
                    let mut v = edit_value.clone();
                    v["builtin"] = Value::Bool(false);
                    editing.set(Some(v));
                }>{if in_project { "Edit in the project…" } else { "Copy into the project and edit…" }}</button>
                <button class="btn" data-testid="catalog-new-from" disabled=!can_edit on:click=move |_| {
                    let mut v = copy_value.clone();
                    let k = v["key"].as_str().unwrap_or("entry").to_string();
                    v["key"] = Value::String(format!("{k}-copy"));
                    v["builtin"] = Value::Bool(false);
                    editing.set(Some(v));
                }>"New entry from this one…"</button>
                {in_project.then(|| view! { <button class="btn" data-testid="catalog-remove" disabled=!can_edit on:click=remove>"Remove from the project"</button> })}
            </div>
            {(!item.problems.is_empty()).then(|| view! { <Problems problems=item.problems.clone()/> })}
            <table class="data sources" data-testid="catalog-values">
                <thead><tr><th>"Field"</th><th>"Value"</th><th>"Source"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let missing = r.source.as_deref().is_none_or(|s| s.trim().is_empty()) && needs_source(&r.path);
                        view! {
                            <tr data-testid="catalog-row">
                                <td class="mono">{r.path}</td>
                                <td class="mono">{r.value}</td>
                                <td class="source" class:missing=missing>{match r.source {
                                    Some(s) if !s.trim().is_empty() => s,
                                    _ if missing => "no source — name the datasheet and page".to_string(),
                                    _ => "–".to_string(),
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Problems(problems: Vec<FieldError>) -> impl IntoView {
    view! {
        <ul class="diags" data-testid="catalog-problems">
            {problems.into_iter().map(|p| view! {
                <li><span class=if p.warning { "pill warn" } else { "pill bad" }>{if p.warning { "warning" } else { "error" }}</span>
                    " "<span class="mono">{p.field}</span>" "{p.message}</li>
            }).collect_view()}
        </ul>
    }
}

/// Sourced values the editor shows as fields: (path, label, unit).
const SOURCED: &[(&str, &str, &str)] = &[
    ("cost", "Unit cost", ""),
    ("physical.width_mm", "Width", "mm"),
    ("physical.depth_mm", "Depth", "mm"),
    ("physical.height_mm", "Height", "mm"),
    ("physical.mass_kg", "Mass", "kg"),
];
const BATTERY: &[(&str, &str, &str)] = &[
    ("battery.nominal_v_cell", "Nominal voltage", "V/cell"),
    ("battery.min_v_cell", "Minimum voltage", "V/cell"),
    ("battery.max_v_cell", "Maximum voltage", "V/cell"),
    ("battery.float_v_cell", "Float voltage", "V/cell"),
    ("battery.capacity_ah", "Rated capacity", "Ah"),
    ("battery.energy_wh", "Nominal energy", "Wh"),
    ("battery.continuous_c", "Continuous discharge", "C"),
    ("battery.peak_c", "Peak discharge", "C"),
    ("battery.max_string_current_a", "String current limit", "A"),
    ("battery.r0_mohm", "DC resistance R0 at 25 °C", "mΩ/cell"),
    ("battery.r0_activation_k", "R0 temperature coefficient Ea/R", "K"),
    ("battery.heat_loss_w", "Heat at rated discharge", "W"),
];
const CONVERTER: &[(&str, &str, &str)] = &[
    ("converter.rated_kva", "Rated apparent power", "kVA"),
    ("converter.rated_kw", "Rated power", "kW"),
    ("converter.efficiency", "Efficiency", "fraction"),
    ("converter.dc_v_min", "DC bus minimum", "V"),
    ("converter.dc_v_max", "DC bus maximum", "V"),
];

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

fn set(v: &mut Value, path: &str, new: Value) {
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, k) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let Value::Object(m) = cur else { return };
        if i + 1 == parts.len() {
            m.insert((*k).to_string(), new);
            return;
        }
        cur = m.entry((*k).to_string()).or_insert(Value::Null);
    }
}

/// (value, source) of a sourced field: `{value, source}` or a bare number.
fn sourced(v: &Value, path: &str) -> (String, String) {
    match get(v, path) {
        Some(Value::Object(m)) => {
            (m.get("value").map(scalar).unwrap_or_default(), m.get("source").and_then(Value::as_str).unwrap_or_default().to_string())
        }
        Some(Value::Number(n)) => (n.as_f64().map(show).unwrap_or_default(), String::new()),
        _ => (String::new(), String::new()),
    }
}

#[component]
fn EntryEditor(initial: Value, on_close: Callback<Option<String>>) -> impl IntoView {
    let project = use_project();
    let value = RwSignal::new(initial);
    let problems = RwSignal::new(Vec::<FieldError>::new());
    let local = RwSignal::new(Vec::<(String, String)>::new());
    let json_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let field_problems = move |path: &'static str| {
        move || {
            let mut v: Vec<_> = local.get().into_iter().filter(|(p, _)| p == path).map(|(_, m)| (false, m)).collect();
            v.extend(problems.get().into_iter().filter(|p| p.field == path).map(|p| (p.warning, p.message)));
            v.into_iter().map(|(w, m)| view! { <small class=if w { "field-warn" } else { "field-error" }>{m}</small> }).collect_view()
        }
    };
    let text_field = move |path: &'static str, label: &'static str| {
        view! {
            <label class="field"><span>{label}</span>
                <input type="text" data-testid=format!("ce-{path}") prop:value=move || value.with(|v| get(v, path).and_then(Value::as_str).unwrap_or_default().to_string())
                    on:change=move |ev| { let t = event_target_value(&ev); value.update(|v| set(v, path, Value::String(t))); }/>
                {field_problems(path)}
            </label>
        }
    };
    let sourced_field = move |path: &'static str, label: &'static str, unit: &'static str| {
        view! {
            <div class="field sourced">
                <span>{format!("{label}{}", if unit.is_empty() { String::new() } else { format!(" ({unit})") })}</span>
                <div class="with-source">
                    <input type="text" class="short" data-testid=format!("ce-{path}") prop:value=move || value.with(|v| sourced(v, path).0)
                        on:change=move |ev| {
                            let t = event_target_value(&ev);
                            local.update(|l| l.retain(|(p, _)| p != path));
                            match parse_typed(&t) {
                                TypedNumber::Value(n) => value.update(|v| {
                                    let src = sourced(v, path).1;
                                    set(v, path, serde_json::json!({ "value": n, "source": src }));
                                }),
                                TypedNumber::Empty => value.update(|v| set(v, path, Value::Null)),
                                _ => local.update(|l| l.push((path.to_string(), format!("\"{t}\" is not a number")))),
                            }
                        }/>
                    <input type="text" class="source-input" placeholder="source: datasheet and page" data-testid=format!("ce-{path}-source")
                        prop:value=move || value.with(|v| sourced(v, path).1)
                        on:change=move |ev| {
                            let t = event_target_value(&ev);
                            value.update(|v| {
                                let val = get(v, path).map(|x| x.get("value").cloned().unwrap_or_else(|| x.clone())).filter(|x| !x.is_null());
                                match val {
                                    Some(n) => set(v, path, serde_json::json!({ "value": n, "source": t })),
                                    None => local.update(|l| l.push((path.to_string(), "enter the value first".into()))),
                                }
                            });
                        }/>
                </div>
                {field_problems(path)}
            </div>
        }
    };
    let is_battery = move || value.with(|v| v.get("battery").is_some_and(|b| !b.is_null()));
    let is_converter = move || value.with(|v| v.get("converter").is_some_and(|b| !b.is_null()));
    let save = move |_| {
        let text = value.with_untracked(|v| serde_json::to_string(v).unwrap_or_default());
        let key = value.with_untracked(|v| v.get("key").and_then(Value::as_str).unwrap_or_default().to_string());
        spawn_local(async move {
            busy.set(true);
            match ipc::sizing_catalog_put(&text).await {
                Ok(out) if out.saved => {
                    let warnings = out.problems.len();
                    project.notify(if warnings == 0 {
                        format!("{key} saved in the project.")
                    } else {
                        format!("{key} saved in the project with {warnings} warning(s) (missing sources).")
                    });
                    project.refresh();
                    on_close.run(Some(key));
                }
                Ok(out) => problems.set(out.problems),
                Err(e) => project.report(e),
            }
            busy.set(false);
        });
    };
    let shown_paths: Vec<&'static str> = ["key", "manufacturer", "model", "description"]
        .into_iter()
        .chain(SOURCED.iter().chain(BATTERY).chain(CONVERTER).map(|f| f.0))
        .collect();
    view! {
        <div class="card" data-testid="catalog-editor">
            <h2>{move || format!("Project entry {}", value.with(|v| v.get("key").and_then(Value::as_str).unwrap_or_default().to_string()))}</h2>
            <p class="muted">"Every value carries its source (datasheet and page, or \"typical value, verify against vendor datasheet\"). Tables, curves, the enclosure and the listing are edited in the JSON below."</p>
            <div class="grid-fields">
                {text_field("key", "Key (a–z, 0–9, -)")}
                {text_field("manufacturer", "Manufacturer")}
                {text_field("model", "Model")}
                {text_field("description", "Description")}
            </div>
            <div class="grid-fields">
                {SOURCED.iter().map(|(p, l, u)| sourced_field(p, l, u)).collect_view()}
            </div>
            <Show when=is_battery>
                <h3>"Battery"</h3>
                <div class="grid-fields">{BATTERY.iter().map(|(p, l, u)| sourced_field(p, l, u)).collect_view()}</div>
            </Show>
            <Show when=is_converter>
                <h3>"Converter"</h3>
                <div class="grid-fields">{CONVERTER.iter().map(|(p, l, u)| sourced_field(p, l, u)).collect_view()}</div>
            </Show>
            <details>
                <summary>"The whole entry as JSON (tables, curves, enclosure, listing)"</summary>
                <textarea class="mono json" rows="18" data-testid="catalog-json"
                    prop:value=move || value.with(|v| serde_json::to_string_pretty(v).unwrap_or_default())
                    on:change=move |ev| {
                        match serde_json::from_str::<Value>(&event_target_value(&ev)) {
                            Ok(v) => { json_error.set(None); value.set(v); }
                            Err(e) => json_error.set(Some(format!("not applied: line {}, column {}: {e}", e.line(), e.column()))),
                        }
                    }></textarea>
                {move || json_error.get().map(|e| view! { <small class="field-error">{e}</small> })}
            </details>
            {move || {
                let rest: Vec<FieldError> = problems.get().into_iter().filter(|p| !shown_paths.contains(&p.field.as_str())).collect();
                (!rest.is_empty()).then(|| view! { <Problems problems=rest/> })
            }}
            <div class="toolbar">
                <button class="btn primary" data-testid="catalog-save" disabled=move || busy.get() on:click=save>"Check and save in the project"</button>
                <button class="btn" on:click=move |_| on_close.run(None)>"Cancel"</button>
            </div>
        </div>
    }
}
