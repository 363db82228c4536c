//! The exception hierarchy: `DicomError(ValueError)` and one subclass per error kind.

use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use rs_dicom::{DicomError as CoreError, ErrorKind};

create_exception!(
    rs_dicom,
    DicomError,
    PyValueError,
    "Base class of every rs_dicom error."
);
create_exception!(
    rs_dicom,
    InvalidDicomError,
    DicomError,
    "The input is not DICOM (no DICM marker / file meta)."
);
create_exception!(
    rs_dicom,
    TruncatedError,
    DicomError,
    "The input ends before a structure it announces."
);
create_exception!(
    rs_dicom,
    MalformedError,
    DicomError,
    "A structure is inconsistent (lengths, delimiters, nesting)."
);
create_exception!(
    rs_dicom,
    UnsupportedTransferSyntaxError,
    DicomError,
    "The transfer syntax is unknown or not supported."
);
create_exception!(
    rs_dicom,
    UnsupportedCodecError,
    DicomError,
    "The pixel data codec is not available."
);
create_exception!(
    rs_dicom,
    InvalidValueError,
    DicomError,
    "A value does not fit its VR or VM (raised on assignment; nothing was changed)."
);
create_exception!(
    rs_dicom,
    SourceChangedError,
    DicomError,
    "The file changed on disk (truncated or rewritten) while it was being read."
);

/// Converts a core error into the matching Python exception.
pub fn to_py(err: CoreError) -> PyErr {
    let msg = err.to_string();
    let e = match err.kind {
        // The hint names Python's keyword; the command line says `--force` instead.
        ErrorKind::NotDicom => InvalidDicomError::new_err(format!(
            "{msg} (use force=True to read a dataset without a preamble and file meta)"
        )),
        ErrorKind::Truncated => TruncatedError::new_err(msg),
        ErrorKind::Malformed => MalformedError::new_err(msg),
        ErrorKind::UnsupportedTransferSyntax => UnsupportedTransferSyntaxError::new_err(msg),
        ErrorKind::UnsupportedCodec => UnsupportedCodecError::new_err(msg),
        ErrorKind::SourceChanged => SourceChangedError::new_err(msg),
        ErrorKind::InvalidValue => InvalidValueError::new_err(msg),
        ErrorKind::Io => {
            // OSError(errno, strerror, filename) becomes FileNotFoundError etc. in Python.
            return match err.os_error {
                Some((errno, path)) => {
                    let strerror = std::io::Error::from_raw_os_error(errno).to_string();
                    let strerror = strerror
                        .split(" (os error")
                        .next()
                        .unwrap_or(&strerror)
                        .to_string();
                    PyOSError::new_err((errno, strerror, path))
                }
                None => PyOSError::new_err(msg),
            };
        }
        _ => DicomError::new_err(msg),
    };
    Python::attach(|py| {
        let v = e.value(py);
        let _ = v.setattr("offset", err.offset);
        let _ = v.setattr("tag_path", err.path.as_str());
    });
    e
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("DicomError", py.get_type::<DicomError>())?;
    m.add("InvalidDicomError", py.get_type::<InvalidDicomError>())?;
    m.add("TruncatedError", py.get_type::<TruncatedError>())?;
    m.add("MalformedError", py.get_type::<MalformedError>())?;
    m.add(
        "UnsupportedTransferSyntaxError",
        py.get_type::<UnsupportedTransferSyntaxError>(),
    )?;
    m.add(
        "UnsupportedCodecError",
        py.get_type::<UnsupportedCodecError>(),
    )?;
    m.add("SourceChangedError", py.get_type::<SourceChangedError>())?;
    m.add("InvalidValueError", py.get_type::<InvalidValueError>())?;
    Ok(())
}
