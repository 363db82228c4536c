//! Rate-distortion data of a code-block's coding passes for post-compression rate
//! allocation: where each pass ends in the segment and how much squared error it removes.
//!
//! The error a bit-plane removes is exact per sample given the decoder's mid-point
//! reconstruction of the bits not received (the true coefficient is taken as the middle of
//! its quantisation interval). Which newly significant samples the significance pass codes
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

/// Squared error of magnitude `m` (value taken as `m + 0.5`) when its bit-planes down to
/// `p` are known: mid-point reconstruction of the rest, 0 while no known bit is set.
#[inline]
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

/// Per pass (in coding order: cleanup of the top bit-plane, then significance, refinement
/// and cleanup of each lower one), the squared error it removes. `mags` are the block's
/// magnitudes (sign in bit 31), `syms` its decisions and `ends` where each pass's end.
pub(super) fn pass_reductions(mags: &[u32], numbps: u32, syms: &[u8], ends: &[usize]) -> Vec<f64> {
    let nb = numbps as usize;
    // Per bit-plane: reduction by samples turning significant, by refined ones.
    let mut new = vec![0f64; nb];
    let mut refine = vec![0f64; nb];
    for &v in mags {
        let m = v & 0x7FFF_FFFF;
        if m == 0 {
            continue;
        }
        let top = 31 - m.leading_zeros();
        let mut before = error_at(m, top + 1);
        for p in (0..=top).rev() {
            let after = error_at(m, p);
            let gain = before - after;
            if p == top {
                new[p as usize] += gain;
            } else {
                refine[p as usize] += gain;
            }
            before = after;
        }
    }
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
        *o = new[nb - 1];
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
        out[k - 2] = new[bp] * share;
        out[k - 1] = refine[bp];
        out[k] = new[bp] * (1.0 - share);
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
