//! Python inputs as core sources, and read-only buffers over bytes the core holds.

use std::os::raw::c_int;
use std::sync::Arc;

use pyo3::buffer::PyBuffer;
use pyo3::ffi;
use pyo3::prelude::*;
use rs_dicom::core::{ExternalBytes, Source};

use crate::errors::to_py;

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

/// Who keeps the bytes of a buffer alive.
#[derive(Clone)]
pub enum Owner {
    /// A source (file, caller's buffer).
    Source(Arc<Source>),
    /// Bytes an element owns (a changed or created value).
    Owned(Arc<[u8]>),
}

impl Owner {
    fn bytes(&self) -> &[u8] {
        match self {
            Owner::Source(s) => s.bytes(),
            Owner::Owned(b) => b,
        }
    }
}

/// Read-only bytes of a source or of an owned value; exported as a buffer so that
/// `memoryview(...)` and `numpy.frombuffer(...)` view them without copying.
#[pyclass(name = "SourceBytes", module = "rs_dicom._core", frozen)]
pub struct SourceBytes {
    owner: Owner,
    start: usize,
    len: usize,
}

impl SourceBytes {
    /// A view of `owner[start..start + len]`, clamped to its bytes.
    pub fn new(owner: Owner, start: usize, len: usize) -> Self {
        let total = owner.bytes().len();
        let start = start.min(total);
        let len = len.min(total - start);
        SourceBytes { owner, start, len }
    }

    /// The bytes to hand out for `source[start..start + len]`: a view when the source allows
    /// views, else a private copy (a file mapped with the default policy: see `Source`).
    pub fn handed_out(source: &Arc<Source>, start: usize, len: usize) -> PyResult<Self> {
        if source.shares_views() {
            source.check().map_err(to_py)?;
            return Ok(SourceBytes::new(Owner::Source(source.clone()), start, len));
        }
        let copy = source.copy_range(start, len).map_err(to_py)?;
        let n = copy.len();
        Ok(SourceBytes::new(Owner::Owned(Arc::from(copy)), 0, n))
    }

    fn slice(&self) -> &[u8] {
        &self.owner.bytes()[self.start..self.start + self.len]
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
        // the owner (hence `data`) alive for as long as the buffer is held. readonly=1.
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

/// A read-only memoryview of a buffer object.
pub fn memoryview_of<'py>(py: Python<'py>, bytes: SourceBytes) -> PyResult<Bound<'py, PyAny>> {
    let obj = Bound::new(py, bytes)?;
    // SAFETY: PyMemoryView_FromObject takes a new reference from an object with the buffer
    // protocol; a NULL return is turned into the pending exception.
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyMemoryView_FromObject(obj.as_ptr())) }
}

/// A read-only memoryview of `source[start..start+len]` (a copy for mapped files, see
/// [`SourceBytes::handed_out`]).
pub fn memoryview<'py>(
    py: Python<'py>,
    source: &Arc<Source>,
    start: usize,
    len: usize,
) -> PyResult<Bound<'py, PyAny>> {
    memoryview_of(py, SourceBytes::handed_out(source, start, len)?)
}

/// A read-only memoryview of bytes an element owns.
pub fn owned_memoryview<'py>(py: Python<'py>, bytes: &Arc<[u8]>) -> PyResult<Bound<'py, PyAny>> {
    memoryview_of(
        py,
        SourceBytes::new(Owner::Owned(bytes.clone()), 0, bytes.len()),
    )
}
