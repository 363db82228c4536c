//! Fuzz target for the RLE Lossless encoder: random geometry, samples, Bits Allocated and
//! bytes (runs of every length among them) from the input; the encoder refuses with an
//! encoding error or writes DCMTK's packets, which decode to the input (encode_rle_common.rs
//! says what must hold).
#![no_main]

#[path = "encode_rle_common.rs"]
mod encode_rle_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    encode_rle_common::run(data);
});
