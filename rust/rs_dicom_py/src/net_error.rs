//! The Python exceptions of `rs_dicom.net` and the mapping of the core's network errors onto
//! them, shared by the association, TLS and Query/Retrieve bindings.

use pyo3::create_exception;
use pyo3::exceptions::PyConnectionError;
use pyo3::prelude::*;
use rs_dicom::{DicomError as CoreError, ErrorKind};

use crate::errors::to_py;

create_exception!(
    rs_dicom,
    NetworkError,
    PyConnectionError,
    "A DICOM network operation failed (connection, protocol, timeout)."
);
create_exception!(
    rs_dicom,
    AssociationRejectedError,
    NetworkError,
    "The peer rejected the association (A-ASSOCIATE-RJ)."
);
create_exception!(
    rs_dicom,
    AssociationAbortedError,
    NetworkError,
    "The association was aborted (A-ABORT)."
);

pub(crate) fn net_py(err: CoreError) -> PyErr {
    if err.kind != ErrorKind::Network {
        return to_py(err);
    }
    let msg = err.message;
    if msg.starts_with("association rejected") {
        AssociationRejectedError::new_err(msg)
    } else if msg.contains("association aborted") {
        AssociationAbortedError::new_err(msg)
    } else {
        NetworkError::new_err(msg)
    }
}
