//! Backstop's link against the simulator over real PTY pairs (socat):
//! scan, discovery and decoding against the simulator's truth, every fault
//! mode with a clear error and recovery, stale marking and reconnect, and
//! verified writes (including the RS-485 echo trap).

mod common;

use std::time::Duration;

use backstop_link::{CancelToken, LinkError, Op, PollConfig, PollSource, PollTarget, RequestOptions};
use backstop_model::link::{
    DeviceHealth, EchoMode, FrameDirection, LinkEvent, LinkState, LinkTarget, PointValue, ProjectLimit, ScanRequest, WriteOutcomeKind,
    WriteRequest, WriteValue,
};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_finds_exactly_the_simulated_ids_and_can_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let pty = pty_pair(dir.path(), "scan");
    let _sim = start_sim(&["--serial", pty.b.to_str().unwrap(), "--units", "2,5,9"]);
    let (link, mut rx) = open_link(serial_config(&pty.a, 200)).await;
    let req = ScanRequest { first: 1, last: 12, timeout_ms: 60 };
    let hits = link.scan(&req, &CancelToken::new()).await.unwrap();
    let ids: Vec<u8> = hits.iter().map(|h| h.unit).collect();
    assert_eq!(ids, vec![2, 5, 9]);
    assert!(hits.iter().all(|h| h.sunspec_base == Some(40000)), "{hits:?}");
    // Progress after every id, the last one finished.
    let mut progress = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let LinkEvent::Scan(p) = ev {
            progress.push(p);
        }
    }
    assert_eq!(progress.len(), 12);
    assert!(progress.last().unwrap().finished && !progress.last().unwrap().cancelled);
    assert_eq!(progress.last().unwrap().found.len(), 3);

    // Cancelling mid-scan returns what was found so far.
    let cancel = CancelToken::new();
    let (l2, c2) = (link.clone(), cancel.clone());
    let task = tokio::spawn(async move { l2.scan(&ScanRequest { first: 1, last: 247, timeout_ms: 60 }, &c2).await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    cancel.cancel();
    let partial = tokio::time::timeout(Duration::from_secs(5), task).await.unwrap().unwrap().unwrap();
    assert!(partial.len() <= 3);
    let last = loop {
        if let LinkEvent::Scan(p) = rx.recv().await.unwrap()
            && p.finished
        {
            break p;
        }
    };
    assert!(last.cancelled && last.done < 247, "{last:?}");
    // Bad ranges are refused before anything is sent.
    assert!(matches!(link.scan(&ScanRequest { first: 0, last: 3, timeout_ms: 50 }, &CancelToken::new()).await, Err(LinkError::Invalid(_))));
    link.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decoded_values_equal_the_simulators_truth() {
    let dir = tempfile::tempdir().unwrap();
    let pty = pty_pair(dir.path(), "truth");
    let sim = start_sim(&[
        "--serial",
        pty.b.to_str().unwrap(),
        "--units",
        "1-3",
        "--freeze",
        "--strings",
        "2",
        "--modules",
        "3",
        "--cells",
        "12",
        "--unit-firmware",
        "2=2.2.9",
        "--unit-spread",
        "3=62",
    ]);
    let (link, _rx) = open_link(serial_config(&pty.a, 500)).await;
    for unit in 1..=3u8 {
        let dev = link.discover(unit).await.unwrap();
        assert_eq!(dev.base_address, 40000);
        let ids: Vec<u16> = dev.models.iter().map(|m| m.id).collect();
        assert_eq!(ids, vec![1, 802, 803, 804, 804, 805, 805, 805, 805, 805, 805]);
        assert!(dev.notes.is_empty(), "{:?}", dev.notes);
        let common = dev.common.clone().unwrap();
        assert_eq!(common.manufacturer, "Backstop Sim");
        assert_eq!(common.version, if unit == 2 { "2.2.9" } else { "2.3.1" });
        assert_eq!(common.device_address, Some(u16::from(unit)));

        // Every model decodes exactly as the simulator's own registers do.
        let (base, truth) = sim.regs(unit);
        let decoded = link.read_device(&dev).await.unwrap();
        assert_eq!(decoded.len(), dev.models.len());
        for (m, d) in dev.models.iter().zip(&decoded) {
            let at = usize::from(m.address - base);
            let expect = backstop_sunspec::decode_model(&truth[at..at + 2 + usize::from(m.length)], m.address).unwrap();
            assert_eq!(d, &expect, "model {} of unit {unit}", m.id);
        }
        // And the headline values match what the simulator says they are.
        let b = &decoded[1];
        for point in ["SoC", "V", "A", "CellVMax", "CellVMin", "State", "Evt1", "ChaSt"] {
            let shown = b.point(point).unwrap().value.display();
            assert_eq!(shown, sim.ctl(&format!("get {unit} 802 {point}")), "802.{point} of unit {unit}");
        }
        let cell7 = decoded[5].groups[6].points.iter().find(|p| p.name == "CellV").unwrap();
        assert_eq!(cell7.path, "lithium-ion-module-cell[7].CellV");
        assert_eq!(cell7.value.display(), sim.ctl(&format!("get {unit} 805 lithium-ion-module-cell[7].CellV")));
        assert_eq!(cell7.unit.as_deref(), Some("V"));
        // "Not implemented" is never a number.
        assert_eq!(b.point("StateVnd").unwrap().value, PointValue::NotImplemented);
        assert_eq!(b.point("ReqW").unwrap().value, PointValue::NotImplemented);
        // The spread override shows up as cell max − min.
        let spread = b.point("CellVMax").unwrap().value.as_f64().unwrap() - b.point("CellVMin").unwrap().value.as_f64().unwrap();
        if unit == 3 {
            assert!(spread > 0.060, "{spread}");
            assert!(b.point("Evt1").unwrap().value.display().contains("VOLTAGE_IMBALANCE_WARNING"));
        } else {
            assert!(spread < 0.012, "{spread}");
        }
    }
    // A unit that is not there: a clear "no answer".
    let e = link.discover(7).await.unwrap_err();
    assert!(matches!(e, LinkError::NoAnswer { unit: 7, .. }), "{e}");
    assert!(e.to_string().contains("did not answer"));
    link.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_mode_gives_a_clear_error_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let pty = pty_pair(dir.path(), "fault");
    let sim = start_sim(&["--serial", pty.b.to_str().unwrap(), "--units", "1,2", "--freeze"]);
    let (link, _rx) = open_link(serial_config(&pty.a, 150)).await;
    let (_, truth) = sim.regs(1);
    let good = |regs: &[u16]| assert_eq!(regs, &truth[..8]);
    good(&link.read_holding(1, 40000, 8).await.unwrap());

    // No reply.
    sim.ctl("fault no-reply on");
    let e = link.read_holding(1, 40000, 8).await.unwrap_err();
    assert!(matches!(e, LinkError::NoAnswer { unit: 1, .. }), "{e}");
    sim.ctl("fault clear");
    good(&link.read_holding(1, 40000, 8).await.unwrap());

    // Faults limited to one unit leave the other alone.
    sim.ctl("fault no-reply on");
    sim.ctl("fault units 2");
    good(&link.read_holding(1, 40000, 8).await.unwrap());
    assert!(link.read_holding(2, 40000, 8).await.is_err());
    sim.ctl("fault clear");

    // Late reply: times out, and the late bytes are flushed before the next
    // request instead of being taken as its answer.
    sim.ctl("fault late 300");
    let e = link.read_holding(1, 40000, 8).await.unwrap_err();
    assert!(matches!(e, LinkError::NoAnswer { .. }), "{e}");
    sim.ctl("fault clear");
    tokio::time::sleep(Duration::from_millis(400)).await; // the late reply is now waiting in the PTY
    let other = link.read_holding(1, 40010, 4).await.unwrap();
    assert_eq!(other, truth[10..14]);
    let traffic = link.traffic(0);
    assert!(traffic.iter().any(|f| f.direction == FrameDirection::Discarded), "late reply not shown as discarded");

    // CRC error.
    sim.ctl("fault crc on");
    let e = link.read_holding(1, 40000, 8).await.unwrap_err();
    assert!(matches!(e, LinkError::Damaged { .. }), "{e}");
    assert!(e.to_string().contains("CRC"), "{e}");
    sim.ctl("fault clear");
    good(&link.read_holding(1, 40000, 8).await.unwrap());

    // Garbage bytes.
    sim.ctl("fault garbage on");
    let e = link.read_holding(1, 40000, 8).await.unwrap_err();
    assert!(matches!(e, LinkError::Damaged { .. }), "{e}");
    assert!(e.to_string().contains("damaged"), "{e}");
    sim.ctl("fault clear");
    good(&link.read_holding(1, 40000, 8).await.unwrap());

    // Exception codes.
    sim.ctl("fault exception 6");
    let e = link.read_holding(1, 40000, 8).await.unwrap_err();
    assert!(matches!(e, LinkError::Exception { code: 6, .. }), "{e}");
    assert!(e.to_string().contains("server device busy"));
    sim.ctl("fault clear");
    let e = link.read_holding(1, 30000, 8).await.unwrap_err();
    assert!(matches!(e, LinkError::Exception { code: 2, .. }), "{e}");
    good(&link.read_holding(1, 40000, 8).await.unwrap());

    // RS-485 echo, suppression off: reads still work and the echo is noticed.
    sim.ctl("fault echo on");
    good(&link.read_holding(1, 40000, 8).await.unwrap());
    assert!(link.echo_detected());
    sim.ctl("fault clear");

    // Disconnect/reconnect of the device side: no answer while away, fine after.
    sim.ctl("disconnect 600");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = link.read_holding(1, 40000, 8).await.unwrap_err();
    assert!(e.is_silence(), "{e}");
    tokio::time::sleep(Duration::from_millis(700)).await;
    good(&link.read_holding(1, 40000, 8).await.unwrap());

    // Retries recover from a single lost reply.
    link.close().await;
    let mut cfg = serial_config(&pty.a, 150);
    cfg.retries = 2;
    cfg.echo = EchoMode::Suppress;
    let (link, _rx) = open_link(cfg).await;
    sim.ctl("fault echo on");
    good(&link.read_holding(1, 40000, 8).await.unwrap());
    assert!(link.traffic(0).iter().any(|f| f.direction == FrameDirection::Echo), "suppressed echo not shown");
    sim.ctl("fault clear");
    link.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_marking_and_reconnect_after_killing_the_simulator_and_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = pty_pair(dir.path(), "stale");
    let b = pty.b.to_str().unwrap().to_string();
    let mut sim = start_sim(&["--serial", &b, "--units", "1", "--tick-ms", "100"]);
    let (link, mut rx) = open_link(serial_config(&pty.a, 100)).await;
    let dev = link.discover(1).await.unwrap();
    let models = dev.models.iter().filter(|m| m.id != 1).cloned().collect();
    let mut cfg = PollConfig::new(vec![PollTarget { unit: 1, source: PollSource::SunSpec(models) }], Duration::from_millis(100));
    cfg.stale_after = Duration::from_millis(800);
    link.start_polling(cfg).await.unwrap();
    let first = wait_event(&mut rx, Duration::from_secs(5), |e| match e {
        LinkEvent::Sample(s) if !s.stale => Some(s.clone()),
        _ => None,
    })
    .await;
    assert_eq!(first.models.len(), 7);
    assert_eq!(first.health, DeviceHealth::Online);

    // Kill the simulator mid-poll: degraded, then offline with a stale sample.
    sim.proc_.kill();
    wait_event(&mut rx, Duration::from_secs(5), |e| matches!(e, LinkEvent::Health { health: DeviceHealth::Degraded, .. }).then_some(()))
        .await;
    let stale = wait_event(&mut rx, Duration::from_secs(5), |e| match e {
        LinkEvent::Sample(s) if s.stale => Some(s.clone()),
        _ => None,
    })
    .await;
    assert_eq!(stale.health, DeviceHealth::Offline);
    assert_eq!(stale.models.len(), first.models.len(), "the stale sample repeats the last data");

    // Restart it: online again with fresh samples.
    sim = start_sim(&["--serial", &b, "--units", "1", "--tick-ms", "100"]);
    wait_event(&mut rx, Duration::from_secs(5), |e| matches!(e, LinkEvent::Health { health: DeviceHealth::Online, .. }).then_some(()))
        .await;
    wait_event(&mut rx, Duration::from_secs(5), |e| matches!(e, LinkEvent::Sample(s) if !s.stale).then_some(())).await;

    // Now the port itself vanishes (adapter unplugged): reconnecting, then
    // back when the port returns under the same name.
    sim.proc_.kill();
    pty.socat.kill();
    let _ = std::fs::remove_file(&pty.a);
    wait_event(&mut rx, Duration::from_secs(5), |e| matches!(e, LinkEvent::Link(LinkState::Reconnecting { .. })).then_some(())).await;
    let e = link.read_holding(1, 40000, 2).await.unwrap_err();
    assert!(matches!(e, LinkError::Disconnected { .. }), "{e}");
    pty = pty_pair(dir.path(), "stale");
    let _sim2 = start_sim(&["--serial", &b, "--units", "1", "--tick-ms", "100"]);
    wait_event(&mut rx, Duration::from_secs(10), |e| matches!(e, LinkEvent::Link(LinkState::Connected { .. })).then_some(())).await;
    wait_event(&mut rx, Duration::from_secs(5), |e| {
        matches!(e, LinkEvent::Sample(s) if !s.stale && s.health == DeviceHealth::Online).then_some(())
    })
    .await;
    link.stop_polling().await.unwrap();
    link.close().await;
    drop(pty);
}

/// The units' communication-loss watchdog in the keep-alive test: a pack
/// that hears no request for this long opens its contactors.
const WATCHDOG_S: &str = "2";

fn pack_state(sim: &SimProc, unit: u8) -> String {
    sim.ctl(&format!("get {unit} 802 State"))
}

/// Requests sent to `unit` in `frames` that read one register (what a
/// keep-alive sends; the poll and the scan read more).
fn keep_alive_reads(frames: &[backstop_model::link::TrafficFrame], unit: u8) -> usize {
    frames
        .iter()
        .filter(|f| f.direction == FrameDirection::Tx && f.meaning.starts_with(&format!("unit {unit} ")) && f.meaning.ends_with("×1"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_that_answered_are_kept_alive_so_their_watchdog_never_trips() {
    let dir = tempfile::tempdir().unwrap();
    let pty = pty_pair(dir.path(), "keep");
    let sim = start_sim(&["--serial", pty.b.to_str().unwrap(), "--units", "1,2", "--tick-ms", "100", "--comm-timeout-s", WATCHDOG_S]);
    let mut config = serial_config(&pty.a, 200);
    config.keep_alive_ms = Some(300);
    let (link, _rx) = open_link(config).await;
    let hits = link.scan(&ScanRequest { first: 1, last: 2, timeout_ms: 100 }, &CancelToken::new()).await.unwrap();
    assert_eq!(hits.len(), 2);
    // Only unit 1 is polled; unit 2 hears nothing but the keep-alive.
    let dev = link.discover(1).await.unwrap();
    let models = dev.models.iter().filter(|m| m.id != 1).cloned().collect();
    let from = link.traffic(0).last().map_or(0, |f| f.seq + 1);
    link.start_polling(PollConfig::new(vec![PollTarget { unit: 1, source: PollSource::SunSpec(models) }], Duration::from_millis(200)))
        .await
        .unwrap();
    // Well past the watchdog (2 s), twice over.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(pack_state(&sim, 1), "CONNECTED", "the polled pack");
    assert_eq!(pack_state(&sim, 2), "CONNECTED", "the pack that was only scanned is kept alive");
    let frames = link.traffic(from);
    assert!(keep_alive_reads(&frames, 2) >= 5, "unit 2 kept alive about every 300 ms: {} reads", keep_alive_reads(&frames, 2));
    assert_eq!(keep_alive_reads(&frames, 1), 0, "a polled unit is left to the poll");

    // Polling stops: both are kept alive.
    link.stop_polling().await.unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(pack_state(&sim, 1), "CONNECTED");
    assert_eq!(pack_state(&sim, 2), "CONNECTED");

    // The packs go silent (the simulator is stopped): after a few unanswered
    // keep-alives a unit is no longer asked, so a gone unit costs the bus
    // nothing.
    let pid = sim.proc_.pid().to_string();
    assert!(std::process::Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    tokio::time::sleep(Duration::from_secs(4)).await;
    let quiet_from = link.traffic(0).last().map_or(0, |f| f.seq + 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = link.traffic(quiet_from);
    assert!(std::process::Command::new("kill").args(["-CONT", &pid]).status().unwrap().success());
    assert!(after.iter().all(|f| f.direction != FrameDirection::Tx), "still asking silent units: {after:?}");
    link.close().await;

    // The same without a keep-alive: the scanned pack trips (so the check
    // above can fail).
    let pty = pty_pair(dir.path(), "nokeep");
    let sim = start_sim(&["--serial", pty.b.to_str().unwrap(), "--units", "2", "--tick-ms", "100", "--comm-timeout-s", WATCHDOG_S]);
    let mut config = serial_config(&pty.a, 200);
    config.keep_alive_ms = Some(0);
    let (link, _rx) = open_link(config).await;
    assert_eq!(link.scan(&ScanRequest { first: 2, last: 2, timeout_ms: 100 }, &CancelToken::new()).await.unwrap().len(), 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while pack_state(&sim, 2) != "DISCONNECTED" {
        assert!(std::time::Instant::now() < deadline, "without a keep-alive the scanned pack should trip its watchdog");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(keep_alive_reads(&link.traffic(0), 2), 0);
    link.close().await;
}

fn write_req(model_address: u16, model_id: u16, point: &str, value: WriteValue) -> WriteRequest {
    WriteRequest { unit: 1, model_id, model_address, point: point.into(), value, engineer: "J. Tester".into() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_checked_before_the_wire_and_verified_by_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let pty = pty_pair(dir.path(), "write");
    let sim = start_sim(&["--serial", pty.b.to_str().unwrap(), "--units", "1", "--freeze"]);
    let (link, mut rx) = open_link(serial_config(&pty.a, 300)).await;
    let dev = link.discover(1).await.unwrap();
    let m802 = dev.models.iter().find(|m| m.id == 802).unwrap().address;
    let m803 = dev.models.iter().find(|m| m.id == 803).unwrap().address;

    // Not armed: refused.
    let req = write_req(m802, 802, "SetOp", WriteValue::Symbol { name: "DISCONNECT".into() });
    assert!(matches!(link.write_point(&req, &[]).await, Err(LinkError::NotArmed)));
    link.arm("J. Tester", Duration::from_secs(60)).unwrap();

    let out = link.write_point(&req, &[]).await.unwrap();
    assert_eq!(out.kind, WriteOutcomeKind::Verified, "{}", out.message);
    assert_eq!(out.old.as_ref().unwrap().display(), "CONNECT");
    assert_eq!(out.read_back.as_ref().unwrap().display(), "DISCONNECT");
    assert_eq!(out.engineer, "J. Tester");
    assert_eq!(sim.ctl("get 1 802 State"), "DISCONNECTED");
    // The audit record also went to the sink.
    let audited = wait_event(&mut rx, Duration::from_secs(2), |e| match e {
        LinkEvent::Write(o) => Some(o.clone()),
        _ => None,
    })
    .await;
    assert_eq!(audited, out);

    // A scaled value and a point inside a repeating group.
    let out = link.write_point(&write_req(m802, 802, "SoCRsvMin", WriteValue::Number { value: 12.5 }), &[]).await.unwrap();
    assert_eq!(out.kind, WriteOutcomeKind::Verified, "{}", out.message);
    assert_eq!(out.raw_written, vec![125]);
    assert_eq!(sim.ctl("get 1 802 SoCRsvMin"), "12.5");
    let out = link
        .write_point(&write_req(m803, 803, "string[1].StrSetCon", WriteValue::Symbol { name: "DISCONNECT_STRING".into() }), &[])
        .await
        .unwrap();
    assert_eq!(out.kind, WriteOutcomeKind::Verified, "{}", out.message);

    // Refusals send nothing: the simulator's request counter does not move.
    let count = |s: &str| s.split_whitespace().find_map(|w| w.strip_prefix("requests=")).unwrap().parse::<u64>().unwrap();
    let before = count(&sim.ctl("status"));
    for (point, value, limit) in [
        ("SoCRsvMin", 150.0, None),
        ("SoCRsvMin", 12.55, None),
        ("SoCRsvMin", 40.0, Some(ProjectLimit { min: 5.0, max: 30.0, source: "vendor spec §4.2".into() })),
        ("SoC", 50.0, None),
    ] {
        let limits: Vec<ProjectLimit> = limit.into_iter().collect();
        let e = link.write_point(&write_req(m802, 802, point, WriteValue::Number { value }), &limits).await.unwrap_err();
        assert!(matches!(e, LinkError::Refused(_)), "{point}={value}: {e}");
    }
    let e = link.write_point(&write_req(m802, 803, "SetOp", WriteValue::Number { value: 1.0 }), &[]).await.unwrap_err();
    assert!(e.to_string().contains("run discovery again"), "{e}");
    // Only the reads that check the model header went out (2 per attempt + model reads).
    let after = count(&sim.ctl("status"));
    let writes_seen = link.traffic(0).iter().filter(|f| f.direction == FrameDirection::Tx && f.meaning.contains("write")).count();
    assert_eq!(writes_seen, 3, "only the three accepted writes reached the wire");
    assert!(after > before);

    // The device's own range check: exception 03 for a raw out-of-range write.
    let setop = m802 + backstop_sunspec::model_def(802).unwrap().group.point("SetOp").unwrap().offset as u16;
    let e = link.request(1, Op::WriteSingle { address: setop, value: 9 }, RequestOptions::default()).await.unwrap_err();
    assert!(matches!(e, LinkError::Exception { code: 3, .. }), "{e}");

    // Arming expires.
    link.disarm();
    assert!(matches!(link.write_point(&req, &[]).await, Err(LinkError::NotArmed)));
    link.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_under_echo_without_an_answer_is_never_verified() {
    let dir = tempfile::tempdir().unwrap();
    let pty = pty_pair(dir.path(), "echo");
    let sim = start_sim(&["--serial", pty.b.to_str().unwrap(), "--units", "1", "--freeze"]);
    let (link, _rx) = open_link(serial_config(&pty.a, 200)).await;
    let dev = link.discover(1).await.unwrap();
    let m802 = dev.models.iter().find(|m| m.id == 802).unwrap().address;
    link.arm("J. Tester", Duration::from_secs(60)).unwrap();
    let setop = m802 + backstop_sunspec::model_def(802).unwrap().group.point("SetOp").unwrap().offset as u16;

    // The trap itself: the FC06 echo is byte-for-byte a valid acknowledgement.
    sim.ctl("fault echo on");
    sim.ctl("fault no-reply on");
    let raw = link.request(1, Op::WriteSingle { address: setop, value: 2 }, RequestOptions { timeout: None, retries: Some(0) }).await;
    assert!(raw.is_ok(), "tokio-modbus takes the echo as success: {raw:?}");
    assert_eq!(sim.ctl("get 1 802 SetOp"), "CONNECT", "the device never saw the write");

    // Through write_point: the read-back catches it.
    let req = write_req(m802, 802, "SetOp", WriteValue::Symbol { name: "DISCONNECT".into() });
    sim.ctl("fault clear");
    // (discovery-time reads must work; then the device goes silent under echo)
    let header_ok = link.read_holding(1, m802, 2).await.unwrap();
    assert_eq!(header_ok[0], 802);
    sim.ctl("fault echo on");
    sim.ctl("fault no-reply on");
    // The model read that precedes every write gets only its echo: the
    // write is not attempted, and the error says no answer.
    let err = link.write_point(&req, &[]).await.unwrap_err();
    assert!(err.is_silence(), "{err}");

    // Echo plus a device that answers reads but ignores writes: mismatch.
    sim.ctl("fault clear");
    sim.ctl("fault echo on");
    sim.ctl("fault no-reply on");
    sim.ctl("fault writes-only on");
    let out = link.write_point(&req, &[]).await.unwrap();
    assert_eq!(out.kind, WriteOutcomeKind::Mismatch, "{}", out.message);
    assert_eq!(out.read_back.as_ref().unwrap().display(), "CONNECT");
    assert!(out.message.contains("echo"), "{}", out.message);
    assert_eq!(sim.ctl("get 1 802 SetOp"), "CONNECT");

    // With echo suppression the echo is discarded and the silence shows as no answer.
    link.close().await;
    let mut cfg = serial_config(&pty.a, 200);
    cfg.echo = EchoMode::Suppress;
    let (link, _rx) = open_link(cfg).await;
    link.arm("J. Tester", Duration::from_secs(60)).unwrap();
    let out = link.write_point(&req, &[]).await.unwrap();
    assert_eq!(out.kind, WriteOutcomeKind::NoAnswer, "{}", out.message);
    assert!(out.message.contains("NOT verified"));
    sim.ctl("fault clear");
    link.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modbus_tcp_gateway() {
    let sim = start_sim(&["--tcp", "127.0.0.1:0", "--units", "4,6", "--freeze"]);
    let addr = sim.tcp.clone().unwrap();
    let (host, port) = addr.rsplit_once(':').unwrap();
    let mut cfg = backstop_model::link::LinkConfig::new(LinkTarget::Tcp { host: host.into(), port: port.parse().unwrap() });
    cfg.timeout_ms = 300;
    let (link, _rx) = open_link(cfg).await;
    let dev = link.discover(6).await.unwrap();
    assert_eq!(dev.models.len(), 8);
    let (base, truth) = sim.regs(6);
    assert_eq!(link.read_holding(6, base, 100).await.unwrap(), truth[..100]);
    // A gateway answers for absent units with exception 0B.
    let e = link.read_holding(5, 40000, 2).await.unwrap_err();
    assert!(matches!(e, LinkError::Exception { code: 0x0B, .. }), "{e}");
    assert!(link.traffic(0).iter().any(|f| f.meaning.contains("read holding")));
    link.close().await;
}
