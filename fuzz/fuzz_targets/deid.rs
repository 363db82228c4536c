//! Fuzz target for de-identification: options from the first bytes, a dataset from the rest
//! (deid_common.rs says what must hold). An `Err` is fine; a panic, a broken invariant, a
//! hang or an OOM is a bug.
#![no_main]

#[path = "deid_common.rs"]
mod deid_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    deid_common::run(data);
});
