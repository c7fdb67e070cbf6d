"""pymodbus RTU client for interoperability tests and the benchmark.

read PORT BAUD UNIT ADDRESS COUNT  -> prints the registers as JSON
bench PORT BAUD UNIT ADDRESS COUNT SECONDS -> prints {"reads": n, "seconds": s}
"""
import json
import logging
import sys
import time

from pymodbus.client import ModbusSerialClient

logging.getLogger("pymodbus").setLevel(logging.ERROR)


def main():
    mode, port, baud, unit, address, count = sys.argv[1:7]
    c = ModbusSerialClient(port, baudrate=int(baud), timeout=1, retries=0)
    if not c.connect():
        sys.exit(f"cannot open {port}")
    unit, address, count = int(unit), int(address), int(count)
    if mode == "read":
        r = c.read_holding_registers(address, count=count, device_id=unit)
        if r.isError():
            sys.exit(f"error: {r}")
        print(json.dumps(r.registers))
    else:
        limit = float(sys.argv[7])
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < limit:
            r = c.read_holding_registers(address, count=count, device_id=unit)
            if r.isError() or len(r.registers) != count:
                sys.exit(f"error: {r}")
            n += 1
        print(json.dumps({"reads": n, "seconds": time.perf_counter() - start}))
    c.close()


if __name__ == "__main__":
    main()
