//! Fuzzes the JPEG 2000 frame decoder on its default path (rs_dicom's Rust decoder first), see
//! codec_common.rs.
#![no_main]

#[path = "codec_common.rs"]
mod codec_common;

use libfuzzer_sys::fuzz_target;
use rs_dicom::pixel::codec::Codec;

fuzz_target!(|data: &[u8]| codec_common::run(Codec::Jpeg2000, data));
