"""A pymodbus RTU server for interoperability tests (third-party slave).

Usage: python pymodbus_server.py PORT BAUD
Unit 1 holds registers 0..299 with value (7*address + 3) & 0xFFFF and, at
40000, "SunS", a SunSpec common model (1) and the end marker. pymodbus
3.16 answers other unit ids with exception 04 (a real bus stays silent).
Prints "ready" when serving.
"""
import asyncio
import logging
import sys

from pymodbus.datastore import ModbusDeviceContext, ModbusServerContext, ModbusSparseDataBlock
from pymodbus.server import ModbusSerialServer

logging.getLogger("pymodbus").setLevel(logging.ERROR)


def text(s, regs):
    b = s.encode().ljust(regs * 2, b"\0")
    return [(b[i] << 8) | b[i + 1] for i in range(0, regs * 2, 2)]


def common_model():
    body = text("pymodbus-peer", 16) + text("interop", 16) + text("opt", 8) + text("0.9.1", 8) + text("PEER-0001", 16) + [1, 0x8000]
    return [1, len(body)] + body


async def main(port, baud):
    low = [(7 * a + 3) & 0xFFFF for a in range(300)]
    sunspec = [0x5375, 0x6E53] + common_model() + [0xFFFF, 0]
    hr = {0: low, 40000: sunspec}
    # pymodbus 3.16's sparse block takes wire (0-based) addresses.
    values = {}
    for start, regs in hr.items():
        for i, v in enumerate(regs):
            values[start + i] = v
    dev = ModbusDeviceContext(hr=ModbusSparseDataBlock(values))
    ctx = ModbusServerContext(devices={1: dev})
    server = ModbusSerialServer(ctx, port=port, baudrate=baud, ignore_missing_devices=True, timeout=0.05)
    print("ready", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
