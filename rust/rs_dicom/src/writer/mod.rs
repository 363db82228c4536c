//! From structure to bytes: the element writer, datasets, Part 10 files (preamble, file meta,
//! the dataset in any uncompressed-encoding transfer syntax, deflate) and atomic files.
//!
//! The writer mirrors the reader: [`ElementWriter`] is the only place structure becomes
//! bytes; files, sockets and transcoding all go through it, to any `std::io::Write`.
//!
//! ```
//! use rs_dicom::writer::{FileParts, WriteOptions, write_atomically, write_file};
//! use rs_dicom::{Tag, TransferSyntax, VR, parse_file};
//! # fn main() -> Result<(), rs_dicom::DicomError> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");
//! # let dir = std::env::temp_dir().join(format!("rs_dicom_doc_{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).map_err(|e| rs_dicom::DicomError::io(&e, "temp"))?;
//! # let out = dir.join("out.dcm");
//! let mut file = parse_file(path)?;
//! file.dataset.set_bytes(Tag(0x0010, 0x0010), VR::PN, b"Doe^Jane".to_vec());
//! let ts = TransferSyntax::from_uid("1.2.840.10008.1.2.1").expect("a known UID");
//! let preamble = [0u8; 128];
//! let (meta, dataset) = (Some(&file.meta), &file.dataset);
//! let parts = FileParts { preamble: Some(&preamble), meta, dataset };
//! // A temporary file renamed over `out`: a failed write leaves nothing behind.
//! write_atomically(&out, true, |w| write_file(w, parts, &WriteOptions::new(ts)).map(drop))?;
//! assert_eq!(parse_file(&out)?.dataset.raw(Tag(0x0010, 0x0010)), Some(&b"Doe^Jane"[..]));
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

mod atomic;
mod dataset;
mod element;
mod encapsulated;
mod meta;

use std::io::Write;

pub use atomic::{write_atomically, write_bytes_atomically};
pub use dataset::{Lengths, Target, dataset_size, element_size, write_dataset};
pub use element::{ElementWriter, header_len, swap_size};
pub use encapsulated::{encapsulate, from_items};
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
    let first = parts.dataset.iter().next().map(|e| e.tag);
    if let Some(tag) = first.filter(|t| t.0 == 0x0200 && target.encoding.big_endian) {
        // Its group number's bytes, big endian, are 0x0002's little endian: readers take it
        // for more of the file meta group.
        return Err(DicomError::new(
            ErrorKind::Write,
            None,
            tag.to_string(),
            "an element of group 0200 first in the dataset reads as file meta information \
             in Explicit VR Big Endian: write it in another transfer syntax",
        ));
    }
    if opts.transfer_syntax.deflated {
        let mut body = ElementWriter::new(Vec::new(), target.encoding);
        write_dataset(&mut body, parts.dataset, target)?;
        let body = body.into_inner();
        match deflated_as_read(&parts, &body) {
            Some(stream) => w.raw(stream)?,
            None => w.raw(&deflate(&body)?)?,
        }
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

/// The deflated stream of the file the dataset was read from, when the dataset is written
/// exactly as it was inflated (saved unmodified): copied, so that the file is byte-identical.
/// It is where the file meta group ended in the meta's source, and is checked by inflating
/// it again (faster than deflating).
#[cfg(feature = "deflate")]
fn deflated_as_read<'a>(parts: &FileParts<'a>, body: &[u8]) -> Option<&'a [u8]> {
    use crate::core::ElementValue;
    let ds = parts.dataset;
    if !ds.transfer_syntax().is_some_and(|ts| ts.deflated) || ds.source().bytes() != body {
        return None;
    }
    let meta = parts.meta?;
    let start = meta
        .iter()
        .filter(|e| e.has_offset())
        .filter_map(|e| match e.value {
            ElementValue::Bytes { start, len } => start.checked_add(len),
            _ => None,
        })
        .max()?;
    let stream = meta.source().bytes().get(start..)?;
    inflates_to(stream, body).then_some(stream)
}

#[cfg(feature = "deflate")]
fn inflates_to(stream: &[u8], expected: &[u8]) -> bool {
    use std::io::Read;
    let mut decoder = flate2::read::DeflateDecoder::new(stream);
    let mut chunk = [0u8; 1 << 14];
    let mut at = 0usize;
    loop {
        match decoder.read(&mut chunk) {
            Ok(0) => return at == expected.len(),
            Ok(n) => {
                let Some(want) = at.checked_add(n).and_then(|end| expected.get(at..end)) else {
                    return false;
                };
                if want != &chunk[..n] {
                    return false;
                }
                at += n;
            }
            Err(_) => return false,
        }
    }
}

#[cfg(not(feature = "deflate"))]
fn deflated_as_read<'a>(_parts: &FileParts<'a>, _body: &[u8]) -> Option<&'a [u8]> {
    None
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
