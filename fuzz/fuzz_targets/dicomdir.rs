//! Fuzz target for DICOMDIRs: read the record tree of arbitrary bytes, write it again and
//! read that back (dicomdir_common.rs says what must hold). An `Err` from the parser or the
//! record reader is fine; a panic, a broken invariant, a hang or an OOM is a bug.
#![no_main]

#[path = "dicomdir_common.rs"]
mod dicomdir_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dicomdir_common::run(data));
