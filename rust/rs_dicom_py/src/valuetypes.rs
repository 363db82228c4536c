//! Value types for Python: `rs_dicom.valuerep.PersonName` and `UID` (`str` subclasses defined
//! in Python) are handed to the native module once, when `rs_dicom.valuerep` is imported;
//! instances are made with `str.__new__`, so no Python code runs and the native module
//! imports nothing back.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};
use rs_dicom::core::VR;

/// A registered `str` subclass and `str.__new__`, which makes its instances.
struct StrClass {
    cls: Py<PyType>,
    str_new: Py<PyAny>,
}

static PERSON_NAME_TYPE: PyOnceLock<StrClass> = PyOnceLock::new();
static UID_TYPE: PyOnceLock<StrClass> = PyOnceLock::new();

fn register_class(
    py: Python<'_>,
    slot: &PyOnceLock<StrClass>,
    cls: Option<Bound<'_, PyType>>,
    what: &str,
) -> PyResult<()> {
    let Some(cls) = cls else { return Ok(()) };
    if !cls.is_subclass_of::<PyString>()? {
        return Err(PyTypeError::new_err(format!(
            "the {what} class must subclass str"
        )));
    }
    let str_new = py
        .get_type::<PyString>()
        .getattr(pyo3::intern!(py, "__new__"))?
        .unbind();
    let _ = slot.set(
        py,
        StrClass {
            cls: cls.unbind(),
            str_new,
        },
    );
    Ok(())
}

/// Registers the Python value classes (called by `rs_dicom.valuerep` at import).
#[pyfunction]
#[pyo3(signature = (*, person_name = None, uid = None))]
fn _register_value_types(
    py: Python<'_>,
    person_name: Option<Bound<'_, PyType>>,
    uid: Option<Bound<'_, PyType>>,
) -> PyResult<()> {
    register_class(py, &PERSON_NAME_TYPE, person_name, "PersonName")?;
    register_class(py, &UID_TYPE, uid, "UID")
}

/// True for the VRs whose values are made by [`make`] (PN, UI).
pub fn has_class(vr: VR) -> bool {
    matches!(vr, VR::PN | VR::UI)
}

/// One value of `vr` (PN or UI) as its class, made as the class's `__new__` would (a
/// `PersonName` drops trailing empty component groups, a `UID` surrounding whitespace);
/// a plain `str` before the class is registered or for another VR.
pub fn make<'py>(py: Python<'py>, vr: VR, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let (slot, text) = match vr {
        VR::PN => (&PERSON_NAME_TYPE, text.trim_end_matches('=')),
        VR::UI => (&UID_TYPE, text.trim()),
        _ => return Ok(PyString::new(py, text).into_any()),
    };
    let value = PyString::new(py, text);
    match slot.get(py) {
        Some(c) => c.str_new.bind(py).call1((c.cls.bind(py), value)),
        None => Ok(value.into_any()),
    }
}

/// Adds the registration function to the `_core` module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_register_value_types, m)?)?;
    Ok(())
}
