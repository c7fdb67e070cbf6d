//! Physics of a simulated lithium-iron-phosphate pack: strings of modules of
//! cells. Simple but plausible: the current follows a slow charge/discharge
//! cycle, state of charge integrates the current, cell voltages come from an
//! LFP open-circuit-voltage curve plus IR drop plus a per-cell offset
//! (spread), temperatures drift towards ambient plus I²R heating, and
//! limits raise events.
//!
//! Sign convention: current and power are positive when the pack
//! discharges (delivers energy), negative when it charges.

/// Small deterministic PRNG (xorshift64*), so runs are reproducible by seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [-1, 1).
    pub fn signed(&mut self) -> f64 {
        self.unit() * 2.0 - 1.0
    }
}

/// LFP open-circuit voltage (V) against state of charge (0..1), typical of
/// 280 Ah prismatic cells at 25 °C: steep below 10 %, a long plateau, and a
/// knee above 90 %.
pub fn lfp_ocv(soc: f64) -> f64 {
    const CURVE: [(f64, f64); 13] = [
        (0.00, 2.500),
        (0.05, 3.000),
        (0.10, 3.200),
        (0.20, 3.250),
        (0.30, 3.280),
        (0.40, 3.290),
        (0.50, 3.300),
        (0.60, 3.310),
        (0.70, 3.330),
        (0.80, 3.340),
        (0.90, 3.360),
        (0.95, 3.400),
        (1.00, 3.550),
    ];
    let s = soc.clamp(0.0, 1.0);
    for w in CURVE.windows(2) {
        let ((s0, v0), (s1, v1)) = (w[0], w[1]);
        if s <= s1 {
            return v0 + (v1 - v0) * (s - s0) / (s1 - s0);
        }
    }
    CURVE[CURVE.len() - 1].1
}

/// Size and ratings of a simulated pack.
#[derive(Debug, Clone, PartialEq)]
pub struct PackSpec {
    pub strings: usize,
    pub modules: usize,
    pub cells: usize,
    /// Cell capacity in Ah (strings add capacity, cells in series add voltage).
    pub cell_ah: f64,
    /// Largest current magnitude per string of the demo cycle, in A.
    pub max_current: f64,
}

impl Default for PackSpec {
    fn default() -> Self {
        PackSpec { strings: 1, modules: 4, cells: 16, cell_ah: 280.0, max_current: 70.0 }
    }
}

/// Thresholds for events (cell V, module °C, imbalance).
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub cell_v_max_warn: f64,
    pub cell_v_max_alarm: f64,
    pub cell_v_min_warn: f64,
    pub cell_v_min_alarm: f64,
    pub temp_max_warn: f64,
    pub temp_max_alarm: f64,
    pub temp_min_warn: f64,
    pub temp_min_alarm: f64,
    /// Cell max − min above this raises VOLTAGE_IMBALANCE_WARNING.
    pub imbalance_warn_v: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cell_v_max_warn: 3.60,
            cell_v_max_alarm: 3.65,
            cell_v_min_warn: 2.80,
            cell_v_min_alarm: 2.50,
            temp_max_warn: 45.0,
            temp_max_alarm: 55.0,
            temp_min_warn: 5.0,
            temp_min_alarm: 0.0,
            imbalance_warn_v: 0.050,
        }
    }
}

/// Evt1 bit numbers (SunSpec 802/804 definitions).
pub mod evt {
    pub const OVER_TEMP_ALARM: u32 = 1;
    pub const OVER_TEMP_WARNING: u32 = 2;
    pub const UNDER_TEMP_ALARM: u32 = 3;
    pub const UNDER_TEMP_WARNING: u32 = 4;
    pub const OVER_VOLT_ALARM: u32 = 9;
    pub const OVER_VOLT_WARNING: u32 = 10;
    pub const UNDER_VOLT_ALARM: u32 = 11;
    pub const UNDER_VOLT_WARNING: u32 = 12;
    pub const UNDER_SOC_MIN_WARNING: u32 = 14;
    pub const OVER_SOC_MAX_WARNING: u32 = 16;
    pub const VOLTAGE_IMBALANCE_WARNING: u32 = 17;
}

/// Alarm bits that latch until AlmRst.
const LATCHING: u32 =
    (1 << evt::OVER_TEMP_ALARM) | (1 << evt::UNDER_TEMP_ALARM) | (1 << evt::OVER_VOLT_ALARM) | (1 << evt::UNDER_VOLT_ALARM);

#[derive(Debug, Clone)]
pub struct Cell {
    /// Static voltage offset (manufacturing spread), V.
    pub offset_v: f64,
    /// Internal resistance, Ω.
    pub r: f64,
    pub temp: f64,
    pub balancing: bool,
}

#[derive(Debug, Clone)]
pub struct Module {
    pub cells: Vec<Cell>,
    pub temp: f64,
    pub serial: String,
}

#[derive(Debug, Clone)]
pub struct PackString {
    pub modules: Vec<Module>,
    pub enabled: bool,
    pub contactor_closed: bool,
    pub current: f64,
    pub soc: f64,
}

/// The state of one simulated pack.
#[derive(Debug, Clone)]
pub struct Pack {
    pub spec: PackSpec,
    pub limits: Limits,
    pub strings: Vec<PackString>,
    /// Pack state of charge 0..1.
    pub soc: f64,
    pub soh: f64,
    pub ambient: f64,
    /// Set by the controller: contactors may close.
    pub connected: bool,
    pub reserve_min: f64,
    pub reserve_max: f64,
    pub time: f64,
    pub cycles: f64,
    /// Evt1 bits currently active (including latched alarms).
    pub events: u32,
    latched: u32,
    rng: Rng,
    direction: f64,
}

impl Pack {
    /// A pack at `soc` with cell offsets spread so that max − min of the
    /// offsets is `spread_v` (one cell at each extreme, the rest between).
    pub fn new(spec: PackSpec, soc: f64, spread_v: f64, seed: u64, serial_prefix: &str) -> Pack {
        let mut rng = Rng::new(seed);
        let total_cells = (spec.strings * spec.modules * spec.cells).max(1);
        let mut k = 0usize;
        let strings = (0..spec.strings)
            .map(|s| PackString {
                modules: (0..spec.modules)
                    .map(|m| Module {
                        cells: (0..spec.cells)
                            .map(|_| {
                                // Offsets spread evenly over the range in a shuffled order.
                                let pos = ((k * 7919) % total_cells) as f64 / (total_cells.max(2) - 1) as f64;
                                k += 1;
                                Cell {
                                    offset_v: (pos - 0.5) * spread_v,
                                    r: 0.00025 * (1.0 + 0.1 * rng.signed()),
                                    temp: 25.0,
                                    balancing: false,
                                }
                            })
                            .collect(),
                        temp: 25.0 + rng.signed(),
                        serial: format!("{serial_prefix}-S{}M{}", s + 1, m + 1),
                    })
                    .collect(),
                enabled: true,
                contactor_closed: true,
                current: 0.0,
                soc,
            })
            .collect();
        let mut pack = Pack {
            spec,
            limits: Limits::default(),
            strings,
            soc,
            soh: 0.97,
            ambient: 25.0,
            connected: true,
            reserve_min: 0.10,
            reserve_max: 0.95,
            time: 0.0,
            cycles: 412.0,
            events: 0,
            latched: 0,
            rng,
            direction: 1.0,
        };
        // Events reflect the state from the start, also when physics is frozen.
        pack.update_events();
        pack
    }

    /// Sets the cell spread (max − min of static offsets) to `spread_v`.
    pub fn set_spread(&mut self, spread_v: f64) {
        let total = self.cell_count().max(2);
        let mut k = 0usize;
        for s in &mut self.strings {
            for m in &mut s.modules {
                for c in &mut m.cells {
                    let pos = ((k * 7919) % total) as f64 / (total - 1) as f64;
                    c.offset_v = (pos - 0.5) * spread_v;
                    k += 1;
                }
            }
        }
    }

    pub fn cell_count(&self) -> usize {
        self.spec.strings * self.spec.modules * self.spec.cells
    }

    /// Voltage of a cell now.
    pub fn cell_v(&self, s: usize, c: &Cell) -> f64 {
        let st = &self.strings[s];
        // Positive (discharge) current lowers the terminal voltage.
        lfp_ocv(st.soc) + c.offset_v - st.current * c.r
    }

    /// Pack current (sum of strings), A, positive = discharge.
    pub fn current(&self) -> f64 {
        self.strings.iter().map(|s| s.current).sum()
    }

    /// Pack voltage: mean of connected string voltages (or of all when none).
    pub fn voltage(&self) -> f64 {
        let vs: Vec<f64> = (0..self.strings.len()).map(|i| self.string_v(i)).collect();
        if vs.is_empty() { 0.0 } else { vs.iter().sum::<f64>() / vs.len() as f64 }
    }

    pub fn string_v(&self, s: usize) -> f64 {
        self.strings[s].modules.iter().flat_map(|m| m.cells.iter()).map(|c| self.cell_v(s, c)).sum()
    }

    /// All cell voltages with (string, module, cell) indices, 0-based.
    pub fn cell_voltages(&self) -> Vec<(usize, usize, usize, f64)> {
        let mut out = Vec::with_capacity(self.cell_count());
        for (si, s) in self.strings.iter().enumerate() {
            for (mi, m) in s.modules.iter().enumerate() {
                for (ci, c) in m.cells.iter().enumerate() {
                    out.push((si, mi, ci, self.cell_v(si, c)));
                }
            }
        }
        out
    }

    /// Advances the simulation by `dt` seconds.
    pub fn step(&mut self, dt: f64) {
        if dt <= 0.0 {
            return;
        }
        self.time += dt;
        // A slow cycle: ramp towards ±max_current, turning at the reserve limits.
        if self.soc >= self.reserve_max {
            self.direction = 1.0; // discharge
        } else if self.soc <= self.reserve_min {
            self.direction = -1.0; // charge
        }
        let base = self.direction * self.spec.max_current * (0.6 + 0.4 * (self.time / 90.0).sin().abs());
        let cap_ah = self.spec.cell_ah * self.soh;
        let mut soc_sum = 0.0;
        let n = self.strings.len().max(1) as f64;
        for s in &mut self.strings {
            let on = self.connected && s.enabled && s.contactor_closed;
            let target = if on { base + 0.5 * self.rng.signed() } else { 0.0 };
            s.current += (target - s.current) * (dt / 2.0).min(1.0);
            if !on && s.current.abs() < 0.05 {
                s.current = 0.0;
            }
            s.soc = (s.soc - s.current * dt / 3600.0 / cap_ah).clamp(0.0, 1.0);
            soc_sum += s.soc;
            let heat = s.current * s.current * 0.00025 * 40.0;
            for m in &mut s.modules {
                let target_t = self.ambient + heat;
                m.temp += (target_t - m.temp) * (dt / 600.0).min(1.0) + 0.01 * self.rng.signed();
                for c in &mut m.cells {
                    c.temp = m.temp + 0.3 * c.offset_v.signum() + 0.02 * self.rng.signed();
                }
            }
        }
        let old = self.soc;
        self.soc = soc_sum / n;
        self.cycles += (old - self.soc).abs() / 2.0;
        self.update_balancing();
        self.update_events();
    }

    fn update_balancing(&mut self) {
        let avg: f64 = {
            let v = self.cell_voltages();
            v.iter().map(|x| x.3).sum::<f64>() / v.len().max(1) as f64
        };
        for si in 0..self.strings.len() {
            let vs: Vec<Vec<f64>> = self.strings[si].modules.iter().map(|m| m.cells.iter().map(|c| self.cell_v(si, c)).collect()).collect();
            for (mi, m) in self.strings[si].modules.iter_mut().enumerate() {
                for (ci, c) in m.cells.iter_mut().enumerate() {
                    c.balancing = vs[mi][ci] > avg + 0.010;
                }
            }
        }
    }

    /// Recomputes Evt1 from the limits (alarms latch until [`Pack::reset_alarms`]).
    pub fn update_events(&mut self) {
        let l = &self.limits;
        let cells = self.cell_voltages();
        let vmax = cells.iter().map(|c| c.3).fold(f64::NEG_INFINITY, f64::max);
        let vmin = cells.iter().map(|c| c.3).fold(f64::INFINITY, f64::min);
        let temps: Vec<f64> = self.strings.iter().flat_map(|s| s.modules.iter().map(|m| m.temp)).collect();
        let tmax = temps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let tmin = temps.iter().copied().fold(f64::INFINITY, f64::min);
        let mut e = 0u32;
        let mut set = |cond: bool, bit: u32| {
            if cond {
                e |= 1 << bit;
            }
        };
        set(vmax > l.cell_v_max_alarm, evt::OVER_VOLT_ALARM);
        set(vmax > l.cell_v_max_warn, evt::OVER_VOLT_WARNING);
        set(vmin < l.cell_v_min_alarm, evt::UNDER_VOLT_ALARM);
        set(vmin < l.cell_v_min_warn, evt::UNDER_VOLT_WARNING);
        set(tmax > l.temp_max_alarm, evt::OVER_TEMP_ALARM);
        set(tmax > l.temp_max_warn, evt::OVER_TEMP_WARNING);
        set(tmin < l.temp_min_alarm, evt::UNDER_TEMP_ALARM);
        set(tmin < l.temp_min_warn, evt::UNDER_TEMP_WARNING);
        set(vmax - vmin > l.imbalance_warn_v, evt::VOLTAGE_IMBALANCE_WARNING);
        set(self.soc < self.reserve_min - 0.02, evt::UNDER_SOC_MIN_WARNING);
        set(self.soc > self.reserve_max + 0.02, evt::OVER_SOC_MAX_WARNING);
        self.latched |= e & LATCHING;
        self.events = e | self.latched;
    }

    /// Clears latched alarms (AlmRst); active conditions set them again.
    pub fn reset_alarms(&mut self) {
        self.latched = 0;
        self.update_events();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocv_is_monotonic_and_plausible() {
        let mut last = 0.0;
        for i in 0..=100 {
            let v = lfp_ocv(f64::from(i) / 100.0);
            assert!(v >= last);
            last = v;
        }
        assert!((lfp_ocv(0.5) - 3.30).abs() < 1e-9);
    }

    #[test]
    fn soc_follows_current_and_spread_is_as_asked() {
        let mut p = Pack::new(PackSpec::default(), 0.5, 0.020, 7, "X");
        let soc0 = p.soc;
        for _ in 0..600 {
            p.step(1.0);
        }
        // Discharging (direction starts at +1): SOC falls by ∫I dt / capacity.
        assert!(p.soc < soc0);
        let v = p.cell_voltages();
        let spread = v.iter().map(|c| c.3).fold(f64::MIN, f64::max) - v.iter().map(|c| c.3).fold(f64::MAX, f64::min);
        assert!(spread > 0.018 && spread < 0.030, "{spread}");
        p.set_spread(0.080);
        p.update_events();
        assert!(p.events & (1 << evt::VOLTAGE_IMBALANCE_WARNING) != 0);
        // Disconnecting brings the current to zero.
        p.connected = false;
        for _ in 0..30 {
            p.step(1.0);
        }
        assert_eq!(p.current(), 0.0);
    }
}
