//! From bytes to structure: the source, the streaming element reader, file meta, and the
//! dataset builder.

mod error;
mod source;

pub use error::{DicomError, ErrorKind, Result};
pub use source::{ExternalBytes, Source};

use std::path::Path;
use std::sync::Arc;

use crate::core::Dataset;

/// Options for reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Stop before (7FE0,0010) and friends; their bytes are never touched.
    pub stop_before_pixels: bool,
    /// Read input without a preamble/`DICM` marker or file meta.
    pub force: bool,
}

/// Parses a DICOM file. PLACEHOLDER.
pub fn parse_file(path: impl AsRef<Path>) -> Result<Dataset> {
    let src = Source::open(path)?;
    Ok(Dataset::empty(src))
}

/// Parses DICOM bytes. PLACEHOLDER.
pub fn parse_bytes(bytes: Vec<u8>) -> Result<Dataset> {
    Ok(Dataset::empty(Arc::new(Source::Owned(bytes))))
}
