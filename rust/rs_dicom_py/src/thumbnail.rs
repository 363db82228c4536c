//! The display of rs_dicom datasets in Rust: `to_display` of a frame, thumbnails and their
//! PNG (for `_repr_png_` and the HTML thumbnail, made without Python), PNG encoding of
//! arrays, and the area-average resampling the thumbnails and the terminal use.

use numpy::{PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyAttributeError, PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rs_dicom::core::{Dataset, Source, Tag};
use rs_dicom::pixel::display::params::display_plan;
use rs_dicom::pixel::display::png::{PngSamples, encode_png as core_encode_png};
use rs_dicom::pixel::display::render::{Plan, render};
use rs_dicom::pixel::display::thumbnail::{
    Image, resample as core_resample, shrink, thumbnail_png as core_png,
};

use crate::display::{array, dispatch, err, normalise, run};
use crate::handle::PyDataset;

fn has_pixels(ds: &Dataset) -> bool {
    [
        Tag::PIXEL_DATA,
        Tag::FLOAT_PIXEL_DATA,
        Tag::DOUBLE_FLOAT_PIXEL_DATA,
    ]
    .into_iter()
    .any(|t| ds.contains(t))
}

/// A snapshot of the dataset, and whether its pixels may be decoded without the GIL (not
/// when they live in a caller's buffer that another thread could change).
fn snapshot(ds: &PyDataset) -> PyResult<(Dataset, bool)> {
    let snap = ds.with(Dataset::clone);
    if !has_pixels(&snap) {
        return Err(no_pixels());
    }
    let free = !matches!(**snap.source(), Source::External(_));
    Ok((snap, free))
}

fn no_pixels() -> PyErr {
    PyAttributeError::new_err(
        "the dataset has no Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008) or Double \
         Float Pixel Data (7FE0,0009) element",
    )
}

fn frame_index(frame: i64) -> PyResult<usize> {
    usize::try_from(frame).map_err(|_| PyIndexError::new_err(format!("frame {frame} out of range")))
}

/// One frame of an rs_dicom dataset as an 8-bit picture: (rows, cols) grey, (rows, cols, 3)
/// colour. `pixels`: the frame's stored values from elsewhere (else `ds.pixel_data.frame`,
/// decoded in Rust and cached with the dataset).
#[pyfunction]
#[pyo3(signature = (ds, frame=0, window=None, *, ybr_input=false, pixels=None))]
fn to_display<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    frame: i64,
    window: Option<(f64, f64)>,
    ybr_input: bool,
    pixels: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let decoded;
    let pixels = match pixels {
        Some(p) => p,
        None => {
            let px = ds.getattr("pixel_data")?;
            if px.is_none() {
                return Err(no_pixels());
            }
            decoded = px.call_method1("frame", (frame_index(frame)?,))?;
            &decoded
        }
    };
    let a = normalise(pixels)?;
    let shape = a.shape().to_vec();
    let bits = 8 * a.dtype().itemsize() as u32;
    let plan = ds
        .get()
        .with(|d| display_plan(d, frame, window, ybr_input, bits))
        .map_err(err)?;
    let samples = if shape.len() == 3 { shape[2] } else { 1 };
    if let Plan::Colour {
        bits: 0..=8,
        ybr: None,
    } = plan
        && samples == 3
        && a.cast::<PyArrayDyn<u8>>().is_ok()
    {
        // 8-bit RGB is its own display image: the frame as it is (a view when it can be).
        return Ok(a.into_any());
    }
    let out = dispatch!(&a, s => run(py, s.len(), || render(s, samples, &plan)).map_err(err))?;
    let out_shape = match plan {
        Plan::Grey(_) => shape,
        _ => vec![shape[0], shape.get(1).copied().unwrap_or(1), 3],
    };
    array(py, out, &out_shape)
}

/// A uint8 image (rows, cols[, channels]) shrunk by area averaging to at most `size`
/// pixels a side, with pixels `aspect` times as high as wide made square; never enlarged.
#[pyfunction]
#[pyo3(signature = (image, size, aspect=1.0))]
fn shrink_image<'py>(
    py: Python<'py>,
    image: &Bound<'py, PyAny>,
    size: usize,
    aspect: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let a = normalise(image)?;
    let shape = a.shape().to_vec();
    let x = a
        .cast::<PyArrayDyn<u8>>()
        .map_err(|_| PyTypeError::new_err("a display image is a uint8 array"))?;
    if shape.len() < 2 {
        return Err(PyValueError::new_err("an image has rows and columns"));
    }
    let img = Image {
        data: x.readonly().as_slice()?.to_vec(),
        rows: shape[0],
        columns: shape[1],
        channels: shape.get(2).copied().unwrap_or(1),
    };
    let single = shape.len() == 2;
    let out = run(py, img.data.len(), || shrink(img, aspect, size));
    let mut out_shape = vec![out.rows, out.columns];
    if !single {
        out_shape.push(out.channels);
    }
    array(py, out.data, &out_shape)
}

/// `image` (float64 values, (rows, cols[, channels])) resized by area averaging.
#[pyfunction]
fn resample<'py>(
    py: Python<'py>,
    image: &Bound<'py, PyAny>,
    rows: usize,
    columns: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let np = py.import("numpy")?;
    let a = normalise(&np.call_method1("asarray", (image, "f8"))?)?;
    let shape = a.shape().to_vec();
    if !(2..=3).contains(&shape.len()) || rows == 0 || columns == 0 {
        return Err(PyValueError::new_err(format!(
            "cannot resample an image of shape {shape:?} to {rows} x {columns}"
        )));
    }
    let channels = shape.get(2).copied().unwrap_or(1);
    let x = a.cast::<PyArrayDyn<f64>>()?;
    let ro = x.readonly();
    let s = ro.as_slice()?;
    let out = run(py, s.len(), || {
        core_resample(s, shape[0], shape[1], channels, rows, columns)
    });
    let mut out_shape = vec![rows, columns];
    if shape.len() == 3 {
        out_shape.push(channels);
    }
    array(py, out, &out_shape)
}

/// PNG bytes of a thumbnail of frame `frame` of an rs_dicom dataset: its display image at
/// most `size` pixels a side (Pixel Spacing applied).
pub fn png_thumbnail(
    py: Python<'_>,
    ds: &PyDataset,
    size: usize,
    frame: usize,
    window: Option<(f64, f64)>,
) -> PyResult<Vec<u8>> {
    let ts = ds.pixel_transfer_syntax();
    let (snap, free) = snapshot(ds)?;
    let go = || core_png(&snap, ts, size, frame, window);
    if free { py.detach(go) } else { go() }.map_err(err)
}

/// PNG bytes of a thumbnail of a dataset (see `png_thumbnail`).
#[pyfunction]
#[pyo3(signature = (ds, size=256, frame=0, window=None))]
fn thumbnail_png<'py>(
    py: Python<'py>,
    ds: &Bound<'py, PyDataset>,
    size: usize,
    frame: i64,
    window: Option<(f64, f64)>,
) -> PyResult<Bound<'py, PyBytes>> {
    if size == 0 {
        return Err(PyValueError::new_err(
            "thumbnail size must be at least 1, not 0",
        ));
    }
    let data = png_thumbnail(py, ds.get(), size, frame_index(frame)?, window)?;
    Ok(PyBytes::new(py, &data))
}

/// The PNG file of a uint8 or uint16 image (rows, cols[, channels 1-4]) at zlib `level`.
#[pyfunction]
#[pyo3(signature = (image, level=6))]
fn encode_png<'py>(
    py: Python<'py>,
    image: &Bound<'py, PyAny>,
    level: u8,
) -> PyResult<Bound<'py, PyBytes>> {
    let a = normalise(image)?;
    let shape = a.shape().to_vec();
    if !(2..=3).contains(&shape.len()) {
        return Err(PyValueError::new_err(format!(
            "cannot write an array of shape {shape:?} as PNG"
        )));
    }
    let (height, width) = (shape[0], shape[1]);
    let channels = shape.get(2).copied().unwrap_or(1);
    let data = if let Ok(x) = a.cast::<PyArrayDyn<u8>>() {
        let ro = x.readonly();
        let s = ro.as_slice()?;
        run(py, s.len(), || {
            core_encode_png(PngSamples::U8(s), width, height, channels, level)
        })
    } else if let Ok(x) = a.cast::<PyArrayDyn<u16>>() {
        let ro = x.readonly();
        let s = ro.as_slice()?;
        run(py, s.len(), || {
            core_encode_png(PngSamples::U16(s), width, height, channels, level)
        })
    } else {
        return Err(PyTypeError::new_err(
            "PNG images are uint8 or uint16 arrays",
        ));
    }
    .map_err(|e| PyValueError::new_err(e.message))?;
    Ok(PyBytes::new(py, &data))
}

/// Adds the functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(to_display, m)?)?;
    m.add_function(wrap_pyfunction!(shrink_image, m)?)?;
    m.add_function(wrap_pyfunction!(resample, m)?)?;
    m.add_function(wrap_pyfunction!(thumbnail_png, m)?)?;
    m.add_function(wrap_pyfunction!(encode_png, m)?)?;
    Ok(())
}
