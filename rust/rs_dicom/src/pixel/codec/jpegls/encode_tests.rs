//! Tests of the JPEG-LS encoder: random images through our decoder (lossless exact,
//! near-lossless within `near`), the frame and scan headers, and what is refused.

use super::encode::encode;
use crate::error::ErrorKind;
use crate::pixel::codec::Codec;
use crate::pixel::codec::encode_testing::{Image, Rng};

/// The SOF55 precision and the first scan's (component count, NEAR, ILV).
fn headers(jls: &[u8]) -> (u8, (u8, u8, u8)) {
    let find = |marker: u8| {
        jls.windows(2)
            .position(|w| w == [0xFF, marker])
            .unwrap_or_else(|| panic!("marker FF{marker:02X}"))
            + 4
    };
    let sof = find(0xF7);
    let sos = find(0xDA);
    let ns = jls[sos];
    let at = sos + 1 + 2 * usize::from(ns);
    (jls[sof], (ns, jls[at], jls[at + 1]))
}

#[test]
fn lossless_random_images_decode_exactly() {
    let mut rng = Rng::new(80);
    for case in 0..60 {
        let img = Image::lossless_case(&mut rng, case);
        let jls = encode(&img.frame(), 0).unwrap_or_else(|e| panic!("{img}: {e}"));
        let (precision, (ns, near, ilv)) = headers(&jls);
        assert_eq!(u32::from(precision), img.bits_stored.max(2), "{img}");
        assert_eq!((u32::from(ns), near), (img.spp, 0), "{img}");
        if img.spp == 3 {
            assert_eq!(ilv, 2, "interleaved by sample");
        }
        let decoded = img.decode(Codec::JpegLs, &jls, img.photometric);
        assert_eq!(img.max_error(&decoded), 0, "{img}");
    }
}

/// Noise that takes more bytes than CharLS's estimate of the output (a fuzzer find: the
/// output buffer is then enlarged to the JPEG-LS worst case).
#[test]
fn output_larger_than_charls_estimate() {
    let mut rng = Rng::new(83);
    for (bits, signed) in [(8, true), (8, false), (12, false), (16, true)] {
        let mut img = Image::random(
            &mut rng,
            (247, 231, 1),
            (if bits > 8 { 16 } else { 8 }, bits, signed),
            0,
        );
        let half = 1i32 << (bits - 1);
        let (a, b) = if signed { (-80, 32) } else { (half + 48, 32) };
        let values = (0..img.values.len())
            .map(|i| if i % 2 == 0 { a } else { b })
            .collect();
        img.set_values(values);
        let raw_words = img.values.len() * if bits > 8 { 2 } else { 1 };
        let jls = encode(&img.frame(), 0).unwrap_or_else(|e| panic!("{img}: {e}"));
        let decoded = img.decode(Codec::JpegLs, &jls, img.photometric);
        assert_eq!(img.max_error(&decoded), 0, "{img}");
        eprintln!(
            "{img}: {} bytes for {raw_words} bytes of samples",
            jls.len()
        );
    }
}

#[test]
fn near_lossless_stays_within_near() {
    let mut rng = Rng::new(81);
    for case in 0..40 {
        let mut img = Image::any(
            &mut rng,
            if case < 4 { 300 } else { 80 },
            &[8, 10, 12, 16],
            5,
        );
        let near = rng.pick(&[1u32, 2, 3, 5, 10]);
        if img.signed {
            // Values at least `near` inside the range (see the encoder's documentation).
            let half = 1i32 << (img.bits_stored - 1);
            let (lo, hi) = (-half + near as i32, half - 1 - near as i32);
            let values = img.values.iter().map(|&v| v.clamp(lo, hi)).collect();
            img.set_values(values);
        }
        let jls = encode(&img.frame(), near).unwrap_or_else(|e| panic!("{img}: {e}"));
        assert_eq!(u32::from(headers(&jls).1.1), near);
        let decoded = img.decode(Codec::JpegLs, &jls, img.photometric);
        let err = img.max_error(&decoded);
        assert!(
            err <= i64::from(near),
            "error {err} > near {near} for {img}"
        );
        let lossless = encode(&img.frame(), 0).unwrap();
        assert!(
            jls.len() < lossless.len(),
            "near-lossless is smaller, {img}"
        );
    }
}

#[test]
fn what_cannot_be_encoded_is_refused() {
    let mut rng = Rng::new(82);
    let check = |img: &Image, near: u32, path: &str, words: &str| {
        let e = encode(&img.frame(), near).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Encode, "{e}");
        assert_eq!(e.path, path, "{e}");
        assert!(e.message.contains(words), "{e}");
    };
    let img = Image::random(&mut rng, (8, 8, 1), (8, 8, false), 50);
    check(&img, 128, "", "above 127");
    let mut img4 = Image::random(&mut rng, (8, 8, 1), (8, 4, false), 10);
    check(&img4, 8, "", "above 7");
    img4.photometric = "PALETTE COLOR";
    check(&img4, 1, "(0028,0004)", "PALETTE");
    let mut signed = Image::random(&mut rng, (2, 2, 1), (16, 12, true), 0);
    signed.set_values(vec![-2048, 0, 5, 2047]);
    encode(&signed.frame(), 0).expect("lossless takes the whole range");
    check(&signed, 2, "(7FE0,0010)", "flip their sign");
    let mut high = Image::random(&mut rng, (2, 2, 1), (16, 12, false), 0);
    high.set_values(vec![0, 4096, 1, 1]);
    check(&high, 0, "(7FE0,0010)", "sample 1 is 4096");
    let mut empty = img.clone();
    empty.rows = 0;
    check(&empty, 0, "(0028,0010)", "Rows 0");
}

/// Our codestream against CharLS's at the same settings, byte for byte.
fn same_as_charls(img: &Image, near: u32) {
    let ours = encode(&img.frame(), near);
    let theirs = super::charls_encode::encode_charls(&img.frame(), near);
    match (ours, theirs) {
        (Ok(a), Ok(b)) => {
            if a != b {
                let at = a.iter().zip(&b).position(|(x, y)| x != y);
                panic!(
                    "{img} near {near}: {} bytes vs CharLS {}, first difference at {at:?}",
                    a.len(),
                    b.len()
                );
            }
        }
        (Err(a), Err(b)) => assert_eq!(a.path, b.path, "{img}: {a} / {b}"),
        (a, b) => panic!("{img} near {near}: ours {a:?}, CharLS {b:?}"),
    }
}

#[test]
fn lossless_matches_charls_byte_for_byte() {
    let mut rng = Rng::new(90);
    for case in 0..120 {
        same_as_charls(&Image::lossless_case(&mut rng, case), 0);
    }
    // Flat and nearly flat images: long runs, runs to the end of lines, interruptions.
    for (bits, spp) in [(8, 1), (12, 1), (16, 1), (8, 3), (16, 3), (2, 1)] {
        for noise in [0u32, 1] {
            let mut img = Image::random(
                &mut rng,
                (37, 300, spp),
                (if bits > 8 { 16 } else { 8 }, bits, false),
                noise,
            );
            let v: Vec<i32> = img
                .values
                .iter()
                .enumerate()
                .map(|(i, &v)| if (i / 97) % 3 == 0 { 1 } else { v })
                .collect();
            img.set_values(v);
            same_as_charls(&img, 0);
        }
    }
    for (rows, columns) in [(1, 1), (1, 700), (700, 1), (2, 2)] {
        for spp in [1, 3] {
            let img = Image::random(&mut rng, (rows, columns, spp), (16, 12, true), 20);
            same_as_charls(&img, 0);
        }
    }
}

#[test]
fn near_lossless_matches_charls_byte_for_byte() {
    let mut rng = Rng::new(91);
    for case in 0..120 {
        let img = Image::any(
            &mut rng,
            if case < 6 { 200 } else { 60 },
            &[2, 3, 5, 8, 10, 12, 16],
            [0, 2, 30, 100][case % 4],
        );
        let max_near = ((1u32 << img.bits_stored.max(2)) - 1).min(510) / 2;
        let near = rng.pick(&[1u32, 2, 3, 7, 255]).min(max_near);
        same_as_charls(&img, near);
    }
}
