//! `PixelData`: the description of a dataset's pixel data and its encoded frames.

use std::ops::Range;

use numpy::PyArray1;
use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rs_dicom::core::ElementValue;
use rs_dicom::parser::Source;
use rs_dicom::pixel::codec::Encapsulated;
use rs_dicom::pixel::native::{NativeLayout, shape};
use rs_dicom::pixel::{EncapsulatedFrames, PixelDescription, encapsulated_frames, frame_bytes};

use crate::dataset::DsRef;
use crate::errors::to_py;
use crate::source::{SourceBytes, memoryview};

/// Pixel data of a dataset: image attributes, and for encapsulated (compressed) data the
/// fragments and the frame each belongs to. Decoding to arrays is not part of this object yet.
#[pyclass(name = "PixelData", module = "rs_dicom", frozen)]
pub struct PyPixelData {
    r: DsRef,
    index: usize,
    desc: PixelDescription,
    frames: Option<EncapsulatedFrames>,
}

impl PyPixelData {
    /// Builds the description for the dataset `r` (errors if it has no pixel data).
    pub fn new(r: DsRef) -> PyResult<Option<Self>> {
        let ds = r.get();
        let desc = match PixelDescription::from_dataset(ds) {
            Ok(d) => d,
            Err(_) if !ds.contains(rs_dicom::Tag::PIXEL_DATA) => return Ok(None),
            Err(e) => return Err(to_py(e)),
        };
        let Some(index) = ds.position(desc.tag) else {
            return Ok(None);
        };
        let elem = &ds.elements()[index];
        let frames = match elem.value {
            ElementValue::Encapsulated { .. } => {
                Some(encapsulated_frames(ds, elem, desc.number_of_frames as usize).map_err(to_py)?)
            }
            _ => None,
        };
        Ok(Some(PyPixelData {
            r,
            index,
            desc,
            frames,
        }))
    }
}

impl PyPixelData {
    fn check_frames(&self, frames: &Range<usize>) -> PyResult<()> {
        let n = self.desc.number_of_frames.max(1) as usize;
        if frames.start >= n || frames.end > n || frames.is_empty() {
            return Err(PyIndexError::new_err(format!(
                "frame {} out of range ({n} frames)",
                frames.start
            )));
        }
        Ok(())
    }

    /// Frames `frames` as a numpy array: a read-only view of the source when the stored
    /// bytes already are what pydicom would return, else decoded once in Rust.
    fn array_of<'py>(
        &self,
        py: Python<'py>,
        frames: Range<usize>,
        whole: bool,
        as_rgb: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.check_frames(&frames)?;
        let ds = self.r.get();
        let elem = &ds.elements()[self.index];
        if self.frames.is_some() {
            return self.decode_encapsulated(py, frames, whole, as_rgb);
        }
        let layout = NativeLayout::new(ds, elem, self.desc.clone()).map_err(to_py)?;
        let source = ds.source().clone();
        let np = py.import("numpy")?;
        let out_shape = shape(&self.desc, frames.len(), whole);
        let spp = self.desc.samples_per_pixel as usize;
        if layout.viewable(source.bytes(), frames.clone(), as_rgb) {
            let r = layout.bytes_of(frames.clone());
            let buf = Bound::new(
                py,
                SourceBytes::new(source.clone(), layout.start + r.start, r.len()),
            )?;
            let order = if layout.out_big_endian() { ">" } else { "<" };
            let code = format!("{order}{}", numpy_code(layout.sample.numpy()));
            let arr = np.call_method1("frombuffer", (buf, code))?;
            if spp > 1 && self.desc.planar_configuration == 1 {
                // Stored plane by plane: a transposed view, like pydicom's reshape.
                let mut planar: Vec<usize> = Vec::new();
                if whole && self.desc.number_of_frames > 1 {
                    planar.push(frames.len());
                }
                planar.extend([spp, self.desc.rows as usize, self.desc.columns as usize]);
                let arr = arr.call_method1("reshape", (planar.clone(),))?;
                let axes: Vec<usize> = if planar.len() == 4 {
                    vec![0, 2, 3, 1]
                } else {
                    vec![1, 2, 0]
                };
                return arr.call_method1("transpose", (axes,));
            }
            return arr.call_method1("reshape", (out_shape,));
        }
        let decode = || layout.decode(source.bytes(), frames.clone(), as_rgb);
        // A caller's buffer could be mutated by another thread: keep the GIL for those.
        let bytes = if matches!(*source, Source::External(_)) {
            decode()
        } else {
            py.detach(decode)
        }
        .map_err(to_py)?;
        let flat = PyArray1::<u8>::from_vec(py, bytes);
        let order = if layout.out_big_endian() { ">" } else { "=" };
        let code = format!("{order}{}", numpy_code(layout.sample.numpy()));
        let typed = flat.call_method1("view", (code,))?;
        typed.call_method1("reshape", (out_shape,))
    }
}

impl PyPixelData {
    fn decode_encapsulated<'py>(
        &self,
        py: Python<'py>,
        frames: Range<usize>,
        whole: bool,
        as_rgb: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ds = self.r.get();
        let elem = &ds.elements()[self.index];
        let uid = self.r.transfer_syntax_uid().unwrap_or_default();
        let Some(frames_map) = self.frames.clone() else {
            return Ok(py.None().into_bound(py));
        };
        let enc = Encapsulated::with_frames(elem, &self.desc, &uid, frames_map).map_err(to_py)?;
        let out_shape = shape(&self.desc, frames.len(), whole);
        let decode = || enc.decode(ds, elem, frames.clone(), as_rgb);
        // Decoding reads only the dataset's source; a caller's buffer keeps the GIL.
        let bytes = if matches!(**ds.source(), Source::External(_)) {
            decode()
        } else {
            py.detach(decode)
        }
        .map_err(to_py)?;
        let flat = PyArray1::<u8>::from_vec(py, bytes);
        let typed = flat.call_method1("view", (enc.sample.numpy(),))?;
        typed.call_method1("reshape", (out_shape,))
    }
}

fn numpy_code(name: &str) -> &'static str {
    match name {
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
    }
}

#[pymethods]
impl PyPixelData {
    /// Frame `i` as a numpy array (only that frame's bytes are read).
    #[pyo3(signature = (i, *, as_rgb=true))]
    fn frame<'py>(&self, py: Python<'py>, i: usize, as_rgb: bool) -> PyResult<Bound<'py, PyAny>> {
        self.array_of(py, i..i + 1, false, as_rgb)
    }

    /// All frames as one numpy array, shaped like pydicom's pixel_array.
    #[pyo3(signature = (*, as_rgb=true))]
    fn array<'py>(&self, py: Python<'py>, as_rgb: bool) -> PyResult<Bound<'py, PyAny>> {
        let n = self.desc.number_of_frames.max(1) as usize;
        self.array_of(py, 0..n, true, as_rgb)
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
        self.desc.rows
    }
    /// Columns.
    #[getter]
    fn columns(&self) -> u32 {
        self.desc.columns
    }
    /// Number of frames.
    #[getter]
    fn frames(&self) -> u32 {
        self.desc.number_of_frames
    }
    /// Samples per pixel.
    #[getter]
    fn samples_per_pixel(&self) -> u32 {
        self.desc.samples_per_pixel
    }
    /// Bits allocated.
    #[getter]
    fn bits_allocated(&self) -> u32 {
        self.desc.bits_allocated
    }
    /// Bits stored.
    #[getter]
    fn bits_stored(&self) -> u32 {
        self.desc.bits_stored
    }
    /// Pixel representation (0 unsigned, 1 signed).
    #[getter]
    fn pixel_representation(&self) -> u32 {
        self.desc.pixel_representation
    }
    /// Planar configuration.
    #[getter]
    fn planar_configuration(&self) -> u32 {
        self.desc.planar_configuration
    }
    /// Photometric interpretation.
    #[getter]
    fn photometric_interpretation(&self) -> &str {
        &self.desc.photometric_interpretation
    }
    /// True when the pixel data is encapsulated (compressed).
    #[getter]
    fn is_encapsulated(&self) -> bool {
        self.frames.is_some()
    }
    /// The numpy dtype name of decoded pixels, as pydicom's pixel_array uses.
    #[getter]
    fn dtype(&self) -> &'static str {
        let signed = self.desc.pixel_representation == 1;
        match (self.desc.bits_allocated, signed, self.desc.tag.1) {
            (32, _, 0x0008) => "float32",
            (64, _, 0x0009) => "float64",
            (1, _, _) => "uint8",
            (b, false, _) if b <= 8 => "uint8",
            (b, true, _) if b <= 8 => "int8",
            (b, false, _) if b <= 16 => "uint16",
            (b, true, _) if b <= 16 => "int16",
            (b, false, _) if b <= 32 => "uint32",
            (b, true, _) if b <= 32 => "int32",
            (_, false, _) => "uint64",
            (_, true, _) => "int64",
        }
    }
    /// The shape of the decoded array, as pydicom's pixel_array gives it.
    #[getter]
    fn shape(&self) -> Vec<u32> {
        let d = &self.desc;
        let mut s = Vec::with_capacity(4);
        if d.number_of_frames > 1 {
            s.push(d.number_of_frames);
        }
        s.push(d.rows);
        s.push(d.columns);
        if d.samples_per_pixel > 1 {
            s.push(d.samples_per_pixel);
        }
        s
    }
    /// The Basic Offset Table values (empty list when empty or not encapsulated).
    #[getter]
    fn offset_table(&self) -> Vec<u32> {
        self.frames
            .as_ref()
            .map_or_else(Vec::new, |f| f.offset_table.clone())
    }
    /// For each frame, the indices of its fragments (None when not encapsulated).
    #[getter]
    fn frame_fragments(&self) -> Option<Vec<(usize, usize)>> {
        self.frames.as_ref().map(|f| {
            f.frames
                .iter()
                .map(|r| (r.start, r.end))
                .collect::<Vec<_>>()
        })
    }
    /// How frame boundaries were found ('single', 'one-per-fragment', 'basic-offset-table',
    /// 'extended-offset-table', 'markers'); None when not encapsulated.
    #[getter]
    fn frame_method(&self) -> Option<&'static str> {
        use rs_dicom::pixel::FrameMethod::*;
        self.frames.as_ref().map(|f| match f.method {
            SingleFrame => "single",
            OneFragmentPerFrame => "one-per-fragment",
            BasicOffsetTable => "basic-offset-table",
            ExtendedOffsetTable => "extended-offset-table",
            Markers => "markers",
        })
    }
    /// The encoded bytes of frame `i`: a memoryview of the file when the frame is one
    /// fragment or native, `bytes` when several fragments had to be joined.
    fn frame_bytes<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Bound<'py, PyAny>> {
        let ds = self.r.get();
        let elem = &ds.elements()[self.index];
        match (&self.frames, &elem.value) {
            (Some(frames), ElementValue::Encapsulated { fragments, .. }) => {
                let range = frames.frames.get(i).ok_or_else(|| {
                    PyIndexError::new_err(format!(
                        "frame {i} out of range ({} frames)",
                        frames.frames.len()
                    ))
                })?;
                if range.len() == 1 {
                    let f = fragments[range.start];
                    return memoryview(py, ds.source(), f.offset, f.len);
                }
                let joined = frame_bytes(ds, elem, frames, i).map_err(to_py)?;
                Ok(PyBytes::new(py, &joined).into_any())
            }
            (_, ElementValue::Bytes { start, len }) => {
                let range = self
                    .desc
                    .native_frame_range(i)
                    .filter(|_| i < self.desc.number_of_frames as usize)
                    .ok_or_else(|| {
                        PyIndexError::new_err(format!(
                            "frame {i} out of range ({} frames)",
                            self.desc.number_of_frames
                        ))
                    })?;
                let end = range.end.min(*len);
                let s = range.start.min(end);
                memoryview(py, ds.source(), start + s, end - s)
            }
            _ => Ok(py.None().into_bound(py)),
        }
    }

    fn __repr__(&self) -> String {
        let d = &self.desc;
        format!(
            "<PixelData {}x{} x{} frame(s), {} sample(s), {} bits allocated, {}{}>",
            d.rows,
            d.columns,
            d.number_of_frames,
            d.samples_per_pixel,
            d.bits_allocated,
            d.photometric_interpretation,
            if self.frames.is_some() {
                ", encapsulated"
            } else {
                ""
            }
        )
    }
}
