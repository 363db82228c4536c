//! Python values to core values: what `ds.X = value`, `ds[tag].value = value` and
//! `add_new` accept (pydicom's conventions), converted to a `value::encode::Input` with the
//! GIL held and then encoded (checked against the VR and VM) by the core, or to sequence items.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyFloat, PyInt, PyList, PyMemoryView, PyString, PyTuple,
};
use rs_dicom::core::{Dataset, Element, SharedDataset, Tag, VR};
use rs_dicom::dictionary;
use rs_dicom::value::encode::{Input, encode};

use crate::errors::to_py;
use crate::handle::PyDataset;

/// A value ready to store: encoded bytes, or sequence items.
pub enum Converted {
    /// An element value to encode.
    Value(Input),
    /// Sequence items.
    Items(Vec<SharedDataset>),
}

fn datetime_text(v: &Bound<'_, PyAny>, vr: VR) -> PyResult<Option<String>> {
    let py = v.py();
    let dt = py.import("datetime")?;
    let is = |name: &str| -> PyResult<bool> { v.is_instance(&dt.getattr(name)?) };
    if !(is("date")? || is("time")?) {
        return Ok(None);
    }
    // As pydicom writes them: a DA/TM/DT value keeps the text it was made of.
    if let Ok(original) = v.getattr(pyo3::intern!(py, "original_string"))
        && let Ok(text) = original.cast::<PyString>()
    {
        return Ok(Some(text.to_cow()?.into_owned()));
    }
    // datetime is a date subclass: test it first.
    let fmt = if is("datetime")? {
        if vr == VR::DA {
            "%Y%m%d"
        } else {
            let micro: u32 = v.getattr("microsecond")?.extract()?;
            let offset = if v.getattr("tzinfo")?.is_none() {
                ""
            } else {
                "%z"
            };
            return Ok(Some(
                v.call_method1(
                    "strftime",
                    (if micro > 0 {
                        format!("%Y%m%d%H%M%S.%f{offset}")
                    } else {
                        format!("%Y%m%d%H%M%S{offset}")
                    },),
                )?
                .extract()?,
            ));
        }
    } else if is("date")? {
        "%Y%m%d"
    } else if is("time")? {
        let micro: u32 = v.getattr("microsecond")?.extract()?;
        if micro > 0 { "%H%M%S.%f" } else { "%H%M%S" }
    } else {
        return Ok(None);
    };
    Ok(Some(v.call_method1("strftime", (fmt,))?.extract()?))
}

fn text_of(v: &Bound<'_, PyAny>, vr: VR) -> PyResult<Option<String>> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Some(s.to_cow()?.into_owned()));
    }
    if matches!(vr, VR::DA | VR::TM | VR::DT) {
        return datetime_text(v, vr);
    }
    Ok(None)
}

/// One scalar: text, integer or float.
enum Scalar {
    Text(String),
    Int(i64),
    UInt(u64),
    Float(f64),
}

fn scalar(v: &Bound<'_, PyAny>, vr: VR) -> PyResult<Scalar> {
    if let Some(t) = text_of(v, vr)? {
        return Ok(Scalar::Text(t));
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(Scalar::Int(i64::from(v.extract::<bool>()?)));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(Scalar::Float(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() || v.hasattr("__index__")? {
        return match v.extract::<i64>() {
            Ok(i) => Ok(Scalar::Int(i)),
            Err(_) => Ok(Scalar::UInt(v.extract::<u64>()?)),
        };
    }
    if v.hasattr("__float__")? {
        return Ok(Scalar::Float(v.extract()?));
    }
    Err(PyTypeError::new_err(format!(
        "a {vr} value cannot be a {}",
        v.get_type().name()?
    )))
}

fn collect(values: Vec<Scalar>, vr: VR) -> PyResult<Input> {
    if values.is_empty() {
        return Ok(Input::Empty);
    }
    if values.iter().all(|s| matches!(s, Scalar::Text(_))) {
        return Ok(Input::Text(
            values
                .into_iter()
                .map(|s| match s {
                    Scalar::Text(t) => t,
                    _ => String::new(),
                })
                .collect(),
        ));
    }
    if values.iter().any(|s| matches!(s, Scalar::Text(_))) {
        // Mixed text and numbers (e.g. ["1", 2.5] for DS): all as text.
        return Ok(Input::Text(
            values
                .into_iter()
                .map(|s| match s {
                    Scalar::Text(t) => t,
                    Scalar::Int(i) => i.to_string(),
                    Scalar::UInt(u) => u.to_string(),
                    Scalar::Float(f) => f.to_string(),
                })
                .collect(),
        ));
    }
    if values.iter().any(|s| matches!(s, Scalar::Float(_))) || matches!(vr, VR::FL | VR::FD) {
        return Ok(Input::Float(
            values
                .into_iter()
                .map(|s| match s {
                    Scalar::Float(f) => f,
                    Scalar::Int(i) => i as f64,
                    Scalar::UInt(u) => u as f64,
                    Scalar::Text(_) => 0.0,
                })
                .collect(),
        ));
    }
    if values.iter().any(|s| matches!(s, Scalar::UInt(_))) {
        return Ok(Input::UInt(
            values
                .into_iter()
                .map(|s| match s {
                    Scalar::UInt(u) => u,
                    Scalar::Int(i) => i as u64,
                    _ => 0,
                })
                .collect(),
        ));
    }
    Ok(Input::Int(
        values
            .into_iter()
            .map(|s| match s {
                Scalar::Int(i) => i,
                _ => 0,
            })
            .collect(),
    ))
}

fn bytes_of(v: &Bound<'_, PyAny>) -> PyResult<Option<Vec<u8>>> {
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(Some(b.as_bytes().to_vec()));
    }
    if let Ok(b) = v.cast::<PyByteArray>() {
        return Ok(Some(b.to_vec()));
    }
    if v.is_instance_of::<PyMemoryView>() || v.hasattr("__buffer__")? && !v.hasattr("__len__")? {
        return Ok(Some(v.call_method0("tobytes")?.extract()?));
    }
    // numpy arrays and other buffers: their bytes as stored.
    if v.hasattr("tobytes")? && !v.is_instance_of::<PyString>() {
        return Ok(Some(v.call_method0("tobytes")?.extract()?));
    }
    Ok(None)
}

/// Converts a Python value for an element of `vr`.
pub fn convert(v: &Bound<'_, PyAny>, vr: VR) -> PyResult<Converted> {
    if v.is_none() {
        return Ok(Converted::Value(Input::Empty));
    }
    if vr == VR::SQ {
        return items(v).map(Converted::Items);
    }
    if (vr.is_bulk() || v.is_instance_of::<PyBytes>() || v.is_instance_of::<PyByteArray>())
        && let Some(b) = bytes_of(v)?
    {
        return Ok(Converted::Value(Input::Bytes(b)));
    }
    if let Some(t) = text_of(v, vr)? {
        // pydicom keeps "a\\b" as it is; it is two values when written.
        let values = if vr.is_multi_valued_text() {
            t.split('\\').map(str::to_string).collect()
        } else {
            vec![t]
        };
        return Ok(Converted::Value(Input::Text(values)));
    }
    let list: Vec<Bound<'_, PyAny>> =
        if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
            v.try_iter()?.collect::<PyResult<_>>()?
        } else if v.hasattr("tolist")? {
            // numpy arrays and scalars
            let l = v.call_method0("tolist")?;
            if l.is_instance_of::<PyList>() {
                l.try_iter()?.collect::<PyResult<_>>()?
            } else {
                vec![l]
            }
        } else if v.hasattr("__iter__")? && !v.hasattr("__index__")? {
            v.try_iter()?.collect::<PyResult<_>>()?
        } else {
            vec![v.clone()]
        };
    if vr == VR::AT {
        let tags: Vec<i64> = list
            .iter()
            .map(|x| match crate::tag::key_to_tag(x)? {
                Some(t) => Ok(i64::from(t.as_u32())),
                None => Err(PyValueError::new_err(format!("{x} is not a tag"))),
            })
            .collect::<PyResult<_>>()?;
        return Ok(Converted::Value(Input::Int(tags)));
    }
    let scalars = list
        .iter()
        .map(|x| scalar(x, vr))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(Converted::Value(collect(scalars, vr)?))
}

/// Sequence items from a list of Datasets (the same datasets, shared, as in pydicom).
pub fn items(v: &Bound<'_, PyAny>) -> PyResult<Vec<SharedDataset>> {
    if v.is_none() {
        return Ok(Vec::new());
    }
    if let Ok(ds) = v.cast::<PyDataset>() {
        return Ok(vec![ds.get().node.clone()]);
    }
    v.try_iter()
        .map_err(|_| PyTypeError::new_err("a sequence value is a list of Datasets"))?
        .map(|x| {
            let x = x?;
            x.cast::<PyDataset>()
                .map(|d| d.get().node.clone())
                .map_err(|_| {
                    PyTypeError::new_err(format!(
                        "sequence items must be Datasets, not {}",
                        x.get_type()
                            .name()
                            .map_or_else(|_| "?".into(), |n| n.to_string())
                    ))
                })
        })
        .collect()
}

/// The VR of a new element `tag` in `ds`: the dictionary's, with pydicom's choice among
/// alternatives ("US or SS" by Pixel Representation, "OB or OW" by Bits Allocated).
pub fn vr_for(ds: &Dataset, tag: Tag) -> Option<VR> {
    if tag.is_private_creator() {
        return Some(VR::LO);
    }
    if tag.is_group_length() {
        return Some(VR::UL);
    }
    let entry = dictionary::by_tag(tag)?;
    match entry.vrs {
        [] => None,
        [one] => Some(*one),
        alts => {
            let pixel_rep = ds
                .raw(Tag(0x0028, 0x0103))
                .and_then(|b| ds.byte_order().read::<u16>(b, 0));
            let bits = ds
                .raw(Tag(0x0028, 0x0100))
                .and_then(|b| ds.byte_order().read::<u16>(b, 0));
            Some(if alts.contains(&VR::SS) && pixel_rep == Some(1) {
                VR::SS
            } else if alts.contains(&VR::OW)
                && (tag.0 & 0xFF00 == 0x6000 || bits.is_some_and(|b| b > 8))
            {
                VR::OW
            } else {
                alts[0]
            })
        }
    }
}

/// The VM the dictionary gives `tag` (private creators' blocks are looked up by creator).
fn vm_for(ds: &Dataset, tag: Tag) -> Option<&'static str> {
    if tag.is_private() {
        if tag.is_private_creator() || tag.1 >> 8 < 0x10 {
            return Some("1");
        }
        let creator = ds.raw(Tag(tag.0, tag.1 >> 8))?;
        let name = rs_dicom::value::latin1(creator);
        return dictionary::private_entry(name.trim_end_matches(['\0', ' ']), tag).map(|e| e.vm);
    }
    dictionary::by_tag(tag).map(|e| e.vm)
}

/// Builds the element `tag` of `vr` holding `value`, encoded for `ds` (its byte order and
/// character set), checked against the VR and the dictionary's VM.
pub fn element(ds: &Dataset, tag: Tag, vr: VR, value: Converted) -> PyResult<Element> {
    match value {
        Converted::Items(items) => Ok(Element::sequence(tag, items)),
        Converted::Value(input) => {
            let bytes = encode(
                tag,
                vr,
                input,
                vm_for(ds, tag),
                ds.charset(),
                ds.byte_order(),
            )
            .map_err(to_py)?;
            Ok(Element::new(tag, vr, bytes))
        }
    }
}
