//! The app shell: navigation between the areas, the status bar, the about
//! panel and the error notices.

use leptos::prelude::*;

use crate::areas::project::NewProjectForm;
use crate::areas::{
    Area, commissioning::CommissioningArea, layout::LayoutArea, project::ProjectArea, reports::ReportsArea, sizing::SizingArea,
};
use crate::components::about::AboutPanel;
use crate::components::notices::{NoticeList, Notices};
use crate::ipc;
use crate::state::ProjectCtx;

#[component]
pub fn App() -> impl IntoView {
    let notices = Notices::provide();
    let project = ProjectCtx::provide(notices);
    crate::link_state::LinkCtx::provide(notices);
    let area = RwSignal::new(Area::Project);
    let about_open = RwSignal::new(false);

    // The document title mirrors the window title the backend sets.
    Effect::new(move |_| {
        let title = match project.project() {
            Some(p) => format!("{} — Backstop", p.title),
            None => "Backstop".to_string(),
        };
        leptos::prelude::document().set_title(&title);
    });

    // A file handed over by a second launch: show the Project area, where
    // the project (or why it could not be opened) is.
    Effect::new(move |previous: Option<u64>| {
        let n = project.show.get();
        if previous.is_some_and(|p| p != n) {
            area.set(Area::Project);
        }
        n
    });

    // Alt+1..5 switch areas; Ctrl+N/O/Shift+S/Z/Y are the file and history
    // shortcuts; Escape closes dialogs.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        let key = ev.key().to_lowercase();
        let in_text = in_text_field();
        if ev.alt_key() && !ev.ctrl_key() {
            if let Some(a) = key.parse::<usize>().ok().and_then(|d| Area::ALL.get(d.wrapping_sub(1))) {
                area.set(*a);
                ev.prevent_default();
            }
        } else if ev.ctrl_key() && !ev.alt_key() {
            let handled = match (key.as_str(), ev.shift_key()) {
                ("n", false) => {
                    area.set(Area::Project);
                    project.new_form.set(true);
                    true
                }
                ("o", false) => {
                    project.run(ipc::project_open(None, backstop_model::workspace::OpenMode::Edit));
                    true
                }
                ("s", true) => {
                    project.run(ipc::project_save_as());
                    true
                }
                // In a text field, Ctrl+Z/Y undo typing, not the project.
                ("z", false) if !in_text => {
                    project.run(ipc::project_undo());
                    true
                }
                ("y", false) | ("z", true) if !in_text => {
                    project.run(ipc::project_redo());
                    true
                }
                _ => false,
            };
            if handled {
                ev.prevent_default();
            }
        } else if key == "escape" {
            about_open.set(false);
            project.new_form.set(false);
        }
    });
    on_cleanup(move || keys.remove());

    // Two animation frames after mounting, the first frame has been painted.
    request_animation_frame(move || {
        request_animation_frame(move || {
            leptos::task::spawn_local(async move {
                if let Err(err) = crate::ipc::ui_ready().await {
                    notices.report(err);
                }
            });
        });
    });

    let nav = Area::ALL
        .into_iter()
        .map(|a| {
            view! {
                <button
                    class="nav"
                    class:active=move || area.get() == a
                    data-testid=a.test_id()
                    on:click=move |_| area.set(a)
                >
                    <span>{a.label()}</span>
                    <span class="key">{a.key()}</span>
                </button>
            }
        })
        .collect_view();

    view! {
        <div class="shell">
            <nav class="sidebar" aria-label="Main areas">
                <div class="brand">
                    <img src="./icon.png" alt="" />
                    <div>
                        <div class="name">"Backstop"</div>
                        <div class="tag">"BESS design & commissioning"</div>
                    </div>
                </div>
                {nav}
                <div class="spacer"></div>
                <button class="nav" data-testid="nav-about" on:click=move |_| about_open.set(true)>
                    <span>"About"</span>
                </button>
            </nav>
            <main>
                {move || match area.get() {
                    Area::Project => view! { <ProjectArea/> }.into_any(),
                    Area::Layout => view! { <LayoutArea/> }.into_any(),
                    Area::Sizing => view! { <SizingArea/> }.into_any(),
                    Area::Commissioning => view! { <CommissioningArea/> }.into_any(),
                    Area::Reports => view! { <ReportsArea/> }.into_any(),
                }}
            </main>
            <footer class="statusbar">
                <span data-testid="status-area">{move || area.get().label()}</span>
                <span data-testid="status-project">{move || match project.project() {
                    Some(p) => format!("{}{}", p.path, if p.read_only { " (read-only)" } else { "" }),
                    None => "no project open".to_string(),
                }}</span>
                <span class="ok">{move || project.project().map(|_| "all changes saved")}</span>
            </footer>
            {move || project.state.with(|s| s.as_ref().and_then(|s| s.open_request.clone())).map(|req| view! {
                <div class="overlay">
                    <div class="dialog" role="dialog" data-testid="open-request">
                        <h2>"Open another project?"</h2>
                        <p>"Backstop was asked to open "<span class="mono" data-testid="open-request-path">{req.path.clone()}</span>"."</p>
                        <p>{format!("This closes {}; every change to it is already saved.", if req.replaces.is_empty() { "the open project".to_string() } else { req.replaces.clone() })}</p>
                        <div class="toolbar">
                            <button class="btn primary" data-testid="open-request-accept"
                                on:click=move |_| project.run(ipc::project_accept_handed())>"Open it"</button>
                            <button class="btn" data-testid="open-request-decline"
                                on:click=move |_| project.run(ipc::project_decline_handed())>"Keep the open project"</button>
                        </div>
                    </div>
                </div>
            })}
            <Show when=move || project.new_form.get()>
                <NewProjectForm/>
            </Show>
            <Show when=move || about_open.get()>
                <AboutPanel on_close=Callback::new(move |_| about_open.set(false)) />
            </Show>
            <NoticeList notices=notices />
        </div>
    }
}

/// True when keyboard focus is in an editable text control.
fn in_text_field() -> bool {
    let Some(el) = leptos::prelude::document().active_element() else { return false };
    let tag = el.tag_name().to_lowercase();
    tag == "textarea" || (tag == "input" && el.get_attribute("type").map(|t| t == "text" || t == "number").unwrap_or(true))
}
