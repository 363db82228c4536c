//! Lossy Part 1 encoding at a compression ratio: the codestreams decode with the crate's
//! decoder, hit the ratio's size, and match OpenJPEG's quality at the same size (when
//! `opj_compress` is installed).

use super::*;
use crate::test_rng::Rng;

/// A 12-bit CT-like frame: air, a body disc of soft tissue with texture and noise, and
/// bright bone-like blobs.
fn ct_like(w: usize, h: usize, rng: &mut Rng) -> Vec<u16> {
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    let r = 0.42 * w.min(h) as f64;
    (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w) as f64, (i / w) as f64);
            let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
            let noise = rng.range(-20, 20) as f64;
            let v = if d > r {
                24.0 + noise / 4.0
            } else {
                let tex = 40.0 * ((x / 9.0).sin() * (y / 13.0).cos());
                let bone = if ((x - cx * 0.7).powi(2) + (y - cy * 1.2).powi(2)).sqrt() < r / 6.0 {
                    1400.0
                } else {
                    0.0
                };
                1040.0 + tex + bone + noise
            };
            v.clamp(0.0, 4095.0) as u16
        })
        .collect()
}

fn lossy(ratio: f32, precision: u32) -> EncodeOptions {
    EncodeOptions {
        block_coding: BlockCoding::Part1,
        progression: Progression::Lrcp,
        color_transform: false,
        lossy_step: Some(1.0 / (1u32 << precision) as f32),
        lossy_ratio: Some(ratio),
        ..EncodeOptions::default()
    }
}

/// PSNR (peak = full range) of a decoded single-component codestream against `want`.
fn psnr(cs: &[u8], want: &[u16], precision: u32) -> f64 {
    let image = crate::decode(cs).expect("decodes");
    let got = &image.components[0].data;
    assert_eq!(got.len(), want.len());
    let mse = got
        .iter()
        .zip(want)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum::<f64>()
        / want.len() as f64;
    let peak = f64::from((1u32 << precision) - 1);
    10.0 * (peak * peak / mse.max(1e-12)).log10()
}

/// OpenJPEG's codestream of the same image at the same ratio (irreversible, its defaults),
/// or None without `opj_compress`.
fn openjpeg(samples: &[u16], w: usize, h: usize, precision: u32, ratio: f32) -> Option<Vec<u8>> {
    // One directory per image and process: the tests run in parallel.
    let dir = std::env::temp_dir().join(format!(
        "rs_dicom_j2k_rate_{}_{w}x{h}_{precision}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).ok()?;
    let (pgm, j2k) = (
        dir.join(format!("{ratio}.pgm")),
        dir.join(format!("{ratio}.j2k")),
    );
    let mut data = format!("P5\n{w} {h}\n{}\n", (1u32 << precision) - 1).into_bytes();
    for &v in samples {
        if precision > 8 {
            data.extend_from_slice(&v.to_be_bytes());
        } else {
            data.push(v as u8);
        }
    }
    std::fs::write(&pgm, data).ok()?;
    let status = std::process::Command::new("opj_compress")
        .arg("-i")
        .arg(&pgm)
        .arg("-o")
        .arg(&j2k)
        .args(["-r", &ratio.to_string(), "-I"])
        .output()
        .ok()?;
    let out = status
        .status
        .success()
        .then(|| std::fs::read(&j2k).ok())??;
    let _ = std::fs::remove_dir_all(&dir);
    Some(out)
}

fn check_image(name: &str, samples: &[u16], w: usize, h: usize, precision: u32) {
    for ratio in [5.0f32, 10.0, 20.0] {
        let input = EncodeInput {
            width: w as u32,
            height: h as u32,
            components: 1,
            precision,
            signed: false,
            planar: false,
            samples: Samples::U16(samples),
        };
        let cs = encode(&input, &lossy(ratio, precision)).expect("encodes");
        let target = (w * h) as f64 * f64::from(precision) / 8.0 / f64::from(ratio);
        let ours = psnr(&cs, samples, precision);
        // The ratio sizes what follows the main header (up to the first SOT).
        let main = cs.windows(2).position(|m| m == [0xFF, 0x90]).expect("SOT");
        let size_err = (cs.len() - main) as f64 / target - 1.0;
        let opj = openjpeg(samples, w, h, precision, ratio);
        let theirs = opj.as_ref().map(|c| (c.len(), psnr(c, samples, precision)));
        println!(
            "{name} ratio {ratio}: {} bytes (target {target:.0}, {:+.2}%), PSNR {ours:.2} dB; \
             OpenJPEG {theirs:?}",
            cs.len(),
            100.0 * size_err
        );
        assert!(
            size_err.abs() < 0.02,
            "{name} ratio {ratio}: {} bytes for {target:.0}",
            cs.len()
        );
        if let Some((len, their_psnr)) = theirs {
            // OpenJPEG misses the target by a few percent on small images: compare the
            // quality at its size.
            let same = (w * h) as f64 * f64::from(precision) / 8.0 / (len - main) as f64;
            let cs = encode(&input, &lossy(same as f32, precision)).expect("encodes");
            let ours = psnr(&cs, samples, precision);
            println!(
                "  at OpenJPEG's size: {} bytes, PSNR {ours:.2} dB",
                cs.len()
            );
            assert!(
                (len as f64 / cs.len() as f64 - 1.0).abs() < 0.02,
                "{name} ratio {ratio}: OpenJPEG {len} bytes, ours {}",
                cs.len()
            );
            assert!(
                ours >= their_psnr - 0.5,
                "{name} ratio {ratio}: PSNR {ours:.2} dB, OpenJPEG {their_psnr:.2}"
            );
        }
    }
}

#[test]
fn ct_like_frames_hit_the_ratio_at_openjpeg_quality() {
    let mut rng = Rng(0x5eed_0097);
    let (w, h) = (512, 512);
    let img = ct_like(w, h, &mut rng);
    check_image("CT-like 512x512", &img, w, h, 12);
}

#[test]
fn random_images_hit_the_ratio_at_openjpeg_quality() {
    let mut rng = Rng(0x5eed_0098);
    for &(w, h, p) in &[(128usize, 96usize, 8u32), (200, 130, 12), (64, 64, 16)] {
        let img: Vec<u16> = (0..w * h)
            .map(|_| rng.range(0, (1i64 << p) - 1) as u16)
            .collect();
        check_image(&format!("random {w}x{h} {p} bits"), &img, w, h, p);
    }
}

/// Coding only the bit-planes the estimate picks (and deeper where the allocation asks)
/// gives what coding every plane gives: the same size and quality, on CT-like and random
/// images of several sizes and ratios.
#[test]
fn partial_coding_matches_coding_every_plane() {
    let mut rng = Rng(0x5eed_0099);
    let ct = ct_like(256, 256, &mut rng);
    let noise: Vec<u16> = (0..200 * 130).map(|_| rng.range(0, 4095) as u16).collect();
    for (img, w, h) in [(&ct, 256usize, 256usize), (&noise, 200, 130)] {
        let input = EncodeInput {
            width: w as u32,
            height: h as u32,
            components: 1,
            precision: 12,
            signed: false,
            planar: false,
            samples: Samples::U16(img),
        };
        for ratio in [4.0f32, 10.0, 30.0] {
            let partial = encode(&input, &lossy(ratio, 12)).expect("encodes");
            super::rate::FULL_DEPTH.set(true);
            let full = encode(&input, &lossy(ratio, 12));
            super::rate::FULL_DEPTH.set(false);
            let full = full.expect("encodes");
            let (p, f) = (psnr(&partial, img, 12), psnr(&full, img, 12));
            println!(
                "{w}x{h} ratio {ratio}: {} / {} bytes, {p:.3} / {f:.3} dB",
                partial.len(),
                full.len()
            );
            assert!((partial.len() as f64 / full.len() as f64 - 1.0).abs() < 0.005);
            assert!(p >= f - 0.05, "{w}x{h} ratio {ratio}: {p:.3} dB vs {f:.3}");
        }
    }
}
