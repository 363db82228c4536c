//! From bytes to structure: the streaming element reader, file meta, deflate, and the dataset
//! builder.

mod builder;
mod file;
mod options;
mod push;
mod reader;
mod token;

pub use crate::core::{Encoding, ExternalBytes, Source};
pub use crate::error::{DicomError, ErrorKind, Result};
pub use file::{DicomFile, parse_source};
pub use options::{Limits, MapPolicy, ReadOptions};
pub use push::{Need, PixelLocation, PushParser};
pub use reader::{ElementReader, MAX_DEPTH, Token};

use std::path::Path;
use std::sync::Arc;

/// Parses a DICOM Part 10 file with default options.
pub fn parse_file(path: impl AsRef<Path>) -> Result<DicomFile> {
    parse_file_with(path, ReadOptions::default())
}

/// Header bytes read up front with `stop_before_pixels`: most headers are a few KiB, so the
/// pixel data is never mapped or read; a longer header falls back to opening the file whole.
const HEADER_PREFIX: usize = 32 * 1024;

/// Parses a DICOM file with options.
pub fn parse_file_with(path: impl AsRef<Path>, opts: ReadOptions) -> Result<DicomFile> {
    let path = path.as_ref();
    if opts.stop_before_pixels {
        let (prefix, whole) = crate::core::source::read_prefix(path, HEADER_PREFIX)?;
        if whole {
            return parse_source(prefix, opts);
        }
        if let Ok(f) = parse_source(prefix, opts)
            && f.stopped_before_pixels
        {
            return Ok(f);
        }
    }
    parse_source(Source::open_with(path, opts.map)?, opts)
}

/// Parses DICOM bytes held in memory with default options.
pub fn parse_bytes(bytes: Vec<u8>) -> Result<DicomFile> {
    parse_source(Arc::new(Source::Owned(bytes)), ReadOptions::default())
}
