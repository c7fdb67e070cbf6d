"""A year (or any span) of peak shaving with PySAM BatteryStateful.

Input (stdin JSON): the pack of pysam_common.make_battery plus
  load_kw (list), dt_hr, threshold_kw, p_max_kw (discharge limit, DC),
  p_charge_kw (charge limit, DC).
Dispatch each step (the same rule Backstop's SOC walk uses): discharge
  min(L - T, p_max) above the threshold, charge min(p_charge, T - L) below it;
  PySAM's SOC window and its own power limits then apply.
Output: soc_min, soc_end, discharged_kwh, charged_kwh, unserved_kwh,
  max_grid_kw, q_relative (%), q_relative_calendar, q_relative_cycle,
  n_cycles, daily_soc_min (list, %), soc (list, %, when return_soc is
  true), wall_s.
"""
import time

from pysam_common import make_battery, read_input, write_output


def main():
    p = read_input()
    dt = float(p["dt_hr"])
    m, n, strings = make_battery(p, dt)
    m.Controls.control_mode = 1
    thr = float(p["threshold_kw"])
    pmax = float(p["p_max_kw"])
    pch = float(p["p_charge_kw"])
    loads = p["load_kw"]
    per_day = max(1, int(round(24.0 / dt)))
    soc_min = 100.0
    discharged = charged = unserved = 0.0
    max_grid = float("-inf")
    daily = []
    day_min = 100.0
    want_soc = bool(p.get("return_soc", False))
    soc_trace = []
    t0 = time.perf_counter()
    for k, load in enumerate(loads):
        if load > thr:
            req = min(load - thr, pmax)
        else:
            req = -min(pch, thr - load)
        m.Controls.input_power = req
        m.execute(0)
        got = m.StatePack.P
        soc = m.StatePack.SOC
        soc_min = min(soc_min, soc)
        if want_soc:
            soc_trace.append(soc)
        day_min = min(day_min, soc)
        if got > 0:
            discharged += got * dt
        else:
            charged += -got * dt
        grid = load - got
        max_grid = max(max_grid, grid)
        if load > thr:
            unserved += max(0.0, grid - thr) * dt
        if (k + 1) % per_day == 0:
            daily.append(day_min)
            day_min = 100.0
    wall = time.perf_counter() - t0
    c = m.StateCell
    write_output({
        "soc_min": soc_min,
        "soc_end": m.StatePack.SOC,
        "discharged_kwh": discharged,
        "charged_kwh": charged,
        "unserved_kwh": unserved,
        "max_grid_kw": max_grid,
        "q_relative": c.q_relative,
        "q_relative_calendar": c.q_relative_calendar,
        "q_relative_cycle": c.q_relative_cycle,
        "n_cycles": c.n_cycles,
        "daily_soc_min": daily,
        "soc": soc_trace,
        "wall_s": wall,
    })


if __name__ == "__main__":
    main()
