//! Tier-1 decoding (ISO/IEC 15444-1 Annex C and D): the MQ arithmetic decoder and the
//! significance propagation, magnitude refinement and cleanup passes of one code-block.
//!
//! The coding state of a column of four samples (one stripe column) lives in one `u32`: the
//! significance of its 3 x 6 neighbourhood, the signs of the column's six rows and the
//! "refined" and "visited" bits of its four samples, laid out so that shifting the word by
//! `3 * row` aligns every row's bits with row 0's. Contexts then come from table lookups.
//!
//! The MQ decoder selects the symbol and the next context state arithmetically instead of
//! branching on the symbol (except for the highly predictable run-length and uniform
//! decisions), and keeps up to 40 bits of look-ahead in a 64-bit register, so it reads bytes
//! once every few symbols rather than testing for a byte on every renormalisation: the
//! symbols it returns are exactly those of the standard's DECODE procedure (C.3.2), so the
//! coefficients equal OpenJPEG's. On x86-64 the passes run in a copy compiled for LZCNT/BMI2
//! when the CPU has them.

use super::NativeError;

/// A codeword segment of a code-block: `len` consecutive bytes of the code-block's data holding
/// `passes` coding passes. Segments follow each other in the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment {
    /// Bytes of the segment.
    pub len: usize,
    /// Coding passes in the segment.
    pub passes: u32,
}

/// What tier-1 needs to know about a code-block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BlockParams {
    /// Width in samples (at most 1024, width * height at most 4096).
    pub width: u32,
    /// Height in samples.
    pub height: u32,
    /// Sub-band orientation: 0 LL, 1 HL, 2 LH, 3 HH.
    pub orientation: u8,
    /// Code-block style byte of COD/COC (SPcod/SPcoc "code-block style").
    pub style: u8,
    /// Bit-planes to decode, OpenJPEG's `cblk->numbps`: the band's `numbps` (exponent + guard
    /// bits - 1) + 1 - the zero bit-planes signalled in the packet header.
    pub numbps: u32,
}

/// Code-block style bits (Table A.19).
const STYLE_BYPASS: u8 = 0x01;
const STYLE_RESET: u8 = 0x02;
const STYLE_VSC: u8 = 0x08;
const STYLE_SEGSYM: u8 = 0x20;

/// Largest code-block area (xcb + ycb <= 12).
const MAX_AREA: usize = 4096;
/// Largest code-block side.
const MAX_SIDE: u32 = 1024;

// Flag word layout. Significance of the neighbourhood: bit 3 * r + c for row r in 0..6
// (rows -1..=4 of the stripe column) and column c (0 west, 1 this, 2 east).
const SIG_SELF: u32 = 1 << 4;
/// The eight neighbours of row 0 (row 0's own bit excluded).
const SIG_NEIGHBOURS: u32 = 0x1EF;
// Per-row state, also at a stride of 3 bits: sign of row r (r = row + 1) at CHI_ROW0 + 3 * row,
// refined (mu) and visited in the significance pass (pi).
const CHI_ABOVE: u32 = 18;
const CHI_ROW0: u32 = 19;
const CHI_BELOW: u32 = 31;
const MU0: u32 = 1 << 20;
const PI0: u32 = 1 << 21;
const PI_ALL: u32 = PI0 | PI0 << 3 | PI0 << 6 | PI0 << 9;
/// All four samples of a column significant.
const SIG4: u32 = SIG_SELF | SIG_SELF << 3 | SIG_SELF << 6 | SIG_SELF << 9;

// Context numbers (Table D.7 order): 0-8 zero coding, 9-13 sign, 14-16 refinement, 17 run
// length, 18 uniform.
const CTX_MR: usize = 14;
const CTX_RL: usize = 17;
const CTX_UNI: usize = 18;
/// Context array length: 19 contexts, padded so that `cx & 31` needs no bounds check.
const CONTEXTS: usize = 32;

/// The MQ coder's probability estimation table (Table C.2): Qe, NMPS, NLPS, SWITCH.
const QE_TABLE: [(u16, u8, u8, u8); 47] = [
    (0x5601, 1, 1, 1),
    (0x3401, 2, 6, 0),
    (0x1801, 3, 9, 0),
    (0x0AC1, 4, 12, 0),
    (0x0521, 5, 29, 0),
    (0x0221, 38, 33, 0),
    (0x5601, 7, 6, 1),
    (0x5401, 8, 14, 0),
    (0x4801, 9, 14, 0),
    (0x3801, 10, 14, 0),
    (0x3001, 11, 17, 0),
    (0x2401, 12, 18, 0),
    (0x1C01, 13, 20, 0),
    (0x1601, 29, 21, 0),
    (0x5601, 15, 14, 1),
    (0x5401, 16, 14, 0),
    (0x5101, 17, 15, 0),
    (0x4801, 18, 16, 0),
    (0x3801, 19, 17, 0),
    (0x3401, 20, 18, 0),
    (0x3001, 21, 19, 0),
    (0x2801, 22, 19, 0),
    (0x2401, 23, 20, 0),
    (0x2201, 24, 21, 0),
    (0x1C01, 25, 22, 0),
    (0x1801, 26, 23, 0),
    (0x1601, 27, 24, 0),
    (0x1401, 28, 25, 0),
    (0x1201, 29, 26, 0),
    (0x1101, 30, 27, 0),
    (0x0AC1, 31, 28, 0),
    (0x09C1, 32, 29, 0),
    (0x08A1, 33, 30, 0),
    (0x0521, 34, 31, 0),
    (0x0441, 35, 32, 0),
    (0x02A1, 36, 33, 0),
    (0x0221, 37, 34, 0),
    (0x0141, 38, 35, 0),
    (0x0111, 39, 36, 0),
    (0x0085, 40, 37, 0),
    (0x0049, 41, 38, 0),
    (0x0025, 42, 39, 0),
    (0x0015, 43, 40, 0),
    (0x0009, 44, 41, 0),
    (0x0005, 45, 42, 0),
    (0x0001, 45, 43, 0),
    (0x5601, 46, 46, 0),
];

/// A context's state as the decoder holds it: Qe in the low 16 bits and `2 * state + mps`
/// above, so that a decision needs one load for its probability, not two.
type Contexts = [u32; CONTEXTS];

/// The packed form of state-and-MPS `index` (`2 * state + mps`).
const fn packed(index: usize) -> u32 {
    QE_TABLE[index / 2].0 as u32 | (index as u32) << 16
}

/// Packed state after a renormalising decision, indexed by `2 * (2 * state + mps) + is_mps`:
/// NMPS after an MPS, NLPS (MPS switched where SWITCH says so) after an LPS. One table indexed
/// by the outcome lets the decoder pick the next state without branching on the symbol;
/// 256 entries so that an 8-bit index needs no bounds check.
const fn build_next() -> [u32; 256] {
    let mut t = [packed(0); 256];
    let mut index = 0;
    while index < 94 {
        let (_, nmps, nlps, switch) = QE_TABLE[index / 2];
        let mps = index & 1;
        t[2 * index] = packed(2 * nlps as usize + (mps ^ switch as usize));
        t[2 * index + 1] = packed(2 * nmps as usize + mps);
        index += 1;
    }
    t
}

static NEXT: [u32; 256] = build_next();

const fn bit(f: usize, b: usize) -> u32 {
    ((f >> b) & 1) as u32
}

/// A neighbour's contribution to a sign context: 0 insignificant, 1 positive, -1 negative.
const fn contrib(i: usize, sig: usize, neg: usize) -> i32 {
    if (i >> sig) & 1 == 0 {
        0
    } else if (i >> neg) & 1 == 1 {
        -1
    } else {
        1
    }
}

/// Zero-coding context of a 3 x 3 neighbourhood (bits as in the flag word's row 0) for each
/// orientation (Table D.1), indexed `orientation << 9 | neighbourhood`.
const fn build_zc() -> [u8; 2048] {
    let mut t = [0u8; 2048];
    let mut orient = 0;
    while orient < 4 {
        let mut f = 0usize;
        while f < 512 {
            let mut h = bit(f, 3) + bit(f, 5);
            let mut v = bit(f, 1) + bit(f, 7);
            let d = bit(f, 0) + bit(f, 2) + bit(f, 6) + bit(f, 8);
            if orient == 1 {
                // HL (horizontally high-pass): the table's roles of H and V swap.
                let t0 = h;
                h = v;
                v = t0;
            }
            let ctx = if orient == 3 {
                let hv = h + v;
                match d {
                    0 => match hv {
                        0 => 0,
                        1 => 1,
                        _ => 2,
                    },
                    1 => match hv {
                        0 => 3,
                        1 => 4,
                        _ => 5,
                    },
                    2 => {
                        if hv == 0 {
                            6
                        } else {
                            7
                        }
                    }
                    _ => 8,
                }
            } else {
                match h {
                    0 => match v {
                        0 => match d {
                            0 => 0,
                            1 => 1,
                            _ => 2,
                        },
                        1 => 3,
                        _ => 4,
                    },
                    1 => {
                        if v > 0 {
                            7
                        } else if d > 0 {
                            6
                        } else {
                            5
                        }
                    }
                    _ => 8,
                }
            };
            t[orient << 9 | f] = ctx;
            f += 1;
        }
        orient += 1;
    }
    t
}

static ZC: [u8; 2048] = build_zc();

/// The 512-entry zero-coding table of an orientation (0..=3).
fn zc_table(orientation: u8) -> &'static [u8; 512] {
    let (chunks, _) = ZC.as_chunks::<512>();
    &chunks[usize::from(orientation & 3)]
}

/// Sign context and XOR bit (Table D.3), `ctx << 1 | xor`, indexed by the neighbours'
/// significance and sign: bit 0 sig W, 1 neg W, 2 sig E, 3 neg E, 4 sig N, 5 neg N, 6 sig S,
/// 7 neg S.
const fn build_sc() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0usize;
    while i < 256 {
        let h = contrib(i, 0, 1) + contrib(i, 2, 3);
        let v = contrib(i, 4, 5) + contrib(i, 6, 7);
        let h = if h > 0 {
            1
        } else if h < 0 {
            -1
        } else {
            0
        };
        let v = if v > 0 {
            1
        } else if v < 0 {
            -1
        } else {
            0
        };
        let (ctx, xor) = match (h, v) {
            (1, 1) => (13, 0),
            (1, 0) => (12, 0),
            (1, _) => (11, 0),
            (0, 1) => (10, 0),
            (0, 0) => (9, 0),
            (0, _) => (10, 1),
            (_, 1) => (11, 1),
            (_, 0) => (12, 1),
            _ => (13, 1),
        };
        t[i] = (ctx << 1 | xor) as u8;
        i += 1;
    }
    t
}

static SC: [u8; 256] = build_sc();

/// Position of the top of C's 16-bit "high" part in the 64-bit register.
const CHIGH: u32 = 48;

/// The MQ decoder's registers (C.3), with look-ahead: `ct` valid bits below `CHIGH`.
#[derive(Clone, Copy)]
struct Mq {
    a: u32,
    c: u64,
    ct: u32,
    /// Index of the last byte consumed in the segment buffer.
    bp: usize,
}

impl Mq {
    /// INITDEC (C.3.5) on a segment. Reads past its end see 0xFF bytes, the marker that makes
    /// the decoders feed 1-bits (as the standard's decoder does there), so the segment is
    /// read in place, without a padded copy.
    #[inline]
    fn new(buf: &[u8]) -> Mq {
        let first = buf.first().copied().unwrap_or(0xFF);
        let mut mq = Mq {
            a: 0x8000,
            c: u64::from(first) << CHIGH,
            ct: 0,
            bp: 0,
        };
        // INITDEC's first BYTEIN, then C <<= 7: here the register simply holds the stream
        // shifted so that seven of its bits have been consumed.
        mq = mq.filled(buf);
        mq.c <<= 7;
        mq.ct -= 7;
        mq
    }

    /// Appends bytes (BYTEIN, C.3.4) until at least 33 bits of look-ahead are held. By value,
    /// so that callers keep the registers in registers.
    #[inline(never)]
    fn filled(mut self, buf: &[u8]) -> Mq {
        while self.ct <= 32 {
            let cur = buf.get(self.bp).copied().unwrap_or(0xFF);
            let next = buf.get(self.bp + 1).copied().unwrap_or(0xFF);
            if cur == 0xFF {
                if next > 0x8F {
                    // A marker (or the end): feed 1-bits without consuming.
                    self.c = self.c.wrapping_add(0xFFu64 << (CHIGH - self.ct - 8));
                    self.ct += 8;
                } else {
                    self.bp += 1;
                    self.c = self
                        .c
                        .wrapping_add(u64::from(next) << (CHIGH - self.ct - 7));
                    self.ct += 7;
                }
            } else {
                self.bp += 1;
                self.c = self
                    .c
                    .wrapping_add(u64::from(next) << (CHIGH - self.ct - 8));
                self.ct += 8;
            }
        }
        self
    }

    /// DECODE (C.3.2): one decision in context `cx`, without branching on the symbol.
    ///
    /// The outcome and the next context state are selected arithmetically: with symbols that
    /// are not highly predictable (significance, sign and refinement decisions) a branch on
    /// them mispredicts often, and this measured 12% faster on the whole decoder than
    /// branching to an early exit for an MPS.
    #[inline(always)]
    fn decode(&mut self, ctx: &mut Contexts, cx: usize, buf: &[u8]) -> u32 {
        let slot = &mut ctx[cx & (CONTEXTS - 1)];
        let e = *slot;
        let qe = e & 0xFFFF;
        let mps = (e >> 16) & 1;
        let a1 = self.a.wrapping_sub(qe);
        let chigh = (self.c >> CHIGH) as u32;
        let lps_region = chigh < qe;
        // Chigh < Qe: LPS_EXCHANGE (A = Qe); otherwise Chigh -= Qe and A stays A - Qe.
        let c1 = if lps_region {
            self.c
        } else {
            self.c - (u64::from(qe) << CHIGH)
        };
        let a2 = if lps_region { qe } else { a1 };
        // MPS when (exchange and A - Qe < Qe) or (no exchange and A - Qe >= Qe).
        let is_mps = lps_region ^ (a1 >= qe);
        // Only an MPS that leaves A >= 0x8000 keeps the state.
        let keep = u32::from(is_mps & (a2 >= 0x8000)).wrapping_neg();
        let next = NEXT[((e >> 15) as usize & 0xFE) | usize::from(is_mps)];
        *slot = (e & keep) | (next & !keep);
        let d = mps ^ u32::from(!is_mps);
        self.renormalise(a2, c1, buf);
        d
    }

    /// DECODE for contexts whose symbols are highly predictable (run-length, uniform): an
    /// MPS without renormalisation, by far their most common case, takes one well-predicted
    /// branch.
    #[inline(always)]
    fn decode_skewed(&mut self, ctx: &mut Contexts, cx: usize, buf: &[u8]) -> u32 {
        let slot = &mut ctx[cx & (CONTEXTS - 1)];
        let e = *slot;
        let qe = e & 0xFFFF;
        let mps = (e >> 16) & 1;
        let a1 = self.a.wrapping_sub(qe);
        let chigh = (self.c >> CHIGH) as u32;
        if (a1 >= 0x8000) & (chigh >= qe) {
            self.a = a1;
            self.c -= u64::from(qe) << CHIGH;
            return mps;
        }
        let lps_region = chigh < qe;
        let c1 = if lps_region {
            self.c
        } else {
            self.c - (u64::from(qe) << CHIGH)
        };
        let a2 = if lps_region { qe } else { a1 };
        let is_mps = lps_region ^ (a1 >= qe);
        // Here A always renormalises (A - Qe < 0x8000, or the exchange set A = Qe).
        *slot = NEXT[((e >> 15) as usize & 0xFE) | usize::from(is_mps)];
        let d = mps ^ u32::from(!is_mps);
        self.renormalise(a2, c1, buf);
        d
    }

    /// RENORMD (C.3.3) all at once (A has 16 significant bits at most), from the interval
    /// `a` and code register `c` of a decision.
    #[inline(always)]
    fn renormalise(&mut self, a: u32, c: u64, buf: &[u8]) {
        let shift = a.leading_zeros() - 16;
        self.a = a << shift;
        self.c = c;
        if self.ct < shift {
            *self = self.filled(buf);
        }
        self.c <<= shift;
        self.ct -= shift;
    }
}

/// The raw (bypass) bit reader of C.1.1 / OpenJPEG's `opj_mqc_raw_decode`.
#[derive(Clone, Copy)]
struct Raw {
    c: u32,
    ct: u32,
    bp: usize,
}

impl Raw {
    #[inline]
    fn decode(&mut self, buf: &[u8]) -> u32 {
        if self.ct == 0 {
            let cur = buf.get(self.bp).copied().unwrap_or(0xFF);
            if self.c == 0xFF {
                if cur > 0x8F {
                    self.c = 0xFF;
                    self.ct = 8;
                } else {
                    self.c = u32::from(cur);
                    self.bp += 1;
                    self.ct = 7;
                }
            } else {
                self.c = u32::from(cur);
                self.bp += 1;
                self.ct = 8;
            }
        }
        self.ct -= 1;
        (self.c >> self.ct) & 1
    }
}

/// Per-thread scratch memory of tier-1 decoding, reused across code-blocks.
#[derive(Debug, Default)]
pub(super) struct T1 {
    data: Vec<i32>,
    flags: Vec<u32>,
}

/// Geometry and state of the block being decoded.
///
/// Invariant (established by [`T1::decode`], relied on by the unchecked accesses):
/// `flags.len() == stride * (h.div_ceil(4) + 2)` with `stride == w + 2`, and
/// `data.len() == w * h`. Passes only visit columns `x < w` of stripes `s < h.div_ceil(4)`
/// and rows `4 * s + ci < h`, so every flag index touched (the column, its two horizontal
/// neighbours and the three words above and below) and every data index is in bounds.
struct Block<'a> {
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
fn sc_index(f: u32, west: u32, east: u32, ci: u32) -> usize {
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
    fn sigpass_raw(&mut self, raw: &mut Raw, buf: &[u8], bpno: u32) {
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
    fn refpass_raw(&mut self, raw: &mut Raw, buf: &[u8], bpno: u32) {
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
struct Geom {
    w: usize,
    h: usize,
    zc: &'static [u8; 512],
    vsc: bool,
}

impl Geom {
    /// The block's state over `flags` and `data`, built inside each pass so that the compiler
    /// sees the two arrays as the pass's own (unaliased) arguments and keeps everything else
    /// in registers.
    #[inline(always)]
    fn block<'a>(self, flags: &'a mut [u32], data: &'a mut [i32]) -> Block<'a> {
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
enum Pass {
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
fn mq_pass(
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
fn mq_pass_bmi(
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
fn has_bmi() -> bool {
    std::arch::is_x86_feature_detected!("lzcnt")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("bmi2")
}

/// Contexts at the start of a code-block and after a reset (Table D.7).
fn initial_contexts() -> Contexts {
    let mut ctx = [packed(0); CONTEXTS];
    ctx[0] = packed(2 * 4);
    ctx[CTX_RL] = packed(2 * 3);
    ctx[CTX_UNI] = packed(2 * 46);
    ctx
}

impl T1 {
    /// Empty scratch.
    pub(super) fn new() -> T1 {
        T1::default()
    }

    /// Decodes one code-block. `data` is the concatenation of its segments (their lengths sum
    /// to `data.len()`). Returns `width * height` values, row-major, in OpenJPEG's convention:
    /// sign-magnitude coefficients with one extra fractional bit (a reversible coefficient is
    /// `v / 2` rounded toward zero, an irreversible one `v as f32 * (0.5 * step)`).
    pub(super) fn decode(
        &mut self,
        data: &[u8],
        segments: &[Segment],
        p: &BlockParams,
    ) -> Result<&[i32], NativeError> {
        let (w, h) = (p.width as usize, p.height as usize);
        if p.width > MAX_SIDE || p.height > MAX_SIDE || w * h > MAX_AREA || p.orientation > 3 {
            return Err(NativeError::Malformed(format!(
                "code-block of {}x{} samples (orientation {}) is not valid",
                p.width, p.height, p.orientation
            )));
        }
        if p.numbps >= 31 {
            return Err(NativeError::Malformed(format!(
                "code-block has {} bit-planes, more than supported",
                p.numbps
            )));
        }
        let stride = w + 2;
        self.data.clear();
        self.data.resize(w * h, 0);
        self.flags.clear();
        self.flags.resize(stride * (h.div_ceil(4) + 2), 0);
        if w == 0 || h == 0 {
            return Ok(&self.data);
        }
        let g = Geom {
            w,
            h,
            zc: zc_table(p.orientation),
            vsc: p.style & STYLE_VSC != 0,
        };
        let (flags, coefs) = (&mut self.flags, &mut self.data);
        #[cfg(target_arch = "x86_64")]
        let bmi = has_bmi();
        let mut ctx = initial_contexts();
        let numbps = p.numbps as i32;
        let mut bpno_plus_one = numbps;
        let mut passtype = 2u32;
        let mut offset = 0usize;
        for seg in segments {
            let end = offset
                .checked_add(seg.len)
                .filter(|&e| e <= data.len())
                .ok_or_else(|| {
                    NativeError::Malformed("code-block segment lengths exceed its data".into())
                })?;
            let buf = &data[offset..end];
            offset = end;
            let raw_segment =
                p.style & STYLE_BYPASS != 0 && bpno_plus_one <= numbps - 4 && passtype < 2;
            let mut mq = Mq::new(buf);
            let mut raw = Raw { c: 0, ct: 0, bp: 0 };
            for _ in 0..seg.passes {
                if bpno_plus_one < 1 {
                    break;
                }
                let bpno = bpno_plus_one as u32;
                let pass = match passtype {
                    0 => Pass::Sig,
                    1 => Pass::Ref,
                    _ => Pass::Cln,
                };
                match (pass, raw_segment) {
                    (Pass::Sig, true) => g.block(flags, coefs).sigpass_raw(&mut raw, buf, bpno),
                    (Pass::Ref, true) => g.block(flags, coefs).refpass_raw(&mut raw, buf, bpno),
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: `bmi` is `has_bmi()`: the CPU has the features `mq_pass_bmi`
                    // is compiled for.
                    _ if bmi => unsafe {
                        mq_pass_bmi(pass, g, flags, coefs, &mut mq, &mut ctx, buf, bpno)
                    },
                    _ => mq_pass(pass, g, flags, coefs, &mut mq, &mut ctx, buf, bpno),
                }
                if let (Pass::Cln, true) = (pass, p.style & STYLE_SEGSYM != 0) {
                    for _ in 0..4 {
                        mq.decode_skewed(&mut ctx, CTX_UNI, buf);
                    }
                }
                if p.style & STYLE_RESET != 0 && !raw_segment {
                    ctx = initial_contexts();
                }
                passtype += 1;
                if passtype == 3 {
                    passtype = 0;
                    bpno_plus_one -= 1;
                }
            }
        }
        Ok(&self.data)
    }
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    /// The 0xFF 0xFF marker OpenJPEG appends to a segment for its decoder.
    const PAD: usize = 2;

    /// A reference MQ decoder written as C.3 describes it (32-bit C, BYTEIN per renormalised
    /// byte), to check the look-ahead decoder symbol by symbol.
    struct RefMq<'a> {
        buf: &'a [u8],
        bp: usize,
        a: u32,
        c: u32,
        ct: u32,
    }

    impl RefMq<'_> {
        fn bytein(&mut self) {
            let next = self.buf[self.bp + 1];
            if self.buf[self.bp] == 0xFF {
                if next > 0x8F {
                    self.c = self.c.wrapping_add(0xFF00);
                    self.ct = 8;
                } else {
                    self.bp += 1;
                    self.c = self.c.wrapping_add(u32::from(next) << 9);
                    self.ct = 7;
                }
            } else {
                self.bp += 1;
                self.c = self.c.wrapping_add(u32::from(next) << 8);
                self.ct = 8;
            }
        }

        fn new(buf: &[u8]) -> RefMq<'_> {
            let mut m = RefMq {
                buf,
                bp: 0,
                a: 0x8000,
                c: if buf.len() > PAD {
                    u32::from(buf[0]) << 16
                } else {
                    0xFF << 16
                },
                ct: 0,
            };
            m.bytein();
            m.c <<= 7;
            m.ct -= 7;
            m
        }

        fn decode(&mut self, ctx: &mut [u8; CONTEXTS], cx: usize) -> u32 {
            let st = ctx[cx] as usize;
            let (qe, nmps, nlps, switch) = QE_TABLE[st >> 1];
            let qe = u32::from(qe);
            let mps = (st & 1) as u32;
            let d;
            self.a -= qe;
            let mut renorm = true;
            if (self.c >> 16) < qe {
                if self.a < qe {
                    d = mps;
                    ctx[cx] = 2 * nmps + mps as u8;
                } else {
                    d = 1 - mps;
                    ctx[cx] = 2 * nlps + (mps as u8 ^ switch);
                }
                self.a = qe;
            } else {
                self.c = self.c.wrapping_sub(qe << 16);
                if self.a & 0x8000 == 0 {
                    if self.a < qe {
                        d = 1 - mps;
                        ctx[cx] = 2 * nlps + (mps as u8 ^ switch);
                    } else {
                        d = mps;
                        ctx[cx] = 2 * nmps + mps as u8;
                    }
                } else {
                    d = mps;
                    renorm = false;
                }
            }
            if renorm {
                loop {
                    if self.ct == 0 {
                        self.bytein();
                    }
                    self.a <<= 1;
                    self.c <<= 1;
                    self.ct -= 1;
                    if self.a >= 0x8000 {
                        break;
                    }
                }
            }
            d
        }
    }

    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn lookahead_decoder_matches_the_reference_decoder() {
        let mut seed = 0x1234_5678_9ABC_DEF1u64;
        for case in 0..300 {
            let len = (xorshift(&mut seed) % 200) as usize;
            let mut buf: Vec<u8> = (0..len)
                .map(|_| {
                    let r = xorshift(&mut seed);
                    // Plenty of 0xFF bytes, some followed by marker-like bytes.
                    if r.is_multiple_of(7) {
                        0xFF
                    } else {
                        (r >> 8) as u8
                    }
                })
                .collect();
            let seg = buf.clone();
            // The reference reads a copy padded with the 0xFF 0xFF marker, as OpenJPEG does;
            // the decoder reads the bare segment.
            buf.extend_from_slice(&[0xFF; PAD]);
            let mut fast = Mq::new(&seg);
            let mut reference = RefMq::new(&buf);
            let mut ctx_a = initial_contexts();
            let mut ctx_b: [u8; CONTEXTS] = initial_contexts().map(|e| (e >> 16) as u8);
            for n in 0..(8 * len + 64) {
                let cx = (xorshift(&mut seed) % CONTEXTS as u64) as usize;
                let a = if n.is_multiple_of(3) {
                    fast.decode_skewed(&mut ctx_a, cx, &seg)
                } else {
                    fast.decode(&mut ctx_a, cx, &seg)
                };
                let b = reference.decode(&mut ctx_b, cx);
                assert_eq!(a, b, "case {case}, symbol {n}");
                assert_eq!(
                    ctx_a.map(|e| (e >> 16) as u8),
                    ctx_b,
                    "case {case}, symbol {n}"
                );
                assert_eq!(fast.a, reference.a);
            }
        }
    }

    #[test]
    fn context_tables_follow_the_standard() {
        // LL, no neighbours: context 0; two horizontal neighbours: 8.
        assert_eq!(ZC[0], 0);
        assert_eq!(ZC[1 << 3 | 1 << 5], 8);
        // HL swaps the roles: two vertical neighbours give 8 there, 4 in LL.
        assert_eq!(ZC[1 << 9 | 1 << 1 | 1 << 7], 8);
        assert_eq!(ZC[1 << 1 | 1 << 7], 4);
        // HH: three diagonals give 8.
        assert_eq!(ZC[3 << 9 | 1 | 1 << 2 | 1 << 6], 8);
        // Sign: no neighbours → context 9, no flip; one negative west → 12 flipped.
        assert_eq!(SC[0], 9 << 1);
        assert_eq!(SC[0b11], 12 << 1 | 1);
        // Positive north and negative south cancel: V = 0 → with H = 0 context 9.
        assert_eq!(SC[1 << 4 | 1 << 6 | 1 << 7], 9 << 1);
    }

    #[test]
    fn invalid_blocks_are_rejected_and_empty_ones_are_zero() {
        let mut t1 = T1::new();
        let p = BlockParams {
            width: 2048,
            height: 2,
            orientation: 0,
            style: 0,
            numbps: 4,
        };
        assert!(t1.decode(&[], &[], &p).is_err());
        let p = BlockParams {
            width: 5,
            height: 3,
            numbps: 40,
            ..p
        };
        assert!(t1.decode(&[], &[], &p).is_err());
        let p = BlockParams { numbps: 6, ..p };
        let seg = [Segment { len: 0, passes: 3 }];
        let out = t1.decode(&[], &seg, &p).expect("empty data decodes");
        assert_eq!(out.len(), 15);
        let seg = [Segment { len: 9, passes: 1 }];
        assert!(t1.decode(&[1, 2], &seg, &p).is_err());
    }
}
