//! Tile geometry (ISO/IEC 15444-1 Annex B: tile-components, resolutions, sub-bands, precincts,
//! code-blocks) and tier-2 packet decoding (B.9, B.10, B.12): which coding passes and bytes of
//! every code-block each packet carries.

use super::NativeError;
use super::dwt::ResRect;
use super::t1::{BlockParams, Segment};

/// Most code-blocks one tile may have (bounds the per-tile state).
const MAX_CODE_BLOCKS: u64 = 1 << 20;
/// Marks a tag-tree node without parent or without known value.
const NONE: u32 = u32::MAX;

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

fn err(base: usize, pos: usize, what: &str) -> NativeError {
    NativeError::Malformed(format!(
        "J2K packet data byte {pos} of the tile whose data starts at codestream byte {base}: {what}"
    ))
}

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

fn is_empty(r: &ResRect) -> bool {
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
fn cblk_counts(p: &ResRect, cbw: u32, cbh: u32) -> (u32, u32) {
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

/// Packet-header bit reader (B.10.1): after a 0xFF byte the next byte holds only 7 bits.
pub(super) struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    buf: u32,
    ct: u32,
}

impl<'a> BitReader<'a> {
    /// Starts reading at `pos`.
    pub(super) fn new(data: &'a [u8], pos: usize) -> BitReader<'a> {
        BitReader {
            data,
            pos,
            buf: 0,
            ct: 0,
        }
    }

    fn byte_in(&mut self) -> Option<()> {
        self.buf = (self.buf << 8) & 0xFFFF;
        self.ct = if self.buf == 0xFF00 { 7 } else { 8 };
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        self.buf |= u32::from(b);
        Some(())
    }

    /// One bit; `None` past the end of the data.
    pub(super) fn bit(&mut self) -> Option<u32> {
        if self.ct == 0 {
            self.byte_in()?;
        }
        self.ct -= 1;
        Some((self.buf >> self.ct) & 1)
    }

    /// `n` (<= 32) bits, most significant first.
    pub(super) fn bits(&mut self, n: u32) -> Option<u32> {
        let mut v = 0u64;
        for _ in 0..n {
            v = v << 1 | u64::from(self.bit()?);
        }
        Some(v as u32)
    }

    /// Ends the header: skips the remaining bits of the byte, and the stuffed byte that must
    /// follow a final 0xFF. Returns the position after the header.
    pub(super) fn align(&mut self) -> Option<usize> {
        if self.buf & 0xFF == 0xFF {
            self.byte_in()?;
        }
        self.ct = 0;
        Some(self.pos)
    }

    /// Number of coding passes (B.10.6, Table B.4).
    pub(super) fn num_passes(&mut self) -> Option<u32> {
        if self.bit()? == 0 {
            return Some(1);
        }
        if self.bit()? == 0 {
            return Some(2);
        }
        let n = self.bits(2)?;
        if n != 3 {
            return Some(3 + n);
        }
        let n = self.bits(5)?;
        if n != 31 {
            return Some(6 + n);
        }
        Some(37 + self.bits(7)?)
    }

    /// Lblock increment: a run of 1 bits ended by a 0 (B.10.7.1). Capped (a longer run could
    /// never give a valid length) so the loop always ends.
    pub(super) fn comma_code(&mut self) -> Option<u32> {
        let mut n = 0;
        while self.bit()? == 1 {
            n += 1;
            if n > 32 {
                return None;
            }
        }
        Some(n)
    }
}

/// One tag-tree node: its value once known, and the lower bound established so far.
#[derive(Debug, Clone, Copy)]
struct Node {
    parent: u32,
    value: u32,
    low: u32,
}

/// Tag trees (B.10.2) of a tile in one arena; a tree is identified by its first (leaf) node.
#[derive(Debug, Default)]
pub(super) struct TagTrees {
    nodes: Vec<Node>,
}

impl TagTrees {
    /// Adds a `w` x `h` tree, returning the index of leaf 0 (leaves are row-major).
    pub(super) fn add(&mut self, w: u32, h: u32) -> usize {
        let first = self.nodes.len();
        if w == 0 || h == 0 {
            return first;
        }
        let (mut lw, mut lh) = (w as usize, h as usize);
        let mut level_start = first;
        loop {
            let next_start = level_start + lw * lh;
            let (nw, nh) = (lw.div_ceil(2), lh.div_ceil(2));
            let root = lw == 1 && lh == 1;
            for y in 0..lh {
                for x in 0..lw {
                    let parent = if root {
                        NONE
                    } else {
                        (next_start + (y / 2) * nw + x / 2) as u32
                    };
                    self.nodes.push(Node {
                        parent,
                        value: NONE,
                        low: 0,
                    });
                }
            }
            if root {
                break;
            }
            level_start = next_start;
            lw = nw;
            lh = nh;
        }
        first
    }

    fn path(&self, leaf: usize, stack: &mut [u32; 64]) -> Option<usize> {
        let mut n = 0;
        let mut i = u32::try_from(leaf).ok()?;
        loop {
            *stack.get_mut(n)? = i;
            n += 1;
            let p = self.nodes.get(i as usize)?.parent;
            if p == NONE {
                return Some(n);
            }
            i = p;
        }
    }

    /// Whether the leaf's value is below `threshold`, reading the bits needed to know (the
    /// inclusion tree, B.10.4).
    pub(super) fn decode(
        &mut self,
        br: &mut BitReader<'_>,
        leaf: usize,
        threshold: u32,
    ) -> Option<bool> {
        let mut stack = [0u32; 64];
        let n = self.path(leaf, &mut stack)?;
        let mut low = 0;
        for &i in stack.get(..n)?.iter().rev() {
            let node = self.nodes.get_mut(i as usize)?;
            if low > node.low {
                node.low = low;
            } else {
                low = node.low;
            }
            while low < threshold && low < node.value {
                if br.bit()? == 1 {
                    node.value = low;
                } else {
                    low += 1;
                }
            }
            node.low = low;
        }
        Some(self.nodes.get(leaf)?.value < threshold)
    }

    /// The leaf's value (the zero bit-plane tree, B.10.5): the same bits OpenJPEG reads by
    /// decoding with thresholds 1, 2, ... until the leaf is known. `Err(())` when a value
    /// would exceed `cap`.
    pub(super) fn value(
        &mut self,
        br: &mut BitReader<'_>,
        leaf: usize,
        cap: u32,
    ) -> Option<Result<u32, ()>> {
        let mut stack = [0u32; 64];
        let n = self.path(leaf, &mut stack)?;
        let mut low = 0;
        for &i in stack.get(..n)?.iter().rev() {
            let node = self.nodes.get_mut(i as usize)?;
            low = low.max(node.low);
            while node.value == NONE {
                if low > cap {
                    return Some(Err(()));
                }
                if br.bit()? == 1 {
                    node.value = low;
                } else {
                    low += 1;
                }
            }
            low = node.value.max(low);
            node.low = low;
        }
        Some(Ok(self.nodes.get(leaf)?.value))
    }
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
    fn build(p: &'a TileParams, data: &'a [u8], base: usize) -> Result<Tier2<'a>, NativeError> {
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
                    return Err(NativeError::Malformed(
                        "J2K precinct exponent 0 above resolution 0".into(),
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
                        NativeError::Malformed(format!("J2K quantisation lacks sub-band {bi}"))
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
                                return Err(NativeError::Unsupported(
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
                                return Err(NativeError::Malformed("J2K precinct index".into()));
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

    fn packet(&mut self, c: usize, r: usize, prec: usize, layer: u32) -> Result<(), NativeError> {
        let (base, start) = (self.base, self.pos);
        let style = self.p.comps.get(c).map_or(0, |c| c.style);
        if self.p.sop
            && self.data.len().saturating_sub(self.pos) >= 6
            && self.data.get(self.pos..self.pos + 2) == Some(&[0xFF, 0x91])
        {
            self.pos += 6;
        }
        let mut br = BitReader::new(self.data, self.pos);
        let trunc = |br: &BitReader<'_>| err(base, br.pos, "packet header truncated");
        self.pending.clear();
        let present = br.bit().ok_or_else(|| trunc(&br))?;
        if present == 1 {
            let res = self
                .comps
                .get(c)
                .and_then(|l| l.get(r))
                .ok_or_else(|| err(base, start, "packet of a missing resolution"))?;
            for band in &res.bands {
                if is_empty(&band.rect) {
                    continue;
                }
                let prec = *self
                    .precincts
                    .get(band.prec_first + prec)
                    .ok_or_else(|| err(base, start, "precinct index"))?;
                for k in 0..(prec.cw as usize * prec.ch as usize) {
                    let cb = self
                        .cblks
                        .get_mut(prec.cblk_first + k)
                        .ok_or_else(|| err(base, start, "code-block index"))?;
                    let included = if cb.included {
                        br.bit().ok_or_else(|| trunc(&br))? == 1
                    } else {
                        self.trees
                            .decode(&mut br, prec.incl + k, layer + 1)
                            .ok_or_else(|| trunc(&br))?
                    };
                    if !included {
                        continue;
                    }
                    if !cb.included {
                        // P (B.10.5) may not exceed Mb: numbps = Mb - P must stay >= 0.
                        let zbp = self
                            .trees
                            .value(&mut br, prec.zbp + k, band.mb.max(0) as u32)
                            .ok_or_else(|| trunc(&br))?;
                        cb.zbp = zbp
                            .ok()
                            .filter(|&v| i64::from(v) <= i64::from(band.mb))
                            .ok_or_else(|| {
                                err(base, br.pos, "more zero bit-planes than the sub-band has")
                            })?;
                        cb.included = true;
                        cb.numlenbits = 3;
                    }
                    let mut n = br.num_passes().ok_or_else(|| trunc(&br))?;
                    let inc = br
                        .comma_code()
                        .ok_or_else(|| err(base, br.pos, "bad Lblock increment"))?;
                    cb.numlenbits += inc;
                    // One packet can signal at most 164 passes, and no code-block of 32-bit
                    // coefficients has more than 94; the cap keeps tier-1's work bounded.
                    // (More than 3 * numbps - 2 passes does occur: OpenJPEG's encoder writes
                    // them when the guard bits are too few, and its decoder decodes them.)
                    cb.passes = cb
                        .passes
                        .checked_add(n)
                        .filter(|&p| p <= 164)
                        .ok_or_else(|| err(base, br.pos, "too many coding passes"))?;
                    let mut total = 0usize;
                    let need_new = cb.segs.last().is_none_or(|s| s.passes >= cb.last_max);
                    if need_new {
                        let prev = if cb.segs.is_empty() {
                            None
                        } else {
                            Some(cb.last_max)
                        };
                        cb.last_max = seg_max(style, prev);
                        cb.segs.push(Segment { len: 0, passes: 0 });
                    }
                    loop {
                        let max = cb.last_max;
                        let seg = cb
                            .segs
                            .last_mut()
                            .ok_or_else(|| err(base, br.pos, "segment"))?;
                        let take = (max - seg.passes).min(n);
                        if take == 0 {
                            return Err(err(base, br.pos, "segment bookkeeping"));
                        }
                        let bits = cb.numlenbits + take.ilog2();
                        if bits > 32 {
                            return Err(err(base, br.pos, "codeword segment length over 32 bits"));
                        }
                        let len = br.bits(bits).ok_or_else(|| trunc(&br))? as usize;
                        seg.len = seg
                            .len
                            .checked_add(len)
                            .ok_or_else(|| err(base, br.pos, "code-block too long"))?;
                        seg.passes += take;
                        total = total
                            .checked_add(len)
                            .ok_or_else(|| err(base, br.pos, "code-block too long"))?;
                        n -= take;
                        if n == 0 {
                            break;
                        }
                        cb.last_max = seg_max(style, Some(max));
                        cb.segs.push(Segment { len: 0, passes: 0 });
                    }
                    self.pending.push((prec.cblk_first + k, total));
                }
            }
        }
        let mut pos = br.align().ok_or_else(|| trunc(&br))?;
        if self.p.eph {
            if self.data.get(pos..pos + 2) != Some(&[0xFF, 0x92]) {
                return Err(err(base, pos, "missing EPH marker"));
            }
            pos += 2;
        }
        for &(k, len) in &self.pending {
            let end = pos
                .checked_add(len)
                .filter(|&e| e <= self.data.len())
                .ok_or_else(|| err(base, pos, "packet body truncated"))?;
            if len > 0
                && let Some(cb) = self.cblks.get_mut(k)
            {
                cb.ranges.push((pos, len));
            }
            pos = end;
        }
        self.pos = pos;
        Ok(())
    }

    fn run(&mut self) -> Result<(), NativeError> {
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

    fn finish(mut self) -> Result<TileLayout, NativeError> {
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
pub(super) fn read_tile(
    p: &TileParams,
    data: &[u8],
    base: usize,
) -> Result<TileLayout, NativeError> {
    let mut t2 = Tier2::build(p, data, base)?;
    t2.run()?;
    t2.finish()
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    /// Packs a string of '0'/'1' into bytes MSB first, with bit stuffing after 0xFF.
    fn pack(bits: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut cur, mut n, mut cap) = (0u32, 0u32, 8u32);
        for ch in bits.chars().filter(|c| *c == '0' || *c == '1') {
            cur = cur << 1 | u32::from(ch == '1');
            n += 1;
            if n == cap {
                out.push(cur as u8);
                cap = if cur == 0xFF { 7 } else { 8 };
                cur = 0;
                n = 0;
            }
        }
        if n > 0 {
            out.push((cur << (cap - n)) as u8);
        }
        out
    }

    /// Runs tier-2 over every tile of a codestream, checking that the packets use exactly the
    /// tile data and that every code-block's bookkeeping is consistent.
    fn check_codestream(d: &[u8], what: &str) {
        let cs = super::super::header::parse(d).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        for t in 0..cs.tiles.len() {
            let p = super::super::tile_params(&cs, t).unwrap();
            let (data, base) = cs.tile_data(t);
            let layout =
                read_tile(&p, &data, base).unwrap_or_else(|e| panic!("{what}: tile {t}: {e:?}"));
            assert_eq!(layout.consumed, data.len(), "{what}: tile {t}");
            let (w, h) = (p.rect.x1 - p.rect.x0, p.rect.y1 - p.rect.y0);
            for b in &layout.blocks {
                let passes: u32 = b.segments.iter().map(|s| s.passes).sum();
                let seg_len: usize = b.segments.iter().map(|s| s.len).sum();
                let data_len: usize = b.ranges.iter().map(|r| r.1).sum();
                assert_eq!(seg_len, data_len, "{what}");
                assert!(
                    b.params.numbps > 0 && passes <= 3 * b.params.numbps - 2,
                    "{what}: {b:?}"
                );
                assert!(
                    b.x + b.params.width <= w && b.y + b.params.height <= h,
                    "{what}"
                );
                let style = b.params.style;
                if style & 0x04 != 0 {
                    assert!(b.segments.iter().all(|s| s.passes == 1), "{what}");
                } else if style & 0x01 != 0 {
                    let max: Vec<u32> = (0..b.segments.len())
                        .map(|i| {
                            if i == 0 {
                                10
                            } else if i % 2 == 1 {
                                2
                            } else {
                                1
                            }
                        })
                        .collect();
                    for (s, m) in b.segments.iter().zip(&max) {
                        assert!(s.passes <= *m, "{what}: {:?}", b.segments);
                    }
                    let n = b.segments.len();
                    assert!(
                        b.segments
                            .iter()
                            .zip(&max)
                            .take(n - 1)
                            .all(|(s, m)| s.passes == *m)
                    );
                } else {
                    assert_eq!(b.segments.len(), 1, "{what}");
                }
            }
        }
    }

    #[test]
    fn tier2_consumes_opj_compress_codestreams() {
        if std::process::Command::new("opj_compress")
            .arg("-h")
            .output()
            .is_err()
        {
            // Under CI a missing test tool is a failure (.ci/run installs libopenjp2-tools).
            assert!(
                std::env::var("CI").is_err(),
                "opj_compress (libopenjp2-tools) is required under CI"
            );
            eprintln!("opj_compress not found: skipped");
            return;
        }
        let dir = std::env::temp_dir().join(format!("j2k_tier2_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (w, h) = (75usize, 61usize);
        let mut seed = 99u32;
        let mut img = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                for c in 0..3 {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    let noise = (seed >> 16) % 24;
                    img.push(((x * 3 + y * 2 + c * 40) as u32 % 200 + noise) as u8);
                }
            }
        }
        let ppm = dir.join("in.ppm");
        let mut file = format!("P6\n{w} {h}\n255\n").into_bytes();
        file.extend_from_slice(&img);
        std::fs::write(&ppm, file).unwrap();
        let cases: &[&str] = &[
            "-n 3",
            "-n 4 -p RLCP -r 40,10,1 -SOP -EPH",
            "-n 3 -p RPCL -c [32,32],[16,16] -b 8,8 -r 20,5 -d 3,7",
            "-n 4 -p PCRL -c [64,64],[32,32],[16,16] -b 16,16 -t 32,24 -T 1,2 -d 5,9 -SOP -EPH",
            "-n 3 -p CPRL -c [16,16] -b 4,8 -t 40,40 -T 2,2 -d 11,13 -r 30,10,3 -TP C",
            "-n 5 -p LRCP -M 1 -r 50,20,8,2",
            "-n 3 -p RLCP -M 4 -r 10,3 -TP R",
            "-n 2 -p RPCL -M 5 -c [8,8] -b 4,4 -r 8,2",
            "-n 3 -M 63 -I -r 30,12,4 -t 33,29 -d 1,1",
            "-n 6 -I -p PCRL -c [128,128],[64,64],[8,8] -b 64,16 -q 30,40,50",
            "-n 1 -M 2 -b 64,64 -r 5 -EPH",
            "-n 1 -b 16,16 -r 3",
        ];
        for (i, args) in cases.iter().enumerate() {
            let out = dir.join(format!("c{i}.j2k"));
            let st = std::process::Command::new("opj_compress")
                .arg("-i")
                .arg(&ppm)
                .arg("-o")
                .arg(&out)
                .args(args.split_whitespace())
                .output()
                .unwrap();
            let Ok(d) = std::fs::read(&out) else {
                panic!(
                    "opj_compress {args} failed: {}",
                    String::from_utf8_lossy(&st.stderr)
                );
            };
            check_codestream(&d, args);
            // Truncations never panic and never succeed silently past the tile data.
            for cut in (d.len() / 2..d.len()).step_by(97) {
                let _ = super::super::decode(&d[..cut]);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bit_reader_unstuffs_after_ff() {
        let data = [0xFF, 0x7F, 0x80];
        let mut br = BitReader::new(&data, 0);
        assert_eq!(br.bits(8), Some(0xFF));
        assert_eq!(br.bits(7), Some(0x7F));
        assert_eq!(br.bits(8), Some(0x80));
        assert_eq!(br.bit(), None);
        // A header ending in 0xFF is followed by a stuffed byte, which align skips.
        let data = [0xFF, 0x00, 0xAB];
        let mut br = BitReader::new(&data, 0);
        assert_eq!(br.bits(3), Some(7));
        assert_eq!(br.align(), Some(2));
        let data = [0xFF];
        let mut br = BitReader::new(&data, 0);
        assert_eq!(br.bit(), Some(1));
        assert_eq!(br.align(), None);
        let mut br = BitReader::new(&[0x12, 0x34], 1);
        assert_eq!(br.bit(), Some(0));
        assert_eq!(br.align(), Some(2));
        // The packer used below agrees with the reader.
        let bits = "11111111 1010101 0";
        let v = pack(bits);
        assert_eq!(v, vec![0xFF, 0x55, 0x00]);
    }

    #[test]
    fn pass_count_and_comma_codes() {
        let cases: &[(&str, u32)] = &[
            ("0", 1),
            ("10", 2),
            ("1100", 3),
            ("1101", 4),
            ("1110", 5),
            ("1111 00000", 6),
            ("1111 11110", 36),
            ("1111 11111 0000000", 37),
            ("1111 11111 1111111", 164),
        ];
        for &(bits, n) in cases {
            let d = pack(bits);
            let mut br = BitReader::new(&d, 0);
            assert_eq!(br.num_passes(), Some(n), "{bits}");
        }
        let d = pack("1110 0 10");
        let mut br = BitReader::new(&d, 0);
        assert_eq!(br.comma_code(), Some(3));
        assert_eq!(br.comma_code(), Some(0));
        assert_eq!(br.comma_code(), Some(1));
        let d = [0xFF, 0x7F, 0xFF, 0x7F, 0xFF, 0x7F];
        assert_eq!(BitReader::new(&d, 0).comma_code(), None);
        assert_eq!(BitReader::new(&[0xFE], 0).num_passes(), None);
    }

    /// OpenJPEG's tag-tree encoder, as a reference for the decoder.
    struct Enc {
        w: usize,
        values: Vec<Vec<u32>>,
        lows: Vec<Vec<u32>>,
        known: Vec<Vec<bool>>,
        widths: Vec<usize>,
    }

    impl Enc {
        fn new(w: usize, h: usize, leaves: &[u32]) -> Enc {
            let mut values = vec![leaves.to_vec()];
            let mut widths = vec![w];
            let (mut lw, mut lh) = (w, h);
            while lw > 1 || lh > 1 {
                let (nw, nh) = (lw.div_ceil(2), lh.div_ceil(2));
                let prev = values.last().unwrap().clone();
                let mut v = vec![u32::MAX; nw * nh];
                for y in 0..lh {
                    for x in 0..lw {
                        let p = &mut v[(y / 2) * nw + x / 2];
                        *p = (*p).min(prev[y * lw + x]);
                    }
                }
                values.push(v);
                widths.push(nw);
                lw = nw;
                lh = nh;
            }
            let lows = values.iter().map(|v| vec![0; v.len()]).collect();
            let known = values.iter().map(|v| vec![false; v.len()]).collect();
            Enc {
                w,
                values,
                lows,
                known,
                widths,
            }
        }

        fn encode(&mut self, leaf: usize, threshold: u32, out: &mut String) {
            let (mut x, mut y) = (leaf % self.w, leaf / self.w);
            let mut path = Vec::new();
            for lv in 0..self.values.len() {
                path.push((lv, y * self.widths[lv] + x));
                x /= 2;
                y /= 2;
            }
            let mut low = 0;
            for &(lv, i) in path.iter().rev() {
                if low > self.lows[lv][i] {
                    self.lows[lv][i] = low;
                } else {
                    low = self.lows[lv][i];
                }
                while low < threshold {
                    if low >= self.values[lv][i] {
                        if !self.known[lv][i] {
                            out.push('1');
                            self.known[lv][i] = true;
                        }
                        break;
                    }
                    out.push('0');
                    low += 1;
                }
                self.lows[lv][i] = low;
            }
        }
    }

    #[test]
    fn tag_trees_match_openjpeg_encoder() {
        let mut seed = 12345u32;
        let mut rnd = |m: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 16) % m
        };
        for (w, h) in [(1, 1), (2, 1), (3, 5), (7, 2), (4, 4), (9, 6)] {
            let leaves: Vec<u32> = (0..w * h).map(|_| rnd(6)).collect();
            // Zero bit-plane style: each leaf's value in raster order.
            let mut enc = Enc::new(w, h, &leaves);
            let mut bits = String::new();
            for i in 0..w * h {
                enc.encode(i, 999, &mut bits);
            }
            let d = pack(&bits);
            let mut trees = TagTrees::default();
            let first = trees.add(w as u32, h as u32);
            let mut br = BitReader::new(&d, 0);
            for (i, &v) in leaves.iter().enumerate() {
                assert_eq!(
                    trees.value(&mut br, first + i, 100),
                    Some(Ok(v)),
                    "{w}x{h} leaf {i}"
                );
            }
            // A cap below the value is reported.
            let mut trees = TagTrees::default();
            let first = trees.add(w as u32, h as u32);
            let mut br = BitReader::new(&d, 0);
            if leaves[0] > 1 {
                assert_eq!(trees.value(&mut br, first, 0), Some(Err(())));
            }
            // Inclusion style: thresholds layer + 1 over several layers.
            let mut enc = Enc::new(w, h, &leaves);
            let mut bits = String::new();
            for layer in 0..7 {
                for i in 0..w * h {
                    enc.encode(i, layer + 1, &mut bits);
                }
            }
            let d = pack(&bits);
            let mut trees = TagTrees::default();
            let _ = trees.add(1, 1); // an unrelated tree before, to test offsets
            let first = trees.add(w as u32, h as u32);
            let mut br = BitReader::new(&d, 0);
            for layer in 0..7 {
                for (i, &v) in leaves.iter().enumerate() {
                    let inc = trees.decode(&mut br, first + i, layer + 1);
                    assert_eq!(inc, Some(v < layer + 1), "{w}x{h} layer {layer} leaf {i}");
                }
            }
        }
    }

    #[test]
    fn geometry_with_odd_offsets() {
        let tc = ResRect {
            x0: 3,
            y0: 5,
            x1: 37,
            y1: 22,
        };
        let r = |x0, y0, x1, y1| ResRect { x0, y0, x1, y1 };
        assert_eq!(resolution_rect(tc, 3, 0), r(1, 1, 5, 3));
        assert_eq!(resolution_rect(tc, 3, 1), r(1, 2, 10, 6));
        assert_eq!(resolution_rect(tc, 3, 3), tc);
        // HL of level 3: x from ceil((3 - 4) / 8) = 0 to ceil(33 / 8) = 5.
        assert_eq!(band_rect(tc, 3, 1, 1), r(0, 1, 5, 3));
        assert_eq!(band_rect(tc, 3, 1, 2), r(1, 1, 5, 3));
        assert_eq!(band_rect(tc, 3, 3, 3), r(1, 2, 18, 11));
        assert_eq!(precinct_counts(&r(1, 2, 10, 6), 2, 1), (3, 2));
        assert_eq!(precinct_counts(&r(4, 4, 4, 9), 2, 1), (0, 0));
        // Precinct 1 of resolution 1 (exponent 2 -> 2 in the band), clipped to HL.
        let res1 = resolution_rect(tc, 3, 1);
        let hl = band_rect(tc, 3, 1, 1);
        assert_eq!(precinct_in_band(&res1, &hl, 1, 2, 2, 0, 0), r(0, 1, 2, 2));
        assert_eq!(precinct_in_band(&res1, &hl, 1, 2, 2, 2, 1), r(4, 2, 5, 3));
        assert_eq!(cblk_rect(&r(5, 9, 30, 17), 3, 2, 1, 1), r(8, 12, 16, 16));

        // Properties over many offsets: bands tile their resolution as dwt.rs expects, and the
        // code-blocks of all precincts tile each band exactly.
        let mut seed = 7u32;
        let mut rnd = |m: u32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 16) % m
        };
        for _ in 0..300 {
            let x0 = rnd(200);
            let y0 = rnd(200);
            let tc = r(x0, y0, x0 + 1 + rnd(90), y0 + 1 + rnd(90));
            let nl = rnd(7);
            for res_no in 0..=nl {
                let res = resolution_rect(tc, nl, res_no);
                if res_no > 0 {
                    let prev = resolution_rect(tc, nl, res_no - 1);
                    let hl = band_rect(tc, nl, res_no, 1);
                    let lh = band_rect(tc, nl, res_no, 2);
                    let hh = band_rect(tc, nl, res_no, 3);
                    assert_eq!((prev.x1 - prev.x0) + (hl.x1 - hl.x0), res.x1 - res.x0);
                    assert_eq!((prev.y1 - prev.y0) + (lh.y1 - lh.y0), res.y1 - res.y0);
                    assert_eq!(
                        (hh.x1 - hh.x0, hh.y1 - hh.y0),
                        (hl.x1 - hl.x0, lh.y1 - lh.y0)
                    );
                }
                let pdx = if res_no == 0 { rnd(5) } else { 1 + rnd(5) };
                let pdy = if res_no == 0 { rnd(5) } else { 1 + rnd(5) };
                let (pw, ph) = precinct_counts(&res, pdx, pdy);
                let orients: &[u8] = if res_no == 0 { &[0] } else { &[1, 2, 3] };
                for &o in orients {
                    let band = band_rect(tc, nl, res_no, o);
                    let (bpx, bpy) = if res_no == 0 {
                        (pdx, pdy)
                    } else {
                        (pdx - 1, pdy - 1)
                    };
                    let (cbw, cbh) = ((2 + rnd(3)).min(bpx), (2 + rnd(3)).min(bpy));
                    let mut area = 0u64;
                    for j in 0..ph {
                        for i in 0..pw {
                            let p = precinct_in_band(&res, &band, res_no, pdx, pdy, i, j);
                            let (cw, ch) = cblk_counts(&p, cbw, cbh);
                            for n in 0..ch {
                                for m in 0..cw {
                                    let c = cblk_rect(&p, cbw, cbh, m, n);
                                    assert!(c.x0 < c.x1 && c.y0 < c.y1);
                                    assert!(c.x0 >= band.x0 && c.x1 <= band.x1);
                                    assert!(c.x1 - c.x0 <= 1 << cbw && c.y1 - c.y0 <= 1 << cbh);
                                    area += u64::from(c.x1 - c.x0) * u64::from(c.y1 - c.y0);
                                }
                            }
                        }
                    }
                    let band_area = if is_empty(&band) {
                        0
                    } else {
                        u64::from(band.x1 - band.x0) * u64::from(band.y1 - band.y0)
                    };
                    assert_eq!(area, band_area, "{tc:?} nl {nl} r {res_no} o {o}");
                }
            }
        }
    }
}
