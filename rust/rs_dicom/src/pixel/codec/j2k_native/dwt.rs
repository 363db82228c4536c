//! Inverse discrete wavelet transforms (ISO/IEC 15444-1 Annex F), inverse multiple component
//! transforms (Annex G) and the DC level shift, with OpenJPEG 2.5's exact numerics.
//!
//! The 1-D lifting works on de-interleaved data: the low-pass samples `lo` and the high-pass
//! samples `hi` stay in separate contiguous arrays while lifting (so every step is a contiguous,
//! auto-vectorisable loop) and are interleaved only when written back. The vertical pass lifts
//! whole row segments from their neighbour rows, a strip of columns at a time, so that it never
//! walks the buffer column by column.
//!
//! Where the standard leaves room (the lone high-pass sample, the 9/7 scaling), OpenJPEG's
//! choices are followed, because the decoder's output must be OpenJPEG's bit for bit.

/// A resolution level's rectangle on a tile-component (ISO 15444-1 eq. B-14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct ResRect {
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

// The f32 literals below are spelled exactly as in OpenJPEG's C source (so the rounding to f32 is
// the same; `constants_have_openjpeg_bits` checks the bits), hence more digits than f32 holds.

/// 9/7 lifting constants as OpenJPEG's `dwt.c` spells them (f32 literals), negated the way its
/// decoder passes them to the lifting steps.
#[allow(clippy::excessive_precision)]
const NEG_ALPHA: f32 = 1.586_134_342_f32; // -(-1.586134342f)
#[allow(clippy::excessive_precision)]
const NEG_BETA: f32 = 0.052_980_118_f32; // -(-0.052980118f)
#[allow(clippy::excessive_precision)]
const NEG_GAMMA: f32 = -0.882_911_075_f32;
#[allow(clippy::excessive_precision)]
const NEG_DELTA: f32 = -0.443_506_852_f32;
/// Low-pass gain of the 9/7 synthesis (OpenJPEG `opj_K`).
#[allow(clippy::excessive_precision)]
const K: f32 = 1.230_174_105_f32;
/// High-pass gain of OpenJPEG's 9/7 synthesis: its historic `two_invK` (2/K, not 1/K). The
/// missing factor 1/2 is compensated in OpenJPEG's dequantisation step sizes, which the caller
/// reproduces, so this value must be used rather than 1/K.
#[allow(clippy::excessive_precision)]
const TWO_INV_K: f32 = 1.625_732_422_f32;

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

// ---------------------------------------------------------------------------------------------
// 5/3 reversible
// ---------------------------------------------------------------------------------------------
//
// Arithmetic wraps (as OpenJPEG's SIMD paths and its `opj_int_add_no_overflow` do) so that
// hostile coefficients cannot panic. The boundary forms `(d + 1) >> 1` and `s + d` are the ones
// OpenJPEG's scalar code uses for the symmetric extension; they equal the general formula
// whenever it does not overflow.

/// dst -= (a + b + 2) >> 2
#[inline(always)]
fn sub_quarter(dst: &mut [i32], a: &[i32], b: &[i32]) {
    for ((d, &a), &b) in dst.iter_mut().zip(a).zip(b) {
        *d = d.wrapping_sub(a.wrapping_add(b).wrapping_add(2) >> 2);
    }
}

/// dst -= (a + 1) >> 1
#[inline(always)]
fn sub_half(dst: &mut [i32], a: &[i32]) {
    for (d, &a) in dst.iter_mut().zip(a) {
        *d = d.wrapping_sub(a.wrapping_add(1) >> 1);
    }
}

/// dst = h + ((a + b) >> 1)
#[inline(always)]
fn set_add_avg(dst: &mut [i32], h: &[i32], a: &[i32], b: &[i32]) {
    for (((d, &h), &a), &b) in dst.iter_mut().zip(h).zip(a).zip(b) {
        *d = h.wrapping_add(a.wrapping_add(b) >> 1);
    }
}

/// dst = h + a
#[inline(always)]
fn set_add(dst: &mut [i32], h: &[i32], a: &[i32]) {
    for ((d, &h), &a) in dst.iter_mut().zip(h).zip(a) {
        *d = h.wrapping_add(a);
    }
}

/// The 5/3 low-pass update step on `s`-wide rows: `lo` (sn rows) from `hi` (dn rows).
/// Inlined so that the horizontal pass's `s == 1` becomes a constant.
#[inline(always)]
fn update_lo_53(lo: &mut [i32], hi: &[i32], s: usize, sn: usize, dn: usize, cas: bool) {
    if !cas {
        // lo_i sits between hi_{i-1} and hi_i; hi_{-1} mirrors to hi_0, hi_dn to hi_{dn-1}.
        sub_half(&mut lo[..s], row(hi, 0, s));
        for i in 1..sn.min(dn) {
            let (a, b) = (row(hi, i - 1, s), row(hi, i, s));
            sub_quarter(&mut lo[i * s..(i + 1) * s], a, b);
        }
        if sn > dn {
            sub_half(&mut lo[dn * s..(dn + 1) * s], row(hi, dn - 1, s));
        }
    } else {
        // lo_i sits between hi_i and hi_{i+1}; hi_dn mirrors to hi_{dn-1}.
        for i in 0..sn.min(dn - 1) {
            let (a, b) = (row(hi, i, s), row(hi, i + 1, s));
            sub_quarter(&mut lo[i * s..(i + 1) * s], a, b);
        }
        if sn == dn {
            sub_half(&mut lo[(sn - 1) * s..sn * s], row(hi, dn - 1, s));
        }
    }
}

/// Inverse 5/3 of one row of `len >= 2` samples (low-pass first), via `tmp`.
fn h53_row(r: &mut [i32], tmp: &mut [i32], sn: usize, cas: bool) {
    let len = r.len();
    let tmp = &mut tmp[..len];
    tmp.copy_from_slice(r);
    let dn = len - sn;
    let (lo, hi) = tmp.split_at_mut(sn);
    update_lo_53(lo, hi, 1, sn, dn, cas);
    let (lo, hi) = (&*lo, &*hi);
    if !cas {
        // Pairs (lo_i, hi_i); hi_i is predicted from lo_i and lo_{i+1}.
        let m = dn.min(sn - 1);
        for ((p, l), &h) in r.chunks_exact_mut(2).zip(lo.windows(2)).zip(hi).take(m) {
            p[0] = l[0];
            p[1] = h.wrapping_add(l[0].wrapping_add(l[1]) >> 1);
        }
        if sn == dn {
            r[len - 2] = lo[sn - 1];
            r[len - 1] = hi[dn - 1].wrapping_add(lo[sn - 1]);
        } else {
            r[len - 1] = lo[sn - 1];
        }
    } else {
        // Pairs (hi_i, lo_i); hi_i is predicted from lo_{i-1} and lo_i.
        r[0] = hi[0].wrapping_add(lo[0]);
        r[1] = lo[0];
        let pairs = r[2..].chunks_exact_mut(2);
        for ((p, l), &h) in pairs.zip(lo.windows(2)).zip(&hi[1..]) {
            p[0] = h.wrapping_add(l[0].wrapping_add(l[1]) >> 1);
            p[1] = l[1];
        }
        if dn > sn {
            r[len - 1] = hi[dn - 1].wrapping_add(lo[sn - 1]);
        }
    }
}

/// Horizontal inverse 5/3 of the level's rows.
fn h53(buf: &mut [i32], w: usize, lv: &Level, tmp: &mut [i32]) {
    let (len, sn) = (lv.rw, lv.sn_h);
    for y in 0..lv.rh {
        let r = &mut buf[y * w..y * w + len];
        match (lv.cas_h, len) {
            // A lone low-pass sample is its own reconstruction.
            (false, 0..=1) | (true, 0) => {}
            // A lone high-pass sample was doubled by the analysis (OpenJPEG truncates).
            (true, 1) => r[0] /= 2,
            _ => h53_row(r, tmp, sn, lv.cas_h),
        }
    }
}

/// Vertical inverse 5/3 of the level's columns, a strip of rows at a time.
fn v53(buf: &mut [i32], w: usize, lv: &Level, scratch: &mut [i32]) {
    let (len, sn, rw) = (lv.rh, lv.sn_v, lv.rw);
    let dn = len - sn;
    match (lv.cas_v, len) {
        (false, 0..=1) | (true, 0) => return,
        (true, 1) => {
            buf[..rw].iter_mut().for_each(|v| *v /= 2);
            return;
        }
        _ => {}
    }
    let mut xs = 0;
    while xs < rw {
        let s = STRIP.min(rw - xs);
        let sc = &mut scratch[..len * s];
        gather(buf, w, xs, s, len, sc);
        let (lo, hi) = sc.split_at_mut(sn * s);
        update_lo_53(lo, hi, s, sn, dn, lv.cas_v);
        let (lo, hi) = (&*lo, &*hi);
        let c = usize::from(lv.cas_v);
        for i in 0..sn {
            let y = 2 * i + c;
            buf[y * w + xs..y * w + xs + s].copy_from_slice(row(lo, i, s));
        }
        for i in 0..dn {
            let y = 2 * i + 1 - c;
            let d = &mut buf[y * w + xs..y * w + xs + s];
            let h = row(hi, i, s);
            let (a, b) = if !lv.cas_v {
                (i, i + 1)
            } else {
                (i.wrapping_sub(1), i)
            };
            if a < sn && b < sn {
                set_add_avg(d, h, row(lo, a, s), row(lo, b, s));
            } else {
                // Mirrored neighbour: (l + l) >> 1 == l, written as OpenJPEG does.
                set_add(d, h, row(lo, a.min(b), s));
            }
        }
        xs += s;
    }
}

/// Inverse 5/3 (reversible) DWT of a tile-component, in place; `res` are its resolutions 0..=NL.
pub(super) fn inverse_53(buf: &mut [i32], res: &[ResRect]) {
    let Some((w, levels)) = plan(buf.len(), res) else {
        return;
    };
    let h = buf.len() / w;
    let mut tmp = vec![0i32; w];
    let mut scratch = vec![0i32; h * STRIP.min(w)];
    for lv in &levels {
        h53(buf, w, lv, &mut tmp);
        v53(buf, w, lv, &mut scratch);
    }
}

// ---------------------------------------------------------------------------------------------
// 9/7 irreversible
// ---------------------------------------------------------------------------------------------
//
// Per sample, OpenJPEG's `opj_v8dwt_decode` computes `x + (p + q) * c` between two neighbours
// and, where the right neighbour is mirrored, `x + n * (c + c)`; with a mirrored left neighbour
// it adds the same sample twice, `x + (n + n) * c`. These are reproduced literally (f32, no
// fused multiply-add), so results are bit-identical. Every lifting step reads only samples of
// the other band, so the order in which samples of one step are visited does not matter.

/// dst = dst * k
#[inline(always)]
fn scale(dst: &mut [f32], k: f32) {
    for d in dst {
        *d *= k;
    }
}

/// dst = dst + (p + q) * c
#[inline(always)]
fn lift_pair(dst: &mut [f32], p: &[f32], q: &[f32], c: f32) {
    for ((d, &p), &q) in dst.iter_mut().zip(p).zip(q) {
        *d += (p + q) * c;
    }
}

/// dst = dst + n * c2
#[inline(always)]
fn lift_edge(dst: &mut [f32], n: &[f32], c2: f32) {
    for (d, &n) in dst.iter_mut().zip(n) {
        *d += n * c2;
    }
}

/// One 9/7 lifting step on `s`-wide rows: each of the `nd` rows of `dst` gets `c` times the sum
/// of its two neighbours in `src` (`ns` rows). With `left`, row i sits between src rows i - 1
/// and i (row -1 mirrors to row 0); otherwise between rows i and i + 1. A neighbour past the
/// end of `src` mirrors to its last row. Inlined so that `s == 1` becomes a constant.
#[inline(always)]
fn lift97(dst: &mut [f32], src: &[f32], s: usize, nd: usize, ns: usize, left: bool, c: f32) {
    if ns == 0 {
        return;
    }
    if left {
        let m = nd.min(ns);
        if m >= 1 {
            let r0 = row_f(src, 0, s);
            lift_pair(&mut dst[..s], r0, r0, c);
        }
        for i in 1..m {
            let (p, q) = (row_f(src, i - 1, s), row_f(src, i, s));
            lift_pair(&mut dst[i * s..(i + 1) * s], p, q, c);
        }
        if nd > ns {
            lift_edge(&mut dst[m * s..(m + 1) * s], row_f(src, ns - 1, s), c + c);
        }
    } else {
        let m = nd.min(ns - 1);
        for i in 0..m {
            let (p, q) = (row_f(src, i, s), row_f(src, i + 1, s));
            lift_pair(&mut dst[i * s..(i + 1) * s], p, q, c);
        }
        if nd > m {
            lift_edge(&mut dst[m * s..(m + 1) * s], row_f(src, ns - 1, s), c + c);
        }
    }
}

/// The whole 9/7 synthesis lifting on `s`-wide rows (`lo`: sn rows, `hi`: dn rows), in
/// OpenJPEG's order: scalings, then delta, gamma, beta, alpha.
#[inline(always)]
fn lift97_all(lo: &mut [f32], hi: &mut [f32], s: usize, sn: usize, dn: usize, cas: bool) {
    scale(lo, K);
    scale(hi, TWO_INV_K);
    // With cas 0 a low-pass sample's left neighbour is hi_{i-1}; a high-pass one's is lo_i.
    lift97(lo, hi, s, sn, dn, !cas, NEG_DELTA);
    lift97(hi, lo, s, dn, sn, cas, NEG_GAMMA);
    lift97(lo, hi, s, sn, dn, !cas, NEG_BETA);
    lift97(hi, lo, s, dn, sn, cas, NEG_ALPHA);
}

/// Whether OpenJPEG leaves a 1-D 9/7 signal untouched: a lone sample (low- or high-pass) is
/// neither scaled nor lifted.
fn skip97(len: usize, sn: usize, cas: bool) -> bool {
    if cas { sn == 0 && len <= 1 } else { len <= 1 }
}

/// Horizontal inverse 9/7 of the level's rows.
fn h97(buf: &mut [f32], w: usize, lv: &Level, tmp: &mut [f32]) {
    let (len, sn, cas) = (lv.rw, lv.sn_h, lv.cas_h);
    if skip97(len, sn, cas) {
        return;
    }
    let dn = len - sn;
    for y in 0..lv.rh {
        let r = &mut buf[y * w..y * w + len];
        let t = &mut tmp[..len];
        t.copy_from_slice(r);
        let (lo, hi) = t.split_at_mut(sn);
        lift97_all(lo, hi, 1, sn, dn, cas);
        let (first, second) = if cas { (&*hi, &*lo) } else { (&*lo, &*hi) };
        for ((p, &a), &b) in r.chunks_exact_mut(2).zip(first).zip(second) {
            p[0] = a;
            p[1] = b;
        }
        if len % 2 == 1 {
            r[len - 1] = first[len / 2];
        }
    }
}

/// Vertical inverse 9/7 of the level's columns, a strip of rows at a time.
fn v97(buf: &mut [f32], w: usize, lv: &Level, scratch: &mut [f32]) {
    let (len, sn, cas, rw) = (lv.rh, lv.sn_v, lv.cas_v, lv.rw);
    if skip97(len, sn, cas) {
        return;
    }
    let dn = len - sn;
    let c = usize::from(cas);
    let mut xs = 0;
    while xs < rw {
        let s = STRIP.min(rw - xs);
        let sc = &mut scratch[..len * s];
        gather(buf, w, xs, s, len, sc);
        let (lo, hi) = sc.split_at_mut(sn * s);
        lift97_all(lo, hi, s, sn, dn, cas);
        for (i, l) in lo.chunks_exact(s).enumerate() {
            let y = 2 * i + c;
            buf[y * w + xs..y * w + xs + s].copy_from_slice(l);
        }
        for (i, h) in hi.chunks_exact(s).enumerate() {
            let y = 2 * i + 1 - c;
            buf[y * w + xs..y * w + xs + s].copy_from_slice(h);
        }
        xs += s;
    }
}

/// Inverse 9/7 (irreversible) DWT of a tile-component, in place, with OpenJPEG's f32 numerics.
pub(super) fn inverse_97(buf: &mut [f32], res: &[ResRect]) {
    let Some((w, levels)) = plan(buf.len(), res) else {
        return;
    };
    let h = buf.len() / w;
    let mut tmp = vec![0f32; w];
    let mut scratch = vec![0f32; h * STRIP.min(w)];
    for lv in &levels {
        h97(buf, w, lv, &mut tmp);
        v97(buf, w, lv, &mut scratch);
    }
}

// ---------------------------------------------------------------------------------------------
// Component transforms and DC level shift
// ---------------------------------------------------------------------------------------------

/// Inverse reversible component transform (RCT) in place: (Y, Cb, Cr) -> (R, G, B).
pub(super) fn inverse_rct(c0: &mut [i32], c1: &mut [i32], c2: &mut [i32]) {
    for ((y, u), v) in c0.iter_mut().zip(c1.iter_mut()).zip(c2.iter_mut()) {
        let g = y.wrapping_sub(u.wrapping_add(*v) >> 2);
        let r = v.wrapping_add(g);
        let b = u.wrapping_add(g);
        (*y, *u, *v) = (r, g, b);
    }
}

/// Inverse irreversible component transform (ICT) in place, with OpenJPEG's f32 coefficients.
pub(super) fn inverse_ict(c0: &mut [f32], c1: &mut [f32], c2: &mut [f32]) {
    for ((y, u), v) in c0.iter_mut().zip(c1.iter_mut()).zip(c2.iter_mut()) {
        let r = *y + *v * 1.402_f32;
        let g = *y - *u * 0.344_13_f32 - *v * 0.714_14_f32;
        let b = *y + *u * 1.772_f32;
        (*y, *u, *v) = (r, g, b);
    }
}

/// Reversible-path DC level shift in place: `clamp(v + dc_shift, min, max)`.
pub(super) fn level_shift_int(buf: &mut [i32], dc_shift: i32, min: i32, max: i32) {
    // OpenJPEG adds in 32 bits (wrapping in practice) and clamps low bound first.
    for v in buf {
        let s = v.wrapping_add(dc_shift);
        *v = if s < min {
            min
        } else if s > max {
            max
        } else {
            s
        };
    }
}

/// Irreversible-path DC level shift: round half to even (`lrintf`), add `dc_shift`, clamp.
pub(super) fn level_shift_float(src: &[f32], dc_shift: i32, min: i32, max: i32, dst: &mut [i32]) {
    // Clamping before rounding and shifting, against integral bounds, gives the same result as
    // OpenJPEG's lrintf-then-add-in-i64-then-clamp (rounding is monotonic and fixes integers).
    // When the bounds are within 2^22, adding 1.5 * 2^23 rounds to nearest-even and leaves the
    // integer in the low mantissa bits: no libm call (`f32::round_ties_even` is `roundevenf` on
    // baseline x86-64) and no saturating cast, so the loop vectorises.
    let lo = i64::from(min) - i64::from(dc_shift);
    let hi = i64::from(max) - i64::from(dc_shift);
    const LIMIT: i64 = 1 << 22;
    if min <= max && (-LIMIT..=LIMIT).contains(&lo) && (-LIMIT..=LIMIT).contains(&hi) {
        const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23
        const MAGIC_BITS: i32 = 0x4b40_0000;
        let (lo, hi) = (lo as f32, hi as f32);
        for (d, &f) in dst.iter_mut().zip(src) {
            // f32::max ignores NaN, so NaN lands on `lo` (min once shifted), where OpenJPEG's
            // lrintf(NaN) = LONG_MIN ends up on x86-64; +-inf and values beyond the i32 range
            // saturate as its range checks make them.
            let c = f.max(lo).min(hi);
            *d = ((c + MAGIC).to_bits() as i32 - MAGIC_BITS) + dc_shift;
        }
        return;
    }
    for (d, &f) in dst.iter_mut().zip(src) {
        // OpenJPEG's range checks: above (float)INT_MAX saturates to max, below INT_MIN to min.
        // NaN passes both and lrintf(NaN) is LONG_MIN on x86-64, which clamps to min.
        *d = if f > i32::MAX as f32 {
            max
        } else if f < i32::MIN as f32 || f.is_nan() {
            min
        } else {
            let s = f.round_ties_even() as i64 + i64::from(dc_shift);
            if s < i64::from(min) {
                min
            } else if s > i64::from(max) {
                max
            } else {
                s as i32
            }
        };
    }
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // OpenJPEG's literals, as spelled in its C source
mod unit_tests {
    use super::*;

    /// xorshift64*: deterministic test data without a dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn range(&mut self, lo: i64, hi: i64) -> i64 {
            lo + self.below((hi - lo + 1) as u64) as i64
        }
    }

    /// Resolution rectangles of a tile-component per eq. B-14.
    fn rects(x0: u32, y0: u32, x1: u32, y1: u32, nl: u32) -> Vec<ResRect> {
        (0..=nl)
            .map(|r| {
                let d = 1u32 << (nl - r);
                ResRect {
                    x0: x0.div_ceil(d),
                    y0: y0.div_ceil(d),
                    x1: x1.div_ceil(d),
                    y1: y1.div_ceil(d),
                }
            })
            .collect()
    }

    /// Symmetric extension of local index `k` into `0..n` (n >= 2).
    fn mirror(k: isize, n: usize) -> usize {
        let p = 2 * (n as isize - 1);
        let k = k.rem_euclid(p);
        (if k > p / 2 { p - k } else { k }) as usize
    }

    /// Low-pass (even absolute coordinate) samples first, then high-pass.
    fn deinterleave<T: Copy>(y: &[T], i0: usize) -> Vec<T> {
        let even = y
            .iter()
            .enumerate()
            .filter(|(j, _)| (i0 + j).is_multiple_of(2));
        let odd = y.iter().enumerate().filter(|(j, _)| (i0 + j) % 2 == 1);
        even.chain(odd).map(|(_, &v)| v).collect()
    }

    /// Annex F 1-D forward 5/3 (FDWT_1D with PSE), output de-interleaved.
    fn fwd53_1d(x: &[i64], i0: usize) -> Vec<i64> {
        let n = x.len();
        if n <= 1 {
            return x
                .iter()
                .map(|&v| if i0 % 2 == 1 { 2 * v } else { v })
                .collect();
        }
        let mut y = x.to_vec();
        let at = |v: &[i64], k: isize| v[mirror(k, n)];
        for j in 0..n {
            if (i0 + j) % 2 == 1 {
                let k = j as isize;
                y[j] = x[j] - (at(x, k - 1) + at(x, k + 1)).div_euclid(2);
            }
        }
        let odd = y.clone();
        for j in 0..n {
            if (i0 + j).is_multiple_of(2) {
                let k = j as isize;
                y[j] = x[j] + (at(&odd, k - 1) + at(&odd, k + 1) + 2).div_euclid(4);
            }
        }
        deinterleave(&y, i0)
    }

    const ALPHA: f64 = -1.586_134_342;
    const BETA: f64 = -0.052_980_118;
    const GAMMA: f64 = 0.882_911_075;
    const DELTA: f64 = 0.443_506_852;
    const KF: f64 = 1.230_174_105;

    /// Annex F 1-D forward 9/7 in f64, except for the high-pass gain: OpenJPEG synthesises high
    /// bands with its historic 1.625732422 (about 2/K, 3.3e-5 off) and folds the factor 2 into
    /// dequantisation, so the analysis here uses the exact reciprocal of that value. A lone
    /// sample is left as is, as OpenJPEG's synthesis does.
    fn fwd97_1d(x: &[f64], i0: usize) -> Vec<f64> {
        let n = x.len();
        if n <= 1 {
            return x.to_vec();
        }
        let mut y = x.to_vec();
        let steps = [(1, ALPHA), (0, BETA), (1, GAMMA), (0, DELTA)];
        for (parity, c) in steps {
            let prev = y.clone();
            for j in 0..n {
                if (i0 + j) % 2 == parity {
                    let k = j as isize;
                    y[j] = prev[j] + c * (prev[mirror(k - 1, n)] + prev[mirror(k + 1, n)]);
                }
            }
        }
        for (j, v) in y.iter_mut().enumerate() {
            *v *= if (i0 + j) % 2 == 1 {
                1.0 / 1.625_732_422
            } else {
                1.0 / KF
            };
        }
        deinterleave(&y, i0)
    }

    /// 2-D forward transform into the layout `inverse_*` expects (vertical, then horizontal,
    /// from the finest level down: the reverse of the synthesis order).
    fn forward<T: Copy>(buf: &mut [T], res: &[ResRect], f: impl Fn(&[T], usize) -> Vec<T>) {
        let full = res[res.len() - 1];
        let w = (full.x1 - full.x0) as usize;
        for r in (1..res.len()).rev() {
            let rr = res[r];
            let (rw, rh) = ((rr.x1 - rr.x0) as usize, (rr.y1 - rr.y0) as usize);
            for x in 0..rw {
                let col: Vec<T> = (0..rh).map(|y| buf[y * w + x]).collect();
                for (y, v) in f(&col, rr.y0 as usize).into_iter().enumerate() {
                    buf[y * w + x] = v;
                }
            }
            for y in 0..rh {
                let out = f(&buf[y * w..y * w + rw], rr.x0 as usize);
                buf[y * w..y * w + rw].copy_from_slice(&out);
            }
        }
    }

    /// Random tile-components: odd/even offsets, sizes from 1 up, NL 1..=5.
    fn shapes(rng: &mut Rng, count: usize) -> Vec<Vec<ResRect>> {
        let mut out = Vec::new();
        // Degenerate sizes at both parities first.
        for (x0, y0) in [(0, 0), (1, 0), (0, 1), (1, 1), (3, 7)] {
            for (w, h) in [(1, 1), (1, 9), (9, 1), (2, 2), (2, 3), (3, 2)] {
                for nl in 1..=3 {
                    out.push(rects(x0, y0, x0 + w, y0 + h, nl));
                }
            }
        }
        for _ in 0..count {
            let x0 = rng.below(70) as u32;
            let y0 = rng.below(70) as u32;
            let wmax = if rng.below(4) == 0 { 4 } else { 150 };
            let hmax = if rng.below(4) == 0 { 4 } else { 90 };
            let w = 1 + rng.below(wmax) as u32;
            let h = 1 + rng.below(hmax) as u32;
            let nl = 1 + rng.below(5) as u32;
            out.push(rects(x0, y0, x0 + w, y0 + h, nl));
        }
        out
    }

    fn dims(res: &[ResRect]) -> (usize, usize) {
        let f = res[res.len() - 1];
        ((f.x1 - f.x0) as usize, (f.y1 - f.y0) as usize)
    }

    #[test]
    fn inverse_53_reconstructs_exactly() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for res in shapes(&mut rng, 400) {
            let (w, h) = dims(&res);
            let orig: Vec<i64> = (0..w * h).map(|_| rng.range(-4096, 4095)).collect();
            let mut coef = orig.clone();
            forward(&mut coef, &res, fwd53_1d);
            let mut buf: Vec<i32> = coef.iter().map(|&v| v as i32).collect();
            inverse_53(&mut buf, &res);
            let back: Vec<i64> = buf.iter().map(|&v| i64::from(v)).collect();
            assert_eq!(back, orig, "{res:?}");
        }
    }

    #[test]
    fn inverse_97_reconstructs_closely() {
        let mut rng = Rng(0x0fed_cba9_8765_4321);
        let mut worst = 0f64;
        for res in shapes(&mut rng, 400) {
            let (w, h) = dims(&res);
            let orig: Vec<f64> = (0..w * h).map(|_| rng.range(-2048, 2047) as f64).collect();
            let mut coef = orig.clone();
            forward(&mut coef, &res, fwd97_1d);
            let mut buf: Vec<f32> = coef.iter().map(|&v| v as f32).collect();
            inverse_97(&mut buf, &res);
            for (&b, &o) in buf.iter().zip(&orig) {
                worst = worst.max((f64::from(b) - o).abs());
            }
        }
        // A few f32 ulps of 2048 (lifting rounding over up to 5 levels).
        assert!(worst < 5e-3, "worst error {worst}");
    }

    /// OpenJPEG's `opj_v8dwt_decode` for one lane, transcribed with its interleaved layout and
    /// pointer walk, as an independent check of the de-interleaved implementation's bits.
    fn opj_decode_1d(x: &[f32], sn: usize, cas: usize) -> Vec<f32> {
        let len = x.len();
        let dn = len - sn;
        let mut wv = vec![0f32; len];
        for i in 0..sn {
            wv[cas + 2 * i] = x[i];
        }
        for i in 0..dn {
            wv[1 - cas + 2 * i] = x[sn + i];
        }
        let (a, b) = if cas == 0 {
            if !(dn > 0 || sn > 1) {
                return wv;
            }
            (0, 1)
        } else {
            if !(sn > 0 || dn > 1) {
                return wv;
            }
            (1, 0)
        };
        let step1 = |wv: &mut [f32], base: usize, end: usize, c: f32| {
            for i in 0..end {
                wv[base + 2 * i] *= c;
            }
        };
        let step2 = |wv: &mut [f32], l: usize, w: usize, end: usize, m: i64, c: f32| {
            let m = m as u32 as usize;
            let imax = end.min(m);
            let (mut fl, mut fw) = (l, w);
            for _ in 0..imax {
                wv[fw - 1] += (wv[fl] + wv[fw]) * c;
                fl = fw;
                fw += 2;
            }
            if m < end {
                let c = c + c;
                wv[fw - 1] += wv[fl] * c;
            }
        };
        let (sn_i, dn_i) = (sn as i64, dn as i64);
        step1(&mut wv, a, sn, 1.230_174_105_f32);
        step1(&mut wv, b, dn, 1.625_732_422_f32);
        step2(
            &mut wv,
            b,
            a + 1,
            sn,
            sn_i.min(dn_i - a as i64),
            -0.443_506_852_f32,
        );
        step2(
            &mut wv,
            a,
            b + 1,
            dn,
            dn_i.min(sn_i - b as i64),
            -0.882_911_075_f32,
        );
        step2(
            &mut wv,
            b,
            a + 1,
            sn,
            sn_i.min(dn_i - a as i64),
            0.052_980_118_f32,
        );
        step2(
            &mut wv,
            a,
            b + 1,
            dn,
            dn_i.min(sn_i - b as i64),
            1.586_134_342_f32,
        );
        wv
    }

    /// `opj_dwt_decode_tile_97` for one lane at a time: all rows, then all columns, per level.
    fn opj_decode_tile_97(buf: &mut [f32], res: &[ResRect]) {
        let (w, _) = dims(res);
        for r in 1..res.len() {
            let (p, c) = (res[r - 1], res[r]);
            let (rw, rh) = ((c.x1 - c.x0) as usize, (c.y1 - c.y0) as usize);
            let (sn_h, sn_v) = ((p.x1 - p.x0) as usize, (p.y1 - p.y0) as usize);
            for y in 0..rh {
                let out = opj_decode_1d(&buf[y * w..y * w + rw], sn_h, (c.x0 % 2) as usize);
                buf[y * w..y * w + rw].copy_from_slice(&out);
            }
            for x in 0..rw {
                let col: Vec<f32> = (0..rh).map(|y| buf[y * w + x]).collect();
                let out = opj_decode_1d(&col, sn_v, (c.y0 % 2) as usize);
                for (y, v) in out.into_iter().enumerate() {
                    buf[y * w + x] = v;
                }
            }
        }
    }

    #[test]
    fn inverse_97_is_bit_identical_to_openjpeg_transcription() {
        let mut rng = Rng(0x5555_aaaa_1234_0001);
        for res in shapes(&mut rng, 400) {
            let (w, h) = dims(&res);
            let coef: Vec<f32> = (0..w * h)
                .map(|_| rng.range(-1 << 20, 1 << 20) as f32 / 256.0)
                .collect();
            let mut mine = coef.clone();
            inverse_97(&mut mine, &res);
            let mut reference = coef;
            opj_decode_tile_97(&mut reference, &res);
            let a: Vec<u32> = mine.iter().map(|v| v.to_bits()).collect();
            let b: Vec<u32> = reference.iter().map(|v| v.to_bits()).collect();
            assert_eq!(a, b, "{res:?}");
        }
    }

    #[test]
    fn constants_have_openjpeg_bits() {
        // Bit patterns of the C float literals in dwt.c and mct.c, as compiled by gcc.
        assert_eq!(
            NEG_ALPHA.to_bits(),
            (-1.586_134_342_f32).to_bits() ^ 0x8000_0000
        );
        assert_eq!((-NEG_ALPHA).to_bits(), 0xbfcb_0673);
        assert_eq!((-NEG_BETA).to_bits(), 0xbd59_01ae);
        assert_eq!((-NEG_GAMMA).to_bits(), 0x3f62_0676);
        assert_eq!((-NEG_DELTA).to_bits(), 0x3ee3_1355);
        assert_eq!(K.to_bits(), 0x3f9d_7658);
        assert_eq!(TWO_INV_K.to_bits(), 0x3fd0_1800);
        assert_eq!(1.402_f32.to_bits(), 0x3fb3_74bc);
        assert_eq!(0.344_13_f32.to_bits(), 0x3eb0_31cf);
        assert_eq!(0.714_14_f32.to_bits(), 0x3f36_d1e1);
        assert_eq!(1.772_f32.to_bits(), 0x3fe2_d0e5);
    }

    #[test]
    fn lone_high_pass_sample() {
        // x0 = 1, one column: level 1 is a lone high-pass sample horizontally.
        let res = rects(1, 0, 2, 1, 1);
        assert_eq!(res[0].x1 - res[0].x0, 0);
        for (v, want) in [(-3, -1), (5, 2), (-4, -2), (1, 0), (-1, 0)] {
            let mut buf = [v];
            inverse_53(&mut buf, &res);
            assert_eq!(buf, [want], "5/3 of {v}");
        }
        // Both directions: halved twice, truncating each time.
        let res = rects(1, 1, 2, 2, 1);
        let mut buf = [-7];
        inverse_53(&mut buf, &res);
        assert_eq!(buf, [-1]);
        // 9/7: OpenJPEG leaves lone samples alone, odd or even.
        for res in [
            rects(1, 1, 2, 2, 1),
            rects(0, 0, 1, 1, 3),
            rects(1, 0, 2, 1, 2),
        ] {
            let mut buf = [3.75f32];
            inverse_97(&mut buf, &res);
            assert_eq!(buf, [3.75]);
        }
        // Even offset: unchanged in 5/3 too.
        let mut buf = [-7];
        inverse_53(&mut buf, &rects(0, 0, 1, 1, 2));
        assert_eq!(buf, [-7]);
    }

    #[test]
    fn invalid_layouts_are_left_alone() {
        let res = rects(0, 0, 4, 3, 1);
        let orig: Vec<i32> = (0..12).collect();
        let mut buf = orig.clone();
        inverse_53(&mut buf, &res[..1]); // NL == 0
        inverse_53(&mut buf[..11], &res); // wrong length
        let mut bad = res.clone();
        bad[0].x1 += 1; // inconsistent with eq. B-14
        inverse_53(&mut buf, &bad);
        bad[0].x1 = 0; // x1 < x0... x0 is 0, so make it inverted instead
        bad[1].x1 = 0;
        inverse_53(&mut buf, &bad);
        inverse_53(&mut [], &[]);
        assert_eq!(buf, orig);
        let mut f: Vec<f32> = orig.iter().map(|&v| v as f32).collect();
        inverse_97(&mut f, &res[..1]);
        inverse_97(&mut f[..5], &res);
        assert_eq!(f, orig.iter().map(|&v| v as f32).collect::<Vec<_>>());
        // An empty tile-component is fine.
        inverse_97(&mut [], &rects(3, 3, 3, 9, 2));
    }

    #[test]
    fn rct_round_trip() {
        let mut rng = Rng(77);
        let n = 1001;
        let rgb: Vec<[i32; 3]> = (0..n)
            .map(|_| [0; 3].map(|_| rng.range(-70_000, 70_000) as i32))
            .collect();
        let mut c0: Vec<i32> = rgb
            .iter()
            .map(|p| (p[0] + 2 * p[1] + p[2]).div_euclid(4))
            .collect();
        let mut c1: Vec<i32> = rgb.iter().map(|p| p[2] - p[1]).collect();
        let mut c2: Vec<i32> = rgb.iter().map(|p| p[0] - p[1]).collect();
        inverse_rct(&mut c0, &mut c1, &mut c2);
        for (i, p) in rgb.iter().enumerate() {
            assert_eq!([c0[i], c1[i], c2[i]], *p);
        }
    }

    #[test]
    fn ict_matches_formulas() {
        let mut rng = Rng(99);
        let n = 1003;
        let rgb: Vec<[f64; 3]> = (0..n)
            .map(|_| [0; 3].map(|_| rng.range(-128, 127) as f64))
            .collect();
        let mut c0 = Vec::new();
        let mut c1 = Vec::new();
        let mut c2 = Vec::new();
        for &[r, g, b] in &rgb {
            c0.push((0.299 * r + 0.587 * g + 0.114 * b) as f32);
            c1.push((-0.168_75 * r - 0.331_26 * g + 0.5 * b) as f32);
            c2.push((0.5 * r - 0.418_69 * g - 0.081_31 * b) as f32);
        }
        let (y, u, v) = (c0.clone(), c1.clone(), c2.clone());
        inverse_ict(&mut c0, &mut c1, &mut c2);
        for i in 0..n {
            // OpenJPEG's exact expression order.
            assert_eq!(c0[i].to_bits(), (y[i] + (v[i] * 1.402_f32)).to_bits());
            let g = y[i] - (u[i] * 0.344_13_f32) - (v[i] * 0.714_14_f32);
            assert_eq!(c1[i].to_bits(), g.to_bits());
            assert_eq!(c2[i].to_bits(), (y[i] + (u[i] * 1.772_f32)).to_bits());
            for (k, &want) in rgb[i].iter().enumerate() {
                let got = [c0[i], c1[i], c2[i]][k];
                assert!((f64::from(got) - want).abs() < 0.01, "{got} vs {want}");
            }
        }
    }

    #[test]
    fn level_shift_int_clamps() {
        let mut buf = [-200, -129, -128, 0, 127, 128, 300, i32::MAX];
        level_shift_int(&mut buf, 128, 0, 255);
        // i32::MAX + 128 wraps negative in OpenJPEG's 32-bit addition.
        assert_eq!(buf, [0, 0, 0, 128, 255, 255, 255, 0]);
        let mut buf = [-5000, -2048, 2047, 5000];
        level_shift_int(&mut buf, 0, -2048, 2047);
        assert_eq!(buf, [-2048, -2048, 2047, 2047]);
    }

    #[test]
    fn level_shift_float_rounds_half_to_even() {
        let src = [2.5f32, 3.5, -2.5, -3.5, 0.5, 1.5, 2.499_999, -0.5, 0.49];
        let mut dst = [0i32; 9];
        level_shift_float(&src, 0, -100, 100, &mut dst);
        assert_eq!(dst, [2, 4, -2, -4, 0, 2, 2, 0, 0]);
        level_shift_float(&src, 10, -100, 100, &mut dst);
        assert_eq!(dst, [12, 14, 8, 6, 10, 12, 12, 10, 10]);
    }

    #[test]
    fn level_shift_float_fast_path_matches_openjpeg_rule() {
        // Random bit patterns (NaN, inf, huge, tiny, ties) through the vectorised path, against
        // OpenJPEG's rule written out directly.
        let mut rng = Rng(5);
        let ties = [
            0.5f32,
            1.5,
            2.5,
            -0.5,
            -1.5,
            254.5,
            255.5,
            -127.5,
            4_194_303.5,
        ];
        let mut src: Vec<f32> = ties.to_vec();
        src.extend((0..50_000).map(|_| f32::from_bits(rng.next() as u32)));
        src.extend((0..50_000).map(|_| rng.range(-1 << 26, 1 << 26) as f32 / 8.0));
        let bounds = [
            (128, 0, 255),
            (0, -32768, 32767),
            (32768, 0, 65535),
            (-(1 << 21), -(1 << 21), 1 << 21),
            (1 << 22, 0, 1 << 23),
        ];
        for (dc, min, max) in bounds {
            let mut dst = vec![0i32; src.len()];
            level_shift_float(&src, dc, min, max, &mut dst);
            for (&f, &got) in src.iter().zip(&dst) {
                let want = if f > 2_147_483_648.0 {
                    max
                } else if f < -2_147_483_648.0 || f.is_nan() {
                    min
                } else {
                    (f.round_ties_even() as i64 + i64::from(dc)).clamp(min.into(), max.into())
                        as i32
                };
                assert_eq!(got, want, "{f} {dc} {min} {max}");
            }
        }
    }

    #[test]
    fn level_shift_float_saturates() {
        let src = [
            1e20f32,
            -1e20,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            2_147_483_648.0,
            -2_147_483_648.0,
            300.4,
            -300.6,
        ];
        let mut dst = [0i32; 9];
        level_shift_float(&src, 128, 0, 255, &mut dst);
        assert_eq!(dst, [255, 0, 255, 0, 0, 255, 0, 255, 0]);
        // The general path (bounds f32 cannot hold): large values plus the shift must not
        // overflow, and both paths agree with OpenJPEG's checks.
        let mut dst = [0i32; 9];
        level_shift_float(&src, i32::MAX, i32::MIN, i32::MAX, &mut dst);
        let top = i32::MAX;
        assert_eq!(
            dst,
            [
                top,
                i32::MIN,
                top,
                i32::MIN,
                i32::MIN,
                top,
                -1,
                top,
                top - 301
            ]
        );
        let mut dst = [0i32; 9];
        level_shift_float(&src, -(1 << 30), i32::MIN, 1 << 20, &mut dst);
        let m = -(1 << 30);
        let want = [
            1 << 20,
            i32::MIN,
            1 << 20,
            i32::MIN,
            i32::MIN,
            1 << 20,
            i32::MIN,
            m + 300,
            m - 301,
        ];
        assert_eq!(dst, want);
    }
}
