//! The five work areas of the app, one module each.

pub mod commissioning;
pub mod layout;
pub mod project;
pub mod reports;
pub mod sizing;

/// A main area of the app, as listed in the navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Project,
    Layout,
    Sizing,
    Commissioning,
    Reports,
}

impl Area {
    pub const ALL: [Area; 5] = [Area::Project, Area::Layout, Area::Sizing, Area::Commissioning, Area::Reports];

    pub fn label(self) -> &'static str {
        match self {
            Area::Project => "Project",
            Area::Layout => "Layout",
            Area::Sizing => "Sizing",
            Area::Commissioning => "Commissioning",
            Area::Reports => "Reports",
        }
    }

    /// Stable id used by the end-to-end tests.
    pub fn test_id(self) -> &'static str {
        match self {
            Area::Project => "nav-project",
            Area::Layout => "nav-layout",
            Area::Sizing => "nav-sizing",
            Area::Commissioning => "nav-commissioning",
            Area::Reports => "nav-reports",
        }
    }

    /// Keyboard shortcut (Alt+digit) shown beside the label.
    pub fn key(self) -> &'static str {
        match self {
            Area::Project => "Alt+1",
            Area::Layout => "Alt+2",
            Area::Sizing => "Alt+3",
            Area::Commissioning => "Alt+4",
            Area::Reports => "Alt+5",
        }
    }
}
