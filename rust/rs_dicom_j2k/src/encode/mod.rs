//! The encoder: DC level shift, the reversible colour transform, the forward 5/3 wavelet
//! transform, HT (ISO/IEC 15444-15) or Part 1 (EBCOT, `t1::T1Encoder`) code-blocks and one
//! quality layer of packets, written as a raw codestream (no JP2 boxes, as DICOM carries it).
//!
//! One tile covers the image, each resolution is one precinct; an HT code-block has one
//! cleanup pass, a Part 1 one every pass of its bit-planes, or at a lossy ratio the passes
//! rate allocation keeps (coded only down to the planes it may keep: `blocks`, `rate`).
//! Encoders on several threads share nothing but a cache of constant synthesis norms.

mod blocks;
mod codestream;
mod dwt;
mod lossy;
#[cfg(test)]
mod part1_tests;
mod rate;
#[cfg(test)]
mod rate_tests;
#[cfg(test)]
mod tests;
mod tier2;

use crate::Error;
use blocks::{Coded, code_blocks};
use tier2::BandBlocks;

/// Widest and tallest image: each resolution then fits one precinct of 2^15 samples.
pub const MAX_DIMENSION: u32 = 1 << 15;

/// The samples of an image, interleaved by pixel (component 0, 1, 2 of the first pixel, ...)
/// unless [`EncodeInput::planar`] says otherwise.
#[derive(Debug, Clone, Copy)]
pub enum Samples<'a> {
    /// Unsigned 8-bit samples.
    U8(&'a [u8]),
    /// Signed 8-bit samples.
    I8(&'a [i8]),
    /// Unsigned 16-bit samples.
    U16(&'a [u16]),
    /// Signed 16-bit samples.
    I16(&'a [i16]),
}

impl Samples<'_> {
    fn len(&self) -> usize {
        match self {
            Samples::U8(s) => s.len(),
            Samples::I8(s) => s.len(),
            Samples::U16(s) => s.len(),
            Samples::I16(s) => s.len(),
        }
    }
}

/// An image to encode.
#[derive(Debug, Clone, Copy)]
pub struct EncodeInput<'a> {
    /// Width in pixels (1..=32768).
    pub width: u32,
    /// Height in pixels (1..=32768).
    pub height: u32,
    /// Components per pixel: 1 (monochrome) or 3 (colour).
    pub components: u32,
    /// Bits per sample (1..=16); every sample must lie in this precision's range.
    pub precision: u32,
    /// Whether samples are signed (two's complement).
    pub signed: bool,
    /// Whether the samples are stored plane by plane instead of interleaved by pixel.
    pub planar: bool,
    /// `width * height * components` samples.
    pub samples: Samples<'a>,
}

/// Progression orders (COD SGcod); with one layer and one precinct per resolution they
/// differ only in putting resolutions (LRCP, RLCP, RPCL) or components (PCRL, CPRL) first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progression {
    /// Layer, resolution, component, position.
    Lrcp,
    /// Resolution, layer, component, position.
    Rlcp,
    /// Resolution, position, component, layer (DICOM's HTJ2K Lossless RPCL; the default).
    #[default]
    Rpcl,
    /// Position, component, resolution, layer.
    Pcrl,
    /// Component, position, resolution, layer.
    Cprl,
}

/// How code-blocks are coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BlockCoding {
    /// HTJ2K (ISO/IEC 15444-15): one HT cleanup pass per block (the default).
    #[default]
    HighThroughput,
    /// JPEG 2000 Part 1 (ISO/IEC 15444-1 Annex D, EBCOT): MQ-coded significance,
    /// refinement and cleanup passes over every bit-plane, no code-block style options.
    Part1,
}

/// Coding parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EncodeOptions {
    /// The block coder, which also decides the codestream's capabilities (Part 1 or 15).
    pub block_coding: BlockCoding,
    /// Wavelet decomposition levels (at most 32; fewer are used for small images).
    pub levels: u32,
    /// Packet progression order.
    pub progression: Progression,
    /// Apply the reversible colour transform to 3-component images (as RGB -> YCbCr).
    pub color_transform: bool,
    /// Code-block width and height as powers of two (each 2..=10, sum at most 12).
    pub block_log2: (u32, u32),
    /// `None`: lossless (reversible 5/3 wavelet, reversible colour transform). `Some(step)`:
    /// lossy (irreversible 9/7 wavelet, irreversible colour transform, scalar quantisation),
    /// `step` being the quantisation step relative to the sample range (0 < step <= 1;
    /// 1/256 is visually near-lossless for 8-bit images; smaller is better and larger).
    pub lossy_step: Option<f32>,
    /// With `lossy_step` and Part 1 block coding: truncate the code-blocks' passes (PCRD-opt
    /// rate allocation, one layer) so that the codestream after its main header takes the
    /// uncompressed size (`width * height * components * precision` bits) divided by this
    /// ratio (at least 1; OpenJPEG's `-r`),
    /// `lossy_step` then being the finest quantisation to start from.
    pub lossy_ratio: Option<f32>,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            block_coding: BlockCoding::HighThroughput,
            levels: 5,
            progression: Progression::Rpcl,
            color_transform: true,
            block_log2: (6, 6),
            lossy_step: None,
            lossy_ratio: None,
        }
    }
}

/// Everything the codestream header states, decided before coding.
struct Plan {
    /// HT code-blocks (Part 15 capabilities) rather than Part 1 ones.
    ht: bool,
    width: u32,
    height: u32,
    components: u32,
    precision: u32,
    signed: bool,
    reversible: bool,
    mct: bool,
    levels: u32,
    progression: Progression,
    cb_log2: (u32, u32),
    guard_bits: u32,
    /// Per sub-band in QCD order: (exponent, mantissa).
    exponents: Vec<(u32, u32)>,
    /// Largest Kmax of any sub-band.
    max_kmax: u32,
}

/// A sub-band of a component plane: its rectangle in the transformed plane and its index in
/// QCD order; `gain` is log2 of its nominal range growth (0 LL, 1 HL/LH, 2 HH).
#[derive(Clone, Copy, Debug)]
struct Band {
    x0: usize,
    y0: usize,
    w: usize,
    h: usize,
    gain: u32,
}

/// Encodes `image` as a codestream: HTJ2K or Part 1 as `opts.block_coding` says.
pub fn encode(image: &EncodeInput, opts: &EncodeOptions) -> Result<Vec<u8>, Error> {
    check(image, opts)?;
    let (w, h) = (image.width as usize, image.height as usize);
    let mct = image.components == 3 && opts.color_transform;
    let mut planes = planes(image)?;
    let levels = opts.levels.min(w.min(h).ilog2());
    let resolutions = bands(w, h, levels);
    let mut weights = Vec::new();
    let exponents: Vec<(u32, u32)> = match opts.lossy_step {
        None => {
            if mct {
                rct(&mut planes);
            }
            for p in planes.iter_mut() {
                dwt::forward_53(p, w, h, levels);
            }
            // Reversible: exponents are the nominal range (precision, plus one bit for the
            // colour differences, plus the band gain).
            let base = image.precision + u32::from(mct);
            resolutions
                .iter()
                .flatten()
                .map(|b| (base + b.gain, 0))
                .collect()
        }
        Some(step) => {
            let mut fplanes: Vec<Vec<f32>> = planes
                .iter()
                .map(|p| p.iter().map(|&v| v as f32).collect())
                .collect();
            if mct {
                lossy::ict(&mut fplanes);
            }
            for p in fplanes.iter_mut() {
                lossy::forward_97(p, w, h, levels);
            }
            let (steps, wgt) = lossy::quantise(
                &fplanes,
                &mut planes,
                w,
                &resolutions,
                (levels, image.precision),
                step,
            );
            weights = wgt;
            steps
        }
    };
    let ht = opts.block_coding == BlockCoding::HighThroughput;
    let ratio = opts
        .lossy_ratio
        .filter(|_| !ht && opts.lossy_step.is_some());
    // OpenJPEG's convention (which pydicom and GDCM follow): the ratio sizes the tile
    // data, here its tile-part header, packets and EOC; the main header comes on top
    // (for tiny images it is most of what the ratio allows).
    let budget = ratio.map(|ratio| {
        let overhead = 16;
        let raw = w as f64 * h as f64 * f64::from(image.components * image.precision) / 8.0;
        ((raw / f64::from(ratio)) as usize).saturating_sub(overhead)
    });
    // Squared synthesis norms of the ICT's components (the inverse's columns): an error
    // in Y reaches three samples, one in Cb or Cr mostly the blue or red one.
    let comp: &[f64] = if mct { &[3.0, 3.2575, 2.4755] } else { &[] };
    let blocks = blocks::block_list(planes.len(), &resolutions, opts.block_log2);
    let mut depths = budget.map(|budget| {
        let hists: Vec<[u32; 32]> = blocks
            .iter()
            .map(|at| {
                let src = &planes[at.c][at.y0 * w + at.x0..];
                crate::t1::T1Encoder::top_bits(src, w, at.w, at.h)
            })
            .collect();
        let areas: Vec<usize> = blocks.iter().map(|at| at.w * at.h).collect();
        let wgts: Vec<f64> = blocks
            .iter()
            .map(|at| {
                weights.get(at.qcd).copied().unwrap_or(1.0) * comp.get(at.c).copied().unwrap_or(1.0)
            })
            .collect();
        // A first guess of the headers: a few bytes per block, as `rate::allocate` takes.
        rate::depths(
            &hists,
            &areas,
            &wgts,
            budget.saturating_sub(3 * blocks.len()),
        )
    });
    let mut coded = code_blocks(
        &planes,
        &resolutions,
        w,
        opts.block_log2,
        ht,
        depths.as_deref(),
    )?;
    // Guard bits cover what the data really needs, so that every exponent E of a block stays
    // within Kmax = G + exponent - 1. Part 1 takes at least OpenJPEG's 2.
    let mut need_guard = if ht { 1u32 } else { 2 };
    for (&(eps, _), &e) in exponents.iter().zip(&coded.band_bits) {
        need_guard = need_guard.max((e + 1).saturating_sub(eps));
    }
    if need_guard > 7 {
        return Err(Error::invalid_input(
            "coefficients need more than 7 guard bits",
        ));
    }
    let max_kmax = exponents.iter().map(|e| e.0).max().unwrap_or(0) + need_guard - 1;
    if max_kmax > 30 {
        return Err(Error::invalid_input("sub-band magnitudes exceed 30 bits"));
    }
    let plan = Plan {
        ht,
        width: image.width,
        height: image.height,
        components: image.components,
        precision: image.precision,
        signed: image.signed,
        reversible: opts.lossy_step.is_none(),
        mct,
        levels,
        progression: opts.progression,
        cb_log2: opts.block_log2,
        guard_bits: need_guard,
        exponents,
        max_kmax,
    };
    if let (Some(budget), Some(depths)) = (budget, depths.as_mut()) {
        let mut t1 = crate::t1::T1Encoder::default();
        loop {
            rate::allocate(&mut coded, &weights, comp, budget, |c| {
                packets(&plan, c).len()
            });
            // Blocks cut in their last coded plane: code two planes more and allocate again.
            let deeper = rate::too_shallow(&coded, &blocks);
            if deeper.is_empty() {
                break;
            }
            for k in deeper {
                depths[k] += 2;
                blocks::recode(&mut coded, &mut t1, &planes, w, &blocks[k], depths[k]);
            }
        }
    }
    let body = packets(&plan, &coded);
    let mut out = Vec::with_capacity(body.len() + 256);
    codestream::main_header(&mut out, &plan);
    codestream::tile(&mut out, &body);
    Ok(out)
}

/// Rejects what the encoder cannot take, naming the reason.
fn check(image: &EncodeInput, opts: &EncodeOptions) -> Result<(), Error> {
    if image.width == 0 || image.height == 0 {
        return Err(Error::invalid_input("image has zero width or height"));
    }
    if image.width > MAX_DIMENSION || image.height > MAX_DIMENSION {
        return Err(Error::invalid_input(
            "image wider or taller than 32768 pixels",
        ));
    }
    if image.components != 1 && image.components != 3 {
        return Err(Error::invalid_input(
            "only 1 or 3 components can be encoded",
        ));
    }
    if image.precision == 0 || image.precision > 16 {
        return Err(Error::invalid_input("precision must be 1 to 16 bits"));
    }
    let bytes_fit = match image.samples {
        Samples::U8(_) | Samples::I8(_) => image.precision <= 8,
        Samples::U16(_) | Samples::I16(_) => true,
    };
    let signed_fit = match image.samples {
        Samples::I8(_) | Samples::I16(_) => image.signed,
        Samples::U8(_) | Samples::U16(_) => !image.signed,
    };
    if !bytes_fit || !signed_fit {
        return Err(Error::invalid_input(
            "sample type does not match the precision or signedness",
        ));
    }
    let n = image.width as usize * image.height as usize * image.components as usize;
    if image.samples.len() != n {
        return Err(Error::invalid_input(
            "sample buffer length is not width * height * components",
        ));
    }
    if let Some(step) = opts.lossy_step
        && !(step > 0.0 && step <= 1.0)
    {
        return Err(Error::invalid_input(
            "lossy step must be above 0 and at most 1",
        ));
    }
    if let Some(r) = opts.lossy_ratio
        && !(r.is_finite() && r >= 1.0)
    {
        return Err(Error::invalid_input("lossy ratio must be at least 1"));
    }
    if opts.levels > 32 {
        return Err(Error::invalid_input("more than 32 decomposition levels"));
    }
    let (bw, bh) = opts.block_log2;
    if !(2..=10).contains(&bw) || !(2..=10).contains(&bh) || bw + bh > 12 {
        return Err(Error::invalid_input(
            "code-block size must be 4 to 1024 on each side, at most 4096 samples",
        ));
    }
    Ok(())
}

/// One i32 plane per component, DC level shifted; samples outside the precision are refused.
fn planes(image: &EncodeInput) -> Result<Vec<Vec<i32>>, Error> {
    let (w, h, nc) = (
        image.width as usize,
        image.height as usize,
        image.components as usize,
    );
    let p = image.precision;
    let (lo, hi, shift) = if image.signed {
        (-(1i32 << (p - 1)), (1i32 << (p - 1)) - 1, 0)
    } else {
        (0, (1i32 << p) - 1, 1i32 << (p - 1))
    };
    let n = w * h;
    let mut planes = vec![vec![0i32; n]; nc];
    let mut bad = false;
    for (c, plane) in planes.iter_mut().enumerate() {
        let (start, step) = if image.planar { (c * n, 1) } else { (c, nc) };
        bad |= match image.samples {
            Samples::U8(s) => shift_plane(s, start, step, plane, lo, hi, shift),
            Samples::I8(s) => shift_plane(s, start, step, plane, lo, hi, shift),
            Samples::U16(s) => shift_plane(s, start, step, plane, lo, hi, shift),
            Samples::I16(s) => shift_plane(s, start, step, plane, lo, hi, shift),
        };
    }
    if bad {
        return Err(Error::invalid_input(
            "a sample lies outside the range of its precision",
        ));
    }
    Ok(planes)
}

/// Copies every `step`-th sample from `start` into `plane`, minus `shift`; returns whether
/// any lies outside `lo..=hi`.
fn shift_plane<T: Copy + Into<i32>>(
    src: &[T],
    start: usize,
    step: usize,
    plane: &mut [i32],
    lo: i32,
    hi: i32,
    shift: i32,
) -> bool {
    let mut bad = false;
    let src = src.get(start..).unwrap_or_default();
    if step == 1 {
        // The common monochrome case, kept apart so that it vectorises.
        for (v, &s) in plane.iter_mut().zip(src) {
            let s: i32 = s.into();
            bad |= s < lo || s > hi;
            *v = s - shift;
        }
        return bad;
    }
    for (v, &s) in plane.iter_mut().zip(src.iter().step_by(step)) {
        let s: i32 = s.into();
        bad |= s < lo || s > hi;
        *v = s - shift;
    }
    bad
}

/// The reversible colour transform (15444-1 G.2) on the first three planes.
fn rct(planes: &mut [Vec<i32>]) {
    let [r, g, b] = planes else { return };
    for ((r, g), b) in r.iter_mut().zip(g.iter_mut()).zip(b.iter_mut()) {
        let y = (*r + 2 * *g + *b) >> 2;
        let cb = *b - *g;
        let cr = *r - *g;
        *r = y;
        *g = cb;
        *b = cr;
    }
}

/// The sub-bands of each resolution 0..=levels (LL; then HL, LH, HH), in the transformed
/// plane's layout.
fn bands(w: usize, h: usize, levels: u32) -> Vec<Vec<Band>> {
    let size = |n: usize, d: u32| n.div_ceil(1 << d);
    let mut out = vec![vec![Band {
        x0: 0,
        y0: 0,
        w: size(w, levels),
        h: size(h, levels),
        gain: 0,
    }]];
    for d in (1..=levels).rev() {
        let (lw, lh) = (size(w, d), size(h, d));
        let (rw, rh) = (size(w, d - 1), size(h, d - 1));
        out.push(vec![
            Band {
                x0: lw,
                y0: 0,
                w: rw - lw,
                h: lh,
                gain: 1,
            },
            Band {
                x0: 0,
                y0: lh,
                w: lw,
                h: rh - lh,
                gain: 1,
            },
            Band {
                x0: lw,
                y0: lh,
                w: rw - lw,
                h: rh - lh,
                gain: 2,
            },
        ]);
    }
    out
}

/// Lays out the packets in the progression order.
fn packets(plan: &Plan, coded: &Coded) -> Vec<u8> {
    let (nc, nr) = (coded.bands.len(), plan.levels as usize + 1);
    let order: Vec<(usize, usize)> = match plan.progression {
        Progression::Lrcp | Progression::Rlcp | Progression::Rpcl => {
            (0..nr).flat_map(|r| (0..nc).map(move |c| (c, r))).collect()
        }
        Progression::Pcrl | Progression::Cprl => {
            (0..nc).flat_map(|c| (0..nr).map(move |r| (c, r))).collect()
        }
    };
    // Index of each resolution's first band in QCD order.
    let first_band = |r: usize| if r == 0 { 0 } else { 1 + 3 * (r - 1) };
    let mut body = Vec::with_capacity(coded.data.len() + coded.data.len() / 16 + 64);
    for (c, r) in order {
        let bands: Vec<BandBlocks> = coded.bands[c][r]
            .iter()
            .enumerate()
            .map(|(b, band)| {
                let kmax = plan.exponents[first_band(r) + b].0 + plan.guard_bits - 1;
                BandBlocks {
                    cols: band.cols,
                    rows: band.rows,
                    blocks: &band.blocks,
                    kmax,
                }
            })
            .collect();
        tier2::write_packet(&mut body, &bands, &coded.data);
    }
    body
}
