//! The header scan from Python: `_core.Scanner`, the engine of `rs_dicom.scan` and
//! `rs-dicom index`. Files are read and their Arrow arrays built in Rust without the GIL; the
//! arrays reach pyarrow through the Arrow PyCapsule interface (`__arrow_c_array__`), so no
//! Python object is made per value.

use std::sync::Arc;

use arrow_array::ffi::{FFI_ArrowSchema, to_ffi};
use arrow_array::{Array, StructArray};
use arrow_schema::{ArrowError, DataType};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyTuple};
use rs_dicom::core::Tag;
use rs_dicom_scan::{Fetched, Input, Scan};

use crate::pool::WorkerPool;

/// A scan of chosen tags; `read` turns a list of paths into record batches.
#[pyclass(name = "Scanner", module = "rs_dicom._core", frozen)]
pub struct PyScanner {
    scan: Arc<Scan>,
    pool: WorkerPool,
}

/// One record batch, exported through the Arrow PyCapsule interface.
#[pyclass(name = "ArrowBatch", module = "rs_dicom._core", frozen)]
pub struct PyArrowBatch {
    array: StructArray,
}

/// The schema of a scan, exported through `__arrow_c_schema__`.
#[pyclass(name = "ArrowSchema", module = "rs_dicom._core", frozen)]
pub struct PyArrowSchema {
    data_type: DataType,
}

fn arrow_err(e: impl std::fmt::Display) -> PyErr {
    PyRuntimeError::new_err(format!("Arrow export failed: {e}"))
}

fn schema_capsule<'py>(py: Python<'py>, dt: &DataType) -> PyResult<Bound<'py, PyCapsule>> {
    let schema = FFI_ArrowSchema::try_from(dt).map_err(arrow_err)?;
    PyCapsule::new_with_value(py, schema, c"arrow_schema")
}

#[pymethods]
impl PyScanner {
    /// A scanner of `tags` (32-bit tag numbers); `mtime` adds a modification-time column.
    #[new]
    #[pyo3(signature = (tags, *, mtime=false))]
    fn new(tags: Vec<u32>, mtime: bool) -> PyResult<Self> {
        let tags: Vec<Tag> = tags.into_iter().map(Tag::from_u32).collect();
        let scan = Scan::new(&tags, mtime).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyScanner {
            scan: Arc::new(scan),
            pool: WorkerPool::with(rs_dicom_scan::pool::pool),
        })
    }

    /// The column names, in order.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.scan
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// The schema of the batches.
    fn schema(&self) -> PyArrowSchema {
        PyArrowSchema {
            data_type: DataType::Struct(self.scan.fields().clone()),
        }
    }

    /// The rows of `paths` as record batches in path order, read on `workers` threads
    /// (None: all cores) without the GIL.
    #[pyo3(signature = (paths, workers=None))]
    fn read(
        &self,
        py: Python<'_>,
        paths: Vec<String>,
        workers: Option<usize>,
    ) -> PyResult<Vec<PyArrowBatch>> {
        let scan = self.scan.clone();
        self.run(py, workers, move || scan.batches(&paths))
    }

    /// Like `read`, of local paths (str) and of files fetched elsewhere, each a tuple
    /// `(url, size, mtime_ns, header)`: `header` is the bytes fetched (as many as `wanted`
    /// asks for) or, as str, why the file could not be fetched (an error row).
    #[pyo3(signature = (items, workers=None))]
    fn read_inputs(
        &self,
        py: Python<'_>,
        items: Vec<Bound<'_, PyAny>>,
        workers: Option<usize>,
    ) -> PyResult<Vec<PyArrowBatch>> {
        let inputs = items.iter().map(input).collect::<PyResult<Vec<_>>>()?;
        let scan = self.scan.clone();
        self.run(py, workers, move || scan.input_batches(&inputs))
    }

    /// The rows of the files under the folder `dir` (in `list_files` order): listed and read on
    /// `workers` threads without the GIL, in a few batches. Raises as `list_files`.
    #[pyo3(signature = (dir, recursive=true, workers=None))]
    fn read_dir(
        &self,
        py: Python<'_>,
        dir: String,
        recursive: bool,
        workers: Option<usize>,
    ) -> PyResult<Vec<PyArrowBatch>> {
        let scan = self.scan.clone();
        let job = move || scan.dir_batches(&dir, recursive);
        let arrays = self.listing(py, workers, job)?;
        Ok(arrays
            .into_iter()
            .map(|array| PyArrowBatch { array })
            .collect())
    }

    /// The files under the folder `dir` (recursively unless not `recursive`), each folder's
    /// entries sorted by name, sub-folders listed on `workers` threads without the GIL (the
    /// order of `rs_dicom._scan._walk`). Raises OSError, or ValueError for a name that is not
    /// UTF-8 (the caller then lists the folder in Python).
    #[pyo3(signature = (dir, recursive=true, workers=None))]
    fn list_files(
        &self,
        py: Python<'_>,
        dir: String,
        recursive: bool,
        workers: Option<usize>,
    ) -> PyResult<Vec<String>> {
        self.listing(py, workers, move || {
            rs_dicom_scan::list_files(&dir, recursive)
        })
    }

    /// How many leading bytes of a file of `size` bytes (None: unknown) to hold in all for
    /// its row, given its first bytes `header`; None when they are enough. Parsed without
    /// the GIL.
    #[pyo3(signature = (header, size=None))]
    fn wanted(&self, py: Python<'_>, header: &[u8], size: Option<u64>) -> Option<usize> {
        let scan = &self.scan;
        py.detach(|| scan.wanted(header, size))
    }
}

impl PyScanner {
    /// Runs a job that lists folders: a name that is not UTF-8 is a ValueError, other
    /// errors are OSError.
    fn listing<T: Send>(
        &self,
        py: Python<'_>,
        workers: Option<usize>,
        job: impl FnOnce() -> std::io::Result<T> + Send,
    ) -> PyResult<T> {
        let pool = self.pool.get(pool_size(workers)?)?;
        let done = py.detach(|| pool.install(job));
        done.map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => PyValueError::new_err(e.to_string()),
            _ => PyErr::from(e),
        })
    }

    fn run(
        &self,
        py: Python<'_>,
        workers: Option<usize>,
        job: impl FnOnce() -> Result<Vec<StructArray>, ArrowError> + Send,
    ) -> PyResult<Vec<PyArrowBatch>> {
        let pool = self.pool.get(pool_size(workers)?)?;
        let arrays = py.detach(|| pool.install(job)).map_err(arrow_err)?;
        Ok(arrays
            .into_iter()
            .map(|array| PyArrowBatch { array })
            .collect())
    }
}

/// The threads of a scan: `workers`, or as many as the global pool has (all cores, or
/// `RAYON_NUM_THREADS`). Scans run on their own pool either way (see `rs_dicom_scan::pool`).
fn pool_size(workers: Option<usize>) -> PyResult<usize> {
    match workers {
        Some(0) => Err(PyValueError::new_err("workers must be at least 1")),
        Some(n) => Ok(n),
        None => Ok(rayon::current_num_threads().max(1)),
    }
}

/// A scan input from Python: a path, or `(url, size, mtime_ns, bytes | error)`.
fn input(item: &Bound<'_, PyAny>) -> PyResult<Input> {
    if let Ok(path) = item.extract::<String>() {
        return Ok(Input::File(path));
    }
    let (path, size, mtime, header): (String, Option<i64>, Option<i64>, Bound<'_, PyAny>) =
        item.extract().map_err(|_| {
            PyTypeError::new_err("a scan input is a path or a (url, size, mtime, header) tuple")
        })?;
    let bytes = match header.cast::<PyBytes>() {
        Ok(b) => Ok(b.as_bytes().to_vec()),
        Err(_) => Err(header.extract::<String>().map_err(|_| {
            PyTypeError::new_err("a fetched header is bytes, or str for why it is missing")
        })?),
    };
    Ok(Input::Fetched(Fetched {
        path,
        size,
        mtime,
        bytes,
    }))
}

#[pymethods]
impl PyArrowBatch {
    /// The number of rows.
    fn __len__(&self) -> usize {
        self.array.len()
    }

    /// The Arrow PyCapsule interface: (schema capsule, array capsule).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let _ = requested_schema;
        let (array, schema) = to_ffi(&self.array.to_data()).map_err(arrow_err)?;
        let schema = PyCapsule::new_with_value(py, schema, c"arrow_schema")?;
        let array = PyCapsule::new_with_value(py, array, c"arrow_array")?;
        PyTuple::new(py, [schema.into_any(), array.into_any()])
    }
}

#[pymethods]
impl PyArrowSchema {
    /// The Arrow PyCapsule interface for schemas.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        schema_capsule(py, &self.data_type)
    }
}

/// Registers the scan classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyScanner>()?;
    m.add_class::<PyArrowBatch>()?;
    m.add_class::<PyArrowSchema>()?;
    Ok(())
}
