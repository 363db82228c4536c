//! The RLE Lossless encoder (PS3.5 Annex G): the frame is split into byte planes — for each
//! sample, its most significant byte first — and each plane becomes one PackBits segment,
//! row by row (no run crosses the end of a row, as G.3.1 asks), padded to an even length.
//!
//! Each row is read once: its planes are gathered one at a time into a small buffer (with
//! AVX2 where the CPU has it) and packed at once, the first segment into the output, the
//! others into per-thread buffers appended at the end. The packets are DCMTK's (`dcmcrle`),
//! byte for byte (see [`pack_row`]).

use super::{HEADER_LEN, MAX_SEGMENTS};
use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::encode::FrameImage;

/// Longest run or literal one PackBits header can describe.
const MAX_PACKET: usize = 128;

fn refuse(message: String) -> DicomError {
    DicomError::codec(ErrorKind::Encode, message)
}

/// Encodes one frame as RLE Lossless: a 64-byte header and one segment per byte plane.
pub fn encode(frame: &FrameImage) -> Result<Vec<u8>> {
    let bits = frame.bits_allocated;
    if !matches!(bits, 8 | 16 | 32) {
        return Err(refuse(format!(
            "RLE Lossless cannot encode Bits Allocated {bits} (8, 16 or 32)"
        )));
    }
    let bps = (bits / 8) as usize;
    let spp = frame.samples_per_pixel as usize;
    let segments = spp * bps;
    if spp == 0 || segments > MAX_SEGMENTS {
        return Err(refuse(format!(
            "RLE Lossless cannot encode {spp} samples of {bits} bits: that needs {segments} \
             segments (1 to 15)"
        )));
    }
    if frame.data.len() != frame.frame_len() {
        return Err(refuse(format!(
            "the frame has {} bytes but {} rows × {} columns × {spp} samples × {bps} bytes \
             need {}",
            frame.data.len(),
            frame.rows,
            frame.columns,
            frame.frame_len()
        )));
    }
    let columns = frame.columns as usize;
    let rows = frame.rows as usize;
    // Worst case: every row a chain of literals, one header byte per 128 bytes (and one
    // more where a one-byte literal follows a run).
    let per_segment = rows * (columns + columns / MAX_PACKET + 2) + 1;
    let mut out = Vec::with_capacity(HEADER_LEN + segments * per_segment);
    out.resize(HEADER_LEN, 0);
    out[..4].copy_from_slice(&(segments as u32).to_le_bytes());
    set_offset(&mut out, 0)?;
    if segments == 1 {
        for row in frame.data.chunks_exact(columns.max(1)) {
            pack_row(row, &mut out);
        }
    } else {
        LATER_SEGMENTS.with_borrow_mut(|later| {
            later.resize_with(segments - 1, Vec::new);
            for buf in later.iter_mut() {
                buf.clear();
                buf.reserve(per_segment);
            }
            pack_planes(frame.data, columns, bps, segments, &mut out, later);
            let appended = later
                .iter()
                .enumerate()
                .try_for_each(|(i, buf)| -> Result<()> {
                    pad(&mut out);
                    set_offset(&mut out, 1 + i)?;
                    out.extend_from_slice(buf);
                    Ok(())
                });
            // A huge frame's buffers are not worth keeping for the next one.
            if later.iter().map(Vec::capacity).sum::<usize>() > KEEP_SCRATCH {
                *later = Vec::new();
            }
            appended
        })?;
    }
    pad(&mut out);
    Ok(out)
}

/// Pads a segment to an even length.
fn pad(out: &mut Vec<u8>) {
    if !out.len().is_multiple_of(2) {
        out.push(0);
    }
}

/// Writes the header's offset of `segment`, which starts at the end of `out`.
fn set_offset(out: &mut [u8], segment: usize) -> Result<()> {
    let offset = u32::try_from(out.len())
        .map_err(|_| refuse("the RLE frame would be larger than 4 GiB".into()))?;
    out[4 + 4 * segment..8 + 4 * segment].copy_from_slice(&offset.to_le_bytes());
    Ok(())
}

/// Scratch buffers larger than this in all are freed after their frame (a thread keeps at
/// most this much between frames).
const KEEP_SCRATCH: usize = 8 << 20;

thread_local! {
    /// The segments after the first, packed beside it and appended at the end; kept between
    /// frames so that their pages stay mapped.
    static LATER_SEGMENTS: std::cell::RefCell<Vec<Vec<u8>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Packs every byte plane, row by row: segment 0 into `out`, the others into `later`. Each
/// row is read from memory once, for all its planes.
fn pack_planes(
    data: &[u8],
    columns: usize,
    bps: usize,
    segments: usize,
    out: &mut Vec<u8>,
    later: &mut [Vec<u8>],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        #[allow(unsafe_code)]
        unsafe {
            pack_planes_avx2(data, columns, bps, segments, out, later);
        }
        return;
    }
    pack_planes_any(data, columns, bps, segments, out, later);
}

/// [`pack_planes_any`] compiled for AVX2: the gathers become a few byte shuffles per 32
/// bytes (the baseline x86-64 has no byte shuffle, and gathers one byte at a time).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn pack_planes_avx2(
    data: &[u8],
    columns: usize,
    bps: usize,
    segments: usize,
    out: &mut Vec<u8>,
    later: &mut [Vec<u8>],
) {
    pack_planes_any(data, columns, bps, segments, out, later);
}

#[inline(always)]
fn pack_planes_any(
    data: &[u8],
    columns: usize,
    bps: usize,
    segments: usize,
    out: &mut Vec<u8>,
    later: &mut [Vec<u8>],
) {
    let mut row_buf = vec![0u8; columns];
    for row in data.chunks_exact((columns * segments).max(1)) {
        for segment in 0..segments {
            // Segment order: sample by sample, most significant byte first; the frame is
            // little endian, so that byte is the last of the sample.
            let (sample, byte) = (segment / bps, segment % bps);
            let at = sample * bps + (bps - 1 - byte);
            gather(row, at, segments, &mut row_buf);
            let dst = match segment.checked_sub(1) {
                None => &mut *out,
                Some(i) => &mut later[i],
            };
            pack_row(&row_buf, dst);
        }
    }
}

/// Copies every `stride`-th byte of `row`, from `at`, into `dst`.
#[inline(always)]
fn gather(row: &[u8], at: usize, stride: usize, dst: &mut [u8]) {
    // A constant stride and offset let the compiler vectorise the common layouts (16-bit
    // grey, 8-bit colour, 32-bit grey).
    match (stride, at) {
        (2, 0) => pick::<2, 0>(row, dst),
        (2, 1) => pick::<2, 1>(row, dst),
        (3, 0) => pick::<3, 0>(row, dst),
        (3, 1) => pick::<3, 1>(row, dst),
        (3, 2) => pick::<3, 2>(row, dst),
        (4, 0) => pick::<4, 0>(row, dst),
        (4, 1) => pick::<4, 1>(row, dst),
        (4, 2) => pick::<4, 2>(row, dst),
        (4, 3) => pick::<4, 3>(row, dst),
        _ => {
            for (d, &s) in dst.iter_mut().zip(row[at..].iter().step_by(stride)) {
                *d = s;
            }
        }
    }
}

/// Copies every `N`-th byte of `row`, from `AT`, into `dst`.
#[inline(always)]
fn pick<const N: usize, const AT: usize>(row: &[u8], dst: &mut [u8]) {
    if N == 2 {
        // As shifts of 16-bit words: vectorised with SSE2 alone too (shift and pack).
        for (d, c) in dst.iter_mut().zip(row.chunks_exact(2)) {
            *d = (u16::from_le_bytes([c[0], c[1]]) >> (8 * AT)) as u8;
        }
    } else {
        for (d, c) in dst.iter_mut().zip(row.chunks_exact(N)) {
            *d = c[AT];
        }
    }
}

/// PackBits of one row, packet for packet as DCMTK's `dcmcrle` writes it: runs of three or
/// more equal bytes become replicate packets (`257 - n`, byte) of at most 128, the bytes
/// between them literal packets (`n - 1`, bytes) of at most 128 each; what is left of a run
/// after its 128-byte packets is a packet of its own, a one-byte literal when one byte is
/// left; a pair of equal bytes ending the row is a replicate packet of two.
///
/// Runs are found eight bytes at a time: literal stretches — most of a noisy plane — cost one
/// comparison per word, not per byte.
fn pack_row(row: &[u8], out: &mut Vec<u8>) {
    let n = row.len();
    let mut literal = 0usize;
    while let Some(q) = find_run(row, literal) {
        let b = row[q];
        let end = run_end(row, q, b);
        push_literal(&row[literal..q], out);
        push_run(b, end - q, out);
        literal = end;
    }
    // The run scan needs three equal bytes; DCMTK also replicates a final pair.
    if n - literal >= 2 && row[n - 1] == row[n - 2] {
        push_literal(&row[literal..n - 2], out);
        out.extend_from_slice(&[(257 - 2) as u8, row[n - 1]]);
    } else {
        push_literal(&row[literal..], out);
    }
}

/// Replicate packets for `len` (at least 3) copies of `b`: 128 at a time, the rest in one
/// packet (a literal when one byte is left).
#[inline]
fn push_run(b: u8, mut len: usize, out: &mut Vec<u8>) {
    while len > MAX_PACKET {
        out.extend_from_slice(&[(257 - MAX_PACKET) as u8, b]);
        len -= MAX_PACKET;
    }
    // 257 - 1 wraps to 0: the literal header of one byte.
    out.extend_from_slice(&[(257 - len) as u8, b]);
}

/// Eight bytes of `s` from `at`, the first in the lowest byte.
#[inline(always)]
fn load(s: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[at..at + 8]);
    u64::from_le_bytes(w)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The index of the first zero byte of `v` (the lowest flag of the classic zero-byte test is
/// exact: borrows only run upwards from a zero byte).
#[inline(always)]
fn first_zero_byte(v: u64) -> Option<usize> {
    let t = v.wrapping_sub(ONES) & !v & HIGHS;
    (t != 0).then(|| (t.trailing_zeros() / 8) as usize)
}

/// The first position from `from` where three equal bytes start.
#[inline]
fn find_run(row: &[u8], from: usize) -> Option<usize> {
    let n = row.len();
    let mut q = from;
    #[cfg(target_arch = "x86_64")]
    match wide::find_run(row, q) {
        Ok(p) => return Some(p),
        Err(left) => q = left,
    }
    while q + 10 <= n {
        let a = load(row, q);
        // A zero byte where the byte equals the next two.
        let v = (a ^ load(row, q + 1)) | (a ^ load(row, q + 2));
        if let Some(k) = first_zero_byte(v) {
            return Some(q + k);
        }
        q += 8;
    }
    while q + 2 < n {
        if row[q] == row[q + 1] && row[q] == row[q + 2] {
            return Some(q);
        }
        q += 1;
    }
    None
}

/// Where the run of `b` that starts at `q` (at least three long) ends.
#[inline]
fn run_end(row: &[u8], q: usize, b: u8) -> usize {
    let limit = row.len();
    let pattern = u64::from(b) * ONES;
    let mut j = q + 3;
    #[cfg(target_arch = "x86_64")]
    match wide::run_end(row, j, b) {
        Ok(end) => return end,
        Err(left) => j = left,
    }
    while j + 8 <= limit {
        let x = load(row, j) ^ pattern;
        if x != 0 {
            return j + (x.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while j < limit && row[j] == b {
        j += 1;
    }
    j
}

/// The scans sixteen bytes at a time with SSE2, which every x86-64 CPU has: a third of the
/// instructions of the eight-byte word scans per byte. Each returns `Ok(position)` when it
/// found it, or `Err(position)` where too few bytes are left for a 16-byte step.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod wide {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };

    /// The first sixteen bytes of `s` (zeros past its end, which the callers never reach:
    /// their windows are long enough).
    #[inline(always)]
    fn load(s: &[u8]) -> __m128i {
        let mut b = [0u8; 16];
        let n = s.len().min(16);
        b[..n].copy_from_slice(&s[..n]);
        // SAFETY: `b` is 16 readable bytes, and the load needs no alignment.
        unsafe { _mm_loadu_si128(b.as_ptr().cast()) }
    }

    /// Positions of `w` (the first 16) where three equal bytes start, as bits.
    #[inline(always)]
    fn threes(w: &[u8]) -> u32 {
        let a = load(w);
        let (b, c) = (
            load(w.get(1..).unwrap_or(&[])),
            load(w.get(2..).unwrap_or(&[])),
        );
        // SAFETY: SSE2 is part of the x86-64 baseline.
        unsafe {
            _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, b), _mm_cmpeq_epi8(a, c))) as u32
        }
    }

    /// The first position from `q` where three equal bytes start.
    pub(super) fn find_run(row: &[u8], mut q: usize) -> Result<usize, usize> {
        // Thirty-two positions a step: in noise, three equal bytes are rare, and the scan is
        // most of the work.
        while let Some(w) = row.get(q..).and_then(|t| t.first_chunk::<34>()) {
            let mask = threes(&w[..18]) | threes(&w[16..]) << 16;
            if mask != 0 {
                return Ok(q + mask.trailing_zeros() as usize);
            }
            q += 32;
        }
        if let Some(w) = row.get(q..).and_then(|t| t.first_chunk::<18>()) {
            let mask = threes(w);
            if mask != 0 {
                return Ok(q + mask.trailing_zeros() as usize);
            }
            q += 16;
        }
        Err(q)
    }

    /// The first position from `j` whose byte is not `b`.
    pub(super) fn run_end(row: &[u8], mut j: usize, b: u8) -> Result<usize, usize> {
        // SAFETY: SSE2 is part of the x86-64 baseline.
        let pattern = unsafe { _mm_set1_epi8(b as i8) };
        while let Some(w) = row.get(j..).and_then(|t| t.first_chunk::<16>()) {
            // SAFETY: as above.
            let mask = unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(load(w), pattern)) } as u32;
            if mask != 0xFFFF {
                return Ok(j + mask.trailing_ones() as usize);
            }
            j += 16;
        }
        Err(j)
    }
}

/// Literal packets for `bytes` (none when empty).
#[inline]
fn push_literal(bytes: &[u8], out: &mut Vec<u8>) {
    for chunk in bytes.chunks(MAX_PACKET) {
        out.push((chunk.len() - 1) as u8);
        out.extend_from_slice(chunk);
    }
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
