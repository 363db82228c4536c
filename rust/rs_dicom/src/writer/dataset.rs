//! Datasets to bytes: every element through the element writer, in ascending tag order.
//! Untouched values are copied straight from their source (header and all when the encoding
//! is unchanged, so that an unmodified dataset is written byte for byte as it was read);
//! sequences and items keep the lengths they were read with, or follow [`Lengths`].

use std::io::Write;

use std::ops::Range;

use super::element::{ElementWriter, UNDEFINED, encode_header, header_len};
use super::encapsulated::{fragment_bytes, offset_table};
use crate::core::{Dataset, Element, ElementValue, Encoding, Tag, VR};
use crate::error::{DicomError, ErrorKind, Result};

/// How sequence and item lengths are written. In implicit VR, sequences the dictionary does
/// not know (private ones) are written with undefined lengths whatever is asked: that is what
/// tells a reader they are sequences.
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

fn sequence_undefined(ds: &Dataset, e: &Element, target: Target) -> bool {
    // In implicit VR only an undefined length tells a reader that an element the dictionary
    // does not know (a private sequence) is a sequence: such sequences are written undefined
    // unless they were read from implicit VR with a defined length (and so are recognised
    // some other way).
    let unknown = !target.encoding.explicit_vr
        && crate::dictionary::implicit_vr(e.tag) != VR::SQ
        && !(e.has_offset() && e.length.is_some() && !ds.encoding().explicit_vr);
    match target.lengths {
        Lengths::Undefined => true,
        Lengths::Defined => unknown,
        Lengths::AsRead => unknown || !e.has_offset() || e.length.is_none(),
    }
}

fn item_undefined(item: &Dataset, lengths: Lengths) -> bool {
    match lengths {
        Lengths::Undefined => true,
        Lengths::Defined => false,
        Lengths::AsRead => !matches!(item.item_length(), Some(Some(_))),
    }
}

/// The source range of an untouched element, header included, when the target encoding is
/// the one it was read with and its header in the source is framed in that encoding (tag,
/// VR field, length): written as it is. The VR written there may differ from the element's
/// (a UN or "US or SS" the reader resolved, as pydicom does): a save keeps what was read.
/// (Lenient reading can leave an element framed otherwise than its dataset, e.g. one in
/// explicit VR before an implicit VR dataset: that one is encoded again.)
pub(super) fn verbatim_range(ds: &Dataset, e: &Element, target: Target) -> Option<Range<usize>> {
    let ElementValue::Bytes { start, len } = e.value else {
        return None;
    };
    if !e.has_offset() || target.encoding != ds.encoding() {
        return None;
    }
    let end = start.checked_add(len)?;
    let source = ds.source().bytes().get(e.offset..end)?;
    let vr = if target.encoding.explicit_vr {
        VR::from_bytes([*source.get(4)?, *source.get(5)?])?
    } else {
        e.vr
    };
    let header = encode_header(target.encoding, e.tag, vr, u32::try_from(len).ok()?).ok()?;
    let header = header.as_slice();
    (source.starts_with(header) && start.checked_sub(e.offset) == Some(header.len()))
        .then_some(e.offset..end)
}

/// A group length element (gggg,0000), whose value the writer recomputes: UL by definition
/// (PS3.5 7.2), though an implicit VR reader gives a private one UN (as pydicom does). It is
/// written as UL.
pub(super) fn is_group_length(ds: &Dataset, e: &Element) -> bool {
    e.tag.is_group_length()
        && matches!(e.vr, VR::UL | VR::UN)
        && matches!(e.value, ElementValue::Bytes { .. } | ElementValue::Owned(_))
        && ds.bytes_of(e).len() == 4
}

/// The source range to copy for the element at `index`: an untouched element, or a group
/// length whose group is as it was read (its value, right or wrong, is the input's).
fn copyable(ds: &Dataset, index: usize, target: Target) -> Option<Range<usize>> {
    let e = ds.elements().get(index)?;
    let range = verbatim_range(ds, e, target)?;
    if is_group_length(ds, e) && !group_as_read(ds, index, target) {
        return None;
    }
    Some(range)
}

fn verbatim<'a>(ds: &'a Dataset, e: &Element, target: Target) -> Option<&'a [u8]> {
    if is_group_length(ds, e) {
        return None;
    }
    ds.source().bytes().get(verbatim_range(ds, e, target)?)
}

/// Encoded size of an element in the target encoding.
pub fn element_size(ds: &Dataset, e: &Element, target: Target) -> Result<u64> {
    if let Some(b) = verbatim(ds, e, target) {
        return Ok(b.len() as u64);
    }
    if is_group_length(ds, e) {
        return Ok(header_len(target.encoding, VR::UL) + 4);
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
            if sequence_undefined(ds, e, target) {
                n += 8;
            }
            n
        }
        ElementValue::Encapsulated { fragments, .. } => {
            let items: u64 = fragments.iter().map(|f| 8 + f.len as u64).sum();
            let table = offset_table(ds, &e.value).len() as u64;
            header + 8 + table + items + 8
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
/// group, unless the group is as it was read). Runs of untouched elements that lie one after
/// another in the source are copied with one write.
pub fn write_dataset<W: Write>(
    w: &mut ElementWriter<W>,
    ds: &Dataset,
    target: Target,
) -> Result<()> {
    let source = ds.source().bytes();
    let mut run: Option<Range<usize>> = None;
    for (i, e) in ds.iter().enumerate() {
        if let Some(r) = copyable(ds, i, target) {
            match &mut run {
                Some(open) if open.end == r.start => open.end = r.end,
                _ => {
                    if let Some(done) = run.replace(r) {
                        w.raw(&source[done])?;
                    }
                }
            }
            continue;
        }
        if let Some(done) = run.take() {
            w.raw(&source[done])?;
        }
        write_element(w, ds, e, target).map_err(|err| err.in_path(e.tag.to_string()))?;
    }
    if let Some(done) = run {
        w.raw(&source[done])?;
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
            let undefined = sequence_undefined(ds, e, target);
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
            fragments, buffer, ..
        } => {
            if !target.encoding.explicit_vr {
                // A reader of implicit VR would take the items for a sequence's.
                return Err(DicomError::new(
                    ErrorKind::Write,
                    None,
                    e.tag.to_string(),
                    "encapsulated (compressed) data cannot be written in implicit VR: the \
                     encapsulated transfer syntaxes are explicit VR (PS3.5 A.4)",
                ));
            }
            w.header(e.tag, e.vr, UNDEFINED)?;
            let table = offset_table(ds, &e.value);
            w.item(length_field(table.len() as u64, e.tag)?)?;
            w.raw(&table)?;
            for f in fragments {
                w.item(length_field(f.len as u64, e.tag)?)?;
                w.raw(fragment_bytes(ds, buffer.as_deref(), f))?;
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
            if is_group_length(ds, e) {
                return write_group_length(w, ds, e.tag, target);
            }
            let bytes = ds.bytes_of(e);
            if !target.encoding.explicit_vr
                && !bytes.is_empty()
                && crate::dictionary::implicit_vr(e.tag) == VR::SQ
            {
                return Err(DicomError::new(
                    ErrorKind::Write,
                    None,
                    e.tag.to_string(),
                    format!(
                        "a {} value of a tag the dictionary makes a sequence cannot be written \
                         in implicit VR (a reader would take it for a sequence): write it in \
                         explicit VR",
                        e.vr
                    ),
                ));
            }
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
    w.number(value)
}

// Group lengths (gggg,0000) of groups that are as they were read are written as read, so that
// a file saved unmodified is byte-identical even where its group lengths were wrong (files
// edited by tools that did not update them); every other group length is recomputed.

/// Bytes the element at `index` took in the source, header included, when that is known:
/// untouched values, sequences (of undefined length: up to the next element, or the end of
/// the dataset, when a sequence delimiter is right before it), encapsulated data in the
/// dataset's source.
fn source_extent(ds: &Dataset, index: usize) -> Option<usize> {
    let elements = ds.elements();
    let e = elements.get(index)?;
    let end = match &e.value {
        ElementValue::Bytes { start, len } => start.checked_add(*len)?,
        ElementValue::Sequence(_) => match e.length {
            Some(n) => {
                let header = usize::try_from(header_len(ds.encoding(), VR::SQ)).ok()?;
                e.offset
                    .checked_add(header)?
                    .checked_add(usize::try_from(n).ok()?)?
            }
            None => {
                let end = match elements.get(index + 1) {
                    Some(next) if next.has_offset() => next.offset,
                    Some(_) => return None,
                    None => dataset_end(ds)?,
                };
                is_tag(ds, end.checked_sub(8)?, Tag::SEQUENCE_DELIMITER).then_some(end)?
            }
        },
        ElementValue::Encapsulated {
            offset_table,
            fragments,
            buffer: None,
        } => {
            let last = fragments.last().unwrap_or(offset_table);
            // The sequence delimiter after the last item must be there.
            let end = last.offset.checked_add(last.len)?.checked_add(8)?;
            (end <= ds.source().len()).then_some(end)?
        }
        _ => return None,
    };
    end.checked_sub(e.offset)
}

fn is_tag(ds: &Dataset, at: usize, tag: Tag) -> bool {
    let order = ds.byte_order();
    let bytes = ds.source().bytes();
    order.read::<u16>(bytes, at) == Some(tag.0)
        && order.read::<u16>(bytes, at.saturating_add(2)) == Some(tag.1)
}

/// Where the dataset ended in its source, if known: the end of the data for a top-level
/// dataset, the end of a defined-length item.
fn dataset_end(ds: &Dataset) -> Option<usize> {
    match ds.item_length() {
        None => Some(ds.source().len()),
        Some(Some(n)) => ds.offset().checked_add(usize::try_from(n).ok()?),
        Some(None) => None,
    }
}

/// True when the dataset ended at `end` in its source (for an undefined-length item: its
/// item delimiter is there).
fn ends_at(ds: &Dataset, end: usize) -> bool {
    match ds.item_length() {
        Some(None) => is_tag(ds, end, Tag::ITEM_DELIMITER),
        _ => dataset_end(ds) == Some(end),
    }
}

/// True when the group of the group length element at `index` is as it was read: each of its
/// elements starts where the one before ended in the source and is written as long as it
/// was read, and what follows the group starts where the group ended (nothing was added,
/// removed or changed in size). Its value then still describes the group as well as it did.
fn group_as_read(ds: &Dataset, index: usize, target: Target) -> bool {
    let elements = ds.elements();
    let Some(length) = elements.get(index) else {
        return false;
    };
    let Some(range) = verbatim_range(ds, length, target) else {
        return false;
    };
    // Copied as read, it must be as long as the UL the writer would write (element_size).
    if !is_group_length(ds, length) || range.len() != 12 {
        return false;
    }
    let mut end = range.end;
    let mut next = index + 1;
    while let Some(e) = elements.get(next).filter(|e| e.tag.0 == length.tag.0) {
        if !e.has_offset() || e.offset != end {
            return false;
        }
        let Some(extent) = source_extent(ds, next) else {
            return false;
        };
        if element_size(ds, e, target).ok() != u64::try_from(extent).ok() {
            return false;
        }
        let Some(e_end) = e.offset.checked_add(extent) else {
            return false;
        };
        end = e_end;
        next += 1;
    }
    match elements.get(next) {
        Some(e) => e.has_offset() && e.offset == end,
        None => ends_at(ds, end),
    }
}
