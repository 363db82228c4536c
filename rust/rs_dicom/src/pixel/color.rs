//! Colour conversion: YBR_FULL → RGB with pydicom's arithmetic, bit-exact, vectorised. The
//! one implementation, used by native and compressed pixel data and by the display code.

/// Pixels per block of the YBR → RGB kernel.
const YBR_BLOCK: usize = 64;

/// YBR_FULL → RGB of up to [`YBR_BLOCK`] pixels (`y`, `cb`, `cr` of equal length), written
/// interleaved to `out` (3 bytes per pixel), with pydicom's float32 matrix, rounding
/// (floor(x + 0.5)) and clipping, bit-identical to it.
///
/// The arithmetic runs on whole f32 arrays, which the compiler vectorises: the same
/// single-rounded products and sums in pydicom's order (Rust never contracts to FMA).
// An unchecked float-to-int cast (see the SAFETY comment) that vectorises.
#[allow(unsafe_code)]
#[inline(always)]
fn ybr_block(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    let g_cb = (-0.114f64 * 1.772 / 0.587) as f32;
    let g_cr = (-0.299f64 * 1.402 / 0.587) as f32;
    // floor(x + 0.5) clipped to 0..=255: for x + 0.5 in [0, 256) truncation is the floor.
    let round = |x: f32| -> u8 {
        let v = (x + 0.5).clamp(0.0, 255.0);
        // SAFETY: v is finite (sums of small products of bytes) and in 0..=255, so it is
        // representable as i32; the unchecked cast vectorises where `as` (saturating) does not.
        unsafe { v.to_int_unchecked::<i32>() as u8 }
    };
    let n = y.len().min(cb.len()).min(cr.len()).min(YBR_BLOCK);
    let (mut fy, mut fcb, mut fcr) = ([0f32; YBR_BLOCK], [0f32; YBR_BLOCK], [0f32; YBR_BLOCK]);
    for i in 0..n {
        fy[i] = f32::from(y[i]);
        fcb[i] = f32::from(cb[i]) - 128.0;
        fcr[i] = f32::from(cr[i]) - 128.0;
    }
    // Each pixel packed into a little-endian u32 (R, G, B, 0), so it is stored with one
    // 4-byte write that the next pixel's write then overlaps (3× fewer stores).
    let mut px = [0u32; YBR_BLOCK];
    for i in 0..YBR_BLOCK {
        let r = round(fy[i] + fcr[i] * 1.402f32);
        let g = round(fy[i] + fcb[i] * g_cb + fcr[i] * g_cr);
        let b = round(fy[i] + fcb[i] * 1.772f32);
        px[i] = u32::from(r) | u32::from(g) << 8 | u32::from(b) << 16;
    }
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

/// YBR_FULL → RGB in place for interleaved 8-bit triplets (pydicom's arithmetic, see
/// [`ybr_block`]).
pub(crate) fn ybr_full_to_rgb(data: &mut [u8]) {
    let (mut y, mut cb, mut cr) = ([0u8; YBR_BLOCK], [0u8; YBR_BLOCK], [0u8; YBR_BLOCK]);
    for chunk in data.chunks_mut(3 * YBR_BLOCK) {
        let n = chunk.len() / 3;
        for (i, px) in chunk.chunks_exact(3).enumerate() {
            y[i] = px[0];
            cb[i] = px[1];
            cr[i] = px[2];
        }
        ybr_block(&y[..n], &cb[..n], &cr[..n], chunk);
    }
}

/// YBR_FULL → RGB of separate Y, Cb and Cr rows (equal lengths) into interleaved RGB `out`
/// (3 bytes per pixel), as [`ybr_full_to_rgb`] would convert them interleaved.
#[cfg_attr(not(feature = "jpeg"), allow(dead_code))]
pub(crate) fn ybr_rows_to_rgb(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    for (((y, cb), cr), out) in y
        .chunks(YBR_BLOCK)
        .zip(cb.chunks(YBR_BLOCK))
        .zip(cr.chunks(YBR_BLOCK))
        .zip(out.chunks_mut(3 * YBR_BLOCK))
    {
        ybr_block(y, cb, cr, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                assert_eq!(n[0], direct(y + cr * 1.402f32));
                assert_eq!(n[1], direct(y + cb * g_cb + cr * g_cr));
                assert_eq!(n[2], direct(y + cb * 1.772f32));
            }
        }
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
