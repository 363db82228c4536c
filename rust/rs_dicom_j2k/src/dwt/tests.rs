//! Unit tests of the inverse wavelet transforms: exact 5/3 reconstruction, 9/7 against a
//! transcription of OpenJPEG's decoder, edge cases.
#![allow(clippy::excessive_precision)] // OpenJPEG's literals, as spelled in its C source

use super::dwt97::{K, NEG_ALPHA, NEG_BETA, NEG_DELTA, NEG_GAMMA, TWO_INV_K};
use super::*;
use crate::test_rng::Rng;

/// Resolution rectangles of a tile-component per eq. B-14.
fn rects(x0: u32, y0: u32, x1: u32, y1: u32, nl: u32) -> Vec<ResRect> {
    (0..=nl)
        .map(|r| {
            let d = 1u32 << (nl - r);
            ResRect {
                x0: x0.div_ceil(d),
                y0: y0.div_ceil(d),
                x1: x1.div_ceil(d),
                y1: y1.div_ceil(d),
            }
        })
        .collect()
}

/// Symmetric extension of local index `k` into `0..n` (n >= 2).
fn mirror(k: isize, n: usize) -> usize {
    let p = 2 * (n as isize - 1);
    let k = k.rem_euclid(p);
    (if k > p / 2 { p - k } else { k }) as usize
}

/// Low-pass (even absolute coordinate) samples first, then high-pass.
fn deinterleave<T: Copy>(y: &[T], i0: usize) -> Vec<T> {
    let even = y
        .iter()
        .enumerate()
        .filter(|(j, _)| (i0 + j).is_multiple_of(2));
    let odd = y.iter().enumerate().filter(|(j, _)| (i0 + j) % 2 == 1);
    even.chain(odd).map(|(_, &v)| v).collect()
}

/// Annex F 1-D forward 5/3 (FDWT_1D with PSE), output de-interleaved.
fn fwd53_1d(x: &[i64], i0: usize) -> Vec<i64> {
    let n = x.len();
    if n <= 1 {
        return x
            .iter()
            .map(|&v| if i0 % 2 == 1 { 2 * v } else { v })
            .collect();
    }
    let mut y = x.to_vec();
    let at = |v: &[i64], k: isize| v[mirror(k, n)];
    for j in 0..n {
        if (i0 + j) % 2 == 1 {
            let k = j as isize;
            y[j] = x[j] - (at(x, k - 1) + at(x, k + 1)).div_euclid(2);
        }
    }
    let odd = y.clone();
    for j in 0..n {
        if (i0 + j).is_multiple_of(2) {
            let k = j as isize;
            y[j] = x[j] + (at(&odd, k - 1) + at(&odd, k + 1) + 2).div_euclid(4);
        }
    }
    deinterleave(&y, i0)
}

const ALPHA: f64 = -1.586_134_342;
const BETA: f64 = -0.052_980_118;
const GAMMA: f64 = 0.882_911_075;
const DELTA: f64 = 0.443_506_852;
const KF: f64 = 1.230_174_105;

/// Annex F 1-D forward 9/7 in f64, except for the high-pass gain: OpenJPEG synthesises high
/// bands with its historic 1.625732422 (about 2/K, 3.3e-5 off) and folds the factor 2 into
/// dequantisation, so the analysis here uses the exact reciprocal of that value. A lone
/// sample is left as is, as OpenJPEG's synthesis does.
fn fwd97_1d(x: &[f64], i0: usize) -> Vec<f64> {
    let n = x.len();
    if n <= 1 {
        return x.to_vec();
    }
    let mut y = x.to_vec();
    let steps = [(1, ALPHA), (0, BETA), (1, GAMMA), (0, DELTA)];
    for (parity, c) in steps {
        let prev = y.clone();
        for j in 0..n {
            if (i0 + j) % 2 == parity {
                let k = j as isize;
                y[j] = prev[j] + c * (prev[mirror(k - 1, n)] + prev[mirror(k + 1, n)]);
            }
        }
    }
    for (j, v) in y.iter_mut().enumerate() {
        *v *= if (i0 + j) % 2 == 1 {
            1.0 / 1.625_732_422
        } else {
            1.0 / KF
        };
    }
    deinterleave(&y, i0)
}

/// 2-D forward transform into the layout `inverse_*` expects (vertical, then horizontal,
/// from the finest level down: the reverse of the synthesis order).
fn forward<T: Copy>(buf: &mut [T], res: &[ResRect], f: impl Fn(&[T], usize) -> Vec<T>) {
    let full = res[res.len() - 1];
    let w = (full.x1 - full.x0) as usize;
    for r in (1..res.len()).rev() {
        let rr = res[r];
        let (rw, rh) = ((rr.x1 - rr.x0) as usize, (rr.y1 - rr.y0) as usize);
        for x in 0..rw {
            let col: Vec<T> = (0..rh).map(|y| buf[y * w + x]).collect();
            for (y, v) in f(&col, rr.y0 as usize).into_iter().enumerate() {
                buf[y * w + x] = v;
            }
        }
        for y in 0..rh {
            let out = f(&buf[y * w..y * w + rw], rr.x0 as usize);
            buf[y * w..y * w + rw].copy_from_slice(&out);
        }
    }
}

/// Random tile-components: odd/even offsets, sizes from 1 up, NL 1..=5.
fn shapes(rng: &mut Rng, count: usize) -> Vec<Vec<ResRect>> {
    let mut out = Vec::new();
    // Degenerate sizes at both parities first.
    for (x0, y0) in [(0, 0), (1, 0), (0, 1), (1, 1), (3, 7)] {
        for (w, h) in [(1, 1), (1, 9), (9, 1), (2, 2), (2, 3), (3, 2)] {
            for nl in 1..=3 {
                out.push(rects(x0, y0, x0 + w, y0 + h, nl));
            }
        }
    }
    for _ in 0..count {
        let x0 = rng.below(70) as u32;
        let y0 = rng.below(70) as u32;
        let wmax = if rng.below(4) == 0 { 4 } else { 150 };
        let hmax = if rng.below(4) == 0 { 4 } else { 90 };
        let w = 1 + rng.below(wmax) as u32;
        let h = 1 + rng.below(hmax) as u32;
        let nl = 1 + rng.below(5) as u32;
        out.push(rects(x0, y0, x0 + w, y0 + h, nl));
    }
    out
}

fn dims(res: &[ResRect]) -> (usize, usize) {
    let f = res[res.len() - 1];
    ((f.x1 - f.x0) as usize, (f.y1 - f.y0) as usize)
}

#[test]
fn inverse_53_reconstructs_exactly() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for res in shapes(&mut rng, 400) {
        let (w, h) = dims(&res);
        let orig: Vec<i64> = (0..w * h).map(|_| rng.range(-4096, 4095)).collect();
        let mut coef = orig.clone();
        forward(&mut coef, &res, fwd53_1d);
        let mut buf: Vec<i32> = coef.iter().map(|&v| v as i32).collect();
        inverse_53(&mut buf, &res);
        let back: Vec<i64> = buf.iter().map(|&v| i64::from(v)).collect();
        assert_eq!(back, orig, "{res:?}");
    }
}

#[test]
fn inverse_97_reconstructs_closely() {
    let mut rng = Rng(0x0fed_cba9_8765_4321);
    let mut worst = 0f64;
    for res in shapes(&mut rng, 400) {
        let (w, h) = dims(&res);
        let orig: Vec<f64> = (0..w * h).map(|_| rng.range(-2048, 2047) as f64).collect();
        let mut coef = orig.clone();
        forward(&mut coef, &res, fwd97_1d);
        let mut buf: Vec<f32> = coef.iter().map(|&v| v as f32).collect();
        inverse_97(&mut buf, &res);
        for (&b, &o) in buf.iter().zip(&orig) {
            worst = worst.max((f64::from(b) - o).abs());
        }
    }
    // A few f32 ulps of 2048 (lifting rounding over up to 5 levels).
    assert!(worst < 5e-3, "worst error {worst}");
}

/// OpenJPEG's `opj_v8dwt_decode` for one lane, transcribed with its interleaved layout and
/// pointer walk, as an independent check of the de-interleaved implementation's bits.
fn opj_decode_1d(x: &[f32], sn: usize, cas: usize) -> Vec<f32> {
    let len = x.len();
    let dn = len - sn;
    let mut wv = vec![0f32; len];
    for i in 0..sn {
        wv[cas + 2 * i] = x[i];
    }
    for i in 0..dn {
        wv[1 - cas + 2 * i] = x[sn + i];
    }
    let (a, b) = if cas == 0 {
        if !(dn > 0 || sn > 1) {
            return wv;
        }
        (0, 1)
    } else {
        if !(sn > 0 || dn > 1) {
            return wv;
        }
        (1, 0)
    };
    let step1 = |wv: &mut [f32], base: usize, end: usize, c: f32| {
        for i in 0..end {
            wv[base + 2 * i] *= c;
        }
    };
    let step2 = |wv: &mut [f32], l: usize, w: usize, end: usize, m: i64, c: f32| {
        let m = m as u32 as usize;
        let imax = end.min(m);
        let (mut fl, mut fw) = (l, w);
        for _ in 0..imax {
            wv[fw - 1] += (wv[fl] + wv[fw]) * c;
            fl = fw;
            fw += 2;
        }
        if m < end {
            let c = c + c;
            wv[fw - 1] += wv[fl] * c;
        }
    };
    let (sn_i, dn_i) = (sn as i64, dn as i64);
    step1(&mut wv, a, sn, 1.230_174_105_f32);
    step1(&mut wv, b, dn, 1.625_732_422_f32);
    step2(
        &mut wv,
        b,
        a + 1,
        sn,
        sn_i.min(dn_i - a as i64),
        -0.443_506_852_f32,
    );
    step2(
        &mut wv,
        a,
        b + 1,
        dn,
        dn_i.min(sn_i - b as i64),
        -0.882_911_075_f32,
    );
    step2(
        &mut wv,
        b,
        a + 1,
        sn,
        sn_i.min(dn_i - a as i64),
        0.052_980_118_f32,
    );
    step2(
        &mut wv,
        a,
        b + 1,
        dn,
        dn_i.min(sn_i - b as i64),
        1.586_134_342_f32,
    );
    wv
}

/// `opj_dwt_decode_tile_97` for one lane at a time: all rows, then all columns, per level.
fn opj_decode_tile_97(buf: &mut [f32], res: &[ResRect]) {
    let (w, _) = dims(res);
    for r in 1..res.len() {
        let (p, c) = (res[r - 1], res[r]);
        let (rw, rh) = ((c.x1 - c.x0) as usize, (c.y1 - c.y0) as usize);
        let (sn_h, sn_v) = ((p.x1 - p.x0) as usize, (p.y1 - p.y0) as usize);
        for y in 0..rh {
            let out = opj_decode_1d(&buf[y * w..y * w + rw], sn_h, (c.x0 % 2) as usize);
            buf[y * w..y * w + rw].copy_from_slice(&out);
        }
        for x in 0..rw {
            let col: Vec<f32> = (0..rh).map(|y| buf[y * w + x]).collect();
            let out = opj_decode_1d(&col, sn_v, (c.y0 % 2) as usize);
            for (y, v) in out.into_iter().enumerate() {
                buf[y * w + x] = v;
            }
        }
    }
}

#[test]
fn inverse_97_is_bit_identical_to_openjpeg_transcription() {
    let mut rng = Rng(0x5555_aaaa_1234_0001);
    for res in shapes(&mut rng, 400) {
        let (w, h) = dims(&res);
        let coef: Vec<f32> = (0..w * h)
            .map(|_| rng.range(-1 << 20, 1 << 20) as f32 / 256.0)
            .collect();
        let mut mine = coef.clone();
        inverse_97(&mut mine, &res);
        let mut reference = coef;
        opj_decode_tile_97(&mut reference, &res);
        let a: Vec<u32> = mine.iter().map(|v| v.to_bits()).collect();
        let b: Vec<u32> = reference.iter().map(|v| v.to_bits()).collect();
        assert_eq!(a, b, "{res:?}");
    }
}

#[test]
fn constants_have_openjpeg_bits() {
    // Bit patterns of the C float literals in dwt.c and mct.c, as compiled by gcc.
    assert_eq!(
        NEG_ALPHA.to_bits(),
        (-1.586_134_342_f32).to_bits() ^ 0x8000_0000
    );
    assert_eq!((-NEG_ALPHA).to_bits(), 0xbfcb_0673);
    assert_eq!((-NEG_BETA).to_bits(), 0xbd59_01ae);
    assert_eq!((-NEG_GAMMA).to_bits(), 0x3f62_0676);
    assert_eq!((-NEG_DELTA).to_bits(), 0x3ee3_1355);
    assert_eq!(K.to_bits(), 0x3f9d_7658);
    assert_eq!(TWO_INV_K.to_bits(), 0x3fd0_1800);
    assert_eq!(1.402_f32.to_bits(), 0x3fb3_74bc);
    assert_eq!(0.344_13_f32.to_bits(), 0x3eb0_31cf);
    assert_eq!(0.714_14_f32.to_bits(), 0x3f36_d1e1);
    assert_eq!(1.772_f32.to_bits(), 0x3fe2_d0e5);
}

#[test]
fn lone_high_pass_sample() {
    // x0 = 1, one column: level 1 is a lone high-pass sample horizontally.
    let res = rects(1, 0, 2, 1, 1);
    assert_eq!(res[0].x1 - res[0].x0, 0);
    for (v, want) in [(-3, -1), (5, 2), (-4, -2), (1, 0), (-1, 0)] {
        let mut buf = [v];
        inverse_53(&mut buf, &res);
        assert_eq!(buf, [want], "5/3 of {v}");
    }
    // Both directions: halved twice, truncating each time.
    let res = rects(1, 1, 2, 2, 1);
    let mut buf = [-7];
    inverse_53(&mut buf, &res);
    assert_eq!(buf, [-1]);
    // 9/7: OpenJPEG leaves lone samples alone, odd or even.
    for res in [
        rects(1, 1, 2, 2, 1),
        rects(0, 0, 1, 1, 3),
        rects(1, 0, 2, 1, 2),
    ] {
        let mut buf = [3.75f32];
        inverse_97(&mut buf, &res);
        assert_eq!(buf, [3.75]);
    }
    // Even offset: unchanged in 5/3 too.
    let mut buf = [-7];
    inverse_53(&mut buf, &rects(0, 0, 1, 1, 2));
    assert_eq!(buf, [-7]);
}

#[test]
fn invalid_layouts_are_left_alone() {
    let res = rects(0, 0, 4, 3, 1);
    let orig: Vec<i32> = (0..12).collect();
    let mut buf = orig.clone();
    inverse_53(&mut buf, &res[..1]); // NL == 0
    inverse_53(&mut buf[..11], &res); // wrong length
    let mut bad = res.clone();
    bad[0].x1 += 1; // inconsistent with eq. B-14
    inverse_53(&mut buf, &bad);
    bad[0].x1 = 0; // x1 < x0... x0 is 0, so make it inverted instead
    bad[1].x1 = 0;
    inverse_53(&mut buf, &bad);
    inverse_53(&mut [], &[]);
    assert_eq!(buf, orig);
    let mut f: Vec<f32> = orig.iter().map(|&v| v as f32).collect();
    inverse_97(&mut f, &res[..1]);
    inverse_97(&mut f[..5], &res);
    assert_eq!(f, orig.iter().map(|&v| v as f32).collect::<Vec<_>>());
    // An empty tile-component is fine.
    inverse_97(&mut [], &rects(3, 3, 3, 9, 2));
}
