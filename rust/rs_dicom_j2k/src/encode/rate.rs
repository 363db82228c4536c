//! Post-compression rate allocation (PCRD-opt, Taubman's EBCOT): every code-block's
//! truncation points on the convex hull of its (bytes, weighted squared error removed)
//! curve, and one distortion-rate slope for the whole image found by bisection so that the
//! packets fill a byte budget. One quality layer: each block is cut after the last pass
//! whose hull slope reaches the threshold.

use super::blocks::{BlockAt, Coded};

/// A block's hull: (passes, bytes, slope) with slopes strictly decreasing.
struct Hull {
    c: usize,
    r: usize,
    b: usize,
    i: usize,
    points: Vec<(u32, usize, f64)>,
}

/// The hulls of every block with truncation points, each pass's error weighted by its
/// band's `weights` entry (QCD order) and its component's `comp_w` entry.
fn hulls(coded: &Coded, weights: &[f64], comp_w: &[f64]) -> Vec<Hull> {
    let mut out = Vec::new();
    for (c, comp) in coded.bands.iter().enumerate() {
        for (r, res) in comp.iter().enumerate() {
            let first = if r == 0 { 0 } else { 1 + 3 * (r - 1) };
            for (b, band) in res.iter().enumerate() {
                let wgt = weights.get(first + b).copied().unwrap_or(1.0)
                    * comp_w.get(c).copied().unwrap_or(1.0);
                for (i, pts) in band.points.iter().enumerate() {
                    let mut hull: Vec<(u32, usize, f64, f64)> = Vec::with_capacity(pts.len());
                    for (k, p) in pts.iter().enumerate() {
                        let dist = p.dist * wgt;
                        loop {
                            let (pr, pd, ps) = hull
                                .last()
                                .map_or((0, 0.0, f64::INFINITY), |h| (h.1, h.2, h.3));
                            if dist <= pd {
                                break;
                            }
                            let dr = p.rate.saturating_sub(pr);
                            let s = if dr == 0 {
                                f64::INFINITY
                            } else {
                                (dist - pd) / dr as f64
                            };
                            if !hull.is_empty() && s >= ps {
                                hull.pop();
                                continue;
                            }
                            hull.push((k as u32 + 1, p.rate, dist, s));
                            break;
                        }
                    }
                    out.push(Hull {
                        c,
                        r,
                        b,
                        i,
                        points: hull.iter().map(|h| (h.0, h.1, h.3)).collect(),
                    });
                }
            }
        }
    }
    out
}

/// The hull point each block keeps at slope threshold `lambda` (None: nothing).
fn pick(h: &Hull, lambda: f64) -> Option<&(u32, usize, f64)> {
    h.points.iter().take_while(|p| p.2 >= lambda).last()
}

/// The block bytes kept at slope threshold `lambda`.
fn bytes_at(hulls: &[Hull], lambda: f64) -> usize {
    hulls
        .iter()
        .filter_map(|h| pick(h, lambda).map(|p| p.1))
        .sum()
}

/// The lowest threshold (most bytes) whose block bytes fit in `budget`.
fn threshold(hulls: &[Hull], budget: usize) -> f64 {
    if bytes_at(hulls, 0.0) <= budget {
        return 0.0;
    }
    // Slopes are positive and finite or infinite; bisect log2 of the threshold.
    let (mut lo, mut hi) = (-200.0f64, 200.0f64);
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if bytes_at(hulls, mid.exp2()) <= budget {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi.exp2()
}

/// Hull points kept per block at threshold `lambda`, then, while the budget allows, the
/// next point of the block whose next step has the steepest slope among those that fit:
/// with few blocks (small images) one threshold step can be a large share of the budget.
fn choose(hulls: &[Hull], lambda: f64, budget: usize) -> (Vec<usize>, usize) {
    let mut kept: Vec<usize> = hulls
        .iter()
        .map(|h| h.points.iter().take_while(|p| p.2 >= lambda).count())
        .collect();
    let rate = |h: &Hull, k: usize| if k == 0 { 0 } else { h.points[k - 1].1 };
    let mut used: usize = hulls.iter().zip(&kept).map(|(h, &k)| rate(h, k)).sum();
    loop {
        let best = hulls
            .iter()
            .zip(&kept)
            .enumerate()
            .filter(|(_, (h, k))| **k < h.points.len())
            .filter(|(_, (h, k))| used + rate(h, **k + 1) - rate(h, **k) <= budget)
            .max_by(|a, b| a.1.0.points[*a.1.1].2.total_cmp(&b.1.0.points[*b.1.1].2))
            .map(|(i, _)| i);
        let Some(i) = best else { break };
        used += rate(&hulls[i], kept[i] + 1) - rate(&hulls[i], kept[i]);
        kept[i] += 1;
    }
    (kept, used)
}

/// Cuts the blocks of `coded` after the `kept` hull points of each.
fn apply(coded: &mut Coded, hulls: &[Hull], kept: &[usize]) {
    for (h, &k) in hulls.iter().zip(kept) {
        let block = &mut coded.bands[h.c][h.r][h.b].blocks[h.i];
        let (passes, len) = if k == 0 {
            (0, 0)
        } else {
            (h.points[k - 1].0, h.points[k - 1].1)
        };
        block.passes = passes;
        block.len = len;
    }
}

/// Truncates the blocks of `coded` so that the packets `body_len` lays out from them take at
/// most `budget` bytes, as close to it as the truncation points allow: the tier-2 overhead
/// (headers) is measured after a first allocation and the blocks' budget corrected by it.
pub(super) fn allocate(
    coded: &mut Coded,
    weights: &[f64],
    comp: &[f64],
    budget: usize,
    body_len: impl Fn(&Coded) -> usize,
) {
    let hulls = hulls(coded, weights, comp);
    // A first guess of the headers: a few bytes per block.
    let mut blocks_budget = budget.saturating_sub(hulls.len() * 3);
    for _ in 0..4 {
        let lambda = threshold(&hulls, blocks_budget);
        let (kept, data) = choose(&hulls, lambda, blocks_budget);
        apply(coded, &hulls, &kept);
        let body = body_len(coded);
        let overhead = body.saturating_sub(data);
        let next = budget.saturating_sub(overhead);
        if body <= budget && next <= blocks_budget + blocks_budget / 500 {
            return;
        }
        blocks_budget = if body > budget {
            blocks_budget.saturating_sub(body - budget).min(next)
        } else {
            next
        };
    }
    let lambda = threshold(&hulls, blocks_budget);
    let (kept, _) = choose(&hulls, lambda, blocks_budget);
    apply(coded, &hulls, &kept);
}

#[cfg(test)]
thread_local! {
    /// Makes [`depths`] code every plane, for the tests to compare with.
    pub(super) static FULL_DEPTH: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Planes coded beyond the estimate's cut, for its errors (each plane below costs more to
/// code than the one above, and the allocation rarely keeps passes of a plane whose estimated
/// slope is far below its threshold).
const EXTRA_PLANES: u32 = 2;

/// Estimated (bytes, weighted squared error removed) of each bit-plane of a block from the
/// count of its samples whose top bit is each plane (`hist`), top plane first. Error: a
/// sample turning significant at plane `p` removes 2.25 4^p on average, a refined one
/// 4^p / 4. Bytes: a bit per refinement and sign, and the zeroth-order entropy of which
/// insignificant samples turn significant (context modelling codes all of it for less).
fn plane_estimates(hist: &[u32; 32], area: usize, wgt: f64) -> Vec<(f64, f64)> {
    let numbps = hist.iter().rposition(|&n| n > 0).map_or(0, |p| p + 1);
    let mut sig = 0f64;
    let mut out = Vec::with_capacity(numbps);
    for p in (0..numbps).rev() {
        let new = f64::from(hist[p]);
        let insig = area as f64 - sig;
        let q = if insig > 0.0 { new / insig } else { 0.0 };
        let h = if q <= 0.0 || q >= 1.0 {
            0.0
        } else {
            -(q * q.log2() + (1.0 - q) * (1.0 - q).log2())
        };
        let bits = sig + new + insig * h;
        let scale = (4f64).powi(p as i32) * wgt;
        out.push((bits / 8.0, scale * (2.25 * new + 0.25 * sig)));
        sig += new;
    }
    out
}

/// Bit-planes to code per block (`hists[k]`: its samples by top bit, `areas[k]`, `wgts[k]`
/// its error weight) so that rate allocation to `budget` bytes most likely cuts each inside
/// them: the allocation run on estimated plane sizes and errors, plus [`EXTRA_PLANES`].
pub(super) fn depths(
    hists: &[[u32; 32]],
    areas: &[usize],
    wgts: &[f64],
    budget: usize,
) -> Vec<u32> {
    #[cfg(test)]
    if FULL_DEPTH.get() {
        return vec![u32::MAX; hists.len()];
    }
    let est: Vec<Vec<(f64, f64)>> = hists
        .iter()
        .zip(areas)
        .zip(wgts)
        .map(|((h, &a), &w)| plane_estimates(h, a, w))
        .collect();
    // Planes kept at threshold `lambda`: those down to the last whose slope reaches it.
    let kept = |e: &[(f64, f64)], lambda: f64| {
        e.iter()
            .rposition(|&(r, d)| r <= 0.0 || d >= lambda * r)
            .map_or(0, |p| p + 1)
    };
    let bytes = |lambda: f64| -> f64 {
        est.iter()
            .map(|e| e[..kept(e, lambda)].iter().map(|p| p.0).sum::<f64>())
            .sum()
    };
    let (mut lo, mut hi) = (-200.0f64, 200.0f64);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if bytes(mid.exp2()) <= budget as f64 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let lambda = lo.exp2();
    est.iter()
        .map(|e| {
            (kept(e, lambda) as u32 + EXTRA_PLANES)
                .min(e.len() as u32)
                .max(1)
        })
        .collect()
}

/// The blocks (indices into `blocks`) that the last allocation cut inside their last coded
/// bit-plane while planes below were not coded: they may deserve more.
pub(super) fn too_shallow(coded: &Coded, blocks: &[BlockAt]) -> Vec<usize> {
    blocks
        .iter()
        .enumerate()
        .filter(|(_, at)| {
            let band = &coded.bands[at.c][at.r][at.b];
            let (block, points) = (&band.blocks[at.i], &band.points[at.i]);
            let full = (3 * block.numbps).saturating_sub(2) as usize;
            points.len() < full && block.passes as usize + 3 > points.len()
        })
        .map(|(k, _)| k)
        .collect()
}
