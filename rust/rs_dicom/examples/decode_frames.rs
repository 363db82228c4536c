//! Decodes every frame of a compressed (encapsulated) file, for profiling the codecs:
//! `cargo run --release --example decode_frames -- file.dcm [repeats]` prints frames/s and a
//! checksum of the pixels. `RAYON_NUM_THREADS=1` measures one thread.
use std::error::Error;

use rs_dicom::parser::parse_file;
use rs_dicom::pixel::{DecodeOptions, Frames, PixelBuffer, PixelData};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: decode_frames FILE [REPEATS]")?;
    let repeats: usize = args.next().map_or(Ok(3), |s| s.parse())?;
    let file = parse_file(&path)?;
    let ds = &file.dataset;
    let opts = DecodeOptions {
        as_rgb: false,
        ..DecodeOptions::default()
    };
    let px = PixelData::new(ds, file.transfer_syntax, &opts.limits)?.ok_or("no Pixel Data")?;
    let frames = px.frame_count();
    let start = std::time::Instant::now();
    let mut sum = 0u64;
    for _ in 0..repeats {
        let out = px.decode(ds, &Frames::All, &opts)?;
        let PixelBuffer::Owned(out) = out.buffer else {
            return Err("not compressed".into());
        };
        sum = out.iter().fold(sum, |s, &b| s.wrapping_add(u64::from(b)));
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{:.1} frames/s sum {sum}", (frames * repeats) as f64 / secs);
    Ok(())
}
