//! Editing datasets from Python, with pydicom 3's names: `ds.X = v`, `del ds.X`,
//! `ds[tag] = elem`, `del ds[tag]`, `ds.pop(tag)`, `add_new`, `Dataset()`,
//! `FileMetaDataset()`, `copy.copy`/`copy.deepcopy`, `ds == other`, `remove_private_tags()`,
//! `ds[tag].value = v`. Values are checked against their VR and VM before anything changes.

use std::sync::RwLockWriteGuard;

use pyo3::exceptions::{PyAttributeError, PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use rs_dicom::core::{Dataset, Element, SharedDataset, Tag, VR};
use rs_dicom::dictionary;

use crate::assign::{Converted, convert, element, vr_for};
use crate::handle::{PyDataset, PyElement};
use crate::tag::key_to_tag;

/// Attributes of a Dataset that are not elements and cannot be set.
const READ_ONLY: &[&str] = &[
    "pixel_array",
    "pixel_data",
    "transfer_syntax_uid",
    "is_little_endian",
    "is_implicit_vr",
    "is_implicit_VR",
    "offset",
    "filename",
];

/// The write lock of `node`, waiting without the GIL when another thread holds it.
pub fn write_node<'a>(py: Python<'_>, node: &'a SharedDataset) -> RwLockWriteGuard<'a, Dataset> {
    loop {
        if let Some(g) = node.try_write() {
            return g;
        }
        py.detach(|| std::thread::sleep(std::time::Duration::from_micros(20)));
    }
}

/// Refuses items that would put `target` inside itself.
pub fn check_items(target: &SharedDataset, value: &Converted) -> PyResult<()> {
    if let Converted::Items(items) = value {
        for item in items {
            if item.ptr_eq(target) || item.read().contains_node(target) {
                return Err(PyValueError::new_err(
                    "a dataset cannot be an item of its own sequence (or of one nested in it)",
                ));
            }
        }
    }
    Ok(())
}

/// The tag of a keyword, or the error pydicom gives for a name that is none.
fn keyword_tag(name: &str) -> PyResult<Tag> {
    match dictionary::by_keyword(name) {
        Some(e) if !e.is_repeater() => Ok(Tag::from_u32(e.tag)),
        _ if READ_ONLY.contains(&name) => Err(PyAttributeError::new_err(format!(
            "'Dataset' attribute '{name}' is read-only"
        ))),
        _ => Err(PyAttributeError::new_err(format!(
            "'Dataset' object has no attribute '{name}': it is not a DICOM keyword, and a \
             Dataset holds data elements only (use ds[tag] or add_new for private and \
             repeating-group elements)"
        ))),
    }
}

/// Sets `tag` of `ds` to `value`: the existing element's VR, else `vr`, else the dictionary's.
pub fn set_value(
    py: Python<'_>,
    ds: &PyDataset,
    tag: Tag,
    vr: Option<VR>,
    value: &Bound<'_, PyAny>,
    file_meta: bool,
) -> PyResult<()> {
    if file_meta != (tag.0 == 0x0002) {
        return Err(PyValueError::new_err(if file_meta {
            format!("only group 0002 elements belong in the file meta information, not {tag}")
        } else {
            format!("{tag}: group 0002 elements belong in ds.file_meta, not the dataset")
        }));
    }
    let vr = match vr.or_else(|| ds.with(|d| d.get(tag).map(|e| e.vr))) {
        Some(vr) => vr,
        None => ds.with(|d| vr_for(d, tag)).ok_or_else(|| {
            PyKeyError::new_err(format!(
                "{tag} is not in the data dictionary: give its VR with add_new(tag, vr, value)"
            ))
        })?,
    };
    // Convert with the GIL (no lock held), then build and insert under the lock.
    let converted = convert(value, vr)?;
    check_items(&ds.node, &converted)?;
    let e = ds.with(|d| element(d, tag, vr, converted))?;
    write_node(py, &ds.node).insert(e);
    Ok(())
}

fn remove(py: Python<'_>, ds: &PyDataset, tag: Tag) -> Option<PyElement> {
    let removed = write_node(py, &ds.node).remove(tag)?;
    // The element goes on living in a dataset of its own (its bytes kept, its source shared).
    let mut alone = Dataset::new();
    ds.with(|d| alone.insert_from(d, &removed));
    Some(PyElement::new(SharedDataset::new(alone), tag))
}

#[pymethods]
impl PyDataset {
    /// A new, empty dataset.
    #[new]
    fn py_new() -> Self {
        PyDataset::item(SharedDataset::new(Dataset::new()))
    }

    fn __setattr__(
        slf: &Bound<'_, Self>,
        name: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let name = name.to_cow()?;
        let this = slf.get();
        match name.as_ref() {
            "file_meta" => {
                let meta = if value.is_none() {
                    None
                } else {
                    let m = value.cast::<PyDataset>().map_err(|_| {
                        PyTypeError::new_err("file_meta must be a FileMetaDataset (or a Dataset)")
                    })?;
                    if let Some(bad) = m
                        .get()
                        .with(|d| d.iter().find(|e| e.tag.0 != 2).map(|e| e.tag))
                    {
                        return Err(PyValueError::new_err(format!(
                            "file meta information holds group 0002 elements only, not {bad}"
                        )));
                    }
                    Some(m.get().node.clone())
                };
                this.set_file(|f| f.meta = meta);
                Ok(())
            }
            "preamble" => {
                let p: Option<Vec<u8>> = if value.is_none() {
                    None
                } else {
                    Some(value.extract()?)
                };
                if p.as_ref().is_some_and(|p| p.len() != 128) {
                    return Err(PyValueError::new_err("the preamble is 128 bytes"));
                }
                this.set_file(|f| f.preamble = p);
                Ok(())
            }
            name => {
                let tag = keyword_tag(name)?;
                set_value(py, this, tag, None, value, is_file_meta(slf))
            }
        }
    }

    fn __delattr__(&self, py: Python<'_>, name: &str) -> PyResult<()> {
        let tag = keyword_tag(name)?;
        remove(py, self, tag).map(|_| ()).ok_or_else(|| {
            PyAttributeError::new_err(format!("'Dataset' object has no attribute '{name}'"))
        })
    }

    fn __setitem__(
        slf: &Bound<'_, Self>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        let tag = key_to_tag(key)?.ok_or_else(|| PyKeyError::new_err(key.clone().unbind()))?;
        let elem = value.cast::<PyElement>().map_err(|_| {
            PyTypeError::new_err(
                "ds[tag] = ... takes an Element (use ds.Keyword = value to set a value)",
            )
        })?;
        let elem = elem.get();
        if elem.tag != tag {
            return Err(PyValueError::new_err(format!(
                "the element's tag {} is not the key {tag}",
                elem.tag
            )));
        }
        if is_file_meta(slf) != (tag.0 == 0x0002) {
            return Err(PyValueError::new_err(format!(
                "{tag} does not belong in this dataset"
            )));
        }
        let copied = elem
            .with_found(|d, e| {
                let mut one = Dataset::new();
                one.insert_from(d, e);
                one.remove(tag)
            })
            .map_err(PyKeyError::new_err)?;
        let Some(mut e) = copied else { return Ok(()) };
        if let Some(items) = e.items() {
            check_items(&this.node, &Converted::Items(items.to_vec()))?;
        }
        // Owned bytes of the other dataset are in its byte order: re-encoding is needed only
        // when the orders differ (the value is then converted back through Python).
        let same_order = elem.node.read().byte_order() == this.with(|d| d.byte_order());
        if !same_order && e.items().is_none() {
            let v = PyElement::new(elem.node.clone(), tag)
                .into_pyobject(py)?
                .getattr("value")?;
            return set_value(py, this, tag, Some(e.vr), &v, is_file_meta(slf));
        }
        e.offset = rs_dicom::core::NO_OFFSET;
        write_node(py, &this.node).insert(e);
        Ok(())
    }

    fn __delitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<()> {
        let tag = key_to_tag(key)?.ok_or_else(|| PyKeyError::new_err(key.clone().unbind()))?;
        remove(py, self, tag)
            .map(|_| ())
            .ok_or_else(|| PyKeyError::new_err(key.clone().unbind()))
    }

    /// Removes the element `key` and returns it (or `default`; KeyError without one).
    #[pyo3(signature = (key, *default))]
    fn pop<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        default: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let tag = key_to_tag(key)?;
        match tag.and_then(|t| remove(py, self, t)) {
            Some(e) => Ok(Bound::new(py, e)?.into_any()),
            None if !default.is_empty() => default.get_item(0),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    /// Adds (or replaces) the element `tag` with VR `vr` and `value`.
    fn add_new(
        slf: &Bound<'_, Self>,
        tag: &Bound<'_, PyAny>,
        vr: &str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let t = key_to_tag(tag)?.ok_or_else(|| PyKeyError::new_err(tag.clone().unbind()))?;
        let vr =
            VR::parse(vr).ok_or_else(|| PyValueError::new_err(format!("'{vr}' is not a VR")))?;
        set_value(slf.py(), slf.get(), t, Some(vr), value, is_file_meta(slf))
    }

    /// Adds (or replaces) an element taken from another dataset.
    fn add(slf: &Bound<'_, Self>, element: &Bound<'_, PyElement>) -> PyResult<()> {
        let tag = crate::tag::make_tag(slf.py(), element.get().tag)?;
        Self::__setitem__(slf, &tag, element.as_any())
    }

    /// Removes every element.
    fn clear(&self, py: Python<'_>) {
        let tags: Vec<Tag> = self.with(|d| d.iter().map(|e| e.tag).collect());
        let mut ds = write_node(py, &self.node);
        for t in tags {
            ds.remove(t);
        }
    }

    /// Removes every private element (odd group), at this level and in every item.
    fn remove_private_tags(&self, py: Python<'_>) {
        remove_private(py, &self.node);
    }

    /// A shallow copy: the same items (as `copy.copy` of a pydicom Dataset).
    fn __copy__(&self) -> Self {
        let copy = PyDataset::item(SharedDataset::new(self.with(Dataset::clone)));
        copy.set_file(|f| *f = self.file());
        copy
    }

    /// A copy sharing nothing that can change (items copied too).
    #[pyo3(signature = (memo=None))]
    fn __deepcopy__(&self, memo: Option<&Bound<'_, PyDict>>) -> Self {
        let _ = memo;
        let copy = PyDataset::item(SharedDataset::new(self.with(Dataset::deep_clone)));
        let mut file = self.file();
        file.meta = file.meta.map(|m| SharedDataset::new(m.read().deep_clone()));
        copy.set_file(|f| *f = file);
        copy
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        let Ok(other) = other.cast::<PyDataset>() else {
            return false;
        };
        let other = other.get();
        if self.node.ptr_eq(&other.node) {
            return true;
        }
        let (a, b) = (self.node.read(), other.node.read());
        rs_dicom::value::datasets_equal(&a, &b)
    }

    /// The path the dataset was read from (None for datasets made in memory or from bytes).
    #[getter]
    fn filename(&self) -> Option<String> {
        self.file().filename
    }
}

/// True when `slf` is a `FileMetaDataset`.
fn is_file_meta(slf: &Bound<'_, PyDataset>) -> bool {
    slf.is_instance_of::<PyFileMetaDataset>()
}

fn remove_private(py: Python<'_>, node: &SharedDataset) {
    let items: Vec<SharedDataset> = {
        let mut ds = write_node(py, node);
        let private: Vec<Tag> = ds
            .iter()
            .filter(|e| e.tag.is_private())
            .map(|e| e.tag)
            .collect();
        for t in private {
            ds.remove(t);
        }
        ds.iter()
            .filter_map(Element::items)
            .flatten()
            .cloned()
            .collect()
    };
    for item in items {
        remove_private(py, &item);
    }
}

/// File meta information (group 0002 only), as pydicom's FileMetaDataset.
#[pyclass(name = "FileMetaDataset", module = "rs_dicom", extends = PyDataset, frozen)]
pub struct PyFileMetaDataset;

#[pymethods]
impl PyFileMetaDataset {
    #[new]
    fn py_new() -> pyo3::PyClassInitializer<Self> {
        pyo3::PyClassInitializer::from(PyDataset::item(SharedDataset::new(Dataset::new())))
            .add_subclass(PyFileMetaDataset)
    }
}

/// A Python FileMetaDataset for the meta group `node`.
pub fn file_meta_object(py: Python<'_>, node: SharedDataset) -> PyResult<Bound<'_, PyAny>> {
    let init =
        pyo3::PyClassInitializer::from(PyDataset::item(node)).add_subclass(PyFileMetaDataset);
    Ok(Bound::new(py, init)?.into_any())
}

#[pymethods]
impl PyElement {
    /// Sets the value (checked against the element's VR and VM; nothing changes if it does
    /// not fit).
    #[setter]
    fn set_value(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let vr = self.with_found(|_, e| e.vr).map_err(PyKeyError::new_err)?;
        let converted = convert(value, vr)?;
        check_items(&self.node, &converted)?;
        let e = element(&self.node.read(), self.tag, vr, converted)?;
        write_node(py, &self.node).insert(e);
        Ok(())
    }

    /// The VR (pydicom's name).
    #[getter(VR)]
    fn vr_upper(&self) -> PyResult<&'static str> {
        self.with_found(|_, e| e.vr.as_str())
            .map_err(PyKeyError::new_err)
    }

    /// The value multiplicity (pydicom's name).
    #[getter(VM)]
    fn vm_upper(&self) -> PyResult<usize> {
        self.with_found(rs_dicom::value::vm)
            .map_err(PyKeyError::new_err)
    }
}

/// Registers the classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFileMetaDataset>()?;
    Ok(())
}
