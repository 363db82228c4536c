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

mod column;
mod distortion;
// Unchecked indexing in the passes, as in `passes` (see `encoder::Block::flag`).
#[allow(unsafe_code)]
mod encoder;
mod mq;
// The decision coder runs in a copy compiled for LZCNT/BMI2 when the CPU has them.
#[allow(unsafe_code)]
mod mq_enc;
// The passes index the flag and coefficient arrays unchecked (see `Block`), sound by the
// invariant `T1::decode` establishes: with bounds checks the whole decoder is ~5% slower.
#[allow(unsafe_code)]
mod passes;
mod tables;
#[cfg(test)]
mod tests;

use crate::Error;
pub(crate) use encoder::{CodedBlock, PassPoint, T1Encoder};
use mq::{Mq, Raw};
use passes::{Geom, Pass, mq_pass};
#[cfg(target_arch = "x86_64")]
use passes::{has_bmi, mq_pass_bmi};
use tables::{initial_contexts, zc_table};

/// A codeword segment of a code-block: `len` consecutive bytes of the code-block's data holding
/// `passes` coding passes. Segments follow each other in the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    /// Bytes of the segment.
    pub len: usize,
    /// Coding passes in the segment.
    pub passes: u32,
}

/// What tier-1 needs to know about a code-block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockParams {
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

/// Per-thread scratch memory of tier-1 decoding, reused across code-blocks.
#[derive(Debug, Default)]
pub(crate) struct T1 {
    data: Vec<i32>,
    flags: Vec<u32>,
}

impl T1 {
    /// Empty scratch.
    pub(crate) fn new() -> T1 {
        T1::default()
    }

    /// Decodes one code-block. `data` is the concatenation of its segments (their lengths sum
    /// to `data.len()`). Returns `width * height` values, row-major, in OpenJPEG's convention:
    /// sign-magnitude coefficients with one extra fractional bit (a reversible coefficient is
    /// `v / 2` rounded toward zero, an irreversible one `v as f32 * (0.5 * step)`).
    // The passes compiled for LZCNT/BMI2 are `unsafe` target-feature functions.
    #[allow(unsafe_code)]
    pub(crate) fn decode(
        &mut self,
        data: &[u8],
        segments: &[Segment],
        p: &BlockParams,
    ) -> Result<&[i32], Error> {
        let (w, h) = (p.width as usize, p.height as usize);
        if p.width > MAX_SIDE || p.height > MAX_SIDE || w * h > MAX_AREA || p.orientation > 3 {
            return Err(Error::malformed(format!(
                "code-block of {}x{} samples (orientation {}) is not valid",
                p.width, p.height, p.orientation
            )));
        }
        if p.numbps >= 31 {
            return Err(Error::malformed(format!(
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
                .ok_or_else(|| Error::malformed("code-block segment lengths exceed its data"))?;
            let buf = &data[offset..end];
            offset = end;
            let raw_segment =
                p.style & STYLE_BYPASS != 0 && bpno_plus_one <= numbps - 4 && passtype < 2;
            let mut mq = Mq::new(buf);
            let mut raw = Raw::default();
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
