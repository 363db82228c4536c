//! Turns reader tokens into the dataset index: spans only, no value is copied or decoded.

use std::sync::Arc;

use super::reader::{ElementReader, Token};
use crate::core::charset::CharacterSet;
use crate::core::{
    Dataset, Element, ElementValue, Encoding, Fragment, SharedDataset, Source, Tag, TransferSyntax,
    VR,
};
use crate::dictionary;
use crate::error::{DicomError, ErrorKind, Result};

enum Open {
    Dataset(Dataset),
    Sequence {
        tag: Tag,
        offset: usize,
        length: Option<u32>,
        child_enc: Encoding,
        items: Vec<Dataset>,
    },
    Encapsulated {
        tag: Tag,
        vr: VR,
        offset: usize,
        items: Vec<Fragment>,
    },
}

/// What every dataset of one parse shares.
#[derive(Clone, Copy)]
pub(crate) struct Context<'a> {
    pub source: &'a Arc<Source>,
    pub ts: Option<&'static TransferSyntax>,
}

/// Builds a dataset from the tokens of `reader`; `source` must be the buffer the reader reads.
pub(crate) fn build(
    cx: Context<'_>,
    reader: &mut ElementReader<'_>,
    enc: Encoding,
    charset: Arc<CharacterSet>,
) -> Result<Dataset> {
    let mut ds = build_raw(cx, reader, enc, charset, None)?;
    resolve_vrs(cx, &mut ds, None);
    Ok(ds)
}

/// Builds from tokens; with `sequence`, the reader yields the contents of that sequence
/// (see `ElementReader::sequence_contents`) and the result holds it as its one element.
fn build_raw(
    cx: Context<'_>,
    reader: &mut ElementReader<'_>,
    enc: Encoding,
    charset: Arc<CharacterSet>,
    sequence: Option<(Tag, usize, u32)>,
) -> Result<Dataset> {
    let source = cx.source;
    let start = ElementReader::position(reader);
    let mut top = new_dataset(cx, enc, charset, start);
    if sequence.is_none() {
        // Typical headers average well over 32 bytes per top-level element.
        top.elements
            .reserve((source.len().saturating_sub(start) / 64).clamp(16, 128));
    }
    let mut stack: Vec<Open> = vec![Open::Dataset(top)];
    if let Some((tag, offset, length)) = sequence {
        stack.push(Open::Sequence {
            tag,
            offset,
            length: Some(length),
            child_enc: enc,
            items: Vec::new(),
        });
    }
    while let Some(token) = reader.next() {
        match token? {
            Token::Element {
                tag,
                vr,
                offset,
                value_offset,
                length,
            } => {
                let ds = current_dataset(&mut stack)?;
                if tag == Tag::SPECIFIC_CHARACTER_SET {
                    let raw = source
                        .bytes()
                        .get(value_offset..value_offset + length as usize)
                        .unwrap_or(&[]);
                    ds.charset = Arc::new(CharacterSet::from_value(raw));
                }
                ds.elements.push(Element {
                    tag,
                    vr,
                    length: Some(length),
                    offset,
                    value: ElementValue::Bytes {
                        start: value_offset,
                        len: length as usize,
                    },
                });
            }
            Token::SequenceStart {
                tag,
                vr,
                offset,
                length,
            } => {
                let parent_enc = match stack.last() {
                    Some(Open::Dataset(d)) => d.encoding,
                    _ => enc,
                };
                let child_enc = if vr == VR::UN {
                    Encoding::IMPLICIT_LE
                } else {
                    parent_enc
                };
                stack.push(Open::Sequence {
                    tag,
                    offset,
                    length,
                    child_enc,
                    items: Vec::new(),
                });
            }
            Token::ItemStart { offset, length } => {
                let charset = stack
                    .iter()
                    .rev()
                    .find_map(|o| match o {
                        Open::Dataset(d) => Some(d.charset.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                let child_enc = match stack.last() {
                    Some(Open::Sequence { child_enc, .. }) => *child_enc,
                    _ => enc,
                };
                // Items start after their 8-byte header.
                let mut item = new_dataset(cx, child_enc, charset, offset + 8);
                item.item_length = Some(length);
                stack.push(Open::Dataset(item));
            }
            Token::ItemEnd => {
                let Some(Open::Dataset(mut item)) = stack.pop() else {
                    return Err(structure_error(reader));
                };
                finish(&mut item);
                match stack.last_mut() {
                    Some(Open::Sequence { items, .. }) => items.push(item),
                    _ => return Err(structure_error(reader)),
                }
            }
            Token::SequenceEnd => {
                let Some(Open::Sequence {
                    tag,
                    offset,
                    length,
                    items,
                    ..
                }) = stack.pop()
                else {
                    return Err(structure_error(reader));
                };
                current_dataset(&mut stack)?.elements.push(Element {
                    tag,
                    vr: VR::SQ,
                    length,
                    offset,
                    value: ElementValue::Sequence(
                        items.into_iter().map(SharedDataset::new).collect(),
                    ),
                });
            }
            Token::EncapsulatedStart {
                tag, vr, offset, ..
            } => {
                stack.push(Open::Encapsulated {
                    tag,
                    vr,
                    offset,
                    items: Vec::new(),
                });
            }
            Token::Fragment { offset, length } => match stack.last_mut() {
                Some(Open::Encapsulated { items, .. }) => items.push(Fragment {
                    offset,
                    len: length as usize,
                }),
                _ => return Err(structure_error(reader)),
            },
            Token::EncapsulatedEnd => {
                let Some(Open::Encapsulated {
                    tag,
                    vr,
                    offset,
                    items,
                }) = stack.pop()
                else {
                    return Err(structure_error(reader));
                };
                let mut it = items.into_iter();
                // No items at all (data ended, or a bare delimiter): an empty offset table,
                // kept inside the source so that its span is valid.
                let offset_table = it.next().unwrap_or(Fragment {
                    offset: (offset + 12).min(source.len()),
                    len: 0,
                });
                current_dataset(&mut stack)?.elements.push(Element {
                    tag,
                    vr,
                    length: None,
                    offset,
                    value: ElementValue::Encapsulated {
                        offset_table,
                        fragments: it.collect(),
                        buffer: None,
                    },
                });
            }
            Token::Truncated {
                tag,
                vr,
                offset,
                value_offset,
                length,
            } => {
                if matches!(stack.last(), Some(Open::Encapsulated { .. })) {
                    stack.pop();
                }
                let error = reader.take_truncation().unwrap_or_else(|| {
                    DicomError::new(
                        ErrorKind::Truncated,
                        Some(value_offset as u64),
                        tag.to_string(),
                        "the data ends inside this value",
                    )
                });
                let available = source.len().saturating_sub(value_offset);
                current_dataset(&mut stack)?.elements.push(Element {
                    tag,
                    vr,
                    length,
                    offset,
                    value: ElementValue::Truncated {
                        start: value_offset.min(source.len()),
                        len: available,
                        error: Arc::new(error),
                    },
                });
            }
        }
    }
    if stack.len() != 1 {
        return Err(DicomError::new(
            ErrorKind::Truncated,
            Some(ElementReader::position(reader) as u64),
            reader.tag_path(),
            "data ends inside a sequence",
        ));
    }
    let Some(Open::Dataset(mut ds)) = stack.pop() else {
        return Err(structure_error(reader));
    };
    finish(&mut ds);
    Ok(ds)
}

/// Parses a defined-length value that the dictionary says is a sequence (a private SQ read
/// in implicit VR, or written as UN); None when the bytes are not a valid sequence.
fn reparse_as_sequence(cx: Context<'_>, ds: &Dataset, e: &Element) -> Option<Vec<SharedDataset>> {
    let (start, len) = e.span()?;
    let enc = if e.vr == VR::UN {
        Encoding::IMPLICIT_LE
    } else {
        ds.encoding
    };
    let mut reader =
        ElementReader::sequence_contents(ds.source.bytes(), start, start + len, enc, e.tag);
    let length = u32::try_from(len).ok()?;
    let mut top = build_raw(
        cx,
        &mut reader,
        enc,
        ds.charset.clone(),
        Some((e.tag, e.offset, length)),
    )
    .ok()?;
    match top.elements.pop().map(|el| el.value) {
        Some(ElementValue::Sequence(items)) => Some(items),
        _ => None,
    }
}

fn new_dataset(
    cx: Context<'_>,
    enc: Encoding,
    charset: Arc<CharacterSet>,
    offset: usize,
) -> Dataset {
    let mut ds = Dataset::with_encoding(cx.source.clone(), enc, charset, offset);
    ds.transfer_syntax = cx.ts;
    ds
}

fn current_dataset(stack: &mut [Open]) -> Result<&mut Dataset> {
    match stack.last_mut() {
        Some(Open::Dataset(d)) => Ok(d),
        _ => Err(DicomError::new(
            ErrorKind::Malformed,
            None,
            "",
            "element outside a dataset",
        )),
    }
}

fn structure_error(reader: &ElementReader<'_>) -> DicomError {
    DicomError::new(
        ErrorKind::Malformed,
        Some(ElementReader::position(reader) as u64),
        reader.tag_path(),
        "unbalanced sequence/item structure",
    )
}

/// Sorts by tag when the file was out of order; a repeated tag keeps its last occurrence
/// (pydicom's dict semantics).
fn finish(ds: &mut Dataset) {
    let sorted = ds.elements.windows(2).all(|w| w[0].tag < w[1].tag);
    if !sorted {
        ds.elements.sort_by_key(|e| e.tag);
        let mut out: Vec<Element> = Vec::with_capacity(ds.elements.len());
        for e in ds.elements.drain(..) {
            match out.last_mut() {
                Some(last) if last.tag == e.tag => *last = e,
                _ => out.push(e),
            }
        }
        ds.elements = out;
    }
}

fn us_value(ds: &Dataset, tag: Tag) -> Option<u16> {
    ds.byte_order().read(ds.raw(tag)?, 0)
}

const PIXEL_REPRESENTATION: Tag = Tag(0x0028, 0x0103);
const BITS_ALLOCATED: Tag = Tag(0x0028, 0x0100);
const LUT_DESCRIPTOR: Tag = Tag(0x0028, 0x3002);
const LUT_DATA: Tag = Tag(0x0028, 0x3006);

/// The VR of a private element from the private dictionary, given its creator in `ds`
/// (pydicom's rule: the creator must be in the same dataset and single-valued).
fn private_vr(ds: &Dataset, tag: Tag) -> VR {
    if tag.is_private_creator() {
        return VR::LO;
    }
    let block = tag.1 >> 8;
    if block < 0x10 {
        return VR::UN;
    }
    let Some(creator) = ds.get(Tag(tag.0, block)) else {
        return VR::UN;
    };
    let raw = ds.bytes_of(creator);
    if raw.contains(&b'\\') {
        return VR::UN;
    }
    let name = crate::value::latin1(raw);
    let name = name.trim_end_matches(['\0', ' ']);
    if name.is_empty() {
        return VR::UN;
    }
    dictionary::private_vr(name, tag).unwrap_or(VR::UN)
}

/// Chooses VRs the encoding did not give: alternatives ("US or SS", "OB or OW", "US or OW")
/// for implicit VR, the dictionary VR for UN, and private VRs from the private dictionary,
/// the way pydicom does; defined-length values that turn out to be sequences are parsed.
fn resolve_vrs(cx: Context<'_>, ds: &mut Dataset, inherited_pixel_rep: Option<u16>) {
    let pixel_rep = us_value(ds, PIXEL_REPRESENTATION).or(inherited_pixel_rep);
    let has_pixel_data = ds.contains(Tag::PIXEL_DATA);
    let bits_allocated = us_value(ds, BITS_ALLOCATED);
    let lut_first = us_value(ds, LUT_DESCRIPTOR);
    let explicit = ds.encoding.explicit_vr;
    for i in 0..ds.elements.len() {
        let tag = ds.elements[i].tag;
        if let ElementValue::Sequence(items) = &mut ds.elements[i].value {
            for item in items {
                resolve_vrs(cx, &mut item.write(), pixel_rep);
            }
            continue;
        }
        let vr = ds.elements[i].vr;
        if explicit && vr != VR::UN {
            continue;
        }
        if tag.0 % 2 == 1 {
            let new_vr = private_vr(ds, tag);
            if new_vr == VR::SQ {
                if let Some(items) = reparse_as_sequence(cx, ds, &ds.elements[i]) {
                    for item in &items {
                        resolve_vrs(cx, &mut item.write(), pixel_rep);
                    }
                    let e = &mut ds.elements[i];
                    e.vr = VR::SQ;
                    e.value = ElementValue::Sequence(items);
                }
                continue;
            }
            ds.elements[i].vr = new_vr;
            continue;
        }
        // The reader gave implicit VR elements their dictionary VR; only entries with
        // alternatives (whose first VR is US or OB: "US or SS", "OB or OW", ...) and UN need
        // another look (a dictionary search per element was a third of an implicit parse).
        if tag.is_group_length() || !matches!(vr, VR::US | VR::OB | VR::UN) {
            continue;
        }
        let Some(entry) = dictionary::by_tag(tag) else {
            continue;
        };
        let new_vr = match entry.vrs {
            [] => continue,
            [one] => *one,
            alts => {
                let encapsulated =
                    matches!(ds.elements[i].value, ElementValue::Encapsulated { .. });
                if tag == Tag::PIXEL_DATA {
                    if encapsulated {
                        VR::OB
                    } else if !explicit || bits_allocated.is_some_and(|b| b > 8) {
                        VR::OW
                    } else {
                        VR::OB
                    }
                } else if tag.0 & 0xFF00 == 0x6000 && tag.1 == 0x3000 {
                    VR::OW
                } else if tag == LUT_DATA {
                    if lut_first == Some(1) { VR::US } else { VR::OW }
                } else if alts.contains(&VR::SS) {
                    // pydicom: the nearest Pixel Representation; without one, US unless the
                    // dataset has pixel data. LUT descriptors follow the same rule.
                    match pixel_rep {
                        None if has_pixel_data => VR::SS,
                        None | Some(0) => VR::US,
                        Some(_) => VR::SS,
                    }
                } else {
                    alts.iter()
                        .copied()
                        .find(|v| *v == VR::OW)
                        .unwrap_or(alts[0])
                }
            }
        };
        ds.elements[i].vr = new_vr;
    }
}
