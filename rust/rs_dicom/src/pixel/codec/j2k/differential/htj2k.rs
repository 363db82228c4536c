//! The HTJ2K encoder of [`rs_dicom_j2k`] against OpenJPEG 2.5's HT decoder (and OpenJPH's
//! `ojph_expand` when installed): every lossless codestream must decode to the source samples.
//!
//! * `htj2k_encoder_round_trips_through_openjpeg`: fixed shapes (1 x 1, lines, odd sizes,
//!   512 x 512, sizes off the code-block grid) and seeded random ones, precisions 1..=16 with
//!   8, 12 and 16 most often, signed and unsigned, 1 and 3 components, every progression,
//!   colour transform on and off, several code-block sizes and level counts, and contents from
//!   noise to constant planes and extreme values. Each is decoded by OpenJPEG's component
//!   decoder and by rs_dicom's frame decoder (which hands HT codestreams to OpenJPEG).
//!   `HTJ2K_CASES=N` changes the number of random cases.
//! * `htj2k_encoder_round_trips_through_ojph_expand`: a subset through OpenJPH's decoder
//!   (a failure under `CI=true` when it is missing).

use rs_dicom_j2k::{EncodeInput, EncodeOptions, Progression, Samples};

use super::*;
use crate::pixel::codec::FrameInfo;

/// Random cases beyond the fixed ones unless `HTJ2K_CASES` says otherwise.
const DEFAULT_RANDOM_CASES: u64 = 160;

/// One image and its coding options.
#[derive(Debug, Clone)]
struct HtCase {
    width: u32,
    height: u32,
    components: u32,
    precision: u32,
    signed: bool,
    planar: bool,
    opts: EncodeOptions,
    /// Interleaved (or planar) samples.
    samples: Vec<i32>,
}

impl HtCase {
    fn encode(&self) -> Result<Vec<u8>, rs_dicom_j2k::Error> {
        let (u8s, i8s, u16s, i16s);
        let samples = match (self.precision <= 8, self.signed) {
            (true, false) => {
                u8s = self.samples.iter().map(|&v| v as u8).collect::<Vec<_>>();
                Samples::U8(&u8s)
            }
            (true, true) => {
                i8s = self.samples.iter().map(|&v| v as i8).collect::<Vec<_>>();
                Samples::I8(&i8s)
            }
            (false, false) => {
                u16s = self.samples.iter().map(|&v| v as u16).collect::<Vec<_>>();
                Samples::U16(&u16s)
            }
            (false, true) => {
                i16s = self.samples.iter().map(|&v| v as i16).collect::<Vec<_>>();
                Samples::I16(&i16s)
            }
        };
        let input = EncodeInput {
            width: self.width,
            height: self.height,
            components: self.components,
            precision: self.precision,
            signed: self.signed,
            planar: self.planar,
            samples,
        };
        rs_dicom_j2k::encode(&input, &self.opts)
    }

    /// Component `c` as a plane.
    fn plane(&self, c: usize) -> Vec<i32> {
        let n = (self.width * self.height) as usize;
        let nc = self.components as usize;
        if self.planar {
            self.samples[c * n..(c + 1) * n].to_vec()
        } else {
            self.samples.iter().skip(c).step_by(nc).copied().collect()
        }
    }

    /// The samples interleaved by pixel.
    fn interleaved(&self) -> Vec<i32> {
        let planes: Vec<Vec<i32>> = (0..self.components as usize)
            .map(|c| self.plane(c))
            .collect();
        (0..(self.width * self.height) as usize)
            .flat_map(|i| planes.iter().map(move |p| p[i]))
            .collect()
    }
}

/// Sample contents.
fn fill(rng: &mut Rng, n: usize, lo: i32, hi: i32, kind: u64, w: usize) -> Vec<i32> {
    let span = i64::from(hi) - i64::from(lo);
    match kind {
        // Noise over the full range.
        0 => (0..n)
            .map(|_| rng.range(lo.into(), hi.into()) as i32)
            .collect(),
        // A smooth ramp with a little noise (what images look like).
        1 => (0..n)
            .map(|i| {
                let (x, y) = ((i % w) as f64, (i / w) as f64);
                let v = (x * 0.37 + y * 0.21).sin() * 0.45 + 0.5;
                let t = i64::from(lo) + (v * span as f64) as i64 + rng.range(-3, 3);
                t.clamp(lo.into(), hi.into()) as i32
            })
            .collect(),
        // Constant.
        2 => vec![rng.range(lo.into(), hi.into()) as i32; n],
        // Extremes only.
        3 => (0..n)
            .map(|_| if rng.chance(50) { lo } else { hi })
            .collect(),
        // Mostly one value with rare spikes (sparse wavelet data).
        _ => {
            let base = rng.range(lo.into(), hi.into()) as i32;
            (0..n)
                .map(|_| {
                    if rng.chance(2) {
                        rng.range(lo.into(), hi.into()) as i32
                    } else {
                        base
                    }
                })
                .collect()
        }
    }
}

fn make_case(rng: &mut Rng, width: u32, height: u32) -> HtCase {
    let precision = match rng.below(10) {
        0..=2 => 8,
        3..=4 => 12,
        5..=7 => 16,
        _ => rng.range_u32(1, 16),
    };
    let signed = rng.chance(40);
    let components = if rng.chance(35) { 3 } else { 1 };
    let (lo, hi) = if signed {
        (-(1i32 << (precision - 1)), (1i32 << (precision - 1)) - 1)
    } else {
        (0, (1i32 << precision) - 1)
    };
    let kind = rng.below(5);
    let n = (width * height * components) as usize;
    let samples = fill(rng, n, lo, hi, kind, (width * components) as usize);
    let progression = [
        Progression::Lrcp,
        Progression::Rlcp,
        Progression::Rpcl,
        Progression::Pcrl,
        Progression::Cprl,
    ][rng.below(5) as usize];
    let block_log2 = match rng.below(4) {
        0 => (rng.range_u32(2, 6), rng.range_u32(2, 6)),
        1 => (5, 5),
        _ => (6, 6),
    };
    HtCase {
        width,
        height,
        components,
        precision,
        signed,
        planar: rng.chance(20),
        opts: EncodeOptions {
            block_coding: rs_dicom_j2k::BlockCoding::HighThroughput,
            levels: if rng.chance(70) {
                5
            } else {
                rng.range_u32(0, 8)
            },
            progression,
            color_transform: rng.chance(70),
            block_log2,
            lossy_step: None,
            lossy_ratio: None,
        },
        samples,
    }
}

/// The fixed shapes, then `random` seeded ones.
fn cases(random: u64) -> Vec<HtCase> {
    let mut rng = Rng::new(0x4854_4a32);
    let fixed = [
        (1, 1),
        (1, 7),
        (7, 1),
        (2, 2),
        (3, 5),
        (63, 65),
        (64, 64),
        (65, 129),
        (127, 3),
        (512, 512),
        (333, 190),
        (1030, 2),
    ];
    let mut out: Vec<HtCase> = fixed
        .iter()
        .map(|&(w, h)| make_case(&mut rng, w, h))
        .collect();
    // 512 x 512 at the DICOM depths, both signs, monochrome and colour.
    for (precision, signed, components) in
        [(16, false, 1), (16, true, 1), (12, false, 1), (8, false, 3)]
    {
        let mut c = make_case(&mut rng, 512, 512);
        c.precision = precision;
        c.signed = signed;
        c.components = components;
        let (lo, hi) = if signed {
            (-(1i32 << (precision - 1)), (1i32 << (precision - 1)) - 1)
        } else {
            (0, (1i32 << precision) - 1)
        };
        c.samples = fill(&mut rng, 512 * 512 * components as usize, lo, hi, 1, 512);
        out.push(c);
    }
    for _ in 0..random {
        let w = if rng.chance(15) {
            rng.range_u32(1, 4)
        } else {
            rng.range_u32(1, 300)
        };
        let h = if rng.chance(15) {
            rng.range_u32(1, 4)
        } else {
            rng.range_u32(1, 200)
        };
        out.push(make_case(&mut rng, w, h));
    }
    out
}

/// The frame description rs_dicom's decoder needs for a case.
fn frame_info(c: &HtCase) -> FrameInfo {
    FrameInfo {
        rows: c.height,
        columns: c.width,
        samples_per_pixel: c.components,
        bits_allocated: if c.precision <= 8 { 8 } else { 16 },
        bits_stored: c.precision,
        pixel_representation: u32::from(c.signed),
        planar_configuration: 0,
        photometric_interpretation: if c.components == 3 {
            "RGB"
        } else {
            "MONOCHROME2"
        }
        .into(),
        as_rgb: false,
    }
}

/// Decodes `cs` both ways and compares with the case's samples.
fn check_case(i: usize, c: &HtCase, cs: &[u8]) -> Result<(), String> {
    let label = format!(
        "case {i}: {}x{}x{} {}-bit {} planar {} {:?}",
        c.width,
        c.height,
        c.components,
        c.precision,
        if c.signed { "signed" } else { "unsigned" },
        c.planar,
        c.opts
    );
    let img = opj_decode(cs).map_err(|e| format!("{label}: OpenJPEG: {e}"))?;
    if (img.width, img.height, img.comps.len()) != (c.width, c.height, c.components as usize) {
        return Err(format!(
            "{label}: OpenJPEG image {}x{}x{}",
            img.width,
            img.height,
            img.comps.len()
        ));
    }
    for (k, comp) in img.comps.iter().enumerate() {
        if comp.precision != c.precision || comp.signed != c.signed {
            return Err(format!(
                "{label}: component {k} is {} bits signed {}",
                comp.precision, comp.signed
            ));
        }
        let want = c.plane(k);
        if let Some(p) = (0..want.len()).find(|&p| want[p] != comp.data[p]) {
            return Err(format!(
                "{label}: component {k} differs first at sample {p}: {} (source {})",
                comp.data[p], want[p]
            ));
        }
    }
    // rs_dicom's frame decoder: samples interleaved, little-endian.
    let info = frame_info(c);
    let mut out = vec![0u8; info.frame_len()];
    crate::pixel::codec::j2k::decode(cs, &info, &mut out)
        .map_err(|e| format!("{label}: rs_dicom: {e}"))?;
    let got: Vec<i32> = if c.precision <= 8 {
        out.iter()
            .map(|&b| {
                if c.signed {
                    i32::from(b as i8)
                } else {
                    i32::from(b)
                }
            })
            .collect()
    } else {
        out.chunks_exact(2)
            .map(|b| {
                let v = u16::from_le_bytes([b[0], b[1]]);
                if c.signed {
                    i32::from(v as i16)
                } else {
                    i32::from(v)
                }
            })
            .collect()
    };
    let want = c.interleaved();
    if got != want {
        let p = (0..want.len()).find(|&p| want[p] != got[p]).unwrap_or(0);
        return Err(format!(
            "{label}: rs_dicom decode differs at {p}: {} vs {}",
            got[p], want[p]
        ));
    }
    Ok(())
}

#[test]
fn htj2k_encoder_round_trips_through_openjpeg() {
    let random = std::env::var("HTJ2K_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_RANDOM_CASES);
    let mut failures = Vec::new();
    let all = cases(random);
    for (i, c) in all.iter().enumerate() {
        let cs = match c.encode() {
            Ok(cs) => cs,
            Err(e) => {
                failures.push(format!("case {i}: encoder refused {:?}: {e}", c.opts));
                continue;
            }
        };
        if let Err(e) = check_case(i, c, &cs) {
            if let Some(p) = dump(&format!("htj2k_case_{i}.j2c"), &cs) {
                failures.push(format!("{e} (codestream: {})", p.display()));
            } else {
                failures.push(e);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// The samples of a binary PPM file (after its four header fields), or nothing.
fn ppm_samples(bytes: &[u8]) -> Vec<i32> {
    let mut pos = 0;
    for _ in 0..4 {
        while bytes.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
            pos += 1;
        }
        while bytes.get(pos).is_some_and(|b| !b.is_ascii_whitespace()) {
            pos += 1;
        }
    }
    let fields: Vec<&[u8]> = bytes[..pos]
        .split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty())
        .collect();
    let max: u32 = fields
        .get(3)
        .and_then(|f| std::str::from_utf8(f).ok()?.parse().ok())
        .unwrap_or(0);
    let data = bytes.get(pos + 1..).unwrap_or_default();
    if max > 255 {
        data.chunks_exact(2)
            .map(|b| i32::from(u16::from_be_bytes([b[0], b[1]])))
            .collect()
    } else {
        data.iter().map(|&b| i32::from(b)).collect()
    }
}

/// Unsigned cases through OpenJPH (its raw writer clips negative samples to 0, so signed
/// images are OpenJPEG's alone): monochrome as raw planes, colour as PPM (its raw writer
/// declines colour-transformed images).
#[test]
fn htj2k_encoder_round_trips_through_ojph_expand() {
    let have = std::process::Command::new("ojph_expand").output().is_ok();
    if !have {
        assert!(
            std::env::var("CI").is_err(),
            "ojph_expand (openjph-tools) is required under CI"
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("rs_dicom_htj2k_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut failures = Vec::new();
    let all: Vec<HtCase> = cases(80).into_iter().filter(|c| !c.signed).collect();
    assert!(all.len() > 20);
    for (i, c) in all.iter().enumerate() {
        let cs = c.encode().expect("encodes");
        let colour = c.components == 3;
        let src = dir.join(format!("{i}.j2c"));
        let dst = dir.join(format!("{i}.{}", if colour { "ppm" } else { "raw" }));
        std::fs::write(&src, &cs).expect("write codestream");
        let run = std::process::Command::new("ojph_expand")
            .arg("-i")
            .arg(&src)
            .arg("-o")
            .arg(&dst)
            .output()
            .expect("run ojph_expand");
        let raw = std::fs::read(&dst).unwrap_or_default();
        let (got, want): (Vec<i32>, Vec<i32>) = if colour {
            (ppm_samples(&raw), c.interleaved())
        } else if c.precision <= 8 {
            (raw.iter().map(|&b| i32::from(b)).collect(), c.plane(0))
        } else {
            let got = raw
                .chunks_exact(2)
                .map(|b| i32::from(u16::from_le_bytes([b[0], b[1]])));
            (got.collect(), c.plane(0))
        };
        if !run.status.success() || got != want {
            failures.push(format!(
                "case {i} ({}x{}x{} {}-bit): ojph_expand {} {}",
                c.width,
                c.height,
                c.components,
                c.precision,
                run.status,
                String::from_utf8_lossy(&run.stderr).trim()
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// PSNR in dB of `got` against `want` for samples of `precision` bits.
fn psnr(want: &[i32], got: &[i32], precision: u32) -> f64 {
    let mse = want
        .iter()
        .zip(got)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum::<f64>()
        / want.len().max(1) as f64;
    let peak = f64::from((1u32 << precision) - 1);
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (peak * peak / mse).log10()
    }
}

/// Lossy coding (9/7, ICT, quantisation): OpenJPEG decodes every codestream, quality falls
/// as the step grows, and smooth images at step 1/256 of the range stay above 40 dB. The
/// PSNR and sizes are printed (`--nocapture`).
#[test]
fn htj2k_lossy_decodes_with_falling_psnr() {
    let mut rng = Rng::new(0x4c05_5e11);
    let shapes = [
        (512, 512, 1, 16),
        (512, 512, 1, 12),
        (300, 200, 3, 8),
        (97, 61, 1, 8),
        (1, 1, 1, 8),
    ];
    for &(w, h, nc, precision) in &shapes {
        let mut c = make_case(&mut rng, w, h);
        c.components = nc;
        c.precision = precision;
        c.signed = false;
        c.planar = false;
        c.opts.levels = 5;
        c.opts.color_transform = true;
        c.samples = fill(
            &mut rng,
            (w * h * nc) as usize,
            0,
            (1 << precision) - 1,
            1,
            (w * nc) as usize,
        );
        let mut last = f64::INFINITY;
        for step in [1.0 / 4096.0, 1.0 / 256.0, 1.0 / 32.0] {
            c.opts.lossy_step = Some(step);
            let cs = c.encode().expect("lossy encode");
            let img = opj_decode(&cs).unwrap_or_else(|e| panic!("{w}x{h}x{nc} step {step}: {e}"));
            let got: Vec<i32> = (0..(w * h) as usize)
                .flat_map(|i| img.comps.iter().map(move |k| k.data[i]))
                .collect();
            let q = psnr(&c.interleaved(), &got, precision);
            println!(
                "lossy {w}x{h}x{nc} {precision}-bit step 1/{:.0}: {} bytes (ratio {:.1}), PSNR {q:.2} dB",
                1.0 / step,
                cs.len(),
                (w * h * nc) as f64 * f64::from(precision.div_ceil(8)) / cs.len() as f64
            );
            if w * h > 1 {
                assert!(
                    q <= last + 0.01,
                    "PSNR rose from {last} to {q} as the step grew"
                );
                if step == 1.0 / 256.0 {
                    assert!(q > 40.0, "{w}x{h}x{nc}: PSNR {q} at step 1/256");
                }
            }
            last = q;
        }
    }
}
