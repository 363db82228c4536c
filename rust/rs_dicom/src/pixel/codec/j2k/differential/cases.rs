//! The sweep's cases: image content and encoder parameters drawn from a seed.

use std::fmt;

use super::encode::opj_encode;
use super::*;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Content {
    /// A smooth 2-D gradient over the whole range.
    Gradient,
    /// Uniform noise over the whole range.
    Noise,
    /// A gradient plus small noise.
    GradientNoise,
    /// One value everywhere.
    Constant,
    /// All zero.
    Zero,
    /// Random choice of the minimum and maximum per sample.
    Extremes,
    /// Stripes and checkerboards of the minimum, maximum and mid value.
    Pattern,
}

pub(super) const CONTENTS: [Content; 7] = [
    Content::Gradient,
    Content::Noise,
    Content::GradientNoise,
    Content::Constant,
    Content::Zero,
    Content::Extremes,
    Content::Pattern,
];
pub(super) const CONTENT_WEIGHTS: [u64; 7] = [25, 18, 22, 8, 7, 10, 10];

pub(super) fn make_plane(
    content: Content,
    w: u32,
    h: u32,
    precision: u32,
    signed: bool,
    rng: &mut Rng,
) -> Vec<i32> {
    let (lo, hi) = sample_range(precision, signed);
    let span = (hi - lo) as f64;
    let (w, h) = (w as usize, h as usize);
    let mut out = Vec::with_capacity(w * h);
    let clamp = |v: i64| v.clamp(lo, hi) as i32;
    match content {
        Content::Gradient | Content::GradientNoise => {
            let (fx, fy) = (rng.unit() * 2.0 - 1.0, rng.unit() * 2.0 - 1.0);
            let phase = rng.unit() * 6.0;
            let freq = 0.5 + rng.unit() * 3.0;
            let noise = if content == Content::GradientNoise {
                ((hi - lo) / 16).max(1)
            } else {
                0
            };
            for y in 0..h {
                for x in 0..w {
                    let u = x as f64 / w.max(2) as f64;
                    let v = y as f64 / h.max(2) as f64;
                    let t = 0.5 + 0.5 * ((fx * u + fy * v) * freq * 3.0 + phase).sin();
                    let mut s = lo + (t * span).round() as i64;
                    if noise > 0 {
                        s += rng.range(-noise, noise);
                    }
                    out.push(clamp(s));
                }
            }
        }
        Content::Noise => {
            for _ in 0..w * h {
                out.push(rng.range(lo, hi) as i32);
            }
        }
        Content::Constant => {
            let v = rng.range(lo, hi) as i32;
            out.resize(w * h, v);
        }
        Content::Zero => out.resize(w * h, 0),
        Content::Extremes => {
            for _ in 0..w * h {
                out.push(if rng.chance(50) { lo } else { hi } as i32);
            }
        }
        Content::Pattern => {
            let kind = rng.below(3);
            let period = rng.range(1, 4) as usize;
            let mid = lo + (hi - lo) / 2;
            for y in 0..h {
                for x in 0..w {
                    let k = match kind {
                        0 => x / period,
                        1 => y / period,
                        _ => x / period + y / period,
                    };
                    out.push(match k % 3 {
                        0 => lo,
                        1 => hi,
                        _ => mid,
                    } as i32);
                }
            }
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// The parameter sweep.
// ------------------------------------------------------------------------------------------

/// One case of the sweep: encoder parameters and per-component content.
#[derive(Debug, Clone)]
pub(super) struct Case {
    pub(super) seed: u64,
    pub(super) params: EncodeParams,
    pub(super) contents: Vec<Content>,
}

impl Case {
    pub(super) fn planes(&self) -> Vec<Vec<i32>> {
        let mut rng = Rng::new(self.seed ^ 0xC0FF_EE00_D15E_A5E5);
        let p = &self.params;
        self.contents
            .iter()
            .map(|&c| make_plane(c, p.width, p.height, p.precision, p.signed, &mut rng))
            .collect()
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "J2K_CASE={}: {}\n    content {:?}",
            self.seed, self.params, self.contents
        )
    }
}

/// Sizes every sweep includes (seed = index).
pub(super) const FIXED_SIZES: [(u32, u32); 10] = [
    (1, 1),
    (1, 37),
    (41, 1),
    (7, 13),
    (64, 64),
    (65, 63),
    (100, 37),
    (257, 129),
    (512, 512),
    (2, 2),
];

/// Decreasing compression ratios (all lossy, > 1).
pub(super) fn lossy_rates(rng: &mut Rng, n: usize) -> Vec<f32> {
    let mut r = 6.0 + rng.unit() * 100.0;
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push((r as f32 * 100.0).round() / 100.0);
        r = (r / (1.4 + rng.unit() * 2.5)).max(1.2);
        if v.last().is_some_and(|&l| l <= r as f32) {
            r = f64::from(*v.last().unwrap_or(&2.0)) * 0.8;
        }
    }
    // Strictly decreasing and > 1.
    for i in 1..v.len() {
        if v[i] >= v[i - 1] {
            v[i] = v[i - 1] * 0.8;
        }
    }
    v.iter().map(|&r| r.max(1.01)).collect()
}

/// Increasing PSNR targets.
pub(super) fn psnr_targets(rng: &mut Rng, n: usize) -> Vec<f32> {
    let mut q = 20.0 + rng.unit() * 15.0;
    (0..n)
        .map(|_| {
            let v = (q as f32).round();
            q += 4.0 + rng.unit() * 10.0;
            v
        })
        .collect()
}

pub(super) fn gen_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let (width, height) = match FIXED_SIZES.get(seed as usize) {
        Some(&s) => s,
        None => match rng.weighted(&[35, 35, 20, 10]) {
            0 => (rng.range_u32(1, 24), rng.range_u32(1, 24)),
            1 => (rng.range_u32(16, 96), rng.range_u32(16, 96)),
            2 => {
                let (a, b) = (rng.range_u32(1, 4), rng.range_u32(1, 200));
                if rng.chance(50) { (a, b) } else { (b, a) }
            }
            _ => (rng.range_u32(96, 200), rng.range_u32(64, 160)),
        },
    };
    let large = width as u64 * height as u64 >= 128 * 128;
    let (x0, y0) = if rng.chance(25) {
        (rng.range_u32(0, 40), rng.range_u32(0, 40))
    } else {
        (0, 0)
    };
    let components = match rng.weighted(&[55, 40, 3, 2]) {
        0 => 1,
        1 => 3,
        2 => 2,
        _ => 4,
    };
    let precision = match rng.weighted(&[30, 20, 20, 30]) {
        0 => 8,
        1 => 12,
        2 => 16,
        _ => rng.range_u32(1, 16),
    };
    let signed = rng.chance(30);
    let mct = components >= 3 && rng.chance(60);
    let irreversible = rng.chance(40);
    let cblk = if rng.chance(40) {
        (64, 64)
    } else if rng.chance(25) {
        (32, 32)
    } else {
        let min = if large { 5 } else { 2 };
        let we = rng.range_u32(min, 6);
        let he = rng.range_u32(min, (12 - we).min(6));
        (1 << we, 1 << he)
    };
    let tiles = if rng.chance(25) {
        let (gw, gh) = (x0 + width, y0 + height);
        let pick = |rng: &mut Rng, full: u32| -> u32 {
            match rng.weighted(&[10, 50, 40]) {
                0 => rng.range_u32(1, 7),
                1 => rng.range_u32(8, 64),
                _ => rng.range_u32(full.div_ceil(3).max(1), full.max(1)),
            }
        };
        let (mut tw, mut th) = (pick(&mut rng, gw), pick(&mut rng, gh));
        // At most 64 tiles (time).
        while gw.div_ceil(tw) * gh.div_ceil(th) > 64 {
            tw *= 2;
            th *= 2;
        }
        let tx0 = rng.range_u32(x0.saturating_sub(tw - 1), x0);
        let ty0 = rng.range_u32(y0.saturating_sub(th - 1), y0);
        Some(Tiles {
            w: tw,
            h: th,
            x0: tx0,
            y0: ty0,
        })
    } else {
        None
    };
    let mut params = EncodeParams {
        width,
        height,
        x0,
        y0,
        components,
        precision,
        signed,
        mct,
        irreversible,
        numres: if rng.chance(4) {
            rng.range_u32(7, 8)
        } else {
            rng.range_u32(1, 6)
        },
        cblk,
        precincts: Vec::new(),
        prog: rng.below(5) as usize,
        layers: Layers::Rates(vec![0.0]),
        tiles,
        mode: if rng.chance(40) {
            rng.range_u32(1, 63)
        } else {
            0
        },
        sop: rng.chance(20),
        eph: rng.chance(20),
        tile_parts: if rng.chance(15) {
            Some([b'R', b'L', b'C'][rng.below(3) as usize])
        } else {
            None
        },
        plt: rng.chance(10),
        tlm: rng.chance(10),
        guard_bits: if rng.chance(10) {
            Some(rng.range_u32(1, 4))
        } else {
            None
        },
    };
    params.numres = params.numres.min(params.max_numres());
    if rng.chance(30) {
        let n = rng.range_u32(1, params.numres);
        let small = width as u64 * height as u64 <= 1024;
        let lo = if small && rng.chance(20) { 1 } else { 2 };
        // OpenJPEG halves the last size for the resolutions not given; keep the exponents
        // of resolutions above the lowest at 1 or more (0 makes its encoder fail).
        let last_lo = lo.max(params.numres - n).min(10);
        params.precincts = (0..n)
            .map(|i| {
                let lo = if i + 1 == n { last_lo } else { lo };
                let hi = 8.max(lo);
                (1 << rng.range_u32(lo, hi), 1 << rng.range_u32(lo, hi))
            })
            .collect();
    }
    if precision > 12 {
        // OpenJPEG 2.5's encoder corrupts its heap with TERMALL on data of 13 bits or more: its
        // code-block buffer has a fixed slack that the terminated passes of many bit-planes
        // overrun (openjpeg issue #1648; e.g. J2K_CASE=599 (9/7) and 3830 (5/3) before this
        // rule: "free(): invalid next size", "munmap_chunk(): invalid pointer").
        params.mode &= !4;
    }
    if !params.precincts.is_empty() {
        // OpenJPEG 2.5's encoder writes broken packets when tile-parts are combined with
        // custom precincts (its own decoder then fails with "segment too long", or a
        // lossy case decodes but the native decoder rightly finds a truncated packet body):
        // not a valid test, so never both.
        params.tile_parts = None;
    }
    let nl = rng.range(1, 4) as usize;
    params.layers = if irreversible {
        match rng.weighted(&[25, 50, 10, 15]) {
            0 => Layers::Rates(vec![0.0]),
            1 => Layers::Rates(lossy_rates(&mut rng, nl)),
            2 => {
                let mut v = lossy_rates(&mut rng, nl.max(2) - 1);
                v.push(0.0);
                Layers::Rates(v)
            }
            _ => Layers::Psnr(psnr_targets(&mut rng, nl)),
        }
    } else {
        match rng.weighted(&[50, 25, 15, 10]) {
            0 => Layers::Rates(vec![0.0]),
            1 => {
                let mut v = lossy_rates(&mut rng, nl.max(2) - 1);
                v.push(0.0);
                Layers::Rates(v)
            }
            2 => Layers::Rates(lossy_rates(&mut rng, nl)),
            _ => {
                let mut v = psnr_targets(&mut rng, nl);
                if rng.chance(50) {
                    v.push(0.0);
                }
                Layers::Psnr(v)
            }
        }
    };
    let first = CONTENTS[rng.weighted(&CONTENT_WEIGHTS)];
    let same = rng.chance(70);
    let contents = (0..components)
        .map(|i| {
            if i == 0 || same {
                first
            } else {
                CONTENTS[rng.weighted(&CONTENT_WEIGHTS)]
            }
        })
        .collect();
    Case {
        seed,
        params,
        contents,
    }
}

/// Encodes a case, lowering the number of resolutions when OpenJPEG refuses it; returns the
/// codestream and the parameters actually used.
pub(super) fn encode_case(
    case: &Case,
    planes: &[Vec<i32>],
) -> Result<(Vec<u8>, EncodeParams), String> {
    let mut p = case.params.clone();
    p.numres = p.numres.min(p.max_numres());
    // OpenJPEG's 9/7 encoder asserts (debug builds abort) on empty resolution levels.
    while p.irreversible && p.numres > 1 && p.has_empty_resolution() {
        p.numres -= 1;
    }
    p.precincts.truncate(p.numres as usize);
    let mut retried_buffer = false;
    loop {
        match opj_encode(&p, planes) {
            Ok(cs) => return Ok((cs, p)),
            Err(e) if e.contains("Number of resolutions is too high") && p.numres > 1 => {
                p.numres -= 1;
                p.precincts.truncate(p.numres as usize);
            }
            // OpenJPEG's output buffer estimate can be too small for incompressible data
            // with small code-blocks and TERMALL: fall back to 64x64 code-blocks without
            // mode switches (the parameters reported are the ones used).
            Err(e) if e.contains("remaining in output buffer") && !retried_buffer => {
                retried_buffer = true;
                p.cblk = (64, 64);
                p.mode = 0;
            }
            // Other encoder limitations (seen with custom precincts and tile-parts, e.g.
            // "opj_t2_encode_packet(): accessing precno=4 >= 4"): drop those features.
            Err(_) if !p.precincts.is_empty() => p.precincts.clear(),
            Err(_) if p.tile_parts.is_some() => p.tile_parts = None,
            Err(e) => return Err(e),
        }
    }
}
