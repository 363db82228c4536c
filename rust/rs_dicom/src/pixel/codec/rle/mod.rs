//! RLE Lossless (PS3.5 Annex G): a 64-byte header (segment count and 15 little-endian u32
//! offsets) followed by PackBits segments, one per byte of each sample (most significant byte
//! first, sample by sample). Segments decode into byte planes that one pass interleaves into
//! the native-endian output; for 16-bit grey (CT, MR) the low bytes decode straight into the
//! output beside the high bytes. Runs and literals are written in 16-byte blocks (vector
//! stores, natively and in WebAssembly's SIMD), which is what makes the decoder fast on real
//! images: tens of thousands of runs of a few bytes per frame.
//!
//! Tolerance follows pydicom / pylibjpeg-rle: a segment that decodes to more than
//! rows × columns bytes (padding) has the excess ignored, and trailing bytes after the segment
//! is complete are ignored; a segment that decodes to fewer bytes is an error.

pub mod encode;

use super::{ColorOut, FrameInfo};
use crate::core::ByteOrder;
use crate::error::{DicomError, Result};

/// Size of the RLE header.
const HEADER_LEN: usize = 64;
/// Most segments an RLE header can describe.
const MAX_SEGMENTS: usize = 15;

/// Parses the header: the segment start offsets, validated against `src` (at least the
/// header size, strictly increasing, each segment non-empty and inside `src`).
fn parse_header(src: &[u8], expected: usize) -> Result<([usize; MAX_SEGMENTS], usize)> {
    if src.len() < HEADER_LEN {
        return Err(DicomError::bad_codestream(format!(
            "the frame has {} bytes, too short for the 64-byte RLE header",
            src.len()
        )));
    }
    let count = ByteOrder::Little.read::<u32>(src, 0).unwrap_or(0) as usize;
    if count > MAX_SEGMENTS {
        return Err(DicomError::bad_codestream(format!(
            "the RLE header gives {count} segments (at most 15)"
        )));
    }
    if count != expected {
        return Err(DicomError::bad_codestream(format!(
            "the RLE header gives {count} segments but the image needs {expected} \
             (samples per pixel × bytes per sample)"
        )));
    }
    let mut offsets = [0usize; MAX_SEGMENTS];
    let mut prev: Option<usize> = None;
    for (i, slot) in offsets.iter_mut().enumerate().take(count) {
        let off = ByteOrder::Little.read::<u32>(src, 4 + 4 * i).unwrap_or(0) as usize;
        if off < HEADER_LEN {
            return Err(DicomError::bad_codestream(format!(
                "RLE segment {i} offset {off} points into the header"
            )));
        }
        if prev.is_some_and(|p| off <= p) {
            return Err(DicomError::bad_codestream(format!(
                "RLE segment {i} offset {off} is not after the previous segment's"
            )));
        }
        if off >= src.len() {
            return Err(DicomError::bad_codestream(format!(
                "RLE segment {i} offset {off} is past the end of the {}-byte frame",
                src.len()
            )));
        }
        *slot = off;
        prev = Some(off);
    }
    Ok((offsets, count))
}

/// Width of the block copies and fills of [`decode_segment`].
const BLOCK: usize = 16;

/// Decodes the PackBits segment `seg` into the first `count` bytes of `out`. Returns the
/// number of bytes decoded when the segment ends early.
///
/// Bytes of `out` past `count` may be overwritten (with bytes of the segment or of a run):
/// runs and literals are written in whole 16-byte blocks where `seg` and `out` have room for
/// them, which later output overwrites. Block copies of a constant size become single vector
/// loads and stores, where a `memcpy`/`memset` of a few dozen bytes per run is a call (in
/// WebAssembly, `memory.copy`/`memory.fill` go through the engine's runtime).
fn decode_segment(seg: &[u8], out: &mut [u8], count: usize) -> std::result::Result<(), usize> {
    let (mut pos, mut done) = decode_segment_bulk(seg, out, count);
    while done < count {
        let Some(&h) = seg.get(pos) else {
            return Err(done);
        };
        pos += 1;
        let remaining = count - done;
        let Some(dst) = out.get_mut(done..) else {
            return Err(done);
        };
        if h < 128 {
            // Literal run of h + 1 bytes (truncated to what the segment holds).
            let n = usize::from(h) + 1;
            let take = n.min(remaining);
            let wide = take.div_ceil(BLOCK) * BLOCK;
            if pos + n <= seg.len()
                && let (Some(s), Some(d)) = (seg.get(pos..pos + wide), dst.get_mut(..wide))
            {
                let (s, _) = s.as_chunks::<BLOCK>();
                let (d, _) = d.as_chunks_mut::<BLOCK>();
                for (d, s) in d.iter_mut().zip(s) {
                    *d = *s;
                }
                pos += n;
                done += take;
                continue;
            }
            let end = seg.len().min(pos + n);
            let lit = &seg[pos..end];
            pos = end;
            let take = lit.len().min(remaining);
            match dst.get_mut(..take) {
                Some(d) => d.copy_from_slice(&lit[..take]),
                None => return Err(done),
            }
            done += take;
        } else if h > 128 {
            // Replicate the next byte 257 - h times.
            let n = 257 - usize::from(h);
            let Some(&v) = seg.get(pos) else {
                return Err(done);
            };
            pos += 1;
            let take = n.min(remaining);
            let wide = take.div_ceil(BLOCK) * BLOCK;
            if let Some(d) = dst.get_mut(..wide) {
                let (d, _) = d.as_chunks_mut::<BLOCK>();
                d.fill([v; BLOCK]);
            } else {
                match dst.get_mut(..take) {
                    Some(d) => d.fill(v),
                    None => return Err(done),
                }
            }
            done += take;
        }
        // h == 128 is a no-op.
    }
    Ok(())
}

/// The bulk of [`decode_segment`]: runs while a whole run (the header byte and up to 128
/// bytes, read as 129) fits in what is left of `seg` and 128 bytes of output fit before
/// `count` (so nothing is truncated and every block write lands inside `out`). Returns where
/// it stopped in `seg` and `out`; the careful loop does the rest.
///
/// Real segments are mostly short runs (the high bytes of a CT: runs and literals of 1-10
/// bytes, tens of thousands per frame), so the cost per run is what counts: two bounds
/// checks, then one 16-byte block for runs of up to 16 bytes.
fn decode_segment_bulk(seg: &[u8], out: &mut [u8], count: usize) -> (usize, usize) {
    let (mut pos, mut done) = (0usize, 0usize);
    let end = count.min(out.len());
    while done + 128 <= end {
        let (Some(s), Some(d)) = (seg.get(pos..pos + 129), out.get_mut(done..done + 128)) else {
            break;
        };
        let (Ok(s), Ok(d)) = (<&[u8; 129]>::try_from(s), <&mut [u8; 128]>::try_from(d)) else {
            break;
        };
        let h = s[0];
        let (d, _) = d.as_chunks_mut::<BLOCK>();
        if h < 128 {
            let n = usize::from(h) + 1;
            let (s, _) = s[1..].as_chunks::<BLOCK>();
            d[0] = s[0];
            if n > BLOCK {
                for (d, s) in d.iter_mut().zip(s).take(n.div_ceil(BLOCK)).skip(1) {
                    *d = *s;
                }
            }
            pos += 1 + n;
            done += n;
        } else if h > 128 {
            let n = 257 - usize::from(h);
            let block = [s[1]; BLOCK];
            d[0] = block;
            if n > BLOCK {
                for d in d.iter_mut().take(n.div_ceil(BLOCK)).skip(1) {
                    *d = block;
                }
            }
            pos += 2;
            done += n;
        } else {
            pos += 1;
        }
    }
    (pos, done)
}

/// Decodes the segment of the low bytes of 16-bit samples (`seg`) straight into `out`
/// (`2 × count` bytes, little endian), each beside its high byte from `hi` (`count` bytes,
/// decoded before): one pass instead of a plane of low bytes and an interleaving pass over
/// both. Returns the number of low bytes decoded when the segment ends early.
fn decode_low_bytes(
    seg: &[u8],
    hi: &[u8],
    out: &mut [u8],
    count: usize,
) -> std::result::Result<(), usize> {
    let (mut pos, mut done) = (0usize, 0usize);
    // As decode_segment_bulk: a whole run fits in `seg`, 128 samples fit before `count`.
    while done + 128 <= count {
        let (Some(s), Some(h), Some(d)) = (
            seg.get(pos..pos + 129),
            hi.get(done..done + 128),
            out.get_mut(2 * done..2 * done + 256),
        ) else {
            break;
        };
        let (Ok(s), Ok(h), Ok(d)) = (
            <&[u8; 129]>::try_from(s),
            <&[u8; 128]>::try_from(h),
            <&mut [u8; 256]>::try_from(d),
        ) else {
            break;
        };
        let (h, _) = h.as_chunks::<BLOCK>();
        let (d, _) = d.as_chunks_mut::<{ 2 * BLOCK }>();
        let head = s[0];
        if head < 128 {
            let n = usize::from(head) + 1;
            let (s, _) = s[1..].as_chunks::<BLOCK>();
            for ((d, s), h) in d.iter_mut().zip(s).zip(h).take(n.div_ceil(BLOCK)) {
                *d = zip16(s, h);
            }
            pos += 1 + n;
            done += n;
        } else if head > 128 {
            let n = 257 - usize::from(head);
            let lo = [s[1]; BLOCK];
            for (d, h) in d.iter_mut().zip(h).take(n.div_ceil(BLOCK)) {
                *d = zip16(&lo, h);
            }
            pos += 2;
            done += n;
        } else {
            pos += 1;
        }
    }
    // The rest (at most 128 samples, or the few runs left in the segment) through a plane.
    let left = count - done;
    let mut lo = vec![0u8; left + BLOCK];
    let tail =
        decode_segment(seg.get(pos..).unwrap_or_default(), &mut lo, left).map_err(|got| done + got);
    let (Some(out), Some(hi)) = (out.get_mut(2 * done..2 * count), hi.get(done..count)) else {
        return Err(done);
    };
    for ((d, &h), &l) in out.chunks_exact_mut(2).zip(hi).zip(&lo) {
        d.copy_from_slice(&[l, h]);
    }
    tail
}

/// Sixteen low bytes and sixteen high bytes as sixteen little-endian u16.
#[inline(always)]
fn zip16(lo: &[u8; BLOCK], hi: &[u8; BLOCK]) -> [u8; 2 * BLOCK] {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[allow(unsafe_code)]
    // SAFETY: 16-byte loads from `[u8; 16]`s and two 16-byte stores into a `[u8; 32]` (wasm
    // loads and stores need no alignment).
    unsafe {
        // Stated, not left to the autovectoriser: for wasm32 the portable loop below made
        // the whole 512×512 CT frame twice as slow in Node (it vectorises natively).
        use core::arch::wasm32::{u8x16_shuffle, v128, v128_load, v128_store};
        let l = v128_load(lo.as_ptr().cast::<v128>());
        let h = v128_load(hi.as_ptr().cast::<v128>());
        let a = u8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(l, h);
        let b = u8x16_shuffle::<8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31>(l, h);
        let mut out = [0u8; 2 * BLOCK];
        v128_store(out.as_mut_ptr().cast::<v128>(), a);
        v128_store(out.as_mut_ptr().add(BLOCK).cast::<v128>(), b);
        out
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        let mut out = [0u8; 2 * BLOCK];
        let (pairs, _) = out.as_chunks_mut::<2>();
        for ((p, &l), &h) in pairs.iter_mut().zip(lo).zip(hi) {
            *p = [l, h];
        }
        out
    }
}

/// Decodes one RLE Lossless frame into `out` (see [`super::decode_frame`]).
pub fn decode(src: &[u8], info: &FrameInfo, out: &mut [u8]) -> Result<ColorOut> {
    let bits = info.bits_allocated;
    if !matches!(bits, 8 | 16 | 32 | 64) {
        return Err(DicomError::unsupported_codec(format!(
            "RLE Lossless with Bits Allocated {bits} is not supported (8, 16, 32 or 64)"
        )));
    }
    let bps = (bits / 8) as usize;
    let spp = info.samples_per_pixel as usize;
    if spp == 0 {
        return Err(DicomError::bad_codestream("Samples per Pixel is 0"));
    }
    let expected = spp
        .checked_mul(bps)
        .filter(|&n| n <= MAX_SEGMENTS)
        .ok_or_else(|| {
            DicomError::unsupported_codec(format!(
                "RLE Lossless with {spp} samples of {bits} bits needs more than 15 segments"
            ))
        })?;
    let pixels = (info.rows as usize)
        .checked_mul(info.columns as usize)
        .ok_or_else(|| DicomError::bad_codestream("image too large"))?;
    let need = pixels
        .checked_mul(expected)
        .ok_or_else(|| DicomError::bad_codestream("image too large"))?;
    if out.len() < need {
        return Err(DicomError::bad_codestream(format!(
            "output buffer of {} bytes is smaller than the {need}-byte frame",
            out.len()
        )));
    }
    let (offsets, count) = parse_header(src, expected)?;
    if pixels == 0 {
        return Ok(ColorOut::AsDataset);
    }
    let stride = expected;
    let segment = |i: usize| {
        let start = offsets[i];
        let end = if i + 1 < count {
            offsets[i + 1]
        } else {
            src.len()
        };
        src.get(start..end).unwrap_or(&[])
    };
    let short = |i: usize, got: usize| {
        DicomError::bad_codestream(format!(
            "RLE segment {i} decodes to {got} bytes but {pixels} are needed"
        ))
    };
    let out = out
        .get_mut(..need)
        .ok_or_else(|| DicomError::bad_codestream("output buffer too small"))?;
    // One byte per pixel: the single segment is the frame.
    if stride == 1 {
        decode_segment(segment(0), out, pixels).map_err(|got| short(0, got))?;
        return Ok(ColorOut::AsDataset);
    }
    // 16-bit grey, the common case: the high bytes into a plane, then the low bytes beside
    // them straight into the output.
    if (spp, bps) == (1, 2) && cfg!(target_endian = "little") {
        let mut hi = vec![0u8; pixels + BLOCK];
        decode_segment(segment(0), &mut hi, pixels).map_err(|got| short(0, got))?;
        let hi = hi.get(..pixels).unwrap_or_default();
        decode_low_bytes(segment(1), hi, out, pixels).map_err(|got| short(1, got))?;
        return Ok(ColorOut::AsDataset);
    }
    // Otherwise the segments decode into planes, then one pass interleaves them; the two
    // common layouts have loops that vectorise. Each plane is decoded into the rest of the
    // buffer: the block writes of a plane's last run may spill into the next plane (decoded
    // later) or the spare block at the end.
    let mut planes = vec![0u8; count * pixels + BLOCK];
    for i in 0..count {
        let rest = planes.get_mut(i * pixels..).unwrap_or_default();
        decode_segment(segment(i), rest, pixels).map_err(|got| short(i, got))?;
    }
    let plane = |i: usize| &planes[i * pixels..(i + 1) * pixels];
    match (spp, bps) {
        (1, 2) => {
            for ((d, &h), &l) in out.chunks_exact_mut(2).zip(plane(0)).zip(plane(1)) {
                d.copy_from_slice(&u16::from_be_bytes([h, l]).to_ne_bytes());
            }
        }
        (3, 1) => {
            for (((d, &r), &g), &b) in out
                .chunks_exact_mut(3)
                .zip(plane(0))
                .zip(plane(1))
                .zip(plane(2))
            {
                d.copy_from_slice(&[r, g, b]);
            }
        }
        _ => {
            for i in 0..count {
                let (sample, byte) = (i / bps, i % bps);
                // Segment `byte` 0 is the most significant byte of the sample.
                let in_sample = if cfg!(target_endian = "little") {
                    bps - 1 - byte
                } else {
                    byte
                };
                let first = sample * bps + in_sample;
                for (d, &v) in out[first..].iter_mut().step_by(stride).zip(plane(i)) {
                    *d = v;
                }
            }
        }
    }
    Ok(ColorOut::AsDataset)
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
