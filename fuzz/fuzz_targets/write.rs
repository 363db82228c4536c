//! Fuzz target for the writer: parse arbitrary bytes leniently, write what parses in every
//! uncompressed encoding and deflated, parse it again and compare (write_common.rs says what
//! must hold). An `Err` from the parser, or a write error naming a tag, is fine; a panic, a
//! broken invariant, a hang or an OOM is a bug.
#![no_main]

#[path = "write_common.rs"]
mod write_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| write_common::run(data));
