//! Connect: the serial adapter or TCP gateway, the link settings with the
//! echo check, the bus scan and discovery.

use backstop_model::link::{EchoMode, LinkConfig, LinkTarget, Parity, ScanRequest, SerialSettings, StopBits};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ipc;
use crate::link_state::use_link;

#[component]
pub(super) fn ConnectPanel() -> impl IntoView {
    let link = use_link();
    let ports = RwSignal::new(Vec::new());
    let demo_link = RwSignal::new(None::<String>);
    let path = RwSignal::new(String::new());
    let baud = RwSignal::new("115200".to_string());
    let parity = RwSignal::new("none".to_string());
    let stop = RwSignal::new("1".to_string());
    let timeout = RwSignal::new("500".to_string());
    let retries = RwSignal::new("2".to_string());
    let keep_alive = RwSignal::new(backstop_model::link::KEEP_ALIVE_MS.to_string());
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
            c.keep_alive_ms = Some(
                crate::number::whole(&keep_alive.get_untracked(), "the keep-alive (ms)", 0, 60_000)
                    .map_err(|e| e.message.trim_end_matches('.').to_string())?,
            );
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
                <label class="field"><span>"Keep-alive (ms)"</span>
                    <input type="text" data-testid="keep-alive" bind:value=keep_alive
                        title="Every unit that answered and is not being polled gets a one-register read this often, so a pack whose communication-loss watchdog expects a master does not open its contactors between the scan and the live view. 0 = off."/>
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

pub(super) fn port_label(p: &backstop_model::link::PortInfo) -> String {
    let mut parts = vec![p.kind.clone()];
    if let (Some(v), Some(pid)) = (p.vid, p.pid) {
        parts.push(format!("{v:04x}:{pid:04x}"));
    }
    parts.extend(p.product.clone());
    parts.extend(p.serial_number.as_ref().map(|s| format!("serial {s}")));
    parts.join(" ")
}
