//! Serving the simulated units over Modbus RTU (a serial device, e.g. one
//! end of a socat PTY pair) and Modbus TCP.
//!
//! The simulator owns its framing instead of using tokio-modbus's server:
//! that server only accepts a concrete `SerialStream` and hides its codec,
//! so it cannot corrupt a CRC, send garbage, echo a request, answer late
//! or pace bytes at a wire speed. Frame boundaries follow the same rules
//! (length by function code, CRC check, silence for unknown functions);
//! the interoperability tests check it against mbpoll, pymodbus and
//! pysunspec2 as well as tokio-modbus.

use std::io;
use std::time::Duration;

use backstop_link::frame::{Pdu, Role, crc_ok, parse_pdu, rtu_request_len, with_crc};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use crate::Sim;
use crate::device::exc;

/// Bits per character on an emulated wire (start, 8 data, parity or second
/// stop, stop: Modbus RTU's 11-bit character).
pub const BITS_PER_CHAR: f64 = 11.0;

/// Silence that ends a frame: 3.5 characters, at least 1.75 ms.
pub fn frame_gap(baud: u32) -> Duration {
    if baud == 0 || baud > 19200 { Duration::from_micros(1750) } else { Duration::from_secs_f64(3.5 * BITS_PER_CHAR / f64::from(baud)) }
}

/// Time `bytes` take on a wire at `baud`.
pub fn wire_time(bytes: usize, baud: u32) -> Duration {
    if baud == 0 {
        return Duration::ZERO;
    }
    Duration::from_secs_f64(bytes as f64 * BITS_PER_CHAR / f64::from(baud))
}

/// Theoretical transactions per second of FC03 reads of `count` registers
/// at `baud`: request 8 bytes, reply 5 + 2·count bytes, a frame gap after each.
pub fn theoretical_rate(count: u16, baud: u32) -> f64 {
    let t = wire_time(8, baud) + frame_gap(baud) + wire_time(5 + 2 * usize::from(count), baud) + frame_gap(baud);
    1.0 / t.as_secs_f64()
}

/// The reply faults for the reply about to be made to `unit`, if this reply
/// is one they hit (`fault every N` hits one in N).
pub(crate) fn fault_now(sim: &Sim, unit: u8, function: u8) -> Option<crate::Faults> {
    let mut s = sim.lock();
    if !s.faults.any_reply_fault() || !s.faults.applies(unit, function) || !s.units.contains_key(&unit) {
        return None;
    }
    s.fault_seq = s.fault_seq.wrapping_add(1);
    let every = u64::from(s.faults.every.max(1));
    s.fault_seq.is_multiple_of(every).then(|| s.faults.clone())
}

/// Notes a reply that was sent late, held back or from a shifted range.
fn remember_faulted(sim: &Sim, f: &crate::Faults, adu: &[u8]) {
    let kind = if f.hold {
        "hold"
    } else if f.late_ms > 0 {
        "late"
    } else {
        "shift"
    };
    let mut s = sim.lock();
    if s.faulted.len() >= crate::FAULTED_KEEP {
        s.faulted.pop_front();
    }
    s.faulted.push_back((kind, adu.to_vec()));
}

/// The answer to one request PDU, before faults: `None` = stay silent.
#[cfg(test)]
pub(crate) fn answer(sim: &Sim, unit: u8, pdu: &[u8]) -> Option<Vec<u8>> {
    answer_with(sim, unit, pdu, None)
}

/// The answer to one request PDU under `fault` (this reply's faults, if
/// any): `None` = stay silent.
pub(crate) fn answer_with(sim: &Sim, unit: u8, pdu: &[u8], fault: Option<&crate::Faults>) -> Option<Vec<u8>> {
    let function = *pdu.first()?;
    let mut state = sim.lock();
    let broadcast = unit == 0;
    if !broadcast && !state.units.contains_key(&unit) {
        return None;
    }
    state.requests += 1;
    if !broadcast {
        state.heard(unit, std::time::Instant::now());
    }
    // "No reply" models a unit that does not hear the bus (wrong wiring,
    // unpowered, wrong address): it neither answers nor acts on a request.
    if fault.is_some_and(|f| f.no_reply) {
        return None;
    }
    let shift = fault.map(|f| f.shift).unwrap_or(0);
    let exception = |code: u8| Some(vec![function | 0x80, code]);
    let parsed = parse_pdu(pdu, Role::Request);
    let result = match parsed {
        Some(Pdu::ReadRequest { function: f @ (3 | 4), address, count }) => {
            if broadcast {
                return None;
            }
            if !(1..=125).contains(&count) {
                return exception(exc::ILLEGAL_VALUE);
            }
            let u = state.units.get(&unit)?;
            // A shifted reply: the registers of another range, same length.
            let from = (i64::from(address) + i64::from(shift)).clamp(0, 65535) as u16;
            match u.read(from, count) {
                Ok(regs) => {
                    let mut out = Vec::with_capacity(2 + regs.len() * 2);
                    out.push(f);
                    out.push((regs.len() * 2) as u8);
                    for r in regs {
                        out.extend_from_slice(&r.to_be_bytes());
                    }
                    Some(out)
                }
                Err(code) => exception(code),
            }
        }
        Some(Pdu::WriteSingle { function: 6, address, value }) => {
            let r = write_all(&mut state, unit, address, &[value]);
            if broadcast {
                return None;
            }
            match r {
                Ok(()) => Some(pdu[..5].to_vec()),
                Err(code) => exception(code),
            }
        }
        Some(Pdu::WriteMultipleRequest { function: 16, address, count, data }) => {
            if !(1..=123).contains(&count) || data.len() != usize::from(count) * 2 {
                return if broadcast { None } else { exception(exc::ILLEGAL_VALUE) };
            }
            let values: Vec<u16> = data.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            let r = write_all(&mut state, unit, address, &values);
            if broadcast {
                return None;
            }
            match r {
                Ok(()) => Some(vec![16, (address >> 8) as u8, address as u8, (count >> 8) as u8, count as u8]),
                Err(code) => exception(code),
            }
        }
        _ => {
            if broadcast {
                return None;
            }
            exception(exc::ILLEGAL_FUNCTION)
        }
    };
    if result.is_some() {
        state.replies += 1;
    }
    result
}

fn write_all(state: &mut crate::SimState, unit: u8, address: u16, values: &[u16]) -> Result<(), u8> {
    if unit == 0 {
        for u in state.units.values_mut() {
            let _ = u.write(address, values);
        }
        return Ok(());
    }
    match state.units.get_mut(&unit) {
        Some(u) => u.write(address, values),
        None => Err(exc::ILLEGAL_ADDRESS),
    }
}

/// The reply ADU after this reply's faults (`None`: silence) and the extra delay.
fn faulty_reply(
    unit: u8,
    function: u8,
    reply: Option<Vec<u8>>,
    tcp_header: Option<[u8; 4]>,
    fault: Option<&crate::Faults>,
    seq: u64,
) -> (Option<Vec<u8>>, Duration) {
    let Some(mut pdu) = reply else { return (None, Duration::ZERO) };
    let Some(faults) = fault else {
        return (Some(frame(unit, &pdu, tcp_header)), Duration::ZERO);
    };
    if faults.no_reply {
        return (None, Duration::ZERO);
    }
    if let Some(code) = faults.exception {
        pdu = vec![function | 0x80, code];
    }
    let mut adu = frame(unit, &pdu, tcp_header);
    if faults.garbage {
        let mut rng = crate::pack::Rng::new(seq);
        let n = 7 + (rng.next_u64() % 30) as usize;
        adu = (0..n).map(|_| rng.next_u64() as u8).collect();
    } else if faults.crc
        && let Some(last) = adu.last_mut()
    {
        *last ^= 0x5A;
    }
    (Some(adu), Duration::from_millis(u64::from(faults.late_ms)))
}

fn frame(unit: u8, pdu: &[u8], tcp_header: Option<[u8; 4]>) -> Vec<u8> {
    match tcp_header {
        None => {
            let mut body = Vec::with_capacity(pdu.len() + 3);
            body.push(unit);
            body.extend_from_slice(pdu);
            with_crc(body)
        }
        Some(h) => {
            let len = (pdu.len() + 1) as u16;
            let mut out = Vec::with_capacity(pdu.len() + 7);
            out.extend_from_slice(&h);
            out.extend_from_slice(&len.to_be_bytes());
            out.push(unit);
            out.extend_from_slice(pdu);
            out
        }
    }
}

/// Why an RTU serving loop ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// A disconnect fault was requested: close the port for a while.
    Disconnect,
    /// The simulator is shutting down.
    Shutdown,
}

/// Serves RTU on an open port until a disconnect, shutdown or I/O error.
pub async fn serve_rtu<T: AsyncRead + AsyncWrite + Unpin>(io: &mut T, sim: &Sim) -> io::Result<Ended> {
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut tmp = [0u8; 1024];
    let mut last_reply_end = Instant::now();
    let mut disconnect = sim.disconnect_rx();
    let mut shutdown = sim.shutdown_rx();
    let wire = sim.wire_baud();
    let silence = frame_gap(wire.unwrap_or(0)).max(Duration::from_millis(2));
    // A reply held back by the `hold` fault, sent when the next request arrives.
    let mut held: Option<Vec<u8>> = None;
    loop {
        let waiting = !buf.is_empty();
        tokio::select! {
            r = io.read(&mut tmp) => {
                let n = r?;
                if n == 0 {
                    // A PTY whose other side is gone: wait and read again.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                if sim.lock().faults.echo {
                    io.write_all(&tmp[..n]).await?;
                }
                buf.extend_from_slice(&tmp[..n]);
            }
            () = tokio::time::sleep(silence), if waiting => {
                // Silence ended a frame whose length we could not tell.
                let frame = std::mem::take(&mut buf);
                if crc_ok(&frame) {
                    respond(io, sim, &frame, wire, &mut last_reply_end, &mut held).await?;
                }
                continue;
            }
            r = disconnect.changed() => {
                if r.is_ok() { return Ok(Ended::Disconnect); }
            }
            r = shutdown.changed() => {
                if r.is_err() || *shutdown.borrow() { return Ok(Ended::Shutdown); }
            }
        }
        loop {
            match rtu_request_len(&buf) {
                Ok(Some(n)) if n > 256 => {
                    buf.remove(0);
                }
                Ok(Some(n)) if buf.len() >= n => {
                    if crc_ok(&buf[..n]) {
                        let frame: Vec<u8> = buf.drain(..n).collect();
                        respond(io, sim, &frame, wire, &mut last_reply_end, &mut held).await?;
                    } else {
                        // A damaged request: a device stays silent; resync.
                        buf.remove(0);
                    }
                }
                Ok(_) => break,
                Err(()) => {
                    if buf.len() > 256 {
                        buf.clear();
                    }
                    break;
                }
            }
        }
    }
}

async fn respond<T: AsyncWrite + Unpin>(
    io: &mut T,
    sim: &Sim,
    frame: &[u8],
    wire: Option<u32>,
    last_end: &mut Instant,
    held: &mut Option<Vec<u8>>,
) -> io::Result<()> {
    let arrived = Instant::now();
    if let Some(h) = held.take() {
        // The held reply goes out just after the next request arrived.
        io.write_all(&h).await?;
    }
    let unit = frame[0];
    let pdu = &frame[1..frame.len() - 2];
    let function = pdu.first().copied().unwrap_or(0);
    let fault = fault_now(sim, unit, function);
    let seq = sim.lock().fault_seq;
    let reply = answer_with(sim, unit, pdu, fault.as_ref());
    let (adu, delay) = faulty_reply(unit, function, reply, None, fault.as_ref(), seq);
    let Some(adu) = adu else { return Ok(()) };
    if let Some(f) = &fault {
        if f.late_ms > 0 || f.hold || f.shift != 0 {
            remember_faulted(sim, f, &adu);
        }
        if f.hold {
            *held = Some(adu);
            return Ok(());
        }
    }
    let mut at = arrived + delay;
    if let Some(baud) = wire {
        // The request took its wire time to arrive, then a frame gap; the
        // reply's last byte lands after its own wire time.
        let start = arrived.max(*last_end + frame_gap(baud));
        at = start + wire_time(frame.len(), baud) + frame_gap(baud) + wire_time(adu.len(), baud) + delay;
    }
    let now = Instant::now();
    if at > now {
        // The timer has 1 ms resolution; finish with a short blocking sleep
        // so that wire emulation is accurate to well under a character.
        if at - now > Duration::from_micros(2500) {
            tokio::time::sleep_until(at - Duration::from_micros(1500)).await;
        }
        let now = Instant::now();
        if at > now {
            std::thread::sleep(at - now);
        }
    }
    // No flush: on a serial port it is a blocking tcdrain.
    io.write_all(&adu).await?;
    *last_end = Instant::now();
    Ok(())
}

/// Serves the units on a serial device (reopening it after a disconnect
/// fault) until shutdown.
pub async fn serve_serial(sim: Sim, path: String, baud: u32) -> io::Result<()> {
    loop {
        let builder = tokio_serial::new(&path, baud);
        let mut port =
            backstop_link::serial_io::SerialIo::open(&builder).map_err(|e| io::Error::other(format!("cannot open {path}: {e}")))?;
        let ended = serve_rtu(&mut port, &sim).await;
        drop(port);
        match ended {
            Ok(Ended::Shutdown) => return Ok(()),
            Ok(Ended::Disconnect) => {
                let ms = sim.lock().disconnect_ms;
                tokio::time::sleep(Duration::from_millis(u64::from(ms))).await;
            }
            Err(e) => {
                eprintln!("backstop-sim: {path}: {e}; reopening in 500 ms");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// Serves Modbus TCP on an already bound listener until shutdown.
pub async fn serve_tcp(sim: Sim, listener: tokio::net::TcpListener) -> io::Result<()> {
    let mut shutdown = sim.shutdown_rx();
    loop {
        tokio::select! {
            r = listener.accept() => {
                let (sock, _) = r?;
                let _ = sock.set_nodelay(true);
                let sim2 = sim.clone();
                tokio::spawn(async move {
                    let _ = serve_tcp_conn(sock, &sim2).await;
                });
            }
            r = shutdown.changed() => {
                if r.is_err() || *shutdown.borrow() { return Ok(()); }
            }
        }
    }
}

async fn serve_tcp_conn(mut sock: tokio::net::TcpStream, sim: &Sim) -> io::Result<()> {
    let mut disconnect = sim.disconnect_rx();
    let mut shutdown = sim.shutdown_rx();
    loop {
        let mut header = [0u8; 7];
        tokio::select! {
            r = sock.read_exact(&mut header) => { r?; }
            r = disconnect.changed() => { if r.is_ok() { return Ok(()); } else { continue; } }
            _ = shutdown.changed() => return Ok(()),
        }
        let len = usize::from(u16::from_be_bytes([header[4], header[5]]));
        if header[2] != 0 || header[3] != 0 || !(2..=254).contains(&len) {
            return Ok(()); // not Modbus: drop the connection like a device would
        }
        let mut pdu = vec![0u8; len - 1];
        sock.read_exact(&mut pdu).await?;
        let unit = header[6];
        let function = pdu.first().copied().unwrap_or(0);
        // A TCP gateway answers for any unit; unknown units get exception 0B.
        let known = sim.lock().units.contains_key(&unit);
        let fault = fault_now(sim, unit, function);
        let seq = sim.lock().fault_seq;
        let reply = if known { answer_with(sim, unit, &pdu, fault.as_ref()) } else { Some(vec![function | 0x80, 0x0B]) };
        let (adu, delay) = faulty_reply(unit, function, reply, Some([header[0], header[1], 0, 0]), fault.as_ref(), seq);
        if let (Some(f), Some(a)) = (&fault, &adu)
            && (f.late_ms > 0 || f.shift != 0)
        {
            remember_faulted(sim, f, a);
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if let Some(adu) = adu {
            sock.write_all(&adu).await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_arithmetic_matches_the_notes() {
        // FC03 of 125 registers at 115200 baud: 28.6 ms per transaction, ≈ 34.95/s.
        let r = theoretical_rate(125, 115200);
        assert!((r - 34.95).abs() < 0.05, "{r}");
        let r = theoretical_rate(125, 9600);
        assert!((r - 3.23).abs() < 0.01, "{r}");
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::{Faults, Sim, SimConfig, UnitConfig};
    use proptest::prelude::*;

    fn sim() -> Sim {
        Sim::new(SimConfig { units: vec![UnitConfig::new(1)], faults: Faults::default(), wire_baud: None, frozen: true }).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

        /// Any request PDU to any unit: an answer or silence, never a panic;
        /// answers are well-formed (a normal reply or an exception).
        #[test]
        fn any_request_is_answered_safely(unit in 0u8..4, pdu in proptest::collection::vec(any::<u8>(), 0..260)) {
            let s = sim();
            if let Some(reply) = answer(&s, unit, &pdu) {
                prop_assert!(!reply.is_empty());
                let f = pdu[0];
                prop_assert!(reply[0] == f || reply[0] == f | 0x80);
            }
        }

        /// Structured writes anywhere in the map never panic and never
        /// change a read-only register.
        #[test]
        fn writes_anywhere_are_safe(address in 39990u16..40600, values in proptest::collection::vec(any::<u16>(), 1..5)) {
            let s = sim();
            let before = s.lock().units[&1].flat().to_vec();
            let mut pdu = vec![16u8, (address >> 8) as u8, address as u8, 0, values.len() as u8, (values.len() * 2) as u8];
            for v in &values { pdu.extend_from_slice(&v.to_be_bytes()); }
            let reply = answer(&s, 1, &pdu).unwrap();
            let after = s.lock().units[&1].flat().to_vec();
            if reply[0] == 16 | 0x80 {
                prop_assert_eq!(before, after);
            }
        }
    }
}
