//! The values of one JSON attribute (`"Value": [...]`) as an [`Input`] to encode: strings,
//! numbers (IS and DS as numbers or strings), person name objects, `GGGGEEEE` tags, and the
//! strings JSON uses for floats it cannot hold (`"NaN"`, `"Infinity"`, `"-Infinity"`).

use serde_json::{Number, Value};

use crate::core::{Tag, VR};
use crate::value::encode::{Input, format_ds};

type Failure = (usize, String);

/// What a JSON value is, for messages ("a string", "null"…).
pub(crate) fn what(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The text of a number given for a text VR (IS and DS in particular).
fn number_text(vr: VR, n: &Number, validate: bool) -> Result<String, String> {
    if let Some(i) = n.as_i64() {
        return Ok(i.to_string());
    }
    if let Some(u) = n.as_u64() {
        return Ok(u.to_string());
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    match vr {
        VR::IS if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(format!("{}", f as i64)),
        VR::IS if validate => Err(format!("{f} is not an integer")),
        VR::DS => super::format::ds_text(f)
            .or_else(|| format_ds(f))
            .ok_or_else(|| format!("{f} does not fit a DS")),
        _ => Ok(super::format::python_float(f)),
    }
}

/// A person name object (`{"Alphabetic": …, "Ideographic": …, "Phonetic": …}`) as PN text.
fn person_name(v: &serde_json::Map<String, Value>) -> Result<String, String> {
    let mut groups = [""; 3];
    for (key, value) in v {
        let slot = match key.as_str() {
            "Alphabetic" => 0,
            "Ideographic" => 1,
            "Phonetic" => 2,
            other => return Err(format!("{other:?} is not a person name component group")),
        };
        groups[slot] = match value {
            Value::String(s) => s,
            Value::Null => "",
            other => return Err(format!("{key:?} is a string, not {}", what(other))),
        };
    }
    let used = groups
        .iter()
        .rposition(|g| !g.is_empty())
        .map_or(0, |i| i + 1);
    Ok(groups[..used].join("="))
}

fn texts(vr: VR, values: &[Value], validate: bool) -> Result<Vec<String>, Failure> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            match v {
                Value::String(s) => Ok(s.clone()),
                Value::Null => Ok(String::new()),
                Value::Number(n) => number_text(vr, n, validate),
                Value::Object(o) if vr == VR::PN => person_name(o),
                other => Err(format!("{vr} takes strings, not {}", what(other))),
            }
            .map_err(|m| (i, m))
        })
        .collect()
}

fn float_of(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("{n} is not a float")),
        Value::String(s) => match s.trim() {
            "NaN" => Ok(f64::NAN),
            "Infinity" | "inf" => Ok(f64::INFINITY),
            "-Infinity" | "-inf" => Ok(f64::NEG_INFINITY),
            t => t.parse().map_err(|_| format!("{s:?} is not a number")),
        },
        other => Err(format!("a number, not {}", what(other))),
    }
}

fn int_of(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18)
                    .map(|f| f as i64)
            })
            .ok_or_else(|| format!("{n} is not an integer that fits")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an integer")),
        other => Err(format!("an integer, not {}", what(other))),
    }
}

fn uint_of(v: &Value) -> Result<u64, String> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| format!("{n} is not an unsigned integer")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an unsigned integer")),
        other => Err(format!("an unsigned integer, not {}", what(other))),
    }
}

fn tag_of(v: &Value) -> Result<Tag, String> {
    match v {
        Value::String(s) if s.len() == 8 => u32::from_str_radix(s, 16)
            .map(Tag::from_u32)
            .map_err(|_| format!("{s:?} is not a tag GGGGEEEE")),
        Value::Number(n) => n
            .as_u64()
            .and_then(|u| u32::try_from(u).ok())
            .map(Tag::from_u32)
            .ok_or_else(|| format!("{n} is not a tag")),
        other => Err(format!("a tag \"GGGGEEEE\", not {}", what(other))),
    }
}

fn each<T>(values: &[Value], f: impl Fn(&Value) -> Result<T, String>) -> Result<Vec<T>, Failure> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| f(v).map_err(|m| (i, m)))
        .collect()
}

/// The values of an attribute of `vr` as an encoder input; `Err((index, message))`.
pub(crate) fn input(vr: VR, values: &[Value], validate: bool) -> Result<Input, Failure> {
    if values.is_empty() {
        return Ok(Input::Empty);
    }
    Ok(match vr {
        _ if vr.is_text() => Input::Text(texts(vr, values, validate)?),
        VR::US | VR::SS | VR::UL | VR::SL | VR::SV => Input::Int(each(values, int_of)?),
        VR::UV => Input::UInt(each(values, uint_of)?),
        VR::FL | VR::FD => Input::Float(each(values, float_of)?),
        VR::AT => Input::Tags(each(values, tag_of)?),
        _ => {
            return Err((
                0,
                format!(
                    "{vr} values are given as \"InlineBinary\" or \"BulkDataURI\", not \"Value\""
                ),
            ));
        }
    })
}
