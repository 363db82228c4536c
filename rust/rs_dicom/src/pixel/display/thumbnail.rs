//! Thumbnails: a frame's display image shrunk by area averaging to at most `size` pixels a
//! side (square pixels: Pixel Spacing applied), and as PNG — what Jupyter shows for a
//! dataset, made without Python.

use crate::core::{Dataset, TransferSyntax};
use crate::error::{DicomError, ErrorKind, Result};

use super::frame::decode_frame;
use super::params::{display_plan, pixel_aspect};
use super::png::{PngSamples, encode_png};
use super::render::{render, to_u8};

/// An 8-bit picture: rows × columns × channels (1 grey, 3 RGB), interleaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The bytes.
    pub data: Vec<u8>,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub columns: usize,
    /// Values per pixel.
    pub channels: usize,
}

/// The overlap of output bin `j` (of `size_out` over `size_in` input pixels) with each input
/// pixel, normalised to sum 1: (first input index, weights).
fn area_weights(size_in: usize, size_out: usize) -> Vec<(usize, Vec<f64>)> {
    let step = size_in as f64 / size_out as f64;
    (0..size_out)
        .map(|j| {
            let (lo_edge, hi_edge) = (j as f64 * step, (j + 1) as f64 * step);
            let first = (lo_edge.floor() as usize).min(size_in.saturating_sub(1));
            let last = (hi_edge.ceil() as usize).clamp(first + 1, size_in);
            let mut w: Vec<f64> = (first..last)
                .map(|i| (hi_edge.min((i + 1) as f64) - lo_edge.max(i as f64)).max(0.0))
                .collect();
            let sum: f64 = w.iter().sum();
            w.iter_mut().for_each(|x| *x /= sum);
            (first, w)
        })
        .collect()
}

/// `image` (rows × columns × channels values) resized to `out_rows` × `out_columns` by area
/// averaging: each output value is the mean of the input pixels it covers, weighted by the
/// covered fraction (enlarging repeats pixels). Float64 results.
pub fn resample(
    image: &[f64],
    rows: usize,
    columns: usize,
    channels: usize,
    out_rows: usize,
    out_columns: usize,
) -> Vec<f64> {
    let wy = area_weights(rows, out_rows);
    let wx = area_weights(columns, out_columns);
    let row_len = columns * channels;
    let mut tmp = vec![0.0; out_rows * row_len];
    for (r, (first, w)) in wy.iter().enumerate() {
        let dst = &mut tmp[r * row_len..(r + 1) * row_len];
        for (k, &wk) in w.iter().enumerate() {
            let src = &image[(first + k) * row_len..(first + k + 1) * row_len];
            dst.iter_mut().zip(src).for_each(|(d, s)| *d += wk * s);
        }
    }
    let mut out = vec![0.0; out_rows * out_columns * channels];
    for r in 0..out_rows {
        for (c, (first, w)) in wx.iter().enumerate() {
            for ch in 0..channels {
                let mut acc = 0.0;
                for (k, &wk) in w.iter().enumerate() {
                    acc += wk * tmp[r * row_len + (first + k) * channels + ch];
                }
                out[(r * out_columns + c) * channels + ch] = acc;
            }
        }
    }
    out
}

/// The size of a thumbnail of a `rows` × `columns` image with pixels `aspect` times as high
/// as wide: at most `size` a side, never enlarged.
pub fn thumbnail_size(rows: usize, columns: usize, aspect: f64, size: usize) -> (usize, usize) {
    let height = rows as f64 * aspect;
    let scale = (size as f64 / height.max(columns as f64)).min(1.0);
    let fit = |x: f64| ((x * scale).round_ties_even() as usize).clamp(1, size.max(1));
    (fit(height), fit(columns as f64))
}

/// `image` shrunk to at most `size` pixels a side (see [`thumbnail_size`]).
pub fn shrink(image: Image, aspect: f64, size: usize) -> Image {
    let (rows, columns) = thumbnail_size(image.rows, image.columns, aspect, size);
    if (rows, columns) == (image.rows, image.columns) {
        return image;
    }
    let values: Vec<f64> = image.data.iter().map(|&v| f64::from(v)).collect();
    let out = resample(
        &values,
        image.rows,
        image.columns,
        image.channels,
        rows,
        columns,
    );
    Image {
        data: out.into_iter().map(to_u8).collect(),
        rows,
        columns,
        channels: image.channels,
    }
}

/// Frame `frame` of `ds` as an 8-bit picture (`to_display`): `window` (centre, width)
/// replaces the file's for grey images.
pub fn display_image(
    ds: &Dataset,
    ts: &TransferSyntax,
    frame: usize,
    window: Option<(f64, f64)>,
) -> Result<Image> {
    let f = decode_frame(ds, ts, frame)?;
    let bits = crate::with_values!(f.values.as_values(), s => 8 * element_size(s));
    let plan = display_plan(ds, frame as i64, window, false, bits)?;
    let data = crate::with_values!(f.values.as_values(), s => render(s, f.samples, &plan))?;
    let channels = if data.len() == f.rows * f.columns {
        1
    } else {
        3
    };
    Ok(Image {
        data,
        rows: f.rows,
        columns: f.columns,
        channels,
    })
}

fn element_size<T>(_: &[T]) -> u32 {
    std::mem::size_of::<T>() as u32
}

/// A thumbnail of frame `frame` of `ds`: its display image, at most `size` pixels a side.
pub fn thumbnail(
    ds: &Dataset,
    ts: &TransferSyntax,
    size: usize,
    frame: usize,
    window: Option<(f64, f64)>,
) -> Result<Image> {
    if size == 0 {
        return Err(DicomError::new(
            ErrorKind::InvalidValue,
            None,
            "",
            "thumbnail size must be at least 1, not 0",
        ));
    }
    let image = display_image(ds, ts, frame, window)?;
    Ok(shrink(image, pixel_aspect(ds), size))
}

/// [`thumbnail`] as PNG bytes.
pub fn thumbnail_png(
    ds: &Dataset,
    ts: &TransferSyntax,
    size: usize,
    frame: usize,
    window: Option<(f64, f64)>,
) -> Result<Vec<u8>> {
    let t = thumbnail(ds, ts, size, frame, window)?;
    encode_png(PngSamples::U8(&t.data), t.columns, t.rows, t.channels, 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_averages() {
        let v: Vec<f64> = (0..16).map(f64::from).collect();
        assert_eq!(resample(&v, 4, 4, 1, 2, 2), vec![2.5, 4.5, 10.5, 12.5]);
        assert_eq!(resample(&v, 4, 4, 1, 4, 4), v);
        let mut line = vec![0.0; 81];
        for r in 0..9 {
            line[r * 9 + 4] = 90.0;
        }
        let shrunk = resample(&line, 9, 9, 1, 3, 3);
        assert!((shrunk[1] - 30.0).abs() < 1e-9);
        assert!((shrunk.iter().sum::<f64>() * 9.0 - 810.0).abs() < 1e-9);
        // enlarging repeats
        assert_eq!(
            resample(&[1.0, 2.0], 1, 2, 1, 2, 4),
            vec![1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0]
        );
    }

    #[test]
    fn thumbnail_sizes() {
        assert_eq!(thumbnail_size(64, 64, 1.0, 256), (64, 64));
        assert_eq!(thumbnail_size(512, 256, 1.0, 128), (128, 64));
        assert_eq!(thumbnail_size(100, 300, 1.0, 60), (20, 60));
        assert_eq!(thumbnail_size(64, 64, 2.0, 256), (128, 64));
        assert_eq!(thumbnail_size(64, 64, 2.0, 32), (32, 16));
        let checker: Vec<u8> = (0..64)
            .map(|i| if (i / 8 + i % 8) % 2 == 1 { 255 } else { 0 })
            .collect();
        let t = shrink(
            Image {
                data: checker,
                rows: 8,
                columns: 8,
                channels: 1,
            },
            1.0,
            4,
        );
        assert_eq!(t.data, vec![128; 16]);
    }
}
