//! What the Python faces of the JSON and XML models share: the bulk data options and
//! handlers (pydicom's signatures), the validation switch, and the warnings reading gives.

use std::collections::HashMap;
use std::ffi::CString;

use pyo3::exceptions::{PyTypeError, PyUserWarning, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyFloat, PyInt, PyString};
use rs_dicom::core::{Dataset, SharedDataset};
use rs_dicom::model::{self, BuildOptions, BulkData, BulkRef, Parsed, Validation};
use rs_dicom::value::encode::Input;

use crate::errors::to_py;
use crate::handle::{PyDataset, PyElement};

/// `"inline"` or `"omit"`.
pub(crate) fn bulk_mode(bulk_data: &str) -> PyResult<BulkData> {
    match bulk_data {
        "inline" => Ok(BulkData::Inline),
        "omit" => Ok(BulkData::Omit),
        other => Err(PyValueError::new_err(format!(
            "bulk_data must be 'inline' or 'omit', not {other:?}"
        ))),
    }
}

/// How binary values are written (`bulk_data`) and the URIs the handler gives the long
/// ones: what every writer of the models takes.
pub(crate) fn bulk_options(
    py: Python<'_>,
    node: &SharedDataset,
    bulk_data: &str,
    threshold: i64,
    handler: Option<&Bound<'_, PyAny>>,
) -> PyResult<(BulkData, HashMap<String, String>)> {
    Ok((
        bulk_mode(bulk_data)?,
        handler_uris(py, node, threshold, handler)?,
    ))
}

/// The `BulkDataURI`s a handler gives the binary elements longer than pydicom's limit
/// (`threshold // 4 * 3` bytes: the threshold is the length of the base64 text).
fn handler_uris(
    py: Python<'_>,
    node: &SharedDataset,
    threshold: i64,
    handler: Option<&Bound<'_, PyAny>>,
) -> PyResult<HashMap<String, String>> {
    let mut uris = HashMap::new();
    let Some(handler) = handler else {
        return Ok(uris);
    };
    let min_len = usize::try_from(threshold.div_euclid(4) * 3).unwrap_or(0);
    let found = py.detach(|| model::bulk_elements(node, min_len));
    for b in found {
        let elem = Py::new(py, PyElement::new(b.node, b.tag))?;
        let uri: String = handler.call1((elem,))?.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "bulk_data_element_handler must return the BulkDataURI (a str) for {}",
                b.path
            ))
        })?;
        uris.insert(b.path, uri);
    }
    Ok(uris)
}

/// What a bulk data URI handler returned, as a value to encode (None: left empty).
fn handler_value(v: &Bound<'_, PyAny>) -> PyResult<Option<Input>> {
    if v.is_none() {
        return Ok(None);
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(Some(Input::Bytes(b.as_bytes().to_vec())));
    }
    if let Ok(b) = v.cast::<PyByteArray>() {
        return Ok(Some(Input::Bytes(b.to_vec())));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Some(Input::Text(vec![s.to_str()?.to_owned()])));
    }
    if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
        return Ok(Some(match v.extract::<i64>() {
            Ok(i) => Input::Int(vec![i]),
            Err(_) => Input::UInt(vec![v.extract::<u64>()?]),
        }));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(Some(Input::Float(vec![v.extract::<f64>()?])));
    }
    Err(PyTypeError::new_err(format!(
        "bulk_data_uri_handler must return bytes, str, int, float or None, not {}",
        v.get_type().name()?
    )))
}

/// Calls the user's handler for each bulk data reference and sets what it returns.
/// pydicom's two signatures: `handler(uri)` or `handler(tag, vr, uri)`.
fn fetch_bulk(
    py: Python<'_>,
    ds: &mut Dataset,
    refs: &[BulkRef],
    handler: Option<&Bound<'_, PyAny>>,
    opts: BuildOptions,
) -> PyResult<()> {
    if refs.is_empty() {
        return Ok(());
    }
    let Some(handler) = handler else {
        // As pydicom: the value stays empty, with a warning per element.
        for r in refs {
            warn(
                py,
                &format!(
                    "No bulk data URI handler provided for retrieval of value of data element \"{:08X}\"",
                    r.tag.as_u32()
                ),
            )?;
        }
        return Ok(());
    };
    let params = py
        .import("inspect")?
        .call_method1("signature", (handler,))?
        .getattr("parameters")?
        .len()?;
    for r in refs {
        let got = if params == 1 {
            handler.call1((&r.uri,))?
        } else {
            let tag = format!("{:08X}", r.tag.as_u32());
            handler.call1((tag, r.vr.as_str(), &r.uri))?
        };
        if let Some(input) = handler_value(&got)?
            && let Some(w) = model::set_value(ds, r, input, opts).map_err(to_py)?
        {
            warn(py, &w)?;
        }
    }
    Ok(())
}

/// A `UserWarning` (raised as an error when the warning filters say so).
fn warn(py: Python<'_>, msg: &str) -> PyResult<()> {
    let msg = CString::new(msg.replace('\0', "\\0"))?;
    PyErr::warn(py, &py.get_type::<PyUserWarning>(), &msg, 1)
}

/// The validation of `validate`: `None` warns (pydicom's reading default), `True` raises,
/// `False` keeps values silently.
pub(crate) fn build_options(validate: Option<bool>) -> BuildOptions {
    BuildOptions::new(match validate {
        None => Validation::Warn,
        Some(true) => Validation::Strict,
        Some(false) => Validation::Off,
    })
}

/// The Python dataset of what a model reader gave: its warnings raised, its bulk data
/// fetched through the handler.
pub(crate) fn finish(
    py: Python<'_>,
    parsed: Parsed,
    handler: Option<&Bound<'_, PyAny>>,
    opts: BuildOptions,
) -> PyResult<PyDataset> {
    let Parsed {
        mut dataset,
        bulk,
        warnings,
    } = parsed;
    for w in &warnings {
        warn(py, w)?;
    }
    fetch_bulk(py, &mut dataset, &bulk, handler, opts)?;
    Ok(PyDataset::item(SharedDataset::new(dataset)))
}
