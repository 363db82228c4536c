//! JPEG-LS encoding (ISO/IEC 14495-1), our own: lossless (`near` 0, 1.2.840.10008.1.2.4.80)
//! and near-lossless (1.2.840.10008.1.2.4.81), 2 to 16 bits, colour interleaved by sample
//! (ILV 2), no colour transform, default thresholds. The codestream is the one CharLS 2.4
//! writes at those settings, byte for byte (`charls_encode.rs` is kept as the oracle), marker
//! segments included: SOI, SOF55, an LSE with the coding parameters above 12 bits (CharLS's
//! default `include_pc_parameters_jai`), SOS, the scan, EOI.
//!
//! The precision is Bits Stored (at least 2). JPEG-LS stores unsigned samples only: signed
//! samples are coded as their Bits Stored-bit two's complement pattern, which decoders
//! sign-extend again (pydicom's `_apply_sign_correction`, our decoder). As pydicom does,
//! near-lossless coding of signed samples is refused unless every value lies at least `near`
//! inside the range, since an error of `near` could otherwise flip the sign.

use super::bits::BitWriter;
use super::scan::{Coder, Params};
use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::codec::encode_input::{check_frame, refuse, unsigned_u16, value_range};
use crate::pixel::encode::FrameImage;

/// The largest side of a frame (the SOF55 fields are 16-bit).
const MAX_DIM: u32 = 65_535;

/// Encodes one frame; `near` 0 is lossless, above it the largest error allowed per sample.
pub fn encode(frame: &FrameImage, near: u32) -> Result<Vec<u8>> {
    let (precision, samples) = prepare(frame, near)?;
    let (w, h) = (frame.columns as usize, frame.rows as usize);
    let comps = frame.samples_per_pixel as usize;
    let params = Params::defaults(precision, near as i32);

    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&[0xFF, 0xD8]);
    // SOF55: precision, lines, columns, then each component (id from 1, 1×1 sampling).
    segment(&mut out, 0xF7, &{
        let mut s = vec![precision as u8];
        s.extend_from_slice(&(h as u16).to_be_bytes());
        s.extend_from_slice(&(w as u16).to_be_bytes());
        s.push(comps as u8);
        for id in 1..=comps as u8 {
            s.extend_from_slice(&[id, 0x11, 0]);
        }
        s
    });
    if precision > 12 {
        // LSE preset coding parameters (ID 1): MAXVAL, T1, T2, T3, RESET.
        let mut s = vec![1u8];
        for v in [params.maxval, params.t1, params.t2, params.t3, params.reset] {
            s.extend_from_slice(&(v as u16).to_be_bytes());
        }
        segment(&mut out, 0xF8, &s);
    }
    // SOS: the components (no mapping table), NEAR, ILV (2 for colour), no point transform.
    let mut s = vec![comps as u8];
    for id in 1..=comps as u8 {
        s.extend_from_slice(&[id, 0]);
    }
    s.extend_from_slice(&[near as u8, if comps > 1 { 2 } else { 0 }, 0]);
    segment(&mut out, 0xDA, &s);

    let mut coder = Coder::new(precision, params);
    let mut bw = BitWriter::new(out);
    coder.code_frame(&mut bw, &samples, w, comps);
    if coder.overflow {
        return Err(DicomError::codec(
            ErrorKind::Encode,
            "JPEG-LS encoding failed: a Golomb parameter reached 16 (CharLS's limit)",
        ));
    }
    let mut out = bw.finish();
    out.extend_from_slice(&[0xFF, 0xD9]);
    Ok(out)
}

/// Appends marker `0xFF marker` and its segment (length, then `data`).
fn segment(out: &mut Vec<u8>, marker: u8, data: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&(data.len() as u16 + 2).to_be_bytes());
    out.extend_from_slice(data);
}

/// Checks the frame and `near`, returning the precision and the unsigned samples (interleaved
/// by pixel) that JPEG-LS codes.
pub(super) fn prepare(frame: &FrameImage, near: u32) -> Result<(u32, Vec<u16>)> {
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
    let samples = unsigned_u16(frame, precision, lo, hi).map_err(|e| {
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
    Ok((precision, samples))
}
