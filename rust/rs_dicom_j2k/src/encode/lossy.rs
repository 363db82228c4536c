//! The irreversible path: the irreversible colour transform (ICT, 15444-1 G.3), the forward
//! 9/7 wavelet transform (Annex F, the standard's normalisation: low-pass samples scaled by
//! 1/K, high-pass by K) and scalar expounded quantisation (Annex E) with one step size per
//! sub-band, chosen so that every sub-band adds the same error per unit of synthesis energy.

use super::Band;

const ALPHA: f32 = -1.586_134_3;
const BETA: f32 = -0.052_980_118;
const GAMMA: f32 = 0.882_911_1;
const DELTA: f32 = 0.443_506_87;
const K: f32 = 1.230_174_1;

/// The ICT on the first three planes, in place.
pub(super) fn ict(planes: &mut [Vec<f32>]) {
    let [r, g, b] = planes else { return };
    for ((r, g), b) in r.iter_mut().zip(g.iter_mut()).zip(b.iter_mut()) {
        let (rr, gg, bb) = (*r, *g, *b);
        *r = 0.299 * rr + 0.587 * gg + 0.114 * bb;
        *g = -0.168_736 * rr - 0.331_264 * gg + 0.5 * bb;
        *b = 0.5 * rr - 0.418_688 * gg - 0.081_312 * bb;
    }
}

/// hi_i += c (lo_i + lo_{i+1}) on `s`-wide rows, lo_sn mirrored to lo_{sn-1}.
fn lift_hi(hi: &mut [f32], lo: &[f32], s: usize, sn: usize, dn: usize, c: f32) {
    for i in 0..dn {
        let b = if i + 1 < sn { i + 1 } else { i };
        let (a, b) = (&lo[i * s..(i + 1) * s], &lo[b * s..(b + 1) * s]);
        for ((d, &a), &b) in hi[i * s..(i + 1) * s].iter_mut().zip(a).zip(b) {
            *d += c * (a + b);
        }
    }
}

/// lo_i += c (hi_{i-1} + hi_i) on `s`-wide rows, hi mirrored at both ends.
fn lift_lo(lo: &mut [f32], hi: &[f32], s: usize, sn: usize, dn: usize, c: f32) {
    for i in 0..sn {
        let a = i.saturating_sub(1);
        let b = if i < dn { i } else { dn - 1 };
        let (a, b) = (&hi[a * s..(a + 1) * s], &hi[b * s..(b + 1) * s]);
        for ((l, &a), &b) in lo[i * s..(i + 1) * s].iter_mut().zip(a).zip(b) {
            *l += c * (a + b);
        }
    }
}

/// [`lift_hi`] on single samples (`s == 1`): the same operations in the same order, as
/// loops over whole slices that vectorise (per-sample row slices did not).
fn lift_hi_1(hi: &mut [f32], lo: &[f32], sn: usize, dn: usize, c: f32) {
    let body = dn.min(sn.saturating_sub(1));
    for ((d, &a), &b) in hi[..body].iter_mut().zip(&lo[..body]).zip(&lo[1..=body]) {
        *d += c * (a + b);
    }
    for i in body..dn {
        hi[i] += c * (lo[i] + lo[i]);
    }
}

/// [`lift_lo`] on single samples (`s == 1`), as [`lift_hi_1`].
fn lift_lo_1(lo: &mut [f32], hi: &[f32], sn: usize, dn: usize, c: f32) {
    if dn == 0 {
        return;
    }
    lo[0] += c * (hi[0] + hi[0]);
    let body = sn.min(dn);
    if body > 1 {
        for ((l, &a), &b) in lo[1..body]
            .iter_mut()
            .zip(&hi[..body - 1])
            .zip(&hi[1..body])
        {
            *l += c * (a + b);
        }
    }
    for i in body.max(1)..sn {
        lo[i] += c * (hi[i - 1] + hi[dn - 1]);
    }
}

/// The four lifting steps and the scaling on de-interleaved `s`-wide rows.
fn analyse(lo: &mut [f32], hi: &mut [f32], s: usize, sn: usize, dn: usize) {
    if s == 1 {
        lift_hi_1(hi, lo, sn, dn, ALPHA);
        lift_lo_1(lo, hi, sn, dn, BETA);
        lift_hi_1(hi, lo, sn, dn, GAMMA);
        lift_lo_1(lo, hi, sn, dn, DELTA);
        lo.iter_mut().for_each(|v| *v /= K);
        hi.iter_mut().for_each(|v| *v *= K);
        return;
    }
    lift_hi(hi, lo, s, sn, dn, ALPHA);
    lift_lo(lo, hi, s, sn, dn, BETA);
    lift_hi(hi, lo, s, sn, dn, GAMMA);
    lift_lo(lo, hi, s, sn, dn, DELTA);
    lo.iter_mut().for_each(|v| *v /= K);
    hi.iter_mut().for_each(|v| *v *= K);
}

/// The inverse of [`analyse`] (for the synthesis norms).
fn synthesise(lo: &mut [f32], hi: &mut [f32], s: usize, sn: usize, dn: usize) {
    lo.iter_mut().for_each(|v| *v *= K);
    hi.iter_mut().for_each(|v| *v /= K);
    lift_lo(lo, hi, s, sn, dn, -DELTA);
    lift_hi(hi, lo, s, sn, dn, -GAMMA);
    lift_lo(lo, hi, s, sn, dn, -BETA);
    lift_hi(hi, lo, s, sn, dn, -ALPHA);
}

/// The forward 9/7 transform of the `w x h` plane, `levels` levels, into the usual layout.
pub(super) fn forward_97(buf: &mut [f32], w: usize, h: usize, levels: u32) {
    let mut scratch = vec![0f32; w * h];
    let (mut rw, mut rh) = (w, h);
    for _ in 0..levels {
        if rh >= 2 {
            let (sn, dn) = (rh.div_ceil(2), rh / 2);
            let (lo, rest) = scratch.split_at_mut(sn * rw);
            let hi = &mut rest[..dn * rw];
            for y in 0..rh {
                let dst = if y % 2 == 0 { &mut lo[..] } else { &mut hi[..] };
                dst[(y / 2) * rw..(y / 2 + 1) * rw].copy_from_slice(&buf[y * w..y * w + rw]);
            }
            analyse(lo, hi, rw, sn, dn);
            for (y, src) in lo.chunks_exact(rw).chain(hi.chunks_exact(rw)).enumerate() {
                buf[y * w..y * w + rw].copy_from_slice(src);
            }
        }
        if rw >= 2 {
            let (sn, dn) = (rw.div_ceil(2), rw / 2);
            for row in buf.chunks_exact_mut(w).take(rh) {
                let (lo, hi) = scratch[..rw].split_at_mut(sn);
                for ((l, h), pair) in lo
                    .iter_mut()
                    .zip(hi.iter_mut())
                    .zip(row[..rw].chunks_exact(2))
                {
                    *l = pair[0];
                    *h = pair[1];
                }
                if rw % 2 == 1 {
                    lo[sn - 1] = row[rw - 1];
                }
                analyse(lo, hi, 1, sn, dn);
                row[..rw].copy_from_slice(&scratch[..rw]);
            }
        }
        rw = rw.div_ceil(2);
        rh = rh.div_ceil(2);
    }
}

/// [`norm_1d`], computed once per process for the levels images have (a few per cent of a
/// 512 x 512 frame's encoding otherwise).
fn norm_1d_cached(d: u32, high: bool) -> f32 {
    static NORMS: [std::sync::OnceLock<(f32, f32)>; 16] =
        [const { std::sync::OnceLock::new() }; 16];
    match NORMS.get(d as usize) {
        Some(cell) => {
            let (lo, hi) = *cell.get_or_init(|| (norm_1d(d, false), norm_1d(d, true)));
            if high { hi } else { lo }
        }
        None => norm_1d(d, high),
    }
}

/// L2 norm of the 1-D synthesis of a unit sample in the low (`high = false`) or high band
/// of level `d` (1 = finest).
fn norm_1d(d: u32, high: bool) -> f32 {
    let n = 1usize << (d + 6);
    let mut sig = vec![0f32; n];
    // The band's coefficients occupy the first n >> d (low) or the next (high) samples.
    let len = n >> d;
    sig[if high { len + len / 2 } else { len / 2 }] = 1.0;
    let mut size = n >> (d - 1);
    for _ in 0..d {
        let (sn, dn) = (size.div_ceil(2), size / 2);
        let mut tmp = sig[..size].to_vec();
        let (lo, hi) = tmp.split_at_mut(sn);
        synthesise(lo, hi, 1, sn, dn);
        for i in 0..size {
            sig[i] = if i % 2 == 0 { lo[i / 2] } else { hi[i / 2] };
        }
        size *= 2;
    }
    sig.iter().map(|v| v * v).sum::<f32>().sqrt()
}

/// (exponent, mantissa) per sub-band and the sub-bands' error weights.
pub(super) type Quantised = (Vec<(u32, u32)>, Vec<f64>);

/// Quantises `planes` into `out` (same sizes; reusing the caller's buffers spares a plane's
/// allocation and page faults per component) and returns the step sizes in QCD order as
/// (exponent, mantissa) for a base step `step` relative to the sample range, and per
/// sub-band the squared error in the image of a unit error in its quantisation indices
/// (step size times synthesis norm, squared).
pub(super) fn quantise(
    planes: &[Vec<f32>],
    out: &mut [Vec<i32>],
    w: usize,
    resolutions: &[Vec<Band>],
    (levels, precision): (u32, u32),
    step: f32,
) -> Quantised {
    let mut steps = Vec::new();
    let mut norms = Vec::new();
    for (r, res) in resolutions.iter().enumerate() {
        // Level of the resolution's bands: NL for r = 0 and r = 1, then decreasing.
        let d = if r == 0 {
            levels
        } else {
            levels + 1 - r as u32
        };
        for (b, band) in res.iter().enumerate() {
            let norm = if r == 0 {
                if levels == 0 {
                    1.0
                } else {
                    norm_1d_cached(d, false).powi(2)
                }
            } else {
                norm_1d_cached(d, b != 1) * norm_1d_cached(d, b != 0)
            };
            norms.push(f64::from(norm));
            let range_bits = precision + band.gain;
            // Delta_b relative to 2^range_bits, then exponent and 11-bit mantissa.
            let delta = step * (1u64 << precision) as f32 / norm.max(1e-6);
            let x = f64::from(delta) / (1u64 << range_bits) as f64;
            let eps = (-x.log2().floor()).clamp(0.0, 31.0) as u32;
            let mant = ((x * f64::from(1u32 << eps) - 1.0) * 2048.0)
                .round()
                .clamp(0.0, 2047.0);
            steps.push((eps, mant as u32));
        }
    }
    let deltas: Vec<f32> = resolutions
        .iter()
        .flatten()
        .zip(&steps)
        .map(|(band, &(e, m))| {
            let rb = (precision + band.gain) as i32;
            (2f64.powi(rb - e as i32) * (1.0 + f64::from(m) / 2048.0)) as f32
        })
        .collect();
    for (p, q) in planes.iter().zip(out.iter_mut()) {
        for (band, &delta) in resolutions.iter().flatten().zip(&deltas) {
            let inv = 1.0 / delta;
            for y in band.y0..band.y0 + band.h {
                let row = y * w + band.x0..y * w + band.x0 + band.w;
                for (d, &v) in q[row.clone()].iter_mut().zip(&p[row]) {
                    // Truncation towards zero, clamped far from overflow.
                    *d = (v * inv).clamp(-1.0e9, 1.0e9) as i32;
                }
            }
        }
    }
    let weights = deltas
        .iter()
        .zip(&norms)
        .map(|(&d, &n)| (f64::from(d) * n).powi(2))
        .collect();
    (steps, weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthesis_inverts_analysis() {
        for n in [2usize, 3, 8, 13, 64] {
            let orig: Vec<f32> = (0..n).map(|i| ((i * 37) % 11) as f32 - 5.0).collect();
            let (sn, dn) = (n.div_ceil(2), n / 2);
            let mut lo: Vec<f32> = orig.iter().step_by(2).copied().collect();
            let mut hi: Vec<f32> = orig.iter().skip(1).step_by(2).copied().collect();
            analyse(&mut lo, &mut hi, 1, sn, dn);
            synthesise(&mut lo, &mut hi, 1, sn, dn);
            for i in 0..n {
                let v = if i % 2 == 0 { lo[i / 2] } else { hi[i / 2] };
                assert!(
                    (v - orig[i]).abs() < 1e-4,
                    "n {n} i {i}: {v} vs {}",
                    orig[i]
                );
            }
        }
    }

    #[test]
    fn norms_grow_with_the_level() {
        // Low-pass synthesis norms roughly double per level in 2-D (sqrt 2 per axis and level).
        let (l1, l2) = (norm_1d(1, false), norm_1d(2, false));
        assert!(l1 > 1.0 && l2 > 1.3 * l1, "{l1} {l2}");
        assert!(norm_1d(1, true) > 0.5);
    }
}
