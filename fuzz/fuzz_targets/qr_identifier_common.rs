// The invariant of the `qr_identifier` target, shared with
// rust/rs_dicom_net/tests/fuzz_qr.rs.
//
// Any bytes, read as a Q/R identifier in implicit or explicit VR little endian: parsing ends
// in a value or an error, never a panic; an identifier that parses encodes and parses again
// to the same elements; matching it against records and answering it from an index never
// panics, and every answer is at the level asked for; answering it from a worklist never
// panics and every answer holds at most one Scheduled Procedure Step.

use rs_dicom::Dataset;
use rs_dicom::core::{Tag, VR};
use rs_dicom_net::qr::index::{Index, Record};
use rs_dicom_net::qr::matching::dataset_matches;
use rs_dicom_net::qr::worklist;
use rs_dicom_net::qr::{Level, Model, encode_bare, parse_bare, set_text, text_of};

const SYNTAXES: [&str; 2] = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"];

fn record(i: u8) -> Record {
    let mut h = Dataset::new();
    let sop = format!("1.2.3.{i}");
    for (t, vr, v) in [
        (Tag(0x0008, 0x0018), VR::UI, sop.as_str()),
        (Tag(0x0008, 0x0020), VR::DA, "20200315"),
        (Tag(0x0008, 0x0030), VR::TM, "103015.5"),
        (Tag(0x0008, 0x0060), VR::CS, "CT\\MR"),
        (Tag(0x0010, 0x0010), VR::PN, "DOE^JOHN"),
        (Tag(0x0010, 0x0020), VR::LO, "P1"),
        (Tag(0x0020, 0x000D), VR::UI, "1.2.3"),
        (Tag(0x0020, 0x000E), VR::UI, "1.2.3.1"),
    ] {
        set_text(&mut h, t, vr, v);
    }
    Record {
        path: sop.clone().into(),
        sop_class: "1.2.840.10008.5.1.4.1.1.2".into(),
        sop_instance: sop,
        transfer_syntax: SYNTAXES[1].into(),
        header: h,
    }
}

pub fn check(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let ts = SYNTAXES[usize::from(first & 1)];
    let Ok(q) = parse_bare(rest, ts) else {
        return;
    };
    if let Ok(bytes) = encode_bare(&q, ts) {
        let again = parse_bare(&bytes, ts).expect("an encoded identifier parses");
        let tags = |d: &Dataset| d.iter().map(|e| e.tag).collect::<Vec<_>>();
        assert_eq!(tags(&again), tags(&q), "an identifier round-trips");
    }
    let index = Index::new();
    for i in 0..3 {
        let r = record(i);
        let _ = dataset_matches(&q, &r.header);
        index.insert(r);
    }
    for level in Level::ALL {
        for model in [Model::PatientRoot, Model::StudyRoot] {
            for answer in index.find(model, level, &q, "AE") {
                if q.get(rs_dicom_net::qr::QUERY_RETRIEVE_LEVEL).is_some() {
                    let l = text_of(&answer, rs_dicom_net::qr::QUERY_RETRIEVE_LEVEL);
                    assert_eq!(l.as_deref(), Some(level.name()));
                }
            }
            assert!(index.retrieve(model, level, &q).len() <= 3);
        }
    }
    let items: Vec<std::sync::Arc<Dataset>> = (0..3)
        .map(|i| {
            let patient = record(i).header;
            let steps = (0..=i).map(|j| record(j).header).collect();
            std::sync::Arc::new(worklist::with_steps(patient, steps))
        })
        .collect();
    for (answer, _) in worklist::find(&items, &q) {
        let steps = answer.get(worklist::SPS_SEQUENCE).and_then(|e| e.items());
        assert!(steps.is_none_or(|s| s.len() <= 1), "one step per answer");
    }
}
