//! Forward discrete wavelet transforms (ISO/IEC 15444-1 Annex F) of a tile-component whose
//! origin is (0, 0), in place, into the layout the inverse transforms of `crate::dwt` read:
//! after each level the low-pass samples come first along each axis. The vertical pass lifts
//! whole rows (contiguous, auto-vectorised loops) in a scratch copy of the level.

/// The reversible 5/3 transform with `levels` decomposition levels of the `w x h` plane `buf`.
pub(crate) fn forward_53(buf: &mut [i32], w: usize, h: usize, levels: u32) {
    let mut scratch = vec![0i32; w * h];
    let mut tmp = vec![0i32; w];
    let (mut rw, mut rh) = (w, h);
    for _ in 0..levels {
        vertical_53(buf, w, rw, rh, &mut scratch);
        for row in buf.chunks_exact_mut(w).take(rh) {
            horizontal_53(&mut row[..rw], &mut tmp);
        }
        rw = rw.div_ceil(2);
        rh = rh.div_ceil(2);
    }
}

/// One row of `n` samples (first sample at an even coordinate): lows then highs.
fn horizontal_53(row: &mut [i32], tmp: &mut [i32]) {
    let n = row.len();
    if n < 2 {
        return;
    }
    let sn = n.div_ceil(2);
    let dn = n / 2;
    let (lo, hi) = tmp[..n].split_at_mut(sn);
    for ((l, d), p) in lo.iter_mut().zip(hi.iter_mut()).zip(row.chunks_exact(2)) {
        *l = p[0];
        *d = p[1];
    }
    if sn > dn {
        lo[sn - 1] = row[n - 1];
    }
    // Predict: hi_i -= (lo_i + lo_{i+1}) >> 1, lo_sn mirrored to lo_{sn-1}.
    for (d, l) in hi.iter_mut().zip(lo.windows(2)) {
        *d -= (l[0] + l[1]) >> 1;
    }
    if sn == dn {
        hi[dn - 1] -= lo[sn - 1];
    }
    // Update: lo_i += (hi_{i-1} + hi_i + 2) >> 2, hi mirrored at both ends.
    lo[0] += (hi[0] + hi[0] + 2) >> 2;
    for (l, h) in lo[1..].iter_mut().zip(hi.windows(2)) {
        *l += (h[0] + h[1] + 2) >> 2;
    }
    if sn > dn {
        lo[sn - 1] += (hi[dn - 1] + hi[dn - 1] + 2) >> 2;
    }
    row.copy_from_slice(&tmp[..n]);
}

/// hi_i -= (lo_i + lo_{i+1}) >> 1 on `s`-wide rows; lo_sn mirrors to lo_{sn-1}.
#[inline(always)]
fn predict_53(hi: &mut [i32], lo: &[i32], s: usize, sn: usize, dn: usize) {
    for i in 0..dn {
        let a = &lo[i * s..(i + 1) * s];
        let b = if i + 1 < sn { i + 1 } else { i };
        let b = &lo[b * s..(b + 1) * s];
        for ((d, &a), &b) in hi[i * s..(i + 1) * s].iter_mut().zip(a).zip(b) {
            *d -= (a + b) >> 1;
        }
    }
}

/// lo_i += (hi_{i-1} + hi_i + 2) >> 2 on `s`-wide rows, hi mirrored at both ends.
#[inline(always)]
fn update_53(lo: &mut [i32], hi: &[i32], s: usize, sn: usize, dn: usize) {
    for i in 0..sn {
        let a = if i == 0 { 0 } else { i - 1 };
        let b = if i < dn { i } else { dn - 1 };
        let (a, b) = (&hi[a * s..(a + 1) * s], &hi[b * s..(b + 1) * s]);
        for ((l, &a), &b) in lo[i * s..(i + 1) * s].iter_mut().zip(a).zip(b) {
            *l += (a + b + 2) >> 2;
        }
    }
}

/// The columns of the `rw x rh` level (rows `w` apart): even rows become the first rows.
fn vertical_53(buf: &mut [i32], w: usize, rw: usize, rh: usize, scratch: &mut [i32]) {
    if rh < 2 {
        return;
    }
    let sn = rh.div_ceil(2);
    let dn = rh / 2;
    let (lo, rest) = scratch.split_at_mut(sn * rw);
    let hi = &mut rest[..dn * rw];
    for y in 0..rh {
        let src = &buf[y * w..y * w + rw];
        let dst = if y % 2 == 0 {
            &mut lo[(y / 2) * rw..(y / 2 + 1) * rw]
        } else {
            &mut hi[(y / 2) * rw..(y / 2 + 1) * rw]
        };
        dst.copy_from_slice(src);
    }
    predict_53(hi, lo, rw, sn, dn);
    update_53(lo, hi, rw, sn, dn);
    for (y, src) in lo.chunks_exact(rw).chain(hi.chunks_exact(rw)).enumerate() {
        buf[y * w..y * w + rw].copy_from_slice(src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dwt::{ResRect, inverse_53};
    use crate::test_rng::Rng;

    fn rects(w: u32, h: u32, nl: u32) -> Vec<ResRect> {
        (0..=nl)
            .map(|r| ResRect {
                x0: 0,
                y0: 0,
                x1: w.div_ceil(1 << (nl - r)),
                y1: h.div_ceil(1 << (nl - r)),
            })
            .collect()
    }

    #[test]
    fn forward_53_inverts_exactly() {
        let mut rng = Rng(0x005e_ed53);
        for case in 0..300 {
            let w = 1 + rng.below(if case % 3 == 0 { 5 } else { 140 }) as usize;
            let h = 1 + rng.below(if case % 4 == 0 { 5 } else { 90 }) as usize;
            let nl = rng.below(6) as u32;
            let orig: Vec<i32> = (0..w * h)
                .map(|_| rng.range(-40000, 40000) as i32)
                .collect();
            let mut buf = orig.clone();
            forward_53(&mut buf, w, h, nl);
            if nl > 0 && w * h > 4 {
                assert_ne!(buf, orig, "{w}x{h} nl {nl}: transform did nothing");
            }
            inverse_53(&mut buf, &rects(w as u32, h as u32, nl));
            assert_eq!(buf, orig, "{w}x{h} nl {nl}");
        }
    }

    #[test]
    fn constant_plane_has_zero_high_bands() {
        let (w, h) = (37, 23);
        let mut buf = vec![77i32; w * h];
        forward_53(&mut buf, w, h, 1);
        let (lw, lh) = (w.div_ceil(2), h.div_ceil(2));
        for y in 0..h {
            for x in 0..w {
                let v = buf[y * w + x];
                assert_eq!(v, if x < lw && y < lh { 77 } else { 0 }, "({x},{y})");
            }
        }
    }
}
