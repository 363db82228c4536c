//! Fuzz target for the network layer: PS3.8 PDUs, PDUs read from a stream, and DIMSE command
//! sets from arbitrary bytes (pdu_common.rs says what must hold). An `Err` is fine; a panic,
//! a broken round trip, a hang or an OOM is a bug.
#![no_main]

#[path = "pdu_common.rs"]
mod pdu_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pdu_common::check(data));
