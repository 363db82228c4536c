//! One element's values converted to a column's kind, whatever VR the file gave it (the
//! dictionary's VR for UN; numbers from text or binary alike), as pydicom would read them.

use rs_dicom::core::{Dataset, Element, ElementValue};
use rs_dicom::value::{self, Scalar, Value};
use rs_dicom::{Tag, VR};

use crate::columns::Column;
use crate::datetime;

/// The values of one cell; `None` entries are values that do not convert (pydicom raises on
/// them, e.g. a DS of `"abc"`).
pub enum Cell<'a> {
    /// Strings.
    Text(Vec<String>),
    /// Floats.
    Float(Vec<Option<f64>>),
    /// Signed integers (also dates as days, times and datetimes as µs).
    Int(Vec<Option<i64>>),
    /// Unsigned 64-bit integers.
    UInt(Vec<Option<u64>>),
    /// Raw bytes.
    Binary(&'a [u8]),
}

/// An element read with its column's VR when the file said UN (pydicom's
/// `replace_un_with_known_vr`); the bytes of UN are little endian like implicit VR.
fn with_column_vr(e: &Element, col: &Column) -> Option<Element> {
    match (e.vr, col.vr) {
        (VR::UN, Some(vr)) if vr != VR::UN && !matches!(e.value, ElementValue::Sequence(_)) => {
            let mut copy = e.clone();
            copy.vr = vr;
            Some(copy)
        }
        _ => None,
    }
}

/// The cell of `e` for `col`; None when the element has no value to show (a sequence).
pub fn cell<'a>(ds: &'a Dataset, e: &'a Element, col: &Column) -> Option<Cell<'a>> {
    use crate::columns::Kind;
    if col.kind == Kind::Binary {
        return match e.value {
            ElementValue::Sequence(_) | ElementValue::Encapsulated { .. } => None,
            _ => Some(Cell::Binary(ds.bytes_of(e))),
        };
    }
    let retyped = with_column_vr(e, col);
    let e = retyped.as_ref().unwrap_or(e);
    let v = value::decode(ds, e);
    if matches!(v, Value::Sequence(_) | Value::Encapsulated) {
        return None;
    }
    Some(match col.kind {
        Kind::Text => Cell::Text(texts(v)),
        Kind::Float => Cell::Float(floats(v)),
        Kind::Int => Cell::Int(ints(v)),
        Kind::UInt => Cell::UInt(uints(v)),
        Kind::Date => Cell::Int(parsed(v, |s| datetime::date(s).map(i64::from))),
        Kind::Time => Cell::Int(parsed(v, datetime::time)),
        Kind::DateTime => Cell::Int(parsed(v, datetime::datetime)),
        Kind::Binary => return None,
    })
}

fn scalar_text(s: &Scalar) -> String {
    match s {
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Str(s) => s.clone(),
    }
}

fn tag_int(t: &Tag) -> i64 {
    i64::from(t.0) << 16 | i64::from(t.1)
}

fn texts(v: Value<'_>) -> Vec<String> {
    match v {
        Value::Text(t) => t,
        Value::Numbers(n) => n.iter().map(scalar_text).collect(),
        Value::Ints(n) => n.iter().map(i64::to_string).collect(),
        Value::UInts(n) => n.iter().map(u64::to_string).collect(),
        Value::Floats(n) => n.iter().map(f64::to_string).collect(),
        Value::Tags(t) => t
            .iter()
            .map(|t| format!("({:04X},{:04X})", t.0, t.1))
            .collect(),
        _ => Vec::new(),
    }
}

fn floats(v: Value<'_>) -> Vec<Option<f64>> {
    match v {
        Value::Numbers(n) => n
            .iter()
            .map(|s| match s {
                Scalar::Float(f) => Some(*f),
                Scalar::Int(i) => Some(*i as f64),
                Scalar::Str(s) => value::parse_ds(s),
            })
            .collect(),
        Value::Floats(f) => f.into_iter().map(Some).collect(),
        Value::Ints(n) => n.into_iter().map(|i| Some(i as f64)).collect(),
        Value::UInts(n) => n.into_iter().map(|i| Some(i as f64)).collect(),
        Value::Text(t) => t.iter().map(|s| value::parse_ds(s)).collect(),
        _ => Vec::new(),
    }
}

fn ints(v: Value<'_>) -> Vec<Option<i64>> {
    match v {
        Value::Numbers(n) => n
            .iter()
            .map(|s| match s {
                Scalar::Int(i) => Some(*i),
                Scalar::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(*f as i64),
                Scalar::Float(_) => None,
                Scalar::Str(s) => value::parse_is(s),
            })
            .collect(),
        Value::Ints(n) => n.into_iter().map(Some).collect(),
        Value::UInts(n) => n.into_iter().map(|i| i64::try_from(i).ok()).collect(),
        Value::Tags(t) => t.iter().map(|t| Some(tag_int(t))).collect(),
        Value::Text(t) => t.iter().map(|s| value::parse_is(s)).collect(),
        _ => Vec::new(),
    }
}

fn uints(v: Value<'_>) -> Vec<Option<u64>> {
    match v {
        Value::UInts(n) => n.into_iter().map(Some).collect(),
        other => ints(other)
            .into_iter()
            .map(|i| i.and_then(|i| u64::try_from(i).ok()))
            .collect(),
    }
}

fn parsed(v: Value<'_>, parse: impl Fn(&str) -> Option<i64>) -> Vec<Option<i64>> {
    texts(v).iter().map(|s| parse(s)).collect()
}
