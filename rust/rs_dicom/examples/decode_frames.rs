//! Decodes every frame of a compressed (encapsulated) file, for profiling the codecs:
//! `cargo run --release --example decode_frames -- file.dcm [repeats]` prints frames/s and a
//! checksum of the pixels. `RAYON_NUM_THREADS=1` measures one thread.
use std::error::Error;

use rs_dicom::core::Tag;
use rs_dicom::parser::parse_file;
use rs_dicom::pixel::PixelDescription;
use rs_dicom::pixel::codec::Encapsulated;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: decode_frames FILE [REPEATS]")?;
    let repeats: usize = args.next().map_or(Ok(3), |s| s.parse())?;
    let file = parse_file(&path)?;
    let ds = &file.dataset;
    let elem = ds.get(Tag(0x7FE0, 0x0010)).ok_or("no Pixel Data")?;
    let desc = PixelDescription::from_dataset(ds)?;
    let ts = file.transfer_syntax_uid.clone().unwrap_or_default();
    let enc = Encapsulated::new(ds, elem, &desc, &ts)?;
    let frames = desc.number_of_frames as usize;
    let start = std::time::Instant::now();
    let mut sum = 0u64;
    for _ in 0..repeats {
        let out = enc.decode(ds, elem, 0..frames, false)?;
        sum = out.iter().fold(sum, |s, &b| s.wrapping_add(u64::from(b)));
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{:.1} frames/s sum {sum}", (frames * repeats) as f64 / secs);
    Ok(())
}
