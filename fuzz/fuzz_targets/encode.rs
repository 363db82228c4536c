//! Fuzz target for the frame encoders (JPEG Baseline and Lossless SV1, JPEG-LS on the C
//! libraries; JPEG 2000 lossless on the project's own Part 1 encoder, lossy on OpenJPEG):
//! random image geometry, bits, samples and options from the input
//! bytes; each encoder refuses with an encoding error or produces a codestream our decoder
//! decodes, lossless exactly (encode_common.rs says what must hold).
#![no_main]

#[path = "encode_common.rs"]
mod encode_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    encode_common::run(data);
});
