//! One file: read → de-identify → write, the bulk of it never through user space.
//!
//! The file is memory-mapped, so the parser touches only the pages of the header; when the
//! native Pixel Data comes last and untouched (the usual case), everything before it is
//! written by the writer and the pixel bytes are copied from the input file to the output by
//! the kernel (`std::io::copy` between files: `copy_file_range` on Linux), as
//! `shutil.copyfile` does. Otherwise the writer writes it all.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::{Audit, Config};
use crate::core::{Dataset, ElementValue, MapPolicy, Tag, TransferSyntax};
use crate::error::{DicomError, ErrorKind, Result};
use crate::parser::{ReadOptions, parse_file_with};
use crate::writer::{
    ElementWriter, FileParts, WriteOptions, prepare_meta, write_atomically, write_file,
};

/// Reads `input`, de-identifies it and writes `output`.
pub(super) fn deidentify_file(
    cfg: &Config,
    input: &Path,
    output: &Path,
    overwrite: bool,
) -> Result<Audit> {
    let opts = ReadOptions {
        map: MapPolicy::Always,
        ..ReadOptions::default()
    };
    let mut file = parse_file_with(input, opts)?;
    let audit = cfg.deidentify(Some(&mut file.meta), &mut file.dataset)?;
    let ts = audit.transfer_syntax.unwrap_or(file.transfer_syntax);
    // A complete file meta where the dataset allows; else the meta as it was (a dataset
    // without SOP Class or Instance UID is still de-identified and written).
    let meta = prepare_meta(Some(&file.meta), &file.dataset, ts, true)
        .or_else(|_| prepare_meta(Some(&file.meta), &file.dataset, ts, false))?;
    if let Some(dir) = output
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| DicomError::io_path(&e, "cannot create the directory", dir))?;
    }
    // Refused here rather than by a hard link after writing: the temporary file is then
    // renamed into place, one operation on the directory instead of two (link, unlink),
    // which is what writing many small files into one directory costs. (Another process
    // creating the same output name meanwhile would be replaced.)
    if !overwrite && output.exists() {
        return Err(exists(output));
    }
    let preamble = [0u8; 128];
    let opts = WriteOptions::new(ts);
    match trailing_pixels(&file.dataset, ts) {
        Some((start, len, vr)) => {
            let mut head = file.dataset.clone();
            head.remove(Tag::PIXEL_DATA);
            let parts = FileParts {
                preamble: Some(&preamble),
                meta: meta.as_ref(),
                dataset: &head,
            };
            write_atomically(output, true, |w| {
                write_file(&mut *w, parts, &opts)?;
                let mut ew = ElementWriter::new(&mut *w, ts.encoding());
                ew.header(Tag::PIXEL_DATA, vr, len as u32)?;
                w.flush()
                    .map_err(|e| DicomError::io_path(&e, "cannot write", output))?;
                copy_span(input, start, len, w.get_mut(), output)
            })?;
            // The map (and so what was copied) still matches the file that was read.
            file.dataset.source().check()?;
        }
        None => {
            let parts = FileParts {
                preamble: Some(&preamble),
                meta: meta.as_ref(),
                dataset: &file.dataset,
            };
            write_atomically(output, true, |w| write_file(w, parts, &opts).map(drop))?;
        }
    }
    Ok(audit)
}

/// The span and VR of native Pixel Data that is the dataset's last element, untouched and of
/// defined length, in a file whose bytes are the source's (not deflated).
fn trailing_pixels(ds: &Dataset, ts: &TransferSyntax) -> Option<(usize, usize, crate::VR)> {
    let last = ds.elements().last()?;
    if ts.deflated || last.tag != Tag::PIXEL_DATA || last.length.is_none() {
        return None;
    }
    match last.value {
        ElementValue::Bytes { start, len }
            if u32::try_from(len).is_ok() && len.is_multiple_of(2) =>
        {
            Some((start, len, last.vr))
        }
        _ => None,
    }
}

fn copy_span(input: &Path, start: usize, len: usize, out: &mut File, output: &Path) -> Result<()> {
    let read_err = |e: std::io::Error| DicomError::io_path(&e, "cannot read", input);
    let mut src = File::open(input).map_err(read_err)?;
    src.seek(SeekFrom::Start(start as u64)).map_err(read_err)?;
    let copied = std::io::copy(&mut src.take(len as u64), out)
        .map_err(|e| DicomError::io_path(&e, "cannot write", output))?;
    if copied != len as u64 {
        return Err(DicomError::new(
            ErrorKind::SourceChanged,
            Some(start as u64),
            "(7FE0,0010)",
            format!("the input file ended after {copied} of {len} pixel bytes while copying"),
        ));
    }
    Ok(())
}

fn exists(path: &Path) -> DicomError {
    let mut e = DicomError::new(
        ErrorKind::Io,
        None,
        "",
        format!("{} exists (overwrite=False)", path.display()),
    );
    e.os_error = Some((17, path.to_string_lossy().into_owned()));
    e
}
