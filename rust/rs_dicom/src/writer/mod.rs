//! From structure to bytes: the element writer, datasets, Part 10 files (preamble, file meta,
//! the dataset in any uncompressed-encoding transfer syntax, deflate) and atomic files.
//!
//! The writer mirrors the reader: [`ElementWriter`] is the only place structure becomes
//! bytes; files, sockets and transcoding all go through it, to any `std::io::Write`.

mod atomic;
mod dataset;
mod element;
mod meta;

use std::io::Write;

pub use atomic::{write_atomically, write_bytes_atomically};
pub use dataset::{Lengths, Target, dataset_size, element_size, write_dataset};
pub use element::{ElementWriter, header_len, swap_size};
pub use meta::{
    IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, encoding_syntax, prepare_meta,
};

use crate::core::{Dataset, Encoding, Tag, TransferSyntax};
use crate::error::{DicomError, ErrorKind, Result};

/// The parts of a Part 10 file to write.
#[derive(Clone, Copy)]
pub struct FileParts<'a> {
    /// The 128-byte preamble (with `DICM` after it); `None` writes neither (a bare dataset,
    /// possibly with file meta, as pydicom does for datasets without one).
    pub preamble: Option<&'a [u8]>,
    /// The file meta information group (always explicit VR little endian).
    pub meta: Option<&'a Dataset>,
    /// The dataset.
    pub dataset: &'a Dataset,
}

/// How to write.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// The transfer syntax of the dataset (its encoding, and deflate).
    pub transfer_syntax: &'static TransferSyntax,
    /// Sequence and item lengths.
    pub lengths: Lengths,
}

impl WriteOptions {
    /// Writing in `ts` with lengths as read.
    pub fn new(ts: &'static TransferSyntax) -> Self {
        WriteOptions {
            transfer_syntax: ts,
            lengths: Lengths::AsRead,
        }
    }

    fn target(&self) -> Target {
        Target {
            encoding: self.transfer_syntax.encoding(),
            lengths: self.lengths,
        }
    }
}

/// Writes a Part 10 file (or a bare dataset) to `out`.
pub fn write_file<W: Write>(out: W, parts: FileParts<'_>, opts: &WriteOptions) -> Result<W> {
    let mut w = ElementWriter::new(out, Encoding::EXPLICIT_LE);
    if let Some(preamble) = parts.preamble {
        let mut p = [0u8; 128];
        let n = preamble.len().min(128);
        p[..n].copy_from_slice(&preamble[..n]);
        w.raw(&p)?;
        w.raw(b"DICM")?;
    }
    if let Some(meta) = parts.meta.filter(|m| !m.is_empty()) {
        if let Some(bad) = meta.iter().find(|e| e.tag.0 != 0x0002) {
            return Err(DicomError::new(
                ErrorKind::Write,
                None,
                bad.tag.to_string(),
                "the file meta information may hold group 0002 elements only",
            ));
        }
        let target = Target {
            encoding: Encoding::EXPLICIT_LE,
            lengths: opts.lengths,
        };
        write_dataset(&mut w, meta, target)?;
    }
    if let Some(bad) = parts.dataset.iter().find(|e| e.tag.0 == 0x0002) {
        return Err(DicomError::new(
            ErrorKind::Write,
            None,
            bad.tag.to_string(),
            "group 0002 elements belong in the file meta information, not the dataset",
        ));
    }
    let target = opts.target();
    if opts.transfer_syntax.deflated {
        let mut body = ElementWriter::new(Vec::new(), target.encoding);
        write_dataset(&mut body, parts.dataset, target)?;
        w.raw(&deflate(&body.into_inner())?)?;
    } else {
        w.set_encoding(target.encoding);
        write_dataset(&mut w, parts.dataset, target)?;
    }
    // A mapped source that changed while it was copied: refuse what was written.
    parts.dataset.source().check()?;
    Ok(w.into_inner())
}

/// Writes a dataset alone (no preamble, no file meta) in `ts`.
pub fn write_bare<W: Write>(out: W, ds: &Dataset, opts: &WriteOptions) -> Result<W> {
    write_file(
        out,
        FileParts {
            preamble: None,
            meta: None,
            dataset: ds,
        },
        opts,
    )
}

#[cfg(feature = "deflate")]
fn deflate(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut enc = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(bytes.len() / 2),
        flate2::Compression::default(),
    );
    enc.write_all(bytes)
        .and_then(|()| enc.finish())
        .map_err(|e| DicomError::io(&e, "cannot deflate the dataset"))
}

#[cfg(not(feature = "deflate"))]
fn deflate(_bytes: &[u8]) -> Result<Vec<u8>> {
    Err(DicomError::new(
        ErrorKind::UnsupportedTransferSyntax,
        None,
        "(0002,0010)",
        "Deflated Explicit VR Little Endian needs the `deflate` feature",
    ))
}

/// The Transfer Syntax UID of a file meta group, if it has one.
pub fn meta_transfer_syntax(meta: &Dataset) -> Option<String> {
    meta.raw(Tag::TRANSFER_SYNTAX_UID)
        .map(|b| crate::core::trim_uid(&String::from_utf8_lossy(b)).to_string())
}
