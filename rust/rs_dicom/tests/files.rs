//! The reader on hand-built files: preamble, DICM, file meta and every transfer syntax.

mod common;

use common::*;
use rs_dicom::core::{ElementValue, Tag, VR};
use rs_dicom::parser::ErrorKind;
use rs_dicom::value::{Value, decode, vm};

// ---------------------------------------------------------------------------------------------
// Preamble, DICM and file meta
// ---------------------------------------------------------------------------------------------

#[test]
fn preamble_meta_with_group_length() {
    let data = simple_dataset(EXPLICIT_LE);
    let bytes = part10(TS_EXPLICIT_LE, &data, true, true);
    let data_start = bytes.len() - data.len();
    let f = parse(bytes);
    assert_eq!(f.preamble, Some(0));
    assert_eq!(f.meta.len(), 5);
    assert_eq!(
        ints(&f.meta, 0x0002, 0x0000),
        vec![(meta(TS_EXPLICIT_LE, false).len()) as i64]
    );
    assert_eq!(f.meta.offset(), 132);
    assert_eq!(f.transfer_syntax_uid.as_deref(), Some(TS_EXPLICIT_LE));
    assert!(f.transfer_syntax.explicit_vr && !f.transfer_syntax.big_endian);
    assert_eq!(f.dataset.offset(), data_start);
    assert!(f.dataset.explicit_vr());
    check_simple_dataset(&f);
}

#[test]
fn preamble_meta_without_group_length() {
    let data = simple_dataset(EXPLICIT_LE);
    let f = parse(part10(TS_EXPLICIT_LE, &data, true, false));
    assert_eq!(f.preamble, Some(0));
    assert_eq!(f.meta.len(), 4);
    assert!(!f.meta.contains(Tag(0x0002, 0x0000)));
    assert_eq!(text(&f.meta, 0x0002, 0x0010), vec![TS_EXPLICIT_LE]);
    check_simple_dataset(&f);
}

#[test]
fn dicm_at_offset_zero_without_preamble() {
    let data = simple_dataset(EXPLICIT_LE);
    let bytes = part10(TS_EXPLICIT_LE, &data, false, true);
    let f = parse(bytes);
    assert_eq!(f.preamble, None);
    assert_eq!(f.meta.offset(), 4);
    assert_eq!(f.meta.len(), 5);
    check_simple_dataset(&f);
}

#[test]
fn no_meta_with_force_detects_implicit_le() {
    let f = parse_forced(simple_dataset(IMPLICIT_LE));
    assert!(f.meta.is_empty());
    assert_eq!(f.preamble, None);
    assert_eq!(f.transfer_syntax_uid, None);
    assert!(!f.transfer_syntax.explicit_vr && !f.transfer_syntax.big_endian);
    assert!(!f.dataset.explicit_vr());
    check_simple_dataset(&f);
}

#[test]
fn no_meta_with_force_detects_explicit_le() {
    let f = parse_forced(simple_dataset(EXPLICIT_LE));
    assert!(f.meta.is_empty());
    assert!(f.transfer_syntax.explicit_vr && !f.transfer_syntax.big_endian);
    check_simple_dataset(&f);
}

#[test]
fn no_meta_with_force_detects_explicit_be() {
    let f = parse_forced(simple_dataset(EXPLICIT_BE));
    assert!(f.meta.is_empty());
    assert!(f.transfer_syntax.explicit_vr && f.transfer_syntax.big_endian);
    assert!(f.dataset.big_endian());
    check_simple_dataset(&f);
}

#[test]
fn not_dicom_without_force() {
    // No preamble/DICM: a bare dataset.
    let err = parse_opts(simple_dataset(EXPLICIT_LE), false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotDicom, "{err}");
    // Junk.
    let err = parse_opts(b"hello, world".to_vec(), false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotDicom);
    let err = parse_opts(Vec::new(), false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotDicom);
    // Preamble and DICM but no group 0002.
    let mut bytes = vec![0u8; 128];
    bytes.extend(b"DICM");
    bytes.extend(simple_dataset(EXPLICIT_LE));
    let err = parse_opts(bytes.clone(), false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotDicom);
    // ... which force reads.
    let f = parse_forced(bytes);
    assert_eq!(f.preamble, Some(0));
    check_simple_dataset(&f);
}

#[test]
fn unknown_transfer_syntax_is_an_error() {
    let bytes = part10("1.2.3.4", &simple_dataset(EXPLICIT_LE), true, true);
    let err = parse_opts(bytes, false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnsupportedTransferSyntax);
    assert!(err.to_string().contains("1.2.3.4"));
}

// ---------------------------------------------------------------------------------------------
// Transfer syntaxes
// ---------------------------------------------------------------------------------------------

#[test]
fn implicit_vr_little_endian() {
    let f = parse(part10(
        TS_IMPLICIT_LE,
        &simple_dataset(IMPLICIT_LE),
        true,
        true,
    ));
    assert!(!f.transfer_syntax.explicit_vr);
    assert!(!f.dataset.explicit_vr());
    // VRs come from the dictionary.
    assert_eq!(el(&f, 0x0008, 0x0060).vr, VR::CS);
    assert_eq!(el(&f, 0x0028, 0x9001).vr, VR::UL);
    check_simple_dataset(&f);
}

#[test]
fn explicit_vr_little_endian() {
    let f = parse(part10(
        TS_EXPLICIT_LE,
        &simple_dataset(EXPLICIT_LE),
        true,
        true,
    ));
    assert!(f.dataset.explicit_vr() && !f.dataset.big_endian());
    check_simple_dataset(&f);
}

#[test]
fn explicit_vr_big_endian() {
    let f = parse(part10(
        TS_EXPLICIT_BE,
        &simple_dataset(EXPLICIT_BE),
        true,
        true,
    ));
    assert!(f.transfer_syntax.big_endian);
    assert!(f.dataset.explicit_vr() && f.dataset.big_endian());
    check_simple_dataset(&f);
    // The raw bytes really are big endian.
    assert_eq!(f.raw(Tag(0x0028, 0x0010)), Some(&[0x02, 0x00][..]));
}

#[test]
#[cfg(feature = "deflate")]
fn deflated_explicit_vr_little_endian() {
    let e = EXPLICIT_LE;
    let data = [
        simple_dataset(e),
        e.seq(
            0x0008,
            0x1115,
            &[e.item(&e.text(0x0020, 0x000E, "UI", "1.2.3"), false)],
            false,
        ),
    ]
    .concat();
    let compressed = deflate(&data);
    assert_ne!(compressed, data);
    let f = parse(part10(TS_DEFLATED, &compressed, true, true));
    assert!(f.transfer_syntax.deflated);
    assert_eq!(f.transfer_syntax_uid.as_deref(), Some(TS_DEFLATED));
    // Spans point into the inflated buffer, which starts with the dataset.
    assert_eq!(f.dataset.offset(), 0);
    assert_eq!(f.dataset.source().len(), data.len());
    let seq = items(&f, 0x0008, 0x1115);
    assert_eq!(seq.len(), 1);
    assert_eq!(text(&seq[0], 0x0020, 0x000E), vec!["1.2.3"]);
    assert_eq!(f.len(), 7);
}

#[test]
#[cfg(feature = "deflate")]
fn deflated_garbage_is_malformed() {
    let bytes = part10(TS_DEFLATED, &[0xFF; 64], true, true);
    let err = parse_opts(bytes, false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.to_string().contains("byte offset"), "{err}");
}

fn encapsulated_file(bot: &[u8], fragments: &[&[u8]]) -> Vec<u8> {
    let e = EXPLICIT_LE;
    let data = [
        e.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7"),
        e.us(0x0028, 0x0100, &[8]),
        e.encapsulated(bot, fragments),
    ]
    .concat();
    part10(TS_JPEG_BASELINE, &data, true, true)
}

#[test]
fn compressed_syntax_empty_offset_table() {
    let frags: [&[u8]; 3] = [b"\xFF\xD8ab", b"cdef", b"\xFF\xD9"];
    let f = parse(encapsulated_file(&[], &frags));
    assert!(f.transfer_syntax.encapsulated);
    let px = el(&f, 0x7FE0, 0x0010);
    assert_eq!(px.vr, VR::OB);
    assert_eq!(px.length, None);
    let ElementValue::Encapsulated {
        offset_table,
        fragments,
        ..
    } = &px.value
    else {
        panic!("not encapsulated: {:?}", px.value);
    };
    assert_eq!(offset_table.len, 0);
    assert_eq!(fragments.len(), 3);
    for (frag, want) in fragments.iter().zip(frags) {
        assert_eq!(f.fragment_bytes(px, frag), want);
    }
    assert!(matches!(decode(&f, px), Value::Encapsulated));
    assert_eq!(vm(&f, px), 1);
}

#[test]
fn compressed_syntax_offset_table_and_fragments() {
    let frags: [&[u8]; 2] = [b"frame-one", b"frame-two!"];
    // Two frames at offsets 0 and 8 + 10 (item header + padded first fragment).
    let bot: Vec<u8> = [0u32, 18].iter().flat_map(|v| v.to_le_bytes()).collect();
    let frags_padded: [&[u8]; 2] = [b"frame-one\0", frags[1]];
    let f = parse(encapsulated_file(&bot, &frags_padded));
    let px = el(&f, 0x7FE0, 0x0010);
    let ElementValue::Encapsulated {
        offset_table,
        fragments,
        ..
    } = &px.value
    else {
        panic!("not encapsulated");
    };
    assert_eq!(f.fragment_bytes(px, offset_table), &bot[..]);
    assert_eq!(fragments.len(), 2);
    assert_eq!(f.fragment_bytes(px, &fragments[0]), b"frame-one\0");
    assert_eq!(f.fragment_bytes(px, &fragments[1]), b"frame-two!");
    // The element after the pixel data is not needed: the dataset ends with the delimiter.
    assert_eq!(f.len(), 3);
}

#[test]
fn encapsulated_data_cut_after_its_header_has_an_in_bounds_offset_table() {
    // Found by the fuzzer (crash-cd32c8cf): implicit VR, (7FE0,0010) of undefined length and
    // the data ends right after its header. The empty offset table's span pointed 4 bytes
    // past the end of the source.
    let fuzzed: &[u8] = b"\xd1\xff\0\0\0\0\0\0\xe0\x7f\x10\0\xff\xff\xff\xff";
    let i = IMPLICIT_LE;
    let built = [
        i.text(0x0008, 0x0060, "CS", "OT"),
        i.header(0x7FE0, 0x0010, "OB", UNDEFINED),
    ]
    .concat();
    for bytes in [fuzzed.to_vec(), built] {
        let len = bytes.len();
        let f = parse_forced(bytes);
        let px = el(&f, 0x7FE0, 0x0010);
        let ElementValue::Encapsulated {
            offset_table,
            fragments,
            ..
        } = &px.value
        else {
            panic!("not encapsulated: {:?}", px.value);
        };
        assert!(fragments.is_empty());
        assert_eq!(offset_table.len, 0);
        assert!(
            offset_table.offset + offset_table.len <= len,
            "{offset_table:?} beyond {len}"
        );
        assert!(f.fragment_bytes(px, offset_table).is_empty());
    }
}

#[test]
fn encapsulated_fragment_with_undefined_length_is_malformed() {
    let e = EXPLICIT_LE;
    let mut data = e.header(0x7FE0, 0x0010, "OB", UNDEFINED);
    data.extend(e.tag(0xFFFE, 0xE000));
    data.extend(e.u32(UNDEFINED));
    data.extend([0u8; 16]);
    let err = parse_opts(part10(TS_JPEG_BASELINE, &data, true, true), false, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.to_string().contains("(7FE0,0010)"), "{err}");
}
