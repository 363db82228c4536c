//! Where the time of an RLE Lossless compress goes, on one thread, for a native multi-frame
//! file (e.g. `benchmarks/data/encode/gray12_multi.dcm` of `generate_encode_data.py`):
//! parsing the file, the packer alone on every frame, and the whole `transcode::compress`
//! (frame access, packing, encapsulation, attributes), in CPU-clock milliseconds per frame.
//!
//! `RAYON_NUM_THREADS=1 cargo run --release -p rs_dicom --example rle_encode_bench -- FILE
//! [repeats]`
use std::error::Error;

use rs_dicom::core::{Limits, TransferSyntax};
use rs_dicom::parser::parse_file;
use rs_dicom::pixel::codec::rle::encode::encode;
use rs_dicom::pixel::encode::FrameImage;
use rs_dicom::pixel::transcode::{CompressOptions, compress};
use rs_dicom::pixel::{DecodeOptions, Frames, PixelBuffer, PixelData};

/// CPU time this process has used (all threads: `compress` runs on rayon's), in milliseconds (the machine may be shared: wall time
/// would count other processes' turns).
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `ts` is.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// The median of `repeats` runs of `f`, in CPU milliseconds.
fn median_ms(repeats: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let start = thread_cpu_ms();
            f();
            thread_cpu_ms() - start
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: rle_encode_bench FILE [REPEATS]")?;
    let repeats: usize = args.next().map_or(Ok(15), |s| s.parse())?;
    let parse = median_ms(repeats, || {
        std::hint::black_box(parse_file(&path).map(|f| f.dataset.len()).unwrap_or(0));
    });
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
    let mut size = 0;
    let pack = median_ms(repeats, || {
        size = (0..frames)
            .map(|i| encode(&image(i)).map_or(0, |v| v.len()))
            .sum::<usize>();
    });
    let rle = TransferSyntax::from_name("rle").ok_or("no RLE syntax")?;
    let copts = CompressOptions {
        limits: Limits::DEFAULT,
        ..CompressOptions::default()
    };
    let mut failed = None;
    let whole = median_ms(repeats, || {
        let (mut d, mut m) = (file.dataset.clone(), file.meta.clone());
        if let Err(e) = compress(&mut d, &mut m, file.transfer_syntax, rle, &copts) {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    let per = |ms: f64| ms / frames as f64;
    println!(
        "{frames} frames, {size} bytes packed: parse {:.3} ms/frame, pack {:.3}, compress \
         {:.3} ({:.0} frames/s packing, {:.0} parse + compress)",
        per(parse),
        per(pack),
        per(whole),
        1e3 / per(pack),
        1e3 / per(parse + whole)
    );
    Ok(())
}
