//! SunSpec model definitions (generated from SunSpec's JSON models, never
//! hand-typed) and pure decoding of register blocks: scale factors, repeating
//! groups, "not implemented" sentinels, enums and bitfields by name.
