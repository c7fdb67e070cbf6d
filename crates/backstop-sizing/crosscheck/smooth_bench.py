"""Timing peer of the power-smoothing benchmark (crates/backstop-sizing/benches/smooth.rs).

Reads a JSON header line on stdin ({"n": samples, "dt_s": s, "ramp_mw_per_min": r,
"check_window_s": w}) followed by the load as n little-endian float64 (MW),
runs the same ramp limiter as Backstop's simulation (the grid's sample is the
interval average of the continuous limiter, storage power = load - grid, an
ideal battery integrating its energy) as a plain Python loop over a numpy array,
then the ramp check |G(t) - G(t - W)| with numpy, and prints one JSON object
with the timings and the results (for agreement). Never used at run time.
"""

import json
import sys
import time

import numpy as np


def ramp_limiter(load, dt, r_mw_per_min):
    step = r_mw_per_min / 60.0 * dt
    n = len(load)
    grid = np.empty(n)
    g = float(load[0])
    e = 0.0
    e_hi = e_lo = 0.0
    p_hi = p_lo = 0.0
    for k in range(n):
        x = float(load[k])
        d = x - g
        if abs(d) <= step:
            out = x - d * abs(d) / (2.0 * step) if step > 0.0 else x
        else:
            out = g + (0.5 * step if d > 0.0 else -0.5 * step)
        g += max(-step, min(step, d))
        p = x - out
        e -= p * dt
        if p > p_hi:
            p_hi = p
        if p < p_lo:
            p_lo = p
        if e > e_hi:
            e_hi = e
        if e < e_lo:
            e_lo = e
        grid[k] = x - p
    return grid, {"discharge_mw": p_hi, "charge_mw": -p_lo, "usable_mwh": (e_hi - e_lo) / 3600.0}


def main():
    head = json.loads(sys.stdin.buffer.readline())
    n = head["n"]
    load = np.frombuffer(sys.stdin.buffer.read(8 * n), dtype="<f8")
    assert len(load) == n, f"expected {n} samples, got {len(load)}"
    dt = head["dt_s"]
    t0 = time.perf_counter()
    grid, res = ramp_limiter(load, dt, head["ramp_mw_per_min"])
    t_loop = time.perf_counter() - t0
    w = max(1, int(round(head["check_window_s"] / dt)))
    t0 = time.perf_counter()
    worst = float(np.abs(grid[w:] - grid[:-w]).max()) if n > w else 0.0
    t_check = time.perf_counter() - t0
    print(json.dumps({
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "loop_s": t_loop,
        "ramp_check_s": t_check,
        "worst_change_mw": worst,
        **res,
    }))


if __name__ == "__main__":
    main()
