//! Tile geometry (B.5-B.7): resolutions, sub-bands, precincts and code-blocks of a
//! tile-component, on the reference grid.

use crate::dwt::ResRect;

/// `ceil(a / 2^b)` for possibly negative `a`.
fn ceil_div_pow2(a: i64, b: u32) -> i64 {
    -((-a) >> b)
}

/// Resolution `r` of a tile-component with `levels` decomposition levels (B-14).
pub(super) fn resolution_rect(tc: ResRect, levels: u32, r: u32) -> ResRect {
    let s = levels - r;
    let f = |v: u32| ceil_div_pow2(i64::from(v), s) as u32;
    ResRect {
        x0: f(tc.x0),
        y0: f(tc.y0),
        x1: f(tc.x1),
        y1: f(tc.y1),
    }
}

/// Sub-band of orientation `orient` (0 LL only at r = 0; 1 HL, 2 LH, 3 HH at r >= 1) (B-15).
pub(super) fn band_rect(tc: ResRect, levels: u32, r: u32, orient: u8) -> ResRect {
    if r == 0 {
        return resolution_rect(tc, levels, 0);
    }
    let nb = levels - r + 1;
    let xo = i64::from(orient & 1) << (nb - 1);
    let yo = i64::from(orient >> 1) << (nb - 1);
    let f = |v: u32, o: i64| ceil_div_pow2(i64::from(v) - o, nb) as u32;
    ResRect {
        x0: f(tc.x0, xo),
        y0: f(tc.y0, yo),
        x1: f(tc.x1, xo),
        y1: f(tc.y1, yo),
    }
}

pub(super) fn is_empty(r: &ResRect) -> bool {
    r.x0 >= r.x1 || r.y0 >= r.y1
}

/// Number of precincts across and down a resolution with exponents `pdx`, `pdy` (B-16).
pub(super) fn precinct_counts(res: &ResRect, pdx: u32, pdy: u32) -> (u32, u32) {
    if is_empty(res) {
        return (0, 0);
    }
    let n =
        |a: u32, b: u32, e: u32| ((u64::from(b).div_ceil(1u64 << e)) - (u64::from(a) >> e)) as u32;
    (n(res.x0, res.x1, pdx), n(res.y0, res.y1, pdy))
}

/// The part of precinct `(i, j)` inside a band, in band coordinates: the precinct grid of
/// the resolution (exponents `pdx`, `pdy`, origin `res`) mapped into the band (one exponent
/// less for r > 0), clipped to the band. May be empty.
pub(super) fn precinct_in_band(
    res: &ResRect,
    band: &ResRect,
    r: u32,
    pdx: u32,
    pdy: u32,
    i: u32,
    j: u32,
) -> ResRect {
    let (bpx, bpy) = if r == 0 {
        (pdx, pdy)
    } else {
        (pdx - 1, pdy - 1)
    };
    let px0 = ((u64::from(res.x0) >> pdx) + u64::from(i)) << bpx;
    let py0 = ((u64::from(res.y0) >> pdy) + u64::from(j)) << bpy;
    let x0 = px0.max(u64::from(band.x0));
    let y0 = py0.max(u64::from(band.y0));
    let x1 = (px0 + (1u64 << bpx)).min(u64::from(band.x1));
    let y1 = (py0 + (1u64 << bpy)).min(u64::from(band.y1));
    if x0 >= x1 || y0 >= y1 {
        return ResRect {
            x0: band.x0,
            y0: band.y0,
            x1: band.x0,
            y1: band.y0,
        };
    }
    ResRect {
        x0: x0 as u32,
        y0: y0 as u32,
        x1: x1 as u32,
        y1: y1 as u32,
    }
}

/// Code-blocks across and down a (clipped) precinct with code-block exponents `cbw`, `cbh`.
pub(super) fn cblk_counts(p: &ResRect, cbw: u32, cbh: u32) -> (u32, u32) {
    if is_empty(p) {
        return (0, 0);
    }
    let n =
        |a: u32, b: u32, e: u32| ((u64::from(b).div_ceil(1u64 << e)) - (u64::from(a) >> e)) as u32;
    (n(p.x0, p.x1, cbw), n(p.y0, p.y1, cbh))
}

/// Code-block `(m, n)` of a (clipped) precinct.
pub(super) fn cblk_rect(p: &ResRect, cbw: u32, cbh: u32, m: u32, n: u32) -> ResRect {
    let x0 = ((u64::from(p.x0) >> cbw) + u64::from(m)) << cbw;
    let y0 = ((u64::from(p.y0) >> cbh) + u64::from(n)) << cbh;
    ResRect {
        x0: x0.max(u64::from(p.x0)) as u32,
        y0: y0.max(u64::from(p.y0)) as u32,
        x1: (x0 + (1u64 << cbw)).min(u64::from(p.x1)) as u32,
        y1: (y0 + (1u64 << cbh)).min(u64::from(p.y1)) as u32,
    }
}
