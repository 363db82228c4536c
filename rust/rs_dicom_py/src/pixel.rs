//! `PixelData`: a dataset's pixel data as the core prepared it. The core decides the layout
//! (view or decoded, dtype, shape, strides); this only wraps its buffers in numpy arrays.

use std::sync::Arc;

use numpy::PyArray1;
use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rs_dicom::core::{Dataset, Source, TransferSyntax};
use rs_dicom::pixel::{DecodeOptions, FrameMethod, Frames, PixelBuffer, PixelData, Pixels};

use crate::errors::to_py;
use crate::source::{Owner, SourceBytes, memoryview_of};

/// Pixel data of a dataset: image attributes, and for encapsulated (compressed) data the
/// fragments and the frame each belongs to. A snapshot: it describes the dataset as it was
/// when the object was made (`ds.pixel_data` makes a new one after a change).
#[pyclass(name = "PixelData", module = "rs_dicom", frozen)]
pub struct PyPixelData {
    ds: Arc<Dataset>,
    px: PixelData,
}

impl PyPixelData {
    /// Prepares the pixel data of `ds` (None when it has none).
    pub fn new(ds: Arc<Dataset>, ts: &TransferSyntax) -> PyResult<Option<Self>> {
        let opts = DecodeOptions::default();
        let px = PixelData::new(&ds, ts, &opts.limits).map_err(to_py)?;
        Ok(px.map(|px| PyPixelData { ds, px }))
    }

    fn decode<'py>(
        &self,
        py: Python<'py>,
        frames: Frames,
        as_rgb: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = DecodeOptions {
            as_rgb,
            ..DecodeOptions::default()
        };
        let run = || self.px.decode(&self.ds, &frames, &opts);
        // A caller's buffer could be mutated by another thread: keep the GIL for those.
        let pixels = if matches!(**self.ds.source(), Source::External(_)) {
            run()
        } else {
            py.detach(run)
        }
        .map_err(|e| match e.kind {
            rs_dicom::ErrorKind::Limit if e.message.contains("out of range") => {
                PyIndexError::new_err(e.message)
            }
            _ => to_py(e),
        })?;
        to_numpy(py, pixels)
    }
}

/// The numpy dtype string of decoded samples.
fn dtype(p: &Pixels) -> String {
    let order = if p.sample.size() == 1 {
        "|"
    } else if p.big_endian {
        ">"
    } else {
        "<"
    };
    let code = match p.sample.numpy() {
        "uint8" => "u1",
        "int8" => "i1",
        "uint16" => "u2",
        "int16" => "i2",
        "uint32" => "u4",
        "int32" => "i4",
        "uint64" => "u8",
        "int64" => "i8",
        "float32" => "f4",
        _ => "f8",
    };
    format!("{order}{code}")
}

/// Wraps decoded pixels as a numpy array: a read-only view of the source, or an array that
/// owns the decoded bytes.
fn to_numpy<'py>(py: Python<'py>, p: Pixels) -> PyResult<Bound<'py, PyAny>> {
    let np = py.import("numpy")?;
    let dtype = dtype(&p);
    let buffer = match p.buffer {
        PixelBuffer::View { source, start, len } => {
            Bound::new(py, SourceBytes::new(Owner::Source(source), start, len))?.into_any()
        }
        PixelBuffer::Shared { bytes, start, len } => {
            Bound::new(py, SourceBytes::new(Owner::Owned(bytes), start, len))?.into_any()
        }
        PixelBuffer::Owned(bytes) => {
            // Native-endian samples the array owns (writeable, like pydicom's).
            let flat = PyArray1::<u8>::from_vec(py, bytes);
            let typed = flat.call_method1("view", (dtype.as_str(),))?;
            return typed.call_method1("reshape", (p.shape,));
        }
    };
    let kwargs = PyDict::new(py);
    kwargs.set_item("buffer", buffer)?;
    kwargs.set_item("strides", p.strides)?;
    np.getattr("ndarray")?.call((p.shape, dtype), Some(&kwargs))
}

#[pymethods]
impl PyPixelData {
    /// Frame `i` as a numpy array (only that frame's bytes are read).
    #[pyo3(signature = (i, *, as_rgb=true))]
    fn frame<'py>(&self, py: Python<'py>, i: usize, as_rgb: bool) -> PyResult<Bound<'py, PyAny>> {
        self.decode(py, Frames::One(i), as_rgb)
    }

    /// All frames as one numpy array, shaped like pydicom's pixel_array.
    #[pyo3(signature = (*, as_rgb=true))]
    fn array<'py>(&self, py: Python<'py>, as_rgb: bool) -> PyResult<Bound<'py, PyAny>> {
        self.decode(py, Frames::All, as_rgb)
    }

    #[pyo3(signature = (dtype=None, copy=None))]
    fn __array__<'py>(
        &self,
        py: Python<'py>,
        dtype: Option<Bound<'py, PyAny>>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut arr = self.array(py, true)?;
        if let Some(dt) = dtype {
            arr = arr.call_method1("astype", (dt,))?;
        }
        if copy == Some(true) {
            arr = arr.call_method0("copy")?;
        }
        Ok(arr)
    }

    /// Rows.
    #[getter]
    fn rows(&self) -> u32 {
        self.px.description().rows
    }
    /// Columns.
    #[getter]
    fn columns(&self) -> u32 {
        self.px.description().columns
    }
    /// Number of frames.
    #[getter]
    fn frames(&self) -> u32 {
        self.px.description().number_of_frames
    }
    /// Samples per pixel.
    #[getter]
    fn samples_per_pixel(&self) -> u32 {
        self.px.description().samples_per_pixel
    }
    /// Bits allocated.
    #[getter]
    fn bits_allocated(&self) -> u32 {
        self.px.description().bits_allocated
    }
    /// Bits stored.
    #[getter]
    fn bits_stored(&self) -> u32 {
        self.px.description().bits_stored
    }
    /// Pixel representation (0 unsigned, 1 signed).
    #[getter]
    fn pixel_representation(&self) -> u32 {
        self.px.description().pixel_representation
    }
    /// Planar configuration.
    #[getter]
    fn planar_configuration(&self) -> u32 {
        self.px.description().planar_configuration
    }
    /// Photometric interpretation.
    #[getter]
    fn photometric_interpretation(&self) -> &str {
        &self.px.description().photometric_interpretation
    }
    /// True when the pixel data is encapsulated (compressed).
    #[getter]
    fn is_encapsulated(&self) -> bool {
        self.px.frame_map().is_some()
    }
    /// The numpy dtype name of decoded pixels, as pydicom's pixel_array uses.
    #[getter]
    fn dtype(&self) -> &'static str {
        self.px.sample().numpy()
    }
    /// The shape of the decoded array, as pydicom's pixel_array gives it.
    #[getter]
    fn shape(&self) -> Vec<usize> {
        self.px.shape(&Frames::All)
    }
    /// The Basic Offset Table values (empty list when empty or not encapsulated).
    #[getter]
    fn offset_table(&self) -> Vec<u32> {
        self.px
            .frame_map()
            .map_or_else(Vec::new, |f| f.offset_table.clone())
    }
    /// For each frame, the indices of its fragments (None when not encapsulated).
    #[getter]
    fn frame_fragments(&self) -> Option<Vec<(usize, usize)>> {
        self.px
            .frame_map()
            .map(|f| f.frames.iter().map(|r| (r.start, r.end)).collect())
    }
    /// How frame boundaries were found ('single', 'one-per-fragment', 'basic-offset-table',
    /// 'extended-offset-table', 'markers'); None when not encapsulated.
    #[getter]
    fn frame_method(&self) -> Option<&'static str> {
        self.px.frame_map().map(|f| match f.method {
            FrameMethod::SingleFrame => "single",
            FrameMethod::OneFragmentPerFrame => "one-per-fragment",
            FrameMethod::BasicOffsetTable => "basic-offset-table",
            FrameMethod::ExtendedOffsetTable => "extended-offset-table",
            FrameMethod::Markers => "markers",
        })
    }
    /// The encoded bytes of frame `i`: a memoryview of the file when the frame is one
    /// fragment or native, `bytes` when several fragments had to be joined.
    fn frame_bytes<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Bound<'py, PyAny>> {
        let bytes = self
            .px
            .frame_bytes(&self.ds, i)
            .map_err(|e| PyIndexError::new_err(e.message))?;
        match bytes {
            std::borrow::Cow::Borrowed(b) => {
                // A span of the source (or of an element's own buffer): find where it starts.
                let source = self.ds.source();
                let base = source.bytes().as_ptr() as usize;
                let at = b.as_ptr() as usize;
                if at >= base && at + b.len() <= base + source.len() {
                    let view = SourceBytes::handed_out(source, at - base, b.len())?;
                    memoryview_of(py, view)
                } else {
                    Ok(PyBytes::new(py, b).into_any())
                }
            }
            std::borrow::Cow::Owned(v) => Ok(PyBytes::new(py, &v).into_any()),
        }
    }

    fn __repr__(&self) -> String {
        let d = self.px.description();
        format!(
            "<PixelData {}x{} x{} frame(s), {} sample(s), {} bits allocated, {}{}>",
            d.rows,
            d.columns,
            d.number_of_frames,
            d.samples_per_pixel,
            d.bits_allocated,
            d.photometric_interpretation,
            if self.px.frame_map().is_some() {
                ", encapsulated"
            } else {
                ""
            }
        )
    }
}
