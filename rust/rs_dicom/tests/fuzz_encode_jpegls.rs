//! The `encode_jpegls` fuzz target's invariant (fuzz/fuzz_targets/encode_jpegls_common.rs)
//! over a few thousand seeded random inputs: random headers, samples that are noise, runs,
//! or a few values repeated.
#![cfg(feature = "jpegls")]

mod common;
#[path = "../../../fuzz/fuzz_targets/encode_jpegls_common.rs"]
mod encode_jpegls_common;

use common::Rng;

#[test]
fn jpegls_encoder_refuses_cleanly_or_writes_charls_codestream() {
    let mut rng = Rng(0x5EED_0E9C_0DE5_0014);
    let mut checked = 0;
    for case in 0..2000u64 {
        let mut header: Vec<u8> = (0..5).map(|_| rng.next() as u8).collect();
        // Mostly small images, in range, NEAR 0 to 3; a large one every 20 inputs.
        if case % 20 != 0 {
            header[0] &= 0x1F;
            header[1] &= 0x3F;
        }
        if case % 8 != 0 {
            header[3] &= !0x84;
        }
        let len = 1 + rng.below(300);
        let body = common::encoder_body(&mut rng, case, len);
        if encode_jpegls_common::run(&[header, body].concat()) {
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} frames encoded and checked");
}
