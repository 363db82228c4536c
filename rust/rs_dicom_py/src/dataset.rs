//! `Dataset`: a safe handle to a shared core dataset. Every Python object that stands for the
//! same dataset (the top level, a sequence item taken twice, the file meta) holds the same
//! [`SharedDataset`], so a change made through one is seen through all of them, as in pydicom.

use pyo3::exceptions::{PyAttributeError, PyKeyError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use std::sync::Arc;

use rs_dicom::core::Tag;
use rs_dicom::dictionary;

use crate::element::ElementIter;
use crate::errors::to_py;
use crate::handle::{PyDataset, PyElement};
use crate::pixel::PyPixelData;
use crate::tag::{key_to_tag, make_tag};
use crate::value;

impl PyDataset {
    fn tag_of(&self, key: &Bound<'_, PyAny>) -> PyResult<Option<Tag>> {
        Ok(key_to_tag(key)?.filter(|t| self.with(|ds| ds.contains(*t))))
    }
    fn element(&self, tag: Tag) -> PyElement {
        PyElement::new(self.node.clone(), tag)
    }
    fn value_of<'py>(&self, py: Python<'py>, tag: Tag) -> PyResult<Option<Bound<'py, PyAny>>> {
        let decoded = self.with(|ds| ds.get(tag).map(|e| value::decode(ds, e)));
        match decoded {
            None => Ok(None),
            Some(d) => Ok(Some(d.map_err(to_py)?.into_py_of(py, (&self.node, tag))?)),
        }
    }
}

#[pymethods]
impl PyDataset {
    fn __getitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<PyElement> {
        match self.tag_of(key)? {
            Some(t) => Ok(self.element(t)),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    /// `get(keyword)` returns the value; `get(tag)` the Element (as pydicom does).
    #[pyo3(signature = (key, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let default = default.unwrap_or_else(|| py.None().into_bound(py));
        let Ok(Some(tag)) = self.tag_of(key) else {
            return Ok(default);
        };
        if key.is_instance_of::<PyString>() {
            Ok(self.value_of(py, tag)?.unwrap_or(default))
        } else {
            Ok(Bound::new(py, self.element(tag))?.into_any())
        }
    }

    fn __getattr__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let tag = dictionary::by_keyword(name).map(|e| Tag::from_u32(e.tag));
        if let Some(v) = tag.map(|t| self.value_of(py, t)).transpose()?.flatten() {
            return Ok(v);
        }
        Err(PyAttributeError::new_err(if name == "pixel_array" {
            "'Dataset' object has no attribute 'pixel_array': the dataset has no Pixel Data \
             (7FE0,0010), Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009) \
             element"
                .to_string()
        } else {
            format!("'Dataset' object has no attribute '{name}'")
        }))
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> bool {
        matches!(self.tag_of(key), Ok(Some(_)))
    }

    fn __len__(&self) -> usize {
        self.with(|ds| ds.len())
    }

    fn __iter__(&self) -> ElementIter {
        ElementIter::new(self.node.clone())
    }

    fn __bool__(&self) -> bool {
        self.with(|ds| !ds.is_empty())
    }

    /// The tags, in ascending order.
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let tags: Vec<Tag> = self.with(|ds| ds.iter().map(|e| e.tag).collect());
        let tags: Vec<Bound<'py, PyAny>> = tags
            .into_iter()
            .map(|t| make_tag(py, t))
            .collect::<PyResult<_>>()?;
        PyList::new(py, tags)
    }

    /// The elements, in ascending tag order.
    fn values(&self) -> Vec<PyElement> {
        let tags: Vec<Tag> = self.with(|ds| ds.iter().map(|e| e.tag).collect());
        tags.into_iter().map(|t| self.element(t)).collect()
    }

    /// (tag, element) pairs in ascending tag order.
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Vec<(Bound<'py, PyAny>, PyElement)>> {
        let tags: Vec<Tag> = self.with(|ds| ds.iter().map(|e| e.tag).collect());
        tags.into_iter()
            .map(|t| Ok((make_tag(py, t)?, self.element(t))))
            .collect()
    }

    /// Element keywords and the methods, for tab completion.
    fn __dir__(slf: &Bound<'_, Self>) -> PyResult<Vec<String>> {
        // The class's own dir() holds every method, whichever bindings module defines it.
        let mut names: Vec<String> = slf.get_type().dir()?.extract()?;
        names.extend(slf.borrow().with(|ds| {
            ds.iter()
                .filter_map(|e| dictionary::by_tag(e.tag).map(|d| d.keyword.to_string()))
                .filter(|k| !k.is_empty())
                .collect::<Vec<_>>()
        }));
        Ok(names)
    }

    /// The file meta information (group 0002) of a file; None for sequence items.
    #[getter]
    fn file_meta<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.meta()
            .map(|m| crate::edit::file_meta_object(py, m))
            .transpose()
    }

    /// The pixel data description and encoded frames (None when there is no pixel data).
    #[getter]
    fn pixel_data(&self, py: Python<'_>) -> PyResult<Option<Py<PyPixelData>>> {
        if let Some(px) = &self.cache().pixel_data {
            return Ok(px.as_ref().map(|p| p.clone_ref(py)));
        }
        // What pixel data needs: the image attributes (0028), the pixel data and its offset
        // tables (7FE0), not a copy of the whole header.
        let snapshot = Arc::new(self.with(|ds| ds.filtered(|t| matches!(t.0, 0x0028 | 0x7FE0))));
        let px = PyPixelData::new(snapshot, self.pixel_transfer_syntax())?
            .map(|px| Py::new(py, px))
            .transpose()?;
        self.cache().pixel_data = Some(px.as_ref().map(|p| p.clone_ref(py)));
        Ok(px)
    }

    /// The pixels as a numpy array shaped like pydicom's pixel_array (cached on this object
    /// until the dataset changes).
    #[getter]
    fn pixel_array<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(a) = &self.cache().array {
            return Ok(a.bind(py).clone());
        }
        let px = self.pixel_data(py)?.ok_or_else(|| {
            PyAttributeError::new_err(
                "the dataset has no Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008) or \
                 Double Float Pixel Data (7FE0,0009) element",
            )
        })?;
        let arr = px.bind(py).call_method0("array")?;
        self.cache().array = Some(arr.clone().unbind());
        Ok(arr)
    }

    /// The transfer syntax UID from the file meta (None when the file has none).
    #[getter]
    fn transfer_syntax_uid(&self) -> Option<String> {
        let meta = self.meta()?;
        let meta = meta.read();
        let raw = meta.raw(Tag::TRANSFER_SYNTAX_UID)?;
        Some(rs_dicom::core::trim_uid(&String::from_utf8_lossy(raw)).to_string())
    }

    /// True for little-endian encoding.
    #[getter]
    fn is_little_endian(&self) -> bool {
        !self.read_encoding().1
    }

    /// True for implicit VR encoding.
    #[getter]
    fn is_implicit_vr(&self) -> bool {
        !self.read_encoding().0
    }

    /// Byte offset of the dataset's first element in its source.
    #[getter]
    fn offset(&self) -> usize {
        self.with(|ds| ds.offset())
    }

    /// The 128-byte preamble (None when the file has none).
    #[getter]
    fn preamble<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.file().preamble.map(|p| PyBytes::new(py, &p))
    }

    fn __repr__(&self) -> String {
        crate::repr::dataset_repr(self)
    }

    /// A PNG thumbnail for Jupyter (None when there is no decodable pixel data).
    fn _repr_png_<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        crate::repr::dataset_png(py, self)
    }

    fn _repr_html_(&self, py: Python<'_>) -> String {
        crate::repr::dataset_html(py, self, rs_dicom::dump::MAX_HTML_ROWS)
    }
}
