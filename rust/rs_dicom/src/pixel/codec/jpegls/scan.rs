//! JPEG-LS scan coding (ISO/IEC 14495-1 Annex A): context modelling, the median edge
//! predictor, bias correction, limited-length Golomb codes and run mode, with CharLS 2.4's
//! choices where the standard leaves room, so that the codestream is CharLS's byte for byte.
//!
//! Lossless single-component lines take a faster path (`lossless.rs`).

use super::bits::{BitWriter, LineWriter};

/// The lines of a frame, and the CPU-specific builds of that loop.
mod frame;
/// Lossless single-component lines.
mod lossless;
/// Three components interleaved by sample.
mod rgb;

/// Run-length order for each run index (A.7.1.2).
const J: [u32; 32] = [
    0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13,
    14, 15,
];

/// CharLS refuses Golomb parameters from 16 on (an implementation limit).
const MAX_K: u32 = 16;

/// The coding parameters of a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Params {
    pub(super) maxval: i32,
    pub(super) near: i32,
    pub(super) t1: i32,
    pub(super) t2: i32,
    pub(super) t3: i32,
    pub(super) reset: i32,
}

impl Params {
    /// The default thresholds for `bits`-bit samples (C.2.4.1.1.1, as CharLS computes them).
    pub(super) fn defaults(bits: u32, near: i32) -> Params {
        let maxval = (1i32 << bits) - 1;
        let clamp = |i: i32, j: i32| if i > maxval || i < j { j } else { i };
        let (t1, t2, t3) = if maxval >= 128 {
            // BASIC_T1..3 = 3, 7, 21: f (T - 2, 3, 4) + 2, 3, 4.
            let f = (maxval.min(4095) + 128) / 256;
            let t1 = clamp(f + 2 + 3 * near, near + 1);
            let t2 = clamp(f * 4 + 3 + 5 * near, t1);
            (t1, t2, clamp(f * 17 + 4 + 7 * near, t2))
        } else {
            let f = 256 / (maxval + 1);
            let t1 = clamp((3 / f + 3 * near).max(2), near + 1);
            let t2 = clamp((7 / f + 5 * near).max(3), t1);
            (t1, t2, clamp((21 / f + 7 * near).max(4), t2))
        };
        Params {
            maxval,
            near,
            t1,
            t2,
            t3,
            reset: 64,
        }
    }
}

/// `ceil(log2(n))`.
fn log2_ceil(n: i32) -> u32 {
    let mut x = 0;
    while n > (1 << x) {
        x += 1;
    }
    x
}

/// The smallest `k` with `n << k >= a` (`n, a >= 1`), from the bit lengths (no loop, no
/// branch; `| 1`, which keeps the bit length of values from 1 up, tells the compiler that
/// the operands of `leading_zeros` are not zero).
#[inline(always)]
fn golomb_k(n: i32, a: i32) -> u32 {
    let (n, a) = (n as u32, a as u32);
    let d = ((n | 1).leading_zeros() as i32 - (a | 1).leading_zeros() as i32).max(0) as u32;
    d + u32::from((n << d) < a)
}

/// `-1` for negative values, else 0.
#[inline(always)]
fn bit_sign(i: i32) -> i32 {
    i >> 31
}

/// Writes `mapped` with Golomb parameter `k`, limited to `limit` bits for `qbpp`-bit
/// escape values (A.5.3).
#[inline(always)]
fn put_golomb(bw: &mut LineWriter<'_>, k: u32, mapped: i32, limit: i32, qbpp: u32) {
    let high = (mapped >> k) as u32;
    let escape = limit - qbpp as i32 - 1;
    if (high as i32) < escape {
        let low = (1u32 << k) | (mapped as u32 & ((1u32 << k) - 1));
        if high + 1 + k <= 32 {
            bw.put(low, high + 1 + k);
        } else {
            bw.put_zeros(high);
            bw.put(low, k + 1);
        }
    } else {
        bw.put_zeros(escape as u32);
        bw.put(1, 1);
        bw.put((mapped - 1) as u32 & ((1u32 << qbpp) - 1), qbpp);
    }
}

/// The median edge detector (A.4.1).
#[inline(always)]
fn med(ra: i32, rb: i32, rc: i32) -> i32 {
    let (mn, mx) = (ra.min(rb), ra.max(rb));
    if rc >= mx {
        mn
    } else if rc <= mn {
        mx
    } else {
        ra + rb - rc
    }
}

/// One regular-mode context (A.2.2).
#[derive(Clone, Copy)]
struct Ctx {
    a: i32,
    b: i32,
    c: i32,
    n: i32,
}

/// One run-interruption context (A.7.2), `ritype` 0 or 1.
#[derive(Clone, Copy)]
struct RunCtx {
    ritype: i32,
    a: i32,
    n: i32,
    nn: i32,
}

impl RunCtx {
    #[inline(always)]
    fn k(&self) -> u32 {
        golomb_k(self.n, self.a + (self.n >> 1) * self.ritype)
    }
}

/// The state of one scan being coded.
pub(super) struct Coder {
    /// The precision.
    bits: u32,
    maxval: i32,
    near: i32,
    range: i32,
    qbpp: u32,
    limit: i32,
    reset: i32,
    t1: i32,
    t2: i32,
    t3: i32,
    /// `ceil(2^32 / (2 NEAR + 1))`: dividing by a multiplication, exact for the dividends here
    /// (below 2^18).
    recip: u64,
    /// Quantised gradient of `d` at `qlut[d + qoff]`.
    qlut: Vec<i8>,
    qoff: i32,
    /// Near-lossless, the reconstruction of `x` predicted as `px` is `x + shift[x - px +
    /// MAXVAL]` (clamped): `x - px` rounded to the nearest multiple of 2 NEAR + 1, a value
    /// within NEAR of `x` that a table finds sooner than the division it replaces (the next
    /// sample waits for it). Empty when lossless.
    shift: Vec<i16>,
    /// The 365 contexts, in an array of 512 so that a masked index needs no bounds check.
    ctx: [Ctx; 512],
    run: [RunCtx; 2],
    run_index: usize,
    /// A Golomb parameter reached CharLS's limit (not for valid samples).
    pub(super) overflow: bool,
}

impl Coder {
    /// A coder for `bits`-bit samples with parameters `p`.
    pub(super) fn new(bits: u32, p: Params) -> Coder {
        let range = (p.maxval + 2 * p.near) / (2 * p.near + 1) + 1;
        let bpp = log2_ceil(p.maxval);
        let lut_half = 1i32 << bits;
        let mut c = Coder {
            bits,
            maxval: p.maxval,
            near: p.near,
            range,
            qbpp: log2_ceil(range),
            limit: 2 * (bpp as i32 + (bpp as i32).max(8)),
            reset: p.reset,
            t1: p.t1,
            t2: p.t2,
            t3: p.t3,
            recip: (1u64 << 32).div_ceil(2 * p.near as u64 + 1),
            qlut: Vec::new(),
            qoff: lut_half,
            shift: Vec::new(),
            ctx: [Ctx {
                a: (2i32).max((range + 32) / 64),
                b: 0,
                c: 0,
                n: 1,
            }; 512],
            run: [
                RunCtx {
                    ritype: 0,
                    a: (2i32).max((range + 32) / 64),
                    n: 1,
                    nn: 0,
                },
                RunCtx {
                    ritype: 1,
                    a: (2i32).max((range + 32) / 64),
                    n: 1,
                    nn: 0,
                },
            ],
            run_index: 0,
            overflow: false,
        };
        c.qlut = (-lut_half..lut_half).map(|d| c.quantize(d) as i8).collect();
        if p.near > 0 {
            // |shift| <= NEAR <= 255.
            c.shift = (-p.maxval..=p.maxval)
                .map(|d| (c.quantize_error(d) * (2 * p.near + 1) - d) as i16)
                .collect();
        }
        c
    }

    /// The quantised gradient (A.3.3).
    fn quantize(&self, d: i32) -> i32 {
        let n = self.near;
        match d {
            _ if d <= -self.t3 => -4,
            _ if d <= -self.t2 => -3,
            _ if d <= -self.t1 => -2,
            _ if d < -n => -1,
            _ if d <= n => 0,
            _ if d < self.t1 => 1,
            _ if d < self.t2 => 2,
            _ if d < self.t3 => 3,
            _ => 4,
        }
    }

    #[inline(always)]
    fn q(&self, d: i32) -> i32 {
        i32::from(self.qlut[(d + self.qoff) as usize])
    }

    /// The signed context number of gradients `d1, d2, d3`.
    #[inline(always)]
    fn context(&self, d1: i32, d2: i32, d3: i32) -> i32 {
        (self.q(d1) * 9 + self.q(d2)) * 9 + self.q(d3)
    }

    /// The prediction error, quantised for NEAR and reduced modulo the range (A.4.4, A.4.5).
    #[inline(always)]
    fn error_value(&self, e: i32) -> i32 {
        self.reduce(self.quantize_error(e))
    }

    /// The prediction error quantised for NEAR (A.4.4).
    #[inline(always)]
    fn quantize_error(&self, e: i32) -> i32 {
        let n = self.near;
        if n == 0 {
            e
        } else {
            // (|e| + NEAR) / (2 NEAR + 1) with e's sign; 0 stays 0 as NEAR < 2 NEAR + 1.
            let s = e >> 31;
            let q = ((((e ^ s) - s + n) as u64 * self.recip) >> 32) as i32;
            (q ^ s) - s
        }
    }

    /// A quantised error reduced modulo the range (A.4.5).
    #[inline(always)]
    fn reduce(&self, mut e: i32) -> i32 {
        if e < 0 {
            e += self.range;
        }
        if e >= (self.range + 1) / 2 {
            e -= self.range;
        }
        e
    }

    /// A prediction clamped into `0..=maxval`.
    #[inline(always)]
    fn clamp(&self, v: i32) -> i32 {
        if (v & self.maxval) == v {
            v
        } else {
            !(v >> 31) & self.maxval
        }
    }

    /// The value the decoder reconstructs from `pred` and the error `e` (A.4.6).
    #[inline(always)]
    fn reconstruct(&self, pred: i32, e: i32) -> i32 {
        let n = self.near;
        let mut v = pred + e * (2 * n + 1);
        if v < -n {
            v += self.range * (2 * n + 1);
        } else if v > self.maxval + n {
            v -= self.range * (2 * n + 1);
        }
        self.clamp(v)
    }

    /// Writes `mapped` with Golomb parameter `k`, limited to `limit` bits (A.5.3).
    #[inline(always)]
    fn encode_mapped(&self, bw: &mut LineWriter<'_>, k: u32, mapped: i32, limit: i32) {
        put_golomb(bw, k, mapped, limit, self.qbpp);
    }

    /// The Golomb parameter of a regular context.
    #[inline(always)]
    fn ctx_k(&mut self, cx: Ctx) -> u32 {
        let k = golomb_k(cx.n, cx.a);
        if k >= MAX_K {
            self.overflow = true;
            return MAX_K - 1;
        }
        k
    }

    /// Updates a regular context after error `e` (A.6.1, A.6.2).
    #[inline(always)]
    fn update(&mut self, i: usize, e: i32, near: i32) {
        let reset = self.reset;
        let cx = &mut self.ctx[i];
        cx.a += e.abs();
        cx.b += e * (2 * near + 1);
        if cx.n == reset {
            cx.a >>= 1;
            cx.b >>= 1;
            cx.n >>= 1;
        }
        cx.n += 1;
        // The bias correction of A.6.2 without branches (which one is taken varies from
        // sample to sample and would be mispredicted): when neither applies, 1 - N <= B <= 0
        // already, and when one does, the bound it checks is one of these two.
        let (b, n, c) = (cx.b, cx.n, cx.c);
        let neg = -i32::from(b + n <= 0);
        let pos = -i32::from(b > 0);
        cx.b = (b + (n & neg) - (n & pos)).max(1 - n).min(0);
        cx.c = (c + neg - pos).clamp(-128, 127);
    }

    /// Codes sample `x` in regular mode in signed context `q`, returning the reconstruction.
    #[inline(always)]
    fn regular(&mut self, bw: &mut LineWriter<'_>, q: i32, x: i32, pred: i32) -> i32 {
        let sign = bit_sign(q);
        let i = ((q ^ sign) - sign) as usize & 511;
        let cx = self.ctx[i];
        let k = self.ctx_k(cx);
        let px = self.clamp(pred + ((cx.c ^ sign) - sign));
        // The reconstruction (A.4.6) is `px` plus the quantised error before the modulo
        // reduction, times 2 NEAR + 1, clamped: that value lies within NEAR of `x`, so within
        // -NEAR..=MAXVAL + NEAR, where the reduction's wrap-around brings its own result.
        // Taken so (from `shift`), it does not wait for the reduction, nor for the division
        // of the quantisation.
        let d = x - px;
        let qe = self.quantize_error(d);
        let e = self.reduce((qe ^ sign) - sign);
        let corr = if (k as i32 | self.near) == 0 {
            bit_sign(2 * cx.b + cx.n - 1)
        } else {
            0
        };
        let v = corr ^ e;
        self.encode_mapped(bw, k, (v >> 30) ^ (2 * v), self.limit);
        self.update(i, e, self.near);
        if self.near == 0 {
            x
        } else {
            let r = self.shift.get((d + self.maxval) as usize).copied();
            self.clamp(x + i32::from(r.unwrap_or(0)))
        }
    }

    /// Writes a run of `run` samples, `eol` when it reaches the end of the line (A.7.1).
    #[inline(always)]
    fn encode_run(&mut self, bw: &mut LineWriter<'_>, mut run: usize, eol: bool) {
        while run >= 1 << J[self.run_index] {
            bw.put(1, 1);
            run -= 1 << J[self.run_index];
            self.run_index = (self.run_index + 1).min(31);
        }
        if eol {
            if run != 0 {
                bw.put(1, 1);
            }
        } else {
            bw.put(run as u32, J[self.run_index] + 1);
        }
    }

    /// Codes a run-interruption error `e` in run context `which` (A.7.2).
    #[inline(always)]
    fn code_interruption(&mut self, bw: &mut LineWriter<'_>, which: usize, e: i32) {
        let cx = self.run[which];
        let k = cx.k();
        let map = (k == 0 && e > 0 && 2 * cx.nn < cx.n)
            || (e < 0 && 2 * cx.nn >= cx.n)
            || (e < 0 && k != 0);
        let em = 2 * e.abs() - cx.ritype - i32::from(map);
        let limit = self.limit - J[self.run_index] as i32 - 1;
        self.encode_mapped(bw, k, em, limit);
        let reset = self.reset;
        let cx = &mut self.run[which];
        if e < 0 {
            cx.nn += 1;
        }
        cx.a += (em + 1 - cx.ritype) >> 1;
        if cx.n == reset {
            cx.a >>= 1;
            cx.n >>= 1;
            cx.nn >>= 1;
        }
        cx.n += 1;
    }

    /// The run-interruption sample of one component, returning its reconstruction.
    #[inline(always)]
    fn interruption(&mut self, bw: &mut LineWriter<'_>, x: i32, ra: i32, rb: i32) -> i32 {
        if (ra - rb).abs() <= self.near {
            let e = self.error_value(x - ra);
            self.code_interruption(bw, 1, e);
            self.reconstruct(ra, e)
        } else {
            let s = (rb - ra) >> 31 | 1;
            let e = self.error_value((x - rb) * s);
            self.code_interruption(bw, 0, e);
            self.reconstruct(rb, e * s)
        }
    }

    /// Codes one line of one component. `prev` and `cur` hold the line above and this line
    /// at indices `1..=w`; `cur` holds the samples and receives their reconstructions.
    #[inline(always)]
    pub(super) fn mono_line(&mut self, out: &mut BitWriter, prev: &mut [i32], cur: &mut [i32]) {
        let mut writer = out.line(cur.len() * (self.limit as usize + 1) + 64);
        let bw = &mut writer;
        let w = cur.len() - 2;
        prev[w + 1] = prev[w];
        cur[0] = prev[1];
        let (mut rb, mut rd) = (prev[0], prev[1]);
        // The reconstruction of the sample before, kept in a register: read back from `cur`,
        // it would wait for its own store on the chain from sample to sample.
        let mut ra = cur[0];
        let mut x = 0;
        while x < w {
            let rc = rb;
            rb = rd;
            rd = prev[x + 2];
            let q = self.context(rd - rb, rb - rc, rc - ra);
            if q != 0 {
                ra = self.regular(bw, q, cur[x + 1], med(ra, rb, rc));
                cur[x + 1] = ra;
                x += 1;
            } else {
                x += self.mono_run(bw, prev, cur, x);
                rb = prev[x];
                rd = prev[x + 1];
                ra = cur[x];
            }
        }
        let state = writer.state();
        out.end_line(state);
    }

    #[inline(always)]
    fn mono_run(
        &mut self,
        bw: &mut LineWriter<'_>,
        prev: &[i32],
        cur: &mut [i32],
        x: usize,
    ) -> usize {
        let remain = cur.len() - 2 - x;
        let ra = cur[x];
        let mut run = 0;
        while (cur[x + 1 + run] - ra).abs() <= self.near {
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
        cur[i] = self.interruption(bw, cur[i], ra, prev[i]);
        self.run_index = self.run_index.saturating_sub(1);
        run + 1
    }
}
