//! The frame encoders' invariant, shared by the `encode` fuzz target and the core's test over
//! seeded random inputs (`rust/rs_dicom/tests/fuzz_encode.rs` includes this file).
//!
//! The first 8 input bytes choose the image (rows, columns, samples, Bits Allocated and
//! Stored, signedness, Photometric Interpretation) and the options (quality, NEAR, ratio,
//! colour transform); the rest, repeated, gives the samples — brought into the Bits Stored
//! range unless a header bit keeps them raw. Every encoder (JPEG Baseline and Lossless,
//! JPEG-LS, JPEG 2000 lossless and lossy) then either refuses with an encoding error or
//! produces a codestream that our decoder decodes: lossless to exactly the input,
//! near-lossless within NEAR, lossy to a frame of the right size. An encoder must accept
//! every frame its syntax allows (so a refusal of valid input is a failure too).

use rs_dicom::ErrorKind;
use rs_dicom::pixel::codec::{Codec, FrameInfo, decode_frame_unguarded, j2k, jpeg, jpegls};
use rs_dicom::pixel::encode::{EncodeOptions, FrameImage};

/// What is asked of one encoder.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Baseline,
    JpegLossless,
    JpegLs(u32),
    J2k { lossless: bool },
}

/// One fuzz input: encodes the frame it describes with every encoder and checks the results;
/// returns how many codestreams were made (and checked).
pub fn run(data: &[u8]) -> usize {
    if data.len() < 9 {
        return 0;
    }
    let (h, body) = data.split_at(8);
    let big = h[0] & 0x80 != 0;
    let side = |b: u8| u32::from(b & 0x3F) + 1 + if big { u32::from(b & 0x40) * 3 } else { 0 };
    let rows = side(h[0]);
    let columns = side(h[1]);
    let spp = [1u32, 3, 1, 3, 1, 3, 2, 4][usize::from(h[2] & 7)];
    let bits_allocated = [8u32, 16, 16, 8, 8, 16, 16, 32][usize::from((h[2] >> 3) & 7)];
    let bits_stored = match h[3] & 0x1F {
        0 => 0,
        b if b > 16 => bits_allocated,
        b => u32::from(b),
    };
    let signed = h[3] & 0x20 != 0;
    let raw = h[3] & 0x40 != 0 && h[3] & 0x80 != 0;
    let photometric = match (spp, h[4] & 3) {
        (1, 0) => "MONOCHROME1",
        (1, 1) => "PALETTE COLOR",
        (1, _) => "MONOCHROME2",
        (_, 0) => "YBR_FULL",
        _ => "RGB",
    };
    let opts = EncodeOptions {
        quality: if h[5] < 200 { h[5] % 100 + 1 } else { h[5] },
        near: u32::from(h[6] % 12),
        compression_ratio: match h[7] & 7 {
            0 => None,
            7 => Some(f32::from(h[7]) / 64.0),
            r => Some(f32::from(r) * 4.0),
        },
        lossy_step: None,
        color_transform: h[4] & 4 != 0,
    };
    let samples = rows as usize * columns as usize * spp as usize;
    let bytes = bits_allocated.div_ceil(8) as usize;
    let values: Vec<i64> = (0..samples)
        .map(|i| {
            let b = |k: usize| i64::from(body[(i * bytes + k) % body.len()]);
            let word = (0..bytes).fold(0i64, |acc, k| acc | (b(k) << (8 * k)));
            // The value the frame holds: the word's low bits as two's complement when signed.
            let bits = if raw || bits_stored == 0 || bits_stored > bits_allocated {
                8 * bytes as u32
            } else {
                bits_stored
            };
            let v = word & ((1i64 << bits) - 1);
            if signed && v >> (bits - 1) != 0 {
                v - (1i64 << bits)
            } else {
                v
            }
        })
        .collect();
    let frame_bytes: Vec<u8> = values
        .iter()
        .flat_map(|&v| v.to_le_bytes().into_iter().take(bytes))
        .collect();
    let frame = FrameImage {
        rows,
        columns,
        samples_per_pixel: spp,
        bits_allocated,
        bits_stored,
        signed,
        photometric_interpretation: photometric,
        data: &frame_bytes,
    };
    let in_range = {
        let (lo, hi) = if bits_stored == 0 || bits_stored > 16 {
            (0, -1)
        } else if signed {
            (
                -(1i64 << (bits_stored - 1)),
                (1i64 << (bits_stored - 1)) - 1,
            )
        } else {
            (0, (1i64 << bits_stored) - 1)
        };
        values.iter().all(|v| (lo..=hi).contains(v))
    };
    let valid = matches!(spp, 1 | 3)
        && matches!(bits_allocated, 8 | 16)
        && (1..=bits_allocated).contains(&bits_stored)
        && in_range;
    let mut made = 0;
    for mode in [
        Mode::Baseline,
        Mode::JpegLossless,
        Mode::JpegLs(0),
        Mode::JpegLs(opts.near),
        Mode::J2k { lossless: true },
        Mode::J2k { lossless: false },
    ] {
        let result = match mode {
            Mode::Baseline => jpeg::encode::encode_baseline(&frame, &opts),
            Mode::JpegLossless => jpeg::encode::encode_lossless(&frame),
            Mode::JpegLs(near) => jpegls::encode::encode(&frame, near),
            Mode::J2k { lossless } => j2k::encode::encode(&frame, &opts, lossless),
        };
        let encoded = match result {
            Ok(e) => e,
            Err(e) => {
                assert!(
                    matches!(e.kind, ErrorKind::Encode | ErrorKind::UnsupportedCodec),
                    "{mode:?}: unexpected error kind {:?}: {e}",
                    e.kind
                );
                assert!(!e.message.is_empty(), "{mode:?}: an error must say why");
                let must_accept = valid
                    && match mode {
                        Mode::JpegLossless | Mode::JpegLs(0) => true,
                        // OpenJPEG's RCT loses 1-bit colour samples: refused.
                        Mode::J2k { lossless: true } => {
                            !(spp == 3 && opts.color_transform && bits_stored == 1)
                        }
                        Mode::JpegLs(near) => {
                            photometric != "PALETTE COLOR"
                                && !signed
                                && near <= ((1u32 << bits_stored.max(2)) - 1).min(510) / 2
                        }
                        Mode::J2k { lossless: false } => {
                            photometric != "PALETTE COLOR"
                                && opts.compression_ratio.is_none_or(|r| r >= 1.0)
                        }
                        Mode::Baseline => {
                            bits_allocated == 8
                                && bits_stored == 8
                                && !signed
                                && (1..=100).contains(&opts.quality)
                                && photometric != "PALETTE COLOR"
                        }
                    };
                assert!(!must_accept, "{mode:?} refused a valid frame: {e}");
                continue;
            }
        };
        made += 1;
        assert!(
            valid,
            "{mode:?} encoded a frame it must refuse: {rows}x{columns}x{spp} BA {bits_allocated} \
             BS {bits_stored} signed {signed}"
        );
        let (codec, decoded_photometric) = match mode {
            Mode::Baseline => (
                Codec::Jpeg,
                match (spp, photometric, opts.color_transform) {
                    (1, p, _) => p,
                    (_, _, true) => "YBR_FULL_422",
                    (_, p, false) => p,
                },
            ),
            Mode::JpegLossless => (Codec::Jpeg, photometric),
            Mode::JpegLs(_) => (Codec::JpegLs, photometric),
            Mode::J2k { lossless } => (
                Codec::Jpeg2000,
                match (spp, opts.color_transform, lossless) {
                    (3, true, true) => "YBR_RCT",
                    (3, true, false) => "YBR_ICT",
                    _ => photometric,
                },
            ),
        };
        let info = FrameInfo {
            rows,
            columns,
            samples_per_pixel: spp,
            bits_allocated,
            bits_stored,
            pixel_representation: u32::from(signed),
            planar_configuration: 0,
            photometric_interpretation: decoded_photometric.to_string(),
            as_rgb: false,
        };
        let mut out = vec![0u8; info.frame_len()];
        if let Err(e) = decode_frame_unguarded(codec, &encoded, &info, &mut out) {
            panic!("{mode:?}: our decoder fails on the codestream: {e}");
        }
        let decoded: Vec<i64> = out
            .chunks_exact(bytes)
            .map(|s| {
                let word = s
                    .iter()
                    .enumerate()
                    .fold(0i64, |acc, (k, &b)| acc | (i64::from(b) << (8 * k)));
                let bits = if codec == Codec::Jpeg {
                    // pydicom's correction after JPEG: the unused high bits.
                    bits_stored
                } else {
                    8 * bytes as u32
                };
                let v = word & ((1i64 << bits) - 1);
                if signed && v >> (bits - 1) != 0 {
                    v - (1i64 << bits)
                } else {
                    v
                }
            })
            .collect();
        let tolerance = match mode {
            Mode::JpegLossless | Mode::J2k { lossless: true } => Some(0),
            Mode::JpegLs(near) => Some(i64::from(near)),
            _ => None,
        };
        if let Some(t) = tolerance {
            let worst = values
                .iter()
                .zip(&decoded)
                .map(|(a, b)| (a - b).abs())
                .max()
                .unwrap_or(0);
            assert!(
                worst <= t,
                "{mode:?}: decoded samples differ by {worst} (allowed {t}) for {rows}x{columns}x{spp} \
                 BA {bits_allocated} BS {bits_stored} signed {signed}"
            );
        }
    }
    made
}
