//! A simulated SunSpec pack controller (models 1, 802, 803, 804, 805) served
//! over Modbus RTU (a serial device such as one end of a socat pair) and TCP,
//! with fault injection. Used by the demo and by the link tests.
