//! Serial/TCP link settings, discovered devices, decoded points, telemetry
//! samples, verified writes and traffic frames: what the link crate emits
//! and what the UI shows. Plain data; the link crate (`backstop-link`) fills
//! it in, the app persists samples and audit records and forwards them to
//! the UI.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// Text in decoded telemetry: point paths, names, labels, units and symbol
/// names. Decoding borrows it from the SunSpec definitions (loaded once for
/// the life of the program), so a poll of some 500 points copies no
/// strings; it is owned when it comes from a register-map file or is
/// deserialized (IPC, tests). Serialized as a plain string.
pub type Name = Cow<'static, str>;

/// The raw registers of one point: held inline up to four (every numeric
/// type), so a decoded reading needs no allocation of its own. Serialized
/// as a list of numbers.
pub type RawRegs = smallvec::SmallVec<[u16; 4]>;

/// Parity of a serial line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Parity {
    #[default]
    None,
    Even,
    Odd,
}

/// Stop bits of a serial line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum StopBits {
    #[default]
    One,
    Two,
}

/// Settings of one serial port (a USB/RS-485 adapter or a PTY).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialSettings {
    /// Device node, e.g. `/dev/ttyUSB0` or `COM3`.
    pub path: String,
    pub baud: u32,
    pub parity: Parity,
    pub stop_bits: StopBits,
    /// USB serial number of the adapter, when known: after an unplug the
    /// link reopens whichever node carries this serial number, because the
    /// kernel may give the adapter a new name.
    pub usb_serial: Option<String>,
}

impl SerialSettings {
    /// 8N1 at `baud` on `path`, no USB serial number.
    pub fn new(path: impl Into<String>, baud: u32) -> Self {
        SerialSettings { path: path.into(), baud, parity: Parity::None, stop_bits: StopBits::One, usb_serial: None }
    }

    /// Bits on the wire per character: start + 8 data + parity + stop.
    pub fn bits_per_char(&self) -> u32 {
        let parity = u32::from(self.parity != Parity::None);
        let stop = match self.stop_bits {
            StopBits::One => 1,
            StopBits::Two => 2,
        };
        1 + 8 + parity + stop
    }
}

/// Where a link goes: a serial port (Modbus RTU) or a TCP gateway (Modbus TCP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LinkTarget {
    Serial(SerialSettings),
    Tcp { host: String, port: u16 },
}

impl LinkTarget {
    /// Short human label: the device node or `host:port`.
    pub fn label(&self) -> String {
        match self {
            LinkTarget::Serial(s) => s.path.clone(),
            LinkTarget::Tcp { host, port } => format!("{host}:{port}"),
        }
    }
}

/// What to do about adapters that hear their own transmission (2-wire
/// RS-485 without receiver disable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum EchoMode {
    /// The adapter does not echo.
    #[default]
    Off,
    /// Discard exactly the bytes we sent when they come back first.
    Suppress,
}

/// What the link heard when it checked for an echo as the port opened (a
/// harmless read addressed to reserved unit 248, which no device answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum EchoLine {
    /// Not checked (a TCP link) or the check could not tell.
    #[default]
    Unknown,
    /// Our own request came straight back: the adapter echoes.
    Echoes,
    /// Nothing of our own came back: the adapter does not echo.
    Silent,
}

impl EchoLine {
    /// Whether the link strips an echo, given the setting and what the line did:
    /// what was heard wins over the setting.
    pub fn strips(self, configured: EchoMode) -> bool {
        match self {
            EchoLine::Echoes => true,
            EchoLine::Silent => false,
            EchoLine::Unknown => configured == EchoMode::Suppress,
        }
    }

    /// A sentence when the "Echo suppression" setting and the line disagree.
    pub fn disagreement(self, configured: EchoMode) -> Option<String> {
        match (self, configured) {
            (EchoLine::Echoes, EchoMode::Off) => Some(
                "the adapter echoes its own transmission but the \"Echo suppression\" setting is off; Backstop strips the echo anyway — turn the setting on to match the adapter"
                    .into(),
            ),
            (EchoLine::Silent, EchoMode::Suppress) => Some(
                "the \"Echo suppression\" setting is on but the adapter does not echo; Backstop strips nothing — turn the setting off to match the adapter"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// Everything needed to open a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkConfig {
    pub target: LinkTarget,
    /// Per-request timeout in milliseconds (some devices need > 500 ms).
    pub timeout_ms: u32,
    /// Extra attempts after a timeout or a damaged reply (never after a
    /// Modbus exception, which is a definite answer).
    pub retries: u8,
    /// Silence between the end of a reply and the next request, in
    /// microseconds. `None`: the Modbus 3.5-character time for the baud rate
    /// (1750 µs above 19200 baud); shared buses often need ~25 000.
    pub gap_us: Option<u32>,
    pub echo: EchoMode,
    /// Keep raw frames for the traffic monitor (a ring of the newest frames).
    pub monitor: bool,
    /// After a timeout or a damaged or unexpected reply, how long the line
    /// must stay silent before the next request, in milliseconds (a late
    /// reply must never be taken for the answer to another request).
    /// `None`: the request's timeout plus the time of a longest frame at
    /// the baud rate (serial), nothing on TCP (transaction ids match
    /// replies there).
    #[serde(default)]
    pub quiet_ms: Option<u32>,
    /// How long the serial port's reader polls for a reply before it sleeps
    /// on the port, in microseconds (serial only). `None`: the link's
    /// default; 0 turns polling off (a reader that polls holds a CPU that
    /// the other end may need on a small machine).
    #[serde(default)]
    pub reply_spin_us: Option<u32>,
    /// Keep-alive, in milliseconds: a unit that has answered on this link
    /// and is not in the running poll gets a one-register read whenever
    /// nothing has been sent to it for this long, so a pack whose
    /// communication-loss watchdog expects a master does not open its
    /// contactors between a scan and the live view (or during a long scan).
    /// `None`: [`KEEP_ALIVE_MS`]; 0 turns it off.
    #[serde(default)]
    pub keep_alive_ms: Option<u32>,
}

/// The default keep-alive period of [`LinkConfig::keep_alive_ms`]: well
/// inside the shortest communication-loss timeouts packs ship with (a few
/// seconds), and at most one short read per second per idle unit.
pub const KEEP_ALIVE_MS: u32 = 1000;

impl LinkConfig {
    /// The keep-alive period (`None`: off).
    pub fn keep_alive(&self) -> Option<std::time::Duration> {
        match self.keep_alive_ms.unwrap_or(KEEP_ALIVE_MS) {
            0 => None,
            ms => Some(std::time::Duration::from_millis(u64::from(ms))),
        }
    }

    /// Sensible field defaults: 1 s timeout, 2 retries, 3.5-character gap,
    /// no echo suppression, monitor on, keep-alive every [`KEEP_ALIVE_MS`].
    pub fn new(target: LinkTarget) -> Self {
        LinkConfig {
            target,
            timeout_ms: 1000,
            retries: 2,
            gap_us: None,
            echo: EchoMode::Off,
            monitor: true,
            quiet_ms: None,
            reply_spin_us: None,
            keep_alive_ms: None,
        }
    }
}

/// Where the link is and what it found (`link_status`), for a UI that
/// (re)opens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkStatus {
    /// The open port or socket (`None`: no link).
    pub label: Option<String>,
    /// Every device discovered on it.
    pub devices: Vec<DeviceInfo>,
    /// Who armed writes, while they are armed.
    pub armed_by: Option<String>,
    /// Seconds until writes disarm.
    pub armed_seconds_left: Option<u64>,
    /// The line echoes our own requests (checked when the port opened).
    pub echo_detected: bool,
}

/// A serial port found on this computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortInfo {
    pub path: String,
    /// `usb`, `pci`, `bluetooth` or `unknown`.
    pub kind: String,
    pub vid: Option<u16>,
    pub pid: Option<u16>,
    pub serial_number: Option<String>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
}

/// A range of unit ids to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRequest {
    pub first: u8,
    pub last: u8,
    /// Per-id timeout in milliseconds (short: most ids are silent).
    pub timeout_ms: u32,
}

impl Default for ScanRequest {
    fn default() -> Self {
        ScanRequest { first: 1, last: 247, timeout_ms: 150 }
    }
}

/// One unit id that answered during a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanHit {
    pub unit: u8,
    /// Where "SunS" was found, if the device speaks SunSpec.
    pub sunspec_base: Option<u16>,
    /// What the device answered, e.g. "SunSpec at 40000" or "exception 02".
    pub note: String,
}

/// Progress of a running scan, sent after every unit id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanProgress {
    pub first: u8,
    pub last: u8,
    /// The id just probed.
    pub current: u8,
    /// Ids probed so far.
    pub done: u16,
    pub total: u16,
    pub found: Vec<ScanHit>,
    pub finished: bool,
    pub cancelled: bool,
}

/// The common block (SunSpec model 1) of a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CommonInfo {
    pub manufacturer: String,
    pub model: String,
    pub options: String,
    pub version: String,
    pub serial_number: String,
    pub device_address: Option<u16>,
}

/// A model found while walking a device's SunSpec model chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub id: u16,
    /// Short name from the definition (`battery`, `lithium_ion_string`, ...),
    /// or `unknown` when Backstop has no definition for this id.
    pub name: String,
    pub label: String,
    /// Register address of the model's ID point.
    pub address: u16,
    /// Length the device reports (registers after ID and L).
    pub length: u16,
    /// Whether Backstop can decode this model.
    pub known: bool,
}

/// A unit on a link: where its SunSpec map starts and what it contains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub unit: u8,
    /// Address of "SunS" (40000, 0 or 50000).
    pub base_address: u16,
    pub common: Option<CommonInfo>,
    pub models: Vec<ModelInfo>,
    /// Anything odd found while walking the chain (length disagreements,
    /// unknown models, a missing end marker).
    pub notes: Vec<String>,
}

/// A decoded value. "Not implemented" is its own case, never a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PointValue {
    /// Scaled numeric value (raw × 10^SF).
    Number {
        value: f64,
    },
    /// An enumeration: raw value and its symbol name, if defined.
    Enum {
        raw: u32,
        name: Option<Name>,
    },
    /// A bitfield: raw value and the names of the set bits (undefined bits
    /// as `bit N`).
    Bits {
        raw: u32,
        names: Vec<Name>,
    },
    Text {
        text: String,
    },
    /// The device reports the SunSpec "not implemented" sentinel.
    NotImplemented,
    /// The raw value cannot be shown as a number, e.g. its scale factor is
    /// not implemented or out of range; the text says why.
    Invalid {
        reason: String,
    },
}

impl PointValue {
    /// The numeric value, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            PointValue::Number { value } => Some(*value),
            _ => None,
        }
    }

    /// A short display form: `3.312`, `CONNECTED`, `OVER_TEMP_ALARM|...`,
    /// `not implemented`.
    pub fn display(&self) -> String {
        match self {
            PointValue::Number { value } => format!("{value}"),
            PointValue::Enum { raw, name } => match name {
                Some(n) => n.to_string(),
                None => format!("{raw} (undefined)"),
            },
            PointValue::Bits { names, .. } => {
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join("|")
                }
            }
            PointValue::Text { text } => text.clone(),
            PointValue::NotImplemented => "not implemented".to_string(),
            PointValue::Invalid { reason } => format!("invalid: {reason}"),
        }
    }
}

/// Whether a point may be written, and within which limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Writable {
    /// Lowest value the model/map allows (in engineering units).
    pub min: f64,
    /// Highest value the model/map allows (in engineering units).
    pub max: f64,
    /// Allowed symbols for enumerations (empty for numbers); borrowed from
    /// the definition when it is a SunSpec model.
    pub symbols: Cow<'static, [Name]>,
}

/// One decoded point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointReading {
    /// Stable path inside the device: the point name, prefixed by repeating
    /// groups as named in the SunSpec definition with 1-based indices, e.g.
    /// `SoC`, `lithium_ion_string_module[2].ModCellVMax`,
    /// `lithium-ion-module-cell[14].CellV`.
    pub path: Name,
    pub name: Name,
    pub label: Name,
    pub value: PointValue,
    pub unit: Option<Name>,
    /// Register address of the point.
    pub address: u16,
    /// Raw registers as read.
    pub raw: RawRegs,
    /// `Some` when the point may be written.
    pub writable: Option<Writable>,
}

/// One instance of a repeating group (string in 803, module in 804, cell in 805).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodedGroup {
    pub name: Name,
    /// 1-based instance index.
    pub index: u16,
    pub points: Vec<PointReading>,
    pub groups: Vec<DecodedGroup>,
}

/// A decoded model instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodedModel {
    pub id: u16,
    pub name: Name,
    pub label: Name,
    pub address: u16,
    pub length: u16,
    pub points: Vec<PointReading>,
    pub groups: Vec<DecodedGroup>,
    /// Decoding remarks (length shorter than the definition, etc.).
    pub notes: Vec<String>,
}

impl DecodedModel {
    /// The top-level point with this name.
    pub fn point(&self, name: &str) -> Option<&PointReading> {
        self.points.iter().find(|p| p.name == name)
    }

    /// Every point, top level and in repeating groups (depth first).
    pub fn all_points(&self) -> Vec<&PointReading> {
        fn walk<'a>(groups: &'a [DecodedGroup], out: &mut Vec<&'a PointReading>) {
            for g in groups {
                out.extend(g.points.iter());
                walk(&g.groups, out);
            }
        }
        let mut out: Vec<&PointReading> = self.points.iter().collect();
        walk(&self.groups, &mut out);
        out
    }
}

/// Health of a polled device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceHealth {
    /// Fresh data.
    Online,
    /// The last poll failed, but the data is younger than the stale time.
    Degraded,
    /// No good data for longer than the stale time: values are stale and
    /// the device is offline.
    Offline,
}

/// A telemetry sample of one device: every polled model, decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelemetrySample {
    /// Label of the link (device node or host:port).
    pub link: String,
    pub unit: u8,
    /// Unix time in milliseconds when the data was read.
    pub time_ms: u64,
    /// True when this sample repeats the last good data because the device
    /// stopped answering (the UI must grey these values out).
    pub stale: bool,
    pub health: DeviceHealth,
    pub models: Vec<DecodedModel>,
    /// Polled models that are not in `models`, each with the reason (a
    /// model is never silently missing).
    #[serde(default)]
    pub undecoded: Vec<UndecodedModel>,
}

/// The latest samples a reader has not seen yet (`link_samples`): one per
/// unit, however many arrived since its last request, so a reader slower
/// than the link (the app's window on a busy laptop) falls behind by at
/// most one request, never by a queue of old samples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveSamples {
    /// Changes when a link is opened: a reader holding samples of another
    /// epoch drops them (they came from the previous link).
    pub epoch: u64,
    /// Pass it back as `after` to receive only what is newer.
    pub seq: u64,
    /// The latest sample of every unit that changed after `after`, by unit.
    pub samples: Vec<TelemetrySample>,
}

/// A polled model that could not be shown, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndecodedModel {
    pub id: u16,
    /// Address of its ID register.
    pub address: u16,
    pub reason: String,
}

/// State of the link itself (the port or socket).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum LinkState {
    Connected {
        path: String,
        /// What the echo check heard when the port opened.
        #[serde(default)]
        echo: EchoLine,
        /// Set when the "Echo suppression" setting and the line disagree.
        #[serde(default)]
        echo_note: Option<String>,
    },
    /// The port went away; the link is trying again.
    Reconnecting {
        attempt: u32,
        retry_in_ms: u64,
        reason: String,
    },
    Closed,
}

impl LinkState {
    /// One line for the engineer: "Connected to /dev/ttyUSB0",
    /// "Connection lost (…); reconnect attempt 3 in 2.0 s", "Closed".
    pub fn describe(&self) -> String {
        match self {
            LinkState::Connected { path, echo, echo_note } => {
                let heard = match echo {
                    EchoLine::Unknown => String::new(),
                    EchoLine::Echoes => " (the adapter echoes; the echo is stripped)".into(),
                    EchoLine::Silent => " (no echo)".into(),
                };
                match echo_note {
                    Some(note) => format!("Connected to {path}{heard}; {note}"),
                    None => format!("Connected to {path}{heard}"),
                }
            }
            LinkState::Reconnecting { attempt, retry_in_ms, reason } => {
                format!("Connection lost ({reason}); reconnect attempt {} in {:.1} s", attempt + 1, *retry_in_ms as f64 / 1000.0)
            }
            LinkState::Closed => "Closed".to_string(),
        }
    }
}

/// Whether live values are being written to the project's telemetry log.
/// Reported when it changes, so the engineer knows when the log has a gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogStatus {
    pub logging: bool,
    /// What happens now: where values go, or why they are not stored and
    /// what to do about it.
    pub message: String,
}

/// Value the engineer asks to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WriteValue {
    /// Engineering value; the scale factor is applied by the link.
    Number { value: f64 },
    /// Enumeration symbol by name (e.g. `DISCONNECT`).
    Symbol { name: String },
}

/// A limit from the project (design setpoint and tolerance, or a limit the
/// project sets for a point), resolved by the backend from the open project
/// file and checked in addition to the model's own range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectLimit {
    pub min: f64,
    pub max: f64,
    /// Where the limit comes from, e.g. "vendor spec rev C, table 4".
    pub source: String,
}

/// A write the engineer confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteRequest {
    pub unit: u8,
    pub model_id: u16,
    /// Address of the model instance (its ID register), from discovery.
    pub model_address: u16,
    /// Point path as in [`PointReading::path`].
    pub point: String,
    pub value: WriteValue,
    /// Who asked for the write (goes into the audit log).
    pub engineer: String,
}

/// How a write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteOutcomeKind {
    /// Read-back equals the requested value.
    Verified,
    /// The device answered, but the read-back differs.
    Mismatch,
    /// No usable answer (or only an echo): the result is unknown.
    NoAnswer,
    /// The device refused the write with a Modbus exception.
    Rejected,
}

/// The audit record of a write: what was asked, what was there before and
/// what is there after, read back from the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteOutcome {
    pub kind: WriteOutcomeKind,
    pub link: String,
    pub unit: u8,
    pub model_id: u16,
    pub point: String,
    pub address: u16,
    pub engineer: String,
    /// Unix time in milliseconds when the write went on the wire.
    pub time_ms: u64,
    pub old: Option<PointValue>,
    pub requested: PointValue,
    pub read_back: Option<PointValue>,
    /// Raw registers written.
    pub raw_written: Vec<u16>,
    /// A complete sentence for the engineer.
    pub message: String,
}

/// Direction of a frame in the traffic monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FrameDirection {
    Tx,
    Rx,
    /// Our own transmission heard back (suppressed).
    Echo,
    /// Bytes found waiting before a request and discarded (a late reply).
    Discarded,
}

/// One frame in the traffic monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficFrame {
    pub seq: u64,
    /// Unix time in microseconds.
    pub time_us: u64,
    pub direction: FrameDirection,
    /// Bytes as space-separated hex.
    pub hex: String,
    /// Decoded meaning, e.g. "unit 1 read holding 40000 ×2" or "CRC error".
    pub meaning: String,
}

/// Everything the link reports to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum LinkEvent {
    Sample(TelemetrySample),
    Health {
        unit: u8,
        health: DeviceHealth,
        message: String,
    },
    Link(LinkState),
    Scan(ScanProgress),
    Write(WriteOutcome),
    /// A polled device was discovered again (its model map disagreed with
    /// what discovery had found); polling follows the new map.
    Discovered(DeviceInfo),
    /// From the app, not the link: the telemetry log started or stopped
    /// storing values.
    Log(LogStatus),
}
