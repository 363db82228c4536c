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

/// Header bytes read first when reading stops early (`stop_before_pixels`, `stop_after`): most
/// headers are a few KiB, so the rest of the file is never mapped or read; a longer header is
/// read on to the next size, and past the last one the file is opened whole.
const HEADER_PREFIXES: [usize; 2] = [8 * 1024, 64 * 1024];

/// Parses a DICOM file with options.
pub fn parse_file_with(path: impl AsRef<Path>, opts: ReadOptions) -> Result<DicomFile> {
    let path = path.as_ref();
    if opts.stop_before_pixels || opts.stop_after.is_some() {
        let mut file =
            std::fs::File::open(path).map_err(|e| DicomError::io_path(&e, "cannot open", path))?;
        return parse_open_file(&mut file, path, opts);
    }
    parse_source(Source::open_with(path, opts.map)?, opts)
}

/// Parses a file already open at its start (`path` names it in errors and for a reopen):
/// with `stop_before_pixels` or `stop_after`, only the bytes up to the stop are read.
pub fn parse_open_file(
    file: &mut std::fs::File,
    path: &Path,
    opts: ReadOptions,
) -> Result<DicomFile> {
    if opts.stop_before_pixels || opts.stop_after.is_some() {
        let mut buf = Vec::new();
        for limit in HEADER_PREFIXES {
            let whole = crate::core::source::read_more(file, &mut buf, limit, path)?;
            let source = Arc::new(Source::Owned(buf));
            match parse_source(source.clone(), opts) {
                parsed if whole => return parsed,
                Ok(f) if f.stopped_before_pixels || f.stopped_after => return Ok(f),
                // Cut inside the header: the error (or the early end) is the prefix's.
                _ => {}
            }
            buf = match Arc::try_unwrap(source) {
                Ok(Source::Owned(b)) => b,
                _ => break,
            };
        }
    }
    parse_source(Source::open_with(path, opts.map)?, opts)
}

/// Parses DICOM bytes held in memory with default options.
pub fn parse_bytes(bytes: Vec<u8>) -> Result<DicomFile> {
    parse_source(Arc::new(Source::Owned(bytes)), ReadOptions::default())
}
