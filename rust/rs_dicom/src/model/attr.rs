//! What an attribute holds in the JSON and XML models: decoded once from the dataset, in the
//! shapes both models write (PS3.18 F.2.3, PS3.19 A.1). Binary values are little endian
//! whatever the dataset's byte order, as F.2.7 asks.

use std::borrow::Cow;

use crate::core::{Dataset, Element, ElementValue, SharedDataset, VR};
use crate::value::{self, Scalar, Value};

/// One value of a number VR (IS DS and the binary numbers).
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    /// An empty value inside a multi-valued element.
    Null,
    /// An integer.
    Int(i64),
    /// An unsigned 64-bit integer (UV).
    UInt(u64),
    /// A finite float.
    Float(f64),
    /// Text: a DS / IS that is not a number, or a float JSON cannot hold.
    Text(String),
}

/// An attribute's value as the models see it.
#[derive(Debug)]
pub enum Attr<'a> {
    /// No value (no `Value` key / no child element).
    Empty,
    /// Sequence items.
    Items(&'a [SharedDataset]),
    /// Binary bytes (OB OD OF OL OV OW UN, encapsulated pixel data), little endian.
    Binary(Cow<'a, [u8]>),
    /// Text values; `None` is an empty value inside a multi-valued element.
    Text(Vec<Option<String>>),
    /// Person names: the component groups (Alphabetic, Ideographic, Phonetic) of each value,
    /// empty groups as `None`; `None` for an empty value.
    Names(Vec<Option<[Option<String>; 3]>>),
    /// Numbers.
    Numbers(Vec<Number>),
    /// Attribute tags as `GGGGEEEE`.
    Tags(Vec<String>),
}

/// Bytes of an "other" VR word, swapped to little endian for big endian datasets.
pub fn word_size(vr: VR) -> Option<usize> {
    match vr {
        VR::OW => Some(2),
        VR::OF | VR::OL => Some(4),
        VR::OD | VR::OV => Some(8),
        _ => None,
    }
}

/// True for the elements the models write as binary (bulk data).
pub fn is_binary(e: &Element) -> bool {
    match e.value {
        ElementValue::Encapsulated { .. } => true,
        ElementValue::Sequence(_) => false,
        _ => e.vr.is_bulk(),
    }
}

/// The encapsulated pixel data stream (items and fragments, as pydicom keeps it) of an
/// encapsulated element; `None` for other values.
pub fn encapsulated_stream<'a>(ds: &'a Dataset, e: &'a Element) -> Option<&'a [u8]> {
    let ElementValue::Encapsulated {
        offset_table,
        fragments,
        buffer,
    } = &e.value
    else {
        return None;
    };
    let start = offset_table.offset.saturating_sub(8);
    let end = fragments
        .last()
        .map_or(offset_table.offset + offset_table.len, |f| f.offset + f.len);
    let source = buffer.as_ref().unwrap_or(ds.source());
    Some(source.bytes().get(start..end).unwrap_or(&[]))
}

/// The value bytes of a binary element, little endian (words of big endian datasets are
/// swapped; encapsulated data is a byte stream and never swapped).
pub fn binary_le<'a>(ds: &'a Dataset, e: &'a Element) -> Cow<'a, [u8]> {
    if let Some(stream) = encapsulated_stream(ds, e) {
        return Cow::Borrowed(stream);
    }
    let bytes = ds.bytes_of(e);
    match word_size(e.vr) {
        Some(size) if ds.big_endian() && bytes.len().is_multiple_of(size) => {
            let mut out = bytes.to_vec();
            for word in out.chunks_exact_mut(size) {
                word.reverse();
            }
            Cow::Owned(out)
        }
        _ => Cow::Borrowed(bytes),
    }
}

/// The person name component groups of one PN value (trailing `=` already removed).
pub fn name_groups(v: &str) -> Option<[Option<String>; 3]> {
    if v.is_empty() {
        return None;
    }
    let mut groups: [Option<String>; 3] = Default::default();
    for (slot, g) in groups.iter_mut().zip(v.split('=')) {
        if !g.is_empty() {
            *slot = Some(g.to_string());
        }
    }
    Some(groups)
}

/// The text of the `index`th backslash-separated part of a DS value, as stored (spaces and
/// NULs removed): a DS that reads as an infinity or NaN keeps its text in the models.
fn ds_part(ds: &Dataset, e: &Element, index: usize) -> Option<String> {
    let part = ds.bytes_of(e).split(|&c| c == b'\\').nth(index)?;
    let text: String = part
        .iter()
        .map(|&b| if b.is_ascii() { b as char } else { '\u{FFFD}' })
        .collect();
    Some(text.trim_matches([' ', '\0']).to_string())
}

fn float(f: f64) -> Number {
    if f.is_finite() {
        Number::Float(f)
    } else if f.is_nan() {
        Number::Text("NaN".into())
    } else if f > 0.0 {
        Number::Text("Infinity".into())
    } else {
        Number::Text("-Infinity".into())
    }
}

fn scalars(ds: &Dataset, e: &Element, n: Vec<Scalar>) -> Attr<'static> {
    if let [Scalar::Str(s)] = n.as_slice()
        && s.is_empty()
    {
        return Attr::Empty;
    }
    let numbers = n
        .into_iter()
        .enumerate()
        .map(|(i, s)| match s {
            Scalar::Str(s) if s.is_empty() => Number::Null,
            Scalar::Str(s) => Number::Text(s),
            Scalar::Int(v) => Number::Int(v),
            Scalar::Float(f) if !f.is_finite() => {
                ds_part(ds, e, i).map_or_else(|| float(f), Number::Text)
            }
            Scalar::Float(f) => Number::Float(f),
        })
        .collect();
    Attr::Numbers(numbers)
}

/// The attribute value of `e` (an element of `ds`) in the models' shapes.
pub fn attr<'a>(ds: &'a Dataset, e: &'a Element) -> Attr<'a> {
    if let ElementValue::Sequence(items) = &e.value {
        return if items.is_empty() {
            Attr::Empty
        } else {
            Attr::Items(items)
        };
    }
    if is_binary(e) {
        let bytes = binary_le(ds, e);
        return if bytes.is_empty() {
            Attr::Empty
        } else {
            Attr::Binary(bytes)
        };
    }
    match value::decode(ds, e) {
        Value::Empty | Value::Encapsulated => Attr::Empty,
        Value::Sequence([]) => Attr::Empty,
        Value::Sequence(items) => Attr::Items(items),
        // A sequence whose value was kept as bytes (never parsed as items).
        Value::Bytes(b) => Attr::Binary(Cow::Borrowed(b)),
        Value::Text(t) if t.len() == 1 && t[0].is_empty() => Attr::Empty,
        Value::Text(t) if e.vr == VR::PN => Attr::Names(t.iter().map(|v| name_groups(v)).collect()),
        Value::Text(t) => Attr::Text(
            t.into_iter()
                .map(|v| if v.is_empty() { None } else { Some(v) })
                .collect(),
        ),
        Value::Numbers(n) => scalars(ds, e, n),
        Value::Ints(v) => Attr::Numbers(v.into_iter().map(Number::Int).collect()),
        Value::UInts(v) => Attr::Numbers(v.into_iter().map(Number::UInt).collect()),
        Value::Floats(v) => Attr::Numbers(v.into_iter().map(float).collect()),
        Value::Tags(v) => Attr::Tags(v.iter().map(|t| format!("{:08X}", t.as_u32())).collect()),
    }
}
