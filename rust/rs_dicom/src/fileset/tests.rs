//! Record trees written and read back, and DICOMDIRs whose offsets lie.

use super::*;
use crate::core::{Dataset, Element, VR};
use crate::parser::parse_bytes;

fn sample() -> crate::parser::DicomFile {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sample_ct.dcm");
    crate::parse_file(path).expect("the sample file reads")
}

fn text(ds: &Dataset, tag: crate::Tag) -> String {
    ds.get(tag)
        .map(|e| crate::value::decode_text(ds, e).trim_end().to_string())
        .unwrap_or_default()
}

/// A tree of `patients` x 2 studies x 2 series x 3 instances built from the sample.
fn tree(patients: usize) -> Vec<Node> {
    let f = sample();
    let mut roots = Vec::new();
    for p in 0..patients {
        let mut studies = Vec::new();
        let mut patient = None;
        for s in 0..2 {
            let mut series_nodes = Vec::new();
            let mut study = None;
            for e in 0..2 {
                let mut leaves = Vec::new();
                let mut series = None;
                for i in 0..3 {
                    let id = FileId::parse(&format!("P{p}/S{s}/E{e}/I{i}")).expect("valid");
                    let [pt, st, se, leaf]: [Dataset; 4] =
                        build_records(&f.dataset, Some(&f.meta), &id)
                            .expect("records")
                            .try_into()
                            .expect("four records");
                    leaves.push(Node::new(leaf));
                    patient.get_or_insert(pt);
                    study.get_or_insert(st);
                    series.get_or_insert(se);
                }
                series_nodes.push(Node::with(series.unwrap_or_default(), leaves));
            }
            studies.push(Node::with(study.unwrap_or_default(), series_nodes));
        }
        roots.push(Node::with(patient.unwrap_or_default(), studies));
    }
    roots
}

#[test]
fn written_tree_reads_back_in_the_same_shape() {
    let bytes = write_dicomdir(&tree(3), &FileSetInfo::new("RS_TEST")).expect("written");
    let file = parse_bytes(bytes).expect("parses");
    let t = read_records(&file.dataset).expect("records");
    assert_eq!(t.records.len(), 3 * (1 + 2 * (1 + 2 * (1 + 3))));
    assert_eq!(t.roots.len(), 3);
    assert!(t.unreached.is_empty());
    let leaves: Vec<String> = t
        .records
        .iter()
        .filter(|r| r.record_type == "IMAGE")
        .map(|r| text(&r.dataset.read(), REFERENCED_FILE_ID))
        .collect();
    assert_eq!(leaves.len(), 36);
    assert_eq!(leaves[0], "P0\\S0\\E0\\I0");
    assert_eq!(leaves[35], "P2\\S1\\E1\\I2");
    for r in &t.records {
        let expected = match r.parent.map(|p| t.records[p].record_type.as_str()) {
            None => "PATIENT",
            Some("PATIENT") => "STUDY",
            Some("STUDY") => "SERIES",
            Some(_) => "IMAGE",
        };
        assert_eq!(r.record_type, expected);
        // The item sequence is written depth-first, which is the order of the tree.
        assert_eq!(
            r.item,
            t.records
                .iter()
                .position(|x| x.offset == r.offset)
                .unwrap_or(99)
        );
    }
    assert_eq!(text(&file.dataset, FILE_SET_ID), "RS_TEST");
}

#[test]
fn implicit_vr_and_empty_file_sets() {
    let mut info = FileSetInfo::new("");
    info.implicit_vr = true;
    let bytes = write_dicomdir(&tree(1), &info).expect("written");
    let t = read_records(&parse_bytes(bytes).expect("parses").dataset).expect("records");
    assert_eq!(t.records.len(), 1 + 2 * (1 + 2 * 4));
    let empty = write_dicomdir(&[], &FileSetInfo::new("EMPTY")).expect("written");
    let t = read_records(&parse_bytes(empty).expect("parses").dataset).expect("records");
    assert!(t.records.is_empty());
}

/// A written DICOMDIR whose first record's `tag` offset is set to `value`.
fn with_offset(tag: crate::Tag, value: u32) -> crate::DicomError {
    let bytes = write_dicomdir(&tree(1), &FileSetInfo::new("X")).expect("written");
    let file = parse_bytes(bytes).expect("parses");
    let seq = file
        .dataset
        .get(DIRECTORY_RECORD_SEQUENCE)
        .and_then(Element::items);
    let first = seq.and_then(|s| s.first()).expect("a record");
    first
        .write()
        .insert(Element::new(tag, VR::UL, value.to_le_bytes().to_vec()));
    read_records(&file.dataset).expect_err("the offset is wrong")
}

#[test]
fn offsets_that_lie_are_errors() {
    let err = with_offset(LOWER_LEVEL, 12345);
    assert!(
        err.message.contains("points at no directory record"),
        "{err}"
    );
    assert!(err.path.contains("(0004,1420)"), "{err}");
    let bytes = write_dicomdir(&tree(1), &FileSetInfo::new("X")).expect("written");
    let root = parse_bytes(bytes).expect("parses");
    let first = read_records(&root.dataset).expect("records").records[0].offset;
    let err = with_offset(LOWER_LEVEL, u32::try_from(first).unwrap_or(0));
    assert!(err.message.contains("reached twice"), "{err}");
}

#[test]
fn not_a_dicomdir() {
    let err = read_records(&sample().dataset).expect_err("no record sequence");
    assert!(err.message.contains("not a DICOMDIR"));
}

#[test]
fn instance_records_carry_their_keys() {
    let f = sample();
    let id = FileId::parse("CT/IM1").expect("valid");
    let [patient, study, series, leaf]: [Dataset; 4] =
        build_records(&f.dataset, Some(&f.meta), &id)
            .expect("ok")
            .try_into()
            .expect("four records");
    assert_eq!(text(&patient, RECORD_TYPE), "PATIENT");
    assert!(patient.contains(crate::Tag(0x0010, 0x0020)));
    assert_eq!(
        text(&study, crate::Tag(0x0020, 0x000D)),
        text(&f.dataset, crate::Tag(0x0020, 0x000D))
    );
    assert_eq!(
        text(&series, crate::Tag(0x0008, 0x0060)),
        text(&f.dataset, crate::Tag(0x0008, 0x0060))
    );
    assert_eq!(text(&leaf, REFERENCED_FILE_ID), "CT\\IM1");
    assert_eq!(text(&leaf, RECORD_TYPE), "IMAGE");
    let mut no_id = f.dataset.clone();
    no_id.remove(crate::Tag(0x0010, 0x0020));
    let err = build_records(&no_id, Some(&f.meta), &id).expect_err("PatientID is Type 1");
    assert!(err.message.contains("PatientID"), "{err}");
}
