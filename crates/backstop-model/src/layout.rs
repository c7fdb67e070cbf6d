//! Site layout: rooms, placed equipment, rule sets and violations.
//! (Filled in with the layout rules.)
