//! Line charts drawn with plotters into SVG strings: discharge voltage and
//! SOC over time, runtime versus load, SOC over a year, capacity fade,
//! telemetry trends. The same SVG is shown in the UI and embedded in PDFs.

use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// One named series of (x, y) points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// Draw as a dashed reference line (limits, thresholds).
    #[serde(default)]
    pub reference: bool,
}

/// A line chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Pixel size of the SVG (width, height).
    pub size: (u32, u32),
}

/// Series colours: dark blue, teal, amber, red, purple, grey (print-safe).
const PALETTE: [RGBColor; 6] = [
    RGBColor(0x1d, 0x35, 0x57),
    RGBColor(0x2a, 0x9d, 0x8f),
    RGBColor(0xe7, 0x6f, 0x51),
    RGBColor(0xc8, 0x55, 0x3d),
    RGBColor(0x6d, 0x59, 0x7a),
    RGBColor(0x5b, 0x6b, 0x80),
];

/// Why a chart could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    #[error("the chart \"{0}\" has no finite data points to draw")]
    NoData(String),
    #[error("drawing the chart \"{title}\" failed: {detail}")]
    Draw { title: String, detail: String },
}

impl LineChart {
    /// Renders the chart as a self-contained SVG document. Non-finite points
    /// are skipped; a chart without any finite point is an error.
    pub fn to_svg(&self) -> Result<String, ChartError> {
        let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
        let all: Vec<(f64, f64)> = self.series.iter().flat_map(|s| s.points.iter().filter(finite).copied()).collect();
        if all.is_empty() {
            return Err(ChartError::NoData(self.title.clone()));
        }
        let (x0, x1) = padded_range(all.iter().map(|p| p.0), 0.0);
        let (y0, y1) = padded_range(all.iter().map(|p| p.1), 0.05);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size).into_drawing_area();
            self.draw(&root, (x0, x1), (y0, y1)).map_err(|e| ChartError::Draw { title: self.title.clone(), detail: e.to_string() })?;
        }
        Ok(svg)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        x: (f64, f64),
        y: (f64, f64),
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 16).into_font().color(&BLACK))
            .margin(12)
            .x_label_area_size(38)
            .y_label_area_size(56)
            .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 12))
            .light_line_style(RGBColor(0xee, 0xf1, 0xf5))
            .bold_line_style(RGBColor(0xd5, 0xdd, 0xe7))
            .x_label_formatter(&|v| tidy(*v))
            .y_label_formatter(&|v| tidy(*v))
            .draw()?;
        for (i, s) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let points: Vec<(f64, f64)> = s.points.iter().filter(|p| p.0.is_finite() && p.1.is_finite()).copied().collect();
            let style = ShapeStyle { color: color.to_rgba(), filled: false, stroke_width: 2 };
            let drawn = if s.reference {
                chart.draw_series(DashedLineSeries::new(points, 6, 4, style))?
            } else {
                chart.draw_series(LineSeries::new(points, style))?
            };
            drawn.label(&s.name).legend(move |(lx, ly)| PathElement::new(vec![(lx, ly), (lx + 18, ly)], style));
        }
        if self.series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(0xd5, 0xdd, 0xe7))
                .label_font(("sans-serif", 12))
                .position(SeriesLabelPosition::UpperRight)
                .draw()?;
        }
        root.present()?;
        Ok(())
    }
}

/// Min..max of `values`, widened by `pad` of the span (and to a non-zero
/// span when all values are equal).
fn padded_range(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo < 1e-12 {
        let d = if lo.abs() > 1e-12 { lo.abs() * 0.05 } else { 1.0 };
        return (lo - d, hi + d);
    }
    let d = (hi - lo) * pad;
    (lo - d, hi + d)
}

/// Axis labels without float noise: 0.30000000000000004 → "0.3".
fn tidy(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_labels() {
        assert_eq!(tidy(0.1 + 0.2), "0.3");
        assert_eq!(tidy(250.0), "250");
        assert_eq!(tidy(-0.0), "0");
    }

    #[test]
    fn ranges_never_collapse() {
        assert_eq!(padded_range([3.0, 3.0].into_iter(), 0.0), (2.85, 3.15));
        assert_eq!(padded_range([0.0].into_iter(), 0.0), (-1.0, 1.0));
    }

    #[test]
    fn empty_or_non_finite_data_is_an_error_not_a_panic() {
        let chart = LineChart {
            title: "empty".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series { name: "s".into(), points: vec![(f64::NAN, 1.0)], reference: false }],
            size: (400, 300),
        };
        assert_eq!(chart.to_svg(), Err(ChartError::NoData("empty".into())));
    }
}
