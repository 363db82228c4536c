//! Tiles: from a tile's packets to its final samples (tier-2, tier-1 of every code-block,
//! dequantisation, inverse wavelet and component transforms, DC level shift), and their
//! placement in the image.

use crate::codestream::Codestream;
use crate::dwt;
use crate::t1;
use crate::tier2;
use crate::{Component, Error, mct};

#[cfg(feature = "parallel")]
use crate::PARALLEL_MIN_SAMPLES;

/// A decoded tile: final samples (level-shifted, clamped) per component.
pub(crate) struct DecodedTile {
    rect: dwt::ResRect,
    samples: Vec<Vec<i32>>,
    mct: bool,
}

/// Copies a decoded tile into the image components; returns whether it used the MCT.
pub(crate) fn place_tile(
    cs: &Codestream<'_>,
    tile: DecodedTile,
    out: &mut [Component],
) -> Result<bool, Error> {
    let siz = &cs.siz;
    let r = tile.rect;
    let img_w = (siz.x1 - siz.x0) as usize;
    // parse() bounded width * height * components by 1 << 28.
    let npix = img_w * (siz.y1 - siz.y0) as usize;
    let whole = r.x0 == siz.x0 && r.y0 == siz.y0 && r.x1 == siz.x1 && r.y1 == siz.y1;
    let (ox, oy) = ((r.x0 - siz.x0) as usize, (r.y0 - siz.y0) as usize);
    let w = (r.x1 - r.x0) as usize;
    for (comp, samples) in out.iter_mut().zip(tile.samples) {
        if whole {
            comp.data = samples;
            continue;
        }
        if comp.data.len() != npix {
            comp.data = vec![0; npix];
        }
        for (j, src) in samples.chunks_exact(w).enumerate() {
            let start = (oy + j) * img_w + ox;
            comp.data
                .get_mut(start..start + w)
                .ok_or_else(|| Error::malformed("J2K tile outside the image"))?
                .copy_from_slice(src);
        }
    }
    Ok(tile.mct)
}

/// A tile-component's coefficients: integers for the 5/3 path, floats for the 9/7 path.
enum Coeffs {
    Int(Vec<i32>),
    Float(Vec<f32>),
}

/// Resolves the coding parameters of tile `t`.
pub(crate) fn tile_params(cs: &Codestream<'_>, t: usize) -> Result<tier2::TileParams, Error> {
    let g = cs.global(t)?;
    let (x0, y0, x1, y1) = cs.siz.tile_rect(t as u32);
    let mut comps = Vec::with_capacity(cs.siz.comps.len());
    for (c, sc) in cs.siz.comps.iter().enumerate() {
        let tc = cs.tile_comp(t, c)?;
        let nbands = 3 * usize::from(tc.coding.levels) + 1;
        let steps = (0..nbands)
            .map(|b| tc.quant.step(b))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                Error::malformed(format!(
                    "J2K quantisation of tile {t} component {c} signals fewer than {nbands} sub-bands"
                ))
            })?;
        comps.push(tier2::CompParams {
            levels: u32::from(tc.coding.levels),
            xcb: u32::from(tc.coding.xcb),
            ycb: u32::from(tc.coding.ycb),
            style: tc.coding.style,
            reversible: tc.coding.reversible,
            precincts: tc.coding.precincts,
            guard_bits: u32::from(tc.quant.guard_bits),
            steps,
            precision: sc.precision,
        });
    }
    Ok(tier2::TileParams {
        rect: dwt::ResRect { x0, y0, x1, y1 },
        comps,
        progression: g.progression,
        layers: u32::from(g.layers),
        sop: g.sop,
        eph: g.eph,
    })
}

/// The bytes of a code-block: borrowed from the tile data when contiguous, else gathered.
fn block_bytes<'x>(
    data: &'x [u8],
    ranges: &[(usize, usize)],
    scratch: &'x mut Vec<u8>,
) -> Result<&'x [u8], Error> {
    let get = |&(s, l): &(usize, usize)| {
        data.get(s..s.saturating_add(l))
            .ok_or_else(|| Error::malformed("J2K code-block range outside the tile"))
    };
    match ranges {
        [] => Ok(&[]),
        [one] => get(one),
        many => {
            scratch.clear();
            for r in many {
                scratch.extend_from_slice(get(r)?);
            }
            Ok(scratch.as_slice())
        }
    }
}

fn bad_block() -> Error {
    Error::malformed("J2K code-block outside its tile-component")
}

/// Writes a decoded code-block into its tile-component buffer (stride `w`), dequantised as
/// OpenJPEG does.
fn place(buf: &mut Coeffs, w: usize, b: &tier2::Block, vals: &[i32]) -> Result<(), Error> {
    let bw = b.params.width as usize;
    let bh = b.params.height as usize;
    if bw == 0 || vals.len() < bw * bh {
        return if bh == 0 || bw == 0 {
            Ok(())
        } else {
            Err(bad_block())
        };
    }
    let (x, y) = (b.x as usize, b.y as usize);
    if x + bw > w {
        return Err(bad_block());
    }
    for (j, src) in vals.chunks_exact(bw).take(bh).enumerate() {
        let start = (y + j) * w + x;
        match buf {
            Coeffs::Int(d) => {
                let dst = d.get_mut(start..start + bw).ok_or_else(bad_block)?;
                for (o, &v) in dst.iter_mut().zip(src) {
                    *o = v / 2;
                }
            }
            Coeffs::Float(d) => {
                let dst = d.get_mut(start..start + bw).ok_or_else(bad_block)?;
                for (o, &v) in dst.iter_mut().zip(src) {
                    *o = v as f32 * b.scale;
                }
            }
        }
    }
    Ok(())
}

/// Tier-1 of every code-block of a tile, placed into the tile-component buffers.
fn decode_blocks(
    layout: &tier2::TileLayout,
    data: &[u8],
    bufs: &mut [Coeffs],
    w: usize,
) -> Result<(), Error> {
    #[cfg(feature = "parallel")]
    if layout.blocks.len() > 1
        && layout
            .blocks
            .iter()
            .map(|b| b.params.width as usize * b.params.height as usize)
            .sum::<usize>()
            >= PARALLEL_MIN_SAMPLES
    {
        use rayon::prelude::*;
        // Decoded blocks are copied out, then placed serially: blocks of one buffer cannot be
        // written from several threads without unsafe code.
        let decoded: Vec<Result<Vec<i32>, Error>> = layout
            .blocks
            .par_iter()
            .map_init(
                || (t1::T1::new(), Vec::new()),
                |(t1, scratch), b| {
                    let bytes = block_bytes(data, &b.ranges, scratch)?;
                    Ok(t1.decode(bytes, &b.segments, &b.params)?.to_vec())
                },
            )
            .collect();
        for (b, vals) in layout.blocks.iter().zip(decoded) {
            let buf = bufs.get_mut(b.comp).ok_or_else(bad_block)?;
            place(buf, w, b, &vals?)?;
        }
        return Ok(());
    }
    let mut t1 = t1::T1::new();
    let mut scratch = Vec::new();
    for b in &layout.blocks {
        let bytes = block_bytes(data, &b.ranges, &mut scratch)?;
        let vals = t1.decode(bytes, &b.segments, &b.params)?;
        let buf = bufs.get_mut(b.comp).ok_or_else(bad_block)?;
        place(buf, w, b, vals)?;
    }
    Ok(())
}

/// Decodes tile `t`: tier-2, tier-1, inverse wavelet and component transforms, DC level shift.
pub(crate) fn decode_tile(cs: &Codestream<'_>, t: usize) -> Result<DecodedTile, Error> {
    let params = tile_params(cs, t)?;
    let (data, base) = cs.tile_data(t);
    let layout = tier2::read_tile(&params, &data, base)?;
    let r = params.rect;
    let (w, h) = ((r.x1 - r.x0) as usize, (r.y1 - r.y0) as usize);
    let mut bufs: Vec<Coeffs> = params
        .comps
        .iter()
        .map(|c| {
            if c.reversible {
                Coeffs::Int(vec![0; w * h])
            } else {
                Coeffs::Float(vec![0.0; w * h])
            }
        })
        .collect();
    decode_blocks(&layout, &data, &mut bufs, w)?;
    // The code-blocks' bookkeeping is no longer needed; only the resolutions are.
    let tier2::TileLayout { res, .. } = layout;
    for (buf, res) in bufs.iter_mut().zip(&res) {
        if res.len() > 1 {
            match buf {
                Coeffs::Int(v) => dwt::inverse_53(v, res),
                Coeffs::Float(v) => dwt::inverse_97(v, res),
            }
        }
    }
    let g = cs.global(t)?;
    let mct = g.mct == 1 && bufs.len() >= 3;
    if mct {
        match bufs.as_mut_slice() {
            [Coeffs::Int(a), Coeffs::Int(b), Coeffs::Int(c), ..] => mct::inverse_rct(a, b, c),
            [Coeffs::Float(a), Coeffs::Float(b), Coeffs::Float(c), ..] => mct::inverse_ict(a, b, c),
            _ => {
                return Err(Error::unsupported(
                    "J2K component transform over components with different wavelets",
                ));
            }
        }
    }
    let mut samples = Vec::with_capacity(bufs.len());
    for (sc, buf) in cs.siz.comps.iter().zip(bufs) {
        let p = sc.precision;
        let (dc, min, max) = if sc.signed {
            (0, -(1i32 << (p - 1)), (1i32 << (p - 1)) - 1)
        } else {
            (1i32 << (p - 1), 0, ((1u32 << p) - 1) as i32)
        };
        samples.push(match buf {
            Coeffs::Int(mut v) => {
                mct::level_shift_int(&mut v, dc, min, max);
                v
            }
            Coeffs::Float(v) => {
                let mut out = vec![0; v.len()];
                mct::level_shift_float(&v, dc, min, max, &mut out);
                out
            }
        });
    }
    Ok(DecodedTile {
        rect: r,
        samples,
        mct,
    })
}
