//! Element values as JS values, with pydicom's conventions as the Python package has them:
//! one value alone, several as an array; text as strings; IS/DS, US SS UL SL FL FD as
//! numbers (a DS/IS that is not a number stays a string); SV/UV as BigInts; AT as tag
//! numbers; binary values as `Uint8Array`s of the bytes as stored; sequences as arrays of
//! `Dataset`s; empty values `""` for text VRs (not IS/DS), `[]` for SQ, else `null`.

use js_sys::{Array, Uint8Array};
use rs_dicom::core::{Dataset as CoreDataset, Element, ElementValue, VR};
use rs_dicom::value::{self, Scalar, Value};
use wasm_bindgen::JsValue;

fn one_or_many<I: ExactSizeIterator<Item = JsValue>>(mut items: I) -> JsValue {
    if items.len() == 1
        && let Some(one) = items.next()
    {
        return one;
    }
    items.collect::<Array>().into()
}

fn empty(vr: VR) -> JsValue {
    if vr == VR::SQ {
        Array::new().into()
    } else if vr.is_text() && !matches!(vr, VR::DS | VR::IS) {
        JsValue::from_str("")
    } else {
        JsValue::NULL
    }
}

/// The value bytes as stored (for encapsulated pixel data, from the first item header to the
/// end of the last fragment, as pydicom keeps it).
fn raw(ds: &CoreDataset, e: &Element) -> Uint8Array {
    let (bytes, start, len): (&[u8], usize, usize) = match &e.value {
        ElementValue::Bytes { start, len } | ElementValue::Truncated { start, len, .. } => {
            (ds.source().bytes(), *start, *len)
        }
        ElementValue::Owned(b) => (b, 0, b.len()),
        ElementValue::Encapsulated {
            offset_table,
            fragments,
            buffer,
        } => {
            let start = offset_table.offset.saturating_sub(8);
            let end = fragments
                .last()
                .map_or(offset_table.offset + offset_table.len, |f| f.offset + f.len);
            let source = buffer.as_ref().unwrap_or_else(|| ds.source());
            (source.bytes(), start, end.saturating_sub(start))
        }
        ElementValue::Sequence(_) => (&[], 0, 0),
    };
    Uint8Array::from(bytes.get(start..start + len).unwrap_or(&[]))
}

/// The JS value of element `e` of `ds`; `item` makes the JS object of a sequence item (the
/// caller's `Dataset` class, which in turn asks this module for values).
pub(crate) fn value_of(
    ds: &CoreDataset,
    e: &Element,
    item: &dyn Fn(&CoreDataset) -> JsValue,
) -> JsValue {
    match value::decode(ds, e) {
        Value::Empty => empty(e.vr),
        Value::Text(t) => one_or_many(t.iter().map(|s| JsValue::from_str(s))),
        Value::Numbers(n) => one_or_many(n.iter().map(|s| match s {
            Scalar::Int(i) => JsValue::from_f64(*i as f64),
            Scalar::Float(f) => JsValue::from_f64(*f),
            Scalar::Str(s) => JsValue::from_str(s),
        })),
        Value::Ints(v) if e.vr == VR::SV => one_or_many(v.iter().map(|&i| JsValue::from(i))),
        Value::Ints(v) => one_or_many(v.iter().map(|&i| JsValue::from_f64(i as f64))),
        Value::UInts(v) => one_or_many(v.iter().map(|&i| JsValue::from(i))),
        Value::Floats(v) => one_or_many(v.iter().map(|&f| JsValue::from_f64(f))),
        Value::Tags(v) => one_or_many(v.iter().map(|t| JsValue::from_f64(f64::from(t.as_u32())))),
        Value::Bytes(_) | Value::Encapsulated => raw(ds, e).into(),
        Value::Sequence(items) => items
            .iter()
            .map(|i| item(&i.read()))
            .collect::<Array>()
            .into(),
    }
}
