//! Live link state in the UI: fed by the backend's event channel (samples,
//! health, link state, scan progress, write outcomes). Views read it; only
//! the channel handler writes it.

use std::collections::{BTreeMap, VecDeque};

use backstop_model::link::{DeviceHealth, LinkEvent, LinkState, LogStatus, PointReading, ScanProgress, TelemetrySample, WriteOutcome};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::notices::Notices;
use crate::ipc;

/// How many trend samples are kept per followed point (10 min at 1 Hz).
const TREND_LEN: usize = 600;

/// The pause after showing live samples before asking for more: at most
/// ten redraws a second, whatever the poll rate.
const FRAME_MS: i32 = 100;

/// The pause before asking again after a failed request for samples.
const RETRY_MS: i32 = 2_000;

/// Resolves after `ms` milliseconds (at once without a window).
async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scheduled = web_sys::window().and_then(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).ok());
        if scheduled.is_none() {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[derive(Clone, Copy)]
pub struct LinkCtx {
    pub status: RwSignal<Option<ipc::LinkStatus>>,
    pub link_state: RwSignal<Option<LinkState>>,
    pub scan: RwSignal<Option<ScanProgress>>,
    pub samples: RwSignal<BTreeMap<u8, TelemetrySample>>,
    pub health: RwSignal<BTreeMap<u8, (DeviceHealth, String)>>,
    pub writes: RwSignal<Vec<WriteOutcome>>,
    /// Whether live values reach the project's telemetry log (last change).
    pub log: RwSignal<Option<LogStatus>>,
    /// The point whose trend is drawn: (unit, model id, path).
    pub followed: RwSignal<Option<(u8, u16, String)>>,
    pub trend: RwSignal<VecDeque<(f64, f64)>>,
    notices: Notices,
}

impl LinkCtx {
    pub fn provide(notices: Notices) -> Self {
        let ctx = LinkCtx {
            status: RwSignal::new(None),
            link_state: RwSignal::new(None),
            scan: RwSignal::new(None),
            samples: RwSignal::new(BTreeMap::new()),
            health: RwSignal::new(BTreeMap::new()),
            writes: RwSignal::new(Vec::new()),
            log: RwSignal::new(None),
            followed: RwSignal::new(None),
            trend: RwSignal::new(VecDeque::new()),
            notices,
        };
        provide_context(ctx);
        spawn_local(async move {
            if let Err(e) = ipc::link_subscribe(move |ev| ctx.on_event(ev)).await {
                ctx.notices.report(e);
            }
        });
        // Live samples are asked for, not pushed: the next request goes out
        // only after the previous answer is shown, so a window that cannot
        // keep up with the link (a busy laptop) shows the latest values a
        // little later instead of queueing old ones without end, in front
        // of the replies to everything else it asked for.
        spawn_local(async move {
            let (mut after, mut epoch) = (0, None);
            let mut failing = false;
            loop {
                match ipc::link_samples(after).await {
                    Ok(batch) => {
                        failing = false;
                        after = batch.seq;
                        let new_link = epoch != Some(batch.epoch);
                        epoch = Some(batch.epoch);
                        if new_link || !batch.samples.is_empty() {
                            ctx.show_samples(new_link, batch.samples);
                        }
                    }
                    Err(e) => {
                        if !failing {
                            ctx.notices.report(e);
                        }
                        failing = true;
                        pause(RETRY_MS).await;
                    }
                }
                pause(FRAME_MS).await;
            }
        });
        ctx.refresh();
        ctx
    }

    /// Shows the latest samples (replacing all shown when they come from a
    /// newly opened link) and extends the followed point's trend.
    fn show_samples(&self, new_link: bool, samples: Vec<TelemetrySample>) {
        if let Some((unit, model, path)) = self.followed.get_untracked() {
            for s in samples.iter().filter(|s| s.unit == unit && !s.stale) {
                if let Some(v) = find_point(s, model, &path).and_then(|p| p.value.as_f64()) {
                    self.trend.update(|t| {
                        t.push_back((s.time_ms as f64 / 1000.0, v));
                        while t.len() > TREND_LEN {
                            t.pop_front();
                        }
                    });
                }
            }
        }
        self.samples.update(|m| {
            if new_link {
                m.clear();
            }
            for s in samples {
                m.insert(s.unit, s);
            }
        });
    }

    fn on_event(&self, ev: LinkEvent) {
        match ev {
            // The backend sends samples through `link_samples` only (see
            // `provide`); one on the channel would be shown the same way.
            LinkEvent::Sample(s) => self.show_samples(false, vec![s]),
            LinkEvent::Health { unit, health, message } => self.health.update(|m| {
                m.insert(unit, (health, message));
            }),
            LinkEvent::Link(state) => self.link_state.set(Some(state)),
            LinkEvent::Scan(p) => self.scan.set(Some(p)),
            LinkEvent::Write(w) => self.writes.update(|v| v.insert(0, w)),
            LinkEvent::Discovered(info) => self.status.update(|st| {
                if let Some(st) = st {
                    match st.devices.iter_mut().find(|d| d.unit == info.unit) {
                        Some(d) => *d = info,
                        None => st.devices.push(info),
                    }
                }
            }),
            LinkEvent::Log(status) => {
                // A gap in the log must not go unnoticed: a failure is an
                // error notice, the recovery an information notice.
                let was_failing = self.log.get_untracked().is_some_and(|s| !s.logging);
                if !status.logging {
                    self.notices.report(backstop_model::AppError::new(backstop_model::ErrorCode::Io, status.message.clone()));
                } else if was_failing {
                    self.notices.info(status.message.clone());
                }
                self.log.set(Some(status));
            }
        }
    }

    /// Reloads the link status (open link, discovered devices, arming).
    pub fn refresh(&self) {
        let ctx = *self;
        spawn_local(async move {
            match ipc::link_status().await {
                Ok(s) => ctx.status.set(Some(s)),
                Err(e) => ctx.notices.report(e),
            }
        });
    }

    pub fn report(&self, e: backstop_model::AppError) {
        if e.code != backstop_model::ErrorCode::Cancelled {
            self.notices.report(e);
        }
    }

    pub fn notify(&self, message: String) {
        self.notices.info(message);
    }

    /// Follows a point's trend (clears the previous one).
    pub fn follow(&self, unit: u8, model: u16, path: &str) {
        self.followed.set(Some((unit, model, path.to_string())));
        self.trend.set(VecDeque::new());
    }
}

pub fn use_link() -> LinkCtx {
    expect_context::<LinkCtx>()
}

/// A point of the first instance of `model` by path.
pub fn find_point<'a>(s: &'a TelemetrySample, model: u16, path: &str) -> Option<&'a PointReading> {
    s.models.iter().filter(|m| m.id == model).flat_map(|m| m.all_points()).find(|p| p.path == path)
}

/// "3.312 V", "CONNECTED", "not implemented".
pub fn show(p: Option<&PointReading>) -> String {
    match p {
        None => "—".into(),
        Some(p) => match (&p.value, &p.unit) {
            // SunSpec writes degrees Celsius as "C".
            (backstop_model::link::PointValue::Number { value }, Some(u)) if u == "C" => format!("{} °C", trim(*value)),
            (backstop_model::link::PointValue::Number { value }, Some(u)) => format!("{} {u}", trim(*value)),
            (backstop_model::link::PointValue::Number { value }, None) => trim(*value),
            (v, _) => v.display(),
        },
    }
}

/// Like [`show`], but a percentage of a rating (SunSpec's `%WHRtg`,
/// `%AHRtg`) is shown as plain `%`: on a pack card the rating is implied.
pub fn show_brief(p: Option<&PointReading>) -> String {
    match p {
        Some(PointReading { value: backstop_model::link::PointValue::Number { value }, unit: Some(u), .. }) if u.starts_with('%') => {
            format!("{} %", trim(*value))
        }
        _ => show(p),
    }
}

/// Numbers without float noise (3.3120000000000003 → 3.312).
pub fn trim(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}
