//! Sizing cases (UPS ride-through, peak shaving), results and calculation
//! sheets. (Filled in with the sizing engine.)
