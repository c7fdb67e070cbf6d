//! Commissioning area: connect to the pack controllers (serial RS-485 or a
//! TCP gateway), scan the bus, watch each pack live, write setpoints in an
//! armed mode with read-back, watch the raw traffic, and walk the
//! acceptance checklist to a sign-off.

use backstop_model::commissioning::{CommLossPhase, CommissionView, Outcome, StepResult};
use backstop_model::link::{
    DeviceHealth, EchoMode, LinkConfig, LinkTarget, Parity, PointValue, ScanRequest, SerialSettings, StopBits, TelemetrySample,
    TrafficFrame, WriteOutcomeKind, WriteRequest, WriteValue,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::charts::Sparkline;
use crate::ipc;
use crate::link_state::{find_point, show, show_brief, trim, use_link};
use crate::state::use_project;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Plan,
    Connect,
    Live,
    Write,
    Traffic,
    Checklist,
}

impl Tab {
    const ALL: [Tab; 6] = [Tab::Plan, Tab::Connect, Tab::Live, Tab::Write, Tab::Traffic, Tab::Checklist];
    fn label(self) -> &'static str {
        match self {
            Tab::Plan => "Plan",
            Tab::Connect => "Connect",
            Tab::Live => "Live packs",
            Tab::Write => "Armed writes",
            Tab::Traffic => "Traffic monitor",
            Tab::Checklist => "Checklist",
        }
    }
    fn id(self) -> &'static str {
        match self {
            Tab::Plan => "tab-plan",
            Tab::Connect => "tab-connect",
            Tab::Live => "tab-live",
            Tab::Write => "tab-write",
            Tab::Traffic => "tab-traffic",
            Tab::Checklist => "tab-checklist",
        }
    }
}

#[component]
pub fn CommissioningArea() -> impl IntoView {
    let tab = RwSignal::new(Tab::Connect);
    let link = use_link();
    view! {
        <section data-testid="area-commissioning">
            <h1>"Commissioning"</h1>
            <p class="lede">"Connect to the installed pack controllers over RS-485 or TCP, watch them live and walk the acceptance checklist."</p>
            <div class="tabs">
                {Tab::ALL.into_iter().map(|t| view! {
                    <button class="tab" class:active=move || tab.get() == t data-testid=t.id() on:click=move |_| tab.set(t)>{t.label()}</button>
                }).collect_view()}
                <span class="link-pill" data-testid="link-label">{move || match link.status.get().and_then(|s| s.label) {
                    Some(l) => format!("connected: {l}"),
                    None => "not connected".into(),
                }}</span>
            </div>
            // Whether live values reach the project's telemetry log: a gap
            // in the log must be visible on every tab.
            {move || link.log.get().map(|s| {
                let class = if s.logging { "log-status muted small" } else { "log-status field-error" };
                view! { <p class=class data-testid="log-status">{s.message}</p> }
            })}
            {move || match tab.get() {
                Tab::Plan => view! { <PlanPanel/> }.into_any(),
                Tab::Connect => view! { <ConnectPanel/> }.into_any(),
                Tab::Live => view! { <LivePanel/> }.into_any(),
                Tab::Write => view! { <WritePanel/> }.into_any(),
                Tab::Traffic => view! { <TrafficPanel/> }.into_any(),
                Tab::Checklist => view! { <ChecklistPanel/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ConnectPanel() -> impl IntoView {
    let link = use_link();
    let ports = RwSignal::new(Vec::new());
    let demo_link = RwSignal::new(None::<String>);
    let path = RwSignal::new(String::new());
    let baud = RwSignal::new("115200".to_string());
    let parity = RwSignal::new("none".to_string());
    let stop = RwSignal::new("1".to_string());
    let timeout = RwSignal::new("500".to_string());
    let retries = RwSignal::new("2".to_string());
    let echo = RwSignal::new(false);
    let tcp = RwSignal::new(false);
    let host = RwSignal::new("192.168.1.10:502".to_string());
    let first = RwSignal::new("1".to_string());
    let last = RwSignal::new("10".to_string());
    let scan_timeout = RwSignal::new("100".to_string());
    let busy = RwSignal::new(false);

    let load_ports = move || {
        spawn_local(async move {
            match ipc::link_ports().await {
                Ok(p) => ports.set(p),
                Err(e) => link.report(e),
            }
            if let Ok(a) = ipc::about().await {
                if let Some(d) = a.demo_link.clone()
                    && path.get_untracked().is_empty()
                {
                    path.set(d);
                }
                demo_link.set(a.demo_link);
            }
        });
    };
    load_ports();

    let connect = move |_| {
        let num = |s: RwSignal<String>, what: &str| -> Result<u32, String> {
            crate::number::whole(&s.get_untracked(), what, 0, i64::from(u32::MAX)).map_err(|e| e.message.trim_end_matches('.').to_string())
        };
        let config = (|| -> Result<LinkConfig, String> {
            let target = if tcp.get_untracked() {
                let h = host.get_untracked();
                let (hst, port) = h.rsplit_once(':').ok_or("write the gateway as host:port")?;
                LinkTarget::Tcp {
                    host: hst.trim().into(),
                    port: crate::number::whole(port, "the port", 1, 65_535).map_err(|e| e.message.trim_end_matches('.').to_string())?,
                }
            } else {
                let p = path.get_untracked();
                if p.trim().is_empty() {
                    return Err("choose a serial port".into());
                }
                let mut s = SerialSettings::new(p.trim(), num(baud, "the baud rate")?);
                s.parity = match parity.get_untracked().as_str() {
                    "even" => Parity::Even,
                    "odd" => Parity::Odd,
                    _ => Parity::None,
                };
                s.stop_bits = if stop.get_untracked() == "2" { StopBits::Two } else { StopBits::One };
                s.usb_serial = ports.get_untracked().iter().find(|x| x.path == p.trim()).and_then(|x| x.serial_number.clone());
                LinkTarget::Serial(s)
            };
            let mut c = LinkConfig::new(target);
            c.timeout_ms = num(timeout, "the timeout")?;
            c.retries = num(retries, "the retries")?.min(10) as u8;
            c.echo = if echo.get_untracked() { EchoMode::Suppress } else { EchoMode::Off };
            Ok(c)
        })();
        match config {
            Err(msg) => link.report(backstop_model::AppError::invalid(format!("Cannot connect: {msg}."))),
            Ok(c) => spawn_local(async move {
                busy.set(true);
                match ipc::link_connect(&c).await {
                    Ok(label) => link.notify(format!("Connected to {label}.")),
                    Err(e) => link.report(e),
                }
                busy.set(false);
                link.refresh();
            }),
        }
    };

    let scan = move |_| {
        let read = || -> Result<(u8, u8, u32), backstop_model::AppError> {
            Ok((
                crate::number::whole(&first.get_untracked(), "The first unit id", 1, 247)?,
                crate::number::whole(&last.get_untracked(), "The last unit id", 1, 247)?,
                crate::number::whole(&scan_timeout.get_untracked(), "The scan timeout (ms)", 1, 60_000)?,
            ))
        };
        let (f, l, t) = match read() {
            Ok(x) => x,
            Err(e) => {
                link.report(e);
                return;
            }
        };
        spawn_local(async move {
            busy.set(true);
            match ipc::link_scan(&ScanRequest { first: f, last: l, timeout_ms: t }).await {
                Ok(hits) => {
                    for h in &hits {
                        if let Err(e) = ipc::link_discover(h.unit).await {
                            link.report(e);
                        }
                    }
                    link.notify(format!(
                        "Scan found {} unit(s): {}.",
                        hits.len(),
                        hits.iter().map(|h| h.unit.to_string()).collect::<Vec<_>>().join(", ")
                    ));
                }
                Err(e) => link.report(e),
            }
            busy.set(false);
            link.refresh();
        });
    };

    view! {
        <div class="grid2">
            <div class="card">
                <h2>"Link"</h2>
                <label class="field"><span>"Gateway (TCP)"</span><input type="checkbox" bind:checked=tcp/></label>
                <Show when=move || !tcp.get() fallback=move || view! {
                    <label class="field"><span>"Host:port"</span><input type="text" data-testid="tcp-host" bind:value=host/></label>
                }>
                    <label class="field"><span>"Serial port"</span>
                        <div class="with-button">
                            <input type="text" list="ports" data-testid="serial-path" bind:value=path placeholder="/dev/ttyUSB0"/>
                            <button class="btn" on:click=move |_| load_ports()>"Refresh"</button>
                        </div>
                    </label>
                    <datalist id="ports">
                        {move || ports.get().into_iter().map(|p| view! { <option value=p.path.clone()>{port_label(&p)}</option> }).collect_view()}
                        {move || demo_link.get().map(|d| view! { <option value=d.clone()>"simulated pack controllers (demo)"</option> })}
                    </datalist>
                    <label class="field"><span>"Baud"</span>
                        <select bind:value=baud>
                            {["9600", "19200", "38400", "57600", "115200"].into_iter().map(|b| view! { <option value=b>{b}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="field"><span>"Parity / stop bits"</span>
                        <div class="with-button">
                            <select bind:value=parity><option value="none">"none"</option><option value="even">"even"</option><option value="odd">"odd"</option></select>
                            <select bind:value=stop><option value="1">"1"</option><option value="2">"2"</option></select>
                        </div>
                    </label>
                    <label class="field"><span>"Echo suppression"</span>
                        <div class="with-button">
                            <input type="checkbox" bind:checked=echo title="For 2-wire adapters that hear their own transmission"/>
                            <span class="muted small" data-testid="echo-detected">{move || match link.link_state.get() {
                                Some(backstop_model::link::LinkState::Connected { echo, .. }) => match echo {
                                    backstop_model::link::EchoLine::Echoes => "line checked: the adapter echoes (stripped)",
                                    backstop_model::link::EchoLine::Silent => "line checked: no echo",
                                    backstop_model::link::EchoLine::Unknown => "",
                                },
                                _ => "",
                            }}</span>
                        </div>
                    </label>
                </Show>
                <label class="field"><span>"Timeout (ms) / retries"</span>
                    <div class="with-button">
                        <input type="text" bind:value=timeout/>
                        <input type="text" bind:value=retries/>
                    </div>
                </label>
                <div class="toolbar">
                    <button class="btn primary" data-testid="link-connect" disabled=move || busy.get() on:click=connect>"Connect"</button>
                    <button class="btn" on:click=move |_| spawn_local(async move {
                        if let Err(e) = ipc::link_disconnect().await { link.report(e) }
                        link.refresh();
                    })>"Disconnect"</button>
                </div>
                <p class="muted" data-testid="link-state">{move || link.link_state.get().map(|s| s.describe()).unwrap_or_default()}</p>
            </div>
            <div class="card">
                <h2>"Bus scan"</h2>
                <label class="field"><span>"Unit ids"</span>
                    <div class="with-button"><input type="text" data-testid="scan-first" bind:value=first/><input type="text" data-testid="scan-last" bind:value=last/></div>
                </label>
                <label class="field"><span>"Timeout per id (ms)"</span><input type="text" bind:value=scan_timeout/></label>
                <div class="toolbar">
                    <button class="btn primary" data-testid="scan" disabled=move || busy.get() on:click=scan>"Scan and discover"</button>
                    <button class="btn" on:click=move |_| spawn_local(async move { if let Err(e) = ipc::link_scan_cancel().await { link.report(e) } })>"Cancel"</button>
                </div>
                {move || link.scan.get().map(|p| view! {
                    <div class="progress"><div class="bar" style=format!("width: {}%", p.done as f64 * 100.0 / p.total.max(1) as f64)></div></div>
                    <p class="muted" data-testid="scan-progress">{format!(
                        "{} of {} ids probed{} — found: {}",
                        p.done, p.total,
                        if p.cancelled { " (cancelled)" } else if p.finished { " (done)" } else { "" },
                        p.found.iter().map(|h| h.unit.to_string()).collect::<Vec<_>>().join(", ")
                    )}</p>
                })}
                <h2>"Discovered"</h2>
                <table class="data" data-testid="devices">
                    <thead><tr><th>"Unit"</th><th>"Manufacturer / model"</th><th>"Serial"</th><th>"Firmware"</th><th>"Models"</th></tr></thead>
                    <tbody>
                        {move || link.status.get().map(|s| s.devices).unwrap_or_default().into_iter().map(|d| {
                            let c = d.common.clone().unwrap_or_default();
                            view! { <tr data-testid="device-row">
                                <td>{d.unit}</td><td>{format!("{} {}", c.manufacturer, c.model)}</td>
                                <td class="mono">{c.serial_number}</td><td>{c.version}</td>
                                <td class="mono">{d.models.iter().map(|m| m.id.to_string()).collect::<Vec<_>>().join(" ")}</td>
                            </tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

fn port_label(p: &backstop_model::link::PortInfo) -> String {
    let mut parts = vec![p.kind.clone()];
    if let (Some(v), Some(pid)) = (p.vid, p.pid) {
        parts.push(format!("{v:04x}:{pid:04x}"));
    }
    parts.extend(p.product.clone());
    parts.extend(p.serial_number.as_ref().map(|s| format!("serial {s}")));
    parts.join(" ")
}

#[component]
fn LivePanel() -> impl IntoView {
    let link = use_link();
    let interval = RwSignal::new("1000".to_string());
    let stale = RwSignal::new("10000".to_string());
    let start = move |_| {
        let read = || -> Result<(u32, u32), backstop_model::AppError> {
            Ok((
                crate::number::whole(&interval.get_untracked(), "The poll interval (ms)", 1, i64::from(u32::MAX))?,
                crate::number::whole(&stale.get_untracked(), "The stale time (ms)", 1, i64::from(u32::MAX))?,
            ))
        };
        let (i, s) = match read() {
            Ok(x) => x,
            Err(e) => {
                link.report(e);
                return;
            }
        };
        spawn_local(async move {
            match ipc::link_poll_start(&[], i, s).await {
                Ok(units) => link.notify(format!("Polling units {}.", units.iter().map(u8::to_string).collect::<Vec<_>>().join(", "))),
                Err(e) => link.report(e),
            }
        });
    };
    view! {
        <div class="card">
            <div class="toolbar">
                <span>"Poll every"</span><input class="short" type="text" bind:value=interval/><span>"ms; stale after"</span>
                <input class="short" type="text" bind:value=stale/><span>"ms"</span>
                <button class="btn primary" data-testid="poll-start" on:click=start>"Start polling"</button>
                <button class="btn" on:click=move |_| spawn_local(async move { if let Err(e) = ipc::link_poll_stop().await { link.report(e) } })>"Stop"</button>
            </div>
        </div>
        <div class="packs">
            {move || {
                let samples = link.samples.get();
                if samples.is_empty() {
                    view! { <p class="muted">"No live data yet: connect, scan, then start polling."</p> }.into_any()
                } else {
                    samples.into_values().map(|s| view! { <PackCard sample=s/> }).collect_view().into_any()
                }
            }}
        </div>
        <DeviceTree/>
        {move || link.followed.get().map(|(u, m, p)| view! {
            <div class="card">
                <h2>{format!("Trend: unit {u}, {m} {p}")}</h2>
                <Sparkline points=Signal::derive(move || link.trend.get().into_iter().collect::<Vec<_>>()) width=900 height=160/>
            </div>
        })}
    }
}

#[component]
fn PackCard(sample: TelemetrySample) -> impl IntoView {
    let link = use_link();
    let unit = sample.unit;
    let p = |path: &str| show_brief(find_point(&sample, 802, path));
    let num = |path: &str| find_point(&sample, 802, path).and_then(|x| x.value.as_f64());
    let spread = match (num("CellVMax"), num("CellVMin")) {
        (Some(a), Some(b)) => format!("{:.0} mV", (a - b) * 1000.0),
        _ => "—".into(),
    };
    let at = |s: &str, m: &str| format!("S{} M{}", p(s), p(m));
    let temps: Vec<(String, String)> = sample
        .models
        .iter()
        .filter(|m| m.id == 804)
        .map(|m| {
            let g = |n: &str| m.point(n).map(|x| show(Some(x))).unwrap_or_else(|| "—".into());
            (format!("String {}", g("Idx")), format!("{} … {}", g("ModTmpMin"), g("ModTmpMax")))
        })
        .collect();
    let health = move || link.health.get().get(&unit).cloned();
    let stale = sample.stale;
    let undecoded = sample.undecoded.clone();
    let evt = p("Evt1");
    let alarm = evt != "none" && evt != "—";
    let follow = move |model: u16, path: &'static str| move |_| link.follow(unit, model, path);
    view! {
        <div class="card pack" class:stale=stale data-testid="pack-card">
            <div class="project-head">
                <h2>{format!("Unit {unit}")}</h2>
                {move || match health() {
                    Some((DeviceHealth::Offline, m)) => view! { <span class="pill bad" title=m>"offline — stale"</span> }.into_any(),
                    Some((DeviceHealth::Degraded, m)) => view! { <span class="pill warn" title=m>"no answer"</span> }.into_any(),
                    _ if stale => view! { <span class="pill bad">"stale"</span> }.into_any(),
                    _ => view! { <span class="pill ok">"online"</span> }.into_any(),
                }}
            </div>
            <table class="kv">
                <tr><th>"State"</th><td data-testid="pack-state">{p("State")}</td></tr>
                <tr><th on:click=follow(802, "V")>"Voltage"</th><td>{p("V")}</td></tr>
                <tr><th on:click=follow(802, "A")>"Current"</th><td>{p("A")}</td></tr>
                <tr><th on:click=follow(802, "SoC")>"SOC / SOH"</th><td>{format!("{} / {}", p("SoC"), p("SoH"))}</td></tr>
                <tr><th on:click=follow(802, "CellVMax")>"Cell max"</th><td>{format!("{} at {}", p("CellVMax"), at("CellVMaxStr", "CellVMaxMod"))}</td></tr>
                <tr><th on:click=follow(802, "CellVMin")>"Cell min"</th><td>{format!("{} at {}", p("CellVMin"), at("CellVMinStr", "CellVMinMod"))}</td></tr>
                <tr><th>"Cell spread"</th><td data-testid="pack-spread">{spread}</td></tr>
                {temps.into_iter().map(|(k, v)| view! { <tr><th>{k}" temp."</th><td>{v}</td></tr> }).collect_view()}
                <tr><th>"Alarms"</th><td class:alarm=alarm>{evt}</td></tr>
            </table>
            {(!undecoded.is_empty()).then(|| view! {
                <ul class="undecoded" data-testid="pack-undecoded">
                    {undecoded.into_iter().map(|u| view! { <li class="warn">{format!("Model {} at {}: {}", u.id, u.address, u.reason)}</li> }).collect_view()}
                </ul>
            })}
            <p class="muted small">"Click a label to follow its trend."</p>
        </div>
    }
}

#[component]
fn WritePanel() -> impl IntoView {
    let link = use_link();
    let engineer = RwSignal::new(String::new());
    let minutes = RwSignal::new("15".to_string());
    let unit = RwSignal::new(String::new());
    let point = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let review = RwSignal::new(None::<WriteRequest>);

    // Writable points of the chosen unit: (model id, model address, path,
    // current, limits). Memos, so the lists are rebuilt only when what they
    // show changes, not on every live sample.
    let writable = Memo::new(move |_| {
        let Ok(u) = unit.get().parse::<u8>() else { return Vec::new() };
        link.samples.with(|samples| {
            let Some(s) = samples.get(&u) else { return Vec::new() };
            s.models
                .iter()
                .flat_map(|m| {
                    m.all_points()
                        .into_iter()
                        .filter_map(move |p| p.writable.clone().map(|w| (m.id, m.address, p.path.clone(), show(Some(p)), w)))
                })
                .collect::<Vec<_>>()
        })
    });
    let units = Memo::new(move |_| link.samples.with(|m| m.keys().copied().collect::<Vec<u8>>()));
    let prepare = move |_| {
        let Ok(u) = unit.get_untracked().parse::<u8>() else {
            link.report(backstop_model::AppError::invalid("Choose the unit to write to."));
            return;
        };
        let Some((model_id, model_address, path, _, w)) = writable.get_untracked().into_iter().find(|x| x.2 == point.get_untracked())
        else {
            link.report(backstop_model::AppError::invalid("Choose a writable point."));
            return;
        };
        let v = value.get_untracked();
        let value = if w.symbols.is_empty() {
            match crate::number::number(&v, "The new value") {
                Ok(n) => WriteValue::Number { value: n },
                Err(e) => {
                    link.report(e);
                    return;
                }
            }
        } else {
            WriteValue::Symbol { name: v.trim().to_string() }
        };
        review.set(Some(WriteRequest {
            unit: u,
            model_id,
            model_address,
            point: path.to_string(),
            value,
            engineer: engineer.get_untracked(),
        }));
    };
    view! {
        <div class="grid2">
            <div class="card">
                <h2>"Armed commissioning mode"</h2>
                <p class="muted">"Writes are refused unless the link is armed. Every value is checked against the model's range before anything is sent, read back after, and recorded in the project's audit log with your name."</p>
                <label class="field"><span>"Engineer"</span><input type="text" data-testid="arm-engineer" bind:value=engineer/></label>
                <label class="field"><span>"Minutes"</span><input type="text" bind:value=minutes/></label>
                <div class="toolbar">
                    <button class="btn danger" data-testid="arm" on:click=move |_| spawn_local(async move {
                        let m = minutes.get_untracked().parse().unwrap_or(0);
                        match ipc::link_arm(&engineer.get_untracked(), m).await {
                            Ok(()) => link.notify(format!("Armed for {m} minutes.")),
                            Err(e) => link.report(e),
                        }
                        link.refresh();
                    })>"Arm"</button>
                    <button class="btn" on:click=move |_| spawn_local(async move {
                        if let Err(e) = ipc::link_disarm().await { link.report(e) }
                        link.refresh();
                    })>"Disarm"</button>
                </div>
                <p data-testid="armed-state">{move || match link.status.get().and_then(|s| s.armed_by.zip(s.armed_seconds_left)) {
                    Some((who, left)) => format!("ARMED by {who}, {} min left", left / 60 + 1),
                    None => "not armed".into(),
                }}</p>
            </div>
            <div class="card">
                <h2>"Write a setpoint"</h2>
                <label class="field"><span>"Unit"</span>
                    <select bind:value=unit data-testid="write-unit">
                        <option value="">"—"</option>
                        {move || units.get().into_iter().map(|u| view! { <option value=u.to_string()>{format!("Unit {u}")}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field"><span>"Point"</span>
                    <select bind:value=point data-testid="write-point">
                        <option value="">"—"</option>
                        {move || writable.get().into_iter().map(|(m, _, path, cur, w)| {
                            let label = if w.symbols.is_empty() {
                                format!("{m} {path} = {cur} (range {} … {})", trim(w.min), trim(w.max))
                            } else {
                                format!("{m} {path} = {cur} ({})", w.symbols.join(" | "))
                            };
                            view! { <option value=path.clone()>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field"><span>"New value"</span><input type="text" data-testid="write-value" bind:value=value/></label>
                <button class="btn primary" data-testid="write-review" on:click=prepare>"Review write…"</button>
                {move || review.get().map(|req| {
                    let current = writable.with(|w| w.iter().find(|x| x.2 == req.point).map(|x| x.3.clone())).unwrap_or_else(|| "unknown".into());
                    let new = match &req.value { WriteValue::Number { value } => trim(*value), WriteValue::Symbol { name } => name.clone() };
                    let r2 = req.clone();
                    view! {
                        <div class="confirm" data-testid="write-confirm">
                            <p>{format!("Unit {}: {} {}", req.unit, req.model_id, req.point)}</p>
                            <p class="change"><span>{current}</span>" → "<strong>{new}</strong></p>
                            <div class="toolbar">
                                <button class="btn danger" data-testid="write-confirm-go" on:click=move |_| {
                                    let r = r2.clone();
                                    review.set(None);
                                    spawn_local(async move {
                                        match ipc::link_write(&r).await {
                                            Ok(o) => link.notify(o.message),
                                            Err(e) => link.report(e),
                                        }
                                    });
                                }>"Write and read back"</button>
                                <button class="btn" on:click=move |_| review.set(None)>"Cancel"</button>
                            </div>
                        </div>
                    }
                })}
            </div>
        </div>
        <div class="card">
            <h2>"Write outcomes (this session)"</h2>
            <table class="data" data-testid="write-outcomes">
                <thead><tr><th>"Outcome"</th><th>"Unit"</th><th>"Point"</th><th>"Old"</th><th>"Requested"</th><th>"Read back"</th><th>"By"</th></tr></thead>
                <tbody>
                    {move || link.writes.get().into_iter().map(|w| {
                        let (class, text) = match w.kind {
                            WriteOutcomeKind::Verified => ("pill ok", "verified"),
                            WriteOutcomeKind::Mismatch => ("pill bad", "MISMATCH"),
                            WriteOutcomeKind::NoAnswer => ("pill bad", "no answer — unverified"),
                            WriteOutcomeKind::Rejected => ("pill bad", "rejected"),
                        };
                        let v = |x: &Option<PointValue>| x.as_ref().map(PointValue::display).unwrap_or_else(|| "—".into());
                        view! { <tr title=w.message.clone()>
                            <td><span class=class>{text}</span></td><td>{w.unit}</td><td class="mono">{format!("{} {}", w.model_id, w.point)}</td>
                            <td>{v(&w.old)}</td><td>{w.requested.display()}</td><td>{v(&w.read_back)}</td><td>{w.engineer.clone()}</td>
                        </tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn TrafficPanel() -> impl IntoView {
    let link = use_link();
    let frames = RwSignal::new(Vec::<TrafficFrame>::new());
    let load = move || {
        spawn_local(async move {
            match ipc::link_traffic(0).await {
                Ok(f) => frames.set(f),
                Err(e) => link.report(e),
            }
        })
    };
    load();
    let timer = set_interval_with_handle(load, std::time::Duration::from_millis(1000)).ok();
    on_cleanup(move || {
        if let Some(t) = timer {
            t.clear();
        }
    });
    let export = move |csv: bool| {
        move |_| {
            spawn_local(async move {
                match ipc::link_traffic_export(csv).await {
                    Ok(path) => link.notify(format!("Traffic saved to {path}.")),
                    Err(e) => link.report(e),
                }
            })
        }
    };
    view! {
        <div class="card">
            <div class="toolbar">
                <button class="btn" on:click=export(false)>"Export text…"</button>
                <button class="btn" on:click=export(true)>"Export CSV…"</button>
                <span class="muted">{move || format!("{} frames (newest last)", frames.get().len())}</span>
            </div>
            <div class="scroll">
                <table class="data traffic" data-testid="traffic">
                    <thead><tr><th>"#"</th><th>"Time"</th><th>"Dir"</th><th>"Bytes"</th><th>"Meaning"</th></tr></thead>
                    <tbody>
                        {move || {
                            let f = frames.get();
                            let skip = f.len().saturating_sub(300);
                            f.into_iter().skip(skip).map(|x| view! {
                                <tr class=format!("dir-{:?}", x.direction).to_lowercase()>
                                    <td>{x.seq}</td><td class="mono">{clock(x.time_us)}</td><td>{format!("{:?}", x.direction)}</td>
                                    <td class="mono">{x.hex}</td><td>{x.meaning}</td>
                                </tr>
                            }).collect_view()
                        }}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

fn clock(us: u64) -> String {
    let s = us / 1_000_000;
    format!("{:02}:{:02}:{:02}.{:03}", (s / 3600) % 24, (s / 60) % 60, s % 60, (us / 1000) % 1000)
}

#[component]
fn ChecklistPanel() -> impl IntoView {
    let link = use_link();
    let project = use_project();
    let view_sig = RwSignal::new(None::<CommissionView>);
    let load = move || {
        spawn_local(async move {
            match ipc::commission_view().await {
                Ok(v) => view_sig.set(Some(v)),
                Err(e) => link.report(e),
            }
        })
    };
    load();
    let engineer = RwSignal::new(String::new());
    let so_name = RwSignal::new(String::new());
    let so_role = RwSignal::new("Commissioning engineer".to_string());
    let so_date = RwSignal::new(String::new());
    let run = move |id: String| {
        spawn_local(async move {
            if let Err(e) = ipc::commission_run(&id).await {
                link.report(e);
            }
            load();
            project.refresh();
        })
    };
    let comm = move |phase: CommLossPhase| {
        spawn_local(async move {
            match ipc::commission_comm_loss(phase).await {
                Ok(_) => {}
                Err(e) => link.report(e),
            }
            load();
        })
    };
    view! {
        {move || match view_sig.get() {
            None => view! { <p class="muted">"Loading the checklist…"</p> }.into_any(),
            Some(v) => {
                let session = v.session.clone();
                let signed = session.as_ref().and_then(|s| s.signoff.clone());
                let open = session.is_some() && signed.is_none();
                let sum = v.summary;
                view! {
                    <div class="grid2">
                        <div class="card">
                            <h2>{v.template.name.clone()}</h2>
                            {match &session {
                                None => view! { <p class="muted">"No session yet."</p> }.into_any(),
                                Some(s) => view! { <p data-testid="session-summary">{format!(
                                    "Revision {} by {} — {} passed, {} failed, {} n/a, {} incomplete, {} not run",
                                    s.revision, s.engineer, sum.passed, sum.failed, sum.not_applicable, sum.incomplete, sum.not_run
                                )}</p> }.into_any(),
                            }}
                            {(!open).then(|| view! {
                                <div class="inline-form">
                                    <input type="text" placeholder="Engineer" data-testid="session-engineer" bind:value=engineer/>
                                    <button class="btn primary" data-testid="session-start" on:click=move |_| spawn_local(async move {
                                        if let Err(e) = ipc::commission_start(&engineer.get_untracked()).await { link.report(e) }
                                        load();
                                        project.refresh();
                                    })>{if signed.is_some() { "Start a new revision" } else { "Start session" }}</button>
                                </div>
                            })}
                            {signed.clone().map(|s| view! { <p class="pill ok" data-testid="signed-off">{format!("Signed off by {} ({}) on {}", s.name, s.role, s.date)}</p> })}
                        </div>
                        <div class="card">
                            <h2>"As built vs design"</h2>
                            <table class="data" data-testid="as-built">
                                <thead><tr><th>"Cabinet"</th><th>"Unit"</th><th>"Serial"</th><th>"Firmware"</th><th>"Status"</th><th>"Place a controller"</th></tr></thead>
                                <tbody>{v.as_built.iter().map(|r| {
                                    let ok = r.ok();
                                    let status: Vec<String> = r.status.iter().map(|s| format!("{s:?}")).collect();
                                    let cabinet = r.cabinet.clone();
                                    let serial = r.serial.clone().unwrap_or_default();
                                    let serials: Vec<String> = v.as_built.iter().filter_map(|x| x.serial.clone()).collect();
                                    let assign = move |cab: String, ser: String| spawn_local(async move {
                                        if let Err(e) = ipc::commission_assign(&cab, &ser).await { link.report(e) }
                                        load();
                                        project.refresh();
                                    });
                                    let (cab_drop, cab_sel) = (cabinet.clone(), cabinet.clone());
                                    view! { <tr
                                        draggable=if serial.is_empty() { "false" } else { "true" }
                                        on:dragstart={ let s = serial.clone(); move |ev: leptos::ev::DragEvent| {
                                            if let Some(dt) = ev.data_transfer() { let _ = dt.set_data("text/plain", &s); }
                                        } }
                                        on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                                        on:drop=move |ev: leptos::ev::DragEvent| {
                                            ev.prevent_default();
                                            let dropped = ev.data_transfer().and_then(|dt| dt.get_data("text/plain").ok()).unwrap_or_default();
                                            if !cab_drop.is_empty() && !dropped.is_empty() { assign(cab_drop.clone(), dropped) }
                                        }>
                                        <td>{if r.cabinet.is_empty() { "—".to_string() } else { r.cabinet.clone() }}</td>
                                        <td>{r.unit.map(|u| u.to_string()).unwrap_or_default()}</td>
                                        <td class="mono">{r.serial.clone().unwrap_or_default()}</td>
                                        <td>{r.firmware.clone().unwrap_or_default()}</td>
                                        <td><span class=if ok { "pill ok" } else { "pill bad" }>{status.join("; ")}</span></td>
                                        <td>{(!cabinet.is_empty()).then(|| view! {
                                            <select data-testid=format!("assign-{cabinet}") on:change=move |ev| assign(cab_sel.clone(), event_target_value(&ev))>
                                                <option value="">"by address plan"</option>
                                                {serials.iter().map(|s| view! { <option value=s.clone() selected=*s == serial>{s.clone()}</option> }).collect_view()}
                                            </select>
                                        })}</td>
                                    </tr> }
                                }).collect_view()}</tbody>
                            </table>
                        </div>
                    </div>
                    {v.template.steps.iter().map(|step| {
                        let latest: Option<StepResult> = session.as_ref().and_then(|s| s.history.iter().rev().find(|r| r.step_id == step.id).cloned());
                        let id = step.id.clone();
                        let is_comm = matches!(step.check, backstop_model::commissioning::Check::CommunicationLoss { .. });
                        let note = RwSignal::new(latest.as_ref().map(|r| r.notes.clone()).unwrap_or_default());
                        let id_note = id.clone();
                        view! {
                            <div class="card step" data-testid=format!("step-{}", step.id)>
                                <div class="project-head">
                                    <h2>{step.title.clone()}</h2>
                                    {latest.as_ref().map(|r| outcome_pill(r.outcome))}
                                </div>
                                <p class="muted">{latest.as_ref().map(|r| r.criterion.clone()).unwrap_or_else(|| step.reference.clone())}</p>
                                {step.operator_action.clone().map(|a| view! { <p class="operator">{a}</p> })}
                                {open.then(|| if is_comm {
                                    view! { <div class="toolbar">
                                        <button class="btn" data-testid="comm-before" on:click=move |_| comm(CommLossPhase::Before)>{move || if view_sig.get().map(|v| v.comm_loss.before).unwrap_or(false) { "1. Before ✓" } else { "1. Before (link connected)" }}</button>
                                        <button class="btn" data-testid="comm-during" on:click=move |_| comm(CommLossPhase::During)>{move || if view_sig.get().map(|v| v.comm_loss.during).unwrap_or(false) { "2. Pulled ✓" } else { "2. Pulled (data stale)" }}</button>
                                        <button class="btn primary" data-testid="comm-after" on:click=move |_| comm(CommLossPhase::After)>"3. Reconnected — evaluate"</button>
                                    </div> }.into_any()
                                } else {
                                    let id = id.clone();
                                    view! { <div class="toolbar"><button class="btn primary" data-testid=format!("run-{id}") on:click=move |_| run(id.clone())>{if latest.is_some() { "Run again" } else { "Run" }}</button></div> }.into_any()
                                })}
                                {latest.as_ref().map(|r| view! {
                                    <p data-testid=format!("summary-{}", r.step_id)>{r.summary.clone()}</p>
                                    <table class="data evidence">
                                        <tbody>{r.evidence.iter().map(|e| view! {
                                            <tr class:bad=e.bad><td>{e.label.clone()}</td><td>{e.value.clone()}</td></tr>
                                        }).collect_view()}</tbody>
                                    </table>
                                    <p class="muted small">{format!("Recorded by {}", r.who)}</p>
                                })}
                                {(open && latest.is_some()).then(|| view! {
                                    <div class="inline-form">
                                        <input class="grow" type="text" placeholder="Note on this step" bind:value=note/>
                                        <button class="btn" on:click=move |_| {
                                            let (id, n) = (id_note.clone(), note.get_untracked());
                                            spawn_local(async move {
                                                if let Err(e) = ipc::commission_note(&id, &n).await { link.report(e) }
                                                load();
                                            });
                                        }>"Save note"</button>
                                    </div>
                                })}
                            </div>
                        }
                    }).collect_view()}
                    {open.then(|| view! {
                        <div class="card">
                            <h2>"Sign-off"</h2>
                            <p class="muted">"Signing off locks this session; later changes start a new revision."</p>
                            <div class="inline-form">
                                <input type="text" placeholder="Name" data-testid="signoff-name" bind:value=so_name/>
                                <input type="text" placeholder="Role" bind:value=so_role/>
                                <input class="date" type="text" placeholder="YYYY-MM-DD" data-testid="signoff-date" bind:value=so_date/>
                                <button class="btn primary" data-testid="signoff" on:click=move |_| spawn_local(async move {
                                    if let Err(e) = ipc::commission_sign_off(&so_name.get_untracked(), &so_role.get_untracked(), &so_date.get_untracked()).await { link.report(e) }
                                    load();
                                    project.refresh();
                                })>"Sign off"</button>
                            </div>
                        </div>
                    })}
                }.into_any()
            }
        }}
    }
}

fn outcome_pill(o: Outcome) -> impl IntoView {
    let class = match o {
        Outcome::Pass => "pill ok",
        Outcome::Fail => "pill bad",
        Outcome::NotApplicable | Outcome::Incomplete => "pill warn",
    };
    view! { <span class=class data-testid="outcome">{o.as_str().to_uppercase()}</span> }
}

/// The device tree of one unit: models → groups → points, read once.
#[component]
fn DeviceTree() -> impl IntoView {
    let link = use_link();
    let unit = RwSignal::new(String::new());
    let models = RwSignal::new(Vec::<backstop_model::link::DecodedModel>::new());
    let read = move |_| {
        let Ok(u) = unit.get_untracked().parse::<u8>() else {
            link.report(backstop_model::AppError::invalid("Choose a discovered unit."));
            return;
        };
        spawn_local(async move {
            match ipc::link_read_device(u).await {
                Ok(m) => models.set(m),
                Err(e) => link.report(e),
            }
        });
    };
    fn point_rows(points: &[backstop_model::link::PointReading]) -> impl IntoView + use<> {
        points
            .iter()
            .map(|p| {
                let w = p.writable.is_some();
                view! { <tr><td class="mono">{p.path.clone()}</td><td>{p.label.clone()}</td><td>{show(Some(p))}</td><td>{if w { "writable" } else { "" }}</td></tr> }
            })
            .collect_view()
    }
    fn group_view(g: &backstop_model::link::DecodedGroup) -> AnyView {
        let inner: Vec<AnyView> = g.groups.iter().map(group_view).collect();
        view! {
            <details class="tree">
                <summary>{format!("{} {}", g.name, g.index)}</summary>
                <table class="data"><tbody>{point_rows(&g.points)}</tbody></table>
                {inner}
            </details>
        }
        .into_any()
    }
    view! {
        <div class="card">
            <h2>"Device tree"</h2>
            <div class="inline-form">
                <select bind:value=unit data-testid="tree-unit">
                    <option value="">"—"</option>
                    {move || link.status.get().map(|s| s.devices).unwrap_or_default().into_iter().map(|d| view! { <option value=d.unit.to_string()>{format!("Unit {}", d.unit)}</option> }).collect_view()}
                </select>
                <button class="btn" data-testid="tree-read" on:click=read>"Read all models"</button>
            </div>
            {move || models.get().iter().map(|m| {
                let groups: Vec<AnyView> = m.groups.iter().map(group_view).collect();
                view! {
                    <details class="tree" data-testid="tree-model">
                        <summary>{format!("Model {} — {} (address {}, {} registers)", m.id, m.label, m.address, m.length)}</summary>
                        {(!m.notes.is_empty()).then(|| view! { <p class="muted">{m.notes.join("; ")}</p> })}
                        <table class="data"><tbody>{point_rows(&m.points)}</tbody></table>
                        {groups}
                    </details>
                }
            }).collect_view()}
        </div>
    }
}

/// What commissioning expects: the address plan, firmware, design
/// setpoints, tolerances and the project's copy of the checklist.
#[component]
fn PlanPanel() -> impl IntoView {
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
                    let unit = w.first().and_then(|u| u.parse::<u8>().ok()).ok_or(format!("\"{l}\": start with the unit id"))?;
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
                        point: backstop_model::commissioning::PointRef::new(w[0].parse().map_err(|_| bad())?, w[1]),
                        value: w[2].parse().map_err(|_| bad())?,
                        tolerance: w[3].parse().map_err(|_| bad())?,
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
