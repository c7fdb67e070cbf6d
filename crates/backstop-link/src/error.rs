//! Link errors: each message says what happened on the wire and what the
//! engineer can do about it.

use backstop_model::{AppError, ErrorCode};

/// Errors of the link. `Display` is a complete sentence.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkError {
    #[error("cannot open {path}: {reason}")]
    Open { path: String, reason: String },

    #[error(
        "unit {unit} did not answer {what} within {timeout_ms} ms ({attempts} attempt(s), nothing received). Check the unit id, the A/B wiring, termination, baud rate and parity; slow devices may need a longer timeout{note}"
    )]
    NoAnswer {
        unit: u8,
        what: String,
        timeout_ms: u32,
        attempts: u32,
        /// Empty, or "; note: …" when a link setting disagrees with the line.
        note: String,
    },

    #[error(
        "unit {unit} answered {what} with damaged data: {detail}. Typical causes are noise, missing termination, a baud-rate or parity mismatch, or two devices with the same unit id"
    )]
    Damaged { unit: u8, what: String, detail: String },

    #[error("unit {unit} refused {what}: Modbus exception {code:02} ({name})")]
    Exception { unit: u8, what: String, code: u8, name: String },

    #[error("unit {unit} sent a reply that does not match {what}: {detail}")]
    Protocol { unit: u8, what: String, detail: String },

    #[error("the link {link} is down ({detail}); Backstop keeps trying to reconnect")]
    Disconnected { link: String, detail: String },

    #[error("the link is closed")]
    Closed,

    #[error("{0}")]
    Refused(String),

    #[error("writes are only allowed in armed commissioning mode; arm the link first (arming expires after the chosen time)")]
    NotArmed,

    #[error("cancelled")]
    Cancelled,

    #[error("{0}")]
    Invalid(String),

    #[error("unit {unit} does not speak SunSpec: no \"SunS\" marker at 40000, 0 or 50000 ({detail})")]
    NotSunSpec { unit: u8, detail: String },
}

impl LinkError {
    /// True for errors worth another attempt (no answer, damaged reply).
    pub fn is_retryable(&self) -> bool {
        matches!(self, LinkError::NoAnswer { .. } | LinkError::Damaged { .. } | LinkError::Protocol { .. })
    }

    /// True when the device gave no usable answer at all.
    pub fn is_silence(&self) -> bool {
        matches!(self, LinkError::NoAnswer { .. } | LinkError::Damaged { .. } | LinkError::Disconnected { .. })
    }
}

impl From<LinkError> for AppError {
    fn from(e: LinkError) -> AppError {
        let code = match &e {
            LinkError::Refused(_) | LinkError::NotArmed => ErrorCode::WriteRefused,
            LinkError::Cancelled => ErrorCode::Cancelled,
            LinkError::Invalid(_) => ErrorCode::InvalidInput,
            _ => ErrorCode::Link,
        };
        let message = match &e {
            // The link's refusals of a request are phrases (the CLI prints
            // them after "backstop: "); the app shows a sentence.
            LinkError::Invalid(m) => {
                let m = backstop_model::error::capitalise(m);
                if m.ends_with(['.', '!', '?']) { m } else { format!("{m}.") }
            }
            _ => e.to_string(),
        };
        AppError::new(code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_request_reaches_the_app_as_a_sentence() {
        let e = AppError::from(LinkError::Invalid("arm for 1 to 120 minutes (asked: 0 s)".into()));
        assert_eq!((e.code, e.message.as_str()), (ErrorCode::InvalidInput, "Arm for 1 to 120 minutes (asked: 0 s)."));
        assert_eq!(AppError::from(LinkError::Invalid("Done.".into())).message, "Done.");
    }
}
