//! The controller and storage simulation, one sample at a time.
//!
//! Per sample k with load L (MW, average over the sample):
//!
//! 1. **Restore:** the battery (or, alone, the supercapacitor bank) is
//!    brought back to its rest energy by P_r = (E_rest − E) ÷ T_r plus the
//!    storage's losses of the last sample, added to the controller's input
//!    (the grid supplies it, smoothed by the controller).
//! 2. **Controller:** the grid target G* follows x = L + P_r —
//!    ramp limiter G* += clamp(x − G*, ±r·Δt); first-order filter
//!    G* += (x − G*)·(1 − e^(−Δt/τ_f)); moving average of x over the
//!    window. The load is held over each sample (its samples are interval
//!    averages), and so the grid's sample is the interval average of the
//!    continuous controller's output: x − (x − G*)·α·τ_f ÷ Δt for the
//!    filter, the mean of the ramp (which may reach x within the sample)
//!    for the ramp limiter — which makes the energy exact at any step.
//! 3. **Split:** the storage reference P* = L − G*. With both devices, the
//!    battery takes the low-pass part P_lp += (P* − P_lp)·(1 − e^(−2π f_c Δt))
//!    plus the supercapacitor's restore power, and the supercapacitor takes
//!    what the battery does not deliver, P* − P_battery (the high-pass part
//!    and the battery's lag) — the split of arXiv 2512.08076 (Ko, Zhu,
//!    Shim 2025). One device takes all of P*.
//! 4. **Devices:** each follows its reference through a first-order lag
//!    (its response time constant), is held to its power and energy limits
//!    when it has them, and loses energy: the battery √RTE each way, the
//!    supercapacitor I²·ESR = P²·(R·C) ÷ (2·E) (R·C is the same for the bank
//!    and for one cell, E the energy stored, so no voltage is needed).
//! 5. **Grid:** G = L − P_battery − P_supercap.
//!
//! Energies are in MJ (MW·s) inside the loop.

/// The grid controller, discretised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ctrl {
    /// Ramp limiter: the largest change per sample, MW.
    Ramp {
        /// r·Δt, MW.
        step: f64,
    },
    /// First-order filter.
    First {
        /// 1 − e^(−Δt/τ_f).
        alpha: f64,
        /// α·τ_f ÷ Δt: the share of the step the interval average lacks.
        beta: f64,
    },
    /// Moving average over `n` samples.
    Average {
        /// Samples in the window (≥ 1).
        n: usize,
    },
}

/// Power and energy limits of an installed device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Highest discharge power, MW.
    pub p_dis: f64,
    /// Highest charge power, MW.
    pub p_chg: f64,
    /// Lowest stored energy, MJ.
    pub e_min: f64,
    /// Highest stored energy, MJ.
    pub e_max: f64,
    /// Power limit per MJ stored, MW/MJ (0: none): a supercapacitor's
    /// usable power 0.12·V²/ESR falls with V², that is with the energy.
    pub p_per_e: f64,
}

/// A storage device in the simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Device {
    /// Lag factor per sample, 1 − e^(−Δt/τ) (1 for τ = 0).
    pub gamma: f64,
    /// One-way efficiency (√RTE for the battery, 1 for the supercapacitor).
    pub eta: f64,
    /// ESR × capacitance, s (0: no resistive loss).
    pub rc_s: f64,
    /// 1 ÷ restore time constant, 1/s (0: no restore).
    pub restore: f64,
    /// Energy the restore aims at, MJ.
    pub e_rest: f64,
    /// Factor of the loss feed-forward (1: the last sample's loss, 0: none):
    /// the restore also supplies the device's loss, so it holds the rest
    /// level without a standing offset of loss × T_r (the controller
    /// smooths it on its way to the grid).
    pub ff: f64,
    /// Limits of the installed device (none: ideal, for sizing).
    pub limits: Option<Limits>,
}

impl Device {
    /// The lag factor for time constant `tau_s` at step `dt`.
    pub fn lag(tau_s: f64, dt: f64) -> f64 {
        if tau_s > 0.0 { 1.0 - (-dt / tau_s).exp() } else { 1.0 }
    }
}

/// The plant: controller, devices and split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plant {
    /// Sample interval, s.
    pub dt: f64,
    /// Grid controller.
    pub ctrl: Ctrl,
    /// Battery.
    pub bat: Option<Device>,
    /// Supercapacitor bank.
    pub sc: Option<Device>,
    /// Low-pass factor of the split, 1 − e^(−2π f_c Δt).
    pub split: f64,
}

/// The state between samples.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Grid target, MW.
    pub g: f64,
    /// Low-pass part of the storage reference, MW.
    pub lp: f64,
    /// Battery power, MW (+ discharge).
    pub pb: f64,
    /// Battery energy, MJ.
    pub eb: f64,
    /// Supercapacitor power, MW.
    pub ps: f64,
    /// Supercapacitor energy, MJ.
    pub es: f64,
    /// Battery's loss fed forward, MW.
    pub ff_b: f64,
    /// Supercapacitor's loss fed forward, MW.
    pub ff_s: f64,
    ma: Vec<f64>,
    ma_pos: usize,
    ma_sum: f64,
    /// Battery losses, MJ.
    pub loss_b: f64,
    /// Supercapacitor losses, MJ.
    pub loss_s: f64,
    /// Samples where the battery was held to a limit.
    pub held_b: u64,
    /// Samples where the supercapacitor was held to a limit.
    pub held_s: u64,
}

impl State {
    /// At rest on load `l0`: the grid carries it, storage idle at rest energy.
    pub fn steady(plant: &Plant, l0: f64) -> Self {
        let n = match plant.ctrl {
            Ctrl::Average { n } => n.max(1),
            _ => 0,
        };
        State {
            g: l0,
            lp: 0.0,
            pb: 0.0,
            eb: plant.bat.map_or(0.0, |d| d.e_rest),
            ps: 0.0,
            es: plant.sc.map_or(0.0, |d| d.e_rest),
            ff_b: 0.0,
            ff_s: 0.0,
            ma: vec![l0; n],
            ma_pos: 0,
            ma_sum: l0 * n as f64,
            loss_b: 0.0,
            loss_s: 0.0,
            held_b: 0,
            held_s: 0,
        }
    }

    /// Clears the loss and limit counters (between a warm-up pass and the result).
    pub fn reset_counters(&mut self) {
        self.loss_b = 0.0;
        self.loss_s = 0.0;
        self.held_b = 0;
        self.held_s = 0;
    }
}

/// One simulated sample.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sample {
    /// Load, MW.
    pub l: f64,
    /// Grid power, MW.
    pub g: f64,
    /// Battery power, MW.
    pub pb: f64,
    /// Battery energy after the sample, MJ.
    pub eb: f64,
    /// Supercapacitor power, MW.
    pub ps: f64,
    /// Supercapacitor energy after the sample, MJ.
    pub es: f64,
}

/// Receives the samples of a run.
pub trait Sink {
    /// Sample `k`.
    fn push(&mut self, k: usize, s: &Sample);
}

/// A sink that keeps nothing (warm-up passes).
#[derive(Debug, Default)]
pub struct Discard;

impl Sink for Discard {
    #[inline(always)]
    fn push(&mut self, _: usize, _: &Sample) {}
}

/// Highest and lowest power and energy of each device, and of their sum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extremes {
    /// Battery power max / min, MW.
    pub pb: (f64, f64),
    /// Battery energy max / min, MJ.
    pub eb: (f64, f64),
    /// Supercapacitor power max / min, MW.
    pub ps: (f64, f64),
    /// Supercapacitor energy max / min, MJ.
    pub es: (f64, f64),
    /// Largest |P_battery + P_supercap|, MW.
    pub total: f64,
    /// Battery and supercapacitor energy at the first sample (before it), MJ.
    pub start: (f64, f64),
    /// ... and after the last sample, MJ.
    pub end: (f64, f64),
}

impl Extremes {
    /// Starting from the energies `eb0`, `es0` (storage idle).
    pub fn new(eb0: f64, es0: f64) -> Self {
        Extremes { pb: (0.0, 0.0), eb: (eb0, eb0), ps: (0.0, 0.0), es: (es0, es0), total: 0.0, start: (eb0, es0), end: (eb0, es0) }
    }
}

impl Sink for Extremes {
    #[inline(always)]
    fn push(&mut self, _: usize, s: &Sample) {
        self.pb = (self.pb.0.max(s.pb), self.pb.1.min(s.pb));
        self.eb = (self.eb.0.max(s.eb), self.eb.1.min(s.eb));
        self.ps = (self.ps.0.max(s.ps), self.ps.1.min(s.ps));
        self.es = (self.es.0.max(s.es), self.es.1.min(s.es));
        self.total = self.total.max((s.pb + s.ps).abs());
        self.end = (s.eb, s.es);
    }
}

/// Highest discharge power `p` may deliver from energy `e` in `dt` (or
/// lowest charge power it may take) within the limits.
#[inline(always)]
fn hold(d: &Device, k: &Consts, lim: &Limits, p: f64, e: f64, a: f64) -> f64 {
    let mut q = p.clamp(-lim.p_chg, lim.p_dis);
    if lim.p_per_e > 0.0 {
        let v2 = lim.p_per_e * e.max(0.0);
        q = q.clamp(-v2, v2);
    }
    if q > 0.0 {
        // q ÷ η + a·q² ≤ (e − e_min) ÷ dt
        let avail = ((e - lim.e_min) * k.inv_dt).max(0.0);
        let cap = if a > 0.0 { (-k.inv_eta + (k.inv_eta * k.inv_eta + 4.0 * a * avail).sqrt()) / (2.0 * a) } else { avail * d.eta };
        q.min(cap)
    } else if q < 0.0 {
        // |q|·η − a·q² ≤ (e_max − e) ÷ dt
        let room = ((lim.e_max - e) * k.inv_dt).max(0.0);
        let disc = d.eta * d.eta - 4.0 * a * room;
        let cap = if a > 0.0 { if disc > 0.0 { (d.eta - disc.sqrt()) / (2.0 * a) } else { f64::INFINITY } } else { room / d.eta };
        q.max(-cap)
    } else {
        q
    }
}

/// What a run needs of a device and the step, worked out once before its
/// samples (no division inside the loop but the ESR term's).
#[derive(Clone, Copy)]
struct Consts {
    dt: f64,
    inv_dt: f64,
    /// 1 ÷ η.
    inv_eta: f64,
    /// R·C ÷ 2: the ESR term is a = R·C ÷ (2·E).
    half_rc: f64,
}

impl Consts {
    fn of(d: &Device, dt: f64) -> Self {
        Consts { dt, inv_dt: 1.0 / dt, inv_eta: 1.0 / d.eta, half_rc: 0.5 * d.rc_s }
    }
}

/// Advances device `d` towards reference `r`: updates its power and
/// energy, returns its loss power (MW) over the sample.
#[inline(always)]
fn device_step(d: &Device, k: &Consts, p: &mut f64, e: &mut f64, r: f64, held: &mut u64) -> f64 {
    let mut q = *p + (r - *p) * d.gamma;
    // I²·ESR = a·P² with a = R·C ÷ (2·E).
    let a = if d.rc_s > 0.0 { k.half_rc / e.max(1e-9) } else { 0.0 };
    if let Some(lim) = &d.limits {
        let h = hold(d, k, lim, q, *e, a);
        if h != q {
            *held += 1;
            q = h;
        }
    }
    *p = q;
    let resist = a * q * q;
    let (de, loss) = if q >= 0.0 {
        (-(q * k.inv_eta) - resist, q * (k.inv_eta - 1.0) + resist)
    } else {
        (-q * d.eta - resist, -q * (1.0 - d.eta) + resist)
    };
    *e += de * k.dt;
    loss
}

/// Runs the plant over `load` from `st`, feeding every sample to `sink`.
///
/// The state is worked on in local variables and written back at the end
/// (held in registers, not in memory, between the samples).
pub fn run<S: Sink>(plant: &Plant, st: &mut State, load: &[f64], sink: &mut S) {
    run_from(plant, st, load, 0, sink);
}

/// Samples between two questions to `keep_going` in [`run_while`] (a
/// millisecond or two of simulation).
pub const CHECK_EVERY: usize = 65_536;

/// [`run`], asking `keep_going` before every [`CHECK_EVERY`] samples:
/// `false` when it said stop (the state is then part-way). The run is cut
/// only where it asks, so what the sink gets is what [`run`] gives it.
pub fn run_while<S: Sink>(plant: &Plant, st: &mut State, load: &[f64], sink: &mut S, keep_going: &dyn Fn() -> bool) -> bool {
    for (i, part) in load.chunks(CHECK_EVERY).enumerate() {
        if !keep_going() {
            return false;
        }
        run_from(plant, st, part, i * CHECK_EVERY, sink);
    }
    true
}

/// [`run`] over `load`, whose first sample is sample `k0` of the trace.
fn run_from<S: Sink>(plant: &Plant, st: &mut State, load: &[f64], k0: usize, sink: &mut S) {
    let dt = plant.dt;
    // Each device with what its samples need of it.
    let bat = plant.bat.as_ref().map(|d| (d, Consts::of(d, dt)));
    let sc = plant.sc.as_ref().map(|d| (d, Consts::of(d, dt)));
    // The ramp limiter's interval average: x − d·|d| ÷ (2·step).
    let half_per_step = match plant.ctrl {
        Ctrl::Ramp { step } if step > 0.0 => 0.5 / step,
        _ => 0.0,
    };
    let (mut g, mut lp, mut pb, mut eb, mut ps, mut es) = (st.g, st.lp, st.pb, st.eb, st.ps, st.es);
    let (mut ff_b, mut ff_s, mut loss_b, mut loss_s, mut held_b, mut held_s) =
        (st.ff_b, st.ff_s, st.loss_b, st.loss_s, st.held_b, st.held_s);
    let (mut ma_pos, mut ma_sum) = (st.ma_pos, st.ma_sum);
    let ma = &mut st.ma;
    for (k, &l) in load.iter().enumerate() {
        // 1. Restore.
        let pr = match (&plant.bat, &plant.sc) {
            (Some(b), _) => b.restore * (b.e_rest - eb) + ff_b + ff_s,
            (None, Some(s)) => s.restore * (s.e_rest - es) + ff_s,
            (None, None) => 0.0,
        };
        let x = l + pr;
        // 2. Controller (g_out: the interval average).
        let g_out = match plant.ctrl {
            Ctrl::Ramp { step } => {
                let d = x - g;
                let out = if d.abs() <= step {
                    // Reaches x within the sample after |d| ÷ r.
                    x - d * d.abs() * half_per_step
                } else {
                    g + 0.5 * step.copysign(d)
                };
                g += d.clamp(-step, step);
                out
            }
            Ctrl::First { alpha, beta } => {
                let d = x - g;
                g += d * alpha;
                x - d * beta
            }
            Ctrl::Average { n } => {
                let n = n.max(1);
                if ma.len() != n {
                    *ma = vec![g; n];
                    ma_sum = g * n as f64;
                    ma_pos = 0;
                }
                ma_sum += x - ma[ma_pos];
                ma[ma_pos] = x;
                ma_pos += 1;
                if ma_pos == n {
                    ma_pos = 0;
                    // Re-add exactly once per window: no drift of the running sum.
                    ma_sum = ma.iter().sum();
                }
                g = ma_sum / n as f64;
                g
            }
        };
        // 3–4. Split and devices.
        let pref = l - g_out;
        match (&bat, &sc) {
            (Some((b, kb)), Some((s, ks))) => {
                lp += (pref - lp) * plant.split;
                let q = s.restore * (s.e_rest - es) + ff_s;
                let lb = device_step(b, kb, &mut pb, &mut eb, lp + q, &mut held_b);
                let ls = device_step(s, ks, &mut ps, &mut es, pref - pb, &mut held_s);
                loss_b += lb * dt;
                loss_s += ls * dt;
                ff_b += (lb - ff_b) * b.ff;
                ff_s += (ls - ff_s) * s.ff;
            }
            (Some((b, kb)), None) => {
                let lb = device_step(b, kb, &mut pb, &mut eb, pref, &mut held_b);
                loss_b += lb * dt;
                ff_b += (lb - ff_b) * b.ff;
            }
            (None, Some((s, ks))) => {
                let ls = device_step(s, ks, &mut ps, &mut es, pref, &mut held_s);
                loss_s += ls * dt;
                ff_s += (ls - ff_s) * s.ff;
            }
            (None, None) => {}
        }
        // 5. Grid.
        let s = Sample { l, g: l - pb - ps, pb, eb, ps, es };
        sink.push(k0 + k, &s);
    }
    (st.g, st.lp, st.pb, st.eb, st.ps, st.es) = (g, lp, pb, eb, ps, es);
    (st.ff_b, st.ff_s, st.loss_b, st.loss_s, st.held_b, st.held_s) = (ff_b, ff_s, loss_b, loss_s, held_b, held_s);
    (st.ma_pos, st.ma_sum) = (ma_pos, ma_sum);
}

/// Samples handed over at a time by [`run_beside`] (192 KB: a few of
/// them stay in the cores' caches).
const BESIDE_CHUNK: usize = 4096;

/// [`run_while`], with `sink` fed on a second thread while the simulation
/// goes on: the samples are handed over in chunks, in order, so the sink
/// sees exactly what [`run`] would give it. A sink with costly bookkeeping
/// (rainflow, ageing, chart envelopes) then costs no more time than the
/// simulation itself. Where no second thread can be started, this is
/// [`run_while`]. `None`: `keep_going` said stop.
pub fn run_beside<S: Sink + Send>(plant: &Plant, st: &mut State, load: &[f64], sink: S, keep_going: &dyn Fn() -> bool) -> Option<S> {
    use std::sync::mpsc;
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 || load.len() < 2 * BESIDE_CHUNK {
        let mut sink = sink;
        return run_while(plant, st, load, &mut sink, keep_going).then_some(sink);
    }
    // Full chunks go over, emptied ones come back (no allocation per chunk).
    let (full_tx, full_rx) = mpsc::sync_channel::<(usize, Vec<Sample>)>(4);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<Sample>>();
    // The sink waits here for the worker to take it (or, where the thread
    // cannot be started, for the run made here).
    let slot = std::sync::Mutex::new(Some(sink));
    let take = || slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    std::thread::scope(|sc| {
        let worker = std::thread::Builder::new().spawn_scoped(sc, || {
            let mut sink = take()?;
            for (k0, mut chunk) in full_rx {
                for (i, s) in chunk.iter().enumerate() {
                    sink.push(k0 + i, s);
                }
                chunk.clear();
                // The producer may be done and gone: then the chunk is dropped.
                let _ = empty_tx.send(chunk);
            }
            Some(sink)
        });
        let Ok(worker) = worker else {
            let mut sink = take().expect("the sink is taken only by the worker that did not start");
            return run_while(plant, st, load, &mut sink, keep_going).then_some(sink);
        };
        struct Ship {
            k0: usize,
            buf: Vec<Sample>,
            tx: mpsc::SyncSender<(usize, Vec<Sample>)>,
            back: mpsc::Receiver<Vec<Sample>>,
        }
        impl Ship {
            fn flush(&mut self) {
                let next = self.back.try_recv().unwrap_or_else(|_| Vec::with_capacity(BESIDE_CHUNK));
                let full = std::mem::replace(&mut self.buf, next);
                let n = full.len();
                // The worker only stops when this side hangs up (or it panicked: joined below).
                let _ = self.tx.send((self.k0, full));
                self.k0 += n;
            }
        }
        impl Sink for Ship {
            #[inline(always)]
            fn push(&mut self, _: usize, s: &Sample) {
                self.buf.push(*s);
                if self.buf.len() == BESIDE_CHUNK {
                    self.flush();
                }
            }
        }
        let mut ship = Ship { k0: 0, buf: Vec::with_capacity(BESIDE_CHUNK), tx: full_tx, back: empty_rx };
        let whole = run_while(plant, st, load, &mut ship, keep_going);
        if whole && !ship.buf.is_empty() {
            ship.flush();
        }
        // Hanging up ends the worker (after the chunks sent, when whole).
        drop(ship);
        let sink = worker.join().unwrap_or_else(|e| std::panic::resume_unwind(e)).expect("the worker took the sink");
        whole.then_some(sink)
    })
}

/// Collects the grid power of a run.
#[derive(Debug, Default)]
pub struct GridOnly {
    /// Grid power, MW.
    pub g: Vec<f64>,
}

impl Sink for GridOnly {
    #[inline(always)]
    fn push(&mut self, _: usize, s: &Sample) {
        self.g.push(s.g);
    }
}

/// Two sinks fed the same samples.
#[derive(Debug)]
pub struct Both<'a, A, B>(pub &'a mut A, pub &'a mut B);

impl<A: Sink, B: Sink> Sink for Both<'_, A, B> {
    #[inline(always)]
    fn push(&mut self, k: usize, s: &Sample) {
        self.0.push(k, s);
        self.1.push(k, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ideal_battery() -> Device {
        Device { gamma: 1.0, eta: 1.0, rc_s: 0.0, restore: 0.0, e_rest: 0.0, ff: 0.0, limits: None }
    }

    #[test]
    fn a_ramp_limited_step_costs_the_triangle() {
        // 0 → 100 MW at 20 MW/min, 0.1 s samples: 4.1667 MWh.
        let dt = 0.1;
        let mut load = vec![0.0; 100];
        load.extend(std::iter::repeat_n(100.0, 4000));
        let plant = Plant { dt, ctrl: Ctrl::Ramp { step: 20.0 / 60.0 * dt }, bat: Some(ideal_battery()), sc: None, split: 0.0 };
        let mut st = State::steady(&plant, 0.0);
        let mut ex = Extremes::new(0.0, 0.0);
        run(&plant, &mut st, &load, &mut ex);
        let mwh = -ex.eb.1 / 3600.0;
        assert!((mwh - 100.0 * 100.0 / (2.0 * 20.0 / 60.0) / 3600.0).abs() < 1e-9, "{mwh}");
        assert!((ex.pb.0 - (100.0 - 0.5 * 20.0 / 60.0 * dt)).abs() < 1e-9, "{}", ex.pb.0);
        assert!(ex.eb.0.abs() < 1e-9);
    }

    #[test]
    fn limits_hold_power_and_energy() {
        let dt = 1.0;
        let load = vec![10.0; 100];
        let lim = Limits { p_dis: 4.0, p_chg: 4.0, e_min: 0.0, e_max: 50.0, p_per_e: 0.0 };
        let bat = Device { limits: Some(lim), e_rest: 20.0, ..ideal_battery() };
        let plant = Plant { dt, ctrl: Ctrl::First { alpha: 0.0, beta: 1.0 }, bat: Some(bat), sc: None, split: 0.0 };
        let mut st = State::steady(&plant, 0.0);
        let mut g = GridOnly::default();
        run(&plant, &mut st, &load, &mut g);
        // 4 MW for 5 s empties 20 MJ; then the grid carries all.
        assert_eq!(&g.g[..5], &[6.0; 5]);
        assert_eq!(g.g[5], 10.0);
        assert!(st.eb.abs() < 1e-12 && st.held_b == 100, "{} {}", st.eb, st.held_b);
    }

    #[test]
    fn supercap_esr_loss_is_i_squared_r() {
        // 1 MW out of a bank at E with R·C = 1 s: loss P²·RC ÷ (2E) = 1 ÷ (2·100) MW.
        let sc = Device { gamma: 1.0, eta: 1.0, rc_s: 1.0, restore: 0.0, e_rest: 100.0, ff: 0.0, limits: None };
        let plant = Plant { dt: 0.001, ctrl: Ctrl::First { alpha: 0.0, beta: 1.0 }, bat: None, sc: Some(sc), split: 0.0 };
        let mut st = State::steady(&plant, 0.0);
        run(&plant, &mut st, &[1.0], &mut Discard);
        assert!((st.loss_s - 0.005 * 0.001).abs() < 1e-15, "{}", st.loss_s);
        assert!((st.es - (100.0 - 1.005 * 0.001)).abs() < 1e-12);
    }

    /// Keeps every sample it is given, with its index.
    #[derive(Default)]
    struct Record(Vec<(usize, Sample)>);

    impl Sink for Record {
        fn push(&mut self, k: usize, s: &Sample) {
            self.0.push((k, *s));
        }
    }

    #[test]
    fn a_sink_fed_beside_the_run_sees_what_the_run_gives_it() {
        // Long enough for many chunks and a part-filled last one; both
        // devices with limits, losses and restores, so every path runs.
        let dt = 0.1;
        let load: Vec<f64> = (0..3 * BESIDE_CHUNK + 123).map(|k| 50.0 + 40.0 * ((k / 7) % 2) as f64 + (k % 13) as f64).collect();
        let lim = |p: f64, e: f64| Some(Limits { p_dis: p, p_chg: p, e_min: 0.1 * e, e_max: e, p_per_e: 0.0 });
        let bat = Device { gamma: 0.4, eta: 0.95, rc_s: 0.0, restore: 1.0 / 300.0, e_rest: 500.0, ff: 1.0, limits: lim(30.0, 1000.0) };
        let sc = Device { gamma: 1.0, eta: 1.0, rc_s: 2.0, restore: 1.0 / 60.0, e_rest: 40.0, ff: 1.0, limits: lim(25.0, 60.0) };
        let plant = Plant { dt, ctrl: Ctrl::Ramp { step: 0.5 }, bat: Some(bat), sc: Some(sc), split: 0.05 };
        let mut st = State::steady(&plant, load[0]);
        let mut here = Record::default();
        run(&plant, &mut st, &load, &mut here);
        let mut st2 = State::steady(&plant, load[0]);
        let beside = run_beside(&plant, &mut st2, &load, Record::default(), &|| true).expect("not stopped");
        assert_eq!(here.0.len(), load.len());
        assert!(here.0.iter().enumerate().all(|(i, (k, _))| *k == i));
        assert!(st.held_b > 0 && st.held_s > 0, "the limits were reached: {} {}", st.held_b, st.held_s);
        assert_eq!(here.0, beside.0);
        assert_eq!(st, st2);
    }

    #[test]
    fn a_run_told_to_stop_stops_where_it_asks_and_otherwise_is_the_whole_run() {
        let load: Vec<f64> = (0..2 * CHECK_EVERY + 5).map(|k| 30.0 + (k % 17) as f64).collect();
        let plant = Plant { dt: 0.1, ctrl: Ctrl::First { alpha: 0.1, beta: 0.5 }, bat: Some(ideal_battery()), sc: None, split: 0.0 };
        let mut whole = Record::default();
        let mut st = State::steady(&plant, load[0]);
        run(&plant, &mut st, &load, &mut whole);
        // Never told to stop: the same samples, numbered from the trace's start.
        let mut asked = Record::default();
        let mut st2 = State::steady(&plant, load[0]);
        assert!(run_while(&plant, &mut st2, &load, &mut asked, &|| true));
        assert_eq!(asked.0, whole.0);
        assert_eq!(st, st2);
        // Told to stop at the second question: one part done, no more.
        let n = std::cell::Cell::new(0);
        let mut cut = Record::default();
        let mut st3 = State::steady(&plant, load[0]);
        let stop_second = || {
            n.set(n.get() + 1);
            n.get() < 2
        };
        assert!(!run_while(&plant, &mut st3, &load, &mut cut, &stop_second));
        assert_eq!(cut.0[..], whole.0[..CHECK_EVERY]);
        // Beside the run, the same: nothing comes back.
        n.set(0);
        assert!(run_beside(&plant, &mut State::steady(&plant, load[0]), &load, Record::default(), &stop_second).is_none());
        assert_eq!(n.get(), 2);
    }

    #[test]
    fn moving_average_over_the_period_smooths_fully() {
        let mut load = Vec::new();
        for k in 0..2000 {
            load.push(if (k / 10) % 2 == 0 { 100.0 } else { 0.0 });
        }
        let plant = Plant { dt: 0.1, ctrl: Ctrl::Average { n: 20 }, bat: Some(ideal_battery()), sc: None, split: 0.0 };
        let mut st = State::steady(&plant, 50.0);
        let mut g = GridOnly::default();
        run(&plant, &mut st, &load, &mut g);
        assert!(g.g[20..].iter().all(|v| (v - 50.0).abs() < 1e-9));
    }
}
