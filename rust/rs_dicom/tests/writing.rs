//! The writer against the reader: unmodified files are written byte for byte as read; every
//! encoding reads back equal; edits are written and read back.

mod common;

use std::sync::Arc;

use common::*;
use rs_dicom::core::{Dataset, Element, SharedDataset, Source, Tag, TransferSyntax, VR};
use rs_dicom::parser::{DicomFile, ReadOptions, parse_source};
use rs_dicom::writer::{FileParts, Lengths, WriteOptions, write_file};

fn parse_bytes(bytes: Vec<u8>) -> DicomFile {
    parse_source(Arc::new(Source::Owned(bytes)), ReadOptions::default()).unwrap()
}

fn write(f: &DicomFile, ts: &'static TransferSyntax, lengths: Lengths) -> Vec<u8> {
    // Files without a preamble (DICM at byte 0) get a zero preamble.
    let preamble = Some(
        f.preamble
            .map_or(&[0u8; 128][..], |p| &f.meta.source().bytes()[p..p + 128]),
    );
    let parts = FileParts {
        preamble,
        meta: Some(&f.meta),
        dataset: &f.dataset,
    };
    let opts = WriteOptions {
        transfer_syntax: ts,
        lengths,
    };
    write_file(Vec::new(), parts, &opts).unwrap()
}

/// Every element, recursively: tag, VR and the value bytes in little endian.
fn flatten(ds: &Dataset, out: &mut Vec<String>) {
    for e in ds.iter() {
        match e.items() {
            Some(items) => {
                out.push(format!("{} SQ {}", e.tag, items.len()));
                for item in items {
                    flatten(&item.read(), out);
                    out.push("end item".into());
                }
            }
            None => {
                let mut b = ds.bytes_of(e).to_vec();
                let w = rs_dicom::writer::swap_size(e.vr);
                if ds.big_endian() && w > 1 {
                    b.chunks_exact_mut(w).for_each(<[u8]>::reverse);
                }
                out.push(format!("{} {} {:02x?}", e.tag, e.vr, b));
            }
        }
    }
}

fn flat(ds: &Dataset) -> Vec<String> {
    let mut v = Vec::new();
    flatten(ds, &mut v);
    v
}

#[test]
fn an_unmodified_file_is_written_byte_for_byte() {
    let sample = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/sample_ct.dcm"
    ))
    .unwrap();
    let f = parse_bytes(sample.clone());
    assert_eq!(write(&f, f.transfer_syntax, Lengths::AsRead), sample);
    let (nested, _) = nested_file();
    let dataset = &nested[parse_bytes(nested.clone()).dataset.offset()..];
    let file = part10(TS_EXPLICIT_LE, dataset, true, true);
    let f = parse_bytes(file.clone());
    assert_eq!(write(&f, f.transfer_syntax, Lengths::AsRead), file);
    let implicit = part10(TS_IMPLICIT_LE, &simple_dataset(IMPLICIT_LE), true, false);
    let f = parse_bytes(implicit.clone());
    assert_eq!(write(&f, f.transfer_syntax, Lengths::AsRead), implicit);
}

#[test]
fn every_encoding_reads_back_equal() {
    let (nested, _) = nested_file();
    let f = parse_bytes(nested);
    let want = flat(&f.dataset);
    for uid in [
        "1.2.840.10008.1.2",
        "1.2.840.10008.1.2.1",
        "1.2.840.10008.1.2.2",
        #[cfg(feature = "deflate")]
        "1.2.840.10008.1.2.1.99",
    ] {
        let ts = TransferSyntax::lookup(uid).unwrap();
        for lengths in [Lengths::AsRead, Lengths::Defined, Lengths::Undefined] {
            let mut meta = f.meta.clone();
            meta.set_bytes(Tag::TRANSFER_SYNTAX_UID, VR::UI, padded_uid(uid));
            let parts = FileParts {
                preamble: Some(&[0u8; 128]),
                meta: Some(&meta),
                dataset: &f.dataset,
            };
            let opts = WriteOptions {
                transfer_syntax: ts,
                lengths,
            };
            let bytes = write_file(Vec::new(), parts, &opts).unwrap();
            let back = parse_bytes(bytes);
            assert_eq!(back.transfer_syntax.uid, uid);
            assert_eq!(flat(&back.dataset), want, "{uid} {lengths:?}");
        }
    }
}

fn padded_uid(uid: &str) -> Vec<u8> {
    let mut v = uid.as_bytes().to_vec();
    if v.len() % 2 == 1 {
        v.push(0);
    }
    v
}

#[test]
fn edits_are_written_and_untouched_values_copied() {
    let (nested, _) = nested_file();
    let f = parse_bytes(nested);
    let mut ds = f.dataset.clone();
    ds.set_bytes(Tag(0x0010, 0x0010), VR::PN, b"Edited^Name ".to_vec());
    let item = SharedDataset::new(Dataset::new());
    item.write()
        .set_bytes(Tag(0x0008, 0x1150), VR::UI, b"1.2.3\0".to_vec());
    ds.insert(Element::sequence(Tag(0x0008, 0x1199), vec![item]));
    let edited = DicomFile {
        dataset: ds.clone(),
        ..f.clone()
    };
    let back = parse_bytes(write(&edited, f.transfer_syntax, Lengths::AsRead));
    assert_eq!(flat(&back.dataset), flat(&ds));
    assert_eq!(text(&back, 0x0010, 0x0010), ["Edited^Name"]);
}

#[test]
fn values_too_long_for_explicit_vr_name_the_tag() {
    let mut ds = Dataset::new();
    ds.set_bytes(Tag(0x0010, 0x4000), VR::LT, vec![b'x'; 70_000]);
    let opts = WriteOptions::new(TransferSyntax::EXPLICIT_VR_LE);
    let err = rs_dicom::writer::write_bare(Vec::new(), &ds, &opts).unwrap_err();
    assert_eq!(err.path, "(0010,4000)");
    let implicit = WriteOptions::new(TransferSyntax::IMPLICIT_VR_LE);
    assert!(rs_dicom::writer::write_bare(Vec::new(), &ds, &implicit).is_ok());
}
