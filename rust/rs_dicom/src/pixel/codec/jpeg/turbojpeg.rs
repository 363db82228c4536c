//! libjpeg-turbo 3 through TurboJPEG (`turbojpeg-sys`, vendored): the FFI. Frames decode to
//! interleaved samples of 8, 12 or 16 bits, or (8-bit lossy colour) to component planes at
//! their own resolution, which [`super::upsample`] brings to full resolution.

use std::ffi::{CStr, c_int};

use turbojpeg_sys as tj;

use super::header::Header;
use super::widen;
use crate::error::{DicomError, Result};

/// The layout of decoded samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// One component.
    Grey,
    /// Three components, interleaved. libjpeg-turbo converts YCbCr to RGB in lossy mode; in
    /// lossless mode it returns the components as coded when it infers an RGB colour space (see
    /// [`Header::without_colour_markers`]) and refuses otherwise.
    Rgb,
}

/// Decodes `src` into `out`: samples of `layout`, one byte each, or native-endian `u16` when
/// `wide` (Bits Allocated 16).
pub(super) fn decode(
    src: &[u8],
    header: &Header,
    layout: Layout,
    out: &mut [u8],
    wide: bool,
) -> Result<()> {
    let pf = match layout {
        Layout::Grey => tj::TJPF_TJPF_GRAY,
        Layout::Rgb => tj::TJPF_TJPF_RGB,
    };
    let n = out.len() / if wide { 2 } else { 1 };
    if header.precision <= 8 {
        if wide {
            let mut tmp = vec![0u8; n];
            turbo_decode(src, header, pf, Buf::U8(&mut tmp))?;
            widen(&tmp, out);
        } else {
            turbo_decode(src, header, pf, Buf::U8(out))?;
        }
        return Ok(());
    }
    // SAFETY: u16 has no invalid bit patterns; align_to_mut only reinterprets the aligned
    // middle part.
    let (pre, mid, _) = unsafe { out.align_to_mut::<u16>() };
    if pre.is_empty() && mid.len() == n {
        turbo_decode(src, header, pf, Buf::U16(mid))
    } else {
        let mut tmp = vec![0u16; n];
        turbo_decode(src, header, pf, Buf::U16(&mut tmp))?;
        for (d, s) in out.chunks_exact_mut(2).zip(&tmp) {
            d.copy_from_slice(&s.to_ne_bytes());
        }
        Ok(())
    }
}

/// The component planes of a three-component 8-bit lossy frame, as libjpeg-turbo decodes them
/// (`tj3DecompressToYUVPlanes8`): luminance at full resolution (padded to whole chroma
/// samples), chroma sub-sampled by two horizontally (`h2`) and / or vertically (`v2`).
pub(super) struct Planes {
    /// Y, then Cb, then Cr, row-major.
    pub(super) data: Vec<u8>,
    /// Image width and height.
    pub(super) width: usize,
    pub(super) height: usize,
    /// Luminance plane width (its row stride) and height.
    pub(super) yw: usize,
    pub(super) yh: usize,
    /// Chroma plane width and height.
    pub(super) cw: usize,
    pub(super) ch: usize,
    pub(super) h2: bool,
    pub(super) v2: bool,
}

/// Decodes the component planes of an 8-bit lossy colour frame; `None`, decoding nothing,
/// when TurboJPEG has no plane layout for its sampling factors (4:1:1, 4:4:1, non-standard
/// factors).
pub(super) fn decode_planes(src: &[u8], header: &Header) -> Result<Option<Planes>> {
    let (h, width, height) = Handle::open(src, header)?;
    let subsamp = h.get(tj::TJPARAM_TJPARAM_SUBSAMP);
    let (h2, v2) = match subsamp as tj::TJSAMP {
        tj::TJSAMP_TJSAMP_444 => (false, false),
        tj::TJSAMP_TJSAMP_422 => (true, false),
        tj::TJSAMP_TJSAMP_440 => (false, true),
        tj::TJSAMP_TJSAMP_420 => (true, true),
        _ => return Ok(None),
    };
    let (w, rows) = (width as usize, height as usize);
    if w == 0 || rows == 0 {
        return Err(DicomError::bad_codestream("empty JPEG frame"));
    }
    // TurboJPEG's plane sizes: the luminance plane is padded to whole chroma samples
    // (e.g. an even width for 4:2:2); the chroma planes have ceil(width / 2) columns when
    // horizontally subsampled and ceil(height / 2) rows when vertically.
    let plane = |i: c_int| -> (usize, usize) {
        // SAFETY: plain arithmetic on the arguments (0 when they are out of range).
        unsafe {
            (
                tj::tj3YUVPlaneWidth(i, width, subsamp) as usize,
                tj::tj3YUVPlaneHeight(i, height, subsamp) as usize,
            )
        }
    };
    let (yw, yh) = plane(0);
    let (cw, ch) = (
        if h2 { w.div_ceil(2) } else { w },
        if v2 { rows.div_ceil(2) } else { rows },
    );
    if yw < w || yh < rows || plane(1) != (cw, ch) || plane(2) != (cw, ch) {
        return Err(DicomError::bad_codestream(
            "unexpected JPEG component plane sizes",
        ));
    }
    let mut planes = vec![0u8; yw * yh + 2 * cw * ch];
    let (y_plane, chroma) = planes.split_at_mut(yw * yh);
    let (cb_plane, cr_plane) = chroma.split_at_mut(cw * ch);
    let mut ptrs = [
        y_plane.as_mut_ptr(),
        cb_plane.as_mut_ptr(),
        cr_plane.as_mut_ptr(),
    ];
    let mut strides = [yw as c_int, cw as c_int, cw as c_int];
    // SAFETY: each plane holds exactly stride × plane height bytes, the sizes TurboJPEG itself
    // computes for this subsampling (checked above), so it writes only inside them.
    let rc = unsafe {
        tj::tj3DecompressToYUVPlanes8(
            h.0,
            src.as_ptr(),
            src.len() as _,
            ptrs.as_mut_ptr(),
            strides.as_mut_ptr(),
        )
    };
    if rc != 0 && h.fatal() {
        return Err(h.error());
    }
    Ok(Some(Planes {
        data: planes,
        width: w,
        height: rows,
        yw,
        yh,
        cw,
        ch,
        h2,
        v2,
    }))
}

enum Buf<'a> {
    U8(&'a mut [u8]),
    U16(&'a mut [u16]),
}

/// A TurboJPEG instance (a decompressor here, a compressor in `encode.rs`), destroyed on
/// drop.
pub(super) struct Handle(pub(super) tj::tjhandle);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from tj3Init, is non-null and is destroyed exactly once.
        unsafe { tj::tj3Destroy(self.0) }
    }
}

impl Handle {
    /// A new instance of `kind` (`TJINIT_COMPRESS` or `TJINIT_DECOMPRESS`).
    pub(super) fn init(kind: tj::TJINIT) -> Option<Handle> {
        // SAFETY: tj3Init has no preconditions; a null return is handled.
        let h = unsafe { tj::tj3Init(kind as c_int) };
        (!h.is_null()).then_some(Handle(h))
    }

    fn new() -> Result<Handle> {
        Handle::init(tj::TJINIT_TJINIT_DECOMPRESS)
            .ok_or_else(|| DicomError::bad_codestream("cannot initialise libjpeg-turbo"))
    }

    fn get(&self, param: tj::TJPARAM) -> c_int {
        // SAFETY: valid handle; tj3Get only reads the instance.
        unsafe { tj::tj3Get(self.0, param as c_int) }
    }

    /// Sets a parameter; false when TurboJPEG rejects it (unknown or out of range).
    pub(super) fn set(&self, param: tj::TJPARAM, value: c_int) -> bool {
        // SAFETY: valid handle; tj3Set checks the parameter and its range itself.
        unsafe { tj::tj3Set(self.0, param as c_int, value) == 0 }
    }

    /// The last error TurboJPEG reported on this instance.
    pub(super) fn message(&self) -> String {
        // SAFETY: valid handle; tj3GetErrorStr returns a NUL-terminated string owned by the
        // instance (or a static one), valid until the next call on it; we copy it at once.
        unsafe {
            let p = tj::tj3GetErrorStr(self.0);
            if p.is_null() {
                "unknown error".to_string()
            } else {
                CStr::from_ptr(p).to_string_lossy().trim().to_string()
            }
        }
    }

    fn error(&self) -> DicomError {
        DicomError::bad_codestream(format!("libjpeg-turbo: {}", self.message()))
    }

    /// A decompressor that has read `src`'s frame header and found what [`parse_header`]
    /// found (so the output sizes computed from either agree), with its width and height.
    fn open(src: &[u8], header: &Header) -> Result<(Handle, c_int, c_int)> {
        let h = Handle::new()?;
        // Bound the work a corrupt progressive stream can cause.
        h.set(tj::TJPARAM_TJPARAM_SCANLIMIT, 500);
        h.set(tj::TJPARAM_TJPARAM_STOPONWARNING, 0);
        // SAFETY: src is a valid slice for its length; the handle is valid.
        let rc = unsafe { tj::tj3DecompressHeader(h.0, src.as_ptr(), src.len() as _) };
        if rc != 0 {
            return Err(h.error());
        }
        let width = h.get(tj::TJPARAM_TJPARAM_JPEGWIDTH);
        let height = h.get(tj::TJPARAM_TJPARAM_JPEGHEIGHT);
        if width != c_int::from(header.columns)
            || height != c_int::from(header.rows)
            || h.get(tj::TJPARAM_TJPARAM_PRECISION) != c_int::from(header.precision)
            || (h.get(tj::TJPARAM_TJPARAM_LOSSLESS) == 1) != header.lossless
        {
            return Err(DicomError::bad_codestream(
                "libjpeg-turbo reads a different frame header than expected",
            ));
        }
        Ok((h, width, height))
    }

    /// Whether the last failure was fatal (not a warning such as premature end of data).
    fn fatal(&self) -> bool {
        // SAFETY: valid handle.
        unsafe { tj::tj3GetErrorCode(self.0) != tj::TJERR_TJERR_WARNING as c_int }
    }
}

/// Decodes with libjpeg-turbo into `buf`, whose length must be exactly
/// rows × columns × (components of `pf`).
fn turbo_decode(src: &[u8], header: &Header, pf: tj::TJPF, buf: Buf<'_>) -> Result<()> {
    let (h, width, height) = Handle::open(src, header)?;
    let precision = c_int::from(header.precision);
    let comps = if pf == tj::TJPF_TJPF_GRAY { 1 } else { 3 };
    let need = width as usize * height as usize * comps;
    let rc = match buf {
        Buf::U8(b) => {
            if b.len() != need || precision > 8 {
                return Err(DicomError::bad_codestream(
                    "JPEG output buffer size mismatch",
                ));
            }
            // SAFETY: b holds exactly width × height × comps samples (checked above against
            // the header libjpeg-turbo itself parsed, pitch 0 = width × comps), and
            // tj3Decompress8 writes only that many for this pixel format and precision.
            unsafe { tj::tj3Decompress8(h.0, src.as_ptr(), src.len() as _, b.as_mut_ptr(), 0, pf) }
        }
        Buf::U16(b) => {
            if b.len() != need || precision <= 8 {
                return Err(DicomError::bad_codestream(
                    "JPEG output buffer size mismatch",
                ));
            }
            if precision <= 12 {
                // SAFETY: as above; i16 and u16 have the same layout and 12-bit samples are
                // non-negative (0..=4095).
                unsafe {
                    tj::tj3Decompress12(
                        h.0,
                        src.as_ptr(),
                        src.len() as _,
                        b.as_mut_ptr().cast::<i16>(),
                        0,
                        pf,
                    )
                }
            } else {
                // SAFETY: as above, for 16-bit samples.
                unsafe {
                    tj::tj3Decompress16(h.0, src.as_ptr(), src.len() as _, b.as_mut_ptr(), 0, pf)
                }
            }
        }
    };
    if rc != 0 && h.fatal() {
        return Err(h.error());
    }
    Ok(())
}
