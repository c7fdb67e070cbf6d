//! Layout rule checks (IFC/NFPA 855 array limits and spacing, NEC 110.26
//! working space, floor loading, overlaps, egress) and the bill of materials.
//!
//! **Invariant:** pure computation over `backstop_model::layout`; no I/O.
