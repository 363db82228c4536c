//! The writer's round trip, shared by the `write` fuzz target and the core's test over
//! corpus-derived inputs (`rust/rs_dicom/tests/fuzz_write.rs` includes this file).
//!
//! The input is parsed leniently (`force`); what parses is written in Implicit VR Little
//! Endian, Explicit VR Little Endian, Explicit VR Big Endian and Deflated Explicit VR Little
//! Endian, each with sequence lengths as read, all undefined or all defined. Writing may fail
//! (a value too long for explicit VR, pixel data cut short): an error must name a tag. What
//! is written must parse again, and:
//! - in an explicit VR syntax, give the same elements: tags, VRs, items and value bytes (in
//!   little endian) — the reader's resolutions (UN holding a sequence, US or SS) are already
//!   in the first parse;
//! - in implicit VR, give the same top-level tags (VRs come from the dictionary, so values
//!   may be read differently);
//! - written again in the same syntax, give the same bytes (a second save changes nothing).

use std::sync::Arc;

use rs_dicom::core::{Dataset, ElementValue, Source, Tag, TransferSyntax, VR};
use rs_dicom::parser::{DicomFile, ReadOptions, parse_source};
use rs_dicom::writer::{FileParts, Lengths, WriteOptions, swap_size, write_file};

const SYNTAXES: [&str; 4] = [
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99",
];

fn parse(data: Vec<u8>, force: bool) -> rs_dicom::Result<DicomFile> {
    let opts = ReadOptions {
        force,
        ..Default::default()
    };
    parse_source(Arc::new(Source::Owned(data)), opts)
}

fn meta_for(ts: &TransferSyntax) -> Dataset {
    let mut uid = ts.uid.as_bytes().to_vec();
    if uid.len() % 2 == 1 {
        uid.push(0);
    }
    let mut meta = Dataset::new();
    meta.set_bytes(Tag::TRANSFER_SYNTAX_UID, VR::UI, uid);
    meta
}

fn write(ds: &Dataset, ts: &'static TransferSyntax, lengths: Lengths) -> rs_dicom::Result<Vec<u8>> {
    let meta = meta_for(ts);
    let parts = FileParts {
        preamble: Some(&[0u8; 128]),
        meta: Some(&meta),
        dataset: ds,
    };
    let opts = WriteOptions {
        transfer_syntax: ts,
        lengths,
    };
    write_file(Vec::new(), parts, &opts)
}

/// Every element, recursively: tag, VR and the value bytes in little endian (group lengths,
/// which the writer recomputes, without their value).
fn flatten(ds: &Dataset, out: &mut Vec<String>) {
    for e in ds.iter() {
        match &e.value {
            ElementValue::Sequence(items) => {
                out.push(format!("{} SQ {}", e.tag, items.len()));
                for item in items {
                    flatten(&item.read(), out);
                    out.push("end item".into());
                }
            }
            ElementValue::Encapsulated { fragments, .. } => {
                out.push(format!("{} {} encapsulated", e.tag, e.vr));
                for f in fragments {
                    out.push(format!("{:02x?}", ds.fragment_bytes(e, f)));
                }
            }
            _ if e.tag.is_group_length() => out.push(format!("{} group length", e.tag)),
            _ => {
                let mut b = ds.bytes_of(e).to_vec();
                let w = swap_size(e.vr);
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

/// Runs the round trip on one input; panics on a broken invariant.
pub fn run(data: &[u8]) {
    let Ok(file) = parse(data.to_vec(), true) else {
        return;
    };
    let want = flat(&file.dataset);
    let lengths = match data.first().map(|b| b % 3) {
        Some(1) => Lengths::Undefined,
        Some(2) => Lengths::Defined,
        _ => Lengths::AsRead,
    };
    for uid in SYNTAXES {
        let Some(ts) = TransferSyntax::lookup(uid) else {
            continue;
        };
        let bytes = match write(&file.dataset, ts, lengths) {
            Ok(b) => b,
            Err(e) => {
                assert!(!e.path.is_empty(), "a write error names no tag: {e}");
                continue;
            }
        };
        let back = match parse(bytes.clone(), false) {
            Ok(f) => f,
            Err(e) => panic!("{uid} {lengths:?}: what was written does not parse: {e}"),
        };
        assert_eq!(back.transfer_syntax.uid, uid);
        if ts.explicit_vr {
            assert_eq!(flat(&back.dataset), want, "{uid} {lengths:?}");
        } else {
            let tags = |ds: &Dataset| ds.iter().map(|e| e.tag).collect::<Vec<_>>();
            assert_eq!(
                tags(&back.dataset),
                tags(&file.dataset),
                "{uid} {lengths:?}"
            );
        }
        let again = write(&back.dataset, ts, lengths)
            .unwrap_or_else(|e| panic!("{uid} {lengths:?}: a second save fails: {e}"));
        assert!(again == bytes, "{uid} {lengths:?}: a second save differs");
    }
}
