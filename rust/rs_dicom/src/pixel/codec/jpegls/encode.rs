//! JPEG-LS encoding with CharLS 2.4 (vendored): lossless (`near` 0, 1.2.840.10008.1.2.4.80)
//! and near-lossless (1.2.840.10008.1.2.4.81), 2 to 16 bits, colour interleaved by sample
//! (ILV 2), no colour transform.
//!
//! The precision is Bits Stored (at least 2). JPEG-LS stores unsigned samples only: signed
//! samples are coded as their Bits Stored-bit two's complement pattern, which decoders
//! sign-extend again (pydicom's `_apply_sign_correction`, our decoder). As pydicom does,
//! near-lossless coding of signed samples is refused unless every value lies at least `near`
//! inside the range, since an error of `near` could otherwise flip the sign.

use charls_sys as cs;

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
    let info = cs::charls_frame_info {
        width: frame.columns,
        height: frame.rows,
        bits_per_sample: precision as i32,
        component_count: frame.samples_per_pixel as i32,
    };
    match encode_with(&info, near, &samples, None) {
        Err(Retry::BufferTooSmall) => {
            // CharLS sizes its output for typical images; noise can take more. A JPEG-LS
            // sample takes at most LIMIT = 2 (bpp + max(8, bpp)) bits (ISO/IEC 14495-1
            // A.2.1), and bit stuffing leaves at least 7 bits in each byte.
            let bits = 2 * (precision + precision.max(8)) as usize;
            let worst = samples.len() / if precision > 8 { 2 } else { 1 } * bits / 7 + 4096;
            encode_with(&info, near, &samples, Some(worst)).map_err(Retry::into_error)
        }
        other => other.map_err(Retry::into_error),
    }
}

/// Why one CharLS encoding failed.
enum Retry {
    /// The output buffer was too small: worth another try with a larger one.
    BufferTooSmall,
    Failed(DicomError),
}

impl Retry {
    fn into_error(self) -> DicomError {
        match self {
            Retry::BufferTooSmall => failure(cs::charls_jpegls_errc_destination_buffer_too_small),
            Retry::Failed(e) => e,
        }
    }
}

/// A CharLS encoder, destroyed on drop.
struct Encoder(*mut cs::charls_jpegls_encoder);

impl Drop for Encoder {
    fn drop(&mut self) {
        // SAFETY: created by charls_jpegls_encoder_create, non-null, destroyed once here.
        unsafe { cs::charls_jpegls_encoder_destroy(self.0) }
    }
}

/// Encodes `samples` (native-endian, interleaved by pixel) into a buffer of `capacity`
/// bytes, CharLS's own estimate when `None`.
fn encode_with(
    info: &cs::charls_frame_info,
    near: u32,
    samples: &[u8],
    capacity: Option<usize>,
) -> std::result::Result<Vec<u8>, Retry> {
    let check = |rc: cs::charls_jpegls_errc| match rc {
        cs::charls_jpegls_errc_success => Ok(()),
        cs::charls_jpegls_errc_destination_buffer_too_small => Err(Retry::BufferTooSmall),
        rc => Err(Retry::Failed(failure(rc))),
    };
    // SAFETY: plain constructor; a null result is checked.
    let raw = unsafe { cs::charls_jpegls_encoder_create() };
    if raw.is_null() {
        return Err(Retry::Failed(DicomError::codec(
            ErrorKind::Encode,
            "cannot create a CharLS encoder",
        )));
    }
    let enc = Encoder(raw);
    let mut estimate = 0usize;
    // SAFETY: `enc.0` is a valid encoder; `info` and `estimate` are valid for the calls.
    unsafe {
        check(cs::charls_jpegls_encoder_set_frame_info(enc.0, info))?;
        check(cs::charls_jpegls_encoder_set_near_lossless(
            enc.0,
            near as i32,
        ))?;
        if info.component_count > 1 {
            check(cs::charls_jpegls_encoder_set_interleave_mode(
                enc.0,
                cs::charls_interleave_mode_sample,
            ))?;
        }
        check(cs::charls_jpegls_encoder_get_estimated_destination_size(
            enc.0,
            &mut estimate,
        ))?;
    }
    let mut out = vec![0u8; capacity.unwrap_or(estimate).max(estimate)];
    let mut written = 0usize;
    // SAFETY: `out` is a writable buffer of `out.len()` bytes and `samples` a readable one of
    // `samples.len()` bytes (the frame's size, which CharLS checks against the frame
    // information); both outlive the encoder's use of them (the calls below).
    unsafe {
        check(cs::charls_jpegls_encoder_set_destination_buffer(
            enc.0,
            out.as_mut_ptr().cast(),
            out.len(),
        ))?;
        check(cs::charls_jpegls_encoder_encode_from_buffer(
            enc.0,
            samples.as_ptr().cast(),
            samples.len(),
            0,
        ))?;
        check(cs::charls_jpegls_encoder_get_bytes_written(
            enc.0,
            &mut written,
        ))?;
    }
    out.truncate(written);
    Ok(out)
}

/// An encoding failure reported by CharLS (its error code, named).
#[cold]
fn failure(rc: cs::charls_jpegls_errc) -> DicomError {
    let what = match rc {
        cs::charls_jpegls_errc_invalid_argument => "invalid argument",
        cs::charls_jpegls_errc_parameter_value_not_supported => "parameter value not supported",
        cs::charls_jpegls_errc_destination_buffer_too_small => "destination buffer too small",
        cs::charls_jpegls_errc_source_buffer_too_small => "source buffer too small",
        cs::charls_jpegls_errc_invalid_operation => "invalid operation",
        _ => "error",
    };
    DicomError::codec(
        ErrorKind::Encode,
        format!("CharLS could not encode the frame: {what} (code {rc})"),
    )
}
