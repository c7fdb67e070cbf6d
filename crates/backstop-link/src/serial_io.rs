//! A serial port for the async runtime that waits for input only.
//!
//! tokio-serial registers a port for readable *and* writable events. A
//! port becomes writable again each time a request has left it (on a PTY:
//! when the process on the other side has read it), and that event wakes
//! the runtime's thread although nothing waits for it: one needless
//! wake-up per request, as many as the reply's own. On a small machine
//! the wake-ups are what limits a poll loop, so here the port is
//! registered for input only. Writes go straight to the kernel's queue (a
//! Modbus request or reply is at most 256 bytes, the queue holds
//! kilobytes); if the queue is ever full the write is retried after a
//! millisecond instead of waiting for a writable event.
//!
//! Reads, the end of a disconnected adapter (hang-up, `EIO`) and errors
//! behave as with tokio-serial; flushing does not `tcdrain` (see
//! [`crate::tap`]). The link's port also polls briefly for each reply
//! before it sleeps ([`REPLY_SPIN`]); the simulator's does not.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

/// How long a write waits before it is tried again when the port's output
/// queue is full.
pub const WRITE_RETRY: Duration = Duration::from_millis(1);

/// How long the link polls for a reply before it lets its thread sleep.
///
/// Waking a sleeping thread is the slowest step of a round trip on a fast
/// link (a PTY, a USB adapter with a short latency timer, a virtual
/// machine): the thread is put to sleep and woken by the kernel once per
/// reply. For the first 300 µs after a request the link's thread instead
/// keeps reading the port (non-blocking) and takes the reply the moment it
/// is there. A reply that has not come by then is waited for normally;
/// after [`SPIN_MISSES`] such replies in a row the next [`SPIN_BACKOFF`]
/// are not polled for. On a real wire (a 125-register reply takes 28 ms at
/// 115,200 baud) polling would only burn CPU, so there it costs 0.9 ms of
/// CPU per 67 requests.
pub const REPLY_SPIN: Duration = Duration::from_micros(300);

/// Replies in a row that come later than [`REPLY_SPIN`] before polling
/// pauses (one late reply on a fast link is a scheduling hiccup).
pub const SPIN_MISSES: u32 = 3;

/// Replies waited for without polling once polling pauses.
pub const SPIN_BACKOFF: u32 = 64;

/// An open serial port (or PTY) driven by the tokio runtime.
pub struct SerialIo {
    fd: AsyncFd<mio_serial::SerialStream>,
    retry: Option<Pin<Box<tokio::time::Sleep>>>,
    /// How long the read after a write polls before it sleeps (zero: never).
    spin: Duration,
    /// A write went out: the next read is the reply to wait for.
    armed: bool,
    /// Replies to wait for without polling, after [`SPIN_MISSES`] in a row
    /// took longer than [`SerialIo::spin`] (a real wire: polling would only
    /// burn CPU).
    skip: u32,
    /// Replies in a row that polling missed.
    misses: u32,
}

impl std::fmt::Debug for SerialIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialIo").finish_non_exhaustive()
    }
}

impl SerialIo {
    /// Opens the port `builder` describes (non-blocking, exclusive as
    /// tokio-serial opens it). Must be called inside a tokio runtime.
    pub fn open(builder: &tokio_serial::SerialPortBuilder) -> tokio_serial::Result<SerialIo> {
        Ok(SerialIo::register(mio_serial::SerialStream::open(builder)?)?)
    }

    fn register(port: mio_serial::SerialStream) -> io::Result<SerialIo> {
        // SAFETY: the `SerialStream` owns its file descriptor from opening
        // to drop and always returns that same one from `as_raw_fd`; the
        // `AsyncFd` owns the stream, so the descriptor outlives the
        // registration.
        let fd = unsafe { AsyncFd::register_with_interest(port, Interest::READABLE) }.map_err(|e| e.into_parts().1)?;
        Ok(SerialIo { fd, retry: None, spin: Duration::ZERO, armed: false, skip: 0, misses: 0 })
    }

    /// Makes the read that follows each write poll the port for up to
    /// `spin` before it sleeps (see [`REPLY_SPIN`]); zero turns it off.
    pub fn with_reply_spin(mut self, spin: Duration) -> SerialIo {
        self.spin = spin;
        self
    }
}

impl AsyncRead for SerialIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if std::mem::take(&mut self.armed) && !self.spin.is_zero() {
            if self.skip > 0 {
                self.skip -= 1;
            } else {
                let start = std::time::Instant::now();
                loop {
                    match self.fd.get_ref().read(buf.initialize_unfilled()) {
                        Ok(n) => {
                            self.misses = 0;
                            buf.advance(n);
                            return Poll::Ready(Ok(()));
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            if start.elapsed() >= self.spin {
                                self.misses += 1;
                                if self.misses >= SPIN_MISSES {
                                    // A slow wire or device: stop polling for a while.
                                    self.misses = 0;
                                    self.skip = SPIN_BACKOFF;
                                }
                                break;
                            }
                            std::hint::spin_loop();
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Poll::Ready(Err(e)),
                    }
                }
            }
        }
        loop {
            let mut guard = ready!(self.fd.poll_read_ready(cx))?;
            match guard.try_io(|inner| inner.get_ref().read(buf.initialize_unfilled())) {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => continue,
            }
        }
    }
}

impl AsyncWrite for SerialIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        loop {
            if let Some(wait) = self.retry.as_mut() {
                ready!(wait.as_mut().poll(cx));
                self.retry = None;
            }
            match self.fd.get_ref().write(data) {
                Ok(n) => {
                    self.armed = true;
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.retry = Some(Box::pin(tokio::time::sleep(WRITE_RETRY)));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// A no-op: written bytes are already queued in the kernel, and
    /// `tcdrain` would block the runtime's thread.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A pseudo-terminal pair from tokio-serial: both ends as `SerialIo`
    /// would see them.
    #[tokio::test]
    async fn bytes_cross_a_pty_pair_both_ways_and_a_full_queue_does_not_lose_any() {
        let (a, b) = mio_serial::SerialStream::pair().expect("a PTY pair");
        let (mut a, mut b) = (SerialIo::register(a).unwrap(), SerialIo::register(b).unwrap());
        a.write_all(&[1, 3, 0x9c, 0x40, 0, 2, 0xeb, 0x8f]).await.unwrap();
        let mut got = [0u8; 8];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(got, [1, 3, 0x9c, 0x40, 0, 2, 0xeb, 0x8f]);
        // More than the kernel's queue holds while nobody reads: the writer
        // waits and retries, the reader gets every byte in order.
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let expect = big.clone();
        let writer = tokio::spawn(async move {
            a.write_all(&big).await.unwrap();
            a
        });
        let mut back = vec![0u8; expect.len()];
        b.read_exact(&mut back).await.unwrap();
        assert!(back == expect, "bytes lost or reordered");
        drop(writer.await.unwrap());
    }

    /// A peer that answers late (a real wire) stops the polling after
    /// three misses in a row, and replies are still read whole either way.
    #[tokio::test]
    async fn polling_for_replies_pauses_on_a_slow_peer() {
        let (a, b) = mio_serial::SerialStream::pair().expect("a PTY pair");
        let mut master = SerialIo::register(a).unwrap().with_reply_spin(REPLY_SPIN);
        let mut device = SerialIo::register(b).unwrap();
        for round in 1..=SPIN_MISSES {
            master.write_all(&[1, 3, 0, 0, 0, 1, 0x84, 0x0a]).await.unwrap();
            let mut reply = [0u8; 7];
            let answer = async {
                let mut req = [0u8; 8];
                device.read_exact(&mut req).await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await; // later than REPLY_SPIN
                device.write_all(&[1, 3, 2, 0, 7, 0xf9, 0x86]).await.unwrap();
            };
            let (_, got) = tokio::join!(answer, master.read_exact(&mut reply));
            got.unwrap();
            assert_eq!(reply, [1, 3, 2, 0, 7, 0xf9, 0x86]);
            assert_eq!(master.misses % SPIN_MISSES, round % SPIN_MISSES);
        }
        assert_eq!(master.skip, SPIN_BACKOFF, "polling pauses after {SPIN_MISSES} late replies");
        // While paused, replies are waited for without polling.
        master.write_all(&[1]).await.unwrap();
        let mut one = [0u8; 1];
        let answer = async {
            let mut req = [0u8; 1];
            device.read_exact(&mut req).await.unwrap();
            device.write_all(&[9]).await.unwrap();
        };
        let (_, got) = tokio::join!(answer, master.read_exact(&mut one));
        got.unwrap();
        assert_eq!((one[0], master.skip), (9, SPIN_BACKOFF - 1));
    }
}
