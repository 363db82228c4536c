//! The writer's layout choices: sequence and item lengths as read or normalised, and the
//! Basic Offset Table of encapsulated pixel data kept as read or rebuilt when the fragments
//! changed.

mod common;

use std::sync::Arc;

use common::*;
use rs_dicom::core::{Dataset, Element, ElementValue, Source, Tag, TransferSyntax, VR};
use rs_dicom::parser::{DicomFile, ReadOptions, parse_source};
use rs_dicom::writer::{FileParts, Lengths, WriteOptions, encapsulate, from_items, write_file};

fn parse_bytes(bytes: Vec<u8>) -> DicomFile {
    parse_source(Arc::new(Source::Owned(bytes)), ReadOptions::default()).unwrap()
}

fn write(ds: &Dataset, meta: &Dataset, ts: &'static TransferSyntax, lengths: Lengths) -> Vec<u8> {
    let parts = FileParts {
        preamble: Some(&[0u8; 128]),
        meta: Some(meta),
        dataset: ds,
    };
    let opts = WriteOptions {
        transfer_syntax: ts,
        lengths,
    };
    write_file(Vec::new(), parts, &opts).unwrap()
}

/// Every sequence's and item's length as read: `None` for undefined, in document order.
fn lengths(ds: &Dataset, out: &mut Vec<(String, Option<u32>)>) {
    for e in ds.iter() {
        if let Some(items) = e.items() {
            out.push((format!("{} SQ", e.tag), e.length));
            for item in items {
                let item = item.read();
                out.push(("item".into(), item.item_length().flatten()));
                lengths(&item, out);
            }
        }
    }
}

fn all_lengths(ds: &Dataset) -> Vec<(String, Option<u32>)> {
    let mut v = Vec::new();
    lengths(ds, &mut v);
    v
}

#[test]
fn lengths_as_read_or_normalised() {
    let (bytes, _) = nested_file();
    let f = parse_bytes(bytes.clone());
    let read = all_lengths(&f.dataset);
    // The sample mixes both: undefined and defined sequences and items.
    assert!(read.iter().any(|(_, n)| n.is_none()) && read.iter().any(|(_, n)| n.is_some()));
    let ts = f.transfer_syntax;

    let as_read = parse_bytes(write(&f.dataset, &f.meta, ts, Lengths::AsRead));
    assert_eq!(all_lengths(&as_read.dataset), read);

    let undefined = parse_bytes(write(&f.dataset, &f.meta, ts, Lengths::Undefined));
    let got = all_lengths(&undefined.dataset);
    assert_eq!(got.len(), read.len());
    assert!(got.iter().all(|(_, n)| n.is_none()), "{got:?}");

    let defined = parse_bytes(write(&f.dataset, &f.meta, ts, Lengths::Defined));
    let got = all_lengths(&defined.dataset);
    assert_eq!(got.len(), read.len());
    assert!(got.iter().all(|(_, n)| n.is_some()), "{got:?}");
    // A defined length is the bytes between the header and the next element.
    for ds in [&undefined.dataset, &defined.dataset] {
        assert_eq!(text(ds, 0x0010, 0x0010), ["Doe^Jane"]);
        let items = items(ds, 0x0008, 0x1115);
        assert_eq!(text(&items[1], 0x0020, 0x000E), ["1.2.3.5"]);
    }
    // Normalising twice changes nothing more.
    let again = write(&defined.dataset, &defined.meta, ts, Lengths::Defined);
    assert_eq!(
        again,
        write(&defined.dataset, &defined.meta, ts, Lengths::AsRead)
    );
}

fn encapsulated_file(bot: &[u8], fragments: &[&[u8]], frames: u32) -> DicomFile {
    let e = EXPLICIT_LE;
    let ds = [
        e.text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7"),
        e.text(0x0028, 0x0008, "IS", &frames.to_string()),
        e.encapsulated(bot, fragments),
    ]
    .concat();
    parse_bytes(part10("1.2.840.10008.1.2.5", &ds, true, true))
}

fn u32s(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|n| n.to_le_bytes()).collect()
}

/// (offset table, fragments) of the pixel data read back from `bytes`.
fn pixel_items(bytes: Vec<u8>) -> (Vec<u8>, Vec<Vec<u8>>) {
    let f = parse_bytes(bytes);
    let e = f.dataset.get(Tag::PIXEL_DATA).unwrap();
    let ElementValue::Encapsulated {
        offset_table,
        fragments,
        ..
    } = &e.value
    else {
        panic!("not encapsulated");
    };
    let table = f.dataset.fragment_bytes(e, offset_table).to_vec();
    let frags = fragments
        .iter()
        .map(|x| f.dataset.fragment_bytes(e, x).to_vec())
        .collect();
    (table, frags)
}

#[test]
fn offset_tables_as_read_are_kept_even_when_wrong() {
    // Two frames, the second table entry pointing nowhere: kept (an unmodified save is
    // byte-identical).
    let f = encapsulated_file(&u32s(&[0, 7]), &[b"ab", b"cd"], 2);
    let bytes = write(&f.dataset, &f.meta, f.transfer_syntax, Lengths::AsRead);
    assert_eq!(pixel_items(bytes).0, u32s(&[0, 7]));
}

#[test]
fn offset_tables_are_rebuilt_when_the_fragments_change() {
    let f = encapsulated_file(&u32s(&[0, 10]), &[b"ab", b"cd"], 2);
    let (table, _) = pixel_items(write(
        &f.dataset,
        &f.meta,
        f.transfer_syntax,
        Lengths::AsRead,
    ));
    assert_eq!(table, u32s(&[0, 10]));

    // New frames of other sizes, with the table of the old ones: rebuilt.
    let mut ds = f.dataset.clone();
    let stale = u32s(&[0, 10]);
    let mut items = Vec::new();
    for (i, frag) in [&stale[..], b"frame-one", b"frame-two!"].iter().enumerate() {
        items.extend_from_slice(&EXPLICIT_LE.tag(0xFFFE, 0xE000));
        items.extend_from_slice(&(frag.len() as u32 + u32::from(i == 1)).to_le_bytes());
        items.extend_from_slice(frag);
        if i == 1 {
            items.push(0);
        }
    }
    let mut e = Element::new(Tag::PIXEL_DATA, VR::OB, Vec::new());
    e.value = from_items(Arc::from(items)).unwrap();
    ds.insert(e);
    let bytes = write(&ds, &f.meta, f.transfer_syntax, Lengths::AsRead);
    let (table, frags) = pixel_items(bytes);
    assert_eq!(frags, [b"frame-one\0".to_vec(), b"frame-two!".to_vec()]);
    assert_eq!(table, u32s(&[0, 8 + 10]));

    // A table that still points at fragment starts is kept; an empty one stays empty.
    for kept in [u32s(&[0, 18]), Vec::new()] {
        let mut e = Element::new(Tag::PIXEL_DATA, VR::OB, Vec::new());
        let frames: [&[u8]; 2] = [b"frame-one\0", b"frame-two!"];
        e.value = encapsulate(&frames, !kept.is_empty());
        let mut ds = f.dataset.clone();
        ds.insert(e);
        let (table, frags) = pixel_items(write(&ds, &f.meta, f.transfer_syntax, Lengths::AsRead));
        assert_eq!(table, kept);
        assert_eq!(frags.len(), 2);
    }

    // Three fragments for two frames and a stale two-entry table: the frame boundaries are
    // unknown, so the table is left empty.
    let mut e = Element::new(Tag::PIXEL_DATA, VR::OB, Vec::new());
    let mut items = Vec::new();
    for frag in [&u32s(&[0, 99])[..], b"aa", b"bb", b"cc"] {
        items.extend_from_slice(&EXPLICIT_LE.tag(0xFFFE, 0xE000));
        items.extend_from_slice(&(frag.len() as u32).to_le_bytes());
        items.extend_from_slice(frag);
    }
    e.value = from_items(Arc::from(items)).unwrap();
    let mut ds = f.dataset.clone();
    ds.insert(e);
    let (table, frags) = pixel_items(write(&ds, &f.meta, f.transfer_syntax, Lengths::AsRead));
    assert_eq!((table, frags.len()), (Vec::new(), 3));
}

#[test]
fn encapsulate_pads_odd_frames() {
    let ElementValue::Encapsulated {
        offset_table,
        fragments,
        buffer: Some(buffer),
    } = encapsulate(&[b"abc", b"de"], true)
    else {
        panic!("not encapsulated");
    };
    let b = buffer.bytes();
    let get = |f: &rs_dicom::core::Fragment| b[f.offset..f.offset + f.len].to_vec();
    assert_eq!(get(&offset_table), u32s(&[0, 12]));
    assert_eq!(
        fragments.iter().map(get).collect::<Vec<_>>(),
        [b"abc\0".to_vec(), b"de".to_vec()]
    );
}

#[test]
fn items_that_are_not_items_are_refused_with_the_offset() {
    for (bytes, at) in [
        (vec![1u8, 2, 3, 4], 0u64),
        (
            [
                &EXPLICIT_LE.tag(0xFFFE, 0xE000)[..],
                &8u32.to_le_bytes(),
                b"short",
            ]
            .concat(),
            0,
        ),
        (
            [
                &EXPLICIT_LE.tag(0xFFFE, 0xE000)[..],
                &0u32.to_le_bytes(),
                b"junkjunk",
            ]
            .concat(),
            8,
        ),
    ] {
        let err = from_items(Arc::from(bytes)).unwrap_err();
        assert_eq!(err.offset, Some(at), "{err}");
        assert_eq!(err.path, "(7FE0,0010)");
    }
    assert!(from_items(Arc::from(Vec::new())).is_err());
}
