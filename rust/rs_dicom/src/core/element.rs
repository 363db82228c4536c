//! Data elements: tag, VR, length and where the value lives — a span of the source (as read)
//! or bytes the element owns (changed or created), a sequence of shared items, or
//! encapsulated pixel data.

use std::sync::Arc;

use super::dataset::SharedDataset;
use super::source::Source;
use super::{Tag, VR};
use crate::error::DicomError;

/// The `offset` of an element that was created in memory rather than read.
pub const NO_OFFSET: usize = usize::MAX;

/// One encapsulated pixel data item: a span of the buffer the fragments live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    /// Offset of the fragment's first byte (after the item header).
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

/// Sequence items: datasets shared by reference, so that a handle to an item sees (and makes)
/// the same changes as the sequence that holds it.
pub type Items = Vec<SharedDataset>;

/// Where an element's value lives.
#[derive(Debug, Clone)]
pub enum ElementValue {
    /// A span of the dataset's source: `start..start + len` (untouched since reading).
    Bytes {
        /// First byte of the value.
        start: usize,
        /// Length in bytes (the encoded length, which may be odd).
        len: usize,
    },
    /// Bytes owned by the element: a value that was changed or created (copy-on-write).
    Owned(Arc<[u8]>),
    /// A sequence of items.
    Sequence(Items),
    /// Encapsulated pixel data: Basic Offset Table item and fragments.
    Encapsulated {
        /// The first item (Basic Offset Table), possibly empty.
        offset_table: Fragment,
        /// The remaining items.
        fragments: Vec<Fragment>,
        /// The buffer the fragment spans point into; `None` for the dataset's source.
        buffer: Option<Arc<Source>>,
    },
    /// A value the data ends inside of (pixel data cut short): the bytes that are there, and
    /// the error to give when the value is used.
    Truncated {
        /// First byte of what is there.
        start: usize,
        /// Bytes present.
        len: usize,
        /// What is missing, with the offset and tag path.
        error: Arc<DicomError>,
    },
}

/// A data element: tag, VR, length and where its value lives. Values are not decoded here.
#[derive(Debug, Clone)]
pub struct Element {
    /// Tag.
    pub tag: Tag,
    /// VR (explicit, or from the dictionary for implicit VR).
    pub vr: VR,
    /// Encoded length; `None` when undefined (0xFFFFFFFF).
    pub length: Option<u32>,
    /// Byte offset of the element header in the source ([`NO_OFFSET`] when created in memory).
    pub offset: usize,
    /// The value.
    pub value: ElementValue,
}

impl Element {
    /// An element with a value it owns (the encoded bytes, already padded to even length).
    pub fn new(tag: Tag, vr: VR, bytes: impl Into<Arc<[u8]>>) -> Element {
        let bytes: Arc<[u8]> = bytes.into();
        Element {
            tag,
            vr,
            length: u32::try_from(bytes.len()).ok(),
            offset: NO_OFFSET,
            value: ElementValue::Owned(bytes),
        }
    }

    /// A sequence element holding `items`.
    pub fn sequence(tag: Tag, items: Items) -> Element {
        Element {
            tag,
            vr: VR::SQ,
            length: None,
            offset: NO_OFFSET,
            value: ElementValue::Sequence(items),
        }
    }

    /// Sequence items, if this is a sequence.
    pub fn items(&self) -> Option<&[SharedDataset]> {
        match &self.value {
            ElementValue::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// The items of a sequence, to change them.
    pub fn items_mut(&mut self) -> Option<&mut Items> {
        match &mut self.value {
            ElementValue::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// The value's span `(start, len)` in the dataset's source, if it is an untouched span.
    pub fn span(&self) -> Option<(usize, usize)> {
        match self.value {
            ElementValue::Bytes { start, len } => Some((start, len)),
            _ => None,
        }
    }

    /// True when the value is bytes the element owns (changed or created).
    pub fn is_owned(&self) -> bool {
        matches!(self.value, ElementValue::Owned(_))
    }

    /// True when the element was read from a source (it has a byte offset).
    pub fn has_offset(&self) -> bool {
        self.offset != NO_OFFSET
    }

    /// The error recorded for a value the data ended inside of.
    pub fn truncation(&self) -> Option<&DicomError> {
        match &self.value {
            ElementValue::Truncated { error, .. } => Some(error),
            _ => None,
        }
    }
}
