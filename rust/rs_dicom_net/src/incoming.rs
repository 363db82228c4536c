//! A received C-STORE instance on its way to a Part 10 file: the names it gets, its file meta
//! information and what the store handler is told. Shared by the SCP's single-thread path
//! (`scp`) and its writer thread (`spool`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rs_dicom::core::{Tag, VR};
use rs_dicom::writer::{FileParts, WriteOptions, write_file};
use rs_dicom::{Dataset, TransferSyntax};

use crate::assoc::Association;
use crate::dimse::{Command, tags};

/// A stored instance, as handed to a [`StoreHandler`](crate::scp::StoreHandler).
#[derive(Debug, Clone)]
pub struct Stored {
    /// The file written.
    pub path: PathBuf,
    /// SOP Class UID from the command.
    pub sop_class: String,
    /// SOP Instance UID from the command.
    pub sop_instance: String,
    /// The transfer syntax of the presentation context.
    pub transfer_syntax: String,
    /// The calling AE title.
    pub calling_ae: String,
    /// Bytes of the data set received.
    pub bytes: u64,
}

/// A file name from a UID: only digits and dots survive.
fn file_name(uid: &str, fallback: u64) -> String {
    let clean: String = uid
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let clean = clean.trim_matches('.');
    if clean.is_empty() || clean.len() > 200 {
        format!("instance_{fallback}.dcm")
    } else {
        format!("{clean}.dcm")
    }
}

fn meta_for(sop_class: &str, sop_instance: &str, ts: &str, calling_ae: &str) -> Dataset {
    let pad = |s: &str, p: u8| {
        let mut b = s.as_bytes().to_vec();
        if b.len() % 2 == 1 {
            b.push(p);
        }
        b
    };
    let mut m = Dataset::new();
    m.set_bytes(Tag(0x0002, 0x0000), VR::UL, vec![0; 4]);
    m.set_bytes(Tag(0x0002, 0x0001), VR::OB, vec![0, 1]);
    m.set_bytes(Tag(0x0002, 0x0002), VR::UI, pad(sop_class, 0));
    m.set_bytes(Tag(0x0002, 0x0003), VR::UI, pad(sop_instance, 0));
    m.set_bytes(Tag(0x0002, 0x0010), VR::UI, pad(ts, 0));
    let class_uid = rs_dicom::writer::IMPLEMENTATION_CLASS_UID;
    m.set_bytes(Tag(0x0002, 0x0012), VR::UI, pad(class_uid, 0));
    let version = rs_dicom::writer::IMPLEMENTATION_VERSION_NAME;
    m.set_bytes(Tag(0x0002, 0x0013), VR::SH, pad(version, b' '));
    if !calling_ae.is_empty() {
        m.set_bytes(Tag(0x0002, 0x0016), VR::AE, pad(calling_ae, b' '));
    }
    m
}

/// The start of a Part 10 file: preamble, "DICM" and the file meta information.
pub(crate) fn file_head(out: &mut impl Write, meta: &Dataset) -> io::Result<()> {
    let parts = FileParts {
        preamble: Some(&[0u8; 128]),
        meta: Some(meta),
        dataset: &Dataset::new(),
    };
    write_file(
        out,
        parts,
        &WriteOptions::new(TransferSyntax::EXPLICIT_VR_LE),
    )
    .map(|_| ())
    .map_err(|e| io::Error::other(e.to_string()))
}

/// What a received instance is: its command's UIDs, its transfer syntax, and the file's
/// final and part names.
pub(crate) struct Incoming {
    ts: String,
    sop_class: String,
    sop_instance: String,
    pub(crate) path: PathBuf,
    pub(crate) part: PathBuf,
    pub(crate) meta: Dataset,
}

impl Incoming {
    pub(crate) fn new(assoc: &Association, ctx: u8, rq: &Command, dir: &Path, n: u64) -> Incoming {
        let ts = assoc
            .context(ctx)
            .map(|c| c.transfer_syntax.clone())
            .unwrap_or_default();
        let sop_class = rq.text(tags::AFFECTED_SOP_CLASS).unwrap_or_default();
        let sop_instance = rq.text(tags::AFFECTED_SOP_INSTANCE).unwrap_or_default();
        let path = dir.join(file_name(&sop_instance, n));
        let part = dir.join(format!(".{n}.{}.part", std::process::id()));
        let meta = meta_for(&sop_class, &sop_instance, &ts, &assoc.peer_ae);
        Incoming {
            ts,
            sop_class,
            sop_instance,
            path,
            part,
            meta,
        }
    }

    /// The file's start (preamble and file meta), and why it could not be made, if it could not.
    pub(crate) fn head(&self) -> (Vec<u8>, Option<io::Error>) {
        let mut head = Vec::with_capacity(512);
        let error = file_head(&mut head, &self.meta).err();
        (head, error)
    }

    pub(crate) fn stored(self, assoc: &Association, bytes: u64) -> Stored {
        Stored {
            path: self.path,
            sop_class: self.sop_class,
            sop_instance: self.sop_instance,
            transfer_syntax: self.ts,
            calling_ae: assoc.peer_ae.clone(),
            bytes,
        }
    }
}
