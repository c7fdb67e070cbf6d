//! The plan as a self-contained SVG 1.1 document (pure string building):
//! rooms, doors with their swing arcs, egress paths, equipment with tags and
//! front edges, working-space and clearance zones, violations highlighted,
//! a scale bar and a north arrow. Reports embed it; the app rasterises it
//! to PNG. Only presentation attributes are used (no CSS, no scripts, no
//! external references), so any SVG 1.1 renderer draws it the same.

use std::fmt::Write as _;

use backstop_model::layout::{CheckReport, DoorSwing, Highlight, ObjectKind, ObjectRef};

use crate::check::{CheckInput, fmt_num};
use crate::geom::{self, Frame, P, Rect};
use crate::resolve::{egress_routes, resolve};

/// What to draw.
#[derive(Debug, Clone)]
pub struct SvgOptions {
    /// Width of the drawing, px (the height follows the plan's aspect).
    pub width_px: u32,
    /// Title printed under the plan (and in `<title>`).
    pub title: String,
    /// Draw NEC working-space zones in front of electrical equipment.
    pub show_working_space: bool,
    /// Draw manufacturer clearance zones.
    pub show_clearances: bool,
    /// Write tags on the equipment.
    pub show_tags: bool,
}

impl Default for SvgOptions {
    fn default() -> Self {
        SvgOptions { width_px: 1600, title: String::new(), show_working_space: true, show_clearances: true, show_tags: true }
    }
}

const MARGIN: f64 = 24.0;
const FOOTER: f64 = 64.0;
const RED: &str = "#d62728";

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

struct View {
    x0: f64,
    y1: f64,
    s: f64,
}

impl View {
    fn x(&self, x: f64) -> f64 {
        MARGIN + (x - self.x0) * self.s
    }
    fn y(&self, y: f64) -> f64 {
        MARGIN + (self.y1 - y) * self.s
    }
    fn pt(&self, p: P) -> String {
        format!("{:.1},{:.1}", self.x(p.x), self.y(p.y))
    }
    fn rect(&self, r: &Rect) -> String {
        format!(
            "x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"",
            self.x(r.x0),
            self.y(r.y1),
            (r.width() * self.s).max(0.0),
            (r.height() * self.s).max(0.0)
        )
    }
}

/// A "nice" scale-bar length (1, 2 or 5 × 10ⁿ mm) near `target`.
fn nice_length(target: f64) -> f64 {
    if !(target.is_finite() && target > 0.0) {
        return 1000.0;
    }
    let p = 10f64.powf(target.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * p).filter(|v| *v <= target).fold(p, f64::max)
}

fn length_label(mm: f64) -> String {
    if mm >= 1000.0 { format!("{} m", fmt_num(mm / 1000.0)) } else { format!("{} mm", fmt_num(mm)) }
}

/// Renders the plan of `input.layout`; objects and highlights of `report`'s
/// violations are drawn in red.
pub fn plan_svg(input: &CheckInput<'_>, report: Option<&CheckReport>, options: &SvgOptions) -> String {
    let scene = resolve(input.layout, input.specs, input.rack_spec);
    let routes = egress_routes(input.layout);

    // Extent of everything drawable.
    let mut bb: Option<Rect> = None;
    let mut grow = |r: Rect| bb = Some(bb.map_or(r, |b| b.union(&r)));
    for room in &scene.rooms {
        if let Some(p) = &room.poly {
            grow(p.bbox);
        }
    }
    for o in &scene.objs {
        grow(o.rect);
    }
    for (_, pts, w) in &routes {
        grow(geom::bbox(pts).grow(w / 2.0));
    }
    let width_px = f64::from(options.width_px.clamp(200, 20_000));
    let plan = bb.unwrap_or(Rect { x0: 0.0, y0: 0.0, x1: 10_000.0, y1: 10_000.0 }).grow(500.0);
    let s = (width_px - 2.0 * MARGIN) / plan.width().max(1.0);
    let view = View { x0: plan.x0, y1: plan.y1, s };
    let height_px = (plan.height() * s + 2.0 * MARGIN + FOOTER).min(200_000.0);

    let violated: std::collections::HashSet<&ObjectRef> =
        report.map(|r| r.violations.iter().flat_map(|v| v.objects.iter()).collect()).unwrap_or_default();

    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n",
        w = width_px,
        h = height_px
    );
    let title = if options.title.is_empty() { "Site plan".to_owned() } else { options.title.clone() };
    let _ = writeln!(out, "<title>{}</title>", xml_escape(&title));
    let _ = writeln!(out, "<desc>Plan in millimetres, north up. Scale 1 px = {} mm.</desc>", fmt_num(1.0 / s));
    let _ = writeln!(out, "<rect x=\"0\" y=\"0\" width=\"{width_px:.0}\" height=\"{height_px:.0}\" fill=\"#ffffff\"/>");

    // Rooms.
    let _ = writeln!(out, "<g id=\"rooms\">");
    for room in &scene.rooms {
        let Some(poly) = &room.poly else { continue };
        let pts: Vec<String> = poly.pts.iter().map(|p| view.pt(*p)).collect();
        let bad = violated.contains(&ObjectRef { kind: ObjectKind::Room, key: room.id.clone() });
        let _ = writeln!(
            out,
            "<polygon points=\"{}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"/>",
            pts.join(" "),
            if room.outdoor { "#eef6ea" } else { "#f5f5f5" },
            if bad { RED } else { "#222222" },
            if bad { 3 } else { 2 }
        );
        let name = input.layout.rooms.iter().find(|r| r.id == room.id).map_or("", |r| r.name.as_str());
        let label = if name.is_empty() || name == room.id { room.id.clone() } else { format!("{} — {name}", room.id) };
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#555555\">{}</text>",
            view.x(poly.bbox.x0) + 6.0,
            view.y(poly.bbox.y1) + 16.0,
            xml_escape(&label)
        );
    }
    let _ = writeln!(out, "</g>");

    // Doors: opening, leaf and swing arc.
    let _ = writeln!(out, "<g id=\"doors\">");
    for room in &scene.rooms {
        for d in &room.doors {
            if d.width <= 0.0 {
                continue;
            }
            let a = d.pos.minus(d.along.scale(d.width / 2.0));
            let b = d.pos.plus(d.along.scale(d.width / 2.0));
            let _ = writeln!(
                out,
                "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#ffffff\" stroke-width=\"4\"/>",
                view.x(a.x),
                view.y(a.y),
                view.x(b.x),
                view.y(b.y)
            );
            let dir = match d.swing {
                DoorSwing::Inward => d.inward,
                DoorSwing::Outward => d.inward.scale(-1.0),
                DoorSwing::Sliding => {
                    let off = d.inward.scale(60.0);
                    let _ = writeln!(
                        out,
                        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#333333\" stroke-width=\"2\"/>",
                        view.x(a.x + off.x),
                        view.y(a.y + off.y),
                        view.x(d.pos.x + off.x),
                        view.y(d.pos.y + off.y)
                    );
                    continue;
                }
            };
            // The open leaf stands perpendicular to the wall at the hinge;
            // the arc runs from its tip to the other jamb.
            let hinge = d.hinge_point();
            let jamb = if hinge == a { b } else { a };
            let leaf = hinge.plus(dir.scale(d.width));
            let r = d.width * s;
            // Sweep direction in screen space (y flipped).
            let (t, j) = (leaf.minus(hinge), jamb.minus(hinge));
            let sweep = if t.x * j.y - t.y * j.x > 0.0 { 0 } else { 1 };
            let _ = writeln!(
                out,
                "<path d=\"M {} L {} A {r:.1} {r:.1} 0 0 {sweep} {}\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1.2\"/>",
                view.pt(hinge),
                view.pt(leaf),
                view.pt(jamb)
            );
        }
        // Door marks: id, fire rating, panic hardware.
        for d in room.doors.iter().filter(|d| d.width > 0.0) {
            let id = if d.named { d.key.clone() } else { String::new() };
            let mut parts = vec![id];
            if d.fire_rating_min > 0 {
                parts.push(format!("{} min", d.fire_rating_min));
            }
            if d.panic_hardware {
                parts.push("panic".into());
            }
            let text = parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" · ");
            if text.is_empty() {
                continue;
            }
            // Outside the room, beside the opening.
            let at = d.pos.minus(d.inward.scale(250.0));
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\" fill=\"#333333\">{}</text>",
                view.x(at.x),
                view.y(at.y) + 3.0,
                xml_escape(&text)
            );
        }
    }
    let _ = writeln!(out, "</g>");

    // Egress paths.
    let _ = writeln!(out, "<g id=\"egress\">");
    for (pi, pts, w) in &routes {
        let p: Vec<String> = pts.iter().map(|q| view.pt(*q)).collect();
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#2ca02c\" stroke-opacity=\"0.18\" stroke-width=\"{:.1}\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>",
            p.join(" "),
            (w * s).max(1.0)
        );
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"1.5\" stroke-dasharray=\"8 4\"/>",
            p.join(" ")
        );
        let id = &input.layout.egress_paths[*pi].id;
        if let Some(first) = pts.first() {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#2ca02c\">{}</text>",
                view.x(first.x) + 4.0,
                view.y(first.y) - 4.0,
                xml_escape(&format!("egress {id}"))
            );
        }
    }
    let _ = writeln!(out, "</g>");

    // Working-space and clearance zones.
    let _ = writeln!(out, "<g id=\"zones\">");
    for o in &scene.objs[..scene.items] {
        let frame = Frame::of_item(o.center, o.depth, o.rot);
        if options.show_working_space && o.needs_ws {
            let ws = &input.rules.working_space;
            if let Some(band) = ws.bands.iter().find(|b| o.voltage <= b.max_v) {
                let w = o.width.max(f64::from(ws.min_width_mm));
                let depth = f64::from(band.depth_mm.iter().copied().max().unwrap_or(0)).max(o.door_leaf);
                let r = frame.rect_to_plan(&Rect { x0: -w / 2.0, y0: 0.0, x1: w / 2.0, y1: depth });
                let _ = writeln!(
                    out,
                    "<rect {} fill=\"#ffd84d\" fill-opacity=\"0.18\" stroke=\"#c9a100\" stroke-width=\"1\" stroke-dasharray=\"6 3\"/>",
                    view.rect(&r)
                );
            }
        }
        if options.show_clearances {
            let c = o.clearances;
            let (w, d) = (o.width, o.depth);
            for (amount, zone) in [
                (c.front_mm, Rect { x0: -w / 2.0, y0: 0.0, x1: w / 2.0, y1: f64::from(c.front_mm) }),
                (c.rear_mm, Rect { x0: -w / 2.0, y0: -d - f64::from(c.rear_mm), x1: w / 2.0, y1: -d }),
                (c.left_mm, Rect { x0: -w / 2.0 - f64::from(c.left_mm), y0: -d, x1: -w / 2.0, y1: 0.0 }),
                (c.right_mm, Rect { x0: w / 2.0, y0: -d, x1: w / 2.0 + f64::from(c.right_mm), y1: 0.0 }),
            ] {
                if amount == 0 {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "<rect {} fill=\"#1f77b4\" fill-opacity=\"0.08\" stroke=\"#1f77b4\" stroke-width=\"0.8\" stroke-dasharray=\"2 2\"/>",
                    view.rect(&frame.rect_to_plan(&zone))
                );
            }
        }
    }
    let _ = writeln!(out, "</g>");

    // Columns: solid grey with a cross, as on architectural plans.
    let _ = writeln!(out, "<g id=\"columns\">");
    for o in &scene.objs[scene.items..] {
        let bad = violated.contains(&o.object_ref());
        let r = &o.rect;
        let _ = writeln!(
            out,
            "<rect {} fill=\"#8c8c8c\" stroke=\"{}\" stroke-width=\"{}\"/>",
            view.rect(r),
            if bad { RED } else { "#333333" },
            if bad { 3 } else { 1 }
        );
        for (p, q) in [(P::new(r.x0, r.y0), P::new(r.x1, r.y1)), (P::new(r.x0, r.y1), P::new(r.x1, r.y0))] {
            let _ = writeln!(
                out,
                "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#333333\" stroke-width=\"0.8\"/>",
                view.x(p.x),
                view.y(p.y),
                view.x(q.x),
                view.y(q.y)
            );
        }
        if options.show_tags {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\" fill=\"#333333\">{}</text>",
                view.x(r.center().x),
                view.y(r.y0) + 11.0,
                xml_escape(o.key)
            );
        }
    }
    let _ = writeln!(out, "</g>");

    // Equipment.
    let _ = writeln!(out, "<g id=\"equipment\">");
    for o in &scene.objs[..scene.items] {
        let bad = violated.contains(&o.object_ref());
        let fill = match o.kind {
            ObjectKind::Rack => "#d9d9d9",
            ObjectKind::PowerUnit => "#dccbf2",
            _ if o.is_battery() => "#f9c784",
            _ if o.needs_ws => "#c7d7f9",
            _ => "#e8e8e8",
        };
        let _ = writeln!(
            out,
            "<rect {} fill=\"{fill}\" stroke=\"{}\" stroke-width=\"{}\"/>",
            view.rect(&o.rect),
            if bad { RED } else { "#333333" },
            if bad { 3 } else { 1 }
        );
        // Front edge.
        let frame = Frame::of_item(o.center, o.depth, o.rot);
        let (a, b) = (frame.to_plan(P::new(-o.width / 2.0, 0.0)), frame.to_plan(P::new(o.width / 2.0, 0.0)));
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#000000\" stroke-width=\"2.5\"/>",
            view.x(a.x),
            view.y(a.y),
            view.x(b.x),
            view.y(b.y)
        );
        if options.show_tags {
            let c = o.rect.center();
            let box_w = o.rect.width() * s;
            let box_h = o.rect.height() * s;
            let chars = o.key.chars().count().max(1) as f64;
            let size = (box_w / (0.62 * chars)).min(box_h * 0.6).clamp(4.0, 14.0);
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{size:.1}\" text-anchor=\"middle\" fill=\"#000000\">{}</text>",
                view.x(c.x),
                view.y(c.y) + size * 0.35,
                xml_escape(o.key)
            );
        }
    }
    let _ = writeln!(out, "</g>");

    // Violation highlights.
    if let Some(r) = report {
        let _ = writeln!(out, "<g id=\"violations\">");
        for v in &r.violations {
            for h in &v.highlights {
                match h {
                    Highlight::Rect { min, max } => {
                        let rr = Rect::from_corners(P::from_point(*min), P::from_point(*max));
                        if !plan.grow(plan.width().max(plan.height())).contains_rect(&rr) {
                            continue;
                        }
                        let _ = writeln!(
                            out,
                            "<rect {} fill=\"{RED}\" fill-opacity=\"0.12\" stroke=\"{RED}\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"><title>{}</title></rect>",
                            view.rect(&rr),
                            xml_escape(&v.message)
                        );
                    }
                    Highlight::Segment { a, b } => {
                        let (pa, pb) = (P::from_point(*a), P::from_point(*b));
                        let big = plan.grow(plan.width().max(plan.height()));
                        if !big.contains_point(pa) || !big.contains_point(pb) {
                            continue;
                        }
                        let _ = writeln!(
                            out,
                            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{RED}\" stroke-width=\"2\"><title>{}</title></line>",
                            view.x(pa.x),
                            view.y(pa.y),
                            view.x(pb.x),
                            view.y(pb.y),
                            xml_escape(&v.message)
                        );
                        let m = pa.plus(pb).scale(0.5);
                        let _ = writeln!(
                            out,
                            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"{RED}\">{} {}</text>",
                            view.x(m.x) + 3.0,
                            view.y(m.y) - 3.0,
                            fmt_num(v.measure.measured),
                            v.measure.unit.symbol()
                        );
                    }
                }
            }
        }
        let _ = writeln!(out, "</g>");
    }

    // Footer: scale bar, north arrow, title.
    let base_y = height_px - FOOTER + 24.0;
    let bar_mm = nice_length((width_px - 2.0 * MARGIN) / 4.0 / s);
    let bar_px = bar_mm * s;
    let _ = writeln!(out, "<g id=\"scale\">");
    for i in 0..4 {
        let x = MARGIN + bar_px * f64::from(i) / 4.0;
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{base_y:.1}\" width=\"{:.1}\" height=\"6\" fill=\"{}\" stroke=\"#000000\" stroke-width=\"0.8\"/>",
            bar_px / 4.0,
            if i % 2 == 0 { "#000000" } else { "#ffffff" }
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{MARGIN:.1}\" y=\"{:.1}\" font-size=\"10\">0</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
        base_y + 18.0,
        MARGIN + bar_px,
        base_y + 18.0,
        xml_escape(&length_label(bar_mm))
    );
    let _ = writeln!(out, "</g>");
    let nx = width_px - MARGIN - 16.0;
    let ny = base_y - 14.0;
    let _ = writeln!(
        out,
        "<g id=\"north\"><path d=\"M {nx:.1} {:.1} L {:.1} {:.1} L {nx:.1} {:.1} L {:.1} {:.1} Z\" fill=\"#000000\"/><text x=\"{nx:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" font-weight=\"bold\">N</text></g>",
        ny,
        nx + 7.0,
        ny + 22.0,
        ny + 16.0,
        nx - 7.0,
        ny + 22.0,
        ny + 36.0
    );
    let mut caption = title;
    if let Some(r) = report {
        let _ = write!(
            caption,
            " — rule set {}: {} violation{}",
            r.rule_set_id,
            r.violations.len(),
            if r.violations.len() == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
        width_px / 2.0,
        base_y + 18.0,
        xml_escape(&caption)
    );
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bar_lengths() {
        assert_eq!(nice_length(3700.0), 2000.0);
        assert_eq!(nice_length(5200.0), 5000.0);
        assert_eq!(nice_length(999.0), 500.0);
        assert_eq!(nice_length(f64::NAN), 1000.0);
        assert_eq!(length_label(5000.0), "5 m");
        assert_eq!(xml_escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;\u{FFFD}");
    }
}
