//! Test support for the frame encoders: seeded random images of every geometry, bit depth,
//! signedness and sample count, decoding through rs_dicom's own decoders with pydicom's
//! corrections, and the error measures (exact, largest difference, PSNR).

// Without the C codecs (features `jpeg`, `jpegls`, `j2k`) nothing uses these.
#![cfg_attr(
    not(all(feature = "jpeg", feature = "jpegls", feature = "j2k")),
    allow(dead_code)
)]

use super::{Codec, ColorOut, FrameInfo, decode_frame};
use crate::pixel::encode::FrameImage;

pub(crate) use crate::pixel::test_rng::Rng;

/// A random test image that owns its samples.
#[derive(Debug, Clone)]
pub(crate) struct Image {
    pub(crate) rows: u32,
    pub(crate) columns: u32,
    pub(crate) spp: u32,
    pub(crate) bits_allocated: u32,
    pub(crate) bits_stored: u32,
    pub(crate) signed: bool,
    pub(crate) photometric: &'static str,
    /// The values, one per sample, interleaved.
    pub(crate) values: Vec<i32>,
    /// The little-endian frame bytes.
    pub(crate) data: Vec<u8>,
}

impl Image {
    /// A random image: `noise` 0 is a smooth gradient with a little texture (what a scanner
    /// gives), 100 is uniform noise over the whole range.
    pub(crate) fn random(
        rng: &mut Rng,
        (rows, columns, spp): (u32, u32, u32),
        (bits_allocated, bits_stored, signed): (u32, u32, bool),
        noise: u32,
    ) -> Image {
        let (lo, hi) = if signed {
            (
                -(1i64 << (bits_stored - 1)),
                (1i64 << (bits_stored - 1)) - 1,
            )
        } else {
            (0, (1i64 << bits_stored) - 1)
        };
        let span = (hi - lo) as f64;
        let (fx, fy) = (
            rng.range(1, 8) as f64 / f64::from(columns.max(1)),
            rng.range(1, 8) as f64 / f64::from(rows.max(1)),
        );
        let amp = (span * f64::from(noise) / 100.0).max(1.0) as i64;
        let mut values = Vec::with_capacity((rows * columns * spp) as usize);
        for r in 0..rows {
            for c in 0..columns {
                for s in 0..spp {
                    let phase = f64::from(s) * 1.3;
                    let smooth = 0.5
                        + 0.45
                            * ((f64::from(c) * fx * std::f64::consts::TAU + phase).sin()
                                * (f64::from(r) * fy * std::f64::consts::TAU).cos());
                    let base = lo as f64 + smooth * span;
                    let v = base as i64 + rng.range(-amp, amp);
                    values.push(v.clamp(lo, hi) as i32);
                }
            }
        }
        let mut img = Image {
            rows,
            columns,
            spp,
            bits_allocated,
            bits_stored,
            signed,
            photometric: if spp == 3 { "RGB" } else { "MONOCHROME2" },
            values: Vec::new(),
            data: Vec::new(),
        };
        img.set_values(values);
        img
    }

    /// Replaces the values (and the frame bytes).
    pub(crate) fn set_values(&mut self, values: Vec<i32>) {
        let mut data = Vec::with_capacity(values.len() * (self.bits_allocated as usize / 8));
        for &v in &values {
            if self.bits_allocated == 8 {
                data.push(v as u8);
            } else {
                data.extend_from_slice(&(v as u16).to_le_bytes());
            }
        }
        self.values = values;
        self.data = data;
    }

    /// A random geometry (1..=`max_side` rows and columns) and sample format.
    pub(crate) fn any(rng: &mut Rng, max_side: i64, bits: &[u32], noise: u32) -> Image {
        let rows = rng.range(1, max_side) as u32;
        let columns = rng.range(1, max_side) as u32;
        let spp = rng.pick(&[1, 3]);
        let bits_stored = rng.pick(bits);
        let bits_allocated = if bits_stored <= 8 && rng.range(0, 3) > 0 {
            8
        } else {
            16
        };
        let signed = rng.range(0, 1) == 1;
        Image::random(
            rng,
            (rows, columns, spp),
            (bits_allocated, bits_stored, signed),
            noise,
        )
    }

    /// The `case`-th image of a lossless test: 8, 12 and 16 bits and odd precisions in
    /// turn, every fifth pure noise, the first eight up to 300 × 300.
    pub(crate) fn lossless_case(rng: &mut Rng, case: usize) -> Image {
        let bits: &[u32] = match case % 4 {
            0 => &[8],
            1 => &[12],
            2 => &[16],
            _ => &[1, 2, 3, 5, 7, 9, 10, 11, 13, 14, 15],
        };
        let noise = if case.is_multiple_of(5) { 100 } else { 3 };
        let side = if case < 8 { 300 } else { 64 };
        Image::any(rng, side, bits, noise)
    }

    pub(crate) fn frame(&self) -> FrameImage<'_> {
        FrameImage {
            rows: self.rows,
            columns: self.columns,
            samples_per_pixel: self.spp,
            bits_allocated: self.bits_allocated,
            bits_stored: self.bits_stored,
            signed: self.signed,
            photometric_interpretation: self.photometric,
            data: &self.data,
        }
    }

    /// Decodes `encoded` with rs_dicom's decoder for `codec`, as a dataset with this image's
    /// attributes and Photometric Interpretation `photometric` would be decoded (as RGB), and
    /// returns the values, sign-extended from Bits Stored for signed images as pydicom does.
    pub(crate) fn decode(&self, codec: Codec, encoded: &[u8], photometric: &str) -> Vec<i32> {
        let info = FrameInfo {
            rows: self.rows,
            columns: self.columns,
            samples_per_pixel: self.spp,
            bits_allocated: self.bits_allocated,
            bits_stored: self.bits_stored,
            pixel_representation: u32::from(self.signed),
            planar_configuration: 0,
            photometric_interpretation: photometric.into(),
            as_rgb: true,
        };
        let mut out = vec![0u8; info.frame_len()];
        let color = decode_frame(codec, encoded, &info, &mut out)
            .unwrap_or_else(|e| panic!("{codec:?} decode of {self}: {e}"));
        if info.converts_ybr(color) {
            crate::pixel::color::ybr_full_to_rgb(&mut out);
        }
        let _: ColorOut = color;
        let shift = 32 - self.bits_stored;
        let read = |v: i32| -> i32 {
            if self.signed {
                (v << shift) >> shift
            } else {
                v & ((1i64 << self.bits_stored) - 1) as i32
            }
        };
        if self.bits_allocated == 8 {
            out.iter().map(|&b| read(i32::from(b))).collect()
        } else {
            out.chunks_exact(2)
                .map(|s| read(i32::from(u16::from_ne_bytes([s[0], s[1]]))))
                .collect()
        }
    }

    /// The largest absolute difference between `values` and this image's.
    pub(crate) fn max_error(&self, values: &[i32]) -> i64 {
        assert_eq!(values.len(), self.values.len(), "sample count of {self}");
        self.values
            .iter()
            .zip(values)
            .map(|(&a, &b)| (i64::from(a) - i64::from(b)).abs())
            .max()
            .unwrap_or(0)
    }

    /// The peak signal-to-noise ratio of `values` against this image, in dB (the peak is the
    /// Bits Stored range).
    pub(crate) fn psnr(&self, values: &[i32]) -> f64 {
        let mse = self
            .values
            .iter()
            .zip(values)
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
            .sum::<f64>()
            / self.values.len() as f64;
        let peak = ((1u64 << self.bits_stored) - 1) as f64;
        if mse == 0.0 {
            f64::INFINITY
        } else {
            10.0 * (peak * peak / mse).log10()
        }
    }
}

impl std::fmt::Display for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}x{}x{} BA {} BS {} {}",
            self.rows,
            self.columns,
            self.spp,
            self.bits_allocated,
            self.bits_stored,
            if self.signed { "signed" } else { "unsigned" }
        )
    }
}
