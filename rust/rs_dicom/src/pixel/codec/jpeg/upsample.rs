//! Chroma upsampling of decoded component planes with libjpeg's "fancy" triangle filter (the
//! rounding of jpeg-decoder, which this path replaced), optionally fused with pydicom's
//! YBR_FULL → RGB conversion while the rows are in cache.

use super::turbojpeg::Planes;
use crate::error::{DicomError, Result};
use crate::pixel::color::ybr_rows_to_rgb;

impl Planes {
    /// Interleaves the planes into `out` (width × height × 3 bytes) at full resolution,
    /// converted YBR_FULL → RGB as pydicom does when `to_rgb`.
    pub(super) fn assemble(&self, out: &mut [u8], to_rgb: bool) -> Result<()> {
        let (w, yw, cw, ch) = (self.width, self.yw, self.cw, self.ch);
        if out.len() != w * self.height * 3 || self.data.len() != yw * self.yh + 2 * cw * ch {
            return Err(DicomError::bad_codestream(
                "JPEG output buffer size mismatch",
            ));
        }
        let (y_plane, chroma) = self.data.split_at(yw * self.yh);
        let (cb_plane, cr_plane) = chroma.split_at(cw * ch);
        let (h2, v2) = (self.h2, self.v2);
        let mut cb_row = vec![0u8; 2 * cw];
        let mut cr_row = vec![0u8; 2 * cw];
        let mut tmp = vec![0u16; cw];
        for (r, line) in out.chunks_exact_mut(3 * w).enumerate() {
            let y = &y_plane[r * yw..r * yw + w];
            for (plane, row) in [(cb_plane, &mut cb_row), (cr_plane, &mut cr_row)] {
                upsample_row(plane, cw, ch, r, h2, v2, &mut tmp, row);
            }
            if to_rgb {
                ybr_rows_to_rgb(y, &cb_row[..w], &cr_row[..w], line);
                continue;
            }
            for (((px, &y), &cb), &cr) in line.chunks_exact_mut(3).zip(y).zip(&cb_row).zip(&cr_row)
            {
                px[0] = y;
                px[1] = cb;
                px[2] = cr;
            }
        }
        Ok(())
    }
}

/// One full-resolution row `r` of a chroma plane (`cw` × `ch`, row-major) into `out`
/// (at least `2 * cw` long when `h2`), with libjpeg's fancy (triangle) upsampling: each
/// output sample is 3/4 of the nearer input sample and 1/4 of the further one, per direction;
/// edges replicate. `tmp` (at least `cw` long) holds the vertical pass.
#[allow(clippy::too_many_arguments)]
fn upsample_row(
    plane: &[u8],
    cw: usize,
    ch: usize,
    r: usize,
    h2: bool,
    v2: bool,
    tmp: &mut [u16],
    out: &mut [u8],
) {
    let row = |i: usize| &plane[i * cw..(i + 1) * cw];
    if !v2 {
        let near = row(r);
        if !h2 {
            out[..cw].copy_from_slice(near);
            return;
        }
        // out[2i + 1] and out[2i + 2] lie between inputs i and i + 1; written pairwise over
        // shifted slices so the loop vectorises.
        out[0] = near[0];
        out[2 * cw - 1] = near[cw - 1];
        for ((o, &a), &b) in out[1..2 * cw - 1]
            .chunks_exact_mut(2)
            .zip(&near[..cw - 1])
            .zip(&near[1..])
        {
            let (a, b) = (u16::from(a), u16::from(b));
            o[0] = ((3 * a + b + 2) >> 2) as u8;
            o[1] = ((3 * b + a + 2) >> 2) as u8;
        }
        return;
    }
    // Vertically: the nearer input row and the one above (even r) or below (odd r).
    let k = r / 2;
    let far = if r.is_multiple_of(2) {
        k.saturating_sub(1)
    } else {
        (k + 1).min(ch - 1)
    };
    let t = &mut tmp[..cw];
    for ((t, &n), &f) in t.iter_mut().zip(row(k)).zip(row(far)) {
        *t = 3 * u16::from(n) + u16::from(f);
    }
    if !h2 {
        for (o, &t) in out[..cw].iter_mut().zip(t.iter()) {
            *o = ((t + 2) >> 2) as u8;
        }
        return;
    }
    out[0] = ((t[0] + 2) >> 2) as u8;
    out[2 * cw - 1] = ((t[cw - 1] + 2) >> 2) as u8;
    for ((o, &a), &b) in out[1..2 * cw - 1]
        .chunks_exact_mut(2)
        .zip(&t[..cw - 1])
        .zip(&t[1..])
    {
        o[0] = ((3 * a + b + 8) >> 4) as u8;
        o[1] = ((3 * b + a + 8) >> 4) as u8;
    }
}
