//! DICOMDIR file-sets for `rs_dicom.FileSet`: the record tree of a DICOMDIR, the records of
//! an instance, File IDs, and writing a DICOMDIR. The Python package keeps the tree.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rs_dicom::core::SharedDataset;
use rs_dicom::fileset::{FileId, FileSetInfo, Node, build_records, read_records, write_dicomdir};
use rs_dicom::writer::write_bytes_atomically;

use crate::errors::to_py;
use crate::handle::PyDataset;

/// The records of a DICOMDIR dataset in depth-first order: (offset, parent index or -1,
/// record dataset), the record datasets shared with the DICOMDIR's sequence.
#[pyfunction]
fn _dicomdir_records(ds: &Bound<'_, PyDataset>) -> PyResult<Vec<(usize, i64, PyDataset)>> {
    let tree = ds.get().with(read_records).map_err(to_py)?;
    Ok(tree
        .records
        .into_iter()
        .map(|r| {
            let parent = r.parent.map_or(-1, |p| i64::try_from(p).unwrap_or(-1));
            (r.offset, parent, PyDataset::item(r.dataset))
        })
        .collect())
}

/// The records of an instance stored as `file_id`: PATIENT, STUDY, SERIES and its own (or
/// its own alone, for the SOP classes recorded at the top level).
#[pyfunction]
fn _dicomdir_instance_records(
    ds: &Bound<'_, PyDataset>,
    file_id: &str,
) -> PyResult<Vec<PyDataset>> {
    let id = FileId::parse(file_id).map_err(to_py)?;
    let handle = ds.get();
    let meta = handle.meta();
    let records = {
        let meta = meta.as_ref().map(SharedDataset::read);
        handle
            .with(|d| build_records(d, meta.as_deref(), &id))
            .map_err(to_py)?
    };
    Ok(records
        .into_iter()
        .map(|r| PyDataset::item(SharedDataset::new(r)))
        .collect())
}

/// The File ID (components joined by `\`) of `path` under the file-set directory `root`.
#[pyfunction]
fn _dicomdir_file_id(root: PathBuf, path: PathBuf) -> PyResult<String> {
    FileId::from_path(&root, &path)
        .map(|f| f.to_string())
        .map_err(to_py)
}

/// Checks a File ID given as text (`\` or `/` between components); returns its components.
#[pyfunction]
fn _dicomdir_check_file_id(file_id: &str) -> PyResult<Vec<String>> {
    FileId::parse(file_id)
        .map(|f| f.components().to_vec())
        .map_err(to_py)
}

/// Writes a DICOMDIR at `path` (atomically): `records` in depth-first order as (record,
/// parent index or -1), each parent before its records.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (path, records, file_set_id, sop_instance_uid, *, descriptor_file_id=None, descriptor_charset=None, implicit_vr=false))]
fn _dicomdir_write(
    py: Python<'_>,
    path: PathBuf,
    records: Vec<(Bound<'_, PyDataset>, i64)>,
    file_set_id: String,
    sop_instance_uid: String,
    descriptor_file_id: Option<String>,
    descriptor_charset: Option<String>,
    implicit_vr: bool,
) -> PyResult<()> {
    let mut parents = Vec::with_capacity(records.len());
    let mut datasets = Vec::with_capacity(records.len());
    for (i, (record, parent)) in records.iter().enumerate() {
        let parent = usize::try_from(*parent).ok();
        if parent.is_some_and(|p| p >= i) {
            return Err(PyValueError::new_err(format!(
                "record {i}: its parent must come before it"
            )));
        }
        parents.push(parent);
        datasets.push(record.get().with(Clone::clone));
    }
    // Children are gathered last to first, so each node is complete when its parent takes it.
    let mut children: Vec<Vec<Node>> = (0..datasets.len()).map(|_| Vec::new()).collect();
    let mut roots = Vec::new();
    for (i, record) in datasets.into_iter().enumerate().rev() {
        let mut below = std::mem::take(&mut children[i]);
        below.reverse();
        let node = Node::with(record, below);
        match parents[i] {
            Some(p) => children[p].push(node),
            None => roots.push(node),
        }
    }
    roots.reverse();
    let info = FileSetInfo {
        file_set_id,
        sop_instance_uid,
        descriptor_file_id: descriptor_file_id
            .map(|f| FileId::parse(&f))
            .transpose()
            .map_err(to_py)?,
        descriptor_charset,
        implicit_vr,
    };
    py.detach(|| {
        let bytes = write_dicomdir(&roots, &info)?;
        write_bytes_atomically(&path, true, &bytes)
    })
    .map_err(to_py)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_dicomdir_records, m)?)?;
    m.add_function(wrap_pyfunction!(_dicomdir_instance_records, m)?)?;
    m.add_function(wrap_pyfunction!(_dicomdir_file_id, m)?)?;
    m.add_function(wrap_pyfunction!(_dicomdir_check_file_id, m)?)?;
    m.add_function(wrap_pyfunction!(_dicomdir_write, m)?)?;
    Ok(())
}
