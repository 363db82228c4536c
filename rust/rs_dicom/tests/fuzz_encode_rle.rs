//! The `encode_rle` fuzz target's invariant (fuzz/fuzz_targets/encode_rle_common.rs) over a
//! few thousand seeded random inputs: random headers, bytes that are noise, runs of chosen
//! lengths (around the 128-byte packet limit too), or a few values repeated.

mod common;
#[path = "../../../fuzz/fuzz_targets/encode_rle_common.rs"]
mod encode_rle_common;

use common::Rng;

#[test]
fn rle_encoder_refuses_cleanly_or_writes_dcmtk_packets() {
    let mut rng = Rng(0x5EED_0E9C_0DE5_0013);
    let mut checked = 0;
    for case in 0..3000u64 {
        let mut header: Vec<u8> = (0..4).map(|_| rng.next() as u8).collect();
        // Mostly narrow images; a wide one (up to 512 columns) every 10 inputs.
        if case % 10 != 0 {
            header[0] &= 0xBF;
        }
        let len = 1 + rng.below(400);
        let body = common::encoder_body(&mut rng, case, len);
        if encode_rle_common::run(&[header, body].concat()) {
            checked += 1;
        }
    }
    // Bits Allocated 1 or 12 and too many segments are refused: about half of the inputs.
    assert!(checked > 1200, "only {checked} frames encoded and checked");
}
