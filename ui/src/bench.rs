//! The UI's own measurements, read by the end-to-end latency tests and the
//! benchmarks (BENCHMARKS.md): keystroke-to-chart timings of the Sizing
//! editors (`window.__backstopSizingTimings`) and the Layout plan's drag
//! timings (the plan's `data-drag-stats`).
//!
//! They are compiled in only with the `bench` feature, which is on by
//! default (the tests measure the build they drive) and off in the
//! installable package (`scripts/package` builds the UI with
//! `--no-default-features`): without it the recording calls do nothing and
//! the package's UI carries no measuring code.

#[cfg(feature = "bench")]
use leptos::prelude::request_animation_frame;
#[cfg(feature = "bench")]
use wasm_bindgen::{JsCast, JsValue};

/// `performance.now()`, ms (0 where there is no window).
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// When one edit's result went through the pipeline (performance.now(), ms).
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "bench"), allow(dead_code))]
pub struct Timing {
    pub seq: u64,
    /// The input event.
    pub input: f64,
    /// The request left for the backend (after the debounce).
    pub sent: f64,
    /// The reply arrived and was decoded.
    pub answered: f64,
    /// In the DOM (set after rendering).
    pub rendered: f64,
    /// The engine's own time in the backend.
    pub backend: f64,
    /// The whole result (a smoothing case shows its first part before its
    /// trade-off curve: that is timed with `complete` false).
    pub complete: bool,
}

/// Appends one measurement to `window.__backstopSizingTimings`.
#[cfg(feature = "bench")]
fn record_timing(t: Timing, shown_ms: f64, painted_ms: f64) {
    let Some(w) = web_sys::window() else { return };
    let key = JsValue::from_str("__backstopSizingTimings");
    let arr = match js_sys::Reflect::get(&w, &key) {
        // `dyn_into`, not `Array::from` (which would push onto a copy).
        Ok(v) if js_sys::Array::is_array(&v) => match v.dyn_into::<js_sys::Array>() {
            Ok(a) => a,
            Err(_) => return,
        },
        _ => {
            let a = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&w, &key, &a);
            a
        }
    };
    let o = js_sys::Object::new();
    for (k, v) in [
        ("seq", t.seq as f64),
        ("input", t.input),
        ("shown", shown_ms),
        ("latency", shown_ms - t.input),
        ("painted", painted_ms - t.input),
        ("debounce", t.sent - t.input),
        ("ipc", t.answered - t.sent),
        ("render", t.rendered - t.answered),
        ("frame", shown_ms - t.rendered),
        ("backend", t.backend),
        ("complete", if t.complete { 1.0 } else { 0.0 }),
    ] {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_f64(v));
    }
    arr.push(&o);
}

/// Records the latency of edit `t.seq` at the first animation frame in
/// which the charts drawn for it (or for a later edit) are in the DOM, and
/// at the frame after (that frame painted); gives up after `frames` frames
/// (the result had no charts, or the editor closed).
pub fn when_chart_shown(t: Timing, frames: u32) {
    #[cfg(not(feature = "bench"))]
    let _ = (t, frames);
    #[cfg(feature = "bench")]
    {
        request_animation_frame(move || {
            let shown_seq = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| {
                    let charts = if t.complete {
                        "[data-testid=charts][data-complete=true] figure.chart"
                    } else {
                        "[data-testid=charts] figure.chart"
                    };
                    d.query_selector(charts).ok().flatten()
                })
                .and_then(|e| e.get_attribute("data-seq"))
                .and_then(|s| s.parse::<u64>().ok());
            if shown_seq.is_some_and(|s| s >= t.seq) {
                // The next frame starts once this one (with the charts) is painted.
                let shown = now_ms();
                request_animation_frame(move || record_timing(t, shown, now_ms()));
            } else if frames > 0 {
                when_chart_shown(t, frames - 1);
            }
        });
    }
}

/// One drag's timings on the Layout plan: how long each pointer-move
/// handler took, the animation frames while it lasted and each move's
/// input-to-frame latency. Without the `bench` feature it records nothing.
#[derive(Debug, Default)]
pub struct DragMeter {
    #[cfg(feature = "bench")]
    handler_ms: Vec<f64>,
    #[cfg(feature = "bench")]
    frames: Vec<f64>,
    /// Event timestamps of moves not yet painted.
    #[cfg(feature = "bench")]
    pending: Vec<f64>,
    #[cfg(feature = "bench")]
    latency_ms: Vec<f64>,
    /// First and last pointer-move time, ms.
    #[cfg(feature = "bench")]
    span: Option<(f64, f64)>,
}

impl DragMeter {
    /// Whether the drag should call [`DragMeter::frame`] on every
    /// animation frame (only when something is recorded).
    pub const COUNTS_FRAMES: bool = cfg!(feature = "bench");

    /// A pointer move whose handler started at `t0`, from an event stamped `event_ms`.
    pub fn moved(&mut self, t0: f64, event_ms: f64) {
        #[cfg(feature = "bench")]
        {
            self.span = Some((self.span.map_or(t0, |s| s.0), t0));
            self.pending.push(event_ms);
        }
        #[cfg(not(feature = "bench"))]
        let _ = (t0, event_ms);
    }

    /// The move handler that started at `t0` is done.
    pub fn handled(&mut self, t0: f64) {
        #[cfg(feature = "bench")]
        self.handler_ms.push(now_ms() - t0);
        #[cfg(not(feature = "bench"))]
        let _ = t0;
    }

    /// An animation frame at `t`: the moves waiting for it are painted.
    pub fn frame(&mut self, t: f64) {
        #[cfg(feature = "bench")]
        {
            self.frames.push(t);
            for e in self.pending.drain(..) {
                self.latency_ms.push((t - e).max(0.0));
            }
        }
        #[cfg(not(feature = "bench"))]
        let _ = t;
    }

    /// The drag's summary as JSON text (the plan's `data-drag-stats`):
    /// `objects` on the plan, `dragged` items; empty without the feature.
    pub fn summary(&self, objects: usize, dragged: usize) -> String {
        #[cfg(feature = "bench")]
        {
            let intervals: Vec<f64> = self.frames.windows(2).map(|w| w[1] - w[0]).collect();
            serde_json::json!({
                "objects": objects,
                "dragged": dragged,
                "handler_ms": summary(self.handler_ms.clone()),
                "frame_interval_ms": summary(intervals),
                "input_to_frame_ms": summary(self.latency_ms.clone()),
                "moves_span_ms": self.span.map_or(0.0, |s| s.1 - s.0),
            })
            .to_string()
        }
        #[cfg(not(feature = "bench"))]
        {
            let _ = (objects, dragged);
            String::new()
        }
    }
}

#[cfg(feature = "bench")]
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[cfg(feature = "bench")]
fn summary(mut xs: Vec<f64>) -> serde_json::Value {
    xs.sort_by(f64::total_cmp);
    serde_json::json!({
        "n": xs.len(),
        "median": percentile(&xs, 0.5),
        "p95": percentile(&xs, 0.95),
        "max": xs.last().copied().unwrap_or(0.0),
    })
}
