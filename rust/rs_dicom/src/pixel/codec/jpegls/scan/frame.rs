//! The line loop of a frame, compiled twice on x86-64: for any CPU and for those with AVX2,
//! LZCNT and BMI1/2 (x86-64 CPUs since 2013, but for some low-end ones), where the Golomb
//! parameter's leading-zero counts are one instruction, the many register shifts of the coder
//! and bit writer need no CL, and the lossless lines' vector pass takes 8 samples at a time.

use super::super::bits::BitWriter;
use super::Coder;

impl Coder {
    /// Codes the `w`-sample lines of `samples` (1 or 3 components interleaved by pixel).
    pub(in super::super) fn code_frame(
        &mut self,
        bw: &mut BitWriter,
        samples: &[u16],
        w: usize,
        comps: usize,
    ) {
        #[cfg(target_arch = "x86_64")]
        if has_bmi() {
            // SAFETY: the CPU has AVX2, LZCNT, BMI1 and BMI2, checked just above.
            #[allow(unsafe_code)]
            unsafe {
                self.frame_bmi(bw, samples, w, comps);
            }
            return;
        }
        self.frame_body(bw, samples, w, comps);
    }

    /// [`Coder::frame_body`] for CPUs with AVX2, LZCNT and BMI1/2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,lzcnt,bmi1,bmi2")]
    #[inline(never)]
    fn frame_bmi(&mut self, bw: &mut BitWriter, samples: &[u16], w: usize, comps: usize) {
        self.frame_body(bw, samples, w, comps);
    }

    #[inline(always)]
    fn frame_body(&mut self, bw: &mut BitWriter, samples: &[u16], w: usize, comps: usize) {
        if comps != 1 {
            let (mut prev, mut cur) = (vec![[0i32; 3]; w + 2], vec![[0i32; 3]; w + 2]);
            for row in samples.chunks_exact(w * 3) {
                std::mem::swap(&mut prev, &mut cur);
                for (d, s) in cur[1..=w].iter_mut().zip(row.chunks_exact(3)) {
                    *d = [s[0], s[1], s[2]].map(i32::from);
                }
                self.triplet_line(bw, &mut prev, &mut cur);
            }
        } else if self.near != 0 {
            let (mut prev, mut cur) = (vec![0i32; w + 2], vec![0i32; w + 2]);
            for row in samples.chunks_exact(w) {
                std::mem::swap(&mut prev, &mut cur);
                load_line(&mut cur, row);
                self.mono_line(bw, &mut prev, &mut cur);
            }
        } else {
            // The usual precisions get their own build, where the sample width, the error
            // modulo and the code length limit are constants.
            match self.bits {
                8 => self.lossless_frame::<8>(bw, samples, w),
                12 => self.lossless_frame::<12>(bw, samples, w),
                16 => self.lossless_frame::<16>(bw, samples, w),
                _ => self.lossless_frame::<0>(bw, samples, w),
            }
        }
    }

    #[inline(always)]
    fn lossless_frame<const B: u32>(&mut self, bw: &mut BitWriter, samples: &[u16], w: usize) {
        let (mut prev, mut cur) = (vec![0i32; w + 2], vec![0i32; w + 2]);
        let (mut ids, mut signs, mut preds) = (vec![0i32; w], vec![0i32; w], vec![0i32; w]);
        for row in samples.chunks_exact(w) {
            std::mem::swap(&mut prev, &mut cur);
            load_line(&mut cur, row);
            let scratch = (&mut ids[..], &mut signs[..], &mut preds[..]);
            self.mono_line_lossless::<B>(bw, &mut prev, &mut cur, scratch);
        }
    }
}

/// Copies a line of samples into `cur[1..=w]`.
#[inline(always)]
fn load_line(cur: &mut [i32], row: &[u16]) {
    for (d, &s) in cur[1..].iter_mut().zip(row) {
        *d = i32::from(s);
    }
}

/// Whether [`Coder::frame_bmi`] may run on this CPU (std caches the detection).
#[cfg(target_arch = "x86_64")]
fn has_bmi() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("lzcnt")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("bmi2")
}
