//! Fuzzes the JPEG 2000 frame decoder with OpenJPEG alone (`RS_DICOM_J2K_DECODER=openjpeg`),
//! see codec_common.rs. `codec_j2k` covers the default path: rs_dicom's Rust decoder first,
//! OpenJPEG for what it declines and for damaged codestreams.
#![no_main]

#[path = "codec_common.rs"]
mod codec_common;

use libfuzzer_sys::fuzz_target;
use rs_dicom::pixel::codec::Codec;

fuzz_target!(
    init: {
        // SAFETY: runs once before any decoding, while no other thread reads the environment.
        unsafe { std::env::set_var("RS_DICOM_J2K_DECODER", "openjpeg") };
        assert_eq!(
            rs_dicom::pixel::codec::j2k::decoder(),
            rs_dicom::pixel::codec::j2k::Decoder::OpenJpeg
        );
    },
    |data: &[u8]| codec_common::run(Codec::Jpeg2000, data)
);
