//! Interoperability with peers we did not write, over real PTY pairs:
//! our master against a pymodbus RTU server; mbpoll, a pymodbus client and
//! pysunspec2's SunSpec client against our simulator, reading the same
//! values our link reads.
//!
//! Python peers come from `<repo>/.venv` (or `BACKSTOP_VENV`), installed by
//! `scripts/setup --test`. Without them these tests fail in CI (`CI` set)
//! and are skipped with a message elsewhere.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use backstop_link::{LinkError, Op, RequestOptions};
use backstop_model::link::{DecodedGroup, DecodedModel, PointReading, PointValue};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_master_against_a_pymodbus_rtu_server() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pty = pty_pair(dir.path(), "pysrv");
    let mut child = Command::new(&py)
        .arg(peer_script("pymodbus_server.py"))
        .arg(&pty.b)
        .arg("115200")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Proc { child, name: "pymodbus server".into() };
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready", "pymodbus server did not start");

    let (link, _rx) = open_link(serial_config(&pty.a, 1000)).await;
    let expect = |a: u16| (7u32 * u32::from(a) + 3) as u16;
    let regs = link.read_span(1, 0, 300).await.unwrap();
    assert_eq!(regs, (0..300).map(expect).collect::<Vec<_>>());
    // SunSpec discovery against a third-party slave.
    let dev = link.discover(1).await.unwrap();
    assert_eq!(dev.models.len(), 1);
    let c = dev.common.unwrap();
    assert_eq!(
        (c.manufacturer.as_str(), c.model.as_str(), c.version.as_str(), c.serial_number.as_str()),
        ("pymodbus-peer", "interop", "0.9.1", "PEER-0001")
    );
    // FC06 and FC16 accepted and read back.
    link.request(1, Op::WriteSingle { address: 10, value: 4242 }, RequestOptions::default()).await.unwrap();
    link.request(1, Op::WriteMultiple { address: 20, values: vec![1, 2, 3] }, RequestOptions::default()).await.unwrap();
    assert_eq!(link.read_holding(1, 10, 1).await.unwrap(), vec![4242]);
    assert_eq!(link.read_holding(1, 20, 3).await.unwrap(), vec![1, 2, 3]);
    // An address it does not have: its exception, clearly reported.
    let e = link.read_holding(1, 1000, 2).await.unwrap_err();
    assert!(matches!(e, LinkError::Exception { code: 2, .. }), "{e}");
    // pymodbus 3.16 answers absent unit ids with exception 04 instead of
    // silence (a known quirk); we report exactly that.
    let e = link.read_holding(2, 0, 2).await.unwrap_err();
    assert!(matches!(e, LinkError::Exception { unit: 2, code: 4, .. }), "{e}");
    link.close().await;
}

/// Our link's reading of `count` registers at `address` of each unit, then
/// closes the port so the peer can open it.
async fn our_reading(path: &std::path::Path, units: &[u8], address: u16, count: u16) -> Vec<Vec<u16>> {
    let (link, _rx) = open_link(serial_config(path, 1000)).await;
    let mut out = Vec::new();
    for u in units {
        out.push(link.read_holding(*u, address, count).await.unwrap());
    }
    link.close().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mbpoll_reads_what_we_read() {
    let Some(mbpoll) = mbpoll() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pty = pty_pair(dir.path(), "mbpoll");
    let _sim = start_sim(&["--serial", pty.b.to_str().unwrap(), "--units", "1,2", "--freeze"]);
    let ours = our_reading(&pty.a, &[1, 2], 40070, 125).await;
    let mut cmd = Command::new(mbpoll);
    cmd.args(["-m", "rtu", "-b", "115200", "-P", "none", "-a", "1:2", "-t", "4:hex", "-0", "-r", "40070", "-c", "125", "-o", "1", "-1"])
        .arg(&pty.a);
    let (ok, out, err) = run_with_timeout(cmd, Duration::from_secs(20));
    assert!(ok, "mbpoll failed: {out}\n{err}");
    // Output: "-- Polling slave N..." then "[40070]: \t0x0322" lines.
    let mut theirs: Vec<Vec<u16>> = Vec::new();
    for line in out.lines() {
        if line.starts_with("-- Polling slave") {
            theirs.push(Vec::new());
        } else if let Some((_, v)) = line.split_once("]:") {
            let v = v.trim().trim_start_matches("0x");
            theirs.last_mut().expect("slave header first").push(u16::from_str_radix(v, 16).unwrap());
        }
    }
    assert_eq!(theirs, ours);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pymodbus_client_reads_what_we_read() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pty = pty_pair(dir.path(), "pycli");
    let _sim = start_sim(&["--serial", pty.b.to_str().unwrap(), "--units", "3", "--freeze"]);
    let ours = our_reading(&pty.a, &[3], 40000, 125).await;
    let mut cmd = Command::new(py);
    cmd.arg(peer_script("pymodbus_client.py")).args(["read"]).arg(&pty.a).args(["115200", "3", "40000", "125"]);
    let (ok, out, err) = run_with_timeout(cmd, Duration::from_secs(30));
    assert!(ok, "pymodbus client failed: {out}\n{err}");
    let theirs: Vec<u16> = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(theirs, ours[0]);
}

fn compare_point(model: u16, p: &PointReading, theirs: &serde_json::Value) -> Result<(), String> {
    let t = theirs.get(&*p.path).ok_or_else(|| format!("{model}.{}: pysunspec2 has no such point", p.path))?;
    let same = match &p.value {
        PointValue::NotImplemented => t.is_null(),
        PointValue::Number { value } => t.as_f64().is_some_and(|x| (x - value).abs() <= 1e-9 * value.abs().max(1.0)),
        PointValue::Enum { raw, .. } | PointValue::Bits { raw, .. } => t.as_u64() == Some(u64::from(*raw)),
        PointValue::Text { text } => t.as_str() == Some(text.as_str()),
        PointValue::Invalid { .. } => false,
    };
    if same { Ok(()) } else { Err(format!("{model}.{}: we decode {:?}, pysunspec2 says {t}", p.path, p.value)) }
}

fn compare_group(model: u16, g: &DecodedGroup, theirs: &serde_json::Value, errors: &mut Vec<String>, n: &mut usize) {
    for p in &g.points {
        *n += 1;
        if let Err(e) = compare_point(model, p, theirs) {
            errors.push(e);
        }
    }
    for c in &g.groups {
        compare_group(model, c, theirs, errors, n);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pysunspec2_reads_the_same_values_as_we_do() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pty = pty_pair(dir.path(), "suns");
    let _sim = start_sim(&[
        "--serial",
        pty.b.to_str().unwrap(),
        "--units",
        "5",
        "--freeze",
        "--strings",
        "2",
        "--modules",
        "2",
        "--cells",
        "6",
        "--unit-spread",
        "5=70",
    ]);
    let (link, _rx) = open_link(serial_config(&pty.a, 1000)).await;
    let dev = link.discover(5).await.unwrap();
    let ours: Vec<DecodedModel> = link.read_device(&dev).await.unwrap();
    link.close().await;

    let mut cmd = Command::new(py);
    cmd.arg(peer_script("sunspec_client.py")).arg(&pty.a).args(["115200", "5"]);
    let (ok, out, err) = run_with_timeout(cmd, Duration::from_secs(60));
    assert!(ok, "pysunspec2 failed: {out}\n{err}");
    let theirs: serde_json::Value = serde_json::from_str(out.trim()).unwrap();

    let mut errors = Vec::new();
    let mut compared = 0usize;
    let mut seen: std::collections::HashMap<u16, usize> = std::collections::HashMap::new();
    for m in &ours {
        let k = seen.entry(m.id).or_insert(0);
        let inst = &theirs[m.id.to_string()][*k];
        *k += 1;
        assert!(inst.is_object(), "pysunspec2 did not find instance {} of model {}", *k, m.id);
        let root = DecodedGroup { name: m.name.clone(), index: 0, points: m.points.clone(), groups: m.groups.clone() };
        compare_group(m.id, &root, inst, &mut errors, &mut compared);
    }
    assert!(errors.is_empty(), "{} of {compared} points differ:\n{}", errors.len(), errors.join("\n"));
    // 1 + 802 + 803 + 2×804 + 4×805 with their groups: hundreds of points.
    assert!(compared > 400, "{compared}");
    let counts: Vec<usize> = [1u16, 802, 803, 804, 805].iter().map(|id| theirs[id.to_string()].as_array().map_or(0, Vec::len)).collect();
    assert_eq!(counts, vec![1, 1, 1, 2, 4]);
}

/// A third-party SunSpec device: a pymodbus server whose register map
/// pysunspec2 generated from SunSpec's model JSON (not our code), with
/// pseudo-random values of every type and "not implemented" points. Our
/// link reads it, pysunspec2 reads it, and every point must agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_third_party_sunspec_server_reads_the_same_through_us_and_pysunspec2() {
    let Some(py) = python() else { return };
    for seed in [7u32, 42] {
        let dir = tempfile::tempdir().unwrap();
        let pty = pty_pair(dir.path(), "peer");
        let mut child = Command::new(&py)
            .arg(peer_script("sunspec_server.py"))
            .arg(&pty.b)
            .args(["115200", "9", &seed.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let _server = Proc { child, name: "pysunspec2-generated server".into() };
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the SunSpec peer did not start");

        let (link, _rx) = open_link(serial_config(&pty.a, 1000)).await;
        let dev = link.discover(9).await.unwrap();
        let ids: Vec<u16> = dev.models.iter().map(|m| m.id).collect();
        assert_eq!(ids, vec![1, 802, 803, 804, 804, 805, 805, 805, 805]);
        assert!(dev.notes.is_empty(), "{:?}", dev.notes);
        let ours: Vec<DecodedModel> = link.read_device(&dev).await.unwrap();
        link.close().await;

        let mut cmd = Command::new(&py);
        cmd.arg(peer_script("sunspec_client.py")).arg(&pty.a).args(["115200", "9"]);
        let (ok, out, err) = run_with_timeout(cmd, Duration::from_secs(60));
        assert!(ok, "pysunspec2 failed: {out}\n{err}");
        let theirs: serde_json::Value = serde_json::from_str(out.trim()).unwrap();

        let mut errors = Vec::new();
        let mut compared = 0usize;
        let mut not_implemented = 0usize;
        let mut seen: std::collections::HashMap<u16, usize> = std::collections::HashMap::new();
        for m in &ours {
            let k = seen.entry(m.id).or_insert(0);
            let inst = &theirs[m.id.to_string()][*k];
            *k += 1;
            assert!(inst.is_object(), "pysunspec2 did not find instance {} of model {}", *k, m.id);
            not_implemented += m.all_points().iter().filter(|p| p.value == PointValue::NotImplemented).count();
            let root = DecodedGroup { name: m.name.clone(), index: 0, points: m.points.clone(), groups: m.groups.clone() };
            compare_group(m.id, &root, inst, &mut errors, &mut compared);
        }
        assert!(errors.is_empty(), "seed {seed}: {} of {compared} points differ:\n{}", errors.len(), errors.join("\n"));
        eprintln!("seed {seed}: {compared} points agree, {not_implemented} of them not implemented");
        assert!(compared > 300, "seed {seed}: only {compared} points compared");
        assert!(not_implemented > 10, "seed {seed}: the peer should carry unimplemented points, found {not_implemented}");
    }
}
