//! The MQ arithmetic decoder (ISO/IEC 15444-1 C.3) with 64-bit look-ahead, and the raw
//! (bypass) bit reader.

use super::CONTEXTS;
use super::tables::{Contexts, NEXT};

/// Position of the top of C's 16-bit "high" part in the 64-bit register.
const CHIGH: u32 = 48;

/// The MQ decoder's registers (C.3), with look-ahead: `ct` valid bits below `CHIGH`.
#[derive(Clone, Copy)]
pub(super) struct Mq {
    pub(super) a: u32,
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
    pub(super) fn new(buf: &[u8]) -> Mq {
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
    pub(super) fn decode(&mut self, ctx: &mut Contexts, cx: usize, buf: &[u8]) -> u32 {
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
    pub(super) fn decode_skewed(&mut self, ctx: &mut Contexts, cx: usize, buf: &[u8]) -> u32 {
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
#[derive(Clone, Copy, Default)]
pub(super) struct Raw {
    c: u32,
    ct: u32,
    bp: usize,
}

impl Raw {
    #[inline]
    pub(super) fn decode(&mut self, buf: &[u8]) -> u32 {
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
