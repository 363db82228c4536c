//! Shared body of the codec fuzz targets: the first 6 bytes choose the image shape, the rest
//! is the codestream. Decoding may fail but must never panic, hang or write outside `out`.

use rs_dicom::pixel::codec::{Codec, FrameInfo, decode_frame_unguarded};

/// Decodes `data` as one frame of `codec`.
pub fn run(codec: Codec, data: &[u8]) {
    if data.len() < 6 {
        return;
    }
    let (head, stream) = data.split_at(6);
    let bits = [8u32, 16, 12, 1][usize::from(head[4] & 3)];
    let info = FrameInfo {
        rows: u32::from(head[0] % 64) + 1,
        columns: u32::from(head[1] % 64) + 1,
        samples_per_pixel: if head[2] & 1 == 1 { 3 } else { 1 },
        bits_allocated: if bits > 8 { 16 } else { 8 },
        bits_stored: bits.max(8),
        pixel_representation: u32::from(head[3] & 1),
        planar_configuration: u32::from((head[3] >> 1) & 1),
        photometric_interpretation: if head[2] & 1 == 1 {
            "RGB"
        } else {
            "MONOCHROME2"
        }
        .to_string(),
        as_rgb: head[5] & 1 == 1,
    };
    let mut out = vec![0u8; info.frame_len()];
    let _ = decode_frame_unguarded(codec, stream, &info, &mut out);
}
