//! Deflated Image Frame Compression (1.2.840.10008.1.2.8.1, PS3.5 8.2.16): each frame is the
//! native little-endian frame compressed with raw Deflate (RFC 1951); 1-bit frames are packed
//! on their own (each frame starts at bit 0 of its fragment).

use std::io::Read;

use super::{ColorOut, FrameInfo};
use crate::error::{DicomError, Result};

/// Decodes one frame into `out` (see [`super::decode_frame`]).
pub fn decode(src: &[u8], info: &FrameInfo, out: &mut [u8]) -> Result<ColorOut> {
    let samples = info.rows as usize * info.columns as usize * info.samples_per_pixel as usize;
    let expected = if info.bits_allocated == 1 {
        samples.div_ceil(8)
    } else {
        info.frame_len()
    };
    // Inflate at most one byte more than a frame can hold: a larger stream is refused without
    // being inflated (a claim, not an allocation).
    let mut raw = Vec::with_capacity(expected + 1);
    flate2::read::DeflateDecoder::new(src)
        .take(expected as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| DicomError::bad_codestream(format!("invalid deflate stream: {e}")))?;
    if raw.len() < expected {
        return Err(DicomError::bad_codestream(format!(
            "the frame inflates to {} bytes, {expected} expected",
            raw.len()
        )));
    }
    if info.bits_allocated == 1 {
        for (p, d) in out.iter_mut().enumerate().take(samples) {
            *d = (raw[p / 8] >> (p % 8)) & 1;
        }
        return Ok(ColorOut::AsDataset);
    }
    let size = (info.bits_allocated as usize).div_ceil(8);
    let spp = info.samples_per_pixel as usize;
    if spp > 1 && info.planar_configuration == 1 {
        let pixels = info.rows as usize * info.columns as usize;
        for s in 0..spp {
            for p in 0..pixels {
                let from = (s * pixels + p) * size;
                let to = (p * spp + s) * size;
                out[to..to + size].copy_from_slice(&raw[from..from + size]);
            }
        }
    } else {
        out.copy_from_slice(&raw[..out.len()]);
    }
    if cfg!(target_endian = "big") && size > 1 {
        out.chunks_exact_mut(size).for_each(<[u8]>::reverse);
    }
    Ok(ColorOut::AsDataset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn info(bits: u32, spp: u32, planar: u32) -> FrameInfo {
        FrameInfo {
            rows: 2,
            columns: 3,
            samples_per_pixel: spp,
            bits_allocated: bits,
            bits_stored: bits,
            pixel_representation: 0,
            planar_configuration: planar,
            photometric_interpretation: if spp == 3 { "RGB" } else { "MONOCHROME2" }.into(),
            as_rgb: false,
        }
    }

    fn deflate(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = e.write_all(b);
        e.finish().unwrap_or_default()
    }

    #[test]
    fn one_bit_frames_unpack_lsb_first() {
        let i = info(1, 1, 0);
        let mut out = vec![9u8; 6];
        decode(&deflate(&[0b0010_0101]), &i, &mut out)
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(out, [1, 0, 1, 0, 0, 1]);
    }

    #[test]
    fn planar_rgb_is_interleaved_and_short_data_refused() {
        let i = info(8, 3, 1);
        let planes: Vec<u8> = (0..18).collect();
        let mut out = vec![0u8; 18];
        decode(&deflate(&planes), &i, &mut out)
            .map_err(|e| e.to_string())
            .unwrap();
        assert_eq!(&out[..6], &[0, 6, 12, 1, 7, 13]);
        assert!(decode(&deflate(&planes[..10]), &i, &mut out).is_err());
        assert!(decode(b"not deflate at all", &i, &mut out).is_err());
    }
}
