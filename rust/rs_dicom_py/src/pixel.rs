//! `PixelData`: the description of a dataset's pixel data and its encoded frames.

use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rs_dicom::core::ElementValue;
use rs_dicom::pixel::{EncapsulatedFrames, PixelDescription, encapsulated_frames, frame_bytes};

use crate::dataset::DsRef;
use crate::errors::to_py;
use crate::source::memoryview;

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

#[pymethods]
impl PyPixelData {
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
