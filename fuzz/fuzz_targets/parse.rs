//! Fuzz target for the rs_dicom reader: parse arbitrary bytes as a Part 10 file, walk and
//! decode every element, and run the raw token reader. An `Err` is fine; a panic, an
//! out-of-bounds span, an unbalanced token stream, a hang or an OOM is a bug.
//!
//! The first input byte selects options (the whole input, first byte included, is parsed):
//! bit 0 `force`, bit 1 `stop_before_pixels`, bits 2-3 the encoding of the raw token pass,
//! bit 4 `stop_after` a tag whose group is the second byte (element 0x0010).

#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use rs_dicom::core::{Dataset, ElementValue};
use rs_dicom::parser::{ElementReader, Encoding, MAX_DEPTH, ReadOptions, Source, Token};
use rs_dicom::value::{self, Value};

fuzz_target!(|data: &[u8]| {
    let flags = data.first().copied().unwrap_or(0);
    let opts = ReadOptions {
        force: flags & 1 != 0,
        stop_before_pixels: flags & 2 != 0,
        stop_after: (flags & 16 != 0)
            .then(|| rs_dicom::core::Tag(u16::from(data.get(1).copied().unwrap_or(0)), 0x0010)),
        ..Default::default()
    };
    if let Ok(file) = rs_dicom::parser::parse_source(Arc::new(Source::Owned(data.to_vec())), opts) {
        if let Some(last) = opts.stop_after {
            assert!(file.dataset.elements().iter().all(|e| e.tag <= last));
        }
        walk(&file.meta, 0);
        walk(&file.dataset, 0);
        let _ = file.transfer_syntax_uid.as_deref().map(str::len);
    }

    let enc = Encoding {
        explicit_vr: flags & 4 != 0,
        big_endian: flags & 8 != 0,
    };
    tokens(data, enc, opts.stop_before_pixels);
});

/// Visits every element of `ds` and its items, decoding each value.
fn walk(ds: &Dataset, depth: usize) {
    assert!(depth <= MAX_DEPTH + 1, "dataset nested {depth} deep");
    let src_len = ds.source().len();
    let elements = ds.elements();
    for w in elements.windows(2) {
        assert!(
            w[0].tag < w[1].tag,
            "elements not sorted/unique: {:?}",
            w[0].tag
        );
    }
    for e in elements {
        assert!(ds.get(e.tag).is_some(), "lookup of {} failed", e.tag);
        match &e.value {
            ElementValue::Bytes { start, len } => {
                assert!(start.checked_add(*len).is_some_and(|end| end <= src_len));
                assert_eq!(ds.bytes_of(e).len(), *len);
            }
            ElementValue::Sequence(items) => {
                for item in items {
                    walk(&item.read(), depth + 1);
                }
            }
            ElementValue::Truncated { start, len, error } => {
                assert!(start.checked_add(*len).is_some_and(|end| end <= src_len));
                assert!(error.offset.is_some(), "{error}");
            }
            ElementValue::Owned(_) => panic!("the parser made an owned value"),
            ElementValue::Encapsulated {
                offset_table,
                fragments,
                ..
            } => {
                for f in std::iter::once(offset_table).chain(fragments) {
                    assert!(
                        f.offset
                            .checked_add(f.len)
                            .is_some_and(|end| end <= src_len)
                    );
                    assert_eq!(ds.fragment_bytes(e, f).len(), f.len);
                }
            }
        }
        let n = value::vm(ds, e);
        match value::decode(ds, e) {
            Value::Text(v) => {
                assert!(!v.is_empty());
                let _ = value::decode_text(ds, e);
            }
            Value::Numbers(v) => assert!(!v.is_empty()),
            // pydicom counts a sequence as one value whatever its item count.
            Value::Sequence(_) => assert_eq!(n, 1),
            Value::Bytes(b) => assert!(b.len() <= src_len),
            Value::Empty
            | Value::Ints(_)
            | Value::UInts(_)
            | Value::Floats(_)
            | Value::Tags(_)
            | Value::Encapsulated => {}
        }
    }
}

/// Runs the raw token reader and checks spans and nesting balance.
fn tokens(data: &[u8], enc: Encoding, stop_before_pixels: bool) {
    let reader = ElementReader::new(data, 0, None, enc).stop_before_pixels(stop_before_pixels);
    let mut open: Vec<u8> = Vec::new(); // b'S' sequence, b'I' item, b'E' encapsulated
    let mut failed = false;
    for token in reader {
        let Ok(token) = token else {
            failed = true;
            break;
        };
        match token {
            Token::Element {
                offset,
                value_offset,
                length,
                ..
            } => {
                assert!(offset < value_offset);
                assert!(value_offset + length as usize <= data.len());
            }
            Token::SequenceStart { offset, .. } => {
                assert!(offset < data.len());
                open.push(b'S');
            }
            Token::ItemStart { offset, length } => {
                assert_eq!(open.last(), Some(&b'S'));
                if let Some(l) = length {
                    assert!(offset + 8 + l as usize <= data.len());
                }
                open.push(b'I');
            }
            Token::ItemEnd => assert_eq!(open.pop(), Some(b'I')),
            Token::SequenceEnd => assert_eq!(open.pop(), Some(b'S')),
            Token::EncapsulatedStart { .. } => open.push(b'E'),
            Token::Fragment { offset, length } => {
                assert_eq!(open.last(), Some(&b'E'));
                assert!(offset + length as usize <= data.len());
            }
            Token::EncapsulatedEnd => assert_eq!(open.pop(), Some(b'E')),
            Token::Truncated { value_offset, .. } => {
                // Only the top-level pixel data may be cut short; the stream ends there.
                assert!(open.is_empty() || open == [b'E'], "{open:?}");
                assert!(value_offset <= data.len());
                open.clear();
            }
        }
        assert!(open.len() <= 2 * MAX_DEPTH + 2, "token nesting too deep");
    }
    if !failed {
        assert!(open.is_empty(), "token stream ended with {open:?} open");
    }
}
