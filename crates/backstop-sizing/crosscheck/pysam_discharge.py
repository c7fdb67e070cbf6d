"""Constant-power discharge in PySAM BatteryStateful to the cut-off.

Input (stdin JSON): the pack of pysam_common.make_battery plus
  power_kw, v_cut (per cell), dt_s, t_max_s, mode = "power" | "cp-current".
mode "power": PySAM's own power control (it sets I from P and the open-circuit
  voltage, so it delivers less than P when R > 0 — reported as power_ratio).
mode "cp-current": the script solves P = I(OCV - I R) from PySAM's SOC each
  step and drives PySAM in current mode, i.e. exact constant power.
Output: runtime_s (interpolated at the cut-off like Backstop), steps,
  stop, energy_kwh, power_ratio (delivered / requested, mean), wall_s.
"""
import math
import time

from pysam_common import make_battery, ocv_interp, read_input, write_output


def main():
    p = read_input()
    dt_s = float(p.get("dt_s", 1.0))
    m, n, strings = make_battery(p, dt_s / 3600.0)
    mode = p.get("mode", "power")
    p_kw = float(p["power_kw"])
    v_cut = float(p["v_cut"])
    t_max = float(p.get("t_max_s", 3600.0))
    r = float(p["r0_ohm"])
    p_cell = p_kw * 1000.0 / (n * strings)
    if mode == "power":
        m.Controls.control_mode = 1
        m.Controls.input_power = p_kw
    else:
        m.Controls.control_mode = 0
    t = 0.0
    steps = 0
    energy = 0.0
    ratio_sum = 0.0
    v_prev = None
    stop = "time"
    runtime = t_max
    t0 = time.perf_counter()
    while t < t_max:
        soc = m.StatePack.SOC / 100.0
        if mode != "power":
            ocv = ocv_interp(p["ocv_soc"], p["ocv_v"], soc)
            disc = ocv * ocv - 4.0 * r * p_cell
            if disc < 0.0:
                stop, runtime = "power", t
                break
            i_cell = 2.0 * p_cell / (ocv + math.sqrt(disc)) if r > 0 else p_cell / ocv
            m.Controls.input_current = i_cell * strings
        m.execute(0)
        steps += 1
        v_cell = m.StatePack.V / n
        delivered = m.StatePack.P
        if v_cell < v_cut:
            frac = 1.0
            if v_prev is not None and v_prev > v_cell:
                frac = max(0.0, min(1.0, (v_prev - v_cut) / (v_prev - v_cell)))
            stop, runtime = "voltage", t + frac * dt_s
            break
        if delivered < 0.5 * p_kw or m.StatePack.SOC <= m.ParamsCell.minimum_SOC + 1e-9:
            stop, runtime = "soc", t + dt_s
            energy += delivered * dt_s / 3600.0
            ratio_sum += delivered / p_kw
            break
        energy += delivered * dt_s / 3600.0
        ratio_sum += delivered / p_kw
        v_prev = v_cell
        t += dt_s
    wall = time.perf_counter() - t0
    write_output({
        "runtime_s": runtime,
        "steps": steps,
        "stop": stop,
        "energy_kwh": energy,
        "power_ratio": ratio_sum / max(steps, 1),
        "wall_s": wall,
    })


if __name__ == "__main__":
    main()
