//! Sizing area: UPS ride-through, peak-shaving and power-smoothing cases, computed by the
//! backend's engine as the inputs change, with the methods side by side,
//! diagnostics, charts and the calculation sheet behind every number; the
//! optimizer; and the catalog with the source of every value.
//!
//! The forms edit a working copy; "Save" stores the case with its result
//! (recomputed by the backend) as one undoable edit. Unsaved edits survive
//! switching cases or areas (kept per project and case until saved).

mod catalog;
mod fields;
mod peak;
mod results;
mod runner;
mod smooth;
mod ups;

use backstop_model::sizing_view::{CaseKind, CatalogView, SizingCase, SizingOverview, StoredCase};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ipc;
use crate::state::use_project;

/// Saves the form's case under `key` as one undoable edit (the backend
/// recomputes its result); on success forgets the draft, calls `saved` and
/// tells the engineer. A form that is not ready says why, and nothing is sent.
/// The same for every case kind.
pub(crate) fn save_case(
    project: crate::state::ProjectCtx,
    key: String,
    draft_key: String,
    case: Result<SizingCase, fields::NotReady>,
    profile_token: Option<String>,
    saved: impl FnOnce() + 'static,
) {
    match case {
        Err(fields::NotReady(why)) => project.report(backstop_model::AppError::invalid(format!("The case cannot be saved yet: {why}."))),
        Ok(case) => spawn_local(async move {
            let req = backstop_model::sizing_view::SaveCaseRequest { key, case, profile_token };
            match ipc::sizing_case_save(&req).await {
                Ok(msg) => {
                    drafts::remove(&draft_key);
                    saved();
                    project.notify(msg);
                }
                Err(e) => project.report(e),
            }
            project.refresh();
        }),
    }
}

/// Writes the calculation sheet of the form's case through the save dialog.
pub(crate) fn export_sheet(project: crate::state::ProjectCtx, case: Result<SizingCase, fields::NotReady>, profile_token: Option<String>) {
    match case {
        Err(fields::NotReady(why)) => {
            project.report(backstop_model::AppError::invalid(format!("The sheet cannot be exported yet: {why}.")))
        }
        Ok(case) => spawn_local(async move {
            match ipc::sizing_export_sheet(&case, profile_token.as_deref()).await {
                Ok(path) => project.notify(format!("Calculation sheet written to {path}.")),
                Err(e) => project.report(e),
            }
        }),
    }
}

/// After undo/redo or an edit elsewhere (the project's generation moves,
/// not on the first run), fetches the stored case `key` again and hands it
/// to `reload`, which shows it unless the engineer has unsaved edits.
pub(crate) fn reload_on_change(project: crate::state::ProjectCtx, key: String, reload: impl Fn(StoredCase) + Clone + 'static) {
    let generation = project.generation;
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        generation.track();
        if first.get_value() {
            first.set_value(false);
            return;
        }
        let (key, reload) = (key.clone(), reload.clone());
        spawn_local(async move {
            // A case whose creation was just undone is gone: the case list,
            // which follows the same generation, stops showing it.
            if let Ok(stored) = ipc::sizing_case_get(&key).await {
                reload(stored);
            }
        });
    });
}

/// Unsaved edits per project and case, kept while the engineer looks at
/// another case or area.
pub(crate) mod drafts {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use backstop_model::sizing_view::{ProfileInfo, SizingCase, TraceInfo};

    /// The input data a draft was computed with.
    #[derive(Clone)]
    pub enum Input {
        /// A peak case's load profile.
        Profile(ProfileInfo),
        /// A smoothing case's measured trace (none: its synthetic profile).
        Trace(Option<TraceInfo>),
    }

    thread_local! {
        static DRAFTS: RefCell<HashMap<String, (SizingCase, Option<Input>)>> = RefCell::new(HashMap::new());
    }

    /// The draft of `key` (a case and the input data it was computed with).
    pub fn get(key: &str) -> Option<(SizingCase, Option<Input>)> {
        DRAFTS.with(|d| d.borrow().get(key).cloned())
    }

    /// Remember the unsaved state of `key`.
    pub fn put(key: &str, case: SizingCase, input: Option<Input>) {
        DRAFTS.with(|d| d.borrow_mut().insert(key.to_string(), (case, input)));
    }

    /// Forget the unsaved state of `key` (saved or discarded).
    pub fn remove(key: &str) {
        DRAFTS.with(|d| d.borrow_mut().remove(key));
    }
}

/// What the panels of the area share.
#[derive(Clone, Copy)]
pub(crate) struct SizingCtx {
    pub overview: RwSignal<Option<SizingOverview>>,
    pub catalog: RwSignal<Option<CatalogView>>,
    pub selected: RwSignal<Option<String>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Cases,
    Catalog,
}

#[component]
pub fn SizingArea() -> impl IntoView {
    let project = use_project();
    let ctx = SizingCtx { overview: RwSignal::new(None), catalog: RwSignal::new(None), selected: RwSignal::new(None) };
    provide_context(ctx);
    let tab = RwSignal::new(Tab::Cases);

    Effect::new(move |_| {
        project.generation.track();
        let open = project.state.with_untracked(|s| s.as_ref().is_some_and(|s| s.project.is_some()));
        spawn_local(async move {
            if open {
                match ipc::sizing_overview().await {
                    Ok(o) => {
                        let sel = ctx.selected.try_get_untracked().flatten();
                        if !sel.as_ref().is_some_and(|k| o.cases.iter().any(|c| &c.key == k)) {
                            ctx.selected.set(o.cases.iter().find(|c| c.problem.is_none()).map(|c| c.key.clone()));
                        }
                        ctx.overview.set(Some(o));
                    }
                    Err(e) => project.report(e),
                }
            } else {
                ctx.overview.set(None);
                ctx.selected.set(None);
            }
            match ipc::sizing_catalog().await {
                Ok(c) => ctx.catalog.set(Some(c)),
                Err(e) => project.report(e),
            }
        });
    });

    view! {
        <section data-testid="area-sizing">
            <h1>"Sizing"</h1>
            <p class="lede">"UPS ride-through, peak-shaving and power-smoothing cases, each with the calculation sheet behind every number."</p>
            <div class="tabs">
                <button class="tab" class:active=move || tab.get() == Tab::Cases data-testid="tab-sizing-cases" on:click=move |_| tab.set(Tab::Cases)>"Cases"</button>
                <button class="tab" class:active=move || tab.get() == Tab::Catalog data-testid="tab-sizing-catalog" on:click=move |_| tab.set(Tab::Catalog)>"Catalog"</button>
            </div>
            {move || match tab.get() {
                Tab::Cases => view! { <CasesPanel/> }.into_any(),
                Tab::Catalog => view! { <catalog::CatalogPanel/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn CasesPanel() -> impl IntoView {
    let project = use_project();
    let ctx = expect_context::<SizingCtx>();
    let current = RwSignal::new(None::<StoredCase>);
    let loading_error = RwSignal::new(None::<String>);
    // Load the selected case (only when the selection changes: the editor
    // follows undo/redo itself).
    Effect::new(move |_| {
        let sel = ctx.selected.get();
        current.set(None);
        loading_error.set(None);
        if let Some(key) = sel {
            spawn_local(async move {
                match ipc::sizing_case_get(&key).await {
                    Ok(c) => {
                        if ctx.selected.try_get_untracked().flatten().as_deref() == Some(c.key.as_str()) {
                            current.set(Some(c));
                        }
                    }
                    Err(e) => loading_error.set(Some(e.message)),
                }
            });
        }
    });
    let no_project = move || project.project().is_none();
    // Memos: they change only when the value does, not at every refresh.
    let path = Memo::new(move |_| project.project().map(|p| p.path).unwrap_or_default());
    let read_only = Memo::new(move |_| ctx.overview.with(|o| o.as_ref().is_some_and(|o| o.read_only)));
    view! {
        <Show when=move || !no_project() fallback=|| view! {
            <div class="card" data-testid="sizing-no-project">
                <h2>"No project is open"</h2>
                <p class="muted">"Sizing cases and their results are kept in the project file. Open or create a project in the Project area; the catalog can be browsed without one."</p>
            </div>
        }>
            <div class="sizing-layout">
                <CaseList/>
                <div class="case-main">
                    {move || loading_error.get().map(|m| view! { <div class="card failure"><p>{m}</p></div> })}
                    {move || {
                        // Only a newly loaded case, another file or another
                        // access makes a new editor: the list's refresh after
                        // a save or an undo must not rebuild it from the case
                        // as first loaded (that dropped a profile or trace
                        // saved since, and the result on screen). The editor
                        // follows the file itself.
                        let path = path.get();
                        let read_only = read_only.get();
                        current.get().map(|c| {
                            let draft_key = format!("{path}\u{0}{}", c.key);
                            match c.case {
                                SizingCase::Ups(u) => view! {
                                    <ups::UpsEditor key=c.key.clone() draft_key=draft_key stored_case=u catalog=ctx.catalog overview=ctx.overview read_only=read_only/>
                                }.into_any(),
                                SizingCase::Peak(p) => view! {
                                    <peak::PeakEditor key=c.key.clone() draft_key=draft_key stored_case=p stored_profile=c.profile.clone() catalog=ctx.catalog read_only=read_only/>
                                }.into_any(),
                                SizingCase::Smooth(sm) => view! {
                                    <smooth::SmoothEditor key=c.key.clone() draft_key=draft_key stored_case=sm stored_trace=c.trace.clone() catalog=ctx.catalog read_only=read_only/>
                                }.into_any(),
                            }
                        })
                    }}
                    {move || (ctx.selected.get().is_none() && ctx.overview.with(|o| o.as_ref().is_some_and(|o| o.cases.is_empty()))).then(|| view! {
                        <div class="card" data-testid="sizing-empty">
                            <h2>"No sizing case yet"</h2>
                            <p class="muted">"Add a UPS ride-through case (prefilled with the layout's racks, UPS and battery cabinets), a peak-shaving case (then import the site's load profile) or a power-smoothing case (a GPU training job held to the grid's ramp and oscillation limits)."</p>
                        </div>
                    })}
                </div>
            </div>
        </Show>
    }
}

#[component]
fn CaseList() -> impl IntoView {
    let project = use_project();
    let ctx = expect_context::<SizingCtx>();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new("ups".to_string());
    let busy = RwSignal::new(false);
    let read_only = move || ctx.overview.with(|o| o.as_ref().is_some_and(|o| o.read_only));
    let add = move |_| {
        let k = match kind.get_untracked().as_str() {
            "peak" => CaseKind::Peak,
            "smooth" => CaseKind::Smooth,
            _ => CaseKind::Ups,
        };
        let n = name.get_untracked();
        let n = if n.trim().is_empty() {
            let count = ctx.overview.with_untracked(|o| o.as_ref().map_or(0, |o| o.cases.len())) + 1;
            match k {
                CaseKind::Ups => format!("UPS case {count}"),
                CaseKind::Peak => format!("Peak-shaving case {count}"),
                CaseKind::Smooth => format!("Power-smoothing case {count}"),
            }
        } else {
            n
        };
        spawn_local(async move {
            busy.set(true);
            match ipc::sizing_case_create(k, &n).await {
                Ok(key) => {
                    name.set(String::new());
                    ctx.selected.set(Some(key));
                }
                Err(e) => project.report(e),
            }
            busy.set(false);
            project.refresh();
        });
    };
    view! {
        <aside class="card case-list" data-testid="case-list">
            <h2>"Cases"</h2>
            {move || ctx.overview.get().map(|o| o.cases.into_iter().map(|c| {
                let key = c.key.clone();
                let key2 = c.key.clone();
                let active = move || ctx.selected.get().as_deref() == Some(key2.as_str());
                let pill = match c.feasible {
                    Some(true) => Some(("pill ok", "sized")),
                    Some(false) => Some(("pill bad", "not feasible")),
                    None => None,
                };
                let usable = c.problem.is_none();
                view! {
                    <button class="case-item" class:active=active data-testid="case-item" data-key=c.key.clone() disabled=!usable
                        on:click=move |_| ctx.selected.set(Some(key.clone()))>
                        <div class="case-name">{c.name.clone()}</div>
                        <div class="case-meta">
                            <span class="muted small">{c.kind.map_or("unknown kind", |k| k.label())}</span>
                            {pill.map(|(cl, t)| view! { <span class=cl>{t}</span> })}
                        </div>
                        <div class="muted small case-summary">{c.problem.clone().unwrap_or(c.summary.clone())}</div>
                    </button>
                }
            }).collect_view())}
            <div class="new-case">
                <input type="text" data-testid="new-case-name" placeholder="New case name" disabled=read_only
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <div class="toolbar">
                    <select data-testid="new-case-kind" disabled=read_only on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="ups" selected=true>"UPS ride-through"</option>
                        <option value="peak">"Peak shaving"</option>
                        <option value="smooth">"Power smoothing"</option>
                    </select>
                    <button class="btn primary" data-testid="new-case-add" disabled=move || busy.get() || read_only() on:click=add>"Add case"</button>
                </div>
            </div>
        </aside>
    }
}

/// The head of a case editor: name (renamed when it loses focus), state,
/// save, export and delete.
#[component]
pub(crate) fn CaseHeader(
    case_key: String,
    name: RwSignal<String>,
    kind_label: &'static str,
    dirty: RwSignal<bool>,
    read_only: bool,
    not_ready: RwSignal<Option<String>>,
    on_save: Callback<leptos::ev::MouseEvent>,
    on_export: Callback<leptos::ev::MouseEvent>,
    #[prop(into)] backend_ms: Signal<Option<f64>>,
) -> impl IntoView {
    let project = use_project();
    let ctx = expect_context::<SizingCtx>();
    let confirm = RwSignal::new(false);
    let key_rename = case_key.clone();
    let rename = move |ev: leptos::ev::Event| {
        let n = event_target_value(&ev);
        let key = key_rename.clone();
        if n.trim().is_empty() {
            project.report(backstop_model::AppError::invalid("A case needs a name; the old name is kept."));
            return;
        }
        spawn_local(async move {
            if let Err(e) = ipc::sizing_case_rename(&key, &n).await {
                project.report(e);
            }
            project.refresh();
        });
    };
    let key_delete = case_key.clone();
    let delete = move |_| {
        let key = key_delete.clone();
        confirm.set(false);
        spawn_local(async move {
            match ipc::sizing_case_delete(&key).await {
                Ok(()) => {
                    ctx.selected.set(None);
                    project.notify("Case deleted (Undo brings it back).".into());
                }
                Err(e) => project.report(e),
            }
            project.refresh();
        });
    };
    view! {
        <div class="card case-head">
            <div class="case-title">
                <input type="text" class="case-name-input" data-testid="case-name" prop:value=move || name.get() disabled=read_only
                    on:input=move |ev| name.set(event_target_value(&ev)) on:change=rename/>
                <span class="pill">{kind_label}</span>
                {move || if dirty.get() {
                    view! { <span class="pill warn" data-testid="case-dirty">"unsaved changes"</span> }.into_any()
                } else {
                    view! { <span class="pill ok" data-testid="case-saved">"saved"</span> }.into_any()
                }}
                {move || not_ready.get().map(|w| view! { <span class="muted small" data-testid="case-not-ready">{format!("not computed: {w}")}</span> })}
                {move || backend_ms.get().map(|ms| view! { <span class="muted small" data-testid="compute-ms">{format!("computed in {ms:.1} ms")}</span> })}
            </div>
            <div class="toolbar">
                <button class="btn primary" data-testid="case-save" disabled=read_only on:click=move |ev| on_save.run(ev)>"Save case and result"</button>
                <button class="btn" data-testid="case-export" on:click=move |ev| on_export.run(ev)>"Export calculation sheet…"</button>
                <span class="sep"></span>
                <Show when=move || !confirm.get() fallback=move || view! {
                    <span>"Delete this case and its result? "</span>
                    <button class="btn danger" data-testid="case-delete-confirm" on:click=delete.clone()>"Delete"</button>
                    <button class="btn" on:click=move |_| confirm.set(false)>"Keep"</button>
                }>
                    <button class="btn" data-testid="case-delete" disabled=read_only on:click=move |_| confirm.set(true)>"Delete…"</button>
                </Show>
            </div>
        </div>
    }
}
