//! JPEG 2000 and HTJ2K (ISO/IEC 15444-1, -15) through OpenJPEG (`openjpeg-sys`, vendored
//! OpenJPEG 2.5, the `j2k` feature) or rs_dicom's Rust decoder ([`super::j2k_native`]), which
//! reproduces OpenJPEG's output exactly: see [`decoder`]. The Rust decoder passes what it
//! declines (HTJ2K, JP2 boxes, POC/PPM/PPT/RGN markers) and damaged data to OpenJPEG.
//!
//! The output matches pydicom 3 with pylibjpeg-openjpeg: samples are interleaved; the decoder
//! inverts the multiple component transform itself (so YBR_ICT / YBR_RCT come out as RGB);
//! each decoded value is first stored in a container sized by the codestream precision and
//! read with the dataset's signedness, then cast to Bits Allocated, and for monochrome images
//! whose codestream signedness differs from Pixel Representation the value is sign-corrected
//! from the codestream precision (pydicom's `_apply_sign_correction`).

use super::j2k_native::{self, NativeError};
use super::{ColorOut, FrameInfo};
use crate::parser::{DicomError, ErrorKind, Result};

fn malformed(msg: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::Malformed, None, "(7FE0,0010)", msg)
}

fn unsupported(msg: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::UnsupportedCodec, None, "(7FE0,0010)", msg)
}

/// Largest frame decoded, in samples (OpenJPEG holds 4 bytes per sample plus work buffers).
const MAX_SAMPLES: u64 = 1 << 28;
/// Largest number of tiles accepted (the standard allows 65535 tile indices).
const MAX_TILES: u64 = 65_535;

/// What the main header's SIZ marker says, read before OpenJPEG sees the data.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Siz {
    width: u32,
    height: u32,
    components: u32,
    /// Precision (bits) of the first component.
    precision: u32,
    /// Whether the first component is signed.
    signed: bool,
    /// Whether the codestream is wrapped in JP2 boxes.
    jp2: bool,
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 2)
        .map(|s| u32::from(u16::from_be_bytes([s[0], s[1]])))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Offset of the contiguous codestream in a JP2 file (the `jp2c` box contents).
fn jp2_codestream(src: &[u8]) -> Result<usize> {
    let mut pos = 0usize;
    while pos + 8 <= src.len() {
        let len = be32(src, pos).unwrap_or(0) as u64;
        let kind = &src[pos + 4..pos + 8];
        let (header, len) = match len {
            1 => {
                let hi = be32(src, pos + 8).ok_or_else(|| malformed("truncated JP2 box"))?;
                let lo = be32(src, pos + 12).ok_or_else(|| malformed("truncated JP2 box"))?;
                (16u64, (u64::from(hi) << 32) | u64::from(lo))
            }
            0 => (8, (src.len() - pos) as u64),
            n => (8, n),
        };
        if kind == b"jp2c" {
            return Ok(pos + header as usize);
        }
        if len < header {
            return Err(malformed("invalid JP2 box length"));
        }
        pos = pos
            .checked_add(usize::try_from(len).map_err(|_| malformed("invalid JP2 box length"))?)
            .ok_or_else(|| malformed("invalid JP2 box length"))?;
    }
    Err(malformed("JP2 file without a codestream box"))
}

/// Reads and sanity-checks the SIZ marker segment (ISO/IEC 15444-1 A.5.1).
fn read_siz(src: &[u8]) -> Result<Siz> {
    let jp2 = src.starts_with(&[0, 0, 0, 0x0C, b'j', b'P', b' ', b' ']);
    let cs = if jp2 { jp2_codestream(src)? } else { 0 };
    let b = &src[cs..];
    if !b.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Err(malformed(
            "not a JPEG 2000 codestream (no SOC and SIZ markers at its start)",
        ));
    }
    let trunc = || malformed("truncated JPEG 2000 SIZ marker");
    let lsiz = be16(b, 4).ok_or_else(trunc)?;
    let xsiz = be32(b, 8).ok_or_else(trunc)?;
    let ysiz = be32(b, 12).ok_or_else(trunc)?;
    let x0 = be32(b, 16).ok_or_else(trunc)?;
    let y0 = be32(b, 20).ok_or_else(trunc)?;
    let xt = be32(b, 24).ok_or_else(trunc)?;
    let yt = be32(b, 28).ok_or_else(trunc)?;
    let xt0 = be32(b, 32).ok_or_else(trunc)?;
    let yt0 = be32(b, 36).ok_or_else(trunc)?;
    let csiz = be16(b, 40).ok_or_else(trunc)?;
    if csiz == 0 || lsiz != 38 + 3 * csiz {
        return Err(malformed(format!(
            "invalid JPEG 2000 SIZ marker (length {lsiz}, {csiz} components)"
        )));
    }
    if xsiz <= x0 || ysiz <= y0 || xt == 0 || yt == 0 || xt0 > x0 || yt0 > y0 {
        return Err(malformed("invalid JPEG 2000 image or tile geometry"));
    }
    if u64::from(xt0) + u64::from(xt) <= u64::from(x0)
        || u64::from(yt0) + u64::from(yt) <= u64::from(y0)
    {
        return Err(malformed("invalid JPEG 2000 tile geometry"));
    }
    let tiles_x = (u64::from(xsiz) - u64::from(xt0)).div_ceil(u64::from(xt));
    let tiles_y = (u64::from(ysiz) - u64::from(yt0)).div_ceil(u64::from(yt));
    if tiles_x * tiles_y > MAX_TILES {
        return Err(malformed(format!(
            "JPEG 2000 codestream has too many tiles ({tiles_x} x {tiles_y})"
        )));
    }
    let mut first = None;
    for c in 0..csiz as usize {
        let at = 42 + 3 * c;
        let ssiz = *b.get(at).ok_or_else(trunc)?;
        let (dx, dy) = (
            *b.get(at + 1).ok_or_else(trunc)?,
            *b.get(at + 2).ok_or_else(trunc)?,
        );
        let precision = u32::from(ssiz & 0x7F) + 1;
        if precision > 32 {
            return Err(unsupported(format!(
                "JPEG 2000 component precision {precision} is not supported"
            )));
        }
        if dx != 1 || dy != 1 {
            return Err(unsupported(
                "JPEG 2000 components with sub-sampling are not supported",
            ));
        }
        first.get_or_insert((precision, ssiz & 0x80 != 0));
    }
    let (precision, signed) = first.ok_or_else(trunc)?;
    Ok(Siz {
        width: xsiz - x0,
        height: ysiz - y0,
        components: csiz,
        precision,
        signed,
        jp2,
    })
}

/// How decoded values become output samples (see the module documentation).
#[derive(Debug, Clone, Copy)]
struct Convert {
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
    fn new(info: &FrameInfo, siz: &Siz) -> Convert {
        let container_bits = match siz.precision {
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
        let shift = if monochrome && siz.signed != signed && out_bits > siz.precision {
            out_bits - siz.precision
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
    fn apply(self, v: i32) -> i64 {
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
fn interleave(planes: &[&[i32]], conv: Convert, out: &mut [u8]) -> Result<()> {
    let spp = planes.len();
    let bytes = (conv.out_bits / 8) as usize;
    let pixels = planes.first().map_or(0, |p| p.len());
    if planes.iter().any(|p| p.len() != pixels) || pixels * spp * bytes != out.len() {
        return Err(malformed(
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
                // SAFETY: u16 has no invalid bit patterns; align_to_mut only reinterprets the
                // aligned middle part, used when it covers the whole buffer.
                let (pre, mid, _) = unsafe { out.align_to_mut::<u16>() };
                if pre.is_empty() && mid.len() == plane.len() {
                    for (d, &v) in mid.iter_mut().zip(plane.iter()) {
                        *d = v as u16;
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
                return Err(unsupported(format!(
                    "Bits Allocated {} is not supported for JPEG 2000",
                    conv.out_bits
                )));
            }
        }
    }
    Ok(())
}

/// Checks the frame description against the codestream header.
fn check(info: &FrameInfo, siz: &Siz, out: &[u8]) -> Result<()> {
    if out.len() != info.frame_len() {
        return Err(malformed(format!(
            "output buffer has {} bytes, a frame needs {}",
            out.len(),
            info.frame_len()
        )));
    }
    if siz.width != info.columns || siz.height != info.rows {
        return Err(malformed(format!(
            "JPEG 2000 image is {}x{} but (0028,0011) Columns x (0028,0010) Rows is {}x{}",
            siz.width, siz.height, info.columns, info.rows
        )));
    }
    if siz.components != info.samples_per_pixel {
        return Err(malformed(format!(
            "JPEG 2000 image has {} components but (0028,0002) Samples per Pixel is {}",
            siz.components, info.samples_per_pixel
        )));
    }
    let samples = u64::from(siz.width) * u64::from(siz.height) * u64::from(siz.components);
    if samples > MAX_SAMPLES {
        return Err(unsupported(format!(
            "JPEG 2000 frame of {samples} samples is larger than supported"
        )));
    }
    if !matches!(info.bits_allocated, 1 | 8 | 16 | 32 | 64) {
        return Err(unsupported(format!(
            "Bits Allocated {} is not supported for JPEG 2000",
            info.bits_allocated
        )));
    }
    Ok(())
}

/// Decodes one frame into `out` (see [`super::decode_frame`]).
pub fn decode(src: &[u8], info: &FrameInfo, out: &mut [u8]) -> Result<ColorOut> {
    let siz = read_siz(src)?;
    check(info, &siz, out)?;
    let conv = Convert::new(info, &siz);
    #[cfg(feature = "j2k")]
    let mct = if decoder() == Decoder::Rust {
        // OpenJPEG decodes what the Rust decoder declines, and decides about damaged data
        // (it is lenient with truncated codestreams, as pydicom's decoders are).
        match native(src, &siz, conv, out) {
            Ok(mct) => mct,
            Err(_) => ffi::decode(src, &siz, info, conv, out)?,
        }
    } else {
        ffi::decode(src, &siz, info, conv, out)?
    };
    #[cfg(not(feature = "j2k"))]
    let mct = native(src, &siz, conv, out)?;
    let ybr = matches!(
        info.photometric_interpretation.as_str(),
        "YBR_ICT" | "YBR_RCT"
    );
    Ok(if ybr || (mct && info.samples_per_pixel >= 3) {
        ColorOut::Rgb
    } else {
        ColorOut::AsDataset
    })
}

/// The JPEG 2000 Part 1 decoder that runs first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    /// OpenJPEG (the `j2k` feature) alone.
    OpenJpeg,
    /// rs_dicom's Rust decoder (bit-identical to OpenJPEG, faster on one thread; no C code on
    /// the data), with OpenJPEG for what it declines and for damaged codestreams: the default.
    Rust,
}

impl Decoder {
    /// The choice named by `RS_DICOM_J2K_DECODER` (`openjpeg` or `rust`, any case); OpenJPEG
    /// only with the `j2k` feature.
    pub fn from_env_value(value: Option<&str>) -> Decoder {
        match value.map(str::trim) {
            Some(v) if cfg!(feature = "j2k") && v.eq_ignore_ascii_case("openjpeg") => {
                Decoder::OpenJpeg
            }
            _ => Decoder::Rust,
        }
    }
}

/// The decoder in use: the Rust decoder unless `RS_DICOM_J2K_DECODER=openjpeg` selects
/// OpenJPEG (read once per process).
pub fn decoder() -> Decoder {
    static CHOICE: std::sync::OnceLock<Decoder> = std::sync::OnceLock::new();
    *CHOICE.get_or_init(|| {
        Decoder::from_env_value(std::env::var("RS_DICOM_J2K_DECODER").ok().as_deref())
    })
}

/// Decodes with the Rust decoder ([`super::j2k_native`]) into `out`; returns whether a
/// multiple component transform was used.
fn native(src: &[u8], siz: &Siz, conv: Convert, out: &mut [u8]) -> Result<bool> {
    if siz.jp2 {
        return Err(unsupported(
            "JPEG 2000 in JP2 boxes needs OpenJPEG (the `j2k` feature)",
        ));
    }
    let image = j2k_native::decode(src).map_err(|e| match e {
        NativeError::Unsupported(what) => unsupported(format!(
            "this JPEG 2000 codestream needs OpenJPEG (the `j2k` feature): {what}"
        )),
        NativeError::Malformed(msg) => malformed(format!("invalid JPEG 2000 codestream: {msg}")),
    })?;
    if image.width != siz.width
        || image.height != siz.height
        || image.components.len() != siz.components as usize
    {
        return Err(malformed(
            "decoded JPEG 2000 image does not match its SIZ marker",
        ));
    }
    let planes: Vec<&[i32]> = image.components.iter().map(|c| c.data.as_slice()).collect();
    interleave(&planes, conv, out)?;
    Ok(image.mct)
}

#[cfg(feature = "j2k")]
pub(super) mod ffi {
    use std::ffi::{CStr, c_char, c_void};
    use std::ptr;

    use openjpeg_sys as opj;

    use super::{Convert, FrameInfo, Result, Siz, interleave, malformed};

    /// Bytes of messages kept from OpenJPEG (corrupt data can emit many).
    const MAX_LOG: usize = 1024;

    /// The codestream being read by OpenJPEG.
    pub(crate) struct Source<'a> {
        pub(crate) data: &'a [u8],
        pub(crate) pos: usize,
    }

    pub(crate) unsafe extern "C" fn read_fn(
        buf: *mut c_void,
        n: usize,
        user: *mut c_void,
    ) -> usize {
        // SAFETY: `user` is the `Source` given to `opj_stream_set_user_data`, alive (and not
        // otherwise borrowed) for as long as the stream exists; OpenJPEG calls this from the
        // thread running `opj_read_header`/`opj_decode`.
        let s = unsafe { &mut *(user as *mut Source) };
        let rest = s.data.len().saturating_sub(s.pos);
        if rest == 0 {
            return usize::MAX; // (OPJ_SIZE_T)-1: end of stream
        }
        let k = n.min(rest);
        if k > 0 {
            // SAFETY: OpenJPEG passes a buffer of at least `n` writable bytes; we copy
            // `k <= n` bytes from inside `data`, and the two cannot overlap.
            unsafe {
                ptr::copy_nonoverlapping(s.data.as_ptr().add(s.pos), buf as *mut u8, k);
            }
        }
        s.pos += k;
        k
    }

    pub(crate) unsafe extern "C" fn skip_fn(n: i64, user: *mut c_void) -> i64 {
        // SAFETY: as in `read_fn`.
        let s = unsafe { &mut *(user as *mut Source) };
        if n < 0 {
            let back = n.unsigned_abs().min(s.pos as u64) as usize;
            s.pos -= back;
            return -(back as i64);
        }
        let rest = s.data.len().saturating_sub(s.pos) as u64;
        let k = (n as u64).min(rest);
        if k == 0 && n > 0 {
            return -1;
        }
        s.pos += k as usize;
        k as i64
    }

    pub(crate) unsafe extern "C" fn seek_fn(n: i64, user: *mut c_void) -> i32 {
        // SAFETY: as in `read_fn`.
        let s = unsafe { &mut *(user as *mut Source) };
        match usize::try_from(n) {
            Ok(p) if p <= s.data.len() => {
                s.pos = p;
                1
            }
            _ => 0,
        }
    }

    /// Messages OpenJPEG reported.
    #[derive(Default)]
    pub(crate) struct Log {
        pub(crate) errors: String,
    }

    impl Log {
        /// "OpenJPEG could not {what}", with the reported errors.
        pub(crate) fn failure(&self, what: &str) -> String {
            if self.errors.is_empty() {
                format!("OpenJPEG could not {what}")
            } else {
                format!("OpenJPEG could not {what}: {}", self.errors)
            }
        }
    }

    /// Registers `log` for errors and silences warnings and information messages.
    ///
    /// # Safety
    /// `codec` must be a valid codec; `log` must outlive it and not be accessed otherwise
    /// while OpenJPEG runs.
    pub(crate) unsafe fn set_handlers(codec: *mut opj::opj_codec_t, log: *mut Log) {
        // SAFETY: guaranteed by the caller.
        unsafe {
            opj::opj_set_error_handler(codec, Some(error_fn), log as *mut c_void);
            opj::opj_set_warning_handler(codec, Some(quiet_fn), ptr::null_mut());
            opj::opj_set_info_handler(codec, Some(quiet_fn), ptr::null_mut());
        }
    }

    unsafe extern "C" fn error_fn(msg: *const c_char, user: *mut c_void) {
        if msg.is_null() || user.is_null() {
            return;
        }
        // SAFETY: `user` is the `Log` registered with the codec, which outlives the codec and
        // is not otherwise accessed while OpenJPEG runs; OpenJPEG's worker threads report
        // under its event mutex, so calls never overlap. `msg` is a NUL-terminated string
        // owned by OpenJPEG for the duration of the call.
        let (log, msg) = unsafe { (&mut *(user as *mut Log), CStr::from_ptr(msg)) };
        if log.errors.len() < MAX_LOG {
            let text = msg.to_string_lossy();
            if !log.errors.is_empty() {
                log.errors.push_str("; ");
            }
            log.errors.push_str(text.trim_end());
            if log.errors.len() > MAX_LOG {
                let mut end = MAX_LOG;
                while !log.errors.is_char_boundary(end) {
                    end -= 1;
                }
                log.errors.truncate(end);
            }
        }
    }

    unsafe extern "C" fn quiet_fn(_msg: *const c_char, _user: *mut c_void) {}

    /// An OpenJPEG stream, destroyed on drop (no free function is registered, so the user
    /// data, owned by the Rust side, is left alone).
    pub(crate) struct Stream(pub(crate) *mut opj::opj_stream_t);
    impl Drop for Stream {
        fn drop(&mut self) {
            if !self.0.is_null() {
                // SAFETY: created by `opj_stream_create`, destroyed once here.
                unsafe { opj::opj_stream_destroy(self.0) }
            }
        }
    }

    /// An OpenJPEG codec (encoder or decoder), destroyed on drop.
    pub(crate) struct Codec(pub(crate) *mut opj::opj_codec_t);
    impl Drop for Codec {
        fn drop(&mut self) {
            if !self.0.is_null() {
                // SAFETY: created by `opj_create_decompress`/`opj_create_compress`, destroyed
                // once here.
                unsafe { opj::opj_destroy_codec(self.0) }
            }
        }
    }

    /// An OpenJPEG image, destroyed on drop.
    pub(crate) struct Image(pub(crate) *mut opj::opj_image_t);
    impl Drop for Image {
        fn drop(&mut self) {
            if !self.0.is_null() {
                // SAFETY: allocated by `opj_read_header`/`opj_image_create`, owned by us,
                // destroyed once here.
                unsafe { opj::opj_image_destroy(self.0) }
            }
        }
    }

    /// Codestream information from `opj_get_cstr_info`, freed on drop.
    pub(crate) struct CstrInfo(pub(crate) *mut opj::opj_codestream_info_v2_t);
    impl Drop for CstrInfo {
        fn drop(&mut self) {
            if !self.0.is_null() {
                // SAFETY: returned by `opj_get_cstr_info`, freed once here.
                unsafe { opj::opj_destroy_cstr_info(&mut self.0) }
            }
        }
    }

    /// OpenJPEG worker threads for a frame: none (decoding on the calling thread) when frames
    /// are already decoded in parallel (inside a rayon worker) or the frame is small; else
    /// as many as rayon's pool has (so `RAYON_NUM_THREADS=1` means one thread), up to 8.
    fn threads(info: &FrameInfo) -> i32 {
        #[cfg(feature = "parallel")]
        {
            let samples = info.rows as usize * info.columns as usize;
            let pool = rayon::current_num_threads();
            if rayon::current_thread_index().is_none() && samples >= 1 << 18 && pool > 1 {
                return pool.min(8) as i32;
            }
        }
        #[cfg(not(feature = "parallel"))]
        let _ = info;
        0
    }

    /// Decodes with OpenJPEG into `out`; returns whether a multiple component transform was
    /// used.
    pub(super) fn decode(
        src: &[u8],
        siz: &Siz,
        info: &FrameInfo,
        conv: Convert,
        out: &mut [u8],
    ) -> Result<bool> {
        // Declared before the stream and codec so they are dropped after them.
        let mut source = Source { data: src, pos: 0 };
        let mut log = Log::default();
        let fail = |log: &Log, what: &str| malformed(log.failure(what));

        let format = if siz.jp2 {
            opj::CODEC_FORMAT::OPJ_CODEC_JP2
        } else {
            opj::CODEC_FORMAT::OPJ_CODEC_J2K
        };
        // SAFETY: plain constructor; a null result is checked.
        let codec = Codec(unsafe { opj::opj_create_decompress(format) });
        if codec.0.is_null() {
            return Err(malformed("OpenJPEG could not create a decoder"));
        }
        let log_ptr = &mut log as *mut Log;
        // SAFETY: `codec` is valid; `log` outlives `codec` (declared earlier, dropped later)
        // and is only touched through this pointer until the codec is destroyed.
        unsafe { set_handlers(codec.0, log_ptr) };
        // SAFETY: the zeroed struct is a valid `opj_dparameters_t` (integers and arrays), then
        // filled with OpenJPEG's defaults; `codec` is valid.
        let ok = unsafe {
            let mut params: opj::opj_dparameters_t = std::mem::zeroed();
            opj::opj_set_default_decoder_parameters(&mut params);
            opj::opj_setup_decoder(codec.0, &mut params) != 0
        };
        if !ok {
            // SAFETY: reading `log` after OpenJPEG returned; no callback is running.
            return Err(fail(unsafe { &*log_ptr }, "set up the decoder"));
        }
        let threads = threads(info);
        if threads > 1 {
            // SAFETY: `codec` is valid and set up; failure (no thread support) is harmless.
            unsafe { opj::opj_codec_set_threads(codec.0, threads) };
        }

        // SAFETY: plain constructor; a null result is checked.
        let stream = Stream(unsafe { opj::opj_stream_create(1 << 16, 1) });
        if stream.0.is_null() {
            return Err(malformed("OpenJPEG could not create a stream"));
        }
        let src_ptr = &mut source as *mut Source as *mut c_void;
        // SAFETY: `stream` is valid; `source` outlives it (declared earlier) and is only
        // accessed through `src_ptr` by the callbacks while the stream is in use.
        unsafe {
            opj::opj_stream_set_read_function(stream.0, Some(read_fn));
            opj::opj_stream_set_skip_function(stream.0, Some(skip_fn));
            opj::opj_stream_set_seek_function(stream.0, Some(seek_fn));
            opj::opj_stream_set_user_data(stream.0, src_ptr, None);
            opj::opj_stream_set_user_data_length(stream.0, src.len() as u64);
        }

        let mut image = Image(ptr::null_mut());
        // SAFETY: `stream` and `codec` are valid; OpenJPEG stores a new image in `image.0`,
        // which `Image` frees.
        let ok = unsafe { opj::opj_read_header(stream.0, codec.0, &mut image.0) != 0 };
        if !ok || image.0.is_null() {
            // SAFETY: as above, no callback is running.
            return Err(fail(unsafe { &*log_ptr }, "read the header"));
        }
        // SAFETY: `image.0` is a valid image returned by `opj_read_header`.
        let img = unsafe { &*image.0 };
        if img.x1.saturating_sub(img.x0) != info.columns
            || img.y1.saturating_sub(img.y0) != info.rows
            || img.numcomps != info.samples_per_pixel
        {
            return Err(malformed(
                "JPEG 2000 header does not match the frame's rows, columns or samples",
            ));
        }

        // SAFETY: `codec` is valid after a successful `opj_read_header`.
        let cstr = CstrInfo(unsafe { opj::opj_get_cstr_info(codec.0) });
        let mct = if cstr.0.is_null() {
            false
        } else {
            // SAFETY: non-null result of `opj_get_cstr_info`, valid until freed by `cstr`.
            unsafe { (*cstr.0).m_default_tile_info.mct != 0 }
        };
        drop(cstr);

        // SAFETY: all three are valid; `image.0` was produced by this codec's header read.
        let ok = unsafe {
            opj::opj_decode(codec.0, stream.0, image.0) != 0
                && opj::opj_end_decompress(codec.0, stream.0) != 0
        };
        if !ok {
            // SAFETY: as above, no callback is running.
            return Err(fail(unsafe { &*log_ptr }, "decode the image"));
        }

        // SAFETY: `image.0` is still valid (decoding fills it in place).
        let img = unsafe { &*image.0 };
        let (w, h) = (info.columns, info.rows);
        if img.numcomps != info.samples_per_pixel || img.comps.is_null() {
            return Err(malformed(
                "decoded JPEG 2000 image has unexpected components",
            ));
        }
        // SAFETY: `comps` points to `numcomps` initialised components.
        let comps = unsafe { std::slice::from_raw_parts(img.comps, img.numcomps as usize) };
        let n = w as usize * h as usize;
        let mut planes: Vec<&[i32]> = Vec::with_capacity(comps.len());
        for c in comps {
            if c.w != w || c.h != h || c.dx != 1 || c.dy != 1 || c.data.is_null() {
                return Err(malformed(
                    "decoded JPEG 2000 component does not match the frame size",
                ));
            }
            // SAFETY: a decoded component of `w × h` samples holds `w * h` i32 values; the
            // slice lives no longer than `image`, which outlives `planes`.
            planes.push(unsafe { std::slice::from_raw_parts(c.data, n) });
        }
        interleave(&planes, conv, out)?;
        Ok(mct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pydicom-data's files in the repository's test venv (installed by the test command).
    fn pydicom_data() -> Option<std::path::PathBuf> {
        let lib = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/lib");
        std::fs::read_dir(lib).ok()?.flatten().find_map(|py| {
            let dir = py.path().join("site-packages/data_store/data");
            dir.is_dir().then_some(dir)
        })
    }

    /// The Rust decoder alone (as in builds without OpenJPEG) on pydicom-data's lossless
    /// JPEG 2000 files: every frame equals the uncompressed twin's.
    #[test]
    fn rust_decoder_equals_the_uncompressed_twins() {
        use crate::core::Tag;
        use crate::parser::parse_file;
        use crate::pixel::codec::Encapsulated;
        use crate::pixel::{PixelDescription, encapsulated_frames, frame_bytes};

        let Some(dir) = pydicom_data() else {
            assert!(
                std::env::var("CI").is_err(),
                "pydicom-data is required under CI (the test command installs it)"
            );
            return;
        };
        let mut frames_checked = 0;
        for stem in ["693", "MR2", "RG1", "RG3", "US1"] {
            let comp = parse_file(dir.join(format!("{stem}_J2KR.dcm"))).expect("J2KR file");
            let orig = parse_file(dir.join(format!("{stem}_UNCR.dcm"))).expect("UNCR file");
            let ds = &comp.dataset;
            let desc = PixelDescription::from_dataset(ds).expect("pixel description");
            let elem = ds.get(Tag::PIXEL_DATA).expect("pixel data");
            let frames =
                encapsulated_frames(ds, elem, desc.number_of_frames as usize).expect("frames");
            let enc = Encapsulated::with_frames(elem, &desc, comp.transfer_syntax, frames.clone())
                .expect("encapsulated");
            let reference = orig
                .dataset
                .raw(Tag::PIXEL_DATA)
                .expect("native pixel data");
            let odesc = PixelDescription::from_dataset(&orig.dataset).expect("description");
            for i in 0..frames.frames.len() {
                let src = frame_bytes(ds, elem, &frames, i).expect("frame bytes");
                let siz = read_siz(&src).expect("SIZ");
                let mut out = vec![0u8; enc.info.frame_len()];
                native(&src, &siz, Convert::new(&enc.info, &siz), &mut out)
                    .unwrap_or_else(|e| panic!("{stem} frame {i}: {e}"));
                let range = odesc.native_frame_range(i).expect("frame range");
                assert!(
                    out == reference[range],
                    "{stem} frame {i} differs from its twin"
                );
                frames_checked += 1;
            }
        }
        assert!(frames_checked >= 5);
    }

    #[test]
    fn decoder_choice_follows_the_environment_value() {
        let openjpeg = if cfg!(feature = "j2k") {
            Decoder::OpenJpeg
        } else {
            Decoder::Rust
        };
        assert_eq!(Decoder::from_env_value(Some("openjpeg")), openjpeg);
        assert_eq!(Decoder::from_env_value(Some(" OpenJPEG ")), openjpeg);
        assert_eq!(Decoder::from_env_value(None), Decoder::Rust);
        assert_eq!(Decoder::from_env_value(Some("rust")), Decoder::Rust);
        assert_eq!(Decoder::from_env_value(Some("anything")), Decoder::Rust);
    }

    fn info(bits: u32, stored: u32, pr: u32, pi: &str) -> FrameInfo {
        FrameInfo {
            rows: 1,
            columns: 1,
            samples_per_pixel: 1,
            bits_allocated: bits,
            bits_stored: stored,
            pixel_representation: pr,
            planar_configuration: 0,
            photometric_interpretation: pi.into(),
            as_rgb: false,
        }
    }

    fn siz(precision: u32, signed: bool) -> Siz {
        Siz {
            width: 1,
            height: 1,
            components: 1,
            precision,
            signed,
            jp2: false,
        }
    }

    #[test]
    fn sign_correction_like_pydicom() {
        // Pixel Representation 1, Bits Stored 13, codestream unsigned 13 bit: -2000 stored
        // as 6192 becomes -2000 again.
        let c = Convert::new(&info(16, 13, 1, "MONOCHROME2"), &siz(13, false));
        assert_eq!(c.apply(6192), -2000);
        // Pixel Representation 0, codestream signed: -2000 → 6192.
        let c = Convert::new(&info(16, 13, 0, "MONOCHROME2"), &siz(13, true));
        assert_eq!(c.apply(-2000), 6192);
        // Not monochrome: no correction, just the container cast.
        let c = Convert::new(&info(16, 13, 0, "RGB"), &siz(13, true));
        assert_eq!(c.apply(-2000) as u16, (-2000i16) as u16);
        // Precision 8 in a 16-bit dataset, signed: the 8-bit container is read as int8.
        let c = Convert::new(&info(16, 8, 1, "MONOCHROME2"), &siz(8, true));
        assert_eq!(c.apply(-5), -5);
        let c = Convert::new(&info(16, 8, 0, "MONOCHROME2"), &siz(8, false));
        assert_eq!(c.apply(200), 200);
    }

    /// The truncating fast path of `interleave` equals `Convert::apply` sample by sample.
    #[test]
    fn interleave_fast_path_equals_apply() {
        let values: Vec<i32> = (-70_000..70_000).step_by(7).collect();
        for (bits, stored, pr, precision, signed) in [
            (16, 16, 0, 16, false),
            (16, 12, 1, 12, true),
            (16, 16, 1, 16, true),
            (8, 8, 0, 8, false),
            (8, 8, 1, 8, true),
            (16, 12, 1, 12, false), // sign correction: the general path
        ] {
            let conv = Convert::new(
                &info(bits, stored, pr, "MONOCHROME2"),
                &siz(precision, signed),
            );
            let bytes = (bits / 8) as usize;
            // One byte of offset makes the 16-bit output unaligned: the general path.
            for offset in [0, 1] {
                let mut buf = vec![0u8; values.len() * bytes + offset];
                let out = &mut buf[offset..];
                interleave(&[&values], conv, out).unwrap();
                for (chunk, &v) in out.chunks_exact(bytes).zip(&values) {
                    let expected = conv.apply(v);
                    let got = if bytes == 1 {
                        i64::from(chunk[0])
                    } else {
                        i64::from(u16::from_ne_bytes([chunk[0], chunk[1]]))
                    };
                    let mask = (1i64 << (8 * bytes)) - 1;
                    assert_eq!(got, expected & mask, "{bits} {stored} {pr} {v}");
                }
            }
        }
    }

    #[test]
    fn rejects_garbage() {
        let mut out = [0u8; 1];
        let i = info(8, 8, 0, "MONOCHROME2");
        assert!(decode(&[], &i, &mut out).is_err());
        assert!(decode(&[0xFF, 0x4F, 0xFF, 0x51, 0, 41], &i, &mut out).is_err());
        let jp2 = [
            0, 0, 0, 0x0C, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A, 0, 0, 0, 0,
        ];
        assert!(decode(&jp2, &i, &mut out).is_err());
    }
}
