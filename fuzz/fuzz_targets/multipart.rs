//! Fuzz target for the DICOMweb multipart parser (`rs_dicom::web`): the whole-body parser and
//! the chunk-fed reader must agree on every input (same parts, or both fail), parts written
//! back and parsed again must come out the same, and `Content-Type` parsing must not panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rs_dicom::web::{MultipartReader, parse_content_type, parse_multipart, write_multipart};

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(head % 17) + 1;
    // A short boundary makes accidental delimiters in fuzzed bodies likely.
    let boundary = if head & 0x80 != 0 { "b" } else { "XyZ-1" };
    if let Ok(text) = std::str::from_utf8(rest) {
        if let Ok(ct) = parse_content_type(text) {
            let _ = ct.boundary();
        }
    }
    let whole = parse_multipart(rest, boundary);
    let mut reader = MultipartReader::new(boundary).expect("valid boundary");
    let mut fed = Vec::new();
    let mut failed = false;
    for piece in rest.chunks(chunk) {
        match reader.feed(piece) {
            Ok(parts) => fed.extend(parts),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    let failed = failed || reader.finish().is_err();
    match whole {
        Ok(parts) => {
            assert!(!failed, "whole body parsed, chunks of {chunk} failed");
            assert_eq!(parts.len(), fed.len());
            for (p, (h, b, o)) in parts.iter().zip(&fed) {
                assert_eq!((&p.headers, p.body, p.offset), (h, b.as_slice(), *o));
            }
            let list: Vec<(&str, &[u8])> = parts.iter().map(|p| ("a/b", p.body)).collect();
            if let Ok(again) = write_multipart(&list, boundary) {
                let back = parse_multipart(&again, boundary).expect("own output parses");
                assert_eq!(back.len(), parts.len());
                for (x, y) in back.iter().zip(&parts) {
                    assert_eq!(x.body, y.body);
                }
            }
        }
        Err(_) => assert!(failed, "chunks of {chunk} parsed what the whole-body parser refused"),
    }
});
