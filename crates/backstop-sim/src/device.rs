//! One simulated pack controller (a Modbus unit): its SunSpec register map
//! (SunS, models 1, 802, 803, 804 per string, 805 per module, end marker)
//! rebuilt from the pack physics, and the handling of reads and writes the
//! way a real device does it (exception 02 for addresses it does not have
//! or cannot write, 03 for values out of range).

use std::collections::HashMap;

use backstop_sunspec::decode::{Scale, decode_point, scale_of, writable_range};
use backstop_sunspec::defs::PointType;
use backstop_sunspec::{ModelImage, PointValue, SUNS_MARKER};

use crate::pack::{Pack, PackSpec};

/// Modbus exception codes the simulator uses.
pub mod exc {
    pub const ILLEGAL_FUNCTION: u8 = 1;
    pub const ILLEGAL_ADDRESS: u8 = 2;
    pub const ILLEGAL_VALUE: u8 = 3;
}

/// How to build one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitConfig {
    pub unit: u8,
    pub spec: PackSpec,
    /// Initial state of charge, 0..1.
    pub soc: f64,
    /// Cell voltage spread (max − min of static offsets), V.
    pub spread_v: f64,
    /// Firmware version in model 1 `Vr`.
    pub version: String,
    /// Serial number in model 1 `SN`.
    pub serial: String,
    pub seed: u64,
    /// Where "SunS" lives (40000, 0 or 50000).
    pub base: u16,
    /// Report model 1 with the old length 65 (some devices do).
    pub legacy_common_length: bool,
}

impl UnitConfig {
    /// Defaults for unit `unit`: 1 string × 4 modules × 16 cells, SOC 50–80 %,
    /// 8 mV spread, firmware 2.3.1.
    pub fn new(unit: u8) -> UnitConfig {
        UnitConfig {
            unit,
            spec: PackSpec::default(),
            soc: 0.55 + 0.05 * f64::from(unit % 5),
            spread_v: 0.008,
            version: "2.3.1".into(),
            serial: format!("BSIM-{unit:03}-0001"),
            seed: 1000 + u64::from(unit),
            base: 40000,
            legacy_common_length: false,
        }
    }
}

/// What a model instance represents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Common,
    Battery,
    Bank,
    /// 0-based string index.
    String(usize),
    /// 0-based string and module index.
    Module(usize, usize),
}

#[derive(Debug, Clone)]
struct Placed {
    address: u16,
    role: Role,
    image: ModelImage,
}

/// A simulated unit.
#[derive(Debug, Clone)]
pub struct Unit {
    pub config: UnitConfig,
    pub pack: Pack,
    models: Vec<Placed>,
    /// Registers from `base`: SunS, models, end marker.
    flat: Vec<u16>,
    /// Values written to RW points, by (model index, path).
    overlay: HashMap<(usize, String), Vec<u16>>,
    heartbeat: u16,
    seconds: f64,
    /// Points the refresh could not encode (should stay empty; tests check).
    pub refresh_errors: Vec<String>,
}

/// Writes values into an image, collecting (not hiding) failures.
struct Setter<'a> {
    img: &'a mut ModelImage,
    errors: &'a mut Vec<String>,
}

impl Setter<'_> {
    fn check(&mut self, r: Result<(), backstop_sunspec::SunSpecError>) {
        if let Err(e) = r {
            self.errors.push(e.to_string());
        }
    }
    fn num(&mut self, path: &str, v: f64) {
        let r = self.img.set_number(path, v);
        self.check(r);
    }
    fn bits(&mut self, path: &str, v: u32) {
        let r = self.img.set_bits(path, v);
        self.check(r);
    }
    fn sym(&mut self, path: &str, v: &str) {
        let r = self.img.set_symbol(path, v);
        self.check(r);
    }
    fn text(&mut self, path: &str, v: &str) {
        let r = self.img.set_text(path, v);
        self.check(r);
    }
    fn raw(&mut self, path: &str, v: &[u16]) {
        let r = self.img.set_raw(path, v);
        self.check(r);
    }
}

/// Smallest scale exponent (≥ `min`) at which `max_abs` fits a 16-bit register.
fn fit_sf(max_abs: f64, min: i16) -> i16 {
    let mut sf = min;
    while sf < 10 && max_abs / 10f64.powi(i32::from(sf)) > 32000.0 {
        sf += 1;
    }
    sf
}

impl Unit {
    /// Builds the unit and its register map.
    pub fn new(config: UnitConfig) -> Result<Unit, String> {
        if config.spec.strings == 0 || config.spec.modules == 0 || config.spec.cells == 0 {
            return Err("strings, modules and cells must each be at least 1".into());
        }
        let pack = Pack::new(config.spec.clone(), config.soc, config.spread_v, config.seed, &config.serial);
        let spec = &config.spec;
        let mut models = Vec::new();
        let mut address = config.base.checked_add(2).ok_or("base address too high")?;
        let mut place = |id: u16, counts: HashMap<String, usize>, role: Role| -> Result<(), String> {
            let image = ModelImage::new(id, &counts).map_err(|e| e.to_string())?;
            let len = image.regs().len() as u32;
            models.push(Placed { address, role, image });
            address = u16::try_from(u32::from(address) + len)
                .map_err(|_| "the register map passes 65535; use fewer modules or cells".to_string())?;
            Ok(())
        };
        place(1, HashMap::new(), Role::Common)?;
        place(802, HashMap::new(), Role::Battery)?;
        place(803, HashMap::from([("string".to_string(), spec.strings)]), Role::Bank)?;
        for s in 0..spec.strings {
            place(804, HashMap::from([("lithium_ion_string_module".to_string(), spec.modules)]), Role::String(s))?;
        }
        for s in 0..spec.strings {
            for m in 0..spec.modules {
                place(805, HashMap::from([("lithium-ion-module-cell".to_string(), spec.cells)]), Role::Module(s, m))?;
            }
        }
        if u32::from(address) + 2 > 0x1_0000 {
            return Err("the register map passes 65535; use fewer modules or cells".into());
        }
        let mut unit = Unit {
            config,
            pack,
            models,
            flat: Vec::new(),
            overlay: HashMap::new(),
            heartbeat: 0,
            seconds: 0.0,
            refresh_errors: Vec::new(),
        };
        unit.init_overlay();
        unit.refresh();
        Ok(unit)
    }

    fn init_overlay(&mut self) {
        let unit = u16::from(self.config.unit);
        for (i, m) in self.models.iter().enumerate() {
            let defaults: Vec<(&str, u16)> = match m.role {
                Role::Common => vec![("DA", unit)],
                Role::Battery => {
                    vec![("SocRsvMax", 950), ("SoCRsvMin", 100), ("CtrlHb", 0), ("AlmRst", 0), ("SetOp", 1), ("SetInvState", 3)]
                }
                Role::Bank => Vec::new(),
                Role::String(_) => vec![("SetEna", 0), ("SetCon", 1)],
                Role::Module(..) => Vec::new(),
            };
            for (p, v) in defaults {
                self.overlay.insert((i, p.to_string()), vec![v]);
            }
            if m.role == Role::Bank {
                for s in 1..=self.config.spec.strings {
                    self.overlay.insert((i, format!("string[{s}].StrSetEna")), vec![1]);
                    self.overlay.insert((i, format!("string[{s}].StrSetCon")), vec![1]);
                }
            }
        }
    }

    /// Unit id.
    pub fn id(&self) -> u8 {
        self.config.unit
    }

    /// (address, registers) of every model instance, in chain order.
    pub fn models(&self) -> Vec<(u16, &[u16])> {
        self.models.iter().map(|m| (m.address, m.image.regs())).collect()
    }

    /// The decoded value of a point of the first model with `id`, as the
    /// simulator holds it (its "truth").
    pub fn truth(&self, id: u16, path: &str) -> Option<PointValue> {
        self.models.iter().find(|m| m.image.def.id == id).and_then(|m| m.image.get(path))
    }

    /// Communication loss: open the contactors and report DISCONNECTED with
    /// SetOp = DISCONNECT until a master connects the pack again.
    pub fn enter_safe_state(&mut self) {
        self.pack.connected = false;
        if let Some(mi) = self.models.iter().position(|m| matches!(m.role, Role::Battery)) {
            self.overlay.insert((mi, "SetOp".into()), vec![2]);
        }
        self.refresh();
    }

    /// All registers from the base: SunS, models, end marker.
    pub fn flat(&self) -> &[u16] {
        &self.flat
    }

    /// Advances physics by `dt` seconds and rebuilds the registers.
    pub fn step(&mut self, dt: f64) {
        self.pack.step(dt);
        self.seconds += dt;
        while self.seconds >= 1.0 {
            self.seconds -= 1.0;
            self.heartbeat = self.heartbeat.wrapping_add(1);
        }
        // Self-resetting controls finish their action on the next tick.
        for (i, m) in self.models.iter().enumerate() {
            match m.role {
                Role::Battery => {
                    self.overlay.insert((i, "AlmRst".into()), vec![0]);
                }
                Role::String(_) => {
                    self.overlay.insert((i, "SetEna".into()), vec![0]);
                }
                _ => {}
            }
        }
        self.refresh();
    }

    /// Rebuilds every model image from the pack state and written values.
    pub fn refresh(&mut self) {
        let mut errors = Vec::new();
        let p = &self.pack;
        let spec = &self.config.spec;
        let cells = p.cell_voltages();
        let n_series = (spec.modules * spec.cells) as f64;
        let v_pack = p.voltage();
        let i_pack = p.current();
        type CellV = (usize, usize, usize, f64);
        let pick = |f: &dyn Fn(&CellV) -> bool| -> Vec<CellV> { cells.iter().copied().filter(|c| f(c)).collect() };
        let extremes = |set: &[(usize, usize, usize, f64)]| {
            let max = set.iter().copied().fold((0, 0, 0, f64::NEG_INFINITY), |a, c| if c.3 > a.3 { c } else { a });
            let min = set.iter().copied().fold((0, 0, 0, f64::INFINITY), |a, c| if c.3 < a.3 { c } else { a });
            let avg = set.iter().map(|c| c.3).sum::<f64>() / set.len().max(1) as f64;
            (max, min, avg)
        };
        let all_temps: Vec<(usize, usize, f64)> =
            p.strings.iter().enumerate().flat_map(|(si, s)| s.modules.iter().enumerate().map(move |(mi, m)| (si, mi, m.temp))).collect();
        let t_ext = |set: &[(usize, usize, f64)]| {
            let max = set.iter().copied().fold((0, 0, f64::NEG_INFINITY), |a, c| if c.2 > a.2 { c } else { a });
            let min = set.iter().copied().fold((0, 0, f64::INFINITY), |a, c| if c.2 < a.2 { c } else { a });
            let avg = set.iter().map(|c| c.2).sum::<f64>() / set.len().max(1) as f64;
            (max, min, avg)
        };
        let whrtg = spec.cell_ah * 3.2 * n_series * spec.strings as f64;
        let w_max = spec.max_current * 1.5 * spec.strings as f64 * 3.2 * n_series;
        let cha_st = if !p.connected {
            "OFF"
        } else if i_pack < -0.5 {
            if p.soc >= 0.999 { "FULL" } else { "CHARGING" }
        } else if i_pack > 0.5 {
            if p.soc <= 0.001 { "EMPTY" } else { "DISCHARGING" }
        } else {
            "HOLDING"
        };
        let state = if p.events & ((1 << 1) | (1 << 3) | (1 << 9) | (1 << 11)) != 0 {
            "FAULT"
        } else if p.connected {
            "CONNECTED"
        } else {
            "DISCONNECTED"
        };
        let connected_strings = p.strings.iter().filter(|s| s.enabled && s.contactor_closed).count();
        for (idx, placed) in self.models.iter_mut().enumerate() {
            let mut w = Setter { img: &mut placed.image, errors: &mut errors };
            // Scale factors first, then values.
            match placed.role {
                Role::Common => {}
                Role::Battery => {
                    for (sf, v) in [
                        ("AHRtg_SF", f64::from(fit_sf(spec.cell_ah * spec.strings as f64, 0))),
                        ("WHRtg_SF", f64::from(fit_sf(whrtg, 0))),
                        ("WChaDisChaMax_SF", f64::from(fit_sf(w_max, 0))),
                        ("DisChaRte_SF", -2.0),
                        ("SoC_SF", -1.0),
                        ("DoD_SF", -1.0),
                        ("SoH_SF", -1.0),
                        ("V_SF", -1.0),
                        ("CellV_SF", -3.0),
                        ("A_SF", -1.0),
                        ("AMax_SF", 0.0),
                        ("W_SF", f64::from(fit_sf(w_max, 0))),
                    ] {
                        w.num(sf, v);
                    }
                }
                Role::Bank | Role::String(_) => {
                    for sf in [("SoC_SF", -1.0), ("SoH_SF", -1.0), ("V_SF", -1.0), ("CellV_SF", -3.0), ("ModTmp_SF", -1.0), ("A_SF", -1.0)]
                    {
                        w.num(sf.0, sf.1);
                    }
                    if placed.role != Role::Bank {
                        w.num("DoD_SF", -1.0);
                    }
                }
                Role::Module(..) => {
                    for sf in [("SoC_SF", -1.0), ("SoH_SF", -1.0), ("DoD_SF", -1.0), ("V_SF", -2.0), ("CellV_SF", -3.0), ("Tmp_SF", -1.0)] {
                        w.num(sf.0, sf.1);
                    }
                }
            }
            match placed.role {
                Role::Common => {
                    w.text("Mn", "Backstop Sim");
                    w.text("Md", &format!("BSP-LFP-{}S{}P", spec.modules * spec.cells, spec.strings));
                    w.text("Opt", "simulator");
                    w.text("Vr", &self.config.version);
                    w.text("SN", &self.config.serial);
                    if self.config.legacy_common_length {
                        w.raw("L", &[65]);
                    }
                }
                Role::Battery => {
                    let (max, min, avg) = extremes(&cells);
                    w.num("AHRtg", spec.cell_ah * spec.strings as f64);
                    w.num("WHRtg", whrtg);
                    w.num("WChaRteMax", w_max);
                    w.num("WDisChaRteMax", w_max);
                    w.num("DisChaRte", 0.05);
                    w.num("SoCMax", 100.0);
                    w.num("SoCMin", 0.0);
                    w.num("SoC", p.soc * 100.0);
                    w.num("DoD", (1.0 - p.soc) * 100.0);
                    w.num("SoH", p.soh * 100.0);
                    w.num("NCyc", p.cycles.floor());
                    w.num("Hb", f64::from(self.heartbeat));
                    w.num("V", v_pack);
                    w.num("VMax", 3.65 * n_series);
                    w.num("VMin", 2.50 * n_series);
                    w.num("CellVMax", max.3);
                    w.num("CellVMaxStr", (max.0 + 1) as f64);
                    w.num("CellVMaxMod", (max.1 + 1) as f64);
                    w.num("CellVMin", min.3);
                    w.num("CellVMinStr", (min.0 + 1) as f64);
                    w.num("CellVMinMod", (min.1 + 1) as f64);
                    w.num("CellVAvg", avg);
                    w.num("A", i_pack);
                    w.num("AChaMax", spec.max_current * 1.5 * spec.strings as f64);
                    w.num("ADisChaMax", spec.max_current * 1.5 * spec.strings as f64);
                    w.num("W", v_pack * i_pack);
                    w.sym("ChaSt", cha_st);
                    w.sym("LocRemCtl", "REMOTE");
                    w.sym("Typ", "LITHIUM_ION");
                    w.sym("State", state);
                    w.sym("ReqInvState", "NO REQUEST");
                    w.bits("Evt1", p.events);
                    for e in ["Evt2", "EvtVnd1", "EvtVnd2"] {
                        w.bits(e, 0);
                    }
                }
                Role::Bank => {
                    let (tmax, tmin, tavg) = t_ext(&all_temps);
                    w.num("NStr", spec.strings as f64);
                    w.num("NStrCon", connected_strings as f64);
                    w.num("ModTmpMax", tmax.2);
                    w.num("ModTmpMaxStr", (tmax.0 + 1) as f64);
                    w.num("ModTmpMaxMod", (tmax.1 + 1) as f64);
                    w.num("ModTmpMin", tmin.2);
                    w.num("ModTmpMinStr", (tmin.0 + 1) as f64);
                    w.num("ModTmpMinMod", (tmin.1 + 1) as f64);
                    w.num("ModTmpAvg", tavg);
                    let sv: Vec<(usize, f64)> = (0..p.strings.len()).map(|i| (i, p.string_v(i))).collect();
                    let sa: Vec<(usize, f64)> = p.strings.iter().enumerate().map(|(i, s)| (i, s.current)).collect();
                    let ext2 = |v: &[(usize, f64)]| {
                        let max = v.iter().copied().fold((0, f64::NEG_INFINITY), |a, c| if c.1 > a.1 { c } else { a });
                        let min = v.iter().copied().fold((0, f64::INFINITY), |a, c| if c.1 < a.1 { c } else { a });
                        (max, min, v.iter().map(|c| c.1).sum::<f64>() / v.len().max(1) as f64)
                    };
                    let (vmax, vmin, vavg) = ext2(&sv);
                    let (amax, amin, aavg) = ext2(&sa);
                    w.num("StrVMax", vmax.1);
                    w.num("StrVMaxStr", (vmax.0 + 1) as f64);
                    w.num("StrVMin", vmin.1);
                    w.num("StrVMinStr", (vmin.0 + 1) as f64);
                    w.num("StrVAvg", vavg);
                    w.num("StrAMax", amax.1);
                    w.num("StrAMaxStr", (amax.0 + 1) as f64);
                    w.num("StrAMin", amin.1);
                    w.num("StrAMinStr", (amin.0 + 1) as f64);
                    w.num("StrAAvg", aavg);
                    let bal = p.strings.iter().flat_map(|s| s.modules.iter().flat_map(|m| m.cells.iter())).filter(|c| c.balancing).count();
                    w.num("NCellBal", bal as f64);
                    for (si, s) in p.strings.iter().enumerate() {
                        let g = format!("string[{}].", si + 1);
                        let sc = pick(&|c| c.0 == si);
                        let (mx, mn, av) = extremes(&sc);
                        let st: Vec<(usize, usize, f64)> = all_temps.iter().copied().filter(|t| t.0 == si).collect();
                        let (tx, tn, ta) = t_ext(&st);
                        w.num(&format!("{g}StrNMod"), spec.modules as f64);
                        w.bits(&format!("{g}StrSt"), u32::from(s.enabled) | (u32::from(s.contactor_closed) << 1));
                        w.num(&format!("{g}StrConFail"), 0.0);
                        w.num(&format!("{g}StrSoC"), s.soc * 100.0);
                        w.num(&format!("{g}StrSoH"), p.soh * 100.0);
                        w.num(&format!("{g}StrA"), s.current);
                        w.num(&format!("{g}StrCellVMax"), mx.3);
                        w.num(&format!("{g}StrCellVMaxMod"), (mx.1 + 1) as f64);
                        w.num(&format!("{g}StrCellVMin"), mn.3);
                        w.num(&format!("{g}StrCellVMinMod"), (mn.1 + 1) as f64);
                        w.num(&format!("{g}StrCellVAvg"), av);
                        w.num(&format!("{g}StrModTmpMax"), tx.2);
                        w.num(&format!("{g}StrModTmpMaxMod"), (tx.1 + 1) as f64);
                        w.num(&format!("{g}StrModTmpMin"), tn.2);
                        w.num(&format!("{g}StrModTmpMinMod"), (tn.1 + 1) as f64);
                        w.num(&format!("{g}StrModTmpAvg"), ta);
                        w.num(&format!("{g}StrDisRsn"), if s.enabled { 0.0 } else { 3.0 });
                        w.bits(&format!("{g}StrConSt"), u32::from(s.contactor_closed));
                        w.bits(&format!("{g}StrEvt1"), p.events);
                        w.bits(&format!("{g}StrEvt2"), 0);
                    }
                }
                Role::String(si) => {
                    let s = &p.strings[si];
                    let sc = pick(&|c| c.0 == si);
                    let (mx, mn, av) = extremes(&sc);
                    let st: Vec<(usize, usize, f64)> = all_temps.iter().copied().filter(|t| t.0 == si).collect();
                    let (tx, tn, ta) = t_ext(&st);
                    w.num("Idx", (si + 1) as f64);
                    w.num("NMod", spec.modules as f64);
                    w.bits("St", u32::from(s.enabled) | (u32::from(s.contactor_closed) << 1));
                    w.num("ConFail", 0.0);
                    let bal = s.modules.iter().flat_map(|m| m.cells.iter()).filter(|c| c.balancing).count();
                    w.num("NCellBal", bal as f64);
                    w.num("SoC", s.soc * 100.0);
                    w.num("DoD", (1.0 - s.soc) * 100.0);
                    w.num("NCyc", p.cycles.floor());
                    w.num("SoH", p.soh * 100.0);
                    w.num("A", s.current);
                    w.num("V", p.string_v(si));
                    w.num("CellVMax", mx.3);
                    w.num("CellVMaxMod", (mx.1 + 1) as f64);
                    w.num("CellVMin", mn.3);
                    w.num("CellVMinMod", (mn.1 + 1) as f64);
                    w.num("CellVAvg", av);
                    w.num("ModTmpMax", tx.2);
                    w.num("ModTmpMaxMod", (tx.1 + 1) as f64);
                    w.num("ModTmpMin", tn.2);
                    w.num("ModTmpMinMod", (tn.1 + 1) as f64);
                    w.num("ModTmpAvg", ta);
                    w.bits("ConSt", u32::from(s.contactor_closed));
                    w.bits("Evt1", p.events);
                    for e in ["Evt2", "EvtVnd1", "EvtVnd2"] {
                        w.bits(e, 0);
                    }
                    for (mi, m) in s.modules.iter().enumerate() {
                        let g = format!("lithium_ion_string_module[{}].", mi + 1);
                        let mc = pick(&|c| c.0 == si && c.1 == mi);
                        let (mx, mn, av) = extremes(&mc);
                        let ct: Vec<(usize, usize, f64)> = m.cells.iter().enumerate().map(|(ci, c)| (ci, 0, c.temp)).collect();
                        let (tx, tn, ta) = t_ext(&ct);
                        w.num(&format!("{g}ModNCell"), spec.cells as f64);
                        w.num(&format!("{g}ModSoC"), s.soc * 100.0);
                        w.num(&format!("{g}ModSoH"), p.soh * 100.0);
                        w.num(&format!("{g}ModCellVMax"), mx.3);
                        w.num(&format!("{g}ModCellVMaxCell"), (mx.2 + 1) as f64);
                        w.num(&format!("{g}ModCellVMin"), mn.3);
                        w.num(&format!("{g}ModCellVMinCell"), (mn.2 + 1) as f64);
                        w.num(&format!("{g}ModCellVAvg"), av);
                        w.num(&format!("{g}ModCellTmpMax"), tx.2);
                        w.num(&format!("{g}ModCellTmpMaxCell"), (tx.0 + 1) as f64);
                        w.num(&format!("{g}ModCellTmpMin"), tn.2);
                        w.num(&format!("{g}ModCellTmpMinCell"), (tn.0 + 1) as f64);
                        w.num(&format!("{g}ModCellTmpAvg"), ta);
                    }
                }
                Role::Module(si, mi) => {
                    let s = &p.strings[si];
                    let m = &s.modules[mi];
                    let mc = pick(&|c| c.0 == si && c.1 == mi);
                    let (mx, mn, av) = extremes(&mc);
                    let ct: Vec<(usize, usize, f64)> = m.cells.iter().enumerate().map(|(ci, c)| (ci, 0, c.temp)).collect();
                    let (tx, tn, ta) = t_ext(&ct);
                    w.num("StrIdx", (si + 1) as f64);
                    w.num("ModIdx", (mi + 1) as f64);
                    w.num("NCell", spec.cells as f64);
                    w.num("SoC", s.soc * 100.0);
                    w.num("DoD", (1.0 - s.soc) * 100.0);
                    w.num("SoH", p.soh * 100.0);
                    w.num("NCyc", p.cycles.floor());
                    w.num("V", mc.iter().map(|c| c.3).sum::<f64>());
                    w.num("CellVMax", mx.3);
                    w.num("CellVMaxCell", (mx.2 + 1) as f64);
                    w.num("CellVMin", mn.3);
                    w.num("CellVMinCell", (mn.2 + 1) as f64);
                    w.num("CellVAvg", av);
                    w.num("CellTmpMax", tx.2);
                    w.num("CellTmpMaxCell", (tx.0 + 1) as f64);
                    w.num("CellTmpMin", tn.2);
                    w.num("CellTmpMinCell", (tn.0 + 1) as f64);
                    w.num("CellTmpAvg", ta);
                    w.num("NCellBal", m.cells.iter().filter(|c| c.balancing).count() as f64);
                    for (ci, c) in m.cells.iter().enumerate() {
                        let g = format!("lithium-ion-module-cell[{}].", ci + 1);
                        w.num(&format!("{g}CellV"), mc[ci].3);
                        w.num(&format!("{g}CellTmp"), c.temp);
                        w.bits(&format!("{g}CellSt"), u32::from(c.balancing));
                    }
                    w.text("SN", &m.serial);
                }
            }
            for ((mi, path), raw) in &self.overlay {
                if *mi == idx {
                    w.raw(path, raw);
                }
            }
        }
        self.refresh_errors = errors;
        self.rebuild_flat();
    }

    fn rebuild_flat(&mut self) {
        self.flat.clear();
        self.flat.extend_from_slice(&SUNS_MARKER);
        for m in &self.models {
            self.flat.extend_from_slice(m.image.regs());
        }
        self.flat.extend_from_slice(&[0xFFFF, 0]);
    }

    /// Registers `address .. address+count`, or exception 02.
    pub fn read(&self, address: u16, count: u16) -> Result<&[u16], u8> {
        let base = self.config.base;
        if address < base || count == 0 {
            return Err(exc::ILLEGAL_ADDRESS);
        }
        let start = usize::from(address - base);
        self.flat.get(start..start + usize::from(count)).ok_or(exc::ILLEGAL_ADDRESS)
    }

    /// Applies a write (FC06/FC16) like a device: every register must be a
    /// writable point written whole (else 02) with a value the model and the
    /// device accept (else 03). Nothing is changed unless all is valid.
    pub fn write(&mut self, address: u16, values: &[u16]) -> Result<(), u8> {
        let mut changes: Vec<(usize, String, Vec<u16>)> = Vec::new();
        let mut at = address;
        let mut rest = values;
        while !rest.is_empty() {
            let (mi, placed) = self
                .models
                .iter()
                .enumerate()
                .find(|(_, m)| at >= m.address && usize::from(at - m.address) < m.image.regs().len())
                .ok_or(exc::ILLEGAL_ADDRESS)?;
            let offset = usize::from(at - placed.address);
            let (path, slot) = placed.image.slot_at(offset).ok_or(exc::ILLEGAL_ADDRESS)?;
            if !slot.point.writable || slot.offset != offset || rest.len() < slot.point.size {
                return Err(exc::ILLEGAL_ADDRESS);
            }
            let raw = rest[..slot.point.size].to_vec();
            let scale = scale_of(slot.sf, placed.image.regs());
            let range = writable_range(slot.point, scale).ok_or(exc::ILLEGAL_ADDRESS)?;
            let value = decode_point(slot.point, &raw, scale);
            let number = match &value {
                PointValue::Number { value } => *value,
                PointValue::Enum { raw, name } => {
                    if name.is_none() && !slot.point.symbols.is_empty() {
                        return Err(exc::ILLEGAL_VALUE);
                    }
                    f64::from(*raw)
                }
                PointValue::Bits { raw, .. } => f64::from(*raw),
                _ => return Err(exc::ILLEGAL_VALUE),
            };
            if number < range.min || number > range.max {
                return Err(exc::ILLEGAL_VALUE);
            }
            // Device-specific rules beyond the model's range.
            let name = slot.point.name.as_str();
            let ok = match name {
                "AlmRst" => number <= 1.0,
                "SetEna" => number <= 2.0,
                "DA" => (1.0..=247.0).contains(&number),
                "SetOp" | "SetInvState" | "SetCon" | "StrSetEna" | "StrSetCon" => slot.point.ty == PointType::Enum16,
                _ => true,
            };
            if !ok {
                return Err(exc::ILLEGAL_VALUE);
            }
            changes.push((mi, path.to_string(), raw));
            at = at.wrapping_add(slot.point.size as u16);
            rest = &rest[slot.point.size..];
        }
        // Reserve limits must stay ordered.
        let mut rmin = self.pack.reserve_min * 100.0;
        let mut rmax = self.pack.reserve_max * 100.0;
        for (_, path, raw) in &changes {
            match path.as_str() {
                "SoCRsvMin" => rmin = f64::from(raw[0]) / 10.0,
                "SocRsvMax" => rmax = f64::from(raw[0]) / 10.0,
                _ => {}
            }
        }
        if rmin >= rmax {
            return Err(exc::ILLEGAL_VALUE);
        }
        for (mi, path, raw) in changes {
            self.apply(mi, &path, &raw);
            self.overlay.insert((mi, path), raw);
        }
        self.refresh();
        Ok(())
    }

    fn apply(&mut self, mi: usize, path: &str, raw: &[u16]) {
        let v = raw[0];
        let role = self.models[mi].role;
        let tail = path.rsplit('.').next().unwrap_or(path);
        let string_idx = |p: &str| -> Option<usize> {
            let inner = p.strip_prefix("string[")?.split(']').next()?;
            inner.parse::<usize>().ok()?.checked_sub(1)
        };
        match (role, tail) {
            (Role::Battery, "SetOp") => self.pack.connected = v == 1,
            (Role::Battery, "AlmRst") if v == 1 => self.pack.reset_alarms(),
            (Role::Battery, "SoCRsvMin") => self.pack.reserve_min = f64::from(v) / 1000.0,
            (Role::Battery, "SocRsvMax") => self.pack.reserve_max = f64::from(v) / 1000.0,
            (Role::Bank, "StrSetEna") => {
                if let Some(s) = string_idx(path).and_then(|i| self.pack.strings.get_mut(i)) {
                    s.enabled = v == 1;
                }
            }
            (Role::Bank, "StrSetCon") => {
                if let Some(s) = string_idx(path).and_then(|i| self.pack.strings.get_mut(i)) {
                    s.contactor_closed = v == 1;
                }
            }
            (Role::String(i), "SetEna") if v != 0 => {
                if let Some(s) = self.pack.strings.get_mut(i) {
                    s.enabled = v == 1;
                }
            }
            (Role::String(i), "SetCon") => {
                if let Some(s) = self.pack.strings.get_mut(i) {
                    s.contactor_closed = v == 1;
                }
            }
            _ => {}
        }
    }

    /// Changes the cell spread (V) and rebuilds the registers.
    pub fn set_spread(&mut self, spread_v: f64) {
        self.pack.set_spread(spread_v);
        self.pack.update_events();
        self.refresh();
    }

    /// Changes the firmware version shown in model 1.
    pub fn set_version(&mut self, version: &str) {
        self.config.version = version.to_string();
        self.refresh();
    }

    /// Scale of a point of the first model with `id` (for tests).
    pub fn scale(&self, id: u16, path: &str) -> Scale {
        self.models.iter().find(|m| m.image.def.id == id).map(|m| m.image.scale(path)).unwrap_or(Scale::Bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop_sunspec::decode_model;

    #[test]
    fn the_map_is_a_valid_sunspec_chain() {
        let u = Unit::new(UnitConfig::new(1)).unwrap();
        assert!(u.refresh_errors.is_empty(), "{:?}", u.refresh_errors);
        let flat = u.flat();
        assert_eq!(&flat[..2], &SUNS_MARKER);
        let mut at = 2usize;
        let mut ids = Vec::new();
        while flat[at] != 0xFFFF {
            let len = usize::from(flat[at + 1]);
            let m = decode_model(&flat[at..at + 2 + len], 40000 + at as u16).unwrap();
            assert!(m.notes.is_empty(), "{:?}", m.notes);
            ids.push(m.id);
            at += 2 + len;
        }
        assert_eq!(ids, vec![1, 802, 803, 804, 805, 805, 805, 805]);
        let soc = u.truth(802, "SoC").unwrap().as_f64().unwrap();
        assert!((soc - u.pack.soc * 100.0).abs() <= 0.05);
    }

    #[test]
    fn writes_are_checked_like_a_device() {
        let mut u = Unit::new(UnitConfig::new(2)).unwrap();
        let m802 = u.models().iter().find(|m| m.1[0] == 802).unwrap().0;
        let setop = m802 + backstop_sunspec::model_def(802).unwrap().group.point("SetOp").unwrap().offset as u16;
        assert_eq!(u.write(setop, &[2]), Ok(()));
        assert!(!u.pack.connected);
        assert_eq!(u.truth(802, "State").unwrap().display(), "DISCONNECTED");
        assert_eq!(u.write(setop, &[7]), Err(exc::ILLEGAL_VALUE));
        let soc = m802 + backstop_sunspec::model_def(802).unwrap().group.point("SoC").unwrap().offset as u16;
        assert_eq!(u.write(soc, &[100]), Err(exc::ILLEGAL_ADDRESS));
        let rmin = m802 + backstop_sunspec::model_def(802).unwrap().group.point("SoCRsvMin").unwrap().offset as u16;
        assert_eq!(u.write(rmin, &[1001]), Err(exc::ILLEGAL_VALUE)); // 100.1 %
        assert_eq!(u.write(rmin, &[960]), Err(exc::ILLEGAL_VALUE)); // above max reserve
        assert_eq!(u.write(rmin, &[150]), Ok(()));
        assert_eq!(u.truth(802, "SoCRsvMin").unwrap().as_f64(), Some(15.0));
        assert_eq!(u.read(39999, 2), Err(exc::ILLEGAL_ADDRESS));
        assert_eq!(u.read(40000, 2).unwrap(), &SUNS_MARKER);
    }
}
