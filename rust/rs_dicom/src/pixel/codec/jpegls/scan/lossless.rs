//! Lossless single-component lines: as reconstructed values equal the originals, each line's
//! contexts and predictions are computed in one vectorisable pass before the serial part
//! (context state and bit writing) runs. `B` is the precision when it is known at compile
//! time (0: take it from the coder), which makes the sample width constant.

use super::super::bits::{BitWriter, LineWriter};
use super::{Coder, bit_sign, put_golomb};

impl Coder {
    /// As [`Coder::mono_line`], lossless: contexts and predictions come from a first pass
    /// over the line (scratch `ids`, `signs`, `preds` of `w` entries each): the context's
    /// index (0 for run mode), its sign (0 or -1) and the prediction.
    #[inline(always)]
    pub(super) fn mono_line_lossless<const B: u32>(
        &mut self,
        out: &mut BitWriter,
        prev: &mut [i32],
        cur: &mut [i32],
        (ids, signs, preds): (&mut [i32], &mut [i32], &mut [i32]),
    ) {
        let bits = if B == 0 { self.bits } else { B };
        // Lossless, RANGE is 2^bits: the code length limit and qbpp follow from the precision.
        let limit = 2 * (bits + bits.max(8)) as i32;
        debug_assert!(limit == self.limit && bits == self.qbpp);
        let mut writer = out.line(cur.len() * (limit as usize + 1) + 64);
        let bw = &mut writer;
        let w = cur.len() - 2;
        prev[w + 1] = prev[w];
        cur[0] = prev[1];
        let (t1, t2, t3) = (self.t1, self.t2, self.t3);
        // Counting the thresholds passed is the quantisation of A.3.3 for NEAR 0, and
        // compiles to vector compares.
        let quant = |d: i32| -> i32 {
            (d > 0) as i32 + (d >= t1) as i32 + (d >= t2) as i32 + (d >= t3) as i32
                - (d < 0) as i32
                - (d <= -t1) as i32
                - (d <= -t2) as i32
                - (d <= -t3) as i32
        };
        {
            let (ra, rc) = (&cur[..w], &prev[..w]);
            let (rb, rd) = (&prev[1..w + 1], &prev[2..w + 2]);
            let (ids, signs, preds) = (&mut ids[..w], &mut signs[..w], &mut preds[..w]);
            for i in 0..w {
                let q =
                    (quant(rd[i] - rb[i]) * 9 + quant(rb[i] - rc[i])) * 9 + quant(rc[i] - ra[i]);
                let sign = bit_sign(q);
                ids[i] = (q ^ sign) - sign;
                signs[i] = sign;
                let (mn, mx) = (ra[i].min(rb[i]), ra[i].max(rb[i]));
                let rest = if rc[i] <= mn {
                    mx
                } else {
                    ra[i] + rb[i] - rc[i]
                };
                preds[i] = if rc[i] >= mx { mn } else { rest };
            }
        }
        let (ids, signs, preds, samples) = (&ids[..w], &signs[..w], &preds[..w], &cur[1..=w]);
        let mut x = 0;
        while x < w {
            let i = ids[x];
            if i != 0 {
                self.regular_lossless(bw, i, signs[x], samples[x], preds[x], bits, limit);
                x += 1;
            } else {
                x += self.mono_run_lossless(bw, prev, cur, x);
            }
        }
        let state = writer.state();
        out.end_line(state);
    }

    /// Lossless regular mode in context `i` of sign `sign`: no reconstruction, the modulo
    /// reduction a sign extension.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn regular_lossless(
        &mut self,
        bw: &mut LineWriter<'_>,
        i: i32,
        sign: i32,
        x: i32,
        pred: i32,
        bits: u32,
        limit: i32,
    ) {
        let maxval = (1i32 << bits) - 1;
        let shift = 32 - bits;
        let i = i as usize & 511;
        let cx = self.ctx[i];
        let k = self.ctx_k(cx);
        let p = pred + ((cx.c ^ sign) - sign);
        let px = if (p & maxval) == p {
            p
        } else {
            !(p >> 31) & maxval
        };
        let e = ((((x - px) ^ sign) - sign) << shift) >> shift;
        let corr = if k == 0 {
            bit_sign(2 * cx.b + cx.n - 1)
        } else {
            0
        };
        let v = corr ^ e;
        put_golomb(bw, k, (v >> 30) ^ (2 * v), limit, bits);
        self.update(i, e, 0);
    }

    #[inline(always)]
    fn mono_run_lossless(
        &mut self,
        bw: &mut LineWriter<'_>,
        prev: &[i32],
        cur: &[i32],
        x: usize,
    ) -> usize {
        let ra = cur[x];
        let rest = &cur[x + 1..cur.len() - 1];
        let run = rest.iter().position(|&v| v != ra).unwrap_or(rest.len());
        self.encode_run(bw, run, run == rest.len());
        if run == rest.len() {
            return run;
        }
        let i = x + 1 + run;
        self.interruption(bw, cur[i], ra, prev[i]);
        self.run_index = self.run_index.saturating_sub(1);
        run + 1
    }
}
