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
    match stride {
        // Monomorphic strides let the compiler vectorise the common layouts.
        2 => gather_fixed::<2>(row, at, dst),
        3 => gather_fixed::<3>(row, at, dst),
        4 => gather_fixed::<4>(row, at, dst),
        6 => gather_fixed::<6>(row, at, dst),
        _ => {
            for (d, &s) in dst.iter_mut().zip(row[at..].iter().step_by(stride)) {
                *d = s;
            }
        }
    }
}

#[inline]
fn gather_fixed<const N: usize>(row: &[u8], at: usize, dst: &mut [u8]) {
    for (d, px) in dst.iter_mut().zip(row.chunks_exact(N)) {
        *d = px[at];
    }
}

/// PackBits of one row: runs of three or more equal bytes become replicate packets
/// (`257 - n`, byte), everything else literal packets (`n - 1`, bytes), at most 128 each.
fn pack_row(row: &[u8], out: &mut Vec<u8>) {
    let n = row.len();
    let mut literal = 0usize;
    let mut i = 0usize;
    while i < n {
        let b = row[i];
        let limit = n.min(i + MAX_PACKET);
        let mut j = i + 1;
        while j < limit && row[j] == b {
            j += 1;
        }
        let run = j - i;
        if run >= 3 {
            push_literal(&row[literal..i], out);
            out.push((257 - run) as u8);
            out.push(b);
            literal = j;
        }
        i = j;
    }
    push_literal(&row[literal..], out);
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
