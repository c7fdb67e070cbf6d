//! The link to pack controllers: Modbus RTU over tokio-serial and Modbus TCP
//! via tokio-modbus, one actor task per port, bus scan, SunSpec discovery,
//! polling, verified writes and a traffic monitor.
//!
//! **Invariant:** the only crate that opens serial ports or sockets to devices.
