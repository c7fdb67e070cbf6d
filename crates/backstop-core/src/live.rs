//! What the live link last told the app, as a value the core's commissioning
//! checks and reports are computed from. The app's link hub updates it from
//! the link's events and hands out copies, so nothing here holds up the
//! link's tasks.

use std::collections::BTreeMap;

use backstop_link::LatestSamples;
use backstop_model::link::{DeviceInfo, LinkState};

/// The devices found, the latest sample per unit and the link's state.
#[derive(Debug, Clone, Default)]
pub struct Live {
    pub devices: BTreeMap<u8, DeviceInfo>,
    pub latest: LatestSamples,
    pub link_label: String,
    pub link_state: Option<LinkState>,
}
