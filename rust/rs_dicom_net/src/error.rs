//! Network errors are the core's [`DicomError`] of kind [`ErrorKind::Network`] (or `Io`).

use rs_dicom::{DicomError, ErrorKind};

/// The result of network operations.
pub type NetResult<T> = Result<T, DicomError>;

/// A network error with a message.
#[cold]
pub fn net_error(message: impl Into<String>) -> DicomError {
    DicomError::new(ErrorKind::Network, None, "", message)
}

/// A network error from an I/O error (timeouts and resets say so in words).
#[cold]
pub fn io_error(err: &std::io::Error, what: &str) -> DicomError {
    use std::io::ErrorKind as K;
    let why = match err.kind() {
        K::WouldBlock | K::TimedOut => "timed out".to_string(),
        K::UnexpectedEof => "the peer closed the connection".to_string(),
        _ => err.to_string(),
    };
    net_error(format!("{what}: {why}"))
}
