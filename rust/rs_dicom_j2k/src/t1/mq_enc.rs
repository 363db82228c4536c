//! The MQ arithmetic encoder (ISO/IEC 15444-1 C.2): ENCODE, RENORME, BYTEOUT and FLUSH, with
//! the context states held as `2 * state + mps` bytes and the next states read from tables.

use super::CONTEXTS;
use super::tables::QE_TABLE;

/// Qe of each packed state `2 * state + mps` (128 entries so that a 7-bit index needs no
/// bounds check).
const fn build_qe() -> [u32; 128] {
    let mut t = [0u32; 128];
    let mut i = 0;
    while i < 94 {
        t[i] = QE_TABLE[i / 2].0 as u32;
        i += 1;
    }
    t
}

/// Packed state after an MPS (NMPS) and after an LPS (NLPS, the MPS switched where SWITCH
/// says so), by packed state.
const fn build_next_one(lps: bool) -> [u8; 128] {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 94 {
        let (_, nmps, nlps, switch) = QE_TABLE[i / 2];
        let mps = i & 1;
        t[i] = if lps {
            (2 * nlps as usize + (mps ^ switch as usize)) as u8
        } else {
            (2 * nmps as usize + mps) as u8
        };
        i += 1;
    }
    t
}

static QE: [u32; 128] = build_qe();

/// The next packed state by `2 * packed + is_mps`: NLPS after an LPS, NMPS after an MPS.
const fn build_next() -> [u8; 256] {
    let (mps, lps) = (build_next_one(false), build_next_one(true));
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 128 {
        t[2 * i] = lps[i];
        t[2 * i + 1] = mps[i];
        i += 1;
    }
    t
}

static NEXT: [u8; 256] = build_next();

/// Context states of the encoder: `2 * state + mps` per context.
pub(super) type EncContexts = [u8; CONTEXTS];

/// Contexts at the start of a code-block (Table D.7): zero coding context 0 in state 4,
/// run-length in state 3, uniform in state 46, all others in state 0.
pub(super) fn initial_enc_contexts() -> EncContexts {
    let mut ctx = [0u8; CONTEXTS];
    ctx[0] = 2 * 4;
    ctx[super::CTX_RL] = 2 * 3;
    ctx[super::CTX_UNI] = 2 * 46;
    ctx
}

/// The encoder's registers (C.2.1), a plain value that the passes keep in registers. `b`
/// is the byte at the output position (BP), not yet in the output: a carry may still change
/// it. The output's first byte is the dummy byte INITENC places before the segment.
#[derive(Clone, Copy)]
pub(super) struct MqEncoder {
    a: u32,
    c: u32,
    ct: u32,
    b: u32,
}

impl Default for MqEncoder {
    /// INITENC (C.2.8).
    fn default() -> Self {
        MqEncoder {
            a: 0x8000,
            c: 0,
            ct: 12,
            b: 0,
        }
    }
}

impl MqEncoder {
    /// ENCODE (C.2.2): decision `d` (0 or 1) in context `cx`.
    ///
    /// Without branching on the decision: CODEMPS and CODELPS differ only in which part of
    /// the interval (`A - Qe` above, `Qe` below) is kept, swapped by the conditional
    /// exchange, so one comparison picks it. Significance, sign and refinement decisions are
    /// close to random in the low bit-planes, where a branch on them would mispredict often.
    #[inline(always)]
    pub(super) fn encode(&mut self, ctx: &mut EncContexts, cx: usize, d: u32, out: &mut Vec<u8>) {
        let slot = &mut ctx[cx & (CONTEXTS - 1)];
        let s = usize::from(*slot & 0x7F);
        let qe = QE[s];
        let a1 = self.a - qe;
        let is_mps = d == (s & 1) as u32;
        // The upper sub-interval for an MPS without exchange or an LPS with one.
        let upper = is_mps ^ (a1 < qe);
        self.a = if upper { a1 } else { qe };
        self.c += if upper { qe } else { 0 };
        // Only an MPS that leaves A >= 0x8000 keeps the state (and needs no shift).
        let next = NEXT[(s << 1) | usize::from(is_mps)];
        *slot = if self.a & 0x8000 != 0 { *slot } else { next };
        self.renormalise(out);
    }

    /// RENORME (C.2.6): all the shifts at once, a byte out each time CT runs out.
    #[inline(always)]
    fn renormalise(&mut self, out: &mut Vec<u8>) {
        // (A has at most 16 significant bits and is never 0.)
        let mut n = self.a.leading_zeros() - 16;
        self.a <<= n;
        while n >= self.ct {
            self.c <<= self.ct;
            n -= self.ct;
            self.byte_out(out);
        }
        self.c <<= n;
        self.ct -= n;
    }

    /// BYTEOUT (C.2.7) with bit stuffing after 0xFF and carry propagation into B.
    #[inline(always)]
    fn byte_out(&mut self, out: &mut Vec<u8>) {
        if self.b != 0xFF && self.c >= 0x800_0000 {
            self.b += 1;
            self.c &= 0x7FF_FFFF;
        }
        out.push(self.b as u8);
        if self.b == 0xFF {
            self.b = self.c >> 20;
            self.c &= 0xF_FFFF;
            self.ct = 7;
        } else {
            self.b = self.c >> 19;
            self.c &= 0x7_FFFF;
            self.ct = 8;
        }
    }

    /// FLUSH (C.2.9): the last bytes, a final 0xFF dropped as the standard allows. The
    /// segment is then `out[1..]`.
    pub(super) fn finish(mut self, out: &mut Vec<u8>) {
        let temp = self.c + self.a;
        self.c |= 0xFFFF;
        if self.c >= temp {
            self.c -= 0x8000;
        }
        self.c <<= self.ct;
        self.byte_out(out);
        self.c <<= self.ct;
        self.byte_out(out);
        if self.b != 0xFF {
            out.push(self.b as u8);
        }
    }
}
