//! Encodes a binary PGM (P5, 8 or 16 bit) or PPM (P6) as a lossless HTJ2K codestream:
//! `cargo run --release --example pgm_to_htj2k -- in.pgm out.j2c`.

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = &args[..] else {
        return Err("usage: pgm_to_htj2k IN.pgm OUT.j2c".into());
    };
    let bytes = std::fs::read(input)?;
    // Header: magic, width, height, maxval, each followed by whitespace.
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while bytes.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
            pos += 1;
        }
        let start = pos;
        while bytes.get(pos).is_some_and(|b| !b.is_ascii_whitespace()) {
            pos += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..pos]).into_owned());
    }
    let data = &bytes[pos + 1..];
    let components = match fields[0].as_str() {
        "P5" => 1,
        "P6" => 3,
        _ => return Err("not a binary PGM/PPM".into()),
    };
    let (width, height, maxval): (u32, u32, u32) =
        (fields[1].parse()?, fields[2].parse()?, fields[3].parse()?);
    let precision = 32 - maxval.leading_zeros();
    let wide: Vec<u16>;
    let samples = if maxval > 255 {
        wide = data
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        rs_dicom_j2k::Samples::U16(&wide)
    } else {
        rs_dicom_j2k::Samples::U8(data)
    };
    let input = rs_dicom_j2k::EncodeInput {
        width,
        height,
        components,
        precision,
        signed: false,
        planar: false,
        samples,
    };
    let cs = rs_dicom_j2k::encode(&input, &rs_dicom_j2k::EncodeOptions::default())?;
    std::fs::write(output, &cs)?;
    println!("{} bytes", cs.len());
    Ok(())
}
