//! A transport wrapper between tokio-modbus and the serial port or socket.
//!
//! tokio-modbus frames requests and replies; it cannot show raw bytes, does
//! not flush stale input (a late reply would be taken as the next answer,
//! upstream issue #324) and cannot tell its own echo from a reply. This
//! wrapper sits below it and:
//! - drains whatever is waiting before a new request goes out (logged as
//!   "discarded"),
//! - records every byte sent and received for the traffic monitor,
//! - optionally strips exactly the bytes we sent when they come back first
//!   (RS-485 adapters that hear themselves),
//! - does not `tcdrain` on flush (a blocking call inside the runtime),
//! - keeps the port in a shared slot so the link can rebuild the
//!   tokio-modbus context after a decode error without reopening the port
//!   (tokio-util's `Framed` yields one spurious end-of-stream after an error).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use backstop_model::link::EchoMode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

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
}

impl Exchange {
    /// True when the received bytes begin with an exact copy of what we
    /// sent: the adapter echoes and suppression is off.
    pub fn looks_like_echo(&self) -> bool {
        !self.tx.is_empty() && self.rx.len() >= self.tx.len() && self.rx[..self.tx.len()] == self.tx[..]
    }
}

#[derive(Debug)]
struct State {
    echo: EchoMode,
    /// A request is about to be written: drain input first.
    begin: bool,
    pending_echo: Vec<u8>,
    echo_pos: usize,
    /// Strip our own bytes in the next exchange only (a read that timed
    /// out on an unexpected echo is retried this way).
    strip_once: bool,
    ex: Exchange,
}

/// State shared between the wrapper (inside tokio-modbus) and the link actor.
#[derive(Debug)]
pub struct TapShared {
    state: Mutex<State>,
}

impl TapShared {
    pub fn new(echo: EchoMode) -> Arc<TapShared> {
        Arc::new(TapShared {
            state: Mutex::new(State { echo, begin: false, pending_echo: Vec::new(), echo_pos: 0, strip_once: false, ex: Exchange::default() }),
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
        s.pending_echo.clear();
        s.echo_pos = 0;
        s.ex = Exchange::default();
    }

    /// Ends the exchange and hands over what was captured.
    pub fn finish(&self) -> Exchange {
        let mut s = self.lock();
        s.begin = false;
        s.strip_once = false;
        std::mem::take(&mut s.ex)
    }

    /// Strips our own transmission from the input in the next exchange only.
    pub fn strip_echo_once(&self) {
        self.lock().strip_once = true;
    }
}

/// The wrapper transport; `T` is a serial port or a TCP stream.
#[derive(Debug)]
pub struct Tap<T> {
    io: Arc<Mutex<T>>,
    shared: Arc<TapShared>,
}

impl<T> Tap<T> {
    pub fn new(io: Arc<Mutex<T>>, shared: Arc<TapShared>) -> Tap<T> {
        Tap { io, shared }
    }
}

fn lock_io<T>(io: &Mutex<T>) -> MutexGuard<'_, T> {
    io.lock().unwrap_or_else(|p| p.into_inner())
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for Tap<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let mut io = lock_io(&this.io);
        loop {
            let mut scratch = [0u8; 512];
            let want = buf.remaining().min(scratch.len());
            if want == 0 {
                return Poll::Ready(Ok(()));
            }
            let mut rb = ReadBuf::new(&mut scratch[..want]);
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
            let mut i = 0;
            while s.echo_pos < s.pending_echo.len() && i < got.len() {
                if got[i] == s.pending_echo[s.echo_pos] {
                    if s.ex.echoed.is_empty() {
                        s.ex.echo_time_us = now;
                    }
                    s.ex.echoed.push(got[i]);
                    s.echo_pos += 1;
                    i += 1;
                } else {
                    // Not our echo (or it stopped): pass everything from here on.
                    s.pending_echo.clear();
                    s.echo_pos = 0;
                }
            }
            let pass = &got[i..];
            if pass.is_empty() {
                continue; // only echo so far: wait for the reply
            }
            if s.ex.rx.is_empty() {
                s.ex.rx_time_us = now;
            }
            s.ex.rx.extend_from_slice(pass);
            buf.put_slice(pass);
            return Poll::Ready(Ok(()));
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Tap<T> {
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
        if s.echo == EchoMode::Suppress || s.strip_once {
            s.pending_echo.extend_from_slice(&data[..n]);
        }
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
