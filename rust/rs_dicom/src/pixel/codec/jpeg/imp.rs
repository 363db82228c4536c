//! The libjpeg-turbo / jpeg-decoder backend (feature `jpeg`); see the parent module.

use std::ffi::{CStr, c_int};

use super::super::{ColorOut, FrameInfo};
use crate::parser::{DicomError, ErrorKind, Result};
use crate::pixel::color::ybr_rows_to_rgb;

use turbojpeg_sys as tj;

fn malformed(msg: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::Malformed, None, "(7FE0,0010)", msg.into())
}

fn unsupported(msg: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::UnsupportedCodec, None, "(7FE0,0010)", msg.into())
}

/// What the codestream's markers say (up to the first SOS).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Header {
    precision: u8,
    rows: u16,
    columns: u16,
    component_ids: Vec<u8>,
    lossless: bool,
    /// SOF marker byte (0xC0..=0xCF).
    sof: u8,
    jfif: bool,
}

/// Reads the markers of `src` up to the first start of scan.
fn parse_header(src: &[u8]) -> Result<Header> {
    // Some encoders pad frames at the front; pydicom's parser requires SOI at the start, but
    // libjpeg skips garbage before SOI, so accept a few leading bytes.
    let start = src
        .windows(2)
        .take(16)
        .position(|w| w == [0xFF, 0xD8])
        .ok_or_else(|| malformed("no JPEG start of image marker (FFD8)"))?;
    let mut pos = start + 2;
    let mut header = Header::default();
    let mut seen_sof = false;
    loop {
        // Find the next marker, skipping fill bytes.
        if pos >= src.len() {
            break;
        }
        if src[pos] != 0xFF {
            return Err(malformed(format!("expected a JPEG marker at byte {pos}")));
        }
        while pos < src.len() && src[pos] == 0xFF {
            pos += 1;
        }
        let Some(&marker) = src.get(pos) else { break };
        pos += 1;
        match marker {
            0x01 | 0xD0..=0xD8 => continue,
            0xD9 => break,
            _ => {}
        }
        let len = match src.get(pos..pos + 2) {
            Some(b) => usize::from(u16::from_be_bytes([b[0], b[1]])),
            None => break,
        };
        if len < 2 {
            return Err(malformed(
                "JPEG marker segment shorter than its length field",
            ));
        }
        let seg = src
            .get(pos + 2..pos + len)
            .ok_or_else(|| malformed("JPEG marker segment runs past the end of the frame"))?;
        match marker {
            // pydicom looks for "JFIF" at the start of any APPn segment.
            0xE0..=0xEF if seg.starts_with(b"JFIF") => header.jfif = true,
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF if !seen_sof => {
                seen_sof = true;
                if seg.len() < 6 {
                    return Err(malformed("JPEG SOF segment too short"));
                }
                header.sof = marker;
                header.precision = seg[0];
                header.rows = u16::from_be_bytes([seg[1], seg[2]]);
                header.columns = u16::from_be_bytes([seg[3], seg[4]]);
                let n = usize::from(seg[5]);
                let comps = seg
                    .get(6..6 + 3 * n)
                    .ok_or_else(|| malformed("JPEG SOF segment too short for its components"))?;
                header.component_ids = comps.chunks_exact(3).map(|c| c[0]).collect();
                header.lossless = matches!(marker, 0xC3 | 0xC7 | 0xCB | 0xCF);
            }
            0xDA => break,
            _ => {}
        }
        pos += len;
    }
    if !seen_sof {
        return Err(malformed("no JPEG start of frame marker before the scan"));
    }
    Ok(header)
}

/// How the decoded raw components relate to the dataset's interpretation (pydicom rules).
fn color_out(header: &Header, info: &FrameInfo) -> ColorOut {
    if info.samples_per_pixel != 3 {
        return ColorOut::AsDataset;
    }
    let pi = info
        .photometric_interpretation
        .trim_end_matches(['\0', ' ']);
    let rgb_ids = header.component_ids == b"RGB" || header.component_ids == b"rgb";
    if rgb_ids && pi != "RGB" {
        return ColorOut::Rgb;
    }
    if header.jfif && !pi.contains("YBR") {
        return ColorOut::YbrFull;
    }
    ColorOut::AsDataset
}

/// Decodes one frame into `out` (see [`super::super::decode_frame`]).
pub fn decode(src: &[u8], info: &FrameInfo, out: &mut [u8]) -> Result<ColorOut> {
    let header = parse_header(src)?;
    let spp = info.samples_per_pixel as usize;
    if !matches!(spp, 1 | 3) {
        return Err(unsupported(format!(
            "JPEG with {spp} samples per pixel is not supported"
        )));
    }
    if header.component_ids.len() != spp {
        return Err(malformed(format!(
            "the JPEG codestream has {} components but Samples per Pixel is {spp}",
            header.component_ids.len()
        )));
    }
    if u32::from(header.rows) != info.rows || u32::from(header.columns) != info.columns {
        return Err(malformed(format!(
            "the JPEG codestream is {}×{} but the dataset says {}×{} (rows × columns)",
            header.rows, header.columns, info.rows, info.columns
        )));
    }
    let p = u32::from(header.precision);
    let valid_precision = if header.lossless {
        (2..=16).contains(&p)
    } else {
        p == 8 || p == 12
    };
    if !valid_precision {
        return Err(malformed(format!(
            "unsupported JPEG sample precision {p} ({})",
            if header.lossless { "lossless" } else { "lossy" }
        )));
    }
    let wide = match info.bits_allocated {
        8 if p <= 8 => false,
        16 => true,
        ba => {
            return Err(malformed(format!(
                "JPEG sample precision {p} does not fit Bits Allocated {ba}"
            )));
        }
    };
    if out.len() != info.frame_len() {
        return Err(malformed("output buffer does not match the frame size"));
    }
    let n = out.len() / if wide { 2 } else { 1 };
    let color = color_out(&header, info);
    if spp == 1 || p == 12 && !header.lossless {
        let (pf, color) = if spp == 1 {
            (tj::TJPF_TJPF_GRAY, color)
        } else {
            (tj::TJPF_TJPF_RGB, ColorOut::Rgb)
        };
        if p <= 8 {
            if wide {
                let mut tmp = vec![0u8; n];
                turbo_decode(src, &header, pf, Buf::U8(&mut tmp))?;
                widen(&tmp, out);
            } else {
                turbo_decode(src, &header, pf, Buf::U8(out))?;
            }
        } else {
            // SAFETY: u16 has no invalid bit patterns; align_to_mut only reinterprets the
            // aligned middle part.
            let (pre, mid, _) = unsafe { out.align_to_mut::<u16>() };
            if pre.is_empty() && mid.len() == n {
                turbo_decode(src, &header, pf, Buf::U16(mid))?;
            } else {
                let mut tmp = vec![0u16; n];
                turbo_decode(src, &header, pf, Buf::U16(&mut tmp))?;
                for (d, s) in out.chunks_exact_mut(2).zip(&tmp) {
                    d.copy_from_slice(&s.to_ne_bytes());
                }
            }
        }
        return Ok(color);
    }
    // Three components, 8-bit lossy: libjpeg-turbo's raw component planes, upsampled here.
    // With `as_rgb` the YBR → RGB conversion is done row by row as the rows are assembled
    // (unless unused bits must be masked first).
    if p == 8 && !header.lossless && !wide {
        let convert = info.converts_ybr(color) && info.bits_stored >= 8;
        if turbo_decode_planes(src, &header, out, convert)? {
            return Ok(if convert { ColorOut::Rgb } else { color });
        }
    }
    // Other three-component frames (lossless, unusual subsampling): raw components through
    // jpeg-decoder, which returns one byte per sample for precision 8 and native-endian u16
    // samples otherwise.
    let data = rust_decode(src, &header, info)?;
    let samples = info.rows as usize * info.columns as usize * spp;
    match (data.len() == samples, data.len() == 2 * samples, wide) {
        (true, _, false) => out.copy_from_slice(&data),
        (true, _, true) => widen(&data, out),
        (_, true, true) => out.copy_from_slice(&data),
        (_, true, false) => {
            // Lossless precision < 8 into 8-bit samples: values fit in a byte.
            for (d, s) in out.iter_mut().zip(data.chunks_exact(2)) {
                *d = u8::try_from(u16::from_ne_bytes([s[0], s[1]])).unwrap_or(u8::MAX);
            }
        }
        _ => return Err(malformed("decoded JPEG frame has the wrong size")),
    }
    Ok(color)
}

/// u8 samples → native-endian u16 samples.
fn widen(src: &[u8], out: &mut [u8]) {
    for (d, &s) in out.chunks_exact_mut(2).zip(src) {
        d.copy_from_slice(&u16::from(s).to_ne_bytes());
    }
}

fn rust_decode(src: &[u8], header: &Header, info: &FrameInfo) -> Result<Vec<u8>> {
    let mut dec = jpeg_decoder::Decoder::new(src);
    // `RGB` interleaves the components as decoded, without any conversion (`None` writes each
    // row component by component in 0.3.2).
    dec.set_color_transform(jpeg_decoder::ColorTransform::RGB);
    // Bound allocations by the frame size (with slack for component planes and padding).
    let limit = info.frame_len().saturating_mul(4).saturating_add(1 << 16);
    dec.set_max_decoding_buffer_size(limit);
    dec.read_info()
        .map_err(|e| malformed(format!("JPEG: {e}")))?;
    let meta = dec
        .info()
        .ok_or_else(|| malformed("JPEG: no frame header"))?;
    if meta.width != header.columns || meta.height != header.rows {
        return Err(malformed("JPEG frame header dimensions are inconsistent"));
    }
    // jpeg-decoder is not supposed to panic on bad data; contain it if it ever does (a no-op
    // under panic = "abort").
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dec.decode()))
        .map_err(|_| malformed("JPEG: the decoder failed on malformed data"))?
        .map_err(|e| malformed(format!("JPEG: {e}")))
}

/// Decodes a three-component 8-bit lossy frame into interleaved raw components in `out`
/// (converted YBR_FULL → RGB as pydicom does when `to_rgb`): libjpeg-turbo decodes the
/// component planes at their own resolution (`tj3DecompressToYUVPlanes8`) and the chroma
/// planes are upsampled here with libjpeg's
/// "fancy" triangle filter (the rounding of jpeg-decoder, which this replaced). Returns
/// `Ok(false)`, writing nothing, when TurboJPEG has no plane layout for the frame's sampling
/// factors (4:1:1, 4:4:1, non-standard factors); the caller then uses jpeg-decoder.
fn turbo_decode_planes(src: &[u8], header: &Header, out: &mut [u8], to_rgb: bool) -> Result<bool> {
    let (h, width, height) = Handle::open(src, header)?;
    let subsamp = h.get(tj::TJPARAM_TJPARAM_SUBSAMP);
    let (h2, v2) = match subsamp as tj::TJSAMP {
        tj::TJSAMP_TJSAMP_444 => (false, false),
        tj::TJSAMP_TJSAMP_422 => (true, false),
        tj::TJSAMP_TJSAMP_440 => (false, true),
        tj::TJSAMP_TJSAMP_420 => (true, true),
        _ => return Ok(false),
    };
    let (w, rows) = (width as usize, height as usize);
    if w == 0 || rows == 0 || out.len() != w * rows * 3 {
        return Err(malformed("JPEG output buffer size mismatch"));
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
        return Err(malformed("unexpected JPEG component plane sizes"));
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
    let (y_plane, cb_plane, cr_plane) = (&*y_plane, &*cb_plane, &*cr_plane);
    let mut cb_row = vec![0u8; 2 * cw];
    let mut cr_row = vec![0u8; 2 * cw];
    let mut tmp = vec![0u16; cw];
    for (r, line) in out.chunks_exact_mut(3 * w).enumerate() {
        let y = &y_plane[r * yw..r * yw + w];
        for (plane, row) in [(cb_plane, &mut cb_row), (cr_plane, &mut cr_row)] {
            upsample_row(plane, cw, ch, r, h2, v2, &mut tmp, row);
        }
        if to_rgb {
            ybr_rows_to_rgb(y, &cb_row[..w], &cr_row[..w], line);
            continue;
        }
        for (((px, &y), &cb), &cr) in line.chunks_exact_mut(3).zip(y).zip(&cb_row).zip(&cr_row) {
            px[0] = y;
            px[1] = cb;
            px[2] = cr;
        }
    }
    Ok(true)
}

/// One full-resolution row `r` of a chroma plane (`cw` × `ch`, row-major) into `out`
/// (at least `2 * cw` long when `h2`), with libjpeg's fancy (triangle) upsampling: each
/// output sample is 3/4 of the nearer input sample and 1/4 of the further one, per direction;
/// edges replicate. `tmp` (at least `cw` long) holds the vertical pass.
#[allow(clippy::too_many_arguments)]
fn upsample_row(
    plane: &[u8],
    cw: usize,
    ch: usize,
    r: usize,
    h2: bool,
    v2: bool,
    tmp: &mut [u16],
    out: &mut [u8],
) {
    let row = |i: usize| &plane[i * cw..(i + 1) * cw];
    if !v2 {
        let near = row(r);
        if !h2 {
            out[..cw].copy_from_slice(near);
            return;
        }
        // out[2i + 1] and out[2i + 2] lie between inputs i and i + 1; written pairwise over
        // shifted slices so the loop vectorises.
        out[0] = near[0];
        out[2 * cw - 1] = near[cw - 1];
        for ((o, &a), &b) in out[1..2 * cw - 1]
            .chunks_exact_mut(2)
            .zip(&near[..cw - 1])
            .zip(&near[1..])
        {
            let (a, b) = (u16::from(a), u16::from(b));
            o[0] = ((3 * a + b + 2) >> 2) as u8;
            o[1] = ((3 * b + a + 2) >> 2) as u8;
        }
        return;
    }
    // Vertically: the nearer input row and the one above (even r) or below (odd r).
    let k = r / 2;
    let far = if r.is_multiple_of(2) {
        k.saturating_sub(1)
    } else {
        (k + 1).min(ch - 1)
    };
    let t = &mut tmp[..cw];
    for ((t, &n), &f) in t.iter_mut().zip(row(k)).zip(row(far)) {
        *t = 3 * u16::from(n) + u16::from(f);
    }
    if !h2 {
        for (o, &t) in out[..cw].iter_mut().zip(t.iter()) {
            *o = ((t + 2) >> 2) as u8;
        }
        return;
    }
    out[0] = ((t[0] + 2) >> 2) as u8;
    out[2 * cw - 1] = ((t[cw - 1] + 2) >> 2) as u8;
    for ((o, &a), &b) in out[1..2 * cw - 1]
        .chunks_exact_mut(2)
        .zip(&t[..cw - 1])
        .zip(&t[1..])
    {
        o[0] = ((3 * a + b + 8) >> 4) as u8;
        o[1] = ((3 * b + a + 8) >> 4) as u8;
    }
}

enum Buf<'a> {
    U8(&'a mut [u8]),
    U16(&'a mut [u16]),
}

/// A TurboJPEG decompressor, destroyed on drop.
struct Handle(tj::tjhandle);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from tj3Init, is non-null and is destroyed exactly once.
        unsafe { tj::tj3Destroy(self.0) }
    }
}

impl Handle {
    fn new() -> Result<Handle> {
        // SAFETY: tj3Init has no preconditions; a null return is handled.
        let h = unsafe { tj::tj3Init(tj::TJINIT_TJINIT_DECOMPRESS as c_int) };
        if h.is_null() {
            return Err(DicomError::new(
                ErrorKind::Malformed,
                None,
                "(7FE0,0010)",
                "cannot initialise libjpeg-turbo",
            ));
        }
        Ok(Handle(h))
    }

    fn get(&self, param: tj::TJPARAM) -> c_int {
        // SAFETY: valid handle; tj3Get only reads the instance.
        unsafe { tj::tj3Get(self.0, param as c_int) }
    }

    fn set(&self, param: tj::TJPARAM, value: c_int) {
        // SAFETY: valid handle; an out-of-range value is rejected by tj3Set itself.
        unsafe {
            tj::tj3Set(self.0, param as c_int, value);
        }
    }

    fn error(&self) -> DicomError {
        // SAFETY: valid handle; tj3GetErrorStr returns a NUL-terminated string owned by the
        // instance (or a static one), valid until the next call on it; we copy it at once.
        let msg = unsafe {
            let p = tj::tj3GetErrorStr(self.0);
            if p.is_null() {
                "unknown error".to_string()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        };
        malformed(format!("libjpeg-turbo: {}", msg.trim()))
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
            return Err(malformed(
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
                return Err(malformed("JPEG output buffer size mismatch"));
            }
            // SAFETY: b holds exactly width × height × comps samples (checked above against
            // the header libjpeg-turbo itself parsed, pitch 0 = width × comps), and
            // tj3Decompress8 writes only that many for this pixel format and precision.
            unsafe { tj::tj3Decompress8(h.0, src.as_ptr(), src.len() as _, b.as_mut_ptr(), 0, pf) }
        }
        Buf::U16(b) => {
            if b.len() != need || precision <= 8 {
                return Err(malformed("JPEG output buffer size mismatch"));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_of_garbage_is_an_error() {
        assert!(parse_header(b"").is_err());
        assert!(parse_header(&[0xFF, 0xD8, 0xFF, 0xC0, 0, 3]).is_err());
        assert!(parse_header(&[0xFF, 0xD8, 0xFF, 0xD9]).is_err());
    }

    #[test]
    fn header_reads_sof() {
        let s = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 7, b'J', b'F', b'I', b'F', 0, //
            0xFF, 0xC3, 0, 11, 16, 0, 2, 0, 3, 1, 1, 0x11, 0, //
            0xFF, 0xDA,
        ];
        let h = parse_header(&s).unwrap();
        assert!(h.lossless && h.jfif);
        assert_eq!((h.precision, h.rows, h.columns), (16, 2, 3));
        assert_eq!(h.component_ids, vec![1]);
    }

    /// Encodes an RGB image with libjpeg-turbo at the given chroma subsampling (YCbCr, JFIF).
    fn encode_rgb(rgb: &[u8], w: usize, h: usize, subsamp: tj::TJSAMP) -> Vec<u8> {
        unsafe {
            let handle = tj::tj3Init(tj::TJINIT_TJINIT_COMPRESS as c_int);
            assert!(!handle.is_null());
            tj::tj3Set(handle, tj::TJPARAM_TJPARAM_QUALITY as c_int, 90);
            tj::tj3Set(
                handle,
                tj::TJPARAM_TJPARAM_SUBSAMP as c_int,
                subsamp as c_int,
            );
            let mut buf: *mut u8 = std::ptr::null_mut();
            let mut size: tj::size_t = 0;
            let rc = tj::tj3Compress8(
                handle,
                rgb.as_ptr(),
                w as c_int,
                0,
                h as c_int,
                tj::TJPF_TJPF_RGB as c_int,
                &mut buf,
                &mut size,
            );
            assert_eq!(rc, 0);
            let out = std::slice::from_raw_parts(buf, size as usize).to_vec();
            tj::tj3Free(buf.cast());
            tj::tj3Destroy(handle);
            out
        }
    }

    fn colour_info(w: usize, h: usize, as_rgb: bool) -> FrameInfo {
        FrameInfo {
            rows: h as u32,
            columns: w as u32,
            samples_per_pixel: 3,
            bits_allocated: 8,
            bits_stored: 8,
            pixel_representation: 0,
            planar_configuration: 0,
            photometric_interpretation: "YBR_FULL_422".into(),
            as_rgb,
        }
    }

    /// libjpeg-turbo planes + our upsampling give jpeg-decoder's raw components (up to the
    /// ±1 of the two IDCTs) for every subsampling, at odd and even sizes, and the fused
    /// YBR → RGB conversion equals converting those components afterwards.
    #[test]
    fn planes_path_matches_jpeg_decoder_for_every_subsampling() {
        for subsamp in [
            tj::TJSAMP_TJSAMP_444,
            tj::TJSAMP_TJSAMP_422,
            tj::TJSAMP_TJSAMP_420,
            tj::TJSAMP_TJSAMP_440,
            tj::TJSAMP_TJSAMP_411,
        ] {
            for (w, h) in [(64, 48), (37, 29), (1, 1), (2, 3), (17, 1)] {
                let rgb: Vec<u8> = (0..w * h)
                    .flat_map(|i| {
                        let (x, y) = (i % w, i / w);
                        [
                            (x * 255 / w) as u8,
                            (y * 255 / h) as u8,
                            ((x * y) % 251) as u8,
                        ]
                    })
                    .collect();
                let jpeg = encode_rgb(&rgb, w, h, subsamp);
                let header = parse_header(&jpeg).unwrap();
                let mut raw = vec![0u8; w * h * 3];
                let planes = turbo_decode_planes(&jpeg, &header, &mut raw, false).unwrap();
                assert_eq!(
                    planes,
                    subsamp != tj::TJSAMP_TJSAMP_411,
                    "{subsamp} {w}x{h}"
                );
                let reference = rust_decode(&jpeg, &header, &colour_info(w, h, false)).unwrap();
                if planes {
                    let max = raw
                        .iter()
                        .zip(&reference)
                        .map(|(a, b)| a.abs_diff(*b))
                        .max()
                        .unwrap();
                    assert!(max <= 1, "subsampling {subsamp} {w}x{h}: max diff {max}");
                }
                // Through the public entry point, raw and converted.
                let mut out = vec![0u8; w * h * 3];
                let color = decode(&jpeg, &colour_info(w, h, false), &mut out).unwrap();
                assert_eq!(color, ColorOut::AsDataset);
                assert_eq!(&out, if planes { &raw } else { &reference });
                let mut converted = vec![0u8; w * h * 3];
                let color = decode(&jpeg, &colour_info(w, h, true), &mut converted).unwrap();
                crate::pixel::color::ybr_full_to_rgb(&mut out);
                if planes {
                    assert_eq!(color, ColorOut::Rgb);
                    assert_eq!(converted, out);
                } else {
                    assert_eq!(color, ColorOut::AsDataset);
                }
            }
        }
    }

    /// Backend comparison used to choose the libraries (see the module docs): decodes each
    /// frame file listed in `RS_DICOM_JPEG_BENCH` (path:rows:cols:bits_allocated) with
    /// libjpeg-turbo and jpeg-decoder, writes `<path>.turbo` / `<path>.jd` and prints frames/s.
    /// `cargo test -p rs_dicom --release --lib jpeg::imp::tests::bench -- --ignored --nocapture`
    #[test]
    #[ignore = "benchmark; needs RS_DICOM_JPEG_BENCH"]
    fn bench_backends() {
        let Ok(list) = std::env::var("RS_DICOM_JPEG_BENCH") else {
            return;
        };
        for item in list.split(',') {
            let parts: Vec<&str> = item.split(':').collect();
            let src = std::fs::read(parts[0]).unwrap();
            let header = parse_header(&src).unwrap();
            let (rows, cols, ba): (usize, usize, u32) = (
                parts[1].parse().unwrap(),
                parts[2].parse().unwrap(),
                parts[3].parse().unwrap(),
            );
            let info = FrameInfo {
                rows: rows as u32,
                columns: cols as u32,
                samples_per_pixel: 1,
                bits_allocated: ba,
                bits_stored: u32::from(header.precision),
                pixel_representation: 0,
                planar_configuration: 0,
                photometric_interpretation: "MONOCHROME2".into(),
                as_rgb: false,
            };
            let (rounds, per) = (10u32, 20u32);
            let mut out = vec![0u8; info.frame_len()];
            let mut jd = Vec::new();
            let mut ok = true;
            let (mut t_turbo, mut t_rust) = (0.0, 0.0);
            for _ in 0..rounds {
                let t = std::time::Instant::now();
                for _ in 0..per {
                    decode(&src, &info, &mut out).unwrap();
                }
                t_turbo += t.elapsed().as_secs_f64();
                if !ok {
                    continue;
                }
                let t = std::time::Instant::now();
                for _ in 0..per {
                    match rust_decode(&src, &header, &info) {
                        Ok(v) => jd = v,
                        Err(e) => {
                            println!("{item}: jpeg-decoder: {e}");
                            ok = false;
                            break;
                        }
                    }
                }
                t_rust += t.elapsed().as_secs_f64();
            }
            let turbo = f64::from(rounds * per) / t_turbo;
            let rust = f64::from(rounds * per) / t_rust;
            std::fs::write(format!("{}.turbo", parts[0]), &out).unwrap();
            if ok {
                std::fs::write(format!("{}.jd", parts[0]), &jd).unwrap();
            }
            if ok {
                println!("{item}: libjpeg-turbo {turbo:.1} f/s, jpeg-decoder {rust:.1} f/s");
            } else {
                println!("{item}: libjpeg-turbo {turbo:.1} f/s, jpeg-decoder unsupported");
            }
        }
    }
}
