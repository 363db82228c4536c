//! The push parser and frame locator for reads from remote stores: Python fetches the byte
//! ranges they ask for (through fsspec) and feeds them in; the byte layout stays in the core.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rs_dicom::parser::{Need, PushParser, ReadOptions};
use rs_dicom::pixel::FrameLocator;

use crate::errors::to_py;
use crate::handle::PyDataset;
use crate::read::dataset_of;

/// Reads a DICOM file from chunks fed in order: `need` says how many more bytes it wants.
#[pyclass(name = "PushParser", module = "rs_dicom._core")]
pub struct PyPushParser {
    inner: PushParser,
}

fn needed(n: Need) -> usize {
    match n {
        Need::Done => 0,
        Need::More(n) => n,
    }
}

#[pymethods]
impl PyPushParser {
    #[new]
    #[pyo3(signature = (*, stop_before_pixels=false, force=false))]
    fn new(stop_before_pixels: bool, force: bool) -> Self {
        PyPushParser {
            inner: PushParser::new(ReadOptions {
                stop_before_pixels,
                force,
                ..ReadOptions::default()
            }),
        }
    }

    /// Appends a chunk; returns the bytes still needed (0 when the header is complete).
    fn feed(&mut self, chunk: &[u8]) -> usize {
        needed(self.inner.feed(chunk))
    }

    /// Marks the end of the input.
    fn finish(&mut self) {
        self.inner.finish();
    }

    /// Bytes still needed (0 when done).
    #[getter]
    fn need(&self) -> usize {
        needed(self.inner.need())
    }

    /// Bytes fed so far.
    #[getter]
    fn buffered(&self) -> usize {
        self.inner.buffered()
    }

    /// True when the dataset is deflated (the whole input is needed to read it).
    #[getter]
    fn deflated(&self) -> bool {
        self.inner.transfer_syntax().is_some_and(|ts| ts.deflated)
    }

    /// (header offset, value offset, length or None) of the top-level pixel data, once the
    /// parser stopped before it.
    #[getter]
    fn pixel_location(&self) -> Option<(usize, usize, Option<u32>)> {
        self.inner
            .pixel_location()
            .map(|p| (p.offset, p.value_offset, p.length))
    }

    /// The bytes fed so far.
    fn getvalue<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.bytes())
    }

    /// The dataset read from the bytes fed so far.
    #[pyo3(signature = (filename=None))]
    fn dataset(&self, filename: Option<String>) -> PyResult<PyDataset> {
        let file = self.inner.parse().map_err(to_py)?;
        Ok(dataset_of(file, filename))
    }

    /// A frame locator for the pixel data, in a file of `file_len` bytes.
    fn locator(&self, file_len: u64) -> PyResult<Option<PyFrameLocator>> {
        let Some(at) = self.inner.pixel_location() else {
            return Ok(None);
        };
        let file = self.inner.parse().map_err(to_py)?;
        let inner = FrameLocator::new(&file, at, file_len).map_err(to_py)?;
        Ok(Some(PyFrameLocator {
            inner,
            header: self.inner.bytes()[..at.offset.min(self.inner.buffered())].to_vec(),
        }))
    }
}

/// Byte ranges of the frames of pixel data not read yet.
#[pyclass(name = "FrameLocator", module = "rs_dicom._core")]
pub struct PyFrameLocator {
    inner: FrameLocator,
    header: Vec<u8>,
}

#[pymethods]
impl PyFrameLocator {
    /// (offset, length) of the bytes needed next, or None when frame ranges are known.
    fn wanted(&self) -> Option<(u64, usize)> {
        self.inner.wanted()
    }

    /// Gives the locator bytes of the file starting at `offset`.
    fn supply(&mut self, offset: u64, data: &[u8]) -> PyResult<()> {
        self.inner.supply(offset, data).map_err(to_py)
    }

    /// Number of frames.
    #[getter]
    fn frames(&self) -> usize {
        self.inner.frames()
    }

    /// (start, end) of the bytes of frame `i` in the file, or None when the frame does not
    /// start on a byte boundary (the whole pixel data is then needed).
    fn frame_range(&self, i: usize) -> PyResult<Option<(u64, u64)>> {
        Ok(self
            .inner
            .frame_range(i)
            .map_err(to_py)?
            .map(|r| (r.start, r.end)))
    }

    /// The header bytes before the pixel data.
    fn header<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.header)
    }

    /// A one-frame file holding `frame` (the bytes of `frame_range`).
    fn frame_file<'py>(&self, py: Python<'py>, frame: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let out = self.inner.frame_file(&self.header, frame).map_err(to_py)?;
        Ok(PyBytes::new(py, &out))
    }
}

/// Adds the classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPushParser>()?;
    m.add_class::<PyFrameLocator>()?;
    Ok(())
}
