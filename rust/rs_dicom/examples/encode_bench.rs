//! Frames per second of each frame encoder on the C libraries, on one thread, for a 512×512
//! 16-bit CT-like frame (the phantom of `benchmarks/synthetic.py`: body ellipse, lungs,
//! spine, noise σ 12, padding outside the field of view; signed, Bits Stored 16). JPEG
//! Baseline takes 8-bit samples only: it runs on the same frame windowed to 8 bits (and on
//! an RGB version of that).
//!
//! `cargo run --release -p rs_dicom --example encode_bench [seconds per encoder [names]]`

use std::time::{Duration, Instant};

use rs_dicom::pixel::codec::{j2k, jpeg, jpegls};
use rs_dicom::pixel::encode::{EncodeOptions, FrameImage};

const SIDE: usize = 512;

/// A deterministic normal deviate source (Box–Muller over xorshift64*).
struct Noise(u64);

impl Noise {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// The stored values of the phantom's middle slice.
fn phantom() -> Vec<i16> {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let half = SIDE as f64 / 2.0;
    let lung_r = 0.32;
    let mut out = Vec::with_capacity(SIDE * SIDE);
    for r in 0..SIDE {
        for c in 0..SIDE {
            let (x, y) = ((c as f64 - half) / half, (r as f64 - half) / half);
            let mut hu = -1000.0;
            if (x / 0.85).powi(2) + (y / 0.62).powi(2) <= 1.0 {
                hu = 40.0;
            }
            for cx in [-0.38, 0.38] {
                if ((x - cx) / lung_r).powi(2) + ((y + 0.05) / (lung_r * 1.3)).powi(2) <= 1.0 {
                    hu = -850.0;
                }
            }
            if (x / 0.09).powi(2) + ((y - 0.42) / 0.09).powi(2) <= 1.0 {
                hu = 900.0;
            }
            hu += 12.0 * noise.normal();
            let stored = if x * x + y * y <= 1.0 {
                (hu.round() + 1024.0).clamp(-32768.0, 32767.0) as i16
            } else {
                -2000
            };
            out.push(stored);
        }
    }
    out
}

/// Runs `f` for about `budget` and prints frames/s and the compressed size, unless the
/// second argument names other encoders (a substring of their names).
fn bench(name: &str, raw_len: usize, budget: Duration, mut f: impl FnMut() -> Vec<u8>) {
    if let Some(only) = std::env::args().nth(2)
        && !name.contains(only.as_str())
    {
        return;
    }
    let size = f().len(); // warm-up
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget || n < 3 {
        std::hint::black_box(f());
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name:<34} {:>8.1} frames/s  {:>7.2} ms  {size:>8} bytes  ratio {:>5.2}",
        f64::from(n) / secs,
        1000.0 * secs / f64::from(n),
        raw_len as f64 / size as f64
    );
}

fn main() {
    // One thread: OpenJPEG would otherwise code one large frame on rayon's pool. Set before
    // anything starts a thread pool.
    // SAFETY: no other thread exists yet.
    unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let budget = Duration::from_secs_f64(secs);

    let ct = phantom();
    let ct_bytes: Vec<u8> = ct.iter().flat_map(|v| v.to_le_bytes()).collect();
    let ct_frame = FrameImage {
        rows: SIDE as u32,
        columns: SIDE as u32,
        samples_per_pixel: 1,
        bits_allocated: 16,
        bits_stored: 16,
        signed: true,
        photometric_interpretation: "MONOCHROME2",
        data: &ct_bytes,
    };
    // A soft-tissue window (centre 40 HU, width 400) to 8 bits, and an RGB copy.
    let grey8: Vec<u8> = ct
        .iter()
        .map(|&v| ((f64::from(v) - 1024.0 + 160.0) * 255.0 / 400.0).clamp(0.0, 255.0) as u8)
        .collect();
    let rgb8: Vec<u8> = grey8
        .iter()
        .enumerate()
        .flat_map(|(i, &v)| [v, v.saturating_add((i % 7) as u8), v / 2])
        .collect();
    let grey_frame = FrameImage {
        bits_allocated: 8,
        bits_stored: 8,
        signed: false,
        data: &grey8,
        ..ct_frame
    };
    let rgb_frame = FrameImage {
        samples_per_pixel: 3,
        photometric_interpretation: "RGB",
        data: &rgb8,
        ..grey_frame
    };
    let opts = EncodeOptions::default();
    let raw = ct_bytes.len();
    println!("512x512 CT-like frame, 16-bit signed, one thread, {secs} s per encoder");
    bench("JPEG Lossless SV1 (16-bit)", raw, budget, || {
        jpeg::encode::encode_lossless(&ct_frame).expect("JPEG lossless")
    });
    bench("JPEG-LS lossless (16-bit)", raw, budget, || {
        jpegls::encode::encode(&ct_frame, 0).expect("JPEG-LS")
    });
    bench("JPEG-LS near-lossless 2 (16-bit)", raw, budget, || {
        jpegls::encode::encode(&ct_frame, 2).expect("JPEG-LS near")
    });
    bench("JPEG 2000 lossless (16-bit)", raw, budget, || {
        j2k::encode::encode(&ct_frame, &opts, true).expect("J2K lossless")
    });
    bench("JPEG 2000 lossy 10:1 (16-bit)", raw, budget, || {
        j2k::encode::encode(&ct_frame, &opts, false).expect("J2K lossy")
    });
    bench(
        "JPEG Baseline q90 (8-bit grey)",
        grey8.len(),
        budget,
        || jpeg::encode::encode_baseline(&grey_frame, &opts).expect("JPEG baseline"),
    );
    bench(
        "JPEG Baseline q90 (8-bit RGB 4:2:2)",
        rgb8.len(),
        budget,
        || jpeg::encode::encode_baseline(&rgb_frame, &opts).expect("JPEG baseline RGB"),
    );
}
