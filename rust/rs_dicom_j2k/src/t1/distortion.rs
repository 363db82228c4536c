//! Rate-distortion data of a code-block's coding passes for post-compression rate
//! allocation: where each pass ends in the segment and how much squared error it removes.
//!
//! The error a bit-plane removes is exact per sample given the decoder's mid-point
//! reconstruction of the bits not received (the true coefficient is taken as the middle of
//! its quantisation interval), summed per plane in closed form. Which newly significant samples the significance pass codes
//! rather than the cleanup pass is not tracked per sample: the passes' sign decisions say how
//! many each coded, and the bit-plane's reduction is shared in that proportion.

/// One truncation point: the segment cut after a pass.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct PassPoint {
    /// Bytes of the segment up to and including this pass.
    pub(crate) rate: usize,
    /// Squared error removed by the passes up to this one, in quantisation steps squared.
    pub(crate) dist: f64,
}

/// Per coded pass (in coding order: cleanup of the top bit-plane, then significance,
/// refinement and cleanup of each lower one), the squared error it removes. `mags` are the
/// block's magnitudes (sign in bit 31), `numbps` its bit-planes of which the top `planes`
/// were coded, `syms` its decisions and `ends` where each pass's end.
///
/// Exact, in integers: with mid-point reconstruction the error a bit-plane removes is linear
/// in the magnitude's bits below it. A sample turning significant at plane `p` (`H = 2^p`,
/// value `m + 1/2`) removes `1.5 H (2m + 1) - 2.25 H^2`; one refined at `p`, with `r` its bits
/// below `p` and `s` +1 or -1 by its bit `p`, removes `H^2 / 4 + s H (2r + 1 - H) / 2`. So
/// per plane a count and two sums of small integers give the total, instead of two squared
/// errors in floating point per sample and plane.
pub(super) fn pass_reductions(
    mags: &[u32],
    numbps: u32,
    planes: u32,
    syms: &[u8],
    ends: &[usize],
) -> Vec<f64> {
    let nb = numbps as usize;
    let lo = numbps.saturating_sub(planes);
    // Per bit-plane: samples turning significant and the sum of their 2m + 1 (by top bit
    // plus one, 0 for zeros: no branch on the data, which mispredicted).
    let mut new_n = [0u64; 33];
    let mut new_s = [0u64; 33];
    // The samples refined in some coded plane (significant above the lowest), gathered
    // without branching: usually a small part of the block, which the per-plane sums then
    // go over instead of all of it.
    let mut refined = vec![0u32; mags.len() + 1];
    let mut count = 0;
    for &v in mags {
        let m = v & 0x7FFF_FFFF;
        let k = (32 - m.leading_zeros()) as usize;
        new_n[k] += 1;
        new_s[k] += 2 * u64::from(m) + 1;
        refined[count] = m;
        count += usize::from(m >> lo > 1);
    }
    let refined = &refined[..count];
    // Per refined plane: the samples refined (significant above it), the sum of s (2r + 1)
    // and of s, sample by sample without branches so that it vectorises.
    let mut ref_n = [0u64; 32];
    let mut ref_a = [0i64; 32];
    let mut ref_b = [0i64; 32];
    for p in lo..numbps.saturating_sub(1) {
        let q = p as usize;
        ref_n[q] = new_n[q + 2..].iter().sum();
        // s (2r + 1) is below 2^(p + 1) and there are at most 4096 samples: with p + 13 < 32
        // the sums fit in i32 (wrapping in between is harmless).
        if p + 13 < 32 {
            let (a, b) = refine_sums::<i32>(refined, p);
            (ref_a[q], ref_b[q]) = (i64::from(a), i64::from(b));
        } else {
            let (a, b) = refine_sums::<i64>(refined, p);
            (ref_a[q], ref_b[q]) = (a, b);
        }
    }
    let new = |p: usize| {
        let h = (1u64 << p) as f64;
        (6.0 * h * new_s[p + 1] as f64 - 9.0 * h * h * new_n[p + 1] as f64) / 4.0
    };
    let refine = |p: usize| {
        let h = (1u64 << p) as f64;
        (ref_n[p] as f64 * h * h + 2.0 * h * (ref_a[p] as f64 - h * ref_b[p] as f64)) / 4.0
    };
    // Sign decisions (contexts 9 to 13) per pass: samples that turned significant in it.
    let mut signs = vec![0usize; ends.len()];
    let mut start = 0;
    for (k, &end) in ends.iter().enumerate() {
        signs[k] = count_signs(syms.get(start..end).unwrap_or_default());
        start = end;
    }
    let mut out = vec![0f64; ends.len()];
    if let Some(o) = out.first_mut() {
        *o = new(nb - 1);
    }
    for bp in (0..nb.saturating_sub(1)).rev() {
        let k = 3 * (nb - 1 - bp);
        if k >= out.len() {
            break;
        }
        let (spp, cup) = (signs[k - 2] as f64, signs[k] as f64);
        let share = if spp + cup > 0.0 {
            spp / (spp + cup)
        } else {
            0.0
        };
        let n = new(bp);
        out[k - 2] = n * share;
        out[k - 1] = refine(bp);
        out[k] = n * (1.0 - share);
    }
    out
}

/// The sign decisions (contexts 9 to 13) among `syms`, counted in byte lanes over runs of
/// 255 decisions (counted as usize, the widening to 64 bits took most of the time).
fn count_signs(syms: &[u8]) -> usize {
    syms.chunks(255)
        .map(|run| {
            let n = run.iter().fold(0u8, |n, &s| {
                // (Run entries, bit 6 set, are not sign decisions.)
                n.wrapping_add(u8::from((s & 0x5F).wrapping_sub(9) < 5))
            });
            usize::from(n)
        })
        .sum()
}

/// Integer lanes for [`refine_sums`]: i32 when the sums fit (twice the lanes), else i64.
trait Lane: Copy + Default + std::ops::BitAnd<Output = Self> + std::ops::BitXor<Output = Self> {
    fn from_u32(v: u32) -> Self;
    /// All ones if `c`, else zero.
    fn mask(c: bool) -> Self;
    fn wrapping_add(self, o: Self) -> Self;
    fn wrapping_sub(self, o: Self) -> Self;
}

impl Lane for i32 {
    #[inline(always)]
    fn from_u32(v: u32) -> Self {
        v as i32
    }
    #[inline(always)]
    fn mask(c: bool) -> Self {
        -i32::from(c)
    }
    #[inline(always)]
    fn wrapping_add(self, o: Self) -> Self {
        i32::wrapping_add(self, o)
    }
    #[inline(always)]
    fn wrapping_sub(self, o: Self) -> Self {
        i32::wrapping_sub(self, o)
    }
}

impl Lane for i64 {
    #[inline(always)]
    fn from_u32(v: u32) -> Self {
        i64::from(v)
    }
    #[inline(always)]
    fn mask(c: bool) -> Self {
        -i64::from(c)
    }
    #[inline(always)]
    fn wrapping_add(self, o: Self) -> Self {
        i64::wrapping_add(self, o)
    }
    #[inline(always)]
    fn wrapping_sub(self, o: Self) -> Self {
        i64::wrapping_sub(self, o)
    }
}

/// Over the samples significant above plane `p`: the sum of s (2r + 1) and of s, `r` being
/// the magnitude's bits below `p` and `s` +1 or -1 by its bit `p`.
#[inline(always)]
fn refine_sums<T: Lane>(mags: &[u32], p: u32) -> (T, T) {
    let (mut a, mut b) = (T::default(), T::default());
    let low = (1u32 << p) - 1;
    for &v in mags {
        let m = v & 0x7FFF_FFFF;
        // All ones for a refined sample, else zero; all ones again when its bit p is 0.
        let keep = T::mask(m >> (p + 1) != 0);
        let neg = T::mask((m >> p) & 1 == 0) & keep;
        let val = T::from_u32(2 * (m & low) + 1) & keep;
        // s x = (x ^ neg) - neg; s = keep ? (neg ? -1 : 1) : 0.
        a = a.wrapping_add((val ^ neg).wrapping_sub(neg));
        let one = T::from_u32(1) & keep;
        b = b.wrapping_add((one ^ neg).wrapping_sub(neg));
    }
    (a, b)
}

/// The truncation points from the coder's length estimates `marks`, the passes' reductions
/// `dist` and the final segment `seg`: lengths capped to the segment, never decreasing, and
/// never ending on 0xFF (a cut there would leave a marker-like pair for the packet).
pub(super) fn points(marks: &[usize], dist: &[f64], seg: &[u8], out: &mut Vec<PassPoint>) {
    let mut total = 0.0;
    let mut prev = 0;
    let last = marks.len().saturating_sub(1);
    for (k, (&mark, &d)) in marks.iter().zip(dist).enumerate() {
        total += d;
        let mut rate = if k == last {
            seg.len()
        } else {
            mark.min(seg.len())
        };
        while rate > 0 && k != last && seg[rate - 1] == 0xFF {
            rate -= 1;
        }
        rate = rate.max(prev);
        prev = rate;
        out.push(PassPoint { rate, dist: total });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Squared error of magnitude `m` (value `m + 0.5`) when its bit-planes down to `p` are
    /// known: the direct definition the closed form must match.
    fn error_at(m: u32, p: u32) -> f64 {
        let x = f64::from(m) + 0.5;
        let known = m >> p << p;
        let rec = if known == 0 {
            0.0
        } else {
            f64::from(known) + 0.5 * f64::from(1u32 << p)
        };
        (x - rec) * (x - rec)
    }

    #[test]
    fn closed_form_matches_the_definition() {
        let mut rng = crate::test_rng::Rng(7);
        // Shifted up, the sums of the low planes no longer fit in i32.
        for (planes, up) in [
            (1u32, 0),
            (2, 0),
            (5, 0),
            (11, 0),
            (12, 0),
            (12, 14),
            (20, 14),
        ] {
            let mags: Vec<u32> = (0..500)
                .map(|i| {
                    let m = (rng.range(0, 4095) as u32 >> (i % 9)) << up | rng.range(0, 1) as u32;
                    m | (i as u32 & 1) << 31
                })
                .collect();
            let all = mags.iter().fold(0, |a, &v| a | (v & 0x7FFF_FFFF));
            let numbps = 32 - all.leading_zeros();
            let passes = 3 * planes.min(numbps) as usize - 2;
            // No decisions: every new sample's reduction goes to the cleanup passes.
            let ends = vec![0usize; passes];
            let got = pass_reductions(&mags, numbps, planes, &[], &ends);
            let mut want = vec![0f64; passes];
            for &v in &mags {
                let m = v & 0x7FFF_FFFF;
                for p in numbps.saturating_sub(planes)..numbps {
                    let k = if p == numbps - 1 {
                        0
                    } else {
                        3 * (numbps - 1 - p) as usize
                    };
                    let gain = error_at(m, p + 1) - error_at(m, p);
                    let top = m != 0 && 31 - m.leading_zeros() == p;
                    want[if top || k == 0 { k } else { k - 1 }] += gain;
                }
            }
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= 1e-6 * w.abs().max(1.0),
                    "{planes}: {got:?} vs {want:?}"
                );
            }
        }
    }
}
