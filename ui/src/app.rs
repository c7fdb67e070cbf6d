//! The app shell: navigation between the areas, the status bar, the about
//! panel and the error notices.

use leptos::prelude::*;

use crate::areas::{
    Area, commissioning::CommissioningArea, layout::LayoutArea, project::ProjectArea,
    reports::ReportsArea, sizing::SizingArea,
};
use crate::components::about::AboutPanel;
use crate::components::notices::{NoticeList, Notices};

#[component]
pub fn App() -> impl IntoView {
    let notices = Notices::provide();
    let area = RwSignal::new(Area::Project);
    let about_open = RwSignal::new(false);

    // Alt+1..5 switch areas; Escape closes the about panel.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.alt_key() && !ev.ctrl_key() {
            if let Some(a) = ev.key().parse::<usize>().ok().and_then(|d| Area::ALL.get(d.wrapping_sub(1))) {
                area.set(*a);
                ev.prevent_default();
            }
        } else if ev.key() == "Escape" {
            about_open.set(false);
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
            </footer>
            <Show when=move || about_open.get()>
                <AboutPanel on_close=Callback::new(move |_| about_open.set(false)) />
            </Show>
            <NoticeList notices=notices />
        </div>
    }
}
