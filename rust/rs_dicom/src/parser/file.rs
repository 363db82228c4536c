//! Part 10 files: preamble, `DICM`, file meta group, transfer syntax, deflate.

use std::ops::Deref;
use std::sync::Arc;

use super::builder::{Context, build};
use super::options::ReadOptions;
use super::reader::{ElementReader, looks_like_vr};
use crate::core::{Dataset, Encoding, Source, Tag, TransferSyntax, trim_uid};
use crate::error::{DicomError, ErrorKind, Result};

/// A parsed DICOM file: file meta group and dataset. Derefs to the dataset.
#[derive(Debug, Clone)]
pub struct DicomFile {
    /// The file meta information group (0002,xxxx); empty when the file has none.
    pub meta: Dataset,
    /// The dataset.
    pub dataset: Dataset,
    /// The transfer syntax the dataset was read with (from the file meta, or guessed).
    pub transfer_syntax: &'static TransferSyntax,
    /// How the dataset was really encoded: the transfer syntax's encoding, unless the data
    /// said otherwise (pydicom switches between implicit and explicit VR the same way).
    pub encoding: Encoding,
    /// The transfer syntax UID as written in the file meta (padding removed), if any.
    pub transfer_syntax_uid: Option<String>,
    /// Offset of the 128-byte preamble, if the file has one.
    pub preamble: Option<usize>,
    /// True when reading stopped at the pixel data (`stop_before_pixels`).
    pub stopped_before_pixels: bool,
    /// True when reading stopped after the `stop_after` tag.
    pub stopped_after: bool,
}

impl Deref for DicomFile {
    type Target = Dataset;
    fn deref(&self) -> &Dataset {
        &self.dataset
    }
}

const DICM: &[u8; 4] = b"DICM";

/// Parses a source.
pub fn parse_source(source: Arc<Source>, opts: ReadOptions) -> Result<DicomFile> {
    let bytes = source.bytes();
    let (preamble, meta_start) = if bytes.len() >= 132 && &bytes[128..132] == DICM {
        (Some(0), 132)
    } else if bytes.len() >= 4 && &bytes[0..4] == DICM {
        (None, 4)
    } else if opts.force {
        (None, 0)
    } else if bytes.len() < 132 {
        return Err(DicomError::new(
            ErrorKind::NotDicom,
            Some(bytes.len() as u64),
            "",
            format!(
                "not a DICOM Part 10 file: {} bytes, too short for the 128-byte preamble and \
                 'DICM' marker",
                bytes.len()
            ),
        ));
    } else {
        return Err(DicomError::new(
            ErrorKind::NotDicom,
            Some(128),
            "",
            "not a DICOM Part 10 file: no 'DICM' marker after a 128-byte preamble",
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
        let mut reader = ElementReader::new(bytes, meta_start, None, meta_enc)
            .only_group(0x0002)
            .limits(&opts.limits);
        let cx = Context {
            source: &source,
            ts: None,
        };
        let meta = build(cx, &mut reader, meta_enc, Arc::default())?;
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
            "the file has a 'DICM' marker but no file meta information group (0002,xxxx)",
        ));
    }

    let ts_uid = meta
        .raw(Tag::TRANSFER_SYNTAX_UID)
        .map(|b| trim_uid(&String::from_utf8_lossy(b)).to_string());
    let ts = match &ts_uid {
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
        (inflate(&source, data_start, &opts)?, 0)
    } else {
        (source.clone(), data_start)
    };
    let data = data_source.bytes();
    let enc = data_encoding(ts, data, start);
    let mut reader = ElementReader::new(data, start, None, enc)
        .stop_before_pixels(opts.stop_before_pixels)
        .stop_after(opts.stop_after)
        .limits(&opts.limits);
    let cx = Context {
        source: &data_source,
        ts: Some(ts),
    };
    let dataset = build(cx, &mut reader, enc, Arc::default())?;
    let stopped_before_pixels = reader.stopped_at_pixels();
    let stopped_after = reader.stopped_after();
    Ok(DicomFile {
        meta,
        dataset,
        transfer_syntax: ts,
        encoding: enc,
        transfer_syntax_uid: ts_uid,
        preamble,
        stopped_before_pixels,
        stopped_after,
    })
}

/// The encoding the dataset at `data[start..]` is read with. The transfer syntax is a claim:
/// pydicom switches implicit/explicit when the first element says otherwise, and so do we.
pub(super) fn data_encoding(ts: &TransferSyntax, data: &[u8], start: usize) -> Encoding {
    let mut enc = ts.encoding();
    if data.len() >= start + 6 {
        let vr_like = looks_like_vr(&data[start + 4..start + 6])
            && crate::core::VR::from_bytes([data[start + 4], data[start + 5]]).is_some();
        enc.explicit_vr = vr_like;
    }
    enc
}

fn empty_dataset(source: &Arc<Source>, offset: usize) -> Dataset {
    Dataset::with_encoding(
        source.clone(),
        Encoding::EXPLICIT_LE,
        Arc::default(),
        offset,
    )
}

/// For data without file meta: little or big endian from the first group number, explicit
/// VR when a valid VR follows the tag.
pub(super) fn guess_encoding(bytes: &[u8], start: usize) -> &'static TransferSyntax {
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
fn inflate(source: &Arc<Source>, start: usize, opts: &ReadOptions) -> Result<Arc<Source>> {
    use std::io::Read;
    let input = source.bytes().get(start..).unwrap_or(&[]);
    let limit =
        usize::try_from(opts.limits.inflate_allowed(input.len() as u64)).unwrap_or(usize::MAX);
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
                "deflated dataset inflates to more than {limit} bytes ({}x its compressed size): \
                 refused as a decompression bomb",
                opts.limits.max_inflate_ratio
            ),
        ));
    }
    Ok(Arc::new(Source::Owned(out)))
}

#[cfg(not(feature = "deflate"))]
fn inflate(_source: &Arc<Source>, start: usize, _opts: &ReadOptions) -> Result<Arc<Source>> {
    Err(DicomError::new(
        ErrorKind::UnsupportedTransferSyntax,
        Some(start as u64),
        "",
        "Deflated Explicit VR Little Endian needs the `deflate` feature",
    ))
}
