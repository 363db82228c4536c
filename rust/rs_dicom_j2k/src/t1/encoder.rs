//! Tier-1 encoding of a code-block (ISO/IEC 15444-1 Annex D, no code-block style options):
//! the significance propagation, magnitude refinement and cleanup passes over the bit-planes
//! of its magnitudes, through the MQ encoder, into one codeword segment.
//!
//! The flag words are the decoder's (see the parent module): the same neighbourhood layout
//! gives the same contexts, by the same table lookups. The magnitudes are stored stripe
//! column by stripe column (the four samples of a column next to each other) with the sign in
//! bit 31, so that a pass reads the block in the order it codes it.
//!
//! Coding runs in two stages. The passes never need the MQ coder's state, so they first list
//! every decision of every pass as a (context, bit) byte, without branching on the data: a
//! decision is written whether it is coded or not and the list grows only when it is, and the
//! neighbours learn of new significance once per column. The MQ encoder then codes the list
//! in one tight loop. Runs of run-length decisions 0 (the columns of an empty area, in
//! every bit-plane) are listed as one entry ([`ZEROS`]) each. Interleaved, the two mispredicted the passes' data-dependent branches
//! (is this sample coded, did it become significant) and spilled the coder's registers.

mod passes;

use super::column::*;
pub(crate) use super::distortion::PassPoint;
pub(super) use super::mq_enc::ZEROS;
use super::tables::{SC, zc_table};
use super::*;

/// Columns a pass takes at once (by a mask of the columns to visit).
const SKIP: usize = 64;
/// Decisions a column may add in one bit-plane, at most: a run-length and two uniform ones,
/// then a zero-coding and a sign decision per sample.
const PER_COLUMN: usize = 11;

/// What coding a code-block gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct CodedBlock {
    /// Bytes of its segment (0 when every coefficient is 0).
    pub(crate) len: usize,
    /// Coding passes in the segment: 3 per bit-plane but the first, which has only cleanup.
    pub(crate) passes: u32,
    /// Magnitude bit-planes (from the most significant non-zero one down to 0).
    pub(crate) numbps: u32,
}

/// Per-thread scratch memory of tier-1 encoding, reused across code-blocks.
#[derive(Default)]
pub(crate) struct T1Encoder {
    flags: Vec<u32>,
    mags: Vec<u32>,
    /// Per stripe column, the OR of its four magnitudes (see [`Block::cols`]).
    cols: Vec<u32>,
    /// The decisions of the block's passes, `context | bit << 7` (only grown: each block
    /// writes before it reads).
    syms: Vec<u8>,
    /// The segment being coded, after INITENC's dummy byte (only grown, as `syms`).
    seg: Vec<u8>,
}

/// The block being coded: its geometry, the flag words, the magnitudes and the decisions.
struct Block<'a> {
    w: usize,
    h: usize,
    stride: usize,
    flags: &'a mut [u32],
    mags: &'a [u32],
    /// Per stripe column (`s * w + x`), the OR of its magnitudes: whether any of its
    /// samples has a 1 in a bit-plane, for the cleanup pass's run-length columns.
    cols: &'a [u32],
    zc: &'static [u8; 512],
    syms: &'a mut [u8],
    /// Decisions listed so far.
    n: usize,
}

impl T1Encoder {
    /// Codes the `w x h` block whose rows start `stride` samples apart in `src` (integer
    /// coefficients of sub-band orientation 0 LL, 1 HL, 2 LH, 3 HH), appending its segment
    /// to `out`. Blocks are at most 1024 on a side and 4096 samples (the caller's checks).
    pub(crate) fn encode(
        &mut self,
        src: &[i32],
        stride: usize,
        w: usize,
        h: usize,
        orientation: u8,
        out: &mut Vec<u8>,
    ) -> CodedBlock {
        self.encode_inner((src, stride, w, h), orientation, out, None)
    }

    /// The number of samples of the `w x h` block at `src` (rows `stride` apart) whose
    /// magnitude's top bit is bit `p`, for each `p`.
    pub(crate) fn top_bits(src: &[i32], stride: usize, w: usize, h: usize) -> [u32; 32] {
        let mut hist = [0u32; 33];
        for row in src.chunks(stride).take(h) {
            for &v in &row[..w.min(row.len())] {
                hist[v.unsigned_abs().leading_zeros() as usize] += 1;
            }
        }
        let mut out = [0u32; 32];
        for (p, o) in out.iter_mut().enumerate() {
            *o = hist[31 - p];
        }
        out
    }

    /// As [`T1Encoder::encode`] but coding only the top `planes` bit-planes (rate
    /// allocation will cut the rest), also listing each pass's truncation point in `points`
    /// (cleared first): the segment's length if cut after it and the cumulative squared
    /// error it removes, in units of the quantisation step squared.
    pub(crate) fn encode_rd(
        &mut self,
        (src, stride, w, h): (&[i32], usize, usize, usize),
        orientation: u8,
        planes: u32,
        out: &mut Vec<u8>,
        points: &mut Vec<PassPoint>,
    ) -> CodedBlock {
        points.clear();
        self.encode_inner(
            (src, stride, w, h),
            orientation,
            out,
            Some((planes, points)),
        )
    }

    fn encode_inner(
        &mut self,
        (src, stride, w, h): (&[i32], usize, usize, usize),
        orientation: u8,
        out: &mut Vec<u8>,
        points: Option<(u32, &mut Vec<PassPoint>)>,
    ) -> CodedBlock {
        if w == 0 || h == 0 {
            return CodedBlock::default();
        }
        let stripes = h.div_ceil(4);
        self.mags.clear();
        self.mags.resize(stripes * w * 4, 0);
        let mut all = 0u32;
        for (y, row) in src.chunks(stride).take(h).enumerate() {
            let (s, ci) = (y / 4, y % 4);
            let dst = &mut self.mags[s * w * 4..(s + 1) * w * 4];
            for (d, &v) in dst.chunks_exact_mut(4).zip(&row[..w]) {
                let m = v.unsigned_abs();
                all |= m;
                d[ci] = m | (v as u32 & 0x8000_0000);
            }
        }
        let numbps = 32 - all.leading_zeros();
        if numbps == 0 {
            return CodedBlock::default();
        }
        self.cols.clear();
        self.cols.extend(
            self.mags
                .chunks_exact(4)
                .map(|q| (q[0] | q[1] | q[2] | q[3]) & 0x7FFF_FFFF),
        );
        let planes = points.as_ref().map_or(numbps, |p| p.0.clamp(1, numbps));
        self.flags.clear();
        self.flags.resize((w + 2) * (stripes + 2), 0);
        // Room for every decision, plus one slot that an uncoded decision may write past the
        // last coded one.
        let need = PER_COLUMN * stripes * w * planes as usize + 1;
        if self.syms.len() < need {
            self.syms.resize(need, 0);
        }
        let g = Geom {
            w,
            h,
            zc: zc_table(orientation),
        };
        let (flags, syms) = (&mut self.flags[..], &mut self.syms[..]);
        let mags = (&self.mags[..], &self.cols[..]);
        let mut ends = [0usize; 3 * 32];
        let mut n = run(Pass::Cleanup, g, flags, mags, syms, 0, numbps - 1);
        ends[0] = n;
        for bp in (numbps - planes..numbps - 1).rev() {
            let k = 3 * (numbps - 1 - bp) as usize;
            n = run(Pass::Significance, g, flags, mags, syms, n, bp);
            ends[k - 2] = n;
            n = run(Pass::Refinement, g, flags, mags, syms, n, bp);
            ends[k - 1] = n;
            n = run(Pass::Cleanup, g, flags, mags, syms, n, bp);
            ends[k] = n;
        }
        let passes = 3 * planes - 2;
        let len = match points {
            None => super::mq_enc::code(&self.syms[..n], &[], &mut self.seg, &mut Vec::new()),
            Some((_, points)) => {
                let ends = &ends[..passes as usize];
                let mut marks = Vec::with_capacity(ends.len());
                let len = super::mq_enc::code(&self.syms[..n], ends, &mut self.seg, &mut marks);
                let syms = &self.syms[..n];
                let dist =
                    super::distortion::pass_reductions(&self.mags, numbps, planes, syms, ends);
                super::distortion::points(&marks, &dist, &self.seg[1..=len], points);
                len
            }
        };
        out.extend_from_slice(&self.seg[1..=len]);
        CodedBlock {
            len,
            passes,
            numbps,
        }
    }
}

/// Block parameters fixed while it is coded.
#[derive(Clone, Copy)]
struct Geom {
    w: usize,
    h: usize,
    zc: &'static [u8; 512],
}

/// The coding passes.
#[derive(Clone, Copy)]
enum Pass {
    Significance,
    Refinement,
    Cleanup,
}

/// Lists the decisions of pass `pass` at bit-plane `bp` after the `n` listed so far,
/// returning the new count.
#[inline(never)]
fn run(
    pass: Pass,
    g: Geom,
    flags: &mut [u32],
    mags: (&[u32], &[u32]),
    syms: &mut [u8],
    n: usize,
    bp: u32,
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if super::passes::has_bmi()
        && std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("popcnt")
    {
        // SAFETY: the CPU has the features `run_bmi` is compiled for.
        return unsafe { run_bmi(pass, g, flags, mags, syms, n, bp) };
    }
    run_body(pass, g, flags, mags, syms, n, bp)
}

/// [`run_body`] compiled for x86-64 CPUs with LZCNT, BMI1/2, POPCNT and AVX2: variable
/// shifts without the CL register (fewer moves in these register-starved loops), TZCNT,
/// ANDN, wider vectors for the column setup (measured ~2-3% of the encoder's CPU time).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "lzcnt,bmi1,bmi2,avx2,popcnt")]
#[inline(never)]
unsafe fn run_bmi(
    pass: Pass,
    g: Geom,
    flags: &mut [u32],
    mags: (&[u32], &[u32]),
    syms: &mut [u8],
    n: usize,
    bp: u32,
) -> usize {
    run_body(pass, g, flags, mags, syms, n, bp)
}

/// The body of [`run`]. The block's state is built here from the arguments, so that the
/// compiler sees the arrays as unaliased and keeps the count and the pointers in registers
/// (as fields behind `&mut`, they were reloaded after every store).
#[inline(always)]
fn run_body(
    pass: Pass,
    g: Geom,
    flags: &mut [u32],
    mags: (&[u32], &[u32]),
    syms: &mut [u8],
    n: usize,
    bp: u32,
) -> usize {
    let mut b = Block {
        w: g.w,
        h: g.h,
        stride: g.w + 2,
        flags,
        mags: mags.0,
        cols: mags.1,
        zc: g.zc,
        syms,
        n,
    };
    match pass {
        Pass::Significance => b.significance(bp),
        Pass::Refinement => b.refinement(bp),
        Pass::Cleanup => b.cleanup(bp),
    }
    b.n
}

impl Block<'_> {
    /// Flag word `i`.
    ///
    /// The passes index without bounds checks (measured 10% faster), sound by what
    /// `T1Encoder::encode` sets up: `flags.len() == stride * (stripes + 2)` with `stride ==
    /// w + 2` and `mags.len() == 4 * w * stripes`; the passes visit columns `x < w` of
    /// stripes `s < stripes` only, so the flag words touched (the column's, its two
    /// horizontal neighbours' and the three above and below) and the magnitudes are in bounds.
    #[inline(always)]
    fn flag(&self, i: usize) -> u32 {
        debug_assert!(i < self.flags.len());
        // SAFETY: see above.
        unsafe { *self.flags.get_unchecked(i) }
    }

    /// Sets bits of flag word `i`.
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

    /// Magnitude word `k`.
    #[inline(always)]
    fn mag(&self, k: usize) -> u32 {
        debug_assert!(k < self.mags.len());
        // SAFETY: as in `flag`.
        unsafe { *self.mags.get_unchecked(k) }
    }

    /// The OR of the magnitudes of stripe column `k` (`s * w + x`).
    #[inline(always)]
    fn col(&self, k: usize) -> u32 {
        debug_assert!(k < self.cols.len());
        // SAFETY: as in `flag` (`cols.len() == w * stripes`).
        unsafe { *self.cols.get_unchecked(k) }
    }

    /// Lists `k` (at most [`SKIP`]) run-length decisions 0, for columns skipped, as one
    /// [`ZEROS`] entry (none for 0).
    #[inline(always)]
    fn put_zeros(&mut self, k: usize) {
        debug_assert!(k <= SKIP);
        self.put(
            ZEROS | (k as u32).wrapping_sub(1) & 0x3F,
            0,
            u32::from(k != 0),
        );
    }

    /// The four magnitude words of the stripe column starting at `k` (a multiple of 4).
    #[inline(always)]
    fn column(&self, k: usize) -> [u32; 4] {
        debug_assert!(k + 4 <= self.mags.len());
        // SAFETY: as in `flag`.
        unsafe {
            [
                *self.mags.get_unchecked(k),
                *self.mags.get_unchecked(k + 1),
                *self.mags.get_unchecked(k + 2),
                *self.mags.get_unchecked(k + 3),
            ]
        }
    }

    /// Lists decision `bit` in context `cx`, kept only when `keep` is 1.
    ///
    /// Unchecked (a check per decision, kept or not, measured ~4% of the instructions):
    /// `encode` sizes `syms` for `PER_COLUMN` decisions per column and bit-plane plus one
    /// slot, and a pass lists at most `PER_COLUMN` per column it visits (see the passes),
    /// so `n` stays below `syms.len()`.
    #[inline(always)]
    fn put(&mut self, cx: u32, bit: u32, keep: u32) {
        debug_assert!(self.n < self.syms.len());
        // SAFETY: see above.
        unsafe { *self.syms.get_unchecked_mut(self.n) = (cx | bit << 7) as u8 };
        self.n += keep as usize;
    }

    /// Tells the neighbours of the column at flag index `i` which of its samples became
    /// significant: `new` has `SIG_SELF << 3 * row` for each, `f` the column's word with
    /// their signs.
    #[inline(always)]
    fn spread(&mut self, i: usize, f: u32, new: u32) {
        if new == 0 {
            return;
        }
        self.flag_or(i - 1, as_east_of(new));
        self.flag_or(i + 1, as_west_of(new));
        let top = (new >> 4) & 1;
        let n = i - self.stride;
        self.flag_or(n, (1 << 16 | ((f >> CHI_ROW0) & 1) << CHI_BELOW) * top);
        self.flag_or(n - 1, (1 << 17) * top);
        self.flag_or(n + 1, (1 << 15) * top);
        let bottom = (new >> 13) & 1;
        let so = i + self.stride;
        self.flag_or(
            so,
            (1 << 1 | ((f >> (CHI_ROW0 + 9)) & 1) << CHI_ABOVE) * bottom,
        );
        self.flag_or(so - 1, (1 << 2) * bottom);
        self.flag_or(so + 1, bottom);
    }

    /// Zero coding of row `ci` of the column at flag index `i` (magnitude word `m`) when
    /// `elig` is 1, listing its bit; a sample that becomes significant also gets its sign
    /// and its flags in `f`. `zc_keep` (0 or 1) lists the zero-coding decision itself (0 for
    /// the sample a run-length decision already located). Returns 1 if the sample became
    /// significant.
    #[inline(always)]
    fn zero_coding(
        &mut self,
        f: &mut u32,
        (i, ci): (usize, u32),
        m: u32,
        bp: u32,
        elig: u32,
        zc_keep: u32,
    ) -> u32 {
        let s = 3 * ci;
        let fs = *f >> s;
        let bit = (m >> bp) & 1;
        self.put(
            u32::from(self.zc[(fs & 0x1FF) as usize]),
            bit,
            elig & zc_keep,
        );
        let sig = elig & bit;
        let lu = u32::from(SC[sign_index(*f, self.flag(i - 1), self.flag(i + 1), ci)]);
        let neg = m >> 31;
        self.put(lu >> 1, neg ^ (lu & 1), sig);
        *f |= ((SIG_SELF | neg << CHI_ROW0) * sig) << s;
        sig
    }
}
