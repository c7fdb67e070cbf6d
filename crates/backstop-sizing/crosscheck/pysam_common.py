"""Shared set-up of PySAM's BatteryStateful for Backstop's cross-checks.

Only used by optional tests and benchmarks, never at run time. Every script
reads one JSON object on stdin and writes one JSON object on stdout.

The battery is configured so that PySAM and Backstop's engine model the same
thing: a table voltage model (OCV against depth of discharge, minus I*R),
no RC pair, battery temperature pinned to the room temperature, capacity
independent of temperature, and (unless asked for) no degradation.
"""
import json
import sys

import PySAM
import PySAM.BatteryStateful as bs


def read_input():
    return json.loads(sys.stdin.read())


def write_output(obj):
    obj["pysam_version"] = getattr(PySAM, "__version__", "unknown")
    sys.stdout.write(json.dumps(obj))
    sys.stdout.write("\n")


def ocv_interp(soc_pts, v_pts, soc):
    """Linear interpolation of OCV at soc (fraction), clamped."""
    if soc <= soc_pts[0]:
        return v_pts[0]
    if soc >= soc_pts[-1]:
        return v_pts[-1]
    for i in range(1, len(soc_pts)):
        if soc <= soc_pts[i]:
            s0, s1 = soc_pts[i - 1], soc_pts[i]
            v0, v1 = v_pts[i - 1], v_pts[i]
            return v0 + (v1 - v0) * (soc - s0) / (s1 - s0)
    return v_pts[-1]


def make_battery(p, dt_hr):
    """Builds a BatteryStateful from a Backstop parameter dict:
    ocv_soc, ocv_v (per cell), capacity_ah, r0_ohm, nominal_v, cells_series,
    strings, temp_c, soc_min/soc_max/initial_soc (fractions), optional
    calendar {q0,a,b,c} and cycling_matrix [[dod%, cycles, capacity%], ...]."""
    m = bs.default("LFPGraphite")
    c = m.ParamsCell
    c.voltage_choice = 1
    table = sorted(([(1.0 - s) * 100.0, v] for s, v in zip(p["ocv_soc"], p["ocv_v"])), key=lambda r: r[0])
    c.voltage_matrix = [list(r) for r in table]
    c.Qfull = float(p["capacity_ah"])
    c.Vnom_default = float(p["nominal_v"])
    c.resistance = float(p["r0_ohm"])
    c.minimum_SOC = 100.0 * float(p.get("soc_min", 0.0))
    c.maximum_SOC = 100.0 * float(p.get("soc_max", 1.0))
    c.initial_SOC = 100.0 * float(p.get("initial_soc", 1.0))
    c.life_model = 0
    cal = p.get("calendar")
    if cal:
        c.calendar_choice = 1
        c.calendar_q0 = float(cal["q0"])
        c.calendar_a = float(cal["a"])
        c.calendar_b = float(cal["b"])
        c.calendar_c = float(cal["c"])
    else:
        c.calendar_choice = 0
    cyc = p.get("cycling_matrix")
    c.cycling_matrix = cyc if cyc else [[20, 0, 100], [20, 1e7, 100], [80, 0, 100], [80, 1e7, 100]]
    k = m.ParamsPack
    n_series = int(p["cells_series"])
    strings = int(p.get("strings", 1))
    k.nominal_voltage = float(p["nominal_v"]) * n_series
    k.nominal_energy = float(p["nominal_v"]) * n_series * float(p["capacity_ah"]) * strings / 1000.0
    k.T_room_init = float(p.get("temp_c", 25.0))
    k.cap_vs_temp = [[-40.0, 100.0], [80.0, 100.0]]
    k.h = 1.0e4          # battery pinned to room temperature
    k.mass = 1.0e3
    k.surface_area = 100.0
    m.Controls.dt_hr = dt_hr
    m.Controls.control_mode = 1
    m.Controls.input_power = 0.0
    m.setup()
    return m, n_series, strings
