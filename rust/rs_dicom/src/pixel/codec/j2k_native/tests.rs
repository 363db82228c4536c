//! Differential tests: the native decoder against OpenJPEG 2.5 (`openjpeg-sys`).
//!
//! * `sweep_matches_openjpeg`: a deterministic sweep over encoder parameters. Each case is
//!   encoded by OpenJPEG, decoded by OpenJPEG and by [`super::decode`], and the component
//!   data must be identical (also for the irreversible 9/7 path). Environment variables:
//!   - `J2K_CASE=123` (or `1,5,9` or `100..120`): run only these seeds, print their full
//!     parameters and write their codestreams to the temporary directory;
//!   - `J2K_CASES=N`: number of seeds of the sweep (default [`DEFAULT_CASES`]);
//!   - `J2K_DUMP_DIR=dir`: write every case's codestream there (`case_<seed>.j2k`);
//!   - `J2K_TRACE=1`: name each case on stderr before running it.
//!
//!   A failing case's codestream is always written to the temporary directory.
//! * `opj_encoder_round_trips_lossless`: checks the harness itself (the encoder wrapper and
//!   the OpenJPEG decoder wrapper give back the original samples for lossless settings).
//! * `robustness_truncation_and_corruption`: truncated and corrupted codestreams never make
//!   the native decoder panic or hang; errors carry a message.
//! * `corpus_matches_openjpeg`: `J2K_CORPUS_DIR=dir` compares every `*.j2k`, `*.j2c`,
//!   `*.jpc`, `*.jp2c` and `*.jp2` file under `dir` (skipped when unset).
//! * `dicom_files_match_openjpeg`: the JPEG 2000 frames of pydicom's test files (and of
//!   pydicom-data's, when installed) in the project's `.venv`, plus `J2K_DICOM_DIR=dir`.

use std::collections::BTreeMap;
use std::ffi::{CString, c_char, c_void};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use openjpeg_sys as opj;

use super::super::j2k::ffi::{
    Codec, CstrInfo, Image as OpjImagePtr, Log, Source, Stream, read_fn, seek_fn, set_handlers,
    skip_fn,
};
use super::{Image, NativeError, decode};

/// Seeds run by the sweep unless `J2K_CASES` says otherwise.
const DEFAULT_CASES: u64 = 300;
/// Longest a single native decode may take (debug build) before the test calls it a hang.
const NATIVE_TIMEOUT: Duration = Duration::from_secs(60);

// ------------------------------------------------------------------------------------------
// Deterministic pseudo-random numbers (xorshift64*, seeded through splitmix64).
// ------------------------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(z | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn range_u32(&mut self, lo: u32, hi: u32) -> u32 {
        self.range(i64::from(lo), i64::from(hi)) as u32
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index chosen with the given weights.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }
}

// ------------------------------------------------------------------------------------------
// OpenJPEG: shared pieces.
// ------------------------------------------------------------------------------------------

// ------------------------------------------------------------------------------------------
// OpenJPEG encoder wrapper.
// ------------------------------------------------------------------------------------------

/// Progression orders, indexed as OpenJPEG's `OPJ_PROG_ORDER` values.
const PROGS: [(opj::PROG_ORDER, &str); 5] = [
    (opj::PROG_ORDER::OPJ_LRCP, "LRCP"),
    (opj::PROG_ORDER::OPJ_RLCP, "RLCP"),
    (opj::PROG_ORDER::OPJ_RPCL, "RPCL"),
    (opj::PROG_ORDER::OPJ_PCRL, "PCRL"),
    (opj::PROG_ORDER::OPJ_CPRL, "CPRL"),
];

/// How quality layers are formed.
#[derive(Debug, Clone, PartialEq)]
enum Layers {
    /// `cp_disto_alloc` with `tcp_rates` (compression ratios, decreasing; 0 = lossless).
    Rates(Vec<f32>),
    /// `cp_fixed_quality` with `tcp_distoratio` (PSNR in dB, increasing; 0 = lossless).
    Psnr(Vec<f32>),
}

impl Layers {
    fn count(&self) -> usize {
        match self {
            Layers::Rates(v) | Layers::Psnr(v) => v.len(),
        }
    }

    /// The last layer is lossless (when the transform is reversible).
    fn last_lossless(&self) -> bool {
        match self {
            Layers::Rates(v) => v.last().is_none_or(|&r| r <= 1.0),
            Layers::Psnr(v) => v.last().is_none_or(|&r| r == 0.0),
        }
    }
}

/// Tiling: `cp_tdx`, `cp_tdy`, `cp_tx0`, `cp_ty0`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tiles {
    w: u32,
    h: u32,
    x0: u32,
    y0: u32,
}

/// Everything the encoder wrapper sets.
#[derive(Debug, Clone, PartialEq)]
struct EncodeParams {
    width: u32,
    height: u32,
    /// Image offset on the reference grid (XOsiz, YOsiz).
    x0: u32,
    y0: u32,
    components: u32,
    precision: u32,
    signed: bool,
    /// `tcp_mct` (RCT/ICT on the first three components).
    mct: bool,
    /// 9/7 irreversible (else 5/3 reversible).
    irreversible: bool,
    numres: u32,
    /// Code-block width and height.
    cblk: (u32, u32),
    /// Custom precinct sizes from the highest resolution down (`res_spec` entries); empty
    /// means the default (one precinct per resolution).
    precincts: Vec<(u32, u32)>,
    /// Index in [`PROGS`].
    prog: usize,
    layers: Layers,
    tiles: Option<Tiles>,
    /// Code-block style (`mode`): BYPASS 1, RESET 2, TERMALL 4, VSC 8, PTERM 16, SEGSYM 32.
    mode: u32,
    sop: bool,
    eph: bool,
    /// Tile-part generation flag (`R`, `L` or `C`).
    tile_parts: Option<u8>,
    plt: bool,
    tlm: bool,
    guard_bits: Option<u32>,
}

impl EncodeParams {
    /// A lossless single-layer default (as `opj_compress` without options).
    fn basic(width: u32, height: u32, components: u32, precision: u32, signed: bool) -> Self {
        EncodeParams {
            width,
            height,
            x0: 0,
            y0: 0,
            components,
            precision,
            signed,
            mct: components >= 3,
            irreversible: false,
            numres: 6,
            cblk: (64, 64),
            precincts: Vec::new(),
            prog: 0,
            layers: Layers::Rates(vec![0.0]),
            tiles: None,
            mode: 0,
            sop: false,
            eph: false,
            tile_parts: None,
            plt: false,
            tlm: false,
            guard_bits: None,
        }
    }

    /// Width and height OpenJPEG checks the number of resolutions against.
    fn tile_dims(&self) -> (u32, u32) {
        match self.tiles {
            Some(t) => (t.w, t.h),
            None => (self.x0 + self.width, self.y0 + self.height),
        }
    }

    /// Largest number of resolutions OpenJPEG accepts for this geometry.
    fn max_numres(&self) -> u32 {
        let (w, h) = self.tile_dims();
        let m = w.min(h).max(1);
        (32 - m.leading_zeros()).min(32)
    }

    /// Encodes a lossless image bit-exactly (reversible, last layer lossless).
    fn lossless(&self) -> bool {
        !self.irreversible && self.layers.last_lossless()
    }

    /// OpenJPEG gives the original samples back: lossless settings, at least two guard bits
    /// (with one, 5/3 coefficients of extreme content can overflow the coded magnitude
    /// bit-planes), and no one-sample line at an odd coordinate.
    fn round_trips(&self) -> bool {
        self.lossless() && self.guard_bits.is_none_or(|g| g >= 2) && !self.has_odd_single_line()
    }

    /// The tiles' rectangles on the reference grid, clipped to the image area.
    fn tile_rects(&self) -> Vec<[u32; 4]> {
        let (ix0, iy0, ix1, iy1) = (
            self.x0,
            self.y0,
            self.x0 + self.width,
            self.y0 + self.height,
        );
        let t = self.tiles.unwrap_or(Tiles {
            w: ix1,
            h: iy1,
            x0: 0,
            y0: 0,
        });
        let mut out = Vec::new();
        for ty in 0..(iy1 - t.y0).div_ceil(t.h) {
            for tx in 0..(ix1 - t.x0).div_ceil(t.w) {
                out.push([
                    (t.x0 + tx * t.w).max(ix0),
                    (t.y0 + ty * t.h).max(iy0),
                    (t.x0 + (tx + 1) * t.w).min(ix1),
                    (t.y0 + (ty + 1) * t.h).min(iy1),
                ]);
            }
        }
        out
    }

    /// Resolution rectangles `[x0, y0, x1, y1]` of every tile (all resolutions).
    fn resolution_rects(&self) -> Vec<[u32; 4]> {
        let mut out = Vec::new();
        for r in self.tile_rects() {
            for d in 0..self.numres {
                let c = |v: u32| v.div_ceil(1 << d);
                out.push([c(r[0]), c(r[1]), c(r[2]), c(r[3])]);
            }
        }
        out
    }

    /// Some tile has a resolution level with no samples in one direction (OpenJPEG's 9/7
    /// encoder asserts on those in debug builds).
    fn has_empty_resolution(&self) -> bool {
        self.resolution_rects()
            .iter()
            .any(|r| r[2] == r[0] || r[3] == r[1])
    }

    /// Some tile has a resolution level (above the lowest) one sample wide at an odd
    /// coordinate, or one sample high at an odd coordinate: OpenJPEG 2.5 does not
    /// round-trip those losslessly (seen with the 5/3 transform), so the harness self-check
    /// skips them (the native decoder must still equal OpenJPEG's decoder).
    fn has_odd_single_line(&self) -> bool {
        let mut rects = Vec::new();
        for r in self.tile_rects() {
            // Resolutions that get split by a decomposition: levels 0..numres-1.
            for d in 0..self.numres.saturating_sub(1) {
                let c = |v: u32| v.div_ceil(1 << d);
                rects.push([c(r[0]), c(r[1]), c(r[2]), c(r[3])]);
            }
        }
        rects
            .iter()
            .any(|r| (r[2] - r[0] == 1 && r[0] % 2 == 1) || (r[3] - r[1] == 1 && r[1] % 2 == 1))
    }

    /// The equivalent `opj_compress` options (for reproducing a case with the CLI).
    fn opj_compress_args(&self) -> String {
        let mut a = Vec::new();
        let list = |v: &[f32]| {
            v.iter()
                .map(|r| format!("{r}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        match &self.layers {
            Layers::Rates(v) => a.push(format!("-r {}", list(v))),
            Layers::Psnr(v) => a.push(format!("-q {}", list(v))),
        }
        a.push(format!("-n {}", self.numres));
        a.push(format!("-b {},{}", self.cblk.0, self.cblk.1));
        if !self.precincts.is_empty() {
            let p: Vec<String> = self
                .precincts
                .iter()
                .map(|(w, h)| format!("[{w},{h}]"))
                .collect();
            a.push(format!("-c {}", p.join(",")));
        }
        a.push(format!("-p {}", PROGS[self.prog].1));
        if let Some(t) = self.tiles {
            a.push(format!("-t {},{} -T {},{}", t.w, t.h, t.x0, t.y0));
        }
        if self.x0 != 0 || self.y0 != 0 {
            a.push(format!("-d {},{}", self.x0, self.y0));
        }
        if self.mode != 0 {
            a.push(format!("-M {}", self.mode));
        }
        if self.sop {
            a.push("-SOP".into());
        }
        if self.eph {
            a.push("-EPH".into());
        }
        if self.irreversible {
            a.push("-I".into());
        }
        a.push(format!("-mct {}", u32::from(self.mct)));
        if let Some(tp) = self.tile_parts {
            a.push(format!("-TP {}", tp as char));
        }
        if self.plt {
            a.push("-PLT".into());
        }
        if self.tlm {
            a.push("-TLM".into());
        }
        if let Some(g) = self.guard_bits {
            a.push(format!("-GuardBits {g}"));
        }
        a.join(" ")
    }
}

impl fmt::Display for EncodeParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}x{} offset ({},{}), {} comp(s) of {} bit {}, mct {}, {}, ",
            self.width,
            self.height,
            self.x0,
            self.y0,
            self.components,
            self.precision,
            if self.signed { "signed" } else { "unsigned" },
            self.mct,
            if self.irreversible {
                "9/7 irreversible"
            } else {
                "5/3 reversible"
            },
        )?;
        write!(
            f,
            "{} resolution(s), code-blocks {}x{}, precincts {:?}, {}, layers {:?}, tiles {:?}, \
             mode {:#x}, SOP {}, EPH {}, tile-parts {:?}, PLT {}, TLM {}, guard bits {:?}",
            self.numres,
            self.cblk.0,
            self.cblk.1,
            self.precincts,
            PROGS[self.prog].1,
            self.layers,
            self.tiles,
            self.mode,
            self.sop,
            self.eph,
            self.tile_parts.map(|c| c as char),
            self.plt,
            self.tlm,
            self.guard_bits,
        )?;
        write!(f, "\n    opj_compress {}", self.opj_compress_args())
    }
}

/// The encoder's output stream: a growable buffer with a write position.
#[derive(Default)]
struct Sink {
    data: Vec<u8>,
    pos: usize,
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
    if sink.data.len() < end {
        sink.data.resize(end, 0);
    }
    sink.data[sink.pos..end].copy_from_slice(src);
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

/// Encodes `planes` (one `width * height` plane per component) to a raw J2K codestream.
fn opj_encode(p: &EncodeParams, planes: &[Vec<i32>]) -> Result<Vec<u8>, String> {
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

// ------------------------------------------------------------------------------------------
// OpenJPEG decoder wrapper.
// ------------------------------------------------------------------------------------------

/// One component as OpenJPEG decodes it (`opj_image_comp_t`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct OpjComp {
    w: u32,
    h: u32,
    precision: u32,
    signed: bool,
    data: Vec<i32>,
}

/// OpenJPEG's decoded image.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OpjImage {
    width: u32,
    height: u32,
    /// The main header's COD says MCT.
    mct: bool,
    comps: Vec<OpjComp>,
}

/// Decodes a raw J2K codestream with OpenJPEG (all layers, full resolution, as `opj_decode`
/// with default parameters).
fn opj_decode(cs: &[u8]) -> Result<OpjImage, String> {
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

// ------------------------------------------------------------------------------------------
// Running the native decoder safely, and comparing.
// ------------------------------------------------------------------------------------------

/// What the native decoder did with one codestream.
#[derive(Debug)]
enum NativeRun {
    Done(Result<Image, NativeError>),
    Panicked(String),
    TimedOut,
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// Runs `decode` on its own thread, catching panics, giving up after `timeout` (the thread
/// is then left running; the test fails anyway).
fn run_native(cs: Arc<[u8]>, timeout: Duration) -> (NativeRun, Duration) {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    let spawned = std::thread::Builder::new()
        .name("j2k-native".into())
        .spawn(move || {
            let r = catch_unwind(AssertUnwindSafe(|| decode(&cs)));
            let _ = tx.send(r.map_err(|p| panic_text(&*p)));
        });
    if let Err(e) = spawned {
        panic!("could not start a decoder thread: {e}");
    }
    let run = match rx.recv_timeout(timeout) {
        Ok(Ok(r)) => NativeRun::Done(r),
        Ok(Err(msg)) => NativeRun::Panicked(msg),
        Err(_) => NativeRun::TimedOut,
    };
    (run, start.elapsed())
}

/// Exact comparison of the native result with OpenJPEG's; the error describes every
/// difference (per component: differing samples, max |diff|, first position).
fn compare(native: &Image, reference: &OpjImage) -> Result<(), String> {
    let mut errs = Vec::new();
    if (native.width, native.height) != (reference.width, reference.height) {
        errs.push(format!(
            "size {}x{} (OpenJPEG {}x{})",
            native.width, native.height, reference.width, reference.height
        ));
    }
    if native.components.len() != reference.comps.len() {
        errs.push(format!(
            "{} components (OpenJPEG {})",
            native.components.len(),
            reference.comps.len()
        ));
    }
    if native.mct != reference.mct {
        errs.push(format!("mct {} (OpenJPEG {})", native.mct, reference.mct));
    }
    for (i, (n, r)) in native.components.iter().zip(&reference.comps).enumerate() {
        if n.precision != r.precision || n.signed != r.signed {
            errs.push(format!(
                "component {i}: precision {} signed {} (OpenJPEG {} {})",
                n.precision, n.signed, r.precision, r.signed
            ));
        }
        if n.data.len() != r.data.len() {
            errs.push(format!(
                "component {i}: {} samples (OpenJPEG {} = {}x{})",
                n.data.len(),
                r.data.len(),
                r.w,
                r.h
            ));
            continue;
        }
        let mut count = 0usize;
        let mut max = 0i64;
        let mut first = None;
        for (k, (&a, &b)) in n.data.iter().zip(&r.data).enumerate() {
            if a != b {
                count += 1;
                max = max.max((i64::from(a) - i64::from(b)).abs());
                first.get_or_insert((k, a, b));
            }
        }
        if let Some((k, a, b)) = first {
            let w = r.w.max(1) as usize;
            errs.push(format!(
                "component {i}: {count} of {} samples differ, max |diff| {max}, first at \
                 (x {}, y {}): native {a}, OpenJPEG {b}",
                r.data.len(),
                k % w,
                k / w
            ));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

/// The sample range of a component.
fn sample_range(precision: u32, signed: bool) -> (i64, i64) {
    let p = precision.clamp(1, 38);
    if signed {
        (-(1i64 << (p - 1)), (1i64 << (p - 1)) - 1)
    } else {
        (0, (1i64 << p) - 1)
    }
}

/// Checks that an `Ok` result is internally consistent (sizes, precision range).
fn check_consistent(img: &Image) -> Result<(), String> {
    let n = img.width as usize * img.height as usize;
    for (i, c) in img.components.iter().enumerate() {
        if c.data.len() != n {
            return Err(format!(
                "component {i} has {} samples for a {}x{} image",
                c.data.len(),
                img.width,
                img.height
            ));
        }
        if c.precision == 0 || c.precision > 38 {
            return Err(format!("component {i} has precision {}", c.precision));
        }
        let (lo, hi) = sample_range(c.precision, c.signed);
        if let Some(v) = c
            .data
            .iter()
            .find(|&&v| i64::from(v) < lo || i64::from(v) > hi)
        {
            return Err(format!(
                "component {i} ({} bit, signed {}) has sample {v} outside [{lo}, {hi}]",
                c.precision, c.signed
            ));
        }
    }
    Ok(())
}

fn dump(name: &str, data: &[u8]) -> Option<PathBuf> {
    let dir = std::env::var_os("J2K_DUMP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    std::fs::write(&path, data).ok().map(|_| path)
}

// ------------------------------------------------------------------------------------------
// Image content.
// ------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Content {
    /// A smooth 2-D gradient over the whole range.
    Gradient,
    /// Uniform noise over the whole range.
    Noise,
    /// A gradient plus small noise.
    GradientNoise,
    /// One value everywhere.
    Constant,
    /// All zero.
    Zero,
    /// Random choice of the minimum and maximum per sample.
    Extremes,
    /// Stripes and checkerboards of the minimum, maximum and mid value.
    Pattern,
}

const CONTENTS: [Content; 7] = [
    Content::Gradient,
    Content::Noise,
    Content::GradientNoise,
    Content::Constant,
    Content::Zero,
    Content::Extremes,
    Content::Pattern,
];
const CONTENT_WEIGHTS: [u64; 7] = [25, 18, 22, 8, 7, 10, 10];

fn make_plane(
    content: Content,
    w: u32,
    h: u32,
    precision: u32,
    signed: bool,
    rng: &mut Rng,
) -> Vec<i32> {
    let (lo, hi) = sample_range(precision, signed);
    let span = (hi - lo) as f64;
    let (w, h) = (w as usize, h as usize);
    let mut out = Vec::with_capacity(w * h);
    let clamp = |v: i64| v.clamp(lo, hi) as i32;
    match content {
        Content::Gradient | Content::GradientNoise => {
            let (fx, fy) = (rng.unit() * 2.0 - 1.0, rng.unit() * 2.0 - 1.0);
            let phase = rng.unit() * 6.0;
            let freq = 0.5 + rng.unit() * 3.0;
            let noise = if content == Content::GradientNoise {
                ((hi - lo) / 16).max(1)
            } else {
                0
            };
            for y in 0..h {
                for x in 0..w {
                    let u = x as f64 / w.max(2) as f64;
                    let v = y as f64 / h.max(2) as f64;
                    let t = 0.5 + 0.5 * ((fx * u + fy * v) * freq * 3.0 + phase).sin();
                    let mut s = lo + (t * span).round() as i64;
                    if noise > 0 {
                        s += rng.range(-noise, noise);
                    }
                    out.push(clamp(s));
                }
            }
        }
        Content::Noise => {
            for _ in 0..w * h {
                out.push(rng.range(lo, hi) as i32);
            }
        }
        Content::Constant => {
            let v = rng.range(lo, hi) as i32;
            out.resize(w * h, v);
        }
        Content::Zero => out.resize(w * h, 0),
        Content::Extremes => {
            for _ in 0..w * h {
                out.push(if rng.chance(50) { lo } else { hi } as i32);
            }
        }
        Content::Pattern => {
            let kind = rng.below(3);
            let period = rng.range(1, 4) as usize;
            let mid = lo + (hi - lo) / 2;
            for y in 0..h {
                for x in 0..w {
                    let k = match kind {
                        0 => x / period,
                        1 => y / period,
                        _ => x / period + y / period,
                    };
                    out.push(match k % 3 {
                        0 => lo,
                        1 => hi,
                        _ => mid,
                    } as i32);
                }
            }
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// The parameter sweep.
// ------------------------------------------------------------------------------------------

/// One case of the sweep: encoder parameters and per-component content.
#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    params: EncodeParams,
    contents: Vec<Content>,
}

impl Case {
    fn planes(&self) -> Vec<Vec<i32>> {
        let mut rng = Rng::new(self.seed ^ 0xC0FF_EE00_D15E_A5E5);
        let p = &self.params;
        self.contents
            .iter()
            .map(|&c| make_plane(c, p.width, p.height, p.precision, p.signed, &mut rng))
            .collect()
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "J2K_CASE={}: {}\n    content {:?}",
            self.seed, self.params, self.contents
        )
    }
}

/// Sizes every sweep includes (seed = index).
const FIXED_SIZES: [(u32, u32); 10] = [
    (1, 1),
    (1, 37),
    (41, 1),
    (7, 13),
    (64, 64),
    (65, 63),
    (100, 37),
    (257, 129),
    (512, 512),
    (2, 2),
];

/// Decreasing compression ratios (all lossy, > 1).
fn lossy_rates(rng: &mut Rng, n: usize) -> Vec<f32> {
    let mut r = 6.0 + rng.unit() * 100.0;
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push((r as f32 * 100.0).round() / 100.0);
        r = (r / (1.4 + rng.unit() * 2.5)).max(1.2);
        if v.last().is_some_and(|&l| l <= r as f32) {
            r = f64::from(*v.last().unwrap_or(&2.0)) * 0.8;
        }
    }
    // Strictly decreasing and > 1.
    for i in 1..v.len() {
        if v[i] >= v[i - 1] {
            v[i] = v[i - 1] * 0.8;
        }
    }
    v.iter().map(|&r| r.max(1.01)).collect()
}

/// Increasing PSNR targets.
fn psnr_targets(rng: &mut Rng, n: usize) -> Vec<f32> {
    let mut q = 20.0 + rng.unit() * 15.0;
    (0..n)
        .map(|_| {
            let v = (q as f32).round();
            q += 4.0 + rng.unit() * 10.0;
            v
        })
        .collect()
}

fn gen_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let (width, height) = match FIXED_SIZES.get(seed as usize) {
        Some(&s) => s,
        None => match rng.weighted(&[35, 35, 20, 10]) {
            0 => (rng.range_u32(1, 24), rng.range_u32(1, 24)),
            1 => (rng.range_u32(16, 96), rng.range_u32(16, 96)),
            2 => {
                let (a, b) = (rng.range_u32(1, 4), rng.range_u32(1, 200));
                if rng.chance(50) { (a, b) } else { (b, a) }
            }
            _ => (rng.range_u32(96, 200), rng.range_u32(64, 160)),
        },
    };
    let large = width as u64 * height as u64 >= 128 * 128;
    let (x0, y0) = if rng.chance(25) {
        (rng.range_u32(0, 40), rng.range_u32(0, 40))
    } else {
        (0, 0)
    };
    let components = match rng.weighted(&[55, 40, 3, 2]) {
        0 => 1,
        1 => 3,
        2 => 2,
        _ => 4,
    };
    let precision = match rng.weighted(&[30, 20, 20, 30]) {
        0 => 8,
        1 => 12,
        2 => 16,
        _ => rng.range_u32(1, 16),
    };
    let signed = rng.chance(30);
    let mct = components >= 3 && rng.chance(60);
    let irreversible = rng.chance(40);
    let cblk = if rng.chance(40) {
        (64, 64)
    } else if rng.chance(25) {
        (32, 32)
    } else {
        let min = if large { 5 } else { 2 };
        let we = rng.range_u32(min, 6);
        let he = rng.range_u32(min, (12 - we).min(6));
        (1 << we, 1 << he)
    };
    let tiles = if rng.chance(25) {
        let (gw, gh) = (x0 + width, y0 + height);
        let pick = |rng: &mut Rng, full: u32| -> u32 {
            match rng.weighted(&[10, 50, 40]) {
                0 => rng.range_u32(1, 7),
                1 => rng.range_u32(8, 64),
                _ => rng.range_u32(full.div_ceil(3).max(1), full.max(1)),
            }
        };
        let (mut tw, mut th) = (pick(&mut rng, gw), pick(&mut rng, gh));
        // At most 64 tiles (time).
        while gw.div_ceil(tw) * gh.div_ceil(th) > 64 {
            tw *= 2;
            th *= 2;
        }
        let tx0 = rng.range_u32(x0.saturating_sub(tw - 1), x0);
        let ty0 = rng.range_u32(y0.saturating_sub(th - 1), y0);
        Some(Tiles {
            w: tw,
            h: th,
            x0: tx0,
            y0: ty0,
        })
    } else {
        None
    };
    let mut params = EncodeParams {
        width,
        height,
        x0,
        y0,
        components,
        precision,
        signed,
        mct,
        irreversible,
        numres: if rng.chance(4) {
            rng.range_u32(7, 8)
        } else {
            rng.range_u32(1, 6)
        },
        cblk,
        precincts: Vec::new(),
        prog: rng.below(5) as usize,
        layers: Layers::Rates(vec![0.0]),
        tiles,
        mode: if rng.chance(40) {
            rng.range_u32(1, 63)
        } else {
            0
        },
        sop: rng.chance(20),
        eph: rng.chance(20),
        tile_parts: if rng.chance(15) {
            Some([b'R', b'L', b'C'][rng.below(3) as usize])
        } else {
            None
        },
        plt: rng.chance(10),
        tlm: rng.chance(10),
        guard_bits: if rng.chance(10) {
            Some(rng.range_u32(1, 4))
        } else {
            None
        },
    };
    params.numres = params.numres.min(params.max_numres());
    if rng.chance(30) {
        let n = rng.range_u32(1, params.numres);
        let small = width as u64 * height as u64 <= 1024;
        let lo = if small && rng.chance(20) { 1 } else { 2 };
        // OpenJPEG halves the last size for the resolutions not given; keep the exponents
        // of resolutions above the lowest at 1 or more (0 makes its encoder fail).
        let last_lo = lo.max(params.numres - n).min(10);
        params.precincts = (0..n)
            .map(|i| {
                let lo = if i + 1 == n { last_lo } else { lo };
                let hi = 8.max(lo);
                (1 << rng.range_u32(lo, hi), 1 << rng.range_u32(lo, hi))
            })
            .collect();
    }
    if precision > 12 {
        // OpenJPEG 2.5's encoder corrupts its heap with TERMALL on data of 13 bits or more: its
        // code-block buffer has a fixed slack that the terminated passes of many bit-planes
        // overrun (openjpeg issue #1648; e.g. J2K_CASE=599 (9/7) and 3830 (5/3) before this
        // rule: "free(): invalid next size", "munmap_chunk(): invalid pointer").
        params.mode &= !4;
    }
    if !params.precincts.is_empty() {
        // OpenJPEG 2.5's encoder writes broken packets when tile-parts are combined with
        // custom precincts (its own decoder then fails with "segment too long", or a
        // lossy case decodes but the native decoder rightly finds a truncated packet body):
        // not a valid test, so never both.
        params.tile_parts = None;
    }
    let nl = rng.range(1, 4) as usize;
    params.layers = if irreversible {
        match rng.weighted(&[25, 50, 10, 15]) {
            0 => Layers::Rates(vec![0.0]),
            1 => Layers::Rates(lossy_rates(&mut rng, nl)),
            2 => {
                let mut v = lossy_rates(&mut rng, nl.max(2) - 1);
                v.push(0.0);
                Layers::Rates(v)
            }
            _ => Layers::Psnr(psnr_targets(&mut rng, nl)),
        }
    } else {
        match rng.weighted(&[50, 25, 15, 10]) {
            0 => Layers::Rates(vec![0.0]),
            1 => {
                let mut v = lossy_rates(&mut rng, nl.max(2) - 1);
                v.push(0.0);
                Layers::Rates(v)
            }
            2 => Layers::Rates(lossy_rates(&mut rng, nl)),
            _ => {
                let mut v = psnr_targets(&mut rng, nl);
                if rng.chance(50) {
                    v.push(0.0);
                }
                Layers::Psnr(v)
            }
        }
    };
    let first = CONTENTS[rng.weighted(&CONTENT_WEIGHTS)];
    let same = rng.chance(70);
    let contents = (0..components)
        .map(|i| {
            if i == 0 || same {
                first
            } else {
                CONTENTS[rng.weighted(&CONTENT_WEIGHTS)]
            }
        })
        .collect();
    Case {
        seed,
        params,
        contents,
    }
}

/// Encodes a case, lowering the number of resolutions when OpenJPEG refuses it; returns the
/// codestream and the parameters actually used.
fn encode_case(case: &Case, planes: &[Vec<i32>]) -> Result<(Vec<u8>, EncodeParams), String> {
    let mut p = case.params.clone();
    p.numres = p.numres.min(p.max_numres());
    // OpenJPEG's 9/7 encoder asserts (debug builds abort) on empty resolution levels.
    while p.irreversible && p.numres > 1 && p.has_empty_resolution() {
        p.numres -= 1;
    }
    p.precincts.truncate(p.numres as usize);
    let mut retried_buffer = false;
    loop {
        match opj_encode(&p, planes) {
            Ok(cs) => return Ok((cs, p)),
            Err(e) if e.contains("Number of resolutions is too high") && p.numres > 1 => {
                p.numres -= 1;
                p.precincts.truncate(p.numres as usize);
            }
            // OpenJPEG's output buffer estimate can be too small for incompressible data
            // with small code-blocks and TERMALL: fall back to 64x64 code-blocks without
            // mode switches (the parameters reported are the ones used).
            Err(e) if e.contains("remaining in output buffer") && !retried_buffer => {
                retried_buffer = true;
                p.cblk = (64, 64);
                p.mode = 0;
            }
            // Other encoder limitations (seen with custom precincts and tile-parts, e.g.
            // "opj_t2_encode_packet(): accessing precno=4 >= 4"): drop those features.
            Err(_) if !p.precincts.is_empty() => p.precincts.clear(),
            Err(_) if p.tile_parts.is_some() => p.tile_parts = None,
            Err(e) => return Err(e),
        }
    }
}

/// How one sweep case ended.
enum Outcome {
    /// Identical to OpenJPEG.
    Match,
    Unsupported(&'static str),
    Fail(String),
    /// OpenJPEG's encoder failed or wrote a codestream its decoder rejects: no reference.
    Skipped(String),
}

/// Times, and how often each feature was exercised (from the parameters actually used).
#[derive(Default)]
struct Timing {
    encode: Duration,
    opj: Duration,
    native: Duration,
    slowest_native: (Duration, u64),
    /// Cases whose parameters OpenJPEG made us change (see `encode_case`).
    adjusted: usize,
    /// Lossless cases whose OpenJPEG round trip was checked against the original.
    self_checked: usize,
    coverage: BTreeMap<String, usize>,
}

impl Timing {
    fn cover(&mut self, p: &EncodeParams) {
        let mut f = |k: String| *self.coverage.entry(k).or_default() += 1;
        f(if p.irreversible { "9/7" } else { "5/3" }.into());
        f(format!("{} comp", p.components));
        if p.mct {
            f("mct".into());
        }
        f(format!("prec {}", p.precision));
        if p.signed {
            f("signed".into());
        }
        f(format!("numres {}", p.numres));
        f(format!("cblk {}x{}", p.cblk.0, p.cblk.1));
        if !p.precincts.is_empty() {
            f("precincts".into());
        }
        f(PROGS[p.prog].1.into());
        f(format!("{} layer(s)", p.layers.count()));
        if matches!(p.layers, Layers::Psnr(_)) {
            f("psnr layers".into());
        }
        if !p.lossless() {
            f("lossy".into());
        }
        if p.tiles.is_some() {
            f(format!(
                "tiles ({} per image)",
                if p.tile_rects().len() > 1 {
                    "several"
                } else {
                    "one"
                }
            ));
        }
        if p.x0 != 0 || p.y0 != 0 {
            f("image offset".into());
        }
        for (bit, name) in [
            (1, "BYPASS"),
            (2, "RESET"),
            (4, "TERMALL"),
            (8, "VSC"),
            (16, "PTERM"),
            (32, "SEGSYM"),
        ] {
            if p.mode & bit != 0 {
                f(name.into());
            }
        }
        if p.sop {
            f("SOP".into());
        }
        if p.eph {
            f("EPH".into());
        }
        if let Some(tp) = p.tile_parts {
            f(format!("tile-parts {}", tp as char));
        }
        if p.plt {
            f("PLT".into());
        }
        if p.tlm {
            f("TLM".into());
        }
        if let Some(g) = p.guard_bits {
            f(format!("guard bits {g}"));
        }
        if p.has_empty_resolution() {
            f("empty resolution".into());
        }
    }
}

fn run_case(case: &Case, verbose: bool, timing: &mut Timing) -> Outcome {
    if verbose {
        println!("requested: {case}");
    }
    let planes = case.planes();
    let t = Instant::now();
    let (mut cs, mut used) = match encode_case(case, &planes) {
        Ok(x) => x,
        Err(e) => return Outcome::Skipped(format!("OpenJPEG cannot encode: {e}\n  {case}")),
    };
    // OpenJPEG's tile-part generation sometimes writes codestreams its own decoder rejects
    // ("segment too long", "Expected EPH marker"): encode those without tile-parts.
    if used.tile_parts.is_some() && opj_decode(&cs).is_err() {
        let mut retry = case.clone();
        retry.params = used.clone();
        retry.params.tile_parts = None;
        match encode_case(&retry, &planes) {
            Ok(x) => (cs, used) = x,
            Err(e) => return Outcome::Skipped(format!("OpenJPEG cannot encode: {e}\n  {case}")),
        }
    }
    timing.encode += t.elapsed();
    timing.cover(&used);
    if used != case.params {
        timing.adjusted += 1;
    }
    let shown = Case {
        params: used.clone(),
        ..case.clone()
    };
    if verbose {
        println!("used: {shown}\n    codestream {} bytes", cs.len());
    }
    if (verbose || std::env::var_os("J2K_DUMP_DIR").is_some())
        && let Some(p) = dump(&format!("case_{}.j2k", case.seed), &cs)
    {
        println!("    written to {}", p.display());
    }
    let t = Instant::now();
    let reference = match opj_decode(&cs) {
        Ok(r) => r,
        Err(e) => {
            return Outcome::Skipped(format!(
                "OpenJPEG cannot decode its own codestream: {e}\n  {shown}"
            ));
        }
    };
    timing.opj += t.elapsed();
    if used.round_trips() {
        timing.self_checked += 1;
        // Self-check of the harness: lossless settings give the original samples back.
        let back: Vec<&Vec<i32>> = reference.comps.iter().map(|c| &c.data).collect();
        if back.len() != planes.len() || back.iter().zip(&planes).any(|(a, b)| *a != b) {
            return Outcome::Fail(format!(
                "HARNESS: a lossless encode did not round-trip through OpenJPEG\n  {shown}"
            ));
        }
    }
    let cs: Arc<[u8]> = cs.into();
    let (run, took) = run_native(cs.clone(), NATIVE_TIMEOUT);
    timing.native += took;
    if took > timing.slowest_native.0 {
        timing.slowest_native = (took, case.seed);
    }
    let failed = |what: String| {
        let at = dump(&format!("j2k_native_case_{}.j2k", case.seed), &cs)
            .map(|p| format!("\n    codestream: {}", p.display()))
            .unwrap_or_default();
        Outcome::Fail(format!("{what}\n  {shown}{at}"))
    };
    match run {
        NativeRun::Done(Ok(img)) => match compare(&img, &reference) {
            Ok(()) => Outcome::Match,
            Err(e) => failed(format!(
                "differs from OpenJPEG ({}): {e}",
                if used.lossless() { "lossless" } else { "lossy" }
            )),
        },
        NativeRun::Done(Err(NativeError::Unsupported(r))) => Outcome::Unsupported(r),
        NativeRun::Done(Err(NativeError::Malformed(m))) => {
            failed(format!("Malformed on a valid codestream: {m}"))
        }
        NativeRun::Panicked(m) => failed(format!("panicked: {m}")),
        NativeRun::TimedOut => failed(format!("no result within {NATIVE_TIMEOUT:?}")),
    }
}

/// Parses `J2K_CASE`: `7`, `1,5,9`, `100..120` or a mix (`1,100..120`).
fn parse_seeds(s: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some((a, b)) = part.split_once("..") {
            let a: u64 = a.trim().parse().expect("J2K_CASE range start");
            let b: u64 = b.trim().parse().expect("J2K_CASE range end");
            out.extend(a..b);
        } else {
            out.push(part.parse().expect("J2K_CASE seed"));
        }
    }
    out
}

#[test]
fn sweep_matches_openjpeg() {
    let single = std::env::var("J2K_CASE").ok();
    let seeds: Vec<u64> = match &single {
        Some(s) => parse_seeds(s),
        None => {
            let n = std::env::var("J2K_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(DEFAULT_CASES);
            (0..n).collect()
        }
    };
    let verbose = single.is_some();
    let start = Instant::now();
    let mut timing = Timing::default();
    let mut matched = 0usize;
    let mut lossy_matched = 0usize;
    let mut unsupported: BTreeMap<&'static str, Vec<u64>> = BTreeMap::new();
    let mut failures: Vec<(u64, String)> = Vec::new();
    let mut skipped: Vec<(u64, String)> = Vec::new();
    // OpenJPEG's encoder is built with assertions in debug builds: `J2K_TRACE=1` names each
    // case before it runs, to find a case that aborts the process.
    let trace = std::env::var_os("J2K_TRACE").is_some();
    for &seed in &seeds {
        let case = gen_case(seed);
        if trace {
            eprintln!("J2K_CASE={seed}");
        }
        match run_case(&case, verbose, &mut timing) {
            Outcome::Match => {
                matched += 1;
                if !case.params.lossless() {
                    lossy_matched += 1;
                }
                if verbose {
                    println!("    identical to OpenJPEG");
                }
            }
            Outcome::Unsupported(r) => {
                if verbose {
                    println!("    Unsupported: {r}");
                }
                unsupported.entry(r).or_default().push(seed);
            }
            Outcome::Fail(m) => {
                if verbose {
                    println!("    FAIL: {m}");
                }
                failures.push((seed, m));
            }
            Outcome::Skipped(m) => {
                if verbose {
                    println!("    skipped: {m}");
                }
                skipped.push((seed, m));
            }
        }
    }
    for (_, m) in &skipped {
        println!("  skipped (OpenJPEG encoder problem) {m}");
    }
    let n_unsupported: usize = unsupported.values().map(Vec::len).sum();
    println!(
        "j2k_native sweep: {} cases in {:.1?} (OpenJPEG encode {:.1?}, OpenJPEG decode {:.1?}, \
         native decode {:.1?}, slowest native {:.1?} for J2K_CASE={}): {matched} identical \
         ({lossy_matched} lossy), {n_unsupported} unsupported, {} failed, {} skipped",
        seeds.len(),
        start.elapsed(),
        timing.encode,
        timing.opj,
        timing.native,
        timing.slowest_native.0,
        timing.slowest_native.1,
        failures.len(),
        skipped.len()
    );
    println!(
        "  OpenJPEG self-check: {} lossless cases round-tripped exactly; {} cases had \
         parameters adjusted for OpenJPEG's encoder",
        timing.self_checked, timing.adjusted
    );
    let cov: Vec<String> = timing
        .coverage
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    println!("  coverage: {}", cov.join(", "));
    for (reason, seeds) in &unsupported {
        let shown: Vec<String> = seeds.iter().take(12).map(u64::to_string).collect();
        println!(
            "  Unsupported({reason:?}): {} case(s), e.g. J2K_CASE={}",
            seeds.len(),
            shown.join(",")
        );
    }
    for (_, m) in failures.iter().take(15) {
        println!("  FAIL {m}");
    }
    if failures.len() > 15 {
        println!("  ... and {} more failures", failures.len() - 15);
    }
    let failed_seeds: Vec<String> = failures.iter().map(|(s, _)| s.to_string()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed (J2K_CASE={} reproduces them); first: {}",
        failures.len(),
        seeds.len(),
        failed_seeds.join(","),
        failures[0].1
    );
    // A few cases may lack a reference (OpenJPEG encoder bugs, about 1 in 1000); many
    // means the harness is broken.
    assert!(
        skipped.len() <= 2 + seeds.len() / 100,
        "{} of {} cases had no OpenJPEG reference; first: {}",
        skipped.len(),
        seeds.len(),
        skipped[0].1
    );
    assert_eq!(
        n_unsupported,
        0,
        "the native decoder declined {n_unsupported} of {} cases: {:?}",
        seeds.len(),
        unsupported
            .iter()
            .map(|(r, s)| (r, s.len()))
            .collect::<Vec<_>>()
    );
}

/// The harness itself: lossless settings round-trip exactly through the encoder and
/// decoder wrappers, over many parameter combinations (independent of the native decoder).
#[test]
fn opj_encoder_round_trips_lossless() {
    let mut checked = 0;
    let mut skipped = 0;
    for seed in 0..120u64 {
        let mut case = gen_case(10_000 + seed);
        // Keep this check quick: small images only.
        case.params.width = case.params.width.min(48);
        case.params.height = case.params.height.min(48);
        if let Some(t) = &mut case.params.tiles {
            let (gw, gh) = (
                case.params.x0 + case.params.width,
                case.params.y0 + case.params.height,
            );
            if gw.div_ceil(t.w) * gh.div_ceil(t.h) > 64 {
                case.params.tiles = None;
            }
        }
        case.params.irreversible = false;
        case.params.layers = match &case.params.layers {
            Layers::Rates(v) => {
                let mut v = v.clone();
                if let Some(l) = v.last_mut() {
                    *l = 0.0;
                }
                Layers::Rates(v)
            }
            Layers::Psnr(v) => {
                let mut v = v.clone();
                v.push(0.0);
                Layers::Psnr(v)
            }
        };
        case.params.numres = case.params.numres.min(case.params.max_numres());
        case.params.precincts.truncate(case.params.numres as usize);
        let planes = case.planes();
        let (cs, used) = encode_case(&case, &planes).unwrap_or_else(|e| panic!("{e}\n  {case}"));
        assert!(cs.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]), "SOC SIZ");
        assert!(cs.ends_with(&[0xFF, 0xD9]), "EOC");
        let img = opj_decode(&cs).unwrap_or_else(|e| panic!("{e}\n  {case}"));
        assert_eq!((img.width, img.height), (used.width, used.height), "{case}");
        assert_eq!(img.comps.len(), planes.len(), "{case}");
        if !used.round_trips() {
            skipped += 1;
            continue;
        }
        assert_eq!(
            img.mct,
            used.mct && used.components >= 3,
            "MCT flag in COD\n  {case}"
        );
        for (c, plane) in img.comps.iter().zip(&planes) {
            assert_eq!(
                (c.precision, c.signed),
                (used.precision, used.signed),
                "{case}"
            );
            assert!(c.data == *plane, "lossless round trip differs\n  {case}");
        }
        checked += 1;
    }
    // Lossy settings decode to the right geometry and within the precision's range.
    for seed in 0..40u64 {
        let mut case = gen_case(20_000 + seed);
        case.params.width = case.params.width.min(40);
        case.params.height = case.params.height.min(40);
        case.params.tiles = None;
        case.params.irreversible = true;
        case.params.layers = Layers::Rates(vec![20.0, 5.0]);
        case.params.numres = case.params.numres.min(case.params.max_numres());
        case.params.precincts.truncate(case.params.numres as usize);
        let planes = case.planes();
        let (cs, used) = encode_case(&case, &planes).unwrap_or_else(|e| panic!("{e}\n  {case}"));
        let img = opj_decode(&cs).unwrap_or_else(|e| panic!("{e}\n  {case}"));
        assert_eq!((img.width, img.height), (used.width, used.height));
        let (lo, hi) = sample_range(used.precision, used.signed);
        for c in &img.comps {
            assert_eq!(c.data.len(), (used.width * used.height) as usize);
            assert!(
                c.data.iter().all(|&v| (lo..=hi).contains(&i64::from(v))),
                "{case}"
            );
        }
    }
    println!(
        "harness self-check: {checked} lossless round trips exact ({skipped} skipped: see \
         `EncodeParams::round_trips`)"
    );
    assert!(checked >= 100, "too few cases checked");
}

// ------------------------------------------------------------------------------------------
// Robustness: truncated and corrupted codestreams.
// ------------------------------------------------------------------------------------------

/// A few valid codestreams exercising different header and packet features.
fn robustness_sources() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    let mut add = |name: &'static str, p: EncodeParams, content: Content, seed: u64| {
        let case = Case {
            seed,
            contents: vec![content; p.components as usize],
            params: p,
        };
        let planes = case.planes();
        let (cs, _) = encode_case(&case, &planes).unwrap_or_else(|e| panic!("{e}\n  {case}"));
        out.push((name, cs));
    };

    // 8-bit grey, 3 layers, custom precincts, SOP + EPH, RPCL.
    let mut p = EncodeParams::basic(33, 29, 1, 8, false);
    p.numres = 4;
    p.layers = Layers::Rates(vec![20.0, 5.0, 0.0]);
    p.precincts = vec![(16, 16), (8, 8)];
    p.cblk = (8, 8);
    p.sop = true;
    p.eph = true;
    p.prog = 2;
    add(
        "gray8-layers-precincts-sop-eph",
        p,
        Content::GradientNoise,
        1,
    );

    // 12-bit RGB, ICT (9/7), tiles with offsets, tile-parts per resolution, TLM + PLT.
    let mut p = EncodeParams::basic(30, 22, 3, 12, false);
    p.irreversible = true;
    p.numres = 3;
    p.x0 = 3;
    p.y0 = 5;
    p.tiles = Some(Tiles {
        w: 16,
        h: 16,
        x0: 0,
        y0: 2,
    });
    p.layers = Layers::Rates(vec![12.0, 3.0]);
    p.tile_parts = Some(b'R');
    p.tlm = true;
    p.plt = true;
    p.prog = 4;
    add("rgb12-ict-tiles-tileparts", p, Content::Gradient, 2);

    // 16-bit signed, all code-block style switches, RLCP, 5/3 lossless.
    let mut p = EncodeParams::basic(24, 20, 1, 16, true);
    p.numres = 3;
    p.cblk = (16, 8);
    p.mode = 1 | 2 | 4 | 8 | 16 | 32;
    p.prog = 1;
    p.layers = Layers::Rates(vec![4.0, 0.0]);
    add("s16-all-mode-switches", p, Content::Noise, 3);

    // RGB 8-bit RCT, PCRL, bypass + TERMALL, 4x4 code-blocks.
    let mut p = EncodeParams::basic(17, 11, 3, 8, false);
    p.numres = 2;
    p.cblk = (4, 4);
    p.mode = 1 | 4;
    p.prog = 3;
    add("rgb8-rct-bypass-4x4", p, Content::GradientNoise, 4);

    // A 1-bit image and a 1x1 image.
    add(
        "bilevel",
        EncodeParams::basic(19, 7, 1, 1, false),
        Content::Pattern,
        5,
    );
    add(
        "one-pixel",
        EncodeParams::basic(1, 1, 1, 8, true),
        Content::Constant,
        6,
    );
    out
}

/// Offset of the first SOD marker (end of the main and first tile-part header).
fn first_sod(cs: &[u8]) -> usize {
    cs.windows(2)
        .position(|w| w == [0xFF, 0x93])
        .unwrap_or(cs.len())
}

#[derive(Default)]
struct RobustStats {
    runs: usize,
    ok: usize,
    malformed: usize,
    unsupported: BTreeMap<&'static str, usize>,
    slowest: Duration,
    failures: Vec<String>,
}

impl RobustStats {
    fn run(&mut self, what: impl Fn() -> String, data: Vec<u8>) {
        self.runs += 1;
        let data: Arc<[u8]> = data.into();
        let (run, took) = run_native(data.clone(), NATIVE_TIMEOUT);
        self.slowest = self.slowest.max(took);
        let problem = match run {
            NativeRun::Done(Ok(img)) => {
                self.ok += 1;
                check_consistent(&img)
                    .err()
                    .map(|e| format!("inconsistent Ok image: {e}"))
            }
            NativeRun::Done(Err(NativeError::Malformed(m))) => {
                self.malformed += 1;
                m.trim()
                    .is_empty()
                    .then(|| "Malformed without a message".to_string())
            }
            NativeRun::Done(Err(NativeError::Unsupported(r))) => {
                *self.unsupported.entry(r).or_default() += 1;
                r.trim()
                    .is_empty()
                    .then(|| "Unsupported without a reason".to_string())
            }
            NativeRun::Panicked(m) => Some(format!("panicked: {m}")),
            NativeRun::TimedOut => Some(format!("no result within {NATIVE_TIMEOUT:?}")),
        };
        if let Some(p) = problem {
            let name = format!("j2k_native_robust_{}.j2k", self.failures.len());
            let at = dump(&name, &data)
                .map(|p| format!(" (input written to {})", p.display()))
                .unwrap_or_default();
            self.failures.push(format!("{}: {p}{at}", what()));
        }
    }
}

#[test]
fn robustness_truncation_and_corruption() {
    let start = Instant::now();
    let mut stats = RobustStats::default();
    let mut rng = Rng::new(0x5EED_F00D_BADB_1750);
    for (name, cs) in robustness_sources() {
        let len = cs.len();
        let header = first_sod(&cs);
        // (a) Truncation: every position in the headers, then evenly spread positions.
        let mut cuts: Vec<usize> = (0..=header.min(len)).collect();
        let step = (len / 150).max(1);
        cuts.extend((header..len).step_by(step));
        cuts.push(len.saturating_sub(1));
        cuts.push(len.saturating_sub(2));
        cuts.sort_unstable();
        cuts.dedup();
        for cut in cuts {
            stats.run(
                || format!("{name}: truncated to {cut} of {len} bytes"),
                cs[..cut].to_vec(),
            );
        }
        // (b) Corruption: single bit flips, byte replacements (random, 0x00, 0xFF) and
        // marker-like 0xFF 0x9x pairs, half of them in the headers.
        for k in 0..400 {
            let at = if k % 2 == 0 && header > 0 {
                rng.below(header as u64) as usize
            } else {
                rng.below(len as u64) as usize
            };
            let mut data = cs.clone();
            let desc = match rng.below(5) {
                0 | 1 => {
                    let bit = rng.below(8);
                    data[at] ^= 1 << bit;
                    format!("bit {bit} of byte {at} flipped")
                }
                2 => {
                    let v = rng.below(256) as u8;
                    data[at] = v;
                    format!("byte {at} set to {v:#04x}")
                }
                3 => {
                    let v = if rng.chance(50) { 0x00 } else { 0xFF };
                    data[at] = v;
                    format!("byte {at} set to {v:#04x}")
                }
                _ => {
                    let m = 0x90 + rng.below(16) as u8;
                    data[at] = 0xFF;
                    if at + 1 < len {
                        data[at + 1] = m;
                    }
                    format!("bytes {at}.. set to FF {m:02X}")
                }
            };
            stats.run(|| format!("{name}: {desc}"), data);
        }
        // Several corruptions at once, in the packet data.
        for k in 0..40 {
            let mut data = cs.clone();
            for _ in 0..1 + k % 8 {
                let at = header + rng.below((len - header).max(1) as u64) as usize;
                if at < len {
                    data[at] = rng.below(256) as u8;
                }
            }
            stats.run(|| format!("{name}: multi-byte corruption #{k}"), data);
        }
    }
    // Inputs that are not codestreams at all.
    for (what, data) in [
        ("empty", Vec::new()),
        ("SOC only", vec![0xFF, 0x4F]),
        ("SOC SIZ with no length", vec![0xFF, 0x4F, 0xFF, 0x51]),
        ("zeros", vec![0u8; 64]),
        ("0xFF bytes", vec![0xFFu8; 64]),
    ] {
        stats.run(|| what.to_string(), data);
    }
    println!(
        "j2k_native robustness: {} decodes in {:.1?} (slowest {:.1?}): {} Ok, {} Malformed, \
         Unsupported {:?}, {} problems",
        stats.runs,
        start.elapsed(),
        stats.slowest,
        stats.ok,
        stats.malformed,
        stats.unsupported,
        stats.failures.len()
    );
    for f in stats.failures.iter().take(20) {
        println!("  {f}");
    }
    assert!(
        stats.failures.is_empty(),
        "{} robustness problems; first: {}",
        stats.failures.len(),
        stats.failures[0]
    );
}

// ------------------------------------------------------------------------------------------
// Real files.
// ------------------------------------------------------------------------------------------

/// The contiguous codestream of a JP2 file (`jp2c` box), or the input when it is not JP2.
fn raw_codestream(b: &[u8]) -> &[u8] {
    if !b.starts_with(&[0, 0, 0, 0x0C, b'j', b'P', b' ', b' ']) {
        return b;
    }
    let mut pos = 0usize;
    while pos + 8 <= b.len() {
        let len = u32::from_be_bytes([b[pos], b[pos + 1], b[pos + 2], b[pos + 3]]) as u64;
        let kind = &b[pos + 4..pos + 8];
        let (head, len) = match len {
            1 if pos + 16 <= b.len() => (
                16u64,
                u64::from_be_bytes(b[pos + 8..pos + 16].try_into().expect("8 bytes")),
            ),
            0 => (8, (b.len() - pos) as u64),
            n => (8, n),
        };
        if kind == b"jp2c" {
            let end = (pos as u64 + len).min(b.len() as u64) as usize;
            return &b[(pos + head as usize).min(end)..end];
        }
        if len < head {
            break;
        }
        pos += len as usize;
    }
    b
}

/// Compares the two decoders on one codestream from a file.
#[derive(Default)]
struct FileStats {
    compared: usize,
    identical: usize,
    opj_failed: usize,
    unsupported: BTreeMap<&'static str, Vec<String>>,
    failures: Vec<String>,
}

impl FileStats {
    fn check(&mut self, what: &str, cs: &[u8]) {
        let reference = match opj_decode(cs) {
            Ok(r) => r,
            Err(e) => {
                println!("  {what}: OpenJPEG cannot decode it ({e}); skipped");
                self.opj_failed += 1;
                return;
            }
        };
        self.compared += 1;
        let (run, took) = run_native(cs.into(), NATIVE_TIMEOUT);
        match run {
            NativeRun::Done(Ok(img)) => match compare(&img, &reference) {
                Ok(()) => {
                    self.identical += 1;
                    println!("  {what}: identical ({took:.1?})");
                }
                Err(e) => self.failures.push(format!("{what}: {e}")),
            },
            NativeRun::Done(Err(NativeError::Unsupported(r))) => {
                println!("  {what}: Unsupported({r:?})");
                self.unsupported
                    .entry(r)
                    .or_default()
                    .push(what.to_string());
            }
            NativeRun::Done(Err(NativeError::Malformed(m))) => self
                .failures
                .push(format!("{what}: Malformed({m:?}) but OpenJPEG decodes it")),
            NativeRun::Panicked(m) => self.failures.push(format!("{what}: panicked: {m}")),
            NativeRun::TimedOut => self.failures.push(format!("{what}: timed out")),
        }
    }

    fn finish(self, label: &str) {
        println!(
            "{label}: {} compared, {} identical, {} not decodable by OpenJPEG, unsupported {:?}, \
             {} failed",
            self.compared,
            self.identical,
            self.opj_failed,
            self.unsupported
                .iter()
                .map(|(r, v)| (r, v.len()))
                .collect::<Vec<_>>(),
            self.failures.len()
        );
        for f in &self.failures {
            println!("  FAIL {f}");
        }
        assert!(
            self.failures.is_empty(),
            "{label}: {} file(s) differ; first: {}",
            self.failures.len(),
            self.failures[0]
        );
    }
}

/// All files under `dir` (recursively), sorted.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn corpus_matches_openjpeg() {
    let Some(dir) = std::env::var_os("J2K_CORPUS_DIR") else {
        println!("J2K_CORPUS_DIR not set: corpus comparison skipped");
        return;
    };
    let mut stats = FileStats::default();
    for path in walk(Path::new(&dir)) {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !matches!(ext.as_str(), "j2k" | "j2c" | "jpc" | "jp2c" | "jp2") {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        stats.check(&path.display().to_string(), raw_codestream(&bytes));
    }
    stats.finish("j2k_native corpus");
}

/// Directories with DICOM test files: pydicom's and pydicom-data's in the project's
/// virtual environment, and `J2K_DICOM_DIR`.
fn dicom_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/lib");
    if let Ok(entries) = std::fs::read_dir(&root) {
        for e in entries.flatten() {
            let site = e.path().join("site-packages");
            for sub in ["pydicom/data/test_files", "data_store/data"] {
                let d = site.join(sub);
                if d.is_dir() {
                    dirs.push(d);
                }
            }
        }
    }
    if let Some(d) = std::env::var_os("J2K_DICOM_DIR") {
        dirs.push(PathBuf::from(d));
    }
    dirs
}

#[test]
fn dicom_files_match_openjpeg() {
    use crate::core::Tag;
    use crate::pixel::{PixelDescription, encapsulated_frames, frame_bytes};

    let dirs = dicom_dirs();
    if dirs.is_empty() {
        // Under CI the test command installs pydicom and pydicom-data first.
        assert!(
            std::env::var("CI").is_err(),
            "pydicom's test files are required under CI"
        );
        println!("no DICOM test file directories found: skipped");
        return;
    }
    let mut stats = FileStats::default();
    for path in dirs.iter().flat_map(|d| walk(d)) {
        let Ok(file) = crate::parser::parse_file(&path) else {
            continue;
        };
        let ts = file.transfer_syntax_uid.as_deref().unwrap_or("");
        if !matches!(ts, "1.2.840.10008.1.2.4.90" | "1.2.840.10008.1.2.4.91") {
            continue;
        }
        let ds = &file.dataset;
        let (Ok(desc), Some(elem)) = (PixelDescription::from_dataset(ds), ds.get(Tag::PIXEL_DATA))
        else {
            continue;
        };
        let Ok(frames) = encapsulated_frames(ds, elem, desc.number_of_frames as usize) else {
            println!("  {}: cannot split the frames; skipped", path.display());
            continue;
        };
        // A few frames per file keep the debug-build run short.
        for i in 0..frames.frames.len().min(3) {
            let Ok(bytes) = frame_bytes(ds, elem, &frames, i) else {
                continue;
            };
            let what = format!("{} frame {i}", path.display());
            stats.check(&what, raw_codestream(&bytes));
        }
    }
    stats.finish("j2k_native DICOM files");
}
