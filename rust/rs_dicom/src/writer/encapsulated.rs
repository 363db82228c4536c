//! Encapsulated pixel data (PS3.5 A.4): values made from frames or from the bytes of an item
//! sequence (what pydicom's `encapsulate` returns), and the Basic Offset Table written with
//! them — as read for fragments that are as read, rebuilt for fragments that changed.

use std::borrow::Cow;
use std::sync::Arc;

use crate::core::{ByteOrder, Dataset, ElementValue, Fragment, Source, Tag};
use crate::error::{DicomError, ErrorKind, Result};
use crate::value::{self, Scalar, Value};

const NUMBER_OF_FRAMES: Tag = Tag(0x0028, 0x0008);

/// Encapsulated pixel data of one fragment per frame (each padded to an even length), with a
/// Basic Offset Table when `offset_table` is true (else an empty one).
pub fn encapsulate(frames: &[&[u8]], offset_table: bool) -> ElementValue {
    // Sized at once: growing by doubling would copy the (possibly large) value again.
    let padded: usize = frames.iter().map(|f| f.len() + f.len() % 2).sum();
    let mut buffer = Vec::with_capacity(padded + 4 * frames.len());
    let mut table = Vec::new();
    let mut fragments = Vec::with_capacity(frames.len());
    let mut at = 0u64;
    for frame in frames {
        ByteOrder::Little.write(u32::try_from(at).unwrap_or(u32::MAX), &mut table);
        let start = buffer.len();
        buffer.extend_from_slice(frame);
        if !frame.len().is_multiple_of(2) {
            buffer.push(0);
        }
        let len = buffer.len() - start;
        fragments.push(Fragment { offset: start, len });
        at += 8 + len as u64;
    }
    if !offset_table {
        table.clear();
    }
    let table_at = buffer.len();
    buffer.extend_from_slice(&table);
    ElementValue::Encapsulated {
        offset_table: Fragment {
            offset: table_at,
            len: table.len(),
        },
        fragments,
        buffer: Some(Arc::new(Source::Owned(buffer))),
    }
}

/// Encapsulated pixel data from the bytes of its items (the value of an undefined-length
/// Pixel Data element without the sequence delimiter, which may also be there): the first item
/// is the Basic Offset Table. Anything but whole items is an error naming the byte offset.
pub fn from_items(bytes: Arc<[u8]>) -> Result<ElementValue> {
    let le = ByteOrder::Little;
    let mut items = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let bad = |msg: &str| {
            DicomError::new(
                ErrorKind::Write,
                Some(at as u64),
                Tag::PIXEL_DATA.to_string(),
                format!("the pixel data is not an encapsulated item sequence: {msg}"),
            )
        };
        let (Some(group), Some(elem), Some(len)) = (
            le.read::<u16>(&bytes, at),
            le.read::<u16>(&bytes, at + 2),
            le.read::<u32>(&bytes, at + 4),
        ) else {
            return Err(bad("an item header is cut short"));
        };
        let tag = Tag(group, elem);
        if tag == Tag::SEQUENCE_DELIMITER && at + 8 == bytes.len() && !items.is_empty() {
            break;
        }
        if tag != Tag::ITEM {
            return Err(bad(&format!("{tag} where an item (FFFE,E000) should be")));
        }
        let start = at + 8;
        let end = usize::try_from(len)
            .ok()
            .and_then(|n| start.checked_add(n))
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| bad(&format!("an item of {len} bytes runs past the value")))?;
        items.push(Fragment {
            offset: start,
            len: end - start,
        });
        at = end;
    }
    let mut items = items.into_iter();
    let Some(offset_table) = items.next() else {
        return Err(DicomError::new(
            ErrorKind::Write,
            None,
            Tag::PIXEL_DATA.to_string(),
            "the pixel data is not an encapsulated item sequence: it has no items",
        ));
    };
    Ok(ElementValue::Encapsulated {
        offset_table,
        fragments: items.collect(),
        buffer: Some(Arc::new(Source::Owned(bytes.to_vec()))),
    })
}

/// The Basic Offset Table to write for encapsulated data: as it is when the fragments are
/// those read with it (a file saved unmodified stays byte-identical, a wrong table included)
/// or when every entry is still the offset of a fragment's item; else rebuilt, one entry per
/// fragment when there are as many fragments as frames (or as entries), and empty otherwise
/// (PS3.5 A.4 allows an empty table).
pub(super) fn offset_table<'a>(ds: &'a Dataset, value: &'a ElementValue) -> Cow<'a, [u8]> {
    let ElementValue::Encapsulated {
        offset_table,
        fragments,
        buffer,
    } = value
    else {
        return Cow::Borrowed(&[]);
    };
    let bytes = fragment_bytes(ds, buffer.as_deref(), offset_table);
    if buffer.is_none() || bytes.is_empty() {
        return Cow::Borrowed(bytes);
    }
    let mut starts = Vec::with_capacity(fragments.len());
    let mut at = 0u64;
    for f in fragments {
        starts.push(at);
        at += 8 + f.len as u64;
    }
    let entries: Vec<u64> = bytes
        .chunks_exact(4)
        .map(|c| u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .collect();
    let consistent = bytes.len().is_multiple_of(4)
        && entries.first() == Some(&0)
        && entries.windows(2).all(|w| w[0] < w[1])
        && entries.iter().all(|e| starts.binary_search(e).is_ok());
    if consistent {
        return Cow::Borrowed(bytes);
    }
    if fragments.len() != number_of_frames(ds) && fragments.len() != entries.len() {
        return Cow::Borrowed(&[]);
    }
    let mut table = Vec::with_capacity(4 * starts.len());
    for s in starts {
        ByteOrder::Little.write(u32::try_from(s).unwrap_or(u32::MAX), &mut table);
    }
    Cow::Owned(table)
}

/// Number of Frames (0028,0008), 1 when absent or not a positive number.
fn number_of_frames(ds: &Dataset) -> usize {
    match ds.get(NUMBER_OF_FRAMES).map(|e| value::decode(ds, e)) {
        Some(Value::Numbers(v)) => match v.first() {
            Some(Scalar::Int(n)) if *n >= 1 => usize::try_from(*n).unwrap_or(1),
            _ => 1,
        },
        _ => 1,
    }
}

/// The bytes of a fragment of an encapsulated value held in `buffer` (None: the dataset's
/// source).
pub(super) fn fragment_bytes<'a>(
    ds: &'a Dataset,
    buffer: Option<&'a Source>,
    f: &Fragment,
) -> &'a [u8] {
    buffer
        .unwrap_or_else(|| ds.source())
        .bytes()
        .get(f.offset..f.offset.saturating_add(f.len))
        .unwrap_or(&[])
}
