//! Where every point of one model instance lives: offsets, repeating-group
//! instances and scale-factor locations, computed from the definition and
//! either the device's registers (decoding) or chosen group counts
//! (building a register image, as the simulator does).

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use backstop_model::link::Name;

use crate::defs::{GroupCount, GroupDef, ModelDef, PointDef, SfSource};

/// Most distinct point paths kept for the life of the program (a few MB);
/// paths beyond it are owned copies instead.
pub const INTERNED_PATHS_MAX: usize = 100_000;

/// The point path `path` as text shared for the life of the program, so
/// that every decoded reading of it borrows the same string instead of
/// copying it. Paths come from the bundled definitions and the group counts
/// devices report, so their number is bounded; past [`INTERNED_PATHS_MAX`]
/// (a device reporting ever new group counts) they are owned copies.
pub fn intern_path(path: &str) -> Name {
    static PATHS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = match PATHS.get_or_init(Default::default).lock() {
        Ok(set) => set,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(known) = set.get(path) {
        return Name::Borrowed(known);
    }
    if set.len() >= INTERNED_PATHS_MAX {
        return Name::Owned(path.to_string());
    }
    let leaked: &'static str = Box::leak(path.to_string().into_boxed_str());
    set.insert(leaked);
    Name::Borrowed(leaked)
}

/// Where a point's scale factor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SfAt {
    /// The point has no scale factor.
    None,
    /// A constant from the definition.
    Fixed(i16),
    /// The `sunssf` point at this offset from the model start.
    At(usize),
    /// The definition names an SF point that does not exist.
    Missing,
}

/// One point of one group instance.
#[derive(Debug, Clone)]
pub struct Slot<'d> {
    /// `SoC`, `string[2].StrSoC`, `lithium-ion-module-cell[14].CellV`
    /// (interned: see [`intern_path`]).
    pub path: Name,
    pub point: &'d PointDef,
    /// Offset in registers from the model's ID register.
    pub offset: usize,
    pub sf: SfAt,
}

/// One instance of a group with its points and nested group instances.
#[derive(Debug, Clone)]
pub struct LayoutGroup<'d> {
    pub def: &'d GroupDef,
    /// 1-based instance index (0 for the root).
    pub index: u16,
    pub slots: Vec<Slot<'d>>,
    pub children: Vec<LayoutGroup<'d>>,
}

impl<'d> LayoutGroup<'d> {
    /// All slots of this instance and its nested instances, depth first.
    pub fn all_slots(&self) -> Vec<&Slot<'d>> {
        let mut out: Vec<&Slot<'d>> = self.slots.iter().collect();
        for c in &self.children {
            out.extend(c.all_slots());
        }
        out
    }
}

/// The layout of one model instance.
#[derive(Debug, Clone)]
pub struct Layout<'d> {
    pub model: &'d ModelDef,
    pub root: LayoutGroup<'d>,
    /// Registers covered, including ID and L.
    pub len: usize,
    /// Remarks, e.g. a count that did not fit the reported length.
    pub notes: Vec<String>,
}

impl<'d> Layout<'d> {
    /// The slot with this path.
    pub fn slot(&self, path: &str) -> Option<&Slot<'d>> {
        find_slot(&self.root, path)
    }
}

fn find_slot<'a, 'd>(g: &'a LayoutGroup<'d>, path: &str) -> Option<&'a Slot<'d>> {
    if let Some(s) = g.slots.iter().find(|s| s.path == path) {
        return Some(s);
    }
    g.children.iter().find_map(|c| find_slot(c, path))
}

enum Counts<'a> {
    Registers(&'a [u16]),
    Given(&'a HashMap<String, usize>),
}

struct Builder<'a, 'd> {
    counts: Counts<'a>,
    /// Registers available for the instance (ID + L + body).
    limit: usize,
    cursor: usize,
    notes: Vec<String>,
    /// (group, base offset) from the root inwards.
    scopes: Vec<(&'d GroupDef, usize)>,
}

/// Lays out a model instance from its registers (starting at the ID
/// register). The device-reported length `L` (register 1) bounds the
/// instance; counts of repeating groups come from the registers.
pub fn layout_from_registers<'d>(model: &'d ModelDef, regs: &[u16]) -> Layout<'d> {
    let reported = regs.get(1).map(|l| usize::from(*l) + 2).unwrap_or(0);
    let limit = reported.min(regs.len());
    let mut notes = Vec::new();
    if reported > regs.len() {
        notes.push(format!(
            "model {} reports length {} but only {} registers were read",
            model.id,
            reported.saturating_sub(2),
            regs.len().saturating_sub(2)
        ));
    }
    build(model, Counts::Registers(regs), limit, notes)
}

/// Lays out a model instance with the given number of instances per
/// repeating group (by group name; missing names count 0, except `Fill`
/// groups which default to 0 as well).
pub fn layout_with_counts<'d>(model: &'d ModelDef, counts: &HashMap<String, usize>) -> Layout<'d> {
    build(model, Counts::Given(counts), usize::MAX, Vec::new())
}

fn build<'d>(model: &'d ModelDef, counts: Counts<'_>, limit: usize, notes: Vec<String>) -> Layout<'d> {
    let mut b = Builder { counts, limit, cursor: 0, notes, scopes: Vec::new() };
    let root = b.instance(&model.group, 0, "");
    Layout { model, root, len: b.cursor, notes: b.notes }
}

impl<'d> Builder<'_, 'd> {
    fn instance(&mut self, def: &'d GroupDef, index: u16, prefix: &str) -> LayoutGroup<'d> {
        let base = self.cursor;
        self.scopes.push((def, base));
        let mut slots = Vec::with_capacity(def.points.len());
        for p in &def.points {
            let sf = self.sf_for(p);
            let path = if prefix.is_empty() { intern_path(&p.name) } else { intern_path(&format!("{prefix}{}", p.name)) };
            slots.push(Slot { path, point: p, offset: base + p.offset, sf });
        }
        self.cursor = base + def.points_len;
        let mut children = Vec::new();
        for child in &def.groups {
            let n = self.count_for(child);
            for i in 0..n {
                let idx = u16::try_from(i + 1).unwrap_or(u16::MAX);
                let child_prefix = format!("{prefix}{}[{idx}].", child.name);
                children.push(self.instance(child, idx, &child_prefix));
            }
        }
        self.scopes.pop();
        LayoutGroup { def, index, slots, children }
    }

    fn sf_for(&self, p: &PointDef) -> SfAt {
        match &p.sf {
            SfSource::None => SfAt::None,
            SfSource::Fixed(v) => SfAt::Fixed(*v),
            SfSource::Point(name) => {
                self.scopes.iter().rev().find_map(|(g, base)| g.point(name).map(|sp| SfAt::At(base + sp.offset))).unwrap_or(SfAt::Missing)
            }
        }
    }

    /// Instances of `child` that exist and fit.
    fn count_for(&mut self, child: &GroupDef) -> usize {
        let unit = child.min_instance_len();
        let room = self.limit.saturating_sub(self.cursor);
        let wanted = match (&self.counts, &child.count) {
            (_, GroupCount::One) => 1,
            (_, GroupCount::Fixed(n)) => *n,
            (Counts::Given(map), _) => map.get(&child.name).copied().unwrap_or(0),
            (Counts::Registers(_), GroupCount::Fill) => room.checked_div(unit).unwrap_or(0),
            (Counts::Registers(regs), GroupCount::Point(name)) => {
                let at = self.scopes.iter().rev().find_map(|(g, base)| g.point(name).map(|sp| base + sp.offset));
                match at.and_then(|a| regs.get(a)) {
                    // 0xFFFF is "not implemented" for a uint16 count.
                    Some(0xFFFF) | None => 0,
                    Some(v) => usize::from(*v),
                }
            }
        };
        if matches!(self.counts, Counts::Registers(_)) && unit > 0 && wanted * unit > room {
            let fits = room / unit;
            self.notes.push(format!("group {} claims {wanted} instances but the model has room for {fits}", child.name));
            return fits;
        }
        if unit == 0 && wanted > 0 {
            // A group without registers cannot repeat meaningfully.
            return 0;
        }
        wanted.min(u16::MAX as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defs::model_def;

    #[test]
    fn counts_from_registers_bound_the_groups() {
        let def = model_def(804).unwrap();
        // 804 with 3 modules: L = 46 + 3 × 16.
        let mut regs = vec![0u16; 2 + 46 + 48];
        regs[0] = 804;
        regs[1] = 46 + 48;
        let nmod = def.group.point("NMod").unwrap().offset;
        regs[nmod] = 3;
        let l = layout_from_registers(def, &regs);
        assert_eq!(l.root.children.len(), 3);
        assert_eq!(l.len, regs.len());
        assert!(l.notes.is_empty());
        let s = l.slot("lithium_ion_string_module[2].ModCellVMax").unwrap();
        assert_eq!(s.offset, 48 + 16 + 3);
        // The SF of a group point lives in the parent model.
        let sf = def.group.point("CellV_SF").unwrap().offset;
        assert_eq!(s.sf, SfAt::At(sf));

        // A count larger than the model is clamped with a note.
        regs[nmod] = 40;
        let l = layout_from_registers(def, &regs);
        assert_eq!(l.root.children.len(), 3);
        assert_eq!(l.notes.len(), 1);
    }

    #[test]
    fn fill_groups_take_the_rest_of_the_model() {
        let def = model_def(805).unwrap();
        let mut regs = vec![0u16; 2 + 42 + 4 * 16];
        regs[0] = 805;
        regs[1] = 42 + 64;
        let l = layout_from_registers(def, &regs);
        assert_eq!(l.root.children.len(), 16);
        assert_eq!(l.len, regs.len());
    }

    #[test]
    fn paths_are_interned_so_readings_share_them() {
        let a = intern_path("lithium-ion-module-cell[14].CellV");
        let b = intern_path(&format!("lithium-ion-module-cell[{}].CellV", 14));
        assert!(matches!((&a, &b), (Name::Borrowed(x), Name::Borrowed(y)) if std::ptr::eq(*x, *y)), "{a:?} {b:?}");
        // Laid-out slots carry interned paths too.
        let l = layout_from_registers(model_def(805).unwrap(), &{
            let mut r = vec![0u16; 2 + 42 + 16];
            r[0] = 805;
            r[1] = 42 + 16;
            r
        });
        let slot = l.slot("lithium-ion-module-cell[1].CellV").expect("first cell");
        assert!(matches!(slot.path, Name::Borrowed(_)));
    }
}
