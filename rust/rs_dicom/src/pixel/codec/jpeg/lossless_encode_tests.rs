//! Tests of the lossless encoder against two independent decoders (libjpeg-turbo, which our
//! decoder uses, and the pure-Rust jpeg-decoder) and, for the Huffman tables and the coded
//! data, against libjpeg-turbo's own lossless encoder with optimised tables.

// Without the `jpeg` feature there is no decoder to check against: only the layout tests run.
#![cfg_attr(not(feature = "jpeg"), allow(unused_imports, dead_code))]

use super::encode_lossless;
use crate::pixel::codec::Codec;
use crate::pixel::codec::encode_testing::{Image, Rng};

/// The samples as the codestream holds them: unsigned, the low `precision` bits.
fn coded_values(img: &Image) -> Vec<u16> {
    let p = img.bits_stored.max(2);
    img.values
        .iter()
        .map(|&v| (v as u32 & ((1 << p) - 1)) as u16)
        .collect()
}

/// Decodes with jpeg-decoder (raw components, no colour conversion).
#[cfg(feature = "jpeg")]
fn jpeg_decoder_values(img: &Image, jpeg: &[u8]) -> Vec<u16> {
    let header = super::super::header::parse_header(jpeg).expect("header");
    let info = super::super::encode_tests::info_for(img);
    let data = super::super::jpeg_decoder::decode(jpeg, &header, &info)
        .unwrap_or_else(|e| panic!("jpeg-decoder on {img}: {e}"));
    if data.len() == img.values.len() {
        data.iter().map(|&b| u16::from(b)).collect()
    } else {
        data.chunks_exact(2)
            .map(|s| u16::from_ne_bytes([s[0], s[1]]))
            .collect()
    }
}

/// The entropy-coded data: after the SOS segment, up to EOI.
fn scan_data(jpeg: &[u8]) -> &[u8] {
    let mut i = 2;
    while i + 4 <= jpeg.len() {
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        if jpeg[i + 1] == 0xDA {
            return &jpeg[i + 2 + len..jpeg.len() - 2];
        }
        i += 2 + len;
    }
    panic!("no SOS")
}

#[cfg(feature = "jpeg")]
#[test]
fn random_images_decode_exactly_through_both_decoders() {
    let mut rng = Rng::new(70);
    for case in 0..80 {
        let img = Image::lossless_case(&mut rng, case);
        let jpeg = encode_lossless(&img.frame()).unwrap_or_else(|e| panic!("{img}: {e}"));
        let decoded = img.decode(Codec::Jpeg, &jpeg, img.photometric);
        assert_eq!(img.max_error(&decoded), 0, "libjpeg-turbo, {img}");
        assert_eq!(
            jpeg_decoder_values(&img, &jpeg),
            coded_values(&img),
            "jpeg-decoder, {img}"
        );
    }
}

#[cfg(feature = "jpeg")]
#[test]
fn extreme_differences_and_shapes_decode_exactly() {
    let mut rng = Rng::new(71);
    // 16 bits: differences of ±32768 (category 16, no extra bits) and ±65535 (≡ ±1).
    let mut img = Image::random(&mut rng, (9, 17, 1), (16, 16, false), 0);
    let values = (0..img.values.len())
        .map(|i| [0, 32768, 65535, 0, 1, 32767][i % 6])
        .collect();
    img.set_values(values);
    // Single pixel, single row, single column, a constant frame; each at 1 and 3 samples.
    let mut cases = vec![img];
    for (rows, columns) in [(1, 1), (1, 40), (40, 1), (5, 7)] {
        for spp in [1, 3] {
            for (ba, bs) in [(8, 2), (8, 8), (16, 16)] {
                let noise = if rows == 5 { 0 } else { 100 };
                let mut img = Image::random(&mut rng, (rows, columns, spp), (ba, bs, false), noise);
                if rows == 5 {
                    let v = img.values[0];
                    img.set_values(vec![v; img.values.len()]);
                }
                cases.push(img);
            }
        }
    }
    for img in &cases {
        let jpeg = encode_lossless(&img.frame()).unwrap_or_else(|e| panic!("{img}: {e}"));
        let decoded = img.decode(Codec::Jpeg, &jpeg, img.photometric);
        assert_eq!(img.max_error(&decoded), 0, "libjpeg-turbo, {img}");
        assert_eq!(jpeg_decoder_values(img, &jpeg), coded_values(img), "{img}");
    }
}

/// Grey frames: the same optimal table and the same coded bits as libjpeg-turbo's lossless
/// encoder with Huffman optimisation (the IJG code `dcmcjpeg` also runs), so the sizes match
/// DCMTK's.
#[cfg(feature = "jpeg")]
#[test]
fn grey_scans_equal_libjpeg_turbo_optimised() {
    let mut rng = Rng::new(72);
    for case in 0..24 {
        let bits: &[u32] = &[[8, 12, 16, 5][case % 4]];
        let noise = if case % 3 == 0 { 100 } else { 2 };
        let mut img = Image::any(&mut rng, 200, bits, noise);
        if img.spp == 3 {
            img = Image::random(
                &mut rng,
                (img.rows, img.columns, 1),
                (img.bits_allocated, img.bits_stored, img.signed),
                noise,
            );
        }
        let ours = encode_lossless(&img.frame()).unwrap();
        let precision = img.bits_stored.max(2);
        let theirs = super::super::tests::turbo_encode(
            &coded_values(&img),
            (img.columns as usize, img.rows as usize, 1),
            precision,
            turbojpeg_sys::TJSAMP_TJSAMP_GRAY,
            Some(1),
            true,
        );
        assert!(
            scan_data(&ours) == scan_data(&theirs),
            "coded data differs from libjpeg-turbo's ({} vs {} bytes), {img}",
            scan_data(&ours).len(),
            scan_data(&theirs).len()
        );
    }
}

#[test]
fn zero_bytes_are_stuffed_after_0xff() {
    // Noise at 16 bits makes many 0xFF bytes in the coded data.
    let mut rng = Rng::new(73);
    let img = Image::random(&mut rng, (64, 64, 1), (16, 16, false), 100);
    let jpeg = encode_lossless(&img.frame()).unwrap();
    let scan = scan_data(&jpeg);
    let ff: Vec<usize> = (0..scan.len()).filter(|&i| scan[i] == 0xFF).collect();
    assert!(!ff.is_empty(), "the test needs 0xFF bytes");
    assert!(ff.iter().all(|&i| scan.get(i + 1) == Some(&0)), "stuffing");
    assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9], "EOI");
}
