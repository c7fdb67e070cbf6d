//! Pure parsing of Modbus RTU and TCP frames, for the traffic monitor's
//! "decoded meaning" and for error messages that say what actually came
//! back. The link's own requests and replies are framed by tokio-modbus;
//! this module only looks at bytes after the fact (and the simulator uses
//! it to find request boundaries). Never panics on any input.

/// CRC-16/MODBUS (polynomial 0x8005 reflected, initial 0xFFFF), from the
/// `crc` crate's catalogue.
const MODBUS_CRC: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_MODBUS);

/// CRC-16/MODBUS of `data`.
pub fn crc16(data: &[u8]) -> u16 {
    MODBUS_CRC.checksum(data)
}

/// Appends the CRC (low byte first) to an RTU frame body.
pub fn with_crc(mut body: Vec<u8>) -> Vec<u8> {
    let c = crc16(&body);
    body.extend_from_slice(&c.to_le_bytes());
    body
}

/// True when the last two bytes are the CRC of the rest.
pub fn crc_ok(adu: &[u8]) -> bool {
    adu.len() >= 4 && {
        let (body, crc) = adu.split_at(adu.len() - 2);
        crc16(body).to_le_bytes() == [crc[0], crc[1]]
    }
}

/// Name of a Modbus exception code.
pub fn exception_name(code: u8) -> &'static str {
    match code {
        1 => "illegal function",
        2 => "illegal data address",
        3 => "illegal data value",
        4 => "server device failure",
        5 => "acknowledge",
        6 => "server device busy",
        8 => "memory parity error",
        0x0A => "gateway path unavailable",
        0x0B => "gateway target failed to respond",
        _ => "unknown exception",
    }
}

/// A Modbus PDU, as far as the monitor cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pdu {
    /// FC01–04 request.
    ReadRequest {
        function: u8,
        address: u16,
        count: u16,
    },
    /// FC05/06 request or its echo-like reply.
    WriteSingle {
        function: u8,
        address: u16,
        value: u16,
    },
    /// FC15/16 request.
    WriteMultipleRequest {
        function: u8,
        address: u16,
        count: u16,
        data: Vec<u8>,
    },
    /// FC15/16 reply.
    WriteMultipleReply {
        function: u8,
        address: u16,
        count: u16,
    },
    /// FC01–04 reply.
    ReadReply {
        function: u8,
        data: Vec<u8>,
    },
    Exception {
        function: u8,
        code: u8,
    },
    /// Any other function code.
    Other {
        function: u8,
        data: Vec<u8>,
    },
}

fn be16(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]))
}

/// Whether a PDU is a request (master → slave) or a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Request,
    Reply,
}

/// Parses a PDU (function code onwards, no address, no CRC).
pub fn parse_pdu(pdu: &[u8], role: Role) -> Option<Pdu> {
    let function = *pdu.first()?;
    if function & 0x80 != 0 {
        return Some(Pdu::Exception { function: function & 0x7F, code: *pdu.get(1)? });
    }
    Some(match (function, role) {
        (1..=4, Role::Request) => Pdu::ReadRequest { function, address: be16(pdu, 1)?, count: be16(pdu, 3)? },
        (1..=4, Role::Reply) => {
            let n = usize::from(*pdu.get(1)?);
            Pdu::ReadReply { function, data: pdu.get(2..2 + n)?.to_vec() }
        }
        (5 | 6, _) => Pdu::WriteSingle { function, address: be16(pdu, 1)?, value: be16(pdu, 3)? },
        (15 | 16, Role::Request) => {
            let n = usize::from(*pdu.get(5)?);
            Pdu::WriteMultipleRequest { function, address: be16(pdu, 1)?, count: be16(pdu, 3)?, data: pdu.get(6..6 + n)?.to_vec() }
        }
        (15 | 16, Role::Reply) => Pdu::WriteMultipleReply { function, address: be16(pdu, 1)?, count: be16(pdu, 3)? },
        _ => Pdu::Other { function, data: pdu.get(1..).unwrap_or_default().to_vec() },
    })
}

/// Length of the RTU request starting at `buf[0]`, if it can be told yet:
/// `Ok(Some(n))` complete length known, `Ok(None)` need more bytes,
/// `Err(())` unknown function code (frame ends only by silence).
#[allow(clippy::result_unit_err)]
pub fn rtu_request_len(buf: &[u8]) -> Result<Option<usize>, ()> {
    let Some(fc) = buf.get(1) else { return Ok(None) };
    let pdu = match fc {
        0x01..=0x06 => 5,
        0x07 | 0x0B | 0x0C | 0x11 => 1,
        0x0F | 0x10 => match buf.get(6) {
            Some(n) => 6 + usize::from(*n),
            None => return Ok(None),
        },
        0x16 => 7,
        0x17 => match buf.get(10) {
            Some(n) => 10 + usize::from(*n),
            None => return Ok(None),
        },
        _ => return Err(()),
    };
    Ok(Some(1 + pdu + 2))
}

/// Length of the RTU reply starting at `buf[0]`, when it can be told.
pub fn rtu_reply_len(buf: &[u8]) -> Option<usize> {
    let fc = *buf.get(1)?;
    let pdu = match fc {
        0x01..=0x04 => 2 + usize::from(*buf.get(2)?),
        0x05 | 0x06 | 0x0F | 0x10 => 5,
        0x80..=0xFF => 2,
        _ => return None,
    };
    Some(1 + pdu + 2)
}

fn describe_pdu(unit: u8, pdu: &Pdu) -> String {
    let fname = |f: u8| match f {
        1 => "read coils",
        2 => "read discrete inputs",
        3 => "read holding",
        4 => "read input",
        5 => "write coil",
        6 => "write register",
        15 => "write coils",
        16 => "write registers",
        _ => "function",
    };
    match pdu {
        Pdu::ReadRequest { function, address, count } => {
            format!("unit {unit} {} {address} ×{count}", fname(*function))
        }
        Pdu::ReadReply { function, data } => {
            let regs: Vec<String> = data
                .chunks(2)
                .take(6)
                .map(|c| match c {
                    [a, b] => format!("{}", u16::from_be_bytes([*a, *b])),
                    _ => "?".into(),
                })
                .collect();
            let more = if data.len() > 12 { " …" } else { "" };
            format!("unit {unit} {} reply, {} bytes: {}{more}", fname(*function), data.len(), regs.join(" "))
        }
        Pdu::WriteSingle { function, address, value } => {
            format!("unit {unit} {} {address} = {value}", fname(*function))
        }
        Pdu::WriteMultipleRequest { function, address, count, .. } => {
            format!("unit {unit} {} {address} ×{count}", fname(*function))
        }
        Pdu::WriteMultipleReply { function, address, count } => {
            format!("unit {unit} {} {address} ×{count} done", fname(*function))
        }
        Pdu::Exception { function, code } => {
            format!("unit {unit} exception {code:02} ({}) to function {function}", exception_name(*code))
        }
        Pdu::Other { function, data } => format!("unit {unit} function {function} ({} data bytes)", data.len()),
    }
}

/// Describes an RTU frame for the monitor: unit, function, address, count
/// or values, exception name; or why it is not a valid frame.
pub fn describe_rtu(bytes: &[u8], role: Role) -> String {
    if bytes.is_empty() {
        return "nothing".into();
    }
    if bytes.len() < 4 {
        return format!("{} stray byte(s), not a frame", bytes.len());
    }
    let expected = match role {
        Role::Request => rtu_request_len(bytes).ok().flatten(),
        Role::Reply => rtu_reply_len(bytes),
    };
    let (frame, rest) = match expected {
        Some(n) if n <= bytes.len() => bytes.split_at(n),
        _ => (bytes, &[][..]),
    };
    let mut text = if !crc_ok(frame) {
        format!("CRC error or garbage ({} bytes)", bytes.len())
    } else {
        match parse_pdu(&frame[1..frame.len() - 2], role) {
            Some(p) => describe_pdu(frame[0], &p),
            None => format!("malformed frame ({} bytes)", frame.len()),
        }
    };
    if !rest.is_empty() {
        text.push_str(&format!(" + {} trailing byte(s)", rest.len()));
    }
    text
}

/// Describes a Modbus TCP ADU (MBAP header + PDU).
pub fn describe_tcp(bytes: &[u8], role: Role) -> String {
    if bytes.len() < 8 {
        return format!("{} byte(s), shorter than an MBAP header", bytes.len());
    }
    let tid = u16::from_be_bytes([bytes[0], bytes[1]]);
    let unit = bytes[6];
    match parse_pdu(&bytes[7..], role) {
        Some(p) => format!("tx {tid}: {}", describe_pdu(unit, &p)),
        None => format!("tx {tid}: malformed PDU ({} bytes)", bytes.len() - 7),
    }
}

/// Space-separated upper-case hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02X}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_frames_decode() {
        // Read holding 40000 ×2 from unit 1 (a classic example frame).
        let req = with_crc(vec![1, 3, 0x9C, 0x40, 0, 2]);
        assert!(crc_ok(&req));
        assert_eq!(describe_rtu(&req, Role::Request), "unit 1 read holding 40000 ×2");
        let rep = with_crc(vec![1, 3, 4, 0x53, 0x75, 0x6E, 0x53]);
        assert_eq!(describe_rtu(&rep, Role::Reply), "unit 1 read holding reply, 4 bytes: 21365 28243");
        let exc = with_crc(vec![2, 0x83, 2]);
        assert_eq!(describe_rtu(&exc, Role::Reply), "unit 2 exception 02 (illegal data address) to function 3");
        let mut bad = req.clone();
        bad[7] ^= 0xFF;
        assert!(describe_rtu(&bad, Role::Request).starts_with("CRC error"));
        assert_eq!(rtu_request_len(&[1, 0x10, 0, 0, 0, 1, 2]), Ok(Some(11)));
        assert_eq!(rtu_request_len(&[1, 0x42]), Err(()));
        assert_eq!(hex(&[1, 0xAB]), "01 AB");
        assert_eq!(crc16(b"123456789"), 0x4B37);
    }
}
