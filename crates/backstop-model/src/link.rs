//! Serial/TCP link settings, discovered devices, decoded points and
//! telemetry samples. (Filled in with the link crate.)
