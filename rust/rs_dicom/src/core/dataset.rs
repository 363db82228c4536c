use std::sync::Arc;

use super::{Tag, VR};
use crate::parser::Source;
use crate::value::charset::CharacterSet;

/// One encapsulated pixel data item: a span of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    /// Offset of the fragment's first byte (after the item header).
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

/// Sequence items.
pub type Items = Vec<Dataset>;

/// Where an element's value lives.
#[derive(Debug, Clone)]
pub enum ElementValue {
    /// A span of the source: `start..start + len`.
    Bytes {
        /// First byte of the value.
        start: usize,
        /// Length in bytes (the encoded length, which may be odd).
        len: usize,
    },
    /// A sequence of items.
    Sequence(Items),
    /// Encapsulated pixel data: Basic Offset Table item and fragments.
    Encapsulated {
        /// The first item (Basic Offset Table), possibly empty.
        offset_table: Fragment,
        /// The remaining items.
        fragments: Vec<Fragment>,
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
    /// Byte offset of the element header in the source.
    pub offset: usize,
    /// The value.
    pub value: ElementValue,
}

impl Element {
    /// Sequence items, if this is a sequence.
    pub fn items(&self) -> Option<&[Dataset]> {
        match &self.value {
            ElementValue::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// The value's span `(start, len)` if the value is a plain byte span.
    pub fn span(&self) -> Option<(usize, usize)> {
        match self.value {
            ElementValue::Bytes { start, len } => Some((start, len)),
            _ => None,
        }
    }
}

/// A dataset (or sequence item): elements in ascending tag order, each a span into `source`.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub(crate) source: Arc<Source>,
    pub(crate) elements: Vec<Element>,
    pub(crate) big_endian: bool,
    pub(crate) explicit_vr: bool,
    pub(crate) charset: Arc<CharacterSet>,
    pub(crate) offset: usize,
}

impl Dataset {
    /// An empty dataset over a source.
    pub fn empty(source: Arc<Source>) -> Dataset {
        Dataset {
            source,
            elements: Vec::new(),
            big_endian: false,
            explicit_vr: true,
            charset: Arc::new(CharacterSet::default()),
            offset: 0,
        }
    }

    /// The element with this tag.
    pub fn get(&self, tag: Tag) -> Option<&Element> {
        self.elements
            .binary_search_by_key(&tag, |e| e.tag)
            .ok()
            .map(|i| &self.elements[i])
    }

    /// Index of the element with this tag.
    pub fn position(&self, tag: Tag) -> Option<usize> {
        self.elements.binary_search_by_key(&tag, |e| e.tag).ok()
    }

    /// True if the tag is present.
    pub fn contains(&self, tag: Tag) -> bool {
        self.get(tag).is_some()
    }

    /// The elements in ascending tag order.
    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// Iterates over the elements in ascending tag order.
    pub fn iter(&self) -> std::slice::Iter<'_, Element> {
        self.elements.iter()
    }

    /// Number of elements (not counting nested ones).
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// True when the dataset has no elements.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The shared source the spans point into.
    pub fn source(&self) -> &Arc<Source> {
        &self.source
    }

    /// True when values are big endian.
    pub fn big_endian(&self) -> bool {
        self.big_endian
    }

    /// True when the dataset was encoded with explicit VR.
    pub fn explicit_vr(&self) -> bool {
        self.explicit_vr
    }

    /// The character set in force for this dataset (its own or inherited).
    pub fn charset(&self) -> &CharacterSet {
        &self.charset
    }

    /// Byte offset of the dataset's first element in the source.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The raw value bytes of an element (empty for sequences and encapsulated data).
    pub fn bytes_of(&self, element: &Element) -> &[u8] {
        match element.value {
            ElementValue::Bytes { start, len } => {
                self.source.bytes().get(start..start + len).unwrap_or(&[])
            }
            _ => &[],
        }
    }

    /// The bytes of a fragment.
    pub fn fragment_bytes(&self, fragment: &Fragment) -> &[u8] {
        self.source
            .bytes()
            .get(fragment.offset..fragment.offset + fragment.len)
            .unwrap_or(&[])
    }

    /// The raw value bytes of the element with this tag.
    pub fn raw(&self, tag: Tag) -> Option<&[u8]> {
        self.get(tag).map(|e| self.bytes_of(e))
    }
}
