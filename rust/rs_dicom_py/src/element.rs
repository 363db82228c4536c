//! `Element`: a handle to one element of a shared dataset, found by its tag each time it is
//! used, so that it always shows the element as it is now.

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use rs_dicom::core::{Dataset, Element, ElementValue, SharedDataset, Tag};
use rs_dicom::{dictionary, value as core_value};

use crate::errors::to_py;
use crate::handle::PyElement;
use crate::source::memoryview;
use crate::tag::make_tag;
use crate::value;

/// Iterator over a dataset's elements (the tags present when iteration began; elements
/// deleted since are skipped).
#[pyclass(module = "rs_dicom._core")]
pub struct ElementIter {
    node: SharedDataset,
    tags: Vec<Tag>,
    next: usize,
}

impl ElementIter {
    pub fn new(node: SharedDataset) -> Self {
        let tags = node.read().iter().map(|e| e.tag).collect();
        ElementIter {
            node,
            tags,
            next: 0,
        }
    }
}

#[pymethods]
impl ElementIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self) -> Option<PyElement> {
        while let Some(&tag) = self.tags.get(self.next) {
            let index = self.next;
            self.next += 1;
            let present = {
                let ds = self.node.read();
                ds.elements().get(index).is_some_and(|e| e.tag == tag) || ds.contains(tag)
            };
            if present {
                return Some(PyElement::at(self.node.clone(), tag, index));
            }
        }
        None
    }
}

impl PyElement {
    fn with<R>(&self, f: impl FnOnce(&Dataset, &Element) -> R) -> PyResult<R> {
        self.with_found(f).map_err(PyKeyError::new_err)
    }
}

#[pymethods]
impl PyElement {
    /// The tag.
    #[getter]
    fn tag<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        make_tag(py, self.tag)
    }

    /// The VR as a two-letter string.
    #[getter]
    fn vr(&self) -> PyResult<&'static str> {
        self.with(|_, e| e.vr.as_str())
    }

    /// The encoded value length; None when undefined.
    #[getter]
    fn length(&self) -> PyResult<Option<u32>> {
        self.with(|_, e| e.length)
    }

    /// The decoded value.
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.with(value::decode)?
            .map_err(to_py)?
            .into_py_of(py, (&self.node, self.tag))
    }

    /// The dictionary keyword ('' for unknown and private tags).
    #[getter]
    fn keyword(&self) -> &'static str {
        if self.tag.is_private() {
            return "";
        }
        dictionary::by_tag(self.tag).map_or("", |d| d.keyword)
    }

    /// The dictionary name ('Private tag data', 'Private Creator', or the standard name).
    #[getter]
    fn name(&self) -> String {
        let t = self.tag;
        if t.is_private_creator() {
            return "Private Creator".into();
        }
        if t.is_private() {
            return "Private tag data".into();
        }
        if t.is_group_length() && dictionary::by_tag(t).is_none() {
            return "Group Length".into();
        }
        dictionary::by_tag(t).map_or_else(|| "Unknown".to_string(), |d| d.name.to_string())
    }

    /// Value multiplicity.
    #[getter]
    fn vm(&self) -> PyResult<usize> {
        self.with(core_value::vm)
    }

    /// Byte offset of the element's header in the source (the inflated stream if deflated);
    /// None for an element created in memory.
    #[getter]
    fn offset(&self) -> PyResult<Option<usize>> {
        self.with(|_, e| e.has_offset().then_some(e.offset))
    }

    /// True for a tag in a private group.
    #[getter]
    fn is_private(&self) -> bool {
        self.tag.is_private()
    }

    /// True when the length is undefined (sequences, encapsulated pixel data).
    #[getter]
    fn is_undefined_length(&self) -> PyResult<bool> {
        self.with(|_, e| e.length.is_none())
    }

    /// True when the data ends inside this value (pixel data cut short): the value holds the
    /// bytes that are there, and using the pixels raises the error.
    #[getter]
    fn is_truncated(&self) -> PyResult<bool> {
        self.with(|_, e| e.truncation().is_some())
    }

    /// Read-only memoryview of the value bytes as stored (no copy, except for files mapped
    /// with the default policy, whose bytes are copied when handed out).
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.with(value::raw_of)?.into_py(py)
    }

    /// Encapsulated pixel data items: (Basic Offset Table, [fragments]) as memoryviews.
    #[getter]
    fn fragments<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let spans = self.with(|ds, e| match &e.value {
            ElementValue::Encapsulated {
                offset_table,
                fragments,
                buffer,
            } => {
                let source = buffer.clone().unwrap_or_else(|| ds.source().clone());
                Some((source, *offset_table, fragments.clone()))
            }
            _ => None,
        })?;
        let Some((source, bot, frags)) = spans else {
            return Ok(None);
        };
        let bot = memoryview(py, &source, bot.offset, bot.len)?;
        let frags: Vec<Bound<'py, PyAny>> = frags
            .iter()
            .map(|f| memoryview(py, &source, f.offset, f.len))
            .collect::<PyResult<_>>()?;
        Ok(Some(PyTuple::new(
            py,
            [bot, PyList::new(py, frags)?.into_any()],
        )?))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        crate::repr::element_repr(py, self)
    }
}
