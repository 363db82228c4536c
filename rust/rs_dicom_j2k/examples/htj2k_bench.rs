//! Single-threaded HTJ2K lossless encoding speed on 512 x 512 16-bit CT-like frames:
//! `cargo run --release -p rs_dicom_j2k --example htj2k_bench [FRAMES]`. Prints frames/s and
//! the mean compressed size. The frames are synthetic (smooth anatomy-like shapes, noise and
//! an air background, 12 significant bits in 16), generated from a fixed seed.
//! `HTJ2K_BENCH_PGM=frame.pgm` also writes the first frame as a PGM for other encoders.
//! `J2K_BENCH_PART1=1` times the Part 1 (EBCOT) lossless encoder instead, at the settings
//! rs_dicom uses for JPEG 2000 Lossless (12-bit precision, LRCP, five levels).

use std::time::Instant;

fn frame(seed: u64) -> Vec<u16> {
    let mut s = seed | 1;
    let mut noise = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 59) as i32 - 16
    };
    let (w, h) = (512i32, 512i32);
    let mut out = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (f64::from(x - 256), f64::from(y - 256));
            let r = (dx * dx / 1.2 + dy * dy).sqrt();
            let v = if r > 230.0 {
                24 // air
            } else if r > 215.0 {
                1900 // skin and fat ring
            } else {
                let organ = ((dx / 31.0).sin() * (dy / 23.0).cos() * 120.0) as i32;
                let bone = if (dx - 40.0).hypot(dy + 60.0) < 25.0 {
                    1400
                } else {
                    0
                };
                1040 + organ + bone
            };
            out.push((v + noise()).clamp(0, 4095) as u16);
        }
    }
    out
}

fn main() {
    let frames: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let images: Vec<Vec<u16>> = (0..8).map(|i| frame(0x1234 + i)).collect();
    // HTJ2K_BENCH_PGM=path writes the first frame as a 16-bit PGM, for other encoders.
    if let Some(path) = std::env::var_os("HTJ2K_BENCH_PGM") {
        let mut pgm = b"P5\n512 512\n65535\n".to_vec();
        pgm.extend(images[0].iter().flat_map(|v| v.to_be_bytes()));
        if let Err(e) = std::fs::write(&path, pgm) {
            eprintln!("cannot write {}: {e}", path.to_string_lossy());
        }
    }
    let part1 = std::env::var_os("J2K_BENCH_PART1").is_some();
    let opts = if part1 {
        rs_dicom_j2k::EncodeOptions {
            block_coding: rs_dicom_j2k::BlockCoding::Part1,
            progression: rs_dicom_j2k::Progression::Lrcp,
            ..Default::default()
        }
    } else {
        rs_dicom_j2k::EncodeOptions::default()
    };
    let precision = if part1 { 12 } else { 16 };
    let encode = |px: &[u16]| {
        let input = rs_dicom_j2k::EncodeInput {
            width: 512,
            height: 512,
            components: 1,
            precision,
            signed: false,
            planar: false,
            samples: rs_dicom_j2k::Samples::U16(px),
        };
        rs_dicom_j2k::encode(&input, &opts)
    };
    // Warm up, and a checksum of the codestreams (FNV-1a) to tell changes in the output.
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for img in &images {
        for &b in encode(img).unwrap_or_default().iter() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    println!("codestream checksum {hash:016x}");
    let start = Instant::now();
    let mut bytes = 0usize;
    for i in 0..frames {
        match encode(&images[i % images.len()]) {
            Ok(cs) => bytes += cs.len(),
            Err(e) => {
                eprintln!("encoding failed: {e}");
                std::process::exit(1);
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} lossless 512x512 16-bit: {:.1} frames/s, {:.0} bytes/frame (ratio {:.2})",
        if part1 { "JPEG 2000 Part 1" } else { "HTJ2K" },
        frames as f64 / secs,
        bytes as f64 / frames as f64,
        (512.0 * 512.0 * 2.0) / (bytes as f64 / frames as f64)
    );
}
