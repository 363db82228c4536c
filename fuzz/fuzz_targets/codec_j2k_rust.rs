//! Fuzzes the JPEG 2000 frame decoder with rs_dicom's Rust decoder selected
//! (`RS_DICOM_J2K_DECODER=rust`; OpenJPEG then only sees what it declines), see
//! codec_common.rs. `codec_j2k` covers the default (OpenJPEG) path.
#![no_main]

#[path = "codec_common.rs"]
mod codec_common;

use libfuzzer_sys::fuzz_target;
use rs_dicom::pixel::codec::Codec;

fuzz_target!(
    init: {
        // SAFETY: runs once before any decoding, while no other thread reads the environment.
        unsafe { std::env::set_var("RS_DICOM_J2K_DECODER", "rust") };
        assert_eq!(
            rs_dicom::pixel::codec::j2k::decoder(),
            rs_dicom::pixel::codec::j2k::Decoder::Rust
        );
    },
    |data: &[u8]| codec_common::run(Codec::Jpeg2000, data)
);
