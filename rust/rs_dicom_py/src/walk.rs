//! Going through a dataset, with pydicom's names: `dir(*filters)`, `iterall()`,
//! `walk(callback, recursive=True)`, `group_dataset(group)`. The user's callback runs with
//! no dataset locked.

use pyo3::prelude::*;
use pyo3::types::PyList;
use rs_dicom::core::{Dataset, SharedDataset, Tag};
use rs_dicom::dictionary;

use crate::handle::{PyDataset, PyElement};

fn elements(node: &SharedDataset) -> Vec<(Tag, Vec<SharedDataset>)> {
    node.read()
        .iter()
        .map(|e| {
            (
                e.tag,
                e.items().map(<[SharedDataset]>::to_vec).unwrap_or_default(),
            )
        })
        .collect()
}

fn all(py: Python<'_>, node: &SharedDataset, out: &Bound<'_, PyList>) -> PyResult<()> {
    for (i, (tag, items)) in elements(node).into_iter().enumerate() {
        out.append(Bound::new(py, PyElement::at(node.clone(), tag, i))?)?;
        for item in items {
            all(py, &item, out)?;
        }
    }
    Ok(())
}

fn walk(node: &SharedDataset, callback: &Bound<'_, PyAny>, recursive: bool) -> PyResult<()> {
    let py = callback.py();
    for (tag, items) in elements(node) {
        if !node.read().contains(tag) {
            continue; // removed by the callback
        }
        let ds = Bound::new(py, PyDataset::item(node.clone()))?;
        callback.call1((ds, PyElement::new(node.clone(), tag)))?;
        if recursive {
            for item in items {
                walk(&item, callback, recursive)?;
            }
        }
    }
    Ok(())
}

#[pymethods]
impl PyDataset {
    /// The keywords of the elements, sorted; with filters, those that contain one of them
    /// (case-insensitive), as pydicom's `dir`.
    #[pyo3(signature = (*filters))]
    fn dir(&self, filters: Vec<String>) -> Vec<&'static str> {
        let filters: Vec<String> = filters.iter().map(|f| f.to_lowercase()).collect();
        let mut names: Vec<&'static str> = self.with(|ds| {
            ds.iter()
                .filter(|e| !e.tag.is_private())
                .filter_map(|e| dictionary::by_tag(e.tag).map(|d| d.keyword))
                .filter(|k| !k.is_empty())
                .filter(|k| {
                    filters.is_empty() || filters.iter().any(|f| k.to_lowercase().contains(f))
                })
                .collect()
        });
        names.sort_unstable();
        names
    }

    /// Every element, depth first: an SQ element, then the elements of its items.
    fn iterall<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let out = PyList::empty(py);
        all(py, &self.node, &out)?;
        out.try_iter().map(Bound::into_any)
    }

    /// Calls `callback(dataset, element)` for every element (and in items when `recursive`).
    #[pyo3(signature = (callback, recursive=true))]
    fn walk(&self, callback: &Bound<'_, PyAny>, recursive: bool) -> PyResult<()> {
        walk(&self.node, callback, recursive)
    }

    /// A new dataset of the elements of `group`.
    fn group_dataset(&self, group: u16) -> PyDataset {
        let mut out = Dataset::new();
        self.with(|ds| {
            for e in ds.iter().filter(|e| e.tag.0 == group) {
                out.insert_from(ds, e);
            }
        });
        PyDataset::item(SharedDataset::new(out))
    }

    /// The encoding the dataset was read with: (is_implicit_VR, is_little_endian).
    #[getter]
    fn original_encoding(&self) -> (bool, bool) {
        let (explicit, big) = self.read_encoding();
        (!explicit, !big)
    }

    /// pydicom's name for `is_implicit_vr`.
    #[getter(is_implicit_VR)]
    fn is_implicit_vr_upper(&self) -> bool {
        !self.read_encoding().0
    }
}
