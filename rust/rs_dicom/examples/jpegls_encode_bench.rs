//! Our JPEG-LS encoder against CharLS (the vendored one it must match byte for byte), on one
//! thread, on every frame of a native multi-frame file (e.g.
//! `benchmarks/data/encode/gray12_multi.dcm` of `generate_encode_data.py`): CPU-clock
//! milliseconds per frame (the machine may be shared), lossless and near-lossless.
//!
//! `cargo run --release -p rs_dicom --features mmap --example jpegls_encode_bench -- FILE
//! [repeats [near ...]]`
use std::error::Error;

use rs_dicom::parser::parse_file;
use rs_dicom::pixel::codec::jpegls::charls_encode::encode_charls;
use rs_dicom::pixel::codec::jpegls::encode::encode;
use rs_dicom::pixel::encode::FrameImage;
use rs_dicom::pixel::{DecodeOptions, Frames, PixelBuffer, PixelData};

/// CPU time of this process, in milliseconds.
fn cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `ts` is.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: jpegls_encode_bench FILE [REPEATS [NEAR ...]]")?;
    let repeats: usize = args.next().map_or(Ok(7), |s| s.parse())?;
    let nears: Vec<u32> = args.map(|s| s.parse()).collect::<Result<_, _>>()?;
    let nears = if nears.is_empty() { vec![0, 2] } else { nears };
    let file = parse_file(&path)?;
    let ds = &file.dataset;
    let opts = DecodeOptions::default();
    let px = PixelData::new(ds, file.transfer_syntax, &opts.limits)?.ok_or("no Pixel Data")?;
    let frames = px.frame_count();
    let desc = px.description().clone();
    let pixels = px.decode(ds, &Frames::All, &opts)?;
    let all: Vec<u8> = match &pixels.buffer {
        PixelBuffer::Owned(v) => v.clone(),
        PixelBuffer::View { source, start, len } => source.bytes()[*start..start + len].to_vec(),
        PixelBuffer::Shared { bytes, start, len } => bytes[*start..start + len].to_vec(),
    };
    let frame_len = all.len() / frames;
    let image = |i: usize| FrameImage {
        rows: desc.rows,
        columns: desc.columns,
        samples_per_pixel: desc.samples_per_pixel,
        bits_allocated: desc.bits_allocated,
        bits_stored: desc.bits_stored,
        signed: desc.pixel_representation == 1,
        photometric_interpretation: "",
        data: &all[i * frame_len..(i + 1) * frame_len],
    };
    let pixels_per_frame = f64::from(desc.rows * desc.columns);
    for near in nears {
        for i in 0..frames {
            let (a, b) = (encode(&image(i), near)?, encode_charls(&image(i), near)?);
            if a != b {
                return Err(format!("frame {i} near {near}: not CharLS's codestream").into());
            }
        }
        // Interleaved rounds, so that load from other processes hits both alike.
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut size = 0;
        for _ in 0..repeats {
            let t = cpu_ms();
            size = (0..frames)
                .map(|i| encode(&image(i), near).map_or(0, |v| v.len()))
                .sum::<usize>();
            ours.push((cpu_ms() - t) / frames as f64);
            let t = cpu_ms();
            for i in 0..frames {
                std::hint::black_box(encode_charls(&image(i), near).map_or(0, |v| v.len()));
            }
            theirs.push((cpu_ms() - t) / frames as f64);
        }
        ours.sort_by(f64::total_cmp);
        theirs.sort_by(f64::total_cmp);
        let (o, t) = (ours[repeats / 2], theirs[repeats / 2]);
        println!(
            "NEAR {near}: {frames} frames, {size} bytes (same as CharLS): ours {o:.3} ms/frame \
             ({:.1} ns/pixel), CharLS {t:.3} ({:.1} ns/pixel): {:.2}x",
            o * 1e6 / pixels_per_frame,
            t * 1e6 / pixels_per_frame,
            t / o
        );
    }
    Ok(())
}
