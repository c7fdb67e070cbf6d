//! Equipment catalog types: cells, modules, battery cabinets/racks, UPS and
//! PCS units, each value with its source. (Filled in with the sizing engine.)
