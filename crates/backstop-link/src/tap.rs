//! A transport wrapper between tokio-modbus and the serial port or socket.
//!
//! tokio-modbus frames requests and replies; it cannot show raw bytes, does
//! not flush stale input (a late reply would be taken as the next answer,
//! upstream issue #324), waits out its whole timeout on a reply with a bad
//! CRC, and cannot tell its own echo from a reply. This wrapper sits below
//! it and:
//! - drains whatever is waiting before a new request goes out (logged as
//!   "discarded"), and [`wait_quiet`] lets the link wait for a silent line
//!   after anything went wrong (see [`crate::actor`]),
//! - records every byte sent and received for the traffic monitor,
//! - checks every RTU reply against its request as it arrives (unit,
//!   function, byte count, CRC, nothing after the frame) and fails the
//!   exchange the moment one of them is wrong, instead of letting
//!   tokio-modbus drop bytes and wait for the timeout,
//! - strips an RS-485 echo only when a complete, byte-identical copy of the
//!   request arrives first, and gives back every byte that turns out not
//!   to be one,
//! - does not `tcdrain` on flush (a blocking call inside the runtime),
//! - keeps the port in a shared slot so the link can rebuild the
//!   tokio-modbus context after a decode error without reopening the port
//!   (tokio-util's `Framed` yields one spurious end-of-stream after an error).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::frame::crc_ok;

/// Unix time in microseconds.
pub fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

/// What one request/reply exchange put on and took off the wire.
#[derive(Debug, Default, Clone)]
pub struct Exchange {
    pub tx: Vec<u8>,
    pub tx_time_us: u64,
    pub rx: Vec<u8>,
    pub rx_time_us: u64,
    /// Our own bytes heard back and removed (echo suppression).
    pub echoed: Vec<u8>,
    pub echo_time_us: u64,
    /// Bytes found waiting before the request and thrown away.
    pub discarded: Vec<u8>,
    pub discarded_time_us: u64,
    /// Why the reply was refused while it arrived, if it was.
    pub refused: Option<ReplyFault>,
}

impl Exchange {
    /// True when the received bytes begin with an exact copy of what we
    /// sent: the adapter echoes and nothing stripped it.
    pub fn looks_like_echo(&self) -> bool {
        !self.tx.is_empty() && self.rx.len() >= self.tx.len() && self.rx[..self.tx.len()] == self.tx[..]
    }
}

/// What was wrong with a reply, found while it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyFault {
    /// Our own request came back and echo stripping was not on.
    Echo,
    /// The reply does not belong to the request, or is damaged.
    Mismatch(String),
}

impl std::fmt::Display for ReplyFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyFault::Echo => f.write_str("our own request came back (an RS-485 adapter that hears itself)"),
            ReplyFault::Mismatch(m) => f.write_str(m),
        }
    }
}

/// The I/O error a refused reply surfaces as inside tokio-modbus; the link
/// finds the reason in [`Exchange::refused`].
fn refused_error(fault: &ReplyFault) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, fault.to_string())
}

/// Checks the bytes received so far (`rx`) against the RTU request `tx`.
/// `Ok(())` means "consistent so far"; a complete, valid reply followed by
/// nothing is consistent.
pub fn check_rtu_reply(tx: &[u8], rx: &[u8]) -> Result<(), ReplyFault> {
    if tx.len() < 4 || rx.is_empty() {
        return Ok(());
    }
    // A strict prefix of our own request may still turn out to be an echo:
    // decide once it diverges or is complete.
    if rx.len() < tx.len() && tx.starts_with(rx) {
        return Ok(());
    }
    let (unit, function) = (tx[0], tx[1]);
    if rx.len() >= tx.len() && rx.starts_with(tx) {
        // An exact copy of the request. For a single-register write that
        // is also exactly the acknowledgement, and only the read-back can
        // judge the write; anything else is an echo.
        return if function == 6 || function == 5 { Ok(()) } else { Err(ReplyFault::Echo) };
    }
    if rx[0] != unit {
        return Err(ReplyFault::Mismatch(format!("a reply from unit {} arrived for a request to unit {unit}", rx[0])));
    }
    let Some(&f) = rx.get(1) else { return Ok(()) };
    if f != function && f != function | 0x80 {
        return Err(ReplyFault::Mismatch(format!("a reply with function code {f} arrived for a request with function {function}")));
    }
    let expected = if f & 0x80 != 0 {
        5
    } else {
        match function {
            3 | 4 => {
                let count = usize::from(u16::from_be_bytes([tx[4], tx[5]]));
                let Some(&n) = rx.get(2) else { return Ok(()) };
                if usize::from(n) != 2 * count {
                    return Err(ReplyFault::Mismatch(format!(
                        "a reply with {n} data bytes arrived for a read of {count} registers ({} bytes)",
                        2 * count
                    )));
                }
                5 + 2 * count
            }
            5 | 6 | 15 | 16 => 8,
            _ => return Ok(()),
        }
    };
    if rx.len() < expected {
        return Ok(());
    }
    if !crc_ok(&rx[..expected]) {
        return Err(ReplyFault::Mismatch("a complete reply arrived with a bad CRC".into()));
    }
    if rx.len() > expected {
        return Err(ReplyFault::Mismatch(format!(
            "{} more byte(s) arrived after a complete reply (two replies on the line?)",
            rx.len() - expected
        )));
    }
    Ok(())
}

#[derive(Debug)]
struct State {
    /// Strip an echo in every exchange.
    strip: bool,
    /// Check replies as RTU frames (serial links).
    rtu: bool,
    /// A request is about to be written: drain input first.
    begin: bool,
    /// Strip our own bytes in the next exchange only (a read that failed on
    /// an unexpected echo is retried this way).
    strip_once: bool,
    /// Stripping is still possible in this exchange: nothing but a prefix
    /// of the request has arrived yet.
    stripping: bool,
    /// Bytes that match the request so far, held back until they are
    /// known to be an echo (or given back).
    held: Vec<u8>,
    held_time_us: u64,
    /// Bytes to hand to tokio-modbus before anything new is read.
    giveback: Vec<u8>,
    ex: Exchange,
}

/// State shared between the wrapper (inside tokio-modbus) and the link actor.
#[derive(Debug)]
pub struct TapShared {
    state: Mutex<State>,
}

impl TapShared {
    /// `strip`: strip an echo of each request; `rtu`: check replies as RTU frames.
    pub fn new(strip: bool, rtu: bool) -> Arc<TapShared> {
        Arc::new(TapShared {
            state: Mutex::new(State {
                strip,
                rtu,
                begin: false,
                strip_once: false,
                stripping: false,
                held: Vec::new(),
                held_time_us: 0,
                giveback: Vec::new(),
                ex: Exchange::default(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is plain data; a panic elsewhere cannot leave it torn.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks the start of a new exchange.
    pub fn begin(&self) {
        let mut s = self.lock();
        s.begin = true;
        s.stripping = s.strip || s.strip_once;
        s.held.clear();
        s.giveback.clear();
        s.ex = Exchange::default();
    }

    /// Ends the exchange and hands over what was captured. Bytes held as
    /// a possible echo that never completed count as received.
    pub fn finish(&self) -> Exchange {
        let mut s = self.lock();
        s.begin = false;
        s.strip_once = false;
        s.stripping = false;
        if !s.held.is_empty() {
            let held = std::mem::take(&mut s.held);
            if s.ex.rx.is_empty() {
                s.ex.rx_time_us = s.held_time_us;
            }
            s.ex.rx.splice(0..0, held);
        }
        s.giveback.clear();
        std::mem::take(&mut s.ex)
    }

    /// Strips our own transmission from the input in the next exchange only.
    pub fn strip_echo_once(&self) {
        self.lock().strip_once = true;
    }

    /// Turns echo stripping on or off for every exchange.
    pub fn set_strip(&self, strip: bool) {
        self.lock().strip = strip;
    }
}

/// The port as the tap and the link's quiet-line wait share it.
pub trait PortIo: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> PortIo for T {}

/// A port shared by the tap (inside tokio-modbus) and the link actor.
pub type SharedIo = Arc<Mutex<dyn PortIo>>;

/// The wrapper transport over a serial port or a TCP stream.
#[derive(Debug)]
pub struct Tap {
    io: SharedIo,
    shared: Arc<TapShared>,
}

impl Tap {
    pub fn new(io: SharedIo, shared: Arc<TapShared>) -> Tap {
        Tap { io, shared }
    }
}

fn lock_io(io: &SharedIo) -> MutexGuard<'_, dyn PortIo + 'static> {
    io.lock().unwrap_or_else(|p| p.into_inner())
}

impl State {
    /// Takes bytes that are part of the reply: records them, checks them
    /// and hands what fits to tokio-modbus (the rest waits in `giveback`).
    fn deliver(&mut self, bytes: &[u8], now: u64, buf: &mut ReadBuf<'_>) -> io::Result<()> {
        if self.ex.rx.is_empty() {
            self.ex.rx_time_us = now;
        }
        self.ex.rx.extend_from_slice(bytes);
        if self.rtu
            && let Err(fault) = check_rtu_reply(&self.ex.tx, &self.ex.rx)
        {
            let e = refused_error(&fault);
            self.ex.refused = Some(fault);
            return Err(e);
        }
        let n = bytes.len().min(buf.remaining());
        buf.put_slice(&bytes[..n]);
        self.giveback.extend_from_slice(&bytes[n..]);
        Ok(())
    }
}

impl AsyncRead for Tap {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        {
            let mut s = this.shared.lock();
            if !s.giveback.is_empty() {
                let n = s.giveback.len().min(buf.remaining());
                let bytes: Vec<u8> = s.giveback.drain(..n).collect();
                buf.put_slice(&bytes);
                return Poll::Ready(Ok(()));
            }
        }
        let mut io = lock_io(&this.io);
        loop {
            let mut scratch = [0u8; 512];
            let mut rb = ReadBuf::new(&mut scratch);
            match Pin::new(&mut *io).poll_read(cx, &mut rb) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => {}
            }
            let got = rb.filled();
            if got.is_empty() {
                return Poll::Ready(Ok(())); // end of stream
            }
            let now = now_us();
            let mut s = this.shared.lock();
            if !s.stripping {
                return Poll::Ready(s.deliver(got, now, buf));
            }
            // Could be our echo: hold bytes while they match the request.
            let mut i = 0;
            while i < got.len() && s.held.len() < s.ex.tx.len() && got[i] == s.ex.tx[s.held.len()] {
                if s.held.is_empty() {
                    s.held_time_us = now;
                }
                s.held.push(got[i]);
                i += 1;
            }
            if !s.ex.tx.is_empty() && s.held.len() == s.ex.tx.len() {
                // A complete copy of the request came first: that is the echo.
                s.stripping = false;
                s.ex.echoed = std::mem::take(&mut s.held);
                s.ex.echo_time_us = s.held_time_us;
                if i == got.len() {
                    continue; // only the echo so far: wait for the reply
                }
                return Poll::Ready(s.deliver(&got[i..], now, buf));
            }
            if i < got.len() {
                // Not an echo after all: everything held is reply.
                s.stripping = false;
                let mut bytes = std::mem::take(&mut s.held);
                bytes.extend_from_slice(&got[i..]);
                let t = if bytes.len() > got.len() - i { s.held_time_us } else { now };
                return Poll::Ready(s.deliver(&bytes, t, buf));
            }
            // Everything so far matches the request: wait for more.
        }
    }
}

impl AsyncWrite for Tap {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let mut io = lock_io(&this.io);
        let begin = this.shared.lock().begin;
        if begin {
            // Flush input: anything waiting now is a late reply or noise and
            // must never be taken as the answer to this request.
            let mut drained = Vec::new();
            loop {
                let mut scratch = [0u8; 512];
                let mut rb = ReadBuf::new(&mut scratch);
                match Pin::new(&mut *io).poll_read(cx, &mut rb) {
                    Poll::Pending => break,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Ready(Ok(())) if rb.filled().is_empty() => {
                        return Poll::Ready(Err(io::Error::new(io::ErrorKind::BrokenPipe, "the port closed")));
                    }
                    Poll::Ready(Ok(())) => drained.extend_from_slice(rb.filled()),
                }
                if drained.len() > 64 * 1024 {
                    break;
                }
            }
            let mut s = this.shared.lock();
            if !drained.is_empty() {
                s.ex.discarded_time_us = now_us();
                s.ex.discarded.extend_from_slice(&drained);
            }
            s.begin = false;
        }
        let n = match Pin::new(&mut *io).poll_write(cx, data) {
            Poll::Ready(Ok(n)) => n,
            other => return other,
        };
        let mut s = this.shared.lock();
        if s.ex.tx.is_empty() {
            s.ex.tx_time_us = now_us();
        }
        s.ex.tx.extend_from_slice(&data[..n]);
        Poll::Ready(Ok(n))
    }

    /// A no-op. tokio-serial implements flush as `tcdrain`, a blocking
    /// call that parks a runtime thread until the UART has shifted every
    /// byte out (9 ms for a request at 9600 baud) or, on a PTY, until the
    /// peer process has read it. Written bytes are already queued in the
    /// kernel; nothing is gained by waiting for them here.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let mut io = lock_io(&this.io);
        Pin::new(&mut *io).poll_shutdown(cx)
    }
}

/// Bytes heard while waiting for a quiet line, grouped into bursts.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Heard {
    /// (time of the first byte in µs, bytes) per burst.
    pub bursts: Vec<(u64, Vec<u8>)>,
    /// The line never went quiet within the limit (noise, a babbling device).
    pub never_quiet: bool,
}

impl Heard {
    pub fn is_empty(&self) -> bool {
        self.bursts.is_empty()
    }
}

/// Reads and keeps everything that arrives until the line has been silent
/// for `quiet`, or until `limit` has passed. Bytes less than `burst_gap`
/// apart belong to one burst (one frame, as far as anyone can tell).
/// An end of stream or a read error ends the wait with that error.
pub async fn wait_quiet(io: &SharedIo, quiet: Duration, limit: Duration, burst_gap: Duration) -> io::Result<Heard> {
    let mut heard = Heard::default();
    let start = tokio::time::Instant::now();
    let mut last_byte: Option<tokio::time::Instant> = None;
    loop {
        let silent_since = last_byte.unwrap_or(start);
        let deadline = silent_since + quiet;
        if tokio::time::Instant::now() >= start + limit {
            heard.never_quiet = true;
            return Ok(heard);
        }
        let read = std::future::poll_fn(|cx| {
            let mut scratch = [0u8; 512];
            let mut rb = ReadBuf::new(&mut scratch);
            let mut port = lock_io(io);
            match Pin::new(&mut *port).poll_read(cx, &mut rb) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => Poll::Ready(Ok(rb.filled().to_vec())),
            }
        });
        match tokio::time::timeout_at(deadline.min(start + limit), read).await {
            Err(_elapsed) => {
                if tokio::time::Instant::now() >= deadline {
                    return Ok(heard);
                }
            }
            Ok(Err(e)) => return Err(e),
            Ok(Ok(bytes)) if bytes.is_empty() => {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "the port closed"));
            }
            Ok(Ok(bytes)) => {
                let now = tokio::time::Instant::now();
                match (heard.bursts.last_mut(), last_byte) {
                    (Some((_, b)), Some(t)) if now.duration_since(t) < burst_gap => b.extend_from_slice(&bytes),
                    _ => heard.bursts.push((now_us(), bytes)),
                }
                last_byte = Some(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::with_crc;

    fn read_req(unit: u8, address: u16, count: u16) -> Vec<u8> {
        with_crc(vec![unit, 3, (address >> 8) as u8, address as u8, (count >> 8) as u8, count as u8])
    }

    fn read_reply(unit: u8, regs: &[u16]) -> Vec<u8> {
        let mut b = vec![unit, 3, (regs.len() * 2) as u8];
        for r in regs {
            b.extend_from_slice(&r.to_be_bytes());
        }
        with_crc(b)
    }

    #[test]
    fn a_reply_is_checked_against_its_request_as_it_arrives() {
        let tx = read_req(1, 40000, 2);
        let good = read_reply(1, &[0x5375, 0x6E53]);
        for n in 0..=good.len() {
            assert_eq!(check_rtu_reply(&tx, &good[..n]), Ok(()), "prefix of {n} bytes");
        }
        // Another unit's reply, a different function, a wrong byte count.
        assert!(matches!(check_rtu_reply(&tx, &read_reply(2, &[1, 2])), Err(ReplyFault::Mismatch(m)) if m.contains("unit 2")));
        assert!(
            matches!(check_rtu_reply(&tx, &with_crc(vec![1, 4, 4, 0, 0, 0, 0])), Err(ReplyFault::Mismatch(m)) if m.contains("function code 4"))
        );
        assert!(matches!(check_rtu_reply(&tx, &read_reply(1, &[1, 2, 3])), Err(ReplyFault::Mismatch(m)) if m.contains("6 data bytes")));
        // A bad CRC is known as soon as the frame is complete.
        let mut bad = good.clone();
        *bad.last_mut().unwrap() ^= 0x5A;
        assert!(matches!(check_rtu_reply(&tx, &bad), Err(ReplyFault::Mismatch(m)) if m.contains("bad CRC")));
        // Anything after a complete reply makes it ambiguous.
        let mut two = good.clone();
        two.push(1);
        assert!(matches!(check_rtu_reply(&tx, &two), Err(ReplyFault::Mismatch(m)) if m.contains("1 more byte")));
        // An exception reply is a complete, valid answer.
        assert_eq!(check_rtu_reply(&tx, &with_crc(vec![1, 0x83, 2])), Ok(()));
        // Our own request back is an echo; for FC06 it is also the acknowledgement.
        assert_eq!(check_rtu_reply(&tx, &tx), Err(ReplyFault::Echo));
        let w = with_crc(vec![1, 6, 0x9C, 0x50, 0, 12]);
        assert_eq!(check_rtu_reply(&w, &w), Ok(()));
    }
}
