//! RLE Lossless (PS3.5 Annex G): a 64-byte header (segment count and 15 little-endian u32
//! offsets) followed by PackBits segments, one per byte of each sample (most significant byte
//! first, sample by sample). Each segment is decoded straight into the interleaved,
//! native-endian output with a byte stride; nothing is allocated.
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

/// Interleaves the planes of the most and least significant bytes into native-endian u16.
fn interleave_u16(out: &mut [u8], hi: &[u8], lo: &[u8]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let (out, hi, lo) = {
        // LLVM leaves the portable loop below scalar for wasm32 (one byte at a time); two
        // shuffles per 16 pixels interleave them.
        let done = interleave_u16_simd128(out, hi, lo);
        (
            out.get_mut(2 * done..).unwrap_or_default(),
            hi.get(done..).unwrap_or_default(),
            lo.get(done..).unwrap_or_default(),
        )
    };
    for ((d, &h), &l) in out.chunks_exact_mut(2).zip(hi).zip(lo) {
        d.copy_from_slice(&u16::from_be_bytes([h, l]).to_ne_bytes());
    }
}

/// [`interleave_u16`] 16 pixels at a time with wasm's 128-bit SIMD; returns how many pixels
/// it wrote (a multiple of 16).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(unsafe_code)]
fn interleave_u16_simd128(out: &mut [u8], hi: &[u8], lo: &[u8]) -> usize {
    use core::arch::wasm32::{u8x16_shuffle, v128, v128_load, v128_store};
    let (o, _) = out.as_chunks_mut::<32>();
    let (h, _) = hi.as_chunks::<16>();
    let (l, _) = lo.as_chunks::<16>();
    let mut done = 0;
    for ((o, h), l) in o.iter_mut().zip(h).zip(l) {
        // SAFETY: 16-byte loads from `[u8; 16]` and two 16-byte stores into a `[u8; 32]`
        // (wasm loads and stores need no alignment).
        unsafe {
            let h = v128_load(h.as_ptr().cast::<v128>());
            let l = v128_load(l.as_ptr().cast::<v128>());
            // wasm32 is little endian: the low byte first.
            let a = u8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(l, h);
            let b =
                u8x16_shuffle::<8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31>(l, h);
            let p = o.as_mut_ptr();
            v128_store(p.cast::<v128>(), a);
            v128_store(p.add(16).cast::<v128>(), b);
        }
        done += 16;
    }
    done
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
    // Segments decode contiguously (runs become memset, literals memcpy), then one pass
    // interleaves them; the two common layouts have loops that vectorise.
    // Each plane is decoded into the rest of the buffer: the block writes of a plane's last
    // run may spill into the next plane (decoded later) or the spare block at the end.
    let mut planes = vec![0u8; count * pixels + BLOCK];
    for i in 0..count {
        let rest = planes.get_mut(i * pixels..).unwrap_or_default();
        decode_segment(segment(i), rest, pixels).map_err(|got| short(i, got))?;
    }
    let plane = |i: usize| &planes[i * pixels..(i + 1) * pixels];
    match (spp, bps) {
        (1, 2) => interleave_u16(out, plane(0), plane(1)),
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
mod tests {
    use super::*;

    fn info(rows: u32, columns: u32, spp: u32, bits: u32) -> FrameInfo {
        FrameInfo {
            rows,
            columns,
            samples_per_pixel: spp,
            bits_allocated: bits,
            bits_stored: bits,
            pixel_representation: 0,
            planar_configuration: 0,
            photometric_interpretation: if spp == 3 { "RGB" } else { "MONOCHROME2" }.into(),
            as_rgb: false,
        }
    }

    /// A simple PackBits encoder (literal runs and repeats) for round trips.
    fn packbits(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < data.len() {
            let mut run = 1;
            while i + run < data.len() && run < 128 && data[i + run] == data[i] {
                run += 1;
            }
            if run >= 2 {
                out.push((257 - run) as u8);
                out.push(data[i]);
                i += run;
                continue;
            }
            let start = i;
            while i < data.len()
                && i - start < 128
                && !(i + 1 < data.len() && data[i + 1] == data[i])
            {
                i += 1;
            }
            if i == start {
                i += 1;
            }
            out.push((i - start - 1) as u8);
            out.extend_from_slice(&data[start..i]);
        }
        out
    }

    fn frame(segments: &[Vec<u8>]) -> Vec<u8> {
        let mut out = vec![0u8; 64];
        out[..4].copy_from_slice(&(segments.len() as u32).to_le_bytes());
        let mut off = 64u32;
        for (i, s) in segments.iter().enumerate() {
            out[4 + 4 * i..8 + 4 * i].copy_from_slice(&off.to_le_bytes());
            off += s.len() as u32;
        }
        for s in segments {
            out.extend_from_slice(s);
        }
        out
    }

    /// Encodes an interleaved native-endian frame the way an RLE encoder would.
    fn encode(pixels: &[u8], spp: usize, bps: usize) -> Vec<u8> {
        let mut segs = Vec::new();
        for s in 0..spp {
            for b in 0..bps {
                let in_sample = if cfg!(target_endian = "little") {
                    bps - 1 - b
                } else {
                    b
                };
                let plane: Vec<u8> = pixels
                    .iter()
                    .skip(s * bps + in_sample)
                    .step_by(spp * bps)
                    .copied()
                    .collect();
                let mut seg = packbits(&plane);
                if seg.len() % 2 == 1 {
                    seg.push(0);
                }
                segs.push(seg);
            }
        }
        frame(&segs)
    }

    #[test]
    fn hand_made_8bit() {
        // 2x3: literal [1, 2], repeat 7 x4.
        let src = frame(&[vec![1, 1, 2, 0xFD, 7]]);
        let mut out = vec![0u8; 6];
        assert_eq!(
            decode(&src, &info(2, 3, 1, 8), &mut out).ok(),
            Some(ColorOut::AsDataset)
        );
        assert_eq!(out, [1, 2, 7, 7, 7, 7]);
    }

    #[test]
    fn noop_and_padding() {
        // -128 no-op, then a repeat that overshoots (ignored), then a pad byte.
        let src = frame(&[vec![0x80, 0xF0, 9, 0]]);
        let mut out = vec![0u8; 4];
        assert!(decode(&src, &info(2, 2, 1, 8), &mut out).is_ok());
        assert_eq!(out, [9; 4]);
    }

    #[test]
    fn hand_made_16bit() {
        // Two pixels 0x1234, 0xABCD: MSB segment then LSB segment.
        let src = frame(&[vec![1, 0x12, 0xAB], vec![1, 0x34, 0xCD]]);
        let mut out = vec![0u8; 4];
        decode(&src, &info(1, 2, 1, 16), &mut out).unwrap();
        let v: Vec<u16> = out
            .chunks(2)
            .map(|c| u16::from_ne_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(v, [0x1234, 0xABCD]);
    }

    #[test]
    fn hand_made_rgb() {
        // 1x2 RGB: R plane [10, 11], G repeat 20, B literal [30, 31].
        let src = frame(&[vec![1, 10, 11], vec![0xFF, 20], vec![1, 30, 31]]);
        let mut out = vec![0u8; 6];
        decode(&src, &info(1, 2, 3, 8), &mut out).unwrap();
        assert_eq!(out, [10, 20, 30, 11, 20, 31]);
    }

    #[test]
    fn round_trips() {
        let mut seed = 0x1234_5678u32;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        for &(rows, cols, spp, bits) in &[
            (7u32, 13u32, 1u32, 8u32),
            (7, 13, 3, 8),
            (16, 9, 1, 16),
            (5, 5, 3, 16),
            (3, 11, 1, 32),
            (2, 3, 1, 64),
            (300, 1, 1, 8),
        ] {
            let fi = info(rows, cols, spp, bits);
            let len = fi.frame_len();
            // Mix of runs and noise.
            let pixels: Vec<u8> = (0..len)
                .map(|i| {
                    if (i / 37) % 2 == 0 {
                        (i / 200) as u8
                    } else {
                        rnd() as u8
                    }
                })
                .collect();
            let src = encode(&pixels, spp as usize, bits as usize / 8);
            let mut out = vec![0xEEu8; len];
            decode(&src, &fi, &mut out).unwrap();
            assert_eq!(out, pixels, "{rows}x{cols}x{spp} {bits}-bit");
        }
    }

    #[test]
    fn malformed_inputs() {
        let fi = info(2, 2, 1, 8);
        let good = frame(&[vec![3, 1, 2, 3, 4]]);
        let mut out = vec![0u8; 4];
        assert!(decode(&good, &fi, &mut out).is_ok());
        // Too short for the header.
        assert!(decode(&good[..63], &fi, &mut out).is_err());
        // Truncated segment.
        assert!(decode(&good[..good.len() - 1], &fi, &mut out).is_err());
        // Wrong segment count.
        let mut bad = good.clone();
        bad[0] = 2;
        bad[8..12].copy_from_slice(&66u32.to_le_bytes());
        assert!(decode(&bad, &fi, &mut out).is_err());
        let mut bad = good.clone();
        bad[0] = 16;
        assert!(decode(&bad, &fi, &mut out).is_err());
        let mut bad = good.clone();
        bad[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&bad, &fi, &mut out).is_err());
        // Offset into the header / past the end.
        let mut bad = good.clone();
        bad[4..8].copy_from_slice(&10u32.to_le_bytes());
        assert!(decode(&bad, &fi, &mut out).is_err());
        let mut bad = good.clone();
        bad[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&bad, &fi, &mut out).is_err());
        // Decreasing offsets.
        let fi16 = info(1, 2, 1, 16);
        let mut two = frame(&[vec![1, 1, 2], vec![1, 3, 4]]);
        assert!(decode(&two, &fi16, &mut out).is_ok());
        two[8..12].copy_from_slice(&64u32.to_le_bytes());
        assert!(decode(&two, &fi16, &mut out).is_err());
        // Repeat with no value byte, segment too short.
        assert!(decode(&frame(&[vec![0xFD]]), &fi, &mut out).is_err());
        assert!(decode(&frame(&[vec![0xFF, 1]]), &fi, &mut out).is_err());
        // Unsupported bit depths and sizes.
        assert!(decode(&good, &info(2, 2, 1, 12), &mut out).is_err());
        assert!(decode(&good, &info(2, 2, 1, 1), &mut out).is_err());
        assert!(decode(&good, &info(2, 2, 4, 32), &mut out).is_err());
        assert!(decode(&good, &info(2, 2, 0, 8), &mut out).is_err());
        // Output buffer too small.
        assert!(decode(&good, &fi, &mut out[..3]).is_err());
    }

    #[test]
    fn empty_image() {
        let mut out = [];
        assert!(decode(&frame(&[vec![0, 0]]), &info(0, 5, 1, 8), &mut out).is_ok());
    }
}
