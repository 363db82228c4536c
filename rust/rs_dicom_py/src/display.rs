//! The display kernels of the core (`rs_dicom::pixel::display`, `pixel::color`) on numpy
//! arrays (datasets: see `thumbnail.rs`). Arrays are read in place (any sample type, made
//! native-endian, aligned and C-contiguous first when they are not); large ones are
//! processed with the GIL released. No byte layouts here: LUT, palette and overlay bytes go
//! to the core as they are, with their byte order.

use numpy::{
    PyArray1, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyIndexError, PyNotImplementedError, PyTypeError, PyValueError};
use pyo3::marker::Ungil;
use pyo3::prelude::*;
use pyo3::types::{IntoPyDict, PyDict};
use rs_dicom::core::ByteOrder;
use rs_dicom::pixel::color::{ColorSpace, convert};
use rs_dicom::pixel::display::lut::{
    LutDescriptor, LutTable, apply_lut, lut_table, presentation_lookup, presentation_table,
};
use rs_dicom::pixel::display::overlay::overlay_bits as core_overlay_bits;
use rs_dicom::pixel::display::palette::{ChannelData, expand_segmented, palette};
use rs_dicom::pixel::display::render::{Grey, Modality, Plan, Voi, render, scale_bits};
use rs_dicom::pixel::display::window::{VoiFunction, Window};
use rs_dicom::{DicomError as CoreError, ErrorKind};

use crate::errors::to_py;

/// Arrays with more values than this are processed with the GIL released.
const DETACH_ABOVE: usize = 1 << 16;

/// Core errors as Python exceptions: unsupported values are `NotImplementedError`, invalid
/// ones `ValueError` (a `DicomError`), frames out of range `IndexError`.
pub(crate) fn err(e: CoreError) -> PyErr {
    match e.kind {
        ErrorKind::Unsupported => PyNotImplementedError::new_err(e.message),
        ErrorKind::InvalidValue => PyValueError::new_err(e.message),
        ErrorKind::Limit if e.message.contains("out of range") => PyIndexError::new_err(e.message),
        _ => to_py(e),
    }
}

/// Runs `f` without the GIL when `n` values are a lot of work.
pub(crate) fn run<T: Ungil, F: Ungil + FnOnce() -> T>(py: Python<'_>, n: usize, f: F) -> T {
    if n > DETACH_ABOVE { py.detach(f) } else { f() }
}

/// `arr` as a native-endian, aligned, C-contiguous numpy array (bool as uint8, float16 as
/// float32).
pub(crate) fn normalise<'py>(arr: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyUntypedArray>> {
    let np = arr.py().import("numpy")?;
    let mut a = np.call_method1("asarray", (arr,))?;
    let dt = a.cast::<PyUntypedArray>()?.dtype();
    if dt.kind() == b'b' {
        a = a.call_method1("view", ("u1",))?;
    } else if dt.kind() == b'f' && dt.itemsize() == 2 {
        a = a.call_method1("astype", ("f4",))?;
    } else if dt.is_native_byteorder() == Some(false) {
        a = a.call_method1("astype", (dt.call_method1("newbyteorder", ("=",))?,))?;
    }
    let ua = a.cast::<PyUntypedArray>()?;
    if !ua.is_c_contiguous() || !ua.is_aligned() {
        // A view of a file's bytes can start at an odd offset: copy to aligned memory.
        a = np.call_method1("require", (a, py_none(arr.py()), "CA"))?;
    }
    Ok(a.cast_into::<PyUntypedArray>()?)
}

fn py_none(py: Python<'_>) -> Bound<'_, PyAny> {
    py.None().into_bound(py)
}

/// Runs `$body` with `$s` the values of a normalised array as a typed slice.
macro_rules! dispatch {
    ($arr:expr, $s:ident => $body:expr) => {
        dispatch!(@each $arr, $s, $body; u8, i8, u16, i16, u32, i32, u64, i64, f32, f64)
    };
    (@each $arr:expr, $s:ident, $body:expr; $($t:ty),*) => {{
        let a: &Bound<'_, numpy::PyUntypedArray> = $arr;
        $(
            if let Ok(x) = a.cast::<numpy::PyArrayDyn<$t>>() {
                let ro = x.readonly();
                let $s: &[$t] = ro
                    .as_slice()
                    .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
                $body
            } else
        )* {
            Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "unsupported array dtype {}",
                a.dtype().str()?
            )))
        }
    }};
}

pub(crate) use dispatch;

/// A numpy array of `data` shaped `shape`.
pub(crate) fn array<'py, T: numpy::Element>(
    py: Python<'py>,
    data: Vec<T>,
    shape: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyArray1::from_vec(py, data)
        .reshape(shape.to_vec())?
        .into_any())
}

/// A LUT table as a numpy array: (entries,) or (entries, channels).
fn table_array<'py>(py: Python<'py>, t: LutTable) -> PyResult<Bound<'py, PyAny>> {
    let shape = if t.channels() == 1 {
        vec![t.len()]
    } else {
        vec![t.len(), t.channels()]
    };
    match t {
        LutTable::U8 { data, .. } => array(py, data, &shape),
        LutTable::U16 { data, .. } => array(py, data, &shape),
    }
}

/// A numpy LUT table (uint8 or uint16, (entries,) or (entries, channels)) as a core table.
fn table_of(table: &Bound<'_, PyAny>) -> PyResult<LutTable> {
    let a = normalise(table)?;
    let channels = if a.ndim() == 2 { a.shape()[1] } else { 1 };
    if let Ok(x) = a.cast::<PyArrayDyn<u8>>() {
        return Ok(LutTable::U8 {
            data: x.readonly().as_slice()?.to_vec(),
            channels,
        });
    }
    if let Ok(x) = a.cast::<PyArrayDyn<u16>>() {
        return Ok(LutTable::U16 {
            data: x.readonly().as_slice()?.to_vec(),
            channels,
        });
    }
    Err(PyTypeError::new_err(
        "a LUT table is a uint8 or uint16 array",
    ))
}

fn bytes_of(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    PyBuffer::<u8>::get(data)?.to_vec(py)
}

fn order(little_endian: bool) -> ByteOrder {
    ByteOrder::from_big_endian(!little_endian)
}

/// The table of a Modality or VOI LUT item: LUT Data bytes (OW, or US values) in their
/// byte order, per the descriptor's entries and bits (uint8 for 8 bits or fewer, else
/// uint16).
#[pyfunction]
fn lut_table_of<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    nr_entries: usize,
    bits: u32,
    little_endian: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let desc = LutDescriptor {
        entries: nr_entries,
        first_mapped: 0,
        bits,
    };
    let t = lut_table(&bytes_of(py, data)?, order(little_endian), &desc);
    table_array(py, t)
}

/// `table[clip(arr - first_map, 0, n - 1)]` (n: the smaller of `nr_entries` and the table
/// length); floats are truncated to an index, NaN gives the first entry.
#[pyfunction]
fn lut_lookup<'py>(
    py: Python<'py>,
    arr: &Bound<'py, PyAny>,
    table: &Bound<'py, PyAny>,
    first_map: i64,
    nr_entries: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let a = normalise(arr)?;
    let table = table_of(table)?;
    let mut shape = a.shape().to_vec();
    if table.channels() > 1 {
        shape.push(table.channels());
    }
    let out = dispatch!(&a, s => run(py, s.len(), || apply_lut(s, &table, first_map, nr_entries)).map_err(err))?;
    match out {
        LutTable::U8 { data, .. } => array(py, data, &shape),
        LutTable::U16 { data, .. } => array(py, data, &shape),
    }
}

/// `arr * slope + intercept` in float64.
#[pyfunction]
fn rescale<'py>(
    py: Python<'py>,
    arr: &Bound<'py, PyAny>,
    slope: f64,
    intercept: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let a = normalise(arr)?;
    let shape = a.shape().to_vec();
    let out: Vec<f64> = dispatch!(&a, s => Ok(run(py, s.len(), || {
        s.iter().map(|&v| rs_dicom::pixel::display::Px::to_f64(v) * slope + intercept).collect()
    })))?;
    array(py, out, &shape)
}

/// The window (`function` LINEAR, LINEAR_EXACT or SIGMOID) onto `y_min..=y_max`, float64.
/// SIGMOID takes numpy's exponential, so the values equal those of numpy code to the bit.
#[pyfunction]
fn window<'py>(
    py: Python<'py>,
    arr: &Bound<'py, PyAny>,
    center: f64,
    width: f64,
    function: &str,
    y_min: f64,
    y_max: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let w = VoiFunction::parse(function)
        .and_then(|f| Window::new(center, width, f, y_min, y_max))
        .map_err(err)?;
    let a = normalise(arr)?;
    let shape = a.shape().to_vec();
    let sigmoid = w.function == VoiFunction::Sigmoid;
    let out: Vec<f64> = dispatch!(&a, s => Ok(run(py, s.len(), || {
        let mut out = vec![0.0; s.len()];
        if sigmoid {
            w.sigmoid_exponent(s, &mut out);
        } else {
            w.apply(s, &mut out);
        }
        out
    })))?;
    let result = PyArray1::from_vec(py, out);
    if sigmoid {
        let np = py.import("numpy")?;
        // numpy's exponential ignores overflow warnings as the Python code did.
        let old = np.call_method("seterr", (), Some(&[("over", "ignore")].into_py_dict(py)?))?;
        let done = np.call_method1("exp", (&result, &result));
        np.call_method("seterr", (), Some(&old.cast_into::<PyDict>()?))?;
        done?;
        let mut rw = result.readwrite();
        let values = rw.as_slice_mut()?;
        run(py, values.len(), || w.sigmoid_finish(values));
    }
    Ok(result.reshape(shape)?.into_any())
}

/// pydicom's Presentation LUT with a table: `arr` scaled from its own range onto the
/// entries (float32), then looked up in the LUT Data (see the core's `presentation_table`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn presentation_lut<'py>(
    py: Python<'py>,
    arr: &Bound<'py, PyAny>,
    data: &Bound<'py, PyAny>,
    nr_entries: usize,
    bits: u32,
    little_endian: bool,
    is_us: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let desc = LutDescriptor {
        entries: nr_entries,
        first_mapped: 0,
        bits,
    };
    let table = presentation_table(&bytes_of(py, data)?, order(little_endian), is_us, &desc);
    let a = normalise(arr)?;
    let shape = a.shape().to_vec();
    match table {
        LutTable::U8 { data, .. } => {
            let out = dispatch!(&a, s => presentation_lookup(s, &data, nr_entries).map_err(err))?;
            array(py, out, &shape)
        }
        LutTable::U16 { data, .. } => {
            let out = dispatch!(&a, s => presentation_lookup(s, &data, nr_entries).map_err(err))?;
            array(py, out, &shape)
        }
    }
}

/// The palette table (entries, channels) of the Red, Green, Blue (and Alpha) LUT Data:
/// each `(bytes, little_endian, is_us)` or None; `segmented` for Segmented LUT Data.
#[pyfunction]
fn palette_table<'py>(
    py: Python<'py>,
    channels: Vec<Option<(Bound<'py, PyAny>, bool, bool)>>,
    nr_entries: usize,
    bits: u32,
    segmented: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let owned: Vec<Option<(Vec<u8>, bool, bool)>> = channels
        .into_iter()
        .map(|c| {
            c.map(|(d, little, us)| Ok::<_, PyErr>((bytes_of(py, &d)?, little, us)))
                .transpose()
        })
        .collect::<PyResult<_>>()?;
    let data: Vec<Option<ChannelData>> = owned
        .iter()
        .map(|c| {
            c.as_ref().map(|(bytes, little, us)| ChannelData {
                bytes,
                order: order(*little),
                us: *us,
            })
        })
        .collect();
    let desc = LutDescriptor {
        entries: nr_entries,
        first_mapped: 0,
        bits,
    };
    let p = palette(&desc, &data, segmented).map_err(err)?;
    table_array(py, p.table)
}

/// Expands segmented palette LUT Data (entries: bytes of 8-bit, words of 16-bit tables).
#[pyfunction]
fn expand_segmented_lut(
    data: Vec<u16>,
    byte_indirect: bool,
    little_endian: bool,
) -> PyResult<Vec<u16>> {
    expand_segmented(&data, byte_indirect, order(little_endian)).map_err(err)
}

/// Converts uint8 triplets (..., 3) between RGB and YBR_FULL / YBR_FULL_422, into a new
/// array, or in place when `in_place` (the array must be writeable and C-contiguous).
#[pyfunction]
#[pyo3(signature = (arr, current, desired, in_place=false))]
fn convert_color_space<'py>(
    py: Python<'py>,
    arr: &Bound<'py, PyAny>,
    current: &str,
    desired: &str,
    in_place: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let (from, to) = (
        ColorSpace::parse(current).map_err(err)?,
        ColorSpace::parse(desired).map_err(err)?,
    );
    if in_place {
        let a = arr.cast::<PyArrayDyn<u8>>()?;
        let mut rw = a.readwrite();
        let s = rw.as_slice_mut()?;
        run(py, s.len(), || convert(s, from, to));
        return Ok(arr.clone());
    }
    let a = normalise(arr)?;
    let shape = a.shape().to_vec();
    let x = a
        .cast::<PyArrayDyn<u8>>()
        .map_err(|_| PyValueError::new_err("colour space conversion needs uint8 values"))?;
    let mut out = x.readonly().as_slice()?.to_vec();
    run(py, out.len(), || convert(&mut out, from, to));
    array(py, out, &shape)
}

/// Unpacks overlay bits (first pixel in the lowest bit): a flat uint8 0/1 array of
/// frames × rows × columns, and the warning to give about the data length, if any.
#[pyfunction]
fn overlay_bits<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    rows: usize,
    columns: usize,
    frames: i64,
    swap_words: bool,
) -> PyResult<(Bound<'py, PyAny>, Option<String>)> {
    let bytes = bytes_of(py, data)?;
    let o = core_overlay_bits(&bytes, order(!swap_words), rows, columns, frames).map_err(err)?;
    let n = o.bits.len();
    Ok((array(py, o.bits, &[n])?, o.warning))
}

/// Values scaled from `bits` bits to uint8 (`rint(x * 255 / (2**bits - 1))`, clipped);
/// uint8 values of 8 bits or fewer unchanged.
#[pyfunction]
fn scale_to_uint8<'py>(
    py: Python<'py>,
    arr: &Bound<'py, PyAny>,
    bits: u32,
) -> PyResult<Bound<'py, PyAny>> {
    let a = normalise(arr)?;
    let shape = a.shape().to_vec();
    let out = dispatch!(&a, s => run(py, s.len(), || scale_bits(s, bits)).map_err(err))?;
    array(py, out, &shape)
}

/// The grey display pipeline: modality (`slope`/`intercept`, or `modality_lut` = (table,
/// first map, entries)), then `window` = (centre, width, function) onto 0..255, or
/// `voi_lut` = (table, first map, entries, bits), or the values' own range; `invert` for
/// MONOCHROME1. uint8 of the input's shape.
#[pyfunction]
#[pyo3(signature = (arr, *, slope=None, intercept=None, modality_lut=None, window=None, voi_lut=None, invert=false))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn render_grey<'py>(
    py: Python<'py>,
    arr: &Bound<'py, PyAny>,
    slope: Option<f64>,
    intercept: Option<f64>,
    modality_lut: Option<(Bound<'py, PyAny>, i64, usize)>,
    window: Option<(f64, f64, String)>,
    voi_lut: Option<(Bound<'py, PyAny>, i64, usize, u32)>,
    invert: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let modality = match (modality_lut, slope, intercept) {
        (Some((t, first, entries)), _, _) => Modality::Lut {
            table: table_of(&t)?,
            first,
            entries,
        },
        (None, None, None) => Modality::Identity,
        (None, s, i) => Modality::Rescale {
            slope: s.unwrap_or(1.0),
            intercept: i.unwrap_or(0.0),
        },
    };
    let voi = match (window, voi_lut) {
        (Some((c, w, f)), _) => Voi::Window(
            VoiFunction::parse(&f)
                .and_then(|f| Window::new(c, w, f, 0.0, 255.0))
                .map_err(err)?,
        ),
        (None, Some((t, first, entries, bits))) => Voi::Lut {
            table: table_of(&t)?,
            first,
            entries,
            bits,
        },
        (None, None) => Voi::Range,
    };
    let plan = Plan::Grey(Grey {
        modality,
        voi,
        invert,
    });
    let a = normalise(arr)?;
    let shape = a.shape().to_vec();
    let out = dispatch!(&a, s => run(py, s.len(), || render(s, 1, &plan)).map_err(err))?;
    array(py, out, &shape)
}

/// Adds the display functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(lut_table_of, m)?)?;
    m.add_function(wrap_pyfunction!(lut_lookup, m)?)?;
    m.add_function(wrap_pyfunction!(rescale, m)?)?;
    m.add_function(wrap_pyfunction!(window, m)?)?;
    m.add_function(wrap_pyfunction!(presentation_lut, m)?)?;
    m.add_function(wrap_pyfunction!(palette_table, m)?)?;
    m.add_function(wrap_pyfunction!(expand_segmented_lut, m)?)?;
    m.add_function(wrap_pyfunction!(convert_color_space, m)?)?;
    m.add_function(wrap_pyfunction!(overlay_bits, m)?)?;
    m.add_function(wrap_pyfunction!(scale_to_uint8, m)?)?;
    m.add_function(wrap_pyfunction!(render_grey, m)?)?;
    Ok(())
}
