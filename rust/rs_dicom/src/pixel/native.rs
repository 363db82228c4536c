//! Native (uncompressed) pixel data → samples in native byte order, the way pydicom 3's
//! `pixel_array` produces them: unused high bits corrected (masked or sign-extended),
//! big endian swapped, 1-bit data unpacked, YBR_FULL_422 expanded, YBR converted to RGB.

use std::ops::Range;

use super::PixelDescription;
use crate::core::{Dataset, Element, ElementValue, Tag, VR};
use crate::parser::{DicomError, ErrorKind, Result};

/// The numpy-compatible sample type of decoded pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// uint8
    U8,
    /// int8
    I8,
    /// uint16
    U16,
    /// int16
    I16,
    /// uint32
    U32,
    /// int32
    I32,
    /// uint64
    U64,
    /// int64
    I64,
    /// float32
    F32,
    /// float64
    F64,
}

impl Sample {
    /// Bytes per sample.
    pub const fn size(self) -> usize {
        match self {
            Sample::U8 | Sample::I8 => 1,
            Sample::U16 | Sample::I16 => 2,
            Sample::U32 | Sample::I32 | Sample::F32 => 4,
            Sample::U64 | Sample::I64 | Sample::F64 => 8,
        }
    }

    /// The numpy dtype name.
    pub const fn numpy(self) -> &'static str {
        match self {
            Sample::U8 => "uint8",
            Sample::I8 => "int8",
            Sample::U16 => "uint16",
            Sample::I16 => "int16",
            Sample::U32 => "uint32",
            Sample::I32 => "int32",
            Sample::U64 => "uint64",
            Sample::I64 => "int64",
            Sample::F32 => "float32",
            Sample::F64 => "float64",
        }
    }

    /// The sample type pydicom uses for a pixel description.
    pub fn for_description(d: &PixelDescription) -> Result<Sample> {
        let signed = d.pixel_representation == 1;
        Ok(match (d.tag, d.bits_allocated, signed) {
            (Tag::FLOAT_PIXEL_DATA, _, _) => Sample::F32,
            (Tag::DOUBLE_FLOAT_PIXEL_DATA, _, _) => Sample::F64,
            (_, 1, _) => Sample::U8,
            (_, 8, false) => Sample::U8,
            (_, 8, true) => Sample::I8,
            (_, 16, false) => Sample::U16,
            (_, 16, true) => Sample::I16,
            (_, 32, false) => Sample::U32,
            (_, 32, true) => Sample::I32,
            (_, 64, false) => Sample::U64,
            (_, 64, true) => Sample::I64,
            (_, b, _) => {
                return Err(DicomError::new(
                    ErrorKind::UnsupportedCodec,
                    None,
                    "(0028,0100)",
                    format!("Bits Allocated {b} is not supported (1 or a multiple of 8 up to 64)"),
                ));
            }
        })
    }
}

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

/// Shape of `frames` frames as pydicom gives it (frames dimension only when more than one
/// frame is in the file and a whole array is asked for).
pub fn shape(d: &PixelDescription, frames: usize, whole: bool) -> Vec<usize> {
    let mut s = Vec::with_capacity(4);
    if whole && d.number_of_frames > 1 {
        s.push(frames);
    }
    s.push(d.rows as usize);
    s.push(d.columns as usize);
    if d.samples_per_pixel > 1 {
        s.push(d.samples_per_pixel as usize);
    }
    s
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
        let ElementValue::Bytes { start, len } = elem.value else {
            return Err(bad(
                "pixel data is encapsulated, not native".into(),
                elem.offset,
            ));
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
    pub fn decode(&self, src: &[u8], frames: Range<usize>, as_rgb: bool) -> Result<Vec<u8>> {
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
        if as_rgb
            && (self.desc.photometric_interpretation == "YBR_FULL" || self.ybr_422)
            && self.sample == Sample::U8
            && self.desc.samples_per_pixel == 3
        {
            ybr_full_to_rgb(&mut out);
        }
        Ok(out)
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

macro_rules! per_sample {
    ($data:expr, $sample:expr, |$t:ident, $arr:ident| $body:expr) => {
        match $sample {
            Sample::U8 => {
                type $t = u8;
                let $arr = $data;
                $body
            }
            Sample::I8 => {
                type $t = i8;
                let $arr = $data;
                $body
            }
            Sample::U16 => {
                type $t = u16;
                let $arr = $data;
                $body
            }
            Sample::I16 => {
                type $t = i16;
                let $arr = $data;
                $body
            }
            Sample::U32 => {
                type $t = u32;
                let $arr = $data;
                $body
            }
            Sample::I32 => {
                type $t = i32;
                let $arr = $data;
                $body
            }
            Sample::U64 => {
                type $t = u64;
                let $arr = $data;
                $body
            }
            Sample::I64 => {
                type $t = i64;
                let $arr = $data;
                $body
            }
            Sample::F32 | Sample::F64 => {}
        }
    };
}

/// `v << shift >> shift` with the type's own (logical or arithmetic) shift: what pydicom does.
pub(crate) fn correct_unused_bits(data: &mut [u8], sample: Sample, shift: u32) {
    per_sample!(data, sample, |T, d| {
        const N: usize = std::mem::size_of::<T>();
        for c in d.chunks_exact_mut(N) {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            let v = T::from_ne_bytes(a);
            let v = v.wrapping_shl(shift).wrapping_shr(shift);
            c.copy_from_slice(&v.to_ne_bytes());
        }
    });
}

/// True when shifting away the unused bits would change nothing. Branch-free per block so the
/// compiler vectorises it: unsigned data must have no bit above Bits Stored; signed data must
/// lie in the range Bits Stored can represent.
fn unused_bits_clean(data: &[u8], sample: Sample, shift: u32, big_endian: bool) -> bool {
    let mut clean = true;
    per_sample!(data, sample, |T, d| {
        const N: usize = std::mem::size_of::<T>();
        let read = |c: &[u8]| {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            if big_endian {
                T::from_be_bytes(a)
            } else {
                T::from_le_bytes(a)
            }
        };
        // Values survive `v << shift >> shift` exactly when they lie in [lo, hi].
        let lo = T::MIN.wrapping_shr(shift);
        let hi = T::MAX.wrapping_shr(shift);
        for block in d.chunks(N * 4096) {
            let (mut mn, mut mx) = (T::MAX, T::MIN);
            for c in block.chunks_exact(N) {
                let v = read(c);
                mn = if v < mn { v } else { mn };
                mx = if v > mx { v } else { mx };
            }
            if mn < lo || mx > hi {
                clean = false;
                break;
            }
        }
    });
    clean
}

/// Pixels per block of the YBR → RGB kernel.
const YBR_BLOCK: usize = 64;

/// YBR_FULL → RGB of up to [`YBR_BLOCK`] pixels (`y`, `cb`, `cr` of equal length), written
/// interleaved to `out` (3 bytes per pixel), with pydicom's float32 matrix, rounding
/// (floor(x + 0.5)) and clipping, bit-identical to it.
///
/// The arithmetic runs on whole f32 arrays, which the compiler vectorises: the same
/// single-rounded products and sums in pydicom's order (Rust never contracts to FMA).
#[inline(always)]
fn ybr_block(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    let g_cb = (-0.114f64 * 1.772 / 0.587) as f32;
    let g_cr = (-0.299f64 * 1.402 / 0.587) as f32;
    // floor(x + 0.5) clipped to 0..=255: for x + 0.5 in [0, 256) truncation is the floor.
    let round = |x: f32| -> u8 {
        let v = (x + 0.5).clamp(0.0, 255.0);
        // SAFETY: v is finite (sums of small products of bytes) and in 0..=255, so it is
        // representable as i32; the unchecked cast vectorises where `as` (saturating) does not.
        unsafe { v.to_int_unchecked::<i32>() as u8 }
    };
    let n = y.len().min(cb.len()).min(cr.len()).min(YBR_BLOCK);
    let (mut fy, mut fcb, mut fcr) = ([0f32; YBR_BLOCK], [0f32; YBR_BLOCK], [0f32; YBR_BLOCK]);
    for i in 0..n {
        fy[i] = f32::from(y[i]);
        fcb[i] = f32::from(cb[i]) - 128.0;
        fcr[i] = f32::from(cr[i]) - 128.0;
    }
    // Each pixel packed into a little-endian u32 (R, G, B, 0), so it is stored with one
    // 4-byte write that the next pixel's write then overlaps (3× fewer stores).
    let mut px = [0u32; YBR_BLOCK];
    for i in 0..YBR_BLOCK {
        let r = round(fy[i] + fcr[i] * 1.402f32);
        let g = round(fy[i] + fcb[i] * g_cb + fcr[i] * g_cr);
        let b = round(fy[i] + fcb[i] * 1.772f32);
        px[i] = u32::from(r) | u32::from(g) << 8 | u32::from(b) << 16;
    }
    let out = &mut out[..3 * n];
    let mut i = 0;
    while 3 * i + 4 <= out.len() {
        out[3 * i..3 * i + 4].copy_from_slice(&px[i].to_le_bytes());
        i += 1;
    }
    // The last pixel, whose 4-byte write would run past the end.
    if i < n {
        out[3 * i..3 * i + 3].copy_from_slice(&px[i].to_le_bytes()[..3]);
    }
}

/// YBR_FULL → RGB in place for interleaved 8-bit triplets (pydicom's arithmetic, see
/// [`ybr_block`]).
pub(crate) fn ybr_full_to_rgb(data: &mut [u8]) {
    let (mut y, mut cb, mut cr) = ([0u8; YBR_BLOCK], [0u8; YBR_BLOCK], [0u8; YBR_BLOCK]);
    for chunk in data.chunks_mut(3 * YBR_BLOCK) {
        let n = chunk.len() / 3;
        for (i, px) in chunk.chunks_exact(3).enumerate() {
            y[i] = px[0];
            cb[i] = px[1];
            cr[i] = px[2];
        }
        ybr_block(&y[..n], &cb[..n], &cr[..n], chunk);
    }
}

/// YBR_FULL → RGB of separate Y, Cb and Cr rows (equal lengths) into interleaved RGB `out`
/// (3 bytes per pixel), as [`ybr_full_to_rgb`] would convert them interleaved.
#[cfg_attr(not(feature = "jpeg"), allow(dead_code))]
pub(crate) fn ybr_rows_to_rgb(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    for (((y, cb), cr), out) in y
        .chunks(YBR_BLOCK)
        .zip(cb.chunks(YBR_BLOCK))
        .zip(cr.chunks(YBR_BLOCK))
        .zip(out.chunks_mut(3 * YBR_BLOCK))
    {
        ybr_block(y, cb, cr, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unused_bits_signed_and_unsigned() {
        let mut d: Vec<u8> = [0xF7FFu16, 0x0FFF, 0x0800]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        correct_unused_bits(&mut d, Sample::U16, 4);
        let v: Vec<u16> = d
            .chunks(2)
            .map(|c| u16::from_ne_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(v, [0x07FF, 0x0FFF, 0x0800]);
        let mut d: Vec<u8> = [0x0800i16, 0x07FF, -1]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        assert!(!unused_bits_clean(
            &d,
            Sample::I16,
            4,
            cfg!(target_endian = "big")
        ));
        correct_unused_bits(&mut d, Sample::I16, 4);
        let v: Vec<i16> = d
            .chunks(2)
            .map(|c| i16::from_ne_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(v, [-2048, 2047, -1]);
        assert!(unused_bits_clean(
            &d,
            Sample::I16,
            4,
            cfg!(target_endian = "big")
        ));
    }

    #[test]
    fn ybr_blocks_equal_the_direct_formula_for_every_input() {
        let g_cb = (-0.114f64 * 1.772 / 0.587) as f32;
        let g_cr = (-0.299f64 * 1.402 / 0.587) as f32;
        let direct = |v: f32| (v + 0.5).floor().clamp(0.0, 255.0) as u8;
        for y in (0..256).step_by(17) {
            let mut px: Vec<u8> = Vec::with_capacity(256 * 256 * 3 + 3);
            for cb in 0..256 {
                for cr in 0..256 {
                    px.extend([y as u8, cb as u8, cr as u8]);
                }
            }
            // One pixel past a whole number of blocks.
            px.extend([y as u8, 3, 250]);
            let orig = px.clone();
            ybr_full_to_rgb(&mut px);
            for (o, n) in orig.chunks_exact(3).zip(px.chunks_exact(3)) {
                let (y, cb, cr) = (o[0] as f32, o[1] as f32 - 128.0, o[2] as f32 - 128.0);
                assert_eq!(n[0], direct(y + cr * 1.402f32));
                assert_eq!(n[1], direct(y + cb * g_cb + cr * g_cr));
                assert_eq!(n[2], direct(y + cb * 1.772f32));
            }
        }
    }

    #[test]
    fn ybr_rows_equal_the_interleaved_conversion() {
        let n = 3 * YBR_BLOCK + 5;
        let y: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
        let cb: Vec<u8> = (0..n).map(|i| (i * 13 + 50) as u8).collect();
        let cr: Vec<u8> = (0..n).map(|i| 255u8.wrapping_sub((i * 3) as u8)).collect();
        let mut interleaved: Vec<u8> = (0..n).flat_map(|i| [y[i], cb[i], cr[i]]).collect();
        ybr_full_to_rgb(&mut interleaved);
        let mut out = vec![0u8; 3 * n];
        ybr_rows_to_rgb(&y, &cb, &cr, &mut out);
        assert_eq!(out, interleaved);
    }

    #[test]
    fn ybr_grey_stays_grey() {
        let mut px = [100u8, 128, 128, 0, 128, 128, 255, 128, 128];
        ybr_full_to_rgb(&mut px);
        assert_eq!(px, [100, 100, 100, 0, 0, 0, 255, 255, 255]);
    }
}
