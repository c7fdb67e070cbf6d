use backstop_sizing::smooth::sim::*;
use backstop_sizing::smooth::synth;
fn main() {
    let cat = backstop_sizing::default_catalog();
    let mut case = backstop_sizing::defaults::smooth_case("x", cat);
    case.synthetic.as_mut().unwrap().duration_s = 86_400.0;
    let p = case.synthetic.clone().unwrap();
    for noise in [0.01, 0.0] {
        for jitter in [0.02, 0.0] {
            let q = backstop_model::sizing_smooth::SyntheticProfile { noise, jitter, ..p.clone() };
            for _ in 0..3 {
                let t = std::time::Instant::now();
                let _tr = synth::generate(&q).trace;
                eprintln!("generate noise {noise} jitter {jitter} {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    let tr = synth::generate(&p).trace;
    let dt = tr.dt_s;
    let dev = |eta: f64, rc: f64| Device {
        gamma: Device::lag(0.2, dt),
        eta,
        rc_s: rc,
        restore: 1.0 / 900.0,
        e_rest: 1000.0,
        ff: 1.0,
        limits: None,
    };
    let plant = Plant {
        dt,
        ctrl: Ctrl::Ramp { step: 17.0 / 60.0 * dt },
        bat: Some(dev(0.9f64.sqrt(), 0.0)),
        sc: Some(dev(1.0, 1.5)),
        split: 1.0 - (-std::f64::consts::TAU * 0.05 * dt).exp(),
    };
    let mode = std::env::args().nth(1).unwrap_or_default();
    for _ in 0..10 {
        let t = std::time::Instant::now();
        let mut st = State::steady(&plant, tr.mw[0]);
        let mut ex = Extremes::new(0.0, 0.0);
        if mode == "discard" {
            run(&plant, &mut st, &tr.mw, &mut Discard);
        } else {
            run(&plant, &mut st, &tr.mw, &mut ex);
        }
        eprintln!("pass {:.1} ms {}", t.elapsed().as_secs_f64() * 1e3, ex.pb.0);
    }
}
#[allow(dead_code)]
fn x() {}
