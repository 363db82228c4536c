//! The reader on hand-built files: lengths, VRs, sequences and stop_before_pixels.

mod common;

use common::*;
use rs_dicom::core::{Tag, VR};
use rs_dicom::value::{Value, decode, text_values, vm};
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------------
// Lengths and VRs
// ---------------------------------------------------------------------------------------------

#[test]
fn sixteen_and_thirty_two_bit_lengths() {
    let e = EXPLICIT_LE;
    let long_text = "x".repeat(70_000); // only representable with a 32-bit length
    let data = [
        e.text(0x0008, 0x0070, "LO", "Maker"),
        e.text(0x0008, 0x0119, "UC", "long code value"),
        e.text(0x0008, 0x0120, "UR", "http://example.invalid/"),
        e.elem(0x0009, 0x1002, "OL", &1u32.to_le_bytes()),
        e.elem(0x0009, 0x1003, "SV", &(-5i64).to_le_bytes()),
        e.elem(0x0009, 0x1004, "UV", &7u64.to_le_bytes()),
        e.elem(0x0009, 0x1005, "OW", &[1, 0, 2, 0]),
        e.text(0x0018, 0x1030, "LO", "Protocol"),
        e.text(0x0020, 0x4000, "LT", "Comments"),
        e.text(0x0040, 0xA160, "UT", &long_text),
        e.elem(0x7FE0, 0x0010, "OB", &[9, 8, 7, 6]),
    ]
    .concat();
    let f = parse(part10(TS_EXPLICIT_LE, &data, true, true));
    assert_eq!(f.len(), 11);
    assert_eq!(text(&f, 0x0008, 0x0070), vec!["Maker"]);
    assert_eq!(text(&f, 0x0008, 0x0119), vec!["long code value"]);
    assert_eq!(text(&f, 0x0008, 0x0120), vec!["http://example.invalid/"]);
    assert_eq!(el(&f, 0x0009, 0x1002).vr, VR::OL);
    assert_eq!(ints(&f, 0x0009, 0x1003), vec![-5]);
    assert!(matches!(decode(&f, el(&f, 0x0009, 0x1004)), Value::UInts(v) if v == [7]));
    assert_eq!(f.raw(Tag(0x0009, 0x1005)), Some(&[1, 0, 2, 0][..]));
    assert_eq!(text(&f, 0x0018, 0x1030), vec!["Protocol"]);
    assert_eq!(text(&f, 0x0020, 0x4000), vec!["Comments"]);
    let ut = el(&f, 0x0040, 0xA160);
    assert_eq!(ut.length, Some(70_000));
    assert_eq!(text_values(&f, ut)[0].len(), 70_000);
    assert_eq!(f.raw(Tag::PIXEL_DATA), Some(&[9, 8, 7, 6][..]));
    assert_eq!(el(&f, 0x7FE0, 0x0010).vr, VR::OB);
}

#[test]
fn unknown_upper_case_vr_reads_sixteen_bit_length_as_un() {
    let e = EXPLICIT_LE;
    let mut data = e.text(0x0008, 0x0060, "CS", "OT");
    data.extend(e.tag(0x0009, 0x1010));
    data.extend(b"ZZ");
    data.extend(e.u16(4));
    data.extend(b"abcd");
    data.extend(e.text(0x0010, 0x0010, "PN", "Doe"));
    let f = parse(part10(TS_EXPLICIT_LE, &data, true, true));
    assert_eq!(el(&f, 0x0009, 0x1010).vr, VR::UN);
    assert_eq!(f.raw(Tag(0x0009, 0x1010)), Some(&b"abcd"[..]));
    assert_eq!(text(&f, 0x0010, 0x0010), vec!["Doe"]);
}

#[test]
fn odd_lengths() {
    for enc in [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE] {
        let data = [
            enc.elem(0x0008, 0x0070, "LO", b"abc"),
            enc.elem(0x0010, 0x0010, "PN", b"Doe^J"),
            enc.us(0x0028, 0x0010, &[3]),
        ]
        .concat();
        let f = parse_forced(data);
        assert_eq!(el(&f, 0x0008, 0x0070).length, Some(3));
        assert_eq!(text(&f, 0x0008, 0x0070), vec!["abc"]);
        assert_eq!(text(&f, 0x0010, 0x0010), vec!["Doe^J"]);
        assert_eq!(ints(&f, 0x0028, 0x0010), vec![3], "{enc:?}");
    }
}

#[test]
fn multi_valued_and_empty_values() {
    let e = EXPLICIT_LE;
    let data = [
        e.text(0x0008, 0x0008, "CS", "ORIGINAL\\PRIMARY\\AXIAL"),
        e.elem(0x0008, 0x0070, "LO", b""),
        e.us(0x0028, 0x0010, &[1, 2, 3]),
        e.text(0x0028, 0x0030, "DS", "0.5\\0.25"),
    ]
    .concat();
    let f = parse(part10(TS_EXPLICIT_LE, &data, true, true));
    assert_eq!(
        text(&f, 0x0008, 0x0008),
        vec!["ORIGINAL", "PRIMARY", "AXIAL"]
    );
    assert_eq!(vm(&f, el(&f, 0x0008, 0x0008)), 3);
    assert!(matches!(decode(&f, el(&f, 0x0008, 0x0070)), Value::Empty));
    assert_eq!(vm(&f, el(&f, 0x0008, 0x0070)), 0);
    assert_eq!(ints(&f, 0x0028, 0x0010), vec![1, 2, 3]);
    assert_eq!(vm(&f, el(&f, 0x0028, 0x0010)), 3);
    assert_eq!(vm(&f, el(&f, 0x0028, 0x0030)), 2);
}

// ---------------------------------------------------------------------------------------------
// Sequences
// ---------------------------------------------------------------------------------------------

#[test]
fn undefined_length_sequence_and_items() {
    for enc in [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE] {
        let data = [
            enc.text(0x0008, 0x0016, "UI", "1.2"),
            enc.seq(
                0x0008,
                0x1115,
                &[
                    enc.item(&enc.text(0x0020, 0x000E, "UI", "1.2.3"), false),
                    enc.item(
                        &[
                            enc.text(0x0008, 0x0060, "CS", "CT"),
                            enc.text(0x0020, 0x000E, "UI", "1.2.4"),
                        ]
                        .concat(),
                        false,
                    ),
                    enc.item(&[], false),
                ],
                false,
            ),
            enc.text(0x0010, 0x0010, "PN", "After^Seq"),
        ]
        .concat();
        let f = parse_forced(data);
        assert_eq!(f.len(), 3, "{enc:?}");
        let sq = el(&f, 0x0008, 0x1115);
        assert_eq!(sq.vr, VR::SQ);
        assert_eq!(sq.length, None);
        assert_eq!(vm(&f, sq), 1, "a sequence is one value, as in pydicom");
        let it = items(&f, 0x0008, 0x1115);
        assert_eq!(it.len(), 3);
        assert_eq!(text(&it[0], 0x0020, 0x000E), vec!["1.2.3"]);
        assert_eq!(text(&it[1], 0x0008, 0x0060), vec!["CT"]);
        assert_eq!(text(&it[1], 0x0020, 0x000E), vec!["1.2.4"]);
        assert!(it[2].is_empty());
        assert_eq!(it[1].big_endian(), enc.be);
        assert_eq!(it[1].explicit_vr(), enc.explicit);
        assert_eq!(text(&f, 0x0010, 0x0010), vec!["After^Seq"]);
    }
}

#[test]
fn defined_length_sequence_and_items() {
    for enc in [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE] {
        let item0 = enc.item(&enc.text(0x0020, 0x000E, "UI", "1.2.3"), true);
        let item1 = enc.item(&enc.us(0x0028, 0x0010, &[7]), true);
        let data = [
            enc.seq(0x0008, 0x1115, &[item0.clone(), item1.clone()], true),
            enc.text(0x0010, 0x0010, "PN", "After^Seq"),
        ]
        .concat();
        let f = parse_forced(data);
        let sq = el(&f, 0x0008, 0x1115);
        assert_eq!(sq.length, Some((item0.len() + item1.len()) as u32));
        let it = items(&f, 0x0008, 0x1115);
        assert_eq!(it.len(), 2, "{enc:?}");
        assert_eq!(text(&it[0], 0x0020, 0x000E), vec!["1.2.3"]);
        assert_eq!(ints(&it[1], 0x0028, 0x0010), vec![7]);
        assert_eq!(text(&f, 0x0010, 0x0010), vec!["After^Seq"]);
        // Empty defined-length sequence.
        let f = parse_forced(enc.seq(0x0008, 0x1115, &[], true));
        assert_eq!(items(&f, 0x0008, 0x1115).len(), 0);
    }
}

#[test]
fn nested_sequences_three_deep() {
    for enc in [IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE] {
        // ContentSequence > ContentSequence > ContentSequence > TextValue, alternating
        // defined and undefined lengths.
        let level3 = enc.seq(
            0x0040,
            0xA730,
            &[enc.item(&enc.text(0x0040, 0xA160, "UT", "deep"), true)],
            false,
        );
        let level2 = enc.seq(0x0040, 0xA730, &[enc.item(&level3, false)], true);
        let level1 = enc.seq(
            0x0040,
            0xA730,
            &[
                enc.item(&level2, true),
                enc.item(&enc.text(0x0040, 0xA160, "UT", "shallow"), false),
            ],
            false,
        );
        let data = [level1, enc.text(0x0040, 0xA040, "CS", "TEXT")].concat();
        let f = parse_forced(data);
        let l1 = items(&f, 0x0040, 0xA730);
        assert_eq!(l1.len(), 2);
        assert_eq!(text(&l1[1], 0x0040, 0xA160), vec!["shallow"]);
        let l2 = items(&l1[0], 0x0040, 0xA730);
        assert_eq!(l2.len(), 1);
        let l3 = items(&l2[0], 0x0040, 0xA730);
        assert_eq!(l3.len(), 1);
        assert_eq!(text(&l3[0], 0x0040, 0xA160), vec!["deep"], "{enc:?}");
        assert_eq!(text(&f, 0x0040, 0xA040), vec!["TEXT"]);
    }
}

#[test]
fn implicit_defined_length_sequence_found_via_dictionary() {
    let enc = IMPLICIT_LE;
    let inner = enc.text(0x0020, 0x000E, "UI", "1.2.3.4");
    let data = [
        enc.text(0x0008, 0x0016, "UI", "1.2"),
        // (0008,1115) ReferencedSeriesSequence with a defined length: only the dictionary
        // says it is a sequence.
        enc.seq(0x0008, 0x1115, &[enc.item(&inner, true)], true),
        enc.text(0x0010, 0x0010, "PN", "Doe"),
    ]
    .concat();
    let f = parse(part10(TS_IMPLICIT_LE, &data, true, true));
    let sq = el(&f, 0x0008, 0x1115);
    assert_eq!(sq.vr, VR::SQ);
    let it = items(&f, 0x0008, 0x1115);
    assert_eq!(it.len(), 1);
    assert_eq!(text(&it[0], 0x0020, 0x000E), vec!["1.2.3.4"]);
    assert_eq!(el(&it[0], 0x0020, 0x000E).vr, VR::UI);
    assert_eq!(text(&f, 0x0010, 0x0010), vec!["Doe"]);
}

#[test]
fn implicit_undefined_length_unknown_tag_is_a_sequence() {
    // A private tag with undefined length in implicit VR can only be a sequence.
    let enc = IMPLICIT_LE;
    let data = [
        enc.text(0x0009, 0x0010, "LO", "ACME"),
        enc.seq(
            0x0009,
            0x1001,
            &[enc.item(&enc.text(0x0010, 0x0010, "PN", "In^Private"), false)],
            false,
        ),
    ]
    .concat();
    let f = parse_forced(data);
    let it = items(&f, 0x0009, 0x1001);
    assert_eq!(text(&it[0], 0x0010, 0x0010), vec!["In^Private"]);
}

#[test]
fn un_with_undefined_length_is_an_implicit_vr_sequence() {
    for outer in [EXPLICIT_LE, EXPLICIT_BE] {
        // Items of a UN sequence are implicit VR little endian, whatever the outer encoding.
        let inner = IMPLICIT_LE;
        let item = inner.item(
            &[
                inner.text(0x0008, 0x0100, "SH", "CODE"),
                inner.us(0x0028, 0x0010, &[0x0201]),
            ]
            .concat(),
            false,
        );
        let mut un = outer.header(0x0009, 0x1001, "UN", UNDEFINED);
        un.extend(item);
        un.extend(inner.seq_delim());
        let data = [
            outer.text(0x0009, 0x0010, "LO", "ACME"),
            un,
            outer.text(0x0010, 0x0010, "PN", "After"),
        ]
        .concat();
        let f = parse_forced(data);
        let sq = el(&f, 0x0009, 0x1001);
        assert_eq!(sq.vr, VR::SQ);
        let it = items(&f, 0x0009, 0x1001);
        assert_eq!(it.len(), 1);
        assert!(!it[0].explicit_vr());
        assert!(!it[0].big_endian());
        assert_eq!(text(&it[0], 0x0008, 0x0100), vec!["CODE"]);
        assert_eq!(ints(&it[0], 0x0028, 0x0010), vec![0x0201], "{outer:?}");
        assert_eq!(text(&f, 0x0010, 0x0010), vec!["After"]);
    }
}

#[test]
fn un_with_defined_length_and_sq_in_dictionary_is_a_sequence() {
    let outer = EXPLICIT_LE;
    let inner = IMPLICIT_LE;
    let item = inner.item(&inner.text(0x0020, 0x000E, "UI", "1.2.3"), true);
    let data = outer.seq_vr(0x0008, 0x1115, "UN", &[item], true);
    let f = parse_forced(data);
    let it = items(&f, 0x0008, 0x1115);
    assert_eq!(it.len(), 1);
    assert_eq!(text(&it[0], 0x0020, 0x000E), vec!["1.2.3"]);
}

#[test]
fn private_tags_and_creators() {
    let enc = IMPLICIT_LE;
    let data = [
        enc.text(0x0008, 0x0060, "CS", "MR"),
        enc.text(0x0009, 0x0010, "LO", "ACME 1.0"),
        enc.text(0x0009, 0x0011, "LO", "OTHER"),
        enc.elem(0x0009, 0x1001, "UN", &[1, 2, 3, 4]),
        enc.elem(0x0009, 0x1101, "UN", b"xy"),
        enc.text(0x0010, 0x0010, "PN", "Doe"),
    ]
    .concat();
    let f = parse(part10(TS_IMPLICIT_LE, &data, true, true));
    // Private creators are LO in implicit VR; other private elements are UN.
    assert_eq!(el(&f, 0x0009, 0x0010).vr, VR::LO);
    assert_eq!(text(&f, 0x0009, 0x0010), vec!["ACME 1.0"]);
    assert_eq!(text(&f, 0x0009, 0x0011), vec!["OTHER"]);
    assert_eq!(el(&f, 0x0009, 0x1001).vr, VR::UN);
    assert!(matches!(decode(&f, el(&f, 0x0009, 0x1001)), Value::Bytes(b) if b == [1, 2, 3, 4]));
    assert_eq!(f.raw(Tag(0x0009, 0x1101)), Some(&b"xy"[..]));
    assert!(Tag(0x0009, 0x0010).is_private_creator());

    // Explicit VR keeps the encoded VRs.
    let e = EXPLICIT_LE;
    let data = [
        e.text(0x0009, 0x0010, "LO", "ACME 1.0"),
        e.elem(0x0009, 0x1001, "OB", &[1, 2]),
        e.us(0x0009, 0x1002, &[5]),
    ]
    .concat();
    let f = parse(part10(TS_EXPLICIT_LE, &data, true, true));
    assert_eq!(el(&f, 0x0009, 0x1001).vr, VR::OB);
    assert_eq!(ints(&f, 0x0009, 0x1002), vec![5]);
}

#[test]
fn elements_out_of_order_are_sorted_and_last_duplicate_wins() {
    for enc in [IMPLICIT_LE, EXPLICIT_LE] {
        let data = [
            enc.text(0x0010, 0x0020, "LO", "ID1"),
            enc.text(0x0010, 0x0010, "PN", "First"),
            enc.text(0x0008, 0x0060, "CS", "CT"),
            enc.text(0x0010, 0x0010, "PN", "Second"),
            enc.seq(
                0x0008,
                0x1115,
                &[enc.item(
                    &[
                        enc.text(0x0020, 0x000E, "UI", "9.9"),
                        enc.text(0x0008, 0x0060, "CS", "MR"),
                        enc.text(0x0020, 0x000E, "UI", "1.1"),
                    ]
                    .concat(),
                    false,
                )],
                false,
            ),
        ]
        .concat();
        let f = parse_forced(data);
        assert_eq!(
            tags(&f),
            vec![
                Tag(0x0008, 0x0060),
                Tag(0x0008, 0x1115),
                Tag(0x0010, 0x0010),
                Tag(0x0010, 0x0020),
            ],
            "{enc:?}"
        );
        assert_eq!(text(&f, 0x0010, 0x0010), vec!["Second"]);
        let it = items(&f, 0x0008, 0x1115);
        assert_eq!(tags(&it[0]), vec![Tag(0x0008, 0x0060), Tag(0x0020, 0x000E)]);
        assert_eq!(text(&it[0], 0x0020, 0x000E), vec!["1.1"]);
    }
}

// ---------------------------------------------------------------------------------------------
// stop_before_pixels
// ---------------------------------------------------------------------------------------------

#[test]
fn stop_before_pixels_never_reads_the_pixel_element() {
    for (enc, ts) in [
        (EXPLICIT_LE, TS_EXPLICIT_LE),
        (IMPLICIT_LE, TS_IMPLICIT_LE),
        (EXPLICIT_BE, TS_EXPLICIT_BE),
    ] {
        let head = [
            enc.text(0x0010, 0x0010, "PN", "Doe"),
            enc.us(0x0028, 0x0010, &[4]),
        ]
        .concat();
        for garbage in [
            &b""[..],
            b"\x01",
            b"Q",
            b"\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF",
            b"OB\0\0\xF0\xFF\xFF\xFF",
            b"SQ\0\0\xFF\xFF\xFF\xFFjunkjunkjunk",
        ] {
            let mut data = head.clone();
            data.extend(enc.tag(0x7FE0, 0x0010));
            data.extend(garbage);
            let bytes = part10(ts, &data, true, true);
            let f = parse_opts(bytes.clone(), false, true)
                .unwrap_or_else(|e| panic!("{enc:?} {garbage:?}: {e}"));
            assert!(!f.contains(Tag::PIXEL_DATA));
            assert_eq!(f.len(), 2);
            assert_eq!(ints(&f, 0x0028, 0x0010), vec![4]);
            // Without stop_before_pixels the garbage is read: an error of the whole read, or
            // pixel data cut short whose error waits for the pixels to be used.
            if garbage.len() >= 8 {
                match parse_opts(bytes, false, false) {
                    Err(_) => {}
                    Ok(f) => assert!(
                        f.get(Tag::PIXEL_DATA)
                            .is_some_and(|e| e.truncation().is_some()),
                        "{garbage:?}"
                    ),
                }
            }
        }
    }
}

#[test]
fn stop_before_pixels_only_at_top_level() {
    let e = EXPLICIT_LE;
    // A (7FE0,0010) inside an item (e.g. an icon) does not stop the read.
    let icon = e.seq(
        0x0088,
        0x0200,
        &[e.item(&e.elem(0x7FE0, 0x0010, "OB", &[1, 2]), false)],
        false,
    );
    let data = [
        e.us(0x0028, 0x0010, &[4]),
        icon,
        e.elem(0x7FE0, 0x0010, "OB", &[0; 4]),
    ]
    .concat();
    let f = parse_opts(part10(TS_EXPLICIT_LE, &data, true, true), false, true).unwrap();
    assert!(!f.contains(Tag::PIXEL_DATA));
    let it = items(&f, 0x0088, 0x0200);
    assert_eq!(it[0].raw(Tag::PIXEL_DATA), Some(&[1, 2][..]));
}

// ---------------------------------------------------------------------------------------------
// stop_after, and header reads of files that read only a prefix
// ---------------------------------------------------------------------------------------------

fn stop_opts(stop_after: Option<Tag>, stop_before_pixels: bool) -> rs_dicom::parser::ReadOptions {
    rs_dicom::parser::ReadOptions {
        stop_after,
        stop_before_pixels,
        ..Default::default()
    }
}

#[test]
fn stop_after_never_reads_past_the_tag() {
    use rs_dicom::parser::{Source, parse_source};
    use std::sync::Arc;
    for (enc, ts) in [(EXPLICIT_LE, TS_EXPLICIT_LE), (IMPLICIT_LE, TS_IMPLICIT_LE)] {
        let mut data = [
            enc.text(0x0008, 0x0060, "CS", "CT"),
            enc.text(0x0010, 0x0010, "PN", "Doe"),
            enc.text(0x0010, 0x0020, "LO", "ID1"),
        ]
        .concat();
        // An element whose length runs far past the end: an error for a whole read.
        data.extend(enc.tag(0x0020, 0x000D));
        data.extend(b"UI\xFF\x7F");
        let bytes = part10(ts, &data, true, true);
        let source = Arc::new(Source::Owned(bytes.clone()));
        assert!(parse_source(source.clone(), stop_opts(None, true)).is_err());
        let f = parse_source(source, stop_opts(Some(Tag(0x0010, 0x0020)), true)).unwrap();
        assert!(f.stopped_after && !f.stopped_before_pixels);
        assert_eq!(
            tags(&f),
            [
                Tag(0x0008, 0x0060),
                Tag(0x0010, 0x0010),
                Tag(0x0010, 0x0020)
            ]
        );
        assert_eq!(text(&f, 0x0010, 0x0020), ["ID1"]);
        // A tag inside a sequence is not a stop: only top-level elements are.
        let f = parse(bytes[..bytes.len() - 8].to_vec());
        assert!(!f.stopped_after);
    }
}

#[test]
fn header_reads_grow_past_the_first_prefix_and_equal_a_whole_read() {
    // Neither std::process::id() nor std::env::temp_dir() works on wasm32-wasip1, where these
    // tests also run (scripts/wasi_run.mjs pre-opens a scratch directory as TMPDIR).
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tmp = std::env::var_os("TMPDIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = tmp.join(format!("rs_dicom_prefix_{nanos}"));
    std::fs::create_dir_all(&dir).unwrap();
    // Headers of 2 KiB, 20 KiB (past the first prefix) and 100 KiB (past the last one).
    for (i, size) in [2_000usize, 20_000, 100_000].into_iter().enumerate() {
        let e = EXPLICIT_LE;
        let data = [
            e.text(0x0008, 0x0060, "CS", "MR"),
            e.text(0x0010, 0x4000, "UT", &"c".repeat(size)),
            e.text(0x0020, 0x000D, "UI", "1.2.3"),
            e.text(0x0020, 0x4000, "LT", "after"),
            e.elem(0x7FE0, 0x0010, "OW", &[0u8; 64]),
        ]
        .concat();
        let path = dir.join(format!("{i}.dcm"));
        std::fs::write(&path, part10(TS_EXPLICIT_LE, &data, true, true)).unwrap();
        let whole = rs_dicom::parser::parse_file(&path).unwrap();
        let head = rs_dicom::parser::parse_file_with(&path, stop_opts(None, true)).unwrap();
        assert!(head.stopped_before_pixels);
        assert_eq!(tags(&head), tags(&whole)[..4]);
        assert_eq!(text(&head, 0x0010, 0x4000), text(&whole, 0x0010, 0x4000));
        let stop = Some(Tag(0x0020, 0x000D));
        let short = rs_dicom::parser::parse_file_with(&path, stop_opts(stop, false)).unwrap();
        assert!(short.stopped_after);
        assert_eq!(tags(&short), tags(&whole)[..3]);
        assert_eq!(text(&short, 0x0020, 0x000D), ["1.2.3"]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
