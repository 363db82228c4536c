//! The Native DICOM Model XML for Python: `Dataset.to_xml` and `Dataset.from_xml`, with the
//! bulk data options and handlers of the JSON methods. The core walks the dataset under its
//! lock and hands back plain data; Python objects are made, and the caller's handlers
//! called, with no lock held.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString, PyType};
use rs_dicom::xml::{self, XmlOptions};

use crate::errors::to_py;
use crate::handle::PyDataset;
use crate::model::{build_options, bulk_options, finish};

#[pymethods]
impl PyDataset {
    /// A dataset from Native DICOM Model XML (str, or bytes in UTF-8 or the encoding its
    /// declaration names); `bulk_data_uri_handler` and `validate` as for `from_json` (the
    /// handler gets the `uri` of each `<BulkData>`, `urn:uuid:…` for a `uuid`).
    #[classmethod]
    #[pyo3(signature = (xml_dataset, bulk_data_uri_handler=None, *, validate=None))]
    fn from_xml(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        xml_dataset: &Bound<'_, PyAny>,
        bulk_data_uri_handler: Option<&Bound<'_, PyAny>>,
        validate: Option<bool>,
    ) -> PyResult<PyDataset> {
        let opts = build_options(validate);
        let bytes: Vec<u8> = if let Ok(s) = xml_dataset.cast::<PyString>() {
            s.to_str()?.as_bytes().to_vec()
        } else if let Ok(b) = xml_dataset.cast::<PyBytes>() {
            b.as_bytes().to_vec()
        } else if let Ok(b) = xml_dataset.cast::<PyByteArray>() {
            b.to_vec()
        } else {
            return Err(PyTypeError::new_err(format!(
                "from_xml() takes a str or bytes, not {}",
                xml_dataset.get_type().name()?
            )));
        };
        let parsed = py
            .detach(|| xml::from_xml_bytes(&bytes, opts))
            .map_err(to_py)?;
        finish(py, parsed, bulk_data_uri_handler, opts)
    }

    /// The dataset as Native DICOM Model XML text (UTF-8). Binary values longer than
    /// `bulk_data_threshold` (base64 characters) become `<BulkData uri>` with the URI
    /// `bulk_data_element_handler(element)` returns; `bulk_data` "inline" or "omit" for the
    /// others; `include_meta` adds the File Meta Information.
    #[pyo3(signature = (
        bulk_data_threshold=1024, bulk_data_element_handler=None, *, bulk_data="inline",
        include_meta=false
    ))]
    fn to_xml(
        &self,
        py: Python<'_>,
        bulk_data_threshold: i64,
        bulk_data_element_handler: Option<&Bound<'_, PyAny>>,
        bulk_data: &str,
        include_meta: bool,
    ) -> PyResult<String> {
        let (mode, uris) = bulk_options(
            py,
            &self.node,
            bulk_data,
            bulk_data_threshold,
            bulk_data_element_handler,
        )?;
        py.detach(|| {
            self.with_meta(include_meta, |ds, meta| {
                let opts = XmlOptions {
                    bulk_data: mode,
                    meta,
                    uris: Some(&uris),
                };
                xml::to_xml(ds, &opts)
            })
        })
        .map_err(to_py)
    }
}
