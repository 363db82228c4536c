//! What the tests of both models use: the sample file, and a dataset written to a Part 10
//! file and read back.

use std::sync::Arc;

use crate::core::{Dataset, Source, TransferSyntax};
use crate::parser::{DicomFile, ReadOptions, parse_file, parse_source};
use crate::writer::{FileParts, WriteOptions, write_file};

/// examples/sample_ct.dcm, read.
pub fn sample() -> DicomFile {
    parse_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/sample_ct.dcm"
    ))
    .unwrap()
}

/// `ds` written as a Part 10 file (explicit VR little endian) and read back.
pub fn through_a_file(ds: &Dataset) -> Dataset {
    let parts = FileParts {
        preamble: Some(&[0; 128]),
        meta: None,
        dataset: ds,
    };
    let bytes = write_file(
        Vec::new(),
        parts,
        &WriteOptions::new(TransferSyntax::EXPLICIT_VR_LE),
    )
    .unwrap();
    let opts = ReadOptions {
        force: true,
        ..Default::default()
    };
    parse_source(Arc::new(Source::Owned(bytes)), opts)
        .unwrap()
        .dataset
}
