//! Fuzz target for the JPEG-LS encoder: random geometry, sample format, NEAR and samples
//! (runs among them) from the input; the encoder refuses with an encoding error or writes
//! CharLS's codestream, which decodes to the input (encode_jpegls_common.rs says what must
//! hold).
#![no_main]

#[path = "encode_jpegls_common.rs"]
mod encode_jpegls_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    encode_jpegls_common::run(data);
});
