//! Python inputs as core sources, and read-only buffers over a source.

use std::os::raw::c_int;
use std::sync::Arc;

use pyo3::buffer::PyBuffer;
use pyo3::ffi;
use pyo3::prelude::*;
use rs_dicom::parser::{ExternalBytes, Source};

/// A Python object exporting a contiguous byte buffer, used in place.
pub struct PyBytesSource(pub PyBuffer<u8>);

impl ExternalBytes for PyBytesSource {
    fn bytes(&self) -> &[u8] {
        let b = &self.0;
        if b.len_bytes() == 0 {
            return &[];
        }
        // SAFETY: the PyBuffer keeps the exporter alive and its memory pinned (a bytearray with
        // an exported buffer cannot be resized) until this value is dropped; the buffer is
        // C-contiguous (checked at creation) and `len_bytes` long.
        unsafe { std::slice::from_raw_parts(b.buf_ptr() as *const u8, b.len_bytes()) }
    }
}

/// Read-only bytes of a source (a value, a fragment); exported as a buffer so that
/// `memoryview(...)` and `numpy.frombuffer(...)` view the source without copying.
#[pyclass(name = "SourceBytes", module = "rs_dicom._core", frozen)]
pub struct SourceBytes {
    source: Arc<Source>,
    start: usize,
    len: usize,
}

impl SourceBytes {
    /// A view of `source[start..start + len]`, clamped to the source.
    pub fn new(source: Arc<Source>, start: usize, len: usize) -> Self {
        let total = source.len();
        let start = start.min(total);
        let len = len.min(total - start);
        SourceBytes { source, start, len }
    }

    fn slice(&self) -> &[u8] {
        &self.source.bytes()[self.start..self.start + self.len]
    }
}

#[pymethods]
impl SourceBytes {
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let this = slf.get();
        let data = this.slice();
        // SAFETY: `view` comes from CPython; the exporter `slf` is stored in the view and keeps
        // the Arc<Source> (hence `data`) alive for as long as the buffer is held. readonly=1.
        let rc = unsafe {
            ffi::PyBuffer_FillInfo(
                view,
                slf.as_ptr(),
                data.as_ptr() as *mut std::os::raw::c_void,
                data.len() as ffi::Py_ssize_t,
                1,
                flags,
            )
        };
        if rc != 0 {
            return Err(PyErr::fetch(slf.py()));
        }
        Ok(())
    }

    fn __len__(&self) -> usize {
        self.len
    }
}

/// A read-only memoryview of `source[start..start+len]`.
pub fn memoryview<'py>(
    py: Python<'py>,
    source: &Arc<Source>,
    start: usize,
    len: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let obj = Bound::new(py, SourceBytes::new(source.clone(), start, len))?;
    // SAFETY: PyMemoryView_FromObject takes a new reference from an object with the buffer
    // protocol; a NULL return is turned into the pending exception.
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyMemoryView_FromObject(obj.as_ptr())) }
}
