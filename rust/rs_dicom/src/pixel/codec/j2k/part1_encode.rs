//! Lossless JPEG 2000 Part 1 encoding with the project's own codec,
//! [`rs_dicom_j2k::encode`] with [`BlockCoding::Part1`]: the layout OpenJPEG's defaults give
//! (see `encode.rs`), so that the codestreams are the same size as `opj_compress`'s.

use rs_dicom_j2k::{BlockCoding, EncodeInput, Progression, Samples};

use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::codec::encode_input::{refuse, value_at, value_range};
use crate::pixel::encode::FrameImage;

/// Encodes a checked frame (see `encode.rs`) reversibly: 5/3 wavelet, five decomposition
/// levels (fewer for small images), 64 × 64 code-blocks, LRCP, one layer, RCT when `mct`.
pub(super) fn encode_lossless(frame: &FrameImage, mct: bool) -> Result<Vec<u8>> {
    // Copies in the sample type the encoder takes: small next to its work.
    let (narrow, wide, wide_signed): (Vec<i8>, Vec<u16>, Vec<i16>);
    let samples = match (frame.bits_allocated > 8, frame.signed) {
        (false, false) => Samples::U8(frame.data),
        (false, true) => {
            narrow = frame.data.iter().map(|&b| b as i8).collect();
            Samples::I8(&narrow)
        }
        (true, false) => {
            wide = frame
                .data
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            Samples::U16(&wide)
        }
        (true, true) => {
            wide_signed = frame
                .data
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            Samples::I16(&wide_signed)
        }
    };
    let input = EncodeInput {
        width: frame.columns,
        height: frame.rows,
        components: frame.samples_per_pixel,
        precision: frame.bits_stored,
        signed: frame.signed,
        planar: false,
        samples,
    };
    let options = rs_dicom_j2k::EncodeOptions {
        block_coding: BlockCoding::Part1,
        levels: 5,
        progression: Progression::Lrcp,
        color_transform: mct,
        block_log2: (6, 6),
        lossy_step: None,
    };
    rs_dicom_j2k::encode(&input, &options).map_err(|e| match first_out_of_range(frame) {
        Some(err) => err,
        None => DicomError::codec(ErrorKind::Encode, format!("JPEG 2000: {}", e.message)),
    })
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
