//! Fuzz target for the DICOM JSON reader, `rs_dicom::json::from_json` (see model_common.rs).

#![no_main]

#[path = "model_common.rs"]
mod model_common;

use libfuzzer_sys::fuzz_target;
use rs_dicom::json::{self, JsonOptions};

fuzz_target!(|data: &[u8]| {
    model_common::run(
        data,
        |bytes, opts| {
            let text = std::str::from_utf8(bytes).ok()?;
            json::from_json(text, opts).ok().map(|p| p.dataset)
        },
        |ds| json::to_json(ds, &JsonOptions::default()).expect("writes"),
    );
});
