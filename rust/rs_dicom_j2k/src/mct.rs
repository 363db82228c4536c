//! Inverse multiple component transforms (ISO/IEC 15444-1 Annex G) and the DC level shift,
//! with OpenJPEG 2.5's exact numerics.

/// Inverse reversible component transform (RCT) in place: (Y, Cb, Cr) -> (R, G, B).
pub(crate) fn inverse_rct(c0: &mut [i32], c1: &mut [i32], c2: &mut [i32]) {
    for ((y, u), v) in c0.iter_mut().zip(c1.iter_mut()).zip(c2.iter_mut()) {
        let g = y.wrapping_sub(u.wrapping_add(*v) >> 2);
        let r = v.wrapping_add(g);
        let b = u.wrapping_add(g);
        (*y, *u, *v) = (r, g, b);
    }
}

/// Inverse irreversible component transform (ICT) in place, with OpenJPEG's f32 coefficients.
pub(crate) fn inverse_ict(c0: &mut [f32], c1: &mut [f32], c2: &mut [f32]) {
    for ((y, u), v) in c0.iter_mut().zip(c1.iter_mut()).zip(c2.iter_mut()) {
        let r = *y + *v * 1.402_f32;
        let g = *y - *u * 0.344_13_f32 - *v * 0.714_14_f32;
        let b = *y + *u * 1.772_f32;
        (*y, *u, *v) = (r, g, b);
    }
}

/// Reversible-path DC level shift in place: `clamp(v + dc_shift, min, max)`.
pub(crate) fn level_shift_int(buf: &mut [i32], dc_shift: i32, min: i32, max: i32) {
    // OpenJPEG adds in 32 bits (wrapping in practice) and clamps low bound first.
    for v in buf {
        let s = v.wrapping_add(dc_shift);
        *v = if s < min {
            min
        } else if s > max {
            max
        } else {
            s
        };
    }
}

/// Irreversible-path DC level shift: round half to even (`lrintf`), add `dc_shift`, clamp.
pub(crate) fn level_shift_float(src: &[f32], dc_shift: i32, min: i32, max: i32, dst: &mut [i32]) {
    // Clamping before rounding and shifting, against integral bounds, gives the same result as
    // OpenJPEG's lrintf-then-add-in-i64-then-clamp (rounding is monotonic and fixes integers).
    // When the bounds are within 2^22, adding 1.5 * 2^23 rounds to nearest-even and leaves the
    // integer in the low mantissa bits: no libm call (`f32::round_ties_even` is `roundevenf` on
    // baseline x86-64) and no saturating cast, so the loop vectorises.
    let lo = i64::from(min) - i64::from(dc_shift);
    let hi = i64::from(max) - i64::from(dc_shift);
    const LIMIT: i64 = 1 << 22;
    if min <= max && (-LIMIT..=LIMIT).contains(&lo) && (-LIMIT..=LIMIT).contains(&hi) {
        const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23
        const MAGIC_BITS: i32 = 0x4b40_0000;
        let (lo, hi) = (lo as f32, hi as f32);
        for (d, &f) in dst.iter_mut().zip(src) {
            // f32::max ignores NaN, so NaN lands on `lo` (min once shifted), where OpenJPEG's
            // lrintf(NaN) = LONG_MIN ends up on x86-64; +-inf and values beyond the i32 range
            // saturate as its range checks make them.
            let c = f.max(lo).min(hi);
            *d = ((c + MAGIC).to_bits() as i32 - MAGIC_BITS) + dc_shift;
        }
        return;
    }
    for (d, &f) in dst.iter_mut().zip(src) {
        // OpenJPEG's range checks: above (float)INT_MAX saturates to max, below INT_MIN to min.
        // NaN passes both and lrintf(NaN) is LONG_MIN on x86-64, which clamps to min.
        *d = if f > i32::MAX as f32 {
            max
        } else if f < i32::MIN as f32 || f.is_nan() {
            min
        } else {
            let s = f.round_ties_even() as i64 + i64::from(dc_shift);
            if s < i64::from(min) {
                min
            } else if s > i64::from(max) {
                max
            } else {
                s as i32
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Rng;

    #[test]
    fn rct_round_trip() {
        let mut rng = Rng(77);
        let n = 1001;
        let rgb: Vec<[i32; 3]> = (0..n)
            .map(|_| [0; 3].map(|_| rng.range(-70_000, 70_000) as i32))
            .collect();
        let mut c0: Vec<i32> = rgb
            .iter()
            .map(|p| (p[0] + 2 * p[1] + p[2]).div_euclid(4))
            .collect();
        let mut c1: Vec<i32> = rgb.iter().map(|p| p[2] - p[1]).collect();
        let mut c2: Vec<i32> = rgb.iter().map(|p| p[0] - p[1]).collect();
        inverse_rct(&mut c0, &mut c1, &mut c2);
        for (i, p) in rgb.iter().enumerate() {
            assert_eq!([c0[i], c1[i], c2[i]], *p);
        }
    }

    #[test]
    fn ict_matches_formulas() {
        let mut rng = Rng(99);
        let n = 1003;
        let rgb: Vec<[f64; 3]> = (0..n)
            .map(|_| [0; 3].map(|_| rng.range(-128, 127) as f64))
            .collect();
        let mut c0 = Vec::new();
        let mut c1 = Vec::new();
        let mut c2 = Vec::new();
        for &[r, g, b] in &rgb {
            c0.push((0.299 * r + 0.587 * g + 0.114 * b) as f32);
            c1.push((-0.168_75 * r - 0.331_26 * g + 0.5 * b) as f32);
            c2.push((0.5 * r - 0.418_69 * g - 0.081_31 * b) as f32);
        }
        let (y, u, v) = (c0.clone(), c1.clone(), c2.clone());
        inverse_ict(&mut c0, &mut c1, &mut c2);
        for i in 0..n {
            // OpenJPEG's exact expression order.
            assert_eq!(c0[i].to_bits(), (y[i] + (v[i] * 1.402_f32)).to_bits());
            let g = y[i] - (u[i] * 0.344_13_f32) - (v[i] * 0.714_14_f32);
            assert_eq!(c1[i].to_bits(), g.to_bits());
            assert_eq!(c2[i].to_bits(), (y[i] + (u[i] * 1.772_f32)).to_bits());
            for (k, &want) in rgb[i].iter().enumerate() {
                let got = [c0[i], c1[i], c2[i]][k];
                assert!((f64::from(got) - want).abs() < 0.01, "{got} vs {want}");
            }
        }
    }

    #[test]
    fn level_shift_int_clamps() {
        let mut buf = [-200, -129, -128, 0, 127, 128, 300, i32::MAX];
        level_shift_int(&mut buf, 128, 0, 255);
        // i32::MAX + 128 wraps negative in OpenJPEG's 32-bit addition.
        assert_eq!(buf, [0, 0, 0, 128, 255, 255, 255, 0]);
        let mut buf = [-5000, -2048, 2047, 5000];
        level_shift_int(&mut buf, 0, -2048, 2047);
        assert_eq!(buf, [-2048, -2048, 2047, 2047]);
    }

    #[test]
    fn level_shift_float_rounds_half_to_even() {
        let src = [2.5f32, 3.5, -2.5, -3.5, 0.5, 1.5, 2.499_999, -0.5, 0.49];
        let mut dst = [0i32; 9];
        level_shift_float(&src, 0, -100, 100, &mut dst);
        assert_eq!(dst, [2, 4, -2, -4, 0, 2, 2, 0, 0]);
        level_shift_float(&src, 10, -100, 100, &mut dst);
        assert_eq!(dst, [12, 14, 8, 6, 10, 12, 12, 10, 10]);
    }

    #[test]
    fn level_shift_float_fast_path_matches_openjpeg_rule() {
        // Random bit patterns (NaN, inf, huge, tiny, ties) through the vectorised path, against
        // OpenJPEG's rule written out directly.
        let mut rng = Rng(5);
        let ties = [
            0.5f32,
            1.5,
            2.5,
            -0.5,
            -1.5,
            254.5,
            255.5,
            -127.5,
            4_194_303.5,
        ];
        let mut src: Vec<f32> = ties.to_vec();
        src.extend((0..50_000).map(|_| f32::from_bits(rng.next() as u32)));
        src.extend((0..50_000).map(|_| rng.range(-1 << 26, 1 << 26) as f32 / 8.0));
        let bounds = [
            (128, 0, 255),
            (0, -32768, 32767),
            (32768, 0, 65535),
            (-(1 << 21), -(1 << 21), 1 << 21),
            (1 << 22, 0, 1 << 23),
        ];
        for (dc, min, max) in bounds {
            let mut dst = vec![0i32; src.len()];
            level_shift_float(&src, dc, min, max, &mut dst);
            for (&f, &got) in src.iter().zip(&dst) {
                let want = if f > 2_147_483_648.0 {
                    max
                } else if f < -2_147_483_648.0 || f.is_nan() {
                    min
                } else {
                    (f.round_ties_even() as i64 + i64::from(dc)).clamp(min.into(), max.into())
                        as i32
                };
                assert_eq!(got, want, "{f} {dc} {min} {max}");
            }
        }
    }

    #[test]
    fn level_shift_float_saturates() {
        let src = [
            1e20f32,
            -1e20,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            2_147_483_648.0,
            -2_147_483_648.0,
            300.4,
            -300.6,
        ];
        let mut dst = [0i32; 9];
        level_shift_float(&src, 128, 0, 255, &mut dst);
        assert_eq!(dst, [255, 0, 255, 0, 0, 255, 0, 255, 0]);
        // The general path (bounds f32 cannot hold): large values plus the shift must not
        // overflow, and both paths agree with OpenJPEG's checks.
        let mut dst = [0i32; 9];
        level_shift_float(&src, i32::MAX, i32::MIN, i32::MAX, &mut dst);
        let top = i32::MAX;
        assert_eq!(
            dst,
            [
                top,
                i32::MIN,
                top,
                i32::MIN,
                i32::MIN,
                top,
                -1,
                top,
                top - 301
            ]
        );
        let mut dst = [0i32; 9];
        level_shift_float(&src, -(1 << 30), i32::MIN, 1 << 20, &mut dst);
        let m = -(1 << 30);
        let want = [
            1 << 20,
            i32::MIN,
            1 << 20,
            i32::MIN,
            i32::MIN,
            1 << 20,
            i32::MIN,
            m + 300,
            m - 301,
        ];
        assert_eq!(dst, want);
    }
}
