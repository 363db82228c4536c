//! Tile geometry (ISO/IEC 15444-1 Annex B: tile-components, resolutions, sub-bands, precincts,
//! code-blocks) and tier-2 packet decoding (B.9, B.10, B.12): which coding passes and bytes of
//! every code-block each packet carries.

mod bits;
mod geometry;
mod packet;
#[cfg(test)]
mod tests;

use crate::Error;
use crate::dwt::ResRect;
use crate::t1::{BlockParams, Segment};
use bits::TagTrees;
use geometry::{
    band_rect, cblk_counts, cblk_rect, precinct_counts, precinct_in_band, resolution_rect,
};

/// Most code-blocks one tile may have (bounds the per-tile state).
const MAX_CODE_BLOCKS: u64 = 1 << 20;

/// Coding parameters of one tile-component, resolved from COD/COC/QCD/QCC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CompParams {
    /// Decomposition levels NL.
    pub levels: u32,
    /// Code-block width exponent (2..=10).
    pub xcb: u32,
    /// Code-block height exponent (2..=10).
    pub ycb: u32,
    /// Code-block style byte.
    pub style: u8,
    /// 5/3 (true) or 9/7 (false).
    pub reversible: bool,
    /// Per resolution `PPx | PPy << 4`, `levels + 1` entries.
    pub precincts: Vec<u8>,
    /// Guard bits.
    pub guard_bits: u32,
    /// `(exponent, mantissa)` per sub-band (0 LL, then HL, LH, HH per resolution level).
    pub steps: Vec<(u32, u32)>,
    /// Component precision in bits.
    pub precision: u32,
}

/// Everything tier-2 needs to know about a tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TileParams {
    /// Tile rectangle on the reference grid (also every tile-component's: no sub-sampling).
    pub rect: ResRect,
    /// Per component.
    pub comps: Vec<CompParams>,
    /// Progression order 0 LRCP, 1 RLCP, 2 RPCL, 3 PCRL, 4 CPRL.
    pub progression: u8,
    /// Quality layers.
    pub layers: u32,
    /// SOP marker segments may precede packets.
    pub sop: bool,
    /// EPH markers follow packet headers.
    pub eph: bool,
}

/// A code-block with at least one coding pass, ready for tier-1.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Block {
    /// Component index.
    pub comp: usize,
    /// Column of the block's first sample in the tile-component buffer (band layout of dwt.rs).
    pub x: u32,
    /// Row of the block's first sample in the tile-component buffer.
    pub y: u32,
    /// Tier-1 parameters.
    pub params: BlockParams,
    /// `0.5 * step size` of the band (irreversible only; OpenJPEG's dequantisation factor).
    pub scale: f32,
    /// Codeword segments in order.
    pub segments: Vec<Segment>,
    /// `(start, len)` byte ranges in the tile data, concatenated in order they give the block's
    /// bytes.
    pub ranges: Vec<(usize, usize)>,
}

/// The result of tier-2 for one tile.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TileLayout {
    /// Per component, its resolutions 0..=NL (dwt.rs's `res` argument).
    pub res: Vec<Vec<ResRect>>,
    /// The code-blocks that have coding passes.
    pub blocks: Vec<Block>,
    /// Bytes of the tile data the packets used (the rest is padding).
    pub consumed: usize,
}

/// A malformed packet: `what` at byte `pos` of the tile's packet data, which starts at
/// codestream byte `base`.
fn err(base: usize, pos: usize, what: &str) -> Error {
    Error::malformed_at(
        base,
        format!("J2K packet data byte {pos} of the tile starting here: {what}"),
    )
}

#[derive(Debug, Clone)]
struct BandGeom {
    orient: u8,
    rect: ResRect,
    cbw: u32,
    cbh: u32,
    /// Placement of the band's origin in the tile-component buffer.
    off_x: u32,
    off_y: u32,
    /// Mb = exponent + guard bits - 1.
    mb: i32,
    scale: f32,
    /// Index of this band's precinct 0 in `Tier2::precincts`.
    prec_first: usize,
}

#[derive(Debug, Clone)]
struct ResGeom {
    rect: ResRect,
    pdx: u32,
    pdy: u32,
    pw: u32,
    ph: u32,
    bands: Vec<BandGeom>,
}

#[derive(Debug, Clone, Copy)]
struct Precinct {
    /// Code-blocks across.
    cw: u32,
    ch: u32,
    cblk_first: usize,
    incl: usize,
    zbp: usize,
}

#[derive(Debug, Clone, Default)]
struct Cblk {
    rect: ResRect,
    included: bool,
    numlenbits: u32,
    zbp: u32,
    passes: u32,
    /// Maximum passes of the last segment.
    last_max: u32,
    segs: Vec<Segment>,
    ranges: Vec<(usize, usize)>,
}

struct Tier2<'a> {
    p: &'a TileParams,
    data: &'a [u8],
    base: usize,
    pos: usize,
    comps: Vec<Vec<ResGeom>>,
    precincts: Vec<Precinct>,
    cblks: Vec<Cblk>,
    trees: TagTrees,
    /// `(code-block, bytes)` contributions of the packet being read.
    pending: Vec<(usize, usize)>,
}

/// Maximum passes of a new codeword segment (OpenJPEG's `opj_t2_init_seg`).
fn seg_max(style: u8, prev_max: Option<u32>) -> u32 {
    if style & 0x04 != 0 {
        1
    } else if style & 0x01 != 0 {
        match prev_max {
            None => 10,
            Some(1) | Some(10) => 2,
            Some(_) => 1,
        }
    } else {
        109
    }
}

impl<'a> Tier2<'a> {
    fn build(p: &'a TileParams, data: &'a [u8], base: usize) -> Result<Tier2<'a>, Error> {
        let tc = p.rect;
        // Every packet takes at least one byte, so the data bounds the precinct count.
        let mut packets = 0u64;
        for c in &p.comps {
            for r in 0..=c.levels {
                let res = resolution_rect(tc, c.levels, r);
                let b = *c.precincts.get(r as usize).unwrap_or(&0xFF);
                let (pw, ph) = precinct_counts(&res, u32::from(b & 0xF), u32::from(b >> 4));
                packets += u64::from(pw) * u64::from(ph) * u64::from(p.layers);
            }
        }
        if packets > data.len() as u64 {
            return Err(err(
                base,
                data.len(),
                "fewer data bytes than packets (truncated tile)",
            ));
        }
        let mut comps = Vec::with_capacity(p.comps.len());
        let mut precincts: Vec<Precinct> = Vec::new();
        let mut ncblks = 0u64;
        for c in &p.comps {
            let mut levels = Vec::with_capacity(c.levels as usize + 1);
            let mut prev: Option<ResRect> = None;
            for r in 0..=c.levels {
                let rect = resolution_rect(tc, c.levels, r);
                let b = *c.precincts.get(r as usize).unwrap_or(&0xFF);
                let (pdx, pdy) = (u32::from(b & 0xF), u32::from(b >> 4));
                if r > 0 && (pdx == 0 || pdy == 0) {
                    return Err(Error::malformed(
                        "J2K precinct exponent 0 above resolution 0",
                    ));
                }
                let (pw, ph) = precinct_counts(&rect, pdx, pdy);
                let (bpx, bpy) = if r == 0 {
                    (pdx, pdy)
                } else {
                    (pdx - 1, pdy - 1)
                };
                let orients: &[u8] = if r == 0 { &[0] } else { &[1, 2, 3] };
                let mut bands = Vec::with_capacity(orients.len());
                for &o in orients {
                    let brect = band_rect(tc, c.levels, r, o);
                    let bi = if r == 0 {
                        0
                    } else {
                        3 * (r as usize - 1) + usize::from(o)
                    };
                    let (expn, mant) = *c.steps.get(bi).ok_or_else(|| {
                        Error::malformed(format!("J2K quantisation lacks sub-band {bi}"))
                    })?;
                    let mb = expn as i32 + c.guard_bits as i32 - 1;
                    let step = ((1.0 + f64::from(mant) / 2048.0)
                        * 2f64.powi(c.precision as i32 - expn as i32))
                        as f32;
                    let (off_x, off_y) = match prev {
                        Some(pr) => (
                            if o & 1 != 0 { pr.x1 - pr.x0 } else { 0 },
                            if o & 2 != 0 { pr.y1 - pr.y0 } else { 0 },
                        ),
                        None => (0, 0),
                    };
                    let cbw = c.xcb.min(bpx);
                    let cbh = c.ycb.min(bpy);
                    let prec_first = precincts.len();
                    for j in 0..ph {
                        for i in 0..pw {
                            let pr = precinct_in_band(&rect, &brect, r, pdx, pdy, i, j);
                            let (cw, ch) = cblk_counts(&pr, cbw, cbh);
                            ncblks += u64::from(cw) * u64::from(ch);
                            if ncblks > MAX_CODE_BLOCKS {
                                return Err(Error::unsupported(
                                    "J2K tile with too many code-blocks",
                                ));
                            }
                            precincts.push(Precinct {
                                cw,
                                ch,
                                cblk_first: 0,
                                incl: 0,
                                zbp: 0,
                            });
                        }
                    }
                    bands.push(BandGeom {
                        orient: o,
                        rect: brect,
                        cbw,
                        cbh,
                        off_x,
                        off_y,
                        mb,
                        scale: 0.5f32 * step,
                        prec_first,
                    });
                }
                levels.push(ResGeom {
                    rect,
                    pdx,
                    pdy,
                    pw,
                    ph,
                    bands,
                });
                prev = Some(rect);
            }
            comps.push(levels);
        }
        // Code-blocks and tag trees, now that their number is known to be reasonable.
        let mut cblks = Vec::with_capacity(ncblks as usize);
        let mut trees = TagTrees::default();
        for levels in &comps {
            for (r, res) in levels.iter().enumerate() {
                for band in &res.bands {
                    for j in 0..res.ph {
                        for i in 0..res.pw {
                            let k = band.prec_first + (j * res.pw + i) as usize;
                            let pr = precinct_in_band(
                                &res.rect, &band.rect, r as u32, res.pdx, res.pdy, i, j,
                            );
                            let Some(prec) = precincts.get_mut(k) else {
                                return Err(Error::malformed("J2K precinct index"));
                            };
                            prec.cblk_first = cblks.len();
                            prec.incl = trees.add(prec.cw, prec.ch);
                            prec.zbp = trees.add(prec.cw, prec.ch);
                            for n in 0..prec.ch {
                                for m in 0..prec.cw {
                                    cblks.push(Cblk {
                                        rect: cblk_rect(&pr, band.cbw, band.cbh, m, n),
                                        ..Cblk::default()
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(Tier2 {
            p,
            data,
            base,
            pos: 0,
            comps,
            precincts,
            cblks,
            trees,
            pending: Vec::new(),
        })
    }

    fn run(&mut self) -> Result<(), Error> {
        let p = self.p;
        let layers = p.layers;
        let max_res = p.comps.iter().map(|c| c.levels + 1).max().unwrap_or(0) as usize;
        let nprec = |t: &Tier2<'_>, c: usize, r: usize| {
            t.comps
                .get(c)
                .and_then(|l| l.get(r))
                .map_or(0, |res| res.pw as usize * res.ph as usize)
        };
        match p.progression {
            0 => {
                for l in 0..layers {
                    for r in 0..max_res {
                        for c in 0..p.comps.len() {
                            for k in 0..nprec(self, c, r) {
                                self.packet(c, r, k, l)?;
                            }
                        }
                    }
                }
            }
            1 => {
                for r in 0..max_res {
                    for l in 0..layers {
                        for c in 0..p.comps.len() {
                            for k in 0..nprec(self, c, r) {
                                self.packet(c, r, k, l)?;
                            }
                        }
                    }
                }
            }
            prog => {
                // Position-driven orders (B.12.1.3-5): a precinct is visited at the
                // reference-grid point where it starts, or at the tile origin for the first
                // precinct when it starts before it; sorting by that point reproduces the
                // standard's (and OpenJPEG's) loops over x and y.
                let mut visits: Vec<([u64; 4], u32, u32, u32)> = Vec::new();
                let tc = p.rect;
                for (c, levels) in self.comps.iter().enumerate() {
                    let nl = levels.len() as u32 - 1;
                    for (r, res) in levels.iter().enumerate() {
                        let lev = nl - r as u32;
                        for j in 0..res.ph {
                            let py = ((u64::from(res.rect.y0) >> res.pdy) + u64::from(j))
                                << (res.pdy + lev);
                            let y = py.max(u64::from(tc.y0));
                            for i in 0..res.pw {
                                let px = ((u64::from(res.rect.x0) >> res.pdx) + u64::from(i))
                                    << (res.pdx + lev);
                                let x = px.max(u64::from(tc.x0));
                                let (c64, r64) = (c as u64, r as u64);
                                let key = match prog {
                                    2 => [r64, y, x, c64],
                                    3 => [y, x, c64, r64],
                                    _ => [c64, y, x, r64],
                                };
                                visits.push((key, c as u32, r as u32, j * res.pw + i));
                            }
                        }
                    }
                }
                visits.sort_unstable_by_key(|v| v.0);
                for &(_, c, r, k) in &visits {
                    for l in 0..layers {
                        self.packet(c as usize, r as usize, k as usize, l)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<TileLayout, Error> {
        let mut blocks = Vec::new();
        let mut res_out = Vec::with_capacity(self.comps.len());
        for (c, levels) in self.comps.iter().enumerate() {
            res_out.push(levels.iter().map(|r| r.rect).collect());
            let style = self.p.comps.get(c).map_or(0, |c| c.style);
            for res in levels {
                for band in &res.bands {
                    for k in 0..(res.pw as usize * res.ph as usize) {
                        let Some(prec) = self.precincts.get(band.prec_first + k) else {
                            continue;
                        };
                        let n = prec.cw as usize * prec.ch as usize;
                        let Some(cbs) = self.cblks.get_mut(prec.cblk_first..prec.cblk_first + n)
                        else {
                            continue;
                        };
                        for cb in cbs {
                            if cb.passes == 0 {
                                continue;
                            }
                            // zbp <= Mb was checked when it was read.
                            let numbps = (band.mb - cb.zbp as i32) as u32;
                            blocks.push(Block {
                                comp: c,
                                x: band.off_x + (cb.rect.x0 - band.rect.x0),
                                y: band.off_y + (cb.rect.y0 - band.rect.y0),
                                params: BlockParams {
                                    width: cb.rect.x1 - cb.rect.x0,
                                    height: cb.rect.y1 - cb.rect.y0,
                                    orientation: band.orient,
                                    style,
                                    numbps,
                                },
                                scale: band.scale,
                                segments: std::mem::take(&mut cb.segs),
                                ranges: std::mem::take(&mut cb.ranges),
                            });
                        }
                    }
                }
            }
        }
        Ok(TileLayout {
            res: res_out,
            blocks,
            consumed: self.pos,
        })
    }
}

/// Runs tier-2 over a tile's data (its tile-part bodies concatenated); `base` is the
/// codestream offset of the data, for messages.
pub(super) fn read_tile(p: &TileParams, data: &[u8], base: usize) -> Result<TileLayout, Error> {
    let mut t2 = Tier2::build(p, data, base)?;
    t2.run()?;
    t2.finish()
}
