//! IEEE 485 (lead-acid) / IEEE 1115 (Ni-Cd) duty-cycle sizing.
//!
//! For each section S (periods 1..S):
//! F_S = Σ_{P=1..S} (A_P − A_{P−1}) · K_t · T_t, with t the time from the
//! start of period P to the end of section S, K_t = rated Ah ÷ the current
//! the cell delivers for t minutes to the end voltage, and T_t the
//! temperature derating. Uncorrected size = max_S F_S + random-load section;
//! cell size = uncorrected × design margin × aging factor.

/// One period in amperes.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    /// Label.
    pub label: String,
    /// Current, A.
    pub amps: f64,
    /// Duration, min.
    pub minutes: f64,
}

/// One term of a section.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Period index (1-based).
    pub period: usize,
    /// A_P − A_{P−1}, A.
    pub delta_a: f64,
    /// t, min.
    pub t_min: f64,
    /// K_t, h.
    pub kt: f64,
    /// T_t.
    pub tt: f64,
    /// Term value, Ah.
    pub ah: f64,
}

/// One section.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Section number (1-based).
    pub index: usize,
    /// Terms.
    pub terms: Vec<Term>,
    /// Section size, Ah.
    pub total_ah: f64,
}

/// The duty-cycle calculation.
#[derive(Debug, Clone, PartialEq)]
pub struct DutyResult {
    /// Sections.
    pub sections: Vec<Section>,
    /// Index of the largest section (1-based).
    pub max_section: usize,
    /// Largest section, Ah.
    pub max_section_ah: f64,
    /// Random section, Ah.
    pub random_ah: f64,
    /// Uncorrected size, Ah.
    pub uncorrected_ah: f64,
    /// Corrected size = uncorrected × design margin × aging factor, Ah.
    pub corrected_ah: f64,
}

/// Computes the sizing. `kt(t)` returns K_t (h) for `t` minutes or an error
/// text; `tt(t)` the temperature derating.
pub fn size(
    periods: &[Period],
    random: Option<&Period>,
    kt: &dyn Fn(f64) -> Result<f64, String>,
    tt: &dyn Fn(f64) -> f64,
    design_margin: f64,
    aging_factor: f64,
) -> Result<DutyResult, String> {
    if periods.is_empty() {
        return Err("the duty cycle has no periods".into());
    }
    let mut sections = Vec::with_capacity(periods.len());
    for s in 1..=periods.len() {
        let end: f64 = periods[..s].iter().map(|p| p.minutes).sum();
        let mut terms = Vec::with_capacity(s);
        let mut start = 0.0;
        let mut prev_a = 0.0;
        let mut total = 0.0;
        for (i, p) in periods[..s].iter().enumerate() {
            let t = end - start;
            let k = kt(t).map_err(|e| format!("period {} (t = {t:.1} min): {e}", i + 1))?;
            let f = tt(t);
            let d = p.amps - prev_a;
            let ah = d * k * f;
            total += ah;
            terms.push(Term { period: i + 1, delta_a: d, t_min: t, kt: k, tt: f, ah });
            start += p.minutes;
            prev_a = p.amps;
        }
        sections.push(Section { index: s, terms, total_ah: total });
    }
    let (max_i, max_ah) =
        sections.iter().map(|s| (s.index, s.total_ah)).fold((1, f64::NEG_INFINITY), |acc, x| if x.1 > acc.1 { x } else { acc });
    let random_ah = match random {
        Some(r) if r.amps > 0.0 && r.minutes > 0.0 => {
            r.amps * kt(r.minutes).map_err(|e| format!("random load (t = {} min): {e}", r.minutes))? * tt(r.minutes)
        }
        _ => 0.0,
    };
    let unc = max_ah.max(0.0) + random_ah;
    let corrected = unc * design_margin * aging_factor;
    if !corrected.is_finite() {
        return Err("the duty-cycle sum is not finite".into());
    }
    Ok(DutyResult { sections, max_section: max_i, max_section_ah: max_ah, random_ah, uncorrected_ah: unc, corrected_ah: corrected })
}
