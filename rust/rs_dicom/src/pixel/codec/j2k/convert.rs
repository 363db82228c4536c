//! How decoded JPEG 2000 values become output samples, as pydicom 3 with pylibjpeg-openjpeg
//! makes them: each value is first stored in a container sized by the codestream precision and
//! read with the dataset's signedness, then cast to Bits Allocated; for monochrome images whose
//! codestream signedness differs from Pixel Representation it is sign-corrected from the
//! codestream precision (pydicom's `_apply_sign_correction`).

use super::Header;
use crate::error::{DicomError, Result};
use crate::pixel::codec::FrameInfo;

/// How decoded values become output samples (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub(super) struct Convert {
    /// Bits of the container pylibjpeg-openjpeg writes (8, 16 or 32, from the precision).
    container_bits: u32,
    /// Bits of an output sample (8 × bytes of Bits Allocated).
    out_bits: u32,
    /// Pixel Representation is signed.
    signed: bool,
    /// Shift for pydicom's sign correction, 0 when none.
    shift: u32,
}

/// `v` truncated to `bits` bits and read as signed or unsigned.
#[inline]
fn wrap(v: i64, bits: u32, signed: bool) -> i64 {
    if bits >= 64 {
        return v;
    }
    let m = v & ((1i64 << bits) - 1);
    if signed && m >> (bits - 1) != 0 {
        m - (1i64 << bits)
    } else {
        m
    }
}

impl Convert {
    pub(super) fn new(info: &FrameInfo, header: &Header) -> Convert {
        let container_bits = match header.precision {
            0..=8 => 8,
            9..=16 => 16,
            _ => 32,
        };
        let out_bits = 8 * (info.bits_allocated.max(1)).div_ceil(8);
        let signed = info.pixel_representation == 1;
        let monochrome = matches!(
            info.photometric_interpretation.as_str(),
            "MONOCHROME1" | "MONOCHROME2"
        );
        let shift = if monochrome && header.signed != signed && out_bits > header.precision {
            out_bits - header.precision
        } else {
            0
        };
        Convert {
            container_bits,
            out_bits,
            signed,
            shift,
        }
    }

    #[inline]
    pub(super) fn apply(self, v: i32) -> i64 {
        let w = wrap(i64::from(v), self.container_bits, self.signed);
        let x = wrap(w, self.out_bits, self.signed);
        if self.shift == 0 {
            x
        } else {
            wrap(x << self.shift, self.out_bits, self.signed) >> self.shift
        }
    }
}

/// Interleaves the component planes into `out` (native-endian samples of `conv.out_bits`).
/// Interleaves the component planes into `out` (native-endian samples of `conv.out_bits`).
pub(super) fn interleave(planes: &[&[i32]], conv: Convert, out: &mut [u8]) -> Result<()> {
    let spp = planes.len();
    let bytes = (conv.out_bits / 8) as usize;
    let pixels = planes.first().map_or(0, |p| p.len());
    if planes.iter().any(|p| p.len() != pixels) || pixels * spp * bytes != out.len() {
        return Err(DicomError::bad_codestream(
            "decoded JPEG 2000 image size does not match the frame",
        ));
    }
    // The common case, one component whose container is the output sample with no sign
    // correction: `apply` is then truncation to the sample width, which vectorises.
    if let ([plane], true) = (
        planes,
        conv.shift == 0 && conv.container_bits == conv.out_bits,
    ) {
        match bytes {
            1 => {
                for (d, &v) in out.iter_mut().zip(plane.iter()) {
                    *d = v as u8;
                }
                return Ok(());
            }
            2 => {
                let (pairs, rest) = out.as_chunks_mut::<2>();
                if rest.is_empty() && pairs.len() == plane.len() {
                    for (d, &v) in pairs.iter_mut().zip(plane.iter()) {
                        *d = (v as u16).to_ne_bytes();
                    }
                    return Ok(());
                }
            }
            _ => {}
        }
    }
    for (c, plane) in planes.iter().enumerate() {
        // Each output pixel holds `spp` samples of `bytes` bytes; component `c` is at `c`.
        let chunks = out.chunks_exact_mut(spp * bytes);
        match bytes {
            1 => {
                for (px, &v) in chunks.zip(plane.iter()) {
                    px[c] = conv.apply(v) as u8;
                }
            }
            2 => {
                for (px, &v) in chunks.zip(plane.iter()) {
                    px[2 * c..2 * c + 2].copy_from_slice(&(conv.apply(v) as u16).to_ne_bytes());
                }
            }
            4 => {
                for (px, &v) in chunks.zip(plane.iter()) {
                    px[4 * c..4 * c + 4].copy_from_slice(&(conv.apply(v) as u32).to_ne_bytes());
                }
            }
            8 => {
                for (px, &v) in chunks.zip(plane.iter()) {
                    px[8 * c..8 * c + 8].copy_from_slice(&(conv.apply(v) as u64).to_ne_bytes());
                }
            }
            _ => {
                return Err(DicomError::unsupported_codec(format!(
                    "Bits Allocated {} is not supported for JPEG 2000",
                    conv.out_bits
                )));
            }
        }
    }
    Ok(())
}
