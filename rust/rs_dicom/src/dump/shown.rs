//! An element's value as the Python package hands it out (pydicom's conventions): `None`,
//! one value, a list, bytes or sequence items. What the dump prints follows from this shape
//! (an empty text value is `''`, an empty number `None`, one value of several is a list).

use std::sync::Arc;

use crate::core::{Dataset, Element, ElementValue, SharedDataset, Source, Tag, VR};
use crate::dictionary;
use crate::value::{self, Scalar, Value};

/// One value of an element.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text (also a DS or IS value that is not a valid number).
    Str(String),
    /// A signed integer (US SS UL SL SV, IS).
    Int(i64),
    /// An unsigned 64-bit integer (UV).
    UInt(u64),
    /// A float (FL FD, DS).
    Float(f64),
    /// An attribute tag (AT).
    Tag(Tag),
}

/// Binary bytes: a value, or the fragments of encapsulated pixel data.
#[derive(Debug, Clone, PartialEq)]
pub enum Binary<'a> {
    /// The value bytes.
    Bytes(&'a [u8]),
    /// The fragments after the Basic Offset Table.
    Fragments(Vec<&'a [u8]>),
}

/// An element's value in the shape the Python package gives it.
#[derive(Debug, Clone)]
pub enum Shown<'a> {
    /// `None`: an empty value of a VR that is not text.
    None,
    /// One value (`''` for an empty text value).
    One(Item),
    /// Several values (or none, when a binary number value is shorter than one number).
    List(Vec<Item>),
    /// Bytes (a read-only memoryview in Python).
    Bytes(Binary<'a>),
    /// Sequence items.
    Items(&'a [SharedDataset]),
}

impl Shown<'_> {
    /// True for `None`, `''` and `[]`: what the dump shows as `(no value)`.
    pub fn is_empty(&self) -> bool {
        match self {
            Shown::None => true,
            Shown::One(Item::Str(s)) => s.is_empty(),
            Shown::List(items) => items.is_empty(),
            _ => false,
        }
    }
}

fn one_or_list(mut items: Vec<Item>) -> Shown<'static> {
    if items.len() == 1
        && let Some(one) = items.pop()
    {
        return Shown::One(one);
    }
    Shown::List(items)
}

/// `source[start..start + len]`, clamped to the bytes there are (as Python's views are).
fn clamped(source: &Source, start: usize, len: usize) -> &[u8] {
    let bytes = source.bytes();
    let start = start.min(bytes.len());
    let end = start.saturating_add(len).min(bytes.len());
    &bytes[start..end]
}

/// The value of `e` (an element of `ds`) as the Python package hands it out.
pub fn shown<'a>(ds: &'a Dataset, e: &'a Element) -> Shown<'a> {
    if let ElementValue::Encapsulated {
        fragments, buffer, ..
    } = &e.value
    {
        let source = buffer.as_ref().unwrap_or(ds.source());
        let fragments = fragments
            .iter()
            .map(|f| clamped(source, f.offset, f.len))
            .collect();
        return Shown::Bytes(Binary::Fragments(fragments));
    }
    match value::decode(ds, e) {
        Value::Empty if e.vr == VR::SQ => Shown::Items(&[]),
        // pydicom's empty values: '' for text VRs except the number strings, else None.
        Value::Empty if e.vr.is_text() && !matches!(e.vr, VR::DS | VR::IS) => {
            Shown::One(Item::Str(String::new()))
        }
        Value::Empty | Value::Encapsulated => Shown::None,
        Value::Text(t) => one_or_list(t.into_iter().map(Item::Str).collect()),
        Value::Numbers(n) => one_or_list(
            n.into_iter()
                .map(|s| match s {
                    Scalar::Int(i) => Item::Int(i),
                    Scalar::Float(f) => Item::Float(f),
                    Scalar::Str(s) => Item::Str(s),
                })
                .collect(),
        ),
        Value::Ints(v) => one_or_list(v.into_iter().map(Item::Int).collect()),
        Value::UInts(v) => one_or_list(v.into_iter().map(Item::UInt).collect()),
        Value::Floats(v) => one_or_list(v.into_iter().map(Item::Float).collect()),
        Value::Tags(v) if v.is_empty() => Shown::None,
        Value::Tags(v) => one_or_list(v.into_iter().map(Item::Tag).collect()),
        Value::Bytes(b) => Shown::Bytes(Binary::Bytes(b)),
        Value::Sequence(items) => Shown::Items(items),
    }
}

/// The source whose bytes Python would copy to hand out `e`'s raw value (a file mapped
/// without views), if any: reading it is checked first.
pub fn copied_source<'a>(ds: &'a Dataset, e: &'a Element) -> Option<&'a Arc<Source>> {
    let source = match &e.value {
        ElementValue::Bytes { .. } | ElementValue::Truncated { .. } => ds.source(),
        ElementValue::Encapsulated { buffer, .. } => buffer.as_ref().unwrap_or(ds.source()),
        ElementValue::Owned(_) | ElementValue::Sequence(_) => return None,
    };
    (!source.shares_views()).then_some(source)
}

/// The dictionary keyword of a tag as `Element.keyword` gives it: `""` for private and
/// unknown tags.
pub fn keyword(tag: Tag) -> &'static str {
    if tag.is_private() {
        return "";
    }
    dictionary::by_tag(tag).map_or("", |d| d.keyword)
}

/// The name of a tag as `Element.name` gives it: the dictionary name, `Private Creator`,
/// `Private tag data`, `Group Length` or `Unknown`.
pub fn element_name(tag: Tag) -> &'static str {
    if tag.is_private_creator() {
        return "Private Creator";
    }
    if tag.is_private() {
        return "Private tag data";
    }
    match dictionary::by_tag(tag) {
        #[cfg(feature = "dictionary-names")]
        Some(d) => d.name,
        // Builds without the names (the WebAssembly parser's) give the keyword.
        #[cfg(not(feature = "dictionary-names"))]
        Some(d) => d.keyword,
        None if tag.is_group_length() => "Group Length",
        None => "Unknown",
    }
}

/// The creator of private data element `tag` when its creator element is in `ds` with one
/// text value.
fn private_creator(ds: &Dataset, tag: Tag) -> Option<String> {
    if tag.element() < 0x1000 {
        return None;
    }
    let creator = ds.get(Tag(tag.group(), tag.element() >> 8))?;
    match shown(ds, creator) {
        Shown::One(Item::Str(s)) if !s.is_empty() => Some(s),
        _ => None,
    }
}

/// The keyword column: the keyword, or for private and unknown elements `PrivateCreator`,
/// `[CREATOR]` (a private element whose creator element is in `ds`), `PrivateTagData`,
/// `GroupLength` or `Unknown`.
pub fn keyword_text(tag: Tag, ds: Option<&Dataset>) -> String {
    let keyword = keyword(tag);
    if !keyword.is_empty() {
        return keyword.to_string();
    }
    if tag.element() == 0 {
        return "GroupLength".to_string();
    }
    if !tag.is_private() {
        return "Unknown".to_string();
    }
    if tag.is_private_creator() {
        return "PrivateCreator".to_string();
    }
    match ds.and_then(|ds| private_creator(ds, tag)) {
        Some(creator) => format!("[{creator}]"),
        None => "PrivateTagData".to_string(),
    }
}

/// The length column: the encoded length, or `u/l` when undefined.
pub fn length_text(e: &Element) -> String {
    e.length
        .map_or_else(|| "u/l".to_string(), |n| n.to_string())
}
