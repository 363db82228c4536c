//! `ds.set_pixel_data(arr, photometric_interpretation, bits_stored)`: pixel data from a numpy
//! array, with every Image Pixel attribute that describes it set as pydicom 3 sets them.

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use rs_dicom::core::{Tag, TransferSyntax, VR};

use crate::edit::{set_value, write_node};
use crate::handle::PyDataset;

const MONO: [&str; 3] = ["MONOCHROME1", "MONOCHROME2", "PALETTE COLOR"];
const COLOUR: [&str; 5] = ["RGB", "YBR_FULL", "YBR_FULL_422", "YBR_ICT", "YBR_RCT"];

fn set<'py>(
    py: Python<'py>,
    ds: &PyDataset,
    keyword: &str,
    value: impl IntoPyObject<'py>,
) -> PyResult<()> {
    let tag = rs_dicom::dictionary::tag_for_keyword(keyword)
        .ok_or_else(|| PyValueError::new_err(keyword.to_string()))?;
    let v = value.into_bound_py_any(py)?;
    set_value(py, ds, tag, None, &v, false)
}

/// `arr` as a C-contiguous numpy array of 8, 16 or 32-bit integers, with its dtype kind
/// ('u' or 'i') and item size; anything else is a TypeError.
pub(crate) fn int_array<'py>(
    py: Python<'py>,
    arr: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyAny>, String, u32)> {
    let a = py
        .import("numpy")?
        .call_method1("ascontiguousarray", (arr,))?;
    let dtype = a.getattr("dtype")?;
    let kind: String = dtype.getattr("kind")?.extract()?;
    let size: u32 = dtype.getattr("itemsize")?.extract()?;
    if !matches!(kind.as_str(), "u" | "i") || !matches!(size, 1 | 2 | 4) {
        return Err(PyTypeError::new_err(format!(
            "pixel data must be an array of 8, 16 or 32-bit integers, not {}",
            dtype.str()?
        )));
    }
    Ok((a, kind, size))
}

/// A new UID from a random UUID (`2.25.<int>`, PS3.5 B.2), as pydicom's `generate_uid`.
pub(crate) fn new_instance_uid(py: Python<'_>) -> PyResult<String> {
    let id: u128 = py
        .import("uuid")?
        .call_method0("uuid4")?
        .getattr("int")?
        .extract()?;
    Ok(format!("2.25.{id}"))
}

#[pymethods]
impl PyDataset {
    /// Stores `arr` (uint/int 8, 16 or 32 bits: (rows, cols), (rows, cols, samples),
    /// (frames, rows, cols) or (frames, rows, cols, samples)) as native Pixel Data and sets
    /// Rows, Columns, Samples per Pixel, Photometric Interpretation, Bits Allocated / Stored,
    /// High Bit, Pixel Representation, Planar Configuration and Number of Frames to match;
    /// a compressed transfer syntax in the file meta becomes Explicit VR Little Endian, and a
    /// new SOP Instance UID is made unless `generate_instance_uid=False` (pydicom 3).
    #[pyo3(signature = (arr, photometric_interpretation, bits_stored, *, generate_instance_uid=true))]
    fn set_pixel_data(
        &self,
        py: Python<'_>,
        arr: &Bound<'_, PyAny>,
        photometric_interpretation: &str,
        bits_stored: u32,
        generate_instance_uid: bool,
    ) -> PyResult<()> {
        let (a, kind, size) = int_array(py, arr)?;
        let dtype = a.getattr("dtype")?;
        let bits_allocated = size * 8;
        let spp: usize = if MONO.contains(&photometric_interpretation) {
            1
        } else if COLOUR.contains(&photometric_interpretation) {
            3
        } else {
            return Err(PyValueError::new_err(format!(
                "'{photometric_interpretation}' is not a photometric interpretation for native \
                 pixel data"
            )));
        };
        let shape: Vec<usize> = a.getattr("shape")?.extract()?;
        let (frames, rows, cols) = match (shape.as_slice(), spp) {
            ([r, c], 1) => (1, *r, *c),
            ([r, c, s], 3) if *s == 3 => (1, *r, *c),
            ([f, r, c], 1) => (*f, *r, *c),
            ([f, r, c, s], 3) if *s == 3 => (*f, *r, *c),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "an array of shape {shape:?} does not hold {photometric_interpretation} \
                     pixels ({spp} sample(s) per pixel)"
                )));
            }
        };
        if rows == 0 || cols == 0 || frames == 0 || rows > 0xFFFF || cols > 0xFFFF {
            return Err(PyValueError::new_err(format!(
                "{rows} rows and {cols} columns in {frames} frame(s) cannot be stored"
            )));
        }
        if bits_stored == 0 || bits_stored > bits_allocated {
            return Err(PyValueError::new_err(format!(
                "bits_stored must be 1 to {bits_allocated} for {} data, not {bits_stored}",
                dtype.str()?
            )));
        }
        let signed = kind == "i";
        if a.getattr("size")?.extract::<usize>()? > 0 {
            let lo: i64 = a.call_method0("min")?.extract()?;
            let hi: i64 = a.call_method0("max")?.extract()?;
            let (min, max) = if signed {
                (
                    -(1i64 << (bits_stored - 1)),
                    (1i64 << (bits_stored - 1)) - 1,
                )
            } else {
                (0, (1i64 << bits_stored) - 1)
            };
            if lo < min || hi > max {
                return Err(PyValueError::new_err(format!(
                    "the values {lo}..{hi} do not fit {bits_stored} bits stored ({min}..{max})"
                )));
            }
        }
        // Little-endian bytes, swapped for a big-endian dataset.
        let le = a.call_method1("astype", (dtype.call_method1("newbyteorder", ("<",))?,))?;
        let mut bytes: Vec<u8> = le.call_method0("tobytes")?.extract()?;
        if self.with(|d| d.big_endian()) && size > 1 {
            bytes
                .chunks_exact_mut(size as usize)
                .for_each(<[u8]>::reverse);
        }
        set(py, self, "Rows", rows)?;
        set(py, self, "Columns", cols)?;
        set(py, self, "SamplesPerPixel", spp)?;
        set(
            py,
            self,
            "PhotometricInterpretation",
            photometric_interpretation,
        )?;
        set(py, self, "BitsAllocated", bits_allocated)?;
        set(py, self, "BitsStored", bits_stored)?;
        set(py, self, "HighBit", bits_stored - 1)?;
        set(py, self, "PixelRepresentation", u32::from(signed))?;
        if spp > 1 {
            set(py, self, "PlanarConfiguration", 0)?;
        } else {
            write_node(py, &self.node).remove(Tag(0x0028, 0x0006));
        }
        if frames > 1 || self.with(|d| d.contains(Tag(0x0028, 0x0008))) {
            set(py, self, "NumberOfFrames", frames)?;
        }
        {
            let mut d = write_node(py, &self.node);
            d.remove(Tag::EXTENDED_OFFSET_TABLE);
            d.remove(Tag::EXTENDED_OFFSET_TABLE_LENGTHS);
        }
        let vr = if bits_allocated > 8 { VR::OW } else { VR::OB };
        set_value(
            py,
            self,
            Tag::PIXEL_DATA,
            Some(vr),
            PyBytes::new(py, &bytes).as_any(),
            false,
        )?;
        if let Some(meta) = self.meta() {
            let compressed = meta
                .read()
                .raw(Tag::TRANSFER_SYNTAX_UID)
                .and_then(|b| TransferSyntax::from_uid(&String::from_utf8_lossy(b)))
                .is_some_and(|t| t.encapsulated);
            if compressed {
                let m = PyDataset::item(meta.clone());
                let uid = PyString::new(py, TransferSyntax::EXPLICIT_VR_LE.uid);
                set_value(py, &m, Tag::TRANSFER_SYNTAX_UID, None, uid.as_any(), true)?;
            }
        }
        if generate_instance_uid {
            let uid = PyString::new(py, &new_instance_uid(py)?);
            set_value(py, self, Tag(0x0008, 0x0018), None, uid.as_any(), false)?;
            if let Some(meta) = self.meta() {
                let m = PyDataset::item(meta);
                set_value(py, &m, Tag(0x0002, 0x0003), None, uid.as_any(), true)?;
            }
        }
        Ok(())
    }
}
