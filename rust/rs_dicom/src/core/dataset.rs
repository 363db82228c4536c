//! The dataset and its elements: elements in ascending tag order, each value a span of the
//! shared source (as read) or bytes it owns (changed or created), a sequence of items shared by
//! reference ([`SharedDataset`]), or encapsulated pixel data. Elements and datasets nest in
//! each other, so they live in one module.

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::charset::CharacterSet;
use super::endian::ByteOrder;
use super::source::Source;
use super::ts::{Encoding, TransferSyntax};
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

/// A dataset (or sequence item): elements in ascending tag order.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub(crate) source: Arc<Source>,
    pub(crate) elements: Vec<Element>,
    pub(crate) encoding: Encoding,
    pub(crate) charset: Arc<CharacterSet>,
    pub(crate) offset: usize,
    pub(crate) transfer_syntax: Option<&'static TransferSyntax>,
    /// For a sequence item read from a source: its encoded length (`Some(None)` when
    /// undefined); `None` for datasets made in memory.
    pub(crate) item_length: Option<Option<u32>>,
    generation: u64,
}

static EMPTY: &[u8] = &[];

impl Default for Dataset {
    fn default() -> Self {
        Dataset::new()
    }
}

impl Dataset {
    /// A new, empty dataset (explicit VR little endian, default character set).
    pub fn new() -> Dataset {
        Dataset::empty(Arc::new(Source::Static(EMPTY)))
    }

    /// An empty dataset over a source.
    pub fn empty(source: Arc<Source>) -> Dataset {
        Dataset::with_encoding(source, Encoding::EXPLICIT_LE, Arc::default(), 0)
    }

    /// An empty dataset over a source, read with `encoding` and `charset` from `offset`.
    pub(crate) fn with_encoding(
        source: Arc<Source>,
        encoding: Encoding,
        charset: Arc<CharacterSet>,
        offset: usize,
    ) -> Dataset {
        Dataset {
            source,
            elements: Vec::new(),
            encoding,
            charset,
            offset,
            transfer_syntax: None,
            item_length: None,
            generation: 0,
        }
    }

    /// The element with this tag.
    pub fn get(&self, tag: Tag) -> Option<&Element> {
        self.position(tag).map(|i| &self.elements[i])
    }

    /// Index of the element with this tag.
    pub fn position(&self, tag: Tag) -> Option<usize> {
        self.elements.binary_search_by_key(&tag, |e| e.tag).ok()
    }

    /// True if the tag is present.
    pub fn contains(&self, tag: Tag) -> bool {
        self.position(tag).is_some()
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
        self.encoding.big_endian
    }

    /// True when the dataset was encoded with explicit VR.
    pub fn explicit_vr(&self) -> bool {
        self.encoding.explicit_vr
    }

    /// How the dataset was encoded (explicit VR little endian for new datasets).
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The byte order of the values.
    pub fn byte_order(&self) -> ByteOrder {
        self.encoding.byte_order()
    }

    /// The transfer syntax the dataset was read with (None for datasets made in memory).
    pub fn transfer_syntax(&self) -> Option<&'static TransferSyntax> {
        self.transfer_syntax
    }

    /// The character set in force for this dataset (its own or inherited).
    pub fn charset(&self) -> &CharacterSet {
        &self.charset
    }

    /// The character set, shared.
    pub fn charset_arc(&self) -> &Arc<CharacterSet> {
        &self.charset
    }

    /// Byte offset of the dataset's first element in the source.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// How the item was encoded where it was read: `Some(None)` for an undefined length,
    /// `Some(Some(n))` for a defined one; `None` for a dataset made in memory.
    pub fn item_length(&self) -> Option<Option<u32>> {
        self.item_length
    }

    /// A number that changes whenever the dataset's own elements change (not nested items):
    /// what caches of derived values (pixel descriptions, arrays) compare against.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn touch(&mut self) {
        self.generation = self.generation.wrapping_add(1);
    }

    /// The value bytes of an element: its span of the source, or the bytes it owns (empty for
    /// sequences and encapsulated data).
    pub fn bytes_of<'a>(&'a self, element: &'a Element) -> &'a [u8] {
        match &element.value {
            ElementValue::Bytes { start, len } | ElementValue::Truncated { start, len, .. } => self
                .source
                .bytes()
                .get(*start..start.saturating_add(*len))
                .unwrap_or(&[]),
            ElementValue::Owned(bytes) => bytes,
            _ => &[],
        }
    }

    /// The bytes of a fragment of `element` (encapsulated pixel data).
    pub fn fragment_bytes<'a>(&'a self, element: &'a Element, fragment: &Fragment) -> &'a [u8] {
        let buffer = match &element.value {
            ElementValue::Encapsulated {
                buffer: Some(b), ..
            } => b,
            _ => &self.source,
        };
        buffer
            .bytes()
            .get(fragment.offset..fragment.offset.saturating_add(fragment.len))
            .unwrap_or(&[])
    }

    /// The raw value bytes of the element with this tag.
    pub fn raw(&self, tag: Tag) -> Option<&[u8]> {
        self.get(tag).map(|e| self.bytes_of(e))
    }

    /// Inserts an element, replacing one with the same tag; returns the replaced element.
    ///
    /// A value that is a [`ElementValue::Bytes`] span must point into this dataset's source
    /// (an element taken from this dataset); values from elsewhere are owned bytes.
    pub fn insert(&mut self, element: Element) -> Option<Element> {
        self.touch();
        if element.tag == Tag::SPECIFIC_CHARACTER_SET {
            self.charset = Arc::new(CharacterSet::from_value(self.bytes_of(&element)));
        }
        match self.elements.binary_search_by_key(&element.tag, |e| e.tag) {
            Ok(i) => Some(std::mem::replace(&mut self.elements[i], element)),
            Err(i) => {
                self.elements.insert(i, element);
                None
            }
        }
    }

    /// Inserts a copy of `element` read from `other` (another dataset): spans of the other
    /// dataset's source become owned bytes unless both share the source.
    pub fn insert_from(&mut self, other: &Dataset, element: &Element) -> Option<Element> {
        let mut e = element.clone();
        if !Arc::ptr_eq(&self.source, &other.source) {
            match &element.value {
                ElementValue::Bytes { .. } | ElementValue::Truncated { .. } => {
                    e.value = ElementValue::Owned(Arc::from(other.bytes_of(element)));
                }
                ElementValue::Encapsulated {
                    offset_table,
                    fragments,
                    buffer: None,
                } => {
                    e.value = ElementValue::Encapsulated {
                        offset_table: *offset_table,
                        fragments: fragments.clone(),
                        buffer: Some(other.source.clone()),
                    };
                }
                _ => {}
            }
        }
        self.insert(e)
    }

    /// Removes the element with this tag and returns it.
    pub fn remove(&mut self, tag: Tag) -> Option<Element> {
        let i = self.position(tag)?;
        self.touch();
        if tag == Tag::SPECIFIC_CHARACTER_SET {
            self.charset = Arc::default();
        }
        Some(self.elements.remove(i))
    }

    /// The element with this tag, to change it in place (counts as a change of the dataset).
    pub fn get_mut(&mut self, tag: Tag) -> Option<&mut Element> {
        let i = self.position(tag)?;
        self.touch();
        Some(&mut self.elements[i])
    }

    /// Sets the value of `tag` to owned bytes (already encoded for this dataset's byte order
    /// and padded), keeping nothing of the old value.
    pub fn set_bytes(&mut self, tag: Tag, vr: VR, bytes: Vec<u8>) -> Option<Element> {
        self.insert(Element::new(tag, vr, bytes))
    }

    /// A copy holding only the elements whose tag `keep` accepts (values shared, not copied).
    pub fn filtered(&self, keep: impl Fn(Tag) -> bool) -> Dataset {
        Dataset {
            elements: self
                .elements
                .iter()
                .filter(|e| keep(e.tag))
                .cloned()
                .collect(),
            source: self.source.clone(),
            charset: self.charset.clone(),
            ..*self
        }
    }

    /// A copy that shares nothing mutable: every sequence item is copied too (what Python's
    /// `copy.deepcopy` gives). Source spans stay shared, as they never change.
    pub fn deep_clone(&self) -> Dataset {
        let mut out = self.clone();
        for e in &mut out.elements {
            if let ElementValue::Sequence(items) = &mut e.value {
                for item in items.iter_mut() {
                    let copy = item.read().deep_clone();
                    *item = SharedDataset::new(copy);
                }
            }
        }
        out
    }

    /// True when `target` is this dataset's own node or an item nested anywhere in it: adding
    /// `target`'s dataset to one of its own sequences would make a cycle.
    pub fn contains_node(&self, target: &SharedDataset) -> bool {
        self.elements.iter().any(|e| {
            e.items().is_some_and(|items| {
                items
                    .iter()
                    .any(|i| i.ptr_eq(target) || i.read().contains_node(target))
            })
        })
    }
}

/// A dataset shared by reference: a sequence item, or a dataset a Python object holds.
/// Every holder sees every change; a change made through one handle is made for all.
#[derive(Clone, Default)]
pub struct SharedDataset(Arc<RwLock<Dataset>>);

impl SharedDataset {
    /// Shares a dataset.
    pub fn new(ds: Dataset) -> SharedDataset {
        SharedDataset(Arc::new(RwLock::new(ds)))
    }

    /// Reads the dataset. Never hold the guard while calling code that may change the same
    /// dataset (that would wait for itself).
    pub fn read(&self) -> RwLockReadGuard<'_, Dataset> {
        // A panic while a writer held the lock leaves the dataset as the writer left it,
        // which is still a valid dataset (every change is one assignment).
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the dataset.
    pub fn write(&self) -> RwLockWriteGuard<'_, Dataset> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tries to change the dataset without waiting; `None` when someone else holds it.
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, Dataset>> {
        match self.0.try_write() {
            Ok(g) => Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// True when both handles are the same dataset.
    pub fn ptr_eq(&self, other: &SharedDataset) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// An identity for the shared dataset (stable while any handle lives).
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

impl std::fmt::Debug for SharedDataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.try_read() {
            Ok(ds) => ds.fmt(f),
            Err(_) => f.write_str("SharedDataset(<locked>)"),
        }
    }
}

impl From<Dataset> for SharedDataset {
    fn from(ds: Dataset) -> Self {
        SharedDataset::new(ds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(tag: Tag, s: &str) -> Element {
        Element::new(tag, VR::LO, s.as_bytes().to_vec())
    }

    #[test]
    fn insert_replace_remove_keep_tag_order() {
        let mut ds = Dataset::new();
        let g0 = ds.generation();
        assert!(ds.insert(text(Tag(0x0010, 0x0020), "ID")).is_none());
        assert!(ds.insert(text(Tag(0x0008, 0x0060), "CT")).is_none());
        assert_eq!(ds.raw(Tag(0x0008, 0x0060)), Some(&b"CT"[..]));
        let old = ds.insert(text(Tag(0x0010, 0x0020), "ID2")).unwrap();
        assert_eq!(ds.bytes_of(&old), b"ID");
        let tags: Vec<Tag> = ds.iter().map(|e| e.tag).collect();
        assert_eq!(tags, [Tag(0x0008, 0x0060), Tag(0x0010, 0x0020)]);
        assert!(ds.remove(Tag(0x0008, 0x0060)).is_some());
        assert!(ds.remove(Tag(0x0008, 0x0060)).is_none());
        assert_ne!(ds.generation(), g0);
        assert_eq!(ds.len(), 1);
    }

    #[test]
    fn a_change_through_one_handle_is_seen_through_every_other() {
        let item = SharedDataset::new(Dataset::new());
        let mut parent = Dataset::new();
        parent.insert(Element::sequence(Tag(0x0008, 0x1115), vec![item.clone()]));
        let parent = SharedDataset::new(parent);
        // A second handle to the same item, taken from the parent.
        let handle = parent
            .read()
            .get(Tag(0x0008, 0x1115))
            .unwrap()
            .items()
            .unwrap()[0]
            .clone();
        handle.write().insert(text(Tag(0x0008, 0x1150), "1.2.3"));
        assert_eq!(item.read().raw(Tag(0x0008, 0x1150)), Some(&b"1.2.3"[..]));
        // Replacing the sequence's item keeps the old handle valid and unchanged.
        let replacement = SharedDataset::new(Dataset::new());
        parent
            .write()
            .get_mut(Tag(0x0008, 0x1115))
            .unwrap()
            .items_mut()
            .unwrap()[0] = replacement.clone();
        assert!(handle.read().contains(Tag(0x0008, 0x1150)));
        assert!(!replacement.read().contains(Tag(0x0008, 0x1150)));
        assert!(parent.read().contains_node(&replacement));
        assert!(!parent.read().contains_node(&handle));
    }

    #[test]
    fn deep_clone_shares_no_items() {
        let item = SharedDataset::new(Dataset::new());
        let mut ds = Dataset::new();
        ds.insert(Element::sequence(Tag(0x0008, 0x1115), vec![item.clone()]));
        let copy = ds.deep_clone();
        let shallow = ds.clone();
        item.write().insert(text(Tag(0x0008, 0x1150), "x"));
        let copied = copy.get(Tag(0x0008, 0x1115)).unwrap().items().unwrap()[0].clone();
        assert!(!copied.read().contains(Tag(0x0008, 0x1150)));
        let shared = shallow.get(Tag(0x0008, 0x1115)).unwrap().items().unwrap()[0].clone();
        assert!(shared.read().contains(Tag(0x0008, 0x1150)));
    }

    #[test]
    fn insert_from_another_source_owns_the_bytes() {
        let src = Arc::new(Source::Owned(b"HELLO".to_vec()));
        let mut a = Dataset::empty(src);
        a.elements.push(Element {
            tag: Tag(0x0010, 0x0010),
            vr: VR::PN,
            length: Some(5),
            offset: 0,
            value: ElementValue::Bytes { start: 0, len: 5 },
        });
        let mut b = Dataset::new();
        b.insert_from(&a, &a.elements[0].clone());
        drop(a);
        assert_eq!(b.raw(Tag(0x0010, 0x0010)), Some(&b"HELLO"[..]));
        assert!(b.get(Tag(0x0010, 0x0010)).unwrap().is_owned());
    }

    #[test]
    fn specific_character_set_follows_its_element() {
        let mut ds = Dataset::new();
        ds.insert(Element::new(
            Tag::SPECIFIC_CHARACTER_SET,
            VR::CS,
            b"ISO_IR 192".to_vec(),
        ));
        assert_eq!(ds.charset().terms(), ["ISO_IR 192"]);
        ds.remove(Tag::SPECIFIC_CHARACTER_SET);
        assert!(ds.charset().is_default());
    }
}
