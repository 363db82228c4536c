//! `rs_dicom._core` DICOMweb bodies: `Content-Type` parameters and `multipart/related`
//! messages, split (whole or chunk by chunk) and written. The HTTP side is Python's.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rs_dicom::web::{self, MultipartReader, PartHeaders};

use crate::errors::to_py;

type PyPart = (PartHeaders, usize, usize);

/// `(media type, [(name, value), ...])` of a `Content-Type` value.
#[pyfunction]
fn web_parse_content_type(text: &str) -> PyResult<(String, Vec<(String, String)>)> {
    let ct = web::parse_content_type(text).map_err(to_py)?;
    Ok((ct.media_type, ct.params))
}

/// The parts of a whole body as `(headers, start, end)` spans (no copy: the caller slices).
#[pyfunction]
fn web_split_multipart(py: Python<'_>, body: &[u8], boundary: &str) -> PyResult<Vec<PyPart>> {
    let parts = py
        .detach(|| web::parse_multipart(body, boundary))
        .map_err(to_py)?;
    Ok(parts
        .into_iter()
        .map(|p| {
            let start = p.offset as usize;
            (p.headers, start, start + p.body.len())
        })
        .collect())
}

/// A whole body of `(content type, content)` parts.
#[pyfunction]
fn web_write_multipart<'py>(
    py: Python<'py>,
    parts: Vec<(String, Vec<u8>)>,
    boundary: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let body = py
        .detach(|| {
            let refs: Vec<(&str, &[u8])> = parts
                .iter()
                .map(|(c, b)| (c.as_str(), b.as_slice()))
                .collect();
            web::write_multipart(&refs, boundary)
        })
        .map_err(to_py)?;
    Ok(PyBytes::new(py, &body))
}

/// The delimiter and header block that open one part.
#[pyfunction]
fn web_multipart_head<'py>(
    py: Python<'py>,
    boundary: &str,
    content_type: &str,
    first: bool,
) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &web::multipart_head(boundary, content_type, first))
}

/// A multipart parser fed chunk by chunk: `feed(bytes)` returns the completed parts as
/// `(headers, content, offset)`; `finish()` raises unless the closing boundary was read.
#[pyclass(name = "MultipartReader", module = "rs_dicom._core")]
struct PyMultipartReader {
    inner: MultipartReader,
}

#[pymethods]
impl PyMultipartReader {
    #[new]
    fn new(boundary: &str) -> PyResult<Self> {
        Ok(PyMultipartReader {
            inner: MultipartReader::new(boundary).map_err(to_py)?,
        })
    }

    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        chunk: &[u8],
    ) -> PyResult<Vec<(PartHeaders, Bound<'py, PyBytes>, u64)>> {
        let inner = &mut self.inner;
        let parts = py.detach(|| inner.feed(chunk)).map_err(to_py)?;
        Ok(parts
            .into_iter()
            .map(|(h, b, o)| (h, PyBytes::new(py, &b), o))
            .collect())
    }

    fn finish(&self) -> PyResult<()> {
        self.inner.finish().map_err(to_py)
    }

    #[getter]
    fn done(&self) -> bool {
        self.inner.is_done()
    }
}

/// Registers the DICOMweb functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(web_parse_content_type, m)?)?;
    m.add_function(wrap_pyfunction!(web_split_multipart, m)?)?;
    m.add_function(wrap_pyfunction!(web_write_multipart, m)?)?;
    m.add_function(wrap_pyfunction!(web_multipart_head, m)?)?;
    m.add_class::<PyMultipartReader>()?;
    Ok(())
}
