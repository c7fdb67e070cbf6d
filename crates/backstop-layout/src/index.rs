//! Spatial index over object footprints: a uniform grid (the default) or
//! the naive scan of every object (kept for comparison in the benchmark and
//! the tests). Both answer the same question — which footprints touch this
//! rectangle — so a check gives identical results with either.

use serde::{Deserialize, Serialize};

use crate::geom::Rect;

/// How the checks find nearby objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IndexKind {
    /// Uniform grid over the footprints: near-linear for a full check.
    #[default]
    Grid,
    /// Every query scans every object: quadratic for a full check.
    AllPairs,
}

/// The index.
#[derive(Debug)]
pub struct Index {
    rects: Vec<Rect>,
    grid: Option<Grid>,
}

#[derive(Debug)]
struct Grid {
    x0: f64,
    y0: f64,
    cell: f64,
    nx: usize,
    ny: usize,
    /// Start of each cell's run in `items` (CSR layout), `nx * ny + 1` long.
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Index {
    /// Builds an index of `rects` (object `i` has footprint `rects[i]`).
    pub fn new(rects: Vec<Rect>, kind: IndexKind) -> Index {
        let grid = match kind {
            IndexKind::Grid if rects.len() > 8 => Grid::build(&rects),
            _ => None,
        };
        Index { rects, grid }
    }

    /// Footprint of object `i`.
    pub fn rect(&self, i: usize) -> &Rect {
        &self.rects[i]
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.rects.len()
    }

    /// True when there are no objects.
    pub fn is_empty(&self) -> bool {
        self.rects.is_empty()
    }

    /// Indices of the objects whose (closed) footprint touches `r`, in
    /// increasing order, into `out` (cleared first).
    pub fn query(&self, r: &Rect, out: &mut Vec<usize>) {
        out.clear();
        match &self.grid {
            Some(g) => {
                g.candidates(r, out);
                out.sort_unstable();
                out.dedup();
                out.retain(|&i| self.rects[i].touches(r));
            }
            None => out.extend((0..self.rects.len()).filter(|&i| self.rects[i].touches(r))),
        }
    }
}

impl Grid {
    fn build(rects: &[Rect]) -> Option<Grid> {
        let mut bb = *rects.first()?;
        let mut size_sum = 0.0;
        for r in rects {
            bb = bb.union(r);
            size_sum += r.width().max(r.height());
        }
        let n = rects.len() as f64;
        let w = bb.width().max(1.0);
        let h = bb.height().max(1.0);
        // About two typical objects per cell side, and never more than
        // about 4 cells per object in total.
        let typical = (size_sum / n).max(1.0);
        let min_cell = (w * h / (4.0 * n)).sqrt();
        let cell = (2.0 * typical).max(min_cell).max(1.0);
        if !cell.is_finite() {
            return None;
        }
        let nx = ((w / cell).ceil() as usize).clamp(1, 1 << 16);
        let ny = ((h / cell).ceil() as usize).clamp(1, 1 << 16);
        let ncells = nx.checked_mul(ny)?;
        let mut g = Grid { x0: bb.x0, y0: bb.y0, cell, nx, ny, starts: vec![0; ncells + 1], items: Vec::new() };
        // Two passes: count, then fill.
        for r in rects {
            let (ax, ay, bx, by) = g.cell_range(r);
            for cy in ay..=by {
                for cx in ax..=bx {
                    g.starts[cy * nx + cx + 1] += 1;
                }
            }
        }
        for i in 1..g.starts.len() {
            g.starts[i] += g.starts[i - 1];
        }
        let total = g.starts[ncells] as usize;
        g.items = vec![0; total];
        let mut fill = g.starts.clone();
        for (i, r) in rects.iter().enumerate() {
            let (ax, ay, bx, by) = g.cell_range(r);
            for cy in ay..=by {
                for cx in ax..=bx {
                    let c = cy * nx + cx;
                    g.items[fill[c] as usize] = i as u32;
                    fill[c] += 1;
                }
            }
        }
        Some(g)
    }

    fn cell_range(&self, r: &Rect) -> (usize, usize, usize, usize) {
        let cx = |x: f64| (((x - self.x0) / self.cell).floor().max(0.0) as usize).min(self.nx - 1);
        let cy = |y: f64| (((y - self.y0) / self.cell).floor().max(0.0) as usize).min(self.ny - 1);
        (cx(r.x0), cy(r.y0), cx(r.x1), cy(r.y1))
    }

    fn candidates(&self, r: &Rect, out: &mut Vec<usize>) {
        let (ax, ay, bx, by) = self.cell_range(r);
        for cy in ay..=by {
            for cx in ax..=bx {
                let c = cy * self.nx + cx;
                let (s, e) = (self.starts[c] as usize, self.starts[c + 1] as usize);
                out.extend(self.items[s..e].iter().map(|&i| i as usize));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_and_scan_agree() {
        let mut rects = Vec::new();
        for i in 0..40 {
            for j in 0..25 {
                let x = f64::from(i) * 1300.0;
                let y = f64::from(j) * 2100.0;
                rects.push(Rect { x0: x, y0: y, x1: x + 600.0 + f64::from(i % 3) * 400.0, y1: y + 1000.0 });
            }
        }
        let g = Index::new(rects.clone(), IndexKind::Grid);
        let s = Index::new(rects, IndexKind::AllPairs);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for q in [
            Rect { x0: -10.0, y0: -10.0, x1: 5000.0, y1: 3000.0 },
            Rect { x0: 1e9, y0: 1e9, x1: 1e9 + 1.0, y1: 1e9 + 1.0 },
            Rect { x0: 12000.0, y0: 20000.0, x1: 12000.0, y1: 20000.0 },
            Rect { x0: -1e12, y0: -1e12, x1: 1e12, y1: 1e12 },
        ] {
            g.query(&q, &mut a);
            s.query(&q, &mut b);
            assert_eq!(a, b);
        }
        assert_eq!(a.len(), 1000);
    }
}
