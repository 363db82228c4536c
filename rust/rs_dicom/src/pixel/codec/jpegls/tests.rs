//! Tests of JPEG-LS decoding on streams CharLS encodes: sign extension, interleave modes,
//! damaged and hostile streams.

use ::charls::{CharLS, InterleaveMode};

use super::*;
use crate::error::ErrorKind;

fn info(rows: u32, cols: u32, spp: u32, ba: u32, bs: u32, pr: u32) -> FrameInfo {
    FrameInfo {
        rows,
        columns: cols,
        samples_per_pixel: spp,
        bits_allocated: ba,
        bits_stored: bs,
        pixel_representation: pr,
        planar_configuration: 0,
        photometric_interpretation: if spp == 3 { "RGB" } else { "MONOCHROME2" }.into(),
        as_rgb: false,
    }
}

fn encode(
    w: u32,
    h: u32,
    bits: i32,
    comps: i32,
    near: i32,
    ilv: InterleaveMode,
    px: &[u8],
) -> Vec<u8> {
    let mut c = CharLS::default();
    if comps > 1 {
        c.set_interleave_mode(ilv).unwrap();
    }
    c.encode(
        ::charls::FrameInfo {
            width: w,
            height: h,
            bits_per_sample: bits,
            component_count: comps,
        },
        near,
        px,
    )
    .unwrap()
}

#[test]
fn gray16_roundtrip_and_sign() {
    let vals: Vec<u16> = (0..64u16).map(|v| (v * 97) & 0x0FFF).collect();
    let px: Vec<u8> = vals.iter().flat_map(|v| v.to_ne_bytes()).collect();
    let enc = encode(8, 8, 12, 1, 0, InterleaveMode::None, &px);
    let mut out = vec![0u8; 128];
    decode(&enc, &info(8, 8, 1, 16, 12, 0), &mut out).unwrap();
    assert_eq!(out, px);
    decode(&enc, &info(8, 8, 1, 16, 12, 1), &mut out).unwrap();
    for (k, s) in out.chunks_exact(2).enumerate() {
        let v = i16::from_ne_bytes([s[0], s[1]]);
        let want = if vals[k] & 0x800 != 0 {
            vals[k] as i16 - 0x1000
        } else {
            vals[k] as i16
        };
        assert_eq!(v, want);
    }
}

#[test]
fn rgb_all_interleave_modes() {
    let rgb: Vec<u8> = (0..4 * 5 * 3).map(|v| (v * 13 % 251) as u8).collect();
    let planar: Vec<u8> = (0..3)
        .flat_map(|c| rgb.iter().skip(c).step_by(3).copied())
        .collect();
    for ilv in [
        InterleaveMode::None,
        InterleaveMode::Line,
        InterleaveMode::Sample,
    ] {
        let src = if ilv == InterleaveMode::None {
            &planar
        } else {
            &rgb
        };
        let enc = encode(5, 4, 8, 3, 0, ilv, src);
        let mut out = vec![0u8; rgb.len()];
        decode(&enc, &info(4, 5, 3, 8, 8, 0), &mut out).unwrap();
        assert_eq!(out, rgb, "{ilv:?}");
    }
}

#[test]
fn truncated_scan_fails_fast() {
    // A fuzzer find: truncated entropy-coded data made CharLS loop ~2^31 times.
    let unit = [
        0xff, 0xd8, 0xff, 0xf7, 0x00, 0x11, 0x08, 0x00, 0x0a, 0x00, 0x0c, 0x03, 0x01, 0x11, 0x00,
        0x02, 0x11, 0x00, 0x03, 0x11, 0x00, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x00,
        0x03, 0x00, 0x02, 0x01, 0x00, 0x83, 0x18, 0xce, 0x66, 0x89, 0x8c, 0x22, 0x03, 0x24, 0x4c,
        0x42, 0x22, 0x6c, 0x48, 0xd8,
    ];
    let start = std::time::Instant::now();
    let mut out = vec![0u8; 10 * 12 * 3];
    assert!(decode(&unit, &info(10, 12, 3, 8, 8, 0), &mut out).is_err());
    assert!(start.elapsed().as_secs() < 2);
}

#[test]
fn mixed_scan_layouts_are_rejected() {
    // A by-plane scan followed by a sample-interleaved one made CharLS write past its
    // output buffer (fuzzer find): such streams must be refused before CharLS sees them.
    let rgb: Vec<u8> = (0..6 * 7 * 3).map(|v| (v * 29 % 253) as u8).collect();
    let planar: Vec<u8> = (0..3)
        .flat_map(|c| rgb.iter().skip(c).step_by(3).copied())
        .collect();
    let none = encode(7, 6, 8, 3, 0, InterleaveMode::None, &planar);
    let sample = encode(7, 6, 8, 3, 0, InterleaveMode::Sample, &rgb);
    let sos = |s: &[u8], nth: usize| {
        s.windows(2)
            .enumerate()
            .filter(|(_, w)| w == &[0xFF, 0xDA])
            .nth(nth)
            .unwrap()
            .0
    };
    let mixed = [&none[..sos(&none, 1)], &sample[sos(&sample, 0)..]].concat();
    let mut out = vec![0u8; rgb.len()];
    let e = decode(&mixed, &info(6, 7, 3, 8, 8, 0), &mut out).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed);
    assert!(e.message.contains("scans"), "{}", e.message);
}

#[test]
fn widen_and_mismatch() {
    let px: Vec<u8> = (0..16u8).map(|v| v * 15).collect();
    let enc = encode(4, 4, 8, 1, 0, InterleaveMode::None, &px);
    let mut out = vec![0u8; 32];
    decode(&enc, &info(4, 4, 1, 16, 8, 0), &mut out).unwrap();
    let got: Vec<u8> = out
        .chunks_exact(2)
        .map(|s| u16::from_ne_bytes([s[0], s[1]]) as u8)
        .collect();
    assert_eq!(got, px);
    let mut out = vec![0u8; 20];
    let e = decode(&enc, &info(5, 4, 1, 8, 8, 0), &mut out).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed);
    let mut out = vec![0u8; 16];
    assert!(decode(&enc[..enc.len() / 2], &info(4, 4, 1, 8, 8, 0), &mut out).is_err());
    assert!(decode(&[], &info(4, 4, 1, 8, 8, 0), &mut out).is_err());
    let enc16 = encode(4, 4, 16, 1, 0, InterleaveMode::None, &[0u8; 32]);
    let e = decode(&enc16, &info(4, 4, 1, 8, 8, 0), &mut out).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed);
}
