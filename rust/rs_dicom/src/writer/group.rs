//! Group lengths (gggg,0000) of groups that are as they were read are written as read, so that
//! a file saved unmodified is byte-identical even where its group lengths were wrong (files
//! edited by tools that did not update them); every other group length is recomputed.

use super::dataset::{Target, element_size, is_group_length, verbatim_range};
use super::element::header_len;
use crate::core::{Dataset, ElementValue, Tag, VR};

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
pub(super) fn group_as_read(ds: &Dataset, index: usize, target: Target) -> bool {
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
