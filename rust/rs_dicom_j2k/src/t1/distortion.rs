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
    // Per bit-plane: samples turning significant and the sum of their 2m + 1; samples
    // refined, the sum of s (2r + 1) and of s.
    let mut new_n = [0u64; 32];
    let mut new_s = [0u64; 32];
    let mut ref_n = [0u64; 32];
    let mut ref_a = [0i64; 32];
    let mut ref_b = [0i64; 32];
    for &v in mags {
        let m = v & 0x7FFF_FFFF;
        if m >> lo == 0 {
            continue;
        }
        let top = 31 - m.leading_zeros();
        new_n[top as usize] += 1;
        new_s[top as usize] += 2 * u64::from(m) + 1;
        for p in lo..top {
            let r = i64::from(m & ((1 << p) - 1));
            let s = 2 * i64::from((m >> p) & 1) - 1;
            let q = p as usize;
            ref_n[q] += 1;
            ref_a[q] += s * (2 * r + 1);
            ref_b[q] += s;
        }
    }
    let new = |p: usize| {
        let h = (1u64 << p) as f64;
        (6.0 * h * new_s[p] as f64 - 9.0 * h * h * new_n[p] as f64) / 4.0
    };
    let refine = |p: usize| {
        let h = (1u64 << p) as f64;
        (ref_n[p] as f64 * h * h + 2.0 * h * (ref_a[p] as f64 - h * ref_b[p] as f64)) / 4.0
    };
    // Sign decisions (contexts 9 to 13) per pass: samples that turned significant in it.
    let mut signs = vec![0usize; ends.len()];
    let mut start = 0;
    for (k, &end) in ends.iter().enumerate() {
        signs[k] = syms
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .filter(|&&s| (9..=13).contains(&(s & 0x1F)))
            .count();
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
        for planes in [1u32, 2, 5, 11, 12] {
            let mags: Vec<u32> = (0..500)
                .map(|i| {
                    let m = rng.range(0, 4095) as u32 >> (i % 9);
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
