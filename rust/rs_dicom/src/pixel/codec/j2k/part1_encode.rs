//! Lossless JPEG 2000 Part 1 encoding with the project's own codec,
//! [`rs_dicom_j2k::encode`] with [`BlockCoding::Part1`]: the layout OpenJPEG's defaults give
//! (see `encode.rs`), so that the codestreams are the same size as `opj_compress`'s.

use rs_dicom_j2k::{BlockCoding, Progression};

use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::codec::encode_input::{refuse, value_at, value_range};
use crate::pixel::encode::FrameImage;

/// OpenJPEG's default layout (five levels, 64 × 64 blocks, LRCP, one layer), lossy when a
/// step is given.
fn layout(
    mct: bool,
    lossy_step: Option<f32>,
    lossy_ratio: Option<f32>,
) -> rs_dicom_j2k::EncodeOptions {
    rs_dicom_j2k::EncodeOptions {
        block_coding: BlockCoding::Part1,
        levels: 5,
        progression: Progression::Lrcp,
        color_transform: mct,
        block_log2: (6, 6),
        lossy_step,
        lossy_ratio,
    }
}

/// Encodes a checked frame (see `encode.rs`) reversibly: 5/3 wavelet, five decomposition
/// levels (fewer for small images), 64 × 64 code-blocks, LRCP, one layer, RCT when `mct`.
pub(super) fn encode_lossless(frame: &FrameImage, mct: bool) -> Result<Vec<u8>> {
    let options = layout(mct, None, None);
    super::samples::with_input(frame, |input| rs_dicom_j2k::encode(input, &options)).map_err(|e| {
        match first_out_of_range(frame) {
            Some(err) => err,
            None => DicomError::codec(ErrorKind::Encode, format!("JPEG 2000: {}", e.message)),
        }
    })
}

/// Encodes a checked frame (see `encode.rs`) irreversibly at compression ratio `ratio`
/// (checked, at least 1): 9/7 wavelet, ICT when `mct`, otherwise the layout of
/// [`encode_lossless`], quantised finely (a step of one sample unit before the band's
/// synthesis norm) and truncated by rate allocation to the ratio's size. `Ok(None)` when the
/// encoder declines the frame (OpenJPEG then codes it); a sample out of range is an error.
pub(super) fn encode_lossy(frame: &FrameImage, mct: bool, ratio: f32) -> Result<Option<Vec<u8>>> {
    let step = 1.0 / (1u32 << frame.bits_stored.clamp(1, 16)) as f32;
    let options = layout(mct, Some(step), Some(ratio));
    match super::samples::with_input(frame, |input| rs_dicom_j2k::encode(input, &options)) {
        Ok(cs) => Ok(Some(cs)),
        Err(_) => match first_out_of_range(frame) {
            Some(err) => Err(err),
            None => Ok(None),
        },
    }
}

/// The error naming the first sample outside the range of Bits Stored, if there is one
/// (the encoder only says that one is).
#[cold]
fn first_out_of_range(frame: &FrameImage) -> Option<DicomError> {
    let (lo, hi) = value_range(frame);
    let wide = frame.bits_allocated > 8;
    let n = frame.data.len() / if wide { 2 } else { 1 };
    (0..n).find_map(|i| {
        let v = value_at(frame.data, wide, frame.signed, i);
        (v < lo || v > hi).then(|| {
            refuse(
                "(7FE0,0010)",
                format!(
                    "sample {i} is {v}, outside the range {lo}..={hi} of Bits Stored {} ({})",
                    frame.bits_stored,
                    if frame.signed { "signed" } else { "unsigned" }
                ),
            )
        })
    })
}
