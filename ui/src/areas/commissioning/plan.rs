//! The commissioning plan: the address plan, per-point write limits, the
//! project's tolerances and the checklist template.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ipc;
use crate::link_state::{trim, use_link};
use crate::state::use_project;

/// What commissioning expects: the address plan, firmware, design
/// setpoints, tolerances and the project's copy of the checklist.
#[component]
pub(super) fn PlanPanel() -> impl IntoView {
    let link = use_link();
    let project = use_project();
    let loaded = RwSignal::new(None::<backstop_model::commissioning::PlanView>);
    let units = RwSignal::new(String::new());
    let firmware = RwSignal::new(String::new());
    let model = RwSignal::new(String::new());
    let setpoints = RwSignal::new(String::new());
    let tol = [
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    ];
    let template = RwSignal::new(String::new());
    let load = move || {
        spawn_local(async move {
            match ipc::commission_plan().await {
                Ok(v) => {
                    units.set(
                        v.planned
                            .iter()
                            .map(|p| {
                                format!("{} {}{}", p.unit, p.cabinet, p.firmware.as_ref().map(|f| format!(" {f}")).unwrap_or_default())
                            })
                            .collect::<Vec<_>>()
                            .join("\n"),
                    );
                    firmware.set(v.plan.firmware.clone());
                    model.set(v.plan.model.clone());
                    setpoints.set(
                        v.plan
                            .design_setpoints
                            .iter()
                            .map(|d| format!("{} {} {} {} {}", d.point.model, d.point.path, trim(d.value), trim(d.tolerance), d.unit_label))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    );
                    let t = v.tolerances;
                    for (s, x) in tol.iter().zip([t.cell_spread_mv, t.temperature_k, t.soc_points, t.voltage_pct, t.current_pct]) {
                        s.set(trim(x));
                    }
                    template.set(v.plan.template.as_ref().and_then(|t| serde_json::to_string_pretty(t).ok()).unwrap_or_default());
                    loaded.set(Some(v));
                }
                Err(e) => link.report(e),
            }
        })
    };
    load();
    let save = move |_| {
        let Some(base) = loaded.get_untracked() else { return };
        let parsed = (|| -> Result<(backstop_model::commissioning::CommissioningPlan, backstop_model::project::Tolerances), String> {
            let mut plan = base.plan.clone();
            plan.firmware = firmware.get_untracked().trim().to_string();
            plan.model = model.get_untracked().trim().to_string();
            plan.units = units
                .get_untracked()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let w: Vec<&str> = l.split_whitespace().collect();
                    let unit = w
                        .first()
                        .and_then(|u| crate::number::whole::<u8>(u, "the unit id", 0, 255).ok())
                        .ok_or(format!("\"{l}\": start with the unit id"))?;
                    let cabinet = w.get(1).ok_or(format!("\"{l}\": give the cabinet tag after the unit id"))?.to_string();
                    Ok(backstop_model::commissioning::PlannedUnit {
                        unit,
                        cabinet,
                        model: None,
                        firmware: w.get(2).map(|f| f.to_string()),
                        energy_wh: None,
                    })
                })
                .collect::<Result<_, String>>()?;
            plan.design_setpoints = setpoints
                .get_untracked()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let w: Vec<&str> = l.split_whitespace().collect();
                    let bad = || format!("\"{l}\": write model, point, value, tolerance, unit (e.g. 802 SoCRsvMin 10 0.5 %)");
                    if w.len() < 4 {
                        return Err(bad());
                    }
                    Ok(backstop_model::commissioning::DesignSetpoint {
                        unit: None,
                        point: backstop_model::commissioning::PointRef::new(
                            crate::number::whole::<u16>(w[0], "the model id", 0, 65_535).map_err(|_| bad())?,
                            w[1],
                        ),
                        value: crate::number::number(w[2], "the value").map_err(|_| bad())?,
                        tolerance: crate::number::number(w[3], "the tolerance").map_err(|_| bad())?,
                        unit_label: w.get(4).map(|u| u.to_string()).unwrap_or_default(),
                    })
                })
                .collect::<Result<_, String>>()?;
            let t = template.get_untracked();
            plan.template = if t.trim().is_empty() {
                None
            } else {
                Some(serde_json::from_str(&t).map_err(|e| format!("the checklist is not valid JSON: {e}"))?)
            };
            let num = |s: RwSignal<String>, what: &str| {
                crate::number::number(&s.get_untracked(), &format!("the {what}")).map_err(|e| e.message.trim_end_matches('.').to_string())
            };
            let tolerances = backstop_model::project::Tolerances {
                cell_spread_mv: num(tol[0], "cell-spread tolerance")?,
                temperature_k: num(tol[1], "temperature tolerance")?,
                soc_points: num(tol[2], "SOC tolerance")?,
                voltage_pct: num(tol[3], "voltage tolerance")?,
                current_pct: num(tol[4], "current tolerance")?,
            };
            Ok((plan, tolerances))
        })();
        match parsed {
            Err(msg) => link.report(backstop_model::AppError::invalid(format!("The plan was not saved: {msg}."))),
            Ok((plan, tolerances)) => spawn_local(async move {
                match ipc::commission_save_plan(&plan, &tolerances).await {
                    Ok(()) => link.notify("Commissioning plan saved.".into()),
                    Err(e) => link.report(e),
                }
                load();
                project.refresh();
            }),
        }
    };
    let labels = ["Cell spread (mV)", "Temperature spread (K)", "SOC difference (points)", "Voltage (%)", "Current (%)"];
    view! {
        <div class="grid2">
            <div class="card">
                <h2>"Address plan"</h2>
                <p class="muted">"One line per pack controller: unit id, cabinet tag, expected firmware (optional). Leave empty to plan one unit per battery cabinet in tag order."</p>
                <textarea rows="6" class="mono wide" data-testid="plan-units" bind:value=units></textarea>
                <p class="muted small">{move || loaded.get().map(|v| format!("Battery cabinets on the layout: {}", v.cabinets.join(", "))).unwrap_or_default()}</p>
                <label class="field"><span>"Firmware for all"</span><input type="text" data-testid="plan-firmware" bind:value=firmware placeholder="e.g. 2.3.1"/></label>
                <label class="field"><span>"Controller model"</span><input type="text" bind:value=model placeholder="model 1 Md, optional"/></label>
            </div>
            <div class="card">
                <h2>"Acceptance tolerances"</h2>
                {labels.into_iter().zip(tol).map(|(l, s)| view! { <label class="field"><span>{l}</span><input type="text" bind:value=s/></label> }).collect_view()}
                <h2>"Design setpoints (as-left check)"</h2>
                <p class="muted">"One per line: SunSpec model, point, value, tolerance, unit — e.g. 802 SoCRsvMin 10 0.5 %"</p>
                <textarea rows="4" class="mono wide" data-testid="plan-setpoints" bind:value=setpoints></textarea>
            </div>
        </div>
        <div class="card">
            <h2>"Checklist"</h2>
            <p class="muted">"Empty: the built-in BESS acceptance checklist. To adapt it for this site or vendor, copy it here and edit the steps (JSON); saving checks every step and names the one that is wrong."</p>
            <div class="toolbar">
                <button class="btn" on:click=move |_| {
                    if let Some(v) = loaded.get_untracked() {
                        template.set(serde_json::to_string_pretty(&v.builtin_template).unwrap_or_default());
                    }
                }>"Copy the built-in checklist"</button>
            </div>
            <textarea rows="14" class="mono wide" data-testid="plan-template" bind:value=template></textarea>
        </div>
        <div class="toolbar">
            <button class="btn primary" data-testid="plan-save" on:click=save>"Save plan"</button>
        </div>
    }
}
