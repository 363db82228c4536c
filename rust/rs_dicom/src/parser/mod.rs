//! From bytes to structure: the source, the streaming element reader, file meta, and the
//! dataset builder.

mod builder;
mod error;
mod file;
mod reader;
mod source;

pub use error::{DicomError, ErrorKind, Result};
pub use file::{DicomFile, ReadOptions, parse_source};
pub use reader::{ElementReader, Encoding, MAX_DEPTH, Token};
pub use source::{ExternalBytes, Source};

use std::path::Path;
use std::sync::Arc;

/// Parses a DICOM Part 10 file (memory-mapped) with default options.
pub fn parse_file(path: impl AsRef<Path>) -> Result<DicomFile> {
    parse_source(Source::open(path)?, ReadOptions::default())
}

/// Header bytes read up front with `stop_before_pixels`: most headers are a few KiB, so the
/// pixel data is never mapped or read; a longer header falls back to mapping the file.
const HEADER_PREFIX: usize = 32 * 1024;

/// Parses a DICOM file with options.
pub fn parse_file_with(path: impl AsRef<Path>, opts: ReadOptions) -> Result<DicomFile> {
    let path = path.as_ref();
    if opts.stop_before_pixels {
        let (prefix, whole) = source::read_prefix(path, HEADER_PREFIX)?;
        if whole {
            return parse_source(prefix, opts);
        }
        if let Ok(f) = parse_source(prefix, opts)
            && f.stopped_before_pixels
        {
            return Ok(f);
        }
    }
    parse_source(Source::open(path)?, opts)
}

/// Parses DICOM bytes held in memory with default options.
pub fn parse_bytes(bytes: Vec<u8>) -> Result<DicomFile> {
    parse_source(Arc::new(Source::Owned(bytes)), ReadOptions::default())
}
