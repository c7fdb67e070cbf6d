//! The serial port on platforms without `AsyncFd` (Windows): tokio-serial's
//! own stream, with the same interface as the Unix [`SerialIo`] so the
//! link and the simulator need no platform code. The Unix version's two
//! optimisations (input-only registration and polling briefly for a reply)
//! are Unix-specific; here [`SerialIo::with_reply_spin`] is accepted and
//! has no effect.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_serial::SerialPortBuilderExt;

/// See the Unix version; unused here.
pub const WRITE_RETRY: Duration = Duration::from_millis(1);
/// See the Unix version; accepted and ignored here.
pub const REPLY_SPIN: Duration = Duration::from_micros(300);
/// See the Unix version; unused here.
pub const SPIN_MISSES: u32 = 3;
/// See the Unix version; unused here.
pub const SPIN_BACKOFF: u32 = 64;

/// A serial port on the async runtime (tokio-serial's stream).
#[derive(Debug)]
pub struct SerialIo {
    port: tokio_serial::SerialStream,
}

impl SerialIo {
    /// Opens the port `builder` describes.
    pub fn open(builder: &tokio_serial::SerialPortBuilder) -> tokio_serial::Result<SerialIo> {
        Ok(SerialIo { port: builder.clone().open_native_async()? })
    }

    /// Accepted for the same interface as on Unix; no effect here.
    pub fn with_reply_spin(self, _spin: Duration) -> SerialIo {
        self
    }
}

impl AsyncRead for SerialIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.port).poll_read(cx, buf)
    }
}

impl AsyncWrite for SerialIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.port).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.port).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.port).poll_shutdown(cx)
    }
}
