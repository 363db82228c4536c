//! DICOM JSON → Dataset: every attribute object becomes an element built by
//! [`crate::model::build`]; `BulkDataURI`s are returned with where they belong, for the
//! caller to fetch and set ([`crate::model::set_value`]).

use serde_json::{Map, Value};

use crate::core::{Dataset, Element, SharedDataset, Tag, VR};
use crate::dictionary;
use crate::error::{DicomError, ErrorKind, Result};
use crate::model::build::{self, BuildOptions, BulkRef, Parsed, Validation};
use crate::model::inline;
use crate::model::path::{ItemPath, item_path, links, tag_path};
use crate::value::encode::Input;

use super::values::what;

/// The JSON Pointer (RFC 6901) of the item `at` (empty at the top level).
fn item_pointer(at: Option<&ItemPath<'_>>) -> String {
    links(at)
        .iter()
        .map(|(seq, index)| format!("/{:08X}/Value/{index}", seq.as_u32()))
        .collect()
}

/// The JSON Pointer of `tag` in the item `at`.
fn pointer(at: Option<&ItemPath<'_>>, tag: Tag) -> String {
    format!("{}/{:08X}", item_pointer(at), tag.as_u32())
}

/// Reads DICOM JSON text.
pub fn from_json(text: &str, opts: BuildOptions) -> Result<Parsed> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        DicomError::new(
            ErrorKind::Malformed,
            byte_offset(text, e.line(), e.column()),
            "",
            format!("not JSON: {e}"),
        )
    })?;
    from_value(&value, opts)
}

/// The byte offset of a 1-based line and column (serde_json counts columns in bytes).
fn byte_offset(text: &str, line: usize, column: usize) -> Option<u64> {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    u64::try_from(start + column.saturating_sub(1)).ok()
}

/// Reads a DICOM JSON object model.
pub fn from_value(value: &Value, opts: BuildOptions) -> Result<Parsed> {
    let Value::Object(obj) = value else {
        return Err(DicomError::new(
            ErrorKind::Malformed,
            None,
            "",
            format!("a DICOM JSON dataset is an object, not {}", what(value)),
        ));
    };
    let mut out = Out::default();
    let mut dataset = Dataset::new();
    read_dataset(&mut dataset, obj, None, opts, &mut out)?;
    Ok(Parsed {
        dataset,
        bulk: out.bulk,
        warnings: out.warnings,
    })
}

/// What reading gives besides the dataset.
#[derive(Default)]
struct Out {
    bulk: Vec<BulkRef>,
    warnings: Vec<String>,
}

/// The element, its tolerated rule break (if any) kept as a warning naming where it is.
fn keep(
    built: Result<build::Built>,
    at: Option<&ItemPath<'_>>,
    tag: Tag,
    out: &mut Out,
) -> Result<Element> {
    let (element, warning) = built.map_err(|e| bad(at, tag, e.kind, e.message))?;
    if let Some(w) = warning {
        out.warnings
            .push(bad(at, tag, w.kind, w.message).to_string());
    }
    Ok(element)
}

/// An error about the attribute `tag` in the item `at`, naming its tag path and JSON Pointer.
fn bad(
    at: Option<&ItemPath<'_>>,
    tag: Tag,
    kind: ErrorKind,
    msg: impl std::fmt::Display,
) -> DicomError {
    DicomError::new(
        kind,
        None,
        tag_path(at, tag),
        format!("JSON {}: {msg}", pointer(at, tag)),
    )
}

fn parse_tag(key: &str) -> Option<Tag> {
    if key.len() != 8 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(key, 16).ok().map(Tag::from_u32)
}

fn read_dataset(
    ds: &mut Dataset,
    obj: &Map<String, Value>,
    at: Option<&ItemPath<'_>>,
    opts: BuildOptions,
    out: &mut Out,
) -> Result<()> {
    let mut attrs = Vec::with_capacity(obj.len());
    for (key, attr) in obj {
        let tag = parse_tag(key).ok_or_else(|| {
            DicomError::new(
                ErrorKind::Malformed,
                None,
                item_path(at),
                format!(
                    "JSON {}: {key:?} is not a tag (8 hexadecimal digits GGGGEEEE)",
                    item_pointer(at)
                ),
            )
        })?;
        attrs.push((tag, attr));
    }
    // Text is encoded in the dataset's character set: set it first.
    attrs.sort_by_key(|(tag, _)| (*tag != Tag::SPECIFIC_CHARACTER_SET, *tag));
    for (tag, attr) in attrs {
        let element = read_attribute(ds, tag, attr, at, opts, out)?;
        ds.insert(element);
    }
    Ok(())
}

/// The one value of a `InlineBinary` / `BulkDataURI` key: a string, or a list of one string
/// (the example of PS3.18 F.4 writes it so).
fn single_string(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Array(a) if a.len() == 1 => a[0].as_str(),
        _ => None,
    }
}

fn read_attribute(
    ds: &Dataset,
    tag: Tag,
    attr: &Value,
    at: Option<&ItemPath<'_>>,
    opts: BuildOptions,
    out: &mut Out,
) -> Result<Element> {
    let err = |msg: String| bad(at, tag, ErrorKind::Malformed, msg);
    let Value::Object(attr) = attr else {
        return Err(err(format!(
            "an attribute is an object, not {}",
            what(attr)
        )));
    };
    let vr = match attr.get("vr") {
        Some(Value::String(s)) => VR::parse(s).ok_or_else(|| err(format!("{s:?} is not a VR")))?,
        Some(other) => return Err(err(format!("\"vr\" is a string, not {}", what(other)))),
        // PS3.18 requires "vr"; a standard attribute with one VR can do without it.
        None => dictionary::by_tag(tag)
            .filter(|d| d.vrs.len() == 1)
            .and_then(|d| d.default_vr())
            .ok_or_else(|| err("no \"vr\"".into()))?,
    };
    let keys: Vec<&str> = ["Value", "InlineBinary", "BulkDataURI"]
        .into_iter()
        .filter(|k| attr.get(*k).is_some_and(|v| !v.is_null()))
        .collect();
    if keys.len() > 1 {
        return Err(err(format!("has both {:?} and {:?}", keys[0], keys[1])));
    }
    let input = match keys.first().copied() {
        None => {
            if vr == VR::SQ {
                return Ok(Element::sequence(tag, Vec::new()));
            }
            Input::Empty
        }
        Some("Value") => {
            let Some(Value::Array(values)) = attr.get("Value") else {
                return Err(err("\"Value\" is an array".into()));
            };
            if vr == VR::SQ {
                return read_items(ds, tag, values, at, opts, out);
            }
            super::values::input(vr, values, opts.validation == Validation::Strict)
                .map_err(|(index, msg)| err(format!("value {index}: {msg}")))?
        }
        Some("InlineBinary") => {
            let text = attr
                .get("InlineBinary")
                .and_then(single_string)
                .ok_or_else(|| err("\"InlineBinary\" is a base64 string".into()))?;
            let bytes = inline::decode(text).map_err(err)?;
            if vr == VR::SQ {
                return Err(err("a sequence has items, not InlineBinary".into()));
            }
            return keep(build::binary(ds, tag, vr, bytes, opts), at, tag, out);
        }
        _ => {
            let uri = attr
                .get("BulkDataURI")
                .and_then(single_string)
                .ok_or_else(|| err("\"BulkDataURI\" is a string".into()))?;
            out.bulk.push(BulkRef {
                items: links(at),
                tag,
                vr,
                uri: uri.to_string(),
                path: tag_path(at, tag),
            });
            if vr == VR::SQ {
                return Ok(Element::sequence(tag, Vec::new()));
            }
            Input::Empty
        }
    };
    keep(build::element(ds, tag, vr, input, opts), at, tag, out)
}

fn read_items(
    ds: &Dataset,
    tag: Tag,
    values: &[Value],
    at: Option<&ItemPath<'_>>,
    opts: BuildOptions,
    out: &mut Out,
) -> Result<Element> {
    let mut items = Vec::with_capacity(values.len());
    for (index, v) in values.iter().enumerate() {
        let link = ItemPath {
            parent: at,
            tag,
            index,
        };
        let mut item = build::item(ds);
        match v {
            Value::Object(obj) => read_dataset(&mut item, obj, Some(&link), opts, out)?,
            Value::Null => {}
            other => {
                return Err(bad(
                    at,
                    tag,
                    ErrorKind::Malformed,
                    format!("item {index} is an object, not {}", what(other)),
                ));
            }
        }
        items.push(SharedDataset::new(item));
    }
    Ok(Element::sequence(tag, items))
}
