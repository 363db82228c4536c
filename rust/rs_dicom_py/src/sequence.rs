//! Sequence values for Python: instances of `rs_dicom.sequence.Sequence` (a `list`
//! subclass registered by that module at import), made with `list.__new__` and filled with
//! the C API, so no Python code runs here; the class writes its changes back through
//! `_set_sequence`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyType};
use rs_dicom::core::{Element, SharedDataset, Tag};

use crate::assign::{Converted, items};
use crate::edit::{check_items, write_node};
use crate::handle::PyDataset;

static SEQUENCE_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Registers the Python `Sequence` class (called by `rs_dicom.sequence` at import).
#[pyfunction]
fn _register_sequence_type(py: Python<'_>, cls: Bound<'_, PyType>) -> PyResult<()> {
    if !cls.is_subclass_of::<PyList>()? {
        return Err(PyValueError::new_err(
            "the Sequence class must subclass list",
        ));
    }
    let _ = SEQUENCE_TYPE.set(py, cls.unbind());
    Ok(())
}

/// The Python value of the sequence `tag` of `node`: a `Sequence` bound to them (a plain
/// list before `rs_dicom.sequence` registered the class).
pub fn make_sequence<'py>(
    py: Python<'py>,
    node: &SharedDataset,
    tag: Tag,
    item_nodes: Vec<SharedDataset>,
) -> PyResult<Bound<'py, PyAny>> {
    let list = match SEQUENCE_TYPE.get(py) {
        Some(cls) => py
            .get_type::<PyList>()
            .getattr(pyo3::intern!(py, "__new__"))?
            .call1((cls.bind(py),))?,
        None => PyList::empty(py).into_any(),
    };
    {
        let l = list.cast::<PyList>()?;
        for item in item_nodes {
            l.append(PyDataset::item(item))?;
        }
    }
    if SEQUENCE_TYPE.get(py).is_some() {
        list.setattr(pyo3::intern!(py, "_ds"), PyDataset::item(node.clone()))?;
        list.setattr(pyo3::intern!(py, "_tag"), tag.as_u32())?;
    }
    Ok(list)
}

/// Sets the items of the sequence `tag` of `ds` (creating the element if it is gone).
#[pyfunction]
fn _set_sequence(
    py: Python<'_>,
    ds: &Bound<'_, PyDataset>,
    tag: u32,
    new_items: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let tag = Tag::from_u32(tag);
    let node = &ds.get().node;
    let nodes = items(new_items)?;
    check_items(node, &Converted::Items(nodes.clone()))?;
    let mut d = write_node(py, node);
    match d.get_mut(tag).and_then(Element::items_mut) {
        Some(current) => *current = nodes,
        None => {
            d.insert(Element::sequence(tag, nodes));
        }
    }
    Ok(())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_register_sequence_type, m)?)?;
    m.add_function(wrap_pyfunction!(_set_sequence, m)?)?;
    Ok(())
}
