//! Colour conversion between RGB and YBR_FULL (ITU T.871, PS3.3 C.7.6.3.1.2) with pydicom's
//! arithmetic, bit-exact, vectorised: the one implementation, used by native and compressed
//! pixel data (`pixel_array`) and by the display code (`convert_color_space`).
//!
//! pydicom multiplies by a float32 matrix with `numpy.matmul`, which OpenBLAS computes as a
//! chain of fused multiply-adds (`fma(c, m2, fma(b, m1, a * m0))`, rounded to float32 at each
//! step) on every CPU with FMA. Here each step is computed in float64 and rounded to float32:
//! the inputs are small integers and the sums need at most 37 significant bits, so the
//! float64 result is exact and its rounding is the fused result, with no FMA instruction.

use crate::error::{DicomError, ErrorKind, Result};

/// Pixels per block of the conversion kernels.
const YBR_BLOCK: usize = 64;

/// pydicom's YBR → RGB matrix entries that are neither 0 nor 1, as float32.
const R_CR: f32 = 1.402;
const G_CB: f32 = (-0.114f64 * 1.772 / 0.587) as f32;
const G_CR: f32 = (-0.299f64 * 1.402 / 0.587) as f32;
const B_CB: f32 = 1.772;

/// pydicom's RGB → YBR matrix (rows R, G, B; columns Y, Cb, Cr) as float32.
const RGB_TO_YBR: [[f32; 3]; 3] = [
    [0.299, (-0.299f64 / 1.772) as f32, (0.701f64 / 1.402) as f32],
    [
        0.587,
        (-0.587f64 / 1.772) as f32,
        (-0.587f64 / 1.402) as f32,
    ],
    [0.114, (0.886f64 / 1.772) as f32, (-0.114f64 / 1.402) as f32],
];

/// `a * m + c`, rounded once to float32 (a fused multiply-add): the FMA instruction when
/// `HW` (the caller checked the CPU has it), else computed exactly in float64 and rounded.
#[inline(always)]
fn fma32<const HW: bool>(a: f32, m: f32, c: f32) -> f32 {
    if HW {
        a.mul_add(m, c)
    } else {
        (f64::from(a) * f64::from(m) + f64::from(c)) as f32
    }
}

/// True when the CPU fuses multiply-adds (x86-64 with AVX2 and FMA): the kernels then run
/// 8 lanes of float32 FMA instead of float64 steps, with the same results.
#[cfg(target_arch = "x86_64")]
#[inline]
fn hardware_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// Runs `$generic::<true>` compiled for AVX2 + FMA when the CPU has them (always on
/// aarch64), else `$generic::<false>` (portable).
macro_rules! dispatch_fma {
    ($generic:ident, $fast:ident, ($($arg:ident: $ty:ty),*)) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn $fast($($arg: $ty),*) {
            $generic::<true>($($arg),*)
        }
        #[cfg(target_arch = "x86_64")]
        if hardware_fma() {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            unsafe { $fast($($arg),*) };
            return;
        }
        // FMA is part of the aarch64 baseline: `mul_add` is one instruction there.
        $generic::<{ cfg!(target_arch = "aarch64") }>($($arg),*)
    };
}

/// floor(x + 0.5) clipped to 0..=255, as pydicom rounds.
#[inline(always)]
fn round_u8(x: f32) -> u8 {
    floor_u8(x + 0.5)
}

/// floor(x) clipped to 0..=255 (for x clipped to 0..=255, truncation is the floor).
// An unchecked float-to-int cast (see the SAFETY comment) that vectorises.
#[allow(unsafe_code)]
#[inline(always)]
fn floor_u8(x: f32) -> u8 {
    let v = x.clamp(0.0, 255.0);
    // SAFETY: v is finite (sums of small products of bytes) and in 0..=255, so it is
    // representable as i32; the unchecked cast vectorises where `as` (saturating) does not.
    unsafe { v.to_int_unchecked::<i32>() as u8 }
}

/// YBR_FULL → RGB of up to [`YBR_BLOCK`] pixels (`y`, `cb`, `cr` of equal length), written
/// interleaved to `out` (3 bytes per pixel), bit-identical to pydicom.
#[inline(always)]
fn ybr_block<const HW: bool>(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    let n = y.len().min(cb.len()).min(cr.len()).min(YBR_BLOCK);
    let (mut fy, mut fcb, mut fcr) = ([0f32; YBR_BLOCK], [0f32; YBR_BLOCK], [0f32; YBR_BLOCK]);
    for i in 0..n {
        fy[i] = f32::from(y[i]);
        fcb[i] = f32::from(cb[i]) - 128.0;
        fcr[i] = f32::from(cr[i]) - 128.0;
    }
    // Each pixel packed into a little-endian u32 (R, G, B, 0), so it is stored with one
    // 4-byte write that the next pixel's write then overlaps (3× fewer stores). The matrix
    // terms that are 0 or 1 drop out of the fused chain exactly.
    let mut px = [0u32; YBR_BLOCK];
    for i in 0..YBR_BLOCK {
        let r = round_u8(fma32::<HW>(fcr[i], R_CR, fy[i]));
        let g = round_u8(fma32::<HW>(fcr[i], G_CR, fma32::<HW>(fcb[i], G_CB, fy[i])));
        let b = round_u8(fma32::<HW>(fcb[i], B_CB, fy[i]));
        px[i] = u32::from(r) | u32::from(g) << 8 | u32::from(b) << 16;
    }
    store_packed(&px, n, out);
}

/// Writes the first `n` packed pixels of `px` as 3-byte triplets to `out`.
#[inline(always)]
fn store_packed(px: &[u32; YBR_BLOCK], n: usize, out: &mut [u8]) {
    let out = &mut out[..3 * n];
    let mut i = 0;
    while 3 * i + 4 <= out.len() {
        out[3 * i..3 * i + 4].copy_from_slice(&px[i].to_le_bytes());
        i += 1;
    }
    // The last pixel, whose 4-byte write would run past the end.
    if i < n {
        out[3 * i..3 * i + 3].copy_from_slice(&px[i].to_le_bytes()[..3]);
    }
}

/// RGB → YBR_FULL of up to [`YBR_BLOCK`] interleaved pixels in place, bit-identical to
/// pydicom (`Y = fma(B, m20, fma(G, m10, R * m00)) + 0.5`, Cb and Cr + 128.5, floored).
#[inline(always)]
fn rgb_block<const HW: bool>(data: &mut [u8]) {
    let n = (data.len() / 3).min(YBR_BLOCK);
    let (mut r, mut g, mut b) = ([0f32; YBR_BLOCK], [0f32; YBR_BLOCK], [0f32; YBR_BLOCK]);
    for (i, p) in data.chunks_exact(3).take(n).enumerate() {
        r[i] = f32::from(p[0]);
        g[i] = f32::from(p[1]);
        b[i] = f32::from(p[2]);
    }
    let m = &RGB_TO_YBR;
    let mut px = [0u32; YBR_BLOCK];
    for i in 0..YBR_BLOCK {
        let c = |j: usize, offset: f32| {
            let v = fma32::<HW>(b[i], m[2][j], fma32::<HW>(g[i], m[1][j], r[i] * m[0][j]));
            floor_u8(v + offset)
        };
        px[i] = u32::from(c(0, 0.5)) | u32::from(c(1, 128.5)) << 8 | u32::from(c(2, 128.5)) << 16;
    }
    store_packed(&px, n, data);
}

/// RGB → YBR_FULL in place for interleaved 8-bit triplets (pydicom's arithmetic).
#[allow(unsafe_code)]
pub fn rgb_to_ybr_full(data: &mut [u8]) {
    dispatch_fma!(rgb_to_ybr_with, rgb_to_ybr_fma, (data: &mut [u8]));
}

#[inline(always)]
fn rgb_to_ybr_with<const HW: bool>(data: &mut [u8]) {
    for chunk in data.chunks_mut(3 * YBR_BLOCK) {
        rgb_block::<HW>(chunk);
    }
}

/// YBR_FULL → RGB in place for interleaved 8-bit triplets (pydicom's arithmetic, see
/// [`ybr_block`]).
#[allow(unsafe_code)]
pub fn ybr_full_to_rgb(data: &mut [u8]) {
    dispatch_fma!(ybr_to_rgb_with, ybr_to_rgb_fma, (data: &mut [u8]));
}

#[inline(always)]
fn ybr_to_rgb_with<const HW: bool>(data: &mut [u8]) {
    let (mut y, mut cb, mut cr) = ([0u8; YBR_BLOCK], [0u8; YBR_BLOCK], [0u8; YBR_BLOCK]);
    for chunk in data.chunks_mut(3 * YBR_BLOCK) {
        let n = chunk.len() / 3;
        for (i, px) in chunk.chunks_exact(3).enumerate() {
            y[i] = px[0];
            cb[i] = px[1];
            cr[i] = px[2];
        }
        ybr_block::<HW>(&y[..n], &cb[..n], &cr[..n], chunk);
    }
}

/// YBR_FULL → RGB of separate Y, Cb and Cr rows (equal lengths) into interleaved RGB `out`
/// (3 bytes per pixel), as [`ybr_full_to_rgb`] would convert them interleaved.
#[cfg_attr(not(feature = "jpeg"), allow(dead_code))]
#[allow(unsafe_code)]
pub(crate) fn ybr_rows_to_rgb(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    dispatch_fma!(ybr_rows_with, ybr_rows_fma, (y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]));
}

#[inline(always)]
fn ybr_rows_with<const HW: bool>(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    for (((y, cb), cr), out) in y
        .chunks(YBR_BLOCK)
        .zip(cb.chunks(YBR_BLOCK))
        .zip(cr.chunks(YBR_BLOCK))
        .zip(out.chunks_mut(3 * YBR_BLOCK))
    {
        ybr_block::<HW>(y, cb, cr, out);
    }
}

/// A colour space of 8-bit three-sample pixels that [`convert`] handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorSpace {
    /// RGB.
    Rgb,
    /// YBR_FULL.
    YbrFull,
    /// YBR_FULL_422, already expanded to one Cb and Cr per pixel (as decoders give it): it
    /// converts as YBR_FULL.
    YbrFull422,
}

impl ColorSpace {
    /// From a Photometric Interpretation (any case, surrounding spaces ignored).
    pub fn parse(name: &str) -> Result<ColorSpace> {
        match name.trim().to_ascii_uppercase().as_str() {
            "RGB" => Ok(ColorSpace::Rgb),
            "YBR_FULL" => Ok(ColorSpace::YbrFull),
            "YBR_FULL_422" => Ok(ColorSpace::YbrFull422),
            other => Err(DicomError::new(
                ErrorKind::Unsupported,
                None,
                "(0028,0004)",
                format!("colour space conversion of '{other}' is not supported"),
            )),
        }
    }

    fn is_ybr(self) -> bool {
        self != ColorSpace::Rgb
    }
}

/// Converts interleaved 8-bit triplets in place from one colour space to another (nothing
/// to do between the two YBR forms, or to the same space).
pub fn convert(data: &mut [u8], from: ColorSpace, to: ColorSpace) {
    match (from.is_ybr(), to.is_ybr()) {
        (true, false) => ybr_full_to_rgb(data),
        (false, true) => rgb_to_ybr_full(data),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fused multiply-add pydicom's matmul computes, with the real FMA.
    fn fused(a: f32, m: f32, c: f32) -> f32 {
        a.mul_add(m, c)
    }

    #[test]
    fn rgb_to_ybr_equals_the_fused_formula() {
        let m = &RGB_TO_YBR;
        let mut px: Vec<u8> = Vec::new();
        for r in (0..256).step_by(5) {
            for g in 0..256 {
                for b in (0..256).step_by(3) {
                    px.extend([r as u8, g as u8, b as u8]);
                }
            }
        }
        let orig = px.clone();
        rgb_to_ybr_full(&mut px);
        for (o, n) in orig.chunks_exact(3).zip(px.chunks_exact(3)) {
            let (r, g, b) = (o[0] as f32, o[1] as f32, o[2] as f32);
            for (j, add) in [0.5f32, 128.5, 128.5].into_iter().enumerate() {
                let v = fused(b, m[2][j], fused(g, m[1][j], r * m[0][j])) + add;
                assert_eq!(n[j], v.floor().clamp(0.0, 255.0) as u8, "{o:?} {j}");
            }
        }
    }

    #[test]
    fn conversions_by_name() {
        let mut px = [255u8, 0, 0, 10, 200, 30];
        let orig = px;
        convert(
            &mut px,
            ColorSpace::parse(" rgb").unwrap(),
            ColorSpace::YbrFull422,
        );
        assert_eq!(&px[..3], &[76, 85, 255]);
        convert(&mut px, ColorSpace::YbrFull, ColorSpace::YbrFull422);
        convert(&mut px, ColorSpace::YbrFull, ColorSpace::Rgb);
        for (a, b) in px.iter().zip(orig) {
            assert!(a.abs_diff(b) <= 2);
        }
        assert!(ColorSpace::parse("YBR_ICT").is_err());
    }

    #[test]
    fn ybr_blocks_equal_the_direct_formula_for_every_input() {
        let g_cb = (-0.114f64 * 1.772 / 0.587) as f32;
        let g_cr = (-0.299f64 * 1.402 / 0.587) as f32;
        let direct = |v: f32| (v + 0.5).floor().clamp(0.0, 255.0) as u8;
        for y in (0..256).step_by(17) {
            let mut px: Vec<u8> = Vec::with_capacity(256 * 256 * 3 + 3);
            for cb in 0..256 {
                for cr in 0..256 {
                    px.extend([y as u8, cb as u8, cr as u8]);
                }
            }
            // One pixel past a whole number of blocks.
            px.extend([y as u8, 3, 250]);
            let orig = px.clone();
            ybr_full_to_rgb(&mut px);
            for (o, n) in orig.chunks_exact(3).zip(px.chunks_exact(3)) {
                let (y, cb, cr) = (o[0] as f32, o[1] as f32 - 128.0, o[2] as f32 - 128.0);
                assert_eq!(n[0], direct(fused(cr, 1.402, y)));
                assert_eq!(n[1], direct(fused(cr, g_cr, fused(cb, g_cb, y))));
                assert_eq!(n[2], direct(fused(cb, 1.772, y)));
            }
        }
    }

    #[test]
    fn hardware_and_portable_kernels_agree() {
        let mut a: Vec<u8> = (0..3 * 4099).map(|i| (i * 37 % 251) as u8).collect();
        let mut b = a.clone();
        rgb_to_ybr_with::<true>(&mut a);
        rgb_to_ybr_with::<false>(&mut b);
        assert_eq!(a, b);
        ybr_to_rgb_with::<true>(&mut a);
        ybr_to_rgb_with::<false>(&mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn ybr_rows_equal_the_interleaved_conversion() {
        let n = 3 * YBR_BLOCK + 5;
        let y: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
        let cb: Vec<u8> = (0..n).map(|i| (i * 13 + 50) as u8).collect();
        let cr: Vec<u8> = (0..n).map(|i| 255u8.wrapping_sub((i * 3) as u8)).collect();
        let mut interleaved: Vec<u8> = (0..n).flat_map(|i| [y[i], cb[i], cr[i]]).collect();
        ybr_full_to_rgb(&mut interleaved);
        let mut out = vec![0u8; 3 * n];
        ybr_rows_to_rgb(&y, &cb, &cr, &mut out);
        assert_eq!(out, interleaved);
    }

    #[test]
    fn ybr_grey_stays_grey() {
        let mut px = [100u8, 128, 128, 0, 128, 128, 255, 128, 128];
        ybr_full_to_rgb(&mut px);
        assert_eq!(px, [100, 100, 100, 0, 0, 0, 255, 255, 255]);
    }
}
