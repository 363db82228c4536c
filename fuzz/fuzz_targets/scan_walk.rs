//! Fuzz target for the scan's own header walk (`rs_dicom_scan`'s `walk` module): byte 0 picks
//! the columns, the rest is a file whose row must be the core reader's
//! (scan_walk_common.rs says what must hold).
#![no_main]

#[path = "scan_walk_common.rs"]
mod scan_walk_common;

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

/// One file per fuzzing process, rewritten for each input (the walk reads files).
fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| std::env::temp_dir().join(format!("scan_walk_{}.dcm", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    scan_walk_common::run(data, path());
});
