use std::fmt;

/// What went wrong, coarse enough to map onto the Python exception hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input is not a DICOM file (no `DICM` marker, no recognisable dataset).
    NotDicom,
    /// The input ends before a structure it announces.
    Truncated,
    /// A structure is inconsistent (bad length, delimiter, nesting, VR).
    Malformed,
    /// The transfer syntax is not known or not supported.
    UnsupportedTransferSyntax,
    /// A pixel data codec is not available.
    UnsupportedCodec,
    /// An operating system I/O error.
    Io,
}

/// An error with the byte offset and tag path where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DicomError {
    /// The category.
    pub kind: ErrorKind,
    /// Byte offset in the source (or in the inflated stream for deflated data).
    pub offset: Option<u64>,
    /// Tag path such as `(0008,1115)[0].(0008,1150)`; empty at the top level.
    pub path: String,
    /// What happened.
    pub message: String,
    /// For I/O errors: the OS error number and the path, so callers can map them (Python maps
    /// errno 2 to FileNotFoundError).
    pub os_error: Option<(i32, String)>,
}

impl DicomError {
    /// A new error.
    pub fn new(
        kind: ErrorKind,
        offset: Option<u64>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        DicomError {
            kind,
            offset,
            path: path.into(),
            message: message.into(),
            os_error: None,
        }
    }

    /// An I/O error for a path.
    pub fn io(err: &std::io::Error, what: &str) -> Self {
        DicomError::new(ErrorKind::Io, None, "", format!("{what}: {err}"))
    }

    /// An I/O error while opening or reading `path`, keeping the OS error number.
    pub fn io_path(err: &std::io::Error, what: &str, path: &std::path::Path) -> Self {
        let mut e = DicomError::io(err, &format!("{what} {}", path.display()));
        e.os_error = err
            .raw_os_error()
            .map(|n| (n, path.to_string_lossy().into_owned()));
        e
    }
}

impl fmt::Display for DicomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(o) = self.offset {
            write!(f, " at byte offset {o}")?;
        }
        if !self.path.is_empty() {
            write!(f, " (tag path {})", self.path)?;
        }
        Ok(())
    }
}

impl std::error::Error for DicomError {}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, DicomError>;
