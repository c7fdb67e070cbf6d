//! Live packs: one card per polled unit, greyed when stale, with the
//! followed point's trend.

use backstop_model::link::{DeviceHealth, TelemetrySample};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::device::DeviceTree;
use crate::components::charts::Sparkline;
use crate::ipc;
use crate::link_state::{find_point, show, show_brief, use_link};

#[component]
pub(super) fn LivePanel() -> impl IntoView {
    let link = use_link();
    let interval = RwSignal::new("1000".to_string());
    let stale = RwSignal::new("10000".to_string());
    let start = move |_| {
        let read = || -> Result<(u32, u32), backstop_model::AppError> {
            Ok((
                crate::number::whole(&interval.get_untracked(), "The poll interval (ms)", 1, i64::from(u32::MAX))?,
                crate::number::whole(&stale.get_untracked(), "The stale time (ms)", 1, i64::from(u32::MAX))?,
            ))
        };
        let (i, s) = match read() {
            Ok(x) => x,
            Err(e) => {
                link.report(e);
                return;
            }
        };
        spawn_local(async move {
            match ipc::link_poll_start(&[], i, s).await {
                Ok(units) => link.notify(format!("Polling units {}.", units.iter().map(u8::to_string).collect::<Vec<_>>().join(", "))),
                Err(e) => link.report(e),
            }
        });
    };
    view! {
        <div class="card">
            <div class="toolbar">
                <span>"Poll every"</span><input class="short" type="text" bind:value=interval/><span>"ms; stale after"</span>
                <input class="short" type="text" bind:value=stale/><span>"ms"</span>
                <button class="btn primary" data-testid="poll-start" on:click=start>"Start polling"</button>
                <button class="btn" on:click=move |_| spawn_local(async move { if let Err(e) = ipc::link_poll_stop().await { link.report(e) } })>"Stop"</button>
            </div>
        </div>
        <div class="packs">
            {move || {
                let samples = link.samples.get();
                if samples.is_empty() {
                    view! { <p class="muted">"No live data yet: connect, scan, then start polling."</p> }.into_any()
                } else {
                    samples.into_values().map(|s| view! { <PackCard sample=s/> }).collect_view().into_any()
                }
            }}
        </div>
        <DeviceTree/>
        {move || link.followed.get().map(|(u, m, p)| view! {
            <div class="card">
                <h2>{format!("Trend: unit {u}, {m} {p}")}</h2>
                <Sparkline points=Signal::derive(move || link.trend.get().into_iter().collect::<Vec<_>>()) width=900 height=160/>
            </div>
        })}
    }
}

#[component]
pub(super) fn PackCard(sample: TelemetrySample) -> impl IntoView {
    let link = use_link();
    let unit = sample.unit;
    let p = |path: &str| show_brief(find_point(&sample, 802, path));
    let num = |path: &str| find_point(&sample, 802, path).and_then(|x| x.value.as_f64());
    let spread = match (num("CellVMax"), num("CellVMin")) {
        (Some(a), Some(b)) => format!("{:.0} mV", (a - b) * 1000.0),
        _ => "—".into(),
    };
    let at = |s: &str, m: &str| format!("S{} M{}", p(s), p(m));
    let temps: Vec<(String, String)> = sample
        .models
        .iter()
        .filter(|m| m.id == 804)
        .map(|m| {
            let g = |n: &str| m.point(n).map(|x| show(Some(x))).unwrap_or_else(|| "—".into());
            (format!("String {}", g("Idx")), format!("{} … {}", g("ModTmpMin"), g("ModTmpMax")))
        })
        .collect();
    let health = move || link.health.get().get(&unit).cloned();
    let stale = sample.stale;
    let undecoded = sample.undecoded.clone();
    let evt = p("Evt1");
    let alarm = evt != "none" && evt != "—";
    let follow = move |model: u16, path: &'static str| move |_| link.follow(unit, model, path);
    view! {
        <div class="card pack" class:stale=stale data-testid="pack-card">
            <div class="project-head">
                <h2>{format!("Unit {unit}")}</h2>
                {move || match health() {
                    Some((DeviceHealth::Offline, m)) => view! { <span class="pill bad" title=m>"offline — stale"</span> }.into_any(),
                    Some((DeviceHealth::Degraded, m)) => view! { <span class="pill warn" title=m>"no answer"</span> }.into_any(),
                    _ if stale => view! { <span class="pill bad">"stale"</span> }.into_any(),
                    _ => view! { <span class="pill ok">"online"</span> }.into_any(),
                }}
            </div>
            <table class="kv">
                <tr><th>"State"</th><td data-testid="pack-state">{p("State")}</td></tr>
                <tr><th on:click=follow(802, "V")>"Voltage"</th><td>{p("V")}</td></tr>
                <tr><th on:click=follow(802, "A")>"Current"</th><td>{p("A")}</td></tr>
                <tr><th on:click=follow(802, "SoC")>"SOC / SOH"</th><td>{format!("{} / {}", p("SoC"), p("SoH"))}</td></tr>
                <tr><th on:click=follow(802, "CellVMax")>"Cell max"</th><td>{format!("{} at {}", p("CellVMax"), at("CellVMaxStr", "CellVMaxMod"))}</td></tr>
                <tr><th on:click=follow(802, "CellVMin")>"Cell min"</th><td>{format!("{} at {}", p("CellVMin"), at("CellVMinStr", "CellVMinMod"))}</td></tr>
                <tr><th>"Cell spread"</th><td data-testid="pack-spread">{spread}</td></tr>
                {temps.into_iter().map(|(k, v)| view! { <tr><th>{k}" temp."</th><td>{v}</td></tr> }).collect_view()}
                <tr><th>"Alarms"</th><td class:alarm=alarm>{evt}</td></tr>
            </table>
            {(!undecoded.is_empty()).then(|| view! {
                <ul class="undecoded" data-testid="pack-undecoded">
                    {undecoded.into_iter().map(|u| view! { <li class="warn">{format!("Model {} at {}: {}", u.id, u.address, u.reason)}</li> }).collect_view()}
                </ul>
            })}
            <p class="muted small">"Click a label to follow its trend."</p>
        </div>
    }
}
