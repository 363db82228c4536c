//! Tests of the JPEG encoders: random images through our decoders (lossless exact, baseline
//! above a PSNR floor), the markers written, and what is refused.

use super::encode::{encode_baseline, encode_lossless};
use crate::error::ErrorKind;
use crate::pixel::codec::Codec;
use crate::pixel::codec::encode_testing::{Image, Rng};
use crate::pixel::encode::EncodeOptions;

/// The marker segments before the first scan: (marker, segment bytes after the length).
fn segments(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "SOI");
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        out.push((marker, jpeg[i + 4..i + 2 + len].to_vec()));
        if marker == 0xDA {
            break;
        }
        i += 2 + len;
    }
    out
}

#[test]
fn lossless_random_images_decode_exactly() {
    let mut rng = Rng::new(14);
    for case in 0..60 {
        let img = Image::lossless_case(&mut rng, case);
        let jpeg = encode_lossless(&img.frame()).unwrap_or_else(|e| panic!("{img}: {e}"));
        let sof = segments(&jpeg)
            .into_iter()
            .find(|(m, _)| *m == 0xC3)
            .expect("SOF3");
        assert_eq!(
            u32::from(sof.1[0]),
            img.bits_stored.max(2),
            "precision, {img}"
        );
        let decoded = img.decode(Codec::Jpeg, &jpeg, img.photometric);
        assert_eq!(img.max_error(&decoded), 0, "{img}");
    }
}

#[test]
fn lossless_ybr_full_is_marked_ycbcr() {
    let mut rng = Rng::new(2);
    let mut img = Image::random(&mut rng, (13, 21, 3), (8, 8, false), 20);
    img.photometric = "YBR_FULL";
    let jpeg = encode_lossless(&img.frame()).unwrap();
    let segs = segments(&jpeg);
    assert!(
        segs.iter()
            .any(|(m, d)| *m == 0xE0 && d.starts_with(b"JFIF"))
    );
    assert!(!segs.iter().any(|(m, _)| *m == 0xEE), "no Adobe marker");
    let sof = &segs.iter().find(|(m, _)| *m == 0xC3).expect("SOF3").1;
    assert_eq!([sof[6], sof[9], sof[12]], [1, 2, 3], "component IDs");
    let sos = &segs.last().expect("SOS").1;
    assert_eq!(
        [sos[1], sos[3], sos[5]],
        [1, 2, 3],
        "scan component selectors"
    );
    let header = super::header::parse_header(&jpeg).unwrap();
    assert_eq!(
        super::header::color_out(&header, &info_for(&img)),
        crate::pixel::codec::ColorOut::AsDataset,
        "pydicom's rules keep YBR_FULL"
    );
    let decoded = img.decode(Codec::Jpeg, &jpeg, "YBR_FULL");
    let mut want = img.clone();
    let mut rgb = img.data.clone();
    crate::pixel::color::ybr_full_to_rgb(&mut rgb);
    want.values = rgb.iter().map(|&v| i32::from(v)).collect();
    assert_eq!(
        want.max_error(&decoded),
        0,
        "decoded, then converted as the dataset says"
    );
}

pub(super) fn info_for(img: &Image) -> crate::pixel::codec::FrameInfo {
    crate::pixel::codec::FrameInfo {
        rows: img.rows,
        columns: img.columns,
        samples_per_pixel: img.spp,
        bits_allocated: img.bits_allocated,
        bits_stored: img.bits_stored,
        pixel_representation: u32::from(img.signed),
        planar_configuration: 0,
        photometric_interpretation: img.photometric.into(),
        as_rgb: false,
    }
}

#[test]
fn lossless_uses_selection_value_1() {
    let mut rng = Rng::new(1);
    let img = Image::random(&mut rng, (7, 9, 3), (16, 16, false), 50);
    let jpeg = encode_lossless(&img.frame()).unwrap();
    let segs = segments(&jpeg);
    let sos = &segs.last().expect("SOS").1;
    let ns = usize::from(sos[0]);
    assert_eq!(ns, 3);
    // Ss (the predictor), Se, Ah/Al after the component selectors.
    assert_eq!(&sos[1 + 2 * ns..], &[1, 0, 0]);
}

#[test]
fn baseline_grey_and_colour_above_a_psnr_floor() {
    let mut rng = Rng::new(50);
    let mut worst = [f64::INFINITY; 2];
    for case in 0..24 {
        let spp = if case % 2 == 0 { 1 } else { 3 };
        let rows = rng.range(1, 300) as u32;
        let columns = rng.range(1, 300) as u32;
        let mut img = Image::random(&mut rng, (rows, columns, spp), (8, 8, false), 2);
        let transform = case % 4 != 3;
        let ybr_source = spp == 3 && case % 8 == 5;
        if ybr_source {
            img.photometric = "YBR_FULL";
        }
        let opts = EncodeOptions {
            color_transform: transform,
            ..EncodeOptions::default()
        };
        let jpeg = encode_baseline(&img.frame(), &opts).unwrap_or_else(|e| panic!("{img}: {e}"));
        let segs = segments(&jpeg);
        let sof = &segs.iter().find(|(m, _)| *m == 0xC0).expect("SOF0").1;
        assert_eq!(sof[0], 8);
        let (photometric, factors) = match (spp, transform, ybr_source) {
            (1, ..) => ("MONOCHROME2", vec![]),
            (_, true, false) => ("YBR_FULL_422", vec![0x21, 0x11, 0x11]),
            (_, false, false) => ("RGB", vec![0x11, 0x11, 0x11]),
            (_, true, true) => ("YBR_FULL_422", vec![0x21, 0x11, 0x11]),
            (_, false, true) => ("YBR_FULL", vec![0x11, 0x11, 0x11]),
        };
        if spp == 3 {
            let got: Vec<u8> = (0..3).map(|k| sof[6 + 3 * k + 1]).collect();
            assert_eq!(got, factors, "sampling factors, {img}");
            let adobe = segs
                .iter()
                .find(|(m, d)| *m == 0xEE && d.starts_with(b"Adobe"));
            let jfif = segs
                .iter()
                .any(|(m, d)| *m == 0xE0 && d.starts_with(b"JFIF"));
            if photometric == "RGB" {
                // An Adobe marker with transform 0: the components are RGB.
                assert_eq!(adobe.expect("Adobe APP14").1[11], 0);
            } else {
                assert!(jfif && adobe.is_none(), "YCbCr is marked JFIF");
            }
        }
        let decoded = img.decode(Codec::Jpeg, &jpeg, photometric);
        let mut want = img.clone();
        if ybr_source {
            // Decoded as RGB: compare with the source converted the same way.
            let mut rgb = img.data.clone();
            crate::pixel::color::ybr_full_to_rgb(&mut rgb);
            want.values = rgb.iter().map(|&v| i32::from(v)).collect();
        }
        let psnr = want.psnr(&decoded);
        // 4:2:2 halves the chroma resolution, and these images change colour every few
        // pixels: a lower floor for them.
        let floor = if photometric == "YBR_FULL_422" {
            20.0
        } else {
            30.0
        };
        let k = usize::from(floor == 20.0);
        worst[k] = worst[k].min(psnr);
        assert!(psnr > floor, "PSNR {psnr:.1} dB for {img} ({photometric})");
    }
    eprintln!(
        "JPEG baseline quality 90: worst PSNR {:.1} dB grey / 4:4:4, {:.1} dB 4:2:2",
        worst[0], worst[1]
    );
}

#[test]
fn quality_changes_the_size() {
    let mut rng = Rng::new(3);
    let img = Image::random(&mut rng, (128, 128, 1), (8, 8, false), 10);
    let size = |quality| {
        let opts = EncodeOptions {
            quality,
            ..EncodeOptions::default()
        };
        encode_baseline(&img.frame(), &opts).unwrap().len()
    };
    assert!(size(30) < size(70) && size(70) < size(98));
}

#[test]
fn what_cannot_be_encoded_is_refused() {
    let mut rng = Rng::new(4);
    let opts = EncodeOptions::default();
    let refused = |img: &Image, baseline: bool, path: &str| {
        let e = if baseline {
            encode_baseline(&img.frame(), &opts).unwrap_err()
        } else {
            encode_lossless(&img.frame()).unwrap_err()
        };
        assert_eq!(e.kind, ErrorKind::Encode, "{e}");
        assert_eq!(e.path, path, "{e}");
    };
    let img16 = Image::random(&mut rng, (4, 4, 1), (16, 12, false), 50);
    refused(&img16, true, "(0028,0101)");
    let signed = Image::random(&mut rng, (4, 4, 1), (8, 8, true), 50);
    refused(&signed, true, "(0028,0103)");
    let mut palette = Image::random(&mut rng, (4, 4, 1), (8, 8, false), 50);
    palette.photometric = "PALETTE COLOR";
    refused(&palette, true, "(0028,0004)");
    let mut two = Image::random(&mut rng, (4, 4, 1), (8, 8, false), 50);
    two.spp = 2;
    two.data.extend_from_slice(&[0; 16]);
    refused(&two, true, "(0028,0002)");
    refused(&two, false, "(0028,0002)");
    let mut short = img16.clone();
    short.data.pop();
    refused(&short, false, "(7FE0,0010)");
    let mut high = img16.clone();
    high.data[1] = 0x10; // 4096 + …: beyond Bits Stored 12
    refused(&high, false, "(7FE0,0010)");
    let mut huge = img16.clone();
    huge.columns = 70_000;
    refused(&huge, false, "(0028,0011)");
    let q0 = EncodeOptions { quality: 0, ..opts };
    let grey = Image::random(&mut rng, (4, 4, 1), (8, 8, false), 50);
    assert_eq!(
        encode_baseline(&grey.frame(), &q0).unwrap_err().kind,
        ErrorKind::Encode
    );
}
