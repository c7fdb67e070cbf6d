//! The traffic monitor: the latest frames with their meaning, exported as
//! text or CSV.

use backstop_model::link::TrafficFrame;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ipc;
use crate::link_state::use_link;

#[component]
pub(super) fn TrafficPanel() -> impl IntoView {
    let link = use_link();
    let frames = RwSignal::new(Vec::<TrafficFrame>::new());
    let load = move || {
        spawn_local(async move {
            match ipc::link_traffic(0).await {
                Ok(f) => frames.set(f),
                Err(e) => link.report(e),
            }
        })
    };
    load();
    let timer = set_interval_with_handle(load, std::time::Duration::from_millis(1000)).ok();
    on_cleanup(move || {
        if let Some(t) = timer {
            t.clear();
        }
    });
    let export = move |csv: bool| {
        move |_| {
            spawn_local(async move {
                match ipc::link_traffic_export(csv).await {
                    Ok(path) => link.notify(format!("Traffic saved to {path}.")),
                    Err(e) => link.report(e),
                }
            })
        }
    };
    view! {
        <div class="card">
            <div class="toolbar">
                <button class="btn" on:click=export(false)>"Export text…"</button>
                <button class="btn" on:click=export(true)>"Export CSV…"</button>
                <span class="muted">{move || format!("{} frames (newest last)", frames.get().len())}</span>
            </div>
            <div class="scroll">
                <table class="data traffic" data-testid="traffic">
                    <thead><tr><th>"#"</th><th>"Time"</th><th>"Dir"</th><th>"Bytes"</th><th>"Meaning"</th></tr></thead>
                    <tbody>
                        {move || {
                            let f = frames.get();
                            let skip = f.len().saturating_sub(300);
                            f.into_iter().skip(skip).map(|x| view! {
                                <tr class=format!("dir-{:?}", x.direction).to_lowercase()>
                                    <td>{x.seq}</td><td class="mono">{clock(x.time_us)}</td><td>{format!("{:?}", x.direction)}</td>
                                    <td class="mono">{x.hex}</td><td>{x.meaning}</td>
                                </tr>
                            }).collect_view()
                        }}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

pub(super) fn clock(us: u64) -> String {
    let s = us / 1_000_000;
    format!("{:02}:{:02}:{:02}.{:03}", (s / 3600) % 24, (s / 60) % 60, s % 60, (us / 1000) % 1000)
}
