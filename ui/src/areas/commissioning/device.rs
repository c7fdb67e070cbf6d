//! The device tree of one unit: models → groups → points, read once.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ipc;
use crate::link_state::{show, use_link};

/// The device tree of one unit: models → groups → points, read once.
#[component]
pub(super) fn DeviceTree() -> impl IntoView {
    let link = use_link();
    let unit = RwSignal::new(String::new());
    let models = RwSignal::new(Vec::<backstop_model::link::DecodedModel>::new());
    let read = move |_| {
        let Ok(u) = unit.get_untracked().parse::<u8>() else {
            link.report(backstop_model::AppError::invalid("Choose a discovered unit."));
            return;
        };
        spawn_local(async move {
            match ipc::link_read_device(u).await {
                Ok(m) => models.set(m),
                Err(e) => link.report(e),
            }
        });
    };
    fn point_rows(points: &[backstop_model::link::PointReading]) -> impl IntoView + use<> {
        points
            .iter()
            .map(|p| {
                let w = p.writable.is_some();
                view! { <tr><td class="mono">{p.path.clone()}</td><td>{p.label.clone()}</td><td>{show(Some(p))}</td><td>{if w { "writable" } else { "" }}</td></tr> }
            })
            .collect_view()
    }
    fn group_view(g: &backstop_model::link::DecodedGroup) -> AnyView {
        let inner: Vec<AnyView> = g.groups.iter().map(group_view).collect();
        view! {
            <details class="tree">
                <summary>{format!("{} {}", g.name, g.index)}</summary>
                <table class="data"><tbody>{point_rows(&g.points)}</tbody></table>
                {inner}
            </details>
        }
        .into_any()
    }
    view! {
        <div class="card">
            <h2>"Device tree"</h2>
            <div class="inline-form">
                <select bind:value=unit data-testid="tree-unit">
                    <option value="">"—"</option>
                    {move || link.status.get().map(|s| s.devices).unwrap_or_default().into_iter().map(|d| view! { <option value=d.unit.to_string()>{format!("Unit {}", d.unit)}</option> }).collect_view()}
                </select>
                <button class="btn" data-testid="tree-read" on:click=read>"Read all models"</button>
            </div>
            {move || models.get().iter().map(|m| {
                let groups: Vec<AnyView> = m.groups.iter().map(group_view).collect();
                view! {
                    <details class="tree" data-testid="tree-model">
                        <summary>{format!("Model {} — {} (address {}, {} registers)", m.id, m.label, m.address, m.length)}</summary>
                        {(!m.notes.is_empty()).then(|| view! { <p class="muted">{m.notes.join("; ")}</p> })}
                        <table class="data"><tbody>{point_rows(&m.points)}</tbody></table>
                        {groups}
                    </details>
                }
            }).collect_view()}
        </div>
    }
}
