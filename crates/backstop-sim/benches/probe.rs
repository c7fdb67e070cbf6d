use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use backstop_link::{Link, NullSink};
use backstop_model::link::{LinkConfig, LinkTarget, SerialSettings};

fn main() {
    if std::env::var("DECODE").is_ok() {
        let mut c = backstop_sim::UnitConfig::new(1);
        c.spec.modules = 2; c.spec.cells = 26;
        let u = backstop_sim::Unit::new(c).unwrap();
        let models: Vec<(u16, Vec<u16>)> = u.models().into_iter().map(|(a, r)| (a, r.to_vec())).collect();
        let t0 = Instant::now(); let n = 5000;
        for _ in 0..n { for (a, r) in &models[1..] { std::hint::black_box(backstop_sunspec::decode_model(r, *a).unwrap()); } }
        println!("decode 802-805 sample: {:.1} us", t0.elapsed().as_secs_f64() * 1e6 / n as f64);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("A"); let b = dir.path().join("B");
    let mut socat = Command::new("socat").arg(format!("pty,raw,echo=0,link={}", a.display())).arg(format!("pty,raw,echo=0,link={}", b.display())).spawn().unwrap();
    while !(a.exists() && b.exists()) { std::thread::sleep(Duration::from_millis(10)); }
    let mode = std::env::var("SIMMODE").unwrap_or_default();
    let mut sim = if mode == "tm" {
        let b2 = b.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                #[derive(Clone)] struct Svc;
                impl tokio_modbus::server::Service for Svc {
                    type Request = tokio_modbus::SlaveRequest<'static>;
                    type Response = Option<tokio_modbus::Response>;
                    type Exception = tokio_modbus::ExceptionCode;
                    type Future = std::future::Ready<Result<Self::Response, Self::Exception>>;
                    fn call(&self, req: Self::Request) -> Self::Future {
                        match req.request { tokio_modbus::Request::ReadHoldingRegisters(_, n) => std::future::ready(Ok(Some(tokio_modbus::Response::ReadHoldingRegisters(vec![7; n as usize])))), _ => std::future::ready(Err(tokio_modbus::ExceptionCode::IllegalFunction)) }
                    }
                }
                let server = tokio_modbus::server::rtu::Server::new_from_path(b2, 115200).unwrap();
                let _ = server.serve_forever(Svc).await;
            });
        });
        std::thread::sleep(Duration::from_millis(300));
        Command::new("true").spawn().unwrap()
    } else {
        let mut sim = Command::new(env!("CARGO_BIN_EXE_backstop-sim")).args(["--serial", b.to_str().unwrap(), "--units", "1", "--freeze"]).stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new(); BufReader::new(sim.stdout.take().unwrap()).read_line(&mut line).unwrap();
        sim
    };
    let _ = mode;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        // raw
        {
            use tokio_modbus::prelude::*;
            let port = tokio_serial::SerialStream::open(&tokio_serial::new(a.to_string_lossy(), 115200)).unwrap();
            let mut ctx = tokio_modbus::client::rtu::attach_slave(port, Slave(1));
            let t0 = Instant::now(); let mut n = 0;
            while t0.elapsed() < Duration::from_secs(2) { ctx.read_holding_registers(40070, 125).await.unwrap().unwrap(); n += 1; }
            println!("raw {:.0}/s", n as f64 / t0.elapsed().as_secs_f64());
        }
        // raw through Tap
        {
            use tokio_modbus::prelude::*;
            let port = tokio_serial::SerialStream::open(&tokio_serial::new(a.to_string_lossy(), 115200)).unwrap();
            let shared = backstop_link::tap::TapShared::new(Default::default());
            let tap = backstop_link::tap::Tap::new(Arc::new(Mutex::new(port)), shared.clone());
            let mut ctx = tokio_modbus::client::rtu::attach_slave(tap, Slave(1));
            let t0 = Instant::now(); let mut n = 0;
            while t0.elapsed() < Duration::from_secs(2) { shared.begin(); ctx.read_holding_registers(40070, 125).await.unwrap().unwrap(); shared.finish(); n += 1; }
            println!("tap {:.0}/s", n as f64 / t0.elapsed().as_secs_f64());
        }
        for monitor in [false, true] {
            let mut cfg = LinkConfig::new(LinkTarget::Serial(SerialSettings::new(a.to_string_lossy(), 115200)));
            cfg.gap_us = Some(0); cfg.monitor = monitor;
            let link = Link::open(cfg, Arc::new(NullSink)).await.unwrap();
            let t0 = Instant::now(); let mut n = 0;
            while t0.elapsed() < Duration::from_secs(2) { link.read_holding(1, 40070, 125).await.unwrap(); n += 1; }
            println!("link monitor={monitor} {:.0}/s", n as f64 / t0.elapsed().as_secs_f64());
            link.close().await;
        }
    });
    let _ = sim.kill(); let _ = socat.kill();
    let _ = Path::new("x");
}
