//! Fuzzes rs_dicom's JPEG 2000 encoder (`rs_dicom_j2k::encode`, HT or Part 1 code-blocks as
//! byte 2 bit 5 says) with random images and options:
//! the first 8 bytes choose the shape, precision, signedness, layout and coding options, the
//! rest are the samples (16-bit little-endian, reduced to the precision's range unless byte 7
//! asks for raw values). The encoder may refuse (with an InvalidInput error) but must never
//! panic; what it encodes must decode to the same samples through rs_dicom's decoder
//! (OpenJPEG for HT code-blocks, the Rust decoder for Part 1 ones); byte 7 bit 1 selects lossy coding (then it need only decode),
//! and with byte 4 bit 7 a target ratio for the Part 1 rate allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rs_dicom::pixel::codec::{Codec, FrameInfo, decode_frame_unguarded};
use rs_dicom_j2k::{EncodeInput, EncodeOptions, ErrorKind, Progression, Samples};

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (head, body) = data.split_at(8);
    let width = u32::from(head[0] % 80) + 1;
    let height = u32::from(head[1] % 80) + 1;
    let components = [1u32, 3, 2, 1][usize::from(head[2] & 3)];
    let precision = u32::from(head[3] % 18);
    let signed = head[2] & 4 != 0;
    let planar = head[2] & 8 != 0;
    let opts = EncodeOptions {
        block_coding: if head[2] & 32 != 0 {
            rs_dicom_j2k::BlockCoding::Part1
        } else {
            rs_dicom_j2k::BlockCoding::HighThroughput
        },
        levels: u32::from(head[4] % 40),
        progression: [
            Progression::Lrcp,
            Progression::Rlcp,
            Progression::Rpcl,
            Progression::Pcrl,
            Progression::Cprl,
        ][usize::from(head[5] % 5)],
        color_transform: head[2] & 16 != 0,
        block_log2: (u32::from(head[6] & 15), u32::from(head[6] >> 4)),
        lossy_step: (head[7] & 2 != 0).then(|| f32::from(head[7] >> 2) / 64.0),
        // Byte 4's top bit asks lossy coding for a target ratio (1 to 32, from its bits 2-6),
        // which drives the Part 1 rate allocation.
        lossy_ratio: (head[7] & 2 != 0 && head[4] & 0x80 != 0)
            .then(|| 1.0 + f32::from(head[4] >> 2 & 31)),
    };
    let n = (width * height * components) as usize;
    let raw = head[7] & 1 != 0;
    let values: Vec<i32> = (0..n)
        .map(|i| {
            let b = [body.get(2 * i).copied().unwrap_or(0), body.get(2 * i + 1).copied().unwrap_or(0)];
            let v = u16::from_le_bytes(b);
            let p = precision.clamp(1, 16);
            match (raw, signed) {
                (true, false) => i32::from(v),
                (true, true) => i32::from(v as i16),
                (false, false) => i32::from(v) & ((1 << p) - 1),
                (false, true) => (i32::from(v) << (32 - p)) >> (32 - p),
            }
        })
        .collect();
    let (u, s): (Vec<u16>, Vec<i16>) = (
        values.iter().map(|&v| v as u16).collect(),
        values.iter().map(|&v| v as i16).collect(),
    );
    let input = EncodeInput {
        width,
        height,
        components,
        precision,
        signed,
        planar,
        samples: if signed { Samples::I16(&s) } else { Samples::U16(&u) },
    };
    let cs = match rs_dicom_j2k::encode(&input, &opts) {
        Ok(cs) => cs,
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::InvalidInput, "{e}");
            return;
        }
    };
    let info = FrameInfo {
        rows: height,
        columns: width,
        samples_per_pixel: components,
        bits_allocated: 16,
        bits_stored: precision,
        pixel_representation: u32::from(signed),
        planar_configuration: 0,
        photometric_interpretation: if components == 3 { "RGB" } else { "MONOCHROME2" }.into(),
        as_rgb: false,
    };
    let mut out = vec![0u8; info.frame_len()];
    let codec = match opts.block_coding {
        rs_dicom_j2k::BlockCoding::Part1 => Codec::Jpeg2000,
        _ => Codec::Htj2k,
    };
    decode_frame_unguarded(codec, &cs, &info, &mut out).expect("encoded image decodes");
    if opts.lossy_step.is_some() {
        return; // lossy: decodable is all that is promised
    }
    let plane = (width * height) as usize;
    let nc = components as usize;
    for (i, b) in out.chunks_exact(2).enumerate() {
        let got = u16::from_le_bytes([b[0], b[1]]);
        let (pixel, c) = (i / nc, i % nc);
        let src = if planar { c * plane + pixel } else { pixel * nc + c };
        let want = if signed { values[src] as i16 as u16 } else { values[src] as u16 };
        assert_eq!(got, want, "sample {i}");
    }
});
