//! The tier-1 encoder's coding passes over a block (see the parent module): each visits the
//! stripe columns it has to code by a mask of them, a stripe of up to 64 columns at a time.

use super::*;

impl Block<'_> {
    /// Significance propagation pass (D.3.1) at bit-plane `bp`: per column at most a
    /// zero-coding and a sign decision per sample.
    #[inline(always)]
    pub(super) fn significance(&mut self, bp: u32) {
        let (w, stride) = (self.w, self.stride);
        for s in 0..self.h.div_ceil(4) {
            let rows = (self.h - 4 * s).min(4) as u32;
            let valid = (1u32 << rows) - 1;
            let base = (s + 1) * stride + 1;
            for x0 in (0..w).step_by(64) {
                let len = (w - x0).min(64);
                let lim = u64::MAX >> (64 - len);
                // Columns without a significant neighbour or all significant have nothing
                // to code (most of them): skipped by the mask rather than by a branch per
                // column, which mispredicted at every edge between the two kinds.
                let mut todo = mask(len, |j| {
                    let f = self.flag(base + x0 + j);
                    f != 0 && f & SIG4 != SIG4
                });
                while todo != 0 {
                    let j = todo.trailing_zeros() as usize;
                    todo &= todo - 1;
                    let i = base + x0 + j;
                    let mut f = self.flag(i);
                    if f == 0 || f & SIG4 == SIG4 {
                        continue;
                    }
                    let q = self.column((s * w + x0 + j) * 4);
                    let before = f & SIG4;
                    // All four rows without branching on the data, which mispredicted
                    // more than the decisions of the rows not coded cost. A row is coded if
                    // insignificant with a significant neighbour: one now, or the row above
                    // once that turns significant.
                    let open = !compact(f >> 4) & valid;
                    let now = compact(neighbourhoods(f)) & open;
                    if column_bits(q, bp) & open == 0 {
                        // No sample turns significant: zero decisions for the rows with a
                        // significant neighbour, no signs, no neighbours to tell.
                        for ci in 0..4 {
                            let fs = f >> (3 * ci);
                            let elig = (now >> ci) & 1;
                            self.put(u32::from(self.zc[(fs & 0x1FF) as usize]), 0, elig);
                        }
                        self.set_flag(i, f | spread_rows(now) << 21);
                        continue;
                    }
                    let mut above = 0;
                    for (ci, &m) in q.iter().enumerate() {
                        let ci = ci as u32;
                        let elig = ((now >> ci) | above) & (open >> ci) & 1;
                        above = self.zero_coding(&mut f, (i, ci), m, bp, elig, 1);
                        f |= (PI0 * elig) << (3 * ci);
                    }
                    let new = (f & SIG4) ^ before;
                    self.spread(i, f, new);
                    self.set_flag(i, f);
                    // The east neighbour now has a significant one: visit it (a later
                    // chunk computes its mask after this one).
                    todo |= (u64::from(new != 0) * (2u64 << j)) & lim;
                }
            }
        }
    }

    /// Magnitude refinement pass (D.3.3) at bit-plane `bp`: per column at most a decision
    /// per sample.
    #[inline(always)]
    pub(super) fn refinement(&mut self, bp: u32) {
        let (w, stride) = (self.w, self.stride);
        for s in 0..self.h.div_ceil(4) {
            let base = (s + 1) * stride + 1;
            for x0 in (0..w).step_by(64) {
                let len = (w - x0).min(64);
                let mut todo = mask(len, |j| self.flag(base + x0 + j) & SIG4 != 0);
                while todo != 0 {
                    let j = todo.trailing_zeros() as usize;
                    todo &= todo - 1;
                    let i = base + x0 + j;
                    let mut f = self.flag(i);
                    let q = self.column((s * w + x0 + j) * 4);
                    // (Rows past the block's height are never significant.) No separate way
                    // for columns refined before: it mispredicted more than it saved.
                    for (ci, &m) in q.iter().enumerate() {
                        let sh = 3 * ci as u32;
                        let fs = f >> sh;
                        let elig = u32::from(fs & (SIG_SELF | PI0) == SIG_SELF);
                        let cx = MR_CX
                            [((fs & SIG_NEIGHBOURS) | (fs >> MR_MU_SHIFT) & SIG_SELF) as usize];
                        self.put(u32::from(cx), (m >> bp) & 1, elig);
                        f |= (MU0 * elig) << sh;
                    }
                    self.set_flag(i, f);
                }
            }
        }
    }

    /// Cleanup pass (D.3.4) at bit-plane `bp`, with run-length coding of four-sample
    /// columns whose samples and neighbourhoods are all insignificant: per column at most a
    /// run-length and two uniform decisions, then a zero-coding and a sign one per sample.
    #[inline(always)]
    pub(super) fn cleanup(&mut self, bp: u32) {
        let (w, stride) = (self.w, self.stride);
        for s in 0..self.h.div_ceil(4) {
            let rows = (self.h - 4 * s).min(4) as u32;
            let valid = (1u32 << rows) - 1;
            let base = (s + 1) * stride + 1;
            for x0 in (0..w).step_by(64) {
                let len = (w - x0).min(64);
                let lim = u64::MAX >> (64 - len);
                // Run-length columns with no 1 in this bit-plane (half the columns, and long
                // runs of them) only list a run-length 0: counted, in one entry for each run.
                // Columns of four significant samples not visited by this plane's
                // significance pass have nothing to code. The others are visited.
                let mut zeros = mask(len, |j| {
                    let f = self.flag(base + x0 + j);
                    let col = self.col(s * w + x0 + j);
                    f == 0 && rows == 4 && (col >> bp) & 1 == 0
                });
                let mut todo =
                    mask(len, |j| self.flag(base + x0 + j) & (SIG4 | PI_ALL) != SIG4) & !zeros;
                while todo != 0 {
                    let j = todo.trailing_zeros() as usize;
                    todo &= todo - 1;
                    let below = (1u64 << j) - 1;
                    self.put_zeros((zeros & below).count_ones() as usize);
                    zeros &= !below;
                    let new = self.cleanup_column(s, x0 + j, bp, rows, valid);
                    // The east neighbour, now with a significant one, is no longer a
                    // run-length column: visit it.
                    let east = (u64::from(new != 0) * (2u64 << j)) & lim;
                    todo |= east;
                    zeros &= !east;
                }
                self.put_zeros(zeros.count_ones() as usize);
            }
        }
    }

    /// The cleanup pass on column `x` of stripe `s` (`rows` rows, `valid` their mask):
    /// returns the samples that became significant (`SIG_SELF << 3 * row` bits).
    #[inline(always)]
    fn cleanup_column(&mut self, s: usize, x: usize, bp: u32, rows: u32, valid: u32) -> u32 {
        let i = (s + 1) * self.stride + 1 + x;
        let mut f = self.flag(i);
        let k = (s * self.w + x) * 4;
        // The rows to code: neither significant nor visited by this bit-plane's
        // significance pass (often none in a column with significant samples).
        let mut todo = !compact(f >> 4 | f >> 21) & valid;
        let before = f & SIG4;
        if f == 0 && rows == 4 {
            let q = self.column(k);
            let bits = column_bits(q, bp);
            if bits == 0 {
                self.put(CTX_RL as u32, 0, 1);
                return 0;
            }
            let run = bits.trailing_zeros();
            self.put(CTX_RL as u32, 1, 1);
            self.put(CTX_UNI as u32, run >> 1, 1);
            self.put(CTX_UNI as u32, run & 1, 1);
            // The located sample: its sign only.
            self.zero_coding(&mut f, (i, run), q[run as usize], bp, 1, 0);
            todo &= !0u32 << (run + 1);
        } else if todo == 0 || column_bits(self.column(k), bp) & todo == 0 {
            // Nothing turns significant (nothing to code at all in a column of four
            // significant samples): zero decisions only, no signs, no neighbours to tell.
            for ci in 0..4 {
                let fs = f >> (3 * ci);
                let keep = (todo >> ci) & 1;
                self.put(u32::from(self.zc[(fs & 0x1FF) as usize]), 0, keep);
            }
            self.set_flag(i, f & !PI_ALL);
            return 0;
        }
        while todo != 0 {
            let ci = todo.trailing_zeros();
            todo &= todo - 1;
            self.zero_coding(&mut f, (i, ci), self.mag(k + ci as usize), bp, 1, 1);
        }
        let new = (f & SIG4) ^ before;
        self.spread(i, f, new);
        self.set_flag(i, f & !PI_ALL);
        new
    }
}

/// Bit `j` set for each `j < len` (at most 64) for which `pred(j)`: branch-free, so that a
/// pass visits the columns it codes by their bits.
#[inline(always)]
fn mask(len: usize, pred: impl Fn(usize) -> bool) -> u64 {
    let mut m = 0u64;
    for j in 0..len.min(64) {
        m |= u64::from(pred(j)) << j;
    }
    m
}
