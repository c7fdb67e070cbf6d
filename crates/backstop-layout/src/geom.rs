//! Plane geometry in millimetres, in `f64`.
//!
//! Plan coordinates are integers in the model; the checks convert them to
//! `f64` once (after [`crate::resolve`] has refused coordinates too large to
//! be exact), so item edges at half millimetres (odd widths about an integer
//! centre) are exact and no integer arithmetic can overflow.
//!
//! Item footprints are axis-aligned rectangles (rotations are quarter
//! turns); rooms are polygons (a rectangle room is a four-vertex polygon);
//! egress routes are polylines.

use backstop_model::layout::{Point, Rotation};

/// A point or vector in plan millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct P {
    /// East, mm.
    pub x: f64,
    /// North, mm.
    pub y: f64,
}

impl P {
    /// The point (`x`, `y`).
    pub const fn new(x: f64, y: f64) -> Self {
        P { x, y }
    }

    /// Converts a model point (exact below 2⁵³ mm).
    pub fn from_point(p: Point) -> Self {
        P { x: p.x_mm as f64, y: p.y_mm as f64 }
    }

    /// Rounds to the nearest model point (saturating).
    pub fn to_point(self) -> Point {
        Point::new(round_i64(self.x), round_i64(self.y))
    }

    /// Dot product.
    pub fn dot(self, o: P) -> f64 {
        self.x * o.x + self.y * o.y
    }

    /// Difference `self − o`.
    pub fn minus(self, o: P) -> P {
        P::new(self.x - o.x, self.y - o.y)
    }

    /// Sum.
    pub fn plus(self, o: P) -> P {
        P::new(self.x + o.x, self.y + o.y)
    }

    /// Scaled by `k`.
    pub fn scale(self, k: f64) -> P {
        P::new(self.x * k, self.y * k)
    }

    /// Euclidean length.
    pub fn len(self) -> f64 {
        self.x.hypot(self.y)
    }

    /// Distance to `o`.
    pub fn dist(self, o: P) -> f64 {
        self.minus(o).len()
    }
}

/// Rounds to `i64`, saturating (NaN → 0).
pub fn round_i64(v: f64) -> i64 {
    // `as` saturates and maps NaN to 0.
    v.round() as i64
}

/// An axis-aligned rectangle `[x0, x1] × [y0, y1]` with `x0 ≤ x1`, `y0 ≤ y1`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    /// West edge.
    pub x0: f64,
    /// South edge.
    pub y0: f64,
    /// East edge.
    pub x1: f64,
    /// North edge.
    pub y1: f64,
}

impl Rect {
    /// The rectangle spanned by two corners in any order.
    pub fn from_corners(a: P, b: P) -> Self {
        Rect { x0: a.x.min(b.x), y0: a.y.min(b.y), x1: a.x.max(b.x), y1: a.y.max(b.y) }
    }

    /// A rectangle of `w × h` about `c`.
    pub fn centered(c: P, w: f64, h: f64) -> Self {
        Rect { x0: c.x - w / 2.0, y0: c.y - h / 2.0, x1: c.x + w / 2.0, y1: c.y + h / 2.0 }
    }

    /// Width (x extent).
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    /// Height (y extent).
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// Area, mm².
    pub fn area(&self) -> f64 {
        self.width() * self.height()
    }

    /// Centre.
    pub fn center(&self) -> P {
        P::new((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }

    /// Grown by `d` on every side.
    pub fn grow(&self, d: f64) -> Rect {
        Rect { x0: self.x0 - d, y0: self.y0 - d, x1: self.x1 + d, y1: self.y1 + d }
    }

    /// Smallest rectangle holding both.
    pub fn union(&self, o: &Rect) -> Rect {
        Rect { x0: self.x0.min(o.x0), y0: self.y0.min(o.y0), x1: self.x1.max(o.x1), y1: self.y1.max(o.y1) }
    }

    /// The four corners, counter-clockwise from south-west.
    pub fn corners(&self) -> [P; 4] {
        [P::new(self.x0, self.y0), P::new(self.x1, self.y0), P::new(self.x1, self.y1), P::new(self.x0, self.y1)]
    }

    /// True when the interiors intersect (touching edges do not count).
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    /// True when the closed rectangles intersect (touching counts).
    pub fn touches(&self, o: &Rect) -> bool {
        self.x0 <= o.x1 && o.x0 <= self.x1 && self.y0 <= o.y1 && o.y0 <= self.y1
    }

    /// Intersection, if the closed rectangles intersect.
    pub fn intersection(&self, o: &Rect) -> Option<Rect> {
        self.touches(o).then(|| Rect { x0: self.x0.max(o.x0), y0: self.y0.max(o.y0), x1: self.x1.min(o.x1), y1: self.y1.min(o.y1) })
    }

    /// True when `p` lies in the closed rectangle.
    pub fn contains_point(&self, p: P) -> bool {
        p.x >= self.x0 && p.x <= self.x1 && p.y >= self.y0 && p.y <= self.y1
    }

    /// Closed containment of `o`.
    pub fn contains_rect(&self, o: &Rect) -> bool {
        o.x0 >= self.x0 && o.x1 <= self.x1 && o.y0 >= self.y0 && o.y1 <= self.y1
    }

    /// Euclidean gap between the rectangles (0 when they touch or overlap)
    /// and the closest points realising it (midpoints of shared ranges).
    pub fn gap(&self, o: &Rect) -> (f64, P, P) {
        let (ax, bx) = axis_gap(self.x0, self.x1, o.x0, o.x1);
        let (ay, by) = axis_gap(self.y0, self.y1, o.y0, o.y1);
        let a = P::new(ax, ay);
        let b = P::new(bx, by);
        (a.dist(b), a, b)
    }

    /// Distance from `p` to the rectangle (0 inside) and the closest point.
    pub fn dist_point(&self, p: P) -> (f64, P) {
        let q = P::new(p.x.clamp(self.x0, self.x1), p.y.clamp(self.y0, self.y1));
        (p.dist(q), q)
    }

    /// Rectangle of the model points (rounded outward).
    pub fn to_points(&self) -> (Point, Point) {
        (
            Point::new(round_i64(self.x0.floor()), round_i64(self.y0.floor())),
            Point::new(round_i64(self.x1.ceil()), round_i64(self.y1.ceil())),
        )
    }
}

/// Closest coordinates of two intervals on one axis: equal midpoints of the
/// shared part when they overlap, else the facing ends.
fn axis_gap(a0: f64, a1: f64, b0: f64, b1: f64) -> (f64, f64) {
    if a1 < b0 {
        (a1, b0)
    } else if b1 < a0 {
        (a0, b1)
    } else {
        let m = (a0.max(b0) + a1.min(b1)) / 2.0;
        (m, m)
    }
}

/// Outward unit normal of an item's front at `rot` (see the model's
/// rotation convention: at 0° the front faces south).
pub fn front_dir(rot: Rotation) -> P {
    match rot {
        Rotation::R0 => P::new(0.0, -1.0),
        Rotation::R90 => P::new(1.0, 0.0),
        Rotation::R180 => P::new(0.0, 1.0),
        Rotation::R270 => P::new(-1.0, 0.0),
    }
}

/// Plan extent (x, y) of an item `width × depth` at `rot`.
pub fn extent(width: f64, depth: f64, rot: Rotation) -> (f64, f64) {
    match rot {
        Rotation::R0 | Rotation::R180 => (width, depth),
        Rotation::R90 | Rotation::R270 => (depth, width),
    }
}

/// Footprint of an item `width × depth` centred on `c` at `rot`.
pub fn footprint(c: P, width: f64, depth: f64, rot: Rotation) -> Rect {
    let (w, h) = extent(width, depth, rot);
    Rect::centered(c, w, h)
}

/// An item's own frame: `u` runs along its front face to the right of a
/// person standing in front of it and facing it; `v` is the distance in
/// front of the front face (negative behind it).
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    /// Centre of the front face.
    pub origin: P,
    /// Unit vector along `u`.
    pub right: P,
    /// Unit vector along `v` (outward front normal).
    pub front: P,
}

impl Frame {
    /// The frame of an item centred on `c`, `depth` deep, at `rot`.
    pub fn of_item(c: P, depth: f64, rot: Rotation) -> Frame {
        let front = front_dir(rot);
        // Right of an observer facing the item = front turned 90° CCW.
        let right = P::new(-front.y, front.x);
        Frame { origin: c.plus(front.scale(depth / 2.0)), right, front }
    }

    /// A frame at `origin` with front normal `front` (unit).
    pub fn new(origin: P, front: P) -> Frame {
        Frame { origin, right: P::new(-front.y, front.x), front }
    }

    /// Local coordinates of plan point `p`.
    pub fn to_local(&self, p: P) -> P {
        let d = p.minus(self.origin);
        P::new(d.dot(self.right), d.dot(self.front))
    }

    /// Plan point of local (`u`, `v`).
    pub fn to_plan(&self, l: P) -> P {
        self.origin.plus(self.right.scale(l.x)).plus(self.front.scale(l.y))
    }

    /// Bounding rectangle, in local coordinates, of a plan rectangle (exact
    /// for axis-aligned frames).
    pub fn rect_to_local(&self, r: &Rect) -> Rect {
        let c = r.corners().map(|p| self.to_local(p));
        bbox(&c)
    }

    /// Bounding rectangle, in plan coordinates, of a local rectangle.
    pub fn rect_to_plan(&self, r: &Rect) -> Rect {
        let c = r.corners().map(|p| self.to_plan(p));
        bbox(&c)
    }
}

/// Bounding rectangle of points (empty input → zero rectangle).
pub fn bbox(pts: &[P]) -> Rect {
    let Some(first) = pts.first() else { return Rect::default() };
    let mut r = Rect { x0: first.x, y0: first.y, x1: first.x, y1: first.y };
    for p in &pts[1..] {
        r.x0 = r.x0.min(p.x);
        r.y0 = r.y0.min(p.y);
        r.x1 = r.x1.max(p.x);
        r.y1 = r.y1.max(p.y);
    }
    r
}

/// Clips segment `a–b` to the closed rectangle `r` (Liang–Barsky). Returns
/// the clipped endpoints, or `None` when the segment misses the rectangle.
pub fn clip_segment(a: P, b: P, r: &Rect) -> Option<(P, P)> {
    let d = b.minus(a);
    let mut t0 = 0.0f64;
    let mut t1 = 1.0f64;
    for (p, q) in [(-d.x, a.x - r.x0), (d.x, r.x1 - a.x), (-d.y, a.y - r.y0), (d.y, r.y1 - a.y)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return None;
            }
        }
    }
    Some((a.plus(d.scale(t0)), a.plus(d.scale(t1))))
}

/// Distance from `p` to segment `a–b` and the closest point on it.
pub fn dist_point_segment(p: P, a: P, b: P) -> (f64, P) {
    let d = b.minus(a);
    let l2 = d.dot(d);
    let t = if l2 > 0.0 { (p.minus(a).dot(d) / l2).clamp(0.0, 1.0) } else { 0.0 };
    let q = a.plus(d.scale(t));
    (p.dist(q), q)
}

/// Distance from segment `a–b` to rectangle `r` (0 when they meet), with the
/// closest points (on the segment, on the rectangle).
pub fn dist_segment_rect(a: P, b: P, r: &Rect) -> (f64, P, P) {
    if let Some((p, _)) = clip_segment(a, b, r) {
        return (0.0, p, p);
    }
    if a.x == b.x || a.y == b.y {
        // Axis-aligned (walls of rectangular rooms): the midpoint of the
        // shared range is the natural place for a dimension line.
        return Rect::from_corners(a, b).gap(r);
    }
    let mut best = (f64::INFINITY, a, a);
    for p in [a, b] {
        let (d, q) = r.dist_point(p);
        if d < best.0 {
            best = (d, p, q);
        }
    }
    for c in r.corners() {
        let (d, q) = dist_point_segment(c, a, b);
        if d < best.0 {
            best = (d, q, c);
        }
    }
    best
}

/// True when segments `a–b` and `c–d` properly cross (interiors intersect at
/// one point, not merely touching at an end or overlapping collinearly).
pub fn segments_cross(a: P, b: P, c: P, d: P) -> bool {
    let o1 = orient(a, b, c);
    let o2 = orient(a, b, d);
    let o3 = orient(c, d, a);
    let o4 = orient(c, d, b);
    o1 * o2 < 0.0 && o3 * o4 < 0.0
}

/// Twice the signed area of triangle `a b c` (> 0 counter-clockwise).
pub fn orient(a: P, b: P, c: P) -> f64 {
    (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
}

/// A simple polygon (a room outline), with its bounding box.
#[derive(Debug, Clone)]
pub struct Polygon {
    /// Vertices, counter-clockwise.
    pub pts: Vec<P>,
    /// Bounding box.
    pub bbox: Rect,
    /// Area, mm².
    pub area: f64,
    /// True when the outline is an axis-aligned rectangle equal to `bbox`.
    pub is_rect: bool,
}

impl Polygon {
    /// Builds a polygon from vertices in either winding; repeated
    /// consecutive vertices (and a closing repeat of the first) are
    /// dropped. The caller has checked that it is simple with area > 0.
    pub fn new(mut pts: Vec<P>) -> Polygon {
        pts.dedup();
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        let a = signed_area(&pts);
        if a < 0.0 {
            pts.reverse();
        }
        let bbox = bbox(&pts);
        let area = a.abs();
        let is_rect = pts.len() == 4 && (area - bbox.area()).abs() <= 1e-9 * bbox.area().max(1.0);
        if is_rect {
            // A rectangle drawn corner by corner is the rectangle: same
            // vertex order as [`Polygon::from_rect`], so walls are numbered
            // and named alike and every check gives identical results.
            return Polygon::from_rect(bbox);
        }
        Polygon { pts, bbox, area, is_rect }
    }

    /// The rectangle as a polygon.
    pub fn from_rect(r: Rect) -> Polygon {
        Polygon { pts: r.corners().to_vec(), bbox: r, area: r.area(), is_rect: true }
    }

    /// Edges `(from, to)`, counter-clockwise (the interior is on the left).
    pub fn edges(&self) -> impl Iterator<Item = (P, P)> + '_ {
        let n = self.pts.len();
        (0..n).map(move |i| (self.pts[i], self.pts[(i + 1) % n]))
    }

    /// True when `p` is inside or on the outline.
    pub fn contains_point(&self, p: P) -> bool {
        if !self.bbox.contains_point(p) {
            return false;
        }
        if self.is_rect {
            return true;
        }
        let mut inside = false;
        for (a, b) in self.edges() {
            if dist_point_segment(p, a, b).0 <= 1e-9 {
                return true;
            }
            if (a.y > p.y) != (b.y > p.y) {
                let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
                if p.x < x {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// How far `r` reaches outside the polygon, mm (0 when it is inside,
    /// touching the outline allowed), and a segment showing it.
    pub fn rect_excursion(&self, r: &Rect) -> (f64, Option<(P, P)>) {
        if self.is_rect {
            let b = &self.bbox;
            let over = [b.x0 - r.x0, r.x1 - b.x1, b.y0 - r.y0, r.y1 - b.y1];
            let m = over.iter().copied().fold(0.0f64, f64::max);
            if m <= 0.0 {
                return (0.0, None);
            }
            let c = r.center();
            let q = P::new(c.x.clamp(b.x0, b.x1), c.y.clamp(b.y0, b.y1));
            let far = P::new(
                if r.x0 < b.x0 {
                    r.x0
                } else if r.x1 > b.x1 {
                    r.x1
                } else {
                    q.x
                },
                if r.y0 < b.y0 {
                    r.y0
                } else if r.y1 > b.y1 {
                    r.y1
                } else {
                    q.y
                },
            );
            return (m, Some((q, far)));
        }
        let mut worst = 0.0f64;
        let mut seg = None;
        for c in r.corners() {
            if !self.contains_point(c) {
                let (d, q) = self.dist_boundary_point(c);
                if d > worst {
                    worst = d;
                    seg = Some((q, c));
                }
            }
        }
        // A notch of the outline poking into the rectangle.
        for &v in &self.pts {
            if v.x > r.x0 && v.x < r.x1 && v.y > r.y0 && v.y < r.y1 {
                let d = (v.x - r.x0).min(r.x1 - v.x).min(v.y - r.y0).min(r.y1 - v.y);
                if d > worst {
                    worst = d;
                    seg = Some((v, v));
                }
            }
        }
        if worst == 0.0 {
            // Edges crossing the rectangle without a vertex inside (thin
            // outline features) still mean it is not inside.
            for (a, b) in self.edges() {
                if let Some((p, q)) = clip_segment(a, b, r) {
                    let mid = p.plus(q).scale(0.5);
                    if mid.x > r.x0 && mid.x < r.x1 && mid.y > r.y0 && mid.y < r.y1 {
                        return (1e-6, Some((p, q)));
                    }
                }
            }
        }
        (worst, seg)
    }

    /// Area of the part of the polygon inside rectangle `r`, mm² (the
    /// outline clipped to `r`, Sutherland–Hodgman).
    pub fn area_in_rect(&self, r: &Rect) -> f64 {
        if !self.bbox.touches(r) {
            return 0.0;
        }
        if self.is_rect {
            return self.bbox.intersection(r).map_or(0.0, |x| x.area());
        }
        let mut pts = self.pts.clone();
        // Clipped by each side of `r` in turn: keep where `f ≥ 0`.
        let planes: [fn(P, &Rect) -> f64; 4] = [|p, r| p.x - r.x0, |p, r| r.x1 - p.x, |p, r| p.y - r.y0, |p, r| r.y1 - p.y];
        for f in planes {
            let n = pts.len();
            if n == 0 {
                break;
            }
            let mut out = Vec::with_capacity(n + 4);
            for i in 0..n {
                let (a, b) = (pts[i], pts[(i + 1) % n]);
                let (fa, fb) = (f(a, r), f(b, r));
                if fa >= 0.0 {
                    out.push(a);
                }
                if (fa >= 0.0) != (fb >= 0.0) {
                    let t = fa / (fa - fb);
                    out.push(a.plus(b.minus(a).scale(t)));
                }
            }
            pts = out;
        }
        signed_area(&pts).abs()
    }

    /// Distance from `p` to the outline, with the closest outline point.
    pub fn dist_boundary_point(&self, p: P) -> (f64, P) {
        self.nearest_edge(p).map_or((f64::INFINITY, p), |(d, _, q)| (d, q))
    }

    /// The outline edge nearest to `p` (the first of equally near ones; see
    /// [`Polygon::edges`]): distance, edge index, closest point on it.
    /// `None` for an outline without edges.
    pub fn nearest_edge(&self, p: P) -> Option<(f64, usize, P)> {
        let mut best: Option<(f64, usize, P)> = None;
        for (i, (a, b)) in self.edges().enumerate() {
            let (d, q) = dist_point_segment(p, a, b);
            if best.is_none_or(|(bd, _, _)| d < bd) {
                best = Some((d, i, q));
            }
        }
        best
    }

    /// Distance from rectangle `r` to the outline (0 when they meet), with
    /// the closest points (on the outline, on the rectangle).
    pub fn dist_boundary_rect(&self, r: &Rect) -> (f64, P, P) {
        let (d, on_seg, on_rect, _) = self.nearest_wall(r);
        (d, on_seg, on_rect)
    }

    /// [`Polygon::dist_boundary_rect`] with the index of the nearest edge
    /// (the first of equally near ones; see [`Polygon::edges`]).
    pub fn nearest_wall(&self, r: &Rect) -> (f64, P, P, usize) {
        let mut best = (f64::INFINITY, P::default(), P::default(), 0);
        for (i, (a, b)) in self.edges().enumerate() {
            let (d, on_seg, on_rect) = dist_segment_rect(a, b, r);
            if d < best.0 {
                best = (d, on_seg, on_rect, i);
            }
        }
        best
    }

    /// Edge `i` (`from`, `to`), counter-clockwise.
    pub fn edge(&self, i: usize) -> (P, P) {
        let n = self.pts.len().max(1);
        (self.pts[i % n], self.pts[(i + 1) % n])
    }

    /// Which way edge `i` faces, seen from inside the room: the compass
    /// direction of its outward normal (`"north"`, `"south-west"`, …).
    pub fn wall_facing(&self, i: usize) -> &'static str {
        let (a, b) = self.edge(i);
        // Counter-clockwise outline: outward is to the right of a → b.
        let d = b.minus(a);
        compass(P::new(d.y, -d.x))
    }

    /// A wall named so an engineer finds it on the plan: `"the west wall
    /// (x = 0 mm)"` when no other wall faces west, else with its ends
    /// (`"the north wall from (5,000, 5,000) to (10,000, 5,000)"`); slanted
    /// walls always with their ends.
    pub fn wall_name(&self, i: usize) -> String {
        let (a, b) = self.edge(i);
        let facing = self.wall_facing(i);
        let unique = (0..self.pts.len()).filter(|&j| self.wall_facing(j) == facing).count() == 1;
        let mm = |v: f64| crate::check::fmt_num(v);
        if unique && a.x == b.x {
            format!("the {facing} wall (x = {} mm)", mm(a.x))
        } else if unique && a.y == b.y {
            format!("the {facing} wall (y = {} mm)", mm(a.y))
        } else {
            format!("the {facing} wall from ({}, {}) to ({}, {})", mm(a.x), mm(a.y), mm(b.x), mm(b.y))
        }
    }

    /// Distance from `r` to the polygon's area (0 when they meet).
    pub fn dist_area_rect(&self, r: &Rect) -> (f64, P, P) {
        if self.contains_point(r.center()) || r.corners().iter().any(|c| self.contains_point(*c)) {
            return (0.0, r.center(), r.center());
        }
        if self.pts.iter().any(|v| r.contains_point(*v)) {
            return (0.0, r.center(), r.center());
        }
        self.dist_boundary_rect(r)
    }
}

/// The compass direction (8 points) nearest to vector `v` (north is +y).
pub fn compass(v: P) -> &'static str {
    const NAMES: [&str; 8] = ["east", "north-east", "north", "north-west", "west", "south-west", "south", "south-east"];
    let a = v.y.atan2(v.x).to_degrees();
    let k = ((a / 45.0).round() as i64).rem_euclid(8) as usize;
    NAMES[k]
}

/// Signed area of the closed polygon (> 0 counter-clockwise), mm².
pub fn signed_area(pts: &[P]) -> f64 {
    let n = pts.len();
    if n < 3 {
        return 0.0;
    }
    let mut s = 0.0;
    for i in 0..n {
        let a = pts[i];
        let b = pts[(i + 1) % n];
        s += a.x * b.y - b.x * a.y;
    }
    s / 2.0
}

/// True when the closed polyline through `pts` crosses itself (two
/// non-adjacent edges properly cross, or a vertex lies on a non-adjacent
/// edge). Quadratic; callers bound the vertex count.
pub fn self_intersects(pts: &[P]) -> bool {
    let n = pts.len();
    if n < 4 {
        return false;
    }
    for i in 0..n {
        let (a, b) = (pts[i], pts[(i + 1) % n]);
        for j in (i + 1)..n {
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            if adjacent {
                continue;
            }
            let (c, d) = (pts[j], pts[(j + 1) % n]);
            if segments_cross(a, b, c, d) {
                return true;
            }
            for v in [c, d] {
                if dist_point_segment(v, a, b).0 == 0.0 && v != a && v != b {
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gap_between_rects() {
        let a = Rect { x0: 0.0, y0: 0.0, x1: 600.0, y1: 1000.0 };
        let b = Rect { x0: 1514.0, y0: 0.0, x1: 2114.0, y1: 1000.0 };
        let (d, pa, pb) = a.gap(&b);
        assert_eq!(d, 914.0);
        assert_eq!(pa, P::new(600.0, 500.0));
        assert_eq!(pb, P::new(1514.0, 500.0));
        let c = Rect { x0: 900.0, y0: 1400.0, x1: 1000.0, y1: 1500.0 };
        assert_eq!(a.gap(&c).0, 500.0);
    }

    #[test]
    fn frame_front_and_right() {
        // At 0° the front faces south; right of someone facing it is east.
        let f = Frame::of_item(P::new(0.0, 0.0), 1000.0, Rotation::R0);
        assert_eq!(f.origin, P::new(0.0, -500.0));
        assert_eq!(f.to_local(P::new(100.0, -800.0)), P::new(100.0, 300.0));
        let f = Frame::of_item(P::new(0.0, 0.0), 1000.0, Rotation::R90);
        assert_eq!(f.origin, P::new(500.0, 0.0));
        assert_eq!(f.to_local(P::new(800.0, 100.0)), P::new(100.0, 300.0));
    }

    #[test]
    fn polygon_containment_and_excursion() {
        // L-shaped room: 10 m × 10 m minus the north-east 5 m × 5 m.
        let l = Polygon::new(vec![
            P::new(0.0, 0.0),
            P::new(10_000.0, 0.0),
            P::new(10_000.0, 5_000.0),
            P::new(5_000.0, 5_000.0),
            P::new(5_000.0, 10_000.0),
            P::new(0.0, 10_000.0),
        ]);
        assert_eq!(l.area, 75e6);
        assert!(l.contains_point(P::new(2_000.0, 9_000.0)));
        assert!(!l.contains_point(P::new(7_000.0, 7_000.0)));
        let inside = Rect { x0: 1000.0, y0: 1000.0, x1: 2000.0, y1: 2000.0 };
        assert_eq!(l.rect_excursion(&inside).0, 0.0);
        // Straddles the notch corner (5000, 5000): corner (5500, 5500) is 500 mm outside.
        let notch = Rect { x0: 4500.0, y0: 4500.0, x1: 5500.0, y1: 5500.0 };
        assert_eq!(l.rect_excursion(&notch).0, 500.0);
        assert!(!self_intersects(&l.pts));
        let bow = [P::new(0.0, 0.0), P::new(10.0, 10.0), P::new(10.0, 0.0), P::new(0.0, 10.0)];
        assert!(self_intersects(&bow));
    }

    #[test]
    fn clipping() {
        let r = Rect { x0: 0.0, y0: 0.0, x1: 10.0, y1: 10.0 };
        let (a, b) = clip_segment(P::new(-5.0, 5.0), P::new(15.0, 5.0), &r).unwrap();
        assert_eq!((a, b), (P::new(0.0, 5.0), P::new(10.0, 5.0)));
        assert!(clip_segment(P::new(-5.0, 11.0), P::new(15.0, 11.0), &r).is_none());
        assert_eq!(dist_segment_rect(P::new(-5.0, 13.0), P::new(15.0, 13.0), &r).0, 3.0);
    }
}
