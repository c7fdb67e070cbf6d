//! The compute loop the case editors share: one computation in flight at a
//! time, the latest edit queued behind it (never a queue of stale ones), the
//! edit's sequence number and time for the keystroke-to-charts timing, and
//! an optional debounce timer.

use leptos::prelude::TimeoutHandle;

/// The state of one editor's compute loop.
#[derive(Default)]
pub struct Runner {
    /// Increases with every edit.
    seq: u64,
    /// When the latest edit happened (performance.now(), ms).
    input_ms: f64,
    in_flight: bool,
    /// The edit the computation in flight covers.
    running: u64,
    again: bool,
    timer: Option<TimeoutHandle>,
}

impl Runner {
    /// An edit at `t_ms`: its sequence number.
    pub fn edited(&mut self, t_ms: f64) -> u64 {
        self.seq += 1;
        self.input_ms = t_ms;
        self.seq
    }

    /// Starts a computation unless one is running (then one more follows
    /// it): the edit it covers and that edit's time.
    pub fn start(&mut self) -> Option<(u64, f64)> {
        if self.in_flight {
            self.again = true;
            None
        } else {
            self.in_flight = true;
            self.running = self.seq;
            Some((self.seq, self.input_ms))
        }
    }

    /// Starts a computation of the latest edit at once, whether or not one
    /// is running (the smoothing editor: in the backend a later edit's
    /// computation stops its editor's earlier one, whichever request
    /// arrives first): the edit it covers and that edit's time.
    pub fn start_over(&mut self) -> (u64, f64) {
        self.in_flight = true;
        self.running = self.seq;
        self.again = false;
        (self.seq, self.input_ms)
    }

    /// The computation of edit `seq` returned (or let the editor go on):
    /// none is running any more when it is the latest started (with
    /// [`Runner::start_over`] no edit waits to compute again).
    pub fn finish_of(&mut self, seq: u64) {
        if self.in_flight && self.running == seq {
            self.in_flight = false;
        }
    }

    /// The edit whose computation is running, if one is.
    pub fn running(&self) -> Option<u64> {
        self.in_flight.then_some(self.running)
    }

    /// The computation returned: whether an edit came meanwhile (compute again).
    pub fn finish(&mut self) -> bool {
        self.in_flight = false;
        std::mem::take(&mut self.again)
    }

    /// Takes the pending debounce timer (to clear it).
    pub fn take_timer(&mut self) -> Option<TimeoutHandle> {
        self.timer.take()
    }

    /// Keeps the debounce timer just set.
    pub fn set_timer(&mut self, h: TimeoutHandle) {
        self.timer = Some(h);
    }
}
