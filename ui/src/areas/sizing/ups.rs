//! The UPS ride-through case form and its results.
//!
//! The form holds text as typed. After each edit the case is rebuilt; when
//! every number is complete it is sent to the backend at once (no
//! debounce: the engine answers in milliseconds), with at most one
//! computation in flight (edits made meanwhile are computed right after it
//! returns, latest values only). The time from the input
//! event to the first animation frame in which the charts of the new result
//! are in the DOM is recorded in `window.__backstopSizingTimings` (read by
//! the e2e test `sizing`, which reports it for BENCHMARKS.md).

use backstop_model::sizing::{
    Candidate, DcBus, DutyCycle, DutyPeriod, LoadSpec, OptimizeOptions, Redundancy, SizingDiagnostic, UpsCase, UpsMethod,
};
use backstop_model::sizing_view::{CatalogView, OptimizeRequest, SizingCase, SizingOverview, UpsComputed};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::fields::{NotReady, NumField, TypedNumber, fmt, num_of, opt, parse_typed, pct, req, show, whole};
use super::results::{Charts, Diagnostics, Optimizer, Sheet, UpsComparison};
use super::runner::Runner;
use super::{CaseHeader, drafts};
use crate::bench::{Timing, now_ms, when_chart_shown};
use crate::ipc;
use crate::state::use_project;

/// One duty-cycle period as typed.
#[derive(Debug, Clone, PartialEq)]
struct PeriodText {
    id: u64,
    label: String,
    /// "kw" or "amps".
    basis: String,
    value: String,
    minutes: String,
}

/// The form: every input as text (numbers) or choice.
#[derive(Clone, Copy)]
struct Form {
    name: RwSignal<String>,
    load_mode: RwSignal<String>,
    kw_per_rack: RwSignal<String>,
    racks: RwSignal<String>,
    total_kw: RwSignal<String>,
    kva: RwSignal<String>,
    pf: RwSignal<String>,
    growth_pct: RwSignal<String>,
    eff_pct: RwSignal<String>,
    runtime: RwSignal<String>,
    v_max: RwSignal<String>,
    v_min: RwSignal<String>,
    cells: RwSignal<String>,
    float_v: RwSignal<String>,
    ambient: RwSignal<String>,
    design_margin: RwSignal<String>,
    aging: RwSignal<String>,
    tc: RwSignal<String>,
    redundancy: RwSignal<String>,
    battery_key: RwSignal<String>,
    ups_key: RwSignal<String>,
    m_table: RwSignal<bool>,
    m_duty: RwSignal<bool>,
    m_ecm: RwSignal<bool>,
    duty_on: RwSignal<bool>,
    periods: RwSignal<Vec<PeriodText>>,
    random_on: RwSignal<bool>,
    random: RwSignal<PeriodText>,
    next_id: StoredValue<u64>,
    ecm_step: RwSignal<String>,
    ecm_eol_r: RwSignal<String>,
    ecm_soc_pct: RwSignal<String>,
}

fn s() -> RwSignal<String> {
    RwSignal::new(String::new())
}

impl Form {
    fn new() -> Self {
        Form {
            name: s(),
            load_mode: RwSignal::new("per-rack".into()),
            kw_per_rack: s(),
            racks: s(),
            total_kw: s(),
            kva: s(),
            pf: s(),
            growth_pct: s(),
            eff_pct: s(),
            runtime: s(),
            v_max: s(),
            v_min: s(),
            cells: s(),
            float_v: s(),
            ambient: s(),
            design_margin: s(),
            aging: s(),
            tc: s(),
            redundancy: RwSignal::new("n".into()),
            battery_key: s(),
            ups_key: s(),
            m_table: RwSignal::new(true),
            m_duty: RwSignal::new(true),
            m_ecm: RwSignal::new(true),
            duty_on: RwSignal::new(false),
            periods: RwSignal::new(Vec::new()),
            random_on: RwSignal::new(false),
            random: RwSignal::new(PeriodText {
                id: 0,
                label: "random load".into(),
                basis: "kw".into(),
                value: String::new(),
                minutes: "1".into(),
            }),
            next_id: StoredValue::new(1),
            ecm_step: s(),
            ecm_eol_r: s(),
            ecm_soc_pct: s(),
        }
    }

    fn period_text(&self, p: &DutyPeriod) -> PeriodText {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let (basis, value) = match (p.kw, p.amps) {
            (_, Some(a)) => ("amps", a),
            (Some(k), None) => ("kw", k),
            (None, None) => ("kw", f64::NAN),
        };
        PeriodText { id, label: p.label.clone(), basis: basis.into(), value: show(value), minutes: show(p.minutes) }
    }

    /// Shows `c` in the form.
    fn fill(&self, c: &UpsCase) {
        self.name.set(c.name.clone());
        match &c.load {
            LoadSpec::PerRack { kw_per_rack, racks } => {
                self.load_mode.set("per-rack".into());
                self.kw_per_rack.set(show(*kw_per_rack));
                self.racks.set(racks.to_string());
            }
            LoadSpec::Total { kw } => {
                self.load_mode.set("total".into());
                self.total_kw.set(show(*kw));
            }
            LoadSpec::Apparent { kva, power_factor } => {
                self.load_mode.set("apparent".into());
                self.kva.set(show(*kva));
                self.pf.set(show(*power_factor));
            }
        }
        self.growth_pct.set(show(c.growth_margin * 100.0));
        self.eff_pct.set(show(c.ups_efficiency * 100.0));
        self.runtime.set(show(c.runtime_min));
        self.v_max.set(show(c.dc_bus.v_max));
        self.v_min.set(show(c.dc_bus.v_min));
        self.cells.set(c.dc_bus.cells_in_series.map(|n| n.to_string()).unwrap_or_default());
        self.float_v.set(c.dc_bus.float_v_cell.map(show).unwrap_or_default());
        self.ambient.set(show(c.ambient_c));
        self.design_margin.set(show(c.design_margin));
        self.aging.set(show(c.aging_factor));
        self.tc.set(c.temperature_factor.map(show).unwrap_or_default());
        self.redundancy.set(
            match c.redundancy {
                Redundancy::N => "n",
                Redundancy::NPlus1 => "n-plus1",
                Redundancy::TwoN => "two-n",
            }
            .into(),
        );
        self.battery_key.set(c.battery_key.clone());
        self.ups_key.set(c.ups_key.clone().unwrap_or_default());
        let all = c.methods.is_empty();
        self.m_table.set(all || c.methods.contains(&UpsMethod::ConstantPower));
        self.m_duty.set(all || c.methods.contains(&UpsMethod::DutyCycle));
        self.m_ecm.set(all || c.methods.contains(&UpsMethod::Ecm));
        match &c.duty_cycle {
            Some(dc) => {
                self.duty_on.set(true);
                self.periods.set(dc.periods.iter().map(|p| self.period_text(p)).collect());
                self.random_on.set(dc.random.is_some());
                if let Some(r) = &dc.random {
                    self.random.set(self.period_text(r));
                }
            }
            None => {
                self.duty_on.set(false);
                self.periods.set(Vec::new());
                self.random_on.set(false);
            }
        }
        self.ecm_step.set(show(c.ecm.step_s));
        self.ecm_eol_r.set(show(c.ecm.eol_resistance_factor));
        self.ecm_soc_pct.set(show(c.ecm.initial_soc * 100.0));
    }

    /// The case as typed, on top of `base` (which keeps what the form does
    /// not show, such as the runtime-vs-load curve points).
    fn build(&self, base: &UpsCase) -> Result<UpsCase, NotReady> {
        let mut c = base.clone();
        c.name = self.name.get_untracked().trim().to_string();
        c.load = match self.load_mode.get_untracked().as_str() {
            "total" => LoadSpec::Total { kw: req(&self.total_kw, "the IT load")? },
            "apparent" => LoadSpec::Apparent { kva: req(&self.kva, "the load in kVA")?, power_factor: req(&self.pf, "the power factor")? },
            _ => LoadSpec::PerRack {
                kw_per_rack: req(&self.kw_per_rack, "the load per rack")?,
                racks: whole(&self.racks, "the number of racks")?,
            },
        };
        c.growth_margin = pct(&self.growth_pct, "the growth margin")?;
        c.ups_efficiency = pct(&self.eff_pct, "the UPS efficiency")?;
        c.runtime_min = req(&self.runtime, "the runtime")?;
        c.dc_bus = DcBus {
            v_max: req(&self.v_max, "V_max")?,
            v_min: req(&self.v_min, "V_min")?,
            cells_in_series: match parse_typed(&self.cells.get_untracked()) {
                TypedNumber::Empty => None,
                _ => Some(whole(&self.cells, "the cells in series")?),
            },
            float_v_cell: opt(&self.float_v, "the float voltage")?,
        };
        c.ambient_c = req(&self.ambient, "the temperature")?;
        c.design_margin = req(&self.design_margin, "the design margin")?;
        c.aging_factor = req(&self.aging, "the aging factor")?;
        c.temperature_factor = opt(&self.tc, "the temperature factor")?;
        c.redundancy = match self.redundancy.get_untracked().as_str() {
            "n-plus1" => Redundancy::NPlus1,
            "two-n" => Redundancy::TwoN,
            _ => Redundancy::N,
        };
        c.battery_key = self.battery_key.get_untracked();
        c.ups_key = Some(self.ups_key.get_untracked()).filter(|k| !k.is_empty());
        let picked = [
            (self.m_table.get_untracked(), UpsMethod::ConstantPower),
            (self.m_duty.get_untracked(), UpsMethod::DutyCycle),
            (self.m_ecm.get_untracked(), UpsMethod::Ecm),
        ];
        c.methods = if picked.iter().all(|p| p.0) { Vec::new() } else { picked.iter().filter(|p| p.0).map(|p| p.1).collect() };
        if c.methods.is_empty() && !picked.iter().any(|p| p.0) {
            return Err(NotReady("no method is selected".into()));
        }
        let period = |p: &PeriodText, what: &str| -> Result<DutyPeriod, NotReady> {
            let v = num_of(&p.value, what)?;
            let m = num_of(&p.minutes, &format!("the minutes of {what}"))?;
            Ok(DutyPeriod {
                label: p.label.clone(),
                amps: (p.basis == "amps").then_some(v),
                kw: (p.basis != "amps").then_some(v),
                minutes: m,
            })
        };
        c.duty_cycle = if self.duty_on.get_untracked() {
            let periods = self
                .periods
                .get_untracked()
                .iter()
                .enumerate()
                .map(|(i, p)| period(p, &format!("duty-cycle period {}", i + 1)))
                .collect::<Result<Vec<_>, _>>()?;
            let random = if self.random_on.get_untracked() { Some(period(&self.random.get_untracked(), "the random load")?) } else { None };
            let temperature_factors = base.duty_cycle.as_ref().map(|d| d.temperature_factors.clone()).unwrap_or_default();
            Some(DutyCycle { periods, random, temperature_factors })
        } else {
            None
        };
        c.ecm.step_s = req(&self.ecm_step, "the simulation step")?;
        c.ecm.eol_resistance_factor = req(&self.ecm_eol_r, "the EOL resistance factor")?;
        c.ecm.initial_soc = pct(&self.ecm_soc_pct, "the initial SOC")?;
        Ok(c)
    }
}

/// Everything the compute loop touches (all handles, so it is `Copy`).
#[derive(Clone, Copy)]
struct Engine {
    key: StoredValue<String>,
    form: Form,
    base: StoredValue<UpsCase>,
    stored: StoredValue<UpsCase>,
    runner: StoredValue<Runner>,
    computed: RwSignal<Option<UpsComputed>>,
    shown_seq: RwSignal<u64>,
    /// The latest edit's sequence number (shown when equal to `shown_seq`).
    edit_seq: RwSignal<u64>,
    not_ready: RwSignal<Option<String>>,
    dirty: RwSignal<bool>,
    project: crate::state::ProjectCtx,
}

impl Engine {
    /// After an edit: note the time and compute (or queue behind the
    /// computation in flight).
    fn edited(self) {
        let t = now_ms();
        if let Some(seq) = self.runner.try_update_value(|r| r.edited(t)) {
            self.edit_seq.set(seq);
        }
        self.kick();
    }

    /// Updates "not ready" and "unsaved" from the form, keeps the draft.
    fn refresh_state(self) -> Option<UpsCase> {
        let base = self.base.try_get_value()?;
        match self.form.build(&base) {
            Ok(c) => {
                self.not_ready.set(None);
                let dirty = self.stored.try_with_value(|s| *s != c).unwrap_or(false);
                self.dirty.set(dirty);
                if let Some(key) = self.key.try_get_value() {
                    if dirty {
                        drafts::put(&key, SizingCase::Ups(c.clone()), None);
                    } else {
                        drafts::remove(&key);
                    }
                }
                Some(c)
            }
            Err(NotReady(why)) => {
                self.not_ready.set(Some(why));
                None
            }
        }
    }

    /// Computes the case as it stands, unless a computation is running (then
    /// it runs again when that one returns).
    fn kick(self) {
        let Some(case) = self.refresh_state() else { return };
        let Some(Some((seq, input_ms))) = self.runner.try_update_value(Runner::start) else {
            return;
        };
        spawn_local(async move {
            let sent = now_ms();
            let answer = ipc::sizing_ups_compute(&case).await;
            match answer {
                Ok(c) => {
                    let answered = now_ms();
                    let backend = c.compute_ms;
                    // The sequence first: the charts read it when they render.
                    self.shown_seq.set(seq);
                    self.computed.set(Some(c));
                    let t = Timing { seq, input: input_ms, sent, answered, rendered: now_ms(), backend, complete: true };
                    when_chart_shown(t, 30);
                }
                Err(e) => self.project.report(e),
            }
            if self.runner.try_update_value(Runner::finish) == Some(true) {
                self.kick();
            }
        });
    }
}

/// The UPS case editor for the stored case `key`.
#[component]
pub fn UpsEditor(
    key: String,
    /// Where unsaved edits are kept while the engineer looks elsewhere
    /// (project path and case key).
    draft_key: String,
    stored_case: UpsCase,
    catalog: RwSignal<Option<CatalogView>>,
    overview: RwSignal<Option<SizingOverview>>,
    read_only: bool,
) -> impl IntoView {
    let project = use_project();
    let form = Form::new();
    let draft = drafts::get(&draft_key).and_then(|(c, _)| match c {
        SizingCase::Ups(c) => Some(c),
        SizingCase::Peak(_) | SizingCase::Smooth(_) => None,
    });
    let shown = draft.clone().unwrap_or_else(|| stored_case.clone());
    form.fill(&shown);
    let engine = Engine {
        key: StoredValue::new(draft_key.clone()),
        form,
        base: StoredValue::new(shown),
        stored: StoredValue::new(stored_case),
        runner: StoredValue::new(Runner::default()),
        computed: RwSignal::new(None),
        shown_seq: RwSignal::new(0),
        edit_seq: RwSignal::new(0),
        not_ready: RwSignal::new(None),
        dirty: RwSignal::new(draft.is_some()),
        project,
    };
    engine.kick();

    // After undo/redo or an edit elsewhere: show the stored case again,
    // unless the engineer has unsaved edits here.
    super::reload_on_change(project, key.clone(), move |stored| {
        let SizingCase::Ups(c) = stored.case else { return };
        if engine.stored.try_with_value(|s| *s == c) == Some(true) {
            return;
        }
        engine.stored.try_set_value(c.clone());
        if engine.dirty.try_get_untracked() == Some(false) {
            engine.base.try_set_value(c.clone());
            engine.form.fill(&c);
        }
        engine.edited();
    });

    let on_edit = Callback::new(move |_: ()| engine.edited());
    let diags = Signal::derive(move || {
        engine.computed.with(|c| {
            c.as_ref()
                .map(|c| {
                    let mut d: Vec<SizingDiagnostic> = c.result.diagnostics.clone();
                    for m in &c.result.methods {
                        d.extend(m.diagnostics.iter().cloned());
                    }
                    d
                })
                .unwrap_or_default()
        })
    });
    let ro = Signal::derive(move || read_only);

    let save = {
        let key = key.clone();
        let draft_key = draft_key.clone();
        move |_| {
            let Some(base) = engine.base.try_get_value() else { return };
            let case = form.build(&base);
            let stored = case.clone().ok();
            super::save_case(project, key.clone(), draft_key.clone(), case.map(SizingCase::Ups), None, move || {
                if let Some(c) = stored {
                    engine.stored.try_set_value(c);
                }
                engine.dirty.set(false);
            });
        }
    };
    let export = move |_| {
        let Some(base) = engine.base.try_get_value() else { return };
        super::export_sheet(project, form.build(&base).map(SizingCase::Ups), None);
    };
    let optimize_request = Callback::new(move |options: OptimizeOptions| {
        let base = engine.base.try_get_value().ok_or_else(|| "the form is closed".to_string())?;
        form.build(&base).map(|c| OptimizeRequest { case: SizingCase::Ups(c), profile_token: None, options }).map_err(|e| e.0)
    });
    let use_candidate = Callback::new(move |c: Candidate| {
        form.battery_key.set(c.config.battery_key.clone());
        form.cells.set(c.config.cells_in_series.to_string());
        project.notify(format!(
            "Battery set to {} with {} cells in series (the optimizer's configuration: {} strings).",
            c.config.battery_key, c.config.cells_in_series, c.config.strings
        ));
        engine.edited();
    });

    view! {
        <div class="ups-editor" data-testid="ups-editor">
            <CaseHeader case_key=key.clone() name=form.name kind_label="UPS ride-through" dirty=engine.dirty read_only=read_only
                not_ready=engine.not_ready on_save=Callback::new(save) on_export=Callback::new(export)
                backend_ms=Signal::derive(move || engine.computed.with(|c| c.as_ref().map(|c| c.compute_ms)))/>
            <div class="sizing-cols">
                <div class="sizing-inputs">
                    <LoadCard form=form engine=engine overview=overview diags=diags on_edit=on_edit ro=ro/>
                    <BatteryCard form=form catalog=catalog diags=diags on_edit=on_edit ro=ro/>
                    <FactorsCard form=form diags=diags on_edit=on_edit ro=ro/>
                    <DutyCard form=form diags=diags on_edit=on_edit ro=ro/>
                </div>
                <div class="sizing-results" data-testid="ups-results" data-seq=move || engine.shown_seq.get().to_string() data-edit-seq=move || engine.edit_seq.get().to_string()>
                    {move || engine.computed.get().map(|c| view! { <UpsSummary computed=c overview=overview/> })}
                    {move || engine.computed.get().is_none().then(|| view! { <div class="card"><p class="muted">"Computing…"</p></div> })}
                </div>
            </div>
            {move || engine.computed.get().map(|c| {
                let seq = engine.shown_seq.get_untracked();
                view! {
                    <div class="card">
                        <h2>"Methods side by side"</h2>
                        <UpsComparison result=c.result.clone()/>
                    </div>
                    <div class="card">
                        <h2>"Charts"</h2>
                        <Charts charts=c.charts.clone() seq=seq/>
                    </div>
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
fn UpsSummary(computed: UpsComputed, overview: RwSignal<Option<SizingOverview>>) -> impl IntoView {
    let r = computed.result.clone();
    let governing = r.governing.and_then(|g| r.methods.iter().find(|m| m.method == g)).cloned();
    let mut all = r.diagnostics.clone();
    for m in &r.methods {
        all.extend(m.diagnostics.iter().cloned());
    }
    let verdict = match &governing {
        Some(g) => match &g.config {
            Some(c) => format!(
                "{} × {} — {} strings ({} needed), {} cabinets, {} kWh; EOL runtime {} min",
                c.units,
                c.battery_key,
                c.strings,
                c.strings_needed,
                c.enclosures,
                fmt(c.energy_kwh),
                g.runtime_eol_min.map_or("–".into(), fmt)
            ),
            None => "no configuration".into(),
        },
        None => "No method found a feasible configuration — see the diagnostics.".into(),
    };
    let layout_check = move || {
        let ov = overview.get()?;
        let g = governing.clone()?;
        let c = g.config?;
        let placed = ov.layout.batteries.iter().find(|k| k.key == c.battery_key).map_or(0, |k| k.count);
        let (class, text) = if placed == 0 {
            (
                "pill warn",
                format!(
                    "The layout places no {}; the governing method needs {} enclosure(s). Place them in the Layout area.",
                    c.battery_key, c.enclosures
                ),
            )
        } else if placed < c.enclosures {
            (
                "pill bad",
                format!(
                    "The layout places {placed} × {}; the governing method needs {} — {} short.",
                    c.battery_key,
                    c.enclosures,
                    c.enclosures - placed
                ),
            )
        } else {
            ("pill ok", format!("The layout places {placed} × {}; the governing method needs {}.", c.battery_key, c.enclosures))
        };
        Some(view! { <p data-testid="layout-check"><span class=class>"layout"</span>" "{text}</p> })
    };
    view! {
        <div class="card" data-testid="ups-summary">
            <h2>"Result"</h2>
            <p class="verdict" class:bad=r.governing.is_none() data-testid="ups-verdict">{verdict}</p>
            <table class="kv">
                <tr><th>"IT load"</th><td data-testid="load-it">{format!("{} kW", fmt(r.load.it_kw))}</td></tr>
                <tr><th>"Design load (with growth)"</th><td>{format!("{} kW", fmt(r.load.design_kw))}</td></tr>
                <tr><th>"Battery power (÷ UPS efficiency)"</th><td data-testid="load-battery">{format!("{} kW", fmt(r.load.battery_kw))}</td></tr>
                {r.ups_units.clone().map(|u| view! {
                    <tr><th>"UPS units"</th><td>{format!("{} × {} ({} needed), losses {} kW", u.installed, u.ups_key, u.needed, fmt(u.heat_kw))}</td></tr>
                })}
                {r.governing.map(|g| view! { <tr><th>"Governing method"</th><td data-testid="governing">{g.label()}</td></tr> })}
            </table>
            {layout_check}
            <h3>"Diagnostics"</h3>
            <Diagnostics diags=all/>
        </div>
    }
}

#[component]
fn LoadCard(
    form: Form,
    engine: Engine,
    overview: RwSignal<Option<SizingOverview>>,
    diags: Signal<Vec<SizingDiagnostic>>,
    on_edit: Callback<()>,
    ro: Signal<bool>,
) -> impl IntoView {
    let project = use_project();
    let from_layout = move |_| {
        let Some(ov) = overview.get_untracked() else { return };
        let f = &ov.layout;
        if f.racks == 0 {
            project.report(backstop_model::AppError::invalid(
                "The layout has no IT racks yet; place racks in the Layout area, or type the load.",
            ));
            return;
        }
        match f.kw_per_rack {
            Some(kw) => {
                form.load_mode.set("per-rack".into());
                form.kw_per_rack.set(show(kw));
                form.racks.set(f.racks.to_string());
            }
            None => {
                form.load_mode.set("total".into());
                form.total_kw.set(show(f.it_kw));
            }
        }
        project.notify(format!("IT load taken from the layout: {} racks, {} kW.", f.racks, fmt(f.it_kw)));
        engine.edited();
    };
    let layout_line = move || {
        overview.get().map(|ov| {
            let f = ov.layout;
            let ups: Vec<String> = f.ups.iter().map(|k| format!("{} × {}", k.count, k.key)).collect();
            format!(
                "Layout: {} racks, {} kW{}{}",
                f.racks,
                fmt(f.it_kw),
                f.kw_per_rack.map_or(String::new(), |k| format!(" ({} kW each)", fmt(k))),
                if ups.is_empty() { String::new() } else { format!("; UPS {}", ups.join(", ")) }
            )
        })
    };
    let mode = form.load_mode;
    view! {
        <div class="card">
            <h2>"Critical load"</h2>
            <div class="toolbar">
                <select data-testid="load-mode" disabled=move || ro.get() on:change=move |ev| { mode.set(event_target_value(&ev)); on_edit.run(()); }>
                    <option value="per-rack" selected=move || mode.get() == "per-rack">"kW per rack × racks"</option>
                    <option value="total" selected=move || mode.get() == "total">"total kW"</option>
                    <option value="apparent" selected=move || mode.get() == "apparent">"kVA × power factor"</option>
                </select>
                <button class="btn" data-testid="load-from-layout" disabled=move || ro.get() on:click=from_layout>"Take IT load from the layout"</button>
            </div>
            <p class="muted small" data-testid="layout-facts">{layout_line}</p>
            <div class="grid-fields">
                <Show when=move || mode.get() == "per-rack">
                    <NumField label="Load per rack" unit="kW" testid="in-kw-per-rack" text=form.kw_per_rack path="load.kw_per_rack" diags=diags on_edit=on_edit disabled=ro/>
                    <NumField label="Racks" unit="" testid="in-racks" text=form.racks path="load.racks" diags=diags on_edit=on_edit disabled=ro/>
                </Show>
                <Show when=move || mode.get() == "total">
                    <NumField label="IT load" unit="kW" testid="in-total-kw" text=form.total_kw path="load.kw" diags=diags on_edit=on_edit disabled=ro/>
                </Show>
                <Show when=move || mode.get() == "apparent">
                    <NumField label="Load" unit="kVA" testid="in-kva" text=form.kva path="load.kva" diags=diags on_edit=on_edit disabled=ro/>
                    <NumField label="Load power factor" unit="" testid="in-pf" text=form.pf path="load.power_factor" diags=diags on_edit=on_edit disabled=ro/>
                </Show>
                <NumField label="Growth margin" unit="%" testid="in-growth" text=form.growth_pct path="growth_margin" diags=diags on_edit=on_edit disabled=ro hint="added to the load"/>
                <NumField label="UPS efficiency (battery → load)" unit="%" testid="in-eff" text=form.eff_pct path="ups_efficiency" diags=diags on_edit=on_edit disabled=ro/>
                <NumField label="Required runtime" unit="min" testid="in-runtime" text=form.runtime path="runtime_min" diags=diags on_edit=on_edit disabled=ro/>
            </div>
        </div>
    }
}

fn options_of(catalog: &Option<CatalogView>, battery: bool) -> Vec<(String, String)> {
    catalog
        .as_ref()
        .map(|c| {
            c.entries
                .iter()
                .filter(|i| if battery { i.entry.battery.is_some() } else { i.entry.kind == backstop_model::catalog::EntryKind::Ups })
                .map(|i| {
                    let chem = i.entry.battery.as_ref().map(|b| format!(", {}", b.chemistry.label())).unwrap_or_default();
                    (i.entry.key.clone(), format!("{} — {} ({}{chem})", i.entry.key, i.entry.display_name(), i.entry.kind.as_str()))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[component]
fn BatteryCard(
    form: Form,
    catalog: RwSignal<Option<CatalogView>>,
    diags: Signal<Vec<SizingDiagnostic>>,
    on_edit: Callback<()>,
    ro: Signal<bool>,
) -> impl IntoView {
    let bkey = form.battery_key;
    let ukey = form.ups_key;
    let red = form.redundancy;
    let problems = move |path: &'static str| {
        move || {
            super::fields::for_field(&diags.get(), path)
                .into_iter()
                .map(|d| view! { <small class="field-error">{d.message}</small> })
                .collect_view()
        }
    };
    view! {
        <div class="card">
            <h2>"Battery, UPS and DC bus"</h2>
            <label class="field">
                <span>"Battery (catalog)"</span>
                <select data-testid="in-battery" disabled=move || ro.get() on:change=move |ev| { bkey.set(event_target_value(&ev)); on_edit.run(()); }>
                    {move || {
                        let opts = options_of(&catalog.get(), true);
                        let current = bkey.get();
                        let missing = !current.is_empty() && !opts.iter().any(|o| o.0 == current);
                        view! {
                            {missing.then(|| view! { <option value=current.clone() selected=true>{format!("{current} (not in the catalog)")}</option> })}
                            {opts.into_iter().map(|(k, label)| { let sel = k == current; view! { <option value=k selected=sel>{label}</option> } }).collect_view()}
                        }
                    }}
                </select>
                {problems("battery_key")}
            </label>
            <label class="field">
                <span>"UPS (catalog; counts units and checks the DC window)"</span>
                <select data-testid="in-ups" disabled=move || ro.get() on:change=move |ev| { ukey.set(event_target_value(&ev)); on_edit.run(()); }>
                    <option value="" selected=move || ukey.get().is_empty()>"none"</option>
                    {move || {
                        let current = ukey.get();
                        options_of(&catalog.get(), false).into_iter().map(|(k, label)| { let sel = k == current; view! { <option value=k selected=sel>{label}</option> } }).collect_view()
                    }}
                </select>
                {problems("ups_key")}
            </label>
            <label class="field">
                <span>"Redundancy (strings and UPS units)"</span>
                <select data-testid="in-redundancy" disabled=move || ro.get() on:change=move |ev| { red.set(event_target_value(&ev)); on_edit.run(()); }>
                    <option value="n" selected=move || red.get() == "n">"N"</option>
                    <option value="n-plus1" selected=move || red.get() == "n-plus1">"N+1"</option>
                    <option value="two-n" selected=move || red.get() == "two-n">"2N"</option>
                </select>
            </label>
            <div class="grid-fields">
                <NumField label="DC bus maximum (float)" unit="V" testid="in-vmax" text=form.v_max path="dc_bus.v_max" diags=diags on_edit=on_edit disabled=ro/>
                <NumField label="DC bus minimum (end of discharge)" unit="V" testid="in-vmin" text=form.v_min path="dc_bus.v_min" diags=diags on_edit=on_edit disabled=ro/>
                <NumField label="Cells in series (force)" unit="cells" testid="in-cells" text=form.cells path="dc_bus.cells_in_series" diags=diags on_edit=on_edit optional=true disabled=ro hint="empty: the most that float under V_max"/>
                <NumField label="Float voltage" unit="V/cell" testid="in-float" text=form.float_v path="dc_bus.float_v_cell" diags=diags on_edit=on_edit optional=true disabled=ro hint="empty: the catalog's"/>
            </div>
        </div>
    }
}

#[component]
fn FactorsCard(form: Form, diags: Signal<Vec<SizingDiagnostic>>, on_edit: Callback<()>, ro: Signal<bool>) -> impl IntoView {
    let check = move |label: &'static str, id: &'static str, sig: RwSignal<bool>| {
        view! {
            <label class="check"><input type="checkbox" data-testid=id disabled=move || ro.get() prop:checked=move || sig.get()
                on:change=move |ev| { sig.set(event_target_checked(&ev)); on_edit.run(()); }/>{label}</label>
        }
    };
    view! {
        <div class="card">
            <h2>"Environment, factors and methods"</h2>
            <div class="grid-fields">
                <NumField label="Lowest battery temperature" unit="°C" testid="in-ambient" text=form.ambient path="ambient_c" diags=diags on_edit=on_edit disabled=ro/>
                <NumField label="Temperature factor (override)" unit="×" testid="in-tc" text=form.tc path="temperature_factor" diags=diags on_edit=on_edit optional=true disabled=ro hint="empty: IEEE 485 table or the cell's curve"/>
                <NumField label="Design margin" unit="×" testid="in-dm" text=form.design_margin path="design_margin" diags=diags on_edit=on_edit disabled=ro hint="1.10–1.15 typical"/>
                <NumField label="Aging factor (end of life)" unit="×" testid="in-af" text=form.aging path="aging_factor" diags=diags on_edit=on_edit disabled=ro hint="1.25 = replace at 80 % capacity"/>
            </div>
            <div class="methods">
                <span class="muted">"Methods: "</span>
                {check("constant-power table", "m-table", form.m_table)}
                {check("IEEE 485/1115 duty cycle", "m-duty", form.m_duty)}
                {check("equivalent circuit (Li-ion)", "m-ecm", form.m_ecm)}
                <small class="muted">" — all three: every method the battery has data for"</small>
            </div>
            <details>
                <summary>"Equivalent-circuit simulation options"</summary>
                <div class="grid-fields">
                    <NumField label="Time step" unit="s" testid="in-ecm-step" text=form.ecm_step path="ecm.step_s" diags=diags on_edit=on_edit disabled=ro/>
                    <NumField label="R0, R1 at end of life ÷ new" unit="×" testid="in-ecm-r" text=form.ecm_eol_r path="ecm.eol_resistance_factor" diags=diags on_edit=on_edit disabled=ro/>
                    <NumField label="SOC when the outage starts" unit="%" testid="in-ecm-soc" text=form.ecm_soc_pct path="ecm.initial_soc" diags=diags on_edit=on_edit disabled=ro/>
                </div>
            </details>
        </div>
    }
}

#[component]
fn DutyCard(form: Form, diags: Signal<Vec<SizingDiagnostic>>, on_edit: Callback<()>, ro: Signal<bool>) -> impl IntoView {
    let periods = form.periods;
    let add = move |_| {
        let id = form.next_id.get_value();
        form.next_id.set_value(id + 1);
        let n = periods.with_untracked(|p| p.len()) + 1;
        periods.update(|p| {
            p.push(PeriodText { id, label: format!("period {n}"), basis: "kw".into(), value: String::new(), minutes: "1".into() })
        });
        form.duty_on.set(true);
        on_edit.run(());
    };
    let edit = move |id: u64, f: Box<dyn Fn(&mut PeriodText)>| {
        periods.update(|p| {
            if let Some(x) = p.iter_mut().find(|x| x.id == id) {
                f(x);
            }
        });
        on_edit.run(());
    };
    let cell = move |id: u64, get: fn(&PeriodText) -> String, set: fn(&mut PeriodText, String), class: &'static str| {
        view! {
            <input type="text" class=class disabled=move || ro.get()
                prop:value=move || periods.with(|p| p.iter().find(|x| x.id == id).map(get).unwrap_or_default())
                on:input=move |ev| { let v = event_target_value(&ev); edit(id, Box::new(move |x| set(x, v.clone()))); }/>
        }
    };
    let problems = move || {
        super::fields::for_field(&diags.get(), "duty_cycle")
            .into_iter()
            .map(|d| view! { <small class="field-error">{d.message}</small> })
            .collect_view()
    };
    let random = form.random;
    view! {
        <div class="card">
            <h2>"Duty cycle (IEEE 485/1115)"</h2>
            <label class="check"><input type="checkbox" data-testid="duty-on" disabled=move || ro.get() prop:checked=move || form.duty_on.get()
                on:change=move |ev| { form.duty_on.set(event_target_checked(&ev)); on_edit.run(()); }/>
                "Multi-period duty cycle (off: one period of the battery power for the runtime)"</label>
            <Show when=move || form.duty_on.get()>
                <table class="data periods" data-testid="duty-periods">
                    <thead><tr><th>"Period"</th><th>"Load"</th><th>"Basis"</th><th>"Minutes"</th><th></th></tr></thead>
                    <tbody>
                        <For each=move || periods.get() key=|p| p.id let:p>
                            {
                                let id = p.id;
                                view! {
                                    <tr>
                                        <td>{cell(id, |x| x.label.clone(), |x, v| x.label = v, "")}</td>
                                        <td>{cell(id, |x| x.value.clone(), |x, v| x.value = v, "short")}</td>
                                        <td>
                                            <select disabled=move || ro.get() on:change=move |ev| { let v = event_target_value(&ev); edit(id, Box::new(move |x| x.basis = v.clone())); }>
                                                <option value="kw" selected=move || periods.with(|p| p.iter().any(|x| x.id == id && x.basis == "kw"))>"kW at the battery"</option>
                                                <option value="amps" selected=move || periods.with(|p| p.iter().any(|x| x.id == id && x.basis == "amps"))>"A"</option>
                                            </select>
                                        </td>
                                        <td>{cell(id, |x| x.minutes.clone(), |x, v| x.minutes = v, "short")}</td>
                                        <td><button class="btn small" disabled=move || ro.get() on:click=move |_| { periods.update(|p| p.retain(|x| x.id != id)); on_edit.run(()); }>"Remove"</button></td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
                <div class="toolbar">
                    <button class="btn small" data-testid="duty-add" disabled=move || ro.get() on:click=add>"Add period"</button>
                    <label class="check"><input type="checkbox" disabled=move || ro.get() prop:checked=move || form.random_on.get()
                        on:change=move |ev| { form.random_on.set(event_target_checked(&ev)); on_edit.run(()); }/>"Random load"</label>
                    <Show when=move || form.random_on.get()>
                        <input type="text" class="short" placeholder="value" disabled=move || ro.get() prop:value=move || random.with(|r| r.value.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); random.update(|r| r.value = v); on_edit.run(()); }/>
                        <select disabled=move || ro.get() on:change=move |ev| { let v = event_target_value(&ev); random.update(|r| r.basis = v); on_edit.run(()); }>
                            <option value="kw" selected=move || random.with(|r| r.basis == "kw")>"kW"</option>
                            <option value="amps" selected=move || random.with(|r| r.basis == "amps")>"A"</option>
                        </select>
                        <input type="text" class="short" placeholder="min" disabled=move || ro.get() prop:value=move || random.with(|r| r.minutes.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); random.update(|r| r.minutes = v); on_edit.run(()); }/>
                        <span class="muted">"min"</span>
                    </Show>
                </div>
                <p class="muted small">"Loads in kW are converted to amperes at the end-of-discharge voltage (conservative). The random load is added to the worst section."</p>
            </Show>
            {problems}
        </div>
    }
}
