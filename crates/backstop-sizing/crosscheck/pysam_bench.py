"""Times PySAM BatteryStateful on the benchmark workloads, for the bench
binary to print beside Backstop's own timings.

Input (stdin JSON): {"discharge": <pysam_discharge input>, "peak":
<pysam_peak input>, "repeats": n}. Output: per workload the minimum and
median wall time over the repeats, with and without model set-up.
"""
import statistics
import time

from pysam_common import make_battery, read_input, write_output


def time_discharge(p):
    t0 = time.perf_counter()
    m, n, strings = make_battery(p, p["dt_s"] / 3600.0)
    m.Controls.control_mode = 1
    m.Controls.input_power = p["power_kw"]
    t1 = time.perf_counter()
    steps = int(p["t_max_s"] / p["dt_s"])
    for _ in range(steps):
        m.execute(0)
    t2 = time.perf_counter()
    return t2 - t0, t2 - t1, steps


def time_peak(p):
    t0 = time.perf_counter()
    m, n, strings = make_battery(p, p["dt_hr"])
    m.Controls.control_mode = 1
    t1 = time.perf_counter()
    thr, pmax, pch = p["threshold_kw"], p["p_max_kw"], p["p_charge_kw"]
    for load in p["load_kw"]:
        m.Controls.input_power = min(load - thr, pmax) if load > thr else -min(pch, thr - load)
        m.execute(0)
    t2 = time.perf_counter()
    return t2 - t0, t2 - t1, len(p["load_kw"])


def summarise(samples):
    total = [s[0] for s in samples]
    run = [s[1] for s in samples]
    return {
        "steps": samples[0][2],
        "min_s": min(run),
        "median_s": statistics.median(run),
        "min_with_setup_s": min(total),
        "median_with_setup_s": statistics.median(total),
    }


def main():
    p = read_input()
    n = int(p.get("repeats", 5))
    out = {}
    if "discharge" in p:
        out["discharge"] = summarise([time_discharge(p["discharge"]) for _ in range(n)])
    if "peak" in p:
        out["peak"] = summarise([time_peak(p["peak"]) for _ in range(n)])
    write_output(out)


if __name__ == "__main__":
    main()
