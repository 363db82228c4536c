//! `dcmread`: paths, bytes-like objects and binary file objects to datasets.

use std::sync::Arc;

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use rs_dicom::core::{MapPolicy, SharedDataset, Source, Tag};
use rs_dicom::parser::{DicomFile, ReadOptions, parse_file_with, parse_source};

use crate::errors::to_py;
use crate::handle::{FileInfo, PyDataset};
use crate::source::PyBytesSource;
use crate::tag::key_to_tag;

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
#[pyo3(signature = (src, *, stop_before_pixels=false, force=false, mmap=None, specific_tags=None, defer_size=None))]
fn dcmread(
    py: Python<'_>,
    src: &Bound<'_, PyAny>,
    stop_before_pixels: bool,
    force: bool,
    mmap: Option<bool>,
    specific_tags: Option<Vec<Bound<'_, PyAny>>>,
    defer_size: Option<Bound<'_, PyAny>>,
) -> PyResult<PyDataset> {
    // pydicom's defer_size keeps large values on disk until used: mapping the file does that
    // for every value (rs_dicom never copies a value before it is asked for).
    let mmap = mmap.or(defer_size.as_ref().filter(|d| !d.is_none()).map(|_| true));
    let wanted: Option<Vec<Tag>> = specific_tags
        .map(|keys| {
            keys.iter()
                .map(|k| {
                    key_to_tag(k)?.ok_or_else(|| {
                        pyo3::exceptions::PyValueError::new_err(format!(
                            "{k} is not a tag or keyword"
                        ))
                    })
                })
                .collect::<PyResult<Vec<Tag>>>()
        })
        .transpose()?;
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
    let mut file = file.map_err(to_py)?;
    if let Some(wanted) = wanted {
        // As pydicom: the tags asked for, and the character set their text needs.
        file.dataset = file
            .dataset
            .filtered(|t| wanted.contains(&t) || t == Tag::SPECIFIC_CHARACTER_SET);
    }
    Ok(dataset_of(file, filename))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dcmread, m)?)?;
    Ok(())
}
