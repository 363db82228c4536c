//! Datasets to bytes: every element through the element writer, in ascending tag order.
//! Untouched values are copied straight from their source (header and all when the encoding
//! is unchanged, so that an unmodified dataset is written byte for byte as it was read);
//! sequences and items keep the lengths they were read with, or follow [`Lengths`].

use std::io::Write;

use super::element::{ElementWriter, UNDEFINED, header_len};
use crate::core::{Dataset, Element, ElementValue, Encoding, Tag, VR};
use crate::error::{DicomError, ErrorKind, Result};

/// How sequence and item lengths are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lengths {
    /// As they were read; new sequences and items get undefined lengths.
    #[default]
    AsRead,
    /// Every sequence and item with an undefined length and delimiters.
    Undefined,
    /// Every sequence and item with its length (no delimiters).
    Defined,
}

/// What writing a dataset needs to know besides the dataset.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The encoding written.
    pub encoding: Encoding,
    /// Sequence and item lengths.
    pub lengths: Lengths,
}

fn sequence_undefined(e: &Element, lengths: Lengths) -> bool {
    match lengths {
        Lengths::Undefined => true,
        Lengths::Defined => false,
        Lengths::AsRead => !e.has_offset() || e.length.is_none(),
    }
}

fn item_undefined(item: &Dataset, lengths: Lengths) -> bool {
    match lengths {
        Lengths::Undefined => true,
        Lengths::Defined => false,
        Lengths::AsRead => !matches!(item.item_length(), Some(Some(_))),
    }
}

/// The source bytes of an untouched element, header included, when the target encoding is
/// the one it was read with: written as they are.
fn verbatim<'a>(ds: &'a Dataset, e: &Element, target: Target) -> Option<&'a [u8]> {
    let ElementValue::Bytes { start, len } = e.value else {
        return None;
    };
    if !e.has_offset() || target.encoding != ds.encoding() || e.tag.is_group_length() {
        return None;
    }
    ds.source().bytes().get(e.offset..start.checked_add(len)?)
}

/// Encoded size of an element in the target encoding.
pub fn element_size(ds: &Dataset, e: &Element, target: Target) -> Result<u64> {
    if let Some(b) = verbatim(ds, e, target) {
        return Ok(b.len() as u64);
    }
    let header = header_len(target.encoding, e.vr);
    Ok(match &e.value {
        ElementValue::Sequence(items) => {
            let mut n = header_len(target.encoding, VR::SQ);
            for item in items {
                let item = item.read();
                n += 8 + dataset_size(&item, target)?;
                if item_undefined(&item, target.lengths) {
                    n += 8;
                }
            }
            if sequence_undefined(e, target.lengths) {
                n += 8;
            }
            n
        }
        ElementValue::Encapsulated {
            offset_table,
            fragments,
            ..
        } => {
            let items: u64 = fragments.iter().map(|f| 8 + f.len as u64).sum();
            header + 8 + offset_table.len as u64 + items + 8
        }
        _ => header + ds.bytes_of(e).len() as u64,
    })
}

/// Encoded size of a dataset's elements (without any item header).
pub fn dataset_size(ds: &Dataset, target: Target) -> Result<u64> {
    ds.iter()
        .try_fold(0u64, |n, e| Ok(n + element_size(ds, e, target)?))
}

fn length_field(n: u64, tag: Tag) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&v| v != UNDEFINED)
        .ok_or_else(|| {
            DicomError::new(
                ErrorKind::Write,
                None,
                tag.to_string(),
                format!("{n} bytes do not fit a 32-bit length: write it with undefined lengths"),
            )
        })
}

/// Writes the elements of `ds` (for a group length element, the recomputed length of its
/// group).
pub fn write_dataset<W: Write>(
    w: &mut ElementWriter<W>,
    ds: &Dataset,
    target: Target,
) -> Result<()> {
    for e in ds.iter() {
        write_element(w, ds, e, target).map_err(|err| err.in_path(e.tag.to_string()))?;
    }
    Ok(())
}

fn write_element<W: Write>(
    w: &mut ElementWriter<W>,
    ds: &Dataset,
    e: &Element,
    target: Target,
) -> Result<()> {
    if let Some(bytes) = verbatim(ds, e, target) {
        return w.raw(bytes);
    }
    match &e.value {
        ElementValue::Sequence(items) => {
            let undefined = sequence_undefined(e, target.lengths);
            let length = if undefined {
                UNDEFINED
            } else {
                let n = element_size(ds, e, target)? - header_len(target.encoding, VR::SQ);
                length_field(n, e.tag)?
            };
            w.header(e.tag, VR::SQ, length)?;
            for (i, item) in items.iter().enumerate() {
                let item = item.read();
                let in_item = |err: DicomError| {
                    let path = if err.path.is_empty() {
                        format!("{}[{i}]", e.tag)
                    } else {
                        format!("{}[{i}].{}", e.tag, err.path)
                    };
                    DicomError { path, ..err }
                };
                let item_undef = item_undefined(&item, target.lengths);
                let length = if item_undef {
                    UNDEFINED
                } else {
                    length_field(dataset_size(&item, target)?, e.tag)?
                };
                w.item(length)?;
                write_dataset(w, &item, target).map_err(in_item)?;
                if item_undef {
                    w.item_end()?;
                }
            }
            if undefined {
                w.sequence_end()?;
            }
            Ok(())
        }
        ElementValue::Encapsulated {
            offset_table,
            fragments,
            ..
        } => {
            w.header(e.tag, e.vr, UNDEFINED)?;
            for f in std::iter::once(offset_table).chain(fragments) {
                w.item(length_field(f.len as u64, e.tag)?)?;
                w.raw(ds.fragment_bytes(e, f))?;
            }
            w.sequence_end()
        }
        ElementValue::Truncated { error, .. } => Err(DicomError::new(
            ErrorKind::Write,
            error.offset,
            e.tag.to_string(),
            format!("the value was cut short in the source and cannot be written: {error}"),
        )),
        ElementValue::Bytes { .. } | ElementValue::Owned(_) => {
            if e.tag.is_group_length() && e.vr == VR::UL {
                return write_group_length(w, ds, e.tag, target);
            }
            let bytes = ds.bytes_of(e);
            w.header(e.tag, e.vr, length_field(bytes.len() as u64, e.tag)?)?;
            w.value(e.vr, bytes, ds.byte_order())
        }
    }
}

/// (gggg,0000): the length of the rest of its group, as it will be written.
fn write_group_length<W: Write>(
    w: &mut ElementWriter<W>,
    ds: &Dataset,
    tag: Tag,
    target: Target,
) -> Result<()> {
    let mut n = 0u64;
    for e in ds.iter().filter(|e| e.tag.0 == tag.0 && e.tag.1 != 0) {
        n += element_size(ds, e, target)?;
    }
    let value = length_field(n, tag)?;
    w.header(tag, VR::UL, 4)?;
    let mut b = Vec::with_capacity(4);
    target.encoding.byte_order().write(value, &mut b);
    w.raw(&b)
}
