//! Datasets read from a file are ready to change: values become owned bytes only where they
//! change (copy-on-write), sequence items are shared by reference so that a handle to an item
//! sees every change made through any other handle, and the limits of `ReadOptions` bound what
//! a file may cost.

mod common;

use std::sync::Arc;

use common::*;
use rs_dicom::core::{Dataset, Element, ElementValue, SharedDataset, Source, Tag, VR};
use rs_dicom::parser::{ErrorKind, Limits, ReadOptions, parse_source};
use rs_dicom::pixel::{DecodeOptions, Frames, PixelData};

const REFERENCED_SERIES: Tag = Tag(0x0008, 0x1115);
const SERIES_UID: Tag = Tag(0x0020, 0x000E);
const REFERENCED_IMAGES: Tag = Tag(0x0008, 0x1140);

fn item(ds: &Dataset, tag: Tag, i: usize) -> SharedDataset {
    ds.get(tag).and_then(Element::items).expect("sequence")[i].clone()
}

#[test]
fn a_nested_item_handle_sees_a_change_made_through_another_handle() {
    let (bytes, _) = nested_file();
    let file = parse(bytes);
    let top = SharedDataset::new(file.dataset.clone());
    // Two handles to the same nested item, taken independently (as two Python objects are).
    let first = item(&top.read(), REFERENCED_SERIES, 0);
    let inner_a = item(&first.read(), REFERENCED_IMAGES, 0);
    let inner_b = item(
        &item(&top.read(), REFERENCED_SERIES, 0).read(),
        REFERENCED_IMAGES,
        0,
    );
    assert!(inner_a.ptr_eq(&inner_b));
    inner_b
        .write()
        .set_bytes(Tag(0x0008, 0x1155), VR::UI, b"1.2.840.99.1\0".to_vec());
    assert_eq!(
        inner_a.read().raw(Tag(0x0008, 0x1155)),
        Some(&b"1.2.840.99.1\0"[..])
    );
    // The change is in the tree the top-level handle reads.
    let again = item(
        &item(&top.read(), REFERENCED_SERIES, 0).read(),
        REFERENCED_IMAGES,
        0,
    );
    assert!(again.read().get(Tag(0x0008, 0x1155)).unwrap().is_owned());
    // Untouched values are still spans of the file's bytes, not copies.
    let series_uid = first.read().get(SERIES_UID).unwrap().clone();
    assert!(matches!(series_uid.value, ElementValue::Bytes { .. }));
}

#[test]
fn replacing_an_item_keeps_old_handles_valid() {
    let (bytes, _) = nested_file();
    let file = parse(bytes);
    let mut ds = file.dataset.clone();
    let old = item(&ds, REFERENCED_SERIES, 1);
    let before = old.read().raw(SERIES_UID).map(<[u8]>::to_vec);
    let new_item = SharedDataset::new(Dataset::new());
    new_item
        .write()
        .set_bytes(SERIES_UID, VR::UI, b"9.9\0".to_vec());
    let items = ds
        .get_mut(REFERENCED_SERIES)
        .and_then(Element::items_mut)
        .unwrap();
    items[1] = new_item.clone();
    items.insert(0, SharedDataset::new(Dataset::new()));
    // The old item is unchanged and still readable through its handle.
    assert_eq!(old.read().raw(SERIES_UID).map(<[u8]>::to_vec), before);
    assert!(item(&ds, REFERENCED_SERIES, 2).ptr_eq(&new_item));
    // A dataset cannot be put inside itself.
    let shared = SharedDataset::new(ds);
    assert!(!shared.read().contains_node(&shared));
    assert!(shared.read().contains_node(&new_item));
}

#[test]
fn values_change_copy_on_write_and_share_the_source() {
    let bytes = part10(TS_EXPLICIT_LE, &simple_dataset(EXPLICIT_LE), true, true);
    let source = Arc::new(Source::Owned(bytes));
    let file = parse_source(source.clone(), ReadOptions::default()).unwrap();
    let mut ds = file.dataset.clone();
    let generation = ds.generation();
    ds.set_bytes(Tag(0x0010, 0x0010), VR::PN, b"New^Name".to_vec());
    assert_ne!(ds.generation(), generation);
    assert_eq!(text(&ds, 0x0010, 0x0010), ["New^Name"]);
    // The original dataset (a clone sharing the source) still reads the file's value.
    check_simple_dataset(&file.dataset);
    assert!(Arc::ptr_eq(ds.source(), &source));
    // Removing and re-inserting an element of the same dataset keeps its span.
    let rows = ds.remove(Tag(0x0028, 0x0010)).unwrap();
    assert!(matches!(rows.value, ElementValue::Bytes { .. }));
    ds.insert(rows);
    assert_eq!(ints(&ds, 0x0028, 0x0010), [512]);
    // An element moved to a dataset of another source carries its bytes along.
    let mut other = Dataset::new();
    other.insert_from(&ds, ds.get(Tag(0x0028, 0x0010)).unwrap());
    drop(ds);
    assert_eq!(ints(&other, 0x0028, 0x0010), [512]);
}

#[test]
fn tighter_limits_refuse_what_defaults_accept() {
    let (bytes, _) = nested_file();
    assert!(parse_opts(bytes.clone(), false, false).is_ok());
    let shallow = ReadOptions {
        limits: Limits {
            max_depth: 1,
            ..Limits::DEFAULT
        },
        ..ReadOptions::default()
    };
    let err = parse_source(Arc::new(Source::Owned(bytes.clone())), shallow).unwrap_err();
    assert!(err.to_string().contains("nested deeper than 1"), "{err}");
    let short = ReadOptions {
        limits: Limits {
            max_value_length: 4,
            ..Limits::DEFAULT
        },
        ..ReadOptions::default()
    };
    let err = parse_source(Arc::new(Source::Owned(bytes)), short).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Limit, "{err}");
    assert!(err.offset.is_some());
}

fn image_file(frames: u32) -> Vec<u8> {
    let e = EXPLICIT_LE;
    let pixels = vec![7u8; 4 * 4 * frames as usize];
    let data = [
        e.us(0x0028, 0x0002, &[1]),
        e.text(0x0028, 0x0004, "CS", "MONOCHROME2"),
        e.text(0x0028, 0x0008, "IS", &frames.to_string()),
        e.us(0x0028, 0x0010, &[4]),
        e.us(0x0028, 0x0011, &[4]),
        e.us(0x0028, 0x0100, &[8]),
        e.us(0x0028, 0x0101, &[8]),
        e.us(0x0028, 0x0103, &[0]),
        e.elem(0x7FE0, 0x0010, "OB", &pixels),
    ]
    .concat();
    part10(TS_EXPLICIT_LE, &data, true, true)
}

#[test]
fn pixel_limits_bound_frames() {
    let file = parse(image_file(6));
    let ts = file.transfer_syntax;
    let ok = PixelData::new(&file, ts, &Limits::DEFAULT)
        .unwrap()
        .unwrap();
    let pixels = ok
        .decode(&file, &Frames::All, &DecodeOptions::default())
        .unwrap();
    assert_eq!(pixels.shape, [6, 4, 4]);
    let few = Limits {
        max_frames: 5,
        ..Limits::DEFAULT
    };
    let err = PixelData::new(&file, ts, &few).err().unwrap();
    assert_eq!(err.kind, ErrorKind::Limit, "{err}");
    assert_eq!(err.path, "(0028,0008)");
}
