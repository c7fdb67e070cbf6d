//! Fault injection: what the simulated bus does wrong, per run (CLI flags)
//! or live (control socket). Faults apply to replies of the listed units
//! (all when the list is empty); RS-485 echo applies to the whole bus.

/// Active faults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Never answer.
    pub no_reply: bool,
    /// Answer this many milliseconds late (0 = on time).
    pub late_ms: u32,
    /// Corrupt the CRC of replies.
    pub crc: bool,
    /// Send random bytes instead of replies.
    pub garbage: bool,
    /// Answer every request with this Modbus exception code.
    pub exception: Option<u8>,
    /// Send every request's bytes straight back (an adapter hearing itself).
    pub echo: bool,
    /// Only these units misbehave (empty: all).
    pub units: Vec<u8>,
    /// Only writes (FC05/06/15/16) misbehave.
    pub writes_only: bool,
    /// Hold the reply back until the next request has arrived, then send it
    /// just before answering that one (a gateway or relay that buffers).
    pub hold: bool,
    /// Answer a read with the registers this many addresses further on (a
    /// reply to a different address range, same length).
    pub shift: i32,
    /// Reply faults hit one reply in this many (0 or 1: every reply).
    pub every: u32,
}

impl Faults {
    /// True when the reply faults apply to this unit and function code.
    pub fn applies(&self, unit: u8, function: u8) -> bool {
        (self.units.is_empty() || self.units.contains(&unit)) && (!self.writes_only || matches!(function, 5 | 6 | 15 | 16))
    }

    /// True when some reply fault is switched on.
    pub fn any_reply_fault(&self) -> bool {
        self.no_reply || self.late_ms > 0 || self.crc || self.garbage || self.exception.is_some() || self.hold || self.shift != 0
    }

    /// One-line summary, e.g. `no-reply late=300ms units=2`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.no_reply {
            parts.push("no-reply".to_string());
        }
        if self.late_ms > 0 {
            parts.push(format!("late={}ms", self.late_ms));
        }
        if self.crc {
            parts.push("crc".into());
        }
        if self.garbage {
            parts.push("garbage".into());
        }
        if let Some(c) = self.exception {
            parts.push(format!("exception={c}"));
        }
        if self.echo {
            parts.push("echo".into());
        }
        if self.writes_only {
            parts.push("writes-only".into());
        }
        if self.hold {
            parts.push("hold".into());
        }
        if self.shift != 0 {
            parts.push(format!("shift={}", self.shift));
        }
        if self.every > 1 {
            parts.push(format!("every={}", self.every));
        }
        if !self.units.is_empty() {
            parts.push(format!("units={}", self.units.iter().map(u8::to_string).collect::<Vec<_>>().join(",")));
        }
        if parts.is_empty() { "none".into() } else { parts.join(" ") }
    }

    /// Applies one `fault` command argument list, e.g. `["late", "300"]`,
    /// `["no-reply", "on"]`, `["units", "2,3"]`, `["clear"]`.
    pub fn apply(&mut self, args: &[&str]) -> Result<(), String> {
        let on = |v: Option<&&str>| -> Result<bool, String> {
            match v.copied().unwrap_or("on") {
                "on" | "1" | "true" => Ok(true),
                "off" | "0" | "false" => Ok(false),
                other => Err(format!("expected on or off, got {other}")),
            }
        };
        match args.first().copied() {
            Some("clear") => *self = Faults::default(),
            Some("no-reply") => self.no_reply = on(args.get(1))?,
            Some("crc") => self.crc = on(args.get(1))?,
            Some("garbage") => self.garbage = on(args.get(1))?,
            Some("echo") => self.echo = on(args.get(1))?,
            Some("writes-only") => self.writes_only = on(args.get(1))?,
            Some("hold") => self.hold = on(args.get(1))?,
            Some("shift") => {
                let v = args.get(1).ok_or("shift needs a register offset, e.g. shift 125, or off")?;
                self.shift = if *v == "off" { 0 } else { v.parse().map_err(|_| format!("bad register offset {v}"))? };
            }
            Some("every") => {
                let v = args.get(1).ok_or("every needs a count, e.g. every 20, or off")?;
                self.every = if *v == "off" { 0 } else { v.parse().map_err(|_| format!("bad count {v}"))? };
            }
            Some("late") => {
                let v = args.get(1).ok_or("late needs milliseconds, e.g. late 300")?;
                self.late_ms = if *v == "off" { 0 } else { v.parse().map_err(|_| format!("bad milliseconds {v}"))? };
            }
            Some("exception") => {
                let v = args.get(1).ok_or("exception needs a code 1-11 or off")?;
                self.exception = if *v == "off" {
                    None
                } else {
                    let c: u8 = v.parse().map_err(|_| format!("bad exception code {v}"))?;
                    if !(1..=11).contains(&c) {
                        return Err(format!("exception code {c} is not 1-11"));
                    }
                    Some(c)
                };
            }
            Some("units") => {
                let v = args.get(1).ok_or("units needs a list like 2,3 or all")?;
                self.units = if *v == "all" { Vec::new() } else { parse_units(v)? };
            }
            Some(other) => {
                return Err(format!(
                    "unknown fault {other}; use no-reply, late, crc, garbage, exception, echo, hold, shift, every, units, writes-only or clear"
                ));
            }
            None => return Err("fault needs a name".into()),
        }
        Ok(())
    }
}

/// Parses `1,2,5-7` into unit ids (1–247).
pub fn parse_units(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a, b),
            None => (part, part),
        };
        let a: u8 = a.trim().parse().map_err(|_| format!("bad unit id {a}"))?;
        let b: u8 = b.trim().parse().map_err(|_| format!("bad unit id {b}"))?;
        if a == 0 || b > 247 || a > b {
            return Err(format!("unit ids run from 1 to 247: {part}"));
        }
        out.extend(a..=b);
    }
    out.sort_unstable();
    out.dedup();
    if out.is_empty() {
        return Err("no unit ids given".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_unit_lists() {
        let mut f = Faults::default();
        f.apply(&["late", "300"]).unwrap();
        f.apply(&["units", "2,4-5"]).unwrap();
        f.apply(&["echo"]).unwrap();
        assert_eq!(f.summary(), "late=300ms echo units=2,4,5");
        assert!(f.applies(4, 3) && !f.applies(1, 3));
        assert!(f.apply(&["exception", "40"]).is_err());
        assert!(f.apply(&["bogus"]).is_err());
        f.apply(&["clear"]).unwrap();
        assert_eq!(f, Faults::default());
        assert!(parse_units("0").is_err());
        assert!(parse_units("300").is_err());
    }
}
