//! Project area: the open site file — details, revisions, file facts — and,
//! when nothing is open, new/open/recent. Every change is one edit saved by
//! the backend at once; there is no Save button because there is nothing
//! unsaved.

use backstop_model::ErrorCode;
use backstop_model::project::{ProjectInfo, Revision};
use backstop_model::workspace::{NewProjectRequest, OpenFailure, OpenMode, ProjectView, RecentProject};
use leptos::prelude::*;

use crate::ipc;
use crate::state::use_project;

#[component]
pub fn ProjectArea() -> impl IntoView {
    let ctx = use_project();
    let open_path = Memo::new(move |_| ctx.project().map(|p| p.path));
    view! {
        <section data-testid="area-project">
            <h1>"Project"</h1>
            <p class="lede">"Client, site and engineer of the open project file, its revision history and file operations. Every change is saved the moment you make it."</p>
            {move || ctx.state.with(|s| s.as_ref().and_then(|s| s.failure.clone())).map(|f| view! { <FailureCard failure=f/> })}
            // Rebuilt only when another file opens, so fields being typed in
            // survive the refresh that follows every saved edit.
            {move || match open_path.get() {
                Some(_) => view! { <OpenProject/> }.into_any(),
                None => view! { <NoProject/> }.into_any(),
            }}
            <RecentList/>
        </section>
    }
}

/// A failed open, with the next step the error allows.
#[component]
fn FailureCard(failure: OpenFailure) -> impl IntoView {
    let ctx = use_project();
    let path = failure.path.clone();
    let action = match failure.error.code {
        ErrorCode::NeedsMigration => Some(("Upgrade it (backup copy first)", OpenMode::Migrate, "failure-migrate")),
        ErrorCode::DamagedRecoverable => Some(("Open a read-only recovered copy", OpenMode::Recovered, "failure-recover")),
        ErrorCode::ProjectLocked => Some(("Open it for viewing", OpenMode::View, "failure-view")),
        _ => None,
    };
    view! {
        <div class="card failure" data-testid="open-failure">
            <h2>"Could not open " <span class="mono">{failure.path.clone()}</span></h2>
            <p data-testid="open-failure-message">{failure.error.message.clone()}</p>
            <div class="toolbar">
                {action.map(|(label, mode, id)| {
                    let path = path.clone();
                    view! {
                        <button class="btn primary" data-testid=id
                            on:click=move |_| ctx.run(ipc::project_open(Some(path.clone()), mode))>{label}</button>
                    }
                })}
                <button class="btn" data-testid="open-failure-dismiss"
                    on:click=move |_| ctx.run(ipc::project_dismiss_failure())>"Dismiss"</button>
            </div>
        </div>
    }
}

#[component]
fn NoProject() -> impl IntoView {
    let ctx = use_project();
    view! {
        <div class="card" data-testid="no-project">
            <h2>"No project is open"</h2>
            <p class="muted">"A project is one file per client site. It holds the layout, sizing cases, commissioning records and sign-offs, and works offline."</p>
            <div class="toolbar">
                <button class="btn primary" data-testid="project-new" on:click=move |_| ctx.new_form.set(true)>"New project…"<span class="kbd">"Ctrl+N"</span></button>
                <button class="btn" data-testid="project-open" on:click=move |_| ctx.run(ipc::project_open(None, OpenMode::Edit))>"Open…"<span class="kbd">"Ctrl+O"</span></button>
                <button class="btn" on:click=move |_| ctx.run(ipc::project_import_json())>"Import design JSON…"</button>
            </div>
        </div>
    }
}

#[component]
fn OpenProject() -> impl IntoView {
    let ctx = use_project();
    // The view as last loaded; every part below follows it.
    let project = Memo::new(move |_| ctx.project());
    let read_only = move || project.with(|p| p.as_ref().map(|p| p.read_only).unwrap_or(true));
    let info = Signal::derive(move || project.with(|p| p.as_ref().map(|p| p.info.clone()).unwrap_or_default()));
    view! {
        <div class="card" data-testid="project-open-card">
            {move || project.get().map(|project| {
                let undo_label = project.undo.clone();
                let redo_label = project.redo.clone();
                let notices = project.notices.clone();
                let read_only = project.read_only;
                view! {
                    <div class="project-head">
                        <div>
                            <h2 data-testid="project-name">{project.info.name.clone()}</h2>
                            <div class="mono muted" data-testid="project-path">{project.path.clone()}</div>
                        </div>
                        {read_only.then(|| view! { <span class="pill warn" data-testid="project-read-only">"read-only"</span> })}
                    </div>
                    <div class="toolbar">
                        <button class="btn" data-testid="undo" disabled=undo_label.is_none() || read_only
                            title="Ctrl+Z" on:click=move |_| ctx.run(ipc::project_undo())>
                            {match &undo_label { Some(l) => format!("Undo {l}"), None => "Undo".into() }}
                        </button>
                        <button class="btn" data-testid="redo" disabled=redo_label.is_none() || read_only
                            title="Ctrl+Y" on:click=move |_| ctx.run(ipc::project_redo())>
                            {match &redo_label { Some(l) => format!("Redo {l}"), None => "Redo".into() }}
                        </button>
                        <span class="sep"></span>
                        <button class="btn" data-testid="project-save-as" title="Ctrl+Shift+S" on:click=move |_| ctx.run(ipc::project_save_as())>"Save As…"</button>
                        <button class="btn" on:click=move |_| {
                            leptos::task::spawn_local(async move {
                                match ipc::project_export_json().await {
                                    Ok(path) => ctx.notify(format!("Design exported to {path}.")),
                                    Err(e) => ctx.report(e),
                                }
                            });
                        }>"Export design JSON…"</button>
                        <button class="btn" data-testid="project-close" on:click=move |_| ctx.run(ipc::project_close())>"Close"</button>
                    </div>
                    {(!notices.is_empty()).then(|| view! {
                        <ul class="file-notices" data-testid="project-notices">
                            {notices.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                        </ul>
                    })}
                }
            })}
        </div>
        <div class="grid2">
            <DetailsForm info=info read_only=Signal::derive(read_only)/>
            <div class="card">
                <h2>"File"</h2>
                {move || project.get().map(|project| {
                    let c = project.counts;
                    view! {
                        <table class="kv">
                            <tr><th>"Format"</th><td>{format!("version {}", project.schema_version)}</td></tr>
                            <tr><th>"Created by"</th><td>{project.created_by.clone().unwrap_or_else(|| "unknown".into())}</td></tr>
                            <tr><th>"Last written by"</th><td>{project.written_by.clone().unwrap_or_else(|| "unknown".into())}</td></tr>
                            <tr><th>"Size"</th><td>{format_bytes(project.file_bytes)}</td></tr>
                            <tr><th>"Layout"</th><td>{format!("{}, {} equipment, {}, {} UPS/PCS, {}", count(c.rooms, "room"), c.equipment, count(c.racks, "rack"), c.power_units, count(c.egress_paths, "egress path"))}</td></tr>
                            <tr><th>"Sizing"</th><td>{format!("{}, {}, {}", count(c.sizing_cases, "case"), count(c.sizing_results, "result"), count_as(c.catalog_entries, "catalog entry", "catalog entries"))}</td></tr>
                            <tr><th>"Commissioning"</th><td>{format!("{}, {}, {}, {}", count(c.sessions, "session"), count(c.step_results, "step result"), count(c.signoffs, "sign-off"), count_as(c.audit_entries, "audit entry", "audit entries"))}</td></tr>
                            <tr><th>"Telemetry"</th><td>{format!("{} points, {} samples", c.telemetry_points, c.telemetry_samples)}</td></tr>
                            <tr><th>"Undo history"</th><td data-testid="undo-depth">{format!("{} steps to undo, {} to redo", project.undo_depth, project.redo_depth)}</td></tr>
                        </table>
                    }
                })}
            </div>
        </div>
        <Revisions project=project/>
    }
}

/// Project details; each field is saved (one undoable edit) when it loses
/// focus. A field being edited keeps what is typed when the view refreshes.
#[component]
fn DetailsForm(info: Signal<ProjectInfo>, read_only: Signal<bool>) -> impl IntoView {
    let ctx = use_project();
    let save = move |apply: Box<dyn FnOnce(&mut ProjectInfo)>| {
        let current = info.get_untracked();
        let mut next = current.clone();
        apply(&mut next);
        if next != current {
            ctx.run(async move { ipc::project_update_info(&next).await });
        }
    };
    let field = move |label: &'static str,
                      id: &'static str,
                      get: fn(&ProjectInfo) -> String,
                      set: fn(&mut ProjectInfo, String),
                      multiline: bool| {
        let value = Signal::derive(move || info.with(get));
        let on_change = move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            save(Box::new(move |i: &mut ProjectInfo| set(i, v)));
        };
        let input = if multiline {
            let node = NodeRef::<leptos::html::Textarea>::new();
            keep_in_sync(node, value);
            view! { <textarea rows="2" data-testid=id node_ref=node prop:value=value.get_untracked() disabled=read_only on:change=on_change></textarea> }.into_any()
        } else {
            let node = NodeRef::<leptos::html::Input>::new();
            keep_in_sync(node, value);
            view! { <input type="text" data-testid=id node_ref=node prop:value=value.get_untracked() disabled=read_only on:change=on_change/> }.into_any()
        };
        view! { <label class="field"><span>{label}</span>{input}</label> }
    };
    view! {
        <div class="card">
            <h2>"Details"</h2>
            {field("Project name", "info-name", |i| i.name.clone(), |i, v| i.name = v, false)}
            {field("Client", "info-client", |i| i.client.clone(), |i, v| i.client = v, false)}
            {field("Site", "info-site", |i| i.site.clone(), |i, v| i.site = v, false)}
            {field("Engineer", "info-engineer", |i| i.engineer.clone(), |i, v| i.engineer = v, false)}
            {field("Address", "info-address", |i| i.address.clone(), |i, v| i.address = v, true)}
            {field("Notes", "info-notes", |i| i.notes.clone(), |i, v| i.notes = v, true)}
        </div>
    }
}

/// Writes `value` into the field whenever it changes, unless the engineer
/// is typing in it (then the saved value arrives on blur anyway).
fn keep_in_sync<E>(node: NodeRef<E>, value: Signal<String>)
where
    E: leptos::html::ElementType,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
{
    Effect::new(move |_| {
        let v = value.get();
        let Some(el) = node.get() else { return };
        let el: &web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_ref(&el);
        let focused = leptos::prelude::document().active_element().is_some_and(|a| a.is_same_node(Some(el)));
        if !focused {
            let _ = js_sys::Reflect::set(el, &wasm_bindgen::JsValue::from_str("value"), &wasm_bindgen::JsValue::from_str(&v));
        }
    });
}

/// Issued revisions of the design documents, and a form to issue one.
#[component]
fn Revisions(project: Memo<Option<ProjectView>>) -> impl IntoView {
    let ctx = use_project();
    let revisions = move || project.with(|p| p.as_ref().map(|p| p.revisions.clone()).unwrap_or_default());
    let read_only = move || project.with(|p| p.as_ref().map(|p| p.read_only).unwrap_or(true));
    let rev = RwSignal::new(next_revision_label(&revisions()));
    let date = RwSignal::new(today());
    let author = RwSignal::new(project.with_untracked(|p| p.as_ref().map(|p| p.info.engineer.clone()).unwrap_or_default()));
    // After a revision is issued, offer the next letter.
    Effect::new(move |_| rev.set(next_revision_label(&revisions())));
    let description = RwSignal::new(String::new());
    let issue = move |_| {
        let r = Revision { rev: rev.get(), date: date.get(), author: author.get(), description: description.get() };
        ctx.run(async move { ipc::project_put_revision(&r).await });
    };
    view! {
        <div class="card">
            <h2>"Revisions"</h2>
            <table class="data">
                <thead><tr><th>"Rev"</th><th>"Date"</th><th>"Author"</th><th>"Description"</th></tr></thead>
                <tbody data-testid="revisions">
                    {move || {
                        let revisions = revisions();
                        if revisions.is_empty() {
                            view! { <tr><td colspan="4" class="muted">"No revision issued yet."</td></tr> }.into_any()
                        } else {
                            revisions.into_iter().map(|r| view! {
                                <tr><td>{r.rev}</td><td>{r.date}</td><td>{r.author}</td><td>{r.description}</td></tr>
                            }).collect_view().into_any()
                        }
                    }}
                </tbody>
            </table>
            {move || (!read_only()).then(|| view! {
                <div class="inline-form">
                    <input class="short" type="text" placeholder="Rev" bind:value=rev/>
                    <input class="date" type="text" placeholder="YYYY-MM-DD" bind:value=date/>
                    <input type="text" placeholder="Author" bind:value=author/>
                    <input class="grow" type="text" placeholder="What was issued and why" bind:value=description/>
                    <button class="btn" on:click=issue>"Issue revision"</button>
                </div>
            })}
        </div>
    }
}

#[component]
fn RecentList() -> impl IntoView {
    let ctx = use_project();
    let recent = move || ctx.state.with(|s| s.as_ref().map(|s| s.recent.clone()).unwrap_or_default());
    view! {
        <div class="card">
            <h2>"Recent projects"</h2>
            {move || {
                let list = recent();
                if list.is_empty() {
                    view! { <p class="muted">"Projects you open appear here."</p> }.into_any()
                } else {
                    view! {
                        <table class="data" data-testid="recent-list">
                            <tbody>
                                {list.into_iter().map(|r| view! { <RecentRow entry=r/> }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
        </div>
    }
}

#[component]
fn RecentRow(entry: RecentProject) -> impl IntoView {
    let ctx = use_project();
    let open_path = entry.path.clone();
    let forget_path = entry.path.clone();
    view! {
        <tr data-testid="recent-entry">
            <td>
                {if entry.exists {
                    view! {
                        <button class="link" data-testid="recent-open"
                            on:click=move |_| ctx.run(ipc::project_open(Some(open_path.clone()), OpenMode::Edit))>
                            {entry.name.clone()}
                        </button>
                    }.into_any()
                } else {
                    view! { <span class="muted" title="The file is no longer there">{format!("{} (missing)", entry.name)}</span> }.into_any()
                }}
            </td>
            <td class="mono muted">{entry.path.clone()}</td>
            <td><button class="btn small" title="Remove from this list (the file is not touched)"
                on:click=move |_| { let p = forget_path.clone(); ctx.run(async move { ipc::project_forget_recent(&p).await }) }>"Forget"</button></td>
        </tr>
    }
}

/// The dialog that creates a project: details and where to save the file.
#[component]
pub fn NewProjectForm() -> impl IntoView {
    let ctx = use_project();
    let name = RwSignal::new(String::new());
    let client = RwSignal::new(String::new());
    let site = RwSignal::new(String::new());
    let engineer = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let close = move || ctx.new_form.set(false);
    let browse = move |_| {
        let suggested = name.get_untracked();
        leptos::task::spawn_local(async move {
            match ipc::project_choose_location(&suggested).await {
                Ok(path) => location.set(path),
                Err(e) => ctx.report(e),
            }
        });
    };
    let create = move |_| {
        // The file goes where Browse… chose; the backend kept that location.
        let request = NewProjectRequest {
            info: ProjectInfo {
                name: name.get_untracked(),
                client: client.get_untracked(),
                site: site.get_untracked(),
                engineer: engineer.get_untracked(),
                ..ProjectInfo::default()
            },
        };
        leptos::task::spawn_local(async move {
            match ipc::project_new(&request).await {
                Ok(_) => {
                    ctx.new_form.set(false);
                    ctx.refresh();
                }
                Err(e) => ctx.report(e),
            }
        });
    };
    view! {
        <div class="overlay">
            <div class="dialog" data-testid="new-project-form">
                <header><h2>"New project"</h2></header>
                <label class="field"><span>"Project name"</span><input type="text" data-testid="new-name" bind:value=name placeholder="e.g. Hall B battery backstop"/></label>
                <label class="field"><span>"Client"</span><input type="text" data-testid="new-client" bind:value=client/></label>
                <label class="field"><span>"Site"</span><input type="text" data-testid="new-site" bind:value=site/></label>
                <label class="field"><span>"Engineer"</span><input type="text" data-testid="new-engineer" bind:value=engineer/></label>
                <label class="field"><span>"Project file"</span>
                    <div class="with-button">
                        <input type="text" data-testid="new-location" readonly=true prop:value=move || location.get() placeholder="Choose with Browse…"/>
                        <button class="btn" data-testid="new-browse" on:click=browse>"Browse…"</button>
                    </div>
                </label>
                <footer>
                    <button class="btn" on:click=move |_| close()>"Cancel"</button>
                    <button class="btn primary" data-testid="new-create" on:click=create>"Create"</button>
                </footer>
            </div>
        </div>
    }
}

/// The letter after the highest single-letter revision ("A" first; empty
/// after "Z", for the engineer to type).
fn next_revision_label(revisions: &[Revision]) -> String {
    let highest = revisions
        .iter()
        .filter_map(|r| match r.rev.as_bytes() {
            [c] if c.is_ascii_uppercase() => Some(*c),
            _ => None,
        })
        .max();
    match highest {
        None => "A".into(),
        Some(b'Z') => String::new(),
        Some(c) => char::from(c + 1).to_string(),
    }
}

fn today() -> String {
    let d = js_sys::Date::new_0();
    format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
}

fn format_bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}

/// `1 case`, `3 cases`.
fn count(n: impl Into<u64>, one: &str) -> String {
    count_as(n, one, &format!("{one}s"))
}

/// `1 audit entry`, `2 audit entries`.
fn count_as(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}
