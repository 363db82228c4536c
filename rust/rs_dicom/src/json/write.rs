//! Dataset → DICOM JSON: the dataset is serialised straight from its elements (no tree is
//! built for text output), through serde so that the same code gives JSON text (with the
//! Python-compatible formatter) and a `serde_json::Value` (the object model for Python).

use std::collections::HashMap;

use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::format::PythonFormatter;
use crate::core::{Dataset, Element, SharedDataset, Tag};
use crate::error::{DicomError, ErrorKind, Result};
use crate::model::attr::{Attr, Number, attr};
use crate::model::bulk::BulkData;
use crate::model::inline;
use crate::model::path::{ItemPath, tag_path};

/// What to write and how.
#[derive(Debug, Clone, Default)]
pub struct JsonOptions<'a> {
    /// Binary values inline or left out.
    pub bulk_data: BulkData,
    /// The File Meta Information to write before the dataset (not part of the JSON model).
    pub meta: Option<&'a Dataset>,
    /// `BulkDataURI`s by tag path (`(0008,1115)[0].(7FE0,0010)`): written instead of the
    /// value of those binary elements.
    pub uris: Option<&'a HashMap<String, String>>,
    /// Text output: spaces per indentation level; `None` writes one line.
    pub indent: Option<usize>,
    /// Text output: escape every non-ASCII character.
    pub ensure_ascii: bool,
}

struct Ctx<'a> {
    opts: &'a JsonOptions<'a>,
}

struct TagKey(Tag);

impl Serialize for TagKey {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let v = self.0.as_u32();
        let mut buf = [0u8; 8];
        for (i, b) in buf.iter_mut().enumerate() {
            *b = HEX[(v >> (28 - 4 * i)) as usize & 15];
        }
        s.serialize_str(std::str::from_utf8(&buf).unwrap_or_default())
    }
}

struct DatasetJson<'a> {
    datasets: [Option<&'a Dataset>; 2],
    at: Option<&'a ItemPath<'a>>,
    ctx: &'a Ctx<'a>,
}

impl Serialize for DatasetJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for ds in self.datasets.iter().flatten() {
            for e in ds.iter() {
                // Group lengths are not part of the JSON model (F.2.2).
                if e.tag.is_group_length() {
                    continue;
                }
                let value = AttrJson {
                    ds,
                    e,
                    at: self.at,
                    ctx: self.ctx,
                };
                map.serialize_entry(&TagKey(e.tag), &value)?;
            }
        }
        map.end()
    }
}

struct AttrJson<'a> {
    ds: &'a Dataset,
    e: &'a Element,
    at: Option<&'a ItemPath<'a>>,
    ctx: &'a Ctx<'a>,
}

struct Items<'a> {
    items: &'a [SharedDataset],
    tag: Tag,
    at: Option<&'a ItemPath<'a>>,
    ctx: &'a Ctx<'a>,
}

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.items.len()))?;
        for (index, item) in self.items.iter().enumerate() {
            let item = item.read();
            let at = ItemPath {
                parent: self.at,
                tag: self.tag,
                index,
            };
            seq.serialize_element(&DatasetJson {
                datasets: [Some(&item), None],
                at: Some(&at),
                ctx: self.ctx,
            })?;
        }
        seq.end()
    }
}

struct NameJson<'a>(&'a [Option<String>; 3]);

impl Serialize for NameJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (key, group) in ["Alphabetic", "Ideographic", "Phonetic"].iter().zip(self.0) {
            if let Some(g) = group {
                map.serialize_entry(key, g)?;
            }
        }
        map.end()
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Number::Null => s.serialize_none(),
            Number::Int(v) => s.serialize_i64(*v),
            Number::UInt(v) => s.serialize_u64(*v),
            Number::Float(v) => s.serialize_f64(*v),
            Number::Text(t) => s.serialize_str(t),
        }
    }
}

impl Serialize for AttrJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let (ds, e) = (self.ds, self.e);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("vr", e.vr.as_str())?;
        match attr(ds, e) {
            Attr::Empty => {}
            Attr::Items(items) => map.serialize_entry(
                "Value",
                &Items {
                    items,
                    tag: e.tag,
                    at: self.at,
                    ctx: self.ctx,
                },
            )?,
            Attr::Binary(bytes) => {
                let uri = self
                    .ctx
                    .opts
                    .uris
                    .filter(|u| !u.is_empty())
                    .and_then(|u| u.get(&tag_path(self.at, e.tag)));
                if let Some(uri) = uri {
                    map.serialize_entry("BulkDataURI", uri)?;
                } else if self.ctx.opts.bulk_data == BulkData::Inline {
                    map.serialize_entry("InlineBinary", &inline::encode(&bytes))?;
                }
            }
            Attr::Text(values) => map.serialize_entry("Value", &values)?,
            Attr::Names(names) => {
                let names: Vec<Option<NameJson<'_>>> =
                    names.iter().map(|n| n.as_ref().map(NameJson)).collect();
                map.serialize_entry("Value", &names)?;
            }
            Attr::Numbers(numbers) => map.serialize_entry("Value", &numbers)?,
            Attr::Tags(tags) => map.serialize_entry("Value", &tags)?,
        }
        map.end()
    }
}

fn json_error(e: serde_json::Error) -> DicomError {
    DicomError::new(ErrorKind::Io, None, "", format!("cannot write JSON: {e}"))
}

fn checked(ds: &Dataset, meta: Option<&Dataset>) -> Result<()> {
    // A mapped file that changed under the walk: refuse what was read from it.
    ds.source().check()?;
    meta.map_or(Ok(()), |m| m.source().check())
}

/// The dataset as DICOM JSON text, written as Python's `json.dumps` writes the object model
/// (see [`to_value`]) with `opts.indent` and `opts.ensure_ascii`.
pub fn to_json(ds: &Dataset, opts: &JsonOptions<'_>) -> Result<String> {
    let mut out = Vec::with_capacity(4096);
    to_writer(&mut out, ds, opts)?;
    String::from_utf8(out).map_err(|e| json_error(serde_json::Error::custom(e)))
}

/// Writes the dataset as DICOM JSON text to `out`.
pub fn to_writer<W: std::io::Write>(out: W, ds: &Dataset, opts: &JsonOptions<'_>) -> Result<()> {
    let ctx = Ctx { opts };
    let body = DatasetJson {
        datasets: [opts.meta, Some(ds)],
        at: None,
        ctx: &ctx,
    };
    let mut ser = serde_json::Serializer::with_formatter(
        out,
        PythonFormatter::new(opts.indent, opts.ensure_ascii),
    );
    body.serialize(&mut ser).map_err(json_error)?;
    checked(ds, opts.meta)
}

/// The dataset as a DICOM JSON object model (keys in tag order, `"vr"` first in each
/// attribute).
pub fn to_value(ds: &Dataset, opts: &JsonOptions<'_>) -> Result<serde_json::Value> {
    let ctx = Ctx { opts };
    let body = DatasetJson {
        datasets: [opts.meta, Some(ds)],
        at: None,
        ctx: &ctx,
    };
    let value = serde_json::to_value(&body).map_err(json_error)?;
    checked(ds, opts.meta)?;
    Ok(value)
}

/// One element of `ds` as a DICOM JSON attribute object (`{"vr": …, "Value": […]}`).
pub fn element_to_value(
    ds: &Dataset,
    e: &Element,
    opts: &JsonOptions<'_>,
) -> Result<serde_json::Value> {
    let ctx = Ctx { opts };
    let value = serde_json::to_value(&AttrJson {
        ds,
        e,
        at: None,
        ctx: &ctx,
    })
    .map_err(json_error)?;
    checked(ds, None)?;
    Ok(value)
}
