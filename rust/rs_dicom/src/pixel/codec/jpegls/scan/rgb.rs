//! Lines of three components interleaved by sample (ILV 2), as CharLS codes them.

use super::super::bits::{BitWriter, LineWriter};
use super::{Coder, med};

impl Coder {
    /// Codes one line of three components interleaved by sample (ILV 2), as
    /// [`Coder::mono_line`]; as CharLS, a run is for the three components at once and its
    /// interruption codes each component in run context 0.
    #[inline(always)]
    pub(in super::super) fn triplet_line(
        &mut self,
        out: &mut BitWriter,
        prev: &mut [[i32; 3]],
        cur: &mut [[i32; 3]],
    ) {
        let mut writer = out.line(cur.len() * 3 * (self.limit as usize + 1) + 64);
        let bw = &mut writer;
        let w = cur.len() - 2;
        prev[w + 1] = prev[w];
        cur[0] = prev[1];
        let mut x = 0;
        while x < w {
            let (ra, rc, rb, rd) = (cur[x], prev[x], prev[x + 1], prev[x + 2]);
            let q: [i32; 3] =
                std::array::from_fn(|c| self.context(rd[c] - rb[c], rb[c] - rc[c], rc[c] - ra[c]));
            if q == [0; 3] {
                x += self.triplet_run(bw, prev, cur, x);
            } else {
                let v = cur[x + 1];
                cur[x + 1] =
                    std::array::from_fn(|c| self.regular(bw, q[c], v[c], med(ra[c], rb[c], rc[c])));
                x += 1;
            }
        }
        let state = writer.state();
        out.end_line(state);
    }

    #[inline(always)]
    fn triplet_run(
        &mut self,
        bw: &mut LineWriter<'_>,
        prev: &[[i32; 3]],
        cur: &mut [[i32; 3]],
        x: usize,
    ) -> usize {
        let remain = cur.len() - 2 - x;
        let ra = cur[x];
        let near = self.near;
        let mut run = 0;
        while (0..3).all(|c| (cur[x + 1 + run][c] - ra[c]).abs() <= near) {
            cur[x + 1 + run] = ra;
            run += 1;
            if run == remain {
                break;
            }
        }
        self.encode_run(bw, run, run == remain);
        if run == remain {
            return run;
        }
        let i = x + 1 + run;
        let (v, rb) = (cur[i], prev[i]);
        let mut e = [0; 3];
        let mut s = [0; 3];
        for c in 0..3 {
            s[c] = (rb[c] - ra[c]) >> 31 | 1;
            e[c] = self.error_value(s[c] * (v[c] - rb[c]));
            self.code_interruption(bw, 0, e[c]);
        }
        cur[i] = std::array::from_fn(|c| self.reconstruct(rb[c], e[c] * s[c]));
        self.run_index = self.run_index.saturating_sub(1);
        run + 1
    }
}
