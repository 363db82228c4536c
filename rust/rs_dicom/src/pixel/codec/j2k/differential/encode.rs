//! OpenJPEG's encoder, wrapped (test-only): planes in, raw J2K codestream out.

use std::ffi::{CString, c_char, c_void};
use std::ptr;

use super::*;
use crate::pixel::codec::j2k::openjpeg::{Codec, Image as OpjImagePtr, Log, Stream, set_handlers};

/// The encoder's output stream: a growable buffer with a write position.
#[derive(Default)]
pub(super) struct Sink {
    pub(super) data: Vec<u8>,
    pub(super) pos: usize,
}

impl Sink {
    pub(super) fn move_to(&mut self, pos: usize) {
        self.pos = pos;
        if self.data.len() < pos {
            self.data.resize(pos, 0);
        }
    }
}

pub(super) unsafe extern "C" fn sink_write(buf: *mut c_void, n: usize, user: *mut c_void) -> usize {
    // SAFETY: `user` is the boxed `Sink` given to `opj_stream_set_user_data`; it outlives the
    // stream and is only accessed through this pointer while OpenJPEG encodes.
    let sink = unsafe { &mut *(user as *mut Sink) };
    if n == 0 {
        return 0;
    }
    // SAFETY: OpenJPEG passes `n` readable bytes at `buf` (n > 0, so `buf` is non-null).
    let src = unsafe { std::slice::from_raw_parts(buf as *const u8, n) };
    let end = sink.pos + n;
    if sink.data.len() < end {
        sink.data.resize(end, 0);
    }
    sink.data[sink.pos..end].copy_from_slice(src);
    sink.pos = end;
    n
}

pub(super) unsafe extern "C" fn sink_skip(n: i64, user: *mut c_void) -> i64 {
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

pub(super) unsafe extern "C" fn sink_seek(n: i64, user: *mut c_void) -> i32 {
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

/// Encodes `planes` (one `width * height` plane per component) to a raw J2K codestream.
pub(super) fn opj_encode(p: &EncodeParams, planes: &[Vec<i32>]) -> Result<Vec<u8>, String> {
    let n = p.components as usize;
    let samples = p.width as usize * p.height as usize;
    assert_eq!(planes.len(), n, "one plane per component");
    assert!(planes.iter().all(|pl| pl.len() == samples), "plane size");

    // Declared before the codec and stream so they are dropped after them.
    let mut log = Box::<Log>::default();
    let mut sink = Box::<Sink>::default();
    let log_ptr: *mut Log = &mut *log;
    let sink_ptr: *mut Sink = &mut *sink;

    // SAFETY: plain constructor; a null result is checked.
    let codec = Codec(unsafe { opj::opj_create_compress(opj::CODEC_FORMAT::OPJ_CODEC_J2K) });
    if codec.0.is_null() {
        return Err("opj_create_compress failed".into());
    }
    // SAFETY: `codec` is valid; `log` is boxed, outlives `codec` and is only accessed
    // through `log_ptr` until the codec is gone.
    unsafe { set_handlers(codec.0, log_ptr) };

    // SAFETY: `opj_cparameters_t` is a C struct of integers, floats, fixed arrays and raw
    // pointers, for which all-zero bytes are a valid value; OpenJPEG then sets its defaults.
    let mut params: Box<opj::opj_cparameters_t> = Box::new(unsafe { std::mem::zeroed() });
    // SAFETY: `params` points to a valid, writable `opj_cparameters_t`.
    unsafe { opj::opj_set_default_encoder_parameters(&mut *params) };
    let (rates, psnr) = match &p.layers {
        Layers::Rates(v) => (v.as_slice(), false),
        Layers::Psnr(v) => (v.as_slice(), true),
    };
    assert!(!rates.is_empty() && rates.len() <= 100, "1..=100 layers");
    params.tcp_numlayers = rates.len() as i32;
    if psnr {
        params.cp_fixed_quality = 1;
        params.tcp_distoratio[..rates.len()].copy_from_slice(rates);
    } else {
        params.cp_disto_alloc = 1;
        params.tcp_rates[..rates.len()].copy_from_slice(rates);
    }
    params.numresolution = p.numres as i32;
    params.cblockw_init = p.cblk.0 as i32;
    params.cblockh_init = p.cblk.1 as i32;
    params.prog_order = PROGS[p.prog].0;
    params.mode = p.mode as i32;
    params.irreversible = i32::from(p.irreversible);
    params.tcp_mct = c_char::from(p.mct);
    let mut csty = 0;
    if !p.precincts.is_empty() {
        assert!(p.precincts.len() <= 33);
        csty |= 0x01;
        params.res_spec = p.precincts.len() as i32;
        for (i, &(w, h)) in p.precincts.iter().enumerate() {
            params.prcw_init[i] = w as i32;
            params.prch_init[i] = h as i32;
        }
    }
    if p.sop {
        csty |= 0x02;
    }
    if p.eph {
        csty |= 0x04;
    }
    params.csty = csty;
    if let Some(t) = p.tiles {
        params.tile_size_on = 1;
        params.cp_tdx = t.w as i32;
        params.cp_tdy = t.h as i32;
        params.cp_tx0 = t.x0 as i32;
        params.cp_ty0 = t.y0 as i32;
    }
    params.image_offset_x0 = p.x0 as i32;
    params.image_offset_y0 = p.y0 as i32;
    if let Some(flag) = p.tile_parts {
        params.tp_on = 1;
        params.tp_flag = flag as c_char;
    }

    let mut cmpt: Vec<opj::opj_image_cmptparm_t> = (0..n)
        .map(|_| opj::opj_image_cmptparm_t {
            dx: 1,
            dy: 1,
            w: p.width,
            h: p.height,
            x0: p.x0,
            y0: p.y0,
            prec: p.precision,
            bpp: p.precision,
            sgnd: u32::from(p.signed),
        })
        .collect();
    let space = match n {
        1 => opj::COLOR_SPACE::OPJ_CLRSPC_GRAY,
        3 => opj::COLOR_SPACE::OPJ_CLRSPC_SRGB,
        _ => opj::COLOR_SPACE::OPJ_CLRSPC_UNSPECIFIED,
    };
    // SAFETY: `cmpt` holds `n` initialised component descriptions; a null result is checked.
    let image = OpjImagePtr(unsafe { opj::opj_image_create(n as u32, cmpt.as_mut_ptr(), space) });
    if image.0.is_null() {
        return Err("opj_image_create failed".into());
    }
    // SAFETY: `image.0` is a valid image with `n` components of `w * h` allocated samples
    // each; nothing else references it yet.
    unsafe {
        let img = &mut *image.0;
        img.x0 = p.x0;
        img.y0 = p.y0;
        img.x1 = p.x0 + p.width;
        img.y1 = p.y0 + p.height;
        let comps = std::slice::from_raw_parts_mut(img.comps, n);
        for (comp, plane) in comps.iter_mut().zip(planes) {
            if samples > 0 {
                std::slice::from_raw_parts_mut(comp.data, samples).copy_from_slice(plane);
            }
        }
    }

    // SAFETY: all three are valid; OpenJPEG copies what it needs from `params`.
    if unsafe { opj::opj_setup_encoder(codec.0, &mut *params, image.0) } == 0 {
        // SAFETY: no OpenJPEG call is running, so the log is not being written.
        return Err(unsafe { &*log_ptr }.failure("set up the encoder"));
    }
    let mut extra = Vec::new();
    if p.plt {
        extra.push("PLT=YES".to_string());
    }
    if p.tlm {
        extra.push("TLM=YES".to_string());
    }
    if let Some(g) = p.guard_bits {
        extra.push(format!("GUARD_BITS={g}"));
    }
    if !extra.is_empty() {
        let owned: Vec<CString> = extra
            .into_iter()
            .map(|s| CString::new(s).expect("no NUL"))
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

    // SAFETY: plain constructor (output stream); a null result is checked.
    let stream = Stream(unsafe { opj::opj_stream_create(1 << 16, 0) });
    if stream.0.is_null() {
        return Err("opj_stream_create failed".into());
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
