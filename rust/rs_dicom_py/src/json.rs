//! The DICOM JSON model for Python: `Dataset.from_json`, `Dataset.to_json_dict`,
//! `Dataset.to_json` and `Element.to_json_dict` with pydicom's names and options. The core
//! walks the dataset under its lock and hands back plain data; Python objects are made, and
//! the caller's handlers called, with no lock held.

use std::collections::HashMap;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType,
};
use rs_dicom::core::{Dataset, SharedDataset};
use rs_dicom::error::{DicomError, ErrorKind};
use rs_dicom::json::{self, JsonOptions};

use crate::errors::to_py;
use crate::handle::{PyDataset, PyElement};
use crate::model::{build_options, bulk_mode, bulk_options, finish};

/// The cyclic garbage collector paused while a large tree of new containers is built (they
/// cannot form cycles; a collection every few hundred allocations would walk all of them
/// again and again: 40% of the time of a large model); resumed as it was on drop.
struct GcPause(bool);

impl GcPause {
    fn new(_py: Python<'_>) -> Self {
        // SAFETY: the GC switch functions only need the GIL / an attached thread, which the
        // `Python` token proves.
        GcPause(unsafe { pyo3::ffi::PyGC_Disable() } == 1)
    }
}

impl Drop for GcPause {
    fn drop(&mut self) {
        if self.0 {
            // SAFETY: dropped on the thread that made it, still attached to the interpreter.
            unsafe { pyo3::ffi::PyGC_Enable() };
        }
    }
}

/// A serde_json value as the Python object `json.loads` would give.
pub(crate) fn to_python<'py>(py: Python<'py>, v: &json::Value) -> PyResult<Bound<'py, PyAny>> {
    let _pause = GcPause::new(py);
    value_to_python(py, v)
}

fn value_to_python<'py>(py: Python<'py>, v: &json::Value) -> PyResult<Bound<'py, PyAny>> {
    use json::Value;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let items = a
                .iter()
                .map(|x| value_to_python(py, x))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(o) => {
            let dict = PyDict::new(py);
            for (k, x) in o {
                dict.set_item(k, value_to_python(py, x)?)?;
            }
            dict.into_any()
        }
    })
}

/// The text of a JSON document given as str, bytes or a dict (serialised with json.dumps,
/// as pydicom does).
/// A JSON document as given: text, or the object model already parsed (a dict).
enum Document {
    Text(String),
    Model(json::Value),
}

/// The document given as str, bytes or a dict (pydicom's choices).
fn document(obj: &Bound<'_, PyAny>) -> PyResult<Document> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Document::Text(s.to_str()?.to_owned()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return std::str::from_utf8(b.as_bytes())
            .map(|t| Document::Text(t.to_owned()))
            .map_err(|e| PyValueError::new_err(format!("the JSON is not UTF-8: {e}")));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return String::from_utf8(b.to_vec())
            .map(Document::Text)
            .map_err(|e| PyValueError::new_err(format!("the JSON is not UTF-8: {e}")));
    }
    if obj.cast::<PyDict>().is_ok() {
        return Ok(Document::Model(from_python(obj, 0)?));
    }
    Err(PyTypeError::new_err(format!(
        "from_json() takes a str, bytes or dict, not {}",
        obj.get_type().name()?
    )))
}

/// How deep a dict given to `from_json` may nest (serde_json's limit for text).
const MAX_NESTING: usize = 128;

/// A Python object model (what `json.loads` gives) as a serde_json value, without going
/// through text. Floats JSON cannot hold become the strings the DICOM JSON model uses for
/// them; integers beyond 64 bits become floats, as a JSON parser reads them.
fn from_python(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<json::Value> {
    use json::Value;
    if depth > MAX_NESTING {
        return Err(to_py(DicomError::new(
            ErrorKind::Malformed,
            None,
            "",
            format!("the JSON model nests deeper than {MAX_NESTING} levels"),
        )));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        let f: f64 = obj.extract()?;
        return Ok(json::Number::from_f64(f).map_or(Value::Null, Value::Number));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let f = f.value();
        return Ok(match json::Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None if f.is_nan() => Value::String("NaN".into()),
            None if f > 0.0 => Value::String("Infinity".into()),
            None => Value::String("-Infinity".into()),
        });
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = json::Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = k.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "JSON object keys are str, not {}",
                    k.get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                ))
            })?;
            map.insert(key.to_str()?.to_owned(), from_python(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(items) = obj.cast::<PyList>() {
        return items
            .iter()
            .map(|v| from_python(&v, depth + 1))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    if let Ok(items) = obj.cast::<PyTuple>() {
        return items
            .iter()
            .map(|v| from_python(&v, depth + 1))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    Err(PyTypeError::new_err(format!(
        "{} is not a JSON value",
        obj.get_type().name()?
    )))
}

#[pymethods]
impl PyDataset {
    /// A dataset from a DICOM JSON model object (str, bytes or dict), pydicom's signature;
    /// values that break their VR's rules warn (`validate=None`), raise (`True`) or are kept
    /// silently (`False`).
    #[classmethod]
    #[pyo3(signature = (json_dataset, bulk_data_uri_handler=None, *, validate=None))]
    fn from_json(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        json_dataset: &Bound<'_, PyAny>,
        bulk_data_uri_handler: Option<&Bound<'_, PyAny>>,
        validate: Option<bool>,
    ) -> PyResult<PyDataset> {
        let doc = document(json_dataset)?;
        let opts = build_options(validate);
        let parsed = py
            .detach(|| match &doc {
                Document::Text(text) => json::from_json(text, opts),
                Document::Model(model) => json::from_value(model, opts),
            })
            .map_err(to_py)?;
        finish(py, parsed, bulk_data_uri_handler, opts)
    }

    /// The DICOM JSON model object (a dict), pydicom's signature; `bulk_data` "inline" or
    /// "omit", `include_meta` adds the File Meta Information.
    #[pyo3(signature = (
        bulk_data_threshold=1024, bulk_data_element_handler=None, suppress_invalid_tags=false,
        *, bulk_data="inline", include_meta=false
    ))]
    fn to_json_dict<'py>(
        &self,
        py: Python<'py>,
        bulk_data_threshold: i64,
        bulk_data_element_handler: Option<&Bound<'py, PyAny>>,
        suppress_invalid_tags: bool,
        bulk_data: &str,
        include_meta: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        // Nothing is dropped: values that do not decode keep their text (see jsonmodel).
        let _ = suppress_invalid_tags;
        let (mode, uris) = bulk_options(
            py,
            &self.node,
            bulk_data,
            bulk_data_threshold,
            bulk_data_element_handler,
        )?;
        let value = py
            .detach(|| {
                self.with_meta(include_meta, |ds, meta| {
                    let opts = JsonOptions {
                        bulk_data: mode,
                        meta,
                        uris: Some(&uris),
                        ..Default::default()
                    };
                    json::to_value(ds, &opts)
                })
            })
            .map_err(to_py)?;
        to_python(py, &value)
    }

    /// DICOM JSON text, pydicom's signature; written as `json.dumps` writes `to_json_dict()`
    /// (with `indent` and `ensure_ascii`), or by `dump_handler(to_json_dict())` when given.
    #[pyo3(signature = (
        bulk_data_threshold=1024, bulk_data_element_handler=None, dump_handler=None,
        suppress_invalid_tags=false, *, bulk_data="inline", include_meta=false, indent=None,
        ensure_ascii=false
    ))]
    #[allow(clippy::too_many_arguments)]
    fn to_json<'py>(
        &self,
        py: Python<'py>,
        bulk_data_threshold: i64,
        bulk_data_element_handler: Option<&Bound<'py, PyAny>>,
        dump_handler: Option<&Bound<'py, PyAny>>,
        suppress_invalid_tags: bool,
        bulk_data: &str,
        include_meta: bool,
        indent: Option<usize>,
        ensure_ascii: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(dump) = dump_handler {
            let model = self.to_json_dict(
                py,
                bulk_data_threshold,
                bulk_data_element_handler,
                suppress_invalid_tags,
                bulk_data,
                include_meta,
            )?;
            return dump.call1((model,));
        }
        let (mode, uris) = bulk_options(
            py,
            &self.node,
            bulk_data,
            bulk_data_threshold,
            bulk_data_element_handler,
        )?;
        let text = py
            .detach(|| {
                self.with_meta(include_meta, |ds, meta| {
                    let opts = JsonOptions {
                        bulk_data: mode,
                        meta,
                        uris: Some(&uris),
                        indent,
                        ensure_ascii,
                    };
                    json::to_json(ds, &opts)
                })
            })
            .map_err(to_py)?;
        Ok(PyString::new(py, &text).into_any())
    }
}

impl PyDataset {
    /// Runs `f` with the dataset and, when asked and there is one, its file meta group, both
    /// read-locked (`f` must not touch Python).
    pub(crate) fn with_meta<R>(
        &self,
        include_meta: bool,
        f: impl FnOnce(&Dataset, Option<&Dataset>) -> R,
    ) -> R {
        let meta = if include_meta { self.file().meta } else { None };
        let meta = meta.as_ref().map(SharedDataset::read);
        self.with(|ds| f(ds, meta.as_deref()))
    }
}

#[pymethods]
impl PyElement {
    /// The element as a DICOM JSON attribute object (`{"vr": ..., "Value": [...]}`).
    #[pyo3(signature = (bulk_data_element_handler=None, bulk_data_threshold=1024, *, bulk_data="inline"))]
    fn to_json_dict<'py>(
        &self,
        py: Python<'py>,
        bulk_data_element_handler: Option<&Bound<'py, PyAny>>,
        bulk_data_threshold: i64,
        bulk_data: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mode = bulk_mode(bulk_data)?;
        let mut uris = HashMap::new();
        if let Some(handler) = bulk_data_element_handler {
            let min_len = usize::try_from(bulk_data_threshold.div_euclid(4) * 3).unwrap_or(0);
            let len = self
                .with_found(|ds, e| {
                    rs_dicom::model::is_binary(e).then(|| rs_dicom::model::binary_le(ds, e).len())
                })
                .ok()
                .flatten();
            if len.is_some_and(|n| n > min_len) {
                let elem = Py::new(py, PyElement::new(self.node.clone(), self.tag))?;
                let uri: String = handler.call1((elem,))?.extract()?;
                uris.insert(self.tag.to_string(), uri);
            }
        }
        let value = py
            .detach(|| {
                self.with_found(|ds, e| {
                    let opts = JsonOptions {
                        bulk_data: mode,
                        uris: Some(&uris),
                        ..Default::default()
                    };
                    json::element_to_value(ds, e, &opts)
                })
            })
            .map_err(PyValueError::new_err)?
            .map_err(to_py)?;
        to_python(py, &value)
    }
}
