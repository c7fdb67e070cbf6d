//! Support for end-to-end tests (filled below).
