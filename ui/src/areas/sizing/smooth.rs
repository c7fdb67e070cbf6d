//! The power-smoothing case form: the synthetic AI-training profile, the
//! grid requirements (sourced presets), the controller, the battery and the
//! optional supercapacitor bank; results with the requirement checks and
//! their margins, the storage sizes, life from both views, losses, charts
//! (load vs grid, SOC, band amplitudes, the ramp trade-off) and the
//! calculation sheet. Computed by the backend's engine as the inputs change.

use backstop_model::sizing::{CalcSheet, SizingDiagnostic};
use backstop_model::sizing_smooth::{CheckStatus, LifeBasis, SmoothCase, SmoothController};
use backstop_model::sizing_view::{SizingCase, SmoothComputed, TraceImport, TraceInfo};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::fields::{NotReady, NumField, catalog_select, fmt, opt, pct, req, show, whole};
use super::results::{Charts, Diagnostics, ImportErrors, ImportWarnings, Sheet};
use super::runner::Runner;
use super::{CaseHeader, drafts};
use crate::bench::{Timing, now_ms, when_chart_shown};
use crate::ipc;
use crate::state::use_project;

#[derive(Clone, Copy)]
struct Form {
    name: RwSignal<String>,
    // Synthetic training profile.
    duration: RwSignal<String>,
    dt: RwSignal<String>,
    base: RwSignal<String>,
    job: RwSignal<String>,
    iteration: RwSignal<String>,
    duty: RwSignal<String>,
    low: RwSignal<String>,
    jitter: RwSignal<String>,
    checkpoint_every: RwSignal<String>,
    checkpoint_len: RwSignal<String>,
    failures: RwSignal<String>,
    floor: RwSignal<String>,
    rack_j: RwSignal<String>,
    job_start: RwSignal<String>,
    start_ramp: RwSignal<String>,
    seed: RwSignal<String>,
    window_start: RwSignal<String>,
    window_len: RwSignal<String>,
    battery_key: RwSignal<String>,
    pcs_key: RwSignal<String>,
    // Requirements (preset keys).
    presets: RwSignal<Vec<String>>,
    // Controller.
    controller: RwSignal<String>,
    ramp: RwSignal<String>,
    tau: RwSignal<String>,
    window: RwSignal<String>,
    // Battery.
    battery_mw: RwSignal<String>,
    battery_mwh: RwSignal<String>,
    rte: RwSignal<String>,
    soc_min: RwSignal<String>,
    soc_max: RwSignal<String>,
    eol_soh: RwSignal<String>,
    response: RwSignal<String>,
    restore: RwSignal<String>,
    // Supercapacitor bank.
    sc_on: RwSignal<bool>,
    sc_cells: RwSignal<String>,
    sc_vmin: RwSignal<String>,
    cutoff: RwSignal<String>,
    years: RwSignal<String>,
}

fn s() -> RwSignal<String> {
    RwSignal::new(String::new())
}

impl Form {
    fn new() -> Self {
        Form {
            name: s(),
            duration: s(),
            dt: s(),
            base: s(),
            job: s(),
            iteration: s(),
            duty: s(),
            low: s(),
            jitter: s(),
            checkpoint_every: s(),
            checkpoint_len: s(),
            failures: s(),
            floor: s(),
            rack_j: s(),
            job_start: s(),
            start_ramp: s(),
            seed: s(),
            window_start: s(),
            window_len: s(),
            battery_key: s(),
            pcs_key: s(),
            presets: RwSignal::new(Vec::new()),
            controller: s(),
            ramp: s(),
            tau: s(),
            window: s(),
            battery_mw: s(),
            battery_mwh: s(),
            rte: s(),
            soc_min: s(),
            soc_max: s(),
            eol_soh: s(),
            response: s(),
            restore: s(),
            sc_on: RwSignal::new(false),
            sc_cells: s(),
            sc_vmin: s(),
            cutoff: s(),
            years: s(),
        }
    }

    fn fill(&self, c: &SmoothCase) {
        self.name.set(c.name.clone());
        let p = c.synthetic.clone().unwrap_or_default();
        self.duration.set(show(p.duration_s));
        self.dt.set(show(p.dt_s));
        self.base.set(show(p.base_mw));
        self.job.set(show(p.job_mw));
        self.iteration.set(show(p.iteration_s));
        self.duty.set(show(p.compute_duty * 100.0));
        self.low.set(show(p.low_level * 100.0));
        self.jitter.set(show(p.jitter * 100.0));
        self.checkpoint_every.set(show(p.checkpoint_interval_s));
        self.checkpoint_len.set(show(p.checkpoint_s));
        self.failures.set(show(p.failures_per_day));
        self.floor.set(show(p.power_floor * 100.0));
        self.rack_j.set(show(p.rack_storage_j_per_gpu));
        self.job_start.set(show(p.job_start_s));
        self.start_ramp.set(show(p.start_ramp_s));
        self.seed.set(p.seed.to_string());
        self.window_start.set(show(c.chart_window.start_s));
        self.window_len.set(show(c.chart_window.length_s));
        self.presets.set(c.presets.clone());
        match &c.controller {
            SmoothController::RampLimiter { ramp_mw_per_min } => {
                self.controller.set("ramp-limiter".into());
                self.ramp.set(ramp_mw_per_min.map(show).unwrap_or_default());
            }
            SmoothController::FirstOrder { tau_s } => {
                self.controller.set("first-order".into());
                self.tau.set(show(*tau_s));
            }
            SmoothController::MovingAverage { window_s } => {
                self.controller.set("moving-average".into());
                self.window.set(show(*window_s));
            }
        }
        if self.tau.get_untracked().is_empty() {
            self.tau.set("10".into());
        }
        if self.window.get_untracked().is_empty() {
            self.window.set("30".into());
        }
        let b = c.battery.clone().unwrap_or_default();
        self.battery_mw.set(b.power_mw.map(show).unwrap_or_default());
        self.battery_mwh.set(b.energy_mwh.map(show).unwrap_or_default());
        self.rte.set(show(b.rte * 100.0));
        self.soc_min.set(show(b.soc_min * 100.0));
        self.soc_max.set(show(b.soc_max * 100.0));
        self.eol_soh.set(show(b.eol_soh * 100.0));
        self.response.set(show(b.response_s));
        self.restore.set(show(b.restore_s));
        self.battery_key.set(b.battery_key.clone().unwrap_or_default());
        self.pcs_key.set(b.pcs_key.clone().unwrap_or_default());
        self.sc_on.set(c.supercap.is_some());
        let sc = c.supercap.clone().unwrap_or_default();
        self.sc_cells.set(sc.cells.map(|n| n.to_string()).unwrap_or_default());
        self.sc_vmin.set(show(sc.v_min_frac * 100.0));
        self.cutoff.set(show(c.split.cutoff_hz));
        self.years.set(c.project_years.to_string());
    }

    fn build(&self, base: &SmoothCase) -> Result<SmoothCase, NotReady> {
        let mut c = base.clone();
        c.name = self.name.get_untracked().trim().to_string();
        let mut p = c.synthetic.clone().unwrap_or_default();
        p.duration_s = req(&self.duration, "the profile length")?;
        p.dt_s = req(&self.dt, "the time step")?;
        p.base_mw = req(&self.base, "the site base load")?;
        p.job_mw = req(&self.job, "the job power")?;
        p.iteration_s = req(&self.iteration, "the iteration period")?;
        p.compute_duty = pct(&self.duty, "the compute share")?;
        p.low_level = pct(&self.low, "the communication-phase power")?;
        p.jitter = pct(&self.jitter, "the jitter")?;
        p.checkpoint_interval_s = req(&self.checkpoint_every, "the checkpoint interval")?;
        p.checkpoint_s = req(&self.checkpoint_len, "the checkpoint length")?;
        p.failures_per_day = req(&self.failures, "the failures per day")?;
        p.power_floor = pct(&self.floor, "the GPU power floor")?;
        p.rack_storage_j_per_gpu = req(&self.rack_j, "the rack storage per GPU")?;
        p.job_start_s = req(&self.job_start, "the job start")?;
        p.start_ramp_s = req(&self.start_ramp, "the start ramp")?;
        p.seed = u64::from(whole(&self.seed, "the seed")?);
        c.chart_window.start_s = req(&self.window_start, "the chart window start")?;
        c.chart_window.length_s = req(&self.window_len, "the chart window length")?;
        c.synthetic = Some(p);
        c.presets = self.presets.get_untracked();
        c.controller = match self.controller.get_untracked().as_str() {
            "first-order" => SmoothController::FirstOrder { tau_s: req(&self.tau, "the filter time constant")? },
            "moving-average" => SmoothController::MovingAverage { window_s: req(&self.window, "the averaging window")? },
            _ => SmoothController::RampLimiter { ramp_mw_per_min: opt(&self.ramp, "the ramp limit")? },
        };
        let mut b = c.battery.clone().unwrap_or_default();
        b.power_mw = opt(&self.battery_mw, "the battery power")?;
        b.energy_mwh = opt(&self.battery_mwh, "the battery energy")?;
        b.rte = pct(&self.rte, "the round-trip efficiency")?;
        b.soc_min = pct(&self.soc_min, "the lowest SOC")?;
        b.soc_max = pct(&self.soc_max, "the highest SOC")?;
        b.eol_soh = pct(&self.eol_soh, "the end-of-life SOH")?;
        b.response_s = req(&self.response, "the battery response time")?;
        b.restore_s = req(&self.restore, "the SOC restore time")?;
        b.battery_key = Some(self.battery_key.get_untracked()).filter(|k| !k.is_empty());
        b.pcs_key = Some(self.pcs_key.get_untracked()).filter(|k| !k.is_empty());
        c.battery = Some(b);
        c.supercap = if self.sc_on.get_untracked() {
            let mut sc = c.supercap.clone().unwrap_or_default();
            sc.cells = opt(&self.sc_cells, "the supercapacitor cells")?.map(|n| n.round().clamp(0.0, f64::from(u32::MAX)) as u32);
            sc.v_min_frac = pct(&self.sc_vmin, "the lowest supercapacitor voltage")?;
            Some(sc)
        } else {
            None
        };
        c.split.cutoff_hz = req(&self.cutoff, "the split cut-off")?;
        c.project_years = whole(&self.years, "the project life")?;
        Ok(c)
    }
}

#[derive(Clone, Copy)]
struct Engine {
    draft_key: StoredValue<String>,
    form: Form,
    base: StoredValue<SmoothCase>,
    stored: StoredValue<SmoothCase>,
    /// The measured trace's token as saved (`None`: saved on its synthetic profile).
    stored_token: StoredValue<Option<String>>,
    /// The measured trace sized (`None`: the synthetic profile).
    trace: RwSignal<Option<TraceInfo>>,
    runner: StoredValue<Runner>,
    /// This editor's tickets are this plus the edit's number: drawn at
    /// random, so no two editors' computations share a ticket (a stop
    /// names the one computation it is for).
    ticket_base: u64,
    computed: RwSignal<Option<SmoothComputed>>,
    /// How many results were shown (each first part and each whole counts).
    shown_count: RwSignal<u64>,
    /// The calculation sheet shown, with the count of the result it is
    /// from: it follows its result's charts by a frame (see [`Engine::show`]),
    /// marked as updating while it is an older result's.
    sheet: RwSignal<Option<(u64, CalcSheet)>>,
    /// The edit whose result is shown, and the latest edit (the UPS
    /// editor's timing: keystroke to charts in the DOM).
    shown_seq: RwSignal<u64>,
    edit_seq: RwSignal<u64>,
    not_ready: RwSignal<Option<String>>,
    dirty: RwSignal<bool>,
    project: crate::state::ProjectCtx,
}

impl Engine {
    /// After an edit: note the time and compute at once. A computation
    /// still running (its first part not shown yet) is not waited for: in
    /// the backend the new computation stops it (a later edit's ticket
    /// stops its editor's earlier ones, whichever request arrives first), so
    /// the first key of "70" typed quickly costs the second a millisecond
    /// or two of its time, no pause after each keystroke is needed, and no
    /// round trip to stop it comes first. An edit that leaves the form not
    /// ready starts nothing: the running computation is then stopped by its
    /// ticket, as its result is no longer what the form says.
    fn edited(self) {
        let t = now_ms();
        if let Some(seq) = self.runner.try_update_value(|r| r.edited(t)) {
            self.edit_seq.set(seq);
        }
        let running = self.runner.try_with_value(Runner::running).flatten();
        // The form's state (ready, unsaved, the draft) is brought up to date there.
        if self.kick() {
            return;
        }
        if let Some(seq) = running {
            let ticket = self.ticket_base + seq;
            spawn_local(async move {
                // Only time is lost when the stop fails: its result is shown until the form is ready.
                if let Err(e) = ipc::sizing_smooth_cancel(ticket).await {
                    web_sys::console::warn_1(&format!("the superseded computation was not stopped: {}", e.message).into());
                }
            });
        }
    }

    fn token(self) -> Option<String> {
        self.trace.try_get_untracked().flatten().map(|t| t.token)
    }

    fn refresh_state(self) -> Option<SmoothCase> {
        let base = self.base.try_get_value()?;
        match self.form.build(&base) {
            Ok(c) => {
                let other_trace = self.stored_token.try_get_value().is_some_and(|t| t != self.token());
                let dirty = other_trace || self.stored.try_with_value(|s| *s != c).unwrap_or(false);
                self.dirty.set(dirty);
                if let Some(k) = self.draft_key.try_get_value() {
                    if dirty {
                        drafts::put(
                            &k,
                            SizingCase::Smooth(c.clone()),
                            Some(drafts::Input::Trace(self.trace.try_get_untracked().flatten())),
                        );
                    } else {
                        drafts::remove(&k);
                    }
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

    /// Starts the computation of the form as it is; whether it did (the
    /// form was ready).
    fn kick(self) -> bool {
        let Some(case) = self.refresh_state() else { return false };
        let Some((seq, input_ms)) = self.runner.try_update_value(Runner::start_over) else {
            return false;
        };
        let token = self.token();
        // The editor goes on once, by whichever comes first: the first part
        // (the next edit's computation stops this one's trade-off runs) or
        // the end of the call.
        let released = std::rc::Rc::new(std::cell::Cell::new(false));
        let release = {
            let released = released.clone();
            move || {
                if !released.replace(true) {
                    self.runner.try_update_value(|r| r.finish_of(seq));
                }
            }
        };
        let sent = now_ms();
        let on_first = {
            let release = release.clone();
            move |c: SmoothComputed| {
                self.show(c, seq, Timing { seq, input: input_ms, sent, answered: now_ms(), rendered: 0.0, backend: 0.0, complete: false });
                release();
            }
        };
        spawn_local(async move {
            match ipc::sizing_smooth_compute(&case, token.as_deref(), self.ticket_base + seq, on_first).await {
                Ok(Some(c)) => self.show(
                    c,
                    seq,
                    Timing { seq, input: input_ms, sent, answered: now_ms(), rendered: 0.0, backend: 0.0, complete: true },
                ),
                // Superseded: the newer edit's result follows.
                Ok(None) => {}
                Err(e) => self.project.report(e),
            }
            release();
        });
        true
    }

    /// Shows edit `seq`'s result (its first part, or the whole) unless a
    /// later edit's, or this edit's whole, is already shown: the channel's
    /// first part may arrive after the reply (it is fetched in a second
    /// round trip, which a busy webview can delay past a quick trade-off
    /// curve). The whole then stands for both, and is timed as both.
    fn show(self, c: SmoothComputed, seq: u64, mut t: Timing) {
        let shown = self.shown_seq.get_untracked();
        // Whether what is shown is whole (its trade-off curve in), not only
        // its first part; `None`: nothing shown yet.
        let shown_whole = self.computed.try_with_untracked(|c| c.as_ref().map(|c| !c.result.sweep_pending)).flatten();
        let newer = match shown_whole {
            None => true,
            Some(whole) => seq > shown || (seq == shown && t.complete && !whole),
        };
        if !newer {
            return;
        }
        t.backend = c.compute_ms;
        let sheet = c.result.sheet.clone();
        let count = self.shown_count.get_untracked() + 1;
        // The sequence first: the charts read it when they render.
        self.shown_seq.set(seq);
        self.computed.set(Some(c));
        self.shown_count.set(count);
        // The sheet (some 50 KB of table) follows once the frame with the
        // charts is painted, so that the charts do not wait for it; until
        // then the older sheet is marked as updating. A newer result shown
        // meanwhile brings its own.
        let (shown_count, shown_sheet) = (self.shown_count, self.sheet);
        request_animation_frame(move || {
            set_timeout(
                move || {
                    if shown_count.try_get_untracked() == Some(count) {
                        shown_sheet.set(Some((count, sheet)));
                    }
                },
                std::time::Duration::ZERO,
            );
        });
        t.rendered = now_ms();
        when_chart_shown(t, 30);
        if t.complete && shown < seq {
            // No first part of this edit was shown: its charts came with the whole.
            when_chart_shown(Timing { complete: false, ..t }, 30);
        }
    }
}

/// The power-smoothing case editor.
#[component]
pub fn SmoothEditor(
    key: String,
    draft_key: String,
    stored_case: SmoothCase,
    stored_trace: Option<TraceInfo>,
    catalog: RwSignal<Option<backstop_model::sizing_view::CatalogView>>,
    read_only: bool,
) -> impl IntoView {
    let project = use_project();
    let form = Form::new();
    let draft = drafts::get(&draft_key).and_then(|(c, input)| match c {
        SizingCase::Smooth(c) => Some((c, input)),
        SizingCase::Ups(_) | SizingCase::Peak(_) => None,
    });
    let shown = draft.as_ref().map_or_else(|| stored_case.clone(), |d| d.0.clone());
    form.fill(&shown);
    let stored_token = stored_trace.as_ref().map(|t| t.token.clone());
    // An unsaved choice of trace (or of the synthetic profile) comes back with its draft.
    let trace = match &draft {
        Some((_, Some(drafts::Input::Trace(t)))) => t.clone(),
        _ => stored_trace,
    };
    let engine = Engine {
        draft_key: StoredValue::new(draft_key.clone()),
        form,
        base: StoredValue::new(shown),
        stored: StoredValue::new(stored_case),
        stored_token: StoredValue::new(stored_token),
        trace: RwSignal::new(trace),
        runner: StoredValue::new(Runner::default()),
        // Below 2^52: exact as a JavaScript number, with 2^20 edits' room.
        ticket_base: ((js_sys::Math::random() * f64::from(u32::MAX)) as u64) << backstop_model::sizing_smooth::TICKET_EDIT_BITS,
        computed: RwSignal::new(None),
        shown_count: RwSignal::new(0),
        sheet: RwSignal::new(None),
        shown_seq: RwSignal::new(0),
        edit_seq: RwSignal::new(0),
        not_ready: RwSignal::new(None),
        dirty: RwSignal::new(draft.is_some()),
        project,
    };
    engine.kick();

    let import_result = RwSignal::new(None::<TraceImport>);
    super::reload_on_change(project, key.clone(), move |stored| {
        let SizingCase::Smooth(c) = stored.case else { return };
        // The same samples come back under a new token: compare them by what they are.
        let same_trace = engine.trace.try_with_untracked(|t| {
            t.as_ref().map(|t| (&t.file_name, &t.summary)) == stored.trace.as_ref().map(|t| (&t.file_name, &t.summary))
        });
        if engine.stored.try_with_value(|s| *s == c) == Some(true) && same_trace == Some(true) {
            return;
        }
        engine.stored.try_set_value(c.clone());
        engine.stored_token.try_set_value(stored.trace.as_ref().map(|t| t.token.clone()));
        if engine.dirty.try_get_untracked() == Some(false) {
            engine.base.try_set_value(c.clone());
            engine.form.fill(&c);
            engine.trace.set(stored.trace);
        }
        engine.edited();
    });

    let import = move || {
        spawn_local(async move {
            match ipc::sizing_trace_import().await {
                Ok(r) => {
                    if let Some(info) = &r.trace {
                        engine.trace.set(Some(info.clone()));
                        project.notify(format!(
                            "Trace imported: {} samples at {} s; it is sized instead of the synthetic profile.",
                            info.summary.samples,
                            fmt(info.summary.dt_s)
                        ));
                        engine.edited();
                    }
                    import_result.set(Some(r));
                }
                Err(e) => project.report(e),
            }
        });
    };
    let use_synthetic = move || {
        engine.trace.set(None);
        import_result.set(None);
        engine.edited();
    };

    let on_edit = Callback::new(move |_: ()| engine.edited());
    let diags = Signal::derive(move || engine.computed.with(|c| c.as_ref().map(|c| c.result.diagnostics.clone()).unwrap_or_default()));
    let ro = Signal::derive(move || read_only);

    let save = {
        let key = key.clone();
        let draft_key = draft_key.clone();
        move |_| {
            let Some(base) = engine.base.try_get_value() else { return };
            let case = form.build(&base);
            let stored = case.clone().ok();
            let token = engine.token();
            let saved_token = token.clone();
            super::save_case(project, key.clone(), draft_key.clone(), case.map(SizingCase::Smooth), token, move || {
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
        super::export_sheet(project, form.build(&base).map(SizingCase::Smooth), engine.token());
    };

    let select = move |label: &'static str, id: &'static str, sig: RwSignal<String>, battery: bool| {
        catalog_select(label, id, sig, battery, "none (size in MW / MWh only)", catalog, ro, on_edit)
    };

    let preset_boxes = move || {
        engine.computed.with(|c| {
            c.as_ref().map(|c| {
                c.presets
                    .iter()
                    .map(|p| {
                        let key = p.key.clone();
                        let key2 = key.clone();
                        view! {
                            <label class="check" title=p.source.clone()>
                                <input type="checkbox" data-testid=format!("preset-{key}") disabled=move || ro.get()
                                    prop:checked=move || form.presets.with(|ps| ps.contains(&key2))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        form.presets.update(|ps| {
                                            ps.retain(|k| *k != key);
                                            if on { ps.push(key.clone()); }
                                        });
                                        on_edit.run(());
                                    }/>
                                {p.name.clone()}
                            </label>
                        }
                    })
                    .collect_view()
            })
        })
    };

    view! {
        <div class="smooth-editor" data-testid="smooth-editor">
            <CaseHeader case_key=key.clone() name=form.name kind_label="Power smoothing" dirty=engine.dirty read_only=read_only
                not_ready=engine.not_ready on_save=Callback::new(save) on_export=Callback::new(export)
                backend_ms=Signal::derive(move || engine.computed.with(|c| c.as_ref().map(|c| c.compute_ms)))/>
            <div class="sizing-cols">
                <div class="sizing-inputs">
                    <div class="card">
                        <h2>"Measured trace"</h2>
                        <div class="toolbar">
                            <button class="btn primary" data-testid="trace-import" disabled=move || ro.get() on:click=move |_| import()>"Import trace CSV…"</button>
                            <Show when=move || engine.trace.with(Option::is_some)>
                                <button class="btn" data-testid="trace-drop" disabled=move || ro.get() on:click=move |_| use_synthetic()>"Use the synthetic profile"</button>
                            </Show>
                        </div>
                        <p class="muted small">"Time and power columns: elapsed time (its header names s, ms or µs) or timestamps, the power header names its unit (W, kW, MW); 1 ms to 1 s apart, up to a year at 1 s. Errors are listed with their line numbers. Saved with the case; without one the synthetic profile below is sized."</p>
                        {move || engine.trace.get().map(|t| {
                            let s = t.summary;
                            view! {
                                <table class="kv" data-testid="trace-summary">
                                    <tr><th>"File"</th><td class="mono">{t.file_name.clone()}</td></tr>
                                    <tr><th>"Samples"</th><td data-testid="trace-samples">{format!("{} at {} s ({} s from {})", s.samples, fmt(s.dt_s), fmt(s.duration_s), t.start)}</td></tr>
                                    <tr><th>"Unit in the file"</th><td>{t.unit.clone()}</td></tr>
                                    <tr><th>"Peak / lowest / mean"</th><td>{format!("{} / {} / {} MW", fmt(s.peak_mw), fmt(s.min_mw), fmt(s.mean_mw))}</td></tr>
                                    <tr><th>"Energy"</th><td>{format!("{} MWh", fmt(s.energy_mwh))}</td></tr>
                                </table>
                                <ImportWarnings warnings=t.warnings.clone()/>
                            }
                        })}
                        {move || import_result.get().filter(|r| !r.errors.is_empty()).map(|r| view! {
                            <ImportErrors file_name=r.file_name errors=r.errors testid="trace-errors"/>
                        })}
                    </div>
                    <div class="card">
                        <h2>{move || if engine.trace.with(Option::is_some) { "Training load (synthetic — not used while a measured trace is loaded)" } else { "Training load (synthetic)" }}</h2>
                        <p class="muted small">"Synchronous training swings between compute and communication once per iteration, and steps at job start, checkpoints and failures. Deterministic for a seed."</p>
                        <div class="grid-fields">
                            <NumField label="Training job power" unit="MW" testid="in-sm-job" text=form.job path="synthetic.job_mw" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Site base load" unit="MW" testid="in-sm-base" text=form.base path="synthetic.base_mw" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Iteration period" unit="s" testid="in-sm-iteration" text=form.iteration path="synthetic.iteration_s" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Compute share of an iteration" unit="%" testid="in-sm-duty" text=form.duty path="synthetic.compute_duty" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Communication-phase power" unit="%" testid="in-sm-low" text=form.low path="synthetic.low_level" diags=diags on_edit=on_edit disabled=ro hint="of the job's power"/>
                            <NumField label="Iteration jitter" unit="%" testid="in-sm-jitter" text=form.jitter path="synthetic.jitter" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Checkpoint every" unit="s" testid="in-sm-ckpt" text=form.checkpoint_every path="synthetic.checkpoint_interval_s" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Checkpoint length" unit="s" testid="in-sm-ckpt-len" text=form.checkpoint_len path="synthetic.checkpoint_s" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Job failures per day" unit="" testid="in-sm-failures" text=form.failures path="synthetic.failures_per_day" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="GPU power floor" unit="%" testid="in-sm-floor" text=form.floor path="synthetic.power_floor" diags=diags on_edit=on_edit disabled=ro hint="of TDP; 0: none"/>
                            <NumField label="Rack storage per GPU" unit="J" testid="in-sm-rack-j" text=form.rack_j path="synthetic.rack_storage_j_per_gpu" diags=diags on_edit=on_edit disabled=ro hint="0: none"/>
                            <NumField label="Job start" unit="s" testid="in-sm-job-start" text=form.job_start path="synthetic.job_start_s" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Job start ramp" unit="s" testid="in-sm-start-ramp" text=form.start_ramp path="synthetic.start_ramp_s" diags=diags on_edit=on_edit disabled=ro hint="0: a step"/>
                            <NumField label="Profile length" unit="s" testid="in-sm-duration" text=form.duration path="synthetic.duration_s" diags=diags on_edit=on_edit disabled=ro hint="86400: one day"/>
                            <NumField label="Time step" unit="s" testid="in-sm-dt" text=form.dt path="synthetic.dt_s" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Seed" unit="" testid="in-sm-seed" text=form.seed path="synthetic.seed" diags=diags on_edit=on_edit disabled=ro/>
                        </div>
                    </div>
                    <div class="card">
                        <h2>"Grid requirements"</h2>
                        <p class="muted small">"Published or proposed limits, each with its document (hover for the source). The case keeps its own copy."</p>
                        <div class="preset-list" data-testid="smooth-presets">{preset_boxes}</div>
                    </div>
                    <div class="card">
                        <h2>"Control"</h2>
                        <label class="field"><span>"Grid target"</span>
                            <select data-testid="in-sm-controller" disabled=move || ro.get()
                                on:change=move |ev| { form.controller.set(event_target_value(&ev)); on_edit.run(()); }>
                                <option value="ramp-limiter" selected=move || form.controller.get() == "ramp-limiter">"Ramp limiter"</option>
                                <option value="first-order" selected=move || form.controller.get() == "first-order">"First-order filter"</option>
                                <option value="moving-average" selected=move || form.controller.get() == "moving-average">"Moving average"</option>
                            </select>
                        </label>
                        <div class="grid-fields">
                            {move || match form.controller.get().as_str() {
                                "first-order" => view! { <NumField label="Filter time constant" unit="s" testid="in-sm-tau" text=form.tau path="controller.tau_s" diags=diags on_edit=on_edit disabled=ro/> }.into_any(),
                                "moving-average" => view! { <NumField label="Averaging window" unit="s" testid="in-sm-window" text=form.window path="controller.window_s" diags=diags on_edit=on_edit disabled=ro/> }.into_any(),
                                _ => view! { <NumField label="Grid ramp limit" unit="MW/min" testid="in-sm-ramp" text=form.ramp path="controller.ramp_mw_per_min" diags=diags on_edit=on_edit optional=true disabled=ro hint="empty: 95 % of the tightest ramp requirement"/> }.into_any(),
                            }}
                        </div>
                    </div>
                    <div class="card">
                        <h2>"Battery"</h2>
                        {select("Battery (catalog; counts units, checks the C-rate)", "in-sm-battery", form.battery_key, true)}
                        {select("PCS (catalog; counts units)", "in-sm-pcs", form.pcs_key, false)}
                        <div class="grid-fields">
                            <NumField label="Power installed" unit="MW" testid="in-sm-bat-mw" text=form.battery_mw path="battery.power_mw" diags=diags on_edit=on_edit optional=true disabled=ro hint="empty: sized"/>
                            <NumField label="Energy installed" unit="MWh" testid="in-sm-bat-mwh" text=form.battery_mwh path="battery.energy_mwh" diags=diags on_edit=on_edit optional=true disabled=ro hint="empty: sized"/>
                            <NumField label="Round-trip efficiency" unit="%" testid="in-sm-rte" text=form.rte path="battery.rte" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Lowest SOC used" unit="%" testid="in-sm-soc-min" text=form.soc_min path="battery.soc_min" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Highest SOC used" unit="%" testid="in-sm-soc-max" text=form.soc_max path="battery.soc_max" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="State of health at end of life" unit="%" testid="in-sm-eol" text=form.eol_soh path="battery.eol_soh" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Response time constant" unit="s" testid="in-sm-response" text=form.response path="battery.response_s" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="SOC restore time" unit="s" testid="in-sm-restore" text=form.restore path="battery.restore_s" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Project life" unit="years" testid="in-sm-years" text=form.years path="project_years" diags=diags on_edit=on_edit disabled=ro/>
                        </div>
                    </div>
                    <div class="card">
                        <h2>"Chart window"</h2>
                        <p class="muted small">"Load and grid are drawn over this part of the profile (the whole profile is checked)."</p>
                        <div class="grid-fields">
                            <NumField label="From" unit="s" testid="in-sm-window-start" text=form.window_start path="chart_window.start_s" diags=diags on_edit=on_edit disabled=ro/>
                            <NumField label="Length" unit="s" testid="in-sm-window-len" text=form.window_len path="chart_window.length_s" diags=diags on_edit=on_edit disabled=ro/>
                        </div>
                    </div>
                    <div class="card">
                        <h2>"Supercapacitor bank"</h2>
                        <label class="check"><input type="checkbox" data-testid="in-sm-sc-on" disabled=move || ro.get() prop:checked=move || form.sc_on.get()
                            on:change=move |ev| { form.sc_on.set(event_target_checked(&ev)); on_edit.run(()); }/>"Split the fast part to a supercapacitor bank (high-pass split, slow SOC restore)"</label>
                        <Show when=move || form.sc_on.get()>
                            <div class="grid-fields">
                                <NumField label="Cells installed" unit="" testid="in-sm-sc-cells" text=form.sc_cells path="supercap.cells" diags=diags on_edit=on_edit optional=true disabled=ro hint="empty: sized"/>
                                <NumField label="Lowest voltage used" unit="%" testid="in-sm-sc-vmin" text=form.sc_vmin path="supercap.v_min_frac" diags=diags on_edit=on_edit disabled=ro hint="of rated"/>
                                <NumField label="Split cut-off" unit="Hz" testid="in-sm-cutoff" text=form.cutoff path="split.cutoff_hz" diags=diags on_edit=on_edit disabled=ro/>
                            </div>
                        </Show>
                    </div>
                </div>
                <div class="sizing-results" data-testid="smooth-results" data-seq=move || engine.shown_seq.get().to_string() data-edit-seq=move || engine.edit_seq.get().to_string()>
                    {move || engine.computed.get().map(|c| view! { <SmoothSummary computed=c/> })}
                </div>
            </div>
            {move || engine.computed.get().map(|c| {
                let seq = engine.shown_seq.get_untracked();
                view! {
                    <div class="card"><h2>"Charts"</h2>
                        <Charts charts=c.charts.clone() seq=seq complete=!c.result.sweep_pending/>
                    </div>
                }
            })}
            <Show when=move || engine.sheet.with(Option::is_some)>
                {move || {
                    let updating = move || engine.sheet.with(|s| s.as_ref().map(|s| s.0)) != Some(engine.shown_count.get());
                    view! {
                        <details class="card" class:updating=updating open=true data-testid="smooth-sheet" data-updating=move || updating().to_string()>
                            <summary>
                                <h2 class="inline">"Calculation sheet"</h2>
                                <span class="muted">" — every input, factor, formula, intermediate value and source"</span>
                                <Show when=updating><span class="pill" data-testid="sheet-updating">"updating…"</span></Show>
                            </summary>
                            {move || engine.sheet.get().map(|(_, sheet)| view! { <Sheet sheet=sheet/> })}
                        </details>
                    }
                }}
            </Show>
        </div>
    }
}

fn status_pill(s: CheckStatus) -> impl IntoView {
    let class = match s {
        CheckStatus::Pass => "pill ok",
        CheckStatus::Fail => "pill bad",
        _ => "pill",
    };
    view! { <span class=class>{s.label()}</span> }
}

#[component]
fn SmoothSummary(computed: SmoothComputed) -> impl IntoView {
    let r = computed.result;
    let diags: Vec<SizingDiagnostic> = r.diagnostics.clone();
    let feasible = r.feasible();
    let failed = r.checks.iter().filter(|c| c.status == CheckStatus::Fail).count();
    let met = r.checks.iter().filter(|c| c.status == CheckStatus::Pass).count();
    let verdict = if feasible {
        format!("All {met} requirement(s) met by the grid profile with the storage below.")
    } else if failed > 0 {
        format!("{failed} requirement(s) not met — see the margins below.")
    } else {
        "No sizing — see the diagnostics.".to_string()
    };
    let t = &r.trace;
    view! {
        <div class="card" data-testid="smooth-summary">
            <h2>"Result"</h2>
            <p class="verdict" class:bad=!feasible data-testid="smooth-verdict">{verdict}</p>
            <table class="kv">
                <tr><th>"Load"</th><td>{format!("{} samples at {} s ({} s); peak {} MW, mean {} MW", t.samples, show(t.dt_s), fmt(t.duration_s), fmt(t.peak_mw), fmt(t.mean_mw))}</td></tr>
                <tr><th>"Grid ramp limit used"</th><td data-testid="smooth-ramp">{r.ramp_mw_per_min.map_or("– (filter)".into(), |v| format!("{} MW/min", fmt(v)))}</td></tr>
            </table>
            <h3>"Requirements"</h3>
            <table class="data" data-testid="smooth-checks">
                <thead><tr><th>"Requirement"</th><th class="num">"Limit"</th><th class="num">"Load alone"</th><th class="num">"Grid"</th><th class="num">"Margin"</th></tr></thead>
                <tbody>
                    {r.checks.iter().map(|c| view! {
                        <tr data-testid="smooth-check" data-id=c.id.clone() data-status=c.status.label() title=c.source.clone()>
                            <td>{status_pill(c.status)}" "{c.label.clone()}</td>
                            <td class="num">{format!("{} {}", fmt(c.limit), c.unit)}</td>
                            <td class="num">{fmt(c.load_value)}</td>
                            <td class="num">{fmt(c.grid_value)}</td>
                            <td class={if c.margin < 0.0 { "num bad" } else { "num" }}>{fmt(c.margin)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {r.battery.as_ref().map(|b| view! {
                <h3>"Battery"</h3>
                <table class="kv" data-testid="smooth-battery">
                    <tr><th>"Discharge / charge power"</th><td>{format!("{} MW / {} MW", fmt(b.discharge_mw), fmt(b.charge_mw))}</td></tr>
                    <tr><th>"Usable energy"</th><td data-testid="smooth-usable">{format!("{} MWh", fmt(b.usable_mwh))}</td></tr>
                    <tr><th>"Nameplate (SOC window, end of life, C-rate)"</th><td>{format!("{} MWh", fmt(b.nameplate_mwh))}</td></tr>
                    <tr><th>"Installed"</th><td>{format!("{} MWh, {} MW{}{}", fmt(b.installed_mwh), fmt(b.installed_mw),
                        b.units.map_or(String::new(), |n| format!(" — {n} battery unit(s)")),
                        b.pcs_units.map_or(String::new(), |n| format!(", {n} PCS unit(s)")))}</td></tr>
                </table>
            })}
            {r.supercap.as_ref().map(|s| view! {
                <h3>"Supercapacitor bank"</h3>
                <table class="kv" data-testid="smooth-supercap">
                    <tr><th>"Power / usable energy"</th><td>{format!("{} MW / {} kWh", fmt(s.discharge_mw.max(s.charge_mw)), fmt(s.usable_kwh))}</td></tr>
                    <tr><th>"Cells"</th><td>{format!("{} ({} for the power, {} for the energy) — {}", s.cells, s.cells_for_power, s.cells_for_energy,
                        s.limit.label())}</td></tr>
                    <tr><th>"Cycles"</th><td>{format!("{} per day", fmt(s.cycles_per_day))}</td></tr>
                </table>
            })}
            {r.life.as_ref().map(|l| view! {
                <h3>"Battery life, two views"</h3>
                <table class="kv" data-testid="smooth-life">
                    <tr><th>"Cycles per day / full cycles per year"</th><td>{format!("{} / {}", fmt(l.cycles_per_day), fmt(l.efc_per_year))}</td></tr>
                    <tr><th>"Throughput (equivalent full cycles)"</th><td>{format!("{} years", fmt(l.life_throughput_years))}</td></tr>
                    <tr><th>"Depth-of-discharge weighted (rainflow)"</th><td>{format!("{} years", fmt(l.life_dod_years))}</td></tr>
                    <tr><th>"Governs"</th><td>{match l.governing { LifeBasis::Throughput => "throughput", LifeBasis::DodWeighted => "DoD-weighted cycles", LifeBasis::Shorter => "the shorter" }}</td></tr>
                </table>
            })}
            <table class="kv">
                <tr><th>"Losses"</th><td>{format!("{} MWh/day ({} % of the load)", fmt(r.losses.battery_mwh_per_day + r.losses.supercap_mwh_per_day + r.losses.floor_mwh_per_day), fmt(r.losses.percent_of_load))}</td></tr>
            </table>
            <h3>"Diagnostics"</h3>
            <Diagnostics diags=diags/>
        </div>
    }
}
