//! Single-threaded JPEG 2000 Part 1 lossless encoding time on real frames, by CPU time:
//! `cargo run --release -p rs_dicom_j2k --example j2k_part1_bench -- ROUNDS a.pgm b.pgm ...`
//! (16-bit binary PGMs; the precision is that of the maxval, as `opj_compress` reads them).
//! Encodes every frame `ROUNDS` times at the settings rs_dicom uses for JPEG 2000 Lossless
//! (five levels, LRCP, 64 x 64 code-blocks, the defaults of `opj_compress`) and prints the
//! thread's CPU ms per frame. `J2K_BENCH_OUT=dir` writes each frame's codestream as
//! `dir/NAME.j2k`, to compare byte for byte with `opj_compress -i NAME.pgm -o NAME.j2k`.
//! `J2K_BENCH_RATIO=10` encodes irreversibly at that ratio instead, as rs_dicom's JPEG 2000
//! (lossy) does (9/7, a step of one sample unit, rate allocation; `opj_compress -r 10 -I`).

use std::path::Path;

/// CPU time of this thread in nanoseconds (Linux `/proc/thread-self/schedstat`), so that
/// the figure holds on a machine other processes load.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Width, height, maxval and samples of a binary 16-bit PGM.
fn read_pgm(path: &Path) -> Result<(u32, u32, u32, Vec<u16>), String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while pos < data.len() && data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let start = pos;
        while pos < data.len() && !data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..pos]).into_owned());
    }
    pos += 1;
    let num = |i: usize| {
        fields[i]
            .parse::<u32>()
            .map_err(|e| format!("PGM header: {e}"))
    };
    if fields[0] != "P5" || num(3)? < 256 {
        return Err(format!("{}: not a 16-bit binary PGM", path.display()));
    }
    let (w, h, maxval) = (num(1)?, num(2)?, num(3)?);
    let px: Vec<u16> = data
        .get(pos..)
        .unwrap_or_default()
        .chunks_exact(2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .collect();
    if px.len() != (w * h) as usize {
        return Err(format!("{}: short pixel data", path.display()));
    }
    Ok((w, h, maxval, px))
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .ok_or("usage: j2k_part1_bench ROUNDS FRAME.pgm...")?;
    let paths: Vec<String> = args.collect();
    let frames = paths
        .iter()
        .map(|p| read_pgm(Path::new(p)))
        .collect::<Result<Vec<_>, _>>()?;
    let ratio: Option<f32> = std::env::var("J2K_BENCH_RATIO")
        .ok()
        .and_then(|r| r.parse().ok());
    let encode = |(w, h, maxval, px): &(u32, u32, u32, Vec<u16>)| {
        let precision = 32 - maxval.leading_zeros();
        let opts = rs_dicom_j2k::EncodeOptions {
            block_coding: rs_dicom_j2k::BlockCoding::Part1,
            progression: rs_dicom_j2k::Progression::Lrcp,
            levels: 5,
            lossy_step: ratio.map(|_| 1.0 / (1u32 << precision) as f32),
            lossy_ratio: ratio,
            ..Default::default()
        };
        let input = rs_dicom_j2k::EncodeInput {
            width: *w,
            height: *h,
            components: 1,
            precision,
            signed: false,
            planar: false,
            samples: rs_dicom_j2k::Samples::U16(px),
        };
        rs_dicom_j2k::encode(&input, &opts).map_err(|e| e.to_string())
    };
    let out_dir = std::env::var_os("J2K_BENCH_OUT");
    let mut bytes = 0;
    for (f, path) in frames.iter().zip(&paths) {
        let cs = encode(f)?;
        bytes += cs.len();
        if let Some(dir) = &out_dir {
            let stem = Path::new(path).file_stem().unwrap_or_default();
            let dst = Path::new(dir).join(stem).with_extension("j2k");
            std::fs::write(&dst, &cs).map_err(|e| format!("{}: {e}", dst.display()))?;
        }
    }
    let start = cpu_ns();
    let wall = std::time::Instant::now();
    for _ in 0..rounds {
        for f in &frames {
            std::hint::black_box(encode(f)?);
        }
    }
    let n = (rounds * frames.len()).max(1) as f64;
    println!(
        "{:.3} CPU ms/frame ({:.3} wall), {} bytes/frame",
        (cpu_ns() - start) as f64 / 1e6 / n,
        wall.elapsed().as_secs_f64() * 1e3 / n,
        bytes / frames.len().max(1)
    );
    Ok(())
}
