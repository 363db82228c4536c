//! The RLE Lossless encoder (PS3.5 Annex G): the frame is split into byte planes — for each
//! sample, its most significant byte first — and each plane becomes one PackBits segment,
//! row by row (no run crosses the end of a row, as G.3.1 asks), padded to an even length.
//!
//! One row of one plane is gathered into a small buffer and packed at once, so nothing the
//! size of the frame is allocated besides the output.

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
    let row_len = columns * segments;
    // Worst case: every row a chain of literals, one header byte per 128 bytes.
    let per_row = columns + columns.div_ceil(MAX_PACKET);
    let capacity = HEADER_LEN + segments * (frame.rows as usize * per_row + 1);
    let mut out = Vec::with_capacity(capacity);
    out.resize(HEADER_LEN, 0);
    out[..4].copy_from_slice(&(segments as u32).to_le_bytes());
    let mut row_buf = vec![0u8; columns];
    for segment in 0..segments {
        let offset = u32::try_from(out.len())
            .map_err(|_| refuse("the RLE frame would be larger than 4 GiB".into()))?;
        out[4 + 4 * segment..8 + 4 * segment].copy_from_slice(&offset.to_le_bytes());
        // Segment order: sample by sample, most significant byte first; the frame is little
        // endian, so that byte is the last of the sample.
        let (sample, byte) = (segment / bps, segment % bps);
        let at = sample * bps + (bps - 1 - byte);
        for row in frame.data.chunks_exact(row_len.max(1)) {
            if segments == 1 {
                pack_row(row, &mut out);
            } else {
                gather(row, at, segments, &mut row_buf);
                pack_row(&row_buf, &mut out);
            }
        }
        if !out.len().is_multiple_of(2) {
            out.push(0);
        }
    }
    Ok(out)
}

/// Copies every `stride`-th byte of `row`, from `at`, into `dst`.
#[inline]
fn gather(row: &[u8], at: usize, stride: usize, dst: &mut [u8]) {
    // A constant stride and offset let the compiler vectorise the common layouts (16-bit
    // grey, 8-bit colour, 16-bit colour).
    match (stride, at) {
        (2, 0) => gather_fixed::<2, 0>(row, dst),
        (2, 1) => gather_fixed::<2, 1>(row, dst),
        (3, 0) => gather_fixed::<3, 0>(row, dst),
        (3, 1) => gather_fixed::<3, 1>(row, dst),
        (3, 2) => gather_fixed::<3, 2>(row, dst),
        _ => {
            for (d, &s) in dst.iter_mut().zip(row[at..].iter().step_by(stride)) {
                *d = s;
            }
        }
    }
}

#[inline]
fn gather_fixed<const N: usize, const AT: usize>(row: &[u8], dst: &mut [u8]) {
    // Sixteen pixels at a time, as fixed-size arrays: the compiler turns each block into a
    // few vector shuffles instead of sixteen byte loads.
    let mut blocks = dst.chunks_exact_mut(16);
    let mut pixels = row.chunks_exact(16 * N);
    for (d, px) in (&mut blocks).zip(&mut pixels) {
        for k in 0..16 {
            d[k] = px[N * k + AT];
        }
    }
    let rest = blocks.into_remainder();
    for (d, px) in rest.iter_mut().zip(pixels.remainder().chunks_exact(N)) {
        *d = px[AT];
    }
}

/// PackBits of one row: runs of three or more equal bytes become replicate packets
/// (`257 - n`, byte), everything else literal packets (`n - 1`, bytes), at most 128 each.
///
/// The same packets as the plain greedy scan (a run is taken where three equal bytes first
/// start, as long as it goes, capped at 128), found eight bytes at a time: literal stretches
/// — most of a noisy plane — cost one comparison per word, not per byte.
fn pack_row(row: &[u8], out: &mut Vec<u8>) {
    let n = row.len();
    let mut literal = 0usize;
    let mut from = 0usize;
    while let Some(q) = find_run(row, from) {
        let b = row[q];
        let end = run_end(row, q, b, n.min(q + MAX_PACKET));
        push_literal(&row[literal..q], out);
        out.push((257 - (end - q)) as u8);
        out.push(b);
        literal = end;
        from = end;
    }
    push_literal(&row[literal..], out);
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

/// Where the run of `b` that starts at `q` (at least three long) ends, at most at `limit`.
#[inline]
fn run_end(row: &[u8], q: usize, b: u8, limit: usize) -> usize {
    let pattern = u64::from(b) * ONES;
    let mut j = q + 3;
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
