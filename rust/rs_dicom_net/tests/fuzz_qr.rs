//! The `qr_identifier` fuzz target's invariant (fuzz/fuzz_targets/qr_identifier_common.rs)
//! over valid identifiers and a few thousand seeded mutations of them: byte changes,
//! truncations and extreme length fields (Q/R and Modality Worklist queries).

#[path = "../../../fuzz/fuzz_targets/qr_identifier_common.rs"]
mod qr_identifier_common;

use rs_dicom::core::{Element, Tag, VR};
use rs_dicom::{Dataset, SharedDataset};
use rs_dicom_net::qr::{QUERY_RETRIEVE_LEVEL, encode_bare, set_text};

fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (level, key, vr, value) in [
        ("STUDY", Tag(0x0010, 0x0010), VR::PN, "DOE*"),
        ("SERIES", Tag(0x0008, 0x0020), VR::DA, "20200101-"),
        ("IMAGE", Tag(0x0020, 0x000D), VR::UI, "1.2.3\\1.2.4"),
        ("PATIENT", Tag(0x0008, 0x0030), VR::TM, "1030-1031"),
    ] {
        let mut q = Dataset::new();
        set_text(&mut q, QUERY_RETRIEVE_LEVEL, VR::CS, level);
        set_text(&mut q, key, vr, value);
        set_text(&mut q, Tag(0x0020, 0x1208), VR::IS, "");
        let mut item = Dataset::new();
        set_text(&mut item, Tag(0x0008, 0x0100), VR::SH, "C?DE");
        q.insert(Element::sequence(
            Tag(0x0008, 0x1032),
            vec![SharedDataset::new(item)],
        ));
        for (flag, ts) in [(0u8, "1.2.840.10008.1.2"), (1, "1.2.840.10008.1.2.1")] {
            let mut b = vec![flag];
            b.extend(encode_bare(&q, ts).unwrap());
            out.push(b);
        }
    }
    // A worklist query: patient keys and the step keys in the Scheduled Procedure Step item.
    let mut q = Dataset::new();
    set_text(&mut q, Tag(0x0010, 0x0010), VR::PN, "DOE*");
    let mut step = Dataset::new();
    set_text(&mut step, Tag(0x0008, 0x0060), VR::CS, "CT");
    set_text(&mut step, Tag(0x0008, 0x0020), VR::DA, "20200101-");
    set_text(&mut step, Tag(0x0040, 0x0001), VR::AE, "");
    let items = vec![SharedDataset::new(step)];
    q.insert(Element::sequence(Tag(0x0040, 0x0100), items));
    let mut b = vec![1u8];
    b.extend(encode_bare(&q, "1.2.840.10008.1.2.1").unwrap());
    out.push(b);
    out
}

#[test]
fn qr_identifier_invariant_holds_on_seeds_and_mutations() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in seeds() {
        qr_identifier_common::check(&seed);
        for _ in 0..500 {
            let mut m = seed.clone();
            match next() % 3 {
                0 => {
                    let i = (next() as usize) % m.len();
                    m[i] = next() as u8;
                }
                1 => m.truncate((next() as usize) % m.len()),
                _ => {
                    let i = 1 + (next() as usize) % (m.len() - 1);
                    let end = (i + 4).min(m.len());
                    m[i..end].fill(0xFF);
                }
            }
            qr_identifier_common::check(&m);
        }
    }
}
