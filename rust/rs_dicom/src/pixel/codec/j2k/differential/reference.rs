//! OpenJPEG's decoder, wrapped to copy its components out: the reference.

use std::ffi::c_void;
use std::ptr;

use openjpeg_sys as opj;

use crate::pixel::codec::j2k::openjpeg::{
    Codec, CstrInfo, Image as OpjImagePtr, Log, Source, Stream, read_fn, seek_fn, set_handlers,
    skip_fn,
};

/// One component as OpenJPEG decodes it (`opj_image_comp_t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OpjComp {
    pub(super) w: u32,
    pub(super) h: u32,
    pub(super) precision: u32,
    pub(super) signed: bool,
    pub(super) data: Vec<i32>,
}

/// OpenJPEG's decoded image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OpjImage {
    pub(super) width: u32,
    pub(super) height: u32,
    /// The main header's COD says MCT.
    pub(super) mct: bool,
    pub(super) comps: Vec<OpjComp>,
}

/// Decodes a raw J2K codestream with OpenJPEG (all layers, full resolution, as `opj_decode`
/// with default parameters).
pub(super) fn opj_decode(cs: &[u8]) -> Result<OpjImage, String> {
    // Declared before the stream and codec so they are dropped after them.
    let mut source = Box::new(Source { data: cs, pos: 0 });
    let mut log = Box::<Log>::default();
    let log_ptr: *mut Log = &mut *log;
    let src_ptr: *mut Source = &mut *source;

    // SAFETY: plain constructor; a null result is checked.
    let codec = Codec(unsafe { opj::opj_create_decompress(opj::CODEC_FORMAT::OPJ_CODEC_J2K) });
    if codec.0.is_null() {
        return Err("opj_create_decompress failed".into());
    }
    // SAFETY: `codec` is valid; `log` is boxed and outlives it.
    unsafe { set_handlers(codec.0, log_ptr) };
    // SAFETY: all-zero is a valid `opj_dparameters_t` (integers and arrays), then filled
    // with OpenJPEG's defaults; `codec` is valid.
    let ok = unsafe {
        let mut dp: Box<opj::opj_dparameters_t> = Box::new(std::mem::zeroed());
        opj::opj_set_default_decoder_parameters(&mut *dp);
        opj::opj_setup_decoder(codec.0, &mut *dp) != 0
    };
    if !ok {
        // SAFETY: no OpenJPEG call is running.
        return Err(unsafe { &*log_ptr }.failure("set up the decoder"));
    }
    // SAFETY: plain constructor (input stream); a null result is checked.
    let stream = Stream(unsafe { opj::opj_stream_create(1 << 16, 1) });
    if stream.0.is_null() {
        return Err("opj_stream_create failed".into());
    }
    // SAFETY: `stream` is valid; `source` is boxed, outlives the stream and is only accessed
    // through `src_ptr` by the callbacks.
    unsafe {
        opj::opj_stream_set_read_function(stream.0, Some(read_fn));
        opj::opj_stream_set_skip_function(stream.0, Some(skip_fn));
        opj::opj_stream_set_seek_function(stream.0, Some(seek_fn));
        opj::opj_stream_set_user_data(stream.0, src_ptr as *mut c_void, None);
        opj::opj_stream_set_user_data_length(stream.0, cs.len() as u64);
    }
    let mut image = OpjImagePtr(ptr::null_mut());
    // SAFETY: `stream` and `codec` are valid; OpenJPEG stores a new image in `image.0`,
    // which `OpjImagePtr` frees.
    if unsafe { opj::opj_read_header(stream.0, codec.0, &mut image.0) } == 0 || image.0.is_null() {
        // SAFETY: no OpenJPEG call is running.
        return Err(unsafe { &*log_ptr }.failure("read the header"));
    }
    // SAFETY: `codec` is valid after a successful `opj_read_header`.
    let cstr = CstrInfo(unsafe { opj::opj_get_cstr_info(codec.0) });
    // SAFETY: a non-null result of `opj_get_cstr_info` is valid until `cstr` frees it.
    let mct = !cstr.0.is_null() && unsafe { (*cstr.0).m_default_tile_info.mct != 0 };
    drop(cstr);
    // SAFETY: codec, stream and the image from this codec's header read are valid.
    let ok = unsafe {
        opj::opj_decode(codec.0, stream.0, image.0) != 0
            && opj::opj_end_decompress(codec.0, stream.0) != 0
    };
    if !ok {
        // SAFETY: no OpenJPEG call is running.
        return Err(unsafe { &*log_ptr }.failure("decode"));
    }
    // SAFETY: `image.0` is valid; decoding filled it in place.
    let img = unsafe { &*image.0 };
    if img.comps.is_null() {
        return Err("decoded image without components".into());
    }
    // SAFETY: `comps` points to `numcomps` initialised components.
    let comps = unsafe { std::slice::from_raw_parts(img.comps, img.numcomps as usize) };
    let mut out = Vec::with_capacity(comps.len());
    for c in comps {
        let len = c.w as usize * c.h as usize;
        let data = if len == 0 {
            Vec::new()
        } else if c.data.is_null() {
            return Err("decoded component without data".into());
        } else {
            // SAFETY: a decoded `w x h` component holds `w * h` i32 samples, valid while
            // `image` lives; they are copied out here.
            unsafe { std::slice::from_raw_parts(c.data, len) }.to_vec()
        };
        out.push(OpjComp {
            w: c.w,
            h: c.h,
            precision: c.prec,
            signed: c.sgnd != 0,
            data,
        });
    }
    Ok(OpjImage {
        width: img.x1.saturating_sub(img.x0),
        height: img.y1.saturating_sub(img.y0),
        mct,
        comps: out,
    })
}
