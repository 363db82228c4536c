//! Fuzz target for the scan of fetched header bytes (`rs_dicom_scan::Scan::wanted` and
//! `Input::Fetched`): the input is a file held elsewhere. Requests grow as `wanted` says
//! until it says enough; they must grow every time and end. The row from the bytes held must
//! equal the row from the whole input, except an error row of a header cut at its defect
//! (a shorter prefix than the input). Nothing may panic.
//!
//! Byte 0 picks the tag set (bit 0: a late tag, bit 1: an "US or SS" tag); the whole input,
//! byte 0 included, is the file.

#![no_main]

use arrow_array::{Array, StructArray};
use libfuzzer_sys::fuzz_target;
use rs_dicom::core::Tag;
use rs_dicom_scan::{Fetched, Input, Scan};

fuzz_target!(|data: &[u8]| {
    let flags = data.first().copied().unwrap_or(0);
    let mut tags = vec![
        Tag(0x0008, 0x0018),
        Tag(0x0010, 0x0010),
        Tag(0x0020, 0x0032),
    ];
    if flags & 1 != 0 {
        tags.push(Tag(0x0028, 0x1053));
    }
    if flags & 2 != 0 {
        tags.push(Tag(0x0018, 0x9810));
    }
    let Ok(scan) = Scan::new(&tags, false) else {
        return;
    };
    let size = data.len() as u64;
    let mut held = data.len().min(rs_dicom_scan::FIRST_REQUEST);
    let mut rounds = 0;
    while let Some(n) = scan.wanted(&data[..held], Some(size)) {
        assert!(n > held, "wanted {n} bytes with {held} held");
        held = n.min(data.len());
        rounds += 1;
        assert!(rounds < 64, "the requests do not end");
    }
    // With no size known, a cut header asks for more than it holds (or says enough).
    if let Some(n) = scan.wanted(&data[..held.min(100)], None) {
        assert!(n > held.min(100));
    }
    let row = |bytes: &[u8]| -> StructArray {
        let input = Input::Fetched(Fetched {
            path: "f".into(),
            size: Some(data.len() as i64),
            mtime: None,
            bytes: Ok(bytes.to_vec()),
        });
        let mut batches = scan.input_batches(&[input]).expect("one batch");
        batches.remove(0)
    };
    let got = row(&data[..held]);
    let whole = row(data);
    if got != whole {
        assert!(
            held < data.len() && !got.column(2).is_null(0),
            "held {held} of {}",
            data.len()
        );
    }
});
