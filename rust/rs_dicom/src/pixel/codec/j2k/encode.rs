//! JPEG 2000 Part 1 encoding to a raw J2K codestream (no JP2 boxes), lossless
//! (1.2.840.10008.1.2.4.90: reversible 5/3 wavelet) or lossy (1.2.840.10008.1.2.4.91:
//! irreversible 9/7 wavelet at a compression ratio). Lossless frames go to the project's own
//! Part 1 encoder (`rs_dicom_j2k`, see `part1_encode.rs`: the same layout, sizes within 0.1%
//! of `opj_compress`, and about 1.5× OpenJPEG's speed on a 512 × 512 CT frame), and so do
//! lossy ones (its PCRD-opt rate allocation hits the ratio's size within 1% at OpenJPEG's
//! PSNR or better); sides over 32768 and frames it declines go to OpenJPEG
//! (`openjpeg-sys`, vendored).
//!
//! The settings are `opj_compress`'s defaults, which pydicom's encoder (pylibjpeg-openjpeg)
//! also uses: one quality layer, LRCP progression, 64 × 64 code-blocks, no precincts, six
//! resolutions (fewer for images under 32 pixels on a side, which OpenJPEG cannot decompose
//! that often). Three samples with `color_transform` get the multiple component transform
//! (RCT when lossless, ICT when lossy: the dataset becomes YBR_RCT / YBR_ICT). The lossy
//! default ratio is 10:1: pydicom has no default (it requires `j2k_cr` or `j2k_psnr`).
//! The codestreams are byte for byte those of `opj_compress` at the same settings but for its
//! comment marker (0.00% size difference measured). Speed is OpenJPEG's: on a 512 × 512
//! 16-bit CT frame, selective arithmetic-coding bypass (`opj_compress -M 1`) would code 1.7×
//! faster lossless but 3.2% larger (beyond the 2% the project allows), and 1.36× faster
//! lossy at 0.9 dB lower PSNR for the same size, so it is not used.
//!
//! Samples are coded with precision Bits Stored and the image's signedness (JPEG 2000 stores
//! signed samples as such), 1 to 16 bits. Two OpenJPEG limits, both found by fuzzing: its
//! reversible colour transform does not give back 1-bit samples (refused, the error says to
//! encode without the transform), and its tile buffer (1.4 × the samples' bits + 500 bytes)
//! can be too small for low-precision noise or tiny images (the encoder then tries again with
//! one tile twice the image's size, which has four times the room).

use super::openjpeg::threads;
use super::opj_compress::{Layout, compress, default_params};
use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::codec::encode_input::{check_frame, refuse, value_at, value_range};
use crate::pixel::encode::{EncodeOptions, FrameImage};

/// The compression ratio used when the options give none.
pub const DEFAULT_RATIO: f32 = 10.0;

/// The largest side encoded (OpenJPEG's image sizes are 32-bit; this bounds the memory).
const MAX_DIM: u32 = 1 << 16;

/// Encodes one frame to a J2K codestream: reversible when `lossless`, else irreversible at
/// `opts.compression_ratio` (default [`DEFAULT_RATIO`]).
pub fn encode(frame: &FrameImage, opts: &EncodeOptions, lossless: bool) -> Result<Vec<u8>> {
    const CODEC: &str = "JPEG 2000";
    check_frame(frame, CODEC, MAX_DIM)?;
    let ratio = opts.compression_ratio.unwrap_or(DEFAULT_RATIO);
    if !lossless {
        if !(ratio.is_finite() && ratio >= 1.0) {
            return Err(refuse(
                "",
                format!("the JPEG 2000 compression ratio must be 1 or more, not {ratio}"),
            ));
        }
        if frame.photometric_interpretation.trim() == "PALETTE COLOR" {
            return Err(refuse(
                "(0028,0004)",
                "lossy JPEG 2000 would change PALETTE COLOR indices: use lossless",
            ));
        }
    }
    let (lo, hi) = value_range(frame);
    let spp = frame.samples_per_pixel as usize;
    let (w, h) = (frame.columns, frame.rows);
    let samples = w as usize * h as usize;

    let mct = spp == 3 && opts.color_transform;
    if mct && lossless && frame.bits_stored < 2 {
        return Err(refuse(
            "(0028,0101)",
            "OpenJPEG's reversible colour transform does not give back 1-bit samples: encode \
             them without the colour transform",
        ));
    }
    // Our own Part 1 encoder takes both (same layout, sizes and quality, faster); OpenJPEG
    // what it does not cover (sides over 32768, frames it declines).
    if w <= rs_dicom_j2k::MAX_DIMENSION && h <= rs_dicom_j2k::MAX_DIMENSION {
        if lossless {
            return super::part1_encode::encode_lossless(frame, mct);
        }
        if let Some(cs) = super::part1_encode::encode_lossy(frame, mct, ratio)? {
            return Ok(cs);
        }
    }
    // Each decomposition halves the image: OpenJPEG refuses more than the smaller side has.
    let levels = 31 - w.min(h).leading_zeros();
    let params = |big_tile: bool| {
        let mut p = default_params();
        p.tcp_numlayers = 1;
        p.cp_disto_alloc = 1;
        p.tcp_rates[0] = if lossless { 0.0 } else { ratio };
        p.irreversible = i32::from(!lossless);
        p.tcp_mct = i8::from(mct) as _;
        p.numresolution = (levels + 1).min(6) as i32;
        if big_tile {
            // OpenJPEG sizes its tile buffer at 1.4 × the samples' bits of the tile (+500
            // bytes), which noise of one or two bits, or tiny images, can exceed. One tile
            // twice the image's size in each direction holds the same image with four
            // times the room (the coded data is the same; only SIZ's tile size differs).
            p.tile_size_on = 1;
            p.cp_tdx = (2 * w).min(i32::MAX as u32) as i32;
            p.cp_tdy = (2 * h).min(i32::MAX as u32) as i32;
        }
        p
    };
    let layout = Layout {
        width: w,
        height: h,
        x0: 0,
        y0: 0,
        components: frame.samples_per_pixel,
        precision: frame.bits_stored,
        signed: frame.signed,
    };

    // The values are checked while they are spread over the planes: the first one out of
    // range stops the copy and refuses the frame.
    let data = frame.data;
    let wide = frame.bits_allocated > 8;
    let signed = frame.signed;
    let fill = |planes: &mut [&mut [i32]], bad: &mut Option<(usize, i32)>| {
        if planes.iter().any(|p| p.len() != samples) {
            *bad = Some((usize::MAX, 0));
            return false;
        }
        for (c, plane) in planes.iter_mut().enumerate() {
            for (p, d) in plane.iter_mut().enumerate() {
                let i = p * spp + c;
                let v = value_at(data, wide, signed, i);
                if v < lo || v > hi {
                    *bad = Some((i, v));
                    return false;
                }
                *d = v;
            }
        }
        true
    };
    let mut bad = None;
    let threads = threads(samples);
    let mut out = compress(
        &mut params(false),
        &layout,
        |p| fill(p, &mut bad),
        &[],
        threads,
    );
    if out.is_err() && bad.is_none() {
        out = compress(
            &mut params(true),
            &layout,
            |p| fill(p, &mut bad),
            &[],
            threads,
        );
    }
    match bad {
        Some((usize::MAX, _)) => Err(failure("OpenJPEG allocated planes of the wrong size")),
        Some((i, v)) => Err(refuse(
            "(7FE0,0010)",
            format!(
                "sample {i} is {v}, outside the range {lo}..={hi} of Bits Stored {} ({})",
                frame.bits_stored,
                if signed { "signed" } else { "unsigned" }
            ),
        )),
        None => out.map_err(|e| failure(&e)),
    }
}

/// An encoding failure reported by OpenJPEG.
#[cold]
fn failure(message: &str) -> DicomError {
    DicomError::codec(ErrorKind::Encode, message.to_string())
}
