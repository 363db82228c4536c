//! JPEG-LS lossless and near-lossless (ISO/IEC 14495-1), decoded with CharLS (`charls.rs`, the
//! `jpegls` feature) and encoded by our own coder (`encode.rs`, `scan.rs`, `bits.rs`), which
//! writes CharLS's codestream byte for byte (`charls_encode.rs`, the oracle).
//!
//! The output matches pydicom + pyjpegls: samples interleaved by pixel whatever the codestream's
//! interleave mode (and whatever the dataset's Planar Configuration says), widened to Bits
//! Allocated, and — when Pixel Representation is 1 — sign extended from the codestream's
//! precision (JPEG-LS only stores unsigned samples; pydicom's `_apply_sign_correction` shifts
//! left then arithmetically right by `8 × itemsize − precision`).
// Without CharLS only the error path remains; the helpers stay compiled (and tested) anyway.
#![cfg_attr(not(feature = "jpegls"), allow(dead_code))]

#[cfg(feature = "jpegls")]
mod bits;
#[cfg(feature = "jpegls")]
mod charls;
#[cfg(feature = "jpegls")]
#[allow(unsafe_code)]
pub mod charls_encode;
#[cfg(feature = "jpegls")]
pub mod encode;
#[cfg(all(test, feature = "jpegls"))]
mod encode_tests;
#[cfg(feature = "jpegls")]
mod scan;
#[cfg(all(test, feature = "jpegls"))]
mod tests;

use super::{ColorOut, FrameInfo};
use crate::core::ByteOrder;
use crate::error::{DicomError, Result};

/// JPEG-LS encoding: this build has no JPEG-LS encoder (the `jpegls` feature is off).
#[cfg(not(feature = "jpegls"))]
pub mod encode {
    use crate::error::{DicomError, Result};
    use crate::pixel::encode::FrameImage;

    /// JPEG-LS lossless and near-lossless: unavailable in this build.
    pub fn encode(_frame: &FrameImage, _near: u32) -> Result<Vec<u8>> {
        Err(DicomError::unsupported_codec(
            "JPEG-LS encoding is not available (rs_dicom was built without the `jpegls` \
             feature)",
        ))
    }
}

/// Decodes one frame into `out` (see [`super::decode_frame`]).
#[cfg(not(feature = "jpegls"))]
pub fn decode(_src: &[u8], _info: &FrameInfo, _out: &mut [u8]) -> Result<ColorOut> {
    Err(DicomError::unsupported_codec(
        "JPEG-LS decoding: codec not available in this build (rs_dicom was built without \
         the `jpegls` feature)",
    ))
}

/// Decodes one frame into `out` (see [`super::decode_frame`]).
#[cfg(feature = "jpegls")]
pub fn decode(src: &[u8], info: &FrameInfo, out: &mut [u8]) -> Result<ColorOut> {
    let out_size = match info.bits_allocated {
        8 => 1usize,
        16 => 2usize,
        b => {
            return Err(DicomError::new(
                crate::error::ErrorKind::UnsupportedCodec,
                None,
                "(0028,0100)",
                format!("JPEG-LS with Bits Allocated {b} is not supported (8 or 16)"),
            ));
        }
    };
    let spp = info.samples_per_pixel as usize;
    if spp != 1 && spp != 3 {
        return Err(DicomError::bad_codestream(format!(
            "JPEG-LS with Samples per Pixel {spp} is not supported (1 or 3)"
        )));
    }
    if out.len() != info.frame_len() {
        return Err(DicomError::bad_codestream(format!(
            "output buffer is {} bytes, the frame needs {}",
            out.len(),
            info.frame_len()
        )));
    }

    // CharLS 2.4 stalls for seconds (a 2^31-step loop in `read_high_bits`) when entropy-coded
    // data runs into the end of the buffer rather than into a marker; pyjpegls does the same.
    // Ending the buffer with an EOI marker makes it fail fast; valid streams are unaffected.
    let padded;
    let src = if src.ends_with(&[0xFF, 0xD9]) {
        src
    } else {
        padded = [src, &[0xFF, 0xD9]].concat();
        &padded[..]
    };

    let header = charls::read_header(src)?;
    let bits = header.bits;
    if header.width != info.columns
        || header.height != info.rows
        || usize::try_from(header.components).ok() != Some(spp)
    {
        return Err(DicomError::bad_codestream(format!(
            "JPEG-LS frame is {}×{} with {} component(s), the dataset says {}×{} with {}",
            header.width, header.height, header.components, info.columns, info.rows, spp
        )));
    }
    if !(2..=16).contains(&bits) || bits > (8 * out_size) as i32 {
        return Err(DicomError::bad_codestream(format!(
            "JPEG-LS precision {bits} bits does not fit Bits Allocated {}",
            info.bits_allocated
        )));
    }
    let bits = bits as usize;
    let planar = spp > 1 && interleave_mode(src, spp)? == 0;

    let decoded = charls::decode(src)?;
    let in_size = if bits <= 8 { 1 } else { 2 };
    let samples = out.len() / out_size;
    if decoded.len() != samples * in_size {
        return Err(DicomError::bad_codestream(format!(
            "JPEG-LS decoder returned {} bytes, expected {}",
            decoded.len(),
            samples * in_size
        )));
    }

    let shift = if info.pixel_representation == 1 {
        8 * out_size - bits
    } else {
        0
    };
    if !planar && in_size == out_size {
        out.copy_from_slice(&decoded);
    } else {
        let pixels = samples / spp;
        let read = |i: usize| -> u16 {
            if in_size == 1 {
                u16::from(decoded[i])
            } else {
                u16::from_ne_bytes([decoded[2 * i], decoded[2 * i + 1]])
            }
        };
        for (k, dst) in out.chunks_exact_mut(out_size).enumerate() {
            let i = if planar {
                (k % spp) * pixels + k / spp
            } else {
                k
            };
            let v = read(i);
            if out_size == 1 {
                dst[0] = v as u8;
            } else {
                dst.copy_from_slice(&v.to_ne_bytes());
            }
        }
    }
    if shift > 0 {
        sign_extend(out, out_size, shift as u32);
    }
    Ok(ColorOut::AsDataset)
}

/// pydicom's JPEG-LS sign correction: `(v << shift) >> shift` on the signed sample type.
fn sign_extend(out: &mut [u8], size: usize, shift: u32) {
    if size == 1 {
        for b in out.iter_mut() {
            *b = (((*b << shift) as i8) >> shift) as u8;
        }
    } else {
        for s in out.chunks_exact_mut(2) {
            let v = u16::from_ne_bytes([s[0], s[1]]);
            s.copy_from_slice(&((((v << shift) as i16) >> shift) as u16).to_ne_bytes());
        }
    }
}

/// The interleave mode (ILV) of the image, 0 none (colour by plane), 1 line, 2 sample, after
/// checking the scans are laid out the one way CharLS handles safely: one scan of all
/// components, or (ILV 0) one single-component scan per component. CharLS 2.4 writes past its
/// output buffer when a stream mixes a by-plane scan with an interleaved one (fuzzer find).
fn interleave_mode(src: &[u8], components: usize) -> Result<u8> {
    let bad = |why: &str| DicomError::bad_codestream(format!("JPEG-LS codestream {why}"));
    if src.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(bad("does not start with SOI"));
    }
    let mut scans: Vec<(usize, u8)> = Vec::new();
    let mut i = 2usize;
    loop {
        // The next marker: 0xFF followed by a byte with its high bit set (in entropy-coded
        // data 0xFF is followed by a stuffed 0 bit), fill bytes skipped.
        loop {
            let b = *src.get(i).ok_or_else(|| bad("ends without EOI"))?;
            let next = *src.get(i + 1).ok_or_else(|| bad("ends without EOI"))?;
            i += 1;
            if b == 0xFF && next >= 0x80 && next != 0xFF {
                break;
            }
        }
        let marker = src[i];
        i += 1;
        match marker {
            0xD9 => break,
            0xD0..=0xD8 | 0x01 => continue,
            _ => {}
        }
        let seg = src.get(i..i + 2).ok_or_else(|| bad("is truncated"))?;
        let len = usize::from(ByteOrder::Big.decode::<u16>(seg));
        if len < 2 {
            return Err(bad("has a bad segment length"));
        }
        if marker == 0xDA {
            let ns = usize::from(*src.get(i + 2).ok_or_else(|| bad("is truncated"))?);
            let ilv = *src
                .get(i + 3 + 2 * ns + 1)
                .ok_or_else(|| bad("is truncated"))?;
            scans.push((ns, ilv));
        }
        i += len;
    }
    let ok = match scans.as_slice() {
        [(1, _)] if components == 1 => Some(0),
        [(n, ilv @ (1 | 2))] if *n == components && components > 1 => Some(*ilv),
        s if components > 1 && s.len() == components && s.iter().all(|&x| x == (1, 0)) => Some(0),
        _ => None,
    };
    ok.ok_or_else(|| {
        bad(&format!(
            "has scans {scans:?} (components, interleave) not supported for {components} component(s)"
        ))
    })
}
