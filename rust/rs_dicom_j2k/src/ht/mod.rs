//! The HT block encoder of HTJ2K (ISO/IEC 15444-15): one cleanup pass per code-block, which
//! codes every magnitude bit of the (integer) coefficients. Quads of 2 x 2 samples are visited
//! in pairs along each pair of rows; their significance goes to the MEL (in zero contexts) and
//! the CxtVLC codes, their exponent offsets to the U-VLC, and magnitudes and signs to MagSgn.

mod streams;
mod vlc;
mod vlc_source;

use streams::{MagSgn, Mel, Vlc};

use crate::Error;

/// Largest MEL + VLC length the segment's 12-bit Scup field can state.
const MAX_SCUP: usize = 4079;

/// The largest coefficient magnitude a block may hold: exponents stay within 31 bits.
const MAX_MAGNITUDE: u32 = (1 << 30) - 1;

/// The exponent `E = bitlen(2 mu - 1)` (0 for a zero) and MagSgn value `v = 2 (mu - 1) + sign`
/// of a coefficient, without branches.
#[inline(always)]
fn exponent_and_value(c: i32) -> (u32, u32) {
    let m = c.unsigned_abs();
    let e = (32 - (2 * m).wrapping_sub(1).leading_zeros()) & 0u32.wrapping_sub(u32::from(m != 0));
    (e, (2 * m).wrapping_sub(2) | (c as u32 >> 31))
}

/// Reusable state of the block encoder (buffers kept between code-blocks).
#[derive(Default)]
pub(crate) struct BlockEncoder {
    ms: MagSgn,
    mel: Mel,
    vlc: Vlc,
    /// Exponents of the bottom row of the previous quad row, at column + 1.
    prev: Vec<u8>,
    cur: Vec<u8>,
    /// The current quad row's exponents and MagSgn values, quad by quad (4 samples each,
    /// column-major), padded to whole quad pairs with zeros.
    qe: Vec<u32>,
    qv: Vec<u32>,
}

impl BlockEncoder {
    /// Codes the cleanup pass of the `w x h` code-block whose rows start `stride` apart in
    /// `data`, appending the segment to `out`; returns its length, 0 when every coefficient is
    /// zero (then nothing is written and the block is left out of its packet), and the largest
    /// magnitude. Magnitudes above [`MAX_MAGNITUDE`] are refused.
    pub(crate) fn encode(
        &mut self,
        data: &[i32],
        stride: usize,
        w: usize,
        h: usize,
        out: &mut Vec<u8>,
    ) -> Result<(usize, u32), Error> {
        if w == 0 || h == 0 || w > 1024 || h > 1024 || w * h > 4096 {
            return Err(Error::invalid_input("code-block size out of range"));
        }
        if (h - 1) * stride + w > data.len() {
            return Err(Error::invalid_input("code-block outside its buffer"));
        }
        let mut max = 0u32;
        for y in 0..h {
            for &c in &data[y * stride..y * stride + w] {
                max = max.max(c.unsigned_abs());
            }
        }
        if max > MAX_MAGNITUDE {
            return Err(Error::invalid_input("coefficient too large for HT coding"));
        }
        if max == 0 {
            return Ok((0, 0));
        }
        self.ms.reset();
        self.mel.reset();
        self.vlc.reset();
        let nq = w.div_ceil(2);
        self.prev.clear();
        self.prev.resize(2 * nq + 4, 0);
        self.cur.clear();
        self.cur.resize(2 * nq + 4, 0);
        for qy in 0..h.div_ceil(2) {
            let y = 2 * qy;
            let r0 = &data[y * stride..y * stride + w];
            let r1 = if y + 1 < h {
                &data[(y + 1) * stride..(y + 1) * stride + w]
            } else {
                &[][..]
            };
            if qy == 0 {
                self.quad_row::<true>(r0, r1);
            } else {
                self.quad_row::<false>(r0, r1);
            }
            std::mem::swap(&mut self.prev, &mut self.cur);
        }
        self.ms.finish();
        self.mel.finish();
        self.vlc.finish();
        let scup = self.mel.buf.len() + self.vlc.buf.len();
        if scup > MAX_SCUP {
            return Err(Error::invalid_input(
                "HT code-block MEL and VLC streams exceed 4079 bytes",
            ));
        }
        let start = out.len();
        out.extend_from_slice(&self.ms.buf);
        out.extend_from_slice(&self.mel.buf);
        out.extend(self.vlc.buf.iter().rev());
        let end = out.len();
        out[end - 1] = (scup >> 4) as u8;
        out[end - 2] = (out[end - 2] & 0xF0) | (scup & 0xF) as u8;
        Ok((end - start, max))
    }

    /// Codes one row of quads (sample rows `r0` and `r1`; `r1` empty past the block's end).
    fn quad_row<const FIRST: bool>(&mut self, r0: &[i32], r1: &[i32]) {
        let w = r0.len();
        let nq = w.div_ceil(2);
        let pairs = nq.div_ceil(2);
        self.qe.clear();
        self.qe.resize(8 * pairs, 0);
        self.qv.clear();
        self.qv.resize(8 * pairs, 0);
        for (x, &c) in r0.iter().enumerate() {
            (self.qe[2 * x], self.qv[2 * x]) = exponent_and_value(c);
        }
        for (x, &c) in r1.iter().enumerate() {
            (self.qe[2 * x + 1], self.qv[2 * x + 1]) = exponent_and_value(c);
        }
        let table = &vlc::ENCODE[usize::from(!FIRST)];
        self.cur.fill(0);
        // Context bits from the quad to the left.
        let mut left = 0u32;
        for j in (0..nq).step_by(2) {
            let mut u = [0u32; 2];
            for (k, uk) in u.iter_mut().enumerate() {
                let q = j + k;
                if q >= nq {
                    break;
                }
                let e: [u32; 4] = self.qe[4 * q..4 * q + 4].try_into().unwrap_or_default();
                let rho = u32::from(e[0] != 0)
                    | u32::from(e[1] != 0) << 1
                    | u32::from(e[2] != 0) << 2
                    | u32::from(e[3] != 0) << 3;
                let (ctx, kappa) = if FIRST {
                    (left, 1)
                } else {
                    let p = &self.prev[2 * q..2 * q + 4];
                    let ctx = left | u32::from(p[0] | p[1] != 0) | u32::from(p[2] | p[3] != 0) << 2;
                    let kappa = if rho & rho.wrapping_sub(1) != 0 {
                        let e = p[0].max(p[1]).max(p[2]).max(p[3]);
                        u32::from(e).saturating_sub(1).max(1)
                    } else {
                        1
                    };
                    (ctx, kappa)
                };
                *uk = self.code_quad(table, ctx, rho, &e, q, kappa);
                left = if FIRST {
                    (rho & 1 | (rho >> 1) & 1) | (rho >> 1) & 6
                } else {
                    ((rho >> 2 | rho >> 3) & 1) << 1
                };
                self.cur[2 * q + 1] = e[1] as u8;
                self.cur[2 * q + 2] = e[3] as u8;
            }
            self.code_u_pair::<FIRST>(u);
        }
    }

    /// Codes a quad's significance (MEL and/or CxtVLC) and its MagSgn bits; returns `u_q`.
    #[inline(always)]
    fn code_quad(
        &mut self,
        table: &[u16; 2048],
        ctx: u32,
        rho: u32,
        e: &[u32; 4],
        q: usize,
        kappa: u32,
    ) -> u32 {
        if ctx == 0 {
            self.mel.event(rho != 0);
            if rho == 0 {
                return 0;
            }
        }
        let emax = e[0].max(e[1]).max(e[2]).max(e[3]);
        let big_u = emax.max(kappa);
        let u = big_u - kappa;
        let emb = if u > 0 {
            u32::from(e[0] == big_u)
                | u32::from(e[1] == big_u) << 1
                | u32::from(e[2] == big_u) << 2
                | u32::from(e[3] == big_u) << 3
        } else {
            0
        };
        let entry = u32::from(table[(ctx << 8 | rho << 4 | emb) as usize]);
        self.vlc.put(entry & 0x7F, (entry >> 7) & 7);
        let e_k = entry >> 10;
        // MagSgn: m_n = U - e_k[n] bits of each significant sample, two samples per write.
        let v = &self.qv[4 * q..4 * q + 4];
        let bits = |n: usize| {
            let m = (big_u - ((e_k >> n) & 1)) & 0u32.wrapping_sub((rho >> n) & 1);
            (u64::from(v[n]) & ((1u64 << m) - 1), m)
        };
        let ((v0, m0), (v1, m1), (v2, m2), (v3, m3)) = (bits(0), bits(1), bits(2), bits(3));
        self.ms.put(v0 | v1 << m0, m0 + m1);
        self.ms.put(v2 | v3 << m2, m2 + m3);
        u
    }

    /// Codes the exponent offsets of a quad pair (U-VLC; in the initial row a MEL event
    /// says whether both exceed 2).
    #[inline(always)]
    fn code_u_pair<const FIRST: bool>(&mut self, u: [u32; 2]) {
        match (u[0] > 0, u[1] > 0) {
            (false, false) => {}
            (true, false) | (false, true) => {
                let (p, pl, s, sl) = vlc::uvlc(u[0].max(u[1]));
                self.vlc.put(p, pl);
                self.vlc.put(s, sl);
            }
            (true, true) => {
                if FIRST {
                    let both = u[0] > 2 && u[1] > 2;
                    self.mel.event(both);
                    if both {
                        self.put_u_pair(u[0] - 2, u[1] - 2);
                    } else if u[0] > 2 {
                        let (p, pl, s, sl) = vlc::uvlc(u[0]);
                        self.vlc.put(p, pl);
                        self.vlc.put(u[1] - 1, 1);
                        self.vlc.put(s, sl);
                    } else {
                        self.put_u_pair(u[0], u[1]);
                    }
                } else {
                    self.put_u_pair(u[0], u[1]);
                }
            }
        }
    }

    /// Both prefixes, then both suffixes.
    #[inline(always)]
    fn put_u_pair(&mut self, a: u32, b: u32) {
        let (p0, pl0, s0, sl0) = vlc::uvlc(a);
        let (p1, pl1, s1, sl1) = vlc::uvlc(b);
        self.vlc.put(p0, pl0);
        self.vlc.put(p1, pl1);
        self.vlc.put(s0, sl0);
        self.vlc.put(s1, sl1);
    }
}
