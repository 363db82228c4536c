//! Native (uncompressed) pixel data → samples in native byte order, the way pydicom 3's
//! `pixel_array` produces them: unused high bits corrected (masked or sign-extended),
//! big endian swapped, 1-bit data unpacked, YBR_FULL_422 expanded, YBR converted to RGB.

use std::ops::Range;

use super::PixelDescription;
use super::color::ybr_full_to_rgb;
use super::sample::{Sample, correct_unused_bits, unused_bits_clean};
use crate::core::{Dataset, Element, ElementValue, Tag, VR};
use crate::error::{DicomError, ErrorKind, Result};

/// How native pixel data is laid out and what it takes to turn it into pydicom's array.
#[derive(Debug, Clone)]
pub struct NativeLayout {
    /// The image attributes.
    pub desc: PixelDescription,
    /// Output sample type.
    pub sample: Sample,
    /// Byte offset of the pixel data value in the source.
    pub start: usize,
    /// Length of the pixel data value.
    pub len: usize,
    /// Values are big endian.
    pub big_endian: bool,
    /// 8-bit data encoded as OW in big endian: bytes are swapped pairwise.
    pub swapped_ow: bool,
    /// Photometric interpretation is YBR_FULL_422 (2 samples' worth of bytes per pixel).
    pub ybr_422: bool,
    /// Bits to shift away (Bits Allocated - Bits Stored) for integer Pixel Data.
    pub unused_bits: u32,
}

fn bad(msg: String, offset: usize) -> DicomError {
    DicomError::new(
        ErrorKind::Malformed,
        Some(offset as u64),
        "(7FE0,0010)",
        msg,
    )
}

impl NativeLayout {
    /// The layout of a dataset's native pixel data element.
    pub fn new(ds: &Dataset, elem: &Element, desc: PixelDescription) -> Result<NativeLayout> {
        // A span of the source, or bytes the element owns (then offsets are into those).
        let (start, len) = match &elem.value {
            ElementValue::Bytes { start, len } => (*start, *len),
            ElementValue::Owned(b) => (0, b.len()),
            _ => {
                return Err(bad(
                    "pixel data is encapsulated, not native".into(),
                    elem.offset,
                ));
            }
        };
        let sample = Sample::for_description(&desc)?;
        let is_int = desc.tag == Tag::PIXEL_DATA;
        let unused_bits =
            if is_int && desc.bits_allocated > desc.bits_stored && desc.bits_allocated > 1 {
                desc.bits_allocated - desc.bits_stored.max(1)
            } else {
                0
            };
        let layout = NativeLayout {
            sample,
            start,
            len,
            big_endian: ds.big_endian(),
            swapped_ow: ds.big_endian() && elem.vr == VR::OW && desc.bits_allocated == 8,
            ybr_422: desc.photometric_interpretation == "YBR_FULL_422",
            unused_bits,
            desc,
        };
        let need = layout
            .frame_bytes_exact_bits()
            .saturating_mul(layout.frames() as u128);
        let need_bytes = need.div_ceil(8);
        if (len as u128) < need_bytes {
            return Err(bad(
                format!(
                    "the pixel data has {len} bytes but {} frame(s) of {}x{}x{} at {} bits \
                     need {need_bytes}",
                    layout.frames(),
                    layout.desc.rows,
                    layout.desc.columns,
                    layout.desc.samples_per_pixel,
                    layout.desc.bits_allocated
                ),
                elem.offset,
            ));
        }
        Ok(layout)
    }

    /// Number of frames.
    pub fn frames(&self) -> usize {
        self.desc.number_of_frames.max(1) as usize
    }

    /// Pixels (samples of one plane) in one frame.
    pub fn pixels(&self) -> usize {
        self.desc.rows as usize * self.desc.columns as usize
    }

    /// Samples in one decoded frame.
    pub fn frame_samples(&self) -> usize {
        self.pixels() * self.desc.samples_per_pixel as usize
    }

    /// Bits of one encoded frame.
    fn frame_bytes_exact_bits(&self) -> u128 {
        let samples = if self.ybr_422 {
            // Two luminance and two chroma samples for every two pixels.
            self.pixels() as u128 * 2
        } else {
            self.frame_samples() as u128
        };
        samples * self.desc.bits_allocated as u128
    }

    /// True when the output keeps the file's big-endian byte order (pydicom returns `>i2`
    /// style dtypes for big-endian files).
    pub fn out_big_endian(&self) -> bool {
        self.big_endian && self.sample.size() > 1
    }

    /// Byte range of encoded frame `i` within the pixel data value (1-bit frames may share
    /// a byte with their neighbours).
    pub fn frame_range(&self, i: usize) -> Range<usize> {
        let bits = self.frame_bytes_exact_bits() as usize;
        (bits * i / 8)..(bits * (i + 1)).div_ceil(8)
    }

    /// True when the encoded frames can be handed out as they are (a view): little endian (or
    /// 8-bit), whole bytes, no YBR, and (checked by scanning) unused bits already correct.
    pub fn viewable(&self, src: &[u8], frames: Range<usize>, as_rgb: bool) -> bool {
        if self.desc.bits_allocated == 1 || self.swapped_ow || self.ybr_422 {
            return false;
        }
        if as_rgb && self.desc.photometric_interpretation == "YBR_FULL" {
            return false;
        }
        if self.unused_bits == 0 {
            return true;
        }
        let r = self.bytes_of(frames);
        let Some(data) = src.get(self.start + r.start..self.start + r.end) else {
            return false;
        };
        unused_bits_clean(data, self.sample, self.unused_bits, self.out_big_endian())
    }

    /// Byte range (within the value) of a run of frames.
    pub fn bytes_of(&self, frames: Range<usize>) -> Range<usize> {
        let a = self.frame_range(frames.start);
        let b = self.frame_range(frames.end.saturating_sub(1).max(frames.start));
        a.start..b.end
    }

    /// Decodes frames into samples laid out as pydicom's array (planar configuration 0,
    /// YBR_FULL_422 expanded, YBR converted to RGB when `as_rgb`), in native byte order, or
    /// big endian when [`NativeLayout::out_big_endian`].
    ///
    /// Returns the bytes and the photometric interpretation of the output.
    pub fn decode(
        &self,
        src: &[u8],
        frames: Range<usize>,
        as_rgb: bool,
    ) -> Result<(Vec<u8>, String)> {
        let n = frames.len();
        let size = self.sample.size();
        let frame_out = self.frame_samples() * size;
        let total = frame_out
            .checked_mul(n)
            .ok_or_else(|| bad("image too large".into(), 0))?;
        let mut out = vec![0u8; total];
        let value = src
            .get(self.start..self.start + self.len)
            .ok_or_else(|| bad("pixel data outside the source".into(), self.start))?;
        let swapped;
        let value: &[u8] = if self.swapped_ow {
            swapped = swap_pairs(value);
            &swapped
        } else {
            value
        };
        for (k, i) in frames.clone().enumerate() {
            let dst = &mut out[k * frame_out..(k + 1) * frame_out];
            self.decode_frame(value, i, dst)?;
        }
        let mut photometric = self.desc.photometric_interpretation.clone();
        if self.ybr_422 {
            photometric = "YBR_FULL".into();
        }
        if as_rgb
            && photometric == "YBR_FULL"
            && self.sample == Sample::U8
            && self.desc.samples_per_pixel == 3
        {
            ybr_full_to_rgb(&mut out);
            photometric = "RGB".into();
        }
        Ok((out, photometric))
    }

    /// Byte strides of a view of the stored frames with the array shape `shape`: plane by
    /// plane (Planar Configuration 1) data is viewed transposed, as pydicom reshapes it.
    pub fn view_strides(&self, shape: &[usize]) -> Vec<usize> {
        let size = self.sample.size();
        let spp = self.desc.samples_per_pixel as usize;
        if spp <= 1 || self.desc.planar_configuration != 1 {
            return super::sample::c_strides(shape, size);
        }
        let cols = self.desc.columns as usize;
        let plane = self.pixels() * size;
        let mut strides = vec![cols * size, size, plane];
        if shape.len() == 4 {
            strides.insert(0, plane * spp);
        }
        strides
    }

    fn decode_frame(&self, value: &[u8], i: usize, dst: &mut [u8]) -> Result<()> {
        let r = self.frame_range(i);
        let enc = value.get(r.clone()).ok_or_else(|| {
            bad(
                format!("frame {i} is beyond the pixel data"),
                self.start + r.start,
            )
        })?;
        let size = self.sample.size();
        if self.desc.bits_allocated == 1 {
            let first_bit = (self.frame_bytes_exact_bits() as usize * i) % 8;
            for (p, d) in dst.iter_mut().enumerate() {
                let bit = first_bit + p;
                *d = (enc[bit / 8] >> (bit % 8)) & 1;
            }
            return Ok(());
        }
        if self.ybr_422 {
            // Y1 Y2 Cb Cr → Y1 Cb Cr Y2 Cb Cr (8-bit samples in practice; generic size).
            for (q, quad) in enc.chunks_exact(4 * size).enumerate() {
                let o = &mut dst[q * 6 * size..(q + 1) * 6 * size];
                let s = |k: usize| &quad[k * size..(k + 1) * size];
                o[0..size].copy_from_slice(s(0));
                o[size..2 * size].copy_from_slice(s(2));
                o[2 * size..3 * size].copy_from_slice(s(3));
                o[3 * size..4 * size].copy_from_slice(s(1));
                o[4 * size..5 * size].copy_from_slice(s(2));
                o[5 * size..6 * size].copy_from_slice(s(3));
            }
        } else if self.desc.samples_per_pixel > 1 && self.desc.planar_configuration == 1 {
            let spp = self.desc.samples_per_pixel as usize;
            let plane = self.pixels() * size;
            for s in 0..spp {
                for p in 0..self.pixels() {
                    let from = s * plane + p * size;
                    let to = (p * spp + s) * size;
                    dst[to..to + size].copy_from_slice(&enc[from..from + size]);
                }
            }
        } else {
            dst.copy_from_slice(&enc[..dst.len()]);
        }
        let swap = (self.big_endian == cfg!(target_endian = "little")) && size > 1;
        if self.unused_bits > 0 {
            if swap {
                dst.chunks_exact_mut(size).for_each(<[u8]>::reverse);
            }
            correct_unused_bits(dst, self.sample, self.unused_bits);
            if swap {
                dst.chunks_exact_mut(size).for_each(<[u8]>::reverse);
            }
        }
        Ok(())
    }
}

fn swap_pairs(b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    for c in v.chunks_exact_mut(2) {
        c.swap(0, 1);
    }
    v
}
