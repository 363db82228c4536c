//! Tags for Python: the `rs_dicom.Tag` class (an `int` subclass defined in Python) is handed
//! to the native module once, when `rs_dicom.tag` is imported; instances are made with
//! `int.__new__`, so no Python code runs and the native module imports nothing back.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyInt, PyString, PyTuple, PyType};
use rs_dicom::core::Tag;
use rs_dicom::dictionary;

static TAG_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Registers the Python `Tag` class (called by `rs_dicom.tag` at import).
#[pyfunction]
fn _register_tag_type(py: Python<'_>, cls: Bound<'_, PyType>) -> PyResult<()> {
    if !cls.is_subclass_of::<PyInt>()? {
        return Err(PyTypeError::new_err("the Tag class must subclass int"));
    }
    let _ = TAG_TYPE.set(py, cls.unbind());
    Ok(())
}

/// A `Tag` object (a plain `int` before `rs_dicom.tag` registered the class).
pub fn make_tag(py: Python<'_>, tag: Tag) -> PyResult<Bound<'_, PyAny>> {
    let value = PyInt::new(py, tag.as_u32());
    match TAG_TYPE.get(py) {
        Some(cls) => py
            .get_type::<PyInt>()
            .getattr(pyo3::intern!(py, "__new__"))?
            .call1((cls.bind(py), value)),
        None => Ok(value.into_any()),
    }
}

/// Resolves a key: int, (group, element) tuple, object with `__index__` (Tag), or keyword.
/// `Ok(None)` for a keyword that is not in the dictionary.
pub fn key_to_tag(key: &Bound<'_, PyAny>) -> PyResult<Option<Tag>> {
    if let Ok(s) = key.cast::<PyString>() {
        let s = s.to_cow()?;
        return Ok(dictionary::by_keyword(&s).map(|e| Tag::from_u32(e.tag)));
    }
    if let Ok(t) = key.cast::<PyTuple>() {
        if t.len() == 2 {
            let g: u16 = t.get_item(0)?.extract()?;
            let e: u16 = t.get_item(1)?.extract()?;
            return Ok(Some(Tag(g, e)));
        }
        return Err(PyTypeError::new_err("a tag tuple must be (group, element)"));
    }
    match key.extract::<u32>() {
        Ok(v) => Ok(Some(Tag::from_u32(v))),
        Err(_) => Err(PyTypeError::new_err(format!(
            "a key must be a tag (int, (group, element) or Tag) or a keyword, not {}",
            key.get_type().name()?
        ))),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_register_tag_type, m)?)?;
    Ok(())
}
