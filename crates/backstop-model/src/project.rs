//! Project metadata and revision history. (Filled in with the store.)
