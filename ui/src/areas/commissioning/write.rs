//! Armed writes: arm for a time, review old → new, write and read back;
//! the outcomes of this session.

use backstop_model::link::{PointValue, WriteOutcomeKind, WriteRequest, WriteValue};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ipc;
use crate::link_state::{show, trim, use_link};

#[component]
pub(super) fn WritePanel() -> impl IntoView {
    let link = use_link();
    let engineer = RwSignal::new(String::new());
    let minutes = RwSignal::new("15".to_string());
    let unit = RwSignal::new(String::new());
    let point = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let review = RwSignal::new(None::<WriteRequest>);

    // Writable points of the chosen unit: (model id, model address, path,
    // current, limits). Memos, so the lists are rebuilt only when what they
    // show changes, not on every live sample.
    let writable = Memo::new(move |_| {
        let Ok(u) = unit.get().parse::<u8>() else { return Vec::new() };
        link.samples.with(|samples| {
            let Some(s) = samples.get(&u) else { return Vec::new() };
            s.models
                .iter()
                .flat_map(|m| {
                    m.all_points()
                        .into_iter()
                        .filter_map(move |p| p.writable.clone().map(|w| (m.id, m.address, p.path.clone(), show(Some(p)), w)))
                })
                .collect::<Vec<_>>()
        })
    });
    let units = Memo::new(move |_| link.samples.with(|m| m.keys().copied().collect::<Vec<u8>>()));
    let prepare = move |_| {
        let Ok(u) = unit.get_untracked().parse::<u8>() else {
            link.report(backstop_model::AppError::invalid("Choose the unit to write to."));
            return;
        };
        let Some((model_id, model_address, path, _, w)) = writable.get_untracked().into_iter().find(|x| x.2 == point.get_untracked())
        else {
            link.report(backstop_model::AppError::invalid("Choose a writable point."));
            return;
        };
        let v = value.get_untracked();
        let value = if w.symbols.is_empty() {
            match crate::number::number(&v, "The new value") {
                Ok(n) => WriteValue::Number { value: n },
                Err(e) => {
                    link.report(e);
                    return;
                }
            }
        } else {
            WriteValue::Symbol { name: v.trim().to_string() }
        };
        review.set(Some(WriteRequest {
            unit: u,
            model_id,
            model_address,
            point: path.to_string(),
            value,
            engineer: engineer.get_untracked(),
        }));
    };
    view! {
        <div class="grid2">
            <div class="card">
                <h2>"Armed commissioning mode"</h2>
                <p class="muted">"Writes are refused unless the link is armed. Every value is checked against the model's range before anything is sent, read back after, and recorded in the project's audit log with your name."</p>
                <label class="field"><span>"Engineer"</span><input type="text" data-testid="arm-engineer" bind:value=engineer/></label>
                <label class="field"><span>"Minutes"</span><input type="text" bind:value=minutes/></label>
                <div class="toolbar">
                    <button class="btn danger" data-testid="arm" on:click=move |_| spawn_local(async move {
                        // How long an arming may last is the link's rule; here only the number is read.
                        let m = match crate::number::whole::<u32>(&minutes.get_untracked(), "The arming time in minutes", 0, i64::from(u32::MAX)) {
                            Ok(m) => m,
                            Err(e) => return link.report(e),
                        };
                        match ipc::link_arm(&engineer.get_untracked(), m).await {
                            Ok(()) => link.notify(format!("Armed for {m} minutes.")),
                            Err(e) => link.report(e),
                        }
                        link.refresh();
                    })>"Arm"</button>
                    <button class="btn" on:click=move |_| spawn_local(async move {
                        if let Err(e) = ipc::link_disarm().await { link.report(e) }
                        link.refresh();
                    })>"Disarm"</button>
                </div>
                <p data-testid="armed-state">{move || match link.status.get().and_then(|s| s.armed_by.zip(s.armed_seconds_left)) {
                    Some((who, left)) => format!("ARMED by {who}, {} min left", left / 60 + 1),
                    None => "not armed".into(),
                }}</p>
            </div>
            <div class="card">
                <h2>"Write a setpoint"</h2>
                <label class="field"><span>"Unit"</span>
                    <select bind:value=unit data-testid="write-unit">
                        <option value="">"—"</option>
                        {move || units.get().into_iter().map(|u| view! { <option value=u.to_string()>{format!("Unit {u}")}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field"><span>"Point"</span>
                    <select bind:value=point data-testid="write-point">
                        <option value="">"—"</option>
                        {move || writable.get().into_iter().map(|(m, _, path, cur, w)| {
                            let label = if w.symbols.is_empty() {
                                format!("{m} {path} = {cur} (range {} … {})", trim(w.min), trim(w.max))
                            } else {
                                format!("{m} {path} = {cur} ({})", w.symbols.join(" | "))
                            };
                            view! { <option value=path.clone()>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field"><span>"New value"</span><input type="text" data-testid="write-value" bind:value=value/></label>
                <button class="btn primary" data-testid="write-review" on:click=prepare>"Review write…"</button>
                {move || review.get().map(|req| {
                    let current = writable.with(|w| w.iter().find(|x| x.2 == req.point).map(|x| x.3.clone())).unwrap_or_else(|| "unknown".into());
                    let new = match &req.value { WriteValue::Number { value } => trim(*value), WriteValue::Symbol { name } => name.clone() };
                    let r2 = req.clone();
                    view! {
                        <div class="confirm" data-testid="write-confirm">
                            <p>{format!("Unit {}: {} {}", req.unit, req.model_id, req.point)}</p>
                            <p class="change"><span>{current}</span>" → "<strong>{new}</strong></p>
                            <div class="toolbar">
                                <button class="btn danger" data-testid="write-confirm-go" on:click=move |_| {
                                    let r = r2.clone();
                                    review.set(None);
                                    spawn_local(async move {
                                        match ipc::link_write(&r).await {
                                            Ok(o) => link.notify(o.message),
                                            Err(e) => link.report(e),
                                        }
                                    });
                                }>"Write and read back"</button>
                                <button class="btn" on:click=move |_| review.set(None)>"Cancel"</button>
                            </div>
                        </div>
                    }
                })}
            </div>
        </div>
        <div class="card">
            <h2>"Write outcomes (this session)"</h2>
            <table class="data" data-testid="write-outcomes">
                <thead><tr><th>"Outcome"</th><th>"Unit"</th><th>"Point"</th><th>"Old"</th><th>"Requested"</th><th>"Read back"</th><th>"By"</th></tr></thead>
                <tbody>
                    {move || link.writes.get().into_iter().map(|w| {
                        let (class, text) = match w.kind {
                            WriteOutcomeKind::Verified => ("pill ok", "verified"),
                            WriteOutcomeKind::Mismatch => ("pill bad", "MISMATCH"),
                            WriteOutcomeKind::NoAnswer => ("pill bad", "no answer — unverified"),
                            WriteOutcomeKind::Rejected => ("pill bad", "rejected"),
                        };
                        let v = |x: &Option<PointValue>| x.as_ref().map(PointValue::display).unwrap_or_else(|| "—".into());
                        view! { <tr title=w.message.clone()>
                            <td><span class=class>{text}</span></td><td>{w.unit}</td><td class="mono">{format!("{} {}", w.model_id, w.point)}</td>
                            <td>{v(&w.old)}</td><td>{w.requested.display()}</td><td>{v(&w.read_back)}</td><td>{w.engineer.clone()}</td>
                        </tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
