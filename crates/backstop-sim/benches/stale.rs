//! Time from a pack's last good data to "offline — stale" on a real PTY
//! pair, for several timeout / retry / poll-interval settings: the
//! simulator stops answering (`fault no-reply on`) while the link polls,
//! and the clock runs from the arrival of the last fresh sample to the
//! offline health event. The link marks a device offline on a timer,
//! `stale_after` after its last good data was read, whatever the link is
//! doing meanwhile; the figures show the bound holds on a real port.
//!
//! Run: `cargo bench -p backstop-sim --bench stale` (prints a markdown table).

mod support;

use std::time::{Duration, Instant};

use backstop_link::{Link, PollConfig, PollTarget, channel_sink};
use backstop_model::link::{DeviceHealth, LinkConfig, LinkEvent, LinkTarget, SerialSettings};
use support::{pty, start_sim_line};

fn control(line: &str, cmd: &str) {
    use std::io::{BufRead, BufReader, Write};
    let addr = line.split_whitespace().find_map(|w| w.strip_prefix("control=")).expect("control address");
    let mut s = std::net::TcpStream::connect(addr).expect("control socket");
    s.write_all(format!("{cmd}\n").as_bytes()).unwrap();
    let mut reply = String::new();
    BufReader::new(s).read_line(&mut reply).unwrap();
    assert!(reply.starts_with("ok"), "{cmd}: {reply}");
}

async fn one(timeout_ms: u32, retries: u8, interval_ms: u64, stale_after: Duration) -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let (_socat, a, b) = pty(dir.path(), "stale");
    let (_sim, line) = start_sim_line(&["--serial", b.to_str().unwrap(), "--units", "1", "--freeze", "--control", "127.0.0.1:0"]);
    let mut cfg = LinkConfig::new(LinkTarget::Serial(SerialSettings::new(a.to_string_lossy(), 115200)));
    cfg.timeout_ms = timeout_ms;
    cfg.retries = retries;
    let (sink, mut rx) = channel_sink();
    let link = Link::open(cfg, sink).await.expect("open the link");
    let dev = link.discover(1).await.expect("discover");
    let mut poll = PollConfig::new(vec![PollTarget::for_device(&dev)], Duration::from_millis(interval_ms));
    poll.stale_after = stale_after;
    link.start_polling(poll).await.unwrap();
    // A few fresh samples, then the device falls silent mid-poll.
    let mut fresh = 0;
    while fresh < 5 {
        if let Some(LinkEvent::Sample(s)) = rx.recv().await
            && !s.stale
        {
            fresh += 1;
        }
    }
    control(&line, "fault no-reply on");
    let mut last_fresh = Instant::now();
    let offline = loop {
        match rx.recv().await.expect("events") {
            LinkEvent::Sample(s) if !s.stale => last_fresh = Instant::now(),
            LinkEvent::Health { health: DeviceHealth::Offline, .. } => break Instant::now(),
            _ => {}
        }
    };
    link.close().await;
    let took = (offline - last_fresh).as_secs_f64();
    (took, stale_after.as_secs_f64() + interval_ms as f64 / 1000.0)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!("| timeout | retries | poll interval | stale after | last fresh sample → offline | bound (stale after + interval) |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for (timeout_ms, retries, interval_ms, stale_s) in
        [(1000u32, 2u8, 200u64, 10u64), (1000, 2, 1000, 10), (500, 0, 200, 5), (2000, 3, 500, 5), (200, 5, 0, 3)]
    {
        let (took, bound) = rt.block_on(one(timeout_ms, retries, interval_ms, Duration::from_secs(stale_s)));
        println!("| {timeout_ms} ms | {retries} | {interval_ms} ms | {stale_s} s | {took:.2} s | {bound:.2} s |");
    }
}
