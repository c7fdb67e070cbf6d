//! Commissioning area: connect to the pack controllers (serial RS-485 or a
//! TCP gateway), scan the bus, watch each pack live, write setpoints in an
//! armed mode with read-back, watch the raw traffic, and walk the
//! acceptance checklist to a sign-off.

mod checklist;
mod connect;
mod device;
mod live;
mod plan;
mod traffic;
mod write;

use leptos::prelude::*;

use crate::link_state::use_link;
use checklist::ChecklistPanel;
use connect::ConnectPanel;
use live::LivePanel;
use plan::PlanPanel;
use traffic::TrafficPanel;
use write::WritePanel;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Plan,
    Connect,
    Live,
    Write,
    Traffic,
    Checklist,
}

impl Tab {
    const ALL: [Tab; 6] = [Tab::Plan, Tab::Connect, Tab::Live, Tab::Write, Tab::Traffic, Tab::Checklist];
    fn label(self) -> &'static str {
        match self {
            Tab::Plan => "Plan",
            Tab::Connect => "Connect",
            Tab::Live => "Live packs",
            Tab::Write => "Armed writes",
            Tab::Traffic => "Traffic monitor",
            Tab::Checklist => "Checklist",
        }
    }
    fn id(self) -> &'static str {
        match self {
            Tab::Plan => "tab-plan",
            Tab::Connect => "tab-connect",
            Tab::Live => "tab-live",
            Tab::Write => "tab-write",
            Tab::Traffic => "tab-traffic",
            Tab::Checklist => "tab-checklist",
        }
    }
}

#[component]
pub fn CommissioningArea() -> impl IntoView {
    let tab = RwSignal::new(Tab::Connect);
    let link = use_link();
    view! {
        <section data-testid="area-commissioning">
            <h1>"Commissioning"</h1>
            <p class="lede">"Connect to the installed pack controllers over RS-485 or TCP, watch them live and walk the acceptance checklist."</p>
            <div class="tabs">
                {Tab::ALL.into_iter().map(|t| view! {
                    <button class="tab" class:active=move || tab.get() == t data-testid=t.id() on:click=move |_| tab.set(t)>{t.label()}</button>
                }).collect_view()}
                <span class="link-pill" data-testid="link-label">{move || match link.status.get().and_then(|s| s.label) {
                    Some(l) => format!("connected: {l}"),
                    None => "not connected".into(),
                }}</span>
            </div>
            // Whether live values reach the project's telemetry log: a gap
            // in the log must be visible on every tab.
            {move || link.log.get().map(|s| {
                let class = if s.logging { "log-status muted small" } else { "log-status field-error" };
                view! { <p class=class data-testid="log-status">{s.message}</p> }
            })}
            {move || match tab.get() {
                Tab::Plan => view! { <PlanPanel/> }.into_any(),
                Tab::Connect => view! { <ConnectPanel/> }.into_any(),
                Tab::Live => view! { <LivePanel/> }.into_any(),
                Tab::Write => view! { <WritePanel/> }.into_any(),
                Tab::Traffic => view! { <TrafficPanel/> }.into_any(),
                Tab::Checklist => view! { <ChecklistPanel/> }.into_any(),
            }}
        </section>
    }
}
