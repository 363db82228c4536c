//! Element values for Python: decoded under the dataset's lock into plain Rust data, then
//! turned into Python objects with no lock held (so that no Python code can run while a
//! dataset is locked).

use std::sync::Arc;

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use rs_dicom::DicomError;
use rs_dicom::core::{Dataset, Element, ElementValue, SharedDataset, Source, Tag, VR};
use rs_dicom::value::{self, Scalar, Value};

use crate::handle::PyDataset;
use crate::source::{memoryview, owned_memoryview};
use crate::tag::make_tag;
use crate::valuetypes;

/// A decoded value that holds no borrow of the dataset.
pub enum Decoded {
    Empty(VR),
    Text(Vec<String>),
    /// Text of a VR with a value class (PN, UI): made as `PersonName` / `UID`.
    Typed(Vec<String>, VR),
    Numbers(Vec<Scalar>),
    Ints(Vec<i64>),
    UInts(Vec<u64>),
    Floats(Vec<f64>),
    Tags(Vec<Tag>, VR),
    /// Bytes of a source: `(source, start, len)`.
    Span(Arc<Source>, usize, usize),
    /// Bytes an element owns.
    Owned(Arc<[u8]>),
    Items(Vec<SharedDataset>),
}

/// Decodes `e` of `ds` (call with the dataset's lock held; touches no Python object). For a
/// mapped file, checks afterwards that the file did not change under the read.
pub fn decode(ds: &Dataset, e: &Element) -> Result<Decoded, DicomError> {
    let decoded = decode_unchecked(ds, e);
    ds.source().check_often()?;
    Ok(decoded)
}

fn decode_unchecked(ds: &Dataset, e: &Element) -> Decoded {
    match value::decode(ds, e) {
        Value::Empty => Decoded::Empty(e.vr),
        Value::Text(t) if valuetypes::has_class(e.vr) => Decoded::Typed(t, e.vr),
        Value::Text(t) => Decoded::Text(t),
        Value::Numbers(n) => Decoded::Numbers(n),
        Value::Ints(v) => Decoded::Ints(v),
        Value::UInts(v) => Decoded::UInts(v),
        Value::Floats(v) => Decoded::Floats(v),
        Value::Tags(v) => Decoded::Tags(v, e.vr),
        Value::Bytes(_) => raw_of(ds, e),
        Value::Sequence(items) => Decoded::Items(items.to_vec()),
        Value::Encapsulated => raw_of(ds, e),
    }
}

/// The value bytes as stored: a span of the source (for encapsulated pixel data, from the
/// first item header to the end of the last fragment, as pydicom keeps it), or owned bytes.
pub fn raw_of(ds: &Dataset, e: &Element) -> Decoded {
    match &e.value {
        ElementValue::Bytes { start, len } | ElementValue::Truncated { start, len, .. } => {
            Decoded::Span(ds.source().clone(), *start, *len)
        }
        ElementValue::Owned(b) => Decoded::Owned(b.clone()),
        ElementValue::Encapsulated {
            offset_table,
            fragments,
            buffer,
        } => {
            let start = offset_table.offset.saturating_sub(8);
            let end = fragments
                .last()
                .map_or(offset_table.offset + offset_table.len, |f| f.offset + f.len);
            let source = buffer.clone().unwrap_or_else(|| ds.source().clone());
            Decoded::Span(source, start, end.saturating_sub(start))
        }
        ElementValue::Sequence(_) => Decoded::Span(ds.source().clone(), e.offset, 0),
    }
}

fn empty_value(py: Python<'_>, vr: VR) -> PyResult<Bound<'_, PyAny>> {
    Ok(if vr == VR::SQ {
        PyList::empty(py).into_any()
    } else if valuetypes::has_class(vr) {
        // pydicom: an empty PN is PersonName(''), an empty UI is UID('').
        valuetypes::make(py, vr, "")?
    } else if vr.is_text() && !matches!(vr, VR::DS | VR::IS) {
        // pydicom's empty_value_for_VR: '' for text VRs except the number strings.
        PyString::new(py, "").into_any()
    } else {
        py.None().into_bound(py)
    })
}

fn scalar_or_list<'py, T, I>(py: Python<'py>, items: I) -> PyResult<Bound<'py, PyAny>>
where
    I: ExactSizeIterator<Item = T>,
    T: IntoPyObject<'py>,
{
    let mut items = items;
    if items.len() == 1
        && let Some(one) = items.next()
    {
        return one.into_bound_py_any(py);
    }
    Ok(PyList::new(py, items)?.into_any())
}

impl Decoded {
    /// The Python value (pydicom's conventions); a sequence of `(node, tag)` becomes a
    /// `Sequence` that writes its changes back to that element.
    pub fn into_py_of<'py>(
        self,
        py: Python<'py>,
        owner: (&SharedDataset, Tag),
    ) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Decoded::Items(items) => crate::sequence::make_sequence(py, owner.0, owner.1, items),
            other => other.into_py(py),
        }
    }

    /// The Python value (pydicom's conventions).
    pub fn into_py(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        match self {
            Decoded::Empty(vr) => empty_value(py, vr),
            Decoded::Text(t) => scalar_or_list(py, t.into_iter()),
            Decoded::Typed(t, vr) => {
                let objs: Vec<Bound<'_, PyAny>> = t
                    .iter()
                    .map(|s| valuetypes::make(py, vr, s))
                    .collect::<PyResult<_>>()?;
                scalar_or_list(py, objs.into_iter())
            }
            Decoded::Numbers(n) => {
                let objs: Vec<Bound<'_, PyAny>> = n
                    .into_iter()
                    .map(|s| match s {
                        Scalar::Int(i) => i.into_bound_py_any(py),
                        Scalar::Float(f) => f.into_bound_py_any(py),
                        Scalar::Str(s) => s.into_bound_py_any(py),
                    })
                    .collect::<PyResult<_>>()?;
                scalar_or_list(py, objs.into_iter())
            }
            Decoded::Ints(v) => scalar_or_list(py, v.into_iter()),
            Decoded::UInts(v) => scalar_or_list(py, v.into_iter()),
            Decoded::Floats(v) => scalar_or_list(py, v.into_iter()),
            Decoded::Tags(v, vr) => {
                if v.is_empty() {
                    return empty_value(py, vr);
                }
                let objs: Vec<Bound<'_, PyAny>> = v
                    .into_iter()
                    .map(|t| make_tag(py, t))
                    .collect::<PyResult<_>>()?;
                scalar_or_list(py, objs.into_iter())
            }
            Decoded::Span(source, start, len) => memoryview(py, &source, start, len),
            Decoded::Owned(bytes) => owned_memoryview(py, &bytes),
            Decoded::Items(items) => {
                let list = PyList::empty(py);
                for item in items {
                    list.append(PyDataset::item(item))?;
                }
                Ok(list.into_any())
            }
        }
    }
}
