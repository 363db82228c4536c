//! Fuzzes the Jpeg frame decoder (see codec_common.rs).
#![no_main]

#[path = "codec_common.rs"]
mod codec_common;

use libfuzzer_sys::fuzz_target;
use rs_dicom::pixel::codec::Codec;

fuzz_target!(|data: &[u8]| codec_common::run(Codec::Jpeg, data));
