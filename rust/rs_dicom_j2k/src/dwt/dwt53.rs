//! The reversible 5/3 inverse wavelet transform.

use super::{Level, ResRect, STRIP, gather, plan, row};

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
pub(crate) fn inverse_53(buf: &mut [i32], res: &[ResRect]) {
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
