//! The `dicomdir` fuzz target's round trip (fuzz/fuzz_targets/dicomdir_common.rs) over
//! DICOMDIRs written from the sample CT and their mutations: every offset field set to values
//! that point nowhere, into the middle of an item, at the record itself or at the first one
//! (loops); single bytes changed and the file cut short at regular steps.

#[path = "../../../fuzz/fuzz_targets/dicomdir_common.rs"]
mod dicomdir_common;

use rs_dicom::fileset::{FileId, FileSetInfo, Node, build_records, read_records, write_dicomdir};
use rs_dicom::{Tag, parse_bytes, parse_file};

const OFFSET_TAGS: [Tag; 4] = [
    Tag(0x0004, 0x1200),
    Tag(0x0004, 0x1202),
    Tag(0x0004, 0x1400),
    Tag(0x0004, 0x1420),
];

/// A DICOMDIR of `patients` patients, each with one study of one series of `images` images.
fn seed(patients: usize, images: usize, implicit_vr: bool) -> Vec<u8> {
    let sample = parse_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/sample_ct.dcm"
    ))
    .unwrap();
    let mut roots = Vec::new();
    for p in 0..patients {
        let mut leaves = Vec::new();
        let mut above = Vec::new();
        for i in 0..images {
            let id = FileId::parse(&format!("P{p}/IM{i}")).unwrap();
            let mut records = build_records(&sample.dataset, Some(&sample.meta), &id).unwrap();
            leaves.push(Node::new(records.pop().unwrap()));
            above = records;
        }
        let mut node = Node::with(above.pop().unwrap(), leaves);
        while let Some(record) = above.pop() {
            node = Node::with(record, vec![node]);
        }
        roots.push(node);
    }
    let mut info = FileSetInfo::new("SEED");
    info.implicit_vr = implicit_vr;
    write_dicomdir(&roots, &info).unwrap()
}

/// Byte positions of the offset values, and the offsets of the record items.
fn offset_fields(bytes: &[u8]) -> (Vec<usize>, Vec<u32>) {
    let file = parse_bytes(bytes.to_vec()).unwrap();
    let tree = read_records(&file.dataset).unwrap();
    let mut fields = Vec::new();
    let mut add = |ds: &rs_dicom::Dataset| {
        for tag in OFFSET_TAGS {
            if let Some(e) = ds.get(tag) {
                // The value follows an 8-byte header (explicit VR UL, or implicit VR).
                fields.push(e.offset + 8);
            }
        }
    };
    add(&file.dataset);
    for r in &tree.records {
        add(&r.dataset.read());
    }
    let items = tree.records.iter().map(|r| r.offset as u32).collect();
    (fields, items)
}

#[test]
fn seeds_round_trip() {
    for (p, i, implicit) in [(1, 1, false), (2, 3, false), (3, 2, true)] {
        let bytes = seed(p, i, implicit);
        let tree = read_records(&parse_bytes(bytes.clone()).unwrap().dataset).unwrap();
        assert_eq!(tree.records.len(), p * (3 + i));
        dicomdir_common::run(&bytes);
    }
}

#[test]
fn damaged_offsets_read_or_fail_cleanly() {
    let mut runs = 0;
    for (p, i, implicit) in [(2, 3, false), (2, 2, true)] {
        let bytes = seed(p, i, implicit);
        let (fields, items) = offset_fields(&bytes);
        for &at in &fields {
            let mut values = vec![0, 1, 7, u32::MAX, bytes.len() as u32, items[0]];
            values.extend(items.iter().map(|o| o + 2));
            values.extend(items.iter().copied());
            for v in values {
                let mut damaged = bytes.clone();
                damaged[at..at + 4].copy_from_slice(&v.to_le_bytes());
                dicomdir_common::run(&damaged);
                runs += 1;
            }
        }
    }
    assert!(runs > 500, "{runs}");
}

#[test]
fn changed_bytes_and_truncations() {
    let bytes = seed(2, 2, false);
    for at in (0..bytes.len()).step_by(5) {
        for v in [0x00, 0xFF, bytes[at].wrapping_add(1)] {
            let mut damaged = bytes.clone();
            damaged[at] = v;
            dicomdir_common::run(&damaged);
        }
    }
    for end in (0..bytes.len()).step_by(11) {
        dicomdir_common::run(&bytes[..end]);
    }
}
