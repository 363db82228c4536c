//! De-identification of arbitrary bytes, shared by the `deid` fuzz target and the core's test
//! over mutated corpus files (`rust/rs_dicom/tests/fuzz_deid.rs` includes this file).
//!
//! The first two bytes choose the options (one bit per option of [`Opt::ALL`]); the rest is
//! parsed leniently (`force`). When it parses, de-identification either fails with an error or
//! succeeds, and then:
//! - it is deterministic: a second run on another parse of the same bytes gives the same
//!   dataset, written to the same bytes;
//! - Patient Identity Removed is YES, and the top-level Patient Name and Patient ID (when the
//!   input had non-empty ones) do not keep their values;
//! - without Retain UIDs, a non-empty SOP Instance UID is replaced;
//! - the result writes in Explicit VR Little Endian (or fails with an error naming a tag), and
//!   what is written parses again.

use std::sync::Arc;

use rs_dicom::core::{Dataset, Source, Tag, TransferSyntax, VR};
use rs_dicom::deid::{Config, Opt, Options, PixelRule};
use rs_dicom::parser::{DicomFile, ReadOptions, parse_source};
use rs_dicom::writer::{FileParts, WriteOptions, write_file};

const KEY: &[u8] = b"fuzzing-key-of-the-deid-target";
const IDENTITY_REMOVED: Tag = Tag(0x0012, 0x0062);
const PATIENT_NAME: Tag = Tag(0x0010, 0x0010);
const PATIENT_ID: Tag = Tag(0x0010, 0x0020);
const SOP_INSTANCE_UID: Tag = Tag(0x0008, 0x0018);

fn parse(data: &[u8]) -> Option<DicomFile> {
    let opts = ReadOptions {
        force: true,
        ..Default::default()
    };
    parse_source(Arc::new(Source::Owned(data.to_vec())), opts).ok()
}

fn options(bits: u16) -> Options {
    let mut options = Options::NONE;
    for (i, opt) in Opt::ALL.into_iter().enumerate() {
        // Full and modified dates exclude each other: Config::new refuses both.
        if bits & (1 << i) != 0
            && !(opt == Opt::RetainLongModifiedDates && options.has(Opt::RetainLongFullDates))
        {
            options = options.with(opt);
        }
    }
    options
}

fn trimmed(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|c| !matches!(c, 0 | b' '))
        .map_or(0, |i| i + 1);
    &b[..end]
}

fn write(ds: &Dataset) -> rs_dicom::Result<Vec<u8>> {
    let ts = TransferSyntax::EXPLICIT_VR_LE;
    let mut meta = Dataset::new();
    meta.set_bytes(
        Tag::TRANSFER_SYNTAX_UID,
        VR::UI,
        b"1.2.840.10008.1.2.1\0".to_vec(),
    );
    let parts = FileParts {
        preamble: Some(&[0u8; 128]),
        meta: Some(&meta),
        dataset: ds,
    };
    write_file(Vec::new(), parts, &WriteOptions::new(ts))
}

/// De-identifies one input and checks what must hold; true when it was de-identified and
/// written (so the checks ran to the end).
pub fn run(data: &[u8]) -> bool {
    let Some((head, body)) = data.split_first_chunk::<2>() else {
        return false;
    };
    let options = options(u16::from_le_bytes(*head));
    let Ok(mut cfg) = Config::new(KEY, options) else {
        return false;
    };
    cfg.audit = true;
    cfg.pixel_rules = vec![PixelRule {
        modality: None,
        manufacturer: None,
        rows: None,
        columns: None,
        regions: vec![(0, 0, 3, 2)],
    }];
    let Some(mut first) = parse(body) else {
        return false;
    };
    let before: Vec<(Tag, Vec<u8>)> = [PATIENT_NAME, PATIENT_ID, SOP_INSTANCE_UID]
        .into_iter()
        .filter_map(|t| first.dataset.raw(t).map(|b| (t, trimmed(b).to_vec())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let Ok(_) = cfg.deidentify(Some(&mut first.meta), &mut first.dataset) else {
        return false;
    };
    let ds = &first.dataset;
    assert_eq!(
        ds.raw(IDENTITY_REMOVED).map(trimmed),
        Some(&b"YES"[..]),
        "Patient Identity Removed is YES"
    );
    for (tag, value) in &before {
        if *tag == SOP_INSTANCE_UID && options.has(Opt::RetainUids) {
            continue;
        }
        assert_ne!(
            ds.raw(*tag).map(trimmed),
            Some(&value[..]),
            "{tag} keeps its original value"
        );
    }
    let mut second = parse(body).expect("the same bytes parse again");
    cfg.deidentify(Some(&mut second.meta), &mut second.dataset)
        .expect("a second run on the same bytes succeeds");
    let written = match write(ds) {
        Ok(bytes) => bytes,
        Err(e) => {
            assert!(!e.path.is_empty(), "a write error names a tag: {e}");
            return false;
        }
    };
    let again = write(&second.dataset).expect("the second result writes as the first did");
    assert!(written == again, "de-identification is deterministic");
    parse(&written).expect("what is written parses again");
    true
}
