//! Part 1 (EBCOT) block coding: random images encoded losslessly decode exactly through the
//! crate's own Part 1 decoder (the OpenJPEG and size checks are in rs_dicom's tests).

use super::*;
use crate::test_rng::Rng;

/// Random samples of `p` bits, smooth or noisy, signed or not, as the matching sample type.
fn random_samples(rng: &mut Rng, n: usize, p: u32, signed: bool) -> Vec<i32> {
    let smooth = rng.below(2) == 0;
    let (lo, hi) = if signed {
        (-(1i64 << (p - 1)), (1i64 << (p - 1)) - 1)
    } else {
        (0, (1i64 << p) - 1)
    };
    let mut v = rng.range(lo, hi);
    (0..n)
        .map(|_| {
            if smooth {
                let step = (1i64 << p.saturating_sub(4)).max(1);
                v = (v + rng.range(-step, step)).clamp(lo, hi);
                v as i32
            } else {
                rng.range(lo, hi) as i32
            }
        })
        .collect()
}

/// Encodes with Part 1 block coding and decodes with the crate's decoder; returns the
/// decoded planes or panics when they differ from the input.
fn round_trip(vals: &[i32], w: u32, h: u32, nc: u32, p: u32, signed: bool, opts: &EncodeOptions) {
    let (u8s, i8s, u16s, i16s): (Vec<u8>, Vec<i8>, Vec<u16>, Vec<i16>) = (
        vals.iter().map(|&v| v as u8).collect(),
        vals.iter().map(|&v| v as i8).collect(),
        vals.iter().map(|&v| v as u16).collect(),
        vals.iter().map(|&v| v as i16).collect(),
    );
    let samples = match (p <= 8, signed) {
        (true, false) => Samples::U8(&u8s),
        (true, true) => Samples::I8(&i8s),
        (false, false) => Samples::U16(&u16s),
        (false, true) => Samples::I16(&i16s),
    };
    let input = EncodeInput {
        width: w,
        height: h,
        components: nc,
        precision: p,
        signed,
        planar: false,
        samples,
    };
    let cs = encode(&input, opts).expect("encodes");
    let image = crate::decode(&cs).unwrap_or_else(|e| panic!("{w}x{h}x{nc} {p} bits: {e}"));
    assert_eq!((image.width, image.height), (w, h));
    assert_eq!(image.components.len(), nc as usize);
    for (c, comp) in image.components.iter().enumerate() {
        assert_eq!((comp.precision, comp.signed), (p, signed));
        let want: Vec<i32> = vals.iter().skip(c).step_by(nc as usize).copied().collect();
        assert!(
            comp.data == want,
            "{w}x{h}x{nc} {p} bits signed {signed} {opts:?}: component {c} differs"
        );
    }
}

fn part1() -> EncodeOptions {
    EncodeOptions {
        block_coding: BlockCoding::Part1,
        progression: Progression::Lrcp,
        ..EncodeOptions::default()
    }
}

#[test]
fn lossless_random_images_decode_exactly() {
    let mut rng = Rng(0x5eed_0013);
    let sizes = [
        (1, 1),
        (1, 7),
        (5, 1),
        (3, 3),
        (17, 9),
        (64, 64),
        (65, 63),
        (130, 77),
    ];
    for (k, &(w, h)) in sizes.iter().enumerate() {
        for p in [1u32, 2, 7, 8, 9, 12, 15, 16] {
            for signed in [false, true] {
                for nc in [1u32, 3] {
                    let n = (w * h * nc) as usize;
                    let vals = random_samples(&mut rng, n, p, signed);
                    let mut opts = part1();
                    opts.color_transform = (k + p as usize).is_multiple_of(2);
                    round_trip(&vals, w, h, nc, p, signed, &opts);
                }
            }
        }
    }
}

#[test]
fn lossless_options_decode_exactly() {
    let mut rng = Rng(0x5eed_0014);
    for _ in 0..40 {
        let (w, h) = (rng.range(1, 200) as u32, rng.range(1, 200) as u32);
        let p = rng.range(1, 16) as u32;
        let signed = rng.below(2) == 0;
        let nc = if rng.below(3) == 0 { 3 } else { 1 };
        let mut opts = part1();
        opts.levels = rng.range(0, 7) as u32;
        let bw = rng.range(2, 10) as u32;
        let bh = rng.range(2, (12 - bw).min(10) as i64) as u32;
        opts.block_log2 = (bw, bh);
        opts.progression =
            [Progression::Lrcp, Progression::Rpcl, Progression::Cprl][rng.below(3) as usize];
        let vals = random_samples(&mut rng, (w * h * nc) as usize, p, signed);
        round_trip(&vals, w, h, nc, p, signed, &opts);
    }
}

#[test]
fn all_zero_and_extreme_images_decode_exactly() {
    for p in [1u32, 8, 16] {
        for signed in [false, true] {
            let (lo, hi) = if signed {
                (-(1i32 << (p - 1)), (1i32 << (p - 1)) - 1)
            } else {
                (0, (1i32 << p) - 1)
            };
            for fill in [lo, hi, 0] {
                let vals = vec![fill; 33 * 20];
                round_trip(&vals, 33, 20, 1, p, signed, &part1());
            }
            // A checkerboard of the extremes: the largest wavelet coefficients.
            let vals: Vec<i32> = (0..40 * 40)
                .map(|i| if (i % 40 + i / 40) % 2 == 0 { lo } else { hi })
                .collect();
            round_trip(&vals, 40, 40, 1, p, signed, &part1());
        }
    }
}
