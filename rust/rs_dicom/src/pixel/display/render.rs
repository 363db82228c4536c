//! One frame to an 8-bit picture (`to_display`): grey images through the Modality LUT or
//! rescale, a VOI window or LUT (else the frame's own range) and MONOCHROME1 inversion;
//! colour and palette images scaled to 8 bits. The float steps follow numpy's float64
//! arithmetic in rs_dicom's former Python implementation, so the bytes are the same.

use crate::error::{DicomError, ErrorKind, Result};

use super::lut::LutTable;
use super::palette::Palette;
use super::px::Px;
use super::window::{VoiFunction, Window};
use crate::pixel::color::{ColorSpace, convert};

/// The Modality LUT stage of grey images.
#[derive(Debug, Clone, PartialEq)]
pub enum Modality {
    /// Stored values pass unchanged.
    Identity,
    /// `x * slope + intercept` (float64).
    Rescale {
        /// Rescale Slope.
        slope: f64,
        /// Rescale Intercept.
        intercept: f64,
    },
    /// A Modality LUT.
    Lut {
        /// The table (one channel).
        table: LutTable,
        /// The first mapped value.
        first: i64,
        /// The descriptor's number of entries.
        entries: usize,
    },
}

/// The VOI stage of grey images, onto 0..=255.
#[derive(Debug, Clone, PartialEq)]
pub enum Voi {
    /// The frame's own minimum..maximum.
    Range,
    /// A window (output range 0..=255).
    Window(Window),
    /// A VOI LUT: entries of `bits` bits scaled to 0..=255.
    Lut {
        /// The table (one channel).
        table: LutTable,
        /// The first mapped value.
        first: i64,
        /// The descriptor's number of entries.
        entries: usize,
        /// Bits per entry.
        bits: u32,
    },
}

/// How a grey frame becomes 8-bit.
#[derive(Debug, Clone, PartialEq)]
pub struct Grey {
    /// The Modality LUT stage.
    pub modality: Modality,
    /// The VOI stage.
    pub voi: Voi,
    /// MONOCHROME1: the lowest value shows white.
    pub invert: bool,
}

impl Grey {
    /// The frame's range, nothing else (arrays without metadata).
    pub const RANGE: Grey = Grey {
        modality: Modality::Identity,
        voi: Voi::Range,
        invert: false,
    };
}

/// How a frame becomes an 8-bit picture.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Grey: one value per pixel in, one byte out.
    Grey(Grey),
    /// Colour samples (the first three of each pixel) scaled from `bits` to 8 bits, then
    /// converted from YBR when `ybr` names the samples' space.
    Colour {
        /// Bits Stored.
        bits: u32,
        /// The space to convert to RGB from.
        ybr: Option<ColorSpace>,
    },
    /// Palette indices through the palette, 16-bit entries scaled from their bits.
    Palette(Palette),
}

/// numpy's `rint` + `clip(0, 255)` + `astype(uint8)` (NaN → 0).
#[inline(always)]
pub fn to_u8(x: f64) -> u8 {
    // Adding and taking away 2**52 rounds half to even in the default rounding mode, for
    // any x in 0..=255, without the library call `round_ties_even` makes on baseline x86-64.
    const MAGIC: f64 = 4_503_599_627_370_496.0;
    let clipped = x.clamp(0.0, 255.0);
    ((clipped + MAGIC) - MAGIC) as u8
}

#[cold]
fn invalid(message: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::InvalidValue, None, "", message)
}

/// `to_u8(x * 255 / (2**bits - 1))` of each value, or the values themselves when they are
/// bytes of 8 bits or fewer.
pub fn scale_bits<T: Px>(input: &[T], bits: u32) -> Result<Vec<u8>> {
    if bits == 0 || bits > 64 {
        return Err(invalid(format!("cannot scale values of {bits} bits")));
    }
    if std::mem::size_of::<T>() == 1 && !T::FLOAT && bits <= 8 && T::from_i128(-1).to_i128() > 0 {
        // uint8 stays as it is (int8 is scaled like any other type, as numpy did).
        return Ok(input.iter().map(|v| v.to_i128() as u8).collect());
    }
    let factor = 255.0 / (2f64.powi(bits as i32) - 1.0);
    Ok(input.iter().map(|v| to_u8(v.to_f64() * factor)).collect())
}

/// The grey pipeline on `input` (any shape: one byte out per value in).
pub fn render_grey<T: Px>(input: &[T], plan: &Grey) -> Result<Vec<u8>> {
    match &plan.modality {
        Modality::Identity => voi_stage(input, |v: T| v.to_f64(), plan),
        Modality::Rescale { slope, intercept } => {
            let (s, i) = (*slope, *intercept);
            voi_stage(input, move |v: T| v.to_f64() * s + i, plan)
        }
        Modality::Lut {
            table,
            first,
            entries,
        } => {
            let n = (*entries).min(table.len());
            if n == 0 {
                return Err(invalid("the LUT Data is empty"));
            }
            let (first, last) = (*first, n - 1);
            match table {
                LutTable::U8 { data, .. } => voi_stage(
                    input,
                    move |v: T| f64::from(data[v.lut_index(first, last)]),
                    plan,
                ),
                LutTable::U16 { data, .. } => voi_stage(
                    input,
                    move |v: T| f64::from(data[v.lut_index(first, last)]),
                    plan,
                ),
            }
        }
    }
}

/// `f` of every value; for large 8- and 16-bit integer inputs through a table of `f` of
/// every possible value (2**16 at most), which is faster than computing each pixel.
fn map_pixels<T: Px>(input: &[T], f: impl Fn(T) -> u8) -> Vec<u8> {
    let size = std::mem::size_of::<T>();
    if !T::FLOAT && size <= 2 && input.len() > (1 << (8 * size)) {
        let mask = (1usize << (8 * size)) - 1;
        let direct: Vec<u8> = (0..=mask).map(|k| f(T::from_i128(k as i128))).collect();
        return input
            .iter()
            .map(|&v| direct[(v.to_i128() as usize) & mask])
            .collect();
    }
    input.iter().map(|&v| f(v)).collect()
}

fn voi_stage<T: Px>(input: &[T], value: impl Fn(T) -> f64, plan: &Grey) -> Result<Vec<u8>> {
    let invert = plan.invert;
    let finish = move |x: f64| to_u8(if invert { 255.0 - x } else { x });
    Ok(match &plan.voi {
        Voi::Window(w) => {
            let f = w.mapping();
            map_pixels(input, |v| finish(f.map(value(v))))
        }
        Voi::Lut {
            table,
            first,
            entries,
            bits,
        } => {
            let n = (*entries).min(table.len());
            if n == 0 {
                return Err(invalid("the LUT Data is empty"));
            }
            let factor = 255.0 / (2f64.powi(*bits as i32) - 1.0);
            let last = n - 1;
            match table {
                LutTable::U8 { data, .. } => map_pixels(input, |v| {
                    finish(f64::from(data[value(v).lut_index(*first, last)]) * factor)
                }),
                LutTable::U16 { data, .. } => map_pixels(input, |v| {
                    finish(f64::from(data[value(v).lut_index(*first, last)]) * factor)
                }),
            }
        }
        Voi::Range => {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &v in input {
                let x = value(v);
                // NaN fails both comparisons: numpy's nanmin / nanmax.
                if x < lo {
                    lo = x;
                }
                if x > hi {
                    hi = x;
                }
            }
            if hi > lo {
                let factor = 255.0 / (hi - lo);
                map_pixels(input, |v| finish((value(v) - lo) * factor))
            } else {
                vec![finish(0.0); input.len()]
            }
        }
    })
}

/// The colour pipeline: `input` holds `samples` values per pixel; out 3 bytes per pixel.
pub fn render_colour<T: Px>(
    input: &[T],
    samples: usize,
    bits: u32,
    ybr: Option<ColorSpace>,
) -> Result<Vec<u8>> {
    if samples < 3 {
        return Err(invalid(format!(
            "a colour image needs 3 samples per pixel, not {samples}"
        )));
    }
    let rgb: Vec<T> = input
        .chunks_exact(samples)
        .flat_map(|p| p[..3].iter().copied())
        .collect();
    let mut out = scale_bits(&rgb, bits)?;
    if let Some(space) = ybr {
        convert(&mut out, space, ColorSpace::Rgb);
    }
    Ok(out)
}

/// The palette pipeline: out 3 bytes per index (alpha dropped).
pub fn render_palette<T: Px>(input: &[T], palette: &Palette) -> Result<Vec<u8>> {
    let d = &palette.descriptor;
    let table = super::lut::apply_lut(input, &palette.table, d.first_mapped, d.entries)?;
    let channels = table.channels();
    match table {
        LutTable::U8 { data, .. } => Ok(data
            .chunks_exact(channels)
            .flat_map(|p| p[..3.min(channels)].iter().copied())
            .collect()),
        LutTable::U16 { data, .. } => {
            let rgb: Vec<u16> = data
                .chunks_exact(channels)
                .flat_map(|p| p[..3.min(channels)].iter().copied())
                .collect();
            scale_bits(&rgb, if d.bits > 8 { d.bits } else { 16 })
        }
    }
}

/// Runs a plan on one frame of `samples` values per pixel.
pub fn render<T: Px>(input: &[T], samples: usize, plan: &Plan) -> Result<Vec<u8>> {
    match plan {
        Plan::Grey(g) => render_grey(input, g),
        Plan::Colour { bits, ybr } => render_colour(input, samples, *bits, *ybr),
        Plan::Palette(p) => render_palette(input, p),
    }
}

/// The window a caller asks for (centre, width) with the file's VOI LUT Function, onto
/// 0..=255; errors for an unusable one.
pub fn explicit_window(center: f64, width: f64, function: VoiFunction) -> Result<Window> {
    Window::new(center, width, function, 0.0, 255.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixel::display::lut::LutDescriptor;

    #[test]
    fn grey_range_and_inversion() {
        let out = render_grey(&[0u16, 1000, 2000], &Grey::RANGE).unwrap();
        assert_eq!(out, vec![0, 128, 255]);
        let inv = Grey {
            invert: true,
            ..Grey::RANGE
        };
        assert_eq!(
            render_grey(&[0u16, 1000, 2000], &inv).unwrap(),
            vec![255, 128, 0]
        );
        assert_eq!(render_grey(&[7i8, 7], &Grey::RANGE).unwrap(), vec![0, 0]);
        assert_eq!(
            render_grey(&[f32::NAN, 1.0, 3.0], &Grey::RANGE).unwrap(),
            vec![0, 0, 255]
        );
    }

    #[test]
    fn rescale_window_and_luts() {
        let g = Grey {
            modality: Modality::Rescale {
                slope: 2.0,
                intercept: -1000.0,
            },
            voi: Voi::Window(Window::new(0.0, 401.0, VoiFunction::Linear, 0.0, 255.0).unwrap()),
            invert: false,
        };
        // 300 → -400 (below), 500 → 0 (middle), 700 → 400 (above)
        assert_eq!(
            render_grey(&[300i16, 500, 700], &g).unwrap(),
            vec![0, 128, 255]
        );
        let g = Grey {
            modality: Modality::Lut {
                table: LutTable::U16 {
                    data: vec![0, 10, 20, 30],
                    channels: 1,
                },
                first: 5,
                entries: 4,
            },
            voi: Voi::Lut {
                table: LutTable::U8 {
                    data: (0..=255).collect(),
                    channels: 1,
                },
                first: 0,
                entries: 256,
                bits: 8,
            },
            invert: false,
        };
        assert_eq!(
            render_grey(&[0u8, 6, 8, 100], &g).unwrap(),
            vec![0, 10, 30, 30]
        );
    }

    #[test]
    fn colour_and_palette() {
        let rgb = [4095u16, 0, 2048, 1, 2, 3];
        assert_eq!(
            render_colour(&rgb, 3, 12, None).unwrap(),
            vec![255, 0, 128, 0, 0, 0]
        );
        let bytes = [1u8, 2, 3, 9, 4, 5, 6, 9];
        assert_eq!(
            render_colour(&bytes, 4, 8, None).unwrap(),
            vec![1, 2, 3, 4, 5, 6]
        );
        assert!(render_colour(&bytes, 2, 8, None).is_err());
        let palette = Palette {
            table: LutTable::U16 {
                data: vec![0, 0, 0, 65535, 65535, 65535],
                channels: 3,
            },
            descriptor: LutDescriptor::new(&[2, 0, 16], false).unwrap(),
        };
        assert_eq!(
            render_palette(&[0u8, 1, 5], &palette).unwrap(),
            vec![0, 0, 0, 255, 255, 255, 255, 255, 255]
        );
        assert_eq!(scale_bits(&[255u8, 3], 8).unwrap(), vec![255, 3]);
        assert_eq!(scale_bits(&[-1i8, 127], 8).unwrap(), vec![0, 127]);
        assert!(scale_bits(&[1u8], 0).is_err());
    }
}
