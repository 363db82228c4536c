//! OpenJPEG's encoder (`openjpeg-sys`, vendored): parameters and components in, a raw J2K
//! codestream out. The frame encoder (`encode.rs`) and the differential tests use it.

use std::ffi::{CString, c_char, c_void};
use std::ptr;

use openjpeg_sys as opj;

use super::openjpeg::{Codec, Image, Log, Stream, set_handlers};

/// The encoder's output stream: a growable buffer with a write position.
#[derive(Default)]
pub(crate) struct Sink {
    pub(crate) data: Vec<u8>,
    pub(crate) pos: usize,
}

impl Sink {
    fn move_to(&mut self, pos: usize) {
        self.pos = pos;
        if self.data.len() < pos {
            self.data.resize(pos, 0);
        }
    }
}

unsafe extern "C" fn sink_write(buf: *mut c_void, n: usize, user: *mut c_void) -> usize {
    // SAFETY: `user` is the boxed `Sink` given to `opj_stream_set_user_data`; it outlives the
    // stream and is only accessed through this pointer while OpenJPEG encodes.
    let sink = unsafe { &mut *(user as *mut Sink) };
    if n == 0 {
        return 0;
    }
    // SAFETY: OpenJPEG passes `n` readable bytes at `buf` (n > 0, so `buf` is non-null).
    let src = unsafe { std::slice::from_raw_parts(buf as *const u8, n) };
    let end = sink.pos + n;
    if sink.pos == sink.data.len() {
        sink.data.extend_from_slice(src);
    } else {
        if sink.data.len() < end {
            sink.data.resize(end, 0);
        }
        sink.data[sink.pos..end].copy_from_slice(src);
    }
    sink.pos = end;
    n
}

unsafe extern "C" fn sink_skip(n: i64, user: *mut c_void) -> i64 {
    // SAFETY: as in `sink_write`.
    let sink = unsafe { &mut *(user as *mut Sink) };
    match usize::try_from(sink.pos as i64 + n) {
        Ok(p) => {
            sink.move_to(p);
            n
        }
        Err(_) => -1,
    }
}

unsafe extern "C" fn sink_seek(n: i64, user: *mut c_void) -> i32 {
    // SAFETY: as in `sink_write`.
    let sink = unsafe { &mut *(user as *mut Sink) };
    match usize::try_from(n) {
        Ok(p) => {
            sink.move_to(p);
            1
        }
        Err(_) => 0,
    }
}

/// The image given to the encoder: every component `width × height` at offset (`x0`, `y0`)
/// on the reference grid, of one precision and signedness.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) x0: u32,
    pub(crate) y0: u32,
    pub(crate) components: u32,
    pub(crate) precision: u32,
    pub(crate) signed: bool,
}

/// Encodes with `params` (OpenJPEG's defaults, changed by the caller) the image `layout`
/// describes, whose component planes `fill` writes (one `width × height` plane each; it
/// returns false to stop before anything is encoded), to a raw J2K codestream. `extra` are `opj_encoder_set_extra_options` settings (`PLT=YES`…);
/// `threads` above 1 lets OpenJPEG code the blocks on that many threads. The error is
/// OpenJPEG's messages.
pub(crate) fn compress(
    params: &mut opj::opj_cparameters_t,
    layout: &Layout,
    fill: impl FnOnce(&mut [&mut [i32]]) -> bool,
    extra: &[String],
    threads: i32,
) -> Result<Vec<u8>, String> {
    let n = layout.components as usize;
    let samples = layout.width as usize * layout.height as usize;

    // Declared before the codec and stream so they are dropped after them.
    let mut log = Box::<Log>::default();
    let mut sink = Box::<Sink>::default();
    let log_ptr: *mut Log = &mut *log;
    let sink_ptr: *mut Sink = &mut *sink;

    // SAFETY: plain constructor; a null result is checked.
    let codec = Codec(unsafe { opj::opj_create_compress(opj::CODEC_FORMAT::OPJ_CODEC_J2K) });
    if codec.0.is_null() {
        return Err("OpenJPEG could not create an encoder".into());
    }
    // SAFETY: `codec` is valid; `log` is boxed, outlives `codec` and is only accessed
    // through `log_ptr` until the codec is gone.
    unsafe { set_handlers(codec.0, log_ptr) };

    let mut cmpt: Vec<opj::opj_image_cmptparm_t> = (0..n)
        .map(|_| opj::opj_image_cmptparm_t {
            dx: 1,
            dy: 1,
            w: layout.width,
            h: layout.height,
            x0: layout.x0,
            y0: layout.y0,
            prec: layout.precision,
            bpp: layout.precision,
            sgnd: u32::from(layout.signed),
        })
        .collect();
    let space = match n {
        1 => opj::COLOR_SPACE::OPJ_CLRSPC_GRAY,
        3 => opj::COLOR_SPACE::OPJ_CLRSPC_SRGB,
        _ => opj::COLOR_SPACE::OPJ_CLRSPC_UNSPECIFIED,
    };
    // SAFETY: `cmpt` holds `n` initialised component descriptions; a null result is checked.
    let image = Image(unsafe { opj::opj_image_create(n as u32, cmpt.as_mut_ptr(), space) });
    if image.0.is_null() {
        return Err("OpenJPEG could not allocate the image".into());
    }
    // SAFETY: `image.0` is a valid image with `n` components of `samples` allocated samples
    // each (non-null when `samples` > 0); nothing else references it yet.
    let filled = unsafe {
        let img = &mut *image.0;
        img.x0 = layout.x0;
        img.y0 = layout.y0;
        img.x1 = layout.x0 + layout.width;
        img.y1 = layout.y0 + layout.height;
        let comps = std::slice::from_raw_parts_mut(img.comps, n);
        let mut planes: Vec<&mut [i32]> = comps
            .iter_mut()
            .map(|c| {
                if samples == 0 || c.data.is_null() {
                    &mut [][..]
                } else {
                    std::slice::from_raw_parts_mut(c.data, samples)
                }
            })
            .collect();
        fill(&mut planes)
    };
    if !filled {
        return Err("the image was not filled".into());
    }

    // SAFETY: all three are valid; OpenJPEG copies what it needs from `params`.
    if unsafe { opj::opj_setup_encoder(codec.0, params, image.0) } == 0 {
        // SAFETY: no OpenJPEG call is running, so the log is not being written.
        return Err(unsafe { &*log_ptr }.failure("set up the encoder"));
    }
    if !extra.is_empty() {
        let owned: Vec<CString> = extra
            .iter()
            .filter_map(|s| CString::new(s.as_str()).ok())
            .collect();
        let mut ptrs: Vec<*const c_char> = owned.iter().map(|s| s.as_ptr()).collect();
        ptrs.push(ptr::null());
        // SAFETY: `codec` is set up; `ptrs` is a NULL-terminated array of NUL-terminated
        // strings (`owned`) that stay alive during the call.
        if unsafe { opj::opj_encoder_set_extra_options(codec.0, ptrs.as_ptr()) } == 0 {
            // SAFETY: as above.
            return Err(unsafe { &*log_ptr }.failure("set extra options"));
        }
    }
    if threads > 1 {
        // SAFETY: `codec` is valid and set up; failure (no thread support) is harmless.
        unsafe { opj::opj_codec_set_threads(codec.0, threads) };
    }

    // SAFETY: plain constructor (output stream); a null result is checked.
    let stream = Stream(unsafe { opj::opj_stream_create(1 << 16, 0) });
    if stream.0.is_null() {
        return Err("OpenJPEG could not create a stream".into());
    }
    // SAFETY: `stream` is valid; `sink` is boxed, outlives the stream (declared earlier) and
    // is only accessed through `sink_ptr` by the callbacks while the stream is used.
    unsafe {
        opj::opj_stream_set_write_function(stream.0, Some(sink_write));
        opj::opj_stream_set_skip_function(stream.0, Some(sink_skip));
        opj::opj_stream_set_seek_function(stream.0, Some(sink_seek));
        opj::opj_stream_set_user_data(stream.0, sink_ptr as *mut c_void, None);
    }
    // SAFETY: codec, image and stream are valid and set up for encoding.
    let ok = unsafe {
        opj::opj_start_compress(codec.0, image.0, stream.0) != 0
            && opj::opj_encode(codec.0, stream.0) != 0
            && opj::opj_end_compress(codec.0, stream.0) != 0
    };
    drop(stream);
    drop(codec);
    if !ok {
        return Err(log.failure("encode"));
    }
    let Sink { data, .. } = *sink;
    Ok(data)
}

/// OpenJPEG's default encoder parameters (those of `opj_compress` without options).
pub(crate) fn default_params() -> Box<opj::opj_cparameters_t> {
    // SAFETY: `opj_cparameters_t` is a C struct of integers, floats, fixed arrays and raw
    // pointers, for which all-zero bytes are a valid value; OpenJPEG then sets its defaults.
    let mut params: Box<opj::opj_cparameters_t> = Box::new(unsafe { std::mem::zeroed() });
    // SAFETY: `params` points to a valid, writable `opj_cparameters_t`.
    unsafe { opj::opj_set_default_encoder_parameters(&mut *params) };
    params
}
