//! Dataset → Native DICOM Model XML, written straight into a string (no tree is built): one
//! line per tag, as DCMTK's `dcm2xml --native-format` lays it out.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::escape::escape;
use super::names;
use crate::core::{Dataset, Element, SharedDataset, Tag, VR};
use crate::dictionary;
use crate::error::Result;
use crate::model::attr::{Attr, Number, attr};
use crate::model::bulk::BulkData;
use crate::model::inline;
use crate::model::path::{ItemPath, tag_path};
use crate::value;

/// The namespace of the Native DICOM Model (PS3.19 A.1.6).
pub const NAMESPACE: &str = "http://dicom.nema.org/PS3.19/models/NativeDICOM";

/// What to write and how.
#[derive(Debug, Clone, Default)]
pub struct XmlOptions<'a> {
    /// Binary values inline or left out.
    pub bulk_data: BulkData,
    /// The File Meta Information to write before the dataset (not part of the model).
    pub meta: Option<&'a Dataset>,
    /// `<BulkData uri>`s by tag path (`(0008,1115)[0].(7FE0,0010)`): written instead of the
    /// value of those binary elements.
    pub uris: Option<&'a HashMap<String, String>>,
}

/// The shortest text of a float that reads back as the same value of its VR (FL: 32 bits).
fn float_text(vr: VR, f: f64) -> String {
    if vr == VR::FL {
        format!("{:?}", f as f32)
    } else {
        format!("{f:?}")
    }
}

/// The private creators of a dataset: (group, block) → (name, whether no other block of the
/// group has the same name).
type Creators = HashMap<(u16, u16), (String, bool)>;

fn creators(ds: &Dataset) -> Creators {
    let mut out: Creators = HashMap::new();
    for e in ds.iter().filter(|e| e.tag.is_private_creator()) {
        let name = value::decode_text(ds, e);
        let name = super::creator_name(&name).to_string();
        if !name.is_empty() {
            out.insert((e.tag.group(), e.tag.element()), (name, true));
        }
    }
    let names: Vec<((u16, u16), String)> = out.iter().map(|(k, (n, _))| (*k, n.clone())).collect();
    for ((group, block), name) in &names {
        let shared = names
            .iter()
            .any(|((g, b), n)| g == group && b != block && n == name);
        if let Some(entry) = out.get_mut(&(*group, *block)) {
            entry.1 = !shared;
        }
    }
    out
}

struct Writer<'a> {
    out: String,
    opts: &'a XmlOptions<'a>,
}

impl Writer<'_> {
    fn dataset(&mut self, ds: &Dataset, at: Option<&ItemPath<'_>>) {
        let creators = creators(ds);
        for e in ds.iter() {
            // Group lengths are not part of the model (DCMTK leaves them out too).
            if !e.tag.is_group_length() {
                self.attribute(ds, &creators, e, at);
            }
        }
    }

    fn open(&mut self, creators: &Creators, e: &Element) {
        let tag = e.tag;
        let block = tag.element() >> 8;
        let creator = creators
            .get(&(tag.group(), block))
            .filter(|_| tag.is_private() && block >= 0x10);
        // A private element names its creator instead of its block (gggg00ee, PS3.19
        // Table A.1.5-2). The whole tag is kept without a creator, and beside one whose
        // name another block of the group has too (gggg00ee would not tell them apart).
        let written = match creator {
            Some((_, true)) => tag.as_u32() & 0xFFFF_00FF,
            _ => tag.as_u32(),
        };
        let creator = creator.map(|(name, _)| name.clone());
        let _ = write!(
            self.out,
            "<DicomAttribute tag=\"{written:08X}\" vr=\"{}\"",
            e.vr.as_str()
        );
        if !tag.is_private()
            && let Some(d) = dictionary::by_tag(tag)
            && !d.keyword.is_empty()
        {
            let _ = write!(self.out, " keyword=\"{}\"", d.keyword);
        }
        if let Some(c) = creator {
            self.out.push_str(" privateCreator=\"");
            escape(&c, &mut self.out);
            self.out.push('"');
        }
        self.out.push_str(">\n");
    }

    fn value(&mut self, number: usize, text: Option<&str>) {
        let _ = write!(self.out, "<Value number=\"{number}\">");
        if let Some(t) = text {
            escape(t, &mut self.out);
        }
        self.out.push_str("</Value>\n");
    }

    fn attribute(
        &mut self,
        ds: &Dataset,
        creators: &Creators,
        e: &Element,
        at: Option<&ItemPath<'_>>,
    ) {
        self.open(creators, e);
        // DS and IS keep the text they have (the model's values are strings).
        let found = if matches!(e.vr, VR::DS | VR::IS) {
            let t = value::text_values(ds, e);
            if t.iter().all(String::is_empty) && t.len() <= 1 {
                Attr::Empty
            } else {
                Attr::Text(
                    t.into_iter()
                        .map(|v| (!v.is_empty()).then_some(v))
                        .collect(),
                )
            }
        } else {
            attr(ds, e)
        };
        match found {
            Attr::Empty => {}
            Attr::Items(items) => self.items(items, e.tag, at),
            Attr::Binary(bytes) => {
                let uri = self
                    .opts
                    .uris
                    .filter(|u| !u.is_empty())
                    .and_then(|u| u.get(&tag_path(at, e.tag)));
                if let Some(uri) = uri {
                    self.out.push_str("<BulkData uri=\"");
                    escape(uri, &mut self.out);
                    self.out.push_str("\"/>\n");
                } else if self.opts.bulk_data == BulkData::Inline {
                    self.out.push_str("<InlineBinary>");
                    inline::encode_to(&bytes, &mut self.out);
                    self.out.push_str("</InlineBinary>\n");
                }
            }
            Attr::Text(values) => {
                for (i, v) in values.iter().enumerate() {
                    self.value(i + 1, v.as_deref());
                }
            }
            Attr::Names(values) => {
                for (i, v) in values.iter().enumerate() {
                    names::write(&mut self.out, i + 1, v.as_ref());
                }
            }
            Attr::Numbers(values) => {
                for (i, n) in values.iter().enumerate() {
                    let text = match n {
                        Number::Null => None,
                        Number::Int(v) => Some(v.to_string()),
                        Number::UInt(v) => Some(v.to_string()),
                        Number::Float(f) => Some(float_text(e.vr, *f)),
                        Number::Text(t) => Some(t.clone()),
                    };
                    self.value(i + 1, text.as_deref());
                }
            }
            Attr::Tags(values) => {
                for (i, v) in values.iter().enumerate() {
                    self.value(i + 1, Some(v));
                }
            }
        }
        self.out.push_str("</DicomAttribute>\n");
    }

    fn items(&mut self, items: &[SharedDataset], tag: Tag, at: Option<&ItemPath<'_>>) {
        for (index, item) in items.iter().enumerate() {
            let _ = writeln!(self.out, "<Item number=\"{}\">", index + 1);
            let link = ItemPath {
                parent: at,
                tag,
                index,
            };
            self.dataset(&item.read(), Some(&link));
            self.out.push_str("</Item>\n");
        }
    }
}

/// The dataset as Native DICOM Model XML (UTF-8 text with its declaration).
pub fn to_xml(ds: &Dataset, opts: &XmlOptions<'_>) -> Result<String> {
    let mut w = Writer {
        out: String::with_capacity(4096),
        opts,
    };
    w.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        w.out,
        "<NativeDicomModel xmlns=\"{NAMESPACE}\" xml:space=\"preserve\">"
    );
    if let Some(meta) = opts.meta {
        w.dataset(meta, None);
    }
    w.dataset(ds, None);
    w.out.push_str("</NativeDicomModel>\n");
    // A mapped file that changed under the walk: refuse what was read from it.
    ds.source().check()?;
    if let Some(meta) = opts.meta {
        meta.source().check()?;
    }
    Ok(w.out)
}
