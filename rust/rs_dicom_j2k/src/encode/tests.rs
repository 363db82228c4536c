//! Unit tests of the encoder's checks and robustness (pixel-exactness is checked against
//! OpenJPEG and OpenJPH by rs_dicom's differential tests).

use super::*;
use crate::test_rng::Rng;
use crate::{ErrorKind, read_siz};

fn input(samples: Samples<'_>, w: u32, h: u32, nc: u32, p: u32, signed: bool) -> EncodeInput<'_> {
    EncodeInput {
        width: w,
        height: h,
        components: nc,
        precision: p,
        signed,
        planar: false,
        samples,
    }
}

fn refused(image: &EncodeInput, opts: &EncodeOptions, why: &str) {
    match encode(image, opts) {
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::InvalidInput);
            assert!(e.message.contains(why), "{e} does not mention {why:?}");
        }
        Ok(_) => panic!("accepted, expected an error about {why:?}"),
    }
}

#[test]
fn bad_input_is_refused_with_the_reason() {
    let px = vec![0u16; 12];
    let opts = EncodeOptions::default();
    refused(
        &input(Samples::U16(&px), 0, 4, 1, 12, false),
        &opts,
        "zero width",
    );
    refused(
        &input(Samples::U16(&px), 4, 3, 2, 12, false),
        &opts,
        "1 or 3 components",
    );
    refused(
        &input(Samples::U16(&px), 4, 3, 1, 17, false),
        &opts,
        "1 to 16 bits",
    );
    refused(
        &input(Samples::U16(&px), 4, 3, 1, 0, false),
        &opts,
        "1 to 16 bits",
    );
    refused(
        &input(Samples::U16(&px), 4, 4, 1, 12, false),
        &opts,
        "buffer length",
    );
    refused(
        &input(Samples::U16(&px), 4, 3, 1, 12, true),
        &opts,
        "signedness",
    );
    refused(
        &input(Samples::U8(&[0; 12]), 4, 3, 1, 12, false),
        &opts,
        "precision",
    );
    refused(
        &input(Samples::U16(&[4096; 12]), 4, 3, 1, 12, false),
        &opts,
        "outside the range",
    );
    refused(
        &input(Samples::I16(&[-3; 12]), 4, 3, 1, 2, true),
        &opts,
        "outside the range",
    );
    let big = input(Samples::U16(&px), 40000, 1, 1, 12, false);
    refused(&big, &opts, "32768");
    let bad_cb = EncodeOptions {
        block_log2: (7, 6),
        ..opts
    };
    refused(
        &input(Samples::U16(&px), 4, 3, 1, 12, false),
        &bad_cb,
        "code-block size",
    );
    let many = EncodeOptions { levels: 33, ..opts };
    let lossy = EncodeOptions {
        lossy_step: Some(0.0),
        ..opts
    };
    refused(
        &input(Samples::U16(&px), 4, 3, 1, 12, false),
        &lossy,
        "lossy step",
    );
    refused(
        &input(Samples::U16(&px), 4, 3, 1, 12, false),
        &many,
        "levels",
    );
}

#[test]
fn header_describes_the_image() {
    let px: Vec<u16> = (0..3 * 40 * 30).map(|i| (i * 37 % 4096) as u16).collect();
    let cs = encode(
        &input(Samples::U16(&px), 40, 30, 3, 12, false),
        &EncodeOptions::default(),
    )
    .expect("encodes");
    let siz = read_siz(&cs).expect("SIZ");
    assert_eq!((siz.width(), siz.height(), siz.comps.len()), (40, 30, 3));
    assert_eq!(siz.rsiz, 0x4000, "Part 15 capabilities");
    assert!(siz.comps.iter().all(|c| c.precision == 12 && !c.signed));
    assert_eq!(&cs[cs.len() - 2..], &[0xFF, 0xD9]);
    // CAP follows SIZ, then COD with the HT code-block style and RPCL.
    let cap = 2 + 2 + (38 + 9);
    assert_eq!(&cs[cap..cap + 2], &[0xFF, 0x50]);
    let cod = cap + 10;
    assert_eq!(&cs[cod..cod + 2], &[0xFF, 0x52]);
    assert_eq!(cs[cod + 5], 2, "RPCL");
    assert_eq!(cs[cod + 8], 1, "colour transform");
    assert_eq!(cs[cod + 12], 0x40, "HT code-blocks");
    assert_eq!(cs[cod + 13], 1, "5/3 wavelet");
    // The Part 1 decoder reads the whole structure, then declines the HT block coding.
    let e = crate::decode(&cs).expect_err("HT blocks are not decoded here");
    assert!(e.is_unsupported(), "{e}");
}

#[test]
fn random_images_and_options_never_panic() {
    let mut rng = Rng(0x0e4c_0de5);
    for _ in 0..300 {
        let wmax = if rng.below(4) == 0 { 4 } else { 150 };
        let w = 1 + rng.below(wmax) as u32;
        let hmax = if rng.below(4) == 0 { 4 } else { 100 };
        let h = 1 + rng.below(hmax) as u32;
        let nc = [1, 3, 2][rng.below(3) as usize];
        let p = 1 + rng.below(18) as u32;
        let signed = rng.below(2) == 0;
        let n = (w * h * nc) as usize;
        let wide: Vec<u16> = (0..n).map(|_| rng.next() as u16 >> rng.below(16)).collect();
        let signed_px: Vec<i16> = wide.iter().map(|&v| v as i16).collect();
        let samples = if signed {
            Samples::I16(&signed_px)
        } else {
            Samples::U16(&wide)
        };
        let opts = EncodeOptions {
            block_coding: if rng.below(2) == 0 {
                BlockCoding::HighThroughput
            } else {
                BlockCoding::Part1
            },
            levels: rng.below(40) as u32,
            progression: [
                Progression::Lrcp,
                Progression::Rlcp,
                Progression::Rpcl,
                Progression::Pcrl,
                Progression::Cprl,
            ][rng.below(5) as usize],
            color_transform: rng.below(2) == 0,
            block_log2: (rng.below(12) as u32, rng.below(12) as u32),
            lossy_step: match rng.below(4) {
                0 => Some([0.0, 1e-6, 0.001, 0.01, 0.5, 1.0, 2.0, f32::NAN][rng.below(8) as usize]),
                _ => None,
            },
            lossy_ratio: match rng.below(3) {
                0 => Some([0.5, 1.0, 3.0, 40.0, f32::INFINITY][rng.below(5) as usize]),
                _ => None,
            },
        };
        match encode(&input(samples, w, h, nc, p, signed), &opts) {
            Ok(cs) => {
                let siz = read_siz(&cs).expect("SIZ of an encoded image");
                assert_eq!((siz.width(), siz.height()), (w, h));
            }
            Err(e) => assert_eq!(e.kind, ErrorKind::InvalidInput, "{e}"),
        }
    }
}

#[test]
fn lossless_input_bounds_are_accepted() {
    // Extreme samples at 16 bits, both signs, with the colour transform: the widest ranges.
    let lo_hi: Vec<u16> = (0..64 * 64 * 3)
        .map(|i| {
            if (i / 3 + i / 192) % 2 == 0 {
                0
            } else {
                u16::MAX
            }
        })
        .collect();
    let img = input(Samples::U16(&lo_hi), 64, 64, 3, 16, false);
    assert!(encode(&img, &EncodeOptions::default()).is_ok());
    let s: Vec<i16> = lo_hi
        .iter()
        .map(|&v| if v == 0 { i16::MIN } else { i16::MAX })
        .collect();
    let img = input(Samples::I16(&s), 64, 64, 3, 16, true);
    assert!(encode(&img, &EncodeOptions::default()).is_ok());
}

#[test]
fn frames_encode_in_parallel_like_in_sequence() {
    fn shared<T: Send + Sync>(_: &T) {}
    let frames: Vec<Vec<u16>> = (0..4u16)
        .map(|f| {
            (0..50 * 40)
                .map(|i| (i as u16).wrapping_mul(31 + f) % 4096)
                .collect()
        })
        .collect();
    let opts = EncodeOptions::default();
    shared(&opts);
    let one = |px: &[u16]| encode(&input(Samples::U16(px), 50, 40, 1, 12, false), &opts);
    let sequential: Vec<Vec<u8>> = frames.iter().map(|f| one(f).expect("encodes")).collect();
    let parallel: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = frames.iter().map(|f| s.spawn(|| one(f))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread").expect("encodes"))
            .collect()
    });
    assert_eq!(sequential, parallel);
}
