//! OpenJPEG 2.5 (`openjpeg-sys`, vendored; the `j2k` feature): the FFI, for JPEG 2000 and HTJ2K
//! codestreams rs_dicom's own decoder declines or that are damaged (OpenJPEG is lenient with
//! truncated data, as pydicom's decoders are), and for everything when
//! `RS_DICOM_J2K_DECODER=openjpeg`. The stream callbacks, message log and owning handles are
//! shared with the differential tests, which also encode with OpenJPEG.

use std::ffi::{CStr, c_char, c_void};
use std::ptr;

use openjpeg_sys as opj;

use super::{Convert, FrameInfo, Header, interleave};
use crate::error::{DicomError, Result};

/// Bytes of messages kept from OpenJPEG (corrupt data can emit many).
const MAX_LOG: usize = 1024;

/// The codestream being read by OpenJPEG.
pub(crate) struct Source<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) pos: usize,
}

pub(crate) unsafe extern "C" fn read_fn(buf: *mut c_void, n: usize, user: *mut c_void) -> usize {
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

/// OpenJPEG worker threads for a frame of `samples` pixels: none (working on the calling
/// thread) when frames are already decoded or encoded in parallel (inside a rayon worker) or
/// the frame is small; else as many as rayon's pool has (so `RAYON_NUM_THREADS=1` means one
/// thread), up to 8.
pub(super) fn threads(samples: usize) -> i32 {
    #[cfg(feature = "parallel")]
    {
        let pool = rayon::current_num_threads();
        if rayon::current_thread_index().is_none() && samples >= 1 << 18 && pool > 1 {
            return pool.min(8) as i32;
        }
    }
    #[cfg(not(feature = "parallel"))]
    let _ = samples;
    0
}

/// Decodes with OpenJPEG into `out`; returns whether a multiple component transform was
/// used.
pub(super) fn decode(
    src: &[u8],
    header: &Header,
    info: &FrameInfo,
    conv: Convert,
    out: &mut [u8],
) -> Result<bool> {
    // Declared before the stream and codec so they are dropped after them.
    let mut source = Source { data: src, pos: 0 };
    let mut log = Log::default();
    let fail = |log: &Log, what: &str| DicomError::bad_codestream(log.failure(what));

    let format = if header.jp2 {
        opj::CODEC_FORMAT::OPJ_CODEC_JP2
    } else {
        opj::CODEC_FORMAT::OPJ_CODEC_J2K
    };
    // SAFETY: plain constructor; a null result is checked.
    let codec = Codec(unsafe { opj::opj_create_decompress(format) });
    if codec.0.is_null() {
        return Err(DicomError::bad_codestream(
            "OpenJPEG could not create a decoder",
        ));
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
    let threads = threads(info.rows as usize * info.columns as usize);
    if threads > 1 {
        // SAFETY: `codec` is valid and set up; failure (no thread support) is harmless.
        unsafe { opj::opj_codec_set_threads(codec.0, threads) };
    }

    // SAFETY: plain constructor; a null result is checked.
    let stream = Stream(unsafe { opj::opj_stream_create(1 << 16, 1) });
    if stream.0.is_null() {
        return Err(DicomError::bad_codestream(
            "OpenJPEG could not create a stream",
        ));
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
        return Err(DicomError::bad_codestream(
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
        return Err(DicomError::bad_codestream(
            "decoded JPEG 2000 image has unexpected components",
        ));
    }
    // SAFETY: `comps` points to `numcomps` initialised components.
    let comps = unsafe { std::slice::from_raw_parts(img.comps, img.numcomps as usize) };
    let n = w as usize * h as usize;
    let mut planes: Vec<&[i32]> = Vec::with_capacity(comps.len());
    for c in comps {
        if c.w != w || c.h != h || c.dx != 1 || c.dy != 1 || c.data.is_null() {
            return Err(DicomError::bad_codestream(
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
