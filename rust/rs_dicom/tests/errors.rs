//! The reader on hand-built bad input: truncation, huge lengths, bad nesting, bombs; errors name offsets and tag paths.

mod common;

use common::*;
use rs_dicom::core::{Dataset, Tag};
use rs_dicom::parser::{ErrorKind, MAX_DEPTH};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn nested_file_parses() {
    let (bytes, _) = nested_file();
    assert!((250..400).contains(&bytes.len()), "{}", bytes.len());
    let f = parse(bytes);
    let it = items(&f, 0x0008, 0x1115);
    assert_eq!(it.len(), 2);
    let refs = items(&it[0], 0x0008, 0x1140);
    assert_eq!(text(&refs[0], 0x0008, 0x1155), vec!["1.2.3.4.5"]);
    assert_eq!(text(&it[1], 0x0020, 0x000E), vec!["1.2.3.5"]);
    assert_eq!(ints(&f, 0x0028, 0x0010), vec![2]);
}

#[test]
fn truncation_at_every_offset_never_panics() {
    let (bytes, l) = nested_file();
    let mut errors = 0;
    for cut in 0..bytes.len() {
        let result = std::panic::catch_unwind(|| parse_opts(bytes[..cut].to_vec(), false, false));
        let result = result.unwrap_or_else(|_| panic!("panic when cut at {cut}"));
        let Err(err) = result else { continue };
        errors += 1;
        let msg = err.to_string();
        // Before `DICM` + the first meta group number, it is simply not a DICOM file.
        if cut < 4 + 2 {
            assert_eq!(err.kind, ErrorKind::NotDicom, "cut {cut}: {msg}");
            continue;
        }
        assert!(
            matches!(err.kind, ErrorKind::Truncated | ErrorKind::Malformed),
            "cut {cut}: {:?} {msg}",
            err.kind
        );
        assert!(msg.contains("byte offset"), "cut {cut}: {msg}");
        let off = err.offset.expect("offset") as usize;
        assert!(off <= cut, "cut {cut}: offset {off} beyond the data: {msg}");
        if cut > l.seq + 4 && cut < l.seq_end {
            assert!(msg.contains("(0008,1115)"), "cut {cut}: {msg}");
        }
        if cut >= l.item0_value && cut < l.item0_end {
            assert!(msg.contains("(0008,1115)[0]"), "cut {cut}: {msg}");
        }
        if cut > l.ref_image_seq + 4 && cut < l.ref_image_end {
            assert!(
                msg.contains("(0008,1115)[0].(0008,1140)"),
                "cut {cut}: {msg}"
            );
        }
        if cut >= l.item1_value && cut < l.item1_end {
            assert!(msg.contains("(0008,1115)[1]"), "cut {cut}: {msg}");
        }
    }
    assert!(errors > bytes.len() / 2, "only {errors} errors");
}

#[test]
fn truncation_of_forced_implicit_dataset_never_panics() {
    let enc = IMPLICIT_LE;
    let data = [
        enc.text(0x0008, 0x0016, "UI", "1.2"),
        enc.seq(
            0x0008,
            0x1115,
            &[
                enc.item(
                    &enc.seq(
                        0x0008,
                        0x1140,
                        &[enc.item(&enc.text(0x0008, 0x1155, "UI", "1.2.3"), true)],
                        true,
                    ),
                    false,
                ),
                enc.item(&enc.text(0x0020, 0x000E, "UI", "1.2.3"), true),
            ],
            true,
        ),
        enc.text(0x0010, 0x0010, "PN", "Doe"),
    ]
    .concat();
    parse_forced(data.clone());
    for cut in 0..data.len() {
        let result = std::panic::catch_unwind(|| parse_opts(data[..cut].to_vec(), true, false))
            .unwrap_or_else(|_| panic!("panic when cut at {cut}"));
        if let Err(err) = result {
            assert!(
                matches!(err.kind, ErrorKind::Truncated | ErrorKind::Malformed),
                "cut {cut}: {err}"
            );
            assert!(err.to_string().contains("byte offset"), "cut {cut}: {err}");
        }
    }
}

#[test]
fn huge_lengths_are_errors_not_allocations() {
    const HUGE: u32 = 0xFFFF_FFF0;
    let e = EXPLICIT_LE;
    let i = IMPLICIT_LE;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("explicit OB value", e.header(0x0009, 0x1001, "OB", HUGE)),
        ("implicit value", i.header(0x0010, 0x0010, "PN", HUGE)),
        (
            "explicit defined-length SQ",
            e.header(0x0008, 0x1115, "SQ", HUGE),
        ),
        (
            "implicit defined-length SQ",
            i.header(0x0008, 0x1115, "SQ", HUGE),
        ),
        (
            "item",
            [
                e.header(0x0008, 0x1115, "SQ", UNDEFINED),
                e.tag(0xFFFE, 0xE000),
                e.u32(HUGE).to_vec(),
            ]
            .concat(),
        ),
        (
            "fragment",
            [
                e.header(0x7FE0, 0x0010, "OB", UNDEFINED),
                e.tag(0xFFFE, 0xE000),
                e.u32(HUGE).to_vec(),
            ]
            .concat(),
        ),
    ];
    for (what, body) in cases {
        let mut data = e.text(0x0008, 0x0060, "CS", "OT");
        if what.starts_with("implicit") {
            data = i.text(0x0008, 0x0060, "CS", "OT");
        }
        data.extend(body);
        data.extend([0u8; 32]);
        let err = if what == "fragment" {
            // Pixel data the data ends inside of: the header reads, the pixels carry the
            // error for when they are used.
            let f = parse_opts(data, true, false).expect(what);
            f.get(Tag::PIXEL_DATA)
                .and_then(|e| e.truncation().cloned())
                .expect("a truncated pixel data element")
        } else {
            parse_opts(data, true, false).expect_err(what)
        };
        assert!(
            matches!(err.kind, ErrorKind::Truncated | ErrorKind::Malformed),
            "{what}: {err}"
        );
        assert!(err.to_string().contains("byte offset"), "{what}: {err}");
    }
}

#[test]
fn item_longer_than_its_sequence_is_malformed() {
    let e = EXPLICIT_LE;
    // The sequence says 16 bytes; its item claims 100.
    let mut data = e.header(0x0008, 0x1115, "SQ", 16);
    data.extend(e.tag(0xFFFE, 0xE000));
    data.extend(e.u32(100));
    data.extend([0u8; 8]);
    data.extend([0u8; 200]);
    let err = parse_opts(data, true, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.to_string().contains("(0008,1115)"), "{err}");
}

#[test]
fn error_in_an_item_length_names_that_item() {
    let e = EXPLICIT_LE;
    // Item [0] is fine; item [1] claims more bytes than the data has.
    let data = [
        e.header(0x0008, 0x1115, "SQ", UNDEFINED),
        e.item(&e.text(0x0020, 0x000E, "UI", "1.2"), true),
        e.tag(0xFFFE, 0xE000),
        e.u32(1000).to_vec(),
        e.text(0x0020, 0x000E, "UI", "1.3"),
    ]
    .concat();
    let err = parse_opts(data, true, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Truncated, "{err}");
    assert_eq!(err.path, "(0008,1115)[1]", "{err}");
}

#[test]
fn non_item_tag_in_sequence_is_malformed() {
    let e = EXPLICIT_LE;
    let data = [
        e.header(0x0008, 0x1115, "SQ", UNDEFINED),
        e.text(0x0010, 0x0010, "PN", "NotAnItem"),
        e.seq_delim(),
    ]
    .concat();
    let err = parse_opts(data, true, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.to_string().contains("(0008,1115)"), "{err}");
}

/// `depth` sequences nested in each other, each with one undefined-length item.
fn nested_to(depth: usize) -> Vec<u8> {
    let e = EXPLICIT_LE;
    // Everything has undefined length, so the encoding is linear: `depth` (sequence, item)
    // headers, the innermost element, then `depth` (item, sequence) delimiters.
    let open = [
        e.header(0x0040, 0xA730, "SQ", UNDEFINED),
        e.tag(0xFFFE, 0xE000),
        e.u32(UNDEFINED).to_vec(),
    ]
    .concat();
    let close = [e.item_delim(), e.seq_delim()].concat();
    let mut out = open.repeat(depth);
    out.extend(e.text(0x0040, 0xA160, "UT", "bottom"));
    out.extend(close.repeat(depth));
    out
}

#[test]
fn nesting_up_to_max_depth_is_accepted() {
    // The linear encoding equals the nested one.
    let e = EXPLICIT_LE;
    let mut nested = e.text(0x0040, 0xA160, "UT", "bottom");
    for _ in 0..3 {
        nested = e.seq(0x0040, 0xA730, &[e.item(&nested, false)], false);
    }
    assert_eq!(nested_to(3), nested);

    let f = parse_forced(nested_to(MAX_DEPTH));
    let mut ds: Dataset = f.dataset.clone();
    for _ in 0..MAX_DEPTH {
        ds = items(&ds, 0x0040, 0xA730).swap_remove(0);
    }
    assert_eq!(text(&ds, 0x0040, 0xA160), vec!["bottom"]);
}

#[test]
fn nesting_deeper_than_max_depth_is_malformed() {
    for depth in [MAX_DEPTH + 1, MAX_DEPTH + 10, 10_000] {
        let err = parse_opts(nested_to(depth), true, false).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
        assert!(err.to_string().contains("nested deeper"), "{err}");
        assert!(err.to_string().contains("byte offset"), "{err}");
    }
}

#[test]
fn many_stray_delimiters_do_not_overflow_the_stack() {
    // Stray delimiters are skipped; hundreds of thousands of them must not recurse.
    let e = EXPLICIT_LE;
    let n = 300_000;
    let mut top = e.text(0x0008, 0x0060, "CS", "OT");
    for _ in 0..n {
        top.extend(e.item_delim());
    }
    top.extend(e.text(0x0010, 0x0010, "PN", "Doe"));
    let f = parse_forced(top);
    assert_eq!(text(&f, 0x0010, 0x0010), vec!["Doe"]);

    // Between items of a sequence.
    let mut seq = e.header(0x0008, 0x1115, "SQ", UNDEFINED);
    seq.extend(e.item(&[], false));
    for _ in 0..n {
        seq.extend(e.item_delim());
    }
    seq.extend(e.seq_delim());
    seq.extend(e.text(0x0010, 0x0010, "PN", "Doe"));
    let f = parse_forced(seq);
    assert_eq!(items(&f, 0x0008, 0x1115).len(), 1);
    assert_eq!(text(&f, 0x0010, 0x0010), vec!["Doe"]);
}

#[test]
#[cfg(feature = "deflate")]
fn deflate_bomb_is_refused() {
    // 128 MiB of zeros deflate to ~128 KiB: beyond 128x the compressed size and the 64 MiB
    // floor, so the reader stops inflating and refuses it instead of allocating it all.
    let zeros = vec![0u8; 128 << 20];
    let compressed = deflate(&zeros);
    assert!(compressed.len() < 256 << 10);
    let err = parse_opts(part10(TS_DEFLATED, &compressed, true, true), false, false)
        .expect_err("deflate bomb accepted");
    assert_eq!(err.kind, ErrorKind::Malformed, "{err}");
    assert!(err.message.contains("decompression bomb"), "{err}");
}

#[test]
#[cfg(feature = "deflate")]
fn truncated_deflate_stream_does_not_panic() {
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
    for cut in 0..compressed.len() {
        let bytes = part10(TS_DEFLATED, &compressed[..cut], true, true);
        if let Err(err) = parse_opts(bytes, false, false) {
            assert!(
                matches!(err.kind, ErrorKind::Truncated | ErrorKind::Malformed),
                "cut {cut}: {err}"
            );
            assert!(err.to_string().contains("byte offset"), "cut {cut}: {err}");
        }
    }
}
