//! `Dataset`, `Element` and `dcmread`.

use std::ptr::NonNull;
use std::sync::Arc;

use pyo3::IntoPyObjectExt;
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyAttributeError, PyIndexError, PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple, PyType};
use rs_dicom::core::{Dataset, Element, ElementValue, Tag, VR};
use rs_dicom::dictionary;
use rs_dicom::parser::{DicomFile, ReadOptions, Source, parse_file_with, parse_source};
use rs_dicom::value::{self, Scalar, Value};

use crate::errors::to_py;
use crate::source::{PyBytesSource, memoryview};

/// A dataset inside a parsed file: the file keeps every nested dataset alive and never
/// changes after parsing, so a pointer to one of its datasets stays valid while `root` lives.
#[derive(Clone)]
pub struct DsRef {
    root: Arc<DicomFile>,
    ptr: NonNull<Dataset>,
}

// SAFETY: the pointee is owned by `root` (an Arc of immutable data) and is only read.
unsafe impl Send for DsRef {}
// SAFETY: as above; shared reads of immutable data.
unsafe impl Sync for DsRef {}

impl DsRef {
    fn top(root: Arc<DicomFile>) -> Self {
        let ptr = NonNull::from(&root.dataset);
        DsRef { root, ptr }
    }

    fn meta(root: Arc<DicomFile>) -> Self {
        let ptr = NonNull::from(&root.meta);
        DsRef { root, ptr }
    }

    fn child(&self, ds: &Dataset) -> Self {
        DsRef {
            root: self.root.clone(),
            ptr: NonNull::from(ds),
        }
    }

    pub fn get(&self) -> &Dataset {
        // SAFETY: see the type's invariant: `root` owns the pointee and is immutable.
        unsafe { self.ptr.as_ref() }
    }

    /// The transfer syntax UID of the file this dataset belongs to.
    pub fn transfer_syntax_uid(&self) -> Option<String> {
        self.root.transfer_syntax_uid.clone()
    }

    fn is_top(&self) -> bool {
        std::ptr::eq(self.ptr.as_ptr(), &self.root.dataset)
    }
}

static TAG_CLS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static REPR_MOD: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn tag_cls(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    TAG_CLS
        .get_or_try_init(py, || {
            let cls = py.import("rs_dicom.tag")?.getattr("Tag")?;
            Ok::<_, PyErr>(cls.cast_into::<PyType>()?.unbind())
        })
        .map(|c| c.bind(py))
}

fn repr_mod(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    REPR_MOD
        .get_or_try_init(py, || Ok::<_, PyErr>(py.import("rs_dicom._repr")?.unbind()))
        .map(|m| m.bind(py))
}

fn make_tag(py: Python<'_>, tag: Tag) -> PyResult<Bound<'_, PyAny>> {
    tag_cls(py)?.call1((tag.as_u32(),))
}

/// Resolves a key: int, (group, element) tuple, object with `__index__` (Tag), or keyword.
fn key_to_tag(key: &Bound<'_, PyAny>) -> PyResult<Option<Tag>> {
    if let Ok(s) = key.cast::<PyString>() {
        let s = s.to_cow()?;
        return Ok(dictionary::by_keyword(&s).map(|e| Tag::from_u32(e.tag)));
    }
    if let Ok(t) = key.cast::<PyTuple>() {
        if t.len() == 2 {
            let g: u16 = t.get_item(0)?.extract()?;
            let e: u16 = t.get_item(1)?.extract()?;
            return Ok(Some(Tag(g, e)));
        }
        return Err(PyTypeError::new_err("a tag tuple must be (group, element)"));
    }
    match key.extract::<u32>() {
        Ok(v) => Ok(Some(Tag::from_u32(v))),
        Err(_) => Err(PyTypeError::new_err(format!(
            "a key must be a tag (int, (group, element) or Tag) or a keyword, not {}",
            key.get_type().name()?
        ))),
    }
}

fn empty_value<'py>(py: Python<'py>, vr: VR) -> Bound<'py, PyAny> {
    if vr == VR::SQ {
        PyList::empty(py).into_any()
    } else if vr.is_text() && !matches!(vr, VR::DS | VR::IS) {
        // pydicom's empty_value_for_VR: '' for text VRs except the number strings.
        PyString::new(py, "").into_any()
    } else {
        py.None().into_bound(py)
    }
}

fn scalar_or_list<'py, T, I>(py: Python<'py>, items: I) -> PyResult<Bound<'py, PyAny>>
where
    I: ExactSizeIterator<Item = T>,
    T: IntoPyObject<'py>,
{
    let mut items = items;
    if items.len() == 1
        && let Some(one) = items.next()
    {
        return one.into_bound_py_any(py);
    }
    Ok(PyList::new(py, items)?.into_any())
}

fn element_value<'py>(py: Python<'py>, r: &DsRef, e: &Element) -> PyResult<Bound<'py, PyAny>> {
    let ds = r.get();
    let v = value::decode(ds, e);
    match v {
        Value::Empty => Ok(empty_value(py, e.vr)),
        Value::Text(t) => scalar_or_list(py, t.into_iter()),
        Value::Numbers(n) => {
            let objs: Vec<Bound<'py, PyAny>> = n
                .into_iter()
                .map(|s| match s {
                    Scalar::Int(i) => i.into_bound_py_any(py),
                    Scalar::Float(f) => f.into_bound_py_any(py),
                    Scalar::Str(s) => s.into_bound_py_any(py),
                })
                .collect::<PyResult<_>>()?;
            scalar_or_list(py, objs.into_iter())
        }
        Value::Ints(v) => scalar_or_list(py, v.into_iter()),
        Value::UInts(v) => scalar_or_list(py, v.into_iter()),
        Value::Floats(v) => scalar_or_list(py, v.into_iter()),
        Value::Tags(v) => {
            let objs: Vec<Bound<'py, PyAny>> = v
                .into_iter()
                .map(|t| make_tag(py, t))
                .collect::<PyResult<_>>()?;
            if objs.is_empty() {
                return Ok(empty_value(py, e.vr));
            }
            scalar_or_list(py, objs.into_iter())
        }
        Value::Bytes(_) => match e.value {
            ElementValue::Bytes { start, len } => memoryview(py, ds.source(), start, len),
            _ => Ok(py.None().into_bound(py)),
        },
        Value::Sequence(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(PyDataset::new(r.child(item)))?;
            }
            Ok(list.into_any())
        }
        Value::Encapsulated => {
            let (start, len) = encapsulated_span(e);
            memoryview(py, ds.source(), start, len)
        }
    }
}

/// The encapsulated value's bytes as pydicom keeps them: from the first item header to the
/// end of the last fragment (the sequence delimiter excluded).
fn encapsulated_span(e: &Element) -> (usize, usize) {
    match &e.value {
        ElementValue::Encapsulated {
            offset_table,
            fragments,
        } => {
            let start = offset_table.offset.saturating_sub(8);
            let end = fragments
                .last()
                .map_or(offset_table.offset + offset_table.len, |f| f.offset + f.len);
            (start, end.saturating_sub(start))
        }
        _ => (0, 0),
    }
}

/// A DICOM dataset (or sequence item). Read-only view of the parsed file.
#[pyclass(name = "Dataset", module = "rs_dicom", frozen, sequence)]
pub struct PyDataset {
    r: DsRef,
    pixel_cache: PyOnceLock<Py<PyAny>>,
    /// The pixel data description and frame mapping, computed once per object.
    pixel_data_cache: PyOnceLock<Option<Py<crate::pixel::PyPixelData>>>,
}

impl PyDataset {
    fn new(r: DsRef) -> Self {
        PyDataset {
            r,
            pixel_cache: PyOnceLock::new(),
            pixel_data_cache: PyOnceLock::new(),
        }
    }

    fn ds(&self) -> &Dataset {
        self.r.get()
    }

    fn element_at(&self, index: usize) -> PyElement {
        PyElement {
            r: self.r.clone(),
            index,
        }
    }

    fn find(&self, key: &Bound<'_, PyAny>) -> PyResult<Option<usize>> {
        Ok(key_to_tag(key)?.and_then(|t| self.ds().position(t)))
    }
}

#[pymethods]
impl PyDataset {
    fn __getitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<PyElement> {
        match self.find(key)? {
            Some(i) => Ok(self.element_at(i)),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    /// `get(keyword)` returns the value; `get(tag)` the Element (as pydicom does).
    #[pyo3(signature = (key, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let default = default.unwrap_or_else(|| py.None().into_bound(py));
        let idx = match self.find(key) {
            Ok(i) => i,
            Err(_) => return Ok(default),
        };
        match idx {
            None => Ok(default),
            Some(i) => {
                if key.is_instance_of::<PyString>() {
                    element_value(py, &self.r, &self.ds().elements()[i])
                } else {
                    Ok(Bound::new(py, self.element_at(i))?.into_any())
                }
            }
        }
    }

    fn __getattr__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let tag = dictionary::by_keyword(name).map(|e| Tag::from_u32(e.tag));
        match tag.and_then(|t| self.ds().position(t)) {
            Some(i) => element_value(py, &self.r, &self.ds().elements()[i]),
            None if name == "pixel_array" => Err(PyAttributeError::new_err(
                "'Dataset' object has no attribute 'pixel_array': the dataset has no Pixel \
                 Data (7FE0,0010), Float Pixel Data (7FE0,0008) or Double Float Pixel Data \
                 (7FE0,0009) element",
            )),
            None => Err(PyAttributeError::new_err(format!(
                "'Dataset' object has no attribute '{name}'"
            ))),
        }
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> bool {
        matches!(self.find(key), Ok(Some(_)))
    }

    fn __len__(&self) -> usize {
        self.ds().len()
    }

    fn __iter__(slf: Bound<'_, Self>) -> ElementIter {
        ElementIter {
            r: slf.get().r.clone(),
            next: 0,
        }
    }

    fn __bool__(&self) -> bool {
        !self.ds().is_empty()
    }

    /// The tags, in ascending order.
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let tags: Vec<Bound<'py, PyAny>> = self
            .ds()
            .iter()
            .map(|e| make_tag(py, e.tag))
            .collect::<PyResult<_>>()?;
        PyList::new(py, tags)
    }

    /// The elements, in ascending tag order.
    fn values(&self) -> Vec<PyElement> {
        (0..self.ds().len()).map(|i| self.element_at(i)).collect()
    }

    /// (tag, element) pairs in ascending tag order.
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Vec<(Bound<'py, PyAny>, PyElement)>> {
        (0..self.ds().len())
            .map(|i| {
                Ok((
                    make_tag(py, self.ds().elements()[i].tag)?,
                    self.element_at(i),
                ))
            })
            .collect()
    }

    /// Element keywords, for tab completion.
    fn __dir__(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self
            .ds()
            .iter()
            .filter_map(|e| dictionary::by_tag(e.tag).map(|d| d.keyword))
            .filter(|k| !k.is_empty())
            .collect();
        names.extend([
            "file_meta",
            "get",
            "items",
            "keys",
            "values",
            "pixel_array",
            "pixel_data",
            "transfer_syntax_uid",
            "walk",
        ]);
        names
    }

    /// The file meta information (group 0002) of a file; None for sequence items.
    #[getter]
    fn file_meta(&self) -> Option<PyDataset> {
        self.r
            .is_top()
            .then(|| PyDataset::new(DsRef::meta(self.r.root.clone())))
    }

    /// The pixel data description and encoded frames (None when there is no pixel data).
    #[getter]
    fn pixel_data(&self, py: Python<'_>) -> PyResult<Option<Py<crate::pixel::PyPixelData>>> {
        self.pixel_data_cache
            .get_or_try_init(py, || {
                crate::pixel::PyPixelData::new(self.r.clone())?
                    .map(|px| Py::new(py, px))
                    .transpose()
            })
            .map(|px| px.as_ref().map(|p| p.clone_ref(py)))
    }

    /// The pixels as a numpy array shaped like pydicom's pixel_array (cached on this object).
    #[getter]
    fn pixel_array<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        if let Some(a) = this.pixel_cache.get(py) {
            return Ok(a.bind(py).clone());
        }
        let px = this.pixel_data(py)?.ok_or_else(|| {
            PyAttributeError::new_err(
                "the dataset has no Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008) or \
                 Double Float Pixel Data (7FE0,0009) element",
            )
        })?;
        let arr = px.bind(py).call_method0("array")?;
        let _ = this.pixel_cache.set(py, arr.clone().unbind());
        Ok(arr)
    }

    /// The transfer syntax UID from the file meta (None when the file has none).
    #[getter]
    fn transfer_syntax_uid(&self) -> Option<String> {
        self.r.root.transfer_syntax_uid.clone()
    }

    /// True for little-endian encoding.
    #[getter]
    fn is_little_endian(&self) -> bool {
        !self.ds().big_endian()
    }

    /// True for implicit VR encoding.
    #[getter]
    fn is_implicit_vr(&self) -> bool {
        !self.ds().explicit_vr()
    }

    /// Byte offset of the dataset's first element in its source.
    #[getter]
    fn offset(&self) -> usize {
        self.ds().offset()
    }

    /// Byte offset of the 128-byte preamble (None when the file has none).
    #[getter]
    fn preamble<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        if !self.r.is_top() {
            return None;
        }
        self.r.root.preamble.map(|p| {
            let src = self.r.root.meta.source().bytes();
            PyBytes::new(py, src.get(p..p + 128).unwrap_or(&[]))
        })
    }

    fn __repr__(slf: Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        repr_mod(py)?
            .call_method1("dataset_repr", (slf,))?
            .extract()
    }

    /// A PNG thumbnail for Jupyter (None when there is no decodable pixel data).
    fn _repr_png_(slf: Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        Ok(py
            .import("rs_dicom.viz")?
            .call_method1("dataset_png", (slf,))?
            .unbind())
    }

    fn _repr_html_(slf: Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        repr_mod(py)?
            .call_method1("dataset_html", (slf,))?
            .extract()
    }
}

/// Iterator over a dataset's elements.
#[pyclass(module = "rs_dicom._core")]
pub struct ElementIter {
    r: DsRef,
    next: usize,
}

#[pymethods]
impl ElementIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self) -> Option<PyElement> {
        if self.next < self.r.get().len() {
            let e = PyElement {
                r: self.r.clone(),
                index: self.next,
            };
            self.next += 1;
            Some(e)
        } else {
            None
        }
    }
}

/// A data element: tag, VR, length, offset and a lazily decoded value.
#[pyclass(name = "Element", module = "rs_dicom", frozen)]
pub struct PyElement {
    r: DsRef,
    index: usize,
}

impl PyElement {
    fn elem(&self) -> PyResult<&Element> {
        self.r
            .get()
            .elements()
            .get(self.index)
            .ok_or_else(|| PyIndexError::new_err("element index out of range"))
    }
}

#[pymethods]
impl PyElement {
    /// The tag.
    #[getter]
    fn tag<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        make_tag(py, self.elem()?.tag)
    }

    /// The VR as a two-letter string.
    #[getter]
    fn vr(&self) -> PyResult<&'static str> {
        Ok(self.elem()?.vr.as_str())
    }

    /// The encoded value length; None when undefined.
    #[getter]
    fn length(&self) -> PyResult<Option<u32>> {
        Ok(self.elem()?.length)
    }

    /// The decoded value.
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        element_value(py, &self.r, self.elem()?)
    }

    /// The dictionary keyword ('' for unknown and private tags).
    #[getter]
    fn keyword(&self) -> PyResult<&'static str> {
        let t = self.elem()?.tag;
        if t.is_private() {
            return Ok("");
        }
        Ok(dictionary::by_tag(t).map_or("", |d| d.keyword))
    }

    /// The dictionary name ('Private tag data', 'Private Creator', or the standard name).
    #[getter]
    fn name(&self) -> PyResult<String> {
        let t = self.elem()?.tag;
        if t.is_private_creator() {
            return Ok("Private Creator".into());
        }
        if t.is_private() {
            return Ok("Private tag data".into());
        }
        if t.is_group_length() && dictionary::by_tag(t).is_none() {
            return Ok("Group Length".into());
        }
        Ok(dictionary::by_tag(t).map_or_else(|| "Unknown".to_string(), |d| d.name.to_string()))
    }

    /// Value multiplicity.
    #[getter]
    fn vm(&self) -> PyResult<usize> {
        Ok(value::vm(self.r.get(), self.elem()?))
    }

    /// Byte offset of the element's header in the source (the inflated stream if deflated).
    #[getter]
    fn offset(&self) -> PyResult<usize> {
        Ok(self.elem()?.offset)
    }

    /// True for a tag in a private group.
    #[getter]
    fn is_private(&self) -> PyResult<bool> {
        Ok(self.elem()?.tag.is_private())
    }

    /// True when the length is undefined (sequences, encapsulated pixel data).
    #[getter]
    fn is_undefined_length(&self) -> PyResult<bool> {
        Ok(self.elem()?.length.is_none())
    }

    /// Read-only memoryview of the value bytes as stored (no copy).
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let e = self.elem()?;
        let ds = self.r.get();
        let (start, len) = match &e.value {
            ElementValue::Bytes { start, len } => (*start, *len),
            ElementValue::Encapsulated { .. } => encapsulated_span(e),
            ElementValue::Sequence(_) => (e.offset, 0),
        };
        memoryview(py, ds.source(), start, len)
    }

    /// Encapsulated pixel data items: (Basic Offset Table, [fragments]) as memoryviews.
    #[getter]
    fn fragments<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let e = self.elem()?;
        let ds = self.r.get();
        match &e.value {
            ElementValue::Encapsulated {
                offset_table,
                fragments,
            } => {
                let bot = memoryview(py, ds.source(), offset_table.offset, offset_table.len)?;
                let frags: Vec<Bound<'py, PyAny>> = fragments
                    .iter()
                    .map(|f| memoryview(py, ds.source(), f.offset, f.len))
                    .collect::<PyResult<_>>()?;
                Ok(Some(PyTuple::new(
                    py,
                    [bot, PyList::new(py, frags)?.into_any()],
                )?))
            }
            _ => Ok(None),
        }
    }

    fn __repr__(slf: Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        repr_mod(py)?
            .call_method1("element_repr", (slf,))?
            .extract()
    }
}

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

/// Reads a DICOM file: `src` is a path, a bytes-like object or a binary file object.
#[pyfunction]
#[pyo3(signature = (src, *, stop_before_pixels=false, force=false))]
fn dcmread(
    py: Python<'_>,
    src: &Bound<'_, PyAny>,
    stop_before_pixels: bool,
    force: bool,
) -> PyResult<PyDataset> {
    let opts = ReadOptions {
        stop_before_pixels,
        force,
    };
    // A file we read ourselves is parsed without the GIL; a caller's buffer could be mutated
    // by another thread, so it is parsed with the GIL held.
    let file = match open_source(src)? {
        Input::Path(path) => py.detach(|| parse_file_with(&path, opts)),
        Input::Buffer(source) => parse_source(source, opts),
    }
    .map_err(to_py)?;
    Ok(PyDataset::new(DsRef::top(Arc::new(file))))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDataset>()?;
    m.add_class::<PyElement>()?;
    m.add_class::<ElementIter>()?;
    m.add_class::<crate::pixel::PyPixelData>()?;
    m.add_class::<crate::source::SourceBytes>()?;
    m.add_function(wrap_pyfunction!(dcmread, m)?)?;
    Ok(())
}
