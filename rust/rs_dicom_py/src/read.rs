//! `dcmread`: paths, bytes-like objects and binary file objects to datasets.

use std::sync::Arc;

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use rs_dicom::core::{MapPolicy, SharedDataset, Source};
use rs_dicom::parser::{DicomFile, ReadOptions, parse_file_with, parse_source};

use crate::errors::to_py;
use crate::handle::{FileInfo, PyDataset};
use crate::source::PyBytesSource;

enum Input {
    Path(std::path::PathBuf),
    Buffer(Arc<Source>),
}

fn open_source(src: &Bound<'_, PyAny>) -> PyResult<Input> {
    // Path-like: str or os.PathLike (bytes are data, not a path).
    if src.is_instance_of::<PyString>() || src.hasattr("__fspath__")? {
        return Ok(Input::Path(src.extract()?));
    }
    if let Ok(buf) = PyBuffer::<u8>::get(src)
        && buf.is_c_contiguous()
    {
        return Ok(Input::Buffer(Arc::new(Source::External(Box::new(
            PyBytesSource(buf),
        )))));
    }
    if src.hasattr("read")? {
        let data = src.call_method0("read")?;
        let buf = PyBuffer::<u8>::get(&data).map_err(|_| {
            PyTypeError::new_err(
                "the file object's read() must return bytes (open it in 'rb' mode)",
            )
        })?;
        return Ok(Input::Buffer(Arc::new(Source::External(Box::new(
            PyBytesSource(buf),
        )))));
    }
    Err(PyTypeError::new_err(format!(
        "dcmread() takes a path, a bytes-like object or a binary file object, not {}",
        src.get_type().name()?
    )))
}

/// The Python dataset of a parsed file.
pub fn dataset_of(file: DicomFile, filename: Option<String>) -> PyDataset {
    let preamble = file.preamble.map(|p| {
        let src = file.meta.source().bytes();
        src.get(p..p + 128).unwrap_or(&[]).to_vec()
    });
    let info = FileInfo {
        meta: Some(SharedDataset::new(file.meta)),
        preamble,
        transfer_syntax: Some(file.transfer_syntax),
        filename,
    };
    PyDataset::top(SharedDataset::new(file.dataset), info)
}

/// Reads a DICOM file: `src` is a path, a bytes-like object or a binary file object.
///
/// `mmap`: None maps files over 4 MiB and copies what it hands out from them; True maps
/// every file and hands out views of the map; False reads every file into memory.
#[pyfunction]
#[pyo3(signature = (src, *, stop_before_pixels=false, force=false, mmap=None))]
fn dcmread(
    py: Python<'_>,
    src: &Bound<'_, PyAny>,
    stop_before_pixels: bool,
    force: bool,
    mmap: Option<bool>,
) -> PyResult<PyDataset> {
    let opts = ReadOptions {
        stop_before_pixels,
        force,
        map: match mmap {
            None => MapPolicy::Auto,
            Some(true) => MapPolicy::Always,
            Some(false) => MapPolicy::Never,
        },
        ..ReadOptions::default()
    };
    // A file we read ourselves is parsed without the GIL; a caller's buffer could be mutated
    // by another thread, so it is parsed with the GIL held.
    let (file, filename) = match open_source(src)? {
        Input::Path(path) => {
            let file = py.detach(|| parse_file_with(&path, opts));
            (file, Some(path.to_string_lossy().into_owned()))
        }
        Input::Buffer(source) => (parse_source(source, opts), None),
    };
    Ok(dataset_of(file.map_err(to_py)?, filename))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dcmread, m)?)?;
    Ok(())
}
