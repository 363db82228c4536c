//! The one error type of the core: what went wrong, where (byte offset and tag path), and why.
//!
//! Reading, writing, encoding and networking all report a [`DicomError`]; its [`ErrorKind`] is
//! coarse enough to map onto the Python exception hierarchy and is `#[non_exhaustive]`, so new
//! kinds can be added without breaking callers that match on it.

use std::fmt;

/// What went wrong, coarse enough to map onto the Python exception hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is not a DICOM file (no `DICM` marker, no recognisable dataset).
    NotDicom,
    /// The input ends before a structure it announces.
    Truncated,
    /// A structure is inconsistent (bad length, delimiter, nesting, VR).
    Malformed,
    /// The transfer syntax is not known or not supported.
    UnsupportedTransferSyntax,
    /// A pixel data codec is not available (for decoding or encoding).
    UnsupportedCodec,
    /// A value does not fit its VR or VM (validation on assignment).
    InvalidValue,
    /// A value is valid but this build does not handle it (a LUT entry size, a colour space).
    Unsupported,
    /// A dataset cannot be written as asked (a value too long for its length field, a missing
    /// attribute the file format requires).
    Write,
    /// An image cannot be encoded by the chosen codec (bit depth, colour model, size).
    Encode,
    /// A network peer or association failed (PDU, negotiation, timeout).
    Network,
    /// A size, count or depth is beyond a configured limit.
    Limit,
    /// The file changed on disk (truncated or rewritten) while it was being read.
    SourceChanged,
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
    #[cold]
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

    /// A malformed-structure error at a byte offset.
    #[cold]
    pub fn malformed(offset: usize, path: impl Into<String>, message: impl Into<String>) -> Self {
        DicomError::new(ErrorKind::Malformed, Some(offset as u64), path, message)
    }

    /// An error of a pixel data codec, for the pixel data element: the caller adds the
    /// element's offset and the frame (see [`DicomError::at`]).
    #[cold]
    pub fn codec(kind: ErrorKind, message: impl Into<String>) -> Self {
        DicomError::new(kind, None, "(7FE0,0010)", message)
    }

    /// A codestream that does not decode: [`ErrorKind::Malformed`] for the pixel data.
    #[cold]
    pub fn bad_codestream(message: impl Into<String>) -> Self {
        DicomError::codec(ErrorKind::Malformed, message)
    }

    /// A codec feature or image this build cannot handle: [`ErrorKind::UnsupportedCodec`].
    #[cold]
    pub fn unsupported_codec(message: impl Into<String>) -> Self {
        DicomError::codec(ErrorKind::UnsupportedCodec, message)
    }

    /// A value that does not fit its VR or VM.
    #[cold]
    pub fn invalid_value(path: impl Into<String>, message: impl Into<String>) -> Self {
        DicomError::new(ErrorKind::InvalidValue, None, path, message)
    }

    /// Sets the offset when the error has none yet.
    pub fn at(mut self, offset: usize) -> Self {
        self.offset.get_or_insert(offset as u64);
        self
    }

    /// Sets the tag path when the error has none yet.
    pub fn in_path(mut self, path: impl Into<String>) -> Self {
        if self.path.is_empty() {
            self.path = path.into();
        }
        self
    }

    /// An I/O error for a path.
    #[cold]
    pub fn io(err: &std::io::Error, what: &str) -> Self {
        DicomError::new(ErrorKind::Io, None, "", format!("{what}: {err}"))
    }

    /// An I/O error while opening or reading `path`, keeping the OS error number.
    #[cold]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_offset_and_path() {
        let e = DicomError::malformed(10, "(0008,1115)[0]", "bad item");
        assert_eq!(
            e.to_string(),
            "bad item at byte offset 10 (tag path (0008,1115)[0])"
        );
        let e = DicomError::bad_codestream("no SOI").at(99).at(5);
        assert_eq!(e.offset, Some(99));
        assert_eq!(e.path, "(7FE0,0010)");
        assert_eq!(e.kind, ErrorKind::Malformed);
    }
}
