//! Inverse discrete wavelet transforms (ISO/IEC 15444-1 Annex F) with OpenJPEG 2.5's exact
//! numerics: the reversible 5/3 in [`dwt53`], the irreversible 9/7 in [`dwt97`].
//!
//! The 1-D lifting works on de-interleaved data: the low-pass samples `lo` and the high-pass
//! samples `hi` stay in separate contiguous arrays while lifting (so every step is a contiguous,
//! auto-vectorisable loop) and are interleaved only when written back. The vertical pass lifts
//! whole row segments from their neighbour rows, a strip of columns at a time, so that it never
//! walks the buffer column by column.
//!
//! Where the standard leaves room (the lone high-pass sample, the 9/7 scaling), OpenJPEG's
//! choices are followed, because the decoder's output must be OpenJPEG's bit for bit.

mod dwt53;
mod dwt97;
#[cfg(test)]
mod tests;

pub(crate) use dwt53::inverse_53;
pub(crate) use dwt97::inverse_97;

/// A resolution level's rectangle on a tile-component (ISO 15444-1 eq. B-14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ResRect {
    /// Left edge (inclusive).
    pub x0: u32,
    /// Top edge (inclusive).
    pub y0: u32,
    /// Right edge (exclusive).
    pub x1: u32,
    /// Bottom edge (exclusive).
    pub y1: u32,
}

/// Columns lifted together by the vertical pass: the strip's scratch copy (height x STRIP
/// samples) stays cache-resident while the inner loops are long enough to vectorise.
const STRIP: usize = 64;

/// One synthesis level in buffer terms: the level's size, how many of its first samples are
/// low-pass (horizontally and vertically) and whether its first sample is a high-pass one.
#[derive(Debug, Clone, Copy)]
struct Level {
    rw: usize,
    rh: usize,
    sn_h: usize,
    sn_v: usize,
    cas_h: bool,
    cas_v: bool,
}

/// Checks the layout contract and returns the buffer stride and the levels r = 1..=NL, or `None`
/// when there is nothing (sensible) to do. Rectangles must nest as eq. B-14 makes them
/// (level r - 1 is level r halved, rounding up), which is what makes the low/high split of every
/// level consistent with its parity; anything else is rejected rather than half-transformed.
fn plan(len: usize, res: &[ResRect]) -> Option<(usize, Vec<Level>)> {
    if res.len() < 2 || res.iter().any(|r| r.x1 < r.x0 || r.y1 < r.y0) {
        return None;
    }
    let full = res[res.len() - 1];
    let w = (full.x1 - full.x0) as usize;
    let h = (full.y1 - full.y0) as usize;
    if w == 0 || h == 0 || w.checked_mul(h) != Some(len) {
        return None;
    }
    let low_count = |n: usize, cas: bool| if cas { n / 2 } else { n.div_ceil(2) };
    let mut levels = Vec::with_capacity(res.len() - 1);
    for pair in res.windows(2) {
        let (prev, cur) = (pair[0], pair[1]);
        let rw = (cur.x1 - cur.x0) as usize;
        let rh = (cur.y1 - cur.y0) as usize;
        let sn_h = (prev.x1 - prev.x0) as usize;
        let sn_v = (prev.y1 - prev.y0) as usize;
        let cas_h = cur.x0 & 1 == 1;
        let cas_v = cur.y0 & 1 == 1;
        if rw > w || rh > h || sn_h != low_count(rw, cas_h) || sn_v != low_count(rh, cas_v) {
            return None;
        }
        levels.push(Level {
            rw,
            rh,
            sn_h,
            sn_v,
            cas_h,
            cas_v,
        });
    }
    Some((w, levels))
}

/// Row `i` (of width `s`) of a row-major block.
#[inline(always)]
fn row(a: &[i32], i: usize, s: usize) -> &[i32] {
    &a[i * s..(i + 1) * s]
}

/// Row `i` (of width `s`) of a row-major block.
#[inline(always)]
fn row_f(a: &[f32], i: usize, s: usize) -> &[f32] {
    &a[i * s..(i + 1) * s]
}

/// Copies the strip `[xs, xs + s)` of the first `rh` rows of `buf` (stride `w`) into `dst`.
fn gather<T: Copy>(buf: &[T], w: usize, xs: usize, s: usize, rh: usize, dst: &mut [T]) {
    for (y, d) in dst.chunks_exact_mut(s).take(rh).enumerate() {
        d.copy_from_slice(&buf[y * w + xs..y * w + xs + s]);
    }
}
