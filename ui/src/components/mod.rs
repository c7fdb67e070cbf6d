//! Components shared by several areas.

pub mod about;
pub mod charts;
pub mod notices;
