//! The acceptance checklist: each step run against the live values, the
//! communication-loss test in three moments, notes and the sign-off.

use backstop_model::commissioning::{CommLossPhase, CommissionView, Outcome, StepResult};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ipc;
use crate::link_state::use_link;
use crate::state::use_project;

#[component]
pub(super) fn ChecklistPanel() -> impl IntoView {
    let link = use_link();
    let project = use_project();
    let view_sig = RwSignal::new(None::<CommissionView>);
    let load = move || {
        spawn_local(async move {
            match ipc::commission_view().await {
                Ok(v) => view_sig.set(Some(v)),
                Err(e) => link.report(e),
            }
        })
    };
    load();
    let engineer = RwSignal::new(String::new());
    let so_name = RwSignal::new(String::new());
    let so_role = RwSignal::new("Commissioning engineer".to_string());
    let so_date = RwSignal::new(String::new());
    let run = move |id: String| {
        spawn_local(async move {
            if let Err(e) = ipc::commission_run(&id).await {
                link.report(e);
            }
            load();
            project.refresh();
        })
    };
    let comm = move |phase: CommLossPhase| {
        spawn_local(async move {
            match ipc::commission_comm_loss(phase).await {
                Ok(_) => {}
                Err(e) => link.report(e),
            }
            load();
        })
    };
    view! {
        {move || match view_sig.get() {
            None => view! { <p class="muted">"Loading the checklist…"</p> }.into_any(),
            Some(v) => {
                let session = v.session.clone();
                let signed = session.as_ref().and_then(|s| s.signoff.clone());
                let open = session.is_some() && signed.is_none();
                let sum = v.summary;
                view! {
                    <div class="grid2">
                        <div class="card">
                            <h2>{v.template.name.clone()}</h2>
                            {match &session {
                                None => view! { <p class="muted">"No session yet."</p> }.into_any(),
                                Some(s) => view! { <p data-testid="session-summary">{format!(
                                    "Revision {} by {} — {} passed, {} failed, {} n/a, {} incomplete, {} not run",
                                    s.revision, s.engineer, sum.passed, sum.failed, sum.not_applicable, sum.incomplete, sum.not_run
                                )}</p> }.into_any(),
                            }}
                            {(!open).then(|| view! {
                                <div class="inline-form">
                                    <input type="text" placeholder="Engineer" data-testid="session-engineer" bind:value=engineer/>
                                    <button class="btn primary" data-testid="session-start" on:click=move |_| spawn_local(async move {
                                        if let Err(e) = ipc::commission_start(&engineer.get_untracked()).await { link.report(e) }
                                        load();
                                        project.refresh();
                                    })>{if signed.is_some() { "Start a new revision" } else { "Start session" }}</button>
                                </div>
                            })}
                            {signed.clone().map(|s| view! { <p class="pill ok" data-testid="signed-off">{format!("Signed off by {} ({}) on {}", s.name, s.role, s.date)}</p> })}
                        </div>
                        <div class="card">
                            <h2>"As built vs design"</h2>
                            <table class="data" data-testid="as-built">
                                <thead><tr><th>"Cabinet"</th><th>"Unit"</th><th>"Serial"</th><th>"Firmware"</th><th>"Status"</th><th>"Place a controller"</th></tr></thead>
                                <tbody>{v.as_built.iter().map(|r| {
                                    let ok = r.ok();
                                    let status: Vec<String> = r.status.iter().map(|s| format!("{s:?}")).collect();
                                    let cabinet = r.cabinet.clone();
                                    let serial = r.serial.clone().unwrap_or_default();
                                    let serials: Vec<String> = v.as_built.iter().filter_map(|x| x.serial.clone()).collect();
                                    let assign = move |cab: String, ser: String| spawn_local(async move {
                                        if let Err(e) = ipc::commission_assign(&cab, &ser).await { link.report(e) }
                                        load();
                                        project.refresh();
                                    });
                                    let (cab_drop, cab_sel) = (cabinet.clone(), cabinet.clone());
                                    view! { <tr
                                        draggable=if serial.is_empty() { "false" } else { "true" }
                                        on:dragstart={ let s = serial.clone(); move |ev: leptos::ev::DragEvent| {
                                            if let Some(dt) = ev.data_transfer() { let _ = dt.set_data("text/plain", &s); }
                                        } }
                                        on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                                        on:drop=move |ev: leptos::ev::DragEvent| {
                                            ev.prevent_default();
                                            let dropped = ev.data_transfer().and_then(|dt| dt.get_data("text/plain").ok()).unwrap_or_default();
                                            if !cab_drop.is_empty() && !dropped.is_empty() { assign(cab_drop.clone(), dropped) }
                                        }>
                                        <td>{if r.cabinet.is_empty() { "—".to_string() } else { r.cabinet.clone() }}</td>
                                        <td>{r.unit.map(|u| u.to_string()).unwrap_or_default()}</td>
                                        <td class="mono">{r.serial.clone().unwrap_or_default()}</td>
                                        <td>{r.firmware.clone().unwrap_or_default()}</td>
                                        <td><span class=if ok { "pill ok" } else { "pill bad" }>{status.join("; ")}</span></td>
                                        <td>{(!cabinet.is_empty()).then(|| view! {
                                            <select data-testid=format!("assign-{cabinet}") on:change=move |ev| assign(cab_sel.clone(), event_target_value(&ev))>
                                                <option value="">"by address plan"</option>
                                                {serials.iter().map(|s| view! { <option value=s.clone() selected=*s == serial>{s.clone()}</option> }).collect_view()}
                                            </select>
                                        })}</td>
                                    </tr> }
                                }).collect_view()}</tbody>
                            </table>
                        </div>
                    </div>
                    {v.template.steps.iter().map(|step| {
                        let latest: Option<StepResult> = session.as_ref().and_then(|s| s.history.iter().rev().find(|r| r.step_id == step.id).cloned());
                        let id = step.id.clone();
                        let is_comm = matches!(step.check, backstop_model::commissioning::Check::CommunicationLoss { .. });
                        let note = RwSignal::new(latest.as_ref().map(|r| r.notes.clone()).unwrap_or_default());
                        let id_note = id.clone();
                        view! {
                            <div class="card step" data-testid=format!("step-{}", step.id)>
                                <div class="project-head">
                                    <h2>{step.title.clone()}</h2>
                                    {latest.as_ref().map(|r| outcome_pill(r.outcome))}
                                </div>
                                <p class="muted">{latest.as_ref().map(|r| r.criterion.clone()).unwrap_or_else(|| step.reference.clone())}</p>
                                {step.operator_action.clone().map(|a| view! { <p class="operator">{a}</p> })}
                                {open.then(|| if is_comm {
                                    view! { <div class="toolbar">
                                        <button class="btn" data-testid="comm-before" on:click=move |_| comm(CommLossPhase::Before)>{move || if view_sig.get().map(|v| v.comm_loss.before).unwrap_or(false) { "1. Before ✓" } else { "1. Before (link connected)" }}</button>
                                        <button class="btn" data-testid="comm-during" on:click=move |_| comm(CommLossPhase::During)>{move || if view_sig.get().map(|v| v.comm_loss.during).unwrap_or(false) { "2. Pulled ✓" } else { "2. Pulled (data stale)" }}</button>
                                        <button class="btn primary" data-testid="comm-after" on:click=move |_| comm(CommLossPhase::After)>"3. Reconnected — evaluate"</button>
                                    </div> }.into_any()
                                } else {
                                    let id = id.clone();
                                    view! { <div class="toolbar"><button class="btn primary" data-testid=format!("run-{id}") on:click=move |_| run(id.clone())>{if latest.is_some() { "Run again" } else { "Run" }}</button></div> }.into_any()
                                })}
                                {latest.as_ref().map(|r| view! {
                                    <p data-testid=format!("summary-{}", r.step_id)>{r.summary.clone()}</p>
                                    <table class="data evidence">
                                        <tbody>{r.evidence.iter().map(|e| view! {
                                            <tr class:bad=e.bad><td>{e.label.clone()}</td><td>{e.value.clone()}</td></tr>
                                        }).collect_view()}</tbody>
                                    </table>
                                    <p class="muted small">{format!("Recorded by {}", r.who)}</p>
                                })}
                                {(open && latest.is_some()).then(|| view! {
                                    <div class="inline-form">
                                        <input class="grow" type="text" placeholder="Note on this step" bind:value=note/>
                                        <button class="btn" on:click=move |_| {
                                            let (id, n) = (id_note.clone(), note.get_untracked());
                                            spawn_local(async move {
                                                if let Err(e) = ipc::commission_note(&id, &n).await { link.report(e) }
                                                load();
                                            });
                                        }>"Save note"</button>
                                    </div>
                                })}
                            </div>
                        }
                    }).collect_view()}
                    {open.then(|| view! {
                        <div class="card">
                            <h2>"Sign-off"</h2>
                            <p class="muted">"Signing off locks this session; later changes start a new revision."</p>
                            <div class="inline-form">
                                <input type="text" placeholder="Name" data-testid="signoff-name" bind:value=so_name/>
                                <input type="text" placeholder="Role" bind:value=so_role/>
                                <input class="date" type="text" placeholder="YYYY-MM-DD" data-testid="signoff-date" bind:value=so_date/>
                                <button class="btn primary" data-testid="signoff" on:click=move |_| spawn_local(async move {
                                    if let Err(e) = ipc::commission_sign_off(&so_name.get_untracked(), &so_role.get_untracked(), &so_date.get_untracked()).await { link.report(e) }
                                    load();
                                    project.refresh();
                                })>"Sign off"</button>
                            </div>
                        </div>
                    })}
                }.into_any()
            }
        }}
    }
}

pub(super) fn outcome_pill(o: Outcome) -> impl IntoView {
    let class = match o {
        Outcome::Pass => "pill ok",
        Outcome::Fail => "pill bad",
        Outcome::NotApplicable | Outcome::Incomplete => "pill warn",
    };
    view! { <span class=class data-testid="outcome">{o.as_str().to_uppercase()}</span> }
}
