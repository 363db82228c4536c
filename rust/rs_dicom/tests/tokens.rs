//! The streaming token reader directly.

mod common;

use common::*;
use rs_dicom::core::{Tag, VR};
use rs_dicom::parser::{ElementReader, Encoding, ErrorKind, Token};

// ---------------------------------------------------------------------------------------------
// The token reader directly
// ---------------------------------------------------------------------------------------------

#[test]
fn token_stream_of_nested_file() {
    let (bytes, l) = nested_file();
    let f = parse(bytes.clone());
    let start = f.dataset.offset();
    let reader = ElementReader::new(&bytes, start, None, Encoding::EXPLICIT_LE);
    let tokens: Vec<Token> = reader.collect::<Result<_, _>>().unwrap();
    let kinds: Vec<&str> = tokens
        .iter()
        .map(|t| match t {
            Token::Element { .. } => "E",
            Token::SequenceStart { .. } => "S",
            Token::ItemStart { .. } => "I",
            Token::ItemEnd => "i",
            Token::SequenceEnd => "s",
            Token::EncapsulatedStart { .. } => "P",
            Token::Fragment { .. } => "F",
            Token::EncapsulatedEnd => "p",
            Token::Truncated { .. } => "T",
        })
        .collect();
    assert_eq!(kinds.concat(), "EESISIEEisEiIEisEE");
    let Token::SequenceStart {
        tag,
        vr,
        offset,
        length,
    } = tokens[2]
    else {
        panic!("{:?}", tokens[2]);
    };
    assert_eq!(
        (tag, vr, offset, length),
        (Tag(0x0008, 0x1115), VR::SQ, l.seq, None)
    );
    let Token::SequenceStart { length, .. } = tokens[4] else {
        panic!("{:?}", tokens[4]);
    };
    assert_eq!(
        length,
        Some((l.ref_image_end - l.ref_image_seq - 12) as u32)
    );
}

#[test]
fn token_reader_reports_tag_path() {
    let e = EXPLICIT_LE;
    let data = [
        e.header(0x0008, 0x1115, "SQ", UNDEFINED),
        e.item(&e.text(0x0020, 0x000E, "UI", "1.2"), false),
        e.tag(0xFFFE, 0xE000),
        e.u32(UNDEFINED).to_vec(),
        e.header(0x0008, 0x1140, "SQ", UNDEFINED),
        e.tag(0xFFFE, 0xE000),
        e.u32(UNDEFINED).to_vec(),
        e.header(0x0008, 0x1155, "UI", 40),
        b"1.2".to_vec(),
    ]
    .concat();
    let mut reader = ElementReader::new(&data, 0, None, Encoding::EXPLICIT_LE);
    let err = reader.find_map(Result::err).expect("an error");
    assert_eq!(err.path, "(0008,1115)[1].(0008,1140)[0].(0008,1155)");
    assert_eq!(err.kind, ErrorKind::Truncated);
    let msg = err.to_string();
    assert!(msg.contains("byte offset"), "{msg}");
    assert!(
        msg.contains("(0008,1115)[1].(0008,1140)[0].(0008,1155)"),
        "{msg}"
    );
    assert_eq!(reader.next(), None, "the reader stops after an error");
}

#[test]
fn dataset_starts_where_the_meta_group_ends_in_the_stream() {
    let e = EXPLICIT_LE;
    // Meta elements out of order: the highest tag (0002,0010) is not the last one written.
    let mut bytes = vec![0u8; 128];
    bytes.extend(b"DICM");
    bytes.extend(e.elem(0x0002, 0x0001, "OB", &[0, 1]));
    bytes.extend(e.text(0x0002, 0x0010, "UI", TS_EXPLICIT_LE));
    bytes.extend(e.text(0x0002, 0x0002, "UI", "1.2.3"));
    bytes.extend(simple_dataset(e));
    let f = parse(bytes);
    assert_eq!(f.meta.len(), 3);
    check_simple_dataset(&f);

    // Meta ending with a (UN) sequence.
    let mut bytes = vec![0u8; 128];
    bytes.extend(b"DICM");
    bytes.extend(e.text(0x0002, 0x0010, "UI", TS_EXPLICIT_LE));
    bytes.extend(e.seq_vr(0x0002, 0x0100, "UN", &[IMPLICIT_LE.item(&[], false)], false));
    bytes.extend(simple_dataset(e));
    let f = parse(bytes);
    assert_eq!(f.meta.len(), 2);
    check_simple_dataset(&f);
}
