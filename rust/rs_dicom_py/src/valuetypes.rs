//! Value types for Python: `rs_dicom.valuerep.PersonName` and `UID` (`str` subclasses defined
//! in Python) are handed to the native module once, when `rs_dicom.valuerep` is imported;
//! instances are made with `str.__new__`, so no Python code runs and the native module
//! imports nothing back.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};

static PERSON_NAME_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UID_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
/// `str.__new__`, looked up once.
static STR_NEW: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn check_str_subclass(cls: &Bound<'_, PyType>, what: &str) -> PyResult<()> {
    if cls.is_subclass_of::<PyString>()? {
        Ok(())
    } else {
        Err(PyTypeError::new_err(format!(
            "the {what} class must subclass str"
        )))
    }
}

/// Registers the Python value classes (called by `rs_dicom.valuerep` at import).
#[pyfunction]
#[pyo3(signature = (*, person_name = None, uid = None))]
fn _register_value_types(
    py: Python<'_>,
    person_name: Option<Bound<'_, PyType>>,
    uid: Option<Bound<'_, PyType>>,
) -> PyResult<()> {
    if let Some(cls) = &person_name {
        check_str_subclass(cls, "PersonName")?;
    }
    if let Some(cls) = &uid {
        check_str_subclass(cls, "UID")?;
    }
    if let Some(cls) = person_name {
        let _ = PERSON_NAME_TYPE.set(py, cls.unbind());
    }
    if let Some(cls) = uid {
        let _ = UID_TYPE.set(py, cls.unbind());
    }
    Ok(())
}

/// `str.__new__(cls, text)`, or a plain `str` before a class was registered.
fn make<'py>(
    py: Python<'py>,
    cls: &PyOnceLock<Py<PyType>>,
    text: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let value = PyString::new(py, text);
    match cls.get(py) {
        Some(cls) => {
            let new = STR_NEW.get_or_try_init(py, || {
                py.get_type::<PyString>()
                    .getattr(pyo3::intern!(py, "__new__"))
                    .map(Bound::unbind)
            })?;
            new.bind(py).call1((cls.bind(py), value))
        }
        None => Ok(value.into_any()),
    }
}

/// A `PersonName` of a PN value (a plain `str` before `rs_dicom.valuerep` is imported).
#[allow(dead_code)] // called by the value conversion once PN values are made with it
pub fn make_person_name<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    make(py, &PERSON_NAME_TYPE, text)
}

/// A `UID` of a UI value (a plain `str` before `rs_dicom.valuerep` is imported).
#[allow(dead_code)] // called by the value conversion once UI values are made with it
pub fn make_uid<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    make(py, &UID_TYPE, text)
}

/// Adds the registration function to the `_core` module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_register_value_types, m)?)?;
    Ok(())
}
