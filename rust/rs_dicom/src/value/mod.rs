//! Typed, lazy value decoding: text (with character sets), numbers, tags.
//!
//! Conversions follow pydicom 3 (`pydicom.values`): which VRs strip leading spaces, which
//! split on backslash, what an empty value is.

pub use crate::core::charset;
pub mod calendar;
pub mod encode;
pub mod validate;

use crate::core::{ByteOrder, Dataset, Element, ElementValue, SharedDataset, Tag, VR};

/// One decoded number-string value (DS, IS): a number, or the text when it is not valid.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// An integer (IS).
    Int(i64),
    /// A float (DS).
    Float(f64),
    /// Text that did not parse as the VR's number.
    Str(String),
}

/// A decoded value.
#[derive(Debug, Clone)]
pub enum Value<'a> {
    /// Zero-length value.
    Empty,
    /// Text values (one per backslash-separated value).
    Text(Vec<String>),
    /// DS/IS values.
    Numbers(Vec<Scalar>),
    /// Signed or small unsigned integers (US SS UL SL SV).
    Ints(Vec<i64>),
    /// 64-bit unsigned integers (UV).
    UInts(Vec<u64>),
    /// Floats (FL FD).
    Floats(Vec<f64>),
    /// Attribute tags (AT).
    Tags(Vec<Tag>),
    /// Raw bytes (OB OD OF OL OV OW UN), borrowed from the source.
    Bytes(&'a [u8]),
    /// Sequence items.
    Sequence(&'a [SharedDataset]),
    /// Encapsulated pixel data (see [`crate::pixel`]).
    Encapsulated,
}

/// Latin-1 decoding (pydicom's default for non-charset VRs): never fails.
pub fn latin1(bytes: &[u8]) -> String {
    if bytes.is_ascii() {
        // ASCII is valid UTF-8.
        return String::from_utf8_lossy(bytes).into_owned();
    }
    bytes.iter().map(|&b| b as char).collect()
}

fn rstrip_nul_space(s: &str) -> &str {
    s.trim_end_matches(['\0', ' '])
}

/// Decodes the text of an element as one string (no splitting, no stripping).
pub fn decode_text(ds: &Dataset, e: &Element) -> String {
    let b = ds.bytes_of(e);
    if e.vr.uses_charset() {
        ds.charset().decode(b, e.vr)
    } else {
        latin1(b)
    }
}

/// The text values of a text element, split and stripped as pydicom does.
pub fn text_values(ds: &Dataset, e: &Element) -> Vec<String> {
    let vr = e.vr;
    match vr {
        VR::PN => {
            let b = ds.bytes_of(e);
            let end = b
                .iter()
                .rposition(|&c| c != 0 && c != b' ')
                .map_or(0, |p| p + 1);
            let s = ds.charset().decode(&b[..end], vr);
            // pydicom's PersonName drops trailing empty component groups ("A^B=" → "A^B").
            s.split('\\')
                .map(|v| v.trim_end_matches('=').to_string())
                .collect()
        }
        VR::AE => {
            let s = latin1(ds.bytes_of(e));
            s.split('\\').map(|v| v.trim().to_string()).collect()
        }
        VR::LT | VR::ST | VR::UT => vec![rstrip_nul_space(&decode_text(ds, e)).to_string()],
        VR::UR => vec![decode_text(ds, e).trim_end().to_string()],
        VR::SH | VR::LO | VR::UC => decode_text(ds, e)
            .split('\\')
            .map(|v| rstrip_nul_space(v).to_string())
            .collect(),
        _ => {
            let s = decode_text(ds, e);
            rstrip_nul_space(&s)
                .split('\\')
                .map(str::to_string)
                .collect()
        }
    }
}

/// ASCII bytes as a `str`, without validating them again (hot: every DS value).
#[allow(unsafe_code)]
#[inline]
fn ascii_str(bytes: &[u8]) -> &str {
    if !bytes.is_ascii() {
        return "";
    }
    // SAFETY: ASCII bytes (just checked) are valid UTF-8.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

/// `bytes` without leading and trailing white space (what `str::trim` removes from ASCII).
fn trim_white(bytes: &[u8]) -> &[u8] {
    let white = |c: &u8| matches!(c, b'\t'..=b'\r' | b' ');
    let start = bytes.iter().position(|c| !white(c)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|c| !white(c))
        .map_or(start, |p| p + 1);
    &bytes[start..end]
}

/// Parses a DS value like Python's `float()` (surrounding whitespace allowed).
pub fn parse_ds(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    // Rust's parser accepts "inf"/"nan" spellings that DICOM forbids but Python accepts too.
    t.parse::<f64>().ok()
}

/// Parses an IS value as pydicom's `IS` does: an integer, or a float with no fraction.
pub fn parse_is(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    let f = t.parse::<f64>().ok()?;
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        Some(f as i64)
    } else {
        None
    }
}

/// AT values: (group, element) pairs of 16-bit numbers.
pub fn tags(b: &[u8], order: ByteOrder) -> impl Iterator<Item = Tag> + '_ {
    b.chunks_exact(4)
        .map(move |c| Tag(order.decode(&c[..2]), order.decode(&c[2..])))
}

/// Decodes an element's value.
pub fn decode<'a>(ds: &'a Dataset, e: &'a Element) -> Value<'a> {
    match &e.value {
        ElementValue::Sequence(items) => return Value::Sequence(items),
        ElementValue::Encapsulated { .. } => return Value::Encapsulated,
        _ => {}
    }
    let b = ds.bytes_of(e);
    if b.is_empty() {
        return Value::Empty;
    }
    let order = ds.byte_order();
    match e.vr {
        VR::US => Value::Ints(order.values::<u16>(b).map(i64::from).collect()),
        VR::SS => Value::Ints(order.values::<i16>(b).map(i64::from).collect()),
        VR::UL => Value::Ints(order.values::<u32>(b).map(i64::from).collect()),
        VR::SL => Value::Ints(order.values::<i32>(b).map(i64::from).collect()),
        VR::SV => Value::Ints(order.values::<i64>(b).collect()),
        VR::UV => Value::UInts(order.values::<u64>(b).collect()),
        VR::FL => Value::Floats(order.values::<f32>(b).map(f64::from).collect()),
        VR::FD => Value::Floats(order.values::<f64>(b).collect()),
        VR::AT => Value::Tags(tags(b, order).collect()),
        VR::OB | VR::OD | VR::OF | VR::OL | VR::OV | VR::OW | VR::UN | VR::SQ => Value::Bytes(b),
        // ASCII (every valid DS): split and parse in place, no String per value.
        VR::DS if b.is_ascii() => Value::Numbers(
            trim_white(b)
                .split(|&c| c == b'\\')
                .map(|v| {
                    let t = ascii_str(trim_white(v));
                    match t.parse::<f64>() {
                        Ok(f) if !t.is_empty() => Scalar::Float(f),
                        _ => Scalar::Str(ascii_str(v).to_string()),
                    }
                })
                .collect(),
        ),
        VR::DS => {
            let s = latin1(b);
            Value::Numbers(
                s.trim()
                    .split('\\')
                    .map(|v| match parse_ds(v) {
                        Some(f) => Scalar::Float(f),
                        None => Scalar::Str(v.to_string()),
                    })
                    .collect(),
            )
        }
        VR::IS => {
            let s = latin1(b);
            Value::Numbers(
                rstrip_nul_space(&s)
                    .split('\\')
                    .map(|v| match parse_is(v) {
                        Some(i) => Scalar::Int(i),
                        None => Scalar::Str(v.to_string()),
                    })
                    .collect(),
            )
        }
        _ => Value::Text(text_values(ds, e)),
    }
}

/// The value multiplicity of an element as pydicom counts it.
pub fn vm(ds: &Dataset, e: &Element) -> usize {
    match &e.value {
        // pydicom: a sequence is one value whatever its item count.
        ElementValue::Sequence(_) | ElementValue::Encapsulated { .. } => 1,
        _ => {
            let len = ds.bytes_of(e).len();
            if len == 0 {
                return 0;
            }
            if e.vr.is_bulk() {
                return 1;
            }
            if let Some(size) = e.vr.fixed_size() {
                return len / size;
            }
            if e.vr.is_multi_valued_text() {
                let b = ds.bytes_of(e);
                return 1 + b.iter().filter(|&&c| c == b'\\').count();
            }
            1
        }
    }
}

/// True when two datasets hold the same elements with equal values (pydicom's `==`): the
/// same tags and VRs, text and numbers equal as decoded (whatever the character set or byte
/// order), binary values byte for byte, sequences item by item.
pub fn datasets_equal(a: &Dataset, b: &Dataset) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|(x, y)| x.tag == y.tag && x.vr == y.vr && elements_equal(a, x, b, y))
}

fn elements_equal(a: &Dataset, x: &Element, b: &Dataset, y: &Element) -> bool {
    match (decode(a, x), decode(b, y)) {
        (Value::Empty, Value::Empty) | (Value::Encapsulated, Value::Encapsulated) => {
            a.bytes_of(x) == b.bytes_of(y) && x.items().is_none() && encapsulated_equal(a, x, b, y)
        }
        (Value::Text(p), Value::Text(q)) => p == q,
        (Value::Numbers(p), Value::Numbers(q)) => p == q,
        (Value::Ints(p), Value::Ints(q)) => p == q,
        (Value::UInts(p), Value::UInts(q)) => p == q,
        (Value::Floats(p), Value::Floats(q)) => {
            p.iter()
                .zip(&q)
                .all(|(u, v)| u == v || (u.is_nan() && v.is_nan()))
                && p.len() == q.len()
        }
        (Value::Tags(p), Value::Tags(q)) => p == q,
        (Value::Bytes(p), Value::Bytes(q)) => {
            let w = match x.vr {
                VR::OW => 2,
                VR::OF | VR::OL => 4,
                VR::OD | VR::OV => 8,
                _ => 1,
            };
            if a.big_endian() == b.big_endian() || w == 1 {
                return p == q;
            }
            p.len() == q.len()
                && p.chunks_exact(w)
                    .zip(q.chunks_exact(w))
                    .all(|(u, v)| u.iter().eq(v.iter().rev()))
        }
        (Value::Sequence(p), Value::Sequence(q)) => {
            p.len() == q.len()
                && p.iter()
                    .zip(q)
                    .all(|(i, j)| i.ptr_eq(j) || datasets_equal(&i.read(), &j.read()))
        }
        _ => false,
    }
}

fn encapsulated_equal(a: &Dataset, x: &Element, b: &Dataset, y: &Element) -> bool {
    match (&x.value, &y.value) {
        (
            ElementValue::Encapsulated {
                offset_table: t1,
                fragments: f1,
                ..
            },
            ElementValue::Encapsulated {
                offset_table: t2,
                fragments: f2,
                ..
            },
        ) => {
            a.fragment_bytes(x, t1) == b.fragment_bytes(y, t2)
                && f1.len() == f2.len()
                && f1
                    .iter()
                    .zip(f2)
                    .all(|(p, q)| a.fragment_bytes(x, p) == b.fragment_bytes(y, q))
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_and_ds() {
        assert_eq!(parse_is(" 12 "), Some(12));
        assert_eq!(parse_is("1.0"), Some(1));
        assert_eq!(parse_is("1.5"), None);
        assert_eq!(parse_ds(" 1.5e2"), Some(150.0));
        assert_eq!(parse_ds("abc"), None);
    }

    #[test]
    fn latin1_high_bytes() {
        assert_eq!(latin1(b"M\xfcller"), "Müller");
    }
}
