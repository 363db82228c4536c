//! JPEG-LS encoding with CharLS 2.4 (vendored): lossless (`near` 0, 1.2.840.10008.1.2.4.80)
//! and near-lossless (1.2.840.10008.1.2.4.81), 2 to 16 bits, colour interleaved by sample
//! (ILV 2), no colour transform.
//!
//! The precision is Bits Stored (at least 2). JPEG-LS stores unsigned samples only: signed
//! samples are coded as their Bits Stored-bit two's complement pattern, which decoders
//! sign-extend again (pydicom's `_apply_sign_correction`, our decoder). As pydicom does,
//! near-lossless coding of signed samples is refused unless every value lies at least `near`
//! inside the range, since an error of `near` could otherwise flip the sign.

use ::charls::{CharLS, FrameInfo as CharlsFrame, InterleaveMode};

use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::codec::encode_input::{check_frame, refuse, unsigned_bytes, value_range};
use crate::pixel::encode::FrameImage;

/// The largest side of a frame (the SOF55 fields are 16-bit).
const MAX_DIM: u32 = 65_535;

/// Encodes one frame; `near` 0 is lossless, above it the largest error allowed per sample.
pub fn encode(frame: &FrameImage, near: u32) -> Result<Vec<u8>> {
    const CODEC: &str = "JPEG-LS";
    check_frame(frame, CODEC, MAX_DIM)?;
    let precision = frame.bits_stored.max(2);
    // ISO/IEC 14495-1 C.2.4.1.1: NEAR is at most min(255, MAXVAL / 2).
    let max_near = ((1u32 << precision) - 1).min(510) / 2;
    if near > max_near {
        return Err(refuse(
            "",
            format!(
                "JPEG-LS near-lossless error {near} is above {max_near}, the most allowed for {precision}-bit samples"
            ),
        ));
    }
    if near > 0 && frame.photometric_interpretation.trim() == "PALETTE COLOR" {
        return Err(refuse(
            "(0028,0004)",
            "near-lossless JPEG-LS would change PALETTE COLOR indices: use lossless",
        ));
    }
    let (mut lo, mut hi) = value_range(frame);
    let signed_near = frame.signed && near > 0;
    if signed_near {
        lo += near as i32;
        hi -= near as i32;
    }
    let samples = unsigned_bytes(frame, precision, lo, hi).map_err(|e| {
        if signed_near {
            refuse(
                &e.path,
                format!(
                    "{} (near-lossless JPEG-LS of signed samples keeps values {near} inside the \
                     range, so that no error can flip their sign)",
                    e.message
                ),
            )
        } else {
            e
        }
    })?;
    let mut codec = CharLS::default();
    if frame.samples_per_pixel > 1 {
        codec
            .set_interleave_mode(InterleaveMode::Sample)
            .map_err(failure)?;
    }
    codec
        .encode(
            CharlsFrame {
                width: frame.columns,
                height: frame.rows,
                bits_per_sample: precision as i32,
                component_count: frame.samples_per_pixel as i32,
            },
            near as i32,
            &samples,
        )
        .map_err(failure)
}

/// An encoding failure reported by CharLS.
#[cold]
fn failure(e: ::charls::Error) -> DicomError {
    DicomError::codec(
        ErrorKind::Encode,
        format!("CharLS could not encode the frame: {e}"),
    )
}
