//! The irreversible 9/7 inverse wavelet transform, with OpenJPEG's f32 numerics.

use super::{Level, ResRect, STRIP, gather, plan, row_f};

// The f32 literals below are spelled exactly as in OpenJPEG's C source (so the rounding to f32 is
// the same; `constants_have_openjpeg_bits` checks the bits), hence more digits than f32 holds.

/// 9/7 lifting constants as OpenJPEG's `dwt.c` spells them (f32 literals), negated the way its
/// decoder passes them to the lifting steps.
#[allow(clippy::excessive_precision)]
pub(super) const NEG_ALPHA: f32 = 1.586_134_342_f32; // -(-1.586134342f)
#[allow(clippy::excessive_precision)]
pub(super) const NEG_BETA: f32 = 0.052_980_118_f32; // -(-0.052980118f)
#[allow(clippy::excessive_precision)]
pub(super) const NEG_GAMMA: f32 = -0.882_911_075_f32;
#[allow(clippy::excessive_precision)]
pub(super) const NEG_DELTA: f32 = -0.443_506_852_f32;
/// Low-pass gain of the 9/7 synthesis (OpenJPEG `opj_K`).
#[allow(clippy::excessive_precision)]
pub(super) const K: f32 = 1.230_174_105_f32;
/// High-pass gain of OpenJPEG's 9/7 synthesis: its historic `two_invK` (2/K, not 1/K). The
/// missing factor 1/2 is compensated in OpenJPEG's dequantisation step sizes, which the caller
/// reproduces, so this value must be used rather than 1/K.
#[allow(clippy::excessive_precision)]
pub(super) const TWO_INV_K: f32 = 1.625_732_422_f32;

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
pub(crate) fn inverse_97(buf: &mut [f32], res: &[ResRect]) {
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
