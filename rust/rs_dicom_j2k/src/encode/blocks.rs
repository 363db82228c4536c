//! Tier-1 coding of every code-block of every component: HT, Part 1, or Part 1 with
//! truncation points for rate allocation, then coded only down to the bit-planes the
//! allocation may keep (see `rate::depths`) and coded deeper where it wants more.

use super::Band;
use super::tier2::Contribution;
use crate::Error;
use crate::ht::BlockEncoder;
use crate::t1::{PassPoint, T1Encoder};

/// The code-blocks of one sub-band of one component.
pub(super) struct CodedBand {
    pub(super) cols: usize,
    pub(super) rows: usize,
    pub(super) blocks: Vec<Contribution>,
    /// Each block's truncation points when rate allocation follows (else empty).
    pub(super) points: Vec<Vec<PassPoint>>,
}

/// Every code-block's segment, by component, resolution and band.
pub(super) struct Coded {
    pub(super) data: Vec<u8>,
    /// `bands[c][r][b]`.
    pub(super) bands: Vec<Vec<Vec<CodedBand>>>,
    /// Per sub-band (QCD order), over all components: the bit-planes Kmax must cover.
    pub(super) band_bits: Vec<u32>,
}

/// Where a code-block lies: component, resolution, band (and its QCD index), raster index
/// in the band, its rectangle in the component's transformed plane and its orientation.
#[derive(Clone, Copy, Debug)]
pub(super) struct BlockAt {
    pub(super) c: usize,
    pub(super) r: usize,
    pub(super) b: usize,
    pub(super) qcd: usize,
    pub(super) i: usize,
    pub(super) x0: usize,
    pub(super) y0: usize,
    pub(super) w: usize,
    pub(super) h: usize,
    pub(super) orientation: u8,
}

/// Every code-block of `components` planes, in codestream order (component, resolution,
/// band, raster).
pub(super) fn block_list(
    components: usize,
    resolutions: &[Vec<Band>],
    cb_log2: (u32, u32),
) -> Vec<BlockAt> {
    let (cbw, cbh) = (1usize << cb_log2.0, 1usize << cb_log2.1);
    let mut out = Vec::new();
    for c in 0..components {
        let mut qcd = 0;
        for (r, res) in resolutions.iter().enumerate() {
            for (b, band) in res.iter().enumerate() {
                let (cols, rows) = (band.w.div_ceil(cbw), band.h.div_ceil(cbh));
                let orientation = if res.len() == 1 { 0 } else { b as u8 + 1 };
                for by in 0..rows {
                    for bx in 0..cols {
                        let x0 = band.x0 + bx * cbw;
                        let y0 = band.y0 + by * cbh;
                        out.push(BlockAt {
                            c,
                            r,
                            b,
                            qcd,
                            i: by * cols + bx,
                            x0,
                            y0,
                            w: cbw.min(band.x0 + band.w - x0),
                            h: cbh.min(band.y0 + band.h - y0),
                            orientation,
                        });
                    }
                }
                qcd += 1;
            }
        }
    }
    out
}

/// Codes every code-block of every component, with the HT block coder when `ht`, else the
/// Part 1 one; with `depths` (one per block of [`block_list`]), Part 1 blocks get truncation
/// points and only that many of their top bit-planes are coded.
pub(super) fn code_blocks(
    planes: &[Vec<i32>],
    resolutions: &[Vec<Band>],
    w: usize,
    cb_log2: (u32, u32),
    ht: bool,
    depths: Option<&[u32]>,
) -> Result<Coded, Error> {
    let (cbw, cbh) = (1usize << cb_log2.0, 1usize << cb_log2.1);
    let mut coder = BlockEncoder::default();
    let mut t1 = T1Encoder::default();
    let mut data = Vec::new();
    let mut band_bits = vec![0u32; resolutions.iter().map(Vec::len).sum()];
    let mut bands: Vec<Vec<Vec<CodedBand>>> = (0..planes.len())
        .map(|_| {
            resolutions
                .iter()
                .map(|res| {
                    res.iter()
                        .map(|band| CodedBand {
                            cols: band.w.div_ceil(cbw),
                            rows: band.h.div_ceil(cbh),
                            blocks: Vec::new(),
                            points: Vec::new(),
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    for (k, at) in block_list(planes.len(), resolutions, cb_log2)
        .iter()
        .enumerate()
    {
        let band = &mut bands[at.c][at.r][at.b];
        let offset = data.len();
        let src = &planes[at.c][at.y0 * w + at.x0..];
        let (block, bits) = if ht {
            let (len, max) = coder.encode(src, w, at.w, at.h, &mut data)?;
            // HT cleanup needs the bits of 2 * max - 1 below Kmax.
            let bits = 32 - (2 * max).saturating_sub(1).leading_zeros();
            (Contribution::ht(offset, len), bits)
        } else {
            let c = match depths {
                Some(d) => {
                    let mut p = Vec::new();
                    let depth = d.get(k).copied().unwrap_or(u32::MAX);
                    let c = t1.encode_rd(
                        (src, w, at.w, at.h),
                        at.orientation,
                        depth,
                        &mut data,
                        &mut p,
                    );
                    band.points.push(p);
                    c
                }
                None => t1.encode(src, w, at.w, at.h, at.orientation, &mut data),
            };
            (Contribution::part1(offset, &c), c.numbps)
        };
        band_bits[at.qcd] = band_bits[at.qcd].max(bits);
        band.blocks.push(block);
    }
    Ok(Coded {
        data,
        bands,
        band_bits,
    })
}

/// Codes the Part 1 block `at` again, `depth` bit-planes deep, its segment appended to the
/// data (the old one stays, unreferenced).
pub(super) fn recode(
    coded: &mut Coded,
    t1: &mut T1Encoder,
    planes: &[Vec<i32>],
    w: usize,
    at: &BlockAt,
    depth: u32,
) {
    let band = &mut coded.bands[at.c][at.r][at.b];
    let offset = coded.data.len();
    let src = &planes[at.c][at.y0 * w + at.x0..];
    let mut p = Vec::new();
    let c = t1.encode_rd(
        (src, w, at.w, at.h),
        at.orientation,
        depth,
        &mut coded.data,
        &mut p,
    );
    band.blocks[at.i] = Contribution::part1(offset, &c);
    band.points[at.i] = p;
}
