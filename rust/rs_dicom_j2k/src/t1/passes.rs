//! The three coding passes of a code-block (ISO/IEC 15444-1 D.3), with the MQ decoder and in
//! bypass mode, over the packed per-column flag words described in the parent module.

use super::mq::{Mq, Raw};
use super::tables::{Contexts, SC};
use super::*;

/// Geometry and state of the block being decoded.
///
/// Invariant (established by [`T1::decode`], relied on by the unchecked accesses):
/// `flags.len() == stride * (h.div_ceil(4) + 2)` with `stride == w + 2`, and
/// `data.len() == w * h`. Passes only visit columns `x < w` of stripes `s < h.div_ceil(4)`
/// and rows `4 * s + ci < h`, so every flag index touched (the column, its two horizontal
/// neighbours and the three words above and below) and every data index is in bounds.
pub(super) struct Block<'a> {
    w: usize,
    h: usize,
    stride: usize,
    data: &'a mut [i32],
    flags: &'a mut [u32],
    zc: &'static [u8; 512],
    vsc: bool,
}

/// Sign context index of row `ci` of a column (see [`SC`]).
#[inline(always)]
pub(super) fn sc_index(f: u32, west: u32, east: u32, ci: u32) -> usize {
    let s = 3 * ci;
    let fs = f >> s;
    let chi_n = if ci == 0 {
        (f >> CHI_ABOVE) & 1
    } else {
        (f >> (CHI_ROW0 + s - 3)) & 1
    };
    let idx = ((fs >> 3) & 1)
        | ((west >> (CHI_ROW0 + s)) & 1) << 1
        | ((fs >> 5) & 1) << 2
        | ((east >> (CHI_ROW0 + s)) & 1) << 3
        | ((fs >> 1) & 1) << 4
        | chi_n << 5
        | ((fs >> 7) & 1) << 6
        | ((f >> (CHI_ROW0 + s + 3)) & 1) << 7;
    idx as usize
}

impl Block<'_> {
    /// Flag word `i` (in bounds by the struct invariant).
    #[inline(always)]
    fn flag(&self, i: usize) -> u32 {
        debug_assert!(i < self.flags.len());
        // SAFETY: see the struct invariant; `i` is a column of a visited stripe or one of its
        // neighbours in the padded flag array.
        unsafe { *self.flags.get_unchecked(i) }
    }

    /// Sets bits in flag word `i`.
    #[inline(always)]
    fn flag_or(&mut self, i: usize, bits: u32) {
        debug_assert!(i < self.flags.len());
        // SAFETY: as in `flag`.
        unsafe { *self.flags.get_unchecked_mut(i) |= bits }
    }

    /// Stores flag word `i`.
    #[inline(always)]
    fn set_flag(&mut self, i: usize, f: u32) {
        debug_assert!(i < self.flags.len());
        // SAFETY: as in `flag`.
        unsafe { *self.flags.get_unchecked_mut(i) = f }
    }

    /// Coefficient `di` (a visited sample: in bounds by the struct invariant).
    #[inline(always)]
    fn coef(&mut self, di: usize) -> &mut i32 {
        debug_assert!(di < self.data.len());
        // SAFETY: `di = (4 * s + ci) * w + x` with `4 * s + ci < h` and `x < w`.
        unsafe { self.data.get_unchecked_mut(di) }
    }

    /// Marks row `ci` of the column at flag index `i` significant with sign `neg`.
    #[inline(always)]
    fn set_significant(&mut self, f: &mut u32, i: usize, ci: u32, neg: u32, stride: usize) {
        let s = 3 * ci;
        *f |= (SIG_SELF | neg << CHI_ROW0) << s;
        self.flag_or(i - 1, (1 << 5) << s);
        self.flag_or(i + 1, (1 << 3) << s);
        if ci == 0 && !self.vsc {
            let n = i - stride;
            self.flag_or(n, 1 << 16 | neg << CHI_BELOW);
            self.flag_or(n - 1, 1 << 17);
            self.flag_or(n + 1, 1 << 15);
        }
        if ci == 3 {
            let so = i + stride;
            self.flag_or(so, 1 << 1 | neg << CHI_ABOVE);
            self.flag_or(so - 1, 1 << 2);
            self.flag_or(so + 1, 1);
        }
    }

    /// Decodes the sign of row `ci` and makes it significant with magnitude `mag`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn decode_sign(
        &mut self,
        mq: &mut Mq,
        ctx: &mut Contexts,
        buf: &[u8],
        f: &mut u32,
        (i, di, ci): (usize, usize, u32),
        mag: i32,
        stride: usize,
    ) {
        let lu = SC[sc_index(*f, self.flag(i - 1), self.flag(i + 1), ci)];
        let neg = mq.decode(ctx, usize::from(lu >> 1), buf) ^ u32::from(lu & 1);
        *self.coef(di) = if neg != 0 { -mag } else { mag };
        self.set_significant(f, i, ci, neg, stride);
    }

    /// One sample of the significance propagation pass.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn sig_step(
        &mut self,
        m: &mut Mq,
        ctx: &mut Contexts,
        buf: &[u8],
        f: &mut u32,
        at: (usize, usize, u32),
        mag: i32,
        stride: usize,
    ) {
        let sh = 3 * at.2;
        let fs = *f >> sh;
        if fs & SIG_NEIGHBOURS != 0 && fs & (SIG_SELF | PI0) == 0 {
            let cx = usize::from(self.zc[(fs & 0x1FF) as usize]);
            if m.decode(ctx, cx, buf) != 0 {
                self.decode_sign(m, ctx, buf, f, at, mag, stride);
            }
            *f |= PI0 << sh;
        }
    }

    /// One sample of the magnitude refinement pass.
    #[inline(always)]
    fn ref_step(
        &mut self,
        m: &mut Mq,
        ctx: &mut Contexts,
        buf: &[u8],
        f: &mut u32,
        (di, ci): (usize, u32),
        poshalf: i32,
    ) {
        let sh = 3 * ci;
        let fs = *f >> sh;
        if fs & (SIG_SELF | PI0) == SIG_SELF {
            let cx = if fs & MU0 != 0 {
                CTX_MR + 2
            } else if fs & SIG_NEIGHBOURS != 0 {
                CTX_MR + 1
            } else {
                CTX_MR
            };
            let bit = m.decode(ctx, cx, buf);
            let v = self.coef(di);
            // The magnitude grows by half a step on a 1, shrinks by it on a 0.
            let up = (bit != 0) ^ (*v < 0);
            *v += if up { poshalf } else { -poshalf };
            *f |= MU0 << sh;
        }
    }

    /// One sample of the cleanup pass outside run-length mode.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn cln_step(
        &mut self,
        m: &mut Mq,
        ctx: &mut Contexts,
        buf: &[u8],
        f: &mut u32,
        at: (usize, usize, u32),
        mag: i32,
        stride: usize,
    ) {
        let fs = *f >> (3 * at.2);
        if fs & (SIG_SELF | PI0) == 0 {
            let cx = usize::from(self.zc[(fs & 0x1FF) as usize]);
            if m.decode(ctx, cx, buf) != 0 {
                self.decode_sign(m, ctx, buf, f, at, mag, stride);
            }
        }
    }

    /// Significance propagation pass (D.3.1) with the MQ decoder; `W` is the block width
    /// when known at compile time (the common 64), else 0.
    #[inline(always)]
    fn sigpass_body<const W: usize>(
        &mut self,
        mq: &mut Mq,
        ctx: &mut Contexts,
        buf: &[u8],
        bpno: u32,
    ) {
        let mut m = *mq;
        let mag = (1i32 << bpno) | (1i32 << bpno >> 1);
        let w = if W == 0 { self.w } else { W };
        let stride = w + 2;
        let full = self.h / 4;
        for s in 0..full {
            let base = (s + 1) * stride + 1;
            let drow = 4 * s * w;
            for x in 0..w {
                let i = base + x;
                let mut f = self.flag(i);
                // Nothing to do without significant neighbours, or when all four samples
                // are significant already (most columns in the low bit-planes).
                if f == 0 || f & SIG4 == SIG4 {
                    continue;
                }
                let d = drow + x;
                self.sig_step(&mut m, ctx, buf, &mut f, (i, d, 0), mag, stride);
                self.sig_step(&mut m, ctx, buf, &mut f, (i, d + w, 1), mag, stride);
                self.sig_step(&mut m, ctx, buf, &mut f, (i, d + 2 * w, 2), mag, stride);
                self.sig_step(&mut m, ctx, buf, &mut f, (i, d + 3 * w, 3), mag, stride);
                self.set_flag(i, f);
            }
        }
        let rows = (self.h % 4) as u32;
        if rows != 0 {
            let base = (full + 1) * stride + 1;
            for x in 0..w {
                let i = base + x;
                let mut f = self.flag(i);
                for ci in 0..rows {
                    let d = (4 * full + ci as usize) * w + x;
                    self.sig_step(&mut m, ctx, buf, &mut f, (i, d, ci), mag, stride);
                }
                self.set_flag(i, f);
            }
        }
        *mq = m;
    }

    /// Magnitude refinement pass (D.3.3) with the MQ decoder.
    #[inline(always)]
    fn refpass_body<const W: usize>(
        &mut self,
        mq: &mut Mq,
        ctx: &mut Contexts,
        buf: &[u8],
        bpno: u32,
    ) {
        let mut m = *mq;
        let poshalf = (1i32 << bpno) >> 1;
        let w = if W == 0 { self.w } else { W };
        let stride = w + 2;
        for s in 0..self.h.div_ceil(4) {
            let rows = (self.h - 4 * s).min(4) as u32;
            let base = (s + 1) * stride + 1;
            let drow = 4 * s * w;
            for x in 0..w {
                let i = base + x;
                let mut f = self.flag(i);
                if f & SIG4 == 0 {
                    continue;
                }
                let d = drow + x;
                if rows == 4 {
                    self.ref_step(&mut m, ctx, buf, &mut f, (d, 0), poshalf);
                    self.ref_step(&mut m, ctx, buf, &mut f, (d + w, 1), poshalf);
                    self.ref_step(&mut m, ctx, buf, &mut f, (d + 2 * w, 2), poshalf);
                    self.ref_step(&mut m, ctx, buf, &mut f, (d + 3 * w, 3), poshalf);
                } else {
                    for ci in 0..rows {
                        self.ref_step(&mut m, ctx, buf, &mut f, (d + ci as usize * w, ci), poshalf);
                    }
                }
                self.set_flag(i, f);
            }
        }
        *mq = m;
    }

    /// Cleanup pass (D.3.4) with run-length mode.
    #[inline(always)]
    fn clnpass_body<const W: usize>(
        &mut self,
        mq: &mut Mq,
        ctx: &mut Contexts,
        buf: &[u8],
        bpno: u32,
    ) {
        let mut m = *mq;
        let mag = (1i32 << bpno) | (1i32 << bpno >> 1);
        let w = if W == 0 { self.w } else { W };
        let stride = w + 2;
        let full = self.h / 4;
        for s in 0..full {
            let base = (s + 1) * stride + 1;
            let drow = 4 * s * w;
            for x in 0..w {
                let i = base + x;
                let mut f = self.flag(i);
                let d = drow + x;
                if f == 0 {
                    // Run-length mode: four insignificant samples with insignificant
                    // neighbourhoods.
                    if m.decode_skewed(ctx, CTX_RL, buf) == 0 {
                        continue;
                    }
                    let run = m.decode_skewed(ctx, CTX_UNI, buf) << 1
                        | m.decode_skewed(ctx, CTX_UNI, buf);
                    let at = (i, d + run as usize * w, run);
                    self.decode_sign(&mut m, ctx, buf, &mut f, at, mag, stride);
                    for ci in run + 1..4 {
                        let at = (i, d + ci as usize * w, ci);
                        self.cln_step(&mut m, ctx, buf, &mut f, at, mag, stride);
                    }
                } else {
                    self.cln_step(&mut m, ctx, buf, &mut f, (i, d, 0), mag, stride);
                    self.cln_step(&mut m, ctx, buf, &mut f, (i, d + w, 1), mag, stride);
                    self.cln_step(&mut m, ctx, buf, &mut f, (i, d + 2 * w, 2), mag, stride);
                    self.cln_step(&mut m, ctx, buf, &mut f, (i, d + 3 * w, 3), mag, stride);
                }
                self.set_flag(i, f & !PI_ALL);
            }
        }
        let rows = (self.h % 4) as u32;
        if rows != 0 {
            let base = (full + 1) * stride + 1;
            for x in 0..w {
                let i = base + x;
                let mut f = self.flag(i);
                for ci in 0..rows {
                    let at = (i, (4 * full + ci as usize) * w + x, ci);
                    self.cln_step(&mut m, ctx, buf, &mut f, at, mag, stride);
                }
                self.set_flag(i, f & !PI_ALL);
            }
        }
        *mq = m;
    }

    /// Significance propagation pass in bypass (raw) mode.
    pub(super) fn sigpass_raw(&mut self, raw: &mut Raw, buf: &[u8], bpno: u32) {
        let oneplushalf = (1i32 << bpno) | (1i32 << bpno >> 1);
        let w = self.w;
        for s in 0..self.h.div_ceil(4) {
            let rows = (self.h - 4 * s).min(4) as u32;
            let base = (s + 1) * self.stride + 1;
            for x in 0..w {
                let i = base + x;
                let mut f = self.flag(i);
                if f == 0 {
                    continue;
                }
                for ci in 0..rows {
                    let fs = f >> (3 * ci);
                    if fs & SIG_NEIGHBOURS != 0 && fs & (SIG_SELF | PI0) == 0 {
                        if raw.decode(buf) != 0 {
                            let neg = raw.decode(buf);
                            let di = (4 * s + ci as usize) * w + x;
                            *self.coef(di) = if neg != 0 { -oneplushalf } else { oneplushalf };
                            self.set_significant(&mut f, i, ci, neg, self.stride);
                        }
                        f |= PI0 << (3 * ci);
                    }
                }
                self.set_flag(i, f);
            }
        }
    }

    /// Magnitude refinement pass in bypass (raw) mode.
    pub(super) fn refpass_raw(&mut self, raw: &mut Raw, buf: &[u8], bpno: u32) {
        let poshalf = (1i32 << bpno) >> 1;
        let w = self.w;
        for s in 0..self.h.div_ceil(4) {
            let rows = (self.h - 4 * s).min(4) as u32;
            let base = (s + 1) * self.stride + 1;
            for x in 0..w {
                let i = base + x;
                let mut f = self.flag(i);
                for ci in 0..rows {
                    if (f >> (3 * ci)) & (SIG_SELF | PI0) == SIG_SELF {
                        let bit = raw.decode(buf);
                        let v = self.coef((4 * s + ci as usize) * w + x);
                        let up = (bit != 0) ^ (*v < 0);
                        *v += if up { poshalf } else { -poshalf };
                        f |= MU0 << (3 * ci);
                    }
                }
                self.set_flag(i, f);
            }
        }
    }
}

/// Block parameters that stay fixed while it is decoded.
#[derive(Clone, Copy)]
pub(super) struct Geom {
    pub(super) w: usize,
    pub(super) h: usize,
    pub(super) zc: &'static [u8; 512],
    pub(super) vsc: bool,
}

impl Geom {
    /// The block's state over `flags` and `data`, built inside each pass so that the compiler
    /// sees the two arrays as the pass's own (unaliased) arguments and keeps everything else
    /// in registers.
    #[inline(always)]
    pub(super) fn block<'a>(self, flags: &'a mut [u32], data: &'a mut [i32]) -> Block<'a> {
        Block {
            w: self.w,
            h: self.h,
            stride: self.w + 2,
            data,
            flags,
            zc: self.zc,
            vsc: self.vsc,
        }
    }
}

/// The MQ passes, one entry point each (see [`Geom::block`]).
#[derive(Clone, Copy)]
pub(super) enum Pass {
    Sig,
    Ref,
    Cln,
}

/// Runs one MQ coding pass, specialised for the common block width of 64 (`W = 64`; other
/// widths run with `W = 0`, the width then read from `g`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn mq_pass_body(
    pass: Pass,
    g: Geom,
    flags: &mut [u32],
    data: &mut [i32],
    mq: &mut Mq,
    ctx: &mut Contexts,
    buf: &[u8],
    bpno: u32,
) {
    let mut b = g.block(flags, data);
    match (pass, g.w == 64) {
        (Pass::Sig, true) => b.sigpass_body::<64>(mq, ctx, buf, bpno),
        (Pass::Sig, false) => b.sigpass_body::<0>(mq, ctx, buf, bpno),
        (Pass::Ref, true) => b.refpass_body::<64>(mq, ctx, buf, bpno),
        (Pass::Ref, false) => b.refpass_body::<0>(mq, ctx, buf, bpno),
        (Pass::Cln, true) => b.clnpass_body::<64>(mq, ctx, buf, bpno),
        (Pass::Cln, false) => b.clnpass_body::<0>(mq, ctx, buf, bpno),
    }
}

/// [`mq_pass_body`] for the baseline instruction set.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub(super) fn mq_pass(
    pass: Pass,
    g: Geom,
    flags: &mut [u32],
    data: &mut [i32],
    mq: &mut Mq,
    ctx: &mut Contexts,
    buf: &[u8],
    bpno: u32,
) {
    mq_pass_body(pass, g, flags, data, mq, ctx, buf, bpno);
}

/// [`mq_pass_body`] compiled for x86-64 CPUs with LZCNT and BMI1/2 (every x86-64 CPU since
/// 2013): renormalisation's leading-zero count becomes one instruction instead of BSR plus a
/// zero fix-up, and the register shifts need no CL, which measured 6-10% on the whole decoder.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "lzcnt,bmi1,bmi2")]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub(super) fn mq_pass_bmi(
    pass: Pass,
    g: Geom,
    flags: &mut [u32],
    data: &mut [i32],
    mq: &mut Mq,
    ctx: &mut Contexts,
    buf: &[u8],
    bpno: u32,
) {
    mq_pass_body(pass, g, flags, data, mq, ctx, buf, bpno);
}

/// Whether [`mq_pass_bmi`] may run on this CPU (std caches the detection).
#[cfg(target_arch = "x86_64")]
pub(super) fn has_bmi() -> bool {
    std::arch::is_x86_feature_detected!("lzcnt")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("bmi2")
}
