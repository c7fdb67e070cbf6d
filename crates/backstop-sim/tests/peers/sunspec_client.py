"""pysunspec2 client for interoperability tests: scans a SunSpec device
over RTU and prints every model's points (scaled values) as JSON.

Usage: python sunspec_client.py PORT BAUD UNIT
Output: {"<model id>": [ {"point path": value, ...} per instance ], ...}
"""
import json
import logging
import sys

import sunspec2.modbus.client as client

logging.disable(logging.CRITICAL)


def flatten(group, prefix, out):
    for name, p in group.points.items():
        v = p.cvalue if p.sf is not None else p.value
        out[prefix + name] = v
    for gname, g in group.groups.items():
        items = g if isinstance(g, list) else [g]
        for i, inst in enumerate(items, start=1):
            flatten(inst, f"{prefix}{gname}[{i}].", out)


def main():
    port, baud, unit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    d = client.SunSpecModbusClientDeviceRTU(slave_id=unit, name=port, baudrate=baud, timeout=1)
    d.scan()
    result = {}
    for key, instances in d.models.items():
        if not isinstance(key, int):
            continue
        result[str(key)] = []
        for m in instances:
            out = {}
            flatten(m, "", out)
            result[str(key)].append(out)
    d.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
