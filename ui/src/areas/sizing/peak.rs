//! The peak-shaving case form: load-profile import (errors with their line
//! numbers), threshold or sweep, efficiencies, SOC window, end-of-life SOH,
//! project life and the degradation model; results with the sweep, the
//! capacity year by year, charts and the calculation sheet.

use std::time::Duration;

use backstop_model::sizing::{AgingModel, Candidate, OptimizeOptions, PeakCase, SizingDiagnostic, ThresholdSweep};
use backstop_model::sizing_view::{CatalogView, OptimizeRequest, PeakComputed, ProfileImport, ProfileInfo, SizingCase};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::fields::{NotReady, NumField, catalog_select, fmt, opt, pct, req, show, whole};
use super::results::{Charts, Diagnostics, ImportErrors, ImportWarnings, Optimizer, Sheet};
use super::runner::Runner;
use super::{CaseHeader, drafts};
use crate::ipc;
use crate::state::use_project;

/// Pause after the last keystroke before computing, ms: a year of
/// 15-minute data (and a threshold sweep) takes longer than a UPS case, so
/// a burst of keystrokes is computed once.
const DEBOUNCE_MS: u64 = 25;

#[derive(Clone, Copy)]
struct Form {
    name: RwSignal<String>,
    threshold: RwSignal<String>,
    sweep_on: RwSignal<bool>,
    sweep_from: RwSignal<String>,
    sweep_to: RwSignal<String>,
    sweep_steps: RwSignal<String>,
    pcs_eff: RwSignal<String>,
    chg_eff: RwSignal<String>,
    dis_eff: RwSignal<String>,
    soc_min: RwSignal<String>,
    soc_max: RwSignal<String>,
    eol_soh: RwSignal<String>,
    max_charge: RwSignal<String>,
    years: RwSignal<String>,
    temp: RwSignal<String>,
    battery_key: RwSignal<String>,
    pcs_key: RwSignal<String>,
    cycles: RwSignal<String>,
    cycle_dod: RwSignal<String>,
    cycle_soh: RwSignal<String>,
    dod_exp: RwSignal<String>,
    cal_a: RwSignal<String>,
    cal_b: RwSignal<String>,
    cal_c: RwSignal<String>,
    cal_q0: RwSignal<String>,
    aging_source: RwSignal<String>,
}

fn s() -> RwSignal<String> {
    RwSignal::new(String::new())
}

impl Form {
    fn new() -> Self {
        Form {
            name: s(),
            threshold: s(),
            sweep_on: RwSignal::new(false),
            sweep_from: s(),
            sweep_to: s(),
            sweep_steps: s(),
            pcs_eff: s(),
            chg_eff: s(),
            dis_eff: s(),
            soc_min: s(),
            soc_max: s(),
            eol_soh: s(),
            max_charge: s(),
            years: s(),
            temp: s(),
            battery_key: s(),
            pcs_key: s(),
            cycles: s(),
            cycle_dod: s(),
            cycle_soh: s(),
            dod_exp: s(),
            cal_a: s(),
            cal_b: s(),
            cal_c: s(),
            cal_q0: s(),
            aging_source: s(),
        }
    }

    fn fill(&self, c: &PeakCase) {
        self.name.set(c.name.clone());
        self.threshold.set(c.threshold_kw.map(show).unwrap_or_default());
        self.sweep_on.set(c.sweep.is_some());
        if let Some(sw) = &c.sweep {
            self.sweep_from.set(show(sw.from_kw));
            self.sweep_to.set(show(sw.to_kw));
            self.sweep_steps.set(sw.steps.to_string());
        }
        self.pcs_eff.set(show(c.pcs_efficiency * 100.0));
        self.chg_eff.set(show(c.charge_efficiency * 100.0));
        self.dis_eff.set(show(c.discharge_efficiency * 100.0));
        self.soc_min.set(show(c.soc_min * 100.0));
        self.soc_max.set(show(c.soc_max * 100.0));
        self.eol_soh.set(show(c.eol_soh * 100.0));
        self.max_charge.set(c.max_charge_kw.map(show).unwrap_or_default());
        self.years.set(c.project_years.to_string());
        self.temp.set(show(c.battery_temp_c));
        self.battery_key.set(c.battery_key.clone().unwrap_or_default());
        self.pcs_key.set(c.pcs_key.clone().unwrap_or_default());
        let a = &c.aging;
        self.cycles.set(show(a.cycles_to_eol));
        self.cycle_dod.set(show(a.cycle_ref_dod * 100.0));
        self.cycle_soh.set(show(a.cycle_eol_soh * 100.0));
        self.dod_exp.set(show(a.dod_exponent));
        self.cal_a.set(show(a.calendar_a));
        self.cal_b.set(show(a.calendar_b));
        self.cal_c.set(show(a.calendar_c));
        self.cal_q0.set(show(a.calendar_q0));
        self.aging_source.set(a.source.clone());
    }

    fn build(&self, base: &PeakCase) -> Result<PeakCase, NotReady> {
        let mut c = base.clone();
        c.name = self.name.get_untracked().trim().to_string();
        c.threshold_kw = opt(&self.threshold, "the threshold")?;
        c.sweep = if self.sweep_on.get_untracked() {
            Some(ThresholdSweep {
                from_kw: req(&self.sweep_from, "the sweep start")?,
                to_kw: req(&self.sweep_to, "the sweep end")?,
                steps: whole(&self.sweep_steps, "the sweep steps")?,
            })
        } else {
            None
        };
        if c.threshold_kw.is_none() && c.sweep.is_none() {
            return Err(NotReady("give a threshold, a sweep, or both".into()));
        }
        c.pcs_efficiency = pct(&self.pcs_eff, "the PCS efficiency")?;
        c.charge_efficiency = pct(&self.chg_eff, "the charge efficiency")?;
        c.discharge_efficiency = pct(&self.dis_eff, "the discharge efficiency")?;
        c.soc_min = pct(&self.soc_min, "the lowest SOC")?;
        c.soc_max = pct(&self.soc_max, "the highest SOC")?;
        c.eol_soh = pct(&self.eol_soh, "the end-of-life SOH")?;
        c.max_charge_kw = opt(&self.max_charge, "the charging limit")?;
        c.project_years = whole(&self.years, "the project life")?;
        c.battery_temp_c = req(&self.temp, "the battery temperature")?;
        c.battery_key = Some(self.battery_key.get_untracked()).filter(|k| !k.is_empty());
        c.pcs_key = Some(self.pcs_key.get_untracked()).filter(|k| !k.is_empty());
        c.aging = AgingModel {
            model: c.aging.model,
            calendar_a: req(&self.cal_a, "calendar a")?,
            calendar_b: req(&self.cal_b, "calendar b")?,
            calendar_c: req(&self.cal_c, "calendar c")?,
            calendar_q0: req(&self.cal_q0, "calendar q0")?,
            cycles_to_eol: req(&self.cycles, "the cycle life")?,
            cycle_ref_dod: pct(&self.cycle_dod, "the cycle-life DoD")?,
            cycle_eol_soh: pct(&self.cycle_soh, "the cycle-life SOH")?,
            dod_exponent: req(&self.dod_exp, "the DoD exponent")?,
            source: self.aging_source.get_untracked(),
        };
        Ok(c)
    }
}

#[derive(Clone, Copy)]
struct Engine {
    draft_key: StoredValue<String>,
    form: Form,
    base: StoredValue<PeakCase>,
    stored: StoredValue<PeakCase>,
    stored_token: StoredValue<Option<String>>,
    profile: RwSignal<Option<ProfileInfo>>,
    runner: StoredValue<Runner>,
    computed: RwSignal<Option<PeakComputed>>,
    seq: RwSignal<u64>,
    not_ready: RwSignal<Option<String>>,
    dirty: RwSignal<bool>,
    project: crate::state::ProjectCtx,
}

impl Engine {
    fn edited(self) {
        if let Some(Some(h)) = self.runner.try_update_value(Runner::take_timer) {
            h.clear();
        }
        self.refresh_state();
        if let Ok(h) = set_timeout_with_handle(move || self.kick(), Duration::from_millis(DEBOUNCE_MS)) {
            self.runner.try_update_value(|r| r.set_timer(h));
        }
    }

    fn token(self) -> Option<String> {
        self.profile.try_get_untracked().flatten().map(|p| p.token)
    }

    fn refresh_state(self) -> Option<PeakCase> {
        let base = self.base.try_get_value()?;
        match self.form.build(&base) {
            Ok(c) => {
                let token = self.token();
                let new_profile = token.is_some() && token != self.stored_token.try_get_value().flatten();
                let dirty = new_profile || self.stored.try_with_value(|s| *s != c).unwrap_or(false);
                self.dirty.set(dirty);
                if let Some(k) = self.draft_key.try_get_value() {
                    if dirty {
                        drafts::put(
                            &k,
                            SizingCase::Peak(c.clone()),
                            self.profile.try_get_untracked().flatten().map(drafts::Input::Profile),
                        );
                    } else {
                        drafts::remove(&k);
                    }
                }
                if token.is_none() {
                    self.not_ready.set(Some("import the site's load profile".into()));
                    return None;
                }
                self.not_ready.set(None);
                Some(c)
            }
            Err(NotReady(why)) => {
                self.not_ready.set(Some(why));
                None
            }
        }
    }

    fn kick(self) {
        let Some(case) = self.refresh_state() else { return };
        let token = self.token();
        if !matches!(self.runner.try_update_value(Runner::start), Some(Some(_))) {
            return;
        }
        spawn_local(async move {
            match ipc::sizing_peak_compute(&case, token.as_deref()).await {
                Ok(c) => {
                    // The sequence first: the charts read it when they render.
                    self.seq.update(|s| *s += 1);
                    self.computed.set(Some(c));
                }
                Err(e) => self.project.report(e),
            }
            if self.runner.try_update_value(Runner::finish) == Some(true) {
                self.kick();
            }
        });
    }
}

/// The peak-shaving case editor.
#[component]
pub fn PeakEditor(
    key: String,
    draft_key: String,
    stored_case: PeakCase,
    stored_profile: Option<ProfileInfo>,
    catalog: RwSignal<Option<CatalogView>>,
    read_only: bool,
) -> impl IntoView {
    let project = use_project();
    let form = Form::new();
    let draft = drafts::get(&draft_key).and_then(|(c, t)| match c {
        SizingCase::Peak(c) => Some((c, t)),
        SizingCase::Ups(_) | SizingCase::Smooth(_) => None,
    });
    let shown = draft.as_ref().map_or_else(|| stored_case.clone(), |d| d.0.clone());
    form.fill(&shown);
    let stored_token = stored_profile.as_ref().map(|p| p.token.clone());
    let profile = match &draft {
        Some((_, Some(drafts::Input::Profile(p)))) => Some(p.clone()),
        _ => stored_profile,
    };
    let engine = Engine {
        draft_key: StoredValue::new(draft_key.clone()),
        form,
        base: StoredValue::new(shown),
        stored: StoredValue::new(stored_case),
        stored_token: StoredValue::new(stored_token),
        profile: RwSignal::new(profile),
        runner: StoredValue::new(Runner::default()),
        computed: RwSignal::new(None),
        seq: RwSignal::new(0),
        not_ready: RwSignal::new(None),
        dirty: RwSignal::new(draft.is_some()),
        project,
    };
    let import_result = RwSignal::new(None::<ProfileImport>);
    engine.kick();

    // After undo/redo: show the stored case again, unless the engineer has
    // unsaved edits here.
    super::reload_on_change(project, key.clone(), move |stored| {
        let SizingCase::Peak(c) = stored.case else { return };
        let token = stored.profile.as_ref().map(|p| p.token.clone());
        let same_case = engine.stored.try_with_value(|s| *s == c) == Some(true);
        if same_case && engine.stored_token.try_get_value() == Some(token.clone()) {
            return;
        }
        engine.stored.try_set_value(c.clone());
        engine.stored_token.try_set_value(token);
        if engine.dirty.try_get_untracked() == Some(false) {
            engine.base.try_set_value(c.clone());
            engine.form.fill(&c);
            engine.profile.set(stored.profile);
        }
        engine.edited();
    });

    let on_edit = Callback::new(move |_: ()| engine.edited());
    let diags = Signal::derive(move || engine.computed.with(|c| c.as_ref().map(|c| c.result.diagnostics.clone()).unwrap_or_default()));
    let ro = Signal::derive(move || read_only);

    let import = move || {
        spawn_local(async move {
            match ipc::sizing_profile_import().await {
                Ok(r) => {
                    if let Some(info) = &r.profile {
                        engine.profile.set(Some(info.clone()));
                        if form.threshold.get_untracked().trim().is_empty() && !form.sweep_on.get_untracked() {
                            let t = (info.summary.peak_kw * 0.9).round();
                            form.threshold.set(show(t));
                            project.notify(format!(
                                "Profile imported; the threshold is preset to 90 % of its peak ({} kW) — adjust it.",
                                fmt(t)
                            ));
                        } else {
                            project.notify(format!("Profile imported: {} rows.", info.summary.rows));
                        }
                        engine.edited();
                    }
                    import_result.set(Some(r));
                }
                Err(e) => project.report(e),
            }
        });
    };

    let save = {
        let key = key.clone();
        let draft_key = draft_key.clone();
        move |_| {
            let Some(base) = engine.base.try_get_value() else { return };
            let case = form.build(&base);
            let stored = case.clone().ok();
            let token = engine.token();
            let saved_token = token.clone();
            super::save_case(project, key.clone(), draft_key.clone(), case.map(SizingCase::Peak), token, move || {
                if let Some(c) = stored {
                    engine.stored.try_set_value(c);
                }
                engine.stored_token.try_set_value(saved_token);
                engine.dirty.set(false);
            });
        }
    };
    let export = move |_| {
        let Some(base) = engine.base.try_get_value() else { return };
        super::export_sheet(project, form.build(&base).map(SizingCase::Peak), engine.token());
    };
    let optimize_request = Callback::new(move |options: OptimizeOptions| {
        let base = engine.base.try_get_value().ok_or_else(|| "the form is closed".to_string())?;
        let case = form.build(&base).map_err(|e| e.0)?;
        Ok(OptimizeRequest { case: SizingCase::Peak(case), profile_token: engine.token(), options })
    });
    let use_candidate = Callback::new(move |c: Candidate| {
        form.battery_key.set(c.config.battery_key.clone());
        project.notify(format!("Battery set to {} (the optimizer's choice: {} units).", c.config.battery_key, c.config.units));
        engine.edited();
    });

    let select = move |label: &'static str, id: &'static str, sig: RwSignal<String>, battery: bool| {
        catalog_select(label, id, sig, battery, "none (size in kW / kWh only)", catalog, ro, on_edit)
    };

    view! {
        <div class="peak-editor" data-testid="peak-editor">
            <CaseHeader case_key=key.clone() name=form.name kind_label="Peak shaving" dirty=engine.dirty read_only=read_only
                not_ready=engine.not_ready on_save=Callback::new(save) on_export=Callback::new(export)
                backend_ms=Signal::derive(move || engine.computed.with(|c| c.as_ref().map(|c| c.compute_ms)))/>
            <div class="sizing-cols">
                <div class="sizing-inputs">
                    <div class="card">
                        <h2>"Load profile"</h2>
                        <div class="toolbar">
                            <button class="btn primary" data-testid="profile-import" disabled=move || ro.get() on:click=move |_| import()>"Import CSV…"</button>
                        </div>
                        <p class="muted small">"Timestamp and load columns; the load header names its unit (kW, MW, kWh per interval…); 1–60-minute intervals. Errors are listed with their line numbers."</p>
                        {move || engine.profile.get().map(|p| {
                            let s = p.summary;
                            view! {
                                <table class="kv" data-testid="profile-summary">
                                    <tr><th>"File"</th><td class="mono">{p.file_name.clone()}</td></tr>
                                    <tr><th>"Rows"</th><td>{format!("{} at {} min ({} to {})", s.rows, fmt(s.interval_min), s.start, s.end)}</td></tr>
                                    <tr><th>"Unit in the file"</th><td>{s.unit.clone()}</td></tr>
                                    <tr><th>"Peak / mean"</th><td data-testid="profile-peak">{format!("{} kW / {} kW", fmt(s.peak_kw), fmt(s.mean_kw))}</td></tr>
                                    <tr><th>"Energy"</th><td>{format!("{} kWh", fmt(s.energy_kwh))}</td></tr>
                                </table>
                                <ImportWarnings warnings=p.warnings.clone()/>
                            }
                        })}
                        {move || import_result.get().filter(|r| !r.errors.is_empty()).map(|r| view! {
                            <ImportErrors file_name=r.file_name errors=r.errors testid="profile-errors"/>
                        })}
                    </div>
                    <div class="card">
                        <h2>"Threshold"</h2>
                        <div class="grid-fields">
                            <NumField label="Demand threshold" unit="kW" testid="in-threshold" text=form.threshold path="threshold_kw" diags=diags on_edit=on_edit optional=true disabled=ro/>
                        </div>
                        <label class="check"><input type="checkbox" data-testid="sweep-on" disabled=move || ro.get() prop:checked=move || form.sweep_on.get()
                            on:change=move |ev| { form.sweep_on.set(event_target_checked(&ev)); on_edit.run(()); }/>"Sweep thresholds (kW / kWh versus threshold)"</label>
                        <Show when=move || form.sweep_on.get()>
                            <div class="grid-fields">
                                <NumField label="From" unit="kW" testid="in-sweep-from" text=form.sweep_from path="sweep.from_kw" diags=diags on_edit=on_edit disabled=ro/>
                                <NumField label="To" unit="kW" testid="in-sweep-to" text=form.sweep_to path="sweep.to_kw" diags=diags on_edit=on_edit disabled=ro/>
                                <NumField label="Steps" unit="" testid="in-sweep-steps" text=form.sweep_steps path="sweep.steps" diags=diags on_edit=on_edit disabled=ro/>
                            </div>
                        </Show>
                    </div>
                    <div class="card">
                        <h2>"Battery and conversion"</h2>
                        {select("Battery (catalog; counts units, checks the C-rate)", "in-peak-battery", form.battery_key, true)}
                        {select("PCS (catalog; counts units)", "in-peak-pcs", form.pcs_key, false)}
                        <div class="grid-fields">
                            <NumField label="PCS efficiency (one way)" unit="%" testid="in-pcs-eff" text=form.pcs_eff path="pcs_efficiency" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Battery charge efficiency" unit="%" testid="in-chg-eff" text=form.chg_eff path="charge_efficiency" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Battery discharge efficiency" unit="%" testid="in-dis-eff" text=form.dis_eff path="discharge_efficiency" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Lowest SOC used" unit="%" testid="in-soc-min" text=form.soc_min path="soc_min" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Highest SOC used" unit="%" testid="in-soc-max" text=form.soc_max path="soc_max" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="State of health at end of life" unit="%" testid="in-eol-soh" text=form.eol_soh path="eol_soh" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Grid charging limit" unit="kW" testid="in-max-charge" text=form.max_charge path="max_charge_kw" diags=diags on_edit=on_edit optional=true disabled=ro hint="empty: the shaving power"/>
                            <NumField label="Project life" unit="years" testid="in-years" text=form.years path="project_years" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Battery temperature" unit="°C" testid="in-temp" text=form.temp path="battery_temp_c" diags=diags on_edit=on_edit disabled=ro/>
                        </div>
                    </div>
                    <details class="card">
                        <summary><h2 class="inline">"Degradation model"</h2></summary>
                        <p class="muted small">"Calendar: q = q0 − k·√days, k = a·exp(b·(1/T − 1/296))·exp(c·(SOC/T − 1/296)). Cycles: rainflow-counted, cycles to end of life ∝ DoD^−exponent."</p>
                        <div class="grid-fields">
                            <NumField label="Cycles to end of life" unit="cycles" testid="in-cycles" text=form.cycles path="aging.cycles_to_eol" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="…at depth of discharge" unit="%" testid="in-cycle-dod" text=form.cycle_dod path="aging.cycle_ref_dod" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="…to state of health" unit="%" testid="in-cycle-soh" text=form.cycle_soh path="aging.cycle_eol_soh" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="DoD exponent" unit="" testid="in-dod-exp" text=form.dod_exp path="aging.dod_exponent" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Calendar a" unit="" testid="in-cal-a" text=form.cal_a path="aging.calendar_a" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Calendar b" unit="K" testid="in-cal-b" text=form.cal_b path="aging.calendar_b" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Calendar c" unit="K" testid="in-cal-c" text=form.cal_c path="aging.calendar_c" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Calendar q0" unit="" testid="in-cal-q0" text=form.cal_q0 path="aging.calendar_q0" diags=diags on_edit=on_edit disabled=ro/>
                        </div>
                        <label class="field"><span>"Source of these parameters"</span>
                            <textarea rows="2" disabled=move || ro.get() prop:value=move || form.aging_source.get()
                                on:input=move |ev| { form.aging_source.set(event_target_value(&ev)); on_edit.run(()); }></textarea>
                        </label>
                    </details>
                </div>
                <div class="sizing-results" data-testid="peak-results">
                    {move || engine.computed.get().map(|c| view! { <PeakSummary computed=c/> })}
                </div>
            </div>
            {move || engine.computed.get().map(|c| {
                let seq = engine.seq.get_untracked();
                view! {
                    <div class="card"><h2>"Charts"</h2><Charts charts=c.charts.clone() seq=seq/></div>
                    <PeakTables computed=c/>
                }
            })}
            <Optimizer request=optimize_request on_use=use_candidate/>
            {move || engine.computed.get().map(|c| view! {
                <details class="card" open=true>
                    <summary><h2 class="inline">"Calculation sheet"</h2><span class="muted">" — every input, factor, formula, intermediate value and source"</span></summary>
                    <Sheet sheet=c.result.sheet.clone()/>
                </details>
            })}
        </div>
    }
}

#[component]
fn PeakSummary(computed: PeakComputed) -> impl IntoView {
    let r = computed.result;
    let diags: Vec<SizingDiagnostic> = r.diagnostics.clone();
    view! {
        <div class="card" data-testid="peak-summary">
            <h2>"Result"</h2>
            {match &r.sizing {
                Some(s) => view! {
                    <p class="verdict" class:bad=!r.feasible() data-testid="peak-verdict">{format!(
                        "{} kW threshold: {} kW PCS, {} kWh usable, {} kWh nameplate ({} kWh installed, {} C)",
                        fmt(s.point.threshold_kw), fmt(s.point.power_kw), fmt(s.point.usable_kwh), fmt(s.point.nameplate_kwh), fmt(s.installed_kwh), fmt(s.c_rate)
                    )}</p>
                    <table class="kv">
                        <tr><th>"Shaving events"</th><td>{format!("{} ({} began before the battery had refilled)", s.point.events, s.point.events_not_full)}</td></tr>
                        <tr><th>"Battery units"</th><td>{s.battery_units.map_or("–".into(), |n| n.to_string())}</td></tr>
                        <tr><th>"PCS units"</th><td>{s.pcs_units.map_or("–".into(), |n| n.to_string())}</td></tr>
                        <tr><th>"Footprint"</th><td>{format!("{} m²", fmt(s.footprint_m2))}</td></tr>
                        <tr><th>"Cost"</th><td>{fmt(s.cost)}</td></tr>
                        <tr><th>"State of health at end of life"</th><td>{s.years.last().map_or("–".into(), |y| format!("{} % after {} years", fmt(y.soh_end * 100.0), y.year))}</td></tr>
                    </table>
                }.into_any(),
                None => view! { <p class="verdict" data-testid="peak-verdict">{if r.sweep.is_empty() { "No sizing for the threshold — see the diagnostics." } else { "Threshold sweep only (give a threshold to size units)." }}</p> }.into_any(),
            }}
            <h3>"Diagnostics"</h3>
            <Diagnostics diags=diags/>
        </div>
    }
}

#[component]
fn PeakTables(computed: PeakComputed) -> impl IntoView {
    let r = computed.result;
    let sweep = r.sweep.clone();
    let years = r.sizing.as_ref().map(|s| s.years.clone()).unwrap_or_default();
    view! {
        {(!sweep.is_empty()).then(|| view! {
            <div class="card">
                <h2>"kW and kWh versus threshold"</h2>
                <table class="data" data-testid="peak-sweep">
                    <thead><tr><th class="num">"Threshold kW"</th><th class="num">"PCS kW"</th><th class="num">"Usable kWh"</th><th class="num">"Nameplate kWh"</th><th class="num">"Events"</th><th>"Sustainable"</th></tr></thead>
                    <tbody>
                        {sweep.into_iter().map(|p| view! {
                            <tr>
                                <td class="num">{fmt(p.threshold_kw)}</td><td class="num">{fmt(p.power_kw)}</td><td class="num">{fmt(p.usable_kwh)}</td>
                                <td class="num">{fmt(p.nameplate_kwh)}</td><td class="num">{p.events}</td>
                                <td>{if p.feasible { view! { <span class="pill ok">"yes"</span> }.into_any() } else { view! { <span class="pill bad">"no: recharge falls short"</span> }.into_any() }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })}
        {(!years.is_empty()).then(|| view! {
            <div class="card">
                <h2>"Capacity year by year"</h2>
                <table class="data" data-testid="peak-years">
                    <thead><tr><th class="num">"Year"</th><th class="num">"SOH start %"</th><th class="num">"SOH end %"</th><th class="num">"Full cycles"</th><th class="num">"Calendar loss %"</th><th class="num">"Cycle loss %"</th><th class="num">"Unserved kWh"</th></tr></thead>
                    <tbody>
                        {years.into_iter().map(|y| view! {
                            <tr>
                                <td class="num">{y.year}</td><td class="num">{fmt(y.soh_start * 100.0)}</td><td class="num">{fmt(y.soh_end * 100.0)}</td>
                                <td class="num">{fmt(y.full_cycles)}</td><td class="num">{fmt(y.calendar_loss * 100.0)}</td><td class="num">{fmt(y.cycle_loss * 100.0)}</td>
                                <td class={if y.unserved_kwh > 0.0 { "num bad" } else { "num" }}>{fmt(y.unserved_kwh)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })}
    }
}
