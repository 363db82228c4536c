//! The push parser: fed in random chunks, it asks for bytes until the header is complete and
//! then gives the dataset the file reader gives on the whole input.

mod common;

use std::sync::Arc;

use common::*;
use rs_dicom::core::{Dataset, ElementValue};
use rs_dicom::parser::{DicomFile, Need, PushParser, ReadOptions, Source, parse_source};

/// The element tree, value bytes included, as comparable text.
fn tree(ds: &Dataset, out: &mut Vec<String>, depth: usize) {
    for e in ds.iter() {
        let head = format!(
            "{}{} {:?} {:?} @{}",
            "  ".repeat(depth),
            e.tag,
            e.vr,
            e.length,
            e.offset
        );
        match &e.value {
            ElementValue::Sequence(items) => {
                out.push(head);
                for item in items.iter() {
                    out.push(format!("{}item", "  ".repeat(depth + 1)));
                    tree(&item.read(), out, depth + 2);
                }
            }
            ElementValue::Encapsulated {
                offset_table,
                fragments,
                ..
            } => {
                out.push(format!(
                    "{head} bot={:?}",
                    ds.fragment_bytes(e, offset_table)
                ));
                for f in fragments {
                    out.push(format!("  frag {:?}", ds.fragment_bytes(e, f)));
                }
            }
            _ => out.push(format!("{head} {:?}", ds.bytes_of(e))),
        }
    }
}

fn file_tree(f: &DicomFile) -> Vec<String> {
    let mut out = vec![format!(
        "{:?} {:?}",
        f.transfer_syntax.uid, f.stopped_before_pixels
    )];
    tree(&f.meta, &mut out, 0);
    tree(&f.dataset, &mut out, 0);
    out
}

/// Feeds `bytes` in random chunks until the parser is done (or the input ends) and checks
/// the dataset against the file reader's; returns the bytes the parser took.
fn check(bytes: &[u8], opts: ReadOptions, rng: &mut Rng) -> usize {
    let whole = parse_source(Arc::new(Source::Owned(bytes.to_vec())), opts);
    let mut p = PushParser::new(opts);
    let mut at = 0;
    loop {
        let need = p.need();
        if need == Need::Done {
            break;
        }
        if at == bytes.len() {
            p.finish();
            break;
        }
        let Need::More(n) = need else { unreachable!() };
        assert!(n > 0);
        let take = (1 + rng.below(n.max(64) * 2)).min(bytes.len() - at);
        p.feed(&bytes[at..at + take]);
        at += take;
    }
    let pushed = p.parse();
    match (whole, pushed) {
        (Ok(a), Ok(b)) => assert_eq!(file_tree(&a), file_tree(&b)),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("file reader {:?} vs push parser {:?}", a.err(), b.err()),
    }
    at
}

fn stop() -> ReadOptions {
    ReadOptions {
        stop_before_pixels: true,
        ..ReadOptions::default()
    }
}

fn inputs() -> Vec<Vec<u8>> {
    let mut out = vec![nested_file().0];
    for (ts, enc) in [
        (TS_IMPLICIT_LE, IMPLICIT_LE),
        (TS_EXPLICIT_LE, EXPLICIT_LE),
        (TS_EXPLICIT_BE, EXPLICIT_BE),
    ] {
        let mut data = simple_dataset(enc);
        data.extend(enc.elem(0x7FE0, 0x0010, "OW", &[7u8; 64]));
        out.push(part10(ts, &data, true, true));
        out.push(part10(ts, &data, false, false));
    }
    let e = EXPLICIT_LE;
    let frags: [&[u8]; 2] = [b"\xFF\xD8frame-one\xFF\xD9", b"\xFF\xD8frame-2\xFF\xD9"];
    let data = [
        e.seq(
            0x0008,
            0x1115,
            &[e.item(&e.text(0x0020, 0x000E, "UI", "1.2"), false)],
            false,
        ),
        e.us(0x0028, 0x0100, &[8]),
        e.encapsulated(&[], &frags),
    ]
    .concat();
    out.push(part10(TS_JPEG_BASELINE, &data, true, true));
    out
}

#[test]
fn random_chunks_give_the_file_readers_dataset() {
    let mut rng = Rng(0x5EED);
    for input in inputs() {
        for _ in 0..50 {
            check(&input, ReadOptions::default(), &mut rng);
            check(&input, stop(), &mut rng);
            // Every prefix: a file cut short reads the same both ways.
            let cut = rng.below(input.len());
            check(&input[..cut], stop(), &mut rng);
        }
    }
}

#[test]
fn stop_before_pixels_needs_only_the_header() {
    let e = EXPLICIT_LE;
    let mut data = simple_dataset(e);
    let header_len = part10(TS_EXPLICIT_LE, &data, true, true).len();
    data.extend(e.elem(0x7FE0, 0x0010, "OW", &vec![1u8; 100_000]));
    let bytes = part10(TS_EXPLICIT_LE, &data, true, true);
    let mut p = PushParser::new(stop());
    // One byte at a time: the parser must say Done right after the pixel data header.
    let mut fed = 0;
    while p.need() != Need::Done {
        p.feed(&bytes[fed..fed + 1]);
        fed += 1;
    }
    assert_eq!(fed, header_len + 12);
    let at = p.pixel_location().expect("pixel data located");
    assert_eq!(at.offset, header_len);
    assert_eq!(at.value_offset, header_len + 12);
    assert_eq!(at.length, Some(100_000));
    let f = p.parse().unwrap();
    assert!(f.stopped_before_pixels);
}

#[test]
fn encapsulated_location_has_undefined_length() {
    let bytes = inputs().pop().unwrap();
    let mut p = PushParser::new(stop());
    assert!(matches!(p.feed(&bytes), Need::Done));
    let at = p.pixel_location().unwrap();
    assert_eq!(at.length, None);
    assert_eq!(
        &bytes[at.value_offset..at.value_offset + 4],
        b"\xFE\xFF\x00\xE0"
    );
}

#[test]
fn an_undefined_sequence_cut_at_the_chunk_end_is_not_taken_as_ended() {
    let (bytes, layout) = nested_file();
    let mut p = PushParser::new(stop());
    // Everything up to the middle of the undefined-length sequence: the reader would close
    // it at the end of the bytes; the push parser must wait for the rest.
    let need = p.feed(&bytes[..layout.item1_value]);
    assert!(matches!(need, Need::More(_)), "{need:?}");
    let need = p.feed(&bytes[layout.item1_value..]);
    assert!(matches!(need, Need::More(_)));
    assert_eq!(p.finish(), Need::Done);
    assert_eq!(file_tree(&p.parse().unwrap()), file_tree(&parse(bytes)));
}

#[cfg(feature = "deflate")]
#[test]
fn deflated_data_needs_the_whole_input() {
    let e = EXPLICIT_LE;
    let data = deflate(&simple_dataset(e));
    let bytes = part10(TS_DEFLATED, &data, true, true);
    let mut p = PushParser::new(stop());
    assert!(matches!(p.feed(&bytes), Need::More(_)));
    p.finish();
    assert_eq!(file_tree(&p.parse().unwrap()), file_tree(&parse(bytes)));
}

/// Frame ranges from the locator, fed the bytes it asks for, checked against the file reader's
/// fragments of each frame.
fn located_frames(bytes: &[u8]) -> Vec<Vec<u8>> {
    use rs_dicom::pixel::FrameLocator;
    let mut p = PushParser::new(stop());
    assert_eq!(p.feed(bytes), Need::Done);
    let header = p.parse().unwrap();
    let at = p.pixel_location().unwrap();
    let mut loc = FrameLocator::new(&header, at, bytes.len() as u64).unwrap();
    while let Some((off, len)) = loc.wanted() {
        let start = off as usize;
        loc.supply(off, &bytes[start..(start + len.max(8)).min(bytes.len())])
            .unwrap();
    }
    (0..loc.frames())
        .map(|i| {
            let r = loc.frame_range(i).unwrap().unwrap();
            let one = loc
                .frame_file(p.bytes(), &bytes[r.start as usize..r.end as usize])
                .unwrap();
            // The one-frame file holds exactly that frame's fragments.
            let f = parse(one);
            let px = el(&f, 0x7FE0, 0x0010);
            let ElementValue::Encapsulated { fragments, .. } = &px.value else {
                panic!("not encapsulated");
            };
            fragments
                .iter()
                .flat_map(|fr| f.fragment_bytes(px, fr).to_vec())
                .collect()
        })
        .collect()
}

fn two_frame_file(bot: &[u8], fragments: &[&[u8]]) -> Vec<u8> {
    let e = EXPLICIT_LE;
    let data = [
        e.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7"),
        e.text(0x0028, 0x0008, "IS", "2 "),
        e.us(0x0028, 0x0010, &[1]),
        e.us(0x0028, 0x0011, &[1]),
        e.us(0x0028, 0x0100, &[8]),
        e.encapsulated(bot, fragments),
    ]
    .concat();
    part10(TS_JPEG_BASELINE, &data, true, true)
}

#[test]
fn frame_locator_finds_frames_by_offset_table_count_and_markers() {
    let f1: &[u8] = b"\xFF\xD8\xFFone\xFF\xD9";
    let f2: &[u8] = b"\xFF\xD8\xFFtwo\xFF\xD9";
    let bot: Vec<u8> = [0u32, 8 + 8].iter().flat_map(|v| v.to_le_bytes()).collect();
    let bad_bot: Vec<u8> = [0u32, 5].iter().flat_map(|v| v.to_le_bytes()).collect();
    let want = vec![f1.to_vec(), f2.to_vec()];
    // Basic Offset Table (right, and pointing mid-fragment: ignored); one fragment per frame;
    // and, split in two fragments each, by the codestream start markers.
    assert_eq!(located_frames(&two_frame_file(&bot, &[f1, f2])), want);
    assert_eq!(located_frames(&two_frame_file(&bad_bot, &[f1, f2])), want);
    assert_eq!(located_frames(&two_frame_file(&[], &[f1, f2])), want);
    let split = [&f1[..4], &f1[4..], &f2[..4], &f2[4..]];
    assert_eq!(located_frames(&two_frame_file(&[], &split)), want);
}

#[test]
fn mutated_inputs_read_the_same_pushed_and_whole() {
    // The push parser's one promise on bad input too: never a panic, never a different
    // answer from the file reader.
    let mut rng = Rng(0xBAD5EED);
    for input in inputs() {
        for _ in 0..300 {
            let mut bytes = input.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] = match rng.below(3) {
                    0 => 0xFF,
                    1 => 0,
                    _ => rng.next() as u8,
                };
            }
            let opts = if rng.below(2) == 0 {
                stop()
            } else {
                ReadOptions::default()
            };
            check(&bytes, opts, &mut rng);
        }
    }
}

#[test]
fn extended_offsets_past_the_end_are_errors_not_overflows() {
    use rs_dicom::pixel::FrameLocator;
    let f: &[u8] = b"\xFF\xD8\xFFone\xFF\xD9";
    let u64s = |v: &[u64]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
    let e = EXPLICIT_LE;
    for (offsets, lengths) in [
        ([0u64, u64::MAX - 4], [8u64, 8]),
        ([0, 16], [8, u64::MAX]),
        ([u64::MAX, 16], [8, 8]),
    ] {
        let data = [
            e.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7"),
            e.text(0x0028, 0x0008, "IS", "2 "),
            e.us(0x0028, 0x0010, &[1]),
            e.us(0x0028, 0x0011, &[1]),
            e.us(0x0028, 0x0100, &[8]),
            e.elem(0x7FE0, 0x0001, "OV", &u64s(&offsets)),
            e.elem(0x7FE0, 0x0002, "OV", &u64s(&lengths)),
            e.encapsulated(&[], &[f, f]),
        ]
        .concat();
        let bytes = part10(TS_JPEG_BASELINE, &data, true, true);
        let mut p = PushParser::new(stop());
        assert_eq!(p.feed(&bytes), Need::Done);
        let header = p.parse().unwrap();
        let at = p.pixel_location().unwrap();
        let mut loc = FrameLocator::new(&header, at, bytes.len() as u64).unwrap();
        while let Some((off, len)) = loc.wanted() {
            let start = off as usize;
            loc.supply(off, &bytes[start..(start + len.max(8)).min(bytes.len())])
                .unwrap();
        }
        // Frame 0 or 1 (or both) lies outside the file: an error naming it, never a panic.
        let results: Vec<_> = (0..2).map(|i| loc.frame_range(i)).collect();
        assert!(
            results.iter().any(|r| r.is_err()),
            "{offsets:?} {lengths:?}"
        );
    }
}
