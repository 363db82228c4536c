//! What the frame encoders on the C libraries check before doing any work, and the samples
//! they hand those libraries: unsigned values of the codestream's precision (JPEG, JPEG-LS and
//! JPEG 2000 Part 1 as DICOM uses them store two's complement data as its `bits_stored`-bit
//! pattern; decoders sign-extend it again from Pixel Representation).

// Only the encoders on the C libraries (features `jpeg`, `jpegls`, `j2k`) use these.
#![cfg_attr(
    not(all(feature = "jpeg", feature = "jpegls", feature = "j2k")),
    allow(dead_code)
)]

use std::borrow::Cow;

use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::encode::FrameImage;

/// An encoder's refusal: [`ErrorKind::Encode`] naming the attribute at fault.
#[cold]
pub(crate) fn refuse(path: &str, message: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::Encode, None, path, message)
}

/// Checks what every encoder needs: `1..=max_dim` rows and columns, 1 or 3 samples, Bits
/// Allocated 8 or 16, `1 <= Bits Stored <= Bits Allocated`, and a data buffer of one frame.
pub(crate) fn check_frame(frame: &FrameImage, codec: &str, max_dim: u32) -> Result<()> {
    for (v, name, tag) in [
        (frame.rows, "Rows", "(0028,0010)"),
        (frame.columns, "Columns", "(0028,0011)"),
    ] {
        if v == 0 || v > max_dim {
            return Err(refuse(
                tag,
                format!("{codec} cannot encode an image with {name} {v} (1 to {max_dim})"),
            ));
        }
    }
    if !matches!(frame.samples_per_pixel, 1 | 3) {
        return Err(refuse(
            "(0028,0002)",
            format!(
                "{codec} encoding takes 1 or 3 samples per pixel, not {}",
                frame.samples_per_pixel
            ),
        ));
    }
    if !matches!(frame.bits_allocated, 8 | 16) {
        return Err(refuse(
            "(0028,0100)",
            format!(
                "{codec} encoding takes Bits Allocated 8 or 16, not {}",
                frame.bits_allocated
            ),
        ));
    }
    if frame.bits_stored == 0 || frame.bits_stored > frame.bits_allocated {
        return Err(refuse(
            "(0028,0101)",
            format!(
                "Bits Stored {} does not fit Bits Allocated {}",
                frame.bits_stored, frame.bits_allocated
            ),
        ));
    }
    if frame.data.len() != frame.frame_len() {
        return Err(refuse(
            "(7FE0,0010)",
            format!(
                "the frame has {} bytes, {} rows × {} columns × {} samples × {} bits need {}",
                frame.data.len(),
                frame.rows,
                frame.columns,
                frame.samples_per_pixel,
                frame.bits_allocated,
                frame.frame_len()
            ),
        ));
    }
    Ok(())
}

/// The smallest and largest value Bits Stored and Pixel Representation allow.
pub(crate) fn value_range(frame: &FrameImage) -> (i32, i32) {
    let bs = frame.bits_stored.min(16);
    if frame.signed {
        (-(1 << (bs - 1)), (1 << (bs - 1)) - 1)
    } else {
        (0, (1 << bs) - 1)
    }
}

/// The `i`-th sample of little-endian `data` as its value (two's complement when
/// `signed`), one byte per sample or two when `wide`.
#[inline]
pub(crate) fn value_at(data: &[u8], wide: bool, signed: bool, i: usize) -> i32 {
    match (wide, signed) {
        (false, false) => i32::from(data[i]),
        (false, true) => i32::from(data[i] as i8),
        (true, false) => i32::from(u16::from_le_bytes([data[2 * i], data[2 * i + 1]])),
        (true, true) => i32::from(i16::from_le_bytes([data[2 * i], data[2 * i + 1]])),
    }
}

/// The error for a sample outside the range Bits Stored allows.
#[cold]
fn out_of_range(frame: &FrameImage, index: usize, value: i32, lo: i32, hi: i32) -> DicomError {
    refuse(
        "(7FE0,0010)",
        format!(
            "sample {index} is {value}, outside the range {lo}..={hi} of Bits Stored {} ({})",
            frame.bits_stored,
            if frame.signed { "signed" } else { "unsigned" }
        ),
    )
}

/// Every sample as an unsigned `precision`-bit value (the low `precision` bits of its two's
/// complement pattern when signed), after checking it lies within `lo..=hi`.
/// `precision >= bits_stored` is the caller's to ensure.
pub(crate) fn unsigned_u16(
    frame: &FrameImage,
    precision: u32,
    lo: i32,
    hi: i32,
) -> Result<Vec<u16>> {
    let wide = frame.bits_allocated > 8;
    let n = frame.data.len() / if wide { 2 } else { 1 };
    let mask = ((1u32 << precision) - 1) as i32;
    let mut out = Vec::with_capacity(n);
    if wide && !frame.signed {
        // The common case (CT, MR): the largest word first, then the copy, two passes that
        // vectorise (one with an early exit does not).
        let words = || {
            frame
                .data
                .chunks_exact(2)
                .map(|w| u16::from_le_bytes([w[0], w[1]]))
        };
        let hi16 = hi as u16;
        if words().fold(0u16, u16::max) > hi16
            && let Some((i, v)) = words().enumerate().find(|&(_, v)| v > hi16)
        {
            return Err(out_of_range(frame, i, i32::from(v), lo, hi));
        }
        out.extend(words());
        return Ok(out);
    }
    for i in 0..n {
        let v = value_at(frame.data, wide, frame.signed, i);
        if v < lo || v > hi {
            return Err(out_of_range(frame, i, v, lo, hi));
        }
        out.push((v & mask) as u16);
    }
    Ok(out)
}

/// Whether the frame's bytes already are the unsigned samples an encoder wants: Bits Stored
/// fills the sample (a two's complement word is its own bit pattern) and the whole range is
/// allowed, so there is nothing to check or mask.
fn bytes_are_samples(frame: &FrameImage, lo: i32, hi: i32) -> bool {
    frame.bits_stored == frame.bits_allocated && (lo, hi) == value_range(frame)
}

/// As [`unsigned_u16`], for precisions up to 8: one byte per sample, borrowed when the
/// frame's bytes already are those values.
pub(crate) fn unsigned_u8<'a>(
    frame: &FrameImage<'a>,
    precision: u32,
    lo: i32,
    hi: i32,
) -> Result<Cow<'a, [u8]>> {
    debug_assert!(precision <= 8);
    if frame.bits_allocated == 8 && bytes_are_samples(frame, lo, hi) {
        return Ok(Cow::Borrowed(frame.data));
    }
    let v = unsigned_u16(frame, precision, lo, hi)?;
    Ok(Cow::Owned(v.into_iter().map(|s| s as u8).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(data: &[u8], ba: u32, bs: u32, signed: bool) -> FrameImage<'_> {
        FrameImage {
            rows: 1,
            columns: (data.len() / (ba as usize / 8)) as u32,
            samples_per_pixel: 1,
            bits_allocated: ba,
            bits_stored: bs,
            signed,
            photometric_interpretation: "MONOCHROME2",
            data,
        }
    }

    #[test]
    fn signed_samples_become_their_low_bits() {
        let data: Vec<u8> = [-2048i16, -1, 0, 2047]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let f = frame(&data, 16, 12, true);
        let (lo, hi) = value_range(&f);
        assert_eq!((lo, hi), (-2048, 2047));
        assert_eq!(
            unsigned_u16(&f, 12, lo, hi).unwrap(),
            [0x800, 0xFFF, 0, 0x7FF]
        );
        let err = unsigned_u16(&f, 12, lo + 1, hi).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Encode);
        assert!(err.message.contains("sample 0 is -2048"), "{}", err.message);
    }

    #[test]
    fn values_beyond_bits_stored_are_refused() {
        let data = [0u8, 0x10, 0xFF, 0x0F];
        let f = frame(&data, 16, 12, false);
        let (lo, hi) = value_range(&f);
        let err = unsigned_u16(&f, 12, lo, hi).unwrap_err();
        assert!(err.message.contains("sample 0 is 4096"), "{}", err.message);
        let f = frame(&[1, 3, 4], 8, 2, false);
        assert!(unsigned_u8(&f, 2, 0, 3).is_err());
        assert_eq!(
            &*unsigned_u8(&frame(&[1, 255], 8, 8, false), 8, 0, 255).unwrap(),
            &[1, 255]
        );
    }

    #[test]
    fn geometry_is_checked_first() {
        let mut f = frame(&[0; 4], 8, 8, false);
        check_frame(&f, "X", 10).unwrap();
        f.bits_stored = 9;
        assert_eq!(check_frame(&f, "X", 10).unwrap_err().path, "(0028,0101)");
        f.bits_stored = 8;
        f.columns = 11;
        assert_eq!(check_frame(&f, "X", 10).unwrap_err().path, "(0028,0011)");
        f.columns = 3;
        assert_eq!(check_frame(&f, "X", 10).unwrap_err().path, "(7FE0,0010)");
    }
}
