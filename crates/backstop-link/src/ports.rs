//! Serial port enumeration with USB identity (VID/PID, serial number,
//! product), and finding an adapter again by its USB serial number after
//! the kernel renamed its device node.

use backstop_model::link::PortInfo;

use crate::LinkError;

/// Serial ports on this computer, USB adapters with their identity.
pub fn list_ports() -> Result<Vec<PortInfo>, LinkError> {
    let ports = serialport::available_ports().map_err(|e| LinkError::Open {
        path: "(port list)".into(),
        reason: format!("the operating system would not list serial ports: {e}"),
    })?;
    let mut out: Vec<PortInfo> = ports
        .into_iter()
        .map(|p| match p.port_type {
            serialport::SerialPortType::UsbPort(u) => PortInfo {
                path: p.port_name,
                kind: "usb".into(),
                vid: Some(u.vid),
                pid: Some(u.pid),
                serial_number: u.serial_number,
                manufacturer: u.manufacturer,
                product: u.product,
            },
            other => PortInfo {
                path: p.port_name,
                kind: match other {
                    serialport::SerialPortType::PciPort => "pci",
                    serialport::SerialPortType::BluetoothPort => "bluetooth",
                    _ => "unknown",
                }
                .into(),
                vid: None,
                pid: None,
                serial_number: None,
                manufacturer: None,
                product: None,
            },
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The port whose USB serial number is `serial`, if plugged in.
pub fn find_by_serial(ports: &[PortInfo], serial: &str) -> Option<String> {
    ports.iter().find(|p| p.serial_number.as_deref() == Some(serial)).map(|p| p.path.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_works_and_matching_uses_the_serial_number() {
        // Any machine can list (possibly zero) ports without error.
        list_ports().unwrap();
        let ports = vec![
            PortInfo {
                path: "/dev/ttyUSB1".into(),
                kind: "usb".into(),
                vid: Some(0x0403),
                pid: Some(0x6001),
                serial_number: Some("A10K".into()),
                manufacturer: None,
                product: None,
            },
            PortInfo {
                path: "/dev/ttyS0".into(),
                kind: "pci".into(),
                vid: None,
                pid: None,
                serial_number: None,
                manufacturer: None,
                product: None,
            },
        ];
        assert_eq!(find_by_serial(&ports, "A10K").as_deref(), Some("/dev/ttyUSB1"));
        assert_eq!(find_by_serial(&ports, "B"), None);
    }
}
