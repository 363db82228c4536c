//! Fuzz target for Query/Retrieve identifiers: parsing in the negotiated syntax, attribute
//! matching and answering from an index (qr_identifier_common.rs says what must hold).
#![no_main]

#[path = "qr_identifier_common.rs"]
mod qr_identifier_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qr_identifier_common::check(data));
