//! JPEG-LS encoding with CharLS 2.4 (vendored), kept as the oracle our encoder
//! (`encode.rs`) is compared with: same settings, same codestream.

use charls_sys as cs;

use super::encode::prepare;
use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::encode::FrameImage;

/// Encodes one frame with CharLS, at the settings of [`super::encode::encode`] (which it
/// must match byte for byte: the tests and the fuzz target compare them).
pub fn encode_charls(frame: &FrameImage, near: u32) -> Result<Vec<u8>> {
    let (precision, samples) = prepare(frame, near)?;
    let samples: Vec<u8> = if precision > 8 {
        samples.iter().flat_map(|s| s.to_ne_bytes()).collect()
    } else {
        samples.iter().map(|&s| s as u8).collect()
    };
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
