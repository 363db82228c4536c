//! The `encode` fuzz target's invariant (fuzz/fuzz_targets/encode_common.rs) over a few
//! hundred seeded random inputs: random image headers and options, samples that are noise,
//! smooth ramps or constants, and now and then raw words outside Bits Stored.

// Without the C codecs every encoder refuses: nothing to round-trip.
#![cfg(all(feature = "jpeg", feature = "jpegls", feature = "j2k"))]

mod common;
#[path = "../../../fuzz/fuzz_targets/encode_common.rs"]
mod encode_common;

use common::Rng;

/// Inputs the fuzzer found wrong.
const FOUND: &[&[u8]] = &[
    // 247x231 8-bit signed, samples alternating 0xB0 / 0x20: more JPEG-LS output than CharLS
    // estimates.
    &[0xF6, 0xE6, 0x00, 0xFA, 0xEF, 0xFF, 0xFF, 0x01, 0xB0, 0x20],
    // 256x222 RGB, Bits Stored 1, colour transform on: OpenJPEG's RCT does not give the
    // samples back (now refused).
    &[
        0xFF, 0x5D, 0xD3, 0x01, 0xFF, 0xFF, 0xEE, 0x29, 0x06, 0xFB, 0xD6, 0x00, 0x00,
    ],
];

#[test]
fn encoders_refuse_cleanly_or_round_trip() {
    let mut rng = Rng(0x5EED_0E9C_0DE5_0001);
    let mut made = 0;
    for case in 0..400u64 {
        let mut header: Vec<u8> = (0..8).map(|_| rng.next() as u8).collect();
        // Mostly small images; a "big" one (up to 256 a side) every 25 inputs.
        if case % 25 != 0 {
            header[0] &= 0x7F;
        }
        let len = 1 + (rng.next() % 600) as usize;
        let body: Vec<u8> = match case % 3 {
            0 => (0..len).map(|_| rng.next() as u8).collect(),
            1 => (0..len).map(|i| (i / 3) as u8).collect(),
            _ => vec![rng.next() as u8; len.min(4)],
        };
        let input = [header, body].concat();
        made += encode_common::run(&input);
    }
    for input in FOUND {
        made += encode_common::run(input);
    }
    // Six encodings per input: most inputs are valid for the lossless encoders at least.
    assert!(made > 800, "only {made} codestreams made and checked");
    eprintln!("{made} codestreams made and checked");
}
