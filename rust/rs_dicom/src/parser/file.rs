//! Part 10 files: preamble, `DICM`, file meta group, transfer syntax, deflate.

use std::ops::Deref;
use std::sync::Arc;

use super::builder::build;
use super::error::{DicomError, ErrorKind, Result};
use super::reader::{ElementReader, Encoding, looks_like_vr};
use super::source::Source;
use crate::core::{Dataset, Tag, TransferSyntax};
use crate::value::charset::CharacterSet;

/// Options for reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Stop before (7FE0,0010) and friends; their bytes are never touched.
    pub stop_before_pixels: bool,
    /// Read input without a preamble/`DICM` marker or file meta.
    pub force: bool,
}

/// A parsed DICOM file: file meta group and dataset. Derefs to the dataset.
#[derive(Debug, Clone)]
pub struct DicomFile {
    /// The file meta information group (0002,xxxx); empty when the file has none.
    pub meta: Dataset,
    /// The dataset.
    pub dataset: Dataset,
    /// The transfer syntax the dataset was read with.
    pub transfer_syntax: TransferSyntax,
    /// The transfer syntax UID as written in the file meta (padding removed), if any.
    pub transfer_syntax_uid: Option<String>,
    /// Offset of the 128-byte preamble, if the file has one.
    pub preamble: Option<usize>,
    /// True when reading stopped at the pixel data (`stop_before_pixels`).
    pub stopped_before_pixels: bool,
}

impl Deref for DicomFile {
    type Target = Dataset;
    fn deref(&self) -> &Dataset {
        &self.dataset
    }
}

const DICM: &[u8; 4] = b"DICM";

/// Decompressed size limit for deflated datasets relative to their compressed size. Deflate
/// itself allows ~1032:1, which would let a 16 MiB file claim 16 GiB; real deflated DICOM
/// (reports, headers, images with empty areas) stays far below 128:1.
#[cfg(feature = "deflate")]
const MAX_INFLATE_RATIO: usize = 128;
/// Inflated size always allowed, whatever the ratio.
#[cfg(feature = "deflate")]
const MIN_INFLATE_LIMIT: usize = 64 << 20;

/// Parses a source.
pub fn parse_source(source: Arc<Source>, opts: ReadOptions) -> Result<DicomFile> {
    let bytes = source.bytes();
    let (preamble, meta_start) = if bytes.len() >= 132 && &bytes[128..132] == DICM {
        (Some(0), 132)
    } else if bytes.len() >= 4 && &bytes[0..4] == DICM {
        (None, 4)
    } else if opts.force {
        (None, 0)
    } else {
        return Err(DicomError::new(
            ErrorKind::NotDicom,
            Some(128),
            "",
            "not a DICOM Part 10 file: no 'DICM' marker after a 128-byte preamble \
             (use force=True to read a dataset without file meta)",
        ));
    };

    // File meta: group 0002, explicit VR little endian (some writers use implicit VR).
    let meta_enc = if bytes.len() >= meta_start + 6
        && !looks_like_vr(&bytes[meta_start + 4..meta_start + 6])
    {
        Encoding::IMPLICIT_LE
    } else {
        Encoding::EXPLICIT_LE
    };
    let has_meta = bytes.len() >= meta_start + 2
        && u16::from_le_bytes([bytes[meta_start], bytes[meta_start + 1]]) == 0x0002;
    let (meta, data_start) = if has_meta {
        let mut reader = ElementReader::new(bytes, meta_start, None, meta_enc).only_group(0x0002);
        let meta = build(
            &source,
            &mut reader,
            meta_enc,
            Arc::new(CharacterSet::default()),
        )?;
        // The dataset starts where the stream leaves group 0002 (as in pydicom), not after the
        // highest meta tag: the meta may be out of order or end with a sequence. The group is
        // a few elements long, so re-tokenising it is cheap.
        let mut scan = ElementReader::new(bytes, meta_start, None, meta_enc).only_group(0x0002);
        for token in &mut scan {
            token?;
        }
        (meta, scan.position())
    } else {
        (empty_dataset(&source, meta_start), meta_start)
    };
    if preamble.is_some() && !has_meta && !opts.force {
        return Err(DicomError::new(
            ErrorKind::NotDicom,
            Some(meta_start as u64),
            "",
            "the file has a 'DICM' marker but no file meta information group (0002,xxxx) \
             (use force=True to read it anyway)",
        ));
    }

    let ts_uid = meta.raw(Tag::TRANSFER_SYNTAX_UID).map(|b| {
        String::from_utf8_lossy(b)
            .trim_end_matches(['\0', ' '])
            .trim()
            .to_string()
    });
    let mut ts = match &ts_uid {
        Some(uid) => TransferSyntax::from_uid(uid).ok_or_else(|| {
            DicomError::new(
                ErrorKind::UnsupportedTransferSyntax,
                meta.get(Tag::TRANSFER_SYNTAX_UID).map(|e| e.offset as u64),
                "(0002,0010)",
                format!("unknown transfer syntax UID '{uid}'"),
            )
        })?,
        None => guess_encoding(bytes, data_start),
    };

    let (data_source, start) = if ts.deflated {
        (inflate(&source, data_start)?, 0)
    } else {
        (source.clone(), data_start)
    };
    let data = data_source.bytes();
    // The transfer syntax is a claim: pydicom switches implicit/explicit when the first
    // element says otherwise, and so do we.
    if data.len() >= start + 6 {
        let vr_like = looks_like_vr(&data[start + 4..start + 6])
            && crate::core::VR::from_bytes([data[start + 4], data[start + 5]]).is_some();
        if ts.explicit_vr && !vr_like {
            ts.explicit_vr = false;
        } else if !ts.explicit_vr && vr_like {
            ts.explicit_vr = true;
        }
    }
    let enc = Encoding {
        explicit_vr: ts.explicit_vr,
        big_endian: ts.big_endian,
    };
    let mut reader =
        ElementReader::new(data, start, None, enc).stop_before_pixels(opts.stop_before_pixels);
    let dataset = build(
        &data_source,
        &mut reader,
        enc,
        Arc::new(CharacterSet::default()),
    )?;
    let stopped_before_pixels = reader.stopped_at_pixels();
    Ok(DicomFile {
        meta,
        dataset,
        transfer_syntax: ts,
        transfer_syntax_uid: ts_uid,
        preamble,
        stopped_before_pixels,
    })
}

fn empty_dataset(source: &Arc<Source>, offset: usize) -> Dataset {
    let mut d = Dataset::empty(source.clone());
    d.offset = offset;
    d
}

/// For data without file meta: little or big endian from the first group number, explicit
/// VR when a valid VR follows the tag.
fn guess_encoding(bytes: &[u8], start: usize) -> TransferSyntax {
    if bytes.len() < start + 6 {
        return TransferSyntax::IMPLICIT_VR_LE;
    }
    let le_group = u16::from_le_bytes([bytes[start], bytes[start + 1]]);
    let be_group = u16::from_be_bytes([bytes[start], bytes[start + 1]]);
    let explicit = crate::core::VR::from_bytes([bytes[start + 4], bytes[start + 5]]).is_some();
    let big_endian = le_group > 0x00FF && be_group <= 0x00FF;
    match (explicit, big_endian) {
        (true, true) => TransferSyntax::EXPLICIT_VR_BE,
        (true, false) => TransferSyntax::EXPLICIT_VR_LE,
        (false, _) => TransferSyntax::IMPLICIT_VR_LE,
    }
}

#[cfg(feature = "deflate")]
fn inflate(source: &Arc<Source>, start: usize) -> Result<Arc<Source>> {
    use std::io::Read;
    let input = source.bytes().get(start..).unwrap_or(&[]);
    let limit = input
        .len()
        .saturating_mul(MAX_INFLATE_RATIO)
        .max(MIN_INFLATE_LIMIT);
    let mut out = Vec::with_capacity(input.len().saturating_mul(4).min(limit));
    let decoder = flate2::read::DeflateDecoder::new(input);
    let n = decoder
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            DicomError::new(
                ErrorKind::Malformed,
                Some(start as u64),
                "",
                format!(
                    "invalid deflate stream in Deflated Explicit VR Little Endian dataset: {e}"
                ),
            )
        })?;
    if n > limit {
        return Err(DicomError::new(
            ErrorKind::Malformed,
            Some(start as u64),
            "",
            format!(
                "deflated dataset inflates to more than {limit} bytes ({MAX_INFLATE_RATIO}x its \
                 compressed size): refused as a decompression bomb"
            ),
        ));
    }
    Ok(Arc::new(Source::Owned(out)))
}

#[cfg(not(feature = "deflate"))]
fn inflate(_source: &Arc<Source>, start: usize) -> Result<Arc<Source>> {
    Err(DicomError::new(
        ErrorKind::UnsupportedTransferSyntax,
        Some(start as u64),
        "",
        "Deflated Explicit VR Little Endian needs the `deflate` feature",
    ))
}
