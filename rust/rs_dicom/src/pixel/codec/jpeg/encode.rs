//! JPEG encoding: Baseline (Process 1, 8-bit, 1.2.840.10008.1.2.4.50) with libjpeg-turbo 3
//! (TurboJPEG, vendored), and Lossless, Non-Hierarchical, First-Order Prediction (Process 14,
//! Selection Value 1, 1.2.840.10008.1.2.4.70).
//!
//! Baseline colour: RGB input with `color_transform` is converted by libjpeg-turbo to YCbCr with
//! 4:2:2 chroma sub-sampling and a JFIF marker (the dataset becomes YBR_FULL_422); without it
//! the components are coded as RGB, which libjpeg marks with an Adobe APP14 segment whose
//! transform flag is 0. YBR_FULL input is already YCbCr: its planes are handed over as they are
//! (the chroma averaged over pairs of columns for 4:2:2, as libjpeg's own down-sampling does).
//!
//! Lossless (Process 14, Selection Value 1) is not libjpeg-turbo's: `lossless_encode.rs` has
//! our own encoder, ~3× faster than libjpeg-turbo's unoptimised lossless path.

use std::ffi::c_int;

use turbojpeg_sys as tj;

use super::turbojpeg::Handle;
use crate::error::{DicomError, ErrorKind, Result};
use crate::pixel::codec::encode_input::{check_frame, refuse};
use crate::pixel::encode::{EncodeOptions, FrameImage};

/// libjpeg's largest image side (`JPEG_MAX_DIMENSION`).
const MAX_DIM: u32 = 65_500;

/// Encodes one frame as JPEG Baseline (Process 1) at `opts.quality`.
pub fn encode_baseline(frame: &FrameImage, opts: &EncodeOptions) -> Result<Vec<u8>> {
    const CODEC: &str = "JPEG Baseline";
    check_frame(frame, CODEC, MAX_DIM)?;
    if frame.bits_allocated != 8 || frame.bits_stored != 8 {
        return Err(refuse(
            "(0028,0101)",
            format!(
                "{CODEC} takes 8-bit samples (Bits Allocated and Bits Stored 8), not Bits \
                 Allocated {} with Bits Stored {}",
                frame.bits_allocated, frame.bits_stored
            ),
        ));
    }
    if frame.signed {
        return Err(refuse(
            "(0028,0103)",
            format!("{CODEC} takes unsigned samples only (Pixel Representation 0)"),
        ));
    }
    if !(1..=100).contains(&opts.quality) {
        return Err(refuse(
            "",
            format!("JPEG quality must be 1 to 100, not {}", opts.quality),
        ));
    }
    let pi = frame.photometric_interpretation.trim();
    let (w, h) = (frame.columns as c_int, frame.rows as c_int);
    let ycc = match (frame.samples_per_pixel, pi) {
        (1, "MONOCHROME1" | "MONOCHROME2") => None,
        (3, "RGB") => Some(false),
        (3, "YBR_FULL") => Some(true),
        (spp, _) => {
            return Err(refuse(
                "(0028,0004)",
                format!(
                    "{CODEC} cannot encode Photometric Interpretation '{pi}' with {spp} \
                     sample(s) per pixel (MONOCHROME1/2, RGB or YBR_FULL)"
                ),
            ));
        }
    };
    let c = Compressor::new()?;
    c.set(tj::TJPARAM_TJPARAM_QUALITY, c_int::from(opts.quality))?;
    // Optimal Huffman tables per frame, as dcmcjpeg (IJG libjpeg with `+oh`, its default)
    // writes them: ~3-4% smaller than libjpeg's standard tables for a small cost in speed.
    c.set(tj::TJPARAM_TJPARAM_OPTIMIZE, 1)?;
    let subsamp = match ycc {
        None => tj::TJSAMP_TJSAMP_GRAY,
        Some(_) if opts.color_transform => tj::TJSAMP_TJSAMP_422,
        Some(_) => tj::TJSAMP_TJSAMP_444,
    };
    c.set(tj::TJPARAM_TJPARAM_SUBSAMP, subsamp as c_int)?;
    match ycc {
        None => c.compress8(frame.data, w, h, tj::TJPF_TJPF_GRAY),
        Some(false) => {
            if !opts.color_transform {
                c.set(tj::TJPARAM_TJPARAM_COLORSPACE, tj::TJCS_TJCS_RGB as c_int)?;
            }
            c.compress8(frame.data, w, h, tj::TJPF_TJPF_RGB)
        }
        Some(true) => c.compress_ycc(frame.data, w, h, subsamp),
    }
}

/// JPEG Lossless SV1 is our own encoder (see `lossless_encode.rs`).
pub use super::lossless_encode::encode_lossless;

/// Checks that a sample buffer holds exactly `w × h × comps` samples.
fn check_len(len: usize, w: c_int, h: c_int, comps: usize) -> Result<()> {
    if len == w as usize * h as usize * comps {
        Ok(())
    } else {
        Err(failure(
            "internal error: the JPEG sample buffer does not match the image size".into(),
        ))
    }
}

/// An encoding failure reported by libjpeg-turbo.
#[cold]
fn failure(message: String) -> DicomError {
    DicomError::codec(ErrorKind::Encode, message)
}

/// A TurboJPEG compressor.
struct Compressor(Handle);

impl Compressor {
    fn new() -> Result<Compressor> {
        Handle::init(tj::TJINIT_TJINIT_COMPRESS)
            .map(Compressor)
            .ok_or_else(|| failure("cannot initialise libjpeg-turbo".into()))
    }

    fn set(&self, param: tj::TJPARAM, value: c_int) -> Result<()> {
        if self.0.set(param, value) {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn error(&self) -> DicomError {
        failure(format!(
            "libjpeg-turbo could not encode the frame: {}",
            self.0.message()
        ))
    }

    /// Runs one `tj3Compress*` call (given the handle and TurboJPEG's output buffer and size)
    /// and returns the JPEG bytes it produced.
    fn run(
        &self,
        f: impl FnOnce(tj::tjhandle, *mut *mut u8, *mut tj::size_t) -> c_int,
    ) -> Result<Vec<u8>> {
        let mut buf: *mut u8 = std::ptr::null_mut();
        let mut size: tj::size_t = 0;
        let rc = f(self.0.0, &mut buf, &mut size);
        let out = if rc == 0 && !buf.is_null() {
            // SAFETY: on success TurboJPEG allocated `buf` with `size` valid bytes.
            Ok(unsafe { std::slice::from_raw_parts(buf, size as usize) }.to_vec())
        } else {
            Err(self.error())
        };
        if !buf.is_null() {
            // SAFETY: `buf` was allocated by TurboJPEG (tj3Alloc) and is freed once here.
            unsafe { tj::tj3Free(buf.cast()) };
        }
        out
    }

    /// Compresses interleaved 8-bit samples of pixel format `pf`.
    fn compress8(&self, data: &[u8], w: c_int, h: c_int, pf: tj::TJPF) -> Result<Vec<u8>> {
        let comps = if pf == tj::TJPF_TJPF_GRAY { 1 } else { 3 };
        check_len(data.len(), w, h, comps)?;
        self.run(|handle, buf, size| {
            // SAFETY: `data` holds w × h × comps samples, the layout of `pf` with pitch 0
            // (checked above); TurboJPEG only reads it.
            unsafe { tj::tj3Compress8(handle, data.as_ptr(), w, 0, h, pf as c_int, buf, size) }
        })
    }

    /// Compresses interleaved YCbCr samples through TurboJPEG's planar path (no colour
    /// conversion), the chroma down-sampled here for 4:2:2.
    fn compress_ycc(
        &self,
        data: &[u8],
        w: c_int,
        h: c_int,
        subsamp: tj::TJSAMP,
    ) -> Result<Vec<u8>> {
        check_len(data.len(), w, h, 3)?;
        let (uw, hh) = (w as usize, h as usize);
        let half = subsamp == tj::TJSAMP_TJSAMP_422;
        // TurboJPEG's plane sizes for these factors: luminance padded to an even width for
        // 4:2:2, chroma ceil(width / 2) wide.
        let yw = if half { uw.next_multiple_of(2) } else { uw };
        let cw = if half { uw.div_ceil(2) } else { uw };
        let mut planes = vec![0u8; yw * hh + 2 * cw * hh];
        let (y, chroma) = planes.split_at_mut(yw * hh);
        let (cb, cr) = chroma.split_at_mut(cw * hh);
        for (r, row) in data.chunks_exact(3 * uw).enumerate() {
            let yrow = &mut y[r * yw..(r + 1) * yw];
            for (d, px) in yrow.iter_mut().zip(row.chunks_exact(3)) {
                *d = px[0];
            }
            if yw > uw {
                yrow[uw] = yrow[uw - 1];
            }
            let (cbrow, crrow) = (&mut cb[r * cw..(r + 1) * cw], &mut cr[r * cw..(r + 1) * cw]);
            if half {
                // libjpeg's h2v1 down-sampling: the mean of each pair, rounding alternately
                // down and up; the last odd column pairs with itself.
                for k in 0..cw {
                    let a = &row[6 * k..6 * k + 3];
                    let b = row.get(6 * k + 3..6 * k + 6).unwrap_or(a);
                    let bias = (k & 1) as u16;
                    cbrow[k] = ((u16::from(a[1]) + u16::from(b[1]) + bias) >> 1) as u8;
                    crrow[k] = ((u16::from(a[2]) + u16::from(b[2]) + bias) >> 1) as u8;
                }
            } else {
                for (k, px) in row.chunks_exact(3).enumerate() {
                    cbrow[k] = px[1];
                    crrow[k] = px[2];
                }
            }
        }
        let ptrs = [y.as_ptr(), cb.as_ptr(), cr.as_ptr()];
        let strides = [yw as c_int, cw as c_int, cw as c_int];
        self.run(|handle, buf, size| {
            // SAFETY: each plane holds stride × h bytes, the sizes TurboJPEG expects for
            // this sub-sampling (tj3YUVPlaneWidth/Height); it only reads them.
            unsafe {
                tj::tj3CompressFromYUVPlanes8(
                    handle,
                    ptrs.as_ptr(),
                    w,
                    strides.as_ptr(),
                    h,
                    buf,
                    size,
                )
            }
        })
    }
}
