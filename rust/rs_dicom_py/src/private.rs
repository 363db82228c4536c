//! Private blocks (PS3.5 7.8.1): `ds.private_block(group, creator, create=False)` finds (or
//! reserves) the block of elements `(gggg,BBxx)` that the private creator `(gggg,00BB)` owns,
//! as pydicom's `PrivateBlock` does.

use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use rs_dicom::core::{SharedDataset, Tag, VR};
use rs_dicom::value::latin1;

use crate::edit::{set_value, write_node};
use crate::handle::{PyDataset, PyElement};

/// The elements of one private creator in one group of a dataset.
#[pyclass(name = "PrivateBlock", module = "rs_dicom", frozen)]
pub struct PyPrivateBlock {
    node: SharedDataset,
    group: u16,
    /// The block byte BB: elements are (group, BB00 + offset).
    block: u16,
    creator: String,
}

fn creator_of(ds: &rs_dicom::core::Dataset, tag: Tag) -> Option<String> {
    ds.raw(tag)
        .map(|b| latin1(b).trim_end_matches(['\0', ' ']).to_string())
}

impl PyPrivateBlock {
    fn tag_of(&self, offset: u16) -> PyResult<Tag> {
        if offset > 0xFF {
            return Err(PyValueError::new_err(format!(
                "an element offset in a private block is 0x00-0xFF, not {offset:#x}"
            )));
        }
        Ok(Tag(self.group, (self.block << 8) | offset))
    }
}

#[pymethods]
impl PyPrivateBlock {
    /// The private creator.
    #[getter]
    fn private_creator(&self) -> &str {
        &self.creator
    }

    /// The group.
    #[getter]
    fn group(&self) -> u16 {
        self.group
    }

    /// The tag of the element at `offset` in the block.
    fn get_tag(&self, offset: u16) -> PyResult<u32> {
        Ok(self.tag_of(offset)?.as_u32())
    }

    /// Adds (or replaces) the element at `offset` with `vr` and `value`.
    fn add_new(
        &self,
        py: Python<'_>,
        offset: u16,
        vr: &str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let tag = self.tag_of(offset)?;
        let vr =
            VR::parse(vr).ok_or_else(|| PyValueError::new_err(format!("'{vr}' is not a VR")))?;
        set_value(
            py,
            &PyDataset::item(self.node.clone()),
            tag,
            Some(vr),
            value,
            false,
        )
    }

    fn __getitem__(&self, offset: u16) -> PyResult<PyElement> {
        let tag = self.tag_of(offset)?;
        if self.node.read().contains(tag) {
            Ok(PyElement::new(self.node.clone(), tag))
        } else {
            Err(PyKeyError::new_err(format!(
                "{tag} ({}) is not in the dataset",
                self.creator
            )))
        }
    }

    fn __contains__(&self, offset: u16) -> PyResult<bool> {
        Ok(self.node.read().contains(self.tag_of(offset)?))
    }

    fn __delitem__(&self, py: Python<'_>, offset: u16) -> PyResult<()> {
        let tag = self.tag_of(offset)?;
        write_node(py, &self.node)
            .remove(tag)
            .map(|_| ())
            .ok_or_else(|| PyKeyError::new_err(format!("{tag} is not in the dataset")))
    }

    fn __repr__(&self) -> String {
        format!(
            "<PrivateBlock ({:04X},{:02X}xx) '{}'>",
            self.group, self.block, self.creator
        )
    }
}

#[pymethods]
impl PyDataset {
    /// The private block of `private_creator` in `group`; with `create`, reserved in the
    /// first free slot (gggg,0010-00FF) when the creator has none.
    #[pyo3(signature = (group, private_creator, create=false))]
    fn private_block(
        &self,
        py: Python<'_>,
        group: u16,
        private_creator: &str,
        create: bool,
    ) -> PyResult<PyPrivateBlock> {
        if group.is_multiple_of(2) || group <= 0x0008 || group == 0xFFFF {
            return Err(PyValueError::new_err(format!(
                "private blocks are in odd groups above 0008, not {group:04X}"
            )));
        }
        let creator = private_creator.trim_end_matches(['\0', ' ']);
        if creator.is_empty() {
            return Err(PyValueError::new_err("a private creator cannot be empty"));
        }
        let found = self.with(|ds| {
            (0x10u16..=0xFF).find(|&b| creator_of(ds, Tag(group, b)).as_deref() == Some(creator))
        });
        let block = match found {
            Some(b) => b,
            None if create => {
                let free = self
                    .with(|ds| (0x10u16..=0xFF).find(|&b| !ds.contains(Tag(group, b))))
                    .ok_or_else(|| {
                        PyValueError::new_err(format!(
                            "group {group:04X} has no free private block"
                        ))
                    })?;
                let value = pyo3::types::PyString::new(py, creator);
                set_value(
                    py,
                    self,
                    Tag(group, free),
                    Some(VR::LO),
                    value.as_any(),
                    false,
                )?;
                free
            }
            None => {
                return Err(PyKeyError::new_err(format!(
                    "private creator '{creator}' has no block in group {group:04X}"
                )));
            }
        };
        Ok(PyPrivateBlock {
            node: self.node.clone(),
            group,
            block,
            creator: creator.to_string(),
        })
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPrivateBlock>()
}
