//! Calculation-sheet building and plain-text rendering.
//!
//! Every line is pushed through [`SheetBuilder`], which replaces a
//! non-finite value by a text "not computed" so that a sheet never carries NaN.

use backstop_model::sizing::{CalcLine, CalcSection, CalcSheet, DiagSeverity, LineKind, SizingDiagnostic};

/// Builds a [`CalcSheet`] section by section.
#[derive(Debug, Default, Clone)]
pub struct SheetBuilder {
    sheet: CalcSheet,
}

impl SheetBuilder {
    /// A sheet titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        SheetBuilder { sheet: CalcSheet { title: title.into(), sections: Vec::new() } }
    }

    /// Starts a section.
    pub fn section(&mut self, title: impl Into<String>, note: impl Into<String>) -> &mut Self {
        self.sheet.sections.push(CalcSection { title: title.into(), note: note.into(), lines: Vec::new() });
        self
    }

    fn push(&mut self, line: CalcLine) -> &mut Self {
        if self.sheet.sections.is_empty() {
            self.section("", "");
        }
        if let Some(s) = self.sheet.sections.last_mut() {
            s.lines.push(line);
        }
        self
    }

    /// A numeric line.
    #[allow(clippy::too_many_arguments)]
    pub fn num(&mut self, kind: LineKind, label: &str, symbol: &str, formula: &str, value: f64, unit: &str, source: &str) -> &mut Self {
        let (value, text) = if value.is_finite() { (Some(value), String::new()) } else { (None, "not computed".to_owned()) };
        self.push(CalcLine {
            kind,
            label: label.to_owned(),
            symbol: symbol.to_owned(),
            formula: formula.to_owned(),
            value,
            text,
            unit: unit.to_owned(),
            source: source.to_owned(),
        })
    }

    /// An input line.
    pub fn input(&mut self, label: &str, symbol: &str, value: f64, unit: &str, source: &str) -> &mut Self {
        self.num(LineKind::Input, label, symbol, "", value, unit, source)
    }

    /// A catalog-data line.
    pub fn data(&mut self, label: &str, symbol: &str, value: f64, unit: &str, source: &str) -> &mut Self {
        self.num(LineKind::Data, label, symbol, "", value, unit, source)
    }

    /// A factor line.
    pub fn factor(&mut self, label: &str, symbol: &str, formula: &str, value: f64, source: &str) -> &mut Self {
        self.num(LineKind::Factor, label, symbol, formula, value, "", source)
    }

    /// An intermediate value.
    pub fn calc(&mut self, label: &str, symbol: &str, formula: &str, value: f64, unit: &str) -> &mut Self {
        self.num(LineKind::Intermediate, label, symbol, formula, value, unit, "")
    }

    /// A result value.
    pub fn result(&mut self, label: &str, symbol: &str, formula: &str, value: f64, unit: &str) -> &mut Self {
        self.num(LineKind::Result, label, symbol, formula, value, unit, "")
    }

    /// A text line (kind given).
    pub fn text(&mut self, kind: LineKind, label: &str, text: &str, source: &str) -> &mut Self {
        self.push(CalcLine {
            kind,
            label: label.to_owned(),
            symbol: String::new(),
            formula: String::new(),
            value: None,
            text: text.to_owned(),
            unit: String::new(),
            source: source.to_owned(),
        })
    }

    /// A check line: verdict text plus the compared values in the formula.
    pub fn check(&mut self, label: &str, formula: &str, ok: bool) -> &mut Self {
        self.push(CalcLine {
            kind: LineKind::Check,
            label: label.to_owned(),
            symbol: String::new(),
            formula: formula.to_owned(),
            value: None,
            text: if ok { "OK".into() } else { "NOT MET".into() },
            unit: String::new(),
            source: String::new(),
        })
    }

    /// Appends the diagnostics as a final section.
    pub fn diagnostics(&mut self, diags: &[SizingDiagnostic]) -> &mut Self {
        if diags.is_empty() {
            return self;
        }
        self.section("Diagnostics", "");
        for d in diags {
            let label = match d.severity {
                DiagSeverity::Error => "error",
                DiagSeverity::Warning => "warning",
                DiagSeverity::Info => "info",
            };
            self.text(LineKind::Check, label, &d.message, &d.field);
        }
        self
    }

    /// Appends the sections of another sheet.
    pub fn extend(&mut self, other: CalcSheet) -> &mut Self {
        self.sheet.sections.extend(other.sections);
        self
    }

    /// The sheet.
    pub fn finish(self) -> CalcSheet {
        self.sheet
    }
}

/// Formats a value with a sensible number of significant digits.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1e9 {
        format!("{v:.3e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 1000.0 {
        format!("{v:.1}")
    } else if a >= 100.0 {
        format!("{v:.2}")
    } else if a >= 1.0 {
        format!("{v:.3}")
    } else if a >= 0.01 {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}

/// Renders a sheet as plain text (CLI, text reports): one block per
/// section, each line `label  symbol = formula = value unit   [source]`.
pub fn render_text(sheet: &CalcSheet) -> String {
    let mut out = String::new();
    out.push_str(&sheet.title);
    out.push('\n');
    out.push_str(&"=".repeat(sheet.title.chars().count().max(8)));
    out.push('\n');
    for s in &sheet.sections {
        out.push('\n');
        if !s.title.is_empty() {
            out.push_str(&s.title);
            out.push('\n');
            out.push_str(&"-".repeat(s.title.chars().count()));
            out.push('\n');
        }
        if !s.note.is_empty() {
            out.push_str(&s.note);
            out.push('\n');
        }
        let width = s.lines.iter().map(|l| l.label.chars().count()).max().unwrap_or(0).min(44);
        for l in &s.lines {
            let tag = match l.kind {
                LineKind::Input => "in ",
                LineKind::Factor => "fac",
                LineKind::Data => "dat",
                LineKind::Intermediate => "   ",
                LineKind::Result => "=> ",
                LineKind::Check => "chk",
            };
            let mut rhs = String::new();
            if !l.symbol.is_empty() {
                rhs.push_str(&l.symbol);
                rhs.push_str(" = ");
            }
            if !l.formula.is_empty() {
                rhs.push_str(&l.formula);
                if l.value.is_some() || !l.text.is_empty() {
                    rhs.push_str(" = ");
                }
            }
            match l.value {
                Some(v) => rhs.push_str(&fmt_num(v)),
                None => rhs.push_str(&l.text),
            }
            if !l.unit.is_empty() && l.value.is_some() {
                rhs.push(' ');
                rhs.push_str(&l.unit);
            }
            if l.value.is_some() && !l.text.is_empty() {
                rhs.push_str(" (");
                rhs.push_str(&l.text);
                rhs.push(')');
            }
            let src = if l.source.is_empty() { String::new() } else { format!("   [{}]", l.source) };
            out.push_str(&format!("  {tag} {:<width$}  {rhs}{src}\n", l.label, width = width));
        }
    }
    out
}
