//! The MQ arithmetic encoder (ISO/IEC 15444-1 C.2): ENCODE, RENORME, BYTEOUT and FLUSH over
//! a list of decisions, with the context states held as the decoder holds them (Qe and the
//! packed state in one word, next states from one table indexed by the outcome).

use super::CTX_RL;
use super::tables::{Contexts, build_next, initial_contexts};

/// An entry of the decision list standing for `1 + (entry & 0x3F)` run-length decisions
/// 0 in a row (see [`code`]). Decisions have bit 6 clear.
pub(super) const ZEROS: u32 = 0x40;

/// Bit of a context's state word holding the renormalisation shift of its Qe (the
/// encoder's form: the decoder's word plus this), so that a decision keeping the Qe
/// sub-interval finds its shift in the table instead of counting A's leading zeros after
/// the choice, on the chain of dependent operations from one decision to the next.
const SHIFT_AT: u32 = 24;

/// A packed state with its Qe's shift added.
const fn with_shift(st: u32) -> u32 {
    st | ((st & 0xFFFF).leading_zeros() - 16) << SHIFT_AT
}

/// The decoder's next-state table in the encoder's form.
static NEXT_ENC: [u32; 256] = {
    let mut t = build_next();
    let mut i = 0;
    while i < 256 {
        t[i] = with_shift(t[i]);
        i += 1;
    }
    t
};

/// The encoder's registers A, C and CT (C.2.1). Apart from the output's ([`Bytes`]): in one
/// variable, the output's escaping to the out-of-line [`Bytes::shift_out`] kept them all
/// in memory in the coding loop.
struct MqEncoder {
    a: u32,
    c: u32,
    ct: u32,
}

/// The output side of the encoder. `b` is the byte at the output position (BP), not yet in
/// the output: a carry may still change it. `out[0]` is the dummy byte INITENC places
/// before the segment.
struct Bytes<'a> {
    b: u32,
    out: &'a mut [u8],
    pos: usize,
}

/// Codes `syms` (`context | decision << 7` each, or [`ZEROS`] runs) with a fresh encoder into `out`, returning
/// the segment's length: the segment is `out[1..=len]`. `out` is only grown, never cleared.
///
/// `ends` are the decision counts at which passes end (increasing, at most `syms.len()`);
/// `marks` gets, for each, the bytes of the segment written by then plus the pending byte
/// and the two after it that the coder's register may still change (OpenJPEG's estimate of
/// a truncated segment's length, not yet capped to the final length).
pub(super) fn code(
    syms: &[u8],
    ends: &[usize],
    out: &mut Vec<u8>,
    marks: &mut Vec<usize>,
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if super::passes::has_bmi() {
        // SAFETY: the CPU has the features `code_bmi` is compiled for.
        return unsafe { code_bmi(syms, ends, out, marks) };
    }
    code_body(syms, ends, out, marks)
}

/// [`code_body`] compiled for x86-64 CPUs with LZCNT and BMI1/2: renormalisation's
/// leading-zero count is one instruction instead of BSR and a fix-up, on the critical path
/// of every decision.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "lzcnt,bmi1,bmi2")]
unsafe fn code_bmi(
    syms: &[u8],
    ends: &[usize],
    out: &mut Vec<u8>,
    marks: &mut Vec<usize>,
) -> usize {
    code_body(syms, ends, out, marks)
}

/// The body of [`code`].
#[inline(always)]
fn code_body(syms: &[u8], ends: &[usize], out: &mut Vec<u8>, marks: &mut Vec<usize>) -> usize {
    // A decision shifts A at most 15 times and a byte goes out every 7 or 8 shifts; FLUSH
    // adds at most 3 bytes: the output never reaches this.
    let need = 3 * syms.len() + 8;
    if out.len() < need {
        out.resize(need, 0);
    }
    let mut ctx = initial_contexts().map(with_shift);
    let mut mq = MqEncoder {
        a: 0x8000,
        c: 0,
        ct: 12,
    };
    let mut bytes = Bytes { b: 0, out, pos: 0 };
    let mut start = 0;
    for &end in ends {
        for &s in syms.get(start..end).unwrap_or_default() {
            mq.entry(&mut ctx, &mut bytes, s);
        }
        start = end;
        marks.push(bytes.pos + 2);
    }
    for &s in syms.get(start..).unwrap_or_default() {
        mq.entry(&mut ctx, &mut bytes, s);
    }
    mq.finish(&mut bytes)
}

impl MqEncoder {
    /// Codes one entry of the decision list: a decision or a [`ZEROS`] run.
    #[inline(always)]
    fn entry(&mut self, ctx: &mut Contexts, bytes: &mut Bytes, s: u8) {
        if u32::from(s) & ZEROS != 0 {
            self.zeros(ctx, bytes, u32::from(s & 0x3F) + 1);
        } else {
            self.encode(ctx, bytes, usize::from(s & 0x1F), u32::from(s >> 7));
        }
    }

    /// `k` run-length decisions 0. In empty areas 0 is the likely symbol with a small Qe:
    /// most leave A at 0x8000 or more (CODEMPS without renormalisation, C.2.2), taken by a
    /// branch that predicts well here; the others go through [`MqEncoder::encode`].
    #[inline(always)]
    fn zeros(&mut self, ctx: &mut Contexts, bytes: &mut Bytes, k: u32) {
        for _ in 0..k {
            let st = ctx[CTX_RL];
            let qe = st & 0xFFFF;
            let a1 = self.a - qe;
            if (st >> 16) & 1 == 0 && a1 >= 0x8000 {
                self.a = a1;
                self.c += qe;
            } else {
                self.encode(ctx, bytes, CTX_RL, 0);
            }
        }
    }

    /// ENCODE (C.2.2): decision `d` (0 or 1) in context `cx`.
    ///
    /// Without branching on the decision: CODEMPS and CODELPS differ only in which part of
    /// the interval (`A - Qe` above, `Qe` below) is kept, swapped by the conditional
    /// exchange, so one comparison picks it. Significance, sign and refinement decisions are
    /// close to random in the low bit-planes, where a branch on them would mispredict often.
    #[inline(always)]
    fn encode(&mut self, ctx: &mut Contexts, bytes: &mut Bytes, cx: usize, d: u32) {
        let slot = &mut ctx[cx & 31];
        let st = *slot;
        let qe = st & 0xFFFF;
        let p = st >> 16;
        let a1 = self.a - qe;
        let is_mps = d == p & 1;
        // The upper sub-interval for an MPS without exchange or an LPS with one.
        let upper = is_mps ^ (a1 < qe);
        // Both candidates' shifts before the choice (A - Qe is never 0: A >= 0x8000 and
        // Qe <= 0x5601), Qe's from the table.
        let n1 = a1.leading_zeros() - 16;
        let nq = st >> SHIFT_AT;
        let n = if upper { n1 } else { nq };
        self.a = if upper { a1 << n1 } else { qe << nq };
        self.c += if upper { qe } else { 0 };
        // Only an MPS that leaves A >= 0x8000 keeps the state (and needs no shift).
        let next = NEXT_ENC[((p << 1) as usize | usize::from(is_mps)) & 0xFF];
        // (A select the compiler keeps a select: as a branch it mispredicts on every
        // decision that renormalises unexpectedly.)
        *slot = std::hint::select_unpredictable(n == 0, st, next);
        // RENORME (C.2.6) of C by the `n` shifts A took, all at once.
        if n < self.ct {
            self.c <<= n;
            self.ct -= n;
        } else {
            (self.c, self.ct) = bytes.shift_out(self.c, self.ct, n);
        }
    }

    /// FLUSH (C.2.9): the last bytes, a final 0xFF dropped as the standard allows. Returns
    /// the segment's length (the output after the dummy byte).
    fn finish(self, o: &mut Bytes) -> usize {
        let temp = self.c + self.a;
        let mut c = self.c | 0xFFFF;
        if c >= temp {
            c -= 0x8000;
        }
        let (c, ct) = o.byte_out(c << self.ct);
        o.byte_out(c << ct);
        if o.b != 0xFF {
            o.out[o.pos] = o.b as u8;
            o.pos += 1;
        }
        o.pos - 1
    }
}

impl Bytes<'_> {
    /// The rest of RENORME once C's `n` shifts reach CT (`n >= ct`): a byte out each
    /// time CT runs out. Returns the new C and CT. Out of line: only one decision in
    /// several gets here, and the output's state stays out of the coder's registers.
    #[inline(never)]
    fn shift_out(&mut self, mut c: u32, mut ct: u32, mut n: u32) -> (u32, u32) {
        while n >= ct {
            c <<= ct;
            n -= ct;
            (c, ct) = self.byte_out(c);
        }
        (c << n, ct - n)
    }

    /// BYTEOUT (C.2.7) with bit stuffing after 0xFF and carry propagation into B: C
    /// after, and the new CT.
    #[inline(always)]
    fn byte_out(&mut self, mut c: u32) -> (u32, u32) {
        if self.b != 0xFF && c >= 0x800_0000 {
            self.b += 1;
            c &= 0x7FF_FFFF;
        }
        // In bounds: `code` sized the output for the most bytes the decisions can give.
        self.out[self.pos] = self.b as u8;
        self.pos += 1;
        if self.b == 0xFF {
            self.b = c >> 20;
            (c & 0xF_FFFF, 7)
        } else {
            self.b = c >> 19;
            (c & 0x7_FFFF, 8)
        }
    }
}
